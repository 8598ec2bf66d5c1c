/* Output helpers shared by the commands: errors and exit codes, notes,
 * JSON, and the words used to describe modules. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_fail(const cli_ctx *ctx, int rc)
{
	(void)ctx;
	const char *msg = wasmpack_error_last();
	fprintf(stderr, "wasmpack: %s\n", msg && *msg ? msg : wasmpack_strerror(rc));
	switch (rc) {
	case WASMPACK_ENOTFOUND: return EXIT_NOTFOUND;
	case WASMPACK_EAUTH: return EXIT_AUTH;
	case WASMPACK_ENETWORK: return EXIT_NETWORK;
	case WASMPACK_EDIGEST:
	case WASMPACK_EINVALID:
	case WASMPACK_ETOOLARGE: return EXIT_INTEGRITY;
	default: return EXIT_ERROR;
	}
}

void cli_note(const cli_ctx *ctx, const char *fmt, ...)
{
	if (ctx->quiet)
		return;
	va_list ap;
	fputs("wasmpack: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_print_json(json_t *j)
{
	if (!j) {
		fprintf(stderr, "wasmpack: out of memory\n");
		return EXIT_ERROR;
	}
	int rc = json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS) == 0 ? EXIT_OK : EXIT_ERROR;
	fputc('\n', stdout);
	json_decref(j);
	return rc;
}

int cli_add_kv(const cli_ctx *ctx, wasmpack_kvlist *list, const char *text, const char *what)
{
	const char *eq = strchr(text, '=');
	if (!eq || eq == text)
		return cli_usage_error(ctx, "%s '%s' must be KEY=VALUE", what, text);
	char *key = strndup(text, (size_t)(eq - text));
	if (!key)
		return cli_usage_error(ctx, "out of memory");
	int rc = wasmpack_kvlist_set(list, key, eq + 1);
	free(key);
	return rc ? cli_fail(ctx, rc) : 0;
}

const char *cli_wasm_kind(const wasmpack_wasm *w)
{
	return w->kind == WASMPACK_WASM_COMPONENT ? "component" : "core module";
}

const char *cli_wasi_name(wasmpack_wasi_version v)
{
	switch (v) {
	case WASMPACK_WASI_PREVIEW1: return "preview1";
	case WASMPACK_WASI_PREVIEW2: return "preview2";
	default: return "none";
	}
}

void cli_reach_sentence(char *buf, size_t size, unsigned caps)
{
	size_t used = 0;
	buf[0] = '\0';
	for (unsigned bit = 1; bit <= WASMPACK_CAP_ALL; bit <<= 1) {
		if (!(caps & bit))
			continue;
		int n = snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
				 wasmpack_wasm_capability_name(bit));
		if (n < 0 || (size_t)n >= size - used)
			return;
		used += (size_t)n;
	}
	if (!used) {
		snprintf(buf, size, "nothing outside the sandbox");
		used = strlen(buf);
	}
	/* The network is the capability people most often need ruled out. */
	if (!(caps & WASMPACK_CAP_NETWORK) && used + 12 < size)
		snprintf(buf + used, size - used, "; no network");
}
