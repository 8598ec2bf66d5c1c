/* Tests of the local OCI image layout store. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char *store_dir(const char *name)
{
	static char path[600];
	snprintf(path, sizeof(path), "%s/%s", harness_tmpdir(), name);
	return path;
}

static int file_exists(const char *dir, const char *rel)
{
	char p[1024];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	return stat(p, &st) == 0;
}

static size_t count_entries(const char *dir)
{
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
	FILE *f = popen(cmd, "r");
	size_t n = 0;
	if (f) {
		if (fscanf(f, "%zu", &n) != 1)
			n = 0;
		pclose(f);
	}
	return n;
}

/* Puts a minimal manifest (config + one layer) and returns its descriptor. */
static int put_image(wasmpack_store *s, const char *layer_text, wasmpack_descriptor *out)
{
	char cd[WASMPACK_DIGEST_MAX], ld[WASMPACK_DIGEST_MAX], md[WASMPACK_DIGEST_MAX];
	const char *config = "{\"architecture\":\"wasm32\",\"os\":\"wasi\"}";
	char manifest[1024];
	int rc;
	if ((rc = wasmpack_store_blob_put(cd, s, config, strlen(config), NULL)) ||
	    (rc = wasmpack_store_blob_put(ld, s, layer_text, strlen(layer_text), NULL)))
		return rc;
	snprintf(manifest, sizeof(manifest),
		 "{\"config\":{\"digest\":\"%s\",\"mediaType\":\"%s\",\"size\":%zu},"
		 "\"layers\":[{\"digest\":\"%s\",\"mediaType\":\"%s\",\"size\":%zu}],"
		 "\"mediaType\":\"%s\",\"schemaVersion\":2}",
		 cd, WASMPACK_MEDIATYPE_OCI_CONFIG, strlen(config), ld,
		 WASMPACK_MEDIATYPE_OCI_LAYER, strlen(layer_text), WASMPACK_MEDIATYPE_OCI_MANIFEST);
	if ((rc = wasmpack_store_blob_put(md, s, manifest, strlen(manifest), NULL)))
		return rc;
	return wasmpack_descriptor_init(out, WASMPACK_MEDIATYPE_OCI_MANIFEST, md,
					(int64_t)strlen(manifest));
}

static void test_store__open_creates_a_layout(void)
{
	wasmpack_store *s = NULL;
	const char *dir = store_dir("fresh/nested");
	CHECK_OK(wasmpack_store_open(&s, dir));
	CHECK(file_exists(dir, "oci-layout") && file_exists(dir, "index.json"));
	CHECK(file_exists(dir, "blobs/sha256"));
	CHECK_STR(wasmpack_store_path(s), dir);
	wasmpack_store_free(s);
	/* Opening again keeps what is there. */
	CHECK_OK(wasmpack_store_open(&s, dir));
	wasmpack_store_free(s);
}

static void test_store__refuses_another_layout_version(void)
{
	wasmpack_store *s = NULL;
	const char *dir = store_dir("v2");
	char p[700];
	CHECK_INT(mkdir(dir, 0755), 0);
	snprintf(p, sizeof(p), "%s/oci-layout", dir);
	FILE *f = fopen(p, "w");
	CHECK(f);
	fputs("{\"imageLayoutVersion\":\"2.0.0\"}", f);
	fclose(f);
	CHECK_ERR(wasmpack_store_open(&s, dir), WASMPACK_EINVALID);
	CHECK(s == NULL);
}

static void test_store__blob_round_trip_and_verification(void)
{
	wasmpack_store *s = NULL;
	wasmpack_buf b = WASMPACK_BUF_INIT;
	char d[WASMPACK_DIGEST_MAX];
	CHECK_OK(wasmpack_store_open(&s, store_dir("blobs")));
	CHECK_OK(wasmpack_store_blob_put(d, s, "hello", 5, NULL));
	CHECK_STR(d, "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
	CHECK_INT(wasmpack_store_blob_exists(s, d), 1);
	CHECK_OK(wasmpack_store_blob_read(&b, s, d, 100));
	CHECK_INT(b.size, 5);
	CHECK_MEM(b.data, "hello", 5);
	wasmpack_buf_dispose(&b);
	CHECK_ERR(wasmpack_store_blob_read(&b, s, d, 4), WASMPACK_ETOOLARGE);
	/* A wrong expected digest makes nothing visible. */
	CHECK_ERR(wasmpack_store_blob_put(NULL, s, "other", 5, d), WASMPACK_EDIGEST);
	CHECK(count_entries(store_dir("blobs/blobs/sha256")) == 1);
	CHECK(count_entries(store_dir("blobs/.wasmpack/tmp")) == 0);
	CHECK(wasmpack_store_blob_exists(
		      s,
		      "sha256:0000000000000000000000000000000000000000000000000000000000000000") ==
	      0);
	CHECK_ERR(wasmpack_store_blob_exists(s, "sha256:zz"), WASMPACK_EINVALID);
	wasmpack_store_free(s);
}

static void test_store__detects_a_corrupted_blob(void)
{
	wasmpack_store *s = NULL;
	wasmpack_buf b = WASMPACK_BUF_INIT;
	char d[WASMPACK_DIGEST_MAX], p[800];
	CHECK_OK(wasmpack_store_open(&s, store_dir("corrupt")));
	CHECK_OK(wasmpack_store_blob_put(d, s, "payload", 7, NULL));
	snprintf(p, sizeof(p), "%s/blobs/sha256/%s", store_dir("corrupt"), wasmpack_digest_hex(d));
	FILE *f = fopen(p, "w");
	CHECK(f);
	fputs("tampered", f);
	fclose(f);
	CHECK_ERR(wasmpack_store_blob_read(&b, s, d, 100), WASMPACK_EDIGEST);
	wasmpack_store_free(s);
}

static void test_store__abandoned_writer_leaves_nothing(void)
{
	wasmpack_store *s = NULL;
	wasmpack_blob_writer *w = NULL;
	CHECK_OK(wasmpack_store_open(&s, store_dir("abandon")));
	CHECK_OK(wasmpack_store_blob_writer(&w, s));
	CHECK_OK(wasmpack_blob_writer_write(w, "partial", 7));
	CHECK(count_entries(store_dir("abandon/.wasmpack/tmp")) == 1);
	wasmpack_blob_writer_free(w);
	CHECK(count_entries(store_dir("abandon/.wasmpack/tmp")) == 0);
	CHECK(count_entries(store_dir("abandon/blobs/sha256")) == 0);
	wasmpack_store_free(s);
}

static void test_store__tag_resolve_list_untag(void)
{
	wasmpack_store *s = NULL;
	wasmpack_reference *r1 = NULL, *r2 = NULL, *byd = NULL;
	wasmpack_descriptor m1 = {0}, m2 = {0}, got = {0};
	wasmpack_store_image *list = NULL;
	size_t n = 0;
	char text[200];
	CHECK_OK(wasmpack_store_open(&s, store_dir("tags")));
	CHECK_OK(put_image(s, "layer one", &m1));
	CHECK_OK(put_image(s, "layer two", &m2));
	CHECK_OK(wasmpack_reference_parse(&r1, "user/app:1"));
	CHECK_OK(wasmpack_reference_parse(&r2, "localhost:5000/user/app:1"));
	CHECK_OK(wasmpack_store_tag(s, r1, &m1));
	CHECK_OK(wasmpack_store_tag(s, r2, &m1));
	/* Re-tagging moves the name: one entry per name. */
	CHECK_OK(wasmpack_store_tag(s, r1, &m2));
	CHECK_OK(wasmpack_store_resolve(&got, s, r1));
	CHECK_STR(got.digest, m2.digest);
	CHECK_STR(wasmpack_kvlist_get(&got.annotations, WASMPACK_ANNOTATION_IMAGE_NAME),
		  "docker.io/user/app:1");
	CHECK_STR(wasmpack_kvlist_get(&got.annotations, WASMPACK_ANNOTATION_REF_NAME), "1");
	wasmpack_descriptor_dispose(&got);
	CHECK_OK(wasmpack_store_list(&list, &n, s));
	CHECK_INT(n, 2);
	wasmpack_store_images_free(list, n);
	snprintf(text, sizeof(text), "user/app@%s", m1.digest);
	CHECK_OK(wasmpack_reference_parse(&byd, text));
	CHECK_OK(wasmpack_store_resolve(&got, s, byd));
	CHECK_STR(got.digest, m1.digest);
	wasmpack_descriptor_dispose(&got);
	CHECK_OK(wasmpack_store_untag(s, r1));
	CHECK_ERR(wasmpack_store_resolve(&got, s, r1), WASMPACK_ENOTFOUND);
	CHECK_ERR(wasmpack_store_untag(s, r1), WASMPACK_ENOTFOUND);
	wasmpack_reference_free(r1);
	wasmpack_reference_free(r2);
	wasmpack_reference_free(byd);
	wasmpack_descriptor_dispose(&m1);
	wasmpack_descriptor_dispose(&m2);
	wasmpack_store_free(s);
}

static void test_store__tag_needs_the_manifest_in_the_store(void)
{
	wasmpack_store *s = NULL;
	wasmpack_reference *r = NULL;
	wasmpack_descriptor d = {0};
	CHECK_OK(wasmpack_store_open(&s, store_dir("missing")));
	CHECK_OK(wasmpack_reference_parse(&r, "a/b:c"));
	CHECK_OK(wasmpack_descriptor_init(
		&d, WASMPACK_MEDIATYPE_OCI_MANIFEST,
		"sha256:1111111111111111111111111111111111111111111111111111111111111111", 10));
	CHECK_ERR(wasmpack_store_tag(s, r, &d), WASMPACK_ENOTFOUND);
	wasmpack_descriptor_dispose(&d);
	wasmpack_reference_free(r);
	wasmpack_store_free(s);
}

static void test_store__gc_keeps_referenced_and_removes_the_rest(void)
{
	wasmpack_store *s = NULL;
	wasmpack_reference *r1 = NULL, *r2 = NULL;
	wasmpack_descriptor m1 = {0}, m2 = {0};
	size_t removed = 99;
	char blobs[700];
	snprintf(blobs, sizeof(blobs), "%s", store_dir("gc/blobs/sha256"));
	CHECK_OK(wasmpack_store_open(&s, store_dir("gc")));
	CHECK_OK(put_image(s, "first layer", &m1));
	CHECK_OK(put_image(s, "second layer", &m2));
	CHECK_OK(wasmpack_store_blob_put(NULL, s, "stray", 5, NULL));
	CHECK_OK(wasmpack_reference_parse(&r1, "a/one:1"));
	CHECK_OK(wasmpack_reference_parse(&r2, "a/two:1"));
	CHECK_OK(wasmpack_store_tag(s, r1, &m1));
	CHECK_OK(wasmpack_store_tag(s, r2, &m2));
	/* config is shared: 1 config + 2 layers + 2 manifests + stray */
	CHECK_INT(count_entries(blobs), 6);
	CHECK_OK(wasmpack_store_gc(&removed, s));
	CHECK_INT(removed, 1);
	CHECK_INT(count_entries(blobs), 5);
	CHECK_OK(wasmpack_store_untag(s, r1));
	CHECK_OK(wasmpack_store_gc(&removed, s));
	CHECK_INT(removed, 2);
	CHECK_INT(count_entries(blobs), 3);
	CHECK_INT(wasmpack_store_blob_exists(s, m2.digest), 1);
	CHECK_OK(wasmpack_store_untag(s, r2));
	CHECK_OK(wasmpack_store_gc(&removed, s));
	CHECK_INT(removed, 3);
	CHECK_INT(count_entries(blobs), 0);
	wasmpack_reference_free(r1);
	wasmpack_reference_free(r2);
	wasmpack_descriptor_dispose(&m1);
	wasmpack_descriptor_dispose(&m2);
	wasmpack_store_free(s);
}

static void test_store__gc_waits_for_writers_of_the_handle(void)
{
	wasmpack_store *s = NULL;
	wasmpack_blob_writer *w = NULL;
	size_t removed = 99;
	CHECK_OK(wasmpack_store_open(&s, store_dir("gcw")));
	CHECK_OK(wasmpack_store_blob_put(NULL, s, "unreferenced", 12, NULL));
	CHECK_OK(wasmpack_store_blob_writer(&w, s));
	CHECK_OK(wasmpack_store_gc(&removed, s));
	CHECK_INT(removed, 0);
	CHECK(count_entries(store_dir("gcw/.wasmpack/tmp")) == 1);
	wasmpack_blob_writer_free(w);
	CHECK_OK(wasmpack_store_gc(&removed, s));
	CHECK_INT(removed, 1);
	wasmpack_store_free(s);
}

/* A pull that finds a blob present skips its download and tags later:
 * a gc in another process must not delete what the pull has seen. */
static void test_store__gc_elsewhere_spares_blobs_a_handle_found(void)
{
	wasmpack_store *a = NULL, *b = NULL, *c = NULL;
	wasmpack_descriptor m = {0};
	wasmpack_reference *r = NULL;
	size_t removed = 99;
	CHECK_OK(wasmpack_store_open(&a, store_dir("seen")));
	CHECK_OK(put_image(a, "seen layer", &m));
	wasmpack_store_free(a);
	CHECK_OK(wasmpack_store_open(&c, store_dir("seen")));
	CHECK_INT(wasmpack_store_blob_exists(c, m.digest), 1);
	CHECK_OK(wasmpack_store_open(&b, store_dir("seen")));
	CHECK_OK(wasmpack_store_gc(&removed, b));
	CHECK_INT(removed, 0);
	CHECK_OK(wasmpack_reference_parse(&r, "a/seen:1"));
	CHECK_OK(wasmpack_store_tag(c, r, &m));
	CHECK(count_entries(store_dir("seen/blobs/sha256")) == 3);
	wasmpack_reference_free(r);
	wasmpack_descriptor_dispose(&m);
	wasmpack_store_free(b);
	wasmpack_store_free(c);
}

/* A gc that finds another writer gives up; the handle it ran on must
 * still protect the blobs it wrote and has not tagged yet. */
static void test_store__skipped_gc_keeps_the_handle_protected(void)
{
	wasmpack_store *a = NULL, *b = NULL, *c = NULL;
	wasmpack_blob_writer *w = NULL;
	size_t removed = 99;
	CHECK_OK(wasmpack_store_open(&a, store_dir("keep")));
	CHECK_OK(wasmpack_store_blob_put(NULL, a, "written, not yet tagged", 23, NULL));
	CHECK_OK(wasmpack_store_open(&b, store_dir("keep")));
	CHECK_OK(wasmpack_store_blob_writer(&w, b));
	CHECK_OK(wasmpack_store_gc(&removed, a));
	CHECK_INT(removed, 0);
	wasmpack_blob_writer_free(w);
	wasmpack_store_free(b);
	CHECK_OK(wasmpack_store_open(&c, store_dir("keep")));
	CHECK_OK(wasmpack_store_gc(&removed, c));
	CHECK_INT(removed, 0);
	CHECK(count_entries(store_dir("keep/blobs/sha256")) == 1);
	wasmpack_store_free(c);
	wasmpack_store_free(a);
}

/* kill -9 during a blob write or an index.json rewrite leaves a
 * temporary file; the next gc removes it and nothing else. */
static void test_store__gc_removes_temp_files_of_dead_processes(void)
{
	wasmpack_store *s = NULL;
	wasmpack_descriptor m = {0};
	wasmpack_reference *r = NULL;
	size_t removed = 99;
	char p[800];
	CHECK_OK(wasmpack_store_open(&s, store_dir("dead")));
	CHECK_OK(put_image(s, "dead layer", &m));
	CHECK_OK(wasmpack_reference_parse(&r, "a/dead:1"));
	CHECK_OK(wasmpack_store_tag(s, r, &m));
	wasmpack_store_free(s);
	s = NULL;
	const char *leftovers[] = {".wasmpack/tmp/blob-Xk3j9a", "index.json.tmp-Qw8e2r"};
	for (size_t i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "%s/%s", store_dir("dead"), leftovers[i]);
		FILE *f = fopen(p, "w");
		CHECK(f);
		fputs("half written", f);
		fclose(f);
	}
	CHECK_OK(wasmpack_store_open(&s, store_dir("dead")));
	CHECK_OK(wasmpack_store_gc(&removed, s));
	CHECK_INT(removed, 0);
	CHECK(!file_exists(store_dir("dead"), leftovers[0]));
	CHECK(!file_exists(store_dir("dead"), leftovers[1]));
	CHECK(file_exists(store_dir("dead"), "index.json"));
	CHECK(count_entries(store_dir("dead")) == 4); /* blobs, index.json, oci-layout, .wasmpack */
	wasmpack_descriptor got = {0};
	CHECK_OK(wasmpack_store_resolve(&got, s, r));
	wasmpack_descriptor_dispose(&got);
	wasmpack_reference_free(r);
	wasmpack_descriptor_dispose(&m);
	wasmpack_store_free(s);
}

static void test_store__hostile_index_is_an_error_not_a_crash(void)
{
	wasmpack_store *s = NULL;
	wasmpack_reference *r = NULL;
	wasmpack_descriptor d = {0};
	char p[700];
	CHECK_OK(wasmpack_store_open(&s, store_dir("hostile")));
	snprintf(p, sizeof(p), "%s/index.json", store_dir("hostile"));
	FILE *f = fopen(p, "w");
	CHECK(f);
	fputs("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":1}]}", f);
	fclose(f);
	CHECK_OK(wasmpack_reference_parse(&r, "a/b:c"));
	CHECK_ERR(wasmpack_store_resolve(&d, s, r), WASMPACK_EINVALID);
	CHECK(strstr(wasmpack_error_last(), "index.json") != NULL);
	wasmpack_reference_free(r);
	wasmpack_store_free(s);
}

static void test_store__find_id_by_prefix(void)
{
	wasmpack_store *s = NULL;
	wasmpack_reference *r = NULL;
	wasmpack_descriptor m = {0};
	char d[WASMPACK_DIGEST_MAX], id[80];
	CHECK_OK(wasmpack_store_open(&s, store_dir("ids")));
	CHECK_OK(put_image(s, "layer-ids", &m));
	CHECK_OK(wasmpack_reference_parse(&r, "user/ids:1"));
	CHECK_OK(wasmpack_store_tag(s, r, &m));
	const char *hex = wasmpack_digest_hex(m.digest);
	snprintf(id, sizeof(id), "%.12s", hex);
	CHECK_OK(wasmpack_store_find_id(d, s, id));
	CHECK_STR(d, m.digest);
	snprintf(id, sizeof(id), "sha256:%.20s", hex);
	CHECK_OK(wasmpack_store_find_id(d, s, id));
	CHECK_OK(wasmpack_store_find_id(d, s, m.digest));
	CHECK_STR(d, m.digest);
	/* Too short, not hex, or no such image. */
	snprintf(id, sizeof(id), "%.11s", hex);
	CHECK_ERR(wasmpack_store_find_id(d, s, id), WASMPACK_EINVALID);
	CHECK_ERR(wasmpack_store_find_id(d, s, "user/ids:1"), WASMPACK_EINVALID);
	CHECK_ERR(wasmpack_store_find_id(d, s, "000000000000"), WASMPACK_ENOTFOUND);
	wasmpack_descriptor_dispose(&m);
	wasmpack_reference_free(r);
	wasmpack_store_free(s);
}

static void test_store__probe_says_what_a_directory_is(void)
{
	wasmpack_store *s = NULL;
	wasmpack_store_state st;
	char p[700];
	CHECK_OK(wasmpack_store_probe(&st, store_dir("probe/none")));
	CHECK_INT(st, WASMPACK_STORE_MISSING);
	CHECK(!file_exists(store_dir("probe"), "none"));
	CHECK_INT(mkdir(store_dir("probe"), 0755), 0);
	CHECK_OK(wasmpack_store_probe(&st, store_dir("probe")));
	CHECK_INT(st, WASMPACK_STORE_EMPTY);
	snprintf(p, sizeof(p), "%s/letter.txt", store_dir("probe"));
	FILE *f = fopen(p, "w");
	CHECK(f);
	fclose(f);
	CHECK_OK(wasmpack_store_probe(&st, store_dir("probe")));
	CHECK_INT(st, WASMPACK_STORE_OTHER);
	CHECK_OK(wasmpack_store_open(&s, store_dir("probe2")));
	wasmpack_store_free(s);
	CHECK_OK(wasmpack_store_probe(&st, store_dir("probe2")));
	CHECK_INT(st, WASMPACK_STORE_LAYOUT);
}

static void test_store__untag_unnamed_and_partials(void)
{
	wasmpack_store *s = NULL;
	wasmpack_store_image *gone = NULL;
	wasmpack_blob_writer *w = NULL;
	size_t n = 0, removed = 0;
	int64_t have = 0;
	const char *digest =
		"sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
	CHECK_OK(wasmpack_store_open(&s, store_dir("partials")));
	/* A partial download is kept when its writer goes uncommitted... */
	CHECK_OK(wasmpack_store_blob_writer_resume(&w, &have, s, digest, 5));
	CHECK_INT(have, 0);
	CHECK_OK(wasmpack_blob_writer_write(w, "hel", 3));
	wasmpack_blob_writer_free(w);
	CHECK(count_entries(store_dir("partials/.wasmpack/tmp")) == 1);
	/* ...continued by the next writer for that digest... */
	CHECK_OK(wasmpack_store_blob_writer_resume(&w, &have, s, digest, 5));
	CHECK_INT(have, 3);
	CHECK_OK(wasmpack_blob_writer_write(w, "lo", 2));
	CHECK_OK(wasmpack_blob_writer_commit(NULL, NULL, w, digest));
	wasmpack_blob_writer_free(w);
	CHECK_INT(wasmpack_store_blob_exists(s, digest), 1);
	CHECK(count_entries(store_dir("partials/.wasmpack/tmp")) == 0);
	/* ...and removed by remove_partials once nobody holds it. */
	char other[72] = "sha256:";
	memset(other + 7, 'a', 64);
	other[71] = '\0';
	CHECK_OK(wasmpack_store_blob_writer_resume(&w, &have, s, other, -1));
	wasmpack_blob_writer_free(w);
	CHECK_OK(wasmpack_store_remove_partials(&removed, s));
	CHECK_INT(removed, 1);
	CHECK_OK(wasmpack_store_untag_unnamed(&gone, &n, s));
	CHECK_INT(n, 0);
	wasmpack_store_images_free(gone, n);
	wasmpack_store_free(s);
}

const test_case store_tests[] = {
	TEST_ENTRY(test_store__open_creates_a_layout),
	TEST_ENTRY(test_store__refuses_another_layout_version),
	TEST_ENTRY(test_store__blob_round_trip_and_verification),
	TEST_ENTRY(test_store__detects_a_corrupted_blob),
	TEST_ENTRY(test_store__abandoned_writer_leaves_nothing),
	TEST_ENTRY(test_store__tag_resolve_list_untag),
	TEST_ENTRY(test_store__tag_needs_the_manifest_in_the_store),
	TEST_ENTRY(test_store__gc_keeps_referenced_and_removes_the_rest),
	TEST_ENTRY(test_store__gc_waits_for_writers_of_the_handle),
	TEST_ENTRY(test_store__hostile_index_is_an_error_not_a_crash),
	TEST_ENTRY(test_store__gc_elsewhere_spares_blobs_a_handle_found),
	TEST_ENTRY(test_store__skipped_gc_keeps_the_handle_protected),
	TEST_ENTRY(test_store__gc_removes_temp_files_of_dead_processes),
	TEST_ENTRY(test_store__find_id_by_prefix),
	TEST_ENTRY(test_store__probe_says_what_a_directory_is),
	TEST_ENTRY(test_store__untag_unnamed_and_partials),
	TEST_END,
};
