/* Shared by push, pull, login and inspect --remote. */
#include <stdlib.h>
#include <string.h>

#include "progress.h"
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

/* -v: each request and answer, secrets already redacted by the library;
 * printed above the progress bars when they are drawn. */
static void log_line(const char *line, void *payload) { cli_progress_log(payload, line); }

void remote_defaults(const cli_ctx *ctx, wasmpack_registry_options *opts)
{
	opts->config_dir = ctx->config_dir;
	if (ctx->verbose) {
		opts->log = log_line;
		opts->log_payload = (void *)ctx;
	}
}

void remote_progress(const wasmpack_progress *p, void *payload) { cli_progress_update(payload, p); }

int remote_parse_ref(const cli_ctx *ctx, wasmpack_reference **out, const char *text)
{
	if (wasmpack_reference_parse(out, text) == 0)
		return 0;
	return cli_usage_error(ctx, "%s", wasmpack_error_last());
}
