/* Building images from a wasm module into a store, in two formats:
 * `image` (a runnable wasi OCI image for Docker+Wasm, runwasi, crun) and
 * `artifact` (the CNCF Wasm OCI artifact for wkg, wasmCloud, Spin). */
#ifndef WASMPACK_IMAGE_H
#define WASMPACK_IMAGE_H

#include "common.h"
#include "layer.h"
#include "oci.h"
#include "store.h"
#include "wasm.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum wasmpack_format {
	WASMPACK_FORMAT_IMAGE = 0,
	WASMPACK_FORMAT_ARTIFACT = 1,
} wasmpack_format;

/* Manifest annotations wasmpack adds from what it read in the module. */
#define WASMPACK_ANNOTATION_VARIANT "module.wasm.image/variant"
#define WASMPACK_ANNOTATION_WASI "dev.wasmpack.wasi.version"
#define WASMPACK_ANNOTATION_CAPABILITIES "dev.wasmpack.wasi.capabilities"

#define WASMPACK_BUILD_OPTIONS_VERSION 2
/* Every pointer is borrowed for the duration of the call; NULL or zero
 * means the default written beside the field. */
typedef struct wasmpack_build_options {
	unsigned version;         /* WASMPACK_BUILD_OPTIONS_VERSION */
	wasmpack_format format;   /* default image */
	const char *os;           /* "wasi" (image); wasip1/wasip2 (artifact) */
	const char *architecture; /* "wasm32" (image); "wasm" (artifact) */
	const char *variant;      /* none */
	const char *file_name;    /* name in the layer: basename of the path */
	const char *entrypoint;   /* "/" + file_name */
	const char *const *args;  /* config Cmd (image format) */
	size_t args_count;
	const wasmpack_kvlist *env;         /* config Env, in order */
	const wasmpack_kvlist *labels;      /* config Labels */
	const wasmpack_kvlist *annotations; /* manifest annotations; win over
					       those read from the module */
	int64_t created;                    /* seconds since the epoch; default 0 */
	wasmpack_compression compression;   /* image layer; default gzip */
	int level;                          /* gzip level; 0 = 6 */
	unsigned deny;                      /* WASMPACK_CAP_* bits the module must not
					 import; refused with WASMPACK_EPOLICY */
	/* Version 2. When not 0, the only WASMPACK_CAP_* bits the module may
	 * reach (WASMPACK_CAP_NOTHING: none); any other class, host
	 * included, is refused with WASMPACK_EPOLICY. */
	unsigned allow;
} wasmpack_build_options;
#define WASMPACK_BUILD_OPTIONS_INIT                                                            \
	{                                                                                      \
		WASMPACK_BUILD_OPTIONS_VERSION, WASMPACK_FORMAT_IMAGE, NULL, NULL, NULL, NULL, \
			NULL, NULL, 0, NULL, NULL, NULL, 0, WASMPACK_COMPRESSION_GZIP, 0, 0, 0 \
	}
/* As WASMPACK_BUILD_OPTIONS_INIT, for bindings (see
 * wasmpack_registry_options_init in registry.h). */
WASMPACK_EXTERN int wasmpack_build_options_init(wasmpack_build_options *opts, unsigned version);

/* What a build made: descriptors of the manifest, config and the one layer,
 * the layer's diff_id, and the module as read. Owned by the struct; free
 * with wasmpack_build_result_dispose. */
typedef struct wasmpack_build_result {
	wasmpack_descriptor manifest;
	wasmpack_descriptor config;
	wasmpack_descriptor layer;
	char diff_id[WASMPACK_DIGEST_MAX];
	wasmpack_wasm *wasm;
} wasmpack_build_result;

/* Reads and validates the module at wasm_path, then writes its layer,
 * config and manifest into store (in that order, each verified) and fills
 * *out (zero it first; the caller disposes with
 * wasmpack_build_result_dispose). Nothing is tagged: tag out->manifest
 * with wasmpack_store_tag. The module is streamed, so memory stays small
 * whatever its size. The same module and options give the same manifest
 * digest on any machine. Runs on the calling thread only. A module that
 * opts->deny or opts->allow refuses fails with WASMPACK_EPOLICY before
 * anything is written. */
WASMPACK_EXTERN int wasmpack_image_build(wasmpack_build_result *out, wasmpack_store *store,
					 const char *wasm_path, const wasmpack_build_options *opts);

/* Frees what r owns and zeroes it. NULL-safe. */
WASMPACK_EXTERN void wasmpack_build_result_dispose(wasmpack_build_result *r);

/* Formats seconds since the epoch as RFC 3339 UTC ("1970-01-01T00:00:00Z")
 * into the caller's buffer out (at least 32 bytes). Any thread. */
WASMPACK_EXTERN int wasmpack_time_format(char *out, size_t out_size, int64_t seconds);

/* Parses RFC 3339 ("2024-05-01T12:00:00Z", offsets and fractions allowed;
 * a space may stand for the 'T') or a plain number of seconds into *out.
 * Impossible dates (2023-02-29, 2024-02-31) and times before 1970 are
 * WASMPACK_EINVALID. Any thread. */
WASMPACK_EXTERN int wasmpack_time_parse(int64_t *out, const char *text);

/* Streams the wasm module of a stored image to sink (called on the calling
 * thread; a non-zero return from sink stops the read and is returned): the application/wasm
 * (or other "+wasm"-typed) layer of an artifact, or the file the config's
 * Entrypoint[0] (else Cmd[0]; "path#func" allowed; relative to WorkingDir)
 * names in an image's tar layers, later layers winning and whiteouts
 * (".wh.NAME", ".wh..wh..opq") honoured. Nothing is written anywhere but
 * to sink. WASMPACK_EINVALID, before any byte reaches sink, for a layer
 * with an entry that would land outside the root when unpacked (absolute
 * or ".." paths, links pointing outside), for a module that is a link or
 * device, and for bytes that are not WebAssembly. WASMPACK_ENOTFOUND when
 * the image carries no module; WASMPACK_ETOOLARGE for a module over 1 GiB
 * (refused by its tar header before a byte is unpacked, when it has one). */
WASMPACK_EXTERN int wasmpack_image_module(wasmpack_store *store,
					  const wasmpack_descriptor *manifest,
					  wasmpack_write_cb sink, void *payload);

#ifdef __cplusplus
}
#endif
#endif
