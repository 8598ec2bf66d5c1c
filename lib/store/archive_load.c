/* load: images from one tar file, an OCI image layout archive or Docker's
 * older manifest.json-only one. Names inside an archive are only ever
 * compared with names wasmpack expects (blobs/..., what manifest.json
 * lists), never used to open a file, and every blob is checked against
 * its digest before the store names it. */
#include "wasmpack/archive.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/tar.h"
#include "oci/json.h"
#include "store/archive.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/options.h"
#include "util/path.h"

/* The size of wasmpack_load_options at each version (as lib/options.c
 * has it for wasmpack_load_options_init; the store layer may not reach
 * up there). */
static const size_t load_options_sizes[WASMPACK_LOAD_OPTIONS_VERSION] = {
	offsetof(wasmpack_load_options, max_size), /* 1: up to name */
	sizeof(wasmpack_load_options),             /* 2: max_size */
};

/* An archive listing more entries than this is refused before it costs
 * more memory. */
#define ENTRIES_MAX (1u << 20)
/* Symlinks followed to find a file manifest.json names. */
#define LINK_HOPS_MAX 8

/* One entry of the archive, in archive order. name is cleaned; NULL for an
 * entry whose name climbs out of the archive (it can match nothing). */
typedef struct ar_entry {
	char *name;
	char *link; /* symlink target, raw */
	int type;   /* AE_IFREG, AE_IFLNK, ...; hard links count as AE_IFLNK with no target */
	int64_t size;
} ar_entry;

/* A blob the images reach. Manifests, indexes and Docker configs are
 * read into memory; other blobs are streamed into the store. */
typedef struct need {
	char *digest;     /* expected digest; NULL when only the archive can tell */
	char *media_type; /* from the descriptor that named it */
	int64_t size;     /* -1 when unknown */
	long entry;       /* index into entries, -1 = in the store already */
	int json;
	int loaded;   /* json read (or found in the store) */
	int expanded; /* its children were added */
	wasmpack_buf data;
	char got[WASMPACK_DIGEST_MAX]; /* the digest of what was read */
	int64_t got_size;
} need;

/* An image to name once everything is in. */
typedef struct root {
	wasmpack_reference **names;
	size_t nnames;
	wasmpack_descriptor desc;
	long docker; /* index into manifest.json, or -1 */
} root;

typedef struct loader {
	wasmpack_store *store;
	int fd;
	ar_entry *entries;
	size_t nentries;
	wasmpack_buf index_json, docker_json, layout;
	need *needs;
	size_t nneeds;
	root *roots;
	size_t nroots;
	const wasmpack_load_options *opts; /* a current copy of the caller's */
} loader;

/* Opens (again) the caller's archive for one more pass. */
static int archive_open(wp_tar *t, const loader *l)
{
	return wp_tar_open(t, l->fd, WP_TAR_CALLER_FD, "the archive");
}

/* The first pass: every entry's name and type, and the top-level files. */
static int list_entries(loader *l)
{
	wp_tar t;
	struct archive_entry *e;
	int error = 0, r;

	if ((error = archive_open(&t, l)))
		return error;
	while ((r = wp_tar_next(&t)) > 0) {
		e = t.entry;
		if (l->nentries >= ENTRIES_MAX) {
			error = wp_error(WASMPACK_ETOOLARGE, "the archive has over %u entries",
					 ENTRIES_MAX);
			goto done;
		}
		if ((l->nentries & (l->nentries - 1)) == 0) {
			size_t cap = l->nentries ? l->nentries * 2 : 16;
			ar_entry *g = realloc(l->entries, cap * sizeof(*g));
			if (!g) {
				error = wp_error_nomem();
				goto done;
			}
			l->entries = g;
		}
		ar_entry *en = &l->entries[l->nentries++];
		memset(en, 0, sizeof(*en));
		const char *name = archive_entry_pathname(e);
		int climbs = 0;
		en->type = archive_entry_hardlink(e) ? (int)AE_IFLNK
						     : (int)archive_entry_filetype(e);
		en->size = archive_entry_size(e);
		if (name && !(en->name = wp_path_clean(name, &climbs))) {
			error = WASMPACK_ENOMEM;
			goto done;
		}
		if (climbs) {
			free(en->name);
			en->name = NULL;
		}
		if (en->type == AE_IFLNK && !archive_entry_hardlink(e) &&
		    archive_entry_symlink(e) && !(en->link = wp_strdup(archive_entry_symlink(e)))) {
			error = WASMPACK_ENOMEM;
			goto done;
		}
		wasmpack_buf *top = NULL;
		if (en->name && en->type == AE_IFREG) {
			if (strcmp(en->name, "index.json") == 0)
				top = &l->index_json;
			else if (strcmp(en->name, "manifest.json") == 0)
				top = &l->docker_json;
			else if (strcmp(en->name, "oci-layout") == 0)
				top = &l->layout;
		}
		if (top) {
			/* A later copy of the same name wins, as when unpacking. */
			wasmpack_buf_dispose(top);
			top->data = calloc(1, 1);
			if (!top->data) {
				error = wp_error_nomem();
				goto done;
			}
			if ((error = wp_tar_read(&t, top, WASMPACK_MANIFEST_MAX, en->name)))
				goto done;
		}
	}
	error = r;
done:
	wp_tar_close(&t);
	return error;
}

/* The entry holding the file `path` names, following symlinks inside the
 * archive (never out of it). -1 with WASMPACK_ENOTFOUND when absent. */
static int find_file(long *out, const loader *l, const char *path)
{
	char *cur = wp_path_clean(path, NULL);
	int error = 0;
	if (!cur)
		return WASMPACK_ENOMEM;
	for (int hop = 0;; hop++) {
		long found = -1;
		for (size_t i = l->nentries; i-- > 0;)
			if (l->entries[i].name && strcmp(l->entries[i].name, cur) == 0) {
				found = (long)i;
				break;
			}
		if (found < 0) {
			error = wp_error(WASMPACK_ENOTFOUND, "the archive has no '%s'", path);
			break;
		}
		const ar_entry *en = &l->entries[found];
		if (en->type == AE_IFREG) {
			*out = found;
			break;
		}
		if (en->type != AE_IFLNK || !en->link || hop >= LINK_HOPS_MAX) {
			error = wp_error(WASMPACK_EINVALID,
					 "'%s' in the archive is not a regular file", path);
			break;
		}
		int climbs = 0;
		size_t dl = wp_path_dir_len(en->name);
		char *joined = en->link[0] == '/'
				       ? NULL
				       : wp_asprintf("%.*s/%s", (int)dl, en->name, en->link);
		char *next = joined ? wp_path_clean(joined, &climbs) : NULL;
		free(joined);
		if (en->link[0] == '/' || climbs) {
			free(next);
			error = wp_error(WASMPACK_EINVALID,
					 "'%s' in the archive links outside it, to '%s'", path,
					 en->link);
			break;
		}
		if (!next) {
			error = WASMPACK_ENOMEM;
			break;
		}
		free(cur);
		cur = next;
	}
	free(cur);
	return error;
}

static need *need_find(loader *l, const char *digest)
{
	for (size_t i = 0; i < l->nneeds; i++)
		if (l->needs[i].digest && strcmp(l->needs[i].digest, digest) == 0)
			return &l->needs[i];
	return NULL;
}

/* Adds a blob the images reach (once per digest). */
static int need_add(need **out, loader *l, const char *digest, const char *media_type, int64_t size,
		    const char *path, int json)
{
	need *n = digest ? need_find(l, digest) : NULL;
	long entry = -1;
	int error = 0;

	if (n) {
		if (out)
			*out = n;
		return 0;
	}
	if (path) {
		if ((error = find_file(&entry, l, path)))
			return error;
	} else {
		char p[WASMPACK_DIGEST_MAX + 16];
		const char *hex = wasmpack_digest_hex(digest);
		if (!hex)
			return wp_error(WASMPACK_EINVALID, "invalid digest '%s' in the archive",
					digest);
		snprintf(p, sizeof(p), "blobs/%.*s/%s", (int)(hex - 1 - digest), digest, hex);
		int present = wasmpack_store_blob_exists(l->store, digest);
		if (present < 0)
			return present;
		error = find_file(&entry, l, p);
		if (error == WASMPACK_ENOTFOUND && present)
			error = 0;
		else if (error == WASMPACK_ENOTFOUND)
			return wp_error(WASMPACK_ENOTFOUND, "the archive lacks blob '%s'", digest);
		if (error)
			return error;
		if (present)
			entry = -1;
	}
	if (entry >= 0 && size >= 0 && l->entries[entry].size != size)
		return wp_error(WASMPACK_EDIGEST,
				"blob '%s' has %lld bytes in the archive, its descriptor says %lld",
				digest, (long long)l->entries[entry].size, (long long)size);
	need *g = realloc(l->needs, (l->nneeds + 1) * sizeof(*g));
	if (!g)
		return wp_error_nomem();
	l->needs = g;
	n = &l->needs[l->nneeds];
	memset(n, 0, sizeof(*n));
	n->size = size;
	n->entry = entry;
	n->json = json;
	if ((digest && !(n->digest = wp_strdup(digest))) ||
	    (media_type && !(n->media_type = wp_strdup(media_type))))
		error = WASMPACK_ENOMEM;
	l->nneeds++;
	if (out)
		*out = n;
	return error;
}

/* A pass over the archive that reads the json needs still unread. */
static int read_json_pass(loader *l)
{
	wp_tar t;
	int error = 0, r;

	if ((error = archive_open(&t, l)))
		return error;
	while ((r = wp_tar_next(&t)) > 0) {
		long index = t.index;
		for (size_t i = 0; i < l->nneeds; i++) {
			need *n = &l->needs[i];
			if (!n->json || n->loaded || n->entry != index)
				continue;
			if (!(n->data.data = calloc(1, 1))) {
				error = wp_error_nomem();
				goto done;
			}
			if ((error = wp_tar_read(&t, &n->data, WASMPACK_CONFIG_MAX,
						 l->entries[index].name)) ||
			    (error = wasmpack_digest_of(n->got, n->data.data, n->data.size)))
				goto done;
			n->got_size = (int64_t)n->data.size;
			if (n->digest && !wasmpack_digest_equal(n->got, n->digest)) {
				error = wp_error(WASMPACK_EDIGEST,
						 "'%s' in the archive hashes to '%s', not '%s'",
						 l->entries[index].name, n->got, n->digest);
				goto done;
			}
			n->loaded = 1;
			break;
		}
	}
	error = r;
done:
	wp_tar_close(&t);
	return error;
}

/* Where stream_pass sends one entry: the store, within the size the
 * descriptor gives (when it gives one). */
typedef struct blob_sink {
	wasmpack_blob_writer *w;
	const need *n;
	const char *name;
	int64_t total;
} blob_sink;

static int blob_sink_write(const void *data, size_t len, void *payload)
{
	blob_sink *b = payload;
	b->total += (int64_t)len;
	if (b->n->size >= 0 && b->total > b->n->size)
		return wp_error(WASMPACK_EDIGEST,
				"'%s' in the archive is longer than its %lld bytes", b->name,
				(long long)b->n->size);
	return wasmpack_blob_writer_write(b->w, data, len);
}

/* The need the current entry satisfies in the streaming pass, or NULL. */
static need *stream_need(loader *l, long index)
{
	for (size_t i = 0; i < l->nneeds; i++)
		if (!l->needs[i].json && !l->needs[i].loaded && l->needs[i].entry == index)
			return &l->needs[i];
	return NULL;
}

/* Streams the current entry into the store as n, checked against its
 * digest (when the archive gives one) before the store names it. */
static int stream_one(loader *l, wp_tar *t, need *n)
{
	const char *name = l->entries[t->index].name;
	blob_sink b = {NULL, n, name, 0};
	int error;
	if ((error = wasmpack_store_blob_writer(&b.w, l->store)))
		return error;
	/* wp_tar_stream refuses a sparse entry: it could expand a tiny
	 * archive into a disk full of zeros, and no blob is written as one. */
	if ((error = wp_tar_stream(t, name, blob_sink_write, &b)))
		goto done;
	if ((error = wasmpack_blob_writer_commit(n->got, &n->got_size, b.w, n->digest))) {
		wp_error_prefix("'%s' in the archive: ", name);
		goto done;
	}
	if (n->size >= 0 && n->got_size != n->size) {
		error = wp_error(WASMPACK_EDIGEST,
				 "blob '%s' has %lld bytes, its descriptor says %lld", n->got,
				 (long long)n->got_size, (long long)n->size);
		goto done;
	}
	n->loaded = 1;
done:
	wasmpack_blob_writer_free(b.w);
	return error;
}

/* Refuses, before anything is written, a load whose blobs add up to
 * more than max_size (the entry sizes are the tar headers', which
 * stream_one holds each blob to). */
static int check_total_size(const loader *l)
{
	int64_t max = l->opts->max_size == 0 ? WASMPACK_LOAD_MAX_SIZE_DEFAULT : l->opts->max_size;
	int64_t total = 0;
	if (max < 0)
		return 0;
	for (size_t i = 0; i < l->nneeds; i++) {
		const need *n = &l->needs[i];
		if (n->json || n->loaded || n->entry < 0)
			continue;
		int64_t size = l->entries[n->entry].size;
		if (size > max - total)
			return wp_error(WASMPACK_ETOOLARGE,
					"the archive's blobs hold more than %lld bytes (the limit "
					"of what one load writes)",
					(long long)max);
		total += size;
	}
	return 0;
}

/* The last pass: streams the other needs into the store. */
static int stream_pass(loader *l)
{
	wp_tar t;
	int error, r;

	if ((error = check_total_size(l)) || (error = archive_open(&t, l)))
		return error;
	while ((r = wp_tar_next(&t)) > 0) {
		need *n = stream_need(l, t.index);
		if (n && (error = stream_one(l, &t, n)))
			goto done;
	}
	error = r;
done:
	wp_tar_close(&t);
	return error;
}

/* Reads json needs until every manifest and index reached is in memory,
 * adding what each names. */
static int expand_oci(loader *l)
{
	for (int round = 0;; round++) {
		int pending = 0, added = 0, error = 0;
		for (size_t i = 0; i < l->nneeds; i++) {
			need *n = &l->needs[i];
			if (!n->json || n->loaded)
				continue;
			if (n->entry < 0) {
				/* In the store already: read (and verify) it there. */
				if ((error = wasmpack_store_blob_read(&n->data, l->store, n->digest,
								      WASMPACK_MANIFEST_MAX)))
					return error;
				n->loaded = 1;
			} else {
				pending = 1;
			}
		}
		if (pending && (error = read_json_pass(l)))
			return error;
		for (size_t i = 0; i < l->nneeds; i++) {
			/* l->needs may move as needs are added: index, never hold. */
			if (!l->needs[i].json || !l->needs[i].loaded || l->needs[i].expanded)
				continue;
			l->needs[i].expanded = 1;
			added = 1;
			wasmpack_buf data = l->needs[i].data;
			const char *mt = l->needs[i].media_type;
			if ((int64_t)data.size != l->needs[i].size)
				return wp_error(
					WASMPACK_EDIGEST,
					"manifest '%s' has %zu bytes, its descriptor says %lld",
					l->needs[i].digest, data.size, (long long)l->needs[i].size);
			if (wasmpack_media_type_is_index(mt)) {
				wasmpack_index *idx = NULL;
				if ((error = wasmpack_index_parse(&idx, data.data, data.size)))
					return error;
				for (size_t c = 0; c < idx->manifests_count && !error; c++) {
					const wasmpack_descriptor *d = &idx->manifests[c];
					int json = wasmpack_media_type_is_index(d->media_type) ||
						   wasmpack_media_type_is_manifest(d->media_type);
					error = need_add(NULL, l, d->digest, d->media_type, d->size,
							 NULL, json);
				}
				wasmpack_index_free(idx);
			} else {
				wasmpack_manifest *m = NULL;
				if ((error = wasmpack_manifest_parse(&m, data.data, data.size)))
					return error;
				error = need_add(NULL, l, m->config.digest, m->config.media_type,
						 m->config.size, NULL, 0);
				for (size_t c = 0; c < m->layers_count && !error; c++)
					error = need_add(NULL, l, m->layers[c].digest,
							 m->layers[c].media_type, m->layers[c].size,
							 NULL, 0);
				wasmpack_manifest_free(m);
			}
			if (error)
				return error;
		}
		if (!added)
			return 0;
		if (round > WP_ARCHIVE_INDEX_DEPTH_MAX)
			return wp_error(WASMPACK_EINVALID, "indexes nested more than %d deep",
					WP_ARCHIVE_INDEX_DEPTH_MAX);
	}
}

static int root_add_name(root *r, const char *text)
{
	wasmpack_reference *ref = NULL;
	int error = wasmpack_reference_parse(&ref, text);
	if (error)
		return wp_error_prefix("the archive names an image '%s': ", text);
	wasmpack_reference **g = realloc(r->names, (r->nnames + 1) * sizeof(*g));
	if (!g) {
		wasmpack_reference_free(ref);
		return wp_error_nomem();
	}
	r->names = g;
	r->names[r->nnames++] = ref;
	return 0;
}

static int roots_grow(loader *l, root **out)
{
	root *g = realloc(l->roots, (l->nroots + 1) * sizeof(*g));
	if (!g)
		return wp_error_nomem();
	l->roots = g;
	*out = &l->roots[l->nroots++];
	memset(*out, 0, sizeof(**out));
	(*out)->docker = -1;
	return 0;
}

/* Names: the one the caller gives for a lone image, else the archive's. */
static int check_names(loader *l)
{
	if (l->opts->name) {
		if (l->nroots != 1)
			return wp_error(WASMPACK_EINVALID,
					"the archive holds %zu images; a name is for one",
					l->nroots);
		root *r = &l->roots[0];
		for (size_t i = 0; i < r->nnames; i++)
			wasmpack_reference_free(r->names[i]);
		r->nnames = 0;
		wasmpack_reference *copy = NULL;
		int error = wasmpack_reference_dup(&copy, l->opts->name);
		if (error)
			return error;
		if (!r->names && !(r->names = malloc(sizeof(*r->names)))) {
			wasmpack_reference_free(copy);
			return wp_error_nomem();
		}
		r->names[r->nnames++] = copy;
		return 0;
	}
	for (size_t i = 0; i < l->nroots; i++)
		if (!l->roots[i].nnames)
			return wp_error(
				WASMPACK_EINVALID,
				"image %zu of the archive has no full name (only a tag, or none); name it with -t",
				i + 1);
	return 0;
}

static int load_oci(loader *l)
{
	wasmpack_index *idx = NULL;
	int error = 0;

	if (l->layout.data && !strstr((const char *)l->layout.data, "\"1.0.0\""))
		return wp_error(WASMPACK_EUNSUPPORTED,
				"the archive's oci-layout is not version 1.0.0");
	if ((error = wasmpack_index_parse(&idx, l->index_json.data, l->index_json.size))) {
		wp_error_prefix("the archive's index.json: ");
		goto done;
	}
	for (size_t i = 0; i < idx->manifests_count; i++) {
		const wasmpack_descriptor *d = &idx->manifests[i];
		root *r = NULL;
		if (!wasmpack_media_type_is_manifest(d->media_type) &&
		    !wasmpack_media_type_is_index(d->media_type)) {
			error = wp_error(WASMPACK_EUNSUPPORTED,
					 "the archive's index.json names '%s', not an image",
					 d->media_type);
			goto done;
		}
		if ((error = roots_grow(l, &r)) ||
		    (error = wasmpack_descriptor_init(&r->desc, d->media_type, d->digest, d->size)))
			goto done;
		const char *full = wasmpack_kvlist_get(&d->annotations,
						       WASMPACK_ANNOTATION_IMAGE_NAME);
		const char *ref = wasmpack_kvlist_get(&d->annotations,
						      WASMPACK_ANNOTATION_REF_NAME);
		/* A bare ref.name ("v1") is only a tag: it names no repository. */
		if (!full && ref && (strchr(ref, '/') || strchr(ref, ':')))
			full = ref;
		if (full && !l->opts->name && (error = root_add_name(r, full)))
			goto done;
	}
	if ((error = check_names(l)))
		goto done;
	for (size_t i = 0; i < l->nroots && !error; i++)
		error = need_add(NULL, l, l->roots[i].desc.digest, l->roots[i].desc.media_type,
				 l->roots[i].desc.size, NULL, 1);
	if (error || (error = expand_oci(l)) || (error = stream_pass(l)))
		goto done;
	/* The manifests last: children before the indexes that name them. */
	for (size_t i = l->nneeds; i-- > 0 && !error;)
		if (l->needs[i].json && l->needs[i].entry >= 0)
			error = wasmpack_store_blob_put(NULL, l->store, l->needs[i].data.data,
							l->needs[i].data.size, l->needs[i].digest);
done:
	wasmpack_index_free(idx);
	return error;
}

static const char *sniff_layer_type(wasmpack_store *store, const char *digest, int *error)
{
	unsigned char head[4] = {0};
	int fd = -1;
	*error = wasmpack_store_blob_open(&fd, NULL, store, digest);
	if (*error)
		return NULL;
	ssize_t n = read(fd, head, sizeof(head));
	close(fd);
	if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b)
		return WASMPACK_MEDIATYPE_OCI_LAYER_GZIP;
	if (n == 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd)
		return "application/vnd.oci.image.layer.v1.tar+zstd";
	return WASMPACK_MEDIATYPE_OCI_LAYER;
}

static int hash_write(const void *data, size_t len, void *payload)
{
	return wasmpack_sha256_update(payload, data, len);
}

/* The sha256 of a stored layer once uncompressed: its diff_id. */
static int uncompressed_digest(char out[WASMPACK_DIGEST_MAX], wasmpack_store *store,
			       const char *digest)
{
	char what[WASMPACK_DIGEST_MAX + 16];
	wp_tar t = {0};
	wasmpack_sha256 *h = NULL;
	int fd = -1, error = 0;

	snprintf(what, sizeof(what), "layer '%s'", digest);
	if ((error = wasmpack_store_blob_open(&fd, NULL, store, digest)) ||
	    (error = wasmpack_sha256_new(&h)) || (error = wp_tar_open(&t, fd, WP_TAR_RAW, what)))
		goto done;
	if ((error = wp_tar_next(&t)) == 0)
		error = wp_error(WASMPACK_EINVALID, "cannot read %s: it is empty", what);
	if (error < 0)
		goto done;
	la_ssize_t n;
	unsigned char buf[16384];
	while ((n = archive_read_data(t.a, buf, sizeof(buf))) > 0)
		if ((error = hash_write(buf, (size_t)n, h)))
			goto done;
	if (n < 0) {
		error = wp_error(WASMPACK_EINVALID, "cannot read %s: %s", what,
				 archive_error_string(t.a));
		goto done;
	}
	error = wasmpack_sha256_final(out, h);
done:
	wp_tar_close(&t);
	wasmpack_sha256_free(h);
	if (fd >= 0)
		close(fd);
	return error;
}

/* "blobs/sha256/<hex>" and "<hex>.json" name their own digest: then the
 * bytes must match it. */
static char *digest_in_name(const char *path)
{
	char *clean = wp_path_clean(path, NULL);
	char *out = NULL;
	if (!clean)
		return NULL;
	const char *base = clean + wp_path_dir_len(clean) + (wp_path_dir_len(clean) ? 1 : 0);
	size_t n = strlen(base);
	char hex[65];
	if (strncmp(clean, "blobs/sha256/", 13) == 0 && n == 64)
		snprintf(hex, sizeof(hex), "%s", base);
	else if (n == 69 && strcmp(base + 64, ".json") == 0)
		snprintf(hex, sizeof(hex), "%.64s", base);
	else
		hex[0] = '\0';
	free(clean);
	if (hex[0]) {
		out = wp_asprintf("sha256:%s", hex);
		if (out && wasmpack_digest_validate(out) != 0) {
			free(out);
			out = wp_strdup("");
		}
	} else {
		out = wp_strdup("");
	}
	return out;
}

/* One manifest.json entry: the paths it names, then the needs they
 * became (indexes into l->needs, which may move while needs are added). */
typedef struct docker_item {
	char *config_path;
	wasmpack_strv layer_paths;
	size_t config_i;
	size_t *layers_i;
	size_t nlayers;
} docker_item;

#define DOCKER_WHAT "docker manifest.json"

static void docker_items_free(docker_item *items, size_t n)
{
	for (size_t i = 0; items && i < n; i++) {
		free(items[i].config_path);
		wasmpack_strv_dispose(&items[i].layer_paths);
		free(items[i].layers_i);
	}
	free(items);
}

/* Reads manifest.json through the strict JSON layer (duplicate keys,
 * trailing bytes and NULs refused) into one item per image, and makes a
 * root for each, named by its RepoTags unless the caller names it. */
static int docker_read(docker_item **out, size_t *count, loader *l)
{
	json_t *doc = NULL;
	docker_item *items = NULL;
	wp_json_ctx cx;
	size_t n = 0;
	int error;

	*out = NULL;
	*count = 0;
	wp_json_ctx_init(&cx, DOCKER_WHAT);
	if ((error = wp_json_parse_array(&doc, l->docker_json.data, l->docker_json.size,
					 WASMPACK_MANIFEST_MAX, DOCKER_WHAT)) < 0)
		return error;
	if (!(n = json_array_size(doc))) {
		error = wp_json_error(&cx, NULL, "no images");
		goto done;
	}
	if (!(items = calloc(n, sizeof(*items)))) {
		error = wp_error_nomem();
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		const json_t *it = json_array_get(doc, i);
		wasmpack_strv tags = {NULL, 0};
		root *r = NULL;
		size_t mark = wp_json_ctx_push_index(&cx, i);
		if (!json_is_object(it))
			error = wp_json_error(&cx, NULL, "expected an object, got %s",
					      wp_json_type_name(it));
		else if (!(error = wp_json_get_string_dup(&items[i].config_path, it, "Config",
							  WP_JSON_REQUIRED, &cx)) &&
			 !(error = wp_json_get_strv(&items[i].layer_paths, it, "Layers",
						    WP_JSON_REQUIRED, &cx)) &&
			 !(error = wp_json_get_strv(&tags, it, "RepoTags", 0, &cx)) &&
			 !(error = roots_grow(l, &r))) {
			r->docker = (long)i;
			for (size_t t = 0; t < tags.count && !l->opts->name && !error; t++)
				error = root_add_name(r, tags.items[t]);
		}
		wasmpack_strv_dispose(&tags);
		wp_json_ctx_pop(&cx, mark);
		if (error)
			goto done;
	}
	*out = items;
	*count = n;
	items = NULL;
done:
	docker_items_free(items, n);
	json_decref(doc);
	return error;
}

/* The need for the file at path: one already made for the same archive
 * entry (a layer listed twice, or by two images, is read once), else a new
 * one. A name that carries a digest ("<hex>.tar", blobs/sha256/<hex>)
 * makes it the expected digest. */
static int docker_layer_need(size_t *out, loader *l, const char *path)
{
	char *named = digest_in_name(path);
	long entry = -1;
	need *n = NULL;
	int error;
	if (!named)
		return WASMPACK_ENOMEM;
	if (!(error = find_file(&entry, l, path))) {
		for (size_t q = 0; q < l->nneeds && !n; q++)
			if (!l->needs[q].json && l->needs[q].entry == entry)
				n = &l->needs[q];
		if (!n)
			error = need_add(&n, l, NULL, NULL, -1, path, 0);
		if (!error && *named && !n->digest && !(n->digest = wp_strdup(named)))
			error = WASMPACK_ENOMEM;
	}
	free(named);
	if (!error)
		*out = (size_t)(n - l->needs);
	return error;
}

/* Turns each item's paths into needs: its config (read into memory) and
 * its layers (streamed into the store). */
static int docker_needs(loader *l, docker_item *items, size_t nitems)
{
	int error = 0;
	for (size_t i = 0; i < nitems; i++) {
		docker_item *d = &items[i];
		char *named = digest_in_name(d->config_path);
		need *n = NULL;
		if (!named)
			return WASMPACK_ENOMEM;
		error = need_add(&n, l, *named ? named : NULL, WASMPACK_MEDIATYPE_OCI_CONFIG, -1,
				 d->config_path, 1);
		free(named);
		if (error)
			return error;
		d->config_i = (size_t)(n - l->needs);
		d->nlayers = d->layer_paths.count;
		if (!(d->layers_i = calloc(d->nlayers ? d->nlayers : 1, sizeof(size_t))))
			return wp_error_nomem();
		for (size_t k = 0; k < d->nlayers; k++)
			if ((error = docker_layer_need(&d->layers_i[k], l,
						       d->layer_paths.items[k])))
				return error;
	}
	return 0;
}

/* Checks layer k of image i against its config's diff_id: its digest is
 * the diff_id (an uncompressed layer) or it hashes to it uncompressed. */
static int docker_check_diff_id(loader *l, const need *ln, const char *diff_id, size_t k, size_t i)
{
	char diff[WASMPACK_DIGEST_MAX];
	int error;
	if (wasmpack_digest_equal(ln->got, diff_id))
		return 0;
	if ((error = uncompressed_digest(diff, l->store, ln->got)))
		return error;
	if (!wasmpack_digest_equal(diff, diff_id))
		return wp_error(
			WASMPACK_EDIGEST,
			"layer %zu of image %zu in the archive is '%s' uncompressed, its config says '%s'",
			k, i, diff, diff_id);
	return 0;
}

/* Writes the OCI manifest for image i (its config and layers now in
 * memory and the store) and points its root at it. */
static int docker_manifest(loader *l, const docker_item *d, size_t i)
{
	need *cn = &l->needs[d->config_i];
	wasmpack_image_config *c = NULL;
	wasmpack_manifest m;
	wasmpack_buf raw = WASMPACK_BUF_INIT;
	char mdigest[WASMPACK_DIGEST_MAX];
	int error;

	memset(&m, 0, sizeof(m));
	if ((error = wasmpack_image_config_parse(&c, cn->data.data, cn->data.size)))
		return error;
	if (c->diff_ids.count != d->nlayers) {
		error = wp_error(WASMPACK_EINVALID,
				 "image %zu of the archive lists %zu layers, its config %zu", i,
				 d->nlayers, c->diff_ids.count);
		goto done;
	}
	m.schema_version = 2;
	m.media_type = WASMPACK_MEDIATYPE_OCI_MANIFEST;
	m.config.media_type = WASMPACK_MEDIATYPE_OCI_CONFIG;
	m.config.digest = cn->got;
	m.config.size = cn->got_size;
	if (!(m.layers = calloc(d->nlayers ? d->nlayers : 1, sizeof(*m.layers)))) {
		error = wp_error_nomem();
		goto done;
	}
	m.layers_count = d->nlayers;
	for (size_t k = 0; k < d->nlayers && !error; k++) {
		need *ln = &l->needs[d->layers_i[k]];
		m.layers[k].digest = ln->got;
		m.layers[k].size = ln->got_size;
		m.layers[k].media_type = (char *)sniff_layer_type(l->store, ln->got, &error);
		if (!error)
			error = docker_check_diff_id(l, ln, c->diff_ids.items[k], k, i);
	}
	if (!error && !(error = wasmpack_manifest_serialize(&raw, &m)))
		error = wasmpack_store_blob_put(mdigest, l->store, raw.data, raw.size, NULL);
	if (!error)
		error = wasmpack_descriptor_init(&l->roots[i].desc, WASMPACK_MEDIATYPE_OCI_MANIFEST,
						 mdigest, (int64_t)raw.size);
done:
	/* m borrows every string: free only the array. */
	free(m.layers);
	wasmpack_image_config_free(c);
	wasmpack_buf_dispose(&raw);
	return error;
}

/* A Docker archive: manifest.json names each image's config and layer
 * files; the OCI manifest is made here. */
static int load_docker(loader *l)
{
	docker_item *items = NULL;
	size_t nitems = 0;
	int error;

	if ((error = docker_read(&items, &nitems, l)) || (error = check_names(l)) ||
	    (error = docker_needs(l, items, nitems)) || (error = read_json_pass(l)) ||
	    (error = stream_pass(l)))
		goto done;
	for (size_t i = 0; i < nitems && !error; i++)
		error = docker_manifest(l, &items[i], i);
	/* Configs go in once their image is known to be whole. */
	for (size_t i = 0; i < nitems && !error; i++) {
		need *cn = &l->needs[items[i].config_i];
		error = wasmpack_store_blob_put(NULL, l->store, cn->data.data, cn->data.size,
						cn->got);
	}
done:
	docker_items_free(items, nitems);
	return error;
}

int wasmpack_load(wasmpack_store_image **out, size_t *count, wasmpack_store *store, int fd,
		  const wasmpack_load_options *opts)
{
	wasmpack_load_options copy = WASMPACK_LOAD_OPTIONS_INIT;
	wasmpack_store_image *images = NULL;
	size_t nimages = 0;
	loader l;
	int error = 0;

	memset(&l, 0, sizeof(l));
	if (!out || !count || !store || fd < 0)
		return wp_error(WASMPACK_EINVALID, "cannot load: missing argument");
	if ((error = wp_options_copy(&copy, sizeof(copy), opts, load_options_sizes,
				     WASMPACK_LOAD_OPTIONS_VERSION, "load")))
		return error;
	l.store = store;
	l.fd = fd;
	l.opts = &copy;
	if ((error = list_entries(&l)))
		goto done;
	if (l.index_json.data)
		error = load_oci(&l);
	else if (l.docker_json.data)
		error = load_docker(&l);
	else
		error = wp_error(
			WASMPACK_EINVALID,
			"not an image archive: it has neither index.json nor manifest.json");
	if (error)
		goto done;
	size_t total = 0;
	for (size_t i = 0; i < l.nroots; i++)
		total += l.roots[i].nnames;
	if (!(images = calloc(total ? total : 1, sizeof(*images)))) {
		error = wp_error_nomem();
		goto done;
	}
	for (size_t i = 0; i < l.nroots; i++) {
		for (size_t k = 0; k < l.roots[i].nnames; k++) {
			wasmpack_store_image *img = &images[nimages];
			if ((error = wasmpack_store_tag(store, l.roots[i].names[k],
							&l.roots[i].desc)) ||
			    (error = wasmpack_reference_format(&img->name, l.roots[i].names[k])) ||
			    (error = wasmpack_descriptor_copy(&img->descriptor, &l.roots[i].desc)))
				goto done;
			nimages++;
		}
	}
	*out = images;
	*count = nimages;
	images = NULL;
	nimages = 0;
done:
	wasmpack_store_images_free(images, nimages);
	for (size_t i = 0; i < l.nentries; i++) {
		free(l.entries[i].name);
		free(l.entries[i].link);
	}
	free(l.entries);
	for (size_t i = 0; i < l.nneeds; i++) {
		free(l.needs[i].digest);
		free(l.needs[i].media_type);
		wasmpack_buf_dispose(&l.needs[i].data);
	}
	free(l.needs);
	for (size_t i = 0; i < l.nroots; i++) {
		for (size_t k = 0; k < l.roots[i].nnames; k++)
			wasmpack_reference_free(l.roots[i].names[k]);
		free(l.roots[i].names);
		wasmpack_descriptor_dispose(&l.roots[i].desc);
	}
	free(l.roots);
	wasmpack_buf_dispose(&l.index_json);
	wasmpack_buf_dispose(&l.docker_json);
	wasmpack_buf_dispose(&l.layout);
	if (error)
		wp_error_prefix("cannot load: ");
	return error;
}
