/* check_engine_validate.c - Check suite for jf_engine_validate() and for
 * how reconcile treats invalid flows and missing templates (SPEC §3.7). */
#include "check_engine_harness.h"

/* Templates named like every step except those listed in "missing". */
static cJSON *templates_for(const cJSON *flow, const char *missing)
{
	cJSON *t = cJSON_CreateObject();
	const cJSON *st;

	cJSON_ArrayForEach (st, jf_json_at(flow, "spec.flows")) {
		const char *n = jf_json_str(st, "jobTemplate",
					    jf_json_str(st, "name", ""));
		char want[128];

		snprintf(want, sizeof(want), ",%s,", n);
		if (*n && !strstr(missing, want) &&
		    !cJSON_GetObjectItemCaseSensitive(t, n))
			h_tpl(t, n);
	}
	return t;
}

static const struct {
	const char *flow;
	const char *missing; /* templates left out */
	const char *errors;  /* stable JSON of the result */
} cases[] = {
	/* 0: the graph */
	{"metadata: {name: test}\n"
	 "spec:\n"
	 "  flows:\n"
	 "  - {name: a, dependsOn: {targets: [b]}}\n"
	 "  - {name: b, dependsOn: {targets: [a]}}\n"
	 "  - {name: c, dependsOn: {targets: [c, x]}}\n"
	 "  - {name: a}\n",
	 ",",
	 "[{\"message\":\"duplicate step name 'a' (also spec.flows[0])\","
	 "\"path\":\"spec.flows[3].name\",\"step\":\"a\"},"
	 "{\"message\":\"unknown target 'x'\",\"path\":"
	 "\"spec.flows[2].dependsOn.targets[1]\",\"step\":\"c\"},"
	 "{\"message\":\"cycle: a -> b -> a\",\"path\":"
	 "\"spec.flows[0].dependsOn.targets\",\"step\":\"a\"},"
	 "{\"message\":\"cycle: c -> c\",\"path\":"
	 "\"spec.flows[2].dependsOn.targets\",\"step\":\"c\"}]"},
	/* 1: a longer cycle behind a valid prefix, found in linear time */
	{"metadata: {name: test}\n"
	 "spec:\n"
	 "  flows:\n"
	 "  - {name: root}\n"
	 "  - {name: x, dependsOn: {targets: [root, z]}}\n"
	 "  - {name: y, dependsOn: {targets: [x]}}\n"
	 "  - {name: z, dependsOn: {targets: [y]}}\n"
	 "  - {name: tail, dependsOn: {targets: [z]}}\n",
	 ",",
	 "[{\"message\":\"cycle: x -> z -> y -> x\",\"path\":"
	 "\"spec.flows[1].dependsOn.targets\",\"step\":\"x\"}]"},
	/* 2: expressions: parse, unknown names, types */
	{"metadata: {name: test}\n"
	 "spec:\n"
	 "  params: [{name: gpus, value: 4}]\n"
	 "  flows:\n"
	 "  - {name: a, when: 'params.gpus >='}\n"
	 "  - {name: b, when: 'params.nope == 1'}\n"
	 "  - {name: c, when: '1 + 2'}\n"
	 "  - {name: d, when: \"steps.a.phase == 'Failed' && params.gpus > 2\"}\n"
	 "  - {name: e, retryPolicy: {when: \"lastFailure.reason != "
	 "'Evicted'\"}}\n"
	 "  - {name: f, when: 'lastFailure.reason == \"x\"'}\n",
	 ",",
	 "[{\"message\":\"invalid expression 'params.gpus >=': col 15: "
	 "unexpected end of expression\",\"path\":\"spec.flows[0].when\","
	 "\"step\":\"a\"},{\"message\":\"invalid expression 'params.nope == 1': "
	 "col 7: no member 'nope' in params\",\"path\":\"spec.flows[1].when\","
	 "\"step\":\"b\"},{\"message\":\"invalid expression '1 + 2': col 1: "
	 "expression must be a bool, got int\",\"path\":"
	 "\"spec.flows[2].when\",\"step\":\"c\"},{\"message\":\"invalid "
	 "expression 'lastFailure.reason == \\\"x\\\"': col 1: unknown "
	 "identifier 'lastFailure'\",\"path\":\"spec.flows[5].when\","
	 "\"step\":\"f\"}]"},
	/* 3: patches, checked against the template */
	{"metadata: {name: test}\n"
	 "spec:\n"
	 "  flows:\n"
	 "  - name: a\n"
	 "    patch: {jobSpec: {tasks: [{name: main, template: {spec: "
	 "{containers: [{name: sidecar}]}}}]}}\n"
	 "  - {name: b, patch: {jobSpec: {tasks: x}}}\n"
	 "  - {name: c, patch: {jobSpec: {queue: '{{item}}'}}}\n"
	 "  - {name: d, patch: {spec: {queue: q}}}\n"
	 "  - name: e\n"
	 "    forEach: {items: [1, 2]}\n"
	 "    patch: {jobSpec: {queue: 'q{{item}}', minAvailable: "
	 "'{{index + attempt}}'}}\n",
	 ",",
	 "[{\"message\":\"unknown field 'spec' (the patch goes under "
	 "'jobSpec')\",\"path\":\"spec.flows[3].patch.spec\",\"step\":\"d\"},"
	 "{\"message\":\"tasks[0].template.spec.containers[0]: new container "
	 "'sidecar' has no 'image'\",\"path\":\"spec.flows[0].patch.jobSpec\","
	 "\"step\":\"a\"},{\"message\":\"tasks: expected a list, got string\","
	 "\"path\":\"spec.flows[1].patch.jobSpec\",\"step\":\"b\"},"
	 "{\"message\":\"queue: col 3: unknown identifier 'item'\",\"path\":"
	 "\"spec.flows[2].patch.jobSpec\",\"step\":\"c\"}]"},
	/* 4: names: 63 characters with suffixes, syntax, collisions */
	{"metadata: {name: test}\n"
	 "spec:\n"
	 "  flows:\n"
	 "  - name: a234567890123456789012345678901234567890123456789012345\n"
	 "    retryPolicy: {limit: 10}\n"
	 "  - name: b2345678901234567890123456789012345678901234567890123456\n"
	 "    jobTemplate: t\n"
	 "    forEach: {range: {end: 100}}\n"
	 "  - name: c234567890123456789012345678901234567890123456789012345\n"
	 "    jobTemplate: t\n"
	 "    forEach: {range: {end: 100}}\n"
	 "  - {name: Upper_case}\n"
	 "  - {name: s, forEach: {items: [x, y]}}\n"
	 "  - {name: s-1}\n"
	 "  - {name: s-2}\n"
	 "  - {name: s-0-r1}\n"
	 "  - {name: f}\n"
	 "  - {name: f-r2}\n"
	 "  - {name: f-r02}\n",
	 ",",
	 "[{\"message\":\"job name 'test-a234567890123456789012345678901234567890123456789012345-r10' is 64 characters, the limit is "
	 "63\",\"path\":\"spec.flows[0].name\",\"step\":\"a234567890123456789012345678901234567890123456789012345\"},"
	 "{\"message\":\"job name 'test-b2345678901234567890123456789012345678901234567890123456-99' is 64 characters, the limit is 63\","
	 "\"path\":\"spec.flows[1].name\",\"step\":\"b2345678901234567890123456789012345678901234567890123456\"},"
	 "{\"message\":\"job name 'test-Upper_case' is not a valid DNS-1123 "
	 "subdomain (lowercase letters, digits, '-' and '.')\",\"path\":"
	 "\"spec.flows[3].name\",\"step\":\"Upper_case\"},{\"message\":"
	 "\"job name 'test-s-1' collides with iteration 1 of step 's'\","
	 "\"path\":\"spec.flows[5].name\",\"step\":\"s-1\"},{\"message\":"
	 "\"job name 'test-s-0-r1' collides with iteration 0 attempt 1 of "
	 "step 's'\",\"path\":\"spec.flows[7].name\",\"step\":\"s-0-r1\"},"
	 "{\"message\":\"job name 'test-f-r2' collides with attempt 2 of "
	 "step 'f'\",\"path\":\"spec.flows[9].name\",\"step\":\"f-r2\"}]"},
	/* 5: forEach sources and the cap */
	{"metadata: {name: test}\n"
	 "spec:\n"
	 "  params: [{name: shards, value: [1, 2]}, {name: n, value: 3}]\n"
	 "  flows:\n"
	 "  - {name: a, forEach: {range: {start: 0, end: 1001}}}\n"
	 "  - {name: b, forEach: {param: n}}\n"
	 "  - {name: c, forEach: {param: missing}}\n"
	 "  - {name: d, forEach: {param: shards, items: [1]}}\n"
	 "  - {name: e, forEach: {range: {end: 3, step: 0}}}\n"
	 "  - {name: f, forEach: {items: [1], parallelism: 0, maxFailures: -1}}\n"
	 "  - {name: g, forEach: {range: {start: 10, end: 0, step: -3}}}\n",
	 ",",
	 "[{\"message\":\"forEach has 1001 iterations, the limit is 1000\","
	 "\"path\":\"spec.flows[0].forEach.range\",\"step\":\"a\"},"
	 "{\"message\":\"param 'n' is not a list (got number)\",\"path\":"
	 "\"spec.flows[1].forEach.param\",\"step\":\"b\"},{\"message\":"
	 "\"unknown param 'missing'\",\"path\":\"spec.flows[2].forEach.param\","
	 "\"step\":\"c\"},{\"message\":\"exactly one of items, range or param "
	 "is required\",\"path\":\"spec.flows[3].forEach\",\"step\":\"d\"},"
	 "{\"message\":\"range.step must not be 0\",\"path\":"
	 "\"spec.flows[4].forEach.range.step\",\"step\":\"e\"},{\"message\":"
	 "\"must be >= 1\",\"path\":\"spec.flows[5].forEach.parallelism\","
	 "\"step\":\"f\"},{\"message\":\"must be >= 0\",\"path\":"
	 "\"spec.flows[5].forEach.maxFailures\",\"step\":\"f\"}]"},
	/* 6: switch */
	{"metadata: {name: test}\n"
	 "spec:\n"
	 "  flows:\n"
	 "  - {name: a, switch: [{jobTemplate: a}, {when: 'true'}]}\n"
	 "  - {name: b, switch: [{jobTemplate: b}, {jobTemplate: b}]}\n"
	 "  - {name: c, switch: []}\n"
	 "  - {name: d, switch: [{when: 'true'}], forEach: {items: [1]}}\n"
	 "  - {name: e, switch: [{when: 'true', jobTemplate: big}]}\n",
	 ",big,",
	 "[{\"message\":\"the default case (without 'when') must be the "
	 "last\",\"path\":\"spec.flows[0].switch[0]\",\"step\":\"a\"},"
	 "{\"message\":\"the default case (without 'when') must be the "
	 "last\",\"path\":\"spec.flows[1].switch[0]\",\"step\":\"b\"},"
	 "{\"message\":\"only one default case (without 'when') is allowed\","
	 "\"path\":\"spec.flows[1].switch[1]\",\"step\":\"b\"},{\"message\":"
	 "\"switch needs at least one case\",\"path\":\"spec.flows[2].switch\","
	 "\"step\":\"c\"},{\"message\":\"switch and forEach cannot be combined "
	 "in one step\",\"path\":\"spec.flows[3].forEach\",\"step\":\"d\"},"
	 "{\"message\":\"JobTemplate 'big' not found\",\"path\":"
	 "\"spec.flows[4].switch[0].jobTemplate\",\"step\":\"e\"}]"},
	/* 7: retryPolicy and timeout fields */
	{"metadata: {name: test}\n"
	 "spec:\n"
	 "  retryPolicy: {policy: onfailure}\n"
	 "  flows:\n"
	 "  - name: h\n"
	 "    retryPolicy:\n"
	 "      limit: -1\n"
	 "      backoff: {duration: 10, factor: 0.5, jitter: 2, cap: 1x, "
	 "maxDuration: ''}\n"
	 "    timeout: 0s\n"
	 "    maxRetry: -2\n",
	 ",",
	 "[{\"message\":\"unknown policy 'onfailure' (OnFailure, Always or "
	 "Never)\",\"path\":\"spec.retryPolicy.policy\",\"step\":null},"
	 "{\"message\":\"must be >= 0\",\"path\":\"spec.flows[0].maxRetry\","
	 "\"step\":\"h\"},{\"message\":\"must be between 0 and 10000\",\"path\":"
	 "\"spec.flows[0].retryPolicy.limit\",\"step\":\"h\"},{\"message\":"
	 "\"expected a string, got number\",\"path\":"
	 "\"spec.flows[0].retryPolicy.backoff.duration\",\"step\":\"h\"},"
	 "{\"message\":\"col 2: invalid duration '1x': unknown unit\",\"path\":"
	 "\"spec.flows[0].retryPolicy.backoff.cap\",\"step\":\"h\"},"
	 "{\"message\":\"empty duration\",\"path\":"
	 "\"spec.flows[0].retryPolicy.backoff.maxDuration\",\"step\":\"h\"},"
	 "{\"message\":\"factor must be between 1 and 1000\",\"path\":"
	 "\"spec.flows[0].retryPolicy.backoff.factor\",\"step\":\"h\"},"
	 "{\"message\":\"jitter must be between 0 and 1\",\"path\":"
	 "\"spec.flows[0].retryPolicy.backoff.jitter\",\"step\":\"h\"},"
	 "{\"message\":\"timeout must be positive\",\"path\":"
	 "\"spec.flows[0].timeout\",\"step\":\"h\"}]"},
	/* 8: label values, namespace included; flow-level fields */
	{"metadata: {name: test, namespace: "
	 "n2345678901234567890123456789012345678901234567890123456789}\n"
	 "spec:\n"
	 "  jobRetainPolicy: keep\n"
	 "  params: [{name: p}, {name: p}, {value: 1}]\n"
	 "  flows:\n"
	 "  - {name: a, dependsOn: {policy: Any, probe: {taskStatusList: "
	 "[{taskName: nope, phase: Up}]}, targets: [b]}}\n"
	 "  - {name: b, jobTemplate: t234}\n",
	 ",",
	 "[{\"message\":\"duplicate param 'p'\",\"path\":"
	 "\"spec.params[1].name\",\"step\":null},{\"message\":\"param name is "
	 "required\",\"path\":\"spec.params[2].name\",\"step\":null},"
	 "{\"message\":\"unknown jobRetainPolicy 'keep' (retain or delete)\","
	 "\"path\":\"spec.jobRetainPolicy\",\"step\":null},{\"message\":"
	 "\"unknown policy 'Any' (AllSucceeded or AllDone)\",\"path\":"
	 "\"spec.flows[0].dependsOn.policy\",\"step\":\"a\"},{\"message\":"
	 "\"unknown pod phase 'Up' (Pending, Running, Succeeded, Failed or "
	 "Unknown)\",\"path\":"
	 "\"spec.flows[0].dependsOn.probe.taskStatusList[0].phase\","
	 "\"step\":\"a\"},{\"message\":\"label value 'n2345678901234567890123"
	 "456789012345678901234567890123456789.test' (volcano.sh/"
	 "createdByJobFlow) is 64 characters, the limit is 63\",\"path\":"
	 "\"metadata.name\",\"step\":null},{\"message\":\"label value "
	 "'n2345678901234567890123456789012345678901234567890123456789.t234' "
	 "(volcano.sh/createdByJobTemplate) is 64 characters, the limit is "
	 "63\",\"path\":\"spec.flows[1].jobTemplate\",\"step\":\"b\"},"
	 "{\"message\":\"no target has a task named 'nope'\",\"path\":"
	 "\"spec.flows[0].dependsOn.probe.taskStatusList[0]\",\"step\":"
	 "\"a\"}]"},
	/* 9: missing templates come last, once per use */
	{"metadata: {name: test}\n"
	 "spec:\n"
	 "  flows:\n"
	 "  - {name: a}\n"
	 "  - {name: b, jobTemplate: shared}\n"
	 "  - {name: c, jobTemplate: shared}\n",
	 ",a,shared,",
	 "[{\"message\":\"JobTemplate 'a' not found\",\"path\":"
	 "\"spec.flows[0].name\",\"step\":\"a\"},{\"message\":\"JobTemplate "
	 "'shared' not found\",\"path\":\"spec.flows[1].jobTemplate\",\"step\":"
	 "\"b\"},{\"message\":\"JobTemplate 'shared' not found\",\"path\":"
	 "\"spec.flows[2].jobTemplate\",\"step\":\"c\"}]"},
	/* 10: every feature, valid */
	{"metadata: {name: test}\n"
	 "spec:\n"
	 "  jobRetainPolicy: delete\n"
	 "  params: [{name: gpus, value: 4}, {name: shards, value: [a, b]}]\n"
	 "  retryPolicy: {limit: 2, backoff: {duration: 1s, cap: 1m, jitter: "
	 "0.5}}\n"
	 "  flows:\n"
	 "  - {name: prep, timeout: 1h, maxRetry: 2}\n"
	 "  - name: train\n"
	 "    dependsOn: {targets: [prep]}\n"
	 "    switch:\n"
	 "    - {when: 'params.gpus >= 8', jobTemplate: big}\n"
	 "    - {jobTemplate: small, patch: {jobSpec: {queue: "
	 "'q{{params.gpus}}'}}}\n"
	 "  - name: shard\n"
	 "    dependsOn: {targets: [train], policy: AllDone}\n"
	 "    forEach: {param: shards, parallelism: 1, maxFailures: 1}\n"
	 "    when: \"item != 'b' || steps.train.phase == 'Succeeded'\"\n"
	 "    retryPolicy: {policy: Always, when: \"lastFailure.reason != "
	 "'Evicted' && attempt < 3\"}\n"
	 "    patch: {jobSpec: {queue: '{{item}}-{{index}}-{{attempt}}'}}\n",
	 ",", "[]"},
};

START_TEST(test_validate_table)
{
	cJSON *flow = h_yaml(cases[_i].flow);
	cJSON *tpl = templates_for(flow, cases[_i].missing), *errs;

	if (_i == 10) {
		h_tpl(tpl, "big");
		h_tpl(tpl, "small");
	}
	errs = jf_engine_validate(flow, tpl, NULL);
	ck_assert_str_eq(h_stable(errs), cases[_i].errors);
	cJSON_Delete(errs);
	cJSON_Delete(flow);
	cJSON_Delete(tpl);
}
END_TEST

START_TEST(test_validate_without_templates_skips_existence)
{
	cJSON *flow = h_yaml(cases[9].flow), *errs;

	errs = jf_engine_validate(flow, NULL, NULL);
	ck_assert_str_eq(h_stable(errs), "[]");
	cJSON_Delete(errs);
	errs = jf_engine_validate(NULL, NULL, NULL);
	ck_assert_str_eq(h_stable(errs),
			 "[{\"message\":\"expected a JobFlow object\",\"path\":"
			 "\"\",\"step\":null}]");
	cJSON_Delete(errs);
	cJSON_Delete(flow);
}
END_TEST

START_TEST(test_validate_cap_is_configurable)
{
	struct jf_engine_opts o = {.max_iterations = 3};
	cJSON *flow =
		h_yaml("metadata: {name: test}\n"
		       "spec: {flows: [{name: a, forEach: {items: [1, 2, "
		       "3, 4]}}, {name: b, forEach: {range: {end: 3}}}]}\n");
	cJSON *errs = jf_engine_validate(flow, NULL, &o);

	ck_assert_str_eq(
		h_stable(errs),
		"[{\"message\":\"forEach has 4 iterations, the limit is "
		"3\",\"path\":\"spec.flows[0].forEach.items\","
		"\"step\":\"a\"}]");
	cJSON_Delete(errs);
	cJSON_Delete(flow);
}
END_TEST

START_TEST(test_validate_the_volcano_examples)
{
	char *f = h_read_file("tests/unit/data/engine/volcano-jobflow.yaml");
	char *t =
		h_read_file("tests/unit/data/engine/volcano-jobtemplates.yaml");
	char *seed = h_read_file("tests/unit/data/engine/seed-jobflow.yaml");
	cJSON *flow = h_yaml(f), *tpl = h_templates_yaml(t), *sf = h_yaml(seed);
	cJSON *errs = jf_engine_validate(flow, tpl, NULL);

	ck_assert_str_eq(h_stable(errs), "[]");
	cJSON_Delete(errs);
	errs = jf_engine_validate(sf, tpl, NULL);
	ck_assert_str_eq(h_stable(errs), "[]");
	cJSON_Delete(errs);
	cJSON_Delete(flow);
	cJSON_Delete(tpl);
	cJSON_Delete(sf);
	free(f);
	free(t);
	free(seed);
}
END_TEST

/* --- reconcile of invalid flows ------------------------------------------ */

START_TEST(test_invalid_flow_fails_then_fix_proceeds)
{
	struct sim s;
	cJSON *flows;

	sim_init(&s,
		 "spec:\n"
		 "  flows:\n"
		 "  - {name: a, dependsOn: {targets: [b]}}\n"
		 "  - {name: b, dependsOn: {targets: [a]}}\n",
		 NULL);
	sim_run(&s);
	ck_assert_int_eq(cJSON_GetArraySize(s.plan.creates), 0);
	ck_assert_str_eq(s.plan.phase, "Failed");
	ck_assert_str_eq(h_events(s.plan.events),
			 "Warning InvalidSpec: step 'a': "
			 "spec.flows[0].dependsOn.targets: cycle: a -> b -> a");
	ck_assert_str_eq(
		h_stable(jf_json_at(s.flow, "status.stepConditions")),
		"[{\"lastTransitionTime\":\"2026-08-22T10:01:02Z\",\"message\":"
		"\"step 'a': spec.flows[0].dependsOn.targets: cycle: a -> b -> "
		"a\",\"observedGeneration\":1,\"reason\":\"InvalidSpec\","
		"\"status\":\"False\",\"type\":\"Succeeded\"},{"
		"\"lastTransitionTime\":\"2026-08-22T10:01:02Z\",\"message\":"
		"\"step 'a': spec.flows[0].dependsOn.targets: cycle: a -> b -> "
		"a\",\"observedGeneration\":1,\"reason\":\"InvalidSpec\","
		"\"status\":\"True\",\"type\":\"InvalidSpec\"},{"
		"\"lastTransitionTime\":\"2026-08-22T10:01:02Z\",\"message\":"
		"\"\",\"observedGeneration\":1,\"reason\":\"InvalidSpec\","
		"\"status\":\"False\",\"type\":\"Progressing\"}]");
	sim_replay_is_quiet(&s);
	/* the user fixes the spec: generation 2 */
	s.now += 30 * SEC;
	flows = jf_json_at_mut(s.flow, "spec.flows");
	cJSON_DeleteItemFromObject(cJSON_GetArrayItem(flows, 0), "dependsOn");
	jf_json_set_int(jf_json_obj(s.flow, "metadata"), "generation", 2);
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-a");
	ck_assert_str_eq(s.plan.phase, "Pending");
	ck_assert_str_eq(
		jf_json_str(s.flow, "status.stepConditions[1].reason", ""),
		"Valid");
	ck_assert_str_eq(
		jf_json_str(s.flow,
			    "status.stepConditions[1].lastTransitionTime", ""),
		"2026-08-22T10:01:32Z");
	ck_assert_int_eq(jf_json_int(s.flow, "status.observedGeneration", 0),
			 2);
	ck_assert_int_eq(
		jf_json_int(s.flow,
			    "status.stepConditions[0].observedGeneration", 0),
		2);
	sim_free(&s);
}
END_TEST

/* A missing template holds the whole flow (nothing is created, not even
 * for steps whose templates exist), is reported, and is never dropped:
 * once it appears, the flow proceeds. */
START_TEST(test_missing_template_then_appears)
{
	struct sim s;

	sim_init(
		&s,
		"spec:\n"
		"  flows:\n"
		"  - {name: a}\n"
		"  - {name: b, jobTemplate: shared, dependsOn: {targets: [a]}}\n",
		NULL);
	cJSON_DeleteItemFromObject(s.templates, "shared");
	sim_run(&s);
	ck_assert_int_eq(cJSON_GetArraySize(s.plan.creates), 0);
	ck_assert_str_eq(h_stable(s.plan.missing_templates), "[\"shared\"]");
	ck_assert_str_eq(s.plan.phase, "Pending");
	ck_assert_str_eq(sim_str(&s, "a", "message"),
			 "waiting for JobTemplate 'shared'");
	ck_assert_str_eq(
		jf_json_str(s.flow, "status.stepConditions[2].reason", ""),
		"WaitingForTemplates");
	ck_assert_int_eq(s.plan.requeue_after_ms, -1);
	sim_replay_is_quiet(&s);
	ck_assert_str_eq(h_stable(s.plan.missing_templates), "[\"shared\"]");
	h_tpl(s.templates, "shared");
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-a");
	ck_assert_str_eq(h_stable(s.plan.missing_templates), "[]");
	sim_phase(&s, "test-a", "Completed");
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-b");
	ck_assert_str_eq(jf_json_str(s.plan.creates->child,
				     "metadata.labels[\"volcano.sh/"
				     "createdByJobTemplate\"]",
				     ""),
			 "default.shared");
	ck_assert_str_eq(sim_str(&s, "b", "jobTemplate"), "shared");
	sim_free(&s);
}
END_TEST

static Suite *validate_suite(void)
{
	Suite *s = suite_create("engine_validate");
	TCase *tc;

	tc = tcase_create("validate");
	tcase_add_loop_test(tc, test_validate_table, 0,
			    sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_validate_without_templates_skips_existence);
	tcase_add_test(tc, test_validate_cap_is_configurable);
	tcase_add_test(tc, test_validate_the_volcano_examples);
	suite_add_tcase(s, tc);

	tc = tcase_create("reconcile");
	tcase_add_test(tc, test_invalid_flow_fails_then_fix_proceeds);
	tcase_add_test(tc, test_missing_template_then_appears);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(validate_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
