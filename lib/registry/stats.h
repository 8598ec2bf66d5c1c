/* Internal: counters of a registry client, for the transfer results the
 * library fills and for tests; not part of the public API. */
#ifndef WP_REGISTRY_STATS_H
#define WP_REGISTRY_STATS_H

#include <stdint.h>

#include "wasmpack/registry.h"

/* How many HTTP requests the client has sent (retries, redirects and token
 * requests included); 0 for NULL. Any thread. Defined in client.c. */
uint64_t wasmpack_registry_request_count(const wasmpack_registry *r);

#endif
