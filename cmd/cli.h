/* Shared pieces of the wasmpack command-line tool: the command and option
 * tables that drive parsing, help, the man page and the completions; the
 * run context; the parser (parse.c), errors and notes (output.c), and the
 * formatting helpers (format.c). Files call each other in one direction
 * only: main.c -> commands.c -> each command -> parse.c -> output.c ->
 * progress.c -> format.c; main.c -> doc.c, which reads the tables. */
#ifndef WASMPACK_CLI_H
#define WASMPACK_CLI_H

#include <jansson.h>
#include <stdio.h>

#include "wasmpack/wasmpack.h"

/* Exit codes other tools and scripts rely on: documented in --help and the
 * man page (EXIT STATUS), from cli_exit_codes. */
enum {
	EXIT_OK = 0,
	EXIT_ERROR = 1,
	EXIT_USAGE = 2,
	EXIT_NOTFOUND = 3,
	EXIT_AUTH = 4,
	EXIT_NETWORK = 5,
	EXIT_INTEGRITY = 6,
};

/* Global state of one run, filled from global options and the env. */
typedef struct cli_ctx {
	const char *store_path; /* --store, or NULL for the default (store.c) */
	const char *config_dir; /* --config, or NULL for the default */
	int quiet;
	int verbose;
	int json;
	int no_progress;               /* --no-progress: plain lines even on a terminal */
	const char *command;           /* the running command's name */
	char registry[256];            /* the registry the command talks to, for hints */
	struct cli_progress *progress; /* progress display (progress.h), or NULL */
} cli_ctx;

/* One option of a command. `arg` names its value in help ("REF"), NULL for
 * a flag; `id` is what the command's handler switches on. */
typedef struct cli_option {
	const char *name; /* long name without "--" */
	char short_name;  /* 0 when none */
	const char *arg;
	const char *help;
	int id;
} cli_option;

/* Options every command also accepts (ids below 0; a command's own ids are
 * above 0). */
enum {
	OPT_STORE = -1,
	OPT_CONFIG = -2,
	OPT_QUIET = -3,
	OPT_VERBOSE = -4,
	OPT_JSON = -5,
	OPT_HELP = -6,
	OPT_NO_PROGRESS = -7,
	OPT_VERSION = -8,
};

typedef struct cli_command {
	const char *name;
	/* argv[0] is the command's name; returns an exit code, or what
	 * cli_parse returned (CLI_HELP, CLI_VERSION) for main to act on. */
	int (*run)(cli_ctx *ctx, int argc, char **argv);
	const char *usage; /* after "wasmpack NAME " */
	const char *summary;
	const cli_option *options; /* terminated by a zero entry */
} cli_command;

/* Called for each option found, in command-line order; returns 0, or an
 * exit code to stop. `value` points into argv (NULL for a flag). */
typedef int (*cli_option_fn)(cli_ctx *ctx, int id, const char *value, void *payload);

/* What the parser returns when -h/--help or --version was given: the
 * command returns it unchanged and main prints the help or the version
 * (the parser prints nothing but usage errors). */
enum { CLI_HELP = -1, CLI_VERSION = -2 };

/* parse.c: parses argv (argv[0] is the command name) against cmd's options
 * and the global ones. Options may come anywhere: "--opt value",
 * "--opt=value", an unambiguous prefix of a long name, "-o value", "-ovalue",
 * "-qv"; "--" ends them. The command's own options shadow global ones of
 * the same name. Positional arguments are moved, in order, to
 * argv[*first..argc-1]. Returns 0, EXIT_USAGE after printing a usage error,
 * CLI_HELP, CLI_VERSION, or what fn returned. */
int cli_parse(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv, int *first,
	      cli_option_fn fn, void *payload);

/* As cli_parse, and *rest is the index in argv of the first positional
 * argument that came after "--" (argc when there was none): build passes
 * those to the module. */
int cli_parse_rest(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv, int *first,
		   int *rest, cli_option_fn fn, void *payload);

/* The global options before the command (main): stops at the first
 * positional argument, whose index goes to *command (argc when none).
 * Returns 0, EXIT_USAGE, or CLI_HELP/CLI_VERSION once all the options
 * before the command are read. */
int cli_parse_globals(cli_ctx *ctx, int argc, char **argv, int *command);

/* Prints "wasmpack CMD: MESSAGE" for a usage problem; returns EXIT_USAGE. */
int cli_usage_error(const cli_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* doc.c: a command's help, and the tool's, generated from the tables. */
void cli_help(FILE *out, const cli_command *cmd);
void cli_main_help(FILE *out);

/* Prints the library's last error ("wasmpack: <message>", with its reason
 * under -v) and the hint for it, and returns the exit code for the library
 * code `rc` and the error's reason (errors.c). */
int cli_fail(const cli_ctx *ctx, int rc);

/* errors.c: the one table from a library error's reason (else its code)
 * to an exit code and a hint. */
int cli_error_exit_code(int code, wasmpack_error_reason reason);
/* The hint for the error without "hint: ", or "" when there is none. May
 * call the library (to see whether a login is stored). */
void cli_error_hint(char *buf, size_t size, const cli_ctx *ctx, int code,
		    wasmpack_error_reason reason);
/* Records errno's failure of `op` on `path` as the last error, the way a
 * library callback does (wasmpack_error_set_str), so that cli_fail prints
 * it with its reason (out of space, permission). Returns WASMPACK_EIO. */
int cli_os_error(const char *op, const char *path);

/* Creates the new file tmpl names, its last six characters ("XXXXXX")
 * replaced by random ones, as mkostemp does, but with `mode` reduced by
 * the umask (0666 for a file, 0777 for one meant to run) instead of 0600:
 * what a command writes for the user honours the umask like any tool's
 * output. Returns the fd (close-on-exec), or -1 with errno set. */
int cli_mkstemp_mode(char *tmpl, unsigned mode);

/* Prints a one-line message to stderr unless -q ("wasmpack: ..."). */
void cli_note(const cli_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* store.c: opens the store named by the context (--store, else the
 * environment), or prints why not and returns the exit code. */
int cli_open_store(const cli_ctx *ctx, wasmpack_store **out);
/* For commands that only read: *out stays NULL (and 0 comes back) when
 * there is no store yet, with a note when the directory is something
 * else; nothing is created. */
int cli_open_store_ro(const cli_ctx *ctx, wasmpack_store **out);
/* The store path in use; *from (may be NULL) says where it came from
 * ("--store", "$WASMPACK_STORE", "default, ..."). */
const char *cli_store_path(const cli_ctx *ctx, const char **from);
/* When text is an image ID (a digest, or 12+ hex digits of one, with or
 * without "sha256:") of a stored image, *out (caller frees) names it by
 * digest and 0 comes back; -1 when text is to be read as a reference
 * instead (not ID-shaped, or bare hex no image has); else the exit code
 * of the error printed (ambiguous, or a "sha256:" no image has). */
int cli_image_id(const cli_ctx *ctx, wasmpack_reference **out, const char *text);

/* format.c: text that came from outside (a module, an image, a registry,
 * the store) made safe for a terminal: C0 controls, DEL, C1 code points
 * and bytes that are not valid UTF-8 become "\xNN"; printable UTF-8 stays
 * as it is. Returns text itself when nothing needs escaping, else a copy
 * this file owns, valid until 16 more escaped copies have been made (use
 * it in one printf, do not keep it). NULL stays NULL. Never for --json:
 * jansson escapes JSON itself. */
const char *cli_safe(const char *text);
/* The same into buf (cut at a character or escape boundary to fit). */
void cli_safe_into(char *buf, size_t size, const char *text);

/* format.c: writes j to stdout as indented JSON plus a newline, and
 * releases j. */
int cli_print_json(json_t *j);

/* parse.c: collects "K=V" into list; returns EXIT_USAGE with a message
 * when malformed. */
int cli_add_kv(const cli_ctx *ctx, wasmpack_kvlist *list, const char *text, const char *what);

/* The commands, each defined beside its code, listed in commands.c. */
extern const cli_command cmd_build, cmd_images, cmd_inspect, cmd_tag, cmd_rmi, cmd_push, cmd_pull,
	cmd_login, cmd_logout, cmd_copy, cmd_tags, cmd_save, cmd_load, cmd_prune, cmd_info;

/* format.c: shared renderings of OCI and wasm facts for inspect and images. */
const char *cli_wasm_kind(const wasmpack_wasm *w);
const char *cli_wasi_name(wasmpack_wasi_version v);
/* "filesystem, clocks; no network" style capability sentence into buf;
 * never "no network" nor "nothing" when caps has WASMPACK_CAP_HOST. */
void cli_reach_sentence(char *buf, size_t size, unsigned caps);
/* Whether w is not WASI at all: no WASI import, functions of its host
 * wasmpack does not know. */
int cli_not_wasi(const wasmpack_wasm *w);
/* "gojs.runtime.wasmExit and 21 more" for the host imports of w. */
void cli_host_imports_brief(char *buf, size_t size, const wasmpack_wasm *w);
/* {"network": ["wasi_snapshot_preview1.sock_accept"], ...}: the imports
 * behind each capability class of w, as a new JSON object. */
json_t *cli_imports_by_capability_json(const wasmpack_wasm *w);
/* Prints "By capability:" and, under it, each import that reaches a
 * class with the class, in class order; nothing when none does. */
void cli_print_imports_by_capability(const wasmpack_wasm *w);
/* "12.3kB" style size into buf. */
void cli_human_size(char *buf, size_t size, int64_t n);
/* parse.c: "network,filesystem" to WASMPACK_CAP_* bits; EXIT_USAGE with a
 * message when a name is unknown. */
int cli_parse_caps(const cli_ctx *ctx, const char *text, unsigned *out);
/* As cli_parse_caps for --allow, where "none" allows no class at all
 * (WASMPACK_CAP_NOTHING). */
int cli_parse_allow(const cli_ctx *ctx, const char *text, unsigned *out);
/* A summary's first sentence (or clause before ": "), on one line. */
void cli_brief(char *buf, size_t size, const char *summary);
/* The capability names of caps as a new JSON array. */
json_t *cli_caps_json(unsigned caps);

/* The tables help, the man page and the completions are made from: the
 * commands (commands.c, NULL-terminated), the global options (parse.c),
 * the exit codes (output.c). */
const cli_command *const *cli_commands(void);
const cli_command *cli_find_command(const char *name); /* NULL when unknown */
const cli_option *cli_global_options(void);
typedef struct cli_exit_code {
	int code;
	const char *meaning;
} cli_exit_code;
extern const cli_exit_code cli_exit_codes[]; /* ends with a NULL meaning */

/* doc.c: `wasmpack __man < doc/wasmpack.1.in` and `wasmpack __completion
 * bash|zsh`, both generated from the tables above. */
int cli_man(FILE *out, FILE *template_in);
int cli_completion(FILE *out, const char *shell);

#endif
