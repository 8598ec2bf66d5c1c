/* wasmpack login and logout: check credentials against a registry and keep
 * them where docker keeps them (config.json or its credential helper). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "remote.h"

enum { L_USER = 1, L_PASS, L_STDIN };

static const cli_option login_options[] = {
	{"username", 'u', "USER", "user name (prompted for when missing)", L_USER},
	{"password", 'p', "PASS",
	 "password (visible to other users of the machine: prefer --password-stdin)", L_PASS},
	{"password-stdin", 0, NULL, "read the password (or token) from standard input", L_STDIN},
	REMOTE_OPTIONS,
	{0},
};

static const cli_option logout_options[] = {{0}};

typedef struct login_args {
	wasmpack_registry_options opts;
	const char *user;
	const char *pass;
	int pass_stdin;
} login_args;

static int on_option(cli_ctx *ctx, int id, const char *v, void *payload)
{
	(void)ctx;
	login_args *a = payload;
	if (remote_option(ctx, &a->opts, id, v) == 0)
		return 0;
	switch (id) {
	case L_USER: a->user = v; return 0;
	case L_PASS: a->pass = v; return 0;
	case L_STDIN: a->pass_stdin = 1; return 0;
	default: return EXIT_USAGE;
	}
}

/* "https://index.docker.io/v1/" or "localhost:5000/" -> the host part. */
static void registry_host(char *out, size_t size, const char *text)
{
	const char *s = strstr(text, "://");
	s = s ? s + 3 : text;
	size_t n = strcspn(s, "/");
	snprintf(out, size, "%.*s", (int)n, s);
	if (strcmp(out, "index.docker.io") == 0 || strcmp(out, "registry-1.docker.io") == 0)
		snprintf(out, size, "docker.io");
}

/* Reads one line from fd into buf without its newline; 0 or -1. */
static int read_line(int fd, char *buf, size_t size)
{
	size_t n = 0;
	for (;;) {
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || c == '\n')
			break;
		if (n + 1 < size)
			buf[n++] = c;
	}
	while (n && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return 0;
}

/* Prompts on the terminal; echo off for secrets. -1 without a terminal. */
static int prompt(const char *question, char *buf, size_t size, int secret)
{
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct termios old, quiet;
	int restore = 0;
	if (secret && tcgetattr(fd, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		restore = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
	}
	if (write(fd, question, strlen(question)) < 0) {
		close(fd);
		return -1;
	}
	read_line(fd, buf, size);
	if (restore) {
		tcsetattr(fd, TCSAFLUSH, &old);
		ssize_t ignored = write(fd, "\n", 1); /* the user's Enter was not echoed */
		(void)ignored;
	}
	close(fd);
	return 0;
}

static int run_login(cli_ctx *ctx, int argc, char **argv)
{
	login_args a;
	wasmpack_registry *reg = NULL;
	char host[256], user[256] = "", pass[4096] = "";
	int first = 0, rc, err;

	memset(&a, 0, sizeof(a));
	a.opts.version = WASMPACK_REGISTRY_OPTIONS_VERSION;
	if ((rc = cli_parse(ctx, &cmd_login, argc, argv, &first, on_option, &a)))
		return rc;
	remote_defaults(ctx, &a.opts);
	if (argc - first > 1)
		return cli_usage_error(ctx, "expected one registry");
	registry_host(host, sizeof(host), argc > first ? argv[first] : "docker.io");
	if (!host[0])
		return cli_usage_error(ctx, "no registry host in '%s'", argv[first]);
	snprintf(ctx->registry, sizeof(ctx->registry), "%s", host);
	if (a.pass && a.pass_stdin)
		return cli_usage_error(ctx, "--password and --password-stdin exclude each other");
	if (a.user)
		snprintf(user, sizeof(user), "%s", a.user);
	else if (prompt("Username: ", user, sizeof(user), 0) != 0 || !user[0])
		return cli_usage_error(ctx, "give a user name with -u (no terminal to ask on)");
	if (a.pass_stdin) {
		read_line(STDIN_FILENO, pass, sizeof(pass));
	} else if (a.pass) {
		cli_note(
			ctx,
			"warning: a password on the command line is visible to other users; use --password-stdin");
		snprintf(pass, sizeof(pass), "%s", a.pass);
	} else if (prompt("Password: ", pass, sizeof(pass), 1) != 0) {
		return cli_usage_error(ctx,
				       "give the password on standard input with --password-stdin");
	}
	if (!pass[0])
		return cli_usage_error(ctx, "the password is empty");

	a.opts.username = user;
	a.opts.password = pass;
	if ((err = wasmpack_registry_new(&reg, host, &a.opts)) ||
	    (err = wasmpack_registry_check_login(reg))) {
		rc = cli_fail(ctx, err);
		goto done;
	}
	wasmpack_credential cred = {user, pass, NULL};
	wasmpack_credentials_options copts = WASMPACK_CREDENTIALS_OPTIONS_INIT;
	char *helper = NULL;
	copts.config_dir = ctx->config_dir;
	if ((err = wasmpack_credentials_store(host, &cred, &copts)) ||
	    (err = wasmpack_credentials_helper(&helper, host, &copts))) {
		rc = cli_fail(ctx, err);
		goto done;
	}
	if (!helper)
		cli_note(ctx, "warning: the password is stored unencrypted in config.json; "
			      "configure a credential helper to avoid it");
	free(helper);
	cli_note(ctx, "login succeeded for %s", host);
	rc = EXIT_OK;
done:
	memset(pass, 0, sizeof(pass));
	wasmpack_registry_free(reg);
	return rc;
}

static int run_logout(cli_ctx *ctx, int argc, char **argv)
{
	char host[256];
	int first = 0, rc;
	if ((rc = cli_parse(ctx, &cmd_logout, argc, argv, &first, NULL, NULL)))
		return rc;
	if (argc - first > 1)
		return cli_usage_error(ctx, "expected one registry");
	registry_host(host, sizeof(host), argc > first ? argv[first] : "docker.io");
	wasmpack_credentials_options copts = WASMPACK_CREDENTIALS_OPTIONS_INIT;
	copts.config_dir = ctx->config_dir;
	int err = wasmpack_credentials_erase(host, &copts);
	if (err == WASMPACK_ENOTFOUND) {
		cli_note(ctx, "not logged in to %s", host);
		return EXIT_OK;
	}
	if (err)
		return cli_fail(ctx, err);
	cli_note(ctx, "removed the login for %s", host);
	return EXIT_OK;
}

const cli_command cmd_login = {
	"login",
	run_login,
	"[-u USER] [-p PASS | --password-stdin] [REGISTRY]",
	"Log in to a registry (default docker.io): check the credentials, then\n"
	"store them as docker does, with the credential helper that config.json\n"
	"names, else in config.json itself. For Docker Hub, the password is a\n"
	"personal access token.",
	login_options,
};

const cli_command cmd_logout = {
	"logout",       run_logout,
	"[REGISTRY]",   "Remove the stored login for a registry (default docker.io).",
	logout_options,
};
