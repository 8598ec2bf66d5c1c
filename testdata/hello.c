/* A WASI command: prints its arguments and $GREETING, exits 0. Used by the
 * CLI tests (run under node:wasi) and as the base of the preview2 component. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	const char *greeting = getenv("GREETING");
	printf("hello from wasm\n");
	for (int i = 1; i < argc; i++)
		printf("arg %d: %s\n", i, argv[i]);
	printf("GREETING=%s\n", greeting ? greeting : "(unset)");
	return 0;
}
