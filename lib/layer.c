/* Layer blobs: a one-file tar written and hashed in one streaming pass
 * (optionally through gzip), and extraction of one file with libarchive. */
#include "wasmpack/layer.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "error.h"

#define TAR_BLOCK 512
#define CHUNK (256 * 1024)
/* An 11-digit octal size field holds up to 8 GiB - 1. */
#define TAR_SIZE_MAX 077777777777LL

/* Everything the writer threads through: the two hashes, gzip state and
 * the caller's sink. */
typedef struct layer_state {
	wasmpack_sha256 *tar_hash;
	wasmpack_sha256 *blob_hash;
	int64_t tar_size;
	int64_t blob_size;
	int gzip;
	z_stream z;
	gz_header gz_head; /* zlib reads it during the first deflate() */
	unsigned char *zout;
	wasmpack_write_cb sink;
	void *payload;
} layer_state;

static int emit(layer_state *st, const void *data, size_t len)
{
	int error = wasmpack_sha256_update(st->blob_hash, data, len);
	if (error)
		return error;
	st->blob_size += (int64_t)len;
	return st->sink(data, len, st->payload);
}

static int deflate_run(layer_state *st, const void *data, size_t len, int flush)
{
	st->z.next_in = (unsigned char *)(uintptr_t)data;
	st->z.avail_in = (uInt)len;
	do {
		st->z.next_out = st->zout;
		st->z.avail_out = CHUNK;
		int zr = deflate(&st->z, flush);
		if (zr == Z_STREAM_ERROR)
			return wp_error(WASMPACK_ERROR, "cannot compress layer: zlib stream error");
		size_t have = CHUNK - st->z.avail_out;
		if (have) {
			int error = emit(st, st->zout, have);
			if (error)
				return error;
		}
	} while (st->z.avail_out == 0 || (flush == Z_FINISH && st->z.avail_in > 0));
	return 0;
}

/* Feeds uncompressed tar bytes: hashed for the diff_id, then compressed
 * or passed through. */
static int tar_out(layer_state *st, const void *data, size_t len)
{
	int error = wasmpack_sha256_update(st->tar_hash, data, len);
	if (error)
		return error;
	st->tar_size += (int64_t)len;
	return st->gzip ? deflate_run(st, data, len, Z_NO_FLUSH) : emit(st, data, len);
}

static void octal(char *field, size_t width, uint64_t value)
{
	/* width-1 digits then NUL, zero padded, as GNU and Go tar write. */
	snprintf(field, width, "%0*llo", (int)(width - 1), (unsigned long long)value);
}

static int tar_header(unsigned char block[TAR_BLOCK], const char *name,
		      int64_t size, unsigned mode, int64_t mtime)
{
	size_t nlen = strlen(name);
	if (nlen == 0 || nlen > 100)
		return wp_error(WASMPACK_EINVALID,
				"cannot write layer: file name '%s' must be 1 to 100 bytes", name);
	if (size < 0 || size > TAR_SIZE_MAX)
		return wp_error(WASMPACK_ETOOLARGE,
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
			 const wasmpack_layer_options *opts, wasmpack_write_cb sink,
			 void *payload)
{
	wasmpack_layer_options defaults = WASMPACK_LAYER_OPTIONS_INIT;
	layer_state st;
	unsigned char *buf = NULL;
	int zinit = 0;
	int error = 0;

	memset(&st, 0, sizeof(st));
	if (!opts)
		opts = &defaults;
	if (!out || src_fd < 0 || !entry_name || !sink)
		return wp_error(WASMPACK_EINVALID, "cannot write layer: missing argument");
	int level = opts->level ? opts->level : 6;
	if (level < 1 || level > 9)
		return wp_error(WASMPACK_EINVALID, "cannot write layer: gzip level %d not in 1-9", level);

	st.sink = sink;
	st.payload = payload;
	st.gzip = opts->compression == WASMPACK_COMPRESSION_GZIP;
	if ((error = wasmpack_sha256_new(&st.tar_hash)) || (error = wasmpack_sha256_new(&st.blob_hash)))
		goto done;
	buf = malloc(CHUNK);
	if (!buf) {
		error = wp_error_nomem();
		goto done;
	}
	if (st.gzip) {
		st.zout = malloc(CHUNK);
		if (!st.zout) {
			error = wp_error_nomem();
			goto done;
		}
		if (deflateInit2(&st.z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
			error = wp_error_nomem();
			goto done;
		}
		zinit = 1;
		/* No name, mtime 0, OS "unknown": the same bytes on every host. */
		st.gz_head.os = 255;
		if (deflateSetHeader(&st.z, &st.gz_head) != Z_OK) {
			error = wp_error(WASMPACK_ERROR, "cannot write layer: gzip header");
			goto done;
		}
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
	if ((error = tar_header(header, entry_name, (int64_t)size,
				opts->mode ? opts->mode : 0755, opts->mtime)) ||
	    (error = tar_out(&st, header, sizeof(header))))
		goto done;

	int64_t copied = 0;
	for (;;) {
		ssize_t n = read(src_fd, buf, CHUNK);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			error = wp_error(WASMPACK_EIO, "cannot write layer: read: %s", strerror(errno));
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
	size_t pad = (size_t)((TAR_BLOCK - (size % TAR_BLOCK)) % TAR_BLOCK);
	if ((error = tar_out(&st, buf, pad + 2 * TAR_BLOCK)))
		goto done;
	if (st.gzip && (error = deflate_run(&st, NULL, 0, Z_FINISH)))
		goto done;

	if ((error = wasmpack_sha256_final(out->diff_id, st.tar_hash)) ||
	    (error = wasmpack_sha256_final(out->digest, st.blob_hash)))
		goto done;
	out->diff_size = st.tar_size;
	out->size = st.blob_size;
done:
	if (zinit)
		deflateEnd(&st.z);
	free(st.zout);
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

static int open_archive(struct archive **out, int fd)
{
	if (lseek(fd, 0, SEEK_SET) != 0)
		return wp_error(WASMPACK_EIO, "cannot read layer: not seekable: %s", strerror(errno));
	struct archive *a = archive_read_new();
	if (!a)
		return wp_error_nomem();
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_none(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_fd(a, fd, 64 * 1024) != ARCHIVE_OK) {
		int error = wp_error(WASMPACK_EINVALID, "cannot read layer: %s",
				     archive_error_string(a));
		archive_read_free(a);
		return error;
	}
	*out = a;
	return 0;
}

int wasmpack_layer_extract(int layer_fd, const char *path, wasmpack_write_cb sink,
			   void *payload)
{
	struct archive *a = NULL;
	struct archive_entry *e;
	const char *want = clean_path(path);
	long index = 0, match = -1;
	int error = 0, r;

	if ((error = open_archive(&a, layer_fd)))
		return error;
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		if (name && strcmp(clean_path(name), want) == 0)
			match = index;
		index++;
	}
	if (r != ARCHIVE_EOF) {
		error = wp_error(WASMPACK_EINVALID, "cannot read layer: %s", archive_error_string(a));
		goto done;
	}
	if (match < 0) {
		error = wp_error(WASMPACK_ENOTFOUND, "'%s' is not in the layer", want);
		goto done;
	}
	archive_read_free(a);
	a = NULL;
	if ((error = open_archive(&a, layer_fd)))
		goto done;
	for (index = 0; index <= match; index++) {
		if (archive_read_next_header(a, &e) != ARCHIVE_OK) {
			error = wp_error(WASMPACK_EINVALID, "cannot read layer: %s",
					 archive_error_string(a));
			goto done;
		}
	}
	if (archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e)) {
		error = wp_error(WASMPACK_EINVALID, "'%s' in the layer is not a regular file", want);
		goto done;
	}
	const void *block;
	size_t len;
	la_int64_t offset;
	int64_t written = 0;
	while ((r = archive_read_data_block(a, &block, &len, &offset)) == ARCHIVE_OK) {
		/* Sparse holes come back as gaps in offset: fill them with zeros. */
		static const unsigned char zeros[4096];
		while (written < offset) {
			size_t n = (size_t)(offset - written) < sizeof(zeros)
					   ? (size_t)(offset - written) : sizeof(zeros);
			if ((error = sink(zeros, n, payload)))
				goto done;
			written += (int64_t)n;
		}
		if (len && (error = sink(block, len, payload)))
			goto done;
		written += (int64_t)len;
	}
	if (r != ARCHIVE_EOF) {
		error = wp_error(WASMPACK_EINVALID, "cannot read layer: %s", archive_error_string(a));
		goto done;
	}
done:
	archive_read_free(a);
	return error;
}
