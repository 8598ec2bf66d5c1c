/* The deny policy inside the library: build refuses a module reaching a
 * denied capability with WASMPACK_EPOLICY before it stores anything, and
 * pull refuses one before it tags anything, against the real registry of
 * the kit (registry/registry.sh). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define KIT "registry/registry.sh"

/* The kit's plain registry, started by the first test that needs it and
 * stopped at exit. */
static char kit_dir[512], kit_addr[256];
static int kit_failed;

static void kit_stop(void)
{
	char cmd[700];
	if (!kit_dir[0])
		return;
	snprintf(cmd, sizeof(cmd), "bash " KIT " stop '%s' >/dev/null 2>&1", kit_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "registry kit: cannot stop %s\n", kit_dir);
	kit_dir[0] = '\0';
}

/* "VALUE" or 'VALUE' as the kit prints it, unquoted in place. */
static void unquote(char *v)
{
	size_t n = strlen(v);
	if (n >= 2 && (v[0] == '\'' || v[0] == '"') && v[n - 1] == v[0]) {
		memmove(v, v + 1, n - 2);
		v[n - 2] = '\0';
	}
}

static const char *kit_start(void)
{
	char line[2048];
	if (kit_addr[0])
		return kit_addr;
	if (kit_failed)
		return NULL;
	FILE *f = popen("bash " KIT " start open 2>/dev/null", "r");
	if (!f) {
		kit_failed = 1;
		return NULL;
	}
	atexit(kit_stop);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		unquote(eq + 1);
		if (!strcmp(line, "REGISTRY_DIR"))
			snprintf(kit_dir, sizeof(kit_dir), "%s", eq + 1);
		else if (!strcmp(line, "REGISTRY_ADDR"))
			snprintf(kit_addr, sizeof(kit_addr), "%s", eq + 1);
	}
	if (pclose(f) != 0 || !kit_addr[0]) {
		kit_failed = 1;
		kit_addr[0] = '\0';
		return NULL;
	}
	return kit_addr;
}

/* Builds testdata/MODULE into a new store at DIR and tags it NAME. */
static int build_into(wasmpack_store **store, const char *dir, const char *module,
		      const wasmpack_reference *name, unsigned deny)
{
	wasmpack_build_options o = WASMPACK_BUILD_OPTIONS_INIT;
	wasmpack_build_result r;
	char path[1024];
	int error;
	memset(&r, 0, sizeof(r));
	o.deny = deny;
	snprintf(path, sizeof(path), "%s/%s", harness_testdata(), module);
	if ((error = wasmpack_store_open(store, dir)))
		return error;
	error = wasmpack_image_build(&r, *store, path, &o);
	if (!error && name)
		error = wasmpack_store_tag(*store, name, &r.manifest);
	wasmpack_build_result_dispose(&r);
	return error;
}

static void test_build_deny_is_policy(void)
{
	wasmpack_store *store = NULL;
	wasmpack_store_image *images = NULL;
	size_t count = 1;
	char dir[600];
	snprintf(dir, sizeof(dir), "%s/policy-build", harness_tmpdir());
	int rc = build_into(&store, dir, "network.wasm", NULL, WASMPACK_CAP_NETWORK);
	const wasmpack_error_info *info = wasmpack_error_last_info();
	int ok = rc == WASMPACK_EPOLICY && info->reason == WASMPACK_REASON_POLICY &&
		 strstr(info->message, "denied capabilities: network (") != NULL;
	if (ok)
		ok = wasmpack_store_list(&images, &count, store) == 0 && count == 0;
	wasmpack_store_images_free(images, count);
	wasmpack_store_free(store);
	CHECK(ok);
}

static void test_pull_deny_refuses_before_tagging(void)
{
	const char *addr = kit_start();
	wasmpack_store *src = NULL, *dst = NULL;
	wasmpack_reference *ref = NULL;
	wasmpack_transfer_result r;
	wasmpack_transfer_options o = WASMPACK_TRANSFER_OPTIONS_INIT;
	wasmpack_descriptor d = {0};
	char dir[600], name[600];
	memset(&r, 0, sizeof(r));
	CHECK(addr != NULL);
	snprintf(name, sizeof(name), "%s/policy/net:v1", addr);
	CHECK_OK(wasmpack_reference_parse(&ref, name));

	snprintf(dir, sizeof(dir), "%s/policy-src", harness_tmpdir());
	int rc = build_into(&src, dir, "network.wasm", ref, 0);
	if (!rc)
		rc = wasmpack_push(&r, src, ref, ref, &o);
	wasmpack_transfer_result_dispose(&r);
	wasmpack_store_free(src);
	if (rc) {
		wasmpack_reference_free(ref);
		CHECK_OK(rc);
	}

	snprintf(dir, sizeof(dir), "%s/policy-dst", harness_tmpdir());
	rc = wasmpack_store_open(&dst, dir);
	if (!rc) {
		o.deny = WASMPACK_CAP_NETWORK | WASMPACK_CAP_FILESYSTEM;
		rc = wasmpack_pull(&r, dst, ref, &o);
	}
	const wasmpack_error_info *info = wasmpack_error_last_info();
	int refused = rc == WASMPACK_EPOLICY && info->reason == WASMPACK_REASON_POLICY;
	int names = refused && strstr(info->message, "denied capabilities: network (") != NULL;
	int untagged = dst && wasmpack_store_resolve(&d, dst, ref) == WASMPACK_ENOTFOUND;
	wasmpack_descriptor_dispose(&d);
	wasmpack_transfer_result_dispose(&r);

	/* The same pull without the denied class goes through and tags; so
	 * does one through a version 1 struct, whose deny is never read. */
	int pulled = -1, pulled_v1 = -1;
	if (dst) {
		o.deny = WASMPACK_CAP_FILESYSTEM;
		pulled = wasmpack_pull(&r, dst, ref, &o);
		if (!pulled)
			pulled = wasmpack_store_resolve(&d, dst, ref);
		wasmpack_descriptor_dispose(&d);
		wasmpack_transfer_result_dispose(&r);
		o.version = 1;
		o.deny = WASMPACK_CAP_ALL;
		pulled_v1 = wasmpack_pull(&r, dst, ref, &o);
	}
	wasmpack_descriptor_dispose(&d);
	wasmpack_transfer_result_dispose(&r);
	wasmpack_store_free(dst);
	wasmpack_reference_free(ref);
	CHECK(refused);
	CHECK(names);
	CHECK(untagged);
	CHECK_OK(pulled);
	CHECK_OK(pulled_v1);
}

/* One table spells the names; every public way to read it agrees. */
static void test_capability_and_wasi_names(void)
{
	const char *const *names = wasmpack_wasm_capability_names();
	size_t count = 0;
	unsigned caps = 0;
	wasmpack_buf b = WASMPACK_BUF_INIT;
	for (; names[count]; count++) {
		CHECK(wasmpack_wasm_capability_from_name(names[count]) == 1u << count);
		CHECK_STR(wasmpack_wasm_capability_name(1u << count), names[count]);
	}
	CHECK(count == 9 && (1u << count) - 1 == WASMPACK_CAP_ALL);
	CHECK(wasmpack_wasm_capability_name(0x200u) == NULL);

	CHECK_OK(wasmpack_wasm_capabilities_parse(&caps, "exit,,network"));
	CHECK(caps == (WASMPACK_CAP_EXIT | WASMPACK_CAP_NETWORK));
	CHECK_OK(wasmpack_wasm_capabilities_format(&b, caps, NULL));
	CHECK_STR((const char *)b.data, "network,exit");
	wasmpack_buf_dispose(&b);
	CHECK_OK(wasmpack_wasm_capabilities_format(&b, 0, ", "));
	CHECK(b.data && b.size == 0 && b.data[0] == '\0');
	wasmpack_buf_dispose(&b);
	CHECK_ERR(wasmpack_wasm_capabilities_parse(&caps, "network,teleport"), WASMPACK_EINVALID);
	CHECK(caps == 0);
	CHECK(strstr(wasmpack_error_last(), "'teleport' (filesystem, network, environment") !=
	      NULL);

	CHECK_STR(wasmpack_wasi_version_name(WASMPACK_WASI_NONE), "none");
	CHECK_STR(wasmpack_wasi_version_name(WASMPACK_WASI_PREVIEW1), "preview1");
	CHECK_STR(wasmpack_wasi_version_name(WASMPACK_WASI_PREVIEW2), "preview2");
	CHECK(wasmpack_wasi_version_name((wasmpack_wasi_version)7) == NULL);
}

static int discard(const void *data, size_t len, void *payload)
{
	(void)data;
	(void)len;
	(void)payload;
	return 0;
}

/* The init functions write no further than the version asked has, and
 * every options struct is checked by the one check. */
static void test_transfer_options_versions(void)
{
	wasmpack_transfer_options o;
	memset(&o, 0xa5, sizeof(o));
	CHECK_OK(wasmpack_transfer_options_init(&o, 1));
	/* Versions 1 to 3 held registry options of version 1 (shorter by
	 * notice, notice_payload and retry_max_time_ms), and their fields
	 * after it sat that much earlier: version 1 ends where deny began. */
	size_t grew = sizeof(wasmpack_registry_options) -
		      offsetof(wasmpack_registry_options, notice);
	size_t v1_end = offsetof(wasmpack_transfer_options, deny) - grew;
	const unsigned char *bytes = (const unsigned char *)&o;
	CHECK(o.version == 1 && o.registry.version == 1);
	CHECK(bytes[v1_end - 1] == 0 && bytes[v1_end] == 0xa5);
	CHECK_OK(wasmpack_transfer_options_init(&o, WASMPACK_TRANSFER_OPTIONS_VERSION));
	CHECK(o.deny == 0 && o.jobs == 0 && o.progress == NULL && o.registry.notice == NULL &&
	      o.registry.version == WASMPACK_REGISTRY_OPTIONS_VERSION);
	CHECK_ERR(wasmpack_transfer_options_init(&o, 0), WASMPACK_EINVALID);
	CHECK_ERR(wasmpack_transfer_options_init(&o, WASMPACK_TRANSFER_OPTIONS_VERSION + 1),
		  WASMPACK_EINVALID);
	CHECK(strstr(wasmpack_error_last(), "unknown transfer options version") != NULL);
	CHECK(wasmpack_error_last_info()->reason == WASMPACK_REASON_INVALID_ARGUMENT);

	wasmpack_build_options b;
	wasmpack_layer_options l;
	wasmpack_registry_options r;
	wasmpack_credentials_options c;
	wasmpack_load_options ld;
	CHECK_OK(wasmpack_build_options_init(&b, 1));
	CHECK(b.version == 1 && b.deny == 0 && b.format == 0);
	CHECK_OK(wasmpack_layer_options_init(&l, 1));
	CHECK_OK(wasmpack_registry_options_init(&r, 1));
	CHECK_OK(wasmpack_credentials_options_init(&c, 1));
	CHECK_OK(wasmpack_load_options_init(&ld, 1));
	CHECK(l.version == 1 && r.version == 1 && c.version == 1 && ld.version == 1);
	CHECK_ERR(wasmpack_build_options_init(NULL, 1), WASMPACK_EINVALID);

	/* Layer options were never checked before the one check. */
	wasmpack_layer_info info;
	l.version = 99;
	CHECK_ERR(wasmpack_layer_write(&info, 0, "x.wasm", &l, discard, NULL), WASMPACK_EINVALID);
	CHECK(strstr(wasmpack_error_last(), "unknown layer options version 99") != NULL);
	wasmpack_registry *reg = NULL;
	r.version = 0;
	CHECK_ERR(wasmpack_registry_new(&reg, "localhost:1", &r), WASMPACK_EINVALID);
	CHECK(strstr(wasmpack_error_last(), "unknown registry options version 0") != NULL);
}

const test_case policy_tests[] = {
	TEST_ENTRY(test_build_deny_is_policy),
	TEST_ENTRY(test_pull_deny_refuses_before_tagging),
	TEST_ENTRY(test_capability_and_wasi_names),
	TEST_ENTRY(test_transfer_options_versions),
	TEST_END,
};
