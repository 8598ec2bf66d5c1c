/* An embedder's program: builds an image through the installed library's
 * public API alone, tags it and reads it back; given a registry reference,
 * also pushes it there, pulls it into a second store and checks that the
 * module that comes back is the one that went in, after a pull that
 * denies what the module reaches was refused.
 * usage: embed STORE MODULE.wasm REF [REMOTE_REF PULL_STORE] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wasmpack/wasmpack.h>

static int fail(const char *what)
{
	fprintf(stderr, "embed: %s: %s\n", what, wasmpack_error_last());
	return 1;
}

/* Progress arrives from the library's worker threads, one call at a time. */
typedef struct progress_count {
	int finished; /* blobs that reached a final state */
} progress_count;

static void on_progress(const wasmpack_progress *p, void *payload)
{
	progress_count *c = payload;
	if (p->state == WASMPACK_PROGRESS_EXISTS || p->state == WASMPACK_PROGRESS_MOUNTED ||
	    p->state == WASMPACK_PROGRESS_UPLOADED || p->state == WASMPACK_PROGRESS_VERIFIED)
		c->finished++;
}

/* Collects a module into memory. */
typedef struct mem {
	unsigned char *data;
	size_t size;
} mem;

static int mem_write(const void *data, size_t len, void *payload)
{
	mem *m = payload;
	unsigned char *g = realloc(m->data, m->size + len);
	if (!g)
		return WASMPACK_ENOMEM;
	memcpy(g + m->size, data, len);
	m->data = g;
	m->size += len;
	return 0;
}

static int read_file(mem *out, const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char chunk[65536];
	size_t n;
	if (!f)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (mem_write(chunk, n, out) != 0)
			break;
	fclose(f);
	return 0;
}

/* Pulls `remote` denying every capability the module reaches: the library
 * must refuse with WASMPACK_EPOLICY and leave the name unset. */
static int refused_pull(wasmpack_store *store, const wasmpack_reference *remote,
			const char *module_path)
{
	wasmpack_wasm *w = NULL;
	wasmpack_transfer_options opts;
	wasmpack_transfer_result r = {0};
	wasmpack_descriptor d = {0};
	int rc = 1, err;

	if (wasmpack_transfer_options_init(&opts, WASMPACK_TRANSFER_OPTIONS_VERSION) != 0 ||
	    wasmpack_wasm_parse_file(&w, module_path) != 0)
		return fail("read the module's capabilities");
	if (!w->capabilities) {
		wasmpack_wasm_free(w);
		return 0; /* reaches nothing: nothing to deny */
	}
	opts.deny = w->capabilities;
	err = wasmpack_pull(&r, store, remote, &opts);
	if (err != WASMPACK_EPOLICY ||
	    wasmpack_error_last_info()->reason != WASMPACK_REASON_POLICY) {
		fprintf(stderr, "embed: a pull denying what the module reaches returned %d (%s)\n",
			err, wasmpack_error_last());
	} else if (wasmpack_store_resolve(&d, store, remote) != WASMPACK_ENOTFOUND) {
		fprintf(stderr, "embed: the refused image was tagged\n");
	} else {
		printf("refused: %s\n", wasmpack_error_last());
		rc = 0;
	}
	wasmpack_descriptor_dispose(&d);
	wasmpack_transfer_result_dispose(&r);
	wasmpack_wasm_free(w);
	return rc;
}

/* Push to `remote`, pull into a second store, compare the module. */
static int round_trip(wasmpack_store *store, const wasmpack_reference *ref, const char *remote_text,
		      const char *pull_store, const char *module_path)
{
	wasmpack_reference *remote = NULL;
	wasmpack_store *store2 = NULL;
	wasmpack_transfer_result pushed = {0}, pulled = {0};
	wasmpack_transfer_options opts = WASMPACK_TRANSFER_OPTIONS_INIT;
	progress_count count = {0};
	mem got = {NULL, 0}, want = {NULL, 0};
	int rc = 1;

	opts.progress = on_progress;
	opts.progress_payload = &count;
	if (wasmpack_reference_parse(&remote, remote_text) != 0) {
		rc = fail("parse remote reference");
		goto done;
	}
	if (wasmpack_push(&pushed, store, ref, remote, &opts) != 0) {
		rc = fail("push");
		goto done;
	}
	printf("pushed %s (%zu blobs sent)\n", pushed.manifest.digest, pushed.blobs_moved);
	if (wasmpack_store_open(&store2, pull_store) != 0) {
		rc = fail("open the second store");
		goto done;
	}
	/* Policy: a pull that denies what the module reaches is refused
	 * before the image is named in the store. */
	if ((rc = refused_pull(store2, remote, module_path)) != 0)
		goto done;
	rc = 1;
	if (wasmpack_pull(&pulled, store2, remote, &opts) != 0) {
		rc = fail("pull");
		goto done;
	}
	printf("pulled %s (%zu blobs fetched)\n", pulled.manifest.digest, pulled.blobs_moved);
	if (wasmpack_image_module(store2, &pulled.manifest, mem_write, &got) != 0) {
		rc = fail("read the pulled module");
		goto done;
	}
	if (read_file(&want, module_path) != 0 || got.size != want.size ||
	    memcmp(got.data, want.data, got.size) != 0) {
		fprintf(stderr, "embed: the pulled module differs from %s\n", module_path);
		goto done;
	}
	if (strcmp(pushed.manifest.digest, pulled.manifest.digest) != 0 || count.finished < 4) {
		fprintf(stderr, "embed: digests differ or progress missing (%d blobs reported)\n",
			count.finished);
		goto done;
	}
	printf("module %zu bytes, the same as %s\n", got.size, module_path);
	rc = 0;
done:
	free(got.data);
	free(want.data);
	wasmpack_transfer_result_dispose(&pushed);
	wasmpack_transfer_result_dispose(&pulled);
	wasmpack_store_free(store2);
	wasmpack_reference_free(remote);
	return rc;
}

int main(int argc, char **argv)
{
	wasmpack_store *store = NULL;
	wasmpack_reference *ref = NULL;
	wasmpack_build_result result = {0};
	wasmpack_build_options opts = WASMPACK_BUILD_OPTIONS_INIT;
	wasmpack_descriptor found = {0};
	int rc = 1;

	if (argc != 4 && argc != 6) {
		fprintf(stderr, "usage: embed STORE MODULE.wasm REF [REMOTE_REF PULL_STORE]\n");
		return 2;
	}
	/* The headers and the library must be the same release. */
	if (strcmp(wasmpack_version(), WASMPACK_VERSION) != 0) {
		fprintf(stderr, "embed: built against %s, running with %s\n", WASMPACK_VERSION,
			wasmpack_version());
		return 1;
	}
	if (wasmpack_store_open(&store, argv[1]) != 0) {
		rc = fail("open store");
		goto done;
	}
	if (wasmpack_reference_parse(&ref, argv[3]) != 0) {
		rc = fail("parse reference");
		goto done;
	}
	if (wasmpack_image_build(&result, store, argv[2], &opts) != 0) {
		rc = fail("build");
		goto done;
	}
	if (wasmpack_store_tag(store, ref, &result.manifest) != 0 ||
	    wasmpack_store_resolve(&found, store, ref) != 0) {
		rc = fail("tag");
		goto done;
	}
	printf("%s %s\n", wasmpack_version(), found.digest);
	rc = argc == 6 ? round_trip(store, ref, argv[4], argv[5], argv[2]) : 0;
done:
	wasmpack_descriptor_dispose(&found);
	wasmpack_build_result_dispose(&result);
	wasmpack_reference_free(ref);
	wasmpack_store_free(store);
	return rc;
}
