/* The wasmpack_*_options_init functions, for programs that cannot use the
 * *_OPTIONS_INIT macros (language bindings), and the size of every options
 * struct at each version. It sits on top of the subsystems because it
 * knows every public options struct; the check itself is util/options. */
#include "options.h"

#include "util/options.h"

const size_t wp_transfer_options_sizes[WASMPACK_TRANSFER_OPTIONS_VERSION] = {
	offsetof(wasmpack_transfer_options, deny),  /* 1: up to progress_payload */
	offsetof(wasmpack_transfer_options, allow), /* 2: deny */
	sizeof(wasmpack_transfer_options),          /* 3: allow */
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
	return wp_options_init(opts, version, &init, wp_transfer_options_sizes,
			       WASMPACK_TRANSFER_OPTIONS_VERSION, "transfer");
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
