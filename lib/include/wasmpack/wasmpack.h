/* libwasmpack: pack WebAssembly modules as OCI images, keep them in a local
 * OCI image layout, and move them to and from registries.
 *
 * Conventions: functions return 0 or a negative WASMPACK_E* code with a
 * message in wasmpack_error_last(); outputs come first; every function
 * says who owns what it returns. Objects may be used from one thread at a
 * time; distinct objects may be used from different threads at once. */
#ifndef WASMPACK_H
#define WASMPACK_H

#include "common.h"
#include "digest.h"
#include "reference.h"
#include "oci.h"
#include "wasm.h"
#include "layer.h"
#include "store.h"
#include "image.h"
#include "registry.h"
#include "transfer.h"
#include "archive.h"
#include "credentials.h"

#endif
