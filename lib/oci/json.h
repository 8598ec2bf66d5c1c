/* Internal JSON helpers over jansson: strict bounded parsing, canonical
 * output, and typed readers/writers whose errors name the document and the
 * field, e.g. "invalid manifest: layers[1].size: expected an integer >= 0,
 * got -1". Every reader and writer returns 0 or a negative WASMPACK_E*
 * code with the last error set. */
#ifndef WP_JSON_H
#define WP_JSON_H

#include <jansson.h>

#include "wasmpack/common.h"
#include "wasmpack/oci.h"

/* Parses len bytes at data as one JSON document whose top level is an
 * object. Duplicate keys (at any depth), trailing bytes, invalid UTF-8 and
 * "\u0000" are rejected. `what` names the document in messages
 * ("manifest"). More than max bytes fails with WASMPACK_ETOOLARGE before
 * parsing; malformed JSON fails with WASMPACK_EINVALID and a message
 * "invalid WHAT: malformed json at line L, column C: TEXT". On success
 * *out is a new reference the caller json_decref()s. */
int wp_json_parse(json_t **out, const void *data, size_t len, size_t max, const char *what);

/* The same for a document whose top level is an array (Docker's
 * manifest.json in a saved archive). */
int wp_json_parse_array(json_t **out, const void *data, size_t len, size_t max, const char *what);

/* 1 when the len bytes at data are only JSON whitespace (or none): an
 * empty document, which some files (config.json) read as {}. */
int wp_json_blank(const void *data, size_t len);

/* Emits j compactly with sorted keys (the canonical form the product
 * writes) into out, NUL-terminated; the caller disposes out. j must be an
 * object or an array. */
int wp_json_dump(wasmpack_buf *out, const json_t *j);

/* Where a reader or writer is in a document, for error messages: the
 * document's name and a path such as "layers[1].platform". Readers take
 * the path of the object they read from and append the key themselves. */
#define WP_JSON_PATH_MAX 256
typedef struct wp_json_ctx {
	const char *what;            /* "manifest", "index", "image config" */
	char path[WP_JSON_PATH_MAX]; /* "" at the top level */
	size_t len;
} wp_json_ctx;

/* Starts at the top level of the document named `what` (borrowed; must
 * outlive cx). */
void wp_json_ctx_init(wp_json_ctx *cx, const char *what);

/* Descend into a member ("a" -> "a.key") or an element ("a" -> "a[3]").
 * Each returns a mark for wp_json_ctx_pop(). A path longer than
 * WP_JSON_PATH_MAX is cut, never overflowed. */
size_t wp_json_ctx_push_key(wp_json_ctx *cx, const char *key);
size_t wp_json_ctx_push_index(wp_json_ctx *cx, size_t index);
/* Returns to the path a push returned the mark of. */
void wp_json_ctx_pop(wp_json_ctx *cx, size_t mark);

/* Records WASMPACK_EINVALID with "invalid WHAT: PATH.KEY: MESSAGE" (key may
 * be NULL to name the current path itself; at the top level with no key
 * the message follows "invalid WHAT: " directly) and returns
 * WASMPACK_EINVALID. */
int wp_json_error(const wp_json_ctx *cx, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "a string", "an integer", "null", ... for messages. Never NULL. */
const char *wp_json_type_name(const json_t *j);

/* Reader flags. Without WP_JSON_REQUIRED a missing member or a JSON null
 * reads as absent (Go-written documents use null for empty fields). */
#define WP_JSON_REQUIRED 1u

/* Typed member readers. obj must be a JSON object. When the member is
 * absent (optional only) the output is NULL / empty / left untouched as
 * each says; a member of the wrong type fails with "expected X, got Y".
 * A required member that is missing fails with "PATH.KEY: missing". */

/* *out borrows the string from obj, or NULL when absent. */
int wp_json_get_string(const char **out, const json_t *obj, const char *key, unsigned flags,
		       wp_json_ctx *cx);
/* *out is a new copy (caller frees), or NULL when absent. */
int wp_json_get_string_dup(char **out, const json_t *obj, const char *key, unsigned flags,
			   wp_json_ctx *cx);
/* An integer (reals are refused) within [min, max]. *out is set only when
 * the member is present; *present (may be NULL) says whether it was. */
int wp_json_get_int(int64_t *out, int *present, const json_t *obj, const char *key, int64_t min,
		    int64_t max, unsigned flags, wp_json_ctx *cx);
/* *out borrows the object / array from obj, or NULL when absent. */
int wp_json_get_object(const json_t **out, const json_t *obj, const char *key, unsigned flags,
		       wp_json_ctx *cx);
int wp_json_get_array(const json_t **out, const json_t *obj, const char *key, unsigned flags,
		      wp_json_ctx *cx);
/* An array of strings copied into *out, which must be empty; absent and
 * null leave it empty. On error *out is left empty. */
int wp_json_get_strv(wasmpack_strv *out, const json_t *obj, const char *key, unsigned flags,
		     wp_json_ctx *cx);
/* An object of string values copied into *out (in document order), which
 * must be empty; absent and null leave it empty. Linear in the number of
 * members: keys are already unique because parsing rejects duplicates. On
 * error *out is left empty. */
int wp_json_get_kvlist(wasmpack_kvlist *out, const json_t *obj, const char *key, unsigned flags,
		       wp_json_ctx *cx);

/* Member writers for building documents to serialize. Each checks that
 * strings are valid UTF-8 (WASMPACK_EINVALID naming cx's path and key)
 * and reports allocation failure as WASMPACK_ENOMEM. */

/* Sets obj[key] to the string value; does nothing when value is NULL. */
int wp_json_set_string(json_t *obj, const char *key, const char *value, wp_json_ctx *cx);
/* Sets obj[key] to value, stealing the reference. value may be NULL, as
 * returned by a failed json_*() constructor: that is out of memory. */
int wp_json_set_new(json_t *obj, const char *key, json_t *value);
/* Appends value to arr, stealing the reference; NULL value = no memory. */
int wp_json_append_new(json_t *arr, json_t *value);
/* Writer flag: write an empty list as [] / {} instead of leaving it out. */
#define WP_JSON_KEEP_EMPTY 2u
/* Sets obj[key] to an array of v's strings; an empty v is left out unless
 * flags has WP_JSON_KEEP_EMPTY. */
int wp_json_set_strv(json_t *obj, const char *key, const wasmpack_strv *v, unsigned flags,
		     wp_json_ctx *cx);
/* Sets obj[key] to an object of l's pairs; an empty l is left out unless
 * flags has WP_JSON_KEEP_EMPTY. A key repeated in l is an error. */
int wp_json_set_kvlist(json_t *obj, const char *key, const wasmpack_kvlist *l, unsigned flags,
		       wp_json_ctx *cx);

#endif
