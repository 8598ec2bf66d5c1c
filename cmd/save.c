/* wasmpack save and load: images to and from one tar file. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

enum { S_OUTPUT = 1, L_INPUT, L_TAG, L_MAX_SIZE };

static const cli_option save_options[] = {
	{"output", 'o', "FILE", "the archive to write ('-' = stdout)", S_OUTPUT},
	{0},
};

static const cli_option load_options[] = {
	{"input", 'i', "FILE", "the archive to read (default and '-' = stdin)", L_INPUT},
	{"tag", 't', "REF", "name the archive's image (for one image without a full name)", L_TAG},
	{"max-size", 0, "SIZE",
	 "write at most SIZE bytes of blobs (K, M, G, T: powers of 1024; default 4G; 0 = no limit)",
	 L_MAX_SIZE},
	{0},
};

typedef struct archive_args {
	const char *path;
	const char *tag;
	int64_t max_size; /* as wasmpack_load_options: 0 = default, -1 = none */
} archive_args;

/* "123", "64K", "4G": bytes, suffixes in powers of 1024. -1 when not
 * such a size. */
static int64_t parse_size(const char *v)
{
	char *end = NULL;
	if (!v || *v < '0' || *v > '9')
		return -1;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	int shift = 0;
	if (*end) {
		const char *units = "KMGT";
		const char *u = strchr(units, *end & ~0x20);
		if (!u || end[1])
			return -1;
		shift = 10 * (int)(u - units + 1);
	}
	if (errno || n > (unsigned long long)INT64_MAX >> shift)
		return -1;
	return (int64_t)(n << shift);
}

static int on_option(cli_ctx *ctx, int id, const char *v, void *payload)
{
	archive_args *a = payload;
	if (id == S_OUTPUT || id == L_INPUT) {
		a->path = v;
	} else if (id == L_TAG) {
		a->tag = v;
	} else if (id == L_MAX_SIZE) {
		int64_t n = parse_size(v);
		if (n < 0)
			return cli_usage_error(ctx, "--max-size: '%s' is not a size", v);
		a->max_size = n == 0 ? -1 : n;
	} else {
		return EXIT_USAGE;
	}
	return 0;
}

static int run_save(cli_ctx *ctx, int argc, char **argv)
{
	archive_args a = {0};
	wasmpack_store *store = NULL;
	wasmpack_reference **refs = NULL;
	char tmp[4096];
	int first = 0, rc, err, fd = -1, n = 0;

	tmp[0] = '\0';
	if ((rc = cli_parse(ctx, &cmd_save, argc, argv, &first, on_option, &a)))
		return rc;
	if (!a.path)
		return cli_usage_error(ctx, "-o FILE is required ('-o -' writes to stdout)");
	if (argc == first)
		return cli_usage_error(ctx, "expected at least one image reference");
	int to_stdout = strcmp(a.path, "-") == 0;
	if (to_stdout && isatty(STDOUT_FILENO))
		return cli_usage_error(ctx, "refusing to write an archive to a terminal");
	if (!(refs = calloc((size_t)(argc - first), sizeof(*refs))))
		return cli_usage_error(ctx, "out of memory");
	for (int i = first; i < argc; i++, n++) {
		/* An image ID names the image by its digest. */
		if ((rc = cli_image_id(ctx, &refs[n], argv[i])) > 0)
			goto done;
		if (rc < 0 && wasmpack_reference_parse(&refs[n], argv[i]) != 0) {
			rc = cli_usage_error(ctx, "%s", wasmpack_error_last());
			goto done;
		}
		rc = 0;
	}
	/* Saving reads: without a store, nothing named is in it. */
	if ((rc = cli_open_store_ro(ctx, &store)))
		goto done;
	if (!store) {
		rc = cli_fail(ctx, wasmpack_error_set_str(
					   WASMPACK_ENOTFOUND, WASMPACK_REASON_NOT_IN_STORE,
					   "no image is in the store (it is empty)"));
		goto done;
	}
	if (to_stdout) {
		fd = STDOUT_FILENO;
	} else {
		/* Written aside and renamed, so a failed save leaves no archive. */
		if (snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", a.path) >= (int)sizeof(tmp)) {
			tmp[0] = '\0';
			rc = cli_usage_error(ctx, "output path too long");
			goto done;
		}
		if ((fd = cli_mkstemp_mode(tmp, 0666)) < 0) {
			fprintf(stderr, "wasmpack: cannot create '%s': %s\n", tmp, strerror(errno));
			tmp[0] = '\0';
			rc = EXIT_ERROR;
			goto done;
		}
	}
	if ((err = wasmpack_save(store, (const wasmpack_reference *const *)refs, (size_t)n, fd))) {
		rc = cli_fail(ctx, err);
		goto done;
	}
	if (!to_stdout) {
		if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, a.path) != 0) {
			fd = -1;
			fprintf(stderr, "wasmpack: cannot write '%s': %s\n", a.path,
				strerror(errno));
			rc = EXIT_ERROR;
			goto done;
		}
		fd = -1;
		tmp[0] = '\0';
	}
	cli_note(ctx, "saved %d image%s to %s", n, n == 1 ? "" : "s",
		 to_stdout ? "stdout" : a.path);
done:
	if (fd >= 0 && !to_stdout)
		close(fd);
	if (tmp[0])
		unlink(tmp);
	for (int i = 0; i < n; i++)
		wasmpack_reference_free(refs[i]);
	free(refs);
	wasmpack_store_free(store);
	return rc;
}

/* stdin is read once into an unlinked file: loading reads it several
 * times. More than max bytes (when max >= 0) fails with EFBIG: the
 * archive itself is over the limit of what the load would write. */
static int spool_stdin(int *out, int64_t max)
{
	int64_t total = 0;
	const char *dir = getenv("TMPDIR");
	char path[4096];
	snprintf(path, sizeof(path), "%s/wasmpack-load-XXXXXX", dir && *dir ? dir : "/tmp");
	int fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return -1;
	unlink(path);
	char buf[65536];
	for (;;) {
		ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		total += n;
		if (max >= 0 && total > max) {
			close(fd);
			errno = EFBIG;
			return -1;
		}
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(fd, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				close(fd);
				return -1;
			}
			off += w;
		}
	}
	*out = fd;
	return 0;
}

static int run_load(cli_ctx *ctx, int argc, char **argv)
{
	archive_args a = {0};
	wasmpack_store *store = NULL;
	wasmpack_reference *name = NULL;
	wasmpack_load_options opts = WASMPACK_LOAD_OPTIONS_INIT;
	wasmpack_store_image *images = NULL;
	size_t count = 0;
	int first = 0, rc, err, fd = -1;

	if ((rc = cli_parse(ctx, &cmd_load, argc, argv, &first, on_option, &a)))
		return rc;
	if (argc != first)
		return cli_usage_error(ctx,
				       "unexpected argument '%s' (the archive is given with -i)",
				       argv[first]);
	if (a.tag) {
		if (wasmpack_reference_parse(&name, a.tag) != 0)
			return cli_usage_error(ctx, "%s", wasmpack_error_last());
		opts.name = name;
	}
	opts.max_size = a.max_size;
	if (!a.path || strcmp(a.path, "-") == 0) {
		if (isatty(STDIN_FILENO)) {
			rc = cli_usage_error(ctx, "give the archive with -i FILE, or on stdin");
			goto done;
		}
		int64_t max = a.max_size == 0 ? WASMPACK_LOAD_MAX_SIZE_DEFAULT : a.max_size;
		if (spool_stdin(&fd, max) != 0) {
			if (errno == EFBIG)
				fprintf(stderr,
					"wasmpack: cannot load: the archive on stdin is larger than "
					"%lld bytes (--max-size)\n",
					(long long)max);
			else
				fprintf(stderr, "wasmpack: cannot read stdin: %s\n",
					strerror(errno));
			rc = EXIT_ERROR;
			goto done;
		}
	} else if ((fd = open(a.path, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "wasmpack: cannot open '%s': %s\n", a.path, strerror(errno));
		rc = errno == ENOENT ? EXIT_NOTFOUND : EXIT_ERROR;
		goto done;
	}
	if ((rc = cli_open_store(ctx, &store)))
		goto done;
	if ((err = wasmpack_load(&images, &count, store, fd, &opts))) {
		rc = cli_fail(ctx, err);
		goto done;
	}
	if (ctx->json) {
		json_t *arr = json_array();
		for (size_t i = 0; arr && i < count; i++)
			json_array_append_new(
				arr, json_pack("{s:s, s:s, s:s, s:I}", "name", images[i].name,
					       "digest", images[i].descriptor.digest, "mediaType",
					       images[i].descriptor.media_type, "size",
					       (json_int_t)images[i].descriptor.size));
		/* One object, as every command prints, so keys can be added. */
		rc = cli_print_json(arr ? json_pack("{s:o}", "images", arr) : NULL);
		goto done;
	}
	for (size_t i = 0; i < count; i++)
		printf("%s %s\n", cli_safe(images[i].name), cli_safe(images[i].descriptor.digest));
	cli_note(ctx, "loaded %zu image%s", count, count == 1 ? "" : "s");
done:
	if (fd >= 0)
		close(fd);
	wasmpack_store_images_free(images, count);
	wasmpack_reference_free(name);
	wasmpack_store_free(store);
	return rc;
}

const cli_command cmd_save = {
	"save",
	run_save,
	"-o FILE.tar REF...",
	"Write stored images to one tar archive. It is an OCI image layout that also\n"
	"carries Docker's manifest.json, so skopeo, docker load and podman load read it.",
	save_options,
};

const cli_command cmd_load = {
	"load",
	run_load,
	"[-i FILE.tar] [-t REF]",
	"Load the images of a tar archive into the store, verifying every digest.\n"
	"Takes wasmpack save, docker save, skopeo oci-archive: and docker-archive:\n"
	"archives. Prints each name and digest.",
	load_options,
};
