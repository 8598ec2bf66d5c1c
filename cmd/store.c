/* The store a command works on: --store, else $WASMPACK_STORE, else the
 * XDG data directory. */
#include <stdlib.h>

#include "cli.h"

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

/* The store path is resolved late so --store after the command counts. */
int cli_open_store(const cli_ctx *ctx, wasmpack_store **out)
{
	const char *path = ctx->store_path ? ctx->store_path : default_store();
	int rc = wasmpack_store_open(out, path);
	return rc ? cli_fail(ctx, rc) : 0;
}
