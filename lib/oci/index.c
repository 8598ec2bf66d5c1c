/* Image indexes (OCI and Docker manifest lists): validated parsing and
 * canonical serialization. */
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "oci/oci_internal.h"

void wasmpack_index_free(wasmpack_index *idx)
{
	if (!idx)
		return;
	wp_oci_head h = {idx->schema_version, idx->media_type, idx->artifact_type, idx->subject,
			 idx->annotations};
	wp_oci_head_dispose(&h);
	wp_descriptors_free(idx->manifests, idx->manifests_count);
	free(idx);
}

int wasmpack_index_parse(wasmpack_index **out, const void *data, size_t len)
{
	json_t *root = NULL;
	wasmpack_index *idx = NULL;
	wp_oci_head h;
	wp_json_ctx cx;
	int error;

	if (!out)
		return wp_error_arg("cannot parse index: no output");
	*out = NULL;
	wp_json_ctx_init(&cx, "index");
	if ((error = wp_json_parse(&root, data, len, WASMPACK_MANIFEST_MAX, "index")) < 0)
		goto done;
	idx = calloc(1, sizeof(*idx));
	if (!idx) {
		error = wp_error_nomem();
		goto done;
	}
	if ((error = wp_oci_head_from_json(&h, root, WP_OCI_INDEX, &cx)) < 0)
		goto done;
	idx->schema_version = h.schema_version;
	idx->media_type = h.media_type;
	idx->artifact_type = h.artifact_type;
	idx->subject = h.subject;
	idx->annotations = h.annotations;
	if ((error = wp_json_get_descriptors(&idx->manifests, &idx->manifests_count, root,
					     "manifests", WP_JSON_REQUIRED, &cx)) < 0)
		goto done;
	*out = idx;
	idx = NULL;
done:
	wasmpack_index_free(idx);
	json_decref(root);
	return error;
}

int wasmpack_index_serialize(wasmpack_buf *out, const wasmpack_index *idx)
{
	json_t *root = NULL;
	wp_json_ctx cx;
	int error;

	if (!out || !idx)
		return wp_error_arg("cannot write index: missing argument");
	out->data = NULL;
	out->size = 0;
	wp_json_ctx_init(&cx, "index");
	wp_oci_head h = {idx->schema_version, idx->media_type, idx->artifact_type, idx->subject,
			 idx->annotations};
	root = json_object();
	if (!root)
		return wp_error_nomem();
	if ((error = wp_oci_head_to_json(root, &h, WP_OCI_INDEX, &cx)) < 0 ||
	    (error = wp_json_set_descriptors(root, "manifests", idx->manifests,
					     idx->manifests_count, &cx)) < 0 ||
	    (error = wp_json_dump(out, root)) < 0)
		goto done;
done:
	json_decref(root);
	return error;
}
