/* Internal: a bounds-checked cursor over bytes of a WebAssembly binary, with
 * the LEB128 and name readers the wasm parser needs. Errors carry the
 * absolute offset of the item that failed. */
#ifndef WP_WASM_READER_H
#define WP_WASM_READER_H

#include <stddef.h>
#include <stdint.h>

typedef struct wp_cursor {
	const unsigned char *start; /* first byte of the window */
	const unsigned char *p;     /* next byte to read */
	const unsigned char *end;   /* one past the last readable byte */
	uint64_t base;              /* offset of `start` in the whole binary */
} wp_cursor;

/* A cursor over len bytes at data, which sit at offset base of the binary. */
void wp_cursor_init(wp_cursor *c, const void *data, size_t len, uint64_t base);

/* Offset in the whole binary of the next byte to read. */
uint64_t wp_cursor_offset(const wp_cursor *c);

/* Bytes left in the window. */
size_t wp_cursor_left(const wp_cursor *c);

/* Records "invalid wasm at offset 0x..: what" for the given offset and
 * returns WASMPACK_EINVALID. */
int wp_wasm_fail(uint64_t offset, const char *what);

/* Each reader returns 0 and advances, or fails with WASMPACK_EINVALID naming
 * the offset of the item that is wrong. */
int wp_cursor_byte(wp_cursor *c, uint8_t *out);
int wp_cursor_bytes(wp_cursor *c, size_t n, const unsigned char **out);
/* u32 LEB128: at most 5 bytes, the bits of the last byte beyond 32 zero. */
int wp_cursor_u32(wp_cursor *c, uint32_t *out);
/* u64 LEB128: at most 10 bytes, the bits beyond 64 zero. */
int wp_cursor_u64(wp_cursor *c, uint64_t *out);
/* s33 LEB128 (type indices vs. negative type codes): at most 5 bytes, the
 * unused bits of the last byte equal to the sign. */
int wp_cursor_s33(wp_cursor *c, int64_t *out);
/* A vector length, refused when even items of min_item_size bytes each
 * could not fit in what is left: a huge count fails at once. */
int wp_cursor_count(wp_cursor *c, size_t min_item_size, uint32_t *out);
/* A name (u32 length + UTF-8 bytes), borrowed from the window. */
int wp_cursor_name(wp_cursor *c, const unsigned char **s, uint32_t *len);
/* Same, copied into a new NUL-terminated string. Names with an embedded
 * NUL are refused: callers need C strings. */
int wp_cursor_name_dup(wp_cursor *c, char **out);

/* 1 when the bytes are well-formed UTF-8 (no overlongs, surrogates or code
 * points past U+10FFFF), else 0. */
int wp_utf8_valid(const unsigned char *s, size_t len);

#endif
