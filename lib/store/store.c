/* The local OCI image layout: verified blob writes, index.json updates
 * under a lock, tags, and garbage collection of unreferenced blobs.
 *
 * Locks live in DIR/.wasmpack/: index.lock (exclusive while index.json is
 * rewritten) and gc.lock (shared by every handle that writes blobs or
 * counts on one being there, taken exclusively by gc, so gc never deletes
 * a blob a running build or pull has written, or found present, but not
 * yet tagged). */
#include "wasmpack/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/error.h"
#include "util/fs.h"

#define LAYOUT_FILE "{\"imageLayoutVersion\":\"1.0.0\"}"
#define EMPTY_INDEX \
	"{\"manifests\":[],\"mediaType\":\"" WASMPACK_MEDIATYPE_OCI_INDEX "\",\"schemaVersion\":2}"
#define BLOB_CHUNK (256 * 1024)

struct wasmpack_store {
	char *path;
	int gc_fd;      /* gc.lock, held shared once this handle writes blobs */
	size_t writers; /* open blob writers of this handle */
};

struct wasmpack_blob_writer {
	wasmpack_store *store;
	char *tmp_path;
	int fd;
	wasmpack_sha256 *hash;
	int64_t size;
	int committed;
};

static char *store_file(const wasmpack_store *s, const char *rel)
{
	return wp_asprintf("%s/%s", s->path, rel);
}

static char *blob_file(const wasmpack_store *s, const char *digest)
{
	const char *hex = wasmpack_digest_hex(digest);
	if (!hex || strncmp(digest, "sha256:", 7) != 0) {
		wp_error(WASMPACK_EINVALID, "invalid blob digest '%s'", digest ? digest : "");
		return NULL;
	}
	return wp_asprintf("%s/blobs/sha256/%s", s->path, hex);
}

/* Creates path with `content` unless it exists. The file is written
 * aside (in .wasmpack/, out of the layout's sight) and then linked into
 * place, which fails when path exists: a rename would replace an
 * index.json that a racing process created and tagged an image in since
 * our stat, losing its tag. */
static int ensure_file(const wasmpack_store *s, const char *path, const char *content)
{
	struct stat st;
	char *tmp = NULL;
	int fd = -1, error = 0;
	if (stat(path, &st) == 0)
		return 0;
	if (errno != ENOENT)
		return wp_error_os("stat", path);
	if (!(tmp = wp_asprintf("%s/.wasmpack/init-XXXXXX", s->path)))
		return WASMPACK_ENOMEM;
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		error = wp_error_os("create", tmp);
		goto done;
	}
	if (fchmod(fd, 0644) != 0 || wp_write_all(fd, content, strlen(content)) != 0 ||
	    fsync(fd) != 0) {
		error = wp_error_os("write", tmp);
		goto done;
	}
	if (link(tmp, path) != 0 && errno != EEXIST) {
		/* A filesystem without hard links: a rename, as before. */
		int no_links = errno == EPERM || errno == EOPNOTSUPP || errno == ENOSYS;
		if (!no_links || rename(tmp, path) != 0)
			error = wp_error_os("create", path);
	}
done:
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	free(tmp);
	return error;
}

static int check_layout(const char *path)
{
	wasmpack_buf b = WASMPACK_BUF_INIT;
	int error = wp_read_file(&b, path, 4096);
	if (error)
		return error;
	if (!strstr((const char *)b.data, "\"imageLayoutVersion\"") ||
	    !strstr((const char *)b.data, "\"1.0.0\""))
		error = wp_error(WASMPACK_EINVALID,
				 "'%s' is not an OCI image layout of version 1.0.0", path);
	wasmpack_buf_dispose(&b);
	return error;
}

int wasmpack_store_open(wasmpack_store **out, const char *path)
{
	wasmpack_store *s = NULL;
	char *p = NULL;
	int error = 0;

	if (!out || !path || !*path)
		return wp_error_arg("cannot open store: no path");
	s = calloc(1, sizeof(*s));
	if (!s)
		return wp_error_nomem();
	s->gc_fd = -1;
	if (!(s->path = wp_strdup(path))) {
		error = WASMPACK_ENOMEM;
		goto done;
	}
	const char *dirs[] = {"blobs/sha256", ".wasmpack/tmp"};
	for (size_t i = 0; i < 2; i++) {
		free(p);
		if (!(p = store_file(s, dirs[i]))) {
			error = WASMPACK_ENOMEM;
			goto done;
		}
		if ((error = wp_mkdirs(p)))
			goto done;
	}
	free(p);
	if (!(p = store_file(s, "oci-layout"))) {
		error = WASMPACK_ENOMEM;
		goto done;
	}
	if ((error = ensure_file(s, p, LAYOUT_FILE)) || (error = check_layout(p)))
		goto done;
	free(p);
	if (!(p = store_file(s, "index.json"))) {
		error = WASMPACK_ENOMEM;
		goto done;
	}
	if ((error = ensure_file(s, p, EMPTY_INDEX)))
		goto done;
	*out = s;
	s = NULL;
done:
	if (error)
		wp_error_prefix("cannot open store '%s': ", path);
	free(p);
	wasmpack_store_free(s);
	return error;
}

void wasmpack_store_free(wasmpack_store *store)
{
	if (!store)
		return;
	if (store->gc_fd >= 0)
		close(store->gc_fd);
	free(store->path);
	free(store);
}

const char *wasmpack_store_path(const wasmpack_store *store) { return store ? store->path : NULL; }

/* Opens .wasmpack/NAME.lock and flocks it with `op`. */
static int lock_open(int *fd_out, const wasmpack_store *s, const char *name, int op)
{
	char *p = wp_asprintf("%s/.wasmpack/%s", s->path, name);
	if (!p)
		return WASMPACK_ENOMEM;
	int error = 0;
	int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		error = wp_error_os("open lock", p);
		goto done;
	}
	while (flock(fd, op) != 0) {
		if (errno == EINTR)
			continue;
		error = errno == EWOULDBLOCK
				? wp_error_why(WASMPACK_ELOCKED, WASMPACK_REASON_LOCKED,
					       "'%s' is held by another process", p)
				: wp_error_os("lock", p);
		close(fd);
		fd = -1;
		goto done;
	}
	*fd_out = fd;
done:
	free(p);
	return error;
}

static int hold_writer_lock(wasmpack_store *s)
{
	if (s->gc_fd >= 0)
		return 0;
	return lock_open(&s->gc_fd, s, "gc.lock", LOCK_SH);
}

int wasmpack_store_blob_writer(wasmpack_blob_writer **out, wasmpack_store *store)
{
	wasmpack_blob_writer *w = NULL;
	int error = 0;

	if (!out || !store)
		return wp_error_arg("cannot write blob: missing argument");
	if ((error = hold_writer_lock(store)))
		return error;
	w = calloc(1, sizeof(*w));
	if (!w)
		return wp_error_nomem();
	w->fd = -1;
	w->store = store;
	store->writers++;
	if ((error = wasmpack_sha256_new(&w->hash)))
		goto done;
	if (!(w->tmp_path = wp_asprintf("%s/.wasmpack/tmp/blob-XXXXXX", store->path))) {
		error = WASMPACK_ENOMEM;
		goto done;
	}
	w->fd = mkostemp(w->tmp_path, O_CLOEXEC);
	if (w->fd < 0) {
		error = wp_error_os("create", w->tmp_path);
		free(w->tmp_path);
		w->tmp_path = NULL;
		goto done;
	}
	*out = w;
	w = NULL;
done:
	wasmpack_blob_writer_free(w);
	return error;
}

int wasmpack_blob_writer_write(wasmpack_blob_writer *w, const void *data, size_t len)
{
	if (!w || w->fd < 0 || w->committed)
		return wp_error_arg("cannot write blob: writer is closed");
	int error = wasmpack_sha256_update(w->hash, data, len);
	if (error)
		return error;
	if (wp_write_all(w->fd, data, len) != 0)
		return wp_error_os("write", w->tmp_path);
	w->size += (int64_t)len;
	return 0;
}

int wasmpack_blob_writer_sink(const void *data, size_t len, void *payload)
{
	return wasmpack_blob_writer_write(payload, data, len);
}

int wasmpack_blob_writer_commit(char digest_out[WASMPACK_DIGEST_MAX], int64_t *size_out,
				wasmpack_blob_writer *w, const char *expected_digest)
{
	char digest[WASMPACK_DIGEST_MAX];
	char *dest = NULL;
	int error = 0;

	if (!w || w->fd < 0 || w->committed)
		return wp_error_arg("cannot commit blob: writer is closed");
	if ((error = wasmpack_sha256_final(digest, w->hash)))
		return error;
	if (expected_digest && !wasmpack_digest_equal(digest, expected_digest))
		return wp_error(WASMPACK_EDIGEST, "blob digest mismatch: expected '%s', got '%s'",
				expected_digest, digest);
	if (fsync(w->fd) != 0)
		return wp_error_os("sync", w->tmp_path);
	if (fchmod(w->fd, 0644) != 0)
		return wp_error_os("chmod", w->tmp_path);
	if (!(dest = blob_file(w->store, digest)))
		return WASMPACK_ENOMEM;
	if (rename(w->tmp_path, dest) != 0) {
		error = wp_error_os("store blob", dest);
		goto done;
	}
	w->committed = 1;
	if (digest_out)
		memcpy(digest_out, digest, sizeof(digest));
	if (size_out)
		*size_out = w->size;
done:
	free(dest);
	return error;
}

void wasmpack_blob_writer_free(wasmpack_blob_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	if (w->tmp_path && !w->committed)
		unlink(w->tmp_path);
	free(w->tmp_path);
	wasmpack_sha256_free(w->hash);
	w->store->writers--;
	free(w);
}

int wasmpack_store_blob_put(char digest_out[WASMPACK_DIGEST_MAX], wasmpack_store *store,
			    const void *data, size_t len, const char *expected_digest)
{
	wasmpack_blob_writer *w = NULL;
	int error = wasmpack_store_blob_writer(&w, store);
	if (!error)
		error = wasmpack_blob_writer_write(w, data, len);
	if (!error)
		error = wasmpack_blob_writer_commit(digest_out, NULL, w, expected_digest);
	wasmpack_blob_writer_free(w);
	return error;
}

int wasmpack_store_blob_exists(wasmpack_store *store, const char *digest)
{
	if (!store)
		return wp_error_arg("cannot look for a blob: no store");
	/* A caller that finds a blob present goes on to use it (a pull skips
	 * the download, then tags): from now on gc elsewhere must not delete
	 * what this handle has seen. Taken before looking, so a gc running
	 * now finishes first. */
	int error = hold_writer_lock(store);
	if (error)
		return error;
	char *p = blob_file(store, digest);
	if (!p)
		return wasmpack_error_last_code();
	struct stat st;
	int r = stat(p, &st);
	int result = r == 0 ? 1 : (errno == ENOENT ? 0 : wp_error_os("stat", p));
	free(p);
	return result;
}

int wasmpack_store_blob_open(int *fd_out, int64_t *size_out, wasmpack_store *store,
			     const char *digest)
{
	char *p = blob_file(store, digest);
	if (!p)
		return wasmpack_error_last_code();
	int error = 0;
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0) {
		error = errno == ENOENT
				? wp_error_why(WASMPACK_ENOTFOUND, WASMPACK_REASON_NOT_IN_STORE,
					       "blob '%s' is not in the store", digest)
				: wp_error_os("open", p);
	} else if (fstat(fd, &st) != 0) {
		error = wp_error_os("stat", p);
		close(fd);
	} else {
		*fd_out = fd;
		if (size_out)
			*size_out = (int64_t)st.st_size;
	}
	free(p);
	return error;
}

int wasmpack_store_blob_read(wasmpack_buf *out, wasmpack_store *store, const char *digest,
			     size_t max)
{
	char *p = blob_file(store, digest);
	char actual[WASMPACK_DIGEST_MAX];
	wasmpack_buf b = WASMPACK_BUF_INIT;
	if (!p)
		return wasmpack_error_last_code();
	int error = wp_read_file(&b, p, max);
	if (error == WASMPACK_ENOTFOUND)
		error = wp_error_why(WASMPACK_ENOTFOUND, WASMPACK_REASON_NOT_IN_STORE,
				     "blob '%s' is not in the store", digest);
	if (error)
		goto done;
	if ((error = wasmpack_digest_of(actual, b.data, b.size)))
		goto done;
	if (!wasmpack_digest_equal(actual, digest)) {
		error = wp_error(WASMPACK_EDIGEST,
				 "blob '%s' in the store is corrupt (its bytes hash to '%s')",
				 digest, actual);
		goto done;
	}
	*out = b;
	b.data = NULL;
done:
	wasmpack_buf_dispose(&b);
	free(p);
	return error;
}

static int index_load(wasmpack_index **out, const wasmpack_store *s)
{
	wasmpack_buf b = WASMPACK_BUF_INIT;
	char *p = store_file(s, "index.json");
	if (!p)
		return WASMPACK_ENOMEM;
	int error = wp_read_file(&b, p, WASMPACK_MANIFEST_MAX);
	if (!error && (error = wasmpack_index_parse(out, b.data, b.size)))
		wp_error_prefix("store index '%s': ", p);
	wasmpack_buf_dispose(&b);
	free(p);
	return error;
}

static int index_save(const wasmpack_store *s, const wasmpack_index *idx)
{
	wasmpack_buf b = WASMPACK_BUF_INIT;
	char *p = store_file(s, "index.json");
	if (!p)
		return WASMPACK_ENOMEM;
	int error = wasmpack_index_serialize(&b, idx);
	if (!error)
		error = wp_write_file_atomic(p, b.data, b.size, 0644);
	wasmpack_buf_dispose(&b);
	free(p);
	return error;
}

/* 1 when entry d is the image `name` (full normalized, with tag). */
static int entry_is(const wasmpack_descriptor *d, const char *name)
{
	const char *n = wasmpack_kvlist_get(&d->annotations, WASMPACK_ANNOTATION_IMAGE_NAME);
	return n && strcmp(n, name) == 0;
}

static void index_remove_at(wasmpack_index *idx, size_t i)
{
	wasmpack_descriptor_dispose(&idx->manifests[i]);
	memmove(&idx->manifests[i], &idx->manifests[i + 1],
		(idx->manifests_count - i - 1) * sizeof(idx->manifests[0]));
	idx->manifests_count--;
}

/* The name an index entry is filed under: registry/repo:tag, or
 * registry/repo@digest for an image pulled by digest alone. */
static char *tagged_name(const wasmpack_reference *ref)
{
	char *name = NULL;
	if (wasmpack_reference_name(&name, ref))
		return NULL;
	char *full = ref->tag ? wp_asprintf("%s:%s", name, ref->tag)
			      : wp_asprintf("%s@%s", name, ref->digest);
	free(name);
	return full;
}

int wasmpack_store_tag(wasmpack_store *store, const wasmpack_reference *ref,
		       const wasmpack_descriptor *manifest)
{
	wasmpack_index *idx = NULL;
	wasmpack_descriptor entry;
	char *name = NULL;
	int lock_fd = -1, have_entry = 0;
	int error = 0;

	memset(&entry, 0, sizeof(entry));
	if (!store || !ref || !manifest)
		return wp_error_arg("cannot tag: missing argument");
	if (!ref->tag && !ref->digest)
		return wp_error_arg("cannot tag: reference has no tag or digest");
	if (!wasmpack_media_type_is_manifest(manifest->media_type) &&
	    !wasmpack_media_type_is_index(manifest->media_type))
		return wp_error(WASMPACK_EINVALID, "cannot tag: '%s' is not a manifest or index",
				manifest->media_type ? manifest->media_type : "");
	/* blob_exists holds this handle's share of gc.lock from here on, so
	 * a gc elsewhere cannot delete the manifest between this check and
	 * the index update that makes it reachable. */
	int present = wasmpack_store_blob_exists(store, manifest->digest);
	if (present < 0)
		return present;
	if (!present)
		return wp_error_why(WASMPACK_ENOTFOUND, WASMPACK_REASON_NOT_IN_STORE,
				    "cannot tag: manifest '%s' is not in the store",
				    manifest->digest);
	if (!(name = tagged_name(ref)))
		return WASMPACK_ENOMEM;
	if ((error = wasmpack_descriptor_copy(&entry, manifest)))
		goto done;
	have_entry = 1;
	if ((error = wasmpack_kvlist_set(&entry.annotations, WASMPACK_ANNOTATION_IMAGE_NAME,
					 name)) ||
	    (ref->tag && (error = wasmpack_kvlist_set(&entry.annotations,
						      WASMPACK_ANNOTATION_REF_NAME, ref->tag))))
		goto done;
	if ((error = lock_open(&lock_fd, store, "index.lock", LOCK_EX)) ||
	    (error = index_load(&idx, store)))
		goto done;
	for (size_t i = idx->manifests_count; i-- > 0;)
		if (entry_is(&idx->manifests[i], name))
			index_remove_at(idx, i);
	wasmpack_descriptor *grown = realloc(idx->manifests,
					     (idx->manifests_count + 1) * sizeof(*grown));
	if (!grown) {
		error = wp_error_nomem();
		goto done;
	}
	idx->manifests = grown;
	idx->manifests[idx->manifests_count++] = entry;
	have_entry = 0;
	error = index_save(store, idx);
done:
	if (have_entry)
		wasmpack_descriptor_dispose(&entry);
	if (lock_fd >= 0)
		close(lock_fd);
	wasmpack_index_free(idx);
	free(name);
	return error;
}

/* Index of the entry ref names in idx, or -1. */
static long find_entry(const wasmpack_index *idx, const wasmpack_reference *ref, const char *name)
{
	for (size_t i = idx->manifests_count; i-- > 0;) {
		const wasmpack_descriptor *d = &idx->manifests[i];
		if (ref->digest ? wasmpack_digest_equal(d->digest, ref->digest) : entry_is(d, name))
			return (long)i;
	}
	return -1;
}

static int not_found(const wasmpack_reference *ref)
{
	char *text = NULL;
	if (wasmpack_reference_format(&text, ref))
		return wp_error_why(WASMPACK_ENOTFOUND, WASMPACK_REASON_NOT_IN_STORE,
				    "image not found in the store");
	int error = wp_error_why(WASMPACK_ENOTFOUND, WASMPACK_REASON_NOT_IN_STORE,
				 "image '%s' is not in the store", text);
	free(text);
	return error;
}

int wasmpack_store_resolve(wasmpack_descriptor *out, wasmpack_store *store,
			   const wasmpack_reference *ref)
{
	wasmpack_index *idx = NULL;
	char *name = NULL;
	int error = 0;

	if (!out || !store || !ref)
		return wp_error_arg("cannot resolve: missing argument");
	if (!ref->digest && !(name = tagged_name(ref)))
		return WASMPACK_ENOMEM;
	if ((error = index_load(&idx, store)))
		goto done;
	long i = find_entry(idx, ref, name);
	if (i < 0) {
		error = not_found(ref);
		goto done;
	}
	error = wasmpack_descriptor_copy(out, &idx->manifests[i]);
done:
	wasmpack_index_free(idx);
	free(name);
	return error;
}

int wasmpack_store_list(wasmpack_store_image **out, size_t *count, wasmpack_store *store)
{
	wasmpack_index *idx = NULL;
	wasmpack_store_image *list = NULL;
	size_t n = 0;
	int error = 0;

	if (!out || !count || !store)
		return wp_error_arg("cannot list store: missing argument");
	if ((error = index_load(&idx, store)))
		return error;
	list = calloc(idx->manifests_count ? idx->manifests_count : 1, sizeof(*list));
	if (!list) {
		error = wp_error_nomem();
		goto done;
	}
	for (; n < idx->manifests_count; n++) {
		const wasmpack_descriptor *d = &idx->manifests[n];
		const char *name = wasmpack_kvlist_get(&d->annotations,
						       WASMPACK_ANNOTATION_IMAGE_NAME);
		if ((name && !(list[n].name = wp_strdup(name))) ||
		    (error = wasmpack_descriptor_copy(&list[n].descriptor, d))) {
			error = error ? error : WASMPACK_ENOMEM;
			free(list[n].name);
			goto done;
		}
	}
	*out = list;
	*count = n;
	list = NULL;
done:
	wasmpack_store_images_free(list, n);
	wasmpack_index_free(idx);
	return error;
}

void wasmpack_store_images_free(wasmpack_store_image *images, size_t count)
{
	if (!images)
		return;
	for (size_t i = 0; i < count; i++) {
		free(images[i].name);
		wasmpack_descriptor_dispose(&images[i].descriptor);
	}
	free(images);
}

int wasmpack_store_untag(wasmpack_store *store, const wasmpack_reference *ref)
{
	wasmpack_index *idx = NULL;
	char *name = NULL;
	int lock_fd = -1, removed = 0;
	int error = 0;

	if (!store || !ref)
		return wp_error_arg("cannot remove: missing argument");
	if (!ref->digest && !(name = tagged_name(ref)))
		return WASMPACK_ENOMEM;
	if ((error = lock_open(&lock_fd, store, "index.lock", LOCK_EX)) ||
	    (error = index_load(&idx, store)))
		goto done;
	long i;
	while ((i = find_entry(idx, ref, name)) >= 0) {
		index_remove_at(idx, (size_t)i);
		removed++;
	}
	error = removed ? index_save(store, idx) : not_found(ref);
done:
	if (lock_fd >= 0)
		close(lock_fd);
	wasmpack_index_free(idx);
	free(name);
	return error;
}

/* The set of digests reachable from the index, grown as the walk goes. */
typedef struct digest_set {
	char **items;
	size_t count;
} digest_set;

static int set_has(const digest_set *set, const char *digest)
{
	for (size_t i = 0; i < set->count; i++)
		if (strcmp(set->items[i], digest) == 0)
			return 1;
	return 0;
}

static int set_add(digest_set *set, const char *digest)
{
	char **grown = realloc(set->items, (set->count + 1) * sizeof(*grown));
	if (!grown)
		return wp_error_nomem();
	set->items = grown;
	if (!(set->items[set->count] = wp_strdup(digest)))
		return WASMPACK_ENOMEM;
	set->count++;
	return 0;
}

/* Marks d and, for manifests and indexes present in the store, what they
 * reference. Depth-limited so a hostile cyclic layout cannot recurse
 * forever (a digest cycle is impossible, but nesting can be deep). */
static int mark(digest_set *set, wasmpack_store *s, const wasmpack_descriptor *d, int depth)
{
	wasmpack_buf b = WASMPACK_BUF_INIT;
	int error = 0;

	if (!d->digest || set_has(set, d->digest))
		return 0;
	if ((error = set_add(set, d->digest)))
		return error;
	if (depth > 16)
		return 0;
	int is_index = wasmpack_media_type_is_index(d->media_type);
	if (!is_index && !wasmpack_media_type_is_manifest(d->media_type))
		return 0;
	/* A missing or damaged child is not reachable content: keep going. */
	if (wasmpack_store_blob_read(&b, s, d->digest, WASMPACK_MANIFEST_MAX) != 0)
		return 0;
	if (is_index) {
		wasmpack_index *idx = NULL;
		if (wasmpack_index_parse(&idx, b.data, b.size) == 0) {
			for (size_t i = 0; !error && i < idx->manifests_count; i++)
				error = mark(set, s, &idx->manifests[i], depth + 1);
			wasmpack_index_free(idx);
		}
	} else {
		wasmpack_manifest *m = NULL;
		if (wasmpack_manifest_parse(&m, b.data, b.size) == 0) {
			error = mark(set, s, &m->config, depth + 1);
			for (size_t i = 0; !error && i < m->layers_count; i++)
				error = mark(set, s, &m->layers[i], depth + 1);
			wasmpack_manifest_free(m);
		}
	}
	wasmpack_buf_dispose(&b);
	return error;
}

static int is_hex64(const char *name)
{
	size_t n = 0;
	for (; name[n]; n++)
		if (!((name[n] >= '0' && name[n] <= '9') || (name[n] >= 'a' && name[n] <= 'f')))
			return 0;
	return n == 64;
}

/* Removes every file in dir whose name keep() rejects; counts removals. */
static int sweep(size_t *removed, const char *dir, const digest_set *keep, int hex_only)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : wp_error_os("open directory", dir);
	int error = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' &&
		    (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
			continue;
		if (hex_only) {
			char digest[WASMPACK_DIGEST_MAX];
			if (!is_hex64(e->d_name))
				continue;
			memcpy(digest, "sha256:", 7);
			memcpy(digest + 7, e->d_name, 65);
			if (set_has(keep, digest))
				continue;
		}
		if (unlinkat(dirfd(d), e->d_name, 0) != 0 && errno != ENOENT) {
			error = wp_error_os("remove", e->d_name);
			break;
		}
		if (removed && hex_only)
			(*removed)++;
	}
	closedir(d);
	return error;
}

/* Removes index.json.tmp-* files: index.json is rewritten through one of
 * them under index.lock, so while gc holds that lock any of them belongs
 * to a process that died before its rename. */
static int sweep_index_temps(const wasmpack_store *s)
{
	DIR *d = opendir(s->path);
	if (!d)
		return wp_error_os("open directory", s->path);
	int error = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "index.json.tmp-", 15) != 0)
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) != 0 && errno != ENOENT) {
			error = wp_error_os("remove", e->d_name);
			break;
		}
	}
	closedir(d);
	return error;
}

int wasmpack_store_gc(size_t *removed, wasmpack_store *store)
{
	digest_set set = {NULL, 0};
	wasmpack_index *idx = NULL;
	char *blobs = NULL, *tmp = NULL;
	int index_fd = -1, exclusive = 0;
	size_t count = 0;
	int error = 0;

	if (!store)
		return wp_error_arg("cannot collect garbage: no store");
	if (store->gc_fd < 0 && (error = lock_open(&store->gc_fd, store, "gc.lock", LOCK_SH)))
		goto done;
	/* Upgrade our own shared hold; if anyone is writing, skip. */
	if (store->writers)
		goto done;
	if (flock(store->gc_fd, LOCK_EX | LOCK_NB) != 0) {
		int why = errno;
		/* On Linux a refused conversion has already dropped the shared
		 * lock: take it back, or another process's gc could delete
		 * blobs this handle wrote or found and has yet to tag. */
		while (flock(store->gc_fd, LOCK_SH) != 0 && errno == EINTR)
			;
		errno = why;
		if (why != EWOULDBLOCK)
			error = wp_error_os("lock", "gc.lock");
		goto done;
	}
	exclusive = 1;
	if ((error = lock_open(&index_fd, store, "index.lock", LOCK_EX)) ||
	    (error = index_load(&idx, store)))
		goto done;
	for (size_t i = 0; !error && i < idx->manifests_count; i++)
		error = mark(&set, store, &idx->manifests[i], 0);
	if (error)
		goto done;
	if (!(blobs = store_file(store, "blobs/sha256")) ||
	    !(tmp = store_file(store, ".wasmpack/tmp"))) {
		error = WASMPACK_ENOMEM;
		goto done;
	}
	if ((error = sweep(&count, blobs, &set, 1)) || (error = sweep(NULL, tmp, &set, 0)) ||
	    (error = sweep_index_temps(store)))
		goto done;
done:
	if (exclusive)
		flock(store->gc_fd, LOCK_SH);
	if (index_fd >= 0)
		close(index_fd);
	for (size_t i = 0; i < set.count; i++)
		free(set.items[i]);
	free(set.items);
	wasmpack_index_free(idx);
	free(blobs);
	free(tmp);
	if (removed)
		*removed = count;
	return error;
}
