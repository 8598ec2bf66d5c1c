/* Internal: lexical path cleaning for names read inside archives and image
 * configs, where nothing on disk may be consulted or trusted. */
#ifndef WP_PATH_H
#define WP_PATH_H

#include <stddef.h>

/* A new string (caller frees; NULL with the error set when out of memory)
 * holding path relative to a root: empty and "." parts dropped, ".."
 * removing the part before it, no leading or trailing "/" ("" is the root
 * itself). *climbs (may be NULL) is set to 1 when a ".." would go above
 * the root, else 0; the result then stays at the root, as the kernel does. */
char *wp_path_clean(const char *path, int *climbs);

/* 1 when `path` is `dir` or lies below it (both cleaned; "" is the root,
 * above everything), else 0. */
int wp_path_within(const char *path, const char *dir);

/* The length of the directory part of a cleaned path ("a/b/c" -> 3,
 * "c" -> 0). */
size_t wp_path_dir_len(const char *path);

#endif
