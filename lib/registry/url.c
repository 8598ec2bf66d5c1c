/* The registry client's URL work: query parameters, Location and Link
 * headers resolved against the URL that answered, origins, and numbers in
 * response headers. Below the client itself: it sends nothing. */
#include "registry/internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/error.h"

static int starts_with_icase(const char *s, const char *prefix)
{
	return s && strncasecmp(s, prefix, strlen(prefix)) == 0;
}

int wp_reg_parse_int64(int64_t *out, const char *s, const char **end)
{
	int64_t v = 0;
	const char *p = s;
	if (!p || *p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (INT64_MAX - (*p - '0')) / 10)
			return -1;
		v = v * 10 + (*p - '0');
	}
	*out = v;
	if (end)
		*end = p;
	else if (*p)
		return -1;
	return 0;
}

int wp_reg_header_int64(int64_t *out, const wp_http_response *resp, const char *name)
{
	const char *v = wp_http_header_get(resp, name);
	if (!v)
		return -1;
	while (*v == ' ' || *v == '\t')
		v++;
	const char *end = NULL;
	if (wp_reg_parse_int64(out, v, &end) != 0)
		return -1;
	while (*end == ' ' || *end == '\t')
		end++;
	return *end ? -1 : 0;
}

int wp_reg_location(char **out, const wp_http_response *resp, const char *request_url)
{
	const char *loc = wp_http_header_get(resp, "Location");
	const char *base = resp->url ? resp->url : request_url;
	int error;
	*out = NULL;
	if (!loc || !*loc)
		return wp_error_why(WASMPACK_EINVALID, WASMPACK_REASON_REGISTRY,
				    "the registry answered %ld without a Location", resp->status);
	/* A Location that does not resolve is a broken answer. */
	if ((error = wp_http_url_resolve(out, base, loc)))
		return error == WASMPACK_EINVALID ? wp_error_set_reason(0, WASMPACK_REASON_REGISTRY)
						  : error;
	if (starts_with_icase(base, "https://") && !starts_with_icase(*out, "https://")) {
		free(*out);
		*out = NULL;
		return wp_error_why(WASMPACK_EINVALID, WASMPACK_REASON_REGISTRY,
				    "the registry sent a Location that leaves https (refused)");
	}
	return 0;
}

int wp_reg_is_registry_origin(const wp_reg_op *op, const char *url)
{
	return op->r->base && url && wp_http_same_origin(op->r->base, url);
}

int wp_reg_link_next(char **out, const char *value)
{
	const char *p = value;
	*out = NULL;
	while (*p) {
		const char *lt = strchr(p, '<');
		if (!lt)
			return 0;
		const char *gt = strchr(lt + 1, '>');
		if (!gt)
			return 0;
		/* Parameters run to the next ',' outside quotes. */
		const char *q = gt + 1;
		int in_quote = 0, is_next = 0;
		while (*q && (in_quote || *q != ',')) {
			if (*q == '"')
				in_quote = !in_quote;
			if (!in_quote && strncasecmp(q, "rel", 3) == 0) {
				const char *v = q + 3;
				while (*v == ' ')
					v++;
				if (*v == '=') {
					v++;
					while (*v == ' ')
						v++;
					if (*v == '"')
						v++;
					/* rel may list several types: "next last". */
					for (;;) {
						size_t n = strcspn(v, " \";,");
						if (n == 4 && strncasecmp(v, "next", 4) == 0)
							is_next = 1;
						if (v[n] != ' ')
							break;
						v += n + 1;
					}
				}
			}
			q++;
		}
		if (is_next) {
			*out = strndup(lt + 1, (size_t)(gt - lt - 1));
			return *out ? 0 : wp_error_nomem();
		}
		p = *q ? q + 1 : q;
	}
	return 0;
}

int wp_reg_host_is_loopback(const char *host)
{
	char h[256];
	size_t n;
	if (host[0] == '[') {
		const char *e = strchr(host, ']');
		if (!e)
			return 0;
		n = (size_t)(e - host - 1);
		if (n >= sizeof(h))
			return 0;
		memcpy(h, host + 1, n);
		h[n] = '\0';
		return strcmp(h, "::1") == 0 || strcmp(h, "0:0:0:0:0:0:0:1") == 0;
	}
	const char *colon = strrchr(host, ':');
	n = colon ? (size_t)(colon - host) : strlen(host);
	if (n >= sizeof(h))
		return 0;
	memcpy(h, host, n);
	h[n] = '\0';
	if (strcasecmp(h, "localhost") == 0 || strcasecmp(h, "localhost.") == 0)
		return 1;
	/* A dotted quad whose first byte is 127. */
	const char *p = h;
	for (int part = 0; part < 4; part++) {
		int64_t v;
		const char *end;
		if (wp_reg_parse_int64(&v, p, &end) != 0 || v > 255 || end - p > 3)
			return 0;
		if (part == 0 && v != 127)
			return 0;
		if (part < 3 && *end != '.')
			return 0;
		if (part == 3 && *end)
			return 0;
		p = end + 1;
	}
	return 1;
}

/* Bytes a host name, an IP literal or a port may hold: anything else (a
 * backslash, a space, a percent sign) could be read differently by curl
 * than by this check, so such a URL is refused rather than guessed at. */
static int authority_byte_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == ':' || c == '[' || c == ']';
}

int wp_reg_url_parts_of(wp_reg_url_parts *out, const char *url)
{
	const char *p;
	memset(out, 0, sizeof(*out));
	if (starts_with_icase(url, "https://")) {
		out->https = 1;
		p = url + 8;
	} else if (starts_with_icase(url, "http://")) {
		p = url + 7;
	} else {
		return -1;
	}
	size_t n = strcspn(p, "/?#");
	const char *at = memrchr(p, '@', n);
	if (at) {
		out->userinfo = 1;
		n -= (size_t)(at + 1 - p);
		p = at + 1;
	}
	if (n == 0 || n >= sizeof(out->host))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!authority_byte_ok((unsigned char)p[i]))
			return -1;
	memcpy(out->host, p, n);
	out->host[n] = '\0';
	/* The port, when there is one, is digits only. */
	const char *close = out->host[0] == '[' ? strchr(out->host, ']') : NULL;
	if (out->host[0] == '[' && !close)
		return -1;
	const char *colon = close ? (close[1] ? close + 1 : NULL) : strchr(out->host, ':');
	if (close && colon && *colon != ':')
		return -1;
	if (colon) {
		if (!close && strchr(colon + 1, ':'))
			return -1;
		if (!colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1))
			return -1;
		if (colon == out->host)
			return -1;
	}
	return 0;
}
