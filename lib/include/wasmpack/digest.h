/* Content digests: streaming sha256 and "algorithm:hex" strings. */
#ifndef WASMPACK_DIGEST_H
#define WASMPACK_DIGEST_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Room for "sha256:" + 64 hex + NUL, and for "sha512:" + 128 hex + NUL. */
#define WASMPACK_DIGEST_MAX 136

/* A streaming sha256 hasher. Opaque; create with _new, free with _free. */
typedef struct wasmpack_sha256 wasmpack_sha256;

/* Creates a hasher in *out; the caller owns it. */
WASMPACK_EXTERN int wasmpack_sha256_new(wasmpack_sha256 **out);

/* Feeds len bytes; data is only read during the call. */
WASMPACK_EXTERN int wasmpack_sha256_update(wasmpack_sha256 *h, const void *data, size_t len);

/* Writes "sha256:<64 lowercase hex>" into out and resets the hasher so it
 * can be reused for new input. */
WASMPACK_EXTERN int wasmpack_sha256_final(char out[WASMPACK_DIGEST_MAX], wasmpack_sha256 *h);

/* Frees the hasher. NULL-safe. */
WASMPACK_EXTERN void wasmpack_sha256_free(wasmpack_sha256 *h);

/* One-shot: "sha256:..." of len bytes at data into out. */
WASMPACK_EXTERN int wasmpack_digest_of(char out[WASMPACK_DIGEST_MAX], const void *data, size_t len);

/* 0 when text is a well-formed digest: algorithm per the OCI grammar
 * ([a-z0-9]+([+._-][a-z0-9]+)*) and, for the registered algorithms,
 * exactly the right number of lowercase hex digits (sha256: 64,
 * sha512: 128). WASMPACK_EINVALID for malformed text,
 * WASMPACK_EUNSUPPORTED for a well-formed digest of another algorithm. */
WASMPACK_EXTERN int wasmpack_digest_validate(const char *text);

/* 1 when a and b are the same valid digest, else 0. */
WASMPACK_EXTERN int wasmpack_digest_equal(const char *a, const char *b);

/* The hex part of a valid digest (borrowed from `digest`), or NULL. */
WASMPACK_EXTERN const char *wasmpack_digest_hex(const char *digest);

#ifdef __cplusplus
}
#endif
#endif
