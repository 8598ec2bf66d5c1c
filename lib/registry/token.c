/* Bearer tokens: the token URL and OAuth2 bodies, responses and their
 * cache (docker token spec), Basic credentials, and the Docker Hub names
 * and secret-safe JSON parsing shared with credentials.c. */
#include "registry/token.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/base64.h"
#include "util/error.h"
#include "oci/json.h"
#include "util/fs.h"
#include "util/secret.h"
#include "util/str.h"
#include "util/time.h"

/* ------------------------------------------------------------------ */
/* Token requests                                                      */

static int has_prefix_icase(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

static int printable(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p >= 0x7f)
			return 0;
	return 1;
}

static int check_realm(const char *realm)
{
	if (!realm || !*realm)
		return wp_error(WASMPACK_EINVALID, "bearer challenge has no realm");
	const char *rest = has_prefix_icase(realm, "https://")  ? realm + 8
			   : has_prefix_icase(realm, "http://") ? realm + 7
								: NULL;
	int ok = rest && *rest && *rest != '/' && !strchr(realm, '#');
	for (const unsigned char *p = (const unsigned char *)realm; ok && *p; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			ok = 0;
	if (ok)
		return 0;
	if (printable(realm))
		return wp_error(WASMPACK_EINVALID,
				"invalid bearer realm '%.200s': expected an http or https URL",
				realm);
	return wp_error(WASMPACK_EINVALID, "invalid bearer realm: expected an http or https URL");
}

int wp_auth_token_url(char **out, const char *realm, const char *service,
		      const wp_auth_scopes *scopes)
{
	wp_str sb = WP_STR_INIT;
	int error;
	if (!out)
		return wp_error(WASMPACK_EINVALID, "cannot build token URL: no output");
	*out = NULL;
	if ((error = check_realm(realm)) < 0)
		return error;
	wp_str_puts(&sb, realm);
	const char *q = strchr(realm, '?');
	const char *sep = !q ? "?" : (q[1] == '\0' || realm[strlen(realm) - 1] == '&') ? "" : "&";
	if (service && *service) {
		wp_str_puts(&sb, sep);
		wp_str_puts(&sb, "service=");
		wp_str_add_encoded(&sb, service, 0);
		sep = "&";
	}
	for (size_t i = 0; scopes && i < scopes->count; i++) {
		wp_str_puts(&sb, sep);
		wp_str_puts(&sb, "scope=");
		wp_str_add_encoded(&sb, scopes->items[i], 0);
		sep = "&";
	}
	return wp_str_finish(out, &sb);
}

static void sb_form_field(wp_str *sb, const char *name, const char *value)
{
	if (sb->len)
		wp_str_add(sb, "&", 1);
	wp_str_puts(sb, name);
	wp_str_add(sb, "=", 1);
	wp_str_add_encoded(sb, value, WP_STR_ENC_FORM);
}

static int form_tail(char **out, wp_str *sb, const char *service, const wp_auth_scopes *scopes)
{
	char *joined = NULL;
	if (service && *service)
		sb_form_field(sb, "service", service);
	sb_form_field(sb, "client_id", WP_AUTH_CLIENT_ID);
	if (scopes && scopes->count) {
		if (wp_auth_scopes_join(&joined, scopes) < 0) {
			wp_str_dispose(sb);
			return WASMPACK_ENOMEM;
		}
		sb_form_field(sb, "scope", joined);
		free(joined);
	}
	return wp_str_finish(out, sb);
}

int wp_auth_oauth_refresh_body(char **out, const char *refresh_token, const char *service,
			       const wp_auth_scopes *scopes)
{
	wp_str sb = WP_STR_INIT;
	if (!out)
		return wp_error(WASMPACK_EINVALID, "cannot build token request: no output");
	*out = NULL;
	if (!refresh_token || !*refresh_token)
		return wp_error(WASMPACK_EINVALID, "cannot build token request: no refresh token");
	sb_form_field(&sb, "grant_type", "refresh_token");
	sb_form_field(&sb, "refresh_token", refresh_token);
	return form_tail(out, &sb, service, scopes);
}

int wp_auth_oauth_password_body(char **out, const char *username, const char *password,
				const char *service, const wp_auth_scopes *scopes)
{
	wp_str sb = WP_STR_INIT;
	if (!out)
		return wp_error(WASMPACK_EINVALID, "cannot build token request: no output");
	*out = NULL;
	if (!username || !*username)
		return wp_error(WASMPACK_EINVALID, "cannot build token request: no username");
	sb_form_field(&sb, "grant_type", "password");
	sb_form_field(&sb, "username", username);
	sb_form_field(&sb, "password", password ? password : "");
	return form_tail(out, &sb, service, scopes);
}

/* ------------------------------------------------------------------ */
/* Token responses                                                     */

/* A token goes into an Authorization header: printable ASCII, no spaces. */
static int header_safe(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			return 0;
	return 1;
}

int wp_auth_token_parse(wp_auth_token *out, const void *body, size_t len, int64_t now)
{
	json_t *root = NULL;
	wp_json_ctx cx;
	const char *token, *access, *issued, *refresh;
	int64_t expires_in = 0;
	int present = 0, error;

	if (!out)
		return wp_error(WASMPACK_EINVALID, "cannot parse token response: no output");
	memset(out, 0, sizeof(*out));
	wp_json_ctx_init(&cx, "token response");
	if ((error = wp_auth_json_parse_secret(&root, body, len, WP_AUTH_TOKEN_BODY_MAX,
					       "token response")) < 0)
		return error;
	if ((error = wp_json_get_string(&token, root, "token", 0, &cx)) < 0 ||
	    (error = wp_json_get_string(&access, root, "access_token", 0, &cx)) < 0 ||
	    (error = wp_json_get_string(&issued, root, "issued_at", 0, &cx)) < 0 ||
	    (error = wp_json_get_string(&refresh, root, "refresh_token", 0, &cx)) < 0 ||
	    (error = wp_json_get_int(&expires_in, &present, root, "expires_in", INT64_MIN,
				     INT64_MAX, 0, &cx)) < 0)
		goto done;
	/* Both are the same thing; distribution prefers access_token. */
	const char *chosen = access && *access ? access : token;
	if (!chosen || !*chosen) {
		error = wp_json_error(&cx, NULL, "no token or access_token");
		goto done;
	}
	if (!header_safe(chosen)) {
		error = wp_json_error(&cx, chosen == access ? "access_token" : "token",
				      "characters not allowed in an HTTP header");
		goto done;
	}
	int64_t issued_at = now;
	if (issued && *issued) {
		if (wp_time_parse_rfc3339(&issued_at, issued, 0) < 0) {
			error = wp_json_error(&cx, "issued_at", "expected an RFC 3339 time");
			goto done;
		}
		if (issued_at > now)
			issued_at = now;
	}
	if (!present || expires_in < WP_AUTH_TOKEN_MIN_LIFETIME)
		expires_in = WP_AUTH_TOKEN_MIN_LIFETIME;
	if (expires_in > WP_AUTH_TOKEN_MAX_LIFETIME)
		expires_in = WP_AUTH_TOKEN_MAX_LIFETIME;
	if (!(out->token = wp_strdup(chosen)) ||
	    (refresh && *refresh && !(out->refresh_token = wp_strdup(refresh)))) {
		error = WASMPACK_ENOMEM;
		goto done;
	}
	out->issued_at = issued_at;
	out->expires_at = issued_at + expires_in;
done:
	if (error < 0)
		wp_auth_token_dispose(out);
	json_decref(root);
	return error;
}

int wp_auth_token_copy(wp_auth_token *out, const wp_auth_token *t)
{
	if (!out || !t)
		return wp_error(WASMPACK_EINVALID, "cannot copy token: none given");
	memset(out, 0, sizeof(*out));
	if ((t->token && !(out->token = wp_strdup(t->token))) ||
	    (t->refresh_token && !(out->refresh_token = wp_strdup(t->refresh_token)))) {
		wp_auth_token_dispose(out);
		return WASMPACK_ENOMEM;
	}
	out->issued_at = t->issued_at;
	out->expires_at = t->expires_at;
	return 0;
}

void wp_auth_token_dispose(wp_auth_token *t)
{
	if (!t)
		return;
	wp_secret_free(t->token);
	wp_secret_free(t->refresh_token);
	memset(t, 0, sizeof(*t));
}

/* ------------------------------------------------------------------ */
/* Token cache                                                         */

typedef struct cache_entry {
	char *realm;
	char *service; /* "" for none */
	char *scopes;  /* joined normalized set */
	wp_auth_token token;
} cache_entry;

struct wp_auth_token_cache {
	cache_entry items[WP_AUTH_TOKEN_CACHE_MAX];
	size_t count;
};

int wp_auth_token_cache_new(wp_auth_token_cache **out)
{
	if (!out)
		return wp_error(WASMPACK_EINVALID, "cannot create token cache: no output");
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : wp_error_nomem();
}

static void entry_dispose(cache_entry *e)
{
	free(e->realm);
	free(e->service);
	free(e->scopes);
	wp_auth_token_dispose(&e->token);
	memset(e, 0, sizeof(*e));
}

void wp_auth_token_cache_free(wp_auth_token_cache *cache)
{
	if (!cache)
		return;
	for (size_t i = 0; i < cache->count; i++)
		entry_dispose(&cache->items[i]);
	free(cache);
}

size_t wp_auth_token_cache_size(const wp_auth_token_cache *cache)
{
	return cache ? cache->count : 0;
}

/* Index of the entry under the key, or -1. joined is the scope set key. */
static long cache_find(const wp_auth_token_cache *cache, const char *realm, const char *service,
		       const char *joined)
{
	if (!service)
		service = "";
	for (size_t i = 0; i < cache->count; i++) {
		const cache_entry *e = &cache->items[i];
		if (strcmp(e->realm, realm) == 0 && strcmp(e->service, service) == 0 &&
		    strcmp(e->scopes, joined) == 0)
			return (long)i;
	}
	return -1;
}

int wp_auth_token_cache_get(wp_auth_token *out, const wp_auth_token_cache *cache, const char *realm,
			    const char *service, const wp_auth_scopes *scopes, int64_t now)
{
	char *joined = NULL;
	int error;
	if (!out || !cache || !realm)
		return wp_error(WASMPACK_EINVALID, "cannot read token cache: missing argument");
	memset(out, 0, sizeof(*out));
	if ((error = wp_auth_scopes_join(&joined, scopes)) < 0)
		return error;
	long i = cache_find(cache, realm, service, joined);
	free(joined);
	if (i < 0 || cache->items[i].token.expires_at <= now)
		return wp_error(WASMPACK_ENOTFOUND, "no valid cached token");
	return wp_auth_token_copy(out, &cache->items[i].token);
}

int wp_auth_token_cache_put(wp_auth_token_cache *cache, const char *realm, const char *service,
			    const wp_auth_scopes *scopes, const wp_auth_token *token)
{
	cache_entry e = {0};
	int error;
	if (!cache || !realm || !token || !token->token)
		return wp_error(WASMPACK_EINVALID, "cannot store token: missing argument");
	if ((error = wp_auth_scopes_join(&e.scopes, scopes)) < 0)
		return error;
	if (!(e.realm = wp_strdup(realm)) || !(e.service = wp_strdup(service ? service : "")) ||
	    (error = wp_auth_token_copy(&e.token, token)) < 0) {
		entry_dispose(&e);
		return WASMPACK_ENOMEM;
	}
	long i = cache_find(cache, realm, service, e.scopes);
	if (i < 0 && cache->count == WP_AUTH_TOKEN_CACHE_MAX) {
		/* Full: drop the token that expires first. */
		i = 0;
		for (size_t j = 1; j < cache->count; j++)
			if (cache->items[j].token.expires_at < cache->items[i].token.expires_at)
				i = (long)j;
	}
	if (i < 0)
		i = (long)cache->count++;
	else
		entry_dispose(&cache->items[i]);
	cache->items[i] = e;
	return 0;
}

void wp_auth_token_cache_remove(wp_auth_token_cache *cache, const char *realm, const char *service,
				const wp_auth_scopes *scopes)
{
	char *joined = NULL;
	if (!cache || !realm || wp_auth_scopes_join(&joined, scopes) < 0)
		return;
	long i = cache_find(cache, realm, service, joined);
	free(joined);
	if (i < 0)
		return;
	entry_dispose(&cache->items[i]);
	cache->items[i] = cache->items[--cache->count];
	memset(&cache->items[cache->count], 0, sizeof(cache->items[0]));
}

/* ------------------------------------------------------------------ */
/* Basic and base64                                                    */

int wp_auth_basic_encode(char **out, const char *username, const char *password)
{
	if (!out)
		return wp_error(WASMPACK_EINVALID, "cannot encode credentials: no output");
	*out = NULL;
	if (!username)
		return wp_error(WASMPACK_EINVALID, "cannot encode credentials: no username");
	if (strchr(username, ':'))
		return wp_error(WASMPACK_EINVALID,
				"cannot encode credentials: the username contains ':'");
	char *plain = wp_asprintf("%s:%s", username, password ? password : "");
	if (!plain)
		return WASMPACK_ENOMEM;
	int error = wp_base64_encode(out, plain, strlen(plain), 0);
	wp_secret_free(plain);
	return error;
}

int wp_auth_basic_decode(char **username, char **password, const char *auth)
{
	unsigned char *raw = NULL;
	size_t n = 0;
	int error = 0;
	if (!username || !password)
		return wp_error(WASMPACK_EINVALID, "cannot decode credentials: no output");
	*username = *password = NULL;
	if (!auth)
		return wp_error(WASMPACK_EINVALID, "cannot decode credentials: none given");
	int rc = wp_base64_decode(&raw, &n, auth, WP_BASE64_SKIP_NEWLINES);
	if (rc == WASMPACK_ENOMEM)
		return rc;
	if (rc < 0)
		return wp_error(WASMPACK_EINVALID, "invalid credentials: not valid base64");
	char *colon = memchr(raw, ':', n);
	if (memchr(raw, '\0', n)) {
		error = wp_error(WASMPACK_EINVALID, "invalid credentials: NUL byte");
	} else if (!colon) {
		error = wp_error(WASMPACK_EINVALID,
				 "invalid credentials: expected base64 of 'username:password'");
	} else if (!(*username = wp_strndup((char *)raw, (size_t)(colon - (char *)raw))) ||
		   !(*password = wp_strdup(colon + 1))) {
		error = WASMPACK_ENOMEM;
	}
	if (error < 0) {
		free(*username);
		*username = NULL;
	}
	wp_secret_wipe(raw, n);
	free(raw);
	return error;
}

/* ------------------------------------------------------------------ */
/* Docker Hub, config keys, secret JSON                                */

int wp_auth_is_docker_hub(const char *registry)
{
	return registry && (strcasecmp(registry, "docker.io") == 0 ||
			    strcasecmp(registry, "index.docker.io") == 0 ||
			    strcasecmp(registry, WP_AUTH_DOCKER_HUB_API_HOST) == 0);
}

const char *wp_auth_api_host(const char *registry)
{
	return wp_auth_is_docker_hub(registry) ? WP_AUTH_DOCKER_HUB_API_HOST : registry;
}

const char *wp_auth_config_key(const char *registry)
{
	return wp_auth_is_docker_hub(registry) ? WP_AUTH_DOCKER_HUB_CONFIG_KEY : registry;
}

int wp_auth_key_host(char **out, const char *key)
{
	if (!out || !key)
		return wp_error(WASMPACK_EINVALID, "cannot read registry key: none given");
	const char *p = strstr(key, "://");
	p = p ? p + 3 : key;
	size_t n = strcspn(p, "/?#");
	/* Drop user info ("user@host"), as URL parsing would. */
	const char *at = memchr(p, '@', n);
	if (p != key && at) {
		n -= (size_t)(at + 1 - p);
		p = at + 1;
	}
	*out = wp_strndup(p, n);
	return *out ? 0 : WASMPACK_ENOMEM;
}

int wp_auth_json_parse_secret(json_t **out, const void *data, size_t len, size_t max,
			      const char *what)
{
	json_error_t jerr;
	if (!out)
		return wp_error(WASMPACK_EINVALID, "cannot parse %s: no output", what);
	*out = NULL;
	if (!data && len)
		return wp_error(WASMPACK_EINVALID, "cannot parse %s: no data", what);
	if (len > max)
		return wp_error(WASMPACK_ETOOLARGE, "%s is too large: %zu bytes, the limit is %zu",
				what, len, max);
	json_t *root = json_loadb(data ? (const char *)data : "", len, JSON_REJECT_DUPLICATES,
				  &jerr);
	if (!root) {
		switch (json_error_code(&jerr)) {
		case json_error_out_of_memory: return wp_error_nomem();
		case json_error_duplicate_key:
			return wp_error(WASMPACK_EINVALID, "invalid %s: duplicate key at line %d",
					what, jerr.line);
		default:
			return wp_error(WASMPACK_EINVALID,
					"invalid %s: malformed json at line %d, column %d", what,
					jerr.line, jerr.column);
		}
	}
	if (!json_is_object(root)) {
		int error = wp_error(WASMPACK_EINVALID,
				     "invalid %s: expected a json object, got %s", what,
				     wp_json_type_name(root));
		json_decref(root);
		return error;
	}
	*out = root;
	return 0;
}
