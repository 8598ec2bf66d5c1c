/* What each import of a module or component reaches: the one table of the
 * namespaces wasmpack knows, and the class of everything else (`host`).
 *
 * The rule is that every import is accounted for. An import whose meaning
 * is known lands in its capability class, or in none when it reaches
 * nothing outside the sandbox (fd_write on an fd the module was given,
 * wasi:io streams). An import wasmpack does not know, whatever its
 * namespace (`env`, `gojs`, a vendor's), is WASMPACK_CAP_HOST: the host
 * may do anything behind it, and a summary that said "nothing" would be
 * a lie. Only imports that call (core functions, component functions and
 * instances) can reach anything; an unknown memory, table, global, tag,
 * type or value import is data and falls in no class.
 *
 * Sources of the mappings, checked against the published definitions:
 * - WASI preview 1: the witx of wasi_snapshot_preview1 (WebAssembly/WASI,
 *   legacy/preview1/witx/wasi_snapshot_preview1.witx); wasi_unstable
 *   (preview 0) has the same function names.
 * - WASI 0.2: the WIT packages wasi:cli, wasi:io, wasi:clocks,
 *   wasi:random, wasi:filesystem, wasi:sockets (WebAssembly/wasi-*),
 *   wasi:http (WebAssembly/wasi-http).
 * - WasmEdge: the socket extension (second-state/wasmedge_wasi_socket)
 *   adds sock_* functions to wasi_snapshot_preview1 itself (sock_open,
 *   sock_connect, sock_getaddrinfo, the *_v2 variants...); the HTTPS
 *   request plugin imports module wasmedge_httpsreq.
 * - wasi-nn: core module wasi_ephemeral_nn (WebAssembly/wasi-nn witx, as
 *   WasmEdge and Wasmtime implement it), component package wasi:nn.
 * - Spin (fermyon/spin wit/): package fermyon:spin (unversioned, @1.0.0,
 *   @2.0.0) with http, redis, postgres, mysql, mqtt, sqlite, key-value,
 *   llm, variables, config; the Spin 3 packages spin:<iface>; and the
 *   core modules of Spin 1 (wit/ephemeral: outbound-http, outbound-redis,
 *   outbound-pg, outbound-mysql, key-value, sqlite, llm, spin-config).
 * - wasi:keyvalue (WebAssembly/wasi-keyvalue), wasi:blobstore
 *   (WebAssembly/wasi-blobstore), wasi:config (WebAssembly/wasi-config,
 *   formerly wasi:config/runtime), wasi:messaging
 *   (WebAssembly/wasi-messaging), wasi:logging (WebAssembly/wasi-logging).
 * - wasi-threads: module `wasi`, function thread-spawn
 *   (WebAssembly/wasi-threads).
 * - Wasmer's experimental network (wasi_experimental_network_unstable). */
#include <string.h>

#include "wasm/policy.h"

#define FS WASMPACK_CAP_FILESYSTEM
#define NET WASMPACK_CAP_NETWORK
#define ENV WASMPACK_CAP_ENVIRONMENT
#define CLK WASMPACK_CAP_CLOCKS
#define RND WASMPACK_CAP_RANDOM
#define EXIT WASMPACK_CAP_EXIT
#define STORE WASMPACK_CAP_STORAGE
#define NN WASMPACK_CAP_INFERENCE
#define HOST WASMPACK_CAP_HOST

typedef struct name_class {
	const char *name;
	unsigned cap; /* 0: known, reaches nothing outside the sandbox */
} name_class;

/* Every function of wasi_snapshot_preview1 (witx). The fd_* functions act
 * on descriptors the module already holds (stdio, or ones opened through
 * the preopens, which are what filesystem means), so they reach nothing
 * new by themselves. */
static const name_class preview1_functions[] = {
	{"args_get", ENV},
	{"args_sizes_get", ENV},
	{"environ_get", ENV},
	{"environ_sizes_get", ENV},
	{"clock_res_get", CLK},
	{"clock_time_get", CLK},
	{"fd_advise", 0},
	{"fd_allocate", 0},
	{"fd_close", 0},
	{"fd_datasync", 0},
	{"fd_fdstat_get", 0},
	{"fd_fdstat_set_flags", 0},
	{"fd_fdstat_set_rights", 0},
	{"fd_filestat_get", 0},
	{"fd_filestat_set_size", 0},
	{"fd_filestat_set_times", 0},
	{"fd_pread", 0},
	{"fd_prestat_get", FS},
	{"fd_prestat_dir_name", FS},
	{"fd_pwrite", 0},
	{"fd_read", 0},
	{"fd_readdir", FS},
	{"fd_renumber", 0},
	{"fd_seek", 0},
	{"fd_sync", 0},
	{"fd_tell", 0},
	{"fd_write", 0},
	{"path_create_directory", FS},
	{"path_filestat_get", FS},
	{"path_filestat_set_times", FS},
	{"path_link", FS},
	{"path_open", FS},
	{"path_readlink", FS},
	{"path_remove_directory", FS},
	{"path_rename", FS},
	{"path_symlink", FS},
	{"path_unlink_file", FS},
	{"poll_oneoff", CLK},
	{"proc_exit", EXIT},
	{"proc_raise", EXIT},
	{"sched_yield", 0},
	{"random_get", RND},
	{NULL, 0},
};

/* Core module namespaces other than preview 1, whole: every function of
 * the namespace is in the class. */
static const name_class core_namespaces[] = {
	{"wasmedge_httpsreq", NET},
	{"wasi_experimental_network_unstable", NET},
	{"wasi_ephemeral_nn", NN},
	{"outbound-http", NET},
	{"wasi-outbound-http", NET},
	{"outbound-redis", NET},
	{"outbound-pg", NET},
	{"outbound-mysql", NET},
	{"key-value", STORE},
	{"sqlite", STORE},
	{"llm", NN},
	{"spin-config", ENV},
	{NULL, 0},
};

/* Component interfaces, "namespace:package/interface" without version.
 * An entry ending in '/' covers every interface of the package. Within
 * wasi:cli each interface is listed, since its members differ. */
static const name_class interfaces[] = {
	{"wasi:cli/environment", ENV},
	{"wasi:cli/exit", EXIT},
	{"wasi:cli/run", 0},
	{"wasi:cli/stdin", 0},
	{"wasi:cli/stdout", 0},
	{"wasi:cli/stderr", 0},
	{"wasi:cli/terminal-input", 0},
	{"wasi:cli/terminal-output", 0},
	{"wasi:cli/terminal-stdin", 0},
	{"wasi:cli/terminal-stdout", 0},
	{"wasi:cli/terminal-stderr", 0},
	{"wasi:io/", 0},
	{"wasi:clocks/", CLK},
	{"wasi:random/", RND},
	{"wasi:filesystem/", FS},
	{"wasi:sockets/", NET},
	{"wasi:http/", NET},
	{"wasi:messaging/", NET},
	{"wasi:nn/", NN},
	{"wasi:keyvalue/", STORE},
	{"wasi:blobstore/", STORE},
	{"wasi:config/", ENV},
	{"wasi:logging/", 0},
	/* Spin 1 and 2 */
	{"fermyon:spin/http", NET},
	{"fermyon:spin/outbound-http", NET},
	{"fermyon:spin/redis", NET},
	{"fermyon:spin/outbound-redis", NET},
	{"fermyon:spin/postgres", NET},
	{"fermyon:spin/outbound-pg", NET},
	{"fermyon:spin/mysql", NET},
	{"fermyon:spin/outbound-mysql", NET},
	{"fermyon:spin/mqtt", NET},
	{"fermyon:spin/sqlite", STORE},
	{"fermyon:spin/key-value", STORE},
	{"fermyon:spin/llm", NN},
	{"fermyon:spin/variables", ENV},
	{"fermyon:spin/config", ENV},
	{"fermyon:spin/http-types", 0},
	{"fermyon:spin/redis-types", 0},
	{"fermyon:spin/rdbms-types", 0},
	{"fermyon:spin/mqtt-types", 0},
	/* Spin 3: one package per interface */
	{"spin:postgres/", NET},
	{"spin:mysql/", NET},
	{"spin:redis/", NET},
	{"spin:mqtt/", NET},
	{"spin:sqlite/", STORE},
	{"spin:key-value/", STORE},
	{"spin:variables/", ENV},
	{NULL, 0},
};

static int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static const name_class *find_exact(const name_class *table, const char *name)
{
	for (const name_class *e = table; e->name; e++)
		if (!strcmp(e->name, name))
			return e;
	return NULL;
}

/* iface is "ns:pkg/iface" optionally followed by "@version" (and, in a
 * core module importing it directly, nothing else). */
static const name_class *find_interface(const char *iface)
{
	for (const name_class *e = interfaces; e->name; e++) {
		size_t n = strlen(e->name);
		if (strncmp(iface, e->name, n))
			continue;
		if (e->name[n - 1] == '/' || iface[n] == '\0' || iface[n] == '@')
			return e;
	}
	return NULL;
}

static int is_preview1(const char *module)
{
	return !strcmp(module, "wasi_snapshot_preview1") || !strcmp(module, "wasi_unstable");
}

/* Whether an import of this kind can call into its host. */
static int calls(const wasmpack_wasm_extern *e)
{
	return e->kind && (!strcmp(e->kind, "func") || !strcmp(e->kind, "instance"));
}

unsigned wp_wasm_import_capability(const wasmpack_wasm_extern *e)
{
	const name_class *hit = NULL;
	if (!e || !e->name)
		return 0;
	if (e->module && is_preview1(e->module)) {
		hit = find_exact(preview1_functions, e->name);
		/* WasmEdge's socket extension lives in preview 1 itself. */
		if (!hit && starts_with(e->name, "sock_"))
			return NET;
	} else if (e->module && !strcmp(e->module, "wasi")) {
		if (!strcmp(e->name, "thread-spawn"))
			return 0;
	} else if (e->module) {
		hit = find_exact(core_namespaces, e->module);
		if (!hit && strchr(e->module, ':'))
			hit = find_interface(e->module);
	} else {
		hit = find_interface(e->name);
	}
	if (hit)
		return hit->cap;
	return calls(e) ? HOST : 0;
}

wasmpack_wasi_version wp_wasm_import_wasi(const wasmpack_wasm_extern *e)
{
	if (!e || !e->name)
		return WASMPACK_WASI_NONE;
	if (e->module && is_preview1(e->module))
		return WASMPACK_WASI_PREVIEW1;
	if ((e->module && starts_with(e->module, "wasi:")) ||
	    (!e->module && starts_with(e->name, "wasi:")))
		return WASMPACK_WASI_PREVIEW2;
	return WASMPACK_WASI_NONE;
}
