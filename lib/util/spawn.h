/* Internal: running a program with data on its stdin and its output
 * collected, for credential helpers and whatever else must run one. */
#ifndef WP_SPAWN_H
#define WP_SPAWN_H

#include <stddef.h>

#include "wasmpack/common.h"

/* How much of stderr is kept: enough for a one-line message. */
#define WP_SPAWN_ERR_MAX 1024

typedef struct wp_spawn_opts {
	const char *path;  /* the executable (a full path: no PATH search) */
	char *const *argv; /* argv[0] names the program in messages */
	const char *label; /* names the run in messages, e.g.
				    "credential helper 'x' get" */
	const void *input; /* written to stdin, which is then closed; */
	size_t input_len;  /* 0 closes stdin at once */
	size_t out_max;    /* stdout beyond this is WASMPACK_ETOOLARGE */
	long timeout_ms;   /* > 0: the whole run, else no limit */
} wp_spawn_opts;

typedef struct wp_spawn_result {
	wasmpack_buf out;           /* all of stdout, NUL-terminated; may hold
				    secrets (wp_spawn_result_dispose wipes) */
	size_t out_cap;             /* bytes allocated at out.data */
	char err[WP_SPAWN_ERR_MAX]; /* the first bytes of stderr */
	size_t err_len;
	int status; /* as waitpid() gave it */
} wp_spawn_result;

/* Runs o->path with o->argv and the caller's environment, in a process
 * group of its own, stdin fed from o->input, stdout and stderr collected
 * into *res until both close, then waits for the exit. Signals are
 * unblocked and SIGPIPE reset to default in the child; a child that stops
 * reading its stdin does not kill us with SIGPIPE. Once the program has
 * exited, its pipes get a second to close: what it left running that
 * still holds them (a grandchild) is then killed with its process group,
 * and the run counts as done. When o->timeout_ms passes first, the whole
 * process group is killed and the run fails (WASMPACK_ERROR, reason
 * TIMEOUT). 0 once the program has exited (whatever its status: read
 * res->status); < 0 when it could not be run, timed out or its output was
 * over the cap (it is then killed and reaped). *res is zeroed first and
 * must be disposed in both cases. */
int wp_spawn_run(wp_spawn_result *res, const wp_spawn_opts *o);

/* Wipes and frees the output. NULL-safe. */
void wp_spawn_result_dispose(wp_spawn_result *res);

/* Looks prog up on $PATH (or /usr/local/bin:/usr/bin:/bin when unset or
 * empty) for a regular executable file, skipping relative and empty
 * entries so nothing runs from wherever the current directory happens to
 * be. New full path in *out (caller frees); WASMPACK_ENOTFOUND when
 * there is none. */
int wp_spawn_find_on_path(char **out, const char *prog);

#endif
