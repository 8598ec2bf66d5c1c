/* Internal: base64 (RFC 4648), standard and URL-safe alphabets. */
#ifndef WP_BASE64_H
#define WP_BASE64_H

#include <stddef.h>

#define WP_BASE64_URL 0x1   /* "-_" instead of "+/" (RFC 4648 section 5) */
#define WP_BASE64_NOPAD 0x2 /* encode: no trailing '=' */
#define WP_BASE64_SKIP_NEWLINES \
	0x4 /* decode: ignore CR and LF, as Go's decoder
				       (which docker uses) does */

/* Encodes n bytes at in. *out is a new NUL-terminated string (caller
 * frees; wipe it first when in was a secret). */
int wp_base64_encode(char **out, const void *in, size_t n, unsigned flags);

/* Strict decode of the NUL-terminated s: only the alphabet of flags,
 * padding optional but, when present, complete and last, no whitespace
 * (but CR/LF with WP_BASE64_SKIP_NEWLINES). *out is a new buffer of
 * *outlen bytes plus a NUL (caller frees). WASMPACK_EINVALID when
 * malformed; the message never quotes s, which may be a secret. */
int wp_base64_decode(unsigned char **out, size_t *outlen, const char *s, unsigned flags);

#endif
