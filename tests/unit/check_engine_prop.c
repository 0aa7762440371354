/* check_engine_prop.c - property test of the flow engine: random DAGs (up
 * to 50 steps, with when, AllDone, retries and forEach sprinkled in) run
 * against random Job outcomes, step by step, until the flow ends. Each
 * run must end in Succeed or Failed, never create a Job name twice, never
 * start a step before its dependencies allow it, and end in the phase an
 * independent oracle computes. Seeded and reproducible:
 *
 *   JF_PROP_SEED=123 JF_PROP_ITERS=5000 build/tests/check_engine_prop
 *
 * prints the seed of a failing case.
 */
#include "check_engine_harness.h"
#include "jf_hmap.h"

#define MAX_STEPS 50

/* Sanitizer builds run a third of the iterations (they are ~5x slower). */
#if defined(__SANITIZE_ADDRESS__)
#define PROP_DEFAULT_ITERS 1000
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PROP_DEFAULT_ITERS 1000
#endif
#endif
#ifndef PROP_DEFAULT_ITERS
#define PROP_DEFAULT_ITERS 3000
#endif

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static int pick(int n)
{
	return n > 0 ? (int)(rnd() % (uint64_t)n) : 0;
}

static bool chance(int percent)
{
	return pick(100) < percent;
}

/* The generated flow, in logical (topological) order; spec order is a
 * permutation of it. */
struct gstep {
	char name[8];
	int deps[3];
	int ndeps;
	bool all_done;
	int when; /* 0 none, 1 params.flag, 2 !params.flag, 3 dep0 Failed,
		     4 dep0 not Failed */
	bool retry;
	int limit;
	bool always;
	bool foreach;
	int items;
	int parallelism; /* 0: all */
	int max_failures;
	bool even_only; /* per-item when: index % 2 == 0 */
};

struct gflow {
	uint64_t seed;
	int n;
	bool flag;
	struct gstep st[MAX_STEPS];
	int spec_order[MAX_STEPS];
};

/* Outcome of one attempt, from the Job name: Completed 75 %, Failed
 * 20 %, Terminated 5 %. */
static const char *outcome(const struct gflow *g, const char *job)
{
	uint64_t h = jf_fnv1a(JF_FNV_OFFSET ^ g->seed, job, strlen(job));
	int v;

	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	v = (int)(h % 100);
	return v < 75 ? "Completed" : v < 95 ? "Failed" : "Terminated";
}

static void generate(struct gflow *g, uint64_t seed)
{
	memset(g, 0, sizeof(*g));
	g->seed = seed;
	rng_state = seed * 0x9E3779B97F4A7C15ULL + 1;
	g->n = 1 + pick(chance(50) ? 10 : MAX_STEPS);
	g->flag = chance(50);
	for (int i = 0; i < g->n; i++) {
		struct gstep *s = &g->st[i];

		snprintf(s->name, sizeof(s->name), "s%d", i);
		for (int k = 0; i > 0 && k < 3 && chance(60); k++) {
			int d = pick(i);
			bool dup = false;

			for (int j = 0; j < s->ndeps; j++)
				dup |= s->deps[j] == d;
			if (!dup)
				s->deps[s->ndeps++] = d;
		}
		s->all_done = s->ndeps && chance(15);
		if (chance(15))
			s->when = 1 + pick(2);
		if (s->all_done && chance(50))
			s->when = 3 + pick(2);
		if (chance(30)) {
			s->retry = true;
			s->limit = pick(3);
			s->always = chance(40);
		}
		if (chance(20) && s->when < 3) {
			s->foreach = true;
			s->when = 0;
			s->items = pick(5);
			s->parallelism = pick(4);
			s->max_failures = pick(2);
			s->even_only = chance(25);
		}
	}
	for (int i = 0; i < g->n; i++)
		g->spec_order[i] = i;
	for (int i = g->n - 1; i > 0; i--) {
		int j = pick(i + 1), t = g->spec_order[i];

		g->spec_order[i] = g->spec_order[j];
		g->spec_order[j] = t;
	}
}

static size_t render(const struct gflow *g, char *b, size_t cap)
{
	size_t n = 0;

#define OUT(...) n += (size_t)snprintf(b + n, cap - n, __VA_ARGS__)
	OUT("spec:\n  params: [{name: flag, value: %s}]\n  flows:\n",
	    g->flag ? "true" : "false");
	for (int k = 0; k < g->n; k++) {
		const struct gstep *s = &g->st[g->spec_order[k]];

		OUT("  - name: %s\n    jobTemplate: t\n", s->name);
		if (s->ndeps) {
			OUT("    dependsOn:\n      targets: [");
			for (int j = 0; j < s->ndeps; j++)
				OUT("%s%s", j ? ", " : "",
				    g->st[s->deps[j]].name);
			OUT("]\n");
			if (s->all_done)
				OUT("      policy: AllDone\n");
		}
		if (s->when == 1)
			OUT("    when: 'params.flag'\n");
		else if (s->when == 2)
			OUT("    when: '!params.flag'\n");
		else if (s->when == 3)
			OUT("    when: \"steps.%s.phase == 'Failed'\"\n",
			    g->st[s->deps[0]].name);
		else if (s->when == 4)
			OUT("    when: \"steps.%s.phase != 'Failed'\"\n",
			    g->st[s->deps[0]].name);
		if (s->retry)
			OUT("    retryPolicy: {limit: %d, policy: %s, backoff: "
			    "{duration: %s, factor: 2, jitter: 0.3}}\n",
			    s->limit, s->always ? "Always" : "OnFailure",
			    chance(50) ? "0s" : "2s");
		if (s->foreach) {
			OUT("    forEach: {range: {end: %d}", s->items);
			if (s->parallelism)
				OUT(", parallelism: %d", s->parallelism);
			OUT(", maxFailures: %d}\n", s->max_failures);
			if (s->even_only)
				OUT("    when: 'index %% 2 == 0'\n");
		}
	}
#undef OUT
	return n;
}

/* --- the oracle ------------------------------------------------------------
 */

enum {
	O_SUCC,
	O_FAIL,
	O_SKIP,
	O_OMIT
};

/* One unit's attempts: true when some attempt completes in time. */
static bool unit_succeeds(const struct gflow *g, const struct gstep *s,
			  int iter)
{
	for (int k = 0;; k++) {
		char name[64];
		const char *o;

		jf_engine_job_name(name, sizeof(name), "test", s->name, iter,
				   k);
		o = outcome(g, name);
		if (!strcmp(o, "Completed"))
			return true;
		if (!s->retry || k >= s->limit)
			return false;
		if (!s->always && strcmp(o, "Failed") != 0)
			return false;
	}
}

static int oracle(const struct gflow *g, int *res)
{
	bool failed = false;

	for (int i = 0; i < g->n; i++) {
		const struct gstep *s = &g->st[i];
		bool omit = false;

		for (int j = 0; j < s->ndeps && !s->all_done; j++)
			omit |= res[s->deps[j]] == O_FAIL ||
				res[s->deps[j]] == O_OMIT;
		if (omit) {
			res[i] = O_OMIT;
			continue;
		}
		if ((s->when == 1 && !g->flag) || (s->when == 2 && g->flag) ||
		    (s->when == 3 && res[s->deps[0]] != O_FAIL) ||
		    (s->when == 4 && res[s->deps[0]] == O_FAIL)) {
			res[i] = O_SKIP;
			continue;
		}
		if (!s->foreach) {
			res[i] = unit_succeeds(g, s, -1) ? O_SUCC : O_FAIL;
		} else {
			int fails = 0, ran = 0;

			for (int it = 0; it < s->items; it++) {
				if (s->even_only && it % 2)
					continue;
				ran++;
				fails += !unit_succeeds(g, s, it);
			}
			res[i] = !ran			   ? O_SKIP
				 : fails > s->max_failures ? O_FAIL
							   : O_SUCC;
		}
		failed |= res[i] == O_FAIL;
	}
	return failed;
}

/* --- the run ------------------------------------------------------------- */

static int step_of(const struct gflow *g, const char *name)
{
	for (int i = 0; i < g->n; i++) {
		if (!strcmp(g->st[i].name, name))
			return i;
	}
	return -1;
}

static const char *status_phase(struct sim *s, const char *step)
{
	return jf_json_str(sim_step(s, step), "phase", "");
}

static bool terminal(const char *ph)
{
	return !strcmp(ph, "Succeeded") || !strcmp(ph, "Failed") ||
	       !strcmp(ph, "Skipped") || !strcmp(ph, "Omitted");
}

static void check_creates(struct sim *s, const struct gflow *g,
			  struct jf_hmap *seen)
{
	const cJSON *c;

	cJSON_ArrayForEach (c, s->plan.creates) {
		const char *name = jf_json_str(c, "metadata.name", "");
		const char *step = jf_json_str(
			c, "metadata.labels[\"flow.volcano.sh/step\"]", "");
		int i = step_of(g, step);

		ck_assert_msg(!jf_hmap_get(seen, name),
			      "seed %llu: '%s' created twice",
			      (unsigned long long)g->seed, name);
		jf_hmap_put(seen, name, (void *)1, NULL);
		ck_assert_msg(i >= 0, "seed %llu: unknown step '%s'",
			      (unsigned long long)g->seed, step);
		for (int j = 0; j < g->st[i].ndeps; j++) {
			const char *ph =
				status_phase(s, g->st[g->st[i].deps[j]].name);

			if (g->st[i].all_done)
				ck_assert_msg(terminal(ph),
					      "seed %llu: %s started with "
					      "target %s %s",
					      (unsigned long long)g->seed, step,
					      g->st[g->st[i].deps[j]].name, ph);
			else
				ck_assert_msg(!strcmp(ph, "Succeeded") ||
						      !strcmp(ph, "Skipped"),
					      "seed %llu: %s started with "
					      "target %s %s",
					      (unsigned long long)g->seed, step,
					      g->st[g->st[i].deps[j]].name, ph);
		}
	}
}

/* Moves Jobs on: Pending -> Running -> the attempt's outcome. Returns
 * whether a Job is still active. */
static bool advance_jobs(struct sim *s, const struct gflow *g)
{
	bool active = false;
	cJSON *j;

	cJSON_ArrayForEach (j, s->jobs) {
		const char *name = jf_json_str(j, "metadata.name", "");
		const char *ph = jf_json_str(j, "status.state.phase", "");

		if (!strcmp(ph, "Pending")) {
			sim_phase(s, name, "Running");
			active = true;
		} else if (!strcmp(ph, "Running")) {
			sim_phase(s, name, outcome(g, name));
		}
	}
	return active;
}

static void run_one(uint64_t seed)
{
	static char yaml[64 * 1024];
	static const char *const names[] = {"Succeeded", "Failed", "Skipped",
					    "Omitted"};
	struct gflow g;
	struct sim s;
	struct jf_hmap seen;
	int res[MAX_STEPS], rounds = 0;
	bool want_failed;
	cJSON *t = cJSON_CreateObject();

	generate(&g, seed);
	render(&g, yaml, sizeof(yaml));
	h_tpl(t, "t");
	sim_init(&s, yaml, t);
	jf_hmap_init(&seen);
	want_failed = oracle(&g, res);
	for (;;) {
		bool active;

		ck_assert_msg(++rounds < 400,
			      "seed %llu: no end after %d rounds",
			      (unsigned long long)seed, rounds);
		sim_run(&s);
		check_creates(&s, &g, &seen);
		active = advance_jobs(&s, &g);
		if (!strcmp(s.plan.phase, "Succeed") ||
		    !strcmp(s.plan.phase, "Failed")) {
			if (!cJSON_GetArraySize(s.plan.creates) && !active)
				break;
		}
		if (s.plan.requeue_after_ms > 1000 && !active)
			s.now += s.plan.requeue_after_ms;
		else
			s.now += SEC;
	}
	ck_assert_msg(!strcmp(s.plan.phase, want_failed ? "Failed" : "Succeed"),
		      "seed %llu: flow %s, oracle says %s\n%s",
		      (unsigned long long)seed, s.plan.phase,
		      want_failed ? "Failed" : "Succeed", yaml);
	for (int i = 0; i < g.n; i++)
		ck_assert_msg(
			!strcmp(status_phase(&s, g.st[i].name), names[res[i]]),
			"seed %llu: step %s is %s, oracle says %s\n%s",
			(unsigned long long)seed, g.st[i].name,
			status_phase(&s, g.st[i].name), names[res[i]], yaml);
	/* the end is stable */
	sim_run(&s);
	ck_assert_msg(
		s.plan.status == NULL && !cJSON_GetArraySize(s.plan.creates),
		"seed %llu: not quiet at the end", (unsigned long long)seed);
	jf_hmap_release(&seen);
	sim_free(&s);
}

START_TEST(test_random_flows)
{
	const char *e = getenv("JF_PROP_SEED");
	const char *n = getenv("JF_PROP_ITERS");
	uint64_t seed = e ? strtoull(e, NULL, 10) : 20260822;
	long iters = n ? strtol(n, NULL, 10) : PROP_DEFAULT_ITERS;

	if (e && !n)
		iters = 1; /* reproduce one case */
	for (long i = 0; i < iters; i++)
		run_one(seed + (uint64_t)i);
	printf("property test: %ld random flows from seed %llu\n", iters,
	       (unsigned long long)seed);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("engine_prop");
	TCase *tc = tcase_create("random");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_random_flows);
	tcase_set_timeout(tc, 1800);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
