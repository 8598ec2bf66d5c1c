/* Finding the wasm module inside a stored image, whatever wrote it: the
 * raw wasm layer of an artifact, or the file the config's Entrypoint (or
 * Cmd) names inside an image's tar layers. */
#include "wasmpack/transfer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "util.h"

static int is_wasm_layer(const char *mt)
{
	return strcmp(mt, WASMPACK_MEDIATYPE_WASM_LAYER) == 0 ||
	       strcmp(mt, "application/vnd.wasm.content.layer.v1+wasm") == 0 ||
	       strcmp(mt, "application/vnd.bytecodealliance.wasm.component.layer.v0+wasm") == 0;
}

/* Copies a blob to sink as it is. */
static int stream_blob(wasmpack_store *store, const char *digest, wasmpack_write_cb sink, void *payload)
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
			error = wp_error(WASMPACK_EIO, "cannot read blob '%s': %s", digest, strerror(errno));
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

int wasmpack_image_module(wasmpack_store *store, const wasmpack_descriptor *manifest,
			  wasmpack_write_cb sink, void *payload)
{
	wasmpack_buf raw = WASMPACK_BUF_INIT, craw = WASMPACK_BUF_INIT;
	wasmpack_manifest *m = NULL;
	wasmpack_image_config *c = NULL;
	char *path = NULL;
	int error = 0;

	if ((error = wasmpack_store_blob_read(&raw, store, manifest->digest, WASMPACK_MANIFEST_MAX)) ||
	    (error = wasmpack_manifest_parse(&m, raw.data, raw.size)))
		goto done;
	for (size_t i = 0; i < m->layers_count; i++) {
		if (is_wasm_layer(m->layers[i].media_type)) {
			error = stream_blob(store, m->layers[i].digest, sink, payload);
			goto done;
		}
	}
	if ((error = wasmpack_store_blob_read(&craw, store, m->config.digest, WASMPACK_CONFIG_MAX)) ||
	    (error = wasmpack_image_config_parse(&c, craw.data, craw.size)))
		goto done;
	const char *entry = c->entrypoint.count ? c->entrypoint.items[0]
			    : c->cmd.count ? c->cmd.items[0] : NULL;
	if (!entry) {
		error = wp_error(WASMPACK_ENOTFOUND, "the image names no module (no Entrypoint or Cmd)");
		goto done;
	}
	/* "path#func" names a function of the module at path. */
	const char *hash = strchr(entry, '#');
	if (!(path = hash ? strndup(entry, (size_t)(hash - entry)) : wp_strdup(entry))) {
		error = wp_error_nomem();
		goto done;
	}
	/* Later layers win: look from the top down. */
	error = WASMPACK_ENOTFOUND;
	for (size_t i = m->layers_count; i-- > 0 && error == WASMPACK_ENOTFOUND;) {
		int fd = -1;
		if ((error = wasmpack_store_blob_open(&fd, NULL, store, m->layers[i].digest)))
			break;
		error = wasmpack_layer_extract(fd, path, sink, payload);
		close(fd);
	}
	if (error == WASMPACK_ENOTFOUND)
		wp_error(WASMPACK_ENOTFOUND, "the module '%s' is in none of the image's layers", path);
done:
	free(path);
	wasmpack_image_config_free(c);
	wasmpack_manifest_free(m);
	wasmpack_buf_dispose(&raw);
	wasmpack_buf_dispose(&craw);
	return error;
}
