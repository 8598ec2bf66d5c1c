/* Tests of the error model: reasons and their names, errors set by
 * callbacks, errors carried across threads, errno mapped to reasons, and
 * the reasons the store and the module readers give. */
#include "harness.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/error.h"

static const char *td(const char *name)
{
	static char path[1024];
	snprintf(path, sizeof(path), "%s/%s", harness_testdata(), name);
	return path;
}

static wasmpack_store *open_store(const char *name)
{
	char p[700];
	wasmpack_store *s = NULL;
	snprintf(p, sizeof(p), "%s/%s", harness_tmpdir(), name);
	return wasmpack_store_open(&s, p) == 0 ? s : NULL;
}

static wasmpack_error_reason last_reason(void) { return wasmpack_error_last_info()->reason; }

static void test_errors__every_reason_has_a_distinct_name(void)
{
	const char *seen[WASMPACK_REASON_CALLBACK + 1];
	for (int r = WASMPACK_REASON_NONE; r <= WASMPACK_REASON_CALLBACK; r++) {
		const char *name = wasmpack_error_reason_name((wasmpack_error_reason)r);
		CHECK(name && *name);
		CHECK(strcmp(name, "unknown") != 0);
		/* Lowercase words joined by '-': stable in logs and JSON. */
		for (const char *p = name; *p; p++)
			CHECK((*p >= 'a' && *p <= 'z') || *p == '-');
		for (int o = WASMPACK_REASON_NONE; o < r; o++)
			CHECK(strcmp(seen[o], name) != 0);
		seen[r] = name;
	}
	CHECK_STR(wasmpack_error_reason_name(WASMPACK_REASON_TLS_VERIFY), "tls-verify");
	CHECK_STR(wasmpack_error_reason_name(WASMPACK_REASON_NOT_IN_STORE), "not-in-store");
	CHECK_STR(wasmpack_error_reason_name((wasmpack_error_reason)(WASMPACK_REASON_CALLBACK + 1)),
		  "unknown");
}

static void test_errors__set_str_records_code_reason_and_one_line(void)
{
	wp_error_why(WASMPACK_ENETWORK, WASMPACK_REASON_TIMEOUT, "older");
	wp_error_set_http(504, "GATEWAY");
	CHECK(wasmpack_error_set_str(0, WASMPACK_REASON_CALLBACK, "disk\nfull") == WASMPACK_EUSER);
	const wasmpack_error_info *i = wasmpack_error_last_info();
	CHECK(i->code == WASMPACK_EUSER);
	CHECK(i->reason == WASMPACK_REASON_CALLBACK);
	CHECK(i->http_status == 0);
	CHECK_STR(i->registry_code, "");
	CHECK_STR(i->message, "disk full");
	CHECK(wasmpack_error_set_str(WASMPACK_EIO, WASMPACK_REASON_OUT_OF_SPACE, "no room") ==
	      WASMPACK_EIO);
	CHECK(wasmpack_error_last_code() == WASMPACK_EIO);
	CHECK(last_reason() == WASMPACK_REASON_OUT_OF_SPACE);
	wasmpack_error_clear();
	CHECK(wasmpack_error_last_info()->code == 0);
	CHECK_STR(wasmpack_error_last_info()->message, "");
}

static void test_errors__from_callback_keeps_what_the_callback_said(void)
{
	/* Set through the public call: kept whatever the callback returned. */
	wasmpack_error_set_str(WASMPACK_EAUTH, WASMPACK_REASON_CREDENTIAL_HELPER, "helper said no");
	CHECK(wp_error_from_callback(1, "asking") == WASMPACK_EAUTH);
	CHECK_STR(wasmpack_error_last(), "helper said no");
	CHECK(last_reason() == WASMPACK_REASON_CREDENTIAL_HELPER);
	/* A library call that failed inside the callback, its code passed on. */
	errno = ENOSPC;
	wp_error_os("write", "/x");
	int code = wasmpack_error_last_code();
	char before[256];
	snprintf(before, sizeof(before), "%s", wasmpack_error_last());
	CHECK(wp_error_from_callback(code, "writing") == code);
	CHECK_STR(wasmpack_error_last(), before);
	/* Nothing set: a generic message; the callback's code when it is ours. */
	wp_error(WASMPACK_ENOTFOUND, "stale");
	CHECK(wp_error_from_callback(WASMPACK_EIO, "writing the module") == WASMPACK_EIO);
	CHECK(last_reason() == WASMPACK_REASON_CALLBACK);
	CHECK_STR(wasmpack_error_last(), "writing the module failed (callback returned -9)");
	CHECK(wp_error_from_callback(7, "writing") == WASMPACK_EUSER);
	CHECK(wp_error_from_callback(-1000, "writing") == WASMPACK_EUSER);
}

static void test_errors__prefix_keeps_reason_and_http(void)
{
	wp_error_why(WASMPACK_EAUTH, WASMPACK_REASON_NO_CREDENTIALS, "401 Unauthorized");
	wp_error_set_http(401, "UNAUTHORIZED");
	CHECK(wp_error_prefix("cannot push '%s': ", "a:1") == WASMPACK_EAUTH);
	const wasmpack_error_info *i = wasmpack_error_last_info();
	CHECK_STR(i->message, "cannot push 'a:1': 401 Unauthorized");
	CHECK(i->reason == WASMPACK_REASON_NO_CREDENTIALS);
	CHECK(i->http_status == 401);
	CHECK_STR(i->registry_code, "UNAUTHORIZED");
	/* Without a reason given, the code's default one. */
	wp_error(WASMPACK_EDIGEST, "bad bytes");
	CHECK(last_reason() == WASMPACK_REASON_DIGEST_MISMATCH);
	wp_error_arg("no output");
	CHECK(wasmpack_error_last_code() == WASMPACK_EINVALID);
	CHECK(last_reason() == WASMPACK_REASON_INVALID_ARGUMENT);
}

static void *fail_on_a_thread(void *arg)
{
	wp_error_why(WASMPACK_ENETWORK, WASMPACK_REASON_RATE_LIMITED, "429 Too Many Requests");
	wp_error_set_http(429, "TOOMANYREQUESTS");
	wp_error_save(arg);
	return NULL;
}

static void test_errors__save_and_restore_carry_an_error_across_threads(void)
{
	wp_error_state *s = calloc(1, sizeof(*s));
	pthread_t t;
	CHECK(s);
	CHECK(pthread_create(&t, NULL, fail_on_a_thread, s) == 0);
	pthread_join(t, NULL);
	/* The worker's error is not this thread's until restored. */
	wasmpack_error_clear();
	CHECK(wasmpack_error_last_code() == 0);
	CHECK(wp_error_restore(s) == WASMPACK_ENETWORK);
	free(s);
	const wasmpack_error_info *i = wasmpack_error_last_info();
	CHECK(i->code == WASMPACK_ENETWORK);
	CHECK(i->reason == WASMPACK_REASON_RATE_LIMITED);
	CHECK(i->http_status == 429);
	CHECK_STR(i->registry_code, "TOOMANYREQUESTS");
	CHECK_STR(i->message, "429 Too Many Requests");
}

static void test_errors__errno_maps_to_code_and_reason(void)
{
	static const struct {
		int e, code;
		wasmpack_error_reason reason;
	} cases[] = {
		{ENOENT, WASMPACK_ENOTFOUND, WASMPACK_REASON_FILE_NOT_FOUND},
		{ENOSPC, WASMPACK_EIO, WASMPACK_REASON_OUT_OF_SPACE},
		{EDQUOT, WASMPACK_EIO, WASMPACK_REASON_OUT_OF_SPACE},
		{EISDIR, WASMPACK_EINVALID, WASMPACK_REASON_NOT_A_FILE},
		{EACCES, WASMPACK_EIO, WASMPACK_REASON_PERMISSION},
		{EPERM, WASMPACK_EIO, WASMPACK_REASON_PERMISSION},
		{EIO, WASMPACK_EIO, WASMPACK_REASON_IO},
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		char want[256];
		errno = cases[k].e;
		CHECK(wp_error_os("open", "/some/file") == cases[k].code);
		CHECK(last_reason() == cases[k].reason);
		snprintf(want, sizeof(want), "cannot open '/some/file': %s", strerror(cases[k].e));
		CHECK_STR(wasmpack_error_last(), want);
	}
}

static void test_errors__store_lookups_say_not_in_store(void)
{
	wasmpack_store *s = open_store("missing");
	wasmpack_reference *ref = NULL;
	wasmpack_descriptor d = {0};
	wasmpack_buf b = WASMPACK_BUF_INIT;
	CHECK(s);
	CHECK_OK(wasmpack_reference_parse(&ref, "example.com/app:nope"));
	CHECK_ERR(wasmpack_store_resolve(&d, s, ref), WASMPACK_ENOTFOUND);
	CHECK(last_reason() == WASMPACK_REASON_NOT_IN_STORE);
	CHECK_ERR(wasmpack_store_untag(s, ref), WASMPACK_ENOTFOUND);
	CHECK(last_reason() == WASMPACK_REASON_NOT_IN_STORE);
	CHECK_ERR(wasmpack_store_blob_read(
			  &b, s,
			  "sha256:0000000000000000000000000000000000000000000000000000000000000000",
			  1024),
		  WASMPACK_ENOTFOUND);
	CHECK(last_reason() == WASMPACK_REASON_NOT_IN_STORE);
	CHECK_ERR(wasmpack_store_resolve(&d, s, NULL), WASMPACK_EINVALID);
	CHECK(last_reason() == WASMPACK_REASON_INVALID_ARGUMENT);
	wasmpack_reference_free(ref);
	wasmpack_store_free(s);
}

static void test_errors__module_files_that_are_not_wasm(void)
{
	wasmpack_wasm *w = NULL;
	char path[700];
	CHECK_ERR(wasmpack_wasm_parse_file(&w, harness_tmpdir()), WASMPACK_EINVALID);
	CHECK(last_reason() == WASMPACK_REASON_NOT_A_FILE);
	snprintf(path, sizeof(path), "%s/no-such.wasm", harness_tmpdir());
	CHECK_ERR(wasmpack_wasm_parse_file(&w, path), WASMPACK_ENOTFOUND);
	CHECK(last_reason() == WASMPACK_REASON_FILE_NOT_FOUND);
	CHECK_ERR(wasmpack_wasm_parse(&w, "#!/bin/sh\necho hi\n", 18), WASMPACK_EINVALID);
	CHECK(last_reason() == WASMPACK_REASON_NOT_WASM);
	CHECK_ERR(wasmpack_wasm_parse(&w, "", 0), WASMPACK_EINVALID);
	CHECK(last_reason() == WASMPACK_REASON_NOT_WASM);
	/* Wasm, but broken: malformed input, not "not wasm". */
	CHECK_ERR(wasmpack_wasm_parse(&w, "\0asm\x01\0\0\0\x01\xff", 10), WASMPACK_EINVALID);
	CHECK(last_reason() == WASMPACK_REASON_INVALID_INPUT);
	CHECK(w == NULL);
}

static int refusing_sink(const void *data, size_t len, void *payload)
{
	(void)data;
	(void)len;
	++*(int *)payload;
	return wasmpack_error_set_str(WASMPACK_EIO, WASMPACK_REASON_OUT_OF_SPACE,
				      "the sink's disk is full");
}

static int silent_sink(const void *data, size_t len, void *payload)
{
	(void)data;
	(void)len;
	(void)payload;
	return 1;
}

static void test_errors__a_sink_sets_the_error_its_caller_returns(void)
{
	wasmpack_store *s = open_store("sink");
	wasmpack_build_result r = {0};
	int calls = 0;
	CHECK(s);
	CHECK_OK(wasmpack_image_build(&r, s, td("hello.wasm"), NULL));
	CHECK_ERR(wasmpack_image_module(s, &r.manifest, refusing_sink, &calls), WASMPACK_EIO);
	CHECK(calls == 1);
	const wasmpack_error_info *i = wasmpack_error_last_info();
	CHECK(i->reason == WASMPACK_REASON_OUT_OF_SPACE);
	CHECK(strstr(i->message, "the sink's disk is full") != NULL);
	CHECK_ERR(wasmpack_image_module(s, &r.manifest, silent_sink, NULL), WASMPACK_EUSER);
	CHECK(last_reason() == WASMPACK_REASON_CALLBACK);
	CHECK(strstr(wasmpack_error_last(), "callback returned 1") != NULL);
	wasmpack_build_result_dispose(&r);
	wasmpack_store_free(s);
}

static void test_errors__build_reasons(void)
{
	wasmpack_store *s = open_store("build");
	wasmpack_build_result r = {0};
	char path[700];
	CHECK(s);
	CHECK_ERR(wasmpack_image_build(&r, s, harness_tmpdir(), NULL), WASMPACK_EINVALID);
	CHECK(last_reason() == WASMPACK_REASON_NOT_A_FILE);
	snprintf(path, sizeof(path), "%s/absent.wasm", harness_tmpdir());
	CHECK_ERR(wasmpack_image_build(&r, s, path, NULL), WASMPACK_ENOTFOUND);
	CHECK(last_reason() == WASMPACK_REASON_FILE_NOT_FOUND);
	CHECK_ERR(wasmpack_image_build(&r, s, NULL, NULL), WASMPACK_EINVALID);
	CHECK(last_reason() == WASMPACK_REASON_INVALID_ARGUMENT);
	wasmpack_store_free(s);
}

/* The responder (tests/servers) answering every blob check with a 429: the
 * blobs are checked on the transfer's worker threads, so the error the
 * push returns has come back from one of them. */
static const char rate_limited_script[] =
	"[{'match': {'method': 'HEAD', 'path': '/v2/demo/app/manifests/v1'}, 'times': 0,"
	"  'response': {'status': 404}},"
	" {'match': {'method': 'HEAD', 'path': '/v2/demo/app/blobs/*'}, 'times': 0,"
	"  'response': {'status': 429, 'headers': {'ratelimit-remaining': '0;w=60'}}}]";

static void push_to(wasmpack_store *s, const wasmpack_reference *src, const char *host)
{
	wasmpack_transfer_options o = WASMPACK_TRANSFER_OPTIONS_INIT;
	wasmpack_transfer_result res;
	wasmpack_reference *dst = NULL;
	char text[300];
	memset(&res, 0, sizeof(res));
	o.registry.plain_http = 1;
	o.registry.max_retries = -1;
	o.jobs = 4;
	snprintf(text, sizeof(text), "%s/demo/app:v1", host);
	CHECK_OK(wasmpack_reference_parse(&dst, text));
	CHECK_ERR(wasmpack_push(&res, s, src, dst, &o), WASMPACK_ENETWORK);
	wasmpack_reference_free(dst);
	const wasmpack_error_info *i = wasmpack_error_last_info();
	CHECK(i->reason == WASMPACK_REASON_RATE_LIMITED);
	CHECK(i->http_status == 429);
	CHECK(strncmp(i->message, "cannot push '", 13) == 0);
	CHECK(strstr(i->message, text) != NULL);
	CHECK(strstr(i->message, "429") != NULL);
}

static void test_errors__a_worker_threads_error_arrives_whole(void)
{
	wasmpack_store *s = open_store("push");
	wasmpack_build_result r = {0};
	wasmpack_reference *src = NULL;
	char script[700];
	pid_t pid = -1;
	int in_fd = -1, out_fd = -1;
	CHECK(s);
	CHECK_OK(wasmpack_image_build(&r, s, td("hello.wasm"), NULL));
	CHECK_OK(wasmpack_reference_parse(&src, "example.com/app:1"));
	CHECK_OK(wasmpack_store_tag(s, src, &r.manifest));
	if (harness_write_script(script, sizeof(script), "errors-429.json", rate_limited_script) ==
	    0) {
		char *argv[] = {"node", "tests/servers/scripted.mjs", script, "--max-seconds", "60",
				NULL};
		long port = harness_spawn_port(&pid, &in_fd, &out_fd, argv);
		if (port > 0) {
			char host[64];
			snprintf(host, sizeof(host), "127.0.0.1:%ld", port);
			push_to(s, src, host);
		}
	}
	if (in_fd >= 0)
		close(in_fd);
	if (pid > 0) {
		kill(pid, SIGTERM);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (out_fd >= 0)
		close(out_fd);
	wasmpack_reference_free(src);
	wasmpack_build_result_dispose(&r);
	wasmpack_store_free(s);
}

const test_case errors_tests[] = {
	TEST_ENTRY(test_errors__every_reason_has_a_distinct_name),
	TEST_ENTRY(test_errors__set_str_records_code_reason_and_one_line),
	TEST_ENTRY(test_errors__from_callback_keeps_what_the_callback_said),
	TEST_ENTRY(test_errors__prefix_keeps_reason_and_http),
	TEST_ENTRY(test_errors__save_and_restore_carry_an_error_across_threads),
	TEST_ENTRY(test_errors__errno_maps_to_code_and_reason),
	TEST_ENTRY(test_errors__store_lookups_say_not_in_store),
	TEST_ENTRY(test_errors__module_files_that_are_not_wasm),
	TEST_ENTRY(test_errors__a_sink_sets_the_error_its_caller_returns),
	TEST_ENTRY(test_errors__build_reasons),
	TEST_ENTRY(test_errors__a_worker_threads_error_arrives_whole),
	TEST_END,
};
