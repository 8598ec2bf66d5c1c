/* OCI descriptors and platforms: lifetime, validation, and conversion to
 * and from JSON; also the top-level fields manifests and indexes share. */
#include "oci/oci_internal.h"

#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "wasmpack/digest.h"

/* --- media types ------------------------------------------------------- */

int wasmpack_media_type_is_index(const char *media_type)
{
	return media_type && (strcmp(media_type, WASMPACK_MEDIATYPE_OCI_INDEX) == 0 ||
			      strcmp(media_type, WASMPACK_MEDIATYPE_DOCKER_LIST) == 0);
}

int wasmpack_media_type_is_manifest(const char *media_type)
{
	return media_type && (strcmp(media_type, WASMPACK_MEDIATYPE_OCI_MANIFEST) == 0 ||
			      strcmp(media_type, WASMPACK_MEDIATYPE_DOCKER_MANIFEST) == 0);
}

static int is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Length of the RFC 6838 restricted-name at s, 0 when there is none. */
static size_t restricted_name(const char *s)
{
	size_t n = 0;
	if (!is_alnum(s[0]))
		return 0;
	while (s[n] && (is_alnum(s[n]) || strchr("!#$&-^_.+", s[n])))
		n++;
	return n;
}

int wp_media_type_valid(const char *s)
{
	if (!s)
		return 0;
	size_t t = restricted_name(s);
	if (t == 0 || t > 127 || s[t] != '/')
		return 0;
	size_t st = restricted_name(s + t + 1);
	return st > 0 && st <= 127 && s[t + 1 + st] == '\0';
}

int wp_digest_check(const char *digest, const char *key, wp_json_ctx *cx)
{
	int rc = wasmpack_digest_validate(digest);
	/* Well-formed digests of other algorithms pass: the document is
	 * valid, and only fetching that blob would need the algorithm. */
	if (rc == 0 || rc == WASMPACK_EUNSUPPORTED)
		return 0;
	return wp_json_error(cx, key, "invalid digest '%.200s'", digest);
}

/* --- platforms --------------------------------------------------------- */

void wp_platform_free(wasmpack_platform *p)
{
	if (!p)
		return;
	free(p->os);
	free(p->architecture);
	free(p->variant);
	free(p->os_version);
	free(p);
}

int wp_platform_copy(wasmpack_platform **out, const wasmpack_platform *src)
{
	wasmpack_platform *p = NULL;
	*out = NULL;
	if (!src)
		return 0;
	p = calloc(1, sizeof(*p));
	if (!p)
		return wp_error_nomem();
	if ((src->os && !(p->os = strdup(src->os))) ||
	    (src->architecture && !(p->architecture = strdup(src->architecture))) ||
	    (src->variant && !(p->variant = strdup(src->variant))) ||
	    (src->os_version && !(p->os_version = strdup(src->os_version)))) {
		wp_platform_free(p);
		return wp_error_nomem();
	}
	*out = p;
	return 0;
}

static int platform_from_json(wasmpack_platform **out, const json_t *j, wp_json_ctx *cx)
{
	wasmpack_platform *p = NULL;
	int error = 0;
	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return wp_error_nomem();
	if ((error = wp_json_get_string_dup(&p->os, j, "os", WP_JSON_REQUIRED, cx)) < 0 ||
	    (error = wp_json_get_string_dup(&p->architecture, j, "architecture", WP_JSON_REQUIRED,
					    cx)) < 0 ||
	    (error = wp_json_get_string_dup(&p->variant, j, "variant", 0, cx)) < 0 ||
	    (error = wp_json_get_string_dup(&p->os_version, j, "os.version", 0, cx)) < 0)
		goto done;
	*out = p;
	p = NULL;
done:
	wp_platform_free(p);
	return error;
}

static int platform_to_json(json_t **out, const wasmpack_platform *p, wp_json_ctx *cx)
{
	json_t *o = NULL;
	int error = 0;
	*out = NULL;
	if (!p->os)
		return wp_json_error(cx, "os", "missing");
	if (!p->architecture)
		return wp_json_error(cx, "architecture", "missing");
	o = json_object();
	if (!o)
		return wp_error_nomem();
	if ((error = wp_json_set_string(o, "os", p->os, cx)) < 0 ||
	    (error = wp_json_set_string(o, "architecture", p->architecture, cx)) < 0 ||
	    (error = wp_json_set_string(o, "variant", p->variant, cx)) < 0 ||
	    (error = wp_json_set_string(o, "os.version", p->os_version, cx)) < 0)
		goto done;
	*out = o;
	o = NULL;
done:
	json_decref(o);
	return error;
}

/* --- descriptors ------------------------------------------------------- */

int wasmpack_descriptor_init(wasmpack_descriptor *d, const char *media_type, const char *digest,
			     int64_t size)
{
	if (!d)
		return wp_error(WASMPACK_EINVALID, "cannot make descriptor: no output");
	memset(d, 0, sizeof(*d));
	if (!media_type || !digest)
		return wp_error(WASMPACK_EINVALID,
				"cannot make descriptor: missing media type or digest");
	if (size < 0)
		return wp_error(WASMPACK_EINVALID,
				"cannot make descriptor '%s': negative size %lld", digest,
				(long long)size);
	d->media_type = strdup(media_type);
	d->digest = strdup(digest);
	d->size = size;
	if (!d->media_type || !d->digest) {
		wasmpack_descriptor_dispose(d);
		return wp_error_nomem();
	}
	return 0;
}

void wasmpack_descriptor_dispose(wasmpack_descriptor *d)
{
	if (!d)
		return;
	free(d->media_type);
	free(d->digest);
	free(d->artifact_type);
	wasmpack_kvlist_dispose(&d->annotations);
	wp_platform_free(d->platform);
	memset(d, 0, sizeof(*d));
}

int wasmpack_descriptor_copy(wasmpack_descriptor *dst, const wasmpack_descriptor *src)
{
	int error = 0;
	if (!dst || !src)
		return wp_error(WASMPACK_EINVALID, "cannot copy descriptor: missing argument");
	memset(dst, 0, sizeof(*dst));
	dst->size = src->size;
	if ((src->media_type && !(dst->media_type = strdup(src->media_type))) ||
	    (src->digest && !(dst->digest = strdup(src->digest))) ||
	    (src->artifact_type && !(dst->artifact_type = strdup(src->artifact_type)))) {
		error = wp_error_nomem();
		goto done;
	}
	if ((error = wp_kvlist_copy(&dst->annotations, &src->annotations)) < 0 ||
	    (error = wp_platform_copy(&dst->platform, src->platform)) < 0)
		goto done;
done:
	if (error < 0)
		wasmpack_descriptor_dispose(dst);
	return error;
}

void wp_descriptors_free(wasmpack_descriptor *d, size_t count)
{
	if (!d)
		return;
	for (size_t i = 0; i < count; i++)
		wasmpack_descriptor_dispose(&d[i]);
	free(d);
}

int wp_descriptor_from_json(wasmpack_descriptor *out, const json_t *j, wp_json_ctx *cx)
{
	wasmpack_descriptor d;
	const char *media_type = NULL, *digest = NULL, *artifact_type = NULL;
	const json_t *platform = NULL;
	int error = 0;

	memset(&d, 0, sizeof(d));
	memset(out, 0, sizeof(*out));
	if (!json_is_object(j))
		return wp_json_error(cx, NULL, "expected an object, got %s", wp_json_type_name(j));
	if ((error = wp_json_get_string(&media_type, j, "mediaType", WP_JSON_REQUIRED, cx)) < 0)
		goto done;
	if (!wp_media_type_valid(media_type)) {
		error = wp_json_error(cx, "mediaType", "invalid media type '%.200s'", media_type);
		goto done;
	}
	if ((error = wp_json_get_string(&digest, j, "digest", WP_JSON_REQUIRED, cx)) < 0 ||
	    (error = wp_digest_check(digest, "digest", cx)) < 0)
		goto done;
	if ((error = wp_json_get_int(&d.size, NULL, j, "size", 0, INT64_MAX, WP_JSON_REQUIRED,
				     cx)) < 0)
		goto done;
	if ((error = wp_json_get_string(&artifact_type, j, "artifactType", 0, cx)) < 0)
		goto done;
	if (artifact_type && !wp_media_type_valid(artifact_type)) {
		error = wp_json_error(cx, "artifactType", "invalid media type '%.200s'",
				      artifact_type);
		goto done;
	}
	if ((error = wp_json_get_kvlist(&d.annotations, j, "annotations", 0, cx)) < 0 ||
	    (error = wp_json_get_object(&platform, j, "platform", 0, cx)) < 0)
		goto done;
	if (platform) {
		size_t mark = wp_json_ctx_push_key(cx, "platform");
		error = platform_from_json(&d.platform, platform, cx);
		wp_json_ctx_pop(cx, mark);
		if (error < 0)
			goto done;
	}
	d.media_type = strdup(media_type);
	d.digest = strdup(digest);
	if (!d.media_type || !d.digest ||
	    (artifact_type && !(d.artifact_type = strdup(artifact_type)))) {
		error = wp_error_nomem();
		goto done;
	}
	*out = d;
	memset(&d, 0, sizeof(d));
done:
	wasmpack_descriptor_dispose(&d);
	return error;
}

int wp_json_get_descriptor(wasmpack_descriptor *out, int *present, const json_t *obj,
			   const char *key, unsigned flags, wp_json_ctx *cx)
{
	const json_t *j;
	int error;
	memset(out, 0, sizeof(*out));
	if (present)
		*present = 0;
	if ((error = wp_json_get_object(&j, obj, key, flags, cx)) < 0 || !j)
		return error;
	size_t mark = wp_json_ctx_push_key(cx, key);
	error = wp_descriptor_from_json(out, j, cx);
	wp_json_ctx_pop(cx, mark);
	if (error == 0 && present)
		*present = 1;
	return error;
}

int wp_json_get_descriptors(wasmpack_descriptor **out, size_t *count, const json_t *obj,
			    const char *key, unsigned flags, wp_json_ctx *cx)
{
	const json_t *arr;
	wasmpack_descriptor *d = NULL;
	size_t n = 0, mark;
	int error;

	*out = NULL;
	*count = 0;
	if ((error = wp_json_get_array(&arr, obj, key, flags, cx)) < 0 || !arr)
		return error;
	n = json_array_size(arr);
	if (n == 0)
		return 0;
	d = calloc(n, sizeof(*d));
	if (!d)
		return wp_error_nomem();
	mark = wp_json_ctx_push_key(cx, key);
	for (size_t i = 0; i < n; i++) {
		size_t imark = wp_json_ctx_push_index(cx, i);
		error = wp_descriptor_from_json(&d[i], json_array_get(arr, i), cx);
		wp_json_ctx_pop(cx, imark);
		if (error < 0)
			goto done;
	}
	*out = d;
	*count = n;
	d = NULL;
done:
	wp_json_ctx_pop(cx, mark);
	wp_descriptors_free(d, n);
	return error;
}

int wp_descriptor_to_json(json_t **out, const wasmpack_descriptor *d, wp_json_ctx *cx)
{
	json_t *o = NULL, *p = NULL;
	int error = 0;

	*out = NULL;
	if (!d->media_type)
		return wp_json_error(cx, "mediaType", "missing");
	if (!wp_media_type_valid(d->media_type))
		return wp_json_error(cx, "mediaType", "invalid media type '%.200s'", d->media_type);
	if (!d->digest)
		return wp_json_error(cx, "digest", "missing");
	if ((error = wp_digest_check(d->digest, "digest", cx)) < 0)
		return error;
	if (d->size < 0)
		return wp_json_error(cx, "size", "expected an integer >= 0, got %lld",
				     (long long)d->size);
	if (d->artifact_type && !wp_media_type_valid(d->artifact_type))
		return wp_json_error(cx, "artifactType", "invalid media type '%.200s'",
				     d->artifact_type);
	o = json_object();
	if (!o)
		return wp_error_nomem();
	if ((error = wp_json_set_string(o, "mediaType", d->media_type, cx)) < 0 ||
	    (error = wp_json_set_string(o, "digest", d->digest, cx)) < 0 ||
	    (error = wp_json_set_new(o, "size", json_integer((json_int_t)d->size))) < 0 ||
	    (error = wp_json_set_string(o, "artifactType", d->artifact_type, cx)) < 0 ||
	    (error = wp_json_set_kvlist(o, "annotations", &d->annotations, 0, cx)) < 0)
		goto done;
	if (d->platform) {
		size_t mark = wp_json_ctx_push_key(cx, "platform");
		error = platform_to_json(&p, d->platform, cx);
		wp_json_ctx_pop(cx, mark);
		if (error < 0 || (error = wp_json_set_new(o, "platform", p)) < 0)
			goto done;
	}
	*out = o;
	o = NULL;
done:
	json_decref(o);
	return error;
}

int wp_json_set_descriptor(json_t *obj, const char *key, const wasmpack_descriptor *d,
			   wp_json_ctx *cx)
{
	json_t *j = NULL;
	if (!d)
		return 0;
	size_t mark = wp_json_ctx_push_key(cx, key);
	int error = wp_descriptor_to_json(&j, d, cx);
	wp_json_ctx_pop(cx, mark);
	if (error < 0)
		return error;
	return wp_json_set_new(obj, key, j);
}

int wp_json_set_descriptors(json_t *obj, const char *key, const wasmpack_descriptor *d,
			    size_t count, wp_json_ctx *cx)
{
	json_t *arr = NULL, *j = NULL;
	int error = 0;
	size_t mark;

	if (count && !d)
		return wp_json_error(cx, key, "%zu entries counted but none given", count);
	arr = json_array();
	if (!arr)
		return wp_error_nomem();
	mark = wp_json_ctx_push_key(cx, key);
	for (size_t i = 0; i < count; i++) {
		size_t imark = wp_json_ctx_push_index(cx, i);
		error = wp_descriptor_to_json(&j, &d[i], cx);
		wp_json_ctx_pop(cx, imark);
		if (error < 0 || (error = wp_json_append_new(arr, j)) < 0)
			goto done;
	}
	error = wp_json_set_new(obj, key, arr);
	arr = NULL;
done:
	wp_json_ctx_pop(cx, mark);
	json_decref(arr);
	return error;
}

/* --- the fields manifests and indexes share ---------------------------- */

void wp_oci_head_dispose(wp_oci_head *h)
{
	free(h->media_type);
	free(h->artifact_type);
	if (h->subject) {
		wasmpack_descriptor_dispose(h->subject);
		free(h->subject);
	}
	wasmpack_kvlist_dispose(&h->annotations);
	memset(h, 0, sizeof(*h));
}

static const char *kind_name(wp_oci_kind kind)
{
	return kind == WP_OCI_INDEX ? "an image index" : "an image manifest";
}

/* Refuses the other kind of document, saying what it is. */
static int check_kind(const char *media_type, const json_t *root, wp_oci_kind kind, wp_json_ctx *cx)
{
	int want_index = kind == WP_OCI_INDEX;
	if (media_type) {
		if (want_index ? wasmpack_media_type_is_index(media_type)
			       : wasmpack_media_type_is_manifest(media_type))
			return 0;
		if (wasmpack_media_type_is_index(media_type) ||
		    wasmpack_media_type_is_manifest(media_type))
			return wp_json_error(cx, "mediaType", "'%.200s' is %s, not %s", media_type,
					     kind_name(want_index ? WP_OCI_MANIFEST : WP_OCI_INDEX),
					     kind_name(kind));
		return wp_json_error(cx, "mediaType", "'%.200s' is not %s media type", media_type,
				     kind_name(kind));
	}
	/* mediaType is optional, so tell the kinds apart by their members. */
	int has_manifests = json_object_get(root, "manifests") != NULL;
	int has_config = json_object_get(root, "config") != NULL;
	int has_layers = json_object_get(root, "layers") != NULL;
	if (!want_index && has_manifests && !has_config && !has_layers)
		return wp_json_error(cx, NULL,
				     "this is an image index (it has 'manifests'), "
				     "not an image manifest");
	if (want_index && !has_manifests && (has_config || has_layers))
		return wp_json_error(cx, NULL,
				     "this is an image manifest (it has '%s'), not an "
				     "image index",
				     has_config ? "config" : "layers");
	return 0;
}

int wp_oci_head_from_json(wp_oci_head *out, const json_t *root, wp_oci_kind kind, wp_json_ctx *cx)
{
	wp_oci_head h;
	wasmpack_descriptor subject;
	const char *media_type = NULL;
	int present = 0;
	int64_t version = 0;
	int error;

	memset(&h, 0, sizeof(h));
	memset(out, 0, sizeof(*out));
	if ((error = wp_json_get_string(&media_type, root, "mediaType", 0, cx)) < 0 ||
	    (error = check_kind(media_type, root, kind, cx)) < 0 ||
	    (error = wp_json_get_int(&version, NULL, root, "schemaVersion", 2, 2, WP_JSON_REQUIRED,
				     cx)) < 0 ||
	    (error = wp_json_get_string_dup(&h.artifact_type, root, "artifactType", 0, cx)) < 0)
		goto done;
	h.schema_version = (int)version;
	if (h.artifact_type && !wp_media_type_valid(h.artifact_type)) {
		error = wp_json_error(cx, "artifactType", "invalid media type '%.200s'",
				      h.artifact_type);
		goto done;
	}
	if (media_type && !(h.media_type = strdup(media_type))) {
		error = wp_error_nomem();
		goto done;
	}
	if ((error = wp_json_get_kvlist(&h.annotations, root, "annotations", 0, cx)) < 0)
		goto done;
	if ((error = wp_json_get_descriptor(&subject, &present, root, "subject", 0, cx)) < 0)
		goto done;
	if (present) {
		h.subject = malloc(sizeof(*h.subject));
		if (!h.subject) {
			wasmpack_descriptor_dispose(&subject);
			error = wp_error_nomem();
			goto done;
		}
		*h.subject = subject;
	}
	*out = h;
	memset(&h, 0, sizeof(h));
done:
	wp_oci_head_dispose(&h);
	return error;
}

int wp_oci_head_to_json(json_t *root, const wp_oci_head *h, wp_oci_kind kind, wp_json_ctx *cx)
{
	int error;
	if (h->schema_version != 2)
		return wp_json_error(cx, "schemaVersion", "must be 2, got %d", h->schema_version);
	if (h->media_type && (error = check_kind(h->media_type, root, kind, cx)) < 0)
		return error;
	if (h->artifact_type && !wp_media_type_valid(h->artifact_type))
		return wp_json_error(cx, "artifactType", "invalid media type '%.200s'",
				     h->artifact_type);
	if ((error = wp_json_set_new(root, "schemaVersion", json_integer(2))) < 0 ||
	    (error = wp_json_set_string(root, "mediaType", h->media_type, cx)) < 0 ||
	    (error = wp_json_set_string(root, "artifactType", h->artifact_type, cx)) < 0 ||
	    (error = wp_json_set_descriptor(root, "subject", h->subject, cx)) < 0 ||
	    (error = wp_json_set_kvlist(root, "annotations", &h->annotations, 0, cx)) < 0)
		return error;
	return 0;
}
