/* sup.h - the supervisor process's state, shared by its files (main.c,
 * controller.c, dispatch.c, signals.c, leader.c). */
#ifndef JF_SUPERVISOR_SUP_H
#define JF_SUPERVISOR_SUP_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/event.h>

#include "jf_hmap.h"
#include "jf_informer.h"
#include "jf_k8s.h"
#include "jf_lease.h"
#include "supervisor/config.h"
#include "supervisor/control.h"
#include "supervisor/http.h"
#include "supervisor/metrics.h"
#include "supervisor/pool.h"
#include "supervisor/queue.h"

/* Queue keys: a JobFlow is "ns/name"; a JobTemplate's status reconcile is
 * "jt:ns/name" (':' cannot occur in Kubernetes names). */
#define JF_TEMPLATE_KEY_PREFIX "jt:"

/* Informer index names. */
#define JF_INDEX_FLOW	  "flow"     /* jobs by createdByJobFlow value */
#define JF_INDEX_TEMPLATE "template" /* jobs by createdByJobTemplate */

#define JF_SUP_MAX_WORKER_ARGS 24

/* A JobTemplate's status (jobDependsOnList, one name per Job created from
 * it) is written at most about once per this many ms while Jobs are being
 * created from it: the creates are batched into one write. */
#define JF_TEMPLATE_STATUS_BATCH_MS 1000

struct jf_sup {
	struct jf_config cfg;
	int argc;
	char **argv;
	struct event_base *base;

	struct jf_k8s_client *client;
	struct jf_informer *flows, *templates, *jobs;
	struct jf_lease *lease;
	bool leading;
	bool stopping;	/* TERM/QUIT received */
	bool fast_stop; /* QUIT: no drain */
	int exit_code;
	int64_t started_ms;
	int64_t stop_deadline_ms;

	struct jf_queue queue;
	struct jf_pool pool;
	struct jf_metrics metrics;
	struct jf_http *http;
	int http_port;
	struct jf_control *control;
	int pidfd;

	struct event *signals[9];
	struct event *queue_timer;
	int64_t queue_timer_at;	  /* monotonic ms the timer is armed for */
	struct event *stop_timer; /* polls the drain during TERM */

	/* "ns/template" -> struct jf_flowset: flows that may use it */
	struct jf_hmap tmpl_flows;
	/* "ns/flow" -> cJSON array of the template names it uses */
	struct jf_hmap flow_tmpls;
	/* "ns/flow" -> monotonic ms (as a pointer) of the flow's last status
	 * write, kept for --status-interval while the flow is active: a
	 * progress-only change within the interval waits for its end */
	struct jf_hmap status_defer;

	char *worker_args[JF_SUP_MAX_WORKER_ARGS];
	char worker_path[4096];
};

/* controller.c: informers, handlers, template index. */
int jf_sup_controller_start(struct jf_sup *s, struct jf_errmsg *e);
void jf_sup_controller_stop(struct jf_sup *s);
bool jf_sup_synced(const struct jf_sup *s);

/* dispatch.c: queue -> workers -> results. */
void jf_sup_dispatch(struct jf_sup *s);
void jf_sup_enqueue(struct jf_sup *s, const char *key);
void jf_sup_enqueue_after(struct jf_sup *s, const char *key, int64_t delay_ms);
void jf_sup_queue_timer_arm(struct jf_sup *s);
void jf_sup_on_idle(struct jf_pool *p, struct jf_slot *slot, void *arg);
void jf_sup_on_result(struct jf_pool *p, struct jf_slot *slot, const char *key,
		      const cJSON *body, void *arg);
void jf_sup_on_lost(struct jf_pool *p, const char *key, const char *why,
		    void *arg);

/* leader.c: leader election glue. */
int jf_sup_leader_start(struct jf_sup *s, struct jf_errmsg *e);
void jf_sup_leader_release(struct jf_sup *s);

/* signals.c: TERM, QUIT, HUP, USR1, TTIN, TTOU, CHLD. */
int jf_sup_signals_start(struct jf_sup *s);
void jf_sup_signals_stop(struct jf_sup *s);

/* main.c: orderly exit once drained; worker argv from the config. */
void jf_sup_begin_stop(struct jf_sup *s, bool fast);
void jf_sup_exit_now(struct jf_sup *s, int code);
void jf_sup_worker_args(struct jf_sup *s);

/* state.c: /debug/state, /metrics, readiness. */
cJSON *jf_sup_state(void *arg);
void jf_sup_metrics(void *arg, struct jf_buf *out);
bool jf_sup_ready(void *arg, const char **why);
bool jf_sup_healthy(void *arg, const char **why);

#endif /* JF_SUPERVISOR_SUP_H */
