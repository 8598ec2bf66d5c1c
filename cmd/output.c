/* Output helpers shared by the commands: errors and exit codes, notes.
 * The formatting helpers are in format.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "progress.h"

const cli_exit_code cli_exit_codes[] = {
	{EXIT_OK, "ok"},
	{EXIT_ERROR, "error"},
	{EXIT_USAGE, "usage: a wrong option or argument"},
	{EXIT_NOTFOUND, "not found: image, tag, blob or file"},
	{EXIT_AUTH, "authentication or authorization refused"},
	{EXIT_NETWORK, "network or registry unavailable (TLS failures and rate limits too)"},
	{EXIT_INTEGRITY,
	 "integrity: digest mismatch, invalid wasm or manifest, a denied capability"},
	{0, NULL},
};

int cli_fail(const cli_ctx *ctx, int rc)
{
	/* Copied first: finding a hint may call the library again. */
	const wasmpack_error_info *info = wasmpack_error_last_info();
	char msg[4096], detail[160] = "", hint[512];
	wasmpack_error_reason reason = info->code == rc ? info->reason : WASMPACK_REASON_NONE;
	/* The message may quote what a registry, an archive or a module said:
	 * escaped, so that it cannot move the cursor or fake a line. */
	cli_safe_into(msg, sizeof(msg), info->message[0] ? info->message : wasmpack_strerror(rc));
	if (ctx->verbose && (reason || info->http_status)) {
		/* -v: what a script or a bug report may want beside the words. */
		int n = snprintf(detail, sizeof(detail), " [%s",
				 wasmpack_error_reason_name(reason));
		if (info->http_status && n > 0 && (size_t)n < sizeof(detail))
			n += snprintf(detail + n, sizeof(detail) - (size_t)n, ", HTTP %ld",
				      info->http_status);
		if (info->registry_code[0] && n > 0 && (size_t)n < sizeof(detail))
			n += snprintf(detail + n, sizeof(detail) - (size_t)n, " %s",
				      info->registry_code);
		if (n > 0 && (size_t)n < sizeof(detail))
			snprintf(detail + n, sizeof(detail) - (size_t)n, "]");
	}
	cli_progress_end(ctx);
	fprintf(stderr, "wasmpack: %s%s\n", msg, detail);
	if (!ctx->quiet) {
		cli_error_hint(hint, sizeof(hint), ctx, rc, reason);
		if (hint[0])
			fprintf(stderr, "hint: %s\n", cli_safe(hint));
	}
	return cli_error_exit_code(rc, reason);
}

void cli_note(const cli_ctx *ctx, const char *fmt, ...)
{
	if (ctx->quiet)
		return;
	va_list ap;
	char line[1024], *text = line;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line) && (text = malloc((size_t)n + 1))) {
		va_start(ap, fmt);
		vsnprintf(text, (size_t)n + 1, fmt, ap);
		va_end(ap);
	} else if (!text) {
		text = line; /* cut rather than lost */
	}
	cli_progress_end(ctx);
	/* Notes name images and quote the library's notes: escaped whole. */
	fprintf(stderr, "wasmpack: %s\n", cli_safe(text));
	if (text != line)
		free(text);
}

int cli_mkstemp_mode(char *tmpl, unsigned mode)
{
	static const char letters[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	size_t len = strlen(tmpl);
	if (len < 6 || strcmp(tmpl + len - 6, "XXXXXX") != 0) {
		errno = EINVAL;
		return -1;
	}
	char *x = tmpl + len - 6;
	for (int attempt = 0; attempt < 100; attempt++) {
		unsigned char r[6];
		if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
			return -1;
		for (size_t i = 0; i < sizeof(r); i++)
			x[i] = letters[r[i] % (sizeof(letters) - 1)];
		/* The mode goes to open(2), which applies the umask: a user who
		 * asked for private files (umask 077) gets them. */
		int fd = open(tmpl, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
			      (mode_t)mode);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	errno = EEXIST;
	return -1;
}
