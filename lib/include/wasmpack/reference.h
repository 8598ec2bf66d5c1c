/* Image references in the docker grammar ("user/app:tag",
 * "localhost:5000/a/b@sha256:..."), normalized as docker does. */
#ifndef WASMPACK_REFERENCE_H
#define WASMPACK_REFERENCE_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest repository path (registry host excluded) docker accepts. */
#define WASMPACK_REFERENCE_NAME_MAX 255

/* A parsed, normalized reference. All strings are owned by the struct and
 * released by wasmpack_reference_free(); treat the fields as read-only.
 *   registry:   "docker.io", "ghcr.io", "localhost:5000", "[::1]:5000"
 *   repository: "library/alpine", "user/app"
 *   tag:        "latest" when the text named neither tag nor digest;
 *               otherwise the tag given, or NULL for a digest-only ref
 *   digest:     "sha256:..." or NULL */
typedef struct wasmpack_reference {
	char *registry;
	char *repository;
	char *tag;
	char *digest;
} wasmpack_reference;

/* Parses and normalizes text ("alpine" -> docker.io/library/alpine:latest,
 * "index.docker.io/x/y" -> docker.io/x/y). Rejects upper case in the path,
 * a bare 64-hex name, names over WASMPACK_REFERENCE_NAME_MAX, bad tags and
 * digests, with WASMPACK_EINVALID and a message naming the problem.
 * On success *out is a new reference the caller frees. */
WASMPACK_EXTERN int wasmpack_reference_parse(wasmpack_reference **out, const char *text);

/* The full normalized form: "docker.io/library/alpine:latest",
 * "host/a/b:tag@sha256:...", "host/a/b@sha256:...". New string in *out,
 * freed by the caller with free(). */
WASMPACK_EXTERN int wasmpack_reference_format(char **out, const wasmpack_reference *ref);

/* "registry/repository" without tag or digest. New string, caller frees. */
WASMPACK_EXTERN int wasmpack_reference_name(char **out, const wasmpack_reference *ref);

/* What to ask a registry or store for: the digest when present (it wins
 * over a tag), else the tag. Borrowed from ref. */
WASMPACK_EXTERN const char *wasmpack_reference_target(const wasmpack_reference *ref);

/* The host to contact: "registry-1.docker.io" for docker.io, else the
 * registry as written. Borrowed static or from ref. */
WASMPACK_EXTERN const char *wasmpack_reference_api_host(const wasmpack_reference *ref);

/* Makes a deep copy in *out; the caller frees it. */
WASMPACK_EXTERN int wasmpack_reference_dup(wasmpack_reference **out, const wasmpack_reference *ref);

/* Frees ref and its strings. NULL-safe. */
WASMPACK_EXTERN void wasmpack_reference_free(wasmpack_reference *ref);

#ifdef __cplusplus
}
#endif
#endif
