/* The store a command works on: --store, else $WASMPACK_STORE, else the
 * XDG data directory. Read-only commands never create it; writes refuse
 * a directory that holds something other than a store, so a mistyped
 * --store does not turn ~/Documents into an OCI layout. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The store path is resolved late so --store after the command counts. */
const char *cli_store_path(const cli_ctx *ctx, const char **from)
{
	static char path[4096];
	const char *s = getenv("WASMPACK_STORE");
	const char *dummy;
	from = from ? from : &dummy;
	if (ctx->store_path) {
		*from = "--store";
		return ctx->store_path;
	}
	if (s && *s) {
		*from = "$WASMPACK_STORE";
		return s;
	}
	const char *xdg = getenv("XDG_DATA_HOME");
	if (xdg && *xdg) {
		*from = "default, $XDG_DATA_HOME/wasmpack";
		snprintf(path, sizeof(path), "%s/wasmpack", xdg);
		return path;
	}
	const char *home = getenv("HOME");
	*from = "default, ~/.local/share/wasmpack";
	snprintf(path, sizeof(path), "%s/.local/share/wasmpack", home && *home ? home : ".");
	return path;
}

int cli_open_store(const cli_ctx *ctx, wasmpack_store **out)
{
	const char *path = cli_store_path(ctx, NULL);
	wasmpack_store_state state;
	int rc = wasmpack_store_probe(&state, path);
	if (rc)
		return cli_fail(ctx, rc);
	if (state == WASMPACK_STORE_OTHER) {
		char msg[4400];
		snprintf(msg, sizeof(msg),
			 "refusing to use '%s' as the store: it is not empty and holds no "
			 "image store (oci-layout); name an empty or new directory with --store",
			 path);
		return cli_fail(ctx,
				wasmpack_error_set_str(WASMPACK_EIO, WASMPACK_REASON_NONE, msg));
	}
	rc = wasmpack_store_open(out, path);
	return rc ? cli_fail(ctx, rc) : 0;
}

int cli_open_store_ro(const cli_ctx *ctx, wasmpack_store **out)
{
	const char *path = cli_store_path(ctx, NULL);
	wasmpack_store_state state;
	*out = NULL;
	int rc = wasmpack_store_probe(&state, path);
	if (rc)
		return cli_fail(ctx, rc);
	if (state == WASMPACK_STORE_OTHER)
		cli_note(ctx, "note: '%s' is not an image store (no oci-layout)", cli_safe(path));
	if (state != WASMPACK_STORE_LAYOUT)
		return 0;
	rc = wasmpack_store_open(out, path);
	return rc ? cli_fail(ctx, rc) : 0;
}

/* 1 when text has the shape of an image ID: 12 to 64 lowercase hex
 * digits; *explicit says it began with "sha256:". */
static int id_shaped(const char *text, int *explicit)
{
	*explicit = strncmp(text, "sha256:", 7) == 0;
	const char *hex = *explicit ? text + 7 : text;
	size_t n = strspn(hex, "0123456789abcdef");
	return hex[n] == '\0' && n >= WASMPACK_STORE_ID_MIN && n <= 64;
}

int cli_image_id(const cli_ctx *ctx, wasmpack_reference **out, const char *text)
{
	wasmpack_store *store = NULL;
	wasmpack_store_image *list = NULL;
	size_t count = 0;
	char digest[WASMPACK_DIGEST_MAX];
	int explicit, rc, err;

	if (!id_shaped(text, &explicit)) {
		if (!explicit)
			return -1;
		return cli_fail(ctx, wasmpack_error_set_str(
					     WASMPACK_EINVALID, WASMPACK_REASON_INVALID_ARGUMENT,
					     "an image ID is 12 to 64 hex digits after sha256:"));
	}
	if ((rc = cli_open_store_ro(ctx, &store)))
		return rc;
	if (!store) {
		/* Bare hex may still be a repository name. */
		if (!explicit)
			return -1;
		return cli_fail(ctx, wasmpack_error_set_str(
					     WASMPACK_ENOTFOUND, WASMPACK_REASON_NOT_IN_STORE,
					     "no image with that ID: the store is empty"));
	}
	err = wasmpack_store_find_id(digest, store, text);
	if (err == WASMPACK_ENOTFOUND && !explicit) {
		rc = -1;
		goto done;
	}
	if (err || (err = wasmpack_store_list(&list, &count, store))) {
		rc = cli_fail(ctx, err);
		goto done;
	}
	/* A reference needs a repository: the image's own name when it has
	 * one (so messages and archives carry it), else a placeholder; the
	 * digest is what finds the image. */
	const char *repo = "localhost/untagged";
	char name[1024];
	for (size_t i = 0; i < count; i++) {
		const char *n = list[i].name;
		if (n && wasmpack_digest_equal(list[i].descriptor.digest, digest)) {
			wasmpack_reference *r = NULL;
			if (wasmpack_reference_parse(&r, n) == 0) {
				char *base = NULL;
				if (wasmpack_reference_name(&base, r) == 0) {
					snprintf(name, sizeof(name), "%s", base);
					repo = name;
				}
				free(base);
			}
			wasmpack_reference_free(r);
			break;
		}
	}
	char full[1200];
	snprintf(full, sizeof(full), "%s@%s", repo, digest);
	if ((err = wasmpack_reference_parse(out, full)))
		rc = cli_fail(ctx, err);
done:
	wasmpack_store_images_free(list, count);
	wasmpack_store_free(store);
	return rc;
}
