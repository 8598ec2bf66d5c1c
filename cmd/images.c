/* wasmpack images: list the images of the store, sorted by repository
 * and tag, optionally only those whose name matches a pattern. */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* Sorts by repository, then tag; unnamed entries last, by digest. */
static int by_name(const void *pa, const void *pb)
{
	const wasmpack_store_image *a = pa, *b = pb;
	if (!a->name || !b->name) {
		if (a->name || b->name)
			return a->name ? -1 : 1;
		return strcmp(a->descriptor.digest ? a->descriptor.digest : "",
			      b->descriptor.digest ? b->descriptor.digest : "");
	}
	char ra[512], rb[512];
	const char *ta, *tb;
	split_name(a->name, ra, sizeof(ra), &ta);
	split_name(b->name, rb, sizeof(rb), &tb);
	int c = strcmp(ra, rb);
	if (c)
		return c;
	if (!ta || !tb)
		return ta ? -1 : tb ? 1 : strcmp(a->name, b->name);
	return strcmp(ta, tb);
}

/* The short spelling of a Docker Hub name: "docker.io/library/x" is "x",
 * "docker.io/u/x" is "u/x"; other names are themselves. */
static const char *familiar(const char *name)
{
	if (strncmp(name, "docker.io/", 10) == 0)
		name += 10;
	if (strncmp(name, "library/", 8) == 0)
		name += 8;
	return name;
}

/* 1 when the shell pattern matches the repository, or repository:tag,
 * in the full or the short spelling. */
static int matches(const char *pattern, const char *name)
{
	char repo[512];
	const char *tag;
	if (!name)
		return 0;
	split_name(name, repo, sizeof(repo), &tag);
	const char *full[] = {repo, name};
	for (size_t i = 0; i < 2; i++)
		if (fnmatch(pattern, full[i], 0) == 0 ||
		    fnmatch(pattern, familiar(full[i]), 0) == 0)
			return 1;
	return 0;
}

/* "3 days ago", as docker says it; the date itself when in the future
 * or unreadable. */
static void relative_time(char *buf, size_t size, const char *created)
{
	int64_t t;
	if (!created || wasmpack_time_parse(&t, created) != 0) {
		snprintf(buf, size, "%s", created ? cli_safe(created) : "-");
		return;
	}
	int64_t d = (int64_t)time(NULL) - t;
	static const struct {
		int64_t secs;
		const char *unit;
	} units[] = {
		{365 * 86400, "year"}, {30 * 86400, "month"}, {7 * 86400, "week"},
		{86400, "day"},        {3600, "hour"},        {60, "minute"},
	};
	if (d < 0) {
		snprintf(buf, size, "%s", cli_safe(created));
		return;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		int64_t n = d / units[i].secs;
		if (n >= 1) {
			snprintf(buf, size, "%lld %s%s ago", (long long)n, units[i].unit,
				 n == 1 ? "" : "s");
			return;
		}
	}
	snprintf(buf, size, "%lld second%s ago", (long long)d, d == 1 ? "" : "s");
}

static int run(cli_ctx *ctx, int argc, char **argv)
{
	wasmpack_store *store = NULL;
	wasmpack_store_image *list = NULL;
	size_t count = 0;
	int first = 0, rc = 0, err;

	if ((rc = cli_parse(ctx, &cmd_images, argc, argv, &first, NULL, NULL)))
		return rc;
	if (argc - first > 1)
		return cli_usage_error(ctx, "takes at most one PATTERN");
	const char *pattern = argc > first ? argv[first] : NULL;
	/* Listing never creates a store: none is an empty listing. */
	if ((rc = cli_open_store_ro(ctx, &store)))
		return rc;
	if (store && (err = wasmpack_store_list(&list, &count, store))) {
		rc = cli_fail(ctx, err);
		goto done;
	}
	if (count)
		qsort(list, count, sizeof(*list), by_name);
	json_t *arr = ctx->json ? json_array() : NULL;
	if (!ctx->json && !ctx->quiet)
		printf("%-40s %-16s %-19s %-14s %-16s %s\n", "REPOSITORY", "TAG", "IMAGE ID",
		       "PLATFORM", "CREATED", "SIZE");
	for (size_t i = 0; i < count; i++) {
		const wasmpack_store_image *im = &list[i];
		if (pattern && !matches(pattern, im->name))
			continue;
		const char *name = im->name ? im->name : "<none>";
		char repo[512], platform[128], size[32], when[64];
		char *created = NULL;
		const char *tag;
		image_info info;
		int64_t total = im->descriptor.size;
		split_name(name, repo, sizeof(repo), &tag);
		snprintf(platform, sizeof(platform), "?");
		if (image_info_load(&info, store, &im->descriptor) == 0) {
			image_info_platform(platform, sizeof(platform), &info);
			total = info.total_size;
			if (info.config && info.config->created)
				created = strdup(info.config->created);
			image_info_dispose(&info);
		}
		if (ctx->json) {
			json_array_append_new(
				arr,
				json_pack("{s:s?, s:s?, s:s?, s:s, s:s, s:s, s:I, s:s?}", "name",
					  im->name, "repository", im->name ? repo : NULL, "tag",
					  tag, "digest", im->descriptor.digest, "mediaType",
					  im->descriptor.media_type, "platform", platform, "size",
					  (json_int_t)total, "created", created));
		} else if (ctx->quiet) {
			printf("%s\n", cli_safe(name));
		} else {
			cli_human_size(size, sizeof(size), total);
			relative_time(when, sizeof(when), created);
			const char *hex = wasmpack_digest_hex(im->descriptor.digest);
			printf("%-40s %-16s sha256:%-12.12s %-14s %-16s %s\n", cli_safe(repo),
			       tag ? cli_safe(tag) : "<none>", hex ? hex : "?", cli_safe(platform),
			       when, size);
		}
		free(created);
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
	"[PATTERN]",
	"List the images in the store, sorted by repository and tag. PATTERN (a\nshell "
	"pattern such as 'demo/*') keeps those whose repository or\nrepository:tag matches, "
	"in full (docker.io/library/x) or short (x).\nIMAGE ID is what tag, rmi, inspect, "
	"push and save accept in place of\na name. With -q, only the names; with --json, "
	"all of it as one object.\nWithout a store, the listing is empty.",
	images_options,
};
