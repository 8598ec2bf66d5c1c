/* A client for one OCI distribution-spec registry (Docker Hub included):
 * ping, blobs, uploads, cross-repository mounts, manifests and tags, with
 * the registry's authentication (Basic, Bearer tokens, Docker Hub's flow)
 * handled inside. */
#ifndef WASMPACK_REGISTRY_H
#define WASMPACK_REGISTRY_H

#include "common.h"
#include "digest.h"
#include "oci.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Receives one line of the verbose log; secrets are already redacted. The
 * line is borrowed for the call. It runs on the thread that sent the
 * request, so several calls may run at once when a client is shared (a
 * push moves blobs in parallel): the callback must be thread-safe. */
typedef void (*wasmpack_log_cb)(const char *line, void *payload);

/* Receives one line meant for the user about a wait in progress, such as
 * "retrying in 2.5 s (http://h:5000 answered 503 Service Unavailable;
 * retry 1 of 4)". Borrowed for the call; runs on the thread that waits
 * (thread-safe, as wasmpack_log_cb). */
typedef void (*wasmpack_notice_cb)(const char *line, void *payload);

#define WASMPACK_REGISTRY_OPTIONS_VERSION 2
/* Strings are borrowed and must outlive the client. Zero/NULL = default. */
typedef struct wasmpack_registry_options {
	unsigned version; /* WASMPACK_REGISTRY_OPTIONS_VERSION */
	/* 1: plain HTTP. 0: HTTPS, except that a loopback registry
	 * (localhost, 127.0.0.0/8, [::1]) falls back to plain HTTP when it
	 * does not speak TLS, as docker and ORAS do. */
	int plain_http;
	int insecure;           /* do not verify the TLS certificate */
	const char *ca_file;    /* extra CA certificates (PEM) */
	const char *config_dir; /* docker config dir: NULL = $DOCKER_CONFIG, else ~/.docker */
	const char *username;   /* explicit credentials win over config.json */
	const char *password;
	int max_retries;        /* per request; 0 = 4, -1 = none */
	long retry_max_ms;      /* cap of one backoff wait; 0 = 10000 */
	long low_speed_seconds; /* stall limit; 0 = 30 */
	int64_t chunk_size;     /* blobs larger than this upload in chunks;
				      0 = 64 MiB, -1 = always monolithic */
	wasmpack_log_cb log;    /* verbose request log; NULL = none */
	void *log_payload;
	/* Version 2. Each retry's wait, said before it starts; NULL = none. */
	wasmpack_notice_cb notice;
	void *notice_payload;
	/* Cap on the time spent retrying one request, or a blob upload's
	 * restarts, from the first failure: no retry is made whose wait would
	 * end past it.
	 * 0 = 60000, -1 = no cap. A 429 saying the rate limit is spent
	 * (ratelimit-remaining: 0) fails at once when it resets later than
	 * one wait (retry_max_ms) or than this cap allows. */
	long retry_max_time_ms;
} wasmpack_registry_options;
/* Every field, in order: valid C and C++ before C++20 (no designated
 * initialisers), and quiet under -Wmissing-field-initializers. */
#define WASMPACK_REGISTRY_OPTIONS_INIT                                                             \
	{                                                                                          \
		WASMPACK_REGISTRY_OPTIONS_VERSION, 0, 0, NULL, NULL, NULL, NULL, 0, 0, 0, 0, NULL, \
			NULL, NULL, NULL, 0                                                        \
	}
/* Sets *opts to the defaults (WASMPACK_REGISTRY_OPTIONS_INIT) of `version` (pass the *_OPTIONS_VERSION of
 * the headers built against), writing no further than that version's
 * struct reaches: for language bindings, which cannot use the macro.
 * Version 1 stops before `notice`.
 * WASMPACK_EINVALID for a version this library does not know. */
WASMPACK_EXTERN int wasmpack_registry_options_init(wasmpack_registry_options *opts,
						   unsigned version);

typedef struct wasmpack_registry wasmpack_registry;

/* A client for `registry` as a reference names it ("docker.io",
 * "ghcr.io", "localhost:5000", "[::1]:5000"); docker.io is reached at
 * registry-1.docker.io. *out is the caller's (wasmpack_registry_free).
 * A client may be used from several threads at once: it keeps one
 * connection per thread in use and shares its token cache. */
WASMPACK_EXTERN int wasmpack_registry_new(wasmpack_registry **out, const char *registry,
					  const wasmpack_registry_options *opts);

/* Frees the client, once no thread uses it any more. NULL-safe. */
WASMPACK_EXTERN void wasmpack_registry_free(wasmpack_registry *r);

/* GET /v2/: 0 when the registry answers as a registry (200, or 401 with a
 * challenge). WASMPACK_ENETWORK when it cannot be reached. */
WASMPACK_EXTERN int wasmpack_registry_ping(wasmpack_registry *r);

/* Checks the client's credentials: a token from the registry's token
 * service, or an authenticated GET /v2/. WASMPACK_EAUTH when refused. */
WASMPACK_EXTERN int wasmpack_registry_check_login(wasmpack_registry *r);

/* 1 when `repository` has the blob (and its size in *size_out, may be
 * NULL), 0 when not, negative on error. */
WASMPACK_EXTERN int wasmpack_registry_blob_exists(wasmpack_registry *r, const char *repository,
						  const char *digest, int64_t *size_out);

/* Streams the blob's bytes from `offset` to sink, following redirects to
 * object storage without sending it the registry's credentials. A
 * connection lost midway is resumed where it stopped (a Range request, a
 * few times, each only after new bytes came), so the sink always sees one
 * unbroken stream. The bytes are not verified here (the caller hashes
 * what it stores). */
WASMPACK_EXTERN int wasmpack_registry_blob_get(wasmpack_registry *r, const char *repository,
					       const char *digest, int64_t offset,
					       wasmpack_write_cb sink, void *payload);

/* Uploads `size` bytes read from fd (from offset 0; fd is only read, the
 * caller keeps it) as blob `digest`: monolithic POST + PUT, or chunked
 * PATCHes for blobs over the chunk size. Retried uploads restart cleanly
 * with a new session. The bytes are hashed first, from fd: when they do
 * not hash to `digest` (sha256 only), nothing is sent (WASMPACK_EDIGEST). */
WASMPACK_EXTERN int wasmpack_registry_blob_push(wasmpack_registry *r, const char *repository,
						const char *digest, int64_t size, int fd);

/* Told how many bytes of an upload the registry has taken so far (every
 * 64 KiB or so, and at the end); `sent` may go back when an upload
 * session starts over. */
typedef void (*wasmpack_upload_cb)(int64_t sent, int64_t size, void *payload);

/* wasmpack_registry_blob_push, calling progress (may be NULL) as the
 * bytes go out, monolithic or chunked; on the calling thread. */
WASMPACK_EXTERN int wasmpack_registry_blob_push_progress(wasmpack_registry *r,
							 const char *repository, const char *digest,
							 int64_t size, int fd,
							 wasmpack_upload_cb progress,
							 void *payload);

/* Asks the registry to mount the blob from `from_repository` (same
 * registry). 1 when mounted, 0 when the registry declined (upload it
 * instead), negative on error. */
WASMPACK_EXTERN int wasmpack_registry_blob_mount(wasmpack_registry *r, const char *repository,
						 const char *digest, const char *from_repository);

/* Fetches the manifest or index `reference` (a tag or a digest) names,
 * asking for every manifest type. The body is checked against the digest
 * when reference is a digest and against Docker-Content-Digest when sent.
 * Fills *out with the exact bytes (caller disposes), *media_type_out with
 * a new string (caller frees; may be NULL to skip) and digest_out (may be
 * NULL). WASMPACK_ENOTFOUND when the registry has no such manifest. */
WASMPACK_EXTERN int wasmpack_registry_manifest_get(wasmpack_buf *out, char **media_type_out,
						   char digest_out[WASMPACK_DIGEST_MAX],
						   wasmpack_registry *r, const char *repository,
						   const char *reference);

/* HEAD of a manifest: fills *out (caller disposes) with media type, digest
 * and size. WASMPACK_ENOTFOUND when absent. */
WASMPACK_EXTERN int wasmpack_registry_manifest_head(wasmpack_descriptor *out, wasmpack_registry *r,
						    const char *repository, const char *reference);

/* PUT of exactly `len` bytes as a manifest of `media_type` under
 * `reference` (tag or digest). The digest the registry reports goes to
 * digest_out (may be NULL); a mismatch with the bytes is an error. */
WASMPACK_EXTERN int wasmpack_registry_manifest_put(char digest_out[WASMPACK_DIGEST_MAX],
						   wasmpack_registry *r, const char *repository,
						   const char *reference, const char *media_type,
						   const void *data, size_t len);

/* DELETE of a manifest by digest. */
WASMPACK_EXTERN int wasmpack_registry_manifest_delete(wasmpack_registry *r, const char *repository,
						      const char *digest);

/* Every tag of `repository`, following Link pagination. *out is filled
 * (caller disposes with wasmpack_strv_dispose). */
WASMPACK_EXTERN int wasmpack_registry_tags(wasmpack_strv *out, wasmpack_registry *r,
					   const char *repository);

#ifdef __cplusplus
}
#endif
#endif
