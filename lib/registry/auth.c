/* The registry client's authentication: credentials (options, else
 * docker's config.json and helpers), Basic, Bearer tokens from the realm
 * a challenge names (GET with Basic, or OAuth2 POST for identity tokens),
 * the shared token cache, answering 401s, and the login check. It records
 * on the op whether a request carried the user's credentials, so the
 * client can tell a refusal from a missing login without loading any. */
#include "registry/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/error.h"
#include "util/fs.h"
#include "wasmpack/credentials.h"

/* What a username says when the password is an identity token. */
#define TOKEN_USERNAME "<token>"

/* Bits of the state wp_reg_auth_challenged keeps for one request. */
#define TRIED_BEARER 1u /* a Bearer challenge was learned */
#define TRIED_BASIC 2u  /* a Basic challenge was learned */
#define TRIED_RENEW 4u  /* a refused token was replaced */

/* A failure to read credentials while a helper is configured for r is
 * the helper's (it could not be run, failed, or said something
 * unreadable): the reason says so, the code stays. */
static void mark_helper_failure(wasmpack_registry *r, int error)
{
	wp_error_state saved;
	char *helper = NULL;
	if (error == WASMPACK_ENOMEM)
		return;
	wp_error_save(&saved);
	wasmpack_credentials_options copts = WASMPACK_CREDENTIALS_OPTIONS_INIT;
	copts.config_dir = r->opts.config_dir;
	int found = wasmpack_credentials_helper(&helper, r->name, &copts) == 0 && helper;
	free(helper);
	wp_error_restore(&saved);
	if (found)
		wp_error_set_reason(0, WASMPACK_REASON_CREDENTIAL_HELPER);
}

/* 1 when the client holds credentials (loaded before; never loads). */
static int holds_credentials(wasmpack_registry *r)
{
	pthread_mutex_lock(&r->lock);
	int has = r->password || r->identity_token;
	pthread_mutex_unlock(&r->lock);
	return has;
}

int wp_reg_creds_load(wasmpack_registry *r)
{
	wasmpack_credential cred = WASMPACK_CREDENTIAL_INIT;
	char *user = NULL, *pass = NULL, *identity = NULL;
	int error = 0;
	pthread_mutex_lock(&r->creds_lock);
	pthread_mutex_lock(&r->lock);
	int loaded = r->creds_loaded;
	pthread_mutex_unlock(&r->lock);
	if (loaded)
		goto done;
	if (r->opts.username || r->opts.password) {
		const char *u = r->opts.username ? r->opts.username : "";
		const char *p = r->opts.password ? r->opts.password : "";
		user = wp_strdup(u);
		if (strcmp(u, TOKEN_USERNAME) == 0)
			identity = wp_strdup(p);
		else
			pass = wp_strdup(p);
		if (!user || (!identity && !pass))
			error = WASMPACK_ENOMEM;
	} else {
		/* No lock held but creds_lock: a helper program may run. */
		wasmpack_credentials_options copts = WASMPACK_CREDENTIALS_OPTIONS_INIT;
		copts.config_dir = r->opts.config_dir;
		error = wasmpack_credentials_get(&cred, r->name, &copts);
		if (error == WASMPACK_ENOTFOUND) {
			wasmpack_error_clear();
			error = 0;
		} else if (error) {
			mark_helper_failure(r, error);
			wp_error_prefix("cannot read the credentials for %s: ", r->name);
		} else if (cred.identity_token) {
			identity = cred.identity_token;
			user = cred.username;
			cred.identity_token = cred.username = NULL;
		} else if (cred.username || cred.password) {
			user = cred.username ? cred.username : wp_strdup("");
			pass = cred.password ? cred.password : wp_strdup("");
			cred.username = cred.password = NULL;
			if (!user || !pass)
				error = WASMPACK_ENOMEM;
		}
		if (!error && (pass || identity))
			wp_reg_log(r, "* using the credentials stored for %s", r->name);
	}
	if (error)
		goto done;
	pthread_mutex_lock(&r->lock);
	r->username = user;
	r->password = pass;
	r->identity_token = identity;
	r->creds_loaded = 1;
	pthread_mutex_unlock(&r->lock);
	user = pass = identity = NULL;
done:
	pthread_mutex_unlock(&r->creds_lock);
	free(user);
	wp_secret_free(pass);
	wp_secret_free(identity);
	wasmpack_credential_dispose(&cred);
	return error;
}

/* "Basic base64(user:pass)" for the loaded credentials, or NULL. */
static int basic_value(char **out, wasmpack_registry *r, int for_identity_token)
{
	char *b64 = NULL;
	int error = 0;
	*out = NULL;
	pthread_mutex_lock(&r->lock);
	if (r->password)
		error = wp_auth_basic_encode(&b64, r->username, r->password);
	else if (for_identity_token && r->identity_token)
		error = wp_auth_basic_encode(&b64,
					     r->username && strcmp(r->username, TOKEN_USERNAME)
						     ? r->username
						     : TOKEN_USERNAME,
					     r->identity_token);
	pthread_mutex_unlock(&r->lock);
	if (error || !b64)
		return error;
	*out = wp_asprintf("Basic %s", b64);
	wp_secret_free(b64);
	return *out ? 0 : WASMPACK_ENOMEM;
}

/* Whether the token service at realm may be asked at all, before anything
 * is sent to it. The realm is parsed the way curl will read it, so that a
 * host such as "localhost.evil.test" or "localhost@evil.test" is judged by
 * the host it really names. A realm with userinfo is refused (it would
 * hide where the request goes); an https registry gets an https realm, or
 * a loopback one; a plain-http registry already sends everything in clear,
 * so its realm may be plain http too. */
static int realm_allowed(const wasmpack_registry *r, const char *realm)
{
	wp_reg_url_parts u;
	int https_registry = strncasecmp(r->base, "https://", 8) == 0;
	if (wp_reg_url_parts_of(&u, realm) != 0)
		return wp_error_why(WASMPACK_EAUTH, WASMPACK_REASON_REGISTRY,
				    "refusing the token service '%s' of %s: not an http(s) URL "
				    "with a plain host",
				    realm, r->name);
	if (u.userinfo)
		return wp_error_why(WASMPACK_EAUTH, WASMPACK_REASON_REGISTRY,
				    "refusing the token service '%s' of %s: its URL holds a "
				    "user name",
				    realm, r->name);
	if (https_registry && !u.https && !wp_reg_host_is_loopback(u.host))
		return wp_error_why(WASMPACK_EAUTH, WASMPACK_REASON_REGISTRY,
				    "refusing the plain-http token service '%s' of %s: an https "
				    "registry needs an https token service",
				    realm, r->name);
	return 0;
}

/* Sends a token request and reads the token out of a 200. */
static int token_exchange(wp_auth_token *out, long *status, wp_reg_op *op, wp_http_request *req,
			  const char *realm)
{
	wp_http_response resp;
	/* Basic credentials or an identity token in the form. */
	op->creds_sent = req->authorization != NULL || req->body != NULL;
	int error = wp_reg_http(&resp, op, req);
	*status = 0;
	if (error)
		return wp_error_prefix("cannot get a token for %s from %s: ", op->r->name, realm);
	*status = resp.status;
	if (resp.status == 200) {
		error = wp_auth_token_parse(out, resp.body.data, resp.body.size, wp_reg_now());
		if (error == WASMPACK_EINVALID)
			wp_error_set_reason(0, WASMPACK_REASON_REGISTRY);
		if (error)
			wp_error_prefix("cannot get a token for %s from %s: ", op->r->name, realm);
	} else {
		error = wp_reg_status_error(op, &resp);
		wp_error_prefix("cannot get a token for %s from %s: ", op->r->name, realm);
	}
	wp_http_response_dispose(&resp);
	return error;
}

/* Asks the realm for a token for op's scopes: OAuth2 POST with the
 * identity token when there is one (GET with Basic when the realm does
 * not know OAuth2: 404), else GET with Basic credentials or none. */
static int fetch_token(wp_auth_token *out, wp_reg_op *op, const char *realm, const char *service)
{
	wasmpack_registry *r = op->r;
	wp_http_request req = {0};
	char *url = NULL, *auth = NULL, *form = NULL;
	const char *form_header[] = {"Content-Type: application/x-www-form-urlencoded"};
	long status = 0;
	int error;

	/* Credentials (and the token asked for) go over TLS only, unless the
	 * token service is local or the registry itself is plain http: judged
	 * before a credential helper is even asked. */
	if ((error = realm_allowed(r, realm)) || (error = wp_reg_creds_load(r)))
		return error;
	pthread_mutex_lock(&r->lock);
	char *identity = r->identity_token ? strdup(r->identity_token) : NULL;
	int nomem = r->identity_token && !identity;
	pthread_mutex_unlock(&r->lock);
	if (nomem)
		return wp_error_nomem();
	req.body_fd = -1;
	if (identity) {
		if ((error = wp_auth_oauth_refresh_body(&form, identity, service, &op->scopes)))
			goto done;
		req.method = "POST";
		req.url = realm;
		req.headers = form_header;
		req.headers_count = 1;
		req.body = form;
		req.body_len = strlen(form);
		req.max_body = WP_AUTH_TOKEN_BODY_MAX;
		error = token_exchange(out, &status, op, &req, realm);
		if (status != 404)
			goto done;
		wp_reg_log(r, "* %s does not take OAuth2 requests; asking with Basic credentials",
			   realm);
		wasmpack_error_clear();
		memset(&req, 0, sizeof(req));
		req.body_fd = -1;
	}
	if ((error = wp_auth_token_url(&url, realm, service, &op->scopes)) ||
	    (error = basic_value(&auth, r, identity != NULL)))
		goto done;
	req.method = "GET";
	req.url = url;
	req.authorization = auth;
	req.follow_redirects = 1;
	req.max_body = WP_AUTH_TOKEN_BODY_MAX;
	error = token_exchange(out, &status, op, &req, realm);
done:
	free(url);
	wp_secret_free(auth);
	wp_secret_free(form);
	wp_secret_free(identity);
	return error;
}

/* A token for op's scopes from the cache, or a new one. */
static int token_for(wp_auth_token *out, wp_reg_op *op, const char *realm, const char *service)
{
	wasmpack_registry *r = op->r;
	pthread_mutex_lock(&r->lock);
	int error = wp_auth_token_cache_get(out, r->tokens, realm, service, &op->scopes,
					    wp_reg_now() + op->token_margin);
	pthread_mutex_unlock(&r->lock);
	if (error != WASMPACK_ENOTFOUND)
		return error;
	wasmpack_error_clear();
	if ((error = fetch_token(out, op, realm, service)))
		return error;
	pthread_mutex_lock(&r->lock);
	error = wp_auth_token_cache_put(r->tokens, realm, service, &op->scopes, out);
	pthread_mutex_unlock(&r->lock);
	if (error)
		wp_auth_token_dispose(out);
	return error;
}

int wp_reg_auth_value(char **out, int *kind, wp_reg_op *op, const char *url)
{
	wasmpack_registry *r = op->r;
	char *realm = NULL, *service = NULL;
	int basic, error = 0;
	*out = NULL;
	*kind = 0;
	if (!wp_reg_is_registry_origin(op, url))
		return 0;
	pthread_mutex_lock(&r->lock);
	basic = r->basic;
	if (!basic && r->realm) {
		realm = strdup(r->realm);
		service = r->service ? strdup(r->service) : NULL;
		if (!realm || (r->service && !service))
			error = WASMPACK_ENOMEM;
	}
	pthread_mutex_unlock(&r->lock);
	if (error) {
		error = wp_error_nomem();
		goto done;
	}
	if (basic) {
		if ((error = wp_reg_creds_load(r)) || (error = basic_value(out, r, 0)))
			goto done;
		if (*out)
			*kind = 'b';
	} else if (realm) {
		wp_auth_token tok = WP_AUTH_TOKEN_INIT;
		if ((error = token_for(&tok, op, realm, service)))
			goto done;
		*out = wp_asprintf("Bearer %s", tok.token);
		wp_auth_token_dispose(&tok);
		if (!*out)
			error = WASMPACK_ENOMEM;
		else
			*kind = 't';
	}
done:
	free(realm);
	free(service);
	return error;
}

/* Takes realm and service of a Bearer challenge as the registry's. */
static int learn_bearer(wasmpack_registry *r, const char *realm, const char *service)
{
	char *nr = NULL, *ns = NULL;
	int error = 0;
	pthread_mutex_lock(&r->lock);
	if (!r->realm || strcmp(r->realm, realm) != 0 ||
	    (r->service == NULL) != (service == NULL) ||
	    (service && strcmp(r->service, service) != 0)) {
		nr = strdup(realm);
		ns = service ? strdup(service) : NULL;
		if (!nr || (service && !ns)) {
			free(nr);
			free(ns);
			error = WASMPACK_ENOMEM;
		} else {
			free(r->realm);
			free(r->service);
			r->realm = nr;
			r->service = ns;
		}
	}
	r->basic = 0;
	pthread_mutex_unlock(&r->lock);
	return error ? wp_error_nomem() : 0;
}

int wp_reg_auth_challenged(int *retry, wp_reg_op *op, const wp_http_response *resp, int kind,
			   unsigned *state)
{
	wasmpack_registry *r = op->r;
	wp_auth_challenges list = WP_AUTH_CHALLENGES_INIT;
	int error = 0;
	*retry = 0;
	if (!wp_reg_is_registry_origin(op, resp->url))
		return 0;
	/* Every WWW-Authenticate header, each with one or more challenges. */
	for (size_t i = 0; i < resp->headers_count; i++) {
		const wp_http_header *h = &resp->headers[i];
		if (strcasecmp(h->name, "WWW-Authenticate") != 0)
			continue;
		if (wp_auth_challenges_parse(&list, h->value, strlen(h->value)) != 0) {
			wp_reg_log(r, "* ignoring a malformed WWW-Authenticate header: %s",
				   wasmpack_error_last());
			wasmpack_error_clear();
		}
	}
	const wp_auth_challenge *bearer = wp_auth_challenges_find(&list, "bearer");
	const wp_auth_challenge *basic = wp_auth_challenges_find(&list, "basic");
	const char *realm = bearer ? wp_auth_challenge_param(bearer, "realm") : NULL;
	if (realm && *realm) {
		const char *service = wp_auth_challenge_param(bearer, "service");
		const char *scope = wp_auth_challenge_param(bearer, "scope");
		const char *err = wp_auth_challenge_param(bearer, "error");
		if (kind == 't') {
			/* Our token was refused: its scopes fell short, or it is no
			 * longer good. One new token, then give up. */
			if (*state & TRIED_RENEW)
				goto done;
			*state |= TRIED_RENEW;
			pthread_mutex_lock(&r->lock);
			if (r->realm)
				wp_auth_token_cache_remove(r->tokens, r->realm, r->service,
							   &op->scopes);
			pthread_mutex_unlock(&r->lock);
			if (err && strcmp(err, "insufficient_scope") == 0)
				wp_reg_log(r, "* token lacks scope %s; asking again",
					   scope ? scope : "?");
		} else if (*state & TRIED_BEARER) {
			goto done;
		}
		*state |= TRIED_BEARER;
		/* What the registry asks for joins what we asked for. */
		if (scope && wp_auth_scopes_add_list(&op->scopes, scope) != 0) {
			wp_reg_log(r, "* ignoring scope of challenge: %s", wasmpack_error_last());
			wasmpack_error_clear();
		}
		if ((error = learn_bearer(r, realm, service)))
			goto done;
		*retry = 1;
		goto done;
	}
	if (basic) {
		if (kind == 'b' || (*state & TRIED_BASIC))
			goto done; /* the credentials were refused */
		*state |= TRIED_BASIC;
		if ((error = wp_reg_creds_load(r)))
			goto done;
		pthread_mutex_lock(&r->lock);
		int has = r->password != NULL;
		r->basic = 1;
		pthread_mutex_unlock(&r->lock);
		*retry = has;
	}
done:
	wp_auth_challenges_dispose(&list);
	return error;
}

int wp_reg_send(wp_http_response *resp, wp_reg_op *op, const wp_http_request *req)
{
	wp_http_request q = *req;
	unsigned state = 0;
	memset(resp, 0, sizeof(*resp));
	for (int round = 0;; round++) {
		char *auth = NULL;
		int kind = 0, retry = 0;
		int error = wp_reg_auth_value(&auth, &kind, op, q.url);
		if (error)
			return error;
		q.authorization = auth;
		/* A token counts as credentials when it was fetched with them. */
		op->creds_sent = kind == 'b' || (kind == 't' && holds_credentials(op->r));
		error = wp_reg_http(resp, op, &q);
		wp_secret_free(auth);
		if (error || resp->status != 401)
			return error;
		/* At most: learn Bearer, renew the token, learn Basic. */
		if (round >= 3)
			return 0;
		if ((error = wp_reg_auth_challenged(&retry, op, resp, kind, &state))) {
			wp_http_response_dispose(resp);
			return error;
		}
		if (!retry)
			return 0;
		wp_http_response_dispose(resp);
	}
}

/* ------------------------------------------------------------------ */
/* Login check                                                         */

int wasmpack_registry_check_login(wasmpack_registry *r)
{
	wp_reg_op op;
	wp_http_response resp = {0};
	wp_http_request req = {0};
	char *url = NULL;
	int error;
	if ((error = wp_reg_op_begin(&op, r, NULL, NULL)) || (error = wp_reg_creds_load(r)))
		goto done;
	pthread_mutex_lock(&r->lock);
	int anonymous = !r->username && !r->password && !r->identity_token;
	pthread_mutex_unlock(&r->lock);
	if (anonymous) {
		error = wp_error_why(WASMPACK_EAUTH, WASMPACK_REASON_NO_CREDENTIALS,
				     "no credentials for %s", r->name);
		goto done;
	}
	if ((error = wp_reg_url(&url, &op, NULL, "")))
		goto done;
	req.method = "GET";
	req.url = url;
	req.body_fd = -1;
	if ((error = wp_reg_send(&resp, &op, &req)))
		goto done;
	if (resp.status != 200)
		error = wp_reg_status_error(&op, &resp);
done:
	if (error && r)
		wp_error_prefix("cannot log in to %s: ", r->name);
	wp_http_response_dispose(&resp);
	free(url);
	wp_reg_op_end(&op);
	return error;
}
