/* Shared by push, pull, login and inspect --remote. */
#include <stdlib.h>
#include <string.h>

#include "remote.h"

int remote_option(wasmpack_registry_options *opts, int id, const char *value)
{
	switch (id) {
	case R_PLAIN_HTTP: opts->plain_http = 1; return 0;
	case R_INSECURE: opts->insecure = 1; return 0;
	case R_CA_FILE: opts->ca_file = value; return 0;
	default: return 1;
	}
}

static void log_line(const char *line, void *payload)
{
	(void)payload;
	fprintf(stderr, "wasmpack: %s\n", line);
}

void remote_defaults(const cli_ctx *ctx, wasmpack_registry_options *opts)
{
	opts->config_dir = ctx->config_dir;
	if (ctx->verbose) {
		opts->log = log_line;
		opts->log_payload = NULL;
	}
}

void remote_progress(const wasmpack_progress *p, void *payload)
{
	const cli_ctx *ctx = payload;
	const char *what = NULL;
	switch (p->state) {
	case WASMPACK_PROGRESS_EXISTS: what = "already there"; break;
	case WASMPACK_PROGRESS_MOUNTED: what = "mounted"; break;
	case WASMPACK_PROGRESS_UPLOADED: what = "uploaded"; break;
	case WASMPACK_PROGRESS_VERIFIED: what = "downloaded and verified"; break;
	case WASMPACK_PROGRESS_FAILED: what = "failed"; break;
	default: return;
	}
	const char *hex = wasmpack_digest_hex(p->digest);
	cli_note(ctx, "%.12s %s (%lld bytes)", hex ? hex : p->digest, what, (long long)p->total);
}

int remote_parse_ref(const cli_ctx *ctx, wasmpack_reference **out, const char *text)
{
	if (wasmpack_reference_parse(out, text) == 0)
		return 0;
	return cli_usage_error(ctx, "%s", wasmpack_error_last());
}
