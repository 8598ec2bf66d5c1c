/* Registry logins shared with docker: config.json `auths`, `credsStore`
 * and `credHelpers`; the helpers themselves run in credential_helper.c. */
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
#include <unistd.h>

#include "registry/token.h"
#include "registry/credentials_internal.h"
#include "util/error.h"
#include "util/options.h"
#include "util/secret.h"
#include "oci/json.h"
#include "util/fs.h"

#define CONFIG_FILE "config.json"
#define CONFIG_MAX (8 * 1024 * 1024)

static const char *const hub_keys[] = {"docker.io", "index.docker.io", WP_AUTH_DOCKER_HUB_API_HOST};

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
	return opts ? wp_options_check(opts->version, WASMPACK_CREDENTIALS_OPTIONS_VERSION,
				       "credentials")
		    : 0;
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
		if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) != 0 || !res || !pw.pw_dir ||
		    !*pw.pw_dir)
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

/* The bytes of config.json into c->root; empty or blank reads as {}. */
static int config_parse(config *c, const unsigned char *data, size_t len)
{
	if (wp_json_blank(data, len)) {
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
	wp_secret_wipe(buf.data, buf.size);
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
	wp_secret_wipe(data, len);
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
	int m = wp_auth_is_docker_hub(host) ? wp_auth_is_docker_hub(kh) : strcasecmp(kh, host) == 0;
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
	json_object_foreach((json_t *)obj, key, v)
	{
		if (key_matches(key, host))
			return key;
	}
	return NULL;
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
	if (!wp_cred_helper_name_valid(name))
		return wp_json_error(&cx, key ? "credHelpers" : "credsStore",
				     "invalid credential helper name");
	*out = name;
	return 0;
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
			return wp_json_error(&cx, "auth", "expected base64 of 'username:password'");
		}
		user = du;
		pass = dp;
	}
	/* "<token>:SECRET" is how an identity token travels as a user and
	 * password (docker's credential helpers do so, and other tools write
	 * it into auth): read it as the token it is, as helper_get does, or
	 * it would go out as a Basic password and be refused. */
	if (user && strcmp(user, WP_CRED_TOKEN_USERNAME) == 0) {
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
	wp_secret_free(du);
	wp_secret_free(dp);
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
	json_object_foreach_safe(auths, tmp, key, v)
	{
		int match = strcmp(key, primary) == 0 || key_matches(key, host);
		if (!match)
			continue;
		if (only_secrets) {
			int has = 0;
			for (size_t i = 0; i < sizeof(secret_keys) / sizeof(secret_keys[0]); i++) {
				json_t *s = json_is_object(v) ? json_object_get(v, secret_keys[i])
							      : NULL;
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
static int config_lookup(wasmpack_credential *out, const char **helper, config *c, const char *host)
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
		error = wp_cred_helper_get(out, helper, wp_auth_config_key(host));
done:
	free(host);
	config_dispose(&c);
	return error;
}

int wp_credentials_get_from_json(wasmpack_credential *out, char **helper, const char *registry,
				 const void *data, size_t len)
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
	if (!token && (!cred->username || !*cred->username || !cred->password || !*cred->password))
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
		if ((error = wp_cred_helper_store(helper, wp_auth_config_key(host), cred)) < 0)
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
	int token_user = cred->username && strcmp(cred->username, WP_CRED_TOKEN_USERNAME) == 0;
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
	wp_secret_free(auth);
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
		error = wp_cred_helper_erase(helper, wp_auth_config_key(host));
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
		       : wp_error(WASMPACK_ENOTFOUND,
				  "not logged in to '%s': no credentials in %s%s%s", host, c.what,
				  helper ? " or " WP_CRED_HELPER_PREFIX : "", helper ? helper : "");
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
		json_object_foreach(auths, key, v)
		{
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
		if (!wp_cred_helper_name_valid(store)) {
			error = wp_json_error(&cx, "credsStore", "invalid credential helper name");
			goto done;
		}
		if ((error = wp_cred_helper_list(&l, store)) < 0)
			goto done;
	}
	if (helpers) {
		json_object_foreach((json_t *)helpers, key, v)
		{
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
