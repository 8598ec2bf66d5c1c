/* Registry credentials as docker keeps them: config.json (`auths`,
 * `credsStore`, `credHelpers`) and docker-credential-* helper programs,
 * so `docker login` and `wasmpack login` share one set of logins. */
#ifndef WASMPACK_CREDENTIALS_H
#define WASMPACK_CREDENTIALS_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One login. Strings are owned by the struct and released (after being
 * overwritten with zeros) by wasmpack_credential_dispose(). A field is
 * NULL when absent or empty. When identity_token is set it replaces the
 * password: it is an OAuth2 refresh token for the registry's token
 * service; username may still be set for display. */
typedef struct wasmpack_credential {
	char *username;
	char *password;
	char *identity_token;
} wasmpack_credential;

#define WASMPACK_CREDENTIAL_INIT \
	{                        \
		NULL, NULL, NULL \
	}

/* Wipes and frees the strings and zeroes the struct. NULL-safe. */
WASMPACK_EXTERN void wasmpack_credential_dispose(wasmpack_credential *cred);

#define WASMPACK_CREDENTIALS_OPTIONS_VERSION 1
/* NULL options, or NULL fields, mean the defaults written beside them.
 * Pointers are borrowed for the duration of the call. */
typedef struct wasmpack_credentials_options {
	unsigned version;       /* WASMPACK_CREDENTIALS_OPTIONS_VERSION */
	const char *config_dir; /* directory of config.json; default
				   $DOCKER_CONFIG, else $HOME/.docker */
} wasmpack_credentials_options;
#define WASMPACK_CREDENTIALS_OPTIONS_INIT                  \
	{                                                  \
		WASMPACK_CREDENTIALS_OPTIONS_VERSION, NULL \
	}
/* As WASMPACK_CREDENTIALS_OPTIONS_INIT, for bindings (see
 * wasmpack_registry_options_init in registry.h). */
WASMPACK_EXTERN int wasmpack_credentials_options_init(wasmpack_credentials_options *opts,
						      unsigned version);

/* Every function below takes `registry` as a host the way references
 * name it: "docker.io", "ghcr.io", "localhost:5000". A URL such as
 * "https://index.docker.io/v1/" is reduced to its host. Docker Hub
 * (docker.io, index.docker.io, registry-1.docker.io) is kept under the
 * key "https://index.docker.io/v1/", as docker does.
 *
 * Where credentials live, per registry: the helper named in
 * credHelpers[host] if any, else the helper named by credsStore if any,
 * else `auths` in config.json. A helper is the program
 * docker-credential-<name> found on PATH; it is run without a shell, its
 * stderr is captured into error messages (never printed), and a helper
 * that fails or cannot be run is an error (WASMPACK_ERROR), not "no
 * credentials". Error messages never contain a secret.
 *
 * Threads and processes: the functions may run on several threads at
 * once. config.json is replaced atomically (write, then rename), without
 * a lock: when two writers (threads, processes, or docker itself) change
 * it at once, the last rename wins, as with docker. */

/* Looks up the login for registry. In config.json the key
 * "https://index.docker.io/v1/" (Docker Hub) or the host is tried first,
 * then (Docker Hub) "docker.io", "index.docker.io",
 * "registry-1.docker.io", then any key whose host matches, such as
 * "http://localhost:5000/v2/" (docker/cli's legacy keys). An entry's
 * `auth` (base64 "user:password", split on the first ':') wins over its
 * `username` / `password` members; `identitytoken` is read too. A helper
 * that answers username "<token>" gives an identity token.
 * On success *out owns new strings (caller disposes). WASMPACK_ENOTFOUND
 * when there are none (no file, no entry, an empty entry, or the helper's
 * "credentials not found in native keychain"); WASMPACK_EINVALID for a
 * malformed config.json or `auth` field; *out is left zeroed on error. */
WASMPACK_EXTERN int wasmpack_credentials_get(wasmpack_credential *out, const char *registry,
					     const wasmpack_credentials_options *opts);

/* Saves cred (borrowed) as the login for registry: into the helper when
 * one is configured for it (an identity token as username "<token>"),
 * removing any plain-text copy for the host from config.json; else into
 * `auths` as {"auth": base64(user:password)} plus "identitytoken". The
 * file keeps every other member as it was; it is written atomically with
 * mode 0600, its directory created with mode 0700 when missing, and a
 * symlinked config.json is updated where it points. cred needs a username
 * and password, or an identity token; a username holding ':' is refused
 * (WASMPACK_EINVALID). */
WASMPACK_EXTERN int wasmpack_credentials_store(const char *registry,
					       const wasmpack_credential *cred,
					       const wasmpack_credentials_options *opts);

/* Removes the login for registry from its helper (when one is configured)
 * and every matching `auths` entry of config.json. WASMPACK_ENOTFOUND when
 * there was nothing to remove. */
WASMPACK_EXTERN int wasmpack_credentials_erase(const char *registry,
					       const wasmpack_credentials_options *opts);

/* The name of the helper registry's logins go to ("desktop", "pass"), as
 * a new string in *out (caller frees), or NULL when they go to
 * config.json in plain text (base64 is not encryption: a CLI may warn). */
WASMPACK_EXTERN int wasmpack_credentials_helper(char **out, const char *registry,
						const wasmpack_credentials_options *opts);

/* The config.json path the options resolve to, as a new string in *out
 * (caller frees). The file need not exist. */
WASMPACK_EXTERN int wasmpack_credentials_config_path(char **out,
						     const wasmpack_credentials_options *opts);

/* Every known login: key = the server as stored ("https://index.docker.io/v1/",
 * "ghcr.io"), value = the user name ("" when unknown or an identity token).
 * Reads config.json `auths` entries that hold credentials, the credsStore
 * helper's `list`, and credHelpers keys (their helpers are not run; value
 * ""). *out must be empty; it is filled with new pairs the caller disposes
 * (left empty on error). No secret is returned. */
WASMPACK_EXTERN int wasmpack_credentials_list(wasmpack_kvlist *out,
					      const wasmpack_credentials_options *opts);

#ifdef __cplusplus
}
#endif
#endif
