/* check_time.c - Check suite for common/time.c, common/err.c, common/log.c. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_err.h"
#include "jf_log.h"
#include "jf_time.h"

static const struct {
	const char *in;
	int64_t ms;
} good_durations[] = {
	{"10s", 10000},
	{"1m30s", 90000},
	{"2h", 7200000},
	{"500ms", 500},
	{"0", 0},
	{"1.5s", 1500},
	{"0s", 0},
	{"1h1m1s1ms", 3661001},
	{"90m", 5400000},
	{".5s", 500},
	/* exact above 2^53 ms, where a double would round */
	{"2501999792h59m0.993s", 9007199254740993LL},
	{"1.0005s", 1001},
	{"0.0001s", 0},
};

static const char *const bad_durations[] = {
	"",
	"10",
	"s",
	"10x",
	"-5s",
	"1m30",
	"abc",
	"1.s.",
	"10 s",
	"1e3s",
	"99999999999999999h",
};

START_TEST(test_duration_parse_good)
{
	int64_t ms = -1;

	ck_assert_int_eq(jf_duration_parse(good_durations[_i].in, &ms, NULL),
			 0);
	ck_assert_int_eq(ms, good_durations[_i].ms);
}
END_TEST

START_TEST(test_duration_parse_rejects_garbage)
{
	struct jf_errmsg e = {{0}};
	int64_t ms = 0;

	ck_assert_int_eq(jf_duration_parse(bad_durations[_i], &ms, &e),
			 -JF_EPARSE);
	ck_assert_msg(e.msg[0] != '\0', "no message for '%s'",
		      bad_durations[_i]);
}
END_TEST

START_TEST(test_duration_format)
{
	char b[32];

	ck_assert_str_eq(jf_duration_format(0, b, sizeof(b)), "0s");
	ck_assert_str_eq(jf_duration_format(1500, b, sizeof(b)), "1.5s");
	ck_assert_str_eq(jf_duration_format(90000, b, sizeof(b)), "1m30s");
	ck_assert_str_eq(jf_duration_format(7200000, b, sizeof(b)), "2h0m0s");
	ck_assert_str_eq(jf_duration_format(250, b, sizeof(b)), "250ms");
	ck_assert_str_eq(jf_duration_format(1250, b, sizeof(b)), "1.25s");
}
END_TEST

START_TEST(test_rfc3339_roundtrip)
{
	char b[40];
	int64_t ms;

	ck_assert_int_eq(jf_time_parse("2026-08-22T10:01:02Z", &ms), 0);
	ck_assert_int_eq(ms, 1787392862000LL);
	ck_assert_str_eq(jf_time_format(ms, b, sizeof(b)),
			 "2026-08-22T10:01:02Z");
	ck_assert_int_eq(jf_time_parse("2026-08-22T12:01:02.345+02:00", &ms),
			 0);
	ck_assert_int_eq(ms, 1787392862345LL);
	ck_assert_str_eq(jf_time_format_micro(ms, b, sizeof(b)),
			 "2026-08-22T10:01:02.345000Z");
	ck_assert_int_eq(jf_time_parse("2026-13-01T00:00:00Z", &ms),
			 -JF_EPARSE);
	ck_assert_int_eq(jf_time_parse("2026-01-01 00:00:00Z", &ms),
			 -JF_EPARSE);
	ck_assert_int_eq(jf_time_parse("2026-01-01T00:00:00", &ms), -JF_EPARSE);
	ck_assert_int_eq(jf_time_parse("2026-01-01T00:00:00Zjunk", &ms),
			 -JF_EPARSE);
}
END_TEST

START_TEST(test_jitter_is_deterministic_and_spread)
{
	double a = jf_jitter_unit("uid-1", "train", 1);
	double sum = 0;
	int buckets[10] = {0};

	ck_assert(a >= 0 && a < 1);
	ck_assert(a == jf_jitter_unit("uid-1", "train", 1));
	ck_assert(a != jf_jitter_unit("uid-1", "train", 2));
	ck_assert(a != jf_jitter_unit("uid-2", "train", 1));
	/* "ab"+"c" must not collide with "a"+"bc" */
	ck_assert(jf_jitter_unit("ab", "c", 0) != jf_jitter_unit("a", "bc", 0));
	for (int i = 0; i < 10000; i++) {
		double u = jf_jitter_unit("uid", "s", i);

		sum += u;
		buckets[(int)(u * 10)]++;
	}
	ck_assert(sum / 10000 > 0.48 && sum / 10000 < 0.52);
	for (int i = 0; i < 10; i++)
		ck_assert_msg(buckets[i] > 900 && buckets[i] < 1100,
			      "bucket %d has %d", i, buckets[i]);
}
END_TEST

START_TEST(test_clocks_advance)
{
	int64_t m = jf_mono_ms(), w = jf_now_ms();

	ck_assert(m > 0);
	ck_assert(w > 1700000000000LL);
	ck_assert(jf_mono_ms() >= m);
}
END_TEST

START_TEST(test_strerror_covers_both_ranges)
{
	struct jf_errmsg e = {{0}};

	ck_assert_str_eq(jf_strerror(-JF_ECONFLICT),
			 "resource version conflict");
	ck_assert_str_eq(jf_strerror(-ENOENT), "No such file or directory");
	ck_assert_str_eq(jf_strerror(0), "success");
	ck_assert_str_eq(jf_strerror(-(JF_E__MAX + 5)), "unknown error");
	for (int c = JF_ERR_BASE; c < JF_E__MAX; c++)
		ck_assert_ptr_nonnull(jf_strerror(-c));
	ck_assert_int_eq(jf_errf(&e, -JF_EPARSE, "col %d: bad", 3), -JF_EPARSE);
	ck_assert_int_eq(jf_errprefix(&e, -JF_EPARSE, "spec.flows[%d].when", 1),
			 -JF_EPARSE);
	ck_assert_str_eq(e.msg, "spec.flows[1].when: col 3: bad");
	ck_assert_str_eq(jf_errmsg_or(NULL, -JF_EGONE),
			 "resource version expired");
}
END_TEST

static int evaluated;
static const char *count_eval(void)
{
	evaluated++;
	return "x";
}

START_TEST(test_log_json_lines_and_level)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	jf_log_init("worker", 3);
	jf_log_set_stream(f);
	jf_log_set_level(JF_LOG_INFO);
	evaluated = 0;
	jf_debug("never %s", count_eval());
	ck_assert_int_eq(evaluated, 0);
	jf_logk(JF_LOG_WARN, JF_FIELDS({"flow", "ns/a\"b"}, {"skip", NULL}),
		"cannot patch '%s'", "default/foo");
	fflush(f);
	ck_assert_msg(strstr(out, "\"level\":\"warn\",\"role\":\"worker\","
				  "\"worker\":3,\"pid\":"),
		      "%s", out);
	ck_assert_msg(strstr(out, "\"msg\":\"cannot patch 'default/foo'\","
				  "\"flow\":\"ns/a\\\"b\"}\n"),
		      "%s", out);
	ck_assert_ptr_null(strstr(out, "skip"));
	ck_assert_int_eq(jf_log_set_level_name("bogus"), -EINVAL);
	ck_assert_int_eq(jf_log_set_level_name("error"), 0);
	ck_assert_int_eq(jf_log_threshold, JF_LOG_ERROR);
	jf_log_set_stream(NULL);
	fclose(f);
	free(out);
}
END_TEST

static Suite *time_suite(void)
{
	Suite *s = suite_create("time");
	TCase *tc = tcase_create("duration");

	tcase_add_loop_test(tc, test_duration_parse_good, 0,
			    sizeof(good_durations) / sizeof(good_durations[0]));
	tcase_add_loop_test(tc, test_duration_parse_rejects_garbage, 0,
			    sizeof(bad_durations) / sizeof(bad_durations[0]));
	tcase_add_test(tc, test_duration_format);
	suite_add_tcase(s, tc);
	tc = tcase_create("clock");
	tcase_add_test(tc, test_rfc3339_roundtrip);
	tcase_add_test(tc, test_jitter_is_deterministic_and_spread);
	tcase_add_test(tc, test_clocks_advance);
	suite_add_tcase(s, tc);
	tc = tcase_create("err_log");
	tcase_add_test(tc, test_strerror_covers_both_ranges);
	tcase_add_test(tc, test_log_json_lines_and_level);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(time_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
