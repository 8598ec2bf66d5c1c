/* Fuzzes layer extraction: wasmpack_layer_extract() (libarchive, tar or
 * tar+gzip) on arbitrary bytes in a memfd, for an arbitrary entry name.
 * Input: one byte N, then N bytes of entry name (cut at a NUL), then the
 * layer. The sink stops a stream past 64 MiB as a caller with a size
 * limit would, so a zip bomb costs time, not memory. */
#include <sys/mman.h>
#include <unistd.h>

#include <wasmpack/layer.h>

#include "fuzz.h"

#define SINK_MAX ((uint64_t)64 << 20)

static int count_sink(const void *data, size_t len, void *payload)
{
	uint64_t *total = payload;
	(void)data;
	*total += len;
	return *total > SINK_MAX ? WASMPACK_ETOOLARGE : 0;
}

static int memfd = -1;

static int write_memfd(const uint8_t *data, size_t size)
{
	if (memfd < 0 && (memfd = memfd_create("fuzz-tar", MFD_CLOEXEC)) < 0)
		return -1;
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
	if (size < 1)
		return 0;
	size_t name_len = data[0];
	if (name_len > size - 1)
		name_len = size - 1;
	char *name = fuzz_cstr(data + 1, name_len);
	if (!name)
		return 0;
	if (write_memfd(data + 1 + name_len, size - 1 - name_len) == 0) {
		uint64_t total = 0;
		(void)wasmpack_layer_extract(memfd, name, count_sink, &total);
	}
	free(name);
	return 0;
}
