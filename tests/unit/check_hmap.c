/* check_hmap.c - Check suite for common/hmap.c. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "jf_hmap.h"

START_TEST(test_put_get_replace_delete)
{
	struct jf_hmap m;
	void *old;
	int a = 1, b = 2;

	jf_hmap_init(&m);
	ck_assert_ptr_null(jf_hmap_get(&m, "x"));
	ck_assert_int_eq(jf_hmap_put(&m, "x", &a, &old), 0);
	ck_assert_ptr_null(old);
	ck_assert_int_eq(jf_hmap_put(&m, "x", &b, &old), 0);
	ck_assert_ptr_eq(old, &a);
	ck_assert_ptr_eq(jf_hmap_get(&m, "x"), &b);
	ck_assert_uint_eq(jf_hmap_len(&m), 1);
	ck_assert_ptr_eq(jf_hmap_del(&m, "x"), &b);
	ck_assert_ptr_null(jf_hmap_del(&m, "x"));
	ck_assert_uint_eq(jf_hmap_len(&m), 0);
	jf_hmap_release(&m);
}
END_TEST

/* Matches a reference model through many inserts and deletes, which also
 * exercises growth and tombstone reuse. */
START_TEST(test_matches_model_under_churn)
{
	enum {
		N = 5000
	};
	static uintptr_t model[N];
	struct jf_hmap m;
	char key[32];
	unsigned seed = 7;
	size_t live = 0, pos = 0, seen = 0;
	const char *k;
	void *v;

	jf_hmap_init(&m);
	for (int i = 0; i < 200000; i++) {
		int n;

		seed = seed * 1103515245 + 12345;
		n = (int)((seed >> 8) % N);
		snprintf(key, sizeof(key), "ns/obj-%d", n);
		if ((seed >> 4) & 1) {
			ck_assert_int_eq(jf_hmap_put(&m, key,
						     (void *)(uintptr_t)(i + 1),
						     NULL),
					 0);
			if (!model[n])
				live++;
			model[n] = (uintptr_t)(i + 1);
		} else {
			void *got = jf_hmap_del(&m, key);

			ck_assert_ptr_eq(got, (void *)model[n]);
			if (model[n])
				live--;
			model[n] = 0;
		}
	}
	ck_assert_uint_eq(jf_hmap_len(&m), live);
	for (int n = 0; n < N; n++) {
		snprintf(key, sizeof(key), "ns/obj-%d", n);
		ck_assert_ptr_eq(jf_hmap_get(&m, key), (void *)model[n]);
	}
	while (jf_hmap_next(&m, &pos, &k, &v))
		seen++;
	ck_assert_uint_eq(seen, live);
	ck_assert(m.cap < 4 * N);
	jf_hmap_release(&m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hmap");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_put_get_replace_delete);
	tcase_add_test(tc, test_matches_model_under_churn);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
