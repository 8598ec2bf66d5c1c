/* Fixtures that several suites share. Each is released after the test
 * by the deferred clean-up stack, and each returns NULL after failing the
 * test (the macros report the calling test's line). */
#ifndef WP_FIXTURES_H
#define WP_FIXTURES_H

#include "wasmpack/wasmpack.h"

/* An image built from testdata/hello.wasm into s. */
typedef struct built {
	wasmpack_build_result r;
	wasmpack_buf manifest, config, layer; /* the blobs' bytes */
} built;

/* A new empty store in the run's temporary directory. */
wasmpack_store *temp_store_(const char *name);
#define temp_store(name) AT_PTR(wasmpack_store *, temp_store_(name))

/* text parsed as a reference. */
wasmpack_reference *parse_ref_(const char *text);
#define parse_ref(text) AT_PTR(wasmpack_reference *, parse_ref_(text))

/* testdata/hello.wasm built into s (default options) and tagged `tag`
 * there, with the bytes of its three blobs. */
built *build_hello_(wasmpack_store *s, const char *tag);
#define build_hello(s, tag) AT_PTR(built *, build_hello_(s, tag))

#endif
