/* Tests of the layer writer (tar, gzip, digests) and extraction. */
#include "harness.h"

#include <fcntl.h>
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
	CHECK(m.size == 512 + 1024 + 1024);
	CHECK(info.size == (int64_t)m.size && info.diff_size == (int64_t)m.size);
	CHECK_STR(info.digest, info.diff_id);
	CHECK(memcmp(m.data, "app.wasm", 9) == 0);
	CHECK(memcmp(m.data + 100, "0000755", 8) == 0);
	CHECK(memcmp(m.data + 124, "00000001750", 12) == 0); /* 1000 in octal */
	CHECK(memcmp(m.data + 257, "ustar\0" "00", 8) == 0);
	CHECK(m.data[156] == '0');
	unsigned sum = 0;
	for (int i = 0; i < 512; i++)
		sum += (i >= 148 && i < 156) ? ' ' : m.data[i];
	CHECK(strtoul((const char *)m.data + 148, NULL, 8) == sum);
	for (size_t i = 512 + 1000; i < m.size; i++)
		CHECK(m.data[i] == 0);
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
	CHECK(gz.size == (int64_t)mg.size && gz.size < plain.size);
	/* gzip header: no name, mtime 0, OS unknown */
	CHECK(mg.data[0] == 0x1f && mg.data[1] == 0x8b && mg.data[3] == 0);
	CHECK(mg.data[4] == 0 && mg.data[5] == 0 && mg.data[6] == 0 && mg.data[7] == 0);
	CHECK(mg.data[9] == 255);
	unsigned char *out = malloc(mp.size);
	z_stream z;
	memset(&z, 0, sizeof(z));
	CHECK(out && inflateInit2(&z, 15 + 16) == Z_OK);
	z.next_in = mg.data;
	z.avail_in = (uInt)mg.size;
	z.next_out = out;
	z.avail_out = (uInt)mp.size;
	CHECK(inflate(&z, Z_FINISH) == Z_STREAM_END);
	CHECK(z.total_out == mp.size && memcmp(out, mp.data, mp.size) == 0);
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
	CHECK(ma.size == mb.size && memcmp(ma.data, mb.data, ma.size) == 0);
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
	CHECK_ERR(wasmpack_layer_write(&info, fd, "x.wasm", NULL, failing_sink, NULL), WASMPACK_EIO);
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
	CHECK(got.size == 300000);
	unsigned char *orig = malloc(300000);
	CHECK(orig && pread(src, orig, 300000, 0) == 300000);
	CHECK(memcmp(orig, got.data, got.size) == 0);
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
	memcpy(tar + 257, "ustar\0" "00", 8);
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
	CHECK(m.size == 0);
	free(m.data);
}

const test_case layer_tests[] = {
	TEST_ENTRY(test_layer__uncompressed_tar_has_exact_header_and_padding),
	TEST_ENTRY(test_layer__gzip_decompresses_to_the_diff_id_bytes),
	TEST_ENTRY(test_layer__same_input_gives_same_bytes),
	TEST_ENTRY(test_layer__empty_file_and_bad_names),
	TEST_ENTRY(test_layer__sink_errors_stop_the_writer),
	TEST_ENTRY(test_layer__extract_returns_the_module_bytes),
	TEST_ENTRY(test_layer__extract_refuses_links_and_garbage),
	TEST_END,
};
