/* Fuzzes the OCI document parsers: every input goes to the manifest, index
 * and image config parsers. Whatever one accepts must serialize, parse
 * back, and serialize to the same bytes (canonical output is stable). */
#include <wasmpack/oci.h>

#include "fuzz.h"

typedef int (*parse_fn)(void **out, const void *data, size_t len);
typedef int (*serialize_fn)(wasmpack_buf *out, const void *doc);
typedef void (*free_fn)(void *doc);

typedef struct kind {
	const char *name;
	parse_fn parse;
	serialize_fn serialize;
	free_fn release;
} kind;

/* Thin adapters so one loop drives the three document types. */
static int manifest_parse(void **out, const void *d, size_t n)
{
	return wasmpack_manifest_parse((wasmpack_manifest **)out, d, n);
}
static int manifest_serialize(wasmpack_buf *out, const void *doc)
{
	return wasmpack_manifest_serialize(out, doc);
}
static void manifest_free(void *doc) { wasmpack_manifest_free(doc); }
static int index_parse(void **out, const void *d, size_t n)
{
	return wasmpack_index_parse((wasmpack_index **)out, d, n);
}
static int index_serialize(wasmpack_buf *out, const void *doc)
{
	return wasmpack_index_serialize(out, doc);
}
static void index_free(void *doc) { wasmpack_index_free(doc); }
static int config_parse(void **out, const void *d, size_t n)
{
	return wasmpack_image_config_parse((wasmpack_image_config **)out, d, n);
}
static int config_serialize(wasmpack_buf *out, const void *doc)
{
	return wasmpack_image_config_serialize(out, doc);
}
static void config_free(void *doc) { wasmpack_image_config_free(doc); }

static const kind kinds[] = {
	{"manifest", manifest_parse, manifest_serialize, manifest_free},
	{"index", index_parse, index_serialize, index_free},
	{"image config", config_parse, config_serialize, config_free},
};

static void round_trip(const kind *k, const void *data, size_t size)
{
	void *doc = NULL, *doc2 = NULL;
	wasmpack_buf first = WASMPACK_BUF_INIT, second = WASMPACK_BUF_INIT;
	if (k->parse(&doc, data, size) != 0)
		return;
	int rc = k->serialize(&first, doc);
	FUZZ_CHECK(rc == 0, "parsed %s does not serialize: %s", k->name, wasmpack_error_last());
	rc = k->parse(&doc2, first.data, first.size);
	FUZZ_CHECK(rc == 0, "serialized %s does not parse back: %s\n%s", k->name,
		   wasmpack_error_last(), (const char *)first.data);
	rc = k->serialize(&second, doc2);
	FUZZ_CHECK(rc == 0, "re-parsed %s does not serialize: %s", k->name, wasmpack_error_last());
	FUZZ_CHECK(first.size == second.size && memcmp(first.data, second.data, first.size) == 0,
		   "%s round trip unstable:\n%s\n%s", k->name, (const char *)first.data,
		   (const char *)second.data);
	k->release(doc);
	k->release(doc2);
	wasmpack_buf_dispose(&first);
	wasmpack_buf_dispose(&second);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *copy = fuzz_dup(data, size);
	if (!copy)
		return 0;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		round_trip(&kinds[i], copy, size);
	free(copy);
	return 0;
}
