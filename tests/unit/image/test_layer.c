/* Tests of the layer writer (tar, gzip, digests) and extraction. */
#include "harness.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

typedef struct mem_sink {
	unsigned char *data;
	size_t size;
} mem_sink;

static int to_mem(const void *data, size_t len, void *payload)
{
	mem_sink *m = payload;
	unsigned char *g = realloc(m->data, m->size + len + 1);
	if (!g)
		return WASMPACK_ENOMEM;
	memcpy(g + m->size, data, len);
	m->data = g;
	m->size += len;
	return 0;
}

/* A temp file holding len bytes of a fixed pattern; returns an open fd. */
static int pattern_file(size_t len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/pattern-XXXXXX", harness_tmpdir());
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	unlink(path);
	unsigned char buf[4096];
	for (size_t off = 0; off < len;) {
		size_t n = len - off < sizeof(buf) ? len - off : sizeof(buf);
		for (size_t i = 0; i < n; i++)
			buf[i] = (unsigned char)((off + i) * 7 + ((off + i) >> 9));
		if (write(fd, buf, n) != (ssize_t)n) {
			close(fd);
			return -1;
		}
		off += n;
	}
	return fd;
}

static void test_layer__uncompressed_tar_has_exact_header_and_padding(void)
{
	wasmpack_layer_options o = WASMPACK_LAYER_OPTIONS_INIT;
	wasmpack_layer_info info;
	mem_sink m = {0};
	int fd = pattern_file(1000);
	CHECK(fd >= 0);
	o.compression = WASMPACK_COMPRESSION_NONE;
	int rc = wasmpack_layer_write(&info, fd, "app.wasm", &o, to_mem, &m);
	close(fd);
	CHECK_OK(rc);
	/* header + 1000 bytes padded to 1024 + two zero blocks */
	CHECK_INT(m.size, 512 + 1024 + 1024);
	CHECK_INT(info.size, (int64_t)m.size);
	CHECK_INT(info.diff_size, (int64_t)m.size);
	CHECK_STR(info.digest, info.diff_id);
	CHECK_MEM(m.data, "app.wasm", 9);
	CHECK_MEM(m.data + 100, "0000755", 8);
	CHECK_MEM(m.data + 124, "00000001750", 12); /* 1000 in octal */
	CHECK_MEM(m.data + 257,
		  "ustar\0"
		  "00",
		  8);
	CHECK_INT(m.data[156], '0');
	unsigned sum = 0;
	for (int i = 0; i < 512; i++)
		sum += (i >= 148 && i < 156) ? ' ' : m.data[i];
	CHECK_INT(strtoul((const char *)m.data + 148, NULL, 8), sum);
	for (size_t i = 512 + 1000; i < m.size; i++)
		CHECK_INT(m.data[i], 0);
	char d[WASMPACK_DIGEST_MAX];
	CHECK_OK(wasmpack_digest_of(d, m.data, m.size));
	CHECK_STR(d, info.digest);
	free(m.data);
}

static void test_layer__gzip_decompresses_to_the_diff_id_bytes(void)
{
	wasmpack_layer_options o = WASMPACK_LAYER_OPTIONS_INIT;
	wasmpack_layer_info gz, plain;
	mem_sink mg = {0}, mp = {0};
	int fd = pattern_file(700 * 1024);
	CHECK(fd >= 0);
	CHECK_OK(wasmpack_layer_write(&gz, fd, "x.wasm", NULL, to_mem, &mg));
	o.compression = WASMPACK_COMPRESSION_NONE;
	CHECK_OK(wasmpack_layer_write(&plain, fd, "x.wasm", &o, to_mem, &mp));
	close(fd);
	CHECK_STR(gz.diff_id, plain.diff_id);
	CHECK_INT(gz.size, (int64_t)mg.size);
	CHECK(gz.size < plain.size);
	/* gzip header: no name, mtime 0, OS unknown */
	CHECK(mg.data[0] == 0x1f && mg.data[1] == 0x8b && mg.data[3] == 0);
	CHECK_INT(mg.data[4], 0);
	CHECK_INT(mg.data[5], 0);
	CHECK_INT(mg.data[6], 0);
	CHECK_INT(mg.data[7], 0);
	CHECK_INT(mg.data[9], 255);
	unsigned char *out = malloc(mp.size);
	z_stream z;
	memset(&z, 0, sizeof(z));
	CHECK(out);
	CHECK_INT(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = mg.data;
	z.avail_in = (uInt)mg.size;
	z.next_out = out;
	z.avail_out = (uInt)mp.size;
	CHECK_INT(inflate(&z, Z_FINISH), Z_STREAM_END);
	CHECK_INT(z.total_out, mp.size);
	CHECK_MEM(out, mp.data, mp.size);
	inflateEnd(&z);
	free(out);
	free(mg.data);
	free(mp.data);
}

static void test_layer__same_input_gives_same_bytes(void)
{
	wasmpack_layer_info a, b;
	mem_sink ma = {0}, mb = {0};
	int fd = pattern_file(50000);
	CHECK(fd >= 0);
	CHECK_OK(wasmpack_layer_write(&a, fd, "x.wasm", NULL, to_mem, &ma));
	CHECK_OK(wasmpack_layer_write(&b, fd, "x.wasm", NULL, to_mem, &mb));
	close(fd);
	CHECK_STR(a.digest, b.digest);
	CHECK_INT(ma.size, mb.size);
	CHECK_MEM(ma.data, mb.data, ma.size);
	free(ma.data);
	free(mb.data);
}

static void test_layer__empty_file_and_bad_names(void)
{
	wasmpack_layer_info info;
	mem_sink m = {0};
	char longname[120];
	int fd = pattern_file(0);
	CHECK(fd >= 0);
	CHECK_OK(wasmpack_layer_write(&info, fd, "empty.wasm", NULL, to_mem, &m));
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	CHECK_ERR(wasmpack_layer_write(&info, fd, longname, NULL, to_mem, &m), WASMPACK_EINVALID);
	CHECK_ERR(wasmpack_layer_write(&info, fd, "", NULL, to_mem, &m), WASMPACK_EINVALID);
	close(fd);
	free(m.data);
}

static int failing_sink(const void *data, size_t len, void *payload)
{
	(void)data;
	(void)len;
	(void)payload;
	return WASMPACK_EIO;
}

static void test_layer__sink_errors_stop_the_writer(void)
{
	wasmpack_layer_info info;
	int fd = pattern_file(10000);
	CHECK(fd >= 0);
	CHECK_ERR(wasmpack_layer_write(&info, fd, "x.wasm", NULL, failing_sink, NULL),
		  WASMPACK_EIO);
	close(fd);
}

/* Writes bytes to a fresh temp file and returns its fd (read/write). */
static int temp_with(const void *data, size_t len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/layer-XXXXXX", harness_tmpdir());
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	unlink(path);
	if (write(fd, data, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	return fd;
}

static void test_layer__extract_returns_the_module_bytes(void)
{
	mem_sink layer = {0}, got = {0};
	wasmpack_layer_info info;
	int src = pattern_file(300000);
	CHECK(src >= 0);
	CHECK_OK(wasmpack_layer_write(&info, src, "mod.wasm", NULL, to_mem, &layer));
	int fd = temp_with(layer.data, layer.size);
	CHECK(fd >= 0);
	CHECK_OK(wasmpack_layer_extract(fd, "/mod.wasm", to_mem, &got));
	CHECK_INT(got.size, 300000);
	unsigned char *orig = malloc(300000);
	CHECK(orig);
	CHECK_INT(pread(src, orig, 300000, 0), 300000);
	CHECK_MEM(orig, got.data, got.size);
	mem_sink none = {0};
	CHECK_ERR(wasmpack_layer_extract(fd, "other.wasm", to_mem, &none), WASMPACK_ENOTFOUND);
	free(orig);
	close(fd);
	close(src);
	free(layer.data);
	free(got.data);
	free(none.data);
}

static void test_layer__extract_refuses_links_and_garbage(void)
{
	/* A hand-made tar whose one entry is a symlink named app.wasm. */
	unsigned char tar[512 * 3];
	memset(tar, 0, sizeof(tar));
	memcpy(tar, "app.wasm", 8);
	memcpy(tar + 100, "0000777", 7);
	memcpy(tar + 108, "0000000", 7);
	memcpy(tar + 116, "0000000", 7);
	memcpy(tar + 124, "00000000000", 11);
	memcpy(tar + 136, "00000000000", 11);
	tar[156] = '2';
	memcpy(tar + 157, "/etc/passwd", 11);
	memcpy(tar + 257,
	       "ustar\0"
	       "00",
	       8);
	memset(tar + 148, ' ', 8);
	unsigned sum = 0;
	for (int i = 0; i < 512; i++)
		sum += tar[i];
	snprintf((char *)tar + 148, 8, "%06o", sum);
	int fd = temp_with(tar, sizeof(tar));
	mem_sink m = {0};
	CHECK(fd >= 0);
	CHECK_ERR(wasmpack_layer_extract(fd, "app.wasm", to_mem, &m), WASMPACK_EINVALID);
	close(fd);
	fd = temp_with("this is not a tar archive at all", 32);
	CHECK(fd >= 0);
	int rc = wasmpack_layer_extract(fd, "app.wasm", to_mem, &m);
	CHECK(rc == WASMPACK_EINVALID || rc == WASMPACK_ENOTFOUND);
	close(fd);
	CHECK_INT(m.size, 0);
	free(m.data);
}

/* The compressor thread count, for tests only (lib/image/layer.c). */
void wp_layer_set_threads(int n);

/* The format's block size: part of the output, so the tests pin it. */
#define GZ_BLOCK (128 * 1024) /* BLOCK in lib/image/layer.c */

/* A temp file of len bytes that compress like code: pseudo-random runs
 * with repeats at distances up to 40 KiB, so back references cross the
 * blocks' edges. Returns an open fd. */
static int code_like_file(size_t len, unsigned seed)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/code-XXXXXX", harness_tmpdir());
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	unlink(path);
	unsigned char *b = malloc(len ? len : 1);
	if (!b) {
		close(fd);
		return -1;
	}
	uint32_t x = seed * 2654435761u + 1;
	for (size_t i = 0; i < len;) {
		x = x * 1664525u + 1013904223u;
		size_t run = 3 + (x >> 27);
		size_t dist = 1 + ((x >> 8) % 40960);
		if ((x & 3) && i >= dist) {
			for (size_t k = 0; k < run && i < len; k++, i++)
				b[i] = b[i - dist];
		} else {
			for (size_t k = 0; k < run && i < len; k++, i++) {
				x = x * 1664525u + 1013904223u;
				b[i] = (unsigned char)"\0\x01\x20\x41\x0b\x10\x28\x7f"[x >> 29] ^
				       (unsigned char)(x >> 20 & 3);
			}
		}
	}
	ssize_t w = write(fd, b, len);
	free(b);
	if (w != (ssize_t)len) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads the whole file behind fd (from 0) into a new buffer. */
static unsigned char *slurp(int fd, size_t *len)
{
	off_t n = lseek(fd, 0, SEEK_END);
	unsigned char *b = malloc(n > 0 ? (size_t)n : 1);
	if (!b || n < 0 || pread(fd, b, (size_t)n, 0) != n) {
		free(b);
		return NULL;
	}
	*len = (size_t)n;
	return b;
}

/* The gzip layer spelled out with plain zlib, one block after another on
 * one thread: blocks of GZ_BLOCK tar bytes, each raw-deflated on its own
 * with the 32 KiB before it as dictionary, Z_SYNC_FLUSH between blocks,
 * Z_FINISH at the end; header with no name, mtime 0, OS 255; CRC-32 and
 * size trailer. */
static int reference_gzip(mem_sink *out, const unsigned char *tar, size_t len, int level)
{
	unsigned char h[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255};
	h[8] = level == 9 ? 2 : level == 1 ? 4 : 0;
	if (to_mem(h, sizeof(h), out))
		return -1;
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	size_t cap = deflateBound(&z, GZ_BLOCK) + 64;
	unsigned char *buf = malloc(cap);
	int rc = buf ? 0 : -1;
	for (size_t off = 0; rc == 0 && off < len; off += GZ_BLOCK) {
		size_t n = len - off < GZ_BLOCK ? len - off : GZ_BLOCK;
		size_t dict = off < 32768 ? off : 32768;
		int last = off + n == len;
		deflateReset(&z);
		if (dict)
			deflateSetDictionary(&z, tar + off - dict, (uInt)dict);
		z.next_in = (unsigned char *)(uintptr_t)(tar + off);
		z.avail_in = (uInt)n;
		z.next_out = buf;
		z.avail_out = (uInt)cap;
		int zr = deflate(&z, last ? Z_FINISH : Z_SYNC_FLUSH);
		if ((last && zr != Z_STREAM_END) || z.avail_in || !z.avail_out)
			rc = -1;
		else
			rc = to_mem(buf, cap - z.avail_out, out) ? -1 : 0;
	}
	uLong crc = crc32(0, tar, (uInt)len);
	unsigned char t[8];
	for (int i = 0; i < 4; i++) {
		t[i] = (unsigned char)(crc >> (8 * i));
		t[4 + i] = (unsigned char)((uint32_t)len >> (8 * i));
	}
	if (rc == 0 && to_mem(t, sizeof(t), out))
		rc = -1;
	free(buf);
	deflateEnd(&z);
	return rc;
}

/* Inflates a whole gzip stream; 0 when it is exactly one valid member
 * whose bytes equal want. */
static int gunzips_to(const unsigned char *gz, size_t gzlen, const unsigned char *want,
		      size_t wantlen)
{
	unsigned char *out = malloc(wantlen + 1);
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (!out || inflateInit2(&z, 15 + 16) != Z_OK) {
		free(out);
		return -1;
	}
	z.next_in = (unsigned char *)(uintptr_t)gz;
	z.avail_in = (uInt)gzlen;
	z.next_out = out;
	z.avail_out = (uInt)wantlen + 1;
	int zr = inflate(&z, Z_FINISH);
	int rc = zr == Z_STREAM_END && z.avail_in == 0 && z.total_out == wantlen &&
				 memcmp(out, want, wantlen) == 0
			 ? 0
			 : -1;
	inflateEnd(&z);
	free(out);
	return rc;
}

static void test_layer__gzip_is_the_reference_format_at_every_level(void)
{
	/* 3 blocks, so blocks end mid-file and the last is short. */
	int fd = code_like_file(2 * GZ_BLOCK + 12345, 1);
	CHECK(fd >= 0);
	for (int level = 1; level <= 9; level++) {
		wasmpack_layer_options o = WASMPACK_LAYER_OPTIONS_INIT;
		wasmpack_layer_info gz, plain;
		mem_sink mg = {0}, mp = {0}, ref = {0};
		o.level = level;
		CHECK_OK(wasmpack_layer_write(&gz, fd, "x.wasm", &o, to_mem, &mg));
		o.compression = WASMPACK_COMPRESSION_NONE;
		CHECK_OK(wasmpack_layer_write(&plain, fd, "x.wasm", &o, to_mem, &mp));
		CHECK_INT(reference_gzip(&ref, mp.data, mp.size, level), 0);
		CHECK_INT(ref.size, mg.size);
		CHECK_MEM(ref.data, mg.data, mg.size);
		CHECK_INT(gunzips_to(mg.data, mg.size, mp.data, mp.size), 0);
		CHECK_STR(gz.diff_id, plain.diff_id);
		CHECK_INT(gz.diff_size, (int64_t)mp.size);
		CHECK_INT(gz.size, (int64_t)mg.size);
		free(mg.data);
		free(mp.data);
		free(ref.data);
	}
	close(fd);
}

static void test_layer__gzip_bytes_do_not_depend_on_threads_or_timing(void)
{
	/* The tar is exactly 4 blocks: the last block is a full one. */
	size_t sizes[] = {4 * GZ_BLOCK - 1536, 3 * GZ_BLOCK + 777, 2 * GZ_BLOCK - 1600};
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		int fd = code_like_file(sizes[k], (unsigned)k + 7);
		wasmpack_layer_info first, again;
		mem_sink m0 = {0};
		wasmpack_layer_options o = WASMPACK_LAYER_OPTIONS_INIT;
		o.level = 1; /* the fastest: the schedule is what is under test */
		CHECK(fd >= 0);
		wp_layer_set_threads(1);
		CHECK_OK(wasmpack_layer_write(&first, fd, "x.wasm", &o, to_mem, &m0));
		for (int threads = 1; threads <= 8; threads++) {
			/* Several runs each, so worker timing varies. */
			int runs = threads == 2 && k == 0 ? 20 : 2;
			for (int run = 0; run < runs; run++) {
				mem_sink m = {0};
				wp_layer_set_threads(threads);
				int rc = wasmpack_layer_write(&again, fd, "x.wasm", &o, to_mem, &m);
				wp_layer_set_threads(0);
				CHECK_OK(rc);
				CHECK_STR(again.digest, first.digest);
				CHECK_STR(again.diff_id, first.diff_id);
				CHECK_INT(m.size, m0.size);
				CHECK_MEM(m.data, m0.data, m.size);
				free(m.data);
			}
			/* Uncompressed, the tar is hashed on its own thread. */
			wasmpack_layer_options none = WASMPACK_LAYER_OPTIONS_INIT;
			wasmpack_layer_info plain;
			mem_sink mp = {0};
			none.compression = WASMPACK_COMPRESSION_NONE;
			wp_layer_set_threads(threads);
			int rc = wasmpack_layer_write(&plain, fd, "x.wasm", &none, to_mem, &mp);
			wp_layer_set_threads(0);
			CHECK_OK(rc);
			CHECK_STR(plain.digest, first.diff_id);
			CHECK_INT(gunzips_to(m0.data, m0.size, mp.data, mp.size), 0);
			char d[WASMPACK_DIGEST_MAX];
			CHECK_OK(wasmpack_digest_of(d, mp.data, mp.size));
			CHECK_STR(d, first.diff_id);
			free(mp.data);
		}
		size_t tlen = 0;
		unsigned char *src = slurp(fd, &tlen);
		CHECK(src != NULL);
		CHECK_INT(first.diff_size, (int64_t)(512 + tlen + (512 - tlen % 512) % 512 + 1024));
		free(src);
		free(m0.data);
		close(fd);
	}
}

static void test_layer__one_block_gzip_is_plain_zlib_gzip(void)
{
	/* Layers of one block keep the bytes (and digests) a single-call
	 * zlib gzip stream gives, as wasmpack wrote them before. */
	wasmpack_layer_options o = WASMPACK_LAYER_OPTIONS_INIT;
	wasmpack_layer_info gz, plain;
	mem_sink mg = {0}, mp = {0};
	int fd = code_like_file(100000, 3);
	CHECK(fd >= 0);
	CHECK_OK(wasmpack_layer_write(&gz, fd, "x.wasm", NULL, to_mem, &mg));
	o.compression = WASMPACK_COMPRESSION_NONE;
	CHECK_OK(wasmpack_layer_write(&plain, fd, "x.wasm", &o, to_mem, &mp));
	close(fd);
	z_stream z;
	gz_header head;
	memset(&z, 0, sizeof(z));
	memset(&head, 0, sizeof(head));
	head.os = 255;
	unsigned char *out = malloc(mp.size + 1024);
	CHECK(out);
	CHECK_INT(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	CHECK_INT(deflateSetHeader(&z, &head), Z_OK);
	z.next_in = mp.data;
	z.avail_in = (uInt)mp.size;
	z.next_out = out;
	z.avail_out = (uInt)mp.size + 1024;
	CHECK_INT(deflate(&z, Z_FINISH), Z_STREAM_END);
	CHECK_INT(z.total_out, mg.size);
	CHECK_MEM(out, mg.data, mg.size);
	deflateEnd(&z);
	free(out);
	free(mg.data);
	free(mp.data);
}

/* Fails once more than `left` bytes were written. */
static int sink_until(const void *data, size_t len, void *payload)
{
	size_t *left = payload;
	(void)data;
	if (len > *left)
		return WASMPACK_EIO;
	*left -= len;
	return 0;
}

static void test_layer__sink_error_mid_stream_stops_the_threads(void)
{
	wasmpack_layer_info info;
	int fd = code_like_file(20 * GZ_BLOCK, 5);
	CHECK(fd >= 0);
	for (int threads = 1; threads <= 4; threads++) {
		size_t left = 3 * GZ_BLOCK / 4;
		wp_layer_set_threads(threads);
		int rc = wasmpack_layer_write(&info, fd, "x.wasm", NULL, sink_until, &left);
		wp_layer_set_threads(0);
		CHECK_ERR(rc, WASMPACK_EIO);
	}
	close(fd);
}

static void test_layer__multi_block_layer_extracts_with_libarchive(void)
{
	mem_sink layer = {0}, got = {0};
	wasmpack_layer_info info;
	size_t len = 3 * GZ_BLOCK + 4321;
	int src = code_like_file(len, 9);
	CHECK(src >= 0);
	CHECK_OK(wasmpack_layer_write(&info, src, "big.wasm", NULL, to_mem, &layer));
	int fd = temp_with(layer.data, layer.size);
	CHECK(fd >= 0);
	CHECK_OK(wasmpack_layer_extract(fd, "big.wasm", to_mem, &got));
	size_t olen = 0;
	unsigned char *orig = slurp(src, &olen);
	CHECK(orig);
	CHECK_INT(olen, len);
	CHECK_INT(got.size, len);
	CHECK_MEM(orig, got.data, len);
	free(orig);
	close(fd);
	close(src);
	free(layer.data);
	free(got.data);
}

const test_case layer_tests[] = {
	TEST_ENTRY(test_layer__uncompressed_tar_has_exact_header_and_padding),
	TEST_ENTRY(test_layer__gzip_decompresses_to_the_diff_id_bytes),
	TEST_ENTRY(test_layer__same_input_gives_same_bytes),
	TEST_ENTRY(test_layer__empty_file_and_bad_names),
	TEST_ENTRY(test_layer__sink_errors_stop_the_writer),
	TEST_ENTRY(test_layer__extract_returns_the_module_bytes),
	TEST_ENTRY(test_layer__extract_refuses_links_and_garbage),
	TEST_ENTRY(test_layer__gzip_is_the_reference_format_at_every_level),
	TEST_ENTRY(test_layer__gzip_bytes_do_not_depend_on_threads_or_timing),
	TEST_ENTRY(test_layer__one_block_gzip_is_plain_zlib_gzip),
	TEST_ENTRY(test_layer__sink_error_mid_stream_stops_the_threads),
	TEST_ENTRY(test_layer__multi_block_layer_extracts_with_libarchive),
	TEST_END,
};
