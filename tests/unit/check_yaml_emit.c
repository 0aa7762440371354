/* check_yaml_emit.c - Check suite for common/yaml_emit.c (JSON to YAML):
 * exact text for the shapes kubectl users read, quoting of every
 * ambiguous scalar, literal blocks, and round trips through
 * jf_yaml_load() (also in a comma-decimal locale). */
#include <check.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"
#include "jf_yaml.h"
#include "jf_yaml_emit.h"

static cJSON *parse(const char *json)
{
	struct jf_errmsg e = {{0}};
	cJSON *o = NULL;

	ck_assert_msg(jf_json_parse(json, strlen(json), 0, &o, &e) == 0,
		      "bad test JSON: %s", e.msg);
	return o;
}

/* Emits json and returns the text (caller frees). */
static char *emit(const char *json)
{
	struct jf_errmsg e = {{0}};
	struct jf_buf b;
	cJSON *o = parse(json);
	int err;

	jf_buf_init(&b, 0);
	err = jf_yaml_emit(o, &b, &e);
	ck_assert_msg(err == 0, "emit failed (%d): %s", err, e.msg);
	cJSON_Delete(o);
	return jf_buf_steal(&b);
}

/* Emits json, loads the text back, expects an equal document. */
static void round_trip(const char *json)
{
	struct jf_errmsg e = {{0}};
	struct jf_yaml_stream s;
	cJSON *o = parse(json);
	char *text = emit(json);
	int err = jf_yaml_load(text, strlen(text), "t.yaml", &s, &e);

	ck_assert_msg(err == 0, "reload failed: %s\n%s", e.msg, text);
	ck_assert_uint_eq(s.ndocs, 1);
	ck_assert_msg(jf_json_equal(o, s.docs[0].json),
		      "round trip differs for %s:\n%s", json, text);
	jf_yaml_stream_release(&s);
	cJSON_Delete(o);
	free(text);
}

static void expect_text(const char *json, const char *want)
{
	char *got = emit(json);

	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(test_block_style_in_document_order)
{
	expect_text("{\"kind\":\"Job\",\"apiVersion\":\"v1\",\"metadata\":"
		    "{\"name\":\"a\",\"labels\":{\"x/y\":\"1a\"}},\"spec\":"
		    "{\"tasks\":[{\"name\":\"t\",\"replicas\":2},\"s\"],"
		    "\"empty\":{},\"none\":[],\"n\":null,\"b\":false}}",
		    "kind: Job\n"
		    "apiVersion: v1\n"
		    "metadata:\n"
		    "  name: a\n"
		    "  labels:\n"
		    "    x/y: 1a\n"
		    "spec:\n"
		    "  tasks:\n"
		    "  - name: t\n"
		    "    replicas: 2\n"
		    "  - s\n"
		    "  empty: {}\n"
		    "  none: []\n"
		    "  \"n\": null\n"
		    "  b: false\n");
	expect_text("[[1,2],[]]", "- - 1\n  - 2\n- []\n");
	expect_text("\"plain text\"", "plain text\n");
	expect_text("{}", "{}\n");
}
END_TEST

static const struct {
	const char *s;
	bool ambiguous;
} quote_table[] = {
	{"", true},	      {"yes", true},
	{"No", true},	      {"ON", true},
	{"off", true},	      {"y", true},
	{"N", true},	      {"true", true},
	{"False", true},      {"null", true},
	{"~", true},	      {"<<", true},
	{"=", true},	      {".inf", true},
	{"-.Inf", true},      {".NaN", true},
	{"12", true},	      {"-3", true},
	{"+7", true},	      {"1.5", true},
	{".5", true},	      {"1e3", true},
	{"0x1F", true},	      {"0o17", true},
	{"0b101", true},      {"0755", true},
	{"1_000", true},      {"1:20:30", true},
	{"2024-01-02", true}, {"2024-01-02T10:00:00Z", true},
	{"1.14.2", true},     {"1e", false},
	{"1a", false},	      {"0xg", false},
	{"12ab", false},      {"1e+5", true},
	{"+0", true},	      {"0", true},
	{"nginx", false},     {"nginx:1.14.2", false},
	{"10s", false},	      {"3m", false},
	{"yesterday", false}, {"onto", false},
	{"nullable", false},  {"a b", false},
	{"e", false},	      {"-", false},
	{"sleep 10s", false}, {"volcano.sh/createdByJobFlow", false},
};

START_TEST(test_plain_ambiguous_table)
{
	for (size_t i = 0; i < sizeof(quote_table) / sizeof(quote_table[0]);
	     i++)
		ck_assert_msg(jf_yaml_plain_ambiguous(quote_table[i].s) ==
				      quote_table[i].ambiguous,
			      "'%s': want %d", quote_table[i].s,
			      quote_table[i].ambiguous);
}
END_TEST

START_TEST(test_quoting_in_output)
{
	expect_text("{\"a\":\"yes\",\"b\":\"12\",\"c\":\"true\",\"d\":\"\","
		    "\"e\":\"null\",\"f\":\" lead\",\"g\":\"trail \","
		    "\"h\":\"a: b\",\"i\":\"x #y\",\"j\":\"-x\",\"k\":\"*a\","
		    "\"l\":\"{x}\",\"m\":\"it's\",\"n\":\"on\",\"o\":\"ok\","
		    "\"p\":\"nginx:1.14.2\",\"q\":\"key:\",\"r\":\"@x\"}",
		    "a: \"yes\"\n"
		    "b: \"12\"\n"
		    "c: \"true\"\n"
		    "d: \"\"\n"
		    "e: \"null\"\n"
		    "f: ' lead'\n"
		    "g: 'trail '\n"
		    "h: 'a: b'\n"
		    "i: 'x #y'\n"
		    "j: -x\n"
		    "k: '*a'\n"
		    "l: '{x}'\n"
		    "m: it's\n"
		    "\"n\": \"on\"\n"
		    "o: ok\n"
		    "p: nginx:1.14.2\n"
		    "q: 'key:'\n"
		    "r: '@x'\n");
	/* keys are judged like values */
	expect_text("{\"on\":1,\"2\":\"x\",\"a b\":true}",
		    "\"on\": 1\n\"2\": x\na b: true\n");
}
END_TEST

START_TEST(test_numbers)
{
	expect_text("{\"i\":3,\"neg\":-42,\"big\":9007199254740992,"
		    "\"f\":1.5,\"third\":0.3333333333333333,\"e\":1e300,"
		    "\"z\":0,\"small\":1e-7}",
		    "i: 3\n"
		    "neg: -42\n"
		    "big: 9007199254740992\n"
		    "f: 1.5\n"
		    "third: 0.3333333333333333\n"
		    "e: 1e+300\n"
		    "z: 0\n"
		    "small: 1e-07\n");
}
END_TEST

START_TEST(test_literal_blocks)
{
	expect_text("{\"script\":\"set -e\\necho hi\\n\"}",
		    "script: |\n  set -e\n  echo hi\n");
	expect_text("{\"s\":\"a\\nb\"}", "s: |-\n  a\n  b\n");
	expect_text("{\"s\":[\"a\\nb\\n\\n\"]}", "s:\n- |+\n  a\n  b\n\n");
	/* leading spaces need an indentation indicator */
	expect_text("{\"s\":\"  x\\ny\\n\"}", "s: |2\n    x\n  y\n");
	/* trailing spaces on a line cannot be a block: double quotes */
	expect_text("{\"s\":\"a \\nb\"}", "s: \"a \\nb\"\n");
}
END_TEST

START_TEST(test_round_trips)
{
	static const char *const docs[] = {
		"{\"a\":\"yes\",\"b\":[\"no\",\"on\",\"OFF\",\"~\",\"\"]}",
		"{\"n\":[\"1\",\"1.0\",\"0x10\",\"0o7\",\"007\",\"1_0\","
		"\"1e3\",\".inf\",\".nan\",\"-\",\"+\",\".\"]}",
		"{\"t\":[\"2024-01-02\",\"12:30\",\"<<\",\"=\",\"!x\","
		"\"&a\",\"|\",\">\",\"%x\",\"`x\",\"? x\",\"- x\",\"#c\"]}",
		"{\"s\":[\" \",\"\\t\",\"a\\tb\",\"\\u00e9t\\u00e9\","
		"\"\\u0001\",\"line\\n\",\"\\n\",\"a\\r\\nb\",\"\\\"q\\\"\","
		"\"back\\\\slash\",\"x: y\",\"[1]\",\"{a: 1}\",\",\"]}",
		"{\"nums\":[0,-0.5,123456789012,1e-300,2.5e10,"
		"-9007199254740991]}",
		"{\"deep\":{\"a\":[{\"b\":[[{\"c\":null}]]}],\"e\":{}},"
		"\"yes\":{\"no\":true},\"1\":[]}",
		"[\"top\",{\"k\":\"v\"}]",
		"\"just a string\"",
		"42",
		"null",
		"{\"script\":\"#!/bin/sh\\nset -e\\n  indented\\n\\nend\"}",
	};

	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		round_trip(docs[i]);
}
END_TEST

START_TEST(test_round_trip_comma_locale)
{
	/* Number text must not follow LC_NUMERIC. */
	if (!setlocale(LC_NUMERIC, "de_DE.UTF-8") &&
	    !setlocale(LC_NUMERIC, "fr_FR.UTF-8") &&
	    !setlocale(LC_NUMERIC, "C.UTF-8"))
		return;
	expect_text("{\"f\":1.5}", "f: 1.5\n");
	round_trip("{\"f\":[1.5,-0.25,3e-5]}");
	setlocale(LC_NUMERIC, "C");
}
END_TEST

START_TEST(test_docs_and_errors)
{
	struct jf_errmsg e = {{0}};
	struct jf_buf b;
	cJSON *docs = parse("[{\"a\":1},{\"b\":2}]");
	cJSON *bad = cJSON_CreateObject();

	jf_buf_init(&b, 0);
	ck_assert_int_eq(jf_yaml_emit_docs(docs, &b, &e), 0);
	ck_assert_str_eq(b.data, "a: 1\n---\nb: 2\n");
	jf_buf_reset(&b);
	/* invalid UTF-8 is refused with the path, output left as it was */
	jf_buf_puts(&b, "keep\n");
	cJSON_AddItemToObject(cJSON_AddObjectToObject(bad, "spec"), "x",
			      cJSON_CreateString("\xff\xfe"));
	ck_assert_int_eq(jf_yaml_emit(bad, &b, &e), -JF_EPARSE);
	ck_assert_str_eq(e.msg, "'spec.x': cannot emit YAML: string is not "
				"valid UTF-8");
	ck_assert_str_eq(b.data, "keep\n");
	/* the buffer's cap is honoured */
	jf_buf_release(&b);
	jf_buf_init(&b, 8);
	ck_assert_int_eq(jf_yaml_emit(docs, &b, &e), -JF_ETOOBIG);
	ck_assert_uint_eq(b.len, 0);
	jf_buf_release(&b);
	cJSON_Delete(bad);
	cJSON_Delete(docs);
}
END_TEST

/* Every printable ASCII string of length 1 and 2 survives a round trip. */
START_TEST(test_round_trip_short_strings)
{
	char s[3] = {0}, json[64];

	for (int a = 32; a < 127; a++) {
		for (int b = 31; b < 127; b++) {
			cJSON *o = cJSON_CreateObject(), *back;
			struct jf_errmsg e = {{0}};
			struct jf_yaml_stream st;
			struct jf_buf buf;

			s[0] = (char)a;
			s[1] = b == 31 ? '\0' : (char)b;
			cJSON_AddStringToObject(o, s, s);
			jf_buf_init(&buf, 0);
			ck_assert_int_eq(jf_yaml_emit(o, &buf, &e), 0);
			ck_assert_msg(jf_yaml_load(buf.data, buf.len, "t", &st,
						   &e) == 0,
				      "'%s': %s\n%s", s, e.msg, buf.data);
			back = st.docs[0].json;
			snprintf(json, sizeof(json), "'%s'", s);
			ck_assert_msg(jf_json_equal(o, back), "%s: got %s",
				      json, buf.data);
			jf_yaml_stream_release(&st);
			jf_buf_release(&buf);
			cJSON_Delete(o);
		}
	}
}
END_TEST

static Suite *yaml_emit_suite(void)
{
	Suite *s = suite_create("yaml_emit");
	TCase *tc = tcase_create("emit");

	tcase_add_test(tc, test_block_style_in_document_order);
	tcase_add_test(tc, test_plain_ambiguous_table);
	tcase_add_test(tc, test_quoting_in_output);
	tcase_add_test(tc, test_numbers);
	tcase_add_test(tc, test_literal_blocks);
	tcase_add_test(tc, test_docs_and_errors);
	suite_add_tcase(s, tc);
	tc = tcase_create("round_trip");
	tcase_add_test(tc, test_round_trips);
	tcase_add_test(tc, test_round_trip_comma_locale);
	tcase_add_test(tc, test_round_trip_short_strings);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(yaml_emit_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
