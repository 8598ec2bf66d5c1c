/* Hostile layers given to wasmpack_layer_extract, hand-made block by
 * block: every entry kind that is not a regular file, names that climb
 * out or start at the root, headers that announce more than they hold,
 * and extended headers of absurd size. Extraction streams one named file
 * to a sink and never writes the archive's paths anywhere; these tests
 * check that nothing but a plain regular file of that name ever reaches
 * the sink, that what is refused is refused cleanly (EINVALID or
 * ENOTFOUND, never a crash or a huge allocation), and quickly. */
#include "harness.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define BLOCK 512

typedef struct tarbuf {
	unsigned char *data;
	size_t size;
} tarbuf;

/* Appends a ustar header; `size` goes in the size field as octal, or in
 * base-256 when `size256` (the GNU form for sizes over 8 GiB). */
static int tar_header(tarbuf *t, const char *name, char type, unsigned long long size,
		      const char *link, int size256)
{
	unsigned char *g = realloc(t->data, t->size + BLOCK);
	if (!g)
		return -1;
	t->data = g;
	unsigned char *h = g + t->size;
	memset(h, 0, BLOCK);
	memcpy(h, name, strlen(name) < 100 ? strlen(name) : 100);
	memcpy(h + 100, "0000644", 7);
	memcpy(h + 108, "0000000", 7);
	memcpy(h + 116, "0000000", 7);
	if (size256) {
		h[124] = 0x80;
		for (int i = 0; i < 8; i++)
			h[135 - i] = (unsigned char)(size >> (8 * i));
	} else {
		snprintf((char *)h + 124, 12, "%011llo", size);
	}
	memcpy(h + 136, "00000000000", 11);
	h[156] = (unsigned char)type;
	if (link)
		memcpy(h + 157, link, strlen(link) < 100 ? strlen(link) : 100);
	memcpy(h + 257,
	       "ustar\0"
	       "00",
	       8);
	memset(h + 148, ' ', 8);
	unsigned sum = 0;
	for (int i = 0; i < BLOCK; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	t->size += BLOCK;
	return 0;
}

/* Appends len bytes padded to a block. */
static int tar_data(tarbuf *t, const void *data, size_t len)
{
	size_t padded = (len + BLOCK - 1) / BLOCK * BLOCK;
	unsigned char *g = realloc(t->data, t->size + padded);
	if (!g)
		return -1;
	t->data = g;
	memset(g + t->size, 0, padded);
	memcpy(g + t->size, data, len);
	t->size += padded;
	return 0;
}

/* A regular file entry with its bytes. */
static int tar_file(tarbuf *t, const char *name, const char *text)
{
	return tar_header(t, name, '0', strlen(text), NULL, 0) || tar_data(t, text, strlen(text));
}

static int tar_end(tarbuf *t)
{
	static const unsigned char zeros[2 * BLOCK];
	return tar_data(t, zeros, sizeof(zeros));
}

typedef struct sink {
	size_t bytes;
	char first[64];
} sink;

static int to_sink(const void *data, size_t len, void *payload)
{
	sink *s = payload;
	if (s->bytes < sizeof(s->first) - 1) {
		size_t n = len < sizeof(s->first) - 1 - s->bytes ? len
								 : sizeof(s->first) - 1 - s->bytes;
		memcpy(s->first + s->bytes, data, n);
	}
	s->bytes += len;
	return s->bytes > (64u << 20) ? WASMPACK_ETOOLARGE : 0;
}

/* Runs wasmpack_layer_extract(path) over the archive in t (freed here). */
static int extract(tarbuf *t, const char *path, sink *s)
{
	char file[600];
	memset(s, 0, sizeof(*s));
	snprintf(file, sizeof(file), "%s/hostile-XXXXXX", harness_tmpdir());
	int fd = mkstemp(file);
	if (fd < 0) {
		free(t->data);
		return -1000;
	}
	unlink(file);
	int ok = t->data && write(fd, t->data, t->size) == (ssize_t)t->size;
	free(t->data);
	t->data = NULL;
	t->size = 0;
	int rc = ok ? wasmpack_layer_extract(fd, path, to_sink, s) : -1000;
	close(fd);
	return rc;
}

static void test_hostile__every_entry_kind_but_a_file_is_refused(void)
{
	/* hard link, symlink, char device, block device, directory, fifo,
	 * contiguous file (GNU '7' is read as a file: allowed) */
	const char kinds[] = {'1', '2', '3', '4', '5', '6'};
	for (size_t i = 0; i < sizeof(kinds); i++) {
		tarbuf t = {0};
		sink s;
		CHECK(tar_file(&t, "real.wasm", "wasm secret") == 0);
		CHECK(tar_header(&t, "app.wasm", kinds[i], 0, kinds[i] <= '2' ? "real.wasm" : NULL,
				 0) == 0);
		CHECK_INT(tar_end(&t), 0);
		int rc = extract(&t, "app.wasm", &s);
		if (rc != WASMPACK_EINVALID || s.bytes != 0) {
			char what[64];
			snprintf(what, sizeof(what), "entry type '%c' gave %d, %zu bytes", kinds[i],
				 rc, s.bytes);
			harness_fail(__FILE__, __LINE__, "a non-file entry is refused", what);
			return;
		}
	}
}

static void test_hostile__a_hard_link_to_a_file_is_not_followed(void)
{
	/* GNU tar writes a hard link as type '1' with the target's name and
	 * no data; following it would read another entry's bytes. */
	tarbuf t = {0};
	sink s;
	CHECK(tar_file(&t, "etc/shadow", "root:secret") == 0);
	CHECK(tar_header(&t, "app.wasm", '1', 0, "etc/shadow", 0) == 0);
	CHECK_INT(tar_end(&t), 0);
	CHECK_ERR(extract(&t, "app.wasm", &s), WASMPACK_EINVALID);
	CHECK_INT(s.bytes, 0);
}

static void test_hostile__names_that_climb_out_do_not_match(void)
{
	const char *names[] = {
		"../app.wasm", "../../../../app.wasm", "x/../../app.wasm", "app.wasm/..",
		"..",          "./../app.wasm"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		tarbuf t = {0};
		sink s;
		CHECK(tar_file(&t, names[i], "wasm climbing") == 0);
		CHECK_INT(tar_end(&t), 0);
		int rc = extract(&t, "app.wasm", &s);
		if (rc != WASMPACK_ENOTFOUND || s.bytes != 0) {
			harness_fail(__FILE__, __LINE__, "a climbing name is not app.wasm",
				     names[i]);
			return;
		}
	}
}

static void test_hostile__absolute_names_are_read_inside_the_layer(void)
{
	/* "/app.wasm" is the layer's app.wasm (as the API documents), never
	 * a host path: its bytes go to the sink, nothing is written. */
	tarbuf t = {0};
	sink s;
	CHECK(tar_file(&t, "/app.wasm", "wasm rooted") == 0);
	CHECK_INT(tar_end(&t), 0);
	CHECK_OK(extract(&t, "app.wasm", &s));
	CHECK_INT(s.bytes, 11);
	CHECK_MEM(s.first, "wasm rooted", 11);
	/* and "/etc/passwd" in a layer is only a name */
	t = (tarbuf){0};
	CHECK(tar_file(&t, "/etc/passwd", "not the host's") == 0);
	CHECK_INT(tar_end(&t), 0);
	CHECK_OK(extract(&t, "/etc/passwd", &s));
	CHECK_INT(s.bytes, 14);
	CHECK_MEM(s.first, "not the host's", 14);
}

static void test_hostile__the_last_of_two_entries_is_the_one_read(void)
{
	tarbuf t = {0};
	sink s;
	CHECK(tar_file(&t, "app.wasm", "first") == 0);
	CHECK(tar_file(&t, "./app.wasm", "second!") == 0);
	CHECK_INT(tar_end(&t), 0);
	CHECK_OK(extract(&t, "app.wasm", &s));
	CHECK_INT(s.bytes, 7);
	CHECK_MEM(s.first, "second!", 7);
	/* a later link of the same name wins too, and is refused */
	t = (tarbuf){0};
	CHECK(tar_file(&t, "app.wasm", "file") == 0);
	CHECK(tar_header(&t, "app.wasm", '2', 0, "/etc/passwd", 0) == 0);
	CHECK_INT(tar_end(&t), 0);
	CHECK_ERR(extract(&t, "app.wasm", &s), WASMPACK_EINVALID);
	CHECK_INT(s.bytes, 0);
}

static void test_hostile__sizes_beyond_the_data_are_refused(void)
{
	const unsigned long long sizes[] = {100000, 1ull << 33, 1ull << 62};
	for (size_t i = 0; i < 3; i++) {
		tarbuf t = {0};
		sink s;
		CHECK(tar_header(&t, "app.wasm", '0', sizes[i], NULL, sizes[i] >= (1ull << 33)) ==
		      0);
		CHECK(tar_data(&t, "wasm only this much", 19) == 0);
		CHECK_INT(tar_end(&t), 0);
		int rc = extract(&t, "app.wasm", &s);
		if (rc != WASMPACK_EINVALID || s.bytes > 4 * BLOCK) {
			char what[96];
			snprintf(what, sizeof(what), "size %llu gave %d after %zu bytes", sizes[i],
				 rc, s.bytes);
			harness_fail(__FILE__, __LINE__, "a size past the data is refused", what);
			return;
		}
	}
}

/* Extended headers (pax 'x' and 'g', GNU long names 'L' and long links
 * 'K') that announce gigabytes: refused without reading or allocating
 * that much, in well under a second each. */
static void test_hostile__oversize_extended_headers_are_refused(void)
{
	const char kinds[] = {'x', 'g', 'L', 'K'};
	const unsigned long long sizes[] = {1ull << 30, 1ull << 40};
	for (size_t i = 0; i < sizeof(kinds); i++) {
		for (size_t j = 0; j < 2; j++) {
			tarbuf t = {0};
			sink s;
			CHECK(tar_header(&t, "././@LongLink", kinds[i], sizes[j], NULL,
					 sizes[j] >= (1ull << 33)) == 0);
			CHECK(tar_data(&t, "30 path=aaaaaaaaaaaaaaaaaaaaa\n", 30) == 0);
			CHECK(tar_file(&t, "app.wasm", "wasm after a lie") == 0);
			CHECK_INT(tar_end(&t), 0);
			struct timespec a, b;
			clock_gettime(CLOCK_MONOTONIC, &a);
			int rc = extract(&t, "app.wasm", &s);
			clock_gettime(CLOCK_MONOTONIC, &b);
			double secs = (double)(b.tv_sec - a.tv_sec) +
				      (double)(b.tv_nsec - a.tv_nsec) / 1e9;
			if ((rc != WASMPACK_EINVALID && rc != WASMPACK_ENOTFOUND) || s.bytes != 0 ||
			    secs > 2.0) {
				char what[96];
				snprintf(what, sizeof(what),
					 "type '%c' of %llu bytes gave %d, %zu bytes, %.2f s",
					 kinds[i], sizes[j], rc, s.bytes, secs);
				harness_fail(__FILE__, __LINE__,
					     "an oversize extended header is refused", what);
				return;
			}
		}
	}
}

/* A pax header that renames an entry to climb out: the new name is the
 * one that counts, and it does not match. */
static void test_hostile__pax_names_that_climb_out_do_not_match(void)
{
	const char rec[] = "23 path=../../app.wasm\n";
	tarbuf t = {0};
	sink s;
	CHECK(tar_header(&t, "PaxHeaders/app.wasm", 'x', strlen(rec), NULL, 0) == 0);
	CHECK_INT(tar_data(&t, rec, strlen(rec)), 0);
	CHECK(tar_file(&t, "app.wasm", "wasm renamed") == 0);
	CHECK_INT(tar_end(&t), 0);
	CHECK_ERR(extract(&t, "app.wasm", &s), WASMPACK_ENOTFOUND);
	CHECK_INT(s.bytes, 0);
}

static void test_hostile__a_bad_checksum_is_refused(void)
{
	tarbuf t = {0};
	sink s;
	CHECK(tar_file(&t, "app.wasm", "wasm checked") == 0);
	CHECK_INT(tar_end(&t), 0);
	t.data[148] = '7'; /* the checksum field */
	int rc = extract(&t, "app.wasm", &s);
	CHECK(rc == WASMPACK_EINVALID || rc == WASMPACK_ENOTFOUND);
	CHECK_INT(s.bytes, 0);
}

static void test_hostile__random_blocks_never_crash(void)
{
	/* Headers with every field but the name, type and checksum random. */
	unsigned x = 12345;
	for (int round = 0; round < 300; round++) {
		tarbuf t = {0};
		sink s;
		CHECK(tar_file(&t, "app.wasm", "wasm base") == 0);
		CHECK_INT(tar_end(&t), 0);
		for (int k = 0; k < 8; k++) {
			x = x * 1103515245u + 12345u;
			size_t at = (x >> 8) % t.size;
			t.data[at] = (unsigned char)(x >> 24);
		}
		int rc = extract(&t, "app.wasm", &s);
		CHECK(rc == 0 || rc == WASMPACK_EINVALID || rc == WASMPACK_ENOTFOUND);
		CHECK(s.bytes <= 4 * BLOCK);
	}
}

const test_case hostile_tests[] = {
	TEST_ENTRY(test_hostile__every_entry_kind_but_a_file_is_refused),
	TEST_ENTRY(test_hostile__a_hard_link_to_a_file_is_not_followed),
	TEST_ENTRY(test_hostile__names_that_climb_out_do_not_match),
	TEST_ENTRY(test_hostile__absolute_names_are_read_inside_the_layer),
	TEST_ENTRY(test_hostile__the_last_of_two_entries_is_the_one_read),
	TEST_ENTRY(test_hostile__sizes_beyond_the_data_are_refused),
	TEST_ENTRY(test_hostile__oversize_extended_headers_are_refused),
	TEST_ENTRY(test_hostile__pax_names_that_climb_out_do_not_match),
	TEST_ENTRY(test_hostile__a_bad_checksum_is_refused),
	TEST_ENTRY(test_hostile__random_blocks_never_crash),
	TEST_END,
};
