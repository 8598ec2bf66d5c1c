/* wasmpack tag and rmi: name images in the store, and remove names. */
#include <stdlib.h>

#include "remote.h"

static const cli_option no_options[] = {{0}};

static int parse_ref(const cli_ctx *ctx, wasmpack_reference **out, const char *text)
{
	return remote_parse_ref(ctx, out, text);
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
	if ((rc = parse_ref(ctx, &src, argv[first])) ||
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
	for (int i = first; i < argc; i++) {
		wasmpack_reference *ref = NULL;
		if ((rc = parse_ref(ctx, &ref, argv[i])))
			return rc;
		wasmpack_reference_free(ref);
	}
	if ((rc = cli_open_store(ctx, &store)))
		return rc;
	for (int i = first; i < argc; i++) {
		wasmpack_reference *ref = NULL;
		wasmpack_reference_parse(&ref, argv[i]);
		err = wasmpack_store_untag(store, ref);
		wasmpack_reference_free(ref);
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
	wasmpack_store_free(store);
	return rc;
}

const cli_command cmd_tag = {
	"tag", run_tag, "SRC DST", "Give a stored image another name.", no_options,
};

const cli_command cmd_rmi = {
	"rmi",      run_rmi,
	"REF...",   "Remove image names from the store, then delete the blobs no image uses.",
	no_options,
};
