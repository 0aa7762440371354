/* check_e2e_process.c - the running controller under process-level
 * events: a worker SIGKILLed mid-task, live resizing with TTIN/TTOU, a
 * configuration reload with HUP, TERM while busy, two supervisors with
 * leader election, and the leader killed while flows run. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jf_json.h"
#include "jf_time.h"
#include "tests/lib/jf_e2e.h"

static struct jf_e2e x;

static void start_kube(const char *faults)
{
	const char *ks[] = {"--sim-pending",
			    "50ms",
			    "--sim-duration",
			    "300ms",
			    faults ? "--faults" : NULL,
			    faults,
			    NULL};

	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(jf_e2e_start(&x, ks), 0);
	ck_assert_int_eq(jf_e2e_apply_file(&x, "tests/e2e/data/templates.yaml",
					   "default"),
			 0);
}

static void teardown(void)
{
	jf_e2e_stop(&x);
}

/* n chain flows "<prefix>-<i>": a -> b -> c on the quick template. */
static void apply_chains(const char *prefix, int n)
{
	for (int i = 0; i < n; i++) {
		char y[1024];

		snprintf(y, sizeof(y),
			 "apiVersion: flow.volcano.sh/v1alpha1\n"
			 "kind: JobFlow\n"
			 "metadata: {name: %s-%d}\n"
			 "spec:\n"
			 "  flows:\n"
			 "    - {name: a, jobTemplate: quick}\n"
			 "    - {name: b, jobTemplate: quick, dependsOn: "
			 "{targets: [a]}}\n"
			 "    - {name: c, jobTemplate: quick, dependsOn: "
			 "{targets: [b]}}\n",
			 prefix, i);
		ck_assert_int_eq(jf_e2e_apply_yaml(&x, y, "default"), 0);
	}
}

static void wait_chains(const char *prefix, int n, int timeout_ms)
{
	for (int i = 0; i < n; i++) {
		char name[64];

		snprintf(name, sizeof(name), "%s-%d", prefix, i);
		ck_assert_int_eq(jf_e2e_wait_phase(&x, "default", name,
						   "Succeed", timeout_ms),
				 0);
	}
}

/* No Volcano Job name was created twice. */
static void assert_no_duplicate_jobs(void)
{
	char buf[300];
	const char *dup = jf_e2e_duplicate_job(&x, buf, sizeof(buf));

	ck_assert_msg(dup == NULL, "job created more than once: %s", dup);
}

/* Value of a metric line "name value" or "name{labels} value". */
static double metric(int i, const char *series)
{
	char *body = NULL, *p;
	double v = -1;

	if (jf_e2e_http(&x, i, "/metrics", &body) != 200 || !body)
		return -1;
	for (p = body; (p = strstr(p, series)); p++) {
		if ((p == body || p[-1] == '\n') && p[strlen(series)] == ' ') {
			v = atof(p + strlen(series) + 1);
			break;
		}
	}
	free(body);
	return v < 0 ? 0 : v;
}

/* A worker pid busy with a task, or 0. */
static int busy_worker(int i)
{
	cJSON *st = jf_e2e_state(&x, i);
	const cJSON *s;
	int pid = 0;

	cJSON_ArrayForEach (s, jf_json_at(st, "workers.slots")) {
		if (strcmp(jf_json_str(s, "state", ""), "busy") == 0)
			pid = (int)jf_json_int(s, "pid", 0);
	}
	cJSON_Delete(st);
	return pid;
}

static int state_int(int i, const char *path)
{
	cJSON *st = jf_e2e_state(&x, i);
	int v = (int)jf_json_int(st, path, -1);

	cJSON_Delete(st);
	return v;
}

static bool is_leader(int i)
{
	cJSON *st = jf_e2e_state(&x, i);
	bool v = jf_json_bool(st, "leader", false);

	cJSON_Delete(st);
	return v;
}

START_TEST(test_worker_killed_mid_task_loses_nothing)
{
	int pid = 0;

	/* every API request takes 150 ms: tasks last long enough to hit */
	start_kube("latency=150ms");
	ck_assert_int_eq(jf_e2e_jobflowd(&x, 0, NULL), 0);
	apply_chains("k", 4);
	for (int t = 0; t < 200 && !pid; t++) {
		pid = busy_worker(0);
		if (!pid)
			jf_e2e_sleep_ms(20);
	}
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	wait_chains("k", 4, 40000);
	assert_no_duplicate_jobs();
	ck_assert_double_ge(metric(0, "jobflowd_tasks_lost_total"), 1);
	ck_assert_double_ge(metric(0, "jobflowd_worker_restarts_total"), 1);
	ck_assert_int_eq(state_int(0, "workers.ready"), 2);
}
END_TEST

START_TEST(test_stuck_worker_is_killed_and_its_flow_redone)
{
	static const char *const args[] = {"--task-timeout=2s", NULL};
	int pid = 0;

	start_kube("latency=150ms");
	ck_assert_int_eq(jf_e2e_jobflowd(&x, 0, args), 0);
	apply_chains("s", 3);
	for (int t = 0; t < 200 && !pid; t++) {
		pid = busy_worker(0);
		if (!pid)
			jf_e2e_sleep_ms(20);
	}
	ck_assert_int_gt(pid, 0);
	/* a hung worker: alive, silent, holding its flow */
	ck_assert_int_eq(kill(pid, SIGSTOP), 0);
	wait_chains("s", 3, 40000);
	ck_assert_double_ge(metric(0, "jobflowd_worker_kills_total"), 1);
	ck_assert_double_ge(metric(0, "jobflowd_tasks_lost_total"), 1);
	ck_assert_int_ne(kill(pid, 0), 0); /* it was killed and reaped */
	assert_no_duplicate_jobs();
}
END_TEST

static int want_target;
static bool target_ready(void)
{
	return state_int(0, "workers.target") == want_target &&
	       state_int(0, "workers.ready") == want_target &&
	       state_int(0, "workers.live") == want_target;
}

static bool wait_for(bool (*cond)(void), int ms)
{
	for (int t = 0; t < ms / 50; t++) {
		if (cond())
			return true;
		jf_e2e_sleep_ms(50);
	}
	return cond();
}

/* Standard signals do not queue: send one, wait for its effect. */
static void signal_and_wait(int sig, int target)
{
	kill(x.sup[0].pid, sig);
	want_target = target;
	ck_assert_msg(wait_for(target_ready, 5000),
		      "pool did not reach %d workers", target);
}

START_TEST(test_ttin_ttou_resize_the_pool)
{
	static const char *const args[] = {"--workers=2", "--max-workers=4",
					   "--min-workers=1", NULL};

	start_kube(NULL);
	ck_assert_int_eq(jf_e2e_jobflowd(&x, 0, args), 0);
	signal_and_wait(SIGTTIN, 3);
	signal_and_wait(SIGTTIN, 4);
	signal_and_wait(SIGTTIN, 4); /* clamped at --max-workers */
	signal_and_wait(SIGTTOU, 3);
	signal_and_wait(SIGTTOU, 2);
	signal_and_wait(SIGTTOU, 1);
	signal_and_wait(SIGTTOU, 1); /* clamped at --min-workers */
	/* the smaller pool still runs flows */
	apply_chains("r", 2);
	wait_chains("r", 2, 20000);
	/* and the operator CLI does the same through the pid file */
	{
		char cmd[1024];

		snprintf(cmd, sizeof(cmd),
			 "%s/jobflowd -s scale-up --run-dir %s",
			 getenv("JF_BIN_DIR") ? getenv("JF_BIN_DIR")
					      : "build/bin",
			 x.sup[0].run_dir);
		ck_assert_int_eq(system(cmd), 0);
		want_target = 2;
		ck_assert(wait_for(target_ready, 5000));
	}
}
END_TEST

static char cfg_path[512];
static bool rolled_to_three(void)
{
	cJSON *st = jf_e2e_state(&x, 0);
	const cJSON *s;
	int fresh = 0;

	cJSON_ArrayForEach (s, jf_json_at(st, "workers.slots")) {
		if (jf_json_int(s, "generation", 0) >= 2 ||
		    jf_json_int(s, "slot", 0) == 2)
			fresh += strcmp(jf_json_str(s, "state", ""), "idle") ==
				 0;
	}
	fresh = fresh == 3 && jf_json_int(st, "workers.target", 0) == 3 &&
		!jf_json_bool(st, "workers.rolling", true);
	cJSON_Delete(st);
	return fresh;
}

START_TEST(test_hup_reloads_the_config_and_rolls_workers)
{
	const char *args[] = {"--config", cfg_path, NULL};
	FILE *f;

	start_kube(NULL);
	snprintf(cfg_path, sizeof(cfg_path), "%s/jobflowd.yaml", x.kube.dir);
	f = fopen(cfg_path, "w");
	fputs("workers: 2\nmaxWorkers: 8\nlogLevel: debug\n", f);
	fclose(f);
	ck_assert_int_eq(jf_e2e_jobflowd(&x, 0, args), 0);
	ck_assert_int_eq(state_int(0, "workers.target"), 2);
	/* a broken file is refused and the running config stays */
	f = fopen(cfg_path, "w");
	fputs("workers: [oops\n", f);
	fclose(f);
	kill(x.sup[0].pid, SIGHUP);
	jf_e2e_sleep_ms(500);
	ck_assert_int_eq(state_int(0, "workers.target"), 2);
	ck_assert_int_eq(state_int(0, "workers.ready"), 2);
	f = fopen(cfg_path, "w");
	fputs("workers: 3\nmaxWorkers: 8\nlogLevel: info\n", f);
	fclose(f);
	kill(x.sup[0].pid, SIGHUP);
	ck_assert(wait_for(rolled_to_three, 10000));
	apply_chains("h", 2);
	wait_chains("h", 2, 20000);
}
END_TEST

START_TEST(test_term_while_busy_drains_and_releases_the_lease)
{
	static const char *const args[] = {"--leader-elect=true", NULL};
	cJSON *lease = NULL;
	int pid = 0, code;

	start_kube("latency=100ms");
	ck_assert_int_eq(jf_e2e_jobflowd(&x, 0, args), 0);
	for (int t = 0; t < 100 && !is_leader(0); t++)
		jf_e2e_sleep_ms(50);
	ck_assert(is_leader(0));
	apply_chains("t", 4);
	for (int t = 0; t < 200 && !pid; t++) {
		pid = busy_worker(0);
		if (!pid)
			jf_e2e_sleep_ms(10);
	}
	ck_assert_int_gt(pid, 0);
	code = jf_e2e_jobflowd_stop(&x, 0, SIGTERM, 30000);
	ck_assert_int_eq(code, 0);
	/* the in-flight task finished: its worker exited cleanly */
	ck_assert_int_ne(kill(pid, 0), 0);
	ck_assert_int_eq(jf_test_req(&x.kube, "GET",
				     "/apis/coordination.k8s.io/v1/namespaces/"
				     "default/leases/jobflowd",
				     NULL, NULL, &lease),
			 200);
	ck_assert_str_eq(jf_json_str(lease, "spec.holderIdentity", "?"), "");
	cJSON_Delete(lease);
	{
		char *log = jf_test_slurp(x.sup[0].log, NULL);

		ck_assert_ptr_nonnull(strstr(log, "workers drained"));
		ck_assert_ptr_null(strstr(log, "task lost"));
		free(log);
	}
}
END_TEST

START_TEST(test_only_the_leader_acts_and_a_standby_takes_over)
{
	static const char *const args[] = {"--leader-elect=true", NULL};
	int64_t t0, t1;

	start_kube(NULL);
	ck_assert_int_eq(jf_e2e_jobflowd(&x, 0, args), 0);
	for (int t = 0; t < 100 && !is_leader(0); t++)
		jf_e2e_sleep_ms(50);
	ck_assert(is_leader(0));
	ck_assert_int_eq(jf_e2e_jobflowd(&x, 1, args), 0);
	jf_e2e_sleep_ms(500);
	ck_assert(!is_leader(1));
	apply_chains("l", 3);
	wait_chains("l", 3, 20000);
	ck_assert_double_eq(metric(0, "jobflowd_jobs_created_total"), 9);
	ck_assert_double_eq(metric(1, "jobflowd_jobs_created_total"), 0);
	/* the standby's cache is warm, and compressed (the default) */
	for (int t = 0; t < 40; t++) {
		if (metric(1, "jobflowd_cache_objects{resource=\"jobs\"}") == 9)
			break;
		jf_e2e_sleep_ms(50);
	}
	ck_assert_double_eq(
		metric(1, "jobflowd_cache_objects{resource=\"jobs\"}"), 9);
	{
		cJSON *st = jf_e2e_state(&x, 1);
		double text = jf_json_num(st, "informers.jobs.bytes", 0);
		double held =
			metric(1, "jobflowd_cache_bytes{resource=\"jobs\"}");

		ck_assert_double_eq(
			held, jf_json_num(st, "informers.jobs.held_bytes", -1));
		ck_assert_msg(held > 0 && held * 1.5 < text,
			      "jobs cache holds %.0f bytes for %.0f of text",
			      held, text);
		cJSON_Delete(st);
	}

	/* kill the leader in the middle of more work */
	apply_chains("m", 6);
	jf_e2e_sleep_ms(300);
	t0 = jf_mono_ms();
	jf_e2e_jobflowd_stop(&x, 0, SIGKILL, 5000);
	while (!is_leader(1) && jf_mono_ms() - t0 < 10000)
		jf_e2e_sleep_ms(50);
	t1 = jf_mono_ms();
	ck_assert(is_leader(1));
	/* leaseDuration 3 s + retryPeriod 0.5 s (+ jitter) + 1 s */
	ck_assert_msg(t1 - t0 <= 3000 + 1100 + 1000, "took over in %lld ms",
		      (long long)(t1 - t0));
	wait_chains("m", 6, 30000);
	assert_no_duplicate_jobs();
}
END_TEST

/* Every API call the controller made (recorded by kubesim) is one that
 * deploy/rbac-calls.txt lists, so the RBAC in deploy/ (which check_deploy
 * compares with that list) lets the controller do its job. */
static bool rbac_allows(const char *calls, const char *verb, const char *res)
{
	char sub[64] = "-", plural[128], line[256];
	const char *slash = strchr(res, '/'), *p = calls;

	snprintf(plural, sizeof(plural), "%.*s",
		 (int)(slash ? (size_t)(slash - res) : strlen(res)), res);
	if (slash)
		snprintf(sub, sizeof(sub), "%s", slash + 1);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char v[32], g[128], r[128], sr[64];

		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		p += n + (nl ? 1 : 0);
		if (line[0] == '#' ||
		    sscanf(line, "%31s %127s %127s %63s", v, g, r, sr) != 4)
			continue;
		if (!strcmp(v, verb) && !strcmp(r, plural) && !strcmp(sr, sub))
			return true;
	}
	return false;
}

START_TEST(test_api_calls_are_covered_by_rbac)
{
	static const char *const args[] = {"--leader-elect=true", NULL};
	static const char timeout_flow[] =
		"apiVersion: flow.volcano.sh/v1alpha1\n"
		"kind: JobFlow\n"
		"metadata: {name: too-slow}\n"
		"spec:\n"
		"  flows:\n"
		"    - {name: a, jobTemplate: slow, timeout: 300ms}\n";
	char path[1024];
	char *calls;
	cJSON *st;
	const cJSON *verb, *res;
	int checked = 0;

	start_kube(NULL);
	/* everything the test itself writes happens before the count */
	ck_assert_int_eq(
		jf_e2e_apply_file(&x, "tests/data/volcano/JobTemplate.yaml",
				  "default"),
		0);
	ck_assert_int_eq(jf_e2e_apply_file(&x,
					   "tests/data/volcano/JobFlow.yaml",
					   "default"),
			 0);
	ck_assert_int_eq(jf_e2e_apply_file(&x, "tests/e2e/data/features.yaml",
					   "default"),
			 0);
	ck_assert_int_eq(
		jf_e2e_apply_file(&x, "tests/e2e/data/invalid.yaml", "default"),
		0);
	ck_assert_int_eq(jf_e2e_apply_yaml(&x, timeout_flow, "default"), 0);
	ck_assert_int_eq(jf_test_req(&x.kube, "POST", "/kubesim/reset-stats",
				     NULL, "{}", NULL),
			 200);
	ck_assert_int_eq(jf_e2e_jobflowd(&x, 0, args), 0);
	ck_assert_int_eq(
		jf_e2e_wait_phase(&x, "default", "test", "Succeed", 30000), 0);
	ck_assert_int_eq(
		jf_e2e_wait_phase(&x, "default", "cleanup", "Failed", 30000),
		0);
	ck_assert_int_eq(
		jf_e2e_wait_phase(&x, "default", "too-slow", "Failed", 30000),
		0);
	ck_assert_int_eq(
		jf_e2e_wait_phase(&x, "default", "cyclic", "Failed", 30000), 0);
	calls = jf_test_slurp(
		jf_e2e_src(path, sizeof(path), "deploy/rbac-calls.txt"), NULL);
	ck_assert_ptr_nonnull(calls);
	st = jf_e2e_kube_stats(&x);
	cJSON_ArrayForEach (verb, jf_json_at(st, "requests")) {
		cJSON_ArrayForEach (res, verb) {
			/* discovery and control requests carry no resource */
			if (!strcmp(res->string, "-") || !*res->string)
				continue;
			ck_assert_msg(
				rbac_allows(calls, verb->string, res->string),
				"the controller called '%s %s', which "
				"deploy/rbac-calls.txt does not allow",
				verb->string, res->string);
			checked++;
		}
	}
	/* the run did exercise the interesting calls */
	ck_assert_ptr_nonnull(jf_json_at(st, "requests.create.jobs"));
	ck_assert_ptr_nonnull(jf_json_at(st, "requests.create.commands"));
	ck_assert_ptr_nonnull(jf_json_at(st, "requests.delete.jobs"));
	ck_assert_ptr_nonnull(jf_json_at(st, "requests.create.events"));
	ck_assert_ptr_nonnull(
		jf_json_at(st, "requests.patch[\"jobflows/status\"]"));
	ck_assert_ptr_nonnull(jf_json_at(st, "requests.update.leases"));
	ck_assert_int_ge(checked, 8);
	cJSON_Delete(st);
	free(calls);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("e2e_process");
	TCase *tc = tcase_create("process");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, test_worker_killed_mid_task_loses_nothing);
	tcase_add_test(tc, test_stuck_worker_is_killed_and_its_flow_redone);
	tcase_add_test(tc, test_ttin_ttou_resize_the_pool);
	tcase_add_test(tc, test_hup_reloads_the_config_and_rolls_workers);
	tcase_add_test(tc, test_term_while_busy_drains_and_releases_the_lease);
	tcase_add_test(tc, test_only_the_leader_acts_and_a_standby_takes_over);
	tcase_add_test(tc, test_api_calls_are_covered_by_rbac);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
