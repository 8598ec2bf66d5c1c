/* wasmpack copy: registry to registry, without the store. */
#include <stdlib.h>
#include <string.h>

#include "remote.h"

enum { C_PLATFORM = 1 };

static const cli_option copy_options[] = {
	{"platform", 0, "OS/ARCH",
	 "copy only this platform's image of an index (default: all of it)", C_PLATFORM},
	REMOTE_OPTIONS,
	{0},
};

typedef struct copy_args {
	wasmpack_transfer_options opts;
	char os[64], arch[64];
} copy_args;

static int on_option(cli_ctx *ctx, int id, const char *v, void *payload)
{
	copy_args *a = payload;
	if (remote_option(ctx, &a->opts.registry, id, v) == 0)
		return 0;
	if (id != C_PLATFORM)
		return EXIT_USAGE;
	const char *slash = strchr(v, '/');
	if (!slash || slash == v || !slash[1] || (size_t)(slash - v) >= sizeof(a->os) ||
	    strlen(slash + 1) >= sizeof(a->arch) || strchr(slash + 1, '/'))
		return cli_usage_error(ctx, "platform '%s' must be OS/ARCH", v);
	snprintf(a->os, sizeof(a->os), "%.*s", (int)(slash - v), v);
	snprintf(a->arch, sizeof(a->arch), "%s", slash + 1);
	a->opts.os = a->os;
	a->opts.architecture = a->arch;
	return 0;
}

static int run(cli_ctx *ctx, int argc, char **argv)
{
	copy_args a;
	wasmpack_reference *src = NULL, *dst = NULL;
	wasmpack_transfer_result r = {0};
	char *name = NULL;
	int first = 0, rc, err;

	memset(&a, 0, sizeof(a));
	a.opts.version = WASMPACK_TRANSFER_OPTIONS_VERSION;
	a.opts.registry.version = WASMPACK_REGISTRY_OPTIONS_VERSION;
	a.opts.progress = remote_progress;
	a.opts.progress_payload = ctx;
	if ((rc = cli_parse(ctx, &cmd_copy, argc, argv, &first, on_option, &a)))
		return rc;
	remote_defaults(ctx, &a.opts.registry);
	if (argc - first != 2)
		return cli_usage_error(ctx, "expected SRC and DST");
	if ((rc = remote_parse_ref(ctx, &src, argv[first])) ||
	    (rc = remote_parse_dest(ctx, &dst, argv[first + 1], src)))
		goto done;
	if ((err = wasmpack_copy(&r, src, dst, &a.opts)) ||
	    (err = wasmpack_reference_format(&name, dst))) {
		rc = cli_fail(ctx, err);
		goto done;
	}
	if (r.note)
		cli_note(ctx, "%s", r.note);
	cli_note(ctx, "copied to %s (%zu blob%s sent, %zu already there or mounted)", name,
		 r.blobs_moved, r.blobs_moved == 1 ? "" : "s", r.blobs_skipped);
	if (ctx->json)
		rc = cli_print_json(
			json_pack("{s:s, s:s, s:I, s:s, s:I, s:I, s:I}", "reference", name,
				  "digest", r.manifest.digest, "size", (json_int_t)r.manifest.size,
				  "mediaType", r.manifest.media_type, "blobsMoved",
				  (json_int_t)r.blobs_moved, "blobsSkipped",
				  (json_int_t)r.blobs_skipped, "requests", (json_int_t)r.requests));
	else
		printf("%s\n", r.manifest.digest);
done:
	free(name);
	wasmpack_transfer_result_dispose(&r);
	wasmpack_reference_free(src);
	wasmpack_reference_free(dst);
	return rc;
}

const cli_command cmd_copy = {
	"copy",
	run,
	"[OPTIONS] SRC DST",
	"Copy an image between registries, without the store (a DST that is only a\n"
	"registry keeps SRC's repository and tag). A whole index is copied unless\n"
	"--platform picks one entry; blobs are mounted when both sides are on one\n"
	"registry, else streamed and verified. Prints the manifest digest as the\n"
	"last line of stdout.",
	copy_options,
};
