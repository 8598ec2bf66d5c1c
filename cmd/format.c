/* Formatting helpers shared by the commands: JSON output, sizes, the words
 * used to describe modules and their capabilities, and summaries. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_print_json(json_t *j)
{
	if (!j) {
		fprintf(stderr, "wasmpack: out of memory\n");
		return EXIT_ERROR;
	}
	int rc = json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS) == 0 ? EXIT_OK : EXIT_ERROR;
	fputc('\n', stdout);
	json_decref(j);
	return rc;
}

const char *cli_wasm_kind(const wasmpack_wasm *w)
{
	return w->kind == WASMPACK_WASM_COMPONENT ? "component" : "core module";
}

const char *cli_wasi_name(wasmpack_wasi_version v)
{
	const char *name = wasmpack_wasi_version_name(v);
	return name ? name : "none";
}

void cli_reach_sentence(char *buf, size_t size, unsigned caps)
{
	size_t used = 0;
	buf[0] = '\0';
	for (unsigned bit = 1; bit <= WASMPACK_CAP_ALL; bit <<= 1) {
		if (!(caps & bit))
			continue;
		int n = snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
				 wasmpack_wasm_capability_name(bit));
		if (n < 0 || (size_t)n >= size - used)
			return;
		used += (size_t)n;
	}
	if (!used) {
		snprintf(buf, size, "nothing outside the sandbox");
		used = strlen(buf);
	}
	/* The network is the capability people most often need ruled out. */
	if (!(caps & WASMPACK_CAP_NETWORK) && used + 12 < size)
		snprintf(buf + used, size - used, "; no network");
}

void cli_human_size(char *buf, size_t size, int64_t n)
{
	if (n < 1024)
		snprintf(buf, size, "%lldB", (long long)n);
	else if (n < 1024 * 1024)
		snprintf(buf, size, "%.1fkB", (double)n / 1024.0);
	else if (n < 1024LL * 1024 * 1024)
		snprintf(buf, size, "%.1fMB", (double)n / (1024.0 * 1024.0));
	else
		snprintf(buf, size, "%.2fGB", (double)n / (1024.0 * 1024.0 * 1024.0));
}

json_t *cli_caps_json(unsigned caps)
{
	json_t *arr = json_array();
	for (unsigned bit = 1; arr && bit <= WASMPACK_CAP_ALL; bit <<= 1)
		if (caps & bit)
			json_array_append_new(arr, json_string(wasmpack_wasm_capability_name(bit)));
	return arr;
}

void cli_brief(char *buf, size_t size, const char *summary)
{
	size_t n = 0;
	int depth = 0;
	for (const char *p = summary; *p && n + 1 < size; p++) {
		char c = *p == '\n' ? ' ' : *p;
		if (c == '(')
			depth++;
		else if (c == ')' && depth)
			depth--;
		/* A sentence ends at ". " (the period is dropped, as in docker's
		 * lists); a clause at ": " or "; " outside parentheses. */
		int next_blank = p[1] == '\0' || p[1] == ' ' || p[1] == '\n';
		if (c == '.' && next_blank)
			break;
		if ((c == ':' || c == ';') && next_blank && !depth)
			break;
		buf[n++] = c;
	}
	buf[n] = '\0';
}
