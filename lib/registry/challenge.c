/* WWW-Authenticate challenges (RFC 7235 section 4.1): the lists of
 * schemes and parameters a registry answers 401 with. */
#include "registry/challenge.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/error.h"
#include "util/fs.h"

static char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

static char *dup_lower(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (!d) {
		wp_error_nomem();
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		d[i] = ascii_lower(s[i]);
	d[n] = '\0';
	return d;
}

static int is_tchar(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int is_token68_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (c && strchr("-._~+/", c));
}

static int is_ows(unsigned char c) { return c == ' ' || c == '\t'; }

/* Control bytes that may not appear in a field value (HTAB is allowed). */
static int is_ctl(unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; }

typedef struct cparser {
	const unsigned char *s;
	size_t len, pos;
} cparser;

static int at_end(const cparser *p) { return p->pos >= p->len; }
static unsigned char cur(const cparser *p) { return p->s[p->pos]; }

static void skip_ows(cparser *p)
{
	while (!at_end(p) && is_ows(cur(p)))
		p->pos++;
}

static void skip_ows_commas(cparser *p)
{
	while (!at_end(p) && (is_ows(cur(p)) || cur(p) == ','))
		p->pos++;
}

static int syntax(const cparser *p, const char *what)
{
	return wp_error(WASMPACK_EINVALID, "invalid WWW-Authenticate header: %s at offset %zu",
			what, p->pos);
}

/* Whether an auth-param (token BWS "=" BWS value) starts at p->pos. A
 * token followed by "=" and then nothing, "," or more "=" is token68. */
static int looks_like_param(const cparser *p)
{
	size_t q = p->pos;
	while (q < p->len && is_tchar(p->s[q]))
		q++;
	if (q == p->pos)
		return 0;
	while (q < p->len && is_ows(p->s[q]))
		q++;
	if (q >= p->len || p->s[q] != '=')
		return 0;
	q++;
	while (q < p->len && is_ows(p->s[q]))
		q++;
	return q < p->len && p->s[q] != ',' && p->s[q] != '=';
}

/* Reads a quoted-string at p->pos (on the opening quote) into *out. */
static int parse_quoted(char **out, cparser *p)
{
	size_t start = ++p->pos, n = 0, q = start;
	*out = NULL;
	for (;;) {
		if (q >= p->len) {
			p->pos = q;
			return syntax(p, "unterminated quoted string");
		}
		unsigned char c = p->s[q];
		if (c == '"')
			break;
		if (c == '\\') {
			if (++q >= p->len) {
				p->pos = q;
				return syntax(p, "unterminated quoted string");
			}
			c = p->s[q];
		}
		if (is_ctl(c)) {
			p->pos = q;
			return syntax(p, "control character in quoted string");
		}
		n++;
		q++;
	}
	char *v = malloc(n + 1);
	if (!v)
		return wp_error_nomem();
	size_t j = 0;
	for (q = start; p->s[q] != '"'; q++) {
		if (p->s[q] == '\\')
			q++;
		v[j++] = (char)p->s[q];
	}
	v[j] = '\0';
	p->pos = q + 1;
	*out = v;
	return 0;
}

static void challenge_dispose(wp_auth_challenge *c)
{
	free(c->scheme);
	free(c->token68);
	wasmpack_kvlist_dispose(&c->params);
	memset(c, 0, sizeof(*c));
}

/* Parses auth-params from p->pos until the list ends or a new challenge
 * starts (p->pos is then on its scheme). */
static int parse_params(wp_auth_challenge *c, cparser *p, size_t *nparams)
{
	for (;;) {
		size_t start = p->pos;
		while (!at_end(p) && is_tchar(cur(p)))
			p->pos++;
		if (p->pos == start)
			return syntax(p, "expected a parameter name");
		size_t name_end = p->pos;
		skip_ows(p);
		if (at_end(p) || cur(p) != '=')
			return syntax(p, "expected '='");
		p->pos++;
		skip_ows(p);
		if (at_end(p))
			return syntax(p, "expected a parameter value");
		if (++*nparams > WP_AUTH_PARAMS_MAX)
			return wp_error(WASMPACK_ETOOLARGE,
					"invalid WWW-Authenticate header: more than %d parameters "
					"in one challenge",
					WP_AUTH_PARAMS_MAX);
		char *value = NULL;
		int error;
		if (cur(p) == '"') {
			if ((error = parse_quoted(&value, p)) < 0)
				return error;
		} else {
			/* Lenient: RFC 7235 wants a token, but servers send
			 * realm=https://host/token unquoted. */
			size_t vstart = p->pos;
			while (!at_end(p) && cur(p) > 0x20 && cur(p) != 0x7f && cur(p) != ',' &&
			       cur(p) != '"')
				p->pos++;
			if (p->pos == vstart)
				return syntax(p, "expected a parameter value");
			if (!(value = wp_strndup((const char *)p->s + vstart, p->pos - vstart)))
				return WASMPACK_ENOMEM;
		}
		char *name = dup_lower((const char *)p->s + start, name_end - start);
		error = name ? 0 : WASMPACK_ENOMEM;
		/* RFC 7235 allows each name once; keep the first. */
		if (!error && !wasmpack_kvlist_get(&c->params, name))
			error = wasmpack_kvlist_set(&c->params, name, value);
		free(name);
		free(value);
		if (error < 0)
			return error;

		skip_ows(p);
		if (at_end(p))
			return 0;
		if (cur(p) != ',')
			return syntax(p, "expected ','");
		skip_ows_commas(p);
		if (at_end(p) || !looks_like_param(p))
			return 0;
	}
}

/* Appends a zeroed challenge to tmp; NULL (error set) when out of memory. */
static wp_auth_challenge *challenge_new(wp_auth_challenges *tmp)
{
	wp_auth_challenge *items = realloc(tmp->items, (tmp->count + 1) * sizeof(*items));
	if (!items) {
		wp_error_nomem();
		return NULL;
	}
	tmp->items = items;
	wp_auth_challenge *c = &tmp->items[tmp->count++];
	memset(c, 0, sizeof(*c));
	return c;
}

/* What follows a challenge's scheme and its space, up to the list's next
 * ',' or end: auth-params, or one token68. */
static int parse_challenge_body(wp_auth_challenge *c, cparser *p)
{
	if (looks_like_param(p)) {
		size_t nparams = 0;
		return parse_params(c, p, &nparams);
	}
	size_t start = p->pos;
	while (!at_end(p) && is_token68_char(cur(p)))
		p->pos++;
	if (p->pos == start)
		return syntax(p, "expected a parameter or token68");
	while (!at_end(p) && cur(p) == '=')
		p->pos++;
	if (!(c->token68 = wp_strndup((const char *)p->s + start, p->pos - start)))
		return WASMPACK_ENOMEM;
	skip_ows(p);
	if (!at_end(p) && cur(p) != ',')
		return syntax(p, "expected ','");
	return 0;
}

/* Parses the challenge starting at p->pos (on its scheme) into tmp;
 * `before` challenges are in the caller's list already. */
static int parse_challenge(wp_auth_challenges *tmp, cparser *p, size_t before)
{
	size_t start = p->pos;
	while (!at_end(p) && is_tchar(cur(p)))
		p->pos++;
	if (p->pos == start)
		return syntax(p, "expected an auth scheme");
	if (before + tmp->count >= WP_AUTH_CHALLENGES_MAX)
		return wp_error(WASMPACK_ETOOLARGE,
				"invalid WWW-Authenticate header: more than %d challenges",
				WP_AUTH_CHALLENGES_MAX);
	wp_auth_challenge *c = challenge_new(tmp);
	if (!c)
		return WASMPACK_ENOMEM;
	if (!(c->scheme = dup_lower((const char *)p->s + start, p->pos - start)))
		return WASMPACK_ENOMEM;
	if (at_end(p) || cur(p) == ',')
		return 0;
	if (!is_ows(cur(p)))
		return syntax(p, "expected a space after the auth scheme");
	skip_ows(p);
	if (at_end(p) || cur(p) == ',')
		return 0;
	return parse_challenge_body(c, p);
}

/* Moves tmp's challenges to the end of list (tmp left empty). */
static int challenges_append(wp_auth_challenges *list, wp_auth_challenges *tmp)
{
	if (!tmp->count)
		return 0;
	wp_auth_challenge *items = realloc(list->items,
					   (list->count + tmp->count) * sizeof(*items));
	if (!items)
		return wp_error_nomem();
	memcpy(items + list->count, tmp->items, tmp->count * sizeof(*items));
	list->items = items;
	list->count += tmp->count;
	free(tmp->items);
	tmp->items = NULL;
	tmp->count = 0;
	return 0;
}

int wp_auth_challenges_parse(wp_auth_challenges *list, const char *value, size_t len)
{
	wp_auth_challenges tmp = WP_AUTH_CHALLENGES_INIT;
	cparser p = {(const unsigned char *)value, len, 0};
	int error = 0;

	if (!list || (!value && len))
		return wp_error(WASMPACK_EINVALID, "cannot parse WWW-Authenticate: no input");
	if (len > WP_AUTH_HEADER_MAX)
		return wp_error(WASMPACK_ETOOLARGE,
				"WWW-Authenticate header is too large: %zu bytes, the limit is %d",
				len, WP_AUTH_HEADER_MAX);
	if (len && memchr(value, '\0', len))
		return wp_error(WASMPACK_EINVALID, "invalid WWW-Authenticate header: NUL byte");

	/* Parsed aside and appended whole, so the list is unchanged on error. */
	for (;;) {
		skip_ows_commas(&p);
		if (at_end(&p))
			break;
		if ((error = parse_challenge(&tmp, &p, list->count)) < 0)
			goto done;
	}
	error = challenges_append(list, &tmp);
done:
	wp_auth_challenges_dispose(&tmp);
	return error;
}

const wp_auth_challenge *wp_auth_challenges_find(const wp_auth_challenges *list, const char *scheme)
{
	if (!list || !scheme)
		return NULL;
	for (size_t i = 0; i < list->count; i++)
		if (strcasecmp(list->items[i].scheme, scheme) == 0)
			return &list->items[i];
	return NULL;
}

const char *wp_auth_challenge_param(const wp_auth_challenge *c, const char *name)
{
	if (!c || !name)
		return NULL;
	for (size_t i = 0; i < c->params.count; i++)
		if (strcasecmp(c->params.items[i].key, name) == 0)
			return c->params.items[i].value;
	return NULL;
}

void wp_auth_challenges_dispose(wp_auth_challenges *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->count; i++)
		challenge_dispose(&list->items[i]);
	free(list->items);
	list->items = NULL;
	list->count = 0;
}
