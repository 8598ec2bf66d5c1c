/* Internal: what the registry client's files share: the client struct,
 * one operation's context, sending a request with the registry's
 * authentication, and turning an answer that is not a success into an
 * error. Calls go one way only, each file using those below it:
 *   blob.c manifest.c tags.c   the operations
 *   auth.c                     the authentication flow, login check
 *   client.c                   pool, scheme, op, status errors, ping
 *   url.c                      query, Location, Link, origin, header numbers
 *   http.c, tokens.c           transport; challenges, scopes, tokens */
#ifndef WP_REGISTRY_INTERNAL_H
#define WP_REGISTRY_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "registry/challenge.h"
#include "registry/scope.h"
#include "registry/token.h"
#include "registry/http.h"
#include "wasmpack/registry.h"

/* Idle HTTP clients kept for reuse; more are freed when given back. */
#define WP_REG_POOL_MAX 16
/* A token must last this many more seconds to be sent ... */
#define WP_REG_TOKEN_SKEW 10
/* ... and this many before the final PUT of an upload (so the request
 * that commits a long upload does not race the token's expiry). */
#define WP_REG_TOKEN_FINAL_MARGIN 30
/* Error bodies are quoted up to this many bytes. */
#define WP_REG_QUOTE_MAX 200

struct wasmpack_registry {
	char *name;   /* as given: "docker.io", "localhost:5000" */
	char *host;   /* where the API is: "registry-1.docker.io" */
	int loopback; /* localhost, 127.0.0.0/8, [::1] */
	wasmpack_registry_options opts;
	wp_http_options http_opts;

	/* Set once, at the first request, under scheme_lock. */
	pthread_mutex_t scheme_lock;
	char *base; /* "https://host" or "http://host" */

	/* Taken while credentials are looked up (a helper may run). */
	pthread_mutex_t creds_lock;

	pthread_mutex_t lock; /* guards everything below */
	wp_http *pool[WP_REG_POOL_MAX];
	size_t pool_count;
	int creds_loaded;
	char *username;       /* NULL = anonymous */
	char *password;       /* secret */
	char *identity_token; /* secret: OAuth2 refresh token */
	int basic;            /* Basic challenge seen: send it up front */
	char *realm;          /* Bearer challenge seen */
	char *service;
	wp_auth_token_cache *tokens;

	_Atomic uint64_t requests;
};

/* One public call: the HTTP client it holds and the scopes it needs. */
typedef struct wp_reg_op {
	wasmpack_registry *r;
	wp_http *h;
	wp_auth_scopes scopes;
	int64_t token_margin;   /* seconds a token must still last */
	const char *repository; /* as sent: "library/x" for Hub's "x" */
	char *repository_owned;
	/* The last request sent for this op carried the user's credentials:
	 * Basic, or a token fetched with them (set by wp_reg_send and the
	 * token request). A 401 then means they were refused; without them,
	 * that none were given. */
	int creds_sent;
} wp_reg_op;

/* Takes an HTTP client from the pool, decides the scheme at the first
 * request, and starts with `actions` on repository ("pull", "pull,push";
 * NULL = no scope). Release with wp_reg_op_end. */
int wp_reg_op_begin(wp_reg_op *op, wasmpack_registry *r, const char *repository,
		    const char *actions);
void wp_reg_op_end(wp_reg_op *op);

/* Checks a repository name and gives the one to send: Docker Hub's
 * one-component names get "library/". *owned (caller frees) is NULL
 * when *out is name itself. */
int wp_reg_repository(char **owned, const char **out, const wasmpack_registry *r, const char *name);

/* "BASE/v2/<repository>/<path>" (repository NULL: "BASE/v2/<path>"). New
 * string in *out, caller frees. */
int wp_reg_url(char **out, const wp_reg_op *op, const char *repository, const char *path);

/* One HTTP exchange without authentication handling, counted. */
int wp_reg_http(wp_http_response *resp, wp_reg_op *op, const wp_http_request *req);

/* Sends req with the registry's credentials (req->authorization is set
 * here: leave it NULL), answering 401 challenges: Basic, Bearer tokens,
 * insufficient_scope (scopes merged, one retry). Credentials go only to
 * the registry's own origin. The final answer lands in *resp whatever
 * its status; errors are for no answer at all or a failed token
 * request. */
int wp_reg_send(wp_http_response *resp, wp_reg_op *op, const wp_http_request *req);

/* The Authorization value to send to url, or NULL (none needed or known):
 * Basic, or a Bearer token valid for op's scopes (fetched when the cache
 * has none). *kind is 0 (none), 'b' (Basic) or 't' (token). */
int wp_reg_auth_value(char **out, int *kind, wp_reg_op *op, const char *url);

/* Handles a 401: learns its challenges and says whether to try again
 * (*retry = 1). kind is what was sent; *state carries what was tried
 * across the calls of one request (start it at 0). */
int wp_reg_auth_challenged(int *retry, wp_reg_op *op, const wp_http_response *resp, int kind,
			   unsigned *state);

/* Loads the credentials (options, else config.json / helpers) once. */
int wp_reg_creds_load(wasmpack_registry *r);

/* Records the error an unsuccessful answer means and returns its code,
 * with a reason and the answer's status and distribution error code
 * (wp_error_set_http): 404 and *_UNKNOWN -> ENOTFOUND NOT_FOUND_REMOTE;
 * 401 -> EAUTH NO_CREDENTIALS or CREDENTIALS_REFUSED (op->creds_sent),
 * DENIED for 403 and for insufficient_scope with credentials; 429 ->
 * ENETWORK RATE_LIMITED; 5xx -> ENETWORK REGISTRY; a TLS server's answer
 * to plain http -> ENETWORK PLAIN_HTTP_TO_TLS; 400 *_INVALID -> EINVALID.
 * The message ("401 UNAUTHORIZED: authentication required ...") shows the
 * distribution error's code and message, never an HTML page; for refused
 * credentials it names the registry and user, for 429 the rate limit. It
 * states facts only and never loads credentials. Callers prefix what
 * they were doing. */
int wp_reg_status_error(const wp_reg_op *op, const wp_http_response *resp);

/* url.c (query strings: util/str.h's wp_str_url_add_query) */

/* Parses a non-negative decimal integer at s. With end, *end gets the
 * first byte after it; without, the number must fill s. 0 or -1. */
int wp_reg_parse_int64(int64_t *out, const char *s, const char **end);
/* The value of header name as a whole non-negative integer: 0, or -1
 * when absent or not one. */
int wp_reg_header_int64(int64_t *out, const wp_http_response *resp, const char *name);
/* The target of a `rel="next"` link in one Link header value, or NULL.
 * New string (caller frees) in *out. */
int wp_reg_link_next(char **out, const char *value);
/* Resolves a Location against the URL that answered, refusing an
 * https->http downgrade. New string, caller frees. A missing, broken or
 * downgrading Location is EINVALID with reason REGISTRY. */
int wp_reg_location(char **out, const wp_http_response *resp, const char *request_url);

/* localhost, 127.0.0.0/8 and [::1], with or without a port (a host as
 * in a registry name or a URL's authority, without userinfo). */
int wp_reg_host_is_loopback(const char *host);

/* What the credential checks need of an absolute http(s) URL. */
typedef struct wp_reg_url_parts {
	int https;      /* https, else http */
	int userinfo;   /* the authority holds "user[:pass]@" */
	char host[256]; /* "name[:port]" or "[v6][:port]", without userinfo */
} wp_reg_url_parts;
/* Splits url into *out: 0, or -1 when it is not an absolute http(s) URL
 * with a plain host and an optional numeric port. */
int wp_reg_url_parts_of(wp_reg_url_parts *out, const char *url);

/* 1 when url is on the registry's own origin. */
int wp_reg_is_registry_origin(const wp_reg_op *op, const char *url);

/* Writes a verbose log line when the options ask for one. */
void wp_reg_log(const wasmpack_registry *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Seconds since the epoch. */
int64_t wp_reg_now(void);

#endif
