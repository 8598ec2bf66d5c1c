/* A small unit-test harness: each suite file exports a NULL-terminated
 * table of named test functions; main.c runs them and prints
 * "N passed, N failed". A failing check prints the library's last error. */
#ifndef WP_HARNESS_H
#define WP_HARNESS_H

#include <stddef.h>
#include <string.h>
#include <sys/types.h>

#include "wasmpack/wasmpack.h"

typedef struct test_case {
	const char *name;
	void (*fn)(void);
} test_case;

void harness_fail(const char *file, int line, const char *expr, const char *detail);
/* Directory holding testdata/ (from $WASMPACK_TESTDATA or "testdata"). */
const char *harness_testdata(void);
/* A fresh empty temporary directory, removed when the run ends. */
const char *harness_tmpdir(void);
/* Starts argv[0] (searched on PATH) with pipes on its stdin and stdout and
 * reads the first line it prints, which must be "PORT=<n>" within 10 s.
 * Fills *pid, *in_fd (its stdin: close it to make it exit) and *out_fd.
 * Returns the port, or -1 after failing the test (nothing left running). */
int harness_spawn_port(pid_t *pid, int *in_fd, int *out_fd, char *const argv[]);
/* Writes script to DIR/NAME with every ' turned into " (so JSON can be
 * written in C strings without escapes); path gets the file name.
 * Returns 0, or -1 after failing the test. */
int harness_write_script(char *path, size_t size, const char *name, const char *script);
/* Reads testdata/NAME into out; returns 0 or fails the test. */
int harness_read_testdata(wasmpack_buf *out, const char *name);

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			harness_fail(__FILE__, __LINE__, #cond, NULL);         \
			return;                                                \
		}                                                              \
	} while (0)

/* Expects the call to return 0; otherwise reports the code and last error. */
#define CHECK_OK(expr)                                                         \
	do {                                                                   \
		int check_rc_ = (expr);                                        \
		if (check_rc_ != 0) {                                          \
			harness_fail(__FILE__, __LINE__, #expr,                \
				     wasmpack_error_last());                   \
			return;                                                \
		}                                                              \
	} while (0)

/* Expects exactly the (negative) error code `code`. */
#define CHECK_ERR(expr, code)                                                  \
	do {                                                                   \
		int check_rc_ = (expr);                                        \
		if (check_rc_ != (code)) {                                     \
			harness_fail(__FILE__, __LINE__, #expr " == " #code,   \
				     wasmpack_error_last());                   \
			return;                                                \
		}                                                              \
	} while (0)

#define CHECK_STR(a, b)                                                        \
	do {                                                                   \
		const char *check_a_ = (a), *check_b_ = (b);                   \
		if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_)) {   \
			harness_fail(__FILE__, __LINE__, #a " == " #b,         \
				     check_a_ ? check_a_ : "(null)");          \
			return;                                                \
		}                                                              \
	} while (0)

#define TEST_ENTRY(fn) {#fn, fn}
#define TEST_END {NULL, NULL}

#endif
