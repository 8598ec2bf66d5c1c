/* Internal: setting the thread-local last error from library code. */
#ifndef WP_ERROR_H
#define WP_ERROR_H

#include "wasmpack/common.h"

/* Records a printf-style one-line message with `code` as the last error of
 * this thread and returns `code`, so callers can `return wp_error(...)`. */
int wp_error(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prefixes the current last message with a formatted context
 * ("cannot build 'x': " + old) and returns the current code. */
int wp_error_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Shorthand for the out-of-memory error. */
int wp_error_nomem(void);

/* Maps errno from a failed system call on `path` to an error code and
 * message "cannot OP 'path': strerror". Returns the code. */
int wp_error_os(const char *op, const char *path);

#endif
