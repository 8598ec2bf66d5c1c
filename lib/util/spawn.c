/* Subprocesses with posix_spawn: no fork of a process that may hold many
 * threads and much memory, and nothing of ours runs in the child. */
#include "util/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/error.h"
#include "util/fs.h"
#include "util/secret.h"

extern char **environ;

/* How long pipes may stay open after the program exited, and how often
 * pump looks whether it has. */
#define EXIT_GRACE_MS 1000
#define EXIT_POLL_MS 100

/* Our ends and the child's ends of its three standard streams. stdin is a
 * socket rather than a pipe so a write can say MSG_NOSIGNAL. */
typedef struct spawn_fds {
	int in[2];  /* [0] ours, [1] the child's stdin */
	int out[2]; /* [0] ours, [1] the child's stdout */
	int err[2]; /* [0] ours, [1] the child's stderr */
} spawn_fds;

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void fds_close(spawn_fds *f)
{
	for (int i = 0; i < 2; i++) {
		close_fd(&f->in[i]);
		close_fd(&f->out[i]);
		close_fd(&f->err[i]);
	}
}

/* Moves fd above the standard descriptors so dup2 onto 0-2 in the child
 * never meets itself (which would leave it close-on-exec). */
static int fd_high(int *fd)
{
	if (*fd > 2)
		return 0;
	int n = fcntl(*fd, F_DUPFD_CLOEXEC, 3);
	if (n < 0)
		return -1;
	close(*fd);
	*fd = n;
	return 0;
}

static int fds_open(spawn_fds *f, const char *name)
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, f->in) != 0 ||
	    pipe2(f->out, O_CLOEXEC) != 0 || pipe2(f->err, O_CLOEXEC) != 0 || fd_high(&f->in[0]) ||
	    fd_high(&f->in[1]) || fd_high(&f->out[0]) || fd_high(&f->out[1]) ||
	    fd_high(&f->err[0]) || fd_high(&f->err[1]))
		return wp_error_os("create pipes for", name);
	return 0;
}

/* posix_spawn with the child's ends on 0-2, signals unblocked and SIGPIPE
 * back to default (we may ignore it; the child should not inherit that),
 * in a process group of its own so a timeout kills whatever it started. */
static int spawn_start(pid_t *pid, const spawn_fds *f, const wp_spawn_opts *o)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	const char *name = o->argv[0];
	int error = 0;
	*pid = -1;
	if ((errno = posix_spawn_file_actions_init(&fa)) != 0)
		return wp_error_os("run", name);
	if ((errno = posix_spawnattr_init(&attr)) != 0) {
		error = wp_error_os("run", name);
		posix_spawn_file_actions_destroy(&fa);
		return error;
	}
	sigset_t none, dfl;
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	if ((errno = posix_spawn_file_actions_adddup2(&fa, f->in[1], 0)) ||
	    (errno = posix_spawn_file_actions_adddup2(&fa, f->out[1], 1)) ||
	    (errno = posix_spawn_file_actions_adddup2(&fa, f->err[1], 2)) ||
	    (errno = posix_spawnattr_setsigmask(&attr, &none)) ||
	    (errno = posix_spawnattr_setsigdefault(&attr, &dfl)) ||
	    (errno = posix_spawnattr_setpgroup(&attr, 0)) ||
	    (errno = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
							     POSIX_SPAWN_SETSIGDEF |
							     POSIX_SPAWN_SETPGROUP))) {
		error = wp_error_os("run", name);
	} else {
		int rc = posix_spawn(pid, o->path, &fa, &attr, o->argv, environ);
		if (rc != 0) {
			*pid = -1;
			error = wp_error(WASMPACK_ERROR, "cannot run %s: %s", o->label,
					 strerror(rc));
		}
	}
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	return error;
}

/* Appends to a buffer that may hold secrets: grows by copy-and-wipe. */
static int out_append(wp_spawn_result *res, const void *data, size_t n)
{
	wasmpack_buf *b = &res->out;
	if (b->size + n + 1 > res->out_cap) {
		size_t ncap = res->out_cap ? res->out_cap : 4096;
		while (ncap < b->size + n + 1)
			ncap *= 2;
		unsigned char *p = malloc(ncap);
		if (!p)
			return -1;
		if (b->data) {
			memcpy(p, b->data, b->size);
			wp_secret_wipe(b->data, res->out_cap);
			free(b->data);
		}
		b->data = p;
		res->out_cap = ncap;
	}
	memcpy(b->data + b->size, data, n);
	b->size += n;
	b->data[b->size] = '\0';
	return 0;
}

/* Sends what is left of the input without blocking; closes our end once
 * all is sent or the child stopped reading. */
static void feed_stdin(int *fd, size_t *written, const wp_spawn_opts *o)
{
	/* MSG_NOSIGNAL: a child that exits without reading must not kill us
	 * with SIGPIPE. */
	ssize_t w = send(*fd, (const char *)o->input + *written, o->input_len - *written,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
	if (w > 0)
		*written += (size_t)w;
	else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		*written = o->input_len; /* the child does not want it */
	if (*written == o->input_len)
		close_fd(fd);
}

static int read_stdout(int *fd, wp_spawn_result *res, const wp_spawn_opts *o)
{
	char chunk[4096];
	int error = 0;
	ssize_t r = read(*fd, chunk, sizeof(chunk));
	if (r == 0) {
		close_fd(fd);
	} else if (r > 0) {
		if (res->out.size + (size_t)r > o->out_max)
			error = wp_error(WASMPACK_ETOOLARGE, "%s: output larger than %zu bytes",
					 o->label, o->out_max);
		else if (out_append(res, chunk, (size_t)r) < 0)
			error = wp_error_nomem();
	} else if (errno != EINTR && errno != EAGAIN) {
		error = wp_error_os("read from", o->argv[0]);
	}
	wp_secret_wipe(chunk, sizeof(chunk));
	return error;
}

static int read_stderr(int *fd, wp_spawn_result *res, const char *name)
{
	char chunk[4096];
	int error = 0;
	ssize_t r = read(*fd, chunk, sizeof(chunk));
	if (r == 0) {
		close_fd(fd);
	} else if (r > 0) {
		size_t room = sizeof(res->err) - res->err_len;
		size_t take = (size_t)r < room ? (size_t)r : room;
		memcpy(res->err + res->err_len, chunk, take);
		res->err_len += take;
	} else if (errno != EINTR && errno != EAGAIN) {
		error = wp_error_os("read from", name);
	}
	/* A helper may echo a secret on stderr: leave none on the stack. */
	wp_secret_wipe(chunk, sizeof(chunk));
	return error;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The child and what it started: SIGKILL to its process group (whose id
 * is the child's pid, spawn_start made it so). */
static void kill_group(pid_t pid) { kill(-pid, SIGKILL); }

static int timed_out(const wp_spawn_opts *o, pid_t pid)
{
	kill_group(pid);
	return wp_error_why(WASMPACK_ERROR, WASMPACK_REASON_TIMEOUT,
			    "%s did not finish within %ld s", o->label,
			    (o->timeout_ms + 999) / 1000);
}

/* Waits for the exit of a child that closed its pipes, up to the
 * timeout. */
static int reap(wp_spawn_result *res, const wp_spawn_opts *o, pid_t pid, long start, int *exited)
{
	while (!*exited) {
		pid_t r = waitpid(pid, &res->status, o->timeout_ms > 0 ? WNOHANG : 0);
		if (r == pid) {
			*exited = 1;
		} else if (r < 0 && errno != EINTR) {
			return wp_error_os("wait for", o->argv[0]);
		} else if (r == 0) {
			if (now_ms() - start >= o->timeout_ms)
				return timed_out(o, pid);
			struct timespec ts = {0, 20 * 1000000};
			nanosleep(&ts, NULL);
		}
	}
	return 0;
}

/* 1 once the child has exited, without reaping it: while it stays a
 * zombie its pid, and so its process group's id, cannot be given to
 * another process, and kill_group cannot hit a stranger. */
static int has_exited(pid_t pid)
{
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

/* Feeds stdin and drains stdout and stderr until both of those close, the
 * child has exited and EXIT_GRACE_MS passed, or the timeout. The child is
 * not reaped here (reap does it, after the last kill_group). */
static int pump(spawn_fds *f, wp_spawn_result *res, const wp_spawn_opts *o, pid_t pid, long start)
{
	size_t written = 0;
	long grace_end = 0;
	int error = 0, gone = 0;
	while (f->out[0] >= 0 || f->err[0] >= 0) {
		struct pollfd pfd[3];
		int n = 0, iw = -1, io = -1, ie = -1;
		long now = now_ms(), wait = EXIT_POLL_MS;
		if (!gone && has_exited(pid)) {
			gone = 1;
			grace_end = now + EXIT_GRACE_MS;
		}
		if (gone && now >= grace_end) {
			/* Exited, but something it left holds the pipes. */
			kill_group(pid);
			break;
		}
		if (o->timeout_ms > 0 && now - start >= o->timeout_ms)
			return timed_out(o, pid);
		if (o->timeout_ms > 0 && start + o->timeout_ms - now < wait)
			wait = start + o->timeout_ms - now;
		if (f->in[0] >= 0) {
			pfd[n] = (struct pollfd){f->in[0], POLLOUT, 0};
			iw = n++;
		}
		if (f->out[0] >= 0) {
			pfd[n] = (struct pollfd){f->out[0], POLLIN, 0};
			io = n++;
		}
		if (f->err[0] >= 0) {
			pfd[n] = (struct pollfd){f->err[0], POLLIN, 0};
			ie = n++;
		}
		int ready = poll(pfd, (nfds_t)n, (int)wait);
		if (ready < 0) {
			if (errno == EINTR)
				continue;
			return wp_error_os("wait for", o->argv[0]);
		}
		if (ready == 0)
			continue;
		if (iw >= 0 && pfd[iw].revents)
			feed_stdin(&f->in[0], &written, o);
		if (io >= 0 && pfd[io].revents && (error = read_stdout(&f->out[0], res, o)) < 0)
			return error;
		if (ie >= 0 && pfd[ie].revents &&
		    (error = read_stderr(&f->err[0], res, o->argv[0])) < 0)
			return error;
	}
	return 0;
}

int wp_spawn_run(wp_spawn_result *res, const wp_spawn_opts *o)
{
	spawn_fds f = {{-1, -1}, {-1, -1}, {-1, -1}};
	pid_t pid = -1;
	long start = now_ms();
	int exited = 0;
	int error;

	memset(res, 0, sizeof(*res));
	if (!o || !o->path || !o->argv || !o->argv[0] || !o->label)
		return wp_error(WASMPACK_EINVALID, "cannot run a program: missing argument");
	if ((error = fds_open(&f, o->argv[0])) < 0 || (error = spawn_start(&pid, &f, o)) < 0)
		goto done;
	close_fd(&f.in[1]);
	close_fd(&f.out[1]);
	close_fd(&f.err[1]);
	if (o->input_len == 0)
		close_fd(&f.in[0]);
	if ((error = pump(&f, res, o, pid, start)) < 0)
		goto done;
	close_fd(&f.in[0]);
	if ((error = reap(res, o, pid, start, &exited)) < 0)
		goto done;
	pid = -1;
done:
	if (pid > 0) {
		/* A failed run: the child and its group go, and are reaped. */
		int status;
		kill_group(pid);
		while (!exited && waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	fds_close(&f);
	return error;
}

void wp_spawn_result_dispose(wp_spawn_result *res)
{
	if (!res)
		return;
	wp_secret_wipe(res->out.data, res->out_cap);
	free(res->out.data);
	res->out.data = NULL;
	res->out.size = res->out_cap = 0;
	wp_secret_wipe(res->err, sizeof(res->err));
	res->err_len = 0;
}

int wp_spawn_find_on_path(char **out, const char *prog)
{
	const char *path = getenv("PATH");
	struct stat st;
	*out = NULL;
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, ":");
		if (n > 0 && p[0] == '/') {
			char *full = wp_asprintf("%.*s/%s", (int)n, p, prog);
			if (!full)
				return WASMPACK_ENOMEM;
			if (stat(full, &st) == 0 && S_ISREG(st.st_mode) &&
			    access(full, X_OK) == 0) {
				*out = full;
				return 0;
			}
			free(full);
		}
		p += n;
		if (*p == ':')
			p++;
	}
	return wp_error(WASMPACK_ENOTFOUND, "'%s' not found on PATH", prog);
}
