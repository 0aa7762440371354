/* check_k8s_util.c - Check suite for the pure parts of the REST client:
 * paths, Status decoding and error mapping, the token bucket, the backoff
 * and the bearer token source (common/k8s/). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jf_json.h"
#include "jf_k8s.h"

#include "common/k8s/k8s_internal.h"

static const struct jf_k8s_resource res_cm = {"", "v1", "configmaps", true};

static const struct {
	const struct jf_k8s_resource *res;
	const char *ns, *name, *sub;
	struct jf_k8s_opts opts;
	bool watch;
	const char *want;
} paths[] = {
	{&jf_k8s_res_jobflows,
	 "default",
	 "f1",
	 NULL,
	 {0},
	 false,
	 "/apis/flow.volcano.sh/v1alpha1/namespaces/default/jobflows/f1"},
	{&jf_k8s_res_jobflows,
	 "default",
	 "f1",
	 "status",
	 {0},
	 false,
	 "/apis/flow.volcano.sh/v1alpha1/namespaces/default/jobflows/f1/status"},
	{&jf_k8s_res_jobs,
	 NULL,
	 NULL,
	 NULL,
	 {.label_selector = "volcano.sh/createdByJobFlow",
	  .limit = 500,
	  .resource_version = "0"},
	 false,
	 "/apis/batch.volcano.sh/v1alpha1/jobs?labelSelector=volcano.sh%2FcreatedByJobFlow&limit=500&resourceVersion=0"},
	{&res_cm,
	 "kube-system",
	 NULL,
	 NULL,
	 {.resource_version = "42",
	  .timeout_seconds = 374,
	  .allow_bookmarks = true,
	  .field_selector = "metadata.name=x"},
	 true,
	 "/api/v1/namespaces/kube-system/configmaps?allowWatchBookmarks=true&fieldSelector=metadata.name%3Dx&resourceVersion=42&timeoutSeconds=374&watch=true"},
	{&jf_k8s_res_namespaces,
	 "ignored",
	 "ns1",
	 NULL,
	 {.propagation_policy = "Background", .dry_run = true},
	 false,
	 "/api/v1/namespaces/ns1?dryRun=All&propagationPolicy=Background"},
	{&jf_k8s_res_leases,
	 "jf",
	 "lock",
	 NULL,
	 {.field_manager = "jobflowd", .cont = "a b&c"},
	 false,
	 "/apis/coordination.k8s.io/v1/namespaces/jf/leases/lock?continue=a%20b%26c&fieldManager=jobflowd"},
	{&jf_k8s_res_events, "", NULL, NULL, {0}, false, "/api/v1/events"},
};

START_TEST(test_path)
{
	char *p = NULL;

	ck_assert_int_eq(jf_k8s_path(paths[_i].res, paths[_i].ns,
				     paths[_i].name, paths[_i].sub,
				     &paths[_i].opts, paths[_i].watch, &p),
			 0);
	ck_assert_str_eq(p, paths[_i].want);
	free(p);
}
END_TEST

START_TEST(test_path_rejects)
{
	char *p = (char *)1;

	ck_assert_int_eq(
		jf_k8s_path(&res_cm, "a/b", "x", NULL, NULL, false, &p),
		-EINVAL);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(jf_k8s_path(&res_cm, "a", "..", NULL, NULL, false, &p),
			 -EINVAL);
	ck_assert_int_eq(
		jf_k8s_path(&res_cm, "a", NULL, "status", NULL, false, &p),
		-EINVAL);
	ck_assert_int_eq(
		jf_k8s_path(&res_cm, "a", "x\n", NULL, NULL, false, &p),
		-EINVAL);
	ck_assert_int_eq(jf_k8s_path(NULL, "a", "x", NULL, NULL, false, &p),
			 -EINVAL);
}
END_TEST

static const struct {
	int code;
	const char *reason;
	int err;
} codes[] = {
	{200, "", 0},
	{201, "", 0},
	{0, "", -JF_ETRANSPORT},
	{400, "BadRequest", -JF_EHTTP},
	{401, "Unauthorized", -JF_EUNAUTH},
	{403, "Forbidden", -JF_EFORBIDDEN},
	{404, "NotFound", -JF_ENOTFOUND},
	{409, "Conflict", -JF_ECONFLICT},
	{409, "AlreadyExists", -JF_EEXIST},
	{410, "Expired", -JF_EGONE},
	{410, "Gone", -JF_EGONE},
	{415, "UnsupportedMediaType", -JF_EHTTP},
	{422, "Invalid", -JF_EINVALID},
	{429, "TooManyRequests", -JF_ETHROTTLED},
	{500, "InternalError", -JF_ESERVER},
	{503, "ServiceUnavailable", -JF_ESERVER},
};

START_TEST(test_code_to_err)
{
	ck_assert_int_eq(jf_k8s_code_to_err(codes[_i].code, codes[_i].reason),
			 codes[_i].err);
}
END_TEST

START_TEST(test_reason_for_code)
{
	ck_assert_str_eq(jf_k8s_reason_for_code(404), "NotFound");
	ck_assert_str_eq(jf_k8s_reason_for_code(409), "Conflict");
	ck_assert_str_eq(jf_k8s_reason_for_code(422), "Invalid");
	ck_assert_str_eq(jf_k8s_reason_for_code(429), "TooManyRequests");
	ck_assert_str_eq(jf_k8s_reason_for_code(599), "");
}
END_TEST

START_TEST(test_status_decode_status_body)
{
	static const char body[] =
		"{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
		"\"message\":\"jobflows.flow.volcano.sh \\\"f\\\" already exists\",\"reason\":\"AlreadyExists\","
		"\"details\":{\"name\":\"f\",\"group\":\"flow.volcano.sh\",\"kind\":\"jobflows\","
		"\"causes\":[{\"reason\":\"FieldValueInvalid\",\"field\":\"spec.x\"}]},\"code\":409}";
	struct jf_k8s_response r = {0};

	ck_assert_int_eq(jf_json_parse(body, strlen(body), 0, &r.body, NULL),
			 0);
	r.code = 409;
	k8s_status_decode(&r, -1);
	ck_assert_int_eq(r.err, -JF_EEXIST);
	ck_assert_int_eq(r.status.code, 409);
	ck_assert_str_eq(r.status.reason, "AlreadyExists");
	ck_assert_str_eq(r.status.name, "f");
	ck_assert_str_eq(r.status.group, "flow.volcano.sh");
	ck_assert_str_eq(r.status.kind, "jobflows");
	ck_assert_int_eq(cJSON_GetArraySize(r.status.causes), 1);
	ck_assert_int_eq(r.status.retry_after_s, -1);
	ck_assert_ptr_nonnull(
		strstr(r.msg.msg, "already exists (409 AlreadyExists)"));
	jf_k8s_response_release(&r);
}
END_TEST

START_TEST(test_status_decode_inferred)
{
	struct jf_k8s_response r = {0};

	/* 429 with a plain-text body, as APF sends it. */
	r.code = 429;
	r.text = strdup("Too many requests, please try again later.");
	k8s_status_decode(&r, 3);
	ck_assert_int_eq(r.err, -JF_ETHROTTLED);
	ck_assert_str_eq(r.status.reason, "TooManyRequests");
	ck_assert_str_eq(r.status.message,
			 "Too many requests, please try again later.");
	ck_assert_int_eq(r.status.retry_after_s, 3);
	jf_k8s_response_release(&r);
	/* 404 with no body at all. */
	r.code = 404;
	k8s_status_decode(&r, -1);
	ck_assert_int_eq(r.err, -JF_ENOTFOUND);
	ck_assert_str_eq(r.status.reason, "NotFound");
	ck_assert_ptr_nonnull(strstr(r.msg.msg, "code 404"));
	/* A 2xx body that is not a Status is not an error. */
	memset(&r, 0, sizeof(r));
	r.code = 200;
	r.body = cJSON_Parse("{\"kind\":\"ConfigMap\",\"code\":500}");
	k8s_status_decode(&r, -1);
	ck_assert_int_eq(r.err, 0);
	jf_k8s_response_release(&r);
}
END_TEST

START_TEST(test_retry_after_parse)
{
	ck_assert_int_eq(k8s_parse_retry_after(" 2\r\n"), 2);
	ck_assert_int_eq(k8s_parse_retry_after("0"), 0);
	ck_assert_int_eq(k8s_parse_retry_after("32"), 32);
	ck_assert_int_eq(k8s_parse_retry_after("99999999999"), 86400);
	ck_assert_int_eq(k8s_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
			 -1);
	ck_assert_int_eq(k8s_parse_retry_after(""), -1);
	ck_assert_int_eq(k8s_parse_retry_after(NULL), -1);
}
END_TEST

START_TEST(test_bucket_burst_then_rate)
{
	struct k8s_bucket b;
	int64_t t = 1000;

	k8s_bucket_init(&b, 10.0, 3, t);
	/* burst: 3 immediate */
	ck_assert_int_eq(k8s_bucket_reserve(&b, t), 0);
	ck_assert_int_eq(k8s_bucket_reserve(&b, t), 0);
	ck_assert_int_eq(k8s_bucket_reserve(&b, t), 0);
	/* then one every 100 ms, reservations queue up */
	ck_assert_int_eq(k8s_bucket_reserve(&b, t), 100);
	ck_assert_int_eq(k8s_bucket_reserve(&b, t), 200);
	ck_assert_int_eq(k8s_bucket_reserve(&b, t + 150), 150);
	/* a long idle period refills to burst, not beyond */
	t += 100000;
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(k8s_bucket_reserve(&b, t), 0);
	ck_assert_int_eq(k8s_bucket_reserve(&b, t), 100);
	/* qps <= 0: unlimited */
	k8s_bucket_init(&b, 0, 1, t);
	for (int i = 0; i < 1000; i++)
		ck_assert_int_eq(k8s_bucket_reserve(&b, t), 0);
}
END_TEST

START_TEST(test_bucket_sustained_rate)
{
	struct k8s_bucket b;
	int64_t t = 0, granted = 0;

	/* Requests every 10 ms for 10 s at 5 qps burst 10: about 60 served
	 * on time (10 burst + 50 earned). */
	k8s_bucket_init(&b, 5.0, 10, 0);
	for (t = 0; t < 10000; t += 10) {
		int64_t w = k8s_bucket_reserve(&b, t);

		if (w == 0)
			granted++;
		else
			b.tokens += 1.0; /* give it back: count on-time only */
	}
	ck_assert_int_ge(granted, 59);
	ck_assert_int_le(granted, 61);
}
END_TEST

START_TEST(test_backoff_reflector)
{
	struct k8s_backoff b;
	int64_t t = 0;

	/* client-go reflector: 800 ms, x2, cap 30 s, jitter 1.0, reset 2m */
	k8s_backoff_init(&b, 800, 30000, 120000, 2.0, 1.0);
	ck_assert_int_eq(k8s_backoff_next(&b, t, 0.0), 800);
	ck_assert_int_eq(k8s_backoff_next(&b, t += 1000, 0.0), 1600);
	ck_assert_int_eq(k8s_backoff_next(&b, t += 1000, 0.5), 4800);
	ck_assert_int_eq(k8s_backoff_next(&b, t += 1000, 0.0), 6400);
	ck_assert_int_eq(k8s_backoff_next(&b, t += 1000, 0.0), 12800);
	ck_assert_int_eq(k8s_backoff_next(&b, t += 1000, 0.0), 25600);
	ck_assert_int_eq(k8s_backoff_next(&b, t += 1000, 0.0), 30000);
	ck_assert_int_eq(k8s_backoff_next(&b, t += 1000, 0.99), 30000);
	/* jitter stays within [d, 2d) and never passes the cap */
	k8s_backoff_reset(&b);
	for (int i = 0; i < 100; i++) {
		int64_t d = k8s_backoff_next(&b, t, (double)i / 100);

		ck_assert_int_ge(d, 800);
		ck_assert_int_le(d, 30000);
	}
	/* two healthy minutes start over */
	t += 120000;
	ck_assert_int_eq(k8s_backoff_next(&b, t, 0.0), 800);
}
END_TEST

START_TEST(test_token_file_rotation)
{
	char dir[] = "/tmp/jf_tokXXXXXX", path[64];
	struct k8s_token t;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/token", dir);
	f = fopen(path, "w");
	fputs("tok-one\n", f);
	fclose(f);
	ck_assert_int_eq(k8s_token_init(&t, "static", path, 60000, 0, NULL), 0);
	ck_assert_str_eq(k8s_token_get(&t, 0, false), "tok-one");
	f = fopen(path, "w");
	fputs("tok-two", f);
	fclose(f);
	/* not yet: the period has not passed */
	ck_assert_str_eq(k8s_token_get(&t, 59999, false), "tok-one");
	ck_assert_str_eq(k8s_token_get(&t, 60000, false), "tok-two");
	/* a failed re-read keeps the last good token */
	unlink(path);
	ck_assert_str_eq(k8s_token_get(&t, 200000, false), "tok-two");
	/* an empty file is not a token either */
	f = fopen(path, "w");
	fclose(f);
	ck_assert_str_eq(k8s_token_get(&t, 200001, true), "tok-two");
	/* forced (after a 401) */
	f = fopen(path, "w");
	fputs("tok-three\n", f);
	fclose(f);
	ck_assert_str_eq(k8s_token_get(&t, 200002, true), "tok-three");
	ck_assert_uint_eq(t.reads, 3);
	k8s_token_release(&t);
	unlink(path);
	rmdir(dir);
	/* static only */
	ck_assert_int_eq(k8s_token_init(&t, "s3cr3t", NULL, 0, 0, NULL), 0);
	ck_assert_str_eq(k8s_token_get(&t, 1000000, true), "s3cr3t");
	k8s_token_release(&t);
}
END_TEST

static Suite *util_suite(void)
{
	Suite *s = suite_create("k8s_util");
	TCase *tc = tcase_create("path");

	tcase_add_loop_test(tc, test_path, 0, sizeof(paths) / sizeof(paths[0]));
	tcase_add_test(tc, test_path_rejects);
	suite_add_tcase(s, tc);
	tc = tcase_create("status");
	tcase_add_loop_test(tc, test_code_to_err, 0,
			    sizeof(codes) / sizeof(codes[0]));
	tcase_add_test(tc, test_reason_for_code);
	tcase_add_test(tc, test_status_decode_status_body);
	tcase_add_test(tc, test_status_decode_inferred);
	tcase_add_test(tc, test_retry_after_parse);
	suite_add_tcase(s, tc);
	tc = tcase_create("ratelimit");
	tcase_add_test(tc, test_bucket_burst_then_rate);
	tcase_add_test(tc, test_bucket_sustained_rate);
	tcase_add_test(tc, test_backoff_reflector);
	suite_add_tcase(s, tc);
	tc = tcase_create("token");
	tcase_add_test(tc, test_token_file_rotation);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(util_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
