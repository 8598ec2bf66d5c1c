/* The string builder and percent-encoding. */
#include "util/str.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/secret.h"

/* Makes room for n more bytes and the NUL; 0 or -1 (b failed). */
static int str_reserve(wp_str *b, size_t n)
{
	if (b->failed)
		return -1;
	if (n > SIZE_MAX / 2 - b->len) {
		b->failed = 1;
		return -1;
	}
	if (b->len + n + 1 <= b->cap)
		return 0;
	size_t ncap = b->cap ? b->cap : 64;
	while (ncap < b->len + n + 1)
		ncap *= 2;
	char *np = malloc(ncap);
	if (!np) {
		b->failed = 1;
		return -1;
	}
	if (b->p) {
		memcpy(np, b->p, b->len);
		wp_secret_wipe(b->p, b->cap);
		free(b->p);
	}
	b->p = np;
	b->cap = ncap;
	return 0;
}

void wp_str_add(wp_str *b, const char *s, size_t n)
{
	if (str_reserve(b, n) < 0)
		return;
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void wp_str_puts(wp_str *b, const char *s) { wp_str_add(b, s, strlen(s)); }

void wp_str_putc(wp_str *b, char c) { wp_str_add(b, &c, 1); }

void wp_str_printf(wp_str *b, const char *fmt, ...)
{
	va_list ap;
	char small[256];
	if (b->failed)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = 1;
		return;
	}
	if ((size_t)n < sizeof(small)) {
		wp_str_add(b, small, (size_t)n);
		wp_secret_wipe(small, (size_t)n);
		return;
	}
	if (str_reserve(b, (size_t)n) < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

int wp_str_is_unreserved(unsigned char c, unsigned flags)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '.' || c == '_' || c == '~')
		return 1;
	return (flags & WP_STR_ENC_KEEP_PATH) && (c == ':' || c == '/');
}

void wp_str_add_encoded(wp_str *b, const char *s, unsigned flags)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (wp_str_is_unreserved(*p, flags)) {
			wp_str_add(b, (const char *)p, 1);
		} else if ((flags & WP_STR_ENC_FORM) && *p == ' ') {
			wp_str_add(b, "+", 1);
		} else {
			char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
			wp_str_add(b, e, 3);
		}
	}
}

void wp_str_dispose(wp_str *b)
{
	if (!b)
		return;
	if (b->p) {
		wp_secret_wipe(b->p, b->cap);
		free(b->p);
	}
	b->p = NULL;
	b->len = b->cap = 0;
	b->failed = 0;
}

int wp_str_finish(char **out, wp_str *b)
{
	*out = NULL;
	if (b->failed) {
		wp_str_dispose(b);
		return wp_error_nomem();
	}
	if (!b->p) {
		if (!(*out = strdup("")))
			return wp_error_nomem();
		return 0;
	}
	*out = b->p;
	b->p = NULL;
	b->len = b->cap = 0;
	return 0;
}

int wp_str_url_add_query(char **out, const char *url, const char *name, const char *value)
{
	wp_str b = WP_STR_INIT;
	size_t ulen = strcspn(url, "#");
	wp_str_add(&b, url, ulen);
	if (!memchr(url, '?', ulen))
		wp_str_putc(&b, '?');
	else if (url[ulen - 1] != '?' && url[ulen - 1] != '&')
		wp_str_putc(&b, '&');
	wp_str_puts(&b, name);
	wp_str_putc(&b, '=');
	wp_str_add_encoded(&b, value, WP_STR_ENC_KEEP_PATH);
	return wp_str_finish(out, &b);
}
