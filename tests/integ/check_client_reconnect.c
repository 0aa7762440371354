/* check_client_reconnect.c - integration soak for watch streams against a
 * real kubesim: no fd or memory growth across 10k watch reconnects
 * (JF_RECONNECTS overrides the count). */
#include <check.h>
#include <dirent.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jf_json.h"
#include "jf_k8s.h"
#include "jf_log.h"
#include "jf_time.h"

#include "tests/integ/client_testutil.h"

/* ASan's quarantine holds freed memory, so RSS says nothing there (its
 * leak checker covers that build instead). */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_MEANINGFUL 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RSS_MEANINGFUL 0
#endif
#endif
#ifndef RSS_MEANINGFUL
#define RSS_MEANINGFUL 1
#endif

struct rewatch {
	struct jf_k8s_client *c;
	struct event_base *base;
	char rv[32];
	int left, events, failures;
};

static int rw_event(struct jf_k8s_event *ev, void *arg)
{
	struct rewatch *w = arg;

	w->events++;
	return 1; /* one event is enough: hang up */
}

static void rw_start(struct rewatch *w);

static void rw_done(struct jf_k8s_response *r, void *arg)
{
	struct rewatch *w = arg;

	if (r->err != 1)
		w->failures++;
	if (--w->left > 0)
		rw_start(w);
	else
		event_base_loopbreak(w->base);
}

static void rw_start(struct rewatch *w)
{
	struct jf_k8s_req q = {.verb = JF_K8S_WATCH,
			       .res = &jf_k8s_res_configmaps,
			       .ns = "inf5"};

	q.opts.resource_version = w->rv;
	q.opts.timeout_seconds = 30;
	ck_assert_int_eq(jf_k8s_watch(w->c, &q, rw_event, rw_done, w, NULL), 0);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static long rss_kb(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f && fscanf(f, "%ld %ld", &pages, &rss) != 2)
		rss = 0;
	if (f)
		fclose(f);
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

START_TEST(test_no_fd_or_memory_growth_across_reconnects)
{
	int n = getenv("JF_RECONNECTS") ? atoi(getenv("JF_RECONNECTS")) : 10000;
	struct event_base *base = event_base_new();
	struct jf_k8s_client *c = new_client(base, NULL);
	struct rewatch w = {.c = c, .base = base};
	cJSON *obj = NULL;
	int fd0, fd1;
	long rss0, rss1;
	int64_t t0;

	ensure_ns("inf5");
	ck_assert_int_eq(jf_test_req(&env, "POST",
				     "/api/v1/namespaces/inf5/configmaps", NULL,
				     "{\"metadata\":{\"name\":\"one\"}}", &obj),
			 201);
	/* watching from just before it replays exactly one event */
	snprintf(w.rv, sizeof(w.rv), "%lld",
		 (long long)strtoll(
			 jf_json_str(obj, "metadata.resourceVersion", "1"),
			 NULL, 10) -
			 1);
	cJSON_Delete(obj);
	w.left = 200; /* warm up: connection cache, TLS, allocator */
	rw_start(&w);
	event_base_dispatch(base);
	fd0 = count_fds();
	rss0 = rss_kb();
	t0 = jf_mono_ms();
	w.left = n;
	w.events = w.failures = 0;
	rw_start(&w);
	event_base_dispatch(base);
	fd1 = count_fds();
	rss1 = rss_kb();
	fprintf(stderr,
		"%d watch reconnects in %lld ms: fds %d -> %d, rss %ld -> %ld kB\n",
		n, (long long)(jf_mono_ms() - t0), fd0, fd1, rss0, rss1);
	ck_assert_int_eq(w.events, n);
	ck_assert_int_eq(w.failures, 0);
	ck_assert_int_le(fd1, fd0 + 2);
	if (RSS_MEANINGFUL && !getenv("JF_VALGRIND"))
		ck_assert_msg(rss1 - rss0 < 2048, "rss grew %ld kB",
			      rss1 - rss0);
	ck_assert_int_eq(jf_k8s_client_inflight(c), 0);
	jf_k8s_client_free(c);
	event_base_free(base);
}
END_TEST

static Suite *reconnect_suite(void)
{
	Suite *s = suite_create("client_reconnect");
	TCase *tc = tcase_create("reconnect");

	tcase_add_unchecked_fixture(tc, env_start, env_down);
	tcase_set_timeout(tc, 880);
	tcase_add_test(tc, test_no_fd_or_memory_growth_across_reconnects);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(reconnect_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
