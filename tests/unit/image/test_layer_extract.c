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
	CHECK_INT(rc, WASMPACK_EINVALID);
	CHECK_INT(got, 0);
}

/* The same hostile layer inside a stored image: the module reader refuses
 * it too, without streaming a byte. */
static void test_layer_extract__image_module_refuses_a_sparse_module(void)
{
	char dir[700], cd[WASMPACK_DIGEST_MAX], ld[WASMPACK_DIGEST_MAX], md[WASMPACK_DIGEST_MAX];
	char manifest[1024];
	wasmpack_buf layer = WASMPACK_BUF_INIT;
	wasmpack_store *s = NULL;
	wasmpack_descriptor desc = {0};
	uint64_t got = 0;
	const char *config =
		"{\"architecture\":\"wasm\",\"config\":{\"Entrypoint\":[\"/app.wasm\"]},"
		"\"os\":\"wasi\",\"rootfs\":{\"diff_ids\":[],\"type\":\"layers\"}}";
	snprintf(dir, sizeof(dir), "%s/sparse-store", harness_tmpdir());
	CHECK(harness_read_testdata(&layer, "fuzz/tar/hostile-sparse-1tib.tar") == 0);
	CHECK_OK(wasmpack_store_open(&s, dir));
	CHECK_OK(wasmpack_store_blob_put(cd, s, config, strlen(config), NULL));
	CHECK_OK(wasmpack_store_blob_put(ld, s, layer.data, layer.size, NULL));
	snprintf(manifest, sizeof(manifest),
		 "{\"config\":{\"digest\":\"%s\",\"mediaType\":\"%s\",\"size\":%zu},"
		 "\"layers\":[{\"digest\":\"%s\",\"mediaType\":\"%s\",\"size\":%zu}],"
		 "\"mediaType\":\"%s\",\"schemaVersion\":2}",
		 cd, WASMPACK_MEDIATYPE_OCI_CONFIG, strlen(config), ld,
		 WASMPACK_MEDIATYPE_OCI_LAYER, layer.size, WASMPACK_MEDIATYPE_OCI_MANIFEST);
	CHECK_OK(wasmpack_store_blob_put(md, s, manifest, strlen(manifest), NULL));
	CHECK_OK(wasmpack_descriptor_init(&desc, WASMPACK_MEDIATYPE_OCI_MANIFEST, md,
					  (int64_t)strlen(manifest)));
	CHECK_ERR(wasmpack_image_module(s, &desc, count_sink, &got), WASMPACK_EINVALID);
	CHECK_INT(got, 0);
	wasmpack_descriptor_dispose(&desc);
	wasmpack_buf_dispose(&layer);
	wasmpack_store_free(s);
}

const test_case layer_extract_tests[] = {
	TEST_ENTRY(test_layer_extract__image_module_refuses_a_sparse_module),
	TEST_ENTRY(test_layer_extract__refuses_a_sparse_entry_with_a_huge_hole),
	TEST_END,
};
