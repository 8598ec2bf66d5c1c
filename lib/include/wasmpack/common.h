/* Shared basics of the libwasmpack API: export macro, version, error codes,
 * owned byte buffers and the key/value lists used for annotations.
 *
 * What holds for every function of the library, unless its comment says
 * otherwise:
 * - Errors: 0 on success, else a negative WASMPACK_E* code, with a
 *   one-line message in wasmpack_error_last() of the calling thread.
 *   Zero output structs (= {0}, or their *_INIT) and output pointers (=
 *   NULL) before a call; then disposing of them afterwards is right
 *   whether the call succeeded or failed.
 * - Ownership: "new" or "the caller frees/disposes" means the caller owns
 *   the result and releases it with the function named; "borrowed" means
 *   it stays valid while what it came from lives unchanged. Input
 *   arguments are only read during the call; nothing keeps them after it
 *   returns, except the strings of an options struct that say they must
 *   outlive the object made from it. Free functions are NULL-safe.
 * - Threads: functions may be called from several threads at once on
 *   different objects. One object (store, blob writer, hasher, reference,
 *   manifest, buffer, list ...) is used by one thread at a time; a registry
 *   client is the exception and may be shared. Functions that only read
 *   const inputs (parsing, formatting, digests, wasmpack_strerror,
 *   wasmpack_version) may run on shared inputs at once. Callbacks run on
 *   the threads their function's comment names.
 * - No global set-up call is needed: the first registry client
 *   initialises libcurl (curl_global_init, reference-counted). A program
 *   that also uses libcurl itself should call curl_global_init() first,
 *   before it starts threads.
 * - The library never prints, exits or aborts; out of memory is
 *   WASMPACK_ENOMEM.
 * - Results: bytes (JSON, blobs, lists) come in a wasmpack_buf (its size
 *   says where they end; wasmpack_buf_dispose frees it). Short text
 *   results (a formatted reference, a media type, a path, a helper name)
 *   come as a NUL-terminated `char *` freed with free(): they are names
 *   used as C strings at once, and the library and its caller share the
 *   one C library of the platform (it targets POSIX systems only).
 *
 * ABI: which structs are whose, and how they grow.
 * - Opaque handles (wasmpack_store, wasmpack_registry, wasmpack_sha256,
 *   wasmpack_blob_writer) are allocated and freed by the library only;
 *   their size is not part of the ABI. So are the structs the library
 *   returns by pointer with fields to read (wasmpack_reference,
 *   wasmpack_manifest, wasmpack_index, wasmpack_image_config,
 *   wasmpack_wasm): callers read them, never allocate or copy them, and
 *   new fields go at their end.
 * - Options structs (wasmpack_*_options) are allocated by the caller and
 *   only read by the library. Their first field is `version`; new fields
 *   go at the end, each addition bumps WASMPACK_*_OPTIONS_VERSION, and the
 *   library accepts every version from 1 to its own, reading no field a
 *   version did not have. Set them with the positional *_OPTIONS_INIT
 *   macros (valid C and C++ of any age) or, from other languages, with
 *   wasmpack_*_options_init(opts, version). An options struct embedded in
 *   another (registry options in transfer options) grows only together
 *   with it.
 * - Result structs (wasmpack_*_result, wasmpack_descriptor, wasmpack_buf,
 *   wasmpack_kvlist, wasmpack_error_info ...) are allocated by the caller
 *   (zeroed), filled by the library and freed with their _dispose
 *   function; new fields go at the end in a new major version only. */
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
#define WASMPACK_VERSION_NUMBER \
	((WASMPACK_VERSION_MAJOR << 16) | (WASMPACK_VERSION_MINOR << 8) | WASMPACK_VERSION_PATCH)

/* Every function that can fail returns 0 on success or one of these
 * negative codes; wasmpack_error_last() then holds a one-line message and
 * wasmpack_error_last_info() the reason behind it. The code says what kind
 * of failure it was; the reason says why, finely enough for a program to
 * choose what to tell its user (see wasmpack_error_reason). */
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
	WASMPACK_EPOLICY = -13,     /* refused by a policy the caller set */
	WASMPACK_EUSER = -14,       /* a callback of the caller's asked to stop */
} wasmpack_error_code;

/* Why an error happened, beside its code. New reasons may be added at the
 * end in later versions: treat an unknown value as WASMPACK_REASON_NONE. */
typedef enum wasmpack_error_reason {
	WASMPACK_REASON_NONE = 0,          /* nothing more specific than the code */
	WASMPACK_REASON_INVALID_ARGUMENT,  /* an argument or option of the caller */
	WASMPACK_REASON_INVALID_INPUT,     /* malformed data: module, manifest, archive, answer */
	WASMPACK_REASON_NOT_WASM,          /* an image, layer or file that holds no wasm */
	WASMPACK_REASON_FILE_NOT_FOUND,    /* a local file or directory the caller named */
	WASMPACK_REASON_NOT_A_FILE,        /* a directory or special file where a file was wanted */
	WASMPACK_REASON_NOT_IN_STORE,      /* an image, tag or blob the local store lacks */
	WASMPACK_REASON_NOT_FOUND_REMOTE,  /* the registry has no such repository, tag or blob */
	WASMPACK_REASON_DIGEST_MISMATCH,   /* bytes that do not hash to their digest */
	WASMPACK_REASON_POLICY,            /* refused by a policy (denied capabilities) */
	WASMPACK_REASON_TLS_VERIFY,        /* the server's certificate is not trusted */
	WASMPACK_REASON_TLS,               /* another TLS failure (handshake, protocol) */
	WASMPACK_REASON_PLAIN_HTTP_TO_TLS, /* plain http sent to a server that speaks TLS */
	WASMPACK_REASON_DNS,               /* the host name does not resolve */
	WASMPACK_REASON_CONNECTION_REFUSED, /* nothing listens at the address */
	WASMPACK_REASON_TIMEOUT,            /* the peer stopped answering */
	WASMPACK_REASON_CONNECTION,         /* another transport failure (reset, closed) */
	WASMPACK_REASON_RATE_LIMITED,       /* 429: the registry's limit is reached */
	WASMPACK_REASON_REGISTRY,           /* the registry failed or answered wrongly (5xx, ...) */
	WASMPACK_REASON_NO_CREDENTIALS,     /* the registry wants a login and none is stored */
	WASMPACK_REASON_CREDENTIALS_REFUSED, /* the registry refused the credentials sent */
	WASMPACK_REASON_DENIED,              /* logged in, but not allowed to do this */
	WASMPACK_REASON_CREDENTIAL_HELPER,   /* a docker-credential-* helper failed */
	WASMPACK_REASON_OUT_OF_SPACE,        /* the disk or quota is full */
	WASMPACK_REASON_PERMISSION,          /* the file system refused access */
	WASMPACK_REASON_LOCKED,              /* another process holds the store's lock */
	WASMPACK_REASON_IO,                  /* another local file system failure */
	WASMPACK_REASON_UNSUPPORTED,         /* valid, but not supported here */
	WASMPACK_REASON_TOO_LARGE,           /* over a size or count limit */
	WASMPACK_REASON_OUT_OF_MEMORY,       /* an allocation failed */
	WASMPACK_REASON_CALLBACK,            /* a callback of the caller's failed */
} wasmpack_error_reason;

/* Everything known about the last error of a thread. */
typedef struct wasmpack_error_info {
	int code;                     /* a WASMPACK_E* code, or 0 */
	wasmpack_error_reason reason; /* why; WASMPACK_REASON_NONE when not known */
	long http_status;             /* the registry's HTTP status, or 0 */
	const char *registry_code;    /* the registry's error code ("MANIFEST_UNKNOWN"), or "" */
	const char *message;          /* the one-line message, or "" */
} wasmpack_error_info;

/* Library version string, e.g. "0.1.0": the version of the library
 * running, which may differ from the WASMPACK_VERSION of the headers a
 * program was built with. Static storage; never free it. Any thread. */
WASMPACK_EXTERN const char *wasmpack_version(void);

/* Short static description of an error code ("not found"). Never NULL.
 * Any thread. */
WASMPACK_EXTERN const char *wasmpack_strerror(int code);

/* The message of the last failing call on this thread, or "" if none.
 * Borrowed: valid until the next libwasmpack call on this thread. */
WASMPACK_EXTERN const char *wasmpack_error_last(void);

/* The code that went with wasmpack_error_last() (this thread), or 0. */
WASMPACK_EXTERN int wasmpack_error_last_code(void);

/* Forgets the last error of this thread. */
WASMPACK_EXTERN void wasmpack_error_clear(void);

/* The last error of this thread with its reason, HTTP status and registry
 * error code. Never NULL; borrowed, thread-local storage that the next
 * libwasmpack call on this thread may change: copy what must be kept. */
WASMPACK_EXTERN const wasmpack_error_info *wasmpack_error_last_info(void);

/* A stable lowercase name for a reason ("tls-verify", "not-in-store"), for
 * logs and JSON output. Static storage; "unknown" for values it does not
 * know. Any thread. */
WASMPACK_EXTERN const char *wasmpack_error_reason_name(wasmpack_error_reason reason);

/* For callbacks (sinks, progress, credential prompts) that fail: records
 * `message` as this thread's last error with `code` (WASMPACK_EUSER when 0)
 * and `reason`, and returns the code, so a callback can end with
 * `return wasmpack_error_set_str(0, WASMPACK_REASON_CALLBACK, "...")`.
 * The library function that called the callback then returns that code
 * with that message, prefixed only by what it was doing. A callback that
 * returns non-zero without calling this gets a generic message, and its
 * own return value as the code when that is a WASMPACK_E* code, else
 * WASMPACK_EUSER. The message is copied (cut at 1023 bytes, newlines replaced). */
WASMPACK_EXTERN int wasmpack_error_set_str(int code, wasmpack_error_reason reason,
					   const char *message);

/* Bytes handed to the caller. The caller owns `data` and releases it with
 * wasmpack_buf_dispose(); `data` is NUL-terminated one past `size` so JSON
 * and text can be used as C strings. */
typedef struct wasmpack_buf {
	unsigned char *data;
	size_t size;
} wasmpack_buf;

#define WASMPACK_BUF_INIT \
	{                 \
		NULL, 0   \
	}

/* Frees buf->data and zeroes the struct. NULL-safe; idempotent. */
WASMPACK_EXTERN void wasmpack_buf_dispose(wasmpack_buf *buf);

/* Receives output bytes, borrowed for the call; returns 0, or a negative
 * WASMPACK_E* code (with the error set, see wasmpack_error_set_str) to
 * stop the writer. Called on the thread of the function it was given to.
 * Layers, blobs, registry downloads and modules are all written through
 * one of these. */
typedef int (*wasmpack_write_cb)(const void *data, size_t len, void *payload);

/* A string array owned by its container (image config fields, tag lists). */
typedef struct wasmpack_strv {
	char **items;
	size_t count;
} wasmpack_strv;

#define WASMPACK_STRV_INIT \
	{                  \
		NULL, 0    \
	}

/* Appends a copy of s. On failure (WASMPACK_ENOMEM) v is unchanged. */
WASMPACK_EXTERN int wasmpack_strv_push(wasmpack_strv *v, const char *s);
/* Frees the strings and the array; zeroes v. NULL-safe. */
WASMPACK_EXTERN void wasmpack_strv_dispose(wasmpack_strv *v);

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

#define WASMPACK_KVLIST_INIT \
	{                    \
		NULL, 0      \
	}

/* Sets key to a copy of value, replacing an existing entry of the same key.
 * The list keeps its own copies of both strings; key and value stay the
 * caller's. On failure (WASMPACK_ENOMEM) the list is unchanged. */
WASMPACK_EXTERN int wasmpack_kvlist_set(wasmpack_kvlist *list, const char *key, const char *value);

/* The value stored under key, borrowed from the list, or NULL. */
WASMPACK_EXTERN const char *wasmpack_kvlist_get(const wasmpack_kvlist *list, const char *key);

/* Frees every string and the array, and zeroes the list. NULL-safe. */
WASMPACK_EXTERN void wasmpack_kvlist_dispose(wasmpack_kvlist *list);

#ifdef __cplusplus
}
#endif
#endif
