/* Loading what `images` and `inspect` show about a stored image. */
#ifndef WASMPACK_IMAGE_INFO_H
#define WASMPACK_IMAGE_INFO_H

#include "cli.h"

/* A stored image's manifest (or index), config and total size. */
typedef struct image_info {
	wasmpack_descriptor desc;
	wasmpack_buf manifest_raw;
	wasmpack_manifest *manifest; /* NULL for an index */
	wasmpack_index *index;       /* NULL for a manifest */
	wasmpack_buf config_raw;
	wasmpack_image_config *config; /* NULL when not an image config */
	int64_t total_size;            /* manifest + config + layers */
} image_info;

/* Reads the manifest `desc` names and its config, verifying digests.
 * Returns 0 or a library error code. */
int image_info_load(image_info *out, wasmpack_store *store, const wasmpack_descriptor *desc);
void image_info_dispose(image_info *info);

/* "os/arch[/variant]" of the image, or "-" when it has none. */
void image_info_platform(char *buf, size_t size, const image_info *info);

/* Reads the module of a stored image (through a temporary file) and
 * parses its imports: *out is new, the caller frees it. Returns 0 or a
 * library error code (WASMPACK_EIO when the temporary file fails). */
int image_info_module(wasmpack_wasm **out, wasmpack_store *store,
		      const wasmpack_descriptor *manifest);

/* The capability bits the dev.wasmpack.wasi.capabilities annotation
 * lists; *found says whether the image carries it. */
unsigned image_info_annotated_caps(const image_info *info, int *found);

#endif
