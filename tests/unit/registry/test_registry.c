/* Tests of the registry client: against the real distribution registry
 * (registry/registry.sh: open, htpasswd, token with redirecting blob
 * storage, TLS), and against tests/servers/scripted.mjs for the protocol
 * corners the real registry never produces. */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "registry/challenge.h"
#include "registry/scope.h"
#include "registry/token.h"
#include "registry/internal.h"
#include "registry/stats.h"
#include "util/fs.h"

#define RESPONDER "tests/servers/scripted.mjs"
#define KIT "registry/registry.sh"

/* The last error contains / lacks sub. */
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

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* An empty docker config dir, so no test reads the user's logins. */
static const char *empty_config_dir(void)
{
	static char path[600];
	if (!path[0]) {
		snprintf(path, sizeof(path), "%s/no-docker-config", harness_tmpdir());
		mkdir(path, 0700);
	}
	return path;
}

/* --- blobs and sinks ---------------------------------------------------- */

typedef struct blob {
	int fd;
	int64_t size;
	unsigned char *data;
	char digest[WASMPACK_DIGEST_MAX];
} blob;

/* size bytes (byte i = (i * 7 + seed) mod 256, or i mod 251 when
 * seed < 0, as the responder's bodyBytes) in a file, hashed. */
static int blob_make(blob *b, size_t size, int seed)
{
	static int counter;
	char path[600];
	memset(b, 0, sizeof(*b));
	b->fd = -1;
	b->data = malloc(size + 1);
	if (!b->data)
		return -1;
	for (size_t i = 0; i < size; i++)
		b->data[i] = seed < 0 ? (unsigned char)(i % 251)
				      : (unsigned char)((i * 7 + (size_t)seed) & 0xff);
	b->size = (int64_t)size;
	snprintf(path, sizeof(path), "%s/blob-%d", harness_tmpdir(), ++counter);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || wp_write_all(fd, b->data, size) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	unlink(path);
	b->fd = fd;
	return wasmpack_digest_of(b->digest, b->data, size);
}

static void blob_free(blob *b)
{
	if (b->fd >= 0)
		close(b->fd);
	free(b->data);
	memset(b, 0, sizeof(*b));
	b->fd = -1;
}

typedef struct memsink {
	unsigned char *data;
	size_t size, cap;
} memsink;

static int mem_write(const void *data, size_t len, void *payload)
{
	memsink *m = payload;
	if (m->size + len > m->cap) {
		size_t cap = m->cap ? m->cap : 4096;
		while (cap < m->size + len)
			cap *= 2;
		unsigned char *g = realloc(m->data, cap);
		if (!g)
			return WASMPACK_ENOMEM;
		m->data = g;
		m->cap = cap;
	}
	memcpy(m->data + m->size, data, len);
	m->size += len;
	return 0;
}

static void memsink_free(memsink *m)
{
	free(m->data);
	memset(m, 0, sizeof(*m));
}

/* Counts the client's requests per method from its verbose log. */
typedef struct counter {
	int get, head, post, put, patch, del;
	int lines;
} counter;

static void count_log(const char *line, void *payload)
{
	counter *c = payload;
	c->lines++;
	if (strncmp(line, "> GET ", 6) == 0)
		c->get++;
	else if (strncmp(line, "> HEAD ", 7) == 0)
		c->head++;
	else if (strncmp(line, "> POST ", 7) == 0)
		c->post++;
	else if (strncmp(line, "> PUT ", 6) == 0)
		c->put++;
	else if (strncmp(line, "> PATCH ", 8) == 0)
		c->patch++;
	else if (strncmp(line, "> DELETE ", 9) == 0)
		c->del++;
}

/* --- the registry kit --------------------------------------------------- */

typedef struct kit {
	const char *args;
	int started, failed;
	char dir[512], url[256], addr[128], user[128], pass[128], ca[512];
	char redirect_log[512], token_log[512], refresh[256];
} kit;

static kit kit_open = {.args = "open"};
static kit kit_htpasswd = {.args = "htpasswd"};
static kit kit_token = {.args = "token --redirect"};
static kit kit_tls = {.args = "tls"};
static kit *const kits[] = {&kit_open, &kit_htpasswd, &kit_token, &kit_tls};

/* Undoes bash's printf %q for the plain values the kit prints. */
static void unquote(char *v)
{
	char *w = v;
	int in_single = 0;
	for (char *p = v; *p; p++) {
		if (in_single) {
			if (*p == '\'')
				in_single = 0;
			else
				*w++ = *p;
		} else if (*p == '\'') {
			in_single = 1;
		} else if (*p == '\\' && p[1]) {
			*w++ = *++p;
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
}

static void kit_stop(kit *k)
{
	if (!k->started)
		return;
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "bash " KIT " stop '%s' >/dev/null 2>&1", k->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "registry kit: cannot stop %s\n", k->dir);
	k->started = 0;
}

static void kits_stop_all(void)
{
	for (size_t i = 0; i < sizeof(kits) / sizeof(kits[0]); i++)
		kit_stop(kits[i]);
}

/* Starts k once per run (stopped by the last test, or at exit). */
static kit *kit_get(kit *k)
{
	static int registered;
	char cmd[1024], errpath[600], line[2048];
	if (k->started)
		return k;
	if (k->failed) {
		harness_fail(__FILE__, __LINE__, "registry kit starts", k->args);
		return NULL;
	}
	if (!registered) {
		atexit(kits_stop_all);
		registered = 1;
	}
	snprintf(errpath, sizeof(errpath), "%s/kit-%s.err", harness_tmpdir(), k->args);
	for (char *p = strrchr(errpath, '/'); *p; p++)
		if (*p == ' ')
			*p = '_';
	snprintf(cmd, sizeof(cmd), "bash " KIT " start %s 2>'%s'", k->args, errpath);
	FILE *f = popen(cmd, "r");
	if (!f) {
		k->failed = 1;
		harness_fail(__FILE__, __LINE__, "popen registry.sh", strerror(errno));
		return NULL;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		char *v = eq + 1;
		unquote(v);
		struct {
			const char *name;
			char *dst;
			size_t cap;
		} vars[] = {
			{"REGISTRY_DIR", k->dir, sizeof(k->dir)},
			{"REGISTRY_URL", k->url, sizeof(k->url)},
			{"REGISTRY_ADDR", k->addr, sizeof(k->addr)},
			{"REGISTRY_USER", k->user, sizeof(k->user)},
			{"REGISTRY_PASS", k->pass, sizeof(k->pass)},
			{"REGISTRY_CA", k->ca, sizeof(k->ca)},
			{"REDIRECT_LOG", k->redirect_log, sizeof(k->redirect_log)},
			{"TOKEN_LOG", k->token_log, sizeof(k->token_log)},
			{"TOKEN_REFRESH", k->refresh, sizeof(k->refresh)},
		};
		for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
			if (strcmp(line, vars[i].name) == 0)
				snprintf(vars[i].dst, vars[i].cap, "%s", v);
	}
	int st = pclose(f);
	if (k->dir[0])
		k->started = 1; /* stop it even if something else went wrong */
	if (st != 0 || !k->addr[0]) {
		wasmpack_buf err = WASMPACK_BUF_INIT;
		wp_read_file(&err, errpath, 1 << 16);
		k->failed = 1;
		harness_fail(__FILE__, __LINE__, "registry kit starts",
			     err.data ? (const char *)err.data : k->args);
		wasmpack_buf_dispose(&err);
		kit_stop(k);
		return NULL;
	}
	return k;
}

/* Reads a JSON-lines log file into a new array (caller decrefs). */
static json_t *read_jsonl(const char *path)
{
	wasmpack_buf b = WASMPACK_BUF_INIT;
	json_t *arr = json_array();
	if (wp_read_file(&b, path, 1 << 24) != 0) {
		wasmpack_error_clear();
		return arr;
	}
	char *p = (char *)b.data;
	while (p && *p) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		json_t *rec = *p ? json_loads(p, 0, NULL) : NULL;
		if (rec)
			json_array_append_new(arr, rec);
		p = nl ? nl + 1 : NULL;
	}
	wasmpack_buf_dispose(&b);
	return arr;
}

/* --- fixtures ----------------------------------------------------------- */

typedef struct fx {
	kit *k;
	wasmpack_registry *r;
	wasmpack_registry_options o;
	counter count;
	blob b[4];
	memsink m;
	/* scripted responder */
	pid_t pid;
	int in_fd, out_fd;
	char host[64], origin[80], log_path[512];
	json_t *log;
} fx;

static void fx_init(fx *f)
{
	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < 4; i++)
		f->b[i].fd = -1;
	f->pid = -1;
	f->in_fd = f->out_fd = -1;
	f->o.version = WASMPACK_REGISTRY_OPTIONS_VERSION;
	f->o.config_dir = empty_config_dir();
	f->o.retry_max_ms = 50;
	f->o.log = count_log;
	f->o.log_payload = &f->count;
}

static void fx_dispose(fx *f)
{
	wasmpack_registry_free(f->r);
	for (size_t i = 0; i < 4; i++)
		blob_free(&f->b[i]);
	memsink_free(&f->m);
	json_decref(f->log);
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

/* How a test wants its client: credentials, options. */
enum { AS_ANONYMOUS, AS_USER, AS_WRONG_PASSWORD, AS_IDENTITY_TOKEN };

static void fx_free(void *p)
{
	fx_dispose(p);
	free(p);
}

/* A fixture with the test options, tuned by tune (when not NULL), freed
 * after the test; NULL after failing the test. */
static fx *fx_new_(void (*tune)(fx *))
{
	fx *f = malloc(sizeof(*f));
	if (!f) {
		harness_fail(__FILE__, __LINE__, "malloc", NULL);
		return NULL;
	}
	fx_init(f);
	if (harness_defer(fx_free, f) != 0)
		return NULL;
	if (tune)
		tune(f);
	return f;
}
#define fx_new(tune) AT_PTR(fx *, fx_new_(tune))

/* A client on kit k (started when needed) as `who`, freed after the test;
 * NULL after failing the test. */
static fx *fx_kit_(kit *k, int who, void (*tune)(fx *))
{
	fx *f = fx_new_(NULL);
	if (!f)
		return NULL;
	if (!(f->k = kit_get(k)))
		return NULL;
	if (who == AS_USER || who == AS_WRONG_PASSWORD) {
		f->o.username = k->user;
		f->o.password = who == AS_USER ? k->pass : "not-the-password";
	} else if (who == AS_IDENTITY_TOKEN) {
		f->o.username = "<token>";
		f->o.password = k->refresh;
	}
	if (tune)
		tune(f);
	if (wasmpack_registry_new(&f->r, k->addr, &f->o) != 0) {
		harness_fail(__FILE__, __LINE__, "wasmpack_registry_new", wasmpack_error_last());
		return NULL;
	}
	return f;
}
#define fx_kit(...) AT_PTR(fx *, fx_kit_(__VA_ARGS__))

/* Starts the responder on script (JSON with ' for "). */
static int responder_start(fx *f, const char *script, int tls)
{
	static int counter_;
	static char cert[600], key[600];
	char script_path[600];

	counter_++;
	snprintf(f->log_path, sizeof(f->log_path), "%s/reg-log-%d.jsonl", harness_tmpdir(),
		 counter_);
	char name[64];
	snprintf(name, sizeof(name), "reg-script-%d.json", counter_);
	if (harness_write_script(script_path, sizeof(script_path), name, script))
		return -1;
	if (tls && !cert[0]) {
		char cmd[1600];
		snprintf(cert, sizeof(cert), "%s/reg-cert.pem", harness_tmpdir());
		snprintf(key, sizeof(key), "%s/reg-key.pem", harness_tmpdir());
		snprintf(
			cmd, sizeof(cmd),
			"openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
			"-keyout '%s' -out '%s' -days 2 -subj /CN=127.0.0.1 "
			"-addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1",
			key, cert);
		if (system(cmd) != 0) {
			cert[0] = '\0';
			harness_fail(__FILE__, __LINE__, "openssl makes a test certificate", NULL);
			return -1;
		}
	}
	char *argv[] = {"node",      RESPONDER,       script_path, "--log",
			f->log_path, "--max-seconds", "60",        tls ? "--tls-cert" : NULL,
			cert,        "--tls-key",     key,         NULL};
	long port = harness_spawn_port(&f->pid, &f->in_fd, &f->out_fd, argv);
	if (port < 0)
		return -1;
	snprintf(f->host, sizeof(f->host), "127.0.0.1:%ld", port);
	snprintf(f->origin, sizeof(f->origin), "%s://127.0.0.1:%ld", tls ? "https" : "http", port);
	return 0;
}

/* A client (plain http, no retries unless tune says; TLS when tune sets
 * insecure) on a responder running script, both stopped after the test;
 * NULL after failing the test. */
static fx *fx_script_(const char *script, void (*tune)(fx *))
{
	fx *f = fx_new_(NULL);
	if (!f)
		return NULL;
	f->o.plain_http = 1;
	f->o.max_retries = -1;
	if (tune)
		tune(f);
	if (responder_start(f, script, f->o.insecure) != 0)
		return NULL;
	if (wasmpack_registry_new(&f->r, f->host, &f->o) != 0) {
		harness_fail(__FILE__, __LINE__, "wasmpack_registry_new", wasmpack_error_last());
		return NULL;
	}
	return f;
}
#define fx_script(...) AT_PTR(fx *, fx_script_(__VA_ARGS__))

/* The responder's request log, reloaded. */
static size_t reqs(fx *f)
{
	json_decref(f->log);
	f->log = read_jsonl(f->log_path);
	return json_array_size(f->log);
}

static const char *req_str(fx *f, size_t i, const char *key)
{
	return json_string_value(json_object_get(json_array_get(f->log, i), key));
}

static const char *req_header(fx *f, size_t i, const char *name)
{
	json_t *h = json_object_get(json_array_get(f->log, i), "headers");
	return json_string_value(json_object_get(h, name));
}

static long req_num(fx *f, size_t i, const char *key)
{
	return (long)json_integer_value(json_object_get(json_array_get(f->log, i), key));
}

/* Index of the n-th (0-based) request with method whose path starts
 * with prefix, or -1. */
static long find_req(fx *f, const char *method, const char *prefix, int nth)
{
	for (size_t i = 0; i < json_array_size(f->log); i++) {
		const char *m = req_str(f, i, "method"), *p = req_str(f, i, "path");
		if (m && p && strcmp(m, method) == 0 && strncmp(p, prefix, strlen(prefix)) == 0 &&
		    nth-- == 0)
			return (long)i;
	}
	return -1;
}

static int count_req(fx *f, const char *method, const char *prefix)
{
	int n = 0;
	while (find_req(f, method, prefix, n) >= 0)
		n++;
	return n;
}

/* A manifest for blobs config and layer, with odd spacing so that any
 * re-serialization would show. */
static char *manifest_json(const blob *config, const blob *layer)
{
	return wp_asprintf(
		"{\n  \"schemaVersion\": 2,\n  \"mediaType\": \"%s\",\n"
		"  \"config\": {\"mediaType\": \"%s\", \"digest\": \"%s\", \"size\": %lld},\n"
		"  \"layers\": [ {\"mediaType\": \"%s\", \"digest\": \"%s\", \"size\": %lld} ]\n}\n",
		WASMPACK_MEDIATYPE_OCI_MANIFEST, WASMPACK_MEDIATYPE_OCI_CONFIG, config->digest,
		(long long)config->size, WASMPACK_MEDIATYPE_WASM_LAYER, layer->digest,
		(long long)layer->size);
}

/* ======================================================================= */
/* The real registry: open                                                 */

static void test_registry__pings_a_loopback_registry_over_http(void)
{
	fx *f = fx_kit(&kit_open, AS_ANONYMOUS, NULL);
	if (!f)
		return;
	CHECK_OK(wasmpack_registry_ping(f->r));
	/* A loopback registry without TLS is reached over http, decided once. */
	CHECK_STR(f->r->base, f->k->url);
	uint64_t n = wasmpack_registry_request_count(f->r);
	CHECK_OK(wasmpack_registry_ping(f->r));
	CHECK_INT(wasmpack_registry_request_count(f->r), n + 1);
}

static void no_retries(fx *f) { f->o.max_retries = -1; }

static void test_registry__ping_of_nothing_is_a_network_error(void)
{
	fx *f = fx_new(no_retries);
	if (!f)
		return;
	/* Port 9 (discard) is closed on test machines. */
	CHECK_OK(wasmpack_registry_new(&f->r, "127.0.0.1:9", &f->o));
	CHECK_ERR(wasmpack_registry_ping(f->r), WASMPACK_ENETWORK);
	CHECK_MSG_HAS("cannot reach registry 127.0.0.1:9");
}

static void test_registry__pushes_a_blob_in_one_put(void)
{
	fx *f = fx_kit(&kit_open, AS_ANONYMOUS, NULL);
	if (!f)
		return;
	int64_t size = -1;
	CHECK_INT(blob_make(&f->b[0], 10000, 1), 0);
	CHECK(wasmpack_registry_blob_exists(f->r, "open/mono", f->b[0].digest, NULL) == 0);
	CHECK_OK(wasmpack_registry_blob_push(f->r, "open/mono", f->b[0].digest, f->b[0].size,
					     f->b[0].fd));
	CHECK(f->count.post == 1 && f->count.put == 1 && f->count.patch == 0);
	CHECK(wasmpack_registry_blob_exists(f->r, "open/mono", f->b[0].digest, &size) == 1);
	CHECK_INT(size, 10000);
	CHECK_OK(
		wasmpack_registry_blob_get(f->r, "open/mono", f->b[0].digest, 0, mem_write, &f->m));
	CHECK(f->m.size == 10000);
	CHECK_MEM(f->m.data, f->b[0].data, 10000);
}

static void small_chunks(fx *f) { f->o.chunk_size = 64 * 1024; }

/* What an upload's progress callback saw. */
typedef struct upload_seen {
	int calls, backwards;
	int64_t last, size;
} upload_seen;

static void upload_seen_cb(int64_t sent, int64_t size, void *payload)
{
	upload_seen *u = payload;
	if (sent < u->last)
		u->backwards++;
	u->calls++;
	u->last = sent;
	u->size = size;
}

/* Progress comes while the bytes go, monolithic or chunked, ending at
 * the blob's size. */
static void test_registry__reports_upload_progress(void)
{
	for (int chunked = 0; chunked <= 1; chunked++) {
		fx *f = fx_kit(&kit_open, AS_ANONYMOUS, chunked ? small_chunks : NULL);
		if (!f)
			return;
		upload_seen u = {0};
		CHECK_INT(blob_make(&f->b[0], 300 * 1024, 5 + chunked), 0);
		CHECK_OK(wasmpack_registry_blob_push_progress(
			f->r, chunked ? "open/progress-chunked" : "open/progress-mono",
			f->b[0].digest, f->b[0].size, f->b[0].fd, upload_seen_cb, &u));
		CHECK(chunked ? f->count.patch == 5 : f->count.patch == 0);
		/* 300 KiB in 64 KiB steps: several calls, never backwards. */
		CHECK(u.calls >= 3);
		CHECK_INT(u.backwards, 0);
		CHECK(u.last == 300 * 1024 && u.size == 300 * 1024);
	}
}

static void test_registry__pushes_a_blob_in_chunks(void)
{
	fx *f = fx_kit(&kit_open, AS_ANONYMOUS, small_chunks);
	if (!f)
		return;
	int64_t size = -1;
	CHECK_INT(blob_make(&f->b[0], 300 * 1024, 2), 0);
	CHECK_OK(wasmpack_registry_blob_push(f->r, "open/chunked", f->b[0].digest, f->b[0].size,
					     f->b[0].fd));
	CHECK(f->count.patch == 5 && f->count.put == 1);
	CHECK(wasmpack_registry_blob_exists(f->r, "open/chunked", f->b[0].digest, &size) == 1);
	CHECK_INT(size, 300 * 1024);
	CHECK_OK(wasmpack_registry_blob_get(f->r, "open/chunked", f->b[0].digest, 0, mem_write,
					    &f->m));
	CHECK(f->m.size == 300 * 1024);
	CHECK_MEM(f->m.data, f->b[0].data, 300 * 1024);
}

static void test_registry__gets_a_blob_from_an_offset(void)
{
	fx *f = fx_kit(&kit_open, AS_ANONYMOUS, NULL);
	if (!f)
		return;
	CHECK_INT(blob_make(&f->b[0], 5000, 3), 0);
	CHECK_OK(wasmpack_registry_blob_push(f->r, "open/offset", f->b[0].digest, f->b[0].size,
					     f->b[0].fd));
	CHECK_OK(wasmpack_registry_blob_get(f->r, "open/offset", f->b[0].digest, 1234, mem_write,
					    &f->m));
	CHECK(f->m.size == 5000 - 1234);
	CHECK_MEM(f->m.data, f->b[0].data + 1234, f->m.size);
	/* At the very end there is nothing left to read. */
	memsink_free(&f->m);
	CHECK_OK(wasmpack_registry_blob_get(f->r, "open/offset", f->b[0].digest, 5000, mem_write,
					    &f->m));
	CHECK(f->m.size == 0);
	CHECK_ERR(wasmpack_registry_blob_get(f->r, "open/offset", f->b[0].digest, 6000, mem_write,
					     &f->m),
		  WASMPACK_EINVALID);
}

static void test_registry__absent_blob_is_not_there(void)
{
	fx *f = fx_kit(&kit_open, AS_ANONYMOUS, NULL);
	if (!f)
		return;
	CHECK_INT(blob_make(&f->b[0], 10, 4), 0);
	CHECK(wasmpack_registry_blob_exists(f->r, "open/absent", f->b[0].digest, NULL) == 0);
	CHECK_ERR(wasmpack_registry_blob_get(f->r, "open/absent", f->b[0].digest, 0, mem_write,
					     &f->m),
		  WASMPACK_ENOTFOUND);
	CHECK_MSG_HAS("cannot get blob 'sha256:");
	CHECK_MSG_HAS("/open/absent': 404 BLOB_UNKNOWN: blob unknown to registry");
	CHECK_ERR(wasmpack_registry_blob_exists(f->r, "Open/Bad", f->b[0].digest, NULL),
		  WASMPACK_EINVALID);
	CHECK_ERR(wasmpack_registry_blob_exists(f->r, "open/absent", "sha256:abc", NULL),
		  WASMPACK_EINVALID);
}

static void test_registry__mounts_a_blob_from_another_repository(void)
{
	fx *f = fx_kit(&kit_open, AS_ANONYMOUS, NULL);
	if (!f)
		return;
	CHECK_INT(blob_make(&f->b[0], 2048, 5), 0);
	CHECK_INT(blob_make(&f->b[1], 2048, 6), 0);
	CHECK_OK(wasmpack_registry_blob_push(f->r, "open/mount-src", f->b[0].digest, f->b[0].size,
					     f->b[0].fd));
	CHECK(wasmpack_registry_blob_mount(f->r, "open/mount-dst", f->b[0].digest,
					   "open/mount-src") == 1);
	CHECK(wasmpack_registry_blob_exists(f->r, "open/mount-dst", f->b[0].digest, NULL) == 1);
	/* A blob the source does not have: the registry opens an upload
	 * instead, which the client cancels. */
	int dels = f->count.del;
	CHECK(wasmpack_registry_blob_mount(f->r, "open/mount-dst", f->b[1].digest,
					   "open/mount-src") == 0);
	CHECK(f->count.del == dels + 1);
	CHECK(wasmpack_registry_blob_exists(f->r, "open/mount-dst", f->b[1].digest, NULL) == 0);
}

static int push_image(fx *f, const char *repo, const char *tag, char **manifest_out,
		      char digest_out[WASMPACK_DIGEST_MAX])
{
	int error;
	if (!f->b[0].data && (blob_make(&f->b[0], 100, 7) || blob_make(&f->b[1], 3000, 8)))
		return -1;
	if ((error = wasmpack_registry_blob_push(f->r, repo, f->b[0].digest, f->b[0].size,
						 f->b[0].fd)) ||
	    (error = wasmpack_registry_blob_push(f->r, repo, f->b[1].digest, f->b[1].size,
						 f->b[1].fd)))
		return error;
	*manifest_out = manifest_json(&f->b[0], &f->b[1]);
	if (!*manifest_out)
		return -1;
	return wasmpack_registry_manifest_put(digest_out, f->r, repo, tag,
					      WASMPACK_MEDIATYPE_OCI_MANIFEST, *manifest_out,
					      strlen(*manifest_out));
}

static void manifest_checks(fx *f, const char *manifest, const char *digest)
{
	wasmpack_buf got = WASMPACK_BUF_INIT;
	char *mt = NULL;
	char d[WASMPACK_DIGEST_MAX], expect[WASMPACK_DIGEST_MAX];
	wasmpack_descriptor desc;
	CHECK_OK(wasmpack_digest_of(expect, manifest, strlen(manifest)));
	CHECK_STR(digest, expect);

	CHECK_OK(wasmpack_registry_manifest_get(&got, &mt, d, f->r, "open/manifest", "v1"));
	int same = got.size == strlen(manifest) && memcmp(got.data, manifest, got.size) == 0 &&
		   got.data[got.size] == '\0';
	int type_ok = mt && strcmp(mt, WASMPACK_MEDIATYPE_OCI_MANIFEST) == 0;
	int digest_ok = strcmp(d, expect) == 0;
	wasmpack_buf_dispose(&got);
	free(mt);
	CHECK(same && type_ok && digest_ok);

	CHECK_OK(wasmpack_registry_manifest_get(&got, NULL, NULL, f->r, "open/manifest", digest));
	same = got.size == strlen(manifest);
	wasmpack_buf_dispose(&got);
	CHECK(same);

	CHECK_OK(wasmpack_registry_manifest_head(&desc, f->r, "open/manifest", "v1"));
	int head_ok = strcmp(desc.media_type, WASMPACK_MEDIATYPE_OCI_MANIFEST) == 0 &&
		      strcmp(desc.digest, expect) == 0 && desc.size == (int64_t)strlen(manifest);
	wasmpack_descriptor_dispose(&desc);
	CHECK(head_ok);

	CHECK_OK(wasmpack_registry_manifest_delete(f->r, "open/manifest", digest));
	CHECK_ERR(wasmpack_registry_manifest_get(&got, NULL, NULL, f->r, "open/manifest", digest),
		  WASMPACK_ENOTFOUND);
	CHECK_MSG_HAS("cannot get manifest 'sha256:");
	CHECK_ERR(wasmpack_registry_manifest_head(&desc, f->r, "open/manifest", digest),
		  WASMPACK_ENOTFOUND);
	CHECK_ERR(wasmpack_registry_manifest_delete(f->r, "open/manifest", "v1"),
		  WASMPACK_EINVALID);
}
/* Failures inside report the calling test's line. */
#define manifest_checks(...) AT_VOID(manifest_checks(__VA_ARGS__))

static void test_registry__manifest_put_get_head_delete_keep_the_bytes(void)
{
	fx *f = fx_kit(&kit_open, AS_ANONYMOUS, NULL);
	if (!f)
		return;
	char *manifest = NULL;
	char digest[WASMPACK_DIGEST_MAX];
	int error = push_image(f, "open/manifest", "v1", &manifest, digest);
	if (error) {
		free(manifest);
		CHECK_OK(error);
	}
	manifest_checks(f, manifest, digest);
	free(manifest);
}

static void test_registry__manifest_errors_map_to_codes(void)
{
	fx *f = fx_kit(&kit_open, AS_ANONYMOUS, NULL);
	if (!f)
		return;
	wasmpack_buf got = WASMPACK_BUF_INIT;
	char d[WASMPACK_DIGEST_MAX];
	CHECK_ERR(wasmpack_registry_manifest_get(&got, NULL, NULL, f->r, "open/nothing", "v1"),
		  WASMPACK_ENOTFOUND);
	CHECK_MSG_HAS("404 MANIFEST_UNKNOWN");
	/* A manifest naming blobs the registry lacks. */
	CHECK(blob_make(&f->b[0], 10, 9) == 0 && blob_make(&f->b[1], 10, 10) == 0);
	char *m = manifest_json(&f->b[0], &f->b[1]);
	CHECK(m);
	int rc = wasmpack_registry_manifest_put(d, f->r, "open/broken", "v1",
						WASMPACK_MEDIATYPE_OCI_MANIFEST, m, strlen(m));
	free(m);
	CHECK_ERR(rc, WASMPACK_EINVALID);
	CHECK_MSG_HAS("cannot push manifest 'v1' to '");
	CHECK_MSG_HAS("400 MANIFEST_BLOB_UNKNOWN");
}

static void test_registry__lists_tags(void)
{
	fx *f = fx_kit(&kit_open, AS_ANONYMOUS, NULL);
	if (!f)
		return;
	char *manifest = NULL;
	char digest[WASMPACK_DIGEST_MAX];
	wasmpack_strv tags = {0};
	int error = push_image(f, "open/tags", "v1", &manifest, digest);
	for (int i = 2; !error && i <= 3; i++) {
		char tag[8];
		snprintf(tag, sizeof(tag), "v%d", i);
		error = wasmpack_registry_manifest_put(NULL, f->r, "open/tags", tag,
						       WASMPACK_MEDIATYPE_OCI_MANIFEST, manifest,
						       strlen(manifest));
	}
	free(manifest);
	CHECK_OK(error);
	CHECK_OK(wasmpack_registry_tags(&tags, f->r, "open/tags"));
	int ok = tags.count == 3 && strcmp(tags.items[0], "v1") == 0 &&
		 strcmp(tags.items[2], "v3") == 0;
	wasmpack_strv_dispose(&tags);
	CHECK(ok);
	CHECK_ERR(wasmpack_registry_tags(&tags, f->r, "open/no-such-repo"), WASMPACK_ENOTFOUND);
}

typedef struct worker {
	wasmpack_registry *r;
	const char *repo;
	blob b;
	int rc;
} worker;

static void *push_worker(void *arg)
{
	worker *w = arg;
	memsink m = {0};
	w->rc = wasmpack_registry_blob_push(w->r, w->repo, w->b.digest, w->b.size, w->b.fd);
	if (!w->rc)
		w->rc = wasmpack_registry_blob_get(w->r, w->repo, w->b.digest, 0, mem_write, &m);
	if (!w->rc && (m.size != (size_t)w->b.size || memcmp(m.data, w->b.data, m.size) != 0))
		w->rc = -100;
	memsink_free(&m);
	return NULL;
}

/* Four threads push on one client. */
static void check_threads(fx *f)
{
	worker w[4];
	pthread_t t[4];
	int made = 1;
	memset(w, 0, sizeof(w));
	for (int i = 0; i < 4; i++) {
		w[i].r = f->r;
		/* On the token registry, two threads share each token. */
		w[i].repo = f->k == &kit_token ? (i % 2 ? "team/threads-a" : "team/threads-b")
					       : "open/threads";
		w[i].b.fd = -1;
		if (blob_make(&w[i].b, 200000 + (size_t)i, 20 + i) != 0)
			made = 0;
	}
	for (int i = 0; made && i < 4; i++)
		pthread_create(&t[i], NULL, push_worker, &w[i]);
	for (int i = 0; made && i < 4; i++)
		pthread_join(t[i], NULL);
	int ok = made;
	for (int i = 0; i < 4; i++) {
		if (w[i].rc)
			ok = 0;
		blob_free(&w[i].b);
	}
	CHECK(ok);
	CHECK(f->r->pool_count >= 1 && f->r->pool_count <= 4);
}

static void quiet(fx *f) { f->o.log = NULL; }

static void test_registry__works_from_several_threads(void)
{
	fx *f = fx_kit(&kit_open, AS_ANONYMOUS, quiet);
	if (f)
		AT_VOID(check_threads(f));
}

static void test_registry__threads_share_the_token_cache(void)
{
	fx *f = fx_kit(&kit_token, AS_USER, quiet);
	if (f)
		AT_VOID(check_threads(f));
}

/* ======================================================================= */
/* The real registry: htpasswd (Basic)                                     */

static void test_registry__basic_auth_with_right_credentials(void)
{
	fx *f = fx_kit(&kit_htpasswd, AS_USER, NULL);
	if (!f)
		return;
	CHECK_OK(wasmpack_registry_check_login(f->r));
	CHECK_INT(blob_make(&f->b[0], 1000, 11), 0);
	CHECK_OK(wasmpack_registry_blob_push(f->r, "basic/app", f->b[0].digest, f->b[0].size,
					     f->b[0].fd));
	CHECK(wasmpack_registry_blob_exists(f->r, "basic/app", f->b[0].digest, NULL) == 1);
	/* Basic goes up front once the registry asked for it: no 401s. */
	CHECK(f->r->basic == 1);
}

static void test_registry__basic_auth_wrong_password_is_eauth(void)
{
	fx *f = fx_kit(&kit_htpasswd, AS_WRONG_PASSWORD, NULL);
	if (!f)
		return;
	CHECK_INT(blob_make(&f->b[0], 1000, 12), 0);
	CHECK_ERR(wasmpack_registry_blob_exists(f->r, "basic/app", f->b[0].digest, NULL),
		  WASMPACK_EAUTH);
	CHECK_MSG_HAS(f->k->addr);
	CHECK_MSG_HAS("401");
	CHECK_MSG_LACKS("not-the-password");
	CHECK_ERR(wasmpack_registry_blob_push(f->r, "basic/app", f->b[0].digest, f->b[0].size,
					      f->b[0].fd),
		  WASMPACK_EAUTH);
	CHECK_MSG_HAS("cannot push blob 'sha256:");
	CHECK_MSG_HAS("401 UNAUTHORIZED: authentication required");
	CHECK_MSG_HAS("refused by ");
	CHECK_MSG_LACKS("\n");
	CHECK_ERR(wasmpack_registry_check_login(f->r), WASMPACK_EAUTH);
	CHECK_MSG_HAS("cannot log in to ");
	CHECK_MSG_LACKS("not-the-password");
}

static void test_registry__basic_auth_without_credentials_is_eauth(void)
{
	fx *f = fx_kit(&kit_htpasswd, AS_ANONYMOUS, NULL);
	if (!f)
		return;
	wasmpack_strv tags = {0};
	CHECK_ERR(wasmpack_registry_tags(&tags, f->r, "basic/app"), WASMPACK_EAUTH);
	CHECK_MSG_HAS("no credentials for ");
	CHECK_ERR(wasmpack_registry_check_login(f->r), WASMPACK_EAUTH);
	/* Ping only asks whether this is a registry. */
	CHECK_OK(wasmpack_registry_ping(f->r));
}

static void config_creds(fx *f)
{
	char dir[600], path[700], *auth = NULL;
	snprintf(dir, sizeof(dir), "%s/docker-config-basic", harness_tmpdir());
	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/config.json", dir);
	if (wp_auth_basic_encode(&auth, f->k->user, f->k->pass) != 0)
		return;
	char *json = wp_asprintf("{\"auths\":{\"%s\":{\"auth\":\"%s\"}}}", f->k->addr, auth);
	if (json)
		wp_write_file_atomic(path, json, strlen(json), 0600);
	free(json);
	wp_secret_free(auth);
	static char keep[600];
	memcpy(keep, dir, sizeof(keep));
	f->o.config_dir = keep;
}

static void test_registry__reads_credentials_from_docker_config(void)
{
	fx *f = fx_kit(&kit_htpasswd, AS_ANONYMOUS, config_creds);
	if (!f)
		return;
	CHECK_INT(blob_make(&f->b[0], 100, 13), 0);
	CHECK_OK(wasmpack_registry_blob_push(f->r, "basic/from-config", f->b[0].digest,
					     f->b[0].size, f->b[0].fd));
	CHECK_OK(wasmpack_registry_check_login(f->r));
}

/* ======================================================================= */
/* The real registry: token auth, with blob reads redirected              */

static int token_log_has(const kit *k, const char *method, const char *query_part, int want_user)
{
	json_t *log = read_jsonl(k->token_log);
	int found = 0;
	for (size_t i = 0; i < json_array_size(log) && !found; i++) {
		json_t *e = json_array_get(log, i);
		const char *m = json_string_value(json_object_get(e, "method"));
		const char *q = json_string_value(json_object_get(e, "query"));
		const char *gt = json_string_value(json_object_get(e, "grant_type"));
		json_t *user = json_object_get(e, "user");
		if (!m || strcmp(m, method) != 0)
			continue;
		if (query_part && !(q && strstr(q, query_part)) && !(gt && strstr(gt, query_part)))
			continue;
		if (want_user && !(json_is_string(user) && json_string_length(user) > 0))
			continue;
		found = 1;
	}
	json_decref(log);
	return found;
}

static void test_registry__token_auth_with_credentials_pushes(void)
{
	fx *f = fx_kit(&kit_token, AS_USER, NULL);
	if (!f)
		return;
	CHECK_OK(wasmpack_registry_check_login(f->r));
	CHECK_INT(blob_make(&f->b[0], 4000, 14), 0);
	CHECK_OK(wasmpack_registry_blob_push(f->r, "team/app", f->b[0].digest, f->b[0].size,
					     f->b[0].fd));
	CHECK(token_log_has(f->k, "GET", "scope=repository%3Ateam%2Fapp%3Apull%2Cpush", 1));
	CHECK(wasmpack_registry_blob_exists(f->r, "team/app", f->b[0].digest, NULL) == 1);
	CHECK(wp_auth_token_cache_size(f->r->tokens) >= 2);
}

static void plain(fx *f) { f->o.plain_http = 1; }

static void test_registry__counts_token_requests(void)
{
	fx *f = fx_kit(&kit_token, AS_USER, plain);
	if (!f)
		return;
	CHECK_INT(blob_make(&f->b[0], 10, 15), 0);
	/* HEAD (401), the token request, HEAD again. */
	CHECK(wasmpack_registry_blob_exists(f->r, "team/counted", f->b[0].digest, NULL) == 0);
	CHECK_INT(wasmpack_registry_request_count(f->r), 3);
	/* The token is cached. */
	CHECK(wasmpack_registry_blob_exists(f->r, "team/counted", f->b[0].digest, NULL) == 0);
	CHECK_INT(wasmpack_registry_request_count(f->r), 4);
}

static void test_registry__token_auth_refuses_anonymous(void)
{
	fx *f = fx_kit(&kit_token, AS_ANONYMOUS, NULL);
	if (!f)
		return;
	wasmpack_buf got = WASMPACK_BUF_INIT;
	CHECK_INT(blob_make(&f->b[0], 10, 16), 0);
	CHECK_ERR(wasmpack_registry_manifest_get(&got, NULL, NULL, f->r, "team/app", "latest"),
		  WASMPACK_EAUTH);
	CHECK_MSG_HAS("401 UNAUTHORIZED");
	CHECK_MSG_HAS("no credentials for ");
	CHECK_ERR(wasmpack_registry_blob_push(f->r, "public/anon", f->b[0].digest, f->b[0].size,
					      f->b[0].fd),
		  WASMPACK_EAUTH);
	CHECK_ERR(wasmpack_registry_check_login(f->r), WASMPACK_EAUTH);
}

static void test_registry__token_auth_anonymous_pull_of_public(void)
{
	fx *f = fx_kit(&kit_token, AS_ANONYMOUS, NULL);
	if (!f)
		return;
	wasmpack_registry *user = NULL;
	wasmpack_registry_options o = f->o;
	o.username = f->k->user;
	o.password = f->k->pass;
	CHECK_INT(blob_make(&f->b[0], 321, 17), 0);
	CHECK_OK(wasmpack_registry_new(&user, f->k->addr, &o));
	int rc = wasmpack_registry_blob_push(user, "public/shared", f->b[0].digest, f->b[0].size,
					     f->b[0].fd);
	wasmpack_registry_free(user);
	CHECK_OK(rc);
	/* Anonymous pull of a public repository works. */
	CHECK(wasmpack_registry_blob_exists(f->r, "public/shared", f->b[0].digest, NULL) == 1);
	CHECK_OK(wasmpack_registry_blob_get(f->r, "public/shared", f->b[0].digest, 0, mem_write,
					    &f->m));
	CHECK(f->m.size == 321);
}

static void test_registry__token_auth_wrong_password_is_eauth(void)
{
	fx *f = fx_kit(&kit_token, AS_WRONG_PASSWORD, NULL);
	if (!f)
		return;
	CHECK_INT(blob_make(&f->b[0], 10, 18), 0);
	CHECK_ERR(wasmpack_registry_blob_exists(f->r, "team/app", f->b[0].digest, NULL),
		  WASMPACK_EAUTH);
	CHECK_MSG_HAS("cannot get a token for ");
	CHECK_MSG_HAS("incorrect username or password");
	CHECK_MSG_LACKS("not-the-password");
	CHECK_ERR(wasmpack_registry_check_login(f->r), WASMPACK_EAUTH);
	CHECK_MSG_HAS(f->k->addr);
}

static void test_registry__identity_token_uses_oauth2(void)
{
	fx *f = fx_kit(&kit_token, AS_IDENTITY_TOKEN, NULL);
	if (!f)
		return;
	CHECK_INT(blob_make(&f->b[0], 10, 19), 0);
	CHECK_OK(wasmpack_registry_blob_push(f->r, "team/identity", f->b[0].digest, f->b[0].size,
					     f->b[0].fd));
	CHECK(token_log_has(f->k, "POST", "refresh_token", 1));
}

static void test_registry__blob_get_follows_redirect_without_credentials(void)
{
	fx *f = fx_kit(&kit_token, AS_USER, NULL);
	if (!f)
		return;
	CHECK_INT(blob_make(&f->b[0], 70000, 21), 0);
	CHECK_OK(wasmpack_registry_blob_push(f->r, "team/redirected", f->b[0].digest, f->b[0].size,
					     f->b[0].fd));
	CHECK_OK(wasmpack_registry_blob_get(f->r, "team/redirected", f->b[0].digest, 0, mem_write,
					    &f->m));
	CHECK(f->m.size == 70000);
	CHECK_MEM(f->m.data, f->b[0].data, 70000);
	memsink_free(&f->m);
	CHECK_OK(wasmpack_registry_blob_get(f->r, "team/redirected", f->b[0].digest, 50000,
					    mem_write, &f->m));
	CHECK(f->m.size == 20000);
	CHECK_MEM(f->m.data, f->b[0].data + 50000, 20000);

	/* The blob origin served the bytes and never saw a credential. */
	json_t *log = read_jsonl(f->k->redirect_log);
	size_t gets = 0, with_auth = 0;
	for (size_t i = 0; i < json_array_size(log); i++) {
		json_t *e = json_array_get(log, i);
		const char *m = json_string_value(json_object_get(e, "method"));
		if (m && strcmp(m, "GET") == 0)
			gets++;
		if (json_is_string(json_object_get(e, "authorization")))
			with_auth++;
		json_t *h = json_object_get(e, "headers");
		const char *key;
		json_t *v;
		json_object_foreach(h, key, v)
		{
			const char *s = json_string_value(v);
			if (s && (strstr(s, "Bearer") || strstr(s, "Basic")))
				with_auth++;
		}
	}
	json_decref(log);
	CHECK(gets >= 2);
	CHECK_INT(with_auth, 0);
}

/* ======================================================================= */
/* The real registry: TLS                                                  */

static void with_ca(fx *f) { f->o.ca_file = f->k->ca; }

static void test_registry__speaks_tls_with_a_ca_file(void)
{
	fx *f = fx_kit(&kit_tls, AS_ANONYMOUS, with_ca);
	if (!f)
		return;
	CHECK_OK(wasmpack_registry_ping(f->r));
	CHECK(strncmp(f->r->base, "https://", 8) == 0);
	CHECK_INT(blob_make(&f->b[0], 100, 22), 0);
	CHECK_OK(wasmpack_registry_blob_push(f->r, "tls/app", f->b[0].digest, f->b[0].size,
					     f->b[0].fd));
}

static void test_registry__untrusted_tls_is_not_downgraded(void)
{
	fx *f = fx_kit(&kit_tls, AS_ANONYMOUS, no_retries);
	if (!f)
		return;
	/* Not trusted, and plain http is no registry there: the TLS failure
	 * is what the user needs to see. */
	CHECK_ERR(wasmpack_registry_ping(f->r), WASMPACK_ENETWORK);
	CHECK_MSG_HAS("https://");
	CHECK(f->r->base == NULL);
}

/* ======================================================================= */
/* The scripted responder                                                  */

#define S(...) #__VA_ARGS__

static char script_buf[8192];

/* script_buf = fmt with each "@D" replaced by the digest. */
static const char *script_with_digest(const char *fmt, const char *digest)
{
	size_t n = 0;
	for (const char *p = fmt; *p && n + 200 < sizeof(script_buf); p++) {
		if (p[0] == '@' && p[1] == 'D') {
			n += (size_t)snprintf(script_buf + n, sizeof(script_buf) - n, "%s", digest);
			p++;
		} else {
			script_buf[n++] = *p;
		}
	}
	script_buf[n] = '\0';
	return script_buf;
}

/* Blobs for scripted tests are made before the responder starts so
 * their digests can go into scripts. */
static blob scripted_blob;

static void scripted_blob_free(void *b) { blob_free(b); }

/* scripted_blob with size bytes (the responder's bodyBytes), freed after
 * the test; 0, or -1 after failing the test. */
static int scripted_blob_make_(size_t size)
{
	int rc = blob_make(&scripted_blob, size, -1);
	if (harness_defer(scripted_blob_free, &scripted_blob) != 0)
		return -1;
	if (rc != 0) {
		harness_fail(__FILE__, __LINE__, "blob_make", wasmpack_error_last());
		return -1;
	}
	return 0;
}
#define scripted_blob_make(size) AT_INT(scripted_blob_make_(size))

static void chunk_1000(fx *f) { f->o.chunk_size = 1000; }

static void test_registry__patch_answered_201_and_204(void)
{
	const char *script = S([
		{
			'match' : {'method' : 'POST', 'path' : '/v2/a/b/blobs/uploads/'},
			'response' : {'status' : 202, 'headers' : {'Location' : '/upload/1'}}
		},
		{
			'match' : {'method' : 'PATCH', 'path' : '/upload/1'},
			'response' : {
				'status' : 201,
				'headers' : {'Location' : '/upload/2', 'Range' : '0-999'}
			}
		},
		{
			'match' : {'method' : 'PATCH', 'path' : '/upload/2'},
			'response' : {
				'status' : 204,
				'headers' : {'Location' : '{origin}/upload/3', 'Range' : '0-1999'}
			}
		},
		{
			'match' : {'method' : 'PATCH', 'path' : '/upload/3'},
			'response' :
				{'status' : 202, 'headers' : {'Location' : '/upload/4?_state=x'}}
		},
		{'match' : {'method' : 'PUT', 'path' : '/upload/4*'}, 'response' : {'status' : 201}}
	]);
	if (scripted_blob_make(2500) != 0)
		return;
	fx *f = fx_script(script, chunk_1000);
	if (!f)
		return;
	blob *b = &scripted_blob;
	CHECK_OK(wasmpack_registry_blob_push(f->r, "a/b", b->digest, b->size, b->fd));
	CHECK_INT(reqs(f), 5);
	const char *ranges[] = {"0-999", "1000-1999", "2000-2499"};
	const char *paths[] = {"/upload/1", "/upload/2", "/upload/3"};
	for (int i = 0; i < 3; i++) {
		size_t k = (size_t)i + 1;
		CHECK_STR(req_str(f, k, "method"), "PATCH");
		CHECK_STR(req_str(f, k, "path"), paths[i]);
		CHECK_STR(req_header(f, k, "content-range"), ranges[i]);
		CHECK_STR(req_header(f, k, "content-type"), "application/octet-stream");
	}
	CHECK(req_num(f, 3, "bodyLength") == 500);
	char want[200];
	snprintf(want, sizeof(want), "/upload/4?_state=x&digest=%s", b->digest);
	CHECK_STR(req_str(f, 4, "path"), want);
	CHECK(req_num(f, 4, "bodyLength") == 0);
	CHECK_STR(req_header(f, 4, "content-length"), "0");
	CHECK_STR(req_header(f, 0, "content-length"), "0");
}

static void test_registry__patch_416_resumes_from_the_registry_range(void)
{
	const char *script = S([
		{
			'match' : {'method' : 'POST', 'path' : '/v2/a/b/blobs/uploads/'},
			'response' : {'status' : 202, 'headers' : {'Location' : '/u/1'}}
		},
		{
			'match' : {'method' : 'PATCH', 'path' : '/u/1'},
			'response' : {
				'status' : 202,
				'headers' : {'Location' : '/u/2', 'Range' : '0-999'}
			}
		},
		{
			'match' : {'method' : 'PATCH', 'path' : '/u/2'},
			'response' : {
				'status' : 416,
				'json' : {
					'errors' : [ {
						'code' : 'RANGE_INVALID',
						'message' : 'invalid content range'
					} ]
				}
			}
		},
		{
			'match' : {'method' : 'GET', 'path' : '/u/2'},
			'response' : {
				'status' : 204,
				'headers' : {'Location' : '/u/3', 'Range' : '0-1499'}
			}
		},
		{
			'match' : {'method' : 'PATCH', 'path' : '/u/3'},
			'response' : {
				'status' : 202,
				'headers' : {'Location' : '/u/4', 'Range' : '0-2499'}
			}
		},
		{'match' : {'method' : 'PUT', 'path' : '/u/4*'}, 'response' : {'status' : 201}}
	]);
	if (scripted_blob_make(2500) != 0)
		return;
	fx *f = fx_script(script, chunk_1000);
	if (!f)
		return;
	blob *b = &scripted_blob;
	CHECK_OK(wasmpack_registry_blob_push(f->r, "a/b", b->digest, b->size, b->fd));
	reqs(f);
	long get = find_req(f, "GET", "/u/2", 0);
	CHECK_INT(get, 3);
	CHECK_STR(req_str(f, 4, "path"), "/u/3");
	CHECK_STR(req_header(f, 4, "content-range"), "1500-2499");
	CHECK(req_num(f, 4, "bodyLength") == 1000);
	CHECK(count_req(f, "PUT", "/u/4?digest=sha256:") == 1);
}

static void test_registry__honours_oci_chunk_min_length(void)
{
	const char *script = S([
		{
			'match' : {'method' : 'POST'},
			'response' : {
				'status' : 202,
				'headers' : {'Location' : '/u', 'OCI-Chunk-Min-Length' : '2000'}
			}
		},
		{
			'match' : {'method' : 'PATCH', 'path' : '/u'},
			'times' : 0,
			'response' : {'status' : 202, 'headers' : {'Location' : '/u'}}
		},
		{'match' : {'method' : 'PUT', 'path' : '/u*'}, 'response' : {'status' : 201}}
	]);
	if (scripted_blob_make(3000) != 0)
		return;
	fx *f = fx_script(script, chunk_1000);
	if (!f)
		return;
	blob *b = &scripted_blob;
	CHECK_OK(wasmpack_registry_blob_push(f->r, "a/b", b->digest, b->size, b->fd));
	reqs(f);
	CHECK(count_req(f, "PATCH", "/u") == 2);
	CHECK_STR(req_header(f, 1, "content-range"), "0-1999");
	CHECK_STR(req_header(f, 2, "content-range"), "2000-2999");
}

static void test_registry__relative_location_and_monolithic_put(void)
{
	/* A relative-path reference ("session-1") resolves against the POST URL. */
	const char *script = S([
		{
			'match' : {'method' : 'POST', 'path' : '/v2/a/b/blobs/uploads/'},
			'response' : {'status' : 202, 'headers' : {'Location' : 'session-1'}}
		},
		{
			'match' : {'method' : 'PUT', 'path' : '/v2/a/b/blobs/uploads/session-1*'},
			'response' : {'status' : 201, 'headers' : {'Docker-Content-Digest' : '@D'}}
		}
	]);
	if (scripted_blob_make(777) != 0)
		return;
	fx *f = fx_script(script_with_digest(script, scripted_blob.digest), NULL);
	if (!f)
		return;
	blob *b = &scripted_blob;
	char want[200];
	CHECK_OK(wasmpack_registry_blob_push(f->r, "a/b", b->digest, b->size, b->fd));
	CHECK_INT(reqs(f), 2);
	snprintf(want, sizeof(want), "/v2/a/b/blobs/uploads/session-1?digest=%s", b->digest);
	CHECK_STR(req_str(f, 1, "path"), want);
	CHECK_STR(req_header(f, 1, "content-type"), "application/octet-stream");
	CHECK_STR(req_str(f, 1, "bodySha256"), b->digest);
}

static void tls_insecure(fx *f)
{
	f->o.insecure = 1;
	f->o.plain_http = 0;
}

static void test_registry__refuses_an_upload_location_without_tls(void)
{
	const char *script = S([ {
		'match' : {'method' : 'POST'},
		'response' : {'status' : 202, 'headers' : {'Location' : 'http://{host}/upload'}}
	} ]);
	if (scripted_blob_make(10) != 0)
		return;
	fx *f = fx_script(script, tls_insecure);
	if (!f)
		return;
	blob *b = &scripted_blob;
	CHECK_ERR(wasmpack_registry_blob_push(f->r, "a/b", b->digest, b->size, b->fd),
		  WASMPACK_EINVALID);
	CHECK_MSG_HAS("leaves https");
	/* The scheme probe, then the POST; no PUT over plain http. */
	CHECK_INT(reqs(f), 2);
	CHECK_STR(req_str(f, 1, "method"), "POST");
}

static void test_registry__reads_every_challenge(void)
{
	const char *script = S([
		{
			'match' : {
				'method' : 'GET',
				'path' : '/v2/a/b/manifests/v1',
				'headers' : {'authorization' : false}
			},
			'response' : {
				'status' : 401,
				'headers' : {
					'WWW-Authenticate' :
						'Basic realm=\'basic\', Bearer realm=\'{origin}/token\',service=\'svc\',scope=\'repository:a/b:pull\''
				}
			}
		},
		{
			'match' : {'method' : 'GET', 'path' : '/token?service=svc&*'},
			'response' : {'json' : {'token' : 'tok-ab', 'expires_in' : 300}}
		},
		{
			'match' : {
				'method' : 'GET',
				'path' : '/v2/a/b/manifests/v1',
				'headers' : {'authorization' : 'Bearer tok-ab'}
			},
			'response' : {
				'headers' : {
					'Content-Type' :
						'application/vnd.oci.image.manifest.v1+json; charset=utf-8'
				},
				'body' : '{}'
			}
		},
		{
			'match' : {
				'method' : 'GET',
				'path' : '/v2/c/d/manifests/v1',
				'headers' : {'authorization' : false}
			},
			'response' : {
				'status' : 401,
				'headers' : {
					'WWW-Authenticate' : [
						'Basic realm=\'x\'',
						'Bearer realm=\'{origin}/token\',service=\'svc2\',scope=\'repository:c/d:pull\''
					]
				}
			}
		},
		{
			'match' : {'method' : 'GET', 'path' : '/token?service=svc2&*'},
			'response' : {'json' : {'access_token' : 'tok-cd'}}
		},
		{
			'match' : {
				'method' : 'GET',
				'path' : '/v2/c/d/manifests/v1',
				'headers' : {'authorization' : 'Bearer tok-cd'}
			},
			'response' : {
				'headers' : {'Content-Type' : 'application/json'},
				'body' :
					'{\'mediaType\':\'application/vnd.oci.image.index.v1+json\'}'
			}
		}
	]);
	fx *f = fx_script(script, NULL);
	if (!f)
		return;
	wasmpack_buf got = WASMPACK_BUF_INIT;
	char *mt = NULL;
	CHECK_OK(wasmpack_registry_manifest_get(&got, &mt, NULL, f->r, "a/b", "v1"));
	int ok = mt && strcmp(mt, WASMPACK_MEDIATYPE_OCI_MANIFEST) == 0;
	wasmpack_buf_dispose(&got);
	free(mt);
	CHECK(ok);
	/* Several WWW-Authenticate headers, Basic listed first: Bearer wins.
	 * A new client, so that nothing is known yet. */
	wasmpack_registry *r2 = NULL;
	CHECK_OK(wasmpack_registry_new(&r2, f->host, &f->o));
	int rc = wasmpack_registry_manifest_get(&got, NULL, NULL, r2, "c/d", "v1");
	wasmpack_buf_dispose(&got);
	wasmpack_registry_free(r2);
	CHECK_OK(rc);
	reqs(f);
	CHECK(count_req(f, "GET", "/token") == 2);
	long t = find_req(f, "GET", "/token", 0);
	CHECK_STR(req_str(f, (size_t)t, "path"),
		  "/token?service=svc&scope=repository%3Aa%2Fb%3Apull");
	CHECK_STR(req_header(f, (size_t)t + 1, "authorization"), "Bearer tok-ab");
	t = find_req(f, "GET", "/token", 1);
	CHECK_STR(req_str(f, (size_t)t, "path"),
		  "/token?service=svc2&scope=repository%3Ac%2Fd%3Apull");
	CHECK_STR(req_header(f, (size_t)t + 1, "authorization"), "Bearer tok-cd");
	/* An Accept that names all four manifest types. */
	const char *accept = req_header(f, 0, "accept");
	CHECK(accept && strstr(accept, WASMPACK_MEDIATYPE_OCI_MANIFEST) &&
	      strstr(accept, WASMPACK_MEDIATYPE_OCI_INDEX) &&
	      strstr(accept, WASMPACK_MEDIATYPE_DOCKER_MANIFEST) &&
	      strstr(accept, WASMPACK_MEDIATYPE_DOCKER_LIST));
}

static void test_registry__insufficient_scope_merges_and_retries_once(void)
{
	const char *script = S([
		{
			'match' : {'method' : 'POST', 'headers' : {'authorization' : false}},
			'response' : {
				'status' : 401,
				'headers' : {
					'WWW-Authenticate' :
						'Bearer realm=\'{origin}/token\',service=\'svc\',scope=\'repository:a/b:pull,push\''
				}
			}
		},
		{
			'match' : {'method' : 'GET', 'path' : '/token*'},
			'response' : {'json' : {'token' : 'first'}}
		},
		{
			'match' :
				{'method' : 'POST', 'headers' : {'authorization' : 'Bearer first'}},
			'response' : {
				'status' : 401,
				'headers' : {
					'WWW-Authenticate' :
						'Bearer realm=\'{origin}/token\',service=\'svc\',scope=\'repository:e/f:pull\',error=\'insufficient_scope\''
				},
				'json' : {
					'errors' : [ {
						'code' : 'DENIED',
						'message' :
							'requested access to the resource is denied'
					} ]
				}
			}
		},
		{
			'match' : {'method' : 'GET', 'path' : '/token*'},
			'response' : {'json' : {'token' : 'second'}}
		},
		{
			'match' : {
				'method' : 'POST',
				'path' : '/v2/a/b/blobs/uploads/?mount=*',
				'headers' : {'authorization' : 'Bearer second'}
			},
			'response' : {'status' : 201, 'headers' : {'Location' : '/v2/a/b/blobs/x'}}
		}
	]);
	if (scripted_blob_make(10) != 0)
		return;
	fx *f = fx_script(script, NULL);
	if (!f)
		return;
	CHECK(wasmpack_registry_blob_mount(f->r, "a/b", scripted_blob.digest, "c/d") == 1);
	reqs(f);
	CHECK(count_req(f, "GET", "/token") == 2);
	long t = find_req(f, "GET", "/token", 0);
	/* A mount asks for push on the target and pull on the source. */
	CHECK_STR(
		req_str(f, (size_t)t, "path"),
		"/token?service=svc&scope=repository%3Aa%2Fb%3Apull%2Cpush&scope=repository%3Ac%2Fd%3Apull");
	t = find_req(f, "GET", "/token", 1);
	CHECK_STR(
		req_str(f, (size_t)t, "path"),
		"/token?service=svc&scope=repository%3Aa%2Fb%3Apull%2Cpush&scope=repository%3Ac%2Fd%3Apull"
		"&scope=repository%3Ae%2Ff%3Apull");
	long post = find_req(f, "POST", "/v2/a/b/blobs/uploads/", 2);
	CHECK(post >= 0);
	CHECK_STR(req_header(f, (size_t)post, "authorization"), "Bearer second");
	CHECK(count_req(f, "POST", "/v2/") == 3);
}

static void retries_2s(fx *f)
{
	f->o.max_retries = 2;
	f->o.retry_max_ms = 3000;
}

static void test_registry__waits_as_retry_after_says(void)
{
	const char *script = S([
		{
			'match' : {'method' : 'GET'},
			'response' : {'status' : 429, 'headers' : {'Retry-After' : '1'}}
		},
		{
			'match' : {'method' : 'GET'},
			'response' : {'json' : {'name' : 'a/b', 'tags' : ['v1']}}
		}
	]);
	fx *f = fx_script(script, retries_2s);
	if (!f)
		return;
	wasmpack_strv tags = {0};
	long t0 = now_ms();
	CHECK_OK(wasmpack_registry_tags(&tags, f->r, "a/b"));
	long took = now_ms() - t0;
	int ok = tags.count == 1;
	wasmpack_strv_dispose(&tags);
	CHECK(ok);
	CHECK(took >= 900);
	CHECK_INT(reqs(f), 2);
}

static void test_registry__rate_limit_shows_the_limits(void)
{
	const char *script = S([ {
		'match' : {'method' : 'GET'},
		'times' : 0,
		'response' : {
			'status' : 429,
			'headers' : {
				'ratelimit-limit' : '100;w=21600',
				'ratelimit-remaining' : '0;w=21600'
			},
			'json' : {
				'errors' : [ {
					'code' : 'TOOMANYREQUESTS',
					'message' : 'You have reached your pull rate limit.'
				} ]
			}
		}
	} ]);
	fx *f = fx_script(script, NULL);
	if (!f)
		return;
	wasmpack_strv tags = {0};
	CHECK_ERR(wasmpack_registry_tags(&tags, f->r, "a/b"), WASMPACK_ENETWORK);
	CHECK_MSG_HAS("429 TOOMANYREQUESTS: You have reached your pull rate limit.");
	CHECK_MSG_HAS("ratelimit-limit 100;w=21600");
	CHECK_MSG_HAS("ratelimit-remaining 0;w=21600");
}

static void test_registry__manifest_digest_mismatch_is_edigest(void)
{
	const char *script = S([
		{
			'match' : {'path' : '/v2/a/b/manifests/v1'},
			'response' : {
				'headers' : {
					'Content-Type' :
						'application/vnd.oci.image.manifest.v1+json',
					'Docker-Content-Digest' :
						'sha256:1111111111111111111111111111111111111111111111111111111111111111'
				},
				'body' : '{}'
			}
		},
		{
			'match' : {'path' : '/v2/a/b/manifests/sha256:*'},
			'response' : {
				'headers' : {
					'Content-Type' :
						'application/vnd.oci.image.manifest.v1+json'
				},
				'body' : '{}'
			}
		},
		{
			'match' : {'method' : 'HEAD', 'path' : '/v2/a/b/manifests/v2'},
			'response' : {
				'headers' : {
					'Content-Type' : 'application/json',
					'Content-Length' : '19'
				}
			}
		},
		{
			'match' : {'method' : 'GET', 'path' : '/v2/a/b/manifests/v2'},
			'response' : {'body' : '{\'mediaType\':\'x/y\'}'}
		}
	]);
	fx *f = fx_script(script, NULL);
	if (!f)
		return;
	wasmpack_buf got = WASMPACK_BUF_INIT;
	wasmpack_descriptor d;
	char ref[WASMPACK_DIGEST_MAX];
	CHECK_ERR(wasmpack_registry_manifest_get(&got, NULL, NULL, f->r, "a/b", "v1"),
		  WASMPACK_EDIGEST);
	CHECK_MSG_HAS("sha256:1111111111111111111111111111111111111111111111111111111111111111");
	CHECK(got.data == NULL);
	/* Asked by digest, the body must hash to it. */
	CHECK_OK(wasmpack_digest_of(ref, "other", 5));
	CHECK_ERR(wasmpack_registry_manifest_get(&got, NULL, NULL, f->r, "a/b", ref),
		  WASMPACK_EDIGEST);
	/* HEAD without Docker-Content-Digest falls back to a GET. */
	CHECK_OK(wasmpack_registry_manifest_head(&d, f->r, "a/b", "v2"));
	char want[WASMPACK_DIGEST_MAX];
	CHECK_OK(wasmpack_digest_of(want, "{\"mediaType\":\"x/y\"}", 19));
	int ok = strcmp(d.digest, want) == 0 && strcmp(d.media_type, "x/y") == 0 && d.size == 19;
	wasmpack_descriptor_dispose(&d);
	CHECK(ok);
}

static void test_registry__manifest_put_checks_the_registry_digest(void)
{
	const char *script = S([
		{
			'match' : {'method' : 'PUT', 'path' : '/v2/a/b/manifests/v1'},
			'response' : {
				'status' : 201,
				'headers' : {
					'Docker-Content-Digest' :
						'sha256:2222222222222222222222222222222222222222222222222222222222222222'
				}
			}
		},
		{
			'match' : {'method' : 'PUT', 'path' : '/v2/a/b/manifests/v2'},
			'response' : {
				'status' : 400,
				'json' : {
					'errors' : [ {
						'code' : 'MANIFEST_INVALID',
						'message' : 'manifest invalid',
						'detail' : {}
					} ]
				}
			}
		}
	]);
	fx *f = fx_script(script, NULL);
	if (!f)
		return;
	const char *m = "{\"schemaVersion\":2}";
	char d[WASMPACK_DIGEST_MAX];
	CHECK_ERR(wasmpack_registry_manifest_put(d, f->r, "a/b", "v1",
						 WASMPACK_MEDIATYPE_OCI_MANIFEST, m, strlen(m)),
		  WASMPACK_EDIGEST);
	CHECK_ERR(wasmpack_registry_manifest_put(d, f->r, "a/b", "v2",
						 WASMPACK_MEDIATYPE_OCI_MANIFEST, m, strlen(m)),
		  WASMPACK_EINVALID);
	CHECK_MSG_HAS("400 MANIFEST_INVALID: manifest invalid");
	reqs(f);
	CHECK_STR(req_header(f, 0, "content-type"), WASMPACK_MEDIATYPE_OCI_MANIFEST);
	CHECK(req_num(f, 0, "bodyLength") == (long)strlen(m));
}

static void test_registry__follows_tag_pages(void)
{
	const char *script = S([
		{
			'match' : {'path' : '/v2/a/b/tags/list?n=1000'},
			'response' : {
				'headers' :
					{'Link' : '</v2/a/b/tags/list?n=2&last=b>; rel=\'next\''},
				'json' : {'name' : 'a/b', 'tags' : [ 'a', 'b' ]}
			}
		},
		{
			'match' : {'path' : '/v2/a/b/tags/list?n=2&last=b'},
			'response' : {
				'headers' : {
					'Link' : '<{origin}/v2/a/b/tags/list?n=2&last=d>; rel=next'
				},
				'json' : {'name' : 'a/b', 'tags' : [ 'c', 'd' ]}
			}
		},
		{
			'match' : {'path' : '/v2/a/b/tags/list?n=2&last=d'},
			'response' : {'json' : {'name' : 'a/b', 'tags' : ['e']}}
		}
	]);
	fx *f = fx_script(script, NULL);
	if (!f)
		return;
	wasmpack_strv tags = {0};
	CHECK_OK(wasmpack_registry_tags(&tags, f->r, "a/b"));
	int ok = tags.count == 5 && strcmp(tags.items[0], "a") == 0 &&
		 strcmp(tags.items[4], "e") == 0;
	wasmpack_strv_dispose(&tags);
	CHECK(ok);
	CHECK_INT(reqs(f), 3);
	CHECK_STR(req_str(f, 0, "path"), "/v2/a/b/tags/list?n=1000");
}

static void test_registry__tag_pages_that_link_to_each_other_stop_at_once(void)
{
	const char *script = S([
		{
			'match' : {'path' : '/v2/a/b/tags/list?n=1000'},
			'times' : 0,
			'response' : {
				'headers' : {'Link' : '</v2/a/b/tags/list?n=1&last=a>; rel=next'},
				'json' : {'name' : 'a/b', 'tags' : ['a']}
			}
		},
		{
			'match' : {'path' : '/v2/a/b/tags/list?n=1&last=a'},
			'times' : 0,
			'response' : {
				'headers' : {'Link' : '</v2/a/b/tags/list?n=1000>; rel=next'},
				'json' : {'name' : 'a/b', 'tags' : ['b']}
			}
		}
	]);
	fx *f = fx_script(script, NULL);
	if (!f)
		return;
	wasmpack_strv tags = {0};
	CHECK_OK(wasmpack_registry_tags(&tags, f->r, "a/b"));
	int ok = tags.count == 2 && strcmp(tags.items[1], "b") == 0;
	wasmpack_strv_dispose(&tags);
	CHECK(ok);
	CHECK_INT(reqs(f), 2);
}

/* 18 pages of 3.9 MB, each linking to a new one: over the 64 MiB that a
 * tag list may take in all. */
static void test_registry__tag_pages_have_a_total_size_cap(void)
{
	enum { PAGES = 18, PAD = 3900000 };
	size_t cap = (size_t)PAGES * (PAD + 400) + 16;
	char *script = malloc(cap), *pad = malloc(PAD + 1);
	if (!script || !pad) {
		free(script);
		free(pad);
		CHECK(!"out of memory");
		return;
	}
	memset(pad, 'x', PAD);
	pad[PAD] = '\0';
	size_t n = (size_t)snprintf(script, cap, "[");
	for (int i = 0; i < PAGES; i++)
		n += (size_t)snprintf(script + n, cap - n,
				      "%s{\"match\":{\"path\":\"/v2/a/b/tags/list?n=1000%s%.0d\"},"
				      "\"response\":{\"headers\":{\"Link\":"
				      "\"</v2/a/b/tags/list?n=1000&last=%d>; rel=next\"},"
				      "\"json\":{\"name\":\"a/b\",\"tags\":[\"t%d\"],"
				      "\"pad\":\"%s\"}}}",
				      i ? "," : "", i ? "&last=" : "", i, i + 1, i, pad);
	snprintf(script + n, cap - n, "]");
	free(pad);
	fx *f = fx_script(script, NULL);
	free(script);
	if (!f)
		return;
	wasmpack_strv tags = {0};
	CHECK_ERR(wasmpack_registry_tags(&tags, f->r, "a/b"), WASMPACK_ETOOLARGE);
	CHECK_MSG_HAS("MiB of tag pages");
	CHECK(reqs(f) <= PAGES);
}

static void test_registry__mount_answered_202_cancels_the_session(void)
{
	const char *script = S([
		{
			'match' : {'method' : 'POST'},
			'response' : {
				'status' : 202,
				'headers' : {'Location' : '/v2/a/b/blobs/uploads/s1?_state=z'}
			}
		},
		{'match' : {'method' : 'DELETE'}, 'response' : {'status' : 500}}
	]);
	if (scripted_blob_make(10) != 0)
		return;
	fx *f = fx_script(script, NULL);
	if (!f)
		return;
	CHECK(wasmpack_registry_blob_mount(f->r, "a/b", scripted_blob.digest, "c/d") == 0);
	CHECK_INT(reqs(f), 2);
	char want[300];
	snprintf(want, sizeof(want), "/v2/a/b/blobs/uploads/?mount=%s&from=c/d",
		 scripted_blob.digest);
	CHECK_STR(req_str(f, 0, "path"), want);
	CHECK_STR(req_str(f, 1, "method"), "DELETE");
	CHECK_STR(req_str(f, 1, "path"), "/v2/a/b/blobs/uploads/s1?_state=z");
}

static void test_registry__lost_final_put_answer_checks_the_blob(void)
{
	const char *script = S([
		{
			'match' : {'method' : 'POST'},
			'response' : {'status' : 202, 'headers' : {'Location' : '/up'}}
		},
		{
			'match' : {'method' : 'PUT'},
			'response' : {'status' : 201, 'body' : 'xxxxxxxxxxxxxxxx', 'reset' : 0}
		},
		{
			'match' : {'method' : 'HEAD', 'path' : '/v2/a/b/blobs/@D'},
			'response' : {'headers' : {'Content-Length' : '100'}}
		}
	]);
	if (scripted_blob_make(100) != 0)
		return;
	fx *f = fx_script(script_with_digest(script, scripted_blob.digest), NULL);
	if (!f)
		return;
	blob *b = &scripted_blob;
	CHECK_OK(wasmpack_registry_blob_push(f->r, "a/b", b->digest, b->size, b->fd));
	CHECK_INT(reqs(f), 3);
	CHECK_STR(req_str(f, 2, "method"), "HEAD");
	CHECK(count_req(f, "POST", "/") == 1);
}

static void test_registry__failed_patch_starts_a_new_session(void)
{
	const char *script = S([
		{
			'match' : {'method' : 'POST'},
			'response' : {'status' : 202, 'headers' : {'Location' : '/s1'}}
		},
		{
			'match' : {'method' : 'PATCH', 'path' : '/s1'},
			'response' : {'status' : 202, 'headers' : {'Location' : '/s1'}}
		},
		{
			'match' : {'method' : 'PATCH', 'path' : '/s1'},
			'response' : {'status' : 500, 'body' : '<html><body>oops</body></html>'}
		},
		{'match' : {'method' : 'HEAD'}, 'response' : {'status' : 404}}, {
			'match' : {'method' : 'POST'},
			'response' : {'status' : 202, 'headers' : {'Location' : '/s2'}}
		},
		{
			'match' : {'method' : 'PATCH', 'path' : '/s2'},
			'times' : 3,
			'response' : {'status' : 202, 'headers' : {'Location' : '/s2'}}
		},
		{'match' : {'method' : 'PUT', 'path' : '/s2*'}, 'response' : {'status' : 201}}
	]);
	if (scripted_blob_make(2500) != 0)
		return;
	fx *f = fx_script(script, chunk_1000);
	if (!f)
		return;
	blob *b = &scripted_blob;
	CHECK_OK(wasmpack_registry_blob_push(f->r, "a/b", b->digest, b->size, b->fd));
	reqs(f);
	CHECK(count_req(f, "POST", "/") == 2);
	CHECK(count_req(f, "HEAD", "/v2/a/b/blobs/") == 1);
	CHECK(count_req(f, "PATCH", "/s2") == 3);
	CHECK(count_req(f, "PUT", "/s2?digest=") == 1);
}

/* Each failed PUT ends its session; five sessions, then the error. */
static void test_registry__gives_up_after_five_upload_sessions(void)
{
	const char *script = S([
		{
			'match' : {'method' : 'POST'},
			'times' : 0,
			'response' : {'status' : 202, 'headers' : {'Location' : '/s'}}
		},
		{'match' : {'method' : 'PUT'}, 'times' : 0, 'response' : {'status' : 503}},
		{'match' : {'method' : 'HEAD'}, 'times' : 0, 'response' : {'status' : 404}}
	]);
	if (scripted_blob_make(100) != 0)
		return;
	fx *f = fx_script(script, NULL);
	if (!f)
		return;
	blob *b = &scripted_blob;
	CHECK_ERR(wasmpack_registry_blob_push(f->r, "a/b", b->digest, b->size, b->fd),
		  WASMPACK_ENETWORK);
	CHECK_MSG_HAS("(after 5 upload sessions)");
	reqs(f);
	CHECK(count_req(f, "POST", "/") == 5);
	CHECK(count_req(f, "PUT", "/s?digest=") == 5);
	CHECK(count_req(f, "HEAD", "/v2/a/b/blobs/") == 5);
}

static void test_registry__range_ignored_skips_the_head_itself(void)
{
	const char *script = S(
		[ {'match' : {'method' : 'GET'}, 'times' : 0, 'response' : {'bodyBytes' : 1000}} ]);
	if (scripted_blob_make(10) != 0)
		return;
	fx *f = fx_script(script, NULL);
	if (!f)
		return;
	CHECK_OK(wasmpack_registry_blob_get(f->r, "a/b", scripted_blob.digest, 100, mem_write,
					    &f->m));
	CHECK(f->m.size == 900);
	int same = 1;
	for (size_t i = 0; i < f->m.size; i++)
		if (f->m.data[i] != (unsigned char)((i + 100) % 251))
			same = 0;
	CHECK(same);
	reqs(f);
	CHECK_STR(req_header(f, 0, "range"), "bytes=99-99");
}

/* 25100 is 100 * 251: the filler pattern (byte i is i % 251) of the
 * resumed answer lines up with what the first answer would have sent. */

static void test_registry__resumes_a_download_cut_midway(void)
{
	const char *script = S([
		{
			'match' : {'method' : 'GET', 'headers' : {'range' : false}},
			'response' : {'bodyBytes' : 100000, 'reset' : 25100}
		},
		{
			'match' : {'method' : 'GET', 'headers' : {'range' : 'bytes=25099-25099'}},
			'response' : {
				'status' : 206,
				'headers' : {'Content-Range' : 'bytes 25099-25099/100000'},
				'body' : 'x'
			}
		},
		{
			'match' : {'method' : 'GET', 'headers' : {'range' : 'bytes=25100-'}},
			'response' : {
				'status' : 206,
				'headers' : {'Content-Range' : 'bytes 25100-99999/100000'},
				'bodyBytes' : 74900
			}
		}
	]);
	if (scripted_blob_make(10) != 0)
		return;
	fx *f = fx_script(script, NULL);
	if (!f)
		return;
	CHECK_OK(
		wasmpack_registry_blob_get(f->r, "a/b", scripted_blob.digest, 0, mem_write, &f->m));
	CHECK(f->m.size == 100000);
	int same = 1;
	for (size_t i = 0; i < f->m.size; i++)
		if (f->m.data[i] != (unsigned char)(i % 251))
			same = 0;
	CHECK(same);
	reqs(f);
	CHECK_INT(reqs(f), 3);
	CHECK(req_header(f, 0, "range") == NULL);
	CHECK_STR(req_header(f, 1, "range"), "bytes=25099-25099");
	CHECK_STR(req_header(f, 2, "range"), "bytes=25100-");
}

/* Each resume must bring new bytes, and only so many are tried. */

static void test_registry__gives_up_resuming_after_a_few_cuts(void)
{
	const char *script = S([
		{'response' : {'bodyBytes' : 100000, 'reset' : 1000}},
		{'response' : {'status' : 206, 'body' : 'x'}},
		{'response' : {'status' : 206, 'bodyBytes' : 99000, 'reset' : 1000}},
		{'response' : {'status' : 206, 'body' : 'x'}},
		{'response' : {'status' : 206, 'bodyBytes' : 98000, 'reset' : 1000}},
		{'response' : {'status' : 206, 'body' : 'x'}},
		{'response' : {'status' : 206, 'bodyBytes' : 97000, 'reset' : 1000}},
		{'response' : {'status' : 206, 'body' : 'x'}},
		{'response' : {'status' : 206, 'bodyBytes' : 96000, 'reset' : 1000}},
		{'response' : {'status' : 206, 'body' : 'x'}}
	]);
	if (scripted_blob_make(10) != 0)
		return;
	fx *f = fx_script(script, NULL);
	if (!f)
		return;
	CHECK_ERR(
		wasmpack_registry_blob_get(f->r, "a/b", scripted_blob.digest, 0, mem_write, &f->m),
		WASMPACK_ENETWORK);
	CHECK(f->m.size == 1000 * 5);
	CHECK_MSG_HAS("cannot get blob 'sha256:");
	reqs(f);
	CHECK(count_req(f, "GET", "/v2/a/b/blobs/") == 1 + 4 * 2);
}

static void test_registry__error_answers_become_messages(void)
{
	const char *script = S([
		{'match' : {'method' : 'HEAD'}, 'response' : {'status' : 403}}, {
			'match' : {'method' : 'GET'},
			'response' : {
				'status' : 502,
				'headers' : {'Content-Type' : 'text/html'},
				'body' : '<html><head><title>502 Bad Gateway</title></head></html>'
			}
		},
		{
			'match' : {'method' : 'POST'},
			'response' : {
				'status' : 401,
				'json' : {
					'errors' : [ {
						'code' : 'UNAUTHORIZED',
						'message' : 'authentication required',
						'detail' : null
					} ]
				}
			}
		}
	]);
	if (scripted_blob_make(10) != 0)
		return;
	fx *f = fx_script(script, NULL);
	if (!f)
		return;
	wasmpack_buf got = WASMPACK_BUF_INIT;
	CHECK_ERR(wasmpack_registry_blob_exists(f->r, "a/b", scripted_blob.digest, NULL),
		  WASMPACK_EAUTH);
	CHECK_MSG_HAS("403 Forbidden");
	CHECK_ERR(wasmpack_registry_manifest_get(&got, NULL, NULL, f->r, "a/b", "v1"),
		  WASMPACK_ENETWORK);
	CHECK_MSG_HAS("502 Bad Gateway");
	CHECK_MSG_LACKS("<html");
	CHECK_ERR(wasmpack_registry_blob_push(f->r, "a/b", scripted_blob.digest, scripted_blob.size,
					      scripted_blob.fd),
		  WASMPACK_EAUTH);
	char want[300];
	snprintf(want, sizeof(want),
		 "cannot push blob '%s' to '%s/a/b': 401 UNAUTHORIZED: authentication required",
		 scripted_blob.digest, f->host);
	CHECK_MSG_HAS(want);
}

static void user_u(fx *f)
{
	f->o.username = "u";
	f->o.password = "p";
}

static void test_registry__basic_goes_up_front_after_one_challenge(void)
{
	const char *script = S([
		{
			'match' : {'headers' : {'authorization' : false}},
			'response' : {
				'status' : 401,
				'headers' : {'WWW-Authenticate' : 'basic realm=\'Registry Realm\''}
			}
		},
		{
			'match' : {'headers' : {'authorization' : 'Basic dTpw'}},
			'times' : 0,
			'response' : {'json' : {'name' : 'a/b', 'tags' : null}}
		}
	]);
	fx *f = fx_script(script, user_u);
	if (!f)
		return;
	wasmpack_strv tags = {0};
	CHECK_OK(wasmpack_registry_tags(&tags, f->r, "a/b"));
	wasmpack_strv_dispose(&tags);
	CHECK_OK(wasmpack_registry_tags(&tags, f->r, "a/b"));
	wasmpack_strv_dispose(&tags);
	CHECK_INT(reqs(f), 3);
	CHECK(req_header(f, 0, "authorization") == NULL);
	CHECK_STR(req_header(f, 1, "authorization"), "Basic dTpw");
	CHECK_STR(req_header(f, 2, "authorization"), "Basic dTpw");
}

static void identity(fx *f)
{
	f->o.username = "<token>";
	f->o.password = "refresh-me";
}

static void test_registry__identity_token_falls_back_to_get_on_404(void)
{
	const char *script = S([
		{
			'match' : {
				'path' : '/v2/a/b/tags/list*',
				'headers' : {'authorization' : false}
			},
			'response' : {
				'status' : 401,
				'headers' : {
					'WWW-Authenticate' :
						'Bearer realm=\'{origin}/token\',service=\'svc\''
				}
			}
		},
		{'match' : {'method' : 'POST', 'path' : '/token'}, 'response' : {'status' : 404}}, {
			'match' : {'method' : 'GET', 'path' : '/token*'},
			'response' : {'json' : {'token' : 'from-get'}}
		},
		{
			'match' : {'path' : '/v2/a/b/tags/list*'},
			'response' : {'json' : {'name' : 'a/b', 'tags' : []}}
		}
	]);
	fx *f = fx_script(script, identity);
	if (!f)
		return;
	wasmpack_strv tags = {0};
	CHECK_OK(wasmpack_registry_tags(&tags, f->r, "a/b"));
	wasmpack_strv_dispose(&tags);
	reqs(f);
	long post = find_req(f, "POST", "/token", 0);
	CHECK_INT(post, 1);
	CHECK_STR(req_header(f, (size_t)post, "content-type"), "application/x-www-form-urlencoded");
	CHECK(req_header(f, (size_t)post, "authorization") == NULL);
	long get = find_req(f, "GET", "/token", 0);
	CHECK_INT(get, 2);
	/* base64("<token>:refresh-me") */
	CHECK_STR(req_header(f, (size_t)get, "authorization"), "Basic PHRva2VuPjpyZWZyZXNoLW1l");
	CHECK_STR(req_header(f, 3, "authorization"), "Bearer from-get");
}

static void test_registry__refreshes_a_token_before_the_final_put(void)
{
	char issued[64], script[2048];
	time_t t = time(NULL) - 45;
	struct tm tmv;
	gmtime_r(&t, &tmv);
	strftime(issued, sizeof(issued), "%Y-%m-%dT%H:%M:%SZ", &tmv);
	snprintf(
		script, sizeof(script), "%s", S([
			{
				'match' :
					{'headers' : {'authorization' : false}, 'method' : 'POST'},
				'response' : {
					'status' : 401,
					'headers' : {
						'WWW-Authenticate' :
							'Bearer realm=\'{origin}/token\',service=\'svc\''
					}
				}
			},
			{
				'match' : {'method' : 'GET', 'path' : '/token*'},
				'response' : {
					'json' : {
						'token' : 'old',
						'expires_in' : 60,
						'issued_at' : '@T'
					}
				}
			},
			{
				'match' : {'method' : 'GET', 'path' : '/token*'},
				'response' : {'json' : {'token' : 'fresh', 'expires_in' : 60}}
			},
			{
				'match' : {
					'method' : 'POST',
					'headers' : {'authorization' : 'Bearer old'}
				},
				'response' : {'status' : 202, 'headers' : {'Location' : '/up'}}
			},
			{
				'match' : {
					'method' : 'PUT',
					'headers' : {'authorization' : 'Bearer fresh'}
				},
				'response' : {'status' : 201}
			}
		]));
	char *at = strstr(script, "@T");
	if (at) {
		char tail[2048];
		snprintf(tail, sizeof(tail), "%s", at + 2);
		snprintf(at, sizeof(script) - (size_t)(at - script), "%s%s", issued, tail);
	}
	if (scripted_blob_make(10) != 0)
		return;
	fx *f = fx_script(script, NULL);
	if (!f)
		return;
	blob *b = &scripted_blob;
	CHECK_OK(wasmpack_registry_blob_push(f->r, "a/b", b->digest, b->size, b->fd));
	reqs(f);
	/* The first token has 15 s left: enough for the POST, not for the
	 * final PUT, which gets a fresh one. */
	CHECK(count_req(f, "GET", "/token") == 2);
	long put = find_req(f, "PUT", "/up", 0);
	CHECK(put >= 1);
	CHECK_STR(req_str(f, (size_t)put - 1, "method"), "GET");
	CHECK_STR(req_header(f, (size_t)put, "authorization"), "Bearer fresh");
	long post = find_req(f, "POST", "/v2/", 1);
	CHECK_STR(req_header(f, (size_t)post, "authorization"), "Bearer old");
}

static void loopback_default(fx *f) { f->o.plain_http = 0; }

static void test_registry__loopback_without_tls_falls_back_once(void)
{
	const char *script = S([
		{
			'match' : {'path' : '/v2/'},
			'response' : {
				'status' : 401,
				'headers' : {'WWW-Authenticate' : 'Basic realm=\'x\''}
			}
		},
		{
			'match' : {'path' : '/v2/a/b/tags/list*'},
			'times' : 0,
			'response' : {'json' : {'name' : 'a/b', 'tags' : ['x']}}
		}
	]);
	fx *f = fx_script(script, loopback_default);
	if (!f)
		return;
	wasmpack_strv tags = {0};
	CHECK_OK(wasmpack_registry_tags(&tags, f->r, "a/b"));
	wasmpack_strv_dispose(&tags);
	CHECK_OK(wasmpack_registry_tags(&tags, f->r, "a/b"));
	wasmpack_strv_dispose(&tags);
	CHECK(strncmp(f->r->base, "http://", 7) == 0);
	reqs(f);
	/* The TLS attempt never became an HTTP request; one plain probe. */
	CHECK(count_req(f, "GET", "/v2/") == 3);
	CHECK_STR(req_str(f, 0, "path"), "/v2/");
}

static void test_registry__maps_docker_hub_to_its_api_host(void)
{
	wasmpack_registry *r = NULL;
	char *owned = NULL;
	const char *name = NULL;
	CHECK_OK(wasmpack_registry_new(&r, "docker.io", NULL));
	int ok = strcmp(r->host, "registry-1.docker.io") == 0 && !r->loopback;
	/* One-component Hub names live under library/. */
	ok = ok && wp_reg_repository(&owned, &name, r, "alpine") == 0 &&
	     strcmp(name, "library/alpine") == 0;
	free(owned);
	ok = ok && wp_reg_repository(&owned, &name, r, "user/app") == 0 && !owned &&
	     strcmp(name, "user/app") == 0;
	ok = ok && wp_reg_repository(&owned, &name, r, "../x") == WASMPACK_EINVALID;
	wasmpack_registry_free(r);
	CHECK(ok);
	CHECK_OK(wasmpack_registry_new(&r, "[::1]:5000", NULL));
	ok = r->loopback;
	wasmpack_registry_free(r);
	CHECK(ok);
	CHECK_OK(wasmpack_registry_new(&r, "127.8.9.10", NULL));
	ok = r->loopback;
	wasmpack_registry_free(r);
	CHECK(ok);
	CHECK_OK(wasmpack_registry_new(&r, "128.0.0.1:5000", NULL));
	ok = !r->loopback;
	wasmpack_registry_free(r);
	CHECK(ok);
	CHECK_ERR(wasmpack_registry_new(&r, "https://ghcr.io", NULL), WASMPACK_EINVALID);
	CHECK(r == NULL);
	CHECK_INT(wasmpack_registry_request_count(NULL), 0);
	wasmpack_registry_free(NULL);
}

static void test_registry__stops_the_kits(void) { kits_stop_all(); }

const test_case registry_tests[] = {
	TEST_ENTRY(test_registry__maps_docker_hub_to_its_api_host),
	TEST_ENTRY(test_registry__pings_a_loopback_registry_over_http),
	TEST_ENTRY(test_registry__ping_of_nothing_is_a_network_error),
	TEST_ENTRY(test_registry__pushes_a_blob_in_one_put),
	TEST_ENTRY(test_registry__pushes_a_blob_in_chunks),
	TEST_ENTRY(test_registry__reports_upload_progress),
	TEST_ENTRY(test_registry__gets_a_blob_from_an_offset),
	TEST_ENTRY(test_registry__absent_blob_is_not_there),
	TEST_ENTRY(test_registry__mounts_a_blob_from_another_repository),
	TEST_ENTRY(test_registry__manifest_put_get_head_delete_keep_the_bytes),
	TEST_ENTRY(test_registry__manifest_errors_map_to_codes),
	TEST_ENTRY(test_registry__lists_tags),
	TEST_ENTRY(test_registry__works_from_several_threads),
	TEST_ENTRY(test_registry__basic_auth_with_right_credentials),
	TEST_ENTRY(test_registry__basic_auth_wrong_password_is_eauth),
	TEST_ENTRY(test_registry__basic_auth_without_credentials_is_eauth),
	TEST_ENTRY(test_registry__reads_credentials_from_docker_config),
	TEST_ENTRY(test_registry__token_auth_with_credentials_pushes),
	TEST_ENTRY(test_registry__counts_token_requests),
	TEST_ENTRY(test_registry__token_auth_refuses_anonymous),
	TEST_ENTRY(test_registry__token_auth_anonymous_pull_of_public),
	TEST_ENTRY(test_registry__token_auth_wrong_password_is_eauth),
	TEST_ENTRY(test_registry__identity_token_uses_oauth2),
	TEST_ENTRY(test_registry__blob_get_follows_redirect_without_credentials),
	TEST_ENTRY(test_registry__threads_share_the_token_cache),
	TEST_ENTRY(test_registry__speaks_tls_with_a_ca_file),
	TEST_ENTRY(test_registry__untrusted_tls_is_not_downgraded),
	TEST_ENTRY(test_registry__patch_answered_201_and_204),
	TEST_ENTRY(test_registry__patch_416_resumes_from_the_registry_range),
	TEST_ENTRY(test_registry__honours_oci_chunk_min_length),
	TEST_ENTRY(test_registry__relative_location_and_monolithic_put),
	TEST_ENTRY(test_registry__refuses_an_upload_location_without_tls),
	TEST_ENTRY(test_registry__reads_every_challenge),
	TEST_ENTRY(test_registry__insufficient_scope_merges_and_retries_once),
	TEST_ENTRY(test_registry__waits_as_retry_after_says),
	TEST_ENTRY(test_registry__rate_limit_shows_the_limits),
	TEST_ENTRY(test_registry__manifest_digest_mismatch_is_edigest),
	TEST_ENTRY(test_registry__manifest_put_checks_the_registry_digest),
	TEST_ENTRY(test_registry__follows_tag_pages),
	TEST_ENTRY(test_registry__tag_pages_that_link_to_each_other_stop_at_once),
	TEST_ENTRY(test_registry__tag_pages_have_a_total_size_cap),
	TEST_ENTRY(test_registry__mount_answered_202_cancels_the_session),
	TEST_ENTRY(test_registry__lost_final_put_answer_checks_the_blob),
	TEST_ENTRY(test_registry__failed_patch_starts_a_new_session),
	TEST_ENTRY(test_registry__gives_up_after_five_upload_sessions),
	TEST_ENTRY(test_registry__range_ignored_skips_the_head_itself),
	TEST_ENTRY(test_registry__resumes_a_download_cut_midway),
	TEST_ENTRY(test_registry__gives_up_resuming_after_a_few_cuts),
	TEST_ENTRY(test_registry__error_answers_become_messages),
	TEST_ENTRY(test_registry__basic_goes_up_front_after_one_challenge),
	TEST_ENTRY(test_registry__identity_token_falls_back_to_get_on_404),
	TEST_ENTRY(test_registry__refreshes_a_token_before_the_final_put),
	TEST_ENTRY(test_registry__loopback_without_tls_falls_back_once),
	TEST_ENTRY(test_registry__stops_the_kits),
	TEST_END,
};
