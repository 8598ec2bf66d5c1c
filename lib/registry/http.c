/* The HTTP layer over libcurl: one easy handle per client (so connections
 * stay open), redirects, retries, body replay and size caps done here
 * rather than by curl, so credentials and replays stay under our control. */
#include "registry/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "util/error.h"
#include "util/fs.h"

/* Error bodies are for messages: keep this much, then discard up to
 * ERROR_DISCARD_MAX more so the connection can be reused, then hang up. */
#define ERROR_BODY_MAX (64 * 1024)
#define ERROR_DISCARD_MAX (1024 * 1024)
/* What one response's header section may make us hold. */
#define HEADERS_MAX_COUNT 256
#define HEADERS_MAX_BYTES (256 * 1024)
/* Room for a URL in messages and log lines (longer ones are cut). */
#define URL_SHOWN_MAX 768
/* Retry-After values beyond this many seconds are read as this. */
#define RETRY_AFTER_MAX_S 86400L

struct wp_http {
	CURL *curl;
	wp_http_options opts; /* defaults applied; strings borrowed */
	int retries;          /* attempts allowed after the first */
	uint64_t rng;         /* jitter state */
	long long deadline_us; /* wp_http_deadline_set; 0 = none */
	char errbuf[CURL_ERROR_SIZE];
};

/* ------------------------------------------------------------------ */
/* Global init, refcounted                                             */

static pthread_mutex_t global_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long global_refs;

int wp_http_global_init(void)
{
	int error = 0;
	pthread_mutex_lock(&global_lock);
	if (global_refs == 0) {
		CURLcode cc = curl_global_init(CURL_GLOBAL_DEFAULT);
		if (cc != CURLE_OK)
			error = wp_error(WASMPACK_ERROR, "cannot initialize libcurl: %s",
					 curl_easy_strerror(cc));
	}
	if (!error)
		global_refs++;
	pthread_mutex_unlock(&global_lock);
	return error;
}

void wp_http_global_cleanup(void)
{
	pthread_mutex_lock(&global_lock);
	if (global_refs > 0 && --global_refs == 0)
		curl_global_cleanup();
	pthread_mutex_unlock(&global_lock);
}

/* ------------------------------------------------------------------ */
/* URLs: redaction for messages, resolution, origins                   */

typedef struct outbuf {
	char *p;
	size_t cap, len;
} outbuf;

static void out_put(outbuf *o, const char *s, size_t n)
{
	if (o->cap == 0)
		return;
	size_t room = o->cap - 1 - o->len;
	if (n > room)
		n = room;
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static int ci_contains(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= n; i++)
		if (strncasecmp(s + i, needle, k) == 0)
			return 1;
	return 0;
}

/* Query parameters whose values are credentials or upload state, with
 * the names CDNs give their signed-URL parameters (Docker Hub's "verify",
 * Akamai's "hdnts"/"hdnea", "auth", "jwt", CloudFront's "Policy"). Names
 * not listed still pass on the registry's own URLs; on a redirect target
 * every value is hidden (redact_seen). */
static int secret_param(const char *key, size_t n)
{
	static const char *const exact[] = {"_state", "sig",   "code",   "key", "verify",
					    "hdnts",  "hdnea", "policy", NULL};
	static const char *const parts[] = {"token",      "secret", "passw", "signature",
					    "credential", "auth",   "jwt",   NULL};
	for (size_t i = 0; exact[i]; i++)
		if (strlen(exact[i]) == n && strncasecmp(key, exact[i], n) == 0)
			return 1;
	for (size_t i = 0; parts[i]; i++)
		if (ci_contains(key, n, parts[i]))
			return 1;
	return 0;
}

/* Writes url into buf with user info and secret query values (every
 * query value when all is set) replaced by "***", cut to fit. Never
 * allocates, so it works when memory is short. */
static const char *redact_url_values(char *buf, size_t cap, const char *url, int all)
{
	outbuf o = {buf, cap, 0};
	buf[0] = '\0';
	if (!url)
		return buf;
	const char *p = url;
	const char *sep = strstr(url, "://");
	if (sep) {
		const char *auth = sep + 3;
		size_t alen = strcspn(auth, "/?#");
		const char *at = NULL;
		for (const char *c = auth; c < auth + alen; c++)
			if (*c == '@')
				at = c;
		if (at) {
			out_put(&o, url, (size_t)(auth - url));
			out_put(&o, "***", 3);
			p = at;
		}
	}
	size_t head = strcspn(p, "?#");
	out_put(&o, p, head);
	p += head;
	if (*p != '?') {
		out_put(&o, p, strlen(p));
		return buf;
	}
	out_put(&o, "?", 1);
	p++;
	while (*p && *p != '#') {
		size_t plen = strcspn(p, "&#");
		size_t klen = strcspn(p, "=&#");
		if (klen < plen && (all || secret_param(p, klen))) {
			out_put(&o, p, klen);
			out_put(&o, "=***", 4);
		} else {
			out_put(&o, p, plen);
		}
		p += plen;
		if (*p == '&') {
			out_put(&o, "&", 1);
			p++;
		}
	}
	out_put(&o, p, strlen(p));
	return buf;
}

static const char *redact_url(char *buf, size_t cap, const char *url)
{
	return redact_url_values(buf, cap, url, 0);
}

/* url, reached while asking for `asked`: a URL on another origin is a
 * redirect target (a CDN, a storage bucket), whose parameter names this
 * file cannot know, so all its query values are hidden. */
static const char *redact_seen(char *buf, size_t cap, const char *url, const char *asked)
{
	int all = asked && url != asked && !wp_http_same_origin(url, asked);
	return redact_url_values(buf, cap, url, all);
}

int wp_http_url_resolve(char **out, const char *base, const char *ref)
{
	char shown[URL_SHOWN_MAX];
	char *got = NULL;
	int error = 0;
	*out = NULL;
	CURLU *u = curl_url();
	if (!u)
		return wp_error_nomem();
	if (!base || curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK) {
		error = wp_error(WASMPACK_EINVALID, "invalid URL '%s'",
				 redact_url(shown, sizeof(shown), base));
		goto done;
	}
	/* A relative ref is resolved against what the handle holds; a bare
	 * fragment only replaces the fragment (curl would drop the last path
	 * segment). */
	CURLUcode uc = !ref ? CURLUE_BAD_HANDLE
		       : ref[0] == '#'
			       ? curl_url_set(u, CURLUPART_FRAGMENT, ref[1] ? ref + 1 : NULL, 0)
			       : curl_url_set(u, CURLUPART_URL, ref, 0);
	if (uc != CURLUE_OK) {
		error = wp_error(WASMPACK_EINVALID, "cannot resolve '%s' against '%s'",
				 ref ? redact_url(shown, sizeof(shown), ref) : "",
				 redact_url(shown + sizeof(shown) / 2, sizeof(shown) / 2, base));
		goto done;
	}
	if (curl_url_get(u, CURLUPART_URL, &got, 0) != CURLUE_OK) {
		error = wp_error(WASMPACK_EINVALID, "cannot resolve '%s'",
				 redact_url(shown, sizeof(shown), ref));
		goto done;
	}
	*out = wp_strdup(got);
	if (!*out)
		error = WASMPACK_ENOMEM;
done:
	curl_free(got);
	curl_url_cleanup(u);
	return error;
}

typedef struct origin {
	char *scheme, *host, *port;
} origin;

static void origin_dispose(origin *o)
{
	curl_free(o->scheme);
	curl_free(o->host);
	curl_free(o->port);
	memset(o, 0, sizeof(*o));
}

/* 0 when url parses into scheme, host and port (the scheme's default
 * port when none is written). */
static int origin_of(origin *o, const char *url)
{
	memset(o, 0, sizeof(*o));
	if (!url)
		return -1;
	CURLU *u = curl_url();
	if (!u)
		return -1;
	int ok = curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
		 curl_url_get(u, CURLUPART_SCHEME, &o->scheme, 0) == CURLUE_OK &&
		 curl_url_get(u, CURLUPART_HOST, &o->host, 0) == CURLUE_OK &&
		 curl_url_get(u, CURLUPART_PORT, &o->port, CURLU_DEFAULT_PORT) == CURLUE_OK;
	curl_url_cleanup(u);
	if (!ok) {
		origin_dispose(o);
		return -1;
	}
	return 0;
}

int wp_http_same_origin(const char *a, const char *b)
{
	origin x = {NULL, NULL, NULL}, y = {NULL, NULL, NULL};
	int same = 0;
	if (origin_of(&x, a) == 0 && origin_of(&y, b) == 0)
		same = strcasecmp(x.scheme, y.scheme) == 0 && strcasecmp(x.host, y.host) == 0 &&
		       strcmp(x.port, y.port) == 0;
	origin_dispose(&x);
	origin_dispose(&y);
	return same;
}

/* "http", "https" or NULL for anything else (or an unparsable URL). */
static const char *web_scheme(const char *url)
{
	origin o;
	const char *s = NULL;
	if (origin_of(&o, url) == 0) {
		if (strcasecmp(o.scheme, "https") == 0)
			s = "https";
		else if (strcasecmp(o.scheme, "http") == 0)
			s = "http";
	}
	origin_dispose(&o);
	return s;
}

/* ------------------------------------------------------------------ */
/* Clients                                                             */

int wp_http_new(wp_http **out, const wp_http_options *opts)
{
	*out = NULL;
	/* Each client holds a global reference, so curl's global state lives
	 * exactly as long as some client does. */
	int error = wp_http_global_init();
	if (error)
		return error;
	wp_http *h = calloc(1, sizeof(*h));
	if (!h) {
		wp_http_global_cleanup();
		return wp_error_nomem();
	}
	if (opts)
		h->opts = *opts;
	wp_http_options *o = &h->opts;
	if (o->connect_timeout_ms <= 0)
		o->connect_timeout_ms = 10000;
	if (o->low_speed_bytes <= 0)
		o->low_speed_bytes = 1024;
	if (o->low_speed_seconds <= 0)
		o->low_speed_seconds = 30;
	h->retries = o->max_retries < 0 ? 0 : o->max_retries == 0 ? 4 : o->max_retries;
	if (o->retry_base_ms <= 0)
		o->retry_base_ms = 500;
	if (o->retry_max_ms <= 0)
		o->retry_max_ms = 10000;
	if (o->retry_total_ms == 0)
		o->retry_total_ms = 60000;
	else if (o->retry_total_ms > 86400000L)
		o->retry_total_ms = 86400000L; /* a day; summed in microseconds */
	if (o->max_redirects == 0)
		o->max_redirects = 5;
	else if (o->max_redirects < 0)
		o->max_redirects = 0;
	if (!o->user_agent)
		o->user_agent = "wasmpack/" WASMPACK_VERSION;
	const char *allow = getenv("WASMPACK_ALLOW_LINK_LOCAL");
	if (allow && strcmp(allow, "1") == 0)
		o->allow_link_local = 1;

	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	h->rng = ((uint64_t)ts.tv_sec * 1000000007u) ^ (uint64_t)ts.tv_nsec ^
		 (uint64_t)(uintptr_t)h ^ ((uint64_t)getpid() << 32);
	if (!h->rng)
		h->rng = 0x9e3779b97f4a7c15u;

	h->curl = curl_easy_init();
	if (!h->curl) {
		free(h);
		wp_http_global_cleanup();
		return wp_error(WASMPACK_ENOMEM, "cannot create a libcurl handle");
	}
	*out = h;
	return 0;
}

void wp_http_free(wp_http *h)
{
	if (!h)
		return;
	curl_easy_cleanup(h->curl);
	free(h);
	wp_http_global_cleanup();
}

/* ------------------------------------------------------------------ */
/* Responses                                                           */

static void headers_clear(wp_http_response *r)
{
	for (size_t i = 0; i < r->headers_count; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	free(r->headers);
	r->headers = NULL;
	r->headers_count = 0;
}

void wp_http_response_dispose(wp_http_response *r)
{
	if (!r)
		return;
	headers_clear(r);
	wasmpack_buf_dispose(&r->body);
	free(r->url);
	memset(r, 0, sizeof(*r));
}

const char *wp_http_header_get(const wp_http_response *r, const char *name)
{
	if (!r || !name)
		return NULL;
	for (size_t i = 0; i < r->headers_count; i++)
		if (strcasecmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

/* ------------------------------------------------------------------ */
/* One attempt                                                         */

/* State of one curl_easy_perform. */
typedef struct xfer {
	wp_http *h;
	const wp_http_request *req;
	const char *url;
	wp_http_response *resp;
	long status;
	size_t header_bytes;
	size_t max_body; /* for 2xx bodies kept in memory */
	size_t body_alloc;
	size_t discarded; /* error body bytes beyond ERROR_BODY_MAX */
	int truncated;    /* we hung up on a long error body: not a failure */
	uint64_t *sunk;   /* bytes handed to the sink, over all attempts */
	int abort_code;   /* set when one of our callbacks stopped curl */
	/* request body */
	const unsigned char *mem;
	int fd;
	int64_t offset, len, pos;
	int64_t reported; /* body bytes last handed to upload_progress */
} xfer;

static int is_2xx(long status) { return status >= 200 && status < 300; }

static size_t trim_end(const char *s, size_t n)
{
	while (n > 0 &&
	       (s[n - 1] == '\r' || s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n;
}

static char *dup_range(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static size_t header_cb(char *data, size_t size, size_t nitems, void *payload)
{
	xfer *x = payload;
	size_t total = size * nitems;
	size_t n = trim_end(data, total);
	char shown[URL_SHOWN_MAX];

	if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		/* A new response (after a 1xx, or the only one): start over. */
		headers_clear(x->resp);
		x->header_bytes = total;
		x->status = 0;
		size_t i = 5;
		while (i < n && data[i] != ' ')
			i++;
		while (i < n && data[i] == ' ')
			i++;
		for (int k = 0; k < 3 && i < n && data[i] >= '0' && data[i] <= '9'; k++, i++)
			x->status = x->status * 10 + (data[i] - '0');
		return total;
	}
	x->header_bytes += total;
	if (x->header_bytes > HEADERS_MAX_BYTES || x->resp->headers_count >= HEADERS_MAX_COUNT) {
		x->abort_code = wp_error(WASMPACK_ETOOLARGE,
					 "response headers from %s exceed %d bytes or %d fields",
					 redact_seen(shown, sizeof(shown), x->url, x->req->url),
					 HEADERS_MAX_BYTES, HEADERS_MAX_COUNT);
		return 0;
	}
	if (n == 0)
		return total;
	if ((data[0] == ' ' || data[0] == '\t') && x->resp->headers_count > 0) {
		/* obs-fold: a continuation of the previous field's value */
		wp_http_header *last = &x->resp->headers[x->resp->headers_count - 1];
		size_t s = 0;
		while (s < n && (data[s] == ' ' || data[s] == '\t'))
			s++;
		size_t old = strlen(last->value);
		char *v = realloc(last->value, old + 1 + (n - s) + 1);
		if (!v)
			goto nomem;
		v[old] = ' ';
		memcpy(v + old + 1, data + s, n - s);
		v[old + 1 + n - s] = '\0';
		last->value = v;
		return total;
	}
	const char *colon = memchr(data, ':', n);
	if (!colon)
		return total; /* not a field; ignore it */
	size_t nlen = trim_end(data, (size_t)(colon - data));
	const char *v = colon + 1;
	while (v < data + n && (*v == ' ' || *v == '\t'))
		v++;
	wp_http_header *grown = realloc(x->resp->headers,
					(x->resp->headers_count + 1) * sizeof(*grown));
	if (!grown)
		goto nomem;
	x->resp->headers = grown;
	wp_http_header *hd = &grown[x->resp->headers_count];
	hd->name = dup_range(data, nlen);
	hd->value = dup_range(v, (size_t)(data + n - v));
	if (!hd->name || !hd->value) {
		free(hd->name);
		free(hd->value);
		goto nomem;
	}
	x->resp->headers_count++;
	return total;
nomem:
	x->abort_code = wp_error_nomem();
	return 0;
}

static size_t body_cb(char *data, size_t size, size_t nitems, void *payload)
{
	xfer *x = payload;
	size_t n = size * nitems;
	char shown[URL_SHOWN_MAX];
	wasmpack_buf *b = &x->resp->body;

	if (is_2xx(x->status) && x->req->sink) {
		int rc = x->req->sink(data, n, x->req->sink_payload);
		if (rc != 0) {
			x->abort_code = rc < 0 ? rc
					       : wp_error(WASMPACK_ERROR,
							  "cannot store the response of %s",
							  redact_seen(shown, sizeof(shown), x->url,
								      x->req->url));
			return 0;
		}
		*x->sunk += n;
		return n;
	}
	size_t cap = is_2xx(x->status) ? x->max_body : ERROR_BODY_MAX;
	int hang_up = 0;
	if (!is_2xx(x->status) && b->size + n > cap) {
		size_t keep = cap - b->size;
		x->discarded += n - keep;
		n = keep;
		/* past this, reading on costs more than a new connection */
		hang_up = x->discarded > ERROR_DISCARD_MAX;
	} else if (b->size + n > cap) {
		x->abort_code = wp_error(
			WASMPACK_ETOOLARGE, "response body of %s is larger than %zu bytes",
			redact_seen(shown, sizeof(shown), x->url, x->req->url), cap);
		return 0;
	}
	if (n == 0)
		goto kept;
	if (b->size + n + 1 > x->body_alloc) {
		size_t want = x->body_alloc ? x->body_alloc : 16384;
		while (want < b->size + n + 1)
			want *= 2;
		if (want > cap + 1)
			want = cap + 1;
		unsigned char *g = realloc(b->data, want);
		if (!g) {
			x->abort_code = wp_error_nomem();
			return 0;
		}
		b->data = g;
		x->body_alloc = want;
	}
	memcpy(b->data + b->size, data, n);
	b->size += n;
	b->data[b->size] = '\0';
kept:
	if (hang_up) {
		x->truncated = 1;
		return 0;
	}
	return size * nitems;
}

static size_t read_cb(char *buf, size_t size, size_t nitems, void *payload)
{
	xfer *x = payload;
	char shown[URL_SHOWN_MAX];
	size_t want = size * nitems;
	int64_t left = x->len - x->pos;
	if ((int64_t)want > left)
		want = (size_t)left;
	if (want == 0)
		return 0;
	if (x->mem) {
		memcpy(buf, x->mem + x->pos, want);
		x->pos += (int64_t)want;
		return want;
	}
	for (;;) {
		ssize_t got = pread(x->fd, buf, want, (off_t)(x->offset + x->pos));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			x->abort_code = wp_error(
				WASMPACK_EIO, "cannot read the request body for %s: %s",
				redact_seen(shown, sizeof(shown), x->url, x->req->url),
				got < 0 ? strerror(errno) : "file ended early");
			return CURL_READFUNC_ABORT;
		}
		x->pos += got;
		return (size_t)got;
	}
}

/* curl rewinds through this when it resends on a reused connection that
 * turned out dead (and for multi-pass auth, which we never enable). */
static int seek_cb(void *payload, curl_off_t offset, int whence)
{
	xfer *x = payload;
	if (whence != SEEK_SET)
		return CURL_SEEKFUNC_CANTSEEK;
	if (offset < 0 || offset > x->len)
		return CURL_SEEKFUNC_FAIL;
	x->pos = offset;
	return CURL_SEEKFUNC_OK;
}

/* Upload progress: curl calls this often (also while waiting); the
 * caller hears of new bytes only, every 64 KiB or so and at the end. */
static int xferinfo_cb(void *payload, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	xfer *x = payload;
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	if (ulnow > x->len)
		ulnow = (curl_off_t)x->len;
	if (ulnow > x->reported && (ulnow - x->reported >= 64 * 1024 || ulnow == x->len)) {
		x->reported = ulnow;
		x->req->upload_progress((int64_t)ulnow, x->req->upload_payload);
	}
	return 0;
}

/* "name:" at the start of a header line, any case. */
static int header_named(const char *line, const char *name)
{
	size_t n = strlen(name);
	return strncasecmp(line, name, n) == 0 &&
	       (line[n] == ':' || line[n] == ';' || line[n] == ' ');
}

static int has_line_break(const char *s) { return s && strpbrk(s, "\r\n") != NULL; }

static int build_headers(struct curl_slist **out, const wp_http_request *req, const char *method,
			 int send_auth)
{
	struct curl_slist *list = NULL, *next;
	int have_ctype = 0, have_expect = 0;
	*out = NULL;
	for (size_t i = 0; i < req->headers_count; i++) {
		const char *line = req->headers[i];
		if (!line)
			continue;
		/* Credentials passed as plain headers obey the origin rule too. */
		if (header_named(line, "authorization") && !send_auth)
			continue;
		if (header_named(line, "content-type"))
			have_ctype = 1;
		if (header_named(line, "expect"))
			have_expect = 1;
		if (!(next = curl_slist_append(list, line)))
			goto nomem;
		list = next;
	}
	if (send_auth && req->authorization) {
		char *line = wp_asprintf("Authorization: %s", req->authorization);
		if (!line)
			goto fail;
		next = curl_slist_append(list, line);
		free(line);
		if (!next)
			goto nomem;
		list = next;
	}
	/* curl waits for "100 Continue" on big uploads; registries and
	 * proxies often never send it. */
	if (!have_expect) {
		if (!(next = curl_slist_append(list, "Expect:")))
			goto nomem;
		list = next;
	}
	/* A POST would otherwise claim to be a form. */
	if (!have_ctype && strcmp(method, "POST") == 0) {
		if (!(next = curl_slist_append(list, "Content-Type:")))
			goto nomem;
		list = next;
	}
	*out = list;
	return 0;
nomem:
	wp_error_nomem();
fail:
	curl_slist_free_all(list);
	return WASMPACK_ENOMEM;
}

#define SETOPT(opt, val)                                    \
	do {                                                \
		if (cc == CURLE_OK)                         \
			cc = curl_easy_setopt(c, opt, val); \
	} while (0)

/* Sets up the handle for one request; the body (if any) comes from x. */
static int setup(wp_http *h, xfer *x, const char *method, int with_body, struct curl_slist *headers)
{
	CURL *c = h->curl;
	CURLcode cc = CURLE_OK;
	const wp_http_options *o = &h->opts;

	/* Back to defaults, keeping the connection cache. */
	curl_easy_reset(c);
	h->errbuf[0] = '\0';
	SETOPT(CURLOPT_URL, x->url);
	SETOPT(CURLOPT_ERRORBUFFER, h->errbuf);
	SETOPT(CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
	SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
#else
	SETOPT(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
	SETOPT(CURLOPT_USERAGENT, o->user_agent);
	SETOPT(CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
	SETOPT(CURLOPT_LOW_SPEED_LIMIT, o->low_speed_bytes);
	SETOPT(CURLOPT_LOW_SPEED_TIME, o->low_speed_seconds);
	SETOPT(CURLOPT_TCP_KEEPALIVE, 1L);
	if (o->insecure) {
		SETOPT(CURLOPT_SSL_VERIFYPEER, 0L);
		SETOPT(CURLOPT_SSL_VERIFYHOST, 0L);
	}
	/* CAINFO replaces the default bundle file; the default CA directory
	 * (CAPATH, /etc/ssl/certs on Debian) stays set, and OpenSSL searches
	 * both, so the system roots remain trusted beside ca_file. A curl
	 * built without a CA directory trusts ca_file alone. */
	if (o->ca_file)
		SETOPT(CURLOPT_CAINFO, o->ca_file);
	SETOPT(CURLOPT_HTTPHEADER, headers);
	SETOPT(CURLOPT_HEADERFUNCTION, header_cb);
	SETOPT(CURLOPT_HEADERDATA, x);
	SETOPT(CURLOPT_WRITEFUNCTION, body_cb);
	SETOPT(CURLOPT_WRITEDATA, x);

	if (strcmp(method, "HEAD") == 0) {
		SETOPT(CURLOPT_NOBODY, 1L);
	} else if (strcmp(method, "POST") == 0) {
		SETOPT(CURLOPT_POST, 1L);
		if (with_body) {
			SETOPT(CURLOPT_READFUNCTION, read_cb);
			SETOPT(CURLOPT_READDATA, x);
			SETOPT(CURLOPT_SEEKFUNCTION, seek_cb);
			SETOPT(CURLOPT_SEEKDATA, x);
			SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->len);
		} else {
			/* Content-Length: 0, and nothing read from stdin */
			SETOPT(CURLOPT_POSTFIELDS, "");
			SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
		}
	} else if (strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0) {
		SETOPT(CURLOPT_UPLOAD, 1L);
		SETOPT(CURLOPT_READFUNCTION, read_cb);
		SETOPT(CURLOPT_READDATA, x);
		SETOPT(CURLOPT_SEEKFUNCTION, seek_cb);
		SETOPT(CURLOPT_SEEKDATA, x);
		SETOPT(CURLOPT_INFILESIZE_LARGE, (curl_off_t)(with_body ? x->len : 0));
		if (method[1] == 'A')
			SETOPT(CURLOPT_CUSTOMREQUEST, "PATCH");
	} else if (strcmp(method, "DELETE") == 0) {
		SETOPT(CURLOPT_CUSTOMREQUEST, "DELETE");
	} else {
		SETOPT(CURLOPT_HTTPGET, 1L);
	}
	if (with_body && x->req->upload_progress) {
		SETOPT(CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
		SETOPT(CURLOPT_XFERINFODATA, x);
		SETOPT(CURLOPT_NOPROGRESS, 0L);
	}
	if (cc != CURLE_OK)
		return wp_error(cc == CURLE_OUT_OF_MEMORY ? WASMPACK_ENOMEM : WASMPACK_ERROR,
				"cannot set up the request: %s", curl_easy_strerror(cc));
	return 0;
}

#undef SETOPT

/* ------------------------------------------------------------------ */
/* Retries and logging                                                 */

static int retryable_status(long s)
{
	return s == 408 || s == 429 || s == 500 || s == 502 || s == 503 || s == 504;
}

/* Failures where no answer came and a new attempt may get one. TLS and
 * DNS failures are not here: they do not heal in seconds. */
static int retryable_curl(CURLcode cc)
{
	switch (cc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM: return 1;
	default: return 0;
	}
}

static uint64_t next_random(wp_http *h)
{
	/* xorshift64*: jitter needs spread, not secrecy */
	h->rng ^= h->rng >> 12;
	h->rng ^= h->rng << 25;
	h->rng ^= h->rng >> 27;
	return h->rng * 0x2545f4914f6cdd1du;
}

/* Full jitter: uniform in [0, min(max, base * 2^n)]. */
static long backoff_ms(wp_http *h, int n)
{
	long cap = h->opts.retry_base_ms;
	for (int i = 0; i < n && cap < h->opts.retry_max_ms; i++)
		cap *= 2;
	if (cap > h->opts.retry_max_ms)
		cap = h->opts.retry_max_ms;
	return (long)(next_random(h) % ((uint64_t)cap + 1));
}

/* Milliseconds asked by Retry-After (delta-seconds or HTTP-date), or -1. */
static long retry_after_ms(const wp_http_response *r)
{
	const char *v = wp_http_header_get(r, "Retry-After");
	if (!v || !*v)
		return -1;
	long secs = 0;
	if (*v >= '0' && *v <= '9') {
		for (const char *p = v; *p; p++) {
			if (*p < '0' || *p > '9')
				return *p == ' ' ? secs * 1000 : -1;
			if (secs < RETRY_AFTER_MAX_S)
				secs = secs * 10 + (*p - '0');
		}
	} else {
		time_t when = curl_getdate(v, NULL);
		if (when == (time_t)-1)
			return -1;
		time_t now = time(NULL);
		secs = when > now ? (long)(when - now) : 0;
	}
	if (secs > RETRY_AFTER_MAX_S)
		secs = RETRY_AFTER_MAX_S;
	return secs * 1000;
}

/* Seconds from a rate-limit header: delta seconds, or (beyond a year's
 * worth) a Unix time, as GitHub's x-ratelimit-reset is; -1 when absent or
 * not a number. Values after ';' (IETF's ";w=21600") are ignored. */
static long reset_header_ms(const wp_http_response *r, const char *name)
{
	const char *v = wp_http_header_get(r, name);
	long long secs = 0;
	if (!v || *v < '0' || *v > '9')
		return -1;
	for (; *v >= '0' && *v <= '9'; v++)
		if (secs < 100000000000LL)
			secs = secs * 10 + (*v - '0');
	if (secs > 365LL * 86400) {
		time_t now = time(NULL);
		secs = secs > (long long)now ? secs - (long long)now : 0;
	}
	if (secs > RETRY_AFTER_MAX_S)
		secs = RETRY_AFTER_MAX_S;
	return (long)secs * 1000;
}

long wp_http_rate_limit_reset_ms(const wp_http_response *r)
{
	long ms = retry_after_ms(r);
	if (ms < 0)
		ms = reset_header_ms(r, "ratelimit-reset");
	if (ms < 0)
		ms = reset_header_ms(r, "x-ratelimit-reset");
	return ms;
}

/* 1 when the answer says no request is left in the window:
 * ratelimit-remaining (IETF, Docker Hub: "0;w=21600") or
 * x-ratelimit-remaining (GitHub and others) of 0. */
static int rate_limit_spent(const wp_http_response *r)
{
	const char *names[] = {"ratelimit-remaining", "x-ratelimit-remaining"};
	for (size_t i = 0; i < 2; i++) {
		const char *v = wp_http_header_get(r, names[i]);
		if (!v)
			continue;
		while (*v == ' ')
			v++;
		if (v[0] == '0' && (v[1] < '0' || v[1] > '9'))
			return 1;
	}
	return 0;
}

/* The words after a retried status, for the retry notice. */
static const char *status_phrase(long s)
{
	switch (s) {
	case 408: return "Request Timeout";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "";
	}
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void log_line(wp_http *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void log_line(wp_http *h, const char *fmt, ...)
{
	char line[2048];
	if (!h->opts.log)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	for (char *p = line; *p; p++)
		if (*p == '\r' || *p == '\n')
			*p = ' ';
	h->opts.log(line, h->opts.log_payload);
}

/* Appends " name=value" for the response fields worth seeing in a log. */
static void log_response(wp_http *h, const wp_http_response *r, long status, const char *url,
			 const char *asked)
{
	char shown[URL_SHOWN_MAX], extra[512];
	outbuf o = {extra, sizeof(extra), 0};
	extra[0] = '\0';
	if (!h->opts.log)
		return;
	const char *v;
	if ((v = wp_http_header_get(r, "Docker-Content-Digest"))) {
		out_put(&o, " docker-content-digest=", 23);
		out_put(&o, v, strcspn(v, " \t"));
	}
	if ((v = wp_http_header_get(r, "Location"))) {
		/* the host only: paths carry upload state and signatures */
		const char *sep = strstr(v, "://");
		out_put(&o, " location=", 10);
		if (sep && (size_t)(sep - v) < strcspn(v, "/?#")) {
			const char *a = sep + 3;
			size_t alen = strcspn(a, "/?#");
			const char *at = memchr(a, '@', alen);
			if (at) {
				alen -= (size_t)(at + 1 - a);
				a = at + 1;
			}
			out_put(&o, a, alen);
		} else {
			out_put(&o, "(relative)", 10);
		}
	}
	if ((v = wp_http_header_get(r, "Retry-After"))) {
		out_put(&o, " retry-after=", 13);
		out_put(&o, v, strlen(v));
	}
	if ((v = wp_http_header_get(r, "RateLimit-Remaining"))) {
		out_put(&o, " ratelimit-remaining=", 21);
		out_put(&o, v, strlen(v));
	}
	log_line(h, "< %ld %s%s", status, redact_seen(shown, sizeof(shown), url, asked), extra);
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */

static const char *known_method(const char *m)
{
	static const char *const methods[] = {"GET",   "HEAD",   "PUT", "POST",
					      "PATCH", "DELETE", NULL};
	for (size_t i = 0; methods[i]; i++)
		if (strcmp(m, methods[i]) == 0)
			return methods[i];
	return NULL;
}

static int is_redirect(long s) { return s == 301 || s == 302 || s == 303 || s == 307 || s == 308; }

/* The method (and whether the body goes along) after a redirect. */
static const char *method_after_redirect(long status, const char *method, int *with_body)
{
	if (strcmp(method, "HEAD") == 0 || status == 307 || status == 308)
		return method;
	if (status == 303 || ((status == 301 || status == 302) && strcmp(method, "POST") == 0)) {
		*with_body = 0;
		return "GET";
	}
	return method;
}

static int check_request(const wp_http_request *req, const char **method, int *with_body)
{
	char shown[URL_SHOWN_MAX];
	if (!req->method || !(*method = known_method(req->method)))
		return wp_error(WASMPACK_EINVALID, "unsupported HTTP method '%s'",
				req->method ? req->method : "");
	if (!req->url || !web_scheme(req->url))
		return wp_error(WASMPACK_EINVALID, "not an http or https URL: '%s'",
				redact_url(shown, sizeof(shown), req->url));
	if (has_line_break(req->authorization))
		return wp_error(WASMPACK_EINVALID, "the authorization value holds a line break");
	for (size_t i = 0; i < req->headers_count; i++)
		if (has_line_break(req->headers[i]))
			return wp_error(WASMPACK_EINVALID, "a request header holds a line break");
	int mem = req->body && req->body_len > 0;
	int file = req->body_fd >= 0 && req->body_fd_len > 0;
	if (mem && file)
		return wp_error(WASMPACK_EINVALID,
				"a request body comes from memory or a file, not both");
	if (req->body_fd >= 0 && (req->body_fd_len < 0 || req->body_offset < 0))
		return wp_error(WASMPACK_EINVALID, "negative request body range");
	*with_body = mem || file;
	if (*with_body && (strcmp(*method, "GET") == 0 || strcmp(*method, "HEAD") == 0 ||
			   strcmp(*method, "DELETE") == 0))
		return wp_error(WASMPACK_EINVALID, "a %s request cannot carry a body", *method);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Why no answer came                                                  */

/* "scheme://host:port" of url into buf (the URL itself when it does not
 * parse): a connection failure concerns the address, not the path. */
static const char *origin_text(char *buf, size_t cap, const char *url)
{
	origin o;
	if (origin_of(&o, url) != 0)
		return redact_url(buf, cap, url);
	snprintf(buf, cap, "%s://%s:%s", o.scheme, o.host, o.port);
	origin_dispose(&o);
	return buf;
}

/* Elapsed time for messages: never "0 ms" for something that took time. */
static void duration_text(char *buf, size_t cap, long long us)
{
	if (us < 10000)
		snprintf(buf, cap, "%.1f ms", us < 100 ? 0.1 : (double)us / 1000.0);
	else if (us < 1000000)
		snprintf(buf, cap, "%lld ms", us / 1000);
	else
		snprintf(buf, cap, "%.1f s", (double)us / 1e6);
}

static long long monotonic_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The reason a transfer that got no (complete) answer failed. */
static wasmpack_error_reason transport_reason(CURLcode cc)
{
	switch (cc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY: return WASMPACK_REASON_DNS;
	case CURLE_COULDNT_CONNECT: return WASMPACK_REASON_CONNECTION_REFUSED;
	case CURLE_OPERATION_TIMEDOUT: return WASMPACK_REASON_TIMEOUT;
	case CURLE_PEER_FAILED_VERIFICATION: /* = CURLE_SSL_CACERT since 7.62 */
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS: return WASMPACK_REASON_TLS_VERIFY;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_USE_SSL_FAILED: return WASMPACK_REASON_TLS;
	default: return WASMPACK_REASON_CONNECTION;
	}
}

/* After a plain-http request got nothing back (or bytes that are not
 * HTTP): does the address complete a TLS handshake? Such a server reads
 * our request as a broken ClientHello and hangs up. Verification is off:
 * the question is only whether the peer speaks TLS. */
static int peer_speaks_tls(const wp_http *h, const char *url)
{
	origin o;
	int yes = 0;
	if (origin_of(&o, url) != 0)
		return 0;
	char *https = wp_asprintf("https://%s:%s/", o.host, o.port);
	origin_dispose(&o);
	CURL *c = https ? curl_easy_init() : NULL;
	if (c) {
		long ms = h->opts.connect_timeout_ms < 3000 ? h->opts.connect_timeout_ms : 3000;
		curl_easy_setopt(c, CURLOPT_URL, https);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms);
		yes = curl_easy_perform(c) == CURLE_OK;
		curl_easy_cleanup(c);
	}
	free(https);
	return yes;
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */

/* One wp_http_do: the request as it goes through redirects and retries. */
typedef struct exchange {
	wp_http *h;
	const wp_http_request *req;
	wp_http_response resp;
	struct curl_slist *headers;
	char *url;          /* where the next attempt goes */
	const char *method; /* changes on 303 and friends */
	int with_body;
	int auth_ok; /* falls for good at the first origin change */
	int hops, retries, attempts;
	int plain_checked; /* peer_speaks_tls was asked */
	uint64_t sunk;     /* bytes handed to the sink, all attempts */
	long status;
	long long started_us; /* before the first attempt */
	long long failed_us;  /* when the first retry was considered; 0 = not yet */
} exchange;

static void xfer_init(xfer *x, exchange *e)
{
	const wp_http_request *req = e->req;
	memset(x, 0, sizeof(*x));
	x->h = e->h;
	x->req = req;
	x->url = e->url;
	x->resp = &e->resp;
	x->max_body = req->max_body ? req->max_body : WP_HTTP_BODY_MAX;
	x->sunk = &e->sunk;
	x->fd = -1;
	if (!e->with_body)
		return;
	if (req->body && req->body_len > 0) {
		x->mem = req->body;
		x->len = (int64_t)req->body_len;
	} else {
		x->fd = req->body_fd;
		x->offset = req->body_offset;
		x->len = req->body_fd_len;
	}
}

/* Sends one attempt to e->url; *cc gets curl's verdict. */
static int attempt(exchange *e, xfer *x, CURLcode *cc)
{
	char shown[URL_SHOWN_MAX];
	int error;
	xfer_init(x, e);
	headers_clear(&e->resp);
	wasmpack_buf_dispose(&e->resp.body);

	/* The origin test here is a second lock on the auth_ok door. */
	int send_auth = e->auth_ok && wp_http_same_origin(e->url, e->req->url);
	curl_slist_free_all(e->headers);
	e->headers = NULL;
	if ((error = build_headers(&e->headers, e->req, e->method, send_auth)) ||
	    (error = setup(e->h, x, e->method, e->with_body, e->headers)))
		return error;
	log_line(e->h, "> %s %s", e->method,
		 redact_seen(shown, sizeof(shown), e->url, e->req->url));
	e->attempts++;
	*cc = curl_easy_perform(e->h->curl);
	return 0;
}

void wp_http_deadline_set(wp_http *h, long ms)
{
	h->deadline_us = ms > 0 ? monotonic_us() + (long long)ms * 1000 : 0;
}

int wp_http_deadline_passed(const wp_http *h)
{
	return h->deadline_us && monotonic_us() >= h->deadline_us;
}

/* 1 when a wait of `wait` ms ends within the request's retry time and
 * before the client's deadline. The retry time counts from the first
 * failure, so a long transfer before it does not use it up. */
static int within_budget(exchange *e, long wait)
{
	const wp_http *h = e->h;
	long long now = monotonic_us(), end = now + (long long)wait * 1000;
	if (!e->failed_us)
		e->failed_us = now;
	if (h->opts.retry_total_ms > 0 && end > e->failed_us + h->opts.retry_total_ms * 1000LL)
		return 0;
	return !h->deadline_us || end <= h->deadline_us;
}

/* Waits before the next attempt, telling the notice callback how long and
 * why; 0 (no wait) when the wait would run past the retry time cap. */
static int wait_before_retry(exchange *e, long wait, const char *why)
{
	wp_http *h = e->h;
	char line[URL_SHOWN_MAX + 160], secs[32];
	if (!within_budget(e, wait)) {
		log_line(h, "* no retry: waiting %ld ms more would pass the retry time cap", wait);
		return 0;
	}
	e->retries++;
	log_line(h, "* retry %d/%d in %ld ms", e->retries, h->retries, wait);
	if (h->opts.notice) {
		if (wait >= 10000)
			snprintf(secs, sizeof(secs), "%ld", (wait + 500) / 1000);
		else
			snprintf(secs, sizeof(secs), "%.1f", (double)wait / 1000.0);
		snprintf(line, sizeof(line), "retrying in %s s (%s; retry %d of %d)", secs, why,
			 e->retries, h->retries);
		h->opts.notice(line, h->opts.notice_payload);
	}
	sleep_ms(wait);
	return 1;
}

/* The error when no answer came at all: what was tried (the origin, not
 * the path), why it failed, how often and for how long. */
static int connect_failure(exchange *e, wasmpack_error_reason reason, const char *why, int wl)
{
	char shown[URL_SHOWN_MAX], took[32];
	duration_text(took, sizeof(took), monotonic_us() - e->started_us);
	const char *what = "";
	int with_why = 1;
	switch (reason) {
	case WASMPACK_REASON_CONNECTION_REFUSED:
		what = "connection refused";
		with_why = 0; /* curl's text says "after 0 ms" of one attempt */
		break;
	case WASMPACK_REASON_DNS:
		what = "host name does not resolve";
		with_why = 0;
		break;
	case WASMPACK_REASON_PLAIN_HTTP_TO_TLS:
		what = "the server speaks TLS, the request was plain http";
		with_why = 0;
		break;
	case WASMPACK_REASON_TIMEOUT: what = "timed out: "; break;
	case WASMPACK_REASON_TLS_VERIFY: what = "TLS certificate not trusted: "; break;
	case WASMPACK_REASON_TLS: what = "TLS failure: "; break;
	default: break;
	}
	/* A peer that took the connection and then said nothing (or hung
	 * up) was reached: say so rather than "cannot connect". */
	curl_off_t connected_us = 0;
	if (reason == WASMPACK_REASON_TIMEOUT || reason == WASMPACK_REASON_CONNECTION)
		curl_easy_getinfo(e->h->curl, CURLINFO_CONNECT_TIME_T, &connected_us);
	return wp_error_why(WASMPACK_ENETWORK, reason, "%s %s (%s%.*s; %d attempt%s in %s)",
			    connected_us > 0 ? "no answer from" : "cannot connect to",
			    origin_text(shown, sizeof(shown), e->url), what, with_why ? wl : 0, why,
			    e->attempts, e->attempts == 1 ? "" : "s", took);
}

/* Records the error for an attempt that got no complete answer, unless
 * another attempt may get one (*again = 1, after the backoff). */
static int transport_failure(exchange *e, const xfer *x, CURLcode cc, int *again)
{
	wp_http *h = e->h;
	char shown[URL_SHOWN_MAX];
	wasmpack_error_reason reason = transport_reason(cc);
	const char *why = h->errbuf[0] ? h->errbuf : curl_easy_strerror(cc);
	int wl = (int)strlen(why);
	while (wl > 0 && (why[wl - 1] == '\n' || why[wl - 1] == '\r'))
		wl--;
	*again = 0;
	log_line(h, "< failed %s: %.*s", redact_seen(shown, sizeof(shown), e->url, e->req->url), wl,
		 why);

	/* A TLS server hangs up on a plain-http request (or answers it with
	 * bytes that are no HTTP): no retry heals that. */
	if ((cc == CURLE_GOT_NOTHING || cc == CURLE_WEIRD_SERVER_REPLY) && x->status == 0 &&
	    e->sunk == 0 && !e->plain_checked) {
		const char *scheme = web_scheme(e->url);
		e->plain_checked = 1;
		if (scheme && strcmp(scheme, "http") == 0 && peer_speaks_tls(h, e->url))
			reason = WASMPACK_REASON_PLAIN_HTTP_TO_TLS;
	}
	if (reason != WASMPACK_REASON_PLAIN_HTTP_TO_TLS && retryable_curl(cc) && e->sunk == 0 &&
	    !e->req->no_retry && e->retries < h->retries) {
		char because[URL_SHOWN_MAX + 64], where[URL_SHOWN_MAX];
		const char *what = reason == WASMPACK_REASON_CONNECTION_REFUSED
					   ? "connection refused"
				   : reason == WASMPACK_REASON_TIMEOUT ? "timed out"
								       : curl_easy_strerror(cc);
		snprintf(because, sizeof(because), "%s: %s",
			 origin_text(where, sizeof(where), e->url), what);
		if (wait_before_retry(e, backoff_ms(h, e->retries), because)) {
			*again = 1;
			return 0;
		}
	}
	/* curl refuses one header line over 100 KB with "out of memory"
	 * before header_cb sees it: a hostile answer, not our memory, and as
	 * much a cap as HEADERS_MAX_BYTES. */
	if (cc == CURLE_OUT_OF_MEMORY && x->status > 0 && e->sunk == 0 && x->resp->body.size == 0)
		return wp_error(WASMPACK_ETOOLARGE,
				"response headers from %s are too large (a line over %d bytes)",
				redact_seen(shown, sizeof(shown), e->url, e->req->url),
				CURL_MAX_HTTP_HEADER);
	if (e->sunk > 0)
		return wp_error_why(WASMPACK_ENETWORK, reason,
				    "connection lost while reading %s after %llu bytes: %.*s",
				    redact_seen(shown, sizeof(shown), e->url, e->req->url),
				    (unsigned long long)e->sunk, wl, why);
	if (x->status > 0)
		return wp_error_why(
			WASMPACK_ENETWORK, reason, "incomplete %ld response from %s: %.*s",
			x->status, redact_seen(shown, sizeof(shown), e->url, e->req->url), wl, why);

	return connect_failure(e, reason, why, wl);
}

/* 1 for an IPv4 address (host order) in 169.254.0.0/16: link-local,
 * where clouds answer metadata requests with their instance credentials. */
static int v4_link_local(uint32_t a) { return (a & 0xffff0000u) == 0xa9fe0000u; }

/* 1 when a redirect to host would reach a link-local or cloud metadata
 * address, however it is spelt: IPv4 in the forms inet_aton (and so the
 * resolver) takes (2852039166, 0251.0376.0251.0376, 0xa9.254.43518),
 * IPv6 fe80::/10 and fd00:ec2::254 with or without a zone, and IPv4
 * inside IPv6 (::ffff:a.b.c.d, ::a.b.c.d, 64:ff9b::a.b.c.d), plus the
 * metadata services' well-known names. A name that only resolves there
 * is not caught. */
static int link_local_host(const char *host)
{
	static const char *const names[] = {"metadata.google.internal", "metadata.goog",
					    "instance-data", "instance-data.ec2.internal"};
	char buf[256];
	size_t n = strlen(host);
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		host++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(buf))
		return 0;
	memcpy(buf, host, n);
	buf[n] = '\0';
	char *zone = strchr(buf, '%');
	if (zone)
		*zone = '\0';
	if (n > 1 && buf[n - 1] == '.')
		buf[n - 1] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(buf, names[i]) == 0)
			return 1;
	struct in_addr v4;
	if (inet_aton(buf, &v4))
		return v4_link_local(ntohl(v4.s_addr));
	unsigned char b[16];
	if (inet_pton(AF_INET6, buf, b) != 1)
		return 0;
	static const unsigned char ec2[16] = {0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0,    0,
					      0,    0,    0,    0,    0, 0, 0x02, 0x54};
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	static const unsigned char nat64[12] = {0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
	static const unsigned char zero[12] = {0};
	if ((b[0] == 0xfe && (b[1] & 0xc0) == 0x80) || memcmp(b, ec2, 16) == 0)
		return 1;
	if (memcmp(b, mapped, 12) == 0 || memcmp(b, nat64, 12) == 0 || memcmp(b, zero, 12) == 0)
		return v4_link_local((uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 |
				     (uint32_t)b[14] << 8 | b[15]);
	return 0;
}

/* Takes a redirect answer's Location as the next URL, refusing what
 * would leave http(s), drop TLS, reach a link-local or metadata address
 * (unless allowed) or hop too often. */
static int follow_redirect(exchange *e)
{
	wp_http *h = e->h;
	char shown[URL_SHOWN_MAX], shown2[URL_SHOWN_MAX];
	char *next = NULL;
	const char *loc = wp_http_header_get(&e->resp, "Location");
	redact_seen(shown, sizeof(shown), e->url, e->req->url);
	if (!loc || !*loc)
		return wp_error(WASMPACK_EINVALID, "redirect %ld from %s has no Location",
				e->status, shown);
	if (e->hops >= h->opts.max_redirects)
		return wp_error(WASMPACK_EINVALID, "too many redirects from %s (more than %d)",
				redact_url(shown2, sizeof(shown2), e->req->url),
				h->opts.max_redirects);
	if (wp_http_url_resolve(&next, e->url, loc))
		return wp_error(WASMPACK_EINVALID, "redirect from %s has an invalid Location '%s'",
				shown, redact_seen(shown2, sizeof(shown2), loc, e->req->url));
	const char *to = web_scheme(next);
	const char *from = web_scheme(e->url);
	int error = 0;
	redact_seen(shown2, sizeof(shown2), next, e->req->url);
	if (!to)
		error = wp_error(WASMPACK_EINVALID,
				 "redirect from %s to %s refused: not http or https", shown,
				 shown2);
	else if (from && strcmp(from, "https") == 0 && strcmp(to, "http") == 0)
		error = wp_error(WASMPACK_EINVALID,
				 "redirect from %s to %s refused: it would drop TLS", shown,
				 shown2);
	if (!error && !h->opts.allow_link_local) {
		origin o;
		if (origin_of(&o, next) != 0)
			error = wp_error(WASMPACK_EINVALID,
					 "redirect from %s has an invalid Location '%s'", shown,
					 shown2);
		else if (link_local_host(o.host))
			error = wp_error(WASMPACK_EINVALID,
					 "redirect from %s to %s refused: a link-local or cloud "
					 "metadata address (allowed only with "
					 "WASMPACK_ALLOW_LINK_LOCAL=1)",
					 shown, shown2);
		origin_dispose(&o);
	}
	if (error) {
		free(next);
		return error;
	}
	if (e->auth_ok && !wp_http_same_origin(e->req->url, next)) {
		e->auth_ok = 0;
		if (e->req->authorization)
			log_line(h, "* new origin: authorization dropped");
	}
	e->method = method_after_redirect(e->status, e->method, &e->with_body);
	free(e->url);
	e->url = next;
	e->hops++;
	return 0;
}

/* 1 after waiting when an answer's status asks for another attempt. */
static int retry_status(exchange *e)
{
	wp_http *h = e->h;
	if (!retryable_status(e->status) || e->req->no_retry || e->sunk > 0 ||
	    e->retries >= h->retries)
		return 0;
	long wait = retry_after_ms(&e->resp);
	/* A spent rate limit that resets later than we would wait: waiting
	 * in vain helps nobody; the caller reports when it resets. */
	if (e->status == 429 && rate_limit_spent(&e->resp)) {
		long reset = wp_http_rate_limit_reset_ms(&e->resp);
		if (reset < 0 || reset > h->opts.retry_max_ms || !within_budget(e, reset)) {
			log_line(h, "* rate limit spent, resetting in %ld ms: no retry", reset);
			return 0;
		}
		if (wait < reset)
			wait = reset;
	}
	if (wait < 0)
		wait = backoff_ms(h, e->retries);
	if (wait > h->opts.retry_max_ms)
		wait = h->opts.retry_max_ms;
	char because[URL_SHOWN_MAX + 64], where[URL_SHOWN_MAX];
	snprintf(because, sizeof(because), "%s answered %ld%s%s",
		 origin_text(where, sizeof(where), e->url), e->status,
		 status_phrase(e->status)[0] ? " " : "", status_phrase(e->status));
	return wait_before_retry(e, wait, because);
}

/* Attempts until an answer is final: not a redirect to follow, not a
 * status or failure worth another try. */
static int exchange_run(exchange *e)
{
	for (;;) {
		xfer x;
		CURLcode cc = CURLE_OK;
		int again = 0, error;
		if ((error = attempt(e, &x, &cc)))
			return error;
		if (x.abort_code)
			return x.abort_code;
		if (cc != CURLE_OK && !x.truncated) {
			if ((error = transport_failure(e, &x, cc, &again)) || !again)
				return error;
			continue;
		}
		e->status = x.status;
		if (e->status == 0)
			curl_easy_getinfo(e->h->curl, CURLINFO_RESPONSE_CODE, &e->status);
		log_response(e->h, &e->resp, e->status, e->url, e->req->url);
		if (e->req->follow_redirects && is_redirect(e->status)) {
			if ((error = follow_redirect(e)))
				return error;
			continue;
		}
		if (!retry_status(e))
			return 0;
	}
}

int wp_http_do(wp_http_response *out, wp_http *h, const wp_http_request *req)
{
	exchange e;
	int error;

	if (!out || !h || !req)
		return wp_error(WASMPACK_EINVALID, "wp_http_do: missing argument");
	memset(out, 0, sizeof(*out));
	memset(&e, 0, sizeof(e));
	e.h = h;
	e.req = req;
	e.auth_ok = 1;
	if ((error = check_request(req, &e.method, &e.with_body)))
		return error;
	if (!(e.url = wp_strdup(req->url)))
		return WASMPACK_ENOMEM;
	e.started_us = monotonic_us();

	error = exchange_run(&e);
	if (!error) {
		e.resp.status = e.status;
		e.resp.url = e.url;
		e.resp.attempts = e.attempts;
		e.url = NULL;
		*out = e.resp;
		memset(&e.resp, 0, sizeof(e.resp));
	} else {
		out->attempts = e.attempts;
	}
	curl_slist_free_all(e.headers);
	/* The handle must not point at our headers once they are freed. */
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
	free(e.url);
	wp_http_response_dispose(&e.resp);
	return error;
}
