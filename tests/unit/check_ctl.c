/* check_ctl.c - Check suite for jobflowctl's pure parts: argument
 * parsing, step order, durations and phases, the tree and graph
 * renderers on in-memory flows (terminal style included). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"
#include "jf_json.h"
#include "jf_time.h"

static cJSON *parse(const char *json)
{
	struct jf_errmsg e = {{0}};
	cJSON *o = NULL;

	ck_assert_msg(jf_json_parse(json, strlen(json), 0, &o, &e) == 0,
		      "bad test JSON: %s", e.msg);
	return o;
}

/* --- arguments --------------------------------------------------------- */

struct seen {
	char log[256];
};

static int record(struct ctl *c, int id, const char *arg, void *ud)
{
	struct seen *s = ud;
	size_t l = strlen(s->log);

	snprintf(s->log + l, sizeof(s->log) - l, "%d=%s;", id, arg ? arg : "-");
	return 0;
}

static const struct ctl_opt opts[] = {
	{"output", 'o', true, 1},
	{"all", 'A', false, 2},
	{NULL, 0, false, 0},
};

static int run_args(struct ctl *c, struct seen *s, char **pos, int *npos,
		    bool *help, int argc, char **argv)
{
	memset(c, 0, sizeof(*c));
	c->prog = "jobflowctl";
	c->cmd = "get";
	c->err = fopen("/dev/null", "w");
	memset(s, 0, sizeof(*s));
	int rc = ctl_args(c, argc, argv, opts, record, s, pos, npos, help);
	fclose(c->err);
	return rc;
}

START_TEST(test_args_global_flags_anywhere)
{
	char *argv[] = {"x",	 "--kubeconfig",  "kc", "-o", "json", "-A",
			"-nns1", "--context=ctx", "--", "-n", "y"};
	char *pos[16];
	struct ctl c;
	struct seen s;
	bool help;
	int npos;

	ck_assert_int_eq(run_args(&c, &s, pos, &npos, &help, 11, argv), 0);
	ck_assert_str_eq(c.kubeconfig, "kc");
	ck_assert_str_eq(c.ns, "ns1");
	ck_assert_str_eq(c.context, "ctx");
	ck_assert_str_eq(s.log, "1=json;2=-;");
	ck_assert_int_eq(npos, 3);
	ck_assert_str_eq(pos[0], "x");
	ck_assert_str_eq(pos[1], "-n"); /* after "--" */
	ck_assert_str_eq(pos[2], "y");
	ck_assert(!help);
	ck_assert(!c.style.color && !c.style.unicode); /* not a tty */
}
END_TEST

START_TEST(test_args_values_and_errors)
{
	char *a1[] = {"--output=yaml", "--namespace", "n2", "-", "--no-color"};
	char *a2[] = {"--bogus"};
	char *a3[] = {"-o"};
	char *a4[] = {"--all=1"};
	char *a5[] = {"-h", "--no-color=x"};
	char *a6[] = {"--help"};
	char *pos[8];
	struct ctl c;
	struct seen s;
	bool help;
	int npos;

	ck_assert_int_eq(run_args(&c, &s, pos, &npos, &help, 5, a1), 0);
	ck_assert_str_eq(s.log, "1=yaml;");
	ck_assert_str_eq(c.ns, "n2");
	ck_assert(c.no_color);
	ck_assert_int_eq(npos, 1);
	ck_assert_str_eq(pos[0], "-");
	ck_assert_int_eq(run_args(&c, &s, pos, &npos, &help, 1, a2), CTL_USAGE);
	ck_assert_int_eq(run_args(&c, &s, pos, &npos, &help, 1, a3), CTL_USAGE);
	ck_assert_int_eq(run_args(&c, &s, pos, &npos, &help, 1, a4), CTL_USAGE);
	ck_assert_int_eq(run_args(&c, &s, pos, &npos, &help, 2, a5), CTL_USAGE);
	ck_assert_int_eq(run_args(&c, &s, pos, &npos, &help, 1, a6), 0);
	ck_assert(help);
}
END_TEST

/* --- order, durations, phases ----------------------------------------- */

static void expect_order(const char *flows_json, const char *want)
{
	cJSON *flows = parse(flows_json);
	int n = cJSON_GetArraySize(flows), order[64];
	char got[256] = "";

	ck_assert_int_eq(ctl_topo_order(flows, order, n), n);
	for (int i = 0; i < n; i++) {
		strcat(got, jf_json_str(cJSON_GetArrayItem(flows, order[i]),
					"name", "?"));
		if (i < n - 1)
			strcat(got, ",");
	}
	ck_assert_str_eq(got, want);
	cJSON_Delete(flows);
}

START_TEST(test_topo_order)
{
	/* the diamond written bottom-up */
	expect_order(
		"[{\"name\":\"e\",\"dependsOn\":{\"targets\":[\"c\",\"d\"]}},"
		"{\"name\":\"d\",\"dependsOn\":{\"targets\":[\"b\"]}},"
		"{\"name\":\"c\",\"dependsOn\":{\"targets\":[\"b\"]}},"
		"{\"name\":\"b\",\"dependsOn\":{\"targets\":[\"a\"]}},"
		"{\"name\":\"a\"}]",
		"a,b,d,c,e");
	/* ties keep spec order; unknown and repeated targets are fine */
	expect_order(
		"[{\"name\":\"x\",\"dependsOn\":{\"targets\":[\"zz\"]}},"
		"{\"name\":\"y\",\"dependsOn\":{\"targets\":[\"w\",\"w\"]}},"
		"{\"name\":\"w\"}]",
		"x,w,y");
	/* a cycle: what can be ordered first, the rest in spec order */
	expect_order("[{\"name\":\"a\",\"dependsOn\":{\"targets\":[\"c\"]}},"
		     "{\"name\":\"b\",\"dependsOn\":{\"targets\":[\"a\"]}},"
		     "{\"name\":\"c\",\"dependsOn\":{\"targets\":[\"b\"]}},"
		     "{\"name\":\"free\"}]",
		     "free,a,b,c");
	expect_order("[]", "");
}
END_TEST

START_TEST(test_topo_order_long_chain)
{
	/* 20000 steps written last-first: linearithmic, not cubic */
	cJSON *flows = cJSON_CreateArray();
	int n = 20000, *order = calloc((size_t)n, sizeof(int));
	char name[32], dep[32];

	for (int i = n - 1; i >= 0; i--) {
		cJSON *s = cJSON_CreateObject();

		snprintf(name, sizeof(name), "s%d", i);
		cJSON_AddStringToObject(s, "name", name);
		if (i > 0) {
			snprintf(dep, sizeof(dep), "s%d", i - 1);
			cJSON_AddItemToArray(
				cJSON_AddArrayToObject(
					cJSON_AddObjectToObject(s, "dependsOn"),
					"targets"),
				cJSON_CreateString(dep));
		}
		cJSON_AddItemToArray(flows, s);
	}
	ck_assert_int_eq(ctl_topo_order(flows, order, n), n);
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(order[i], n - 1 - i);
	free(order);
	cJSON_Delete(flows);
}
END_TEST

START_TEST(test_fmt_dur_and_phases)
{
	static const struct {
		int64_t ms;
		const char *want;
	} t[] = {
		{-5, "0s"},	   {0, "0s"},	       {999, "0s"},
		{45000, "45s"},	   {125000, "2m5s"},   {3600000, "1h0m"},
		{3725000, "1h2m"}, {86400000, "1d0h"}, {273600000, "3d4h"},
	};
	char buf[32];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_str_eq(ctl_fmt_dur(t[i].ms, buf, sizeof(buf)),
				 t[i].want);
	ck_assert_int_eq(ctl_phase_of("Succeed"), CTL_PH_SUCCEEDED);
	ck_assert_int_eq(ctl_phase_of("Completed"), CTL_PH_SUCCEEDED);
	ck_assert_int_eq(ctl_phase_of("Terminated"), CTL_PH_FAILED);
	ck_assert_int_eq(ctl_phase_of("Backoff"), CTL_PH_BACKOFF);
	ck_assert_int_eq(ctl_phase_of("Bogus"), CTL_PH_UNKNOWN);
	ck_assert_int_eq(ctl_phase_of(NULL), CTL_PH_UNKNOWN);
	ck_assert_str_eq(ctl_phase_symbol(CTL_PH_SUCCEEDED, true), "✔");
	ck_assert_str_eq(ctl_phase_symbol(CTL_PH_OMITTED, false), "/");
	ck_assert(ctl_flow_terminal("Failed") && !ctl_flow_terminal("Running"));
}
END_TEST

/* --- renderers ---------------------------------------------------------- */

static const char *flow_json =
	"{\"metadata\":{\"name\":\"f\",\"namespace\":\"ns\","
	"\"creationTimestamp\":\"2026-01-01T00:00:00Z\"},"
	"\"spec\":{\"flows\":["
	"{\"name\":\"a\"},"
	"{\"name\":\"sw\",\"dependsOn\":{\"targets\":[\"a\"]},\"switch\":["
	"{\"when\":\"params.x == \\\"q\\\"\",\"jobTemplate\":\"t1\"},"
	"{\"jobTemplate\":\"t2\"}]},"
	"{\"name\":\"a-b\",\"dependsOn\":{\"targets\":[\"a\"],"
	"\"policy\":\"AllDone\"},\"when\":\"x < 2 && y > 1 # z\"},"
	"{\"name\":\"a_b\",\"dependsOn\":{\"targets\":[\"sw\"]}}]},"
	"\"status\":{\"state\":{\"phase\":\"Running\"},\"stepStatuses\":["
	"{\"name\":\"a\",\"phase\":\"Succeeded\",\"jobTemplate\":\"a\","
	"\"attempts\":1,\"currentJob\":\"f-a\",\"startTime\":"
	"\"2026-01-01T00:00:01Z\",\"finishTime\":\"2026-01-01T00:00:03Z\"},"
	"{\"name\":\"sw\",\"phase\":\"Running\",\"jobTemplate\":\"t2\","
	"\"selectedCase\":1,\"attempts\":1,\"currentJob\":\"f-sw\","
	"\"startTime\":\"2026-01-01T00:00:04Z\"}]}}";

/* Column (in code points, colours removed) of needle on the first line
 * that contains both line_mark and needle. */
static int column_of(const char *text, const char *line_mark,
		     const char *needle)
{
	char plain[8192];
	size_t n = 0;

	for (const char *p = text; *p && n < sizeof(plain) - 1; p++) {
		if (*p == '\033') {
			while (*p && *p != 'm')
				p++;
			continue;
		}
		plain[n++] = *p;
	}
	plain[n] = '\0';
	for (char *line = strtok(plain, "\n"); line;
	     line = strtok(NULL, "\n")) {
		char *hit = strstr(line, needle);
		int col = 0;

		if (!hit || !strstr(line, line_mark))
			continue;
		for (char *q = line; q < hit; q++)
			col += ((unsigned char)*q & 0xc0) != 0x80;
		return col;
	}
	return -1;
}

START_TEST(test_tree_terminal_style)
{
	struct ctl_style st = {.color = true, .unicode = true};
	cJSON *flow = parse(flow_json);
	struct jf_buf b;
	int64_t now;

	ck_assert_int_eq(jf_time_parse("2026-01-01T00:01:00Z", &now), 0);
	jf_buf_init(&b, 0);
	ck_assert_int_eq(ctl_tree_render(flow, &st, now, &b), 0);
	ck_assert_ptr_nonnull(
		strstr(b.data, "Status:    \033[34mRunning\033[0m\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "Progress:  1/4\n"));
	ck_assert_ptr_nonnull(strstr(b.data, " ├─\033[32m✔\033[0m a  "));
	/* the switch step: template actually used, its case marked default */
	ck_assert_ptr_nonnull(strstr(b.data, "case 1 (default)\n"));
	ck_assert_ptr_nonnull(strstr(b.data, " └─\033[90m◌\033[0m a_b "));
	/* columns stay aligned: widths count code points, not bytes */
	ck_assert_int_eq(column_of(b.data, "STEP ", "TEMPLATE"),
			 column_of(b.data, " ├─", "t2 "));
	ck_assert_int_eq(column_of(b.data, "STEP ", "MESSAGE"),
			 column_of(b.data, " ├─", "case 1"));
	jf_buf_release(&b);
	cJSON_Delete(flow);
}
END_TEST

START_TEST(test_graph_escaping_and_ids)
{
	cJSON *flow = parse(flow_json);
	struct jf_buf b;

	jf_buf_init(&b, 0);
	ck_assert_int_eq(ctl_graph_render(flow, CTL_GRAPH_MERMAID, true, &b),
			 0);
	/* "a-b" and "a_b" must not share an id */
	ck_assert_ptr_nonnull(strstr(b.data, "    s_a_b[\"a-b<br/>"));
	ck_assert_ptr_nonnull(strstr(b.data, "    s_a_b_3[\"a_b<br/>"));
	ck_assert_ptr_nonnull(strstr(
		b.data,
		"when: x #lt; 2 #amp;#amp; y #gt; 1 #35; z<br/>Waiting"));
	ck_assert_ptr_nonnull(
		strstr(b.data, "case 0: params.x == #quot;q#quot; → t1<br/>"
			       "default → t2 (selected)"));
	ck_assert_ptr_nonnull(strstr(b.data, "    s_a -. AllDone .-> s_a_b\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "    s_sw --> s_a_b_3\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "    class s_sw running\n"));
	ck_assert_ptr_nonnull(
		strstr(b.data, "    class s_a_b,s_a_b_3 waiting\n"));
	jf_buf_reset(&b);
	ck_assert_int_eq(ctl_graph_render(flow, CTL_GRAPH_DOT, false, &b), 0);
	ck_assert_ptr_nonnull(
		strstr(b.data,
		       "case 0: params.x == \\\"q\\\" → t1\\ndefault → t2\"]"));
	ck_assert_ptr_nonnull(strstr(
		b.data,
		"    \"a\" -> \"a-b\" [style=dashed, label=\"AllDone\"];\n"));
	ck_assert_ptr_null(strstr(b.data, "fillcolor"));
	jf_buf_release(&b);
	cJSON_Delete(flow);
}
END_TEST

static Suite *ctl_suite(void)
{
	Suite *s = suite_create("ctl");
	TCase *tc;

	tc = tcase_create("args");
	tcase_add_test(tc, test_args_global_flags_anywhere);
	tcase_add_test(tc, test_args_values_and_errors);
	suite_add_tcase(s, tc);
	tc = tcase_create("flow");
	tcase_add_test(tc, test_topo_order);
	tcase_add_test(tc, test_topo_order_long_chain);
	tcase_add_test(tc, test_fmt_dur_and_phases);
	tcase_set_timeout(tc, 10);
	suite_add_tcase(s, tc);
	tc = tcase_create("render");
	tcase_add_test(tc, test_tree_terminal_style);
	tcase_add_test(tc, test_graph_escaping_and_ids);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ctl_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
