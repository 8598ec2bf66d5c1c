/* Tests of the util/ layer: the string builder and percent-encoding,
 * base64, the strict RFC 3339 parser, secrets. */
#include "harness.h"

#include <stdlib.h>
#include <sys/wait.h>

#include "util/base64.h"
#include "util/secret.h"
#include "util/spawn.h"
#include "util/str.h"
#include "util/time.h"

static void test_util__str_builds_and_finishes(void)
{
	wp_str b = WP_STR_INIT;
	char *out = NULL;
	wp_str_puts(&b, "a");
	wp_str_putc(&b, '=');
	wp_str_printf(&b, "%d/%s", 42, "x");
	for (int i = 0; i < 100; i++)
		wp_str_add(&b, "0123456789", 10);
	CHECK(b.len == 6 + 1000);
	CHECK_OK(wp_str_finish(&out, &b));
	CHECK(strncmp(out, "a=42/x0123", 10) == 0);
	CHECK(strlen(out) == 1006);
	CHECK(b.p == NULL && b.len == 0);
	free(out);

	/* Nothing added is "", not NULL. */
	CHECK_OK(wp_str_finish(&out, &b));
	CHECK_STR(out, "");
	free(out);
}

static void test_util__str_failure_is_reported_once_at_the_end(void)
{
	wp_str b = WP_STR_INIT;
	char *out = (char *)"x";
	wp_str_puts(&b, "abc");
	b.failed = 1; /* as after a failed allocation */
	wp_str_puts(&b, "def");
	CHECK(b.len == 3);
	CHECK_ERR(wp_str_finish(&out, &b), WASMPACK_ENOMEM);
	CHECK(out == NULL && b.p == NULL);
}

static void test_util__percent_encoding(void)
{
	wp_str b = WP_STR_INIT;
	char *out = NULL;
	wp_str_add_encoded(&b, "a b/c:d~_.-+&=%\xff", 0);
	wp_str_putc(&b, '|');
	wp_str_add_encoded(&b, "a b/c:d", WP_STR_ENC_FORM);
	wp_str_putc(&b, '|');
	wp_str_add_encoded(&b, "a b/c:d", WP_STR_ENC_KEEP_PATH);
	CHECK_OK(wp_str_finish(&out, &b));
	CHECK_STR(out, "a%20b%2Fc%3Ad~_.-%2B%26%3D%25%FF|a+b%2Fc%3Ad|a%20b/c:d");
	free(out);
}

static void test_util__url_add_query(void)
{
	char *out = NULL;
	CHECK_OK(wp_str_url_add_query(&out, "https://r/v2/x/blobs/uploads/u", "digest",
				      "sha256:ab"));
	CHECK_STR(out, "https://r/v2/x/blobs/uploads/u?digest=sha256:ab");
	free(out);
	CHECK_OK(wp_str_url_add_query(&out, "https://r/u?_state=a%2B#frag", "digest", "a b"));
	CHECK_STR(out, "https://r/u?_state=a%2B&digest=a%20b");
	free(out);
	CHECK_OK(wp_str_url_add_query(&out, "/u?", "mount", "x"));
	CHECK_STR(out, "/u?mount=x");
	free(out);
	CHECK_OK(wp_str_url_add_query(&out, "", "mount", "sha256:1"));
	CHECK_STR(out, "?mount=sha256:1");
	free(out);
}

static void test_util__base64_round_trips_both_alphabets(void)
{
	static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *const want[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
					   "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		char *enc = NULL;
		unsigned char *dec = NULL;
		size_t n = 0;
		CHECK_OK(wp_base64_encode(&enc, plain[i], strlen(plain[i]), 0));
		CHECK_STR(enc, want[i]);
		CHECK_OK(wp_base64_decode(&dec, &n, enc, 0));
		CHECK(n == strlen(plain[i]) && memcmp(dec, plain[i], n) == 0);
		free(enc);
		free(dec);
	}
	char *enc = NULL;
	unsigned char *dec = NULL;
	size_t n = 0;
	CHECK_OK(wp_base64_encode(&enc, "\xfb\xff\xfe", 3, 0));
	CHECK_STR(enc, "+//+");
	free(enc);
	CHECK_OK(wp_base64_encode(&enc, "\xfb\xff\xfe\x01", 4, WP_BASE64_URL | WP_BASE64_NOPAD));
	CHECK_STR(enc, "-__-AQ");
	CHECK_OK(wp_base64_decode(&dec, &n, enc, WP_BASE64_URL));
	CHECK(n == 4 && memcmp(dec, "\xfb\xff\xfe\x01", 4) == 0);
	free(enc);
	free(dec);
}

static void test_util__base64_decode_is_strict(void)
{
	static const char *const bad[] = {"Zm9v YmFy", "Zg=",      "Zg===", "Z",
					  "Zm9=v",     "Zg==Zg==", "-_8=",  "Zm9v\n"};
	unsigned char *dec = NULL;
	size_t n = 0;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (wp_base64_decode(&dec, &n, bad[i], 0) != WASMPACK_EINVALID) {
			harness_fail(__FILE__, __LINE__, "bad base64 refused", bad[i]);
			free(dec);
			return;
		}
		CHECK(dec == NULL);
	}
	/* Padding is optional; newlines only when asked for. */
	CHECK_OK(wp_base64_decode(&dec, &n, "Zg", 0));
	CHECK(n == 1 && dec[0] == 'f');
	free(dec);
	CHECK_OK(wp_base64_decode(&dec, &n, "Zm9v\r\nYmFy\n", WP_BASE64_SKIP_NEWLINES));
	CHECK(n == 6 && memcmp(dec, "foobar", 6) == 0);
	free(dec);
	CHECK_ERR(wp_base64_decode(&dec, &n, "+/8=", WP_BASE64_URL), WASMPACK_EINVALID);
}

static void test_util__rfc3339_accepts_valid_times(void)
{
	static const struct {
		const char *text;
		int64_t want;
	} good[] = {
		{"2024-02-29T00:00:00Z", 1709164800},
		{"2024-02-29T12:34:56.789+02:00", 1709202896},
		{"2024-02-29t10:34:56.000000001z", 1709202896},
		{"2009-11-10T18:30:00-04:30", 1257894000},
		{"2000-02-29T00:00:00Z", 951782400},
		{"1970-01-01T00:00:00+00:00", 0},
		{"1969-12-31T23:59:59Z", -1},
		{"2016-12-31T23:59:60Z", 1483228800},
		{"2024-12-31T23:59:59-23:59", 1735775939},
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int64_t t = 42;
		if (wp_time_parse_rfc3339(&t, good[i].text, 0) != 0 || t != good[i].want) {
			harness_fail(__FILE__, __LINE__, "rfc 3339 time", good[i].text);
			return;
		}
	}
	int64_t t = 0;
	CHECK_ERR(wp_time_parse_rfc3339(&t, "2024-02-29 00:00:00Z", 0), WASMPACK_EINVALID);
	CHECK_OK(wp_time_parse_rfc3339(&t, "2024-02-29 00:00:00Z", WP_TIME_ALLOW_SPACE));
	CHECK(t == 1709164800);
}

static void test_util__rfc3339_refuses_impossible_times(void)
{
	static const char *const bad[] = {
		"2023-02-29T00:00:00Z",
		"2024-02-31T00:00:00Z",
		"1900-02-29T00:00:00Z",
		"2024-04-31T00:00:00Z",
		"2024-01-01T24:00:00Z",
		"2024-01-01T23:60:00Z",
		"2024-01-01T23:59:61Z",
		"2024-00-10T00:00:00Z",
		"2024-01-00T00:00:00Z",
		"2024-01-01T00:00:00+24:00",
		"2024-01-01T00:00:00+01:60",
		"2024-01-01T00:00:00",
		"2024-01-01T00:00:00.Z",
		"2024-01-01T00:00:00+0200",
		"2024-01-01T00:00:00Zx",
		"2024-1-01T00:00:00Z",
		"+024-01-01T00:00:00Z",
		" 2024-01-01T00:00:00Z",
		"2024-01-01T00:00:00+01",
		"2024-01-01X00:00:00Z",
		"",
		"2024-01-01",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t t = 7;
		if (wp_time_parse_rfc3339(&t, bad[i], WP_TIME_ALLOW_SPACE) != WASMPACK_EINVALID ||
		    t != 7) {
			harness_fail(__FILE__, __LINE__, "bad rfc 3339 time refused", bad[i]);
			return;
		}
	}
}

static void test_util__public_time_parse_uses_the_strict_parser(void)
{
	int64_t t = 0;
	CHECK_OK(wasmpack_time_parse(&t, "2024-02-29T00:00:00Z"));
	CHECK(t == 1709164800);
	CHECK_ERR(wasmpack_time_parse(&t, "2024-02-31T00:00:00Z"), WASMPACK_EINVALID);
	CHECK_ERR(wasmpack_time_parse(&t, "2023-02-29T00:00:00Z"), WASMPACK_EINVALID);
	CHECK_ERR(wasmpack_time_parse(&t, "2024-01-01T24:00:00Z"), WASMPACK_EINVALID);
	CHECK_ERR(wasmpack_time_parse(&t, "1969-12-31T23:59:59Z"), WASMPACK_EINVALID);
}

static void test_util__secret_wipe(void)
{
	char buf[8] = "secret!";
	wp_secret_wipe(buf, sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		CHECK(buf[i] == 0);
	wp_secret_wipe(NULL, 4);
	wp_secret_free(NULL);
	char *s = strdup("pw");
	CHECK(s != NULL);
	wp_secret_free(s);
}

static void test_util__spawn_feeds_stdin_and_collects_output(void)
{
	char *sh = NULL;
	wp_spawn_result res;
	CHECK_OK(wp_spawn_find_on_path(&sh, "sh"));
	char *argv[] = {"sh", "-c", "tr a-z A-Z; echo oops >&2; exit 3", NULL};
	wp_spawn_opts o = {sh, argv, "test 'sh'", "hello", 5, 1024};
	int rc = wp_spawn_run(&res, &o);
	free(sh);
	if (rc != 0) {
		wp_spawn_result_dispose(&res);
		CHECK_OK(rc);
	}
	int ok = WIFEXITED(res.status) && WEXITSTATUS(res.status) == 3 && res.out.size == 5 &&
		 memcmp(res.out.data, "HELLO", 5) == 0 && res.err_len == 5 &&
		 memcmp(res.err, "oops\n", 5) == 0;
	wp_spawn_result_dispose(&res);
	CHECK(ok);
	CHECK(res.out.data == NULL);
}

static void test_util__spawn_caps_output_and_kills(void)
{
	char *sh = NULL;
	wp_spawn_result res;
	CHECK_OK(wp_spawn_find_on_path(&sh, "sh"));
	char *argv[] = {"sh", "-c", "yes", NULL};
	wp_spawn_opts o = {sh, argv, "test 'yes'", NULL, 0, 10000};
	int rc = wp_spawn_run(&res, &o);
	free(sh);
	wp_spawn_result_dispose(&res);
	CHECK_ERR(rc, WASMPACK_ETOOLARGE);
	CHECK(strstr(wasmpack_error_last(), "test 'yes': output larger than 10000 bytes") != NULL);
}

static void test_util__spawn_child_that_ignores_stdin(void)
{
	static char big[1 << 20];
	char *sh = NULL;
	wp_spawn_result res;
	CHECK_OK(wp_spawn_find_on_path(&sh, "sh"));
	char *argv[] = {"sh", "-c", "exec 0<&-; echo done", NULL};
	wp_spawn_opts o = {sh, argv, "test", big, sizeof(big), 100};
	int rc = wp_spawn_run(&res, &o);
	free(sh);
	int ok = rc == 0 && WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0 &&
		 res.out.size == 5;
	wp_spawn_result_dispose(&res);
	CHECK(ok);
}

static void test_util__spawn_find_on_path(void)
{
	char *p = NULL;
	CHECK_ERR(wp_spawn_find_on_path(&p, "wasmpack-no-such-program-here"), WASMPACK_ENOTFOUND);
	CHECK(p == NULL);
}

const test_case util_tests[] = {
	TEST_ENTRY(test_util__str_builds_and_finishes),
	TEST_ENTRY(test_util__str_failure_is_reported_once_at_the_end),
	TEST_ENTRY(test_util__percent_encoding),
	TEST_ENTRY(test_util__url_add_query),
	TEST_ENTRY(test_util__base64_round_trips_both_alphabets),
	TEST_ENTRY(test_util__base64_decode_is_strict),
	TEST_ENTRY(test_util__rfc3339_accepts_valid_times),
	TEST_ENTRY(test_util__rfc3339_refuses_impossible_times),
	TEST_ENTRY(test_util__public_time_parse_uses_the_strict_parser),
	TEST_ENTRY(test_util__secret_wipe),
	TEST_ENTRY(test_util__spawn_feeds_stdin_and_collects_output),
	TEST_ENTRY(test_util__spawn_caps_output_and_kills),
	TEST_ENTRY(test_util__spawn_child_that_ignores_stdin),
	TEST_ENTRY(test_util__spawn_find_on_path),
	TEST_END,
};
