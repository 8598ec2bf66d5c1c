/* Tests of the transfer engine (wasmpack_push, wasmpack_pull, wasmpack_copy) against the
 * scripted responder (tests/servers/scripted.mjs) playing a registry, with
 * images built into temporary stores: the requests a push sends, a pull
 * into an empty store, pulls and copies that are sent wrong bytes, and
 * copies between registries and within one. */
#include "harness.h"
#include "fixtures.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#define RESPONDER "tests/servers/scripted.mjs"

/* --- the responder -------------------------------------------------------- */

/* The scripted responder and its request log. */
typedef struct responder {
	pid_t pid;
	int in_fd, out_fd;
	char host[64];
	char log_path[600];
	json_t *log;
} responder;

static void responder_free(void *p)
{
	responder *r = p;
	if (r->in_fd >= 0)
		close(r->in_fd);
	if (r->pid > 0) {
		kill(r->pid, SIGTERM);
		while (waitpid(r->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (r->out_fd >= 0)
		close(r->out_fd);
	json_decref(r->log);
	free(r);
}

/* Starts the responder on steps (taken: it is decref'd), stopped after
 * the test; NULL after failing the test. */
static responder *responder_start_(json_t *steps)
{
	static int counter;
	char script[600];
	responder *r = calloc(1, sizeof(*r));
	if (!r) {
		json_decref(steps);
		harness_fail(__FILE__, __LINE__, "calloc", NULL);
		return NULL;
	}
	r->pid = -1;
	r->in_fd = r->out_fd = -1;
	if (harness_defer(responder_free, r) != 0) {
		json_decref(steps);
		return NULL;
	}
	counter++;
	snprintf(script, sizeof(script), "%s/transfer-script-%d.json", harness_tmpdir(), counter);
	snprintf(r->log_path, sizeof(r->log_path), "%s/transfer-log-%d.jsonl", harness_tmpdir(),
		 counter);
	int rc = json_dump_file(steps, script, 0);
	json_decref(steps);
	if (rc != 0) {
		harness_fail(__FILE__, __LINE__, "write the script", script);
		return NULL;
	}
	char *argv[] = {"node",      RESPONDER,       script, "--log",
			r->log_path, "--max-seconds", "60",   NULL};
	int port = harness_spawn_port_(&r->pid, &r->in_fd, &r->out_fd, argv);
	if (port < 0)
		return NULL;
	snprintf(r->host, sizeof(r->host), "127.0.0.1:%d", port);
	return r;
}
#define responder_start(steps) AT_PTR(responder *, responder_start_(steps))

/* The requests the responder saw, reloaded; their number. */
static size_t requests(responder *r)
{
	json_decref(r->log);
	r->log = json_array();
	FILE *f = fopen(r->log_path, "r");
	char line[65536];
	while (f && fgets(line, sizeof(line), f)) {
		json_t *rec = json_loads(line, 0, NULL);
		if (rec)
			json_array_append_new(r->log, rec);
	}
	if (f)
		fclose(f);
	return json_array_size(r->log);
}

static const char *req(responder *r, size_t i, const char *key)
{
	const char *v = json_string_value(json_object_get(json_array_get(r->log, i), key));
	return v ? v : "";
}

/* "METHOD PATH" of request i, into buf. */
static const char *req_line(char *buf, size_t size, responder *r, size_t i)
{
	snprintf(buf, size, "%s %s", req(r, i, "method"), req(r, i, "path"));
	return buf;
}

/* A step: {match: {method, path}, times, response: {status, headers}}. */
static json_t *step(const char *method, const char *path, int times, int status)
{
	json_t *s = json_pack("{s:{s:s, s:s}, s:i, s:{s:i, s:{}}}", "match", "method", method,
			      "path", path, "times", times, "response", "status", status,
			      "headers");
	return s;
}

static json_t *response(json_t *s) { return json_object_get(s, "response"); }

static void header(json_t *s, const char *name, const char *value)
{
	json_object_set_new(json_object_get(response(s), "headers"), name, json_string(value));
}

/* The step answers with these bytes. */
static void body(json_t *s, const wasmpack_buf *b)
{
	size_t cap = 4 * ((b->size + 2) / 3) + 1;
	unsigned char *text = malloc(cap);
	if (!text)
		return;
	EVP_EncodeBlock(text, b->data, (int)b->size);
	json_object_set_new(response(s), "bodyBase64", json_string((const char *)text));
	free(text);
}

/* Registry options for a plain-http loopback responder, no retries, no
 * docker config. */
static wasmpack_transfer_options transfer_options(void)
{
	static char config_dir[700];
	wasmpack_transfer_options o = WASMPACK_TRANSFER_OPTIONS_INIT;
	if (!config_dir[0]) {
		snprintf(config_dir, sizeof(config_dir), "%s/transfer-no-docker-config",
			 harness_tmpdir());
		mkdir(config_dir, 0700);
	}
	o.registry.plain_http = 1;
	o.registry.max_retries = -1;
	o.registry.config_dir = config_dir;
	o.jobs = 1; /* one blob at a time: the log's order is the engine's */
	return o;
}

/* The names of the files under DIR/blobs/sha256, sorted, one per line. */
static char *blob_names(wasmpack_store *s)
{
	char path[800];
	snprintf(path, sizeof(path), "%s/blobs/sha256", wasmpack_store_path(s));
	struct dirent **list = NULL;
	int n = scandir(path, &list, NULL, alphasort);
	size_t cap = 1, len = 0;
	for (int i = 0; i < n; i++)
		cap += strlen(list[i]->d_name) + 1;
	char *out = calloc(1, cap);
	for (int i = 0; i < n; i++) {
		if (out && list[i]->d_name[0] != '.')
			len += (size_t)sprintf(out + len, "%s\n", list[i]->d_name);
		free(list[i]);
	}
	free(list);
	return out;
}

/* The steps that serve b's manifest and blobs for repository/tag. */
static json_t *serving(const built *b, const char *repository, const char *tag)
{
	char path[600];
	json_t *steps = json_array(), *s;
	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", repository, tag);
	s = step("GET", path, 0, 200);
	header(s, "Content-Type", b->r.manifest.media_type);
	header(s, "Docker-Content-Digest", b->r.manifest.digest);
	body(s, &b->manifest);
	json_array_append_new(steps, s);
	snprintf(path, sizeof(path), "/v2/%s/blobs/%s", repository, b->r.config.digest);
	s = step("GET", path, 0, 200);
	body(s, &b->config);
	json_array_append_new(steps, s);
	snprintf(path, sizeof(path), "/v2/%s/blobs/%s", repository, b->r.layer.digest);
	s = step("GET", path, 0, 200);
	body(s, &b->layer);
	json_array_append_new(steps, s);
	return steps;
}

/* Appends to steps those of a registry that has nothing of repository
 * and takes every upload, and b's manifest as tag; returns steps. */
static json_t *accepting(json_t *steps, const built *b, const char *repository, const char *tag)
{
	char path[600];
	json_t *st;
	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", repository, tag);
	json_array_append_new(steps, step("HEAD", path, 0, 404));
	st = step("PUT", path, 0, 201);
	header(st, "Docker-Content-Digest", b->r.manifest.digest);
	json_array_append_new(steps, st);
	snprintf(path, sizeof(path), "/v2/%s/blobs/*", repository);
	json_array_append_new(steps, step("HEAD", path, 0, 404));
	snprintf(path, sizeof(path), "/v2/%s/blobs/uploads/", repository);
	st = step("POST", path, 0, 202);
	header(st, "Location", "/upload/session");
	json_array_append_new(steps, st);
	json_array_append_new(steps, step("PUT", "/upload/session?*", 0, 201));
	return steps;
}

/* The requests a registry that had nothing sees when b goes up to
 * repository:tag one blob at a time, config first, as "METHOD PATH". */
static size_t upload_requests(char want[][400], const built *b, const char *repository,
			      const char *tag)
{
	size_t n = 0;
	snprintf(want[n++], 400, "HEAD /v2/%s/manifests/%s", repository, tag);
	const wasmpack_descriptor *blobs[] = {&b->r.config, &b->r.layer};
	for (size_t i = 0; i < 2; i++) {
		snprintf(want[n++], 400, "HEAD /v2/%s/blobs/%s", repository, blobs[i]->digest);
		snprintf(want[n++], 400, "POST /v2/%s/blobs/uploads/", repository);
		snprintf(want[n++], 400, "PUT /upload/session?digest=%s", blobs[i]->digest);
	}
	snprintf(want[n++], 400, "PUT /v2/%s/manifests/%s", repository, tag);
	return n;
}

/* --- push ----------------------------------------------------------------- */

static void test_transfer__push_sends_blobs_then_the_manifest(void)
{
	wasmpack_store *s = temp_store("push");
	if (!s)
		return;
	built *b = build_hello(s, "demo/hello:v1");
	if (!b)
		return;
	responder *r = responder_start(accepting(json_array(), b, "demo/hello", "v1"));
	if (!r)
		return;

	char dst_text[200];
	snprintf(dst_text, sizeof(dst_text), "%s/demo/hello:v1", r->host);
	wasmpack_reference *src = parse_ref("demo/hello:v1"), *dst = parse_ref(dst_text);
	if (!src || !dst)
		return;
	wasmpack_transfer_options o = transfer_options();
	wasmpack_transfer_result res = {0};
	int rc = wasmpack_push(&res, s, src, dst, &o);
	char pushed[WASMPACK_DIGEST_MAX] = "";
	if (rc == 0)
		snprintf(pushed, sizeof(pushed), "%s", res.manifest.digest);
	size_t moved = res.blobs_moved;
	wasmpack_transfer_result_dispose(&res);
	CHECK_OK(rc);
	CHECK_STR(pushed, b->r.manifest.digest);
	CHECK_INT(moved, 2);

	/* Exactly these requests, in this order (one blob at a time, the
	 * config before the layer), each body the blob it names. */
	char want[12][400], got[400];
	size_t n = upload_requests(want, b, "demo/hello", "v1");
	CHECK_INT(requests(r), n);
	for (size_t i = 0; i < n; i++)
		CHECK_STR(req_line(got, sizeof(got), r, i), want[i]);
	CHECK_STR(req(r, 3, "bodySha256"), b->r.config.digest);
	CHECK_STR(req(r, 6, "bodySha256"), b->r.layer.digest);
	CHECK_STR(req(r, 7, "bodySha256"), b->r.manifest.digest);
	const char *ct = json_string_value(json_object_get(
		json_object_get(json_array_get(r->log, 7), "headers"), "content-type"));
	CHECK_STR(ct, b->r.manifest.media_type);
}

static void test_transfer__push_of_what_the_tag_names_sends_one_request(void)
{
	wasmpack_store *s = temp_store("repush");
	if (!s)
		return;
	built *b = build_hello(s, "demo/hello:v1");
	if (!b)
		return;
	json_t *steps = json_array();
	json_t *st = step("HEAD", "/v2/demo/hello/manifests/v1", 0, 200);
	header(st, "Content-Type", b->r.manifest.media_type);
	header(st, "Docker-Content-Digest", b->r.manifest.digest);
	char len[32];
	snprintf(len, sizeof(len), "%zu", b->manifest.size);
	header(st, "Content-Length", len);
	json_array_append_new(steps, st);
	responder *r = responder_start(steps);
	if (!r)
		return;
	char dst_text[200];
	snprintf(dst_text, sizeof(dst_text), "%s/demo/hello:v1", r->host);
	wasmpack_reference *src = parse_ref("demo/hello:v1"), *dst = parse_ref(dst_text);
	if (!src || !dst)
		return;
	wasmpack_transfer_options o = transfer_options();
	wasmpack_transfer_result res = {0};
	int rc = wasmpack_push(&res, s, src, dst, &o);
	size_t moved = res.blobs_moved;
	wasmpack_transfer_result_dispose(&res);
	CHECK_OK(rc);
	CHECK_INT(moved, 0);
	CHECK_INT(requests(r), 1);
	CHECK_STR(req(r, 0, "method"), "HEAD");
}

/* --- pull ----------------------------------------------------------------- */

static void test_transfer__pull_into_an_empty_store_verifies_and_tags(void)
{
	wasmpack_store *from = temp_store("pull-src"), *s = temp_store("pull-dst");
	if (!from || !s)
		return;
	built *b = build_hello(from, "demo/hello:v1");
	if (!b)
		return;
	responder *r = responder_start(serving(b, "demo/hello", "v1"));
	if (!r)
		return;
	char text[200];
	snprintf(text, sizeof(text), "%s/demo/hello:v1", r->host);
	wasmpack_reference *remote = parse_ref(text);
	if (!remote)
		return;
	wasmpack_transfer_options o = transfer_options();
	wasmpack_transfer_result res = {0};
	int rc = wasmpack_pull(&res, s, remote, &o);
	char pulled[WASMPACK_DIGEST_MAX] = "";
	if (rc == 0)
		snprintf(pulled, sizeof(pulled), "%s", res.manifest.digest);
	size_t moved = res.blobs_moved;
	wasmpack_transfer_result_dispose(&res);
	CHECK_OK(rc);
	CHECK_STR(pulled, b->r.manifest.digest);
	CHECK_INT(moved, 2);

	/* Tagged under the name pulled, and every blob reads back verified
	 * with the bytes the registry sent. */
	wasmpack_descriptor d = {0};
	CHECK_OK(wasmpack_store_resolve(&d, s, remote));
	int same = strcmp(d.digest, b->r.manifest.digest) == 0;
	wasmpack_descriptor_dispose(&d);
	CHECK(same);
	const wasmpack_descriptor *descs[] = {&b->r.manifest, &b->r.config, &b->r.layer};
	const wasmpack_buf *bytes[] = {&b->manifest, &b->config, &b->layer};
	for (size_t i = 0; i < 3; i++) {
		wasmpack_buf got = WASMPACK_BUF_INIT;
		CHECK_OK(wasmpack_store_blob_read(&got, s, descs[i]->digest, 1 << 24));
		int equal = got.size == bytes[i]->size &&
			    memcmp(got.data, bytes[i]->data, got.size) == 0;
		wasmpack_buf_dispose(&got);
		CHECK(equal);
	}
	/* One GET per blob and one for the manifest, no more. */
	requests(r);
	size_t gets = 0;
	for (size_t i = 0; i < json_array_size(r->log); i++)
		gets += strcmp(req(r, i, "method"), "GET") == 0 &&
			strncmp(req(r, i, "path"), "/v2/demo/", 9) == 0;
	CHECK_INT(gets, 3);
}

/* Serves b with the bytes of one blob (the layer, or the config) turned
 * wrong; the pull must fail with EDIGEST and store nothing it names. */
static void pull_wrong_blob(int config)
{
	wasmpack_store *from = temp_store("bad-src"), *s = temp_store("bad-dst");
	if (!from || !s)
		return;
	built *b = build_hello(from, "demo/hello:v1");
	if (!b)
		return;
	wasmpack_buf *victim = config ? &b->config : &b->layer;
	victim->data[victim->size / 2] ^= 0x20;
	responder *r = responder_start(serving(b, "demo/hello", "v1"));
	if (!r)
		return;
	char text[200];
	snprintf(text, sizeof(text), "%s/demo/hello:v1", r->host);
	wasmpack_reference *remote = parse_ref(text);
	if (!remote)
		return;
	char *before = blob_names(s);
	wasmpack_transfer_options o = transfer_options();
	wasmpack_transfer_result res = {0};
	int rc = wasmpack_pull(&res, s, remote, &o);
	wasmpack_transfer_result_dispose(&res);
	char *after = blob_names(s);
	char layer_hex[80], config_line[100];
	snprintf(layer_hex, sizeof(layer_hex), "%s\n", strchr(b->r.layer.digest, ':') + 1);
	snprintf(config_line, sizeof(config_line), "%s\n", strchr(b->r.config.digest, ':') + 1);
	/* Before: empty. After: at most the config, which was verified and
	 * is unnamed (gc takes it); never the layer, never a temporary. */
	int unchanged = before && after && !*before &&
			(!*after || (!config && strcmp(after, config_line) == 0));
	int has_layer = after && strstr(after, layer_hex) != NULL;
	if (!unchanged)
		printf("    blobs after the pull:\n%s", after ? after : "(none)\n");
	free(before);
	free(after);
	CHECK_ERR(rc, WASMPACK_EDIGEST);
	CHECK(!has_layer);
	CHECK(unchanged);
	wasmpack_descriptor d = {0};
	CHECK_ERR(wasmpack_store_resolve(&d, s, remote), WASMPACK_ENOTFOUND);
	size_t count = 99;
	wasmpack_store_image *images = NULL;
	CHECK_OK(wasmpack_store_list(&images, &count, s));
	wasmpack_store_images_free(images, count);
	CHECK_INT(count, 0);
}

static void test_transfer__pull_refuses_a_layer_sent_wrong_and_tags_nothing(void)
{
	AT_VOID(pull_wrong_blob(0));
}

static void test_transfer__pull_refuses_a_config_sent_wrong_and_stores_nothing(void)
{
	AT_VOID(pull_wrong_blob(1));
}

/* --- copy ----------------------------------------------------------------- */

static void test_transfer__copy_between_registries_streams_verified_blobs(void)
{
	wasmpack_store *from = temp_store("copy-src");
	if (!from)
		return;
	built *b = build_hello(from, "demo/hello:v1");
	if (!b)
		return;
	responder *src = responder_start(serving(b, "demo/hello", "v1"));
	responder *dst = responder_start(accepting(json_array(), b, "other/hello", "v2"));
	if (!src || !dst)
		return;
	char text[2][200];
	snprintf(text[0], sizeof(text[0]), "%s/demo/hello:v1", src->host);
	snprintf(text[1], sizeof(text[1]), "%s/other/hello:v2", dst->host);
	wasmpack_reference *a = parse_ref(text[0]), *z = parse_ref(text[1]);
	if (!a || !z)
		return;
	wasmpack_transfer_options o = transfer_options();
	wasmpack_transfer_result res = {0};
	int rc = wasmpack_copy(&res, a, z, &o);
	char copied[WASMPACK_DIGEST_MAX] = "";
	if (rc == 0)
		snprintf(copied, sizeof(copied), "%s", res.manifest.digest);
	wasmpack_transfer_result_dispose(&res);
	CHECK_OK(rc);
	CHECK_STR(copied, b->r.manifest.digest);

	/* The destination got what a push sends, the same bytes. */
	char want[12][400], got[400];
	size_t n = upload_requests(want, b, "other/hello", "v2");
	CHECK_INT(requests(dst), n);
	for (size_t i = 0; i < n; i++)
		CHECK_STR(req_line(got, sizeof(got), dst, i), want[i]);
	CHECK_STR(req(dst, 3, "bodySha256"), b->r.config.digest);
	CHECK_STR(req(dst, 6, "bodySha256"), b->r.layer.digest);
	CHECK_STR(req(dst, 7, "bodySha256"), b->r.manifest.digest);
	/* The source was only read. */
	requests(src);
	for (size_t i = 0; i < json_array_size(src->log); i++)
		CHECK_STR(req(src, i, "method"), "GET");
}

static void test_transfer__copy_refuses_a_blob_the_source_sends_wrong(void)
{
	wasmpack_store *from = temp_store("copy-bad");
	if (!from)
		return;
	built *b = build_hello(from, "demo/hello:v1");
	if (!b)
		return;
	b->layer.data[b->layer.size / 2] ^= 0x20;
	responder *src = responder_start(serving(b, "demo/hello", "v1"));
	responder *dst = responder_start(accepting(json_array(), b, "other/hello", "v2"));
	if (!src || !dst)
		return;
	char text[2][200];
	snprintf(text[0], sizeof(text[0]), "%s/demo/hello:v1", src->host);
	snprintf(text[1], sizeof(text[1]), "%s/other/hello:v2", dst->host);
	wasmpack_reference *a = parse_ref(text[0]), *z = parse_ref(text[1]);
	if (!a || !z)
		return;
	wasmpack_transfer_options o = transfer_options();
	wasmpack_transfer_result res = {0};
	int rc = wasmpack_copy(&res, a, z, &o);
	wasmpack_transfer_result_dispose(&res);
	CHECK_ERR(rc, WASMPACK_EDIGEST);
	/* Neither the wrong layer nor the manifest that names it went up. */
	requests(dst);
	for (size_t i = 0; i < json_array_size(dst->log); i++) {
		char got[400];
		req_line(got, sizeof(got), dst, i);
		CHECK(!strstr(got, "PUT /v2/other/hello/manifests/"));
		CHECK(!strstr(got, b->r.layer.digest) || strncmp(got, "HEAD ", 5) == 0);
	}
}

static void test_transfer__copy_within_a_registry_mounts_every_blob(void)
{
	wasmpack_store *from = temp_store("copy-mount");
	if (!from)
		return;
	built *b = build_hello(from, "demo/hello:v1");
	if (!b)
		return;
	json_t *steps = serving(b, "demo/hello", "v1");
	json_t *st = step("POST", "/v2/demo/copy/blobs/uploads/?mount=*", 0, 201);
	header(st, "Location", "/v2/demo/copy/blobs/mounted");
	json_array_append_new(steps, st);
	responder *r = responder_start(accepting(steps, b, "demo/copy", "v1"));
	if (!r)
		return;
	char text[2][200];
	snprintf(text[0], sizeof(text[0]), "%s/demo/hello:v1", r->host);
	snprintf(text[1], sizeof(text[1]), "%s/demo/copy:v1", r->host);
	wasmpack_reference *a = parse_ref(text[0]), *z = parse_ref(text[1]);
	if (!a || !z)
		return;
	wasmpack_transfer_options o = transfer_options();
	wasmpack_transfer_result res = {0};
	int rc = wasmpack_copy(&res, a, z, &o);
	size_t moved = res.blobs_moved, skipped = res.blobs_skipped;
	wasmpack_transfer_result_dispose(&res);
	CHECK_OK(rc);
	CHECK_INT(moved, 0);
	CHECK_INT(skipped, 2);
	/* One mount per blob, from the source repository; no blob bytes. */
	requests(r);
	int mounts = 0;
	for (size_t i = 0; i < json_array_size(r->log); i++) {
		char got[400];
		req_line(got, sizeof(got), r, i);
		CHECK(!strstr(got, "GET /v2/demo/hello/blobs/"));
		CHECK(!strstr(got, "PUT /upload/"));
		const char *mount = "POST /v2/demo/copy/blobs/uploads/?mount=";
		if (strncmp(got, mount, strlen(mount)) == 0) {
			CHECK(strstr(got, "from=demo%2Fhello") || strstr(got, "from=demo/hello"));
			mounts++;
		}
	}
	CHECK_INT(mounts, 2);
}

const test_case transfer_tests[] = {
	TEST_ENTRY(test_transfer__push_sends_blobs_then_the_manifest),
	TEST_ENTRY(test_transfer__push_of_what_the_tag_names_sends_one_request),
	TEST_ENTRY(test_transfer__pull_into_an_empty_store_verifies_and_tags),
	TEST_ENTRY(test_transfer__pull_refuses_a_layer_sent_wrong_and_tags_nothing),
	TEST_ENTRY(test_transfer__pull_refuses_a_config_sent_wrong_and_stores_nothing),
	TEST_ENTRY(test_transfer__copy_between_registries_streams_verified_blobs),
	TEST_ENTRY(test_transfer__copy_refuses_a_blob_the_source_sends_wrong),
	TEST_ENTRY(test_transfer__copy_within_a_registry_mounts_every_blob),
	TEST_END,
};
