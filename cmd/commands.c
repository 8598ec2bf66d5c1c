/* The command table: what main dispatches on, and what help, the man page
 * and the completions list, in this order. Its own file so that the
 * commands (which use the parser) and the parser do not depend on main.c
 * or doc.c, which read this table. */
#include <string.h>

#include "cli.h"

static const cli_command *const commands[] = {
	&cmd_build,  &cmd_push,    &cmd_pull, &cmd_copy, &cmd_tags, &cmd_login, &cmd_logout,
	&cmd_images, &cmd_inspect, &cmd_tag,  &cmd_rmi,  &cmd_prune, &cmd_save, &cmd_load,
	&cmd_info,   NULL,
};

const cli_command *const *cli_commands(void) { return commands; }

const cli_command *cli_find_command(const char *name)
{
	for (size_t i = 0; commands[i]; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}
