/* Runs every unit suite, or only tests whose name contains argv[1]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#ifdef SUITE_ONLY
/* Build one suite alone: cc ... -DSUITE_ONLY=digest_tests */
extern const test_case SUITE_ONLY[];
#define SUITES_LIST SUITE_ONLY,
#else
#include "suites.h"
#endif

static int current_failed;
static char tmpdir_path[256];

void harness_fail(const char *file, int line, const char *expr, const char *detail)
{
	current_failed = 1;
	fprintf(stdout, "  check failed at %s:%d: %s", file, line, expr);
	if (detail && *detail)
		fprintf(stdout, " (%s)", detail);
	fputc('\n', stdout);
}

const char *harness_testdata(void)
{
	const char *d = getenv("WASMPACK_TESTDATA");
	return d && *d ? d : "testdata";
}

const char *harness_tmpdir(void)
{
	if (!tmpdir_path[0]) {
		const char *base = getenv("TMPDIR");
		snprintf(tmpdir_path, sizeof(tmpdir_path), "%s/wasmpack-unit-XXXXXX",
			 base && *base ? base : "/tmp");
		if (!mkdtemp(tmpdir_path)) {
			perror("mkdtemp");
			exit(1);
		}
	}
	return tmpdir_path;
}

int harness_read_testdata(wasmpack_buf *out, const char *name)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", harness_testdata(), name);
	FILE *f = fopen(path, "rb");
	if (!f) {
		harness_fail(__FILE__, __LINE__, "open testdata", path);
		return -1;
	}
	size_t cap = 1 << 16, len = 0;
	unsigned char *data = malloc(cap + 1);
	size_t n;
	while (data && (n = fread(data + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			unsigned char *g = realloc(data, cap * 2 + 1);
			if (!g) {
				free(data);
				data = NULL;
				break;
			}
			data = g;
			cap *= 2;
		}
	}
	fclose(f);
	if (!data)
		return -1;
	data[len] = 0;
	out->data = data;
	out->size = len;
	return 0;
}

static const test_case *const all_suites[] = {SUITES_LIST NULL};

int main(int argc, char **argv)
{
	const char *filter = argc > 1 ? argv[1] : NULL;
	int passed = 0, failed = 0;
	for (size_t s = 0; all_suites[s]; s++) {
		for (const test_case *t = all_suites[s]; t->name; t++) {
			if (filter && !strstr(t->name, filter))
				continue;
			current_failed = 0;
			wasmpack_error_clear();
			t->fn();
			printf("%s %s\n", current_failed ? "FAIL" : "ok  ", t->name);
			if (current_failed)
				failed++;
			else
				passed++;
		}
	}
	if (tmpdir_path[0]) {
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir_path);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir_path);
	}
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
