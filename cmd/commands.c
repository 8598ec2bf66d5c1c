/* The command table: what main dispatches on, and what help, the man page
 * and the completions list, in this order. Its own file so that the
 * commands (which use the parser) and the parser do not depend on main.c
 * or doc.c, which read this table. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* `wasmpack version` is a command of the table like the others, so that
 * --help lists it and `version --help` works; --version is the global
 * option main answers itself. */
static const cli_command cmd_version;

static int run_version(cli_ctx *ctx, int argc, char **argv)
{
	int first = 0;
	int rc = cli_parse(ctx, &cmd_version, argc, argv, &first, NULL, NULL);
	if (rc)
		return rc;
	if (first < argc)
		return cli_usage_error(ctx, "takes no arguments");
	printf("wasmpack %s\n", wasmpack_version());
	return EXIT_OK;
}

static const cli_command cmd_version = {
	"version", run_version, "", "Print the version (as --version does).", NULL,
};

static const cli_command *const commands[] = {
	&cmd_build, &cmd_push,    &cmd_pull,   &cmd_copy, &cmd_tags,  &cmd_login,
	&cmd_logout, &cmd_images, &cmd_inspect, &cmd_tag, &cmd_rmi,  &cmd_prune,
	&cmd_save,  &cmd_load,    &cmd_info,   &cmd_version, NULL,
};

const cli_command *const *cli_commands(void) { return commands; }

const cli_command *cli_find_command(const char *name)
{
	for (size_t i = 0; commands[i]; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}
