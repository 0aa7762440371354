/* check_kubesim_sim.c - kubesim's Volcano simulator (webhook defaults,
 * phases, annotations, retries, Commands), fault injection and the
 * control API's statistics and timeline. */
#include <sys/wait.h>

#include "jf_yaml.h"
#include "tests/integ/ks_testutil.h"

#define JOBS "/apis/batch.volcano.sh/v1alpha1/namespaces/default/jobs"
#define CMDS "/apis/bus.volcano.sh/v1alpha1/namespaces/default/commands"
#define CRDS "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"

static const char *const sim_args[] = {"--sim-pending", "30ms",
				       "--sim-duration", "60ms", NULL};

static void post_yaml_file(const char *rel)
{
	const char *src = getenv("JF_SRC_DIR");
	char path[512];
	struct jf_yaml_stream ys;
	struct jf_errmsg e = {{0}};

	snprintf(path, sizeof(path), "%s/%s", src && *src ? src : ".", rel);
	ck_assert_msg(jf_yaml_load_file(path, &ys, &e) == 0, "%s: %s", path,
		      e.msg);
	for (size_t i = 0; i < ys.ndocs; i++) {
		char *s = cJSON_PrintUnformatted(ys.docs[i].json);

		REQ_EXPECT(201, "POST", CRDS, s);
		free(s);
	}
	jf_yaml_stream_release(&ys);
}

static void sim_up(void)
{
	extra_args = sim_args;
	env_up();
	post_yaml_file("tests/data/volcano/batch.volcano.sh_jobs.yaml");
	post_yaml_file("tests/data/bus.volcano.sh_commands.yaml");
}

/* Creates a Job with one task of `replicas` and the given annotations
 * (a JSON object body, e.g. "\"kubesim.volcano.sh/result\":\"Failed\"")
 * and labels. */
static void post_job(const char *name, int replicas, const char *ann,
		     const char *labels, const char *spec_extra)
{
	char body[2048];

	snprintf(
		body, sizeof(body),
		"{\"apiVersion\":\"batch.volcano.sh/v1alpha1\",\"kind\":\"Job\","
		"\"metadata\":{\"name\":\"%s\",\"labels\":{%s}},\"spec\":{%s%s"
		"\"tasks\":[{\"replicas\":%d,\"template\":{\"metadata\":{"
		"\"annotations\":{%s}},\"spec\":{\"containers\":[{\"name\":"
		"\"c\",\"image\":\"busybox\"}]}}}]}}",
		name, labels ? labels : "", spec_extra ? spec_extra : "",
		spec_extra ? "," : "", replicas, ann ? ann : "");
	REQ_EXPECT(201, "POST", JOBS, body);
}

static const char *final_phases[] = {"Completed", "Failed", "Terminated",
				     "Aborted", NULL};

static bool job_finished(const cJSON *o)
{
	const char *p = jf_json_str(o, "status.state.phase", "");

	for (int i = 0; final_phases[i]; i++) {
		if (!strcmp(p, final_phases[i]))
			return true;
	}
	return false;
}

/* Waits for the Job to finish; returns it (caller frees). */
static cJSON *wait_job(const char *name, int timeout_ms)
{
	char path[256];
	cJSON *o;

	snprintf(path, sizeof(path), JOBS "/%s", name);
	o = wait_for(path, job_finished, timeout_ms);
	ck_assert_msg(o && job_finished(o), "job '%s' did not finish", name);
	return o;
}

/* Reads phases from a watch on one job until a final phase; fills seq
 * ("Pending,Running,Completed,"). */
static void watch_phases(struct jf_testwatch *w, char *seq, size_t cap)
{
	cJSON *ev = NULL;
	char last[32] = "";

	seq[0] = '\0';
	for (;;) {
		const char *p;

		ck_assert_int_eq(jf_testwatch_next(w, 5000, &ev), 0);
		p = jf_json_str(ev, "object.status.state.phase", "");
		if (*p && strcmp(p, last)) {
			snprintf(last, sizeof(last), "%s", p);
			strncat(seq, p, cap - strlen(seq) - 2);
			strcat(seq, ",");
		}
		if (job_finished(cJSON_GetObjectItem(ev, "object"))) {
			cJSON_Delete(ev);
			return;
		}
		cJSON_Delete(ev);
	}
}

START_TEST(test_webhook_defaults)
{
	cJSON *o = NULL;

	post_job("d", 2, "\"kubesim.volcano.sh/duration\":\"10s\"", NULL, NULL);
	ck_assert_int_eq(req("GET", JOBS "/d", NULL, &o), 200);
	ck_assert_str_eq(jstr(o, "spec.queue"), "default");
	ck_assert_str_eq(jstr(o, "spec.schedulerName"), "volcano");
	ck_assert_int_eq(jf_json_int(o, "spec.maxRetry", 0), 3);
	ck_assert_str_eq(jstr(o, "spec.tasks[0].name"), "default0");
	ck_assert_int_eq(jf_json_int(o, "spec.tasks[0].minAvailable", 0), 2);
	ck_assert_int_eq(jf_json_int(o, "spec.minAvailable", 0), 2);
	cJSON_Delete(o);
}
END_TEST

START_TEST(test_real_crd_defaults)
{
	cJSON *o = NULL;

	post_yaml_file("tests/data/volcano/flow.volcano.sh_jobtemplates.yaml");
	/* Volcano's JobTemplate schema defaults maxRetry and queue */
	ck_assert_int_eq(
		req("POST",
		    "/apis/flow.volcano.sh/v1alpha1/namespaces/default/"
		    "jobtemplates",
		    "{\"apiVersion\":\"flow.volcano.sh/v1alpha1\",\"kind\":"
		    "\"JobTemplate\",\"metadata\":{\"name\":\"jt\"},\"spec\":{"
		    "\"tasks\":[{\"name\":\"t\",\"replicas\":1,\"template\":{"
		    "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":"
		    "\"x\"}]}}}],\"unknownField\":1}}",
		    &o),
		201);
	ck_assert_int_eq(jf_json_int(o, "spec.maxRetry", 0), 3);
	ck_assert_str_eq(jstr(o, "spec.queue"), "default");
	ck_assert_ptr_null(jf_json_at(o, "spec.unknownField"));
	cJSON_Delete(o);
	ck_assert_int_eq(
		req("GET",
		    "/apis/flow.volcano.sh/v1alpha1/namespaces/default/"
		    "jobtemplates/jt",
		    NULL, &o),
		200);
	ck_assert_int_eq(jf_json_int(o, "spec.maxRetry", 0), 3);
	cJSON_Delete(o);
}
END_TEST

START_TEST(test_job_completes)
{
	struct jf_testwatch *w;
	char seq[256];
	cJSON *o;

	ck_assert_int_eq(jf_testwatch_open(&env,
					   JOBS "?watch=true&fieldSelector="
						"metadata.name%3Dok",
					   &w),
			 0);
	post_job("ok", 3,
		 "\"kubesim.volcano.sh/pending\":\"50ms\",\"kubesim.volcano.sh/"
		 "duration\":\"100ms\"",
		 NULL, NULL);
	watch_phases(w, seq, sizeof(seq));
	ck_assert_str_eq(seq, "Pending,Running,Completed,");
	jf_testwatch_close(w);
	o = wait_job("ok", 3000);
	ck_assert_int_eq(jf_json_int(o, "status.succeeded", 0), 3);
	ck_assert_int_eq(jf_json_int(o, "status.running", -1), 0);
	ck_assert_int_eq(jf_json_int(o, "status.minAvailable", 0), 3);
	ck_assert_int_eq(jf_json_int(o,
				     "status.taskStatusCount.default0.phase."
				     "Succeeded",
				     0),
			 3);
	ck_assert_int_eq(strlen(jstr(o, "status.state.lastTransitionTime")),
			 20);
	ck_assert_str_eq(jstr(o, "status.conditions[2].status"), "Completed");
	ck_assert_int_eq(cJSON_GetArraySize(jf_json_at(o, "status.conditions")),
			 3);
	ck_assert_ptr_nonnull(strchr(jstr(o, "status.runningDuration"), 's'));
	ck_assert_int_eq(jf_json_int(o, "status.retryCount", -1), 0);
	cJSON_Delete(o);
}
END_TEST

START_TEST(test_job_results)
{
	const char *res[] = {"Failed", "Terminated", "Aborted"};
	char ann[128], name[32];
	cJSON *o;

	for (int i = 0; i < 3; i++) {
		snprintf(ann, sizeof(ann),
			 "\"kubesim.volcano.sh/result\":\"%s\"", res[i]);
		snprintf(name, sizeof(name), "r%d", i);
		post_job(name, 1, ann, NULL, NULL);
	}
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "r%d", i);
		o = wait_job(name, 3000);
		ck_assert_str_eq(jstr(o, "status.state.phase"), res[i]);
		cJSON_Delete(o);
	}
}
END_TEST

START_TEST(test_fail_attempts)
{
	const char *labels = "\"volcano.sh/createdByJobFlow\":\"default.flow\","
			     "\"flow.volcano.sh/step\":\"train\"";
	const char *ann = "\"kubesim.volcano.sh/fail-attempts\":\"2\"";
	const char *want[] = {"Failed", "Failed", "Completed"};
	char name[32];
	cJSON *o;

	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "flow-train%s%d", i ? "-r" : "",
			 i);
		post_job(name, 1, ann, labels, NULL);
		o = wait_job(name, 3000);
		ck_assert_str_eq(jstr(o, "status.state.phase"), want[i]);
		cJSON_Delete(o);
	}
	/* another step of the same flow counts its own attempts */
	post_job("flow-eval", 1, ann,
		 "\"volcano.sh/createdByJobFlow\":\"default.flow\","
		 "\"flow.volcano.sh/step\":\"eval\"",
		 NULL);
	o = wait_job("flow-eval", 3000);
	ck_assert_str_eq(jstr(o, "status.state.phase"), "Failed");
	cJSON_Delete(o);
}
END_TEST

START_TEST(test_pod_failures)
{
	struct jf_testwatch *w;
	char seq[256];
	cJSON *o;

	ck_assert_int_eq(jf_testwatch_open(&env,
					   JOBS "?watch=true&fieldSelector="
						"metadata.name%3Dpf",
					   &w),
			 0);
	post_job("pf", 1, "\"kubesim.volcano.sh/pod-failures\":\"2\"", NULL,
		 NULL);
	watch_phases(w, seq, sizeof(seq));
	ck_assert_str_eq(seq, "Pending,Running,Restarting,Running,Restarting,"
			      "Running,Completed,");
	jf_testwatch_close(w);
	o = wait_job("pf", 3000);
	ck_assert_int_eq(jf_json_int(o, "status.retryCount", 0), 2);
	cJSON_Delete(o);
	/* more failures than maxRetry: Failed once retryCount >= maxRetry */
	post_job("pf2", 1, "\"kubesim.volcano.sh/pod-failures\":\"5\"", NULL,
		 "\"maxRetry\":2");
	o = wait_job("pf2", 3000);
	ck_assert_str_eq(jstr(o, "status.state.phase"), "Failed");
	ck_assert_int_eq(jf_json_int(o, "status.retryCount", 0), 2);
	cJSON_Delete(o);
}
END_TEST

START_TEST(test_commands)
{
	struct jf_testwatch *w;
	char seq[256];
	const char *acts[] = {"TerminateJob", "AbortJob"};
	const char *want[] = {"Pending,Running,Terminating,Terminated,",
			      "Pending,Running,Aborting,Aborted,"};

	for (int i = 0; i < 2; i++) {
		char name[16], path[256], body[512];

		snprintf(name, sizeof(name), "long%d", i);
		snprintf(path, sizeof(path),
			 JOBS "?watch=true&fieldSelector=metadata.name%%3D%s",
			 name);
		ck_assert_int_eq(jf_testwatch_open(&env, path, &w), 0);
		post_job(name, 1, "\"kubesim.volcano.sh/duration\":\"1m\"",
			 NULL, NULL);
		usleep(150000); /* Running by now (pending is 30ms) */
		snprintf(body, sizeof(body),
			 "{\"apiVersion\":\"bus.volcano.sh/v1alpha1\",\"kind\":"
			 "\"Command\",\"metadata\":{\"name\":\"cmd%d\"},"
			 "\"action\":\"%s\",\"reason\":\"test\",\"target\":{"
			 "\"apiVersion\":\"batch.volcano.sh/v1alpha1\","
			 "\"kind\":\"Job\",\"name\":\"%s\",\"uid\":\"x\"}}",
			 i, acts[i], name);
		REQ_EXPECT(201, "POST", CMDS, body);
		watch_phases(w, seq, sizeof(seq));
		ck_assert_str_eq(seq, want[i]);
		jf_testwatch_close(w);
		snprintf(path, sizeof(path), CMDS "/cmd%d", i);
		ck_assert(wait_gone(path, 2000));
	}
}
END_TEST

START_TEST(test_stats_and_timeline)
{
	cJSON *o = NULL, *e, *it = NULL;
	double t_create, t_done = 0;

	post_job("t", 1, NULL, NULL, NULL);
	cJSON_Delete(wait_job("t", 3000));
	REQ_EXPECT(200, "DELETE", JOBS "/t", NULL);
	post_job("t", 1, NULL, NULL, NULL);
	REQ_EXPECT(409, "POST", JOBS, "{\"metadata\":{\"name\":\"t\"}}");
	REQ_EXPECT(409, "PUT", JOBS "/t",
		   "{\"metadata\":{\"name\":\"t\",\"resourceVersion\":\"1\"}}");
	ck_assert_int_eq(req("GET", "/kubesim/stats", NULL, &o), 200);
	ck_assert_int_eq(jf_json_int(o, "requests.create.jobs[\"201\"]", 0), 2);
	ck_assert_int_eq(jf_json_int(o, "requests.create.jobs[\"409\"]", 0), 1);
	ck_assert_int_eq(jf_json_int(o, "requests.delete.jobs[\"200\"]", 0), 1);
	ck_assert_int_eq(jf_json_int(o, "conflicts", 0), 1);
	ck_assert_int_eq(jf_json_int(o, "creates.jobs", 0), 2);
	ck_assert_int_eq(jf_json_int(o, "writes.jobs", 0), 5);
	ck_assert_int_eq(
		jf_json_int(o, "objects[\"jobs.batch.volcano.sh\"]", 0), 1);
	ck_assert_int_eq(cJSON_GetArraySize(jf_json_at(o, "duplicate_creates")),
			 1);
	ck_assert_str_eq(jstr(o, "duplicate_creates[0].name"), "t");
	ck_assert_int_eq(jf_json_int(o, "duplicate_creates[0].count", 0), 2);
	cJSON_Delete(o);
	ck_assert_int_eq(
		req("GET", "/kubesim/timeline?resource=jobs", NULL, &o), 200);
	ck_assert_int_eq(cJSON_GetArraySize(jf_json_at(o, "items")), 2);
	it = cJSON_GetArrayItem(jf_json_at_mut(o, "items"), 0);
	t_create = jf_json_num(it, "created_ms", 0);
	ck_assert(t_create > 1.7e12);
	ck_assert_int_eq(cJSON_GetArraySize(jf_json_at(it, "phases")), 3);
	cJSON_ArrayForEach (e, jf_json_at_mut(it, "phases")) {
		ck_assert(jf_json_num(e, "ms", 0) >= t_create);
		ck_assert(jf_json_num(e, "ms", 0) >= t_done);
		t_done = jf_json_num(e, "ms", 0);
	}
	ck_assert_str_eq(jstr(it, "phases[2].phase"), "Completed");
	cJSON_Delete(o);
}
END_TEST

START_TEST(test_faults)
{
	struct jf_testresp r;
	struct jf_testwatch *w;
	cJSON *ev = NULL;
	int errors = 0;
	long long t0;

	REQ_EXPECT(200, "POST", "/kubesim/faults",
		   "{\"error-rate\":1,\"seed\":7}");
	for (int i = 0; i < 10; i++) {
		long c = req("GET", JOBS, NULL, NULL);

		ck_assert(c == 500 || c == 503);
		errors++;
	}
	ck_assert_int_eq(errors, 10);
	/* discovery and the control API are not subject to faults */
	REQ_EXPECT(200, "GET", "/apis", NULL);
	REQ_EXPECT(200, "GET", "/kubesim/stats", NULL);
	REQ_EXPECT(200, "POST", "/kubesim/faults",
		   "{\"reset\":true,\"throttle-rate\":1,\"retry-after\":2}");
	ck_assert_int_eq(jf_test_request(&env, "GET", JOBS, NULL, NULL, &r), 0);
	ck_assert_int_eq(r.code, 429);
	ck_assert_str_eq(r.retry_after, "2");
	ck_assert_str_eq(jstr(r.json, "reason"), "TooManyRequests");
	jf_testresp_release(&r);
	REQ_EXPECT(200, "POST", "/kubesim/faults", "{\"reset\":true}");
	REQ_EXPECT(200, "GET", JOBS, NULL);
	/* latency */
	REQ_EXPECT(200, "POST", "/kubesim/faults", "{\"latency\":\"200ms\"}");
	t0 = mono_ms();
	REQ_EXPECT(200, "GET", JOBS, NULL);
	ck_assert_int_ge(mono_ms() - t0, 190);
	REQ_EXPECT(200, "POST", "/kubesim/faults", "{\"reset\":true}");
	/* drop watches every 200ms */
	ck_assert_int_eq(jf_testwatch_open(&env, JOBS "?watch=true", &w), 0);
	REQ_EXPECT(200, "POST", "/kubesim/faults",
		   "{\"drop-watches-every\":\"200ms\"}");
	ck_assert_int_eq(jf_testwatch_next(w, 2000, &ev), -EPIPE);
	jf_testwatch_close(w);
	REQ_EXPECT(200, "POST", "/kubesim/faults", "{\"reset\":true}");
	/* outage: connections are closed without a response */
	ck_assert_int_eq(jf_testwatch_open(&env, JOBS "?watch=true", &w), 0);
	REQ_EXPECT(200, "POST", "/kubesim/outage", "{\"seconds\":0.5}");
	ck_assert_int_eq(jf_testwatch_next(w, 2000, &ev), -EPIPE);
	jf_testwatch_close(w);
	ck_assert_int_eq(req("GET", JOBS, NULL, NULL), -1);
	usleep(600000);
	REQ_EXPECT(200, "GET", JOBS, NULL);
	REQ_EXPECT(400, "POST", "/kubesim/faults", "{\"bogus\":1}");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("kubesim_sim");
	struct {
		const char *name;
		const TTest *t;
	} cases[] = {
		{"defaults", test_webhook_defaults},
		{"real_crd_defaults", test_real_crd_defaults},
		{"completes", test_job_completes},
		{"results", test_job_results},
		{"fail_attempts", test_fail_attempts},
		{"pod_failures", test_pod_failures},
		{"commands", test_commands},
		{"stats", test_stats_and_timeline},
		{"faults", test_faults},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TCase *tc = tcase_create(cases[i].name);

		tcase_add_checked_fixture(tc, sim_up, env_down);
		tcase_set_timeout(tc, 30);
		tcase_add_test(tc, cases[i].t);
		suite_add_tcase(s, tc);
	}
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
