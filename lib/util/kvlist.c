/* Ordered key/value lists with unique keys (annotations, labels, env). */
#include "util/kvlist.h"

#include "util/error.h"

#include <stdlib.h>
#include <string.h>

const char *wasmpack_kvlist_get(const wasmpack_kvlist *list, const char *key)
{
	if (!list || !key)
		return NULL;
	for (size_t i = 0; i < list->count; i++)
		if (strcmp(list->items[i].key, key) == 0)
			return list->items[i].value;
	return NULL;
}

int wasmpack_kvlist_set(wasmpack_kvlist *list, const char *key, const char *value)
{
	if (!list || !key || !value)
		return wp_error(WASMPACK_EINVALID, "kvlist: missing key or value");
	char *v = strdup(value);
	if (!v)
		return wp_error_nomem();
	for (size_t i = 0; i < list->count; i++) {
		if (strcmp(list->items[i].key, key) == 0) {
			free(list->items[i].value);
			list->items[i].value = v;
			return 0;
		}
	}
	char *k = strdup(key);
	wasmpack_kv *items = realloc(list->items, (list->count + 1) * sizeof(*items));
	if (!k || !items) {
		free(k);
		free(v);
		if (items)
			list->items = items;
		return wp_error_nomem();
	}
	list->items = items;
	items[list->count].key = k;
	items[list->count].value = v;
	list->count++;
	return 0;
}

void wasmpack_kvlist_dispose(wasmpack_kvlist *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->count; i++) {
		free(list->items[i].key);
		free(list->items[i].value);
	}
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

int wp_kvlist_copy(wasmpack_kvlist *dst, const wasmpack_kvlist *src)
{
	wasmpack_kvlist l = WASMPACK_KVLIST_INIT;
	int error = 0;
	dst->items = NULL;
	dst->count = 0;
	if (!src || src->count == 0)
		return 0;
	/* Sized once and filled in order: src's keys are already unique. */
	l.items = calloc(src->count, sizeof(*l.items));
	if (!l.items)
		return wp_error_nomem();
	for (size_t i = 0; i < src->count; i++) {
		l.items[i].key = strdup(src->items[i].key);
		l.items[i].value = strdup(src->items[i].value);
		l.count++;
		if (!l.items[i].key || !l.items[i].value) {
			error = wp_error_nomem();
			goto done;
		}
	}
	*dst = l;
	l.items = NULL;
	l.count = 0;
done:
	wasmpack_kvlist_dispose(&l);
	return error;
}
