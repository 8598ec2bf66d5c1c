/* Help, the man page and the shell completions, all generated from the
 * same command and option tables (commands.c, parse.c and each command's
 * own), so none of them can drift from the tool.
 * `make` runs `wasmpack __man < doc/wasmpack.1.in` and
 * `wasmpack __completion bash|zsh`. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* --------------------------------------------------------------- help */

/* Help lines are wrapped at this many columns. */
#define HELP_WIDTH 80
/* Where an option's help text starts: "  " and the 28-column spelling. */
#define HELP_INDENT 31

/* Prints text from column `col` (where the cursor is) wrapped at
 * HELP_WIDTH, continuation lines indented to `indent`, at spaces; a word
 * longer than the room is left whole. */
static void print_wrapped(FILE *out, const char *text, int col, int indent)
{
	const char *p = text;
	while (*p) {
		size_t room = col < HELP_WIDTH ? (size_t)(HELP_WIDTH - col) : 1;
		size_t n = strlen(p);
		if (n > room) {
			n = room;
			while (n > 0 && p[n] != ' ')
				n--;
			if (n == 0)
				n = strcspn(p, " ");
		}
		fprintf(out, "%.*s\n", (int)n, p);
		p += n;
		while (*p == ' ')
			p++;
		if (*p)
			fprintf(out, "%*s", indent, "");
		col = indent;
	}
}

static void print_options(FILE *out, const cli_option *opts)
{
	for (; opts && opts->name; opts++) {
		char left[64];
		if (opts->short_name)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", opts->short_name, opts->name,
				 opts->arg ? " " : "", opts->arg ? opts->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", opts->name,
				 opts->arg ? " " : "", opts->arg ? opts->arg : "");
		/* A spelling too long for its column gets a line of its own. */
		if (strlen(left) > HELP_INDENT - 3)
			fprintf(out, "  %s\n%*s", left, HELP_INDENT, "");
		else
			fprintf(out, "  %-28s ", left);
		print_wrapped(out, opts->help, HELP_INDENT, HELP_INDENT);
	}
}

void cli_main_help(FILE *out)
{
	const cli_command *const *commands = cli_commands();
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
	print_options(out, cli_global_options());
	fprintf(out, "\nGlobal options go before or after the command, a command's own anywhere\n"
		     "among its arguments; '--' ends them.\n"
		     "Run 'wasmpack help COMMAND' (or 'wasmpack COMMAND --help') for a command's\n"
		     "options, 'man wasmpack' for all of it.\n\nExit codes:\n");
	for (const cli_exit_code *e = cli_exit_codes; e->meaning; e++)
		fprintf(out, "  %d  %s\n", e->code, e->meaning);
}

void cli_help(FILE *out, const cli_command *cmd)
{
	fprintf(out, "usage: wasmpack %s%s%s\n\n%s\n", cmd->name, cmd->usage[0] ? " " : "",
		cmd->usage, cmd->summary);
	if (cmd->options && cmd->options->name) {
		fprintf(out, "\nOptions:\n");
		print_options(out, cmd->options);
	}
	fprintf(out, "\nGlobal options (also accepted here):\n");
	print_options(out, cli_global_options());
}

/* ---------------------------------------------------------------- man */

/* Text for roff: backslashes and hyphens escaped, and a line that would
 * start with a control character made literal. */
static void roff_text(FILE *out, const char *s, size_t n)
{
	int bol = 1;
	for (size_t i = 0; i < n && s[i]; i++) {
		char c = s[i];
		if (bol && (c == '.' || c == '\''))
			fputs("\\&", out);
		bol = c == '\n';
		if (c == '\\')
			fputs("\\e", out);
		else if (c == '-')
			fputs("\\-", out);
		else
			fputc(c, out);
	}
}

static void roff(FILE *out, const char *s) { roff_text(out, s, strlen(s)); }

static void man_options(FILE *out, const cli_option *o)
{
	for (; o && o->name; o++) {
		fputs(".TP\n", out);
		if (o->short_name)
			fprintf(out, "\\fB\\-%c\\fR, ", o->short_name);
		fputs("\\fB\\-\\-", out);
		roff(out, o->name);
		fputs("\\fR", out);
		if (o->arg) {
			fputs(" \\fI", out);
			roff(out, o->arg);
			fputs("\\fR", out);
		}
		fputc('\n', out);
		roff(out, o->help);
		fputc('\n', out);
	}
}

static void man_usage(FILE *out, const cli_command *c)
{
	fputs(".B wasmpack ", out);
	roff(out, c->name);
	fputc('\n', out);
	if (c->usage[0]) {
		roff(out, c->usage);
		fputc('\n', out);
	}
}

static void man_section(FILE *out, const char *marker)
{
	const cli_command *const *cmds = cli_commands();
	if (strcmp(marker, "SYNOPSIS") == 0) {
		fputs(".B wasmpack\n[\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR...]\n",
		      out);
		for (size_t i = 0; cmds[i]; i++) {
			fputs(".br\n", out);
			man_usage(out, cmds[i]);
		}
	} else if (strcmp(marker, "GLOBAL_OPTIONS") == 0) {
		man_options(out, cli_global_options());
	} else if (strcmp(marker, "COMMANDS") == 0) {
		for (size_t i = 0; cmds[i]; i++) {
			fputs(".SS ", out);
			roff(out, cmds[i]->name);
			fputs("\n", out);
			man_usage(out, cmds[i]);
			fputs(".PP\n", out);
			roff(out, cmds[i]->summary);
			fputc('\n', out);
			if (cmds[i]->options && cmds[i]->options->name)
				man_options(out, cmds[i]->options);
		}
	} else if (strcmp(marker, "EXIT_STATUS") == 0) {
		for (const cli_exit_code *e = cli_exit_codes; e->meaning; e++) {
			fprintf(out, ".TP\n.B %d\n", e->code);
			roff(out, e->meaning);
			fputc('\n', out);
		}
	}
}

int cli_man(FILE *out, FILE *in)
{
	char line[4096];
	while (fgets(line, sizeof(line), in)) {
		size_t n = strlen(line);
		if (n > 2 && line[0] == '@' && line[n - 2] == '@' && line[n - 1] == '\n') {
			line[n - 2] = '\0';
			man_section(out, line + 1);
			continue;
		}
		/* @VERSION@ anywhere in a line. */
		const char *p = line, *v;
		while ((v = strstr(p, "@VERSION@"))) {
			fwrite(p, 1, (size_t)(v - p), out);
			fputs(wasmpack_version(), out);
			p = v + 9;
		}
		fputs(p, out);
	}
	if (ferror(in) || fflush(out) != 0) {
		fprintf(stderr, "wasmpack: cannot make the man page\n");
		return EXIT_ERROR;
	}
	return EXIT_OK;
}

/* --------------------------------------------------------- completion */

enum { POS_FILES = 1, POS_IMAGES = 2 };

/* What the positional arguments of a usage line are: module files, image
 * names, or neither. Option values ("-t REF", "-o FILE.tar") do not count;
 * what follows "--" is the module's own. */
static int positional_kinds(const char *usage)
{
	char buf[256];
	int kinds = 0, skip = 0;
	snprintf(buf, sizeof(buf), "%s", usage);
	for (char *t = buf; *t;) {
		size_t n = strcspn(t, " ");
		char *next = t[n] ? t + n + 1 : t + n;
		t[n] = '\0';
		int closes = n && t[n - 1] == ']';
		while (*t == '[')
			t++;
		size_t m = strlen(t);
		while (m && (t[m - 1] == ']' || t[m - 1] == '.'))
			t[--m] = '\0';
		if (strcmp(t, "--") == 0)
			break;
		if (skip) {
			skip = 0;
		} else if (t[0] == '-') {
			skip = !closes && *next && *next != '[' && *next != '-';
		} else if (strcmp(t, "FILE.wasm") == 0) {
			kinds |= POS_FILES;
		} else if (strcmp(t, "REF|FILE.wasm") == 0) {
			kinds |= POS_FILES | POS_IMAGES;
		} else if (strcmp(t, "REF") == 0 || strcmp(t, "SRC") == 0 ||
			   strcmp(t, "DST") == 0) {
			kinds |= POS_IMAGES;
		}
		t = next;
	}
	return kinds;
}

static int arg_is_file(const char *arg) { return arg && strncmp(arg, "FILE", 4) == 0; }

static int arg_is_dir(const char *arg) { return arg && strcmp(arg, "DIR") == 0; }

/* Every spelling of the options in o, space-separated; with values only
 * those taking one; `which` 1 = files, 2 = directories, 0 = any. */
static void bash_words(FILE *out, const cli_option *o, int with_value, int which)
{
	for (; o && o->name; o++) {
		if (with_value && !o->arg)
			continue;
		if (which == 1 && !arg_is_file(o->arg))
			continue;
		if (which == 2 && !arg_is_dir(o->arg))
			continue;
		if (o->short_name)
			fprintf(out, " -%c", o->short_name);
		fprintf(out, " --%s", o->name);
	}
}

/* 1 when an option of the same long name is in o. */
static int has_option(const cli_option *o, const char *name)
{
	for (; o && o->name; o++)
		if (strcmp(o->name, name) == 0)
			return 1;
	return 0;
}

/* 1 when an earlier table (of cmds[0..upto-1], or the globals when upto
 * is 0 and `in_globals` is 0) already names the same option with the same
 * kind of value, so that case patterns list each spelling once. */
static int seen_before(const cli_command *const *cmds, size_t upto, const cli_option *o,
		       int in_globals)
{
	const cli_option *g = cli_global_options();
	if (!in_globals)
		for (; g->name; g++)
			if (strcmp(g->name, o->name) == 0 &&
			    arg_is_file(g->arg) == arg_is_file(o->arg) &&
			    arg_is_dir(g->arg) == arg_is_dir(o->arg))
				return 1;
	for (size_t i = 0; i < upto; i++)
		for (const cli_option *p = cmds[i]->options; p && p->name; p++)
			if (strcmp(p->name, o->name) == 0 &&
			    arg_is_file(p->arg) == arg_is_file(o->arg) &&
			    arg_is_dir(p->arg) == arg_is_dir(o->arg))
				return 1;
	return 0;
}

/* Appends to a "a|b|c" case pattern the options of o matching `which`
 * (1 files, 2 directories) that no earlier table named; returns whether
 * the pattern has any. */
static int pattern_add(FILE *out, const cli_option *o, int which, int sep,
		       const cli_command *const *cmds, size_t upto, int in_globals)
{
	for (; o && o->name; o++) {
		if ((which == 1 && !arg_is_file(o->arg)) || (which == 2 && !arg_is_dir(o->arg)))
			continue;
		if (!in_globals && seen_before(cmds, upto, o, 0))
			continue;
		if (o->short_name) {
			fprintf(out, "%s-%c", sep ? "|" : "", o->short_name);
			sep = 1;
		}
		fprintf(out, "%s--%s", sep ? "|" : "", o->name);
		sep = 1;
	}
	return sep;
}

/* The case pattern over the globals and every command; 0 when empty. */
static int bash_pattern(FILE *out, const cli_command *const *cmds, int which)
{
	int sep = pattern_add(out, cli_global_options(), which, 0, cmds, 0, 1);
	for (size_t i = 0; cmds[i]; i++)
		sep = pattern_add(out, cmds[i]->options, which, sep, cmds, i, 0);
	return sep;
}

static void completion_bash(FILE *out)
{
	const cli_command *const *cmds = cli_commands();
	const cli_option *globals = cli_global_options();
	fputs("# bash completion for wasmpack. Generated from its command tables by\n"
	      "# `wasmpack __completion bash`; do not edit.\n\n"
	      "_wasmpack_images() {\n"
	      "\tcommand wasmpack ${1:+--store \"$1\"} images -q 2>/dev/null\n"
	      "}\n\n"
	      "# Names are quoted and directories get their \"/\" only where a file is\n"
	      "# completed: with -o filenames for the whole command, \"bu\" would become\n"
	      "# \"build/\" in a directory holding build/.\n"
	      "_wasmpack_files() {\n"
	      "\tcompopt -o filenames 2>/dev/null\n"
	      "\treturn 0\n"
	      "}\n\n"
	      "_wasmpack() {\n"
	      "\tlocal cur prev\n"
	      "\tif declare -F _get_comp_words_by_ref >/dev/null; then\n"
	      "\t\t_get_comp_words_by_ref -n : cur prev\n"
	      "\telse\n"
	      "\t\tcur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	      "\tfi\n"
	      "\tlocal commands=\"",
	      out);
	for (size_t i = 0; cmds[i]; i++)
		fprintf(out, "%s%s", i ? " " : "", cmds[i]->name);
	fputs(" help\"\n\tlocal globals=\"", out);
	bash_words(out, globals, 0, 0);
	fputs("\"\n\tlocal cmd='' store='' i w\n"
	      "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
	      "\t\tw=${COMP_WORDS[i]}\n"
	      "\t\tcase $w in\n"
	      "\t\t--store) store=${COMP_WORDS[i+1]}; ((i++)) ;;\n",
	      out);
	fputs("\t\t", out);
	int any = 0;
	for (const cli_option *o = globals; o->name; o++)
		if (o->arg && strcmp(o->name, "store") != 0) {
			if (o->short_name)
				fprintf(out, "%s-%c", any++ ? "|" : "", o->short_name);
			fprintf(out, "%s--%s", any++ ? "|" : "", o->name);
		}
	fputs(any ? ") ((i++)) ;;\n" : "--no-such-option) ;;\n", out);
	fputs("\t\t-*) ;;\n"
	      "\t\t*) [[ -z $cmd ]] && cmd=$w ;;\n"
	      "\t\tesac\n"
	      "\tdone\n"
	      "\tlocal opts='' valued='' kinds=''\n"
	      "\tcase $cmd in\n",
	      out);
	for (size_t i = 0; cmds[i]; i++) {
		int kinds = positional_kinds(cmds[i]->usage);
		fprintf(out, "\t%s) opts=\"", cmds[i]->name);
		bash_words(out, cmds[i]->options, 0, 0);
		fputs("\" valued=\"", out);
		bash_words(out, cmds[i]->options, 1, 0);
		/* Global options with a value, unless the command has its own of
		 * that name (inspect --config is a flag). */
		for (const cli_option *g = globals; g->name; g++)
			if (g->arg && !has_option(cmds[i]->options, g->name)) {
				if (g->short_name)
					fprintf(out, " -%c", g->short_name);
				fprintf(out, " --%s", g->name);
			}
		fprintf(out, "\" kinds=\"%s%s\" ;;\n", kinds & POS_FILES ? " files" : "",
			kinds & POS_IMAGES ? " images" : "");
	}
	fputs("\t\"\") valued=\"", out);
	bash_words(out, globals, 1, 0);
	fputs("\" ;;\n\tesac\n"
	      "\tif [[ -n $prev && \" $valued \" == *\" $prev \"* ]]; then\n"
	      "\t\tcase $prev in\n\t\t",
	      out);
	int sep = bash_pattern(out, cmds, 1);
	fputs(sep ? ") _wasmpack_files; COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n\t\t"
		  : "--no-such-option) ;;\n\t\t",
	      out);
	sep = bash_pattern(out, cmds, 2);
	fputs(sep ? ") _wasmpack_files; COMPREPLY=($(compgen -d -- \"$cur\")) ;;\n"
		  : "--no-such-option) ;;\n",
	      out);
	fputs("\t\t*) COMPREPLY=() ;;\n"
	      "\t\tesac\n"
	      "\t\treturn\n"
	      "\tfi\n"
	      "\tif [[ -z $cmd ]]; then\n"
	      "\t\tif [[ $cur == -* ]]; then\n"
	      "\t\t\tCOMPREPLY=($(compgen -W \"$globals\" -- \"$cur\"))\n"
	      "\t\telse\n"
	      "\t\t\tCOMPREPLY=($(compgen -W \"$commands\" -- \"$cur\"))\n"
	      "\t\tfi\n"
	      "\t\treturn\n"
	      "\tfi\n"
	      "\tif [[ $cmd == help ]]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W \"${commands% help}\" -- \"$cur\"))\n"
	      "\t\treturn\n"
	      "\tfi\n"
	      "\tif [[ $cur == -* ]]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W \"$opts $globals\" -- \"$cur\"))\n"
	      "\t\treturn\n"
	      "\tfi\n"
	      "\tCOMPREPLY=()\n"
	      "\t[[ $kinds == *images* ]] && COMPREPLY+=($(compgen -W \"$(_wasmpack_images \"$store\")\" -- \"$cur\"))\n"
	      "\tif [[ $kinds == *files* ]]; then\n"
	      "\t\t_wasmpack_files\n"
	      "\t\tCOMPREPLY+=($(compgen -f -- \"$cur\"))\n"
	      "\tfi\n"
	      "\tdeclare -F __ltrim_colon_completions >/dev/null && __ltrim_colon_completions \"$cur\"\n"
	      "\treturn 0\n"
	      "}\n\n"
	      "complete -F _wasmpack wasmpack\n",
	      out);
}

/* Text inside a single-quoted zsh word, as an _arguments description:
 * quotes closed and reopened, brackets and colons escaped. */
static void zsh_text(FILE *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n && s[i]; i++) {
		char c = s[i];
		if (c == '\'')
			fputs("'\\''", out);
		else if (c == '[' || c == ']' || c == ':' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputc(' ', out);
		else
			fputc(c, out);
	}
}

static void zsh_options(FILE *out, const cli_option *o, const char *indent)
{
	for (; o && o->name; o++) {
		char spell[2][64];
		int count = 0;
		if (o->short_name)
			snprintf(spell[count++], sizeof(spell[0]), "-%c", o->short_name);
		snprintf(spell[count++], sizeof(spell[0]), "--%s", o->name);
		for (int k = 0; k < count; k++) {
			fprintf(out, "%s'*%s[", indent, spell[k]);
			zsh_text(out, o->help, strlen(o->help));
			fputc(']', out);
			if (o->arg) {
				fputc(':', out);
				zsh_text(out, o->arg, strlen(o->arg));
				fputs(arg_is_dir(o->arg)    ? ":_files -/"
				      : arg_is_file(o->arg) ? ":_files"
							    : ": ",
				      out);
			}
			fputs("'\n", out);
		}
	}
}

static void completion_zsh(FILE *out)
{
	const cli_command *const *cmds = cli_commands();
	fputs("#compdef wasmpack\n"
	      "# zsh completion for wasmpack. Generated from its command tables by\n"
	      "# `wasmpack __completion zsh`; do not edit.\n\n"
	      "_wasmpack_images() {\n"
	      "\tlocal -a images\n"
	      "\tlocal dir=${wasmpack_store:-${opt_args[--store]}}\n"
	      "\timages=(${(f)\"$(_call_program images wasmpack ${dir:+--store $dir} images -q 2>/dev/null)\"})\n"
	      "\timages=(\"${(@)images//:/\\\\:}\")\n"
	      "\t_describe -t images image images\n"
	      "}\n\n"
	      "_wasmpack_image_or_module() {\n"
	      "\t_alternative 'images:image:_wasmpack_images' 'files:module:_files -g \"*.wasm\"'\n"
	      "}\n\n"
	      "# Names are quoted and directories get their \"/\" only where a file is\n"
	      "# completed: with -o filenames for the whole command, \"bu\" would become\n"
	      "# \"build/\" in a directory holding build/.\n"
	      "_wasmpack_files() {\n"
	      "\tcompopt -o filenames 2>/dev/null\n"
	      "\treturn 0\n"
	      "}\n\n"
	      "_wasmpack() {\n"
	      "\tlocal curcontext=$curcontext state line ret=1\n"
	      "\ttypeset -A opt_args\n"
	      "\tlocal -a globals commands opts\n"
	      "\tglobals=(\n",
	      out);
	zsh_options(out, cli_global_options(), "\t\t");
	fputs("\t)\n\tcommands=(\n", out);
	for (size_t i = 0; cmds[i]; i++) {
		char brief[512];
		cli_brief(brief, sizeof(brief), cmds[i]->summary);
		fprintf(out, "\t\t'%s:", cmds[i]->name);
		for (const char *p = brief; *p; p++) {
			if (*p == '\'')
				fputs("'\\''", out);
			else
				fputc(*p, out);
		}
		fputs("'\n", out);
	}
	fputs("\t\t'help:Show the help of a command'\n"
	      "\t)\n"
	      "\t_arguments -C $globals '1: :->command' '*:: :->args' && ret=0\n"
	      "\tcase $state in\n"
	      "\tcommand)\n"
	      "\t\t_describe -t commands 'wasmpack command' commands && ret=0\n"
	      "\t\t;;\n"
	      "\targs)\n"
	      "\t\tcurcontext=${curcontext%:*:*}:wasmpack-$words[1]:\n"
	      "\t\t# --store before the command, for the image names offered.\n"
	      "\t\tlocal wasmpack_store=${opt_args[--store]}\n"
	      "\t\tcase $words[1] in\n"
	      "\t\thelp)\n"
	      "\t\t\t_describe -t commands 'wasmpack command' commands && ret=0\n"
	      "\t\t\t;;\n",
	      out);
	for (size_t i = 0; cmds[i]; i++) {
		int kinds = positional_kinds(cmds[i]->usage);
		fprintf(out, "\t\t%s)\n\t\t\topts=(\n", cmds[i]->name);
		zsh_options(out, cmds[i]->options, "\t\t\t\t");
		/* Globals the command shadows (inspect --config) are left out. */
		fputs("\t\t\t)\n\t\t\t_arguments ", out);
		int shadowed = 0;
		for (const cli_option *g = cli_global_options(); g->name; g++)
			if (has_option(cmds[i]->options, g->name))
				fprintf(out, "%s\\*--%s\\[*", shadowed++ ? "|" : "${globals:#(",
					g->name);
		fputs(shadowed ? ")} $opts " : "$globals $opts ", out);
		if (kinds == (POS_FILES | POS_IMAGES))
			fputs("'*:image or module:_wasmpack_image_or_module'", out);
		else if (kinds & POS_FILES)
			fputs("'*:module:_files -g \"*.wasm\"'", out);
		else if (kinds & POS_IMAGES)
			fputs("'*:image:_wasmpack_images'", out);
		fputs(" && ret=0\n\t\t\t;;\n", out);
	}
	fputs("\t\tesac\n"
	      "\t\t;;\n"
	      "\tesac\n"
	      "\treturn ret\n"
	      "}\n\n"
	      "_wasmpack \"$@\"\n",
	      out);
}

int cli_completion(FILE *out, const char *shell)
{
	if (strcmp(shell, "bash") == 0)
		completion_bash(out);
	else if (strcmp(shell, "zsh") == 0)
		completion_zsh(out);
	else {
		fprintf(stderr, "wasmpack: __completion needs bash or zsh\n");
		return EXIT_USAGE;
	}
	return fflush(out) == 0 ? EXIT_OK : EXIT_ERROR;
}
