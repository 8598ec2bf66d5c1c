/* Internal helpers shared by library modules: checked allocation, files. */
#ifndef WP_UTIL_H
#define WP_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "wasmpack/common.h"

/* strdup that records ENOMEM as the last error; NULL in gives NULL out
 * without an error. */
char *wp_strdup(const char *s);

/* The n bytes at s (which need no NUL among or after them) as a new
 * NUL-terminated string; NULL with the error set when out of memory. */
char *wp_strndup(const char *s, size_t n);

/* Formatted allocation; NULL (with the error set) when out of memory. */
char *wp_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Reads the whole file at path into out (NUL-terminated). Fails with
 * WASMPACK_ETOOLARGE when the file is larger than max bytes. */
int wp_read_file(wasmpack_buf *out, const char *path, size_t max);

/* The same for an open fd, read from where it stands to its end; `shown`
 * names it in errors. The caller keeps and closes fd. */
int wp_read_fd(wasmpack_buf *out, int fd, const char *shown, size_t max);

/* Writes data to path atomically: a temp file in the same directory,
 * fsync, chmod to mode, rename over path. */
int wp_write_file_atomic(const char *path, const void *data, size_t len, unsigned mode);

/* write(2) until done, retrying on EINTR. 0 or -1 with errno set. */
int wp_write_all(int fd, const void *data, size_t len);

/* mkdir -p with mode 0755. */
int wp_mkdirs(const char *path);

#endif
