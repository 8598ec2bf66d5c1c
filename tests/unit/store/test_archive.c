/* Tests of save and load (wasmpack_save, wasmpack_load): an image saved
 * from one store and loaded into another comes back with the same digests
 * and bytes, and an archive whose blob was changed is refused without
 * naming anything in the store. */
#include "harness.h"
#include "fixtures.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void fd_close(void *p)
{
	int *fd = p;
	if (*fd >= 0)
		close(*fd);
	free(fd);
}

/* A new empty temporary file open for reading and writing, closed after
 * the test; -1 after failing the test. */
static int temp_file_(const char *name)
{
	static int counter;
	char path[700];
	int *fd = malloc(sizeof(*fd));
	if (!fd) {
		harness_fail(__FILE__, __LINE__, "malloc", NULL);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/archive-%s-%d.tar", harness_tmpdir(), name, ++counter);
	*fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (harness_defer(fd_close, fd) != 0)
		return -1;
	if (*fd < 0) {
		harness_fail(__FILE__, __LINE__, "open a temporary file", path);
		return -1;
	}
	return *fd;
}
#define temp_file(name) AT_INT(temp_file_(name))

/* The whole of fd, from its start, into out (caller disposes). */
static int read_all(wasmpack_buf *out, int fd)
{
	off_t size = lseek(fd, 0, SEEK_END);
	if (size < 0 || lseek(fd, 0, SEEK_SET) != 0)
		return -1;
	out->data = malloc((size_t)size + 1);
	out->size = 0;
	if (!out->data)
		return -1;
	while (out->size < (size_t)size) {
		ssize_t n = read(fd, out->data + out->size, (size_t)size - out->size);
		if (n <= 0)
			return -1;
		out->size += (size_t)n;
	}
	return lseek(fd, 0, SEEK_SET) == 0 ? 0 : -1;
}

/* The offset of the data of the tar member named name, or -1. */
static long tar_member(const wasmpack_buf *tar, const char *name)
{
	size_t at = 0;
	while (at + 512 <= tar->size && tar->data[at]) {
		const char *hdr = (const char *)tar->data + at;
		long size = strtol(hdr + 124, NULL, 8);
		if (strncmp(hdr, name, 100) == 0)
			return (long)at + 512;
		at += 512 + (((size_t)size + 511) / 512) * 512;
	}
	return -1;
}

static void test_archive__save_then_load_round_trips_into_another_store(void)
{
	wasmpack_store *a = temp_store("save-a"), *b = temp_store("save-b");
	if (!a || !b)
		return;
	built *img = build_hello(a, "demo/hello:v1");
	wasmpack_reference *name = parse_ref("demo/hello:v1");
	int fd = temp_file("round-trip"), again = temp_file("round-trip-again");
	if (!img || !name || fd < 0 || again < 0)
		return;
	const wasmpack_reference *refs[] = {name};
	CHECK_OK(wasmpack_save(a, refs, 1, fd));
	CHECK_INT(lseek(fd, 0, SEEK_SET), 0);

	wasmpack_store_image *images = NULL;
	size_t count = 0;
	CHECK_OK(wasmpack_load(&images, &count, b, fd, NULL));
	int one = count == 1;
	char digest[WASMPACK_DIGEST_MAX] = "";
	if (one)
		snprintf(digest, sizeof(digest), "%s", images[0].descriptor.digest);
	wasmpack_store_images_free(images, count);
	CHECK(one);
	CHECK_STR(digest, img->r.manifest.digest);

	/* The name resolves in the second store, to blobs with the same bytes. */
	wasmpack_descriptor d = {0};
	CHECK_OK(wasmpack_store_resolve(&d, b, name));
	int same = strcmp(d.digest, img->r.manifest.digest) == 0;
	wasmpack_descriptor_dispose(&d);
	CHECK(same);
	const wasmpack_descriptor *descs[] = {&img->r.manifest, &img->r.config, &img->r.layer};
	const wasmpack_buf *bytes[] = {&img->manifest, &img->config, &img->layer};
	for (size_t i = 0; i < 3; i++) {
		wasmpack_buf got = WASMPACK_BUF_INIT;
		CHECK_OK(wasmpack_store_blob_read(&got, b, descs[i]->digest, 1 << 24));
		int equal = got.size == bytes[i]->size &&
			    memcmp(got.data, bytes[i]->data, got.size) == 0;
		wasmpack_buf_dispose(&got);
		CHECK(equal);
	}

	/* Saved again from the second store: the same bytes. */
	CHECK_OK(wasmpack_save(b, refs, 1, again));
	wasmpack_buf first = WASMPACK_BUF_INIT, second = WASMPACK_BUF_INIT;
	int rc = read_all(&first, fd) || read_all(&second, again);
	int equal = !rc && first.size == second.size &&
		    memcmp(first.data, second.data, first.size) == 0;
	size_t sizes[2] = {first.size, second.size};
	wasmpack_buf_dispose(&first);
	wasmpack_buf_dispose(&second);
	CHECK_INT(rc, 0);
	CHECK_INT(sizes[1], sizes[0]);
	CHECK(equal);
}

/* Saves hello, changes one byte of the blob `which` (0 layer, 1 config)
 * inside the archive, and loads it into an empty store: refused, with
 * nothing named and that blob absent. */
static void load_tampered(int which)
{
	wasmpack_store *a = temp_store("tamper-a"), *b = temp_store("tamper-b");
	if (!a || !b)
		return;
	built *img = build_hello(a, "demo/hello:v1");
	wasmpack_reference *name = parse_ref("demo/hello:v1");
	int fd = temp_file("tampered");
	if (!img || !name || fd < 0)
		return;
	const wasmpack_reference *refs[] = {name};
	CHECK_OK(wasmpack_save(a, refs, 1, fd));

	const wasmpack_descriptor *victim = which ? &img->r.config : &img->r.layer;
	char member[200];
	snprintf(member, sizeof(member), "blobs/sha256/%s", strchr(victim->digest, ':') + 1);
	wasmpack_buf tar = WASMPACK_BUF_INIT;
	CHECK_INT(read_all(&tar, fd), 0);
	long at = tar_member(&tar, member);
	wasmpack_buf_dispose(&tar);
	if (at < 0)
		harness_fail(__FILE__, __LINE__, "the archive holds the blob", member);
	CHECK(at >= 0);
	/* One byte in the middle of the blob, flipped in place. */
	off_t where = (off_t)at + (off_t)(victim->size / 2);
	unsigned char c;
	CHECK_INT(pread(fd, &c, 1, where), 1);
	c ^= 0x01;
	CHECK_INT(pwrite(fd, &c, 1, where), 1);

	wasmpack_store_image *images = NULL;
	size_t count = 0;
	int rc = wasmpack_load(&images, &count, b, fd, NULL);
	wasmpack_store_images_free(images, rc == 0 ? count : 0);
	CHECK_ERR(rc, WASMPACK_EDIGEST);
	CHECK_INT(wasmpack_store_blob_exists(b, victim->digest), 0);
	wasmpack_descriptor d = {0};
	CHECK_ERR(wasmpack_store_resolve(&d, b, name), WASMPACK_ENOTFOUND);
	count = 99;
	images = NULL;
	CHECK_OK(wasmpack_store_list(&images, &count, b));
	wasmpack_store_images_free(images, count);
	CHECK_INT(count, 0);
}

static void test_archive__load_refuses_a_changed_layer(void) { AT_VOID(load_tampered(0)); }

static void test_archive__load_refuses_a_changed_config(void) { AT_VOID(load_tampered(1)); }

const test_case archive_tests[] = {
	TEST_ENTRY(test_archive__save_then_load_round_trips_into_another_store),
	TEST_ENTRY(test_archive__load_refuses_a_changed_layer),
	TEST_ENTRY(test_archive__load_refuses_a_changed_config),
	TEST_END,
};
