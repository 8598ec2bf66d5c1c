/* Content digests: streaming sha256 over OpenSSL EVP and checks of
 * "algorithm:encoded" strings per the OCI image-spec digest grammar. */
#include "wasmpack/digest.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "util/error.h"

#define SHA256_LEN 32

struct wasmpack_sha256 {
	EVP_MD_CTX *ctx;
	/* Set when a re-initialisation failed; the context is then unusable. */
	int broken;
};

/* Records an OpenSSL failure with the library's reason, and clears
 * OpenSSL's own error queue so it does not leak into later calls. */
static int openssl_error(const char *what)
{
	char reason[256] = "unknown error";
	unsigned long e = ERR_get_error();
	if (e)
		ERR_error_string_n(e, reason, sizeof(reason));
	ERR_clear_error();
	return wp_error(WASMPACK_ERROR, "cannot %s: openssl: %s", what, reason);
}

static void to_digest_string(char out[WASMPACK_DIGEST_MAX], const unsigned char md[SHA256_LEN])
{
	static const char hex[] = "0123456789abcdef";
	memcpy(out, "sha256:", 7);
	char *p = out + 7;
	for (size_t i = 0; i < SHA256_LEN; i++) {
		*p++ = hex[md[i] >> 4];
		*p++ = hex[md[i] & 0x0f];
	}
	*p = '\0';
}

int wasmpack_sha256_new(wasmpack_sha256 **out)
{
	wasmpack_sha256 *h = NULL;
	int error = 0;
	if (!out)
		return wp_error_arg("cannot create sha256 hasher: no output pointer");
	*out = NULL;
	h = calloc(1, sizeof(*h));
	if (!h) {
		error = wp_error_nomem();
		goto done;
	}
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx) {
		error = wp_error_nomem();
		goto done;
	}
	if (EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
		error = openssl_error("initialise sha256");
		goto done;
	}
	*out = h;
	h = NULL;
done:
	wasmpack_sha256_free(h);
	return error;
}

int wasmpack_sha256_update(wasmpack_sha256 *h, const void *data, size_t len)
{
	if (!h)
		return wp_error(WASMPACK_EINVALID, "cannot hash data: no sha256 hasher");
	if (h->broken)
		return wp_error(WASMPACK_ERROR, "cannot hash data: sha256 hasher failed earlier");
	if (len == 0)
		return 0;
	if (!data)
		return wp_error_arg("cannot hash data: NULL data with length %zu", len);
	if (EVP_DigestUpdate(h->ctx, data, len) != 1)
		return openssl_error("hash data with sha256");
	return 0;
}

int wasmpack_sha256_final(char out[WASMPACK_DIGEST_MAX], wasmpack_sha256 *h)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	if (!out || !h)
		return wp_error(WASMPACK_EINVALID, "cannot finish sha256: no hasher or output");
	out[0] = '\0';
	if (h->broken)
		return wp_error(WASMPACK_ERROR, "cannot finish sha256: hasher failed earlier");
	if (EVP_DigestFinal_ex(h->ctx, md, &md_len) != 1 || md_len != SHA256_LEN) {
		h->broken = 1;
		return openssl_error("finish sha256");
	}
	/* Ready for the next input, as the header promises. */
	if (EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
		h->broken = 1;
		return openssl_error("reset sha256 hasher");
	}
	to_digest_string(out, md);
	return 0;
}

void wasmpack_sha256_free(wasmpack_sha256 *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

int wasmpack_digest_of(char out[WASMPACK_DIGEST_MAX], const void *data, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	static const unsigned char empty[1];
	if (!out)
		return wp_error_arg("cannot compute digest: no output buffer");
	out[0] = '\0';
	if (!data) {
		if (len != 0)
			return wp_error(WASMPACK_EINVALID,
					"cannot compute digest: NULL data with length %zu", len);
		data = empty;
	}
	if (EVP_Digest(data, len, md, &md_len, EVP_sha256(), NULL) != 1 || md_len != SHA256_LEN)
		return openssl_error("compute sha256");
	to_digest_string(out, md);
	return 0;
}

static int is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

static int is_lower_hex(char c) { return (c >= 'a' && c <= 'f') || (c >= '0' && c <= '9'); }

/* The OCI grammar without side effects; *why names the first problem.
 *   algorithm-component ::= [a-z0-9]+
 *   algorithm-separator ::= [+._-]
 *   encoded             ::= [a-zA-Z0-9=_-]+ */
static int check_digest(const char *text, const char **why)
{
	const char *colon, *enc, *p;
	size_t alg_len, enc_len;
	if (!text) {
		*why = "no digest given";
		return WASMPACK_EINVALID;
	}
	colon = strchr(text, ':');
	if (!colon) {
		*why = "expected 'algorithm:encoded'";
		return WASMPACK_EINVALID;
	}
	alg_len = (size_t)(colon - text);
	if (alg_len == 0) {
		*why = "empty algorithm";
		return WASMPACK_EINVALID;
	}
	/* Each component non-empty: a separator may not lead, trail or repeat. */
	for (p = text; p < colon;) {
		if (!is_lower_alnum(*p)) {
			*why = "malformed algorithm (lowercase letters and digits "
			       "joined by one of '+._-')";
			return WASMPACK_EINVALID;
		}
		while (p < colon && is_lower_alnum(*p))
			p++;
		if (p < colon) {
			if (!strchr("+._-", *p)) {
				*why = "malformed algorithm (lowercase letters and digits "
				       "joined by one of '+._-')";
				return WASMPACK_EINVALID;
			}
			p++;
			if (p == colon) {
				*why = "malformed algorithm (ends with a separator)";
				return WASMPACK_EINVALID;
			}
		}
	}
	enc = colon + 1;
	enc_len = strlen(enc);
	if (enc_len == 0) {
		*why = "empty encoded part";
		return WASMPACK_EINVALID;
	}
	for (p = enc; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '=' || c == '_' || c == '-')) {
			*why = "malformed encoded part";
			return WASMPACK_EINVALID;
		}
	}

	size_t want = 0;
	if (alg_len == 6 && memcmp(text, "sha256", 6) == 0)
		want = 64;
	else if (alg_len == 6 && memcmp(text, "sha512", 6) == 0)
		want = 128;
	if (want == 0) {
		*why = "only sha256 and sha512 are supported";
		return WASMPACK_EUNSUPPORTED;
	}
	if (enc_len != want) {
		*why = want == 64 ? "sha256 needs exactly 64 lowercase hex digits"
				  : "sha512 needs exactly 128 lowercase hex digits";
		return WASMPACK_EINVALID;
	}
	for (p = enc; *p; p++) {
		if (!is_lower_hex(*p)) {
			*why = want == 64 ? "sha256 needs exactly 64 lowercase hex digits"
					  : "sha512 needs exactly 128 lowercase hex digits";
			return WASMPACK_EINVALID;
		}
	}
	return 0;
}

int wasmpack_digest_validate(const char *text)
{
	const char *why = NULL;
	int rc = check_digest(text, &why);
	if (rc == 0)
		return 0;
	if (!text)
		return wp_error(rc, "invalid digest: %s", why);
	/* Cap the echo of untrusted input so the reason stays in the message. */
	int n = (int)strnlen(text, 200);
	return wp_error(rc, "%s digest '%.*s%s': %s",
			rc == WASMPACK_EUNSUPPORTED ? "unsupported" : "invalid", n, text,
			text[n] ? "..." : "", why);
}

int wasmpack_digest_equal(const char *a, const char *b)
{
	const char *why;
	if (check_digest(a, &why) != 0 || check_digest(b, &why) != 0)
		return 0;
	return strcmp(a, b) == 0;
}

const char *wasmpack_digest_hex(const char *digest)
{
	const char *why;
	if (check_digest(digest, &why) != 0)
		return NULL;
	return strchr(digest, ':') + 1;
}
