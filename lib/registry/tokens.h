/* Internal: the old single header of registry authentication pieces, now
 * split into challenge.h, scope.h and token.h. Kept so files that still
 * include it build; include the one you need instead. */
#ifndef WP_AUTH_H
#define WP_AUTH_H

#include "registry/challenge.h"
#include "registry/scope.h"
#include "registry/token.h"

#endif
