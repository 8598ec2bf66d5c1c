/* Lexical path cleaning for names inside archives: the same rules as a
 * container root, computed on strings only. */
#include "util/path.h"

#include <stdlib.h>
#include <string.h>

#include "util/error.h"

char *wp_path_clean(const char *path, int *climbs)
{
	size_t len = strlen(path);
	char *out = malloc(len + 1);
	size_t used = 0;
	if (climbs)
		*climbs = 0;
	if (!out) {
		wp_error_nomem();
		return NULL;
	}
	const char *p = path;
	while (*p) {
		while (*p == '/')
			p++;
		const char *end = p;
		while (*end && *end != '/')
			end++;
		size_t n = (size_t)(end - p);
		if (n == 0 || (n == 1 && p[0] == '.')) {
			/* nothing */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (used == 0) {
				if (climbs)
					*climbs = 1;
			} else {
				while (used > 0 && out[used - 1] != '/')
					used--;
				if (used > 0)
					used--; /* the separator */
			}
		} else {
			if (used)
				out[used++] = '/';
			memcpy(out + used, p, n);
			used += n;
		}
		p = end;
	}
	out[used] = '\0';
	return out;
}

int wp_path_within(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	if (n == 0)
		return 1;
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

size_t wp_path_dir_len(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? (size_t)(slash - path) : 0;
}
