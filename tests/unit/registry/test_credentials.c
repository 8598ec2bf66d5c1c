/* Tests of docker config.json credentials and credential helpers: where
 * the file is, which key a registry finds, what a store keeps, and the
 * docker-credential-* protocol against fake helpers written as shell
 * scripts into a temporary directory put first on PATH. */
#include "harness.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wasmpack/credentials.h"

/* A fake helper keeping credentials as files named after the server URL.
 * Special servers: fail.example (fails with a message on stdout and
 * stderr), stderr.example (fails with a message on stderr only),
 * token.example (an identity token); storing for fail.example fails with
 * a message that repeats the secret, as a careless helper might. */
static const char fake_helper[] =
	"#!/bin/sh\n"
	"dir=\"$(dirname \"$0\")/fake-store\"\n"
	"mkdir -p \"$dir\"\n"
	"input=$(cat)\n"
	"echo \"$1\" >> \"$dir/../fake-calls\"\n"
	"keyof() { printf '%s' \"$1\" | tr -c 'A-Za-z0-9.-' '_'; }\n"
	"case \"$1\" in\n"
	"get)\n"
	"  case \"$input\" in\n"
	"  fail.example) echo 'helper exploded'; echo 'details on stderr' >&2; exit 1;;\n"
	"  stderr.example) echo 'only on stderr' >&2; exit 3;;\n"
	"  token.example) printf '{\"ServerURL\":\"token.example\",\"Username\":\"<token>\","
	"\"Secret\":\"id-token-123\"}\\n'; exit 0;;\n"
	"  esac\n"
	"  f=\"$dir/$(keyof \"$input\")\"\n"
	"  if [ -f \"$f\" ]; then cat \"$f\"; exit 0; fi\n"
	"  echo 'credentials not found in native keychain'; exit 1;;\n"
	"store)\n"
	"  url=$(printf '%s' \"$input\" | sed -n 's/.*\"ServerURL\":\"\\([^\"]*\\)\".*/\\1/p')\n"
	"  if [ \"$url\" = echo.example ]; then printf 'cannot store %s\\n' \"$input\"; exit 1; fi\n"
	"  if [ \"$url\" = fail.example ]; then\n"
	"    echo \"cannot store: got $(printf '%s' \"$input\" | "
	"sed -n 's/.*\"Secret\":\"\\([^\"]*\\)\".*/\\1/p') here\"; exit 1\n"
	"  fi\n"
	"  printf '%s' \"$input\" > \"$dir/$(keyof \"$url\")\"; exit 0;;\n"
	"erase)\n"
	"  f=\"$dir/$(keyof \"$input\")\"\n"
	"  if [ -f \"$f\" ]; then rm -f \"$f\"; exit 0; fi\n"
	"  echo 'credentials not found in native keychain'; exit 1;;\n"
	"list)\n"
	"  printf '{\"https://index.docker.io/v1/\":\"hubuser\",\"tok.example\":\"<token>\"}'\n"
	"  exit 0;;\n"
	"esac\n"
	"echo \"unknown action $1\"; exit 1\n";

/* Exits at once without reading stdin. */
static const char deaf_helper[] = "#!/bin/sh\necho 'deaf helper'\nexit 1\n";

/* Floods stdout. */
static const char loud_helper[] =
	"#!/bin/sh\ncat >/dev/null\nhead -c 3000000 /dev/zero | tr '\\000' a\nexit 0\n";

/* Never ends; its child's pid goes to $WP_TEST_PIDFILE. */
static const char sleepy_helper[] =
	"#!/bin/sh\ncat >/dev/null\nsleep 1000 &\necho $! > \"$WP_TEST_PIDFILE\"\nwait\n";

/* Answers and exits, but leaves a child holding its stdout. */
static const char forker_helper[] =
	"#!/bin/sh\ncat >/dev/null\n"
	"printf '{\"ServerURL\":\"x\",\"Username\":\"u\",\"Secret\":\"s\"}'\n"
	"sleep 1000 &\necho $! > \"$WP_TEST_PIDFILE\"\nexit 0\n";

static char bindir[512];

static int write_text(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	int ok = fputs(text, f) >= 0;
	ok = fclose(f) == 0 && ok;
	return ok && chmod(path, mode) == 0 ? 0 : -1;
}

/* Writes the fake helpers once and puts their directory first on PATH. */
static int setup_helpers(void)
{
	if (bindir[0])
		return 0;
	char path[700];
	snprintf(bindir, sizeof(bindir), "%s/credential-helpers", harness_tmpdir());
	if (mkdir(bindir, 0700) != 0 && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), "%s/docker-credential-fake", bindir);
	if (write_text(path, fake_helper, 0755) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/docker-credential-deaf", bindir);
	if (write_text(path, deaf_helper, 0755) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/docker-credential-loud", bindir);
	if (write_text(path, loud_helper, 0755) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/docker-credential-sleepy", bindir);
	if (write_text(path, sleepy_helper, 0755) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/docker-credential-forker", bindir);
	if (write_text(path, forker_helper, 0755) != 0)
		return -1;
	const char *old = getenv("PATH");
	char *p = NULL;
	if (asprintf(&p, "%s:%s", bindir, old && *old ? old : "/usr/bin:/bin") < 0)
		return -1;
	int rc = setenv("PATH", p, 1);
	free(p);
	return rc;
}

/* A fresh directory tmp/NAME for one test's config.json. */
static const char *fresh_dir(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", harness_tmpdir(), name);
	mkdir(buf, 0700);
	return buf;
}

static int write_config(const char *dir, const char *json)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/config.json", dir);
	return write_text(path, json, 0600);
}

static json_t *load_config(const char *dir)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/config.json", dir);
	return json_load_file(path, 0, NULL);
}

/* 1 when this process has no child left, reaped or not. */
static int no_children(void)
{
	int st;
	return waitpid(-1, &st, WNOHANG) < 0 && errno == ECHILD;
}

static const char *show(const char *s) { return s ? s : "(null)"; }

/* Gets registry's credential and compares it; fails the test on mismatch. */
static int check_get(const char *file, int line, const char *dir, const char *registry,
		     const char *user, const char *pass, const char *token)
{
	wasmpack_credentials_options o = WASMPACK_CREDENTIALS_OPTIONS_INIT;
	wasmpack_credential c = WASMPACK_CREDENTIAL_INIT;
	char detail[1024];
	o.config_dir = dir;
	int rc = wasmpack_credentials_get(&c, registry, &o);
	int ok = rc == 0 && !strcmp(show(c.username), show(user)) &&
		 !strcmp(show(c.password), show(pass)) &&
		 !strcmp(show(c.identity_token), show(token));
	if (!ok) {
		snprintf(detail, sizeof(detail), "%s: rc=%d user=%s pass=%s token=%s (%s)",
			 registry, rc, show(c.username), show(c.password), show(c.identity_token),
			 wasmpack_error_last());
		harness_fail(file, line, "credentials as expected", detail);
	}
	wasmpack_credential_dispose(&c);
	return ok ? 0 : -1;
}

#define CHECK_GET(dir, reg, user, pass, token)                                  \
	do {                                                                    \
		if (check_get(__FILE__, __LINE__, dir, reg, user, pass, token)) \
			return;                                                 \
	} while (0)

static int get_rc(const char *dir, const char *registry)
{
	wasmpack_credentials_options o = WASMPACK_CREDENTIALS_OPTIONS_INIT;
	wasmpack_credential c = WASMPACK_CREDENTIAL_INIT;
	o.config_dir = dir;
	int rc = wasmpack_credentials_get(&c, registry, &o);
	if (rc != 0 && (c.username || c.password || c.identity_token))
		rc = 999; /* must be zeroed on error */
	wasmpack_credential_dispose(&c);
	return rc;
}

static int store(const char *dir, const char *registry, const char *user, const char *pass,
		 const char *token)
{
	wasmpack_credentials_options o = WASMPACK_CREDENTIALS_OPTIONS_INIT;
	wasmpack_credential c = {(char *)user, (char *)pass, (char *)token};
	o.config_dir = dir;
	return wasmpack_credentials_store(registry, &c, &o);
}

static int erase(const char *dir, const char *registry)
{
	wasmpack_credentials_options o = WASMPACK_CREDENTIALS_OPTIONS_INIT;
	o.config_dir = dir;
	return wasmpack_credentials_erase(registry, &o);
}

/* base64("user:pass"), base64("hub:p:w:d"), base64("old:old") */
#define AUTH_USER_PASS "dXNlcjpwYXNz"
#define AUTH_HUB "aHViOnA6dzpk"
#define AUTH_OLD "b2xkOm9sZA=="

/* ------------------------------------------------------------------ */

static void test_credentials__reads_auth_and_identity_tokens(void)
{
	char d[600];
	fresh_dir(d, sizeof(d), "cred-read");
	CHECK(write_config(d, "{\"auths\":{"
			      "\"ghcr.io\":{\"auth\":\"" AUTH_USER_PASS "\"},"
			      "\"fields.example\":{\"username\":\"fu\",\"password\":\"fp\"},"
			      "\"both.example\":{\"auth\":\"" AUTH_USER_PASS "\","
			      "\"username\":\"ignored\",\"password\":\"ignored\"},"
			      "\"idt.example\":{\"auth\":\"dXNlcjo=\",\"identitytoken\":\"idt-1\"},"
			      "\"empty.example\":{},"
			      "\"nulls.example\":{\"auth\":null,\"email\":\"x@y\"}"
			      "},\"psFormat\":\"table\"}") == 0);
	CHECK_GET(d, "ghcr.io", "user", "pass", NULL);
	CHECK_GET(d, "GHCR.io", "user", "pass", NULL);
	CHECK_GET(d, "fields.example", "fu", "fp", NULL);
	CHECK_GET(d, "both.example", "user", "pass", NULL);
	CHECK_GET(d, "idt.example", "user", NULL, "idt-1");
	CHECK(get_rc(d, "empty.example") == WASMPACK_ENOTFOUND);
	CHECK(get_rc(d, "nulls.example") == WASMPACK_ENOTFOUND);
	CHECK(get_rc(d, "quay.io") == WASMPACK_ENOTFOUND);
	CHECK(strstr(wasmpack_error_last(), "quay.io") != NULL);
	CHECK(get_rc(d, "") == WASMPACK_EINVALID);
	CHECK_INT(get_rc(d, NULL), WASMPACK_EINVALID);
}

static void test_credentials__missing_file_means_no_credentials(void)
{
	char d[600];
	fresh_dir(d, sizeof(d), "cred-missing");
	CHECK(get_rc(d, "ghcr.io") == WASMPACK_ENOTFOUND);
	char sub[700];
	snprintf(sub, sizeof(sub), "%s/not/there", d);
	CHECK(get_rc(sub, "ghcr.io") == WASMPACK_ENOTFOUND);
	CHECK(write_config(d, " \n") == 0);
	CHECK(get_rc(d, "ghcr.io") == WASMPACK_ENOTFOUND);
}

static void test_credentials__finds_docker_hub_under_its_legacy_key(void)
{
	char d[600];
	fresh_dir(d, sizeof(d), "cred-hub");
	CHECK(write_config(d,
			   "{\"auths\":{\"docker.io\":{\"auth\":\"" AUTH_OLD "\"},"
			   "\"https://index.docker.io/v1/\":{\"auth\":\"" AUTH_HUB "\"}}}") == 0);
	CHECK_GET(d, "docker.io", "hub", "p:w:d", NULL);
	CHECK_GET(d, "index.docker.io", "hub", "p:w:d", NULL);
	CHECK_GET(d, "registry-1.docker.io", "hub", "p:w:d", NULL);
	CHECK_GET(d, "https://index.docker.io/v1/", "hub", "p:w:d", NULL);

	/* Fallbacks when the canonical key is absent. */
	CHECK(write_config(d, "{\"auths\":{\"registry-1.docker.io\":{\"auth\":\"" AUTH_OLD
			      "\"}}}") == 0);
	CHECK_GET(d, "docker.io", "old", "old", NULL);
	CHECK(write_config(d, "{\"auths\":{\"https://index.docker.io/v1\":"
			      "{\"auth\":\"" AUTH_OLD "\"}}}") == 0);
	CHECK_GET(d, "docker.io", "old", "old", NULL);
	CHECK(get_rc(d, "ghcr.io") == WASMPACK_ENOTFOUND);
}

static void test_credentials__matches_legacy_keys_by_host(void)
{
	char d[600];
	fresh_dir(d, sizeof(d), "cred-legacy");
	CHECK(write_config(d, "{\"auths\":{"
			      "\"http://localhost:5000/v2/\":{\"auth\":\"" AUTH_USER_PASS "\"},"
			      "\"https://registry.example.com/v1/\":{\"auth\":\"" AUTH_OLD "\"},"
			      "\"registry.example.com\":{\"auth\":\"" AUTH_HUB "\"}"
			      "}}") == 0);
	CHECK_GET(d, "localhost:5000", "user", "pass", NULL);
	CHECK_GET(d, "http://localhost:5000", "user", "pass", NULL);
	/* The exact key wins over a legacy one. */
	CHECK_GET(d, "registry.example.com", "hub", "p:w:d", NULL);
	CHECK(get_rc(d, "localhost:5001") == WASMPACK_ENOTFOUND);
	CHECK(get_rc(d, "localhost") == WASMPACK_ENOTFOUND);
	CHECK(get_rc(d, "example.com") == WASMPACK_ENOTFOUND);
}

static void test_credentials__rejects_malformed_config_without_leaking(void)
{
	char d[600];
	fresh_dir(d, sizeof(d), "cred-bad");
	CHECK(write_config(d, "{\"auths\":{\"ghcr.io\":{\"auth\":\"c2VjcmV0LXM=!!\"}}}") == 0);
	CHECK(get_rc(d, "ghcr.io") == WASMPACK_EINVALID);
	CHECK(strstr(wasmpack_error_last(), "auths.ghcr.io.auth") != NULL);
	CHECK(strstr(wasmpack_error_last(), "c2VjcmV0") == NULL);
	CHECK(write_config(d, "{\"auths\":{\"ghcr.io\":{\"auth\":\"SECRETSECRET\" oops}}}") == 0);
	CHECK(get_rc(d, "ghcr.io") == WASMPACK_EINVALID);
	CHECK(strstr(wasmpack_error_last(), "SECRET") == NULL);
	CHECK(strstr(wasmpack_error_last(), "line 1") != NULL);
	CHECK(write_config(d, "{\"auths\":{\"ghcr.io\":\"SECRET\"}}") == 0);
	CHECK(get_rc(d, "ghcr.io") == WASMPACK_EINVALID);
	CHECK(write_config(d, "{\"auths\":[]}") == 0);
	CHECK(get_rc(d, "ghcr.io") == WASMPACK_EINVALID);
	CHECK(write_config(d, "{\"credsStore\":\"../../bin/sh\"}") == 0);
	CHECK(get_rc(d, "ghcr.io") == WASMPACK_EINVALID);
	/* A file that will not be read back is not overwritten either. */
	CHECK(write_config(d, "{\"auths\":") == 0);
	CHECK(store(d, "ghcr.io", "u", "p", NULL) == WASMPACK_EINVALID);
	json_t *j = load_config(d);
	CHECK(j == NULL);
}

static void test_credentials__finds_the_config_from_the_environment(void)
{
	char d[600], home[600], *path = NULL;
	fresh_dir(d, sizeof(d), "cred-env");
	fresh_dir(home, sizeof(home), "cred-home");
	char *old_dc = getenv("DOCKER_CONFIG") ? strdup(getenv("DOCKER_CONFIG")) : NULL;
	char *old_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
	int ok = write_config(d, "{\"auths\":{\"ghcr.io\":{\"auth\":\"" AUTH_USER_PASS "\"}}}") ==
		 0;

	setenv("DOCKER_CONFIG", d, 1);
	wasmpack_credential c = WASMPACK_CREDENTIAL_INIT;
	int rc_env = wasmpack_credentials_get(&c, "ghcr.io", NULL);
	ok = ok && rc_env == 0 && c.username && strcmp(c.username, "user") == 0;
	wasmpack_credential_dispose(&c);

	/* The explicit directory beats $DOCKER_CONFIG. */
	wasmpack_credentials_options o = WASMPACK_CREDENTIALS_OPTIONS_INIT;
	o.config_dir = home;
	ok = ok && wasmpack_credentials_get(&c, "ghcr.io", &o) == WASMPACK_ENOTFOUND;

	unsetenv("DOCKER_CONFIG");
	setenv("HOME", home, 1);
	int rc_path = wasmpack_credentials_config_path(&path, NULL);
	char want[700];
	snprintf(want, sizeof(want), "%s/.docker/config.json", home);
	ok = ok && rc_path == 0 && path && strcmp(path, want) == 0;
	free(path);

	wasmpack_credentials_options bad = {99, NULL};
	ok = ok && wasmpack_credentials_get(&c, "ghcr.io", &bad) == WASMPACK_EINVALID;

	if (old_dc)
		setenv("DOCKER_CONFIG", old_dc, 1);
	if (old_home)
		setenv("HOME", old_home, 1);
	else
		unsetenv("HOME");
	free(old_dc);
	free(old_home);
	CHECK(ok);
}

/* ------------------------------------------------------------------ */

static void test_credentials__store_keeps_unknown_members_and_mode_0600(void)
{
	char d[600], path[700];
	struct stat st;
	fresh_dir(d, sizeof(d), "cred-store");
	static const char original[] =
		"{\n\t\"auths\": {\n\t\t\"other.io\": {\"auth\": \"" AUTH_OLD
		"\", \"email\": \"x@y\"}\n\t},"
		"\"HttpHeaders\": {\"User-Agent\": \"me\"}, \"psFormat\": \"table\","
		"\"currentContext\": \"remote\", \"plugins\": {\"a\": {\"b\": \"c\"}},"
		"\"experimental\": true, \"ratio\": 1.5, \"list\": [1, \"two\", {\"z\": null}],"
		"\"unicode\": \"caf\\u00e9 \\ud83d\\ude00\"}";
	CHECK_INT(write_config(d, original), 0);
	snprintf(path, sizeof(path), "%s/config.json", d);
	chmod(path, 0644);
	CHECK_OK(store(d, "ghcr.io", "user", "pass", NULL));
	CHECK_GET(d, "ghcr.io", "user", "pass", NULL);
	CHECK_GET(d, "other.io", "old", "old", NULL);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT((st.st_mode & 07777), 0600);

	json_t *want = json_loads(original, 0, NULL);
	json_t *got = load_config(d);
	int ok = want && got;
	if (ok) {
		json_t *auths = json_object_get(got, "auths");
		json_t *entry = json_object_get(auths, "ghcr.io");
		ok = json_is_object(entry) && json_object_size(entry) == 1 &&
		     strcmp(json_string_value(json_object_get(entry, "auth")), AUTH_USER_PASS) == 0;
		/* Everything but the new entry is as it was. */
		json_object_del(auths, "ghcr.io");
		ok = ok && json_equal(want, got);
	}
	json_decref(want);
	json_decref(got);
	CHECK(ok);

	/* Replacing keeps one entry per key. */
	CHECK_OK(store(d, "ghcr.io", "user2", "pass2", NULL));
	CHECK_GET(d, "ghcr.io", "user2", "pass2", NULL);
	/* No temporary file is left behind. */
	char cmd[800];
	snprintf(cmd, sizeof(cmd), "test $(ls -A '%s' | wc -l) -eq 1", d);
	CHECK_INT(system(cmd), 0);
}

static void test_credentials__store_creates_a_private_directory(void)
{
	char d[600], deep[700], path[800];
	struct stat st;
	fresh_dir(d, sizeof(d), "cred-create");
	snprintf(deep, sizeof(deep), "%s/a/b/.docker", d);
	CHECK_OK(store(deep, "docker.io", "hub", "p:w:d", NULL));
	CHECK_INT(stat(deep, &st), 0);
	CHECK_INT((st.st_mode & 0777), 0700);
	snprintf(path, sizeof(path), "%s/config.json", deep);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT((st.st_mode & 07777), 0600);
	json_t *got = load_config(deep);
	json_t *entry = json_object_get(json_object_get(got, "auths"),
					"https://index.docker.io/v1/");
	const char *auth = json_string_value(json_object_get(entry, "auth"));
	int ok = auth && strcmp(auth, AUTH_HUB) == 0 && json_object_size(got) == 1;
	json_decref(got);
	CHECK(ok);
	CHECK_GET(deep, "registry-1.docker.io", "hub", "p:w:d", NULL);
}

static void test_credentials__store_writes_identity_tokens(void)
{
	char d[600];
	fresh_dir(d, sizeof(d), "cred-idt");
	CHECK_OK(store(d, "ghcr.io", NULL, NULL, "refresh-1"));
	CHECK_GET(d, "ghcr.io", NULL, NULL, "refresh-1");
	CHECK_OK(store(d, "quay.io", "me", NULL, "refresh-2"));
	CHECK_GET(d, "quay.io", "me", NULL, "refresh-2");
	json_t *got = load_config(d);
	json_t *e = json_object_get(json_object_get(got, "auths"), "ghcr.io");
	int ok = json_object_size(e) == 1 &&
		 strcmp(json_string_value(json_object_get(e, "identitytoken")), "refresh-1") == 0;
	json_decref(got);
	CHECK(ok);
}

/* `login -u '<token>'` with an identity token as the password: stored
 * as an identity token, and an auth of "<token>:SECRET" written by other
 * tools reads as one, as credential helpers' answers do. */
static void test_credentials__token_username_means_an_identity_token(void)
{
	char d[600], path[700];
	fresh_dir(d, sizeof(d), "cred-tokuser");
	CHECK_OK(store(d, "ghcr.io", "<token>", "refresh-3", NULL));
	CHECK_GET(d, "ghcr.io", NULL, NULL, "refresh-3");
	json_t *got = load_config(d);
	json_t *e = json_object_get(json_object_get(got, "auths"), "ghcr.io");
	int ok = json_object_size(e) == 1 &&
		 strcmp(json_string_value(json_object_get(e, "identitytoken")), "refresh-3") == 0;
	json_decref(got);
	CHECK(ok);
	fresh_dir(d, sizeof(d), "cred-tokauth");
	snprintf(path, sizeof(path), "%s/config.json", d);
	/* base64("<token>:refresh-4") */
	CHECK(write_text(path, "{\"auths\":{\"quay.io\":{\"auth\":\"PHRva2VuPjpyZWZyZXNoLTQ=\"}}}",
			 0600) == 0);
	CHECK_GET(d, "quay.io", NULL, NULL, "refresh-4");
}

static void test_credentials__store_rejects_incomplete_credentials(void)
{
	char d[600];
	fresh_dir(d, sizeof(d), "cred-reject");
	CHECK_ERR(store(d, "ghcr.io", "us:er", "secret-pw", NULL), WASMPACK_EINVALID);
	CHECK(strstr(wasmpack_error_last(), "secret-pw") == NULL);
	CHECK_ERR(store(d, "ghcr.io", "user", NULL, NULL), WASMPACK_EINVALID);
	CHECK_ERR(store(d, "ghcr.io", NULL, "pw", NULL), WASMPACK_EINVALID);
	CHECK_ERR(store(d, "ghcr.io", "user", "", NULL), WASMPACK_EINVALID);
	CHECK_ERR(wasmpack_credentials_store("ghcr.io", NULL, NULL), WASMPACK_EINVALID);
	CHECK_ERR(store(d, "bad host", "u", "p", NULL), WASMPACK_EINVALID);
	json_t *got = load_config(d);
	CHECK(got == NULL);
}

static void test_credentials__store_follows_a_symlinked_config(void)
{
	char d[600], real[700], link[700];
	struct stat st;
	fresh_dir(d, sizeof(d), "cred-symlink");
	snprintf(real, sizeof(real), "%s/real.json", d);
	snprintf(link, sizeof(link), "%s/config.json", d);
	CHECK(write_text(real, "{\"psFormat\":\"x\"}", 0600) == 0);
	CHECK(symlink("real.json", link) == 0);
	CHECK_OK(store(d, "ghcr.io", "user", "pass", NULL));
	CHECK_INT(lstat(link, &st), 0);
	CHECK(S_ISLNK(st.st_mode));
	CHECK_GET(d, "ghcr.io", "user", "pass", NULL);
}

static void test_credentials__erase_removes_every_matching_entry(void)
{
	char d[600];
	fresh_dir(d, sizeof(d), "cred-erase");
	CHECK(write_config(d, "{\"auths\":{"
			      "\"localhost:5000\":{\"auth\":\"" AUTH_USER_PASS "\"},"
			      "\"http://localhost:5000/v2/\":{\"auth\":\"" AUTH_OLD "\"},"
			      "\"https://index.docker.io/v1/\":{\"auth\":\"" AUTH_HUB "\"},"
			      "\"other.io\":{\"auth\":\"" AUTH_OLD "\"}},\"keep\":1}") == 0);
	CHECK_OK(erase(d, "localhost:5000"));
	CHECK(get_rc(d, "localhost:5000") == WASMPACK_ENOTFOUND);
	CHECK_ERR(erase(d, "localhost:5000"), WASMPACK_ENOTFOUND);
	CHECK_OK(erase(d, "docker.io"));
	CHECK(get_rc(d, "docker.io") == WASMPACK_ENOTFOUND);
	CHECK_GET(d, "other.io", "old", "old", NULL);
	json_t *got = load_config(d);
	int ok = json_integer_value(json_object_get(got, "keep")) == 1 &&
		 json_object_size(json_object_get(got, "auths")) == 1;
	json_decref(got);
	CHECK(ok);
	char empty[700];
	snprintf(empty, sizeof(empty), "%s/none", d);
	CHECK_ERR(erase(empty, "ghcr.io"), WASMPACK_ENOTFOUND);
}

/* ------------------------------------------------------------------ */

static void test_credentials__helper_stores_gets_and_erases(void)
{
	char d[600], f[900];
	CHECK_INT(setup_helpers(), 0);
	fresh_dir(d, sizeof(d), "cred-helper");
	CHECK(write_config(d, "{\"credsStore\":\"fake\",\"auths\":{"
			      "\"ghcr.io\":{\"auth\":\"" AUTH_OLD "\"},\"quay.io\":{}}}") == 0);
	CHECK_OK(store(d, "ghcr.io", "user", "pa\"ss\\word", NULL));
	snprintf(f, sizeof(f), "%s/fake-store/ghcr.io", bindir);
	CHECK_INT(access(f, F_OK), 0);
	CHECK_GET(d, "ghcr.io", "user", "pa\"ss\\word", NULL);
	/* The plain-text copy left in the file is gone; the rest stays. */
	json_t *got = load_config(d);
	json_t *auths = json_object_get(got, "auths");
	int ok = json_object_get(auths, "ghcr.io") == NULL &&
		 json_object_get(auths, "quay.io") != NULL &&
		 strcmp(json_string_value(json_object_get(got, "credsStore")), "fake") == 0;
	json_decref(got);
	CHECK(ok);

	CHECK_OK(erase(d, "ghcr.io"));
	CHECK(access(f, F_OK) != 0);
	CHECK(get_rc(d, "ghcr.io") == WASMPACK_ENOTFOUND);
	CHECK_ERR(erase(d, "ghcr.io"), WASMPACK_ENOTFOUND);

	/* Docker Hub goes to the helper under its legacy key. */
	CHECK_OK(store(d, "docker.io", "hub", "pw", NULL));
	snprintf(f, sizeof(f), "%s/fake-store/https___index.docker.io_v1_", bindir);
	CHECK_INT(access(f, F_OK), 0);
	CHECK_GET(d, "index.docker.io", "hub", "pw", NULL);
	CHECK_OK(erase(d, "docker.io"));
	CHECK(no_children());
}

static void test_credentials__helper_not_found_message_means_none(void)
{
	char d[600];
	CHECK_INT(setup_helpers(), 0);
	fresh_dir(d, sizeof(d), "cred-helper-none");
	/* The helper wins over the file even when it has nothing. */
	CHECK(write_config(d, "{\"credsStore\":\"fake\",\"auths\":{"
			      "\"nothing.example\":{\"auth\":\"" AUTH_OLD "\"}}}") == 0);
	CHECK(get_rc(d, "nothing.example") == WASMPACK_ENOTFOUND);
	CHECK(strstr(wasmpack_error_last(), "docker-credential-fake") != NULL);
	CHECK(no_children());
}

static void test_credentials__helper_failure_carries_its_message(void)
{
	char d[600];
	CHECK_INT(setup_helpers(), 0);
	fresh_dir(d, sizeof(d), "cred-helper-fail");
	CHECK(write_config(d, "{\"credsStore\":\"fake\"}") == 0);
	CHECK(get_rc(d, "fail.example") == WASMPACK_ERROR);
	CHECK(strstr(wasmpack_error_last(), "helper exploded") != NULL);
	CHECK(strstr(wasmpack_error_last(), "docker-credential-fake") != NULL);
	CHECK(get_rc(d, "stderr.example") == WASMPACK_ERROR);
	CHECK(strstr(wasmpack_error_last(), "only on stderr") != NULL);

	/* A helper that repeats the secret has it masked. */
	CHECK_ERR(store(d, "fail.example", "user", "hunter2-secret", NULL), WASMPACK_ERROR);
	CHECK(strstr(wasmpack_error_last(), "hunter2") == NULL);
	CHECK(strstr(wasmpack_error_last(), "cannot store: got *** here") != NULL);
	/* A helper that repeats what it read shows the secret JSON-escaped. */
	CHECK_ERR(store(d, "echo.example", "user", "pa\"ss\\wo\trd-secret", NULL), WASMPACK_ERROR);
	CHECK(strstr(wasmpack_error_last(), "\"Secret\":\"***\"") != NULL);
	CHECK(strstr(wasmpack_error_last(), "rd-secret") == NULL);
	CHECK(strstr(wasmpack_error_last(), "pa\\\"ss") == NULL);
	CHECK(no_children());
}

static void test_credentials__helper_identity_tokens_use_the_token_username(void)
{
	char d[600], f[900];
	CHECK_INT(setup_helpers(), 0);
	fresh_dir(d, sizeof(d), "cred-helper-token");
	CHECK(write_config(d, "{\"credsStore\":\"fake\"}") == 0);
	CHECK_GET(d, "token.example", NULL, NULL, "id-token-123");

	CHECK_OK(store(d, "idt.example", "shown", NULL, "refresh-9"));
	snprintf(f, sizeof(f), "%s/fake-store/idt.example", bindir);
	FILE *fp = fopen(f, "r");
	char text[512] = "";
	if (fp) {
		size_t n = fread(text, 1, sizeof(text) - 1, fp);
		text[n] = '\0';
		fclose(fp);
	}
	CHECK_STR(text, "{\"Secret\":\"refresh-9\",\"ServerURL\":\"idt.example\","
			"\"Username\":\"<token>\"}");
	CHECK_GET(d, "idt.example", NULL, NULL, "refresh-9");
	CHECK_OK(erase(d, "idt.example"));
	CHECK(no_children());
}

static void test_credentials__cred_helpers_beat_creds_store(void)
{
	char d[600], *name = NULL;
	CHECK_INT(setup_helpers(), 0);
	fresh_dir(d, sizeof(d), "cred-helper-per-host");
	CHECK(write_config(d, "{\"credsStore\":\"deaf\",\"credHelpers\":{"
			      "\"ghcr.io\":\"fake\",\"index.docker.io\":\"fake\","
			      "\"plain.example\":\"\"},"
			      "\"auths\":{\"plain.example\":{\"auth\":\"" AUTH_OLD "\"}}}") == 0);
	CHECK_OK(store(d, "ghcr.io", "user", "pass", NULL));
	CHECK_GET(d, "ghcr.io", "user", "pass", NULL);
	CHECK_OK(erase(d, "ghcr.io"));
	/* credHelpers keyed by index.docker.io serves docker.io. */
	wasmpack_credentials_options o = WASMPACK_CREDENTIALS_OPTIONS_INIT;
	o.config_dir = d;
	CHECK_OK(wasmpack_credentials_helper(&name, "docker.io", &o));
	CHECK_STR(name, "fake");
	free(name);
	CHECK_OK(wasmpack_credentials_helper(&name, "other.example", &o));
	CHECK_STR(name, "deaf");
	free(name);
	/* An empty per-host helper means the file, as in docker. */
	CHECK_OK(wasmpack_credentials_helper(&name, "plain.example", &o));
	CHECK(name == NULL);
	CHECK_GET(d, "plain.example", "old", "old", NULL);
	CHECK(get_rc(d, "other.example") == WASMPACK_ERROR);
	CHECK(strstr(wasmpack_error_last(), "deaf helper") != NULL);

	char d2[600];
	fresh_dir(d2, sizeof(d2), "cred-no-helper");
	o.config_dir = d2;
	CHECK_OK(wasmpack_credentials_helper(&name, "ghcr.io", &o));
	CHECK(name == NULL);
	CHECK(no_children());
}

static void test_credentials__missing_helper_program_is_an_error(void)
{
	char d[600];
	CHECK_INT(setup_helpers(), 0);
	fresh_dir(d, sizeof(d), "cred-helper-missing");
	CHECK(write_config(d, "{\"credsStore\":\"wasmpack-test-no-such-helper\"}") == 0);
	CHECK(get_rc(d, "ghcr.io") == WASMPACK_ERROR);
	CHECK(strstr(wasmpack_error_last(), "not found on PATH") != NULL);
	CHECK(no_children());
}

static void test_credentials__helper_that_ignores_input_cannot_hurt_us(void)
{
	char d[600];
	CHECK_INT(setup_helpers(), 0);
	fresh_dir(d, sizeof(d), "cred-helper-deaf");
	CHECK(write_config(d, "{\"credsStore\":\"deaf\"}") == 0);
	/* Far more than a socket buffer: without MSG_NOSIGNAL the write to a
	 * helper that exited would raise SIGPIPE. */
	size_t big = 600 * 1024;
	char *pw = malloc(big + 1);
	CHECK(pw);
	memset(pw, 'x', big);
	pw[big] = '\0';
	int rc = store(d, "ghcr.io", "user", pw, NULL);
	free(pw);
	CHECK_INT(rc, WASMPACK_ERROR);
	CHECK(strstr(wasmpack_error_last(), "deaf helper") != NULL);
	CHECK(no_children());
}

static void test_credentials__helper_round_trips_large_secrets(void)
{
	char d[600];
	CHECK_INT(setup_helpers(), 0);
	fresh_dir(d, sizeof(d), "cred-helper-large");
	CHECK(write_config(d, "{\"credsStore\":\"fake\"}") == 0);
	size_t big = 300 * 1024;
	char *pw = malloc(big + 1);
	CHECK(pw);
	for (size_t i = 0; i < big; i++)
		pw[i] = (char)('a' + i % 26);
	pw[big] = '\0';
	int rc = store(d, "large.example", "user", pw, NULL);
	int ok = rc == 0 &&
		 check_get(__FILE__, __LINE__, d, "large.example", "user", pw, NULL) == 0;
	free(pw);
	CHECK_OK(rc);
	CHECK(ok);
	CHECK_OK(erase(d, "large.example"));
	CHECK(no_children());
}

static void test_credentials__helper_output_is_capped(void)
{
	char d[600];
	CHECK_INT(setup_helpers(), 0);
	fresh_dir(d, sizeof(d), "cred-helper-loud");
	CHECK(write_config(d, "{\"credsStore\":\"loud\"}") == 0);
	CHECK(get_rc(d, "ghcr.io") == WASMPACK_ETOOLARGE);
	CHECK(no_children());
}

static long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 1 once the process whose pid is in file is gone (or a zombie: pid 1 of
 * a container may not reap it), within 2 s. */
static int pid_gone(const char *file)
{
	char buf[64] = "", stat_path[64];
	FILE *f = fopen(file, "r");
	if (!f)
		return 0;
	int ok = fgets(buf, sizeof(buf), f) != NULL;
	fclose(f);
	long pid = ok ? strtol(buf, NULL, 10) : 0;
	if (pid <= 1)
		return 0;
	snprintf(stat_path, sizeof(stat_path), "/proc/%ld/stat", pid);
	for (int i = 0; i < 200; i++) {
		char st[512] = "";
		FILE *s = fopen(stat_path, "r");
		if (!s)
			return 1;
		size_t n = fread(st, 1, sizeof(st) - 1, s);
		fclose(s);
		st[n] = '\0';
		const char *paren = strrchr(st, ')');
		if (paren && paren[1] == ' ' && paren[2] == 'Z')
			return 1;
		struct timespec ts = {0, 10 * 1000000};
		nanosleep(&ts, NULL);
	}
	return 0;
}

static void test_credentials__helper_that_never_ends_times_out(void)
{
	char d[600], pidfile[700];
	CHECK_INT(setup_helpers(), 0);
	fresh_dir(d, sizeof(d), "cred-helper-sleepy");
	snprintf(pidfile, sizeof(pidfile), "%s/pid", d);
	setenv("WP_TEST_PIDFILE", pidfile, 1);
	setenv("WASMPACK_CREDENTIAL_HELPER_TIMEOUT", "2", 1);
	CHECK(write_config(d, "{\"credsStore\":\"sleepy\"}") == 0);
	long t0 = mono_ms();
	int rc = get_rc(d, "ghcr.io");
	long took = mono_ms() - t0;
	unsetenv("WASMPACK_CREDENTIAL_HELPER_TIMEOUT");
	CHECK_INT(rc, WASMPACK_ERROR);
	CHECK(strstr(wasmpack_error_last(), "did not finish within 2 s") != NULL);
	CHECK(took >= 1900 && took < 6000);
	CHECK(pid_gone(pidfile));
	CHECK(no_children());
}

static void test_credentials__helper_whose_child_holds_stdout_does_not_hang(void)
{
	char d[600], pidfile[700];
	CHECK_INT(setup_helpers(), 0);
	fresh_dir(d, sizeof(d), "cred-helper-forker");
	snprintf(pidfile, sizeof(pidfile), "%s/pid", d);
	setenv("WP_TEST_PIDFILE", pidfile, 1);
	CHECK(write_config(d, "{\"credsStore\":\"forker\"}") == 0);
	long t0 = mono_ms();
	CHECK_GET(d, "x", "u", "s", NULL);
	CHECK(mono_ms() - t0 < 6000);
	CHECK(pid_gone(pidfile));
	CHECK(no_children());
}

static void test_credentials__lists_logins_without_secrets(void)
{
	char d[600];
	wasmpack_kvlist l = WASMPACK_KVLIST_INIT;
	CHECK_INT(setup_helpers(), 0);
	fresh_dir(d, sizeof(d), "cred-list");
	CHECK(write_config(d, "{\"credsStore\":\"fake\",\"credHelpers\":{\"gcr.io\":\"gcloud\"},"
			      "\"auths\":{\"ghcr.io\":{\"auth\":\"" AUTH_USER_PASS "\"},"
			      "\"empty.example\":{},"
			      "\"idt.example\":{\"identitytoken\":\"t\"}}}") == 0);
	wasmpack_credentials_options o = WASMPACK_CREDENTIALS_OPTIONS_INIT;
	o.config_dir = d;
	CHECK_OK(wasmpack_credentials_list(&l, &o));
	char got[512] = "";
	size_t n = 0;
	for (size_t i = 0; i < l.count; i++)
		n += (size_t)snprintf(got + n, sizeof(got) - n, "%s=%s;", l.items[i].key,
				      l.items[i].value);
	wasmpack_kvlist_dispose(&l);
	CHECK_STR(got, "ghcr.io=user;idt.example=;https://index.docker.io/v1/=hubuser;"
		       "tok.example=;gcr.io=;");
	CHECK(no_children());
}

const test_case credentials_tests[] = {
	TEST_ENTRY(test_credentials__reads_auth_and_identity_tokens),
	TEST_ENTRY(test_credentials__missing_file_means_no_credentials),
	TEST_ENTRY(test_credentials__finds_docker_hub_under_its_legacy_key),
	TEST_ENTRY(test_credentials__matches_legacy_keys_by_host),
	TEST_ENTRY(test_credentials__rejects_malformed_config_without_leaking),
	TEST_ENTRY(test_credentials__finds_the_config_from_the_environment),
	TEST_ENTRY(test_credentials__store_keeps_unknown_members_and_mode_0600),
	TEST_ENTRY(test_credentials__store_creates_a_private_directory),
	TEST_ENTRY(test_credentials__store_writes_identity_tokens),
	TEST_ENTRY(test_credentials__token_username_means_an_identity_token),
	TEST_ENTRY(test_credentials__store_rejects_incomplete_credentials),
	TEST_ENTRY(test_credentials__store_follows_a_symlinked_config),
	TEST_ENTRY(test_credentials__erase_removes_every_matching_entry),
	TEST_ENTRY(test_credentials__helper_stores_gets_and_erases),
	TEST_ENTRY(test_credentials__helper_not_found_message_means_none),
	TEST_ENTRY(test_credentials__helper_failure_carries_its_message),
	TEST_ENTRY(test_credentials__helper_identity_tokens_use_the_token_username),
	TEST_ENTRY(test_credentials__cred_helpers_beat_creds_store),
	TEST_ENTRY(test_credentials__missing_helper_program_is_an_error),
	TEST_ENTRY(test_credentials__helper_that_ignores_input_cannot_hurt_us),
	TEST_ENTRY(test_credentials__helper_round_trips_large_secrets),
	TEST_ENTRY(test_credentials__helper_output_is_capped),
	TEST_ENTRY(test_credentials__helper_that_never_ends_times_out),
	TEST_ENTRY(test_credentials__helper_whose_child_holds_stdout_does_not_hang),
	TEST_ENTRY(test_credentials__lists_logins_without_secrets),
	TEST_END,
};
