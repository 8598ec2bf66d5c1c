/* Image manifests (OCI and Docker schema2): validated parsing and
 * canonical serialization. */
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "oci/oci_internal.h"

void wasmpack_manifest_free(wasmpack_manifest *m)
{
	if (!m)
		return;
	wp_oci_head h = {m->schema_version, m->media_type, m->artifact_type, m->subject,
			 m->annotations};
	wp_oci_head_dispose(&h);
	wasmpack_descriptor_dispose(&m->config);
	wp_descriptors_free(m->layers, m->layers_count);
	free(m);
}

int wasmpack_manifest_parse(wasmpack_manifest **out, const void *data, size_t len)
{
	json_t *root = NULL;
	wasmpack_manifest *m = NULL;
	wp_oci_head h;
	wp_json_ctx cx;
	int error;

	if (!out)
		return wp_error_arg("cannot parse manifest: no output");
	*out = NULL;
	wp_json_ctx_init(&cx, "manifest");
	if ((error = wp_json_parse(&root, data, len, WASMPACK_MANIFEST_MAX, "manifest")) < 0)
		goto done;
	m = calloc(1, sizeof(*m));
	if (!m) {
		error = wp_error_nomem();
		goto done;
	}
	/* The shared fields first: they tell an index apart from a manifest
	 * before any other complaint. */
	if ((error = wp_oci_head_from_json(&h, root, WP_OCI_MANIFEST, &cx)) < 0)
		goto done;
	m->schema_version = h.schema_version;
	m->media_type = h.media_type;
	m->artifact_type = h.artifact_type;
	m->subject = h.subject;
	m->annotations = h.annotations;
	if ((error = wp_json_get_descriptor(&m->config, NULL, root, "config", WP_JSON_REQUIRED,
					    &cx)) < 0 ||
	    (error = wp_json_get_descriptors(&m->layers, &m->layers_count, root, "layers",
					     WP_JSON_REQUIRED, &cx)) < 0)
		goto done;
	*out = m;
	m = NULL;
done:
	wasmpack_manifest_free(m);
	json_decref(root);
	return error;
}

int wasmpack_manifest_serialize(wasmpack_buf *out, const wasmpack_manifest *m)
{
	json_t *root = NULL;
	wp_json_ctx cx;
	int error;

	if (!out || !m)
		return wp_error_arg("cannot write manifest: missing argument");
	out->data = NULL;
	out->size = 0;
	wp_json_ctx_init(&cx, "manifest");
	wp_oci_head h = {m->schema_version, m->media_type, m->artifact_type, m->subject,
			 m->annotations};
	root = json_object();
	if (!root)
		return wp_error_nomem();
	if ((error = wp_oci_head_to_json(root, &h, WP_OCI_MANIFEST, &cx)) < 0 ||
	    (error = wp_json_set_descriptor(root, "config", &m->config, &cx)) < 0 ||
	    (error = wp_json_set_descriptors(root, "layers", m->layers, m->layers_count, &cx)) <
		    0 ||
	    (error = wp_json_dump(out, root)) < 0)
		goto done;
done:
	json_decref(root);
	return error;
}
