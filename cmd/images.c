/* wasmpack images: list the tagged images of the store. */
#include <stdlib.h>
#include <string.h>

#include "image_info.h"

static const cli_option images_options[] = {{0}};

/* Splits "host/repo:tag" at the tag's colon (the last one after the
 * last slash); "host/repo@sha256:..." has no tag (*tag = NULL). */
static void split_name(const char *name, char *repo, size_t rsize, const char **tag)
{
	const char *at = strchr(name, '@');
	if (at) {
		snprintf(repo, rsize, "%.*s", (int)(at - name), name);
		*tag = NULL;
		return;
	}
	const char *slash = strrchr(name, '/');
	const char *colon = strrchr(slash ? slash : name, ':');
	size_t n = colon ? (size_t)(colon - name) : strlen(name);
	snprintf(repo, rsize, "%.*s", (int)n, name);
	*tag = colon ? colon + 1 : NULL;
}

static int run(cli_ctx *ctx, int argc, char **argv)
{
	wasmpack_store *store = NULL;
	wasmpack_store_image *list = NULL;
	size_t count = 0;
	int first = 0, rc = 0, err;

	if ((rc = cli_parse(ctx, &cmd_images, argc, argv, &first, NULL, NULL)))
		return rc;
	if (first != argc)
		return cli_usage_error(ctx, "takes no arguments");
	if ((rc = cli_open_store(ctx, &store)))
		return rc;
	if ((err = wasmpack_store_list(&list, &count, store))) {
		rc = cli_fail(ctx, err);
		goto done;
	}
	json_t *arr = ctx->json ? json_array() : NULL;
	if (!ctx->json && !ctx->quiet)
		printf("%-40s %-16s %-19s %-14s %s\n", "REPOSITORY", "TAG", "DIGEST", "PLATFORM",
		       "SIZE");
	for (size_t i = 0; i < count; i++) {
		const wasmpack_store_image *im = &list[i];
		const char *name = im->name ? im->name : "<none>";
		char repo[512], platform[128], size[32];
		const char *tag;
		image_info info;
		int64_t total = im->descriptor.size;
		split_name(name, repo, sizeof(repo), &tag);
		snprintf(platform, sizeof(platform), "?");
		if (image_info_load(&info, store, &im->descriptor) == 0) {
			image_info_platform(platform, sizeof(platform), &info);
			total = info.total_size;
			image_info_dispose(&info);
		}
		if (ctx->json) {
			json_array_append_new(
				arr, json_pack("{s:s?, s:s?, s:s?, s:s, s:s, s:s, s:I}", "name",
					       im->name, "repository", im->name ? repo : NULL,
					       "tag", tag, "digest", im->descriptor.digest,
					       "mediaType", im->descriptor.media_type, "platform",
					       platform, "size", (json_int_t)total));
		} else if (ctx->quiet) {
			printf("%s\n", cli_safe(name));
		} else {
			cli_human_size(size, sizeof(size), total);
			const char *hex = wasmpack_digest_hex(im->descriptor.digest);
			printf("%-40s %-16s sha256:%-12.12s %-14s %s\n", cli_safe(repo),
			       tag ? cli_safe(tag) : "<none>", hex ? hex : "?", cli_safe(platform),
			       size);
		}
	}
	if (ctx->json)
		rc = cli_print_json(json_pack("{s:o}", "images", arr));
done:
	wasmpack_store_images_free(list, count);
	wasmpack_store_free(store);
	return rc;
}

const cli_command cmd_images = {
	"images",
	run,
	"",
	"List the images in the store. With -q, only their names; with --json, all\nof it as one object.",
	images_options,
};
