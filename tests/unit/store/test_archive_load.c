/* Tests of loading Docker archives (manifest.json only), which now read
 * manifest.json through the strict JSON layer. */
#include "harness.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* A one-file tar (the layer), in memory. */
static size_t layer_tar(unsigned char *out, size_t cap)
{
	size_t used = 0;
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	archive_write_set_format_ustar(a);
	archive_write_open_memory(a, out, cap, &used);
	archive_entry_set_pathname(e, "app.wasm");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, 8);
	archive_write_header(a, e);
	archive_write_data(a, "\0asm\1\0\0\0", 8);
	archive_entry_free(e);
	archive_write_close(a);
	archive_write_free(a);
	return used;
}

static void add_file(struct archive *a, const char *name, const void *data, size_t len)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_write_header(a, e);
	archive_write_data(a, data, len);
	archive_entry_free(e);
}

/* A docker-save archive of one image whose manifest.json is `manifest`
 * with its %s replaced by the config's file name; returns its fd. */
static int docker_archive(const char *file, const char *manifest_fmt)
{
	static unsigned char layer[16384];
	char path[700], config[512], diff[WASMPACK_DIGEST_MAX], cdigest[WASMPACK_DIGEST_MAX];
	char cname[256], manifest[1024];
	size_t llen = layer_tar(layer, sizeof(layer));
	if (wasmpack_digest_of(diff, layer, llen) != 0)
		return -1;
	snprintf(
		config, sizeof(config),
		"{\"architecture\":\"wasm\",\"os\":\"wasip1\",\"config\":{\"Entrypoint\":[\"/app.wasm\"]},"
		"\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}",
		diff);
	if (wasmpack_digest_of(cdigest, config, strlen(config)) != 0)
		return -1;
	snprintf(cname, sizeof(cname), "%s.json", cdigest + 7);
	/* The "%s" in manifest_fmt, if any, becomes the config's name. */
	const char *hole = strstr(manifest_fmt, "%s");
	if (!hole)
		snprintf(manifest, sizeof(manifest), "%s", manifest_fmt);
	else
		snprintf(manifest, sizeof(manifest), "%.*s%s%s", (int)(hole - manifest_fmt),
			 manifest_fmt, cname, hole + 2);
	snprintf(path, sizeof(path), "%s/%s", harness_tmpdir(), file);
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	if (archive_write_open_filename(a, path) != ARCHIVE_OK)
		return -1;
	add_file(a, cname, config, strlen(config));
	add_file(a, "l1/layer.tar", layer, llen);
	add_file(a, "manifest.json", manifest, strlen(manifest));
	archive_write_close(a);
	archive_write_free(a);
	return open(path, O_RDONLY);
}

static int load_into(const char *store_name, int fd, wasmpack_store_image **images, size_t *n)
{
	char dir[700];
	wasmpack_store *s = NULL;
	snprintf(dir, sizeof(dir), "%s/%s", harness_tmpdir(), store_name);
	int rc = wasmpack_store_open(&s, dir);
	if (rc == 0)
		rc = wasmpack_load(images, n, s, fd, NULL);
	wasmpack_store_free(s);
	return rc;
}

static void test_archive_load__docker_archive_loads(void)
{
	wasmpack_store_image *images = NULL;
	size_t n = 0;
	int fd = docker_archive("ok.tar",
				"[{\"Config\":\"%s\",\"RepoTags\":[\"example.com/a/b:v1\"],"
				"\"Layers\":[\"l1/layer.tar\"]}]");
	CHECK(fd >= 0);
	int rc = load_into("ok-store", fd, &images, &n);
	close(fd);
	CHECK_OK(rc);
	CHECK(n == 1);
	CHECK(strstr(images[0].name, "example.com/a/b:v1") != NULL);
	wasmpack_store_images_free(images, n);
}

static void test_archive_load__docker_manifest_json_is_strict(void)
{
	static const struct {
		const char *manifest;
		const char *message;
	} bad[] = {
		{"[{\"Config\":\"%s\",\"Config\":\"x\",\"RepoTags\":[\"example.com/a/b:v1\"],"
		 "\"Layers\":[\"l1/layer.tar\"]}]",
		 "duplicate"},
		{"[{\"Config\":\"%s\",\"RepoTags\":[\"example.com/a/b:v1\"],\"Layers\":[\"l1/layer.tar\"]}] x",
		 "malformed json"},
		{"[]", "no images"},
		{"{\"Config\":\"%s\"}", "expected a json array"},
		{"[{\"Config\":\"%s\",\"RepoTags\":[\"example.com/a/b:v1\"],\"Layers\":[1]}]",
		 "[0].Layers"},
		{"[{\"Config\":\"%s\",\"RepoTags\":[7],\"Layers\":[\"l1/layer.tar\"]}]",
		 "[0].RepoTags"},
		{"[{\"RepoTags\":[\"example.com/a/b:v1\"],\"Layers\":[\"l1/layer.tar\"],\"x\":\"%s\"}]",
		 "[0].Config: missing"},
		{"[\"%s\"]", "[0]: expected an object"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		wasmpack_store_image *images = NULL;
		size_t n = 0;
		char name[32], store[32];
		snprintf(name, sizeof(name), "bad%zu.tar", i);
		snprintf(store, sizeof(store), "bad%zu-store", i);
		int fd = docker_archive(name, bad[i].manifest);
		CHECK(fd >= 0);
		int rc = load_into(store, fd, &images, &n);
		close(fd);
		if (rc != WASMPACK_EINVALID || !strstr(wasmpack_error_last(), bad[i].message) ||
		    !strstr(wasmpack_error_last(), "docker manifest.json")) {
			harness_fail(__FILE__, __LINE__, bad[i].manifest, wasmpack_error_last());
			wasmpack_store_images_free(images, n);
			return;
		}
	}
}

const test_case archive_load_tests[] = {
	TEST_ENTRY(test_archive_load__docker_archive_loads),
	TEST_ENTRY(test_archive_load__docker_manifest_json_is_strict),
	TEST_END,
};
