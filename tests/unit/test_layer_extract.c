/* Hostile layers given to wasmpack_layer_extract. */
#include "harness.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int count_sink(const void *data, size_t len, void *payload)
{
	(void)data;
	*(uint64_t *)payload += len;
	return *(uint64_t *)payload > (64u << 20) ? WASMPACK_ETOOLARGE : 0;
}

static void test_layer_extract__refuses_a_sparse_entry_with_a_huge_hole(void)
{
	char path[1024];
	uint64_t got = 0;
	/* A 2 KB old-GNU sparse tar declaring a 1 TiB hole (found by fuzzing). */
	snprintf(path, sizeof(path), "%s/fuzz/tar/hostile-sparse-1tib.tar", harness_testdata());
	int fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	int rc = wasmpack_layer_extract(fd, "app.wasm", count_sink, &got);
	close(fd);
	CHECK(rc == WASMPACK_EINVALID);
	CHECK(got == 0);
}

const test_case layer_extract_tests[] = {
	TEST_ENTRY(test_layer_extract__refuses_a_sparse_entry_with_a_huge_hole),
	TEST_END,
};
