/* Shared by the fuzz targets and the replay driver: the libFuzzer entry
 * point and the one kind of check a target makes (round-trip stability). */
#ifndef WASMPACK_FUZZ_H
#define WASMPACK_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with a message when an invariant fails, so libFuzzer records the
 * input as a crash and the replay binary exits non-zero. */
#define FUZZ_CHECK(cond, ...)                                              \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "fuzz check failed: %s: ", #cond); \
			fprintf(stderr, __VA_ARGS__);                      \
			fputc('\n', stderr);                               \
			abort();                                           \
		}                                                          \
	} while (0)

/* A NUL-terminated copy of the input (text stops at its first NUL byte),
 * exactly size + 1 bytes so a sanitizer sees any over-read. NULL when out
 * of memory: the target then returns. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (s) {
		if (size)
			memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

/* A copy of exactly size bytes (at least one allocated), for parsers that
 * take a length: an over-read of the caller's buffer then shows. */
static inline void *fuzz_dup(const uint8_t *data, size_t size)
{
	void *p = malloc(size ? size : 1);
	if (p && size)
		memcpy(p, data, size);
	return p;
}

#endif
