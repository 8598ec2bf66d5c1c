/* The distribution-spec registry client: the client itself (HTTP client
 * pool, scheme choice, request counting), one operation's context, the
 * errors unsuccessful answers mean, and ping. Above it: auth.c (the
 * authentication flow and login check), then blob.c, manifest.c and
 * tags.c; below it: url.c and http.c. */
#include "registry/internal.h"
#include "registry/stats.h"

#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "util/error.h"
#include "util/options.h"
#include "oci/json.h"
#include "util/fs.h"

/* Repository names as distribution accepts them, host excluded. */
#define REPOSITORY_MAX 255
#define REGISTRY_NAME_MAX 255

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
	default:
		return status >= 500   ? "Server Error"
		       : status >= 400 ? "Client Error"
				       : "Unexpected";
	}
}

/* What an answer that is not a success means: the code (what kind of
 * failure) and the reason (why). */
typedef struct status_meaning {
	int code;
	wasmpack_error_reason reason;
} status_meaning;

static int ecode_is(const char *ecode, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(ecode, list[i]) == 0)
			return 1;
	return 0;
}

/* The bytes Go's TLS server (distribution's) sends back, as HTTP/1.0 400
 * without a single header, when a plain-http request reaches it. */
static int answer_is_tls_server(const wp_http_response *resp)
{
	static const char go_text[] = "Client sent an HTTP request to an HTTPS server";
	if (resp->status != 400 || !resp->url || strncasecmp(resp->url, "http://", 7) != 0)
		return 0;
	if (resp->body.size >= sizeof(go_text) - 1 &&
	    memcmp(resp->body.data, go_text, sizeof(go_text) - 1) == 0)
		return 1;
	/* A HEAD reads no body; no registry answers without a header. */
	return resp->headers_count == 0;
}

/* 1 when a Bearer challenge of resp says error="insufficient_scope". */
static int scope_insufficient(const wp_http_response *resp)
{
	int found = 0;
	for (size_t i = 0; i < resp->headers_count && !found; i++) {
		const wp_http_header *h = &resp->headers[i];
		wp_auth_challenges list = WP_AUTH_CHALLENGES_INIT;
		if (strcasecmp(h->name, "WWW-Authenticate") != 0)
			continue;
		if (wp_auth_challenges_parse(&list, h->value, strlen(h->value)) == 0) {
			const wp_auth_challenge *b = wp_auth_challenges_find(&list, "bearer");
			const char *err = b ? wp_auth_challenge_param(b, "error") : NULL;
			found = err && strcmp(err, "insufficient_scope") == 0;
		} else {
			wasmpack_error_clear();
		}
		wp_auth_challenges_dispose(&list);
	}
	return found;
}

/* Refused: without credentials, with credentials that were not good, or
 * with good ones that may not do this. Decided from what the request
 * carried (op->creds_sent), never by loading credentials here. */
static wasmpack_error_reason auth_reason(const wp_reg_op *op, const wp_http_response *resp)
{
	if (resp->status == 403)
		return WASMPACK_REASON_DENIED;
	if (!op->creds_sent)
		return WASMPACK_REASON_NO_CREDENTIALS;
	return scope_insufficient(resp) ? WASMPACK_REASON_DENIED
					: WASMPACK_REASON_CREDENTIALS_REFUSED;
}

/* The status decides, and for a 4xx it does not settle (400, 409, 416
 * ...) the distribution error code does. */
static status_meaning status_meaning_of(const wp_reg_op *op, const wp_http_response *resp,
					const char *ecode)
{
	static const char *const unknown[] = {"NAME_UNKNOWN", "MANIFEST_UNKNOWN", "BLOB_UNKNOWN",
					      "BLOB_UPLOAD_UNKNOWN"};
	static const char *const invalid[] = {"SIZE_INVALID", "MANIFEST_BLOB_UNKNOWN",
					      "MANIFEST_UNVERIFIED"};
	long status = resp->status;
	status_meaning m = {WASMPACK_EINVALID, WASMPACK_REASON_INVALID_INPUT};

	if (status == 401 || status == 403)
		return (status_meaning){WASMPACK_EAUTH, auth_reason(op, resp)};
	if (status == 404)
		return (status_meaning){WASMPACK_ENOTFOUND, WASMPACK_REASON_NOT_FOUND_REMOTE};
	if (status == 429)
		return (status_meaning){WASMPACK_ENETWORK, WASMPACK_REASON_RATE_LIMITED};
	if (status == 408 || status >= 500)
		return (status_meaning){status == 501 ? WASMPACK_EUNSUPPORTED : WASMPACK_ENETWORK,
					status == 501 ? WASMPACK_REASON_UNSUPPORTED
						      : WASMPACK_REASON_REGISTRY};
	if (answer_is_tls_server(resp))
		return (status_meaning){WASMPACK_ENETWORK, WASMPACK_REASON_PLAIN_HTTP_TO_TLS};
	if (status == 405)
		m = (status_meaning){WASMPACK_EUNSUPPORTED, WASMPACK_REASON_UNSUPPORTED};
	else if (status == 413)
		m = (status_meaning){WASMPACK_ETOOLARGE, WASMPACK_REASON_TOO_LARGE};
	else if (status < 400)
		m = (status_meaning){WASMPACK_ERROR, WASMPACK_REASON_REGISTRY};
	if (!ecode[0])
		return m;
	if (ecode_is(ecode, unknown, sizeof(unknown) / sizeof(unknown[0])))
		return (status_meaning){WASMPACK_ENOTFOUND, WASMPACK_REASON_NOT_FOUND_REMOTE};
	if (strcmp(ecode, "UNAUTHORIZED") == 0 || strcmp(ecode, "DENIED") == 0)
		return (status_meaning){WASMPACK_EAUTH, auth_reason(op, resp)};
	if (strcmp(ecode, "UNSUPPORTED") == 0)
		return (status_meaning){WASMPACK_EUNSUPPORTED, WASMPACK_REASON_UNSUPPORTED};
	if (strcmp(ecode, "TOOMANYREQUESTS") == 0)
		return (status_meaning){WASMPACK_ENETWORK, WASMPACK_REASON_RATE_LIMITED};
	if (strstr(ecode, "_INVALID") ||
	    ecode_is(ecode, invalid, sizeof(invalid) / sizeof(invalid[0])))
		return (status_meaning){WASMPACK_EINVALID, WASMPACK_REASON_INVALID_INPUT};
	return m;
}

static int body_looks_html(const wp_http_response *resp)
{
	const char *ct = wp_http_header_get(resp, "Content-Type");
	const unsigned char *b = resp->body.data;
	size_t i = 0;
	if (ct && (strstr(ct, "html") || strstr(ct, "HTML")))
		return 1;
	while (b && i < resp->body.size &&
	       (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n'))
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
		static const char *const keys[] = {"error_description", "details", "message",
						   "error"};
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

/* Facts to add to an authentication failure: whose credentials, where.
 * Reads only what the client already holds: formatting an error never
 * loads credentials or starts a helper. */
static void auth_detail(char *out, size_t outsz, const wp_reg_op *op, wasmpack_error_reason reason)
{
	wasmpack_registry *r = op->r;
	char user[128];
	pthread_mutex_lock(&r->lock);
	quote_text(user, sizeof(user), r->username ? r->username : "",
		   r->username ? strlen(r->username) : 0, sizeof(user) - 1);
	pthread_mutex_unlock(&r->lock);
	if (reason == WASMPACK_REASON_NO_CREDENTIALS)
		snprintf(out, outsz, " (no credentials for %s)", r->name);
	else if (reason == WASMPACK_REASON_DENIED && user[0])
		snprintf(out, outsz, " (%s denies this to user '%s')", r->name, user);
	else if (reason == WASMPACK_REASON_DENIED)
		snprintf(out, outsz, " (%s denies this)", r->name);
	else
		snprintf(out, outsz, " (the credentials of user '%s' were refused by %s)", user,
			 r->name);
}

static void rate_limit_detail(char *out, size_t outsz, const wp_reg_op *op,
			      const wp_http_response *resp)
{
	const char *limit = wp_http_header_get(resp, "ratelimit-limit");
	const char *remaining = wp_http_header_get(resp, "ratelimit-remaining");
	char ql[64], qr[64];
	quote_text(ql, sizeof(ql), limit, limit ? strlen(limit) : 0, sizeof(ql) - 1);
	quote_text(qr, sizeof(qr), remaining, remaining ? strlen(remaining) : 0, sizeof(qr) - 1);
	/* When it resets, if the answer says: the user decides whether to
	 * wait for it (the retries gave up when it was too far off). */
	char when[96] = "";
	long reset = wp_http_rate_limit_reset_ms(resp);
	if (reset > 0) {
		time_t at = time(NULL) + reset / 1000;
		struct tm tm;
		char stamp[32] = "";
		if (gmtime_r(&at, &tm))
			strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S UTC", &tm);
		long s = (reset + 999) / 1000;
		if (s >= 3600)
			snprintf(when, sizeof(when), "; it resets in %ld h %02ld min, at %s",
				 s / 3600, s / 60 % 60, stamp);
		else if (s >= 60)
			snprintf(when, sizeof(when), "; it resets in %ld min %02ld s, at %s",
				 s / 60, s % 60, stamp);
		else
			snprintf(when, sizeof(when), "; it resets in %ld s", s);
	}
	if (limit || remaining)
		snprintf(out, outsz,
			 " (rate limit of %s: ratelimit-limit %s, ratelimit-remaining %s%s)",
			 op->r->name, limit ? ql : "?", remaining ? qr : "?", when);
	else
		snprintf(out, outsz, " (%s is rate limiting%s)", op->r->name, when);
}

int wp_reg_status_error(const wp_reg_op *op, const wp_http_response *resp)
{
	char text[WP_REG_QUOTE_MAX + 96], ecode[64], detail[400] = "";
	long status = resp->status;

	if (!read_error_body(text, sizeof(text), ecode, sizeof(ecode), resp)) {
		ecode[0] = '\0';
		if (resp->body.size && !body_looks_html(resp) && body_is_text(resp)) {
			char q[WP_REG_QUOTE_MAX + 1];
			quote_text(q, sizeof(q), (const char *)resp->body.data, resp->body.size,
				   WP_REG_QUOTE_MAX);
			snprintf(text, sizeof(text), "%s%s%s", reason_phrase(status),
				 q[0] ? ": " : "", q);
		} else {
			snprintf(text, sizeof(text), "%s", reason_phrase(status));
		}
	}
	status_meaning m = status_meaning_of(op, resp, ecode);
	if (m.code == WASMPACK_EAUTH)
		auth_detail(detail, sizeof(detail), op, m.reason);
	else if (m.reason == WASMPACK_REASON_RATE_LIMITED)
		rate_limit_detail(detail, sizeof(detail), op, resp);
	else if (m.reason == WASMPACK_REASON_PLAIN_HTTP_TO_TLS)
		snprintf(detail, sizeof(detail), " (a TLS server answered a plain-http request)");
	wp_error_why(m.code, m.reason, "%ld %s%s", status, text, detail);
	wp_error_set_http(status, ecode[0] ? ecode : NULL);
	return m.code;
}

/* ------------------------------------------------------------------ */
/* The client                                                          */

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

/* A CA file that cannot be read is the caller's mistake, told before any
 * request rather than as a TLS failure of the first one. */
static int check_ca_file(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return wp_error_os("read CA file", path);
	int isdir = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
	close(fd);
	if (isdir) {
		errno = EISDIR;
		return wp_error_os("read CA file", path);
	}
	return 0;
}

int wasmpack_registry_new(wasmpack_registry **out, const char *registry,
			  const wasmpack_registry_options *opts)
{
	wasmpack_registry *r = NULL;
	int error;
	if (!out)
		return wp_error_why(WASMPACK_EINVALID, WASMPACK_REASON_INVALID_ARGUMENT,
				    "registry: no output");
	*out = NULL;
	if (!registry || !registry_name_valid(registry))
		return wp_error_why(WASMPACK_EINVALID, WASMPACK_REASON_INVALID_ARGUMENT,
				    "invalid registry host '%s'", registry ? registry : "(null)");
	if (opts && (error = wp_options_check(opts->version, WASMPACK_REGISTRY_OPTIONS_VERSION,
					      "registry")))
		return error;
	if (opts && opts->ca_file && (error = check_ca_file(opts->ca_file)))
		return error;
	if ((error = wp_http_global_init()))
		return error;
	if (!(r = calloc(1, sizeof(*r)))) {
		wp_http_global_cleanup();
		return wp_error_nomem();
	}
	/* A caller built against version 1 has a shorter struct: only its
	 * prefix is read, the rest stays zero (the defaults). The sizes are
	 * lib/options.c's, kept here too so the subsystem needs nothing above
	 * it. */
	static const size_t sizes[WASMPACK_REGISTRY_OPTIONS_VERSION] = {
		offsetof(wasmpack_registry_options, notice),
		sizeof(wasmpack_registry_options),
	};
	if ((error = wp_options_copy(&r->opts, sizeof(r->opts), opts, sizes,
				     WASMPACK_REGISTRY_OPTIONS_VERSION, "registry"))) {
		free(r);
		wp_http_global_cleanup();
		return error;
	}
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
	r->loopback = wp_reg_host_is_loopback(r->host);
	r->http_opts.insecure = r->opts.insecure;
	r->http_opts.ca_file = r->opts.ca_file;
	r->http_opts.low_speed_seconds = r->opts.low_speed_seconds;
	r->http_opts.max_retries = r->opts.max_retries;
	r->http_opts.retry_max_ms = r->opts.retry_max_ms;
	r->http_opts.log = r->opts.log;
	r->http_opts.log_payload = r->opts.log_payload;
	r->http_opts.notice = r->opts.notice;
	r->http_opts.notice_payload = r->opts.notice_payload;
	/* A day at most: the waits are summed in microseconds. */
	if (r->opts.retry_max_time_ms > 86400000L)
		r->opts.retry_max_time_ms = 86400000L;
	r->http_opts.retry_total_ms = r->opts.retry_max_time_ms;
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
	wp_secret_free(r->password);
	wp_secret_free(r->identity_token);
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
		atomic_fetch_add(&op->r->requests,
				 (uint64_t)(resp.attempts > 0 ? resp.attempts : 1));
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
	wp_error_state tls_failure;
	wp_error_save(&tls_failure);
	/* A server that answered the TLS hello in plain HTTP needs no second
	 * probe: the first real request over http confirms it. */
	if (peer_speaks_plain_http(tls_failure.message)) {
		wp_reg_log(r, "* %s does not speak TLS; using plain http (loopback)", r->host);
		r->base = http;
		free(https);
		error = 0;
		goto done;
	}
	status = 0;
	int http_error = probe(&status, op, http, 0);
	if (!http_error && (status == 200 || status == 401)) {
		wp_reg_log(r, "* %s does not speak TLS; using plain http (loopback)", r->host);
		r->base = http;
		free(https);
		error = 0;
		goto done;
	}
	free(https);
	free(http);
	/* A TLS server whose certificate failed is the news; when nothing
	 * answered either way, the last address tried (http) is. */
	if (http_error && tls_failure.reason != WASMPACK_REASON_TLS &&
	    tls_failure.reason != WASMPACK_REASON_TLS_VERIFY)
		error = http_error;
	else
		error = wp_error_restore(&tls_failure);
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
		return wp_error_why(WASMPACK_EINVALID, WASMPACK_REASON_INVALID_ARGUMENT,
				    "registry: no client");
	if (repository &&
	    (error = wp_reg_repository(&op->repository_owned, &op->repository, r, repository)))
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
		return wp_error_why(WASMPACK_EINVALID, WASMPACK_REASON_INVALID_ARGUMENT,
				    "invalid repository name '%s'", name ? name : "(null)");
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
/* Ping                                                                */

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
	if ((error = wp_reg_op_begin(&op, r, NULL, NULL)) ||
	    (error = wp_reg_url(&url, &op, NULL, "")))
		goto done;
	req.method = "GET";
	req.url = url;
	req.body_fd = -1;
	if ((error = wp_reg_http(&resp, &op, &req)))
		goto done;
	if (resp.status == 200 || (resp.status == 401 && has_challenge(&resp)))
		goto done;
	if (resp.status == 404) {
		error = wp_error_why(WASMPACK_ENOTFOUND, WASMPACK_REASON_NOT_FOUND_REMOTE,
				     "GET /v2/ answered 404: not a registry");
		wp_error_set_http(404, NULL);
	} else
		error = wp_reg_status_error(&op, &resp);
done:
	if (error && r)
		wp_error_prefix("cannot reach registry %s: ", r->name);
	wp_http_response_dispose(&resp);
	free(url);
	wp_reg_op_end(&op);
	return error;
}
