/* check_engine.c - Check suite for the flow engine (common/engine/):
 * Volcano compatibility (upstream's example and the seed's), the diamond
 * DAG in every outcome, dependencies and skip semantics, idempotency,
 * Job vanishing, foreign Jobs, jobRetainPolicy and the small helpers. */
#include "check_engine_harness.h"

/* --- fixtures ------------------------------------------------------------ */

static cJSON *volcano_templates(void)
{
	char *t =
		h_read_file("tests/unit/data/engine/volcano-jobtemplates.yaml");
	cJSON *j = h_templates_yaml(t);

	free(t);
	return j;
}

static void sim_from_file(struct sim *s, const char *rel, cJSON *templates)
{
	char *f = h_read_file(rel);

	sim_init(s, f, templates);
	free(f);
}

/* Upstream's Job for step x of flow "test": a verbatim copy of the
 * example template's spec (§5.4 of volcano-jobflow.md) plus our step and
 * attempt labels; maxRetry when the step sets it. */
static char *upstream_job(const char *step, int max_retry)
{
	char *b = h_buf(), mr[32] = "";

	if (max_retry >= 0)
		snprintf(mr, sizeof(mr), "\"maxRetry\":%d,", max_retry);
	snprintf(
		b, 32768,
		"{\"apiVersion\":\"batch.volcano.sh/v1alpha1\",\"kind\":\"Job\","
		"\"metadata\":{\"annotations\":{\"volcano.sh/createdByJobFlow\":"
		"\"default.test\",\"volcano.sh/createdByJobTemplate\":"
		"\"default.%s\"},\"labels\":{\"flow.volcano.sh/attempt\":\"0\","
		"\"flow.volcano.sh/step\":\"%s\",\"volcano.sh/createdByJobFlow\":"
		"\"default.test\",\"volcano.sh/createdByJobTemplate\":"
		"\"default.%s\"},\"name\":\"test-%s\",\"namespace\":\"default\","
		"\"ownerReferences\":[{\"apiVersion\":\"flow.volcano.sh/v1alpha1\","
		"\"blockOwnerDeletion\":true,\"controller\":true,\"kind\":"
		"\"JobFlow\",\"name\":\"test\",\"uid\":\"uid-1\"}]},"
		"\"spec\":{%s\"minAvailable\":1,\"queue\":\"default\","
		"\"schedulerName\":\"volcano\",\"tasks\":[{\"name\":"
		"\"default-nginx\",\"replicas\":1,\"template\":{\"metadata\":"
		"{\"name\":\"web\"},\"spec\":{\"containers\":[{\"command\":[\"sh\","
		"\"-c\",\"sleep 10s\"],\"image\":\"nginx:1.14.2\","
		"\"imagePullPolicy\":\"IfNotPresent\",\"name\":\"nginx\","
		"\"resources\":{\"requests\":{\"cpu\":\"1\"}}}],\"restartPolicy\":"
		"\"OnFailure\"}}}]}}",
		step, step, step, step, mr);
	return b;
}

static const cJSON *created(struct sim *s, const char *name)
{
	const cJSON *c;

	cJSON_ArrayForEach (c, s->plan.creates) {
		if (strcmp(jf_json_str(c, "metadata.name", ""), name) == 0)
			return c;
	}
	ck_abort_msg("'%s' not created", name);
	return NULL;
}

/* Moves every Job one phase on (Pending -> Running -> Completed, or
 * Failed for the Jobs named in fail), then advances 10 s. */
static void sim_tick(struct sim *s, const char *fail)
{
	cJSON *j;

	cJSON_ArrayForEach (j, s->jobs) {
		const char *name = jf_json_str(j, "metadata.name", "");
		const char *ph = jf_json_str(j, "status.state.phase", "");
		char want[128];

		snprintf(want, sizeof(want), ",%s,", name);
		if (strcmp(ph, "Pending") == 0)
			sim_phase(s, name, "Running");
		else if (strcmp(ph, "Running") == 0)
			sim_phase(s, name,
				  strstr(fail, want) ? "Failed" : "Completed");
	}
	s->now += 10 * SEC;
}

/* --- Volcano's example ------------------------------------------------------
 */

START_TEST(test_volcano_example_runs_like_upstream)
{
	struct sim s;

	sim_from_file(&s, "tests/unit/data/engine/volcano-jobflow.yaml",
		      volcano_templates());
	ck_assert_ptr_nonnull(s.templates);
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-a");
	ck_assert_str_eq(h_stable(created(&s, "test-a")),
			 upstream_job("a", -1));
	ck_assert_str_eq(h_events(s.plan.events),
			 "Normal Created: create a job named test-a!");
	ck_assert_str_eq(s.plan.phase, "Pending");
	ck_assert_str_eq(sim_phases(&s), "a=Pending,b=Waiting,c=Waiting,"
					 "d=Waiting,e=Waiting");
	ck_assert_int_eq(s.plan.requeue_after_ms, -1);
	ck_assert_ptr_null(jf_json_at(s.flow, "status.pendingJobs"));
	sim_replay_is_quiet(&s);
	ck_assert_str_eq(h_stable(jf_json_at(s.flow, "status.pendingJobs")),
			 "[\"test-a\"]");

	/* sim_tick() moves phases at the current time, then adds 10 s */
	sim_tick(&s, ""); /* a Running at 10:01:02 */
	sim_run(&s);
	ck_assert_str_eq(s.plan.phase, "Running");
	ck_assert_int_eq(cJSON_GetArraySize(s.plan.creates), 0);
	ck_assert_str_eq(h_stable(jf_json_at(s.flow, "status.runningJobs")),
			 "[\"test-a\"]");
	sim_tick(&s, ""); /* a Completed */
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-b");
	ck_assert_str_eq(h_stable(created(&s, "test-b")),
			 upstream_job("b", -1));
	sim_tick(&s, "");
	sim_run(&s);
	sim_tick(&s, ""); /* b Completed: c and d together */
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-c,test-d");
	ck_assert_str_eq(h_events(s.plan.events),
			 "Normal Created: create a job named test-c!|"
			 "Normal Created: create a job named test-d!");
	ck_assert_str_eq(h_stable(created(&s, "test-d")),
			 upstream_job("d", -1));
	sim_tick(&s, "");
	sim_run(&s);
	ck_assert_int_eq(cJSON_GetArraySize(s.plan.creates), 0);
	sim_tick(&s, "");
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-e");
	sim_tick(&s, "");
	sim_run(&s);
	sim_tick(&s, "");
	sim_run(&s);
	ck_assert_str_eq(s.plan.phase, "Succeed");
	ck_assert_str_eq(h_events(s.plan.events),
			 "Normal Succeeded: jobflow 'test' succeeded");
	ck_assert_int_eq(cJSON_GetArraySize(s.plan.deletes), 0);
	/* Volcano's lists and the per-job condition map */
	ck_assert_str_eq(h_stable(jf_json_at(s.flow, "status.completedJobs")),
			 "[\"test-a\",\"test-b\",\"test-c\",\"test-d\","
			 "\"test-e\"]");
	ck_assert_ptr_null(jf_json_at(s.flow, "status.runningJobs"));
	ck_assert_str_eq(
		h_stable(jf_json_at(s.flow, "status.conditions[\"test-e\"]")),
		"{\"createTime\":\"2026-08-22T10:02:02Z\",\"phase\":"
		"\"Completed\"}");
	ck_assert_str_eq(
		h_stable(jf_json_at(s.flow, "status.jobStatusList[0]")),
		"{\"endTimestamp\":\"2026-08-22T10:01:12Z\",\"name\":\"test-a\","
		"\"restartCount\":0,\"runningHistories\":[{\"endTimestamp\":"
		"\"2026-08-22T10:01:02Z\",\"startTimestamp\":"
		"\"2026-08-22T10:01:02Z\",\"state\":\"Pending\"},{"
		"\"endTimestamp\":\"2026-08-22T10:01:12Z\",\"startTimestamp\":"
		"\"2026-08-22T10:01:02Z\",\"state\":\"Running\"},{"
		"\"startTimestamp\":\"2026-08-22T10:01:12Z\",\"state\":"
		"\"Completed\"}],\"startTimestamp\":\"2026-08-22T10:01:02Z\","
		"\"state\":\"Completed\"}");
	/* jobRetainPolicy: delete, once Succeed is observed */
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.deletes),
			 "test-a,test-b,test-c,test-d,test-e");
	ck_assert_ptr_null(s.plan.status);
	ck_assert_int_eq(cJSON_GetArraySize(s.jobs), 0);
	/* the Jobs are gone: nothing is re-created; the conditions map
	 * drops them (as upstream's), the lists keep their last state */
	sim_run(&s);
	ck_assert_int_eq(cJSON_GetArraySize(s.plan.creates), 0);
	ck_assert_int_eq(cJSON_GetArraySize(s.plan.deletes), 0);
	ck_assert_int_eq(cJSON_GetArraySize(s.plan.events), 0);
	ck_assert_str_eq(h_stable(s.plan.status_patch),
			 "{\"status\":{\"conditions\":null}}");
	ck_assert_str_eq(h_stable(jf_json_at(s.flow, "status.completedJobs")),
			 "[\"test-a\",\"test-b\",\"test-c\",\"test-d\","
			 "\"test-e\"]");
	ck_assert_str_eq(s.plan.phase, "Succeed");
	sim_replay_is_quiet(&s);
	sim_free(&s);
}
END_TEST

START_TEST(test_seed_example_propagates_max_retry)
{
	struct sim s;

	sim_from_file(&s, "tests/unit/data/engine/seed-jobflow.yaml",
		      volcano_templates());
	sim_run(&s);
	ck_assert_str_eq(h_stable(created(&s, "test-a")),
			 upstream_job("a", -1));
	for (int i = 0; i < 12 && strcmp(s.plan.phase, "Succeed"); i++) {
		sim_tick(&s, "");
		sim_run(&s);
		if (sim_job(&s, "test-b") && cJSON_GetArraySize(s.plan.creates))
			break;
	}
	ck_assert_str_eq(h_stable(created(&s, "test-b")), upstream_job("b", 5));
	sim_tick(&s, "");
	sim_run(&s);
	sim_tick(&s, "");
	sim_run(&s);
	ck_assert_str_eq(h_stable(created(&s, "test-c")), upstream_job("c", 5));
	ck_assert_str_eq(h_stable(created(&s, "test-d")), upstream_job("d", 3));
	sim_tick(&s, "");
	sim_run(&s);
	sim_tick(&s, "");
	sim_run(&s);
	ck_assert_str_eq(h_stable(created(&s, "test-e")), upstream_job("e", 3));
	sim_free(&s);
}
END_TEST

/* --- the diamond in every outcome ---------------------------------------- */

static const char diamond[] = "spec:\n"
			      "  flows:\n"
			      "  - {name: a}\n"
			      "  - {name: b, dependsOn: {targets: [a]}}\n"
			      "  - {name: c, dependsOn: {targets: [b]}}\n"
			      "  - {name: d, dependsOn: {targets: [b]}}\n"
			      "  - {name: e, dependsOn: {targets: [c, d]}}\n";

static const struct {
	const char *fail;
	const char *phases;
	const char *flow;
	const char *events; /* the last plan's */
} diamond_cases[] = {
	{",", "a=Succeeded,b=Succeeded,c=Succeeded,d=Succeeded,e=Succeeded",
	 "Succeed", "Normal Succeeded: jobflow 'test' succeeded"},
	{",test-a,", "a=Failed,b=Omitted,c=Omitted,d=Omitted,e=Omitted",
	 "Failed",
	 "Warning StepFailed: step 'a' failed: job 'test-a' Failed|"
	 "Warning Failed: jobflow 'test' failed: step 'a' failed"},
	{",test-b,", "a=Succeeded,b=Failed,c=Omitted,d=Omitted,e=Omitted",
	 "Failed",
	 "Warning StepFailed: step 'b' failed: job 'test-b' Failed|"
	 "Warning Failed: jobflow 'test' failed: step 'b' failed"},
	{",test-c,", "a=Succeeded,b=Succeeded,c=Failed,d=Succeeded,e=Omitted",
	 "Failed",
	 "Warning StepFailed: step 'c' failed: job 'test-c' Failed|"
	 "Warning Failed: jobflow 'test' failed: step 'c' failed"},
	{",test-d,", "a=Succeeded,b=Succeeded,c=Succeeded,d=Failed,e=Omitted",
	 "Failed",
	 "Warning StepFailed: step 'd' failed: job 'test-d' Failed|"
	 "Warning Failed: jobflow 'test' failed: step 'd' failed"},
	{",test-c,test-d,",
	 "a=Succeeded,b=Succeeded,c=Failed,d=Failed,e=Omitted", "Failed",
	 "Warning StepFailed: step 'c' failed: job 'test-c' Failed|"
	 "Warning StepFailed: step 'd' failed: job 'test-d' Failed|"
	 "Warning Failed: jobflow 'test' failed: steps 'c', 'd' failed"},
	{",test-e,", "a=Succeeded,b=Succeeded,c=Succeeded,d=Succeeded,e=Failed",
	 "Failed",
	 "Warning StepFailed: step 'e' failed: job 'test-e' Failed|"
	 "Warning Failed: jobflow 'test' failed: step 'e' failed"},
};

START_TEST(test_diamond_outcomes)
{
	struct sim s;
	int rounds = 0;

	sim_init(&s, diamond, NULL);
	sim_run(&s);
	while (strcmp(s.plan.phase, "Succeed") &&
	       strcmp(s.plan.phase, "Failed")) {
		ck_assert_int_lt(++rounds, 30);
		sim_tick(&s, diamond_cases[_i].fail);
		sim_run(&s);
	}
	ck_assert_str_eq(sim_phases(&s), diamond_cases[_i].phases);
	ck_assert_str_eq(sim_flow_phase(&s), diamond_cases[_i].flow);
	ck_assert_str_eq(h_events(s.plan.events), diamond_cases[_i].events);
	sim_replay_is_quiet(&s);
	/* failed flows keep their Jobs (jobRetainPolicy is retain) */
	ck_assert_int_eq(cJSON_GetArraySize(s.plan.deletes), 0);
	sim_free(&s);
}
END_TEST

/* A failed branch does not stop its sibling: the flow stays Running until
 * d finishes, e is Omitted at once. */
START_TEST(test_failure_waits_for_siblings)
{
	struct sim s;

	sim_init(&s, diamond, NULL);
	sim_run(&s);
	sim_tick(&s, ",");
	sim_run(&s);
	sim_tick(&s, ",");
	sim_run(&s); /* b created */
	sim_tick(&s, ",");
	sim_run(&s);
	sim_tick(&s, ",");
	sim_run(&s); /* c, d created */
	sim_phase(&s, "test-c", "Failed");
	sim_phase(&s, "test-d", "Running");
	sim_run(&s);
	ck_assert_str_eq(sim_phases(&s), "a=Succeeded,b=Succeeded,c=Failed,"
					 "d=Running,e=Omitted");
	ck_assert_str_eq(s.plan.phase, "Running");
	ck_assert_str_eq(sim_field(&s, "e", "message"),
			 "\"omitted: target 'c' is Failed\"");
	ck_assert_str_eq(h_events(s.plan.events),
			 "Warning StepFailed: step 'c' failed: job 'test-c' "
			 "Failed");
	s.now += SEC;
	sim_phase(&s, "test-d", "Completed");
	sim_run(&s);
	ck_assert_str_eq(s.plan.phase, "Failed");
	ck_assert_str_eq(h_stable(jf_json_at(s.flow, "status.failedJobs")),
			 "[\"test-c\"]");
	sim_free(&s);
}
END_TEST

/* --- dependency policies ------------------------------------------------- */

START_TEST(test_all_done_cleanup_after_failure)
{
	struct sim s;

	sim_init(&s,
		 "spec:\n"
		 "  flows:\n"
		 "  - {name: train}\n"
		 "  - {name: report, dependsOn: {targets: [train]}}\n"
		 "  - name: cleanup\n"
		 "    dependsOn: {targets: [train], policy: AllDone}\n"
		 "  - name: alert\n"
		 "    dependsOn: {targets: [train], policy: AllDone}\n"
		 "    when: \"steps.train.phase == 'Failed'\"\n",
		 NULL);
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-train");
	sim_phase(&s, "test-train", "Failed");
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-cleanup,test-alert");
	ck_assert_str_eq(sim_phases(&s), "train=Failed,report=Omitted,"
					 "cleanup=Pending,alert=Pending");
	ck_assert_str_eq(s.plan.phase, "Running");
	sim_phase(&s, "test-cleanup", "Completed");
	sim_phase(&s, "test-alert", "Completed");
	sim_run(&s);
	ck_assert_str_eq(s.plan.phase, "Failed");
	sim_free(&s);

	/* on success the alert is skipped, the flow succeeds */
	sim_init(&s,
		 "spec:\n"
		 "  flows:\n"
		 "  - {name: train}\n"
		 "  - name: alert\n"
		 "    dependsOn: {targets: [train], policy: AllDone}\n"
		 "    when: \"steps.train.phase == 'Failed'\"\n",
		 NULL);
	sim_run(&s);
	sim_phase(&s, "test-train", "Completed");
	sim_run(&s);
	ck_assert_int_eq(cJSON_GetArraySize(s.plan.creates), 0);
	ck_assert_str_eq(sim_phases(&s), "train=Succeeded,alert=Skipped");
	ck_assert_str_eq(sim_str(&s, "alert", "message"),
			 "when 'steps.train.phase == 'Failed'' is false");
	ck_assert_str_eq(s.plan.phase, "Succeed");
	sim_free(&s);
}
END_TEST

START_TEST(test_skipped_join_and_omitted_chain)
{
	struct sim s;

	/* a skipped branch satisfies AllSucceeded: the join runs */
	sim_init(
		&s,
		"spec:\n"
		"  params: [{name: fast, value: true}]\n"
		"  flows:\n"
		"  - {name: a}\n"
		"  - {name: slow, dependsOn: {targets: [a]}, when: '!params.fast'}\n"
		"  - {name: quick, dependsOn: {targets: [a]}}\n"
		"  - {name: join, dependsOn: {targets: [slow, quick]}}\n",
		NULL);
	sim_run(&s);
	sim_phase(&s, "test-a", "Completed");
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-quick");
	ck_assert_str_eq(sim_phases(&s), "a=Succeeded,slow=Skipped,"
					 "quick=Pending,join=Waiting");
	sim_phase(&s, "test-quick", "Completed");
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-join");
	sim_phase(&s, "test-join", "Completed");
	sim_run(&s);
	ck_assert_str_eq(s.plan.phase, "Succeed");
	sim_free(&s);

	/* omission cascades along a chain, in one reconcile */
	sim_init(&s,
		 "spec:\n"
		 "  flows:\n"
		 "  - {name: a}\n"
		 "  - {name: b, dependsOn: {targets: [a]}}\n"
		 "  - {name: c, dependsOn: {targets: [b]}}\n"
		 "  - {name: d, dependsOn: {targets: [c]}}\n",
		 NULL);
	sim_run(&s);
	sim_phase(&s, "test-a", "Failed");
	sim_run(&s);
	ck_assert_str_eq(sim_phases(&s), "a=Failed,b=Omitted,c=Omitted,"
					 "d=Omitted");
	ck_assert_str_eq(sim_field(&s, "d", "message"),
			 "\"omitted: target 'c' is Omitted\"");
	ck_assert_str_eq(sim_field(&s, "d", "finishTime"),
			 "\"2026-08-22T10:01:02Z\"");
	ck_assert_str_eq(s.plan.phase, "Failed");
	sim_free(&s);
}
END_TEST

/* Workers start once the ps task of the target is Running (probe). */
START_TEST(test_probe_task_status)
{
	struct sim s;
	cJSON *tpl = cJSON_CreateObject(), *tsc;

	cJSON_AddItemToObject(
		tpl, "ps",
		h_json("{\"metadata\":{\"name\":\"ps\"},\"spec\":{\"tasks\":["
		       "{\"name\":\"ps\",\"replicas\":1,\"template\":{}},"
		       "{\"name\":\"chief\",\"replicas\":2,\"template\":{}}]}}"));
	h_tpl(tpl, "worker");
	sim_init(&s,
		 "spec:\n"
		 "  flows:\n"
		 "  - {name: ps}\n"
		 "  - name: worker\n"
		 "    dependsOn:\n"
		 "      targets: [ps]\n"
		 "      probe: {taskStatusList: [{taskName: chief, phase: "
		 "Running}]}\n",
		 tpl);
	sim_run(&s);
	sim_phase(&s, "test-ps", "Running");
	tsc = jf_json_obj(jf_json_obj(sim_job(&s, "test-ps"), "status"),
			  "taskStatusCount");
	jf_json_set(tsc, "chief",
		    h_json("{\"phase\":{\"Running\":1,"
			   "\"Pending\":1}}"));
	sim_run(&s);
	ck_assert_int_eq(cJSON_GetArraySize(s.plan.creates), 0);
	jf_json_set(tsc, "chief", h_json("{\"phase\":{\"Running\":2}}"));
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-worker");
	ck_assert_str_eq(sim_phases(&s), "ps=Running,worker=Pending");
	/* the conditions map carries taskStatusCount as Volcano does */
	ck_assert_str_eq(
		h_stable(jf_json_at(s.flow, "status.conditions[\"test-ps\"]"
					    ".taskStatusCount")),
		"{\"chief\":{\"phase\":{\"Running\":2}}}");
	sim_free(&s);
}
END_TEST

START_TEST(test_probe_http_not_supported_message)
{
	struct sim s;

	sim_init(
		&s,
		"spec:\n"
		"  flows:\n"
		"  - {name: a}\n"
		"  - name: b\n"
		"    dependsOn:\n"
		"      targets: [a]\n"
		"      probe: {httpGetList: [{taskName: a, path: /, port: 80}]}\n",
		NULL);
	sim_run(&s);
	ck_assert_str_eq(sim_field(&s, "b", "message"),
			 "\"dependsOn.probe httpGetList and tcpSocketList are "
			 "not supported yet and are ignored\"");
	sim_phase(&s, "test-a", "Completed");
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-b");
	sim_free(&s);
}
END_TEST

/* --- what the status remembers ------------------------------------------- */

START_TEST(test_vanished_after_success_is_not_recreated)
{
	struct sim s;

	sim_init(&s,
		 "spec:\n"
		 "  flows:\n"
		 "  - {name: a}\n"
		 "  - {name: b, dependsOn: {targets: [a]}}\n",
		 NULL);
	sim_run(&s);
	sim_phase(&s, "test-a", "Completed");
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-b");
	/* ttlSecondsAfterFinished removes a */
	sim_del_job(&s, "test-a");
	s.now += SEC;
	sim_run(&s);
	ck_assert_int_eq(cJSON_GetArraySize(s.plan.creates), 0);
	ck_assert_str_eq(sim_phases(&s), "a=Succeeded,b=Pending");
	/* the deleted Job keeps its last entry, as upstream does */
	ck_assert_str_eq(h_stable(jf_json_at(s.flow, "status.completedJobs")),
			 "[\"test-a\"]");
	ck_assert_ptr_null(jf_json_at(s.flow, "status.conditions[\"test-a\"]"));
	sim_phase(&s, "test-b", "Completed");
	sim_run(&s);
	ck_assert_str_eq(s.plan.phase, "Succeed");
	sim_free(&s);
}
END_TEST

/* A flow upstream Volcano finished (or one on Volcano's CRD, which prunes
 * stepStatuses) is final: its deleted Jobs are not re-created. */
START_TEST(test_upstream_finished_flow_is_final)
{
	static const char *const phases[] = {"Succeed", "Failed"};
	struct sim s;

	for (int i = 0; i < 2; i++) {
		char y[512];

		snprintf(y, sizeof(y),
			 "spec:\n"
			 "  jobRetainPolicy: delete\n"
			 "  flows:\n"
			 "  - {name: a}\n"
			 "  - {name: b, dependsOn: {targets: [a]}}\n"
			 "status:\n"
			 "  state: {phase: %s}\n"
			 "  completedJobs: [test-a, test-b]\n",
			 phases[i]);
		sim_init(&s, y, NULL);
		sim_run(&s);
		ck_assert_int_eq(cJSON_GetArraySize(s.plan.creates), 0);
		ck_assert_str_eq(s.plan.phase, phases[i]);
		ck_assert_str_eq(jf_json_str(s.flow, "status.state.phase", ""),
				 phases[i]);
		/* and it stays so */
		s.now += 60 * SEC;
		sim_run(&s);
		ck_assert_int_eq(cJSON_GetArraySize(s.plan.creates), 0);
		ck_assert_ptr_null(s.plan.status);
		sim_free(&s);
	}
}
END_TEST

/* A Job that disappears while it runs (or is not in the cache yet) is
 * created again under the same name, without a second Created event. */
START_TEST(test_vanished_while_running_is_recreated_quietly)
{
	struct sim s;

	sim_init(&s, "spec: {flows: [{name: a}]}\n", NULL);
	sim_run(&s);
	sim_del_job(&s, "test-a");
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-a");
	ck_assert_int_eq(cJSON_GetArraySize(s.plan.events), 0);
	ck_assert_ptr_null(s.plan.status);
	ck_assert_str_eq(sim_field(&s, "a", "attempts"), "1");
	sim_free(&s);
}
END_TEST

START_TEST(test_foreign_job_is_never_adopted)
{
	struct sim s;
	cJSON *j;

	sim_init(&s,
		 "spec:\n"
		 "  flows:\n"
		 "  - {name: a}\n"
		 "  - {name: b}\n",
		 NULL);
	j = h_json("{\"metadata\":{\"name\":\"test-a\",\"ownerReferences\":["
		   "{\"apiVersion\":\"flow.volcano.sh/v1alpha1\",\"kind\":"
		   "\"JobFlow\",\"name\":\"other\",\"uid\":\"uid-2\","
		   "\"controller\":true}]},\"status\":{\"state\":{\"phase\":"
		   "\"Completed\"}}}");
	cJSON_AddItemToArray(s.jobs, j);
	s.foreign = h_json("{\"test-b\": \"jobs.batch.volcano.sh "
			   "\\\"test-b\\\" already exists\"}");
	sim_run(&s);
	ck_assert_int_eq(cJSON_GetArraySize(s.plan.creates), 0);
	ck_assert_str_eq(sim_phases(&s), "a=Failed,b=Failed");
	ck_assert_str_eq(sim_field(&s, "a", "message"),
			 "\"job 'test-a' already exists and is not owned by "
			 "this JobFlow\"");
	ck_assert_str_eq(s.plan.phase, "Failed");
	/* a foreign Job is not listed in Volcano's lists either */
	ck_assert_ptr_null(jf_json_at(s.flow, "status.completedJobs"));
	sim_replay_is_quiet(&s);
	sim_free(&s);
}
END_TEST

START_TEST(test_empty_flow_succeeds)
{
	struct sim s;

	sim_init(&s, "spec: {flows: []}\n", NULL);
	sim_run(&s);
	ck_assert_str_eq(s.plan.phase, "Succeed");
	ck_assert_str_eq(h_events(s.plan.events),
			 "Normal Succeeded: jobflow 'test' succeeded");
	ck_assert_str_eq(h_stable(s.plan.status_patch),
			 "{\"status\":{\"observedGeneration\":1,\"state\":{"
			 "\"phase\":\"Succeed\"},\"stepConditions\":[{"
			 "\"lastTransitionTime\":\"2026-08-22T10:01:02Z\","
			 "\"message\":\"\",\"observedGeneration\":1,\"reason\":"
			 "\"Succeeded\",\"status\":\"True\",\"type\":"
			 "\"Succeeded\"},{\"lastTransitionTime\":"
			 "\"2026-08-22T10:01:02Z\",\"message\":\"\","
			 "\"observedGeneration\":1,\"reason\":\"Valid\","
			 "\"status\":\"False\",\"type\":\"InvalidSpec\"},{"
			 "\"lastTransitionTime\":\"2026-08-22T10:01:02Z\","
			 "\"message\":\"\",\"observedGeneration\":1,\"reason\":"
			 "\"Succeeded\",\"status\":\"False\",\"type\":"
			 "\"Progressing\"}],\"stepStatuses\":[]}}");
	sim_replay_is_quiet(&s);
	sim_free(&s);
}
END_TEST

/* Condition lastTransitionTime moves only when the status changes. */
START_TEST(test_condition_transition_times)
{
	struct sim s;

	sim_init(&s, "spec: {flows: [{name: a}]}\n", NULL);
	sim_run(&s);
	s.now += 60 * SEC;
	sim_phase(&s, "test-a", "Running");
	sim_run(&s);
	/* Progressing stays True: its time stays; reason changes */
	ck_assert_str_eq(
		h_stable(jf_json_at(s.flow, "status.stepConditions[2]")),
		"{\"lastTransitionTime\":\"2026-08-22T10:01:02Z\",\"message\":"
		"\"\",\"observedGeneration\":1,\"reason\":\"Running\","
		"\"status\":\"True\",\"type\":\"Progressing\"}");
	s.now += 60 * SEC;
	sim_phase(&s, "test-a", "Completed");
	sim_run(&s);
	ck_assert_str_eq(
		h_stable(jf_json_at(s.flow, "status.stepConditions[0]")),
		"{\"lastTransitionTime\":\"2026-08-22T10:03:02Z\",\"message\":"
		"\"\",\"observedGeneration\":1,\"reason\":\"Succeeded\","
		"\"status\":\"True\",\"type\":\"Succeeded\"}");
	ck_assert_str_eq(
		h_stable(jf_json_at(s.flow, "status.stepConditions[2]")),
		"{\"lastTransitionTime\":\"2026-08-22T10:03:02Z\",\"message\":"
		"\"\",\"observedGeneration\":1,\"reason\":\"Succeeded\","
		"\"status\":\"False\",\"type\":\"Progressing\"}");
	sim_free(&s);
}
END_TEST

/* A flow upstream's controller was running: its Jobs have no step or
 * attempt labels and its status has null timestamps (volcano#3234). The
 * engine takes over: the Jobs are recognised by name, nothing is created
 * twice, the nulls are gone. */
START_TEST(test_takeover_from_upstream)
{
	struct sim s;

	sim_init(&s,
		 "spec:\n"
		 "  flows:\n"
		 "  - {name: a}\n"
		 "  - {name: b, dependsOn: {targets: [a]}}\n"
		 "status:\n"
		 "  state: {phase: Running}\n"
		 "  runningJobs: [test-a]\n"
		 "  jobStatusList:\n"
		 "  - name: test-a\n"
		 "    state: Running\n"
		 "    startTimestamp: '2026-08-22T10:00:00Z'\n"
		 "    endTimestamp: null\n"
		 "    restartCount: 0\n"
		 "    runningHistories:\n"
		 "    - {startTimestamp: '2026-08-22T10:00:05Z', endTimestamp: "
		 "null, state: Running}\n",
		 NULL);
	cJSON_AddItemToArray(
		s.jobs,
		h_json("{\"metadata\":{\"name\":\"test-a\",\"labels\":{"
		       "\"volcano.sh/createdByJobFlow\":\"default.test\"},"
		       "\"creationTimestamp\":\"2026-08-22T10:00:00Z\","
		       "\"ownerReferences\":[{\"apiVersion\":"
		       "\"flow.volcano.sh/v1alpha1\",\"kind\":\"JobFlow\","
		       "\"name\":\"test\",\"uid\":\"uid-1\",\"controller\":"
		       "true}]},\"status\":{\"state\":{\"phase\":\"Running\"}}}"));
	sim_run(&s);
	ck_assert_int_eq(cJSON_GetArraySize(s.plan.creates), 0);
	ck_assert_str_eq(sim_phases(&s), "a=Running,b=Waiting");
	ck_assert_str_eq(sim_field(&s, "a", "startTime"),
			 "\"2026-08-22T10:00:00Z\"");
	ck_assert_str_eq(
		h_stable(jf_json_at(s.flow, "status.jobStatusList")),
		"[{\"name\":\"test-a\",\"restartCount\":0,"
		"\"runningHistories\":[{\"startTimestamp\":"
		"\"2026-08-22T10:00:05Z\",\"state\":\"Running\"}],"
		"\"startTimestamp\":\"2026-08-22T10:00:00Z\",\"state\":"
		"\"Running\"}]");
	ck_assert_str_eq(h_stable(jf_json_at(s.plan.status_patch,
					     "status.jobStatusList")),
			 h_stable(jf_json_at(s.flow, "status.jobStatusList")));
	sim_phase(&s, "test-a", "Completed");
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-b");
	sim_free(&s);
}
END_TEST

/* Same inputs, same plan, byte for byte, whatever the order of the Jobs. */
static char *plan_text(const struct jf_plan *p)
{
	cJSON *o = cJSON_CreateObject();
	char *t;

	cJSON_AddItemToObject(o, "creates", jf_json_dup(p->creates));
	cJSON_AddItemToObject(o, "deletes", jf_json_dup(p->deletes));
	cJSON_AddItemToObject(o, "terminates", jf_json_dup(p->terminates));
	cJSON_AddItemToObject(o, "status", jf_json_dup(p->status));
	cJSON_AddItemToObject(o, "patch", jf_json_dup(p->status_patch));
	cJSON_AddItemToObject(o, "events", jf_json_dup(p->events));
	cJSON_AddItemToObject(o, "missing", jf_json_dup(p->missing_templates));
	cJSON_AddNumberToObject(o, "requeue", (double)p->requeue_after_ms);
	t = jf_json_print_stable(o);
	cJSON_Delete(o);
	return t;
}

START_TEST(test_plans_are_deterministic)
{
	struct sim s;
	struct jf_plan a, b;
	struct jf_engine_input in = {0};
	cJSON *rev;
	char *ta, *tb;

	sim_init(&s,
		 "spec:\n"
		 "  params: [{name: shards, value: [a, b, c]}]\n"
		 "  retryPolicy: {backoff: {duration: 5s, jitter: 0.5}}\n"
		 "  flows:\n"
		 "  - {name: a, timeout: 1m}\n"
		 "  - {name: b, forEach: {param: shards}}\n"
		 "  - {name: c, dependsOn: {targets: [a, b]}}\n",
		 NULL);
	sim_run(&s);
	sim_phase(&s, "test-a", "Running");
	sim_phase(&s, "test-b-1", "Failed");
	sim_phase(&s, "test-b-2", "Completed");
	s.now += 3 * SEC;
	in.flow = s.flow;
	in.templates = s.templates;
	in.jobs = s.jobs;
	in.now_ms = s.now;
	ck_assert_int_eq(jf_engine_reconcile(&in, &a, NULL), 0);
	rev = cJSON_CreateArray();
	for (int i = cJSON_GetArraySize(s.jobs) - 1; i >= 0; i--)
		cJSON_AddItemToArray(
			rev, jf_json_dup(cJSON_GetArrayItem(s.jobs, i)));
	in.jobs = rev;
	ck_assert_int_eq(jf_engine_reconcile(&in, &b, NULL), 0);
	ta = plan_text(&a);
	tb = plan_text(&b);
	ck_assert_str_eq(ta, tb);
	ck_assert_int_gt(cJSON_GetArraySize(a.events), 0);
	free(ta);
	free(tb);
	jf_plan_release(&a);
	jf_plan_release(&b);
	cJSON_Delete(rev);
	sim_free(&s);
}
END_TEST

/* --- helpers ------------------------------------------------------------- */

START_TEST(test_job_name)
{
	char b[16];

	ck_assert_int_eq(jf_engine_job_name(b, sizeof(b), "jf", "a", -1, 0), 4);
	ck_assert_str_eq(b, "jf-a");
	ck_assert_int_eq(jf_engine_job_name(b, sizeof(b), "jf", "a", -1, 2), 7);
	ck_assert_str_eq(b, "jf-a-r2");
	ck_assert_int_eq(jf_engine_job_name(b, sizeof(b), "jf", "a", 3, 0), 6);
	ck_assert_str_eq(b, "jf-a-3");
	ck_assert_int_eq(jf_engine_job_name(b, sizeof(b), "jf", "a", 10, 1),
			 10);
	ck_assert_str_eq(b, "jf-a-10-r1");
	/* truncates, still reports the full length */
	ck_assert_int_eq(jf_engine_job_name(b, 8, "flow", "step", 12, 3), 15);
	ck_assert_str_eq(b, "flow-st");
}
END_TEST

START_TEST(test_flow_templates)
{
	cJSON *f = h_yaml("spec:\n"
			  "  flows:\n"
			  "  - {name: a}\n"
			  "  - {name: b, jobTemplate: shared}\n"
			  "  - {name: c, jobTemplate: shared}\n"
			  "  - name: d\n"
			  "    switch:\n"
			  "    - {when: 'true', jobTemplate: big}\n"
			  "    - {jobTemplate: small}\n"
			  "  - name: e\n"
			  "    switch:\n"
			  "    - {when: 'true', jobTemplate: big}\n"
			  "    - {when: 'false'}\n");
	cJSON *names = cJSON_CreateArray();

	cJSON_AddItemToArray(names, cJSON_CreateString("a"));
	ck_assert_int_eq(jf_engine_flow_templates(f, names), 0);
	ck_assert_str_eq(h_stable(names),
			 "[\"a\",\"shared\",\"big\",\"small\",\"e\"]");
	cJSON_Delete(names);
	cJSON_Delete(f);
}
END_TEST

START_TEST(test_template_status)
{
	cJSON *t = h_json("{\"metadata\":{\"name\":\"a\",\"namespace\":"
			  "\"ns1\"}}");
	cJSON *jobs = h_json(
		"[{\"metadata\":{\"name\":\"z-a\",\"namespace\":\"ns1\","
		"\"labels\":{\"volcano.sh/createdByJobTemplate\":\"ns1.a\"}}},"
		"{\"metadata\":{\"name\":\"b-a\",\"namespace\":\"ns1\","
		"\"labels\":{\"volcano.sh/createdByJobTemplate\":\"ns1.a\"}}},"
		"{\"metadata\":{\"name\":\"x\",\"namespace\":\"ns1\","
		"\"labels\":{\"volcano.sh/createdByJobTemplate\":\"ns1.ab\"}}},"
		"{\"metadata\":{\"name\":\"y\",\"namespace\":\"ns2\","
		"\"labels\":{\"volcano.sh/createdByJobTemplate\":\"ns1.a\"}}}]");
	cJSON *st = jf_engine_template_status(t, jobs);

	ck_assert_str_eq(h_stable(st),
			 "{\"jobDependsOnList\":[\"b-a\",\"z-a\"]}");
	cJSON_Delete(st);
	/* the list shrinks to empty (upstream never clears it) */
	st = jf_engine_template_status(t, NULL);
	ck_assert_str_eq(h_stable(st), "{\"jobDependsOnList\":[]}");
	cJSON_Delete(st);
	cJSON_Delete(t);
	cJSON_Delete(jobs);
}
END_TEST

START_TEST(test_reconcile_rejects_non_objects)
{
	struct jf_engine_input in = {0};
	struct jf_plan p;
	struct jf_errmsg e = {{0}};
	cJSON *arr = cJSON_CreateArray();

	in.flow = arr;
	ck_assert_int_eq(jf_engine_reconcile(&in, &p, &e), -JF_EPARSE);
	ck_assert_str_eq(e.msg, "expected a JobFlow object");
	ck_assert_ptr_null(p.creates);
	jf_plan_release(&p);
	cJSON_Delete(arr);
}
END_TEST

static Suite *engine_suite(void)
{
	Suite *s = suite_create("engine");
	TCase *tc;

	tc = tcase_create("volcano");
	tcase_add_test(tc, test_volcano_example_runs_like_upstream);
	tcase_add_test(tc, test_seed_example_propagates_max_retry);
	tcase_add_test(tc, test_empty_flow_succeeds);
	suite_add_tcase(s, tc);

	tc = tcase_create("diamond");
	tcase_add_loop_test(tc, test_diamond_outcomes, 0,
			    sizeof(diamond_cases) / sizeof(diamond_cases[0]));
	tcase_add_test(tc, test_failure_waits_for_siblings);
	suite_add_tcase(s, tc);

	tc = tcase_create("dependencies");
	tcase_add_test(tc, test_all_done_cleanup_after_failure);
	tcase_add_test(tc, test_skipped_join_and_omitted_chain);
	tcase_add_test(tc, test_probe_task_status);
	tcase_add_test(tc, test_probe_http_not_supported_message);
	suite_add_tcase(s, tc);

	tc = tcase_create("observed");
	tcase_add_test(tc, test_vanished_after_success_is_not_recreated);
	tcase_add_test(tc, test_upstream_finished_flow_is_final);
	tcase_add_test(tc, test_vanished_while_running_is_recreated_quietly);
	tcase_add_test(tc, test_foreign_job_is_never_adopted);
	tcase_add_test(tc, test_condition_transition_times);
	tcase_add_test(tc, test_plans_are_deterministic);
	tcase_add_test(tc, test_takeover_from_upstream);
	suite_add_tcase(s, tc);

	tc = tcase_create("helpers");
	tcase_add_test(tc, test_job_name);
	tcase_add_test(tc, test_flow_templates);
	tcase_add_test(tc, test_template_status);
	tcase_add_test(tc, test_reconcile_rejects_non_objects);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(engine_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
