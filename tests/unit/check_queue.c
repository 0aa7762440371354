/* check_queue.c - Check suite for the supervisor's work queue. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/queue.h"

static struct jf_queue q;

static void setup(void)
{
	jf_queue_init(&q, NULL);
}

static void teardown(void)
{
	jf_queue_release(&q);
}

START_TEST(test_add_coalesces_duplicates)
{
	ck_assert_int_eq(jf_queue_add(&q, "ns/a"), 0);
	ck_assert_int_eq(jf_queue_add(&q, "ns/a"), 0);
	ck_assert_uint_eq(jf_queue_len(&q), 1);
	ck_assert_str_eq(jf_queue_get(&q), "ns/a");
	ck_assert_ptr_null(jf_queue_get(&q));
}
END_TEST

START_TEST(test_fifo_order_is_fair)
{
	jf_queue_add(&q, "a");
	jf_queue_add(&q, "b");
	jf_queue_add(&q, "c");
	jf_queue_add(&q, "a"); /* already queued: keeps its place */
	ck_assert_str_eq(jf_queue_get(&q), "a");
	ck_assert_str_eq(jf_queue_get(&q), "b");
	ck_assert_str_eq(jf_queue_get(&q), "c");
}
END_TEST

START_TEST(test_add_while_processing_requeues_on_done)
{
	const char *k;

	jf_queue_add(&q, "ns/a");
	k = jf_queue_get(&q);
	ck_assert_str_eq(k, "ns/a");
	ck_assert(jf_queue_is_processing(&q, "ns/a"));
	jf_queue_add(&q, "ns/a");
	jf_queue_add(&q, "ns/a");
	/* never handed out twice at once */
	ck_assert_uint_eq(jf_queue_len(&q), 0);
	ck_assert_ptr_null(jf_queue_get(&q));
	jf_queue_done(&q, "ns/a");
	ck_assert_uint_eq(jf_queue_len(&q), 1);
	ck_assert_str_eq(jf_queue_get(&q), "ns/a");
	jf_queue_done(&q, "ns/a");
	ck_assert_uint_eq(jf_queue_len(&q), 0);
	ck_assert_uint_eq(jf_queue_processing_len(&q), 0);
	/* nothing left behind */
	ck_assert_uint_eq(jf_hmap_len(&q.items), 0);
}
END_TEST

START_TEST(test_done_of_unknown_key_is_ignored)
{
	jf_queue_done(&q, "nope");
	jf_queue_add(&q, "a");
	jf_queue_done(&q, "a"); /* queued, not processing */
	ck_assert_uint_eq(jf_queue_len(&q), 1);
	ck_assert_uint_eq(jf_queue_processing_len(&q), 0);
}
END_TEST

START_TEST(test_add_after_earliest_wins)
{
	ck_assert_int_eq(jf_queue_add_after(&q, "a", 100, 1000), 0);
	ck_assert_int_eq(jf_queue_add_after(&q, "a", 50, 1000), 0);
	ck_assert_int_eq(jf_queue_add_after(&q, "a", 500, 1000), 0);
	ck_assert_uint_eq(jf_queue_waiting_len(&q), 1);
	ck_assert_int_eq(jf_queue_next_deadline(&q), 1050);
	jf_queue_tick(&q, 1049);
	ck_assert_ptr_null(jf_queue_get(&q));
	jf_queue_tick(&q, 1050);
	ck_assert_str_eq(jf_queue_get(&q), "a");
	ck_assert_int_eq(jf_queue_next_deadline(&q), -1);
}
END_TEST

START_TEST(test_add_after_orders_many_keys)
{
	char key[16];

	for (int i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "k%02d", i);
		jf_queue_add_after(&q, key, (i * 37) % 100 + 1, 0);
	}
	ck_assert_uint_eq(jf_queue_waiting_len(&q), 100);
	for (int t = 1; t <= 100; t++) {
		const char *k;

		jf_queue_tick(&q, t);
		k = jf_queue_get(&q);
		ck_assert_ptr_nonnull(k);
		/* the key whose delay is t: i*37 % 100 == t-1 */
		for (int i = 0; i < 100; i++) {
			if ((i * 37) % 100 + 1 == t) {
				snprintf(key, sizeof(key), "k%02d", i);
				ck_assert_str_eq(k, key);
			}
		}
		ck_assert_ptr_null(jf_queue_get(&q));
	}
}
END_TEST

START_TEST(test_add_after_nonpositive_is_immediate)
{
	jf_queue_add_after(&q, "a", 0, 5);
	jf_queue_add_after(&q, "b", -3, 5);
	ck_assert_uint_eq(jf_queue_len(&q), 2);
	ck_assert_uint_eq(jf_queue_waiting_len(&q), 0);
}
END_TEST

START_TEST(test_add_after_while_queued_still_one_get)
{
	jf_queue_add(&q, "a");
	jf_queue_add_after(&q, "a", 10, 0);
	ck_assert_str_eq(jf_queue_get(&q), "a");
	jf_queue_tick(&q, 10);
	/* the delayed add arrived while processing: queued again at done */
	ck_assert_ptr_null(jf_queue_get(&q));
	jf_queue_done(&q, "a");
	ck_assert_str_eq(jf_queue_get(&q), "a");
}
END_TEST

START_TEST(test_rate_limited_exponential_then_forget)
{
	struct jf_queue_limits l = {5, 1000000, 0, 0}; /* bucket off */
	int64_t expect = 5;

	jf_queue_release(&q);
	jf_queue_init(&q, &l);
	for (int i = 0; i < 20; i++) {
		int64_t d = jf_queue_add_rate_limited(&q, "a", 0);

		ck_assert_int_eq(d, expect > 1000000 ? 1000000 : expect);
		expect *= 2;
		ck_assert_int_eq(jf_queue_num_requeues(&q, "a"), i + 1);
	}
	ck_assert_int_eq(jf_queue_when_peek(&q, "a"), 1000000);
	jf_queue_forget(&q, "a");
	ck_assert_int_eq(jf_queue_num_requeues(&q, "a"), 0);
	ck_assert_int_eq(jf_queue_add_rate_limited(&q, "a", 0), 5);
}
END_TEST

START_TEST(test_bucket_limits_overall_rate)
{
	char key[16];
	int64_t d;

	/* defaults: 10 qps, burst 100; per-key 5 ms for fresh keys */
	for (int i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		ck_assert_int_eq(jf_queue_add_rate_limited(&q, key, 0), 5);
	}
	d = jf_queue_add_rate_limited(&q, "k100", 0);
	ck_assert_int_eq(d, 100);
	d = jf_queue_add_rate_limited(&q, "k101", 0);
	ck_assert_int_eq(d, 200);
	/* a second later ten tokens came back, two were owed: no wait */
	d = jf_queue_add_rate_limited(&q, "k102", 1000);
	ck_assert_int_eq(d, 5);
}
END_TEST

START_TEST(test_shutdown_ignores_adds_and_drops_delayed)
{
	jf_queue_add(&q, "a");
	jf_queue_add_after(&q, "b", 10, 0);
	ck_assert_str_eq(jf_queue_get(&q), "a");
	jf_queue_shutdown(&q);
	jf_queue_add(&q, "c");
	jf_queue_add_after(&q, "d", 1, 0);
	ck_assert_uint_eq(jf_queue_len(&q), 0);
	ck_assert_uint_eq(jf_queue_waiting_len(&q), 0);
	ck_assert_uint_eq(jf_queue_processing_len(&q), 1);
	jf_queue_done(&q, "a");
	ck_assert_uint_eq(jf_queue_processing_len(&q), 0);
	ck_assert_uint_eq(jf_hmap_len(&q.items), 0);
}
END_TEST

static void count_key(const char *key, void *arg)
{
	(*(int *)arg)++;
}

START_TEST(test_foreach_processing_lists_in_flight)
{
	int n = 0;

	jf_queue_add(&q, "a");
	jf_queue_add(&q, "b");
	jf_queue_add(&q, "c");
	jf_queue_get(&q);
	jf_queue_get(&q);
	jf_queue_foreach_processing(&q, count_key, &n);
	ck_assert_int_eq(n, 2);
}
END_TEST

/* Simulated workers: random adds (plain, delayed, rate-limited) race with
 * workers that take keys and finish them later. Invariants: a key is never
 * held by two workers; every add is followed by a processing that starts
 * after it (no lost update); the queue ends empty. */
START_TEST(test_simulated_workers_never_overlap_nor_lose)
{
	enum {
		KEYS = 50,
		WORKERS = 8,
		STEPS = 200000
	};
	char held[WORKERS][16];
	int holder[KEYS];
	int pending_add[KEYS]; /* adds since the key was last handed out */
	unsigned seed = 42;
	int64_t now = 0;
	char key[16];

	memset(held, 0, sizeof(held));
	for (int k = 0; k < KEYS; k++) {
		holder[k] = -1;
		pending_add[k] = 0;
	}
	for (int step = 0; step < STEPS; step++) {
		unsigned r;
		int k, w;

		seed = seed * 1664525 + 1013904223;
		r = seed >> 8;
		k = (int)(r % KEYS);
		w = (int)((r / KEYS) % WORKERS);
		snprintf(key, sizeof(key), "ns/k%d", k);
		now++;
		switch (r % 5) {
		case 0:
			jf_queue_add(&q, key);
			pending_add[k] = 1;
			break;
		case 1:
			jf_queue_add_after(&q, key, (int64_t)(r % 20), now);
			break;
		case 2:
			jf_queue_tick(&q, now);
			break;
		case 3: { /* worker w takes a key if idle */
			const char *got;
			int gk;

			if (held[w][0])
				break;
			got = jf_queue_get(&q);
			if (!got)
				break;
			gk = atoi(got + 4);
			ck_assert_int_eq(holder[gk], -1);
			holder[gk] = w;
			pending_add[gk] = 0;
			snprintf(held[w], sizeof(held[w]), "%s", got);
			break;
		}
		default: { /* worker w finishes */
			int hk;

			if (!held[w][0])
				break;
			hk = atoi(held[w] + 4);
			ck_assert_int_eq(holder[hk], w);
			holder[hk] = -1;
			if (r & 1) {
				jf_queue_forget(&q, held[w]);
			} else {
				jf_queue_add_rate_limited(&q, held[w], now);
			}
			jf_queue_done(&q, held[w]);
			held[w][0] = '\0';
		}
		}
	}
	/* drain: finish holders, then process everything left */
	for (int w = 0; w < WORKERS; w++) {
		if (held[w][0]) {
			holder[atoi(held[w] + 4)] = -1;
			jf_queue_forget(&q, held[w]);
			jf_queue_done(&q, held[w]);
		}
	}
	now += 10000000;
	jf_queue_tick(&q, now);
	for (const char *got; (got = jf_queue_get(&q));) {
		int gk = atoi(got + 4);
		char copy[16];

		pending_add[gk] = 0;
		snprintf(copy, sizeof(copy), "%s", got);
		jf_queue_forget(&q, copy);
		jf_queue_done(&q, copy);
	}
	for (int k = 0; k < KEYS; k++)
		ck_assert_msg(pending_add[k] == 0, "add of key %d was lost", k);
	ck_assert_uint_eq(jf_queue_processing_len(&q), 0);
	ck_assert_uint_eq(jf_queue_waiting_len(&q), 0);
	ck_assert_uint_eq(jf_hmap_len(&q.items), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("queue");
	TCase *tc = tcase_create("semantics");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_add_coalesces_duplicates);
	tcase_add_test(tc, test_fifo_order_is_fair);
	tcase_add_test(tc, test_add_while_processing_requeues_on_done);
	tcase_add_test(tc, test_done_of_unknown_key_is_ignored);
	tcase_add_test(tc, test_add_after_earliest_wins);
	tcase_add_test(tc, test_add_after_orders_many_keys);
	tcase_add_test(tc, test_add_after_nonpositive_is_immediate);
	tcase_add_test(tc, test_add_after_while_queued_still_one_get);
	tcase_add_test(tc, test_rate_limited_exponential_then_forget);
	tcase_add_test(tc, test_bucket_limits_overall_rate);
	tcase_add_test(tc, test_shutdown_ignores_adds_and_drops_delayed);
	tcase_add_test(tc, test_foreach_processing_lists_in_flight);
	tcase_add_test(tc, test_simulated_workers_never_overlap_nor_lose);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
