/* Runs every unit suite, or only tests whose name contains argv[1]. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
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

/* --- reporting ------------------------------------------------------------ */

/* The caller stack: where the test called the helper that is running. */
#define CALLERS_MAX 16
static struct {
	const char *file;
	int line;
} callers[CALLERS_MAX];
static int ncallers;

void harness_enter(const char *file, int line)
{
	if (ncallers < CALLERS_MAX) {
		callers[ncallers].file = file;
		callers[ncallers].line = line;
	}
	ncallers++;
}

int harness_leave_int(int value)
{
	if (ncallers > 0)
		ncallers--;
	return value;
}

void *harness_leave_ptr(void *value)
{
	if (ncallers > 0)
		ncallers--;
	return value;
}

int harness_failed(void) { return current_failed; }

/* "check failed at" the outermost caller (the test's line), and the line
 * that failed when that is inside a helper. */
static void fail_header(const char *file, int line, const char *expr)
{
	current_failed = 1;
	if (ncallers > 0 && (callers[0].file != file || callers[0].line != line))
		fprintf(stdout, "  check failed at %s:%d (in a helper, at %s:%d): %s",
			callers[0].file, callers[0].line, file, line, expr);
	else
		fprintf(stdout, "  check failed at %s:%d: %s", file, line, expr);
}

void harness_fail(const char *file, int line, const char *expr, const char *detail)
{
	fail_header(file, line, expr);
	if (detail && *detail)
		fprintf(stdout, " (%s)", detail);
	fputc('\n', stdout);
	fflush(stdout);
}

void harness_failf(const char *file, int line, const char *expr, const char *fmt, ...)
{
	char detail[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	harness_fail(file, line, expr, detail);
}

void harness_fail_int(const char *file, int line, const char *expr, long long got, long long want)
{
	fail_header(file, line, expr);
	fprintf(stdout, "\n    expected %lld, got %lld\n", want, got);
	fflush(stdout);
}

/* s quoted, with control and non-ASCII bytes escaped, cut after 1000 bytes. */
static void print_quoted(const char *s)
{
	if (!s) {
		fputs("(null)", stdout);
		return;
	}
	size_t len = strlen(s);
	fputc('"', stdout);
	for (size_t i = 0; i < len && i < 1000; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			fprintf(stdout, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(stdout, "\\x%02x", c);
		else
			fputc(c, stdout);
	}
	fputc('"', stdout);
	if (len > 1000)
		fprintf(stdout, "... (%zu bytes)", len);
}

void harness_fail_str(const char *file, int line, const char *expr, const char *got,
		      const char *want)
{
	fail_header(file, line, expr);
	fputs("\n    expected ", stdout);
	print_quoted(want);
	fputs("\n    got      ", stdout);
	print_quoted(got);
	fputc('\n', stdout);
	fflush(stdout);
}

static void print_hex(const unsigned char *p, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		fprintf(stdout, " %02x", p[i]);
}

void harness_fail_mem(const char *file, int line, const char *expr, const void *got,
		      const void *want, size_t size)
{
	fail_header(file, line, expr);
	if (!got || !want) {
		fprintf(stdout, "\n    %s is NULL\n", got ? "expected" : "got");
		fflush(stdout);
		return;
	}
	const unsigned char *g = got, *w = want;
	size_t at = 0;
	while (at < size && g[at] == w[at])
		at++;
	size_t from = at > 8 ? at - 8 : 0, to = at + 8 < size ? at + 8 : size;
	fprintf(stdout,
		"\n    first difference at byte %zu of %zu (bytes %zu to %zu shown)\n    expected",
		at, size, from, to ? to - 1 : 0);
	print_hex(w, from, to);
	fputs("\n    got     ", stdout);
	print_hex(g, from, to);
	fputc('\n', stdout);
	fflush(stdout);
}

/* "-4 (not found)", or "0 (success)". */
static const char *code_text(char *buf, size_t size, int code)
{
	snprintf(buf, size, "%d (%s)", code, code ? wasmpack_strerror(code) : "success");
	return buf;
}

void harness_fail_code(const char *file, int line, const char *expr, int got, int want)
{
	char g[96], w[96];
	fail_header(file, line, expr);
	fprintf(stdout, "\n    expected %s, got %s\n", code_text(w, sizeof(w), want),
		code_text(g, sizeof(g), got));
	const wasmpack_error_info *info = wasmpack_error_last_info();
	if (info->message && *info->message) {
		fprintf(stdout, "    last error: %s [%s", info->message,
			wasmpack_error_reason_name(info->reason));
		if (info->http_status)
			fprintf(stdout, ", HTTP %ld", info->http_status);
		if (info->registry_code && *info->registry_code)
			fprintf(stdout, ", %s", info->registry_code);
		fputs("]\n", stdout);
	}
	fflush(stdout);
}

/* --- deferred clean-up ---------------------------------------------------- */

#define DEFERRED_MAX 64
static struct {
	void (*fn)(void *);
	void *arg;
} deferred[DEFERRED_MAX];
static int ndeferred;

int harness_defer(void (*fn)(void *), void *arg)
{
	if (!fn)
		return 0;
	if (ndeferred == DEFERRED_MAX) {
		harness_fail(__FILE__, __LINE__, "harness_defer", "too many deferred clean-ups");
		fn(arg);
		return -1;
	}
	deferred[ndeferred].fn = fn;
	deferred[ndeferred].arg = arg;
	ndeferred++;
	return 0;
}

void harness_run_deferred(void)
{
	while (ndeferred > 0) {
		ndeferred--;
		deferred[ndeferred].fn(deferred[ndeferred].arg);
	}
}

/* --- fixtures ------------------------------------------------------------- */

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

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int harness_write_script_(char *path, size_t size, const char *name, const char *script)
{
	snprintf(path, size, "%s/%s", harness_tmpdir(), name);
	FILE *f = fopen(path, "w");
	if (!f) {
		harness_fail(__FILE__, __LINE__, "write a script", path);
		return -1;
	}
	for (const char *p = script; *p; p++)
		fputc(*p == '\'' ? '"' : *p, f);
	fclose(f);
	return 0;
}

int harness_spawn_port_(pid_t *pid, int *in_fd, int *out_fd, char *const argv[])
{
	int in[2] = {-1, -1}, out[2] = {-1, -1};
	*pid = -1;
	*in_fd = *out_fd = -1;
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC)) {
		harness_fail(__FILE__, __LINE__, "pipe", strerror(errno));
		goto fail;
	}
	*pid = fork();
	if (*pid < 0) {
		harness_fail(__FILE__, __LINE__, "fork", strerror(errno));
		goto fail;
	}
	if (*pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	*in_fd = in[1];
	*out_fd = out[0];

	char line[64];
	size_t len = 0;
	long deadline = now_ms() + 10000;
	while (len < sizeof(line) - 1 && !memchr(line, '\n', len)) {
		struct pollfd pfd = {*out_fd, POLLIN, 0};
		long left = deadline - now_ms();
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			break;
		ssize_t got = read(*out_fd, line + len, sizeof(line) - 1 - len);
		if (got <= 0)
			break;
		len += (size_t)got;
	}
	line[len] = '\0';
	char *end = NULL;
	long port = strncmp(line, "PORT=", 5) == 0 ? strtol(line + 5, &end, 10) : 0;
	if (port > 0 && port <= 65535 && end && *end == '\n')
		return (int)port;
	harness_fail(__FILE__, __LINE__, "the child prints PORT=<n>", line);
	close(*in_fd);
	close(*out_fd);
	kill(*pid, SIGTERM);
	while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
		;
	*pid = -1;
	*in_fd = *out_fd = -1;
	return -1;
fail:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	return -1;
}

int harness_read_testdata_(wasmpack_buf *out, const char *name)
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
			ncallers = 0;
			wasmpack_error_clear();
			t->fn();
			ncallers = 0;
			harness_run_deferred();
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
