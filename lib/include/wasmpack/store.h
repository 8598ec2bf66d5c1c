/* The local image store: an OCI image layout directory (oci-layout,
 * index.json, blobs/sha256/...) that skopeo, umoci and oci-image-tool can
 * read. Blobs become visible only after their digest is verified; index.json
 * changes under a lock with write-then-rename. wasmpack keeps its lock and
 * temporary files in DIR/.wasmpack/. */
#ifndef WASMPACK_STORE_H
#define WASMPACK_STORE_H

#include "common.h"
#include "digest.h"
#include "oci.h"
#include "reference.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Index annotations that name a stored image, as containerd and docker do. */
#define WASMPACK_ANNOTATION_IMAGE_NAME "io.containerd.image.name"
#define WASMPACK_ANNOTATION_REF_NAME "org.opencontainers.image.ref.name"

typedef struct wasmpack_store wasmpack_store;
typedef struct wasmpack_blob_writer wasmpack_blob_writer;

/* Opens the layout at path, creating the directory, oci-layout and an
 * empty index.json when missing. Fails with WASMPACK_EINVALID on a
 * directory holding another layout version. *out is owned by the caller
 * (wasmpack_store_free). One handle is for one thread at a time; several
 * processes may use one directory at once. */
WASMPACK_EXTERN int wasmpack_store_open(wasmpack_store **out, const char *path);

/* Closes the store. NULL-safe. */
WASMPACK_EXTERN void wasmpack_store_free(wasmpack_store *store);

/* The directory, borrowed from the store. */
WASMPACK_EXTERN const char *wasmpack_store_path(const wasmpack_store *store);

/* Starts a blob: bytes go to a temporary file while they are hashed.
 * *out is owned by the caller: commit it, or free it to throw it away.
 * A writer is used by one thread at a time; writers of one store may run
 * on different threads at once (the library's pull does). */
WASMPACK_EXTERN int wasmpack_store_blob_writer(wasmpack_blob_writer **out, wasmpack_store *store);

/* Like wasmpack_store_blob_writer, for a download that may be resumed:
 * the bytes go to .wasmpack/tmp/partial-<hex of digest>, locked while the
 * writer lives and kept when it is freed uncommitted, so a later writer
 * for the same digest continues it. *have gets the bytes already there
 * (fetch from that offset); what is there is hashed again, and dropped
 * when longer than size (-1: unknown) or when commit finds the wrong
 * digest. When another process holds the partial, a private temporary
 * file is used instead (*have 0). *out is the caller's, as for
 * wasmpack_store_blob_writer. */
WASMPACK_EXTERN int wasmpack_store_blob_writer_resume(wasmpack_blob_writer **out, int64_t *have,
						      wasmpack_store *store, const char *digest,
						      int64_t size);

/* Appends len bytes (data is only read during the call). */
WASMPACK_EXTERN int wasmpack_blob_writer_write(wasmpack_blob_writer *w, const void *data,
					       size_t len);

/* A wasmpack_write_cb that appends to the writer passed as payload. */
WASMPACK_EXTERN int wasmpack_blob_writer_sink(const void *data, size_t len, void *payload);

/* Finishes the blob: flushes it to disk and, when expected_digest is not
 * NULL, checks the bytes against it (WASMPACK_EDIGEST on mismatch, nothing
 * becomes visible), then renames it into blobs/. The digest and size of
 * what was written go to digest_out and size_out (either may be NULL).
 * The writer must still be freed afterwards. */
WASMPACK_EXTERN int wasmpack_blob_writer_commit(char digest_out[WASMPACK_DIGEST_MAX],
						int64_t *size_out, wasmpack_blob_writer *w,
						const char *expected_digest);

/* Says the bytes written are wrong (not a prefix of the blob): freeing
 * the writer then removes its file even when it is a resumable partial.
 * NULL-safe. */
WASMPACK_EXTERN void wasmpack_blob_writer_abandon(wasmpack_blob_writer *w);

/* Frees the writer; an uncommitted temporary file is removed (a
 * resumable partial is kept, see wasmpack_store_blob_writer_resume).
 * NULL-safe. */
WASMPACK_EXTERN void wasmpack_blob_writer_free(wasmpack_blob_writer *w);

/* Writes len bytes as a blob in one call (see commit for expected). */
WASMPACK_EXTERN int wasmpack_store_blob_put(char digest_out[WASMPACK_DIGEST_MAX],
					    wasmpack_store *store, const void *data, size_t len,
					    const char *expected_digest);

/* 1 when the blob is present, 0 when not, negative on error. A blob
 * found present stays so: from the first call until the handle is freed,
 * gc in other handles leaves the store alone (as it does while a handle
 * writes blobs), so a blob a pull skipped is still there when it tags. */
WASMPACK_EXTERN int wasmpack_store_blob_exists(wasmpack_store *store, const char *digest);

/* Reads a blob of at most max bytes into out (caller disposes) and checks
 * its digest (WASMPACK_EDIGEST when the file was altered). */
WASMPACK_EXTERN int wasmpack_store_blob_read(wasmpack_buf *out, wasmpack_store *store,
					     const char *digest, size_t max);

/* Opens a blob for reading; *fd_out is the caller's to close. The content
 * is not verified here. */
WASMPACK_EXTERN int wasmpack_store_blob_open(int *fd_out, int64_t *size_out, wasmpack_store *store,
					     const char *digest);

/* Points ref's tag at the manifest described by `manifest` (which must be
 * in the store), replacing what the tag named before. A reference with a
 * digest and no tag files the image as "registry/repo@digest". The
 * descriptor is copied. */
WASMPACK_EXTERN int wasmpack_store_tag(wasmpack_store *store, const wasmpack_reference *ref,
				       const wasmpack_descriptor *manifest);

/* Finds what ref names: by full name and tag, or by digest (any entry with
 * that digest). Fills *out (caller disposes with
 * wasmpack_descriptor_dispose). WASMPACK_ENOTFOUND when nothing matches. */
WASMPACK_EXTERN int wasmpack_store_resolve(wasmpack_descriptor *out, wasmpack_store *store,
					   const wasmpack_reference *ref);

/* One tagged image: its full normalized name ("docker.io/user/app:tag")
 * or NULL for an entry other tools wrote without one, and its descriptor. */
typedef struct wasmpack_store_image {
	char *name;
	wasmpack_descriptor descriptor;
} wasmpack_store_image;

/* Lists index.json's entries. *out is a new array of *count images the
 * caller frees with wasmpack_store_images_free. */
WASMPACK_EXTERN int wasmpack_store_list(wasmpack_store_image **out, size_t *count,
					wasmpack_store *store);

/* Frees a list from wasmpack_store_list. NULL-safe. */
WASMPACK_EXTERN void wasmpack_store_images_free(wasmpack_store_image *images, size_t count);

/* Removes the tag ref names (or, for a digest reference, every entry with
 * that digest). WASMPACK_ENOTFOUND when nothing matched. Blobs stay until
 * wasmpack_store_gc. */
WASMPACK_EXTERN int wasmpack_store_untag(wasmpack_store *store, const wasmpack_reference *ref);

/* The shortest digest prefix wasmpack_store_find_id accepts, as docker. */
#define WASMPACK_STORE_ID_MIN 12

/* Finds the image whose manifest digest is `id`: a full digest, or a
 * prefix of at least WASMPACK_STORE_ID_MIN hex digits with or without
 * "sha256:" (the ID `images` shows). The full digest goes to digest_out.
 * WASMPACK_ENOTFOUND when no image matches; WASMPACK_EINVALID (reason
 * INVALID_ARGUMENT) when id is not of that form, or when it matches
 * several images (the message lists them). Nothing to free. */
WASMPACK_EXTERN int wasmpack_store_find_id(char digest_out[WASMPACK_DIGEST_MAX],
					   wasmpack_store *store, const char *id);

/* What a directory is, before opening it as a store (which creates one
 * where there is none): see wasmpack_store_probe. */
typedef enum wasmpack_store_state {
	WASMPACK_STORE_MISSING = 0, /* nothing at the path */
	WASMPACK_STORE_EMPTY,       /* an empty directory, or a store whose
				       creation stopped before oci-layout */
	WASMPACK_STORE_LAYOUT,      /* a directory holding an oci-layout file */
	WASMPACK_STORE_OTHER,       /* anything else: not a store */
} wasmpack_store_state;

/* Looks at path without creating or changing anything: *state says what
 * is there. Fails only when path cannot be examined (permissions). */
WASMPACK_EXTERN int wasmpack_store_probe(wasmpack_store_state *state, const char *path);

/* Removes index.json's entries that carry no image name (written by
 * other tools, or left by an interrupted run). *out gets them as a new
 * array of *count images (names NULL) the caller frees with
 * wasmpack_store_images_free. Blobs stay until wasmpack_store_gc. */
WASMPACK_EXTERN int wasmpack_store_untag_unnamed(wasmpack_store_image **out, size_t *count,
						 wasmpack_store *store);

/* Deletes blobs no index entry reaches and leftover temporary files of
 * processes that died (in .wasmpack/tmp, and index.json.tmp-XXXXXX), and
 * partial downloads nobody has touched for a day. Skips the
 * sweep (0 removed) while another handle writes to the store or has
 * looked for a blob in it. *removed (may be NULL) gets the blob count. */
WASMPACK_EXTERN int wasmpack_store_gc(size_t *removed, wasmpack_store *store);

/* Removes the partial downloads (see wasmpack_store_blob_writer_resume)
 * no running process is writing; gc leaves them for a day so a rerun of
 * an interrupted pull can resume. *removed (may be NULL) gets the count. */
WASMPACK_EXTERN int wasmpack_store_remove_partials(size_t *removed, wasmpack_store *store);

#ifdef __cplusplus
}
#endif
#endif
