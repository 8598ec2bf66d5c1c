/* Registry authentication pieces: RFC 7235 challenge parsing, scope sets,
 * Bearer token URLs, responses and cache, Basic and OAuth2 encodings. */
#include "registry/tokens.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/error.h"
#include "oci/json.h"
#include "util/base64.h"
#include "util/fs.h"
#include "util/secret.h"
#include "util/str.h"
#include "util/time.h"

/* ------------------------------------------------------------------ */
/* Small string helpers                                                */

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

static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (!d) {
		wp_error_nomem();
		return NULL;
	}
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* ------------------------------------------------------------------ */
/* WWW-Authenticate                                                     */

static int is_tchar(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int is_token68_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || (c && strchr("-._~+/", c));
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
	return wp_error(WASMPACK_EINVALID,
			"invalid WWW-Authenticate header: %s at offset %zu", what, p->pos);
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
			if (!(value = dup_n((const char *)p->s + vstart, p->pos - vstart)))
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

	for (;;) {
		skip_ows_commas(&p);
		if (at_end(&p))
			break;
		size_t start = p.pos;
		while (!at_end(&p) && is_tchar(cur(&p)))
			p.pos++;
		if (p.pos == start) {
			error = syntax(&p, "expected an auth scheme");
			goto done;
		}
		if (list->count + tmp.count >= WP_AUTH_CHALLENGES_MAX) {
			error = wp_error(WASMPACK_ETOOLARGE,
					 "invalid WWW-Authenticate header: more than %d challenges",
					 WP_AUTH_CHALLENGES_MAX);
			goto done;
		}
		wp_auth_challenge *items = realloc(tmp.items, (tmp.count + 1) * sizeof(*items));
		if (!items) {
			error = wp_error_nomem();
			goto done;
		}
		tmp.items = items;
		wp_auth_challenge *c = &tmp.items[tmp.count++];
		memset(c, 0, sizeof(*c));
		if (!(c->scheme = dup_lower(value + start, p.pos - start))) {
			error = WASMPACK_ENOMEM;
			goto done;
		}
		if (at_end(&p) || cur(&p) == ',')
			continue;
		if (!is_ows(cur(&p))) {
			error = syntax(&p, "expected a space after the auth scheme");
			goto done;
		}
		skip_ows(&p);
		if (at_end(&p) || cur(&p) == ',')
			continue;
		if (looks_like_param(&p)) {
			size_t nparams = 0;
			if ((error = parse_params(c, &p, &nparams)) < 0)
				goto done;
			continue;
		}
		start = p.pos;
		while (!at_end(&p) && is_token68_char(cur(&p)))
			p.pos++;
		if (p.pos == start) {
			error = syntax(&p, "expected a parameter or token68");
			goto done;
		}
		while (!at_end(&p) && cur(&p) == '=')
			p.pos++;
		if (!(c->token68 = dup_n(value + start, p.pos - start))) {
			error = WASMPACK_ENOMEM;
			goto done;
		}
		skip_ows(&p);
		if (!at_end(&p) && cur(&p) != ',') {
			error = syntax(&p, "expected ','");
			goto done;
		}
	}

	if (tmp.count) {
		wp_auth_challenge *items =
			realloc(list->items, (list->count + tmp.count) * sizeof(*items));
		if (!items) {
			error = wp_error_nomem();
			goto done;
		}
		memcpy(items + list->count, tmp.items, tmp.count * sizeof(*items));
		list->items = items;
		list->count += tmp.count;
		free(tmp.items);
		tmp.items = NULL;
		tmp.count = 0;
	}
done:
	wp_auth_challenges_dispose(&tmp);
	return error;
}

const wp_auth_challenge *wp_auth_challenges_find(const wp_auth_challenges *list,
						 const char *scheme)
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

/* ------------------------------------------------------------------ */
/* Scope sets                                                          */

typedef struct span {
	const char *p;
	size_t n;
} span;

static int span_cmp(const void *a, const void *b)
{
	const span *x = a, *y = b;
	size_t n = x->n < y->n ? x->n : y->n;
	int c = memcmp(x->p, y->p, n);
	if (c)
		return c;
	return x->n < y->n ? -1 : x->n > y->n;
}

/* Length of the "type:name" part of a normalized item (up to the last ':'). */
static size_t resource_len(const char *item)
{
	const char *c = strrchr(item, ':');
	return c ? (size_t)(c - item) : strlen(item);
}

static size_t count_char(const char *s, char ch)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == ch;
	return n;
}

/* Collects the non-empty comma-separated actions of list into v. */
static void collect_actions(span *v, size_t *n, const char *list)
{
	const char *p = list;
	for (;;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len)
			v[(*n)++] = (span){p, len};
		if (!e)
			break;
		p = e + 1;
	}
}

/* "resource:" + the sorted union of the actions of a and b (b may be NULL). */
static int build_item(char **out, const char *resource, size_t rlen, const char *a,
		      const char *b)
{
	size_t cap = count_char(a, ',') + 1 + (b ? count_char(b, ',') + 1 : 0), n = 0;
	span *v = malloc(cap * sizeof(*v));
	wp_str sb = WP_STR_INIT;
	*out = NULL;
	if (!v)
		return wp_error_nomem();
	collect_actions(v, &n, a);
	if (b)
		collect_actions(v, &n, b);
	if (n == 0) {
		free(v);
		return wp_error(WASMPACK_EINVALID, "invalid scope: no actions");
	}
	qsort(v, n, sizeof(*v), span_cmp);
	wp_str_add(&sb, resource, rlen);
	wp_str_add(&sb, ":", 1);
	for (size_t i = 0; i < n; i++) {
		if (i && span_cmp(&v[i - 1], &v[i]) == 0)
			continue;
		if (i)
			wp_str_add(&sb, ",", 1);
		wp_str_add(&sb, v[i].p, v[i].n);
	}
	free(v);
	return wp_str_finish(out, &sb);
}

static int scope_invalid(const char *scope, const char *why)
{
	/* The scope is checked printable before any message quotes it. */
	return wp_error(WASMPACK_EINVALID, "invalid scope '%.200s': %s", scope, why);
}

/* Validates one scope and splits off its resource ("type:name") and its
 * actions. */
static int split_scope(size_t *rlen, const char **actions, const char *scope)
{
	for (const unsigned char *p = (const unsigned char *)scope; *p; p++)
		if (*p <= 0x20 || *p == 0x7f || *p == '"')
			return wp_error(WASMPACK_EINVALID,
					"invalid scope: whitespace, control or quote character");
	const char *first = strchr(scope, ':'), *last = strrchr(scope, ':');
	if (!first || first == last)
		return scope_invalid(scope, "expected type:name:actions");
	if (first == scope)
		return scope_invalid(scope, "empty resource type");
	if (last == first + 1)
		return scope_invalid(scope, "empty resource name");
	if (strspn(last + 1, ",") == strlen(last + 1))
		return scope_invalid(scope, "no actions");
	*rlen = (size_t)(last - scope);
	*actions = last + 1;
	return 0;
}

/* Index of the item whose resource is resource[0..rlen), or where it would
 * be inserted (*found = 0). */
static size_t scopes_find(const wp_auth_scopes *set, const char *resource, size_t rlen,
			  int *found)
{
	span key = {resource, rlen};
	*found = 0;
	for (size_t i = 0; i < set->count; i++) {
		span it = {set->items[i], resource_len(set->items[i])};
		int c = span_cmp(&it, &key);
		if (c == 0) {
			*found = 1;
			return i;
		}
		if (c > 0)
			return i;
	}
	return set->count;
}

int wp_auth_scopes_add(wp_auth_scopes *set, const char *scope)
{
	size_t rlen = 0;
	const char *actions = NULL;
	char *item = NULL;
	int found, error;

	if (!set || !scope)
		return wp_error(WASMPACK_EINVALID, "invalid scope: none given");
	if ((error = split_scope(&rlen, &actions, scope)) < 0)
		return error;
	size_t i = scopes_find(set, scope, rlen, &found);
	if (found) {
		const char *old = set->items[i];
		if ((error = build_item(&item, old, resource_len(old), old + resource_len(old) + 1,
					actions)) < 0)
			return error;
		free(set->items[i]);
		set->items[i] = item;
		return 0;
	}
	if (set->count >= WP_AUTH_SCOPES_MAX)
		return wp_error(WASMPACK_ETOOLARGE, "too many scopes: the limit is %d",
				WP_AUTH_SCOPES_MAX);
	if ((error = build_item(&item, scope, rlen, actions, NULL)) < 0)
		return error;
	char **items = realloc(set->items, (set->count + 1) * sizeof(*items));
	if (!items) {
		free(item);
		return wp_error_nomem();
	}
	memmove(items + i + 1, items + i, (set->count - i) * sizeof(*items));
	items[i] = item;
	set->items = items;
	set->count++;
	return 0;
}

int wp_auth_scopes_add_repository(wp_auth_scopes *set, const char *repository,
				  const char *actions)
{
	if (!repository || !actions)
		return wp_error(WASMPACK_EINVALID, "invalid scope: no repository or actions");
	char *s = wp_asprintf("repository:%s:%s", repository, actions);
	if (!s)
		return WASMPACK_ENOMEM;
	int error = wp_auth_scopes_add(set, s);
	free(s);
	return error;
}

static int scopes_copy(wp_auth_scopes *out, const wp_auth_scopes *set)
{
	out->items = NULL;
	out->count = 0;
	if (!set->count)
		return 0;
	out->items = calloc(set->count, sizeof(*out->items));
	if (!out->items)
		return wp_error_nomem();
	for (size_t i = 0; i < set->count; i++) {
		if (!(out->items[i] = wp_strdup(set->items[i]))) {
			out->count = i;
			wp_auth_scopes_dispose(out);
			return WASMPACK_ENOMEM;
		}
	}
	out->count = set->count;
	return 0;
}

static void scopes_swap_in(wp_auth_scopes *set, wp_auth_scopes *work)
{
	wp_auth_scopes_dispose(set);
	*set = *work;
	work->items = NULL;
	work->count = 0;
}

int wp_auth_scopes_add_list(wp_auth_scopes *set, const char *list)
{
	wp_auth_scopes work;
	int error;
	if (!set)
		return wp_error(WASMPACK_EINVALID, "invalid scope: no set");
	if (!list || !*list)
		return 0;
	if ((error = scopes_copy(&work, set)) < 0)
		return error;
	const char *p = list;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		size_t n = strcspn(p, " ");
		char *one = dup_n(p, n);
		if (!one) {
			error = WASMPACK_ENOMEM;
			break;
		}
		error = wp_auth_scopes_add(&work, one);
		free(one);
		if (error < 0)
			break;
		p += n;
	}
	if (error < 0)
		wp_auth_scopes_dispose(&work);
	else
		scopes_swap_in(set, &work);
	return error;
}

int wp_auth_scopes_merge(wp_auth_scopes *set, const wp_auth_scopes *other)
{
	wp_auth_scopes work;
	int error;
	if (!set)
		return wp_error(WASMPACK_EINVALID, "invalid scope: no set");
	if (!other || !other->count)
		return 0;
	if ((error = scopes_copy(&work, set)) < 0)
		return error;
	for (size_t i = 0; i < other->count && error == 0; i++)
		error = wp_auth_scopes_add(&work, other->items[i]);
	if (error < 0)
		wp_auth_scopes_dispose(&work);
	else
		scopes_swap_in(set, &work);
	return error;
}

int wp_auth_scopes_equal(const wp_auth_scopes *a, const wp_auth_scopes *b)
{
	size_t na = a ? a->count : 0, nb = b ? b->count : 0;
	if (na != nb)
		return 0;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a->items[i], b->items[i]) != 0)
			return 0;
	return 1;
}

/* Whether action[0..n) is in the comma list. */
static int has_action(const char *list, const char *action, size_t n)
{
	for (const char *p = list;;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && memcmp(p, action, n) == 0)
			return 1;
		if (!e)
			return 0;
		p = e + 1;
	}
}

int wp_auth_scopes_covers(const wp_auth_scopes *have, const wp_auth_scopes *want)
{
	static const wp_auth_scopes none = WP_AUTH_SCOPES_INIT;
	if (!have)
		have = &none;
	if (!want)
		return 1;
	for (size_t i = 0; i < want->count; i++) {
		const char *w = want->items[i];
		size_t rlen = resource_len(w);
		int found;
		size_t j = scopes_find(have, w, rlen, &found);
		if (!found)
			return 0;
		const char *hact = have->items[j] + resource_len(have->items[j]) + 1;
		for (const char *p = w + rlen + 1;;) {
			const char *e = strchr(p, ',');
			size_t len = e ? (size_t)(e - p) : strlen(p);
			if (!has_action(hact, p, len))
				return 0;
			if (!e)
				break;
			p = e + 1;
		}
	}
	return 1;
}

int wp_auth_scopes_join(char **out, const wp_auth_scopes *set)
{
	wp_str sb = WP_STR_INIT;
	for (size_t i = 0; set && i < set->count; i++) {
		if (i)
			wp_str_add(&sb, " ", 1);
		wp_str_puts(&sb, set->items[i]);
	}
	return wp_str_finish(out, &sb);
}

void wp_auth_scopes_dispose(wp_auth_scopes *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->count; i++)
		free(set->items[i]);
	free(set->items);
	set->items = NULL;
	set->count = 0;
}

/* ------------------------------------------------------------------ */
/* Token requests                                                      */

static int has_prefix_icase(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

static int printable(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p >= 0x7f)
			return 0;
	return 1;
}

static int check_realm(const char *realm)
{
	if (!realm || !*realm)
		return wp_error(WASMPACK_EINVALID, "bearer challenge has no realm");
	const char *rest = has_prefix_icase(realm, "https://") ? realm + 8
			   : has_prefix_icase(realm, "http://") ? realm + 7
								: NULL;
	int ok = rest && *rest && *rest != '/' && !strchr(realm, '#');
	for (const unsigned char *p = (const unsigned char *)realm; ok && *p; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			ok = 0;
	if (ok)
		return 0;
	if (printable(realm))
		return wp_error(WASMPACK_EINVALID,
				"invalid bearer realm '%.200s': expected an http or https URL",
				realm);
	return wp_error(WASMPACK_EINVALID,
			"invalid bearer realm: expected an http or https URL");
}

int wp_auth_token_url(char **out, const char *realm, const char *service,
		      const wp_auth_scopes *scopes)
{
	wp_str sb = WP_STR_INIT;
	int error;
	if (!out)
		return wp_error(WASMPACK_EINVALID, "cannot build token URL: no output");
	*out = NULL;
	if ((error = check_realm(realm)) < 0)
		return error;
	wp_str_puts(&sb, realm);
	const char *q = strchr(realm, '?');
	const char *sep = !q ? "?" : (q[1] == '\0' || realm[strlen(realm) - 1] == '&') ? "" : "&";
	if (service && *service) {
		wp_str_puts(&sb, sep);
		wp_str_puts(&sb, "service=");
		wp_str_add_encoded(&sb, service, 0);
		sep = "&";
	}
	for (size_t i = 0; scopes && i < scopes->count; i++) {
		wp_str_puts(&sb, sep);
		wp_str_puts(&sb, "scope=");
		wp_str_add_encoded(&sb, scopes->items[i], 0);
		sep = "&";
	}
	return wp_str_finish(out, &sb);
}

static void sb_form_field(wp_str *sb, const char *name, const char *value)
{
	if (sb->len)
		wp_str_add(sb, "&", 1);
	wp_str_puts(sb, name);
	wp_str_add(sb, "=", 1);
	wp_str_add_encoded(sb, value, WP_STR_ENC_FORM);
}

static int form_tail(char **out, wp_str *sb, const char *service, const wp_auth_scopes *scopes)
{
	char *joined = NULL;
	if (service && *service)
		sb_form_field(sb, "service", service);
	sb_form_field(sb, "client_id", WP_AUTH_CLIENT_ID);
	if (scopes && scopes->count) {
		if (wp_auth_scopes_join(&joined, scopes) < 0) {
			wp_str_dispose(sb);
			return WASMPACK_ENOMEM;
		}
		sb_form_field(sb, "scope", joined);
		free(joined);
	}
	return wp_str_finish(out, sb);
}

int wp_auth_oauth_refresh_body(char **out, const char *refresh_token,
			       const char *service, const wp_auth_scopes *scopes)
{
	wp_str sb = WP_STR_INIT;
	if (!out)
		return wp_error(WASMPACK_EINVALID, "cannot build token request: no output");
	*out = NULL;
	if (!refresh_token || !*refresh_token)
		return wp_error(WASMPACK_EINVALID, "cannot build token request: no refresh token");
	sb_form_field(&sb, "grant_type", "refresh_token");
	sb_form_field(&sb, "refresh_token", refresh_token);
	return form_tail(out, &sb, service, scopes);
}

int wp_auth_oauth_password_body(char **out, const char *username, const char *password,
				const char *service, const wp_auth_scopes *scopes)
{
	wp_str sb = WP_STR_INIT;
	if (!out)
		return wp_error(WASMPACK_EINVALID, "cannot build token request: no output");
	*out = NULL;
	if (!username || !*username)
		return wp_error(WASMPACK_EINVALID, "cannot build token request: no username");
	sb_form_field(&sb, "grant_type", "password");
	sb_form_field(&sb, "username", username);
	sb_form_field(&sb, "password", password ? password : "");
	return form_tail(out, &sb, service, scopes);
}

/* ------------------------------------------------------------------ */
/* Token responses                                                     */

/* A token goes into an Authorization header: printable ASCII, no spaces. */
static int header_safe(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			return 0;
	return 1;
}

int wp_auth_token_parse(wp_auth_token *out, const void *body, size_t len, int64_t now)
{
	json_t *root = NULL;
	wp_json_ctx cx;
	const char *token, *access, *issued, *refresh;
	int64_t expires_in = 0;
	int present = 0, error;

	if (!out)
		return wp_error(WASMPACK_EINVALID, "cannot parse token response: no output");
	memset(out, 0, sizeof(*out));
	wp_json_ctx_init(&cx, "token response");
	if ((error = wp_auth_json_parse_secret(&root, body, len, WP_AUTH_TOKEN_BODY_MAX,
					       "token response")) < 0)
		return error;
	if ((error = wp_json_get_string(&token, root, "token", 0, &cx)) < 0 ||
	    (error = wp_json_get_string(&access, root, "access_token", 0, &cx)) < 0 ||
	    (error = wp_json_get_string(&issued, root, "issued_at", 0, &cx)) < 0 ||
	    (error = wp_json_get_string(&refresh, root, "refresh_token", 0, &cx)) < 0 ||
	    (error = wp_json_get_int(&expires_in, &present, root, "expires_in", INT64_MIN,
				     INT64_MAX, 0, &cx)) < 0)
		goto done;
	/* Both are the same thing; distribution prefers access_token. */
	const char *chosen = access && *access ? access : token;
	if (!chosen || !*chosen) {
		error = wp_json_error(&cx, NULL, "no token or access_token");
		goto done;
	}
	if (!header_safe(chosen)) {
		error = wp_json_error(&cx, chosen == access ? "access_token" : "token",
				      "characters not allowed in an HTTP header");
		goto done;
	}
	int64_t issued_at = now;
	if (issued && *issued) {
		if (wp_time_parse_rfc3339(&issued_at, issued, 0) < 0) {
			error = wp_json_error(&cx, "issued_at", "expected an RFC 3339 time");
			goto done;
		}
		if (issued_at > now)
			issued_at = now;
	}
	if (!present || expires_in < WP_AUTH_TOKEN_MIN_LIFETIME)
		expires_in = WP_AUTH_TOKEN_MIN_LIFETIME;
	if (expires_in > WP_AUTH_TOKEN_MAX_LIFETIME)
		expires_in = WP_AUTH_TOKEN_MAX_LIFETIME;
	if (!(out->token = wp_strdup(chosen)) ||
	    (refresh && *refresh && !(out->refresh_token = wp_strdup(refresh)))) {
		error = WASMPACK_ENOMEM;
		goto done;
	}
	out->issued_at = issued_at;
	out->expires_at = issued_at + expires_in;
done:
	if (error < 0)
		wp_auth_token_dispose(out);
	json_decref(root);
	return error;
}

int wp_auth_token_copy(wp_auth_token *out, const wp_auth_token *t)
{
	if (!out || !t)
		return wp_error(WASMPACK_EINVALID, "cannot copy token: none given");
	memset(out, 0, sizeof(*out));
	if ((t->token && !(out->token = wp_strdup(t->token))) ||
	    (t->refresh_token && !(out->refresh_token = wp_strdup(t->refresh_token)))) {
		wp_auth_token_dispose(out);
		return WASMPACK_ENOMEM;
	}
	out->issued_at = t->issued_at;
	out->expires_at = t->expires_at;
	return 0;
}

void wp_auth_token_dispose(wp_auth_token *t)
{
	if (!t)
		return;
	wp_auth_free_secret(t->token);
	wp_auth_free_secret(t->refresh_token);
	memset(t, 0, sizeof(*t));
}

/* ------------------------------------------------------------------ */
/* Token cache                                                         */

typedef struct cache_entry {
	char *realm;
	char *service; /* "" for none */
	char *scopes;  /* joined normalized set */
	wp_auth_token token;
} cache_entry;

struct wp_auth_token_cache {
	cache_entry items[WP_AUTH_TOKEN_CACHE_MAX];
	size_t count;
};

int wp_auth_token_cache_new(wp_auth_token_cache **out)
{
	if (!out)
		return wp_error(WASMPACK_EINVALID, "cannot create token cache: no output");
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : wp_error_nomem();
}

static void entry_dispose(cache_entry *e)
{
	free(e->realm);
	free(e->service);
	free(e->scopes);
	wp_auth_token_dispose(&e->token);
	memset(e, 0, sizeof(*e));
}

void wp_auth_token_cache_free(wp_auth_token_cache *cache)
{
	if (!cache)
		return;
	for (size_t i = 0; i < cache->count; i++)
		entry_dispose(&cache->items[i]);
	free(cache);
}

size_t wp_auth_token_cache_size(const wp_auth_token_cache *cache)
{
	return cache ? cache->count : 0;
}

/* Index of the entry under the key, or -1. joined is the scope set key. */
static long cache_find(const wp_auth_token_cache *cache, const char *realm,
		       const char *service, const char *joined)
{
	if (!service)
		service = "";
	for (size_t i = 0; i < cache->count; i++) {
		const cache_entry *e = &cache->items[i];
		if (strcmp(e->realm, realm) == 0 && strcmp(e->service, service) == 0 &&
		    strcmp(e->scopes, joined) == 0)
			return (long)i;
	}
	return -1;
}

int wp_auth_token_cache_get(wp_auth_token *out, const wp_auth_token_cache *cache,
			    const char *realm, const char *service,
			    const wp_auth_scopes *scopes, int64_t now)
{
	char *joined = NULL;
	int error;
	if (!out || !cache || !realm)
		return wp_error(WASMPACK_EINVALID, "cannot read token cache: missing argument");
	memset(out, 0, sizeof(*out));
	if ((error = wp_auth_scopes_join(&joined, scopes)) < 0)
		return error;
	long i = cache_find(cache, realm, service, joined);
	free(joined);
	if (i < 0 || cache->items[i].token.expires_at <= now)
		return wp_error(WASMPACK_ENOTFOUND, "no valid cached token");
	return wp_auth_token_copy(out, &cache->items[i].token);
}

int wp_auth_token_cache_put(wp_auth_token_cache *cache, const char *realm,
			    const char *service, const wp_auth_scopes *scopes,
			    const wp_auth_token *token)
{
	cache_entry e = {0};
	int error;
	if (!cache || !realm || !token || !token->token)
		return wp_error(WASMPACK_EINVALID, "cannot store token: missing argument");
	if ((error = wp_auth_scopes_join(&e.scopes, scopes)) < 0)
		return error;
	if (!(e.realm = wp_strdup(realm)) || !(e.service = wp_strdup(service ? service : "")) ||
	    (error = wp_auth_token_copy(&e.token, token)) < 0) {
		entry_dispose(&e);
		return WASMPACK_ENOMEM;
	}
	long i = cache_find(cache, realm, service, e.scopes);
	if (i < 0 && cache->count == WP_AUTH_TOKEN_CACHE_MAX) {
		/* Full: drop the token that expires first. */
		i = 0;
		for (size_t j = 1; j < cache->count; j++)
			if (cache->items[j].token.expires_at < cache->items[i].token.expires_at)
				i = (long)j;
	}
	if (i < 0)
		i = (long)cache->count++;
	else
		entry_dispose(&cache->items[i]);
	cache->items[i] = e;
	return 0;
}

void wp_auth_token_cache_remove(wp_auth_token_cache *cache, const char *realm,
				const char *service, const wp_auth_scopes *scopes)
{
	char *joined = NULL;
	if (!cache || !realm || wp_auth_scopes_join(&joined, scopes) < 0)
		return;
	long i = cache_find(cache, realm, service, joined);
	free(joined);
	if (i < 0)
		return;
	entry_dispose(&cache->items[i]);
	cache->items[i] = cache->items[--cache->count];
	memset(&cache->items[cache->count], 0, sizeof(cache->items[0]));
}

/* ------------------------------------------------------------------ */
/* Basic and base64                                                    */

int wp_auth_basic_encode(char **out, const char *username, const char *password)
{
	if (!out)
		return wp_error(WASMPACK_EINVALID, "cannot encode credentials: no output");
	*out = NULL;
	if (!username)
		return wp_error(WASMPACK_EINVALID, "cannot encode credentials: no username");
	if (strchr(username, ':'))
		return wp_error(WASMPACK_EINVALID,
				"cannot encode credentials: the username contains ':'");
	char *plain = wp_asprintf("%s:%s", username, password ? password : "");
	if (!plain)
		return WASMPACK_ENOMEM;
	int error = wp_base64_encode(out, plain, strlen(plain), 0);
	wp_auth_free_secret(plain);
	return error;
}

int wp_auth_basic_decode(char **username, char **password, const char *auth)
{
	unsigned char *raw = NULL;
	size_t n = 0;
	int error = 0;
	if (!username || !password)
		return wp_error(WASMPACK_EINVALID, "cannot decode credentials: no output");
	*username = *password = NULL;
	if (!auth)
		return wp_error(WASMPACK_EINVALID, "cannot decode credentials: none given");
	int rc = wp_base64_decode(&raw, &n, auth, WP_BASE64_SKIP_NEWLINES);
	if (rc == WASMPACK_ENOMEM)
		return rc;
	if (rc < 0)
		return wp_error(WASMPACK_EINVALID, "invalid credentials: not valid base64");
	char *colon = memchr(raw, ':', n);
	if (memchr(raw, '\0', n)) {
		error = wp_error(WASMPACK_EINVALID, "invalid credentials: NUL byte");
	} else if (!colon) {
		error = wp_error(WASMPACK_EINVALID,
				 "invalid credentials: expected base64 of 'username:password'");
	} else if (!(*username = dup_n((char *)raw, (size_t)(colon - (char *)raw))) ||
		   !(*password = wp_strdup(colon + 1))) {
		error = WASMPACK_ENOMEM;
	}
	if (error < 0) {
		free(*username);
		*username = NULL;
	}
	wp_secret_wipe(raw, n);
	free(raw);
	return error;
}

/* ------------------------------------------------------------------ */
/* Docker Hub, config keys, secret JSON                                */

int wp_auth_is_docker_hub(const char *registry)
{
	return registry && (strcasecmp(registry, "docker.io") == 0 ||
			    strcasecmp(registry, "index.docker.io") == 0 ||
			    strcasecmp(registry, WP_AUTH_DOCKER_HUB_API_HOST) == 0);
}

const char *wp_auth_api_host(const char *registry)
{
	return wp_auth_is_docker_hub(registry) ? WP_AUTH_DOCKER_HUB_API_HOST : registry;
}

const char *wp_auth_config_key(const char *registry)
{
	return wp_auth_is_docker_hub(registry) ? WP_AUTH_DOCKER_HUB_CONFIG_KEY : registry;
}

int wp_auth_key_host(char **out, const char *key)
{
	if (!out || !key)
		return wp_error(WASMPACK_EINVALID, "cannot read registry key: none given");
	const char *p = strstr(key, "://");
	p = p ? p + 3 : key;
	size_t n = strcspn(p, "/?#");
	/* Drop user info ("user@host"), as URL parsing would. */
	const char *at = memchr(p, '@', n);
	if (p != key && at) {
		n -= (size_t)(at + 1 - p);
		p = at + 1;
	}
	*out = dup_n(p, n);
	return *out ? 0 : WASMPACK_ENOMEM;
}

int wp_auth_json_parse_secret(json_t **out, const void *data, size_t len, size_t max,
			      const char *what)
{
	json_error_t jerr;
	if (!out)
		return wp_error(WASMPACK_EINVALID, "cannot parse %s: no output", what);
	*out = NULL;
	if (!data && len)
		return wp_error(WASMPACK_EINVALID, "cannot parse %s: no data", what);
	if (len > max)
		return wp_error(WASMPACK_ETOOLARGE, "%s is too large: %zu bytes, the limit is %zu",
				what, len, max);
	json_t *root = json_loadb(data ? (const char *)data : "", len, JSON_REJECT_DUPLICATES,
				  &jerr);
	if (!root) {
		switch (json_error_code(&jerr)) {
		case json_error_out_of_memory:
			return wp_error_nomem();
		case json_error_duplicate_key:
			return wp_error(WASMPACK_EINVALID, "invalid %s: duplicate key at line %d",
					what, jerr.line);
		default:
			return wp_error(WASMPACK_EINVALID,
					"invalid %s: malformed json at line %d, column %d", what,
					jerr.line, jerr.column);
		}
	}
	if (!json_is_object(root)) {
		int error = wp_error(WASMPACK_EINVALID, "invalid %s: expected a json object, got %s",
				     what, wp_json_type_name(root));
		json_decref(root);
		return error;
	}
	*out = root;
	return 0;
}
