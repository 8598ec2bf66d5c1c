/* Fuzzes what registries and token servers send back: each line of the
 * input as a WWW-Authenticate value (appended to one challenge list), then
 * the Bearer challenge's realm, service and scope as the client uses them;
 * the whole input as a token response body, a docker `auth` field, a
 * scope list, an RFC 3339 date and a config key. Round trips must be
 * stable: a scope set joins to a string that parses back to the same set,
 * decoded Basic credentials encode and decode to the same pair. */
#include "registry/challenge.h"
#include "registry/scope.h"
#include "registry/token.h"
#include "util/time.h"

#include "fuzz.h"

/* A fixed clock so a token's lifetime does not depend on when it runs. */
#define FUZZ_NOW INT64_C(1700000000)

static void check_scopes_round_trip(const wp_auth_scopes *set)
{
	wp_auth_scopes back = WP_AUTH_SCOPES_INIT, merged = WP_AUTH_SCOPES_INIT;
	char *joined = NULL;
	if (wp_auth_scopes_join(&joined, set) != 0)
		return;
	int rc = wp_auth_scopes_add_list(&back, joined);
	FUZZ_CHECK(rc == 0, "joined scopes '%s' do not parse back: %s", joined,
		   wasmpack_error_last());
	FUZZ_CHECK(wp_auth_scopes_equal(set, &back), "scopes '%s' parse back differently", joined);
	(void)wp_auth_scopes_covers(set, &back);
	if (wp_auth_scopes_merge(&merged, set) == 0)
		FUZZ_CHECK(wp_auth_scopes_equal(set, &merged), "scopes '%s' merge differently",
			   joined);
	wp_auth_scopes_dispose(&back);
	wp_auth_scopes_dispose(&merged);
	free(joined);
}

/* What the registry client does with a Bearer challenge. */
static void use_challenges(const wp_auth_challenges *list)
{
	const wp_auth_challenge *bearer = wp_auth_challenges_find(list, "Bearer");
	(void)wp_auth_challenges_find(list, "basic");
	if (!bearer)
		return;
	const char *realm = wp_auth_challenge_param(bearer, "realm");
	const char *service = wp_auth_challenge_param(bearer, "service");
	const char *scope = wp_auth_challenge_param(bearer, "scope");
	(void)wp_auth_challenge_param(bearer, "error");
	wp_auth_scopes scopes = WP_AUTH_SCOPES_INIT;
	char *url = NULL, *body = NULL;
	if (wp_auth_scopes_add_list(&scopes, scope) == 0) {
		check_scopes_round_trip(&scopes);
		if (realm)
			(void)wp_auth_token_url(&url, realm, service, &scopes);
		if (wp_auth_oauth_refresh_body(&body, "refresh", service, &scopes) == 0)
			wp_secret_free(body);
	}
	wp_auth_scopes_dispose(&scopes);
	free(url);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	wp_auth_challenges list = WP_AUTH_CHALLENGES_INIT;
	wp_auth_token token = WP_AUTH_TOKEN_INIT, copy = WP_AUTH_TOKEN_INIT;
	wp_auth_scopes scopes = WP_AUTH_SCOPES_INIT;
	char *user = NULL, *pass = NULL, *host = NULL;
	char *text = fuzz_cstr(data, size);
	int64_t when;
	if (!text)
		return 0;

	/* One header line per input line, each in a buffer of its own size. */
	for (size_t start = 0; start <= size;) {
		const uint8_t *nl = memchr(data + start, '\n', size - start);
		size_t end = nl ? (size_t)(nl - data) : size;
		char *line = fuzz_dup(data + start, end - start);
		if (line) {
			(void)wp_auth_challenges_parse(&list, line, end - start);
			free(line);
		}
		start = end + 1;
	}
	use_challenges(&list);
	wp_auth_challenges_dispose(&list);

	void *body = fuzz_dup(data, size);
	if (body && wp_auth_token_parse(&token, body, size, FUZZ_NOW) == 0 &&
	    wp_auth_token_copy(&copy, &token) == 0)
		wp_auth_token_dispose(&copy);
	wp_auth_token_dispose(&token);
	free(body);

	if (wp_auth_basic_decode(&user, &pass, text) == 0) {
		char *again = NULL, *user2 = NULL, *pass2 = NULL;
		/* A decoded user never holds ':', so it encodes and decodes again. */
		int rc = wp_auth_basic_encode(&again, user, pass);
		FUZZ_CHECK(rc == 0, "decoded credentials do not encode: %s", wasmpack_error_last());
		rc = wp_auth_basic_decode(&user2, &pass2, again);
		FUZZ_CHECK(rc == 0 && strcmp(user, user2) == 0 && strcmp(pass, pass2) == 0,
			   "basic credentials change in a round trip: %s", wasmpack_error_last());
		wp_secret_free(again);
		free(user2);
		wp_secret_free(pass2);
	}
	free(user);
	wp_secret_free(pass);

	if (wp_auth_scopes_add_list(&scopes, text) == 0)
		check_scopes_round_trip(&scopes);
	wp_auth_scopes_dispose(&scopes);

	(void)wp_time_parse_rfc3339(&when, text, 0);
	if (wp_auth_key_host(&host, text) == 0) {
		(void)wp_auth_is_docker_hub(host);
		(void)wp_auth_api_host(host);
		(void)wp_auth_config_key(host);
	}
	free(host);
	free(text);
	return 0;
}
