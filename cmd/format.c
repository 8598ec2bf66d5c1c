/* Formatting helpers shared by the commands: JSON output, sizes, the words
 * used to describe modules and their capabilities, and summaries. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Length of the valid UTF-8 sequence at s (2 to 4), or 0 when the byte at
 * s does not start one: overlong forms, surrogates and code points past
 * U+10FFFF are invalid, so a terminal never sees a byte it could read as
 * a C1 control in another encoding. */
static size_t utf8_len(const unsigned char *s, uint32_t *cp)
{
	size_t n;
	uint32_t c, min;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f, min = 0x80;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0f, min = 0x800;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0; /* also stops at the terminating NUL */
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* Whether s needs escaping at all, so that the common case copies nothing. */
static int needs_escape(const unsigned char *s)
{
	while (*s) {
		uint32_t cp;
		size_t n;
		if (*s < 0x20 || *s == 0x7f)
			return 1;
		if (*s < 0x80) {
			s++;
			continue;
		}
		if (!(n = utf8_len(s, &cp)) || cp <= 0x9f)
			return 1;
		s += n;
	}
	return 0;
}

void cli_safe_into(char *buf, size_t size, const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t used = 0;
	if (!size)
		return;
	while (*s) {
		uint32_t cp = 0;
		size_t n = *s < 0x80 ? 1 : utf8_len(s, &cp);
		/* A C1 code point shows its bytes, an invalid byte itself. */
		int esc = *s < 0x20 || *s == 0x7f || n == 0 || (n > 1 && cp <= 0x9f);
		if (!n)
			n = 1;
		size_t need = esc ? 4 * n : n;
		if (used + need >= size)
			break; /* cut before a whole character or escape, never inside */
		for (size_t i = 0; i < n; i++) {
			if (esc)
				snprintf(buf + used, size - used, "\\x%02x", s[i]);
			else
				buf[used] = (char)s[i];
			used += esc ? 4 : 1;
		}
		s += n;
	}
	buf[used] = '\0';
}

/* Escaped copies live in a small ring, so that several can appear in one
 * printf; each is freed when its slot comes round again. Progress and -v
 * lines come from the transfer threads: the ring is shared under a lock. */
#define SAFE_SLOTS 16
static char *safe_ring[SAFE_SLOTS];
static unsigned safe_next;
static pthread_mutex_t safe_lock = PTHREAD_MUTEX_INITIALIZER;

const char *cli_safe(const char *text)
{
	if (!text || !needs_escape((const unsigned char *)text))
		return text;
	size_t size = strlen(text) * 4 + 1;
	char *copy = malloc(size);
	if (!copy)
		return "(unprintable)";
	cli_safe_into(copy, size, text);
	pthread_mutex_lock(&safe_lock);
	unsigned slot = safe_next++ % SAFE_SLOTS;
	char *old = safe_ring[slot];
	safe_ring[slot] = copy;
	pthread_mutex_unlock(&safe_lock);
	free(old);
	return copy;
}

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
	/* Behind a host function anything may be reached, the network too:
	 * say so rather than rule anything out. */
	if (caps & WASMPACK_CAP_HOST)
		snprintf(buf + used, size - used, " (%s)",
			 wasmpack_wasm_capability_description(WASMPACK_CAP_HOST));
	/* The network is the capability people most often need ruled out. */
	else if (!(caps & WASMPACK_CAP_NETWORK) && used + 12 < size)
		snprintf(buf + used, size - used, "; no network");
}

int cli_not_wasi(const wasmpack_wasm *w)
{
	return w->wasi == WASMPACK_WASI_NONE && (w->capabilities & WASMPACK_CAP_HOST);
}

/* "module.name", or the name alone for a component's import. */
static void import_name(char *buf, size_t size, const wasmpack_wasm_extern *e)
{
	snprintf(buf, size, "%s%s%s", e->module ? e->module : "", e->module ? "." : "", e->name);
}

void cli_host_imports_brief(char *buf, size_t size, const wasmpack_wasm *w)
{
	const wasmpack_wasm_extern *first = NULL;
	size_t count = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < w->imports_count; i++)
		if (wasmpack_wasm_import_capability(&w->imports[i]) == WASMPACK_CAP_HOST &&
		    !count++)
			first = &w->imports[i];
	if (!first)
		return;
	char name[160];
	import_name(name, sizeof(name), first);
	if (count == 1)
		snprintf(buf, size, "%s", name);
	else
		snprintf(buf, size, "%s and %zu more", name, count - 1);
}

/* The capability views list at most this many imports, as inspect's import
 * list does (a maximal module has millions); inspect counts the rest. */
#define BY_CAPABILITY_MAX 10000

json_t *cli_imports_by_capability_json(const wasmpack_wasm *w)
{
	json_t *o = json_object();
	size_t listed = 0;
	for (unsigned bit = 1; o && bit <= WASMPACK_CAP_ALL; bit <<= 1) {
		json_t *arr = NULL;
		for (size_t i = 0; i < w->imports_count && listed < BY_CAPABILITY_MAX; i++) {
			if (wasmpack_wasm_import_capability(&w->imports[i]) != bit)
				continue;
			listed++;
			char *name = NULL;
			const wasmpack_wasm_extern *e = &w->imports[i];
			if (!arr)
				arr = json_array();
			if (asprintf(&name, "%s%s%s", e->module ? e->module : "",
				     e->module ? "." : "", e->name) >= 0) {
				json_array_append_new(arr, json_string(name));
				free(name);
			}
		}
		if (arr)
			json_object_set_new(o, wasmpack_wasm_capability_name(bit), arr);
	}
	return o;
}

void cli_print_imports_by_capability(const wasmpack_wasm *w)
{
	size_t any = 0, reaching = 0;
	for (unsigned bit = 1; bit <= WASMPACK_CAP_ALL; bit <<= 1) {
		for (size_t i = 0; i < w->imports_count; i++) {
			const wasmpack_wasm_extern *e = &w->imports[i];
			if (wasmpack_wasm_import_capability(e) != bit)
				continue;
			if (reaching++ >= BY_CAPABILITY_MAX)
				continue;
			if (!any++)
				printf("By capability:\n");
			if (e->module)
				printf("  %-11s %s.%s\n", wasmpack_wasm_capability_name(bit),
				       cli_safe(e->module), cli_safe(e->name));
			else
				printf("  %-11s %s\n", wasmpack_wasm_capability_name(bit),
				       cli_safe(e->name));
		}
	}
	if (reaching > BY_CAPABILITY_MAX)
		printf("  ... and %zu more, not listed\n", reaching - BY_CAPABILITY_MAX);
}

/* Decimal units, as docker prints them (1 kB = 1000 B): the letters then
 * mean what they say, where 1024-based values would need KiB and MiB. */
void cli_human_size(char *buf, size_t size, int64_t n)
{
	if (n < 1000)
		snprintf(buf, size, "%lldB", (long long)n);
	else if (n < 999950) /* what would round to "1000.0kB" is "1.0MB" */
		snprintf(buf, size, "%.1fkB", (double)n / 1e3);
	else if (n < 999950000LL)
		snprintf(buf, size, "%.1fMB", (double)n / 1e6);
	else
		snprintf(buf, size, "%.2fGB", (double)n / 1e9);
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
