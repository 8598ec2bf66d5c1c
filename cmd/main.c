/* wasmpack: global options, the command table, and dispatch. */
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "progress.h"

static const cli_command *const commands[] = {
	&cmd_build, &cmd_push, &cmd_pull, &cmd_copy, &cmd_tags, &cmd_login, &cmd_logout,
	&cmd_images, &cmd_inspect, &cmd_tag, &cmd_rmi, &cmd_save, &cmd_load, NULL,
};

static const cli_option global_options[] = {
	{"store", 0, "DIR", "image store (default $WASMPACK_STORE, else $XDG_DATA_HOME/wasmpack)", OPT_STORE},
	{"config", 0, "DIR", "docker config directory (default $DOCKER_CONFIG, else ~/.docker)", OPT_CONFIG},
	{"quiet", 'q', NULL, "print only results: no notes, no progress", OPT_QUIET},
	{"verbose", 'v', NULL, "log each HTTP request and answer, secrets redacted", OPT_VERBOSE},
	{"json", 0, NULL, "print the result as one JSON object on stdout", OPT_JSON},
	{"no-progress", 0, NULL, "no progress bars: plain lines, as when stderr is not a terminal", OPT_NO_PROGRESS},
	{"help", 'h', NULL, "show help", OPT_HELP},
	{"version", 0, NULL, "print the version", OPT_VERSION},
	{0},
};

static void print_options(FILE *out, const cli_option *opts)
{
	for (; opts && opts->name; opts++) {
		char left[64];
		if (opts->short_name)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", opts->short_name, opts->name,
				 opts->arg ? " " : "", opts->arg ? opts->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", opts->name, opts->arg ? " " : "",
				 opts->arg ? opts->arg : "");
		fprintf(out, "  %-28s %s\n", left, opts->help);
	}
}

static void main_help(FILE *out)
{
	fprintf(out, "usage: wasmpack [GLOBAL OPTIONS] COMMAND [ARGS...]\n\n"
		     "Pack WebAssembly modules as OCI images and keep them in a local store.\n\n"
		     "Commands:\n");
	for (size_t i = 0; commands[i]; i++) {
		char brief[512];
		cli_brief(brief, sizeof(brief), commands[i]->summary);
		/* Wrapped at 78 columns under the summary column. */
		const char *p = brief;
		fprintf(out, "  %-10s ", commands[i]->name);
		while (*p) {
			size_t n = strlen(p);
			if (n > 65) {
				n = 65;
				while (n > 0 && p[n] != ' ')
					n--;
				if (n == 0)
					n = 65;
			}
			fprintf(out, "%.*s\n", (int)n, p);
			p += n;
			while (*p == ' ')
				p++;
			if (*p)
				fprintf(out, "  %-10s ", "");
		}
	}
	fprintf(out, "\nGlobal options:\n");
	print_options(out, global_options);
	fprintf(out, "\nRun 'wasmpack help COMMAND' (or 'wasmpack COMMAND --help') for a command's\n"
		     "options, 'man wasmpack' for all of it.\n\nExit codes:\n");
	for (const cli_exit_code *e = cli_exit_codes; e->meaning; e++)
		fprintf(out, "  %d  %s\n", e->code, e->meaning);
}

void cli_help(FILE *out, const cli_command *cmd)
{
	fprintf(out, "usage: wasmpack %s%s%s\n\n%s\n", cmd->name, cmd->usage[0] ? " " : "", cmd->usage,
		cmd->summary);
	if (cmd->options && cmd->options->name) {
		fprintf(out, "\nOptions:\n");
		print_options(out, cmd->options);
	}
	fprintf(out, "\nGlobal options (also accepted here):\n");
	print_options(out, global_options);
}

int cli_usage_error(const cli_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "wasmpack %s: ", ctx->command ? ctx->command : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nRun 'wasmpack help %s' for usage.\n", ctx->command ? ctx->command : "");
	return EXIT_USAGE;
}

static int global_option(cli_ctx *ctx, int id, const char *value)
{
	switch (id) {
	case OPT_STORE: ctx->store_path = value; return 0;
	case OPT_CONFIG: ctx->config_dir = value; return 0;
	case OPT_QUIET: ctx->quiet = 1; return 0;
	case OPT_VERBOSE: ctx->verbose = 1; return 0;
	case OPT_JSON: ctx->json = 1; return 0;
	case OPT_NO_PROGRESS: ctx->no_progress = 1; return 0;
	default: return 1;
	}
}

/* Fills getopt's tables from ours; ids are offset so 0 stays free. */
static int add_getopt(struct option *longs, size_t *nl, char *shorts, size_t *ns,
		      const cli_option *opts)
{
	for (; opts && opts->name; opts++) {
		longs[*nl].name = opts->name;
		longs[*nl].has_arg = opts->arg ? required_argument : no_argument;
		longs[*nl].flag = NULL;
		longs[*nl].val = 1000 + opts->id;
		(*nl)++;
		if (opts->short_name) {
			shorts[(*ns)++] = opts->short_name;
			if (opts->arg)
				shorts[(*ns)++] = ':';
		}
	}
	return 0;
}

static const cli_option *find_short(const cli_option *opts, int c)
{
	for (; opts && opts->name; opts++)
		if (opts->short_name == c)
			return opts;
	return NULL;
}

int cli_parse(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv, int *first,
	      cli_option_fn fn, void *payload)
{
	struct option longs[64];
	char shorts[64] = "+";
	size_t nl = 0, ns = 1;
	memset(longs, 0, sizeof(longs));
	add_getopt(longs, &nl, shorts, &ns, cmd->options);
	add_getopt(longs, &nl, shorts, &ns, global_options);
	shorts[ns] = '\0';

	ctx->command = cmd->name;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		int id;
		if (c == '?' || c == ':') {
			if (optopt > 0 && optopt < 256)
				return cli_usage_error(ctx, "unknown option or missing value: -%c", optopt);
			return cli_usage_error(ctx, "unknown option or missing value: %s", argv[optind - 1]);
		}
		if (c >= 1000 - 100) {
			id = c - 1000;
		} else {
			const cli_option *o = find_short(cmd->options, c);
			if (!o)
				o = find_short(global_options, c);
			id = o ? o->id : 0;
		}
		if (id == OPT_HELP) {
			cli_help(stdout, cmd);
			return -1;
		}
		if (id == OPT_VERSION) {
			printf("wasmpack %s\n", wasmpack_version());
			return -1;
		}
		if (global_option(ctx, id, optarg) == 0)
			continue;
		int rc = fn ? fn(ctx, id, optarg, payload) : EXIT_USAGE;
		if (rc)
			return rc;
	}
	*first = optind;
	return 0;
}

static const char *default_store(void)
{
	static char path[4096];
	const char *s = getenv("WASMPACK_STORE");
	if (s && *s)
		return s;
	const char *xdg = getenv("XDG_DATA_HOME");
	if (xdg && *xdg) {
		snprintf(path, sizeof(path), "%s/wasmpack", xdg);
		return path;
	}
	const char *home = getenv("HOME");
	snprintf(path, sizeof(path), "%s/.local/share/wasmpack", home && *home ? home : ".");
	return path;
}

static const cli_command *find_command(const char *name)
{
	for (size_t i = 0; commands[i]; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	cli_ctx ctx;
	int i = 1;

	memset(&ctx, 0, sizeof(ctx));
	/* Global options before the command. */
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		const char *value = NULL;
		int id = 0;
		for (const cli_option *o = global_options; o->name; o++) {
			size_t n = strlen(o->name);
			if ((a[1] == '-' && strncmp(a + 2, o->name, n) == 0 &&
			     (a[2 + n] == '\0' || (a[2 + n] == '=' && o->arg))) ||
			    (o->short_name && a[1] == o->short_name && a[2] == '\0')) {
				id = o->id;
				if (o->arg) {
					if (a[1] == '-' && a[2 + n] == '=')
						value = a + 3 + n;
					else if (i + 1 < argc)
						value = argv[++i];
					else
						return cli_usage_error(&ctx, "option %s needs a value", a);
				}
				break;
			}
		}
		if (id == OPT_VERSION) {
			printf("wasmpack %s\n", wasmpack_version());
			return EXIT_OK;
		}
		if (id == OPT_HELP) {
			main_help(stdout);
			return EXIT_OK;
		}
		if (!id) {
			fprintf(stderr, "wasmpack: unknown option '%s'\n", a);
			main_help(stderr);
			return EXIT_USAGE;
		}
		global_option(&ctx, id, value);
	}
	if (i >= argc) {
		main_help(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[i], "help") == 0) {
		if (i + 1 >= argc) {
			main_help(stdout);
			return EXIT_OK;
		}
		const cli_command *cmd = find_command(argv[i + 1]);
		if (!cmd) {
			fprintf(stderr, "wasmpack: unknown command '%s'\n", argv[i + 1]);
			return EXIT_USAGE;
		}
		cli_help(stdout, cmd);
		return EXIT_OK;
	}
	if (strcmp(argv[i], "version") == 0) {
		printf("wasmpack %s\n", wasmpack_version());
		return EXIT_OK;
	}
	/* Hidden: what `make` turns into the man page and the completions. */
	if (strcmp(argv[i], "__man") == 0)
		return cli_man(stdout, stdin);
	if (strcmp(argv[i], "__completion") == 0)
		return cli_completion(stdout, i + 1 < argc ? argv[i + 1] : "");
	const cli_command *cmd = find_command(argv[i]);
	if (!cmd) {
		fprintf(stderr, "wasmpack: unknown command '%s'\nRun 'wasmpack --help' for the list.\n",
			argv[i]);
		return EXIT_USAGE;
	}
	ctx.command = cmd->name;
	int rc = cmd->run(&ctx, argc - i, argv + i);
	cli_progress_free(&ctx);
	return rc < 0 ? EXIT_OK : rc;
}

const cli_command *const *cli_commands(void)
{
	return commands;
}

const cli_option *cli_global_options(void)
{
	return global_options;
}

/* The store path is resolved late so --store after the command counts. */
int cli_open_store(const cli_ctx *ctx, wasmpack_store **out)
{
	const char *path = ctx->store_path ? ctx->store_path : default_store();
	int rc = wasmpack_store_open(out, path);
	return rc ? cli_fail(ctx, rc) : 0;
}
