/* Moving images between the local store and a registry: push and pull,
 * blobs in parallel, progress reported through a callback; and reading
 * the module out of a stored image. */
#ifndef WASMPACK_TRANSFER_H
#define WASMPACK_TRANSFER_H

#include "common.h"
#include "layer.h"
#include "oci.h"
#include "reference.h"
#include "registry.h"
#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum wasmpack_progress_state {
	WASMPACK_PROGRESS_WAITING = 0, /* known, not started */
	WASMPACK_PROGRESS_EXISTS,      /* the destination already has it */
	WASMPACK_PROGRESS_MOUNTED,     /* mounted from another repository */
	WASMPACK_PROGRESS_UPLOADING,
	WASMPACK_PROGRESS_UPLOADED,
	WASMPACK_PROGRESS_DOWNLOADING,
	WASMPACK_PROGRESS_VERIFIED,    /* downloaded and its digest checked */
	WASMPACK_PROGRESS_FAILED,
} wasmpack_progress_state;

/* One blob's progress. Strings are borrowed for the call only. */
typedef struct wasmpack_progress {
	const char *digest;
	const char *media_type;
	int64_t done;   /* bytes moved so far */
	int64_t total;  /* the blob's size */
	wasmpack_progress_state state;
} wasmpack_progress;

/* Called from the transferring threads (serialized by the library: never
 * twice at once) whenever a blob changes state or moves bytes. */
typedef void (*wasmpack_progress_cb)(const wasmpack_progress *p, void *payload);

#define WASMPACK_TRANSFER_OPTIONS_VERSION 1
typedef struct wasmpack_transfer_options {
	unsigned version;                 /* WASMPACK_TRANSFER_OPTIONS_VERSION */
	wasmpack_registry_options registry;
	const char *os;                   /* platform wanted from an index; */
	const char *architecture;         /* NULL = the first wasi entry */
	int jobs;                         /* blobs at once; 0 = 4 */
	wasmpack_progress_cb progress;    /* NULL = none */
	void *progress_payload;
} wasmpack_transfer_options;
#define WASMPACK_TRANSFER_OPTIONS_INIT                                         \
	{.version = WASMPACK_TRANSFER_OPTIONS_VERSION,                         \
	 .registry = WASMPACK_REGISTRY_OPTIONS_INIT}

/* What a push or pull did, for output and tests. */
typedef struct wasmpack_transfer_result {
	wasmpack_descriptor manifest; /* what the tag names now */
	size_t blobs_moved;           /* uploaded or downloaded */
	size_t blobs_skipped;         /* already there or mounted */
	int64_t bytes_moved;
	uint64_t requests;            /* HTTP requests sent */
} wasmpack_transfer_result;

/* Frees what r owns and zeroes it. NULL-safe. */
WASMPACK_EXTERN void wasmpack_transfer_result_dispose(wasmpack_transfer_result *r);

/* Pushes the stored image `src` to `dst` (registry/repository:tag or
 * @digest): when dst's tag already names the same manifest nothing else
 * is sent; otherwise the blobs the registry lacks go up (in parallel),
 * then the manifest. Fills *out (caller disposes). */
WASMPACK_EXTERN int wasmpack_push(wasmpack_transfer_result *out, wasmpack_store *store,
				  const wasmpack_reference *src,
				  const wasmpack_reference *dst,
				  const wasmpack_transfer_options *opts);

/* Pulls `ref` into the store and tags it there: the manifest (an index is
 * resolved to one entry by platform), then the blobs the store lacks,
 * each verified against its digest and size before it becomes visible.
 * Fills *out (caller disposes); out->manifest is the stored manifest. */
WASMPACK_EXTERN int wasmpack_pull(wasmpack_transfer_result *out, wasmpack_store *store,
				  const wasmpack_reference *ref,
				  const wasmpack_transfer_options *opts);

/* Streams the wasm module of a stored image to sink: the application/wasm
 * (or other wasm-typed) layer of an artifact, or the file the config's
 * Entrypoint names in an image's layers. WASMPACK_ENOTFOUND when the
 * image carries no module. */
WASMPACK_EXTERN int wasmpack_image_module(wasmpack_store *store,
					  const wasmpack_descriptor *manifest,
					  wasmpack_write_cb sink, void *payload);

#ifdef __cplusplus
}
#endif
#endif
