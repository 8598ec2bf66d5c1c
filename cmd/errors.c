/* What the CLI makes of a library error: its exit code and a one-line hint.
 * Both come from one table keyed by the error's reason, with the code as
 * the fallback when the library gave no reason (or one this table does not
 * know). The library's messages state facts; the advice lives here, where
 * the command, its registry and its options are known. Nothing here reads
 * the message text. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* Exit code taken from the error's code, not its reason: for reasons that
 * span several kinds of failure (a registry that fails or answers wrongly,
 * a full disk, a callback). */
#define BY_CODE (-1)

/* Hints that need the context; H_NONE prints nothing. */
typedef enum hint_id {
	H_NONE,
	H_AUTH,       /* login first, or the stored login was refused */
	H_NO_LOGIN,   /* nothing stored: which login to run */
	H_RATE,       /* wait, or log in to Docker Hub */
	H_TLS_VERIFY, /* --ca-file */
	H_PLAIN_HTTP, /* the registry speaks TLS: drop --plain-http */
	H_ADDRESS,    /* nothing listens there */
	H_DNS,        /* the name does not resolve */
	H_NOT_IN_STORE,
	H_LOCKED,
	H_OUT_OF_SPACE,
} hint_id;

typedef struct error_rule {
	wasmpack_error_reason reason; /* NONE: a row for `code` */
	int code;                     /* the fallback rows' key */
	int exit_code;                /* or BY_CODE */
	hint_id hint;
} error_rule;

#define REASON(r, exit, hint)                      \
	{                                          \
		WASMPACK_REASON_##r, 0, exit, hint \
	}
#define CODE(c, exit, hint)                                    \
	{                                                      \
		WASMPACK_REASON_NONE, WASMPACK_##c, exit, hint \
	}

static const error_rule rules[] = {
	/* Reasons first: they say why, so they decide. */
	REASON(INVALID_ARGUMENT, EXIT_USAGE, H_NONE),
	REASON(INVALID_INPUT, EXIT_INTEGRITY, H_NONE),
	REASON(NOT_WASM, EXIT_INTEGRITY, H_NONE),
	REASON(FILE_NOT_FOUND, EXIT_NOTFOUND, H_NONE),
	REASON(NOT_A_FILE, EXIT_USAGE, H_NONE),
	REASON(NOT_IN_STORE, EXIT_NOTFOUND, H_NOT_IN_STORE),
	REASON(NOT_FOUND_REMOTE, EXIT_NOTFOUND, H_NONE),
	REASON(DIGEST_MISMATCH, EXIT_INTEGRITY, H_NONE),
	REASON(POLICY, EXIT_INTEGRITY, H_NONE),
	REASON(TLS_VERIFY, EXIT_NETWORK, H_TLS_VERIFY),
	REASON(TLS, EXIT_NETWORK, H_NONE),
	REASON(PLAIN_HTTP_TO_TLS, EXIT_NETWORK, H_PLAIN_HTTP),
	REASON(DNS, EXIT_NETWORK, H_DNS),
	REASON(CONNECTION_REFUSED, EXIT_NETWORK, H_ADDRESS),
	REASON(TIMEOUT, EXIT_NETWORK, H_NONE),
	REASON(CONNECTION, EXIT_NETWORK, H_NONE),
	REASON(RATE_LIMITED, EXIT_NETWORK, H_RATE),
	/* 5xx are network trouble, malformed answers integrity: the code
	 * tells which. */
	REASON(REGISTRY, BY_CODE, H_NONE),
	REASON(NO_CREDENTIALS, EXIT_AUTH, H_NO_LOGIN),
	REASON(CREDENTIALS_REFUSED, EXIT_AUTH, H_AUTH),
	REASON(DENIED, EXIT_AUTH, H_AUTH),
	REASON(CREDENTIAL_HELPER, BY_CODE, H_NONE),
	REASON(OUT_OF_SPACE, BY_CODE, H_OUT_OF_SPACE),
	REASON(PERMISSION, BY_CODE, H_NONE),
	REASON(LOCKED, BY_CODE, H_LOCKED),
	REASON(IO, BY_CODE, H_NONE),
	REASON(UNSUPPORTED, BY_CODE, H_NONE),
	REASON(TOO_LARGE, BY_CODE, H_NONE),
	REASON(OUT_OF_MEMORY, BY_CODE, H_NONE),
	REASON(CALLBACK, BY_CODE, H_NONE),
	/* Codes, for errors without a reason this table knows. */
	CODE(ENOTFOUND, EXIT_NOTFOUND, H_NONE),
	CODE(EAUTH, EXIT_AUTH, H_AUTH),
	CODE(ENETWORK, EXIT_NETWORK, H_NONE),
	CODE(EDIGEST, EXIT_INTEGRITY, H_NONE),
	CODE(EINVALID, EXIT_INTEGRITY, H_NONE),
	CODE(ETOOLARGE, EXIT_INTEGRITY, H_NONE),
	CODE(EPOLICY, EXIT_INTEGRITY, H_NONE),
	CODE(ELOCKED, EXIT_ERROR, H_LOCKED),
};

#define RULES_COUNT (sizeof(rules) / sizeof(rules[0]))

static const error_rule *rule_for_reason(wasmpack_error_reason reason)
{
	for (size_t i = 0; reason != WASMPACK_REASON_NONE && i < RULES_COUNT; i++)
		if (rules[i].reason == reason)
			return &rules[i];
	return NULL;
}

static const error_rule *rule_for_code(int code)
{
	for (size_t i = 0; i < RULES_COUNT; i++)
		if (rules[i].reason == WASMPACK_REASON_NONE && rules[i].code == code)
			return &rules[i];
	return NULL;
}

int cli_error_exit_code(int code, wasmpack_error_reason reason)
{
	const error_rule *r = rule_for_reason(reason);
	if (r && r->exit_code != BY_CODE)
		return r->exit_code;
	r = rule_for_code(code);
	return r ? r->exit_code : EXIT_ERROR;
}

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

static int is_docker_hub(const char *registry)
{
	return registry && strcmp(registry, "docker.io") == 0;
}

/* Writes the hint line (without "hint: ") into buf, or "" for none. */
static void hint_text(char *buf, size_t size, const cli_ctx *ctx, hint_id hint,
		      wasmpack_error_reason reason)
{
	const char *reg = ctx->registry[0] ? ctx->registry : NULL;
	const char *cmd = ctx->command ? ctx->command : "";
	buf[0] = '\0';
	if (hint == H_AUTH && strcmp(cmd, "login") == 0) {
		/* The message already says whose credentials were refused. */
		if (is_docker_hub(reg) && reason != WASMPACK_REASON_NO_CREDENTIALS)
			snprintf(buf, size,
				 "Docker Hub takes a personal access token as the password");
		return;
	}
	if (hint == H_AUTH && reg && logged_in(ctx, reg)) {
		snprintf(buf, size,
			 "the stored login for %s was refused or may not do this; "
			 "`wasmpack login %s` replaces it%s",
			 reg, reg,
			 is_docker_hub(reg) && reason == WASMPACK_REASON_CREDENTIALS_REFUSED
				 ? " (Docker Hub takes a personal access token as the password)"
				 : "");
		return;
	}
	switch (hint) {
	case H_AUTH:
	case H_NO_LOGIN:
		if (strcmp(cmd, "login") != 0)
			snprintf(buf, size, "run `wasmpack login %s` first",
				 reg ? reg : "REGISTRY");
		return;
	case H_RATE:
		if (is_docker_hub(reg) && !logged_in(ctx, reg))
			snprintf(
				buf, size,
				"Docker Hub allows logged-in users more pulls: run `wasmpack login docker.io`");
		else
			snprintf(
				buf, size,
				"wait until the registry's limit resets, then run the command again");
		return;
	case H_TLS_VERIFY:
		snprintf(
			buf, size,
			"if %s uses its own CA, pass --ca-file CA.pem (--insecure skips the check)",
			reg ? reg : "the registry");
		return;
	case H_PLAIN_HTTP:
		snprintf(
			buf, size,
			"%s speaks TLS: drop --plain-http (and pass --ca-file CA.pem if it uses its own CA)",
			reg ? reg : "the registry");
		return;
	case H_ADDRESS:
		snprintf(
			buf, size,
			"check the registry address and port in the reference, and that the registry is running");
		return;
	case H_DNS:
		snprintf(buf, size, "check the registry name in the reference and the network");
		return;
	case H_NOT_IN_STORE:
		snprintf(
			buf, size,
			"`wasmpack images` lists the store; `wasmpack build -t NAME FILE.wasm` adds an image");
		return;
	case H_LOCKED:
		snprintf(
			buf, size,
			"another wasmpack is writing to the store; run the command again when it is done");
		return;
	case H_OUT_OF_SPACE:
		snprintf(buf, size,
			 "free some space; `wasmpack rmi` removes images from the store");
		return;
	case H_NONE: return;
	}
}

void cli_error_hint(char *buf, size_t size, const cli_ctx *ctx, int code,
		    wasmpack_error_reason reason)
{
	const error_rule *r = rule_for_reason(reason);
	if (!r)
		r = rule_for_code(code);
	if (!size)
		return;
	buf[0] = '\0';
	if (r)
		hint_text(buf, size, ctx, r->hint, reason);
}

int cli_os_error(const char *op, const char *path)
{
	int e = errno;
	char msg[1024];
	wasmpack_error_reason reason = WASMPACK_REASON_IO;
	if (e == ENOSPC || e == EDQUOT)
		reason = WASMPACK_REASON_OUT_OF_SPACE;
	else if (e == EACCES || e == EPERM || e == EROFS)
		reason = WASMPACK_REASON_PERMISSION;
	snprintf(msg, sizeof(msg), "cannot %s '%s': %s", op, path, strerror(e));
	return wasmpack_error_set_str(WASMPACK_EIO, reason, msg);
}
