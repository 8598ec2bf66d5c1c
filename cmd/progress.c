/* The progress display of push, pull and copy: one line per blob, redrawn
 * in place on a terminal (bytes, rate, ETA, state), plain lines elsewhere. */
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

#define REDRAW_SECONDS 0.15 /* a few frames a second */
#define LINES_MAX 20        /* beyond that, finished blobs fold into one line */

typedef struct blob_line {
	char id[13];      /* the digest's first 12 hex digits */
	const char *kind; /* "manifest", "config", "layer" */
	int64_t done, total;
	wasmpack_progress_state state;
	double started;  /* when bytes began to move; 0 = not yet */
	double finished; /* when it reached a final state; 0 = not yet */
} blob_line;

struct cli_progress {
	pthread_mutex_t lock;
	int tty;
	blob_line *blobs;
	size_t count, cap;
	size_t drawn; /* lines on screen from the last frame */
	double last_draw;
	int dirty; /* something changed since the last frame */
};

static pthread_mutex_t create_lock = PTHREAD_MUTEX_INITIALIZER;

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cli_progress_tty(const cli_ctx *ctx)
{
	const char *no_color = getenv("NO_COLOR");
	const char *term = getenv("TERM");
	if (ctx->quiet || ctx->no_progress || (no_color && *no_color))
		return 0;
	if (term && strcmp(term, "dumb") == 0)
		return 0;
	return isatty(STDERR_FILENO);
}

static struct cli_progress *get(cli_ctx *ctx)
{
	pthread_mutex_lock(&create_lock);
	if (!ctx->progress) {
		struct cli_progress *p = calloc(1, sizeof(*p));
		if (p) {
			pthread_mutex_init(&p->lock, NULL);
			p->tty = cli_progress_tty(ctx);
		}
		ctx->progress = p;
	}
	pthread_mutex_unlock(&create_lock);
	return ctx->progress;
}

static int terminal_width(void)
{
	struct winsize ws;
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

static const char *kind_of(const char *media_type)
{
	if (!media_type)
		return "blob";
	if (strstr(media_type, "manifest") || strstr(media_type, "index"))
		return "manifest";
	if (strstr(media_type, "config"))
		return "config";
	return "layer";
}

static int is_final(wasmpack_progress_state s)
{
	return s == WASMPACK_PROGRESS_EXISTS || s == WASMPACK_PROGRESS_MOUNTED ||
	       s == WASMPACK_PROGRESS_UPLOADED || s == WASMPACK_PROGRESS_VERIFIED ||
	       s == WASMPACK_PROGRESS_FAILED;
}

static const char *state_word(wasmpack_progress_state s)
{
	switch (s) {
	case WASMPACK_PROGRESS_EXISTS: return "exists";
	case WASMPACK_PROGRESS_MOUNTED: return "mounted";
	case WASMPACK_PROGRESS_UPLOADING: return "uploading";
	case WASMPACK_PROGRESS_UPLOADED: return "uploaded";
	case WASMPACK_PROGRESS_DOWNLOADING: return "downloading";
	case WASMPACK_PROGRESS_VERIFIED: return "verified";
	case WASMPACK_PROGRESS_FAILED: return "failed";
	default: return "waiting";
	}
}

static void duration(char *buf, size_t size, double s)
{
	long t = s < 0 ? 0 : (long)(s + 0.5);
	if (t >= 3600)
		snprintf(buf, size, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, size, "%ld:%02ld", t / 60, t % 60);
}

/* One blob's line, cut to width - 1 columns (all ASCII) so it never wraps
 * and the cursor arithmetic of the redraw stays right. */
static void format_line(char *out, size_t size, const blob_line *b, double now, int width)
{
	char total[32], done[32], rate[40] = "", tail[64] = "", bar[64] = "";
	double elapsed = b->started > 0 ? (b->finished > 0 ? b->finished : now) - b->started : 0;
	cli_human_size(total, sizeof(total), b->total);
	cli_human_size(done, sizeof(done), b->done);
	if (elapsed > 0.05 && b->done > 0) {
		char r[32];
		cli_human_size(r, sizeof(r), (int64_t)((double)b->done / elapsed));
		snprintf(rate, sizeof(rate), "%s/s", r);
	}
	int moving = b->state == WASMPACK_PROGRESS_DOWNLOADING ||
		     (b->state == WASMPACK_PROGRESS_UPLOADING && b->done > 0);
	if (moving && b->total > 0) {
		int cells = width >= 100 ? 30 : width >= 80 ? 20 : width >= 64 ? 10 : 0;
		if (cells) {
			int full = (int)((double)cells * (double)b->done / (double)b->total);
			if (full > cells)
				full = cells;
			bar[0] = '[';
			for (int i = 0; i < cells; i++)
				bar[1 + i] = i < full ? '=' : (i == full ? '>' : ' ');
			bar[1 + cells] = ']';
			bar[2 + cells] = '\0';
		}
		if (rate[0] && b->done < b->total) {
			char eta[24];
			duration(eta, sizeof(eta),
				 (double)(b->total - b->done) / ((double)b->done / elapsed));
			snprintf(tail, sizeof(tail), "ETA %s", eta);
		}
		/* The bar stands for the state word while bytes move. */
		snprintf(out, size, "%-12s %-8s %s %s/%s %s %s", b->id, b->kind,
			 bar[0] ? bar : state_word(b->state), done, total, rate, tail);
	} else if (b->state == WASMPACK_PROGRESS_UPLOADING) {
		char el[24];
		duration(el, sizeof(el), elapsed);
		snprintf(out, size, "%-12s %-8s %-11s %s %s", b->id, b->kind, "uploading", total,
			 el);
	} else if ((b->state == WASMPACK_PROGRESS_UPLOADED ||
		    b->state == WASMPACK_PROGRESS_VERIFIED) &&
		   elapsed > 0) {
		snprintf(out, size, "%-12s %-8s %-11s %s in %.1fs%s%s%s", b->id, b->kind,
			 state_word(b->state), total, elapsed, rate[0] ? " (" : "", rate,
			 rate[0] ? ")" : "");
	} else {
		snprintf(out, size, "%-12s %-8s %-11s %s", b->id, b->kind, state_word(b->state),
			 total);
	}
	/* Trailing blanks from empty fields, then the width cut. */
	size_t n = strlen(out);
	while (n && out[n - 1] == ' ')
		out[--n] = '\0';
	if (width > 1 && n > (size_t)(width - 1))
		out[width - 1] = '\0';
}

/* Appends to a growing frame buffer; drops what does not fit. */
typedef struct frame {
	char data[16384];
	size_t len;
} frame;

static void frame_add(frame *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void frame_add(frame *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(f->data + f->len, sizeof(f->data) - f->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		f->len += (size_t)n < sizeof(f->data) - f->len ? (size_t)n
							       : sizeof(f->data) - f->len - 1;
}

/* Moves back over the last frame and writes the current one. Caller
 * holds the lock. `above` is printed first, as its own line(s). */
static void draw(struct cli_progress *p, const char *above)
{
	static frame f;
	double now = now_seconds();
	int width = terminal_width();
	char line[512];
	f.len = 0;
	if (p->drawn)
		frame_add(&f, "\033[%zuA", p->drawn);
	frame_add(&f, "\r\033[J");
	if (above)
		frame_add(&f, "%s\n", above);
	size_t shown = 0, folded = 0;
	int64_t folded_bytes = 0;
	/* With many blobs, finished ones fold into a summary line. */
	int fold = p->count > LINES_MAX;
	for (size_t i = 0; i < p->count; i++) {
		const blob_line *b = &p->blobs[i];
		if (fold && b->finished > 0 && b->state != WASMPACK_PROGRESS_FAILED) {
			folded++;
			folded_bytes += b->total;
			continue;
		}
		if (shown == LINES_MAX - 1)
			continue;
		format_line(line, sizeof(line), b, now, width);
		frame_add(&f, "%s\n", line);
		shown++;
	}
	if (folded) {
		char sz[32];
		cli_human_size(sz, sizeof(sz), folded_bytes);
		snprintf(line, sizeof(line), "%zu more blob%s done (%s)", folded,
			 folded == 1 ? "" : "s", sz);
		if (width > 1 && strlen(line) > (size_t)(width - 1))
			line[width - 1] = '\0';
		frame_add(&f, "%s\n", line);
		shown++;
	}
	fwrite(f.data, 1, f.len, stderr);
	fflush(stderr);
	p->drawn = shown;
	p->last_draw = now;
	p->dirty = 0;
}

/* The plain line of a blob that reached a final state (no terminal). */
static void plain_line(const cli_ctx *ctx, const wasmpack_progress *p)
{
	const char *what = NULL;
	switch (p->state) {
	case WASMPACK_PROGRESS_EXISTS: what = "already there"; break;
	case WASMPACK_PROGRESS_MOUNTED: what = "mounted"; break;
	case WASMPACK_PROGRESS_UPLOADED: what = "uploaded"; break;
	case WASMPACK_PROGRESS_VERIFIED: what = "downloaded and verified"; break;
	case WASMPACK_PROGRESS_FAILED: what = "failed"; break;
	default: return;
	}
	const char *hex = wasmpack_digest_hex(p->digest);
	if (ctx->quiet)
		return;
	fprintf(stderr, "wasmpack: %.12s %s (%lld bytes)\n", hex ? hex : cli_safe(p->digest), what,
		(long long)p->total);
}

void cli_progress_update(cli_ctx *ctx, const wasmpack_progress *p)
{
	struct cli_progress *pr = get(ctx);
	if (!pr || !pr->tty) {
		plain_line(ctx, p);
		return;
	}
	pthread_mutex_lock(&pr->lock);
	const char *hex = wasmpack_digest_hex(p->digest);
	if (!hex)
		hex = p->digest ? cli_safe(p->digest) : "?"; /* not a digest: shown escaped */
	blob_line *b = NULL;
	for (size_t i = 0; i < pr->count; i++)
		if (strncmp(pr->blobs[i].id, hex, 12) == 0) {
			b = &pr->blobs[i];
			break;
		}
	int changed = 0;
	if (!b) {
		if (pr->count == pr->cap) {
			size_t cap = pr->cap ? pr->cap * 2 : 8;
			blob_line *g = realloc(pr->blobs, cap * sizeof(*g));
			if (!g) {
				pthread_mutex_unlock(&pr->lock);
				return;
			}
			pr->blobs = g;
			pr->cap = cap;
		}
		b = &pr->blobs[pr->count++];
		memset(b, 0, sizeof(*b));
		snprintf(b->id, sizeof(b->id), "%.12s", hex);
		b->kind = kind_of(p->media_type);
		b->state = WASMPACK_PROGRESS_WAITING;
		changed = 1;
	}
	double now = now_seconds();
	if (b->state != p->state)
		changed = 1;
	if (!b->started &&
	    (p->state == WASMPACK_PROGRESS_UPLOADING || p->state == WASMPACK_PROGRESS_DOWNLOADING))
		b->started = now;
	if (is_final(p->state) && !b->finished)
		b->finished = now;
	b->state = p->state;
	b->done = p->done;
	b->total = p->total;
	pr->dirty = 1;
	if (changed || now - pr->last_draw >= REDRAW_SECONDS)
		draw(pr, NULL);
	pthread_mutex_unlock(&pr->lock);
}

void cli_progress_log(cli_ctx *ctx, const char *line)
{
	struct cli_progress *pr = get(ctx);
	if (!pr || !pr->tty || (!pr->drawn && !pr->count)) {
		fprintf(stderr, "wasmpack: %s\n", cli_safe(line));
		return;
	}
	/* -v lines quote what a server sent: escaped like every remote text. */
	char text[1024];
	snprintf(text, sizeof(text), "wasmpack: %s", cli_safe(line));
	pthread_mutex_lock(&pr->lock);
	draw(pr, text);
	pthread_mutex_unlock(&pr->lock);
}

void cli_progress_notice(cli_ctx *ctx, const char *line)
{
	if (ctx->quiet)
		return;
	cli_progress_log(ctx, line);
}

void cli_progress_end(const cli_ctx *ctx)
{
	struct cli_progress *pr = ctx->progress;
	if (!pr)
		return;
	pthread_mutex_lock(&pr->lock);
	if (pr->tty && pr->count && pr->dirty)
		draw(pr, NULL);
	/* The frame stays on screen; the next one starts below it. */
	pr->drawn = 0;
	pr->count = 0;
	pthread_mutex_unlock(&pr->lock);
}

void cli_progress_free(cli_ctx *ctx)
{
	struct cli_progress *pr = ctx->progress;
	if (!pr)
		return;
	cli_progress_end(ctx);
	pthread_mutex_destroy(&pr->lock);
	free(pr->blobs);
	free(pr);
	ctx->progress = NULL;
}

static int status_shown;

void cli_status_begin(const cli_ctx *ctx, const char *fmt, ...)
{
	if (!cli_progress_tty(ctx))
		return;
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	int width = terminal_width();
	if (width > 1 && strlen(text) > (size_t)(width - 1))
		text[width - 1] = '\0';
	fprintf(stderr, "\r\033[2K%s", text);
	fflush(stderr);
	status_shown = 1;
}

void cli_status_end(const cli_ctx *ctx)
{
	(void)ctx;
	if (!status_shown)
		return;
	fputs("\r\033[2K", stderr);
	fflush(stderr);
	status_shown = 0;
}
