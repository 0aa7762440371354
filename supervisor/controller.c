/* controller.c - informers for JobFlows, JobTemplates and the Jobs flows
 * own; their handlers turn events into queue keys. */
#include "supervisor/sup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_engine.h"
#include "jf_json.h"
#include "jf_log.h"

/* --- keys -------------------------------------------------------------------
 */

static void obj_key(const cJSON *obj, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/%s", jf_json_str(obj, "metadata.namespace", ""),
		 jf_json_str(obj, "metadata.name", ""));
}

/* The JobFlow owning a Job: its controller ownerReference of kind
 * JobFlow, else the createdByJobFlow label "<ns>.<name>" (a namespace
 * cannot contain '.', so the first '.' splits). */
static bool job_owner_key(const cJSON *job, char *buf, size_t cap)
{
	const cJSON *refs = jf_json_at(job, "metadata.ownerReferences"), *r;
	const char *ns = jf_json_str(job, "metadata.namespace", "");
	const char *label, *dot;

	cJSON_ArrayForEach (r, refs) {
		if (jf_json_bool(r, "controller", false) &&
		    strcmp(jf_json_str(r, "kind", ""), "JobFlow") == 0) {
			snprintf(buf, cap, "%s/%s", ns,
				 jf_json_str(r, "name", ""));
			return true;
		}
	}
	label = jf_json_str(
		job, "metadata.labels[\"" JF_LABEL_CREATED_BY_FLOW "\"]", NULL);
	if (!label || !(dot = strchr(label, '.')))
		return false;
	snprintf(buf, cap, "%.*s/%s", (int)(dot - label), label, dot + 1);
	return true;
}

/* --- template index: which flows may use which template --------------------
 */

static void tmpl_flows_add(struct jf_sup *s, const char *tkey, const char *fkey)
{
	struct jf_hmap *set = jf_hmap_get(&s->tmpl_flows, tkey);

	if (!set) {
		set = calloc(1, sizeof(*set));
		if (!set)
			return;
		jf_hmap_init(set);
		if (jf_hmap_put(&s->tmpl_flows, tkey, set, NULL)) {
			free(set);
			return;
		}
	}
	jf_hmap_put(set, fkey, (void *)1, NULL);
}

static void tmpl_flows_del(struct jf_sup *s, const char *tkey, const char *fkey)
{
	struct jf_hmap *set = jf_hmap_get(&s->tmpl_flows, tkey);

	if (!set)
		return;
	jf_hmap_del(set, fkey);
	if (jf_hmap_len(set) == 0) {
		jf_hmap_del(&s->tmpl_flows, tkey);
		jf_hmap_release(set);
		free(set);
	}
}

/* Replaces the templates recorded for flow fkey with names (NULL: none);
 * takes ownership of names. */
static void index_flow(struct jf_sup *s, const char *ns, const char *fkey,
		       cJSON *names)
{
	cJSON *old = jf_hmap_del(&s->flow_tmpls, fkey), *n;
	char tkey[512];

	cJSON_ArrayForEach (n, old) {
		snprintf(tkey, sizeof(tkey), "%s/%s", ns, n->valuestring);
		tmpl_flows_del(s, tkey, fkey);
	}
	cJSON_Delete(old);
	if (!names)
		return;
	cJSON_ArrayForEach (n, names) {
		snprintf(tkey, sizeof(tkey), "%s/%s", ns, n->valuestring);
		tmpl_flows_add(s, tkey, fkey);
	}
	if (jf_hmap_put(&s->flow_tmpls, fkey, names, NULL))
		cJSON_Delete(names);
}

static int free_flowset(const char *key, void *val, void *arg)
{
	jf_hmap_release(val);
	free(val);
	return 0;
}

static int free_names(const char *key, void *val, void *arg)
{
	cJSON_Delete(val);
	return 0;
}

/* --- handlers
 * ------------------------------------------------------------------ */

static void flow_changed(struct jf_sup *s, const cJSON *obj)
{
	char key[512];
	cJSON *names = cJSON_CreateArray();

	obj_key(obj, key, sizeof(key));
	if (names && jf_engine_flow_templates(obj, names)) {
		cJSON_Delete(names);
		names = NULL;
	}
	index_flow(s, jf_json_str(obj, "metadata.namespace", ""), key, names);
	jf_sup_enqueue(s, key);
}

static void flow_add(const cJSON *obj, void *arg)
{
	flow_changed(arg, obj);
}

static void flow_update(const cJSON *old, const cJSON *obj, void *arg)
{
	flow_changed(arg, obj);
}

static void flow_delete(const cJSON *obj, bool final_unknown, void *arg)
{
	struct jf_sup *s = arg;
	char key[512];

	obj_key(obj, key, sizeof(key));
	index_flow(s, jf_json_str(obj, "metadata.namespace", ""), key, NULL);
	jf_hmap_del(&s->status_defer, key);
	/* its Jobs go with it (ownerReferences); nothing left to do */
	jf_queue_forget(&s->queue, key);
}

static void enqueue_template_key(struct jf_sup *s, const char *ns,
				 const char *name, bool batch)
{
	char key[512];

	snprintf(key, sizeof(key), JF_TEMPLATE_KEY_PREFIX "%s/%s", ns, name);
	if (batch)
		jf_sup_enqueue_after(s, key, JF_TEMPLATE_STATUS_BATCH_MS);
	else
		jf_sup_enqueue(s, key);
}

/* A template appeared or changed: every flow that may use it runs again
 * (a flow waiting for a missing template is unblocked here). */
static void template_changed(struct jf_sup *s, const cJSON *obj, bool status)
{
	char tkey[512];
	struct jf_hmap *set;
	const char *fkey;
	size_t pos = 0;
	void *val;

	obj_key(obj, tkey, sizeof(tkey));
	set = jf_hmap_get(&s->tmpl_flows, tkey);
	while (set && jf_hmap_next(set, &pos, &fkey, &val))
		jf_sup_enqueue(s, fkey);
	if (status)
		enqueue_template_key(
			s, jf_json_str(obj, "metadata.namespace", ""),
			jf_json_str(obj, "metadata.name", ""), false);
}

static void template_add(const cJSON *obj, void *arg)
{
	template_changed(arg, obj, true);
}

static void template_update(const cJSON *old, const cJSON *obj, void *arg)
{
	/* our own status writes must not wake every flow using it */
	if (old != obj &&
	    jf_json_equal(jf_json_at(old, "spec"), jf_json_at(obj, "spec")))
		return;
	template_changed(arg, obj, old == obj);
}

static void template_delete(const cJSON *obj, bool final_unknown, void *arg)
{
	template_changed(arg, obj, false);
}

static bool job_finished(const char *phase)
{
	return !strcmp(phase, "Completed") || !strcmp(phase, "Failed") ||
	       !strcmp(phase, "Terminated") || !strcmp(phase, "Aborted");
}

/* A Job moving between unfinished phases (Pending -> Running, Restarting)
 * changes only what status coalescing would leave unwritten anyway, unless
 * the flow probes its targets' tasks: its flow is reconciled within
 * --status-interval instead of at once, which spares a reconcile per Job
 * when the next change (its end) comes sooner. */
static bool job_event_can_wait(struct jf_sup *s, const cJSON *old,
			       const cJSON *job, const char *key)
{
	const char *ph = jf_json_str(job, "status.state.phase", "");
	const char *slash = strchr(key, '/'), *raw;
	char ns[256];

	if (s->cfg.status_interval_ms <= 0 || !old || !*ph ||
	    job_finished(ph) ||
	    !strcmp(ph, jf_json_str(old, "status.state.phase", "")) ||
	    jf_json_at(job, "metadata.deletionTimestamp") || !slash)
		return false;
	snprintf(ns, sizeof(ns), "%.*s", (int)(slash - key), key);
	raw = jf_informer_get_raw(s->flows, ns, slash + 1, NULL);
	return raw && !strstr(raw, "\"probe\":");
}

static void job_event(struct jf_sup *s, const cJSON *old, const cJSON *job,
		      bool added)
{
	const char *label, *dot;
	char key[512];

	if (job_owner_key(job, key, sizeof(key))) {
		if (job_event_can_wait(s, old, job, key))
			jf_sup_enqueue_after(s, key, s->cfg.status_interval_ms);
		else
			jf_sup_enqueue(s, key);
	}
	if (!added)
		return;
	label = jf_json_str(
		job, "metadata.labels[\"" JF_LABEL_CREATED_BY_TEMPLATE "\"]",
		NULL);
	if (label && (dot = strchr(label, '.'))) {
		char ns[256];

		snprintf(ns, sizeof(ns), "%.*s", (int)(dot - label), label);
		enqueue_template_key(s, ns, dot + 1, true);
	}
}

static void job_add(const cJSON *obj, void *arg)
{
	job_event(arg, NULL, obj, true);
}

static void job_update(const cJSON *old, const cJSON *obj, void *arg)
{
	job_event(arg, old == obj ? NULL : old, obj, false);
}

static void job_delete(const cJSON *obj, bool final_unknown, void *arg)
{
	job_event(arg, NULL, obj, false);
}

/* JobTemplates are cached with their status reduced to a digest of its
 * jobDependsOnList: flows need only the spec, and a shared template's list
 * grows with every Job created from it (it would be copied into every flow
 * task). The template status task compares the list it would write with
 * the digest. */
static void template_transform(cJSON *obj, void *arg)
{
	const cJSON *list = jf_json_at(obj, "status.jobDependsOnList");
	bool has = cJSON_IsArray(list);
	char digest[64];
	cJSON *st;

	if (has)
		jf_engine_list_digest(list, digest, sizeof(digest));
	cJSON_DeleteItemFromObjectCaseSensitive(obj, "status"); /* list too */
	if (!has)
		return;
	st = cJSON_AddObjectToObject(obj, "status");
	if (st)
		cJSON_AddStringToObject(st, JF_TEMPLATE_DIGEST_KEY, digest);
}

/* Jobs are cached without most of their spec: the engine reads the
 * metadata and status of existing Jobs, and of the spec only each task's
 * name and replicas (dependsOn.probe counts a task's pods against its
 * replicas). Pod templates are most of a Job's size. */
static void job_transform(cJSON *obj, void *arg)
{
	cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
	cJSON *tasks = cJSON_GetObjectItemCaseSensitive(spec, "tasks");
	cJSON *keep = NULL, *t;

	if (cJSON_IsArray(tasks)) {
		keep = cJSON_CreateArray();
		cJSON_ArrayForEach (t, tasks) {
			cJSON *k = cJSON_CreateObject();
			const cJSON *n =
				cJSON_GetObjectItemCaseSensitive(t, "name");
			const cJSON *r =
				cJSON_GetObjectItemCaseSensitive(t, "replicas");

			if (!k)
				break;
			if (cJSON_IsString(n))
				cJSON_AddStringToObject(k, "name",
							n->valuestring);
			if (cJSON_IsNumber(r))
				cJSON_AddNumberToObject(k, "replicas",
							r->valuedouble);
			cJSON_AddItemToArray(keep, k);
		}
	}
	cJSON_DeleteItemFromObjectCaseSensitive(obj, "spec");
	if (keep) {
		spec = cJSON_AddObjectToObject(obj, "spec");
		if (spec)
			cJSON_AddItemToObject(spec, "tasks", keep);
		else
			cJSON_Delete(keep);
	}
}

static int index_label(const cJSON *obj, const char **vals, int max,
		       const char *label)
{
	const cJSON *labels = jf_json_at(obj, "metadata.labels");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(labels, label);

	if (!cJSON_IsString(v) || max < 1)
		return 0;
	vals[0] = v->valuestring;
	return 1;
}

static int index_by_flow(const cJSON *obj, const char **vals, int max,
			 void *arg)
{
	return index_label(obj, vals, max, JF_LABEL_CREATED_BY_FLOW);
}

static int index_by_template(const cJSON *obj, const char **vals, int max,
			     void *arg)
{
	return index_label(obj, vals, max, JF_LABEL_CREATED_BY_TEMPLATE);
}

/* --- lifecycle
 * ----------------------------------------------------------------- */

static int informer(struct jf_sup *s, const struct jf_k8s_resource *res,
		    const char *selector, const char *name, int64_t resync,
		    jf_informer_transform_fn transform,
		    const struct jf_informer_handlers *h,
		    struct jf_informer **out)
{
	struct jf_informer_opts o = {
		.res = res,
		.ns = s->cfg.nnamespaces == 1 ? s->cfg.namespaces[0] : NULL,
		.label_selector = selector,
		.name = name,
		.resync_ms = resync,
		.transform = transform,
		.pack_cache = s->cfg.cache_compression,
	};

	return jf_informer_new(s->client, &o, h, out);
}

int jf_sup_controller_start(struct jf_sup *s, struct jf_errmsg *e)
{
	const struct jf_informer_handlers fh = {flow_add, flow_update,
						flow_delete, s};
	const struct jf_informer_handlers th = {template_add, template_update,
						template_delete, s};
	const struct jf_informer_handlers jh = {job_add, job_update, job_delete,
						s};
	int err;

	jf_hmap_init(&s->tmpl_flows);
	jf_hmap_init(&s->flow_tmpls);
	jf_hmap_init(&s->status_defer);
	err = informer(s, &jf_k8s_res_jobflows, NULL, "jobflows",
		       s->cfg.resync_ms, NULL, &fh, &s->flows);
	if (!err)
		err = informer(s, &jf_k8s_res_jobtemplates, NULL,
			       "jobtemplates", 0, template_transform, &th,
			       &s->templates);
	if (!err)
		err = informer(s, &jf_k8s_res_jobs, JF_LABEL_CREATED_BY_FLOW,
			       "jobs", 0, job_transform, &jh, &s->jobs);
	if (!err)
		err = jf_informer_add_index(s->jobs, JF_INDEX_FLOW,
					    index_by_flow, NULL);
	if (!err)
		err = jf_informer_add_index(s->jobs, JF_INDEX_TEMPLATE,
					    index_by_template, NULL);
	if (err)
		return jf_errf(e, err, "cannot set up informers: %s",
			       jf_strerror(err));
	/* templates and jobs first, so that flows find them cached */
	jf_informer_start(s->templates);
	jf_informer_start(s->jobs);
	jf_informer_start(s->flows);
	return 0;
}

void jf_sup_controller_stop(struct jf_sup *s)
{
	jf_informer_free(s->flows);
	jf_informer_free(s->templates);
	jf_informer_free(s->jobs);
	s->flows = s->templates = s->jobs = NULL;
	jf_hmap_foreach(&s->tmpl_flows, free_flowset, NULL);
	jf_hmap_release(&s->tmpl_flows);
	jf_hmap_foreach(&s->flow_tmpls, free_names, NULL);
	jf_hmap_release(&s->flow_tmpls);
	jf_hmap_release(&s->status_defer);
}

bool jf_sup_synced(const struct jf_sup *s)
{
	return s->flows && jf_informer_has_synced(s->flows) &&
	       jf_informer_has_synced(s->templates) &&
	       jf_informer_has_synced(s->jobs);
}
