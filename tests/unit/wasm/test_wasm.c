/* Tests of the WebAssembly reader: real modules and components from
 * testdata/, both entry points, and hostile input of every kind. */
#include "harness.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasmpack/wasm.h"

/* ------------------------------------------------------------- helpers */

typedef struct bytes {
	unsigned char d[1024];
	size_t n;
} bytes;

static void put(bytes *b, const void *p, size_t n)
{
	if (b->n + n > sizeof(b->d))
		abort(); /* a test bug, not a library one */
	memcpy(b->d + b->n, p, n);
	b->n += n;
}

static void put_u32(bytes *b, uint32_t v)
{
	do {
		unsigned char c = v & 0x7f;
		v >>= 7;
		if (v)
			c |= 0x80;
		put(b, &c, 1);
	} while (v);
}

static void put_name(bytes *b, const char *s)
{
	put_u32(b, (uint32_t)strlen(s));
	put(b, s, strlen(s));
}

static bytes core_module(void)
{
	bytes b = {{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}, 8};
	return b;
}

static bytes component(void)
{
	bytes b = {{0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00}, 8};
	return b;
}

static void put_section(bytes *b, uint8_t id, const void *payload, size_t n)
{
	put(b, &id, 1);
	put_u32(b, (uint32_t)n);
	put(b, payload, n);
}

/* A custom section: name then raw bytes. */
static void put_custom(bytes *b, const char *name, const void *data, size_t n)
{
	bytes body = {{0}, 0};
	put_name(&body, name);
	put(&body, data, n);
	put_section(b, 0, body.d, body.n);
}

static int parse_bytes(wasmpack_wasm **w, const bytes *b)
{
	return wasmpack_wasm_parse(w, b->d, b->n);
}

static int write_file(const char *path, const void *data, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	ssize_t w = write(fd, data, n);
	close(fd);
	return w == (ssize_t)n ? 0 : -1;
}

static const char *testdata_path(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", harness_testdata(), name);
	return buf;
}

static int has_import(const wasmpack_wasm *w, const char *module, const char *name,
		      const char *kind)
{
	for (size_t i = 0; i < w->imports_count; i++) {
		const wasmpack_wasm_extern *e = &w->imports[i];
		if ((module ? e->module && !strcmp(e->module, module) : !e->module) &&
		    !strcmp(e->name, name) && !strcmp(e->kind, kind))
			return 1;
	}
	return 0;
}

static int has_export(const wasmpack_wasm *w, const char *name, const char *kind)
{
	for (size_t i = 0; i < w->exports_count; i++)
		if (!strcmp(w->exports[i].name, name) && !strcmp(w->exports[i].kind, kind) &&
		    !w->exports[i].module)
			return 1;
	return 0;
}

static int has_producer(const wasmpack_wasm *w, const char *field, const char *name)
{
	for (size_t i = 0; i < w->producers_count; i++)
		if (!strcmp(w->producers[i].field, field) && !strcmp(w->producers[i].name, name))
			return 1;
	return 0;
}

static int str_eq(const char *a, const char *b) { return (!a && !b) || (a && b && !strcmp(a, b)); }

static int same_externs(const wasmpack_wasm_extern *a, const wasmpack_wasm_extern *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!str_eq(a[i].module, b[i].module) || !str_eq(a[i].name, b[i].name) ||
		    !str_eq(a[i].kind, b[i].kind))
			return 0;
	return 1;
}

static int same_wasm(const wasmpack_wasm *a, const wasmpack_wasm *b)
{
	if (a->kind != b->kind || a->wasi != b->wasi || a->capabilities != b->capabilities ||
	    a->is_command != b->is_command || a->is_reactor != b->is_reactor ||
	    a->size != b->size || a->imports_count != b->imports_count ||
	    a->exports_count != b->exports_count || a->producers_count != b->producers_count)
		return 0;
	if (!same_externs(a->imports, b->imports, a->imports_count) ||
	    !same_externs(a->exports, b->exports, a->exports_count))
		return 0;
	for (size_t i = 0; i < a->producers_count; i++)
		if (!str_eq(a->producers[i].field, b->producers[i].field) ||
		    !str_eq(a->producers[i].name, b->producers[i].name) ||
		    !str_eq(a->producers[i].version, b->producers[i].version))
			return 0;
	return str_eq(a->name, b->name) && str_eq(a->authors, b->authors) &&
	       str_eq(a->description, b->description) && str_eq(a->licenses, b->licenses) &&
	       str_eq(a->source, b->source) && str_eq(a->homepage, b->homepage) &&
	       str_eq(a->revision, b->revision) && str_eq(a->version, b->version);
}

/* Parses testdata/NAME from memory; the test fails when that fails. */
#define PARSE_TESTDATA(w, name)                                            \
	do {                                                               \
		wasmpack_buf buf_ = WASMPACK_BUF_INIT;                     \
		if (harness_read_testdata(&buf_, (name)) != 0)             \
			return;                                            \
		int rc_ = wasmpack_wasm_parse(&(w), buf_.data, buf_.size); \
		wasmpack_buf_dispose(&buf_);                               \
		CHECK_OK(rc_);                                             \
	} while (0)

static const char *const fixtures[] = {
	"hello.wasm",           "files.wasm",           "clock_random.wasm", "network.wasm",
	"reactor.wasm",         "noimports.wasm",       "kinds.wasm",        "metadata.wasm",
	"hello.component.wasm", "kinds.component.wasm",
};

/* ------------------------------------------------- real modules: core */

static void test_wasm__hello_is_a_preview1_command_using_env_and_exit(void)
{
	wasmpack_wasm *w = NULL;
	PARSE_TESTDATA(w, "hello.wasm");
	int ok = w->kind == WASMPACK_WASM_MODULE && w->wasi == WASMPACK_WASI_PREVIEW1 &&
		 w->is_command && !w->is_reactor &&
		 w->capabilities == (WASMPACK_CAP_ENVIRONMENT | WASMPACK_CAP_EXIT) &&
		 has_import(w, "wasi_snapshot_preview1", "fd_write", "func") &&
		 has_import(w, "wasi_snapshot_preview1", "environ_get", "func") &&
		 has_export(w, "_start", "func") && has_export(w, "memory", "memory") &&
		 has_producer(w, "language", "C99") && w->name == NULL && w->authors == NULL;
	wasmpack_wasm_free(w);
	CHECK(ok);
}

static void test_wasm__files_reaches_the_filesystem(void)
{
	wasmpack_wasm *w = NULL;
	PARSE_TESTDATA(w, "files.wasm");
	int ok = w->wasi == WASMPACK_WASI_PREVIEW1 && w->is_command &&
		 (w->capabilities & WASMPACK_CAP_FILESYSTEM) &&
		 !(w->capabilities & WASMPACK_CAP_NETWORK) &&
		 has_import(w, "wasi_snapshot_preview1", "path_open", "func");
	wasmpack_wasm_free(w);
	CHECK(ok);
}

static void test_wasm__clock_random_reaches_clocks_and_random_only(void)
{
	wasmpack_wasm *w = NULL;
	PARSE_TESTDATA(w, "clock_random.wasm");
	unsigned caps = w->capabilities;
	wasmpack_wasm_free(w);
	CHECK_INT(caps, (WASMPACK_CAP_CLOCKS | WASMPACK_CAP_RANDOM | WASMPACK_CAP_EXIT));
}

static void test_wasm__sock_accept_means_network(void)
{
	wasmpack_wasm *w = NULL;
	PARSE_TESTDATA(w, "network.wasm");
	int ok = w->wasi == WASMPACK_WASI_PREVIEW1 && w->capabilities == WASMPACK_CAP_NETWORK &&
		 w->is_command && w->imports_count == 2;
	wasmpack_wasm_free(w);
	CHECK(ok);
}

static void test_wasm__reactor_with_wasi_unstable_is_preview1(void)
{
	wasmpack_wasm *w = NULL;
	PARSE_TESTDATA(w, "reactor.wasm");
	int ok = w->wasi == WASMPACK_WASI_PREVIEW1 && w->is_reactor && !w->is_command &&
		 w->capabilities == WASMPACK_CAP_RANDOM &&
		 has_import(w, "wasi_unstable", "random_get", "func") &&
		 has_export(w, "_initialize", "func") && has_export(w, "roll", "func");
	wasmpack_wasm_free(w);
	CHECK(ok);
}

static void test_wasm__module_without_imports_has_no_wasi(void)
{
	wasmpack_wasm *w = NULL;
	PARSE_TESTDATA(w, "noimports.wasm");
	int ok = w->kind == WASMPACK_WASM_MODULE && w->wasi == WASMPACK_WASI_NONE &&
		 w->capabilities == 0 && !w->is_command && !w->is_reactor &&
		 w->imports_count == 0 && w->imports == NULL && w->exports_count == 4 &&
		 has_export(w, "mem", "memory") && has_export(w, "answer", "global") &&
		 has_export(w, "tbl", "table") && has_export(w, "add", "func") && w->size == 81;
	wasmpack_wasm_free(w);
	CHECK(ok);
}

static void test_wasm__reads_every_core_import_and_export_kind(void)
{
	static const char *const imports[][2] = {
		{"f", "func"},          {"table", "table"},    {"memory", "memory"},
		{"memory64", "memory"}, {"counter", "global"}, {"ref", "global"},
		{"oops", "tag"},
	};
	static const char *const exports[][2] = {
		{"g", "func"},         {"table", "table"}, {"memory", "memory"},
		{"counter", "global"}, {"oops", "tag"},
	};
	wasmpack_wasm *w = NULL;
	PARSE_TESTDATA(w, "kinds.wasm");
	int ok = w->imports_count == 7 && w->exports_count == 5 && w->wasi == WASMPACK_WASI_NONE;
	for (size_t i = 0; ok && i < 7; i++)
		ok = !strcmp(w->imports[i].module, "env") &&
		     !strcmp(w->imports[i].name, imports[i][0]) &&
		     !strcmp(w->imports[i].kind, imports[i][1]);
	for (size_t i = 0; ok && i < 5; i++)
		ok = !strcmp(w->exports[i].name, exports[i][0]) &&
		     !strcmp(w->exports[i].kind, exports[i][1]) && !w->exports[i].module;
	wasmpack_wasm_free(w);
	CHECK(ok);
}

static void test_wasm__reads_name_producers_and_wasm_metadata(void)
{
	wasmpack_wasm *w = NULL;
	PARSE_TESTDATA(w, "metadata.wasm");
	int ok = w->producers_count == 4 && !strcmp(w->producers[1].field, "language") &&
		 !strcmp(w->producers[1].name, "WebAssembly Text") &&
		 !strcmp(w->producers[1].version, "1.0") && !strcmp(w->producers[0].version, "") &&
		 has_producer(w, "processed-by", "wat2wasm");
	if (ok) {
		CHECK_STR(w->name, "metadata_demo");
		CHECK_STR(w->authors, "Zo\xc3\xab Example <zoe@example.com>");
		CHECK_STR(w->description, "A module carrying every wasm-metadata field");
		CHECK_STR(w->licenses, "Apache-2.0 WITH LLVM-exception");
		CHECK_STR(w->source, "https://example.com/wasmpack/testdata");
		CHECK_STR(w->homepage, "https://example.com/wasmpack");
		CHECK_STR(w->revision, "0123456789abcdef");
		CHECK_STR(w->version, "1.2.3");
	}
	wasmpack_wasm_free(w);
	CHECK(ok);
}

/* ----------------------------------------------- real modules: component */

static void test_wasm__hello_component_is_a_preview2_command(void)
{
	wasmpack_wasm *w = NULL;
	PARSE_TESTDATA(w, "hello.component.wasm");
	int ok = w->kind == WASMPACK_WASM_COMPONENT && w->wasi == WASMPACK_WASI_PREVIEW2 &&
		 w->is_command && !w->is_reactor &&
		 w->capabilities == (WASMPACK_CAP_FILESYSTEM | WASMPACK_CAP_ENVIRONMENT |
				     WASMPACK_CAP_CLOCKS | WASMPACK_CAP_EXIT) &&
		 w->imports_count == 15 &&
		 has_import(w, NULL, "wasi:cli/environment@0.2.12", "instance") &&
		 has_import(w, NULL, "wasi:filesystem/preopens@0.2.12", "instance") &&
		 w->exports_count == 1 && has_export(w, "wasi:cli/run@0.2.12", "instance") &&
		 has_producer(w, "processed-by", "wit-component");
	wasmpack_wasm_free(w);
	CHECK(ok);
}

static void test_wasm__reads_every_component_extern_kind(void)
{
	wasmpack_wasm *w = NULL;
	PARSE_TESTDATA(w, "kinds.component.wasm");
	int ok = w->kind == WASMPACK_WASM_COMPONENT && w->wasi == WASMPACK_WASI_PREVIEW2 &&
		 !w->is_command &&
		 /* "log" is a function of the host wasmpack does not know */
		 w->capabilities ==
			 (WASMPACK_CAP_RANDOM | WASMPACK_CAP_NETWORK | WASMPACK_CAP_HOST) &&
		 has_import(w, NULL, "wasi:random/random@0.2.0", "instance") &&
		 has_import(w, NULL, "wasi:sockets/tcp@0.2.0", "instance") &&
		 has_import(w, NULL, "log", "func") && has_import(w, NULL, "handle", "type") &&
		 has_import(w, NULL, "plugin", "component") &&
		 has_import(w, NULL, "blob", "module") && has_import(w, NULL, "point", "type") &&
		 has_export(w, "log2", "func") && has_export(w, "plugin2", "component") &&
		 has_export(w, "blob2", "module") && has_export(w, "random2", "instance") &&
		 has_export(w, "handle2", "type");
	if (ok)
		CHECK_STR(w->name, "kinds");
	wasmpack_wasm_free(w);
	CHECK(ok);
}

static void test_wasm__parse_file_matches_parse_on_every_fixture(void)
{
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		char path[1024];
		wasmpack_wasm *a = NULL, *b = NULL;
		PARSE_TESTDATA(a, fixtures[i]);
		int rc = wasmpack_wasm_parse_file(&b,
						  testdata_path(path, sizeof(path), fixtures[i]));
		int same = rc == 0 && same_wasm(a, b);
		wasmpack_wasm_free(a);
		wasmpack_wasm_free(b);
		if (rc)
			CHECK_STR(fixtures[i], wasmpack_error_last());
		CHECK(same);
	}
}

/* ----------------------------------------------------- capability names */

static void test_wasm__capability_names_round_trip(void)
{
	unsigned all = 0;
	for (unsigned bit = 1; bit <= WASMPACK_CAP_ALL; bit <<= 1) {
		const char *name = wasmpack_wasm_capability_name(bit);
		CHECK(name != NULL);
		CHECK_INT(wasmpack_wasm_capability_from_name(name), bit);
		all |= bit;
	}
	CHECK_INT(all, WASMPACK_CAP_ALL);
	CHECK_STR(wasmpack_wasm_capability_name(WASMPACK_CAP_FILESYSTEM), "filesystem");
	CHECK_STR(wasmpack_wasm_capability_name(WASMPACK_CAP_NETWORK), "network");
	CHECK(wasmpack_wasm_capability_name(0) == NULL);
	CHECK(wasmpack_wasm_capability_name(WASMPACK_CAP_CLOCKS | WASMPACK_CAP_RANDOM) == NULL);
	CHECK(wasmpack_wasm_capability_name(WASMPACK_CAP_ALL + 1) == NULL);
	CHECK(wasmpack_wasm_capability_name(WASMPACK_CAP_NOTHING) == NULL);
	CHECK(wasmpack_wasm_capability_from_name("gpu") == 0);
	CHECK(wasmpack_wasm_capability_from_name("") == 0);
	CHECK_INT(wasmpack_wasm_capability_from_name(NULL), 0);
}

/* ------------------------------------------------------- headers, framing */

static void test_wasm__rejects_empty_and_foreign_input(void)
{
	static const unsigned char elf[] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0};
	wasmpack_wasm *w = NULL;
	CHECK_ERR(wasmpack_wasm_parse(&w, "", 0), WASMPACK_EINVALID);
	CHECK(w == NULL);
	CHECK_ERR(wasmpack_wasm_parse(&w, NULL, 0), WASMPACK_EINVALID);
	CHECK_ERR(wasmpack_wasm_parse(&w, elf, sizeof(elf)), WASMPACK_EINVALID);
	CHECK(strstr(wasmpack_error_last(), "bad magic") != NULL);
	CHECK_ERR(wasmpack_wasm_parse(&w, "\0asm\1\0", 6), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(), "invalid wasm at offset 0x4: truncated header");
	CHECK(w == NULL);
}

static void test_wasm__rejects_unknown_versions_and_layers(void)
{
	wasmpack_wasm *w = NULL;
	bytes b = core_module();
	b.d[4] = 2;
	CHECK_ERR(parse_bytes(&w, &b), WASMPACK_EINVALID);
	CHECK(strstr(wasmpack_error_last(), "core module version 2") != NULL);
	b = component();
	b.d[4] = 0x0a; /* an older pre-standard component version */
	CHECK_ERR(parse_bytes(&w, &b), WASMPACK_EINVALID);
	CHECK(strstr(wasmpack_error_last(), "component binary version 0xa") != NULL);
	b = component();
	b.d[6] = 2;
	CHECK_ERR(parse_bytes(&w, &b), WASMPACK_EINVALID);
	CHECK(strstr(wasmpack_error_last(), "unknown layer 2") != NULL);
	CHECK(w == NULL);
}

static void test_wasm__empty_module_and_component_are_valid(void)
{
	wasmpack_wasm *w = NULL;
	bytes b = core_module();
	CHECK_OK(parse_bytes(&w, &b));
	int ok = w->kind == WASMPACK_WASM_MODULE && w->imports_count == 0 &&
		 w->exports_count == 0 && w->wasi == WASMPACK_WASI_NONE && w->size == 8;
	wasmpack_wasm_free(w);
	CHECK(ok);
	b = component();
	CHECK_OK(parse_bytes(&w, &b));
	ok = w->kind == WASMPACK_WASM_COMPONENT;
	wasmpack_wasm_free(w);
	CHECK(ok);
}

static void test_wasm__rejects_section_size_past_end(void)
{
	wasmpack_wasm *w = NULL;
	bytes b = core_module();
	put(&b, "\x01\x10\x00\x00", 4);
	CHECK_ERR(parse_bytes(&w, &b), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(), "invalid wasm at offset 0x9: section size past end");
	/* A custom section whose name runs past the section. */
	b = core_module();
	put(&b,
	    "\x00\x03\x05"
	    "abcdefgh",
	    11);
	CHECK_ERR(parse_bytes(&w, &b), WASMPACK_EINVALID);
	CHECK(strstr(wasmpack_error_last(), "past section end") != NULL);
}

static void test_wasm__rejects_malformed_leb128(void)
{
	wasmpack_wasm *w = NULL;
	bytes b = core_module();
	/* six bytes for a u32 */
	put(&b, "\x07\x80\x80\x80\x80\x80\x00", 7);
	CHECK_ERR(parse_bytes(&w, &b), WASMPACK_EINVALID);
	CHECK(strstr(wasmpack_error_last(), "too long") != NULL);
	/* five bytes whose last carries bits past 32 */
	b = core_module();
	put(&b, "\x07\xff\xff\xff\xff\x7f", 6);
	CHECK_ERR(parse_bytes(&w, &b), WASMPACK_EINVALID);
	CHECK(strstr(wasmpack_error_last(), "too large") != NULL);
	/* a count cut short in the middle of its LEB128 */
	b = core_module();
	put(&b, "\x07\x01\x80", 3);
	CHECK_ERR(parse_bytes(&w, &b), WASMPACK_EINVALID);
	/* a padded but in-range size is allowed: 5-byte size 1, count 0 */
	b = core_module();
	put(&b, "\x07\x81\x80\x80\x80\x00\x00", 7);
	CHECK_OK(parse_bytes(&w, &b));
	wasmpack_wasm_free(w);
	/* the largest u32 in five bytes is fine as a number (but no section
	 * is that long here) */
	b = core_module();
	put(&b, "\x07\xff\xff\xff\xff\x0f", 6);
	CHECK_ERR(parse_bytes(&w, &b), WASMPACK_EINVALID);
	CHECK(strstr(wasmpack_error_last(), "section size past end") != NULL);
}

static void test_wasm__rejects_huge_vector_counts_at_once(void)
{
	wasmpack_wasm *w = NULL;
	bytes b = core_module();
	put_section(&b, 2, "\xff\xff\xff\xff\x0f\x00\x00", 7);
	CHECK_ERR(parse_bytes(&w, &b), WASMPACK_EINVALID);
	CHECK(strstr(wasmpack_error_last(), "vector count") != NULL);
	b = core_module();
	put_section(&b, 7,
		    "\x02\x01"
		    "a\x00\x00",
		    5); /* 2 exports, 1 present */
	CHECK_ERR(parse_bytes(&w, &b), WASMPACK_EINVALID);
	b = component();
	put_section(&b, 10, "\xff\xff\xff\xff\x0f", 5);
	CHECK_ERR(parse_bytes(&w, &b), WASMPACK_EINVALID);
	b = core_module();
	bytes prod = {{0}, 0};
	put(&prod, "\x01", 1);
	put_name(&prod, "language");
	put(&prod, "\xff\xff\xff\x7f", 4);
	put_custom(&b, "producers", prod.d, prod.n);
	CHECK_ERR(parse_bytes(&w, &b), WASMPACK_EINVALID);
	CHECK(strstr(wasmpack_error_last(), "vector count") != NULL);
}

static void test_wasm__rejects_names_that_are_not_utf8(void)
{
	static const char *const bad[] = {
		"\xc0\x80",         /* overlong NUL */
		"\xe0\x80\xaf",     /* overlong '/' */
		"\xed\xa0\x80",     /* surrogate */
		"\xf4\x90\x80\x80", /* past U+10FFFF */
		"\xf5\x80\x80\x80", /* invalid lead byte */
		"ab\xe2\x82",       /* truncated sequence */
		"\x80",             /* lone continuation */
		"\xff",
	};
	wasmpack_wasm *w = NULL;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bytes payload = {{0}, 0}, b = core_module();
		put(&payload, "\x01", 1);
		put_name(&payload, bad[i]);
		put(&payload, "\x00\x00", 2);
		put_section(&b, 7, payload.d, payload.n);
		CHECK_ERR(parse_bytes(&w, &b), WASMPACK_EINVALID);
		CHECK(strstr(wasmpack_error_last(), "UTF-8") != NULL);
		/* the name of a custom section nobody decodes is checked too */
		b = core_module();
		put_custom(&b, bad[i], "x", 1);
		CHECK_ERR(parse_bytes(&w, &b), WASMPACK_EINVALID);
	}
	/* valid multi-byte names are kept */
	bytes b = core_module(), payload = {{0}, 0};
	put(&payload, "\x01", 1);
	put_name(&payload, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	put(&payload, "\x00\x00", 2);
	put_section(&b, 7, payload.d, payload.n);
	CHECK_OK(parse_bytes(&w, &b));
	int ok = w->exports_count == 1 &&
		 !strcmp(w->exports[0].name, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	wasmpack_wasm_free(w);
	CHECK(ok);
}

static void test_wasm__rejects_trailing_bytes(void)
{
	wasmpack_wasm *w = NULL;
	bytes b = core_module();
	put_section(&b, 7, "\x00", 1);
	put(&b, "\x00", 1); /* half a section header after the last section */
	CHECK_ERR(parse_bytes(&w, &b), WASMPACK_EINVALID);
	b = core_module();
	put_section(&b, 7, "\x00\x00", 2); /* a byte after the export vector */
	CHECK_ERR(parse_bytes(&w, &b), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(), "invalid wasm at offset 0xb: trailing bytes in section");
	b = core_module();
	put_section(&b, 2, "\x00\x07", 2);
	CHECK_ERR(parse_bytes(&w, &b), WASMPACK_EINVALID);
	b = component();
	put_section(&b, 11, "\x00\x01", 2);
	CHECK_ERR(parse_bytes(&w, &b), WASMPACK_EINVALID);
}

static void test_wasm__rejects_unknown_and_misordered_sections(void)
{
	wasmpack_wasm *w = NULL;
	bytes b = core_module();
	put_section(&b, 14, "", 0);
	CHECK_ERR(parse_bytes(&w, &b), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(), "invalid wasm at offset 0x8: unknown section id");
	b = component();
	put_section(&b, 13, "", 0);
	CHECK_ERR(parse_bytes(&w, &b), WASMPACK_EINVALID);
	/* export (7) before import (2), and a repeated import section */
	b = core_module();
	put_section(&b, 7, "\x00", 1);
	put_section(&b, 2, "\x00", 1);
	CHECK_ERR(parse_bytes(&w, &b), WASMPACK_EINVALID);
	CHECK(strstr(wasmpack_error_last(), "out of order") != NULL);
	b = core_module();
	put_section(&b, 2, "\x00", 1);
	put_section(&b, 2, "\x00", 1);
	CHECK_ERR(parse_bytes(&w, &b), WASMPACK_EINVALID);
	/* tag (13) sits between memory (5) and global (6); data count (12)
	 * before code (10); custom sections anywhere; components repeat
	 * sections freely and may hold the value section (12) */
	b = core_module();
	put_section(&b, 5, "\x00", 1);
	put_custom(&b, "x", "", 0);
	put_section(&b, 13, "\x00", 1);
	put_section(&b, 6, "\x00", 1);
	put_section(&b, 12, "\x00", 1);
	put_section(&b, 10, "\x00", 1);
	CHECK_OK(parse_bytes(&w, &b));
	wasmpack_wasm_free(w);
	b = component();
	put_section(&b, 10, "\x00", 1);
	put_section(&b, 7, "\x00", 1);
	put_section(&b, 10, "\x00", 1);
	put_section(&b, 12, "\x00", 1);
	CHECK_OK(parse_bytes(&w, &b));
	wasmpack_wasm_free(w);
}

/* ---------------------------------------------------------- import descs */

static int parse_one_core_import(const void *desc, size_t n, wasmpack_wasm **w)
{
	bytes payload = {{0}, 0}, b = core_module();
	put(&payload, "\x01", 1);
	put_name(&payload, "m");
	put_name(&payload, "x");
	put(&payload, desc, n);
	put_section(&b, 2, payload.d, payload.n);
	return parse_bytes(w, &b);
}

static void test_wasm__reads_core_import_descriptors(void)
{
	static const struct {
		const char *desc;
		size_t n;
		const char *kind;
	} good[] = {
		{"\x00\x05", 2, "func"},
		{"\x01\x70\x00\x01", 4, "table"},                      /* funcref, min */
		{"\x01\x6f\x01\x01\x02", 5, "table"},                  /* externref, min max */
		{"\x01\x64\x70\x00\x00", 5, "table"},                  /* (ref func) */
		{"\x01\x63\x00\x00\x00", 5, "table"},                  /* (ref null 0) */
		{"\x01\x6e\x04\x80\x80\x80\x80\x20", 8, "table"},      /* table64, u64 min */
		{"\x02\x03\x01\x02", 4, "memory"},                     /* shared min max */
		{"\x02\x05\x01\xff\xff\xff\xff\xff\x01", 9, "memory"}, /* memory64 */
		{"\x02\x08\x01\x00", 4, "memory"},                     /* custom page size 2^0 */
		{"\x03\x7f\x00", 3, "global"},
		{"\x03\x7b\x01", 3, "global"},     /* mut v128 */
		{"\x03\x63\x6c\x00", 4, "global"}, /* (ref null i31) */
		{"\x04\x00\x00", 3, "tag"},
	};
	static const struct {
		const char *desc;
		size_t n;
	} bad[] = {
		{"\x05\x00", 2},             /* unknown kind */
		{"\x01\x7f\x00\x01", 4},     /* i32 is no reftype */
		{"\x01\x70\x08\x01", 4},     /* page size flag on a table */
		{"\x02\x10\x01", 3},         /* unknown limits flag */
		{"\x01\x64\x50\x00\x00", 5}, /* unknown heap type */
		{"\x03\x7f\x02", 3},         /* mutability 2 */
		{"\x03\x40\x00", 3},         /* unknown value type */
		{"\x04\x01\x00", 3},         /* tag attribute 1 */
		{"\x02\x01\x01", 3},         /* max missing */
		{"\x00", 1},                 /* typeidx missing */
	};
	wasmpack_wasm *w = NULL;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CHECK_OK(parse_one_core_import(good[i].desc, good[i].n, &w));
		int ok = w->imports_count == 1 && !strcmp(w->imports[0].kind, good[i].kind) &&
			 !strcmp(w->imports[0].module, "m") && !strcmp(w->imports[0].name, "x");
		wasmpack_wasm_free(w);
		CHECK(ok);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		w = NULL;
		CHECK_ERR(parse_one_core_import(bad[i].desc, bad[i].n, &w), WASMPACK_EINVALID);
		CHECK(w == NULL);
	}
}

static void test_wasm__rejects_unknown_core_export_kind(void)
{
	wasmpack_wasm *w = NULL;
	bytes b = core_module();
	put_section(&b, 7,
		    "\x01\x01"
		    "a\x05\x00",
		    5);
	CHECK_ERR(parse_bytes(&w, &b), WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(), "invalid wasm at offset 0xd: unknown export kind");
}

static void test_wasm__rejects_names_with_nul_bytes(void)
{
	wasmpack_wasm *w = NULL;
	bytes b = core_module();
	put_section(&b, 7,
		    "\x01\x03"
		    "a\x00"
		    "b\x00\x00",
		    7);
	CHECK_ERR(parse_bytes(&w, &b), WASMPACK_EINVALID);
	CHECK(strstr(wasmpack_error_last(), "NUL") != NULL);
}

/* ---------------------------------------------------- component externs */

static int parse_component_import(const void *desc, size_t n, wasmpack_wasm **w)
{
	bytes payload = {{0}, 0}, b = component();
	put(&payload, "\x01\x00", 2);
	put_name(&payload, "wasi:cli/environment@0.2.0");
	put(&payload, desc, n);
	put_section(&b, 10, payload.d, payload.n);
	return parse_bytes(w, &b);
}

static void test_wasm__reads_component_extern_descriptors(void)
{
	static const struct {
		const char *desc;
		size_t n;
		const char *kind;
	} good[] = {
		{"\x00\x11\x00", 3, "module"},
		{"\x01\x02", 2, "func"},
		{"\x02\x00\x03", 3, "value"},                 /* (eq value 3) */
		{"\x02\x01\x73", 3, "value"},                 /* string */
		{"\x02\x01\x64", 3, "value"},                 /* error-context */
		{"\x02\x01\x05", 3, "value"},                 /* type index 5 */
		{"\x02\x01\xf3\xff\xff\xff\x7f", 7, "value"}, /* string, padded s33 */
		{"\x02\x01\xff\xff\xff\xff\x0f", 7, "value"}, /* type index 2^32-1 */
		{"\x03\x00\x01", 3, "type"},
		{"\x03\x01", 2, "type"}, /* (sub resource) */
		{"\x04\x00", 2, "component"},
		{"\x05\x00", 2, "instance"},
	};
	static const struct {
		const char *desc;
		size_t n;
	} bad[] = {
		{"\x00\x10\x00", 3},                     /* core sort other than module */
		{"\x06\x00", 2},                         /* unknown extern kind */
		{"\x02\x02\x00", 3},                     /* unknown value bound */
		{"\x02\x01\x72", 3},                     /* record code is no valtype */
		{"\x02\x01\x40", 3},                     /* -64: no such type */
		{"\x02\x01\xf3\xff\xff\xff\x1f", 7},     /* s33 unused bits != sign */
		{"\x02\x01\xf3\xff\xff\xff\xff\x7f", 8}, /* s33 too long */
		{"\x03\x02", 2},                         /* unknown type bound */
		{"\x05", 1},                             /* index missing */
	};
	wasmpack_wasm *w = NULL;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CHECK_OK(parse_component_import(good[i].desc, good[i].n, &w));
		int ok = w->imports_count == 1 && !strcmp(w->imports[0].kind, good[i].kind) &&
			 w->imports[0].module == NULL &&
			 !strcmp(w->imports[0].name, "wasi:cli/environment@0.2.0") &&
			 w->wasi == WASMPACK_WASI_PREVIEW2 &&
			 w->capabilities == WASMPACK_CAP_ENVIRONMENT;
		wasmpack_wasm_free(w);
		CHECK(ok);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		w = NULL;
		CHECK_ERR(parse_component_import(bad[i].desc, bad[i].n, &w), WASMPACK_EINVALID);
		CHECK(w == NULL);
	}
}

static void test_wasm__reads_both_component_name_prefixes(void)
{
	wasmpack_wasm *w = NULL;
	bytes b = component();
	bytes payload = {{0}, 0};
	put(&payload, "\x02", 1);
	put(&payload, "\x00", 1);
	put_name(&payload, "wasi:http/types@0.2.0");
	put(&payload, "\x05\x00", 2);
	put(&payload, "\x01", 1); /* the older interface-name prefix */
	put_name(&payload, "wasi:clocks/monotonic-clock@0.2.0");
	put(&payload, "\x05\x01", 2);
	put_section(&b, 10, payload.d, payload.n);
	CHECK_OK(parse_bytes(&w, &b));
	int ok = w->imports_count == 2 &&
		 w->capabilities == (WASMPACK_CAP_NETWORK | WASMPACK_CAP_CLOCKS);
	wasmpack_wasm_free(w);
	CHECK(ok);
	b = component();
	payload.n = 0;
	put(&payload, "\x01\x02", 2);
	put_name(&payload, "x");
	put(&payload, "\x05\x00", 2);
	put_section(&b, 10, payload.d, payload.n);
	CHECK_ERR(parse_bytes(&w, &b), WASMPACK_EINVALID);
	CHECK(strstr(wasmpack_error_last(), "name prefix") != NULL);
}

static int parse_component_export(const void *rest, size_t n, wasmpack_wasm **w)
{
	bytes payload = {{0}, 0}, b = component();
	put(&payload, "\x01\x00", 2);
	put_name(&payload, "wasi:cli/run@0.2.3");
	put(&payload, rest, n);
	put_section(&b, 11, payload.d, payload.n);
	return parse_bytes(w, &b);
}

static void test_wasm__reads_component_exports_with_ascribed_types(void)
{
	static const struct {
		const char *rest;
		size_t n;
		const char *kind;
	} good[] = {
		{"\x05\x00\x00", 3, "instance"},
		{"\x05\x00\x01\x05\x02", 5, "instance"}, /* ascribed instance type */
		{"\x01\x03\x00", 3, "func"},
		{"\x00\x11\x00\x00", 4, "module"},
		{"\x03\x02\x01\x03\x01", 5, "type"},
		{"\x02\x00\x01\x02\x01\x73", 6, "value"},
		{"\x04\x00\x00", 3, "component"},
	};
	static const struct {
		const char *rest;
		size_t n;
	} bad[] = {
		{"\x00\x00\x00\x00", 4},     /* core func export */
		{"\x06\x00\x00", 3},         /* unknown sort */
		{"\x05\x00\x02", 3},         /* optional flag 2 */
		{"\x05\x00\x01\x01\x00", 5}, /* instance export typed as func */
		{"\x05\x00", 2},             /* optional flag missing */
	};
	wasmpack_wasm *w = NULL;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CHECK_OK(parse_component_export(good[i].rest, good[i].n, &w));
		int ok = w->exports_count == 1 && !strcmp(w->exports[0].kind, good[i].kind) &&
			 w->is_command && w->wasi == WASMPACK_WASI_PREVIEW2 && w->capabilities == 0;
		wasmpack_wasm_free(w);
		CHECK(ok);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		w = NULL;
		CHECK_ERR(parse_component_export(bad[i].rest, bad[i].n, &w), WASMPACK_EINVALID);
		CHECK(w == NULL);
	}
}

static void test_wasm__classifies_interface_names_exactly(void)
{
	static const struct {
		const char *name;
		unsigned caps;
	} cases[] = {
		{"wasi:cli/environment", WASMPACK_CAP_ENVIRONMENT},
		{"wasi:cli/environment@0.2.0", WASMPACK_CAP_ENVIRONMENT},
		{"wasi:cli/environments@0.2.0", WASMPACK_CAP_HOST}, /* no such interface */
		{"wasi:cli/exit@0.2.0", WASMPACK_CAP_EXIT},
		{"wasi:cli/stdout@0.2.0", 0},
		{"wasi:sockets/tcp@0.2.0", WASMPACK_CAP_NETWORK},
		{"wasi:random/insecure@0.2.0", WASMPACK_CAP_RANDOM},
		{"wasi:filesystem/types@0.2.0", WASMPACK_CAP_FILESYSTEM},
		{"wasi:clocks/wall-clock@0.2.0", WASMPACK_CAP_CLOCKS},
		{"wasi:io/streams@0.2.0", 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		wasmpack_wasm *w = NULL;
		bytes b = component(), payload = {{0}, 0};
		put(&payload, "\x01\x00", 2);
		put_name(&payload, cases[i].name);
		put(&payload, "\x05\x00", 2);
		put_section(&b, 10, payload.d, payload.n);
		CHECK_OK(parse_bytes(&w, &b));
		unsigned caps = w->capabilities;
		int wasi = w->wasi;
		wasmpack_wasm_free(w);
		if (caps != cases[i].caps || wasi != WASMPACK_WASI_PREVIEW2)
			CHECK_STR(cases[i].name, "(wrong capabilities)");
	}
	/* a non-wasi component is not preview 2; run@ without a version is */
	wasmpack_wasm *w = NULL;
	bytes b = component(), payload = {{0}, 0};
	put(&payload, "\x01\x00", 2);
	put_name(&payload, "wasi:cli/run");
	put(&payload, "\x05\x00\x00", 3);
	put_section(&b, 11, payload.d, payload.n);
	CHECK_OK(parse_bytes(&w, &b));
	int ok = w->is_command && w->wasi == WASMPACK_WASI_PREVIEW2;
	wasmpack_wasm_free(w);
	CHECK(ok);
	b = component();
	payload.n = 0;
	put(&payload, "\x01\x00", 2);
	put_name(&payload, "my:app/run@1.0.0");
	put(&payload, "\x05\x00", 2);
	put_section(&b, 10, payload.d, payload.n);
	CHECK_OK(parse_bytes(&w, &b));
	ok = w->wasi == WASMPACK_WASI_NONE && !w->is_command &&
	     w->capabilities == WASMPACK_CAP_HOST;
	wasmpack_wasm_free(w);
	CHECK(ok);
}

static void test_wasm__preview1_capabilities_follow_the_function(void)
{
	static const struct {
		const char *name;
		unsigned caps;
	} cases[] = {
		{"path_open", WASMPACK_CAP_FILESYSTEM},
		{"fd_readdir", WASMPACK_CAP_FILESYSTEM},
		{"fd_prestat_get", WASMPACK_CAP_FILESYSTEM},
		{"fd_prestat_dir_name", WASMPACK_CAP_FILESYSTEM},
		{"fd_read", 0},
		{"fd_write", 0},
		{"sock_recv", WASMPACK_CAP_NETWORK},
		{"environ_get", WASMPACK_CAP_ENVIRONMENT},
		{"args_sizes_get", WASMPACK_CAP_ENVIRONMENT},
		{"clock_res_get", WASMPACK_CAP_CLOCKS},
		{"poll_oneoff", WASMPACK_CAP_CLOCKS},
		{"random_get", WASMPACK_CAP_RANDOM},
		{"proc_raise", WASMPACK_CAP_EXIT},
		{"sched_yield", 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		wasmpack_wasm *w = NULL;
		bytes b = core_module(), payload = {{0}, 0};
		put(&payload, "\x02", 1);
		put_name(&payload, "wasi_snapshot_preview1");
		put_name(&payload, cases[i].name);
		put(&payload, "\x00\x00", 2);
		put_name(&payload, "env"); /* the same name elsewhere is an unknown host function */
		put_name(&payload, "path_open");
		put(&payload, "\x00\x00", 2);
		put_section(&b, 2, payload.d, payload.n);
		CHECK_OK(parse_bytes(&w, &b));
		unsigned caps = w->capabilities;
		int wasi = w->wasi;
		wasmpack_wasm_free(w);
		if (caps != (cases[i].caps | WASMPACK_CAP_HOST) || wasi != WASMPACK_WASI_PREVIEW1)
			CHECK_STR(cases[i].name, "(wrong capabilities)");
	}
}

static void test_wasm__core_module_importing_wasi_interfaces_is_preview2(void)
{
	wasmpack_wasm *w = NULL;
	bytes b = core_module(), payload = {{0}, 0};
	put(&payload, "\x02", 1);
	put_name(&payload, "wasi:sockets/tcp@0.2.0");
	put_name(&payload, "[method]tcp-socket.start-bind");
	put(&payload, "\x00\x00", 2);
	put_name(&payload, "wasi_snapshot_preview1");
	put_name(&payload, "fd_write");
	put(&payload, "\x00\x00", 2);
	put_section(&b, 2, payload.d, payload.n);
	CHECK_OK(parse_bytes(&w, &b));
	int ok = w->wasi == WASMPACK_WASI_PREVIEW2 && w->capabilities == WASMPACK_CAP_NETWORK;
	wasmpack_wasm_free(w);
	CHECK(ok);
}

/* ------------------------------------------------------ custom sections */

static void test_wasm__rejects_metadata_that_is_not_utf8(void)
{
	wasmpack_wasm *w = NULL;
	bytes b = core_module();
	put_custom(&b, "authors", "a\xff", 2);
	CHECK_ERR(parse_bytes(&w, &b), WASMPACK_EINVALID);
	CHECK(strstr(wasmpack_error_last(), "'authors' section") != NULL);
	b = core_module();
	put_custom(&b, "version", "1\0", 2);
	CHECK_ERR(parse_bytes(&w, &b), WASMPACK_EINVALID);
	/* the same bytes under a name nobody decodes are fine */
	b = core_module();
	put_custom(&b, "authorz", "a\xff", 2);
	CHECK_OK(parse_bytes(&w, &b));
	wasmpack_wasm_free(w);
}

static void test_wasm__later_metadata_section_wins_and_empty_is_kept(void)
{
	wasmpack_wasm *w = NULL;
	bytes b = core_module();
	put_custom(&b, "version", "1.0", 3);
	put_custom(&b, "version", "2.0", 3);
	put_custom(&b, "description", "", 0);
	CHECK_OK(parse_bytes(&w, &b));
	int ok = w->version && !strcmp(w->version, "2.0") && w->description &&
		 !strcmp(w->description, "");
	wasmpack_wasm_free(w);
	CHECK(ok);
}

static void test_wasm__rejects_malformed_producers(void)
{
	wasmpack_wasm *w = NULL;
	bytes b = core_module(), prod = {{0}, 0};
	put(&prod, "\x01", 1);
	put_name(&prod, "language");
	put(&prod, "\x01", 1);
	put_name(&prod, "C");
	put(&prod,
	    "\x05"
	    "1",
	    2); /* version length past the end */
	put_custom(&b, "producers", prod.d, prod.n);
	CHECK_ERR(parse_bytes(&w, &b), WASMPACK_EINVALID);
	b = core_module();
	prod.n = 0;
	put(&prod, "\x01", 1);
	put_name(&prod, "language");
	put(&prod, "\x01", 1);
	put_name(&prod, "C");
	put_name(&prod, "11");
	put(&prod, "\x00", 1); /* trailing */
	put_custom(&b, "producers", prod.d, prod.n);
	CHECK_ERR(parse_bytes(&w, &b), WASMPACK_EINVALID);
	CHECK(strstr(wasmpack_error_last(), "trailing") != NULL);
}

static void test_wasm__malformed_name_section_is_ignored(void)
{
	wasmpack_wasm *w = NULL;
	bytes b = core_module();
	/* subsection 0 claims 9 bytes but 2 follow */
	put_custom(&b, "name",
		   "\x00\x09\x01"
		   "a",
		   4);
	put_custom(&b, "authors", "me", 2);
	CHECK_OK(parse_bytes(&w, &b));
	int ok = w->name == NULL && w->authors && !strcmp(w->authors, "me");
	wasmpack_wasm_free(w);
	CHECK(ok);
	CHECK_STR(wasmpack_error_last(), "");
	/* a well-formed one after a function-names subsection-less start */
	b = core_module();
	put_custom(&b, "name",
		   "\x00\x04\x03"
		   "mod"
		   "\x01\x01\x00",
		   9);
	CHECK_OK(parse_bytes(&w, &b));
	ok = w->name && !strcmp(w->name, "mod");
	wasmpack_wasm_free(w);
	CHECK(ok);
	/* "name" in a component and "component-name" in a module mean nothing */
	b = component();
	put_custom(&b, "name",
		   "\x00\x04\x03"
		   "mod",
		   6);
	CHECK_OK(parse_bytes(&w, &b));
	ok = w->name == NULL;
	wasmpack_wasm_free(w);
	CHECK(ok);
	b = component();
	put_custom(&b, "component-name",
		   "\x00\x04\x03"
		   "cmp",
		   6);
	CHECK_OK(parse_bytes(&w, &b));
	ok = w->name && !strcmp(w->name, "cmp");
	wasmpack_wasm_free(w);
	CHECK(ok);
}

/* ------------------------------------------------------------ big input */

static void test_wasm__refuses_to_decode_an_oversized_section(void)
{
	const size_t big = ((size_t)16 << 20) + 1;
	size_t len = 8 + 1 + 4 + big;
	unsigned char *data = calloc(1, len);
	wasmpack_wasm *w = NULL;
	char path[512];
	CHECK(data != NULL);
	memcpy(data, "\0asm\1\0\0\0", 8);
	data[8] = 7;
	data[9] = (unsigned char)(0x80 | (big & 0x7f));
	data[10] = (unsigned char)(0x80 | ((big >> 7) & 0x7f));
	data[11] = (unsigned char)(0x80 | ((big >> 14) & 0x7f));
	data[12] = (unsigned char)(big >> 21);
	int rc = wasmpack_wasm_parse(&w, data, len);
	free(data);
	CHECK_ERR(rc, WASMPACK_ETOOLARGE);
	/* the same from a (sparse) file: refused before anything is read */
	snprintf(path, sizeof(path), "%s/big.wasm", harness_tmpdir());
	unsigned char head[13] = {0, 'a', 's', 'm', 1, 0, 0, 0, 7};
	memcpy(head + 9,
	       (unsigned char[]){(unsigned char)(0x80 | (big & 0x7f)),
				 (unsigned char)(0x80 | ((big >> 7) & 0x7f)),
				 (unsigned char)(0x80 | ((big >> 14) & 0x7f)),
				 (unsigned char)(big >> 21)},
	       4);
	CHECK_INT(write_file(path, head, sizeof(head)), 0);
	CHECK_INT(truncate(path, (off_t)len), 0);
	CHECK_ERR(wasmpack_wasm_parse_file(&w, path), WASMPACK_ETOOLARGE);
	CHECK(strstr(wasmpack_error_last(), "big.wasm") != NULL);
	/* a huge section nobody decodes is skipped, not read */
	head[8] = 10; /* code */
	CHECK_INT(write_file(path, head, sizeof(head)), 0);
	CHECK_INT(truncate(path, (off_t)len), 0);
	CHECK_OK(wasmpack_wasm_parse_file(&w, path));
	int ok = w->size == len;
	wasmpack_wasm_free(w);
	CHECK(ok);
}

static void test_wasm__parse_file_reports_missing_and_odd_files(void)
{
	wasmpack_wasm *w = NULL;
	char path[512];
	snprintf(path, sizeof(path), "%s/does-not-exist.wasm", harness_tmpdir());
	CHECK_ERR(wasmpack_wasm_parse_file(&w, path), WASMPACK_ENOTFOUND);
	CHECK_ERR(wasmpack_wasm_parse_file(&w, harness_tmpdir()), WASMPACK_EINVALID);
	CHECK(strstr(wasmpack_error_last(), "not a regular file") != NULL);
	snprintf(path, sizeof(path), "%s/empty.wasm", harness_tmpdir());
	CHECK(write_file(path, "", 0) == 0);
	CHECK_ERR(wasmpack_wasm_parse_file(&w, path), WASMPACK_EINVALID);
	CHECK(strstr(wasmpack_error_last(), "empty.wasm") != NULL);
	CHECK(w == NULL);
}

/* --------------------------------------------------- truncation, fuzzing */

/* Offsets where sections end in a well-formed binary: the only prefix
 * lengths that may parse. */
static size_t section_ends(const unsigned char *d, size_t n, size_t *ends, size_t max)
{
	size_t count = 0, off = 8;
	ends[count++] = 8;
	while (off < n && count < max) {
		uint32_t size = 0;
		unsigned shift = 0;
		off++;
		while (d[off] & 0x80) {
			size |= (uint32_t)(d[off++] & 0x7f) << shift;
			shift += 7;
		}
		size |= (uint32_t)d[off++] << shift;
		off += size;
		ends[count++] = off;
	}
	return count;
}

static void check_every_prefix(const char *name)
{
	wasmpack_buf buf = WASMPACK_BUF_INIT;
	size_t ends[1024];
	char path[512];
	if (harness_read_testdata(&buf, name) != 0)
		return;
	size_t nends = section_ends(buf.data, buf.size, ends, 1024);
	snprintf(path, sizeof(path), "%s/prefix.wasm", harness_tmpdir());
	for (size_t len = 0; len < buf.size; len++) {
		wasmpack_wasm *w = NULL;
		int boundary = 0;
		for (size_t i = 0; i < nends; i++)
			boundary |= ends[i] == len;
		int rc = wasmpack_wasm_parse(&w, buf.data, len);
		int ok = boundary ? rc == 0 && w && w->size == len
				  : rc == WASMPACK_EINVALID && w == NULL;
		wasmpack_wasm_free(w);
		/* the file path too, on a sample and on the boundaries */
		if (ok && (boundary || len % 211 == 0)) {
			w = NULL;
			ok = write_file(path, buf.data, len) == 0 &&
			     wasmpack_wasm_parse_file(&w, path) == rc;
			wasmpack_wasm_free(w);
		}
		if (!ok) {
			char detail[64];
			snprintf(detail, sizeof(detail), "%s truncated to %zu bytes", name, len);
			wasmpack_buf_dispose(&buf);
			CHECK_STR(detail, "(parsed wrongly)");
			return;
		}
	}
	wasmpack_buf_dispose(&buf);
}
/* Failures inside report the calling test's line. */
#define check_every_prefix(...) AT_VOID(check_every_prefix(__VA_ARGS__))

static void test_wasm__every_truncation_of_hello_fails_cleanly(void)
{
	check_every_prefix("hello.wasm");
}

static void test_wasm__every_truncation_of_fixtures_fails_cleanly(void)
{
	check_every_prefix("hello.component.wasm");
	check_every_prefix("metadata.wasm");
	check_every_prefix("kinds.wasm");
	check_every_prefix("kinds.component.wasm");
}

static uint64_t rng_state;

static uint32_t rng(void)
{
	/* xorshift64*: deterministic across platforms */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1DULL) >> 32);
}

/* Flips bytes of a real binary; every result must be a clean success or a
 * clean error, and the file path must agree on a sample. Mutations land
 * mostly in the first bytes, where the decoded sections of small fixtures
 * and the section headers are. */
static void fuzz_fixture(const char *name, unsigned rounds, uint64_t seed)
{
	wasmpack_buf buf = WASMPACK_BUF_INIT;
	char path[512];
	if (harness_read_testdata(&buf, name) != 0)
		return;
	unsigned char *copy = malloc(buf.size);
	CHECK(copy != NULL);
	snprintf(path, sizeof(path), "%s/fuzz.wasm", harness_tmpdir());
	rng_state = seed;
	for (unsigned r = 0; r < rounds; r++) {
		memcpy(copy, buf.data, buf.size);
		unsigned flips = 1 + rng() % 4;
		size_t window = buf.size < 1024 ? buf.size : 1024;
		for (unsigned k = 0; k < flips; k++) {
			size_t at = (rng() % 3 == 0) ? rng() % buf.size : rng() % window;
			switch (rng() % 3) {
			case 0: copy[at] ^= (unsigned char)(1u << (rng() % 8)); break;
			case 1: copy[at] = (unsigned char)rng(); break;
			default: copy[at] = (rng() & 1) ? 0xff : 0x80; break;
			}
		}
		wasmpack_wasm *w = NULL;
		int rc = wasmpack_wasm_parse(&w, copy, buf.size);
		int ok = rc == 0 ? w != NULL
				 : (rc == WASMPACK_EINVALID || rc == WASMPACK_ETOOLARGE) && !w;
		if (ok && rc == 0)
			ok = w->size == buf.size && w->kind != 0;
		if (ok && r % 97 == 0) {
			wasmpack_wasm *f = NULL;
			ok = write_file(path, copy, buf.size) == 0 &&
			     wasmpack_wasm_parse_file(&f, path) == rc &&
			     (rc != 0 || same_wasm(w, f));
			wasmpack_wasm_free(f);
		}
		wasmpack_wasm_free(w);
		if (!ok) {
			char detail[96];
			snprintf(detail, sizeof(detail), "%s mutation %u rc %d", name, r, rc);
			free(copy);
			wasmpack_buf_dispose(&buf);
			CHECK_STR(detail, "(parsed wrongly)");
			return;
		}
	}
	free(copy);
	wasmpack_buf_dispose(&buf);
}
/* Failures inside report the calling test's line. */
#define fuzz_fixture(...) AT_VOID(fuzz_fixture(__VA_ARGS__))

static void test_wasm__random_byte_flips_never_crash(void)
{
	fuzz_fixture("hello.wasm", 3000, 0x9e3779b97f4a7c15ULL);
	fuzz_fixture("metadata.wasm", 2000, 0x0123456789abcdefULL);
	fuzz_fixture("kinds.wasm", 1000, 0xfeedfacecafebeefULL);
	fuzz_fixture("hello.component.wasm", 1500, 0x5151515151515151ULL);
	fuzz_fixture("kinds.component.wasm", 1500, 0x2468ace013579bdfULL);
}

const test_case wasm_tests[] = {
	TEST_ENTRY(test_wasm__hello_is_a_preview1_command_using_env_and_exit),
	TEST_ENTRY(test_wasm__files_reaches_the_filesystem),
	TEST_ENTRY(test_wasm__clock_random_reaches_clocks_and_random_only),
	TEST_ENTRY(test_wasm__sock_accept_means_network),
	TEST_ENTRY(test_wasm__reactor_with_wasi_unstable_is_preview1),
	TEST_ENTRY(test_wasm__module_without_imports_has_no_wasi),
	TEST_ENTRY(test_wasm__reads_every_core_import_and_export_kind),
	TEST_ENTRY(test_wasm__reads_name_producers_and_wasm_metadata),
	TEST_ENTRY(test_wasm__hello_component_is_a_preview2_command),
	TEST_ENTRY(test_wasm__reads_every_component_extern_kind),
	TEST_ENTRY(test_wasm__parse_file_matches_parse_on_every_fixture),
	TEST_ENTRY(test_wasm__capability_names_round_trip),
	TEST_ENTRY(test_wasm__rejects_empty_and_foreign_input),
	TEST_ENTRY(test_wasm__rejects_unknown_versions_and_layers),
	TEST_ENTRY(test_wasm__empty_module_and_component_are_valid),
	TEST_ENTRY(test_wasm__rejects_section_size_past_end),
	TEST_ENTRY(test_wasm__rejects_malformed_leb128),
	TEST_ENTRY(test_wasm__rejects_huge_vector_counts_at_once),
	TEST_ENTRY(test_wasm__rejects_names_that_are_not_utf8),
	TEST_ENTRY(test_wasm__rejects_trailing_bytes),
	TEST_ENTRY(test_wasm__rejects_unknown_and_misordered_sections),
	TEST_ENTRY(test_wasm__reads_core_import_descriptors),
	TEST_ENTRY(test_wasm__rejects_unknown_core_export_kind),
	TEST_ENTRY(test_wasm__rejects_names_with_nul_bytes),
	TEST_ENTRY(test_wasm__reads_component_extern_descriptors),
	TEST_ENTRY(test_wasm__reads_both_component_name_prefixes),
	TEST_ENTRY(test_wasm__reads_component_exports_with_ascribed_types),
	TEST_ENTRY(test_wasm__classifies_interface_names_exactly),
	TEST_ENTRY(test_wasm__preview1_capabilities_follow_the_function),
	TEST_ENTRY(test_wasm__core_module_importing_wasi_interfaces_is_preview2),
	TEST_ENTRY(test_wasm__rejects_metadata_that_is_not_utf8),
	TEST_ENTRY(test_wasm__later_metadata_section_wins_and_empty_is_kept),
	TEST_ENTRY(test_wasm__rejects_malformed_producers),
	TEST_ENTRY(test_wasm__malformed_name_section_is_ignored),
	TEST_ENTRY(test_wasm__refuses_to_decode_an_oversized_section),
	TEST_ENTRY(test_wasm__parse_file_reports_missing_and_odd_files),
	TEST_ENTRY(test_wasm__every_truncation_of_hello_fails_cleanly),
	TEST_ENTRY(test_wasm__every_truncation_of_fixtures_fails_cleanly),
	TEST_ENTRY(test_wasm__random_byte_flips_never_crash),
	TEST_END,
};
