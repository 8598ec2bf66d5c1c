/* Tests of the namespace table (lib/wasm/imports.c): every import lands in
 * its class, anything unknown that calls in `host`; and of the allow
 * policy build applies before it stores anything. */
#include "harness.h"

#include <stdio.h>
#include <string.h>

#include "wasmpack/image.h"
#include "wasmpack/store.h"
#include "wasmpack/wasm.h"

#define FS WASMPACK_CAP_FILESYSTEM
#define NET WASMPACK_CAP_NETWORK
#define ENV WASMPACK_CAP_ENVIRONMENT
#define CLK WASMPACK_CAP_CLOCKS
#define RND WASMPACK_CAP_RANDOM
#define EXIT WASMPACK_CAP_EXIT
#define STORE WASMPACK_CAP_STORAGE
#define NN WASMPACK_CAP_INFERENCE
#define HOST WASMPACK_CAP_HOST

static const struct {
	const char *module; /* NULL: a component's import */
	const char *name;
	const char *kind;
	unsigned cap;
} cases[] = {
	/* WASI preview 1, and wasi_unstable alike */
	{"wasi_snapshot_preview1", "fd_write", "func", 0},
	{"wasi_snapshot_preview1", "sched_yield", "func", 0},
	{"wasi_snapshot_preview1", "path_open", "func", FS},
	{"wasi_snapshot_preview1", "environ_get", "func", ENV},
	{"wasi_snapshot_preview1", "clock_time_get", "func", CLK},
	{"wasi_snapshot_preview1", "random_get", "func", RND},
	{"wasi_snapshot_preview1", "proc_exit", "func", EXIT},
	{"wasi_unstable", "path_open", "func", FS},
	{"wasi_snapshot_preview1", "sock_accept", "func", NET},
	/* WasmEdge's socket extension, inside preview 1 */
	{"wasi_snapshot_preview1", "sock_open", "func", NET},
	{"wasi_snapshot_preview1", "sock_getaddrinfo", "func", NET},
	{"wasi_snapshot_preview1", "sock_bind_v2", "func", NET},
	/* not a preview 1 function: some host's own */
	{"wasi_snapshot_preview1", "proc_spawn", "func", HOST},
	{"wasmedge_httpsreq", "send_data", "func", NET},
	{"wasi_ephemeral_nn", "load", "func", NN},
	{"wasi_experimental_network_unstable", "sock_connect", "func", NET},
	{"wasi", "thread-spawn", "func", 0},
	{"wasi", "other", "func", HOST},
	/* Spin 1 core modules */
	{"outbound-http", "send-request", "func", NET},
	{"outbound-redis", "get", "func", NET},
	{"outbound-pg", "query", "func", NET},
	{"outbound-mysql", "execute", "func", NET},
	{"key-value", "get", "func", STORE},
	{"sqlite", "execute", "func", STORE},
	{"llm", "infer", "func", NN},
	{"spin-config", "get-config", "func", ENV},
	/* anything else that calls: host; data imports reach nothing */
	{"env", "abort", "func", HOST},
	{"gojs", "syscall/js.valueCall", "func", HOST},
	{"wbg", "__wbindgen_throw", "func", HOST},
	{"env", "memory", "memory", 0},
	{"env", "__table_base", "global", 0},
	{"env", "table", "table", 0},
	/* a core module importing wasi: interfaces (wasm32-wasip2) */
	{"wasi:sockets/tcp@0.2.0", "[method]tcp-socket.start-bind", "func", NET},
	{"wasi:io/streams@0.2.0", "[method]output-stream.write", "func", 0},
	{"wasi:frobnicate/x@0.2.0", "f", "func", HOST},
	/* component interfaces */
	{NULL, "wasi:cli/environment@0.2.0", "instance", ENV},
	{NULL, "wasi:cli/exit@0.2.0", "instance", EXIT},
	{NULL, "wasi:cli/stdout@0.2.0", "instance", 0},
	{NULL, "wasi:cli/terminal-output@0.2.0", "instance", 0},
	{NULL, "wasi:cli/environments@0.2.0", "instance", HOST},
	{NULL, "wasi:io/poll@0.2.0", "instance", 0},
	{NULL, "wasi:clocks/wall-clock@0.2.0", "instance", CLK},
	{NULL, "wasi:random/insecure-seed@0.2.0", "instance", RND},
	{NULL, "wasi:filesystem/preopens@0.2.0", "instance", FS},
	{NULL, "wasi:sockets/ip-name-lookup@0.2.0", "instance", NET},
	{NULL, "wasi:http/outgoing-handler@0.2.0", "instance", NET},
	{NULL, "wasi:http/types@0.2.0", "instance", NET},
	{NULL, "wasi:nn/graph@0.2.0-rc-2024-10-28", "instance", NN},
	{NULL, "wasi:keyvalue/store@0.2.0-draft", "instance", STORE},
	{NULL, "wasi:blobstore/container", "instance", STORE},
	{NULL, "wasi:config/store@0.2.0-draft", "instance", ENV},
	{NULL, "wasi:messaging/producer@0.2.0-draft", "instance", NET},
	{NULL, "wasi:logging/logging", "instance", 0},
	{NULL, "fermyon:spin/outbound-http", "instance", NET},
	{NULL, "fermyon:spin/http@2.0.0", "instance", NET},
	{NULL, "fermyon:spin/redis", "instance", NET},
	{NULL, "fermyon:spin/postgres@2.0.0", "instance", NET},
	{NULL, "fermyon:spin/mysql", "instance", NET},
	{NULL, "fermyon:spin/mqtt@2.0.0", "instance", NET},
	{NULL, "fermyon:spin/key-value@2.0.0", "instance", STORE},
	{NULL, "fermyon:spin/sqlite", "instance", STORE},
	{NULL, "fermyon:spin/llm@2.0.0", "instance", NN},
	{NULL, "fermyon:spin/variables@2.0.0", "instance", ENV},
	{NULL, "fermyon:spin/httpx", "instance", HOST},
	{NULL, "spin:postgres/postgres@3.0.0", "instance", NET},
	{NULL, "spin:key-value/key-value@3.0.0", "instance", STORE},
	{NULL, "acme:billing/charge@1.0.0", "instance", HOST},
	{NULL, "log", "func", HOST},
	{NULL, "handle", "type", 0},
	{NULL, "acme:billing/types", "type", 0},
};

static void test_imports__every_namespace_in_its_class(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		wasmpack_wasm_extern e = {(char *)cases[i].module, (char *)cases[i].name,
					  cases[i].kind};
		unsigned got = wasmpack_wasm_import_capability(&e);
		if (got != cases[i].cap) {
			char what[200];
			snprintf(what, sizeof(what), "%s %s -> %s",
				 cases[i].module ? cases[i].module : "", cases[i].name,
				 wasmpack_wasm_capability_name(got)
					 ? wasmpack_wasm_capability_name(got)
					 : "none");
			CHECK_STR(what, "(its class)");
		}
	}
	CHECK_INT(wasmpack_wasm_import_capability(NULL), 0);
}

static void test_imports__names_and_descriptions(void)
{
	CHECK_STR(wasmpack_wasm_capability_name(HOST), "host");
	CHECK_STR(wasmpack_wasm_capability_name(STORE), "storage");
	CHECK_STR(wasmpack_wasm_capability_name(NN), "inference");
	CHECK_INT(wasmpack_wasm_capability_from_name("host"), HOST);
	CHECK_STR(
		wasmpack_wasm_capability_description(HOST),
		"calls functions of its host that wasmpack does not know; they may reach anything");
	for (unsigned bit = 1; bit <= WASMPACK_CAP_ALL; bit <<= 1)
		CHECK(wasmpack_wasm_capability_description(bit) != NULL);
	CHECK(wasmpack_wasm_capability_description(0) == NULL);
	CHECK(wasmpack_wasm_capability_description(WASMPACK_CAP_NOTHING) == NULL);
	unsigned caps = 0;
	CHECK_OK(wasmpack_wasm_capabilities_parse(&caps, "host,inference"));
	CHECK_INT(caps, HOST | NN);
}

/* Builds testdata/module into a new store at tmp/dir with the policy. */
static int build_with(const char *dir, const char *module, unsigned version, unsigned deny,
		      unsigned allow, size_t *images)
{
	wasmpack_build_options o = WASMPACK_BUILD_OPTIONS_INIT;
	wasmpack_build_result r;
	wasmpack_store *store = NULL;
	wasmpack_store_image *list = NULL;
	char path[600], where[600];
	memset(&r, 0, sizeof(r));
	o.version = version;
	o.deny = deny;
	o.allow = allow;
	snprintf(path, sizeof(path), "%s/%s", harness_testdata(), module);
	snprintf(where, sizeof(where), "%s/%s", harness_tmpdir(), dir);
	int error = wasmpack_store_open(&store, where);
	if (!error)
		error = wasmpack_image_build(&r, store, path, &o);
	wasmpack_build_result_dispose(&r);
	*images = 99;
	if (store && wasmpack_store_list(&list, images, store) == 0)
		wasmpack_store_images_free(list, *images);
	wasmpack_store_free(store);
	return error;
}

static void test_imports__build_allow_refuses_everything_else(void)
{
	size_t n = 0;
	int rc = build_with("allow-1", "imports-host.wasm", WASMPACK_BUILD_OPTIONS_VERSION, 0,
			    CLK | RND, &n);
	const wasmpack_error_info *info = wasmpack_error_last_info();
	CHECK_INT(rc, WASMPACK_EPOLICY);
	CHECK_INT(info->reason, WASMPACK_REASON_POLICY);
	CHECK(strstr(info->message, "not allowed: host (gojs syscall/js.valueCall)") != NULL);
	CHECK(strstr(info->message, "(allowed: clocks, random)") != NULL);
	CHECK_INT(n, 0);

	rc = build_with("allow-2", "network.wasm", WASMPACK_BUILD_OPTIONS_VERSION, 0,
			WASMPACK_CAP_NOTHING, &n);
	CHECK_INT(rc, WASMPACK_EPOLICY);
	CHECK(strstr(wasmpack_error_last(), "network (wasi_snapshot_preview1 sock_accept)") !=
	      NULL);
	CHECK(strstr(wasmpack_error_last(), "(allowed: none)") != NULL);

	/* deny and allow together: the denied classes are named as denied */
	rc = build_with("allow-3", "imports-host.wasm", WASMPACK_BUILD_OPTIONS_VERSION, HOST, HOST,
			&n);
	CHECK_INT(rc, WASMPACK_EPOLICY);
	CHECK(strstr(wasmpack_error_last(), "denied capabilities: host (") != NULL);

	CHECK_OK(build_with("allow-4", "noimports.wasm", WASMPACK_BUILD_OPTIONS_VERSION, 0,
			    WASMPACK_CAP_NOTHING, &n));
	CHECK_OK(build_with("allow-5", "imports-nn.wasm", WASMPACK_BUILD_OPTIONS_VERSION, 0, NN,
			    &n));
	/* a version 1 struct ends before allow: it is never read */
	CHECK_OK(build_with("allow-6", "imports-host.wasm", 1, 0, WASMPACK_CAP_NOTHING, &n));
}

const test_case imports_tests[] = {
	TEST_ENTRY(test_imports__every_namespace_in_its_class),
	TEST_ENTRY(test_imports__names_and_descriptions),
	TEST_ENTRY(test_imports__build_allow_refuses_everything_else),
	TEST_END,
};
