/* wasmpack push and pull: move images between the store and a registry. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image_info.h"
#include "progress.h"
#include "remote.h"

enum { P_PLATFORM = 1, P_OUTPUT, P_DENY, P_ALLOW };

static const cli_option push_options[] = {REMOTE_OPTIONS, {0}};

static const cli_option pull_options[] = {
	{"platform", 0, "OS/ARCH", "platform to pick from an index (default: the first wasi entry)",
	 P_PLATFORM},
	{"output", 'o', "FILE", "also write the image's wasm module to FILE", P_OUTPUT},
	{"deny", 0, "CAPS",
	 "refuse (exit 6, store unchanged) a module importing any of CAPS, as build --deny",
	 P_DENY},
	{"allow", 0, "CAPS",
	 "refuse (exit 6, store unchanged) a module importing anything but CAPS (or 'none'), as build --allow",
	 P_ALLOW},
	REMOTE_OPTIONS,
	{0},
};

typedef struct remote_args {
	wasmpack_transfer_options opts;
	const char *output;
	char os[64], arch[64];
} remote_args;

static int on_option(cli_ctx *ctx, int id, const char *v, void *payload)
{
	remote_args *a = payload;
	if (remote_option(ctx, &a->opts.registry, id, v) == 0)
		return 0;
	if (id == P_OUTPUT) {
		a->output = v;
		return 0;
	}
	if (id == P_DENY)
		return cli_parse_caps(ctx, v, &a->opts.deny);
	if (id == P_ALLOW)
		return cli_parse_allow(ctx, v, &a->opts.allow);
	if (id == P_PLATFORM) {
		const char *slash = strchr(v, '/');
		if (!slash || slash == v || !slash[1] || (size_t)(slash - v) >= sizeof(a->os) ||
		    strlen(slash + 1) >= sizeof(a->arch) || strchr(slash + 1, '/'))
			return cli_usage_error(ctx, "platform '%s' must be OS/ARCH", v);
		snprintf(a->os, sizeof(a->os), "%.*s", (int)(slash - v), v);
		snprintf(a->arch, sizeof(a->arch), "%s", slash + 1);
		a->opts.os = a->os;
		a->opts.architecture = a->arch;
		return 0;
	}
	return EXIT_USAGE;
}

static void args_init(const cli_ctx *ctx, remote_args *a)
{
	memset(a, 0, sizeof(*a));
	a->opts.version = WASMPACK_TRANSFER_OPTIONS_VERSION;
	a->opts.registry.version = WASMPACK_REGISTRY_OPTIONS_VERSION;
	a->opts.progress = remote_progress;
	a->opts.progress_payload = (void *)ctx;
}

/* The --json object of push and pull (README, "Machine-readable output"). */
static int print_result(const cli_ctx *ctx, wasmpack_store *store,
			const wasmpack_transfer_result *r, const char *name, const char *module)
{
	if (!ctx->json) {
		printf("%s\n", r->manifest.digest);
		return EXIT_OK;
	}
	char platform[128] = "-";
	image_info info;
	if (image_info_load(&info, store, &r->manifest) == 0) {
		image_info_platform(platform, sizeof(platform), &info);
		image_info_dispose(&info);
	}
	json_t *o = json_pack("{s:s, s:[s], s:s, s:I, s:s, s:s, s:I, s:I, s:I, s:I}", "reference",
			      name, "references", name, "digest", r->manifest.digest, "size",
			      (json_int_t)r->manifest.size, "mediaType", r->manifest.media_type,
			      "platform", platform, "blobsMoved", (json_int_t)r->blobs_moved,
			      "blobsSkipped", (json_int_t)r->blobs_skipped, "bytesMoved",
			      (json_int_t)r->bytes_moved, "requests", (json_int_t)r->requests);
	if (o && module)
		json_object_set_new(o, "module", json_string(module));
	return cli_print_json(o);
}

static int run_push(cli_ctx *ctx, int argc, char **argv)
{
	remote_args a;
	wasmpack_store *store = NULL;
	wasmpack_reference *src = NULL, *dst = NULL;
	wasmpack_transfer_result r = {0};
	char *name = NULL;
	int first = 0, rc, err;

	args_init(ctx, &a);
	if ((rc = cli_parse(ctx, &cmd_push, argc, argv, &first, on_option, &a)))
		return rc;
	remote_defaults(ctx, &a.opts.registry);
	if (argc - first < 1 || argc - first > 2)
		return cli_usage_error(ctx, "expected SRC [DST]");
	/* SRC may be an image ID; then DST is needed. */
	if ((rc = cli_image_id(ctx, &src, argv[first])) < 0)
		rc = remote_parse_ref(ctx, &src, argv[first]);
	else if (!rc && argc - first == 1)
		rc = cli_usage_error(ctx, "pushing an image ID needs a DST reference");
	if (rc || (rc = argc - first == 2 ? remote_parse_dest(ctx, &dst, argv[first + 1], src)
					  : remote_parse_ref(ctx, &dst, argv[first])))
		goto done;
	snprintf(ctx->registry, sizeof(ctx->registry), "%s", dst->registry);
	if ((rc = cli_open_store(ctx, &store)))
		goto done;
	if ((err = wasmpack_push(&r, store, src, dst, &a.opts)) ||
	    (err = wasmpack_reference_format(&name, dst))) {
		rc = cli_fail(ctx, err);
		goto done;
	}
	if (r.blobs_moved == 0)
		cli_note(ctx, "pushed %s: already up to date", name);
	else
		cli_note(ctx, "pushed %s (%zu blob%s sent, %zu already there)", name, r.blobs_moved,
			 r.blobs_moved == 1 ? "" : "s", r.blobs_skipped);
	rc = print_result(ctx, store, &r, name, NULL);
done:
	free(name);
	wasmpack_transfer_result_dispose(&r);
	wasmpack_reference_free(src);
	wasmpack_reference_free(dst);
	wasmpack_store_free(store);
	return rc;
}

/* Writes the module to path through a temporary file and a rename, so a
 * failed pull never leaves half a module behind. */
typedef struct file_sink {
	int fd;
	const char *path;
} file_sink;

static int file_write(const void *data, size_t len, void *payload)
{
	file_sink *f = payload;
	const unsigned char *p = data;
	while (len) {
		ssize_t n = write(f->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cli_os_error("write", f->path);
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* -o's path, checked before anything is downloaded: its directory exists
 * and takes new files, and the path itself is not a directory. The
 * messages name the path as given. */
static int check_output(const cli_ctx *ctx, const char *path)
{
	char dir[4096], msg[4400];
	struct stat st;
	size_t len = strlen(path);
	const char *slash = strrchr(path, '/');
	wasmpack_error_reason why = WASMPACK_REASON_NONE;
	if (len == 0 || len >= sizeof(dir) - 8)
		return cli_usage_error(ctx, "-o needs a file name shorter than %zu bytes",
				       sizeof(dir) - 8);
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (path[len - 1] == '/' || (stat(path, &st) == 0 && S_ISDIR(st.st_mode))) {
		why = WASMPACK_REASON_NOT_A_FILE;
		snprintf(msg, sizeof(msg), "cannot write the module to '%s': it is a directory",
			 path);
	} else if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		why = WASMPACK_REASON_FILE_NOT_FOUND;
		snprintf(msg, sizeof(msg), "cannot write the module to '%s': no directory '%s'",
			 path, dir);
	} else if (access(dir, W_OK | X_OK) != 0) {
		why = WASMPACK_REASON_PERMISSION;
		snprintf(msg, sizeof(msg), "cannot write the module to '%s': %s", path,
			 strerror(errno));
	}
	if (why == WASMPACK_REASON_NONE)
		return 0;
	int code = WASMPACK_EIO;
	if (why == WASMPACK_REASON_FILE_NOT_FOUND)
		code = WASMPACK_ENOTFOUND;
	else if (why == WASMPACK_REASON_NOT_A_FILE)
		code = WASMPACK_EINVALID;
	return cli_fail(ctx, wasmpack_error_set_str(code, why, msg));
}

static int write_module(const cli_ctx *ctx, wasmpack_store *store, const wasmpack_descriptor *m,
			const char *path)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path) >= (int)sizeof(tmp))
		return cli_usage_error(ctx, "output path too long");
	file_sink f = {cli_mkstemp_mode(tmp, 0777), path};
	/* The temporary name is ours, not the user's: errors name the path. */
	if (f.fd < 0)
		return cli_fail(ctx, cli_os_error("write", path));
	int err = wasmpack_image_module(store, m, file_write, &f);
	if (!err && fsync(f.fd) != 0)
		err = cli_os_error("write", path);
	if (close(f.fd) != 0 && !err)
		err = cli_os_error("write", path);
	if (!err && rename(tmp, path) != 0)
		err = cli_os_error("write", path);
	if (err) {
		unlink(tmp);
		return cli_fail(ctx, err);
	}
	cli_note(ctx, "wrote the module to %s", path);
	return 0;
}

static int run_pull(cli_ctx *ctx, int argc, char **argv)
{
	remote_args a;
	wasmpack_store *store = NULL;
	wasmpack_reference *ref = NULL;
	wasmpack_transfer_result r = {0};
	char *name = NULL;
	int first = 0, rc, err;

	args_init(ctx, &a);
	if ((rc = cli_parse(ctx, &cmd_pull, argc, argv, &first, on_option, &a)))
		return rc;
	remote_defaults(ctx, &a.opts.registry);
	if (argc - first != 1)
		return cli_usage_error(ctx, "expected one image reference");
	if ((rc = remote_parse_ref(ctx, &ref, argv[first])) ||
	    (a.output && (rc = check_output(ctx, a.output))))
		goto done;
	snprintf(ctx->registry, sizeof(ctx->registry), "%s", ref->registry);
	if ((rc = cli_open_store(ctx, &store)))
		goto done;
	if ((err = wasmpack_pull(&r, store, ref, &a.opts)) ||
	    (err = wasmpack_reference_format(&name, ref))) {
		rc = cli_fail(ctx, err);
		if (err == WASMPACK_EPOLICY) {
			/* The library tagged nothing; the blobs it fetched are
			 * unreferenced, and gc sweeps them unless another
			 * process is using the store. */
			wasmpack_store_gc(NULL, store);
			cli_note(ctx, "the store is left as it was");
		}
		goto done;
	}
	if (r.note)
		cli_note(ctx, "%s", r.note);
	if (a.output && (rc = write_module(ctx, store, &r.manifest, a.output)))
		goto done;
	cli_note(ctx, "pulled %s", name);
	rc = print_result(ctx, store, &r, name, a.output);
done:
	free(name);
	wasmpack_transfer_result_dispose(&r);
	wasmpack_reference_free(ref);
	wasmpack_store_free(store);
	return rc;
}

const cli_command cmd_push = {
	"push",
	run_push,
	"[OPTIONS] SRC [DST]",
	"Push a stored image to a registry (to DST when given; a DST that is only a\n"
	"registry, such as localhost:5000, keeps SRC's repository and tag). Sends\n"
	"only the blobs the registry lacks. Prints the manifest digest as the last\n"
	"line of stdout.",
	push_options,
};

const cli_command cmd_pull = {
	"pull",
	run_pull,
	"[OPTIONS] REF",
	"Pull an image into the store, verifying every blob. -o also writes its\n"
	"module to a file; --deny refuses (exit 6) a module that imports what is\n"
	"denied, --allow one that imports anything else, and either leaves the\n"
	"store as it was. Prints the manifest digest as the last line of stdout.",
	pull_options,
};
