/* wasmpack prune: removes what no name reaches: untagged index entries
 * (<none> in `images`), then unreferenced blobs and the leftover
 * temporary files of runs that died. */
#include <stdlib.h>

#include "cli.h"

static const cli_option prune_options[] = {{0}};

static int run(cli_ctx *ctx, int argc, char **argv)
{
	wasmpack_store *store = NULL;
	wasmpack_store_image *gone = NULL;
	size_t count = 0, removed = 0, partials = 0;
	int first = 0, rc, err;

	if ((rc = cli_parse(ctx, &cmd_prune, argc, argv, &first, NULL, NULL)))
		return rc;
	if (first != argc)
		return cli_usage_error(ctx, "takes no arguments");
	/* Nothing to prune where there is no store; none is created. */
	if ((rc = cli_open_store_ro(ctx, &store)) || !store)
		goto done;
	if ((err = wasmpack_store_untag_unnamed(&gone, &count, store))) {
		rc = cli_fail(ctx, err);
		goto done;
	}
	for (size_t i = 0; i < count; i++)
		if (!ctx->json)
			printf("removed untagged %s\n", gone[i].descriptor.digest);
	if ((err = wasmpack_store_remove_partials(&partials, store))) {
		rc = cli_fail(ctx, err);
		goto done;
	}
	if (!ctx->json)
		printf("deleted %zu partial download%s\n", partials, partials == 1 ? "" : "s");
	if ((err = wasmpack_store_gc(&removed, store))) {
		rc = cli_fail(ctx, err);
		goto done;
	}
	if (!ctx->json)
		printf("deleted %zu unreferenced blob%s\n", removed, removed == 1 ? "" : "s");
done:
	if (!rc && ctx->json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < count; i++)
			json_array_append_new(arr, json_string(gone[i].descriptor.digest));
		rc = cli_print_json(json_pack("{s:o, s:I, s:I}", "untagged", arr, "blobsDeleted",
					      (json_int_t)removed, "partialsDeleted",
					      (json_int_t)partials));
	}
	wasmpack_store_images_free(gone, count);
	wasmpack_store_free(store);
	return rc;
}

const cli_command cmd_prune = {
	"prune",
	run,
	"",
	"Remove untagged images (<none> in `images`), then the blobs no image\nuses and "
	"leftover partial downloads. Prints what it removed.",
	prune_options,
};
