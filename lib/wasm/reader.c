/* Bounds-checked reading of WebAssembly primitives: bytes, LEB128, names. */
#include "wasm/reader.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

void wp_cursor_init(wp_cursor *c, const void *data, size_t len, uint64_t base)
{
	c->start = data;
	c->p = data;
	c->end = c->start + len;
	c->base = base;
}

uint64_t wp_cursor_offset(const wp_cursor *c) { return c->base + (uint64_t)(c->p - c->start); }

size_t wp_cursor_left(const wp_cursor *c) { return (size_t)(c->end - c->p); }

int wp_wasm_fail(uint64_t offset, const char *what)
{
	return wp_error(WASMPACK_EINVALID, "invalid wasm at offset 0x%" PRIx64 ": %s", offset,
			what);
}

int wp_cursor_byte(wp_cursor *c, uint8_t *out)
{
	if (c->p >= c->end)
		return wp_wasm_fail(wp_cursor_offset(c), "unexpected end");
	*out = *c->p++;
	return 0;
}

int wp_cursor_bytes(wp_cursor *c, size_t n, const unsigned char **out)
{
	if (n > wp_cursor_left(c))
		return wp_wasm_fail(wp_cursor_offset(c), "unexpected end");
	*out = c->p;
	c->p += n;
	return 0;
}

/* Unsigned LEB128 of at most `bits` bits: ceil(bits/7) bytes at most, and
 * the last byte may not carry bits beyond `bits` (the spec forbids them
 * even though a shorter encoding would mean the same). */
static int read_uleb(wp_cursor *c, unsigned bits, uint64_t *out)
{
	const unsigned char *p = c->p;
	unsigned max_bytes = (bits + 6) / 7;
	uint64_t value = 0;
	for (unsigned i = 0;; i++) {
		if (p >= c->end)
			return wp_wasm_fail(wp_cursor_offset(c),
					    "unexpected end in LEB128 integer");
		uint8_t b = *p++;
		unsigned shift = 7 * i;
		if (i == max_bytes - 1) {
			unsigned used = bits - shift; /* value bits in this byte */
			if (b & 0x80)
				return wp_wasm_fail(wp_cursor_offset(c), "LEB128 integer too long");
			if (b >> used)
				return wp_wasm_fail(wp_cursor_offset(c),
						    "LEB128 integer too large");
		}
		value |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
	}
	c->p = p;
	*out = value;
	return 0;
}

int wp_cursor_u32(wp_cursor *c, uint32_t *out)
{
	uint64_t v = 0;
	int error = read_uleb(c, 32, &v);
	if (!error)
		*out = (uint32_t)v;
	return error;
}

int wp_cursor_u64(wp_cursor *c, uint64_t *out) { return read_uleb(c, 64, out); }

int wp_cursor_s33(wp_cursor *c, int64_t *out)
{
	const unsigned char *p = c->p;
	uint64_t value = 0;
	unsigned shift = 0;
	uint8_t b = 0;
	for (unsigned i = 0;; i++) {
		if (p >= c->end)
			return wp_wasm_fail(wp_cursor_offset(c),
					    "unexpected end in LEB128 integer");
		b = *p++;
		if (i == 4) {
			/* 28 bits so far; this byte holds bits 28..32 with
			 * bit 4 the sign, so bits 5..6 must repeat it. */
			if (b & 0x80)
				return wp_wasm_fail(wp_cursor_offset(c), "LEB128 integer too long");
			uint8_t high = b & 0x70;
			if (high != 0 && high != 0x70)
				return wp_wasm_fail(wp_cursor_offset(c),
						    "LEB128 integer too large");
		}
		value |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			break;
	}
	if (shift < 64 && (b & 0x40))
		value |= ~(uint64_t)0 << shift;
	c->p = p;
	/* Two's complement reinterpretation; the value fits in 33 bits. */
	*out = value > INT64_MAX ? -(int64_t)(~value) - 1 : (int64_t)value;
	return 0;
}

int wp_cursor_count(wp_cursor *c, size_t min_item_size, uint32_t *out)
{
	uint64_t at = wp_cursor_offset(c);
	uint32_t n = 0;
	int error = wp_cursor_u32(c, &n);
	if (error)
		return error;
	if (min_item_size && n > wp_cursor_left(c) / min_item_size) {
		c->p = c->start + (at - c->base);
		return wp_wasm_fail(at, "vector count larger than the bytes left");
	}
	*out = n;
	return 0;
}

int wp_utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		unsigned char b = s[i];
		size_t n;
		unsigned char lo = 0x80, hi = 0xbf; /* range of the 2nd byte */
		if (b < 0x80) {
			i++;
			continue;
		} else if (b >= 0xc2 && b <= 0xdf) {
			n = 1;
		} else if (b >= 0xe0 && b <= 0xef) {
			n = 2;
			if (b == 0xe0)
				lo = 0xa0; /* overlong */
			else if (b == 0xed)
				hi = 0x9f; /* surrogates */
		} else if (b >= 0xf0 && b <= 0xf4) {
			n = 3;
			if (b == 0xf0)
				lo = 0x90; /* overlong */
			else if (b == 0xf4)
				hi = 0x8f; /* past U+10FFFF */
		} else {
			return 0;
		}
		if (len - i - 1 < n)
			return 0;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return 0;
		for (size_t k = 2; k <= n; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
		i += n + 1;
	}
	return 1;
}

int wp_cursor_name(wp_cursor *c, const unsigned char **s, uint32_t *len)
{
	const unsigned char *at = c->p;
	uint32_t n = 0;
	const unsigned char *bytes = NULL;
	int error = wp_cursor_u32(c, &n);
	if (!error)
		error = wp_cursor_bytes(c, n, &bytes);
	if (error) {
		c->p = at;
		return error;
	}
	if (!wp_utf8_valid(bytes, n)) {
		uint64_t off = wp_cursor_offset(c) - n;
		c->p = at;
		return wp_wasm_fail(off, "name is not valid UTF-8");
	}
	*s = bytes;
	*len = n;
	return 0;
}

int wp_cursor_name_dup(wp_cursor *c, char **out)
{
	const unsigned char *s = NULL;
	uint32_t n = 0;
	int error = wp_cursor_name(c, &s, &n);
	if (error)
		return error;
	if (memchr(s, 0, n)) {
		uint64_t off = wp_cursor_offset(c) - n;
		return wp_wasm_fail(off, "name contains a NUL byte");
	}
	char *d = malloc((size_t)n + 1);
	if (!d)
		return wp_error_nomem();
	memcpy(d, s, n);
	d[n] = '\0';
	*out = d;
	return 0;
}
