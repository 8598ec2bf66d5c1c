/* Internal: what save (archive_save.c) and load (archive_load.c) must
 * agree on. */
#ifndef WP_STORE_ARCHIVE_H
#define WP_STORE_ARCHIVE_H

/* How deep indexes may nest in an archive; save writes no deeper than load
 * reads. */
#define WP_ARCHIVE_INDEX_DEPTH_MAX 4

#endif
