/* Internal: setting the thread-local last error from library code. Every
 * error has a code (what kind), a reason (why: wasmpack_error_reason), and
 * where a registry answered, its HTTP status and error code. Messages
 * state facts; advice is the caller's business (the CLI maps reasons to
 * hints), so no message here says what the user should do. */
#ifndef WP_ERROR_H
#define WP_ERROR_H

#include "wasmpack/common.h"

#define WP_ERROR_MAX 1024

/* Records a printf-style one-line message with `code` as the last error of
 * this thread and returns `code`, so callers can `return wp_error(...)`.
 * The reason is the default for the code (wp_error_default_reason); the
 * HTTP status and registry code are cleared. */
int wp_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* As wp_error, with an explicit reason. */
int wp_error_why(int code, wasmpack_error_reason reason, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* WASMPACK_EINVALID with WASMPACK_REASON_INVALID_ARGUMENT: for a bad
 * argument or option of the caller's (a NULL, an unknown options version),
 * not for malformed data. */
int wp_error_arg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The reason an error of `code` has when nothing more is known. */
wasmpack_error_reason wp_error_default_reason(int code);

/* Changes the reason (and, when code != 0, the code) of the current last
 * error, keeping its message. Returns the code now recorded. */
int wp_error_set_reason(int code, wasmpack_error_reason reason);

/* Attaches the registry's HTTP status and error code (may be NULL) to the
 * current last error. */
void wp_error_set_http(long status, const char *registry_code);

/* Prefixes the current last message with a formatted context
 * ("cannot build 'x': " + old) and returns the current code (WASMPACK_ERROR
 * when none was set). Reason, status and registry code are kept. */
int wp_error_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* 1 when the last error is a failure to reach the server at all (DNS,
 * connection refused, TLS set-up): its message names the address tried,
 * so the registry layer adds no "cannot get manifest ..." in front of it
 * and the caller's operation prefix ("cannot push ...") reads straight
 * into it. A connection lost or timed out mid-transfer keeps the object's
 * prefix. Else 0. */
int wp_error_is_transport(void);

/* Shorthand for the out-of-memory error. */
int wp_error_nomem(void);

/* Maps errno from a failed system call on `path` to a code and reason
 * (ENOENT: not found; ENOSPC/EDQUOT: out of space; EACCES/EPERM:
 * permission; EISDIR: not a file; ...) with the message
 * "cannot OP 'path': strerror". Returns the code. */
int wp_error_os(const char *op, const char *path);

/* The whole last error of a thread, to carry it to another thread (worker
 * threads hand theirs to the thread that reports) or to keep it across
 * calls that may overwrite it. */
typedef struct wp_error_state {
	int code;
	wasmpack_error_reason reason;
	long http_status;
	int user_set; /* set through wasmpack_error_set_str */
	char registry_code[64];
	char message[WP_ERROR_MAX];
} wp_error_state;

void wp_error_save(wp_error_state *out);
/* Makes `s` this thread's last error again; returns its code. */
int wp_error_restore(const wp_error_state *s);

/* After a callback returned rc != 0: keeps the error the callback set with
 * wasmpack_error_set_str, or the one a library call inside it recorded when
 * the callback returned that call's code (the library's own sinks, such as
 * wasmpack_blob_writer_sink, do that); else records "WHAT failed (callback
 * returned RC)" with reason CALLBACK and RC as the code when it is a
 * WASMPACK_E* code, else WASMPACK_EUSER. Returns the code the library function
 * should return. */
int wp_error_from_callback(int rc, const char *what);

#endif
