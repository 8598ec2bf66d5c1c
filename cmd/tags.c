/* wasmpack tags: the tags of a registry repository. */
#include <stdlib.h>
#include <string.h>

#include "remote.h"

static const cli_option tags_options[] = {REMOTE_OPTIONS, {0}};

static int on_option(cli_ctx *ctx, int id, const char *v, void *payload)
{
	(void)ctx;
	return remote_option(ctx, payload, id, v) == 0 ? 0 : EXIT_USAGE;
}

static int run(cli_ctx *ctx, int argc, char **argv)
{
	wasmpack_registry_options ropts = WASMPACK_REGISTRY_OPTIONS_INIT;
	wasmpack_reference *ref = NULL;
	wasmpack_registry *reg = NULL;
	wasmpack_strv tags = {0};
	char *name = NULL;
	int first = 0, rc, err;

	if ((rc = cli_parse(ctx, &cmd_tags, argc, argv, &first, on_option, &ropts)))
		return rc;
	remote_defaults(ctx, &ropts);
	if (argc - first != 1)
		return cli_usage_error(ctx, "expected one repository");
	const char *text = argv[first];
	const char *slash = strrchr(text, '/');
	/* A repository, not an image: "host/repo", never "host/repo:tag". */
	if (strchr(text, '@') || strchr(slash ? slash : text, ':'))
		return cli_usage_error(ctx, "'%s' names an image; give the repository alone", text);
	if ((rc = remote_parse_ref(ctx, &ref, text)))
		return rc;
	/* For the hints (errors.c): which registry to log in to. */
	snprintf(ctx->registry, sizeof(ctx->registry), "%s", ref->registry);
	if ((err = wasmpack_reference_name(&name, ref)) ||
	    (err = wasmpack_registry_new(&reg, ref->registry, &ropts)) ||
	    (err = wasmpack_registry_tags(&tags, reg, ref->repository))) {
		rc = cli_fail(ctx, err);
		goto done;
	}
	if (ctx->json) {
		json_t *arr = json_array();
		for (size_t i = 0; arr && i < tags.count; i++)
			json_array_append_new(arr, json_string(tags.items[i]));
		rc = cli_print_json(json_pack("{s:s, s:o}", "name", name, "tags", arr));
		goto done;
	}
	for (size_t i = 0; i < tags.count; i++)
		printf("%s\n", cli_safe(tags.items[i]));
done:
	wasmpack_strv_dispose(&tags);
	wasmpack_registry_free(reg);
	wasmpack_reference_free(ref);
	free(name);
	return rc;
}

const cli_command cmd_tags = {
	"tags",
	run,
	"[OPTIONS] REPOSITORY",
	"List the tags of a registry repository. One per line, every page of them.",
	tags_options,
};
