/* The distribution-spec registry client: the client itself (HTTP client
 * pool, scheme choice, request counting), error answers, ping and login,
 * manifests and tags. Authentication is in registry_auth.c, blobs in
 * registry_blob.c. */
#include "registry/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/error.h"
#include "oci/json.h"
#include "util/fs.h"

/* Tags are read at most this many pages deep (1000 tags a page). */
#define TAGS_PAGES_MAX 1000
#define TAGS_PAGE_SIZE "1000"
/* Repository names as distribution accepts them, host excluded. */
#define REPOSITORY_MAX 255
#define REGISTRY_NAME_MAX 255

static const char accept_manifests[] =
	"Accept: " WASMPACK_MEDIATYPE_OCI_MANIFEST ", " WASMPACK_MEDIATYPE_OCI_INDEX
	", " WASMPACK_MEDIATYPE_DOCKER_MANIFEST ", " WASMPACK_MEDIATYPE_DOCKER_LIST;

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */

int64_t wp_reg_now(void) { return (int64_t)time(NULL); }

void wp_reg_log(const wasmpack_registry *r, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	if (!r || !r->opts.log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	r->opts.log(line, r->opts.log_payload);
}

static int starts_with_icase(const char *s, const char *prefix)
{
	return s && strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* Copies at most max bytes of s into out (size outsz) with control bytes
 * replaced, for quoting what a server said. */
static void quote_text(char *out, size_t outsz, const char *s, size_t len, size_t max)
{
	size_t n = 0;
	if (!outsz)
		return;
	for (size_t i = 0; s && i < len && i < max && n + 1 < outsz; i++) {
		unsigned char c = (unsigned char)s[i];
		out[n++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
	}
	/* No trailing blanks: bodies often end with a newline. */
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

/* Parses a non-negative decimal integer that fills all of s. */
static int parse_int64(int64_t *out, const char *s, const char **end)
{
	int64_t v = 0;
	const char *p = s;
	if (!p || *p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (INT64_MAX - (*p - '0')) / 10)
			return -1;
		v = v * 10 + (*p - '0');
	}
	*out = v;
	if (end)
		*end = p;
	else if (*p)
		return -1;
	return 0;
}

int wp_reg_header_int64(int64_t *out, const wp_http_response *resp, const char *name)
{
	const char *v = wp_http_header_get(resp, name);
	if (!v)
		return -1;
	while (*v == ' ' || *v == '\t')
		v++;
	const char *end = NULL;
	if (parse_int64(out, v, &end) != 0)
		return -1;
	while (*end == ' ' || *end == '\t')
		end++;
	return *end ? -1 : 0;
}

static int is_unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~' || c == ':' || c == '/';
}

int wp_reg_url_add_query(char **out, const char *url, const char *name, const char *value)
{
	size_t ulen = strcspn(url, "#"); /* a fragment is never sent */
	size_t vlen = strlen(value), cap = ulen + strlen(name) + 3 * vlen + 3;
	char *s = malloc(cap), *p;
	const char *q = memchr(url, '?', ulen);
	*out = NULL;
	if (!s)
		return wp_error_nomem();
	memcpy(s, url, ulen);
	p = s + ulen;
	if (!q)
		*p++ = '?';
	else if (url[ulen - 1] != '?' && url[ulen - 1] != '&')
		*p++ = '&';
	size_t nlen = strlen(name);
	memcpy(p, name, nlen);
	p += nlen;
	*p++ = '=';
	for (size_t i = 0; i < vlen; i++) {
		unsigned char c = (unsigned char)value[i];
		if (is_unreserved(c)) {
			*p++ = (char)c;
		} else {
			static const char hex[] = "0123456789ABCDEF";
			*p++ = '%';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		}
	}
	*p = '\0';
	*out = s;
	return 0;
}

int wp_reg_location(char **out, const wp_http_response *resp, const char *request_url)
{
	const char *loc = wp_http_header_get(resp, "Location");
	const char *base = resp->url ? resp->url : request_url;
	int error;
	*out = NULL;
	if (!loc || !*loc)
		return wp_error(WASMPACK_EINVALID, "the registry answered %ld without a Location",
				resp->status);
	if ((error = wp_http_url_resolve(out, base, loc)))
		return error;
	if (starts_with_icase(base, "https://") && !starts_with_icase(*out, "https://")) {
		free(*out);
		*out = NULL;
		return wp_error(WASMPACK_EINVALID,
				"the registry sent a Location that leaves https (refused)");
	}
	return 0;
}

int wp_reg_is_registry_origin(const wp_reg_op *op, const char *url)
{
	return op->r->base && url && wp_http_same_origin(op->r->base, url);
}

/* ------------------------------------------------------------------ */
/* Errors from answers                                                 */

static const char *reason_phrase(long status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 416: return "Range Not Satisfiable";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return status >= 500 ? "Server Error" : status >= 400 ? "Client Error" : "Unexpected";
	}
}

static int code_for_status(long status)
{
	if (status == 401 || status == 403)
		return WASMPACK_EAUTH;
	if (status == 404)
		return WASMPACK_ENOTFOUND;
	if (status == 408 || status == 429 || status >= 500)
		return WASMPACK_ENETWORK;
	if (status == 405 || status == 501)
		return WASMPACK_EUNSUPPORTED;
	if (status == 413)
		return WASMPACK_ETOOLARGE;
	if (status >= 400)
		return WASMPACK_EINVALID;
	return WASMPACK_ERROR;
}

/* The distribution error code refines a 4xx that the status alone does
 * not settle (400, 409, 416 ...). */
static int code_for_error_code(int code, long status, const char *ecode)
{
	static const char *const unknown[] = {"NAME_UNKNOWN", "MANIFEST_UNKNOWN", "BLOB_UNKNOWN",
					      "BLOB_UPLOAD_UNKNOWN"};
	if (status == 401 || status == 403 || status == 429 || status >= 500 || status == 404)
		return code;
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		if (strcmp(ecode, unknown[i]) == 0)
			return WASMPACK_ENOTFOUND;
	if (strcmp(ecode, "UNAUTHORIZED") == 0 || strcmp(ecode, "DENIED") == 0)
		return WASMPACK_EAUTH;
	if (strcmp(ecode, "UNSUPPORTED") == 0)
		return WASMPACK_EUNSUPPORTED;
	if (strcmp(ecode, "TOOMANYREQUESTS") == 0)
		return WASMPACK_ENETWORK;
	if (strcmp(ecode, "SIZE_INVALID") == 0 || strstr(ecode, "_INVALID") ||
	    strcmp(ecode, "MANIFEST_BLOB_UNKNOWN") == 0 || strcmp(ecode, "MANIFEST_UNVERIFIED") == 0)
		return WASMPACK_EINVALID;
	return code;
}

static int body_looks_html(const wp_http_response *resp)
{
	const char *ct = wp_http_header_get(resp, "Content-Type");
	const unsigned char *b = resp->body.data;
	size_t i = 0;
	if (ct && (strstr(ct, "html") || strstr(ct, "HTML")))
		return 1;
	while (b && i < resp->body.size && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n'))
		i++;
	return b && i < resp->body.size && b[i] == '<';
}

static int body_is_text(const wp_http_response *resp)
{
	for (size_t i = 0; i < resp->body.size; i++) {
		unsigned char c = resp->body.data[i];
		if (c == 0 || (c < 0x20 && c != '\n' && c != '\r' && c != '\t'))
			return 0;
	}
	return 1;
}

/* Reads {"errors":[{"code","message"}]} (or a token server's
 * {"details"} / OAuth2 {"error","error_description"}) into text like
 * "UNAUTHORIZED: authentication required"; *ecode gets the first code. */
static int read_error_body(char *text, size_t textsz, char *ecode, size_t ecodesz,
			   const wp_http_response *resp)
{
	json_t *doc = NULL;
	int found = 0;
	text[0] = ecode[0] = '\0';
	if (!resp->body.size || body_looks_html(resp))
		return 0;
	/* The caller replaces the last error; a parse failure is no news. */
	if (wp_json_parse(&doc, resp->body.data, resp->body.size, 64 * 1024, "error body") != 0)
		return 0;
	json_t *errors = json_object_get(doc, "errors");
	json_t *first = json_is_array(errors) ? json_array_get(errors, 0) : NULL;
	if (json_is_object(first)) {
		const char *c = json_string_value(json_object_get(first, "code"));
		const char *m = json_string_value(json_object_get(first, "message"));
		char qc[64] = "", qm[WP_REG_QUOTE_MAX + 1] = "";
		if (c)
			quote_text(qc, sizeof(qc), c, strlen(c), sizeof(qc) - 1);
		if (m)
			quote_text(qm, sizeof(qm), m, strlen(m), WP_REG_QUOTE_MAX);
		snprintf(ecode, ecodesz, "%s", qc);
		if (qc[0] && qm[0])
			snprintf(text, textsz, "%s: %s", qc, qm);
		else
			snprintf(text, textsz, "%s", qc[0] ? qc : qm);
		size_t more = json_array_size(errors) - 1;
		if (more > 0 && text[0]) {
			size_t l = strlen(text);
			snprintf(text + l, textsz - l, " (and %zu more)", more);
		}
		found = text[0] != '\0';
	} else {
		static const char *const keys[] = {"error_description", "details", "message", "error"};
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && !found; i++) {
			const char *m = json_string_value(json_object_get(doc, keys[i]));
			if (m && *m) {
				quote_text(text, textsz, m, strlen(m), WP_REG_QUOTE_MAX);
				found = text[0] != '\0';
			}
		}
	}
	json_decref(doc);
	return found;
}

/* What to add to an authentication failure: whose credentials, where. */
static void auth_hint(char *out, size_t outsz, const wp_reg_op *op, long status)
{
	wasmpack_registry *r = op->r;
	/* So that the hint is right even when no challenge made us look. */
	if (wp_reg_creds_load(r) != 0)
		wasmpack_error_clear();
	pthread_mutex_lock(&r->lock);
	int anonymous = !r->username && !r->password && !r->identity_token;
	char user[128];
	quote_text(user, sizeof(user), r->username ? r->username : "", r->username ? strlen(r->username) : 0,
		   sizeof(user) - 1);
	pthread_mutex_unlock(&r->lock);
	if (anonymous)
		snprintf(out, outsz, " (no credentials for %s: log in first)", r->name);
	else if (status == 403)
		snprintf(out, outsz, " (%s denies this to user '%s')", r->name, user);
	else
		snprintf(out, outsz, " (the credentials of user '%s' were refused by %s)", user, r->name);
}

int wp_reg_status_error(const wp_reg_op *op, const wp_http_response *resp)
{
	char text[WP_REG_QUOTE_MAX + 96], ecode[64] = "", hint[400] = "";
	long status = resp->status;
	int code = code_for_status(status);

	if (read_error_body(text, sizeof(text), ecode, sizeof(ecode), resp)) {
		if (ecode[0])
			code = code_for_error_code(code, status, ecode);
	} else if (resp->body.size && !body_looks_html(resp) && body_is_text(resp)) {
		char q[WP_REG_QUOTE_MAX + 1];
		quote_text(q, sizeof(q), (const char *)resp->body.data, resp->body.size, WP_REG_QUOTE_MAX);
		snprintf(text, sizeof(text), "%s%s%s", reason_phrase(status), q[0] ? ": " : "", q);
	} else {
		snprintf(text, sizeof(text), "%s", reason_phrase(status));
	}

	if (code == WASMPACK_EAUTH) {
		auth_hint(hint, sizeof(hint), op, status);
	} else if (status == 429) {
		const char *limit = wp_http_header_get(resp, "ratelimit-limit");
		const char *remaining = wp_http_header_get(resp, "ratelimit-remaining");
		char ql[64], qr[64];
		quote_text(ql, sizeof(ql), limit, limit ? strlen(limit) : 0, sizeof(ql) - 1);
		quote_text(qr, sizeof(qr), remaining, remaining ? strlen(remaining) : 0, sizeof(qr) - 1);
		if (limit || remaining)
			snprintf(hint, sizeof(hint), " (rate limit of %s: ratelimit-limit %s, ratelimit-remaining %s)",
				 op->r->name, limit ? ql : "?", remaining ? qr : "?");
		else
			snprintf(hint, sizeof(hint), " (%s is rate limiting)", op->r->name);
	}
	wp_error(code, "%ld %s%s", status, text, hint);
	/* STAND-IN until branch errreg lands (take errreg's side on conflict). */
	wasmpack_error_reason why = WASMPACK_REASON_NONE;
	if (status == 401 || status == 403)
		why = strstr(hint, "no credentials") ? WASMPACK_REASON_NO_CREDENTIALS
		      : status == 403                ? WASMPACK_REASON_DENIED
						     : WASMPACK_REASON_CREDENTIALS_REFUSED;
	else if (status == 404)
		why = WASMPACK_REASON_NOT_FOUND_REMOTE;
	else if (status == 429)
		why = WASMPACK_REASON_RATE_LIMITED;
	else if (status == 400 && op->r->opts.plain_http && !ecode[0] &&
		 !wp_http_header_get(resp, "Docker-Distribution-Api-Version"))
		why = WASMPACK_REASON_PLAIN_HTTP_TO_TLS;
	else if (status >= 500)
		why = WASMPACK_REASON_REGISTRY;
	if (why)
		wp_error_set_reason(why == WASMPACK_REASON_PLAIN_HTTP_TO_TLS ? WASMPACK_ENETWORK : 0, why);
	wp_error_set_http(status, ecode);
	return wasmpack_error_last_code();
}

/* ------------------------------------------------------------------ */
/* The client                                                          */

/* localhost, 127.0.0.0/8 and [::1], with or without a port. */
static int host_is_loopback(const char *host)
{
	char h[REGISTRY_NAME_MAX + 1];
	size_t n;
	if (host[0] == '[') {
		const char *e = strchr(host, ']');
		if (!e)
			return 0;
		n = (size_t)(e - host - 1);
		if (n >= sizeof(h))
			return 0;
		memcpy(h, host + 1, n);
		h[n] = '\0';
		return strcmp(h, "::1") == 0 || strcmp(h, "0:0:0:0:0:0:0:1") == 0;
	}
	const char *colon = strrchr(host, ':');
	n = colon ? (size_t)(colon - host) : strlen(host);
	if (n >= sizeof(h))
		return 0;
	memcpy(h, host, n);
	h[n] = '\0';
	if (strcasecmp(h, "localhost") == 0 || strcasecmp(h, "localhost.") == 0)
		return 1;
	/* A dotted quad whose first byte is 127. */
	const char *p = h;
	for (int part = 0; part < 4; part++) {
		int64_t v;
		const char *end;
		if (parse_int64(&v, p, &end) != 0 || v > 255 || end - p > 3)
			return 0;
		if (part == 0 && v != 127)
			return 0;
		if (part < 3 && *end != '.')
			return 0;
		if (part == 3 && *end)
			return 0;
		p = end + 1;
	}
	return 1;
}

static int registry_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > REGISTRY_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-' || c == '_' || c == ':' || c == '[' || c == ']'))
			return 0;
	}
	return 1;
}

int wasmpack_registry_new(wasmpack_registry **out, const char *registry,
			  const wasmpack_registry_options *opts)
{
	wasmpack_registry *r = NULL;
	int error;
	if (!out)
		return wp_error(WASMPACK_EINVALID, "registry: no output");
	*out = NULL;
	if (!registry || !registry_name_valid(registry))
		return wp_error(WASMPACK_EINVALID, "invalid registry host '%s'",
				registry ? registry : "(null)");
	if (opts && opts->version != WASMPACK_REGISTRY_OPTIONS_VERSION)
		return wp_error(WASMPACK_EINVALID, "registry options version %u is not %d",
				opts->version, WASMPACK_REGISTRY_OPTIONS_VERSION);
	if ((error = wp_http_global_init()))
		return error;
	if (!(r = calloc(1, sizeof(*r)))) {
		wp_http_global_cleanup();
		return wp_error_nomem();
	}
	if (opts)
		r->opts = *opts;
	else
		r->opts.version = WASMPACK_REGISTRY_OPTIONS_VERSION;
	r->name = wp_strdup(registry);
	r->host = wp_strdup(wp_auth_api_host(registry));
	pthread_mutex_init(&r->lock, NULL);
	pthread_mutex_init(&r->scheme_lock, NULL);
	pthread_mutex_init(&r->creds_lock, NULL);
	atomic_init(&r->requests, 0);
	if (!r->name || !r->host) {
		wasmpack_registry_free(r);
		return wp_error_nomem();
	}
	if ((error = wp_auth_token_cache_new(&r->tokens))) {
		wasmpack_registry_free(r);
		return error;
	}
	r->loopback = host_is_loopback(r->host);
	r->http_opts.insecure = r->opts.insecure;
	r->http_opts.ca_file = r->opts.ca_file;
	r->http_opts.low_speed_seconds = r->opts.low_speed_seconds;
	r->http_opts.max_retries = r->opts.max_retries;
	r->http_opts.retry_max_ms = r->opts.retry_max_ms;
	r->http_opts.log = r->opts.log;
	r->http_opts.log_payload = r->opts.log_payload;
	*out = r;
	return 0;
}

void wasmpack_registry_free(wasmpack_registry *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->pool_count; i++)
		wp_http_free(r->pool[i]);
	wp_auth_token_cache_free(r->tokens);
	free(r->name);
	free(r->host);
	free(r->base);
	free(r->username);
	wp_auth_free_secret(r->password);
	wp_auth_free_secret(r->identity_token);
	free(r->realm);
	free(r->service);
	pthread_mutex_destroy(&r->lock);
	pthread_mutex_destroy(&r->scheme_lock);
	pthread_mutex_destroy(&r->creds_lock);
	free(r);
	wp_http_global_cleanup();
}

uint64_t wasmpack_registry_request_count(const wasmpack_registry *r)
{
	return r ? atomic_load(&((wasmpack_registry *)r)->requests) : 0;
}

static int pool_take(wp_http **out, wasmpack_registry *r)
{
	*out = NULL;
	pthread_mutex_lock(&r->lock);
	if (r->pool_count > 0)
		*out = r->pool[--r->pool_count];
	pthread_mutex_unlock(&r->lock);
	return *out ? 0 : wp_http_new(out, &r->http_opts);
}

static void pool_give(wasmpack_registry *r, wp_http *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&r->lock);
	if (r->pool_count < WP_REG_POOL_MAX) {
		r->pool[r->pool_count++] = h;
		h = NULL;
	}
	pthread_mutex_unlock(&r->lock);
	wp_http_free(h);
}

int wp_reg_http(wp_http_response *resp, wp_reg_op *op, const wp_http_request *req)
{
	memset(resp, 0, sizeof(*resp));
	int error = wp_http_do(resp, op->h, req);
	atomic_fetch_add(&op->r->requests, (uint64_t)(resp->attempts > 0 ? resp->attempts : 1));
	if (error)
		wp_http_response_dispose(resp);
	return error;
}

/* GET url/v2/ once, without retries when no_retry: for choosing the
 * scheme. *status gets the answer's status. A probe that got no HTTP
 * answer sent no HTTP request, so only answered probes are counted. */
static int probe(long *status, wp_reg_op *op, const char *base, int no_retry)
{
	wp_http_response resp;
	wp_http_request req = {0};
	char *url = wp_asprintf("%s/v2/", base);
	if (!url)
		return WASMPACK_ENOMEM;
	req.method = "GET";
	req.url = url;
	req.body_fd = -1;
	req.no_retry = no_retry;
	memset(&resp, 0, sizeof(resp));
	int error = wp_http_do(&resp, op->h, &req);
	if (!error) {
		atomic_fetch_add(&op->r->requests, (uint64_t)(resp.attempts > 0 ? resp.attempts : 1));
		*status = resp.status;
	}
	wp_http_response_dispose(&resp);
	free(url);
	return error;
}

/* OpenSSL's words when the peer answered a TLS hello with plain HTTP. */
static int peer_speaks_plain_http(const char *message)
{
	return strstr(message, "wrong version number") != NULL;
}

/* https unless plain_http; a loopback registry that does not speak TLS is
 * reached over http, as docker and ORAS do. Decided once. */
static int decide_scheme(wp_reg_op *op)
{
	wasmpack_registry *r = op->r;
	int error = 0;
	pthread_mutex_lock(&r->scheme_lock);
	if (r->base)
		goto done;
	char *https = wp_asprintf("https://%s", r->host);
	char *http = wp_asprintf("http://%s", r->host);
	if (!https || !http) {
		free(https);
		free(http);
		error = WASMPACK_ENOMEM;
		goto done;
	}
	if (r->opts.plain_http) {
		r->base = http;
		free(https);
		goto done;
	}
	if (!r->loopback) {
		r->base = https;
		free(http);
		goto done;
	}
	long status = 0;
	error = probe(&status, op, https, 1);
	if (!error) {
		r->base = https;
		free(http);
		goto done;
	}
	/* Keep the TLS failure to report if plain http does not work either. */
	char tls_message[1024];
	wp_error_state tls_state; /* STAND-IN (errreg): keeps the reason too */
	wp_error_save(&tls_state);
	snprintf(tls_message, sizeof(tls_message), "%s", wasmpack_error_last());
	/* A server that answered the TLS hello in plain HTTP needs no second
	 * probe: the first real request over http confirms it. */
	if (peer_speaks_plain_http(tls_message)) {
		wp_reg_log(r, "* %s does not speak TLS; using plain http (loopback)", r->host);
		r->base = http;
		free(https);
		error = 0;
		goto done;
	}
	status = 0;
	if (probe(&status, op, http, 0) == 0 && (status == 200 || status == 401)) {
		wp_reg_log(r, "* %s does not speak TLS; using plain http (loopback)", r->host);
		r->base = http;
		free(https);
		error = 0;
		goto done;
	}
	free(https);
	free(http);
	error = wp_error_restore(&tls_state);
done:
	pthread_mutex_unlock(&r->scheme_lock);
	return error;
}

/* Repository names: path components of [a-z0-9._-] joined by '/'. */
static int repository_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > REPOSITORY_MAX || name[0] == '/' || name[n - 1] == '/')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-' || c == '/'))
			return 0;
		if (c == '/' && name[i + 1] == '/')
			return 0;
		if (c == '.' && (i == 0 || name[i - 1] == '/'))
			return 0; /* no "." or ".." components */
	}
	return 1;
}

int wp_reg_op_begin(wp_reg_op *op, wasmpack_registry *r, const char *repository,
		    const char *actions)
{
	int error;
	memset(op, 0, sizeof(*op));
	op->r = r;
	op->repository = repository;
	op->token_margin = WP_REG_TOKEN_SKEW;
	if (!r)
		return wp_error(WASMPACK_EINVALID, "registry: no client");
	if (repository && (error = wp_reg_repository(&op->repository_owned, &op->repository, r,
						     repository)))
		return error;
	if (op->repository && actions &&
	    (error = wp_auth_scopes_add_repository(&op->scopes, op->repository, actions)))
		return error;
	if ((error = pool_take(&op->h, r)))
		return error;
	return decide_scheme(op);
}

void wp_reg_op_end(wp_reg_op *op)
{
	if (op->r)
		pool_give(op->r, op->h);
	op->h = NULL;
	wp_auth_scopes_dispose(&op->scopes);
	free(op->repository_owned);
	op->repository_owned = NULL;
}

int wp_reg_repository(char **owned, const char **out, const wasmpack_registry *r, const char *name)
{
	*owned = NULL;
	*out = name;
	if (!repository_valid(name))
		return wp_error(WASMPACK_EINVALID, "invalid repository name '%s'", name ? name : "(null)");
	if (wp_auth_is_docker_hub(r->name) && !strchr(name, '/')) {
		if (!(*owned = wp_asprintf("library/%s", name)))
			return WASMPACK_ENOMEM;
		*out = *owned;
	}
	return 0;
}

int wp_reg_url(char **out, const wp_reg_op *op, const char *repository, const char *path)
{
	*out = repository ? wp_asprintf("%s/v2/%s/%s", op->r->base, repository, path)
			  : wp_asprintf("%s/v2/%s", op->r->base, path);
	return *out ? 0 : WASMPACK_ENOMEM;
}

/* ------------------------------------------------------------------ */
/* Ping and login                                                      */

static int has_challenge(const wp_http_response *resp)
{
	for (size_t i = 0; i < resp->headers_count; i++)
		if (strcasecmp(resp->headers[i].name, "WWW-Authenticate") == 0 &&
		    resp->headers[i].value[0])
			return 1;
	return 0;
}

int wasmpack_registry_ping(wasmpack_registry *r)
{
	wp_reg_op op;
	wp_http_response resp = {0};
	wp_http_request req = {0};
	char *url = NULL;
	int error;
	if ((error = wp_reg_op_begin(&op, r, NULL, NULL)) || (error = wp_reg_url(&url, &op, NULL, "")))
		goto done;
	req.method = "GET";
	req.url = url;
	req.body_fd = -1;
	if ((error = wp_reg_http(&resp, &op, &req)))
		goto done;
	if (resp.status == 200 || (resp.status == 401 && has_challenge(&resp)))
		goto done;
	if (resp.status == 404)
		error = wp_error(WASMPACK_ENOTFOUND, "GET /v2/ answered 404: not a registry");
	else
		error = wp_reg_status_error(&op, &resp);
done:
	if (error && r)
		wp_error_prefix("cannot reach registry %s: ", r->name);
	wp_http_response_dispose(&resp);
	free(url);
	wp_reg_op_end(&op);
	return error;
}

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
		error = wp_error(WASMPACK_EAUTH, "no credentials: give a user name and password");
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

/* ------------------------------------------------------------------ */
/* Manifests                                                           */

/* A tag ([\w][\w.-]{0,127}) or a valid digest. *is_digest says which. */
static int check_reference(int *is_digest, const char *ref)
{
	size_t n = ref ? strlen(ref) : 0;
	*is_digest = 0;
	if (n && strchr(ref, ':')) {
		*is_digest = 1;
		int error = wasmpack_digest_validate(ref);
		if (error)
			return wp_error(error, "invalid digest '%s'", ref);
		return 0;
	}
	if (n == 0 || n > 128)
		return wp_error(WASMPACK_EINVALID, "invalid tag '%s'", ref ? ref : "(null)");
	for (size_t i = 0; i < n; i++) {
		char c = ref[i];
		int word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			   c == '_';
		if (!word && (i == 0 || (c != '.' && c != '-')))
			return wp_error(WASMPACK_EINVALID, "invalid tag '%s'", ref);
	}
	return 0;
}

static int is_sha256(const char *digest)
{
	return strncmp(digest, "sha256:", 7) == 0;
}

/* Checks bytes against `expected` (a digest of any valid algorithm):
 * WASMPACK_EDIGEST on mismatch, EUNSUPPORTED when it cannot be checked. */
static int verify_digest(const char *computed, const char *expected, const char *what)
{
	if (!is_sha256(expected))
		return wp_error(WASMPACK_EUNSUPPORTED, "cannot verify %s: digest algorithm of '%s' is not supported",
				what, expected);
	if (!wasmpack_digest_equal(computed, expected))
		return wp_error(WASMPACK_EDIGEST, "%s has digest %s, expected %s", what, computed, expected);
	return 0;
}

/* Docker-Content-Digest, when sent and a sha256 digest, must match. */
static int verify_header_digest(const wp_http_response *resp, const char *computed, const char *what)
{
	const char *dcd = wp_http_header_get(resp, "Docker-Content-Digest");
	if (!dcd || wasmpack_digest_validate(dcd) != 0 || !is_sha256(dcd)) {
		wasmpack_error_clear();
		return 0;
	}
	if (!wasmpack_digest_equal(computed, dcd))
		return wp_error(WASMPACK_EDIGEST, "%s has digest %s, the registry says %s", what, computed,
				dcd);
	return 0;
}

/* Content-Type without parameters, or NULL when absent or generic. */
static char *media_type_of(const char *content_type)
{
	if (!content_type)
		return NULL;
	while (*content_type == ' ' || *content_type == '\t')
		content_type++;
	size_t n = strcspn(content_type, ";");
	while (n > 0 && (content_type[n - 1] == ' ' || content_type[n - 1] == '\t'))
		n--;
	if (n == 0)
		return NULL;
	static const char *const generic[] = {"application/json", "text/plain",
					      "application/octet-stream", "binary/octet-stream"};
	for (size_t i = 0; i < sizeof(generic) / sizeof(generic[0]); i++)
		if (strlen(generic[i]) == n && strncasecmp(content_type, generic[i], n) == 0)
			return NULL;
	char *s = strndup(content_type, n);
	if (!s)
		wp_error_nomem();
	return s;
}

/* The body's own mediaType, or NULL. */
static char *media_type_in_body(const void *data, size_t len)
{
	json_t *doc = NULL;
	char *s = NULL;
	if (wp_json_parse(&doc, data, len, WASMPACK_MANIFEST_MAX, "manifest") != 0) {
		wasmpack_error_clear();
		return NULL;
	}
	const char *mt = json_string_value(json_object_get(doc, "mediaType"));
	if (mt && *mt)
		s = strdup(mt);
	json_decref(doc);
	return s;
}

typedef struct manifest_answer {
	wasmpack_buf body;
	char *media_type;
	char digest[WASMPACK_DIGEST_MAX];
} manifest_answer;

static void manifest_answer_dispose(manifest_answer *a)
{
	wasmpack_buf_dispose(&a->body);
	free(a->media_type);
	a->media_type = NULL;
}

/* GET or HEAD of manifests/<reference> with the full Accept list; a
 * status other than 200 is turned into the registry's error. The caller
 * ends *op (begun here even on failure) and disposes *resp. */
static int manifest_request(wp_http_response *resp, wp_reg_op *op, int *is_digest,
			    wasmpack_registry *r, const char *repository, const char *reference,
			    const char *method)
{
	wp_http_request req = {0};
	const char *headers[] = {accept_manifests};
	char *url = NULL, *path = NULL;
	int error;

	if ((error = wp_reg_op_begin(op, r, repository, "pull")) ||
	    (error = check_reference(is_digest, reference)))
		return error;
	if (!(path = wp_asprintf("manifests/%s", reference)) ||
	    (error = wp_reg_url(&url, op, op->repository, path))) {
		error = WASMPACK_ENOMEM;
		goto done;
	}
	req.method = method;
	req.url = url;
	req.headers = headers;
	req.headers_count = 1;
	req.body_fd = -1;
	req.follow_redirects = 1;
	req.max_body = WASMPACK_MANIFEST_MAX;
	if ((error = wp_reg_send(resp, op, &req)))
		goto done;
	if (resp->status != 200)
		error = wp_reg_status_error(op, resp);
done:
	free(url);
	free(path);
	return error;
}

static int manifest_fetch(manifest_answer *out, wasmpack_registry *r, const char *repository,
			  const char *reference)
{
	wp_reg_op op;
	wp_http_response resp = {0};
	int is_digest = 0, error;

	memset(out, 0, sizeof(*out));
	if ((error = manifest_request(&resp, &op, &is_digest, r, repository, reference, "GET")))
		goto done;
	if (resp.body.size == 0) {
		error = wp_error(WASMPACK_EINVALID, "the registry sent an empty manifest");
		goto done;
	}
	if (resp.body.size > WASMPACK_MANIFEST_MAX) {
		error = wp_error(WASMPACK_ETOOLARGE, "the manifest is over %d bytes", WASMPACK_MANIFEST_MAX);
		goto done;
	}
	if ((error = wasmpack_digest_of(out->digest, resp.body.data, resp.body.size)) ||
	    (is_digest && (error = verify_digest(out->digest, reference, "the manifest"))) ||
	    (error = verify_header_digest(&resp, out->digest, "the manifest")))
		goto done;
	out->media_type = media_type_of(wp_http_header_get(&resp, "Content-Type"));
	if (!out->media_type)
		out->media_type = media_type_in_body(resp.body.data, resp.body.size);
	if (!out->media_type) {
		error = wp_error(WASMPACK_EINVALID, "the manifest has no media type (no Content-Type, no mediaType)");
		goto done;
	}
	/* The exact bytes, NUL-terminated as wasmpack_buf promises. */
	if (!(out->body.data = malloc(resp.body.size + 1))) {
		error = wp_error_nomem();
		goto done;
	}
	memcpy(out->body.data, resp.body.data, resp.body.size);
	out->body.data[resp.body.size] = '\0';
	out->body.size = resp.body.size;
done:
	if (error) {
		if (r && repository && reference)
			wp_error_prefix("cannot get manifest '%s' of '%s/%s': ", reference, r->name,
					repository);
		manifest_answer_dispose(out);
	}
	wp_http_response_dispose(&resp);
	wp_reg_op_end(&op);
	return error;
}

int wasmpack_registry_manifest_get(wasmpack_buf *out, char **media_type_out,
				   char digest_out[WASMPACK_DIGEST_MAX], wasmpack_registry *r,
				   const char *repository, const char *reference)
{
	manifest_answer a;
	if (!out)
		return wp_error(WASMPACK_EINVALID, "manifest get: no output");
	out->data = NULL;
	out->size = 0;
	if (media_type_out)
		*media_type_out = NULL;
	int error = manifest_fetch(&a, r, repository, reference);
	if (error)
		return error;
	*out = a.body;
	if (media_type_out)
		*media_type_out = a.media_type;
	else
		free(a.media_type);
	if (digest_out)
		memcpy(digest_out, a.digest, WASMPACK_DIGEST_MAX);
	return 0;
}

int wasmpack_registry_manifest_head(wasmpack_descriptor *out, wasmpack_registry *r,
				    const char *repository, const char *reference)
{
	wp_reg_op op;
	wp_http_response resp = {0};
	char *media_type = NULL;
	int is_digest = 0, error;
	int64_t size = -1;

	if (!out)
		return wp_error(WASMPACK_EINVALID, "manifest head: no output");
	memset(out, 0, sizeof(*out));
	if ((error = manifest_request(&resp, &op, &is_digest, r, repository, reference, "HEAD")))
		goto done;
	const char *dcd = wp_http_header_get(&resp, "Docker-Content-Digest");
	media_type = media_type_of(wp_http_header_get(&resp, "Content-Type"));
	if (dcd && wasmpack_digest_validate(dcd) != 0)
		dcd = NULL;
	if (!dcd || !media_type || wp_reg_header_int64(&size, &resp, "Content-Length") != 0) {
		/* Not enough to describe it: fetch it (and hash it). */
		manifest_answer a;
		wp_reg_op_end(&op);
		if ((error = manifest_fetch(&a, r, repository, reference)))
			goto done_nolog;
		error = wasmpack_descriptor_init(out, a.media_type, a.digest, (int64_t)a.body.size);
		manifest_answer_dispose(&a);
		goto done_nolog;
	}
	if (is_digest && !wasmpack_digest_equal(dcd, reference)) {
		error = wp_error(WASMPACK_EDIGEST, "the registry says manifest '%s' has digest %s",
				 reference, dcd);
		goto done;
	}
	error = wasmpack_descriptor_init(out, media_type, dcd, size);
done:
	if (error && r && repository && reference)
		wp_error_prefix("cannot find manifest '%s' in '%s/%s': ", reference, r->name, repository);
	wp_reg_op_end(&op);
done_nolog:
	wp_http_response_dispose(&resp);
	free(media_type);
	return error;
}

static int media_type_valid(const char *mt)
{
	if (!mt || !*mt || strlen(mt) > 255)
		return 0;
	for (const char *p = mt; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return 0;
	return strchr(mt, '/') != NULL;
}

int wasmpack_registry_manifest_put(char digest_out[WASMPACK_DIGEST_MAX], wasmpack_registry *r,
				   const char *repository, const char *reference,
				   const char *media_type, const void *data, size_t len)
{
	wp_reg_op op;
	wp_http_response resp = {0};
	wp_http_request req = {0};
	char digest[WASMPACK_DIGEST_MAX];
	char *url = NULL, *path = NULL, *content_type = NULL;
	const char *headers[1];
	int is_digest = 0, error;

	if ((error = wp_reg_op_begin(&op, r, repository, "pull,push")) ||
	    (error = check_reference(&is_digest, reference)))
		goto done;
	if (!media_type_valid(media_type)) {
		error = wp_error(WASMPACK_EINVALID, "invalid media type '%s'", media_type ? media_type : "(null)");
		goto done;
	}
	if (!data || len == 0) {
		error = wp_error(WASMPACK_EINVALID, "the manifest is empty");
		goto done;
	}
	if (len > WASMPACK_MANIFEST_MAX) {
		error = wp_error(WASMPACK_ETOOLARGE, "the manifest has %zu bytes, over the %d registries accept",
				 len, WASMPACK_MANIFEST_MAX);
		goto done;
	}
	if ((error = wasmpack_digest_of(digest, data, len)) ||
	    (is_digest && (error = verify_digest(digest, reference, "the manifest"))))
		goto done;
	if (!(path = wp_asprintf("manifests/%s", reference)) ||
	    !(content_type = wp_asprintf("Content-Type: %s", media_type)) ||
	    (error = wp_reg_url(&url, &op, op.repository, path))) {
		error = WASMPACK_ENOMEM;
		goto done;
	}
	headers[0] = content_type;
	req.method = "PUT";
	req.url = url;
	req.headers = headers;
	req.headers_count = 1;
	req.body = data;
	req.body_len = len;
	req.body_fd = -1;
	if ((error = wp_reg_send(&resp, &op, &req)))
		goto done;
	if (resp.status < 200 || resp.status > 299) {
		error = wp_reg_status_error(&op, &resp);
		goto done;
	}
	if ((error = verify_header_digest(&resp, digest, "the pushed manifest")))
		goto done;
	if (digest_out)
		memcpy(digest_out, digest, WASMPACK_DIGEST_MAX);
done:
	if (error && r && repository && reference)
		wp_error_prefix("cannot push manifest '%s' to '%s/%s': ", reference, r->name, repository);
	wp_http_response_dispose(&resp);
	free(url);
	free(path);
	free(content_type);
	wp_reg_op_end(&op);
	return error;
}

int wasmpack_registry_manifest_delete(wasmpack_registry *r, const char *repository,
				      const char *digest)
{
	wp_reg_op op;
	wp_http_response resp = {0};
	wp_http_request req = {0};
	char *url = NULL, *path = NULL;
	int is_digest = 0, error;

	if ((error = wp_reg_op_begin(&op, r, repository, "delete")) ||
	    (error = check_reference(&is_digest, digest)))
		goto done;
	if (!is_digest) {
		error = wp_error(WASMPACK_EINVALID, "manifests are deleted by digest, not by tag '%s'", digest);
		goto done;
	}
	if (!(path = wp_asprintf("manifests/%s", digest)) ||
	    (error = wp_reg_url(&url, &op, op.repository, path))) {
		error = WASMPACK_ENOMEM;
		goto done;
	}
	req.method = "DELETE";
	req.url = url;
	req.body_fd = -1;
	if ((error = wp_reg_send(&resp, &op, &req)))
		goto done;
	if (resp.status != 202 && resp.status != 200 && resp.status != 204)
		error = wp_reg_status_error(&op, &resp);
done:
	if (error && r && repository && digest)
		wp_error_prefix("cannot delete manifest '%s' from '%s/%s': ", digest, r->name, repository);
	wp_http_response_dispose(&resp);
	free(url);
	free(path);
	wp_reg_op_end(&op);
	return error;
}

/* ------------------------------------------------------------------ */
/* Tags                                                                */

/* The target of a `rel="next"` link in one Link header value, or NULL.
 * New string (caller frees) in *out. */
static int link_next(char **out, const char *value)
{
	const char *p = value;
	*out = NULL;
	while (*p) {
		const char *lt = strchr(p, '<');
		if (!lt)
			return 0;
		const char *gt = strchr(lt + 1, '>');
		if (!gt)
			return 0;
		/* Parameters run to the next ',' outside quotes. */
		const char *q = gt + 1;
		int in_quote = 0, is_next = 0;
		while (*q && (in_quote || *q != ',')) {
			if (*q == '"')
				in_quote = !in_quote;
			if (!in_quote && strncasecmp(q, "rel", 3) == 0) {
				const char *v = q + 3;
				while (*v == ' ')
					v++;
				if (*v == '=') {
					v++;
					while (*v == ' ')
						v++;
					if (*v == '"')
						v++;
					/* rel may list several types: "next last". */
					for (;;) {
						size_t n = strcspn(v, " \";,");
						if (n == 4 && strncasecmp(v, "next", 4) == 0)
							is_next = 1;
						if (v[n] != ' ')
							break;
						v += n + 1;
					}
				}
			}
			q++;
		}
		if (is_next) {
			*out = strndup(lt + 1, (size_t)(gt - lt - 1));
			return *out ? 0 : wp_error_nomem();
		}
		p = *q ? q + 1 : q;
	}
	return 0;
}

static int tags_page(wasmpack_strv *out, const wp_http_response *resp)
{
	json_t *doc = NULL;
	wp_json_ctx cx;
	const json_t *tags = NULL;
	int error;
	wp_json_ctx_init(&cx, "tag list");
	if ((error = wp_json_parse(&doc, resp->body.data, resp->body.size, WP_HTTP_BODY_MAX, "tag list")))
		return error;
	if ((error = wp_json_get_array(&tags, doc, "tags", 0, &cx)))
		goto done;
	for (size_t i = 0; tags && i < json_array_size(tags); i++) {
		const char *t = json_string_value(json_array_get(tags, i));
		if (!t) {
			size_t mark = wp_json_ctx_push_key(&cx, "tags");
			error = wp_json_error(&cx, NULL, "[%zu]: expected a string", i);
			wp_json_ctx_pop(&cx, mark);
			goto done;
		}
		if ((error = wasmpack_strv_push(out, t)))
			goto done;
	}
done:
	json_decref(doc);
	return error;
}

int wasmpack_registry_tags(wasmpack_strv *out, wasmpack_registry *r, const char *repository)
{
	wp_reg_op op;
	wp_http_response resp = {0};
	wp_http_request req = {0};
	wasmpack_strv tags = {0};
	char *url = NULL, *next = NULL;
	int error;

	if (!out)
		return wp_error(WASMPACK_EINVALID, "tags: no output");
	memset(out, 0, sizeof(*out));
	if ((error = wp_reg_op_begin(&op, r, repository, "pull")) ||
	    (error = wp_reg_url(&url, &op, op.repository, "tags/list?n=" TAGS_PAGE_SIZE)))
		goto done;
	for (int page = 0;; page++) {
		if (page >= TAGS_PAGES_MAX) {
			error = wp_error(WASMPACK_ETOOLARGE, "more than %d pages of tags", TAGS_PAGES_MAX);
			goto done;
		}
		memset(&req, 0, sizeof(req));
		req.method = "GET";
		req.url = url;
		req.body_fd = -1;
		req.follow_redirects = 1;
		if ((error = wp_reg_send(&resp, &op, &req)))
			goto done;
		if (resp.status != 200) {
			error = wp_reg_status_error(&op, &resp);
			goto done;
		}
		if ((error = tags_page(&tags, &resp)))
			goto done;
		for (size_t i = 0; i < resp.headers_count && !next; i++)
			if (strcasecmp(resp.headers[i].name, "Link") == 0 &&
			    (error = link_next(&next, resp.headers[i].value)))
				goto done;
		if (!next)
			break;
		char *abs = NULL;
		error = wp_http_url_resolve(&abs, resp.url ? resp.url : url, next);
		free(next);
		next = NULL;
		if (error)
			goto done;
		if (!wp_reg_is_registry_origin(&op, abs) || strcmp(abs, url) == 0) {
			/* Never send the registry's token elsewhere; never loop. */
			int same = strcmp(abs, url) == 0;
			free(abs);
			if (same)
				break;
			error = wp_error(WASMPACK_EINVALID, "the next page of tags is on another origin (refused)");
			goto done;
		}
		free(url);
		url = abs;
		wp_http_response_dispose(&resp);
	}
	*out = tags;
	memset(&tags, 0, sizeof(tags));
done:
	if (error && r && repository)
		wp_error_prefix("cannot list tags of '%s/%s': ", r->name, repository);
	wasmpack_strv_dispose(&tags);
	wp_http_response_dispose(&resp);
	free(url);
	free(next);
	wp_reg_op_end(&op);
	return error;
}
