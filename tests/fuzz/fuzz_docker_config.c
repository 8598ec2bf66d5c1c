/* Fuzzes docker config.json reading (auths, credsStore, credHelpers, the
 * base64 `auth` field, legacy URL keys) through the in-memory lookup that
 * wasmpack_credentials_get() uses, for a few fixed registries and for the
 * hosts the document itself names. No helper program is ever run. */
#include <jansson.h>

#include "registry/credentials_internal.h"

#include "fuzz.h"

/* Keys taken from the document to look up, at most. */
#define KEYS_MAX 8

static void lookup(const char *registry, const void *data, size_t size)
{
	wasmpack_credential cred = WASMPACK_CREDENTIAL_INIT;
	char *helper = NULL;
	(void)wp_credentials_get_from_json(&cred, &helper, registry, data, size);
	wasmpack_credential_dispose(&cred);
	free(helper);
}

/* The keys of the object member `name` of root, as registries to try. */
static void lookup_keys(json_t *root, const char *name, const void *data, size_t size,
			size_t *budget)
{
	json_t *obj = json_object_get(root, name), *v;
	const char *key;
	if (!json_is_object(obj))
		return;
	json_object_foreach(obj, key, v)
	{
		if (*budget == 0)
			return;
		(*budget)--;
		lookup(key, data, size);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const registries[] = {
		"docker.io",
		"ghcr.io",
		"localhost:5000",
		"https://index.docker.io/v1/",
	};
	void *copy = fuzz_dup(data, size);
	if (!copy)
		return 0;
	for (size_t i = 0; i < sizeof(registries) / sizeof(registries[0]); i++)
		lookup(registries[i], copy, size);
	/* jansson only to find the keys; the library parses for itself. */
	json_t *root = json_loadb(copy, size, JSON_REJECT_DUPLICATES, NULL);
	if (root) {
		size_t budget = KEYS_MAX;
		lookup_keys(root, "auths", copy, size, &budget);
		lookup_keys(root, "credHelpers", copy, size, &budget);
		json_decref(root);
	}
	free(copy);
	return 0;
}
