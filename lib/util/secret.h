/* Internal: forgetting secrets (passwords, tokens, the Basic field) so no
 * copy outlives its use in freed heap memory. */
#ifndef WP_SECRET_H
#define WP_SECRET_H

#include <stddef.h>

/* Overwrites n bytes at p with zeros in a way the compiler keeps, even
 * when p is freed right after. NULL-safe. */
void wp_secret_wipe(void *p, size_t n);

/* Wipes the NUL-terminated s, then frees it. NULL-safe. */
void wp_secret_free(char *s);

#endif
