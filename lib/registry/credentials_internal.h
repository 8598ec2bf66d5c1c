/* Internal: docker config.json lookups on bytes held in memory, so tests
 * and fuzzers reach the parser without a file or a helper program. */
#ifndef WP_CREDENTIALS_INTERNAL_H
#define WP_CREDENTIALS_INTERNAL_H

#include <stddef.h>

#include "wasmpack/credentials.h"

/* Looks up registry's login in the config.json held in data (len bytes;
 * empty or blank reads as {}) as wasmpack_credentials_get() does, but
 * never runs a helper: when credHelpers or credsStore sends registry to
 * one, *helper is its name (new string, caller frees) and *out stays
 * empty. Otherwise *out owns new strings (caller disposes). Errors as
 * wasmpack_credentials_get(): WASMPACK_ENOTFOUND, WASMPACK_EINVALID for a
 * malformed document, WASMPACK_ETOOLARGE over the config size limit. */
int wp_credentials_get_from_json(wasmpack_credential *out, char **helper,
				 const char *registry, const void *data, size_t len);

#endif
