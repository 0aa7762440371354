/* check_engine_control.c - Check suite for control flow (SPEC §3.5-3.6):
 * when, switch, forEach (parallelism, maxFailures, per-item when, range,
 * param, empty lists, per-iteration retries), manual retry and
 * jobRetainPolicy on failure. */
#include <math.h>

#include "check_engine_harness.h"

static const char *created_str(struct sim *s, int i, const char *path)
{
	return jf_json_str(cJSON_GetArrayItem(s->plan.creates, i), path, "");
}

/* --- when ------------------------------------------------------------------
 */

START_TEST(test_when)
{
	struct sim s;

	sim_init(&s,
		 "spec:\n"
		 "  params: [{name: dataset, value: tiny}, {name: list, value: "
		 "[1]}]\n"
		 "  flows:\n"
		 "  - {name: a, when: \"params.dataset != 'tiny'\"}\n"
		 "  - {name: b, when: \"params.dataset == 'tiny'\"}\n"
		 "  - {name: c, when: 'params.list[3] == 1'}\n"
		 "  - {name: d, dependsOn: {targets: [c]}}\n",
		 NULL);
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-b");
	ck_assert_str_eq(sim_phases(&s), "a=Skipped,b=Pending,c=Failed,"
					 "d=Omitted");
	ck_assert_str_eq(sim_str(&s, "a", "message"),
			 "when 'params.dataset != 'tiny'' is false");
	ck_assert_str_eq(sim_str(&s, "c", "message"),
			 "when 'params.list[3] == 1': col 12: index 3 out of "
			 "range for a list of 1 element");
	ck_assert_str_eq(h_events(s.plan.events),
			 "Normal Created: create a job named test-b!|"
			 "Warning StepFailed: step 'c' failed: when "
			 "'params.list[3] == 1': col 12: index 3 out of range "
			 "for a list of 1 element");
	sim_replay_is_quiet(&s);
	sim_phase(&s, "test-b", "Completed");
	sim_run(&s);
	ck_assert_str_eq(s.plan.phase, "Failed");
	sim_free(&s);
}
END_TEST

/* --- switch ----------------------------------------------------------------
 */

static const char switch_flow[] =
	"spec:\n"
	"  params: [{name: gpus, value: %d}]\n"
	"  flows:\n"
	"  - name: train\n"
	"    patch: {jobSpec: {queue: step, minAvailable: 2}}\n"
	"    switch:\n"
	"    - {when: 'params.gpus >= 8', jobTemplate: train-large}\n"
	"    - when: 'params.gpus >= 2'\n"
	"      jobTemplate: train-medium\n"
	"      patch: {jobSpec: {queue: 'gpu{{params.gpus}}'}}\n"
	"    - {jobTemplate: train-small}\n"
	"  - name: eval\n"
	"    switch:\n"
	"    - {when: 'params.gpus > 100'}\n";

static const struct {
	int gpus;
	const char *tmpl;
	int selected;
	const char *queue;
} switch_cases[] = {
	{8, "train-large", 0, "step"},
	{4, "train-medium", 1, "gpu4"},
	{1, "train-small", 2, "step"},
};

START_TEST(test_switch)
{
	struct sim s;
	cJSON *t = cJSON_CreateObject();
	char flow[1024], label[64];

	h_tpl(t, "train-large");
	h_tpl(t, "train-medium");
	h_tpl(t, "train-small");
	h_tpl(t, "eval");
	snprintf(flow, sizeof(flow), switch_flow, switch_cases[_i].gpus);
	sim_init(&s, flow, t);
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-train");
	snprintf(label, sizeof(label), "default.%s", switch_cases[_i].tmpl);
	ck_assert_str_eq(
		created_str(
			&s, 0,
			"metadata.labels[\"volcano.sh/createdByJobTemplate\"]"),
		label);
	ck_assert_str_eq(created_str(&s, 0,
				     "metadata.annotations[\"volcano.sh/"
				     "createdByJobTemplate\"]"),
			 label);
	/* the case's patch applies on top of the step's */
	ck_assert_str_eq(created_str(&s, 0, "spec.queue"),
			 switch_cases[_i].queue);
	ck_assert_int_eq(
		jf_json_int(s.plan.creates->child, "spec.minAvailable", 0), 2);
	ck_assert_str_eq(sim_str(&s, "train", "jobTemplate"),
			 switch_cases[_i].tmpl);
	ck_assert_int_eq(jf_json_int(sim_step(&s, "train"), "selectedCase", -1),
			 switch_cases[_i].selected);
	/* no case matched, no default: Skipped */
	ck_assert_str_eq(sim_str(&s, "eval", "phase"), "Skipped");
	ck_assert_str_eq(sim_str(&s, "eval", "message"),
			 "no switch case matched");
	ck_assert_ptr_null(jf_json_at(sim_step(&s, "eval"), "selectedCase"));
	/* decided once: a later change of params does not move it */
	jf_json_set_int(jf_json_at_mut(s.flow, "spec.params[0]"), "value",
			_i == 0 ? 1 : 8);
	jf_json_set_int(jf_json_obj(s.flow, "metadata"), "generation", 2);
	sim_del_job(&s, "test-train"); /* even when asked to create again */
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-train");
	ck_assert_str_eq(
		created_str(
			&s, 0,
			"metadata.labels[\"volcano.sh/createdByJobTemplate\"]"),
		label);
	ck_assert_int_eq(jf_json_int(sim_step(&s, "train"), "selectedCase", -1),
			 switch_cases[_i].selected);
	sim_free(&s);
}
END_TEST

/* --- forEach ----------------------------------------------------------------
 */

static void complete_all(struct sim *s, const char *phase)
{
	cJSON *j;

	cJSON_ArrayForEach (j, s->jobs) {
		const char *ph = jf_json_str(j, "status.state.phase", "");

		if (!strcmp(ph, "Pending") || !strcmp(ph, "Running"))
			sim_phase(s, jf_json_str(j, "metadata.name", ""),
				  phase);
	}
}

START_TEST(test_foreach_parallelism_one)
{
	struct sim s;

	sim_init(&s,
		 "spec:\n"
		 "  flows:\n"
		 "  - name: s\n"
		 "    forEach: {items: [{lang: en}, {lang: de}, {lang: fr}], "
		 "parallelism: 1}\n"
		 "    patch: {jobSpec: {queue: '{{item.lang}}-{{index}}'}}\n"
		 "  - {name: after, dependsOn: {targets: [s]}}\n",
		 NULL);
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-s-0");
	ck_assert_str_eq(created_str(&s, 0, "spec.queue"), "en-0");
	ck_assert_str_eq(
		h_stable(jf_json_at(s.plan.creates->child, "metadata.labels")),
		"{\"flow.volcano.sh/attempt\":\"0\",\"flow.volcano.sh/"
		"iteration\":\"0\",\"flow.volcano.sh/step\":\"s\","
		"\"volcano.sh/createdByJobFlow\":\"default.test\","
		"\"volcano.sh/createdByJobTemplate\":\"default.s\"}");
	ck_assert_str_eq(sim_field(&s, "s", "iterations"),
			 "{\"active\":1,\"failed\":0,\"skipped\":0,"
			 "\"succeeded\":0,\"total\":3}");
	sim_replay_is_quiet(&s);
	complete_all(&s, "Completed");
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-s-1");
	ck_assert_str_eq(created_str(&s, 0, "spec.queue"), "de-1");
	complete_all(&s, "Completed");
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-s-2");
	ck_assert_str_eq(sim_phases(&s), "s=Running,after=Waiting");
	complete_all(&s, "Completed");
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-after");
	ck_assert_str_eq(sim_phases(&s), "s=Succeeded,after=Pending");
	ck_assert_str_eq(sim_field(&s, "s", "iterations"),
			 "{\"active\":0,\"failed\":0,\"skipped\":0,"
			 "\"succeeded\":3,\"total\":3}");
	ck_assert_str_eq(sim_field(&s, "s", "iterationStatuses[1]"),
			 "{\"attempts\":1,\"currentJob\":\"test-s-1\","
			 "\"finishTime\":\"2026-08-22T10:01:02Z\",\"index\":1,"
			 "\"phase\":\"Succeeded\",\"startTime\":"
			 "\"2026-08-22T10:01:02Z\"}");
	sim_free(&s);
}
END_TEST

START_TEST(test_foreach_parallelism_two_over_range)
{
	struct sim s;

	sim_init(&s,
		 "spec:\n"
		 "  flows:\n"
		 "  - name: s\n"
		 "    forEach: {range: {start: 10, end: 0, step: -3}, "
		 "parallelism: 2}\n"
		 "    patch: {jobSpec: {minAvailable: '{{item}}'}}\n",
		 NULL);
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-s-0,test-s-1");
	ck_assert_int_eq(
		jf_json_int(s.plan.creates->child, "spec.minAvailable", 0), 10);
	ck_assert_int_eq(jf_json_int(s.plan.creates->child->next,
				     "spec.minAvailable", 0),
			 7);
	sim_phase(&s, "test-s-1", "Completed");
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-s-2");
	sim_phase(&s, "test-s-0", "Completed");
	sim_phase(&s, "test-s-2", "Completed");
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-s-3");
	ck_assert_int_eq(
		jf_json_int(s.plan.creates->child, "spec.minAvailable", 0), 1);
	sim_phase(&s, "test-s-3", "Completed");
	sim_run(&s);
	ck_assert_str_eq(s.plan.phase, "Succeed");
	sim_free(&s);
}
END_TEST

START_TEST(test_foreach_param_all_at_once)
{
	struct sim s;

	sim_init(&s,
		 "spec:\n"
		 "  params: [{name: shards, value: [a, b, c, d]}]\n"
		 "  flows:\n"
		 "  - {name: s, forEach: {param: shards}}\n",
		 NULL);
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates),
			 "test-s-0,test-s-1,test-s-2,test-s-3");
	ck_assert_str_eq(sim_phases(&s), "s=Pending");
	sim_phase(&s, "test-s-2", "Running");
	sim_run(&s);
	ck_assert_str_eq(sim_phases(&s), "s=Running");
	ck_assert_str_eq(h_stable(jf_json_at(s.flow, "status.runningJobs")),
			 "[\"test-s-2\"]");
	sim_free(&s);
}
END_TEST

START_TEST(test_foreach_failures_within_max)
{
	struct sim s;

	sim_init(&s,
		 "spec:\n"
		 "  flows:\n"
		 "  - {name: s, forEach: {items: [1, 2, 3], maxFailures: 1}}\n",
		 NULL);
	sim_run(&s);
	sim_phase(&s, "test-s-1", "Failed");
	sim_run(&s);
	ck_assert_str_eq(sim_phases(&s), "s=Running");
	sim_phase(&s, "test-s-0", "Completed");
	sim_phase(&s, "test-s-2", "Completed");
	sim_run(&s);
	ck_assert_str_eq(sim_phases(&s), "s=Succeeded");
	ck_assert_str_eq(sim_str(&s, "s", "message"),
			 "1 of 3 iterations failed (maxFailures 1)");
	ck_assert_str_eq(sim_field(&s, "s", "lastFailure.job"), "\"test-s-1\"");
	ck_assert_str_eq(s.plan.phase, "Succeed");
	sim_free(&s);
}
END_TEST

/* Over maxFailures the step fails at once: queued iterations are not
 * started, running ones finish, dependents are Omitted; the flow ends
 * when the last running iteration does. */
START_TEST(test_foreach_failures_over_max)
{
	struct sim s;

	sim_init(
		&s,
		"spec:\n"
		"  flows:\n"
		"  - {name: s, forEach: {items: [1, 2, 3, 4], parallelism: 2}}\n"
		"  - {name: after, dependsOn: {targets: [s]}}\n",
		NULL);
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-s-0,test-s-1");
	sim_phase(&s, "test-s-1", "Running");
	sim_phase(&s, "test-s-0", "Failed");
	sim_run(&s);
	ck_assert_int_eq(cJSON_GetArraySize(s.plan.creates), 0);
	ck_assert_str_eq(sim_phases(&s), "s=Failed,after=Omitted");
	ck_assert_str_eq(sim_str(&s, "s", "message"),
			 "1 of 4 iterations failed (maxFailures 0)");
	ck_assert_str_eq(sim_field(&s, "s", "iterations"),
			 "{\"active\":1,\"failed\":1,\"skipped\":0,"
			 "\"succeeded\":0,\"total\":4}");
	ck_assert_str_eq(s.plan.phase, "Running");
	ck_assert_str_eq(
		h_events(s.plan.events),
		"Warning StepFailed: step 's' failed: 1 of 4 iterations "
		"failed (maxFailures 0)");
	sim_phase(&s, "test-s-1", "Completed");
	sim_run(&s);
	ck_assert_int_eq(cJSON_GetArraySize(s.plan.creates), 0);
	ck_assert_str_eq(s.plan.phase, "Failed");
	ck_assert_str_eq(sim_field(&s, "s", "iterations"),
			 "{\"active\":0,\"failed\":1,\"skipped\":0,"
			 "\"succeeded\":1,\"total\":4}");
	ck_assert_str_eq(h_events(s.plan.events),
			 "Warning Failed: jobflow 'test' failed: step 's' "
			 "failed");
	sim_free(&s);
}
END_TEST

START_TEST(test_foreach_empty_and_per_item_when)
{
	struct sim s;

	sim_init(&s,
		 "spec:\n"
		 "  params: [{name: none, value: []}]\n"
		 "  flows:\n"
		 "  - {name: e, forEach: {param: none}}\n"
		 "  - name: odd\n"
		 "    dependsOn: {targets: [e]}\n"
		 "    forEach: {items: [1, 2, 3, 4]}\n"
		 "    when: 'item % 2 == 1'\n"
		 "  - name: never\n"
		 "    forEach: {items: [1]}\n"
		 "    when: 'index > 0'\n",
		 NULL);
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-odd-0,test-odd-2");
	ck_assert_str_eq(sim_phases(&s), "e=Skipped,odd=Pending,never=Skipped");
	ck_assert_str_eq(sim_str(&s, "e", "message"), "forEach has no items");
	ck_assert_str_eq(sim_str(&s, "never", "message"),
			 "every iteration was skipped");
	ck_assert_str_eq(sim_field(&s, "odd", "iterations"),
			 "{\"active\":2,\"failed\":0,\"skipped\":2,"
			 "\"succeeded\":0,\"total\":4}");
	ck_assert_str_eq(sim_field(&s, "odd", "iterationStatuses[1]"),
			 "{\"attempts\":0,\"finishTime\":"
			 "\"2026-08-22T10:01:02Z\",\"index\":1,\"message\":"
			 "\"when 'item % 2 == 1' is false\",\"phase\":"
			 "\"Skipped\"}");
	complete_all(&s, "Completed");
	sim_run(&s);
	ck_assert_str_eq(sim_phases(&s), "e=Skipped,odd=Succeeded,"
					 "never=Skipped");
	ck_assert_str_eq(s.plan.phase, "Succeed");
	sim_free(&s);
}
END_TEST

START_TEST(test_foreach_iteration_retries)
{
	struct sim s;

	sim_init(&s,
		 "spec:\n"
		 "  flows:\n"
		 "  - name: s\n"
		 "    forEach: {items: [a, b]}\n"
		 "    retryPolicy: {limit: 1, backoff: {duration: 5s, jitter: "
		 "0.2}}\n",
		 NULL);
	sim_run(&s);
	sim_phase(&s, "test-s-1", "Failed");
	sim_run(&s);
	ck_assert_str_eq(sim_phases(&s), "s=Pending");
	ck_assert_str_eq(sim_field(&s, "s", "iterationStatuses[1].phase"),
			 "\"Backoff\"");
	{
		/* jitter key: "<step>/<iteration>" */
		double u = jf_jitter_unit("uid-1", "s/1", 1);
		int64_t next =
			T0 + (int64_t)floor(5000 * (1 + 0.2 * (2 * u - 1)));
		char want[256];

		if (next % 1000)
			next += 1000 - next % 1000;
		ck_assert_int_eq(s.plan.requeue_after_ms, next - T0);
		snprintf(want, sizeof(want),
			 "Warning Retrying: step 's' iteration 1 failed (job "
			 "'test-s-1' Failed); retry 1 of 1 at %s",
			 h_time(next));
		ck_assert_str_eq(h_events(s.plan.events), want);
		ck_assert_str_eq(sim_str(&s, "s", "nextRetryTime"),
				 h_time(next));
	}
	s.now += s.plan.requeue_after_ms;
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-s-1-r1");
	ck_assert_str_eq(
		h_stable(jf_json_at(s.plan.creates->child, "metadata.labels")),
		"{\"flow.volcano.sh/attempt\":\"1\",\"flow.volcano.sh/"
		"iteration\":\"1\",\"flow.volcano.sh/step\":\"s\","
		"\"volcano.sh/createdByJobFlow\":\"default.test\","
		"\"volcano.sh/createdByJobTemplate\":\"default.s\"}");
	sim_phase(&s, "test-s-1-r1", "Failed");
	sim_phase(&s, "test-s-0", "Completed");
	sim_run(&s);
	ck_assert_str_eq(sim_phases(&s), "s=Failed");
	ck_assert_str_eq(sim_field(&s, "s", "attempts"), "3");
	ck_assert_str_eq(sim_str(&s, "s", "iterationStatuses[1].message"),
			 "job 'test-s-1-r1' Failed; no retries left (limit 1)");
	sim_free(&s);
}
END_TEST

/* --- manual retry -------------------------------------------------------- */

static void annotate(struct sim *s, const char *req)
{
	cJSON *ann =
		jf_json_obj(jf_json_obj(s->flow, "metadata"), "annotations");

	jf_json_set_str(ann, JF_ANNOTATION_RETRY, req);
}

START_TEST(test_manual_retry)
{
	struct sim s;

	sim_init(&s,
		 "spec:\n"
		 "  flows:\n"
		 "  - {name: a}\n"
		 "  - {name: b, dependsOn: {targets: [a]}}\n"
		 "  - {name: c, dependsOn: {targets: [b]}}\n"
		 "  - {name: d, dependsOn: {targets: [c]}}\n"
		 "  - {name: x}\n",
		 NULL);
	sim_run(&s);
	sim_phase(&s, "test-a", "Completed");
	sim_phase(&s, "test-x", "Completed");
	sim_run(&s);
	sim_phase(&s, "test-b", "Failed");
	sim_run(&s);
	ck_assert_str_eq(sim_phases(&s), "a=Succeeded,b=Failed,c=Omitted,"
					 "d=Omitted,x=Succeeded");
	ck_assert_str_eq(s.plan.phase, "Failed");
	/* jobflowctl retry test */
	s.now += 60 * SEC;
	annotate(&s, "{\"id\": \"r-1\"}");
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-b-r1");
	ck_assert_str_eq(created_str(&s, 0,
				     "metadata.labels[\"flow.volcano.sh/"
				     "attempt\"]"),
			 "1");
	ck_assert_str_eq(sim_phases(&s), "a=Succeeded,b=Pending,c=Waiting,"
					 "d=Waiting,x=Succeeded");
	ck_assert_str_eq(s.plan.phase, "Running");
	ck_assert_str_eq(h_events(s.plan.events),
			 "Normal ManualRetry: retry 'r-1': steps 'b'|"
			 "Normal Created: create a job named test-b-r1!");
	ck_assert_str_eq(h_stable(jf_json_at(s.flow, "status.retry")),
			 "{\"observedId\":\"r-1\",\"steps\":[\"b\"],\"time\":"
			 "\"2026-08-22T10:02:02Z\"}");
	ck_assert_str_eq(sim_field(&s, "b", "jobs"),
			 "[\"test-b\",\"test-b-r1\"]");
	ck_assert_str_eq(sim_field(&s, "b", "firstAttempt"), "1");
	/* honoured exactly once */
	sim_replay_is_quiet(&s);
	sim_phase(&s, "test-b-r1", "Completed");
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-c");
	sim_phase(&s, "test-c", "Completed");
	sim_run(&s);
	sim_phase(&s, "test-d", "Completed");
	sim_run(&s);
	ck_assert_str_eq(s.plan.phase, "Succeed");
	ck_assert_str_eq(h_events(s.plan.events),
			 "Normal Succeeded: jobflow 'test' succeeded");
	/* a new request when nothing failed */
	annotate(&s, "{\"id\": \"r-2\", \"steps\": [\"a\", \"zz\"]}");
	sim_run(&s);
	ck_assert_int_eq(cJSON_GetArraySize(s.plan.creates), 0);
	ck_assert_str_eq(h_events(s.plan.events),
			 "Normal ManualRetry: retry 'r-2': no failed steps to "
			 "retry");
	ck_assert_str_eq(h_stable(jf_json_at(s.flow, "status.retry")),
			 "{\"message\":\"step 'a' is Succeeded; unknown step "
			 "'zz'\",\"observedId\":\"r-2\",\"steps\":[],\"time\":"
			 "\"2026-08-22T10:02:02Z\"}");
	/* a malformed request is reported once */
	annotate(&s, "{\"steps\": 3}");
	sim_run(&s);
	ck_assert_str_eq(
		h_events(s.plan.events),
		"Warning RetryRejected: invalid retry request: 'id' is "
		"required");
	sim_replay_is_quiet(&s);
	ck_assert_str_eq(jf_json_str(s.flow, "status.retry.observedId", ""),
			 "r-2");
	sim_free(&s);
}
END_TEST

/* Retrying only the named step of two failed ones; its budget starts
 * again from the manual retry. */
START_TEST(test_manual_retry_named_step)
{
	struct sim s;

	sim_init(&s,
		 "spec:\n"
		 "  flows:\n"
		 "  - name: a\n"
		 "    retryPolicy: {limit: 1, backoff: {duration: 0s}}\n"
		 "  - {name: b}\n"
		 "  - {name: c, dependsOn: {targets: [a, b]}}\n",
		 NULL);
	sim_run(&s);
	sim_phase(&s, "test-a", "Failed");
	sim_phase(&s, "test-b", "Failed");
	sim_run(&s);
	sim_phase(&s, "test-a-r1", "Failed");
	sim_run(&s);
	ck_assert_str_eq(sim_phases(&s), "a=Failed,b=Failed,c=Omitted");
	annotate(&s, "{\"id\": \"1\", \"steps\": [\"a\"]}");
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-a-r2");
	/* c waits for a again but b stays Failed: c is Omitted again */
	ck_assert_str_eq(sim_phases(&s), "a=Pending,b=Failed,c=Omitted");
	sim_phase(&s, "test-a-r2", "Failed");
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-a-r3");
	sim_phase(&s, "test-a-r3", "Failed");
	sim_run(&s);
	ck_assert_str_eq(sim_str(&s, "a", "message"),
			 "job 'test-a-r3' Failed; no retries left (limit 1)");
	ck_assert_str_eq(s.plan.phase, "Failed");
	sim_free(&s);
}
END_TEST

START_TEST(test_retain_delete_keeps_failed_flows)
{
	struct sim s;

	sim_init(&s,
		 "spec:\n"
		 "  jobRetainPolicy: delete\n"
		 "  flows: [{name: a}]\n",
		 NULL);
	sim_run(&s);
	sim_phase(&s, "test-a", "Failed");
	sim_run(&s);
	ck_assert_str_eq(s.plan.phase, "Failed");
	sim_run(&s);
	ck_assert_int_eq(cJSON_GetArraySize(s.plan.deletes), 0);
	ck_assert_int_eq(cJSON_GetArraySize(s.jobs), 1);
	sim_free(&s);
}
END_TEST

static Suite *control_suite(void)
{
	Suite *s = suite_create("engine_control");
	TCase *tc;

	tc = tcase_create("when_switch");
	tcase_add_test(tc, test_when);
	tcase_add_loop_test(tc, test_switch, 0,
			    sizeof(switch_cases) / sizeof(switch_cases[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("forEach");
	tcase_add_test(tc, test_foreach_parallelism_one);
	tcase_add_test(tc, test_foreach_parallelism_two_over_range);
	tcase_add_test(tc, test_foreach_param_all_at_once);
	tcase_add_test(tc, test_foreach_failures_within_max);
	tcase_add_test(tc, test_foreach_failures_over_max);
	tcase_add_test(tc, test_foreach_empty_and_per_item_when);
	tcase_add_test(tc, test_foreach_iteration_retries);
	suite_add_tcase(s, tc);

	tc = tcase_create("manual_retry");
	tcase_add_test(tc, test_manual_retry);
	tcase_add_test(tc, test_manual_retry_named_step);
	tcase_add_test(tc, test_retain_delete_keeps_failed_flows);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(control_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
