/* The docker-credential-* helper protocol: `get`, `store`, `erase` and
 * `list`, each one run of the helper (util/spawn) with JSON or a server
 * URL on stdin and JSON on stdout. What a helper prints may hold secrets:
 * its output is wiped once read, and messages mask the secret sent. */
#include "registry/credentials_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "oci/json.h"
#include "registry/token.h"
#include "util/error.h"
#include "util/secret.h"
#include "util/spawn.h"

#define HELPER_OUT_MAX (1024 * 1024)
/* A helper that never ends (waiting on a prompt nobody sees, or a
 * grandchild holding its stdout) must not hang every command: it gets
 * this long, or $WASMPACK_CREDENTIAL_HELPER_TIMEOUT seconds. */
#define HELPER_TIMEOUT_MS 30000
#define HELPER_TIMEOUT_ENV "WASMPACK_CREDENTIAL_HELPER_TIMEOUT"
/* The one failure message of the protocol that means "none". */
#define NOT_FOUND_MESSAGE "credentials not found in native keychain"

int wp_cred_helper_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > WP_CRED_HELPER_NAME_MAX)
		return 0;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f || *p == '/')
			return 0;
	return 1;
}

/* The spellings of a secret a helper may repeat: as sent, as JSON escapes
 * it (what we wrote on the helper's stdin: jansson's \", \\, \n and
 * \u001F), and as Go's encoding/json re-encodes it (\u001f lower case,
 * and <, >, & as \u003c, \u003e, \u0026). Each is new, for
 * wp_secret_free; NULL entries when not different or out of memory. */
#define SECRET_FORMS 3
static char *json_escaped(const char *s, int go)
{
	char *out = malloc(strlen(s) * 6 + 1), *o = out; /* "\u001f" at most */
	if (!out)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		const char *two = NULL;
		switch (*p) {
		case '"': two = "\\\""; break;
		case '\\': two = "\\\\"; break;
		case '\b': two = "\\b"; break;
		case '\f': two = "\\f"; break;
		case '\n': two = "\\n"; break;
		case '\r': two = "\\r"; break;
		case '\t': two = "\\t"; break;
		}
		if (two) {
			memcpy(o, two, 2);
			o += 2;
		} else if (*p < 0x20 || (go && (*p == '<' || *p == '>' || *p == '&'))) {
			/* 6 bytes and the NUL, within the 6 per input byte + 1. */
			o += snprintf(o, 7, go ? "\\u%04x" : "\\u%04X", *p);
		} else {
			*o++ = (char)*p;
		}
	}
	*o = '\0';
	return out;
}

static void secret_forms(char *forms[SECRET_FORMS], const char *secret)
{
	forms[0] = secret && *secret ? strdup(secret) : NULL;
	forms[1] = forms[0] ? json_escaped(secret, 0) : NULL;
	forms[2] = forms[0] ? json_escaped(secret, 1) : NULL;
	for (int i = 1; i < SECRET_FORMS; i++)
		for (int j = 0; j < i && forms[i]; j++)
			if (forms[j] && strcmp(forms[i], forms[j]) == 0) {
				wp_secret_free(forms[i]);
				forms[i] = NULL;
			}
}

static void secret_forms_free(char *forms[SECRET_FORMS])
{
	for (int i = 0; i < SECRET_FORMS; i++)
		wp_secret_free(forms[i]);
}

/* The first line of text, trimmed, with bytes a message must not hold
 * replaced and every occurrence of a form of the secret (matched in the
 * raw text, so a cut line cannot leave part of one; the longest form that
 * matches wins) masked, into dst. */
static void message_from(char *dst, size_t dstlen, const char *text, size_t n,
			 char *const forms[SECRET_FORMS])
{
	size_t i = 0, j = 0;
	while (i < n && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n'))
		i++;
	while (i < n && text[i] != '\n' && text[i] != '\r' && j + 1 < dstlen) {
		size_t best = 0;
		for (int k = 0; k < SECRET_FORMS; k++) {
			size_t sl = forms[k] ? strlen(forms[k]) : 0;
			if (sl > best && n - i >= sl && memcmp(text + i, forms[k], sl) == 0)
				best = sl;
		}
		if (best) {
			for (const char *m = "***"; *m && j + 1 < dstlen; m++)
				dst[j++] = *m;
			i += best;
			continue;
		}
		unsigned char ch = (unsigned char)text[i++];
		dst[j++] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
	}
	while (j > 0 && (dst[j - 1] == ' ' || dst[j - 1] == '\t'))
		j--;
	dst[j] = '\0';
}

/* When a failed helper's stdout said nothing (msg is empty): the first
 * line of its stderr, else how it ended; secret masked. */
static void helper_failure_message(char *msg, size_t size, const wp_spawn_result *res,
				   char *const forms[SECRET_FORMS])
{
	message_from(msg, size, res->err, res->err_len, forms);
	if (*msg)
		return;
	if (WIFSIGNALED(res->status))
		snprintf(msg, size, "killed by signal %d", WTERMSIG(res->status));
	else
		snprintf(msg, size, "exit status %d", WEXITSTATUS(res->status));
}

/* The helper's time limit in ms: the environment's whole number of
 * seconds (1 to 86400) when it gives one, else the default. */
static long helper_timeout_ms(void)
{
	const char *env = getenv(HELPER_TIMEOUT_ENV);
	char *end = NULL;
	if (!env || !*env)
		return HELPER_TIMEOUT_MS;
	long s = strtol(env, &end, 10);
	return *end || s < 1 || s > 86400 ? HELPER_TIMEOUT_MS : s * 1000;
}

/* Runs docker-credential-<name> <action> with input on stdin (closed
 * after writing) and collects stdout (capped) and stderr. Exit 0: *out
 * gets stdout (holds secrets; wipe it) and 0 is returned. Exit non-zero
 * with NOT_FOUND_MESSAGE: WASMPACK_ENOTFOUND. Otherwise WASMPACK_ERROR
 * with the helper's message (stdout, else stderr), secret masked. The
 * helper is looked up on PATH first, as exec.LookPath does for docker, so
 * a missing helper is told apart from one that failed. */
static int run_helper(wasmpack_buf *out, const char *name, const char *action, const char *server,
		      const void *input, size_t input_len, const char *secret)
{
	char prog[sizeof(WP_CRED_HELPER_PREFIX) + WP_CRED_HELPER_NAME_MAX];
	char label[sizeof(prog) + 64];
	char msg[512];
	char *full = NULL;
	const char *what = server ? server : "";
	wp_spawn_result res;
	int error;

	out->data = NULL;
	out->size = 0;
	snprintf(prog, sizeof(prog), "%s%s", WP_CRED_HELPER_PREFIX, name);
	snprintf(label, sizeof(label), "credential helper '%s' %s", prog, action);
	if ((error = wp_spawn_find_on_path(&full, prog)) == WASMPACK_ENOMEM)
		return error;
	if (error < 0)
		return wp_error(WASMPACK_ERROR, "credential helper '%s' not found on PATH", prog);
	char *argv[] = {prog, (char *)action, NULL};
	wp_spawn_opts o = {full, argv, label, input, input_len, HELPER_OUT_MAX, 0};
	o.timeout_ms = helper_timeout_ms();
	error = wp_spawn_run(&res, &o);
	free(full);
	if (error < 0)
		goto done;
	if (WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0) {
		*out = res.out;
		res.out.data = NULL;
		res.out.size = res.out_cap = 0;
		goto done;
	}
	char *forms[SECRET_FORMS];
	secret_forms(forms, secret);
	message_from(msg, sizeof(msg), res.out.data ? (const char *)res.out.data : "", res.out.size,
		     forms);
	if (strcmp(msg, NOT_FOUND_MESSAGE) == 0) {
		secret_forms_free(forms);
		error = wp_error(WASMPACK_ENOTFOUND, "no credentials for '%s' in '%s'", what, prog);
		goto done;
	}
	if (!*msg)
		helper_failure_message(msg, sizeof(msg), &res, forms);
	secret_forms_free(forms);
	error = wp_error(WASMPACK_ERROR, "credential helper '%s' %s '%s' failed: %s", prog, action,
			 what, msg);
done:
	wp_spawn_result_dispose(&res);
	return error;
}

static char *dup_nonempty(const char *s) { return s && *s ? strdup(s) : NULL; }

int wp_cred_helper_get(wasmpack_credential *out, const char *helper, const char *server)
{
	wasmpack_buf buf = WASMPACK_BUF_INIT;
	json_t *root = NULL;
	const char *user = NULL, *secret = NULL;
	char what[sizeof(WP_CRED_HELPER_PREFIX) + WP_CRED_HELPER_NAME_MAX + 32];
	wp_json_ctx cx;
	int error;

	snprintf(what, sizeof(what), "output of '%s%s get'", WP_CRED_HELPER_PREFIX, helper);
	if ((error = run_helper(&buf, helper, "get", server, server, strlen(server), NULL)) < 0)
		return error;
	if (wp_json_blank(buf.data, buf.size)) {
		error = wp_error(WASMPACK_ENOTFOUND, "no credentials for '%s' in '%s%s'", server,
				 WP_CRED_HELPER_PREFIX, helper);
		goto done;
	}
	wp_json_ctx_init(&cx, what);
	if ((error = wp_auth_json_parse_secret(&root, buf.data, buf.size, HELPER_OUT_MAX, what)) <
		    0 ||
	    (error = wp_json_get_string(&user, root, "Username", 0, &cx)) < 0 ||
	    (error = wp_json_get_string(&secret, root, "Secret", 0, &cx)) < 0)
		goto done;
	if (!secret || !*secret) {
		error = wp_error(WASMPACK_ENOTFOUND, "no credentials for '%s' in '%s%s'", server,
				 WP_CRED_HELPER_PREFIX, helper);
		goto done;
	}
	if (user && strcmp(user, WP_CRED_TOKEN_USERNAME) == 0) {
		if (!(out->identity_token = dup_nonempty(secret)))
			error = wp_error_nomem();
	} else {
		out->username = dup_nonempty(user);
		out->password = dup_nonempty(secret);
		if ((user && *user && !out->username) || !out->password)
			error = wp_error_nomem();
	}
done:
	if (error < 0)
		wasmpack_credential_dispose(out);
	json_decref(root);
	wp_secret_wipe(buf.data, buf.size);
	wasmpack_buf_dispose(&buf);
	return error;
}

int wp_cred_helper_store(const char *helper, const char *server, const wasmpack_credential *cred)
{
	wasmpack_buf in = WASMPACK_BUF_INIT, out = WASMPACK_BUF_INIT;
	int error = 0;
	int token = cred->identity_token && *cred->identity_token;
	const char *user = token ? WP_CRED_TOKEN_USERNAME : cred->username;
	const char *secret = token ? cred->identity_token : cred->password;
	json_t *doc = json_object();

	if (!doc || json_object_set_new(doc, "ServerURL", json_string(server)) ||
	    json_object_set_new(doc, "Username", json_string(user ? user : "")) ||
	    json_object_set_new(doc, "Secret", json_string(secret ? secret : ""))) {
		/* json_string fails on invalid UTF-8 as well as on no memory. */
		error = wp_error(
			WASMPACK_EINVALID,
			"cannot store credentials for '%s': not valid UTF-8 (or out of memory)",
			server);
		goto done;
	}
	if ((error = wp_json_dump(&in, doc)) < 0)
		goto done;
	error = run_helper(&out, helper, "store", server, in.data, in.size, secret);
done:
	json_decref(doc);
	wp_secret_wipe(in.data, in.size);
	wasmpack_buf_dispose(&in);
	wp_secret_wipe(out.data, out.size);
	wasmpack_buf_dispose(&out);
	return error;
}

int wp_cred_helper_erase(const char *helper, const char *server)
{
	wasmpack_buf out = WASMPACK_BUF_INIT;
	int error = run_helper(&out, helper, "erase", server, server, strlen(server), NULL);
	wasmpack_buf_dispose(&out);
	return error;
}

int wp_cred_helper_list(wasmpack_kvlist *out, const char *helper)
{
	wasmpack_buf buf = WASMPACK_BUF_INIT;
	json_t *root = NULL, *v;
	const char *key;
	char what[sizeof(WP_CRED_HELPER_PREFIX) + WP_CRED_HELPER_NAME_MAX + 32];
	int error;

	snprintf(what, sizeof(what), "output of '%s%s list'", WP_CRED_HELPER_PREFIX, helper);
	if ((error = run_helper(&buf, helper, "list", NULL, NULL, 0, NULL)) < 0)
		return error;
	if (!wp_json_blank(buf.data, buf.size) &&
	    (error = wp_auth_json_parse_secret(&root, buf.data, buf.size, HELPER_OUT_MAX, what)) ==
		    0) {
		json_object_foreach(root, key, v)
		{
			const char *user = json_is_string(v) ? json_string_value(v) : "";
			if ((error = wasmpack_kvlist_set(
				     out, key, strcmp(user, WP_CRED_TOKEN_USERNAME) ? user : "")) <
			    0)
				break;
		}
	}
	json_decref(root);
	wasmpack_buf_dispose(&buf);
	return error;
}
