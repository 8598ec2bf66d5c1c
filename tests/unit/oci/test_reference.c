/* Tests of image references: the docker grammar, what it accepts and
 * rejects, and normalization to registry/repository:tag@digest. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>

#include "wasmpack/reference.h"

#define HEX64 "a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4"
#define DG "sha256:" HEX64
#define HEX128                                                             \
	"cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce" \
	"47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"
#define TAG128                                                             \
	"t234567890123456789012345678901234567890123456789012345678901234" \
	"5678901234567890123456789012345678901234567890123456789012345678"

typedef struct good_ref {
	const char *text;
	const char *registry;
	const char *repository;
	const char *tag;    /* NULL: none */
	const char *digest; /* NULL: none */
	const char *formatted;
} good_ref;

typedef struct bad_ref {
	const char *text;
	const char *needle; /* must appear in the error message */
} bad_ref;

static int same(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static const char *show(const char *s) { return s ? s : "(null)"; }

/* Parses one vector and compares every field; on mismatch fails the test
 * with the input and what differed. Returns 0 when all matched. */
static int check_good(const char *file, int line, const good_ref *v)
{
	wasmpack_reference *ref = NULL;
	char *formatted = NULL;
	char detail[1400];
	int failed = 1;
	int rc = wasmpack_reference_parse(&ref, v->text);
	if (rc != 0) {
		snprintf(detail, sizeof(detail), "'%s': %s", v->text, wasmpack_error_last());
		goto done;
	}
	if (wasmpack_reference_format(&formatted, ref) != 0) {
		snprintf(detail, sizeof(detail), "'%s': format: %s", v->text,
			 wasmpack_error_last());
		goto done;
	}
	if (!same(ref->registry, v->registry) || !same(ref->repository, v->repository) ||
	    !same(ref->tag, v->tag) || !same(ref->digest, v->digest) ||
	    !same(formatted, v->formatted)) {
		snprintf(detail, sizeof(detail),
			 "'%s': got registry=%s repository=%s tag=%s digest=%s formatted=%s",
			 v->text, show(ref->registry), show(ref->repository), show(ref->tag),
			 show(ref->digest), show(formatted));
		goto done;
	}
	failed = 0;
done:
	if (failed)
		harness_fail(file, line, "reference parses as expected", detail);
	free(formatted);
	wasmpack_reference_free(ref);
	return failed;
}

static int check_bad(const char *file, int line, const bad_ref *v)
{
	static wasmpack_reference sentinel;
	wasmpack_reference *ref = &sentinel; /* parse must reset it to NULL */
	char detail[1400];
	int rc = wasmpack_reference_parse(&ref, v->text);
	if (rc == 0) {
		snprintf(detail, sizeof(detail), "'%s' was accepted as %s/%s", v->text,
			 ref->registry, ref->repository);
		wasmpack_reference_free(ref);
		harness_fail(file, line, "reference is rejected", detail);
		return 1;
	}
	const char *msg = wasmpack_error_last();
	if (rc != WASMPACK_EINVALID || ref != NULL || !strstr(msg, v->needle) ||
	    strchr(msg, '\n')) {
		snprintf(detail, sizeof(detail), "'%s': rc=%d out=%s message '%s' lacks '%s'",
			 v->text, rc, ref ? "set" : "NULL", msg, v->needle);
		harness_fail(file, line, "reference is rejected with EINVALID", detail);
		return 1;
	}
	return 0;
}

#define CHECK_GOOD_TABLE(table)                                                  \
	do {                                                                     \
		for (size_t i_ = 0; i_ < sizeof(table) / sizeof(table[0]); i_++) \
			if (check_good(__FILE__, __LINE__, &table[i_]))          \
				return;                                          \
	} while (0)

#define CHECK_BAD_TABLE(table)                                                   \
	do {                                                                     \
		for (size_t i_ = 0; i_ < sizeof(table) / sizeof(table[0]); i_++) \
			if (check_bad(__FILE__, __LINE__, &table[i_]))           \
				return;                                          \
	} while (0)

/* A string of n copies of c after prefix, in a buffer the caller frees. */
static char *repeat(const char *prefix, char c, size_t n, const char *suffix)
{
	size_t p = strlen(prefix), s = strlen(suffix);
	char *out = malloc(p + n + s + 1);
	if (!out)
		return NULL;
	memcpy(out, prefix, p);
	memset(out + p, c, n);
	memcpy(out + p + n, suffix, s + 1);
	return out;
}

static void test_reference__normalizes_docker_hub_names(void)
{
	static const good_ref v[] = {
		{"alpine", "docker.io", "library/alpine", "latest", NULL,
		 "docker.io/library/alpine:latest"},
		{"alpine:3.19", "docker.io", "library/alpine", "3.19", NULL,
		 "docker.io/library/alpine:3.19"},
		{"docker.io/alpine", "docker.io", "library/alpine", "latest", NULL,
		 "docker.io/library/alpine:latest"},
		{"docker.io/library/alpine", "docker.io", "library/alpine", "latest", NULL,
		 "docker.io/library/alpine:latest"},
		{"library/alpine:edge", "docker.io", "library/alpine", "edge", NULL,
		 "docker.io/library/alpine:edge"},
		{"user/app", "docker.io", "user/app", "latest", NULL, "docker.io/user/app:latest"},
		{"user/app:v1", "docker.io", "user/app", "v1", NULL, "docker.io/user/app:v1"},
		{"foo/bar", "docker.io", "foo/bar", "latest", NULL, "docker.io/foo/bar:latest"},
		{"a/b/c/d/e", "docker.io", "a/b/c/d/e", "latest", NULL,
		 "docker.io/a/b/c/d/e:latest"},
		{"0/1", "docker.io", "0/1", "latest", NULL, "docker.io/0/1:latest"},
		{"docker.io", "docker.io", "library/docker.io", "latest", NULL,
		 "docker.io/library/docker.io:latest"},
	};
	CHECK_GOOD_TABLE(v);
}

static void test_reference__maps_index_docker_io_to_docker_io(void)
{
	static const good_ref v[] = {
		{"index.docker.io/x/y", "docker.io", "x/y", "latest", NULL, "docker.io/x/y:latest"},
		{"index.docker.io/alpine:3", "docker.io", "library/alpine", "3", NULL,
		 "docker.io/library/alpine:3"},
		{"index.docker.io/library/alpine@" DG, "docker.io", "library/alpine", NULL, DG,
		 "docker.io/library/alpine@" DG},
	};
	CHECK_GOOD_TABLE(v);
}

static void test_reference__first_component_is_a_registry_only_when_it_looks_like_one(void)
{
	static const good_ref v[] = {
		/* localhost is a host; any other bare word is a namespace */
		{"localhost/foo", "localhost", "foo", "latest", NULL, "localhost/foo:latest"},
		{"localhost/foo/bar:1", "localhost", "foo/bar", "1", NULL, "localhost/foo/bar:1"},
		{"localhostx/foo", "docker.io", "localhostx/foo", "latest", NULL,
		 "docker.io/localhostx/foo:latest"},
		/* a '.' makes a host */
		{"a.b/c", "a.b", "c", "latest", NULL, "a.b/c:latest"},
		{"ghcr.io/org/app:1.2.3", "ghcr.io", "org/app", "1.2.3", NULL,
		 "ghcr.io/org/app:1.2.3"},
		{"sub.localhost/x", "sub.localhost", "x", "latest", NULL, "sub.localhost/x:latest"},
		{"host-with-dash.example.io/a", "host-with-dash.example.io", "a", "latest", NULL,
		 "host-with-dash.example.io/a:latest"},
		{"a--b.io/c", "a--b.io", "c", "latest", NULL, "a--b.io/c:latest"},
		{"127.0.0.1/foo", "127.0.0.1", "foo", "latest", NULL, "127.0.0.1/foo:latest"},
		/* a ':' (port) makes a host */
		{"registry:5000/x", "registry:5000", "x", "latest", NULL, "registry:5000/x:latest"},
		{"localhost:5000/a/b", "localhost:5000", "a/b", "latest", NULL,
		 "localhost:5000/a/b:latest"},
		{"127.0.0.1:5000/foo:tag", "127.0.0.1:5000", "foo", "tag", NULL,
		 "127.0.0.1:5000/foo:tag"},
		{"example.com:443/team/app:1.0", "example.com:443", "team/app", "1.0", NULL,
		 "example.com:443/team/app:1.0"},
		{"my-registry.example.com:5000/a/b/c/d", "my-registry.example.com:5000", "a/b/c/d",
		 "latest", NULL, "my-registry.example.com:5000/a/b/c/d:latest"},
		/* an upper-case letter makes a host: paths are lower case */
		{"Example.COM/foo", "Example.COM", "foo", "latest", NULL, "Example.COM/foo:latest"},
		{"Foo/bar", "Foo", "bar", "latest", NULL, "Foo/bar:latest"},
		{"LOCALHOST/bar", "LOCALHOST", "bar", "latest", NULL, "LOCALHOST/bar:latest"},
		/* without a '/' it is a name, even with a ':' or '.' */
		{"localhost:5000", "docker.io", "library/localhost", "5000", NULL,
		 "docker.io/library/localhost:5000"},
		{"localhost", "docker.io", "library/localhost", "latest", NULL,
		 "docker.io/library/localhost:latest"},
		{"foo.bar", "docker.io", "library/foo.bar", "latest", NULL,
		 "docker.io/library/foo.bar:latest"},
	};
	CHECK_GOOD_TABLE(v);
}

static void test_reference__accepts_ipv6_registries(void)
{
	static const good_ref v[] = {
		{"[::1]:5000/a", "[::1]:5000", "a", "latest", NULL, "[::1]:5000/a:latest"},
		{"[::1]/a", "[::1]", "a", "latest", NULL, "[::1]/a:latest"},
		{"[2001:db8::1]:5000/ns/app:tag", "[2001:db8::1]:5000", "ns/app", "tag", NULL,
		 "[2001:db8::1]:5000/ns/app:tag"},
		{"[2001:DB8:0:0:0:0:0:1]/x@" DG, "[2001:DB8:0:0:0:0:0:1]", "x", NULL, DG,
		 "[2001:DB8:0:0:0:0:0:1]/x@" DG},
	};
	CHECK_GOOD_TABLE(v);
}

static void test_reference__accepts_every_path_separator(void)
{
	static const good_ref v[] = {
		{"a.b", "docker.io", "library/a.b", "latest", NULL, "docker.io/library/a.b:latest"},
		{"a_b", "docker.io", "library/a_b", "latest", NULL, "docker.io/library/a_b:latest"},
		{"a__b", "docker.io", "library/a__b", "latest", NULL,
		 "docker.io/library/a__b:latest"},
		{"a-b", "docker.io", "library/a-b", "latest", NULL, "docker.io/library/a-b:latest"},
		{"a---b", "docker.io", "library/a---b", "latest", NULL,
		 "docker.io/library/a---b:latest"},
		{"a__b/c--d/e.f_g---h.i", "docker.io", "a__b/c--d/e.f_g---h.i", "latest", NULL,
		 "docker.io/a__b/c--d/e.f_g---h.i:latest"},
		{"x.io/a1.b2_c3__d4-e5", "x.io", "a1.b2_c3__d4-e5", "latest", NULL,
		 "x.io/a1.b2_c3__d4-e5:latest"},
		{"0", "docker.io", "library/0", "latest", NULL, "docker.io/library/0:latest"},
	};
	CHECK_GOOD_TABLE(v);
}

static void test_reference__accepts_tags_of_the_docker_grammar(void)
{
	static const good_ref v[] = {
		{"x:_tag", "docker.io", "library/x", "_tag", NULL, "docker.io/library/x:_tag"},
		{"x:TAG", "docker.io", "library/x", "TAG", NULL, "docker.io/library/x:TAG"},
		{"x:0", "docker.io", "library/x", "0", NULL, "docker.io/library/x:0"},
		{"x:a.b-c_D", "docker.io", "library/x", "a.b-c_D", NULL,
		 "docker.io/library/x:a.b-c_D"},
		{"x:v1.0--rc..1", "docker.io", "library/x", "v1.0--rc..1", NULL,
		 "docker.io/library/x:v1.0--rc..1"},
		{"x:" TAG128, "docker.io", "library/x", TAG128, NULL,
		 "docker.io/library/x:" TAG128},
		/* a name of 64 hex with a tag is not an image ID */
		{HEX64 ":latest", "docker.io", "library/" HEX64, "latest", NULL,
		 "docker.io/library/" HEX64 ":latest"},
		{"docker.io/" HEX64, "docker.io", "library/" HEX64, "latest", NULL,
		 "docker.io/library/" HEX64 ":latest"},
		{"ns/" HEX64, "docker.io", "ns/" HEX64, "latest", NULL,
		 "docker.io/ns/" HEX64 ":latest"},
	};
	CHECK_GOOD_TABLE(v);
}

static void test_reference__keeps_tag_and_digest(void)
{
	static const good_ref v[] = {
		{"alpine@" DG, "docker.io", "library/alpine", NULL, DG,
		 "docker.io/library/alpine@" DG},
		{"alpine:3.19@" DG, "docker.io", "library/alpine", "3.19", DG,
		 "docker.io/library/alpine:3.19@" DG},
		{"ghcr.io/org/app@" DG, "ghcr.io", "org/app", NULL, DG, "ghcr.io/org/app@" DG},
		{"localhost:5000/a/b:t@" DG, "localhost:5000", "a/b", "t", DG,
		 "localhost:5000/a/b:t@" DG},
		{"ghcr.io/a@sha512:" HEX128, "ghcr.io", "a", NULL, "sha512:" HEX128,
		 "ghcr.io/a@sha512:" HEX128},
	};
	CHECK_GOOD_TABLE(v);
}

static void test_reference__target_prefers_digest_over_tag(void)
{
	wasmpack_reference *ref = NULL;
	CHECK_OK(wasmpack_reference_parse(&ref, "alpine:3.19@" DG));
	const char *target = wasmpack_reference_target(ref);
	int ok = target && strcmp(target, DG) == 0;
	wasmpack_reference_free(ref);
	CHECK(ok);

	CHECK_OK(wasmpack_reference_parse(&ref, "alpine:3.19"));
	target = wasmpack_reference_target(ref);
	ok = target && strcmp(target, "3.19") == 0;
	wasmpack_reference_free(ref);
	CHECK(ok);

	CHECK_OK(wasmpack_reference_parse(&ref, "alpine"));
	target = wasmpack_reference_target(ref);
	ok = target && strcmp(target, "latest") == 0;
	wasmpack_reference_free(ref);
	CHECK(ok);

	CHECK(wasmpack_reference_target(NULL) == NULL);
}

static void test_reference__rejects_empty_and_image_ids(void)
{
	static const bad_ref v[] = {
		{"", "at least one component"},         {HEX64, "64-byte hexadecimal"},
		{":tag", "at least one component"},     {"@" DG, "at least one component"},
		{":tag@" DG, "at least one component"},
	};
	CHECK_BAD_TABLE(v);
}

static void test_reference__rejects_uppercase_paths(void)
{
	static const bad_ref v[] = {
		{"Alpine", "must be lowercase"},
		{"foo/Bar", "must be lowercase"},
		{"example.com/Foo", "must be lowercase"},
		{"Example.com/foo/Bar:tag", "must be lowercase"},
		{"localhost/Foo", "must be lowercase"},
		{"localhost:5000/a/B@" DG, "must be lowercase"},
		{"FOO:latest", "must be lowercase"},
	};
	CHECK_BAD_TABLE(v);
}

static void test_reference__rejects_malformed_paths(void)
{
	static const bad_ref v[] = {
		{"foo/", "empty path component"},
		{"/foo", "empty path component"},
		{"foo//bar", "empty path component"},
		{"example.com/", "empty path component"},
		{"example.com//a", "empty path component"},
		{"foo-", "invalid path component"},
		{"foo.", "invalid path component"},
		{"foo_", "invalid path component"},
		{"foo__", "invalid path component"},
		{"-foo", "invalid path component"},
		{".foo", "invalid path component"},
		{"_foo", "invalid path component"},
		{"foo/bar-", "invalid path component"},
		{"foo/-bar", "invalid path component"},
		{"foo___bar", "invalid path component"},
		{"foo..bar", "invalid path component"},
		{"foo._bar", "invalid path component"},
		{"foo.-bar", "invalid path component"},
		{"foo-.bar", "invalid path component"},
		{"foo_-bar", "invalid path component"},
		{"foo bar", "invalid path component"},
		{"foo\tbar", "invalid path component"},
		{"foo\nbar", "invalid path component"},
		{"caf\xc3\xa9", "invalid path component"},
		{"foo:tag:tag", "invalid path component"},
		{"a.io/foo+bar", "invalid path component"},
		{"a.io/foo@bar", "invalid digest"},
	};
	CHECK_BAD_TABLE(v);
}

static void test_reference__rejects_malformed_registry_hosts(void)
{
	static const bad_ref v[] = {
		{"a.b_c/d", "invalid registry host"},
		{"-a.com/b", "invalid registry host"},
		{"a-.com/b", "invalid registry host"},
		{"a..com/b", "invalid registry host"},
		{".a.com/b", "invalid registry host"},
		{"a.com./b", "invalid registry host"},
		{"localhost:/a", "invalid registry host"},
		{"localhost:abc/a", "invalid registry host"},
		{"localhost:-1/a", "invalid registry host"},
		{"a.com:5000:6000/b", "invalid registry host"},
		{":5000/a", "invalid registry host"},
		{"foo:ta/g", "invalid registry host"},
		{"[::1/a", "invalid registry host"},
		{"[]:5000/a", "invalid registry host"},
		{"[::1]x/a", "invalid registry host"},
		{"[::1]:/a", "invalid registry host"},
		{"[::g]/a", "invalid registry host"},
		{"[fe80::1%eth0]/a", "invalid registry host"},
		{"::1/a", "invalid registry host"},
		{"Foo_bar/x", "invalid registry host"},
		{"h\xc3\xb6st.com/a", "invalid registry host"},
	};
	CHECK_BAD_TABLE(v);
}

static void test_reference__rejects_malformed_tags(void)
{
	static const bad_ref v[] = {
		{"foo:", "empty tag"},
		{"foo:.tag", "invalid tag"},
		{"foo:-tag", "invalid tag"},
		{"foo:t@g", "invalid"},
		{"foo:ta g", "invalid tag"},
		{"foo:t+g", "invalid tag"},
		{"example.com:5000/foo:", "empty tag"},
		{"foo:" TAG128 "9", "invalid tag"},
	};
	CHECK_BAD_TABLE(v);
}

static void test_reference__rejects_malformed_digests(void)
{
	static const bad_ref v[] = {
		{"foo@", "invalid digest"},
		{"foo:bar@", "invalid digest"},
		{"foo@sha256", "invalid digest"},
		{"foo@sha256:", "invalid digest"},
		/* 63 hex digits */
		{"foo@sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d",
		 "64"},
		/* 65 hex digits */
		{"foo@" DG "0", "64"},
		/* upper-case hex */
		{"foo@sha256:A3ED95CAEB02FFE68CDD9FD84406680AE93D633CB16422D00E8A7C22955B46D4",
		 "64"},
		{"foo@SHA256:" HEX64, "invalid digest"},
		{"foo@sha512:" HEX64, "128"},
		{"foo@" DG "@" DG, "invalid digest"},
		{"foo@md5:d41d8cd98f00b204e9800998ecf8427e", "unsupported"},
		{"foo@" HEX64, "invalid digest"},
		{"foo@" DG ":tag", "invalid digest"},
	};
	CHECK_BAD_TABLE(v);
}

/* distribution/reference counts the path, "library/" included, and not
 * the registry (distribution/reference#9). */
static void test_reference__limits_repository_path_to_255_characters(void)
{
	struct {
		char *text;
		int ok;
	} v[] = {
		{repeat("", 'a', 247, ""), 1},             /* library/ + 247 = 255 */
		{repeat("", 'a', 248, ""), 0},             /* 256 */
		{repeat("", 'a', 247, ":tag@" DG), 1},     /* tag and digest don't count */
		{repeat("ns/", 'a', 252, ""), 1},          /* 255 */
		{repeat("ns/", 'a', 253, ""), 0},          /* 256 */
		{repeat("example.com/", 'a', 255, ""), 1}, /* host doesn't count */
		{repeat("example.com/", 'a', 256, ""), 0},
		{repeat("localhost:5000/x/", 'b', 253, ""), 1},
		{repeat("localhost:5000/x/", 'b', 254, ""), 0},
		{repeat("docker.io/", 'a', 247, ""), 1},
		{repeat("docker.io/", 'a', 248, ""), 0},
		{repeat("index.docker.io/n/", 'a', 253, ""), 1},
		{repeat("index.docker.io/n/", 'a', 254, ""), 0},
	};
	size_t n = sizeof(v) / sizeof(v[0]);
	int failed = 0;
	char *long_host = repeat("", 'h', 300, ".example.com/");
	char *long_host_ref = long_host ? repeat(long_host, 'a', 255, "") : NULL;
	for (size_t i = 0; i < n && !failed; i++) {
		if (!v[i].text) {
			failed = 1;
			break;
		}
		if (v[i].ok) {
			wasmpack_reference *ref = NULL;
			if (wasmpack_reference_parse(&ref, v[i].text) != 0) {
				harness_fail(__FILE__, __LINE__, "long name accepted",
					     wasmpack_error_last());
				failed = 1;
			} else if (strlen(ref->repository) != 255) {
				harness_fail(__FILE__, __LINE__, "repository is 255 long",
					     ref->repository);
				failed = 1;
			}
			wasmpack_reference_free(ref);
		} else {
			bad_ref bad = {v[i].text, "must not be more than 255 characters"};
			failed = check_bad(__FILE__, __LINE__, &bad);
		}
	}
	if (!failed) {
		wasmpack_reference *ref = NULL;
		if (!long_host_ref || wasmpack_reference_parse(&ref, long_host_ref) != 0) {
			harness_fail(__FILE__, __LINE__, "long host with 255 path accepted",
				     wasmpack_error_last());
			failed = 1;
		}
		wasmpack_reference_free(ref);
	}
	for (size_t i = 0; i < n; i++)
		free(v[i].text);
	free(long_host);
	free(long_host_ref);
	CHECK(!failed);
}

static void test_reference__error_names_input_and_reason_on_one_line(void)
{
	wasmpack_reference *ref = NULL;
	CHECK_ERR(wasmpack_reference_parse(&ref, "foo/Bar:1"), WASMPACK_EINVALID);
	CHECK(ref == NULL);
	CHECK(strstr(wasmpack_error_last(), "invalid reference 'foo/Bar:1'") ==
	      wasmpack_error_last());
	CHECK_INT(wasmpack_error_last_code(), WASMPACK_EINVALID);

	/* A very long input is cut short so the reason still shows. */
	char *text = repeat("", 'a', 5000, "-");
	CHECK(text != NULL);
	int rc = wasmpack_reference_parse(&ref, text);
	free(text);
	CHECK_INT(rc, WASMPACK_EINVALID);
	CHECK(strstr(wasmpack_error_last(), "...") != NULL);
	CHECK(strstr(wasmpack_error_last(), "must not be more than 255") != NULL ||
	      strstr(wasmpack_error_last(), "invalid path component") != NULL);
	CHECK(strlen(wasmpack_error_last()) < 1000);

	CHECK_ERR(wasmpack_reference_parse(&ref, "foo\nbar"), WASMPACK_EINVALID);
	CHECK(strchr(wasmpack_error_last(), '\n') == NULL);
}

static void test_reference__rejects_null_arguments(void)
{
	wasmpack_reference *ref = NULL;
	char *s = NULL;
	CHECK_ERR(wasmpack_reference_parse(NULL, "alpine"), WASMPACK_EINVALID);
	CHECK_ERR(wasmpack_reference_parse(&ref, NULL), WASMPACK_EINVALID);
	CHECK(ref == NULL);
	CHECK_ERR(wasmpack_reference_format(&s, NULL), WASMPACK_EINVALID);
	CHECK(s == NULL);
	CHECK_ERR(wasmpack_reference_name(&s, NULL), WASMPACK_EINVALID);
	CHECK_ERR(wasmpack_reference_dup(&ref, NULL), WASMPACK_EINVALID);
	CHECK(wasmpack_reference_api_host(NULL) == NULL);
	wasmpack_reference_free(NULL);
}

static void test_reference__name_omits_tag_and_digest(void)
{
	wasmpack_reference *ref = NULL;
	char *name = NULL;
	CHECK_OK(wasmpack_reference_parse(&ref, "localhost:5000/a/b:t@" DG));
	int rc = wasmpack_reference_name(&name, ref);
	wasmpack_reference_free(ref);
	CHECK_OK(rc);
	int ok = strcmp(name, "localhost:5000/a/b") == 0;
	free(name);
	CHECK(ok);

	CHECK_OK(wasmpack_reference_parse(&ref, "alpine"));
	rc = wasmpack_reference_name(&name, ref);
	wasmpack_reference_free(ref);
	CHECK_OK(rc);
	ok = strcmp(name, "docker.io/library/alpine") == 0;
	free(name);
	CHECK(ok);
}

static void test_reference__api_host_maps_docker_hub(void)
{
	static const struct {
		const char *text, *host;
	} v[] = {
		{"alpine", "registry-1.docker.io"},
		{"docker.io/user/app", "registry-1.docker.io"},
		{"index.docker.io/x/y", "registry-1.docker.io"},
		{"ghcr.io/org/app", "ghcr.io"},
		{"localhost:5000/a", "localhost:5000"},
		{"[::1]:5000/a", "[::1]:5000"},
		{"registry-1.docker.io/x/y", "registry-1.docker.io"},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		wasmpack_reference *ref = NULL;
		CHECK_OK(wasmpack_reference_parse(&ref, v[i].text));
		const char *host = wasmpack_reference_api_host(ref);
		int ok = host && strcmp(host, v[i].host) == 0;
		char detail[200];
		snprintf(detail, sizeof(detail), "'%s' -> %s", v[i].text, show(host));
		wasmpack_reference_free(ref);
		if (!ok) {
			harness_fail(__FILE__, __LINE__, "api host", detail);
			return;
		}
	}
}

static void test_reference__dup_is_a_deep_copy(void)
{
	wasmpack_reference *a = NULL, *b = NULL, *c = NULL;
	CHECK_OK(wasmpack_reference_parse(&a, "ghcr.io/org/app@" DG));
	int rc = wasmpack_reference_dup(&b, a);
	if (rc == 0)
		rc = wasmpack_reference_parse(&c, "x:1");
	int ok = rc == 0 && b != a && b->registry != a->registry &&
		 strcmp(b->registry, "ghcr.io") == 0 && strcmp(b->repository, "org/app") == 0 &&
		 b->tag == NULL && strcmp(b->digest, DG) == 0;
	wasmpack_reference_free(a);
	/* b outlives a */
	ok = ok && strcmp(b->digest, DG) == 0;
	wasmpack_reference *d = NULL;
	if (rc == 0)
		rc = wasmpack_reference_dup(&d, c);
	ok = ok && rc == 0 && strcmp(d->tag, "1") == 0 && d->digest == NULL;
	wasmpack_reference_free(b);
	wasmpack_reference_free(c);
	wasmpack_reference_free(d);
	CHECK_OK(rc);
	CHECK(ok);
}

static void test_reference__formatted_text_parses_back_to_itself(void)
{
	static const char *const texts[] = {
		"alpine",
		"user/app:v1",
		"localhost:5000/a/b:t@" DG,
		"[::1]:5000/a",
		"index.docker.io/x/y@" DG,
		"Example.COM/foo",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		wasmpack_reference *a = NULL, *b = NULL;
		char *fa = NULL, *fb = NULL;
		int rc = wasmpack_reference_parse(&a, texts[i]);
		if (rc == 0)
			rc = wasmpack_reference_format(&fa, a);
		if (rc == 0)
			rc = wasmpack_reference_parse(&b, fa);
		if (rc == 0)
			rc = wasmpack_reference_format(&fb, b);
		int ok = rc == 0 && strcmp(fa, fb) == 0;
		char detail[400];
		snprintf(detail, sizeof(detail), "'%s' -> %s -> %s: %s", texts[i], show(fa),
			 show(fb), rc ? wasmpack_error_last() : "");
		free(fa);
		free(fb);
		wasmpack_reference_free(a);
		wasmpack_reference_free(b);
		if (!ok) {
			harness_fail(__FILE__, __LINE__, "format round-trips", detail);
			return;
		}
	}
}

const test_case reference_tests[] = {
	TEST_ENTRY(test_reference__normalizes_docker_hub_names),
	TEST_ENTRY(test_reference__maps_index_docker_io_to_docker_io),
	TEST_ENTRY(test_reference__first_component_is_a_registry_only_when_it_looks_like_one),
	TEST_ENTRY(test_reference__accepts_ipv6_registries),
	TEST_ENTRY(test_reference__accepts_every_path_separator),
	TEST_ENTRY(test_reference__accepts_tags_of_the_docker_grammar),
	TEST_ENTRY(test_reference__keeps_tag_and_digest),
	TEST_ENTRY(test_reference__target_prefers_digest_over_tag),
	TEST_ENTRY(test_reference__rejects_empty_and_image_ids),
	TEST_ENTRY(test_reference__rejects_uppercase_paths),
	TEST_ENTRY(test_reference__rejects_malformed_paths),
	TEST_ENTRY(test_reference__rejects_malformed_registry_hosts),
	TEST_ENTRY(test_reference__rejects_malformed_tags),
	TEST_ENTRY(test_reference__rejects_malformed_digests),
	TEST_ENTRY(test_reference__limits_repository_path_to_255_characters),
	TEST_ENTRY(test_reference__error_names_input_and_reason_on_one_line),
	TEST_ENTRY(test_reference__rejects_null_arguments),
	TEST_ENTRY(test_reference__name_omits_tag_and_digest),
	TEST_ENTRY(test_reference__api_host_maps_docker_hub),
	TEST_ENTRY(test_reference__dup_is_a_deep_copy),
	TEST_ENTRY(test_reference__formatted_text_parses_back_to_itself),
	TEST_END,
};
