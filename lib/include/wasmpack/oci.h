/* The OCI data model: descriptors, image manifests, indexes and image
 * configs, parsed with validation and emitted as compact JSON with sorted
 * keys. Docker schema2 manifests and manifest lists parse into the same
 * structs. */
#ifndef WASMPACK_OCI_H
#define WASMPACK_OCI_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WASMPACK_MEDIATYPE_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define WASMPACK_MEDIATYPE_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define WASMPACK_MEDIATYPE_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define WASMPACK_MEDIATYPE_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define WASMPACK_MEDIATYPE_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define WASMPACK_MEDIATYPE_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define WASMPACK_MEDIATYPE_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define WASMPACK_MEDIATYPE_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define WASMPACK_MEDIATYPE_DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define WASMPACK_MEDIATYPE_WASM_CONFIG "application/vnd.wasm.config.v0+json"
#define WASMPACK_MEDIATYPE_WASM_LAYER "application/wasm"

/* Largest manifest or index accepted, as distribution 2.8 enforces. */
#define WASMPACK_MANIFEST_MAX (4 * 1024 * 1024)
/* Largest image config read into memory. */
#define WASMPACK_CONFIG_MAX (8 * 1024 * 1024)

/* os/architecture[/variant]. Strings owned by the struct; NULL = absent. */
typedef struct wasmpack_platform {
	char *os;
	char *architecture;
	char *variant;
	char *os_version;
} wasmpack_platform;

/* An OCI content descriptor. All strings and the platform are owned by the
 * descriptor and released by wasmpack_descriptor_dispose(). */
typedef struct wasmpack_descriptor {
	char *media_type;
	char *digest;
	int64_t size;
	char *artifact_type;         /* NULL = absent */
	wasmpack_kvlist annotations; /* empty = absent */
	wasmpack_platform *platform; /* NULL = absent (index entries only) */
} wasmpack_descriptor;

/* Fills d with copies of the three required fields; other fields empty.
 * d's previous contents are not freed. */
WASMPACK_EXTERN int wasmpack_descriptor_init(wasmpack_descriptor *d, const char *media_type,
					     const char *digest, int64_t size);

/* Deep copy of src into dst (dst's previous contents are not freed). */
WASMPACK_EXTERN int wasmpack_descriptor_copy(wasmpack_descriptor *dst,
					     const wasmpack_descriptor *src);

/* Frees everything d owns and zeroes it; d itself is not freed. NULL-safe. */
WASMPACK_EXTERN void wasmpack_descriptor_dispose(wasmpack_descriptor *d);

/* 1 for the OCI index and Docker manifest list media types, else 0. */
WASMPACK_EXTERN int wasmpack_media_type_is_index(const char *media_type);
/* 1 for the OCI image manifest and Docker schema2 media types, else 0. */
WASMPACK_EXTERN int wasmpack_media_type_is_manifest(const char *media_type);

/* An image manifest (OCI, or Docker schema2). Owned by the struct. */
typedef struct wasmpack_manifest {
	int schema_version;  /* always 2 */
	char *media_type;    /* NULL when the document has none */
	char *artifact_type; /* NULL = absent */
	wasmpack_descriptor config;
	wasmpack_descriptor *layers;
	size_t layers_count;
	wasmpack_descriptor *subject; /* NULL = absent */
	wasmpack_kvlist annotations;
} wasmpack_manifest;

/* Parses and validates len bytes of JSON (at most WASMPACK_MANIFEST_MAX):
 * schemaVersion 2, a known manifest mediaType when present, a config
 * descriptor, a layers array, well-formed descriptors (media type, valid
 * digest, non-negative integer size), string-valued annotations; duplicate
 * keys anywhere are rejected. An index is refused with WASMPACK_EINVALID.
 * On success *out is a new manifest the caller frees. */
WASMPACK_EXTERN int wasmpack_manifest_parse(wasmpack_manifest **out, const void *data, size_t len);

/* Emits m as compact JSON with sorted keys into out (caller disposes).
 * The same manifest always gives the same bytes. */
WASMPACK_EXTERN int wasmpack_manifest_serialize(wasmpack_buf *out, const wasmpack_manifest *m);

/* Frees m and all it owns. NULL-safe. */
WASMPACK_EXTERN void wasmpack_manifest_free(wasmpack_manifest *m);

/* An image index (OCI, or Docker manifest list). Owned by the struct. */
typedef struct wasmpack_index {
	int schema_version;
	char *media_type;
	char *artifact_type;
	wasmpack_descriptor *manifests;
	size_t manifests_count;
	wasmpack_descriptor *subject;
	wasmpack_kvlist annotations;
} wasmpack_index;

/* Parses and validates an index as wasmpack_manifest_parse() does a
 * manifest; index entries' platforms need os and architecture. A manifest
 * is refused. *out is new; the caller frees it. */
WASMPACK_EXTERN int wasmpack_index_parse(wasmpack_index **out, const void *data, size_t len);

/* Compact, sorted-key JSON of idx into out (caller disposes). */
WASMPACK_EXTERN int wasmpack_index_serialize(wasmpack_buf *out, const wasmpack_index *idx);

/* Frees idx and all it owns. NULL-safe. */
WASMPACK_EXTERN void wasmpack_index_free(wasmpack_index *idx);

/* wasmpack_strv (a string array) lives in common.h, beside kvlist. */

/* An OCI (or Docker) image config: the fields wasmpack reads and writes.
 * Unknown fields of a parsed config are ignored. Owned by the struct. */
typedef struct wasmpack_image_config {
	char *created; /* RFC 3339, NULL = absent */
	char *author;
	char *os;           /* required */
	char *architecture; /* required */
	char *variant;
	char *os_version;
	wasmpack_strv entrypoint; /* config.Entrypoint */
	wasmpack_strv cmd;        /* config.Cmd */
	wasmpack_strv env;        /* config.Env, "K=V" */
	char *working_dir;        /* config.WorkingDir */
	wasmpack_kvlist labels;   /* config.Labels */
	wasmpack_strv diff_ids;   /* rootfs.diff_ids (rootfs.type "layers") */
} wasmpack_image_config;

/* Parses and validates a config (at most WASMPACK_CONFIG_MAX bytes): os and
 * architecture strings, rootfs.type "layers" with valid diff_ids when
 * present, string arrays where arrays are expected; duplicate keys are
 * rejected. *out is new; the caller frees it. */
WASMPACK_EXTERN int wasmpack_image_config_parse(wasmpack_image_config **out, const void *data,
						size_t len);

/* Compact, sorted-key JSON into out (caller disposes). The "config" object
 * is written only when one of its fields is set; "rootfs" is always
 * written. */
WASMPACK_EXTERN int wasmpack_image_config_serialize(wasmpack_buf *out,
						    const wasmpack_image_config *c);

/* Frees c and all it owns. NULL-safe. */
WASMPACK_EXTERN void wasmpack_image_config_free(wasmpack_image_config *c);

#ifdef __cplusplus
}
#endif
#endif
