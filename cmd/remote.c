/* Shared by push, pull, copy, login and inspect --remote; the reference
 * parsing by every command that names images. */
#include <ctype.h>
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

/* The length of a URL scheme and its "://" at the start of text
 * ("https://", "docker://", "oci://"), else 0. */
static size_t scheme_len(const char *text)
{
	size_t i = 0;
	if (!isalpha((unsigned char)text[0]))
		return 0;
	while (isalnum((unsigned char)text[i]) || text[i] == '+' || text[i] == '.' ||
	       text[i] == '-')
		i++;
	return strncmp(text + i, "://", 3) == 0 ? i + 3 : 0;
}

int remote_check_scheme(const cli_ctx *ctx, const char *text)
{
	/* docker, skopeo and browsers teach URLs; the reference grammar has
	 * none, and the parser's own complaint ("invalid registry host
	 * 'https:'") would not say what to change. */
	size_t n = scheme_len(text);
	if (!n)
		return 0;
	return cli_usage_error(ctx,
			       "'%s' is a URL; an image reference has no scheme: drop '%.*s' and "
			       "write '%s'",
			       text, (int)n, text, text + n);
}

int remote_parse_ref(const cli_ctx *ctx, wasmpack_reference **out, const char *text)
{
	int rc = remote_check_scheme(ctx, text);
	if (rc)
		return rc;
	if (wasmpack_reference_parse(out, text) == 0)
		return 0;
	return cli_usage_error(ctx, "%s", wasmpack_error_last());
}

static int all_digits(const char *p)
{
	if (!*p)
		return 0;
	for (; *p; p++)
		if (!isdigit((unsigned char)*p))
			return 0;
	return 1;
}

int remote_is_bare_registry(const char *text)
{
	if (!*text || strchr(text, '/') || strchr(text, '@'))
		return 0;
	if (text[0] == '[') {
		/* [::1] or [::1]:5000: only a registry is spelled so. */
		const char *close = strchr(text, ']');
		return close && (close[1] == '\0' || (close[1] == ':' && all_digits(close + 2)));
	}
	const char *colon = strchr(text, ':');
	if (colon)
		return colon > text && all_digits(colon + 1);
	return strcmp(text, "localhost") == 0 || strchr(text, '.') != NULL;
}

int remote_parse_dest(const cli_ctx *ctx, wasmpack_reference **out, const char *text,
		      const wasmpack_reference *src)
{
	/* "localhost:5000/" is the same bare registry. */
	size_t len = strlen(text);
	char *host = strndup(text, len && text[len - 1] == '/' ? len - 1 : len);
	if (!host) {
		fprintf(stderr, "wasmpack: out of memory\n");
		return EXIT_ERROR;
	}
	int bare = remote_is_bare_registry(host);
	if (!bare) {
		free(host);
		return remote_parse_ref(ctx, out, text);
	}
	/* "push user/app:1.0 localhost:5000" means localhost:5000/user/app:1.0,
	 * as copy tools read it, not docker.io/library/localhost:5000. The
	 * joined text goes through the parser, which checks the host. */
	const char *tag = src->tag ? src->tag : "", *digest = src->digest ? src->digest : "";
	size_t size = strlen(host) + strlen(src->repository) + strlen(tag) + strlen(digest) + 4;
	char *full = malloc(size);
	if (!full) {
		free(host);
		fprintf(stderr, "wasmpack: out of memory\n");
		return EXIT_ERROR;
	}
	snprintf(full, size, "%s/%s%s%s%s%s", host, src->repository, *tag ? ":" : "", tag,
		 *digest ? "@" : "", digest);
	int rc = remote_parse_ref(ctx, out, full);
	free(full);
	free(host);
	return rc;
}

void remote_warn_host_case(const cli_ctx *ctx, const char *text)
{
	const char *slash = strchr(text, '/');
	if (!slash || scheme_len(text))
		return;
	size_t len = (size_t)(slash - text), upper = 0;
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '.' || text[i] == ':')
			return; /* a host by its own spelling */
		if (isupper((unsigned char)text[i]))
			upper++;
	}
	if (!upper)
		return;
	char *lower = strdup(text);
	if (!lower)
		return;
	for (size_t i = 0; i < len; i++)
		lower[i] = (char)tolower((unsigned char)lower[i]);
	cli_note(ctx,
		 "warning: '%s' names the registry host '%.*s' (capitals make a first part a "
		 "host: repository paths are lowercase); for Docker Hub write '%s'",
		 text, (int)len, text, lower);
	free(lower);
}
