/* Loading a stored image's manifest and config for display. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image_info.h"

void image_info_dispose(image_info *info)
{
	wasmpack_descriptor_dispose(&info->desc);
	wasmpack_buf_dispose(&info->manifest_raw);
	wasmpack_manifest_free(info->manifest);
	wasmpack_index_free(info->index);
	wasmpack_buf_dispose(&info->config_raw);
	wasmpack_image_config_free(info->config);
	memset(info, 0, sizeof(*info));
}

/* The artifact config is not an OCI image config: read its platform
 * fields directly. */
static int artifact_platform(wasmpack_image_config **out, const wasmpack_buf *raw)
{
	json_t *j = json_loadb((const char *)raw->data, raw->size, JSON_REJECT_DUPLICATES, NULL);
	if (!j)
		return wasmpack_error_set_str(WASMPACK_EINVALID, WASMPACK_REASON_INVALID_INPUT,
					      "the artifact's config is not JSON");
	wasmpack_image_config *c = calloc(1, sizeof(*c));
	const char *os = json_string_value(json_object_get(j, "os"));
	const char *arch = json_string_value(json_object_get(j, "architecture"));
	const char *created = json_string_value(json_object_get(j, "created"));
	if (c) {
		c->os = os ? strdup(os) : NULL;
		c->architecture = arch ? strdup(arch) : NULL;
		c->created = created ? strdup(created) : NULL;
	}
	json_decref(j);
	*out = c;
	return c ? 0 : WASMPACK_ENOMEM;
}

int image_info_load(image_info *out, wasmpack_store *store, const wasmpack_descriptor *desc)
{
	int err = 0;
	memset(out, 0, sizeof(*out));
	if ((err = wasmpack_descriptor_copy(&out->desc, desc)) ||
	    (err = wasmpack_store_blob_read(&out->manifest_raw, store, desc->digest,
					    WASMPACK_MANIFEST_MAX)))
		goto done;
	out->total_size = (int64_t)out->manifest_raw.size;
	if (wasmpack_media_type_is_index(desc->media_type)) {
		err = wasmpack_index_parse(&out->index, out->manifest_raw.data,
					   out->manifest_raw.size);
		goto done;
	}
	if ((err = wasmpack_manifest_parse(&out->manifest, out->manifest_raw.data,
					   out->manifest_raw.size)))
		goto done;
	out->total_size += out->manifest->config.size;
	for (size_t i = 0; i < out->manifest->layers_count; i++)
		out->total_size += out->manifest->layers[i].size;
	const char *cmt = out->manifest->config.media_type;
	if ((err = wasmpack_store_blob_read(&out->config_raw, store, out->manifest->config.digest,
					    WASMPACK_CONFIG_MAX)))
		goto done;
	if (strcmp(cmt, WASMPACK_MEDIATYPE_WASM_CONFIG) == 0)
		err = artifact_platform(&out->config, &out->config_raw);
	else if (strcmp(cmt, WASMPACK_MEDIATYPE_OCI_CONFIG) == 0 ||
		 strcmp(cmt, WASMPACK_MEDIATYPE_DOCKER_CONFIG) == 0)
		err = wasmpack_image_config_parse(&out->config, out->config_raw.data,
						  out->config_raw.size);
done:
	if (err)
		image_info_dispose(out);
	return err;
}

void image_info_platform(char *buf, size_t size, const image_info *info)
{
	const wasmpack_image_config *c = info->config;
	if (!c || !c->os || !c->architecture) {
		snprintf(buf, size, "-");
		return;
	}
	snprintf(buf, size, "%s/%s%s%s", c->os, c->architecture, c->variant ? "/" : "",
		 c->variant ? c->variant : "");
}

static int fd_write(const void *data, size_t len, void *payload)
{
	int fd = *(int *)payload;
	const unsigned char *p = data;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cli_os_error("write", "a temporary file");
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int image_info_module(wasmpack_wasm **out, wasmpack_store *store,
		      const wasmpack_descriptor *manifest)
{
	/* A temporary file rather than memory: modules can be large, and the
	 * parser reads only the sections it decodes. */
	const char *dir = getenv("TMPDIR");
	char path[4096];
	*out = NULL;
	if (snprintf(path, sizeof(path), "%s/wasmpack-module-XXXXXX", dir && *dir ? dir : "/tmp") >=
	    (int)sizeof(path))
		return wasmpack_error_set_str(WASMPACK_EINVALID, WASMPACK_REASON_INVALID_ARGUMENT,
					      "$TMPDIR is too long");
	int fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return cli_os_error("create", path);
	int err = wasmpack_image_module(store, manifest, fd_write, &fd);
	if (close(fd) != 0 && !err)
		err = cli_os_error("write", path);
	if (!err)
		err = wasmpack_wasm_parse_file(out, path);
	unlink(path);
	return err;
}

unsigned image_info_annotated_caps(const image_info *info, int *found)
{
	const char *v = info->manifest ? wasmpack_kvlist_get(&info->manifest->annotations,
							     WASMPACK_ANNOTATION_CAPABILITIES)
				       : NULL;
	unsigned caps = 0;
	*found = v != NULL;
	for (const char *p = v; p && *p;) {
		size_t n = strcspn(p, ",");
		char name[32];
		if (n < sizeof(name)) {
			memcpy(name, p, n);
			name[n] = '\0';
			caps |= wasmpack_wasm_capability_from_name(name);
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return caps;
}
