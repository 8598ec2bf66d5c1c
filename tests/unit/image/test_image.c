/* Tests of the image builder and its time helpers. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>

static const char *td(const char *name)
{
	static char path[1024];
	snprintf(path, sizeof(path), "%s/%s", harness_testdata(), name);
	return path;
}

static wasmpack_store *open_store(const char *name)
{
	char p[700];
	wasmpack_store *s = NULL;
	snprintf(p, sizeof(p), "%s/%s", harness_tmpdir(), name);
	return wasmpack_store_open(&s, p) == 0 ? s : NULL;
}

static void test_image__build_writes_manifest_config_and_layer(void)
{
	wasmpack_store *s = open_store("img1");
	wasmpack_build_result r = {0};
	wasmpack_buf mb = WASMPACK_BUF_INIT, cb = WASMPACK_BUF_INIT;
	wasmpack_manifest *m = NULL;
	wasmpack_image_config *c = NULL;
	CHECK(s);
	CHECK_OK(wasmpack_image_build(&r, s, td("hello.wasm"), NULL));
	CHECK_STR(r.manifest.media_type, WASMPACK_MEDIATYPE_OCI_MANIFEST);
	CHECK_STR(r.layer.media_type, WASMPACK_MEDIATYPE_OCI_LAYER_GZIP);
	CHECK(r.wasm && r.wasm->kind == WASMPACK_WASM_MODULE);
	CHECK_OK(wasmpack_store_blob_read(&mb, s, r.manifest.digest, WASMPACK_MANIFEST_MAX));
	CHECK_OK(wasmpack_manifest_parse(&m, mb.data, mb.size));
	CHECK(m->layers_count == 1);
	CHECK_STR(m->layers[0].digest, r.layer.digest);
	CHECK_STR(m->config.digest, r.config.digest);
	CHECK_STR(wasmpack_kvlist_get(&m->annotations, "module.wasm.image/variant"),
		  "compat-smart");
	CHECK_STR(wasmpack_kvlist_get(&m->annotations, "org.opencontainers.image.created"),
		  "1970-01-01T00:00:00Z");
	CHECK_STR(wasmpack_kvlist_get(&m->annotations, WASMPACK_ANNOTATION_WASI), "preview1");
	CHECK_OK(wasmpack_store_blob_read(&cb, s, r.config.digest, WASMPACK_CONFIG_MAX));
	CHECK_OK(wasmpack_image_config_parse(&c, cb.data, cb.size));
	CHECK_STR(c->os, "wasi");
	CHECK_STR(c->architecture, "wasm32");
	CHECK(c->entrypoint.count == 1);
	CHECK_STR(c->entrypoint.items[0], "/hello.wasm");
	CHECK(c->diff_ids.count == 1);
	CHECK_STR(c->diff_ids.items[0], r.diff_id);
	wasmpack_image_config_free(c);
	wasmpack_manifest_free(m);
	wasmpack_buf_dispose(&mb);
	wasmpack_buf_dispose(&cb);
	wasmpack_build_result_dispose(&r);
	wasmpack_store_free(s);
}

static void test_image__same_inputs_same_digest_other_time_other_digest(void)
{
	wasmpack_store *a = open_store("img2a"), *b = open_store("img2b");
	wasmpack_build_result ra = {0}, rb = {0}, rc = {0};
	wasmpack_build_options o = WASMPACK_BUILD_OPTIONS_INIT;
	CHECK(a && b);
	CHECK_OK(wasmpack_image_build(&ra, a, td("hello.wasm"), &o));
	CHECK_OK(wasmpack_image_build(&rb, b, td("hello.wasm"), &o));
	CHECK_STR(ra.manifest.digest, rb.manifest.digest);
	o.created = 1700000000;
	CHECK_OK(wasmpack_image_build(&rc, b, td("hello.wasm"), &o));
	CHECK(strcmp(ra.manifest.digest, rc.manifest.digest) != 0);
	/* The layer's tar time follows created too. */
	CHECK(strcmp(ra.layer.digest, rc.layer.digest) != 0);
	wasmpack_build_result_dispose(&ra);
	wasmpack_build_result_dispose(&rb);
	wasmpack_build_result_dispose(&rc);
	wasmpack_store_free(a);
	wasmpack_store_free(b);
}

static void test_image__artifact_layer_is_the_raw_module(void)
{
	wasmpack_store *s = open_store("img3");
	wasmpack_build_result r = {0};
	wasmpack_build_options o = WASMPACK_BUILD_OPTIONS_INIT;
	wasmpack_buf raw = WASMPACK_BUF_INIT, cb = WASMPACK_BUF_INIT;
	char d[WASMPACK_DIGEST_MAX];
	CHECK(s);
	o.format = WASMPACK_FORMAT_ARTIFACT;
	CHECK_OK(wasmpack_image_build(&r, s, td("hello.wasm"), &o));
	CHECK_STR(r.layer.media_type, WASMPACK_MEDIATYPE_WASM_LAYER);
	CHECK_STR(r.config.media_type, WASMPACK_MEDIATYPE_WASM_CONFIG);
	CHECK(harness_read_testdata(&raw, "hello.wasm") == 0);
	CHECK_OK(wasmpack_digest_of(d, raw.data, raw.size));
	CHECK_STR(r.layer.digest, d);
	CHECK_STR(wasmpack_kvlist_get(&r.layer.annotations, "org.opencontainers.image.title"),
		  "hello.wasm");
	CHECK_OK(wasmpack_store_blob_read(&cb, s, r.config.digest, 1 << 20));
	CHECK(strstr((const char *)cb.data, "\"os\":\"wasip1\"") != NULL);
	CHECK(strstr((const char *)cb.data, "\"component\":null") != NULL);
	CHECK(strstr((const char *)cb.data, d) != NULL);
	wasmpack_buf_dispose(&raw);
	wasmpack_buf_dispose(&cb);
	wasmpack_build_result_dispose(&r);
	wasmpack_store_free(s);
}

static void test_image__deny_refuses_before_writing_anything(void)
{
	wasmpack_store *s = open_store("img4");
	wasmpack_build_result r = {0};
	wasmpack_build_options o = WASMPACK_BUILD_OPTIONS_INIT;
	wasmpack_store_image *list = NULL;
	size_t n = 0;
	CHECK(s);
	o.deny = WASMPACK_CAP_NETWORK;
	CHECK_ERR(wasmpack_image_build(&r, s, td("network.wasm"), &o), WASMPACK_EPOLICY);
	CHECK(strstr(wasmpack_error_last(), "network") != NULL);
	CHECK_OK(wasmpack_store_list(&list, &n, s));
	CHECK_INT(n, 0);
	wasmpack_store_images_free(list, n);
	size_t removed = 0;
	CHECK_OK(wasmpack_store_gc(&removed, s));
	CHECK_INT(removed, 0);
	CHECK_OK(wasmpack_image_build(&r, s, td("hello.wasm"), &o));
	wasmpack_build_result_dispose(&r);
	wasmpack_store_free(s);
}

static void test_image__rejects_bad_options(void)
{
	wasmpack_store *s = open_store("img5");
	wasmpack_build_result r = {0};
	wasmpack_build_options o = WASMPACK_BUILD_OPTIONS_INIT;
	CHECK(s);
	o.version = 99;
	CHECK_ERR(wasmpack_image_build(&r, s, td("hello.wasm"), &o), WASMPACK_EINVALID);
	o.version = WASMPACK_BUILD_OPTIONS_VERSION;
	o.format = (wasmpack_format)7;
	CHECK_ERR(wasmpack_image_build(&r, s, td("hello.wasm"), &o), WASMPACK_EINVALID);
	CHECK_ERR(wasmpack_image_build(&r, s, td("no-such.wasm"), NULL), WASMPACK_ENOTFOUND);
	wasmpack_store_free(s);
}

static void test_image__time_parse_and_format(void)
{
	int64_t t = 0;
	char buf[32];
	CHECK_OK(wasmpack_time_parse(&t, "2023-11-14T22:13:20Z"));
	CHECK_INT(t, 1700000000);
	CHECK_OK(wasmpack_time_parse(&t, "2023-11-14T23:13:20.123+01:00"));
	CHECK_INT(t, 1700000000);
	CHECK_OK(wasmpack_time_parse(&t, "1700000000"));
	CHECK_INT(t, 1700000000);
	CHECK_OK(wasmpack_time_format(buf, sizeof(buf), 1700000000));
	CHECK_STR(buf, "2023-11-14T22:13:20Z");
	CHECK_ERR(wasmpack_time_parse(&t, "yesterday"), WASMPACK_EINVALID);
	CHECK_ERR(wasmpack_time_parse(&t, "2023-13-01T00:00:00Z"), WASMPACK_EINVALID);
	CHECK_ERR(wasmpack_time_parse(&t, "2023-11-14T22:13:20"), WASMPACK_EINVALID);
	CHECK_ERR(wasmpack_time_parse(&t, "-5"), WASMPACK_EINVALID);
}

const test_case image_tests[] = {
	TEST_ENTRY(test_image__build_writes_manifest_config_and_layer),
	TEST_ENTRY(test_image__same_inputs_same_digest_other_time_other_digest),
	TEST_ENTRY(test_image__artifact_layer_is_the_raw_module),
	TEST_ENTRY(test_image__deny_refuses_before_writing_anything),
	TEST_ENTRY(test_image__rejects_bad_options),
	TEST_ENTRY(test_image__time_parse_and_format),
	TEST_END,
};
