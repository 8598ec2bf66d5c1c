/* Moving images between the local store and a registry: push and pull,
 * blobs in parallel, progress reported through a callback; copy from
 * registry to registry. (Reading a stored image's module is in image.h;
 * save and load in archive.h.) */
#ifndef WASMPACK_TRANSFER_H
#define WASMPACK_TRANSFER_H

#include "common.h"
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
	WASMPACK_PROGRESS_VERIFIED, /* downloaded and its digest checked */
	WASMPACK_PROGRESS_FAILED,
} wasmpack_progress_state;

/* One blob's progress. Strings are borrowed for the call only. */
typedef struct wasmpack_progress {
	const char *digest;
	const char *media_type;
	int64_t done;  /* bytes moved so far */
	int64_t total; /* the blob's size */
	wasmpack_progress_state state;
} wasmpack_progress;

/* Called from the transferring threads (serialized by the library: never
 * twice at once) whenever a blob changes state or moves bytes. It should
 * return quickly: the transfers of other blobs wait for it. p and its
 * strings are borrowed for the call only. */
typedef void (*wasmpack_progress_cb)(const wasmpack_progress *p, void *payload);

#define WASMPACK_TRANSFER_OPTIONS_VERSION 4
typedef struct wasmpack_transfer_options {
	unsigned version; /* WASMPACK_TRANSFER_OPTIONS_VERSION */
	/* Version 4: version 2 of the registry options (notice,
	 * retry_max_time_ms), which made this member longer. Versions 1 to 3
	 * held version 1 of them, and the fields below sat that much earlier:
	 * the library reads (and wasmpack_transfer_options_init writes) a
	 * struct of those versions in that layout. */
	wasmpack_registry_options registry;
	const char *os;                /* platform wanted from an index; */
	const char *architecture;      /* NULL = the first wasi entry */
	int jobs;                      /* blobs at once; 0 = 4 */
	wasmpack_progress_cb progress; /* NULL = none */
	void *progress_payload;
	/* Version 2. Pull: WASMPACK_CAP_* bits the image's module must not
	 * reach (wasm.h); 0 = no policy. Ignored by push and copy. */
	unsigned deny;
	/* Version 3. Pull: when not 0, the only WASMPACK_CAP_* bits the
	 * module may reach (WASMPACK_CAP_NOTHING: none); anything else, host
	 * imports included, is refused. Ignored by push and copy. */
	unsigned allow;
} wasmpack_transfer_options;
/* Every field, in order (see WASMPACK_REGISTRY_OPTIONS_INIT). */
#define WASMPACK_TRANSFER_OPTIONS_INIT                                                            \
	{                                                                                         \
		WASMPACK_TRANSFER_OPTIONS_VERSION, WASMPACK_REGISTRY_OPTIONS_INIT, NULL, NULL, 0, \
			NULL, NULL, 0, 0                                                          \
	}
/* As WASMPACK_TRANSFER_OPTIONS_INIT, for bindings (see
 * wasmpack_registry_options_init); version 1 stops before `deny`, 2
 * before `allow`; 1 to 3 in their own layout (see `registry`). */
WASMPACK_EXTERN int wasmpack_transfer_options_init(wasmpack_transfer_options *opts,
						   unsigned version);

/* What a push or pull did, for output and tests. Owned by the struct;
 * zero it before the call and free it with
 * wasmpack_transfer_result_dispose. */
typedef struct wasmpack_transfer_result {
	wasmpack_descriptor manifest; /* what the tag names now */
	size_t blobs_moved;           /* uploaded or downloaded */
	size_t blobs_skipped;         /* already there or mounted */
	int64_t bytes_moved;
	uint64_t requests; /* HTTP requests sent */
	/* A remark worth showing the user, e.g. that an index had no entry
	 * for the platform asked and the same architecture under its other
	 * name was taken; NULL when none. Owned by the result. */
	char *note;
} wasmpack_transfer_result;

/* Frees what r owns (note included) and zeroes it. NULL-safe. */
WASMPACK_EXTERN void wasmpack_transfer_result_dispose(wasmpack_transfer_result *r);

/* Pushes the stored image `src` to `dst` (registry/repository:tag or
 * @digest): when dst's tag already names the same manifest nothing else
 * is sent; otherwise the blobs the registry lacks go up (in parallel),
 * then the manifest. Fills *out (caller disposes).
 * Threads (push, pull and copy alike): the call starts up to opts->jobs
 * worker threads and joins them before it returns; the store is used
 * from them meanwhile, so no other thread may use this store handle
 * until the call returns. opts->progress runs on those threads, one call
 * at a time; opts->registry.log may run on several of them at once.
 * src, dst and opts are borrowed for the call. */
WASMPACK_EXTERN int wasmpack_push(wasmpack_transfer_result *out, wasmpack_store *store,
				  const wasmpack_reference *src, const wasmpack_reference *dst,
				  const wasmpack_transfer_options *opts);

/* Pulls `ref` into the store and tags it there: the manifest (an index is
 * resolved to one entry by platform), then the blobs the store lacks,
 * each verified against its digest and size before it becomes visible.
 * Reads every wasm image format in use: wasmpack's own, Docker schema2
 * and OCI images whose tar layers hold the file Entrypoint[0] or Cmd[0]
 * names, runwasi's and wasm-to-oci's wasm layers, CNCF Wasm artifacts.
 * An index entry is chosen by opts->os/architecture: an exact match, else
 * the same OS with wasm and wasm32 taken as one architecture, else the
 * first wasi/wasip1/wasip2 entry (out->note says when a fallback was
 * taken). An image that is not wasm (linux/amd64, say) is refused with
 * WASMPACK_EINVALID before its layers are fetched, and the image is only
 * tagged once its module was found in it (see wasmpack_image_module in image.h).
 * With opts->deny or opts->allow set, the module's imports are read before
 * the image is tagged, and a module reaching a denied capability, or one
 * outside allow, is refused with WASMPACK_EPOLICY (reason
 * WASMPACK_REASON_POLICY; the message names each refused class and an
 * import that reaches it): no name in the store
 * changes, and its blobs are left unreferenced for wasmpack_store_gc, as
 * after any failed pull.
 * Fills *out (caller disposes); out->manifest is the stored manifest. */
WASMPACK_EXTERN int wasmpack_pull(wasmpack_transfer_result *out, wasmpack_store *store,
				  const wasmpack_reference *ref,
				  const wasmpack_transfer_options *opts);

/* Copies `src` to `dst` from registry to registry without the store:
 * blobs the destination lacks are mounted from src's repository when both
 * are on one registry, else streamed through an unlinked temporary file
 * and verified against their digests on the way; then the manifests,
 * children before indexes, exactly as fetched. With opts->os set, an
 * index is resolved to one entry as wasmpack_pull does and only that
 * image is copied; otherwise all of an index is. Fills *out (caller
 * disposes); out->manifest is what dst names now. */
WASMPACK_EXTERN int wasmpack_copy(wasmpack_transfer_result *out, const wasmpack_reference *src,
				  const wasmpack_reference *dst,
				  const wasmpack_transfer_options *opts);

#ifdef __cplusplus
}
#endif
#endif
