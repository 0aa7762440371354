/* check_jsonpatch.c - Check suite for common/jsonpatch.c (RFC 6902). */
#include <check.h>
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"
#include "jf_jsonpatch.h"

static cJSON *parse(const char *s)
{
	cJSON *j = NULL;
	struct jf_errmsg e = {{0}};

	ck_assert_msg(jf_json_parse(s, strlen(s), 0, &j, &e) == 0, "%s: %s", s,
		      e.msg);
	return j;
}

/* Applies ops to doc; returns the error; *out is the stable print of the
 * document afterwards (the unchanged input on failure). */
static int run(const char *doc, const char *ops, char **out,
	       struct jf_errmsg *e)
{
	cJSON *d = parse(doc), *o = parse(ops);
	int err = jf_json_patch_apply(&d, o, e);

	*out = jf_json_print_stable(d);
	cJSON_Delete(d);
	cJSON_Delete(o);
	return err;
}

static void expect_doc(const char *got, const char *want)
{
	cJSON *g = parse(got), *w = parse(want);

	ck_assert_msg(jf_json_equal(g, w), "got %s, want %s", got, want);
	cJSON_Delete(g);
	cJSON_Delete(w);
}

/* RFC 6902 Appendix A, every example with its exact result. */
static const struct {
	const char *name, *doc, *ops, *want; /* want NULL: an error */
	int err;
} rfc[] = {
	{"A.1 add object member", "{\"foo\":\"bar\"}",
	 "[{\"op\":\"add\",\"path\":\"/baz\",\"value\":\"qux\"}]",
	 "{\"baz\":\"qux\",\"foo\":\"bar\"}", 0},
	{"A.2 add array element", "{\"foo\":[\"bar\",\"baz\"]}",
	 "[{\"op\":\"add\",\"path\":\"/foo/1\",\"value\":\"qux\"}]",
	 "{\"foo\":[\"bar\",\"qux\",\"baz\"]}", 0},
	{"A.3 remove object member", "{\"baz\":\"qux\",\"foo\":\"bar\"}",
	 "[{\"op\":\"remove\",\"path\":\"/baz\"}]", "{\"foo\":\"bar\"}", 0},
	{"A.4 remove array element", "{\"foo\":[\"bar\",\"qux\",\"baz\"]}",
	 "[{\"op\":\"remove\",\"path\":\"/foo/1\"}]",
	 "{\"foo\":[\"bar\",\"baz\"]}", 0},
	{"A.5 replace", "{\"baz\":\"qux\",\"foo\":\"bar\"}",
	 "[{\"op\":\"replace\",\"path\":\"/baz\",\"value\":\"boo\"}]",
	 "{\"baz\":\"boo\",\"foo\":\"bar\"}", 0},
	{"A.6 move value",
	 "{\"foo\":{\"bar\":\"baz\",\"waldo\":\"fred\"},"
	 "\"qux\":{\"corge\":\"grault\"}}",
	 "[{\"op\":\"move\",\"from\":\"/foo/waldo\",\"path\":\"/qux/thud\"}]",
	 "{\"foo\":{\"bar\":\"baz\"},"
	 "\"qux\":{\"corge\":\"grault\",\"thud\":\"fred\"}}",
	 0},
	{"A.7 move array element",
	 "{\"foo\":[\"all\",\"grass\",\"cows\",\"eat\"]}",
	 "[{\"op\":\"move\",\"from\":\"/foo/1\",\"path\":\"/foo/3\"}]",
	 "{\"foo\":[\"all\",\"cows\",\"eat\",\"grass\"]}", 0},
	{"A.8 test success", "{\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}",
	 "[{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"qux\"},"
	 "{\"op\":\"test\",\"path\":\"/foo/1\",\"value\":2}]",
	 "{\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}", 0},
	{"A.9 test error", "{\"baz\":\"qux\"}",
	 "[{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"bar\"}]", NULL,
	 -JF_ECONFLICT},
	{"A.10 add nested object", "{\"foo\":\"bar\"}",
	 "[{\"op\":\"add\",\"path\":\"/child\","
	 "\"value\":{\"grandchild\":{}}}]",
	 "{\"foo\":\"bar\",\"child\":{\"grandchild\":{}}}", 0},
	{"A.11 unknown members ignored", "{\"foo\":\"bar\"}",
	 "[{\"op\":\"add\",\"path\":\"/baz\",\"value\":\"qux\","
	 "\"xyz\":123}]",
	 "{\"foo\":\"bar\",\"baz\":\"qux\"}", 0},
	{"A.12 add to nonexistent target", "{\"foo\":\"bar\"}",
	 "[{\"op\":\"add\",\"path\":\"/baz/bat\",\"value\":\"qux\"}]", NULL,
	 -JF_ENOTFOUND},
	{"A.14 ~ escape ordering", "{\"/\":9,\"~1\":10}",
	 "[{\"op\":\"test\",\"path\":\"/~01\",\"value\":10}]",
	 "{\"/\":9,\"~1\":10}", 0},
	{"A.15 string vs number", "{\"/\":9,\"~1\":10}",
	 "[{\"op\":\"test\",\"path\":\"/~01\",\"value\":\"10\"}]", NULL,
	 -JF_ECONFLICT},
	{"A.16 add array value", "{\"foo\":[\"bar\"]}",
	 "[{\"op\":\"add\",\"path\":\"/foo/-\",\"value\":[\"abc\",\"def\"]}]",
	 "{\"foo\":[\"bar\",[\"abc\",\"def\"]]}", 0},
};

START_TEST(test_rfc6902_appendix_a)
{
	struct jf_errmsg e = {{0}};
	char *out;
	int err = run(rfc[_i].doc, rfc[_i].ops, &out, &e);

	ck_assert_msg(err == rfc[_i].err, "%s: err %d (%s), want %d",
		      rfc[_i].name, err, e.msg, rfc[_i].err);
	/* on failure the document is unchanged */
	expect_doc(out, rfc[_i].want ? rfc[_i].want : rfc[_i].doc);
	free(out);
}
END_TEST

/* More cases: pointers, indexes, whole-document ops, errors. */
static const struct {
	const char *doc, *ops, *want; /* want: result, or message on error */
	int err;
} more[] = {
	/* "" is the whole document */
	{"{\"a\":1}", "[{\"op\":\"replace\",\"path\":\"\",\"value\":[1]}]",
	 "[1]", 0},
	{"{\"a\":1}", "[{\"op\":\"add\",\"path\":\"\",\"value\":{\"b\":2}}]",
	 "{\"b\":2}", 0},
	{"{\"a\":1}", "[{\"op\":\"test\",\"path\":\"\",\"value\":{\"a\":1}}]",
	 "{\"a\":1}", 0},
	/* add replaces an existing member; objects compare unordered */
	{"{\"a\":1,\"b\":2}",
	 "[{\"op\":\"add\",\"path\":\"/a\",\"value\":3},"
	 "{\"op\":\"test\",\"path\":\"\",\"value\":{\"b\":2,\"a\":3}}]",
	 "{\"a\":3,\"b\":2}", 0},
	/* add at index == size appends, "-" appends, 0 prepends */
	{"[1,2]",
	 "[{\"op\":\"add\",\"path\":\"/2\",\"value\":3},"
	 "{\"op\":\"add\",\"path\":\"/-\",\"value\":4},"
	 "{\"op\":\"add\",\"path\":\"/0\",\"value\":0}]",
	 "[0,1,2,3,4]", 0},
	/* replace in an array does not shift */
	{"[1,2,3]", "[{\"op\":\"replace\",\"path\":\"/1\",\"value\":9}]",
	 "[1,9,3]", 0},
	/* keys with / and ~ and the empty key */
	{"{\"a/b\":{\"c~d\":1},\"\":2}",
	 "[{\"op\":\"copy\",\"from\":\"/a~1b/c~0d\",\"path\":\"/x\"},"
	 "{\"op\":\"move\",\"from\":\"/\",\"path\":\"/y\"}]",
	 "{\"a/b\":{\"c~d\":1},\"x\":1,\"y\":2}", 0},
	/* move from an object member into an array, and back out */
	{"{\"a\":{\"k\":1},\"l\":[]}",
	 "[{\"op\":\"move\",\"from\":\"/a/k\",\"path\":\"/l/0\"},"
	 "{\"op\":\"move\",\"from\":\"/l/0\",\"path\":\"/a/z\"}]",
	 "{\"a\":{\"z\":1},\"l\":[]}", 0},
	/* move onto itself is a no-op, copy into own child is allowed */
	{"{\"a\":{\"b\":1}}",
	 "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a\"},"
	 "{\"op\":\"copy\",\"from\":\"/a\",\"path\":\"/a/c\"}]",
	 "{\"a\":{\"b\":1,\"c\":{\"b\":1}}}", 0},
	/* test: numbers by value, null, nested arrays in order */
	{"{\"n\":1.0,\"z\":null,\"l\":[1,[2]]}",
	 "[{\"op\":\"test\",\"path\":\"/n\",\"value\":1},"
	 "{\"op\":\"test\",\"path\":\"/z\",\"value\":null},"
	 "{\"op\":\"test\",\"path\":\"/l\",\"value\":[1,[2]]}]",
	 "{\"n\":1,\"z\":null,\"l\":[1,[2]]}", 0},
	/* errors carry the op index (0-based) and the pointer */
	{"{\"spec\":{}}",
	 "[{\"op\":\"test\",\"path\":\"/spec\",\"value\":{}},"
	 "{\"op\":\"add\",\"path\":\"/spec/y\",\"value\":1},"
	 "{\"op\":\"replace\",\"path\":\"/spec/x\",\"value\":1}]",
	 "op 2 (replace /spec/x): path not found", -JF_ENOTFOUND},
	{"{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"/b\"}]",
	 "op 0 (remove /b): path not found", -JF_ENOTFOUND},
	{"{\"a\":1}", "[{\"op\":\"move\",\"from\":\"/x\",\"path\":\"/b\"}]",
	 "op 0 (move /x -> /b): from path not found", -JF_ENOTFOUND},
	{"{\"a\":1}", "[{\"op\":\"copy\",\"from\":\"/x\",\"path\":\"/b\"}]",
	 "op 0 (copy /x -> /b): from path not found", -JF_ENOTFOUND},
	{"{\"a\":{\"b\":1}}",
	 "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a/b/c\"}]",
	 "op 0 (move /a -> /a/b/c): cannot move a value into itself",
	 -JF_EPARSE},
	{"{\"metadata\":{\"resourceVersion\":\"5\"}}",
	 "[{\"op\":\"test\",\"path\":\"/metadata/resourceVersion\","
	 "\"value\":\"4\"},{\"op\":\"add\",\"path\":\"/x\",\"value\":1}]",
	 "op 0 (test /metadata/resourceVersion): test failed", -JF_ECONFLICT},
	{"{\"a\":1}", "[{\"op\":\"test\",\"path\":\"/b\",\"value\":1}]",
	 "op 0 (test /b): path not found", -JF_ENOTFOUND},
	{"[1,2]", "[{\"op\":\"add\",\"path\":\"/01\",\"value\":1}]",
	 "op 0 (add /01): invalid array index '01'", -JF_EPARSE},
	{"[1,2]", "[{\"op\":\"add\",\"path\":\"/3\",\"value\":1}]",
	 "op 0 (add /3): out of range array index '3'", -JF_ENOTFOUND},
	{"[1,2]", "[{\"op\":\"add\",\"path\":\"/-1\",\"value\":1}]",
	 "op 0 (add /-1): invalid array index '-1'", -JF_EPARSE},
	{"[1,2]", "[{\"op\":\"replace\",\"path\":\"/2\",\"value\":1}]",
	 "op 0 (replace /2): path not found", -JF_ENOTFOUND},
	{"[1,2]", "[{\"op\":\"remove\",\"path\":\"/-\"}]",
	 "op 0 (remove /-): path not found", -JF_ENOTFOUND},
	{"[1,2]", "[{\"op\":\"remove\",\"path\":\"/1e0\"}]",
	 "op 0 (remove /1e0): path not found", -JF_ENOTFOUND},
	{"{\"a\":\"s\"}", "[{\"op\":\"add\",\"path\":\"/a/b\",\"value\":1}]",
	 "op 0 (add /a/b): path not found", -JF_ENOTFOUND},
	{"{}", "[{\"op\":\"add\",\"path\":\"a\",\"value\":1}]",
	 "op 0 (add a): invalid pointer", -JF_EPARSE},
	{"{}", "[{\"op\":\"add\",\"path\":\"/a~2\",\"value\":1}]",
	 "op 0 (add /a~2): invalid pointer", -JF_EPARSE},
	{"{}", "[{\"op\":\"add\",\"path\":\"/a~\",\"value\":1}]",
	 "op 0 (add /a~): invalid pointer", -JF_EPARSE},
	{"{}", "[{\"op\":\"add\",\"path\":\"/a\"}]",
	 "op 0 (add /a): missing 'value'", -JF_EPARSE},
	{"{}", "[{\"op\":\"copy\",\"path\":\"/a\"}]",
	 "op 0 (copy ? -> /a): missing 'from'", -JF_EPARSE},
	{"{}", "[{\"op\":\"frob\",\"path\":\"/a\"}]", "op 0: unknown op 'frob'",
	 -JF_EPARSE},
	{"{}", "[{\"path\":\"/a\"}]", "op 0: missing 'op'", -JF_EPARSE},
	{"{}", "[{\"op\":\"remove\"}]", "op 0 (remove): missing 'path'",
	 -JF_EPARSE},
	{"{}", "[{\"op\":\"add\",\"path\":\"/a\",\"value\":1},7]",
	 "op 1: expected an object, got number", -JF_EPARSE},
	{"{}", "{\"op\":\"add\"}",
	 "json patch: expected an array of operations, got object", -JF_EPARSE},
	{"{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"\"}]",
	 "op 0 (remove ): cannot remove the whole document", -JF_EPARSE},
};

START_TEST(test_more_cases)
{
	struct jf_errmsg e = {{0}};
	char *out;
	int err = run(more[_i].doc, more[_i].ops, &out, &e);

	ck_assert_msg(err == more[_i].err, "case %d: err %d (%s), want %d", _i,
		      err, e.msg, more[_i].err);
	if (err == 0) {
		expect_doc(out, more[_i].want);
	} else {
		ck_assert_str_eq(e.msg, more[_i].want);
		expect_doc(out, more[_i].doc);
	}
	free(out);
}
END_TEST

/* RFC 6902 A.13: an op with two "op" members. jf_json_parse() rejects the
 * duplicate key already; a document built in memory is rejected here. */
START_TEST(test_rfc6902_a13_duplicate_member)
{
	const char *text = "[{\"op\":\"add\",\"path\":\"/baz\","
			   "\"value\":\"qux\",\"op\":\"remove\"}]";
	struct jf_errmsg e = {{0}};
	cJSON *d = parse("{\"foo\":\"bar\"}"), *o = NULL, *op;
	char *s;

	ck_assert_int_eq(jf_json_parse(text, strlen(text), 0, &o, &e),
			 -JF_EPARSE);
	o = cJSON_CreateArray();
	op = cJSON_CreateObject();
	cJSON_AddStringToObject(op, "op", "add");
	cJSON_AddStringToObject(op, "path", "/baz");
	cJSON_AddStringToObject(op, "value", "qux");
	cJSON_AddStringToObject(op, "op", "remove"); /* a second "op" */
	cJSON_AddItemToArray(o, op);
	ck_assert_int_eq(jf_json_patch_apply(&d, o, &e), -JF_EPARSE);
	ck_assert_str_eq(e.msg, "op 0: duplicate 'op'");
	s = jf_json_print(d);
	ck_assert_str_eq(s, "{\"foo\":\"bar\"}");
	free(s);
	cJSON_Delete(o);
	cJSON_Delete(d);
}
END_TEST

START_TEST(test_failure_is_atomic)
{
	/* the first two ops succeed on the copy, the third fails */
	cJSON *d = parse("{\"a\":[1,2],\"b\":{\"c\":1}}");
	cJSON *keep = d;
	cJSON *o = parse("[{\"op\":\"remove\",\"path\":\"/a/0\"},"
			 "{\"op\":\"add\",\"path\":\"/b/d\",\"value\":2},"
			 "{\"op\":\"test\",\"path\":\"/b/c\",\"value\":2}]");
	struct jf_errmsg e = {{0}};
	char *s;

	ck_assert_int_eq(jf_json_patch_apply(&d, o, &e), -JF_ECONFLICT);
	ck_assert_ptr_eq(d, keep);
	s = jf_json_print_stable(d);
	ck_assert_str_eq(s, "{\"a\":[1,2],\"b\":{\"c\":1}}");
	free(s);
	cJSON_Delete(o);
	cJSON_Delete(d);
}
END_TEST

START_TEST(test_success_swaps_root)
{
	cJSON *d = parse("{\"x\":1}");
	cJSON *o =
		parse("[{\"op\":\"replace\",\"path\":\"\",\"value\":\"s\"}]");
	struct jf_errmsg e = {{0}};

	ck_assert_int_eq(jf_json_patch_apply(&d, o, &e), 0);
	ck_assert(cJSON_IsString(d));
	ck_assert_str_eq(d->valuestring, "s");
	ck_assert_ptr_null(d->string);
	/* an empty patch is valid and changes nothing */
	cJSON_Delete(o);
	o = parse("[]");
	ck_assert_int_eq(jf_json_patch_apply(&d, o, &e), 0);
	ck_assert_str_eq(d->valuestring, "s");
	ck_assert_int_eq(jf_json_patch_apply(NULL, o, &e), -EINVAL);
	cJSON_Delete(o);
	cJSON_Delete(d);
}
END_TEST

START_TEST(test_caps_ops_size_and_depth)
{
	struct jf_errmsg e = {{0}};
	cJSON *d =
		parse("{\"a\":\"0123456789012345678901234567890123456789\"}");
	cJSON *o = cJSON_CreateArray(), *op;
	int i;

	/* one op over the cap */
	for (i = 0; i <= JF_JSONPATCH_MAX_OPS; i++) {
		op = cJSON_CreateObject();
		cJSON_AddStringToObject(op, "op", "test");
		cJSON_AddStringToObject(op, "path", "/a");
		cJSON_AddItemToObject(op, "value", cJSON_CreateNull());
		cJSON_AddItemToArray(o, op);
	}
	ck_assert_int_eq(jf_json_patch_apply(&d, o, &e), -JF_ETOOBIG);
	ck_assert_str_eq(e.msg, "json patch: more than 10000 operations");
	cJSON_Delete(o);

	/* doubling by copy: a 4 MiB string copied 2^k times hits the size
	 * cap (64 MiB) at the fourth copy, and the document is unchanged */
	{
		char *big = malloc(4u << 20);
		cJSON *d2 = cJSON_CreateObject();

		memset(big, 'x', (4u << 20) - 1);
		big[(4u << 20) - 1] = '\0';
		cJSON_AddStringToObject(d2, "a", big);
		free(big);
		o = cJSON_CreateArray();
		for (i = 0; i < 8; i++) {
			char path[8];

			snprintf(path, sizeof(path), "/c%d", i);
			op = cJSON_CreateObject();
			cJSON_AddStringToObject(op, "op", "copy");
			cJSON_AddStringToObject(op, "from", "");
			cJSON_AddStringToObject(op, "path", path);
			cJSON_AddItemToArray(o, op);
		}
		ck_assert_int_eq(jf_json_patch_apply(&d2, o, &e), -JF_ETOOBIG);
		ck_assert_msg(strstr(e.msg,
				     "op 3 (copy  -> /c3): result larger than"),
			      "%s", e.msg);
		ck_assert_int_eq(cJSON_GetArraySize(d2), 1);
		cJSON_Delete(o);
		cJSON_Delete(d2);
	}

	/* copying "" into itself nests one level per op: depth cap */
	o = cJSON_CreateArray();
	for (i = 0; i < JF_JSON_MAX_DEPTH + 5; i++) {
		op = cJSON_CreateObject();
		cJSON_AddStringToObject(op, "op", "move");
		cJSON_AddStringToObject(op, "from", "/a");
		cJSON_AddStringToObject(op, "path", "/b");
		cJSON_AddItemToArray(o, op);
		op = cJSON_CreateObject();
		cJSON_AddStringToObject(op, "op", "add");
		cJSON_AddStringToObject(op, "path", "/a");
		cJSON_AddItemToObject(op, "value", cJSON_CreateObject());
		cJSON_AddItemToArray(o, op);
		op = cJSON_CreateObject();
		cJSON_AddStringToObject(op, "op", "move");
		cJSON_AddStringToObject(op, "from", "/b");
		cJSON_AddStringToObject(op, "path", "/a/x");
		cJSON_AddItemToArray(o, op);
	}
	ck_assert_int_eq(jf_json_patch_apply(&d, o, &e), -JF_EDEPTH);
	ck_assert_msg(strstr(e.msg, "nested deeper than 200"), "%s", e.msg);
	cJSON_Delete(o);
	cJSON_Delete(d);
}
END_TEST

static const struct {
	const char *ptr, *want; /* want: printed value or NULL */
} pointers[] = {
	{"", "{\"foo\":[\"bar\",\"baz\"],\"\":0,\"a/b\":1,\"c%d\":2,\"e^f\":3,"
	     "\"g|h\":4,\"i\\\\j\":5,\"k\\\"l\":6,\" \":7,\"m~n\":8}"},
	{"/foo", "[\"bar\",\"baz\"]"},
	{"/foo/0", "\"bar\""},
	{"/", "0"},
	{"/a~1b", "1"},
	{"/c%d", "2"},
	{"/e^f", "3"},
	{"/g|h", "4"},
	{"/i\\j", "5"},
	{"/k\"l", "6"},
	{"/ ", "7"},
	{"/m~0n", "8"},
	{"/foo/2", NULL},
	{"/foo/-", NULL},
	{"/foo/00", NULL},
	{"/foo/+1", NULL},
	{"/missing", NULL},
	{"foo", NULL},
	{"/m~2n", NULL},
};

START_TEST(test_pointer_rfc6901)
{
	/* the RFC 6901 section 5 document */
	cJSON *d = parse("{\"foo\":[\"bar\",\"baz\"],\"\":0,\"a/b\":1,"
			 "\"c%d\":2,\"e^f\":3,\"g|h\":4,\"i\\\\j\":5,"
			 "\"k\\\"l\":6,\" \":7,\"m~n\":8}");
	cJSON *n = jf_json_pointer(d, pointers[_i].ptr), *w;

	if (!pointers[_i].want) {
		ck_assert_msg(n == NULL, "'%s' resolved", pointers[_i].ptr);
	} else {
		ck_assert_msg(n != NULL, "'%s' not found", pointers[_i].ptr);
		w = parse(pointers[_i].want);
		ck_assert_msg(jf_json_equal(n, w), "'%s'", pointers[_i].ptr);
		cJSON_Delete(w);
	}
	ck_assert_ptr_null(jf_json_pointer(NULL, "/x"));
	ck_assert_ptr_null(jf_json_pointer(d, NULL));
	cJSON_Delete(d);
}
END_TEST

START_TEST(test_comma_locale)
{
	/* numbers in values and comparisons do not depend on LC_NUMERIC */
	struct jf_errmsg e = {{0}};
	char *out;

	if (!setlocale(LC_NUMERIC, "de_DE.UTF-8"))
		return;
	ck_assert_int_eq(run("{\"x\":1.5}",
			     "[{\"op\":\"test\",\"path\":\"/x\",\"value\":1.5},"
			     "{\"op\":\"add\",\"path\":\"/y\",\"value\":2.25}]",
			     &out, &e),
			 0);
	ck_assert_str_eq(out, "{\"x\":1.5,\"y\":2.25}");
	free(out);
	setlocale(LC_NUMERIC, "C");
}
END_TEST

static Suite *jsonpatch_suite(void)
{
	Suite *s = suite_create("jsonpatch");
	TCase *tc;

	tc = tcase_create("rfc6902_appendix_a");
	tcase_add_loop_test(tc, test_rfc6902_appendix_a, 0,
			    (int)(sizeof(rfc) / sizeof(rfc[0])));
	tcase_add_test(tc, test_rfc6902_a13_duplicate_member);
	suite_add_tcase(s, tc);
	tc = tcase_create("cases");
	tcase_add_loop_test(tc, test_more_cases, 0,
			    (int)(sizeof(more) / sizeof(more[0])));
	tcase_add_test(tc, test_failure_is_atomic);
	tcase_add_test(tc, test_success_swaps_root);
	tcase_add_test(tc, test_comma_locale);
	suite_add_tcase(s, tc);
	tc = tcase_create("caps");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_caps_ops_size_and_depth);
	suite_add_tcase(s, tc);
	tc = tcase_create("pointer");
	tcase_add_loop_test(tc, test_pointer_rfc6901, 0,
			    (int)(sizeof(pointers) / sizeof(pointers[0])));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(jsonpatch_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
