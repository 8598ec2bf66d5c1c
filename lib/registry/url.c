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
