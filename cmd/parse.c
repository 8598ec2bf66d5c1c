/* The command line: one parser for the global options and every command's
 * own, usage errors, and the option values several commands take
 * (capabilities, K=V). Options may come before or after the command and
 * anywhere among its positional arguments, as docker, oras, crane and
 * skopeo accept; "--" ends them. Of cmd/, this file calls only output.c
 * (cli_fail): help is printed by main (CLI_HELP), so the parser does not
 * depend on the command table, which depends on it. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const cli_option global_options[] = {
	{"store", 0, "DIR", "image store (default $WASMPACK_STORE, else $XDG_DATA_HOME/wasmpack)",
	 OPT_STORE},
	{"config", 0, "DIR", "docker config directory (default $DOCKER_CONFIG, else ~/.docker)",
	 OPT_CONFIG},
	{"quiet", 'q', NULL, "print only results: no notes, no progress", OPT_QUIET},
	{"verbose", 'v', NULL, "log each HTTP request and answer, secrets redacted", OPT_VERBOSE},
	{"json", 0, NULL, "print the result as one JSON object on stdout", OPT_JSON},
	{"no-progress", 0, NULL, "no progress bars: plain lines, as when stderr is not a terminal",
	 OPT_NO_PROGRESS},
	{"help", 'h', NULL, "show help", OPT_HELP},
	{"version", 0, NULL, "print the version", OPT_VERSION},
	{0},
};

const cli_option *cli_global_options(void) { return global_options; }

int cli_usage_error(const cli_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	if (ctx->command)
		fprintf(stderr, "wasmpack %s: ", ctx->command);
	else
		fputs("wasmpack: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (ctx->command)
		fprintf(stderr, "\nRun 'wasmpack help %s' for usage.\n", ctx->command);
	else
		fputs("\nRun 'wasmpack --help' for usage.\n", stderr);
	return EXIT_USAGE;
}

static int has_long(const cli_option *o, const char *name)
{
	for (; o && o->name; o++)
		if (strcmp(o->name, name) == 0)
			return 1;
	return 0;
}

/* An option is looked up in the command's table (`own`, NULL before the
 * command) first, then among the globals it does not shadow: inspect
 * --config is inspect's flag, so the global --config goes before the
 * command there. */
static int shadowed(const cli_option *own, const cli_option *g) { return has_long(own, g->name); }

/* The option --NAME (n bytes of name) means: an exact name, else the one
 * option the name is a prefix of, as getopt_long allows. NULL after a
 * usage error. */
static const cli_option *find_long(const cli_ctx *ctx, const cli_option *own, const char *name,
				   size_t n)
{
	const cli_option *match = NULL;
	int count = 0;
	char names[256] = "";
	if (n == 0) { /* "--=x" */
		cli_usage_error(ctx, "unknown option '--%s'", name);
		return NULL;
	}
	for (int pass = 0; pass < 2; pass++) {
		for (int k = 0; k < 2; k++) {
			const cli_option *o = k == 0 ? own : global_options;
			for (; o && o->name; o++) {
				if (k == 1 && shadowed(own, o))
					continue;
				if (strncmp(o->name, name, n) != 0)
					continue;
				if (pass == 0) {
					if (o->name[n] == '\0')
						return o;
					continue;
				}
				match = o;
				count++;
				size_t used = strlen(names);
				snprintf(names + used, sizeof(names) - used, "%s--%s",
					 used ? ", " : "", o->name);
			}
		}
	}
	if (count == 1)
		return match;
	if (count > 1)
		cli_usage_error(ctx, "ambiguous option '--%.*s' (%s)", (int)n, name, names);
	else
		cli_usage_error(ctx, "unknown option '--%.*s'", (int)n, name);
	return NULL;
}

static const cli_option *find_short(const cli_ctx *ctx, const cli_option *own, char c)
{
	for (const cli_option *o = own; o && o->name; o++)
		if (o->short_name == c)
			return o;
	for (const cli_option *o = global_options; o->name; o++)
		if (o->short_name == c && !shadowed(own, o))
			return o;
	cli_usage_error(ctx, "unknown option '-%c'", c);
	return NULL;
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

/* Applies one option: 0 to go on, or what the parse returns. */
static int apply(cli_ctx *ctx, const cli_option *o, const char *value, cli_option_fn fn,
		 void *payload)
{
	if (o->id == OPT_HELP)
		return CLI_HELP;
	if (o->id == OPT_VERSION)
		return CLI_VERSION;
	if (global_option(ctx, o->id, value) == 0)
		return 0;
	if (!fn)
		return cli_usage_error(ctx, "option '--%s' is not handled", o->name);
	return fn(ctx, o->id, value, payload);
}

/* The value of an option that takes one: `attached` (after "=" or the
 * letter), else the next argument, whatever it looks like (`-o -`). */
static int take_value(const cli_ctx *ctx, const cli_option *o, const char *spelled,
		      const char *attached, int argc, char **argv, int *i, const char **value)
{
	if (attached) {
		*value = attached;
		return 0;
	}
	if (*i + 1 >= argc)
		return cli_usage_error(ctx, "option '%s' needs a value (%s)", spelled, o->arg);
	*value = argv[++*i];
	return 0;
}

/* One "-abc" group: flags, and at most one option with a value, last
 * ("-qt REF", "-tREF"). */
static int parse_short(cli_ctx *ctx, const cli_option *own, int argc, char **argv, int *i,
		       cli_option_fn fn, void *payload)
{
	for (const char *p = argv[*i] + 1; *p; p++) {
		const cli_option *o = find_short(ctx, own, *p);
		const char *value = NULL;
		if (!o)
			return EXIT_USAGE;
		if (o->arg) {
			char spelled[3] = {'-', *p, '\0'};
			int rc = take_value(ctx, o, spelled, p[1] ? p + 1 : NULL, argc, argv, i,
					    &value);
			if (rc)
				return rc;
			return apply(ctx, o, value, fn, payload);
		}
		int rc = apply(ctx, o, NULL, fn, payload);
		if (rc)
			return rc;
	}
	return 0;
}

/* "--name", "--name=value", "--name value". */
static int parse_long(cli_ctx *ctx, const cli_option *own, int argc, char **argv, int *i,
		      cli_option_fn fn, void *payload)
{
	const char *name = argv[*i] + 2;
	const char *eq = strchr(name, '=');
	size_t n = eq ? (size_t)(eq - name) : strlen(name);
	const cli_option *o = find_long(ctx, own, name, n);
	const char *value = NULL;
	if (!o)
		return EXIT_USAGE;
	if (!o->arg && eq)
		return cli_usage_error(ctx, "option '--%s' takes no value", o->name);
	if (o->arg) {
		char spelled[64];
		snprintf(spelled, sizeof(spelled), "--%s", o->name);
		int rc = take_value(ctx, o, spelled, eq ? eq + 1 : NULL, argc, argv, i, &value);
		if (rc)
			return rc;
	}
	return apply(ctx, o, value, fn, payload);
}

/* The parse itself. `own` NULL: the global options before the command,
 * stopping at the first positional argument (the command's name), whose
 * index goes to *first. Else the whole of argv[1..]: positional arguments
 * are moved, in order, to argv[*first..argc-1]; *rest is where those after
 * "--" begin. CLI_HELP and CLI_VERSION end the parse where they appear. */
static int parse(cli_ctx *ctx, const cli_option *own, int argc, char **argv, int *first, int *rest,
		 cli_option_fn fn, void *payload)
{
	int kept = 1;    /* positionals are gathered at argv[1..kept-1] */
	int before = -1; /* positionals before "--", once it is seen */
	int stop = own == NULL;
	int pending = 0; /* before the command: help or version, shown once the command is known */
	int i;

	for (i = 1; i < argc; i++) {
		char *a = argv[i];
		int rc;
		if (before >= 0 || a[0] != '-' || a[1] == '\0') {
			if (stop)
				break;
			argv[kept++] = a; /* kept <= i: nothing unread is overwritten */
			continue;
		}
		if (strcmp(a, "--") == 0) {
			if (stop) {
				i++;
				break;
			}
			before = kept - 1;
			continue;
		}
		rc = a[1] == '-' ? parse_long(ctx, own, argc, argv, &i, fn, payload)
				 : parse_short(ctx, own, argc, argv, &i, fn, payload);
		if ((rc == CLI_HELP || rc == CLI_VERSION) && stop) {
			if (!pending)
				pending = rc;
			continue;
		}
		if (rc)
			return rc;
	}
	if (stop) {
		*first = i;
		return pending;
	}
	/* Positionals to the end, as getopt leaves them. */
	int count = kept - 1;
	memmove(argv + argc - count, argv + 1, (size_t)count * sizeof(*argv));
	*first = argc - count;
	if (rest)
		*rest = before >= 0 ? *first + before : argc;
	return 0;
}

int cli_parse(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv, int *first,
	      cli_option_fn fn, void *payload)
{
	return cli_parse_rest(ctx, cmd, argc, argv, first, NULL, fn, payload);
}

int cli_parse_rest(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv, int *first,
		   int *rest, cli_option_fn fn, void *payload)
{
	/* An empty table still stands for "a command": parse all of argv. */
	static const cli_option none[] = {{0}};
	ctx->command = cmd->name;
	return parse(ctx, cmd->options ? cmd->options : none, argc, argv, first, rest, fn, payload);
}

int cli_parse_globals(cli_ctx *ctx, int argc, char **argv, int *command)
{
	return parse(ctx, NULL, argc, argv, command, NULL, NULL, NULL);
}

int cli_add_kv(const cli_ctx *ctx, wasmpack_kvlist *list, const char *text, const char *what)
{
	const char *eq = strchr(text, '=');
	if (!eq || eq == text)
		return cli_usage_error(ctx, "%s '%s' must be KEY=VALUE", what, text);
	char *key = strndup(text, (size_t)(eq - text));
	if (!key)
		return cli_usage_error(ctx, "out of memory");
	int rc = wasmpack_kvlist_set(list, key, eq + 1);
	free(key);
	return rc ? cli_fail(ctx, rc) : 0;
}

int cli_parse_caps(const cli_ctx *ctx, const char *text, unsigned *out)
{
	/* The library spells the names and says which exist. */
	if (wasmpack_wasm_capabilities_parse(out, text))
		return cli_usage_error(ctx, "%s", wasmpack_error_last());
	if (!*out)
		return cli_usage_error(ctx, "no capability named in '%s'", text);
	return 0;
}

int cli_parse_allow(const cli_ctx *ctx, const char *text, unsigned *out)
{
	if (strcmp(text, "none") == 0) {
		*out = WASMPACK_CAP_NOTHING;
		return 0;
	}
	return cli_parse_caps(ctx, text, out);
}
