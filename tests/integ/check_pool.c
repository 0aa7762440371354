/* check_pool.c - the worker pool with real jobflow-worker processes: READY,
 * respawn and throttling, resize, rolling replacement, stop, and the
 * fast-failure and fatal-exit brakes. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "jf_json.h"
#include "jf_log.h"
#include "jf_time.h"
#include "supervisor/pool.h"

static struct event_base *base;
static struct event *sigchld;
static struct jf_pool pool;
static char run_dir[64];
static char worker_path[512];
static char kubeconfig[128];
/* Workers build their API client at start: give them a configuration
 * (never contacted by these tests). */
static const char *worker_args[] = {"--kubeconfig", kubeconfig, NULL};
static int fatal_code;
static int results, idles, lost;
static char last_result_key[64];
static bool last_result_ok;

static void on_chld(evutil_socket_t fd, short what, void *arg)
{
	jf_pool_reap(&pool);
}

static void on_idle(struct jf_pool *p, struct jf_slot *s, void *arg)
{
	idles++;
}

static void on_result(struct jf_pool *p, struct jf_slot *s, const char *key,
		      const cJSON *body, void *arg)
{
	results++;
	snprintf(last_result_key, sizeof(last_result_key), "%s", key);
	last_result_ok = jf_json_bool(body, "ok", true);
}

static void on_lost(struct jf_pool *p, const char *key, const char *why,
		    void *arg)
{
	lost++;
}

static void on_fatal(struct jf_pool *p, int code, const char *why, void *arg)
{
	fatal_code = code;
}

static struct jf_pool_opts base_opts(void)
{
	struct jf_pool_opts o = {
		.worker_path = worker_path,
		.run_dir = run_dir,
		.worker_args = worker_args,
		.target = 3,
		.min = 1,
		.max = 8,
		.task_timeout_ms = 10000,
		.ready_timeout_ms = 5000,
		.throttle_ms = 200,
		.backoff_base_ms = 100,
		.backoff_max_ms = 1000,
		.fast_ms = 2000,
		.max_fast_failures = 1000,
		.fast_window_ms = 60000,
		.stop_grace_ms = 2000,
	};

	return o;
}

static void setup(void)
{
	const char *bin = getenv("JF_BIN_DIR");

	snprintf(worker_path, sizeof(worker_path), "%s/jobflow-worker",
		 bin ? bin : "build/bin");
	snprintf(run_dir, sizeof(run_dir), "/tmp/jf-pool-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(run_dir));
	snprintf(kubeconfig, sizeof(kubeconfig), "%s/kubeconfig", run_dir);
	{
		FILE *f = fopen(kubeconfig, "w");

		ck_assert_ptr_nonnull(f);
		fputs("apiVersion: v1\nkind: Config\ncurrent-context: c\n"
		      "clusters: [{name: k, cluster: {server: "
		      "'https://127.0.0.1:9'}}]\n"
		      "users: [{name: u, user: {token: not-used}}]\n"
		      "contexts: [{name: c, context: {cluster: k, user: u}}]\n",
		      f);
		fclose(f);
	}
	base = event_base_new();
	sigchld = evsignal_new(base, SIGCHLD, on_chld, NULL);
	event_add(sigchld, NULL);
	fatal_code = results = idles = lost = 0;
	jf_log_set_level(JF_LOG_WARN);
}

static void teardown(void)
{
	jf_pool_kill_all(&pool);
	usleep(100000);
	jf_pool_reap(&pool);
	jf_pool_release(&pool);
	event_free(sigchld);
	event_base_free(base);
	unlink(kubeconfig);
	rmdir(run_dir);
}

/* Runs the loop until cond() holds or ms pass; returns cond(). */
static bool run_until(bool (*cond)(void), int ms)
{
	int64_t end = jf_mono_ms() + ms;

	while (!cond() && jf_mono_ms() < end) {
		struct timeval tv = {0, 20000};

		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
	return cond();
}

static int want_ready;
static bool ready_reached(void)
{
	return jf_pool_count(&pool, JF_SLOT_IDLE) +
		       jf_pool_count(&pool, JF_SLOT_BUSY) ==
	       want_ready;
}

static bool live_is_want(void)
{
	return jf_pool_live(&pool) == want_ready && ready_reached();
}

static bool fatal_seen(void)
{
	return fatal_code != 0;
}

static bool result_seen(void)
{
	return results > 0;
}

static void start_pool(struct jf_pool_opts o)
{
	struct jf_pool_callbacks cb = {on_idle, on_result, on_lost, on_fatal,
				       NULL};

	ck_assert_int_eq(jf_pool_init(&pool, base, &o, &cb), 0);
	jf_pool_start(&pool);
}

START_TEST(test_workers_become_ready)
{
	start_pool(base_opts());
	want_ready = 3;
	ck_assert(run_until(ready_reached, 5000));
	ck_assert_int_eq(idles, 3);
	for (int i = 0; i < 3; i++) {
		ck_assert_ptr_nonnull(pool.slots[i]);
		ck_assert_int_gt(pool.slots[i]->pid, 0);
	}
}
END_TEST

START_TEST(test_killed_worker_is_respawned_after_throttle)
{
	pid_t old;
	int64_t t0;

	start_pool(base_opts());
	want_ready = 3;
	ck_assert(run_until(ready_reached, 5000));
	old = pool.slots[1]->pid;
	t0 = jf_mono_ms();
	kill(old, SIGKILL);
	want_ready = 2;
	ck_assert(run_until(ready_reached, 2000));
	want_ready = 3;
	ck_assert(run_until(ready_reached, 5000));
	ck_assert_int_ne(pool.slots[1]->pid, old);
	ck_assert_uint_eq(pool.slots[1]->restarts, 1);
	ck_assert_uint_eq(pool.failed_starts_total, 1);
	/* it died before its first task: the slot was throttled ~200 ms */
	ck_assert_int_ge(jf_mono_ms() - t0, 150);
}
END_TEST

START_TEST(test_resize_up_and_down)
{
	start_pool(base_opts());
	want_ready = 3;
	ck_assert(run_until(live_is_want, 5000));
	ck_assert_int_eq(jf_pool_set_target(&pool, 5), 5);
	want_ready = 5;
	ck_assert(run_until(live_is_want, 5000));
	ck_assert_int_eq(jf_pool_set_target(&pool, 2), 2);
	want_ready = 2;
	ck_assert(run_until(live_is_want, 5000));
	/* clamped to [min, max] */
	ck_assert_int_eq(jf_pool_set_target(&pool, 100), 8);
	ck_assert_int_eq(jf_pool_set_target(&pool, 0), 1);
	want_ready = 1;
	ck_assert(run_until(live_is_want, 5000));
	ck_assert_uint_eq(pool.restarts_total, 0);
}
END_TEST

static bool roll_done(void)
{
	return !pool.rolling && ready_reached();
}

START_TEST(test_roll_replaces_every_worker_one_at_a_time)
{
	pid_t before[3];
	int min_ready = 3;

	start_pool(base_opts());
	want_ready = 3;
	ck_assert(run_until(ready_reached, 5000));
	for (int i = 0; i < 3; i++)
		before[i] = pool.slots[i]->pid;
	jf_pool_roll(&pool);
	while (pool.rolling) {
		int ready = jf_pool_count(&pool, JF_SLOT_IDLE) +
			    jf_pool_count(&pool, JF_SLOT_BUSY);

		if (ready < min_ready)
			min_ready = ready;
		ck_assert(!run_until(roll_done, 20) || true);
	}
	ck_assert(run_until(roll_done, 10000));
	for (int i = 0; i < 3; i++)
		ck_assert_int_ne(pool.slots[i]->pid, before[i]);
	/* never more than one worker out at a time */
	ck_assert_int_ge(min_ready, 2);
	ck_assert_uint_eq(pool.restarts_total, 0);
}
END_TEST

START_TEST(test_task_result_roundtrip)
{
	const char task[] = "{\"kind\":\"bogus\",\"key\":\"ns/a\"}";
	struct jf_slot *s;

	start_pool(base_opts());
	want_ready = 3;
	ck_assert(run_until(ready_reached, 5000));
	s = jf_pool_idle(&pool);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(
		jf_pool_dispatch(&pool, s, "ns/a", task, sizeof(task) - 1), 0);
	ck_assert_int_eq(s->state, JF_SLOT_BUSY);
	ck_assert_int_eq(
		jf_pool_dispatch(&pool, s, "ns/b", task, sizeof(task) - 1),
		-EBUSY);
	ck_assert(run_until(result_seen, 5000));
	ck_assert_str_eq(last_result_key, "ns/a");
	ck_assert(!last_result_ok);
	ck_assert_int_eq(s->state, JF_SLOT_IDLE);
	ck_assert_uint_eq(s->tasks_done, 1);
	ck_assert_int_eq(lost, 0);
}
END_TEST

static bool all_gone(void)
{
	return jf_pool_live(&pool) == 0;
}

START_TEST(test_stop_ends_every_worker)
{
	start_pool(base_opts());
	want_ready = 3;
	ck_assert(run_until(ready_reached, 5000));
	jf_pool_stop(&pool, 2000);
	ck_assert(run_until(all_gone, 5000));
	ck_assert_uint_eq(pool.restarts_total, 0);
	ck_assert_int_eq(fatal_code, 0);
}
END_TEST

START_TEST(test_fast_failures_are_fatal)
{
	struct jf_pool_opts o = base_opts();

	/* a worker that dies at once, before READY */
	snprintf(worker_path, sizeof(worker_path), "/bin/false");
	o.throttle_ms = 10;
	o.backoff_max_ms = 20;
	o.max_fast_failures = 4;
	start_pool(o);
	ck_assert(run_until(fatal_seen, 5000));
	ck_assert_int_eq(fatal_code, 1);
}
END_TEST

START_TEST(test_exit_2_is_never_respawned)
{
	static const char *const bad_args[] = {"--kubeconfig", kubeconfig,
					       "--bogus-flag", NULL};
	struct jf_pool_opts o = base_opts();

	o.worker_args = bad_args;
	start_pool(o);
	ck_assert(run_until(fatal_seen, 5000));
	ck_assert_int_eq(fatal_code, 2);
	ck_assert_uint_eq(pool.restarts_total, 0);
	for (int i = 0; i < 3; i++)
		ck_assert(pool.slots[i]->fatal);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pool");
	TCase *tc = tcase_create("processes");
	SRunner *sr;
	int failed;

	signal(SIGPIPE, SIG_IGN);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_workers_become_ready);
	tcase_add_test(tc, test_killed_worker_is_respawned_after_throttle);
	tcase_add_test(tc, test_resize_up_and_down);
	tcase_add_test(tc, test_roll_replaces_every_worker_one_at_a_time);
	tcase_add_test(tc, test_task_result_roundtrip);
	tcase_add_test(tc, test_stop_ends_every_worker);
	tcase_add_test(tc, test_fast_failures_are_fatal);
	tcase_add_test(tc, test_exit_2_is_never_respawned);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
