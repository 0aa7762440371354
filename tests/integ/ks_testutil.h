/* ks_testutil.h - shared helpers for the kubesim integration suites
 * (header-only: each suite is its own program). */
#ifndef KS_TESTUTIL_H
#define KS_TESTUTIL_H

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "jf_json.h"
#include "tests/lib/jf_testenv.h"

static struct jf_testenv env;

static const char *const *extra_args;

static inline void env_up(void)
{
	int err = jf_testenv_start(&env, extra_args);

	ck_assert_msg(err == 0, "cannot start kubesim: %d", err);
}

static inline void env_down(void)
{
	int st = jf_testenv_stop(&env);

	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "kubesim did not exit cleanly: status %d", st);
}

static inline long req(const char *method, const char *path, const char *body,
		       cJSON **out)
{
	return jf_test_req(&env, method, path, NULL, body, out);
}

static inline long req_ct(const char *method, const char *path, const char *ct,
			  const char *body, cJSON **out)
{
	return jf_test_req(&env, method, path, ct, body, out);
}

/* Expects code; frees the body unless out is given. */
#define REQ_EXPECT(code, method, path, body)                                   \
	do {                                                                   \
		cJSON *b_ = NULL;                                              \
		long c_ = req(method, path, body, &b_);                        \
		char *s_ = b_ ? cJSON_PrintUnformatted(b_) : NULL;             \
		ck_assert_msg(c_ == (code), "%s %s: got %ld, want %d: %s",     \
			      method, path, c_, (code), s_ ? s_ : "");         \
		free(s_);                                                      \
		cJSON_Delete(b_);                                              \
	} while (0)

static inline const char *jstr(const cJSON *o, const char *path)
{
	return jf_json_str(o, path, "");
}

static inline long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Polls GET path until pred(obj) is true or timeout; returns the last
 * object (caller frees) or NULL for 404. */
static inline cJSON *wait_for(const char *path, bool (*pred)(const cJSON *),
			      int timeout_ms)
{
	long long end = mono_ms() + timeout_ms;
	cJSON *o = NULL;

	for (;;) {
		long c;

		cJSON_Delete(o);
		o = NULL;
		c = req("GET", path, NULL, &o);
		if (c == 200 && pred(o))
			return o;
		if (c == 404 && !pred) {
			cJSON_Delete(o);
			return NULL;
		}
		if (mono_ms() > end)
			return o;
		usleep(10000);
	}
}

/* Waits until GET path is 404; true on success. */
static inline bool wait_gone(const char *path, int timeout_ms)
{
	long long end = mono_ms() + timeout_ms;

	while (mono_ms() < end) {
		if (req("GET", path, NULL, NULL) == 404)
			return true;
		usleep(10000);
	}
	return false;
}

static const char widget_crd[] =
	"{\"apiVersion\":\"apiextensions.k8s.io/v1\",\"kind\":"
	"\"CustomResourceDefinition\",\"metadata\":{\"name\":"
	"\"widgets.example.com\"},\"spec\":{\"group\":\"example.com\","
	"\"names\":{\"kind\":\"Widget\",\"plural\":\"widgets\",\"singular\":"
	"\"widget\",\"shortNames\":[\"wg\"],\"listKind\":\"WidgetList\"},"
	"\"scope\":\"Namespaced\",\"versions\":[{\"name\":\"v1\",\"served\":"
	"true,\"storage\":true,\"subresources\":{\"status\":{}},"
	"\"additionalPrinterColumns\":[{\"name\":\"SIZE\",\"type\":"
	"\"integer\",\"jsonPath\":\".spec.size\"}],\"schema\":{"
	"\"openAPIV3Schema\":{\"type\":\"object\",\"properties\":{"
	"\"spec\":{\"type\":\"object\",\"properties\":{\"size\":{\"type\":"
	"\"integer\",\"default\":1,\"minimum\":0},\"color\":{\"type\":"
	"\"string\",\"enum\":[\"red\",\"blue\"]}}},\"status\":{\"type\":"
	"\"object\",\"x-kubernetes-preserve-unknown-fields\":true}}}}}]}}";

static inline void add_widget_crd(void)
{
	REQ_EXPECT(201, "POST",
		   "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
		   widget_crd);
}

#endif /* KS_TESTUTIL_H */
