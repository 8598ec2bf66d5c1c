/* A small unit-test harness: each suite file exports a NULL-terminated
 * table of named test functions; main.c runs them and prints
 * "N passed, N failed".
 *
 * A failing check says what it saw, so a failure can be understood from
 * the log alone: CHECK_INT and CHECK_STR print both values, CHECK_OK and
 * CHECK_ERR the codes with their names and the library's last error.
 * Checks inside helpers report the line of the test that called the
 * helper (through AT_INT/AT_PTR), and the helper's own line beside it.
 * Clean-up that must run however a test ends goes on the deferred stack
 * (harness_defer), which the runner empties after every test. */
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

/* Marks the current test failed and prints where and what: file:line,
 * the expression, and detail when not NULL or empty. */
void harness_fail(const char *file, int line, const char *expr, const char *detail);
/* The same with a printf-style detail. */
void harness_failf(const char *file, int line, const char *expr, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* What CHECK_INT, CHECK_STR, CHECK_OK, CHECK_ERR and CHECK_MEM print. */
void harness_fail_int(const char *file, int line, const char *expr, long long got, long long want);
void harness_fail_str(const char *file, int line, const char *expr, const char *got,
		      const char *want);
void harness_fail_code(const char *file, int line, const char *expr, int got, int want);
void harness_fail_mem(const char *file, int line, const char *expr, const void *got,
		      const void *want, size_t size);

/* Whether the current test has failed so far. */
int harness_failed(void);

/* Runs fn(arg) after the current test, however it ends; the last deferred
 * runs first. A NULL fn is ignored. Returns 0, or -1 (after failing the
 * test, having run fn(arg) at once) when the stack is full. */
int harness_defer(void (*fn)(void *), void *arg);
/* Runs the deferred clean-ups now (the runner does it after each test). */
void harness_run_deferred(void);

/* The caller stack: AT_INT(helper(...)) and AT_PTR(type, helper(...))
 * record the line of the call while helper runs, so that a failure
 * inside reports the test's line. Nest freely. */
void harness_enter(const char *file, int line);
int harness_leave_int(int value);
void *harness_leave_ptr(void *value);
#define AT_INT(call) harness_leave_int((harness_enter(__FILE__, __LINE__), (call)))
#define AT_PTR(type, call) ((type)harness_leave_ptr((harness_enter(__FILE__, __LINE__), (call))))
#define AT_VOID(call) ((void)harness_leave_int((harness_enter(__FILE__, __LINE__), (call), 0)))

/* Directory holding testdata/ (from $WASMPACK_TESTDATA or "testdata"). */
const char *harness_testdata(void);
/* A fresh empty temporary directory, removed when the run ends. */
const char *harness_tmpdir(void);
/* Starts argv[0] (searched on PATH) with pipes on its stdin and stdout and
 * reads the first line it prints, which must be "PORT=<n>" within 10 s.
 * Fills *pid, *in_fd (its stdin: close it to make it exit) and *out_fd.
 * Returns the port, or -1 after failing the test (nothing left running). */
int harness_spawn_port_(pid_t *pid, int *in_fd, int *out_fd, char *const argv[]);
#define harness_spawn_port(...) AT_INT(harness_spawn_port_(__VA_ARGS__))
/* Writes script to DIR/NAME with every ' turned into " (so JSON can be
 * written in C strings without escapes); path gets the file name.
 * Returns 0, or -1 after failing the test. */
int harness_write_script_(char *path, size_t size, const char *name, const char *script);
#define harness_write_script(...) AT_INT(harness_write_script_(__VA_ARGS__))
/* Reads testdata/NAME into out; returns 0 or fails the test. */
int harness_read_testdata_(wasmpack_buf *out, const char *name);
#define harness_read_testdata(...) AT_INT(harness_read_testdata_(__VA_ARGS__))

#define CHECK(cond)                                                    \
	do {                                                           \
		if (!(cond)) {                                         \
			harness_fail(__FILE__, __LINE__, #cond, NULL); \
			return;                                        \
		}                                                      \
	} while (0)

/* Integers (and enums, sizes): got and want are converted to long long,
 * and a pointer given by mistake does not compile. */
#define CHECK_INT(got, want)                                                                \
	do {                                                                                \
		long long check_got_ = (got), check_want_ = (want);                         \
		if (check_got_ != check_want_) {                                            \
			harness_fail_int(__FILE__, __LINE__, #got " == " #want, check_got_, \
					 check_want_);                                      \
			return;                                                             \
		}                                                                           \
	} while (0)

/* Strings, equal and both non-NULL. */
#define CHECK_STR(got, want)                                                                \
	do {                                                                                \
		const char *check_got_ = (got), *check_want_ = (want);                      \
		if (!check_got_ || !check_want_ || strcmp(check_got_, check_want_) != 0) {  \
			harness_fail_str(__FILE__, __LINE__, #got " == " #want, check_got_, \
					 check_want_);                                      \
			return;                                                             \
		}                                                                           \
	} while (0)

/* size bytes at got equal those at want. */
#define CHECK_MEM(got, want, size)                                                          \
	do {                                                                                \
		const void *check_got_ = (got), *check_want_ = (want);                      \
		size_t check_size_ = (size);                                                \
		if (!check_got_ || !check_want_ ||                                          \
		    memcmp(check_got_, check_want_, check_size_) != 0) {                    \
			harness_fail_mem(__FILE__, __LINE__, #got " == " #want, check_got_, \
					 check_want_, check_size_);                         \
			return;                                                             \
		}                                                                           \
	} while (0)

/* Expects the call to return 0; otherwise reports the code and last error. */
#define CHECK_OK(expr)                                                              \
	do {                                                                        \
		int check_rc_ = (expr);                                             \
		if (check_rc_ != 0) {                                               \
			harness_fail_code(__FILE__, __LINE__, #expr, check_rc_, 0); \
			return;                                                     \
		}                                                                   \
	} while (0)

/* Expects exactly the (negative) error code `code`. */
#define CHECK_ERR(expr, code)                                                                 \
	do {                                                                                  \
		int check_rc_ = (expr), check_code_ = (code);                                 \
		if (check_rc_ != check_code_) {                                               \
			harness_fail_code(__FILE__, __LINE__, #expr, check_rc_, check_code_); \
			return;                                                               \
		}                                                                             \
	} while (0)

#define TEST_ENTRY(fn)  \
	{               \
#fn, fn \
	}
#define TEST_END           \
	{                  \
		NULL, NULL \
	}

#endif
