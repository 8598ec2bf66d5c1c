/* Progress on stderr (progress.c): per-blob bars redrawn in place when
 * stderr is a terminal, else one plain line per blob that is done, and a
 * one-line status for work that reports no progress of its own (build).
 * remote.c feeds it the library's progress callback and -v log lines.
 * It calls only format.c of cmd/: output.c calls it (cli_progress_end
 * before an error or a note), never the other way round. */
#ifndef WASMPACK_PROGRESS_H
#define WASMPACK_PROGRESS_H

#include "cli.h"

/* 1 when progress may be drawn with escape codes: stderr is a terminal
 * (and TERM is not "dumb"), and none of -q, --no-progress, NO_COLOR. */
int cli_progress_tty(const cli_ctx *ctx);

/* Records one blob's progress and redraws, at most a few times a second
 * unless a blob changed state. Called serialized (the library's progress
 * callback never runs twice at once); safe beside cli_progress_log. */
void cli_progress_update(cli_ctx *ctx, const wasmpack_progress *p);

/* Prints a log line (-v) above the bars, which are drawn again below. */
void cli_progress_log(cli_ctx *ctx, const char *line);

/* As cli_progress_log, for a line the user sees without -v (a retry's
 * wait); nothing under -q. */
void cli_progress_notice(cli_ctx *ctx, const char *line);

/* Draws the final state and leaves the cursor below it, so what is printed
 * next does not overwrite the bars. Called by cli_note and cli_fail; a
 * later update starts a new set of bars. */
void cli_progress_end(const cli_ctx *ctx);

/* Frees the display (main, at exit). */
void cli_progress_free(cli_ctx *ctx);

/* A transient status line on a terminal ("packing app.wasm (1.2MB)..."),
 * erased by cli_status_end; nothing when cli_progress_tty is 0. */
void cli_status_begin(const cli_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void cli_status_end(const cli_ctx *ctx);

#endif
