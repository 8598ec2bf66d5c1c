/* The registry client's tag lists, page after page as Link headers
 * lead (on the registry's own origin only). */
#include "registry/internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oci/json.h"
#include "util/error.h"

/* Tags are read at most this many pages deep (1000 tags a page), and at
 * most this many bytes of pages in all: a registry that pages without
 * end, or with huge pages, must not take the memory of the machine (1000
 * pages of 3.6 MB took 5.5 GB before). 64 MiB is some 500,000 tags of
 * a hundred characters. */
#define TAGS_PAGES_MAX 1000
#define TAGS_BYTES_MAX ((size_t)64 * 1024 * 1024)
#define TAGS_PAGE_SIZE "1000"

static int tags_page(wasmpack_strv *out, const wp_http_response *resp)
{
	json_t *doc = NULL;
	wp_json_ctx cx;
	const json_t *tags = NULL;
	int error;
	wp_json_ctx_init(&cx, "tag list");
	if ((error = wp_json_parse(&doc, resp->body.data, resp->body.size, WP_HTTP_BODY_MAX,
				   "tag list")))
		return error;
	if ((error = wp_json_get_array(&tags, doc, "tags", 0, &cx)))
		goto done;
	for (size_t i = 0; tags && i < json_array_size(tags); i++) {
		const char *t = json_string_value(json_array_get(tags, i));
		if (!t) {
			size_t mark = wp_json_ctx_push_key(&cx, "tags");
			error = wp_json_error(&cx, NULL, "[%zu]: expected a string", i);
			wp_json_ctx_pop(&cx, mark);
			goto done;
		}
		if ((error = wasmpack_strv_push(out, t)))
			goto done;
	}
done:
	json_decref(doc);
	return error;
}

int wasmpack_registry_tags(wasmpack_strv *out, wasmpack_registry *r, const char *repository)
{
	wp_reg_op op;
	wp_http_response resp = {0};
	wp_http_request req = {0};
	wasmpack_strv tags = {0}, visited = {0};
	char *url = NULL, *next = NULL;
	size_t bytes = 0;
	int error;

	if (!out)
		return wp_error_why(WASMPACK_EINVALID, WASMPACK_REASON_INVALID_ARGUMENT,
				    "tags: no output");
	memset(out, 0, sizeof(*out));
	if ((error = wp_reg_op_begin(&op, r, repository, "pull")) ||
	    (error = wp_reg_url(&url, &op, op.repository, "tags/list?n=" TAGS_PAGE_SIZE)))
		goto done;
	for (int page = 0;; page++) {
		if (page >= TAGS_PAGES_MAX) {
			error = wp_error(WASMPACK_ETOOLARGE, "more than %d pages of tags",
					 TAGS_PAGES_MAX);
			goto done;
		}
		memset(&req, 0, sizeof(req));
		req.method = "GET";
		req.url = url;
		req.body_fd = -1;
		req.follow_redirects = 1;
		if ((error = wp_reg_send(&resp, &op, &req)))
			goto done;
		if (resp.status != 200) {
			error = wp_reg_status_error(&op, &resp);
			goto done;
		}
		bytes += resp.body.size;
		if (bytes > TAGS_BYTES_MAX) {
			error = wp_error(WASMPACK_ETOOLARGE, "more than %zu MiB of tag pages",
					 TAGS_BYTES_MAX / (1024 * 1024));
			goto done;
		}
		if ((error = wasmpack_strv_push(&visited, url)) ||
		    (error = tags_page(&tags, &resp)))
			goto done;
		for (size_t i = 0; i < resp.headers_count && !next; i++)
			if (strcasecmp(resp.headers[i].name, "Link") == 0 &&
			    (error = wp_reg_link_next(&next, resp.headers[i].value)))
				goto done;
		if (!next)
			break;
		char *abs = NULL;
		error = wp_http_url_resolve(&abs, resp.url ? resp.url : url, next);
		free(next);
		next = NULL;
		if (error)
			goto done;
		/* A page seen before ends the list: pages that link to each
		 * other (or to themselves) would loop until the page cap. */
		int seen = 0;
		for (size_t i = 0; i < visited.count && !seen; i++)
			seen = strcmp(visited.items[i], abs) == 0;
		if (!wp_reg_is_registry_origin(&op, abs) || seen) {
			/* Never send the registry's token elsewhere; never loop. */
			free(abs);
			if (seen)
				break;
			error = wp_error_why(
				WASMPACK_EINVALID, WASMPACK_REASON_REGISTRY,
				"the next page of tags is on another origin (refused)");
			goto done;
		}
		free(url);
		url = abs;
		wp_http_response_dispose(&resp);
	}
	*out = tags;
	memset(&tags, 0, sizeof(tags));
done:
	if (error && r && repository && !wp_error_is_transport())
		wp_error_prefix("cannot list tags of '%s/%s': ", r->name, repository);
	wasmpack_strv_dispose(&tags);
	wasmpack_strv_dispose(&visited);
	wp_http_response_dispose(&resp);
	free(url);
	free(next);
	wp_reg_op_end(&op);
	return error;
}
