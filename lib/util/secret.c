/* Wiping secrets. explicit_bzero rather than memset: a store the compiler
 * can see is dead (the block is freed next) may otherwise be dropped. */
#include "util/secret.h"

#include <stdlib.h>
#include <string.h>

void wp_secret_wipe(void *p, size_t n)
{
	if (p && n)
		explicit_bzero(p, n);
}

void wp_secret_free(char *s)
{
	if (!s)
		return;
	wp_secret_wipe(s, strlen(s));
	free(s);
}
