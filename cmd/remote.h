/* What the commands that talk to registries share: the connection flags,
 * the verbose log and the progress display; and what every command that
 * names images shares: parsing a reference with the traps users fall in
 * (a URL, a bare registry, a capitalised first component) explained. */
#ifndef WASMPACK_REMOTE_H
#define WASMPACK_REMOTE_H

#include "cli.h"

enum { R_PLAIN_HTTP = 100, R_INSECURE, R_CA_FILE, R_RETRY_MAX_TIME };

/* The default of --retry-max-time, in seconds. */
#define REMOTE_RETRY_MAX_TIME_DEFAULT 60

/* The option-table rows for --plain-http, --insecure, --ca-file and
 * --retry-max-time. */
#define REMOTE_OPTIONS                                                                             \
	{"plain-http", 0, NULL,                                                                    \
	 "use plain HTTP (loopback registries fall back to it by themselves)", R_PLAIN_HTTP},      \
		{"insecure", 0, NULL, "do not verify the registry's TLS certificate", R_INSECURE}, \
		{"ca-file", 0, "FILE", "trust the CA certificates in FILE (PEM)", R_CA_FILE},      \
	{                                                                                          \
		"retry-max-time", 0, "SECONDS",                                                    \
			"stop retrying after SECONDS (default 60, 0: no retries)",                 \
			R_RETRY_MAX_TIME                                                           \
	}

/* Handles a REMOTE_OPTIONS id into opts: 0 when done, 1 when id is not
 * one, EXIT_USAGE (after the usage error) for a bad value. */
int remote_option(const cli_ctx *ctx, wasmpack_registry_options *opts, int id, const char *value);

/* Fills the registry options every remote command starts from: --config,
 * -v logging. */
void remote_defaults(const cli_ctx *ctx, wasmpack_registry_options *opts);

/* The library's progress callback; payload is the cli_ctx. Bars on a
 * terminal, else one plain line per blob that is done (progress.h). */
void remote_progress(const wasmpack_progress *p, void *payload);

/* Returns 0, or prints a usage error and returns EXIT_USAGE when text
 * starts with a URL scheme ("https://", "docker://", "oci://"), showing
 * the reference without it. */
int remote_check_scheme(const cli_ctx *ctx, const char *text);

/* Parses text as a reference or prints a usage error. A text with a URL
 * scheme ("https://", "docker://", "oci://") is refused with the
 * reference it meant. */
int remote_parse_ref(const cli_ctx *ctx, wasmpack_reference **out, const char *text);

/* 1 when text names only a registry: no '/' nor '@', and it is
 * "localhost", has a '.' (a domain or an IPv4 address), is a bracketed IPv6
 * address, or ends in a ':' port (digits only). Else 0: "app:1.0" is a name
 * and a tag. */
int remote_is_bare_registry(const char *text);

/* Parses a push or copy destination: a bare registry (as above, one
 * trailing '/' allowed) keeps the
 * source's repository path, tag and digest on that registry; anything else
 * as remote_parse_ref. */
int remote_parse_dest(const cli_ctx *ctx, wasmpack_reference **out, const char *text,
		      const wasmpack_reference *src);

/* Warns (a note, never an error) when the first component of a name is
 * taken as a registry host only because it has capitals ("MyName/app"):
 * a push would then go to a host called MyName. */
void remote_warn_host_case(const cli_ctx *ctx, const char *text);

#endif
