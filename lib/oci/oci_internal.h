/* Internal: the pieces of the OCI model that manifest.c, index.c and
 * config.c share: descriptors and platforms to and from JSON, and the
 * top-level fields manifests and indexes have in common. */
#ifndef WP_OCI_INTERNAL_H
#define WP_OCI_INTERNAL_H

#include "oci/json.h"
#include "util/kvlist.h"
#include "wasmpack/oci.h"

/* 1 when s is a media type as RFC 6838 section 4.2 names them:
 * type "/" subtype, each 1-127 characters of [A-Za-z0-9!#$&^_.+-] starting
 * with a letter or digit; no parameters. Else 0. */
int wp_media_type_valid(const char *s);

/* Checks a digest string found at cx's path under key: 0 for a well-formed
 * digest (one of an algorithm wasmpack cannot verify included: it may
 * still be parsed and passed on), else WASMPACK_EINVALID with
 * "invalid digest '...'". */
int wp_digest_check(const char *digest, const char *key, wp_json_ctx *cx);

/* Deep copy of a platform into a new one (NULL src gives NULL). */
int wp_platform_copy(wasmpack_platform **out, const wasmpack_platform *src);
/* Frees p and its strings. NULL-safe. */
void wp_platform_free(wasmpack_platform *p);

/* Reads the descriptor object j, whose path cx already names, into out
 * (zeroed first; left zeroed on error). */
int wp_descriptor_from_json(wasmpack_descriptor *out, const json_t *j, wp_json_ctx *cx);
/* obj[key] as a descriptor into out; *present (may be NULL) says whether
 * it was there. Absent or null is an error only with WP_JSON_REQUIRED. */
int wp_json_get_descriptor(wasmpack_descriptor *out, int *present, const json_t *obj,
			   const char *key, unsigned flags, wp_json_ctx *cx);
/* obj[key] as an array of descriptors: *out is a new array of *count
 * (NULL when empty) the caller frees with wp_descriptors_free(). */
int wp_json_get_descriptors(wasmpack_descriptor **out, size_t *count, const json_t *obj,
			    const char *key, unsigned flags, wp_json_ctx *cx);
/* Disposes count descriptors and frees the array. NULL-safe. */
void wp_descriptors_free(wasmpack_descriptor *d, size_t count);

/* A new JSON object for d, checked as parsing checks it, so what is
 * written always reads back. cx names d for messages. */
int wp_descriptor_to_json(json_t **out, const wasmpack_descriptor *d, wp_json_ctx *cx);
/* Sets obj[key] to d; does nothing when d is NULL. */
int wp_json_set_descriptor(json_t *obj, const char *key, const wasmpack_descriptor *d,
			   wp_json_ctx *cx);
/* Sets obj[key] to an array of count descriptors (written even when
 * empty). */
int wp_json_set_descriptors(json_t *obj, const char *key, const wasmpack_descriptor *d,
			    size_t count, wp_json_ctx *cx);

/* The top-level fields an image manifest and an image index share. */
typedef enum wp_oci_kind { WP_OCI_MANIFEST, WP_OCI_INDEX } wp_oci_kind;

typedef struct wp_oci_head {
	int schema_version;
	char *media_type;
	char *artifact_type;
	wasmpack_descriptor *subject;
	wasmpack_kvlist annotations;
} wp_oci_head;

/* Reads the shared fields of root into out (zeroed first; left zeroed on
 * error). Checks first that root is the wanted kind, so a manifest given
 * where an index is expected (or the reverse) is named as such, by its
 * mediaType or, without one, by its shape. */
int wp_oci_head_from_json(wp_oci_head *out, const json_t *root, wp_oci_kind kind, wp_json_ctx *cx);
/* Writes h's fields into root, checking them as parsing does. */
int wp_oci_head_to_json(json_t *root, const wp_oci_head *h, wp_oci_kind kind, wp_json_ctx *cx);
/* Frees what h owns and zeroes it. */
void wp_oci_head_dispose(wp_oci_head *h);

#endif
