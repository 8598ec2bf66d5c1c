/* A WASI command that touches the file system: writes then reads back
 * out.txt in the preopened directory (argv[1], default "."). */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	char path[512];
	char line[128] = "";
	const char *dir = argc > 1 ? argv[1] : ".";
	snprintf(path, sizeof(path), "%s/out.txt", dir);
	FILE *f = fopen(path, "w");
	if (!f) {
		perror(path);
		return 1;
	}
	fputs("written by files.wasm\n", f);
	fclose(f);
	f = fopen(path, "r");
	if (!f || !fgets(line, sizeof(line), f)) {
		perror(path);
		return 1;
	}
	fclose(f);
	fputs(line, stdout);
	return strcmp(line, "written by files.wasm\n") != 0;
}
