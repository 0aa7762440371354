/* state.c - what the supervisor tells the outside: readiness, health,
 * /metrics and /debug/state (also the reply to `jobflowd -s status`). */
#include "supervisor/sup.h"

#include <stdio.h>
#include <string.h>

#include "jf_json.h"
#include "jf_time.h"

bool jf_sup_ready(void *arg, const char **why)
{
	struct jf_sup *s = arg;

	if (jf_sup_synced(s))
		return true;
	*why = "caches not synced yet\n";
	return false;
}

bool jf_sup_healthy(void *arg, const char **why)
{
	struct jf_sup *s = arg;

	if (s->lease && !jf_lease_healthy(s->lease, 20000)) {
		*why = "leading without a renewed lease\n";
		return false;
	}
	return true;
}

static void add_processing(const char *key, void *arg)
{
	cJSON_AddItemToArray(arg, cJSON_CreateString(key));
}

static cJSON *informer_state(const struct jf_informer *inf)
{
	struct jf_informer_stats st;
	cJSON *o = cJSON_CreateObject();

	if (!inf)
		return o;
	jf_informer_get_stats(inf, &st);
	cJSON_AddBoolToObject(o, "synced", jf_informer_has_synced(inf));
	cJSON_AddNumberToObject(o, "objects", (double)st.objects);
	cJSON_AddNumberToObject(o, "bytes", (double)st.bytes);
	cJSON_AddNumberToObject(o, "held_bytes", (double)st.held);
	cJSON_AddNumberToObject(o, "relists", (double)st.relists);
	cJSON_AddNumberToObject(o, "watch_errors", (double)st.watch_errors);
	cJSON_AddStringToObject(o, "resource_version",
				jf_informer_last_rv(inf));
	return o;
}

cJSON *jf_sup_state(void *arg)
{
	struct jf_sup *s = arg;
	cJSON *o = cJSON_CreateObject(), *q, *inf, *flight;

	cJSON_AddStringToObject(o, "identity", s->cfg.identity);
	cJSON_AddBoolToObject(o, "leader", s->leading);
	cJSON_AddStringToObject(o, "leader_identity",
				s->lease ? jf_lease_holder(s->lease)
					 : (s->leading ? s->cfg.identity : ""));
	cJSON_AddBoolToObject(o, "stopping", s->stopping);
	cJSON_AddBoolToObject(o, "ready", jf_sup_synced(s));
	cJSON_AddNumberToObject(o, "uptime_ms",
				(double)(jf_mono_ms() - s->started_ms));
	cJSON_AddItemToObject(o, "workers", jf_pool_describe(&s->pool));
	q = cJSON_AddObjectToObject(o, "queue");
	cJSON_AddNumberToObject(q, "depth", (double)jf_queue_len(&s->queue));
	cJSON_AddNumberToObject(q, "waiting",
				(double)jf_queue_waiting_len(&s->queue));
	cJSON_AddNumberToObject(q, "in_flight",
				(double)jf_queue_processing_len(&s->queue));
	flight = cJSON_AddArrayToObject(q, "in_flight_keys");
	jf_queue_foreach_processing(&s->queue, add_processing, flight);
	inf = cJSON_AddObjectToObject(o, "informers");
	cJSON_AddItemToObject(inf, "jobflows", informer_state(s->flows));
	cJSON_AddItemToObject(inf, "jobtemplates",
			      informer_state(s->templates));
	cJSON_AddItemToObject(inf, "jobs", informer_state(s->jobs));
	return o;
}

static void client_counter(enum jf_k8s_verb verb, int code, uint64_t count,
			   void *arg)
{
	struct jf_metrics *m = arg;
	char labels[128];

	snprintf(labels, sizeof(labels),
		 "process=\"supervisor\",verb=\"%s\",code=\"%d\"",
		 jf_k8s_verb_name(verb), code);
	jf_metrics_set(m, "jobflowd_api_requests_total", labels, (double)count,
		       "counter",
		       "API requests by process, verb and HTTP code");
}

static void informer_gauge(struct jf_metrics *m, const char *name,
			   const struct jf_informer *inf)
{
	struct jf_informer_stats st;
	char labels[64];

	if (!inf)
		return;
	jf_informer_get_stats(inf, &st);
	snprintf(labels, sizeof(labels), "resource=\"%s\"", name);
	jf_metrics_set(m, "jobflowd_cache_objects", labels,
		       (double)jf_informer_len(inf), "gauge",
		       "objects in the cache");
	jf_metrics_set(m, "jobflowd_cache_bytes", labels, (double)st.held,
		       "gauge",
		       "bytes the cache holds for its objects' texts "
		       "(compressed with --cache-compression)");
	jf_metrics_set(m, "jobflowd_informer_synced", labels,
		       jf_informer_has_synced(inf), "gauge", "1 once listed");
}

void jf_sup_metrics(void *arg, struct jf_buf *out)
{
	struct jf_sup *s = arg;
	struct jf_metrics *m = &s->metrics;
	static const enum jf_slot_state states[] = {
		JF_SLOT_STARTING, JF_SLOT_IDLE, JF_SLOT_BUSY, JF_SLOT_STOPPING};

	jf_metrics_set(m, "jobflowd_leader", "", s->leading, "gauge",
		       "1 while this replica leads");
	jf_metrics_set(m, "jobflowd_queue_depth", "",
		       (double)jf_queue_len(&s->queue), "gauge",
		       "flows ready to run");
	jf_metrics_set(
		m, "jobflowd_queue_waiting", "",
		(double)jf_queue_waiting_len(&s->queue), "gauge",
		"flows waiting for a delayed requeue (backoff, timeout)");
	jf_metrics_set(m, "jobflowd_queue_in_flight", "",
		       (double)jf_queue_processing_len(&s->queue), "gauge",
		       "flows being reconciled");
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		char labels[64];

		snprintf(labels, sizeof(labels), "state=\"%s\"",
			 jf_slot_state_name(states[i]));
		jf_metrics_set(m, "jobflowd_workers", labels,
			       jf_pool_count(&s->pool, states[i]), "gauge",
			       "worker processes by state");
	}
	jf_metrics_set(m, "jobflowd_worker_restarts_total", "",
		       (double)s->pool.restarts_total, "counter",
		       "worker processes respawned after dying");
	jf_metrics_set(m, "jobflowd_worker_kills_total", "",
		       (double)s->pool.kills_total, "counter",
		       "workers killed (stuck, malformed messages, shutdown)");
	informer_gauge(m, "jobflows", s->flows);
	informer_gauge(m, "jobtemplates", s->templates);
	informer_gauge(m, "jobs", s->jobs);
	if (s->client)
		jf_k8s_client_counters(s->client, client_counter, m);
	jf_metrics_render(m, out);
}
