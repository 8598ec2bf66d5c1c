/* Shared basics of the libwasmpack API: export macro, version, error codes,
 * owned byte buffers and the key/value lists used for annotations. */
#ifndef WASMPACK_COMMON_H
#define WASMPACK_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define WASMPACK_EXTERN __attribute__((visibility("default")))
#else
#define WASMPACK_EXTERN
#endif

#define WASMPACK_VERSION_MAJOR 0
#define WASMPACK_VERSION_MINOR 1
#define WASMPACK_VERSION_PATCH 0
#define WASMPACK_VERSION "0.1.0"
/* Comparable number: 0xMMmmpp. */
#define WASMPACK_VERSION_NUMBER                                                \
	((WASMPACK_VERSION_MAJOR << 16) | (WASMPACK_VERSION_MINOR << 8) |      \
	 WASMPACK_VERSION_PATCH)

/* Every function that can fail returns 0 on success or one of these
 * negative codes; wasmpack_error_last() then holds a one-line message. */
typedef enum wasmpack_error_code {
	WASMPACK_OK = 0,
	WASMPACK_ERROR = -1,        /* generic failure */
	WASMPACK_ENOMEM = -2,       /* out of memory */
	WASMPACK_EINVALID = -3,     /* invalid argument or malformed input */
	WASMPACK_ENOTFOUND = -4,    /* no such blob, tag, image or file */
	WASMPACK_EEXISTS = -5,      /* already exists */
	WASMPACK_EDIGEST = -6,      /* content does not match its digest */
	WASMPACK_EUNSUPPORTED = -7, /* valid but not supported here */
	WASMPACK_ETOOLARGE = -8,    /* over a size or count limit */
	WASMPACK_EIO = -9,          /* local file system failure */
	WASMPACK_EAUTH = -10,       /* authentication or authorization refused */
	WASMPACK_ENETWORK = -11,    /* network or registry unavailable */
	WASMPACK_ELOCKED = -12,     /* a lock could not be taken */
} wasmpack_error_code;

/* Library version string, e.g. "0.1.0". Static storage; never free it. */
WASMPACK_EXTERN const char *wasmpack_version(void);

/* Short static description of an error code ("not found"). Never NULL. */
WASMPACK_EXTERN const char *wasmpack_strerror(int code);

/* The message of the last failing call on this thread, or "" if none.
 * Borrowed: valid until the next libwasmpack call on this thread. */
WASMPACK_EXTERN const char *wasmpack_error_last(void);

/* The code that went with wasmpack_error_last(), or 0. */
WASMPACK_EXTERN int wasmpack_error_last_code(void);

/* Forget the last error of this thread. */
WASMPACK_EXTERN void wasmpack_error_clear(void);

/* Bytes handed to the caller. The caller owns `data` and releases it with
 * wasmpack_buf_dispose(); `data` is NUL-terminated one past `size` so JSON
 * and text can be used as C strings. */
typedef struct wasmpack_buf {
	unsigned char *data;
	size_t size;
} wasmpack_buf;

#define WASMPACK_BUF_INIT {NULL, 0}

/* Frees buf->data and zeroes the struct. NULL-safe; idempotent. */
WASMPACK_EXTERN void wasmpack_buf_dispose(wasmpack_buf *buf);

/* One key/value pair; both strings are NUL-terminated UTF-8. */
typedef struct wasmpack_kv {
	char *key;
	char *value;
} wasmpack_kv;

/* An ordered list of pairs with unique keys (annotations, labels). When the
 * library returns one it owns the strings; free it with
 * wasmpack_kvlist_dispose(). */
typedef struct wasmpack_kvlist {
	wasmpack_kv *items;
	size_t count;
} wasmpack_kvlist;

#define WASMPACK_KVLIST_INIT {NULL, 0}

/* Sets key to a copy of value, replacing an existing entry of the same key.
 * The list keeps its own copies of both strings. */
WASMPACK_EXTERN int wasmpack_kvlist_set(wasmpack_kvlist *list, const char *key,
					const char *value);

/* The value stored under key, borrowed from the list, or NULL. */
WASMPACK_EXTERN const char *wasmpack_kvlist_get(const wasmpack_kvlist *list,
						const char *key);

/* Frees every string and the array, and zeroes the list. NULL-safe. */
WASMPACK_EXTERN void wasmpack_kvlist_dispose(wasmpack_kvlist *list);

#ifdef __cplusplus
}
#endif
#endif
