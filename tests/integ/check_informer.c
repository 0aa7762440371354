/* check_informer.c - integration suite for informers and watches against a
 * real kubesim: resume after dropped watches with no lost or duplicated
 * events, relist on 410 with tombstones, a cache equal to the server after
 * 10k random mutations with watches dropped at random, the mutation cache
 * and resync. */
#include <check.h>
#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jf_hmap.h"
#include "jf_informer.h"
#include "jf_json.h"
#include "jf_k8s.h"
#include "jf_log.h"
#include "jf_time.h"

#include "tests/integ/client_testutil.h"

/* --- recording handlers ----------------------------------------------------
 */

struct rec {
	int adds, updates, deletes, tombstones, resync_updates;
	struct jf_hmap last_rv; /* key -> strdup(rv) delivered last */
	int dup_or_old;		/* events whose RV was not newer */
	const cJSON *last_old;	/* for the mutation cache test */
	char last_old_rv[32];
};

static void key_of(const cJSON *o, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/%s", jf_json_str(o, "metadata.namespace", ""),
		 jf_json_str(o, "metadata.name", ""));
}

static void note_rv(struct rec *r, const cJSON *o)
{
	const char *rv = jf_json_str(o, "metadata.resourceVersion", "");
	char key[256], *old = NULL;

	key_of(o, key, sizeof(key));
	old = jf_hmap_get(&r->last_rv, key);
	if (old && jf_informer_rv_cmp(rv, old) <= 0)
		r->dup_or_old++;
	jf_hmap_put(&r->last_rv, key, strdup(rv), (void **)&old);
	free(old);
}

static void on_add(const cJSON *o, void *arg)
{
	struct rec *r = arg;

	r->adds++;
	note_rv(r, o);
}

static void on_update(const cJSON *old, const cJSON *o, void *arg)
{
	struct rec *r = arg;

	if (old == o) {
		r->resync_updates++;
		return;
	}
	r->updates++;
	snprintf(r->last_old_rv, sizeof(r->last_old_rv), "%s",
		 jf_json_str(old, "metadata.resourceVersion", ""));
	note_rv(r, o);
}

static void on_delete(const cJSON *o, bool unknown, void *arg)
{
	struct rec *r = arg;
	char key[256];

	r->deletes++;
	r->tombstones += unknown;
	key_of(o, key, sizeof(key));
	free(jf_hmap_del(&r->last_rv, key));
}

static int free_val(const char *k, void *v, void *arg)
{
	free(v);
	return 0;
}

static void rec_release(struct rec *r)
{
	jf_hmap_foreach(&r->last_rv, free_val, NULL);
	jf_hmap_release(&r->last_rv);
}

/* --- helpers -----------------------------------------------------------------
 */

/* Runs the loop until pred(arg) or timeout; returns pred's last value. */
static bool run_until(struct event_base *base, bool (*pred)(void *), void *arg,
		      int timeout_ms)
{
	int64_t end = jf_mono_ms() + timeout_ms;
	struct timeval tick = {0, 5000};

	while (!pred(arg) && jf_mono_ms() < end) {
		event_base_loopexit(base, &tick);
		event_base_dispatch(base);
	}
	return pred(arg);
}

static void pump(struct event_base *base)
{
	event_base_loop(base, EVLOOP_NONBLOCK);
}

static int server_watches(void)
{
	cJSON *st = NULL;
	int n;

	ck_assert_int_eq(
		jf_test_req(&env, "GET", "/kubesim/stats", NULL, NULL, &st),
		200);
	n = (int)jf_json_int(st, "watches_current", -1);
	cJSON_Delete(st);
	return n;
}

/* Runs the loop until the server holds at least one watch. */
static void wait_server_watch(struct event_base *base)
{
	int64_t end = jf_mono_ms() + 10000;
	struct timeval tick = {0, 20 * 1000};

	while (server_watches() < 1) {
		ck_assert_msg(jf_mono_ms() < end, "no watch re-established");
		event_base_loopexit(base, &tick);
		event_base_dispatch(base);
	}
}

static bool synced(void *arg)
{
	return jf_informer_has_synced(arg);
}

static int64_t server_rv(void)
{
	cJSON *st = NULL;
	int64_t rv;

	ck_assert_int_eq(
		jf_test_req(&env, "GET", "/kubesim/stats", NULL, NULL, &st),
		200);
	rv = jf_json_int(st, "resource_version", -1);
	cJSON_Delete(st);
	return rv;
}

struct catchup {
	struct jf_informer *inf;
	int64_t rv;
};

static bool caught_up(void *arg)
{
	struct catchup *c = arg;
	const char *rv = jf_informer_last_rv(c->inf);

	return *rv && strtoll(rv, NULL, 10) >= c->rv;
}

/* Waits until the informer has seen the server's current RV (a bookmark
 * or an event). */
static void wait_caught_up(struct event_base *base, struct jf_informer *inf,
			   const char *ns)
{
	struct catchup c = {inf, server_rv()};
	char path[160];

	/* A write in a throwaway object makes sure an event with the
	 * latest RV reaches the watch even without bookmarks. */
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/configmaps", ns);
	ck_assert_int_eq(
		jf_test_req(
			&env, "POST", path, NULL,
			"{\"metadata\":{\"generateName\":\"sync-\",\"labels\":{\"sync\":\"1\"}}}",
			NULL),
		201);
	c.rv = server_rv();
	ck_assert_msg(run_until(base, caught_up, &c, 20000),
		      "informer at rv %s, server at %lld",
		      jf_informer_last_rv(inf), (long long)c.rv);
}

struct cmp {
	struct jf_informer *inf;
	int mismatches;
	int checked;
};

/* The informer's cache must equal the server's list (name -> RV). */
static void compare_with_server(struct jf_informer *inf, const char *nspath)
{
	cJSON *list = NULL, *it;
	char path[200];
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/configmaps", nspath);
	ck_assert_int_eq(jf_test_req(&env, "GET", path, NULL, NULL, &list),
			 200);
	cJSON_ArrayForEach (it, cJSON_GetObjectItem(list, "items")) {
		const char *ns = jf_json_str(it, "metadata.namespace", "");
		const char *name = jf_json_str(it, "metadata.name", "");
		cJSON *got = jf_informer_get(inf, ns, name);

		ck_assert_msg(got, "'%s/%s' missing from the cache", ns, name);
		ck_assert_str_eq(
			jf_json_str(got, "metadata.resourceVersion", ""),
			jf_json_str(it, "metadata.resourceVersion", ""));
		ck_assert_str_eq(jf_json_str(got, "metadata.labels.app", "-"),
				 jf_json_str(it, "metadata.labels.app", "-"));
		cJSON_Delete(got);
		n++;
	}
	ck_assert_uint_eq(jf_informer_len(inf), n);
	cJSON_Delete(list);
}

static int app_index(const cJSON *obj, const char **vals, int max, void *arg)
{
	const char *v = jf_json_str(obj, "metadata.labels.app", NULL);

	if (!v)
		return 0;
	vals[0] = v;
	return 1;
}

static struct jf_informer *new_informer(struct jf_k8s_client *c, const char *ns,
					struct rec *r, int64_t resync_ms)
{
	struct jf_informer_opts o = {.res = &jf_k8s_res_configmaps,
				     .ns = ns,
				     .resync_ms = resync_ms,
				     .backoff_init_ms = 50,
				     .backoff_max_ms = 500,
				     /* as jobflowd runs them (its default) */
				     .pack_cache = true};
	struct jf_informer_handlers h = {on_add, on_update, on_delete, r};
	struct jf_informer *inf;

	jf_hmap_init(&r->last_rv);
	ck_assert_int_eq(jf_informer_new(c, &o, &h, &inf), 0);
	ck_assert_int_eq(jf_informer_add_index(inf, "app", app_index, NULL), 0);
	return inf;
}

static void mk(const char *ns, const char *name, const char *app)
{
	char path[160], body[256];

	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/configmaps", ns);
	snprintf(
		body, sizeof(body),
		"{\"metadata\":{\"name\":\"%s\",\"labels\":{\"app\":\"%s\"},"
		"\"managedFields\":[{\"manager\":\"x\"}]},\"data\":{\"v\":\"0\"}}",
		name, app);
	ck_assert_int_eq(jf_test_req(&env, "POST", path, NULL, body, NULL),
			 201);
}

static void upd(const char *ns, const char *name, const char *app, int v)
{
	char path[200], body[256];

	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/configmaps/%s", ns,
		 name);
	snprintf(
		body, sizeof(body),
		"{\"metadata\":{\"labels\":{\"app\":\"%s\"}},\"data\":{\"v\":\"%d\"}}",
		app, v);
	ck_assert_int_eq(jf_test_req(&env, "PATCH", path,
				     "application/merge-patch+json", body,
				     NULL),
			 200);
}

static void del(const char *ns, const char *name)
{
	char path[200];

	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/configmaps/%s", ns,
		 name);
	ck_assert_int_eq(jf_test_req(&env, "DELETE", path, NULL, NULL, NULL),
			 200);
}

/* Returns how many watches the server dropped. */
static int drop_watches(void)
{
	cJSON *r = NULL;
	int n;

	ck_assert_int_eq(jf_test_req(&env, "POST", "/kubesim/drop-watches",
				     NULL, "{}", &r),
			 200);
	n = (int)jf_json_int(r, "dropped", 0);
	cJSON_Delete(r);
	return n;
}

/* --- tests ------------------------------------------------------------------
 */

START_TEST(test_resume_after_drop_no_loss_no_dup)
{
	struct event_base *base = event_base_new();
	struct jf_k8s_client *c = new_client(base, NULL);
	struct rec r = {0};
	struct jf_informer *inf;
	struct jf_informer_stats st;
	char name[32];

	ensure_ns("inf1");
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "pre%d", i);
		mk("inf1", name, "a");
	}
	inf = new_informer(c, "inf1", &r, 0);
	ck_assert_int_eq(jf_informer_start(inf), 0);
	ck_assert(run_until(base, synced, inf, 10000));
	ck_assert_int_eq(r.adds, 20);
	wait_server_watch(base);
	for (int round = 0; round < 5; round++) {
		for (int i = 0; i < 10; i++) {
			snprintf(name, sizeof(name), "r%d-%d", round, i);
			mk("inf1", name, "b");
			pump(base);
			upd("inf1", name, "c", i);
			if (i == 5) {
				/* cut the stream mid-way; changes made
				 * before it is back must not be lost */
				ck_assert_int_ge(drop_watches(), 1);
				mk("inf1", "gap", "b");
				del("inf1", "gap");
				wait_server_watch(base);
			}
			pump(base);
		}
		snprintf(name, sizeof(name), "pre%d", round);
		del("inf1", name);
	}
	wait_caught_up(base, inf, "inf1");
	compare_with_server(inf, "/api/v1/namespaces/inf1");
	jf_informer_get_stats(inf, &st);
	/* every mutation delivered once, in order; resumed, not relisted */
	ck_assert_int_eq(r.dup_or_old, 0);
	/* + 5 "gap" objects created and deleted while the watch was down,
	 * + the catch-up object */
	ck_assert_int_eq(r.adds, 20 + 50 + 5 + 1);
	ck_assert_int_eq(r.updates, 50);
	ck_assert_int_eq(r.deletes, 5 + 5);
	ck_assert_int_eq(r.tombstones, 0);
	ck_assert_uint_eq(st.relists, 0);
	ck_assert_uint_ge(st.watches, 6);
	ck_assert_uint_eq(st.events, 50 + 50 + 5 + 10 + 1);
	ck_assert_uint_eq(jf_informer_index_count(inf, "app", "c"), 50);
	ck_assert_uint_eq(jf_informer_index_count(inf, "app", "a"), 15);
	/* managedFields were stripped before caching */
	ck_assert_ptr_null(
		strstr(jf_informer_get_raw(inf, "inf1", "pre9", NULL),
		       "managedFields"));
	jf_informer_free(inf);
	rec_release(&r);
	jf_k8s_client_free(c);
	event_base_free(base);
}
END_TEST

START_TEST(test_relist_on_410_with_tombstones)
{
	struct event_base *base = event_base_new();
	struct jf_k8s_client *c = new_client(base, NULL);
	struct rec r = {0};
	struct jf_informer *inf;
	struct jf_informer_stats st;
	char name[32];
	cJSON *res = NULL;

	ensure_ns("inf2");
	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "x%d", i);
		mk("inf2", name, "a");
	}
	inf = new_informer(c, "inf2", &r, 0);
	ck_assert_int_eq(jf_informer_start(inf), 0);
	ck_assert(run_until(base, synced, inf, 10000));
	/* while it is away: deletes, updates, creates, history expires */
	jf_informer_stop(inf);
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "x%d", i);
		del("inf2", name);
	}
	upd("inf2", "x9", "z", 9);
	mk("inf2", "y0", "a");
	ck_assert_int_eq(jf_test_req(&env, "POST", "/kubesim/expire-history",
				     NULL, "{}", &res),
			 200);
	cJSON_Delete(res);
	ck_assert_int_eq(jf_informer_start(inf), 0);
	wait_caught_up(base, inf, "inf2");
	compare_with_server(inf, "/api/v1/namespaces/inf2");
	jf_informer_get_stats(inf, &st);
	ck_assert_uint_ge(st.expired, 1);
	ck_assert_uint_eq(st.relists, 1);
	ck_assert_int_eq(r.tombstones, 4); /* final state unknown */
	ck_assert_int_eq(r.deletes, 4);
	ck_assert_int_eq(r.updates, 1);
	ck_assert_int_eq(r.adds, 10 + 1 + 1);
	jf_informer_free(inf);
	rec_release(&r);
	jf_k8s_client_free(c);
	event_base_free(base);
}
END_TEST

START_TEST(test_cache_equals_server_after_10k_mutations)
{
	enum {
		KEYS = 400,
		NSS = 3
	};
	int ops = getenv("JF_MUTATIONS") ? atoi(getenv("JF_MUTATIONS")) : 10000;
	static bool exists[NSS][KEYS];
	struct event_base *base = event_base_new();
	struct jf_k8s_client *c = new_client(base, NULL);
	struct rec r = {0};
	struct jf_informer *inf;
	struct jf_informer_stats st;
	const char *apps[] = {"a", "b", "c", "d"};
	char ns[16], name[32];
	int drops = 0;

	for (int i = 0; i < NSS; i++) {
		snprintf(ns, sizeof(ns), "mut%d", i);
		ensure_ns(ns);
	}
	inf = new_informer(c, NULL, &r, 0);
	ck_assert_int_eq(jf_informer_start(inf), 0);
	ck_assert(run_until(base, synced, inf, 10000));
	srand(1234);
	for (int op = 0; op < ops; op++) {
		int n = rand() % NSS, k = rand() % KEYS;
		const char *app = apps[rand() % 4];

		snprintf(ns, sizeof(ns), "mut%d", n);
		snprintf(name, sizeof(name), "k%d", k);
		if (!exists[n][k]) {
			mk(ns, name, app);
			exists[n][k] = true;
		} else if (rand() % 4 == 0) {
			del(ns, name);
			exists[n][k] = false;
		} else {
			upd(ns, name, app, op);
		}
		if (rand() % 300 == 0)
			drops += drop_watches() > 0;
		pump(base);
	}
	wait_caught_up(base, inf, "mut0");
	jf_informer_get_stats(inf, &st);
	fprintf(stderr,
		"10k mutations: %d drops, watches %llu, relists %llu, events %llu, objects %zu, cache %zu bytes\n",
		drops, (unsigned long long)st.watches,
		(unsigned long long)st.relists, (unsigned long long)st.events,
		st.objects, st.bytes);
	compare_with_server(inf, "/api/v1");
	ck_assert_int_eq(r.dup_or_old, 0);
	/* one watch to start with, one more after each drop that hit */
	ck_assert_uint_ge(st.watches, (uint64_t)drops + 1);
	/* index by label agrees with a count over the cache */
	for (int a = 0; a < 4; a++) {
		char path[160];
		cJSON *list = NULL;

		snprintf(path, sizeof(path),
			 "/api/v1/configmaps?labelSelector=app%%3D%s", apps[a]);
		ck_assert_int_eq(
			jf_test_req(&env, "GET", path, NULL, NULL, &list), 200);
		ck_assert_uint_eq(jf_informer_index_count(inf, "app", apps[a]),
				  (size_t)cJSON_GetArraySize(
					  cJSON_GetObjectItem(list, "items")));
		cJSON_Delete(list);
	}
	jf_informer_free(inf);
	rec_release(&r);
	jf_k8s_client_free(c);
	event_base_free(base);
}
END_TEST

struct patched {
	struct jf_k8s_response r;
	bool done;
};

START_TEST(test_mutation_cache_no_duplicate_callbacks)
{
	struct event_base *base = event_base_new();
	struct jf_k8s_client *c = new_client(base, NULL), *c2;
	struct rec r = {0};
	struct jf_informer *inf;
	struct jf_informer_stats st;
	struct patched p = {0};
	struct jf_k8s_req q = {.verb = JF_K8S_PATCH,
			       .res = &jf_k8s_res_configmaps,
			       .ns = "inf3",
			       .name = "m",
			       .body = "{\"data\":{\"v\":\"mine\"}}",
			       .max_retries = -1};
	cJSON *got;
	char rv[32];

	ensure_ns("inf3");
	mk("inf3", "m", "a");
	inf = new_informer(c, "inf3", &r, 0);
	ck_assert_int_eq(jf_informer_start(inf), 0);
	ck_assert(run_until(base, synced, inf, 10000));
	/* A worker writes with its own (synchronous) client; the informer's
	 * loop does not run in between, as in the supervisor. */
	c2 = new_client(NULL, NULL);
	ck_assert_int_eq(jf_k8s_do(c2, &q, &p.r), 0);
	jf_k8s_client_free(c2);
	snprintf(rv, sizeof(rv), "%s",
		 jf_json_str(p.r.body, "metadata.resourceVersion", ""));
	/* observed at once: the next reconcile sees our write */
	ck_assert_int_eq(jf_informer_observe(inf, p.r.body), 1);
	got = jf_informer_get(inf, "inf3", "m");
	ck_assert_str_eq(jf_json_str(got, "data.v", ""), "mine");
	cJSON_Delete(got);
	jf_k8s_response_release(&p.r);
	/* the watch event with the same RV changes nothing */
	wait_caught_up(base, inf, "inf3");
	ck_assert_int_eq(r.updates, 0);
	jf_informer_get_stats(inf, &st);
	ck_assert_uint_ge(st.dropped, 1);
	/* someone else's change: one update, old = what we wrote */
	upd("inf3", "m", "b", 7);
	wait_caught_up(base, inf, "inf3");
	ck_assert_int_eq(r.updates, 1);
	ck_assert_str_eq(r.last_old_rv, rv);
	ck_assert_int_eq(r.dup_or_old, 0);
	jf_informer_free(inf);
	rec_release(&r);
	jf_k8s_client_free(c);
	event_base_free(base);
}
END_TEST

struct resynced {
	struct rec *r;
	int want;
};

static bool resync_seen(void *arg)
{
	struct resynced *s = arg;

	return s->r->resync_updates >= s->want;
}

START_TEST(test_resync_without_api_calls)
{
	struct event_base *base = event_base_new();
	struct jf_k8s_client *c = new_client(base, NULL);
	struct rec r = {0};
	struct resynced s = {&r, 3 * 5};
	struct jf_informer *inf;
	uint64_t lists;

	ensure_ns("inf4");
	for (int i = 0; i < 5; i++) {
		char name[16];

		snprintf(name, sizeof(name), "s%d", i);
		mk("inf4", name, "a");
	}
	inf = new_informer(c, "inf4", &r, 150);
	ck_assert_int_eq(jf_informer_start(inf), 0);
	ck_assert(run_until(base, synced, inf, 10000));
	lists = jf_k8s_client_count(c, JF_K8S_LIST, -1);
	ck_assert(run_until(base, resync_seen, &s, 5000));
	ck_assert_uint_eq(jf_k8s_client_count(c, JF_K8S_LIST, -1), lists);
	ck_assert_int_eq(r.updates, 0);
	jf_informer_free(inf);
	rec_release(&r);
	jf_k8s_client_free(c);
	event_base_free(base);
}
END_TEST

static Suite *informer_suite(void)
{
	Suite *s = suite_create("informer");
	TCase *tc = tcase_create("watch");

	tcase_add_unchecked_fixture(tc, env_start, env_down);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_resume_after_drop_no_loss_no_dup);
	tcase_add_test(tc, test_relist_on_410_with_tombstones);
	tcase_add_test(tc, test_mutation_cache_no_duplicate_callbacks);
	tcase_add_test(tc, test_resync_without_api_calls);
	suite_add_tcase(s, tc);
	tc = tcase_create("soak");
	tcase_add_unchecked_fixture(tc, env_start, env_down);
	tcase_set_timeout(tc, 880);
	tcase_add_test(tc, test_cache_equals_server_after_10k_mutations);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(informer_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
