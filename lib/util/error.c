/* Thread-local last error and the small shared helpers of common.h. */
#include "util/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WP_ERROR_MAX 1024

static _Thread_local char last_message[WP_ERROR_MAX];
static _Thread_local int last_code;

const char *wasmpack_version(void) { return WASMPACK_VERSION; }

const char *wasmpack_strerror(int code)
{
	switch (code) {
	case WASMPACK_OK: return "success";
	case WASMPACK_ENOMEM: return "out of memory";
	case WASMPACK_EINVALID: return "invalid input";
	case WASMPACK_ENOTFOUND: return "not found";
	case WASMPACK_EEXISTS: return "already exists";
	case WASMPACK_EDIGEST: return "digest mismatch";
	case WASMPACK_EUNSUPPORTED: return "unsupported";
	case WASMPACK_ETOOLARGE: return "too large";
	case WASMPACK_EIO: return "i/o error";
	case WASMPACK_EAUTH: return "authentication failed";
	case WASMPACK_ENETWORK: return "network error";
	case WASMPACK_ELOCKED: return "locked";
	default: return "error";
	}
}

const char *wasmpack_error_last(void) { return last_message; }
int wasmpack_error_last_code(void) { return last_code; }

void wasmpack_error_clear(void)
{
	last_message[0] = '\0';
	last_code = 0;
}

int wp_error(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_message, sizeof(last_message), fmt, ap);
	va_end(ap);
	/* Keep messages on one line whatever the input held. */
	for (char *p = last_message; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	last_code = code;
	return code;
}

int wp_error_prefix(const char *fmt, ...)
{
	char prefix[WP_ERROR_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	size_t plen = n < 0 ? 0 : (size_t)n < sizeof(prefix) ? (size_t)n : sizeof(prefix) - 1;
	size_t olen = strlen(last_message);
	/* Shift the old message right, cutting its end if both do not fit. */
	if (plen + olen >= WP_ERROR_MAX)
		olen = WP_ERROR_MAX - 1 - plen;
	memmove(last_message + plen, last_message, olen);
	memcpy(last_message, prefix, plen);
	last_message[plen + olen] = '\0';
	return last_code ? last_code : WASMPACK_ERROR;
}

int wp_error_nomem(void) { return wp_error(WASMPACK_ENOMEM, "out of memory"); }

int wp_error_os(const char *op, const char *path)
{
	int e = errno;
	int code = WASMPACK_EIO;
	if (e == ENOENT || e == ENOTDIR)
		code = WASMPACK_ENOTFOUND;
	else if (e == ENOMEM)
		code = WASMPACK_ENOMEM;
	else if (e == EEXIST)
		code = WASMPACK_EEXISTS;
	return wp_error(code, "cannot %s '%s': %s", op, path, strerror(e));
}

void wasmpack_buf_dispose(wasmpack_buf *buf)
{
	if (!buf)
		return;
	free(buf->data);
	buf->data = NULL;
	buf->size = 0;
}
