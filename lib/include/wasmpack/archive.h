/* Archives of the store's images: wasmpack_save writes stored images as
 * one tar (an OCI image layout plus Docker's manifest.json) that skopeo,
 * docker load and podman load read; wasmpack_load reads such archives,
 * and those of docker save and skopeo, back into the store. */
#ifndef WASMPACK_ARCHIVE_H
#define WASMPACK_ARCHIVE_H

#include "common.h"
#include "reference.h"
#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Writes the stored images `refs` (count of them) to fd as one tar: an OCI
 * image layout (oci-layout, index.json naming each image by
 * io.containerd.image.name and org.opencontainers.image.ref.name, blobs)
 * plus Docker's manifest.json for the images that have an image config,
 * so skopeo (oci-archive:, docker-archive:), docker load and podman load
 * read it. The same images give the same bytes. Every blob is checked
 * against its digest while it is written; on an error the output is
 * incomplete and the caller should discard it. fd is only written; the
 * caller keeps it. */
WASMPACK_EXTERN int wasmpack_save(wasmpack_store *store, const wasmpack_reference *const *refs,
				  size_t count, int fd);

#define WASMPACK_LOAD_OPTIONS_VERSION 2
/* The default of max_size: 4 GiB. */
#define WASMPACK_LOAD_MAX_SIZE_DEFAULT ((int64_t)4 << 30)
typedef struct wasmpack_load_options {
	unsigned version; /* WASMPACK_LOAD_OPTIONS_VERSION */
	/* Names the image when the archive holds exactly one (replacing the
	 * archive's names); needed when that image carries no full name.
	 * Borrowed. NULL = the names in the archive. */
	const wasmpack_reference *name;
	/* Version 2. The most bytes of blobs a load writes into the store,
	 * summed from the archive's entry headers before anything is written
	 * (a small compressed archive can unpack to a disk full):
	 * WASMPACK_ETOOLARGE beyond it. 0 = WASMPACK_LOAD_MAX_SIZE_DEFAULT,
	 * -1 = no limit. */
	int64_t max_size;
} wasmpack_load_options;
#define WASMPACK_LOAD_OPTIONS_INIT                     \
	{                                              \
		WASMPACK_LOAD_OPTIONS_VERSION, NULL, 0 \
	}
/* As WASMPACK_LOAD_OPTIONS_INIT, for bindings (see
 * wasmpack_registry_options_init). */
WASMPACK_EXTERN int wasmpack_load_options_init(wasmpack_load_options *opts, unsigned version);

/* Loads the images of the tar archive read from fd (which must be
 * seekable: it is read more than once) into the store: an OCI layout
 * archive (wasmpack save, skopeo oci-archive:, docker save from Docker 25
 * on, runwasi's oci-tar-builder) or a Docker archive with only
 * manifest.json (docker save before 25, skopeo docker-archive:). Paths
 * inside the archive are only compared, never opened; only the blobs the
 * images reach are read, each verified against its digest (and, for a
 * Docker archive, each layer against the config's diff_ids) before it
 * becomes visible, and the names are set only once everything is in.
 * Names come from io.containerd.image.name, else a full reference in
 * org.opencontainers.image.ref.name, else RepoTags, else opts->name.
 * *out is a new array of *count images (name and descriptor) the caller
 * frees with wasmpack_store_images_free. */
WASMPACK_EXTERN int wasmpack_load(wasmpack_store_image **out, size_t *count, wasmpack_store *store,
				  int fd, const wasmpack_load_options *opts);

#ifdef __cplusplus
}
#endif
#endif
