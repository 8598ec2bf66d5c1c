/* Internal: a growable string builder and percent-encoding.
 *
 * Appends never fail on the spot: running out of memory (or past
 * SIZE_MAX / 2) marks the builder failed, later appends do nothing, and
 * wp_str_finish() reports WASMPACK_ENOMEM once. So a caller builds a whole
 * string with plain calls and checks one result.
 *
 * The builder grows by copy-and-wipe rather than realloc, and wipes its
 * buffer when disposed, so it may hold secrets (OAuth2 bodies, Basic
 * credentials) without leaving stale copies in freed memory. */
#ifndef WP_STR_H
#define WP_STR_H

#include <stdarg.h>
#include <stddef.h>

typedef struct wp_str {
	char *p;    /* NUL-terminated once anything was added, else NULL */
	size_t len; /* bytes before the NUL */
	size_t cap; /* bytes allocated at p */
	int failed; /* set once an append ran out of memory */
} wp_str;

#define WP_STR_INIT           \
	{                     \
		NULL, 0, 0, 0 \
	}

/* Appends n bytes of s (which may hold NULs). */
void wp_str_add(wp_str *b, const char *s, size_t n);

/* Appends the NUL-terminated s. */
void wp_str_puts(wp_str *b, const char *s);

/* Appends one byte. */
void wp_str_putc(wp_str *b, char c);

/* Appends printf-style output. */
void wp_str_printf(wp_str *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Percent-encoding flags. RFC 3986 unreserved bytes (ALPHA DIGIT - . _ ~)
 * are always kept; every other byte becomes %XX (upper-case hex). */
#define WP_STR_ENC_FORM 0x1 /* space as '+' (x-www-form-urlencoded) */
#define WP_STR_ENC_KEEP_PATH \
	0x2 /* keep ':' and '/' as they are (digests,
				    repository names in a query value) */

/* Appends s percent-encoded as flags say. */
void wp_str_add_encoded(wp_str *b, const char *s, unsigned flags);

/* 1 when c is kept as it is by wp_str_add_encoded() with these flags. */
int wp_str_is_unreserved(unsigned char c, unsigned flags);

/* Hands the string over: *out is the built string ("" when nothing was
 * added; caller frees) and b is emptied. When an append had failed, b is
 * disposed, *out is NULL and the result is WASMPACK_ENOMEM (error set). */
int wp_str_finish(char **out, wp_str *b);

/* Wipes and frees the buffer and resets b to WP_STR_INIT. NULL-safe. */
void wp_str_dispose(wp_str *b);

/* url with "name=value" appended to its query: '?' or '&' as needed
 * (nothing when the query is empty or already ends in '&'), the value
 * encoded with WP_STR_ENC_KEEP_PATH, the name as is, any fragment of url
 * dropped (a fragment is never sent). New string in *out, caller frees. */
int wp_str_url_add_query(char **out, const char *url, const char *name, const char *value);

#endif
