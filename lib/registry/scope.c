/* Scope sets: the normalized "type:name:actions" sets a token is asked
 * for, cached under, and checked against. */
#include "registry/scope.h"

#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/fs.h"
#include "util/str.h"

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
static int build_item(char **out, const char *resource, size_t rlen, const char *a, const char *b)
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
static size_t scopes_find(const wp_auth_scopes *set, const char *resource, size_t rlen, int *found)
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

int wp_auth_scopes_add_repository(wp_auth_scopes *set, const char *repository, const char *actions)
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
		char *one = wp_strndup(p, n);
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
