/* Shared by push, pull, login and inspect --remote. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "progress.h"
#include "remote.h"

/* --retry-max-time: whole or decimal seconds, up to a day. 0 turns
 * retries off, which the library spells -1. */
static int retry_max_time(const cli_ctx *ctx, wasmpack_registry_options *opts, const char *value)
{
	char *end = NULL;
	errno = 0;
	double s = strtod(value, &end);
	if (errno || end == value || *end || !(s >= 0 && s <= 86400))
		return cli_usage_error(ctx, "--retry-max-time '%s' must be seconds from 0 to 86400",
				       cli_safe(value));
	long ms = (long)(s * 1000.0 + 0.5);
	opts->retry_max_time_ms = ms;
	if (ms == 0) {
		opts->retry_max_time_ms = -1;
		opts->max_retries = -1;
	}
	return 0;
}

int remote_option(const cli_ctx *ctx, wasmpack_registry_options *opts, int id, const char *value)
{
	switch (id) {
	case R_PLAIN_HTTP: opts->plain_http = 1; return 0;
	case R_INSECURE: opts->insecure = 1; return 0;
	case R_CA_FILE: opts->ca_file = value; return 0;
	case R_RETRY_MAX_TIME: return retry_max_time(ctx, opts, value);
	default: return 1;
	}
}

/* -v: each request and answer, secrets already redacted by the library;
 * printed above the progress bars when they are drawn. */
static void log_line(const char *line, void *payload) { cli_progress_log(payload, line); }

/* Retry waits: said on stderr (above the bars on a terminal) unless -q,
 * so nobody sits before a silent screen. */
static void notice_line(const char *line, void *payload) { cli_progress_notice(payload, line); }

void remote_defaults(const cli_ctx *ctx, wasmpack_registry_options *opts)
{
	opts->config_dir = ctx->config_dir;
	opts->notice = notice_line;
	opts->notice_payload = (void *)ctx;
	if (opts->retry_max_time_ms == 0)
		opts->retry_max_time_ms = REMOTE_RETRY_MAX_TIME_DEFAULT * 1000L;
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
