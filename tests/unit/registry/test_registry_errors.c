/* The registry client's errors: each failure carries the reason a program
 * acts on, the HTTP status and the registry's error code, read back through
 * wasmpack_error_last_info(). Against tests/servers/scripted.mjs (plain and
 * TLS), the real registry in TLS mode, and addresses nobody listens on. */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "registry/http.h"
#include "util/fs.h"

#define RESPONDER "tests/servers/scripted.mjs"
#define KIT "registry/registry.sh"

/* The last error has code want_code and reason why. */
#define CHECK_REASON(want_code, why)                                                   \
	do {                                                                           \
		const wasmpack_error_info *i_ = wasmpack_error_last_info();            \
		if (i_->code != (want_code) || i_->reason != (why)) {                  \
			char d_[1400];                                                 \
			snprintf(d_, sizeof(d_), "code %d reason %s: %s", i_->code,    \
				 wasmpack_error_reason_name(i_->reason), i_->message); \
			harness_fail(__FILE__, __LINE__, #want_code " / " #why, d_);   \
			return;                                                        \
		}                                                                      \
	} while (0)

/* The last error came with HTTP status st and registry code rc (NULL:
 * none). */
#define CHECK_HTTP(st, rc)                                                                    \
	do {                                                                                  \
		const wasmpack_error_info *i_ = wasmpack_error_last_info();                   \
		const char *want_ = (rc);                                                     \
		const char *got_ = i_->registry_code ? i_->registry_code : "";                \
		if (i_->http_status != (st) || strcmp(got_, want_ ? want_ : "") != 0) {       \
			char d_[1400];                                                        \
			snprintf(d_, sizeof(d_), "status %ld code '%s': %s", i_->http_status, \
				 got_, i_->message);                                          \
			harness_fail(__FILE__, __LINE__, "http " #st " " #rc, d_);            \
			return;                                                               \
		}                                                                             \
	} while (0)

#define CHECK_MSG_HAS(sub)                                                                   \
	do {                                                                                 \
		const char *msg_ = wasmpack_error_last();                                    \
		if (!strstr(msg_, (sub))) {                                                  \
			harness_fail(__FILE__, __LINE__, "last error contains " #sub, msg_); \
			return;                                                              \
		}                                                                            \
	} while (0)

#define CHECK_MSG_LACKS(sub)                                                              \
	do {                                                                              \
		const char *msg_ = wasmpack_error_last();                                 \
		if (strstr(msg_, (sub))) {                                                \
			harness_fail(__FILE__, __LINE__, "last error lacks " #sub, msg_); \
			return;                                                           \
		}                                                                         \
	} while (0)

/* --- fixture: a client on the scripted responder ------------------------ */

typedef struct efx {
	wasmpack_registry *r;
	wasmpack_registry_options o;
	pid_t pid;
	int in_fd, out_fd;
	char host[64];
	char config_dir[600];
} efx;

typedef void (*efx_body)(efx *f);

static const char *empty_config_dir(void)
{
	static char path[600];
	if (!path[0]) {
		snprintf(path, sizeof(path), "%s/errors-no-docker-config", harness_tmpdir());
		mkdir(path, 0700);
	}
	return path;
}

static void efx_dispose(efx *f)
{
	wasmpack_registry_free(f->r);
	if (f->in_fd >= 0)
		close(f->in_fd);
	if (f->pid > 0) {
		kill(f->pid, SIGTERM);
		while (waitpid(f->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (f->out_fd >= 0)
		close(f->out_fd);
}

/* Makes a self-signed certificate for 127.0.0.1 once per run. */
static int test_cert(const char **cert, const char **key)
{
	static char c[600], k[600];
	static int made;
	if (!made) {
		char cmd[1600];
		snprintf(c, sizeof(c), "%s/errors-cert.pem", harness_tmpdir());
		snprintf(k, sizeof(k), "%s/errors-key.pem", harness_tmpdir());
		snprintf(
			cmd, sizeof(cmd),
			"openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
			"-keyout '%s' -out '%s' -days 2 -subj /CN=127.0.0.1 "
			"-addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1",
			k, c);
		if (system(cmd) != 0) {
			harness_fail(__FILE__, __LINE__, "openssl makes a test certificate", NULL);
			return -1;
		}
		made = 1;
	}
	*cert = c;
	*key = k;
	return 0;
}

/* Starts the responder on script (' for ") with TLS when asked. */
static int responder(efx *f, const char *script, int tls)
{
	static int n;
	char path[600], name[64];
	const char *cert = NULL, *key = NULL;
	snprintf(name, sizeof(name), "errors-script-%d.json", ++n);
	if (harness_write_script(path, sizeof(path), name, script))
		return -1;
	if (tls && test_cert(&cert, &key))
		return -1;
	char *argv[] = {"node",       RESPONDER,
			path,         "--max-seconds",
			"60",         tls ? "--tls-cert" : NULL,
			(char *)cert, "--tls-key",
			(char *)key,  NULL};
	int port = harness_spawn_port(&f->pid, &f->in_fd, &f->out_fd, argv);
	if (port < 0)
		return -1;
	snprintf(f->host, sizeof(f->host), "127.0.0.1:%d", port);
	return 0;
}

/* A client (plain http unless tune says otherwise, no retries) on a
 * responder running script, then body. */
static void with_responder(const char *script, int tls, void (*tune)(efx *), efx_body body)
{
	efx *f = calloc(1, sizeof(*f));
	if (!f) {
		harness_fail(__FILE__, __LINE__, "calloc", NULL);
		return;
	}
	f->pid = -1;
	f->in_fd = f->out_fd = -1;
	f->o.version = WASMPACK_REGISTRY_OPTIONS_VERSION;
	f->o.config_dir = empty_config_dir();
	f->o.plain_http = 1;
	f->o.max_retries = -1;
	f->o.retry_max_ms = 50;
	if (responder(f, script, tls) != 0)
		goto done;
	if (tune)
		tune(f);
	if (wasmpack_registry_new(&f->r, f->host, &f->o) != 0) {
		harness_fail(__FILE__, __LINE__, "wasmpack_registry_new", wasmpack_error_last());
		goto done;
	}
	body(f);
done:
	efx_dispose(f);
	free(f);
}

static void as_user(efx *f)
{
	f->o.username = "u";
	f->o.password = "p";
}

/* A loopback port nobody listens on: bound, read, closed. */
static int closed_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int ok = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
		 getsockname(fd, (struct sockaddr *)&sa, &sl) == 0;
	close(fd);
	return ok ? ntohs(sa.sin_port) : -1;
}

/* --- transport ----------------------------------------------------------- */

static void test_registry_errors__refused_port_names_address_attempts_and_time(void)
{
	wasmpack_registry *r = NULL;
	wasmpack_registry_options o = WASMPACK_REGISTRY_OPTIONS_INIT;
	char host[64], want[128];
	int port = closed_port();
	CHECK(port > 0);
	snprintf(host, sizeof(host), "127.0.0.1:%d", port);
	o.config_dir = empty_config_dir();
	o.plain_http = 1;
	o.max_retries = 2;
	o.retry_max_ms = 20;
	CHECK_OK(wasmpack_registry_new(&r, host, &o));
	int rc = wasmpack_registry_ping(r);
	wasmpack_registry_free(r);
	CHECK(rc == WASMPACK_ENETWORK);
	CHECK_REASON(WASMPACK_ENETWORK, WASMPACK_REASON_CONNECTION_REFUSED);
	CHECK_HTTP(0, NULL);
	snprintf(want, sizeof(want),
		 "cannot connect to http://%s (connection refused; 3 attempts in ", host);
	CHECK_MSG_HAS(want);
	/* Measured over all attempts, never curl's "after 0 ms" of one. */
	CHECK_MSG_LACKS("in 0 ms");
	CHECK_MSG_LACKS("in 0.0 ms");
	CHECK_MSG_LACKS("after 0 ms");
}

static void test_registry_errors__refused_loopback_reports_the_last_scheme_tried(void)
{
	wasmpack_registry *r = NULL;
	wasmpack_registry_options o = WASMPACK_REGISTRY_OPTIONS_INIT;
	char host[64], want[128];
	int port = closed_port();
	CHECK(port > 0);
	snprintf(host, sizeof(host), "127.0.0.1:%d", port);
	o.config_dir = empty_config_dir();
	o.max_retries = -1;
	CHECK_OK(wasmpack_registry_new(&r, host, &o));
	/* Loopback: https first, then plain http, as docker does. */
	int rc = wasmpack_registry_ping(r);
	wasmpack_registry_free(r);
	CHECK(rc == WASMPACK_ENETWORK);
	CHECK_REASON(WASMPACK_ENETWORK, WASMPACK_REASON_CONNECTION_REFUSED);
	snprintf(want, sizeof(want),
		 "cannot connect to http://%s (connection refused; 1 attempt in ", host);
	CHECK_MSG_HAS(want);
}

static void test_registry_errors__unknown_host_is_dns(void)
{
	wasmpack_registry *r = NULL;
	wasmpack_registry_options o = WASMPACK_REGISTRY_OPTIONS_INIT;
	o.config_dir = empty_config_dir();
	o.max_retries = -1;
	CHECK_OK(wasmpack_registry_new(&r, "no-such-host.invalid:5000", &o));
	int rc = wasmpack_registry_ping(r);
	wasmpack_registry_free(r);
	CHECK(rc == WASMPACK_ENETWORK);
	CHECK_REASON(WASMPACK_ENETWORK, WASMPACK_REASON_DNS);
	CHECK_MSG_HAS("cannot connect to https://no-such-host.invalid:5000");
}

static void slow(efx *f) { f->o.low_speed_seconds = 1; }

static void timeout_body(efx *f)
{
	CHECK_ERR(wasmpack_registry_ping(f->r), WASMPACK_ENETWORK);
	CHECK_REASON(WASMPACK_ENETWORK, WASMPACK_REASON_TIMEOUT);
	CHECK_MSG_HAS("no answer from http://127.0.0.1:");
}

static void test_registry_errors__silent_server_is_a_timeout(void)
{
	with_responder("[{'times': 0, 'response': {'delayMs': 4000}}]", 0, slow, timeout_body);
}

static void verify(efx *f) { f->o.plain_http = 0; }

static void tls_verify_body(efx *f)
{
	/* Loopback: https is tried, then plain http, which a TLS server
	 * refuses; the certificate is what the user needs to hear of. */
	CHECK_ERR(wasmpack_registry_ping(f->r), WASMPACK_ENETWORK);
	CHECK_REASON(WASMPACK_ENETWORK, WASMPACK_REASON_TLS_VERIFY);
	CHECK_MSG_HAS("cannot connect to https://127.0.0.1:");
	CHECK_MSG_HAS("certificate");
}

static void test_registry_errors__untrusted_certificate_is_tls_verify(void)
{
	with_responder("[{'times': 0}]", 1, verify, tls_verify_body);
}

static void plain_to_tls_body(efx *f)
{
	wasmpack_strv tags = {0};
	CHECK_ERR(wasmpack_registry_tags(&tags, f->r, "a/b"), WASMPACK_ENETWORK);
	CHECK_REASON(WASMPACK_ENETWORK, WASMPACK_REASON_PLAIN_HTTP_TO_TLS);
	CHECK_MSG_HAS("http://127.0.0.1:");
}

static void test_registry_errors__plain_http_to_a_tls_responder(void)
{
	/* Node's TLS server hangs up on the plain request without a word. */
	with_responder("[{'times': 0}]", 1, NULL, plain_to_tls_body);
}

static void test_registry_errors__tls_to_a_plain_server_is_tls(void)
{
	efx f;
	memset(&f, 0, sizeof(f));
	f.pid = -1;
	f.in_fd = f.out_fd = -1;
	if (responder(&f, "[{'times': 0}]", 0) != 0) {
		efx_dispose(&f);
		return;
	}
	/* The transport alone: the registry client would fall back to http. */
	char url[128];
	snprintf(url, sizeof(url), "https://%s/v2/", f.host);
	wp_http *h = NULL;
	wp_http_options ho;
	memset(&ho, 0, sizeof(ho));
	ho.max_retries = -1;
	int rc = wp_http_new(&h, &ho);
	if (rc == 0) {
		wp_http_request q = {0};
		wp_http_response resp = {0};
		q.method = "GET";
		q.url = url;
		q.body_fd = -1;
		rc = wp_http_do(&resp, h, &q);
		wp_http_response_dispose(&resp);
		wp_http_free(h);
	}
	efx_dispose(&f);
	CHECK(rc == WASMPACK_ENETWORK);
	CHECK_REASON(WASMPACK_ENETWORK, WASMPACK_REASON_TLS);
	CHECK_MSG_HAS("TLS failure: ");
}

static void test_registry_errors__missing_ca_file_is_file_not_found(void)
{
	wasmpack_registry *r = NULL;
	wasmpack_registry_options o = WASMPACK_REGISTRY_OPTIONS_INIT;
	char path[600], want[700];
	snprintf(path, sizeof(path), "%s/no-such-ca.pem", harness_tmpdir());
	snprintf(want, sizeof(want), "cannot read CA file '%s': ", path);
	o.config_dir = empty_config_dir();
	o.ca_file = path;
	/* Told when the client is made, before any request could go out. */
	CHECK_ERR(wasmpack_registry_new(&r, "127.0.0.1:9", &o), WASMPACK_ENOTFOUND);
	CHECK(r == NULL);
	CHECK_REASON(WASMPACK_ENOTFOUND, WASMPACK_REASON_FILE_NOT_FOUND);
	CHECK_MSG_HAS(want);
	/* A directory is no CA file either. */
	o.ca_file = harness_tmpdir();
	CHECK(wasmpack_registry_new(&r, "127.0.0.1:9", &o) != 0);
	CHECK(r == NULL);
	CHECK_MSG_HAS("cannot read CA file");
}

/* --- the real registry in TLS mode, asked over plain http --------------- */

static void test_registry_errors__plain_http_to_the_tls_registry(void)
{
	char dir[512] = "", addr[512] = "", line[512], cmd[1024];
	FILE *p = popen("bash " KIT " start tls 2>/dev/null", "r");
	CHECK(p != NULL);
	while (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "REGISTRY_DIR=", 13) == 0)
			snprintf(dir, sizeof(dir), "%s", line + 13);
		else if (strncmp(line, "REGISTRY_ADDR=", 14) == 0)
			snprintf(addr, sizeof(addr), "%s", line + 14);
	}
	int st = pclose(p);
	int rc = WASMPACK_OK, head_rc = WASMPACK_OK;
	wasmpack_error_info ping_info = {0}, head_info = {0};
	if (st == 0 && addr[0]) {
		wasmpack_registry *r = NULL;
		wasmpack_registry_options o = WASMPACK_REGISTRY_OPTIONS_INIT;
		o.config_dir = empty_config_dir();
		o.plain_http = 1;
		o.max_retries = -1;
		if ((rc = wasmpack_registry_new(&r, addr, &o)) == 0) {
			rc = wasmpack_registry_ping(r);
			ping_info = *wasmpack_error_last_info();
			/* A HEAD reads no body: the bare answer tells it. */
			head_rc = wasmpack_registry_blob_exists(
				r, "a/b",
				"sha256:0000000000000000000000000000000000000000000000000000000000000000",
				NULL);
			head_info = *wasmpack_error_last_info();
		}
		wasmpack_registry_free(r);
	}
	if (dir[0]) {
		snprintf(cmd, sizeof(cmd), "bash " KIT " stop '%s' >/dev/null 2>&1", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "registry kit: cannot stop %s\n", dir);
	}
	CHECK(st == 0 && addr[0]);
	CHECK(rc == WASMPACK_ENETWORK);
	CHECK(ping_info.reason == WASMPACK_REASON_PLAIN_HTTP_TO_TLS);
	CHECK(ping_info.http_status == 400);
	CHECK(head_rc == WASMPACK_ENETWORK);
	CHECK(head_info.reason == WASMPACK_REASON_PLAIN_HTTP_TO_TLS);
}

/* --- answers ------------------------------------------------------------- */

#define BASIC_REFUSES                                              \
	"[{'times': 0, 'response': {'status': 401, "               \
	"'headers': {'WWW-Authenticate': 'Basic realm=\\'r\\''}, " \
	"'json': {'errors': [{'code': 'UNAUTHORIZED', 'message': 'authentication required'}]}}}]"

static void no_creds_body(efx *f)
{
	wasmpack_strv tags = {0};
	CHECK_ERR(wasmpack_registry_tags(&tags, f->r, "a/b"), WASMPACK_EAUTH);
	CHECK_REASON(WASMPACK_EAUTH, WASMPACK_REASON_NO_CREDENTIALS);
	CHECK_HTTP(401, "UNAUTHORIZED");
	CHECK_MSG_HAS("cannot list tags of ");
	CHECK_MSG_HAS("no credentials for ");
	/* Facts only: the advice is the CLI's. */
	CHECK_MSG_LACKS("log in");
}

static void test_registry_errors__401_without_credentials(void)
{
	with_responder(BASIC_REFUSES, 0, NULL, no_creds_body);
}

static void refused_creds_body(efx *f)
{
	wasmpack_strv tags = {0};
	CHECK_ERR(wasmpack_registry_tags(&tags, f->r, "a/b"), WASMPACK_EAUTH);
	CHECK_REASON(WASMPACK_EAUTH, WASMPACK_REASON_CREDENTIALS_REFUSED);
	CHECK_HTTP(401, "UNAUTHORIZED");
	CHECK_MSG_HAS("the credentials of user 'u' were refused by 127.0.0.1:");
}

static void test_registry_errors__401_with_credentials(void)
{
	with_responder(BASIC_REFUSES, 0, as_user, refused_creds_body);
}

static void denied_body(efx *f)
{
	wasmpack_buf got = WASMPACK_BUF_INIT;
	CHECK_ERR(wasmpack_registry_manifest_get(&got, NULL, NULL, f->r, "a/b", "v1"),
		  WASMPACK_EAUTH);
	CHECK_REASON(WASMPACK_EAUTH, WASMPACK_REASON_DENIED);
	CHECK_HTTP(403, "DENIED");
	CHECK_MSG_HAS("cannot get manifest 'v1' of ");
}

static void test_registry_errors__403_is_denied(void)
{
	with_responder(
		"[{'times': 0, 'response': {'status': 403, "
		"'json': {'errors': [{'code': 'DENIED', 'message': 'requested access to the resource is denied'}]}}}]",
		0, as_user, denied_body);
}

static void scope_body(efx *f)
{
	wasmpack_strv tags = {0};
	CHECK_ERR(wasmpack_registry_tags(&tags, f->r, "a/b"), WASMPACK_EAUTH);
	CHECK_REASON(WASMPACK_EAUTH, WASMPACK_REASON_DENIED);
	CHECK_HTTP(401, "DENIED");
}

static void test_registry_errors__insufficient_scope_after_retry_is_denied(void)
{
	with_responder(
		"[{'match': {'path': '/token*'}, 'times': 0, 'response': {'json': {'token': 't1'}}},"
		" {'match': {'headers': {'authorization': false}}, 'times': 0, 'response': {'status': 401,"
		"  'headers': {'WWW-Authenticate': 'Bearer realm=\\'{origin}/token\\',service=\\'s\\',scope=\\'repository:a/b:pull\\''}}},"
		" {'times': 0, 'response': {'status': 401,"
		"  'headers': {'WWW-Authenticate': 'Bearer realm=\\'{origin}/token\\',service=\\'s\\',scope=\\'repository:a/b:pull\\',error=\\'insufficient_scope\\''},"
		"  'json': {'errors': [{'code': 'DENIED', 'message': 'requested access to the resource is denied'}]}}}]",
		0, as_user, scope_body);
}

static void anonymous_scope_body(efx *f)
{
	wasmpack_strv tags = {0};
	CHECK_ERR(wasmpack_registry_tags(&tags, f->r, "a/b"), WASMPACK_EAUTH);
	/* Docker Hub's answer to an anonymous pull of a private image: the
	 * anonymous token lacks the scope, and no login was there to use. */
	CHECK_REASON(WASMPACK_EAUTH, WASMPACK_REASON_NO_CREDENTIALS);
	CHECK_HTTP(401, "UNAUTHORIZED");
}

static void test_registry_errors__insufficient_scope_without_credentials(void)
{
	with_responder(
		"[{'match': {'path': '/token*'}, 'times': 0, 'response': {'json': {'token': 'anonymous'}}},"
		" {'times': 0, 'response': {'status': 401,"
		"  'headers': {'WWW-Authenticate': 'Bearer realm=\\'{origin}/token\\',service=\\'s\\',scope=\\'repository:a/b:pull\\',error=\\'insufficient_scope\\''},"
		"  'json': {'errors': [{'code': 'UNAUTHORIZED', 'message': 'authentication required'}]}}}]",
		0, NULL, anonymous_scope_body);
}

static void token_refused_body(efx *f)
{
	wasmpack_strv tags = {0};
	CHECK_ERR(wasmpack_registry_tags(&tags, f->r, "a/b"), WASMPACK_EAUTH);
	CHECK_REASON(WASMPACK_EAUTH, WASMPACK_REASON_CREDENTIALS_REFUSED);
	CHECK_HTTP(401, NULL);
	CHECK_MSG_HAS("cannot get a token for ");
}

static void test_registry_errors__token_service_refusing_credentials(void)
{
	with_responder(
		"[{'match': {'path': '/token*'}, 'times': 0, 'response': {'status': 401, 'json': {'details': 'wrong password'}}},"
		" {'times': 0, 'response': {'status': 401,"
		"  'headers': {'WWW-Authenticate': 'Bearer realm=\\'{origin}/token\\',service=\\'s\\''}}}]",
		0, as_user, token_refused_body);
}

static void not_found_body(efx *f)
{
	wasmpack_buf got = WASMPACK_BUF_INIT;
	CHECK_ERR(wasmpack_registry_manifest_get(&got, NULL, NULL, f->r, "a/b", "v1"),
		  WASMPACK_ENOTFOUND);
	CHECK_REASON(WASMPACK_ENOTFOUND, WASMPACK_REASON_NOT_FOUND_REMOTE);
	CHECK_HTTP(404, "MANIFEST_UNKNOWN");
	/* The code alone decides where the status does not: 400 NAME_UNKNOWN. */
	wasmpack_strv tags = {0};
	CHECK_ERR(wasmpack_registry_tags(&tags, f->r, "a/b"), WASMPACK_ENOTFOUND);
	CHECK_REASON(WASMPACK_ENOTFOUND, WASMPACK_REASON_NOT_FOUND_REMOTE);
	CHECK_HTTP(400, "NAME_UNKNOWN");
}

static void test_registry_errors__404_and_unknown_codes_are_not_found_remote(void)
{
	with_responder(
		"[{'match': {'path': '/v2/a/b/manifests/v1'}, 'response': {'status': 404,"
		"  'json': {'errors': [{'code': 'MANIFEST_UNKNOWN', 'message': 'manifest unknown'}]}}},"
		" {'match': {'path': '/v2/a/b/tags/list'}, 'response': {'status': 400,"
		"  'json': {'errors': [{'code': 'NAME_UNKNOWN', 'message': 'repository name not known'}]}}}]",
		0, NULL, not_found_body);
}

static void rate_body(efx *f)
{
	wasmpack_strv tags = {0};
	CHECK_ERR(wasmpack_registry_tags(&tags, f->r, "a/b"), WASMPACK_ENETWORK);
	CHECK_REASON(WASMPACK_ENETWORK, WASMPACK_REASON_RATE_LIMITED);
	CHECK_HTTP(429, "TOOMANYREQUESTS");
}

static void test_registry_errors__429_is_rate_limited(void)
{
	with_responder(
		"[{'times': 0, 'response': {'status': 429,"
		" 'json': {'errors': [{'code': 'TOOMANYREQUESTS', 'message': 'slow down'}]}}}]",
		0, NULL, rate_body);
}

static void server_error_body(efx *f)
{
	wasmpack_strv tags = {0};
	CHECK_ERR(wasmpack_registry_tags(&tags, f->r, "a/b"), WASMPACK_ENETWORK);
	CHECK_REASON(WASMPACK_ENETWORK, WASMPACK_REASON_REGISTRY);
	CHECK_HTTP(503, NULL);
	/* Malformed answers are the registry's failure too. */
	wasmpack_buf got = WASMPACK_BUF_INIT;
	CHECK(wasmpack_registry_manifest_get(&got, NULL, NULL, f->r, "a/b", "v1") != 0);
	CHECK_REASON(WASMPACK_EINVALID, WASMPACK_REASON_REGISTRY);
}

static void test_registry_errors__5xx_and_malformed_answers_are_registry(void)
{
	with_responder(
		"[{'match': {'path': '/v2/a/b/tags/list'}, 'times': 0,"
		"  'response': {'status': 503, 'headers': {'Content-Type': 'text/html'}, 'body': '<html>down</html>'}},"
		" {'match': {'path': '/v2/a/b/manifests/v1'}, 'response': {'status': 200}}]",
		0, NULL, server_error_body);
}

static void mismatch_body(efx *f)
{
	wasmpack_buf got = WASMPACK_BUF_INIT;
	CHECK_ERR(wasmpack_registry_manifest_get(&got, NULL, NULL, f->r, "a/b", "v1"),
		  WASMPACK_EDIGEST);
	CHECK_REASON(WASMPACK_EDIGEST, WASMPACK_REASON_DIGEST_MISMATCH);
}

static void test_registry_errors__fetched_bytes_of_another_digest(void)
{
	with_responder(
		"[{'response': {'headers': {'Content-Type': 'application/vnd.oci.image.manifest.v1+json',"
		"  'Docker-Content-Digest': 'sha256:1111111111111111111111111111111111111111111111111111111111111111'},"
		"  'body': '{}'}}]",
		0, NULL, mismatch_body);
}

/* --- credential helpers -------------------------------------------------- */

/* DIR/docker-credential-NAME running body, and a config.json naming it
 * for f's registry. PATH gets DIR in front. */
static int helper_config(efx *f, const char *name, const char *body)
{
	static int n;
	char path[800];
	snprintf(f->config_dir, sizeof(f->config_dir), "%s/errors-helper-%d", harness_tmpdir(),
		 ++n);
	mkdir(f->config_dir, 0700);
	snprintf(path, sizeof(path), "%s/docker-credential-%s", f->config_dir, name);
	char *script = wp_asprintf("#!/bin/sh\n%s\n", body);
	int ok = script && wp_write_file_atomic(path, script, strlen(script), 0700) == 0;
	free(script);
	snprintf(path, sizeof(path), "%s/config.json", f->config_dir);
	char *json = wp_asprintf("{\"credHelpers\":{\"%s\":\"%s\"}}", f->host, name);
	ok = ok && json && wp_write_file_atomic(path, json, strlen(json), 0600) == 0;
	free(json);
	const char *old = getenv("PATH");
	char *p = wp_asprintf("%s:%s", f->config_dir, old ? old : "/usr/bin:/bin");
	ok = ok && p && setenv("PATH", p, 1) == 0;
	free(p);
	f->o.config_dir = f->config_dir;
	return ok ? 0 : -1;
}

static void failing_helper(efx *f)
{
	if (helper_config(f, "errfail", "echo 'the keychain is locked'; exit 1") != 0)
		harness_fail(__FILE__, __LINE__, "helper set-up", wasmpack_error_last());
}

static void helper_body(efx *f)
{
	wasmpack_strv tags = {0};
	CHECK(wasmpack_registry_tags(&tags, f->r, "a/b") < 0);
	CHECK_REASON(wasmpack_error_last_code(), WASMPACK_REASON_CREDENTIAL_HELPER);
	CHECK_MSG_HAS("the keychain is locked");
}

static void test_registry_errors__failing_credential_helper(void)
{
	with_responder(BASIC_REFUSES, 0, failing_helper, helper_body);
}

static char helper_trace[900];

static void tracing_helper(efx *f)
{
	char body[1200];
	snprintf(helper_trace, sizeof(helper_trace), "%s/errors-helper-ran", harness_tmpdir());
	unlink(helper_trace);
	snprintf(body, sizeof(body),
		 "echo ran >> '%s'; echo 'credentials not found in native keychain'; exit 1",
		 helper_trace);
	if (helper_config(f, "errtrace", body) != 0)
		harness_fail(__FILE__, __LINE__, "helper set-up", wasmpack_error_last());
}

static void no_helper_body(efx *f)
{
	wasmpack_strv tags = {0};
	CHECK_ERR(wasmpack_registry_tags(&tags, f->r, "a/b"), WASMPACK_EAUTH);
	CHECK_REASON(WASMPACK_EAUTH, WASMPACK_REASON_DENIED);
	/* No challenge asked for credentials, so none were looked up: the
	 * error is told from what the request carried. */
	CHECK(access(helper_trace, F_OK) != 0);
}

static void test_registry_errors__formatting_an_error_runs_no_helper(void)
{
	with_responder("[{'times': 0, 'response': {'status': 403}}]", 0, tracing_helper,
		       no_helper_body);
}

const test_case registry_errors_tests[] = {
	TEST_ENTRY(test_registry_errors__refused_port_names_address_attempts_and_time),
	TEST_ENTRY(test_registry_errors__refused_loopback_reports_the_last_scheme_tried),
	TEST_ENTRY(test_registry_errors__unknown_host_is_dns),
	TEST_ENTRY(test_registry_errors__silent_server_is_a_timeout),
	TEST_ENTRY(test_registry_errors__untrusted_certificate_is_tls_verify),
	TEST_ENTRY(test_registry_errors__plain_http_to_a_tls_responder),
	TEST_ENTRY(test_registry_errors__tls_to_a_plain_server_is_tls),
	TEST_ENTRY(test_registry_errors__missing_ca_file_is_file_not_found),
	TEST_ENTRY(test_registry_errors__plain_http_to_the_tls_registry),
	TEST_ENTRY(test_registry_errors__401_without_credentials),
	TEST_ENTRY(test_registry_errors__401_with_credentials),
	TEST_ENTRY(test_registry_errors__403_is_denied),
	TEST_ENTRY(test_registry_errors__insufficient_scope_after_retry_is_denied),
	TEST_ENTRY(test_registry_errors__insufficient_scope_without_credentials),
	TEST_ENTRY(test_registry_errors__token_service_refusing_credentials),
	TEST_ENTRY(test_registry_errors__404_and_unknown_codes_are_not_found_remote),
	TEST_ENTRY(test_registry_errors__429_is_rate_limited),
	TEST_ENTRY(test_registry_errors__5xx_and_malformed_answers_are_registry),
	TEST_ENTRY(test_registry_errors__fetched_bytes_of_another_digest),
	TEST_ENTRY(test_registry_errors__failing_credential_helper),
	TEST_ENTRY(test_registry_errors__formatting_an_error_runs_no_helper),
	TEST_END,
};
