/* Internal: the one HTTP layer of the library, over libcurl. A client
 * keeps its connections open across requests, verifies TLS unless told
 * not to, follows redirects itself (dropping credentials when the origin
 * changes, refusing https->http, capping hops), retries what can be
 * replayed (408, 429, 5xx, connection failures) with bounded backoff,
 * jitter and Retry-After, and caps every body it holds in memory.
 *
 * A wp_http is for one thread at a time; give each worker thread its own.
 * No set-up call is needed: wp_http_new takes a reference on libcurl's
 * global state (wp_http_global_init: curl_global_init on the first
 * reference, under a lock) and wp_http_free drops it, curl_global_cleanup
 * running with the last. The registry client holds one more reference for
 * its own life. Our lock cannot guard curl_global_init against other users
 * of libcurl in the same program: common.h tells them to call it first. */
#ifndef WP_HTTP_H
#define WP_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "wasmpack/common.h"

/* Default cap on a response body held in memory. */
#define WP_HTTP_BODY_MAX (4 * 1024 * 1024)

/* Receives one line of the verbose log ("> GET https://h/v2/ ..." /
 * "< 401 Unauthorized"), never holding a secret: Authorization values
 * and token-bearing query parameters are redacted before it is called. */
typedef void (*wp_http_log_cb)(const char *line, void *payload);

/* Receives one line for the user, about a wait they would otherwise sit
 * through in silence: "retrying in 2.5 s (503 Service Unavailable from
 * http://h:5000; retry 1 of 4)". Borrowed for the call; never a secret. */
typedef void (*wp_http_notice_cb)(const char *line, void *payload);

/* Bytes of the request body sent so far in this attempt (0 again when a
 * retry starts over). */
typedef void (*wp_http_upload_cb)(int64_t sent, void *payload);

typedef struct wp_http_options {
	int insecure;            /* skip TLS verification */
	const char *ca_file;     /* extra CA bundle (PEM), borrowed */
	long connect_timeout_ms; /* 0 = 10000 */
	long low_speed_bytes;    /* abort below this rate ... (0 = 1024) */
	long low_speed_seconds;  /* ... for this long (0 = 30) */
	int max_retries;         /* attempts after the first; -1 = none, 0 = 4 */
	long retry_base_ms;      /* first backoff step; 0 = 500 */
	long retry_max_ms;       /* cap of one wait, Retry-After included; 0 = 10000 */
	int max_redirects;       /* 0 = 5 */
	/* 1: follow redirects to link-local and cloud metadata addresses
	 * (169.254.0.0/16, fe80::/10, fd00:ec2::254); also set by
	 * WASMPACK_ALLOW_LINK_LOCAL=1 in the environment. */
	int allow_link_local;
	const char *user_agent; /* NULL = "wasmpack/VERSION" */
	wp_http_log_cb log;     /* NULL = no log */
	void *log_payload;
	wp_http_notice_cb notice; /* each retry's wait; NULL = none */
	void *notice_payload;
	/* Cap on the time one request spends on retries, from its first
	 * failure (and before the deadline of wp_http_deadline_set): a retry
	 * whose wait would end past it is not made. 0 = 60000, -1 = none. */
	long retry_total_ms;
} wp_http_options;

typedef struct wp_http wp_http;

int wp_http_global_init(void);
void wp_http_global_cleanup(void);

/* A new client; opts is copied (strings borrowed for the client's life);
 * NULL = defaults. The caller frees it with wp_http_free. */
int wp_http_new(wp_http **out, const wp_http_options *opts);
void wp_http_free(wp_http *h);

/* Retries of every request on h stop waiting `ms` from now, for work made
 * of many requests (an upload and its restarts) whose whole wait is
 * capped; 0 lifts the deadline. wp_http_deadline_passed: 1 once it is
 * past (0 without one). */
void wp_http_deadline_set(wp_http *h, long ms);
int wp_http_deadline_passed(const wp_http *h);

typedef struct wp_http_request {
	const char *method;         /* "GET", "HEAD", "PUT", "POST", "PATCH", "DELETE" */
	const char *url;            /* absolute */
	const char *const *headers; /* "Name: value" lines, borrowed */
	size_t headers_count;
	/* Authorization header value ("Bearer x"), sent only to the origin of
	 * `url`; dropped for good once a redirect leaves that origin. */
	const char *authorization;
	/* Request body: bytes in memory, or a range of a file (replayed from
	 * body_offset on every retry), or neither. A body always gets a
	 * Content-Length; POST without a body sends "Content-Length: 0". */
	const void *body;
	size_t body_len;
	int body_fd; /* -1 = none (set it: 0 is a valid fd) */
	int64_t body_offset;
	int64_t body_fd_len;
	int follow_redirects; /* follow 301/302/303/307/308 */
	/* Response body: streamed to sink for 2xx answers (then not kept),
	 * otherwise kept in memory up to max_body (0 = WP_HTTP_BODY_MAX;
	 * more fails with WASMPACK_ETOOLARGE). Error bodies (non-2xx) are
	 * always kept, capped at 64 KiB, so messages can be read. A streamed
	 * GET is retried only while nothing has reached the sink. */
	wasmpack_write_cb sink;
	void *sink_payload;
	size_t max_body;
	int no_retry; /* for requests that must not be replayed */
	/* Called while the body goes out (at most every 64 KiB and at the
	 * end); NULL = none. */
	wp_http_upload_cb upload_progress;
	void *upload_payload;
} wp_http_request;

typedef struct wp_http_header {
	char *name;
	char *value;
} wp_http_header;

typedef struct wp_http_response {
	long status;
	wp_http_header *headers; /* of the final response, in order */
	size_t headers_count;
	wasmpack_buf body; /* empty when streamed to a sink */
	char *url;         /* the URL that answered (after redirects) */
	int attempts;      /* requests sent, retries and redirects included */
} wp_http_response;

/* Sends req and fills *out (the caller disposes it) with the final
 * answer, whatever its status: a 404 or 401 is a response, not an error.
 * Errors: WASMPACK_ENETWORK when no (complete) answer came, with the
 * reason why: DNS, CONNECTION_REFUSED, TIMEOUT, TLS_VERIFY, TLS,
 * PLAIN_HTTP_TO_TLS (a plain-http request reached a TLS server: checked
 * with one handshake when the server hung up without a word) or
 * CONNECTION; the message names the origin tried last, the attempts and
 * the time they took ("cannot connect to http://127.0.0.1:5000
 * (connection refused; 3 attempts in 1.2 s)"), or the URL and the bytes
 * read when a body broke off. WASMPACK_ETOOLARGE for an oversized answer,
 * WASMPACK_EINVALID for a bad redirect (downgrade, too many hops, no
 * Location), or the sink's own error code. out->attempts is set even on
 * failure. */
int wp_http_do(wp_http_response *out, wp_http *h, const wp_http_request *req);

/* The first value of header name (any case), borrowed, or NULL. */
const char *wp_http_header_get(const wp_http_response *r, const char *name);

/* Frees what r holds and zeroes it. NULL-safe. */
void wp_http_response_dispose(wp_http_response *r);

/* Resolves ref (absolute, or relative as in a Location header) against
 * base into a new absolute URL (caller frees). */
int wp_http_url_resolve(char **out, const char *base, const char *ref);

/* When a rate limit resets, in milliseconds from now, as an answer says
 * it (Retry-After, ratelimit-reset, x-ratelimit-reset), or -1. */
long wp_http_rate_limit_reset_ms(const wp_http_response *r);

/* 1 when a and b have the same scheme, host and port, else 0. */
int wp_http_same_origin(const char *a, const char *b);

#endif
