/* Fixtures that several suites share: temporary stores, references and a
 * built image, each released by the deferred clean-up after the test. */
#include "harness.h"
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>

static void store_free(void *s) { wasmpack_store_free(s); }

/* A new empty store in the run's temporary directory, freed after the
 * test; NULL after failing the test. */
wasmpack_store *temp_store_(const char *name)
{
	static int counter;
	char path[700];
	wasmpack_store *s = NULL;
	snprintf(path, sizeof(path), "%s/store-%s-%d", harness_tmpdir(), name, ++counter);
	if (wasmpack_store_open(&s, path) != 0) {
		harness_fail(__FILE__, __LINE__, "wasmpack_store_open", wasmpack_error_last());
		return NULL;
	}
	return harness_defer(store_free, s) == 0 ? s : NULL;
}

static void reference_free(void *r) { wasmpack_reference_free(r); }

/* text parsed, freed after the test; NULL after failing the test. */
wasmpack_reference *parse_ref_(const char *text)
{
	wasmpack_reference *r = NULL;
	if (wasmpack_reference_parse(&r, text) != 0) {
		harness_fail(__FILE__, __LINE__, text, wasmpack_error_last());
		return NULL;
	}
	return harness_defer(reference_free, r) == 0 ? r : NULL;
}

static void built_free(void *p)
{
	built *b = p;
	wasmpack_build_result_dispose(&b->r);
	wasmpack_buf_dispose(&b->manifest);
	wasmpack_buf_dispose(&b->config);
	wasmpack_buf_dispose(&b->layer);
	free(b);
}

/* Builds hello.wasm into s and tags it `tag` there; freed after the test,
 * NULL after failing the test. */
built *build_hello_(wasmpack_store *s, const char *tag)
{
	char path[1024];
	built *b = calloc(1, sizeof(*b));
	if (!b) {
		harness_fail(__FILE__, __LINE__, "calloc", NULL);
		return NULL;
	}
	if (harness_defer(built_free, b) != 0)
		return NULL;
	snprintf(path, sizeof(path), "%s/hello.wasm", harness_testdata());
	wasmpack_reference *r = parse_ref_(tag);
	if (!r)
		return NULL;
	if (wasmpack_image_build(&b->r, s, path, NULL) != 0 ||
	    wasmpack_store_tag(s, r, &b->r.manifest) != 0 ||
	    wasmpack_store_blob_read(&b->manifest, s, b->r.manifest.digest,
				     WASMPACK_MANIFEST_MAX) != 0 ||
	    wasmpack_store_blob_read(&b->config, s, b->r.config.digest, WASMPACK_CONFIG_MAX) != 0 ||
	    wasmpack_store_blob_read(&b->layer, s, b->r.layer.digest, 1 << 24) != 0) {
		harness_fail(__FILE__, __LINE__, "build hello.wasm", wasmpack_error_last());
		return NULL;
	}
	return b;
}
