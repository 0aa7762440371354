/* client_testutil.h - shared helpers for the client and informer
 * integration suites (header-only: each suite is its own program). */
#ifndef CLIENT_TESTUTIL_H
#define CLIENT_TESTUTIL_H

#include <check.h>
#include <stdio.h>

#include <event2/event.h>

#include "jf_err.h"
#include "jf_k8s.h"
#include "jf_log.h"
#include "tests/lib/jf_testenv.h"

static struct jf_testenv env;

/* Starts the suite's kubesim (quiet logs). */
static inline void env_start(void)
{
	jf_log_set_level(JF_LOG_ERROR);
	ck_assert_int_eq(jf_testenv_start(&env, NULL), 0);
}

static inline void env_down(void)
{
	jf_testenv_stop(&env);
}

/* A client of the suite's kubesim on base (NULL: synchronous use); tune
 * (may be NULL) adjusts the loaded configuration first. */
static inline struct jf_k8s_client *
new_client(struct event_base *base, void (*tune)(struct jf_k8s_config *))
{
	struct jf_k8s_config cfg;
	struct jf_k8s_client *c;
	struct jf_errmsg e = {{0}};

	ck_assert_int_eq(jf_k8s_kubeconfig_load(env.kubeconfig, NULL, &cfg, &e),
			 0);
	if (tune)
		tune(&cfg);
	ck_assert_msg(jf_k8s_client_new(base, &cfg, &c, &e) == 0, "%s", e.msg);
	jf_k8s_config_release(&cfg);
	return c;
}

/* Creates namespace ns unless it exists. */
static inline void ensure_ns(const char *ns)
{
	char body[128];
	long code;

	snprintf(body, sizeof(body), "{\"metadata\":{\"name\":\"%s\"}}", ns);
	code = jf_test_req(&env, "POST", "/api/v1/namespaces", NULL, body,
			   NULL);
	ck_assert(code == 201 || code == 409);
}

#endif /* CLIENT_TESTUTIL_H */
