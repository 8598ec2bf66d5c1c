/* wasmpack inspect: what a stored image or a .wasm file is and can reach. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "image_info.h"
#include "remote.h"

enum { I_RAW = 1, I_CONFIG, I_REMOTE };

static const cli_option inspect_options[] = {
	{"raw", 0, NULL, "print the manifest's exact bytes", I_RAW},
	{"config", 0, NULL, "print the config's exact bytes", I_CONFIG},
	{"remote", 0, NULL, "ask the registry instead of the store", I_REMOTE},
	REMOTE_OPTIONS,
	{0},
};

typedef struct inspect_args {
	int raw, config, remote;
	wasmpack_registry_options ropts;
} inspect_args;

static int on_option(cli_ctx *ctx, int id, const char *v, void *payload)
{
	(void)ctx;
	inspect_args *a = payload;
	if (remote_option(ctx, &a->ropts, id, v) == 0)
		return 0;
	if (id == I_REMOTE)
		a->remote = 1;
	else if (id == I_RAW)
		a->raw = 1;
	else if (id == I_CONFIG)
		a->config = 1;
	else
		return EXIT_USAGE;
	return 0;
}

/* Imports and exports listed at most: a maximal module (32 MB of
 * imports) took 30 s and 7 GB to print whole. What is left out is
 * counted in imports_omitted / exports_omitted, or a last line. */
#define EXTERNS_LISTED_MAX 10000

/* Imports carry the capability class each reaches (null for none). */
static json_t *externs_json(const wasmpack_wasm_extern *e, size_t n, int imports)
{
	json_t *arr = json_array();
	if (n > EXTERNS_LISTED_MAX)
		n = EXTERNS_LISTED_MAX;
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_pack("{s:s?, s:s, s:s}", "module", e[i].module, "name", e[i].name,
				      "kind", e[i].kind);
		if (o && imports) {
			const char *cap = wasmpack_wasm_capability_name(
				wasmpack_wasm_import_capability(&e[i]));
			json_object_set_new(o, "capability", cap ? json_string(cap) : json_null());
		}
		json_array_append_new(arr, o);
	}
	return arr;
}

/* "preview1 (command)", or for a module that is not WASI at all
 * "none: not a WASI module, it calls functions of its host (command)". */
static void wasi_line(char *buf, size_t size, const wasmpack_wasm *w, const char *role)
{
	if (cli_not_wasi(w))
		snprintf(buf, size, "none: not a WASI module, it calls functions of its host (%s)",
			 role);
	else
		snprintf(buf, size, "%s (%s)", cli_wasi_name(w->wasi), role);
}

static void print_externs(const char *title, const wasmpack_wasm_extern *e, size_t n)
{
	if (n == 0) {
		printf("%s: none\n", title);
		return;
	}
	printf("%s (%zu):\n", title, n);
	for (size_t i = 0; i < n && i < EXTERNS_LISTED_MAX; i++) {
		if (e[i].module)
			printf("  %s.%s (%s)\n", cli_safe(e[i].module), cli_safe(e[i].name),
			       cli_safe(e[i].kind));
		else
			printf("  %s (%s)\n", cli_safe(e[i].name), cli_safe(e[i].kind));
	}
	if (n > EXTERNS_LISTED_MAX)
		printf("  ... and %zu more, not listed\n", n - EXTERNS_LISTED_MAX);
}

/* Adds imports_omitted / exports_omitted to doc when the lists were cut. */
static json_t *with_omitted(const wasmpack_wasm *w, json_t *doc)
{
	if (doc && w->imports_count > EXTERNS_LISTED_MAX)
		json_object_set_new(
			doc, "imports_omitted",
			json_integer((json_int_t)(w->imports_count - EXTERNS_LISTED_MAX)));
	if (doc && w->exports_count > EXTERNS_LISTED_MAX)
		json_object_set_new(
			doc, "exports_omitted",
			json_integer((json_int_t)(w->exports_count - EXTERNS_LISTED_MAX)));
	return doc;
}

static int inspect_module(cli_ctx *ctx, const char *path)
{
	wasmpack_wasm *w = NULL;
	int err = wasmpack_wasm_parse_file(&w, path);
	if (err)
		return cli_fail(ctx, err);
	char reach[256], wasi[128];
	cli_reach_sentence(reach, sizeof(reach), w->capabilities);
	const char *role = w->is_command ? "command" : w->is_reactor ? "reactor" : "library";
	struct {
		const char *key, *value;
	} meta[] = {
		{"name", w->name},         {"authors", w->authors}, {"description", w->description},
		{"licenses", w->licenses}, {"source", w->source},   {"homepage", w->homepage},
		{"revision", w->revision}, {"version", w->version},
	};
	size_t nmeta = sizeof(meta) / sizeof(meta[0]);
	if (ctx->json) {
		json_t *m = json_object(), *prod = json_array();
		for (size_t i = 0; i < nmeta; i++)
			if (meta[i].value)
				json_object_set_new(m, meta[i].key, json_string(meta[i].value));
		for (size_t i = 0; i < w->producers_count; i++)
			json_array_append_new(prod, json_pack("{s:s, s:s, s:s}", "field",
							      w->producers[i].field, "name",
							      w->producers[i].name, "version",
							      w->producers[i].version));
		err = cli_print_json(with_omitted(
			w, json_pack(
				   "{s:s, s:s, s:I, s:s, s:b, s:s, s:o, s:o, s:s, s:o, s:o, s:o, s:o}",
				   "file", path, "kind",
				   w->kind == WASMPACK_WASM_COMPONENT ? "component" : "module", "size",
				   (json_int_t)w->size, "wasi", cli_wasi_name(w->wasi), "notWasi",
				   cli_not_wasi(w), "role", role, "capabilities",
				   cli_caps_json(w->capabilities), "importsByCapability",
				   cli_imports_by_capability_json(w), "reach", reach, "imports",
				   externs_json(w->imports, w->imports_count, 1), "exports",
				   externs_json(w->exports, w->exports_count, 0), "metadata", m,
				   "producers", prod)));
		wasmpack_wasm_free(w);
		return err;
	}
	printf("File:       %s\n", cli_safe(path));
	printf("Kind:       %s, %llu bytes\n", cli_wasm_kind(w), (unsigned long long)w->size);
	wasi_line(wasi, sizeof(wasi), w, role);
	printf("WASI:       %s\n", wasi);
	printf("Can reach:  %s\n", reach);
	cli_print_imports_by_capability(w);
	for (size_t i = 0; i < nmeta; i++)
		if (meta[i].value)
			printf("%-11s %s\n", meta[i].key, cli_safe(meta[i].value));
	for (size_t i = 0; i < w->producers_count; i++) {
		/* The version is optional: no trailing space without one. */
		const char *version = w->producers[i].version;
		printf("Producer:   %s %s%s%s\n", cli_safe(w->producers[i].field),
		       cli_safe(w->producers[i].name), version && *version ? " " : "",
		       version ? cli_safe(version) : "");
	}
	print_externs("Imports", w->imports, w->imports_count);
	print_externs("Exports", w->exports, w->exports_count);
	wasmpack_wasm_free(w);
	return 0;
}

static void print_strv(const char *title, const wasmpack_strv *v)
{
	if (!v->count)
		return;
	printf("%-13s", title);
	for (size_t i = 0; i < v->count; i++)
		printf("%s%s", i ? " " : "", cli_safe(v->items[i]));
	printf("\n");
}

static json_t *strv_json(const wasmpack_strv *v)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < v->count; i++)
		json_array_append_new(arr, json_string(v->items[i]));
	return arr;
}

static json_t *kv_json(const wasmpack_kvlist *l)
{
	json_t *o = json_object();
	for (size_t i = 0; i < l->count; i++)
		json_object_set_new(o, l->items[i].key, json_string(l->items[i].value));
	return o;
}

/* What the image's module can reach: read from the module itself, else
 * (a module that cannot be read here) from the annotation build wrote.
 * Returns 0 when neither says. */
typedef struct module_facts {
	int known;
	const char *source; /* "module" or "annotation" */
	unsigned caps;
	const char *wasi;
	const char *kind;
	wasmpack_wasm *module; /* when read from the module; the caller frees it */
} module_facts;

static module_facts image_module_facts(wasmpack_store *store, const image_info *info)
{
	module_facts f = {0, NULL, 0, NULL, NULL, NULL};
	wasmpack_wasm *w = NULL;
	if (!info->manifest)
		return f;
	if (image_info_module(&w, store, &info->desc) == 0) {
		f.known = 1;
		f.source = "module";
		f.caps = w->capabilities;
		f.wasi = cli_wasi_name(w->wasi);
		f.kind = w->kind == WASMPACK_WASM_COMPONENT ? "component" : "module";
		f.module = w;
		return f;
	}
	wasmpack_error_clear();
	int found = 0;
	f.caps = image_info_annotated_caps(info, &found);
	if (found) {
		f.known = 1;
		f.source = "annotation";
		f.wasi = wasmpack_kvlist_get(&info->manifest->annotations,
					     WASMPACK_ANNOTATION_WASI);
	}
	return f;
}

static int show_image_facts(cli_ctx *ctx, const char *name, const image_info *info,
			    module_facts facts)
{
	char platform[128], reach[256] = "";
	image_info_platform(platform, sizeof(platform), info);
	const wasmpack_manifest *m = info->manifest;
	if (facts.known)
		cli_reach_sentence(reach, sizeof(reach), facts.caps);
	if (ctx->json) {
		json_t *layers = json_array();
		for (size_t i = 0; m && i < m->layers_count; i++)
			json_array_append_new(layers, json_pack("{s:s, s:s, s:I}", "mediaType",
								m->layers[i].media_type, "digest",
								m->layers[i].digest, "size",
								(json_int_t)m->layers[i].size));
		json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:s, s:o, s:o}", "name", name, "digest",
				      info->desc.digest, "mediaType", info->desc.media_type, "size",
				      (json_int_t)info->total_size, "platform", platform, "layers",
				      layers, "annotations",
				      kv_json(m ? &m->annotations : &info->index->annotations));
		if (o && m)
			json_object_set_new(o, "config",
					    json_pack("{s:s, s:s, s:I}", "mediaType",
						      m->config.media_type, "digest",
						      m->config.digest, "size",
						      (json_int_t)m->config.size));
		const wasmpack_image_config *c = info->config;
		if (o && c) {
			json_object_set_new(o, "entrypoint", strv_json(&c->entrypoint));
			json_object_set_new(o, "cmd", strv_json(&c->cmd));
			json_object_set_new(o, "env", strv_json(&c->env));
			if (c->created)
				json_object_set_new(o, "created", json_string(c->created));
		}
		if (o && facts.known) {
			json_object_set_new(o, "capabilities", cli_caps_json(facts.caps));
			json_object_set_new(o, "reach", json_string(reach));
			json_object_set_new(o, "capabilitiesFrom", json_string(facts.source));
			if (facts.wasi)
				json_object_set_new(o, "wasi", json_string(facts.wasi));
			if (facts.kind)
				json_object_set_new(o, "kind", json_string(facts.kind));
			if (facts.module) {
				json_object_set_new(o, "notWasi",
						    json_boolean(cli_not_wasi(facts.module)));
				json_object_set_new(o, "importsByCapability",
						    cli_imports_by_capability_json(facts.module));
			}
		}
		return cli_print_json(o);
	}
	printf("Name:        %s\n", cli_safe(name));
	printf("Digest:      %s\n", cli_safe(info->desc.digest));
	printf("MediaType:   %s\n", cli_safe(info->desc.media_type));
	printf("Platform:    %s\n", cli_safe(platform));
	printf("Size:        %lld bytes (manifest, config and layers)\n",
	       (long long)info->total_size);
	if (facts.known) {
		if (facts.wasi)
			printf("WASI:        %s%s%s\n", cli_safe(facts.wasi),
			       facts.kind ? ", " : "", facts.kind ? cli_safe(facts.kind) : "");
		if (facts.module && cli_not_wasi(facts.module))
			printf("             not a WASI module: it calls functions of its host\n");
		printf("Can reach:   %s%s\n", reach,
		       strcmp(facts.source, "annotation") == 0 ? " (from the image's annotation)"
							       : "");
		if (facts.module)
			cli_print_imports_by_capability(facts.module);
	}
	if (info->index) {
		printf("Manifests:\n");
		for (size_t i = 0; i < info->index->manifests_count; i++) {
			const wasmpack_descriptor *d = &info->index->manifests[i];
			printf("  %s %s/%s\n", cli_safe(d->digest),
			       d->platform ? cli_safe(d->platform->os) : "?",
			       d->platform ? cli_safe(d->platform->architecture) : "?");
		}
		return 0;
	}
	if (info->config) {
		if (info->config->created)
			printf("Created:     %s\n", cli_safe(info->config->created));
		print_strv("Entrypoint:", &info->config->entrypoint);
		print_strv("Cmd:", &info->config->cmd);
		print_strv("Env:", &info->config->env);
	}
	printf("Config:      %s %s %lld\n", cli_safe(m->config.digest),
	       cli_safe(m->config.media_type), (long long)m->config.size);
	printf("Layers:\n");
	for (size_t i = 0; i < m->layers_count; i++)
		printf("  %s %s %lld\n", cli_safe(m->layers[i].digest),
		       cli_safe(m->layers[i].media_type), (long long)m->layers[i].size);
	if (m->annotations.count) {
		printf("Annotations:\n");
		for (size_t i = 0; i < m->annotations.count; i++)
			printf("  %s: %s\n", cli_safe(m->annotations.items[i].key),
			       cli_safe(m->annotations.items[i].value));
	}
	return 0;
}

static int show_image(cli_ctx *ctx, wasmpack_store *store, const char *name, const image_info *info)
{
	module_facts facts = image_module_facts(store, info);
	int rc = show_image_facts(ctx, name, info, facts);
	wasmpack_wasm_free(facts.module);
	return rc;
}

static int inspect_image(cli_ctx *ctx, const char *text, const inspect_args *a)
{
	wasmpack_store *store = NULL;
	wasmpack_reference *ref = NULL;
	wasmpack_descriptor desc;
	image_info info;
	char *name = NULL;
	int rc = 0, err;

	memset(&desc, 0, sizeof(desc));
	memset(&info, 0, sizeof(info));
	if ((rc = remote_check_scheme(ctx, text)))
		return rc;
	if ((rc = cli_image_id(ctx, &ref, text)) > 0)
		return rc;
	if (rc < 0 && wasmpack_reference_parse(&ref, text) != 0)
		return cli_usage_error(ctx, "'%s' is neither a file nor a valid reference: %s",
				       text, wasmpack_error_last());
	/* Reading never creates a store: with none, nothing is in it. */
	if ((rc = cli_open_store_ro(ctx, &store)))
		goto done;
	if (!store) {
		char msg[1200];
		snprintf(msg, sizeof(msg), "image '%s' is not in the store (the store is empty)",
			 text);
		rc = cli_fail(ctx, wasmpack_error_set_str(WASMPACK_ENOTFOUND,
							  WASMPACK_REASON_NOT_IN_STORE, msg));
		goto done;
	}
	if ((err = wasmpack_store_resolve(&desc, store, ref)) ||
	    (err = image_info_load(&info, store, &desc)) ||
	    (err = wasmpack_reference_format(&name, ref))) {
		rc = cli_fail(ctx, err);
		goto done;
	}
	if (a->raw || a->config) {
		const wasmpack_buf *b = a->raw ? &info.manifest_raw : &info.config_raw;
		if (!b->data) {
			fprintf(stderr, "wasmpack: '%s' has no config\n", cli_safe(text));
			rc = EXIT_ERROR;
			goto done;
		}
		fwrite(b->data, 1, b->size, stdout);
		goto done;
	}
	rc = show_image(ctx, store, name, &info);
done:
	free(name);
	image_info_dispose(&info);
	wasmpack_descriptor_dispose(&desc);
	wasmpack_reference_free(ref);
	wasmpack_store_free(store);
	return rc;
}

/* Collects a blob fetched from a registry into memory, capped. */
typedef struct mem_sink {
	wasmpack_buf buf;
	size_t max;
} mem_sink;

static int mem_write(const void *data, size_t len, void *payload)
{
	mem_sink *m = payload;
	if (m->buf.size + len > m->max)
		return wasmpack_error_set_str(WASMPACK_ETOOLARGE, WASMPACK_REASON_TOO_LARGE,
					      "the config is larger than its limit");
	unsigned char *g = realloc(m->buf.data, m->buf.size + len + 1);
	if (!g)
		return wasmpack_error_set_str(WASMPACK_ENOMEM, WASMPACK_REASON_OUT_OF_MEMORY,
					      "out of memory");
	memcpy(g + m->buf.size, data, len);
	m->buf.data = g;
	m->buf.size += len;
	g[m->buf.size] = '\0';
	return 0;
}

static int inspect_remote(cli_ctx *ctx, const char *text, inspect_args *a)
{
	wasmpack_reference *ref = NULL;
	wasmpack_registry *reg = NULL;
	wasmpack_buf raw = WASMPACK_BUF_INIT;
	wasmpack_manifest *m = NULL;
	mem_sink config = {WASMPACK_BUF_INIT, WASMPACK_CONFIG_MAX};
	char *media_type = NULL, *name = NULL;
	char digest[WASMPACK_DIGEST_MAX];
	int rc, err;

	remote_defaults(ctx, &a->ropts);
	if ((rc = remote_parse_ref(ctx, &ref, text)))
		return rc;
	snprintf(ctx->registry, sizeof(ctx->registry), "%s", ref->registry);
	if ((err = wasmpack_registry_new(&reg, ref->registry, &a->ropts)) ||
	    (err = wasmpack_registry_manifest_get(&raw, &media_type, digest, reg, ref->repository,
						  wasmpack_reference_target(ref))) ||
	    (err = wasmpack_reference_format(&name, ref))) {
		rc = cli_fail(ctx, err);
		goto done;
	}
	if (a->raw) {
		fwrite(raw.data, 1, raw.size, stdout);
		goto done;
	}
	if (wasmpack_media_type_is_manifest(media_type)) {
		if ((err = wasmpack_manifest_parse(&m, raw.data, raw.size))) {
			rc = cli_fail(ctx, err);
			goto done;
		}
		if (a->config) {
			char cd[WASMPACK_DIGEST_MAX];
			if ((err = wasmpack_registry_blob_get(reg, ref->repository,
							      m->config.digest, 0, mem_write,
							      &config)) ||
			    (err = wasmpack_digest_of(cd, config.buf.data, config.buf.size))) {
				rc = cli_fail(ctx, err);
				goto done;
			}
			if (!wasmpack_digest_equal(cd, m->config.digest)) {
				fprintf(stderr,
					"wasmpack: the registry sent a config that does not match '%s'\n",
					cli_safe(m->config.digest));
				rc = EXIT_INTEGRITY;
				goto done;
			}
			fwrite(config.buf.data, 1, config.buf.size, stdout);
			goto done;
		}
	} else if (a->config) {
		rc = cli_usage_error(ctx, "'%s' is an index: it has no config", text);
		goto done;
	}
	if (ctx->json) {
		rc = cli_print_json(json_pack("{s:s, s:s, s:s, s:I}", "name", name, "digest",
					      digest, "mediaType", media_type, "size",
					      (json_int_t)raw.size));
		goto done;
	}
	printf("Name:        %s\n", cli_safe(name));
	printf("Digest:      %s\n", cli_safe(digest));
	printf("MediaType:   %s\n", cli_safe(media_type));
	printf("Size:        %zu bytes (manifest)\n", raw.size);
	if (m) {
		printf("Config:      %s %s %lld\n", cli_safe(m->config.digest),
		       cli_safe(m->config.media_type), (long long)m->config.size);
		printf("Layers:\n");
		for (size_t i = 0; i < m->layers_count; i++)
			printf("  %s %s %lld\n", cli_safe(m->layers[i].digest),
			       cli_safe(m->layers[i].media_type), (long long)m->layers[i].size);
	}
done:
	wasmpack_buf_dispose(&config.buf);
	wasmpack_manifest_free(m);
	wasmpack_buf_dispose(&raw);
	free(media_type);
	free(name);
	wasmpack_registry_free(reg);
	wasmpack_reference_free(ref);
	return rc;
}

/* Whether target is meant as a file even when none is there: it ends in
 * ".wasm" (no image is named so), starts as a path does ("/", "./",
 * "../", "~"), or has a '/' and is no reference, or its directory
 * exists here ("build/nothere"). "user/app:1.0" stays a reference. */
static int spelled_as_path(const char *target)
{
	size_t len = strlen(target);
	const char *slash = strrchr(target, '/');
	if (strstr(target, "://"))
		return 0; /* a URL, which the reference parser explains */
	if ((len >= 5 && strcmp(target + len - 5, ".wasm") == 0) || target[0] == '/' ||
	    target[0] == '.' || target[0] == '~')
		return 1;
	if (!slash)
		return 0;
	wasmpack_reference *ref = NULL;
	if (wasmpack_reference_parse(&ref, target) != 0) {
		wasmpack_error_clear();
		return 1;
	}
	wasmpack_reference_free(ref);
	char dir[4096];
	struct stat st;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - target), target);
	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

static int run(cli_ctx *ctx, int argc, char **argv)
{
	inspect_args a;
	memset(&a, 0, sizeof(a));
	a.ropts.version = WASMPACK_REGISTRY_OPTIONS_VERSION;
	int first = 0, rc;
	if ((rc = cli_parse(ctx, &cmd_inspect, argc, argv, &first, on_option, &a)))
		return rc;
	if (argc - first != 1)
		return cli_usage_error(ctx, "expected one image reference or .wasm file");
	const char *target = argv[first];
	if (a.raw && a.config)
		return cli_usage_error(ctx, "--raw and --config exclude each other");
	if (a.remote)
		return inspect_remote(ctx, target, &a);
	struct stat st;
	/* A path that exists is a module; so is one that is spelled as a
	 * path, and then the module reports the missing file. Anything else
	 * is a reference. */
	int is_file = stat(target, &st) == 0 && S_ISREG(st.st_mode);
	if (is_file || spelled_as_path(target)) {
		if (is_file && (a.raw || a.config))
			return cli_usage_error(ctx, "--raw and --config are for images, not files");
		return inspect_module(ctx, target);
	}
	return inspect_image(ctx, target, &a);
}

const cli_command cmd_inspect = {
	"inspect",
	run,
	"[--remote] [--raw | --config] REF|FILE.wasm",
	"Show what a stored image or a .wasm file is and what its module can reach.\n"
	"An image: manifest, config, platform, size, annotations; a module: kind,\n"
	"WASI version, capabilities, imports, exports, metadata.",
	inspect_options,
};
