/* The harness tests itself: a deliberately wrong check runs in a child
 * process whose output is captured, and the text must name both sides,
 * so that a failure can be understood from the log alone. */
#include "harness.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs fn in a child with stdout on a pipe; *out gets what it printed
 * (caller frees). Returns fn's "failed" state (1 or 0), or -1. */
static int run_captured(void (*fn)(void), char **out)
{
	int p[2];
	*out = NULL;
	if (pipe(p) != 0)
		return -1;
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		dup2(p[1], 1);
		fn();
		harness_run_deferred();
		fflush(stdout);
		_exit(harness_failed() ? 1 : 0);
	}
	close(p[1]);
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t n;
	while (buf && (n = read(p[0], buf + len, cap - len - 1)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		len += (size_t)n;
		if (cap - len < 2) {
			char *g = realloc(buf, cap * 2);
			if (!g)
				break;
			buf = g;
			cap *= 2;
		}
	}
	close(p[0]);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!buf)
		return -1;
	buf[len] = '\0';
	*out = buf;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The text contains every one of the NULL-terminated strings; prints
 * those it lacks. */
static int has_all(const char *text, ...)
{
	va_list ap;
	va_start(ap, text);
	const char *s;
	int ok = 1;
	while ((s = va_arg(ap, const char *)))
		if (!strstr(text, s)) {
			printf("    missing: %s\n", s);
			ok = 0;
		}
	va_end(ap);
	if (!ok)
		printf("    in:\n%s", text);
	return ok;
}

static void wrong_int(void)
{
	int four = 2 + 2;
	CHECK_INT(four, 5);
}

static void wrong_str(void)
{
	const char *got = "alpine:3.19";
	CHECK_STR(got, "alpine:3.20");
}

static void wrong_err(void)
{
	wasmpack_reference *ref = NULL;
	/* An upper-case repository is invalid input, not "not found". */
	CHECK_ERR(wasmpack_reference_parse(&ref, "UPPER/Case"), WASMPACK_ENOTFOUND);
}

static void wrong_ok(void)
{
	wasmpack_reference *ref = NULL;
	CHECK_OK(wasmpack_reference_parse(&ref, "UPPER/Case"));
}

static void wrong_mem(void)
{
	const unsigned char a[] = {1, 2, 3, 4, 5}, b[] = {1, 2, 3, 9, 5};
	CHECK_MEM(a, b, sizeof(a));
}

/* A helper that fails: the report names the test's line, not this one. */
static int failing_helper(int value)
{
	if (value != 7) {
		harness_failf(__FILE__, __LINE__, "helper wants 7", "got %d", value);
		return -1;
	}
	return 0;
}

/* The line of the AT_INT call below: keep the four lines together. */
static const int helper_call_line = __LINE__ + 3;
static void wrong_in_helper(void)
{
	if (AT_INT(failing_helper(6)) != 0)
		return;
}

/* Deferred clean-ups record the order they ran in. */
static char ran[8];
static void mark(void *arg)
{
	size_t n = strlen(ran);
	if (n < sizeof(ran) - 1)
		ran[n] = *(const char *)arg;
}

static void test_harness__check_int_prints_both_values(void)
{
	char *out;
	int rc = run_captured(wrong_int, &out);
	CHECK_INT(rc, 1);
	int ok = has_all(out, "four == 5", "expected 5, got 4", (char *)NULL);
	free(out);
	CHECK(ok);
}

static void test_harness__check_str_prints_both_strings(void)
{
	char *out;
	int rc = run_captured(wrong_str, &out);
	CHECK_INT(rc, 1);
	int ok = has_all(out, "expected \"alpine:3.20\"", "got      \"alpine:3.19\"", (char *)NULL);
	free(out);
	CHECK(ok);
}

static void test_harness__check_err_prints_codes_names_and_last_error(void)
{
	char *out;
	int rc = run_captured(wrong_err, &out);
	CHECK_INT(rc, 1);
	char want[128], got[128];
	snprintf(want, sizeof(want), "expected %d (%s)", WASMPACK_ENOTFOUND,
		 wasmpack_strerror(WASMPACK_ENOTFOUND));
	snprintf(got, sizeof(got), "got %d (%s)", WASMPACK_EINVALID,
		 wasmpack_strerror(WASMPACK_EINVALID));
	int ok = has_all(out, want, got, "last error: ", "UPPER/Case", (char *)NULL);
	free(out);
	CHECK(ok);

	rc = run_captured(wrong_ok, &out);
	CHECK_INT(rc, 1);
	ok = has_all(out, "expected 0 (success)", got, "last error: ", (char *)NULL);
	free(out);
	CHECK(ok);
}

static void test_harness__check_mem_shows_first_difference(void)
{
	char *out;
	int rc = run_captured(wrong_mem, &out);
	CHECK_INT(rc, 1);
	int ok = has_all(out, "first difference at byte 3 of 5", "expected 01 02 03 09 05",
			 "got      01 02 03 04 05", (char *)NULL);
	free(out);
	CHECK(ok);
}

static void test_harness__helper_failure_reports_the_tests_line(void)
{
	char *out;
	int rc = run_captured(wrong_in_helper, &out);
	CHECK_INT(rc, 1);
	char at[128];
	snprintf(at, sizeof(at), "check failed at %s:%d (in a helper, at ", __FILE__,
		 helper_call_line);
	int ok = has_all(out, at, "helper wants 7", "got 6", (char *)NULL);
	free(out);
	CHECK(ok);
}

static void test_harness__passing_checks_print_nothing_and_deferred_run_in_order(void)
{
	memset(ran, 0, sizeof(ran));
	harness_defer(mark, "a");
	harness_defer(mark, "b");
	harness_run_deferred();
	CHECK_STR(ran, "ba");
	CHECK_INT(1 + 1, 2);
	CHECK_STR("a", "a");
	CHECK_MEM("abc", "abc", 3);
	CHECK_ERR(WASMPACK_EINVALID, WASMPACK_EINVALID);
	CHECK(!harness_failed());
}

const test_case harness_tests[] = {
	TEST_ENTRY(test_harness__check_int_prints_both_values),
	TEST_ENTRY(test_harness__check_str_prints_both_strings),
	TEST_ENTRY(test_harness__check_err_prints_codes_names_and_last_error),
	TEST_ENTRY(test_harness__check_mem_shows_first_difference),
	TEST_ENTRY(test_harness__helper_failure_reports_the_tests_line),
	TEST_ENTRY(test_harness__passing_checks_print_nothing_and_deferred_run_in_order),
	TEST_END,
};
