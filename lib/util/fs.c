/* Internal helpers: checked allocation and whole-file reads/writes. */
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/error.h"

char *wp_strdup(const char *s)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		wp_error_nomem();
	return d;
}

char *wp_strndup(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (!d) {
		wp_error_nomem();
		return NULL;
	}
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *wp_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *out = NULL;
	va_start(ap, fmt);
	int n = vasprintf(&out, fmt, ap);
	va_end(ap);
	if (n < 0) {
		wp_error_nomem();
		return NULL;
	}
	return out;
}

int wp_write_all(int fd, const void *data, size_t len)
{
	const unsigned char *p = data;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int wp_read_fd(wasmpack_buf *out, int fd, const char *shown, size_t max)
{
	size_t cap = 4096, len = 0;
	unsigned char *data = malloc(cap + 1);
	int error = 0;
	if (!data)
		return wp_error_nomem();
	for (;;) {
		if (len == cap) {
			if (cap > max) {
				error = wp_error(WASMPACK_ETOOLARGE,
						 "cannot read '%s': larger than %zu bytes", shown,
						 max);
				goto done;
			}
			unsigned char *n = realloc(data, cap * 2 + 1);
			if (!n) {
				error = wp_error_nomem();
				goto done;
			}
			data = n;
			cap *= 2;
		}
		ssize_t r = read(fd, data + len, cap - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			error = wp_error_os("read", shown);
			goto done;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len > max) {
		error = wp_error(WASMPACK_ETOOLARGE, "cannot read '%s': larger than %zu bytes",
				 shown, max);
		goto done;
	}
	data[len] = '\0';
	out->data = data;
	out->size = len;
	data = NULL;
done:
	free(data);
	return error;
}

int wp_read_file(wasmpack_buf *out, const char *path, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return wp_error_os("open", path);
	int error = wp_read_fd(out, fd, path, max);
	close(fd);
	return error;
}

int wp_write_file_atomic(const char *path, const void *data, size_t len, unsigned mode)
{
	int error = 0;
	char *tmp = wp_asprintf("%s.tmp-XXXXXX", path);
	if (!tmp)
		return WASMPACK_ENOMEM;
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		error = wp_error_os("create", tmp);
		free(tmp);
		return error;
	}
	if (fchmod(fd, mode) != 0 || wp_write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		error = wp_error_os("write", tmp);
		close(fd);
		unlink(tmp);
		goto done;
	}
	if (close(fd) != 0) {
		error = wp_error_os("write", tmp);
		unlink(tmp);
		goto done;
	}
	if (rename(tmp, path) != 0) {
		error = wp_error_os("replace", path);
		unlink(tmp);
	}
done:
	free(tmp);
	return error;
}

int wp_mkdirs(const char *path)
{
	char *p = wp_strdup(path);
	if (!p)
		return WASMPACK_ENOMEM;
	int error = 0;
	for (char *s = p + 1;; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(p, 0755) != 0 && errno != EEXIST) {
				error = wp_error_os("create directory", p);
				break;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	free(p);
	return error;
}
