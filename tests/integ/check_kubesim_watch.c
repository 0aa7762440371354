/* check_kubesim_watch.c - kubesim's watches: replay from a resource
 * version, resume after a dropped connection without loss or duplicates,
 * 410 as an ERROR event, bookmarks, timeoutSeconds, sendInitialEvents,
 * selector transitions. */
#include <sys/wait.h>

#include "tests/integ/ks_testutil.h"

#define CM "/api/v1/namespaces/default/configmaps"

static const char *const fast_bookmarks[] = {"--bookmark-interval", "100ms",
					     NULL};

static void create_cm(const char *name, const char *labels)
{
	char body[256];

	snprintf(body, sizeof(body),
		 "{\"metadata\":{\"name\":\"%s\",\"labels\":{%s}}}", name,
		 labels ? labels : "");
	REQ_EXPECT(201, "POST", CM, body);
}

static void patch_cm(const char *name, const char *patch)
{
	char path[256];

	snprintf(path, sizeof(path), CM "/%s", name);
	ck_assert_int_eq(req_ct("PATCH", path, "application/merge-patch+json",
				patch, NULL),
			 200);
}

static long list_rv(void)
{
	cJSON *o = NULL;
	long rv;

	ck_assert_int_eq(req("GET", CM, NULL, &o), 200);
	rv = atol(jstr(o, "metadata.resourceVersion"));
	cJSON_Delete(o);
	return rv;
}

/* Reads the next non-BOOKMARK event and checks type and name. Returns its
 * resourceVersion. */
static long expect_event(struct jf_testwatch *w, const char *type,
			 const char *name)
{
	cJSON *ev = NULL;
	long rv;

	do {
		cJSON_Delete(ev);
		ck_assert_int_eq(jf_testwatch_next(w, 3000, &ev), 0);
	} while (!strcmp(jstr(ev, "type"), "BOOKMARK"));
	ck_assert_str_eq(jstr(ev, "type"), type);
	ck_assert_str_eq(jstr(ev, "object.metadata.name"), name);
	rv = atol(jstr(ev, "object.metadata.resourceVersion"));
	cJSON_Delete(ev);
	return rv;
}

START_TEST(test_watch_from_rv_and_resume)
{
	struct jf_testwatch *w;
	char path[256];
	long rv0, r1, r2, r3, last;
	cJSON *ev = NULL;
	bool clean = true;

	create_cm("a", NULL);
	rv0 = list_rv();
	snprintf(path, sizeof(path), CM "?watch=true&resourceVersion=%ld", rv0);
	ck_assert_int_eq(jf_testwatch_open(&env, path, &w), 0);
	create_cm("b", NULL);
	patch_cm("b", "{\"data\":{\"x\":\"1\"}}");
	REQ_EXPECT(200, "DELETE", CM "/a", NULL);
	r1 = expect_event(w, "ADDED", "b");
	r2 = expect_event(w, "MODIFIED", "b");
	r3 = expect_event(w, "DELETED", "a");
	ck_assert_int_gt(r1, rv0);
	ck_assert_int_gt(r2, r1);
	ck_assert_int_gt(r3, r2);
	ck_assert_int_eq(jf_testwatch_code(w), 200);
	/* the server cuts every watch; events written meanwhile are replayed
	 * on resume, exactly once */
	REQ_EXPECT(200, "POST", "/kubesim/drop-watches", "{}");
	ck_assert_int_eq(jf_testwatch_next(w, 3000, &ev), -EPIPE);
	ck_assert(jf_testwatch_ended(w, &clean));
	ck_assert(!clean);
	jf_testwatch_close(w);
	create_cm("c", NULL);
	patch_cm("b", "{\"data\":{\"x\":\"2\"}}");
	snprintf(path, sizeof(path), CM "?watch=true&resourceVersion=%ld", r3);
	ck_assert_int_eq(jf_testwatch_open(&env, path, &w), 0);
	last = expect_event(w, "ADDED", "c");
	ck_assert_int_gt(last, r3);
	last = expect_event(w, "MODIFIED", "b");
	ck_assert_int_eq(jf_testwatch_next(w, 300, &ev), -ETIMEDOUT);
	jf_testwatch_close(w);
	/* resourceVersion=0: synthetic ADDED for the current objects */
	ck_assert_int_eq(jf_testwatch_open(&env,
					   CM "?watch=true&"
					      "resourceVersion=0",
					   &w),
			 0);
	expect_event(w, "ADDED", "b");
	expect_event(w, "ADDED", "c");
	ck_assert_int_eq(jf_testwatch_next(w, 300, &ev), -ETIMEDOUT);
	jf_testwatch_close(w);
}
END_TEST

START_TEST(test_watch_expired_410)
{
	struct jf_testwatch *w;
	char path[256];
	long rv;
	cJSON *ev = NULL;

	create_cm("a", NULL);
	rv = list_rv();
	create_cm("b", NULL);
	REQ_EXPECT(200, "POST", "/kubesim/expire-history", "{}");
	snprintf(path, sizeof(path), CM "?watch=true&resourceVersion=%ld", rv);
	ck_assert_int_eq(jf_testwatch_open(&env, path, &w), 0);
	ck_assert_int_eq(jf_testwatch_next(w, 3000, &ev), 0);
	ck_assert_int_eq(jf_testwatch_code(w), 200);
	ck_assert_str_eq(jstr(ev, "type"), "ERROR");
	ck_assert_str_eq(jstr(ev, "object.kind"), "Status");
	ck_assert_int_eq(jf_json_int(ev, "object.code", 0), 410);
	ck_assert_str_eq(jstr(ev, "object.reason"), "Expired");
	ck_assert_int_eq(strncmp(jstr(ev, "object.message"),
				 "too old resource version: ", 26),
			 0);
	cJSON_Delete(ev);
	ck_assert_int_eq(jf_testwatch_next(w, 3000, &ev), -EPIPE);
	jf_testwatch_close(w);
	/* a fresh list + watch from its RV works again */
	snprintf(path, sizeof(path), CM "?watch=true&resourceVersion=%ld",
		 list_rv());
	ck_assert_int_eq(jf_testwatch_open(&env, path, &w), 0);
	create_cm("c", NULL);
	expect_event(w, "ADDED", "c");
	jf_testwatch_close(w);
}
END_TEST

START_TEST(test_watch_bookmarks_and_timeout)
{
	struct jf_testwatch *w;
	cJSON *ev = NULL;
	int bookmarks = 0, rc;
	long long t0 = mono_ms();
	bool clean = false;
	char rv[32];

	create_cm("a", NULL);
	snprintf(rv, sizeof(rv), "%ld", list_rv());
	ck_assert_int_eq(jf_testwatch_open(&env,
					   CM "?watch=true&resourceVersion=0&"
					      "allowWatchBookmarks=true&"
					      "timeoutSeconds=1",
					   &w),
			 0);
	expect_event(w, "ADDED", "a");
	while ((rc = jf_testwatch_next(w, 3000, &ev)) == 0) {
		ck_assert_str_eq(jstr(ev, "type"), "BOOKMARK");
		ck_assert_str_eq(jstr(ev, "object.kind"), "ConfigMap");
		ck_assert_str_eq(jstr(ev, "object.metadata.resourceVersion"),
				 rv);
		bookmarks++;
		cJSON_Delete(ev);
	}
	ck_assert_int_eq(rc, -EPIPE);
	ck_assert(jf_testwatch_ended(w, &clean));
	ck_assert_msg(clean, "the watch should end with the final chunk");
	ck_assert_int_ge(bookmarks, 3);
	ck_assert_int_ge(mono_ms() - t0, 900);
	ck_assert_int_le(mono_ms() - t0, 2500);
	jf_testwatch_close(w);
}
END_TEST

START_TEST(test_watch_send_initial_events)
{
	cJSON *o = NULL;

	ck_assert_int_eq(req("GET",
			     CM "?watch=true&sendInitialEvents=true&"
				"resourceVersionMatch=NotOlderThan&"
				"allowWatchBookmarks=true",
			     NULL, &o),
			 422);
	ck_assert_str_eq(jstr(o, "reason"), "Invalid");
	ck_assert_str_eq(jstr(o, "details.causes[0].field"),
			 "sendInitialEvents");
	ck_assert_ptr_nonnull(strstr(jstr(o, "message"),
				     "sendInitialEvents is forbidden for "
				     "watch unless the WatchList feature gate "
				     "is enabled"));
	cJSON_Delete(o);
}
END_TEST

START_TEST(test_watch_selectors)
{
	struct jf_testwatch *w, *wf;
	char path[256];
	cJSON *ev = NULL;

	snprintf(path, sizeof(path),
		 CM "?watch=true&resourceVersion=%ld&labelSelector=app%%3Dx",
		 list_rv());
	ck_assert_int_eq(jf_testwatch_open(&env, path, &w), 0);
	ck_assert_int_eq(jf_testwatch_open(&env,
					   CM "?watch=true&fieldSelector="
					      "metadata.name%3Dm",
					   &wf),
			 0);
	usleep(100000);
	create_cm("n", "\"app\":\"y\"");
	create_cm("m", "\"app\":\"x\"");
	expect_event(w, "ADDED", "m");
	patch_cm("m", "{\"metadata\":{\"labels\":{\"app\":\"y\"}}}");
	ck_assert_int_eq(jf_testwatch_next(w, 3000, &ev), 0);
	ck_assert_str_eq(jstr(ev, "type"), "DELETED");
	/* the previous content under the new resourceVersion */
	ck_assert_str_eq(jstr(ev, "object.metadata.labels.app"), "x");
	cJSON_Delete(ev);
	patch_cm("m", "{\"metadata\":{\"labels\":{\"app\":\"x\"}}}");
	expect_event(w, "ADDED", "m");
	patch_cm("n", "{\"data\":{\"k\":\"v\"}}");
	ck_assert_int_eq(jf_testwatch_next(w, 300, &ev), -ETIMEDOUT);
	/* field selector: only m */
	expect_event(wf, "ADDED", "m");
	expect_event(wf, "MODIFIED", "m");
	expect_event(wf, "MODIFIED", "m");
	ck_assert_int_eq(jf_testwatch_next(wf, 300, &ev), -ETIMEDOUT);
	jf_testwatch_close(w);
	jf_testwatch_close(wf);
	/* a watch on events by involvedObject */
	{
		struct jf_testwatch *we;

		ck_assert_int_eq(
			jf_testwatch_open(&env,
					  "/api/v1/namespaces/default/events?"
					  "watch=true&fieldSelector="
					  "involvedObject.name%3Dm",
					  &we),
			0);
		REQ_EXPECT(201, "POST", "/api/v1/namespaces/default/events",
			   "{\"metadata\":{\"name\":\"x1\"},"
			   "\"involvedObject\":{\"name\":\"n\"}}");
		REQ_EXPECT(201, "POST", "/api/v1/namespaces/default/events",
			   "{\"metadata\":{\"name\":\"x2\"},"
			   "\"involvedObject\":{\"name\":\"m\"}}");
		expect_event(we, "ADDED", "x2");
		ck_assert_int_eq(jf_testwatch_next(we, 300, &ev), -ETIMEDOUT);
		jf_testwatch_close(we);
	}
	/* bad selectors are 400 */
	ck_assert_int_eq(req("GET", CM "?watch=true&fieldSelector=spec.x%3D1",
			     NULL, NULL),
			 400);
}
END_TEST

START_TEST(test_watch_fanout_many)
{
	struct jf_testwatch *w[8];
	char path[256], name[32];
	long rv = list_rv();

	snprintf(path, sizeof(path), CM "?watch=true&resourceVersion=%ld", rv);
	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(jf_testwatch_open(&env, path, &w[i]), 0);
	for (int i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "x%02d", i);
		create_cm(name, NULL);
	}
	for (int k = 0; k < 8; k++) {
		long prev = rv;

		for (int i = 0; i < 50; i++) {
			long r;

			snprintf(name, sizeof(name), "x%02d", i);
			r = expect_event(w[k], "ADDED", name);
			ck_assert_int_gt(r, prev);
			prev = r;
		}
		jf_testwatch_close(w[k]);
	}
}
END_TEST

START_TEST(test_watch_survives_crd_update)
{
	struct jf_testwatch *w;
	cJSON *ev = NULL;
	const char *wg = "/apis/example.com/v1/namespaces/default/widgets";
	int bookmarks = 0;

	add_widget_crd();
	ck_assert_int_eq(jf_testwatch_open(&env,
					   "/apis/example.com/v1/namespaces/"
					   "default/widgets?watch=true&"
					   "allowWatchBookmarks=true",
					   &w),
			 0);
	/* re-applying the CRD replaces the served type's description */
	ck_assert_int_eq(req_ct("PATCH",
				"/apis/apiextensions.k8s.io/v1/"
				"customresourcedefinitions/widgets.example.com",
				"application/merge-patch+json",
				"{\"spec\":{\"names\":{\"shortNames\":[\"wg\","
				"\"wdg\"]}}}",
				NULL),
			 200);
	REQ_EXPECT(201, "POST", wg, "{\"metadata\":{\"name\":\"a\"}}");
	expect_event(w, "ADDED", "a");
	while (bookmarks < 2 && jf_testwatch_next(w, 2000, &ev) == 0) {
		ck_assert_str_eq(jstr(ev, "type"), "BOOKMARK");
		ck_assert_str_eq(jstr(ev, "object.apiVersion"),
				 "example.com/v1");
		ck_assert_str_eq(jstr(ev, "object.kind"), "Widget");
		bookmarks++;
		cJSON_Delete(ev);
	}
	ck_assert_int_eq(bookmarks, 2);
	jf_testwatch_close(w);
}
END_TEST

static const char *const small_pending[] = {"--watch-max-pending", "262144",
					    NULL};

static void slow_up(void)
{
	extra_args = small_pending;
	env_up();
}

START_TEST(test_slow_watcher_is_cut)
{
	struct jf_testwatch *w;
	char *body = malloc(70000), name[32];
	cJSON *ev = NULL, *st = NULL;
	int got = 0, rc;

	ck_assert_int_eq(jf_testwatch_open(&env, CM "?watch=true", &w), 0);
	/* the watcher reads nothing while ~30 MB of events pile up */
	for (int i = 0; i < 400; i++) {
		int n;

		snprintf(name, sizeof(name), "big%03d", i);
		n = snprintf(body, 70000,
			     "{\"metadata\":{\"name\":\"%s\"},\"data\":{"
			     "\"x\":\"",
			     name);
		memset(body + n, 'x', 65536);
		strcpy(body + n + 65536, "\"}}");
		REQ_EXPECT(201, "POST", CM, body);
	}
	free(body);
	ck_assert_int_eq(req("GET", "/kubesim/stats", NULL, &st), 200);
	ck_assert_int_eq(jf_json_int(st, "watches_current", -1), 0);
	cJSON_Delete(st);
	while ((rc = jf_testwatch_next(w, 5000, &ev)) == 0) {
		got++;
		cJSON_Delete(ev);
	}
	ck_assert_int_eq(rc, -EPIPE);
	ck_assert_int_lt(got, 400);
	jf_testwatch_close(w);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("kubesim_watch");
	struct {
		const char *name;
		const TTest *t;
	} cases[] = {
		{"resume", test_watch_from_rv_and_resume},
		{"expired", test_watch_expired_410},
		{"bookmarks", test_watch_bookmarks_and_timeout},
		{"initial_events", test_watch_send_initial_events},
		{"selectors", test_watch_selectors},
		{"fanout", test_watch_fanout_many},
		{"crd_update", test_watch_survives_crd_update},
	};

	extra_args = fast_bookmarks;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TCase *tc = tcase_create(cases[i].name);

		tcase_add_checked_fixture(tc, env_up, env_down);
		tcase_set_timeout(tc, 30);
		tcase_add_test(tc, cases[i].t);
		suite_add_tcase(s, tc);
	}
	{
		TCase *tc = tcase_create("slow_watcher");

		tcase_add_checked_fixture(tc, slow_up, env_down);
		tcase_set_timeout(tc, 60);
		tcase_add_test(tc, test_slow_watcher_is_cut);
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
