/* Finding the wasm module inside an image, whatever wrote it: the raw wasm
 * layer of an artifact (CNCF, runwasi, wasm-to-oci), or the file the
 * config's Entrypoint (or Cmd) names inside an image's tar layers, read
 * the way a container runtime would stack them: later layers win,
 * whiteouts and opaque directories hide what lies below. Nothing is ever
 * written to disk here, and a layer that would climb out of its root when
 * unpacked is refused outright. */
#include "image/module.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/tar.h"
#include "util/error.h"
#include "util/path.h"
#include "util/fs.h"

/* The largest module handed to a sink: what V8 accepts. A small gzip
 * layer can hold a file of gigabytes, which inspect and pull --deny would
 * otherwise write to $TMPDIR whole (2 MB of layer made 2 GB there). */
#define MODULE_MAX ((int64_t)1 << 30)

#define WHITEOUT ".wh."
#define OPAQUE ".wh..wh..opq"

int wp_media_type_is_wasm_layer(const char *mt)
{
	if (!mt)
		return 0;
	size_t n = strlen(mt);
	/* application/wasm (CNCF), and every "+wasm" suffix in use:
	 * vnd.wasm.content.layer.v1+wasm (wasm-to-oci, Spin),
	 * vnd.bytecodealliance.wasm.component.layer.v0+wasm (runwasi, wkg),
	 * and runwasi's older vnd.w3c.wasm.module.v1+wasm. */
	return strcmp(mt, WASMPACK_MEDIATYPE_WASM_LAYER) == 0 ||
	       (n > 5 && strcmp(mt + n - 5, "+wasm") == 0);
}

int wp_media_type_is_image_config(const char *mt)
{
	return mt && (strcmp(mt, WASMPACK_MEDIATYPE_OCI_CONFIG) == 0 ||
		      strcmp(mt, WASMPACK_MEDIATYPE_DOCKER_CONFIG) == 0);
}

/* Layers a runtime would unpack: OCI and Docker tar types, compressed or
 * not (distributable or not). */
static int is_tar_layer(const char *mt) { return mt && strstr(mt, "tar") != NULL; }

/* What magic_write returns to stop reading once the magic is seen, for
 * callers that pass no sink (positive: never a library error code). */
#define MAGIC_SEEN 1

/* Holds back the first bytes until they prove to be WebAssembly, so a
 * sink never sees a byte of something else. */
typedef struct magic_sink {
	wasmpack_write_cb sink;
	void *payload;
	const char *what;
	unsigned char head[8];
	size_t have;
	int passed;
	int64_t total; /* bytes seen */
} magic_sink;

static int magic_write(const void *data, size_t len, void *payload)
{
	magic_sink *m = payload;
	const unsigned char *p = data;
	m->total += (int64_t)len;
	if (m->total > MODULE_MAX)
		return wp_error(WASMPACK_ETOOLARGE, "%s is larger than %lld bytes", m->what,
				(long long)MODULE_MAX);
	if (!m->passed) {
		size_t n = sizeof(m->head) - m->have < len ? sizeof(m->head) - m->have : len;
		memcpy(m->head + m->have, p, n);
		m->have += n;
		p += n;
		len -= n;
		if (m->have < sizeof(m->head))
			return 0;
		if (memcmp(m->head, "\0asm", 4) != 0)
			return wp_error_why(WASMPACK_EINVALID, WASMPACK_REASON_NOT_WASM,
					    "%s is not a WebAssembly module", m->what);
		m->passed = 1;
		/* Without a sink the caller only asked whether the module is there. */
		if (!m->sink)
			return MAGIC_SEEN;
		int error = m->sink(m->head, sizeof(m->head), m->payload);
		if (error)
			return wp_error_from_callback(error, "writing the module");
	}
	int error = len ? m->sink(p, len, m->payload) : 0;
	return error ? wp_error_from_callback(error, "writing the module") : 0;
}

static int magic_finish(const magic_sink *m)
{
	if (!m->passed)
		return wp_error_why(WASMPACK_EINVALID, WASMPACK_REASON_NOT_WASM,
				    "%s is not a WebAssembly module (%zu bytes)", m->what, m->have);
	return 0;
}

/* Copies a blob to sink as it is. */
static int stream_blob(wasmpack_store *store, const char *digest, wasmpack_write_cb sink,
		       void *payload)
{
	int fd = -1;
	int64_t size = 0;
	unsigned char *buf = NULL;
	int error = wasmpack_store_blob_open(&fd, &size, store, digest);
	if (error)
		return error;
	if (!(buf = malloc(256 * 1024))) {
		error = wp_error_nomem();
		goto done;
	}
	for (;;) {
		ssize_t r = read(fd, buf, 256 * 1024);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			error = wp_error(WASMPACK_EIO, "cannot read blob '%s': %s", digest,
					 strerror(errno));
			goto done;
		}
		if (r == 0)
			break;
		if ((error = sink(buf, (size_t)r, payload)))
			goto done;
	}
done:
	free(buf);
	close(fd);
	return error;
}

/* Opens a stored tar layer, named in messages by its whole digest. */
static int layer_open(wp_tar *t, int fd, const char *digest)
{
	char what[WASMPACK_DIGEST_MAX + 16];
	snprintf(what, sizeof(what), "layer '%s'", digest);
	return wp_tar_open(t, fd, 0, what);
}

/* What one layer says about the module path. */
typedef struct layer_view {
	long match; /* the last entry named like the module, or -1 */
	int hidden; /* a whiteout, opaque dir or file over a parent hides lower layers' copy */
} layer_view;

/* Reads every entry of one layer: refuses what would escape the root, and
 * notes what the layer does to `want`. */
static int scan_layer(layer_view *v, int fd, const char *digest, const char *want)
{
	wp_tar t;
	char who[64];
	char *clean = NULL, *victim = NULL;
	int error, r;

	v->match = -1;
	v->hidden = 0;
	snprintf(who, sizeof(who), "layer '%.19s...'", digest);
	if ((error = layer_open(&t, fd, digest)) < 0)
		return error;
	while ((r = wp_tar_next(&t)) > 0) {
		const char *name = archive_entry_pathname(t.entry);
		const char *hard = archive_entry_hardlink(t.entry);
		int type = archive_entry_filetype(t.entry);
		free(clean);
		if ((error = wp_tar_entry_path(&clean, &t, who)) < 0)
			goto done;

		size_t dl = wp_path_dir_len(clean);
		const char *base = clean + dl + (dl ? 1 : 0);
		if (strncmp(base, WHITEOUT, strlen(WHITEOUT)) == 0) {
			/* A whiteout hides lower layers' copies only. */
			if (strcmp(base, OPAQUE) == 0) {
				clean[dl] = '\0';
				if (wp_path_within(want, clean) && strcmp(want, clean) != 0)
					v->hidden = 1;
			} else {
				free(victim);
				victim = dl ? wp_asprintf("%.*s/%s", (int)dl, clean,
							  base + strlen(WHITEOUT))
					    : wp_strdup(base + strlen(WHITEOUT));
				if (!victim) {
					error = WASMPACK_ENOMEM;
					goto done;
				}
				if (wp_path_within(want, victim))
					v->hidden = 1;
			}
		} else if (strcmp(clean, want) == 0) {
			v->match = t.index;
		} else if (*clean && wp_path_within(want, clean) && (hard || type != AE_IFDIR)) {
			/* A parent of the module that is not a directory. */
			if (hard || type == AE_IFLNK) {
				error = wp_error(
					WASMPACK_EINVALID,
					"refusing %s: the module's path goes through a link at '%s'",
					who, name);
				goto done;
			}
			v->hidden = 1;
		}
	}
	error = r;
done:
	free(victim);
	free(clean);
	wp_tar_close(&t);
	return error;
}

/* Streams entry number `match` of the layer, which must be a regular file. */
static int extract_entry(int fd, const char *digest, long match, const char *want,
			 wasmpack_write_cb sink, void *payload)
{
	wp_tar t;
	char name[1024];
	int error;

	if ((error = layer_open(&t, fd, digest)) < 0)
		return error;
	if ((error = wp_tar_seek(&t, match)) < 0)
		goto done;
	if (archive_entry_hardlink(t.entry) || archive_entry_filetype(t.entry) != AE_IFREG) {
		error = wp_error(WASMPACK_EINVALID,
				 "the module '/%s' is %s, which wasmpack does not follow", want,
				 wp_tar_entry_kind(&t));
		goto done;
	}
	snprintf(name, sizeof(name), "/%s", want);
	/* Refused by its header before a byte is unpacked. */
	if (archive_entry_size(t.entry) > MODULE_MAX) {
		error = wp_error(WASMPACK_ETOOLARGE, "the module '/%s' is larger than %lld bytes",
				 want, (long long)MODULE_MAX);
		goto done;
	}
	error = wp_tar_stream(&t, name, sink, payload);
done:
	wp_tar_close(&t);
	return error;
}

/* The module path a config names: Entrypoint[0], else Cmd[0], without a
 * "#function" suffix, relative paths taken from WorkingDir; cleaned. */
static int module_path(char **out, const wasmpack_image_config *c)
{
	const char *entry = c->entrypoint.count && *c->entrypoint.items[0] ? c->entrypoint.items[0]
			    : c->cmd.count                                 ? c->cmd.items[0]
									   : NULL;
	char *raw = NULL;
	if (!entry || !*entry)
		return wp_error(
			WASMPACK_ENOTFOUND,
			"the image has no wasm layer and its config names no module (no Entrypoint or Cmd)");
	size_t n = strcspn(entry, "#");
	if (entry[0] == '/' || !c->working_dir)
		raw = wp_asprintf("%.*s", (int)n, entry);
	else
		raw = wp_asprintf("%s/%.*s", c->working_dir, (int)n, entry);
	if (!raw)
		return WASMPACK_ENOMEM;
	*out = wp_path_clean(raw, NULL);
	free(raw);
	if (!*out)
		return WASMPACK_ENOMEM;
	if (!**out) {
		free(*out);
		*out = NULL;
		return wp_error(WASMPACK_ENOTFOUND, "the config's entrypoint '%s' names no file",
				entry);
	}
	return 0;
}

/* The module from the tar layers, top layer first. */
static int from_layers(wasmpack_store *store, const wasmpack_manifest *m, const char *want,
		       wasmpack_write_cb sink, void *payload)
{
	long chosen_layer = -1, chosen_entry = -1;
	int decided = 0, error = 0;

	/* Every tar layer is read, so a hostile one is refused wherever it is. */
	for (size_t i = m->layers_count; i-- > 0;) {
		const wasmpack_descriptor *d = &m->layers[i];
		layer_view v;
		int fd = -1;
		if (!is_tar_layer(d->media_type))
			continue;
		if ((error = wasmpack_store_blob_open(&fd, NULL, store, d->digest)))
			return error;
		error = scan_layer(&v, fd, d->digest, want);
		close(fd);
		if (error)
			return error;
		if (decided)
			continue;
		if (v.match >= 0) {
			chosen_layer = (long)i;
			chosen_entry = v.match;
			decided = 1;
		} else if (v.hidden) {
			decided = 1;
		}
	}
	if (chosen_layer < 0)
		return wp_error(WASMPACK_ENOTFOUND,
				"the module '/%s' is in none of the image's layers%s", want,
				decided ? " (a later layer removed it)" : "");
	const wasmpack_descriptor *d = &m->layers[chosen_layer];
	int fd = -1;
	if ((error = wasmpack_store_blob_open(&fd, NULL, store, d->digest)))
		return error;
	error = extract_entry(fd, d->digest, chosen_entry, want, sink, payload);
	close(fd);
	return error;
}

/* The wasm layer to use: the one titled like the entrypoint's file when
 * there are several, else the first. */
static const wasmpack_descriptor *wasm_layer(const wasmpack_manifest *m,
					     const wasmpack_image_config *c)
{
	const wasmpack_descriptor *first = NULL;
	const char *entry = c && c->entrypoint.count ? c->entrypoint.items[0] : NULL;
	const char *base = entry ? strrchr(entry, '/') : NULL;
	base = base ? base + 1 : entry;
	for (size_t i = 0; i < m->layers_count; i++) {
		const wasmpack_descriptor *d = &m->layers[i];
		if (!wp_media_type_is_wasm_layer(d->media_type))
			continue;
		if (!first)
			first = d;
		const char *title = wasmpack_kvlist_get(&d->annotations,
							"org.opencontainers.image.title");
		if (base && *base && title && strcmp(title, base) == 0)
			return d;
	}
	return first;
}

int wp_module_stream(wasmpack_store *store, const wasmpack_manifest *m, wasmpack_write_cb sink,
		     void *payload)
{
	wasmpack_buf craw = WASMPACK_BUF_INIT;
	wasmpack_image_config *c = NULL;
	char *want = NULL, *what = NULL;
	int error = 0;

	if (wp_media_type_is_image_config(m->config.media_type) &&
	    ((error = wasmpack_store_blob_read(&craw, store, m->config.digest,
					       WASMPACK_CONFIG_MAX)) ||
	     (error = wasmpack_image_config_parse(&c, craw.data, craw.size))))
		goto done;
	const wasmpack_descriptor *layer = wasm_layer(m, c);
	if (layer) {
		magic_sink ms = {sink, payload, NULL, {0}, 0, 0, 0};
		if (!(what = wp_asprintf("the wasm layer '%s'", layer->digest))) {
			error = WASMPACK_ENOMEM;
			goto done;
		}
		ms.what = what;
		error = stream_blob(store, layer->digest, magic_write, &ms);
		if (!error || error == MAGIC_SEEN)
			error = magic_finish(&ms);
		goto done;
	}
	if (!c) {
		error = wp_error(
			WASMPACK_ENOTFOUND,
			"the image has no wasm layer and no image config (config type '%s')",
			m->config.media_type);
		goto done;
	}
	if ((error = module_path(&want, c)))
		goto done;
	if (!(what = wp_asprintf("'/%s'", want))) {
		error = WASMPACK_ENOMEM;
		goto done;
	}
	magic_sink ms = {sink, payload, what, {0}, 0, 0, 0};
	error = from_layers(store, m, want, magic_write, &ms);
	if (!error || error == MAGIC_SEEN)
		error = magic_finish(&ms);
done:
	free(what);
	free(want);
	wasmpack_image_config_free(c);
	wasmpack_buf_dispose(&craw);
	return error;
}

int wasmpack_image_module(wasmpack_store *store, const wasmpack_descriptor *manifest,
			  wasmpack_write_cb sink, void *payload)
{
	wasmpack_buf raw = WASMPACK_BUF_INIT;
	wasmpack_manifest *m = NULL;
	int error = 0;

	if (!store || !manifest || !sink)
		return wp_error_arg("cannot read the module: missing argument");
	if (!wasmpack_media_type_is_manifest(manifest->media_type))
		return wp_error(WASMPACK_EINVALID,
				"cannot read the module: '%s' is not an image manifest",
				manifest->media_type ? manifest->media_type : "");
	if (!(error = wasmpack_store_blob_read(&raw, store, manifest->digest,
					       WASMPACK_MANIFEST_MAX)) &&
	    !(error = wasmpack_manifest_parse(&m, raw.data, raw.size)))
		error = wp_module_stream(store, m, sink, payload);
	wasmpack_manifest_free(m);
	wasmpack_buf_dispose(&raw);
	return error;
}
