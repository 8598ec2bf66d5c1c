/* Internal: what the library needs of kvlists beyond the public calls
 * (wasmpack_kvlist_* and wasmpack_strv_* are declared in common.h). */
#ifndef WP_KVLIST_H
#define WP_KVLIST_H

#include "wasmpack/common.h"

/* Deep copy of src into dst (dst's previous contents are not freed; dst is
 * left empty on error). */
int wp_kvlist_copy(wasmpack_kvlist *dst, const wasmpack_kvlist *src);

#endif
