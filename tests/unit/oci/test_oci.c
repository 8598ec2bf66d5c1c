/* Tests of the OCI data model: descriptors, manifests, indexes, image
 * configs, and the internal JSON helpers they are built on. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>

#include "oci/json.h"
#include "oci/oci_internal.h"

#define DIG_A "sha256:4d523dee6bc8c17a3e283570526d8d6ed3d1edda07c53e94c55e491bbf780337"
#define DIG_B "sha256:4970405cb2a3a461cc00fd755712beded51919d7e69270d7d10d0dcf5e209714"
#define DIG_C "sha256:18d070c3f9aadcbc535ba940e5eea9d39785822eeb5b270b3c37512145de85fa"

#define CFG_DESC                                                       \
	"{\"mediaType\":\"application/vnd.oci.image.config.v1+json\"," \
	"\"digest\":\"" DIG_A "\",\"size\":2}"
#define LAYER_DESC                                                        \
	"{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\"," \
	"\"digest\":\"" DIG_B "\",\"size\":10}"
/* A minimal valid manifest with the given layers and extra members. */
#define MANIFEST(layers, extra) \
	"{\"schemaVersion\":2,\"config\":" CFG_DESC ",\"layers\":[" layers "]" extra "}"
/* A minimal valid index with the given entries and extra members. */
#define INDEX(entries, extra) "{\"schemaVersion\":2,\"manifests\":[" entries "]" extra "}"
#define ENTRY(platform)                                                  \
	"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"," \
	"\"digest\":\"" DIG_B "\",\"size\":10,\"platform\":" platform "}"
#define CONFIG(extra) "{\"os\":\"wasi\",\"architecture\":\"wasm32\"" extra "}"

/* The error message contains sub. */
#define CHECK_MSG_HAS(sub)                                                                   \
	do {                                                                                 \
		const char *msg_ = wasmpack_error_last();                                    \
		if (!strstr(msg_, (sub))) {                                                  \
			harness_fail(__FILE__, __LINE__, "last error contains " #sub, msg_); \
			return;                                                              \
		}                                                                            \
	} while (0)

/* Parse results as a code; 1 flags a failed parse that left an output. */
static int parse_manifest(const char *json)
{
	wasmpack_manifest *m = NULL;
	int rc = wasmpack_manifest_parse(&m, json, strlen(json));
	if (rc < 0 && m)
		return 1;
	wasmpack_manifest_free(m);
	return rc;
}

static int parse_index(const char *json)
{
	wasmpack_index *idx = NULL;
	int rc = wasmpack_index_parse(&idx, json, strlen(json));
	if (rc < 0 && idx)
		return 1;
	wasmpack_index_free(idx);
	return rc;
}

static int parse_config(const char *json)
{
	wasmpack_image_config *c = NULL;
	int rc = wasmpack_image_config_parse(&c, json, strlen(json));
	if (rc < 0 && c)
		return 1;
	wasmpack_image_config_free(c);
	return rc;
}

/* --- structural equality, for round trips ------------------------------ */

static int str_eq(const char *a, const char *b) { return a == b || (a && b && strcmp(a, b) == 0); }

/* As maps: JSON objects have no order, and output sorts the keys. */
static int kv_eq(const wasmpack_kvlist *a, const wasmpack_kvlist *b)
{
	if (a->count != b->count)
		return 0;
	for (size_t i = 0; i < a->count; i++)
		if (!str_eq(a->items[i].value, wasmpack_kvlist_get(b, a->items[i].key)))
			return 0;
	return 1;
}

static int strv_eq(const wasmpack_strv *a, const wasmpack_strv *b)
{
	if (a->count != b->count)
		return 0;
	for (size_t i = 0; i < a->count; i++)
		if (!str_eq(a->items[i], b->items[i]))
			return 0;
	return 1;
}

static int platform_eq(const wasmpack_platform *a, const wasmpack_platform *b)
{
	if (!a || !b)
		return a == b;
	return str_eq(a->os, b->os) && str_eq(a->architecture, b->architecture) &&
	       str_eq(a->variant, b->variant) && str_eq(a->os_version, b->os_version);
}

static int desc_eq(const wasmpack_descriptor *a, const wasmpack_descriptor *b)
{
	if (!a || !b)
		return a == b;
	return str_eq(a->media_type, b->media_type) && str_eq(a->digest, b->digest) &&
	       a->size == b->size && str_eq(a->artifact_type, b->artifact_type) &&
	       kv_eq(&a->annotations, &b->annotations) && platform_eq(a->platform, b->platform);
}

static int descs_eq(const wasmpack_descriptor *a, size_t na, const wasmpack_descriptor *b,
		    size_t nb)
{
	if (na != nb)
		return 0;
	for (size_t i = 0; i < na; i++)
		if (!desc_eq(&a[i], &b[i]))
			return 0;
	return 1;
}

static int manifest_eq(const wasmpack_manifest *a, const wasmpack_manifest *b)
{
	return a->schema_version == b->schema_version && str_eq(a->media_type, b->media_type) &&
	       str_eq(a->artifact_type, b->artifact_type) && desc_eq(&a->config, &b->config) &&
	       descs_eq(a->layers, a->layers_count, b->layers, b->layers_count) &&
	       desc_eq(a->subject, b->subject) && kv_eq(&a->annotations, &b->annotations);
}

static int index_eq(const wasmpack_index *a, const wasmpack_index *b)
{
	return a->schema_version == b->schema_version && str_eq(a->media_type, b->media_type) &&
	       str_eq(a->artifact_type, b->artifact_type) &&
	       descs_eq(a->manifests, a->manifests_count, b->manifests, b->manifests_count) &&
	       desc_eq(a->subject, b->subject) && kv_eq(&a->annotations, &b->annotations);
}

static int config_eq(const wasmpack_image_config *a, const wasmpack_image_config *b)
{
	return str_eq(a->created, b->created) && str_eq(a->author, b->author) &&
	       str_eq(a->os, b->os) && str_eq(a->architecture, b->architecture) &&
	       str_eq(a->variant, b->variant) && str_eq(a->os_version, b->os_version) &&
	       strv_eq(&a->entrypoint, &b->entrypoint) && strv_eq(&a->cmd, &b->cmd) &&
	       strv_eq(&a->env, &b->env) && str_eq(a->working_dir, b->working_dir) &&
	       kv_eq(&a->labels, &b->labels) && strv_eq(&a->diff_ids, &b->diff_ids);
}

static int buf_eq(const wasmpack_buf *a, const wasmpack_buf *b)
{
	return a->size == b->size && memcmp(a->data, b->data, a->size) == 0;
}

/* parse(serialize(x)) == x and serialize(parse(serialize(x))) is
 * byte-identical, for the manifest m. */
static void check_manifest_round_trip(const wasmpack_manifest *m)
{
	wasmpack_buf b1 = WASMPACK_BUF_INIT, b2 = WASMPACK_BUF_INIT;
	wasmpack_manifest *again = NULL;
	CHECK_OK(wasmpack_manifest_serialize(&b1, m));
	CHECK_INT(b1.data[b1.size], '\0');
	CHECK_INT(strlen((char *)b1.data), b1.size);
	CHECK_OK(wasmpack_manifest_parse(&again, b1.data, b1.size));
	CHECK(manifest_eq(m, again));
	CHECK_OK(wasmpack_manifest_serialize(&b2, again));
	CHECK(buf_eq(&b1, &b2));
	wasmpack_manifest_free(again);
	wasmpack_buf_dispose(&b1);
	wasmpack_buf_dispose(&b2);
}
/* Failures inside report the calling test's line. */
#define check_manifest_round_trip(...) AT_VOID(check_manifest_round_trip(__VA_ARGS__))

static void check_index_round_trip(const wasmpack_index *idx)
{
	wasmpack_buf b1 = WASMPACK_BUF_INIT, b2 = WASMPACK_BUF_INIT;
	wasmpack_index *again = NULL;
	CHECK_OK(wasmpack_index_serialize(&b1, idx));
	CHECK_OK(wasmpack_index_parse(&again, b1.data, b1.size));
	CHECK(index_eq(idx, again));
	CHECK_OK(wasmpack_index_serialize(&b2, again));
	CHECK(buf_eq(&b1, &b2));
	wasmpack_index_free(again);
	wasmpack_buf_dispose(&b1);
	wasmpack_buf_dispose(&b2);
}
/* Failures inside report the calling test's line. */
#define check_index_round_trip(...) AT_VOID(check_index_round_trip(__VA_ARGS__))

static void check_config_round_trip(const wasmpack_image_config *c)
{
	wasmpack_buf b1 = WASMPACK_BUF_INIT, b2 = WASMPACK_BUF_INIT;
	wasmpack_image_config *again = NULL;
	CHECK_OK(wasmpack_image_config_serialize(&b1, c));
	CHECK_OK(wasmpack_image_config_parse(&again, b1.data, b1.size));
	CHECK(config_eq(c, again));
	CHECK_OK(wasmpack_image_config_serialize(&b2, again));
	CHECK(buf_eq(&b1, &b2));
	wasmpack_image_config_free(again);
	wasmpack_buf_dispose(&b1);
	wasmpack_buf_dispose(&b2);
}
/* Failures inside report the calling test's line. */
#define check_config_round_trip(...) AT_VOID(check_config_round_trip(__VA_ARGS__))

/* --- fixtures ---------------------------------------------------------- */

static void test_oci__parses_oci_manifest(void)
{
	wasmpack_buf f = WASMPACK_BUF_INIT;
	wasmpack_manifest *m = NULL;
	if (harness_read_testdata(&f, "oci/oci-manifest.json") < 0)
		return;
	CHECK_OK(wasmpack_manifest_parse(&m, f.data, f.size));
	CHECK(m->schema_version == 2);
	CHECK_STR(m->media_type, WASMPACK_MEDIATYPE_OCI_MANIFEST);
	CHECK(m->artifact_type == NULL && m->subject == NULL);
	CHECK_STR(m->config.media_type, WASMPACK_MEDIATYPE_OCI_CONFIG);
	CHECK_STR(m->config.digest, DIG_A);
	CHECK(m->config.size == 452);
	CHECK(m->layers_count == 1);
	CHECK_STR(m->layers[0].media_type, WASMPACK_MEDIATYPE_OCI_LAYER_GZIP);
	CHECK(m->layers[0].size == 812345);
	CHECK_STR(wasmpack_kvlist_get(&m->layers[0].annotations, "org.opencontainers.image.title"),
		  "hello.wasm");
	CHECK(m->annotations.count == 4);
	/* Document order is kept. */
	CHECK_STR(m->annotations.items[0].key, "org.opencontainers.image.created");
	CHECK_STR(wasmpack_kvlist_get(&m->annotations, "module.wasm.image/variant"),
		  "compat-smart");
	check_manifest_round_trip(m);
	wasmpack_manifest_free(m);
	wasmpack_buf_dispose(&f);
}

static void test_oci__parses_docker_schema2_manifest(void)
{
	wasmpack_buf f = WASMPACK_BUF_INIT;
	wasmpack_manifest *m = NULL;
	if (harness_read_testdata(&f, "oci/docker-manifest.json") < 0)
		return;
	CHECK_OK(wasmpack_manifest_parse(&m, f.data, f.size));
	CHECK_STR(m->media_type, WASMPACK_MEDIATYPE_DOCKER_MANIFEST);
	CHECK_STR(m->config.media_type, WASMPACK_MEDIATYPE_DOCKER_CONFIG);
	CHECK(m->config.size == 1470);
	CHECK(m->layers_count == 2);
	CHECK_STR(m->layers[0].media_type, WASMPACK_MEDIATYPE_DOCKER_LAYER_GZIP);
	CHECK(m->layers[1].size == 1069);
	CHECK(m->annotations.count == 0);
	check_manifest_round_trip(m);
	wasmpack_manifest_free(m);
	wasmpack_buf_dispose(&f);
}

static void test_oci__parses_oci_index_with_platforms(void)
{
	wasmpack_buf f = WASMPACK_BUF_INIT;
	wasmpack_index *idx = NULL;
	if (harness_read_testdata(&f, "oci/oci-index.json") < 0)
		return;
	CHECK_OK(wasmpack_index_parse(&idx, f.data, f.size));
	CHECK(idx->schema_version == 2);
	CHECK_STR(idx->media_type, WASMPACK_MEDIATYPE_OCI_INDEX);
	CHECK(idx->manifests_count == 3);
	CHECK_STR(idx->manifests[0].platform->os, "linux");
	CHECK_STR(idx->manifests[0].platform->architecture, "amd64");
	CHECK(idx->manifests[0].platform->variant == NULL);
	CHECK_STR(idx->manifests[1].platform->os, "wasi");
	CHECK_STR(idx->manifests[1].platform->architecture, "wasm32");
	CHECK_STR(idx->manifests[1].digest,
		  "sha256:6b38326a5db2ea582e35cea194f3672c9ab2029fd16ef1ed183e60a5b52c0396");
	CHECK_STR(wasmpack_kvlist_get(&idx->manifests[2].annotations, "vnd.docker.reference.type"),
		  "attestation-manifest");
	CHECK_STR(wasmpack_kvlist_get(&idx->annotations, "org.opencontainers.image.created"),
		  "2024-05-01T12:00:00Z");
	check_index_round_trip(idx);
	wasmpack_index_free(idx);
	wasmpack_buf_dispose(&f);
}

static void test_oci__parses_docker_manifest_list(void)
{
	wasmpack_buf f = WASMPACK_BUF_INIT;
	wasmpack_index *idx = NULL;
	if (harness_read_testdata(&f, "oci/docker-manifest-list.json") < 0)
		return;
	CHECK_OK(wasmpack_index_parse(&idx, f.data, f.size));
	CHECK_STR(idx->media_type, WASMPACK_MEDIATYPE_DOCKER_LIST);
	CHECK(idx->manifests_count == 3);
	CHECK_STR(idx->manifests[0].media_type, WASMPACK_MEDIATYPE_DOCKER_MANIFEST);
	CHECK_STR(idx->manifests[1].platform->variant, "v7");
	CHECK_STR(idx->manifests[2].platform->os, "windows");
	CHECK_STR(idx->manifests[2].platform->os_version, "10.0.20348.2113");
	check_index_round_trip(idx);
	wasmpack_index_free(idx);
	wasmpack_buf_dispose(&f);
}

static void test_oci__parses_image_config(void)
{
	wasmpack_buf f = WASMPACK_BUF_INIT;
	wasmpack_image_config *c = NULL;
	if (harness_read_testdata(&f, "oci/image-config.json") < 0)
		return;
	CHECK_OK(wasmpack_image_config_parse(&c, f.data, f.size));
	CHECK_STR(c->os, "wasi");
	CHECK_STR(c->architecture, "wasm32");
	CHECK_STR(c->created, "2024-05-01T12:00:00Z");
	CHECK(c->author == NULL && c->variant == NULL && c->os_version == NULL);
	CHECK(c->entrypoint.count == 1);
	CHECK_STR(c->entrypoint.items[0], "/hello.wasm");
	CHECK(c->cmd.count == 0); /* "Cmd": null */
	CHECK(c->env.count == 2);
	CHECK_STR(c->env.items[1], "RUST_LOG=info");
	CHECK_STR(c->working_dir, "/");
	CHECK(c->labels.count == 2);
	CHECK_STR(wasmpack_kvlist_get(&c->labels, "org.opencontainers.image.version"), "1.2.0");
	CHECK(c->diff_ids.count == 1);
	CHECK_STR(c->diff_ids.items[0], DIG_C);
	check_config_round_trip(c);
	wasmpack_image_config_free(c);
	wasmpack_buf_dispose(&f);
}

/* --- serialization ----------------------------------------------------- */

static void test_oci__serializes_manifest_compact_with_sorted_keys(void)
{
	wasmpack_manifest *m = NULL;
	wasmpack_buf b = WASMPACK_BUF_INIT;
	const char *in = "{\"schemaVersion\": 2, \"layers\": [], \"annotations\": "
			 "{\"b\": \"2\", \"a\": \"1\"}, \"mediaType\": "
			 "\"application/vnd.oci.image.manifest.v1+json\", \"config\": " CFG_DESC
			 "}";
	CHECK_OK(wasmpack_manifest_parse(&m, in, strlen(in)));
	CHECK_OK(wasmpack_manifest_serialize(&b, m));
	CHECK_STR((char *)b.data,
		  "{\"annotations\":{\"a\":\"1\",\"b\":\"2\"},\"config\":{\"digest\":\"" DIG_A
		  "\",\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"size\":2},"
		  "\"layers\":[],\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		  "\"schemaVersion\":2}");
	wasmpack_buf_dispose(&b);
	wasmpack_manifest_free(m);
}

static void test_oci__serialize_omits_absent_optional_fields(void)
{
	wasmpack_manifest m;
	wasmpack_buf b = WASMPACK_BUF_INIT;
	memset(&m, 0, sizeof(m));
	m.schema_version = 2;
	CHECK_OK(wasmpack_descriptor_init(&m.config, WASMPACK_MEDIATYPE_WASM_CONFIG, DIG_A, 0));
	CHECK_OK(wasmpack_manifest_serialize(&b, &m));
	/* No mediaType, artifactType, subject or annotations; layers stays. */
	CHECK_STR((char *)b.data, "{\"config\":{\"digest\":\"" DIG_A "\",\"mediaType\":"
				  "\"application/vnd.wasm.config.v0+json\",\"size\":0},"
				  "\"layers\":[],\"schemaVersion\":2}");
	wasmpack_buf_dispose(&b);
	wasmpack_descriptor_dispose(&m.config);
}

static void test_oci__serializes_image_config_canonically(void)
{
	wasmpack_image_config c;
	wasmpack_buf b = WASMPACK_BUF_INIT;
	memset(&c, 0, sizeof(c));
	c.os = "wasi";
	c.architecture = "wasm32";
	c.created = "1970-01-01T00:00:00Z";
	/* Nothing in "config" yet: it is left out; rootfs is always there. */
	CHECK_OK(wasmpack_image_config_serialize(&b, &c));
	CHECK_STR((char *)b.data, "{\"architecture\":\"wasm32\",\"created\":"
				  "\"1970-01-01T00:00:00Z\",\"os\":\"wasi\",\"rootfs\":"
				  "{\"diff_ids\":[],\"type\":\"layers\"}}");
	wasmpack_buf_dispose(&b);
	CHECK_OK(wasmpack_strv_push(&c.entrypoint, "/hello.wasm"));
	CHECK_OK(wasmpack_strv_push(&c.diff_ids, DIG_C));
	CHECK_OK(wasmpack_kvlist_set(&c.labels, "z", "last"));
	CHECK_OK(wasmpack_kvlist_set(&c.labels, "a", "first"));
	c.os_version = "1";
	CHECK_OK(wasmpack_image_config_serialize(&b, &c));
	CHECK_STR((char *)b.data,
		  "{\"architecture\":\"wasm32\",\"config\":{\"Entrypoint\":[\"/hello.wasm\"],"
		  "\"Labels\":{\"a\":\"first\",\"z\":\"last\"}},\"created\":"
		  "\"1970-01-01T00:00:00Z\",\"os\":\"wasi\",\"os.version\":\"1\",\"rootfs\":"
		  "{\"diff_ids\":[\"" DIG_C "\"],\"type\":\"layers\"}}");
	check_config_round_trip(&c);
	wasmpack_buf_dispose(&b);
	wasmpack_strv_dispose(&c.entrypoint);
	wasmpack_strv_dispose(&c.diff_ids);
	wasmpack_kvlist_dispose(&c.labels);
}

static void test_oci__round_trips_a_built_manifest_with_every_field(void)
{
	wasmpack_manifest m;
	wasmpack_descriptor subject;
	wasmpack_platform plat = {"wasip2", "wasm", "v1", "0.2.0"};
	wasmpack_descriptor layers[2];
	memset(&m, 0, sizeof(m));
	m.schema_version = 2;
	m.media_type = WASMPACK_MEDIATYPE_OCI_MANIFEST;
	m.artifact_type = "application/vnd.example.thing+type";
	CHECK_OK(wasmpack_descriptor_init(&m.config, WASMPACK_MEDIATYPE_WASM_CONFIG, DIG_A, 123));
	CHECK_OK(wasmpack_descriptor_init(&layers[0], WASMPACK_MEDIATYPE_WASM_LAYER, DIG_B,
					  INT64_MAX));
	CHECK_OK(wasmpack_descriptor_init(&layers[1], WASMPACK_MEDIATYPE_OCI_LAYER, DIG_C, 0));
	CHECK_OK(wasmpack_kvlist_set(&layers[0].annotations, "org.opencontainers.image.title",
				     "h\xc3\xa9llo \"quoted\"\n.wasm"));
	layers[1].artifact_type = strdup("application/x.y");
	CHECK_OK(wp_platform_copy(&layers[1].platform, &plat));
	m.layers = layers;
	m.layers_count = 2;
	CHECK_OK(wasmpack_descriptor_init(&subject, WASMPACK_MEDIATYPE_OCI_MANIFEST, DIG_C, 77));
	m.subject = &subject;
	CHECK_OK(wasmpack_kvlist_set(&m.annotations, "b", ""));
	CHECK_OK(wasmpack_kvlist_set(&m.annotations, "a", "\xe2\x82\xac"));
	check_manifest_round_trip(&m);
	wasmpack_descriptor_dispose(&m.config);
	wasmpack_descriptor_dispose(&layers[0]);
	wasmpack_descriptor_dispose(&layers[1]);
	wasmpack_descriptor_dispose(&subject);
	wasmpack_kvlist_dispose(&m.annotations);
}

static void test_oci__parses_subject_and_artifact_type(void)
{
	wasmpack_manifest *m = NULL;
	const char *in = MANIFEST(, ",\"artifactType\":\"application/vnd.example.sbom+json\","
				    "\"subject\":" LAYER_DESC);
	CHECK_OK(wasmpack_manifest_parse(&m, in, strlen(in)));
	CHECK_STR(m->artifact_type, "application/vnd.example.sbom+json");
	CHECK(m->subject != NULL);
	CHECK_STR(m->subject->digest, DIG_B);
	CHECK(m->media_type == NULL);
	CHECK(m->layers_count == 0 && m->layers == NULL);
	check_manifest_round_trip(m);
	wasmpack_manifest_free(m);
	CHECK_ERR(parse_manifest(MANIFEST(, ",\"subject\":{}")), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(), "invalid manifest: subject.mediaType: missing");
	CHECK_ERR(parse_manifest(MANIFEST(, ",\"artifactType\":\"nope\"")), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(),
		  "invalid manifest: artifactType: invalid media type 'nope'");
}

static void test_oci__serialize_rejects_what_parse_would_reject(void)
{
	wasmpack_manifest m;
	wasmpack_descriptor layer;
	wasmpack_buf b = WASMPACK_BUF_INIT;
	memset(&m, 0, sizeof(m));
	m.schema_version = 2;
	CHECK_OK(wasmpack_descriptor_init(&m.config, WASMPACK_MEDIATYPE_OCI_CONFIG, DIG_A, 1));
	CHECK_OK(wasmpack_descriptor_init(&layer, WASMPACK_MEDIATYPE_OCI_LAYER, "sha256:zz", 1));
	m.layers = &layer;
	m.layers_count = 1;
	CHECK_ERR(wasmpack_manifest_serialize(&b, &m), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(),
		  "invalid manifest: layers[0].digest: invalid digest 'sha256:zz'");
	CHECK(b.data == NULL);
	free(layer.digest);
	layer.digest = NULL;
	CHECK_ERR(wasmpack_manifest_serialize(&b, &m), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(), "invalid manifest: layers[0].digest: missing");
	layer.digest = strdup(DIG_B);
	layer.size = -5;
	CHECK_ERR(wasmpack_manifest_serialize(&b, &m), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(),
		  "invalid manifest: layers[0].size: expected an integer >= 0, got -5");
	layer.size = 5;
	CHECK_OK(wasmpack_kvlist_set(&layer.annotations, "k", "bad \xff utf-8"));
	CHECK_ERR(wasmpack_manifest_serialize(&b, &m), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(),
		  "invalid manifest: layers[0].annotations.k: not valid utf-8");
	wasmpack_kvlist_dispose(&layer.annotations);
	m.schema_version = 1;
	CHECK_ERR(wasmpack_manifest_serialize(&b, &m), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(), "invalid manifest: schemaVersion: must be 2, got 1");
	m.schema_version = 2;
	m.media_type = WASMPACK_MEDIATYPE_OCI_INDEX;
	CHECK_ERR(wasmpack_manifest_serialize(&b, &m), WASMPACK_EINVALID);
	CHECK_MSG_HAS("is an image index, not an image manifest");
	m.media_type = NULL;
	CHECK_OK(wasmpack_manifest_serialize(&b, &m));
	wasmpack_buf_dispose(&b);
	wasmpack_descriptor_dispose(&layer);
	wasmpack_descriptor_dispose(&m.config);
}

static void test_oci__serialize_rejects_repeated_annotation_keys(void)
{
	wasmpack_manifest m;
	wasmpack_kv kv[2] = {{"same", "1"}, {"same", "2"}};
	wasmpack_buf b = WASMPACK_BUF_INIT;
	memset(&m, 0, sizeof(m));
	m.schema_version = 2;
	CHECK_OK(wasmpack_descriptor_init(&m.config, WASMPACK_MEDIATYPE_OCI_CONFIG, DIG_A, 1));
	/* Built by hand: wasmpack_kvlist_set() could not make this list. */
	m.annotations.items = kv;
	m.annotations.count = 2;
	CHECK_ERR(wasmpack_manifest_serialize(&b, &m), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(), "invalid manifest: annotations.same: duplicate key");
	wasmpack_descriptor_dispose(&m.config);
}

static void test_oci__image_config_serialize_requires_os_and_architecture(void)
{
	wasmpack_image_config c;
	wasmpack_buf b = WASMPACK_BUF_INIT;
	memset(&c, 0, sizeof(c));
	c.architecture = "wasm";
	CHECK_ERR(wasmpack_image_config_serialize(&b, &c), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(), "invalid image config: os: missing");
	c.os = "wasip1";
	CHECK_OK(wasmpack_strv_push(&c.diff_ids, "md5:nope!"));
	CHECK_ERR(wasmpack_image_config_serialize(&b, &c), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(),
		  "invalid image config: rootfs.diff_ids[0]: invalid digest 'md5:nope!'");
	wasmpack_strv_dispose(&c.diff_ids);
	CHECK(b.data == NULL);
}

static void test_oci__index_round_trips_every_field(void)
{
	wasmpack_index idx;
	wasmpack_descriptor entries[2], subject;
	wasmpack_platform plat = {"wasi", "wasm32", NULL, NULL};
	memset(&idx, 0, sizeof(idx));
	idx.schema_version = 2;
	idx.media_type = WASMPACK_MEDIATYPE_OCI_INDEX;
	idx.artifact_type = "application/vnd.example+json";
	CHECK_OK(wasmpack_descriptor_init(&entries[0], WASMPACK_MEDIATYPE_OCI_MANIFEST, DIG_A, 5));
	CHECK_OK(wasmpack_descriptor_init(&entries[1], WASMPACK_MEDIATYPE_OCI_INDEX, DIG_B, 6));
	CHECK_OK(wp_platform_copy(&entries[0].platform, &plat));
	CHECK_OK(wasmpack_descriptor_init(&subject, WASMPACK_MEDIATYPE_OCI_MANIFEST, DIG_C, 7));
	idx.manifests = entries;
	idx.manifests_count = 2;
	idx.subject = &subject;
	CHECK_OK(wasmpack_kvlist_set(&idx.annotations, "x", "y"));
	check_index_round_trip(&idx);
	wasmpack_descriptor_dispose(&entries[0]);
	wasmpack_descriptor_dispose(&entries[1]);
	wasmpack_descriptor_dispose(&subject);
	wasmpack_kvlist_dispose(&idx.annotations);
}

/* --- validation -------------------------------------------------------- */

static void test_oci__rejects_invalid_digest_naming_the_field(void)
{
	CHECK_ERR(parse_manifest(MANIFEST(LAYER_DESC
					  ",{\"mediaType\":\"application/"
					  "wasm\",\"digest\":\"sha256:zz\",\"size\":1}", )),
		  WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(),
		  "invalid manifest: layers[1].digest: invalid digest 'sha256:zz'");
	CHECK_ERR(parse_manifest(MANIFEST(LAYER_DESC ",{\"mediaType\":\"application/wasm\","
						     "\"digest\":\"" DIG_A "\",\"size\":1}", )),
		  0);
	/* Uppercase hex is not a valid sha256 digest. */
	CHECK_ERR(
		parse_manifest(MANIFEST(
			"{\"mediaType\":\"a/b\",\"digest\":"
			"\"sha256:4D523DEE6BC8C17A3E283570526D8D6ED3D1EDDA07C53E94C55E491BBF780337\","
			"\"size\":1}", )),
		WASMPACK_EINVALID);
	CHECK_MSG_HAS("layers[0].digest: invalid digest");
	CHECK_ERR(parse_manifest(MANIFEST("{\"mediaType\":\"a/b\",\"digest\":\"\",\"size\":1}", )),
		  WASMPACK_EINVALID);
	CHECK_ERR(parse_manifest(MANIFEST("{\"mediaType\":\"a/b\",\"digest\":7,\"size\":1}", )),
		  WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(),
		  "invalid manifest: layers[0].digest: expected a string, got an integer");
	CHECK_ERR(parse_manifest(MANIFEST("{\"mediaType\":\"a/b\",\"size\":1}", )),
		  WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(), "invalid manifest: layers[0].digest: missing");
	/* The config descriptor is checked the same way. */
	CHECK_ERR(parse_manifest("{\"schemaVersion\":2,\"layers\":[],\"config\":"
				 "{\"mediaType\":\"a/b\",\"digest\":\"sha256:\",\"size\":1}}"),
		  WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(),
		  "invalid manifest: config.digest: invalid digest 'sha256:'");
}

static void test_oci__accepts_well_formed_digests_of_other_algorithms(void)
{
	/* A registered algorithm with the right length parses... */
	CHECK_OK(parse_manifest(MANIFEST("{\"mediaType\":\"a/b\",\"size\":1,\"digest\":"
					 "\"sha512:"
					 "0123456789abcdef0123456789abcdef"
					 "0123456789abcdef0123456789abcdef"
					 "0123456789abcdef0123456789abcdef"
					 "0123456789abcdef0123456789abcdef\"}", )));
	/* ...and so does a well-formed one wasmpack cannot verify: only
	 * fetching that blob needs the algorithm. */
	CHECK_OK(parse_manifest(MANIFEST("{\"mediaType\":\"a/b\",\"size\":1,\"digest\":"
					 "\"blake3:0123456789abcdef0123456789abcdef"
					 "0123456789abcdef0123456789abcdef\"}", )));
	CHECK_ERR(parse_manifest(MANIFEST("{\"mediaType\":\"a/b\",\"size\":1,\"digest\":"
					  "\"sha512:0123\"}", )),
		  WASMPACK_EINVALID);
}

static void test_oci__rejects_bad_sizes(void)
{
#define SIZED(n) MANIFEST("{\"mediaType\":\"a/b\",\"digest\":\"" DIG_A "\",\"size\":" n "}", )
	CHECK_ERR(parse_manifest(SIZED("-1")), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(),
		  "invalid manifest: layers[0].size: expected an integer >= 0, got -1");
	CHECK_ERR(parse_manifest(SIZED("1.5")), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(),
		  "invalid manifest: layers[0].size: expected an integer, got a real number");
	CHECK_ERR(parse_manifest(SIZED("10.0")), WASMPACK_EINVALID);
	CHECK_ERR(parse_manifest(SIZED("1e3")), WASMPACK_EINVALID);
	CHECK_ERR(parse_manifest(SIZED("\"10\"")), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(),
		  "invalid manifest: layers[0].size: expected an integer, got a string");
	CHECK_ERR(parse_manifest(SIZED("null")), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(),
		  "invalid manifest: layers[0].size: expected an integer, got null");
	CHECK_ERR(parse_manifest(SIZED("true")), WASMPACK_EINVALID);
	CHECK_ERR(parse_manifest(SIZED("-9223372036854775808")), WASMPACK_EINVALID);
	/* Past int64: jansson refuses the number itself. */
	CHECK_ERR(parse_manifest(SIZED("9223372036854775808")), WASMPACK_EINVALID);
	CHECK_MSG_HAS("malformed json at line 1");
	CHECK_ERR(parse_manifest(SIZED("99999999999999999999999999999")), WASMPACK_EINVALID);
	CHECK_ERR(parse_manifest(SIZED("1e400")), WASMPACK_EINVALID);
	CHECK_OK(parse_manifest(SIZED("9223372036854775807")));
	CHECK_OK(parse_manifest(SIZED("0")));
	CHECK_OK(parse_manifest(SIZED("-0")));
	/* No size at all. */
	CHECK_ERR(parse_manifest(MANIFEST("{\"mediaType\":\"a/b\",\"digest\":\"" DIG_A "\"}", )),
		  WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(), "invalid manifest: layers[0].size: missing");
#undef SIZED
}

static void test_oci__rejects_malformed_media_types(void)
{
	static const char *const bad[] = {
		"\"\"",
		"\"application\"",
		"\"application/\"",
		"\"/json\"",
		"\"application/json; charset=utf-8\"",
		"\"app lication/json\"",
		"\"application/json/x\"",
		"\".application/json\"",
		"\"application/.json\"",
		"\"\\u00e9/x\"",
		"5",
		"null",
		"[\"a/b\"]",
	};
	char buf[512];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf),
			 MANIFEST("{\"mediaType\":%s,\"digest\":\"" DIG_A "\",\"size\":1}", ),
			 bad[i]);
		CHECK_ERR(parse_manifest(buf), WASMPACK_EINVALID);
		CHECK_MSG_HAS("invalid manifest: layers[0].mediaType: ");
	}
	CHECK(wp_media_type_valid("application/vnd.oci.image.layer.v1.tar+gzip"));
	CHECK(wp_media_type_valid("application/vnd.docker.image.rootfs.diff.tar.gzip"));
	CHECK(wp_media_type_valid("a/b"));
	CHECK(wp_media_type_valid("x!#$&^_.+-/y!#$&^_.+-"));
	char name[300];
	memset(name, 'a', 127);
	name[127] = '/';
	name[128] = 'b';
	name[129] = '\0';
	CHECK(wp_media_type_valid(name));
	memmove(name + 1, name, 130);
	CHECK(!wp_media_type_valid(name)); /* a 128-character type */
	CHECK(!wp_media_type_valid(NULL));
}

static void test_oci__requires_schema_version_2(void)
{
	CHECK_ERR(parse_manifest("{\"config\":" CFG_DESC ",\"layers\":[]}"), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(), "invalid manifest: schemaVersion: missing");
	CHECK_ERR(parse_manifest("{\"schemaVersion\":1,\"config\":" CFG_DESC ",\"layers\":[]}"),
		  WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(), "invalid manifest: schemaVersion: must be 2, got 1");
	CHECK_ERR(parse_manifest("{\"schemaVersion\":\"2\",\"config\":" CFG_DESC ",\"layers\":[]}"),
		  WASMPACK_EINVALID);
	CHECK_ERR(parse_manifest("{\"schemaVersion\":2.0,\"config\":" CFG_DESC ",\"layers\":[]}"),
		  WASMPACK_EINVALID);
	CHECK_ERR(parse_index("{\"schemaVersion\":3,\"manifests\":[]}"), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(), "invalid index: schemaVersion: must be 2, got 3");
}

static void test_oci__requires_config_and_layers(void)
{
	CHECK_ERR(parse_manifest("{\"schemaVersion\":2,\"layers\":[]}"), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(), "invalid manifest: config: missing");
	CHECK_ERR(parse_manifest("{\"schemaVersion\":2,\"config\":" CFG_DESC "}"),
		  WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(), "invalid manifest: layers: missing");
	CHECK_ERR(parse_manifest("{\"schemaVersion\":2,\"config\":" CFG_DESC ",\"layers\":null}"),
		  WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(), "invalid manifest: layers: expected an array, got null");
	CHECK_ERR(parse_manifest("{\"schemaVersion\":2,\"config\":[],\"layers\":[]}"),
		  WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(),
		  "invalid manifest: config: expected an object, got an array");
	CHECK_ERR(parse_manifest("{\"schemaVersion\":2,\"config\":" CFG_DESC ",\"layers\":{}}"),
		  WASMPACK_EINVALID);
	CHECK_ERR(parse_manifest(MANIFEST("\"x\"", )), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(),
		  "invalid manifest: layers[0]: expected an object, got a string");
	CHECK_OK(parse_manifest(MANIFEST(, )));
	CHECK_ERR(parse_index("{\"schemaVersion\":2}"), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(), "invalid index: manifests: missing");
	CHECK_OK(parse_index(INDEX(, )));
}

static void test_oci__manifest_parse_refuses_an_index(void)
{
	wasmpack_buf f = WASMPACK_BUF_INIT;
	wasmpack_manifest *m = NULL;
	if (harness_read_testdata(&f, "oci/oci-index.json") < 0)
		return;
	CHECK_ERR(wasmpack_manifest_parse(&m, f.data, f.size), WASMPACK_EINVALID);
	CHECK(m == NULL);
	CHECK_STR(wasmpack_error_last(),
		  "invalid manifest: mediaType: 'application/vnd.oci.image.index.v1+json' "
		  "is an image index, not an image manifest");
	wasmpack_buf_dispose(&f);
	/* Without a mediaType the shape gives it away. */
	CHECK_ERR(parse_manifest(INDEX(ENTRY("{\"os\":\"wasi\",\"architecture\":\"wasm\"}"), )),
		  WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(), "invalid manifest: this is an image index (it has "
					 "'manifests'), not an image manifest");
	CHECK_ERR(
		parse_manifest(MANIFEST(, ",\"mediaType\":\"" WASMPACK_MEDIATYPE_DOCKER_LIST "\"")),
		WASMPACK_EINVALID);
	CHECK_MSG_HAS("is an image index, not an image manifest");
	CHECK_ERR(parse_manifest(MANIFEST(, ",\"mediaType\":\"application/json\"")),
		  WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(), "invalid manifest: mediaType: 'application/json' is "
					 "not an image manifest media type");
	CHECK_ERR(parse_manifest(MANIFEST(, ",\"mediaType\":3")), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(),
		  "invalid manifest: mediaType: expected a string, got an integer");
}

static void test_oci__index_parse_refuses_a_manifest(void)
{
	wasmpack_buf f = WASMPACK_BUF_INIT;
	wasmpack_index *idx = NULL;
	if (harness_read_testdata(&f, "oci/docker-manifest.json") < 0)
		return;
	CHECK_ERR(wasmpack_index_parse(&idx, f.data, f.size), WASMPACK_EINVALID);
	CHECK(idx == NULL);
	CHECK_STR(
		wasmpack_error_last(),
		"invalid index: mediaType: 'application/vnd.docker.distribution.manifest.v2+json' "
		"is an image manifest, not an image index");
	wasmpack_buf_dispose(&f);
	CHECK_ERR(parse_index(MANIFEST(, )), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(), "invalid index: this is an image manifest (it has "
					 "'config'), not an image index");
	CHECK_ERR(
		parse_index(INDEX(, ",\"mediaType\":\"application/vnd.oci.image.config.v1+json\"")),
		WASMPACK_EINVALID);
	CHECK_MSG_HAS("is not an image index media type");
}

static void test_oci__index_platform_needs_os_and_architecture(void)
{
	CHECK_OK(parse_index(INDEX(ENTRY("{\"os\":\"wasi\",\"architecture\":\"wasm\","
					 "\"os.features\":[\"x\"],\"features\":[]}"), )));
	CHECK_ERR(parse_index(INDEX(ENTRY("{\"os\":\"wasi\",\"architecture\":\"wasm\"}") "," ENTRY(
					    "{\"os\":\"wasi\"}"), )),
		  WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(),
		  "invalid index: manifests[1].platform.architecture: missing");
	CHECK_ERR(parse_index(INDEX(ENTRY("{\"architecture\":\"wasm\"}"), )), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(), "invalid index: manifests[0].platform.os: missing");
	CHECK_ERR(parse_index(INDEX(ENTRY("{\"os\":1,\"architecture\":\"wasm\"}"), )),
		  WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(),
		  "invalid index: manifests[0].platform.os: expected a string, got an integer");
	CHECK_ERR(parse_index(INDEX(ENTRY("\"wasi/wasm\""), )), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(),
		  "invalid index: manifests[0].platform: expected an object, got a string");
	CHECK_ERR(parse_index(INDEX(ENTRY("{\"os\":\"wasi\",\"architecture\":\"wasm\","
					  "\"variant\":false}"), )),
		  WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(),
		  "invalid index: manifests[0].platform.variant: expected a string, got false");
	/* An entry with no platform is allowed. */
	CHECK_OK(parse_index(INDEX(LAYER_DESC, )));
}

static void test_oci__rejects_non_string_annotation_values(void)
{
	static const char *const values[] = {"1", "true", "null", "{}", "[\"x\"]", "1.5"};
	char buf[1024];
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		snprintf(buf, sizeof(buf), MANIFEST(, ",\"annotations\":{\"ok\":\"x\",\"k\":%s}"),
			 values[i]);
		CHECK_ERR(parse_manifest(buf), WASMPACK_EINVALID);
		CHECK_MSG_HAS("invalid manifest: annotations.k: expected a string, got ");
	}
	CHECK_ERR(parse_manifest(MANIFEST("{\"mediaType\":\"a/b\",\"digest\":\"" DIG_A "\","
					  "\"size\":1,\"annotations\":{\"t\":7}}", )),
		  WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(),
		  "invalid manifest: layers[0].annotations.t: expected a string, got an integer");
	CHECK_ERR(parse_manifest(MANIFEST(, ",\"annotations\":[]")), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(),
		  "invalid manifest: annotations: expected an object, got an array");
	/* null reads as no annotations, as Go-written documents have it. */
	CHECK_OK(parse_manifest(MANIFEST(, ",\"annotations\":null")));
	CHECK_OK(parse_manifest(MANIFEST(, ",\"annotations\":{}")));
}

static void test_oci__rejects_duplicate_keys(void)
{
	CHECK_ERR(parse_manifest("{\"schemaVersion\":2,\"schemaVersion\":2,\"config\":" CFG_DESC
				 ",\"layers\":[]}"),
		  WASMPACK_EINVALID);
	CHECK_MSG_HAS("invalid manifest: malformed json at line 1, column ");
	CHECK_MSG_HAS("duplicate");
	CHECK_ERR(parse_config(CONFIG(",\"os\":\"linux\"")), WASMPACK_EINVALID);
	CHECK_MSG_HAS("duplicate");
}

static void test_oci__rejects_duplicate_keys_in_nested_objects(void)
{
	static const char *const docs[] = {
		MANIFEST(, ",\"annotations\":{\"a\":\"1\",\"a\":\"1\"}"),
		MANIFEST("{\"mediaType\":\"a/b\",\"digest\":\"" DIG_A
			 "\",\"size\":1,\"size\":1}", ),
		MANIFEST(, ",\"unknown\":{\"deep\":[{\"x\":1,\"x\":2}]}"),
		INDEX(ENTRY("{\"os\":\"wasi\",\"architecture\":\"wasm\",\"os\":\"linux\"}"), ),
		CONFIG(",\"config\":{\"Labels\":{\"l\":\"1\",\"l\":\"2\"}}"),
		CONFIG(",\"rootfs\":{\"type\":\"layers\",\"type\":\"layers\"}"),
	};
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		int rc = i < 3    ? parse_manifest(docs[i])
			 : i == 3 ? parse_index(docs[i])
				  : parse_config(docs[i]);
		CHECK_ERR(rc, WASMPACK_EINVALID);
		CHECK_MSG_HAS("duplicate object key");
	}
}

static void test_oci__rejects_truncated_json_at_every_length(void)
{
	wasmpack_buf f = WASMPACK_BUF_INIT;
	wasmpack_manifest *m = NULL;
	if (harness_read_testdata(&f, "oci/oci-manifest.json") < 0)
		return;
	/* Strip the final newline: every shorter prefix is then broken. */
	while (f.size && (f.data[f.size - 1] == '\n' || f.data[f.size - 1] == ' '))
		f.size--;
	for (size_t len = 0; len < f.size; len++) {
		/* A copy of exactly len bytes so sanitizers see any overread. */
		unsigned char *copy = malloc(len ? len : 1);
		CHECK(copy != NULL);
		memcpy(copy, f.data, len);
		int rc = wasmpack_manifest_parse(&m, copy, len);
		free(copy);
		CHECK_ERR(rc, WASMPACK_EINVALID);
		CHECK(m == NULL);
		CHECK_MSG_HAS("invalid manifest: malformed json at line ");
	}
	CHECK_OK(wasmpack_manifest_parse(&m, f.data, f.size));
	wasmpack_manifest_free(m);
	CHECK_ERR(wasmpack_manifest_parse(&m, f.data, 40), WASMPACK_EINVALID);
	CHECK_MSG_HAS("line 3, column ");
	wasmpack_buf_dispose(&f);
}

static void test_oci__rejects_trailing_bytes_and_non_objects(void)
{
	CHECK_ERR(parse_manifest(MANIFEST(, ) " x"), WASMPACK_EINVALID);
	CHECK_MSG_HAS("malformed json at line 1, column ");
	CHECK_ERR(parse_manifest(MANIFEST(, ) MANIFEST(, )), WASMPACK_EINVALID);
	CHECK_ERR(parse_manifest("[]"), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(), "invalid manifest: expected a json object, got an array");
	CHECK_ERR(parse_manifest("\"manifest\""), WASMPACK_EINVALID);
	CHECK_ERR(parse_manifest("2"), WASMPACK_EINVALID);
	CHECK_ERR(parse_manifest("null"), WASMPACK_EINVALID);
	CHECK_ERR(parse_manifest(""), WASMPACK_EINVALID);
	CHECK_ERR(parse_config("   "), WASMPACK_EINVALID);
	CHECK_MSG_HAS("invalid image config: malformed json at line ");
	wasmpack_manifest *m = (wasmpack_manifest *)1;
	CHECK_ERR(wasmpack_manifest_parse(&m, NULL, 0), WASMPACK_EINVALID);
	CHECK(m == NULL);
	CHECK_ERR(wasmpack_manifest_parse(&m, NULL, 10), WASMPACK_EINVALID);
	CHECK_ERR(wasmpack_manifest_parse(NULL, "{}", 2), WASMPACK_EINVALID);
	/* Whitespace around the object is fine. */
	CHECK_OK(parse_manifest("\n\t " MANIFEST(, ) "\r\n "));
}

static void test_oci__rejects_nul_and_invalid_utf8(void)
{
	CHECK_ERR(parse_manifest(MANIFEST(, ",\"annotations\":{\"k\":\"a\\u0000b\"}")),
		  WASMPACK_EINVALID);
	CHECK_MSG_HAS("malformed json");
	CHECK_ERR(parse_manifest(MANIFEST(, ",\"annotations\":{\"k\\u0000\":\"v\"}")),
		  WASMPACK_EINVALID);
	CHECK_ERR(parse_manifest(MANIFEST(, ",\"annotations\":{\"k\":\"\xff\xfe\"}")),
		  WASMPACK_EINVALID);
	CHECK_ERR(parse_manifest(MANIFEST(, ",\"annotations\":{\"k\":\"\xc0\xaf\"}")),
		  WASMPACK_EINVALID);
	/* A raw NUL byte inside the buffer. */
	const char raw[] = "{\"schemaVersion\":2,\0\"config\":{}}";
	wasmpack_manifest *m = NULL;
	CHECK_ERR(wasmpack_manifest_parse(&m, raw, sizeof(raw) - 1), WASMPACK_EINVALID);
	/* Escaped non-ASCII text is fine. */
	CHECK_OK(parse_manifest(MANIFEST(, ",\"annotations\":{\"k\":\"\\u00e9\\ud83d\\ude00\"}")));
}

static void test_oci__rejects_manifest_over_the_size_limit(void)
{
	/* A 5 MiB manifest, valid JSON padded with spaces. */
	size_t len = 5u << 20;
	char *big = malloc(len);
	CHECK(big != NULL);
	const char *doc = MANIFEST(, );
	memset(big, ' ', len);
	memcpy(big, doc, strlen(doc));
	wasmpack_manifest *m = NULL;
	int rc = wasmpack_manifest_parse(&m, big, len);
	CHECK(m == NULL);
	if (rc != WASMPACK_ETOOLARGE)
		free(big);
	CHECK_ERR(rc, WASMPACK_ETOOLARGE);
	CHECK_STR(wasmpack_error_last(),
		  "manifest is too large: 5242880 bytes, the limit is 4194304");
	wasmpack_index *idx = NULL;
	rc = wasmpack_index_parse(&idx, big, WASMPACK_MANIFEST_MAX + 1);
	if (rc != WASMPACK_ETOOLARGE)
		free(big);
	CHECK_ERR(rc, WASMPACK_ETOOLARGE);
	/* Exactly at the limit is accepted. */
	rc = wasmpack_manifest_parse(&m, big, WASMPACK_MANIFEST_MAX);
	free(big);
	CHECK_OK(rc);
	wasmpack_manifest_free(m);
}

static void test_oci__rejects_image_config_over_the_size_limit(void)
{
	size_t len = WASMPACK_CONFIG_MAX + 1;
	char *big = malloc(len);
	CHECK(big != NULL);
	memset(big, ' ', len);
	memcpy(big, CONFIG(), strlen(CONFIG()));
	wasmpack_image_config *c = NULL;
	int rc = wasmpack_image_config_parse(&c, big, len);
	int rc_at_limit = wasmpack_image_config_parse(&c, big, len - 1);
	free(big);
	CHECK_ERR(rc, WASMPACK_ETOOLARGE);
	CHECK_OK(rc_at_limit);
	wasmpack_image_config_free(c);
}

static void test_oci__parses_large_manifests_in_linear_time(void)
{
	/* Near the limit: 40000 annotations and 10000 layers. A quadratic
	 * step (key lookups on insert) would take minutes here. */
	size_t cap = WASMPACK_MANIFEST_MAX, len = 0;
	char *doc = malloc(cap);
	CHECK(doc != NULL);
	len += (size_t)snprintf(doc + len, cap - len,
				"{\"schemaVersion\":2,\"config\":" CFG_DESC ",\"layers\":[");
	for (int i = 0; i < 10000; i++)
		len += (size_t)snprintf(doc + len, cap - len, "%s" LAYER_DESC, i ? "," : "");
	len += (size_t)snprintf(doc + len, cap - len, "],\"annotations\":{");
	for (int i = 0; i < 40000; i++)
		len += (size_t)snprintf(doc + len, cap - len, "%s\"key.%d\":\"value %d\"",
					i ? "," : "", i, i);
	len += (size_t)snprintf(doc + len, cap - len, "}}");
	CHECK(len < cap);
	wasmpack_manifest *m = NULL;
	int rc = wasmpack_manifest_parse(&m, doc, len);
	free(doc);
	CHECK_OK(rc);
	CHECK(m->layers_count == 10000);
	CHECK(m->annotations.count == 40000);
	CHECK_STR(m->annotations.items[39999].key, "key.39999");
	wasmpack_buf out = WASMPACK_BUF_INIT;
	CHECK_OK(wasmpack_manifest_serialize(&out, m));
	wasmpack_manifest_free(m);
	wasmpack_buf_dispose(&out);
}

static void test_oci__rejects_deeply_nested_arrays(void)
{
	/* 100000 levels: past jansson's depth limit, refused without
	 * exhausting the stack. */
	size_t depth = 100000;
	char *doc = malloc(2 * depth + 64);
	CHECK(doc != NULL);
	size_t len = 0;
	len += (size_t)snprintf(doc, 64, "{\"x\":");
	memset(doc + len, '[', depth);
	len += depth;
	memset(doc + len, ']', depth);
	len += depth;
	doc[len++] = '}';
	wasmpack_manifest *m = NULL;
	int rc = wasmpack_manifest_parse(&m, doc, len);
	free(doc);
	CHECK_ERR(rc, WASMPACK_EINVALID);
	CHECK_MSG_HAS("malformed json");
	/* Moderate nesting in a field nobody reads is ignored. */
	char *ok = malloc(4096);
	CHECK(ok != NULL);
	const char *head = "{\"schemaVersion\":2,\"config\":" CFG_DESC ",\"layers\":[],\"x\":";
	len = strlen(head);
	memcpy(ok, head, len);
	memset(ok + len, '[', 1000);
	memset(ok + len + 1000, ']', 1000);
	len += 2000;
	ok[len++] = '}';
	rc = wasmpack_manifest_parse(&m, ok, len);
	free(ok);
	CHECK_OK(rc);
	wasmpack_manifest_free(m);
}

static void test_oci__ignores_unknown_fields(void)
{
	wasmpack_manifest *m = NULL;
	const char *in = MANIFEST("{\"mediaType\":\"a/b\",\"digest\":\"" DIG_A "\",\"size\":1,"
				  "\"urls\":[\"https://x\"],\"data\":\"e30=\",\"new\":{\"a\":[1]}}",
				  ",\"future\":{\"x\":null},\"manifests\":[]");
	CHECK_OK(wasmpack_manifest_parse(&m, in, strlen(in)));
	CHECK(m->layers_count == 1);
	wasmpack_buf b = WASMPACK_BUF_INIT;
	CHECK_OK(wasmpack_manifest_serialize(&b, m));
	CHECK(strstr((char *)b.data, "future") == NULL);
	CHECK(strstr((char *)b.data, "urls") == NULL);
	wasmpack_buf_dispose(&b);
	wasmpack_manifest_free(m);
	CHECK_OK(parse_config(CONFIG(",\"history\":[{\"created_by\":\"x\"}],\"config\":"
				     "{\"ExposedPorts\":{\"80/tcp\":{}},\"User\":\"0\"}")));
}

/* --- image configs ----------------------------------------------------- */

static void test_oci__image_config_requires_os_and_architecture(void)
{
	CHECK_ERR(parse_config("{\"architecture\":\"wasm32\"}"), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(), "invalid image config: os: missing");
	CHECK_ERR(parse_config("{\"os\":\"wasi\"}"), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(), "invalid image config: architecture: missing");
	CHECK_ERR(parse_config("{\"os\":\"wasi\",\"architecture\":null}"), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(),
		  "invalid image config: architecture: expected a string, got null");
	CHECK_ERR(parse_config(CONFIG(",\"variant\":1")), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(),
		  "invalid image config: variant: expected a string, got an integer");
	CHECK_ERR(parse_config(CONFIG(",\"created\":0")), WASMPACK_EINVALID);
	/* A minimal config, null author as the wasm artifact config has it. */
	wasmpack_image_config *c = NULL;
	const char *in = CONFIG(",\"author\":null,\"os.version\":\"10\"");
	CHECK_OK(wasmpack_image_config_parse(&c, in, strlen(in)));
	CHECK(c->author == NULL && c->created == NULL && c->working_dir == NULL);
	CHECK_STR(c->os_version, "10");
	CHECK(c->diff_ids.count == 0 && c->entrypoint.count == 0);
	check_config_round_trip(c);
	wasmpack_image_config_free(c);
}

static void test_oci__image_config_checks_exec_fields(void)
{
	CHECK_ERR(parse_config(CONFIG(",\"config\":{\"Env\":[\"A=1\",2]}")), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(),
		  "invalid image config: config.Env[1]: expected a string, got an integer");
	CHECK_ERR(parse_config(CONFIG(",\"config\":{\"Entrypoint\":\"/x.wasm\"}")),
		  WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(),
		  "invalid image config: config.Entrypoint: expected an array, got a string");
	CHECK_ERR(parse_config(CONFIG(",\"config\":{\"Cmd\":[[\"a\"]]}")), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(),
		  "invalid image config: config.Cmd[0]: expected a string, got an array");
	CHECK_ERR(parse_config(CONFIG(",\"config\":{\"Labels\":{\"a\":\"1\",\"b\":2}}")),
		  WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(),
		  "invalid image config: config.Labels.b: expected a string, got an integer");
	CHECK_ERR(parse_config(CONFIG(",\"config\":{\"WorkingDir\":[]}")), WASMPACK_EINVALID);
	CHECK_ERR(parse_config(CONFIG(",\"config\":[]")), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(),
		  "invalid image config: config: expected an object, got an array");
	/* null means absent everywhere in "config", and for "config" itself. */
	CHECK_OK(parse_config(CONFIG(",\"config\":null")));
	CHECK_OK(parse_config(CONFIG(",\"config\":{\"Entrypoint\":null,\"Cmd\":null,"
				     "\"Env\":null,\"WorkingDir\":null,\"Labels\":null}")));
	wasmpack_image_config *c = NULL;
	const char *in = CONFIG(",\"config\":{\"Cmd\":[\"--\",\"\",\"x y\"],\"WorkingDir\":\"\"}");
	CHECK_OK(wasmpack_image_config_parse(&c, in, strlen(in)));
	CHECK(c->cmd.count == 3);
	CHECK_STR(c->cmd.items[1], "");
	CHECK_STR(c->working_dir, "");
	check_config_round_trip(c);
	wasmpack_image_config_free(c);
}

static void test_oci__image_config_checks_rootfs(void)
{
	CHECK_ERR(parse_config(CONFIG(",\"rootfs\":{\"type\":\"squash\",\"diff_ids\":[]}")),
		  WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(),
		  "invalid image config: rootfs.type: expected 'layers', got 'squash'");
	CHECK_ERR(parse_config(CONFIG(",\"rootfs\":{\"diff_ids\":[]}")), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(), "invalid image config: rootfs.type: missing");
	CHECK_ERR(parse_config(CONFIG(",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":"
				      "[\"" DIG_C "\",\"sha256:zz\"]}")),
		  WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(),
		  "invalid image config: rootfs.diff_ids[1]: invalid digest 'sha256:zz'");
	CHECK_ERR(parse_config(CONFIG(",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[1]}")),
		  WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(),
		  "invalid image config: rootfs.diff_ids[0]: expected a string, got an integer");
	CHECK_ERR(parse_config(CONFIG(",\"rootfs\":\"layers\"")), WASMPACK_EINVALID);
	CHECK_OK(parse_config(CONFIG(",\"rootfs\":{\"type\":\"layers\"}")));
	CHECK_OK(parse_config(CONFIG(",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}")));
}

/* --- descriptors and lists --------------------------------------------- */

static void test_oci__descriptor_copy_is_deep(void)
{
	wasmpack_descriptor a, b;
	wasmpack_platform plat = {"wasi", "wasm32", "v1", NULL};
	CHECK_OK(wasmpack_descriptor_init(&a, WASMPACK_MEDIATYPE_WASM_LAYER, DIG_A, 42));
	CHECK(a.artifact_type == NULL);
	CHECK(a.platform == NULL);
	CHECK_INT(a.annotations.count, 0);
	a.artifact_type = strdup("application/x");
	CHECK_OK(wasmpack_kvlist_set(&a.annotations, "k", "v"));
	CHECK_OK(wp_platform_copy(&a.platform, &plat));
	CHECK_OK(wasmpack_descriptor_copy(&b, &a));
	CHECK(desc_eq(&a, &b));
	CHECK(a.digest != b.digest && a.platform != b.platform &&
	      a.annotations.items != b.annotations.items &&
	      a.platform->variant != b.platform->variant);
	wasmpack_descriptor_dispose(&a);
	CHECK(a.digest == NULL);
	CHECK(a.platform == NULL);
	CHECK_INT(a.size, 0);
	CHECK_STR(b.platform->variant, "v1");
	CHECK_STR(wasmpack_kvlist_get(&b.annotations, "k"), "v");
	wasmpack_descriptor_dispose(&b);
	wasmpack_descriptor_dispose(&b); /* idempotent */
	wasmpack_descriptor_dispose(NULL);
}

static void test_oci__descriptor_init_rejects_missing_fields(void)
{
	wasmpack_descriptor d;
	CHECK_ERR(wasmpack_descriptor_init(&d, NULL, DIG_A, 1), WASMPACK_EINVALID);
	CHECK(d.media_type == NULL && d.digest == NULL);
	CHECK_ERR(wasmpack_descriptor_init(&d, "a/b", NULL, 1), WASMPACK_EINVALID);
	CHECK_ERR(wasmpack_descriptor_init(&d, "a/b", DIG_A, -1), WASMPACK_EINVALID);
	CHECK_ERR(wasmpack_descriptor_init(NULL, "a/b", DIG_A, 1), WASMPACK_EINVALID);
	CHECK_ERR(wasmpack_descriptor_copy(&d, NULL), WASMPACK_EINVALID);
	wasmpack_descriptor_dispose(&d);
}

static void test_oci__media_type_predicates(void)
{
	CHECK(wasmpack_media_type_is_index(WASMPACK_MEDIATYPE_OCI_INDEX));
	CHECK(wasmpack_media_type_is_index(WASMPACK_MEDIATYPE_DOCKER_LIST));
	CHECK(!wasmpack_media_type_is_index(WASMPACK_MEDIATYPE_OCI_MANIFEST));
	CHECK(!wasmpack_media_type_is_index(NULL));
	CHECK(wasmpack_media_type_is_manifest(WASMPACK_MEDIATYPE_OCI_MANIFEST));
	CHECK(wasmpack_media_type_is_manifest(WASMPACK_MEDIATYPE_DOCKER_MANIFEST));
	CHECK(!wasmpack_media_type_is_manifest(WASMPACK_MEDIATYPE_DOCKER_LIST));
	CHECK(!wasmpack_media_type_is_manifest(WASMPACK_MEDIATYPE_OCI_CONFIG));
	CHECK(!wasmpack_media_type_is_manifest("application/vnd.oci.image.manifest.v1+json "));
	CHECK(!wasmpack_media_type_is_manifest(NULL));
}

static void test_oci__strv_push_copies_and_dispose_resets(void)
{
	wasmpack_strv v = {NULL, 0};
	char s[] = "one";
	CHECK_OK(wasmpack_strv_push(&v, s));
	s[0] = 'X';
	CHECK_OK(wasmpack_strv_push(&v, ""));
	CHECK_OK(wasmpack_strv_push(&v, "three"));
	CHECK_INT(v.count, 3);
	CHECK_STR(v.items[0], "one");
	CHECK_STR(v.items[2], "three");
	CHECK_ERR(wasmpack_strv_push(&v, NULL), WASMPACK_EINVALID);
	CHECK_INT(v.count, 3);
	wasmpack_strv_dispose(&v);
	CHECK(v.items == NULL);
	CHECK_INT(v.count, 0);
	wasmpack_strv_dispose(&v);
	wasmpack_strv_dispose(NULL);
}

static void test_oci__free_functions_accept_null(void)
{
	wasmpack_manifest_free(NULL);
	wasmpack_index_free(NULL);
	wasmpack_image_config_free(NULL);
	wasmpack_buf b = WASMPACK_BUF_INIT;
	CHECK_ERR(wasmpack_manifest_serialize(&b, NULL), WASMPACK_EINVALID);
	CHECK_ERR(wasmpack_index_serialize(NULL, NULL), WASMPACK_EINVALID);
	CHECK_ERR(wasmpack_image_config_serialize(&b, NULL), WASMPACK_EINVALID);
}

static void test_oci__error_messages_are_one_lowercase_line(void)
{
	/* A newline inside the offending value must not break the line. */
	CHECK_ERR(parse_manifest(MANIFEST(, ",\"mediaType\":\"bad\\ntype\"")), WASMPACK_EINVALID);
	const char *msg = wasmpack_error_last();
	CHECK(strchr(msg, '\n') == NULL);
	CHECK(strncmp(msg, "invalid manifest: ", 18) == 0);
	/* A huge offending value is cut, keeping the message readable. */
	size_t n = 100000;
	char *doc = malloc(n + 256);
	CHECK(doc != NULL);
	size_t len = (size_t)snprintf(
		doc, 256,
		"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a/b\",\"size\":1,\"digest\":\"sha256:");
	memset(doc + len, 'a', n);
	len += n;
	len += (size_t)snprintf(doc + len, 256, "\"},\"layers\":[]}");
	wasmpack_manifest *m = NULL;
	int rc = wasmpack_manifest_parse(&m, doc, len);
	free(doc);
	CHECK_ERR(rc, WASMPACK_EINVALID);
	CHECK(strlen(wasmpack_error_last()) < 300);
	CHECK_MSG_HAS("invalid manifest: config.digest: invalid digest 'sha256:aaaa");
}

/* --- internal JSON helpers --------------------------------------------- */

static void test_oci__json_ctx_builds_and_restores_paths(void)
{
	wp_json_ctx cx;
	wp_json_ctx_init(&cx, "thing");
	CHECK_STR(cx.path, "");
	size_t a = wp_json_ctx_push_key(&cx, "manifests");
	size_t b = wp_json_ctx_push_index(&cx, 12);
	wp_json_ctx_push_key(&cx, "platform");
	CHECK_STR(cx.path, "manifests[12].platform");
	CHECK_ERR(wp_json_error(&cx, "os", "missing"), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(), "invalid thing: manifests[12].platform.os: missing");
	wp_json_ctx_pop(&cx, b);
	CHECK_STR(cx.path, "manifests");
	wp_json_ctx_pop(&cx, a);
	CHECK_ERR(wp_json_error(&cx, NULL, "bad %d", 1), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(), "invalid thing: bad 1");
	CHECK_ERR(wp_json_error(&cx, "k", "bad"), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(), "invalid thing: k: bad");
	/* Overlong paths are cut, never overflowed, and still pop back. */
	char key[400];
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	size_t mark = wp_json_ctx_push_key(&cx, "x");
	for (int i = 0; i < 3; i++)
		wp_json_ctx_push_key(&cx, key);
	CHECK(strlen(cx.path) < WP_JSON_PATH_MAX);
	wp_json_ctx_pop(&cx, mark);
	CHECK_STR(cx.path, "");
}

static void test_oci__json_readers_check_types_and_ranges(void)
{
	json_t *root = NULL;
	wp_json_ctx cx;
	const char *in = "{\"n\":5,\"s\":\"x\",\"z\":null,\"a\":[\"p\",\"q\"],\"o\":{\"k\":\"v\"}}";
	wp_json_ctx_init(&cx, "doc");
	CHECK_OK(wp_json_parse(&root, in, strlen(in), 1000, "doc"));
	int64_t n = -1;
	int present = 0;
	CHECK_OK(wp_json_get_int(&n, &present, root, "n", 0, 10, 0, &cx));
	CHECK_INT(n, 5);
	CHECK_INT(present, 1);
	n = -1;
	CHECK_OK(wp_json_get_int(&n, &present, root, "missing", 0, 10, 0, &cx));
	CHECK_INT(n, -1);
	CHECK_INT(present, 0);
	CHECK_OK(wp_json_get_int(&n, &present, root, "z", 0, 10, 0, &cx));
	CHECK_INT(present, 0);
	CHECK_ERR(wp_json_get_int(&n, NULL, root, "n", 6, 10, 0, &cx), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(), "invalid doc: n: expected an integer from 6 to 10, got 5");
	CHECK_ERR(wp_json_get_int(&n, NULL, root, "s", 0, 10, 0, &cx), WASMPACK_EINVALID);
	const char *s = NULL;
	CHECK_OK(wp_json_get_string(&s, root, "z", 0, &cx));
	CHECK(s == NULL);
	CHECK_ERR(wp_json_get_string(&s, root, "z", WP_JSON_REQUIRED, &cx), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(), "invalid doc: z: expected a string, got null");
	wasmpack_strv v = {NULL, 0};
	CHECK_OK(wp_json_get_strv(&v, root, "a", WP_JSON_REQUIRED, &cx));
	CHECK_INT(v.count, 2);
	CHECK_STR(v.items[1], "q");
	wasmpack_strv_dispose(&v);
	CHECK_ERR(wp_json_get_strv(&v, root, "o", 0, &cx), WASMPACK_EINVALID);
	CHECK_INT(v.count, 0);
	CHECK(v.items == NULL);
	wasmpack_kvlist l = WASMPACK_KVLIST_INIT;
	CHECK_OK(wp_json_get_kvlist(&l, root, "o", 0, &cx));
	CHECK_STR(wasmpack_kvlist_get(&l, "k"), "v");
	wasmpack_kvlist_dispose(&l);
	CHECK_ERR(wp_json_get_kvlist(&l, root, "a", 0, &cx), WASMPACK_EINVALID);
	CHECK_INT(l.count, 0);
	const json_t *o = NULL;
	CHECK_OK(wp_json_get_object(&o, root, "missing", 0, &cx));
	CHECK(o == NULL);
	CHECK_ERR(wp_json_get_array(&o, root, "missing", WP_JSON_REQUIRED, &cx), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(), "invalid doc: missing: missing");
	wasmpack_buf b = WASMPACK_BUF_INIT;
	CHECK_OK(wp_json_dump(&b, root));
	CHECK_STR((char *)b.data,
		  "{\"a\":[\"p\",\"q\"],\"n\":5,\"o\":{\"k\":\"v\"},\"s\":\"x\",\"z\":null}");
	wasmpack_buf_dispose(&b);
	json_decref(root);
	CHECK_ERR(wp_json_parse(&root, in, strlen(in), 10, "doc"), WASMPACK_ETOOLARGE);
	CHECK(root == NULL);
}

static void test_oci__json_writers_refuse_invalid_utf8(void)
{
	static const char *const good[] = {
		"", "plain", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
		"\xf4\x8f\xbf\xbf", /* U+10FFFF */
	};
	static const char *const bad[] = {
		"\xff",
		"\xc0\xaf",         /* overlong '/' */
		"\xe0\x80\xaf",     /* overlong */
		"\xed\xa0\x80",     /* surrogate */
		"\xf4\x90\x80\x80", /* past U+10FFFF */
		"\xc3",
		"\xe2\x82",
		"a\x80",
	};
	wp_json_ctx cx;
	json_t *o = json_object();
	CHECK(o != NULL);
	wp_json_ctx_init(&cx, "doc");
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK_OK(wp_json_set_string(o, "k", good[i], &cx));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_ERR(wp_json_set_string(o, "k", bad[i], &cx), WASMPACK_EINVALID);
		CHECK_STR(wasmpack_error_last(), "invalid doc: k: not valid utf-8");
	}
	wasmpack_strv v = {NULL, 0};
	CHECK_OK(wasmpack_strv_push(&v, "ok"));
	CHECK_OK(wasmpack_strv_push(&v, "\xed\xa0\x80"));
	CHECK_ERR(wp_json_set_strv(o, "list", &v, 0, &cx), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(), "invalid doc: list[1]: not valid utf-8");
	wasmpack_strv_dispose(&v);
	CHECK_OK(wp_json_set_strv(o, "empty", &v, 0, &cx));
	CHECK(json_object_get(o, "empty") == NULL);
	CHECK_OK(wp_json_set_strv(o, "empty", &v, WP_JSON_KEEP_EMPTY, &cx));
	CHECK(json_is_array(json_object_get(o, "empty")));
	json_decref(o);
}

const test_case oci_tests[] = {
	TEST_ENTRY(test_oci__parses_oci_manifest),
	TEST_ENTRY(test_oci__parses_docker_schema2_manifest),
	TEST_ENTRY(test_oci__parses_oci_index_with_platforms),
	TEST_ENTRY(test_oci__parses_docker_manifest_list),
	TEST_ENTRY(test_oci__parses_image_config),
	TEST_ENTRY(test_oci__serializes_manifest_compact_with_sorted_keys),
	TEST_ENTRY(test_oci__serialize_omits_absent_optional_fields),
	TEST_ENTRY(test_oci__serializes_image_config_canonically),
	TEST_ENTRY(test_oci__round_trips_a_built_manifest_with_every_field),
	TEST_ENTRY(test_oci__parses_subject_and_artifact_type),
	TEST_ENTRY(test_oci__serialize_rejects_what_parse_would_reject),
	TEST_ENTRY(test_oci__serialize_rejects_repeated_annotation_keys),
	TEST_ENTRY(test_oci__image_config_serialize_requires_os_and_architecture),
	TEST_ENTRY(test_oci__index_round_trips_every_field),
	TEST_ENTRY(test_oci__rejects_invalid_digest_naming_the_field),
	TEST_ENTRY(test_oci__accepts_well_formed_digests_of_other_algorithms),
	TEST_ENTRY(test_oci__rejects_bad_sizes),
	TEST_ENTRY(test_oci__rejects_malformed_media_types),
	TEST_ENTRY(test_oci__requires_schema_version_2),
	TEST_ENTRY(test_oci__requires_config_and_layers),
	TEST_ENTRY(test_oci__manifest_parse_refuses_an_index),
	TEST_ENTRY(test_oci__index_parse_refuses_a_manifest),
	TEST_ENTRY(test_oci__index_platform_needs_os_and_architecture),
	TEST_ENTRY(test_oci__rejects_non_string_annotation_values),
	TEST_ENTRY(test_oci__rejects_duplicate_keys),
	TEST_ENTRY(test_oci__rejects_duplicate_keys_in_nested_objects),
	TEST_ENTRY(test_oci__rejects_truncated_json_at_every_length),
	TEST_ENTRY(test_oci__rejects_trailing_bytes_and_non_objects),
	TEST_ENTRY(test_oci__rejects_nul_and_invalid_utf8),
	TEST_ENTRY(test_oci__rejects_manifest_over_the_size_limit),
	TEST_ENTRY(test_oci__rejects_image_config_over_the_size_limit),
	TEST_ENTRY(test_oci__parses_large_manifests_in_linear_time),
	TEST_ENTRY(test_oci__rejects_deeply_nested_arrays),
	TEST_ENTRY(test_oci__ignores_unknown_fields),
	TEST_ENTRY(test_oci__image_config_requires_os_and_architecture),
	TEST_ENTRY(test_oci__image_config_checks_exec_fields),
	TEST_ENTRY(test_oci__image_config_checks_rootfs),
	TEST_ENTRY(test_oci__descriptor_copy_is_deep),
	TEST_ENTRY(test_oci__descriptor_init_rejects_missing_fields),
	TEST_ENTRY(test_oci__media_type_predicates),
	TEST_ENTRY(test_oci__strv_push_copies_and_dispose_resets),
	TEST_ENTRY(test_oci__free_functions_accept_null),
	TEST_ENTRY(test_oci__error_messages_are_one_lowercase_line),
	TEST_ENTRY(test_oci__json_ctx_builds_and_restores_paths),
	TEST_ENTRY(test_oci__json_readers_check_types_and_ranges),
	TEST_ENTRY(test_oci__json_writers_refuse_invalid_utf8),
	TEST_END,
};
