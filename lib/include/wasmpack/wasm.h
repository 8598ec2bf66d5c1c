/* Reading WebAssembly binaries as a packer needs them: structure
 * validation, module vs component, imports and exports, custom-section
 * metadata, WASI version and the capability classes the imports reach. */
#ifndef WASMPACK_WASM_H
#define WASMPACK_WASM_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum wasmpack_wasm_kind {
	WASMPACK_WASM_MODULE = 1,    /* core module, version 1 */
	WASMPACK_WASM_COMPONENT = 2, /* component-model binary */
} wasmpack_wasm_kind;

typedef enum wasmpack_wasi_version {
	WASMPACK_WASI_NONE = 0,
	WASMPACK_WASI_PREVIEW1 = 1, /* imports from wasi_snapshot_preview1 */
	WASMPACK_WASI_PREVIEW2 = 2, /* component importing wasi:* interfaces */
} wasmpack_wasi_version;

/* Capability classes, as bits: what the imports of a module let it reach
 * beyond its own memory. lib/wasm/imports.c maps every known namespace to
 * its class and cites where each meaning comes from. */
#define WASMPACK_CAP_FILESYSTEM 0x01u  /* path_*, fd_readdir, wasi:filesystem */
#define WASMPACK_CAP_NETWORK 0x02u     /* sock_*, wasi:sockets, wasi:http, Spin outbound */
#define WASMPACK_CAP_ENVIRONMENT 0x04u /* environ_*, args_*, wasi:cli/environment, wasi:config */
#define WASMPACK_CAP_CLOCKS 0x08u      /* clock_*, poll_oneoff, wasi:clocks */
#define WASMPACK_CAP_RANDOM 0x10u      /* random_get, wasi:random */
#define WASMPACK_CAP_EXIT 0x20u        /* proc_exit, proc_raise, wasi:cli/exit */
#define WASMPACK_CAP_STORAGE 0x40u     /* wasi:keyvalue, wasi:blobstore, Spin key-value, sqlite */
#define WASMPACK_CAP_INFERENCE 0x80u   /* wasi_ephemeral_nn, wasi:nn, Spin llm */
#define WASMPACK_CAP_HOST 0x100u       /* any other import that calls its host: env, gojs... */
#define WASMPACK_CAP_ALL 0x1ffu
/* Not a class: in an `allow` policy, the set that allows no class at all
 * (0 there means "no allow policy"). */
#define WASMPACK_CAP_NOTHING 0x80000000u

/* The names below are the library's one spelling of capability classes
 * and WASI versions: the CLI, the manifest annotations and the --deny
 * messages all use them. Every string returned is static; never free it.
 * Any thread. */

/* Name of one capability bit ("filesystem"), or NULL for an unknown bit. */
WASMPACK_EXTERN const char *wasmpack_wasm_capability_name(unsigned cap);

/* Bit for a capability name, or 0 when the name is unknown. */
WASMPACK_EXTERN unsigned wasmpack_wasm_capability_from_name(const char *name);

/* Every capability name, in bit order ("filesystem", "network",
 * "environment", "clocks", "random", "exit", "storage", "inference",
 * "host"), NULL-terminated: for messages and completions that list what
 * is accepted. Static. */
WASMPACK_EXTERN const char *const *wasmpack_wasm_capability_names(void);

/* One sentence saying what a capability bit lets a module do ("calls
 * functions of its host that wasmpack does not know; they may reach
 * anything" for WASMPACK_CAP_HOST), or NULL for an unknown bit. Static. */
WASMPACK_EXTERN const char *wasmpack_wasm_capability_description(unsigned cap);

/* Writes the names of the bits set in caps, in bit order, joined by
 * separator (NULL = ","), to *out (caller disposes; "" when caps has
 * none). Unknown bits are left out. */
WASMPACK_EXTERN int wasmpack_wasm_capabilities_format(wasmpack_buf *out, unsigned caps,
						      const char *separator);

/* Parses a comma-separated list of capability names ("network,exit";
 * empty items are skipped) into *out. WASMPACK_EINVALID, reason
 * WASMPACK_REASON_INVALID_ARGUMENT, for an unknown name, with a message
 * naming it and the names accepted; *out is then 0. */
WASMPACK_EXTERN int wasmpack_wasm_capabilities_parse(unsigned *out, const char *list);

/* "none", "preview1" or "preview2" (the values of the
 * dev.wasmpack.wasi.version annotation), or NULL for an unknown value. */
WASMPACK_EXTERN const char *wasmpack_wasi_version_name(wasmpack_wasi_version version);

/* One import or export. For core modules `module` is the import's module
 * ("wasi_snapshot_preview1") and `name` the field; for components `module`
 * is NULL and `name` is the full name ("wasi:cli/environment@0.2.0").
 * `kind` is "func", "table", "memory", "global", "tag", or for components
 * "module", "func", "value", "type", "component", "instance". */
typedef struct wasmpack_wasm_extern {
	char *module;
	char *name;
	const char *kind; /* static string */
} wasmpack_wasm_extern;

/* One entry of the `producers` custom section: field ("language",
 * "processed-by", "sdk"), name and version. */
typedef struct wasmpack_wasm_producer {
	char *field;
	char *name;
	char *version;
} wasmpack_wasm_producer;

/* A read binary. Everything is owned by the struct and freed by
 * wasmpack_wasm_free(); fields are read-only. String fields are NULL when
 * the binary does not carry them. Strings from the binary are valid UTF-8
 * as the binary format requires (invalid ones are rejected). */
typedef struct wasmpack_wasm {
	wasmpack_wasm_kind kind;
	wasmpack_wasi_version wasi;
	unsigned capabilities; /* WASMPACK_CAP_* bits */
	int is_command;        /* exports _start or wasi:cli/run */
	int is_reactor;        /* exports _initialize */
	uint64_t size;         /* bytes in the binary */
	wasmpack_wasm_extern *imports;
	size_t imports_count;
	wasmpack_wasm_extern *exports;
	size_t exports_count;
	wasmpack_wasm_producer *producers;
	size_t producers_count;
	char *name; /* module/component name (`name` section) */
	/* wasm-metadata custom sections */
	char *authors;
	char *description;
	char *licenses;
	char *source;
	char *homepage;
	char *revision;
	char *version;
} wasmpack_wasm;

/* The WASMPACK_CAP_* bit one import reaches, or 0 when it reaches
 * nothing outside the sandbox (fd_write, wasi:io/streams, an imported
 * memory). An import wasmpack does not know that calls its host is
 * WASMPACK_CAP_HOST. `import` is one of wasmpack_wasm.imports (or built
 * alike); NULL gives 0. Any thread. */
WASMPACK_EXTERN unsigned wasmpack_wasm_import_capability(const wasmpack_wasm_extern *import);

/* Reads len bytes at data. Checks the header (core module version 1 or a
 * component), that every section's LEB128 id/size is well-formed and stays
 * inside its parent, that counts fit in what remains, that the sections it
 * decodes (import, export, custom metadata) parse exactly, and that nothing
 * trails the last section. Code bodies are not validated. Never reads
 * outside [data, data+len). Errors: WASMPACK_EINVALID with the byte offset
 * in the message ("invalid wasm at offset 0x1f: section size past end").
 * On success *out is new and owned by the caller. */
WASMPACK_EXTERN int wasmpack_wasm_parse(wasmpack_wasm **out, const void *data, size_t len);

/* Like wasmpack_wasm_parse() on the file at path, reading only the bytes of
 * the sections it decodes (others are skipped by seeking), so memory stays
 * small whatever the module size. */
WASMPACK_EXTERN int wasmpack_wasm_parse_file(wasmpack_wasm **out, const char *path);

/* Frees w and all it owns. NULL-safe. A parsed wasmpack_wasm is
 * read-only, so several threads may read one at once. */
WASMPACK_EXTERN void wasmpack_wasm_free(wasmpack_wasm *w);

#ifdef __cplusplus
}
#endif
#endif
