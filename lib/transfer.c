/* Push, pull and copy between the store and registries. Blobs move in
 * parallel on a few threads sharing one registry client per side;
 * manifests move last on push and copy and are stored last on pull, so
 * neither side ever names a blob it does not have. */
#include "wasmpack/transfer.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "options.h"
#include "registry/stats.h"
#include "util/error.h"
#include "image/module.h"
#include "util/fs.h"
#include "util/options.h"
#include "wasm/policy.h"

/* Nested indexes deeper than this are refused (a loop, or abuse). */
#define INDEX_DEPTH_MAX 4

typedef enum transfer_mode { MODE_PUSH, MODE_PULL, MODE_COPY } transfer_mode;

/* Downloads of a blob whose bytes came back wrong, before giving up. */
#define PULL_ATTEMPTS 3

/* One blob to move and what became of it. */
typedef struct blob_job {
	const wasmpack_descriptor *desc;
	int error;
	wp_error_state why; /* the worker's whole error, when error != 0 */
	wasmpack_progress_state state;
	int64_t done;
} blob_job;

/* Shared by the worker threads of one push, pull or copy. `registry` and
 * `repository` are the destination of a push or copy, the source of a
 * pull; `src` and `src_repository` the source of a copy. */
typedef struct transfer_ctx {
	wasmpack_store *store;
	wasmpack_registry *registry;
	const char *repository;
	wasmpack_registry *src;
	const char *src_repository;
	int same_registry; /* copy within one registry: mount instead of moving bytes */
	const wasmpack_transfer_options *opts;
	blob_job *jobs;
	size_t count;
	size_t next;
	pthread_mutex_t lock; /* guards next and progress calls */
	transfer_mode mode;
} transfer_ctx;

static void report(transfer_ctx *t, blob_job *j, wasmpack_progress_state state, int64_t done)
{
	pthread_mutex_lock(&t->lock);
	j->state = state;
	j->done = done;
	if (t->opts->progress) {
		wasmpack_progress p = {j->desc->digest, j->desc->media_type, done, j->desc->size,
				       state};
		t->opts->progress(&p, t->opts->progress_payload);
	}
	pthread_mutex_unlock(&t->lock);
}

/* Upload bytes as they go out, for the progress callback. */
typedef struct upload_watch {
	transfer_ctx *t;
	blob_job *j;
} upload_watch;

static void upload_moved(int64_t sent, int64_t size, void *payload)
{
	upload_watch *w = payload;
	(void)size;
	report(w->t, w->j, WASMPACK_PROGRESS_UPLOADING, sent);
}

/* Uploads fd as the job's blob, reporting its bytes as they go. */
static int upload_blob(transfer_ctx *t, blob_job *j, int64_t size, int fd)
{
	upload_watch w = {t, j};
	report(t, j, WASMPACK_PROGRESS_UPLOADING, 0);
	int error = wasmpack_registry_blob_push_progress(
		t->registry, t->repository, j->desc->digest, size, fd, upload_moved, &w);
	if (!error)
		report(t, j, WASMPACK_PROGRESS_UPLOADED, size);
	return error;
}

static int push_blob(transfer_ctx *t, blob_job *j)
{
	const wasmpack_descriptor *d = j->desc;
	int64_t size = 0;
	int fd = -1;
	int present = wasmpack_registry_blob_exists(t->registry, t->repository, d->digest, NULL);
	if (present < 0)
		return present;
	if (present) {
		report(t, j, WASMPACK_PROGRESS_EXISTS, d->size);
		return 0;
	}
	int error = wasmpack_store_blob_open(&fd, &size, t->store, d->digest);
	if (error)
		return error;
	if (size != d->size) {
		close(fd);
		return wp_error(WASMPACK_EDIGEST,
				"blob '%s' in the store has %lld bytes, its descriptor says %lld",
				d->digest, (long long)size, (long long)d->size);
	}
	error = upload_blob(t, j, size, fd);
	close(fd);
	return error;
}

/* Download sink: caps at the descriptor's size, hands the bytes on to a
 * store writer (pull) or a temporary file (copy), reports progress. */
typedef struct fetch_sink {
	transfer_ctx *t;
	blob_job *job;
	wasmpack_blob_writer *w; /* pull */
	int fd;                  /* copy */
	wasmpack_sha256 *hash;   /* copy */
	int64_t got;
	int64_t last_report;
} fetch_sink;

static int fetch_write(const void *data, size_t len, void *payload)
{
	fetch_sink *s = payload;
	int error = 0;
	if (s->got + (int64_t)len > s->job->desc->size)
		return wp_error(WASMPACK_EDIGEST, "blob '%s' is longer than its %lld bytes",
				s->job->desc->digest, (long long)s->job->desc->size);
	if (s->w)
		error = wasmpack_blob_writer_write(s->w, data, len);
	else if (!(error = wasmpack_sha256_update(s->hash, data, len)) &&
		 wp_write_all(s->fd, data, len) != 0)
		error = wp_error(WASMPACK_EIO, "cannot buffer blob '%s': %s", s->job->desc->digest,
				 strerror(errno));
	if (error)
		return error;
	s->got += (int64_t)len;
	if (s->got - s->last_report >= 256 * 1024 || s->got == s->job->desc->size) {
		s->last_report = s->got;
		report(s->t, s->job, WASMPACK_PROGRESS_DOWNLOADING, s->got);
	}
	return 0;
}

static int pull_blob(transfer_ctx *t, blob_job *j)
{
	const wasmpack_descriptor *d = j->desc;
	fetch_sink s = {t, j, NULL, -1, NULL, 0, 0};
	int present = wasmpack_store_blob_exists(t->store, d->digest);
	if (present < 0)
		return present;
	if (present) {
		report(t, j, WASMPACK_PROGRESS_EXISTS, d->size);
		return 0;
	}
	if (d->size < 0)
		return wp_error(WASMPACK_EINVALID, "blob '%s' has a negative size", d->digest);
	int error = 0;
	/* Network failures are retried below us; bytes that arrive but are
	 * wrong (short, long, another digest) get a fresh download or two, as
	 * docker retries layer downloads. Nothing wrong is ever committed. */
	for (int attempt = 0; attempt < PULL_ATTEMPTS; attempt++) {
		int64_t have = 0;
		/* What an interrupted pull left is continued from where it
		 * stopped (a Range request); the whole is still verified. */
		if ((error = wasmpack_store_blob_writer_resume(&s.w, &have, t->store, d->digest,
							       d->size)))
			return error;
		s.got = have;
		s.last_report = have;
		report(t, j, WASMPACK_PROGRESS_DOWNLOADING, have);
		error = 0;
		if (have < d->size)
			error = wasmpack_registry_blob_get(t->registry, t->repository, d->digest,
							   have, fetch_write, &s);
		if (!error && s.got != d->size)
			error = wp_error(WASMPACK_EDIGEST,
					 "blob '%s' ended after %lld of %lld bytes", d->digest,
					 (long long)s.got, (long long)d->size);
		if (!error)
			error = wasmpack_blob_writer_commit(NULL, NULL, s.w, d->digest);
		/* A broken connection or a killed process keeps its bytes for
		 * a rerun; bytes found wrong (too few, too many, another
		 * digest) are dropped, and the next attempt starts afresh. */
		if (error == WASMPACK_EDIGEST)
			wasmpack_blob_writer_abandon(s.w);
		wasmpack_blob_writer_free(s.w);
		s.w = NULL;
		if (error != WASMPACK_EDIGEST)
			break;
	}
	if (!error)
		report(t, j, WASMPACK_PROGRESS_VERIFIED, d->size);
	return error;
}

/* A file nobody else can open and that disappears with its descriptor:
 * the bridge between a blob download and an upload that reads an fd. */
static int anonymous_file(int *out)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	int fd = -1;
#ifdef O_TMPFILE
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0) {
		*out = fd;
		return 0;
	}
#endif
	char *path = wp_asprintf("%s/wasmpack-copy-XXXXXX", dir);
	if (!path)
		return WASMPACK_ENOMEM;
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0) {
		int error = wp_error_os("create", path);
		free(path);
		return error;
	}
	unlink(path);
	free(path);
	*out = fd;
	return 0;
}

static int copy_blob(transfer_ctx *t, blob_job *j)
{
	const wasmpack_descriptor *d = j->desc;
	fetch_sink s = {t, j, NULL, -1, NULL, 0, 0};
	char got[WASMPACK_DIGEST_MAX];
	int error = 0;
	int present = wasmpack_registry_blob_exists(t->registry, t->repository, d->digest, NULL);
	if (present < 0)
		return present;
	if (present) {
		report(t, j, WASMPACK_PROGRESS_EXISTS, d->size);
		return 0;
	}
	if (d->size < 0)
		return wp_error(WASMPACK_EINVALID, "blob '%s' has a negative size", d->digest);
	if (t->same_registry) {
		int mounted = wasmpack_registry_blob_mount(t->registry, t->repository, d->digest,
							   t->src_repository);
		if (mounted < 0)
			return mounted;
		if (mounted) {
			report(t, j, WASMPACK_PROGRESS_MOUNTED, d->size);
			return 0;
		}
	}
	if ((error = anonymous_file(&s.fd)) || (error = wasmpack_sha256_new(&s.hash)))
		goto done;
	report(t, j, WASMPACK_PROGRESS_DOWNLOADING, 0);
	if ((error = wasmpack_registry_blob_get(t->src, t->src_repository, d->digest, 0,
						fetch_write, &s)) ||
	    (error = wasmpack_sha256_final(got, s.hash)))
		goto done;
	if (s.got != d->size || !wasmpack_digest_equal(got, d->digest)) {
		error = wp_error(WASMPACK_EDIGEST,
				 "the source sent blob '%s' as %lld bytes hashing to '%s'",
				 d->digest, (long long)s.got, got);
		goto done;
	}
	error = upload_blob(t, j, d->size, s.fd);
done:
	if (s.fd >= 0)
		close(s.fd);
	wasmpack_sha256_free(s.hash);
	return error;
}

static void *worker(void *arg)
{
	transfer_ctx *t = arg;
	for (;;) {
		pthread_mutex_lock(&t->lock);
		size_t i = t->next < t->count ? t->next++ : t->count;
		pthread_mutex_unlock(&t->lock);
		if (i == t->count)
			return NULL;
		blob_job *j = &t->jobs[i];
		j->error = t->mode == MODE_PUSH   ? push_blob(t, j)
			   : t->mode == MODE_PULL ? pull_blob(t, j)
						  : copy_blob(t, j);
		if (j->error) {
			/* The last error is per thread: keep all of it (reason,
			 * HTTP status) with the job for the reporting thread. */
			wp_error_save(&j->why);
			report(t, j, WASMPACK_PROGRESS_FAILED, j->done);
		}
	}
}

/* Moves every blob of descs, on up to opts->jobs threads. */
static int move_blobs(transfer_ctx *t, const wasmpack_descriptor *const *descs, size_t n,
		      wasmpack_transfer_result *res)
{
	pthread_t threads[16];
	size_t nthreads = (size_t)(t->opts->jobs > 0 ? t->opts->jobs : 4);
	int error = 0;

	if (nthreads > 16)
		nthreads = 16;
	if (nthreads > n)
		nthreads = n;
	/* calloc: a job's saved error is large, and only written on failure. */
	t->jobs = calloc(n ? n : 1, sizeof(*t->jobs));
	if (!t->jobs)
		return wp_error_nomem();
	t->count = n;
	t->next = 0;
	for (size_t i = 0; i < n; i++)
		t->jobs[i].desc = descs[i];
	size_t started = 0;
	/* The calling thread works too; extra threads only when useful. */
	for (; started + 1 < nthreads; started++)
		if (pthread_create(&threads[started], NULL, worker, t) != 0)
			break;
	worker(t);
	for (size_t i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	for (size_t i = 0; i < n; i++) {
		blob_job *j = &t->jobs[i];
		if (j->error && !error) {
			wp_error_restore(&j->why);
			error = j->error;
		} else if (!j->error) {
			if (j->state == WASMPACK_PROGRESS_EXISTS ||
			    j->state == WASMPACK_PROGRESS_MOUNTED) {
				res->blobs_skipped++;
			} else {
				res->blobs_moved++;
				res->bytes_moved += j->desc->size;
			}
		}
	}
	free(t->jobs);
	t->jobs = NULL;
	return error;
}

/* 1 when a manifest HEAD failed because the registry lacks the manifest,
 * not because it could not be asked (a missing CA file is "not found"
 * too, with another reason). */
static int head_absent(int head)
{
	if (head != WASMPACK_ENOTFOUND)
		return 0;
	/* Only the registry's own "no such manifest": a lookup that failed
	 * another way (a credential helper's "not found") is no answer. */
	return wasmpack_error_last_info()->reason == WASMPACK_REASON_NOT_FOUND_REMOTE;
}

/* Names the operation the caller asked for in front of the error:
 * "cannot push 'a:1' to 'host/b:1': ..." (the cause may come from deep in
 * the registry client, which only knows its own request). */
static void prefix_two(const char *op, const wasmpack_reference *src, const wasmpack_reference *dst)
{
	char *a = NULL, *b = NULL;
	wp_error_state cause;
	/* Formatting can fail (out of memory): the cause stays the error. */
	wp_error_save(&cause);
	if (wasmpack_reference_format(&a, src) == 0 && wasmpack_reference_format(&b, dst) == 0) {
		wp_error_restore(&cause);
		wp_error_prefix("cannot %s '%s' to '%s': ", op, a, b);
	} else {
		wp_error_restore(&cause);
	}
	free(a);
	free(b);
}

static int registry_for(wasmpack_registry **out, const wasmpack_reference *ref,
			const wasmpack_transfer_options *opts)
{
	return wasmpack_registry_new(out, ref->registry, &opts->registry);
}

void wasmpack_transfer_result_dispose(wasmpack_transfer_result *r)
{
	if (!r)
		return;
	wasmpack_descriptor_dispose(&r->manifest);
	free(r->note);
	memset(r, 0, sizeof(*r));
}

/* Reads the caller's options (any version, or NULL for the defaults) into
 * *copy, the struct the rest of the call uses, and points *opts at it. */
static int check_opts(const wasmpack_transfer_options **opts, wasmpack_transfer_options *copy)
{
	int error = wp_transfer_options_read(copy, *opts);
	*opts = copy;
	return error;
}

/* The blobs a manifest names, config first when with_config, then layers. */
static int manifest_blobs(const wasmpack_descriptor ***out, size_t *n, const wasmpack_manifest *m,
			  int with_config)
{
	const wasmpack_descriptor **list = calloc(m->layers_count + 1, sizeof(*list));
	size_t k = 0;
	if (!list)
		return wp_error_nomem();
	if (with_config)
		list[k++] = &m->config;
	for (size_t i = 0; i < m->layers_count; i++)
		list[k++] = &m->layers[i];
	*out = list;
	*n = k;
	return 0;
}

static int push_one_manifest(transfer_ctx *t, const char *digest, wasmpack_transfer_result *res)
{
	wasmpack_buf raw = WASMPACK_BUF_INIT;
	wasmpack_manifest *m = NULL;
	const wasmpack_descriptor **blobs = NULL;
	size_t n = 0;
	int error = 0;
	if ((error = wasmpack_store_blob_read(&raw, t->store, digest, WASMPACK_MANIFEST_MAX)) ||
	    (error = wasmpack_manifest_parse(&m, raw.data, raw.size)) ||
	    (error = manifest_blobs(&blobs, &n, m, 1)))
		goto done;
	error = move_blobs(t, blobs, n, res);
done:
	free(blobs);
	wasmpack_manifest_free(m);
	wasmpack_buf_dispose(&raw);
	return error;
}

static int ctx_init(transfer_ctx *t, const wasmpack_transfer_options *opts, transfer_mode mode)
{
	memset(t, 0, sizeof(*t));
	if (pthread_mutex_init(&t->lock, NULL) != 0)
		return wp_error_nomem();
	t->opts = opts;
	t->mode = mode;
	return 0;
}

static void ctx_dispose(transfer_ctx *t)
{
	wasmpack_registry_free(t->registry);
	wasmpack_registry_free(t->src);
	pthread_mutex_destroy(&t->lock);
}

int wasmpack_push(wasmpack_transfer_result *out, wasmpack_store *store,
		  const wasmpack_reference *src, const wasmpack_reference *dst,
		  const wasmpack_transfer_options *opts)
{
	wasmpack_transfer_options defaults = WASMPACK_TRANSFER_OPTIONS_INIT;
	wasmpack_transfer_result res;
	wasmpack_descriptor local, remote;
	wasmpack_buf raw = WASMPACK_BUF_INIT;
	wasmpack_index *idx = NULL;
	transfer_ctx t;
	int error = 0;

	memset(&res, 0, sizeof(res));
	memset(&local, 0, sizeof(local));
	memset(&remote, 0, sizeof(remote));
	if (!out || !store || !src || !dst)
		return wp_error_arg("cannot push: missing argument");
	if ((error = check_opts(&opts, &defaults)) || (error = ctx_init(&t, opts, MODE_PUSH)))
		return error;
	if ((error = wasmpack_store_resolve(&local, store, src)) ||
	    (error = wasmpack_store_blob_read(&raw, store, local.digest, WASMPACK_MANIFEST_MAX)))
		goto done;
	t.store = store;
	t.repository = dst->repository;
	if ((error = registry_for(&t.registry, dst, opts)))
		goto done;
	/* Re-pushing what the tag already names costs this one request. */
	const char *target = wasmpack_reference_target(dst);
	int head = wasmpack_registry_manifest_head(&remote, t.registry, dst->repository, target);
	if (head == 0 && wasmpack_digest_equal(remote.digest, local.digest))
		goto tagged;
	if (head != 0 && !head_absent(head)) {
		error = head;
		goto done;
	}
	if (wasmpack_media_type_is_index(local.media_type)) {
		/* Children first, each by digest, then the index. */
		if ((error = wasmpack_index_parse(&idx, raw.data, raw.size)))
			goto done;
		for (size_t i = 0; i < idx->manifests_count; i++) {
			const wasmpack_descriptor *c = &idx->manifests[i];
			wasmpack_buf craw = WASMPACK_BUF_INIT;
			if ((error = push_one_manifest(&t, c->digest, &res)) ||
			    (error = wasmpack_store_blob_read(&craw, store, c->digest,
							      WASMPACK_MANIFEST_MAX)))
				goto done;
			error = wasmpack_registry_manifest_put(NULL, t.registry, dst->repository,
							       c->digest, c->media_type, craw.data,
							       craw.size);
			wasmpack_buf_dispose(&craw);
			if (error)
				goto done;
		}
	} else if ((error = push_one_manifest(&t, local.digest, &res))) {
		goto done;
	}
	if ((error = wasmpack_registry_manifest_put(NULL, t.registry, dst->repository, target,
						    local.media_type, raw.data, raw.size)))
		goto done;
tagged:
	if ((error = wasmpack_descriptor_init(&res.manifest, local.media_type, local.digest,
					      local.size)))
		goto done;
	res.requests = wasmpack_registry_request_count(t.registry);
	*out = res;
	memset(&res, 0, sizeof(res));
done:
	if (error)
		prefix_two("push", src, dst);
	wasmpack_transfer_result_dispose(&res);
	wasmpack_index_free(idx);
	wasmpack_buf_dispose(&raw);
	wasmpack_descriptor_dispose(&local);
	wasmpack_descriptor_dispose(&remote);
	ctx_dispose(&t);
	return error;
}

static int is_wasi_os(const char *os)
{
	return os &&
	       (strcmp(os, "wasi") == 0 || strcmp(os, "wasip1") == 0 || strcmp(os, "wasip2") == 0);
}

static int is_wasm_arch(const char *a)
{
	return a && (strcmp(a, "wasm32") == 0 || strcmp(a, "wasm") == 0);
}

/* "linux/amd64, linux/arm64/v8" for messages: the platforms an index lists. */
static char *index_platforms(const wasmpack_index *idx)
{
	char buf[256];
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < idx->manifests_count && used + 1 < sizeof(buf); i++) {
		const wasmpack_platform *p = idx->manifests[i].platform;
		int n = snprintf(buf + used, sizeof(buf) - used, "%s%s/%s%s%s", used ? ", " : "",
				 p ? p->os : "?", p ? p->architecture : "?",
				 p && p->variant ? "/" : "", p && p->variant ? p->variant : "");
		if (n < 0)
			break;
		used += (size_t)n < sizeof(buf) - used ? (size_t)n : sizeof(buf) - used - 1;
	}
	return wp_strdup(used ? buf : "no platforms");
}

/* The index entry to take: an exact platform match; else the same OS with
 * wasm and wasm32 taken as one architecture; else the first
 * wasi/wasip1/wasip2 entry (one for a wasm architecture first). *note gets
 * a new string when a fallback was taken for a platform the caller asked
 * for. NULL with WASMPACK_EINVALID set when the index holds no wasm image. */
static const wasmpack_descriptor *choose(const wasmpack_index *idx, const char *os,
					 const char *arch, char **note)
{
	const wasmpack_descriptor *pick = NULL;
	int pass;
	*note = NULL;
	for (pass = 0; pass < 4 && !pick; pass++) {
		for (size_t i = 0; i < idx->manifests_count && !pick; i++) {
			const wasmpack_descriptor *d = &idx->manifests[i];
			const wasmpack_platform *p = d->platform;
			if (!p || !p->os || !p->architecture ||
			    !wasmpack_media_type_is_manifest(d->media_type))
				continue;
			if (pass == 0 && os && arch && strcmp(p->os, os) == 0 &&
			    strcmp(p->architecture, arch) == 0)
				pick = d;
			else if (pass == 1 && os && arch && strcmp(p->os, os) == 0 &&
				 is_wasm_arch(arch) && is_wasm_arch(p->architecture))
				pick = d;
			else if (pass == 2 && is_wasi_os(p->os) && is_wasm_arch(p->architecture))
				pick = d;
			else if (pass == 3 && is_wasi_os(p->os))
				pick = d;
		}
	}
	if (!pick) {
		char *have = index_platforms(idx);
		wp_error_why(WASMPACK_EINVALID, WASMPACK_REASON_NOT_WASM,
			     "not a wasm image: the index lists no wasi entry, only %s",
			     have ? have : "other platforms");
		free(have);
		return NULL;
	}
	pass--; /* the pass that found it */
	if (os && arch && pass == 1)
		*note = wp_asprintf(
			"the index has no %s/%s entry; took %s/%s (wasm and wasm32 are the same architecture)",
			os, arch, pick->platform->os, pick->platform->architecture);
	else if (os && arch && pass >= 2)
		*note = wp_asprintf("the index has no %s/%s entry; took the first wasi one, %s/%s",
				    os, arch, pick->platform->os, pick->platform->architecture);
	return pick;
}

/* Collects a blob in memory, capped, for configs read before the layers. */
typedef struct mem_sink {
	wasmpack_buf *buf;
	size_t max;
	const char *digest;
} mem_sink;

/* The buffer is allocated once at the descriptor's size, which is also
 * the cap: a blob can never grow past what its descriptor promised. */
static int mem_write(const void *data, size_t len, void *payload)
{
	mem_sink *m = payload;
	if (m->buf->size + len > m->max)
		return wp_error(WASMPACK_EDIGEST, "blob '%s' is longer than its %zu bytes",
				m->digest, m->max);
	memcpy(m->buf->data + m->buf->size, data, len);
	m->buf->size += len;
	m->buf->data[m->buf->size] = '\0';
	return 0;
}

/* Fetches a small blob into out (caller disposes) and checks it; wrong
 * bytes get a fresh download or two, as in pull_blob. */
static int fetch_small(wasmpack_buf *out, wasmpack_registry *r, const char *repository,
		       const wasmpack_descriptor *d, size_t max)
{
	char got[WASMPACK_DIGEST_MAX];
	int error = 0;
	if (d->size < 0 || (uint64_t)d->size > max)
		return wp_error(WASMPACK_ETOOLARGE,
				"blob '%s' of %lld bytes is over the %zu-byte limit", d->digest,
				(long long)d->size, max);
	for (int attempt = 0; attempt < PULL_ATTEMPTS; attempt++) {
		mem_sink m = {out, (size_t)d->size, d->digest};
		out->size = 0;
		if (!(out->data = malloc((size_t)d->size + 1)))
			return wp_error_nomem();
		out->data[0] = '\0';
		error = wasmpack_registry_blob_get(r, repository, d->digest, 0, mem_write, &m);
		if (!error)
			error = wasmpack_digest_of(got, out->data, out->size);
		if (!error &&
		    ((int64_t)out->size != d->size || !wasmpack_digest_equal(got, d->digest)))
			error = wp_error(WASMPACK_EDIGEST,
					 "the registry sent blob '%s' as %zu bytes hashing to '%s'",
					 d->digest, out->size, got);
		if (error)
			wasmpack_buf_dispose(out);
		if (error != WASMPACK_EDIGEST)
			break;
	}
	return error;
}

/* Refuses an image that carries no wasm: neither a wasm layer, nor a wasm
 * config, nor an image config for a wasi OS or a wasm architecture. */
static int check_wasm_image(const wasmpack_manifest *m, const wasmpack_buf *config)
{
	wasmpack_image_config *c = NULL;
	for (size_t i = 0; i < m->layers_count; i++)
		if (wp_media_type_is_wasm_layer(m->layers[i].media_type))
			return 0;
	const char *ct = m->config.media_type;
	if (strstr(ct, "wasm"))
		return 0;
	if (!wp_media_type_is_image_config(ct))
		return wp_error_why(WASMPACK_EINVALID, WASMPACK_REASON_NOT_WASM,
				    "not a wasm image: no wasm layer, and the config is '%s'", ct);
	int error = wasmpack_image_config_parse(&c, config->data, config->size);
	if (error)
		return error;
	if (!is_wasi_os(c->os) && !is_wasm_arch(c->architecture))
		error = wp_error_why(WASMPACK_EINVALID, WASMPACK_REASON_NOT_WASM,
				     "not a wasm image: it is for %s/%s, and no layer holds wasm",
				     c->os, c->architecture);
	wasmpack_image_config_free(c);
	return error;
}

static void progress_once(const wasmpack_transfer_options *opts, const wasmpack_descriptor *d,
			  wasmpack_progress_state state)
{
	if (opts->progress) {
		wasmpack_progress p = {d->digest, d->media_type, d->size, d->size, state};
		opts->progress(&p, opts->progress_payload);
	}
}

/* Fetches what ref names and, for an index, the entry choose() takes.
 * Fills raw, media_type (new string) and digest of the image manifest or
 * index to use; *note may get a remark. */
static int fetch_top(wasmpack_buf *raw, char **media_type, char digest[WASMPACK_DIGEST_MAX],
		     char **note, wasmpack_registry *r, const wasmpack_reference *ref,
		     const wasmpack_transfer_options *opts, int resolve)
{
	wasmpack_index *idx = NULL;
	int error = wasmpack_registry_manifest_get(raw, media_type, digest, r, ref->repository,
						   wasmpack_reference_target(ref));
	if (error || !resolve || !wasmpack_media_type_is_index(*media_type))
		return error;
	if ((error = wasmpack_index_parse(&idx, raw->data, raw->size)))
		return error;
	const wasmpack_descriptor *pick = choose(idx, opts->os, opts->architecture, note);
	if (!pick) {
		error = wasmpack_error_last_code();
		goto done;
	}
	char child[WASMPACK_DIGEST_MAX];
	snprintf(child, sizeof(child), "%s", pick->digest);
	wasmpack_buf_dispose(raw);
	free(*media_type);
	*media_type = NULL;
	error = wasmpack_registry_manifest_get(raw, media_type, digest, r, ref->repository, child);
done:
	wasmpack_index_free(idx);
	return error;
}

static int fd_write(const void *data, size_t len, void *payload)
{
	int fd = *(int *)payload;
	const unsigned char *p = data;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return wp_error_os("write", "a temporary file");
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* pull's policy (deny and allow): the module goes to an anonymous file rather than
 * memory (modules can be large, and the parser reads only the sections it
 * decodes), its imports are read, and one that reaches a denied
 * capability is refused with WASMPACK_EPOLICY. Streaming it vets every
 * layer as the check without a policy does. */
static int check_policy(wasmpack_store *store, const wasmpack_manifest *m, unsigned deny,
			unsigned allow)
{
	wasmpack_wasm *w = NULL;
	int fd = -1;
	int error = anonymous_file(&fd);
	if (error)
		return error;
	if (!(error = wp_module_stream(store, m, fd_write, &fd)) &&
	    !(error = wp_wasm_parse_fd(&w, fd, "the module")))
		error = wp_wasm_policy_check(w, deny, allow, "the module");
	wasmpack_wasm_free(w);
	close(fd);
	return error;
}

int wasmpack_pull(wasmpack_transfer_result *out, wasmpack_store *store,
		  const wasmpack_reference *ref, const wasmpack_transfer_options *opts)
{
	wasmpack_transfer_options defaults = WASMPACK_TRANSFER_OPTIONS_INIT;
	wasmpack_transfer_result res;
	wasmpack_buf raw = WASMPACK_BUF_INIT, config = WASMPACK_BUF_INIT;
	wasmpack_manifest *m = NULL;
	const wasmpack_descriptor **blobs = NULL;
	char *media_type = NULL;
	char digest[WASMPACK_DIGEST_MAX];
	transfer_ctx t;
	size_t n = 0;
	int error = 0;

	memset(&res, 0, sizeof(res));
	if (!out || !store || !ref)
		return wp_error_arg("cannot pull: missing argument");
	if ((error = check_opts(&opts, &defaults)) || (error = ctx_init(&t, opts, MODE_PULL)))
		return error;
	t.store = store;
	t.repository = ref->repository;
	if ((error = registry_for(&t.registry, ref, opts)) ||
	    (error = fetch_top(&raw, &media_type, digest, &res.note, t.registry, ref, opts, 1)))
		goto done;
	if (!wasmpack_media_type_is_manifest(media_type)) {
		error = wp_error(WASMPACK_EUNSUPPORTED, "'%s' is not an image manifest",
				 media_type);
		goto done;
	}
	if ((error = wasmpack_manifest_parse(&m, raw.data, raw.size)))
		goto done;
	/* The config first: it says whether this is wasm at all, before any
	 * layer is fetched. */
	int have = wasmpack_store_blob_exists(store, m->config.digest);
	if (have < 0) {
		error = have;
		goto done;
	}
	if (have) {
		if ((error = wasmpack_store_blob_read(&config, store, m->config.digest,
						      WASMPACK_CONFIG_MAX)))
			goto done;
		res.blobs_skipped++;
		progress_once(opts, &m->config, WASMPACK_PROGRESS_EXISTS);
	} else {
		if ((error = fetch_small(&config, t.registry, ref->repository, &m->config,
					 WASMPACK_CONFIG_MAX)))
			goto done;
		res.blobs_moved++;
		res.bytes_moved += m->config.size;
	}
	if ((error = check_wasm_image(m, &config)))
		goto done;
	if (!have) {
		if ((error = wasmpack_store_blob_put(NULL, store, config.data, config.size,
						     m->config.digest)))
			goto done;
		progress_once(opts, &m->config, WASMPACK_PROGRESS_VERIFIED);
	}
	if ((error = manifest_blobs(&blobs, &n, m, 0)) || (error = move_blobs(&t, blobs, n, &res)))
		goto done;
	/* Tag only what holds a module wasmpack can read, and, with a policy,
	 * only a module that passes it: nothing is named before this. */
	if ((error = opts->deny || opts->allow ? check_policy(store, m, opts->deny, opts->allow)
					       : wp_module_stream(store, m, NULL, NULL)) ||
	    (error = wasmpack_store_blob_put(NULL, store, raw.data, raw.size, digest)) ||
	    (error = wasmpack_descriptor_init(&res.manifest, media_type, digest,
					      (int64_t)raw.size)) ||
	    (error = wasmpack_store_tag(store, ref, &res.manifest)))
		goto done;
	res.requests = wasmpack_registry_request_count(t.registry);
	*out = res;
	memset(&res, 0, sizeof(res));
done:
	if (error) {
		char *name = NULL;
		wp_error_state cause;
		wp_error_save(&cause);
		int named = wasmpack_reference_format(&name, ref) == 0;
		wp_error_restore(&cause);
		if (named)
			wp_error_prefix("cannot pull '%s': ", name);
		free(name);
	}
	wasmpack_transfer_result_dispose(&res);
	free(blobs);
	wasmpack_manifest_free(m);
	wasmpack_buf_dispose(&raw);
	wasmpack_buf_dispose(&config);
	free(media_type);
	ctx_dispose(&t);
	return error;
}

/* Copies the manifest or index raw (already fetched, digest checked):
 * blobs, then for an index every child, each put by digest. The caller
 * puts raw itself. */
static int copy_tree(transfer_ctx *t, const wasmpack_buf *raw, const char *media_type, int depth,
		     wasmpack_transfer_result *res)
{
	wasmpack_manifest *m = NULL;
	wasmpack_index *idx = NULL;
	const wasmpack_descriptor **blobs = NULL;
	size_t n = 0;
	int error = 0;

	if (wasmpack_media_type_is_manifest(media_type)) {
		if (!(error = wasmpack_manifest_parse(&m, raw->data, raw->size)) &&
		    !(error = manifest_blobs(&blobs, &n, m, 1)))
			error = move_blobs(t, blobs, n, res);
		goto done;
	}
	if (!wasmpack_media_type_is_index(media_type)) {
		error = wp_error(WASMPACK_EUNSUPPORTED, "cannot copy '%s': not a manifest or index",
				 media_type);
		goto done;
	}
	if (depth >= INDEX_DEPTH_MAX) {
		error = wp_error(WASMPACK_EINVALID, "indexes nested more than %d deep",
				 INDEX_DEPTH_MAX);
		goto done;
	}
	if ((error = wasmpack_index_parse(&idx, raw->data, raw->size)))
		goto done;
	for (size_t i = 0; i < idx->manifests_count && !error; i++) {
		const wasmpack_descriptor *c = &idx->manifests[i];
		wasmpack_buf craw = WASMPACK_BUF_INIT;
		char *cmt = NULL;
		if (!(error = wasmpack_registry_manifest_get(&craw, &cmt, NULL, t->src,
							     t->src_repository, c->digest)) &&
		    !(error = copy_tree(t, &craw, cmt, depth + 1, res)))
			error = wasmpack_registry_manifest_put(NULL, t->registry, t->repository,
							       c->digest, cmt, craw.data,
							       craw.size);
		free(cmt);
		wasmpack_buf_dispose(&craw);
	}
done:
	free(blobs);
	wasmpack_manifest_free(m);
	wasmpack_index_free(idx);
	return error;
}

int wasmpack_copy(wasmpack_transfer_result *out, const wasmpack_reference *src,
		  const wasmpack_reference *dst, const wasmpack_transfer_options *opts)
{
	wasmpack_transfer_options defaults = WASMPACK_TRANSFER_OPTIONS_INIT;
	wasmpack_transfer_result res;
	wasmpack_buf raw = WASMPACK_BUF_INIT;
	wasmpack_descriptor remote;
	char *media_type = NULL;
	char digest[WASMPACK_DIGEST_MAX];
	transfer_ctx t;
	int error = 0;

	memset(&res, 0, sizeof(res));
	memset(&remote, 0, sizeof(remote));
	if (!out || !src || !dst)
		return wp_error_arg("cannot copy: missing argument");
	if ((error = check_opts(&opts, &defaults)) || (error = ctx_init(&t, opts, MODE_COPY)))
		return error;
	t.repository = dst->repository;
	t.src_repository = src->repository;
	t.same_registry = strcmp(src->registry, dst->registry) == 0 &&
			  strcmp(src->repository, dst->repository) != 0;
	if ((error = registry_for(&t.src, src, opts)) ||
	    (error = registry_for(&t.registry, dst, opts)) ||
	    (error = fetch_top(&raw, &media_type, digest, &res.note, t.src, src, opts,
			       opts->os != NULL)))
		goto done;
	const char *target = wasmpack_reference_target(dst);
	if (dst->digest && !wasmpack_digest_equal(dst->digest, digest)) {
		error = wp_error(WASMPACK_EINVALID,
				 "the source is '%s', not the destination's digest '%s'", digest,
				 dst->digest);
		goto done;
	}
	/* Nothing to do when the destination already names these bytes. */
	int head = wasmpack_registry_manifest_head(&remote, t.registry, dst->repository, target);
	if (head != 0 && !head_absent(head)) {
		error = head;
		goto done;
	}
	if (head != 0 || !wasmpack_digest_equal(remote.digest, digest)) {
		if ((error = copy_tree(&t, &raw, media_type, 0, &res)) ||
		    (error = wasmpack_registry_manifest_put(NULL, t.registry, dst->repository,
							    target, media_type, raw.data,
							    raw.size)))
			goto done;
	}
	if ((error = wasmpack_descriptor_init(&res.manifest, media_type, digest,
					      (int64_t)raw.size)))
		goto done;
	res.requests = wasmpack_registry_request_count(t.src) +
		       wasmpack_registry_request_count(t.registry);
	*out = res;
	memset(&res, 0, sizeof(res));
done:
	if (error)
		prefix_two("copy", src, dst);
	wasmpack_transfer_result_dispose(&res);
	wasmpack_descriptor_dispose(&remote);
	wasmpack_buf_dispose(&raw);
	free(media_type);
	ctx_dispose(&t);
	return error;
}
