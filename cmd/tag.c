/* wasmpack tag and rmi: name images in the store, and remove names. */
#include <stdlib.h>

#include "remote.h"

static const cli_option no_options[] = {{0}};

static int parse_ref(const cli_ctx *ctx, wasmpack_reference **out, const char *text)
{
	return remote_parse_ref(ctx, out, text);
}

/* An image argument: an ID of a stored image, else a reference. */
static int image_arg(const cli_ctx *ctx, wasmpack_reference **out, const char *text)
{
	int rc = cli_image_id(ctx, out, text);
	return rc < 0 ? parse_ref(ctx, out, text) : rc;
}

static int run_tag(cli_ctx *ctx, int argc, char **argv)
{
	wasmpack_store *store = NULL;
	wasmpack_reference *src = NULL, *dst = NULL;
	wasmpack_descriptor desc = {0};
	int first = 0, rc, err;

	if ((rc = cli_parse(ctx, &cmd_tag, argc, argv, &first, NULL, NULL)))
		return rc;
	if (argc - first != 2)
		return cli_usage_error(ctx, "expected SRC and DST");
	if ((rc = image_arg(ctx, &src, argv[first])) ||
	    (rc = parse_ref(ctx, &dst, argv[first + 1])))
		goto done;
	if (!dst->tag) {
		rc = cli_usage_error(ctx, "'%s' has no tag to set", argv[first + 1]);
		goto done;
	}
	remote_warn_host_case(ctx, argv[first + 1]);
	if ((rc = cli_open_store(ctx, &store)))
		goto done;
	if ((err = wasmpack_store_resolve(&desc, store, src)) ||
	    (err = wasmpack_store_tag(store, dst, &desc))) {
		rc = cli_fail(ctx, err);
		goto done;
	}
	if (!ctx->quiet)
		cli_note(ctx, "tagged %s", argv[first + 1]);
done:
	wasmpack_descriptor_dispose(&desc);
	wasmpack_reference_free(src);
	wasmpack_reference_free(dst);
	wasmpack_store_free(store);
	return rc;
}

static int run_rmi(cli_ctx *ctx, int argc, char **argv)
{
	wasmpack_store *store = NULL;
	int first = 0, rc, err;
	size_t removed = 0;

	if ((rc = cli_parse(ctx, &cmd_rmi, argc, argv, &first, NULL, NULL)))
		return rc;
	if (argc == first)
		return cli_usage_error(ctx, "expected at least one image reference");
	/* Check every name before removing any. */
	wasmpack_reference **refs = calloc((size_t)(argc - first), sizeof(*refs));
	if (!refs)
		return cli_fail(ctx, WASMPACK_ENOMEM);
	for (int i = first; i < argc; i++)
		if ((rc = image_arg(ctx, &refs[i - first], argv[i])))
			goto done;
	if ((rc = cli_open_store(ctx, &store)))
		goto done;
	for (int i = first; i < argc; i++) {
		err = wasmpack_store_untag(store, refs[i - first]);
		if (err) {
			rc = cli_fail(ctx, err);
			continue;
		}
		cli_note(ctx, "untagged %s", argv[i]);
	}
	if ((err = wasmpack_store_gc(&removed, store)))
		rc = rc ? rc : cli_fail(ctx, err);
	else if (removed)
		cli_note(ctx, "deleted %zu unreferenced blob%s", removed, removed == 1 ? "" : "s");
done:
	for (int i = first; i < argc; i++)
		wasmpack_reference_free(refs[i - first]);
	free(refs);
	wasmpack_store_free(store);
	return rc;
}

const cli_command cmd_tag = {
	"tag",
	run_tag,
	"SRC DST",
	"Give a stored image another name. SRC may be an image ID (12 or more hex\n"
	"digits of the digest `images` shows, with or without sha256:).",
	no_options,
};

const cli_command cmd_rmi = {
	"rmi",
	run_rmi,
	"REF...",
	"Remove image names from the store, then delete the blobs no image uses.\n"
	"An image ID (see tag) removes every name of that image, <none> entries\n"
	"included.",
	no_options,
};
