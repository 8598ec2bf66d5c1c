/* Internal: the one tar reader. Every place that reads a tar (a layer's
 * module, the layers of an image, a saved archive) opens it here, so the
 * libarchive set-up and the checks that keep hostile input from costing
 * us disk, memory or files outside a root exist once:
 *   - sparse entries are refused before a byte is read (a tiny archive
 *     can declare a terabyte hole);
 *   - data must arrive in order and within the entry's declared size;
 *   - what is read into memory is capped;
 *   - names that are absolute or climb out of the root, and links that
 *     point out of it, are refused by wp_tar_entry_path().
 * Nothing here writes to disk. */
#ifndef WP_TAR_H
#define WP_TAR_H

#include <stddef.h>
#include <stdint.h>

#include <archive.h>
#include <archive_entry.h>

#include "wasmpack/digest.h"
#include "wasmpack/layer.h"

/* wp_tar_open() flags. Without a filter flag every decompression filter
 * libarchive has is accepted. */
#define WP_TAR_GZIP_ONLY 0x1 /* gzip or uncompressed, as image layers are */
#define WP_TAR_RAW \
	0x2 /* not a tar: one entry holding the whole
				(decompressed) stream, as for a diff_id */
#define WP_TAR_CALLER_FD \
	0x4 /* the fd is the caller's (wasmpack_load): not
				being seekable is their mistake,
				WASMPACK_EINVALID, not WASMPACK_EIO */

/* A tar being read. Fields are read-only for callers; entry is the
 * current entry (valid until the next call), index its position from 0. */
typedef struct wp_tar {
	struct archive *a;
	struct archive_entry *entry;
	long index;
	int fd;
	unsigned flags;
	char what[WASMPACK_DIGEST_MAX + 32]; /* names the tar in messages: "the
						layer", "the archive", "layer
						'sha256:...'" */
} wp_tar;

/* Rewinds fd to its start (every pass reads from the beginning) and opens
 * it. what (copied, cut to fit) names it in messages. On error t needs
 * no close. */
int wp_tar_open(wp_tar *t, int fd, unsigned flags, const char *what);

/* Frees what t holds (not the fd). NULL-safe; safe twice. */
void wp_tar_close(wp_tar *t);

/* Moves to the next entry: 1 with t->entry set, 0 at the end, < 0 when the
 * tar is malformed ("cannot read <what>: ..."). */
int wp_tar_next(wp_tar *t);

/* Closes and reopens t and moves to entry number index (one found by an
 * earlier pass). WASMPACK_EINVALID when the tar ends first. */
int wp_tar_seek(wp_tar *t, long index);

/* Streams the current entry's data to sink, refusing a sparse entry and
 * data out of order or beyond the declared size ("'<name>' in <what> is
 * a sparse file" / "does not match its declared size"); name names the
 * entry in those messages. The caller checks the entry's type first.
 * A sink's error is returned as it is. */
int wp_tar_stream(wp_tar *t, const char *name, wasmpack_write_cb sink, void *payload);

/* Reads the current entry's data into *out (appended to what out holds,
 * kept NUL-terminated), WASMPACK_ETOOLARGE beyond max bytes in out. */
int wp_tar_read(wp_tar *t, wasmpack_buf *out, size_t max, const char *name);

/* The current entry's name, cleaned (see wp_path_clean), into *clean (new
 * string, caller frees), after refusing, with WASMPACK_EINVALID and a
 * message starting "refusing <who>: ", an entry without a name, an
 * absolute name, a name that climbs out of the root, a hard link to a
 * name outside it, and a symlink that is absolute or climbs out of it
 * from its directory. */
int wp_tar_entry_path(char **clean, const wp_tar *t, const char *who);

/* What the current entry is, for messages: "a hard link", "a symlink",
 * "a directory", "a device", "a fifo", else "not a regular file". */
const char *wp_tar_entry_kind(const wp_tar *t);

#endif
