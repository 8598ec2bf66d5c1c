/* Push and pull between the store and a registry. Blobs move in parallel
 * on a few threads sharing one registry client; manifests move last on
 * push and are stored last on pull, so neither side ever names a blob it
 * does not have. */
#include "wasmpack/transfer.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "util.h"

/* One blob to move and what became of it. */
typedef struct blob_job {
	const wasmpack_descriptor *desc;
	int error;
	char message[512];
	wasmpack_progress_state state;
	int64_t done;
} blob_job;

/* Shared by the worker threads of one push or pull. */
typedef struct transfer_ctx {
	wasmpack_store *store;
	wasmpack_registry *registry;
	const char *repository;
	const wasmpack_transfer_options *opts;
	blob_job *jobs;
	size_t count;
	size_t next;
	pthread_mutex_t lock; /* guards next and progress calls */
	int push;
} transfer_ctx;

static void report(transfer_ctx *t, blob_job *j, wasmpack_progress_state state, int64_t done)
{
	pthread_mutex_lock(&t->lock);
	j->state = state;
	j->done = done;
	if (t->opts->progress) {
		wasmpack_progress p = {j->desc->digest, j->desc->media_type, done, j->desc->size, state};
		t->opts->progress(&p, t->opts->progress_payload);
	}
	pthread_mutex_unlock(&t->lock);
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
		return wp_error(WASMPACK_EDIGEST, "blob '%s' in the store has %lld bytes, its descriptor says %lld",
				d->digest, (long long)size, (long long)d->size);
	}
	report(t, j, WASMPACK_PROGRESS_UPLOADING, 0);
	error = wasmpack_registry_blob_push(t->registry, t->repository, d->digest, size, fd);
	close(fd);
	if (!error)
		report(t, j, WASMPACK_PROGRESS_UPLOADED, size);
	return error;
}

/* Download sink: counts, caps at the descriptor's size, reports. */
typedef struct pull_sink {
	transfer_ctx *t;
	blob_job *job;
	wasmpack_blob_writer *w;
	int64_t got;
	int64_t last_report;
} pull_sink;

static int pull_write(const void *data, size_t len, void *payload)
{
	pull_sink *s = payload;
	if (s->got + (int64_t)len > s->job->desc->size)
		return wp_error(WASMPACK_EDIGEST, "blob '%s' is longer than its %lld bytes",
				s->job->desc->digest, (long long)s->job->desc->size);
	int error = wasmpack_blob_writer_write(s->w, data, len);
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
	pull_sink s = {t, j, NULL, 0, 0};
	int present = wasmpack_store_blob_exists(t->store, d->digest);
	if (present < 0)
		return present;
	if (present) {
		report(t, j, WASMPACK_PROGRESS_EXISTS, d->size);
		return 0;
	}
	if (d->size < 0)
		return wp_error(WASMPACK_EINVALID, "blob '%s' has a negative size", d->digest);
	int error = wasmpack_store_blob_writer(&s.w, t->store);
	if (error)
		return error;
	report(t, j, WASMPACK_PROGRESS_DOWNLOADING, 0);
	error = wasmpack_registry_blob_get(t->registry, t->repository, d->digest, 0, pull_write, &s);
	if (!error && s.got != d->size)
		error = wp_error(WASMPACK_EDIGEST, "blob '%s' ended after %lld of %lld bytes", d->digest,
				 (long long)s.got, (long long)d->size);
	if (!error)
		error = wasmpack_blob_writer_commit(NULL, NULL, s.w, d->digest);
	wasmpack_blob_writer_free(s.w);
	if (!error)
		report(t, j, WASMPACK_PROGRESS_VERIFIED, d->size);
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
		j->error = t->push ? push_blob(t, j) : pull_blob(t, j);
		if (j->error) {
			/* The last error is per thread: keep it with the job. */
			snprintf(j->message, sizeof(j->message), "%s", wasmpack_error_last());
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
			error = wp_error(j->error, "%s", j->message);
		} else if (!j->error) {
			if (j->state == WASMPACK_PROGRESS_EXISTS || j->state == WASMPACK_PROGRESS_MOUNTED) {
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
	memset(r, 0, sizeof(*r));
}

static int check_opts(const wasmpack_transfer_options **opts,
		      const wasmpack_transfer_options *defaults)
{
	if (!*opts)
		*opts = defaults;
	if ((*opts)->version != WASMPACK_TRANSFER_OPTIONS_VERSION)
		return wp_error(WASMPACK_EINVALID, "unknown transfer options version %u",
				(*opts)->version);
	return 0;
}

/* The blobs a manifest names: config first, then layers. */
static int manifest_blobs(const wasmpack_descriptor ***out, size_t *n, const wasmpack_manifest *m)
{
	const wasmpack_descriptor **list = calloc(m->layers_count + 1, sizeof(*list));
	if (!list)
		return wp_error_nomem();
	list[0] = &m->config;
	for (size_t i = 0; i < m->layers_count; i++)
		list[i + 1] = &m->layers[i];
	*out = list;
	*n = m->layers_count + 1;
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
	    (error = manifest_blobs(&blobs, &n, m)))
		goto done;
	error = move_blobs(t, blobs, n, res);
done:
	free(blobs);
	wasmpack_manifest_free(m);
	wasmpack_buf_dispose(&raw);
	return error;
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
	int lock_init = 0;
	int error = 0;

	memset(&res, 0, sizeof(res));
	memset(&local, 0, sizeof(local));
	memset(&remote, 0, sizeof(remote));
	memset(&t, 0, sizeof(t));
	if (!out || !store || !src || !dst)
		return wp_error(WASMPACK_EINVALID, "cannot push: missing argument");
	if ((error = check_opts(&opts, &defaults)))
		return error;
	if ((error = wasmpack_store_resolve(&local, store, src)) ||
	    (error = wasmpack_store_blob_read(&raw, store, local.digest, WASMPACK_MANIFEST_MAX)))
		goto done;
	if (pthread_mutex_init(&t.lock, NULL) != 0) {
		error = wp_error_nomem();
		goto done;
	}
	lock_init = 1;
	t.store = store;
	t.repository = dst->repository;
	t.opts = opts;
	t.push = 1;
	if ((error = registry_for(&t.registry, dst, opts)))
		goto done;
	/* Re-pushing what the tag already names costs this one request. */
	const char *target = wasmpack_reference_target(dst);
	int head = wasmpack_registry_manifest_head(&remote, t.registry, dst->repository, target);
	if (head == 0 && wasmpack_digest_equal(remote.digest, local.digest)) {
		res.blobs_skipped = 0;
		goto tagged;
	}
	if (head != 0 && head != WASMPACK_ENOTFOUND) {
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
			    (error = wasmpack_store_blob_read(&craw, store, c->digest, WASMPACK_MANIFEST_MAX)))
				goto done;
			error = wasmpack_registry_manifest_put(NULL, t.registry, dst->repository, c->digest,
							       c->media_type, craw.data, craw.size);
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
	if ((error = wasmpack_descriptor_init(&res.manifest, local.media_type, local.digest, local.size)))
		goto done;
	res.requests = wasmpack_registry_request_count(t.registry);
	*out = res;
	memset(&res, 0, sizeof(res));
done:
	wasmpack_transfer_result_dispose(&res);
	wasmpack_index_free(idx);
	wasmpack_buf_dispose(&raw);
	wasmpack_descriptor_dispose(&local);
	wasmpack_descriptor_dispose(&remote);
	wasmpack_registry_free(t.registry);
	if (lock_init)
		pthread_mutex_destroy(&t.lock);
	return error;
}

static int is_wasi_os(const char *os)
{
	return os && (strcmp(os, "wasi") == 0 || strcmp(os, "wasip1") == 0 || strcmp(os, "wasip2") == 0);
}

static int is_wasm_arch(const char *a)
{
	return a && (strcmp(a, "wasm32") == 0 || strcmp(a, "wasm") == 0);
}

/* The index entry to pull: an exact platform match, else the same OS with
 * wasm/wasm32 taken as one architecture, else (no platform asked) the
 * first wasi entry. */
static const wasmpack_descriptor *choose(const wasmpack_index *idx, const char *os, const char *arch)
{
	for (int pass = 0; pass < 3; pass++) {
		for (size_t i = 0; i < idx->manifests_count; i++) {
			const wasmpack_descriptor *d = &idx->manifests[i];
			const wasmpack_platform *p = d->platform;
			if (!p || !wasmpack_media_type_is_manifest(d->media_type))
				continue;
			if (pass == 0 && os && arch && strcmp(p->os, os) == 0 && strcmp(p->architecture, arch) == 0)
				return d;
			if (pass == 1 && os && arch && strcmp(p->os, os) == 0 && is_wasm_arch(arch) &&
			    is_wasm_arch(p->architecture))
				return d;
			if (pass == 2 && !os && is_wasi_os(p->os))
				return d;
		}
	}
	return NULL;
}

int wasmpack_pull(wasmpack_transfer_result *out, wasmpack_store *store,
		  const wasmpack_reference *ref, const wasmpack_transfer_options *opts)
{
	wasmpack_transfer_options defaults = WASMPACK_TRANSFER_OPTIONS_INIT;
	wasmpack_transfer_result res;
	wasmpack_buf raw = WASMPACK_BUF_INIT;
	wasmpack_index *idx = NULL;
	wasmpack_manifest *m = NULL;
	const wasmpack_descriptor **blobs = NULL;
	char *media_type = NULL;
	char digest[WASMPACK_DIGEST_MAX];
	transfer_ctx t;
	size_t n = 0;
	int lock_init = 0;
	int error = 0;

	memset(&res, 0, sizeof(res));
	memset(&t, 0, sizeof(t));
	if (!out || !store || !ref)
		return wp_error(WASMPACK_EINVALID, "cannot pull: missing argument");
	if ((error = check_opts(&opts, &defaults)))
		return error;
	if (pthread_mutex_init(&t.lock, NULL) != 0)
		return wp_error_nomem();
	lock_init = 1;
	t.store = store;
	t.repository = ref->repository;
	t.opts = opts;
	if ((error = registry_for(&t.registry, ref, opts)) ||
	    (error = wasmpack_registry_manifest_get(&raw, &media_type, digest, t.registry,
						    ref->repository, wasmpack_reference_target(ref))))
		goto done;
	if (wasmpack_media_type_is_index(media_type)) {
		if ((error = wasmpack_index_parse(&idx, raw.data, raw.size)))
			goto done;
		const wasmpack_descriptor *pick = choose(idx, opts->os, opts->architecture);
		if (!pick) {
			error = wp_error(WASMPACK_ENOTFOUND, "the index has no entry for %s/%s",
					 opts->os ? opts->os : "wasi",
					 opts->architecture ? opts->architecture : "wasm32");
			goto done;
		}
		char child[WASMPACK_DIGEST_MAX];
		snprintf(child, sizeof(child), "%s", pick->digest);
		wasmpack_buf_dispose(&raw);
		free(media_type);
		media_type = NULL;
		if ((error = wasmpack_registry_manifest_get(&raw, &media_type, digest, t.registry,
							    ref->repository, child)))
			goto done;
	}
	if (!wasmpack_media_type_is_manifest(media_type)) {
		error = wp_error(WASMPACK_EUNSUPPORTED, "'%s' is not an image manifest", media_type);
		goto done;
	}
	if ((error = wasmpack_manifest_parse(&m, raw.data, raw.size)) ||
	    (error = manifest_blobs(&blobs, &n, m)) ||
	    (error = move_blobs(&t, blobs, n, &res)) ||
	    (error = wasmpack_store_blob_put(NULL, store, raw.data, raw.size, digest)) ||
	    (error = wasmpack_descriptor_init(&res.manifest, media_type, digest, (int64_t)raw.size)) ||
	    (error = wasmpack_store_tag(store, ref, &res.manifest)))
		goto done;
	res.requests = wasmpack_registry_request_count(t.registry);
	*out = res;
	memset(&res, 0, sizeof(res));
done:
	if (error) {
		char *name = NULL;
		if (wasmpack_reference_format(&name, ref) == 0)
			wp_error_prefix("cannot pull '%s': ", name);
		free(name);
	}
	wasmpack_transfer_result_dispose(&res);
	free(blobs);
	wasmpack_manifest_free(m);
	wasmpack_index_free(idx);
	wasmpack_buf_dispose(&raw);
	free(media_type);
	wasmpack_registry_free(t.registry);
	if (lock_init)
		pthread_mutex_destroy(&t.lock);
	return error;
}
