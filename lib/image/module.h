/* Internal: finding the wasm module of an image, shared by
 * wasmpack_image_module (stored images) and pull (which checks an image
 * before it tags it). */
#ifndef WP_MODULE_H
#define WP_MODULE_H

#include "wasmpack/image.h"

/* 1 for layer media types that hold a raw wasm module (application/wasm
 * and the "...+wasm" types of runwasi, wasm-to-oci and wkg), else 0. */
int wp_media_type_is_wasm_layer(const char *media_type);

/* 1 for the OCI and Docker image config media types, else 0. */
int wp_media_type_is_image_config(const char *media_type);

/* Streams the module of the image m describes, whose config and layers are
 * in the store, to sink: the first wasm layer, else the file the config's
 * Entrypoint[0] (or Cmd[0]) names in the tar layers, later layers winning
 * and whiteouts honoured. Every tar layer is read; one with an entry that
 * climbs out of the root (absolute, "..", or a link pointing outside) is
 * refused with WASMPACK_EINVALID, as is a module that is a link or device.
 * The bytes must start as WebAssembly does, else WASMPACK_EINVALID before
 * any byte reaches sink. WASMPACK_ENOTFOUND when there is no module.
 * With a NULL sink it only checks: every layer is still vetted, but the
 * module is read no further than its magic. */
int wp_module_stream(wasmpack_store *store, const wasmpack_manifest *m, wasmpack_write_cb sink,
		     void *payload);

#endif
