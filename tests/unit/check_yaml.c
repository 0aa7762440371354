/* check_yaml.c - Check suite for common/yaml.c (YAML to JSON loader, typing
 * table, anchors, merge keys, errors, positions and caps). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <locale.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jf_json.h"
#include "jf_yaml.h"

extern char **environ;

/* A comma-decimal locale, found or built once in main() (NULL: none). */
static const char *comma_locale;
static char locale_dir[] = "/tmp/check_yaml_locale_XXXXXX";
static int locale_dir_made;

static char *src_path(const char *rel)
{
	const char *root = getenv("JF_SRC_DIR");
	char *p;

	ck_assert_int_ge(asprintf(&p, "%s/%s", root ? root : ".", rel), 0);
	return p;
}

static char *read_all(const char *rel, size_t *len)
{
	char *path = src_path(rel);
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	ck_assert_int_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	free(path);
	*len = (size_t)n;
	return buf;
}

static void load_ok(const char *src, struct jf_yaml_stream *s)
{
	struct jf_errmsg e = {{0}};
	int err = jf_yaml_load(src, strlen(src), "t.yaml", s, &e);

	ck_assert_msg(err == 0, "load failed (%d): %s", err, e.msg);
}

/* Loads src (one document) and returns its stable JSON text. */
static char *y2j(const char *src)
{
	struct jf_yaml_stream s;
	char *out;

	load_ok(src, &s);
	ck_assert_uint_eq(s.ndocs, 1);
	out = jf_json_print_stable(s.docs[0].json);
	jf_yaml_stream_release(&s);
	return out;
}

static void assert_y2j(const char *src, const char *want)
{
	char *got = y2j(src);

	ck_assert_msg(strcmp(got, want) == 0, "%s\n  got  %s\n  want %s", src,
		      got, want);
	free(got);
}

/* Loads src, expecting err and exactly the message msg. */
static void assert_err(const char *src, int err, const char *msg)
{
	struct jf_errmsg e = {{0}};
	struct jf_yaml_stream s = {(void *)1, 7};
	int got = jf_yaml_load(src, strlen(src), "t.yaml", &s, &e);

	ck_assert_msg(got == err, "%s: got %d (%s), want %d", src, got, e.msg,
		      err);
	ck_assert_str_eq(e.msg, msg);
	ck_assert_ptr_null(s.docs);
	ck_assert_uint_eq(s.ndocs, 0);
}

/* --- typing table --------------------------------------------------------- */

static const struct {
	const char *yaml; /* the value of key v */
	const char *json;
} typing[] = {
	/* null */
	{"", "null"},
	{"~", "null"},
	{"null", "null"},
	{"Null", "null"},
	{"NULL", "null"},
	{"nULL", "\"nULL\""},
	/* bools: only true/false; YAML 1.1 words stay strings */
	{"true", "true"},
	{"True", "true"},
	{"TRUE", "true"},
	{"false", "false"},
	{"False", "false"},
	{"FALSE", "false"},
	{"tRUE", "\"tRUE\""},
	{"yes", "\"yes\""},
	{"No", "\"No\""},
	{"on", "\"on\""},
	{"OFF", "\"OFF\""},
	{"y", "\"y\""},
	{"n", "\"n\""},
	/* integers */
	{"0", "0"},
	{"-0", "0"},
	{"12", "12"},
	{"+12", "12"},
	{"-12", "-12"},
	{"1_000", "1000"},
	{"0x1F", "31"},
	{"0X1f", "31"},
	{"-0x1F", "-31"},
	{"0o17", "15"},
	{"017", "15"},
	{"0644", "420"},
	{"0b101", "5"},
	{"08", "8"},
	{"9007199254740993", "9007199254740992"},
	{"-9223372036854775808", "-9.2233720368547758e+18"},
	/* floats */
	{"1.5", "1.5"},
	{"1.", "1"},
	{".5", "0.5"},
	{"+.5", "0.5"},
	{"-2.5e-3", "-0.0025"},
	{"1e3", "1000"},
	{"6.02E23", "6.02e+23"},
	{"1_0.2_5", "10.25"},
	/* not numbers: strings */
	{"1e400", "\"1e400\""},
	{".inf", "\".inf\""},
	{"-.Inf", "\"-.Inf\""},
	{"+.INF", "\"+.INF\""},
	{".NaN", "\".NaN\""},
	{"2026-08-22", "\"2026-08-22\""},
	{"2026-08-22T10:01:02Z", "\"2026-08-22T10:01:02Z\""},
	{"1:20", "\"1:20\""},
	{"0x", "\"0x\""},
	{"0xG", "\"0xG\""},
	{"1.5.5", "\"1.5.5\""},
	{"._5", "\"._5\""},
	{"_1", "\"_1\""},
	{"1e", "\"1e\""},
	{"[1, '1']", "[1,\"1\"]"},
	{"abc def", "\"abc def\""},
	{"10s", "\"10s\""},
	/* quoted, literal, folded: strings */
	{"'12'", "\"12\""},
	{"\"true\"", "\"true\""},
	{"\"\"", "\"\""},
	{"''", "\"\""},
	{"'~'", "\"~\""},
	{"\"a\\tb\\u00e9\"", "\"a\\tb\xc3\xa9\""},
	{"|\n  12\n  x\n", "\"12\\nx\\n\""},
	{">-\n  a\n  b\n", "\"a b\""},
	/* tags */
	{"!!str 12", "\"12\""},
	{"!!str true", "\"true\""},
	{"!!str", "\"\""},
	{"!!int \"12\"", "12"},
	{"!!int 0x10", "16"},
	{"!!float 3", "3"},
	{"!!float '1.5'", "1.5"},
	{"!!bool yes", "true"},
	{"!!bool off", "false"},
	{"!!bool 'True'", "true"},
	{"!!null ~", "null"},
	{"!!null ''", "null"},
	{"!<tag:yaml.org,2002:int> 7", "7"},
	{"!foo 12", "\"12\""},
	{"! 12", "\"12\""},
	{"!!binary aGk=", "\"aGk=\""},
	{"!!timestamp 2026-01-01", "\"2026-01-01\""},
};

static void run_typing_row(int i)
{
	char src[256], want[256];

	snprintf(src, sizeof(src), "v: %s\n", typing[i].yaml);
	snprintf(want, sizeof(want), "{\"v\":%s}", typing[i].json);
	assert_y2j(src, want);
}

START_TEST(test_typing_table)
{
	run_typing_row(_i);
}
END_TEST

START_TEST(test_typing_table_comma_locale)
{
	if (!comma_locale) {
		fprintf(stderr, "check_yaml: no comma-decimal locale, "
				"typing table runs in C again\n");
	} else {
		ck_assert_ptr_nonnull(setlocale(LC_ALL, comma_locale));
		ck_assert_str_eq(localeconv()->decimal_point, ",");
	}
	run_typing_row(_i);
	setlocale(LC_ALL, "C");
}
END_TEST

static const struct {
	const char *yaml;
	int err;
	const char *msg;
} typing_errors[] = {
	{"v: !!int x\n", -JF_ETYPE,
	 "t.yaml:1:4: 'x' is not an integer (tag !!int)"},
	{"v: !!int 1.5\n", -JF_ETYPE,
	 "t.yaml:1:4: '1.5' is not an integer (tag !!int)"},
	{"v: !!float abc\n", -JF_ETYPE,
	 "t.yaml:1:4: 'abc' is not a number (tag !!float)"},
	{"v: !!float .inf\n", -JF_ETYPE,
	 "t.yaml:1:4: '.inf' (tag !!float) cannot be represented in JSON"},
	{"v: !!bool maybe\n", -JF_ETYPE,
	 "t.yaml:1:4: 'maybe' is not a bool (tag !!bool)"},
	{"v: !!null 0\n", -JF_ETYPE,
	 "t.yaml:1:4: '0' is not a null (tag !!null)"},
	{"v: \"a\\0b\"\n", -JF_EPARSE,
	 "t.yaml:1:4: string 'a' contains a NUL character"},
};

START_TEST(test_typing_errors)
{
	assert_err(typing_errors[_i].yaml, typing_errors[_i].err,
		   typing_errors[_i].msg);
}
END_TEST

/* --- keys, anchors, merges ------------------------------------------------ */

START_TEST(test_non_string_keys_become_text)
{
	assert_y2j(
		"0x10: a\n1.50: b\ntrue: c\nFalse: d\n3: e\n1e3: f\n'x': g\n",
		"{\"1.5\":\"b\",\"1000\":\"f\",\"16\":\"a\",\"3\":\"e\","
		"\"false\":\"d\",\"true\":\"c\",\"x\":\"g\"}");
	/* an int key and a string key with the same text collide */
	assert_err("3: a\n'3': b\n", -JF_EPARSE,
		   "t.yaml:2:1: mapping key \"3\" already defined at line 1");
	assert_err(
		"~: a\n", -JF_EPARSE,
		"t.yaml:1:1: a mapping key must be a string, number or bool, got null");
	assert_err(
		"? [a, b]\n: c\n", -JF_EPARSE,
		"t.yaml:1:3: a mapping key must be a scalar, not a sequence");
	assert_err("? {a: 1}\n: c\n", -JF_EPARSE,
		   "t.yaml:1:3: a mapping key must be a scalar, not a mapping");
}
END_TEST

START_TEST(test_duplicate_keys)
{
	assert_err("a: 1\nb: 2\na: 3\n", -JF_EPARSE,
		   "t.yaml:3:1: mapping key \"a\" already defined at line 1");
	assert_err(
		"spec:\n  flows:\n  - name: a\n    name: b\n", -JF_EPARSE,
		"t.yaml:4:5: mapping key \"name\" already defined at line 3");
	assert_err("x: {k: 1, j: 2, k: 3}\n", -JF_EPARSE,
		   "t.yaml:1:17: mapping key \"k\" already defined at line 1");
	/* the earliest repetition is reported, with the first definition */
	assert_err("b: 1\na: 1\nb: 2\na: 2\nb: 3\n", -JF_EPARSE,
		   "t.yaml:3:1: mapping key \"b\" already defined at line 1");
	assert_err("a: &x 1\n<<: {b: 1}\n<<: {c: 1}\n", -JF_EPARSE,
		   "t.yaml:3:1: mapping key \"<<\" already defined at line 2");
	/* same key in different mappings is fine */
	assert_y2j("a: {k: 1}\nb: {k: 2}\n",
		   "{\"a\":{\"k\":1},\"b\":{\"k\":2}}");
}
END_TEST

START_TEST(test_anchors_and_aliases)
{
	struct jf_yaml_stream s;
	cJSON *a, *b;

	assert_y2j("a: &x hello\nb: *x\nc: &l [1, {k: v}]\nd: *l\n",
		   "{\"a\":\"hello\",\"b\":\"hello\",\"c\":[1,{\"k\":\"v\"}],"
		   "\"d\":[1,{\"k\":\"v\"}]}");
	/* a redefined anchor: aliases see the latest definition */
	assert_y2j("- &x a\n- *x\n- &x b\n- *x\n", "[\"a\",\"a\",\"b\",\"b\"]");
	/* an alias as a key; an anchored key */
	assert_y2j("k: &n name\nm: {*n : 1}\n&q other: 2\nr: *q\n",
		   "{\"k\":\"name\",\"m\":{\"name\":1},\"other\":2,"
		   "\"r\":\"other\"}");
	/* aliases are deep copies, not shared nodes */
	load_ok("a: &x {k: [1]}\nb: *x\n", &s);
	a = cJSON_GetObjectItem(s.docs[0].json, "a");
	b = cJSON_GetObjectItem(s.docs[0].json, "b");
	ck_assert_ptr_ne(a, b);
	ck_assert_ptr_ne(a->child, b->child);
	cJSON_ReplaceItemInObject(b, "k", cJSON_CreateString("changed"));
	ck_assert(cJSON_IsArray(cJSON_GetObjectItem(a, "k")));
	jf_yaml_stream_release(&s);
	assert_err("a: *nope\n", -JF_EPARSE,
		   "t.yaml:1:4: unknown anchor 'nope'");
	assert_err("a: &r [1, *r]\n", -JF_EPARSE,
		   "t.yaml:1:11: alias '*r' refers to a node that contains it");
	/* anchors do not cross documents */
	assert_err("a: &x 1\n---\nb: *x\n", -JF_EPARSE,
		   "t.yaml:3:4: unknown anchor 'x'");
	assert_err(
		"a: &m {k: 1}\n*m : 2\n", -JF_EPARSE,
		"t.yaml:2:1: a mapping key must be a string, number or bool, got object");
}
END_TEST

START_TEST(test_merge_keys)
{
	/* explicit keys win, before or after "<<" */
	assert_y2j("base: &b {x: 1, y: 2, z: 3}\n"
		   "d:\n  y: 20\n  <<: *b\n  z: 30\n",
		   "{\"base\":{\"x\":1,\"y\":2,\"z\":3},"
		   "\"d\":{\"x\":1,\"y\":20,\"z\":30}}");
	/* a list: earlier mappings win */
	assert_y2j("a: &a {k: a, ka: 1}\nb: &b {k: b, kb: 2}\n"
		   "c:\n  <<: [*a, *b]\n",
		   "{\"a\":{\"k\":\"a\",\"ka\":1},\"b\":{\"k\":\"b\",\"kb\":2},"
		   "\"c\":{\"k\":\"a\",\"ka\":1,\"kb\":2}}");
	/* inline mapping, and a Kubernetes-style use */
	assert_y2j("c: {<<: {p: 1, q: 2}, q: 3}\n",
		   "{\"c\":{\"p\":1,\"q\":3}}");
	assert_y2j(
		"x-env: &env\n  - {name: A, value: \"1\"}\n"
		"defaults: &d\n  image: busybox\n  env: *env\n"
		"containers:\n- <<: *d\n  name: one\n- <<: *d\n  name: two\n"
		"  image: alpine\n",
		"{\"containers\":[{\"env\":[{\"name\":\"A\",\"value\":\"1\"}],"
		"\"image\":\"busybox\",\"name\":\"one\"},{\"env\":[{\"name\":"
		"\"A\",\"value\":\"1\"}],\"image\":\"alpine\",\"name\":"
		"\"two\"}],\"defaults\":{\"env\":[{\"name\":\"A\",\"value\":"
		"\"1\"}],\"image\":\"busybox\"},\"x-env\":[{\"name\":\"A\","
		"\"value\":\"1\"}]}");
	/* a quoted "<<" is an ordinary key */
	assert_y2j("\"<<\": {a: 1}\n", "{\"<<\":{\"a\":1}}");
	assert_err(
		"a: 1\n<<: 5\n", -JF_EPARSE,
		"t.yaml:2:5: merge key '<<' needs a mapping or a list of mappings, got number");
	assert_err(
		"m: &m {a: 1}\nx:\n  <<: [*m, 3]\n", -JF_EPARSE,
		"t.yaml:3:7: merge key '<<' needs a mapping or a list of mappings, got array");
}
END_TEST

/* --- documents ------------------------------------------------------------ */

START_TEST(test_multi_document_streams)
{
	struct jf_yaml_stream s;
	struct jf_errmsg e = {{0}};
	cJSON *one = NULL;
	const char *src = "---\n---\na: 1\n---\n# only a comment\n---\n"
			  "- b\n...\n---\nnull\n---\n\"\"\n";

	load_ok(src, &s);
	ck_assert_uint_eq(s.ndocs, 4);
	ck_assert_int_eq(jf_json_int(s.docs[0].json, "a", 0), 1);
	ck_assert_int_eq(s.docs[0].line, 2);
	ck_assert_str_eq(cJSON_GetArrayItem(s.docs[1].json, 0)->valuestring,
			 "b");
	ck_assert_int_eq(s.docs[1].line, 6);
	ck_assert(cJSON_IsNull(s.docs[2].json)); /* explicit null is kept */
	ck_assert_int_eq(s.docs[2].line, 9);
	ck_assert_str_eq(s.docs[3].json->valuestring, "");
	jf_yaml_stream_release(&s);
	ck_assert_ptr_null(s.docs);

	load_ok("", &s);
	ck_assert_uint_eq(s.ndocs, 0);
	jf_yaml_stream_release(&s);
	load_ok("# nothing\n\n", &s);
	ck_assert_uint_eq(s.ndocs, 0);
	jf_yaml_stream_release(&s);

	ck_assert_int_eq(
		jf_yaml_load_one("a: 1\n---\nb: 2\n", 14, "two.yaml", &one, &e),
		-JF_EPARSE);
	ck_assert_str_eq(e.msg, "two.yaml: expected one document, found 2");
	ck_assert_int_eq(jf_yaml_load_one("---\n", 4, "none.yaml", &one, &e),
			 -JF_EPARSE);
	ck_assert_str_eq(e.msg, "none.yaml: expected one document, found 0");
	ck_assert_ptr_null(one);
}
END_TEST

START_TEST(test_load_one_reads_json)
{
	const char *src =
		"{\"spec\": {\"flows\": [{\"name\": \"a\", \"maxRetry\""
		":5}],\n\t\"x\":\"a\\/b\\u00e9\",\"n\":-1.5e3,"
		"\"t\":true,\"z\":null,\"s\":\"12\"}}";
	struct jf_errmsg e = {{0}};
	cJSON *j = NULL;
	char *p;

	ck_assert_int_eq(jf_yaml_load_one(src, strlen(src), "j.json", &j, &e),
			 0);
	p = jf_json_print_stable(j);
	ck_assert_str_eq(p, "{\"spec\":{\"flows\":[{\"maxRetry\":5,\"name\":"
			    "\"a\"}],\"n\":-1500,\"s\":\"12\",\"t\":true,"
			    "\"x\":\"a/b\xc3\xa9\",\"z\":null}}");
	free(p);
	cJSON_Delete(j);
}
END_TEST

/* --- errors --------------------------------------------------------------- */

/* The seed proposal's example flow, with the TAB before the last
 * "maxRetry: 3" as the proposal has it (tests/unit/data/). */
START_TEST(test_seed_tab_error_and_fixed_version)
{
	struct jf_errmsg e = {{0}};
	struct jf_yaml_stream s;
	size_t len;
	char *buf = read_all("tests/unit/data/seed-maxretry-tab.yaml", &len);
	char *tab = strchr(buf, '\t');
	char *p;

	ck_assert_ptr_nonnull(tab);
	ck_assert_int_eq(jf_yaml_load(buf, len, "seed.yaml", &s, &e),
			 -JF_EPARSE);
	ck_assert_str_eq(
		e.msg,
		"seed.yaml:25:1: found character that cannot start any token while scanning for the next token (a tab character: YAML indents with spaces only)");

	/* the fix: the tab becomes the indentation it stood for */
	char *fixed = malloc(len + 8);

	memcpy(fixed, buf, (size_t)(tab - buf));
	memcpy(fixed + (tab - buf), "    ", 4);
	strcpy(fixed + (tab - buf) + 4, tab + 1);
	ck_assert_int_eq(
		jf_yaml_load(fixed, strlen(fixed), "seed.yaml", &s, &e), 0);
	ck_assert_uint_eq(s.ndocs, 1);
	p = jf_json_print_stable(s.docs[0].json);
	ck_assert_str_eq(
		p, "{\"apiVersion\":\"flow.volcano.sh/v1alpha1\",\"kind\":"
		   "\"JobFlow\",\"metadata\":{\"name\":\"test\",\"namespace\":"
		   "\"default\"},\"spec\":{\"flows\":[{\"name\":\"a\"},"
		   "{\"dependsOn\":{\"targets\":[\"a\"]},\"maxRetry\":5,"
		   "\"name\":\"b\"},{\"dependsOn\":{\"targets\":[\"b\"]},"
		   "\"maxRetry\":5,\"name\":\"c\"},{\"dependsOn\":{\"targets\":"
		   "[\"b\"]},\"maxRetry\":3,\"name\":\"d\"},{\"dependsOn\":"
		   "{\"targets\":[\"c\",\"d\"]},\"maxRetry\":3,\"name\":"
		   "\"e\"}],\"jobRetainPolicy\":\"delete\"}}");
	free(p);
	int line, col;

	ck_assert_int_eq(jf_yaml_pos_lookup(&s.docs[0],
					    "spec.flows[4].maxRetry", &line,
					    &col),
			 0);
	ck_assert_int_eq(line, 25);
	ck_assert_int_eq(col, 7);
	jf_yaml_stream_release(&s);
	free(fixed);
	free(buf);
}
END_TEST

static const struct {
	const char *yaml;
	int err;
	const char *msg;
} syntax_errors[] = {
	{"a: [1, 2\nb: 3\n", -JF_EPARSE,
	 "t.yaml:2:2: did not find expected ',' or ']' while parsing a flow sequence at line 1 col 4"},
	{"a:\n  b: 1\n c: 2\n", -JF_EPARSE,
	 "t.yaml:3:2: did not find expected key while parsing a block mapping at line 1 col 1"},
	{"a: 'unterminated\n", -JF_EPARSE,
	 "t.yaml:2:1: found unexpected end of stream while scanning a quoted scalar at line 1 col 4"},
	{"a: b: c\n", -JF_EPARSE,
	 "t.yaml:1:5: mapping values are not allowed in this context"},
	{"a:\n\t- x\n", -JF_EPARSE,
	 "t.yaml:2:1: found character that cannot start any token while scanning for the next token (a tab character: YAML indents with spaces only)"},
	{"a: @x\n", -JF_EPARSE,
	 "t.yaml:1:4: found character that cannot start any token while scanning for the next token"},
	{"a: 1\n- b\n", -JF_EPARSE,
	 "t.yaml:2:1: did not find expected key while parsing a block mapping at line 1 col 1"},
	{"ok: 1\nbad: \xff\xfe\n", -JF_EPARSE,
	 "t.yaml:2:6: invalid leading UTF-8 octet (byte 0xff)"},
	{"a: x\x01y\n", -JF_EPARSE,
	 "t.yaml:1:5: control characters are not allowed (byte 0x01)"},
};

START_TEST(test_syntax_errors_have_positions)
{
	assert_err(syntax_errors[_i].yaml, syntax_errors[_i].err,
		   syntax_errors[_i].msg);
}
END_TEST

/* --- positions ------------------------------------------------------------ */

START_TEST(test_positions)
{
	static const struct {
		const char *path;
		int line, col;
	} want[] = {
		{"", 1, 1},
		{"spec", 6, 1},
		{"spec.jobRetainPolicy", 7, 3},
		{"spec.flows", 8, 3},
		{"spec.flows[0]", 9, 7},
		{"spec.flows[1].name", 10, 7},
		{"spec.flows[4].dependsOn", 20, 7},
		{"spec.flows[4].dependsOn.targets", 21, 9},
		{"spec.flows[4].dependsOn.targets[1]", 21, 23},
		/* longest existing prefix */
		{"spec.flows[4].dependsOn.targets[7]", 21, 9},
		{"spec.flows[4].patch.jobSpec.tasks[0]", 19, 7},
		{"spec.flows[9]", 8, 3},
		{"nothing.here", 1, 1},
		{"[\"spec\"].flows[1]", 10, 7},
		{"spec.flows[x]", 8, 3},
	};
	struct jf_yaml_stream s;
	size_t len;
	char *buf = read_all("tests/data/volcano/JobFlow.yaml", &len);
	int line, col;

	ck_assert_int_eq(jf_yaml_load(buf, len, "JobFlow.yaml", &s, NULL), 0);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ck_assert_int_eq(jf_yaml_pos_lookup(&s.docs[0], want[i].path,
						    &line, &col),
				 0);
		ck_assert_msg(line == want[i].line && col == want[i].col,
			      "%s: got %d:%d, want %d:%d", want[i].path, line,
			      col, want[i].line, want[i].col);
	}
	jf_yaml_stream_release(&s);
	free(buf);
}
END_TEST

START_TEST(test_positions_of_aliases_merges_and_documents)
{
	struct jf_yaml_stream s;
	int line, col;

	load_ok("a: 1\n---\nbase: &b\n  x: 1\nm:\n  <<: *b\n  y: 2\n"
		"l: [*b, {z: 3}]\nlabels:\n  volcano.sh/x: v\n",
		&s);
	ck_assert_uint_eq(s.ndocs, 2);
	ck_assert_int_eq(jf_yaml_pos_lookup(&s.docs[0], "a", &line, &col), 0);
	ck_assert_int_eq(line, 1);
	/* lines count from the start of the stream */
	ck_assert_int_eq(jf_yaml_pos_lookup(&s.docs[1], "base.x", &line, &col),
			 0);
	ck_assert_int_eq(line, 4);
	ck_assert_int_eq(col, 3);
	/* merged keys point at the "<<" */
	ck_assert_int_eq(jf_yaml_pos_lookup(&s.docs[1], "m.x", &line, &col), 0);
	ck_assert_int_eq(line, 6);
	ck_assert_int_eq(col, 3);
	ck_assert_int_eq(jf_yaml_pos_lookup(&s.docs[1], "m.y", &line, &col), 0);
	ck_assert_int_eq(line, 7);
	/* inside an alias: the alias itself */
	ck_assert_int_eq(jf_yaml_pos_lookup(&s.docs[1], "l[0].x", &line, &col),
			 0);
	ck_assert_int_eq(line, 8);
	ck_assert_int_eq(col, 5);
	ck_assert_int_eq(jf_yaml_pos_lookup(&s.docs[1], "l[1].z", &line, &col),
			 0);
	ck_assert_int_eq(col, 10);
	ck_assert_int_eq(jf_yaml_pos_lookup(&s.docs[1],
					    "labels[\"volcano.sh/x\"]", &line,
					    &col),
			 0);
	ck_assert_int_eq(line, 10);
	ck_assert_int_eq(col, 3);
	jf_yaml_stream_release(&s);
}
END_TEST

/* --- caps ----------------------------------------------------------------- */

static char *nested(int depth, const char *open, const char *inner,
		    const char *close)
{
	size_t n = strlen(open) * (size_t)depth + strlen(inner) +
		   strlen(close) * (size_t)depth + 1;
	char *s = malloc(n), *p = s;

	for (int i = 0; i < depth; i++)
		p = stpcpy(p, open);
	p = stpcpy(p, inner);
	for (int i = 0; i < depth; i++)
		p = stpcpy(p, close);
	return s;
}

START_TEST(test_depth_cap)
{
	struct jf_errmsg e = {{0}};
	struct jf_yaml_stream s;
	char *ok = nested(JF_YAML_MAX_DEPTH, "[", "1", "]");
	char *deep = nested(JF_YAML_MAX_DEPTH + 1, "[", "1", "]");
	char *maps = nested(5000, "{a: ", "1", "}");

	ck_assert_int_eq(jf_yaml_load(ok, strlen(ok), "d", &s, &e), 0);
	jf_yaml_stream_release(&s);
	ck_assert_int_eq(jf_yaml_load(deep, strlen(deep), "d", &s, &e),
			 -JF_EDEPTH);
	ck_assert_str_eq(e.msg, "d:1:201: nesting deeper than 200 levels");
	ck_assert_int_eq(jf_yaml_load(maps, strlen(maps), "d", &s, &e),
			 -JF_EDEPTH);
	ck_assert_str_eq(e.msg, "d:1:801: nesting deeper than 200 levels");
	free(ok);
	free(deep);
	free(maps);
	/* an alias may not carry nesting past the cap either */
	char *inner = nested(150, "[", "1", "]");
	char *src, *outer;

	outer = nested(60, "- ", "*a", "");
	ck_assert_int_ge(asprintf(&src, "- &a %s\n- %s\n", inner, outer), 0);
	ck_assert_int_eq(jf_yaml_load(src, strlen(src), "d", &s, &e),
			 -JF_EDEPTH);
	ck_assert_msg(strstr(e.msg, "alias '*a' nests deeper than 200 levels"),
		      "%s", e.msg);
	free(inner);
	free(outer);
	free(src);
}
END_TEST

START_TEST(test_alias_bomb_fails_cleanly)
{
	const char *bomb = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
			   "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
			   "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
			   "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
			   "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
			   "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
			   "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
			   "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
			   "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
	struct jf_errmsg e = {{0}};
	struct jf_yaml_stream s;

	ck_assert_int_eq(jf_yaml_load(bomb, strlen(bomb), "bomb.yaml", &s, &e),
			 -JF_ETOOBIG);
	ck_assert_str_eq(
		e.msg,
		"bomb.yaml:7:11: document expands to more than 1048576 nodes (aliases included)");
	ck_assert_uint_eq(s.ndocs, 0);
	/* the same shape without the last three levels loads */
	ck_assert_int_eq(jf_yaml_load(bomb, (size_t)(strstr(bomb, "g:") - bomb),
				      "ok.yaml", &s, &e),
			 0);
	ck_assert_int_eq(cJSON_GetArraySize(jf_json_at(s.docs[0].json, "f")),
			 9);
	ck_assert_str_eq(
		jf_json_str(s.docs[0].json, "f[8][8][8][8][8][4]", "?"), "lol");
	jf_yaml_stream_release(&s);
}
END_TEST

START_TEST(test_size_cap)
{
	struct jf_errmsg e = {{0}};
	struct jf_yaml_stream s;
	size_t n = JF_YAML_MAX_BYTES + 1;
	char *big = malloc(n);

	memset(big, ' ', n);
	ck_assert_int_eq(jf_yaml_load(big, n, "big.yaml", &s, &e), -JF_ETOOBIG);
	ck_assert_str_eq(
		e.msg,
		"big.yaml: input is 16777217 bytes, the limit is 16777216");
	free(big);
}
END_TEST

START_TEST(test_load_file_and_stdin)
{
	char path[] = "/tmp/check_yaml_XXXXXX";
	struct jf_errmsg e = {{0}};
	struct jf_yaml_stream s;
	int fd = mkstemp(path);
	const char *src = "kind: JobFlow\nspec: {flows: [{name: a}]}\n";

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, src, strlen(src)), (ssize_t)strlen(src));
	close(fd);
	ck_assert_int_eq(jf_yaml_load_file(path, &s, &e), 0);
	ck_assert_str_eq(jf_json_str(s.docs[0].json, "spec.flows[0].name", "?"),
			 "a");
	jf_yaml_stream_release(&s);

	/* "-" reads stdin; errors name "<stdin>" */
	fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_eq(write(fd, "a: [\n", 5), 5);
	close(fd);
	fd = open(path, O_RDONLY);
	ck_assert_int_eq(dup2(fd, STDIN_FILENO), STDIN_FILENO);
	close(fd);
	ck_assert_int_eq(jf_yaml_load_file("-", &s, &e), -JF_EPARSE);
	ck_assert_str_eq(
		e.msg,
		"<stdin>:2:1: did not find expected node content while parsing a flow node");
	unlink(path);

	ck_assert_int_eq(jf_yaml_load_file("/nonexistent/x.yaml", &s, &e),
			 -ENOENT);
	ck_assert_str_eq(
		e.msg,
		"/nonexistent/x.yaml: cannot open: No such file or directory");
}
END_TEST

START_TEST(test_load_file_size_cap)
{
	char path[] = "/tmp/check_yaml_big_XXXXXX";
	struct jf_errmsg e = {{0}};
	struct jf_yaml_stream s;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)JF_YAML_MAX_BYTES + 10), 0);
	close(fd);
	ck_assert_int_eq(jf_yaml_load_file(path, &s, &e), -JF_ETOOBIG);
	ck_assert_msg(strstr(e.msg, "input is larger than 16777216 bytes"),
		      "%s", e.msg);
	unlink(path);
}
END_TEST

/* --- Volcano's own files -------------------------------------------------- */

START_TEST(test_volcano_examples)
{
	static const char *const names[] = {"a", "b", "c", "d", "e"};
	struct jf_yaml_stream s;
	size_t len;
	char *buf = read_all("tests/data/volcano/JobTemplate.yaml", &len);
	const cJSON *t;
	int line, col;

	ck_assert_int_eq(jf_yaml_load(buf, len, "JobTemplate.yaml", &s, NULL),
			 0);
	ck_assert_uint_eq(s.ndocs, 5);
	for (size_t i = 0; i < 5; i++) {
		const cJSON *d = s.docs[i].json;

		ck_assert_str_eq(jf_json_str(d, "kind", "?"), "JobTemplate");
		ck_assert_str_eq(jf_json_str(d, "metadata.name", "?"),
				 names[i]);
		ck_assert_int_eq(jf_json_int(d, "spec.minAvailable", -1), 1);
		ck_assert_str_eq(jf_json_str(d, "spec.tasks[0].name", "?"),
				 "default-nginx");
		t = jf_json_at(d, "spec.tasks[0].template.spec.containers[0]");
		ck_assert_str_eq(jf_json_str(t, "image", "?"), "nginx:1.14.2");
		ck_assert_str_eq(jf_json_str(t, "command[2]", "?"),
				 "sleep 10s");
		/* quoted "1" stays a string, as Kubernetes quantities are */
		ck_assert(cJSON_IsString(
			jf_json_at(t, "resources.requests.cpu")));
		ck_assert_int_eq(s.docs[i].line, i == 0 ? 1 : (int)(28 * i));
	}
	ck_assert_int_eq(jf_yaml_pos_lookup(&s.docs[2],
					    "spec.tasks[0].template"
					    ".spec.restartPolicy",
					    &line, &col),
			 0);
	ck_assert_int_eq(line, 83);
	ck_assert_int_eq(col, 11);
	jf_yaml_stream_release(&s);
	free(buf);

	buf = read_all("tests/data/volcano/design-param-override-example1.yaml",
		       &len);
	ck_assert_int_eq(jf_yaml_load(buf, len, "ex1.yaml", &s, NULL), 0);
	ck_assert_uint_eq(s.ndocs, 2);
	ck_assert_str_eq(jf_json_str(s.docs[0].json,
				     "spec.tasks[0].template.spec.containers[0]"
				     ".command[3]",
				     "?"),
			 "3");
	/* the design doc's two separate list items */
	t = jf_json_at(s.docs[1].json, "spec.flows[0].patch.spec.tasks[0]"
				       ".template.spec.containers");
	ck_assert_int_eq(cJSON_GetArraySize(t), 2);
	ck_assert_str_eq(jf_json_str(t, "[1].image", "?"),
			 "myregistry/cnn-mnist-torch-cuda:v1");
	jf_yaml_stream_release(&s);
	free(buf);
}
END_TEST

START_TEST(test_volcano_crd_and_policy)
{
	const char *schema = "spec.versions[0].schema.openAPIV3Schema"
			     ".properties.spec.properties";
	struct jf_yaml_stream s;
	size_t len;
	char *buf = read_all("tests/data/volcano/flow.volcano.sh_jobflows.yaml",
			     &len);
	char path[512];
	int line, col;

	ck_assert_int_eq(jf_yaml_load(buf, len, "crd.yaml", &s, NULL), 0);
	ck_assert_uint_eq(s.ndocs, 1);
	ck_assert_str_eq(
		jf_json_str(s.docs[0].json, "spec.names.shortNames[0]", "?"),
		"jf");
	ck_assert_str_eq(jf_json_str(s.docs[0].json,
				     "metadata.annotations[\"controller-gen"
				     ".kubebuilder.io/version\"]",
				     "?"),
			 "v0.20.0");
	/* the schema default that upstream injects into every patch */
	snprintf(path, sizeof(path),
		 "%s.flows.items.properties.patch.properties.jobSpec.properties"
		 ".maxRetry.default",
		 schema);
	ck_assert_int_eq(jf_json_int(s.docs[0].json, path, -1), 3);
	ck_assert_int_eq(jf_yaml_pos_lookup(&s.docs[0], path, &line, &col), 0);
	ck_assert_int_eq(line, 109);
	ck_assert_int_eq(col, 31);
	snprintf(path, sizeof(path), "%s.jobRetainPolicy.type", schema);
	ck_assert_str_eq(jf_json_str(s.docs[0].json, path, "?"), "string");
	jf_yaml_stream_release(&s);
	free(buf);

	buf = read_all("tests/data/volcano/jobflows-validating-admission-policy"
		       ".yaml",
		       &len);
	ck_assert_int_eq(jf_yaml_load(buf, len, "vap.yaml", &s, NULL), 0);
	ck_assert_uint_eq(s.ndocs, 2);
	ck_assert_str_eq(jf_json_str(s.docs[0].json, "kind", "?"),
			 "ValidatingAdmissionPolicy");
	ck_assert_str_eq(jf_json_str(s.docs[1].json, "kind", "?"),
			 "ValidatingAdmissionPolicyBinding");
	ck_assert_str_eq(
		jf_json_str(s.docs[1].json, "spec.validationActions[0]", "?"),
		"Deny");
	jf_yaml_stream_release(&s);
	free(buf);
}
END_TEST

/* --- suite ---------------------------------------------------------------- */

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *yaml_suite(void)
{
	Suite *s = suite_create("yaml");
	TCase *tc;

	tc = tcase_create("typing");
	tcase_add_loop_test(tc, test_typing_table, 0, N(typing));
	tcase_add_loop_test(tc, test_typing_table_comma_locale, 0, N(typing));
	tcase_add_loop_test(tc, test_typing_errors, 0, N(typing_errors));
	suite_add_tcase(s, tc);

	tc = tcase_create("structure");
	tcase_add_test(tc, test_non_string_keys_become_text);
	tcase_add_test(tc, test_duplicate_keys);
	tcase_add_test(tc, test_anchors_and_aliases);
	tcase_add_test(tc, test_merge_keys);
	tcase_add_test(tc, test_multi_document_streams);
	tcase_add_test(tc, test_load_one_reads_json);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, test_seed_tab_error_and_fixed_version);
	tcase_add_loop_test(tc, test_syntax_errors_have_positions, 0,
			    N(syntax_errors));
	suite_add_tcase(s, tc);

	tc = tcase_create("positions");
	tcase_add_test(tc, test_positions);
	tcase_add_test(tc, test_positions_of_aliases_merges_and_documents);
	suite_add_tcase(s, tc);

	tc = tcase_create("caps");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_depth_cap);
	tcase_add_test(tc, test_alias_bomb_fails_cleanly);
	tcase_add_test(tc, test_size_cap);
	tcase_add_test(tc, test_load_file_and_stdin);
	tcase_add_test(tc, test_load_file_size_cap);
	suite_add_tcase(s, tc);

	tc = tcase_create("volcano");
	tcase_add_test(tc, test_volcano_examples);
	tcase_add_test(tc, test_volcano_crd_and_policy);
	suite_add_tcase(s, tc);
	return s;
}

/* Finds a comma-decimal locale; without one installed, compiles de_DE into
 * a private directory with localedef (when the locale sources exist) and
 * points LOCPATH at it. Forked tests inherit the environment. */
static void find_comma_locale(void)
{
	static const char *const names[] = {"de_DE.UTF-8", "de_DE.utf8",
					    "fr_FR.UTF-8", "nl_NL.UTF-8"};
	char *dir = locale_dir;
	char out[128];
	char *argv[] = {"localedef", "-i", "de_DE", "-f", "UTF-8", out, NULL};
	pid_t pid;
	int st;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (setlocale(LC_ALL, names[i])) {
			comma_locale = names[i];
			goto out;
		}
	}
	if (access("/usr/share/i18n/locales/de_DE", R_OK) != 0 || !mkdtemp(dir))
		goto out;
	locale_dir_made = 1;
	snprintf(out, sizeof(out), "%s/de_DE.UTF-8", dir);
	if (posix_spawnp(&pid, "localedef", NULL, NULL, argv, environ) != 0)
		goto out;
	if (waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) <= 1) {
		setenv("LOCPATH", dir, 1);
		if (setlocale(LC_ALL, "de_DE.UTF-8"))
			comma_locale = "de_DE.UTF-8";
	}
out:
	setlocale(LC_ALL, "C");
}

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	return remove(path);
}

int main(void)
{
	SRunner *sr;
	int failed;

	find_comma_locale();
	sr = srunner_create(yaml_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (locale_dir_made)
		nftw(locale_dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
