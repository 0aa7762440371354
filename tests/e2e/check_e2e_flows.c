/* check_e2e_flows.c - JobFlows run to completion through the real
 * processes: kubesim (with the Volcano Job simulator) and jobflowd with
 * its workers. Each test applies YAML and asserts on the API state. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"
#include "jf_time.h"
#include "tests/lib/jf_e2e.h"

static struct jf_e2e x;

static void setup(void)
{
	static const char *const ks[] = {"--sim-pending", "50ms",
					 "--sim-duration", "200ms", NULL};

	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(jf_e2e_start(&x, ks), 0);
	ck_assert_int_eq(jf_e2e_apply_file(&x, "tests/e2e/data/templates.yaml",
					   "default"),
			 0);
	ck_assert_int_eq(jf_e2e_jobflowd(&x, 0, NULL), 0);
}

static void teardown(void)
{
	jf_e2e_stop(&x);
}

/* The number of successful creates of Job name, from kubesim's stats
 * (which lists names created more than once). */
static int creates_of(const char *name)
{
	cJSON *st = jf_e2e_kube_stats(&x);
	const cJSON *d;
	int n = 1;

	cJSON_ArrayForEach (d, jf_json_at(st, "duplicate_creates")) {
		if (strcmp(jf_json_str(d, "name", ""), name) == 0)
			n = (int)jf_json_int(d, "count", 1);
	}
	cJSON_Delete(st);
	return n;
}

/* No Volcano Job name was created twice. */
static void assert_no_duplicate_creates(void)
{
	char buf[300];
	const char *dup = jf_e2e_duplicate_job(&x, buf, sizeof(buf));

	ck_assert_msg(dup == NULL, "job created more than once: %s", dup);
}

static const cJSON *step_status(const cJSON *flow, const char *step)
{
	const cJSON *s;

	cJSON_ArrayForEach (s, jf_json_at(flow, "status.stepStatuses")) {
		if (strcmp(jf_json_str(s, "name", ""), step) == 0)
			return s;
	}
	return NULL;
}

START_TEST(test_volcano_example_runs_and_cleans_up)
{
	cJSON *jobs, *flow;

	ck_assert_int_eq(
		jf_e2e_apply_file(&x, "tests/data/volcano/JobTemplate.yaml",
				  "default"),
		0);
	ck_assert_int_eq(jf_e2e_apply_file(&x,
					   "tests/data/volcano/JobFlow.yaml",
					   "default"),
			 0);
	ck_assert_int_eq(
		jf_e2e_wait_phase(&x, "default", "test", "Succeed", 30000), 0);
	flow = jf_e2e_flow(&x, "default", "test");
	/* Volcano's status lists, with its spellings */
	ck_assert_int_eq(
		cJSON_GetArraySize(jf_json_at(flow, "status.completedJobs")),
		5);
	ck_assert_ptr_nonnull(jf_json_at(flow, "status.jobStatusList[4]"));
	ck_assert_int_eq(jf_json_int(flow, "status.observedGeneration", 0), 1);
	cJSON_Delete(flow);
	/* jobRetainPolicy: delete removes every Job once Succeed */
	for (int i = 0; i < 100; i++) {
		jobs = jf_e2e_jobs(&x, "default",
				   "volcano.sh/createdByJobFlow=default.test");
		if (cJSON_GetArraySize(jobs) == 0)
			break;
		cJSON_Delete(jobs);
		jobs = NULL;
		jf_e2e_sleep_ms(100);
	}
	ck_assert_ptr_nonnull(jobs);
	ck_assert_int_eq(cJSON_GetArraySize(jobs), 0);
	cJSON_Delete(jobs);
	/* ... and nothing is re-created afterwards */
	jf_e2e_sleep_ms(1500);
	jobs = jf_e2e_jobs(&x, "default", NULL);
	ck_assert_int_eq(cJSON_GetArraySize(jobs), 0);
	cJSON_Delete(jobs);
	assert_no_duplicate_creates();
}
END_TEST

START_TEST(test_seed_example_propagates_max_retry)
{
	static const struct {
		const char *job;
		int max_retry;
	} want[] = {{"seed-a", 3},
		    {"seed-b", 5},
		    {"seed-c", 5},
		    {"seed-d", 3},
		    {"seed-e", 3}};
	cJSON *jobs;

	ck_assert_int_eq(
		jf_e2e_apply_file(&x, "tests/data/volcano/JobTemplate.yaml",
				  "default"),
		0);
	ck_assert_int_eq(
		jf_e2e_apply_file(&x, "tests/e2e/data/seed.yaml", "default"),
		0);
	ck_assert_int_eq(
		jf_e2e_wait_phase(&x, "default", "seed", "Succeed", 30000), 0);
	jobs = jf_e2e_jobs(&x, "default",
			   "volcano.sh/createdByJobFlow=default.seed");
	ck_assert_int_eq(cJSON_GetArraySize(jobs), 5);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const cJSON *j = jf_e2e_find(jobs, want[i].job);
		char tmpl[64];

		ck_assert_msg(j != NULL, "job %s missing", want[i].job);
		ck_assert_int_eq(jf_json_int(j, "spec.maxRetry", -1),
				 want[i].max_retry);
		/* Volcano's labels, annotations and owner reference */
		snprintf(tmpl, sizeof(tmpl), "default.%s", want[i].job + 5);
		ck_assert_str_eq(jf_json_str(j,
					     "metadata.labels[\"volcano.sh/"
					     "createdByJobTemplate\"]",
					     ""),
				 tmpl);
		ck_assert_str_eq(jf_json_str(j,
					     "metadata.annotations[\"volcano."
					     "sh/createdByJobFlow\"]",
					     ""),
				 "default.seed");
		ck_assert_str_eq(jf_json_str(j,
					     "metadata.labels[\"flow.volcano."
					     "sh/attempt\"]",
					     ""),
				 "0");
		ck_assert_str_eq(
			jf_json_str(j, "metadata.ownerReferences[0].kind", ""),
			"JobFlow");
		ck_assert(jf_json_bool(
			j, "metadata.ownerReferences[0].controller", false));
		ck_assert(jf_json_bool(j,
				       "metadata.ownerReferences[0]."
				       "blockOwnerDeletion",
				       false));
		/* the template's spec, copied */
		ck_assert_str_eq(jf_json_str(j,
					     "spec.tasks[0].template.spec."
					     "containers[0].image",
					     ""),
				 "nginx:1.14.2");
	}
	cJSON_Delete(jobs);
	assert_no_duplicate_creates();
}
END_TEST

START_TEST(test_patch_is_applied_to_a_copy)
{
	cJSON *jobs, *tmpl = NULL;
	const cJSON *j, *env;

	ck_assert_int_eq(jf_e2e_apply_file(&x, "tests/e2e/data/features.yaml",
					   "default"),
			 0);
	ck_assert_int_eq(
		jf_e2e_wait_phase(&x, "default", "patched", "Succeed", 30000),
		0);
	jobs = jf_e2e_jobs(&x, "default",
			   "volcano.sh/createdByJobFlow=default.patched");
	j = jf_e2e_find(jobs, "patched-train");
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(jf_json_str(j, "spec.queue", ""), "gpu");
	ck_assert_int_eq(jf_json_int(j, "spec.tasks[0].replicas", 0), 2);
	ck_assert_str_eq(jf_json_str(j,
				     "spec.tasks[0].template.spec."
				     "containers[0].image",
				     ""),
			 "trainer:cuda");
	env = jf_json_at(j, "spec.tasks[0].template.spec.containers[0].env");
	ck_assert_int_eq(cJSON_GetArraySize(env), 2);
	ck_assert_str_eq(jf_json_str(env, "[0].name", ""), "MODE");
	ck_assert_str_eq(jf_json_str(env, "[0].value", ""), "cuda");
	ck_assert_str_eq(jf_json_str(env, "[1].name", ""), "EXTRA");
	ck_assert_str_eq(jf_json_str(env, "[1].value", ""), "yes");
	ck_assert_str_eq(jf_json_str(j,
				     "spec.tasks[0].template.spec."
				     "tolerations[0].key",
				     ""),
			 "nvidia.com/gpu");
	/* untouched template fields survive */
	ck_assert_str_eq(jf_json_str(j,
				     "spec.tasks[0].template.spec."
				     "restartPolicy",
				     ""),
			 "OnFailure");
	ck_assert_str_eq(jf_json_str(j,
				     "metadata.labels[\"volcano.sh/"
				     "createdByJobTemplate\"]",
				     ""),
			 "default.quick");
	/* the shared template is never modified */
	ck_assert_int_eq(
		jf_test_req(&x.kube, "GET",
			    "/apis/flow.volcano.sh/v1alpha1/namespaces/"
			    "default/jobtemplates/quick",
			    NULL, NULL, &tmpl),
		200);
	ck_assert_str_eq(jf_json_str(tmpl,
				     "spec.tasks[0].template.spec."
				     "containers[0].image",
				     ""),
			 "busybox:1.36");
	ck_assert_str_eq(jf_json_str(tmpl, "spec.queue", ""), "default");
	cJSON_Delete(tmpl);
	cJSON_Delete(jobs);
}
END_TEST

/* The ms timestamps kubesim recorded for a Job: created, and the time
 * its status last became phase. */
static int64_t timeline(const cJSON *tl, const char *job, const char *phase)
{
	const cJSON *o, *p;

	cJSON_ArrayForEach (o, jf_json_at(tl, "items")) {
		if (strcmp(jf_json_str(o, "name", ""), job) != 0)
			continue;
		if (!phase)
			return jf_json_int(o, "created_ms", -1);
		cJSON_ArrayForEach (p, jf_json_at(o, "phases")) {
			if (strcmp(jf_json_str(p, "phase", ""), phase) == 0)
				return jf_json_int(p, "ms", -1);
		}
	}
	return -1;
}

START_TEST(test_retry_with_backoff_succeeds_on_attempt_two)
{
	cJSON *flow, *tl = NULL;
	const cJSON *st;
	int64_t f0, c1, f1, c2;

	ck_assert_int_eq(jf_e2e_apply_file(&x, "tests/e2e/data/features.yaml",
					   "default"),
			 0);
	ck_assert_int_eq(
		jf_e2e_wait_phase(&x, "default", "flaky", "Succeed", 30000), 0);
	flow = jf_e2e_flow(&x, "default", "flaky");
	st = step_status(flow, "fetch");
	ck_assert_ptr_nonnull(st);
	ck_assert_str_eq(jf_json_str(st, "phase", ""), "Succeeded");
	ck_assert_int_eq(jf_json_int(st, "attempts", 0), 3);
	ck_assert_str_eq(jf_json_str(st, "currentJob", ""), "flaky-fetch-r2");
	ck_assert_str_eq(jf_json_str(st, "lastFailure.job", ""),
			 "flaky-fetch-r1");
	ck_assert_int_eq(
		cJSON_GetArraySize(jf_json_at(flow, "status.failedJobs")), 2);
	/* delays: 1 s before attempt 1, 2 s before attempt 2, counted from
	 * the failed attempt's finish (tolerance: scheduling + 1 s of the
	 * status's second-resolution timestamps) */
	ck_assert_int_eq(jf_test_req(&x.kube, "GET",
				     "/kubesim/timeline?resource=jobs", NULL,
				     NULL, &tl),
			 200);
	f0 = timeline(tl, "flaky-fetch", "Failed");
	c1 = timeline(tl, "flaky-fetch-r1", NULL);
	f1 = timeline(tl, "flaky-fetch-r1", "Failed");
	c2 = timeline(tl, "flaky-fetch-r2", NULL);
	ck_assert_msg(f0 > 0 && c1 > 0 && f1 > 0 && c2 > 0,
		      "timeline incomplete");
	ck_assert_msg(c1 - f0 >= 0 && c1 - f0 <= 2600,
		      "attempt 1 started %lld ms after attempt 0 failed",
		      (long long)(c1 - f0));
	ck_assert_msg(c2 - f1 >= 1000 && c2 - f1 <= 3600,
		      "attempt 2 started %lld ms after attempt 1 failed",
		      (long long)(c2 - f1));
	ck_assert_msg(c2 - f1 > c1 - f0, "backoff did not grow");
	cJSON_Delete(tl);
	cJSON_Delete(flow);
	assert_no_duplicate_creates();
}
END_TEST

START_TEST(test_when_and_switch)
{
	cJSON *flow, *jobs;
	const cJSON *st, *j;

	ck_assert_int_eq(jf_e2e_apply_file(&x, "tests/e2e/data/features.yaml",
					   "default"),
			 0);
	ck_assert_int_eq(
		jf_e2e_wait_phase(&x, "default", "branches", "Succeed", 30000),
		0);
	flow = jf_e2e_flow(&x, "default", "branches");
	st = step_status(flow, "optional");
	ck_assert_str_eq(jf_json_str(st, "phase", ""), "Skipped");
	st = step_status(flow, "train");
	ck_assert_str_eq(jf_json_str(st, "phase", ""), "Succeeded");
	ck_assert_int_eq(jf_json_int(st, "selectedCase", -1), 1);
	ck_assert_str_eq(jf_json_str(st, "jobTemplate", ""), "quick");
	/* a Skipped target satisfies the join */
	ck_assert_str_eq(jf_json_str(step_status(flow, "join"), "phase", ""),
			 "Succeeded");
	jobs = jf_e2e_jobs(&x, "default",
			   "volcano.sh/createdByJobFlow=default.branches");
	ck_assert_ptr_null(jf_e2e_find(jobs, "branches-optional"));
	j = jf_e2e_find(jobs, "branches-train");
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(jf_json_str(j,
				     "spec.tasks[0].template.spec."
				     "containers[0].env[1].name",
				     ""),
			 "SIZE");
	ck_assert_str_eq(jf_json_str(j,
				     "spec.tasks[0].template.spec."
				     "containers[0].env[1].value",
				     ""),
			 "3");
	ck_assert_int_eq(cJSON_GetArraySize(jobs), 3);
	cJSON_Delete(jobs);
	cJSON_Delete(flow);
}
END_TEST

START_TEST(test_for_each_with_parallelism)
{
	cJSON *flow, *jobs, *tl = NULL;
	const cJSON *st;
	int64_t start[4], end[4];

	ck_assert_int_eq(jf_e2e_apply_file(&x, "tests/e2e/data/features.yaml",
					   "default"),
			 0);
	ck_assert_int_eq(
		jf_e2e_wait_phase(&x, "default", "shards", "Succeed", 30000),
		0);
	flow = jf_e2e_flow(&x, "default", "shards");
	st = step_status(flow, "shard");
	ck_assert_int_eq(jf_json_int(st, "iterations.total", 0), 4);
	ck_assert_int_eq(jf_json_int(st, "iterations.succeeded", 0), 4);
	jobs = jf_e2e_jobs(&x, "default",
			   "volcano.sh/createdByJobFlow=default.shards");
	ck_assert_int_eq(cJSON_GetArraySize(jobs), 5);
	for (int i = 0; i < 4; i++) {
		static const char *const lang[] = {"en", "de", "fr", "es"};
		char name[32], idx[4];
		const cJSON *j;

		snprintf(name, sizeof(name), "shards-shard-%d", i);
		snprintf(idx, sizeof(idx), "%d", i);
		j = jf_e2e_find(jobs, name);
		ck_assert_msg(j != NULL, "%s missing", name);
		ck_assert_str_eq(jf_json_str(j,
					     "metadata.labels[\"flow.volcano."
					     "sh/iteration\"]",
					     ""),
				 idx);
		ck_assert_str_eq(jf_json_str(j,
					     "spec.tasks[0].template.spec."
					     "containers[0].env[1].value",
					     ""),
				 lang[i]);
	}
	/* never more than two iterations at once */
	ck_assert_int_eq(jf_test_req(&x.kube, "GET",
				     "/kubesim/timeline?resource=jobs", NULL,
				     NULL, &tl),
			 200);
	for (int i = 0; i < 4; i++) {
		char name[32];

		snprintf(name, sizeof(name), "shards-shard-%d", i);
		start[i] = timeline(tl, name, NULL);
		end[i] = timeline(tl, name, "Completed");
		ck_assert(start[i] > 0 && end[i] >= start[i]);
	}
	for (int i = 0; i < 4; i++) {
		int overlap = 0;

		for (int k = 0; k < 4; k++)
			overlap += start[k] <= start[i] && end[k] > start[i];
		ck_assert_msg(overlap <= 2, "%d iterations overlap", overlap);
	}
	ck_assert_str_eq(jf_json_str(step_status(flow, "merge"), "phase", ""),
			 "Succeeded");
	cJSON_Delete(tl);
	cJSON_Delete(jobs);
	cJSON_Delete(flow);
}
END_TEST

START_TEST(test_all_done_cleanup_after_failure)
{
	cJSON *flow, *jobs;

	ck_assert_int_eq(jf_e2e_apply_file(&x, "tests/e2e/data/features.yaml",
					   "default"),
			 0);
	ck_assert_int_eq(
		jf_e2e_wait_phase(&x, "default", "cleanup", "Failed", 30000),
		0);
	flow = jf_e2e_flow(&x, "default", "cleanup");
	ck_assert_str_eq(jf_json_str(step_status(flow, "train"), "phase", ""),
			 "Failed");
	ck_assert_str_eq(jf_json_str(step_status(flow, "report"), "phase", ""),
			 "Omitted");
	ck_assert_str_eq(jf_json_str(step_status(flow, "clean"), "phase", ""),
			 "Succeeded");
	jobs = jf_e2e_jobs(&x, "default",
			   "volcano.sh/createdByJobFlow=default.cleanup");
	ck_assert_ptr_nonnull(jf_e2e_find(jobs, "cleanup-clean"));
	ck_assert_ptr_null(jf_e2e_find(jobs, "cleanup-report"));
	cJSON_Delete(jobs);
	cJSON_Delete(flow);
}
END_TEST

/* dependsOn.probe: b starts while its target a is still Running, once
 * a's task "main" has its pod Running (the supervisor's Job cache must keep
 * each task's name and replicas for that). */
START_TEST(test_probe_starts_the_dependent_while_the_target_runs)
{
	static const char yaml[] =
		"apiVersion: flow.volcano.sh/v1alpha1\n"
		"kind: JobTemplate\n"
		"metadata: {name: slow}\n"
		"spec:\n"
		"  tasks:\n"
		"    - name: main\n"
		"      replicas: 1\n"
		"      template:\n"
		"        metadata: {annotations: {kubesim.volcano.sh/duration: 3s}}\n"
		"        spec:\n"
		"          restartPolicy: Never\n"
		"          containers: [{name: main, image: busybox}]\n"
		"---\n"
		"apiVersion: flow.volcano.sh/v1alpha1\n"
		"kind: JobFlow\n"
		"metadata: {name: probed}\n"
		"spec:\n"
		"  flows:\n"
		"    - {name: a, jobTemplate: slow}\n"
		"    - name: b\n"
		"      jobTemplate: slow\n"
		"      dependsOn:\n"
		"        targets: [a]\n"
		"        probe: {taskStatusList: [{taskName: main, phase: Running}]}\n";
	cJSON *tl = NULL;
	int64_t a_done, b_created;

	ck_assert_int_eq(jf_e2e_apply_yaml(&x, yaml, "default"), 0);
	ck_assert_int_eq(
		jf_e2e_wait_phase(&x, "default", "probed", "Succeed", 30000),
		0);
	ck_assert_int_eq(jf_test_req(&x.kube, "GET",
				     "/kubesim/timeline?resource=jobs", NULL,
				     NULL, &tl),
			 200);
	a_done = timeline(tl, "probed-a", "Completed");
	b_created = timeline(tl, "probed-b", NULL);
	ck_assert_msg(a_done > 0 && b_created > 0, "timeline incomplete");
	ck_assert_msg(b_created < a_done,
		      "b was created %lld ms after a completed: the probe did "
		      "not fire while a was running",
		      (long long)(b_created - a_done));
	cJSON_Delete(tl);
}
END_TEST

START_TEST(test_invalid_flow_gets_condition_and_event)
{
	const cJSON *c, *ev;
	cJSON *flow, *jobs, *events = NULL;
	bool found = false;

	ck_assert_int_eq(
		jf_e2e_apply_file(&x, "tests/e2e/data/invalid.yaml", "default"),
		0);
	ck_assert_int_eq(
		jf_e2e_wait_phase(&x, "default", "cyclic", "Failed", 15000), 0);
	flow = jf_e2e_flow(&x, "default", "cyclic");
	cJSON_ArrayForEach (c, jf_json_at(flow, "status.stepConditions")) {
		if (strcmp(jf_json_str(c, "type", ""), "InvalidSpec") != 0)
			continue;
		ck_assert_str_eq(jf_json_str(c, "status", ""), "True");
		ck_assert_msg(strstr(jf_json_str(c, "message", ""), "cycle"),
			      "message: %s", jf_json_str(c, "message", ""));
		found = true;
	}
	ck_assert(found);
	jobs = jf_e2e_jobs(&x, "default",
			   "volcano.sh/createdByJobFlow=default.cyclic");
	ck_assert_int_eq(cJSON_GetArraySize(jobs), 0);
	ck_assert_int_eq(jf_test_req(&x.kube, "GET",
				     "/api/v1/namespaces/default/events", NULL,
				     NULL, &events),
			 200);
	found = false;
	cJSON_ArrayForEach (ev, jf_json_at(events, "items")) {
		if (strcmp(jf_json_str(ev, "reason", ""), "InvalidSpec") == 0 &&
		    strcmp(jf_json_str(ev, "involvedObject.name", ""),
			   "cyclic") == 0) {
			ck_assert_str_eq(jf_json_str(ev, "type", ""),
					 "Warning");
			found = true;
		}
	}
	ck_assert_msg(found, "no InvalidSpec event");
	cJSON_Delete(events);
	cJSON_Delete(jobs);
	cJSON_Delete(flow);
}
END_TEST

START_TEST(test_template_created_later_unblocks_the_flow)
{
	static const char tmpl[] =
		"apiVersion: flow.volcano.sh/v1alpha1\n"
		"kind: JobTemplate\n"
		"metadata: {name: arrives-later}\n"
		"spec:\n"
		"  minAvailable: 1\n"
		"  tasks:\n"
		"    - name: main\n"
		"      replicas: 1\n"
		"      template:\n"
		"        spec:\n"
		"          containers: [{name: main, image: busybox:1.36}]\n";
	cJSON *flow, *jobs;

	ck_assert_int_eq(
		jf_e2e_apply_file(&x, "tests/e2e/data/late.yaml", "default"),
		0);
	/* SPEC 3.7: nothing is created while a template is missing; the
	 * flow waits (not Failed) and says which template */
	jf_e2e_sleep_ms(1500);
	flow = jf_e2e_flow(&x, "default", "late");
	ck_assert_ptr_nonnull(flow);
	ck_assert_str_ne(jf_json_str(flow, "status.state.phase", ""), "Failed");
	ck_assert_str_ne(jf_json_str(flow, "status.state.phase", ""),
			 "Succeed");
	{
		char *st = jf_json_print(jf_json_at(flow, "status"));

		ck_assert_msg(st && strstr(st, "arrives-later"),
			      "status does not name the missing template: %s",
			      st ? st : "");
		free(st);
	}
	jobs = jf_e2e_jobs(&x, "default",
			   "volcano.sh/createdByJobFlow=default.late");
	ck_assert_int_eq(cJSON_GetArraySize(jobs), 0);
	cJSON_Delete(jobs);
	cJSON_Delete(flow);
	/* the template's arrival alone wakes the flow (no polling) */
	ck_assert_int_eq(jf_e2e_apply_yaml(&x, tmpl, "default"), 0);
	ck_assert_int_eq(
		jf_e2e_wait_phase(&x, "default", "late", "Succeed", 15000), 0);
	ck_assert_int_eq(creates_of("late-second"), 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("e2e_flows");
	TCase *tc = tcase_create("flows");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_volcano_example_runs_and_cleans_up);
	tcase_add_test(tc, test_seed_example_propagates_max_retry);
	tcase_add_test(tc, test_patch_is_applied_to_a_copy);
	tcase_add_test(tc, test_retry_with_backoff_succeeds_on_attempt_two);
	tcase_add_test(tc, test_when_and_switch);
	tcase_add_test(tc, test_for_each_with_parallelism);
	tcase_add_test(tc, test_all_done_cleanup_after_failure);
	tcase_add_test(tc,
		       test_probe_starts_the_dependent_while_the_target_runs);
	tcase_add_test(tc, test_invalid_flow_gets_condition_and_event);
	tcase_add_test(tc, test_template_created_later_unblocks_the_flow);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
