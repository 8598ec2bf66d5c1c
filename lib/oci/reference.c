/* Image references: the distribution/reference grammar and docker's
 * normalization (ParseNormalizedNamed plus the default "latest" tag). */
#include "wasmpack/reference.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/fs.h"
#include "wasmpack/digest.h"

#define HUB_REGISTRY "docker.io"
#define HUB_LEGACY_REGISTRY "index.docker.io"
#define HUB_API_HOST "registry-1.docker.io"
#define HUB_OFFICIAL_PREFIX "library/"
#define DEFAULT_TAG "latest"
#define TAG_MAX 128
/* Longest piece of user input echoed in a message, so the reason after it
 * survives the fixed-size error buffer. */
#define ECHO_MAX 200
#define PART_ECHO_MAX 80

static int echo_len(size_t len, size_t max) { return (int)(len > max ? max : len); }

static int ref_error(const char *text, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int ref_error(const char *text, const char *fmt, ...)
{
	char reason[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	size_t len = strlen(text);
	return wp_error(WASMPACK_EINVALID, "invalid reference '%.*s%s': %s",
			echo_len(len, ECHO_MAX), text, len > ECHO_MAX ? "..." : "", reason);
}

static int is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

static int is_alnum(char c) { return is_lower_alnum(c) || (c >= 'A' && c <= 'Z'); }

static int is_upper(char c) { return c >= 'A' && c <= 'Z'; }

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int has_upper(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (is_upper(p[i]))
			return 1;
	return 0;
}

/* docker refuses names that look like image IDs: ^[a-f0-9]{64}$. */
static int is_image_id(const char *text)
{
	size_t i;
	for (i = 0; text[i]; i++)
		if (!(is_digit(text[i]) || (text[i] >= 'a' && text[i] <= 'f')))
			return 0;
	return i == 64;
}

/* [a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)* */
static int valid_path_component(const char *p, size_t len)
{
	size_t i = 0;
	for (;;) {
		size_t start = i;
		while (i < len && is_lower_alnum(p[i]))
			i++;
		if (i == start)
			return 0;
		if (i == len)
			return 1;
		if (p[i] == '.')
			i++;
		else if (p[i] == '_')
			i += (i + 1 < len && p[i + 1] == '_') ? 2 : 1;
		else if (p[i] == '-')
			while (i < len && p[i] == '-')
				i++;
		else
			return 0;
	}
}

/* [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9] */
static int valid_domain_component(const char *p, size_t len)
{
	if (len == 0 || !is_alnum(p[0]) || !is_alnum(p[len - 1]))
		return 0;
	for (size_t i = 1; i + 1 < len; i++)
		if (!is_alnum(p[i]) && p[i] != '-')
			return 0;
	return 1;
}

/* (domain-name | "[" [a-fA-F0-9:]+ "]") (":" [0-9]+)? */
static int valid_host(const char *p, size_t len)
{
	size_t host_end;
	if (len > 0 && p[0] == '[') {
		const char *close = memchr(p, ']', len);
		if (!close || close == p + 1)
			return 0;
		for (const char *c = p + 1; c < close; c++)
			if (!is_hex(*c) && *c != ':')
				return 0;
		host_end = (size_t)(close - p) + 1;
	} else {
		const char *colon = memchr(p, ':', len);
		host_end = colon ? (size_t)(colon - p) : len;
		size_t start = 0;
		for (size_t i = 0; i <= host_end; i++) {
			if (i == host_end || p[i] == '.') {
				if (!valid_domain_component(p + start, i - start))
					return 0;
				start = i + 1;
			}
		}
	}
	if (host_end == len)
		return 1;
	if (p[host_end] != ':' || host_end + 1 == len)
		return 0;
	for (size_t i = host_end + 1; i < len; i++)
		if (!is_digit(p[i]))
			return 0;
	return 1;
}

/* The first component names a registry only when docker would say so:
 * "localhost", or it has a '.', a ':' or an upper-case letter (which a
 * path may not have). Anything else is the first path component. */
static int looks_like_host(const char *p, size_t len)
{
	if (len == 9 && memcmp(p, "localhost", 9) == 0)
		return 1;
	return memchr(p, '.', len) || memchr(p, ':', len) || has_upper(p, len);
}

/* [\w][\w.-]{0,127} */
static int valid_tag(const char *p, size_t len)
{
	if (len == 0 || len > TAG_MAX || !(is_alnum(p[0]) || p[0] == '_'))
		return 0;
	for (size_t i = 1; i < len; i++)
		if (!(is_alnum(p[i]) || p[i] == '_' || p[i] == '.' || p[i] == '-'))
			return 0;
	return 1;
}

static char *dup_span(const char *p, size_t len)
{
	char *s = malloc(len + 1);
	if (!s) {
		wp_error_nomem();
		return NULL;
	}
	memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

/* The spans of a reference's text, as parsing finds them. */
typedef struct ref_parts {
	const char *registry; /* HUB_REGISTRY when the text names none */
	size_t registry_len;
	const char *path; /* the repository as written (no library/) */
	size_t path_len;
	const char *prefix; /* "library/" for official Hub images, else "" */
	const char *tag;    /* after ':', or NULL */
	size_t tag_len;
	const char *digest; /* after '@', or NULL */
} ref_parts;

/* name[:tag][@digest]: neither a path nor a tag holds '@', and a tag has
 * no '/', so the tag is whatever follows a ':' after the last '/' (a ':'
 * before it belongs to the registry's port). Sets tag and digest; returns
 * the length of the name. */
static size_t split_tag_digest(ref_parts *r, const char *text)
{
	const char *at = strchr(text, '@');
	size_t name_len = at ? (size_t)(at - text) : strlen(text);
	r->digest = at ? at + 1 : NULL;
	for (size_t i = name_len; i > 0; i--) {
		if (text[i - 1] == '/')
			break;
		if (text[i - 1] == ':') {
			r->tag = text + i;
			r->tag_len = name_len - i;
			return i - 1;
		}
	}
	return name_len;
}

/* Splits the name into registry and path: the first component is a
 * registry when it looks like a host (has '.' or ':', or is localhost). */
static int split_registry(ref_parts *r, const char *text, size_t name_len)
{
	const char *slash = memchr(text, '/', name_len);
	r->registry = HUB_REGISTRY;
	r->registry_len = strlen(HUB_REGISTRY);
	r->path = text;
	r->path_len = name_len;
	if (!slash || !looks_like_host(text, (size_t)(slash - text)))
		return 0;
	size_t host_len = (size_t)(slash - text);
	r->path = slash + 1;
	r->path_len = name_len - host_len - 1;
	if (host_len == strlen(HUB_LEGACY_REGISTRY) &&
	    memcmp(text, HUB_LEGACY_REGISTRY, host_len) == 0)
		return 0; /* Same registry as docker.io: one spelling. */
	if (!valid_host(text, host_len))
		return ref_error(text, "invalid registry host '%.*s'",
				 echo_len(host_len, PART_ECHO_MAX), text);
	r->registry = text;
	r->registry_len = host_len;
	return 0;
}

/* Checks the repository path and sets the library/ prefix it gets. */
static int check_repository(ref_parts *r, const char *text)
{
	const char *path = r->path;
	size_t path_len = r->path_len;
	if (has_upper(path, path_len))
		return ref_error(text, "repository name '%.*s' must be lowercase",
				 echo_len(path_len, PART_ECHO_MAX), path);
	for (size_t start = 0, i = 0; i <= path_len; i++) {
		if (i < path_len && path[i] != '/')
			continue;
		if (i == start)
			return ref_error(text, "empty path component in repository name");
		if (!valid_path_component(path + start, i - start))
			return ref_error(text,
					 "invalid path component '%.*s' (lowercase letters "
					 "and digits separated by '.', '_', '__' or dashes)",
					 echo_len(i - start, PART_ECHO_MAX), path + start);
		start = i + 1;
	}
	/* Official images live under library/ on Docker Hub. */
	int on_hub = r->registry_len == strlen(HUB_REGISTRY) &&
		     memcmp(r->registry, HUB_REGISTRY, r->registry_len) == 0;
	r->prefix = on_hub && !memchr(path, '/', path_len) ? HUB_OFFICIAL_PREFIX : "";
	/* distribution/reference counts the path only, without the registry
	 * (distribution/reference#9); the path does include "library/". */
	if (strlen(r->prefix) + path_len > WASMPACK_REFERENCE_NAME_MAX)
		return ref_error(text, "repository name must not be more than %d characters",
				 WASMPACK_REFERENCE_NAME_MAX);
	return 0;
}

static int check_tag_digest(const ref_parts *r, const char *text)
{
	if (r->tag && !valid_tag(r->tag, r->tag_len)) {
		if (r->tag_len == 0)
			return ref_error(text, "empty tag after ':'");
		return ref_error(text,
				 "invalid tag '%.*s%s' (up to 128 of letters, digits, '_', "
				 "'.', '-', not starting with '.' or '-')",
				 echo_len(r->tag_len, PART_ECHO_MAX), r->tag,
				 r->tag_len > PART_ECHO_MAX ? "..." : "");
	}
	if (r->digest && wasmpack_digest_validate(r->digest) != 0) {
		char why[512];
		snprintf(why, sizeof(why), "%s", wasmpack_error_last());
		return ref_error(text, "%s", why);
	}
	return 0;
}

/* A new reference holding copies of the checked parts. */
static int build_reference(wasmpack_reference **out, const ref_parts *r)
{
	size_t prefix_len = strlen(r->prefix);
	/* A digest-only reference has no tag; a bare name means "latest". */
	int want_tag = r->tag || !r->digest;
	wasmpack_reference *ref = calloc(1, sizeof(*ref));
	if (!ref)
		return wp_error_nomem();
	ref->registry = dup_span(r->registry, r->registry_len);
	ref->repository = malloc(prefix_len + r->path_len + 1);
	if (ref->repository) {
		memcpy(ref->repository, r->prefix, prefix_len);
		memcpy(ref->repository + prefix_len, r->path, r->path_len);
		ref->repository[prefix_len + r->path_len] = '\0';
	}
	if (r->tag)
		ref->tag = dup_span(r->tag, r->tag_len);
	else if (!r->digest)
		ref->tag = wp_strdup(DEFAULT_TAG);
	if (r->digest)
		ref->digest = wp_strdup(r->digest);
	if (!ref->registry || !ref->repository || (want_tag && !ref->tag) ||
	    (r->digest && !ref->digest)) {
		wasmpack_reference_free(ref);
		return wp_error_nomem();
	}
	*out = ref;
	return 0;
}

int wasmpack_reference_parse(wasmpack_reference **out, const char *text)
{
	ref_parts r = {0};
	int error;

	if (!out)
		return wp_error(WASMPACK_EINVALID, "cannot parse reference: no output pointer");
	*out = NULL;
	if (!text)
		return wp_error(WASMPACK_EINVALID, "invalid reference: no text given");
	if (!*text)
		return ref_error(text, "repository name must have at least one component");
	if (is_image_id(text))
		return ref_error(text, "cannot specify 64-byte hexadecimal strings "
				       "as a repository name");
	size_t name_len = split_tag_digest(&r, text);
	if (name_len == 0)
		return ref_error(text, "repository name must have at least one component");
	if ((error = split_registry(&r, text, name_len)) || (error = check_repository(&r, text)) ||
	    (error = check_tag_digest(&r, text)))
		return error;
	return build_reference(out, &r);
}

static int check_ref(const wasmpack_reference *ref, const char *what)
{
	if (!ref || !ref->registry || !ref->repository)
		return wp_error(WASMPACK_EINVALID, "cannot %s: no reference", what);
	return 0;
}

int wasmpack_reference_format(char **out, const wasmpack_reference *ref)
{
	int error;
	if (!out)
		return wp_error(WASMPACK_EINVALID, "cannot format reference: no output pointer");
	*out = NULL;
	if ((error = check_ref(ref, "format reference")) != 0)
		return error;
	*out = wp_asprintf("%s/%s%s%s%s%s", ref->registry, ref->repository, ref->tag ? ":" : "",
			   ref->tag ? ref->tag : "", ref->digest ? "@" : "",
			   ref->digest ? ref->digest : "");
	return *out ? 0 : WASMPACK_ENOMEM;
}

int wasmpack_reference_name(char **out, const wasmpack_reference *ref)
{
	int error;
	if (!out)
		return wp_error(WASMPACK_EINVALID, "cannot name reference: no output pointer");
	*out = NULL;
	if ((error = check_ref(ref, "name reference")) != 0)
		return error;
	*out = wp_asprintf("%s/%s", ref->registry, ref->repository);
	return *out ? 0 : WASMPACK_ENOMEM;
}

const char *wasmpack_reference_target(const wasmpack_reference *ref)
{
	if (!ref)
		return NULL;
	return ref->digest ? ref->digest : ref->tag;
}

const char *wasmpack_reference_api_host(const wasmpack_reference *ref)
{
	if (!ref || !ref->registry)
		return NULL;
	if (strcmp(ref->registry, HUB_REGISTRY) == 0)
		return HUB_API_HOST;
	return ref->registry;
}

int wasmpack_reference_dup(wasmpack_reference **out, const wasmpack_reference *ref)
{
	wasmpack_reference *copy = NULL;
	int error = 0;
	if (!out)
		return wp_error(WASMPACK_EINVALID, "cannot copy reference: no output pointer");
	*out = NULL;
	if ((error = check_ref(ref, "copy reference")) != 0)
		return error;
	copy = calloc(1, sizeof(*copy));
	if (!copy) {
		error = wp_error_nomem();
		goto done;
	}
	copy->registry = wp_strdup(ref->registry);
	copy->repository = wp_strdup(ref->repository);
	copy->tag = wp_strdup(ref->tag);
	copy->digest = wp_strdup(ref->digest);
	if (!copy->registry || !copy->repository || (ref->tag && !copy->tag) ||
	    (ref->digest && !copy->digest)) {
		error = wp_error_nomem();
		goto done;
	}
	*out = copy;
	copy = NULL;
done:
	wasmpack_reference_free(copy);
	return error;
}

void wasmpack_reference_free(wasmpack_reference *ref)
{
	if (!ref)
		return;
	free(ref->registry);
	free(ref->repository);
	free(ref->tag);
	free(ref->digest);
	free(ref);
}
