/* check_k8s_store.c - Check suite for the informer cache in isolation
 * (common/k8s/store.c and the lookup/observe side of informer.c): keys,
 * stripping, indexes against a reference model, resourceVersion order and
 * the mutation cache. No server is contacted. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_informer.h"
#include "jf_json.h"
#include "jf_k8s.h"

#include "common/k8s/k8s_store.h"

static cJSON *mkobj(const char *ns, const char *name, const char *rv,
		    const char *flow)
{
	char buf[1024];

	snprintf(
		buf, sizeof(buf),
		"{\"kind\":\"Job\",\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\","
		"\"resourceVersion\":\"%s\",\"uid\":\"u-%s\",\"labels\":{\"volcano.sh/createdByJobFlow\":\"%s\"},"
		"\"managedFields\":[{\"manager\":\"kubectl\"}],\"annotations\":{\"kubectl.kubernetes.io/last-applied-configuration\":\"{}\",\"keep\":\"1\"}},"
		"\"spec\":{\"a\":1}}",
		name, ns, rv, name, flow);
	return cJSON_Parse(buf);
}

static int flow_index(const cJSON *obj, const char **vals, int max, void *arg)
{
	const cJSON *l = jf_json_at(obj, "metadata.labels");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(
		l, "volcano.sh/createdByJobFlow");

	if (!cJSON_IsString(v) || !*v->valuestring)
		return 0;
	vals[0] = v->valuestring;
	return 1;
}

START_TEST(test_strip_and_key)
{
	cJSON *o = mkobj("ns1", "a", "5", "ns1.f");
	char key[64];

	k8s_strip(o);
	ck_assert_ptr_null(jf_json_at(o, "metadata.managedFields"));
	ck_assert_ptr_null(jf_json_at(
		o,
		"metadata.annotations[\"kubectl.kubernetes.io/last-applied-configuration\"]"));
	ck_assert_str_eq(jf_json_str(o, "metadata.annotations.keep", ""), "1");
	ck_assert_int_eq(k8s_store_key(o, key, sizeof(key)), 0);
	ck_assert_str_eq(key, "ns1/a");
	cJSON_DeleteItemFromObject(cJSON_GetObjectItem(o, "metadata"),
				   "namespace");
	ck_assert_int_eq(k8s_store_key(o, key, sizeof(key)), 0);
	ck_assert_str_eq(key, "a");
	ck_assert_int_eq(k8s_store_key(o, key, 1), -ENAMETOOLONG);
	cJSON_DeleteItemFromObject(cJSON_GetObjectItem(o, "metadata"), "name");
	ck_assert_int_eq(k8s_store_key(o, key, sizeof(key)), -EINVAL);
	cJSON_Delete(o);
	/* only the last-applied annotation: the empty map goes too */
	o = cJSON_Parse(
		"{\"metadata\":{\"name\":\"x\",\"annotations\":{\"kubectl.kubernetes.io/last-applied-configuration\":\"{}\"}}}");
	k8s_strip(o);
	ck_assert_ptr_null(jf_json_at(o, "metadata.annotations"));
	cJSON_Delete(o);
}
END_TEST

START_TEST(test_put_replace_del)
{
	struct k8s_store s;
	struct k8s_entry *e;
	struct k8s_entry *const *v;
	size_t n;
	cJSON *o;

	ck_assert_int_eq(k8s_store_init(&s, false), 0);
	ck_assert_int_eq(k8s_store_add_index(&s, "flow", flow_index, NULL), 0);
	ck_assert_int_eq(k8s_store_add_index(&s, "flow", flow_index, NULL),
			 -EEXIST);
	o = mkobj("ns1", "a", "5", "ns1.f");
	ck_assert_int_eq(k8s_store_put(&s, o, false, 1, &e), 0);
	cJSON_Delete(o);
	ck_assert_str_eq(e->rv, "5");
	ck_assert_str_eq(e->uid, "u-a");
	ck_assert_ptr_nonnull(strstr(e->json, "\"spec\":{\"a\":1}"));
	ck_assert_uint_eq(s.bytes, e->json_len);
	ck_assert_int_eq(k8s_store_lookup(&s, "flow", "ns1.f", &v, &n), 0);
	ck_assert_uint_eq(n, 1);
	/* replace: moves to another flow value */
	o = mkobj("ns1", "a", "6", "ns1.g");
	ck_assert_int_eq(k8s_store_put(&s, o, false, 1, &e), 0);
	cJSON_Delete(o);
	ck_assert_int_eq(k8s_store_lookup(&s, "flow", "ns1.f", &v, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(k8s_store_lookup(&s, "flow", "ns1.g", &v, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0]->rv, "6");
	ck_assert_int_eq(k8s_store_lookup(&s, "namespace", "ns1", &v, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(k8s_store_lookup(&s, "nope", "x", &v, &n),
			 -JF_ENOTFOUND);
	ck_assert_int_eq(k8s_store_add_index(&s, "late", flow_index, NULL),
			 -EBUSY);
	k8s_store_del(&s, "ns1/a");
	k8s_store_del(&s, "ns1/a");
	ck_assert_ptr_null(k8s_store_get(&s, "ns1/a"));
	ck_assert_uint_eq(s.bytes, 0);
	ck_assert_int_eq(k8s_store_lookup(&s, "namespace", "ns1", &v, &n), 0);
	ck_assert_uint_eq(n, 0);
	k8s_store_release(&s);
}
END_TEST

/* Random puts and deletes against a reference model of (ns, flow); _i = 1
 * with packed texts. */
START_TEST(test_indexes_match_model)
{
	enum {
		KEYS = 300,
		NS = 5,
		FLOWS = 7,
		OPS = 20000
	};
	static int model_ns[KEYS], model_flow[KEYS]; /* -1: absent */
	struct k8s_store s;
	char name[32], ns[32], flow[32], rv[32];

	ck_assert_int_eq(k8s_store_init(&s, _i == 1), 0);
	ck_assert_int_eq(k8s_store_add_index(&s, "flow", flow_index, NULL), 0);
	for (int i = 0; i < KEYS; i++)
		model_ns[i] = model_flow[i] = -1;
	srand(7);
	for (int op = 0; op < OPS; op++) {
		int k = rand() % KEYS;
		int nsi = k % NS; /* a key keeps its namespace */

		snprintf(name, sizeof(name), "job-%d", k);
		snprintf(ns, sizeof(ns), "ns%d", nsi);
		if (rand() % 3 == 0) {
			char key[64];

			snprintf(key, sizeof(key), "%s/%s", ns, name);
			k8s_store_del(&s, key);
			model_ns[k] = model_flow[k] = -1;
		} else {
			int f = rand() % FLOWS;
			cJSON *o;

			snprintf(flow, sizeof(flow), "%s.f%d", ns, f);
			snprintf(rv, sizeof(rv), "%d", op);
			o = mkobj(ns, name, rv, flow);
			ck_assert_int_eq(k8s_store_put(&s, o, false, 0, NULL),
					 0);
			cJSON_Delete(o);
			model_ns[k] = nsi;
			model_flow[k] = f;
		}
		if (op % 500 != 499)
			continue;
		for (int a = 0; a < NS; a++) {
			struct k8s_entry *const *v;
			size_t n, want = 0;

			for (int i = 0; i < KEYS; i++)
				want += model_ns[i] == a;
			snprintf(ns, sizeof(ns), "ns%d", a);
			ck_assert_int_eq(
				k8s_store_lookup(&s, "namespace", ns, &v, &n),
				0);
			ck_assert_uint_eq(n, want);
			for (int f = 0; f < FLOWS; f++) {
				size_t wf = 0;

				for (int i = 0; i < KEYS; i++)
					wf += model_ns[i] == a &&
					      model_flow[i] == f;
				snprintf(flow, sizeof(flow), "ns%d.f%d", a, f);
				ck_assert_int_eq(k8s_store_lookup(&s, "flow",
								  flow, &v, &n),
						 0);
				ck_assert_uint_eq(n, wf);
				/* every listed entry really has that value */
				for (size_t i = 0; i < n; i++)
					ck_assert_ptr_nonnull(strstr(
						k8s_entry_text(&s, v[i], NULL),
						flow));
			}
		}
	}
	k8s_store_release(&s);
}
END_TEST

/* A Job as the cache holds it: alike in shape, unique in names, uids and
 * times. */
static cJSON *mkjob(int i)
{
	char buf[2048];

	snprintf(
		buf, sizeof(buf),
		"{\"apiVersion\":\"batch.volcano.sh/v1alpha1\",\"kind\":\"Job\","
		"\"metadata\":{\"name\":\"flow-%d-step\",\"namespace\":\"ns%d\","
		"\"uid\":\"%08x-7f3e-4974-9c88-%012x\",\"resourceVersion\":\"%d\","
		"\"labels\":{\"flow.volcano.sh/step\":\"step\","
		"\"volcano.sh/createdByJobFlow\":\"ns%d.flow-%d\"},"
		"\"ownerReferences\":[{\"apiVersion\":\"flow.volcano.sh/v1alpha1\","
		"\"kind\":\"JobFlow\",\"name\":\"flow-%d\",\"uid\":\"%08x\","
		"\"controller\":true,\"blockOwnerDeletion\":true}]},"
		"\"spec\":{\"tasks\":[{\"name\":\"main\",\"replicas\":1}]},"
		"\"status\":{\"conditions\":[{\"lastTransitionTime\":"
		"\"2026-12-05T00:%02d:%02dZ\",\"status\":\"Pending\"},"
		"{\"lastTransitionTime\":\"2026-12-05T00:%02d:%02dZ\","
		"\"status\":\"Running\"}],\"state\":{\"phase\":\"Running\"},"
		"\"retryCount\":0,\"minAvailable\":1,\"running\":1}}",
		i, i % 3, (unsigned)i * 2654435761u, (unsigned)i * 40503u,
		1000 + i, i % 3, i, i, (unsigned)i * 7919u, i % 60, i % 59,
		i % 60, (i + 1) % 59);
	return cJSON_Parse(buf);
}

/* Packed texts read back exactly, take a fraction of the memory once the
 * dictionary is made, stay readable K8S_CODEC_SCRATCH at a time, and the
 * byte counts follow replaces and deletes. */
START_TEST(test_packed_texts)
{
	enum {
		N = 300
	};
	struct k8s_store s;
	struct k8s_entry *e, *ring[4];
	const char *t[4];
	size_t bytes = 0, held = 0, len;
	char key[64], *want;
	cJSON *o;

	ck_assert_int_eq(k8s_store_init(&s, true), 0);
	for (int i = 0; i < N; i++) {
		o = mkjob(i);
		ck_assert_ptr_nonnull(o);
		ck_assert_int_eq(k8s_store_put(&s, o, false, 0, &e), 0);
		want = cJSON_PrintUnformatted(o);
		ck_assert_str_eq(k8s_entry_text(&s, e, &len), want);
		ck_assert_uint_eq(len, strlen(want));
		ck_assert_uint_gt(e->zlen, 0);
		if (i >= 64) /* the dictionary is made at the 64th put */
			ck_assert_uint_eq(e->dict, 1);
		if (i >= 100)
			ck_assert_uint_lt(e->zlen * 4, e->json_len);
		bytes += e->json_len;
		held += e->zlen;
		free(want);
		cJSON_Delete(o);
	}
	ck_assert_uint_eq(s.bytes, bytes);
	ck_assert_uint_eq(s.held, held);
	ck_assert_uint_lt(s.held * 3, s.bytes);
	/* four texts readable at once; the first packed without the
	 * dictionary still reads back */
	for (int i = 0; i < 4; i++) {
		snprintf(key, sizeof(key), "ns%d/flow-%d-step", i % 3, i * 70);
		ring[i] = k8s_store_get(&s, key);
		ck_assert_ptr_nonnull(ring[i]);
		t[i] = k8s_entry_text(&s, ring[i], NULL);
	}
	for (int i = 0; i < 4; i++) {
		snprintf(key, sizeof(key), "\"name\":\"flow-%d-step\"", i * 70);
		ck_assert_ptr_nonnull(strstr(t[i], key));
		o = k8s_entry_parse(&s, ring[i]);
		ck_assert_int_eq(
			(int)jf_json_int(o, "metadata.resourceVersion", -1),
			-1); /* a string */
		ck_assert_str_eq(jf_json_str(o, "metadata.resourceVersion", ""),
				 ring[i]->rv);
		cJSON_Delete(o);
	}
	/* a text that does not compress (short, no dictionary yet) is kept
	 * as it is */
	{
		struct k8s_store s2;

		ck_assert_int_eq(k8s_store_init(&s2, true), 0);
		o = cJSON_Parse("{\"metadata\":{\"name\":\"r\"}}");
		ck_assert_int_eq(k8s_store_put(&s2, o, false, 0, &e), 0);
		cJSON_Delete(o);
		ck_assert_uint_eq(e->zlen, 0);
		ck_assert_uint_eq(s2.held, s2.bytes);
		ck_assert_str_eq(k8s_entry_text(&s2, e, NULL),
				 "{\"metadata\":{\"name\":\"r\"}}");
		k8s_store_release(&s2);
	}
	/* replace and delete keep the counts */
	o = mkjob(5);
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(o, "metadata"),
				  "resourceVersion",
				  cJSON_CreateString("99999"));
	ck_assert_int_eq(k8s_store_put(&s, o, false, 0, &e), 0);
	cJSON_Delete(o);
	ck_assert_str_eq(e->rv, "99999");
	for (int i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "ns%d/flow-%d-step", i % 3, i);
		k8s_store_del(&s, key);
	}
	ck_assert_uint_eq(s.bytes, 0);
	ck_assert_uint_eq(s.held, 0);
	k8s_store_release(&s);
}
END_TEST

START_TEST(test_rv_cmp)
{
	ck_assert_int_lt(jf_informer_rv_cmp("9", "10"), 0);
	ck_assert_int_gt(jf_informer_rv_cmp("100", "99"), 0);
	ck_assert_int_eq(jf_informer_rv_cmp("42", "42"), 0);
	ck_assert_int_eq(jf_informer_rv_cmp("abc", "abc"), 0);
	ck_assert_int_gt(jf_informer_rv_cmp("abc", "abd"), 0);
	ck_assert_int_gt(jf_informer_rv_cmp("12", "x"), 0);
	ck_assert_int_gt(jf_informer_rv_cmp("18446744073709551615",
					    "18446744073709551614"),
			 0);
}
END_TEST

/* The mutation cache and lookups on an informer that never starts (the
 * client is never asked to connect). */
START_TEST(test_observe_and_lookups)
{
	struct jf_k8s_config cfg;
	struct jf_k8s_client *c;
	struct jf_informer *inf;
	struct jf_informer_opts o = {.res = &jf_k8s_res_jobs};
	struct jf_informer_stats st;
	const char *raw;
	size_t len, count;
	cJSON *obj, *got;

	jf_k8s_config_init(&cfg);
	cfg.server = strdup("https://127.0.0.1:1");
	ck_assert_int_eq(jf_k8s_client_new(NULL, &cfg, &c, NULL), 0);
	jf_k8s_config_release(&cfg);
	ck_assert_int_eq(jf_informer_new(c, &o, NULL, &inf), 0);
	ck_assert_int_eq(jf_informer_add_index(inf, "flow", flow_index, NULL),
			 0);
	obj = mkobj("ns1", "a", "10", "ns1.f");
	ck_assert_int_eq(jf_informer_observe(inf, obj), 1);
	ck_assert_int_eq(jf_informer_observe(inf, obj), 0); /* same RV */
	cJSON_Delete(obj);
	obj = mkobj("ns1", "a", "9", "ns1.f");
	ck_assert_int_eq(jf_informer_observe(inf, obj), 0); /* older */
	cJSON_Delete(obj);
	obj = mkobj("ns1", "a", "11", "ns1.f");
	ck_assert_int_eq(jf_informer_observe(inf, obj), 1);
	cJSON_Delete(obj);
	got = jf_informer_get(inf, "ns1", "a");
	ck_assert_str_eq(jf_json_str(got, "metadata.resourceVersion", ""),
			 "11");
	ck_assert_ptr_null(jf_json_at(got, "metadata.managedFields"));
	cJSON_Delete(got);
	raw = jf_informer_get_raw(inf, "ns1", "a", &len);
	ck_assert_ptr_nonnull(raw);
	ck_assert_uint_eq(strlen(raw), len);
	ck_assert_ptr_null(jf_informer_get_raw(inf, "ns2", "a", NULL));
	ck_assert_int_eq(
		jf_informer_by_index(inf, "flow", "ns1.f", NULL, NULL, &count),
		0);
	ck_assert_uint_eq(count, 1);
	ck_assert_uint_eq(jf_informer_index_count(inf, "namespace", "ns1"), 1);
	ck_assert_int_eq(jf_informer_by_index(inf, "x", "y", NULL, NULL, NULL),
			 -JF_ENOTFOUND);
	obj = cJSON_Parse("{\"metadata\":{\"name\":\"x\"}}");
	ck_assert_int_eq(jf_informer_observe(inf, obj), -EINVAL);
	cJSON_Delete(obj);
	jf_informer_get_stats(inf, &st);
	ck_assert_uint_eq(st.objects, 1);
	ck_assert_uint_eq(st.bytes, len);
	ck_assert(!jf_informer_has_synced(inf));
	jf_informer_free(inf);
	jf_k8s_client_free(c);
}
END_TEST

static Suite *store_suite(void)
{
	Suite *s = suite_create("k8s_store");
	TCase *tc = tcase_create("store");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_strip_and_key);
	tcase_add_test(tc, test_put_replace_del);
	tcase_add_loop_test(tc, test_indexes_match_model, 0, 2);
	tcase_add_test(tc, test_packed_texts);
	suite_add_tcase(s, tc);
	tc = tcase_create("informer_cache");
	tcase_add_test(tc, test_rv_cmp);
	tcase_add_test(tc, test_observe_and_lookups);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(store_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
