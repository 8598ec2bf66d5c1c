/* Ordered key/value lists with unique keys (annotations, labels, env). */
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
