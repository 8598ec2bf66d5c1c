/* wasmpack: the global options before the command, then dispatch. The
 * parser is parse.c, the command table commands.c, help doc.c. */
#include <string.h>

#include "cli.h"
#include "progress.h"

static int print_version(void)
{
	printf("wasmpack %s\n", wasmpack_version());
	return EXIT_OK;
}

/* The edit distance between a and b (insertions, deletions, substitutions
 * and swaps of two neighbours, each 1), for "did you mean". Names longer
 * than the table's are not compared: a large distance is returned. */
static size_t distance(const char *a, const char *b)
{
	enum { MAX = 32 };
	size_t la = strlen(a), lb = strlen(b);
	size_t d[MAX + 1][MAX + 1];
	if (la > MAX || lb > MAX)
		return MAX;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[la][lb];
}

/* "unknown command", with the closest name of the table when it is near
 * enough to be a typo: at most 2 edits, and fewer than half the name. */
static int unknown_command(const char *name)
{
	const cli_command *const *commands = cli_commands();
	const char *best = NULL;
	size_t best_d = 3;
	for (size_t i = 0; commands[i]; i++) {
		size_t d = distance(name, commands[i]->name);
		if (d < best_d && 2 * d < strlen(commands[i]->name)) {
			best = commands[i]->name;
			best_d = d;
		}
	}
	fprintf(stderr, "wasmpack: unknown command '%s'\n", cli_safe(name));
	if (best)
		fprintf(stderr, "Did you mean '%s'? ", best);
	fprintf(stderr, "Run 'wasmpack --help' for the list.\n");
	return EXIT_USAGE;
}

/* `wasmpack help [COMMAND]`. */
static int help_command(int argc, char **argv)
{
	if (argc < 2) {
		cli_main_help(stdout);
		return EXIT_OK;
	}
	const cli_command *cmd = cli_find_command(argv[1]);
	if (!cmd)
		return unknown_command(argv[1]);
	cli_help(stdout, cmd);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	cli_ctx ctx;
	int i = 1;

	memset(&ctx, 0, sizeof(ctx));
	/* Global options before the command; -h or --version there is
	 * answered once the command (if any) is known. */
	int rc = cli_parse_globals(&ctx, argc, argv, &i);
	if (rc > 0)
		return rc;
	if (rc == CLI_VERSION)
		return print_version();
	if (i >= argc) {
		cli_main_help(rc == CLI_HELP ? stdout : stderr);
		if (rc == CLI_HELP) {
			/* Where images go, so a user need not guess (see info). */
			const char *from, *store = cli_store_path(&ctx, &from);
			printf("\nStore in use: %s (%s).\n'wasmpack info' says more.\n",
			       cli_safe(store), from);
		}
		return rc == CLI_HELP ? EXIT_OK : EXIT_USAGE;
	}
	if (strcmp(argv[i], "help") == 0)
		return help_command(argc - i, argv + i);
	/* Hidden: what `make` turns into the man page and the completions. */
	if (strcmp(argv[i], "__man") == 0)
		return cli_man(stdout, stdin);
	if (strcmp(argv[i], "__completion") == 0)
		return cli_completion(stdout, i + 1 < argc ? argv[i + 1] : "");
	const cli_command *cmd = cli_find_command(argv[i]);
	if (!cmd)
		return unknown_command(argv[i]);
	if (rc == CLI_HELP) {
		cli_help(stdout, cmd);
		return EXIT_OK;
	}
	ctx.command = cmd->name;
	rc = cmd->run(&ctx, argc - i, argv + i);
	cli_progress_free(&ctx);
	if (rc == CLI_HELP) {
		cli_help(stdout, cmd);
		return EXIT_OK;
	}
	if (rc == CLI_VERSION)
		return print_version();
	return rc < 0 ? EXIT_OK : rc;
}
