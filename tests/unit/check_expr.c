/* check_expr.c - Check suite for the expression language (common/expr/,
 * jf_expr.h): literals, operators, functions, regexes, limits, the type
 * checker and {{ }} templates. The tables run a second time in a
 * comma-decimal locale (generated with localedef when none is installed).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "jf_expr.h"
#include "jf_json.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* --- the environment ------------------------------------------------------*/

static const char env_json[] =
	"{\"params\":{\"dataset\":\"imagenet\",\"gpus\":4,\"shards\":[0,1,2,3],"
	"\"langs\":[\"en\",\"de\"],\"cfg\":{\"lr\":0.01,\"opt\":\"adam\","
	"\"tags\":[\"a\",\"b\"],\"nested\":{\"deep\":true}},\"ratio\":0.5,"
	"\"name\":\"h\xc3\xa9llo\",\"emoji\":\"\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd\","
	"\"empty\":\"\",\"nothing\":null,\"flag\":true,\"neg\":-3,"
	"\"dash-name\":\"x\",\"numstr\":\"42\",\"dstr\":\"2.5\","
	"\"copy1\":{\"x\":1,\"y\":[1,\"a\"]},\"copy2\":{\"y\":[1.0,\"a\"],\"x\":1},"
	"\"copy3\":{\"x\":1,\"y\":[1,\"b\"]},\"big\":9007199254740992},"
	"\"steps\":{\"prep\":{\"phase\":\"Succeeded\",\"attempts\":1,"
	"\"succeeded\":1,\"failed\":0,\"iterations\":0},\"train\":{\"phase\":"
	"\"Failed\",\"attempts\":3,\"succeeded\":0,\"failed\":3,"
	"\"iterations\":0}},"
	"\"item\":{\"lang\":\"en\",\"shard\":2,\"tags\":[\"x\"]},"
	"\"index\":2,\"attempt\":1,"
	"\"lastFailure\":{\"reason\":\"Evicted\",\"message\":\"The node was low "
	"on resource: memory.\",\"phase\":\"Failed\",\"job\":\"jf-train-r1\"}}";

static cJSON *env, *types;
static char comma_locale[64];

static cJSON *parse(const char *s)
{
	cJSON *j = NULL;
	struct jf_errmsg e = {{0}};

	ck_assert_msg(jf_json_parse(s, strlen(s), 0, &j, &e) == 0, "%s", e.msg);
	return j;
}

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	ck_assert_ptr_nonnull(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void add_wide(cJSON *params, const char *name, bool reverse, int odd)
{
	cJSON *o = cJSON_AddObjectToObject(params, name);
	char key[8];

	for (int k = 0; k < 20; k++) {
		int i = reverse ? 19 - k : k;

		snprintf(key, sizeof(key), "k%02d", i);
		cJSON_AddNumberToObject(o, key, i == odd ? 100 : i);
	}
}

static void env_setup(void)
{
	cJSON *params;
	char *s;

	env = parse(env_json);
	params = cJSON_GetObjectItem(env, "params");
	s = repeat('x', 614400);
	cJSON_AddStringToObject(params, "bigs", s);
	free(s);
	s = repeat('h', 524288);
	cJSON_AddStringToObject(params, "half", s);
	free(s);
	add_wide(params, "wide1", false, -1);
	add_wide(params, "wide2", true, -1);
	add_wide(params, "wide3", true, 7);
	types = jf_expr_types_of(env);
	ck_assert_ptr_nonnull(types);
}

static void env_teardown(void)
{
	cJSON_Delete(env);
	cJSON_Delete(types);
	env = types = NULL;
}

static void comma_setup(void)
{
	env_setup();
	ck_assert_ptr_nonnull(setlocale(LC_ALL, comma_locale));
	ck_assert_str_eq(localeconv()->decimal_point, ",");
}

static void comma_teardown(void)
{
	setlocale(LC_ALL, "C");
	env_teardown();
}

/* --- helpers --------------------------------------------------------------*/

/* Compiles and evaluates src; returns the stable JSON of the result, or
 * "parse: <message>" / "eval: <message>" (caller frees). */
static char *run(const char *src, const cJSON *in)
{
	struct jf_errmsg e = {{0}};
	struct jf_expr *x = NULL;
	cJSON *out = NULL;
	char *s, buf[JF_ERRMSG_MAX + 16];
	int err;

	err = jf_expr_compile(src, &x, &e);
	if (err) {
		ck_assert_int_eq(err, -JF_EPARSE);
		ck_assert_ptr_null(x);
		snprintf(buf, sizeof(buf), "parse: %s", e.msg);
		return strdup(buf);
	}
	ck_assert_str_eq(jf_expr_source(x), src);
	err = jf_expr_eval(x, in, &out, &e);
	jf_expr_free(x);
	if (err) {
		ck_assert_int_eq(err, -JF_EEVAL);
		ck_assert_ptr_null(out);
		snprintf(buf, sizeof(buf), "eval: %s", e.msg);
		return strdup(buf);
	}
	s = jf_json_print_stable(out);
	cJSON_Delete(out);
	return s;
}

static void expect(const char *src, const char *want)
{
	char *got = run(src, env);

	ck_assert_msg(!strcmp(got, want), "%s\n  got:  %s\n  want: %s", src,
		      got, want);
	free(got);
}

struct ecase {
	const char *src;
	const char *want;
};

/* --- literals -------------------------------------------------------------*/

static const struct ecase literal_cases[] = {
	{"42", "42"},
	{"0", "0"},
	{"007", "7"},
	{"0x1F", "31"},
	{"0XfF", "255"},
	{"1.5", "1.5"},
	{".5", "0.5"},
	{"1e3", "1000"},
	{"1.5e-3", "0.0015"},
	{"2E+2", "200"},
	{"true", "true"},
	{"false", "false"},
	{"null", "null"},
	{"'single'", "\"single\""},
	{"\"double\"", "\"double\""},
	{"'a\\'b'", "\"a'b\""},
	{"\"q\\\"x\"", "\"q\\\"x\""},
	{"'back\\\\slash'", "\"back\\\\slash\""},
	{"'t\\tn\\nr\\r'", "\"t\\tn\\nr\\r\""},
	{"'\\u00e9'", "\"\xc3\xa9\""},
	{"'\\U0001F600'", "\"\xf0\x9f\x98\x80\""},
	{"'\\x41\\x62'", "\"Ab\""},
	{"'\"'", "\"\\\"\""},
	{"\"'\"", "\"'\""},
	{"r'\\d+\\n'", "\"\\\\d+\\\\n\""},
	{"R\"a\\\"", "\"a\\\\\""},
	{"'h\xc3\xa9llo \xe6\x97\xa5\xe6\x9c\xac'",
	 "\"h\xc3\xa9llo \xe6\x97\xa5\xe6\x9c\xac\""},
	{"[]", "[]"},
	{"[1, 'a', [true], null,]", "[1,\"a\",[true],null]"},
	{"[1 + 1, [2 * 2]]", "[2,[4]]"},
	{"-9223372036854775808 == -9223372036854775807 - 1", "true"},
	{"-0x8000000000000000 == -9223372036854775807 - 1", "true"},
	{"9007199254740992", "9007199254740992"},
	{"-9007199254740992", "-9007199254740992"},
	{"  \t42\n ", "42"},
};

START_TEST(test_literals)
{
	expect(literal_cases[_i].src, literal_cases[_i].want);
}
END_TEST

/* --- arithmetic, precedence, associativity --------------------------------*/

static const struct ecase arith_cases[] = {
	{"1 + 2 * 3", "7"},
	{"(1 + 2) * 3", "9"},
	{"10 - 4 - 3", "3"},
	{"100 / 10 / 5", "2"},
	{"2 * 3 % 4", "2"},
	{"17 % 5 * 2", "4"},
	{"10 - 2 * 3 + 1", "5"},
	{"7 / 2", "3"},
	{"-7 / 2", "-3"},
	{"7 % 3", "1"},
	{"-7 % 3", "-1"},
	{"7 % -3", "1"},
	{"7 / 2.0", "3.5"},
	{"1 + 0.5", "1.5"},
	{"0.5 * 4", "2"},
	{"2 * -3", "-6"},
	{"--3", "3"},
	{"-(2 + 3)", "-5"},
	{"-params.neg", "3"},
	{"-params.ratio", "-0.5"},
	{"params.gpus / 3", "1"},
	{"params.gpus % 3", "1"},
	{"params.ratio * params.gpus", "2"},
	{"params.gpus * 1.0 / 8", "0.5"},
	{"0.1 + 0.2", "0.30000000000000004"},
	{"1.0 / 4 - 0.25", "0"},
	{"9223372036854775807 - 1 + 1 == 9223372036854775807", "true"},
	{"-9223372036854775807 - 1 < 0", "true"},
	{"4611686018427387903 * 2 + 1 == 9223372036854775807", "true"},
	{"params.big + 1 > params.big", "true"},
	{"'a' + 'b' + 'c'", "\"abc\""},
	{"params.dataset + '-' + params.name", "\"imagenet-h\xc3\xa9llo\""},
	{"'' + ''", "\"\""},
	{"[1] + [2, 3]", "[1,2,3]"},
	{"[] + []", "[]"},
	{"params.shards + [4]", "[0,1,2,3,4]"},
	{"params.langs + params.langs", "[\"en\",\"de\",\"en\",\"de\"]"},
	{"([1] + params.langs)[2]", "\"de\""},
	/* errors */
	{"9223372036854775807 + 1", "eval: col 21: integer overflow"},
	{"-9223372036854775807 - 2", "eval: col 22: integer overflow"},
	{"4611686018427387904 * 2", "eval: col 21: integer overflow"},
	{"-4611686018427387905 * 2", "eval: col 22: integer overflow"},
	{"-9223372036854775808 / -1", "eval: col 22: integer overflow"},
	{"-9223372036854775808 % -1", "eval: col 22: integer overflow"},
	{"-(-9223372036854775808)", "eval: col 1: integer overflow"},
	{"params.gpus / 0", "eval: col 13: division by zero"},
	{"params.gpus % 0", "eval: col 13: modulo by zero"},
	{"1.5 / 0", "eval: col 5: division by zero"},
	{"1 / 0.0", "eval: col 3: division by zero"},
	{"1e308 * 10", "eval: col 7: double overflow (result is not finite)"},
	{"-1e308 - 1e308",
	 "eval: col 8: double overflow (result is not finite)"},
	{"1.5 % 1",
	 "eval: col 5: operator '%' cannot be applied to double and int"},
	{"'a' + 1",
	 "eval: col 5: operator '+' cannot be applied to string and int"},
	{"1 + 'a'",
	 "eval: col 3: operator '+' cannot be applied to int and string"},
	{"[1] + 'a'",
	 "eval: col 5: operator '+' cannot be applied to list and string"},
	{"'a' - 'b'",
	 "eval: col 5: operator '-' cannot be applied to string and string"},
	{"true * 2",
	 "eval: col 6: operator '*' cannot be applied to bool and int"},
	{"null + 1",
	 "eval: col 6: operator '+' cannot be applied to null and int"},
	{"params.cfg + params.cfg",
	 "eval: col 12: operator '+' cannot be applied to object and object"},
	{"-'a'", "eval: col 1: operator '-' cannot be applied to string"},
	{"- true", "eval: col 1: operator '-' cannot be applied to bool"},
	{"9007199254740993",
	 "eval: col 1: integer 9007199254740993 is outside the range a JSON number holds exactly (+-2^53)"},
	{"params.big + 1",
	 "eval: col 1: integer 9007199254740993 is outside the range a JSON number holds exactly (+-2^53)"},
	{"[1, -9007199254740993]",
	 "eval: col 1: integer -9007199254740993 is outside the range a JSON number holds exactly (+-2^53)"},
};

START_TEST(test_arithmetic)
{
	expect(arith_cases[_i].src, arith_cases[_i].want);
}
END_TEST

/* --- comparison, equality, in ---------------------------------------------*/

static const struct ecase compare_cases[] = {
	{"1 < 2", "true"},
	{"2 <= 2", "true"},
	{"3 > 4", "false"},
	{"4 >= 5", "false"},
	{"1 < 1.5", "true"},
	{"2.0 >= 2", "true"},
	{"2.5 > 2", "true"},
	{"'abc' < 'abd'", "true"},
	{"'ab' < 'abc'", "true"},
	{"'Z' < 'a'", "true"},
	{"'\xc3\xa9' > 'z'", "true"},
	{"'b' >= 'b'", "true"},
	{"false < true", "true"},
	{"true <= false", "false"},
	{"1 < 2 == true", "true"},
	{"1 == 1.0", "true"},
	{"1 != 1.0", "false"},
	{"'1' == 1", "false"},
	{"'1' != 1", "true"},
	{"null == null", "true"},
	{"null == false", "false"},
	{"null != 0", "true"},
	{"params.nothing == null", "true"},
	{"[1, 2] == [1, 2]", "true"},
	{"[1, 2] == [2, 1]", "false"},
	{"[1, 2] == [1, 2, 3]", "false"},
	{"[1, [2, 'x']] == [1, [2, 'x']]", "true"},
	{"[1, [2, 'x']] != [1, [2, 'y']]", "true"},
	{"[] == []", "true"},
	{"params.shards == [0, 1, 2, 3]", "true"},
	{"params.shards == [0, 1, 2.0, 3]", "true"},
	{"params.shards == [0, 1, 2]", "false"},
	{"params.cfg.tags == ['a', 'b']", "true"},
	{"params.cfg == params.cfg", "true"},
	{"params.copy1 == params.copy2", "true"},
	{"params.copy1 == params.copy3", "false"},
	{"params.copy1 == params.cfg", "false"},
	{"params.wide1 == params.wide2", "true"},
	{"params.wide1 == params.wide3", "false"},
	{"params.cfg == params.cfg.tags", "false"},
	{"[params.copy1] == [params.copy2]", "true"},
	{"9007199254740993 == 9007199254740992.0", "false"},
	{"9007199254740992 == 9007199254740992.0", "true"},
	{"9223372036854775807 < 9223372036854775808.0", "true"},
	{"-9223372036854775808 == -9223372036854775808.0", "true"},
	{"-9223372036854775808 > -1e19", "true"},
	{"3 < 3.5 && 3.5 < 4", "true"},
	{"2 in params.shards", "true"},
	{"5 in params.shards", "false"},
	{"2.0 in params.shards", "true"},
	{"'en' in params.langs", "true"},
	{"'fr' in params.langs", "false"},
	{"'lr' in params.cfg", "true"},
	{"'xx' in params.cfg", "false"},
	{"'dash-name' in params", "true"},
	{"[1] in [[1], [2]]", "true"},
	{"'a' in []", "false"},
	{"params.copy2 in [params.copy1]", "true"},
	{"1 + 1 in [2]", "true"},
	{"1 < 'a'",
	 "eval: col 3: operator '<' cannot be applied to int and string"},
	{"[1] < [2]",
	 "eval: col 5: operator '<' cannot be applied to list and list"},
	{"null <= null",
	 "eval: col 6: operator '<=' cannot be applied to null and null"},
	{"true > 1",
	 "eval: col 6: operator '>' cannot be applied to bool and int"},
	{"1 in params.cfg",
	 "eval: col 3: operator 'in' cannot be applied to int and object"},
	{"'a' in 'abc'",
	 "eval: col 5: operator 'in' cannot be applied to string and string"},
};

START_TEST(test_comparison)
{
	expect(compare_cases[_i].src, compare_cases[_i].want);
}
END_TEST

/* --- logic, short circuit, ?: ---------------------------------------------*/

static const struct ecase logic_cases[] = {
	{"true && false", "false"},
	{"true && true", "true"},
	{"false || false", "false"},
	{"true || false", "true"},
	{"!true", "false"},
	{"!!true", "true"},
	{"!(1 < 2)", "false"},
	{"true && true || false", "true"},
	{"false || true && false", "false"},
	{"!false && false", "false"},
	{"1 + 1 == 2 && 'a' < 'b'", "true"},
	{"false && (1 / 0 == 1)", "false"},
	{"true || (1 / 0 == 1)", "true"},
	{"false && parms.x", "false"},
	{"false && 1", "false"},
	{"true || 'x'", "true"},
	{"true && 1",
	 "eval: col 6: operator '&&' needs bool operands, got int"},
	{"1 && true",
	 "eval: col 3: operator '&&' needs bool operands, got int"},
	{"false || 'x'",
	 "eval: col 7: operator '||' needs bool operands, got string"},
	{"null || true",
	 "eval: col 6: operator '||' needs bool operands, got null"},
	{"!1", "eval: col 1: operator '!' cannot be applied to int"},
	{"true && (1 / 0 == 1)", "eval: col 12: division by zero"},
	{"true ? 1 : 2", "1"},
	{"false ? 1 : 2", "2"},
	{"true ? 'x' : 1 / 0", "\"x\""},
	{"false ? 1 / 0 : 2", "2"},
	{"false ? 1 : true ? 2 : 3", "2"},
	{"(true ? false : true) ? 'a' : 'b'", "\"b\""},
	{"params.gpus >= 8 ? 'large' : params.gpus >= 2 ? 'medium' : 'small'",
	 "\"medium\""},
	{"1 < 2 ? [1] : []", "[1]"},
	{"true || false ? 'y' : 'n'", "\"y\""},
	{"1 ? 2 : 3", "eval: col 3: condition of '?:' must be a bool, got int"},
	{"params.nothing ? 2 : 3",
	 "eval: col 16: condition of '?:' must be a bool, got null"},
};

START_TEST(test_logic)
{
	expect(logic_cases[_i].src, logic_cases[_i].want);
}
END_TEST

/* --- identifiers, members, index, has() -----------------------------------*/

static const struct ecase member_cases[] = {
	{"params.dataset", "\"imagenet\""},
	{"params['dataset']", "\"imagenet\""},
	{"params[\"dash-name\"]", "\"x\""},
	{"params.cfg.nested.deep", "true"},
	{"params.cfg['tags'][1]", "\"b\""},
	{"params.cfg.nested", "{\"deep\":true}"},
	{"params.shards[0]", "0"},
	{"params.shards[3]", "3"},
	{"[10, 20, 30][2]", "30"},
	{"[[1, 2], [3]][0][1]", "2"},
	{"params.langs[params.gpus - 3]", "\"de\""},
	{"params['da' + 'taset']", "\"imagenet\""},
	{"item.lang", "\"en\""},
	{"item.tags[0]", "\"x\""},
	{"index", "2"},
	{"attempt + 1", "2"},
	{"lastFailure.reason", "\"Evicted\""},
	{"steps.prep.phase", "\"Succeeded\""},
	{"steps['train'].attempts", "3"},
	{"params.nothing", "null"},
	{"item", "{\"lang\":\"en\",\"shard\":2,\"tags\":[\"x\"]}"},
	{"has(params.dataset)", "true"},
	{"has(params.missing)", "false"},
	{"has(params.nothing)", "true"},
	{"has(params['dash-name'])", "true"},
	{"has(params.cfg.nested)", "true"},
	{"has(params.cfg.nested.deep)", "true"},
	{"has(params.cfg.nested.shallow)", "false"},
	{"has(item.lang) && item.lang == 'en'", "true"},
	{"has(params.missing) && params.missing == 1", "false"},
	{"!has(params.missing) || params.missing > 1", "true"},
	{"has(steps.train) ? steps.train.phase : 'none'", "\"Failed\""},
	{"has(params.dataset.x)",
	 "eval: col 1: has() needs an object, got string"},
	{"has(params.shards[0].x)",
	 "eval: col 1: has() needs an object, got int"},
	{"has(params.missing.x)",
	 "eval: col 11: no member 'missing' in params"},
	{"params.missing", "eval: col 7: no member 'missing' in params"},
	{"params.cfg.nested.nope",
	 "eval: col 18: no member 'nope' in params.cfg.nested"},
	{"params['nope']", "eval: col 7: no member 'nope' in params"},
	{"params.cfg['tags'].x",
	 "eval: col 19: cannot select member 'x' of list"},
	{"params.shards[1].x", "eval: col 17: cannot select member 'x' of int"},
	{"[params.cfg][0].zz", "eval: col 16: no member 'zz' in object"},
	{"params.shards['a']",
	 "eval: col 14: list index must be an int, got string"},
	{"params.shards[1.0]",
	 "eval: col 14: list index must be an int, got double"},
	{"params.cfg[1]", "eval: col 11: object key must be a string, got int"},
	{"params.dataset[0]", "eval: col 15: cannot index string"},
	{"null[0]", "eval: col 5: cannot index null"},
	{"parms.x", "eval: col 1: unknown identifier 'parms'"},
	{"1 + foo", "eval: col 5: unknown identifier 'foo'"},
	{"params.shards[4]",
	 "eval: col 14: index 4 out of range for a list of 4 elements"},
	{"params.shards[-1]",
	 "eval: col 14: index -1 out of range for a list of 4 elements"},
	{"[1][-1]",
	 "eval: col 4: index -1 out of range for a list of 1 element"},
	{"[][0]", "eval: col 3: index 0 out of range for a list of 0 elements"},
};

START_TEST(test_members)
{
	expect(member_cases[_i].src, member_cases[_i].want);
}
END_TEST

/* --- functions ------------------------------------------------------------*/

static const struct ecase func_cases[] = {
	{"size('h\xc3\xa9llo')", "5"},
	{"size(params.name)", "5"},
	{"params.name.size()", "5"},
	{"size(params.emoji)", "2"},
	{"'\xf0\x9f\x98\x80'.size()", "1"},
	{"size('\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e')", "3"},
	{"size('e\\u0301')", "2"},
	{"size('')", "0"},
	{"size(params.empty)", "0"},
	{"size([1, 2, 3])", "3"},
	{"params.shards.size()", "4"},
	{"size(params.cfg)", "4"},
	{"size(params.name + '!')", "6"},
	{"size(1)", "eval: col 1: size() cannot be applied to int"},
	{"params.gpus.size()", "eval: col 13: size() cannot be applied to int"},
	{"size(null)", "eval: col 1: size() cannot be applied to null"},
	{"int(3.9)", "3"},
	{"int(-3.9)", "-3"},
	{"int('42')", "42"},
	{"int('-17')", "-17"},
	{"int('+5')", "5"},
	{"int(params.numstr) + 1", "43"},
	{"int(7)", "7"},
	{"int(9.2e18) > 0", "true"},
	{"int(9.3e18)",
	 "eval: col 1: int() of 9300000000000000000 is out of range"},
	{"int(-9223372036854775808.0) == -9223372036854775807 - 1", "true"},
	{"int('-9223372036854775808') < 0", "true"},
	{"int(' 4')", "eval: col 1: int() cannot convert ' 4'"},
	{"int('4.5')", "eval: col 1: int() cannot convert '4.5'"},
	{"int('')", "eval: col 1: int() cannot convert ''"},
	{"int('9223372036854775808')",
	 "eval: col 1: int() cannot convert '9223372036854775808'"},
	{"int(1e19)",
	 "eval: col 1: int() of 10000000000000000000 is out of range"},
	{"int(9223372036854775808.0)",
	 "eval: col 1: int() of 9223372036854776000 is out of range"},
	{"int(true)", "eval: col 1: int() cannot be applied to bool"},
	{"int([1])", "eval: col 1: int() cannot be applied to list"},
	{"double(5) / 2", "2.5"},
	{"double('2.5')", "2.5"},
	{"double(params.dstr) * 2", "5"},
	{"double('1e3')", "1000"},
	{"double('-.5')", "-0.5"},
	{"double('7')", "7"},
	{"double(0.25)", "0.25"},
	{"double('abc')", "eval: col 1: double() cannot convert 'abc'"},
	{"double('1e999')", "eval: col 1: double() cannot convert '1e999'"},
	{"double('0x10')", "eval: col 1: double() cannot convert '0x10'"},
	{"double('nan')", "eval: col 1: double() cannot convert 'nan'"},
	{"double('1,5')", "eval: col 1: double() cannot convert '1,5'"},
	{"double(null)", "eval: col 1: double() cannot be applied to null"},
	{"string(42)", "\"42\""},
	{"string(-7)", "\"-7\""},
	{"string(true)", "\"true\""},
	{"string(null)", "\"null\""},
	{"string('x')", "\"x\""},
	{"string([1, 'a', 2.5])", "\"[1,\\\"a\\\",2.5]\""},
	{"string(params.cfg.tags)", "\"[\\\"a\\\",\\\"b\\\"]\""},
	{"string(params.copy1)", "\"{\\\"x\\\":1,\\\"y\\\":[1,\\\"a\\\"]}\""},
	{"string(params.gpus) + 'x'", "\"4x\""},
	{"params.dataset.startsWith('image')", "true"},
	{"startsWith(params.dataset, 'net')", "false"},
	{"params.dataset.startsWith('')", "true"},
	{"'ab'.startsWith('abc')", "false"},
	{"params.dataset.endsWith('net')", "true"},
	{"endsWith('a', 'abc')", "false"},
	{"params.dataset.contains('gen')", "true"},
	{"contains(params.dataset, 'xyz')", "false"},
	{"contains('abc', '')", "true"},
	{"'h\xc3\xa9llo'.contains('\xc3\xa9l')", "true"},
	{"'h\xc3\xa9llo'.startsWith('h\xc3\xa9')", "true"},
	{"lastFailure.message.contains('memory')", "true"},
	{"startsWith('a', 1)",
	 "eval: col 1: startsWith() cannot be applied to string and int"},
	{"(1).startsWith('a')",
	 "eval: col 5: startsWith() cannot be applied to int and string"},
	{"contains(params.shards, 1)",
	 "eval: col 1: contains() cannot be applied to list and int"},
	{"lastFailure.reason.matches('^Evict')", "true"},
	{"matches(lastFailure.reason, 'Oom|OOM')", "false"},
	{"matches('abc123', '\\\\d+')", "true"},
	{"'abc123'.matches(r'^[a-z]+\\d{3}$')", "true"},
	{"'abc'.matches('^b')", "false"},
	{"'abc'.matches('b')", "true"},
	{"'abc'.matches(params.dataset)", "false"},
	{"matches(1, 'a')",
	 "eval: col 1: matches() cannot be applied to int and string"},
	{"'a'.matches(params.name + '(')",
	 "eval: col 13: invalid regex: missing ')'"},
};

START_TEST(test_functions)
{
	expect(func_cases[_i].src, func_cases[_i].want);
}
END_TEST

/* --- double formatting (string() and templates share it) ------------------*/

static const struct ecase double_cases[] = {
	{"string(2.5)", "\"2.5\""},
	{"string(2.0)", "\"2\""},
	{"string(100.0)", "\"100\""},
	{"string(-0.0)", "\"0\""},
	{"string(0.1)", "\"0.1\""},
	{"string(0.1 + 0.2)", "\"0.30000000000000004\""},
	{"string(1.0 / 3)", "\"0.3333333333333333\""},
	{"string(2.0 / 3)", "\"0.6666666666666666\""},
	{"string(123456789.125)", "\"123456789.125\""},
	{"string(1e20)", "\"100000000000000000000\""},
	{"string(1e21)", "\"1e+21\""},
	{"string(1.5e300)", "\"1.5e+300\""},
	{"string(0.000001)", "\"0.000001\""},
	{"string(1e-7)", "\"1e-7\""},
	{"string(123e-20)", "\"1.23e-18\""},
	{"string(-2.5e-10)", "\"-2.5e-10\""},
	{"string(5e-324)", "\"5e-324\""},
	{"string(1.7976931348623157e308)", "\"1.7976931348623157e+308\""},
	{"string(9007199254740993.0)", "\"9007199254740992\""},
	{"string(params.ratio)", "\"0.5\""},
	{"string(params.cfg.lr)", "\"0.01\""},
	{"string(params.gpus * 0.25)", "\"1\""},
	{"string([0.5, 1e21])", "\"[0.5,1e+21]\""},
	{"string(9223372036854775807)", "\"9223372036854775807\""},
	{"string(-9223372036854775807 - 1)", "\"-9223372036854775808\""},
};

START_TEST(test_double_format)
{
	expect(double_cases[_i].src, double_cases[_i].want);
}
END_TEST

/* --- parse errors: exact text and column ----------------------------------*/

static const struct ecase parse_cases[] = {
	{"", "parse: col 1: empty expression"},
	{"   ", "parse: col 4: empty expression"},
	{"1 +", "parse: col 4: unexpected end of expression"},
	{"!", "parse: col 2: unexpected end of expression"},
	{"(1 + 2", "parse: col 7: expected ')'"},
	{"size(1", "parse: col 7: expected ')'"},
	{"[1, 2", "parse: col 6: expected ']'"},
	{"params.shards[1", "parse: col 16: expected ']'"},
	{"'abc", "parse: col 1: unterminated string"},
	{"x == \"abc", "parse: col 6: unterminated string"},
	{"'line\nbreak'", "parse: col 1: unterminated string"},
	{"r'raw", "parse: col 1: unterminated string"},
	{"'a\\qb'", "parse: col 3: invalid escape '\\q' in string"},
	{"'ab\\", "parse: col 4: unterminated string"},
	{"'\\u12'", "parse: col 2: escape '\\u' needs 4 hex digits"},
	{"'\\U0001F60'", "parse: col 2: escape '\\U' needs 8 hex digits"},
	{"'\\uD800'", "parse: col 2: invalid code point U+D800 in escape"},
	{"'\\U00110000'",
	 "parse: col 2: invalid code point U+110000 in escape"},
	{"'\\u0000'", "parse: col 2: NUL character in string"},
	{"1 = 1", "parse: col 3: unexpected '=' (use '==' to compare)"},
	{"a & b", "parse: col 3: unexpected '&' (use '&&')"},
	{"a | b", "parse: col 3: unexpected '|' (use '||')"},
	{"1 + #", "parse: col 5: unexpected character '#'"},
	{"'\xc3\xa9' + \xc3\xa9",
	 "parse: col 7: unexpected character '\xc3\xa9'"},
	{"1 +\n  #", "parse: col 7: unexpected character '#'"},
	{"1 +\x01", "parse: col 4: unexpected control character 0x01"},
	{"{1: 2}", "parse: col 1: unexpected character '{'"},
	{"a\xff", "parse: col 2: invalid UTF-8"},
	{"'\xc3\xa9\xc3'", "parse: col 3: invalid UTF-8"},
	{"1 2", "parse: col 3: unexpected '2'"},
	{"params.dataset params", "parse: col 16: unexpected 'params'"},
	{")", "parse: col 1: unexpected ')'"},
	{"params.", "parse: col 8: expected a member name after '.'"},
	{"params.1", "parse: col 7: unexpected '.1'"},
	{"params.(x)", "parse: col 8: expected a member name after '.'"},
	{"true ? 1", "parse: col 9: expected ':'"},
	{"true ? false ? 1 : 2 : 3", "parse: col 14: expected ':'"},
	{"a ? b : ", "parse: col 9: unexpected end of expression"},
	{"foo(1)", "parse: col 1: unknown function 'foo'"},
	{"params.x.lowerAscii()",
	 "parse: col 10: unknown function 'lowerAscii'"},
	{"size(1, 2)", "parse: col 1: function 'size' takes 1 argument, got 2"},
	{"size()", "parse: col 1: function 'size' takes 1 argument, got 0"},
	{"startsWith('a')",
	 "parse: col 1: function 'startsWith' takes 2 arguments, got 1"},
	{"'a'.startsWith()",
	 "parse: col 5: method 'startsWith' takes 1 argument, got 0"},
	{"'a'.size(1)", "parse: col 5: method 'size' takes 0 arguments, got 1"},
	{"'1'.int()",
	 "parse: col 5: 'int' cannot be called as a method, write int(x)"},
	{"has(params)",
	 "parse: col 1: has() needs a member selection such as has(params.x)"},
	{"has(params.a, params.b)",
	 "parse: col 1: has() needs a member selection such as has(params.x)"},
	{"has(params[0])",
	 "parse: col 1: has() needs a member selection such as has(params.x)"},
	{"params.has(x)", "parse: col 8: 'has' cannot be called as a method"},
	{"1u", "parse: col 1: unsigned integers are not supported"},
	{"0x", "parse: col 1: invalid hex number"},
	{"0xg", "parse: col 1: invalid hex number"},
	{"9223372036854775808", "parse: col 1: integer literal out of range"},
	{"-9223372036854775809", "parse: col 2: integer literal out of range"},
	{"0x8000000000000000", "parse: col 1: integer literal out of range"},
	{"0x10000000000000000", "parse: col 1: integer literal out of range"},
	{"99999999999999999999999",
	 "parse: col 1: integer literal out of range"},
	{"1e", "parse: col 1: invalid exponent in number"},
	{"1e+", "parse: col 1: invalid exponent in number"},
	{"1e999", "parse: col 1: number out of range"},
	{"12abc", "parse: col 1: invalid number"},
	{"1.5x", "parse: col 1: invalid number"},
	{"'x'.matches('a(')", "parse: col 13: invalid regex: missing ')'"},
	{"matches('x', '[z-a]')",
	 "parse: col 14: invalid regex: invalid character class range"},
};

START_TEST(test_parse_errors)
{
	expect(parse_cases[_i].src, parse_cases[_i].want);
}
END_TEST

/* --- regex subset ---------------------------------------------------------*/

struct rcase {
	const char *pat;
	const char *subject;
	const char *want; /* "true", "false" or the error after "col N: " */
};

static const struct rcase regex_cases[] = {
	{"abc", "xabcx", "true"},
	{"abc", "ab", "false"},
	{"^abc", "xabc", "false"},
	{"^abc$", "abc", "true"},
	{"^abc$", "abcd", "false"},
	{"a.c", "abc", "true"},
	{"a.c", "a\nc", "false"},
	{"a.c",
	 "a\xc3\xa9"
	 "c",
	 "true"},
	{"^.$", "\xc3\xa9", "true"},
	{"^.$", "\xf0\x9f\x91\x8d", "true"},
	{"^..$", "\xc3\xa9", "false"},
	{"[abc]+", "xxbxx", "true"},
	{"^[a-z]+$", "hello", "true"},
	{"^[a-z]+$", "Hello", "false"},
	{"^[^0-9]+$", "abc", "true"},
	{"^[^0-9]+$", "ab1", "false"},
	{"^\\d{3}-\\d{4}$", "555-1234", "true"},
	{"^\\d{3}$", "12", "false"},
	{"^\\w+$", "a_1", "true"},
	{"^\\w+$", "a-1", "false"},
	{"\\s", "a b", "true"},
	{"^\\S+$", "a b", "false"},
	{"^\\D+$", "abc", "true"},
	{"^\\W$", "-", "true"},
	{"^[\\d.]+$", "1.5", "true"},
	{"^[^\\d]+$", "ab", "true"},
	{"^[^\\D]+$", "12", "true"},
	{"^[a\\-z]+$", "-", "true"},
	{"^[-a]+$", "-a", "true"},
	{"^[a-]+$", "a-", "true"},
	{"^[]a]+$", "]a", "true"},
	{"^[\xc3\xa9-\xc3\xab]$", "\xc3\xaa", "true"},
	{"^[^\xc3\xa9]$", "e", "true"},
	{"^[^\xc3\xa9]$", "\xc3\xa9", "false"},
	{"^(ab)*$", "ababab", "true"},
	{"^(ab)*$", "ababa", "false"},
	{"^(ab)+$", "", "false"},
	{"^a?b$", "b", "true"},
	{"^a??b$", "ab", "true"},
	{"^a+?$", "aaa", "true"},
	{"^a{2,3}$", "aaa", "true"},
	{"^a{2,3}$", "aaaa", "false"},
	{"^a{2,3}$", "a", "false"},
	{"^a{2,}$", "aaaaaa", "true"},
	{"^a{2}$", "aa", "true"},
	{"^a{0}$", "", "true"},
	{"^(?:cat|dog)s?$", "dogs", "true"},
	{"^(cat|dog)$", "cow", "false"},
	{"cat|dog", "hotdog", "true"},
	{"^(a|b|c)$", "c", "true"},
	{"a|", "x", "true"},
	{"^$", "", "true"},
	{"^$", "a", "false"},
	{"x*", "", "true"},
	{"\\.", "a.b", "true"},
	{"^\\.$", "a", "false"},
	{"[.]", "a", "false"},
	{"\\bfoo\\b", "a foo b", "true"},
	{"\\bfoo\\b", "afoob", "false"},
	{"\\Bfoo", "afoo", "true"},
	{"\\Aab\\z", "ab", "true"},
	{"\\Aab\\z", "abc", "false"},
	{"a{,2}", "a{,2}", "true"},
	{"^a{x}$", "a{x}", "true"},
	{"^\\x41$", "A", "true"},
	{"^\\n$", "\n", "true"},
	{"^\\t$", "\t", "true"},
	{"a\\*", "a*", "true"},
	{"^(a*)*b$", "aaab", "true"},
	{"^(a?){30}a{30}$", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "true"},
	{"(?i)abc", "abc", "invalid regex: unsupported group syntax '(?'"},
	{"(?=a)", "a", "invalid regex: unsupported group syntax '(?'"},
	{"a(b", "ab", "invalid regex: missing ')'"},
	{"a)b", "ab", "invalid regex: unexpected ')'"},
	{"[a-", "a", "invalid regex: missing ']'"},
	{"[z-a]", "a", "invalid regex: invalid character class range"},
	{"[\\d-z]", "a", "invalid regex: invalid character class range"},
	{"[a-\\d]", "a", "invalid regex: invalid character class range"},
	{"*a", "a",
	 "invalid regex: missing argument to repetition operator '*'"},
	{"a|+", "a",
	 "invalid regex: missing argument to repetition operator '+'"},
	{"{2}", "a",
	 "invalid regex: missing argument to repetition operator '{'"},
	{"a**", "a", "invalid regex: bad repetition operator (two in a row)"},
	{"a{2}{3}", "a",
	 "invalid regex: bad repetition operator (two in a row)"},
	{"a{1001}", "a", "invalid regex: repetition count over 1000"},
	{"a{3,2}", "a", "invalid regex: invalid repetition range {3,2}"},
	{"\\1", "a", "invalid regex: unsupported escape '\\1'"},
	{"\\p{L}", "a", "invalid regex: unsupported escape '\\p'"},
	{"[[:alpha:]]", "a",
	 "invalid regex: POSIX classes like '[:alpha:]' are not supported"},
	{"abc\\", "a", "invalid regex: trailing '\\'"},
	{"\\x4", "a", "invalid regex: '\\x' needs two hex digits"},
	{"(a{1000}){1000}", "a",
	 "invalid regex: pattern too large (over 2000 instructions)"},
	{"a{1000}b{1000}", "a",
	 "invalid regex: pattern too large (over 2000 instructions)"},
};

/* The pattern and subject come from the environment (compiled at run
 * time); the same pattern as a literal is compiled with the expression. */
START_TEST(test_regex)
{
	const struct rcase *c = &regex_cases[_i];
	cJSON *e2 = jf_json_dup(env),
	      *params = cJSON_GetObjectItem(e2, "params");
	char want[300], lit[600], *got;
	size_t k;

	cJSON_AddStringToObject(params, "s", c->subject);
	cJSON_AddStringToObject(params, "p", c->pat);
	if (!strcmp(c->want, "true") || !strcmp(c->want, "false"))
		snprintf(want, sizeof(want), "%s", c->want);
	else
		snprintf(want, sizeof(want), "eval: col 18: %s", c->want);
	got = run("params.s.matches(params.p)", e2);
	ck_assert_msg(!strcmp(got, want),
		      "/%s/ on '%s'\n  got:  %s\n  want: %s", c->pat,
		      c->subject, got, want);
	free(got);

	/* as a raw string literal: errors become parse errors at col 18 */
	k = (size_t)snprintf(lit, sizeof(lit), "params.s.matches(r'");
	for (const char *p = c->pat; *p; p++)
		lit[k++] = *p;
	lit[k++] = '\'';
	lit[k++] = ')';
	lit[k] = '\0';
	if (!strncmp(want, "eval: ", 6)) {
		memmove(want + 7, want + 6, strlen(want + 6) + 1);
		memcpy(want, "parse: ", 7);
	}
	got = run(lit, e2);
	ck_assert_msg(!strcmp(got, want), "%s\n  got:  %s\n  want: %s", lit,
		      got, want);
	free(got);
	cJSON_Delete(e2);
}
END_TEST

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Patterns that take exponential time in a backtracking matcher finish in
 * linear time here. */
START_TEST(test_regex_pathological_is_linear)
{
	static const struct {
		const char *pat;
		char fill;
		size_t n;
		const char *want;
	} cases[] = {
		{"(a*)*b", 'a', 100000, "false"},
		{"(a|a)*b", 'a', 100000, "false"},
		{"(x+x+)+y", 'x', 50000, "false"},
		{"^(a?){500}a{500}$", 'a', 500, "true"},
		{"(.*){20}z", 'q', 20000, "false"},
	};
	cJSON *e2 = jf_json_dup(env),
	      *params = cJSON_GetObjectItem(e2, "params");

	for (int i = 0; i < N(cases); i++) {
		char *s = repeat(cases[i].fill, cases[i].n), *got;
		double t0 = now_s();

		cJSON_DeleteItemFromObject(params, "s");
		cJSON_DeleteItemFromObject(params, "p");
		cJSON_AddStringToObject(params, "s", s);
		cJSON_AddStringToObject(params, "p", cases[i].pat);
		got = run("params.s.matches(params.p)", e2);
		ck_assert_msg(!strcmp(got, cases[i].want), "/%s/: %s",
			      cases[i].pat, got);
		ck_assert_msg(now_s() - t0 < 5.0, "/%s/ took %.2fs",
			      cases[i].pat, now_s() - t0);
		free(got);
		free(s);
	}
	cJSON_Delete(e2);
}
END_TEST

START_TEST(test_regex_caps)
{
	cJSON *e2 = jf_json_dup(env),
	      *params = cJSON_GetObjectItem(e2, "params");
	char *s = repeat('a', 256 * 1024 + 1), *pat = repeat('a', 1025), *got;

	/* subject cap */
	cJSON_AddStringToObject(params, "s", s);
	got = run("params.s.matches('b')", e2);
	ck_assert_str_eq(got,
			 "eval: col 10: matches() subject is 262145 bytes, "
			 "the limit is 262144");
	free(got);
	/* pattern cap */
	cJSON_AddStringToObject(params, "p", pat);
	got = run("'a'.matches(params.p)", e2);
	ck_assert_str_eq(got, "eval: col 13: invalid regex: pattern is 1025 "
			      "bytes, the limit is 1024");
	free(got);
	/* the work budget of one evaluation: ~1800 live threads x 200000 */
	s[200000] = '\0';
	cJSON_ReplaceItemInObject(params, "s", cJSON_CreateString(s));
	got = run("params.s.matches('(a?){900}b')", e2);
	ck_assert_str_eq(got, "eval: col 10: matches() gave up: the regex work "
			      "limit of 33554432 steps per evaluation is used "
			      "up");
	free(got);
	/* each matches() draws on the same budget */
	s[10000] = '\0';
	cJSON_ReplaceItemInObject(params, "s", cJSON_CreateString(s));
	got = run("params.s.matches('(a?){900}b')", e2);
	ck_assert_str_eq(got, "false");
	free(got);
	got = run("params.s.matches('(a?){900}b') || "
		  "params.s.matches('(a?){900}c')",
		  e2);
	ck_assert_str_eq(got, "eval: col 44: matches() gave up: the regex work "
			      "limit of 33554432 steps per evaluation is used "
			      "up");
	free(got);
	free(s);
	free(pat);
	cJSON_Delete(e2);
}
END_TEST

/* --- limits ---------------------------------------------------------------*/

static char *join(const char *first, const char *sep, const char *item, int n)
{
	size_t cap =
		strlen(first) + (size_t)n * (strlen(sep) + strlen(item)) + 4;
	char *s = malloc(cap);

	ck_assert_ptr_nonnull(s);
	strcpy(s, first);
	for (int i = 0; i < n; i++) {
		if (i || first[0])
			strcat(s, sep);
		strcat(s, item);
	}
	return s;
}

START_TEST(test_limits_length)
{
	char *body = repeat('a', JF_EXPR_MAX_LEN), *got;

	body[0] = body[JF_EXPR_MAX_LEN - 1] = '\'';
	got = run(body, env);
	ck_assert_int_eq(strlen(got), JF_EXPR_MAX_LEN);
	free(got);
	free(body);
	body = repeat(' ', JF_EXPR_MAX_LEN + 1);
	body[0] = '1';
	got = run(body, env);
	ck_assert_str_eq(got, "parse: col 1: expression is 4097 bytes, the "
			      "limit is 4096");
	free(got);
	free(body);
}
END_TEST

START_TEST(test_limits_depth)
{
	char src[400];
	char *s, *got;

	/* 63 parentheses are fine, 64 are one level too many */
	memset(src, 0, sizeof(src));
	memset(src, '(', 63);
	strcat(src, "1");
	memset(src + strlen(src), ')', 63);
	expect(src, "1");
	memset(src, 0, sizeof(src));
	memset(src, '(', 64);
	strcat(src, "1");
	memset(src + strlen(src), ')', 64);
	expect(src,
	       "parse: col 65: expression is nested deeper than 64 levels");
	/* a left-leaning chain: 64 operands are 64 levels, 65 are too many */
	s = join("1", "+", "1", 63);
	expect(s, "64");
	free(s);
	s = join("1", "+", "1", 64);
	expect(s, "parse: col 128: expression is nested deeper than 64 levels");
	free(s);
	/* unary operators nest too */
	memset(src, 0, sizeof(src));
	memset(src, '!', 63);
	strcat(src, "true");
	expect(src, "false");
	memset(src, 0, sizeof(src));
	memset(src, '!', 64);
	strcat(src, "true");
	expect(src,
	       "parse: col 64: expression is nested deeper than 64 levels");
	/* a deep ?: chain on the right */
	s = join("", " : ", "false ? 1", 70);
	got = run(s, env);
	ck_assert_msg(strstr(got, "nested deeper than 64 levels"), "%s", got);
	free(got);
	free(s);
}
END_TEST

START_TEST(test_limits_nodes)
{
	char *body = join("1", ",", "1", 1022), *src, *want;

	/* one list and 1023 elements are 1024 nodes */
	src = malloc(strlen(body) + 3);
	want = malloc(strlen(body) + 3);
	sprintf(src, "[%s]", body);
	sprintf(want, "[%s]", body);
	expect(src, want);
	free(src);
	free(want);
	free(body);
	/* one more element is one node too many */
	body = join("1", ",", "1", 1023);
	src = malloc(strlen(body) + 3);
	sprintf(src, "[%s]", body);
	expect(src, "parse: col 2048: expression has more than 1024 nodes");
	free(src);
	free(body);
}
END_TEST

START_TEST(test_limits_values)
{
	char *s, *term;

	/* a string concatenation over 1 MiB */
	expect("params.bigs + params.bigs",
	       "eval: col 13: string of 1228800 bytes is over the 1048576-byte "
	       "limit");
	/* exactly 1 MiB is fine */
	expect("size(params.half + params.half)", "1048576");
	/* lists count the size of what they hold */
	expect("[params.bigs, params.bigs]",
	       "eval: col 1: list is over the 1048576-byte size limit");
	expect("size([params.bigs] + [params.bigs])",
	       "eval: col 20: list is over the 1048576-byte size limit");
	expect("size([params.bigs])", "1");
	/* the memory of one evaluation is capped (16 MiB) */
	term = "size(params.half + params.half)";
	s = join(term, " + ", term, 19);
	expect(s, "eval: col 528: evaluation needs more than 16777216 bytes of "
		  "memory");
	free(s);
	s = join(term, " + ", term, 9);
	expect(s, "10485760");
	free(s);
}
END_TEST

/* --- the type checker -----------------------------------------------------*/

struct tcase_ck {
	const char *src;
	const char *want; /* result type, or "ETYPE: msg" / "ENOTFOUND: msg" */
};

static const struct tcase_ck check_cases[] = {
	{"params.gpus > 2", "bool"},
	{"params.dataset + 'x'", "string"},
	{"params.gpus * params.ratio", "double"},
	{"params.gpus / 2", "int"},
	{"params.gpus + 1.5", "double"},
	{"has(params.missing)", "bool"},
	{"params.cfg.tags[0]", "any"},
	{"params.cfg['opt']", "string"},
	{"item.lang == 'en'", "bool"},
	{"item", "object"},
	{"size(params.shards)", "int"},
	{"int(params.numstr)", "int"},
	{"double(params.gpus)", "double"},
	{"string(params.cfg)", "string"},
	{"true ? 1 : 2", "int"},
	{"true ? 1 : 'a'", "any"},
	{"true ? params.cfg : params.cfg", "object"},
	{"[1, 'a']", "list"},
	{"params.shards + [1]", "list"},
	{"params.nothing == null", "bool"},
	{"params.nothing", "null"},
	{"lastFailure.reason != 'Evicted'", "bool"},
	{"steps.prep.phase == 'Succeeded' && steps.train.attempts < 3", "bool"},
	{"'x' in params.cfg", "bool"},
	{"1 in params.shards", "bool"},
	{"params.dataset.matches('^image')", "bool"},
	{"-params.ratio", "double"},
	{"!params.flag", "bool"},
	{"parms.x", "ENOTFOUND: col 1: unknown identifier 'parms'"},
	{"steps.trian.phase", "ENOTFOUND: col 6: no member 'trian' in steps"},
	{"steps.prep.phse",
	 "ENOTFOUND: col 11: no member 'phse' in steps.prep"},
	{"steps['prep'].phse",
	 "ENOTFOUND: col 14: no member 'phse' in steps['prep']"},
	{"params.cfg['nope']",
	 "ENOTFOUND: col 11: no member 'nope' in params.cfg"},
	{"item.lang2", "ENOTFOUND: col 5: no member 'lang2' in item"},
	{"true ? params.copy1.z : 1",
	 "ENOTFOUND: col 20: no member 'z' in params.copy1"},
	{"params.gpus + 'x'",
	 "ETYPE: col 13: operator '+' cannot be applied to int and string"},
	{"params.dataset > 3",
	 "ETYPE: col 16: operator '>' cannot be applied to string and int"},
	{"params.gpus && true",
	 "ETYPE: col 13: operator '&&' needs bool operands, got int"},
	{"true || params.dataset",
	 "ETYPE: col 6: operator '||' needs bool operands, got string"},
	{"!params.dataset",
	 "ETYPE: col 1: operator '!' cannot be applied to string"},
	{"-params.dataset",
	 "ETYPE: col 1: operator '-' cannot be applied to string"},
	{"params.gpus ? 1 : 2",
	 "ETYPE: col 13: condition of '?:' must be a bool, got int"},
	{"size(params.gpus)", "ETYPE: col 1: size() cannot be applied to int"},
	{"params.dataset.startsWith(1)",
	 "ETYPE: col 16: startsWith() cannot be applied to string and int"},
	{"int(params.flag)", "ETYPE: col 1: int() cannot be applied to bool"},
	{"params.gpus.x", "ETYPE: col 12: cannot select member 'x' of int"},
	{"params.dataset[0]", "ETYPE: col 15: cannot index string"},
	{"params.shards['a']",
	 "ETYPE: col 14: list index must be an int, got string"},
	{"params.cfg[0]",
	 "ETYPE: col 11: object key must be a string, got int"},
	{"has(params.gpus.x)", "ETYPE: col 1: has() needs an object, got int"},
	{"1 in params.cfg",
	 "ETYPE: col 3: operator 'in' cannot be applied to int and object"},
	{"'a' in 'abc'",
	 "ETYPE: col 5: operator 'in' cannot be applied to string and string"},
	{"params.ratio % 2",
	 "ETYPE: col 14: operator '%' cannot be applied to double and int"},
	{"params.nothing + 1",
	 "ETYPE: col 16: operator '+' cannot be applied to null and int"},
	{"[1] < [2]",
	 "ETYPE: col 5: operator '<' cannot be applied to list and list"},
	{"size(params.gpus + 'x')",
	 "ETYPE: col 18: operator '+' cannot be applied to int and string"},
};

START_TEST(test_check_table)
{
	const struct tcase_ck *c = &check_cases[_i];
	struct jf_errmsg e = {{0}};
	struct jf_expr *x;
	const char *type = NULL;
	char got[600];
	int err;

	ck_assert_msg(jf_expr_compile(c->src, &x, &e) == 0, "%s", e.msg);
	err = jf_expr_check_type(x, types, &type, &e);
	if (err == -JF_ETYPE)
		snprintf(got, sizeof(got), "ETYPE: %s", e.msg);
	else if (err == -JF_ENOTFOUND)
		snprintf(got, sizeof(got), "ENOTFOUND: %s", e.msg);
	else if (err)
		snprintf(got, sizeof(got), "error %d: %s", err, e.msg);
	else
		snprintf(got, sizeof(got), "%s", type);
	ck_assert_msg(!strcmp(got, c->want), "%s\n  got:  %s\n  want: %s",
		      c->src, got, c->want);
	/* jf_expr_check agrees */
	ck_assert_int_eq(jf_expr_check(x, types, &e), err);
	jf_expr_free(x);
}
END_TEST

/* A type environment with unknown ("any") and open parts, as the engine
 * builds for forEach items and templates it cannot see through. */
static const struct tcase_ck open_cases[] = {
	{"params.anything.goes", "any"},
	{"params.x + 1", "any"},
	{"item + 1", "any"},
	{"item.x > 3", "bool"},
	{"item && true", "bool"},
	{"-item", "any"},
	{"!item", "bool"},
	{"size(item)", "int"},
	{"item.startsWith('a')", "bool"},
	{"item[0]", "any"},
	{"item ? 1 : 2", "int"},
	{"item * 2.5", "double"},
	{"item - 1", "any"},
	{"item % 2", "int"},
	{"item in [1]", "bool"},
	{"'k' in item", "bool"},
	{"steps.prep.attempts + 1", "int"},
	{"index * 2", "int"},
	{"item + true",
	 "ETYPE: col 6: operator '+' cannot be applied to any and bool"},
	{"item % 2.0",
	 "ETYPE: col 6: operator '%' cannot be applied to any and double"},
	{"item[true]",
	 "ETYPE: col 5: index must be an int or a string, got bool"},
	{"item in 'abc'",
	 "ETYPE: col 6: operator 'in' cannot be applied to any and string"},
	{"1 in item", "bool"},
	{"steps.prep.phse",
	 "ENOTFOUND: col 11: no member 'phse' in steps.prep"},
	{"steps.other", "ENOTFOUND: col 6: no member 'other' in steps"},
	{"lastFailure.reason.size()", "int"},
	{"lastFailure.code",
	 "ENOTFOUND: col 12: no member 'code' in lastFailure"},
	{"foo", "ENOTFOUND: col 1: unknown identifier 'foo'"},
};

START_TEST(test_check_open_types)
{
	const struct tcase_ck *c = &open_cases[_i];
	cJSON *t =
		parse("{\"params\":\"object\",\"steps\":{\"prep\":{\"phase\":"
		      "\"string\",\"attempts\":\"int\"}},\"item\":\"any\","
		      "\"index\":\"int\",\"attempt\":\"int\",\"lastFailure\":"
		      "{\"reason\":\"string\",\"message\":\"string\"}}");
	struct jf_errmsg e = {{0}};
	struct jf_expr *x;
	const char *type = NULL;
	char got[600];
	int err;

	ck_assert_msg(jf_expr_compile(c->src, &x, &e) == 0, "%s", e.msg);
	err = jf_expr_check_type(x, t, &type, &e);
	if (err == -JF_ETYPE)
		snprintf(got, sizeof(got), "ETYPE: %s", e.msg);
	else if (err == -JF_ENOTFOUND)
		snprintf(got, sizeof(got), "ENOTFOUND: %s", e.msg);
	else if (err)
		snprintf(got, sizeof(got), "error %d: %s", err, e.msg);
	else
		snprintf(got, sizeof(got), "%s", type);
	ck_assert_msg(!strcmp(got, c->want), "%s\n  got:  %s\n  want: %s",
		      c->src, got, c->want);
	jf_expr_free(x);
	cJSON_Delete(t);
}
END_TEST

START_TEST(test_check_bool_and_bad_types)
{
	struct jf_errmsg e = {{0}};
	struct jf_expr *x;
	cJSON *bad = parse("{\"params\":\"integer\"}");

	ck_assert_int_eq(jf_expr_compile("params.flag", &x, &e), 0);
	ck_assert_int_eq(jf_expr_check_bool(x, types, &e), 0);
	jf_expr_free(x);
	ck_assert_int_eq(jf_expr_compile("  params.gpus + 1", &x, &e), 0);
	ck_assert_int_eq(jf_expr_check_bool(x, types, &e), -JF_ETYPE);
	ck_assert_str_eq(e.msg, "col 3: expression must be a bool, got int");
	/* an unknown type name in the environment is the caller's bug */
	ck_assert_int_eq(jf_expr_check(x, bad, &e), -EINVAL);
	ck_assert_str_eq(e.msg, "col 3: invalid type environment: 'integer' is "
				"not a type name");
	/* no environment: every identifier is unknown */
	ck_assert_int_eq(jf_expr_check(x, NULL, &e), -JF_ENOTFOUND);
	ck_assert_str_eq(e.msg, "col 3: unknown identifier 'params'");
	jf_expr_free(x);
	ck_assert_int_eq(jf_expr_compile("item.flag", &x, &e), 0);
	cJSON_Delete(bad);
	bad = parse("{\"item\":\"any\"}");
	ck_assert_int_eq(jf_expr_check_bool(x, bad, &e), 0);
	jf_expr_free(x);
	ck_assert_int_eq(jf_expr_compile("params.dataset", &x, &e), 0);
	ck_assert_int_eq(jf_expr_check_bool(x, types, &e), -JF_ETYPE);
	ck_assert_str_eq(e.msg, "col 1: expression must be a bool, got string");
	jf_expr_free(x);
	cJSON_Delete(bad);
}
END_TEST

START_TEST(test_types_of)
{
	cJSON *v = parse("{\"a\":1,\"b\":1.5,\"c\":\"s\",\"d\":true,\"e\":null,"
			 "\"f\":[1,{\"x\":1}],\"g\":{\"h\":{}},\"big\":1e300}");
	cJSON *t = jf_expr_types_of(v), *deep, *cur;
	char *s = jf_json_print_stable(t);

	ck_assert_str_eq(s,
			 "{\"a\":\"int\",\"b\":\"double\",\"big\":\"double\","
			 "\"c\":\"string\",\"d\":\"bool\",\"e\":\"null\","
			 "\"f\":\"list\",\"g\":{\"h\":{}}}");
	free(s);
	cJSON_Delete(t);
	cJSON_Delete(v);
	ck_assert_ptr_null(jf_expr_types_of(NULL));
	t = jf_expr_types_of(cJSON_GetObjectItem(env, "index"));
	ck_assert_str_eq(t->valuestring, "int");
	cJSON_Delete(t);
	/* objects deeper than an expression can reach become "object" */
	deep = cur = cJSON_CreateObject();
	for (int i = 0; i < 100; i++)
		cur = cJSON_AddObjectToObject(cur, "d");
	t = jf_expr_types_of(deep);
	cur = t;
	for (int i = 0; i < JF_EXPR_MAX_DEPTH; i++)
		cur = cJSON_GetObjectItem(cur, "d");
	ck_assert(cJSON_IsString(cur));
	ck_assert_str_eq(cur->valuestring, "object");
	cJSON_Delete(t);
	cJSON_Delete(deep);
}
END_TEST

/* --- templates ------------------------------------------------------------*/

static const struct ecase render_cases[] = {
	{"{{params.gpus}}", "4"},
	{"gpus={{ params.gpus }}", "gpus=4"},
	{"{{params.dataset}}-{{index}}", "imagenet-2"},
	{"shard-{{ item.shard }}-try{{attempt}}", "shard-2-try1"},
	{"{{ item }}", "{\"lang\":\"en\",\"shard\":2,\"tags\":[\"x\"]}"},
	{"{{ params.ratio }}", "0.5"},
	{"{{ params.gpus * 1.0 }}", "4"},
	{"{{ params.gpus / 8.0 }}", "0.5"},
	{"{{ params.flag }}", "true"},
	{"{{ params.nothing }}", "null"},
	{"{{ params.langs }}", "[\"en\",\"de\"]"},
	{"{{ ['a\"b', 1e21] }}", "[\"a\\\"b\",1e+21]"},
	{"{{ params.name }}", "h\xc3\xa9llo"},
	{"{{ 9007199254740993 }}", "9007199254740993"},
	{"{{ params.gpus * 1000000000000 }}", "4000000000000"},
	{"\\{{ literal }}", "{{ literal }}"},
	{"x \\{{ y }} {{ attempt }}", "x {{ y }} 1"},
	{"a\\b", "a\\b"},
	{"\\\\{{ attempt }}", "\\{{ attempt }}"},
	{"{{ '}}' }}", "}}"},
	{"{{'a' + \"}}\"}}", "a}}"},
	{"{{ 'x' }}}", "x}"},
	{"no placeholders", "no placeholders"},
	{"}} alone {", "}} alone {"},
	{"", ""},
	{"{{ attempt + 1 }}/{{ size(params.shards) }}", "2/4"},
	{"{{ params.gpus >= 8 ? 'large' : 'small' }}", "small"},
	{"{{\nparams.gpus\n}}", "4"},
	{"abc {{ params.x", "error: col 5: unclosed '{{'"},
	{"\xc3\xa9 {{ x", "error: col 3: unclosed '{{'"},
	{"{{ a }", "error: col 1: unclosed '{{'"},
	{"{{ parms }}", "error: col 4: unknown identifier 'parms'"},
	{"ab{{ 1 + }}", "error: col 10: unexpected end of expression"},
	{"{{}}", "error: col 3: empty expression"},
	{"x{{ 1 / 0 }}", "error: col 7: division by zero"},
	{"{{ 'abc }}", "error: col 4: unterminated string"},
	{"{{ a } }}", "error: col 6: unexpected character '}'"},
	{"\xc3\xa9\xc3\xa9{{ params.nope }}",
	 "error: col 12: no member 'nope' in params"},
	{"{{ params.bigs }}{{ params.bigs }}",
	 "error: col 21: rendered text is longer than 1048576 bytes"},
};

START_TEST(test_tmpl_render)
{
	const struct ecase *c = &render_cases[_i];
	struct jf_errmsg e = {{0}};
	char *out = NULL, got[JF_ERRMSG_MAX + 16];
	int err = jf_tmpl_render(c->src, env, &out, &e);

	if (err) {
		ck_assert_ptr_null(out);
		ck_assert_msg(err == -JF_EPARSE || err == -JF_EEVAL, "%d", err);
		snprintf(got, sizeof(got), "error: %s", e.msg);
		ck_assert_msg(!strcmp(got, c->want),
			      "%s\n  got:  %s\n  want: %s", c->src, got,
			      c->want);
		return;
	}
	ck_assert_msg(!strcmp(out, c->want), "%s\n  got:  %s\n  want: %s",
		      c->src, out, c->want);
	free(out);
}
END_TEST

static const struct ecase value_cases[] = {
	{"{{params.gpus}}", "4"},
	{"  {{ params.gpus }}  ", "4"},
	{"{{ params.shards }}", "[0,1,2,3]"},
	{"{{ params.flag }}", "true"},
	{"{{ params.nothing }}", "null"},
	{"{{ item.shard }}", "2"},
	{"{{ item }}", "{\"lang\":\"en\",\"shard\":2,\"tags\":[\"x\"]}"},
	{"{{ 1.5 }}", "1.5"},
	{"{{ 'a' }}", "\"a\""},
	{"{{ [index, attempt] }}", "[2,1]"},
	{"x{{ params.gpus }}", "\"x4\""},
	{"{{ params.gpus }}{{ params.gpus }}", "\"44\""},
	{"{{ params.gpus }} x", "\"4 x\""},
	{"plain", "\"plain\""},
	{"", "\"\""},
	{"\\{{ x }}", "\"{{ x }}\""},
	{"{{ '}}' }}", "\"}}\""},
	{"{{ 9007199254740993 }}",
	 "error: col 4: integer 9007199254740993 is outside the range a JSON number holds exactly (+-2^53)"},
	{"{{ params.x }}", "error: col 10: no member 'x' in params"},
	{"  {{ 1 + }}", "error: col 10: unexpected end of expression"},
	{"{{ params.gpus", "error: col 1: unclosed '{{'"},
};

START_TEST(test_tmpl_render_value)
{
	const struct ecase *c = &value_cases[_i];
	struct jf_errmsg e = {{0}};
	cJSON *out = NULL;
	char *s, got[JF_ERRMSG_MAX + 16];
	int err = jf_tmpl_render_value(c->src, env, &out, &e);

	if (err) {
		ck_assert_ptr_null(out);
		snprintf(got, sizeof(got), "error: %s", e.msg);
		ck_assert_msg(!strcmp(got, c->want),
			      "%s\n  got:  %s\n  want: %s", c->src, got,
			      c->want);
		return;
	}
	s = jf_json_print_stable(out);
	ck_assert_msg(!strcmp(s, c->want), "%s\n  got:  %s\n  want: %s", c->src,
		      s, c->want);
	free(s);
	cJSON_Delete(out);
}
END_TEST

START_TEST(test_tmpl_has_and_check)
{
	struct jf_errmsg e = {{0}};
	char *out;
	cJSON *v;

	ck_assert(!jf_tmpl_has("x"));
	ck_assert(!jf_tmpl_has("{ {x} }"));
	ck_assert(!jf_tmpl_has(NULL));
	ck_assert(jf_tmpl_has("{{x}}"));
	ck_assert(jf_tmpl_has("a \\{{ b"));
	ck_assert(jf_tmpl_has("unclosed {{"));

	ck_assert_int_eq(jf_tmpl_check("{{ params.gpus }} and {{ item.lang }}",
				       types, &e),
			 0);
	ck_assert_int_eq(jf_tmpl_check("no placeholders", types, &e), 0);
	ck_assert_int_eq(jf_tmpl_check("{{ parms }}", types, &e),
			 -JF_ENOTFOUND);
	ck_assert_str_eq(e.msg, "col 4: unknown identifier 'parms'");
	ck_assert_int_eq(jf_tmpl_check("a {{ steps.trian.phase }}", types, &e),
			 -JF_ENOTFOUND);
	ck_assert_str_eq(e.msg, "col 11: no member 'trian' in steps");
	ck_assert_int_eq(
		jf_tmpl_check("{{ index }}{{ params.gpus + 'x' }}", types, &e),
		-JF_ETYPE);
	ck_assert_str_eq(e.msg, "col 27: operator '+' cannot be applied to int "
				"and string");
	ck_assert_int_eq(jf_tmpl_check("{{ 1 + }}", types, &e), -JF_EPARSE);
	ck_assert_str_eq(e.msg, "col 8: unexpected end of expression");
	ck_assert_int_eq(jf_tmpl_check("x {{ y", NULL, &e), -JF_EPARSE);
	ck_assert_str_eq(e.msg, "col 3: unclosed '{{'");
	/* without types only the syntax is checked */
	ck_assert_int_eq(jf_tmpl_check("{{ parms }}", NULL, &e), 0);
	ck_assert_int_eq(jf_tmpl_check("{{ foo(1) }}", NULL, &e), -JF_EPARSE);
	ck_assert_str_eq(e.msg, "col 4: unknown function 'foo'");
	/* NULL is the empty string */
	ck_assert_int_eq(jf_tmpl_check(NULL, types, &e), 0);
	ck_assert_int_eq(jf_tmpl_render(NULL, env, &out, &e), 0);
	ck_assert_str_eq(out, "");
	free(out);
	ck_assert_int_eq(jf_tmpl_render_value(NULL, env, &v, &e), 0);
	ck_assert_str_eq(v->valuestring, "");
	cJSON_Delete(v);
}
END_TEST

/* Long templates: the placeholder scan is linear and bounded. */
START_TEST(test_tmpl_long)
{
	struct jf_errmsg e = {{0}};
	size_t n = 600000;
	char *s = repeat(' ', n), *out = NULL;
	double t0 = now_s();

	/* a placeholder that never ends before a far "}}" */
	memcpy(s, "{{", 2);
	for (size_t i = 3; i + 2 < n; i += 2)
		s[i] = 'a';
	memcpy(s + n - 2, "}}", 2);
	ck_assert_int_eq(jf_tmpl_render(s, env, &out, &e), -JF_EPARSE);
	ck_assert_str_eq(e.msg, "col 1: placeholder is longer than 4096 bytes");
	/* many short placeholders */
	for (size_t i = 0; i + 5 <= n; i += 5)
		memcpy(s + i, "{{1}}", 5);
	ck_assert_int_eq(jf_tmpl_render(s, env, &out, &e), 0);
	ck_assert_uint_eq(strlen(out), n / 5);
	ck_assert(strspn(out, "1") == n / 5);
	free(out);
	ck_assert_msg(now_s() - t0 < 10.0, "took %.2fs", now_s() - t0);
	free(s);
}
END_TEST

/* --- API behaviour --------------------------------------------------------*/

START_TEST(test_compile_once_eval_many)
{
	struct jf_errmsg e = {{0}};
	struct jf_expr *x;
	cJSON *in = parse("{\"index\":0,\"item\":{\"n\":0}}"), *out;
	bool b;

	ck_assert_int_eq(
		jf_expr_compile("index % 3 == 0 && item.n * 2 == index "
				"* 2",
				&x, &e),
		0);
	for (int i = 0; i < 3000; i++) {
		cJSON_ReplaceItemInObject(in, "index", cJSON_CreateNumber(i));
		cJSON_ReplaceItemInObject(cJSON_GetObjectItem(in, "item"), "n",
					  cJSON_CreateNumber(i));
		ck_assert_int_eq(jf_expr_eval_bool(x, in, &b, &e), 0);
		ck_assert_int_eq(b, i % 3 == 0);
		ck_assert_int_eq(jf_expr_eval(x, in, &out, &e), 0);
		ck_assert(cJSON_IsBool(out));
		cJSON_Delete(out);
	}
	jf_expr_free(x);
	cJSON_Delete(in);
}
END_TEST

START_TEST(test_eval_bool_and_null_env)
{
	struct jf_errmsg e = {{0}};
	struct jf_expr *x;
	cJSON *out = NULL;
	bool b = true;

	ck_assert_int_eq(jf_expr_compile("params.gpus", &x, &e), 0);
	ck_assert_int_eq(jf_expr_eval_bool(x, env, &b, &e), -JF_ETYPE);
	ck_assert_str_eq(e.msg, "col 1: expression must be a bool, got int");
	ck_assert(!b);
	/* no environment: roots are unknown; e may be NULL */
	ck_assert_int_eq(jf_expr_eval(x, NULL, &out, &e), -JF_EEVAL);
	ck_assert_str_eq(e.msg, "col 1: unknown identifier 'params'");
	ck_assert_int_eq(jf_expr_eval(x, NULL, &out, NULL), -JF_EEVAL);
	ck_assert_ptr_null(out);
	jf_expr_free(x);
	ck_assert_int_eq(jf_expr_compile("1 / 0 == 1", &x, NULL), 0);
	ck_assert_int_eq(jf_expr_eval_bool(x, env, &b, &e), -JF_EEVAL);
	ck_assert_str_eq(e.msg, "col 3: division by zero");
	jf_expr_free(x);
	ck_assert_int_eq(jf_expr_compile("1 +", &x, NULL), -JF_EPARSE);
	ck_assert_ptr_null(x);
	ck_assert_int_eq(jf_expr_compile("1 + 1 == 2", &x, NULL), 0);
	ck_assert_int_eq(jf_expr_eval_bool(x, NULL, &b, NULL), 0);
	ck_assert(b);
	jf_expr_free(x);
	jf_expr_free(NULL);
}
END_TEST

/* The engine's typical uses, end to end. */
START_TEST(test_spec_examples)
{
	cJSON *in =
		parse("{\"params\":{\"dataset\":\"imagenet\",\"gpus\":8},"
		      "\"steps\":{\"train\":{\"phase\":\"Failed\"}},"
		      "\"attempt\":2,\"lastFailure\":{\"reason\":\"Evicted\","
		      "\"message\":\"m\"}}");
	static const struct ecase cases[] = {
		{"params.dataset != 'tiny'", "true"},
		{"params.gpus >= 8", "true"},
		{"params.gpus >= 2 && params.gpus < 8", "false"},
		{"steps.train.phase == 'Failed'", "true"},
		{"lastFailure.reason != 'Evicted'", "false"},
		{"attempt < 3 && lastFailure.reason in ['OOMKilled', 'Error']",
		 "false"},
		{"has(params.shards) ? size(params.shards) : 1", "1"},
	};

	for (int i = 0; i < N(cases); i++) {
		char *got = run(cases[i].src, in);

		ck_assert_msg(!strcmp(got, cases[i].want), "%s: %s",
			      cases[i].src, got);
		free(got);
	}
	cJSON_Delete(in);
}
END_TEST

/* --- comma-decimal locale -------------------------------------------------*/

START_TEST(test_locale_is_comma)
{
	char buf[32];

	/* the fixture switched LC_ALL; the C library now writes commas */
	snprintf(buf, sizeof(buf), "%.1f", 1.5);
	ck_assert_str_eq(buf, "1,5");
	expect("1.5 + 1", "2.5");
	expect("string(2.5)", "\"2.5\"");
	expect("double('2.5')", "2.5");
}
END_TEST

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static char locdir[64];

/* Finds a locale whose decimal point is a comma; builds one with
 * localedef in a private directory (LOCPATH) when none is installed. */
static bool find_comma_locale(void)
{
	static const char *const names[] = {
		"de_DE.UTF-8", "de_DE.utf8",  "fr_FR.UTF-8", "fr_FR.utf8",
		"nl_NL.UTF-8", "es_ES.UTF-8", "it_IT.UTF-8", "ru_RU.UTF-8"};
	char out[128];
	pid_t pid;
	int st, fd;

	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < N(names); i++) {
			if (setlocale(LC_ALL, names[i]) &&
			    !strcmp(localeconv()->decimal_point, ",")) {
				snprintf(comma_locale, sizeof(comma_locale),
					 "%s", names[i]);
				setlocale(LC_ALL, "C");
				return true;
			}
		}
		setlocale(LC_ALL, "C");
		if (pass)
			break;
		strcpy(locdir, "/tmp/check_expr_locXXXXXX");
		if (!mkdtemp(locdir))
			return false;
		snprintf(out, sizeof(out), "%s/de_DE.UTF-8", locdir);
		pid = fork();
		if (pid == 0) {
			fd = open("/dev/null", O_WRONLY);
			dup2(fd, 1);
			dup2(fd, 2);
			execlp("localedef", "localedef", "-i", "de_DE", "-f",
			       "UTF-8", out, (char *)NULL);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &st, 0) < 0)
			return false;
		setenv("LOCPATH", locdir, 1);
	}
	return false;
}

static Suite *expr_suite(void)
{
	Suite *s = suite_create("expr");
	struct {
		const char *name;
		const TTest *test;
		int n;
	} tables[] = {
		{"literals", test_literals, N(literal_cases)},
		{"arithmetic", test_arithmetic, N(arith_cases)},
		{"comparison", test_comparison, N(compare_cases)},
		{"logic", test_logic, N(logic_cases)},
		{"members", test_members, N(member_cases)},
		{"functions", test_functions, N(func_cases)},
		{"double_format", test_double_format, N(double_cases)},
		{"parse_errors", test_parse_errors, N(parse_cases)},
		{"regex", test_regex, N(regex_cases)},
		{"check", test_check_table, N(check_cases)},
		{"check_open", test_check_open_types, N(open_cases)},
		{"tmpl_render", test_tmpl_render, N(render_cases)},
		{"tmpl_value", test_tmpl_render_value, N(value_cases)},
	};
	TCase *tc;

	for (int i = 0; i < N(tables); i++) {
		tc = tcase_create(tables[i].name);
		tcase_add_checked_fixture(tc, env_setup, env_teardown);
		tcase_add_loop_test(tc, tables[i].test, 0, tables[i].n);
		suite_add_tcase(s, tc);
	}
	tc = tcase_create("regex_limits");
	tcase_add_checked_fixture(tc, env_setup, env_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_regex_pathological_is_linear);
	tcase_add_test(tc, test_regex_caps);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, env_setup, env_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_limits_length);
	tcase_add_test(tc, test_limits_depth);
	tcase_add_test(tc, test_limits_nodes);
	tcase_add_test(tc, test_limits_values);
	suite_add_tcase(s, tc);

	tc = tcase_create("checker_api");
	tcase_add_checked_fixture(tc, env_setup, env_teardown);
	tcase_add_test(tc, test_check_bool_and_bad_types);
	tcase_add_test(tc, test_types_of);
	suite_add_tcase(s, tc);

	tc = tcase_create("tmpl_api");
	tcase_add_checked_fixture(tc, env_setup, env_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_tmpl_has_and_check);
	tcase_add_test(tc, test_tmpl_long);
	suite_add_tcase(s, tc);

	tc = tcase_create("api");
	tcase_add_checked_fixture(tc, env_setup, env_teardown);
	tcase_add_test(tc, test_compile_once_eval_many);
	tcase_add_test(tc, test_eval_bool_and_null_env);
	tcase_add_test(tc, test_spec_examples);
	suite_add_tcase(s, tc);

	if (find_comma_locale()) {
		tc = tcase_create("comma_locale");
		tcase_add_checked_fixture(tc, comma_setup, comma_teardown);
		tcase_add_test(tc, test_locale_is_comma);
		for (int i = 0; i < N(tables); i++)
			tcase_add_loop_test(tc, tables[i].test, 0, tables[i].n);
		suite_add_tcase(s, tc);
	} else {
		fprintf(stderr, "check_expr: no comma-decimal locale, "
				"skipping the locale pass\n");
	}
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(expr_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (locdir[0])
		nftw(locdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
