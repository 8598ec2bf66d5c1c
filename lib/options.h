/* Internal: the size of each public options struct at each of its
 * versions, for the library functions that read a caller's struct through
 * wp_options_copy (util/options.h). Entry v - 1 is the size at version v;
 * the last entry is sizeof the current struct. */
#ifndef WP_LIB_OPTIONS_H
#define WP_LIB_OPTIONS_H

#include <stddef.h>

#include "wasmpack/archive.h"
#include "wasmpack/credentials.h"
#include "wasmpack/image.h"
#include "wasmpack/layer.h"
#include "wasmpack/registry.h"
#include "wasmpack/transfer.h"

extern const size_t wp_transfer_options_sizes[WASMPACK_TRANSFER_OPTIONS_VERSION];
extern const size_t wp_build_options_sizes[WASMPACK_BUILD_OPTIONS_VERSION];
extern const size_t wp_layer_options_sizes[WASMPACK_LAYER_OPTIONS_VERSION];
extern const size_t wp_registry_options_sizes[WASMPACK_REGISTRY_OPTIONS_VERSION];
extern const size_t wp_credentials_options_sizes[WASMPACK_CREDENTIALS_OPTIONS_VERSION];
extern const size_t wp_load_options_sizes[WASMPACK_LOAD_OPTIONS_VERSION];

/* Reads a caller's transfer options of any version (NULL: leaves dst) over
 * dst, which holds the defaults: versions 1 to 3 in their own layout (the
 * registry options were shorter then, see transfer.h). */
int wp_transfer_options_read(wasmpack_transfer_options *dst, const wasmpack_transfer_options *src);

#endif
