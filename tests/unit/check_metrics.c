/* check_metrics.c - Check suite for the supervisor's metrics registry. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/metrics.h"

START_TEST(test_render_sorted_with_help_and_histogram)
{
	struct jf_metrics m;
	struct jf_buf out;
	char l1[64], l2[64];

	jf_metrics_init(&m);
	jf_buf_init(&out, 0);
	jf_metrics_label(l1, sizeof(l1), "jobflow_namespace", "team\"a");
	jf_metrics_label(l2, sizeof(l2), "jobflow_namespace", "b");
	jf_metrics_add(&m, "volcano_jobflow_succeed_phase_count", l1, 1,
		       "counter", "flows that reached Succeed");
	jf_metrics_add(&m, "volcano_jobflow_succeed_phase_count", l1, 2,
		       "counter", "flows that reached Succeed");
	jf_metrics_add(&m, "volcano_jobflow_succeed_phase_count", l2, 1,
		       "counter", "flows that reached Succeed");
	jf_metrics_set(&m, "jobflowd_leader", "", 1, "gauge", "1 when leading");
	jf_metrics_set(&m, "jobflowd_queue_depth", "", 0.5, "gauge",
		       "queued flows");
	jf_metrics_observe_reconcile(&m, 0.003);
	jf_metrics_observe_reconcile(&m, 0.2);
	jf_metrics_observe_reconcile(&m, 99);
	ck_assert_int_eq(jf_metrics_render(&m, &out), 0);
	ck_assert_double_eq(
		jf_metrics_get(&m, "volcano_jobflow_succeed_phase_count", l1),
		3);
	ck_assert_ptr_nonnull(strstr(
		out.data,
		"# HELP jobflowd_leader 1 when leading\n"
		"# TYPE jobflowd_leader gauge\njobflowd_leader 1\n"
		"# HELP jobflowd_queue_depth queued flows\n"
		"# TYPE jobflowd_queue_depth gauge\n"
		"jobflowd_queue_depth 0.5\n"
		"# HELP volcano_jobflow_succeed_phase_count flows that reached "
		"Succeed\n# TYPE volcano_jobflow_succeed_phase_count counter\n"
		"volcano_jobflow_succeed_phase_count{jobflow_namespace=\"b\"} 1\n"
		"volcano_jobflow_succeed_phase_count{jobflow_namespace="
		"\"team\\\"a\"} 3\n"));
	ck_assert_ptr_nonnull(
		strstr(out.data, "jobflowd_reconcile_duration_seconds_bucket"
				 "{le=\"0.005\"} 1\n"));
	ck_assert_ptr_nonnull(
		strstr(out.data, "jobflowd_reconcile_duration_seconds_bucket"
				 "{le=\"10\"} 2\n"));
	ck_assert_ptr_nonnull(
		strstr(out.data, "jobflowd_reconcile_duration_seconds_bucket"
				 "{le=\"+Inf\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(
		out.data, "jobflowd_reconcile_duration_seconds_count 3\n"));
	jf_buf_release(&out);
	jf_metrics_release(&m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("render");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_render_sorted_with_help_and_histogram);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
