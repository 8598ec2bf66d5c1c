/* Fuzzes image reference parsing: wasmpack_reference_parse() on any text,
 * then everything a parsed reference offers. The formatted form must parse
 * back to the same reference. */
#include <wasmpack/reference.h>

#include "fuzz.h"

static int str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	wasmpack_reference *ref = NULL, *again = NULL, *copy = NULL;
	char *text = fuzz_cstr(data, size), *formatted = NULL, *name = NULL;
	if (!text)
		return 0;
	if (wasmpack_reference_parse(&ref, text) == 0) {
		(void)wasmpack_reference_target(ref);
		(void)wasmpack_reference_api_host(ref);
		(void)wasmpack_reference_name(&name, ref);
		if (wasmpack_reference_dup(&copy, ref) == 0)
			FUZZ_CHECK(str_eq(copy->repository, ref->repository), "dup differs");
		if (wasmpack_reference_format(&formatted, ref) == 0) {
			int rc = wasmpack_reference_parse(&again, formatted);
			FUZZ_CHECK(rc == 0, "'%s' formats as '%s', which does not parse: %s", text,
				   formatted, wasmpack_error_last());
			FUZZ_CHECK(str_eq(ref->registry, again->registry) &&
					   str_eq(ref->repository, again->repository) &&
					   str_eq(ref->tag, again->tag) &&
					   str_eq(ref->digest, again->digest),
				   "'%s' formats as '%s', which parses differently", text,
				   formatted);
		}
	}
	wasmpack_reference_free(ref);
	wasmpack_reference_free(again);
	wasmpack_reference_free(copy);
	free(formatted);
	free(name);
	free(text);
	return 0;
}
