/* Image layers: a reproducible single-file tar (optionally gzip) written
 * in one streaming pass, and reading one file back out of a layer. */
#ifndef WASMPACK_LAYER_H
#define WASMPACK_LAYER_H

#include "common.h"
#include "digest.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum wasmpack_compression {
	WASMPACK_COMPRESSION_GZIP = 0,
	WASMPACK_COMPRESSION_NONE = 1,
} wasmpack_compression;

#define WASMPACK_LAYER_OPTIONS_VERSION 1
typedef struct wasmpack_layer_options {
	unsigned version;                 /* WASMPACK_LAYER_OPTIONS_VERSION */
	wasmpack_compression compression; /* default gzip */
	int level;                        /* gzip level 1-9; 0 = 6 */
	int64_t mtime;                    /* tar entry time; default 0 */
	unsigned mode;                    /* file mode; 0 = 0755 */
} wasmpack_layer_options;
#define WASMPACK_LAYER_OPTIONS_INIT                                                \
	{                                                                          \
		WASMPACK_LAYER_OPTIONS_VERSION, WASMPACK_COMPRESSION_GZIP, 0, 0, 0 \
	}
/* As WASMPACK_LAYER_OPTIONS_INIT, for bindings (see
 * wasmpack_registry_options_init in registry.h). */
WASMPACK_EXTERN int wasmpack_layer_options_init(wasmpack_layer_options *opts, unsigned version);

/* What a written layer is: `digest`/`size` of the bytes written (the blob),
 * `diff_id`/`diff_size` of the uncompressed tar. Equal when uncompressed. */
typedef struct wasmpack_layer_info {
	char digest[WASMPACK_DIGEST_MAX];
	int64_t size;
	char diff_id[WASMPACK_DIGEST_MAX];
	int64_t diff_size;
} wasmpack_layer_info;

/* Writes a tar holding one regular file `entry_name` (uid/gid 0, the
 * options' mode and mtime, no user or group names) whose bytes are read
 * from src_fd until end of file, compressed as the options say, to `sink`.
 * Memory use is constant whatever the input size. The gzip stream carries
 * no file name and mtime 0, so equal input gives equal bytes. src_fd is
 * only read; the caller keeps and closes it. */
WASMPACK_EXTERN int wasmpack_layer_write(wasmpack_layer_info *out, int src_fd,
					 const char *entry_name, const wasmpack_layer_options *opts,
					 wasmpack_write_cb sink, void *payload);

/* Finds the regular file `path` (leading "/" and "./" ignored) in the tar
 * or tar+gzip layer read from layer_fd and streams its bytes to sink.
 * Later entries of the same name win only in the sense that the last match
 * is the one streamed: the layer is read twice if needed, so layer_fd must
 * be seekable. WASMPACK_ENOTFOUND when absent; WASMPACK_EINVALID when the
 * entry is a link, device or directory, or the archive is malformed. */
WASMPACK_EXTERN int wasmpack_layer_extract(int layer_fd, const char *path, wasmpack_write_cb sink,
					   void *payload);

#ifdef __cplusplus
}
#endif
#endif
