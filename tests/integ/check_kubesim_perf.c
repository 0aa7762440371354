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

struct counter {
	long lines;
};

static size_t count_lines(char *p, size_t sz, size_t n, void *arg)
{
	struct counter *c = arg;

	for (size_t i = 0; i < sz * n; i++)
		c->lines += p[i] == '\n';
	return sz * n;
}

/* POSTs n bodies made by mk(i, buf) to path, CONC at a time, while nw
 * watches on watch_path (may be 0) count event lines; returns the number
 * of 201 answers once every watcher has seen n lines (or 30 s passed).
 * *t_posts gets the time the last POST was answered. */
static int post_many(const char *path, int n,
		     void (*mk)(int i, char *buf, size_t cap),
		     const char *watch_path, int nw, long *lines,
		     long long *t_posts)
{
	CURLM *m = curl_multi_init();
	struct slot s[CONC];
	CURL *wh[8];
	struct counter wc[8] = {{0}};
	struct curl_slist *whl = NULL;
	char url[512], auth[256];
	int next = 0, ok = 0, running = 0, done = 0;
	long long deadline;
	struct curl_blob blob = {env.ca_pem, strlen(env.ca_pem),
				 CURL_BLOB_COPY};

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", env.token);
	whl = curl_slist_append(NULL, auth);
	for (int k = 0; k < nw; k++) {
		snprintf(url, sizeof(url), "%s%s", env.server, watch_path);
		wh[k] = curl_easy_init();
		curl_easy_setopt(wh[k], CURLOPT_URL, url);
		curl_easy_setopt(wh[k], CURLOPT_HTTPHEADER, whl);
		curl_easy_setopt(wh[k], CURLOPT_CAINFO_BLOB, &blob);
		curl_easy_setopt(wh[k], CURLOPT_WRITEFUNCTION, count_lines);
		curl_easy_setopt(wh[k], CURLOPT_WRITEDATA, &wc[k]);
		curl_easy_setopt(wh[k], CURLOPT_NOSIGNAL, 1L);
		curl_multi_add_handle(m, wh[k]);
	}
	/* let the watches register before writing */
	for (long long end = mono_ms() + 500; mono_ms() < end;) {
		curl_multi_perform(m, &running);
		curl_multi_poll(m, NULL, 0, 20, NULL);
	}
	snprintf(url, sizeof(url), "%s%s", env.server, path);
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
	deadline = mono_ms() + 60000;
	for (;;) {
		CURLMsg *msg;
		int left;
		bool watched = true;

		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left))) {
			struct slot *sl = NULL;

			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
					  (char **)&sl);
			if (!sl)
				continue; /* a watch ended */
			curl_easy_getinfo(sl->c, CURLINFO_RESPONSE_CODE,
					  &sl->code);
			ok += sl->code == 201;
			done++;
			if (done == n)
				*t_posts = mono_ms();
			curl_multi_remove_handle(m, sl->c);
			if (next < n) {
				mk(next++, sl->body, sizeof(sl->body));
				curl_easy_setopt(sl->c, CURLOPT_POSTFIELDS,
						 sl->body);
				curl_multi_add_handle(m, sl->c);
			}
		}
		for (int k = 0; k < nw; k++)
			watched &= wc[k].lines >= n;
		if ((done == n && watched) || mono_ms() > deadline)
			break;
		curl_multi_poll(m, NULL, 0, 20, NULL);
	}
	*lines = 0;
	for (int k = 0; k < nw; k++) {
		*lines += wc[k].lines;
		curl_multi_remove_handle(m, wh[k]);
		curl_easy_cleanup(wh[k]);
	}
	for (int k = 0; k < CONC; k++) {
		curl_easy_cleanup(s[k].c);
		curl_slist_free_all(s[k].hl);
	}
	curl_slist_free_all(whl);
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

/* kubesim's CPU time so far (user + system), in ms. */
static double ks_cpu_ms(void)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)env.pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2,
			 "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu "
			 "%llu",
			 &ut, &st) != 2)
		return 0;
	return (double)(ut + st) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
}

/* kubesim's resident set size, in MiB. */
static double ks_rss_mb(void)
{
	char path[64], line[256];
	double kb = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)env.pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "VmRSS:", 6))
			kb = atof(line + 6);
	}
	fclose(f);
	return kb / 1024;
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
	int n = perf_n(), ok;
	long long t0, t1 = 0, t2;
	long lines = 0;
	char path[256];
	cJSON *o = NULL;
	double cpu;

	ck_assert_int_eq(req("GET", CM, NULL, &o), 200);
	snprintf(path, sizeof(path), CM "?watch=true&resourceVersion=%s",
		 jstr(o, "metadata.resourceVersion"));
	cJSON_Delete(o);
	/* creates alone */
	cpu = ks_cpu_ms();
	t0 = mono_ms();
	ok = post_many(CM, n, mk_cm, NULL, 0, &lines, &t1);
	ck_assert_int_eq(ok, n);
	cpu = ks_cpu_ms() - cpu;
	printf("PERF creates=%d conc=%d creates_per_s=%.0f kubesim_cpu_us_per_"
	       "create=%.0f (capacity ~%.0f/s per core)\n",
	       n, CONC, n * 1000.0 / (double)(t1 - t0 ? t1 - t0 : 1),
	       cpu * 1000.0 / n, cpu > 0 ? n * 1000.0 / cpu : 0.0);
	/* the same number of creates (to another namespace's objects), each
	 * fanned out to NW watchers */
	REQ_EXPECT(201, "POST", "/api/v1/namespaces",
		   "{\"metadata\":{\"name\":\"perf\"}}");
	snprintf(path, sizeof(path),
		 "/api/v1/namespaces/perf/configmaps?watch=true");
	t0 = mono_ms();
	ok = post_many("/api/v1/namespaces/perf/configmaps", n, mk_cm, path, NW,
		       &lines, &t1);
	t2 = mono_ms();
	ck_assert_int_eq(ok, n);
	ck_assert_int_eq(lines, (long)n * NW);
	ck_assert_int_eq(req("GET", CM, NULL, &o), 200);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(o, "items")),
			 n);
	cJSON_Delete(o);
	printf("PERF with %d watchers: creates_per_s=%.0f watch_events=%ld "
	       "watch_events_per_s=%.0f kubesim_cpu_ms=%.0f (~%.0f events/s "
	       "per core incl. the creates)\n",
	       NW, n * 1000.0 / (double)(t1 - t0 ? t1 - t0 : 1), lines,
	       lines * 1000.0 / (double)(t2 - t0 ? t2 - t0 : 1), cpu,
	       cpu > 0 ? lines * 1000.0 / cpu : 0.0);
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
	double cpu;

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
	cpu = ks_cpu_ms();
	t0 = mono_ms();
	{
		long lines;
		long long tp;

		ok = post_many(JOBS, n, mk_job, NULL, 0, &lines, &tp);
	}
	ck_assert_int_eq(ok, n);
	o = wait_for(JOBS, all_completed, 60000);
	t1 = mono_ms();
	ck_assert(all_completed(o));
	cJSON_Delete(o);
	ck_assert_int_eq(req("GET", "/kubesim/stats", NULL, &o), 200);
	cpu = ks_cpu_ms() - cpu;
	printf("PERF jobs=%d jobs_per_s=%.0f (each: 1 create + 3 status "
	       "writes; includes polling LISTs) kubesim_cpu_ms=%.0f "
	       "resource_version=%lld kubesim_rss_mb=%.0f\n",
	       n, n * 1000.0 / (double)(t1 - t0 ? t1 - t0 : 1), cpu,
	       (long long)jf_json_int(o, "resource_version", 0), ks_rss_mb());
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
