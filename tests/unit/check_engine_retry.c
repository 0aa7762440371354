/* check_engine_retry.c - Check suite for step retries (SPEC §3.3): each
 * policy, backoff timing with factor, cap and jitter, maxDuration,
 * exhaustion, retryPolicy.when, timeouts, rejected creates, attempt
 * naming and {{attempt}} in patches. */
#include <math.h>

#include "check_engine_harness.h"

/* Fails the Job at the current time with an optional Volcano reason. */
static void fail_job(struct sim *s, const char *name, const char *phase,
		     const char *reason)
{
	sim_phase(s, name, phase);
	if (reason)
		jf_json_set_str(
			jf_json_at_mut(sim_job(s, name), "status.state"),
			"reason", reason);
}

START_TEST(test_on_failure_backoff_and_exhaustion)
{
	struct sim s;

	sim_init(&s,
		 "spec:\n"
		 "  flows:\n"
		 "  - name: a\n"
		 "    retryPolicy: {limit: 2, backoff: {duration: 10s, factor: "
		 "2}}\n",
		 NULL);
	sim_run(&s);
	s.now = T0 + 5 * SEC;
	fail_job(&s, "test-a", "Failed", NULL);
	sim_run(&s);
	ck_assert_int_eq(cJSON_GetArraySize(s.plan.creates), 0);
	ck_assert_str_eq(sim_phases(&s), "a=Backoff");
	ck_assert_str_eq(s.plan.phase, "Running");
	ck_assert_int_eq(s.plan.requeue_after_ms, 10 * SEC);
	ck_assert_str_eq(h_events(s.plan.events),
			 "Warning Retrying: step 'a' failed (job 'test-a' "
			 "Failed); retry 1 of 2 at 2026-08-22T10:01:17Z");
	ck_assert_str_eq(sim_str(&s, "a", "nextRetryTime"),
			 "2026-08-22T10:01:17Z");
	ck_assert_str_eq(sim_field(&s, "a", "lastFailure"),
			 "{\"job\":\"test-a\",\"phase\":\"Failed\",\"reason\":"
			 "\"Failed\",\"time\":\"2026-08-22T10:01:07Z\"}");
	ck_assert_str_eq(sim_str(&s, "a", "message"),
			 "job 'test-a' Failed; retry 1 of 2 at "
			 "2026-08-22T10:01:17Z");
	/* the whole step status */
	ck_assert_str_eq(
		h_stable(sim_step(&s, "a")),
		"{\"attempts\":1,\"currentJob\":\"test-a\",\"firstFailureTime\":"
		"\"2026-08-22T10:01:07Z\",\"jobTemplate\":\"a\",\"jobs\":"
		"[\"test-a\"],\"lastFailure\":{\"job\":\"test-a\",\"phase\":"
		"\"Failed\",\"reason\":\"Failed\",\"time\":"
		"\"2026-08-22T10:01:07Z\"},\"message\":\"job 'test-a' Failed; "
		"retry 1 of 2 at 2026-08-22T10:01:17Z\",\"name\":\"a\","
		"\"nextRetryTime\":\"2026-08-22T10:01:17Z\",\"phase\":"
		"\"Backoff\",\"startTime\":\"2026-08-22T10:01:02Z\"}");
	/* waiting is a requeue, not a change */
	s.now = T0 + 10 * SEC;
	sim_run(&s);
	ck_assert_ptr_null(s.plan.status);
	ck_assert_int_eq(cJSON_GetArraySize(s.plan.events), 0);
	ck_assert_int_eq(s.plan.requeue_after_ms, 5 * SEC);
	s.now = T0 + 15 * SEC;
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-a-r1");
	ck_assert_str_eq(
		h_stable(jf_json_at(s.plan.creates->child, "metadata.labels")),
		"{\"flow.volcano.sh/attempt\":\"1\",\"flow.volcano.sh/step\":"
		"\"a\",\"volcano.sh/createdByJobFlow\":\"default.test\","
		"\"volcano.sh/createdByJobTemplate\":\"default.a\"}");
	ck_assert_str_eq(h_events(s.plan.events),
			 "Normal Created: create a job named test-a-r1!");
	ck_assert_str_eq(sim_phases(&s), "a=Pending");
	ck_assert_str_eq(sim_field(&s, "a", "jobs"),
			 "[\"test-a\",\"test-a-r1\"]");
	ck_assert_str_eq(sim_field(&s, "a", "attempts"), "2");
	ck_assert_str_eq(sim_field(&s, "a", "nextRetryTime"), "(null)");
	ck_assert_int_eq(s.plan.requeue_after_ms, -1);
	/* the second retry waits 10 s x 2 */
	s.now = T0 + 20 * SEC;
	fail_job(&s, "test-a-r1", "Failed", NULL);
	sim_run(&s);
	ck_assert_str_eq(sim_str(&s, "a", "nextRetryTime"),
			 "2026-08-22T10:01:42Z");
	ck_assert_str_eq(sim_str(&s, "a", "firstFailureTime"),
			 "2026-08-22T10:01:07Z");
	s.now = T0 + 40 * SEC;
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-a-r2");
	s.now = T0 + 45 * SEC;
	fail_job(&s, "test-a-r2", "Failed", NULL);
	sim_run(&s);
	ck_assert_str_eq(sim_phases(&s), "a=Failed");
	ck_assert_str_eq(sim_str(&s, "a", "message"),
			 "job 'test-a-r2' Failed; no retries left (limit 2)");
	ck_assert_str_eq(
		h_events(s.plan.events),
		"Warning StepFailed: step 'a' failed: job 'test-a-r2' "
		"Failed; no retries left (limit 2)|"
		"Warning Failed: jobflow 'test' failed: step 'a' failed");
	ck_assert_str_eq(s.plan.phase, "Failed");
	ck_assert_str_eq(sim_str(&s, "a", "finishTime"),
			 "2026-08-22T10:01:47Z");
	/* failedJobs includes the failed attempts */
	ck_assert_str_eq(h_stable(jf_json_at(s.flow, "status.failedJobs")),
			 "[\"test-a\",\"test-a-r1\",\"test-a-r2\"]");
	sim_replay_is_quiet(&s);
	sim_free(&s);
}
END_TEST

static const struct {
	const char *policy; /* "" = no retryPolicy */
	const char *phase;  /* how the Job ended */
	const char *reason; /* status.state.reason or NULL */
	const char *step;   /* step phase after the reconcile */
	const char *message;
} policies[] = {
	{"OnFailure", "Failed", NULL, "Backoff",
	 "job 'test-a' Failed; retry 1 of 3 at 2026-08-22T10:01:14Z"},
	{"OnFailure", "Terminated", NULL, "Failed",
	 "job 'test-a' Terminated; not retried: policy OnFailure does not "
	 "retry Terminated"},
	{"OnFailure", "Terminated", "PodEvicted", "Failed",
	 "job 'test-a' PodEvicted; not retried: policy OnFailure does not "
	 "retry Terminated"},
	{"OnFailure", "Aborted", NULL, "Failed",
	 "job 'test-a' Aborted; not retried: policy OnFailure does not retry "
	 "Aborted"},
	{"Always", "Terminated", "PodEvicted", "Backoff",
	 "job 'test-a' PodEvicted; retry 1 of 3 at 2026-08-22T10:01:14Z"},
	{"Always", "Aborted", NULL, "Backoff",
	 "job 'test-a' Aborted; retry 1 of 3 at 2026-08-22T10:01:14Z"},
	{"Never", "Failed", NULL, "Failed",
	 "job 'test-a' Failed; not retried: policy Never"},
	{"", "Failed", NULL, "Failed", "job 'test-a' Failed"},
	{"OnFailure", "Restarting", NULL, "Running", ""},
};

START_TEST(test_policies)
{
	struct sim s;
	char flow[256];

	if (*policies[_i].policy)
		snprintf(flow, sizeof(flow),
			 "spec:\n  flows:\n  - name: a\n    retryPolicy: "
			 "{policy: %s, backoff: {duration: 10s}}\n",
			 policies[_i].policy);
	else
		snprintf(flow, sizeof(flow), "spec: {flows: [{name: a}]}\n");
	sim_init(&s, flow, NULL);
	sim_run(&s);
	s.now = T0 + 2 * SEC;
	fail_job(&s, "test-a", policies[_i].phase, policies[_i].reason);
	sim_run(&s);
	ck_assert_str_eq(sim_str(&s, "a", "phase"), policies[_i].step);
	ck_assert_str_eq(sim_str(&s, "a", "message"), policies[_i].message);
	ck_assert_str_eq(
		sim_str(&s, "a", "lastFailure.phase"),
		strcmp(policies[_i].step, "Running") ? policies[_i].phase : "");
	ck_assert_int_eq(cJSON_GetArraySize(s.plan.creates), 0);
	sim_free(&s);
}
END_TEST

/* Delays duration x factor^(k-1), capped: 10 s, 25 s (30 capped), 25 s. */
START_TEST(test_backoff_cap)
{
	static const int64_t expect_next[] = {12, 12 + 2 + 25,
					      12 + 2 + 25 + 2 + 25};
	struct sim s;
	char name[32];

	sim_init(
		&s,
		"spec:\n"
		"  flows:\n"
		"  - name: a\n"
		"    retryPolicy: {limit: 3, backoff: {duration: 10s, factor: 3, "
		"cap: 25s}}\n",
		NULL);
	sim_run(&s);
	s.now = T0 + 2 * SEC;
	for (int k = 0; k < 3; k++) {
		jf_engine_job_name(name, sizeof(name), "test", "a", -1, k);
		fail_job(&s, name, "Failed", NULL);
		sim_run(&s);
		ck_assert_str_eq(sim_str(&s, "a", "nextRetryTime"),
				 h_time(T0 + expect_next[k] * SEC));
		ck_assert_int_eq(s.plan.requeue_after_ms,
				 T0 + expect_next[k] * SEC - s.now);
		s.now = T0 + expect_next[k] * SEC;
		sim_run(&s);
		jf_engine_job_name(name, sizeof(name), "test", "a", -1, k + 1);
		ck_assert_str_eq(h_names(s.plan.creates), name);
		s.now += 2 * SEC;
	}
	sim_free(&s);
}
END_TEST

/* delay = min(cap, d f^(k-1)) x (1 + jitter (2u - 1)), u from
 * jf_jitter_unit(flow uid, step, k); the next time rounds up to a second. */
START_TEST(test_backoff_jitter_is_deterministic)
{
	struct sim s;
	int64_t fail = T0 + 3 * SEC;

	for (int k = 1; k <= 2; k++) {
		double u = jf_jitter_unit("uid-1", "a", k);
		int64_t base = k == 1 ? 20000 : 40000;
		int64_t delay = (int64_t)floor(base * (1 + 0.5 * (2 * u - 1)));
		int64_t next = fail + delay;
		char name[32];

		if (next % 1000)
			next += 1000 - next % 1000;
		if (k == 1) {
			sim_init(&s,
				 "spec:\n"
				 "  flows:\n"
				 "  - name: a\n"
				 "    retryPolicy: {backoff: {duration: 20s, "
				 "jitter: 0.5}}\n",
				 NULL);
			sim_run(&s);
		}
		s.now = fail;
		jf_engine_job_name(name, sizeof(name), "test", "a", -1, k - 1);
		fail_job(&s, name, "Failed", NULL);
		sim_run(&s);
		ck_assert_str_eq(sim_str(&s, "a", "nextRetryTime"),
				 h_time(next));
		ck_assert_int_ge(next - fail, base / 2);
		ck_assert_int_le(next - fail, base * 3 / 2 + 1000);
		/* same inputs, same plan: replay is quiet */
		sim_run(&s);
		ck_assert_ptr_null(s.plan.status);
		s.now = next;
		sim_run(&s);
		jf_engine_job_name(name, sizeof(name), "test", "a", -1, k);
		ck_assert_str_eq(h_names(s.plan.creates), name);
		fail = next + 5 * SEC;
	}
	sim_free(&s);
}
END_TEST

START_TEST(test_max_duration)
{
	struct sim s;

	sim_init(
		&s,
		"spec:\n"
		"  flows:\n"
		"  - name: a\n"
		"    retryPolicy: {limit: 5, backoff: {duration: 10s, factor: 2, "
		"maxDuration: 25s}}\n",
		NULL);
	sim_run(&s);
	s.now = T0;
	fail_job(&s, "test-a", "Failed", NULL);
	sim_run(&s); /* retry 1 at T0 + 10 s <= T0 + 25 s */
	ck_assert_str_eq(sim_phases(&s), "a=Backoff");
	s.now = T0 + 10 * SEC;
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-a-r1");
	s.now = T0 + 12 * SEC;
	fail_job(&s, "test-a-r1", "Failed", NULL);
	sim_run(&s); /* retry 2 would start at T0 + 32 s > T0 + 25 s */
	ck_assert_str_eq(sim_phases(&s), "a=Failed");
	ck_assert_str_eq(
		sim_str(&s, "a", "message"),
		"job 'test-a-r1' Failed; not retried: the next attempt "
		"would start after the maxDuration of 25s");
	ck_assert_int_eq(cJSON_GetArraySize(s.plan.creates), 0);
	sim_free(&s);
}
END_TEST

START_TEST(test_retry_when)
{
	struct sim s;

	sim_init(&s,
		 "spec:\n"
		 "  flows:\n"
		 "  - name: a\n"
		 "    retryPolicy:\n"
		 "      limit: 5\n"
		 "      backoff: {duration: 0s}\n"
		 "      when: \"lastFailure.reason != 'Evicted' && attempt < 1 "
		 "&& lastFailure.job.startsWith('test-a')\"\n",
		 NULL);
	sim_run(&s);
	fail_job(&s, "test-a", "Failed", "OOMKilled");
	sim_run(&s); /* duration 0: the retry starts at once */
	ck_assert_str_eq(h_names(s.plan.creates), "test-a-r1");
	ck_assert_str_eq(h_events(s.plan.events),
			 "Warning Retrying: step 'a' failed (job 'test-a' "
			 "OOMKilled); retry 1 of 5 at 2026-08-22T10:01:02Z|"
			 "Normal Created: create a job named test-a-r1!");
	fail_job(&s, "test-a-r1", "Failed", "OOMKilled");
	sim_run(&s); /* attempt 1 failed: attempt < 1 is false */
	ck_assert_str_eq(sim_str(&s, "a", "message"),
			 "job 'test-a-r1' OOMKilled; not retried: "
			 "retryPolicy.when 'lastFailure.reason != 'Evicted' && "
			 "attempt < 1 && lastFailure.job.startsWith('test-a')' "
			 "is false");
	sim_free(&s);

	sim_init(&s,
		 "spec:\n"
		 "  retryPolicy: {when: \"lastFailure.reason != 'Evicted'\"}\n"
		 "  flows: [{name: a}]\n",
		 NULL);
	sim_run(&s);
	fail_job(&s, "test-a", "Failed", "Evicted");
	sim_run(&s);
	ck_assert_str_eq(sim_phases(&s), "a=Failed");
	ck_assert_str_eq(sim_str(&s, "a", "message"),
			 "job 'test-a' Evicted; not retried: retryPolicy.when "
			 "'lastFailure.reason != 'Evicted'' is false");
	sim_free(&s);
}
END_TEST

START_TEST(test_timeout)
{
	struct sim s;

	sim_init(
		&s,
		"spec:\n"
		"  flows:\n"
		"  - {name: a, timeout: 30s}\n"
		"  - name: b\n"
		"    timeout: 30s\n"
		"    retryPolicy: {policy: Always, limit: 1, backoff: {duration: "
		"5s}}\n"
		"  - {name: c, timeout: 1m, retryPolicy: {policy: OnFailure}}\n",
		NULL);
	sim_run(&s);
	ck_assert_int_eq(s.plan.requeue_after_ms, -1); /* not visible yet */
	s.now = T0 + 1 * SEC;
	sim_phase(&s, "test-a", "Running");
	sim_phase(&s, "test-b", "Running");
	sim_run(&s);
	ck_assert_int_eq(s.plan.requeue_after_ms, 29 * SEC);
	s.now = T0 + 29500;
	sim_run(&s);
	ck_assert_int_eq(s.plan.requeue_after_ms, 500);
	ck_assert_int_eq(cJSON_GetArraySize(s.plan.terminates), 0);
	s.now = T0 + 30 * SEC;
	sim_run(&s);
	ck_assert_str_eq(h_stable(s.plan.terminates),
			 "[{\"name\":\"test-a\",\"reason\":\"Timeout\"},"
			 "{\"name\":\"test-b\",\"reason\":\"Timeout\"}]");
	ck_assert_str_eq(sim_phases(&s), "a=Failed,b=Backoff,c=Pending");
	ck_assert_str_eq(
		sim_str(&s, "a", "message"),
		"job 'test-a' Timeout: running longer than the timeout "
		"of 30s");
	ck_assert_str_eq(
		sim_field(&s, "b", "lastFailure"),
		"{\"job\":\"test-b\",\"message\":\"running longer than "
		"the timeout of 30s\",\"phase\":\"Running\",\"reason\":"
		"\"Timeout\",\"time\":\"2026-08-22T10:01:32Z\"}");
	ck_assert_int_eq(s.plan.requeue_after_ms, 5 * SEC);
	/* the old attempt still runs while it is being terminated: it
	 * stays failed, and the terminate is not repeated */
	s.now = T0 + 35 * SEC;
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-b-r1");
	ck_assert_int_eq(cJSON_GetArraySize(s.plan.terminates), 0);
	sim_phase(&s, "test-a", "Terminated");
	sim_phase(&s, "test-b", "Terminated");
	sim_run(&s);
	ck_assert_str_eq(sim_str(&s, "a", "lastFailure.reason"), "Timeout");
	ck_assert_str_eq(sim_phases(&s), "a=Failed,b=Pending,c=Pending");
	s.now = T0 + 60 * SEC;
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.terminates), "test-c");
	ck_assert_str_eq(
		sim_str(&s, "c", "message"),
		"job 'test-c' Timeout: running longer than the timeout "
		"of 1m0s; not retried: policy OnFailure does not retry "
		"Timeout");
	sim_free(&s);
}
END_TEST

START_TEST(test_rejected_create)
{
	struct sim s;

	sim_init(&s,
		 "spec:\n"
		 "  flows:\n"
		 "  - {name: a}\n"
		 "  - name: b\n"
		 "    retryPolicy: {policy: Always, backoff: {duration: 1s}}\n",
		 NULL);
	sim_run(&s);
	/* the API refused both creates */
	sim_del_job(&s, "test-a");
	sim_del_job(&s, "test-b");
	s.rejected = h_json("{\"test-a\":\"admission webhook denied the "
			    "request: queue 'default' is closed\",\"test-b\":"
			    "\"admission webhook denied the request\"}");
	sim_run(&s);
	ck_assert_int_eq(cJSON_GetArraySize(s.plan.creates), 0);
	ck_assert_str_eq(sim_phases(&s), "a=Failed,b=Backoff");
	ck_assert_str_eq(sim_str(&s, "a", "message"),
			 "job 'test-a' Rejected: admission webhook denied the "
			 "request: queue 'default' is closed");
	ck_assert_str_eq(s.plan.phase, "Running");
	s.now += SEC;
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-b-r1");
	sim_free(&s);
}
END_TEST

/* spec.retryPolicy is every step's default; a step's own replaces it. */
START_TEST(test_flow_default_and_step_override)
{
	struct sim s;

	sim_init(&s,
		 "spec:\n"
		 "  retryPolicy: {limit: 1, backoff: {duration: 0s}}\n"
		 "  flows:\n"
		 "  - {name: a}\n"
		 "  - {name: b, retryPolicy: {limit: 0}}\n",
		 NULL);
	sim_run(&s);
	fail_job(&s, "test-a", "Failed", NULL);
	fail_job(&s, "test-b", "Failed", NULL);
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-a-r1");
	ck_assert_str_eq(sim_phases(&s), "a=Pending,b=Failed");
	ck_assert_str_eq(sim_str(&s, "b", "message"),
			 "job 'test-b' Failed; no retries left (limit 0)");
	sim_free(&s);
}
END_TEST

/* Argo's classic: a retry asks for more memory with {{attempt}}. */
START_TEST(test_attempt_in_patch)
{
	struct sim s;

	sim_init(&s,
		 "spec:\n"
		 "  flows:\n"
		 "  - name: a\n"
		 "    retryPolicy: {backoff: {duration: 0s}}\n"
		 "    maxRetry: 1\n"
		 "    patch:\n"
		 "      jobSpec:\n"
		 "        maxRetry: 9\n"
		 "        tasks:\n"
		 "        - name: main\n"
		 "          template: {spec: {containers: [{name: main, "
		 "resources: {requests: {memory: \"{{(attempt + 1) * "
		 "2}}Gi\"}}}]}}\n",
		 NULL);
	sim_run(&s);
	ck_assert_str_eq(jf_json_str(s.plan.creates->child,
				     "spec.tasks[0].template.spec.containers[0]"
				     ".resources.requests.memory",
				     ""),
			 "2Gi");
	/* precedence: template (3) < patch (9) < the step's maxRetry (1) */
	ck_assert_int_eq(jf_json_int(s.plan.creates->child, "spec.maxRetry", 0),
			 1);
	fail_job(&s, "test-a", "Failed", NULL);
	sim_run(&s);
	ck_assert_str_eq(jf_json_str(s.plan.creates->child,
				     "spec.tasks[0].template.spec.containers[0]"
				     ".resources.requests.memory",
				     ""),
			 "4Gi");
	ck_assert_str_eq(jf_json_str(s.plan.creates->child,
				     "spec.tasks[0].template.spec.containers[0]"
				     ".image",
				     ""),
			 "busybox");
	/* the template itself is untouched */
	ck_assert_str_eq(jf_json_str(s.templates,
				     "a.spec.tasks[0].template.spec."
				     "containers[0].resources.requests.memory",
				     ""),
			 "1Gi");
	sim_free(&s);
}
END_TEST

/* The supervisor's cache may lag: an old status plus the new attempt's
 * Job must not make the engine start that attempt again, nor repeat the
 * decision's events. */
START_TEST(test_lagging_status_creates_nothing_twice)
{
	struct sim s;
	cJSON *old;

	sim_init(&s,
		 "spec:\n"
		 "  flows:\n"
		 "  - name: a\n"
		 "    retryPolicy: {backoff: {duration: 0s}}\n",
		 NULL);
	sim_run(&s);
	fail_job(&s, "test-a", "Failed", NULL);
	old = jf_json_dup(cJSON_GetObjectItemCaseSensitive(s.flow, "status"));
	sim_run(&s);
	ck_assert_str_eq(h_names(s.plan.creates), "test-a-r1");
	/* the next reconcile sees the Job but the old status */
	jf_json_set(s.flow, "status", old);
	sim_run(&s);
	ck_assert_int_eq(cJSON_GetArraySize(s.plan.creates), 0);
	ck_assert_str_eq(sim_phases(&s), "a=Pending");
	ck_assert_str_eq(sim_field(&s, "a", "attempts"), "2");
	sim_free(&s);
}
END_TEST

static Suite *retry_suite(void)
{
	Suite *s = suite_create("engine_retry");
	TCase *tc = tcase_create("retry");

	tcase_add_test(tc, test_on_failure_backoff_and_exhaustion);
	tcase_add_loop_test(tc, test_policies, 0,
			    sizeof(policies) / sizeof(policies[0]));
	tcase_add_test(tc, test_backoff_cap);
	tcase_add_test(tc, test_backoff_jitter_is_deterministic);
	tcase_add_test(tc, test_max_duration);
	tcase_add_test(tc, test_retry_when);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_rejected_create);
	tcase_add_test(tc, test_flow_default_and_step_override);
	tcase_add_test(tc, test_attempt_in_patch);
	tcase_add_test(tc, test_lagging_status_creates_nothing_twice);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(retry_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
