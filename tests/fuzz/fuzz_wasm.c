/* Fuzzes the WebAssembly reader: wasmpack_wasm_parse() on the bytes, and
 * wasmpack_wasm_parse_file() on the same bytes in a memfd opened through
 * /proc/self/fd, which reads section by section. Both must agree: the same
 * error code, or the same kind, WASI version, capabilities, imports,
 * exports, producers, name and metadata. */
#include <sys/mman.h>
#include <unistd.h>

#include <wasmpack/wasm.h>

#include "fuzz.h"

static int str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void check_externs(const char *what, const wasmpack_wasm_extern *a, size_t na,
			  const wasmpack_wasm_extern *b, size_t nb)
{
	FUZZ_CHECK(na == nb, "%s: %zu from the buffer, %zu from the file", what, na, nb);
	for (size_t i = 0; i < na; i++)
		FUZZ_CHECK(str_eq(a[i].module, b[i].module) && str_eq(a[i].name, b[i].name) &&
				   str_eq(a[i].kind, b[i].kind),
			   "%s[%zu] differs", what, i);
}

static void check_same(const wasmpack_wasm *a, const wasmpack_wasm *b)
{
	FUZZ_CHECK(a->kind == b->kind && a->wasi == b->wasi && a->capabilities == b->capabilities &&
			   a->is_command == b->is_command && a->is_reactor == b->is_reactor &&
			   a->size == b->size,
		   "summary differs");
	check_externs("imports", a->imports, a->imports_count, b->imports, b->imports_count);
	check_externs("exports", a->exports, a->exports_count, b->exports, b->exports_count);
	FUZZ_CHECK(a->producers_count == b->producers_count, "producers count differs");
	for (size_t i = 0; i < a->producers_count; i++)
		FUZZ_CHECK(str_eq(a->producers[i].field, b->producers[i].field) &&
				   str_eq(a->producers[i].name, b->producers[i].name) &&
				   str_eq(a->producers[i].version, b->producers[i].version),
			   "producers[%zu] differs", i);
	FUZZ_CHECK(str_eq(a->name, b->name) && str_eq(a->authors, b->authors) &&
			   str_eq(a->description, b->description) &&
			   str_eq(a->licenses, b->licenses) && str_eq(a->source, b->source) &&
			   str_eq(a->homepage, b->homepage) && str_eq(a->revision, b->revision) &&
			   str_eq(a->version, b->version),
		   "name or metadata differs");
}

/* One memfd for the whole run, rewritten for each input. */
static int memfd = -1;
static char memfd_path[64];

static int write_memfd(const uint8_t *data, size_t size)
{
	if (memfd < 0) {
		memfd = memfd_create("fuzz-wasm", MFD_CLOEXEC);
		if (memfd < 0)
			return -1;
		snprintf(memfd_path, sizeof(memfd_path), "/proc/self/fd/%d", memfd);
	}
	if (ftruncate(memfd, 0) != 0)
		return -1;
	for (size_t done = 0; done < size;) {
		ssize_t n = pwrite(memfd, data + done, size - done, (off_t)done);
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	wasmpack_wasm *from_buf = NULL, *from_file = NULL;
	void *copy = fuzz_dup(data, size);
	if (!copy)
		return 0;
	int rc_buf = wasmpack_wasm_parse(&from_buf, copy, size);
	if (write_memfd(data, size) == 0) {
		int rc_file = wasmpack_wasm_parse_file(&from_file, memfd_path);
		FUZZ_CHECK(rc_buf == rc_file, "buffer parse gives %d, file parse %d (%s)", rc_buf,
			   rc_file, wasmpack_error_last());
		if (rc_buf == 0)
			check_same(from_buf, from_file);
	}
	wasmpack_wasm_free(from_buf);
	wasmpack_wasm_free(from_file);
	free(copy);
	return 0;
}
