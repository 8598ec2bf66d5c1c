/* Internal: docker config.json lookups on bytes held in memory, so tests
 * and fuzzers reach the parser without a file or a helper program. */
#ifndef WP_CREDENTIALS_INTERNAL_H
#define WP_CREDENTIALS_INTERNAL_H

#include <stddef.h>

#include "wasmpack/credentials.h"

/* Helper programs are this prefix + the name config.json gives. */
#define WP_CRED_HELPER_PREFIX "docker-credential-"
#define WP_CRED_HELPER_NAME_MAX 128
/* What a helper's username is when its secret is an identity token. */
#define WP_CRED_TOKEN_USERNAME "<token>"

/* Looks up registry's login in the config.json held in data (len bytes;
 * empty or blank reads as {}) as wasmpack_credentials_get() does, but
 * never runs a helper: when credHelpers or credsStore sends registry to
 * one, *helper is its name (new string, caller frees) and *out stays
 * empty. Otherwise *out owns new strings (caller disposes). Errors as
 * wasmpack_credentials_get(): WASMPACK_ENOTFOUND, WASMPACK_EINVALID for a
 * malformed document, WASMPACK_ETOOLARGE over the config size limit. */
int wp_credentials_get_from_json(wasmpack_credential *out, char **helper, const char *registry,
				 const void *data, size_t len);

/* 1 when name can name a helper program (1 to WP_CRED_HELPER_NAME_MAX
 * printable bytes, no space or '/'), else 0. */
int wp_cred_helper_name_valid(const char *name);

/* The credential-helper protocol (credential_helper.c). helper is the
 * name after WP_CRED_HELPER_PREFIX, server the config key. A helper not
 * on PATH, or failing, is WASMPACK_ERROR with its message (secrets
 * masked); "credentials not found" is WASMPACK_ENOTFOUND. */

/* server's login into *out (caller disposes; identity token when the
 * helper's username is WP_CRED_TOKEN_USERNAME). WASMPACK_ENOTFOUND when
 * the helper has none. */
int wp_cred_helper_get(wasmpack_credential *out, const char *helper, const char *server);

/* Stores cred under server. */
int wp_cred_helper_store(const char *helper, const char *server, const wasmpack_credential *cred);

/* Erases server's login: 0, or WASMPACK_ENOTFOUND when there was none. */
int wp_cred_helper_erase(const char *helper, const char *server);

/* Adds server -> username for every login the helper lists to out. */
int wp_cred_helper_list(wasmpack_kvlist *out, const char *helper);

#endif
