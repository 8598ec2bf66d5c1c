/* Tests of the one tar reader (lib/image/tar.c): the hostile-input checks
 * every tar user now shares. */
#include "harness.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "image/tar.h"

typedef struct tar_spec {
	const char *name;
	int type;         /* AE_IFREG, AE_IFLNK, AE_IFDIR */
	const char *link; /* symlink target, or hard link name when hard */
	int hard;
	const char *data;
} tar_spec;

/* Writes the entries to a new file under the test's tmpdir; its fd. */
static int write_tar(const char *file, const tar_spec *specs, size_t n)
{
	char path[700];
	snprintf(path, sizeof(path), "%s/%s", harness_tmpdir(), file);
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	if (archive_write_open_filename(a, path) != ARCHIVE_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		size_t len = specs[i].data ? strlen(specs[i].data) : 0;
		archive_entry_set_pathname(e, specs[i].name);
		archive_entry_set_filetype(e, (unsigned)specs[i].type);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)len);
		if (specs[i].hard)
			archive_entry_set_hardlink(e, specs[i].link);
		else if (specs[i].link)
			archive_entry_set_symlink(e, specs[i].link);
		archive_write_header(a, e);
		if (len)
			archive_write_data(a, specs[i].data, len);
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	return open(path, O_RDONLY);
}

static int collect(const void *data, size_t len, void *payload)
{
	wasmpack_buf *b = payload;
	unsigned char *g = realloc(b->data, b->size + len + 1);
	if (!g)
		return WASMPACK_ENOMEM;
	memcpy(g + b->size, data, len);
	b->data = g;
	b->size += len;
	g[b->size] = 0;
	return 0;
}

static void test_tar__reads_entries_in_passes(void)
{
	static const tar_spec specs[] = {
		{"dir/", AE_IFDIR, NULL, 0, NULL},
		{"./dir//a.txt", AE_IFREG, NULL, 0, "hello"},
		{"b.txt", AE_IFREG, NULL, 0, "world!"},
	};
	int fd = write_tar("plain.tar", specs, 3);
	wp_tar t;
	wasmpack_buf got = WASMPACK_BUF_INIT;
	char *clean = NULL;
	CHECK(fd >= 0);
	CHECK_OK(wp_tar_open(&t, fd, 0, "the test tar"));
	CHECK(wp_tar_next(&t) == 1 && t.index == 0);
	CHECK(wp_tar_next(&t) == 1 && t.index == 1);
	CHECK_OK(wp_tar_entry_path(&clean, &t, "test"));
	CHECK_STR(clean, "dir/a.txt");
	free(clean);
	CHECK(wp_tar_next(&t) == 1);
	CHECK(wp_tar_next(&t) == 0);
	/* A second pass straight to entry 1. */
	CHECK_OK(wp_tar_seek(&t, 1));
	CHECK_OK(wp_tar_stream(&t, "a.txt", collect, &got));
	CHECK(got.size == 5 && memcmp(got.data, "hello", 5) == 0);
	wasmpack_buf_dispose(&got);
	CHECK_OK(wp_tar_seek(&t, 2));
	got.data = calloc(1, 1);
	CHECK_ERR(wp_tar_read(&t, &got, 3, "b.txt"), WASMPACK_ETOOLARGE);
	wasmpack_buf_dispose(&got);
	CHECK_ERR(wp_tar_seek(&t, 7), WASMPACK_EINVALID);
	wp_tar_close(&t);
	wp_tar_close(&t);
	close(fd);
}

static void test_tar__entry_path_refuses_escapes(void)
{
	static const tar_spec specs[] = {
		{"../evil", AE_IFREG, NULL, 0, "x"},
		{"/abs", AE_IFREG, NULL, 0, "x"},
		{"a/b/../../../up", AE_IFREG, NULL, 0, "x"},
		{"a/link", AE_IFLNK, "../../etc/passwd", 0, NULL},
		{"a/abs-link", AE_IFLNK, "/etc/passwd", 0, NULL},
		{"a/hard", AE_IFREG, "../outside", 1, NULL},
		{"a/ok-link", AE_IFLNK, "../b/c", 0, NULL},
		{"a/ok-hard", AE_IFREG, "a/link", 1, NULL},
	};
	static const int refused[] = {1, 1, 1, 1, 1, 1, 0, 0};
	int fd = write_tar("escapes.tar", specs, 8);
	wp_tar t;
	CHECK(fd >= 0);
	CHECK_OK(wp_tar_open(&t, fd, 0, "the test tar"));
	for (size_t i = 0; i < 8; i++) {
		char *clean = NULL;
		CHECK(wp_tar_next(&t) == 1);
		int rc = wp_tar_entry_path(&clean, &t, "test layer");
		if ((rc == WASMPACK_EINVALID) != refused[i] || (rc == 0) == refused[i]) {
			harness_fail(__FILE__, __LINE__, "escape check", specs[i].name);
			free(clean);
			wp_tar_close(&t);
			close(fd);
			return;
		}
		if (rc < 0) {
			CHECK(clean == NULL);
			CHECK(strncmp(wasmpack_error_last(), "refusing test layer: ", 21) == 0);
		}
		free(clean);
	}
	wp_tar_close(&t);
	close(fd);
}

static void test_tar__refuses_sparse_entries_without_streaming(void)
{
	char path[1024];
	wp_tar t;
	wasmpack_buf in = WASMPACK_BUF_INIT, got = WASMPACK_BUF_INIT;
	/* The fuzz input is a name-length byte, the name, then the tar: an
	 * old-GNU sparse entry declaring a 1 TiB hole. */
	CHECK(harness_read_testdata(&in, "fuzz/tar/hostile-sparse-1tib.tar") == 0);
	CHECK(in.size > 1 + (size_t)in.data[0]);
	snprintf(path, sizeof(path), "%s/sparse.tar", harness_tmpdir());
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	size_t skip = 1 + (size_t)in.data[0];
	int wrote = write(fd, in.data + skip, in.size - skip) == (ssize_t)(in.size - skip);
	wasmpack_buf_dispose(&in);
	CHECK(wrote);
	CHECK_OK(wp_tar_open(&t, fd, WP_TAR_GZIP_ONLY, "the layer"));
	CHECK(wp_tar_next(&t) == 1);
	CHECK(archive_entry_size(t.entry) > ((la_int64_t)1 << 40));
	CHECK_ERR(wp_tar_stream(&t, "app.wasm", collect, &got), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(), "'app.wasm' in the layer is a sparse file");
	CHECK(got.size == 0);
	wp_tar_close(&t);
	/* The layer reader says the same. */
	CHECK_ERR(wasmpack_layer_extract(fd, "app.wasm", collect, &got), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(), "'app.wasm' in the layer is a sparse file");
	CHECK(got.size == 0);
	close(fd);
}

static void test_tar__a_pipe_is_refused(void)
{
	int p[2];
	wp_tar t;
	CHECK(pipe(p) == 0);
	CHECK_ERR(wp_tar_open(&t, p[0], WP_TAR_CALLER_FD, "the archive"), WASMPACK_EINVALID);
	CHECK(strstr(wasmpack_error_last(), "seekable") != NULL);
	CHECK_ERR(wp_tar_open(&t, p[0], 0, "the layer"), WASMPACK_EIO);
	close(p[0]);
	close(p[1]);
}

const test_case tar_tests[] = {
	TEST_ENTRY(test_tar__reads_entries_in_passes),
	TEST_ENTRY(test_tar__entry_path_refuses_escapes),
	TEST_ENTRY(test_tar__refuses_sparse_entries_without_streaming),
	TEST_ENTRY(test_tar__a_pipe_is_refused),
	TEST_END,
};
