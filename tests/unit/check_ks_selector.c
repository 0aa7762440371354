/* check_ks_selector.c - Check suite for tests/kubesim/selector.c (label and
 * field selectors as kube-apiserver parses and matches them). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"
#include "tests/kubesim/ks_selector.h"

static cJSON *parse(const char *s)
{
	cJSON *j = NULL;
	struct jf_errmsg e = {{0}};

	ck_assert_msg(jf_json_parse(s, strlen(s), 0, &j, &e) == 0, "%s: %s", s,
		      e.msg);
	return j;
}

/* Label sets the match table refers to by index. */
static const char *const label_sets[] = {
	/* 0 */ "{}",
	/* 1 */ "{\"app\":\"web\"}",
	/* 2 */ "{\"app\":\"web\",\"tier\":\"front\"}",
	/* 3 */ "{\"app\":\"db\",\"tier\":\"back\",\"n\":\"5\"}",
	/* 4 */ "{\"volcano.sh/job-name\":\"j1\",\"app\":\"\"}",
	/* 5 */ "{\"n\":\"12\",\"in\":\"notin\"}",
};
#define NSETS ((int)(sizeof(label_sets) / sizeof(label_sets[0])))

/* match[i] is the expected result against label_sets[i]; NULL labels
 * (an object without metadata.labels) behave as set 0. */
static const struct {
	const char *sel;
	const char *match; /* one '1'/'0' per label set */
} matches[] = {
	{"", "111111"},
	{"   ", "111111"},
	{"app=web", "011000"},
	{"app==web", "011000"},
	{"app = web", "011000"},
	{"\tapp\t==\tweb\n", "011000"},
	{"app!=web", "100111"}, /* objects without app match */
	{"app", "011110"},
	{"!app", "100001"},
	{"! app", "100001"},
	{"app,tier", "001100"},
	{"app=web,tier=front", "001000"},
	{"app=web,tier!=front", "010000"},
	{"app in (web,db)", "011100"},
	{"app in (web, db)", "011100"},
	{"app in(db)", "000100"},
	{"app notin (web)", "100111"}, /* notin matches absent keys */
	{"app notin (web,db)", "100011"},
	{"app in ()", "000010"},     /* "()" is the empty value */
	{"app in (,web)", "011010"}, /* "(," adds "" */
	{"app=", "000010"},
	{"app=,tier", "000000"},
	{"volcano.sh/job-name=j1", "000010"},
	{"volcano.sh/job-name", "000010"},
	{"!volcano.sh/job-name,app", "011100"},
	{"n>4", "000101"},
	{"n<10", "000100"},
	{"n>12", "000000"},
	{"in=notin", "000001"}, /* keywords as key and value */
	{"in in (notin)", "000001"},
	{"tier notin (front),app", "010110"},
	{"app=web,app=db", "000000"},
};

START_TEST(test_label_match_table)
{
	struct ks_selector *sel = NULL;
	char msg[512];

	ck_assert_msg(
		ks_selector_parse(matches[_i].sel, &sel, msg, sizeof(msg)) == 0,
		"'%s': %s", matches[_i].sel, msg);
	for (int k = 0; k < NSETS; k++) {
		cJSON *l = parse(label_sets[k]);
		bool want = matches[_i].match[k] == '1';

		ck_assert_msg(ks_selector_match(sel, l) == want,
			      "'%s' against %s: want %d", matches[_i].sel,
			      label_sets[k], want);
		cJSON_Delete(l);
	}
	/* no labels at all behaves as the empty set */
	ck_assert(ks_selector_match(sel, NULL) ==
		  (matches[_i].match[0] == '1'));
	ks_selector_free(sel);
}
END_TEST

#define QNAME                                                                  \
	"must consist of alphanumeric characters, '-', '_' or '.', and must "  \
	"start and end with an alphanumeric character (e.g. 'MyName',  or "    \
	"'my.name',  or '123-abc', regex used for validation is "              \
	"'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
#define LVALUE                                                                 \
	"a valid label must be an empty string or consist of alphanumeric "    \
	"characters, '-', '_' or '.', and must start and end with an "         \
	"alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "         \
	"'12345', regex used for validation is "                               \
	"'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"

/* Invalid selectors with kube-apiserver's messages. */
static const struct {
	const char *sel, *msg;
} invalid[] = {
	{"app=web x", "found 'x', expected: ',' or 'end of string'"},
	{",app", "found ',', expected: !, identifier, or 'end of string'"},
	{"app,", "found '', expected: identifier after ','"},
	{"app,,b", "found ',', expected: identifier after ','"},
	{"=web", "found '=', expected: !, identifier, or 'end of string'"},
	{"!", "unable to parse requirement: found '', expected: identifier"},
	{"!app=web", "found '=', expected: ',' or 'end of string'"},
	{"app in web",
	 "unable to parse requirement: found 'web' expected: '('"},
	{"app in (web",
	 "unable to parse requirement: found '', expected: ',' or ')'"},
	{"app in (web db)",
	 "unable to parse requirement: found 'db', expected: ',' or ')'"},
	{"app in (=)",
	 "unable to parse requirement: found '=', expected: ',', ')' or identifier"},
	{"app in (a,=)",
	 "unable to parse requirement: found '=', expected: ',', or identifier"},
	{"app x",
	 "unable to parse requirement: found 'x', expected: in, notin, =, ==, !=, gt, lt"},
	{"app==(",
	 "unable to parse requirement: found '(', expected: identifier"},
	{"a b=c",
	 "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"},
	{"-app=x",
	 "unable to parse requirement: <nil>: Invalid value: \"-app\": name part " QNAME},
	{"a/b/c",
	 "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name " QNAME
	 " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"},
	{"/app",
	 "unable to parse requirement: <nil>: Invalid value: \"/app\": prefix part must be non-empty"},
	{"Volcano.sh/app",
	 "unable to parse requirement: <nil>: Invalid value: \"Volcano.sh/app\": prefix part "
	 "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
	 "'-' or '.', and must start and end with an alphanumeric character (e.g. "
	 "'example.com', regex used for validation is "
	 "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"},
	{"x.io/",
	 "unable to parse requirement: <nil>: Invalid value: \"x.io/\": name part must be non-empty; name part " QNAME},
	{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=1",
	 "unable to parse requirement: <nil>: Invalid value: "
	 "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\": "
	 "name part must be no more than 63 characters"},
	{"app=-web",
	 "unable to parse requirement: values[0][app]: Invalid value: \"-web\": " LVALUE},
	{"app in (ok,b_,-c)",
	 "unable to parse requirement: [values[0][app]: Invalid value: \"-c\": " LVALUE
	 ", values[1][app]: Invalid value: \"b_\": " LVALUE "]"},
	{"app=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	 "unable to parse requirement: values[0][app]: Invalid value: "
	 "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\": "
	 "must be no more than 63 characters"},
	{"n>x1",
	 "unable to parse requirement: values[0]: Invalid value: \"x1\": for 'Gt', 'Lt' operators, the value must be an integer"},
	{"n<",
	 "unable to parse requirement: values[0]: Invalid value: \"\": for 'Gt', 'Lt' operators, the value must be an integer"},
	{"a\"b=1",
	 "unable to parse requirement: <nil>: Invalid value: \"a\\\"b\": name part " QNAME},
};

START_TEST(test_label_invalid_table)
{
	struct ks_selector *sel = (struct ks_selector *)1;
	char msg[2048];

	ck_assert_int_eq(
		ks_selector_parse(invalid[_i].sel, &sel, msg, sizeof(msg)), -1);
	ck_assert_ptr_null(sel);
	ck_assert_str_eq(msg, invalid[_i].msg);
}
END_TEST

START_TEST(test_label_caps_and_tiny_buffers)
{
	struct ks_selector *sel = NULL;
	char *big = malloc(70000), small[8];

	memset(big, 'a', 69999);
	big[69999] = '\0';
	ck_assert_int_eq(ks_selector_parse(big, &sel, small, sizeof(small)),
			 -1);
	ck_assert_str_eq(small, "label s"); /* truncated, terminated */
	ck_assert_int_eq(ks_selector_parse("a in (b", &sel, NULL, 0), -1);
	ck_assert_int_eq(ks_selector_parse(NULL, &sel, NULL, 0), 0);
	ck_assert(ks_selector_match(sel, NULL));
	ks_selector_free(sel);
	ks_selector_free(NULL);
	free(big);
}
END_TEST

static const char *const objects[] = {
	"{\"metadata\":{\"name\":\"a\",\"namespace\":\"ns1\"}}",
	"{\"metadata\":{\"name\":\"b\",\"namespace\":\"ns1\"}}",
	("{\"metadata\":{\"name\":\"a\",\"namespace\":\"ns2\"},"
	 "\"status\":{\"phase\":\"Running\",\"n\":3}}"),
	"{\"metadata\":{\"name\":\"x,y=z\"}}",
};

static const struct {
	const char *sel, *match;
} field_matches[] = {
	{"", "1111"},
	{"metadata.name=a", "1010"},
	{"metadata.name==a", "1010"},
	{"metadata.name!=a", "0101"},
	{"metadata.name=a,metadata.namespace=ns2", "0010"},
	{"metadata.namespace!=ns1", "0011"},
	{"metadata.namespace=", "0001"}, /* cluster-scoped: "" */
	{"metadata.name=x\\,y\\=z", "0001"},
	{"metadata.name=a,,", "1010"}, /* empty terms are skipped */
	{"status.phase=Running", "0010"},
	{"status.n=3", "0010"},
};

START_TEST(test_field_match_table)
{
	static const char *const allowed[] = {"metadata.name",
					      "metadata.namespace",
					      "status.phase", "status.n", NULL};
	struct ks_field_selector *sel = NULL;
	char msg[512];

	ck_assert_msg(ks_field_selector_parse(field_matches[_i].sel, allowed,
					      &sel, msg, sizeof(msg)) == 0,
		      "'%s': %s", field_matches[_i].sel, msg);
	for (int k = 0; k < 4; k++) {
		cJSON *o = parse(objects[k]);
		bool want = field_matches[_i].match[k] == '1';

		ck_assert_msg(ks_field_selector_match(sel, o) == want,
			      "'%s' against %s: want %d", field_matches[_i].sel,
			      objects[k], want);
		cJSON_Delete(o);
	}
	ks_field_selector_free(sel);
}
END_TEST

static const struct {
	const char *sel, *msg;
} field_invalid[] = {
	{"spec.x=1", "field label not supported: spec.x"},
	{"status.phase=Running", "field label not supported: status.phase"},
	{"metadata.name",
	 "invalid selector: 'metadata.name'; can't understand 'metadata.name'"},
	{"metadata.name=a,b",
	 "invalid selector: 'metadata.name=a,b'; can't understand 'b'"},
	{"metadata.name = a", "field label not supported: metadata.name "},
	{"metadata.name=a=b",
	 "invalid field selector: unescaped character in value: ="},
	{"metadata.name=a\\x",
	 "invalid field selector: invalid escape sequence: \\x"},
	{"metadata.name=a\\",
	 "invalid field selector: invalid escape sequence: \\"},
	{"metadata.name in (a)",
	 "invalid selector: 'metadata.name in (a)'; can't understand 'metadata.name in (a)'"},
};

START_TEST(test_field_invalid_table)
{
	struct ks_field_selector *sel = NULL;
	char msg[512];

	ck_assert_int_eq(ks_field_selector_parse(field_invalid[_i].sel, NULL,
						 &sel, msg, sizeof(msg)),
			 -1);
	ck_assert_ptr_null(sel);
	ck_assert_str_eq(msg, field_invalid[_i].msg);
}
END_TEST

static Suite *selector_suite(void)
{
	Suite *s = suite_create("ks_selector");
	TCase *tc;

	tc = tcase_create("label_match");
	tcase_add_loop_test(tc, test_label_match_table, 0,
			    (int)(sizeof(matches) / sizeof(matches[0])));
	suite_add_tcase(s, tc);
	tc = tcase_create("label_invalid");
	tcase_add_loop_test(tc, test_label_invalid_table, 0,
			    (int)(sizeof(invalid) / sizeof(invalid[0])));
	tcase_add_test(tc, test_label_caps_and_tiny_buffers);
	suite_add_tcase(s, tc);
	tc = tcase_create("field");
	tcase_add_loop_test(
		tc, test_field_match_table, 0,
		(int)(sizeof(field_matches) / sizeof(field_matches[0])));
	tcase_add_loop_test(
		tc, test_field_invalid_table, 0,
		(int)(sizeof(field_invalid) / sizeof(field_invalid[0])));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(selector_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
