/* Tests of the HTTP layer against tests/servers/scripted.mjs, a scripted
 * responder started per test: reuse, redirects and credentials, TLS,
 * retries and replays, caps, stalls, and what the log may show. */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "registry/http.h"
#include "util/fs.h"

#define RESPONDER "tests/servers/scripted.mjs"
#define SECRET "Bearer secret"

/* The last error contains sub. */
#define CHECK_MSG_HAS(sub)                                                                   \
	do {                                                                                 \
		const char *msg_ = wasmpack_error_last();                                    \
		if (!strstr(msg_, (sub))) {                                                  \
			harness_fail(__FILE__, __LINE__, "last error contains " #sub, msg_); \
			return;                                                              \
		}                                                                            \
	} while (0)

/* --- the responder ------------------------------------------------------ */

typedef struct server {
	pid_t pid;
	int in_fd, out_fd;
	int port;
	char origin[64];
	char log_path[512];
	wasmpack_buf log;
	char *lines[64];
	size_t nlines;
} server;

static char cert_path[512], key_path[512];

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs argv with stdout and stderr sent to /dev/null; its exit status. */
static int run_quiet(char *const argv[])
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A self-signed certificate for 127.0.0.1, made once per run. */
static int make_cert(void)
{
	if (cert_path[0])
		return 0;
	char cert[512], key[512];
	snprintf(cert, sizeof(cert), "%s/http-cert.pem", harness_tmpdir());
	snprintf(key, sizeof(key), "%s/http-key.pem", harness_tmpdir());
	char *const argv[] = {"openssl",
			      "req",
			      "-x509",
			      "-newkey",
			      "ec",
			      "-pkeyopt",
			      "ec_paramgen_curve:prime256v1",
			      "-nodes",
			      "-keyout",
			      key,
			      "-out",
			      cert,
			      "-days",
			      "2",
			      "-subj",
			      "/CN=127.0.0.1",
			      "-addext",
			      "subjectAltName=IP:127.0.0.1",
			      NULL};
	if (run_quiet(argv) != 0) {
		harness_fail(__FILE__, __LINE__, "openssl req makes a test certificate", NULL);
		return -1;
	}
	memcpy(cert_path, cert, sizeof(cert));
	memcpy(key_path, key, sizeof(key));
	return 0;
}

/* Starts the responder on script (JSON written with ' for "). */
static int server_start(server *s, const char *script, int tls)
{
	static int counter;
	char script_path[512];

	memset(s, 0, sizeof(*s));
	s->pid = -1;
	s->in_fd = s->out_fd = -1;
	counter++;
	snprintf(s->log_path, sizeof(s->log_path), "%s/http-log-%d.jsonl", harness_tmpdir(),
		 counter);
	char name[64];
	snprintf(name, sizeof(name), "http-script-%d.json", counter);
	if (harness_write_script(script_path, sizeof(script_path), name, script))
		return -1;
	if (tls && make_cert())
		return -1;

	char *argv[16];
	size_t n = 0;
	argv[n++] = "node";
	argv[n++] = RESPONDER;
	argv[n++] = script_path;
	argv[n++] = "--log";
	argv[n++] = s->log_path;
	argv[n++] = "--max-seconds";
	argv[n++] = "60";
	if (tls) {
		argv[n++] = "--tls-cert";
		argv[n++] = cert_path;
		argv[n++] = "--tls-key";
		argv[n++] = key_path;
	}
	argv[n] = NULL;

	int port = harness_spawn_port(&s->pid, &s->in_fd, &s->out_fd, argv);
	if (port < 0)
		return -1;
	s->port = port;
	snprintf(s->origin, sizeof(s->origin), "%s://127.0.0.1:%d", tls ? "https" : "http",
		 s->port);
	return 0;
}

static void server_stop(server *s)
{
	if (s->in_fd >= 0)
		close(s->in_fd);
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (s->out_fd >= 0)
		close(s->out_fd);
	wasmpack_buf_dispose(&s->log);
	s->pid = -1;
	s->in_fd = s->out_fd = -1;
}

/* Reads the request log into s->lines (one JSON object per request). */
static size_t server_log(server *s)
{
	wasmpack_buf_dispose(&s->log);
	s->nlines = 0;
	if (wp_read_file(&s->log, s->log_path, 1 << 22))
		return 0;
	char *p = (char *)s->log.data;
	while (p && *p && s->nlines < sizeof(s->lines) / sizeof(s->lines[0])) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		s->lines[s->nlines++] = p;
		p = nl ? nl + 1 : NULL;
	}
	return s->nlines;
}

/* The string member "key":"..." of a log line into out ("" if none).
 * Top-level members come before "headers", so the first hit is theirs. */
static const char *json_str(const char *line, const char *key, char *out, size_t cap)
{
	char pat[128];
	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	out[0] = '\0';
	const char *p = strstr(line, pat);
	if (!p)
		return out;
	p += strlen(pat);
	size_t n = 0;
	while (p[n] && p[n] != '"' && n + 1 < cap)
		n++;
	memcpy(out, p, n);
	out[n] = '\0';
	return out;
}

static long json_num(const char *line, const char *key)
{
	char pat[128];
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	const char *p = strstr(line, pat);
	return p ? strtol(p + strlen(pat), NULL, 10) : -1;
}

/* --- fixture ------------------------------------------------------------ */

typedef struct fx {
	server srv;
	wp_http *h;
	char urls[4][512];
	int next_url;
	char log[32768]; /* what the log callback received */
	size_t log_len;
} fx;

static void capture_log(const char *line, void *payload)
{
	fx *f = payload;
	size_t n = strlen(line);
	if (f->log_len + n + 2 > sizeof(f->log))
		return;
	memcpy(f->log + f->log_len, line, n);
	f->log_len += n;
	f->log[f->log_len++] = '\n';
	f->log[f->log_len] = '\0';
}

/* Fast settings for tests: short backoff, quick connects. fx_server
 * adds the log capture. */
static wp_http_options test_options(void)
{
	wp_http_options o;
	memset(&o, 0, sizeof(o));
	o.connect_timeout_ms = 3000;
	o.retry_base_ms = 5;
	o.retry_max_ms = 20;
	return o;
}

/* A URL on the fixture's responder (a few stay valid at once). */
static const char *at(fx *f, const char *path)
{
	char *u = f->urls[f->next_url++ % 4];
	snprintf(u, sizeof(f->urls[0]), "%s%s", f->srv.origin, path);
	return u;
}

static wp_http_request request(const char *method, const char *url)
{
	wp_http_request r;
	memset(&r, 0, sizeof(r));
	r.method = method;
	r.url = url;
	r.body_fd = -1;
	r.follow_redirects = 1;
	return r;
}

static void fx_free(void *p)
{
	fx *f = p;
	wp_http_free(f->h);
	server_stop(&f->srv);
	free(f);
}

/* Starts a responder on script and makes a client with opts (NULL = the
 * test options); both are stopped and freed after the test. NULL after
 * failing the test. */
static fx *fx_server_(const char *script, int tls, const wp_http_options *opts)
{
	fx *f = calloc(1, sizeof(*f));
	if (!f) {
		harness_fail(__FILE__, __LINE__, "calloc", NULL);
		return NULL;
	}
	f->srv.pid = -1;
	f->srv.in_fd = f->srv.out_fd = -1;
	if (harness_defer(fx_free, f) != 0)
		return NULL;
	if (server_start(&f->srv, script, tls) != 0)
		return NULL;
	wp_http_options o = opts ? *opts : test_options();
	if (!o.log) {
		o.log = capture_log;
		o.log_payload = f;
	}
	if (wp_http_new(&f->h, &o) != 0) {
		harness_fail(__FILE__, __LINE__, "wp_http_new", wasmpack_error_last());
		return NULL;
	}
	return f;
}
#define fx_server(...) AT_PTR(fx *, fx_server_(__VA_ARGS__))

typedef struct sink_state {
	size_t bytes;
	wasmpack_sha256 *sha;
} sink_state;

static int count_sink(const void *data, size_t len, void *payload)
{
	sink_state *s = payload;
	s->bytes += len;
	if (s->sha)
		wasmpack_sha256_update(s->sha, data, len);
	return 0;
}

/* The responder's bodyBytes filler: byte i is i mod 251. */
static unsigned char *pattern(size_t n)
{
	unsigned char *p = malloc(n ? n : 1);
	for (size_t i = 0; p && i < n; i++)
		p[i] = (unsigned char)(i % 251);
	return p;
}

/* --- connections --------------------------------------------------------- */

static void test_http__reuses_one_connection_for_two_requests(void)
{
	fx *f = fx_server("[{'match':{'path':'/one'},'response':{'body':'1'}},"
			  "{'match':{'path':'/two'},'response':{'body':'22'}}]",
			  0, NULL);
	if (!f)
		return;
	wp_http_response r1 = {0}, r2 = {0};
	wp_http_request q = request("GET", at(f, "/one"));
	CHECK_OK(wp_http_do(&r1, f->h, &q));
	q.url = at(f, "/two");
	int rc = wp_http_do(&r2, f->h, &q);
	int ok1 = r1.status == 200 && r1.body.size == 1 && r1.attempts == 1;
	int ok2 = r2.status == 200 && r2.body.size == 2 && r2.body.data &&
		  memcmp(r2.body.data, "22", 2) == 0;
	wp_http_response_dispose(&r1);
	wp_http_response_dispose(&r2);
	CHECK_OK(rc);
	CHECK(ok1 && ok2);
	CHECK_INT(server_log(&f->srv), 2);
	CHECK(json_num(f->srv.lines[0], "conn") == 1);
	CHECK(json_num(f->srv.lines[1], "conn") == 1);
}

static void test_http__connection_refused_fails_fast(void)
{
	/* A port nobody listens on: bind, read it, close. */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(fd >= 0);
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t sl = sizeof(sa);
	int ok = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
		 getsockname(fd, (struct sockaddr *)&sa, &sl) == 0;
	close(fd);
	CHECK(ok);
	char url[128], want[128];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v2/?token=tok-value&n=1",
		 ntohs(sa.sin_port));
	snprintf(want, sizeof(want),
		 "cannot connect to http://127.0.0.1:%d (connection refused; 3 attempts in ",
		 ntohs(sa.sin_port));

	wp_http_options o;
	memset(&o, 0, sizeof(o));
	o.max_retries = 2;
	o.retry_base_ms = 5;
	o.retry_max_ms = 10;
	wp_http *h = NULL;
	CHECK_OK(wp_http_new(&h, &o));
	wp_http_response r = {0};
	wp_http_request q = request("GET", url);
	long t0 = now_ms();
	int rc = wp_http_do(&r, h, &q);
	long took = now_ms() - t0;
	int attempts = r.attempts;
	wp_http_response_dispose(&r);
	wp_http_free(h);
	CHECK_ERR(rc, WASMPACK_ENETWORK);
	CHECK(took < 1500);
	CHECK_INT(attempts, 3);
	CHECK_MSG_HAS(want);
	CHECK(!strstr(wasmpack_error_last(), "tok-value"));
}

static void test_http__global_init_is_refcounted(void)
{
	CHECK_OK(wp_http_global_init());
	CHECK_OK(wp_http_global_init());
	wp_http_global_cleanup();
	wp_http *h = NULL;
	CHECK_OK(wp_http_new(&h, NULL));
	wp_http_free(h);
	wp_http_global_cleanup();
	wp_http_free(NULL);
	wp_http_response_dispose(NULL);
}

/* --- redirects ----------------------------------------------------------- */

static void test_http__follows_relative_redirect_and_keeps_final_headers(void)
{
	fx *f = fx_server("[{'match':{'path':'/v2/a/start'},'response':{'status':307,"
			  "'redirect':'next?x=1','headers':{'X-Hop':'first'}}},"
			  "{'match':{'path':'/v2/a/next'},'response':{'body':'done',"
			  "'headers':{'X-Final':'yes'}}}]",
			  0, NULL);
	if (!f)
		return;
	wp_http_response r = {0};
	wp_http_request q = request("GET", at(f, "/v2/a/start"));
	q.authorization = SECRET;
	CHECK_OK(wp_http_do(&r, f->h, &q));
	int ok = r.status == 200 && r.attempts == 2 && r.url &&
		 strcmp(r.url, at(f, "/v2/a/next?x=1")) == 0 && r.body.size == 4 &&
		 !wp_http_header_get(&r, "X-Hop") && wp_http_header_get(&r, "x-final") &&
		 strcmp(wp_http_header_get(&r, "X-FINAL"), "yes") == 0;
	wp_http_response_dispose(&r);
	CHECK(ok);
	CHECK_INT(server_log(&f->srv), 2);
	char path[128];
	CHECK_STR(json_str(f->srv.lines[1], "path", path, sizeof(path)), "/v2/a/next?x=1");
	/* same origin: the credentials go along */
	CHECK(strstr(f->srv.lines[1], "\"authorization\":\"" SECRET "\""));
}

static void test_http__follows_absolute_and_root_relative_redirects(void)
{
	fx *f = fx_server(
		"[{'match':{'path':'/abs'},'response':{'status':301,"
		"'redirect':'{origin}/moved/here'}},"
		"{'match':{'path':'/moved/here'},'response':{'status':308,'redirect':'/final'}},"
		"{'match':{'path':'/final'},'response':{'body':'ok'}}]",
		0, NULL);
	if (!f)
		return;
	wp_http_response r = {0};
	wp_http_request q = request("GET", at(f, "/abs"));
	CHECK_OK(wp_http_do(&r, f->h, &q));
	int ok = r.status == 200 && r.attempts == 3 && r.url && strcmp(r.url, at(f, "/final")) == 0;
	wp_http_response_dispose(&r);
	CHECK(ok);
	CHECK_INT(server_log(&f->srv), 3);
}

static void test_http__drops_authorization_after_cross_origin_redirect(void)
{
	fx *f = fx_server(
		"[{'match':{'path':'/start'},'response':{'status':307,"
		"'redirect':'http://localhost:{port}/cdn/blob'}},"
		"{'match':{'path':'/cdn/blob'},'response':{'status':302,'redirect':'{origin}/back'}},"
		"{'match':{'path':'/back'},'response':{'body':'data'}}]",
		0, NULL);
	if (!f)
		return;
	wp_http_response r = {0};
	const char *hdrs[] = {"Accept: application/x-test"};
	wp_http_request q = request("GET", at(f, "/start"));
	q.authorization = SECRET;
	q.headers = hdrs;
	q.headers_count = 1;
	CHECK_OK(wp_http_do(&r, f->h, &q));
	int ok = r.status == 200 && r.attempts == 3;
	wp_http_response_dispose(&r);
	CHECK(ok);
	CHECK_INT(server_log(&f->srv), 3);
	char host[64], want[64];
	const char *const *l = (const char *const *)f->srv.lines;
	CHECK(strstr(l[0], "\"authorization\":\"" SECRET "\""));
	snprintf(want, sizeof(want), "localhost:%d", f->srv.port);
	CHECK_STR(json_str(l[1], "host", host, sizeof(host)), want);
	CHECK(!strstr(l[1], "\"authorization\""));
	CHECK(strstr(l[1], "\"accept\":\"application/x-test\""));
	/* back on the first origin: still dropped for the rest of the chain */
	snprintf(want, sizeof(want), "127.0.0.1:%d", f->srv.port);
	CHECK_STR(json_str(l[2], "host", host, sizeof(host)), want);
	CHECK(!strstr(l[2], "\"authorization\""));
	CHECK(strstr(f->log, "authorization dropped"));
}

static void test_http__caps_redirect_hops(void)
{
	wp_http_options o = test_options();
	o.max_redirects = 2;
	fx *f = fx_server(
		"[{'match':{'path':'/loop'},'times':0,'response':{'status':302,'redirect':'/loop'}},"
		"{'match':{'path':'/noloc'},'response':{'status':302}}]",
		0, &o);
	if (!f)
		return;
	wp_http_response r = {0};
	wp_http_request q = request("GET", at(f, "/loop"));
	CHECK_ERR(wp_http_do(&r, f->h, &q), WASMPACK_EINVALID);
	CHECK_MSG_HAS("too many redirects");
	CHECK_INT(r.status, 0);
	CHECK(r.url == NULL);
	CHECK_INT(r.attempts, 3);
	CHECK_INT(server_log(&f->srv), 3);

	q.url = at(f, "/noloc");
	CHECK_ERR(wp_http_do(&r, f->h, &q), WASMPACK_EINVALID);
	CHECK_MSG_HAS("has no Location");

	/* not following: the 3xx is the answer */
	q.url = at(f, "/loop");
	q.follow_redirects = 0;
	CHECK_OK(wp_http_do(&r, f->h, &q));
	int ok = r.status == 302 && wp_http_header_get(&r, "location") && r.attempts == 1;
	wp_http_response_dispose(&r);
	CHECK(ok);
}

static void test_http__303_turns_post_into_get_without_body(void)
{
	fx *f = fx_server("[{'match':{'method':'POST','path':'/post'},'response':{'status':303,"
			  "'redirect':'/result'}},"
			  "{'match':{'method':'GET','path':'/result'},'response':{'body':'r'}}]",
			  0, NULL);
	if (!f)
		return;
	wp_http_response r = {0};
	const char *hdrs[] = {"Content-Type: text/plain"};
	wp_http_request q = request("POST", at(f, "/post"));
	q.headers = hdrs;
	q.headers_count = 1;
	q.body = "hello";
	q.body_len = 5;
	CHECK_OK(wp_http_do(&r, f->h, &q));
	int ok = r.status == 200 && r.attempts == 2;
	wp_http_response_dispose(&r);
	CHECK(ok);
	CHECK_INT(server_log(&f->srv), 2);
	char m[16], cl[16];
	CHECK_STR(json_str(f->srv.lines[0], "method", m, sizeof(m)), "POST");
	CHECK_STR(json_str(f->srv.lines[0], "content-length", cl, sizeof(cl)), "5");
	CHECK(json_num(f->srv.lines[0], "bodyLength") == 5);
	CHECK_STR(json_str(f->srv.lines[1], "method", m, sizeof(m)), "GET");
	CHECK(json_num(f->srv.lines[1], "bodyLength") == 0);
	CHECK(!strstr(f->srv.lines[1], "\"content-length\""));
}

static void test_http__307_keeps_method_and_body(void)
{
	fx *f = fx_server(
		"[{'match':{'path':'/patch'},'response':{'status':307,'redirect':'/patch2'}},"
		"{'match':{'method':'PATCH','path':'/patch2'},'response':{'status':202}}]",
		0, NULL);
	if (!f)
		return;
	size_t n = 3000;
	unsigned char *data = pattern(n);
	CHECK(data);
	wp_http_response r = {0};
	wp_http_request q = request("PATCH", at(f, "/patch"));
	q.body = data;
	q.body_len = n;
	int rc = wp_http_do(&r, f->h, &q);
	char want[WASMPACK_DIGEST_MAX];
	wasmpack_digest_of(want, data, n);
	free(data);
	int ok = r.status == 202 && r.attempts == 2;
	wp_http_response_dispose(&r);
	CHECK_OK(rc);
	CHECK(ok);
	CHECK_INT(server_log(&f->srv), 2);
	char m[16], sha[WASMPACK_DIGEST_MAX];
	for (size_t i = 0; i < 2; i++) {
		CHECK_STR(json_str(f->srv.lines[i], "method", m, sizeof(m)), "PATCH");
		CHECK(json_num(f->srv.lines[i], "bodyLength") == 3000);
		CHECK_STR(json_str(f->srv.lines[i], "bodySha256", sha, sizeof(sha)), want);
		CHECK(!strstr(f->srv.lines[i], "\"expect\""));
	}
}

/* --- TLS ------------------------------------------------------------------ */

static void test_http__refuses_https_to_http_redirect(void)
{
	wp_http_options o = test_options();
	o.insecure = 1;
	fx *f = fx_server("[{'match':{'path':'/a'},'response':{'status':307,"
			  "'redirect':'http://127.0.0.1:{port}/b'}}]",
			  1, &o);
	if (!f)
		return;
	wp_http_response r = {0};
	wp_http_request q = request("GET", at(f, "/a"));
	q.authorization = SECRET;
	CHECK_ERR(wp_http_do(&r, f->h, &q), WASMPACK_EINVALID);
	CHECK_MSG_HAS("refused: it would drop TLS");
	CHECK_MSG_HAS("redirect from https://127.0.0.1:");
	CHECK_INT(server_log(&f->srv), 1);
}

/* Every spelling of a link-local or metadata address a redirect may use:
 * each is refused before any request goes there. */
static void test_http__refuses_redirects_to_link_local_addresses(void)
{
	static const char *const targets[] = {
		"http://169.254.169.254/latest/meta-data/",
		"http://2852039166/",
		"http://0251.0376.0251.0376/",
		"http://0xa9fea9fe/",
		"http://0xa9.0xfe.0xa9.0xfe/",
		"http://169.254.43518/",
		"http://169.16689662/",
		"http://169.254.169.254./",
		"http://[fe80::1]/",
		"http://[FE80::a:b%25eth0]/",
		"http://[febf::1]/",
		"http://[fd00:ec2::254]/",
		"http://[::ffff:169.254.169.254]/",
		"http://[::ffff:a9fe:a9fe]/",
		"http://[64:ff9b::a9fe:a9fe]/",
		"https://metadata.google.internal/computeMetadata/v1/",
		"http://METADATA.GOOGLE.INTERNAL./",
	};
	char script[4096];
	size_t n = (size_t)snprintf(script, sizeof(script), "[");
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
		n += (size_t)snprintf(script + n, sizeof(script) - n,
				      "%s{'match':{'path':'/r%zu'},'response':{'status':302,"
				      "'redirect':'%s'}}",
				      i ? "," : "", i, targets[i]);
	snprintf(script + n, sizeof(script) - n, "]");
	unsetenv("WASMPACK_ALLOW_LINK_LOCAL");
	fx *f = fx_server(script, 0, NULL);
	if (!f)
		return;
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		char path[16];
		snprintf(path, sizeof(path), "/r%zu", i);
		wp_http_response r = {0};
		wp_http_request q = request("GET", at(f, path));
		int rc = wp_http_do(&r, f->h, &q);
		wp_http_response_dispose(&r);
		if (rc != WASMPACK_EINVALID || !strstr(wasmpack_error_last(), "link-local")) {
			harness_fail(__FILE__, __LINE__, targets[i], wasmpack_error_last());
			return;
		}
	}
	CHECK_INT(server_log(&f->srv), (int)(sizeof(targets) / sizeof(targets[0])));
}

/* Neighbours of those ranges are followed as before. */
static void test_http__follows_redirects_near_link_local_ranges(void)
{
	fx *f = fx_server("[{'match':{'path':'/a'},'response':{'status':302,"
			  "'redirect':'http://localhost:{port}/b'}},"
			  "{'match':{'path':'/b'},'response':{'body':'ok'}}]",
			  0, NULL);
	if (!f)
		return;
	wp_http_response r = {0};
	wp_http_request q = request("GET", at(f, "/a"));
	CHECK_OK(wp_http_do(&r, f->h, &q));
	CHECK_INT(r.status, 200);
	wp_http_response_dispose(&r);
}

/* With WASMPACK_ALLOW_LINK_LOCAL=1 the redirect is followed: whatever
 * happens next (no route, a timeout, or an answer where a sandbox has
 * something there) is not a refusal. */
static void test_http__link_local_redirects_when_allowed(void)
{
	wp_http_options o = test_options();
	o.connect_timeout_ms = 300;
	o.max_retries = -1;
	setenv("WASMPACK_ALLOW_LINK_LOCAL", "1", 1);
	fx *f = fx_server("[{'match':{'path':'/a'},'response':{'status':302,"
			  "'redirect':'http://169.254.0.1:9/'}}]",
			  0, &o);
	unsetenv("WASMPACK_ALLOW_LINK_LOCAL");
	if (!f)
		return;
	wp_http_response r = {0};
	wp_http_request q = request("GET", at(f, "/a"));
	int rc = wp_http_do(&r, f->h, &q);
	CHECK(rc == 0 || rc == WASMPACK_ENETWORK);
	CHECK(rc == 0 || !strstr(wasmpack_error_last(), "link-local"));
	wp_http_response_dispose(&r);
}

static void test_http__verifies_tls_unless_told_and_trusts_ca_file(void)
{
	fx *f = fx_server("[{'times':0,'response':{'body':'ok'}}]", 1, NULL);
	if (!f)
		return;
	wp_http_response r = {0};
	wp_http_request q = request("GET", at(f, "/secure"));

	/* the default client: a self-signed certificate is refused, once */
	CHECK_ERR(wp_http_do(&r, f->h, &q), WASMPACK_ENETWORK);
	CHECK_MSG_HAS("cannot connect to https://127.0.0.1:");
	CHECK(r.attempts == 1);

	wp_http_options o;
	memset(&o, 0, sizeof(o));
	o.ca_file = cert_path;
	wp_http *trusting = NULL;
	CHECK_OK(wp_http_new(&trusting, &o));
	int rc = wp_http_do(&r, trusting, &q);
	wp_http_free(trusting);
	int ok = r.status == 200 && r.body.size == 2;
	wp_http_response_dispose(&r);
	CHECK_OK(rc);
	CHECK(ok);

	memset(&o, 0, sizeof(o));
	o.insecure = 1;
	wp_http *careless = NULL;
	CHECK_OK(wp_http_new(&careless, &o));
	rc = wp_http_do(&r, careless, &q);
	wp_http_free(careless);
	ok = r.status == 200;
	wp_http_response_dispose(&r);
	CHECK_OK(rc);
	CHECK(ok);
}

/* --- URL helpers ------------------------------------------------------------- */

static void test_http__resolves_urls_and_compares_origins(void)
{
	static const struct {
		const char *ref, *want;
	} cases[] = {
		{"../x", "http://127.0.0.1:5000/v2/a/blobs/x"},
		{"/y?a=1", "http://127.0.0.1:5000/y?a=1"},
		{"?q=2", "http://127.0.0.1:5000/v2/a/blobs/uploads/u?q=2"},
		{"other", "http://127.0.0.1:5000/v2/a/blobs/uploads/other"},
		{"//cdn.example:9/z", "http://cdn.example:9/z"},
		{"https://s3.example/b?X-Amz-Signature=s",
		 "https://s3.example/b?X-Amz-Signature=s"},
		{"#f", "http://127.0.0.1:5000/v2/a/blobs/uploads/u?_state=1#f"},
	};
	const char *base = "http://127.0.0.1:5000/v2/a/blobs/uploads/u?_state=1";
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = NULL;
		CHECK_OK(wp_http_url_resolve(&got, base, cases[i].ref));
		int same = strcmp(got, cases[i].want) == 0;
		if (!same)
			harness_fail(__FILE__, __LINE__, cases[i].want, got);
		free(got);
		if (!same)
			return;
	}
	char *got = NULL;
	CHECK_ERR(wp_http_url_resolve(&got, "not a url", "/x"), WASMPACK_EINVALID);
	CHECK(got == NULL);

	CHECK(wp_http_same_origin("http://a.example", "http://A.EXAMPLE:80/x"));
	CHECK(wp_http_same_origin("https://a.example:443/v2/", "https://a.example/other"));
	CHECK(wp_http_same_origin("http://[::1]:5000/", "http://[::1]:5000/v2/"));
	CHECK(!wp_http_same_origin("http://a.example", "https://a.example"));
	CHECK(!wp_http_same_origin("https://a.example", "https://a.example:8443"));
	CHECK(!wp_http_same_origin("http://127.0.0.1:5000", "http://localhost:5000"));
	CHECK(!wp_http_same_origin("http://a.example", "not a url"));
	CHECK(!wp_http_same_origin(NULL, "http://a.example"));
}

/* --- retries ------------------------------------------------------------------- */

static void test_http__retries_503_then_succeeds(void)
{
	fx *f = fx_server("[{'response':{'status':503}},{'response':{'body':'ok'}}]", 0, NULL);
	if (!f)
		return;
	wp_http_response r = {0};
	wp_http_request q = request("GET", at(f, "/x"));
	CHECK_OK(wp_http_do(&r, f->h, &q));
	int ok = r.status == 200 && r.attempts == 2 && r.body.size == 2;
	wp_http_response_dispose(&r);
	CHECK(ok);
	CHECK_INT(server_log(&f->srv), 2);
	CHECK(strstr(f->log, "* retry 1/4"));
}

static void test_http__returns_final_503_as_response_after_retries(void)
{
	wp_http_options o = test_options();
	o.max_retries = 2;
	fx *f = fx_server("[{'times':0,'response':{'status':503,'body':'busy'}}]", 0, &o);
	if (!f)
		return;
	wp_http_response r = {0};
	wp_http_request q = request("GET", at(f, "/x"));
	CHECK_OK(wp_http_do(&r, f->h, &q));
	int ok = r.status == 503 && r.attempts == 3 && r.body.size == 4 &&
		 memcmp(r.body.data, "busy", 4) == 0;
	wp_http_response_dispose(&r);
	CHECK(ok);
	CHECK_INT(server_log(&f->srv), 3);
}

static void test_http__honours_retry_after_seconds(void)
{
	wp_http_options o = test_options();
	o.retry_max_ms = 5000;
	fx *f = fx_server("[{'response':{'status':429,'headers':{'Retry-After':'1'}}},"
			  "{'response':{'body':'ok'}}]",
			  0, &o);
	if (!f)
		return;
	wp_http_response r = {0};
	wp_http_request q = request("GET", at(f, "/x"));
	long t0 = now_ms();
	CHECK_OK(wp_http_do(&r, f->h, &q));
	long took = now_ms() - t0;
	int ok = r.status == 200 && r.attempts == 2;
	wp_http_response_dispose(&r);
	CHECK(ok);
	CHECK(took >= 900 && took < 3000);
	CHECK(strstr(f->log, "retry-after=1"));
}

static void test_http__caps_retry_after_at_retry_max(void)
{
	fx *f = fx_server(
		"[{'response':{'status':503,'headers':{'Retry-After':'3600'}}},"
		"{'response':{'status':429,'headers':{'Retry-After':'Wed, 21 Oct 2037 07:28:00 GMT'}}},"
		"{'response':{'body':'ok'}}]",
		0, NULL);
	if (!f)
		return;
	wp_http_response r = {0};
	wp_http_request q = request("GET", at(f, "/x"));
	long t0 = now_ms();
	CHECK_OK(wp_http_do(&r, f->h, &q));
	long took = now_ms() - t0;
	int ok = r.status == 200 && r.attempts == 3;
	wp_http_response_dispose(&r);
	CHECK(ok);
	CHECK(took < 1500);
}

/* The notices of one exchange, joined. */
typedef struct notices {
	int count;
	char text[1024];
} notices;

static void notice_collect(const char *line, void *payload)
{
	notices *n = payload;
	size_t len = strlen(n->text);
	n->count++;
	snprintf(n->text + len, sizeof(n->text) - len, "%s\n", line);
}

static void test_http__says_each_retry(void)
{
	notices n = {0};
	wp_http_options o = test_options();
	o.notice = notice_collect;
	o.notice_payload = &n;
	fx *f = fx_server("[{'response':{'status':503}},{'response':{'body':'ok'}}]", 0, &o);
	if (!f)
		return;
	wp_http_response r = {0};
	wp_http_request q = request("GET", at(f, "/x"));
	CHECK_OK(wp_http_do(&r, f->h, &q));
	CHECK(r.status == 200);
	wp_http_response_dispose(&r);
	CHECK_INT(n.count, 1);
	CHECK(strstr(n.text, "retrying in 0.0 s (http://127.0.0.1:") != NULL ||
	      strstr(n.text, "retrying in 0.1 s (http://127.0.0.1:") != NULL);
	CHECK(strstr(n.text, " answered 503 Service Unavailable; retry 1 of 4)") != NULL);
}

/* ratelimit-remaining: 0 with a reset far off: the 429 is the answer at
 * once, not four waits later. */
static void test_http__spent_rate_limit_is_not_waited_for(void)
{
	wp_http_options o = test_options();
	o.retry_max_ms = 5000;
	fx *f = fx_server("[{'response':{'status':429,'headers':{'ratelimit-remaining':'0;w=21600',"
			  "'ratelimit-reset':'3600'}}},{'response':{'body':'ok'}}]",
			  0, &o);
	if (!f)
		return;
	wp_http_response r = {0};
	wp_http_request q = request("GET", at(f, "/x"));
	CHECK_OK(wp_http_do(&r, f->h, &q));
	CHECK(r.status == 429 && r.attempts == 1);
	CHECK_INT(wp_http_rate_limit_reset_ms(&r), 3600 * 1000);
	wp_http_response_dispose(&r);
}

/* A wait that would end past retry_total_ms is not made. */
static void test_http__retry_total_caps_the_waits(void)
{
	wp_http_options o = test_options();
	o.retry_max_ms = 5000;
	o.retry_total_ms = 1500;
	fx *f = fx_server("[{'response':{'status':503,'headers':{'Retry-After':'1'}}},"
			  "{'response':{'status':503,'headers':{'Retry-After':'1'}}},"
			  "{'response':{'body':'ok'}}]",
			  0, &o);
	if (!f)
		return;
	wp_http_response r = {0};
	wp_http_request q = request("GET", at(f, "/x"));
	long t0 = now_ms();
	CHECK_OK(wp_http_do(&r, f->h, &q));
	long took = now_ms() - t0;
	CHECK(r.status == 503 && r.attempts == 2);
	CHECK(took >= 900 && took < 1500);
	wp_http_response_dispose(&r);
}

static void test_http__no_retry_returns_first_answer(void)
{
	fx *f = fx_server("[{'response':{'status':503}},{'response':{'body':'ok'}}]", 0, NULL);
	if (!f)
		return;
	wp_http_response r = {0};
	wp_http_request q = request("GET", at(f, "/x"));
	q.no_retry = 1;
	CHECK_OK(wp_http_do(&r, f->h, &q));
	int ok = r.status == 503 && r.attempts == 1;
	wp_http_response_dispose(&r);
	CHECK(ok);
	CHECK_INT(server_log(&f->srv), 1);
}

static void test_http__does_not_retry_stream_after_bytes_reached_sink(void)
{
	fx *f = fx_server("[{'response':{'bodyBytes':100000,'reset':5000}},"
			  "{'response':{'bodyBytes':100000}}]",
			  0, NULL);
	if (!f)
		return;
	wp_http_response r = {0};
	sink_state s = {0, NULL};
	wp_http_request q = request("GET", at(f, "/blob"));
	q.sink = count_sink;
	q.sink_payload = &s;
	CHECK_ERR(wp_http_do(&r, f->h, &q), WASMPACK_ENETWORK);
	CHECK_MSG_HAS("connection lost while reading http://127.0.0.1:");
	CHECK(s.bytes > 0 && s.bytes < 100000);
	CHECK_INT(r.attempts, 1);
	CHECK_INT(server_log(&f->srv), 1);
}

static void test_http__retries_stream_before_first_byte(void)
{
	fx *f = fx_server("[{'response':{'bodyBytes':100000,'reset':0}},"
			  "{'response':{'bodyBytes':100000}}]",
			  0, NULL);
	if (!f)
		return;
	wp_http_response r = {0};
	sink_state s = {0, NULL};
	CHECK_OK(wasmpack_sha256_new(&s.sha));
	wp_http_request q = request("GET", at(f, "/blob"));
	q.sink = count_sink;
	q.sink_payload = &s;
	int rc = wp_http_do(&r, f->h, &q);
	char got[WASMPACK_DIGEST_MAX], want[WASMPACK_DIGEST_MAX];
	wasmpack_sha256_final(got, s.sha);
	wasmpack_sha256_free(s.sha);
	unsigned char *data = pattern(100000);
	CHECK(data);
	wasmpack_digest_of(want, data, 100000);
	free(data);
	int ok = r.status == 200 && r.attempts == 2 && r.body.size == 0;
	wp_http_response_dispose(&r);
	CHECK_OK(rc);
	CHECK(ok);
	CHECK_INT(s.bytes, 100000);
	CHECK_STR(got, want);
}

static void test_http__replays_file_body_after_500(void)
{
	fx *f = fx_server("[{'match':{'method':'PUT'},'response':{'status':500}},"
			  "{'match':{'method':'PUT'},'response':{'status':201,"
			  "'headers':{'Location':'/v2/r/blobs/sha256:x'}}}]",
			  0, NULL);
	if (!f)
		return;
	char path[512];
	size_t total = 200000, off = 1000, len = 150000;
	snprintf(path, sizeof(path), "%s/http-body.bin", harness_tmpdir());
	unsigned char *data = malloc(total);
	CHECK(data);
	for (size_t i = 0; i < total; i++)
		data[i] = (unsigned char)((i * 7 + i / 256) & 0xff);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int wrote = fd >= 0 && wp_write_all(fd, data, total) == 0;
	char want[WASMPACK_DIGEST_MAX];
	wasmpack_digest_of(want, data + off, len);
	free(data);
	if (!wrote) {
		if (fd >= 0)
			close(fd);
		CHECK(wrote);
	}

	wp_http_response r = {0};
	const char *hdrs[] = {"Content-Type: application/octet-stream"};
	wp_http_request q = request("PUT", at(f, "/v2/r/blobs/uploads/u?digest=sha256:x"));
	q.headers = hdrs;
	q.headers_count = 1;
	q.body_fd = fd;
	q.body_offset = (int64_t)off;
	q.body_fd_len = (int64_t)len;
	int rc = wp_http_do(&r, f->h, &q);
	close(fd);
	int ok = r.status == 201 && r.attempts == 2;
	wp_http_response_dispose(&r);
	CHECK_OK(rc);
	CHECK(ok);
	CHECK_INT(server_log(&f->srv), 2);
	char sha[WASMPACK_DIGEST_MAX], cl[32];
	for (size_t i = 0; i < 2; i++) {
		CHECK(json_num(f->srv.lines[i], "bodyLength") == 150000);
		CHECK_STR(json_str(f->srv.lines[i], "bodySha256", sha, sizeof(sha)), want);
		CHECK_STR(json_str(f->srv.lines[i], "content-length", cl, sizeof(cl)), "150000");
		CHECK(!strstr(f->srv.lines[i], "\"expect\""));
	}
}

/* --- methods and bodies ---------------------------------------------------------- */

static void test_http__post_without_body_sends_content_length_zero(void)
{
	fx *f = fx_server("[{'match':{'method':'POST'},'response':{'status':202,"
			  "'headers':{'Location':'/v2/r/blobs/uploads/u1'}}}]",
			  0, NULL);
	if (!f)
		return;
	wp_http_response r = {0};
	wp_http_request q = request("POST", at(f, "/v2/r/blobs/uploads/"));
	CHECK_OK(wp_http_do(&r, f->h, &q));
	const char *loc = wp_http_header_get(&r, "location");
	int ok = r.status == 202 && loc && strcmp(loc, "/v2/r/blobs/uploads/u1") == 0;
	wp_http_response_dispose(&r);
	CHECK(ok);
	CHECK_INT(server_log(&f->srv), 1);
	char m[16], cl[16];
	CHECK_STR(json_str(f->srv.lines[0], "method", m, sizeof(m)), "POST");
	CHECK_STR(json_str(f->srv.lines[0], "content-length", cl, sizeof(cl)), "0");
	CHECK(!strstr(f->srv.lines[0], "\"content-type\""));
	CHECK(!strstr(f->srv.lines[0], "\"expect\""));
}

static void test_http__sends_head_without_body_and_delete(void)
{
	fx *f = fx_server(
		"[{'match':{'method':'HEAD'},'response':{'headers':{'Content-Length':'123456',"
		"'Docker-Content-Digest':'sha256:abc'}}},"
		"{'match':{'method':'DELETE'},'response':{'status':202}}]",
		0, NULL);
	if (!f)
		return;
	wp_http_response r = {0};
	wp_http_request q = request("HEAD", at(f, "/v2/r/blobs/sha256:abc"));
	long t0 = now_ms();
	CHECK_OK(wp_http_do(&r, f->h, &q));
	long took = now_ms() - t0;
	const char *cl = wp_http_header_get(&r, "Content-Length");
	int ok = r.status == 200 && r.body.size == 0 && cl && strcmp(cl, "123456") == 0 &&
		 wp_http_header_get(&r, "docker-content-digest");
	wp_http_response_dispose(&r);
	CHECK(ok);
	CHECK(took < 1000);

	q = request("DELETE", at(f, "/v2/r/manifests/sha256:abc"));
	CHECK_OK(wp_http_do(&r, f->h, &q));
	ok = r.status == 202;
	wp_http_response_dispose(&r);
	CHECK(ok);

	/* a GET cannot carry a body */
	q = request("GET", at(f, "/x"));
	q.body = "x";
	q.body_len = 1;
	CHECK_ERR(wp_http_do(&r, f->h, &q), WASMPACK_EINVALID);

	CHECK_INT(server_log(&f->srv), 2);
	char m[16];
	CHECK_STR(json_str(f->srv.lines[0], "method", m, sizeof(m)), "HEAD");
	CHECK_STR(json_str(f->srv.lines[1], "method", m, sizeof(m)), "DELETE");
	CHECK(json_num(f->srv.lines[1], "conn") == 1);
}

static void test_http__caps_body_held_in_memory(void)
{
	fx *f = fx_server("[{'times':0,'response':{'bodyBytes':5000}}]", 0, NULL);
	if (!f)
		return;
	wp_http_response r = {0};
	wp_http_request q = request("GET", at(f, "/big"));
	q.max_body = 1000;
	CHECK_ERR(wp_http_do(&r, f->h, &q), WASMPACK_ETOOLARGE);
	CHECK_INT(r.attempts, 1);
	CHECK_INT(server_log(&f->srv), 1);

	q.max_body = 5000; /* exactly the size: fine */
	CHECK_OK(wp_http_do(&r, f->h, &q));
	int ok = r.status == 200 && r.body.size == 5000 && r.body.data[5000] == 0;
	wp_http_response_dispose(&r);
	CHECK(ok);
}

static void test_http__keeps_error_body_out_of_sink(void)
{
	fx *f = fx_server("[{'response':{'status':404,'json':{'errors':[{'code':'BLOB_UNKNOWN',"
			  "'message':'blob unknown to registry'}]}}},"
			  "{'response':{'status':500,'bodyBytes':100000}},"
			  "{'response':{'status':500,'bodyBytes':3000000}}]",
			  0, NULL);
	if (!f)
		return;
	wp_http_response r = {0};
	sink_state s = {0, NULL};
	wp_http_request q = request("GET", at(f, "/v2/r/blobs/sha256:abc"));
	q.sink = count_sink;
	q.sink_payload = &s;
	q.no_retry = 1;
	CHECK_OK(wp_http_do(&r, f->h, &q));
	int ok = r.status == 404 && r.body.data &&
		 strstr((const char *)r.body.data, "BLOB_UNKNOWN") != NULL;
	wp_http_response_dispose(&r);
	CHECK(ok);
	CHECK_INT(s.bytes, 0);

	/* long error bodies are cut at 64 KiB, read on or hung up */
	for (int i = 0; i < 2; i++) {
		CHECK_OK(wp_http_do(&r, f->h, &q));
		ok = r.status == 500 && r.body.size == 64 * 1024;
		wp_http_response_dispose(&r);
		CHECK(ok);
	}
	CHECK_INT(s.bytes, 0);
	CHECK_INT(server_log(&f->srv), 3);
	CHECK(json_num(f->srv.lines[1], "conn") == 1);
	CHECK(json_num(f->srv.lines[2], "conn") == 1);
}

static void test_http__aborts_a_stalled_transfer(void)
{
	wp_http_options o = test_options();
	o.low_speed_bytes = 1000;
	o.low_speed_seconds = 1;
	o.max_retries = -1;
	fx *f = fx_server(
		"[{'response':{'bodyBytes':10000,'stallAfterBytes':100,'stallMs':10000}}]", 0, &o);
	if (!f)
		return;
	wp_http_response r = {0};
	wp_http_request q = request("GET", at(f, "/slow"));
	long t0 = now_ms();
	CHECK_ERR(wp_http_do(&r, f->h, &q), WASMPACK_ENETWORK);
	long took = now_ms() - t0;
	CHECK(took >= 900 && took < 4000);
	CHECK_MSG_HAS("incomplete 200 response from http://127.0.0.1:");
	CHECK_MSG_HAS("too slow");
	CHECK_INT(r.attempts, 1);
}

/* --- the log ---------------------------------------------------------------------- */

static void test_http__log_hides_credentials_and_upload_state(void)
{
	fx *f = fx_server(
		"[{'match':{'method':'POST'},'response':{'status':202,'headers':{"
		"'Location':'/v2/r/blobs/uploads/u?_state=STATE-SECRET-1',"
		"'Docker-Content-Digest':'sha256:abc'}}},"
		"{'match':{'method':'PUT','path':'/v2/r/*'},'response':{'status':307,"
		"'redirect':'http://localhost:{port}/store?X-Amz-Signature=SIG-SECRET&X-Amz-Date=1'}},"
		"{'match':{'path':'/store'},'response':{'status':201}}]",
		0, NULL);
	if (!f)
		return;
	wp_http_response r = {0};
	wp_http_request q = request("POST", at(f, "/v2/r/blobs/uploads/"));
	q.authorization = SECRET;
	CHECK_OK(wp_http_do(&r, f->h, &q));
	wp_http_response_dispose(&r);

	char put_url[512];
	snprintf(put_url, sizeof(put_url), "%s%s", f->srv.origin,
		 "/v2/r/blobs/uploads/u?_state=STATE-SECRET-2&digest=sha256:abc");
	q = request("PUT", put_url);
	q.authorization = SECRET;
	q.body = "x";
	q.body_len = 1;
	CHECK_OK(wp_http_do(&r, f->h, &q));
	int ok = r.status == 201 && r.attempts == 2;
	wp_http_response_dispose(&r);
	CHECK(ok);

	const char *log = f->log;
	CHECK(strstr(log, "> POST http://127.0.0.1:"));
	CHECK(strstr(log, "< 202 http://127.0.0.1:"));
	CHECK(strstr(log, "_state=***&digest=sha256:abc"));
	CHECK(strstr(log, "docker-content-digest=sha256:abc"));
	CHECK(strstr(log, "location=localhost:"));
	/* The redirect target is on another origin: every value hidden. */
	CHECK(strstr(log, "X-Amz-Signature=***&X-Amz-Date=***"));
	CHECK(!strstr(log, SECRET));
	CHECK(!strstr(log, "STATE-SECRET"));
	CHECK(!strstr(log, "SIG-SECRET"));
}

/* Signed-URL parameters CDNs use: hidden by name on any URL, and every
 * query value of a redirect target on another origin is hidden too. */
static void test_http__log_hides_cdn_signatures_and_redirect_target_queries(void)
{
	fx *f = fx_server(
		"[{'match':{'path':'/v2/r/blobs/sha256:1'},'response':{'status':307,"
		"'redirect':'http://localhost:{port}/cdn/blob?verify=V-SECRET&hdnts=H-SECRET&"
		"hdnea=E-SECRET&Expires=X-SECRET&anything=A-SECRET'}},"
		"{'match':{'path':'/cdn/blob'},'response':{'status':200,'body':'x'}},"
		"{'match':{'path':'/v2/r/tags/list'},'response':{'status':200,'body':'{}'}}]",
		0, NULL);
	if (!f)
		return;
	wp_http_response r = {0};
	wp_http_request q = request("GET", at(f, "/v2/r/blobs/sha256:1"));
	q.follow_redirects = 1;
	CHECK_OK(wp_http_do(&r, f->h, &q));
	int ok = r.status == 200;
	wp_http_response_dispose(&r);
	CHECK(ok);
	/* The registry's own URL keeps the values of names not known secret. */
	q = request("GET",
		    at(f, "/v2/r/tags/list?n=10&auth=U-SECRET&jwt=J-SECRET&verify=W-SECRET"));
	CHECK_OK(wp_http_do(&r, f->h, &q));
	wp_http_response_dispose(&r);

	const char *log = f->log;
	CHECK(strstr(log, "/cdn/blob?verify=***&hdnts=***&hdnea=***&Expires=***&anything=***"));
	CHECK(strstr(log, "/v2/r/tags/list?n=10&auth=***&jwt=***&verify=***"));
	const char *secrets[] = {"V-SECRET", "H-SECRET", "E-SECRET", "X-SECRET",
				 "A-SECRET", "U-SECRET", "J-SECRET", "W-SECRET"};
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		if (strstr(log, secrets[i]))
			harness_fail(__FILE__, __LINE__, secrets[i], log);
}

const test_case http_tests[] = {
	TEST_ENTRY(test_http__reuses_one_connection_for_two_requests),
	TEST_ENTRY(test_http__log_hides_cdn_signatures_and_redirect_target_queries),
	TEST_ENTRY(test_http__connection_refused_fails_fast),
	TEST_ENTRY(test_http__global_init_is_refcounted),
	TEST_ENTRY(test_http__follows_relative_redirect_and_keeps_final_headers),
	TEST_ENTRY(test_http__follows_absolute_and_root_relative_redirects),
	TEST_ENTRY(test_http__drops_authorization_after_cross_origin_redirect),
	TEST_ENTRY(test_http__caps_redirect_hops),
	TEST_ENTRY(test_http__303_turns_post_into_get_without_body),
	TEST_ENTRY(test_http__307_keeps_method_and_body),
	TEST_ENTRY(test_http__refuses_https_to_http_redirect),
	TEST_ENTRY(test_http__refuses_redirects_to_link_local_addresses),
	TEST_ENTRY(test_http__follows_redirects_near_link_local_ranges),
	TEST_ENTRY(test_http__link_local_redirects_when_allowed),
	TEST_ENTRY(test_http__verifies_tls_unless_told_and_trusts_ca_file),
	TEST_ENTRY(test_http__resolves_urls_and_compares_origins),
	TEST_ENTRY(test_http__retries_503_then_succeeds),
	TEST_ENTRY(test_http__returns_final_503_as_response_after_retries),
	TEST_ENTRY(test_http__honours_retry_after_seconds),
	TEST_ENTRY(test_http__caps_retry_after_at_retry_max),
	TEST_ENTRY(test_http__says_each_retry),
	TEST_ENTRY(test_http__spent_rate_limit_is_not_waited_for),
	TEST_ENTRY(test_http__retry_total_caps_the_waits),
	TEST_ENTRY(test_http__no_retry_returns_first_answer),
	TEST_ENTRY(test_http__does_not_retry_stream_after_bytes_reached_sink),
	TEST_ENTRY(test_http__retries_stream_before_first_byte),
	TEST_ENTRY(test_http__replays_file_body_after_500),
	TEST_ENTRY(test_http__post_without_body_sends_content_length_zero),
	TEST_ENTRY(test_http__sends_head_without_body_and_delete),
	TEST_ENTRY(test_http__caps_body_held_in_memory),
	TEST_ENTRY(test_http__keeps_error_body_out_of_sink),
	TEST_ENTRY(test_http__aborts_a_stalled_transfer),
	TEST_ENTRY(test_http__log_hides_credentials_and_upload_state),
	TEST_END,
};
