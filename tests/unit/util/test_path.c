/* Tests of the lexical path cleaning that decides what an archive or
 * layer entry names, and whether it climbs out of its root. */
#include "harness.h"

#include <stdlib.h>

#include "util/path.h"

/* clean(in) == want, with the expected climbs flag. */
static int cleans_to(const char *in, const char *want, int want_climbs)
{
	int climbs = -1;
	char *got = wp_path_clean(in, &climbs);
	int ok = got && strcmp(got, want) == 0 && climbs == want_climbs;
	free(got);
	return ok;
}

static void test_path__clean_drops_dots_slashes_and_resolves_parents(void)
{
	CHECK(cleans_to("app.wasm", "app.wasm", 0));
	CHECK(cleans_to("/app.wasm", "app.wasm", 0));
	CHECK(cleans_to("./app/./x.wasm", "app/x.wasm", 0));
	CHECK(cleans_to("app//bin///x.wasm/", "app/bin/x.wasm", 0));
	CHECK(cleans_to("a/b/../c", "a/c", 0));
	CHECK(cleans_to("a/..", "", 0));
	CHECK(cleans_to("", "", 0));
	CHECK(cleans_to("./", "", 0));
}

static void test_path__clean_reports_climbing_above_the_root(void)
{
	CHECK(cleans_to("../evil", "evil", 1));
	CHECK(cleans_to("a/../../evil", "evil", 1));
	CHECK(cleans_to("/../../tmp", "tmp", 1));
	CHECK(cleans_to("a/b/../../c", "c", 0));
}

static void test_path__within_is_by_whole_components(void)
{
	CHECK(wp_path_within("app/x.wasm", "app"));
	CHECK(wp_path_within("app", "app"));
	CHECK(wp_path_within("anything", ""));
	CHECK(!wp_path_within("apple/x.wasm", "app"));
	CHECK(!wp_path_within("app", "app/x.wasm"));
}

static void test_path__dir_len_splits_at_the_last_slash(void)
{
	CHECK(wp_path_dir_len("a/b/c") == 3);
	CHECK(wp_path_dir_len("c") == 0);
}

const test_case path_tests[] = {
	TEST_ENTRY(test_path__clean_drops_dots_slashes_and_resolves_parents),
	TEST_ENTRY(test_path__clean_reports_climbing_above_the_root),
	TEST_ENTRY(test_path__within_is_by_whole_components),
	TEST_ENTRY(test_path__dir_len_splits_at_the_last_slash),
	TEST_END,
};
