/* Internal: scope sets ("repository:a/b:pull,push") for Bearer tokens.
 * Nothing here does I/O. */
#ifndef WP_SCOPE_H
#define WP_SCOPE_H

#include <stddef.h>

#define WP_AUTH_SCOPES_MAX 64 /* resources in one scope set */

/* A normalized set of scopes "type:name:action,action": one item per
 * type:name, actions sorted and unique, items sorted, so two sets asking
 * for the same access compare equal whatever order they were built in.
 * Items are owned by the set; read them, do not change them. */
typedef struct wp_auth_scopes {
	char **items;
	size_t count;
} wp_auth_scopes;

#define WP_AUTH_SCOPES_INIT \
	{                   \
		NULL, 0     \
	}

/* Adds one scope ("repository:a/b:pull,push"; the name may hold ':', the
 * actions follow the last ':'), merging its actions into an existing item
 * of the same type:name. WASMPACK_EINVALID when malformed (empty part,
 * whitespace, control bytes or quotes); set unchanged on error. */
int wp_auth_scopes_add(wp_auth_scopes *set, const char *scope);

/* Adds "repository:<repository>:<actions>". */
int wp_auth_scopes_add_repository(wp_auth_scopes *set, const char *repository, const char *actions);

/* Adds a space-separated list of scopes, as a challenge's `scope` param
 * carries it; NULL or "" adds nothing. All or nothing. */
int wp_auth_scopes_add_list(wp_auth_scopes *set, const char *list);

/* Adds every scope of other to set (insufficient_scope: what we had plus
 * what the registry asked for). All or nothing. */
int wp_auth_scopes_merge(wp_auth_scopes *set, const wp_auth_scopes *other);

/* 1 when the sets hold the same scopes, else 0. */
int wp_auth_scopes_equal(const wp_auth_scopes *a, const wp_auth_scopes *b);

/* 1 when every action of want is in have, else 0. */
int wp_auth_scopes_covers(const wp_auth_scopes *have, const wp_auth_scopes *want);

/* The set as one space-separated string (the OAuth2 `scope` form value
 * and a stable cache key); "" for an empty set. New string, caller frees. */
int wp_auth_scopes_join(char **out, const wp_auth_scopes *set);

/* Frees the items and zeroes the set. NULL-safe. */
void wp_auth_scopes_dispose(wp_auth_scopes *set);

#endif
