/* check_kubesim_perf.c - kubesim capacity figures: creates/s through 8
 * concurrent connections, watch events/s fanned out to several watchers,
 * and Volcano Jobs/s with the simulator finishing at once. Prints the
 * figures ("PERF ..."); asserts only that every request succeeded and every
 * event arrived, never timing. KS_PERF_N overrides the object count. */
#include <curl/curl.h>
#include <sys/wait.h>

#include "jf_yaml.h"
#include "tests/integ/ks_testutil.h"

#define CM   "/api/v1/namespaces/default/configmaps"
#define JOBS "/apis/batch.volcano.sh/v1alpha1/namespaces/default/jobs"
#define CONC 8

static const char *const perf_args[] = {
	"--sim-pending", "0", "--sim-duration", "0", "--log-level",
	"warn",		 NULL};

struct slot {
	CURL *c;
	struct curl_slist *hl;
	char body[2048];
	long code;
};

static size_t discard(char *p, size_t sz, size_t n, void *arg)
{
	return sz * n;
}

/* POSTs n bodies made by mk(i, buf) to path, CONC at a time; returns the
 * number of 201 answers. */
static int post_many(const char *path, int n,
		     void (*mk)(int i, char *buf, size_t cap))
{
	CURLM *m = curl_multi_init();
	struct slot s[CONC];
	char url[512], auth[256];
	int next = 0, ok = 0, running = 0;
	struct curl_blob blob = {env.ca_pem, strlen(env.ca_pem),
				 CURL_BLOB_COPY};

	snprintf(url, sizeof(url), "%s%s", env.server, path);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", env.token);
	for (int k = 0; k < CONC; k++) {
		s[k].c = curl_easy_init();
		s[k].hl = curl_slist_append(NULL, auth);
		s[k].hl = curl_slist_append(s[k].hl,
					    "Content-Type: application/json");
		curl_easy_setopt(s[k].c, CURLOPT_URL, url);
		curl_easy_setopt(s[k].c, CURLOPT_HTTPHEADER, s[k].hl);
		curl_easy_setopt(s[k].c, CURLOPT_CAINFO_BLOB, &blob);
		curl_easy_setopt(s[k].c, CURLOPT_WRITEFUNCTION, discard);
		curl_easy_setopt(s[k].c, CURLOPT_PRIVATE, &s[k]);
		curl_easy_setopt(s[k].c, CURLOPT_NOSIGNAL, 1L);
		if (next < n) {
			mk(next++, s[k].body, sizeof(s[k].body));
			curl_easy_setopt(s[k].c, CURLOPT_POSTFIELDS, s[k].body);
			curl_multi_add_handle(m, s[k].c);
		}
	}
	do {
		CURLMsg *msg;
		int left;

		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left))) {
			struct slot *sl;

			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
					  (char **)&sl);
			curl_easy_getinfo(sl->c, CURLINFO_RESPONSE_CODE,
					  &sl->code);
			ok += sl->code == 201;
			curl_multi_remove_handle(m, sl->c);
			if (next < n) {
				mk(next++, sl->body, sizeof(sl->body));
				curl_easy_setopt(sl->c, CURLOPT_POSTFIELDS,
						 sl->body);
				curl_multi_add_handle(m, sl->c);
				running++;
			}
		}
		if (running)
			curl_multi_poll(m, NULL, 0, 100, NULL);
	} while (running);
	for (int k = 0; k < CONC; k++) {
		curl_easy_cleanup(s[k].c);
		curl_slist_free_all(s[k].hl);
	}
	curl_multi_cleanup(m);
	return ok;
}

static void mk_cm(int i, char *buf, size_t cap)
{
	char pad[801];

	memset(pad, 'x', 800);
	pad[800] = '\0';
	snprintf(buf, cap,
		 "{\"metadata\":{\"name\":\"cm-%06d\",\"labels\":{\"app\":"
		 "\"perf\",\"i\":\"%d\"}},\"data\":{\"payload\":\"%s\"}}",
		 i, i, pad);
}

static void mk_job(int i, char *buf, size_t cap)
{
	snprintf(
		buf, cap,
		"{\"apiVersion\":\"batch.volcano.sh/v1alpha1\",\"kind\":\"Job\","
		"\"metadata\":{\"name\":\"job-%06d\",\"labels\":{"
		"\"flow.volcano.sh/step\":\"s%d\"}},\"spec\":{\"tasks\":[{"
		"\"replicas\":1,\"template\":{\"spec\":{\"containers\":[{"
		"\"name\":\"c\",\"image\":\"busybox\",\"command\":[\"sh\","
		"\"-c\",\"true\"]}]}}}]}}",
		i, i);
}

static int perf_n(void)
{
	const char *e = getenv("KS_PERF_N");

	return e && atoi(e) > 0 ? atoi(e) : 3000;
}

START_TEST(test_creates_and_fanout)
{
	enum {
		NW = 4
	};
	struct jf_testwatch *w[NW];
	int n = perf_n(), ok, got = 0;
	long long t0, t1, t2;
	char path[256];
	cJSON *o = NULL;

	ck_assert_int_eq(req("GET", CM, NULL, &o), 200);
	snprintf(path, sizeof(path), CM "?watch=true&resourceVersion=%s",
		 jstr(o, "metadata.resourceVersion"));
	cJSON_Delete(o);
	for (int k = 0; k < NW; k++)
		ck_assert_int_eq(jf_testwatch_open(&env, path, &w[k]), 0);
	t0 = mono_ms();
	ok = post_many(CM, n, mk_cm);
	t1 = mono_ms();
	ck_assert_int_eq(ok, n);
	for (int k = 0; k < NW; k++) {
		cJSON *ev = NULL;

		for (int i = 0; i < n; i++) {
			ck_assert_int_eq(jf_testwatch_next(w[k], 10000, &ev),
					 0);
			ck_assert_str_eq(jstr(ev, "type"), "ADDED");
			cJSON_Delete(ev);
			got++;
		}
		jf_testwatch_close(w[k]);
	}
	t2 = mono_ms();
	ck_assert_int_eq(got, n * NW);
	/* a full LIST of everything, and a paged one */
	ck_assert_int_eq(req("GET", CM, NULL, &o), 200);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(o, "items")),
			 n);
	cJSON_Delete(o);
	printf("PERF creates=%d conc=%d creates_per_s=%.0f "
	       "watchers=%d watch_events=%d watch_events_per_s=%.0f\n",
	       n, CONC, n * 1000.0 / (double)(t1 - t0 ? t1 - t0 : 1), NW, got,
	       got * 1000.0 / (double)(t2 - t0 ? t2 - t0 : 1));
}
END_TEST

static bool all_completed(const cJSON *o)
{
	const cJSON *it;
	int n = 0;

	cJSON_ArrayForEach (it, jf_json_at(o, "items")) {
		if (strcmp(jf_json_str(it, "status.state.phase", ""),
			   "Completed"))
			return false;
		n++;
	}
	return n == perf_n();
}

START_TEST(test_volcano_jobs)
{
	const char *src = getenv("JF_SRC_DIR");
	char file[512];
	struct jf_yaml_stream ys;
	struct jf_errmsg e = {{0}};
	int n = perf_n(), ok;
	long long t0, t1;
	cJSON *o;
	char *s;

	snprintf(file, sizeof(file),
		 "%s/tests/data/volcano/batch.volcano.sh_jobs.yaml",
		 src && *src ? src : ".");
	ck_assert_int_eq(jf_yaml_load_file(file, &ys, &e), 0);
	s = cJSON_PrintUnformatted(ys.docs[0].json);
	REQ_EXPECT(201, "POST",
		   "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
		   s);
	free(s);
	jf_yaml_stream_release(&ys);
	t0 = mono_ms();
	ok = post_many(JOBS, n, mk_job);
	ck_assert_int_eq(ok, n);
	o = wait_for(JOBS, all_completed, 60000);
	t1 = mono_ms();
	ck_assert(all_completed(o));
	cJSON_Delete(o);
	ck_assert_int_eq(req("GET", "/kubesim/stats", NULL, &o), 200);
	printf("PERF jobs=%d jobs_per_s=%.0f (each: 1 create + 3 status "
	       "writes) resource_version=%lld\n",
	       n, n * 1000.0 / (double)(t1 - t0 ? t1 - t0 : 1),
	       (long long)jf_json_int(o, "resource_version", 0));
	cJSON_Delete(o);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("kubesim_perf");
	TCase *tc = tcase_create("perf");

	extra_args = perf_args;
	tcase_add_checked_fixture(tc, env_up, env_down);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_creates_and_fanout);
	tcase_add_test(tc, test_volcano_jobs);
	suite_add_tcase(s, tc);
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
