/* Where a registry's token service (its Bearer realm) may be asked, with
 * or without credentials: the realm URL is parsed, userinfo refused, the
 * loopback exception judged on the parsed host, and an https registry
 * gets an https realm (or a loopback one). The registry is the scripted
 * responder over TLS; a second, plain-http responder stands in for every
 * host of the outside world by being the http proxy curl uses, so a realm
 * on "evil.test" that was asked shows up in its log. */
#include "harness.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "registry/internal.h"

#define RESPONDER "tests/servers/scripted.mjs"

typedef struct responder {
	pid_t pid;
	int in_fd, out_fd;
	int port;
	char log[600];
} responder;

static void responder_stop(void *arg)
{
	responder *s = arg;
	if (s->in_fd >= 0)
		close(s->in_fd);
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (s->out_fd >= 0)
		close(s->out_fd);
	free(s);
}

static const char *test_cert(const char **key)
{
	static char c[600], k[600];
	if (!c[0]) {
		char cmd[1600];
		snprintf(c, sizeof(c), "%s/realm-cert.pem", harness_tmpdir());
		snprintf(k, sizeof(k), "%s/realm-key.pem", harness_tmpdir());
		snprintf(cmd, sizeof(cmd),
			 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
			 "-nodes -keyout '%s' -out '%s' -days 2 -subj /CN=127.0.0.1 "
			 "-addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1",
			 k, c);
		if (system(cmd) != 0) {
			c[0] = '\0';
			return NULL;
		}
	}
	*key = k;
	return c;
}

/* Starts the responder on script (' for "), over TLS when asked; stopped
 * after the test. NULL after failing the test. */
static responder *responder_start_(const char *script, int tls)
{
	static int n;
	char path[600], name[64];
	const char *cert = NULL, *key = NULL;
	responder *s = calloc(1, sizeof(*s));
	if (!s) {
		harness_fail(__FILE__, __LINE__, "calloc", NULL);
		return NULL;
	}
	s->in_fd = s->out_fd = -1;
	harness_defer(responder_stop, s);
	snprintf(name, sizeof(name), "realm-script-%d.json", ++n);
	snprintf(s->log, sizeof(s->log), "%s/realm-log-%d.jsonl", harness_tmpdir(), n);
	if (harness_write_script(path, sizeof(path), name, script))
		return NULL;
	if (tls && !(cert = test_cert(&key))) {
		harness_fail(__FILE__, __LINE__, "openssl makes a test certificate", NULL);
		return NULL;
	}
	char *argv[] = {"node",       RESPONDER,       path,        "--log",
			s->log,       "--max-seconds", "60",        tls ? "--tls-cert" : NULL,
			(char *)cert, "--tls-key",     (char *)key, NULL};
	s->port = harness_spawn_port(&s->pid, &s->in_fd, &s->out_fd, argv);
	return s->port > 0 ? s : NULL;
}
#define responder_start(...) AT_PTR(responder *, responder_start_(__VA_ARGS__))

/* How many requests the responder logged, and how many carried an
 * Authorization header (the log keeps it as sent). */
static int logged(const responder *s, int *with_auth)
{
	int lines = 0;
	*with_auth = 0;
	FILE *f = fopen(s->log, "r");
	if (!f)
		return 0;
	char line[8192];
	while (fgets(line, sizeof(line), f)) {
		lines++;
		if (strstr(line, "\"authorization\""))
			(*with_auth)++;
	}
	fclose(f);
	return lines;
}

/* Environment the test changes, put back after it. */
static char *saved_proxy, *saved_no_proxy, *saved_no_proxy_uc;
static void restore_env(void *arg)
{
	(void)arg;
	const char *names[] = {"http_proxy", "no_proxy", "NO_PROXY"};
	char **vals[] = {&saved_proxy, &saved_no_proxy, &saved_no_proxy_uc};
	for (int i = 0; i < 3; i++) {
		if (*vals[i])
			setenv(names[i], *vals[i], 1);
		else
			unsetenv(names[i]);
		free(*vals[i]);
		*vals[i] = NULL;
	}
}

/* Every plain-http request curl makes goes to the proxy responder. */
static void route_http_through(const responder *proxy)
{
	char url[64];
	const char *v;
	saved_proxy = (v = getenv("http_proxy")) ? strdup(v) : NULL;
	saved_no_proxy = (v = getenv("no_proxy")) ? strdup(v) : NULL;
	saved_no_proxy_uc = (v = getenv("NO_PROXY")) ? strdup(v) : NULL;
	harness_defer(restore_env, NULL);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", proxy->port);
	setenv("http_proxy", url, 1);
	unsetenv("no_proxy");
	unsetenv("NO_PROXY");
}

static const char *empty_config_dir(void)
{
	static char path[600];
	if (!path[0]) {
		snprintf(path, sizeof(path), "%s/realm-no-docker-config", harness_tmpdir());
		mkdir(path, 0700);
	}
	return path;
}

/* A TLS registry whose every answer is a Bearer challenge naming realm,
 * the outside world behind the proxy answering every request with a
 * token; lists the tags of a/b with user:pass (or anonymously) and
 * returns the call's code. *outside and *outside_auth count what the
 * outside world received. */
static int ask_with_realm_(const char *realm, int with_creds, int *outside, int *outside_auth)
{
	char script[1024];
	wasmpack_registry *r = NULL;
	wasmpack_registry_options o = WASMPACK_REGISTRY_OPTIONS_INIT;
	wasmpack_strv tags = {0};
	*outside = *outside_auth = -1;
	responder *world = responder_start("[{'times': 0, 'response': {'json': {'token': 't'}}}]",
					   0);
	if (!world)
		return -1;
	snprintf(script, sizeof(script),
		 "[{'match': {'path': '/v2/*'}, 'times': 0, 'response': {'status': 401, "
		 "'headers': {'WWW-Authenticate': 'Bearer realm=\\'%s\\',service=\\'s\\''}}}]",
		 realm);
	/* The realm may name the outside world's own port. */
	char expanded[1200];
	const char *at = strstr(script, "{world}");
	if (at)
		snprintf(expanded, sizeof(expanded), "%.*s%d%s", (int)(at - script), script,
			 world->port, at + 7);
	else
		snprintf(expanded, sizeof(expanded), "%s", script);
	responder *reg = responder_start(expanded, 1);
	if (!reg)
		return -1;
	route_http_through(world);
	char host[64];
	snprintf(host, sizeof(host), "127.0.0.1:%d", reg->port);
	o.config_dir = empty_config_dir();
	o.insecure = 1;
	o.max_retries = -1;
	if (with_creds) {
		o.username = "user";
		o.password = "s3cret-pass";
	}
	if (wasmpack_registry_new(&r, host, &o) != 0) {
		harness_fail(__FILE__, __LINE__, "wasmpack_registry_new", wasmpack_error_last());
		return -1;
	}
	int rc = wasmpack_registry_tags(&tags, r, "a/b");
	wasmpack_strv_dispose(&tags);
	wasmpack_registry_free(r);
	*outside = logged(world, outside_auth);
	return rc;
}
#define ask_with_realm(...) AT_INT(ask_with_realm_(__VA_ARGS__))

/* The call was refused before the realm was asked: reason REGISTRY, the
 * message names the realm, and the outside world saw nothing. */
#define CHECK_REFUSED(rc, realm, outside, outside_auth)                                 \
	do {                                                                            \
		const wasmpack_error_info *i_ = wasmpack_error_last_info();             \
		CHECK_INT(outside_auth, 0);                                             \
		CHECK_INT(outside, 0);                                                  \
		CHECK_INT(rc, WASMPACK_EAUTH);                                          \
		CHECK_INT(i_->reason, WASMPACK_REASON_REGISTRY);                        \
		if (!strstr(i_->message, (realm)))                                      \
			harness_fail(__FILE__, __LINE__, "the message names the realm", \
				     i_->message);                                      \
	} while (0)

static void test_realm__lookalike_loopback_hosts_get_no_credentials(void)
{
	const char *realms[] = {
		"http://localhost.evil.test/token", "http://127.0.0.1.evil.test/token",
		"http://localhost@evil.test/token", "http://127.0.0.1:1@evil.test/token",
		"http://[::1]@evil.test/token",     "HTTP://localhost.evil.test/token",
	};
	for (size_t i = 0; i < sizeof(realms) / sizeof(realms[0]); i++) {
		int outside, outside_auth;
		int rc = ask_with_realm(realms[i], 1, &outside, &outside_auth);
		CHECK_REFUSED(rc, realms[i], outside, outside_auth);
		harness_run_deferred();
	}
}

static void test_realm__https_registry_refuses_a_plain_http_realm_even_anonymously(void)
{
	int outside, outside_auth;
	int rc = ask_with_realm("http://tokens.evil.test/token", 0, &outside, &outside_auth);
	CHECK_REFUSED(rc, "http://tokens.evil.test/token", outside, outside_auth);
	CHECK(strstr(wasmpack_error_last(), "https") != NULL);
}

static void test_realm__userinfo_is_refused_even_over_https(void)
{
	int outside, outside_auth;
	int rc = ask_with_realm("https://user@127.0.0.1:1/token", 1, &outside, &outside_auth);
	CHECK_REFUSED(rc, "https://user@127.0.0.1:1/token", outside, outside_auth);
}

static void test_realm__a_loopback_realm_still_gets_credentials(void)
{
	/* The registry kit's shape: a TLS registry, a plain-http token
	 * service on 127.0.0.1. The outside world plays that service. */
	int outside, outside_auth;
	ask_with_realm("http://127.0.0.1:{world}/token", 1, &outside, &outside_auth);
	CHECK(outside >= 1);
	CHECK(outside_auth >= 1);
}

static void test_realm__parses_the_authority_as_curl_reads_it(void)
{
	wp_reg_url_parts u;
	CHECK_INT(wp_reg_url_parts_of(&u, "http://localhost.evil.test/t"), 0);
	CHECK_STR(u.host, "localhost.evil.test");
	CHECK_INT(wp_reg_host_is_loopback(u.host), 0);
	CHECK_INT(wp_reg_url_parts_of(&u, "http://localhost@evil.test:80/t?x#y"), 0);
	CHECK_INT(u.userinfo, 1);
	CHECK_STR(u.host, "evil.test:80");
	CHECK_INT(wp_reg_url_parts_of(&u, "https://[::1]:5000"), 0);
	CHECK_INT(u.https, 1);
	CHECK_INT(wp_reg_host_is_loopback(u.host), 1);
	CHECK_INT(wp_reg_url_parts_of(&u, "http://127.0.0.1:5000/token"), 0);
	CHECK_INT(wp_reg_host_is_loopback(u.host), 1);
	CHECK_INT(wp_reg_url_parts_of(&u, "http://127.0.0.1.evil.test/"), 0);
	CHECK_INT(wp_reg_host_is_loopback(u.host), 0);
	CHECK_INT(wp_reg_url_parts_of(&u, "http://LOCALHOST/"), 0);
	CHECK_INT(wp_reg_host_is_loopback(u.host), 1);
	/* What is not a plain host and port is refused, not guessed at. */
	CHECK_INT(wp_reg_url_parts_of(&u, "ftp://localhost/"), -1);
	CHECK_INT(wp_reg_url_parts_of(&u, "http:///token"), -1);
	CHECK_INT(wp_reg_url_parts_of(&u, "http://127.0.0.1\\evil.test/"), -1);
	CHECK_INT(wp_reg_url_parts_of(&u, "http://127.0.0.1%2eevil.test/"), -1);
	CHECK_INT(wp_reg_url_parts_of(&u, "http://localhost:80x/"), -1);
	CHECK_INT(wp_reg_url_parts_of(&u, "http://localhost:/"), -1);
	CHECK_INT(wp_reg_url_parts_of(&u, "http://[::1/"), -1);
	CHECK_INT(wp_reg_url_parts_of(&u, "http://[::1]x/"), -1);
	CHECK_INT(wp_reg_url_parts_of(&u, "http://a:1:2/"), -1);
}

const test_case realm_tests[] = {
	TEST_ENTRY(test_realm__parses_the_authority_as_curl_reads_it),
	TEST_ENTRY(test_realm__lookalike_loopback_hosts_get_no_credentials),
	TEST_ENTRY(test_realm__https_registry_refuses_a_plain_http_realm_even_anonymously),
	TEST_ENTRY(test_realm__userinfo_is_refused_even_over_https),
	TEST_ENTRY(test_realm__a_loopback_realm_still_gets_credentials),
	TEST_END,
};
