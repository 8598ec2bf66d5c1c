/* Tests of content digests: sha256 known answers, streaming, and the
 * digest string grammar. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>

#include "wasmpack/digest.h"

#define HEX64_A "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define HEX128_A                                                           \
	"cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce" \
	"47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"

static void test_digest__sha256_of_empty_input(void)
{
	char d[WASMPACK_DIGEST_MAX];
	CHECK_OK(wasmpack_digest_of(d, "", 0));
	CHECK_STR(d, "sha256:" HEX64_A);
	/* NULL with length 0 is the empty input too. */
	CHECK_OK(wasmpack_digest_of(d, NULL, 0));
	CHECK_STR(d, "sha256:" HEX64_A);
}

static void test_digest__sha256_known_answers(void)
{
	static const struct {
		const char *input;
		const char *digest;
	} vectors[] = {
		{"abc", "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		 "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
		{"The quick brown fox jumps over the lazy dog",
		 "sha256:d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592"},
	};
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		char d[WASMPACK_DIGEST_MAX];
		CHECK_OK(wasmpack_digest_of(d, vectors[i].input, strlen(vectors[i].input)));
		if (strcmp(d, vectors[i].digest) != 0) {
			harness_fail(__FILE__, __LINE__, "digest_of(vector)", vectors[i].input);
			return;
		}
	}
}

static void test_digest__streaming_matches_known_answer_for_abc(void)
{
	wasmpack_sha256 *h = NULL;
	char d[WASMPACK_DIGEST_MAX];
	CHECK_OK(wasmpack_sha256_new(&h));
	CHECK_OK(wasmpack_sha256_update(h, "a", 1));
	CHECK_OK(wasmpack_sha256_update(h, "", 0));
	CHECK_OK(wasmpack_sha256_update(h, NULL, 0));
	CHECK_OK(wasmpack_sha256_update(h, "bc", 2));
	CHECK_OK(wasmpack_sha256_final(d, h));
	wasmpack_sha256_free(h);
	CHECK_STR(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* One million 'a': the FIPS 180-2 long-message vector, fed in odd sizes. */
static void test_digest__streams_million_a_in_odd_chunks(void)
{
	static const size_t chunks[] = {1, 3, 7, 63, 64, 65, 127, 4099, 65537};
	char chunk[65537];
	char d[WASMPACK_DIGEST_MAX];
	wasmpack_sha256 *h = NULL;
	memset(chunk, 'a', sizeof(chunk));
	CHECK_OK(wasmpack_sha256_new(&h));
	size_t left = 1000000;
	for (size_t k = 0; left > 0; k++) {
		size_t n = chunks[k % (sizeof(chunks) / sizeof(chunks[0]))];
		if (n > left)
			n = left;
		int rc = wasmpack_sha256_update(h, chunk, n);
		if (rc != 0) {
			wasmpack_sha256_free(h);
			CHECK_OK(rc);
		}
		left -= n;
	}
	int rc = wasmpack_sha256_final(d, h);
	wasmpack_sha256_free(h);
	CHECK_OK(rc);
	CHECK_STR(d, "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_digest__streaming_over_one_mib_equals_one_shot(void)
{
	const size_t size = (3u << 20) / 2 + 12345; /* about 1.5 MiB */
	unsigned char *data = malloc(size);
	wasmpack_sha256 *h = NULL;
	char streamed[WASMPACK_DIGEST_MAX], whole[WASMPACK_DIGEST_MAX];
	int rc = 0;
	CHECK(data != NULL);
	/* A fixed pseudo-random pattern (xorshift), so it is not periodic. */
	uint32_t x = 2463534242u;
	for (size_t i = 0; i < size; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		data[i] = (unsigned char)x;
	}
	rc = wasmpack_sha256_new(&h);
	size_t off = 0, step = 1;
	while (rc == 0 && off < size) {
		size_t n = step < size - off ? step : size - off;
		rc = wasmpack_sha256_update(h, data + off, n);
		off += n;
		step = step * 3 + 1; /* 1, 4, 13, 40, ... odd and even sizes */
		if (step > 300000)
			step = 17;
	}
	if (rc == 0)
		rc = wasmpack_sha256_final(streamed, h);
	if (rc == 0)
		rc = wasmpack_digest_of(whole, data, size);
	wasmpack_sha256_free(h);
	free(data);
	CHECK_OK(rc);
	CHECK_STR(streamed, whole);
	CHECK_INT(strlen(streamed), 7 + 64);
}

static void test_digest__final_resets_the_hasher(void)
{
	wasmpack_sha256 *h = NULL;
	char first[WASMPACK_DIGEST_MAX], second[WASMPACK_DIGEST_MAX];
	CHECK_OK(wasmpack_sha256_new(&h));
	int rc = wasmpack_sha256_update(h, "abc", 3);
	if (rc == 0)
		rc = wasmpack_sha256_final(first, h);
	/* Nothing fed since: the digest of the empty input. */
	if (rc == 0)
		rc = wasmpack_sha256_final(second, h);
	wasmpack_sha256_free(h);
	CHECK_OK(rc);
	CHECK_STR(first, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	CHECK_STR(second, "sha256:" HEX64_A);
}

static void test_digest__rejects_bad_arguments(void)
{
	char d[WASMPACK_DIGEST_MAX];
	wasmpack_sha256 *h = NULL;
	CHECK_ERR(wasmpack_sha256_new(NULL), WASMPACK_EINVALID);
	CHECK_ERR(wasmpack_sha256_update(NULL, "a", 1), WASMPACK_EINVALID);
	CHECK_ERR(wasmpack_sha256_final(d, NULL), WASMPACK_EINVALID);
	CHECK_ERR(wasmpack_digest_of(d, NULL, 5), WASMPACK_EINVALID);
	CHECK_ERR(wasmpack_digest_of(NULL, "a", 1), WASMPACK_EINVALID);
	CHECK_OK(wasmpack_sha256_new(&h));
	int rc = wasmpack_sha256_update(h, NULL, 3);
	wasmpack_sha256_free(h);
	CHECK_INT(rc, WASMPACK_EINVALID);
	wasmpack_sha256_free(NULL);
}

static void test_digest__validate_accepts_registered_algorithms(void)
{
	static const char *const ok[] = {
		"sha256:" HEX64_A,
		"sha256:0000000000000000000000000000000000000000000000000000000000000000",
		"sha512:" HEX128_A,
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (wasmpack_digest_validate(ok[i]) != 0) {
			harness_fail(__FILE__, __LINE__, "validate accepts", wasmpack_error_last());
			return;
		}
	}
}

static void test_digest__validate_rejects_malformed_text(void)
{
	static const char *const bad[] = {
		"",
		"sha256",
		"sha256:",
		":" HEX64_A,
		HEX64_A,
		/* 63 and 65 hex digits */
		"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
		"sha256:" HEX64_A "5",
		/* upper-case hex */
		"sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
		"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85A",
		/* not hex */
		"sha256:g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		/* upper-case algorithm is outside the OCI grammar */
		"SHA256:" HEX64_A,
		"sha512:" HEX64_A,
		"sha512:" HEX128_A "0",
		" sha256:" HEX64_A,
		"sha256:" HEX64_A " ",
		"sha256:" HEX64_A "\n",
		"sha256::" HEX64_A,
		/* algorithm separators may not lead, trail or repeat */
		"+sha256:" HEX64_A,
		"sha256+:" HEX64_A,
		"sha256++b64:abc",
		"a..b:abc",
		"a/b:abc",
		/* encoded part of an unknown algorithm still follows the grammar */
		"foo:abc!",
		"foo:ab:c",
		"foo:",
	};
	CHECK_ERR(wasmpack_digest_validate(NULL), WASMPACK_EINVALID);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = wasmpack_digest_validate(bad[i]);
		if (rc != WASMPACK_EINVALID) {
			char detail[300];
			snprintf(detail, sizeof(detail), "'%s' gave %d", bad[i], rc);
			harness_fail(__FILE__, __LINE__, "validate rejects as EINVALID", detail);
			return;
		}
	}
}

static void test_digest__validate_reports_other_algorithms_as_unsupported(void)
{
	static const char *const other[] = {
		"md5:d41d8cd98f00b204e9800998ecf8427e",
		("sha384:38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da"
		 "274edebfe76f65fbd51ad2f14898b95b"),
		"sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564",
		"multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8",
		"blake3:af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262",
		"a.b-c_d+e:x=",
	};
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		int rc = wasmpack_digest_validate(other[i]);
		if (rc != WASMPACK_EUNSUPPORTED) {
			char detail[300];
			snprintf(detail, sizeof(detail), "'%s' gave %d", other[i], rc);
			harness_fail(__FILE__, __LINE__, "validate says EUNSUPPORTED", detail);
			return;
		}
	}
}

static void test_digest__validate_message_names_the_digest(void)
{
	CHECK_ERR(wasmpack_digest_validate("sha256:abc"), WASMPACK_EINVALID);
	CHECK(strstr(wasmpack_error_last(), "'sha256:abc'") != NULL);
	CHECK(strstr(wasmpack_error_last(), "64") != NULL);
	CHECK_ERR(wasmpack_digest_validate("md5:d41d8cd98f00b204e9800998ecf8427e"),
		  WASMPACK_EUNSUPPORTED);
	CHECK(strstr(wasmpack_error_last(), "unsupported") != NULL);
}

static void test_digest__equal_needs_two_identical_valid_digests(void)
{
	CHECK(wasmpack_digest_equal("sha256:" HEX64_A, "sha256:" HEX64_A) == 1);
	CHECK(wasmpack_digest_equal("sha512:" HEX128_A, "sha512:" HEX128_A) == 1);
	CHECK(wasmpack_digest_equal(
		      "sha256:" HEX64_A,
		      "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") ==
	      0);
	CHECK(wasmpack_digest_equal("sha256:abc", "sha256:abc") == 0);
	CHECK(wasmpack_digest_equal("md5:d41d8cd98f00b204e9800998ecf8427e",
				    "md5:d41d8cd98f00b204e9800998ecf8427e") == 0);
	CHECK(wasmpack_digest_equal(NULL, "sha256:" HEX64_A) == 0);
	CHECK(wasmpack_digest_equal("sha256:" HEX64_A, NULL) == 0);
	CHECK_INT(wasmpack_digest_equal(NULL, NULL), 0);
}

static void test_digest__hex_borrows_the_encoded_part(void)
{
	const char *d = "sha256:" HEX64_A;
	const char *hex = wasmpack_digest_hex(d);
	CHECK(hex == d + 7);
	CHECK_STR(hex, HEX64_A);
	CHECK_STR(wasmpack_digest_hex("sha512:" HEX128_A), HEX128_A);
	CHECK(wasmpack_digest_hex("sha256:abc") == NULL);
	CHECK(wasmpack_digest_hex(HEX64_A) == NULL);
	CHECK(wasmpack_digest_hex(NULL) == NULL);
}

static void test_digest__computed_digests_validate(void)
{
	char d[WASMPACK_DIGEST_MAX];
	CHECK_OK(wasmpack_digest_of(d, "wasm", 4));
	CHECK_OK(wasmpack_digest_validate(d));
	CHECK_INT(wasmpack_digest_equal(d, d), 1);
}

const test_case digest_tests[] = {
	TEST_ENTRY(test_digest__sha256_of_empty_input),
	TEST_ENTRY(test_digest__sha256_known_answers),
	TEST_ENTRY(test_digest__streaming_matches_known_answer_for_abc),
	TEST_ENTRY(test_digest__streams_million_a_in_odd_chunks),
	TEST_ENTRY(test_digest__streaming_over_one_mib_equals_one_shot),
	TEST_ENTRY(test_digest__final_resets_the_hasher),
	TEST_ENTRY(test_digest__rejects_bad_arguments),
	TEST_ENTRY(test_digest__validate_accepts_registered_algorithms),
	TEST_ENTRY(test_digest__validate_rejects_malformed_text),
	TEST_ENTRY(test_digest__validate_reports_other_algorithms_as_unsupported),
	TEST_ENTRY(test_digest__validate_message_names_the_digest),
	TEST_ENTRY(test_digest__equal_needs_two_identical_valid_digests),
	TEST_ENTRY(test_digest__hex_borrows_the_encoded_part),
	TEST_ENTRY(test_digest__computed_digests_validate),
	TEST_END,
};
