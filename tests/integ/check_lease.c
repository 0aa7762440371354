/* check_lease.c - integration suite for leader election against a real
 * kubesim: the Lease record, then two and three contenders as separate
 * processes (this program re-executed with JF_LEASE_CONTENDER set), with
 * exactly one leader at any time, SIGKILL and graceful hand-over times, and
 * a leader cut off by an outage stopping before its lease can expire. */
#include <check.h>
#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jf_json.h"
#include "jf_k8s.h"
#include "jf_lease.h"
#include "jf_log.h"
#include "jf_time.h"

#include "tests/lib/jf_testenv.h"

/* Short durations for tests: lease 3 s, renew deadline 2 s, retry 0.5 s. */
#define DUR_MS	 3000
#define RENEW_MS 2000
#define RETRY_MS 500

static struct jf_testenv env;
static char self_exe[4096]; /* this program, for the contenders */

/* --- the contender process ------------------------------------------------ */

struct contender {
	struct event_base *base;
	struct jf_lease *l;
	const char *id;
	int64_t last_renew;
	int exit_code;
};

static void say(const char *what, const char *arg)
{
	printf("%lld %s %s\n", (long long)jf_mono_ms(), what, arg ? arg : "-");
	fflush(stdout);
}

static void c_started(void *arg)
{
	say("started", NULL);
}

static void c_stopped(enum jf_lease_stop_reason why, void *arg)
{
	struct contender *k = arg;

	say("stopped", why == JF_LEASE_RELEASED ? "released"
		       : why == JF_LEASE_LOST	? "lost"
						: "taken");
	if (why != JF_LEASE_RELEASED) {
		/* as the supervisor: stop everything, exit non-zero */
		k->exit_code = 3;
		event_base_loopbreak(k->base);
	}
}

static void c_leader(const char *id, void *arg)
{
	say("leader", *id ? id : "(none)");
}

static void c_released(int err, void *arg)
{
	struct contender *k = arg;

	say("released", err ? jf_strerror(err) : "ok");
	k->exit_code = err ? 4 : 0;
	event_base_loopbreak(k->base);
}

static void c_term(evutil_socket_t fd, short what, void *arg)
{
	struct contender *k = arg;

	say("sigterm", NULL);
	if (jf_lease_release(k->l, c_released, k))
		event_base_loopbreak(k->base);
}

static void c_poll(evutil_socket_t fd, short what, void *arg)
{
	struct contender *k = arg;
	int64_t r = jf_lease_last_renew_ms(k->l);
	char buf[32];

	if (r != k->last_renew && jf_lease_is_leader(k->l)) {
		snprintf(buf, sizeof(buf), "%lld", (long long)r);
		say("renew", buf);
	}
	k->last_renew = r;
}

static int contender_main(void)
{
	struct contender k = {.id = getenv("JF_LEASE_CONTENDER")};
	struct jf_lease_config lc = {.ns = "default",
				     .name = "jobflowd-test",
				     .identity = k.id,
				     .lease_duration_ms = DUR_MS,
				     .renew_deadline_ms = RENEW_MS,
				     .retry_period_ms = RETRY_MS};
	struct jf_lease_callbacks cb = {c_started, c_stopped, c_leader, &k};
	struct jf_k8s_config cfg;
	struct jf_k8s_client *c;
	struct jf_errmsg e = {{0}};
	struct event *term, *poll;
	struct timeval every = {0, 20 * 1000};

	jf_log_init("contender", -1);
	jf_log_set_level(JF_LOG_ERROR);
	k.base = event_base_new();
	if (jf_k8s_kubeconfig_load(getenv("JF_LEASE_KUBECONFIG"), NULL, &cfg,
				   &e) ||
	    jf_k8s_client_new(k.base, &cfg, &c, &e) ||
	    jf_lease_new(c, &lc, &cb, &k.l, &e)) {
		fprintf(stderr, "contender: %s\n", e.msg);
		return 2;
	}
	jf_k8s_config_release(&cfg);
	term = evsignal_new(k.base, SIGTERM, c_term, &k);
	poll = event_new(k.base, -1, EV_PERSIST, c_poll, &k);
	event_add(term, NULL);
	event_add(poll, &every);
	say("start", k.id);
	jf_lease_start(k.l);
	event_base_dispatch(k.base);
	say("exit", NULL);
	event_free(term);
	event_free(poll);
	jf_lease_free(k.l);
	jf_k8s_client_free(c);
	event_base_free(k.base);
	return k.exit_code;
}

/* --- the test side
 * ------------------------------------------------------------- */

struct proc {
	pid_t pid;
	char id[16];
	char log[300];
	int status;
	bool reaped;
};

static void env_up(void)
{
	jf_log_set_level(JF_LOG_ERROR);
	ck_assert_int_eq(jf_testenv_start(&env, NULL), 0);
}

static void env_down(void)
{
	jf_testenv_stop(&env);
}

static void spawn(struct proc *p, const char *id)
{
	snprintf(p->id, sizeof(p->id), "%s", id);
	snprintf(p->log, sizeof(p->log), "%s/%s.log", env.dir, id);
	p->reaped = false;
	p->pid = fork();
	ck_assert_int_ge(p->pid, 0);
	if (p->pid == 0) {
		char *argv[] = {"check_lease", NULL};
		FILE *f = freopen(p->log, "w", stdout);

		if (!f)
			_exit(127);
		setenv("JF_LEASE_CONTENDER", id, 1);
		setenv("JF_LEASE_KUBECONFIG", env.kubeconfig, 1);
		execv(self_exe, argv);
		_exit(127);
	}
}

static void reap(struct proc *p)
{
	if (!p->reaped && waitpid(p->pid, &p->status, 0) == p->pid)
		p->reaped = true;
}

static void kill_all(struct proc *ps, int n)
{
	for (int i = 0; i < n; i++) {
		if (!ps[i].reaped) {
			kill(ps[i].pid, SIGKILL);
			reap(&ps[i]);
		}
	}
}

/* Leadership intervals of one contender, from its log. */
struct interval {
	int64_t from, to; /* to = INT64_MAX while still leading */
};

struct view {
	struct interval iv[32];
	int n;
	int64_t last_renew;
	int64_t stop_ms;
	char stop_reason[16];
	int renews;
};

static void read_view(const struct proc *p, struct view *v)
{
	FILE *f = fopen(p->log, "r");
	char what[32], arg[64];
	long long ms;

	memset(v, 0, sizeof(*v));
	if (!f)
		return;
	while (fscanf(f, "%lld %31s %63s", &ms, what, arg) == 3) {
		if (!strcmp(what, "started") && v->n < 32) {
			v->iv[v->n].from = ms;
			v->iv[v->n].to = INT64_MAX;
			v->n++;
			v->last_renew = ms;
		} else if (!strcmp(what, "stopped") && v->n) {
			v->iv[v->n - 1].to = ms;
			v->stop_ms = ms;
			snprintf(v->stop_reason, sizeof(v->stop_reason), "%s",
				 arg);
		} else if (!strcmp(what, "renew")) {
			v->last_renew = atoll(arg);
			v->renews++;
		}
	}
	fclose(f);
}

/* Index of the contender that leads now (by its own view), -1 if none;
 * fails if two do, or if intervals of two contenders ever overlapped. */
static int check_one_leader(struct proc *ps, int n, int64_t killed_at[])
{
	struct view v[3];
	int leader = -1;

	for (int i = 0; i < n; i++)
		read_view(&ps[i], &v[i]);
	for (int i = 0; i < n; i++) {
		for (int a = 0; a < v[i].n; a++) {
			struct interval x = v[i].iv[a];

			/* a SIGKILLed leader's view ends when it died */
			if (x.to == INT64_MAX && killed_at && killed_at[i])
				x.to = killed_at[i];
			if (x.to == INT64_MAX) {
				ck_assert_msg(leader < 0, "%s and %s both lead",
					      ps[leader < 0 ? 0 : leader].id,
					      ps[i].id);
				leader = i;
			}
			for (int j = i + 1; j < n; j++)
				for (int b = 0; b < v[j].n; b++) {
					struct interval y = v[j].iv[b];

					if (y.to == INT64_MAX && killed_at &&
					    killed_at[j])
						y.to = killed_at[j];
					ck_assert_msg(
						x.to <= y.from ||
							y.to <= x.from,
						"%s [%lld,%lld) overlaps %s [%lld,%lld)",
						ps[i].id, (long long)x.from,
						(long long)x.to, ps[j].id,
						(long long)y.from,
						(long long)y.to);
				}
		}
	}
	return leader;
}

static char *lease_holder(char *buf, size_t cap)
{
	cJSON *l = NULL;
	long code = jf_test_req(
		&env, "GET",
		"/apis/coordination.k8s.io/v1/namespaces/default/leases/jobflowd-test",
		NULL, NULL, &l);

	snprintf(buf, cap, "%s",
		 code == 200 ? jf_json_str(l, "spec.holderIdentity", "") : "");
	cJSON_Delete(l);
	return buf;
}

/* Polls for up to ms, checking the invariant; returns the leader index
 * once one leads (and the Lease names it), or -1 at the deadline. */
static int wait_leader(struct proc *ps, int n, int64_t killed_at[], int exclude,
		       int ms)
{
	int64_t end = jf_mono_ms() + ms;
	char holder[64];

	for (;;) {
		int l = check_one_leader(ps, n, killed_at);

		if (l >= 0 && l != exclude &&
		    !strcmp(lease_holder(holder, sizeof(holder)), ps[l].id))
			return l;
		if (jf_mono_ms() > end)
			return -1;
		usleep(20 * 1000);
	}
}

static int64_t started_at(const struct proc *p)
{
	struct view v;

	read_view(p, &v);
	return v.n ? v.iv[v.n - 1].from : 0;
}

static bool leads(struct event_base *base, struct jf_lease *l, int ms)
{
	int64_t end = jf_mono_ms() + ms;
	struct timeval tick = {0, 20 * 1000};

	while (!jf_lease_is_leader(l) && jf_mono_ms() < end) {
		event_base_loopexit(base, &tick);
		event_base_dispatch(base);
	}
	return jf_lease_is_leader(l);
}

START_TEST(test_lease_record_single)
{
	/* valgrind makes every TLS request slow: longer durations there */
	bool slow = getenv("JF_VALGRIND") != NULL;
	struct event_base *base = event_base_new();
	struct jf_k8s_config cfg;
	struct jf_k8s_client *c;
	struct jf_lease *l;
	struct jf_lease_config lc = {
		.ns = "default",
		.name = "single",
		.identity = "me",
		.lease_duration_ms = slow ? 30000 : DUR_MS,
		.renew_deadline_ms = slow ? 20000 : RENEW_MS,
		.retry_period_ms = RETRY_MS,
		.http_timeout_ms = slow ? 10000 : 0,
	};
	struct jf_lease_stats st;
	struct timeval two = {2, 0};
	cJSON *obj = NULL;
	int64_t t;

	ck_assert_int_eq(
		jf_k8s_kubeconfig_load(env.kubeconfig, NULL, &cfg, NULL), 0);
	ck_assert_int_eq(jf_k8s_client_new(base, &cfg, &c, NULL), 0);
	jf_k8s_config_release(&cfg);
	ck_assert_int_eq(jf_lease_new(c, &lc, NULL, &l, NULL), 0);
	ck_assert(jf_lease_healthy(l, 0));
	ck_assert_int_eq(jf_lease_start(l), 0);
	ck_assert(leads(base, l, slow ? 20000 : 2000));
	event_base_loopexit(base, &two);
	event_base_dispatch(base);
	ck_assert(jf_lease_is_leader(l));
	ck_assert_str_eq(jf_lease_holder(l), "me");
	ck_assert(jf_lease_healthy(l, 0));
	jf_lease_get_stats(l, &st);
	ck_assert_uint_eq(st.transitions, 1);
	ck_assert_uint_ge(st.renewals, slow ? 1 : 2); /* every 0.5 s */
	ck_assert_int_eq(
		jf_test_req(
			&env, "GET",
			"/apis/coordination.k8s.io/v1/namespaces/default/leases/single",
			NULL, NULL, &obj),
		200);
	ck_assert_str_eq(jf_json_str(obj, "spec.holderIdentity", ""), "me");
	ck_assert_int_eq(jf_json_int(obj, "spec.leaseDurationSeconds", 0),
			 lc.lease_duration_ms / 1000);
	ck_assert_int_eq(jf_json_int(obj, "spec.leaseTransitions", -1), 0);
	/* MicroTime: 2026-08-22T10:01:02.345000Z */
	ck_assert_uint_eq(strlen(jf_json_str(obj, "spec.renewTime", "")), 27);
	ck_assert_int_eq(
		jf_time_parse(jf_json_str(obj, "spec.acquireTime", ""), &t), 0);
	ck_assert_int_le(llabs(t - jf_now_ms()), 60000);
	cJSON_Delete(obj);
	jf_lease_free(l);
	jf_k8s_client_free(c);
	event_base_free(base);
}
END_TEST

START_TEST(test_config_validation)
{
	struct jf_k8s_config cfg;
	struct jf_k8s_client *c;
	struct jf_lease *l;
	struct jf_errmsg e = {{0}};
	struct jf_lease_config bad[] = {
		{.ns = "d",
		 .name = "n",
		 .identity = "i",
		 .lease_duration_ms = 2000,
		 .renew_deadline_ms = 2000},
		{.ns = "d",
		 .name = "n",
		 .identity = "i",
		 .lease_duration_ms = 15000,
		 .renew_deadline_ms = 2000,
		 .retry_period_ms = 2000},
		{.ns = "d", .name = "n", .identity = ""},
		{.ns = "", .name = "n", .identity = "i"},
	};

	jf_k8s_config_init(&cfg);
	cfg.server = strdup("https://127.0.0.1:1");
	ck_assert_int_eq(jf_k8s_client_new(NULL, &cfg, &c, NULL), 0);
	jf_k8s_config_release(&cfg);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_eq(jf_lease_new(c, &bad[i], NULL, &l, &e),
				 -JF_ECONFIG);
	ck_assert_ptr_nonnull(strstr(e.msg, "required"));
	jf_k8s_client_free(c);
}
END_TEST

START_TEST(test_two_contenders_one_leader)
{
	struct proc ps[2];
	struct view v;
	int64_t end;
	int l, samples = 0, led = 0, switches = 0, prev = -1;

	spawn(&ps[0], "c1");
	spawn(&ps[1], "c2");
	l = wait_leader(ps, 2, NULL, -1, 5000);
	ck_assert_int_ge(l, 0);
	/* 6 s of steady state, sampled every 50 ms: never two leaders (by
	 * their own views, which never overlap in time), the Lease names
	 * the one that leads, and normally nobody changes. */
	end = jf_mono_ms() + 6000;
	while (jf_mono_ms() < end) {
		int now = check_one_leader(ps, 2, NULL);
		char holder[64];

		samples++;
		if (now >= 0) {
			led++;
			lease_holder(holder, sizeof(holder));
			ck_assert_msg(!strcmp(holder, ps[now].id) ||
					      check_one_leader(ps, 2, NULL) !=
						      now,
				      "Lease names '%s', '%s' leads", holder,
				      ps[now].id);
		}
		if (now != prev)
			switches++;
		prev = now;
		usleep(50 * 1000);
	}
	kill_all(ps, 2);
	read_view(&ps[l], &v);
	fprintf(stderr,
		"two contenders: '%s' led %d/%d samples, %d changes, %d renewals\n",
		ps[l].id, led, samples, switches - 1, v.renews);
	/* a loaded machine may delay a renewal past the deadline (then the
	 * leader steps down, correctly); it must lead nearly all the time */
	ck_assert_int_ge(led * 10, samples * 8);
	ck_assert_int_ge(v.renews, 6);
}
END_TEST

START_TEST(test_three_contenders_sigkill_and_graceful)
{
	struct proc ps[3];
	int64_t killed_at[3] = {0}, t_kill, t_term, took;
	int l, l2, l3;

	spawn(&ps[0], "k1");
	spawn(&ps[1], "k2");
	spawn(&ps[2], "k3");
	l = wait_leader(ps, 3, killed_at, -1, 5000);
	ck_assert_int_ge(l, 0);
	usleep(1200 * 1000);
	/* SIGKILL the leader: another leads within
	 * leaseDuration + retryPeriod + 1 s */
	t_kill = jf_mono_ms();
	kill(ps[l].pid, SIGKILL);
	reap(&ps[l]);
	killed_at[l] = t_kill;
	l2 = wait_leader(ps, 3, killed_at, l, DUR_MS + RETRY_MS + 3000);
	ck_assert_int_ge(l2, 0);
	took = started_at(&ps[l2]) - t_kill;
	fprintf(stderr, "sigkill: '%s' leads %lld ms after '%s' was killed\n",
		ps[l2].id, (long long)took, ps[l].id);
	ck_assert_msg(took <= DUR_MS + RETRY_MS + 1000, "took %lld ms",
		      (long long)took);
	ck_assert_int_ge(took, 0);
	usleep(1000 * 1000);
	/* graceful stop: the lease is released, another leads within 2 s */
	t_term = jf_mono_ms();
	kill(ps[l2].pid, SIGTERM);
	l3 = wait_leader(ps, 3, killed_at, l2, 5000);
	ck_assert_int_ge(l3, 0);
	ck_assert_int_ne(l3, l);
	took = started_at(&ps[l3]) - t_term;
	fprintf(stderr, "graceful: '%s' leads %lld ms after SIGTERM to '%s'\n",
		ps[l3].id, (long long)took, ps[l2].id);
	ck_assert_msg(took <= 2000, "took %lld ms", (long long)took);
	reap(&ps[l2]);
	ck_assert(WIFEXITED(ps[l2].status));
	ck_assert_int_eq(WEXITSTATUS(ps[l2].status), 0);
	{
		struct view v;

		read_view(&ps[l2], &v);
		ck_assert_str_eq(v.stop_reason, "released");
	}
	check_one_leader(ps, 3, killed_at);
	kill_all(ps, 3);
}
END_TEST

START_TEST(test_outage_leader_stops_before_expiry)
{
	struct proc ps[2];
	struct view v;
	int64_t t_out;
	int l, l2;

	spawn(&ps[0], "o1");
	spawn(&ps[1], "o2");
	l = wait_leader(ps, 2, NULL, -1, 5000);
	ck_assert_int_ge(l, 0);
	usleep(1000 * 1000);
	t_out = jf_mono_ms();
	ck_assert_int_eq(jf_test_req(&env, "POST", "/kubesim/outage", NULL,
				     "{\"seconds\":5}", NULL),
			 200);
	/* the cut-off leader gives up on its own and exits non-zero */
	reap(&ps[l]);
	ck_assert(WIFEXITED(ps[l].status));
	ck_assert_int_eq(WEXITSTATUS(ps[l].status), 3);
	read_view(&ps[l], &v);
	ck_assert_str_eq(v.stop_reason, "lost");
	fprintf(stderr,
		"outage: last renew %lld ms before the outage, stopped %lld ms after it (deadline %d, lease %d)\n",
		(long long)(t_out - v.last_renew),
		(long long)(v.stop_ms - t_out), RENEW_MS, DUR_MS);
	/* stopped within RenewDeadline of its last renewal, which is
	 * before anyone else may consider the lease expired */
	ck_assert_int_le(v.stop_ms - v.last_renew, RENEW_MS + 100);
	ck_assert_int_lt(v.stop_ms, v.last_renew + DUR_MS);
	/* after the outage the other one takes over, never overlapping */
	l2 = wait_leader(ps, 2, NULL, l, 12000);
	ck_assert_int_eq(l2, 1 - l);
	ck_assert_int_ge(started_at(&ps[l2]), v.last_renew + DUR_MS);
	kill_all(ps, 2);
}
END_TEST

static Suite *lease_suite(void)
{
	Suite *s = suite_create("lease");
	TCase *tc = tcase_create("record");

	tcase_add_unchecked_fixture(tc, env_up, env_down);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_lease_record_single);
	tcase_add_test(tc, test_config_validation);
	suite_add_tcase(s, tc);
	tc = tcase_create("contenders");
	tcase_add_checked_fixture(tc, env_up, env_down);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_two_contenders_one_leader);
	tcase_add_test(tc, test_three_contenders_sigkill_and_graceful);
	tcase_add_test(tc, test_outage_leader_stops_before_expiry);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	if (getenv("JF_LEASE_CONTENDER"))
		return contender_main();
	/* (valgrind answers readlink with the program it runs) */
	if (readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1) <= 0)
		snprintf(self_exe, sizeof(self_exe), "/proc/self/exe");
	sr = srunner_create(lease_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
