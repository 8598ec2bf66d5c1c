/* Layer blobs: a one-file tar written and hashed in one streaming pass
 * (optionally through gzip, compressed on every core), and extraction of
 * one file with libarchive. */
#include "wasmpack/layer.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "image/tar.h"
#include "util/error.h"
#include "util/options.h"

#define TAR_BLOCK 512
#define CHUNK (256 * 1024)
/* An 11-digit octal size field holds up to 8 GiB - 1. */
#define TAR_SIZE_MAX 077777777777LL

/*
 * The gzip stream is one member whose deflate data is cut into blocks of
 * BLOCK bytes of tar, the way pigz does it. Block i is compressed on its
 * own by a fresh raw deflate at the chosen level (deflateReset), primed
 * with the DICT tar bytes before it as a preset dictionary; every block
 * but the last ends with Z_SYNC_FLUSH (byte aligned, "last block" bit
 * clear), the last with Z_FINISH. The concatenation is one valid deflate
 * stream: a back reference never reaches further than 32 KiB, which the
 * inflater's window holds. Each block's bytes are a function of the level,
 * its dictionary and its own input only, never of which thread compressed
 * it or when, so the output is the same for any thread count; the block
 * size is part of the format and must not change. CRC-32 is computed per
 * block and combined in order. A tar of one block gives the same bytes as
 * a plain single-call gzip.
 *
 * With two or more cores the blocks go through a ring of slots: worker
 * threads compress them in any order, one hasher thread feeds them in
 * order to the diff_id's sha256, and the calling thread reads the file,
 * fills the slots and writes the blocks out in order (so the sink and the
 * blob's hash always run on the caller's thread). Memory is the ring:
 * constant whatever the input size.
 */
#define BLOCK (128 * 1024)
#define DICT 32768
#define WORKERS_MAX 4

/* One block of tar on its way through the pipeline. */
typedef struct slot {
	unsigned char *in; /* DICT bytes of dictionary room, then the block */
	size_t dict_len;
	size_t len;
	unsigned char *out; /* compressed bytes (gzip only) */
	size_t out_cap;
	size_t out_len;
	uLong crc;
	int last;
	int failed;
	int compressed; /* done by a worker, or inline */
	int hashed;     /* done by the hasher, or inline */
} slot;

typedef struct pipeline {
	int gzip;
	size_t nworkers; /* compressor threads; 0 = compress inline */
	int hasher;      /* a thread hashes the tar; else the caller does */
	size_t nslots;
	slot *slots;
	z_stream *streams; /* one per worker, or one for inline */
	size_t streams_init;
	wasmpack_sha256 *tar_hash;
	pthread_t threads[WORKERS_MAX + 1];
	size_t started;
	pthread_mutex_t lock;
	pthread_cond_t work; /* a block was handed over, or stop */
	pthread_cond_t done; /* a block was compressed or hashed */
	int sync_init;
	int stop;
	int hash_failed;
	uint64_t filled;  /* blocks handed over */
	uint64_t taken;   /* blocks a worker started */
	uint64_t hashed;  /* blocks the hasher finished */
	uint64_t emitted; /* blocks written out (their slot is free again) */
	int64_t fed;      /* tar bytes put into blocks */
	uLong crc;
	unsigned char dict[DICT]; /* tail of the previous block */
	size_t dict_len;
	slot *cur; /* the block being filled, or NULL */
} pipeline;

/* Everything the writer threads through: the two hashes, the pipeline
 * and the caller's sink. */
typedef struct layer_state {
	wasmpack_sha256 *tar_hash;
	wasmpack_sha256 *blob_hash; /* NULL when uncompressed: blob = tar */
	int64_t tar_size;
	int64_t tar_total; /* known up front from the file size */
	int64_t blob_size;
	pipeline *pl; /* NULL: tar bytes go straight to the sink */
	wasmpack_write_cb sink;
	void *payload;
} layer_state;

/* For tests only (set it before writing, from one thread): the number of
 * cores to use; 0 = those this process may run on. */
static int layer_threads_override;
void wp_layer_set_threads(int n);
void wp_layer_set_threads(int n) { layer_threads_override = n; }

static size_t layer_threads(void)
{
	long n = layer_threads_override;
	if (n <= 0) {
		cpu_set_t set;
		n = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set)
								 : sysconf(_SC_NPROCESSORS_ONLN);
	}
	if (n < 1)
		n = 1;
	return n > WORKERS_MAX ? WORKERS_MAX : (size_t)n;
}

static int emit(layer_state *st, const void *data, size_t len)
{
	if (st->blob_hash) {
		int error = wasmpack_sha256_update(st->blob_hash, data, len);
		if (error)
			return error;
	}
	st->blob_size += (int64_t)len;
	int error = st->sink(data, len, st->payload);
	return error ? wp_error_from_callback(error, "writing the layer") : 0;
}

/* Compresses one block as the format above says. Runs on any thread and
 * touches only the slot and the stream it is given. */
static void block_deflate(z_stream *z, slot *s)
{
	const unsigned char *data = s->in + DICT;
	s->failed = 1;
	s->out_len = 0;
	if (deflateReset(z) != Z_OK ||
	    (s->dict_len &&
	     deflateSetDictionary(z, s->in + DICT - s->dict_len, (uInt)s->dict_len) != Z_OK))
		return;
	z->next_in = (unsigned char *)(uintptr_t)data;
	z->avail_in = (uInt)s->len;
	int flush = s->last ? Z_FINISH : Z_SYNC_FLUSH;
	for (;;) {
		z->next_out = s->out + s->out_len;
		z->avail_out = (uInt)(s->out_cap - s->out_len);
		int zr = deflate(z, flush);
		if (zr == Z_STREAM_ERROR)
			return;
		s->out_len = s->out_cap - z->avail_out;
		if (flush == Z_FINISH ? zr == Z_STREAM_END : (z->avail_in == 0 && z->avail_out > 0))
			break;
		/* Past deflateBound: not expected; grow rather than fail. */
		unsigned char *g = realloc(s->out, s->out_cap * 2);
		if (!g)
			return;
		s->out = g;
		s->out_cap *= 2;
	}
	s->crc = crc32(0, data, (uInt)s->len);
	s->failed = 0;
}

typedef struct worker_arg {
	pipeline *pl;
	z_stream *z; /* NULL for the hasher */
} worker_arg;

/* Compressor threads take blocks in order of arrival; the hasher takes
 * every block in order. */
static void *pipeline_thread(void *arg)
{
	worker_arg a = *(worker_arg *)arg;
	pipeline *p = a.pl;
	free(arg);
	pthread_mutex_lock(&p->lock);
	for (;;) {
		uint64_t *next = a.z ? &p->taken : &p->hashed;
		while (!p->stop && *next == p->filled)
			pthread_cond_wait(&p->work, &p->lock);
		if (p->stop)
			break;
		slot *s = &p->slots[*next % p->nslots];
		if (a.z)
			p->taken++;
		pthread_mutex_unlock(&p->lock);
		int failed = 0;
		if (a.z)
			block_deflate(a.z, s);
		else
			failed = wasmpack_sha256_update(p->tar_hash, s->in + DICT, s->len) != 0;
		pthread_mutex_lock(&p->lock);
		if (a.z) {
			s->compressed = 1;
		} else {
			s->hashed = 1;
			p->hashed++;
			p->hash_failed |= failed;
		}
		pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static void pipeline_free(pipeline *p)
{
	if (!p)
		return;
	if (p->sync_init) {
		pthread_mutex_lock(&p->lock);
		p->stop = 1;
		pthread_cond_broadcast(&p->work);
		pthread_mutex_unlock(&p->lock);
		for (size_t i = 0; i < p->started; i++)
			pthread_join(p->threads[i], NULL);
		pthread_cond_destroy(&p->work);
		pthread_cond_destroy(&p->done);
		pthread_mutex_destroy(&p->lock);
	}
	for (size_t i = 0; i < p->streams_init; i++)
		deflateEnd(&p->streams[i]);
	free(p->streams);
	for (size_t i = 0; p->slots && i < p->nslots; i++) {
		free(p->slots[i].in);
		free(p->slots[i].out);
	}
	free(p->slots);
	free(p);
}

static int start_thread(pipeline *p, z_stream *z)
{
	worker_arg *a = malloc(sizeof(*a));
	if (!a)
		return wp_error_nomem();
	a->pl = p;
	a->z = z;
	if (pthread_create(&p->threads[p->started], NULL, pipeline_thread, a) != 0) {
		free(a);
		return wp_error(WASMPACK_ERROR, "cannot write layer: cannot start a thread");
	}
	p->started++;
	return 0;
}

/* NULL in *out when nothing is worth a pipeline: no compression and one
 * core, or no compression and a single block. */
static int pipeline_new(pipeline **out, int gzip, int level, int64_t tar_total,
			wasmpack_sha256 *tar_hash)
{
	size_t cores = tar_total > BLOCK ? layer_threads() : 1;
	pipeline *p = NULL;
	int error = 0;
	*out = NULL;
	if (!gzip && cores < 2)
		return 0;
	if (!(p = calloc(1, sizeof(*p))))
		return wp_error_nomem();
	p->gzip = gzip;
	p->tar_hash = tar_hash;
	p->hasher = cores >= 2;
	p->nworkers = gzip && cores >= 2 ? cores : 0;
	p->nslots = cores >= 2 ? cores + 1 : 1;
	size_t nstreams = !gzip ? 0 : p->nworkers ? p->nworkers : 1;
	p->slots = calloc(p->nslots, sizeof(*p->slots));
	p->streams = calloc(nstreams ? nstreams : 1, sizeof(*p->streams));
	if (!p->slots || !p->streams) {
		error = wp_error_nomem();
		goto done;
	}
	for (; p->streams_init < nstreams; p->streams_init++) {
		if (deflateInit2(&p->streams[p->streams_init], level, Z_DEFLATED, -15, 8,
				 Z_DEFAULT_STRATEGY) != Z_OK) {
			error = wp_error_nomem();
			goto done;
		}
	}
	size_t bound = gzip ? deflateBound(&p->streams[0], BLOCK) + 64 : 0;
	for (size_t i = 0; i < p->nslots; i++) {
		p->slots[i].in = malloc(DICT + BLOCK);
		p->slots[i].out = gzip ? malloc(bound) : NULL;
		p->slots[i].out_cap = bound;
		if (!p->slots[i].in || (gzip && !p->slots[i].out)) {
			error = wp_error_nomem();
			goto done;
		}
	}
	if (cores >= 2) {
		if (pthread_mutex_init(&p->lock, NULL) != 0) {
			error = wp_error_nomem();
			goto done;
		}
		if (pthread_cond_init(&p->work, NULL) != 0) {
			pthread_mutex_destroy(&p->lock);
			error = wp_error_nomem();
			goto done;
		}
		if (pthread_cond_init(&p->done, NULL) != 0) {
			pthread_cond_destroy(&p->work);
			pthread_mutex_destroy(&p->lock);
			error = wp_error_nomem();
			goto done;
		}
		p->sync_init = 1;
		if ((error = start_thread(p, NULL)))
			goto done;
		for (size_t i = 0; i < p->nworkers; i++)
			if ((error = start_thread(p, &p->streams[i])))
				goto done;
	}
	*out = p;
	p = NULL;
done:
	pipeline_free(p);
	return error;
}

/* Writes the oldest block out once compressed and hashed; frees its slot. */
static int emit_oldest(layer_state *st)
{
	pipeline *p = st->pl;
	slot *s = &p->slots[p->emitted % p->nslots];
	int error = 0;
	if (p->sync_init) {
		pthread_mutex_lock(&p->lock);
		while ((p->gzip && !s->compressed) || !s->hashed)
			pthread_cond_wait(&p->done, &p->lock);
		error = p->hash_failed;
		pthread_mutex_unlock(&p->lock);
	}
	if (error)
		return wp_error(WASMPACK_ERROR, "cannot write layer: sha256 of the tar failed");
	if (p->gzip && s->failed)
		return wp_error(WASMPACK_ENOMEM, "cannot compress layer: zlib failed");
	if (p->gzip) {
		p->crc = crc32_combine(p->crc, s->crc, (z_off_t)s->len);
		error = emit(st, s->out, s->out_len);
	} else {
		error = emit(st, s->in + DICT, s->len);
	}
	/* No thread looks at a slot again once it is both compressed and
	 * hashed, so the caller may reset it without the lock. */
	s->compressed = s->hashed = 0;
	p->emitted++;
	return error;
}

/* The slot for the next block, once the block that used it is out. */
static int next_slot(layer_state *st)
{
	pipeline *p = st->pl;
	slot *s = &p->slots[p->filled % p->nslots];
	int error = 0;
	/* Every slot holds a block not yet written: the oldest uses this one. */
	if (p->filled - p->emitted == p->nslots && (error = emit_oldest(st)))
		return error;
	if (p->gzip)
		memcpy(s->in + DICT - p->dict_len, p->dict, p->dict_len);
	s->dict_len = p->dict_len;
	s->len = 0;
	p->cur = s;
	return 0;
}

/* Hands the full (or final) block over. */
static void submit(layer_state *st)
{
	pipeline *p = st->pl;
	slot *s = p->cur;
	s->last = p->fed == st->tar_total;
	p->cur = NULL;
	if (p->gzip) {
		/* The next block's dictionary: the last DICT bytes of this one
		 * (every block but the last is BLOCK >= DICT long). */
		p->dict_len = s->len < DICT ? s->len : DICT;
		memcpy(p->dict, s->in + DICT + s->len - p->dict_len, p->dict_len);
	}
	if (!p->sync_init) {
		if (p->gzip)
			block_deflate(&p->streams[0], s);
		s->compressed = s->hashed = 1; /* hashed by tar_out */
		p->filled++;
		return;
	}
	if (!p->nworkers) {
		if (p->gzip)
			block_deflate(&p->streams[0], s);
		s->compressed = 1;
	}
	pthread_mutex_lock(&p->lock);
	p->filled++;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
}

static int pipeline_feed(layer_state *st, const unsigned char *data, size_t len)
{
	pipeline *p = st->pl;
	int error;
	while (len > 0) {
		if (!p->cur && (error = next_slot(st)))
			return error;
		slot *s = p->cur;
		size_t n = BLOCK - s->len < len ? BLOCK - s->len : len;
		memcpy(s->in + DICT + s->len, data, n);
		s->len += n;
		p->fed += (int64_t)n;
		data += n;
		len -= n;
		if (s->len == BLOCK || p->fed == st->tar_total)
			submit(st);
	}
	return 0;
}

/* The gzip header zlib writes for this level with no name and mtime 0,
 * OS "unknown" (255): the same bytes on every host. */
static int gzip_header_out(layer_state *st, int level)
{
	unsigned char h[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255};
	h[8] = level == 9 ? 2 : level < 2 ? 4 : 0;
	return emit(st, h, sizeof(h));
}

/* Writes the blocks still in the pipeline, then the gzip trailer. */
static int pipeline_finish(layer_state *st)
{
	pipeline *p = st->pl;
	int error;
	while (p->emitted < p->filled)
		if ((error = emit_oldest(st)))
			return error;
	if (!p->gzip)
		return 0;
	unsigned char t[8];
	uint32_t isize = (uint32_t)st->tar_size; /* modulo 2^32, as gzip says */
	for (int i = 0; i < 4; i++) {
		t[i] = (unsigned char)(p->crc >> (8 * i));
		t[4 + i] = (unsigned char)(isize >> (8 * i));
	}
	return emit(st, t, sizeof(t));
}

/* Feeds uncompressed tar bytes: hashed for the diff_id, then compressed
 * or passed through. */
static int tar_out(layer_state *st, const void *data, size_t len)
{
	if (!st->pl || !st->pl->hasher) {
		int error = wasmpack_sha256_update(st->tar_hash, data, len);
		if (error)
			return error;
	}
	st->tar_size += (int64_t)len;
	return st->pl ? pipeline_feed(st, data, len) : emit(st, data, len);
}

static void octal(char *field, size_t width, uint64_t value)
{
	/* width-1 digits then NUL, zero padded, as GNU and Go tar write. */
	snprintf(field, width, "%0*llo", (int)(width - 1), (unsigned long long)value);
}

static int tar_header(unsigned char block[TAR_BLOCK], const char *name, int64_t size, unsigned mode,
		      int64_t mtime)
{
	size_t nlen = strlen(name);
	if (nlen == 0 || nlen > 100)
		return wp_error(WASMPACK_EINVALID,
				"cannot write layer: file name '%s' must be 1 to 100 bytes", name);
	if (size < 0 || size > TAR_SIZE_MAX)
		return wp_error(
			WASMPACK_ETOOLARGE,
			"cannot write layer: file of %lld bytes is over the 8 GiB tar limit",
			(long long)size);
	if (mtime < 0 || mtime > TAR_SIZE_MAX)
		return wp_error(WASMPACK_EINVALID, "cannot write layer: mtime out of range");
	char *h = (char *)block;
	memset(block, 0, TAR_BLOCK);
	memcpy(h, name, nlen);
	octal(h + 100, 8, mode & 07777);
	octal(h + 108, 8, 0);
	octal(h + 116, 8, 0);
	octal(h + 124, 12, (uint64_t)size);
	octal(h + 136, 12, (uint64_t)mtime);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	octal(h + 329, 8, 0);
	octal(h + 337, 8, 0);
	/* The checksum is computed with its own field read as spaces. */
	memset(h + 148, ' ', 8);
	unsigned sum = 0;
	for (size_t i = 0; i < TAR_BLOCK; i++)
		sum += block[i];
	snprintf(h + 148, 8, "%06o", sum);
	h[155] = ' ';
	return 0;
}

int wasmpack_layer_write(wasmpack_layer_info *out, int src_fd, const char *entry_name,
			 const wasmpack_layer_options *opts, wasmpack_write_cb sink, void *payload)
{
	wasmpack_layer_options defaults = WASMPACK_LAYER_OPTIONS_INIT;
	layer_state st;
	unsigned char *buf = NULL;
	int error = 0;

	memset(&st, 0, sizeof(st));
	if (!opts)
		opts = &defaults;
	if (!out || src_fd < 0 || !entry_name || !sink)
		return wp_error_arg("cannot write layer: missing argument");
	if ((error = wp_options_check(opts->version, WASMPACK_LAYER_OPTIONS_VERSION, "layer")))
		return error;
	int level = opts->level ? opts->level : 6;
	if (level < 1 || level > 9)
		return wp_error_arg("cannot write layer: gzip level %d not in 1-9", level);
	int gzip = opts->compression == WASMPACK_COMPRESSION_GZIP;

	st.sink = sink;
	st.payload = payload;
	if ((error = wasmpack_sha256_new(&st.tar_hash)) ||
	    (gzip && (error = wasmpack_sha256_new(&st.blob_hash))))
		goto done;
	buf = malloc(CHUNK);
	if (!buf) {
		error = wp_error_nomem();
		goto done;
	}

	/* The header needs the size up front; the file must not change while
	 * it is read, which the final length check enforces. */
	off_t size = lseek(src_fd, 0, SEEK_END);
	if (size < 0 || lseek(src_fd, 0, SEEK_SET) != 0) {
		error = wp_error(WASMPACK_EIO, "cannot write layer: input is not seekable: %s",
				 strerror(errno));
		goto done;
	}
	unsigned char header[TAR_BLOCK];
	if ((error = tar_header(header, entry_name, (int64_t)size, opts->mode ? opts->mode : 0755,
				opts->mtime)))
		goto done;
	size_t pad = (size_t)((TAR_BLOCK - (size % TAR_BLOCK)) % TAR_BLOCK);
	st.tar_total = TAR_BLOCK + (int64_t)size + (int64_t)pad + 2 * TAR_BLOCK;
	if ((error = pipeline_new(&st.pl, gzip, level, st.tar_total, st.tar_hash)) ||
	    (gzip && (error = gzip_header_out(&st, level))))
		goto done;
	if ((error = tar_out(&st, header, sizeof(header))))
		goto done;

	int64_t copied = 0;
	for (;;) {
		ssize_t n = read(src_fd, buf, CHUNK);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			error = wp_error(WASMPACK_EIO, "cannot write layer: read: %s",
					 strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		copied += n;
		if (copied > (int64_t)size)
			break;
		if ((error = tar_out(&st, buf, (size_t)n)))
			goto done;
	}
	if (copied != (int64_t)size) {
		error = wp_error(WASMPACK_EIO, "cannot write layer: input changed size while read");
		goto done;
	}
	/* Pad the file to a block, then the two zero blocks that end a tar. */
	memset(buf, 0, 3 * TAR_BLOCK);
	if ((error = tar_out(&st, buf, pad + 2 * TAR_BLOCK)))
		goto done;
	if (st.pl && (error = pipeline_finish(&st)))
		goto done;
	/* Every thread is done with the tar hash before it is read. */
	pipeline_free(st.pl);
	st.pl = NULL;

	if ((error = wasmpack_sha256_final(out->diff_id, st.tar_hash)))
		goto done;
	if (st.blob_hash)
		error = wasmpack_sha256_final(out->digest, st.blob_hash);
	else
		memcpy(out->digest, out->diff_id, sizeof(out->digest));
	if (error)
		goto done;
	out->diff_size = st.tar_size;
	out->size = st.blob_size;
done:
	pipeline_free(st.pl);
	free(buf);
	wasmpack_sha256_free(st.tar_hash);
	wasmpack_sha256_free(st.blob_hash);
	return error;
}

/* Strips leading "/" and "./" so "/app.wasm" and "./app.wasm" match. */
static const char *clean_path(const char *p)
{
	for (;;) {
		if (p[0] == '/')
			p++;
		else if (p[0] == '.' && p[1] == '/')
			p += 2;
		else
			return p;
	}
}

int wasmpack_layer_extract(int layer_fd, const char *path, wasmpack_write_cb sink, void *payload)
{
	wp_tar t;
	const char *want = clean_path(path);
	long match = -1;
	int error, r;

	if ((error = wp_tar_open(&t, layer_fd, WP_TAR_GZIP_ONLY, "the layer")) < 0)
		return error;
	while ((r = wp_tar_next(&t)) > 0) {
		const char *name = archive_entry_pathname(t.entry);
		if (name && strcmp(clean_path(name), want) == 0)
			match = t.index;
	}
	if ((error = r) < 0)
		goto done;
	if (match < 0) {
		error = wp_error(WASMPACK_ENOTFOUND, "'%s' is not in the layer", want);
		goto done;
	}
	if ((error = wp_tar_seek(&t, match)) < 0)
		goto done;
	if (archive_entry_filetype(t.entry) != AE_IFREG || archive_entry_hardlink(t.entry)) {
		error = wp_error(WASMPACK_EINVALID, "'%s' in the layer is not a regular file",
				 want);
		goto done;
	}
	/* The tar reader's own errors are recorded already and kept; what the
	 * caller's sink returned without one becomes WASMPACK_EUSER. */
	if ((error = wp_tar_stream(&t, want, sink, payload)))
		error = wp_error_from_callback(error, "writing the extracted file");
done:
	wp_tar_close(&t);
	return error;
}
