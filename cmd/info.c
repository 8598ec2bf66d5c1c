/* wasmpack info: what this wasmpack uses: its version, the store and the
 * docker config directory (and where each choice came from), and the
 * versions of the libraries it runs on, for bug reports and for a user
 * wondering where their images went. */
#include <archive.h>
#include <curl/curl.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <zlib.h>

#include "cli.h"

static const cli_option info_options[] = {{0}};

/* What is at the store path, in words. */
static const char *store_state(const char *path)
{
	wasmpack_store_state state;
	if (wasmpack_store_probe(&state, path) != 0)
		return "cannot be read";
	switch (state) {
	case WASMPACK_STORE_MISSING: return "not created yet";
	case WASMPACK_STORE_EMPTY: return "empty directory, not created yet";
	case WASMPACK_STORE_LAYOUT: return "exists";
	default: return "not a store: writes are refused";
	}
}

static int run(cli_ctx *ctx, int argc, char **argv)
{
	int first = 0, rc;
	const char *store_from, *config_from;
	char config[4096];

	if ((rc = cli_parse(ctx, &cmd_info, argc, argv, &first, NULL, NULL)))
		return rc;
	if (first != argc)
		return cli_usage_error(ctx, "takes no arguments");
	const char *store = cli_store_path(ctx, &store_from);
	const char *env = getenv("DOCKER_CONFIG"), *home = getenv("HOME");
	if (ctx->config_dir) {
		snprintf(config, sizeof(config), "%s", ctx->config_dir);
		config_from = "--config";
	} else if (env && *env) {
		snprintf(config, sizeof(config), "%s", env);
		config_from = "$DOCKER_CONFIG";
	} else {
		snprintf(config, sizeof(config), "%s/.docker", home && *home ? home : "~");
		config_from = "default, ~/.docker";
	}
	const curl_version_info_data *curl = curl_version_info(CURLVERSION_NOW);
	const char *curl_v = curl && curl->version ? curl->version : "?";
	const char *ssl_v = OpenSSL_version(OPENSSL_VERSION);
	if (ctx->json)
		return cli_print_json(json_pack(
			"{s:s, s:{s:s, s:s, s:s}, s:{s:s, s:s}, s:{s:s, s:s, s:s, s:s, s:s}}",
			"version", wasmpack_version(), "store", "path", store, "from", store_from,
			"state", store_state(store), "config", "path", config, "from", config_from,
			"libraries", "curl", curl_v, "openssl", ssl_v, "jansson", JANSSON_VERSION,
			"libarchive", archive_version_string(), "zlib", zlibVersion()));
	printf("wasmpack %s\n", wasmpack_version());
	printf("Store:     %s (%s; %s)\n", cli_safe(store), store_from, store_state(store));
	printf("Config:    %s (%s)\n", cli_safe(config), config_from);
	printf("Libraries: libcurl %s, %s, jansson %s, %s, zlib %s\n", curl_v, ssl_v,
	       JANSSON_VERSION, archive_version_string(), zlibVersion());
	return 0;
}

const cli_command cmd_info = {
	"info",
	run,
	"",
	"Show the version, the store and docker config directory in use and where\neach "
	"came from (option, environment or default), and the libraries'\nversions.",
	info_options,
};
