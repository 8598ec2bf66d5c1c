/* The registry client's manifests: GET and HEAD (exact bytes, digests
 * checked against the reference and Docker-Content-Digest), PUT and
 * DELETE. */
#include "registry/internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oci/json.h"
#include "util/error.h"
#include "util/fs.h"

static const char accept_manifests[] = "Accept: " WASMPACK_MEDIATYPE_OCI_MANIFEST
				       ", " WASMPACK_MEDIATYPE_OCI_INDEX
				       ", " WASMPACK_MEDIATYPE_DOCKER_MANIFEST
				       ", " WASMPACK_MEDIATYPE_DOCKER_LIST;

/* A tag ([\w][\w.-]{0,127}) or a valid digest. *is_digest says which. */
static int check_reference(int *is_digest, const char *ref)
{
	size_t n = ref ? strlen(ref) : 0;
	*is_digest = 0;
	if (n && strchr(ref, ':')) {
		*is_digest = 1;
		int error = wasmpack_digest_validate(ref);
		if (error)
			return wp_error_why(error, WASMPACK_REASON_INVALID_ARGUMENT,
					    "invalid digest '%s'", ref);
		return 0;
	}
	if (n == 0 || n > 128)
		return wp_error_why(WASMPACK_EINVALID, WASMPACK_REASON_INVALID_ARGUMENT,
				    "invalid tag '%s'", ref ? ref : "(null)");
	for (size_t i = 0; i < n; i++) {
		char c = ref[i];
		int word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || c == '_';
		if (!word && (i == 0 || (c != '.' && c != '-')))
			return wp_error_why(WASMPACK_EINVALID, WASMPACK_REASON_INVALID_ARGUMENT,
					    "invalid tag '%s'", ref);
	}
	return 0;
}

static int is_sha256(const char *digest) { return strncmp(digest, "sha256:", 7) == 0; }

/* Checks bytes against `expected` (a digest of any valid algorithm):
 * WASMPACK_EDIGEST on mismatch, EUNSUPPORTED when it cannot be checked. */
static int verify_digest(const char *computed, const char *expected, const char *what)
{
	if (!is_sha256(expected))
		return wp_error(WASMPACK_EUNSUPPORTED,
				"cannot verify %s: digest algorithm of '%s' is not supported", what,
				expected);
	if (!wasmpack_digest_equal(computed, expected))
		return wp_error(WASMPACK_EDIGEST, "%s has digest %s, expected %s", what, computed,
				expected);
	return 0;
}

/* Docker-Content-Digest, when sent and a sha256 digest, must match. */
static int verify_header_digest(const wp_http_response *resp, const char *computed,
				const char *what)
{
	const char *dcd = wp_http_header_get(resp, "Docker-Content-Digest");
	if (!dcd || wasmpack_digest_validate(dcd) != 0 || !is_sha256(dcd)) {
		wasmpack_error_clear();
		return 0;
	}
	if (!wasmpack_digest_equal(computed, dcd))
		return wp_error(WASMPACK_EDIGEST, "%s has digest %s, the registry says %s", what,
				computed, dcd);
	return 0;
}

/* Content-Type without parameters, or NULL when absent or generic. */
static char *media_type_of(const char *content_type)
{
	if (!content_type)
		return NULL;
	while (*content_type == ' ' || *content_type == '\t')
		content_type++;
	size_t n = strcspn(content_type, ";");
	while (n > 0 && (content_type[n - 1] == ' ' || content_type[n - 1] == '\t'))
		n--;
	if (n == 0)
		return NULL;
	static const char *const generic[] = {"application/json", "text/plain",
					      "application/octet-stream", "binary/octet-stream"};
	for (size_t i = 0; i < sizeof(generic) / sizeof(generic[0]); i++)
		if (strlen(generic[i]) == n && strncasecmp(content_type, generic[i], n) == 0)
			return NULL;
	char *s = strndup(content_type, n);
	if (!s)
		wp_error_nomem();
	return s;
}

/* The body's own mediaType, or NULL. */
static char *media_type_in_body(const void *data, size_t len)
{
	json_t *doc = NULL;
	char *s = NULL;
	if (wp_json_parse(&doc, data, len, WASMPACK_MANIFEST_MAX, "manifest") != 0) {
		wasmpack_error_clear();
		return NULL;
	}
	const char *mt = json_string_value(json_object_get(doc, "mediaType"));
	if (mt && *mt)
		s = strdup(mt);
	json_decref(doc);
	return s;
}

typedef struct manifest_answer {
	wasmpack_buf body;
	char *media_type;
	char digest[WASMPACK_DIGEST_MAX];
} manifest_answer;

static void manifest_answer_dispose(manifest_answer *a)
{
	wasmpack_buf_dispose(&a->body);
	free(a->media_type);
	a->media_type = NULL;
}

/* GET or HEAD of manifests/<reference> with the full Accept list; a
 * status other than 200 is turned into the registry's error. The caller
 * ends *op (begun here even on failure) and disposes *resp. */
static int manifest_request(wp_http_response *resp, wp_reg_op *op, int *is_digest,
			    wasmpack_registry *r, const char *repository, const char *reference,
			    const char *method)
{
	wp_http_request req = {0};
	const char *headers[] = {accept_manifests};
	char *url = NULL, *path = NULL;
	int error;

	if ((error = wp_reg_op_begin(op, r, repository, "pull")) ||
	    (error = check_reference(is_digest, reference)))
		return error;
	if (!(path = wp_asprintf("manifests/%s", reference)) ||
	    (error = wp_reg_url(&url, op, op->repository, path))) {
		error = WASMPACK_ENOMEM;
		goto done;
	}
	req.method = method;
	req.url = url;
	req.headers = headers;
	req.headers_count = 1;
	req.body_fd = -1;
	req.follow_redirects = 1;
	req.max_body = WASMPACK_MANIFEST_MAX;
	if ((error = wp_reg_send(resp, op, &req)))
		goto done;
	if (resp->status != 200)
		error = wp_reg_status_error(op, resp);
done:
	free(url);
	free(path);
	return error;
}

static int manifest_fetch(manifest_answer *out, wasmpack_registry *r, const char *repository,
			  const char *reference)
{
	wp_reg_op op;
	wp_http_response resp = {0};
	int is_digest = 0, error;

	memset(out, 0, sizeof(*out));
	if ((error = manifest_request(&resp, &op, &is_digest, r, repository, reference, "GET")))
		goto done;
	if (resp.body.size == 0) {
		error = wp_error_why(WASMPACK_EINVALID, WASMPACK_REASON_REGISTRY,
				     "the registry sent an empty manifest");
		goto done;
	}
	if (resp.body.size > WASMPACK_MANIFEST_MAX) {
		error = wp_error(WASMPACK_ETOOLARGE, "the manifest is over %d bytes",
				 WASMPACK_MANIFEST_MAX);
		goto done;
	}
	if ((error = wasmpack_digest_of(out->digest, resp.body.data, resp.body.size)) ||
	    (is_digest && (error = verify_digest(out->digest, reference, "the manifest"))) ||
	    (error = verify_header_digest(&resp, out->digest, "the manifest")))
		goto done;
	out->media_type = media_type_of(wp_http_header_get(&resp, "Content-Type"));
	if (!out->media_type)
		out->media_type = media_type_in_body(resp.body.data, resp.body.size);
	if (!out->media_type) {
		error = wp_error_why(
			WASMPACK_EINVALID, WASMPACK_REASON_REGISTRY,
			"the manifest has no media type (no Content-Type, no mediaType)");
		goto done;
	}
	/* The exact bytes, NUL-terminated as wasmpack_buf promises. */
	if (!(out->body.data = malloc(resp.body.size + 1))) {
		error = wp_error_nomem();
		goto done;
	}
	memcpy(out->body.data, resp.body.data, resp.body.size);
	out->body.data[resp.body.size] = '\0';
	out->body.size = resp.body.size;
done:
	if (error) {
		if (r && repository && reference && !wp_error_is_transport())
			wp_error_prefix("cannot get manifest '%s' of '%s/%s': ", reference, r->name,
					repository);
		manifest_answer_dispose(out);
	}
	wp_http_response_dispose(&resp);
	wp_reg_op_end(&op);
	return error;
}

int wasmpack_registry_manifest_get(wasmpack_buf *out, char **media_type_out,
				   char digest_out[WASMPACK_DIGEST_MAX], wasmpack_registry *r,
				   const char *repository, const char *reference)
{
	manifest_answer a;
	if (!out)
		return wp_error_why(WASMPACK_EINVALID, WASMPACK_REASON_INVALID_ARGUMENT,
				    "manifest get: no output");
	out->data = NULL;
	out->size = 0;
	if (media_type_out)
		*media_type_out = NULL;
	int error = manifest_fetch(&a, r, repository, reference);
	if (error)
		return error;
	*out = a.body;
	if (media_type_out)
		*media_type_out = a.media_type;
	else
		free(a.media_type);
	if (digest_out)
		memcpy(digest_out, a.digest, WASMPACK_DIGEST_MAX);
	return 0;
}

int wasmpack_registry_manifest_head(wasmpack_descriptor *out, wasmpack_registry *r,
				    const char *repository, const char *reference)
{
	wp_reg_op op;
	wp_http_response resp = {0};
	char *media_type = NULL;
	int is_digest = 0, error;
	int64_t size = -1;

	if (!out)
		return wp_error_why(WASMPACK_EINVALID, WASMPACK_REASON_INVALID_ARGUMENT,
				    "manifest head: no output");
	memset(out, 0, sizeof(*out));
	if ((error = manifest_request(&resp, &op, &is_digest, r, repository, reference, "HEAD")))
		goto done;
	const char *dcd = wp_http_header_get(&resp, "Docker-Content-Digest");
	media_type = media_type_of(wp_http_header_get(&resp, "Content-Type"));
	if (dcd && wasmpack_digest_validate(dcd) != 0)
		dcd = NULL;
	if (!dcd || !media_type || wp_reg_header_int64(&size, &resp, "Content-Length") != 0) {
		/* Not enough to describe it: fetch it (and hash it). */
		manifest_answer a;
		wp_reg_op_end(&op);
		if ((error = manifest_fetch(&a, r, repository, reference)))
			goto done_nolog;
		error = wasmpack_descriptor_init(out, a.media_type, a.digest, (int64_t)a.body.size);
		manifest_answer_dispose(&a);
		goto done_nolog;
	}
	if (is_digest && !wasmpack_digest_equal(dcd, reference)) {
		error = wp_error(WASMPACK_EDIGEST, "the registry says manifest '%s' has digest %s",
				 reference, dcd);
		goto done;
	}
	error = wasmpack_descriptor_init(out, media_type, dcd, size);
done:
	if (error && r && repository && reference && !wp_error_is_transport())
		wp_error_prefix("cannot find manifest '%s' in '%s/%s': ", reference, r->name,
				repository);
	wp_reg_op_end(&op);
done_nolog:
	wp_http_response_dispose(&resp);
	free(media_type);
	return error;
}

static int media_type_valid(const char *mt)
{
	if (!mt || !*mt || strlen(mt) > 255)
		return 0;
	for (const char *p = mt; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return 0;
	return strchr(mt, '/') != NULL;
}

int wasmpack_registry_manifest_put(char digest_out[WASMPACK_DIGEST_MAX], wasmpack_registry *r,
				   const char *repository, const char *reference,
				   const char *media_type, const void *data, size_t len)
{
	wp_reg_op op;
	wp_http_response resp = {0};
	wp_http_request req = {0};
	char digest[WASMPACK_DIGEST_MAX];
	char *url = NULL, *path = NULL, *content_type = NULL;
	const char *headers[1];
	int is_digest = 0, error;

	if ((error = wp_reg_op_begin(&op, r, repository, "pull,push")) ||
	    (error = check_reference(&is_digest, reference)))
		goto done;
	if (!media_type_valid(media_type)) {
		error = wp_error_why(WASMPACK_EINVALID, WASMPACK_REASON_INVALID_ARGUMENT,
				     "invalid media type '%s'", media_type ? media_type : "(null)");
		goto done;
	}
	if (!data || len == 0) {
		error = wp_error_why(WASMPACK_EINVALID, WASMPACK_REASON_INVALID_ARGUMENT,
				     "the manifest is empty");
		goto done;
	}
	if (len > WASMPACK_MANIFEST_MAX) {
		error = wp_error(WASMPACK_ETOOLARGE,
				 "the manifest has %zu bytes, over the %d registries accept", len,
				 WASMPACK_MANIFEST_MAX);
		goto done;
	}
	if ((error = wasmpack_digest_of(digest, data, len)) ||
	    (is_digest && (error = verify_digest(digest, reference, "the manifest"))))
		goto done;
	if (!(path = wp_asprintf("manifests/%s", reference)) ||
	    !(content_type = wp_asprintf("Content-Type: %s", media_type)) ||
	    (error = wp_reg_url(&url, &op, op.repository, path))) {
		error = WASMPACK_ENOMEM;
		goto done;
	}
	headers[0] = content_type;
	req.method = "PUT";
	req.url = url;
	req.headers = headers;
	req.headers_count = 1;
	req.body = data;
	req.body_len = len;
	req.body_fd = -1;
	if ((error = wp_reg_send(&resp, &op, &req)))
		goto done;
	if (resp.status < 200 || resp.status > 299) {
		error = wp_reg_status_error(&op, &resp);
		goto done;
	}
	if ((error = verify_header_digest(&resp, digest, "the pushed manifest")))
		goto done;
	if (digest_out)
		memcpy(digest_out, digest, WASMPACK_DIGEST_MAX);
done:
	if (error && r && repository && reference && !wp_error_is_transport())
		wp_error_prefix("cannot push manifest '%s' to '%s/%s': ", reference, r->name,
				repository);
	wp_http_response_dispose(&resp);
	free(url);
	free(path);
	free(content_type);
	wp_reg_op_end(&op);
	return error;
}

int wasmpack_registry_manifest_delete(wasmpack_registry *r, const char *repository,
				      const char *digest)
{
	wp_reg_op op;
	wp_http_response resp = {0};
	wp_http_request req = {0};
	char *url = NULL, *path = NULL;
	int is_digest = 0, error;

	if ((error = wp_reg_op_begin(&op, r, repository, "delete")) ||
	    (error = check_reference(&is_digest, digest)))
		goto done;
	if (!is_digest) {
		error = wp_error_why(WASMPACK_EINVALID, WASMPACK_REASON_INVALID_ARGUMENT,
				     "manifests are deleted by digest, not by tag '%s'", digest);
		goto done;
	}
	if (!(path = wp_asprintf("manifests/%s", digest)) ||
	    (error = wp_reg_url(&url, &op, op.repository, path))) {
		error = WASMPACK_ENOMEM;
		goto done;
	}
	req.method = "DELETE";
	req.url = url;
	req.body_fd = -1;
	if ((error = wp_reg_send(&resp, &op, &req)))
		goto done;
	if (resp.status != 202 && resp.status != 200 && resp.status != 204)
		error = wp_reg_status_error(&op, &resp);
done:
	if (error && r && repository && digest && !wp_error_is_transport())
		wp_error_prefix("cannot delete manifest '%s' from '%s/%s': ", digest, r->name,
				repository);
	wp_http_response_dispose(&resp);
	free(url);
	free(path);
	wp_reg_op_end(&op);
	return error;
}
