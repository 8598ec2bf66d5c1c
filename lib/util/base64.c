/* base64 both ways. Decoding counts the input first so a malformed one is
 * refused before anything is allocated. */
#include "util/base64.h"

#include <stdlib.h>
#include <string.h>

#include "util/error.h"

static const char std_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int b64_value(unsigned char c, unsigned flags)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == ((flags & WP_BASE64_URL) ? '-' : '+'))
		return 62;
	if (c == ((flags & WP_BASE64_URL) ? '_' : '/'))
		return 63;
	return -1;
}

int wp_base64_encode(char **out, const void *data, size_t n, unsigned flags)
{
	const unsigned char *in = data;
	const char *abc = (flags & WP_BASE64_URL) ? url_alphabet : std_alphabet;
	int pad = !(flags & WP_BASE64_NOPAD);
	*out = NULL;
	if (n > (((size_t)-1) / 4 - 1) * 3)
		return wp_error(WASMPACK_ETOOLARGE, "cannot encode %zu bytes as base64", n);
	char *o = malloc((n + 2) / 3 * 4 + 1);
	size_t j = 0;
	if (!o)
		return wp_error_nomem();
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		o[j++] = abc[(v >> 18) & 63];
		o[j++] = abc[(v >> 12) & 63];
		if (i + 1 < n)
			o[j++] = abc[(v >> 6) & 63];
		else if (pad)
			o[j++] = '=';
		if (i + 2 < n)
			o[j++] = abc[v & 63];
		else if (pad)
			o[j++] = '=';
	}
	o[j] = '\0';
	*out = o;
	return 0;
}

static int is_newline(unsigned char c, unsigned flags)
{
	return (flags & WP_BASE64_SKIP_NEWLINES) && (c == '\r' || c == '\n');
}

int wp_base64_decode(unsigned char **out, size_t *outlen, const char *s, unsigned flags)
{
	size_t n = strlen(s), data = 0, pad = 0;
	*out = NULL;
	*outlen = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (is_newline(c, flags))
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		if (pad || b64_value(c, flags) < 0)
			return wp_error(WASMPACK_EINVALID, "not valid base64");
		data++;
	}
	/* One leftover character carries only 6 bits: never a whole byte. */
	if (data % 4 == 1 || pad > 2 || (pad && (data + pad) % 4 != 0))
		return wp_error(WASMPACK_EINVALID, "not valid base64");
	unsigned char *o = malloc(data / 4 * 3 + 3);
	if (!o)
		return wp_error_nomem();
	unsigned v = 0;
	size_t bits = 0, j = 0;
	for (size_t i = 0; i < n; i++) {
		int x = b64_value((unsigned char)s[i], flags);
		if (x < 0)
			continue; /* padding or a skipped newline */
		v = (v << 6) | (unsigned)x;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			o[j++] = (unsigned char)(v >> bits);
			v &= (1u << bits) - 1;
		}
	}
	o[j] = '\0';
	*out = o;
	*outlen = j;
	return 0;
}
