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

/* `wasmpack help [COMMAND]`. */
static int help_command(int argc, char **argv)
{
	if (argc < 2) {
		cli_main_help(stdout);
		return EXIT_OK;
	}
	const cli_command *cmd = cli_find_command(argv[1]);
	if (!cmd) {
		fprintf(stderr, "wasmpack: unknown command '%s'\n", argv[1]);
		return EXIT_USAGE;
	}
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
			printf("\nStore in use: %s (%s); 'wasmpack info' says more.\n",
			       cli_safe(store), from);
		}
		return rc == CLI_HELP ? EXIT_OK : EXIT_USAGE;
	}
	if (strcmp(argv[i], "help") == 0)
		return help_command(argc - i, argv + i);
	if (strcmp(argv[i], "version") == 0)
		return print_version();
	/* Hidden: what `make` turns into the man page and the completions. */
	if (strcmp(argv[i], "__man") == 0)
		return cli_man(stdout, stdin);
	if (strcmp(argv[i], "__completion") == 0)
		return cli_completion(stdout, i + 1 < argc ? argv[i + 1] : "");
	const cli_command *cmd = cli_find_command(argv[i]);
	if (!cmd) {
		fprintf(stderr,
			"wasmpack: unknown command '%s'\nRun 'wasmpack --help' for the list.\n",
			argv[i]);
		return EXIT_USAGE;
	}
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
