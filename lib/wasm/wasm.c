/* Reading WebAssembly modules and components as a packer needs them: the
 * section structure, imports, exports, metadata custom sections, and what
 * the imports say about WASI and capabilities. */
#include "wasmpack/wasm.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/error.h"
#include "wasm/policy.h"
#include "wasm/reader.h"

/* The most bytes of one section we decode (imports, exports, metadata);
 * real ones are a few KiB, so anything this large is hostile. */
#define WASM_SECTION_MAX ((size_t)16 << 20)

/* Where the bytes come from: a caller's buffer, or a file read piece by
 * piece so that code and data sections are never loaded. */
typedef struct source {
	const unsigned char *data; /* whole binary, or NULL for a file */
	int fd;
	const char *path;
	uint64_t size;
} source;

typedef struct parser {
	wasmpack_wasm *w;
	size_t imports_cap;
	size_t exports_cap;
	int last_core_order; /* position of the last non-custom core section */
} parser;

/* ---------------------------------------------------------------- source */

/* Gives the len bytes at off (inside the binary, checked by the caller):
 * borrowed from the buffer, or read from the file into *owned. */
static int source_get(const source *src, uint64_t off, size_t len, const unsigned char **out,
		      unsigned char **owned)
{
	*owned = NULL;
	if (src->data) {
		*out = src->data + off;
		return 0;
	}
	unsigned char *buf = malloc(len ? len : 1);
	if (!buf)
		return wp_error_nomem();
	size_t got = 0;
	while (got < len) {
		ssize_t n = pread(src->fd, buf + got, len - got, (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int error = n < 0 ? wp_error_os("read", src->path)
					  : wp_error(WASMPACK_EIO,
						     "cannot read '%s': file shrank while reading",
						     src->path);
			free(buf);
			return error;
		}
		got += (size_t)n;
	}
	*out = buf;
	*owned = buf;
	return 0;
}

/* -------------------------------------------------------------- building */

static int push_extern(wasmpack_wasm_extern **items, size_t *count, size_t *cap, char *module,
		       char *name, const char *kind)
{
	if (*count == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		wasmpack_wasm_extern *grown = realloc(*items, ncap * sizeof(**items));
		if (!grown) {
			free(module);
			free(name);
			return wp_error_nomem();
		}
		*items = grown;
		*cap = ncap;
	}
	(*items)[*count].module = module;
	(*items)[*count].name = name;
	(*items)[*count].kind = kind;
	(*count)++;
	return 0;
}

/* ------------------------------------------------------- core type parts */

/* Heap types: a type index, or one of the abstract types of the function
 * references and GC proposals (nofunc 0x73 down to exn 0x69, noexn 0x74). */
static int read_heaptype(wp_cursor *c)
{
	uint64_t at = wp_cursor_offset(c);
	int64_t v = 0;
	int error = wp_cursor_s33(c, &v);
	if (error)
		return error;
	if (v >= 0)
		return 0;
	if (v >= -64) {
		int code = (int)(v + 128);
		if (code >= 0x69 && code <= 0x74)
			return 0;
	}
	return wp_wasm_fail(at, "unknown heap type");
}

static int read_reftype(wp_cursor *c)
{
	uint64_t at = wp_cursor_offset(c);
	uint8_t b = 0;
	int error = wp_cursor_byte(c, &b);
	if (error)
		return error;
	if (b == 0x63 || b == 0x64) /* (ref null ht) / (ref ht) */
		return read_heaptype(c);
	if (b >= 0x69 && b <= 0x74) /* funcref, externref and GC shorthands */
		return 0;
	return wp_wasm_fail(at, "unknown reference type");
}

static int read_valtype(wp_cursor *c)
{
	if (c->p < c->end && *c->p >= 0x7b && *c->p <= 0x7f) { /* i32..v128 */
		c->p++;
		return 0;
	}
	return read_reftype(c);
}

/* Limits of tables and memories. Flag bits: 0x01 max present, 0x02 shared
 * (threads), 0x04 64-bit (memory64 / table64), 0x08 custom page size
 * (memories only). */
static int read_limits(wp_cursor *c, int is_memory)
{
	uint64_t at = wp_cursor_offset(c);
	uint8_t flags = 0;
	uint64_t v64 = 0;
	uint32_t v32 = 0;
	int error = wp_cursor_byte(c, &flags);
	if (error)
		return error;
	if (flags & ~(is_memory ? 0x0f : 0x07))
		return wp_wasm_fail(at, "invalid limits flags");
	for (int i = 0; i < ((flags & 0x01) ? 2 : 1) && !error; i++)
		error = (flags & 0x04) ? wp_cursor_u64(c, &v64) : wp_cursor_u32(c, &v32);
	if (!error && (flags & 0x08))
		error = wp_cursor_u32(c, &v32);
	return error;
}

/* ----------------------------------------------------------- core module */

static const char *const core_kinds[] = {"func", "table", "memory", "global", "tag"};

static int read_core_importdesc(wp_cursor *c, const char **kind)
{
	uint64_t at = wp_cursor_offset(c);
	uint8_t b = 0;
	uint32_t idx = 0;
	int error = wp_cursor_byte(c, &b);
	if (error)
		return error;
	switch (b) {
	case 0x00: error = wp_cursor_u32(c, &idx); break;
	case 0x01:
		error = read_reftype(c);
		if (!error)
			error = read_limits(c, 0);
		break;
	case 0x02: error = read_limits(c, 1); break;
	case 0x03: {
		uint8_t mut = 0;
		error = read_valtype(c);
		if (!error) {
			uint64_t mat = wp_cursor_offset(c);
			error = wp_cursor_byte(c, &mut);
			if (!error && mut > 1)
				error = wp_wasm_fail(mat, "invalid global mutability");
		}
		break;
	}
	case 0x04: {
		uint8_t attr = 0;
		error = wp_cursor_byte(c, &attr);
		if (!error && attr != 0)
			error = wp_wasm_fail(at + 1, "invalid tag attribute");
		if (!error)
			error = wp_cursor_u32(c, &idx);
		break;
	}
	default: return wp_wasm_fail(at, "unknown import kind");
	}
	if (!error)
		*kind = core_kinds[b];
	return error;
}

static int decode_core_imports(parser *ps, wp_cursor *c)
{
	wasmpack_wasm *w = ps->w;
	uint32_t n = 0;
	int error = wp_cursor_count(c, 4, &n);
	for (uint32_t i = 0; i < n && !error; i++) {
		char *module = NULL, *name = NULL;
		const char *kind = NULL;
		error = wp_cursor_name_dup(c, &module);
		if (!error)
			error = wp_cursor_name_dup(c, &name);
		if (!error)
			error = read_core_importdesc(c, &kind);
		if (!error) {
			error = push_extern(&w->imports, &w->imports_count, &ps->imports_cap,
					    module, name, kind);
		} else {
			free(module);
			free(name);
		}
	}
	return error;
}

static int decode_core_exports(parser *ps, wp_cursor *c)
{
	wasmpack_wasm *w = ps->w;
	uint32_t n = 0;
	int error = wp_cursor_count(c, 3, &n);
	for (uint32_t i = 0; i < n && !error; i++) {
		char *name = NULL;
		uint8_t k = 0;
		uint32_t idx = 0;
		uint64_t at = 0;
		error = wp_cursor_name_dup(c, &name);
		if (!error) {
			at = wp_cursor_offset(c);
			error = wp_cursor_byte(c, &k);
		}
		if (!error && k >= sizeof(core_kinds) / sizeof(core_kinds[0]))
			error = wp_wasm_fail(at, "unknown export kind");
		if (!error)
			error = wp_cursor_u32(c, &idx);
		if (!error)
			error = push_extern(&w->exports, &w->exports_count, &ps->exports_cap, NULL,
					    name, core_kinds[k]);
		else
			free(name);
	}
	return error;
}

/* ------------------------------------------------------------- component */

/* valtype: a type index (non-negative s33) or a primitive value type
 * (bool 0x7f .. string 0x73, and error-context 0x64 of the async work). */
static int read_component_valtype(wp_cursor *c)
{
	uint64_t at = wp_cursor_offset(c);
	int64_t v = 0;
	int error = wp_cursor_s33(c, &v);
	if (error)
		return error;
	if (v >= 0)
		return 0;
	if (v >= -64) {
		int code = (int)(v + 128);
		if ((code >= 0x73 && code <= 0x7f) || code == 0x64)
			return 0;
	}
	return wp_wasm_fail(at, "unknown value type");
}

static int read_externdesc(wp_cursor *c, const char **kind)
{
	uint64_t at = wp_cursor_offset(c);
	uint8_t b = 0, sub = 0;
	uint32_t idx = 0;
	int error = wp_cursor_byte(c, &b);
	if (error)
		return error;
	switch (b) {
	case 0x00: /* core module: 0x00 0x11 core:typeidx */
		error = wp_cursor_byte(c, &sub);
		if (!error && sub != 0x11)
			error = wp_wasm_fail(at + 1, "unknown core extern kind");
		if (!error)
			error = wp_cursor_u32(c, &idx);
		*kind = "module";
		break;
	case 0x01:
		error = wp_cursor_u32(c, &idx);
		*kind = "func";
		break;
	case 0x02: /* valuebound: (eq valueidx) or a valtype */
		error = wp_cursor_byte(c, &sub);
		if (!error && sub == 0x00)
			error = wp_cursor_u32(c, &idx);
		else if (!error && sub == 0x01)
			error = read_component_valtype(c);
		else if (!error)
			error = wp_wasm_fail(at + 1, "unknown value bound");
		*kind = "value";
		break;
	case 0x03: /* typebound: (eq typeidx) or (sub resource) */
		error = wp_cursor_byte(c, &sub);
		if (!error && sub == 0x00)
			error = wp_cursor_u32(c, &idx);
		else if (!error && sub != 0x01)
			error = wp_wasm_fail(at + 1, "unknown type bound");
		*kind = "type";
		break;
	case 0x04:
		error = wp_cursor_u32(c, &idx);
		*kind = "component";
		break;
	case 0x05:
		error = wp_cursor_u32(c, &idx);
		*kind = "instance";
		break;
	default: return wp_wasm_fail(at, "unknown extern kind");
	}
	return error;
}

/* importname' / exportname': 0x00 then the name. wasm-tools also reads (and
 * older encoders wrote) 0x01 for interface names, with the same layout. */
static int read_extern_name(wp_cursor *c, char **out)
{
	uint64_t at = wp_cursor_offset(c);
	uint8_t b = 0;
	int error = wp_cursor_byte(c, &b);
	if (error)
		return error;
	if (b > 0x01)
		return wp_wasm_fail(at, "unknown import/export name prefix");
	return wp_cursor_name_dup(c, out);
}

static int decode_component_imports(parser *ps, wp_cursor *c)
{
	wasmpack_wasm *w = ps->w;
	uint32_t n = 0;
	int error = wp_cursor_count(c, 4, &n);
	for (uint32_t i = 0; i < n && !error; i++) {
		char *name = NULL;
		const char *kind = NULL;
		error = read_extern_name(c, &name);
		if (!error)
			error = read_externdesc(c, &kind);
		if (!error)
			error = push_extern(&w->imports, &w->imports_count, &ps->imports_cap, NULL,
					    name, kind);
		else
			free(name);
	}
	return error;
}

/* sort of a component export. Of the core sorts only `core module` may be
 * exported (Binary.md, "Import and Export Definitions"). */
static int read_export_sort(wp_cursor *c, const char **kind)
{
	static const char *const sorts[] = {NULL, "func", "value", "type", "component", "instance"};
	uint64_t at = wp_cursor_offset(c);
	uint8_t b = 0, core = 0;
	int error = wp_cursor_byte(c, &b);
	if (error)
		return error;
	if (b == 0x00) {
		error = wp_cursor_byte(c, &core);
		if (error)
			return error;
		if (core != 0x11)
			return wp_wasm_fail(at,
					    "only core modules may be exported from a component");
		*kind = "module";
		return 0;
	}
	if (b >= sizeof(sorts) / sizeof(sorts[0]))
		return wp_wasm_fail(at, "unknown export sort");
	*kind = sorts[b];
	return 0;
}

static int decode_component_exports(parser *ps, wp_cursor *c)
{
	wasmpack_wasm *w = ps->w;
	uint32_t n = 0;
	int error = wp_cursor_count(c, 5, &n);
	for (uint32_t i = 0; i < n && !error; i++) {
		char *name = NULL;
		const char *kind = NULL, *ascribed = NULL;
		uint32_t idx = 0;
		uint8_t has_type = 0;
		uint64_t at = 0;
		error = read_extern_name(c, &name);
		if (!error)
			error = read_export_sort(c, &kind);
		if (!error)
			error = wp_cursor_u32(c, &idx);
		if (!error) {
			at = wp_cursor_offset(c);
			error = wp_cursor_byte(c, &has_type);
		}
		if (!error && has_type > 1)
			error = wp_wasm_fail(at, "invalid optional export type");
		if (!error && has_type == 1) {
			error = read_externdesc(c, &ascribed);
			if (!error && strcmp(ascribed, kind) != 0)
				error = wp_wasm_fail(at + 1, "export type does not match its sort");
		}
		if (!error)
			error = push_extern(&w->exports, &w->exports_count, &ps->exports_cap, NULL,
					    name, kind);
		else
			free(name);
	}
	return error;
}

/* -------------------------------------------------------- custom sections */

/* The wasm-metadata sections that each hold one raw UTF-8 string. */
static char **metadata_field(wasmpack_wasm *w, const unsigned char *name, size_t len)
{
	static const struct {
		const char *name;
		size_t offset;
	} fields[] = {
		{"authors", offsetof(wasmpack_wasm, authors)},
		{"description", offsetof(wasmpack_wasm, description)},
		{"licenses", offsetof(wasmpack_wasm, licenses)},
		{"source", offsetof(wasmpack_wasm, source)},
		{"homepage", offsetof(wasmpack_wasm, homepage)},
		{"revision", offsetof(wasmpack_wasm, revision)},
		{"version", offsetof(wasmpack_wasm, version)},
	};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (strlen(fields[i].name) == len && !memcmp(fields[i].name, name, len))
			return (char **)((char *)w + fields[i].offset);
	return NULL;
}

static int name_is(const unsigned char *name, size_t len, const char *want)
{
	return strlen(want) == len && !memcmp(name, want, len);
}

static int is_name_section(const wasmpack_wasm *w, const unsigned char *name, size_t len)
{
	return name_is(name, len, w->kind == WASMPACK_WASM_COMPONENT ? "component-name" : "name");
}

/* Which custom sections get decoded; the others are only framed. */
static int custom_is_decoded(const wasmpack_wasm *w, const unsigned char *name, size_t len)
{
	return is_name_section(w, name, len) || name_is(name, len, "producers") ||
	       metadata_field((wasmpack_wasm *)w, name, len) != NULL;
}

static int decode_metadata_string(wp_cursor *c, const char *section, char **slot)
{
	uint64_t at = wp_cursor_offset(c);
	size_t n = wp_cursor_left(c);
	char msg[96];
	if (!wp_utf8_valid(c->p, n) || memchr(c->p, 0, n)) {
		snprintf(msg, sizeof(msg), "'%s' section is not valid UTF-8 text", section);
		return wp_wasm_fail(at, msg);
	}
	char *s = malloc(n + 1);
	if (!s)
		return wp_error_nomem();
	memcpy(s, c->p, n);
	s[n] = '\0';
	c->p += n;
	/* A repeated section replaces the earlier one, as a later writer's
	 * value is the one meant. */
	free(*slot);
	*slot = s;
	return 0;
}

/* producers: vec(field name, vec(name, version)) (tool-conventions
 * ProducersSection.md). Repeated sections add to the list. */
static int decode_producers(parser *ps, wp_cursor *c)
{
	wasmpack_wasm *w = ps->w;
	uint32_t nfields = 0;
	int error = wp_cursor_count(c, 2, &nfields);
	for (uint32_t f = 0; f < nfields && !error; f++) {
		char *field = NULL;
		uint32_t nvalues = 0;
		error = wp_cursor_name_dup(c, &field);
		if (!error)
			error = wp_cursor_count(c, 2, &nvalues);
		for (uint32_t v = 0; v < nvalues && !error; v++) {
			wasmpack_wasm_producer p = {NULL, NULL, NULL};
			error = wp_cursor_name_dup(c, &p.name);
			if (!error)
				error = wp_cursor_name_dup(c, &p.version);
			if (!error && !(p.field = strdup(field)))
				error = wp_error_nomem();
			if (!error) {
				wasmpack_wasm_producer *grown = realloc(
					w->producers, (w->producers_count + 1) * sizeof(*grown));
				if (!grown)
					error = wp_error_nomem();
				else
					w->producers = grown;
			}
			if (error) {
				free(p.field);
				free(p.name);
				free(p.version);
				break;
			}
			w->producers[w->producers_count++] = p;
		}
		free(field);
	}
	return error;
}

/* The `name` section of a module or the `component-name` section of a
 * component: subsections (id, size, bytes); id 0 holds the name. */
static int decode_name_section(parser *ps, wp_cursor *c)
{
	int error = 0;
	while (wp_cursor_left(c) > 0 && !error) {
		uint8_t id = 0;
		uint32_t size = 0;
		const unsigned char *body = NULL;
		uint64_t body_at = 0;
		error = wp_cursor_byte(c, &id);
		if (!error)
			error = wp_cursor_u32(c, &size);
		if (!error) {
			body_at = wp_cursor_offset(c);
			error = wp_cursor_bytes(c, size, &body);
		}
		if (!error && id == 0) {
			wp_cursor sub;
			char *name = NULL;
			wp_cursor_init(&sub, body, size, body_at);
			error = wp_cursor_name_dup(&sub, &name);
			if (!error && wp_cursor_left(&sub) != 0)
				error = wp_wasm_fail(wp_cursor_offset(&sub),
						     "trailing bytes in name subsection");
			if (!error) {
				free(ps->w->name);
				ps->w->name = name;
			} else {
				free(name);
			}
		}
		if (!error && id == 0)
			break; /* the later subsections name functions etc. */
	}
	return error;
}

static int decode_custom(parser *ps, const unsigned char *name, size_t name_len, wp_cursor *c)
{
	char **slot = metadata_field(ps->w, name, name_len);
	if (slot) {
		char section[16];
		snprintf(section, sizeof(section), "%.*s", (int)name_len, (const char *)name);
		return decode_metadata_string(c, section, slot);
	}
	if (name_is(name, name_len, "producers"))
		return decode_producers(ps, c);
	/* Engines must accept a malformed name section (core spec appendix,
	 * Binary.md "Name Section"), so a packer does too: the name is then
	 * left unset. Running out of memory is still an error. */
	int error = decode_name_section(ps, c);
	if (error == WASMPACK_EINVALID) {
		wasmpack_error_clear();
		c->p = c->end;
		return 0;
	}
	if (!error)
		c->p = c->end;
	return error;
}

/* ------------------------------------------------------------- sections */

/* The order non-custom core sections must come in (tag, id 13, sits between
 * memory and global; data count, id 12, before code). Index = id. */
static const int core_section_order[] = {
	[1] = 1, [2] = 2, [3] = 3,  [4] = 4,   [5] = 5,   [13] = 6,  [6] = 7,
	[7] = 8, [8] = 9, [9] = 10, [12] = 11, [10] = 12, [11] = 13,
};

static int decode_section(parser *ps, uint8_t id, wp_cursor *c)
{
	int component = ps->w->kind == WASMPACK_WASM_COMPONENT;
	if (!component && id == 2)
		return decode_core_imports(ps, c);
	if (!component && id == 7)
		return decode_core_exports(ps, c);
	if (component && id == 10)
		return decode_component_imports(ps, c);
	if (component && id == 11)
		return decode_component_exports(ps, c);
	return 0;
}

static int section_is_decoded(const wasmpack_wasm *w, uint8_t id)
{
	if (w->kind == WASMPACK_WASM_COMPONENT)
		return id == 10 || id == 11;
	return id == 2 || id == 7;
}

static int too_large(uint64_t at, const char *what, uint64_t size)
{
	return wp_error(WASMPACK_ETOOLARGE,
			"wasm %s at offset 0x%" PRIx64 " is too large to read (%" PRIu64
			" bytes, limit %zu)",
			what, at, size, WASM_SECTION_MAX);
}

/* Reads a section's bytes [off, off+len) and decodes them as section id
 * (or, for a custom section, as the named one); all must be consumed. */
static int load_and_decode(parser *ps, const source *src, uint8_t id, const unsigned char *custom,
			   size_t custom_len, uint64_t off, uint64_t len, uint64_t section_at)
{
	const unsigned char *bytes = NULL;
	unsigned char *owned = NULL;
	wp_cursor c;
	int error = 0;
	if (len > WASM_SECTION_MAX)
		return too_large(section_at, "section", len);
	error = source_get(src, off, (size_t)len, &bytes, &owned);
	if (error)
		goto done;
	wp_cursor_init(&c, bytes, (size_t)len, off);
	error = id == 0 ? decode_custom(ps, custom, custom_len, &c) : decode_section(ps, id, &c);
	if (!error && wp_cursor_left(&c) != 0)
		error = wp_wasm_fail(wp_cursor_offset(&c), "trailing bytes in section");
done:
	free(owned);
	return error;
}

/* A custom section: its name is always read and checked; its contents only
 * when it is one we decode. */
static int handle_custom(parser *ps, const source *src, uint64_t off, uint64_t len,
			 uint64_t section_at)
{
	const unsigned char *head = NULL, *name = NULL;
	unsigned char *head_owned = NULL, *name_owned = NULL;
	size_t head_len = len < 5 ? (size_t)len : 5;
	uint32_t name_len = 0;
	uint64_t name_at = 0, body_len = 0;
	wp_cursor c;
	int error = source_get(src, off, head_len, &head, &head_owned);
	if (error)
		goto done;
	wp_cursor_init(&c, head, head_len, off);
	error = wp_cursor_u32(&c, &name_len);
	if (error)
		goto done;
	name_at = wp_cursor_offset(&c);
	if (name_len > off + len - name_at) {
		error = wp_wasm_fail(off, "custom section name past section end");
		goto done;
	}
	if (name_len > WASM_SECTION_MAX) {
		error = too_large(section_at, "custom section name", name_len);
		goto done;
	}
	error = source_get(src, name_at, name_len, &name, &name_owned);
	if (error)
		goto done;
	if (!wp_utf8_valid(name, name_len)) {
		error = wp_wasm_fail(name_at, "name is not valid UTF-8");
		goto done;
	}
	body_len = off + len - name_at - name_len;
	/* Debug names of a huge module can pass the limit; only the first
	 * subsection matters and a name is optional, so do without it. */
	if (is_name_section(ps->w, name, name_len) && body_len > WASM_SECTION_MAX)
		goto done;
	if (custom_is_decoded(ps->w, name, name_len))
		error = load_and_decode(ps, src, 0, name, name_len, name_at + name_len, body_len,
					section_at);
done:
	free(head_owned);
	free(name_owned);
	return error;
}

static int read_header(wasmpack_wasm *w, const source *src)
{
	static const unsigned char magic[4] = {0x00, 0x61, 0x73, 0x6d};
	const unsigned char *h = NULL;
	unsigned char *owned = NULL;
	size_t n = src->size < 8 ? (size_t)src->size : 8;
	int error = source_get(src, 0, n, &h, &owned);
	if (error)
		return error;
	unsigned version = n == 8 ? (unsigned)(h[4] | h[5] << 8) : 0;
	unsigned layer = n == 8 ? (unsigned)(h[6] | h[7] << 8) : 0;
	/* No magic, no wasm at all: a reason of its own, not a broken module. */
	if (n == 0) {
		wp_wasm_fail(0, "empty input");
		error = wp_error_set_reason(0, WASMPACK_REASON_NOT_WASM);
	} else if (n < 4 || memcmp(h, magic, 4) != 0) {
		wp_wasm_fail(0, "not a WebAssembly binary (bad magic number)");
		error = wp_error_set_reason(0, WASMPACK_REASON_NOT_WASM);
	} else if (n < 8)
		error = wp_wasm_fail(4, "truncated header");
	else if (layer == 0 && version == 1)
		w->kind = WASMPACK_WASM_MODULE;
	else if (layer == 1 && version == 0x0d)
		w->kind = WASMPACK_WASM_COMPONENT;
	else if (layer == 0)
		error = wp_error(
			WASMPACK_EINVALID,
			"invalid wasm at offset 0x4: unsupported core module version %u (only 1 is known)",
			version);
	else if (layer == 1)
		error = wp_error(
			WASMPACK_EINVALID,
			"invalid wasm at offset 0x4: unsupported component binary version 0x%x (only 0xd is known)",
			version);
	else
		error = wp_error(
			WASMPACK_EINVALID,
			"invalid wasm at offset 0x6: unknown layer %u (0 = module, 1 = component)",
			layer);
	free(owned);
	return error;
}

static int walk_sections(parser *ps, const source *src)
{
	wasmpack_wasm *w = ps->w;
	uint64_t off = 8;
	int error = 0;
	while (off < src->size && !error) {
		const unsigned char *head = NULL;
		unsigned char *owned = NULL;
		uint64_t left = src->size - off;
		size_t head_len = left < 6 ? (size_t)left : 6;
		uint8_t id = 0;
		uint32_t size = 0;
		wp_cursor c;
		error = source_get(src, off, head_len, &head, &owned);
		if (error)
			break;
		wp_cursor_init(&c, head, head_len, off);
		error = wp_cursor_byte(&c, &id);
		if (!error)
			error = wp_cursor_u32(&c, &size);
		uint64_t payload = wp_cursor_offset(&c);
		free(owned);
		if (error)
			break;
		if (size > src->size - payload) {
			error = wp_wasm_fail(off + 1, "section size past end");
			break;
		}
		if (w->kind == WASMPACK_WASM_MODULE && id != 0) {
			int order = id < sizeof(core_section_order) / sizeof(core_section_order[0])
					    ? core_section_order[id]
					    : 0;
			if (!order)
				error = wp_wasm_fail(off, "unknown section id");
			else if (order <= ps->last_core_order)
				error = wp_wasm_fail(off, "section out of order or repeated");
			ps->last_core_order = order;
		} else if (w->kind == WASMPACK_WASM_COMPONENT && id > 12) {
			error = wp_wasm_fail(off, "unknown section id");
		}
		if (!error && id == 0)
			error = handle_custom(ps, src, payload, size, off);
		else if (!error && section_is_decoded(w, id))
			error = load_and_decode(ps, src, id, NULL, 0, payload, size, off);
		off = payload + size;
	}
	return error;
}

/* --------------------------------------------------------- classification */

static int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* An interface name "ns:pkg/iface", optionally followed by "@version". */
static int is_interface(const char *name, const char *iface)
{
	size_t n = strlen(iface);
	return strncmp(name, iface, n) == 0 && (name[n] == '\0' || name[n] == '@');
}

unsigned wasmpack_wasm_import_capability(const wasmpack_wasm_extern *import)
{
	return wp_wasm_import_capability(import);
}

/* WASI version and capabilities come from the imports alone: what a module
 * does not import it cannot reach. A core module importing `wasi:` modules
 * directly (wasm32-wasip2 output before componentization) counts as
 * preview 2, which then wins over any preview 1 imports beside it. */
static void classify(wasmpack_wasm *w)
{
	int p1 = 0, p2 = 0;
	for (size_t i = 0; i < w->imports_count; i++) {
		const wasmpack_wasm_extern *e = &w->imports[i];
		wasmpack_wasi_version v = wp_wasm_import_wasi(e);
		p1 |= v == WASMPACK_WASI_PREVIEW1;
		p2 |= v == WASMPACK_WASI_PREVIEW2;
		w->capabilities |= wp_wasm_import_capability(e);
	}
	for (size_t i = 0; i < w->exports_count; i++) {
		const wasmpack_wasm_extern *e = &w->exports[i];
		if (w->kind == WASMPACK_WASM_COMPONENT) {
			if (starts_with(e->name, "wasi:"))
				p2 = 1;
			if (is_interface(e->name, "wasi:cli/run"))
				w->is_command = 1;
		} else if (!strcmp(e->kind, "func")) {
			if (!strcmp(e->name, "_start"))
				w->is_command = 1;
			else if (!strcmp(e->name, "_initialize"))
				w->is_reactor = 1;
		}
	}
	w->wasi = p2 ? WASMPACK_WASI_PREVIEW2 : p1 ? WASMPACK_WASI_PREVIEW1 : WASMPACK_WASI_NONE;
}

/* ------------------------------------------------------------------ api */

static int parse_source(wasmpack_wasm **out, const source *src)
{
	parser ps = {NULL, 0, 0, 0};
	int error = 0;
	*out = NULL;
	ps.w = calloc(1, sizeof(*ps.w));
	if (!ps.w)
		return wp_error_nomem();
	ps.w->size = src->size;
	error = read_header(ps.w, src);
	if (!error)
		error = walk_sections(&ps, src);
	if (error)
		goto done;
	classify(ps.w);
	*out = ps.w;
	ps.w = NULL;
done:
	wasmpack_wasm_free(ps.w);
	return error;
}

int wasmpack_wasm_parse(wasmpack_wasm **out, const void *data, size_t len)
{
	static const unsigned char empty[1];
	source src = {data ? data : empty, -1, NULL, data ? len : 0};
	if (!out)
		return wp_error_arg("wasmpack_wasm_parse: out is NULL");
	return parse_source(out, &src);
}

int wp_wasm_parse_fd(wasmpack_wasm **out, int fd, const char *what)
{
	source src = {NULL, fd, what, 0};
	struct stat st;
	*out = NULL;
	if (fstat(fd, &st) != 0)
		return wp_error_os("stat", what);
	if (!S_ISREG(st.st_mode))
		return wp_error_why(WASMPACK_EINVALID, WASMPACK_REASON_NOT_A_FILE,
				    "cannot parse '%s': not a regular file", what);
	src.size = (uint64_t)st.st_size;
	int error = parse_source(out, &src);
	if (error == WASMPACK_EINVALID || error == WASMPACK_ETOOLARGE)
		wp_error_prefix("cannot parse '%s': ", what);
	return error;
}

int wasmpack_wasm_parse_file(wasmpack_wasm **out, const char *path)
{
	if (!out || !path)
		return wp_error_arg("wasmpack_wasm_parse_file: NULL argument");
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return wp_error_os("open", path);
	int error = wp_wasm_parse_fd(out, fd, path);
	close(fd);
	return error;
}

static void free_externs(wasmpack_wasm_extern *items, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		free(items[i].module);
		free(items[i].name);
	}
	free(items);
}

void wasmpack_wasm_free(wasmpack_wasm *w)
{
	if (!w)
		return;
	free_externs(w->imports, w->imports_count);
	free_externs(w->exports, w->exports_count);
	for (size_t i = 0; i < w->producers_count; i++) {
		free(w->producers[i].field);
		free(w->producers[i].name);
		free(w->producers[i].version);
	}
	free(w->producers);
	free(w->name);
	free(w->authors);
	free(w->description);
	free(w->licenses);
	free(w->source);
	free(w->homepage);
	free(w->revision);
	free(w->version);
	free(w);
}

/* ---------------------------------------------------------- capabilities */

/* The one table of capability names: entry i names bit 1 << i
 * (WASMPACK_CAP_FILESYSTEM is 0x01, ... WASMPACK_CAP_HOST 0x100).
 * NULL-terminated, so that callers can list it as it is. */
static const char *const capability_names[] = {
	"filesystem", "network", "environment", "clocks", "random",
	"exit",       "storage", "inference",   "host",   NULL,
};

/* What each class lets a module do, entry i for bit 1 << i. */
static const char *const capability_descriptions[] = {
	"reads and writes the files and directories its host gives it",
	"opens network connections or serves them (sockets, HTTP, databases, message brokers)",
	"reads its arguments, environment variables or configuration values",
	"reads the time or waits",
	"reads random numbers",
	"ends its process",
	"reads and writes data stores its host keeps (key-value stores, blobs, SQLite)",
	"runs machine-learning models its host provides (wasi-nn, LLMs)",
	"calls functions of its host that wasmpack does not know; they may reach anything",
};
_Static_assert(sizeof(capability_descriptions) / sizeof(capability_descriptions[0]) ==
		       sizeof(capability_names) / sizeof(capability_names[0]) - 1,
	       "one description per capability");
#define CAPABILITY_COUNT (sizeof(capability_names) / sizeof(capability_names[0]) - 1)
_Static_assert(WASMPACK_CAP_ALL == (1u << CAPABILITY_COUNT) - 1, "one name per capability bit");

const char *wasmpack_wasm_capability_name(unsigned cap)
{
	for (size_t i = 0; i < CAPABILITY_COUNT; i++)
		if (cap == 1u << i)
			return capability_names[i];
	return NULL;
}

unsigned wasmpack_wasm_capability_from_name(const char *name)
{
	if (!name)
		return 0;
	for (size_t i = 0; i < CAPABILITY_COUNT; i++)
		if (!strcmp(capability_names[i], name))
			return 1u << i;
	return 0;
}

const char *const *wasmpack_wasm_capability_names(void) { return capability_names; }

const char *wasmpack_wasm_capability_description(unsigned cap)
{
	for (size_t i = 0; i < CAPABILITY_COUNT; i++)
		if (cap == 1u << i)
			return capability_descriptions[i];
	return NULL;
}

int wasmpack_wasm_capabilities_format(wasmpack_buf *out, unsigned caps, const char *separator)
{
	char buf[256] = "";
	size_t used = 0;
	if (!out)
		return wp_error(WASMPACK_EINVALID,
				"wasmpack_wasm_capabilities_format: out is NULL");
	if (!separator)
		separator = ",";
	for (size_t i = 0; i < CAPABILITY_COUNT; i++) {
		if (!(caps & 1u << i))
			continue;
		int n = snprintf(buf + used, sizeof(buf) - used, "%s%s", used ? separator : "",
				 capability_names[i]);
		if (n < 0 || (size_t)n >= sizeof(buf) - used)
			return wp_error(WASMPACK_ETOOLARGE, "capability separator too long");
		used += (size_t)n;
	}
	unsigned char *data = malloc(used + 1);
	if (!data)
		return wp_error_nomem();
	memcpy(data, buf, used + 1);
	out->data = data;
	out->size = used;
	return 0;
}

int wasmpack_wasm_capabilities_parse(unsigned *out, const char *list)
{
	unsigned caps = 0;
	if (!out || !list)
		return wp_error(WASMPACK_EINVALID,
				"wasmpack_wasm_capabilities_parse: NULL argument");
	*out = 0;
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");
		unsigned bit = 0;
		for (size_t i = 0; n && i < CAPABILITY_COUNT; i++)
			if (strlen(capability_names[i]) == n && !strncmp(capability_names[i], p, n))
				bit = 1u << i;
		if (n && !bit) {
			char all[128] = "";
			size_t used = 0;
			for (size_t i = 0; i < CAPABILITY_COUNT; i++) {
				int k = snprintf(all + used, sizeof(all) - used, "%s%s",
						 used ? ", " : "", capability_names[i]);
				if (k > 0 && (size_t)k < sizeof(all) - used)
					used += (size_t)k;
			}
			return wp_error_why(WASMPACK_EINVALID, WASMPACK_REASON_INVALID_ARGUMENT,
					    "unknown capability '%.*s' (%s)", n > 64 ? 64 : (int)n,
					    p, all);
		}
		caps |= bit;
		p += n;
		if (*p == ',')
			p++;
	}
	*out = caps;
	return 0;
}

const char *wasmpack_wasi_version_name(wasmpack_wasi_version version)
{
	switch (version) {
	case WASMPACK_WASI_NONE: return "none";
	case WASMPACK_WASI_PREVIEW1: return "preview1";
	case WASMPACK_WASI_PREVIEW2: return "preview2";
	}
	return NULL;
}

/* Appends "name (module field)" for each class in hit, with the first
 * import that reaches it, to list: enough for the reader to find why,
 * without listing every import. Import names come from the module: each
 * is cut at 64 bytes, and a list that no longer fits says so instead of
 * losing a class silently. */
static void refused_list(char *list, size_t size, const wasmpack_wasm *w, unsigned hit)
{
	size_t used = 0;
	list[0] = '\0';
	for (size_t c = 0; c < CAPABILITY_COUNT; c++) {
		if (!(hit & 1u << c))
			continue;
		const wasmpack_wasm_extern *by = NULL;
		for (size_t i = 0; i < w->imports_count && !by; i++)
			if (wp_wasm_import_capability(&w->imports[i]) == 1u << c)
				by = &w->imports[i];
		int n = by ? snprintf(list + used, size - used, "%s%s (%.64s%s%.64s)",
				      used ? ", " : "", capability_names[c],
				      by->module ? by->module : "", by->module ? " " : "", by->name)
			   : snprintf(list + used, size - used, "%s%s", used ? ", " : "",
				      capability_names[c]);
		if (n < 0 || (size_t)n >= size - used) {
			snprintf(list + (used < size - 6 ? used : size - 6), 6, ", ...");
			break;
		}
		used += (size_t)n;
	}
}

int wp_wasm_policy_check(const wasmpack_wasm *w, unsigned deny, unsigned allow, const char *what)
{
	unsigned outside = allow ? WASMPACK_CAP_ALL & ~allow : 0;
	unsigned hit = w->capabilities & (deny | outside);
	char list[512];
	if (!hit)
		return 0;
	refused_list(list, sizeof(list), w, hit);
	if (w->capabilities & deny)
		return wp_error_why(WASMPACK_EPOLICY, WASMPACK_REASON_POLICY,
				    "%s imports denied capabilities: %s", what, list);
	/* Only the allow list refuses: say what it allows, since the reader
	 * may not have written it (a policy in a script). */
	char allowed[256] = "none";
	for (size_t c = 0, used = 0; c < CAPABILITY_COUNT; c++) {
		if (!(allow & 1u << c))
			continue;
		int n = snprintf(allowed + used, sizeof(allowed) - used, "%s%s", used ? ", " : "",
				 capability_names[c]);
		if (n > 0 && (size_t)n < sizeof(allowed) - used)
			used += (size_t)n;
	}
	return wp_error_why(WASMPACK_EPOLICY, WASMPACK_REASON_POLICY,
			    "%s imports capabilities that are not allowed: %s (allowed: %s)", what,
			    list, allowed);
}
