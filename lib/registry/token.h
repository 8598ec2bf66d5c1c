/* Internal: Bearer token requests, responses and their cache (docker
 * token spec), Basic credentials, OAuth2 form bodies, the Docker Hub host
 * names and secret-safe JSON parsing. Nothing here does I/O. */
#ifndef WP_TOKEN_H
#define WP_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "wasmpack/common.h"
#include "registry/scope.h"
#include "util/secret.h"

#define WP_AUTH_TOKEN_BODY_MAX (1024 * 1024) /* token response body */
#define WP_AUTH_TOKEN_CACHE_MAX 64           /* tokens kept by one cache */

/* Token lifetimes: shorter or missing is read as the minimum (the docker
 * token spec's default); longer is cut to the maximum. */
#define WP_AUTH_TOKEN_MIN_LIFETIME 60
#define WP_AUTH_TOKEN_MAX_LIFETIME (366 * 24 * 3600)

/* client_id sent in OAuth2 requests. */
#define WP_AUTH_CLIENT_ID "wasmpack"

/* ------------------------------------------------------------------ */
/* Bearer token requests and responses                                 */

/* The GET URL for a token: realm (from the Bearer challenge; must be an
 * http or https URL without a fragment) with `service=S` (left out when
 * service is NULL) and one `scope=X` per item of scopes (may be NULL),
 * percent-encoded, joined to an existing query with '&'. New string in
 * *out, caller frees. Pure. */
int wp_auth_token_url(char **out, const char *realm, const char *service,
		      const wp_auth_scopes *scopes);

/* OAuth2 POST bodies (application/x-www-form-urlencoded) for the realm:
 *   grant_type=refresh_token&refresh_token=R&service=S&client_id=wasmpack&scope=A+B
 *   grant_type=password&username=U&password=P&service=S&client_id=wasmpack&scope=A+B
 * service and scope are left out when NULL / empty. *out holds secrets:
 * release it with wp_secret_free(). */
int wp_auth_oauth_refresh_body(char **out, const char *refresh_token, const char *service,
			       const wp_auth_scopes *scopes);
int wp_auth_oauth_password_body(char **out, const char *username, const char *password,
				const char *service, const wp_auth_scopes *scopes);

/* A token as a token server handed it out. Owned strings; release with
 * wp_auth_token_dispose(), which wipes them. */
typedef struct wp_auth_token {
	char *token;         /* for "Authorization: Bearer <token>" */
	char *refresh_token; /* OAuth2 refresh token, or NULL */
	int64_t issued_at;   /* seconds since the epoch */
	int64_t expires_at;  /* issued_at + lifetime */
} wp_auth_token;

#define WP_AUTH_TOKEN_INIT       \
	{                        \
		NULL, NULL, 0, 0 \
	}

/* Parses a token response body (GET or OAuth2 POST): `access_token` or
 * else `token` (non-empty, printable ASCII without spaces: it goes into a
 * header), `expires_in` (missing, 0, negative or below the minimum read as
 * WP_AUTH_TOKEN_MIN_LIFETIME), `issued_at` (RFC 3339, optional; missing or
 * later than now reads as now, so a server clock ahead of ours cannot
 * stretch a token's life), `refresh_token` (optional). now is the caller's
 * clock in seconds since the epoch. Over WP_AUTH_TOKEN_BODY_MAX bytes is
 * WASMPACK_ETOOLARGE; anything malformed is WASMPACK_EINVALID. Messages
 * never quote the body. On success *out owns new strings; on error it is
 * zeroed. */
int wp_auth_token_parse(wp_auth_token *out, const void *body, size_t len, int64_t now);

/* Deep copy of t into *out (zeroed on error). */
int wp_auth_token_copy(wp_auth_token *out, const wp_auth_token *t);

/* Wipes and frees the strings and zeroes the struct. NULL-safe. */
void wp_auth_token_dispose(wp_auth_token *t);

/* ------------------------------------------------------------------ */
/* Token cache                                                         */

/* Tokens keyed by realm + service + scope set (order-insensitive: sets
 * are normalized). Holds at most WP_AUTH_TOKEN_CACHE_MAX tokens, dropping
 * the one that expires first. For one thread at a time. */
typedef struct wp_auth_token_cache wp_auth_token_cache;

/* *out is owned by the caller (wp_auth_token_cache_free). */
int wp_auth_token_cache_new(wp_auth_token_cache **out);

/* Wipes every token and frees the cache. NULL-safe. */
void wp_auth_token_cache_free(wp_auth_token_cache *cache);

/* Copies into *out (caller disposes) the token stored for exactly this
 * realm, service (NULL = none) and scope set if it is still valid at now,
 * i.e. expires_at > now; pass now + margin to ask for a token that will
 * last margin more seconds (before a long upload's final PUT).
 * WASMPACK_ENOTFOUND when there is none or it expired. */
int wp_auth_token_cache_get(wp_auth_token *out, const wp_auth_token_cache *cache, const char *realm,
			    const char *service, const wp_auth_scopes *scopes, int64_t now);

/* Stores a copy of token under the key, replacing what was there. */
int wp_auth_token_cache_put(wp_auth_token_cache *cache, const char *realm, const char *service,
			    const wp_auth_scopes *scopes, const wp_auth_token *token);

/* Forgets the token under the key (the registry refused it). No error
 * when there was none. */
void wp_auth_token_cache_remove(wp_auth_token_cache *cache, const char *realm, const char *service,
				const wp_auth_scopes *scopes);

/* Number of tokens held (expired ones included). */
size_t wp_auth_token_cache_size(const wp_auth_token_cache *cache);

/* ------------------------------------------------------------------ */
/* Basic                                                               */

/* base64("username:password"): the Basic credentials and docker's
 * config.json `auth` field. A username holding ':' cannot be told apart
 * from the password and is refused (WASMPACK_EINVALID). NULL password =
 * "". *out holds a secret: release it with wp_secret_free(). */
int wp_auth_basic_encode(char **out, const char *username, const char *password);

/* Decodes a docker `auth` field: strict base64 (padding optional, no
 * whitespace) of "user:pass", split on the first ':'. WASMPACK_EINVALID
 * on bad base64, a missing ':', or a NUL byte; the message never quotes
 * the input. *username and *password are new strings (release the
 * password with wp_secret_free); both NULL on error. */
int wp_auth_basic_decode(char **username, char **password, const char *auth);

/* ------------------------------------------------------------------ */
/* Docker Hub and secret handling                                      */

/* config.json key docker uses for Docker Hub. */
#define WP_AUTH_DOCKER_HUB_CONFIG_KEY "https://index.docker.io/v1/"
#define WP_AUTH_DOCKER_HUB_API_HOST "registry-1.docker.io"

/* 1 when registry (a host) names Docker Hub: "docker.io",
 * "index.docker.io" or "registry-1.docker.io", any case. */
int wp_auth_is_docker_hub(const char *registry);

/* The host to send API requests to: registry-1.docker.io for Docker Hub,
 * else registry. Borrowed (static or registry itself). */
const char *wp_auth_api_host(const char *registry);

/* The config.json / credential-helper key: WP_AUTH_DOCKER_HUB_CONFIG_KEY
 * for Docker Hub, else registry. Borrowed (static or registry itself). */
const char *wp_auth_config_key(const char *registry);

/* The host part of a config.json key as docker/cli reads legacy keys:
 * "https://index.docker.io/v1/" -> "index.docker.io",
 * "http://localhost:5000/v2/" -> "localhost:5000", "ghcr.io" -> "ghcr.io".
 * New string in *out, caller frees. */
int wp_auth_key_host(char **out, const char *key);

/* Parses a JSON object that may hold secrets (token responses,
 * config.json, credential helper output): like wp_json_parse, but error
 * messages give only line and column, never jansson's excerpt of the
 * text. Empty or whitespace-only input is an error. */
int wp_auth_json_parse_secret(json_t **out, const void *data, size_t len, size_t max,
			      const char *what);

#endif
