/* wasmpack build: pack a module into an image in the store and tag it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/stat.h>

#include "image_info.h"
#include "progress.h"
#include "remote.h"

enum {
	B_TAG = 1,
	B_PLATFORM,
	B_FORMAT,
	B_ENTRYPOINT,
	B_ANNOTATION,
	B_ANNOTATION_FILE,
	B_LABEL,
	B_ENV,
	B_CREATED,
	B_COMPRESSION,
	B_LEVEL,
	B_DENY,
	B_ALLOW,
};

static const cli_option build_options[] = {
	{"tag", 't', "REF", "name and tag the image (repeatable)", B_TAG},
	{"platform", 0, "OS/ARCH", "platform in the config (default wasi/wasm32)", B_PLATFORM},
	{"format", 0, "FMT", "image (runnable, default) or artifact (CNCF Wasm OCI artifact)",
	 B_FORMAT},
	{"entrypoint", 0, "PATH", "config Entrypoint (default /NAME.wasm)", B_ENTRYPOINT},
	{"annotation", 0, "K=V", "manifest annotation (repeatable)", B_ANNOTATION},
	{"annotation-file", 0, "FILE", "manifest annotations, one K=V per line", B_ANNOTATION_FILE},
	{"label", 0, "K=V", "config label (repeatable)", B_LABEL},
	{"env", 'e', "K=V", "config environment variable (repeatable)", B_ENV},
	{"created", 0, "TIME",
	 "creation time: RFC 3339, seconds, or 'now' (default $SOURCE_DATE_EPOCH, else 1970)",
	 B_CREATED},
	{"compression", 0, "ALG", "layer compression: gzip (default) or none", B_COMPRESSION},
	{"level", 0, "N", "gzip level 1-9 (default 6)", B_LEVEL},
	{"deny", 0, "CAPS",
	 "refuse (exit 6) a module importing any of CAPS, comma-separated: filesystem, network, environment, clocks, random, exit, storage, inference, host",
	 B_DENY},
	{"allow", 0, "CAPS",
	 "refuse (exit 6) a module importing anything but CAPS (or 'none'), host functions included",
	 B_ALLOW},
	{0},
};

typedef struct build_args {
	wasmpack_build_options opts;
	wasmpack_kvlist annotations, labels, env;
	const char *tags[32];
	size_t tags_count;
	const char *created;
	char os[64], arch[64], variant[64];
} build_args;

static int parse_platform(const cli_ctx *ctx, build_args *a, const char *text)
{
	const char *slash = strchr(text, '/');
	if (!slash || slash == text || !slash[1])
		return cli_usage_error(ctx, "platform '%s' must be OS/ARCH[/VARIANT]", text);
	const char *slash2 = strchr(slash + 1, '/');
	size_t os_len = (size_t)(slash - text);
	size_t arch_len = slash2 ? (size_t)(slash2 - slash - 1) : strlen(slash + 1);
	if (os_len >= sizeof(a->os) || arch_len == 0 || arch_len >= sizeof(a->arch) ||
	    (slash2 && (strlen(slash2 + 1) == 0 || strlen(slash2 + 1) >= sizeof(a->variant))))
		return cli_usage_error(ctx, "platform '%s' is not OS/ARCH[/VARIANT]", text);
	memcpy(a->os, text, os_len);
	a->os[os_len] = '\0';
	memcpy(a->arch, slash + 1, arch_len);
	a->arch[arch_len] = '\0';
	a->opts.os = a->os;
	a->opts.architecture = a->arch;
	if (slash2) {
		snprintf(a->variant, sizeof(a->variant), "%s", slash2 + 1);
		a->opts.variant = a->variant;
	}
	return 0;
}

static int read_annotation_file(const cli_ctx *ctx, build_args *a, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "wasmpack: cannot open annotation file '%s': %s\n", path,
			strerror(errno));
		return EXIT_ERROR;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;
	while (!rc && (n = getline(&line, &cap, f)) >= 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		rc = cli_add_kv(ctx, &a->annotations, line, "annotation");
	}
	free(line);
	fclose(f);
	return rc;
}

static int on_option(cli_ctx *ctx, int id, const char *v, void *payload)
{
	build_args *a = payload;
	switch (id) {
	case B_TAG:
		if (a->tags_count == sizeof(a->tags) / sizeof(a->tags[0]))
			return cli_usage_error(ctx, "too many tags");
		a->tags[a->tags_count++] = v;
		return 0;
	case B_PLATFORM: return parse_platform(ctx, a, v);
	case B_FORMAT:
		if (strcmp(v, "image") == 0)
			a->opts.format = WASMPACK_FORMAT_IMAGE;
		else if (strcmp(v, "artifact") == 0)
			a->opts.format = WASMPACK_FORMAT_ARTIFACT;
		else
			return cli_usage_error(ctx, "format '%s' is not image or artifact", v);
		return 0;
	case B_ENTRYPOINT: a->opts.entrypoint = v; return 0;
	case B_ANNOTATION: return cli_add_kv(ctx, &a->annotations, v, "annotation");
	case B_ANNOTATION_FILE: return read_annotation_file(ctx, a, v);
	case B_LABEL: return cli_add_kv(ctx, &a->labels, v, "label");
	case B_ENV: return cli_add_kv(ctx, &a->env, v, "env");
	case B_CREATED: a->created = v; return 0;
	case B_COMPRESSION:
		if (strcmp(v, "gzip") == 0)
			a->opts.compression = WASMPACK_COMPRESSION_GZIP;
		else if (strcmp(v, "none") == 0)
			a->opts.compression = WASMPACK_COMPRESSION_NONE;
		else
			return cli_usage_error(ctx, "compression '%s' is not gzip or none", v);
		return 0;
	case B_LEVEL: {
		char *end;
		long l = strtol(v, &end, 10);
		if (*end || l < 1 || l > 9)
			return cli_usage_error(ctx, "level '%s' is not 1-9", v);
		a->opts.level = (int)l;
		return 0;
	}
	case B_DENY: return cli_parse_caps(ctx, v, &a->opts.deny);
	case B_ALLOW: return cli_parse_allow(ctx, v, &a->opts.allow);
	default: return EXIT_USAGE;
	}
}

/* The CNCF Wasm artifact's config has created, author, architecture, os,
 * layerDigests and component, nothing more (design/formats.md): what would
 * go to an image config's Env, Labels, Entrypoint and Cmd has no place
 * there, and dropping it silently would ship an image that differs from
 * what was asked. */
static int check_artifact(const cli_ctx *ctx, const build_args *a)
{
	const char *given[4];
	size_t n = 0;
	if (a->env.count)
		given[n++] = "--env";
	if (a->labels.count)
		given[n++] = "--label";
	if (a->opts.entrypoint)
		given[n++] = "--entrypoint";
	if (a->opts.args_count)
		given[n++] = "the module's arguments after '--'";
	if (!n)
		return 0;
	char list[160] = "";
	for (size_t i = 0; i < n; i++) {
		const char *sep = i == 0 ? "" : i + 1 == n ? " and " : ", ";
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", sep, given[i]);
	}
	return cli_usage_error(ctx,
			       "--format artifact has no place for %s: its config records "
			       "none; drop %s or build with --format image",
			       list, n == 1 ? "it" : "them");
}

/* --created, else $SOURCE_DATE_EPOCH, else the epoch, so builds are
 * reproducible unless asked otherwise. */
static int resolve_created(const cli_ctx *ctx, build_args *a)
{
	const char *text = a->created;
	const char *from = "--created";
	if (!text) {
		text = getenv("SOURCE_DATE_EPOCH");
		from = "SOURCE_DATE_EPOCH";
	}
	if (!text || !*text)
		return 0;
	if (strcmp(text, "now") == 0) {
		a->opts.created = (int64_t)time(NULL);
		return 0;
	}
	if (wasmpack_time_parse(&a->opts.created, text) != 0)
		return cli_usage_error(ctx, "%s: %s", from, wasmpack_error_last());
	return 0;
}

/* A module that is not WASI at all (esbuild.wasm calls gojs, the Go
 * JavaScript host) would be labelled wasi/wasm32 (wasip1 for an
 * artifact) by default: say so before, since a WASI runtime will not run
 * it. A module that cannot be read is left to the build to report. */
static void warn_not_wasi(const cli_ctx *ctx, const build_args *a, const char *path)
{
	wasmpack_wasm *w = NULL;
	if (a->opts.os)
		return;
	if (wasmpack_wasm_parse_file(&w, path) != 0) {
		wasmpack_error_clear();
		return;
	}
	if (cli_not_wasi(w)) {
		char brief[256];
		cli_host_imports_brief(brief, sizeof(brief), w);
		cli_note(ctx,
			 "warning: '%s' is not a WASI module: it imports functions of its host "
			 "(%s); labelling it %s anyway",
			 path, brief,
			 a->opts.format == WASMPACK_FORMAT_ARTIFACT ? "wasip1/wasm"
								    : "wasi/wasm32");
	}
	wasmpack_wasm_free(w);
}

static json_t *descriptor_json(const wasmpack_descriptor *d)
{
	return json_pack("{s:s, s:s, s:I}", "mediaType", d->media_type, "digest", d->digest, "size",
			 (json_int_t)d->size);
}

/* The --json object of a build (README, "Machine-readable output"). */
static int print_json(wasmpack_store *store, wasmpack_reference *const *refs, size_t count,
		      const wasmpack_build_result *r, const char *format)
{
	json_t *names = json_array();
	for (size_t i = 0; names && i < count; i++) {
		char *full = NULL;
		if (wasmpack_reference_format(&full, refs[i]) == 0)
			json_array_append_new(names, json_string(full));
		free(full);
	}
	char reach[256], platform[128] = "-";
	image_info info;
	cli_reach_sentence(reach, sizeof(reach), r->wasm->capabilities);
	if (image_info_load(&info, store, &r->manifest) == 0) {
		image_info_platform(platform, sizeof(platform), &info);
		image_info_dispose(&info);
	}
	return cli_print_json(json_pack(
		"{s:s, s:I, s:s, s:o, s:s, s:s, s:o, s:o, s:o, s:s, s:s, s:s, s:o, s:s}", "digest",
		r->manifest.digest, "size", (json_int_t)r->manifest.size, "mediaType",
		r->manifest.media_type, "references", names, "platform", platform, "format", format,
		"manifest", descriptor_json(&r->manifest), "config", descriptor_json(&r->config),
		"layer", descriptor_json(&r->layer), "diffId", r->diff_id, "kind",
		r->wasm->kind == WASMPACK_WASM_COMPONENT ? "component" : "module", "wasi",
		cli_wasi_name(r->wasm->wasi), "capabilities", cli_caps_json(r->wasm->capabilities),
		"reach", reach));
}

static int run(cli_ctx *ctx, int argc, char **argv)
{
	build_args a;
	wasmpack_store *store = NULL;
	wasmpack_build_result r;
	wasmpack_reference *refs[32] = {0};
	int first = 0, rc = 0, nargs = argc;

	memset(&a, 0, sizeof(a));
	memset(&r, 0, sizeof(r));
	a.opts.version = WASMPACK_BUILD_OPTIONS_VERSION;
	/* Everything after "--" is the module's arguments, not ours. */
	if ((rc = cli_parse_rest(ctx, &cmd_build, argc, argv, &first, &nargs, on_option, &a)))
		goto done;
	if (nargs - first != 1) {
		rc = nargs == first ? cli_usage_error(ctx, "expected a module file")
				    : cli_usage_error(ctx, "expected one module, got %d arguments",
						      nargs - first);
		goto done;
	}
	const char *path = argv[first];
	if (nargs < argc) {
		a.opts.args = (const char *const *)argv + nargs;
		a.opts.args_count = (size_t)(argc - nargs);
	}
	if (a.tags_count == 0) {
		rc = cli_usage_error(ctx, "give the image a name with -t REF");
		goto done;
	}
	if (a.opts.format == WASMPACK_FORMAT_ARTIFACT && (rc = check_artifact(ctx, &a)))
		goto done;
	for (size_t i = 0; i < a.tags_count; i++) {
		if ((rc = remote_parse_ref(ctx, &refs[i], a.tags[i])))
			goto done;
		if (!refs[i]->tag) {
			rc = cli_usage_error(ctx, "'%s' names a digest; a build needs a tag",
					     a.tags[i]);
			goto done;
		}
	}
	for (size_t i = 0; i < a.tags_count; i++)
		remote_warn_host_case(ctx, a.tags[i]);
	if ((rc = resolve_created(ctx, &a)))
		goto done;
	a.opts.annotations = &a.annotations;
	a.opts.labels = &a.labels;
	a.opts.env = &a.env;
	if ((rc = cli_open_store(ctx, &store)))
		goto done;
	struct stat st;
	char size[32] = "?";
	if (stat(path, &st) == 0)
		cli_human_size(size, sizeof(size), (int64_t)st.st_size);
	warn_not_wasi(ctx, &a, path);
	cli_status_begin(ctx, "wasmpack: packing %s (%s)...", path, size);
	int err = wasmpack_image_build(&r, store, path, &a.opts);
	cli_status_end(ctx);
	if (err) {
		rc = cli_fail(ctx, err);
		goto done;
	}
	if (r.wasm->kind == WASMPACK_WASM_COMPONENT && a.opts.format == WASMPACK_FORMAT_IMAGE)
		cli_note(ctx,
			 "warning: '%s' is a component; crun and WasmEdge run core modules only",
			 path);
	for (size_t i = 0; i < a.tags_count; i++) {
		if ((err = wasmpack_store_tag(store, refs[i], &r.manifest))) {
			rc = cli_fail(ctx, err);
			goto done;
		}
	}
	if (ctx->json) {
		rc = print_json(store, refs, a.tags_count, &r,
				a.opts.format == WASMPACK_FORMAT_ARTIFACT ? "artifact" : "image");
		goto done;
	}
	for (size_t i = 0; i < a.tags_count; i++)
		cli_note(ctx, "tagged %s", a.tags[i]);
	printf("%s\n", r.manifest.digest);
done:
	for (size_t i = 0; i < a.tags_count; i++)
		wasmpack_reference_free(refs[i]);
	wasmpack_build_result_dispose(&r);
	wasmpack_kvlist_dispose(&a.annotations);
	wasmpack_kvlist_dispose(&a.labels);
	wasmpack_kvlist_dispose(&a.env);
	wasmpack_store_free(store);
	return rc;
}

const cli_command cmd_build = {
	"build",
	run,
	"-t REF [OPTIONS] FILE.wasm [-- ARG...]",
	"Pack a wasm module into an image in the store and tag it. The image has\n"
	"one layer and records the module's WASI version and capabilities as\n"
	"annotations; --deny refuses (exit 6) a module that imports what is denied,\n"
	"--allow one that imports anything else (functions of its host included).\n"
	"Prints the manifest digest as the last line of stdout.",
	build_options,
};
