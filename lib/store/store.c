/* The local OCI image layout: verified blob writes, index.json updates
 * under a lock, tags, and garbage collection of unreferenced blobs.
 *
 * Locks live in DIR/.wasmpack/: index.lock (exclusive while index.json is
 * rewritten) and gc.lock (shared by every handle that writes blobs or
 * counts on one being there, taken exclusively by gc, so gc never deletes
 * a blob a running build or pull has written, or found present, but not
 * yet tagged).
 *
 * A store may be shared, or planted with links by someone else: every
 * directory inside it is reached from the store's own directory fd with
 * O_DIRECTORY|O_NOFOLLOW and kept open, so a symlinked blobs/sha256 or
 * .wasmpack/tmp is refused instead of sending writes (or gc's deletions)
 * elsewhere; every file is opened with O_NOFOLLOW|O_NONBLOCK and must be a
 * regular file, so a planted link is refused and a FIFO fails at once
 * instead of blocking the open or the read forever. */
#include "wasmpack/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/error.h"
#include "util/fs.h"
#include "util/str.h"

#define LAYOUT_FILE "{\"imageLayoutVersion\":\"1.0.0\"}"
#define EMPTY_INDEX \
	"{\"manifests\":[],\"mediaType\":\"" WASMPACK_MEDIATYPE_OCI_INDEX "\",\"schemaVersion\":2}"
#define BLOB_CHUNK (256 * 1024)

/* Temp files of blob writers: .wasmpack/tmp/blob-<suffix>. gc removes
 * only names of this shape (and the 6-character mkstemp suffix of older
 * versions), never anything else someone put there. */
#define TEMP_PREFIX "blob-"
#define TEMP_SUFFIX_MIN 6
#define TEMP_SUFFIX_LEN 16

/* Resumable downloads: .wasmpack/tmp/partial-<hex of the digest>, one
 * stable name per blob so a rerun finds what an interrupted pull got.
 * Whoever writes one holds an flock on it; gc and prune remove only
 * partials nobody holds. */
#define PARTIAL_PREFIX "partial-"
/* gc leaves a partial nobody holds this long, so a rerun can resume it
 * (prune removes them all). */
#define PARTIAL_KEEP_SECONDS (24 * 3600)

struct wasmpack_store {
	char *path;
	int root_fd;    /* the store's directory */
	int meta_fd;    /* .wasmpack */
	int tmp_fd;     /* .wasmpack/tmp */
	int blobs_fd;   /* blobs/sha256 */
	int gc_fd;      /* gc.lock, held shared once this handle writes blobs */
	size_t writers; /* open blob writers of this handle */
};

struct wasmpack_blob_writer {
	wasmpack_store *store;
	char *tmp_path; /* for messages */
	char tmp_name[sizeof(PARTIAL_PREFIX) + 64];
	int fd;
	int resumable; /* a partial-<hex>: kept when freed uncommitted */
	wasmpack_sha256 *hash;
	int64_t size;
	int committed;
};

static char *store_file(const wasmpack_store *s, const char *rel)
{
	return wp_asprintf("%s/%s", s->path, rel);
}

/* The file name of a blob in blobs/sha256 (points into digest), or NULL
 * with the error set. */
static const char *blob_name(const char *digest)
{
	const char *hex = wasmpack_digest_hex(digest);
	if (!hex || strncmp(digest, "sha256:", 7) != 0) {
		wp_error(WASMPACK_EINVALID, "invalid blob digest '%s'", digest ? digest : "");
		return NULL;
	}
	return hex;
}

static char *blob_file(const wasmpack_store *s, const char *digest)
{
	const char *hex = blob_name(digest);
	return hex ? wp_asprintf("%s/blobs/sha256/%s", s->path, hex) : NULL;
}

static int not_regular(const char *shown)
{
	return wp_error_why(WASMPACK_EIO, WASMPACK_REASON_IO,
			    "'%s' is not a regular file (links and special files in the store "
			    "are refused)",
			    shown);
}

/* Opens `name` in directory `dir` without following a link, and only
 * when it is a regular file: O_NONBLOCK keeps the open of a FIFO from
 * waiting for a writer, and is cleared again once fstat has shown a
 * regular file. `shown` names the file in messages. ENOENT comes back as
 * WASMPACK_ENOTFOUND with errno intact. */
static int open_regular(int *fd_out, int dir, const char *name, const char *shown, int flags,
			unsigned mode)
{
	struct stat st;
	int fd = openat(dir, name, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode);
	if (fd < 0) {
		int why = errno;
		if (why == ELOOP || why == ENXIO)
			return not_regular(shown);
		int error = wp_error_os("open", shown);
		errno = why;
		return error;
	}
	if (fstat(fd, &st) != 0) {
		int error = wp_error_os("stat", shown);
		close(fd);
		return error;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return not_regular(shown);
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
		int error = wp_error_os("open", shown);
		close(fd);
		return error;
	}
	*fd_out = fd;
	return 0;
}

/* Reads the regular file `rel` of directory dir (shown as `shown`). */
static int read_regular(wasmpack_buf *out, int dir, const char *rel, const char *shown, size_t max)
{
	int fd = -1;
	int error = open_regular(&fd, dir, rel, shown, O_RDONLY, 0);
	if (error)
		return error;
	error = wp_read_fd(out, fd, shown, max);
	close(fd);
	return error;
}

/* Creates a new file `prefix` + random suffix in dir, never through a
 * link (O_EXCL refuses any existing name, links included): the name goes
 * to name_out (room for the prefix and TEMP_SUFFIX_LEN more). */
static int create_temp(int *fd_out, char *name_out, int dir, const char *prefix,
		       const char *shown_dir)
{
	static const char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	size_t plen = strlen(prefix);
	for (int attempt = 0; attempt < 100; attempt++) {
		unsigned char rnd[TEMP_SUFFIX_LEN];
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return wp_error_os("get random bytes for a file in", shown_dir);
		memcpy(name_out, prefix, plen);
		for (size_t i = 0; i < TEMP_SUFFIX_LEN; i++)
			name_out[plen + i] = alphabet[rnd[i] % (sizeof(alphabet) - 1)];
		name_out[plen + TEMP_SUFFIX_LEN] = '\0';
		int fd = openat(dir, name_out, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				0600);
		if (fd >= 0) {
			*fd_out = fd;
			return 0;
		}
		if (errno != EEXIST)
			return wp_error_os("create a file in", shown_dir);
	}
	return wp_error(WASMPACK_EIO, "cannot create a file in '%s': every name taken", shown_dir);
}

/* Creates (when missing) and opens the directory `name` of parent, which
 * must be a real directory: a symbolic link there is refused. */
static int open_subdir(int *fd_out, int parent, const char *name, const char *shown)
{
	if (mkdirat(parent, name, 0755) != 0 && errno != EEXIST)
		return wp_error_os("create directory", shown);
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ELOOP || errno == ENOTDIR)
			return wp_error_why(WASMPACK_EIO, WASMPACK_REASON_IO,
					    "'%s' is not a directory (a symbolic link there is "
					    "refused)",
					    shown);
		return wp_error_os("open directory", shown);
	}
	*fd_out = fd;
	return 0;
}

/* Creates the store file `name` with `content` unless it exists. The
 * file is written aside (in .wasmpack/, out of the layout's sight) and
 * then linked into place, which fails when the name exists: a rename
 * would replace an index.json that a racing process created and tagged
 * an image in since our look, losing its tag. */
static int ensure_file(const wasmpack_store *s, const char *name, const char *content)
{
	struct stat st;
	char tmp[sizeof("init-") + TEMP_SUFFIX_LEN];
	char *shown = store_file(s, name);
	int fd = -1, error = 0;
	if (!shown)
		return WASMPACK_ENOMEM;
	if (fstatat(s->root_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		goto done;
	if (errno != ENOENT) {
		error = wp_error_os("stat", shown);
		goto done;
	}
	if ((error = create_temp(&fd, tmp, s->meta_fd, "init-", shown)))
		goto done;
	if (fchmod(fd, 0644) != 0 || wp_write_all(fd, content, strlen(content)) != 0 ||
	    fsync(fd) != 0) {
		error = wp_error_os("write", shown);
		goto done;
	}
	if (linkat(s->meta_fd, tmp, s->root_fd, name, 0) != 0 && errno != EEXIST) {
		/* A filesystem without hard links: a rename, as before. */
		int no_links = errno == EPERM || errno == EOPNOTSUPP || errno == ENOSYS;
		if (!no_links || renameat(s->meta_fd, tmp, s->root_fd, name) != 0)
			error = wp_error_os("create", shown);
	}
done:
	if (fd >= 0) {
		close(fd);
		unlinkat(s->meta_fd, tmp, 0);
	}
	free(shown);
	return error;
}

static int check_layout(const wasmpack_store *s)
{
	wasmpack_buf b = WASMPACK_BUF_INIT;
	char *shown = store_file(s, "oci-layout");
	if (!shown)
		return WASMPACK_ENOMEM;
	int error = read_regular(&b, s->root_fd, "oci-layout", shown, 4096);
	if (!error && (!strstr((const char *)b.data, "\"imageLayoutVersion\"") ||
		       !strstr((const char *)b.data, "\"1.0.0\"")))
		error = wp_error(WASMPACK_EINVALID,
				 "'%s' is not an OCI image layout of version 1.0.0", shown);
	wasmpack_buf_dispose(&b);
	free(shown);
	return error;
}

int wasmpack_store_open(wasmpack_store **out, const char *path)
{
	wasmpack_store *s = NULL;
	char *p = NULL;
	int blobs_fd = -1, error = 0;

	if (!out || !path || !*path)
		return wp_error_arg("cannot open store: no path");
	s = calloc(1, sizeof(*s));
	if (!s)
		return wp_error_nomem();
	s->gc_fd = s->root_fd = s->meta_fd = s->tmp_fd = s->blobs_fd = -1;
	if (!(s->path = wp_strdup(path))) {
		error = WASMPACK_ENOMEM;
		goto done;
	}
	/* The store's own directory may be a link (the user chose it); the
	 * directories inside it may not. */
	if ((error = wp_mkdirs(path)))
		goto done;
	if ((s->root_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		error = wp_error_os("open directory", path);
		goto done;
	}
	struct {
		int *fd, *parent;
		const char *name, *rel;
	} dirs[] = {
		{&s->meta_fd, &s->root_fd, ".wasmpack", ".wasmpack"},
		{&s->tmp_fd, &s->meta_fd, "tmp", ".wasmpack/tmp"},
		{&blobs_fd, &s->root_fd, "blobs", "blobs"},
		{&s->blobs_fd, &blobs_fd, "sha256", "blobs/sha256"},
	};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		free(p);
		if (!(p = store_file(s, dirs[i].rel))) {
			error = WASMPACK_ENOMEM;
			goto done;
		}
		if ((error = open_subdir(dirs[i].fd, *dirs[i].parent, dirs[i].name, p)))
			goto done;
	}
	if ((error = ensure_file(s, "oci-layout", LAYOUT_FILE)) || (error = check_layout(s)) ||
	    (error = ensure_file(s, "index.json", EMPTY_INDEX)))
		goto done;
	*out = s;
	s = NULL;
done:
	if (error)
		wp_error_prefix("cannot open store '%s': ", path);
	if (blobs_fd >= 0)
		close(blobs_fd);
	free(p);
	wasmpack_store_free(s);
	return error;
}

void wasmpack_store_free(wasmpack_store *store)
{
	if (!store)
		return;
	int fds[] = {store->gc_fd, store->blobs_fd, store->tmp_fd, store->meta_fd, store->root_fd};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
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
	/* Never created through a link: a dangling one planted here would
	 * make us create its target. */
	int fd = -1;
	int error = open_regular(&fd, s->meta_fd, name, p, O_RDWR | O_CREAT, 0644);
	if (error)
		goto done;
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
	char *dir = store_file(store, ".wasmpack/tmp");
	if (!dir) {
		error = WASMPACK_ENOMEM;
		goto done;
	}
	error = create_temp(&w->fd, w->tmp_name, store->tmp_fd, TEMP_PREFIX, dir);
	if (!error && !(w->tmp_path = wp_asprintf("%s/%s", dir, w->tmp_name)))
		error = WASMPACK_ENOMEM;
	free(dir);
	if (error)
		goto done;
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
	const char *name = NULL;
	char *dest = NULL;
	int error = 0;

	if (!w || w->fd < 0 || w->committed)
		return wp_error_arg("cannot commit blob: writer is closed");
	if ((error = wasmpack_sha256_final(digest, w->hash)))
		return error;
	if (expected_digest && !wasmpack_digest_equal(digest, expected_digest)) {
		/* Wrong bytes are never resumed: empty the partial (kept,
		 * and still locked, rather than unlinked, so no other
		 * process's file of that name can be removed by mistake). */
		if (w->resumable && ftruncate(w->fd, 0) != 0)
			wp_error_os("truncate", w->tmp_path);
		return wp_error(WASMPACK_EDIGEST, "blob digest mismatch: expected '%s', got '%s'",
				expected_digest, digest);
	}
	if (fsync(w->fd) != 0)
		return wp_error_os("sync", w->tmp_path);
	if (fchmod(w->fd, 0644) != 0)
		return wp_error_os("chmod", w->tmp_path);
	if (!(name = blob_name(digest)) || !(dest = blob_file(w->store, digest)))
		return wasmpack_error_last_code();
	/* renameat replaces whatever has the name, a planted link or FIFO
	 * included, without following it. */
	if (renameat(w->store->tmp_fd, w->tmp_name, w->store->blobs_fd, name) != 0) {
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

void wasmpack_blob_writer_abandon(wasmpack_blob_writer *w)
{
	if (w)
		w->resumable = 0;
}

void wasmpack_blob_writer_free(wasmpack_blob_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0 && !w->committed && !w->resumable)
		unlinkat(w->store->tmp_fd, w->tmp_name, 0);
	if (w->fd >= 0)
		close(w->fd);
	free(w->tmp_path);
	wasmpack_sha256_free(w->hash);
	w->store->writers--;
	free(w);
}

/* Hashes what fd already holds (from its start), leaving the offset at
 * its end: the hash state of a partial is not kept on disk, the bytes
 * are, and reading them back costs far less than downloading them. */
static int rehash(wasmpack_blob_writer *w)
{
	unsigned char *buf = malloc(BLOB_CHUNK);
	int error = 0;
	if (!buf)
		return wp_error_nomem();
	if (lseek(w->fd, 0, SEEK_SET) != 0) {
		free(buf);
		return wp_error_os("seek", w->tmp_path);
	}
	for (;;) {
		ssize_t r = read(w->fd, buf, BLOB_CHUNK);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			error = wp_error_os("read", w->tmp_path);
			break;
		}
		if (r == 0)
			break;
		if ((error = wasmpack_sha256_update(w->hash, buf, (size_t)r)))
			break;
		w->size += r;
	}
	free(buf);
	return error;
}

/* 1 when `name` in dirfd still is the file open at fd. A lock taken on a
 * partial download's inode proves nothing once another process has
 * renamed that inode into blobs/ (its commit) and maybe made a new file of
 * the same name: whoever then gets the lock must check this before using
 * or removing the name. */
static int still_named(int dirfd, const char *name, int fd)
{
	struct stat a, b;
	return fstatat(dirfd, name, &a, AT_SYMLINK_NOFOLLOW) == 0 && fstat(fd, &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int wasmpack_store_blob_writer_resume(wasmpack_blob_writer **out, int64_t *have,
				      wasmpack_store *store, const char *digest, int64_t size)
{
	wasmpack_blob_writer *w = NULL;
	const char *hex;
	char *dir = NULL;
	int error = 0;

	if (!out || !have || !store)
		return wp_error_arg("cannot write blob: missing argument");
	*have = 0;
	if (!(hex = blob_name(digest)))
		return wasmpack_error_last_code();
	if ((error = hold_writer_lock(store)))
		return error;
	if (!(w = calloc(1, sizeof(*w))))
		return wp_error_nomem();
	w->fd = -1;
	w->store = store;
	store->writers++;
	snprintf(w->tmp_name, sizeof(w->tmp_name), "%s%s", PARTIAL_PREFIX, hex);
	if (!(dir = store_file(store, ".wasmpack/tmp")) ||
	    !(w->tmp_path = wp_asprintf("%s/%s", dir, w->tmp_name))) {
		error = WASMPACK_ENOMEM;
		goto done;
	}
	if ((error = wasmpack_sha256_new(&w->hash)) ||
	    (error = open_regular(&w->fd, store->tmp_fd, w->tmp_name, w->tmp_path, O_RDWR | O_CREAT,
				  0600)))
		goto done;
	w->resumable = 1;
	if (flock(w->fd, LOCK_EX | LOCK_NB) != 0 || !still_named(store->tmp_fd, w->tmp_name, w->fd)) {
		/* Another process downloads this blob now: write a private
		 * temp file as before rather than wait. */
		wasmpack_blob_writer_free(w);
		w = NULL;
		free(dir);
		return wasmpack_store_blob_writer(out, store);
	}
	if ((error = rehash(w)))
		goto done;
	if (size >= 0 && w->size > size) {
		/* Longer than the blob: not a prefix of it. Start over. */
		wasmpack_sha256_free(w->hash);
		w->hash = NULL;
		w->size = 0;
		if (ftruncate(w->fd, 0) != 0 || lseek(w->fd, 0, SEEK_SET) != 0) {
			error = wp_error_os("truncate", w->tmp_path);
			goto done;
		}
		if ((error = wasmpack_sha256_new(&w->hash)))
			goto done;
	}
	*have = w->size;
	*out = w;
	w = NULL;
done:
	free(dir);
	wasmpack_blob_writer_free(w);
	return error;
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
	const char *name = blob_name(digest);
	if (!name)
		return wasmpack_error_last_code();
	/* A link or special file in a blob's place is not the blob: a pull
	 * downloads it again, and the rename of the real one replaces it. */
	struct stat st;
	if (fstatat(store->blobs_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return S_ISREG(st.st_mode) ? 1 : 0;
	if (errno == ENOENT)
		return 0;
	int why = errno;
	char *p = blob_file(store, digest);
	errno = why;
	error = p ? wp_error_os("stat", p) : WASMPACK_ENOMEM;
	free(p);
	return error;
}

int wasmpack_store_blob_open(int *fd_out, int64_t *size_out, wasmpack_store *store,
			     const char *digest)
{
	if (!fd_out || !store)
		return wp_error_arg("cannot open blob: missing argument");
	char *p = blob_file(store, digest);
	if (!p)
		return wasmpack_error_last_code();
	int fd = -1;
	int error = open_regular(&fd, store->blobs_fd, blob_name(digest), p, O_RDONLY, 0);
	struct stat st;
	if (error) {
		if (error == WASMPACK_ENOTFOUND && errno == ENOENT)
			error = wp_error_why(WASMPACK_ENOTFOUND, WASMPACK_REASON_NOT_IN_STORE,
					     "blob '%s' is not in the store", digest);
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
	int error = read_regular(&b, store->blobs_fd, blob_name(digest), p, max);
	if (error == WASMPACK_ENOTFOUND && errno == ENOENT)
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
	int error = read_regular(&b, s->root_fd, "index.json", p, WASMPACK_MANIFEST_MAX);
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

/* 1 when name is a blob writer's temp name: "blob-" and 6 to
 * TEMP_SUFFIX_LEN letters or digits. */
static int is_temp_name(const char *name)
{
	size_t plen = strlen(TEMP_PREFIX), n = 0;
	if (strncmp(name, TEMP_PREFIX, plen) != 0)
		return 0;
	for (name += plen; name[n]; n++)
		if (!((name[n] >= '0' && name[n] <= '9') || (name[n] >= 'a' && name[n] <= 'z') ||
		      (name[n] >= 'A' && name[n] <= 'Z')))
			return 0;
	return n >= TEMP_SUFFIX_MIN && n <= TEMP_SUFFIX_LEN;
}

/* A directory stream of our own over dir_fd: a fresh open of "." rather
 * than a dup, whose shared offset the last sweep left at the end. */
static DIR *open_stream(int dir_fd, const char *shown, int *error)
{
	int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		*error = wp_error_os("open directory", shown);
		if (fd >= 0)
			close(fd);
	}
	return d;
}

/* Removes from blobs/sha256 every blob keep lacks (counted), or from
 * .wasmpack/tmp (keep NULL) every temp file of a writer: names of
 * another shape, and anything but a regular file under a temp name, are
 * left alone. unlinkat removes a name, never what a link points to. */
static int sweep(size_t *removed, int dir_fd, const char *shown, const digest_set *keep)
{
	int error = 0;
	DIR *d = open_stream(dir_fd, shown, &error);
	if (!d)
		return error;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (keep) {
			char digest[WASMPACK_DIGEST_MAX];
			if (!is_hex64(e->d_name))
				continue;
			memcpy(digest, "sha256:", 7);
			memcpy(digest + 7, e->d_name, 65);
			if (set_has(keep, digest))
				continue;
		} else {
			struct stat st;
			if (!is_temp_name(e->d_name) ||
			    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
			    !S_ISREG(st.st_mode))
				continue;
		}
		if (unlinkat(dirfd(d), e->d_name, 0) != 0 && errno != ENOENT) {
			error = wp_error_os("remove", e->d_name);
			break;
		}
		if (removed)
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
	int error = 0;
	DIR *d = open_stream(s->root_fd, s->path, &error);
	if (!d)
		return error;
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

/* Removes the partial downloads in .wasmpack/tmp that no process holds
 * (their lock died with their writer) and that have not changed for
 * min_age seconds. Only regular files named partial-<64 hex>; the lock is
 * taken before the unlink, so a writer that opens the name meanwhile
 * either holds it first (and the file stays) or gets a new file. */
static int sweep_partials(size_t *removed, wasmpack_store *s, int64_t min_age)
{
	int error = 0;
	char *shown = store_file(s, ".wasmpack/tmp");
	if (!shown)
		return WASMPACK_ENOMEM;
	DIR *d = open_stream(s->tmp_fd, shown, &error);
	if (!d) {
		free(shown);
		return error;
	}
	time_t now = time(NULL);
	size_t plen = strlen(PARTIAL_PREFIX);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		struct stat st;
		if (strncmp(e->d_name, PARTIAL_PREFIX, plen) != 0 || !is_hex64(e->d_name + plen))
			continue;
		int fd = openat(dirfd(d), e->d_name,
				O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
		    (int64_t)(now - st.st_mtime) < min_age || flock(fd, LOCK_EX | LOCK_NB) != 0 ||
		    !still_named(dirfd(d), e->d_name, fd)) {
			close(fd);
			continue;
		}
		if (unlinkat(dirfd(d), e->d_name, 0) != 0 && errno != ENOENT) {
			error = wp_error_os("remove", e->d_name);
			close(fd);
			break;
		}
		close(fd);
		if (removed)
			(*removed)++;
	}
	closedir(d);
	free(shown);
	return error;
}

int wasmpack_store_remove_partials(size_t *removed, wasmpack_store *store)
{
	size_t count = 0;
	if (!store)
		return wp_error_arg("cannot remove partial downloads: no store");
	int error = sweep_partials(&count, store, 0);
	if (removed)
		*removed = count;
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
	if ((error = sweep(&count, store->blobs_fd, blobs, &set)) ||
	    (error = sweep(NULL, store->tmp_fd, tmp, NULL)) || (error = sweep_index_temps(store)) ||
	    (error = sweep_partials(NULL, store, PARTIAL_KEEP_SECONDS)))
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

/* The hex part of an ID (a digest or a prefix of one), or NULL when id is
 * not of that form: at least WASMPACK_STORE_ID_MIN lowercase hex digits,
 * 64 at most, after an optional "sha256:". */
static const char *id_hex(const char *id)
{
	const char *hex = strncmp(id, "sha256:", 7) == 0 ? id + 7 : id;
	size_t n = 0;
	for (; hex[n]; n++)
		if (!((hex[n] >= '0' && hex[n] <= '9') || (hex[n] >= 'a' && hex[n] <= 'f')))
			return NULL;
	return n >= WASMPACK_STORE_ID_MIN && n <= 64 ? hex : NULL;
}

/* 1 when the entry at i is the first of idx with its digest. */
static int first_with_digest(const wasmpack_index *idx, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (idx->manifests[j].digest &&
		    strcmp(idx->manifests[j].digest, idx->manifests[i].digest) == 0)
			return 0;
	return 1;
}

int wasmpack_store_find_id(char digest_out[WASMPACK_DIGEST_MAX], wasmpack_store *store,
			   const char *id)
{
	wasmpack_index *idx = NULL;
	const char *hex = id ? id_hex(id) : NULL;
	const char *found = NULL;
	wp_str list = WP_STR_INIT;
	size_t matches = 0;
	int error = 0;

	if (!digest_out || !store || !id)
		return wp_error_arg("cannot find image: missing argument");
	if (!hex)
		return wp_error_why(WASMPACK_EINVALID, WASMPACK_REASON_INVALID_ARGUMENT,
				    "'%s' is not an image ID (%d to 64 hex digits, with or without "
				    "sha256:)",
				    id, WASMPACK_STORE_ID_MIN);
	if ((error = index_load(&idx, store)))
		return error;
	size_t hlen = strlen(hex);
	/* Several entries may name one image: count distinct digests. */
	for (size_t i = 0; i < idx->manifests_count; i++) {
		const char *d = idx->manifests[i].digest;
		const char *dh = d ? wasmpack_digest_hex(d) : NULL;
		if (!dh || strncmp(d, "sha256:", 7) != 0 || strncmp(dh, hex, hlen) != 0 ||
		    !first_with_digest(idx, i))
			continue;
		if (matches++)
			wp_str_puts(&list, ", ");
		wp_str_puts(&list, d);
		found = found ? found : d;
	}
	if (!found) {
		error = wp_error_why(WASMPACK_ENOTFOUND, WASMPACK_REASON_NOT_IN_STORE,
				     "no image with ID '%s' in the store", id);
	} else if (matches > 1) {
		char *text = NULL;
		if (!(error = wp_str_finish(&text, &list)))
			error = wp_error_why(WASMPACK_EINVALID, WASMPACK_REASON_INVALID_ARGUMENT,
					     "image ID '%s' is ambiguous: it matches %s", id, text);
		free(text);
	} else {
		snprintf(digest_out, WASMPACK_DIGEST_MAX, "%s", found);
	}
	wp_str_dispose(&list);
	wasmpack_index_free(idx);
	return error;
}

int wasmpack_store_probe(wasmpack_store_state *state, const char *path)
{
	struct stat st;
	if (!state || !path || !*path)
		return wp_error_arg("cannot examine store: no path");
	if (stat(path, &st) != 0) {
		if (errno == ENOENT) {
			*state = WASMPACK_STORE_MISSING;
			return 0;
		}
		return wp_error_os("stat", path);
	}
	if (!S_ISDIR(st.st_mode)) {
		*state = WASMPACK_STORE_OTHER;
		return 0;
	}
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return wp_error_os("open directory", path);
	if (fstatat(fd, "oci-layout", &st, AT_SYMLINK_NOFOLLOW) == 0) {
		close(fd);
		*state = WASMPACK_STORE_LAYOUT;
		return 0;
	}
	int error = 0;
	DIR *d = open_stream(fd, path, &error);
	close(fd);
	if (!d)
		return error;
	/* What wasmpack_store_open creates before oci-layout: a store whose
	 * creation was interrupted, which the next open completes. */
	static const char *const skeleton[] = {".", "..", ".wasmpack", "blobs", "index.json"};
	struct dirent *e;
	*state = WASMPACK_STORE_EMPTY;
	while ((e = readdir(d)) != NULL) {
		size_t i = 0;
		while (i < sizeof(skeleton) / sizeof(skeleton[0]) && strcmp(e->d_name, skeleton[i]))
			i++;
		if (i == sizeof(skeleton) / sizeof(skeleton[0])) {
			*state = WASMPACK_STORE_OTHER;
			break;
		}
	}
	closedir(d);
	return 0;
}

int wasmpack_store_untag_unnamed(wasmpack_store_image **out, size_t *count, wasmpack_store *store)
{
	wasmpack_index *idx = NULL;
	wasmpack_store_image *list = NULL;
	size_t n = 0;
	int lock_fd = -1, error = 0;

	if (!out || !count || !store)
		return wp_error_arg("cannot prune: missing argument");
	if ((error = lock_open(&lock_fd, store, "index.lock", LOCK_EX)) ||
	    (error = index_load(&idx, store)))
		goto done;
	list = calloc(idx->manifests_count ? idx->manifests_count : 1, sizeof(*list));
	if (!list) {
		error = wp_error_nomem();
		goto done;
	}
	for (size_t i = idx->manifests_count; i-- > 0;) {
		const wasmpack_descriptor *d = &idx->manifests[i];
		if (wasmpack_kvlist_get(&d->annotations, WASMPACK_ANNOTATION_IMAGE_NAME))
			continue;
		if ((error = wasmpack_descriptor_copy(&list[n].descriptor, d)))
			goto done;
		n++;
		index_remove_at(idx, i);
	}
	if (n && (error = index_save(store, idx)))
		goto done;
	*out = list;
	*count = n;
	list = NULL;
	n = 0;
done:
	wasmpack_store_images_free(list, n);
	if (lock_fd >= 0)
		close(lock_fd);
	wasmpack_index_free(idx);
	return error;
}
