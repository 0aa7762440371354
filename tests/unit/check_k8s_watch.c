/* check_k8s_watch.c - Check suite for the watch stream decoder
 * (common/k8s/watch.c): every chunking of recorded streams, caps, errors. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"
#include "jf_k8s.h"

/* A stream as kube-apiserver sends it (one event per line). */
static const char stream1[] =
	"{\"type\":\"ADDED\",\"object\":{\"kind\":\"Job\",\"metadata\":{\"name\":\"a\",\"namespace\":\"ns1\",\"resourceVersion\":\"11\"},\"spec\":{\"x\":[1,2,{\"y\":\"z\\n\"}]}}}\n"
	"{\"type\":\"MODIFIED\",\"object\":{\"kind\":\"Job\",\"metadata\":{\"name\":\"a\",\"namespace\":\"ns1\",\"resourceVersion\":\"12\"},\"status\":{\"s\":\"caf\\u00e9 \\\"q\\\"\"}}}\n"
	"{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Job\",\"metadata\":{\"resourceVersion\":\"15\"}}}\n"
	"{\"type\":\"DELETED\",\"object\":{\"kind\":\"Job\",\"metadata\":{\"name\":\"a\",\"namespace\":\"ns1\",\"resourceVersion\":\"16\"}}}\n"
	"{\"type\":\"ADDED\",\"object\":{\"kind\":\"Job\",\"metadata\":{\"name\":\"b\",\"namespace\":\"ns2\",\"resourceVersion\":\"17\"}}}\n"
	"{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"too old resource version: 5 (17)\",\"reason\":\"Expired\",\"code\":410}}\n";

static const char *const stream1_expect[] = {
	"ADDED a 11",	"MODIFIED a 12", "BOOKMARK  15",
	"DELETED a 16", "ADDED b 17",	 "ERROR 410 Expired",
};

/* CRLF line ends, blank keep-alive lines, no final newline. */
static const char stream2[] =
	"\r\n{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"c\",\"resourceVersion\":\"1\"}}}\r\n"
	"\n  \n"
	"{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"c\",\"resourceVersion\":\"2\"}}}";

static const char *const stream2_expect[] = {"ADDED c 1", "MODIFIED c 2"};

static const char *const type_names[] = {"ADDED", "MODIFIED", "DELETED",
					 "BOOKMARK", "ERROR"};

struct rec {
	char got[16][64];
	int n;
	int stop_at; /* return 7 at this event (1-based), 0: never */
	bool take;
	cJSON *taken[16];
};

static int on_event(struct jf_k8s_event *ev, void *arg)
{
	struct rec *r = arg;

	ck_assert_int_lt(r->n, 16);
	if (ev->type == JF_K8S_ERROR)
		snprintf(r->got[r->n], 64, "ERROR %d %s", ev->code, ev->reason);
	else
		snprintf(r->got[r->n], 64, "%s %s %s", type_names[ev->type],
			 jf_json_str(ev->object, "metadata.name", ""), ev->rv);
	if (r->take) {
		r->taken[r->n] = ev->object;
		ev->object = NULL;
	}
	r->n++;
	return r->stop_at && r->n == r->stop_at ? 7 : 0;
}

static void check_rec(const struct rec *r, const char *const *want, int n)
{
	ck_assert_int_eq(r->n, n);
	for (int i = 0; i < n; i++)
		ck_assert_str_eq(r->got[i], want[i]);
}

/* Feeds s cut at the given offsets (sorted, may repeat). */
static int feed_cut(const char *s, size_t len, const size_t *cuts, int ncuts,
		    struct rec *r, size_t max)
{
	struct jf_k8s_watch_dec d;
	size_t at = 0;
	int err = 0;

	jf_k8s_watch_dec_init(&d, max, on_event, r);
	for (int i = 0; i <= ncuts && !err; i++) {
		size_t end = i < ncuts ? cuts[i] : len;

		err = jf_k8s_watch_dec_feed(&d, s + at, end - at, NULL);
		at = end;
	}
	if (!err)
		err = jf_k8s_watch_dec_finish(&d, NULL);
	jf_k8s_watch_dec_release(&d);
	return err;
}

START_TEST(test_every_single_split)
{
	size_t len = strlen(stream1);

	for (size_t cut = 0; cut <= len; cut++) {
		struct rec r = {0};

		ck_assert_int_eq(feed_cut(stream1, len, &cut, 1, &r, 0), 0);
		check_rec(&r, stream1_expect, 6);
	}
}
END_TEST

START_TEST(test_every_pair_of_splits)
{
	size_t len = strlen(stream2);
	size_t cuts[2];

	for (cuts[0] = 0; cuts[0] <= len; cuts[0]++) {
		for (cuts[1] = cuts[0]; cuts[1] <= len; cuts[1]++) {
			struct rec r = {0};

			ck_assert_int_eq(feed_cut(stream2, len, cuts, 2, &r, 0),
					 0);
			check_rec(&r, stream2_expect, 2);
		}
	}
}
END_TEST

START_TEST(test_fixed_chunk_sizes)
{
	size_t len = strlen(stream1);

	for (size_t step = 1; step <= len; step++) {
		size_t cuts[1024];
		int n = 0;
		struct rec r = {0};

		for (size_t at = step; at < len && n < 1024; at += step)
			cuts[n++] = at;
		ck_assert_int_eq(feed_cut(stream1, len, cuts, n, &r, 0), 0);
		check_rec(&r, stream1_expect, 6);
	}
}
END_TEST

START_TEST(test_random_chunkings)
{
	size_t len = strlen(stream1);

	srand(42);
	for (int round = 0; round < 2000; round++) {
		size_t cuts[8];
		int n = rand() % 8;
		struct rec r = {0};

		for (int i = 0; i < n; i++)
			cuts[i] = (size_t)rand() % (len + 1);
		for (int i = 1; i < n; i++) /* insertion sort */
			for (int j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) {
				size_t t = cuts[j];

				cuts[j] = cuts[j - 1];
				cuts[j - 1] = t;
			}
		ck_assert_int_eq(feed_cut(stream1, len, cuts, n, &r, 0), 0);
		check_rec(&r, stream1_expect, 6);
	}
}
END_TEST

START_TEST(test_line_cap)
{
	size_t len = strlen(stream1);
	size_t first = strchr(stream1, '\n') - stream1;
	struct jf_errmsg e = {{0}};
	struct jf_k8s_watch_dec d;
	struct rec r = {0};
	size_t cut = 10;

	/* A cap just under the first line: refused whole or in pieces. */
	ck_assert_int_eq(feed_cut(stream1, len, NULL, 0, &r, first - 1),
			 -JF_ETOOBIG);
	ck_assert_int_eq(r.n, 0);
	ck_assert_int_eq(feed_cut(stream1, len, &cut, 1, &r, first - 1),
			 -JF_ETOOBIG);
	ck_assert_int_eq(r.n, 0);
	/* A cap of exactly the first line's length passes it; the second
	 * line is longer and is refused. */
	ck_assert_int_eq(feed_cut(stream1, len, &cut, 1, &r, first),
			 -JF_ETOOBIG);
	ck_assert_int_eq(r.n, 1);
	ck_assert_str_eq(r.got[0], "ADDED a 11");
	memset(&r, 0, sizeof(r));
	/* A partial line that never ends also hits the cap. */
	jf_k8s_watch_dec_init(&d, 100, on_event, &r);
	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(
			jf_k8s_watch_dec_feed(&d, "xxxxxxxxxx", 10, &e), 0);
	ck_assert_int_eq(jf_k8s_watch_dec_feed(&d, "x", 1, &e), -JF_ETOOBIG);
	ck_assert_ptr_nonnull(strstr(e.msg, "longer than 100 bytes"));
	jf_k8s_watch_dec_release(&d);
}
END_TEST

static const struct {
	const char *in;
	const char *msg;
} bad_lines[] = {
	{"{\"type\":\"ADDED\",\"object\":{}\n", "watch event"},
	{"not json\n", "watch event"},
	{"{\"object\":{}}\n", "no 'type'"},
	{"{\"type\":\"SOMETHING\",\"object\":{}}\n",
	 "unknown type 'SOMETHING'"},
	{"{\"type\":\"ADDED\"}\n", "without an 'object'"},
	{"{\"type\":\"ADDED\",\"object\":[1]}\n", "without an 'object'"},
	{"[\"type\"]\n", "no 'type'"},
	{"{\"type\":7,\"object\":{}}\n", "no 'type'"},
};

START_TEST(test_malformed_lines)
{
	struct jf_errmsg e = {{0}};
	struct jf_k8s_watch_dec d;
	struct rec r = {0};

	jf_k8s_watch_dec_init(&d, 0, on_event, &r);
	ck_assert_int_eq(jf_k8s_watch_dec_feed(&d, bad_lines[_i].in,
					       strlen(bad_lines[_i].in), &e),
			 -JF_EPARSE);
	ck_assert_msg(strstr(e.msg, bad_lines[_i].msg), "got '%s'", e.msg);
	ck_assert_int_eq(r.n, 0);
	jf_k8s_watch_dec_release(&d);
}
END_TEST

START_TEST(test_truncated_stream)
{
	struct jf_errmsg e = {{0}};
	struct jf_k8s_watch_dec d;
	struct rec r = {0};
	size_t len = strlen(stream1) - 20;

	jf_k8s_watch_dec_init(&d, 0, on_event, &r);
	ck_assert_int_eq(jf_k8s_watch_dec_feed(&d, stream1, len, &e), 0);
	ck_assert_int_eq(r.n, 5);
	ck_assert_int_eq(jf_k8s_watch_dec_finish(&d, &e), -JF_EPARSE);
	ck_assert_ptr_nonnull(strstr(e.msg, "ends inside an event"));
	ck_assert_int_eq(r.n, 5);
	jf_k8s_watch_dec_release(&d);
}
END_TEST

START_TEST(test_callback_stops_and_takes)
{
	struct jf_k8s_watch_dec d;
	struct rec r = {.stop_at = 2, .take = true};

	jf_k8s_watch_dec_init(&d, 0, on_event, &r);
	ck_assert_int_eq(
		jf_k8s_watch_dec_feed(&d, stream1, strlen(stream1), NULL), 7);
	ck_assert_int_eq(r.n, 2);
	ck_assert_int_eq(d.events, 2);
	/* The objects taken outlive the decoder's root. */
	ck_assert_str_eq(jf_json_str(r.taken[0], "spec.x[2].y", ""), "z\n");
	ck_assert_str_eq(jf_json_str(r.taken[1], "status.s", ""),
			 "caf\xc3\xa9 \"q\"");
	cJSON_Delete(r.taken[0]);
	cJSON_Delete(r.taken[1]);
	jf_k8s_watch_dec_release(&d);
}
END_TEST

START_TEST(test_event_parse_error_event)
{
	static const char line[] =
		"{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":500,\"reason\":\"InternalError\",\"message\":\"etcd\"}}";
	struct jf_k8s_event ev;
	cJSON *root;

	ck_assert_int_eq(
		jf_k8s_watch_event_parse(line, strlen(line), &ev, &root, NULL),
		0);
	ck_assert_int_eq(ev.type, JF_K8S_ERROR);
	ck_assert_int_eq(ev.code, 500);
	ck_assert_str_eq(ev.reason, "InternalError");
	ck_assert_str_eq(ev.message, "etcd");
	ck_assert_str_eq(ev.rv, "");
	cJSON_Delete(root);
}
END_TEST

static Suite *watch_suite(void)
{
	Suite *s = suite_create("k8s_watch");
	TCase *tc = tcase_create("chunking");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_every_single_split);
	tcase_add_test(tc, test_every_pair_of_splits);
	tcase_add_test(tc, test_fixed_chunk_sizes);
	tcase_add_test(tc, test_random_chunkings);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_test(tc, test_line_cap);
	tcase_add_loop_test(tc, test_malformed_lines, 0,
			    sizeof(bad_lines) / sizeof(bad_lines[0]));
	tcase_add_test(tc, test_truncated_stream);
	suite_add_tcase(s, tc);
	tc = tcase_create("events");
	tcase_add_test(tc, test_callback_stops_and_takes);
	tcase_add_test(tc, test_event_parse_error_event);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(watch_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
