/* The wasmpack_*_options_init functions, for programs that cannot use the
 * *_OPTIONS_INIT macros (language bindings), and the size of every options
 * struct at each version. It sits on top of the subsystems because it
 * knows every public options struct; the check itself is util/options. */
#include "options.h"

#include <string.h>

#include "util/options.h"

/* The registry options of version 1, as transfer options 1 to 3 held
 * them: this much shorter than today's. */
#define REGISTRY_V1_SIZE offsetof(wasmpack_registry_options, notice)
#define REGISTRY_GREW (sizeof(wasmpack_registry_options) - REGISTRY_V1_SIZE)
/* Where `os` sat in transfer options 1 to 3. */
#define TRANSFER_V3_OS (offsetof(wasmpack_transfer_options, registry) + REGISTRY_V1_SIZE)

const size_t wp_transfer_options_sizes[WASMPACK_TRANSFER_OPTIONS_VERSION] = {
	offsetof(wasmpack_transfer_options, deny) - REGISTRY_GREW,  /* 1: up to progress_payload */
	offsetof(wasmpack_transfer_options, allow) - REGISTRY_GREW, /* 2: deny */
	sizeof(wasmpack_transfer_options) - REGISTRY_GREW,          /* 3: allow */
	sizeof(wasmpack_transfer_options),                          /* 4: registry options v2 */
};
const size_t wp_build_options_sizes[WASMPACK_BUILD_OPTIONS_VERSION] = {
	offsetof(wasmpack_build_options, allow), /* 1: up to deny */
	sizeof(wasmpack_build_options),          /* 2: allow */
};
const size_t wp_layer_options_sizes[WASMPACK_LAYER_OPTIONS_VERSION] = {
	sizeof(wasmpack_layer_options),
};
const size_t wp_registry_options_sizes[WASMPACK_REGISTRY_OPTIONS_VERSION] = {
	offsetof(wasmpack_registry_options, notice), /* 1: up to log_payload */
	sizeof(wasmpack_registry_options),           /* 2: notice, retry_max_time_ms */
};
const size_t wp_credentials_options_sizes[WASMPACK_CREDENTIALS_OPTIONS_VERSION] = {
	sizeof(wasmpack_credentials_options),
};
const size_t wp_load_options_sizes[WASMPACK_LOAD_OPTIONS_VERSION] = {
	offsetof(wasmpack_load_options, max_size), /* 1: up to name */
	sizeof(wasmpack_load_options),             /* 2: max_size */
};

int wasmpack_transfer_options_init(wasmpack_transfer_options *opts, unsigned version)
{
	static const wasmpack_transfer_options init = WASMPACK_TRANSFER_OPTIONS_INIT;
	if (!opts || version < 1 || version > 3)
		return wp_options_init(opts, version, &init, wp_transfer_options_sizes,
				       WASMPACK_TRANSFER_OPTIONS_VERSION, "transfer");
	/* The layout of versions 1 to 3: registry options of version 1, the
	 * rest right after them. */
	unsigned char *p = (unsigned char *)opts;
	unsigned one = 1;
	memcpy(p, &init, TRANSFER_V3_OS);
	memcpy(p + TRANSFER_V3_OS, &init.os,
	       wp_transfer_options_sizes[version - 1] - TRANSFER_V3_OS);
	memcpy(p, &version, sizeof(version));
	memcpy(p + offsetof(wasmpack_transfer_options, registry), &one, sizeof(one));
	return 0;
}

int wp_transfer_options_read(wasmpack_transfer_options *dst, const wasmpack_transfer_options *src)
{
	unsigned version;
	if (!src)
		return 0;
	memcpy(&version, src, sizeof(version));
	if (version < 1 || version > 3)
		return wp_options_copy(dst, sizeof(*dst), src, wp_transfer_options_sizes,
				       WASMPACK_TRANSFER_OPTIONS_VERSION, "transfer");
	/* Read in the old layout; the registry options keep their version 1,
	 * so the client reads no further than that either. */
	const unsigned char *p = (const unsigned char *)src;
	memcpy(dst, p, TRANSFER_V3_OS);
	memcpy(&dst->os, p + TRANSFER_V3_OS,
	       wp_transfer_options_sizes[version - 1] - TRANSFER_V3_OS);
	return 0;
}

int wasmpack_build_options_init(wasmpack_build_options *opts, unsigned version)
{
	static const wasmpack_build_options init = WASMPACK_BUILD_OPTIONS_INIT;
	return wp_options_init(opts, version, &init, wp_build_options_sizes,
			       WASMPACK_BUILD_OPTIONS_VERSION, "build");
}

int wasmpack_layer_options_init(wasmpack_layer_options *opts, unsigned version)
{
	static const wasmpack_layer_options init = WASMPACK_LAYER_OPTIONS_INIT;
	return wp_options_init(opts, version, &init, wp_layer_options_sizes,
			       WASMPACK_LAYER_OPTIONS_VERSION, "layer");
}

int wasmpack_registry_options_init(wasmpack_registry_options *opts, unsigned version)
{
	static const wasmpack_registry_options init = WASMPACK_REGISTRY_OPTIONS_INIT;
	return wp_options_init(opts, version, &init, wp_registry_options_sizes,
			       WASMPACK_REGISTRY_OPTIONS_VERSION, "registry");
}

int wasmpack_credentials_options_init(wasmpack_credentials_options *opts, unsigned version)
{
	static const wasmpack_credentials_options init = WASMPACK_CREDENTIALS_OPTIONS_INIT;
	return wp_options_init(opts, version, &init, wp_credentials_options_sizes,
			       WASMPACK_CREDENTIALS_OPTIONS_VERSION, "credentials");
}

int wasmpack_load_options_init(wasmpack_load_options *opts, unsigned version)
{
	static const wasmpack_load_options init = WASMPACK_LOAD_OPTIONS_INIT;
	return wp_options_init(opts, version, &init, wp_load_options_sizes,
			       WASMPACK_LOAD_OPTIONS_VERSION, "load");
}
