/* Tests of registry authentication pieces: WWW-Authenticate parsing on
 * real-world and hostile headers, scope sets, token URLs and responses,
 * the token cache, Basic encoding and the Docker Hub names. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>

#include "registry/challenge.h"
#include "registry/scope.h"
#include "registry/token.h"
#include "util/time.h"

static int parse(wp_auth_challenges *list, const char *header)
{
	return wp_auth_challenges_parse(list, header, strlen(header));
}

/* The param of a challenge, or "(none)" so CHECK_STR names what is missing. */
static const char *param(const wp_auth_challenge *c, const char *name)
{
	const char *v = wp_auth_challenge_param(c, name);
	return v ? v : "(none)";
}

static void test_auth__parses_docker_hub_bearer_challenge(void)
{
	wp_auth_challenges l = WP_AUTH_CHALLENGES_INIT;
	CHECK_OK(parse(&l, "Bearer realm=\"https://auth.docker.io/token\","
			   "service=\"registry.docker.io\","
			   "scope=\"repository:library/alpine:pull\""));
	int ok = l.count == 1 && strcmp(l.items[0].scheme, "bearer") == 0 &&
		 l.items[0].params.count == 3 && !l.items[0].token68;
	const wp_auth_challenge *c = wp_auth_challenges_find(&l, "Bearer");
	if (!ok || !c) {
		wp_auth_challenges_dispose(&l);
		CHECK(ok && c);
	}
	char realm[64], service[64], scope[64];
	snprintf(realm, sizeof(realm), "%s", param(c, "realm"));
	snprintf(service, sizeof(service), "%s", param(c, "service"));
	snprintf(scope, sizeof(scope), "%s", param(c, "scope"));
	wp_auth_challenges_dispose(&l);
	CHECK_STR(realm, "https://auth.docker.io/token");
	CHECK_STR(service, "registry.docker.io");
	CHECK_STR(scope, "repository:library/alpine:pull");
	CHECK(l.items == NULL);
	CHECK_INT(l.count, 0);
}

static void test_auth__parses_insufficient_scope_error(void)
{
	/* distribution's answer when a token lacks push. */
	wp_auth_challenges l = WP_AUTH_CHALLENGES_INIT;
	CHECK_OK(parse(&l, "Bearer realm=\"https://auth.example.com/token\","
			   "service=\"registry.example.com\","
			   "scope=\"repository:a/b:pull,push\",error=\"insufficient_scope\""));
	char err[64], scope[64];
	snprintf(err, sizeof(err), "%s", l.count ? param(&l.items[0], "error") : "");
	snprintf(scope, sizeof(scope), "%s", l.count ? param(&l.items[0], "scope") : "");
	size_t n = l.count;
	wp_auth_challenges_dispose(&l);
	CHECK_INT(n, 1);
	CHECK_STR(err, "insufficient_scope");
	CHECK_STR(scope, "repository:a/b:pull,push");
}

static void test_auth__parses_ghcr_and_basic_challenges(void)
{
	wp_auth_challenges l = WP_AUTH_CHALLENGES_INIT;
	CHECK_OK(parse(&l, "Bearer realm=\"https://ghcr.io/token\",service=\"ghcr.io\","
			   "scope=\"repository:user/image:pull\""));
	CHECK_OK(parse(&l, "Basic realm=\"Registry Realm\""));
	char a[64], b[64], c[64];
	snprintf(a, sizeof(a), "%s", l.count == 2 ? param(&l.items[0], "service") : "");
	snprintf(b, sizeof(b), "%s", l.count == 2 ? l.items[1].scheme : "");
	snprintf(c, sizeof(c), "%s", l.count == 2 ? param(&l.items[1], "realm") : "");
	wp_auth_challenges_dispose(&l);
	CHECK_STR(a, "ghcr.io");
	CHECK_STR(b, "basic");
	CHECK_STR(c, "Registry Realm");
}

static void test_auth__parses_several_challenges_in_one_header(void)
{
	wp_auth_challenges l = WP_AUTH_CHALLENGES_INIT;
	CHECK_OK(parse(&l, "Basic realm=\"x\", Bearer realm=\"y\",service=\"z\""));
	int ok = l.count == 2 && strcmp(l.items[0].scheme, "basic") == 0 &&
		 l.items[0].params.count == 1 && strcmp(l.items[1].scheme, "bearer") == 0 &&
		 l.items[1].params.count == 2 && strcmp(param(&l.items[1], "realm"), "y") == 0 &&
		 strcmp(param(&l.items[1], "service"), "z") == 0 &&
		 wp_auth_challenges_find(&l, "BASIC") == &l.items[0];
	wp_auth_challenges_dispose(&l);
	CHECK(ok);

	/* Empty list elements, a bare scheme, token68 and odd spacing. */
	CHECK_OK(parse(&l, " , Negotiate, NTLM abc+/123==  ,, Newauth realm = \"apps\" ,"
			   "type=1,title=\"Login to \\\"apps\\\"\", Basic realm=\"simple\" ,"));
	ok = l.count == 4 && strcmp(l.items[0].scheme, "negotiate") == 0 && !l.items[0].token68 &&
	     l.items[0].params.count == 0 && strcmp(l.items[1].scheme, "ntlm") == 0 &&
	     l.items[1].token68 && strcmp(l.items[1].token68, "abc+/123==") == 0 &&
	     strcmp(l.items[2].scheme, "newauth") == 0 && l.items[2].params.count == 3 &&
	     strcmp(param(&l.items[2], "realm"), "apps") == 0 &&
	     strcmp(param(&l.items[2], "type"), "1") == 0 &&
	     strcmp(param(&l.items[2], "title"), "Login to \"apps\"") == 0 &&
	     strcmp(param(&l.items[3], "realm"), "simple") == 0;
	wp_auth_challenges_dispose(&l);
	CHECK(ok);
}

static void test_auth__unquotes_escapes_and_commas(void)
{
	wp_auth_challenges l = WP_AUTH_CHALLENGES_INIT;
	CHECK_OK(parse(&l, "Bearer realm=\"a\\\"b\\\\c\\d\",scope=\"repository:x/y:pull,push "
			   "repository:z:pull\",service=\"\""));
	int ok = l.count == 1 && strcmp(param(&l.items[0], "realm"), "a\"b\\cd") == 0 &&
		 strcmp(param(&l.items[0], "scope"),
			"repository:x/y:pull,push repository:z:pull") == 0 &&
		 strcmp(param(&l.items[0], "service"), "") == 0;
	wp_auth_challenges_dispose(&l);
	CHECK(ok);
}

static void test_auth__scheme_and_param_names_ignore_case(void)
{
	wp_auth_challenges l = WP_AUTH_CHALLENGES_INIT;
	CHECK_OK(parse(&l, "BEARER Realm=\"https://a/t\", SERVICE=reg, Service=\"second\""));
	int ok = l.count == 1 && strcmp(l.items[0].scheme, "bearer") == 0 &&
		 wp_auth_challenges_find(&l, "bearer") != NULL &&
		 strcmp(param(&l.items[0], "realm"), "https://a/t") == 0 &&
		 strcmp(param(&l.items[0], "Service"), "reg") == 0; /* first one wins */
	wp_auth_challenges_dispose(&l);
	CHECK(ok);
}

static void test_auth__accepts_unquoted_urls_leniently(void)
{
	wp_auth_challenges l = WP_AUTH_CHALLENGES_INIT;
	CHECK_OK(parse(&l, "Bearer realm=https://auth.example.com/token?x=1,service=reg.example"));
	int ok = l.count == 1 &&
		 strcmp(param(&l.items[0], "realm"), "https://auth.example.com/token?x=1") == 0 &&
		 strcmp(param(&l.items[0], "service"), "reg.example") == 0;
	wp_auth_challenges_dispose(&l);
	CHECK(ok);
}

static void test_auth__empty_header_adds_nothing(void)
{
	wp_auth_challenges l = WP_AUTH_CHALLENGES_INIT;
	CHECK_OK(parse(&l, ""));
	CHECK_OK(parse(&l, " ,\t, ,"));
	CHECK_OK(wp_auth_challenges_parse(&l, NULL, 0));
	CHECK_INT(l.count, 0);
	CHECK(l.items == NULL);
}

static void test_auth__rejects_garbage_and_keeps_the_list(void)
{
	static const struct {
		const char *header;
		const char *needle;
	} bad[] = {
		{"=", "expected an auth scheme at offset 0"},
		{"\"Bearer\"", "expected an auth scheme"},
		{"Bearer realm=\"unterminated", "unterminated quoted string"},
		{"Bearer realm=\"x\\", "unterminated quoted string"},
		{"Bearer realm=\"x\" service=\"y\"", "expected ','"},
		{"Bearer realm=\"a\x01\"", "control character"},
		{"Bearer realm=\"a\\\x01\"", "control character"},
		{"Bearer\x01", "expected a space"},
		{"Bearer realm=\"x\",=y", "expected an auth scheme"},
		{"Bearer realm=\"x\", service=\x01", "expected a parameter value"},
		{"Basic abc== def", "expected ','"},
		{"Bearer ,realm=x", "expected a space"},
		{"Bearer @@@", "expected a parameter or token68"},
		{"B\xc3\xa9"
		 "arer realm=x",
		 "expected a space"},
	};
	wp_auth_challenges l = WP_AUTH_CHALLENGES_INIT;
	CHECK_OK(parse(&l, "Basic realm=\"kept\""));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(&l, bad[i].header);
		if (rc != WASMPACK_EINVALID || !strstr(wasmpack_error_last(), bad[i].needle) ||
		    l.count != 1) {
			char detail[512];
			snprintf(detail, sizeof(detail), "header #%zu: rc=%d count=%zu: %s", i, rc,
				 l.count, wasmpack_error_last());
			wp_auth_challenges_dispose(&l);
			harness_fail(__FILE__, __LINE__, "garbage is rejected", detail);
			return;
		}
	}
	/* "Bearer ,realm=x" is a bare Bearer then a "realm=x" element that is
	 * no scheme: rejected above. A NUL inside the value is refused too. */
	CHECK_ERR(wp_auth_challenges_parse(&l, "Basic\0 realm=x", 14), WASMPACK_EINVALID);
	int ok = l.count == 1 && strcmp(param(&l.items[0], "realm"), "kept") == 0;
	wp_auth_challenges_dispose(&l);
	CHECK(ok);
}

static void test_auth__bounds_hostile_headers(void)
{
	wp_auth_challenges l = WP_AUTH_CHALLENGES_INIT;
	size_t big = 100 * 1024;
	char *h = malloc(big + 1);
	CHECK(h);
	memset(h, ',', big);
	h[big] = '\0';
	int rc = wp_auth_challenges_parse(&l, h, big);
	/* Under the cap, commas alone are fine and add nothing. */
	int rc_small = wp_auth_challenges_parse(&l, h, WP_AUTH_HEADER_MAX);
	free(h);
	CHECK_INT(rc, WASMPACK_ETOOLARGE);
	CHECK_INT(rc_small, 0);
	CHECK_INT(l.count, 0);

	/* Too many params in one challenge. */
	char buf[4096];
	size_t n = (size_t)snprintf(buf, sizeof(buf), "Bearer ");
	for (int i = 0; i < WP_AUTH_PARAMS_MAX + 1; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "p%d=v,", i);
	CHECK_ERR(parse(&l, buf), WASMPACK_ETOOLARGE);
	CHECK_INT(l.count, 0);

	/* Too many challenges, over several headers. */
	for (int i = 0; i < WP_AUTH_CHALLENGES_MAX - 1; i++)
		CHECK_OK(parse(&l, "Basic realm=x"));
	CHECK_ERR(parse(&l, "Basic realm=x, Basic realm=y"), WASMPACK_ETOOLARGE);
	CHECK_INT(l.count, WP_AUTH_CHALLENGES_MAX - 1);
	CHECK_OK(parse(&l, "Basic realm=last"));
	CHECK_ERR(parse(&l, "Basic"), WASMPACK_ETOOLARGE);
	wp_auth_challenges_dispose(&l);
}

static void test_auth__survives_random_and_truncated_headers(void)
{
	static const char real[] =
		"Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
		"scope=\"repository:a/b:pull,push\", Basic realm=\"x\\\"y\", NTLM abc==";
	static const char alphabet[] = "Ba =,\"\\\t\x01:/rem=\xff";
	wp_auth_challenges l = WP_AUTH_CHALLENGES_INIT;
	int bad = 0;
	/* Every prefix of a real header. */
	for (size_t i = 0; i <= sizeof(real) - 1; i++) {
		int rc = wp_auth_challenges_parse(&l, real, i);
		if (rc != 0 && rc != WASMPACK_EINVALID)
			bad++;
		wp_auth_challenges_dispose(&l);
	}
	/* Random strings over the bytes that matter to the grammar. */
	unsigned seed = 12345;
	char h[64];
	for (int round = 0; round < 20000; round++) {
		size_t len = 0;
		seed = seed * 1103515245u + 12345u;
		size_t want = (seed >> 16) % sizeof(h);
		while (len < want) {
			seed = seed * 1103515245u + 12345u;
			h[len++] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		int rc = wp_auth_challenges_parse(&l, h, len);
		if (rc != 0 && rc != WASMPACK_EINVALID && rc != WASMPACK_ETOOLARGE)
			bad++;
		for (size_t i = 0; i < l.count; i++)
			if (!l.items[i].scheme || !*l.items[i].scheme)
				bad++;
		wp_auth_challenges_dispose(&l);
	}
	CHECK_INT(bad, 0);
}

/* ------------------------------------------------------------------ */

static void test_auth__scopes_normalize_and_merge_actions(void)
{
	wp_auth_scopes s = WP_AUTH_SCOPES_INIT;
	char *joined = NULL;
	CHECK_OK(wp_auth_scopes_add(&s, "repository:c/d:pull"));
	CHECK_OK(wp_auth_scopes_add(&s, "repository:a/b:push,pull,push"));
	CHECK_OK(wp_auth_scopes_add(&s, "repository:a/b:pull"));
	CHECK_OK(wp_auth_scopes_add(&s, "repository:c/d:,push,"));
	CHECK_OK(wp_auth_scopes_add(&s, "registry:catalog:*"));
	CHECK_OK(wp_auth_scopes_join(&joined, &s));
	wp_auth_scopes_dispose(&s);
	char copy[256];
	snprintf(copy, sizeof(copy), "%s", joined);
	free(joined);
	CHECK_STR(copy, "registry:catalog:* repository:a/b:pull,push repository:c/d:pull,push");
}

static void test_auth__scope_sets_compare_whatever_the_order(void)
{
	wp_auth_scopes a = WP_AUTH_SCOPES_INIT, b = WP_AUTH_SCOPES_INIT;
	CHECK_OK(wp_auth_scopes_add_list(&a, "repository:a/b:pull,push repository:c/d:pull"));
	CHECK_OK(wp_auth_scopes_add(&b, "repository:c/d:pull"));
	CHECK_OK(wp_auth_scopes_add(&b, "repository:a/b:push"));
	int before = wp_auth_scopes_equal(&a, &b);
	CHECK_OK(wp_auth_scopes_add_repository(&b, "a/b", "pull"));
	int after = wp_auth_scopes_equal(&a, &b);
	int covers = wp_auth_scopes_covers(&a, &b) && wp_auth_scopes_covers(&b, &a);
	wp_auth_scopes_dispose(&a);
	wp_auth_scopes_dispose(&b);
	CHECK(!before && after && covers);
}

static void test_auth__merges_insufficient_scope_into_the_set(void)
{
	wp_auth_challenges l = WP_AUTH_CHALLENGES_INIT;
	wp_auth_scopes have = WP_AUTH_SCOPES_INIT, asked = WP_AUTH_SCOPES_INIT;
	char *joined = NULL;
	CHECK_OK(wp_auth_scopes_add(&have, "repository:a/b:pull"));
	CHECK_OK(wp_auth_scopes_add(&have, "repository:src/x:pull"));
	CHECK_OK(parse(&l, "Bearer realm=\"https://t/token\",service=\"s\","
			   "scope=\"repository:a/b:push repository:new/one:pull\","
			   "error=\"insufficient_scope\""));
	int rc = wp_auth_scopes_add_list(&asked, param(&l.items[0], "scope"));
	wp_auth_challenges_dispose(&l);
	CHECK_OK(rc);
	int covered = wp_auth_scopes_covers(&have, &asked);
	CHECK_OK(wp_auth_scopes_merge(&have, &asked));
	int now_covered = wp_auth_scopes_covers(&have, &asked);
	CHECK_OK(wp_auth_scopes_join(&joined, &have));
	wp_auth_scopes_dispose(&have);
	wp_auth_scopes_dispose(&asked);
	char copy[256];
	snprintf(copy, sizeof(copy), "%s", joined);
	free(joined);
	CHECK(!covered && now_covered);
	CHECK_STR(copy, "repository:a/b:pull,push repository:new/one:pull "
			"repository:src/x:pull");
}

static void test_auth__rejects_malformed_scopes_without_change(void)
{
	static const char *const bad[] = {
		"",
		"repository",
		"repository:a",
		"repository::pull",
		":a:pull",
		"repository:a:",
		"repository:a:,,",
		"repository:a b:pull",
		"repository:a:pu\"ll",
		"repository:a:pull\n",
	};
	wp_auth_scopes s = WP_AUTH_SCOPES_INIT;
	CHECK_OK(wp_auth_scopes_add(&s, "repository:keep:pull"));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = wp_auth_scopes_add(&s, bad[i]);
		if (rc != WASMPACK_EINVALID || s.count != 1) {
			wp_auth_scopes_dispose(&s);
			harness_fail(__FILE__, __LINE__, "malformed scope rejected", bad[i]);
			return;
		}
	}
	/* All or nothing: the good first scope of the list is not kept. */
	CHECK_ERR(wp_auth_scopes_add_list(&s, "repository:x:pull repository:bad"),
		  WASMPACK_EINVALID);
	/* A name may hold ':' (the actions follow the last one). */
	CHECK_OK(wp_auth_scopes_add(&s, "repository:host:5000/x:pull"));
	int ok = s.count == 2 && strcmp(s.items[0], "repository:host:5000/x:pull") == 0 &&
		 strcmp(s.items[1], "repository:keep:pull") == 0;
	wp_auth_scopes_dispose(&s);
	CHECK(ok);
}

static void test_auth__scope_set_is_bounded(void)
{
	wp_auth_scopes s = WP_AUTH_SCOPES_INIT;
	char name[32];
	int rc = 0;
	for (int i = 0; i <= WP_AUTH_SCOPES_MAX && rc == 0; i++) {
		snprintf(name, sizeof(name), "r%03d", i);
		rc = wp_auth_scopes_add_repository(&s, name, "pull");
	}
	size_t n = s.count;
	wp_auth_scopes_dispose(&s);
	CHECK_INT(rc, WASMPACK_ETOOLARGE);
	CHECK_INT(n, WP_AUTH_SCOPES_MAX);
}

/* ------------------------------------------------------------------ */

static void test_auth__builds_docker_hub_token_url(void)
{
	wp_auth_scopes s = WP_AUTH_SCOPES_INIT;
	char *url = NULL;
	CHECK_OK(wp_auth_scopes_add(&s, "repository:library/alpine:pull"));
	int rc = wp_auth_token_url(&url, "https://auth.docker.io/token", "registry.docker.io", &s);
	wp_auth_scopes_dispose(&s);
	CHECK_OK(rc);
	char copy[256];
	snprintf(copy, sizeof(copy), "%s", url);
	free(url);
	CHECK_STR(copy, "https://auth.docker.io/token?service=registry.docker.io"
			"&scope=repository%3Alibrary%2Falpine%3Apull");
}

static void test_auth__token_url_encodes_and_joins_queries(void)
{
	wp_auth_scopes s = WP_AUTH_SCOPES_INIT;
	char *u1 = NULL, *u2 = NULL, *u3 = NULL, *u4 = NULL;
	CHECK_OK(wp_auth_scopes_add(&s, "repository:c/d:pull"));
	CHECK_OK(wp_auth_scopes_add(&s, "repository:a/b:push,pull"));
	int rc = wp_auth_token_url(&u1, "https://t.example/token?account=me", "my svc/\xc3\xa9&x",
				   &s);
	if (rc == 0)
		rc = wp_auth_token_url(&u2, "http://t.example/token", NULL, &s);
	if (rc == 0)
		rc = wp_auth_token_url(&u3, "https://t.example/token?", "s", NULL);
	if (rc == 0)
		rc = wp_auth_token_url(&u4, "HTTPS://t.example/token?a=1&", "s", NULL);
	wp_auth_scopes_dispose(&s);
	char c1[256], c2[256], c3[256], c4[256];
	snprintf(c1, sizeof(c1), "%s", u1 ? u1 : "");
	snprintf(c2, sizeof(c2), "%s", u2 ? u2 : "");
	snprintf(c3, sizeof(c3), "%s", u3 ? u3 : "");
	snprintf(c4, sizeof(c4), "%s", u4 ? u4 : "");
	free(u1);
	free(u2);
	free(u3);
	free(u4);
	CHECK_OK(rc);
	CHECK_STR(c1, "https://t.example/token?account=me&service=my%20svc%2F%C3%A9%26x"
		      "&scope=repository%3Aa%2Fb%3Apull%2Cpush&scope=repository%3Ac%2Fd%3Apull");
	CHECK_STR(c2, "http://t.example/token?scope=repository%3Aa%2Fb%3Apull%2Cpush"
		      "&scope=repository%3Ac%2Fd%3Apull");
	CHECK_STR(c3, "https://t.example/token?service=s");
	CHECK_STR(c4, "HTTPS://t.example/token?a=1&service=s");
}

static void test_auth__token_url_rejects_bad_realms(void)
{
	static const char *const bad[] = {"",
					  "/token",
					  "ftp://x/token",
					  "https://",
					  "https:///token",
					  "https://x/t#frag",
					  "https://x/a b",
					  "https://x/\r\nInjected: 1"};
	char *url = NULL;
	CHECK_ERR(wp_auth_token_url(&url, NULL, "s", NULL), WASMPACK_EINVALID);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (wp_auth_token_url(&url, bad[i], "s", NULL) != WASMPACK_EINVALID || url) {
			free(url);
			harness_fail(__FILE__, __LINE__, "bad realm rejected", bad[i]);
			return;
		}
	}
	CHECK(strstr(wasmpack_error_last(), "Injected") == NULL);
}

static void test_auth__builds_oauth2_form_bodies(void)
{
	wp_auth_scopes s = WP_AUTH_SCOPES_INIT;
	char *r = NULL, *p = NULL, *bare = NULL;
	CHECK_OK(wp_auth_scopes_add(&s, "repository:a/b:pull,push"));
	CHECK_OK(wp_auth_scopes_add(&s, "repository:c/d:pull"));
	int rc = wp_auth_oauth_refresh_body(&r, "ref/tok=en+1", "registry.example.com", &s);
	if (rc == 0)
		rc = wp_auth_oauth_password_body(&p, "me@x", "p&ss w=rd", "svc", &s);
	if (rc == 0)
		rc = wp_auth_oauth_refresh_body(&bare, "t", NULL, NULL);
	wp_auth_scopes_dispose(&s);
	char cr[512], cp[512], cb[128];
	snprintf(cr, sizeof(cr), "%s", r ? r : "");
	snprintf(cp, sizeof(cp), "%s", p ? p : "");
	snprintf(cb, sizeof(cb), "%s", bare ? bare : "");
	wp_secret_free(r);
	wp_secret_free(p);
	wp_secret_free(bare);
	CHECK_OK(rc);
	CHECK_STR(cr, "grant_type=refresh_token&refresh_token=ref%2Ftok%3Den%2B1"
		      "&service=registry.example.com&client_id=wasmpack"
		      "&scope=repository%3Aa%2Fb%3Apull%2Cpush+repository%3Ac%2Fd%3Apull");
	CHECK_STR(cp, "grant_type=password&username=me%40x&password=p%26ss+w%3Drd"
		      "&service=svc&client_id=wasmpack"
		      "&scope=repository%3Aa%2Fb%3Apull%2Cpush+repository%3Ac%2Fd%3Apull");
	CHECK_STR(cb, "grant_type=refresh_token&refresh_token=t&client_id=wasmpack");
	CHECK_ERR(wp_auth_oauth_refresh_body(&r, "", "s", NULL), WASMPACK_EINVALID);
	CHECK_ERR(wp_auth_oauth_password_body(&p, NULL, "x", "s", NULL), WASMPACK_EINVALID);
}

/* ------------------------------------------------------------------ */

#define NOW 1700000000

static int token_of(wp_auth_token *t, const char *body)
{
	return wp_auth_token_parse(t, body, strlen(body), NOW);
}

static void test_auth__parses_token_or_access_token(void)
{
	wp_auth_token t = WP_AUTH_TOKEN_INIT;
	CHECK_OK(token_of(&t, "{\"token\":\"tok-1\",\"expires_in\":300}"));
	int ok = strcmp(t.token, "tok-1") == 0 && !t.refresh_token && t.issued_at == NOW &&
		 t.expires_at == NOW + 300;
	wp_auth_token_dispose(&t);
	CHECK(ok);

	CHECK_OK(token_of(&t, "{\"access_token\":\"acc-2\",\"refresh_token\":\"ref-2\"}"));
	ok = strcmp(t.token, "acc-2") == 0 && t.refresh_token &&
	     strcmp(t.refresh_token, "ref-2") == 0;
	wp_auth_token_dispose(&t);
	CHECK(ok);

	/* Both: distribution reads access_token; an empty one falls back. */
	CHECK_OK(token_of(&t, "{\"token\":\"t\",\"access_token\":\"a\"}"));
	ok = strcmp(t.token, "a") == 0;
	wp_auth_token_dispose(&t);
	CHECK(ok);
	CHECK_OK(token_of(&t, "{\"token\":\"t\",\"access_token\":\"\",\"x\":[1,{}]}"));
	ok = strcmp(t.token, "t") == 0;
	wp_auth_token_dispose(&t);
	CHECK(ok);
	CHECK(t.token == NULL && t.refresh_token == NULL);
}

static void test_auth__token_lifetime_defaults_to_60_seconds(void)
{
	static const struct {
		const char *body;
		int64_t expires_at;
	} v[] = {
		{"{\"token\":\"t\"}", NOW + 60},
		{"{\"token\":\"t\",\"expires_in\":0}", NOW + 60},
		{"{\"token\":\"t\",\"expires_in\":-20}", NOW + 60},
		{"{\"token\":\"t\",\"expires_in\":59}", NOW + 60},
		{"{\"token\":\"t\",\"expires_in\":null}", NOW + 60},
		{"{\"token\":\"t\",\"expires_in\":61}", NOW + 61},
		{"{\"token\":\"t\",\"expires_in\":9223372036854775807}",
		 NOW + WP_AUTH_TOKEN_MAX_LIFETIME},
		{"{\"token\":\"t\",\"expires_in\":-9223372036854775807}", NOW + 60},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		wp_auth_token t = WP_AUTH_TOKEN_INIT;
		int rc = token_of(&t, v[i].body);
		int64_t got = t.expires_at;
		wp_auth_token_dispose(&t);
		if (rc != 0 || got != v[i].expires_at) {
			char d[256];
			snprintf(d, sizeof(d), "%s: rc=%d expires_at=%lld", v[i].body, rc,
				 (long long)got);
			harness_fail(__FILE__, __LINE__, "token lifetime", d);
			return;
		}
	}
}

static void test_auth__token_lifetime_counts_from_issued_at(void)
{
	wp_auth_token t = WP_AUTH_TOKEN_INIT;
	/* Issued 100 s before now: 200 s left of 300. */
	CHECK_OK(token_of(&t, "{\"token\":\"t\",\"expires_in\":300,"
			      "\"issued_at\":\"2023-11-14T22:11:40Z\"}"));
	int ok = t.issued_at == NOW - 100 && t.expires_at == NOW + 200;
	wp_auth_token_dispose(&t);
	CHECK(ok);
	/* distribution writes nanoseconds and an offset. */
	CHECK_OK(token_of(&t, "{\"token\":\"t\",\"expires_in\":300,"
			      "\"issued_at\":\"2023-11-15T00:11:40.123456789+02:00\"}"));
	ok = t.issued_at == NOW - 100;
	wp_auth_token_dispose(&t);
	CHECK(ok);
	/* A server clock ahead of ours cannot stretch the lifetime. */
	CHECK_OK(token_of(&t, "{\"token\":\"t\",\"issued_at\":\"2030-01-01T00:00:00Z\"}"));
	ok = t.issued_at == NOW && t.expires_at == NOW + 60;
	wp_auth_token_dispose(&t);
	CHECK(ok);
	/* Empty means absent. */
	CHECK_OK(token_of(&t, "{\"token\":\"t\",\"issued_at\":\"\"}"));
	ok = t.issued_at == NOW;
	wp_auth_token_dispose(&t);
	CHECK(ok);
	CHECK_ERR(token_of(&t, "{\"token\":\"t\",\"issued_at\":\"yesterday\"}"), WASMPACK_EINVALID);
	CHECK(strstr(wasmpack_error_last(), "issued_at") != NULL);
	CHECK(t.token == NULL);
}

static void test_auth__parses_rfc3339_times(void)
{
	static const struct {
		const char *text;
		int64_t want;
	} good[] = {
		{"1970-01-01T00:00:00Z", 0},
		{"2024-02-29T12:34:56.789+02:00", 1709202896},
		{"2024-02-29t10:34:56z", 1709202896},
		{"2009-11-10T23:00:00Z", 1257894000},
		{"2009-11-10T18:30:00-04:30", 1257894000},
		{"1969-12-31T23:59:59Z", -1},
	};
	static const char *const bad[] = {
		"",
		"2024-02-30T00:00:00Z",
		"2023-02-29T00:00:00Z",
		"2024-13-01T00:00:00Z",
		"2024-01-01 00:00:00Z",
		"2024-01-01T24:00:00Z",
		"2024-01-01T00:00:00",
		"2024-01-01T00:00:00.Z",
		"2024-01-01T00:00:00+0200",
		"2024-01-01T00:00:00Zx",
		"2024-1-01T00:00:00Z",
		"+024-01-01T00:00:00Z",
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int64_t t = 42;
		if (wp_time_parse_rfc3339(&t, good[i].text, 0) != 0 || t != good[i].want) {
			harness_fail(__FILE__, __LINE__, "rfc 3339 time", good[i].text);
			return;
		}
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t t = 0;
		if (wp_time_parse_rfc3339(&t, bad[i], 0) != WASMPACK_EINVALID) {
			harness_fail(__FILE__, __LINE__, "bad rfc 3339 time rejected", bad[i]);
			return;
		}
	}
}

static void test_auth__rejects_bad_token_responses_without_quoting_them(void)
{
	static const char *const bad[] = {
		"",
		"   ",
		"[\"SECRET-1\"]",
		"\"SECRET-1\"",
		"{\"token\":\"SECRET-1\" garbage}",
		"{\"token\":\"SECRET-1\",\"token\":\"SECRET-1\"}",
		"{\"token\":SECRET-1}",
		"{}",
		"{\"token\":\"\"}",
		"{\"token\":42}",
		"{\"token\":\"SECRET 1\"}",
		"{\"access_token\":\"SECRET-1\\r\\nX-Injected: 1\"}",
		"{\"token\":\"SECRET-1\",\"expires_in\":\"300\"}",
		"{\"token\":\"SECRET-1\",\"expires_in\":1.5}",
		"{\"token\":\"SECRET-1\",\"refresh_token\":7}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		wp_auth_token t = WP_AUTH_TOKEN_INIT;
		int rc = token_of(&t, bad[i]);
		if (rc != WASMPACK_EINVALID || t.token || strstr(wasmpack_error_last(), "SECRET")) {
			char d[512];
			snprintf(d, sizeof(d), "%s: rc=%d: %s", bad[i], rc, wasmpack_error_last());
			wp_auth_token_dispose(&t);
			harness_fail(__FILE__, __LINE__, "bad token response rejected", d);
			return;
		}
	}
	size_t big = WP_AUTH_TOKEN_BODY_MAX + 1;
	char *body = malloc(big);
	CHECK(body);
	memset(body, ' ', big);
	wp_auth_token t = WP_AUTH_TOKEN_INIT;
	int rc = wp_auth_token_parse(&t, body, big, NOW);
	free(body);
	CHECK_INT(rc, WASMPACK_ETOOLARGE);
}

/* ------------------------------------------------------------------ */

static int make_token(wp_auth_token *t, const char *value, int64_t expires_at)
{
	t->token = strdup(value);
	t->refresh_token = NULL;
	t->issued_at = expires_at - 60;
	t->expires_at = expires_at;
	return t->token ? 0 : WASMPACK_ENOMEM;
}

static void test_auth__cache_keys_by_realm_service_and_scope_set(void)
{
	wp_auth_token_cache *cache = NULL;
	wp_auth_scopes ab = WP_AUTH_SCOPES_INIT, ba = WP_AUTH_SCOPES_INIT,
		       other = WP_AUTH_SCOPES_INIT;
	wp_auth_token t = WP_AUTH_TOKEN_INIT, got = WP_AUTH_TOKEN_INIT;
	CHECK_OK(wp_auth_token_cache_new(&cache));
	CHECK_OK(wp_auth_scopes_add_list(&ab, "repository:a:pull repository:b:push,pull"));
	CHECK_OK(wp_auth_scopes_add_list(&ba, "repository:b:pull repository:a:pull "
					      "repository:b:push"));
	CHECK_OK(wp_auth_scopes_add(&other, "repository:a:pull"));
	CHECK_OK(make_token(&t, "T1", NOW + 100));
	CHECK_OK(wp_auth_token_cache_put(cache, "https://r/token", "svc", &ab, &t));
	wp_auth_token_dispose(&t);

	int r_same = wp_auth_token_cache_get(&got, cache, "https://r/token", "svc", &ba, NOW);
	int ok = r_same == 0 && got.token && strcmp(got.token, "T1") == 0 &&
		 got.expires_at == NOW + 100;
	wp_auth_token_dispose(&got);
	int r_scope = wp_auth_token_cache_get(&got, cache, "https://r/token", "svc", &other, NOW);
	int r_service = wp_auth_token_cache_get(&got, cache, "https://r/token", NULL, &ab, NOW);
	int r_realm = wp_auth_token_cache_get(&got, cache, "https://x/token", "svc", &ab, NOW);

	/* A second put under an equal key replaces the first. */
	CHECK_OK(make_token(&t, "T2", NOW + 200));
	int r_put = wp_auth_token_cache_put(cache, "https://r/token", "svc", &ba, &t);
	wp_auth_token_dispose(&t);
	int r_again = wp_auth_token_cache_get(&got, cache, "https://r/token", "svc", &ab, NOW);
	int replaced = r_again == 0 && strcmp(got.token, "T2") == 0 &&
		       wp_auth_token_cache_size(cache) == 1;
	wp_auth_token_dispose(&got);

	wp_auth_token_cache_remove(cache, "https://r/token", "svc", &ab);
	int r_gone = wp_auth_token_cache_get(&got, cache, "https://r/token", "svc", &ab, NOW);
	size_t size = wp_auth_token_cache_size(cache);

	wp_auth_token_cache_free(cache);
	wp_auth_scopes_dispose(&ab);
	wp_auth_scopes_dispose(&ba);
	wp_auth_scopes_dispose(&other);
	CHECK(ok);
	CHECK(r_scope == WASMPACK_ENOTFOUND && r_service == WASMPACK_ENOTFOUND &&
	      r_realm == WASMPACK_ENOTFOUND);
	CHECK_INT(r_put, 0);
	CHECK(replaced);
	CHECK_INT(r_gone, WASMPACK_ENOTFOUND);
	CHECK_INT(size, 0);
}

static void test_auth__cache_expires_tokens_against_the_given_clock(void)
{
	wp_auth_token_cache *cache = NULL;
	wp_auth_token t = WP_AUTH_TOKEN_INIT, got = WP_AUTH_TOKEN_INIT;
	CHECK_OK(wp_auth_token_cache_new(&cache));
	CHECK_OK(make_token(&t, "T", NOW + 60));
	int rc = wp_auth_token_cache_put(cache, "https://r/t", NULL, NULL, &t);
	wp_auth_token_dispose(&t);
	int before = wp_auth_token_cache_get(&got, cache, "https://r/t", NULL, NULL, NOW + 59);
	wp_auth_token_dispose(&got);
	int at = wp_auth_token_cache_get(&got, cache, "https://r/t", NULL, NULL, NOW + 60);
	/* Asking for 30 s of margin at NOW + 31 is asking at NOW + 61. */
	int margin = wp_auth_token_cache_get(&got, cache, "https://r/t", "", NULL, NOW + 31 + 30);
	wp_auth_token_cache_free(cache);
	CHECK_OK(rc);
	CHECK_INT(before, 0);
	CHECK_INT(at, WASMPACK_ENOTFOUND);
	CHECK_INT(margin, WASMPACK_ENOTFOUND);
	CHECK(got.token == NULL);
}

static void test_auth__cache_is_bounded_and_drops_the_soonest_to_expire(void)
{
	wp_auth_token_cache *cache = NULL;
	wp_auth_scopes s = WP_AUTH_SCOPES_INIT;
	wp_auth_token t = WP_AUTH_TOKEN_INIT, got = WP_AUTH_TOKEN_INIT;
	char name[32];
	int rc = 0;
	CHECK_OK(wp_auth_token_cache_new(&cache));
	for (int i = 0; i < WP_AUTH_TOKEN_CACHE_MAX + 6 && rc == 0; i++) {
		snprintf(name, sizeof(name), "repository:r%d:pull", i);
		wp_auth_scopes_dispose(&s);
		rc = wp_auth_scopes_add(&s, name);
		/* r0 expires last; r1..r6 expire first and get dropped. */
		if (rc == 0)
			rc = make_token(&t, name, i == 0 ? NOW + 100000 : NOW + 1000 + i);
		if (rc == 0)
			rc = wp_auth_token_cache_put(cache, "https://r/t", "s", &s, &t);
		wp_auth_token_dispose(&t);
	}
	size_t size = wp_auth_token_cache_size(cache);
	wp_auth_scopes_dispose(&s);
	wp_auth_scopes_add(&s, "repository:r0:pull");
	int r0 = wp_auth_token_cache_get(&got, cache, "https://r/t", "s", &s, NOW);
	wp_auth_token_dispose(&got);
	wp_auth_scopes_dispose(&s);
	wp_auth_scopes_add(&s, "repository:r1:pull");
	int r1 = wp_auth_token_cache_get(&got, cache, "https://r/t", "s", &s, NOW);
	wp_auth_scopes_dispose(&s);
	wp_auth_token_cache_free(cache);
	CHECK_OK(rc);
	CHECK_INT(size, WP_AUTH_TOKEN_CACHE_MAX);
	CHECK_INT(r0, 0);
	CHECK_INT(r1, WASMPACK_ENOTFOUND);
}

/* ------------------------------------------------------------------ */

static void test_auth__basic_encodes_and_decodes_user_pass(void)
{
	char *b64 = NULL, *u = NULL, *p = NULL;
	CHECK_OK(wp_auth_basic_encode(&b64, "user", "pass"));
	int ok = strcmp(b64, "dXNlcjpwYXNz") == 0;
	wp_secret_free(b64);
	CHECK(ok);
	CHECK_ERR(wp_auth_basic_encode(&b64, "us:er", "pass"), WASMPACK_EINVALID);
	CHECK(b64 == NULL);

	/* Split on the first colon: the password may hold more. */
	CHECK_OK(wp_auth_basic_decode(&u, &p, "dXNlcjpwYTpzcw=="));
	ok = strcmp(u, "user") == 0 && strcmp(p, "pa:ss") == 0;
	free(u);
	wp_secret_free(p);
	CHECK(ok);
	/* Padding optional; line breaks skipped as Go's decoder does. */
	CHECK_OK(wp_auth_basic_decode(&u, &p, "dXNlcjpwYXNzMQ"));
	ok = strcmp(p, "pass1") == 0;
	free(u);
	wp_secret_free(p);
	CHECK(ok);
	CHECK_OK(wp_auth_basic_decode(&u, &p, "dXNlcjpw\nYXNzMQ==\n"));
	free(u);
	wp_secret_free(p);
	CHECK_OK(wp_auth_basic_decode(&u, &p, "dXNlcjo="));
	ok = strcmp(u, "user") == 0 && strcmp(p, "") == 0;
	free(u);
	wp_secret_free(p);
	CHECK(ok);
}

static void test_auth__basic_decode_rejects_bad_base64(void)
{
	static const char *const bad[] = {
		"dXNlcjpwYXNz!",
		"dXNlcjpw YXNz",
		"dXNlcjpwYXNz===",
		"dXNlc=jpwYXNz",
		"dXNlcg==",
		"",
		"=",
		"dXNlcjpwYXNz-_",
		"AHVzZXI6cGFzcw==",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *u = (char *)"x", *p = (char *)"y";
		int rc = wp_auth_basic_decode(&u, &p, bad[i]);
		if (rc != WASMPACK_EINVALID || u || p ||
		    (*bad[i] && strstr(wasmpack_error_last(), bad[i]))) {
			harness_fail(__FILE__, __LINE__, "bad auth rejected", bad[i]);
			return;
		}
	}
}

static void test_auth__maps_docker_hub_names(void)
{
	CHECK(wp_auth_is_docker_hub("docker.io") && wp_auth_is_docker_hub("Index.Docker.IO") &&
	      wp_auth_is_docker_hub("registry-1.docker.io") && !wp_auth_is_docker_hub("ghcr.io") &&
	      !wp_auth_is_docker_hub("docker.io.evil.com") && !wp_auth_is_docker_hub(NULL));
	CHECK_STR(wp_auth_api_host("docker.io"), "registry-1.docker.io");
	CHECK_STR(wp_auth_api_host("index.docker.io"), "registry-1.docker.io");
	CHECK_STR(wp_auth_api_host("localhost:5000"), "localhost:5000");
	CHECK_STR(wp_auth_config_key("docker.io"), "https://index.docker.io/v1/");
	CHECK_STR(wp_auth_config_key("ghcr.io"), "ghcr.io");

	static const struct {
		const char *key, *host;
	} v[] = {
		{"https://index.docker.io/v1/", "index.docker.io"},
		{"http://localhost:5000/v2/", "localhost:5000"},
		{"ghcr.io", "ghcr.io"},
		{"registry.example.com/v1/", "registry.example.com"},
		{"https://user@host.example:443/path?q#f", "host.example:443"},
		{"https://[::1]:5000/v2/", "[::1]:5000"},
		{"", ""},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char *h = NULL;
		CHECK_OK(wp_auth_key_host(&h, v[i].key));
		int ok = strcmp(h, v[i].host) == 0;
		free(h);
		if (!ok) {
			harness_fail(__FILE__, __LINE__, "key host", v[i].key);
			return;
		}
	}
}

const test_case auth_tests[] = {
	TEST_ENTRY(test_auth__parses_docker_hub_bearer_challenge),
	TEST_ENTRY(test_auth__parses_insufficient_scope_error),
	TEST_ENTRY(test_auth__parses_ghcr_and_basic_challenges),
	TEST_ENTRY(test_auth__parses_several_challenges_in_one_header),
	TEST_ENTRY(test_auth__unquotes_escapes_and_commas),
	TEST_ENTRY(test_auth__scheme_and_param_names_ignore_case),
	TEST_ENTRY(test_auth__accepts_unquoted_urls_leniently),
	TEST_ENTRY(test_auth__empty_header_adds_nothing),
	TEST_ENTRY(test_auth__rejects_garbage_and_keeps_the_list),
	TEST_ENTRY(test_auth__bounds_hostile_headers),
	TEST_ENTRY(test_auth__survives_random_and_truncated_headers),
	TEST_ENTRY(test_auth__scopes_normalize_and_merge_actions),
	TEST_ENTRY(test_auth__scope_sets_compare_whatever_the_order),
	TEST_ENTRY(test_auth__merges_insufficient_scope_into_the_set),
	TEST_ENTRY(test_auth__rejects_malformed_scopes_without_change),
	TEST_ENTRY(test_auth__scope_set_is_bounded),
	TEST_ENTRY(test_auth__builds_docker_hub_token_url),
	TEST_ENTRY(test_auth__token_url_encodes_and_joins_queries),
	TEST_ENTRY(test_auth__token_url_rejects_bad_realms),
	TEST_ENTRY(test_auth__builds_oauth2_form_bodies),
	TEST_ENTRY(test_auth__parses_token_or_access_token),
	TEST_ENTRY(test_auth__token_lifetime_defaults_to_60_seconds),
	TEST_ENTRY(test_auth__token_lifetime_counts_from_issued_at),
	TEST_ENTRY(test_auth__parses_rfc3339_times),
	TEST_ENTRY(test_auth__rejects_bad_token_responses_without_quoting_them),
	TEST_ENTRY(test_auth__cache_keys_by_realm_service_and_scope_set),
	TEST_ENTRY(test_auth__cache_expires_tokens_against_the_given_clock),
	TEST_ENTRY(test_auth__cache_is_bounded_and_drops_the_soonest_to_expire),
	TEST_ENTRY(test_auth__basic_encodes_and_decodes_user_pass),
	TEST_ENTRY(test_auth__basic_decode_rejects_bad_base64),
	TEST_ENTRY(test_auth__maps_docker_hub_names),
	TEST_END,
};
