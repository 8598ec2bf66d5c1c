/* Image configs (OCI and Docker): the fields wasmpack reads and writes,
 * validated on parse and written canonically. */
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "oci/oci_internal.h"

void wasmpack_image_config_free(wasmpack_image_config *c)
{
	if (!c)
		return;
	free(c->created);
	free(c->author);
	free(c->os);
	free(c->architecture);
	free(c->variant);
	free(c->os_version);
	wasmpack_strv_dispose(&c->entrypoint);
	wasmpack_strv_dispose(&c->cmd);
	wasmpack_strv_dispose(&c->env);
	free(c->working_dir);
	wasmpack_kvlist_dispose(&c->labels);
	wasmpack_strv_dispose(&c->diff_ids);
	free(c);
}

/* The "config" member: how to run the image. Null or absent is empty. */
static int exec_from_json(wasmpack_image_config *c, const json_t *root, wp_json_ctx *cx)
{
	const json_t *o;
	int error = wp_json_get_object(&o, root, "config", 0, cx);
	if (error < 0 || !o)
		return error;
	size_t mark = wp_json_ctx_push_key(cx, "config");
	if ((error = wp_json_get_strv(&c->entrypoint, o, "Entrypoint", 0, cx)) < 0 ||
	    (error = wp_json_get_strv(&c->cmd, o, "Cmd", 0, cx)) < 0 ||
	    (error = wp_json_get_strv(&c->env, o, "Env", 0, cx)) < 0 ||
	    (error = wp_json_get_string_dup(&c->working_dir, o, "WorkingDir", 0, cx)) < 0 ||
	    (error = wp_json_get_kvlist(&c->labels, o, "Labels", 0, cx)) < 0)
		goto done;
done:
	wp_json_ctx_pop(cx, mark);
	return error;
}

static int rootfs_from_json(wasmpack_image_config *c, const json_t *root, wp_json_ctx *cx)
{
	const json_t *o;
	const char *type = NULL;
	int error = wp_json_get_object(&o, root, "rootfs", 0, cx);
	if (error < 0 || !o)
		return error;
	size_t mark = wp_json_ctx_push_key(cx, "rootfs");
	if ((error = wp_json_get_string(&type, o, "type", WP_JSON_REQUIRED, cx)) < 0)
		goto done;
	if (strcmp(type, "layers") != 0) {
		error = wp_json_error(cx, "type", "expected 'layers', got '%.200s'", type);
		goto done;
	}
	if ((error = wp_json_get_strv(&c->diff_ids, o, "diff_ids", 0, cx)) < 0)
		goto done;
	wp_json_ctx_push_key(cx, "diff_ids");
	for (size_t i = 0; i < c->diff_ids.count; i++) {
		size_t imark = wp_json_ctx_push_index(cx, i);
		error = wp_digest_check(c->diff_ids.items[i], NULL, cx);
		wp_json_ctx_pop(cx, imark);
		if (error < 0)
			goto done;
	}
done:
	wp_json_ctx_pop(cx, mark);
	return error;
}

int wasmpack_image_config_parse(wasmpack_image_config **out, const void *data, size_t len)
{
	json_t *root = NULL;
	wasmpack_image_config *c = NULL;
	wp_json_ctx cx;
	int error;

	if (!out)
		return wp_error_arg("cannot parse image config: no output");
	*out = NULL;
	wp_json_ctx_init(&cx, "image config");
	if ((error = wp_json_parse(&root, data, len, WASMPACK_CONFIG_MAX, "image config")) < 0)
		goto done;
	c = calloc(1, sizeof(*c));
	if (!c) {
		error = wp_error_nomem();
		goto done;
	}
	if ((error = wp_json_get_string_dup(&c->os, root, "os", WP_JSON_REQUIRED, &cx)) < 0 ||
	    (error = wp_json_get_string_dup(&c->architecture, root, "architecture",
					    WP_JSON_REQUIRED, &cx)) < 0 ||
	    (error = wp_json_get_string_dup(&c->variant, root, "variant", 0, &cx)) < 0 ||
	    (error = wp_json_get_string_dup(&c->os_version, root, "os.version", 0, &cx)) < 0 ||
	    (error = wp_json_get_string_dup(&c->created, root, "created", 0, &cx)) < 0 ||
	    (error = wp_json_get_string_dup(&c->author, root, "author", 0, &cx)) < 0 ||
	    (error = exec_from_json(c, root, &cx)) < 0 ||
	    (error = rootfs_from_json(c, root, &cx)) < 0)
		goto done;
	*out = c;
	c = NULL;
done:
	wasmpack_image_config_free(c);
	json_decref(root);
	return error;
}

static int exec_to_json(json_t *root, const wasmpack_image_config *c, wp_json_ctx *cx)
{
	json_t *o = NULL;
	int error = 0;
	size_t mark;
	if (!c->entrypoint.count && !c->cmd.count && !c->env.count && !c->working_dir &&
	    !c->labels.count)
		return 0;
	o = json_object();
	if (!o)
		return wp_error_nomem();
	mark = wp_json_ctx_push_key(cx, "config");
	if ((error = wp_json_set_strv(o, "Entrypoint", &c->entrypoint, 0, cx)) < 0 ||
	    (error = wp_json_set_strv(o, "Cmd", &c->cmd, 0, cx)) < 0 ||
	    (error = wp_json_set_strv(o, "Env", &c->env, 0, cx)) < 0 ||
	    (error = wp_json_set_string(o, "WorkingDir", c->working_dir, cx)) < 0 ||
	    (error = wp_json_set_kvlist(o, "Labels", &c->labels, 0, cx)) < 0)
		goto done;
	error = wp_json_set_new(root, "config", o);
	o = NULL;
done:
	wp_json_ctx_pop(cx, mark);
	json_decref(o);
	return error;
}

static int rootfs_to_json(json_t *root, const wasmpack_image_config *c, wp_json_ctx *cx)
{
	json_t *o = NULL;
	int error = 0;
	size_t mark = wp_json_ctx_push_key(cx, "rootfs");
	size_t ids = wp_json_ctx_push_key(cx, "diff_ids");
	for (size_t i = 0; i < c->diff_ids.count; i++) {
		const char *id = c->diff_ids.items[i];
		size_t imark = wp_json_ctx_push_index(cx, i);
		error = id ? wp_digest_check(id, NULL, cx) : wp_json_error(cx, NULL, "missing");
		wp_json_ctx_pop(cx, imark);
		if (error < 0)
			goto done;
	}
	wp_json_ctx_pop(cx, ids);
	o = json_object();
	if (!o) {
		error = wp_error_nomem();
		goto done;
	}
	if ((error = wp_json_set_string(o, "type", "layers", cx)) < 0 ||
	    (error = wp_json_set_strv(o, "diff_ids", &c->diff_ids, WP_JSON_KEEP_EMPTY, cx)) < 0)
		goto done;
	error = wp_json_set_new(root, "rootfs", o);
	o = NULL;
done:
	wp_json_ctx_pop(cx, mark);
	json_decref(o);
	return error;
}

int wasmpack_image_config_serialize(wasmpack_buf *out, const wasmpack_image_config *c)
{
	json_t *root = NULL;
	wp_json_ctx cx;
	int error;

	if (!out || !c)
		return wp_error(WASMPACK_EINVALID, "cannot write image config: missing argument");
	out->data = NULL;
	out->size = 0;
	wp_json_ctx_init(&cx, "image config");
	if (!c->os)
		return wp_json_error(&cx, "os", "missing");
	if (!c->architecture)
		return wp_json_error(&cx, "architecture", "missing");
	root = json_object();
	if (!root)
		return wp_error_nomem();
	if ((error = wp_json_set_string(root, "created", c->created, &cx)) < 0 ||
	    (error = wp_json_set_string(root, "author", c->author, &cx)) < 0 ||
	    (error = wp_json_set_string(root, "architecture", c->architecture, &cx)) < 0 ||
	    (error = wp_json_set_string(root, "os", c->os, &cx)) < 0 ||
	    (error = wp_json_set_string(root, "variant", c->variant, &cx)) < 0 ||
	    (error = wp_json_set_string(root, "os.version", c->os_version, &cx)) < 0 ||
	    (error = exec_to_json(root, c, &cx)) < 0 ||
	    (error = rootfs_to_json(root, c, &cx)) < 0 || (error = wp_json_dump(out, root)) < 0)
		goto done;
done:
	json_decref(root);
	return error;
}
