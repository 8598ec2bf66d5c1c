/* Tests of the shared basics: errors, kv lists, version. */
#include "harness.h"

#include <stdlib.h>

#include "util/error.h"

static void test_common__error_last_is_one_line(void)
{
	CHECK(wp_error(WASMPACK_EINVALID, "bad\nthing %d", 7) == WASMPACK_EINVALID);
	CHECK_STR(wasmpack_error_last(), "bad thing 7");
	CHECK_INT(wasmpack_error_last_code(), WASMPACK_EINVALID);
	wp_error_prefix("cannot do '%s': ", "x");
	CHECK_STR(wasmpack_error_last(), "cannot do 'x': bad thing 7");
}

static void test_common__kvlist_replaces_existing_keys(void)
{
	wasmpack_kvlist l = WASMPACK_KVLIST_INIT;
	CHECK_OK(wasmpack_kvlist_set(&l, "a", "1"));
	CHECK_OK(wasmpack_kvlist_set(&l, "b", "2"));
	CHECK_OK(wasmpack_kvlist_set(&l, "a", "3"));
	CHECK_INT(l.count, 2);
	CHECK_STR(wasmpack_kvlist_get(&l, "a"), "3");
	CHECK(wasmpack_kvlist_get(&l, "c") == NULL);
	wasmpack_kvlist_dispose(&l);
	CHECK_INT(l.count, 0);
	CHECK(l.items == NULL);
}

static void test_common__version_matches_macro(void)
{
	CHECK_STR(wasmpack_version(), WASMPACK_VERSION);
	CHECK_INT(WASMPACK_VERSION_NUMBER, 0x000100);
}

const test_case common_tests[] = {
	TEST_ENTRY(test_common__error_last_is_one_line),
	TEST_ENTRY(test_common__kvlist_replaces_existing_keys),
	TEST_ENTRY(test_common__version_matches_macro),
	TEST_END,
};
