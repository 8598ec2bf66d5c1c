/* Internal: WWW-Authenticate challenges (RFC 7235): parsed into schemes
 * and parameters. Nothing here does I/O. */
#ifndef WP_CHALLENGE_H
#define WP_CHALLENGE_H

#include <stddef.h>

#include "wasmpack/common.h"

/* Limits on what a server can make us hold. */
#define WP_AUTH_HEADER_MAX 16384  /* bytes of one WWW-Authenticate value */
#define WP_AUTH_CHALLENGES_MAX 16 /* challenges in one list */
#define WP_AUTH_PARAMS_MAX 32     /* auth-params in one challenge */

/* One challenge. Strings are owned by the list that holds it. */
typedef struct wp_auth_challenge {
	char *scheme;           /* lower case: "bearer", "basic", ... */
	char *token68;          /* `Scheme token68` form, else NULL */
	wasmpack_kvlist params; /* names in lower case, values unquoted and
				   unescaped, in header order; a repeated name
				   keeps its first value */
} wp_auth_challenge;

typedef struct wp_auth_challenges {
	wp_auth_challenge *items;
	size_t count;
} wp_auth_challenges;

#define WP_AUTH_CHALLENGES_INIT \
	{                       \
		NULL, 0         \
	}

/* Parses one WWW-Authenticate field value (len bytes, not necessarily
 * NUL-terminated) and appends its challenges to list; call once per
 * header line. Accepts several comma-separated challenges, quoted values
 * with commas and backslash escapes, token68, empty list elements, and
 * (leniently) unquoted values such as realm=https://x/token. Fails with
 * WASMPACK_ETOOLARGE over WP_AUTH_HEADER_MAX bytes, WP_AUTH_PARAMS_MAX
 * params or WP_AUTH_CHALLENGES_MAX challenges in the list, and with
 * WASMPACK_EINVALID (naming the byte offset) on a syntax error; on error
 * the list is left as it was. A value of only commas and spaces adds
 * nothing and succeeds. */
int wp_auth_challenges_parse(wp_auth_challenges *list, const char *value, size_t len);

/* The first challenge of scheme (any case), borrowed from list, or NULL. */
const wp_auth_challenge *wp_auth_challenges_find(const wp_auth_challenges *list,
						 const char *scheme);

/* The value of param name (any case), borrowed from c, or NULL. */
const char *wp_auth_challenge_param(const wp_auth_challenge *c, const char *name);

/* Frees every challenge and zeroes the list. NULL-safe. */
void wp_auth_challenges_dispose(wp_auth_challenges *list);

#endif
