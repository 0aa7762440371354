/* check_engine_harness.h - a small simulator around jf_engine_reconcile()
 * for the engine's Check suites: a flow, its templates and a Job list;
 * each run applies the plan the way the worker and Volcano would (status
 * written, Jobs created Pending, deletes honoured) and checks the plan's
 * invariants (merge patch reproduces the status, phase agrees, no
 * repeated events on a replay).
 */
#ifndef CHECK_ENGINE_HARNESS_H
#define CHECK_ENGINE_HARNESS_H

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_engine.h"
#include "jf_json.h"
#include "jf_time.h"
#include "jf_yaml.h"

#define T0  1787392862000LL /* 2026-08-22T10:01:02Z */
#define SEC 1000LL

struct sim {
	cJSON *flow;
	cJSON *templates;
	cJSON *jobs;
	cJSON *foreign;
	cJSON *rejected;
	int64_t now;
	struct jf_engine_opts opts;
	struct jf_plan plan;
	bool has_plan;
	int job_uid;
};

static inline cJSON *h_yaml(const char *text)
{
	struct jf_errmsg e = {{0}};
	cJSON *j = NULL;

	ck_assert_msg(jf_yaml_load_one(text, strlen(text), "test", &j, &e) == 0,
		      "yaml: %s", e.msg);
	return j;
}

static inline cJSON *h_json(const char *text)
{
	struct jf_errmsg e = {{0}};
	cJSON *j = NULL;

	ck_assert_msg(jf_json_parse(text, strlen(text), 0, &j, &e) == 0,
		      "json: %s: %s", e.msg, text);
	return j;
}

/* A ring of result strings so assertions need no frees. */
static inline char *h_buf(void)
{
	static char ring[8][32768];
	static int at;

	at = (at + 1) % 8;
	ring[at][0] = '\0';
	return ring[at];
}

static inline char *h_stable(const cJSON *j)
{
	char *s = jf_json_print_stable(j), *b = h_buf();

	snprintf(b, 32768, "%s", s ? s : "(null)");
	free(s);
	return b;
}

/* Templates: a multi-document YAML of JobTemplates, or one template spec
 * per name ("name: spec-json" lines are not needed: see h_tpl()). */
static inline cJSON *h_templates_yaml(const char *text)
{
	struct jf_yaml_stream st = {0};
	struct jf_errmsg e = {{0}};
	cJSON *t = cJSON_CreateObject();

	ck_assert_msg(jf_yaml_load(text, strlen(text), "tpl", &st, &e) == 0,
		      "yaml: %s", e.msg);
	for (size_t i = 0; i < st.ndocs; i++)
		cJSON_AddItemToObject(
			t, jf_json_str(st.docs[i].json, "metadata.name", ""),
			jf_json_dup(st.docs[i].json));
	jf_yaml_stream_release(&st);
	return t;
}

/* A minimal template: one task "main" running busybox. */
static inline void h_tpl(cJSON *templates, const char *name)
{
	char buf[1024];

	snprintf(buf, sizeof(buf),
		 "{\"apiVersion\":\"flow.volcano.sh/v1alpha1\","
		 "\"kind\":\"JobTemplate\",\"metadata\":{\"name\":\"%s\","
		 "\"namespace\":\"default\"},\"spec\":{\"minAvailable\":1,"
		 "\"queue\":\"default\",\"maxRetry\":3,\"tasks\":[{\"name\":"
		 "\"main\",\"replicas\":1,\"template\":{\"spec\":{"
		 "\"containers\":[{\"name\":\"main\",\"image\":\"busybox\","
		 "\"resources\":{\"requests\":{\"memory\":\"1Gi\"}}}],"
		 "\"restartPolicy\":\"Never\"}}}]}}",
		 name);
	cJSON_AddItemToObject(templates, name, h_json(buf));
}

static inline char *h_read_file(const char *rel)
{
	const char *root = getenv("JF_SRC_DIR");
	char path[1024];
	FILE *f;
	long n;
	char *b;

	snprintf(path, sizeof(path), "%s/%s", root ? root : ".", rel);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open '%s'", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = calloc(1, (size_t)n + 1);
	ck_assert_int_eq(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return b;
}

/* Sets up a sim from a flow in YAML (metadata defaults added) and a
 * template object (taken over; may be NULL: one minimal template per
 * step named like the step is then created). */
static inline void sim_init(struct sim *s, const char *flow_yaml,
			    cJSON *templates)
{
	cJSON *meta;

	memset(s, 0, sizeof(*s));
	s->flow = h_yaml(flow_yaml);
	meta = jf_json_obj(s->flow, "metadata");
	if (!cJSON_GetObjectItemCaseSensitive(meta, "name"))
		cJSON_AddStringToObject(meta, "name", "test");
	if (!cJSON_GetObjectItemCaseSensitive(meta, "namespace"))
		cJSON_AddStringToObject(meta, "namespace", "default");
	if (!cJSON_GetObjectItemCaseSensitive(meta, "uid"))
		cJSON_AddStringToObject(meta, "uid", "uid-1");
	if (!cJSON_GetObjectItemCaseSensitive(meta, "generation"))
		cJSON_AddNumberToObject(meta, "generation", 1);
	if (!templates) {
		const cJSON *st;

		templates = cJSON_CreateObject();
		cJSON_ArrayForEach (st, jf_json_at(s->flow, "spec.flows")) {
			const char *t = jf_json_str(
				st, "jobTemplate", jf_json_str(st, "name", ""));

			if (!cJSON_GetObjectItemCaseSensitive(templates, t))
				h_tpl(templates, t);
		}
	}
	s->templates = templates;
	s->jobs = cJSON_CreateArray();
	s->now = T0;
}

static inline void sim_free(struct sim *s)
{
	if (s->has_plan)
		jf_plan_release(&s->plan);
	cJSON_Delete(s->flow);
	cJSON_Delete(s->templates);
	cJSON_Delete(s->jobs);
	cJSON_Delete(s->foreign);
	cJSON_Delete(s->rejected);
	memset(s, 0, sizeof(*s));
}

static inline cJSON *sim_job(struct sim *s, const char *name)
{
	cJSON *j;

	cJSON_ArrayForEach (j, s->jobs) {
		if (strcmp(jf_json_str(j, "metadata.name", ""), name) == 0)
			return j;
	}
	return NULL;
}

static inline void sim_del_job(struct sim *s, const char *name)
{
	int i = 0;
	cJSON *j;

	cJSON_ArrayForEach (j, s->jobs) {
		if (strcmp(jf_json_str(j, "metadata.name", ""), name) == 0) {
			cJSON_DeleteItemFromArray(s->jobs, i);
			return;
		}
		i++;
	}
}

static inline void h_set_time(cJSON *obj, const char *key, int64_t ms)
{
	char b[40];

	jf_json_set_str(obj, key, jf_time_format(ms, b, sizeof(b)));
}

/* Sets a Job's phase at the current time (status.state.phase and
 * lastTransitionTime, Volcano's status.conditions history). */
static inline void sim_phase(struct sim *s, const char *name, const char *phase)
{
	cJSON *j = sim_job(s, name), *st, *state, *conds, *c;

	ck_assert_msg(j != NULL, "no job '%s'", name);
	st = jf_json_obj(j, "status");
	state = jf_json_obj(st, "state");
	jf_json_set_str(state, "phase", phase);
	h_set_time(state, "lastTransitionTime", s->now);
	conds = cJSON_GetObjectItemCaseSensitive(st, "conditions");
	if (!conds)
		conds = cJSON_AddArrayToObject(st, "conditions");
	c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "status", phase);
	h_set_time(c, "lastTransitionTime", s->now);
	cJSON_AddItemToArray(conds, c);
}

static inline bool h_has_null(const cJSON *n)
{
	const cJSON *c;

	if (cJSON_IsNull(n))
		return true;
	for (c = n ? n->child : NULL; c; c = c->next) {
		if (h_has_null(c))
			return true;
	}
	return false;
}

/* Runs the engine once and applies the plan. */
static inline void sim_run(struct sim *s)
{
	struct jf_engine_input in = {
		.flow = s->flow,
		.templates = s->templates,
		.jobs = s->jobs,
		.foreign = s->foreign,
		.rejected = s->rejected,
		.now_ms = s->now,
		.opts = &s->opts,
	};
	struct jf_errmsg e = {{0}};
	const cJSON *c, *d;
	cJSON *prev;

	if (s->has_plan)
		jf_plan_release(&s->plan);
	ck_assert_msg(jf_engine_reconcile(&in, &s->plan, &e) == 0, "%s", e.msg);
	s->has_plan = true;
	ck_assert_int_eq(s->plan.status == NULL, s->plan.status_patch == NULL);
	if (s->plan.status) {
		/* the merge patch reproduces the status from the old one */
		prev = jf_json_dup(
			cJSON_GetObjectItemCaseSensitive(s->flow, "status"));
		prev = jf_json_merge_apply(
			prev, cJSON_GetObjectItemCaseSensitive(
				      s->plan.status_patch, "status"));
		ck_assert_msg(jf_json_equal(prev, s->plan.status),
			      "merge patch does not reproduce the status");
		cJSON_Delete(prev);
		ck_assert_str_eq(jf_json_str(s->plan.status, "state.phase", ""),
				 s->plan.phase);
		ck_assert_msg(!h_has_null(s->plan.status),
			      "null in the status: %s",
			      h_stable(s->plan.status));
		jf_json_set(s->flow, "status", jf_json_dup(s->plan.status));
	}
	{
		/* idempotence: the same inputs again (the status written,
		 * the created Jobs not visible yet) change nothing, emit
		 * nothing and ask for the same creates */
		struct jf_plan again;
		char *a, *b;

		ck_assert_int_eq(jf_engine_reconcile(&in, &again, &e), 0);
		ck_assert_msg(again.status == NULL, "replan changed status: %s",
			      h_stable(again.status_patch));
		ck_assert_int_eq(cJSON_GetArraySize(again.events), 0);
		a = jf_json_print_stable(again.creates);
		b = jf_json_print_stable(s->plan.creates);
		ck_assert_str_eq(a, b);
		free(a);
		free(b);
		ck_assert_str_eq(again.phase, s->plan.phase);
		jf_plan_release(&again);
	}
	cJSON_ArrayForEach (c, s->plan.creates) {
		const char *name = jf_json_str(c, "metadata.name", "");
		cJSON *job;
		char uid[32];

		if (sim_job(s, name))
			continue; /* AlreadyExists */
		job = jf_json_dup(c);
		h_set_time(jf_json_obj(job, "metadata"), "creationTimestamp",
			   s->now);
		snprintf(uid, sizeof(uid), "job-uid-%d", ++s->job_uid);
		jf_json_set_str(jf_json_obj(job, "metadata"), "uid", uid);
		cJSON_AddItemToArray(s->jobs, job);
		sim_phase(s, name, "Pending");
	}
	cJSON_ArrayForEach (d, s->plan.deletes) {
		sim_del_job(s, jf_json_str(d, "name", ""));
	}
	if (cJSON_GetArraySize(s->plan.creates)) {
		/* seeing the new Jobs (Pending) changes no step status */
		struct jf_plan seen;

		in.jobs = s->jobs;
		ck_assert_int_eq(jf_engine_reconcile(&in, &seen, &e), 0);
		ck_assert_msg(
			!seen.status ||
				jf_json_equal(
					jf_json_at(seen.status, "stepStatuses"),
					jf_json_at(s->flow,
						   "status.stepStatuses")),
			"observing the created Jobs changed: %s",
			h_stable(seen.status_patch));
		ck_assert_int_eq(cJSON_GetArraySize(seen.events), 0);
		ck_assert_int_eq(cJSON_GetArraySize(seen.creates), 0);
		jf_plan_release(&seen);
	}
}

/* Runs the engine again on exactly the same inputs: nothing must change
 * and no event may repeat. */
static inline void sim_replay_is_quiet(struct sim *s)
{
	sim_run(s); /* observes the Jobs the last plan created */
	ck_assert_int_eq(cJSON_GetArraySize(s->plan.events), 0);
	sim_run(s);
	ck_assert_int_eq(cJSON_GetArraySize(s->plan.creates), 0);
	ck_assert_msg(s->plan.status == NULL, "replay changed the status: %s",
		      h_stable(s->plan.status_patch));
	ck_assert_int_eq(cJSON_GetArraySize(s->plan.events), 0);
}

/* "a,b,c": the names in a list of objects (key "name" or
 * metadata.name). */
static inline char *h_names(const cJSON *list)
{
	char *b = h_buf();
	const cJSON *x;
	size_t n = 0;

	cJSON_ArrayForEach (x, list) {
		const char *name =
			cJSON_IsString(x) ? x->valuestring
			: cJSON_GetObjectItemCaseSensitive(x, "name")
				? jf_json_str(x, "name", "")
				: jf_json_str(x, "metadata.name", "");

		n += (size_t)snprintf(b + n, 32768 - n, "%s%s", n ? "," : "",
				      name);
	}
	return b;
}

/* "Normal Created: create a job named test-a!|..." */
static inline char *h_events(const cJSON *list)
{
	char *b = h_buf();
	const cJSON *x;
	size_t n = 0;

	cJSON_ArrayForEach (x, list) {
		n += (size_t)snprintf(b + n, 32768 - n, "%s%s %s: %s",
				      n ? "|" : "", jf_json_str(x, "type", ""),
				      jf_json_str(x, "reason", ""),
				      jf_json_str(x, "message", ""));
	}
	return b;
}

static inline const cJSON *sim_step(struct sim *s, const char *name)
{
	const cJSON *x;

	cJSON_ArrayForEach (x, jf_json_at(s->flow, "status.stepStatuses")) {
		if (strcmp(jf_json_str(x, "name", ""), name) == 0)
			return x;
	}
	return NULL;
}

/* "a=Succeeded,b=Failed,..." for every step in status order. */
static inline char *sim_phases(struct sim *s)
{
	char *b = h_buf();
	const cJSON *x;
	size_t n = 0;

	cJSON_ArrayForEach (x, jf_json_at(s->flow, "status.stepStatuses")) {
		n += (size_t)snprintf(b + n, 32768 - n, "%s%s=%s", n ? "," : "",
				      jf_json_str(x, "name", ""),
				      jf_json_str(x, "phase", ""));
	}
	return b;
}

static inline const char *sim_flow_phase(struct sim *s)
{
	return jf_json_str(s->flow, "status.state.phase", "");
}

/* A step status field as stable JSON ("(null)" when absent). */
static inline char *sim_field(struct sim *s, const char *step, const char *path)
{
	return h_stable(jf_json_at(sim_step(s, step), path));
}

/* A step status string field, raw ("" when absent). */
static inline const char *sim_str(struct sim *s, const char *step,
				  const char *path)
{
	return jf_json_str(sim_step(s, step), path, "");
}

static inline char *h_time(int64_t ms)
{
	char *b = h_buf();

	jf_time_format(ms, b, 40);
	return b;
}

#endif /* CHECK_ENGINE_HARNESS_H */
