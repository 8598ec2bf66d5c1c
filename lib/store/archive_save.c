/* save: images in one tar file, written as an OCI image layout that also
 * carries Docker's manifest.json, so `docker load` reads it too. Blobs
 * are written in digest order, manifests and indexes from memory (read
 * and verified once), configs and layers streamed from the store. */
#include "wasmpack/archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/module.h"
#include "oci/json.h"
#include "store/archive.h"
#include "util/error.h"
#include "util/fs.h"

#define LAYOUT_JSON "{\"imageLayoutVersion\":\"1.0.0\"}"
#define CHUNK (256 * 1024)

/* One blob to write; manifests and indexes are kept in memory (read and
 * verified once), configs and layers are streamed from the store. */
typedef struct save_blob {
	char *digest;
	int64_t size;
	wasmpack_buf json;
} save_blob;

/* One manifest.json entry: an image with an image config. */
typedef struct docker_image {
	char *manifest_digest;
	json_t *entry; /* {"Config", "Layers", "RepoTags"} */
} docker_image;

typedef struct saver {
	wasmpack_store *store;
	save_blob *blobs;
	size_t nblobs;
	docker_image *images;
	size_t nimages;
	int fd;
	int write_errno;
} saver;

static int save_add(saver *s, const char *digest, int64_t size, wasmpack_buf *json)
{
	for (size_t i = 0; i < s->nblobs; i++)
		if (strcmp(s->blobs[i].digest, digest) == 0) {
			wasmpack_buf_dispose(json);
			return 0;
		}
	save_blob *g = realloc(s->blobs, (s->nblobs + 1) * sizeof(*g));
	if (!g)
		return wp_error_nomem();
	s->blobs = g;
	save_blob *b = &s->blobs[s->nblobs];
	memset(b, 0, sizeof(*b));
	if (!(b->digest = wp_strdup(digest)))
		return WASMPACK_ENOMEM;
	b->size = size;
	if (json) {
		b->json = *json;
		memset(json, 0, sizeof(*json));
	}
	s->nblobs++;
	return 0;
}

static int blob_path(char *out, size_t size, const char *digest)
{
	const char *hex = wasmpack_digest_hex(digest);
	if (!hex || strncmp(digest, "sha256:", 7) != 0)
		return wp_error(WASMPACK_EUNSUPPORTED,
				"cannot save blob '%s': only sha256 is supported", digest);
	snprintf(out, size, "blobs/sha256/%s", hex);
	return 0;
}

/* "user/app:1.0" for Docker Hub names, as docker save writes them;
 * "host/repo:tag" otherwise. */
static char *docker_tag(const wasmpack_reference *ref)
{
	const char *repo = ref->repository;
	if (strcmp(ref->registry, "docker.io") == 0) {
		if (strncmp(repo, "library/", 8) == 0 && !strchr(repo + 8, '/'))
			repo += 8;
		return wp_asprintf("%s:%s", repo, ref->tag);
	}
	return wp_asprintf("%s/%s:%s", ref->registry, repo, ref->tag);
}

/* Adds ref's name to the manifest.json entry of manifest m. */
static int save_docker_entry(saver *s, const wasmpack_reference *ref, const char *digest,
			     const wasmpack_manifest *m)
{
	char path[WASMPACK_DIGEST_MAX + 16];
	docker_image *img = NULL;
	int error = 0;

	for (size_t i = 0; i < s->nimages; i++)
		if (strcmp(s->images[i].manifest_digest, digest) == 0)
			img = &s->images[i];
	if (!img) {
		docker_image *g = realloc(s->images, (s->nimages + 1) * sizeof(*g));
		if (!g)
			return wp_error_nomem();
		s->images = g;
		img = &s->images[s->nimages];
		memset(img, 0, sizeof(*img));
		if (!(img->manifest_digest = wp_strdup(digest)))
			return WASMPACK_ENOMEM;
		s->nimages++;
		json_t *layers = json_array();
		if ((error = blob_path(path, sizeof(path), m->config.digest)))
			return error;
		img->entry = json_pack("{s:s, s:o, s:[]}", "Config", path, "Layers", layers,
				       "RepoTags");
		if (!img->entry)
			return wp_error_nomem();
		for (size_t i = 0; i < m->layers_count; i++) {
			if ((error = blob_path(path, sizeof(path), m->layers[i].digest)) ||
			    (error = wp_json_append_new(layers, json_string(path))))
				return error;
		}
	}
	if (!ref->tag)
		return 0;
	char *tag = docker_tag(ref);
	if (!tag)
		return WASMPACK_ENOMEM;
	error = wp_json_append_new(json_object_get(img->entry, "RepoTags"), json_string(tag));
	free(tag);
	return error;
}

/* Collects the blobs d reaches. */
static int save_walk(saver *s, const wasmpack_descriptor *d, const wasmpack_reference *ref,
		     int depth)
{
	wasmpack_buf raw = WASMPACK_BUF_INIT;
	wasmpack_manifest *m = NULL;
	wasmpack_index *idx = NULL;
	int error = 0;

	if (depth > WP_ARCHIVE_INDEX_DEPTH_MAX)
		return wp_error(WASMPACK_EINVALID, "indexes nested more than %d deep",
				WP_ARCHIVE_INDEX_DEPTH_MAX);
	if ((error = wasmpack_store_blob_read(&raw, s->store, d->digest, WASMPACK_MANIFEST_MAX)))
		goto done;
	if ((int64_t)raw.size != d->size) {
		error = wp_error(WASMPACK_EDIGEST,
				 "manifest '%s' has %zu bytes, its descriptor says %lld", d->digest,
				 raw.size, (long long)d->size);
		goto done;
	}
	if (wasmpack_media_type_is_index(d->media_type)) {
		if ((error = wasmpack_index_parse(&idx, raw.data, raw.size)))
			goto done;
		for (size_t i = 0; i < idx->manifests_count && !error; i++)
			error = save_walk(s, &idx->manifests[i], NULL, depth + 1);
	} else if (wasmpack_media_type_is_manifest(d->media_type)) {
		if ((error = wasmpack_manifest_parse(&m, raw.data, raw.size)) ||
		    (error = save_add(s, m->config.digest, m->config.size, NULL)))
			goto done;
		for (size_t i = 0; i < m->layers_count && !error; i++)
			error = save_add(s, m->layers[i].digest, m->layers[i].size, NULL);
		/* docker load knows image configs only, not artifacts. */
		if (!error && ref && depth == 0 &&
		    wp_media_type_is_image_config(m->config.media_type))
			error = save_docker_entry(s, ref, d->digest, m);
	} else {
		error = wp_error(WASMPACK_EUNSUPPORTED, "cannot save '%s': not a manifest or index",
				 d->media_type);
	}
	if (!error)
		error = save_add(s, d->digest, d->size, &raw);
done:
	wasmpack_manifest_free(m);
	wasmpack_index_free(idx);
	wasmpack_buf_dispose(&raw);
	return error;
}

static la_ssize_t tar_write(struct archive *a, void *payload, const void *buf, size_t len)
{
	saver *s = payload;
	if (wp_write_all(s->fd, buf, len) != 0) {
		s->write_errno = errno;
		archive_set_error(a, errno, "%s", strerror(errno));
		return -1;
	}
	return (la_ssize_t)len;
}

static int tar_fail(saver *s, struct archive *a, const char *what)
{
	if (s->write_errno)
		return wp_error(WASMPACK_EIO, "cannot write the archive: %s",
				strerror(s->write_errno));
	return wp_error(WASMPACK_EIO, "cannot write %s to the archive: %s", what,
			archive_error_string(a));
}

/* Writes the header of one entry: fixed owner, mode and time, so the same
 * images give the same archive. */
static int tar_header(saver *s, struct archive *a, const char *name, int dir, int64_t size)
{
	struct archive_entry *e = archive_entry_new();
	if (!e)
		return wp_error_nomem();
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, dir ? AE_IFDIR : AE_IFREG);
	archive_entry_set_perm(e, dir ? 0755 : 0644);
	archive_entry_set_size(e, dir ? 0 : size);
	archive_entry_set_mtime(e, 0, 0);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	int r = archive_write_header(a, e);
	archive_entry_free(e);
	return r == ARCHIVE_OK ? 0 : tar_fail(s, a, name);
}

static int tar_bytes(saver *s, struct archive *a, const char *name, const void *data, size_t len)
{
	int error = tar_header(s, a, name, 0, (int64_t)len);
	if (!error && len && archive_write_data(a, data, len) != (la_ssize_t)len)
		error = tar_fail(s, a, name);
	return error;
}

/* Streams a stored blob into the archive, hashing it on the way: what was
 * stored must still be what its digest says. */
static int tar_blob(saver *s, struct archive *a, const save_blob *b, unsigned char *buf)
{
	char name[WASMPACK_DIGEST_MAX + 16], got[WASMPACK_DIGEST_MAX];
	wasmpack_sha256 *h = NULL;
	int64_t size = 0, left;
	int fd = -1, error = 0;

	if ((error = blob_path(name, sizeof(name), b->digest)))
		return error;
	if (b->json.data)
		return tar_bytes(s, a, name, b->json.data, b->json.size);
	if ((error = wasmpack_store_blob_open(&fd, &size, s->store, b->digest)))
		return error;
	if (size != b->size) {
		error = wp_error(WASMPACK_EDIGEST,
				 "blob '%s' in the store has %lld bytes, its descriptor says %lld",
				 b->digest, (long long)size, (long long)b->size);
		goto done;
	}
	if ((error = wasmpack_sha256_new(&h)) || (error = tar_header(s, a, name, 0, size)))
		goto done;
	for (left = size; left > 0;) {
		ssize_t n = read(fd, buf, left < CHUNK ? (size_t)left : CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			error = wp_error(WASMPACK_EIO, "cannot read blob '%s': %s", b->digest,
					 n < 0 ? strerror(errno) : "file shrank");
			goto done;
		}
		if ((error = wasmpack_sha256_update(h, buf, (size_t)n)))
			goto done;
		if (archive_write_data(a, buf, (size_t)n) != n) {
			error = tar_fail(s, a, name);
			goto done;
		}
		left -= n;
	}
	if ((error = wasmpack_sha256_final(got, h)))
		goto done;
	if (!wasmpack_digest_equal(got, b->digest))
		error = wp_error(WASMPACK_EDIGEST,
				 "blob '%s' in the store was altered: it hashes to '%s'", b->digest,
				 got);
done:
	wasmpack_sha256_free(h);
	if (fd >= 0)
		close(fd);
	return error;
}

static int blob_cmp(const void *a, const void *b)
{
	return strcmp(((const save_blob *)a)->digest, ((const save_blob *)b)->digest);
}

/* Resolves ref into the index entry d (which the caller's index owns
 * once initialized: *added says so), names it with the annotations docker
 * and containerd read, and queues every blob it reaches. */
static int save_add_image(saver *s, wasmpack_descriptor *d, int *added,
			  const wasmpack_reference *ref)
{
	wasmpack_descriptor found;
	char *name = NULL, *full = NULL;
	int error;
	memset(&found, 0, sizeof(found));
	*added = 0;
	error = wasmpack_store_resolve(&found, s->store, ref);
	if (!error &&
	    !(error = wasmpack_descriptor_init(d, found.media_type, found.digest, found.size)))
		*added = 1;
	if (!error && !(error = wasmpack_reference_name(&name, ref)) &&
	    !(full = ref->tag ? wp_asprintf("%s:%s", name, ref->tag)
			      : wp_asprintf("%s@%s", name, found.digest)))
		error = WASMPACK_ENOMEM;
	if (!error)
		error = wasmpack_kvlist_set(&d->annotations, WASMPACK_ANNOTATION_IMAGE_NAME, full);
	if (!error && ref->tag)
		error = wasmpack_kvlist_set(&d->annotations, WASMPACK_ANNOTATION_REF_NAME,
					    ref->tag);
	if (!error)
		error = save_walk(s, d, ref, 0);
	free(name);
	free(full);
	wasmpack_descriptor_dispose(&found);
	return error;
}

/* Docker's manifest.json: one entry per image with an image config. */
static int save_docker_json(wasmpack_buf *out, const saver *s)
{
	json_t *docker = json_array();
	int error = 0;
	if (!docker)
		return wp_error_nomem();
	for (size_t i = 0; i < s->nimages && !error; i++)
		error = wp_json_append_new(docker, json_incref(s->images[i].entry));
	if (!error)
		error = wp_json_dump(out, docker);
	json_decref(docker);
	return error;
}

/* Writes the archive: the layout files first, then every blob. */
static int save_write(saver *s, const wasmpack_buf *index_json, const wasmpack_buf *docker_json)
{
	struct archive *a = NULL;
	unsigned char *buf = NULL;
	int error = 0;
	if (!(buf = malloc(CHUNK)) || !(a = archive_write_new())) {
		error = wp_error_nomem();
		goto done;
	}
	/* ustar, with pax headers only where ustar cannot say something. */
	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_add_filter_none(a) != ARCHIVE_OK ||
	    archive_write_open(a, s, NULL, tar_write, NULL) != ARCHIVE_OK) {
		error = tar_fail(s, a, "the header");
		goto done;
	}
	if ((error = tar_bytes(s, a, "oci-layout", LAYOUT_JSON, strlen(LAYOUT_JSON))) ||
	    (error = tar_bytes(s, a, "index.json", index_json->data, index_json->size)) ||
	    (error = tar_bytes(s, a, "manifest.json", docker_json->data, docker_json->size)) ||
	    (error = tar_header(s, a, "blobs/", 1, 0)) ||
	    (error = tar_header(s, a, "blobs/sha256/", 1, 0)))
		goto done;
	for (size_t i = 0; i < s->nblobs; i++)
		if ((error = tar_blob(s, a, &s->blobs[i], buf)))
			goto done;
	if (archive_write_close(a) != ARCHIVE_OK)
		error = tar_fail(s, a, "the end");
done:
	archive_write_free(a);
	free(buf);
	return error;
}

static void saver_dispose(saver *s)
{
	for (size_t i = 0; i < s->nblobs; i++) {
		free(s->blobs[i].digest);
		wasmpack_buf_dispose(&s->blobs[i].json);
	}
	free(s->blobs);
	for (size_t i = 0; i < s->nimages; i++) {
		free(s->images[i].manifest_digest);
		json_decref(s->images[i].entry);
	}
	free(s->images);
}

int wasmpack_save(wasmpack_store *store, const wasmpack_reference *const *refs, size_t count,
		  int fd)
{
	saver s;
	wasmpack_index idx;
	wasmpack_buf index_json = WASMPACK_BUF_INIT, docker_json = WASMPACK_BUF_INIT;
	int error = 0;

	memset(&s, 0, sizeof(s));
	memset(&idx, 0, sizeof(idx));
	if (!store || !refs || !count || fd < 0)
		return wp_error(WASMPACK_EINVALID, "cannot save: missing argument");
	s.store = store;
	s.fd = fd;
	idx.schema_version = 2;
	idx.media_type = WASMPACK_MEDIATYPE_OCI_INDEX;
	if (!(idx.manifests = calloc(count, sizeof(*idx.manifests))))
		return wp_error_nomem();
	for (size_t i = 0; i < count && !error; i++) {
		int added = 0;
		error = save_add_image(&s, &idx.manifests[i], &added, refs[i]);
		idx.manifests_count += (size_t)added;
	}
	if (error)
		goto done;
	/* Blobs in digest order: the archive does not depend on the order
	 * the images were named in. */
	qsort(s.blobs, s.nblobs, sizeof(*s.blobs), blob_cmp);
	if (!(error = wasmpack_index_serialize(&index_json, &idx)) &&
	    !(error = save_docker_json(&docker_json, &s)))
		error = save_write(&s, &index_json, &docker_json);
done:
	wasmpack_buf_dispose(&index_json);
	wasmpack_buf_dispose(&docker_json);
	for (size_t i = 0; i < idx.manifests_count; i++)
		wasmpack_descriptor_dispose(&idx.manifests[i]);
	free(idx.manifests);
	saver_dispose(&s);
	if (error)
		wp_error_prefix("cannot save: ");
	return error;
}
