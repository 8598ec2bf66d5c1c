/* The options-version check and the copies of util/options.h. */
#include "util/options.h"

#include <string.h>

#include "util/error.h"

int wp_options_check(unsigned version, unsigned current, const char *what)
{
	if (version >= 1 && version <= current)
		return 0;
	return wp_error_why(WASMPACK_EINVALID, WASMPACK_REASON_INVALID_ARGUMENT,
			    "unknown %s options version %u (this library reads 1 to %u)", what,
			    version, current);
}

int wp_options_copy(void *dst, size_t dst_size, const void *src, const size_t *sizes,
		    unsigned current, const char *what)
{
	unsigned version;
	if (!src)
		return 0;
	memcpy(&version, src, sizeof(version));
	int error = wp_options_check(version, current, what);
	if (error)
		return error;
	size_t n = sizes[version - 1];
	memcpy(dst, src, n < dst_size ? n : dst_size);
	return 0;
}

int wp_options_init(void *opts, unsigned version, const void *template, const size_t *sizes,
		    unsigned current, const char *what)
{
	if (!opts)
		return wp_error_why(WASMPACK_EINVALID, WASMPACK_REASON_INVALID_ARGUMENT,
				    "cannot initialise %s options: NULL", what);
	int error = wp_options_check(version, current, what);
	if (error)
		return error;
	memcpy(opts, template, sizes[version - 1]);
	memcpy(opts, &version, sizeof(version));
	return 0;
}
