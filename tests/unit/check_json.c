/* check_json.c - Check suite for common/json.c and common/buf.c. */
#include <check.h>
#include <stdio.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "jf_buf.h"
#include "jf_json.h"

static cJSON *parse(const char *s)
{
	cJSON *j = NULL;
	struct jf_errmsg e = {{0}};

	ck_assert_int_eq(jf_json_parse(s, strlen(s), 0, &j, &e), 0);
	return j;
}

START_TEST(test_parse_errors_name_line_and_col)
{
	struct jf_errmsg e = {{0}};
	cJSON *j = NULL;
	const char *bad = "{\n  \"a\": [1, 2,,]\n}";

	ck_assert_int_eq(jf_json_parse(bad, strlen(bad), 0, &j, &e),
			 -JF_EPARSE);
	ck_assert_ptr_null(j);
	ck_assert_msg(strstr(e.msg, "line 2 col") != NULL, "%s", e.msg);

	ck_assert_int_eq(jf_json_parse("{} x", 4, 0, &j, &e), -JF_EPARSE);
	ck_assert_msg(strstr(e.msg, "after the document"), "%s", e.msg);
	ck_assert_int_eq(jf_json_parse("{\"a\":1,\"a\":2}", 13, 0, &j, &e),
			 -JF_EPARSE);
	ck_assert_str_eq(e.msg, "duplicate key 'a'");
	ck_assert_int_eq(jf_json_parse("[1e999]", 7, 0, &j, &e), -JF_EPARSE);
	ck_assert_str_eq(e.msg, "number out of range");
	ck_assert_int_eq(jf_json_parse("{\"a\":", 5, 0, &j, &e), -JF_EPARSE);
	ck_assert_msg(strstr(e.msg, "line 1 col"), "%s", e.msg);
}
END_TEST

START_TEST(test_parse_caps_size_and_depth)
{
	struct jf_errmsg e = {{0}};
	cJSON *j = NULL;
	char deep[1000];

	ck_assert_int_eq(jf_json_parse("[1,2,3]", 7, 5, &j, &e), -JF_ETOOBIG);
	memset(deep, '[', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = '\0';
	ck_assert_int_eq(jf_json_parse(deep, strlen(deep), 0, &j, &e),
			 -JF_EDEPTH);
	/* brackets inside strings do not count */
	ck_assert_int_eq(jf_json_parse("\"[[[[[[\"", 8, 0, &j, &e), 0);
	ck_assert_str_eq(j->valuestring, "[[[[[[");
	cJSON_Delete(j);
}
END_TEST

START_TEST(test_paths_and_typed_getters)
{
	cJSON *j =
		parse("{\"spec\":{\"flows\":[{\"name\":\"a\"},{\"name\":\"b\","
		      "\"maxRetry\":5}]},\"metadata\":{\"labels\":"
		      "{\"volcano.sh/x\":\"y\"}},\"ok\":true,\"n\":null}");
	struct jf_errmsg e = {{0}};
	const char *s;
	int64_t v;
	bool b;

	ck_assert_str_eq(jf_json_str(j, "spec.flows[1].name", "?"), "b");
	ck_assert_int_eq(jf_json_int(j, "spec.flows[1].maxRetry", -1), 5);
	ck_assert_int_eq(jf_json_int(j, "spec.flows[0].maxRetry", -1), -1);
	ck_assert_str_eq(
		jf_json_str(j, "metadata.labels[\"volcano.sh/x\"]", "?"), "y");
	ck_assert_ptr_null(jf_json_at(j, "spec.flows[7]"));
	ck_assert_ptr_null(jf_json_at(j, "spec.flows[x]"));
	ck_assert_int_eq(jf_json_get_str(j, "spec.flows[0].name", &s, &e), 0);
	ck_assert_str_eq(s, "a");
	ck_assert_int_eq(jf_json_get_int(j, "spec.flows[0].name", &v, &e),
			 -JF_ETYPE);
	ck_assert_str_eq(e.msg,
			 "'spec.flows[0].name': expected integer, got string");
	ck_assert_int_eq(jf_json_get_bool(j, "n", &b, &e), -JF_ENOTFOUND);
	ck_assert_int_eq(jf_json_get_bool(j, "ok", &b, &e), 0);
	ck_assert(b);
	cJSON_Delete(j);
}
END_TEST

START_TEST(test_stable_print_sorts_keys_and_numbers)
{
	cJSON *a =
		parse("{\"b\":1,\"a\":{\"z\":[1.5,2e3,-0.1],\"y\":\"q\\\"\"}}");
	cJSON *b = parse(
		"{\"a\":{\"y\":\"q\\\"\",\"z\":[1.5,2000,-0.1]},\"b\":1}");
	char *pa = jf_json_print_stable(a), *pb = jf_json_print_stable(b);

	ck_assert_str_eq(
		pa, "{\"a\":{\"y\":\"q\\\"\",\"z\":[1.5,2000,-0.1]},\"b\":1}");
	ck_assert_str_eq(pa, pb);
	ck_assert(jf_json_equal(a, b));
	free(pa);
	free(pb);
	/* the same in a comma-decimal locale, when the system has one */
	if (setlocale(LC_NUMERIC, "de_DE.UTF-8")) {
		pa = jf_json_print_stable(a);
		ck_assert_str_eq(
			pa,
			"{\"a\":{\"y\":\"q\\\"\",\"z\":[1.5,2000,-0.1]},\"b\":1}");
		free(pa);
		setlocale(LC_NUMERIC, "C");
	}
	cJSON_Delete(a);
	cJSON_Delete(b);
}
END_TEST

START_TEST(test_equal_distinguishes_values)
{
	cJSON *a = parse("[1,{\"x\":null}]"), *b = parse("[1,{\"x\":false}]");
	cJSON *c = parse("[{\"x\":null},1]");

	ck_assert(!jf_json_equal(a, b));
	ck_assert(!jf_json_equal(a, c));
	ck_assert(jf_json_equal(a, a));
	ck_assert(jf_json_equal(NULL, NULL));
	ck_assert(!jf_json_equal(a, NULL));
	cJSON_Delete(a);
	cJSON_Delete(b);
	cJSON_Delete(c);
}
END_TEST

START_TEST(test_merge_diff_roundtrip)
{
	cJSON *a = parse("{\"phase\":\"Running\",\"x\":{\"k\":1,\"gone\":2},"
			 "\"list\":[1]}");
	cJSON *b =
		parse("{\"phase\":\"Succeed\",\"x\":{\"k\":1},\"list\":[1,2],"
		      "\"new\":true}");
	cJSON *d = jf_json_merge_diff(a, b);
	char *s = jf_json_print_stable(d);

	ck_assert_str_eq(s,
			 "{\"list\":[1,2],\"new\":true,\"phase\":\"Succeed\","
			 "\"x\":{\"gone\":null}}");
	a = jf_json_merge_apply(a, d);
	ck_assert(jf_json_equal(a, b));
	ck_assert_ptr_null(jf_json_merge_diff(a, b));
	free(s);
	cJSON_Delete(a);
	cJSON_Delete(b);
	cJSON_Delete(d);
}
END_TEST

START_TEST(test_set_replaces_and_paths_escape)
{
	cJSON *o = cJSON_CreateObject();
	char path[64] = "";

	ck_assert_int_eq(jf_json_set_str(o, "a", "1"), 0);
	ck_assert_int_eq(jf_json_set_int(o, "a", 2), 0);
	ck_assert_int_eq(cJSON_GetArraySize(o), 1);
	ck_assert_int_eq(jf_json_int(o, "a", 0), 2);
	ck_assert_ptr_nonnull(jf_json_obj(o, "m"));
	ck_assert(cJSON_IsObject(jf_json_at(o, "m")));
	jf_json_path_key(path, sizeof(path), "metadata");
	jf_json_path_key(path, sizeof(path), "volcano.sh/x");
	jf_json_path_index(path, sizeof(path), 3);
	ck_assert_str_eq(path, "metadata[\"volcano.sh/x\"][3]");
	cJSON_Delete(o);
}
END_TEST

START_TEST(test_buf_is_capped)
{
	struct jf_buf b;

	jf_buf_init(&b, 8);
	ck_assert_int_eq(jf_buf_puts(&b, "12345678"), 0);
	ck_assert_int_eq(jf_buf_putc(&b, 'x'), -JF_ETOOBIG);
	ck_assert_str_eq(b.data, "12345678");
	jf_buf_consume(&b, 3);
	ck_assert_str_eq(b.data, "45678");
	ck_assert_int_eq(jf_buf_printf(&b, "%d", 12), 0);
	ck_assert_str_eq(b.data, "4567812");
	jf_buf_release(&b);
}
END_TEST

/* Objects past the sorted-index threshold: order does not matter, one
 * changed, missing or extra member is found. */
START_TEST(test_large_objects_compare_and_diff)
{
	cJSON *a = cJSON_CreateObject(), *b = cJSON_CreateObject(), *d;
	char k[32];

	for (int i = 0; i < 200; i++) {
		snprintf(k, sizeof(k), "k%03d", i);
		cJSON_AddNumberToObject(a, k, i);
		snprintf(k, sizeof(k), "k%03d", 199 - i);
		cJSON_AddNumberToObject(b, k, 199 - i);
	}
	ck_assert(jf_json_equal(a, b));
	ck_assert_ptr_null(jf_json_merge_diff(a, b));
	cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(b, "k150"), -1);
	ck_assert(!jf_json_equal(a, b));
	d = jf_json_merge_diff(a, b);
	ck_assert_int_eq(cJSON_GetArraySize(d), 1);
	ck_assert_int_eq(jf_json_int(d, "k150", 0), -1);
	cJSON_Delete(d);
	cJSON_DeleteItemFromObjectCaseSensitive(b, "k007");
	cJSON_AddNumberToObject(b, "zzz", 1);
	d = jf_json_merge_diff(a, b);
	ck_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(d, "k007")));
	ck_assert_int_eq(jf_json_int(d, "zzz", 0), 1);
	ck_assert_int_eq(cJSON_GetArraySize(d), 3);
	cJSON_Delete(d);
	cJSON_Delete(b);
	cJSON_Delete(a);
}
END_TEST

static Suite *json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_parse_errors_name_line_and_col);
	tcase_add_test(tc, test_parse_caps_size_and_depth);
	tcase_add_test(tc, test_paths_and_typed_getters);
	tcase_add_test(tc, test_stable_print_sorts_keys_and_numbers);
	tcase_add_test(tc, test_equal_distinguishes_values);
	tcase_add_test(tc, test_merge_diff_roundtrip);
	tcase_add_test(tc, test_set_replaces_and_paths_escape);
	tcase_add_test(tc, test_buf_is_capped);
	tcase_add_test(tc, test_large_objects_compare_and_diff);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(json_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
