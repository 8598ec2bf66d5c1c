/* Reading tar files with libarchive, with the hostile-input checks in one
 * place (see tar.h). */
#include "image/tar.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/error.h"
#include "util/fs.h"
#include "util/path.h"

int wp_tar_open(wp_tar *t, int fd, unsigned flags, const char *what)
{
	memset(t, 0, sizeof(*t));
	t->fd = fd;
	t->flags = flags;
	snprintf(t->what, sizeof(t->what), "%s", what);
	t->index = -1;
	if (lseek(fd, 0, SEEK_SET) != 0) {
		if (flags & WP_TAR_CALLER_FD)
			return wp_error(WASMPACK_EINVALID,
					"cannot read %s: it must be a seekable file: %s", t->what,
					strerror(errno));
		return wp_error(WASMPACK_EIO, "cannot read %s: not seekable: %s", t->what,
				strerror(errno));
	}
	struct archive *a = archive_read_new();
	if (!a)
		return wp_error_nomem();
	if (flags & WP_TAR_GZIP_ONLY) {
		archive_read_support_filter_gzip(a);
		archive_read_support_filter_none(a);
	} else {
		archive_read_support_filter_all(a);
	}
	if (flags & WP_TAR_RAW)
		archive_read_support_format_raw(a);
	else
		archive_read_support_format_tar(a);
	if (archive_read_open_fd(a, fd, 64 * 1024) != ARCHIVE_OK) {
		int error = wp_error(WASMPACK_EINVALID, "cannot read %s: %s", t->what,
				     archive_error_string(a));
		archive_read_free(a);
		return error;
	}
	t->a = a;
	return 0;
}

void wp_tar_close(wp_tar *t)
{
	if (!t)
		return;
	if (t->a)
		archive_read_free(t->a);
	t->a = NULL;
	t->entry = NULL;
}

int wp_tar_next(wp_tar *t)
{
	int r = archive_read_next_header(t->a, &t->entry);
	if (r == ARCHIVE_OK) {
		t->index++;
		return 1;
	}
	t->entry = NULL;
	if (r == ARCHIVE_EOF)
		return 0;
	return wp_error(WASMPACK_EINVALID, "cannot read %s: %s", t->what,
			archive_error_string(t->a));
}

int wp_tar_seek(wp_tar *t, long index)
{
	char what[sizeof(t->what)];
	int fd = t->fd, error;
	unsigned flags = t->flags;
	memcpy(what, t->what, sizeof(what));
	wp_tar_close(t);
	if ((error = wp_tar_open(t, fd, flags, what)) < 0)
		return error;
	while (t->index < index) {
		if ((error = wp_tar_next(t)) < 0)
			return error;
		if (error == 0)
			return wp_error(WASMPACK_EINVALID, "cannot read %s: it ended early", what);
	}
	return 0;
}

int wp_tar_stream(wp_tar *t, const char *name, wasmpack_write_cb sink, void *payload)
{
	/* No tool writes a module or a blob as a sparse file, and a hole is
	 * how a tiny hostile tar would make us stream terabytes of zeros. */
	if (archive_entry_sparse_count(t->entry) > 0)
		return wp_error(WASMPACK_EINVALID, "'%s' in %s is a sparse file", name, t->what);
	const void *block;
	size_t len;
	la_int64_t offset;
	int64_t written = 0, declared = archive_entry_size(t->entry);
	int r, error;
	while ((r = archive_read_data_block(t->a, &block, &len, &offset)) == ARCHIVE_OK) {
		if (offset != written || written + (int64_t)len > declared)
			return wp_error(WASMPACK_EINVALID,
					"'%s' in %s does not match its declared size", name,
					t->what);
		if (len && (error = sink(block, len, payload)))
			return error; /* the caller's business: a sink may stop on purpose */
		written += (int64_t)len;
	}
	if (r != ARCHIVE_EOF)
		return wp_error(WASMPACK_EINVALID, "cannot read %s: %s", t->what,
				archive_error_string(t->a));
	return 0;
}

int wp_tar_read(wp_tar *t, wasmpack_buf *out, size_t max, const char *name)
{
	unsigned char buf[16384];
	for (;;) {
		la_ssize_t n = archive_read_data(t->a, buf, sizeof(buf));
		if (n < 0)
			return wp_error(WASMPACK_EINVALID, "cannot read '%s' in %s: %s", name,
					t->what, archive_error_string(t->a));
		if (n == 0)
			return 0;
		if (out->size + (size_t)n > max)
			return wp_error(WASMPACK_ETOOLARGE, "'%s' in %s is over %zu bytes", name,
					t->what, max);
		unsigned char *g = realloc(out->data, out->size + (size_t)n + 1);
		if (!g)
			return wp_error_nomem();
		memcpy(g + out->size, buf, (size_t)n);
		out->data = g;
		out->size += (size_t)n;
		g[out->size] = '\0';
	}
}

static int refuse(const char *who, const char *why, const char *a, const char *b)
{
	return wp_error(WASMPACK_EINVALID, "refusing %s: %s '%s'%s%s%s", who, why, a,
			b ? " -> '" : "", b ? b : "", b ? "'" : "");
}

/* Checks that the link at entry name `clean` (raw: as the tar spells it)
 * stays inside the root. */
static int check_link(const char *who, const char *clean, const char *raw, const char *target,
		      int hard)
{
	int climbs = 0;
	char *joined = NULL, *t = NULL;
	int error = 0;
	if (!target || !*target || target[0] == '/')
		return refuse(who,
			      hard ? "hard link outside the root" : "symlink to an absolute path",
			      raw, target ? target : "");
	/* A hard link names an archive path; a symlink is relative to its dir. */
	size_t dl = wp_path_dir_len(clean);
	if (!(joined = hard ? wp_strdup(target) : wp_asprintf("%.*s/%s", (int)dl, clean, target)) ||
	    !(t = wp_path_clean(joined, &climbs))) {
		error = WASMPACK_ENOMEM;
		goto done;
	}
	if (climbs)
		error = refuse(who,
			       hard ? "hard link outside the root" : "symlink escaping the root",
			       raw, target);
done:
	free(joined);
	free(t);
	return error;
}

int wp_tar_entry_path(char **clean, const wp_tar *t, const char *who)
{
	const char *name = archive_entry_pathname(t->entry);
	const char *hard = archive_entry_hardlink(t->entry);
	int climbs = 0, error = 0;
	*clean = NULL;
	if (!name || !*name)
		return wp_error(WASMPACK_EINVALID, "refusing %s: an entry has no name", who);
	if (name[0] == '/')
		return refuse(who, "absolute path", name, NULL);
	if (!(*clean = wp_path_clean(name, &climbs)))
		return WASMPACK_ENOMEM;
	if (climbs)
		error = refuse(who, "path climbing out of the root", name, NULL);
	else if (hard)
		error = check_link(who, *clean, name, hard, 1);
	else if (archive_entry_filetype(t->entry) == AE_IFLNK)
		error = check_link(who, *clean, name, archive_entry_symlink(t->entry), 0);
	if (error < 0) {
		free(*clean);
		*clean = NULL;
	}
	return error;
}

const char *wp_tar_entry_kind(const wp_tar *t)
{
	if (archive_entry_hardlink(t->entry))
		return "a hard link";
	switch (archive_entry_filetype(t->entry)) {
	case AE_IFLNK: return "a symlink";
	case AE_IFDIR: return "a directory";
	case AE_IFCHR:
	case AE_IFBLK: return "a device";
	case AE_IFIFO: return "a fifo";
	default: return "not a regular file";
	}
}
