/* An embedder's program: builds an image through the installed library's
 * public API alone, tags it, and reads it back.
 * usage: embed STORE MODULE.wasm REF */
#include <stdio.h>
#include <stdlib.h>

#include <wasmpack/wasmpack.h>

static int fail(const char *what)
{
	fprintf(stderr, "embed: %s: %s\n", what, wasmpack_error_last());
	return 1;
}

int main(int argc, char **argv)
{
	wasmpack_store *store = NULL;
	wasmpack_reference *ref = NULL;
	wasmpack_build_result result = {0};
	wasmpack_build_options opts = WASMPACK_BUILD_OPTIONS_INIT;
	wasmpack_descriptor found = {0};
	int rc = 1;

	if (argc != 4) {
		fprintf(stderr, "usage: embed STORE MODULE.wasm REF\n");
		return 2;
	}
	if (wasmpack_store_open(&store, argv[1]) != 0) {
		rc = fail("open store");
		goto done;
	}
	if (wasmpack_reference_parse(&ref, argv[3]) != 0) {
		rc = fail("parse reference");
		goto done;
	}
	if (wasmpack_image_build(&result, store, argv[2], &opts) != 0) {
		rc = fail("build");
		goto done;
	}
	if (wasmpack_store_tag(store, ref, &result.manifest) != 0 ||
	    wasmpack_store_resolve(&found, store, ref) != 0) {
		rc = fail("tag");
		goto done;
	}
	printf("%s %s\n", wasmpack_version(), found.digest);
	rc = 0;
done:
	wasmpack_descriptor_dispose(&found);
	wasmpack_build_result_dispose(&result);
	wasmpack_reference_free(ref);
	wasmpack_store_free(store);
	return rc;
}
