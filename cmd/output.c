/* Output helpers shared by the commands: errors and exit codes, notes.
 * The formatting helpers are in format.c. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "progress.h"

const cli_exit_code cli_exit_codes[] = {
	{EXIT_OK, "ok"},
	{EXIT_ERROR, "error"},
	{EXIT_USAGE, "usage: a wrong option or argument"},
	{EXIT_NOTFOUND, "not found: image, tag, blob or file"},
	{EXIT_AUTH, "authentication or authorization refused"},
	{EXIT_NETWORK, "network or registry unavailable (TLS failures and rate limits too)"},
	{EXIT_INTEGRITY, "integrity: digest mismatch, invalid wasm or manifest, a denied capability"},
	{0, NULL},
};

/* 1 when credentials for the registry are stored (or a helper has them). */
static int logged_in(const cli_ctx *ctx, const char *registry)
{
	wasmpack_credential cred = WASMPACK_CREDENTIAL_INIT;
	wasmpack_credentials_options copts = WASMPACK_CREDENTIALS_OPTIONS_INIT;
	copts.config_dir = ctx->config_dir;
	int found = wasmpack_credentials_get(&cred, registry, &copts) == 0;
	wasmpack_credential_dispose(&cred);
	return found;
}

/* One line on what the user can do about an error, or nothing. */
static void print_hint(const cli_ctx *ctx, int rc, const char *msg)
{
	const char *reg = ctx->registry[0] ? ctx->registry : NULL;
	const char *cmd = ctx->command ? ctx->command : "";
	if (ctx->quiet)
		return;
	switch (rc) {
	case WASMPACK_EAUTH:
		if (strcmp(cmd, "login") == 0) {
			/* The message already says whose credentials were refused. */
			if (reg && strcmp(reg, "docker.io") == 0)
				fprintf(stderr, "hint: Docker Hub takes a personal access token as the password\n");
		} else if (reg && !logged_in(ctx, reg))
			fprintf(stderr, "hint: run `wasmpack login %s` first\n", reg);
		else if (reg)
			fprintf(stderr, "hint: the stored login for %s was refused or may not do this; "
					"`wasmpack login %s` replaces it\n", reg, reg);
		else
			fprintf(stderr, "hint: run `wasmpack login REGISTRY` first\n");
		return;
	case WASMPACK_ENETWORK:
		if (strstr(msg, "certificate") || strstr(msg, "SSL") || strstr(msg, "TLS"))
			fprintf(stderr, "hint: if %s uses its own CA, pass --ca-file CA.pem "
					"(--insecure skips the check)\n", reg ? reg : "the registry");
		else if (strstr(msg, "429") || strstr(msg, "rate limit"))
			fprintf(stderr, "hint: %s\n",
				reg && strcmp(reg, "docker.io") == 0 && !logged_in(ctx, reg)
					? "Docker Hub allows logged-in users more pulls: run `wasmpack login docker.io`"
					: "wait until the registry's limit resets, then run the command again");
		else if (strstr(msg, "resolve"))
			fprintf(stderr, "hint: check the registry name in the reference and the network\n");
		return;
	case WASMPACK_ENOTFOUND:
		if (strstr(msg, "not in the store"))
			fprintf(stderr, "hint: `wasmpack images` lists the store; `wasmpack build -t NAME FILE.wasm` adds an image\n");
		return;
	case WASMPACK_ELOCKED:
		fprintf(stderr, "hint: another wasmpack is writing to the store; run the command again when it is done\n");
		return;
	default:
		return;
	}
}

int cli_fail(const cli_ctx *ctx, int rc)
{
	char msg[1024];
	const char *last = wasmpack_error_last();
	snprintf(msg, sizeof(msg), "%s", last && *last ? last : wasmpack_strerror(rc));
	cli_progress_end(ctx);
	fprintf(stderr, "wasmpack: %s\n", msg);
	print_hint(ctx, rc, msg);
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
	cli_progress_end(ctx);
	fputs("wasmpack: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
