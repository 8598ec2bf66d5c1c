/* String arrays (image config Entrypoint/Cmd/Env, diff_ids, tag lists).
 * Here rather than beside the JSON code so oci/json.c and oci/descriptor.c
 * both sit on it instead of calling each other. */
#include "util/error.h"

#include <stdlib.h>
#include <string.h>

int wasmpack_strv_push(wasmpack_strv *v, const char *s)
{
	if (!v || !s)
		return wp_error(WASMPACK_EINVALID, "cannot add to list: missing string");
	char *copy = strdup(s);
	if (!copy)
		return wp_error_nomem();
	char **items = realloc(v->items, (v->count + 1) * sizeof(*items));
	if (!items) {
		free(copy);
		return wp_error_nomem();
	}
	items[v->count++] = copy;
	v->items = items;
	return 0;
}

void wasmpack_strv_dispose(wasmpack_strv *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->count; i++)
		free(v->items[i]);
	free(v->items);
	v->items = NULL;
	v->count = 0;
}
