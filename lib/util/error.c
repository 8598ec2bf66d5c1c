/* Thread-local last error (code, reason, HTTP status, registry code,
 * message) and the small shared helpers of common.h. */
#include "util/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local wp_error_state last;

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
	case WASMPACK_EPOLICY: return "refused by policy";
	case WASMPACK_EUSER: return "stopped by a callback";
	default: return "error";
	}
}

const char *wasmpack_error_reason_name(wasmpack_error_reason reason)
{
	switch (reason) {
	case WASMPACK_REASON_NONE: return "none";
	case WASMPACK_REASON_INVALID_ARGUMENT: return "invalid-argument";
	case WASMPACK_REASON_INVALID_INPUT: return "invalid-input";
	case WASMPACK_REASON_NOT_WASM: return "not-wasm";
	case WASMPACK_REASON_FILE_NOT_FOUND: return "file-not-found";
	case WASMPACK_REASON_NOT_A_FILE: return "not-a-file";
	case WASMPACK_REASON_NOT_IN_STORE: return "not-in-store";
	case WASMPACK_REASON_NOT_FOUND_REMOTE: return "not-found-remote";
	case WASMPACK_REASON_DIGEST_MISMATCH: return "digest-mismatch";
	case WASMPACK_REASON_POLICY: return "policy";
	case WASMPACK_REASON_TLS_VERIFY: return "tls-verify";
	case WASMPACK_REASON_TLS: return "tls";
	case WASMPACK_REASON_PLAIN_HTTP_TO_TLS: return "plain-http-to-tls";
	case WASMPACK_REASON_DNS: return "dns";
	case WASMPACK_REASON_CONNECTION_REFUSED: return "connection-refused";
	case WASMPACK_REASON_TIMEOUT: return "timeout";
	case WASMPACK_REASON_CONNECTION: return "connection";
	case WASMPACK_REASON_RATE_LIMITED: return "rate-limited";
	case WASMPACK_REASON_REGISTRY: return "registry";
	case WASMPACK_REASON_NO_CREDENTIALS: return "no-credentials";
	case WASMPACK_REASON_CREDENTIALS_REFUSED: return "credentials-refused";
	case WASMPACK_REASON_DENIED: return "denied";
	case WASMPACK_REASON_CREDENTIAL_HELPER: return "credential-helper";
	case WASMPACK_REASON_OUT_OF_SPACE: return "out-of-space";
	case WASMPACK_REASON_PERMISSION: return "permission";
	case WASMPACK_REASON_LOCKED: return "locked";
	case WASMPACK_REASON_IO: return "io";
	case WASMPACK_REASON_UNSUPPORTED: return "unsupported";
	case WASMPACK_REASON_TOO_LARGE: return "too-large";
	case WASMPACK_REASON_OUT_OF_MEMORY: return "out-of-memory";
	case WASMPACK_REASON_CALLBACK: return "callback";
	}
	return "unknown";
}

wasmpack_error_reason wp_error_default_reason(int code)
{
	switch (code) {
	case WASMPACK_ENOMEM: return WASMPACK_REASON_OUT_OF_MEMORY;
	case WASMPACK_EINVALID: return WASMPACK_REASON_INVALID_INPUT;
	case WASMPACK_EDIGEST: return WASMPACK_REASON_DIGEST_MISMATCH;
	case WASMPACK_EUNSUPPORTED: return WASMPACK_REASON_UNSUPPORTED;
	case WASMPACK_ETOOLARGE: return WASMPACK_REASON_TOO_LARGE;
	case WASMPACK_EIO: return WASMPACK_REASON_IO;
	case WASMPACK_ELOCKED: return WASMPACK_REASON_LOCKED;
	case WASMPACK_EPOLICY: return WASMPACK_REASON_POLICY;
	case WASMPACK_EUSER: return WASMPACK_REASON_CALLBACK;
	default: return WASMPACK_REASON_NONE;
	}
}

const char *wasmpack_error_last(void) { return last.message; }
int wasmpack_error_last_code(void) { return last.code; }

const wasmpack_error_info *wasmpack_error_last_info(void)
{
	static _Thread_local wasmpack_error_info info;
	info.code = last.code;
	info.reason = last.reason;
	info.http_status = last.http_status;
	info.registry_code = last.registry_code;
	info.message = last.message;
	return &info;
}

void wasmpack_error_clear(void) { memset(&last, 0, sizeof(last)); }

/* Keeps messages on one line whatever the input held. */
static void one_line(char *s)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '\r')
			*s = ' ';
}

static int verror(int code, wasmpack_error_reason reason, const char *fmt, va_list ap)
{
	vsnprintf(last.message, sizeof(last.message), fmt, ap);
	one_line(last.message);
	last.code = code;
	last.reason = reason;
	last.http_status = 0;
	last.registry_code[0] = '\0';
	last.user_set = 0;
	return code;
}

int wp_error(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verror(code, wp_error_default_reason(code), fmt, ap);
	va_end(ap);
	return code;
}

int wp_error_why(int code, wasmpack_error_reason reason, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verror(code, reason, fmt, ap);
	va_end(ap);
	return code;
}

int wp_error_arg(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verror(WASMPACK_EINVALID, WASMPACK_REASON_INVALID_ARGUMENT, fmt, ap);
	va_end(ap);
	return WASMPACK_EINVALID;
}

int wp_error_set_reason(int code, wasmpack_error_reason reason)
{
	if (code)
		last.code = code;
	last.reason = reason;
	return last.code;
}

void wp_error_set_http(long status, const char *registry_code)
{
	last.http_status = status;
	snprintf(last.registry_code, sizeof(last.registry_code), "%s",
		 registry_code ? registry_code : "");
}

int wasmpack_error_set_str(int code, wasmpack_error_reason reason, const char *message)
{
	if (code >= 0)
		code = WASMPACK_EUSER;
	snprintf(last.message, sizeof(last.message), "%s", message ? message : "");
	one_line(last.message);
	last.code = code;
	last.reason = reason;
	last.http_status = 0;
	last.registry_code[0] = '\0';
	last.user_set = 1;
	return code;
}

int wp_error_from_callback(int rc, const char *what)
{
	/* Set through wasmpack_error_set_str, or by a libwasmpack call that
	 * failed inside the callback and whose code it passed on. */
	if (last.code && (last.user_set || (rc < 0 && last.code == rc))) {
		/* Used up: a later callback that sets nothing gets its own. */
		last.user_set = 0;
		return last.code;
	}
	/* A WASMPACK_E* code the callback chose stays its answer. */
	int code = rc < 0 && rc >= WASMPACK_EUSER ? rc : WASMPACK_EUSER;
	return wp_error_why(code, WASMPACK_REASON_CALLBACK, "%s failed (callback returned %d)",
			    what, rc);
}

int wp_error_prefix(const char *fmt, ...)
{
	char prefix[WP_ERROR_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	size_t plen = n < 0 ? 0 : (size_t)n < sizeof(prefix) ? (size_t)n : sizeof(prefix) - 1;
	size_t olen = strlen(last.message);
	/* Shift the old message right, cutting its end if both do not fit. */
	if (plen + olen >= WP_ERROR_MAX)
		olen = WP_ERROR_MAX - 1 - plen;
	memmove(last.message + plen, last.message, olen);
	memcpy(last.message, prefix, plen);
	last.message[plen + olen] = '\0';
	one_line(last.message);
	if (!last.code)
		last.code = WASMPACK_ERROR;
	return last.code;
}

int wp_error_is_transport(void)
{
	switch (last.reason) {
	case WASMPACK_REASON_TLS_VERIFY:
	case WASMPACK_REASON_TLS:
	case WASMPACK_REASON_PLAIN_HTTP_TO_TLS:
	case WASMPACK_REASON_DNS:
	case WASMPACK_REASON_CONNECTION_REFUSED: return 1;
	default: return 0;
	}
}

int wp_error_nomem(void) { return wp_error(WASMPACK_ENOMEM, "out of memory"); }

int wp_error_os(const char *op, const char *path)
{
	int e = errno;
	int code = WASMPACK_EIO;
	wasmpack_error_reason reason = WASMPACK_REASON_IO;
	switch (e) {
	case ENOENT:
	case ENOTDIR:
		code = WASMPACK_ENOTFOUND;
		reason = WASMPACK_REASON_FILE_NOT_FOUND;
		break;
	case ENOMEM:
		code = WASMPACK_ENOMEM;
		reason = WASMPACK_REASON_OUT_OF_MEMORY;
		break;
	case EEXIST:
		code = WASMPACK_EEXISTS;
		reason = WASMPACK_REASON_NONE;
		break;
	case ENOSPC:
	case EDQUOT: reason = WASMPACK_REASON_OUT_OF_SPACE; break;
	case EACCES:
	case EPERM:
	case EROFS: reason = WASMPACK_REASON_PERMISSION; break;
	case EISDIR:
		code = WASMPACK_EINVALID;
		reason = WASMPACK_REASON_NOT_A_FILE;
		break;
	default: break;
	}
	return wp_error_why(code, reason, "cannot %s '%s': %s", op, path, strerror(e));
}

void wp_error_save(wp_error_state *out) { *out = last; }

int wp_error_restore(const wp_error_state *s)
{
	last = *s;
	return last.code;
}

void wasmpack_buf_dispose(wasmpack_buf *buf)
{
	if (!buf)
		return;
	free(buf->data);
	buf->data = NULL;
	buf->size = 0;
}
