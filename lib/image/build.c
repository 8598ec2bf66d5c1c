/* Building a single-layer image (format `image`) or a CNCF Wasm artifact
 * (format `artifact`) from one module into a store. Blobs are written
 * layer first, manifest last, so a manifest never names a missing blob. */
#include "wasmpack/image.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/error.h"
#include "oci/json.h"
#include "util/fs.h"
#include "util/options.h"
#include "wasm/policy.h"
#include "util/time.h"

#define OCI_ANNOTATION(x) "org.opencontainers.image." x

int wasmpack_time_format(char *out, size_t out_size, int64_t seconds)
{
	struct tm tm;
	time_t t = (time_t)seconds;
	if (!out || out_size < 21 || !gmtime_r(&t, &tm) ||
	    strftime(out, out_size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return wp_error(WASMPACK_EINVALID, "cannot format time %lld", (long long)seconds);
	return 0;
}

int wasmpack_time_parse(int64_t *out, const char *text)
{
	if (!out || !text || !*text)
		return wp_error(WASMPACK_EINVALID, "invalid time: empty");
	char *end = NULL;
	errno = 0;
	long long secs = strtoll(text, &end, 10);
	if (*end == '\0' && errno == 0 && secs >= 0) {
		*out = secs;
		return 0;
	}
	/* The one strict parser: impossible dates such as 2024-02-31 are
	 * refused rather than rolled over into the next month. */
	int64_t t = 0;
	if (wp_time_parse_rfc3339(&t, text, WP_TIME_ALLOW_SPACE) < 0)
		return wp_error(
			WASMPACK_EINVALID,
			"invalid time '%s': want RFC 3339 (2024-05-01T12:00:00Z) or seconds", text);
	if (t < 0)
		return wp_error(WASMPACK_EINVALID, "invalid time '%s': before 1970", text);
	*out = t;
	return 0;
}

void wasmpack_build_result_dispose(wasmpack_build_result *r)
{
	if (!r)
		return;
	wasmpack_descriptor_dispose(&r->manifest);
	wasmpack_descriptor_dispose(&r->config);
	wasmpack_descriptor_dispose(&r->layer);
	wasmpack_wasm_free(r->wasm);
	memset(r, 0, sizeof(*r));
}

/* The name the module gets inside the image: crun wants a ".wasm" end. */
static char *layer_file_name(const char *path, const char *given)
{
	const char *base = given;
	if (!base) {
		base = strrchr(path, '/');
		base = base ? base + 1 : path;
	}
	size_t n = strlen(base);
	if (n >= 5 && strcmp(base + n - 5, ".wasm") == 0)
		return wp_strdup(base);
	return wp_asprintf("%s.wasm", base);
}

/* "clocks,environment" for the set bits, "none" for none: the value of
 * the capabilities annotation. */
static char *capability_list(unsigned caps)
{
	wasmpack_buf b = WASMPACK_BUF_INIT;
	if (wasmpack_wasm_capabilities_format(&b, caps, ",") != 0)
		return NULL;
	if (!b.size) {
		wasmpack_buf_dispose(&b);
		return wp_strdup("none");
	}
	return (char *)b.data;
}

/* The capability policy of opts: deny, and from version 2 allow (an
 * older caller's struct ends before it, so it is not read there). */
static int policy_check(const wasmpack_wasm *w, const wasmpack_build_options *opts,
			const char *path)
{
	unsigned allow = opts->version >= 2 ? opts->allow : 0;
	if (!opts->deny && !allow)
		return 0;
	char *what = wp_asprintf("module '%s'", path);
	if (!what)
		return wp_error_nomem();
	int error = wp_wasm_policy_check(w, opts->deny, allow, what);
	free(what);
	return error;
}

/* Manifest annotations: what the module says about itself, then the
 * caller's, which win. */
static int build_annotations(wasmpack_kvlist *a, const wasmpack_wasm *w, const char *file_name,
			     const char *created, const wasmpack_build_options *o)
{
	char *caps = NULL, *title = NULL;
	int error = 0;
	struct {
		const char *key;
		const char *value;
	} from_module[] = {
		{OCI_ANNOTATION("authors"), w->authors},
		{OCI_ANNOTATION("description"), w->description},
		{OCI_ANNOTATION("licenses"), w->licenses},
		{OCI_ANNOTATION("source"), w->source},
		{OCI_ANNOTATION("url"), w->homepage},
		{OCI_ANNOTATION("revision"), w->revision},
		{OCI_ANNOTATION("version"), w->version},
	};

	if (w->name) {
		title = wp_strdup(w->name);
	} else {
		title = wp_strdup(file_name);
		if (title)
			title[strlen(title) - 5] = '\0'; /* drop ".wasm" */
	}
	if (!title || !(caps = capability_list(w->capabilities))) {
		error = WASMPACK_ENOMEM;
		goto done;
	}
	if ((error = wasmpack_kvlist_set(a, OCI_ANNOTATION("created"), created)) ||
	    (error = wasmpack_kvlist_set(a, OCI_ANNOTATION("title"), title)))
		goto done;
	for (size_t i = 0; i < sizeof(from_module) / sizeof(from_module[0]); i++)
		if (from_module[i].value &&
		    (error = wasmpack_kvlist_set(a, from_module[i].key, from_module[i].value)))
			goto done;
	if (o->format == WASMPACK_FORMAT_IMAGE &&
	    (error = wasmpack_kvlist_set(a, WASMPACK_ANNOTATION_VARIANT, "compat-smart")))
		goto done;
	if ((error = wasmpack_kvlist_set(a, WASMPACK_ANNOTATION_WASI,
					 wasmpack_wasi_version_name(w->wasi))) ||
	    (error = wasmpack_kvlist_set(a, WASMPACK_ANNOTATION_CAPABILITIES, caps)))
		goto done;
	for (size_t i = 0; o->annotations && i < o->annotations->count; i++)
		if ((error = wasmpack_kvlist_set(a, o->annotations->items[i].key,
						 o->annotations->items[i].value)))
			goto done;
done:
	free(caps);
	free(title);
	return error;
}

/* Puts bytes in the store and describes them. */
static int put_json(wasmpack_descriptor *out, wasmpack_store *store, const char *media_type,
		    const wasmpack_buf *b)
{
	char digest[WASMPACK_DIGEST_MAX];
	int error = wasmpack_store_blob_put(digest, store, b->data, b->size, NULL);
	if (error)
		return error;
	return wasmpack_descriptor_init(out, media_type, digest, (int64_t)b->size);
}

/* Streams the raw module into the store (the artifact's layer). */
static int put_file(wasmpack_descriptor *out, wasmpack_store *store, int fd, const char *media_type)
{
	wasmpack_blob_writer *w = NULL;
	char digest[WASMPACK_DIGEST_MAX];
	int64_t size = 0;
	unsigned char *buf = malloc(256 * 1024);
	int error = 0;

	if (!buf)
		return wp_error_nomem();
	if ((error = wasmpack_store_blob_writer(&w, store)))
		goto done;
	for (;;) {
		ssize_t n = read(fd, buf, 256 * 1024);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error = wp_error(WASMPACK_EIO, "cannot read module: %s", strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		if ((error = wasmpack_blob_writer_write(w, buf, (size_t)n)))
			goto done;
	}
	if ((error = wasmpack_blob_writer_commit(digest, &size, w, NULL)))
		goto done;
	error = wasmpack_descriptor_init(out, media_type, digest, size);
done:
	wasmpack_blob_writer_free(w);
	free(buf);
	return error;
}

static int image_config(wasmpack_buf *out, const wasmpack_build_result *r, const char *file_name,
			const char *created, const wasmpack_build_options *o)
{
	wasmpack_image_config c;
	char *entry = NULL;
	int error = 0;

	memset(&c, 0, sizeof(c));
	c.created = (char *)created;
	c.os = (char *)(o->os ? o->os : "wasi");
	c.architecture = (char *)(o->architecture ? o->architecture : "wasm32");
	c.variant = (char *)o->variant;
	c.author = r->wasm->authors;
	if (!(entry = o->entrypoint ? wp_strdup(o->entrypoint) : wp_asprintf("/%s", file_name))) {
		error = WASMPACK_ENOMEM;
		goto done;
	}
	if ((error = wasmpack_strv_push(&c.entrypoint, entry)) ||
	    (error = wasmpack_strv_push(&c.diff_ids, r->diff_id)))
		goto done;
	for (size_t i = 0; i < o->args_count; i++)
		if ((error = wasmpack_strv_push(&c.cmd, o->args[i])))
			goto done;
	for (size_t i = 0; o->env && i < o->env->count; i++) {
		char *kv = wp_asprintf("%s=%s", o->env->items[i].key, o->env->items[i].value);
		if (!kv || (error = wasmpack_strv_push(&c.env, kv))) {
			error = error ? error : WASMPACK_ENOMEM;
			free(kv);
			goto done;
		}
		free(kv);
	}
	for (size_t i = 0; o->labels && i < o->labels->count; i++)
		if ((error = wasmpack_kvlist_set(&c.labels, o->labels->items[i].key,
						 o->labels->items[i].value)))
			goto done;
	error = wasmpack_image_config_serialize(out, &c);
done:
	wasmpack_strv_dispose(&c.entrypoint);
	wasmpack_strv_dispose(&c.cmd);
	wasmpack_strv_dispose(&c.env);
	wasmpack_strv_dispose(&c.diff_ids);
	wasmpack_kvlist_dispose(&c.labels);
	free(entry);
	return error;
}

/* The CNCF artifact config: camelCase, `component` null for modules. */
static int artifact_config(wasmpack_buf *out, const wasmpack_build_result *r, const char *created,
			   const wasmpack_build_options *o)
{
	const wasmpack_wasm *w = r->wasm;
	int is_component = w->kind == WASMPACK_WASM_COMPONENT;
	int error = 0;
	json_t *root = json_object();
	json_t *digests = json_array();
	json_t *component = NULL;

	if (!root || !digests) {
		error = wp_error_nomem();
		goto done;
	}
	if (is_component) {
		json_t *imports = json_array(), *exports = json_array();
		component = json_object();
		if (!component || !imports || !exports ||
		    json_object_set_new(component, "imports", imports) ||
		    json_object_set_new(component, "exports", exports) ||
		    json_object_set_new(component, "target", json_null())) {
			json_decref(component);
			component = NULL;
			error = wp_error_nomem();
			goto done;
		}
		for (size_t i = 0; i < w->imports_count; i++)
			if (json_array_append_new(imports, json_string(w->imports[i].name)))
				error = wp_error_nomem();
		for (size_t i = 0; i < w->exports_count; i++)
			if (json_array_append_new(exports, json_string(w->exports[i].name)))
				error = wp_error_nomem();
		if (error)
			goto done;
	}
	if (json_array_append_new(digests, json_string(r->layer.digest)) ||
	    json_object_set_new(root, "created", json_string(created)) ||
	    json_object_set_new(root, "author",
				w->authors ? json_string(w->authors) : json_null()) ||
	    json_object_set_new(root, "architecture",
				json_string(o->architecture ? o->architecture : "wasm")) ||
	    json_object_set_new(root, "os",
				json_string(o->os          ? o->os
					    : is_component ? "wasip2"
							   : "wasip1")) ||
	    json_object_set_new(root, "layerDigests", digests) ||
	    json_object_set_new(root, "component", component ? component : json_null())) {
		digests = component = NULL;
		error = wp_error_nomem();
		goto done;
	}
	digests = component = NULL;
	error = wp_json_dump(out, root);
done:
	json_decref(root);
	json_decref(digests);
	json_decref(component);
	return error;
}

int wasmpack_image_build(wasmpack_build_result *out, wasmpack_store *store, const char *wasm_path,
			 const wasmpack_build_options *opts)
{
	wasmpack_build_options defaults = WASMPACK_BUILD_OPTIONS_INIT;
	wasmpack_build_result r;
	wasmpack_manifest m;
	wasmpack_buf config = WASMPACK_BUF_INIT, manifest = WASMPACK_BUF_INIT;
	wasmpack_blob_writer *bw = NULL;
	char created[32];
	char *file_name = NULL;
	int fd = -1, prefixed = 0;
	int error = 0;

	memset(&r, 0, sizeof(r));
	memset(&m, 0, sizeof(m));
	if (!opts)
		opts = &defaults;
	if (!out || !store || !wasm_path)
		return wp_error_arg("cannot build: missing argument");
	if ((error = wp_options_check(opts->version, WASMPACK_BUILD_OPTIONS_VERSION, "build")))
		return error;
	if ((error = wasmpack_time_format(created, sizeof(created), opts->created)))
		goto done;
	/* Validate everything before the first blob is written. */
	/* These errors name the module already: no prefix. */
	if ((error = wasmpack_wasm_parse_file(&r.wasm, wasm_path)) ||
	    (error = policy_check(r.wasm, opts, wasm_path))) {
		prefixed = 1;
		goto done;
	}
	if (!(file_name = layer_file_name(wasm_path, opts->file_name))) {
		error = WASMPACK_ENOMEM;
		goto done;
	}
	fd = open(wasm_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		error = wp_error_os("open", wasm_path);
		goto done;
	}

	if (opts->format == WASMPACK_FORMAT_ARTIFACT) {
		if ((error = put_file(&r.layer, store, fd, WASMPACK_MEDIATYPE_WASM_LAYER)) ||
		    (error = wasmpack_kvlist_set(&r.layer.annotations, OCI_ANNOTATION("title"),
						 file_name)))
			goto done;
		memcpy(r.diff_id, r.layer.digest, strlen(r.layer.digest) + 1);
		if ((error = artifact_config(&config, &r, created, opts)) ||
		    (error = put_json(&r.config, store, WASMPACK_MEDIATYPE_WASM_CONFIG, &config)))
			goto done;
	} else if (opts->format == WASMPACK_FORMAT_IMAGE) {
		wasmpack_layer_options lo = WASMPACK_LAYER_OPTIONS_INIT;
		wasmpack_layer_info info;
		lo.compression = opts->compression;
		lo.level = opts->level;
		lo.mtime = opts->created;
		if ((error = wasmpack_store_blob_writer(&bw, store)) ||
		    (error = wasmpack_layer_write(&info, fd, file_name, &lo,
						  wasmpack_blob_writer_sink, bw)) ||
		    (error = wasmpack_blob_writer_commit(NULL, NULL, bw, info.digest)))
			goto done;
		const char *mt = opts->compression == WASMPACK_COMPRESSION_NONE
					 ? WASMPACK_MEDIATYPE_OCI_LAYER
					 : WASMPACK_MEDIATYPE_OCI_LAYER_GZIP;
		if ((error = wasmpack_descriptor_init(&r.layer, mt, info.digest, info.size)))
			goto done;
		memcpy(r.diff_id, info.diff_id, sizeof(info.diff_id));
		if ((error = image_config(&config, &r, file_name, created, opts)) ||
		    (error = put_json(&r.config, store, WASMPACK_MEDIATYPE_OCI_CONFIG, &config)))
			goto done;
	} else {
		error = wp_error_arg("cannot build: unknown format %d", (int)opts->format);
		goto done;
	}

	m.schema_version = 2;
	m.media_type = WASMPACK_MEDIATYPE_OCI_MANIFEST;
	m.config = r.config;
	m.layers = &r.layer;
	m.layers_count = 1;
	if ((error = build_annotations(&m.annotations, r.wasm, file_name, created, opts)) ||
	    (error = wasmpack_manifest_serialize(&manifest, &m)) ||
	    (error = put_json(&r.manifest, store, WASMPACK_MEDIATYPE_OCI_MANIFEST, &manifest)))
		goto done;
	*out = r;
	memset(&r, 0, sizeof(r));
done:
	if (error && !prefixed)
		wp_error_prefix("cannot build '%s': ", wasm_path);
	wasmpack_kvlist_dispose(&m.annotations);
	wasmpack_blob_writer_free(bw);
	wasmpack_buf_dispose(&config);
	wasmpack_buf_dispose(&manifest);
	wasmpack_build_result_dispose(&r);
	free(file_name);
	if (fd >= 0)
		close(fd);
	return error;
}
