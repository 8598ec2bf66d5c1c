/* The registry client's blobs: HEAD, GET (from an offset, through
 * redirects to object storage), uploads (monolithic or chunked, restarted
 * with a new session when one fails) and cross-repository mounts. */
#include "registry/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util/error.h"
#include "util/fs.h"
#include "util/str.h"

/* Upload sessions tried per blob before giving up: as many as docker's
 * upload attempts. A session dies of one failed PUT or PATCH (they are
 * not replayed), so with 3 a registry failing one request in three
 * failed about one blob in 40 (measured with tests/servers/proxy.mjs). */
#define UPLOAD_SESSIONS_MAX 5
/* 416 answers to PATCH resolved by asking for the upload's state. */
#define UPLOAD_RESYNC_MAX 3
/* PATCHes in a row the registry may take without the upload growing. */
#define UPLOAD_STALLS_MAX 3
#define DEFAULT_CHUNK_SIZE ((int64_t)64 * 1024 * 1024)
/* Downloads picked up again after the connection broke midway. */
#define BLOB_GET_RESUMES_MAX 4

static const char octet_stream[] = "Content-Type: application/octet-stream";

static int check_digest(const char *digest)
{
	int error = digest ? wasmpack_digest_validate(digest) : WASMPACK_EINVALID;
	if (error)
		return wp_error_why(error, WASMPACK_REASON_INVALID_ARGUMENT, "invalid digest '%s'",
				    digest ? digest : "(null)");
	return 0;
}

static void blob_prefix(const wasmpack_registry *r, const char *verb, const char *digest,
			const char *prep, const char *repository)
{
	if (wp_error_is_transport())
		return;
	wp_error_prefix("cannot %s blob '%s' %s '%s/%s': ", verb, digest ? digest : "(null)", prep,
			r && r->name ? r->name : "?", repository ? repository : "(null)");
}

/* The caller asked for bytes from an offset the blob does not reach
 * (size -1: unknown). */
static int past_the_end(int64_t offset, int64_t size)
{
	if (size < 0)
		return wp_error_why(WASMPACK_EINVALID, WASMPACK_REASON_INVALID_ARGUMENT,
				    "offset %lld is past the end of the blob", (long long)offset);
	return wp_error_why(WASMPACK_EINVALID, WASMPACK_REASON_INVALID_ARGUMENT,
			    "offset %lld is past the end of the blob (%lld bytes)",
			    (long long)offset, (long long)size);
}

/* HEAD /v2/<name>/blobs/<digest>: 1 (size in *size), 0, or an error with
 * the status read into the message. */
static int blob_head(int64_t *size, wp_reg_op *op, const char *repository, const char *digest)
{
	wp_http_response resp;
	wp_http_request req = {0};
	char *url = NULL, *path = wp_asprintf("blobs/%s", digest);
	int error;
	if (!path || (error = wp_reg_url(&url, op, repository, path))) {
		free(path);
		return WASMPACK_ENOMEM;
	}
	req.method = "HEAD";
	req.url = url;
	req.body_fd = -1;
	req.follow_redirects = 1;
	if (!(error = wp_reg_send(&resp, op, &req))) {
		if (resp.status == 200) {
			if (size && wp_reg_header_int64(size, &resp, "Content-Length") != 0)
				*size = -1;
			error = 1;
		} else if (resp.status == 404) {
			error = 0;
		} else {
			error = wp_reg_status_error(op, &resp);
		}
		wp_http_response_dispose(&resp);
	}
	free(url);
	free(path);
	return error;
}

int wasmpack_registry_blob_exists(wasmpack_registry *r, const char *repository, const char *digest,
				  int64_t *size_out)
{
	wp_reg_op op;
	int64_t size = -1;
	int rc;
	if (!(rc = wp_reg_op_begin(&op, r, repository, "pull")) && !(rc = check_digest(digest)))
		rc = blob_head(&size, &op, op.repository, digest);
	if (rc < 0)
		blob_prefix(r, "check", digest, "in", repository);
	else if (rc == 1 && size_out)
		*size_out = size;
	wp_reg_op_end(&op);
	return rc;
}

/* ------------------------------------------------------------------ */
/* GET                                                                 */

/* Passes bytes on to the caller's sink after skipping the first `skip`
 * (a server that ignored our Range sent them). */
typedef struct skip_sink {
	wasmpack_write_cb sink;
	void *payload;
	int64_t skip;
	int64_t seen;
} skip_sink;

static int skip_write(const void *data, size_t len, void *payload)
{
	skip_sink *s = payload;
	const unsigned char *p = data;
	if (s->seen < s->skip) {
		int64_t drop = s->skip - s->seen;
		if ((int64_t)len <= drop) {
			s->seen += (int64_t)len;
			return 0;
		}
		p += drop;
		len -= (size_t)drop;
		s->seen += drop;
	}
	s->seen += (int64_t)len;
	return len ? s->sink(p, len, s->payload) : 0;
}

/* Counts the bytes of the one-byte range request; more than one means
 * the server ignores Range and sends the whole blob: stop it there. */
typedef struct probe_sink {
	size_t got;
	int whole;
} probe_sink;

static int probe_write(const void *data, size_t len, void *payload)
{
	probe_sink *s = payload;
	(void)data;
	s->got += len;
	if (s->got > 1) {
		s->whole = 1;
		return WASMPACK_ETOOLARGE;
	}
	return 0;
}

/* Decimal digits at s up to the first other byte (at most 18 of them). */
static int64_t leading_number(const char *s, const char **end)
{
	int64_t v = 0;
	const char *p = s;
	while (*p >= '0' && *p <= '9' && p - s < 18)
		v = v * 10 + (*p++ - '0');
	*end = p;
	return p == s || (*p >= '0' && *p <= '9') ? -1 : v;
}

/* Content-Range "bytes A-B/N": its first byte A, or -1. */
static int64_t content_range_start(const wp_http_response *resp)
{
	const char *v = wp_http_header_get(resp, "Content-Range"), *end;
	if (!v)
		return -1;
	while (*v == ' ')
		v++;
	if (strncasecmp(v, "bytes", 5) == 0)
		v += 5;
	while (*v == ' ' || *v == '=')
		v++;
	int64_t a = leading_number(v, &end);
	return *end == '-' ? a : -1;
}

/* The blob's size N from Content-Range "bytes A-B/N" (or a 416's
 * "bytes * /N", without the space), or -1. */
static int64_t content_range_total(const wp_http_response *resp)
{
	const char *v = wp_http_header_get(resp, "Content-Range"), *end;
	const char *slash = v ? strrchr(v, '/') : NULL;
	if (!slash)
		return -1;
	int64_t total = leading_number(slash + 1, &end);
	return *end ? -1 : total;
}

/* Does the server (or the storage it redirects to) honour Range? Asks
 * for the byte just before offset: a 206 says yes and, in its
 * Content-Range, how long the blob is. 1 yes, 0 no, 2 when nothing is
 * left after offset. */
static int range_supported(wp_reg_op *op, const char *repository, const char *digest,
			   const char *url, int64_t offset)
{
	wp_http_response resp;
	wp_http_request req = {0};
	probe_sink ps = {0, 0};
	char range[64];
	const char *headers[] = {range};
	int64_t total;
	snprintf(range, sizeof(range), "Range: bytes=%lld-%lld", (long long)(offset - 1),
		 (long long)(offset - 1));
	req.method = "GET";
	req.url = url;
	req.headers = headers;
	req.headers_count = 1;
	req.body_fd = -1;
	req.follow_redirects = 1;
	req.sink = probe_write;
	req.sink_payload = &ps;
	int error = wp_reg_send(&resp, op, &req);
	if (error && ps.whole) {
		wasmpack_error_clear();
		return 0;
	}
	if (error) {
		/* distribution 2.8 sends a 416 with the blob's Content-Length
		 * and a short body, which reads as a broken answer: ask the
		 * size before reporting it. */
		wp_error_state saved;
		int64_t size = -1;
		wp_error_save(&saved);
		int present = blob_head(&size, op, repository, digest);
		if (present == 1 && size >= 0 && size < offset)
			return past_the_end(offset, size);
		return wp_error_restore(&saved);
	}
	if (resp.status == 206) {
		total = content_range_total(&resp);
		error = total < 0 || offset < total ? 1 : offset == total ? 2 : -1;
		if (error < 0)
			error = past_the_end(offset, total);
	} else if (resp.status == 200) {
		error = 0;
	} else if (resp.status == 416) {
		error = past_the_end(offset, -1);
	} else {
		error = wp_reg_status_error(op, &resp);
	}
	wp_http_response_dispose(&resp);
	return error;
}

/* One GET of the blob from `offset` to the caller's sink; *delivered
 * counts the bytes the sink took, even when the GET then failed. */
static int blob_get_once(wp_reg_op *op, const char *digest, const char *url, int64_t offset,
			 wasmpack_write_cb sink, void *payload, int64_t *delivered)
{
	wp_http_response resp = {0};
	wp_http_request req = {0};
	skip_sink ss = {sink, payload, 0, 0};
	char range[64];
	const char *headers[] = {range};
	int error = 0, ranged = 0;

	*delivered = 0;
	if (offset > 0) {
		int rc = range_supported(op, op->repository, digest, url, offset);
		if (rc < 0)
			return rc;
		if (rc == 2)
			return 0; /* nothing left to read */
		ranged = rc;
		if (!ranged) {
			wp_reg_log(op->r, "* the server ignores Range; skipping %lld bytes",
				   (long long)offset);
			ss.skip = offset;
		}
	}
	snprintf(range, sizeof(range), "Range: bytes=%lld-", (long long)offset);
	req.method = "GET";
	req.url = url;
	req.headers = headers;
	req.headers_count = ranged ? 1 : 0;
	req.body_fd = -1;
	req.follow_redirects = 1;
	req.sink = skip_write;
	req.sink_payload = &ss;
	error = wp_reg_send(&resp, op, &req);
	*delivered = ss.seen > ss.skip ? ss.seen - ss.skip : 0;
	if (error)
		goto done;
	if (resp.status == 200 && !ranged) {
		if (ss.seen < offset)
			error = past_the_end(offset, ss.seen);
	} else if (resp.status == 206 && ranged) {
		int64_t start = content_range_start(&resp);
		if (start >= 0 && start != offset)
			error = wp_error_why(WASMPACK_EINVALID, WASMPACK_REASON_REGISTRY,
					     "asked for bytes from %lld, got from %lld",
					     (long long)offset, (long long)start);
	} else if (resp.status == 200 || resp.status == 206) {
		error = wp_error_why(WASMPACK_EINVALID, WASMPACK_REASON_REGISTRY,
				     "the server answered a %s request with %ld",
				     ranged ? "range" : "plain", resp.status);
		wp_error_set_http(resp.status, NULL);
	} else {
		error = wp_reg_status_error(op, &resp);
	}
done:
	wp_http_response_dispose(&resp);
	return error;
}

int wasmpack_registry_blob_get(wasmpack_registry *r, const char *repository, const char *digest,
			       int64_t offset, wasmpack_write_cb sink, void *payload)
{
	wp_reg_op op;
	char *url = NULL, *path = NULL;
	int error;

	if ((error = wp_reg_op_begin(&op, r, repository, "pull")) || (error = check_digest(digest)))
		goto done;
	if (!sink || offset < 0) {
		error = wp_error_why(WASMPACK_EINVALID, WASMPACK_REASON_INVALID_ARGUMENT,
				     "no sink or a negative offset");
		goto done;
	}
	if (!(path = wp_asprintf("blobs/%s", digest)) ||
	    (error = wp_reg_url(&url, &op, op.repository, path))) {
		error = WASMPACK_ENOMEM;
		goto done;
	}
	/* The HTTP layer cannot replay a download whose first bytes already
	 * reached the sink. A connection lost midway is picked up where it
	 * stopped, with a Range request, as long as each try brings new
	 * bytes: the sink sees one unbroken stream, and the caller's digest
	 * check covers the joins. */
	for (int resumes = 0;; resumes++) {
		int64_t delivered = 0;
		error = blob_get_once(&op, digest, url, offset, sink, payload, &delivered);
		if (error != WASMPACK_ENETWORK || delivered == 0 || resumes >= BLOB_GET_RESUMES_MAX)
			break;
		offset += delivered;
		wp_reg_log(
			r,
			"* lost the connection after %lld bytes of %s (%s); resuming at byte %lld",
			(long long)delivered, digest, wasmpack_error_last(), (long long)offset);
		wasmpack_error_clear();
	}
done:
	if (error)
		blob_prefix(r, "get", digest, "from", repository);
	free(url);
	free(path);
	wp_reg_op_end(&op);
	return error;
}

/* ------------------------------------------------------------------ */
/* Uploads                                                             */

/* A failure that a new upload session may get past: no answer, a
 * server error, or a session the registry forgot. */
static int restartable(int error, long status)
{
	if (error == WASMPACK_ENETWORK)
		return 1;
	return status == 404 || status == 408 || status == 429 || status >= 500;
}

/* Range "0-1023" or "bytes=0-1023": the end (1023), or -1. */
static int64_t range_end(const wp_http_response *resp)
{
	const char *v = wp_http_header_get(resp, "Range"), *end;
	if (!v)
		return -1;
	while (*v == ' ')
		v++;
	if (strncasecmp(v, "bytes=", 6) == 0)
		v += 6;
	if (leading_number(v, &end) < 0 || *end != '-')
		return -1;
	int64_t last = leading_number(end + 1, &end);
	return *end && *end != ' ' ? -1 : last;
}

typedef struct upload {
	wp_reg_op *op;
	const char *repository;
	const char *digest;
	int64_t size;
	int fd;
	int64_t chunk;  /* bytes per PATCH */
	char *location; /* newest upload URL */
	long status;    /* of the last failed answer, 0 = none */
	int deadline;   /* the retry deadline is set on op->h */
	wasmpack_upload_cb progress; /* NULL = none */
	void *payload;
	int64_t base; /* bytes the registry held before the request in flight */
} upload;

/* http.c's count of one request's body bytes, as bytes of the blob. */
static void body_sent(int64_t sent, void *payload)
{
	upload *u = payload;
	u->progress(u->base + sent, u->size, u->payload);
}

/* Reports for the request about to send the bytes from `offset`. */
static void watch_body(upload *u, wp_http_request *req, int64_t offset)
{
	if (!u->progress)
		return;
	u->base = offset;
	req->upload_progress = body_sent;
	req->upload_payload = u;
}

/* Takes the answer's Location (when it sent one) as the session's URL. */
static int follow_location(upload *u, const wp_http_response *resp, const char *request_url)
{
	char *loc = NULL;
	if (!wp_http_header_get(resp, "Location"))
		return 0;
	int error = wp_reg_location(&loc, resp, request_url);
	if (error)
		return error;
	free(u->location);
	u->location = loc;
	return 0;
}

static void take_min_chunk(upload *u, const wp_http_response *resp)
{
	int64_t min;
	if (wp_reg_header_int64(&min, resp, "OCI-Chunk-Min-Length") == 0 && min > u->chunk)
		u->chunk = min;
}

/* POST /v2/<name>/blobs/uploads/ (with a query for mounts): the answer
 * is left in *resp for the caller. */
static int upload_post(wp_http_response *resp, wp_reg_op *op, const char *repository,
		       const char *query, char **url_out)
{
	wp_http_request req = {0};
	char *url = NULL, *path = wp_asprintf("blobs/uploads/%s", query ? query : "");
	int error;
	*url_out = NULL;
	if (!path || (error = wp_reg_url(&url, op, repository, path))) {
		free(path);
		return WASMPACK_ENOMEM;
	}
	free(path);
	req.method = "POST";
	req.url = url;
	req.body_fd = -1;
	/* http.h sends "Content-Length: 0" for a POST without a body: GCP
	 * Artifact Registry answers 411 without it. */
	error = wp_reg_send(resp, op, &req);
	if (error)
		free(url);
	else
		*url_out = url;
	return error;
}

static int upload_start(upload *u)
{
	wp_http_response resp;
	char *url = NULL;
	int error = upload_post(&resp, u->op, u->repository, NULL, &url);
	if (error)
		return error;
	if (resp.status != 202) {
		u->status = resp.status;
		error = wp_reg_status_error(u->op, &resp);
	} else {
		/* The registry is back: a later failure gets a new deadline. */
		if (u->deadline) {
			wp_http_deadline_set(u->op->h, 0);
			u->deadline = 0;
		}
		free(u->location);
		u->location = NULL;
		take_min_chunk(u, &resp);
		if (!wp_http_header_get(&resp, "Location"))
			error = wp_error_why(WASMPACK_EINVALID, WASMPACK_REASON_REGISTRY,
					     "the registry started an upload without a Location");
		else
			error = follow_location(u, &resp, url);
	}
	wp_http_response_dispose(&resp);
	free(url);
	return error;
}

/* PUT <location>[?&]digest=<d>, with the bytes [offset, size) or none. */
static int upload_put(upload *u, int64_t offset)
{
	wp_http_response resp;
	wp_http_request req = {0};
	const char *headers[] = {octet_stream};
	char *url = NULL;
	int error = wp_str_url_add_query(&url, u->location, "digest", u->digest);
	if (error)
		return error;
	req.method = "PUT";
	req.url = url;
	req.headers = headers;
	req.headers_count = 1;
	req.body_fd = -1;
	if (offset < u->size) {
		req.body_fd = u->fd;
		req.body_offset = offset;
		req.body_fd_len = u->size - offset;
		watch_body(u, &req, offset);
	} else {
		req.body = "";
		req.body_len = 0;
	}
	/* The session may be gone once the bytes landed: retrying blindly
	 * would meet a 404. blob_push asks the registry instead. */
	req.no_retry = 1;
	/* A long upload must not commit with a token about to expire. */
	u->op->token_margin = WP_REG_TOKEN_FINAL_MARGIN;
	error = wp_reg_send(&resp, u->op, &req);
	u->op->token_margin = WP_REG_TOKEN_SKEW;
	free(url);
	if (error)
		return error;
	if (resp.status == 201 || resp.status == 204 || resp.status == 200) {
		const char *dcd = wp_http_header_get(&resp, "Docker-Content-Digest");
		if (dcd && wasmpack_digest_validate(dcd) == 0 &&
		    !wasmpack_digest_equal(dcd, u->digest))
			error = wp_error(WASMPACK_EDIGEST, "the registry stored it as %s", dcd);
	} else {
		u->status = resp.status;
		error = wp_reg_status_error(u->op, &resp);
	}
	wp_http_response_dispose(&resp);
	return error;
}

/* GET <location>: how much of the upload the registry holds. */
static int upload_status(upload *u, int64_t *offset)
{
	wp_http_response resp;
	wp_http_request req = {0};
	char *url = wp_strdup(u->location);
	int error;
	if (!url)
		return WASMPACK_ENOMEM;
	req.method = "GET";
	req.url = url;
	req.body_fd = -1;
	if ((error = wp_reg_send(&resp, u->op, &req))) {
		free(url);
		return error;
	}
	if (resp.status == 204 || resp.status == 200 || resp.status == 202) {
		int64_t end = range_end(&resp);
		/* distribution writes "0-0" for an empty upload too. */
		*offset = end > 0 ? end + 1 : 0;
		error = follow_location(u, &resp, url);
		take_min_chunk(u, &resp);
	} else {
		u->status = resp.status;
		error = wp_reg_status_error(u->op, &resp);
	}
	wp_http_response_dispose(&resp);
	free(url);
	return error;
}

static int upload_patches(upload *u, int64_t *done_out)
{
	int64_t offset = 0;
	int resyncs = 0, stalls = 0;
	int error = 0;
	while (offset < u->size) {
		wp_http_response resp;
		wp_http_request req = {0};
		char range[64];
		const char *headers[] = {octet_stream, range};
		int64_t n = u->size - offset < u->chunk ? u->size - offset : u->chunk;
		char *url = wp_strdup(u->location);
		if (!url)
			return WASMPACK_ENOMEM;
		snprintf(range, sizeof(range), "Content-Range: %lld-%lld", (long long)offset,
			 (long long)(offset + n - 1));
		req.method = "PATCH";
		req.url = url;
		req.headers = headers;
		req.headers_count = 2;
		req.body_fd = u->fd;
		req.body_offset = offset;
		req.body_fd_len = n;
		watch_body(u, &req, offset);
		/* A replayed PATCH lands at the wrong offset (distribution
		 * 2.8 rejects it): a failed one restarts the session. */
		req.no_retry = 1;
		error = wp_reg_send(&resp, u->op, &req);
		if (error) {
			free(url);
			return error;
		}
		if (resp.status == 202 || resp.status == 201 || resp.status == 204) {
			int64_t end = range_end(&resp);
			int64_t next = end >= 0 ? end + 1 : offset + n;
			if (next > u->size) {
				error = wp_error_why(
					WASMPACK_EINVALID, WASMPACK_REASON_REGISTRY,
					"the registry says it holds %lld bytes of %lld",
					(long long)next, (long long)u->size);
			} else {
				stalls = next > offset ? 0 : stalls + 1;
				if (stalls >= UPLOAD_STALLS_MAX)
					error = wp_error_why(
						WASMPACK_ENETWORK, WASMPACK_REASON_REGISTRY,
						"the upload does not grow past %lld bytes",
						(long long)offset);
				offset = next;
				if (!error)
					error = follow_location(u, &resp, url);
				take_min_chunk(u, &resp);
			}
		} else if (resp.status == 416 && resyncs++ < UPLOAD_RESYNC_MAX) {
			error = follow_location(u, &resp, url);
			if (!error)
				error = upload_status(u, &offset);
			if (!error && offset > u->size)
				error = wp_error_why(WASMPACK_EINVALID, WASMPACK_REASON_REGISTRY,
						     "the registry holds more than the blob");
		} else {
			u->status = resp.status;
			error = wp_reg_status_error(u->op, &resp);
		}
		wp_http_response_dispose(&resp);
		free(url);
		if (error)
			return error;
	}
	*done_out = offset;
	return 0;
}

/* Hashes the `size` bytes of fd that an upload would send, before any is
 * sent: a file that changed since its digest was taken (or a store blob
 * someone replaced) fails here, so none of its bytes leave the machine.
 * The uploads read the same fd (pread, from offset 0) afterwards. */
static int verify_source(int fd, int64_t size, const char *digest)
{
	char got[WASMPACK_DIGEST_MAX];
	unsigned char buf[64 * 1024];
	wasmpack_sha256 *h = NULL;
	int64_t off = 0;
	int error = 0;

	if (strncmp(digest, "sha256:", 7) != 0)
		return wp_error_why(WASMPACK_EUNSUPPORTED, WASMPACK_REASON_UNSUPPORTED,
				    "only sha256 blobs can be checked before they are sent");
	if ((error = wasmpack_sha256_new(&h)))
		return error;
	while (off < size) {
		size_t want = size - off < (int64_t)sizeof(buf) ? (size_t)(size - off)
								: sizeof(buf);
		ssize_t n = pread(fd, buf, want, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error = wp_error(WASMPACK_EIO, "cannot read the blob to send: %s",
					 strerror(errno));
			goto done;
		}
		if (n == 0) {
			error = wp_error_why(WASMPACK_EDIGEST, WASMPACK_REASON_DIGEST_MISMATCH,
					     "the file to send ends after %lld of %lld bytes",
					     (long long)off, (long long)size);
			goto done;
		}
		if ((error = wasmpack_sha256_update(h, buf, (size_t)n)))
			goto done;
		off += n;
	}
	if ((error = wasmpack_sha256_final(got, h)))
		goto done;
	if (!wasmpack_digest_equal(got, digest))
		error = wp_error_why(WASMPACK_EDIGEST, WASMPACK_REASON_DIGEST_MISMATCH,
				     "the bytes to send hash to '%s'; nothing was sent", got);
done:
	wasmpack_sha256_free(h);
	return error;
}

/* One upload session, from POST to the final PUT. */
static int upload_once(upload *u)
{
	int error;
	int64_t done = 0;
	u->status = 0;
	if ((error = upload_start(u)))
		return error;
	if (u->size > u->chunk && (error = upload_patches(u, &done)))
		return error;
	return upload_put(u, done);
}

int wasmpack_registry_blob_push(wasmpack_registry *r, const char *repository, const char *digest,
				int64_t size, int fd)
{
	return wasmpack_registry_blob_push_progress(r, repository, digest, size, fd, NULL, NULL);
}

int wasmpack_registry_blob_push_progress(wasmpack_registry *r, const char *repository,
					 const char *digest, int64_t size, int fd,
					 wasmpack_upload_cb progress, void *payload)
{
	wp_reg_op op;
	upload u = {0};
	int error;

	if ((error = wp_reg_op_begin(&op, r, repository, "pull,push")) ||
	    (error = check_digest(digest)))
		goto done;
	if (size < 0 || fd < 0) {
		error = wp_error_why(WASMPACK_EINVALID, WASMPACK_REASON_INVALID_ARGUMENT,
				     "no file or a negative size");
		goto done;
	}
	if ((error = verify_source(fd, size, digest)))
		goto done;
	u.op = &op;
	u.repository = op.repository;
	u.digest = digest;
	u.size = size;
	u.fd = fd;
	u.progress = progress;
	u.payload = payload;
	/* The retry time cap holds for the restarts too, from the first
	 * failure until a new session starts (upload_start lifts it): a
	 * registry that died midway is given up within it, while a long
	 * upload before a failure uses none of it. */
	long cap = r->opts.retry_max_time_ms;
	cap = cap == 0 ? 60000 : cap < 0 ? 0 : cap;
	for (int session = 1;; session++) {
		int64_t chunk = r->opts.chunk_size;
		u.chunk = chunk == 0 ? DEFAULT_CHUNK_SIZE : chunk < 0 ? INT64_MAX : chunk;
		error = upload_once(&u);
		if (!error || !restartable(error, u.status))
			break;
		if (cap && !u.deadline) {
			wp_http_deadline_set(op.h, cap);
			u.deadline = 1;
		}
		/* The bytes may have landed even though the answer did not. */
		wp_error_state saved;
		wp_error_save(&saved);
		int present = blob_head(NULL, &op, op.repository, digest);
		if (present == 1) {
			wp_reg_log(r, "* blob %s is in %s/%s after all", digest, r->name,
				   repository);
			wasmpack_error_clear();
			error = 0;
			break;
		}
		if (session >= UPLOAD_SESSIONS_MAX || wp_http_deadline_passed(op.h)) {
			size_t n = strlen(saved.message);
			snprintf(saved.message + n, sizeof(saved.message) - n,
				 " (after %d upload session%s)", session, session == 1 ? "" : "s");
			error = wp_error_restore(&saved);
			break;
		}
		wp_reg_log(r, "* upload of %s failed (%s); starting over", digest, saved.message);
		error = 0;
	}
done:
	if (op.h)
		wp_http_deadline_set(op.h, 0);
	if (error)
		blob_prefix(r, "push", digest, "to", repository);
	free(u.location);
	wp_reg_op_end(&op);
	return error;
}

/* ------------------------------------------------------------------ */
/* Mounts                                                              */

int wasmpack_registry_blob_mount(wasmpack_registry *r, const char *repository, const char *digest,
				 const char *from_repository)
{
	wp_reg_op op;
	wp_http_response resp = {0};
	char *url = NULL, *q1 = NULL, *query = NULL, *loc = NULL, *from_owned = NULL;
	const char *from = NULL;
	int error;

	if ((error = wp_reg_op_begin(&op, r, repository, "pull,push")) ||
	    (error = check_digest(digest)))
		goto done;
	if ((error = wp_reg_repository(&from_owned, &from, r, from_repository)))
		goto done;
	if (strcmp(from, op.repository) == 0) {
		error = wp_error_why(WASMPACK_EINVALID, WASMPACK_REASON_INVALID_ARGUMENT,
				     "mount needs another repository to mount from");
		goto done;
	}
	if ((error = wp_auth_scopes_add_repository(&op.scopes, from, "pull")))
		goto done;
	/* Always send `from`: without it a registry may look anywhere, or
	 * nowhere. */
	if ((error = wp_str_url_add_query(&q1, "", "mount", digest)) ||
	    (error = wp_str_url_add_query(&query, q1, "from", from)) ||
	    (error = upload_post(&resp, &op, op.repository, query, &url)))
		goto done;
	if (resp.status == 201) {
		error = 1;
	} else if (resp.status == 202) {
		/* The registry opened a plain upload session instead: close it
		 * so it does not linger. Its failure changes nothing. */
		if (wp_reg_location(&loc, &resp, url) == 0) {
			wp_http_response del;
			wp_http_request req = {0};
			req.method = "DELETE";
			req.url = loc;
			req.body_fd = -1;
			if (wp_reg_send(&del, &op, &req) == 0)
				wp_http_response_dispose(&del);
		}
		wasmpack_error_clear();
		error = 0;
	} else {
		error = wp_reg_status_error(&op, &resp);
	}
done:
	if (error < 0 && r && !wp_error_is_transport()) {
		wp_error_prefix("cannot mount blob '%s' from '%s' into '%s/%s': ",
				digest ? digest : "(null)",
				from_repository ? from_repository : "(null)", r->name,
				repository ? repository : "(null)");
	}
	wp_http_response_dispose(&resp);
	free(url);
	free(q1);
	free(query);
	free(loc);
	free(from_owned);
	wp_reg_op_end(&op);
	return error;
}
