/* Registry logins shared with docker: config.json `auths`, `credsStore`
 * and `credHelpers`, and the docker-credential-* helper protocol. */
#include "wasmpack/credentials.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "registry/token.h"
#include "registry/credentials_internal.h"
#include "util/error.h"
#include "oci/json.h"
#include "util/fs.h"
#include "util/spawn.h"

#define CONFIG_FILE "config.json"
#define CONFIG_MAX (8 * 1024 * 1024)
#define HELPER_PREFIX "docker-credential-"
#define HELPER_NAME_MAX 128
#define HELPER_OUT_MAX (1024 * 1024)
#define HELPER_ERR_MAX 1024
/* What a helper's username is when its secret is an identity token. */
#define TOKEN_USERNAME "<token>"
/* The one failure message of the protocol that means "none". */
#define NOT_FOUND_MESSAGE "credentials not found in native keychain"

static const char *const hub_keys[] = {"docker.io", "index.docker.io",
				       WP_AUTH_DOCKER_HUB_API_HOST};

void wasmpack_credential_dispose(wasmpack_credential *cred)
{
	if (!cred)
		return;
	wp_auth_free_secret(cred->username);
	wp_auth_free_secret(cred->password);
	wp_auth_free_secret(cred->identity_token);
	memset(cred, 0, sizeof(*cred));
}

/* ------------------------------------------------------------------ */
/* Locating and reading config.json                                    */

typedef struct config {
	char *dir;
	char *path;
	char *what; /* "docker config '/path/config.json'" for messages */
	json_t *root;
} config;

static void config_dispose(config *c)
{
	free(c->dir);
	free(c->path);
	free(c->what);
	json_decref(c->root);
	memset(c, 0, sizeof(*c));
}

static int check_opts(const wasmpack_credentials_options *opts)
{
	if (opts && opts->version != WASMPACK_CREDENTIALS_OPTIONS_VERSION)
		return wp_error(WASMPACK_EINVALID,
				"credentials: unknown options version %u", opts->version);
	return 0;
}

static int resolve_dir(char **out, const wasmpack_credentials_options *opts)
{
	const char *env;
	*out = NULL;
	if (opts && opts->config_dir && *opts->config_dir) {
		*out = wp_strdup(opts->config_dir);
	} else if ((env = getenv("DOCKER_CONFIG")) && *env) {
		*out = wp_strdup(env);
	} else if ((env = getenv("HOME")) && *env) {
		*out = wp_asprintf("%s/.docker", env);
	} else {
		struct passwd pw, *res = NULL;
		char buf[4096];
		if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) != 0 || !res ||
		    !pw.pw_dir || !*pw.pw_dir)
			return wp_error(WASMPACK_ENOTFOUND,
					"cannot find the docker config directory: "
					"neither DOCKER_CONFIG nor HOME is set");
		*out = wp_asprintf("%s/.docker", pw.pw_dir);
	}
	return *out ? 0 : WASMPACK_ENOMEM;
}

static int config_locate(config *c, const wasmpack_credentials_options *opts)
{
	int error;
	memset(c, 0, sizeof(*c));
	if ((error = check_opts(opts)) < 0 || (error = resolve_dir(&c->dir, opts)) < 0)
		return error;
	if (!(c->path = wp_asprintf("%s/%s", c->dir, CONFIG_FILE)) ||
	    !(c->what = wp_asprintf("docker config '%s'", c->path)))
		return WASMPACK_ENOMEM;
	return 0;
}

static int only_space(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\n' && p[i] != '\r')
			return 0;
	return 1;
}

/* The bytes of config.json into c->root; empty or blank reads as {}. */
static int config_parse(config *c, const unsigned char *data, size_t len)
{
	if (only_space(data, len)) {
		if (!(c->root = json_object()))
			return wp_error_nomem();
		return 0;
	}
	return wp_auth_json_parse_secret(&c->root, data, len, CONFIG_MAX, c->what);
}

/* Locates and reads config.json; a missing or empty file reads as {}. */
static int config_load(config *c, const wasmpack_credentials_options *opts)
{
	wasmpack_buf buf = WASMPACK_BUF_INIT;
	int error;
	if ((error = config_locate(c, opts)) < 0)
		return error;
	error = wp_read_file(&buf, c->path, CONFIG_MAX);
	if (error == WASMPACK_ENOTFOUND)
		error = config_parse(c, NULL, 0);
	else if (error == 0)
		error = config_parse(c, buf.data, buf.size);
	wp_auth_wipe(buf.data, buf.size);
	wasmpack_buf_dispose(&buf);
	return error;
}

/* Docker writes config.json indented with tabs; jansson indents with
 * spaces. With JSON_INDENT(1) every leading space is one level (strings
 * cannot hold raw newlines), so they map one to one. */
static void spaces_to_tabs(char *s)
{
	int line_start = 1;
	for (; *s; s++) {
		if (*s == '\n')
			line_start = 1;
		else if (line_start && *s == ' ')
			*s = '\t';
		else
			line_start = 0;
	}
}

static int make_dir_0700(const char *dir)
{
	if (mkdir(dir, 0700) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return wp_error_os("create directory", dir);
	/* Parents are ordinary directories; only the last one is private. */
	char *parent = wp_strdup(dir);
	if (!parent)
		return WASMPACK_ENOMEM;
	char *slash = strrchr(parent, '/');
	int error = 0;
	if (slash && slash != parent) {
		*slash = '\0';
		error = wp_mkdirs(parent);
	}
	free(parent);
	if (error < 0)
		return error;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return wp_error_os("create directory", dir);
	return 0;
}

static int config_save(config *c)
{
	char *data = NULL, *resolved = NULL;
	size_t len;
	struct stat st;
	int error = 0;

	if ((error = make_dir_0700(c->dir)) < 0)
		return error;
	len = json_dumpb(c->root, NULL, 0, JSON_INDENT(1));
	if (len == 0 || !(data = malloc(len + 1)))
		return wp_error_nomem();
	if (json_dumpb(c->root, data, len, JSON_INDENT(1)) != len) {
		error = wp_error_nomem();
		goto done;
	}
	data[len] = '\0';
	spaces_to_tabs(data);
	/* Replace the file a symlink points to, not the link. */
	if (lstat(c->path, &st) == 0 && S_ISLNK(st.st_mode))
		resolved = realpath(c->path, NULL);
	error = wp_write_file_atomic(resolved ? resolved : c->path, data, len, 0600);
done:
	wp_auth_wipe(data, len);
	free(data);
	free(resolved);
	return error;
}

/* ------------------------------------------------------------------ */
/* Matching registries to keys                                         */

static int normalize_registry(char **out, const char *registry)
{
	int error;
	*out = NULL;
	if (!registry || !*registry)
		return wp_error(WASMPACK_EINVALID, "credentials: no registry given");
	if ((error = wp_auth_key_host(out, registry)) < 0)
		return error;
	int ok = **out != '\0';
	for (const unsigned char *p = (const unsigned char *)*out; ok && *p; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			ok = 0;
	if (!ok) {
		free(*out);
		*out = NULL;
		return wp_error(WASMPACK_EINVALID, "credentials: invalid registry name");
	}
	return 0;
}

/* Whether config key `key` names host, as docker/cli's file store reads
 * keys that carry a scheme and a path. */
static int key_matches(const char *key, const char *host)
{
	char *kh = NULL;
	if (wp_auth_key_host(&kh, key) < 0)
		return 0;
	int m = wp_auth_is_docker_hub(host) ? wp_auth_is_docker_hub(kh)
					    : strcasecmp(kh, host) == 0;
	free(kh);
	return m;
}

/* The member of obj that holds host's entry, or NULL: the exact key
 * first, then Docker Hub's other spellings, then any key whose host
 * matches (in file order). The key is borrowed from obj. */
static const char *find_key(const json_t *obj, const char *host)
{
	const char *key;
	json_t *v;
	if (!obj)
		return NULL;
	const char *primary = wp_auth_config_key(host);
	void *it = json_object_iter_at((json_t *)obj, primary);
	if (it)
		return json_object_iter_key(it);
	if (wp_auth_is_docker_hub(host)) {
		for (size_t i = 0; i < sizeof(hub_keys) / sizeof(hub_keys[0]); i++)
			if ((it = json_object_iter_at((json_t *)obj, hub_keys[i])))
				return json_object_iter_key(it);
	}
	json_object_foreach((json_t *)obj, key, v) {
		if (key_matches(key, host))
			return key;
	}
	return NULL;
}

static int valid_helper_name(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > HELPER_NAME_MAX)
		return 0;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f || *p == '/')
			return 0;
	return 1;
}

/* The helper host's logins go to (borrowed from the config), or NULL. */
static int find_helper(const char **out, const config *c, const char *host)
{
	const json_t *helpers = NULL;
	const char *name = NULL;
	wp_json_ctx cx;
	int error;
	*out = NULL;
	wp_json_ctx_init(&cx, c->what);
	if ((error = wp_json_get_object(&helpers, c->root, "credHelpers", 0, &cx)) < 0)
		return error;
	const char *key = find_key(helpers, host);
	if (key) {
		size_t mark = wp_json_ctx_push_key(&cx, "credHelpers");
		error = wp_json_get_string(&name, helpers, key, 0, &cx);
		wp_json_ctx_pop(&cx, mark);
		if (error < 0)
			return error;
		/* An empty helper for the host means the file, as in docker. */
		if (!name || !*name)
			return 0;
	} else {
		if ((error = wp_json_get_string(&name, c->root, "credsStore", 0, &cx)) < 0)
			return error;
		if (!name || !*name)
			return 0;
	}
	if (!valid_helper_name(name))
		return wp_json_error(&cx, key ? "credHelpers" : "credsStore",
				     "invalid credential helper name");
	*out = name;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Running a credential helper                                         */

/* The first line of text, trimmed, with bytes a message must not hold
 * replaced and every occurrence of secret (matched in the raw text, so a
 * cut line cannot leave part of one) masked, into dst. */
static void message_from(char *dst, size_t dstlen, const char *text, size_t n,
			 const char *secret)
{
	size_t sl = secret ? strlen(secret) : 0, i = 0, j = 0;
	while (i < n && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n'))
		i++;
	while (i < n && text[i] != '\n' && text[i] != '\r' && j + 1 < dstlen) {
		if (sl && n - i >= sl && memcmp(text + i, secret, sl) == 0) {
			for (const char *m = "***"; *m && j + 1 < dstlen; m++)
				dst[j++] = *m;
			i += sl;
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
				   const char *secret)
{
	message_from(msg, size, res->err, res->err_len, secret);
	if (*msg)
		return;
	if (WIFSIGNALED(res->status))
		snprintf(msg, size, "killed by signal %d", WTERMSIG(res->status));
	else
		snprintf(msg, size, "exit status %d", WEXITSTATUS(res->status));
}

/* Runs docker-credential-<name> <action> with input on stdin (closed
 * after writing) and collects stdout (capped) and stderr. Exit 0: *out
 * gets stdout (holds secrets; wipe it) and 0 is returned. Exit non-zero
 * with NOT_FOUND_MESSAGE: WASMPACK_ENOTFOUND. Otherwise WASMPACK_ERROR
 * with the helper's message (stdout, else stderr), secret masked. The
 * helper is looked up on PATH first, as exec.LookPath does for docker, so
 * a missing helper is told apart from one that failed. */
static int run_helper(wasmpack_buf *out, const char *name, const char *action,
		      const char *server, const void *input, size_t input_len,
		      const char *secret)
{
	char prog[sizeof(HELPER_PREFIX) + HELPER_NAME_MAX];
	char label[sizeof(prog) + 64];
	char msg[512];
	char *full = NULL;
	const char *what = server ? server : "";
	wp_spawn_result res;
	int error;

	out->data = NULL;
	out->size = 0;
	snprintf(prog, sizeof(prog), "%s%s", HELPER_PREFIX, name);
	snprintf(label, sizeof(label), "credential helper '%s' %s", prog, action);
	if ((error = wp_spawn_find_on_path(&full, prog)) == WASMPACK_ENOMEM)
		return error;
	if (error < 0)
		return wp_error(WASMPACK_ERROR, "credential helper '%s' not found on PATH", prog);
	char *argv[] = {prog, (char *)action, NULL};
	wp_spawn_opts o = {full, argv, label, input, input_len, HELPER_OUT_MAX};
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
	message_from(msg, sizeof(msg), res.out.data ? (const char *)res.out.data : "",
		     res.out.size, secret);
	if (strcmp(msg, NOT_FOUND_MESSAGE) == 0) {
		error = wp_error(WASMPACK_ENOTFOUND, "no credentials for '%s' in '%s'", what, prog);
		goto done;
	}
	if (!*msg)
		helper_failure_message(msg, sizeof(msg), &res, secret);
	error = wp_error(WASMPACK_ERROR, "credential helper '%s' %s '%s' failed: %s", prog, action,
			 what, msg);
done:
	wp_spawn_result_dispose(&res);
	return error;
}

static char *dup_nonempty(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

static int helper_get(wasmpack_credential *out, const char *helper, const char *server)
{
	wasmpack_buf buf = WASMPACK_BUF_INIT;
	json_t *root = NULL;
	const char *user = NULL, *secret = NULL;
	char what[sizeof(HELPER_PREFIX) + HELPER_NAME_MAX + 32];
	wp_json_ctx cx;
	int error;

	snprintf(what, sizeof(what), "output of '%s%s get'", HELPER_PREFIX, helper);
	if ((error = run_helper(&buf, helper, "get", server, server, strlen(server), NULL)) < 0)
		return error;
	if (only_space(buf.data, buf.size)) {
		error = wp_error(WASMPACK_ENOTFOUND, "no credentials for '%s' in '%s%s'", server,
				 HELPER_PREFIX, helper);
		goto done;
	}
	wp_json_ctx_init(&cx, what);
	if ((error = wp_auth_json_parse_secret(&root, buf.data, buf.size, HELPER_OUT_MAX,
					       what)) < 0 ||
	    (error = wp_json_get_string(&user, root, "Username", 0, &cx)) < 0 ||
	    (error = wp_json_get_string(&secret, root, "Secret", 0, &cx)) < 0)
		goto done;
	if (!secret || !*secret) {
		error = wp_error(WASMPACK_ENOTFOUND, "no credentials for '%s' in '%s%s'", server,
				 HELPER_PREFIX, helper);
		goto done;
	}
	if (user && strcmp(user, TOKEN_USERNAME) == 0) {
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
	wp_auth_wipe(buf.data, buf.size);
	wasmpack_buf_dispose(&buf);
	return error;
}

static int helper_store(const char *helper, const char *server, const wasmpack_credential *cred)
{
	wasmpack_buf in = WASMPACK_BUF_INIT, out = WASMPACK_BUF_INIT;
	int error = 0;
	int token = cred->identity_token && *cred->identity_token;
	const char *user = token ? TOKEN_USERNAME : cred->username;
	const char *secret = token ? cred->identity_token : cred->password;
	json_t *doc = json_object();

	if (!doc || json_object_set_new(doc, "ServerURL", json_string(server)) ||
	    json_object_set_new(doc, "Username", json_string(user ? user : "")) ||
	    json_object_set_new(doc, "Secret", json_string(secret ? secret : ""))) {
		/* json_string fails on invalid UTF-8 as well as on no memory. */
		error = wp_error(WASMPACK_EINVALID,
				 "cannot store credentials for '%s': not valid UTF-8 (or out of memory)",
				 server);
		goto done;
	}
	if ((error = wp_json_dump(&in, doc)) < 0)
		goto done;
	error = run_helper(&out, helper, "store", server, in.data, in.size, secret);
done:
	json_decref(doc);
	wp_auth_wipe(in.data, in.size);
	wasmpack_buf_dispose(&in);
	wp_auth_wipe(out.data, out.size);
	wasmpack_buf_dispose(&out);
	return error;
}

/* 0 when erased, WASMPACK_ENOTFOUND when the helper had none. */
static int helper_erase(const char *helper, const char *server)
{
	wasmpack_buf out = WASMPACK_BUF_INIT;
	int error = run_helper(&out, helper, "erase", server, server, strlen(server), NULL);
	wasmpack_buf_dispose(&out);
	return error;
}

/* ------------------------------------------------------------------ */
/* config.json entries                                                 */

/* Reads one `auths` entry. WASMPACK_ENOTFOUND when it holds nothing. */
static int read_entry(wasmpack_credential *out, const json_t *entry, const char *key,
		      const config *c)
{
	const char *auth = NULL, *user = NULL, *pass = NULL, *token = NULL;
	char *du = NULL, *dp = NULL;
	wp_json_ctx cx;
	int error;

	wp_json_ctx_init(&cx, c->what);
	wp_json_ctx_push_key(&cx, "auths");
	if (!json_is_object(entry))
		return wp_json_error(&cx, key, "expected an object, got %s",
				     wp_json_type_name(entry));
	wp_json_ctx_push_key(&cx, key);
	if ((error = wp_json_get_string(&auth, entry, "auth", 0, &cx)) < 0 ||
	    (error = wp_json_get_string(&user, entry, "username", 0, &cx)) < 0 ||
	    (error = wp_json_get_string(&pass, entry, "password", 0, &cx)) < 0 ||
	    (error = wp_json_get_string(&token, entry, "identitytoken", 0, &cx)) < 0)
		return error;
	if (auth && *auth) {
		if ((error = wp_auth_basic_decode(&du, &dp, auth)) < 0) {
			if (error != WASMPACK_EINVALID)
				return error;
			return wp_json_error(&cx, "auth",
					     "expected base64 of 'username:password'");
		}
		user = du;
		pass = dp;
	}
	/* "<token>:SECRET" is how an identity token travels as a user and
	 * password (docker's credential helpers do so, and other tools write
	 * it into auth): read it as the token it is, as helper_get does, or
	 * it would go out as a Basic password and be refused. */
	if (user && strcmp(user, TOKEN_USERNAME) == 0) {
		if (!(token && *token))
			token = pass;
		user = pass = NULL;
	}
	error = 0;
	if ((user && *user && !(out->username = strdup(user))) ||
	    (pass && *pass && !(out->password = strdup(pass))) ||
	    (token && *token && !(out->identity_token = strdup(token))))
		error = wp_error_nomem();
	else if (!out->password && !out->identity_token)
		error = wp_error(WASMPACK_ENOTFOUND, "no credentials for '%s' in %s", key, c->what);
	if (error < 0)
		wasmpack_credential_dispose(out);
	wp_auth_free_secret(du);
	wp_auth_free_secret(dp);
	return error;
}

/* The `auths` object of the config: borrowed, NULL when absent; with
 * create, made when absent. */
static int get_auths(json_t **out, config *c, int create)
{
	const json_t *auths = NULL;
	wp_json_ctx cx;
	int error;
	*out = NULL;
	wp_json_ctx_init(&cx, c->what);
	if ((error = wp_json_get_object(&auths, c->root, "auths", 0, &cx)) < 0)
		return error;
	if (!auths && create) {
		json_t *o = json_object();
		if (!o || json_object_set_new(c->root, "auths", o) != 0)
			return wp_error_nomem();
		auths = o;
	}
	*out = (json_t *)auths;
	return 0;
}

/* Removes every entry of auths naming host; with only_secrets, only those
 * that hold a secret. Returns how many were removed. */
static int remove_entries(json_t *auths, const char *host, int only_secrets)
{
	static const char *const secret_keys[] = {"auth", "password", "identitytoken",
						  "registrytoken"};
	const char *key;
	json_t *v;
	void *tmp;
	int removed = 0;
	if (!auths)
		return 0;
	const char *primary = wp_auth_config_key(host);
	json_object_foreach_safe(auths, tmp, key, v) {
		int match = strcmp(key, primary) == 0 || key_matches(key, host);
		if (!match)
			continue;
		if (only_secrets) {
			int has = 0;
			for (size_t i = 0; i < sizeof(secret_keys) / sizeof(secret_keys[0]); i++) {
				json_t *s = json_is_object(v) ? json_object_get(v, secret_keys[i]) : NULL;
				if (json_is_string(s) && *json_string_value(s))
					has = 1;
			}
			if (!has)
				continue;
		}
		json_object_del(auths, key);
		removed++;
	}
	return removed;
}

/* ------------------------------------------------------------------ */
/* Public API                                                          */

/* host's login from the file c, or (*helper set, borrowed from c, *out
 * untouched) the name of the helper that holds it. */
static int config_lookup(wasmpack_credential *out, const char **helper, config *c,
			 const char *host)
{
	json_t *auths = NULL;
	int error;
	if ((error = find_helper(helper, c, host)) < 0 || *helper)
		return error;
	if ((error = get_auths(&auths, c, 0)) < 0)
		return error;
	const char *key = find_key(auths, host);
	if (!key)
		return wp_error(WASMPACK_ENOTFOUND, "no credentials for '%s' in %s", host, c->what);
	return read_entry(out, json_object_get(auths, key), key, c);
}

int wasmpack_credentials_get(wasmpack_credential *out, const char *registry,
			     const wasmpack_credentials_options *opts)
{
	config c = {0};
	char *host = NULL;
	const char *helper = NULL;
	int error;

	if (!out)
		return wp_error(WASMPACK_EINVALID, "credentials: no output");
	memset(out, 0, sizeof(*out));
	if ((error = normalize_registry(&host, registry)) < 0 ||
	    (error = config_load(&c, opts)) < 0 ||
	    (error = config_lookup(out, &helper, &c, host)) < 0)
		goto done;
	if (helper)
		error = helper_get(out, helper, wp_auth_config_key(host));
done:
	free(host);
	config_dispose(&c);
	return error;
}

int wp_credentials_get_from_json(wasmpack_credential *out, char **helper,
				 const char *registry, const void *data, size_t len)
{
	config c = {0};
	char *host = NULL;
	const char *name = NULL;
	int error;

	if (!out || !helper || (!data && len))
		return wp_error(WASMPACK_EINVALID, "credentials: missing argument");
	memset(out, 0, sizeof(*out));
	*helper = NULL;
	if (len > CONFIG_MAX)
		return wp_error(WASMPACK_ETOOLARGE, "docker config is over %d bytes", CONFIG_MAX);
	if (!(c.what = wp_strdup("docker config")))
		return WASMPACK_ENOMEM;
	if ((error = normalize_registry(&host, registry)) < 0 ||
	    (error = config_parse(&c, data, len)) < 0 ||
	    (error = config_lookup(out, &name, &c, host)) < 0)
		goto done;
	if (name && !(*helper = wp_strdup(name)))
		error = WASMPACK_ENOMEM;
done:
	free(host);
	config_dispose(&c);
	return error;
}

static int check_credential(const char *host, const wasmpack_credential *cred)
{
	if (!cred)
		return wp_error(WASMPACK_EINVALID, "cannot store credentials for '%s': none given",
				host);
	int token = cred->identity_token && *cred->identity_token;
	if (!token && (!cred->username || !*cred->username || !cred->password ||
		       !*cred->password))
		return wp_error(WASMPACK_EINVALID,
				"cannot store credentials for '%s': need a username and a "
				"password, or an identity token",
				host);
	if (cred->username && strchr(cred->username, ':'))
		return wp_error(WASMPACK_EINVALID,
				"cannot store credentials for '%s': the username contains ':'",
				host);
	return 0;
}

int wasmpack_credentials_store(const char *registry, const wasmpack_credential *cred,
			       const wasmpack_credentials_options *opts)
{
	config c = {0};
	char *host = NULL, *auth = NULL;
	const char *helper = NULL;
	json_t *auths = NULL, *entry = NULL;
	int error;

	if ((error = normalize_registry(&host, registry)) < 0 ||
	    (error = check_credential(host, cred)) < 0 || (error = config_load(&c, opts)) < 0 ||
	    (error = find_helper(&helper, &c, host)) < 0)
		goto done;
	if (helper) {
		if ((error = helper_store(helper, wp_auth_config_key(host), cred)) < 0)
			goto done;
		/* Leave no plain-text copy behind the helper's back. */
		if ((error = get_auths(&auths, &c, 0)) < 0)
			goto done;
		if (remove_entries(auths, host, 1) > 0)
			error = config_save(&c);
		goto done;
	}
	if ((error = get_auths(&auths, &c, 1)) < 0)
		goto done;
	if (!(entry = json_object())) {
		error = wp_error_nomem();
		goto done;
	}
	/* A password given for the user "<token>" is an identity token:
	 * written where docker keeps those, so every reader takes it so. */
	const char *identity = cred->identity_token;
	int token_user = cred->username && strcmp(cred->username, TOKEN_USERNAME) == 0;
	if (token_user && !(identity && *identity))
		identity = cred->password;
	if (!token_user &&
	    ((cred->username && *cred->username) || (cred->password && *cred->password))) {
		if ((error = wp_auth_basic_encode(&auth, cred->username ? cred->username : "",
						  cred->password)) < 0)
			goto done;
		if (json_object_set_new(entry, "auth", json_string(auth)) != 0) {
			error = wp_error_nomem();
			goto done;
		}
	}
	if (identity && *identity &&
	    json_object_set_new(entry, "identitytoken", json_string(identity)) != 0) {
		error = wp_error(WASMPACK_EINVALID,
				 "cannot store credentials for '%s': identity token is not valid "
				 "UTF-8 (or out of memory)",
				 host);
		goto done;
	}
	if (json_object_set_new(auths, wp_auth_config_key(host), entry) != 0) {
		entry = NULL;
		error = wp_error_nomem();
		goto done;
	}
	entry = NULL;
	error = config_save(&c);
done:
	json_decref(entry);
	wp_auth_free_secret(auth);
	free(host);
	config_dispose(&c);
	return error;
}

int wasmpack_credentials_erase(const char *registry, const wasmpack_credentials_options *opts)
{
	config c = {0};
	char *host = NULL;
	const char *helper = NULL;
	json_t *auths = NULL;
	int error, erased = 0;

	if ((error = normalize_registry(&host, registry)) < 0 ||
	    (error = config_load(&c, opts)) < 0 || (error = find_helper(&helper, &c, host)) < 0)
		goto done;
	if (helper) {
		error = helper_erase(helper, wp_auth_config_key(host));
		if (error < 0 && error != WASMPACK_ENOTFOUND)
			goto done;
		erased = error == 0;
	}
	if ((error = get_auths(&auths, &c, 0)) < 0)
		goto done;
	if (remove_entries(auths, host, 0) > 0) {
		if ((error = config_save(&c)) < 0)
			goto done;
		erased = 1;
	}
	error = erased ? 0
		       : wp_error(WASMPACK_ENOTFOUND, "not logged in to '%s': no credentials in %s%s%s",
				  host, c.what, helper ? " or " HELPER_PREFIX : "",
				  helper ? helper : "");
done:
	free(host);
	config_dispose(&c);
	return error;
}

int wasmpack_credentials_helper(char **out, const char *registry,
				const wasmpack_credentials_options *opts)
{
	config c = {0};
	char *host = NULL;
	const char *helper = NULL;
	int error;

	if (!out)
		return wp_error(WASMPACK_EINVALID, "credentials: no output");
	*out = NULL;
	if ((error = normalize_registry(&host, registry)) < 0 ||
	    (error = config_load(&c, opts)) < 0 || (error = find_helper(&helper, &c, host)) < 0)
		goto done;
	if (helper && !(*out = wp_strdup(helper)))
		error = WASMPACK_ENOMEM;
done:
	free(host);
	config_dispose(&c);
	return error;
}

int wasmpack_credentials_config_path(char **out, const wasmpack_credentials_options *opts)
{
	config c = {0};
	int error;
	if (!out)
		return wp_error(WASMPACK_EINVALID, "credentials: no output");
	*out = NULL;
	if ((error = config_locate(&c, opts)) == 0) {
		*out = c.path;
		c.path = NULL;
	}
	config_dispose(&c);
	return error;
}

/* Adds the logins the credsStore helper lists. */
static int list_helper(wasmpack_kvlist *out, const char *helper)
{
	wasmpack_buf buf = WASMPACK_BUF_INIT;
	json_t *root = NULL, *v;
	const char *key;
	char what[sizeof(HELPER_PREFIX) + HELPER_NAME_MAX + 32];
	int error;

	snprintf(what, sizeof(what), "output of '%s%s list'", HELPER_PREFIX, helper);
	if ((error = run_helper(&buf, helper, "list", NULL, NULL, 0, NULL)) < 0)
		return error;
	if (!only_space(buf.data, buf.size) &&
	    (error = wp_auth_json_parse_secret(&root, buf.data, buf.size, HELPER_OUT_MAX,
					       what)) == 0) {
		json_object_foreach(root, key, v) {
			const char *user = json_is_string(v) ? json_string_value(v) : "";
			if ((error = wasmpack_kvlist_set(out, key,
							 strcmp(user, TOKEN_USERNAME) ? user : "")) < 0)
				break;
		}
	}
	json_decref(root);
	wasmpack_buf_dispose(&buf);
	return error;
}

int wasmpack_credentials_list(wasmpack_kvlist *out, const wasmpack_credentials_options *opts)
{
	config c = {0};
	wasmpack_kvlist l = WASMPACK_KVLIST_INIT;
	json_t *auths = NULL, *v;
	const json_t *helpers = NULL;
	const char *key, *store = NULL;
	wp_json_ctx cx;
	int error;

	if (!out || out->count)
		return wp_error(WASMPACK_EINVALID, "credentials: the output list must be empty");
	if ((error = config_load(&c, opts)) < 0 || (error = get_auths(&auths, &c, 0)) < 0)
		goto done;
	if (auths) {
		json_object_foreach(auths, key, v) {
			wasmpack_credential cred = WASMPACK_CREDENTIAL_INIT;
			error = read_entry(&cred, v, key, &c);
			if (error == 0)
				error = wasmpack_kvlist_set(&l, key,
							    cred.username ? cred.username : "");
			wasmpack_credential_dispose(&cred);
			if (error == WASMPACK_ENOTFOUND)
				error = 0;
			if (error < 0)
				goto done;
		}
	}
	wp_json_ctx_init(&cx, c.what);
	if ((error = wp_json_get_string(&store, c.root, "credsStore", 0, &cx)) < 0 ||
	    (error = wp_json_get_object(&helpers, c.root, "credHelpers", 0, &cx)) < 0)
		goto done;
	if (store && *store) {
		if (!valid_helper_name(store)) {
			error = wp_json_error(&cx, "credsStore", "invalid credential helper name");
			goto done;
		}
		if ((error = list_helper(&l, store)) < 0)
			goto done;
	}
	if (helpers) {
		json_object_foreach((json_t *)helpers, key, v) {
			if (!wasmpack_kvlist_get(&l, key) &&
			    (error = wasmpack_kvlist_set(&l, key, "")) < 0)
				goto done;
		}
	}
	*out = l;
	l.items = NULL;
	l.count = 0;
done:
	wasmpack_kvlist_dispose(&l);
	config_dispose(&c);
	return error;
}
