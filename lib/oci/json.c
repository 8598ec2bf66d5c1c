/* Internal JSON helpers over jansson: strict parsing, canonical output and
 * typed member readers/writers with path-naming error messages. */
#include "oci/json.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

/* The strict parse behind both entry points; the top level must be an
 * object, or an array when want_array. */
static int parse_document(json_t **out, const void *data, size_t len, size_t max, const char *what,
			  int want_array)
{
	json_error_t jerr;
	json_t *root = NULL;

	if (!out)
		return wp_error(WASMPACK_EINVALID, "cannot parse %s: no output", what);
	*out = NULL;
	if (!data && len)
		return wp_error(WASMPACK_EINVALID, "cannot parse %s: no data", what);
	/* Checked before parsing so a hostile document costs no memory. */
	if (len > max)
		return wp_error(WASMPACK_ETOOLARGE, "%s is too large: %zu bytes, the limit is %zu",
				what, len, max);
	root = json_loadb(data ? (const char *)data : "", len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		if (json_error_code(&jerr) == json_error_out_of_memory)
			return wp_error_nomem();
		return wp_error(WASMPACK_EINVALID,
				"invalid %s: malformed json at line %d, column %d: %s", what,
				jerr.line, jerr.column, jerr.text);
	}
	if (want_array ? !json_is_array(root) : !json_is_object(root)) {
		int error = wp_error(WASMPACK_EINVALID, "invalid %s: expected a json %s, got %s",
				     what, want_array ? "array" : "object",
				     wp_json_type_name(root));
		json_decref(root);
		return error;
	}
	*out = root;
	return 0;
}

int wp_json_parse(json_t **out, const void *data, size_t len, size_t max, const char *what)
{
	return parse_document(out, data, len, max, what, 0);
}

int wp_json_parse_array(json_t **out, const void *data, size_t len, size_t max, const char *what)
{
	return parse_document(out, data, len, max, what, 1);
}

int wp_json_blank(const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\n' && p[i] != '\r')
			return 0;
	return 1;
}

int wp_json_dump(wasmpack_buf *out, const json_t *j)
{
	const size_t flags = JSON_COMPACT | JSON_SORT_KEYS;
	char *data = NULL;
	size_t need;

	if (!out || !j)
		return wp_error(WASMPACK_EINVALID, "cannot write json: no document");
	out->data = NULL;
	out->size = 0;
	/* json_dumpb twice rather than json_dumps: the bytes must be free()able
	 * by wasmpack_buf_dispose whatever allocator jansson was given. */
	need = json_dumpb(j, NULL, 0, flags);
	if (need == 0)
		return wp_error_nomem();
	data = malloc(need + 1);
	if (!data)
		return wp_error_nomem();
	if (json_dumpb(j, data, need, flags) != need) {
		free(data);
		return wp_error_nomem();
	}
	data[need] = '\0';
	out->data = (unsigned char *)data;
	out->size = need;
	return 0;
}

void wp_json_ctx_init(wp_json_ctx *cx, const char *what)
{
	cx->what = what;
	cx->path[0] = '\0';
	cx->len = 0;
}

static size_t ctx_append(wp_json_ctx *cx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static size_t ctx_append(wp_json_ctx *cx, const char *fmt, ...)
{
	size_t mark = cx->len;
	size_t room = sizeof(cx->path) - cx->len;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(cx->path + cx->len, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		cx->len += (size_t)n < room ? (size_t)n : room - 1;
	return mark;
}

size_t wp_json_ctx_push_key(wp_json_ctx *cx, const char *key)
{
	return ctx_append(cx, cx->len ? ".%s" : "%s", key);
}

size_t wp_json_ctx_push_index(wp_json_ctx *cx, size_t index)
{
	return ctx_append(cx, "[%zu]", index);
}

void wp_json_ctx_pop(wp_json_ctx *cx, size_t mark)
{
	if (mark < sizeof(cx->path)) {
		cx->len = mark;
		cx->path[mark] = '\0';
	}
}

int wp_json_error(const wp_json_ctx *cx, const char *key, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	const char *path = cx->path;
	const char *dot = cx->len && key ? "." : "";
	if (!key)
		key = "";
	if (!*path && !*key)
		return wp_error(WASMPACK_EINVALID, "invalid %s: %s", cx->what, msg);
	return wp_error(WASMPACK_EINVALID, "invalid %s: %s%s%s: %s", cx->what, path, dot, key, msg);
}

const char *wp_json_type_name(const json_t *j)
{
	switch (j ? json_typeof(j) : JSON_NULL) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a real number";
	case JSON_TRUE: return "true";
	case JSON_FALSE: return "false";
	case JSON_NULL: return "null";
	}
	return "an unknown value";
}

/* 1 when the NUL-terminated s is UTF-8 as jansson accepts it (no overlong
 * forms, surrogates or code points past U+10FFFF): jansson would otherwise
 * fail with NULL, indistinguishable from running out of memory. */
static int utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned c = *p, cp;
		size_t n;
		if (c < 0x80) {
			p++;
			continue;
		} else if (c >= 0xC2 && c <= 0xDF) {
			n = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		/* A NUL is not a continuation byte, so this never reads past it. */
		for (size_t i = 1; i <= n; i++) {
			if ((p[i] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i] & 0x3F);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		p += n + 1;
	}
	return 1;
}

/* The member under key: NULL when missing or, for optional members, null.
 * A required null is returned so the caller's type check names it. */
static int member(const json_t **out, const json_t *obj, const char *key, unsigned flags,
		  wp_json_ctx *cx)
{
	const json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (!v) {
		if (flags & WP_JSON_REQUIRED)
			return wp_json_error(cx, key, "missing");
		return 0;
	}
	if (json_is_null(v) && !(flags & WP_JSON_REQUIRED))
		return 0;
	*out = v;
	return 0;
}

int wp_json_get_string(const char **out, const json_t *obj, const char *key, unsigned flags,
		       wp_json_ctx *cx)
{
	const json_t *v;
	int error = member(&v, obj, key, flags, cx);
	*out = NULL;
	if (error < 0 || !v)
		return error;
	if (!json_is_string(v))
		return wp_json_error(cx, key, "expected a string, got %s", wp_json_type_name(v));
	*out = json_string_value(v);
	return 0;
}

int wp_json_get_string_dup(char **out, const json_t *obj, const char *key, unsigned flags,
			   wp_json_ctx *cx)
{
	const char *s;
	int error = wp_json_get_string(&s, obj, key, flags, cx);
	*out = NULL;
	if (error < 0 || !s)
		return error;
	*out = strdup(s);
	return *out ? 0 : wp_error_nomem();
}

int wp_json_get_int(int64_t *out, int *present, const json_t *obj, const char *key, int64_t min,
		    int64_t max, unsigned flags, wp_json_ctx *cx)
{
	const json_t *v;
	int error = member(&v, obj, key, flags, cx);
	if (present)
		*present = 0;
	if (error < 0 || !v)
		return error;
	if (!json_is_integer(v))
		return wp_json_error(cx, key, "expected an integer, got %s", wp_json_type_name(v));
	int64_t n = (int64_t)json_integer_value(v);
	if (n < min || n > max) {
		if (min == max)
			return wp_json_error(cx, key, "must be %" PRId64 ", got %" PRId64, min, n);
		if (max == INT64_MAX)
			return wp_json_error(cx, key,
					     "expected an integer >= %" PRId64 ", got %" PRId64,
					     min, n);
		return wp_json_error(cx, key,
				     "expected an integer from %" PRId64 " to %" PRId64
				     ", got %" PRId64,
				     min, max, n);
	}
	*out = n;
	if (present)
		*present = 1;
	return 0;
}

static int get_typed(const json_t **out, const json_t *obj, const char *key, unsigned flags,
		     wp_json_ctx *cx, json_type type, const char *type_name)
{
	const json_t *v;
	int error = member(&v, obj, key, flags, cx);
	*out = NULL;
	if (error < 0 || !v)
		return error;
	if (json_typeof(v) != type)
		return wp_json_error(cx, key, "expected %s, got %s", type_name,
				     wp_json_type_name(v));
	*out = v;
	return 0;
}

int wp_json_get_object(const json_t **out, const json_t *obj, const char *key, unsigned flags,
		       wp_json_ctx *cx)
{
	return get_typed(out, obj, key, flags, cx, JSON_OBJECT, "an object");
}

int wp_json_get_array(const json_t **out, const json_t *obj, const char *key, unsigned flags,
		      wp_json_ctx *cx)
{
	return get_typed(out, obj, key, flags, cx, JSON_ARRAY, "an array");
}

int wp_json_get_strv(wasmpack_strv *out, const json_t *obj, const char *key, unsigned flags,
		     wp_json_ctx *cx)
{
	const json_t *arr;
	wasmpack_strv v = {NULL, 0};
	int error = wp_json_get_array(&arr, obj, key, flags, cx);
	if (error < 0 || !arr || json_array_size(arr) == 0)
		return error;
	size_t n = json_array_size(arr);
	/* Sized once: the array's length is already bounded by the input. */
	v.items = calloc(n, sizeof(*v.items));
	if (!v.items)
		return wp_error_nomem();
	for (size_t i = 0; i < n; i++) {
		const json_t *s = json_array_get(arr, i);
		if (!json_is_string(s)) {
			size_t mark = wp_json_ctx_push_key(cx, key);
			wp_json_ctx_push_index(cx, i);
			error = wp_json_error(cx, NULL, "expected a string, got %s",
					      wp_json_type_name(s));
			wp_json_ctx_pop(cx, mark);
			goto done;
		}
		v.items[i] = strdup(json_string_value(s));
		if (!v.items[i]) {
			error = wp_error_nomem();
			goto done;
		}
		v.count = i + 1;
	}
	*out = v;
	v.items = NULL;
	v.count = 0;
done:
	wasmpack_strv_dispose(&v);
	return error;
}

int wp_json_get_kvlist(wasmpack_kvlist *out, const json_t *obj, const char *key, unsigned flags,
		       wp_json_ctx *cx)
{
	const json_t *o;
	wasmpack_kvlist l = WASMPACK_KVLIST_INIT;
	int error = wp_json_get_object(&o, obj, key, flags, cx);
	if (error < 0 || !o || json_object_size(o) == 0)
		return error;
	size_t n = json_object_size(o);
	l.items = calloc(n, sizeof(*l.items));
	if (!l.items)
		return wp_error_nomem();
	/* jansson's iterator API is not const-correct; it only reads here. */
	for (void *it = json_object_iter((json_t *)o); it && l.count < n;
	     it = json_object_iter_next((json_t *)o, it)) {
		const char *k = json_object_iter_key(it);
		const json_t *s = json_object_iter_value(it);
		if (!json_is_string(s)) {
			size_t mark = wp_json_ctx_push_key(cx, key);
			error = wp_json_error(cx, k, "expected a string, got %s",
					      wp_json_type_name(s));
			wp_json_ctx_pop(cx, mark);
			goto done;
		}
		wasmpack_kv *kv = &l.items[l.count];
		kv->key = strdup(k);
		kv->value = strdup(json_string_value(s));
		l.count++;
		if (!kv->key || !kv->value) {
			error = wp_error_nomem();
			goto done;
		}
	}
	*out = l;
	l.items = NULL;
	l.count = 0;
done:
	wasmpack_kvlist_dispose(&l);
	return error;
}

int wp_json_set_string(json_t *obj, const char *key, const char *value, wp_json_ctx *cx)
{
	if (!value)
		return 0;
	if (!utf8_valid(value))
		return wp_json_error(cx, key, "not valid utf-8");
	return wp_json_set_new(obj, key, json_string_nocheck(value));
}

int wp_json_set_new(json_t *obj, const char *key, json_t *value)
{
	if (!value)
		return wp_error_nomem();
	/* json_object_set_new() releases value on failure too. */
	if (json_object_set_new(obj, key, value) != 0)
		return wp_error_nomem();
	return 0;
}

int wp_json_append_new(json_t *arr, json_t *value)
{
	if (!value)
		return wp_error_nomem();
	if (json_array_append_new(arr, value) != 0)
		return wp_error_nomem();
	return 0;
}

int wp_json_set_strv(json_t *obj, const char *key, const wasmpack_strv *v, unsigned flags,
		     wp_json_ctx *cx)
{
	json_t *arr = NULL;
	int error = 0;
	if (v->count == 0 && !(flags & WP_JSON_KEEP_EMPTY))
		return 0;
	arr = json_array();
	if (!arr)
		return wp_error_nomem();
	for (size_t i = 0; i < v->count; i++) {
		if (!v->items[i] || !utf8_valid(v->items[i])) {
			size_t mark = wp_json_ctx_push_key(cx, key);
			wp_json_ctx_push_index(cx, i);
			error = wp_json_error(cx, NULL,
					      v->items[i] ? "not valid utf-8" : "missing string");
			wp_json_ctx_pop(cx, mark);
			goto done;
		}
		if ((error = wp_json_append_new(arr, json_string_nocheck(v->items[i]))) < 0)
			goto done;
	}
	error = wp_json_set_new(obj, key, arr);
	arr = NULL;
done:
	json_decref(arr);
	return error;
}

int wp_json_set_kvlist(json_t *obj, const char *key, const wasmpack_kvlist *l, unsigned flags,
		       wp_json_ctx *cx)
{
	json_t *o = NULL;
	int error = 0;
	size_t mark = 0;
	if (l->count == 0 && !(flags & WP_JSON_KEEP_EMPTY))
		return 0;
	o = json_object();
	if (!o)
		return wp_error_nomem();
	mark = wp_json_ctx_push_key(cx, key);
	for (size_t i = 0; i < l->count; i++) {
		const wasmpack_kv *kv = &l->items[i];
		if (!kv->key || !utf8_valid(kv->key)) {
			error = wp_json_error(cx, NULL, "key %zu is %s", i,
					      kv->key ? "not valid utf-8" : "missing");
			goto done;
		}
		/* A repeat would silently drop a pair from the output. */
		if (json_object_get(o, kv->key)) {
			error = wp_json_error(cx, kv->key, "duplicate key");
			goto done;
		}
		if (!kv->value) {
			error = wp_json_error(cx, kv->key, "missing value");
			goto done;
		}
		if ((error = wp_json_set_string(o, kv->key, kv->value, cx)) < 0)
			goto done;
	}
	error = wp_json_set_new(obj, key, o);
	o = NULL;
done:
	wp_json_ctx_pop(cx, mark);
	json_decref(o);
	return error;
}
