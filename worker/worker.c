/* worker.c - worker state, the API client, heartbeats, and task dispatch
 * by kind with the RESULT envelope (ok, error, api counters). */
#include "worker/worker.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "jf_json.h"
#include "jf_log.h"
#include "jf_time.h"

int jf_worker_init(struct jf_worker *w, const struct jf_worker_opts *opts)
{
	struct jf_errmsg e = {{0}};
	struct jf_k8s_config kc;
	int err;

	memset(w, 0, sizeof(*w));
	w->opts = *opts;
	w->sock.s = -1;
	w->sock.rcvfd = -1;
	w->api_seen = cJSON_CreateObject();
	if (!w->api_seen)
		return -ENOMEM;
	err = jf_k8s_config_auto(opts->kubeconfig, opts->context, &kc, &e);
	if (err) {
		jf_error("cannot load the API configuration: %s",
			 jf_errmsg_or(&e, err));
		return -JF_ECONFIG;
	}
	kc.qps = opts->qps;
	if (opts->burst > 0)
		kc.burst = opts->burst;
	err = jf_k8s_client_new(NULL, &kc, &w->client, &e);
	jf_k8s_config_release(&kc);
	if (err) {
		jf_error("cannot create the API client: %s",
			 jf_errmsg_or(&e, err));
		return err == -ENOMEM ? err : -JF_ECONFIG;
	}
	return 0;
}

void jf_worker_release(struct jf_worker *w)
{
	jf_ipc_close(&w->sock);
	if (w->client)
		jf_k8s_client_free(w->client);
	cJSON_Delete(w->api_seen);
	w->client = NULL;
	w->api_seen = NULL;
}

void jf_worker_heartbeat(struct jf_worker *w, const char *busy_key)
{
	int64_t now = jf_mono_ms();
	cJSON *b;

	if (now - w->last_beat_ms < 1000)
		return;
	w->last_beat_ms = now;
	b = cJSON_CreateObject();
	if (!b)
		return;
	if (busy_key)
		cJSON_AddStringToObject(b, "busy", busy_key);
	else
		cJSON_AddNullToObject(b, "busy");
	jf_ipc_send_json(&w->sock, JF_IPC_HEARTBEAT, 0, b, 0);
	cJSON_Delete(b);
}

/* Finishes the asynchronous requests a task left (Events, 5 s cap each),
 * after its RESULT is on its way. */
void jf_worker_drain(struct jf_worker *w)
{
	if (!w->client)
		return;
	while (jf_k8s_client_inflight(w->client) > 0) {
		if (event_base_loop(jf_k8s_client_base(w->client),
				    EVLOOP_ONCE) < 0)
			break;
	}
}

struct api_delta {
	cJSON *seen;
	cJSON *out;
};

/* Reports the client's request counts since the previous RESULT. */
static void api_counter(enum jf_k8s_verb verb, int code, uint64_t count,
			void *arg)
{
	struct api_delta *d = arg;
	char key[48];
	double before;

	snprintf(key, sizeof(key), "%s %d", jf_k8s_verb_name(verb), code);
	before = jf_json_num(d->seen, key, 0);
	if ((double)count > before) {
		cJSON_AddNumberToObject(d->out, key, (double)count - before);
		jf_json_set(d->seen, key, cJSON_CreateNumber((double)count));
	}
}

int jf_worker_handle_task(struct jf_worker *w, uint32_t seq, cJSON *task)
{
	const char *kind = jf_json_str(task, "kind", "");
	const char *key = jf_json_str(task, "key", "");
	struct api_delta d = {w->api_seen, NULL};
	cJSON *r = cJSON_CreateObject(), *api;
	int64_t t0 = jf_mono_ms();
	int err;

	if (!r)
		return -ENOMEM;
	w->tasks++;
	cJSON_AddStringToObject(r, "key", key);
	if (strcmp(kind, "flow") == 0) {
		err = jf_worker_reconcile_flow(w, task, r);
	} else if (strcmp(kind, "template") == 0) {
		err = jf_worker_reconcile_template(w, task, r);
	} else {
		err = -JF_EPROTO;
		jf_json_set_str(r, "error", "unknown task kind");
	}
	jf_json_set_bool(r, "ok", err == 0);
	if (!jf_json_at(r, "requeue_after_ms"))
		jf_json_set_int(r, "requeue_after_ms", -1);
	api = cJSON_AddObjectToObject(r, "api");
	d.out = cJSON_AddObjectToObject(api, "requests");
	if (w->client)
		jf_k8s_client_counters(w->client, api_counter, &d);
	jf_logk(err ? JF_LOG_WARN : JF_LOG_DEBUG,
		JF_FIELDS({"flow", key},
			  {"err", err ? jf_json_str(r, "error", "") : NULL}),
		"task done in %lld ms", (long long)(jf_mono_ms() - t0));
	err = jf_ipc_send_json(&w->sock, JF_IPC_RESULT, seq, r, 30000);
	cJSON_Delete(r);
	jf_worker_drain(w);
	return err;
}
