/* dispatch.c - from the queue to idle workers, and from results back to
 * the queue: requeue_after -> add_after, error -> add_rate_limited,
 * success -> forget; objects the worker wrote go into the caches. */
#include "supervisor/sup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_buf.h"
#include "jf_engine.h"
#include "jf_json.h"
#include "jf_log.h"
#include "jf_time.h"

static bool ns_allowed(const struct jf_sup *s, const char *ns, size_t len)
{
	if (s->cfg.nnamespaces == 0)
		return true;
	for (int i = 0; i < s->cfg.nnamespaces; i++) {
		if (strlen(s->cfg.namespaces[i]) == len &&
		    strncmp(s->cfg.namespaces[i], ns, len) == 0)
			return true;
	}
	return false;
}

void jf_sup_enqueue(struct jf_sup *s, const char *key)
{
	const char *k = key, *slash;

	if (strncmp(k, JF_TEMPLATE_KEY_PREFIX,
		    sizeof(JF_TEMPLATE_KEY_PREFIX) - 1) == 0)
		k += sizeof(JF_TEMPLATE_KEY_PREFIX) - 1;
	slash = strchr(k, '/');
	if (!slash || !ns_allowed(s, k, (size_t)(slash - k)))
		return;
	jf_queue_add(&s->queue, key);
	jf_sup_dispatch(s);
}

/* Adds key after delay_ms (the earliest pending deadline wins): batches
 * bursts of events into one reconcile. */
void jf_sup_enqueue_after(struct jf_sup *s, const char *key, int64_t delay_ms)
{
	const char *k = key, *slash;

	if (strncmp(k, JF_TEMPLATE_KEY_PREFIX,
		    sizeof(JF_TEMPLATE_KEY_PREFIX) - 1) == 0)
		k += sizeof(JF_TEMPLATE_KEY_PREFIX) - 1;
	slash = strchr(k, '/');
	if (!slash || !ns_allowed(s, k, (size_t)(slash - k)))
		return;
	/* already ready to run: that run reads the caches as they are then */
	if (jf_queue_is_queued(&s->queue, key))
		return;
	jf_queue_add_after(&s->queue, key, delay_ms, jf_mono_ms());
	jf_sup_queue_timer_arm(s);
}

/* --- the queue's timer -----------------------------------------------------
 */

static void queue_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct jf_sup *s = arg;

	s->queue_timer_at = 0;
	jf_queue_tick(&s->queue, jf_mono_ms());
	jf_sup_dispatch(s);
	jf_sup_queue_timer_arm(s);
}

/* Arms the timer for the earliest delayed key, if it is not armed for an
 * earlier time already. */
void jf_sup_queue_timer_arm(struct jf_sup *s)
{
	int64_t at = jf_queue_next_deadline(&s->queue), now, d;
	struct timeval tv;

	if (at < 0)
		return;
	if (!s->queue_timer)
		s->queue_timer = evtimer_new(s->base, queue_timer_cb, s);
	if (s->queue_timer_at && s->queue_timer_at <= at &&
	    evtimer_pending(s->queue_timer, NULL))
		return;
	now = jf_mono_ms();
	d = at > now ? at - now : 0;
	tv.tv_sec = d / 1000;
	tv.tv_usec = (d % 1000) * 1000;
	evtimer_add(s->queue_timer, &tv);
	s->queue_timer_at = at;
}

/* --- building a task ---------------------------------------------------------
 */

struct raw_list {
	struct jf_buf *b;
	int n;
};

static int append_raw(const char *ns, const char *name, const char *raw,
		      size_t len, void *arg)
{
	struct raw_list *l = arg;

	if (l->n++)
		jf_buf_putc(l->b, ',');
	return jf_buf_append(l->b, raw, len);
}

/* Appends val as a JSON string. */
static void put_str(struct jf_buf *b, const char *val)
{
	cJSON *str = cJSON_CreateString(val);
	char *q = jf_json_print(str);

	jf_buf_puts(b, q ? q : "\"\"");
	free(q);
	cJSON_Delete(str);
}

static void put_key(struct jf_buf *b, const char *field, const char *val)
{
	put_str(b, field);
	jf_buf_putc(b, ':');
	put_str(b, val);
}

/* How long the worker may leave a progress-only status change unwritten
 * (0: write it now): until --status-interval after the flow's last status
 * write. A flow's first change, and every change of a flow that changes
 * less often than that, is written at once. */
static int64_t status_defer_ms(struct jf_sup *s, const char *key)
{
	int64_t now = jf_mono_ms(), left;
	void *v;

	if (s->cfg.status_interval_ms <= 0)
		return 0;
	v = jf_hmap_get(&s->status_defer, key);
	if (!v)
		return 0;
	left = s->cfg.status_interval_ms - (now - (int64_t)(uintptr_t)v);
	if (left <= 0)
		jf_hmap_del(&s->status_defer, key);
	return left > 0 ? left : 0;
}

/* A flow task carries the flow, the templates it may use and the Jobs it
 * owns, as the cache holds them (raw JSON, no re-serialisation). Returns
 * -JF_ENOTFOUND when the flow is no longer cached. */
static int build_flow_task(struct jf_sup *s, const char *key, struct jf_buf *b)
{
	char ns[256], name[256], value[600];
	const char *slash = strchr(key, '/'), *raw;
	struct raw_list jobs = {b, 0};
	const cJSON *names, *n;
	size_t len;
	int nt = 0;

	snprintf(ns, sizeof(ns), "%.*s", (int)(slash - key), key);
	snprintf(name, sizeof(name), "%s", slash + 1);
	raw = jf_informer_get_raw(s->flows, ns, name, &len);
	if (!raw)
		return -JF_ENOTFOUND;
	jf_buf_puts(b, "{\"kind\":\"flow\",");
	put_key(b, "key", key);
	jf_buf_printf(b, ",\"now_ms\":%lld,\"status_defer_ms\":%lld,\"flow\":",
		      (long long)jf_now_ms(),
		      (long long)status_defer_ms(s, key));
	jf_buf_append(b, raw, len);
	jf_buf_puts(b, ",\"templates\":{");
	names = jf_hmap_get(&s->flow_tmpls, key);
	cJSON_ArrayForEach (n, names) {
		const char *t = jf_informer_get_raw(s->templates, ns,
						    n->valuestring, &len);

		if (!t)
			continue;
		if (nt++)
			jf_buf_putc(b, ',');
		put_str(b, n->valuestring);
		jf_buf_putc(b, ':');
		jf_buf_append(b, t, len);
	}
	jf_buf_puts(b, "},\"jobs\":[");
	snprintf(value, sizeof(value), "%s.%s", ns, name);
	jf_informer_by_index(s->jobs, JF_INDEX_FLOW, value, append_raw, &jobs,
			     NULL);
	return jf_buf_puts(b, "]}");
}

/* A template task carries the template (cached without its status) and,
 * per Job created from it, just what Volcano's jobDependsOnList needs: a
 * stub with the name and the createdByJobTemplate label. The worker reads
 * the template's current status itself (one GET per batched write). */
struct stub_list {
	struct jf_buf *b;
	const char *value;
	int n;
};

static int append_stub(const char *ns, const char *name, const char *raw,
		       size_t len, void *arg)
{
	struct stub_list *l = arg;

	if (l->n++)
		jf_buf_putc(l->b, ',');
	jf_buf_puts(l->b, "{\"metadata\":{");
	put_key(l->b, "name", name);
	jf_buf_putc(l->b, ',');
	put_key(l->b, "namespace", ns);
	jf_buf_puts(l->b, ",\"labels\":{");
	put_key(l->b, JF_LABEL_CREATED_BY_TEMPLATE, l->value);
	return jf_buf_puts(l->b, "}}}");
}

static int build_template_task(struct jf_sup *s, const char *key,
			       struct jf_buf *b)
{
	const char *k = key + sizeof(JF_TEMPLATE_KEY_PREFIX) - 1;
	const char *slash = strchr(k, '/'), *raw;
	char ns[256], value[600];
	struct stub_list jobs = {b, value, 0};
	size_t len;

	snprintf(ns, sizeof(ns), "%.*s", (int)(slash - k), k);
	raw = jf_informer_get_raw(s->templates, ns, slash + 1, &len);
	if (!raw)
		return -JF_ENOTFOUND;
	jf_buf_puts(b, "{\"kind\":\"template\",");
	put_key(b, "key", key);
	jf_buf_puts(b, ",\"template\":");
	jf_buf_append(b, raw, len);
	jf_buf_puts(b, ",\"jobs\":[");
	snprintf(value, sizeof(value), "%s.%s", ns, slash + 1);
	jf_informer_names_by_index(s->jobs, JF_INDEX_TEMPLATE, value,
				   append_stub, &jobs, NULL);
	return jf_buf_puts(b, "]}");
}

void jf_sup_dispatch(struct jf_sup *s)
{
	struct jf_slot *slot;

	if (!s->leading || s->stopping || !jf_sup_synced(s))
		return;
	while ((slot = jf_pool_idle(&s->pool))) {
		const char *key = jf_queue_get(&s->queue);
		struct jf_buf b;
		int err;

		if (!key)
			return;
		jf_buf_init(&b, 0);
		if (strncmp(key, JF_TEMPLATE_KEY_PREFIX,
			    sizeof(JF_TEMPLATE_KEY_PREFIX) - 1) == 0)
			err = build_template_task(s, key, &b);
		else
			err = build_flow_task(s, key, &b);
		if (err == -JF_ENOTFOUND) {
			/* deleted since it was queued: nothing to do */
			jf_queue_forget(&s->queue, key);
			jf_queue_done(&s->queue, key);
			jf_buf_release(&b);
			continue;
		}
		if (!err)
			err = jf_pool_dispatch(&s->pool, slot, key, b.data,
					       b.len);
		jf_buf_release(&b);
		if (err) {
			char *copy = strdup(key);

			jf_warn("cannot dispatch '%s': %s", key,
				jf_strerror(err));
			jf_queue_done(&s->queue, key);
			if (copy) {
				jf_queue_add_rate_limited(&s->queue, copy,
							  jf_mono_ms());
				free(copy);
			}
			jf_sup_queue_timer_arm(s);
			return;
		}
	}
}

/* --- results
 * ------------------------------------------------------------------ */

static void count_api(struct jf_sup *s, const cJSON *api)
{
	const cJSON *c;

	cJSON_ArrayForEach (c, jf_json_at(api, "requests")) {
		/* "verb code": n */
		char verb[32] = "", labels[128];
		int code = 0;

		if (sscanf(c->string, "%31s %d", verb, &code) != 2 ||
		    !cJSON_IsNumber(c))
			continue;
		snprintf(labels, sizeof(labels),
			 "process=\"worker\",verb=\"%s\",code=\"%d\"", verb,
			 code);
		jf_metrics_add(&s->metrics, "jobflowd_api_requests_total",
			       labels, c->valuedouble, "counter",
			       "API requests by process, verb and HTTP code");
	}
}

static void record_flow_result(struct jf_sup *s, const char *key,
			       const cJSON *body)
{
	const char *changed = jf_json_str(body, "phase_changed", NULL);
	const cJSON *created = jf_json_at(body, "created"), *j;
	const cJSON *flow = jf_json_at(body, "flow");
	char labels[300], ns[256];
	const char *slash = strchr(key, '/');

	cJSON_ArrayForEach (j, created) {
		const char *attempt = jf_json_str(
			j, "metadata.labels[\"" JF_LABEL_ATTEMPT "\"]", "0");

		jf_informer_observe(s->jobs, j);
		jf_metrics_add(&s->metrics, "jobflowd_jobs_created_total", "",
			       1, "counter", "Volcano Jobs created");
		if (strcmp(attempt, "0") != 0)
			jf_metrics_add(&s->metrics,
				       "jobflowd_step_retries_total", "", 1,
				       "counter",
				       "step attempts started after a failure");
	}
	if (cJSON_IsObject(flow))
		jf_informer_observe(s->flows, flow);
	if (cJSON_IsObject(flow)) {
		/* a status write: the next interval starts now (finished flows
		 * are not tracked: they rarely change again) */
		const char *ph = jf_json_str(flow, "status.state.phase", "");

		if (s->cfg.status_interval_ms > 0 && strcmp(ph, "Succeed") &&
		    strcmp(ph, "Failed"))
			jf_hmap_put(&s->status_defer, key,
				    (void *)(uintptr_t)jf_mono_ms(), NULL);
		else
			jf_hmap_del(&s->status_defer, key);
	}
	if (!changed || !slash)
		return;
	/* jobRetainPolicy delete: the Jobs go once Succeed is observed. The
	 * watch event of that status write is dropped when this result has
	 * already put the flow into the cache (same resourceVersion), so the
	 * flow is queued again here (chaos found flows whose Jobs stayed
	 * until the periodic resync) */
	if (!strcmp(changed, "Succeed") && cJSON_IsObject(flow) &&
	    !strcmp(jf_json_str(flow, "spec.jobRetainPolicy", ""), "delete"))
		jf_queue_add(&s->queue, key);
	snprintf(ns, sizeof(ns), "%.*s", (int)(slash - key), key);
	jf_metrics_label(labels, sizeof(labels), "jobflow_namespace", ns);
	if (strcmp(changed, "Succeed") == 0)
		jf_metrics_add(&s->metrics,
			       "volcano_jobflow_succeed_phase_count", labels, 1,
			       "counter",
			       "JobFlows that reached phase Succeed");
	else if (strcmp(changed, "Failed") == 0)
		jf_metrics_add(&s->metrics,
			       "volcano_jobflow_failed_phase_count", labels, 1,
			       "counter", "JobFlows that reached phase Failed");
}

void jf_sup_on_result(struct jf_pool *p, struct jf_slot *slot, const char *key,
		      const cJSON *body, void *arg)
{
	struct jf_sup *s = arg;
	int64_t now = jf_mono_ms();
	int64_t after = jf_json_int(body, "requeue_after_ms", -1);
	bool ok = jf_json_bool(body, "ok", false);

	jf_metrics_observe_reconcile(
		&s->metrics, (double)(now - slot->task_start_ms) / 1000.0);
	jf_metrics_add(&s->metrics, "jobflowd_reconcile_total",
		       ok ? "result=\"success\"" : "result=\"error\"", 1,
		       "counter", "reconciles by result");
	count_api(s, jf_json_at(body, "api"));
	if (strncmp(key, JF_TEMPLATE_KEY_PREFIX,
		    sizeof(JF_TEMPLATE_KEY_PREFIX) - 1) != 0)
		record_flow_result(s, key, body);
	else if (cJSON_IsObject(jf_json_at(body, "template")))
		jf_informer_observe(s->templates, jf_json_at(body, "template"));
	if (ok) {
		jf_queue_forget(&s->queue, key);
		if (after >= 0)
			jf_queue_add_after(&s->queue, key, after, now);
	} else {
		int64_t d = jf_queue_add_rate_limited(&s->queue, key, now);
		char delay[32];

		jf_duration_format(d, delay, sizeof(delay));
		jf_logk(JF_LOG_WARN,
			JF_FIELDS({"flow", key},
				  {"err", jf_json_str(body, "error", "")},
				  {"retry_in", delay}),
			"reconcile failed");
	}
	jf_queue_done(&s->queue, key);
	jf_sup_queue_timer_arm(s);
}

void jf_sup_on_idle(struct jf_pool *p, struct jf_slot *slot, void *arg)
{
	jf_sup_dispatch(arg);
}

void jf_sup_on_lost(struct jf_pool *p, const char *key, const char *why,
		    void *arg)
{
	struct jf_sup *s = arg;

	jf_logk(JF_LOG_WARN, JF_FIELDS({"flow", key}, {"detail", why}),
		"task lost with its worker, requeued");
	jf_metrics_add(&s->metrics, "jobflowd_tasks_lost_total", "", 1,
		       "counter", "tasks whose worker died before replying");
	/* key is the pool's copy, valid through the callback */
	jf_queue_done(&s->queue, key);
	jf_queue_add(&s->queue, key);
	jf_sup_dispatch(s);
}
