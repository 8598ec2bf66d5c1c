/* The credential type both config.json (credentials.c) and the helpers
 * (credential_helper.c) hand out, apart from both so neither calls the
 * other's file for it. */
#include "wasmpack/credentials.h"

#include <string.h>

#include "util/secret.h"

void wasmpack_credential_dispose(wasmpack_credential *cred)
{
	if (!cred)
		return;
	wp_secret_free(cred->username);
	wp_secret_free(cred->password);
	wp_secret_free(cred->identity_token);
	memset(cred, 0, sizeof(*cred));
}
