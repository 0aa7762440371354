/* reconcile.c - jf_engine_reconcile(): validates, loads the observed state
 * (status + Jobs), moves every step forward in topological order, derives
 * the flow phase, and renders the plan: creates, deletes, terminates, the
 * new status with its merge patch, events and the timed requeue. */
#include "rt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jf_buf.h"
#include "jf_json.h"

void jf_plan_release(struct jf_plan *p)
{
	if (!p)
		return;
	cJSON_Delete(p->creates);
	cJSON_Delete(p->deletes);
	cJSON_Delete(p->terminates);
	cJSON_Delete(p->status);
	cJSON_Delete(p->status_patch);
	cJSON_Delete(p->events);
	cJSON_Delete(p->missing_templates);
	memset(p, 0, sizeof(*p));
	p->requeue_after_ms = -1;
}

static const char *flow_phase_str(const char *s)
{
	static const char *const known[] = {"Pending", "Running", "Succeed",
					    "Failed"};

	for (size_t i = 0; i < 4; i++) {
		if (strcmp(s, known[i]) == 0)
			return known[i];
	}
	return "Pending";
}

/* "step 'b': spec.flows[1].when: message; ..." capped. */
static char *join_errors(struct jf_eng_flow *f, const cJSON *errs)
{
	struct jf_buf b;
	const cJSON *x;
	char *s;

	jf_buf_init(&b, JF_ENG_MSG_MAX * 4);
	cJSON_ArrayForEach (x, errs) {
		const char *step = jf_json_str(x, "step", "");

		if (b.len)
			jf_buf_puts(&b, "; ");
		if (*step)
			jf_buf_printf(&b, "step '%s': ", step);
		jf_buf_printf(&b, "%s: %s", jf_json_str(x, "path", ""),
			      jf_json_str(x, "message", ""));
	}
	if (b.len > JF_ENG_MSG_MAX) {
		b.len = JF_ENG_MSG_MAX;
		while (b.len && ((unsigned char)b.data[b.len] & 0xC0) == 0x80)
			b.len--;
		b.data[b.len] = '\0';
		jf_buf_puts(&b, "...");
	}
	s = jf_buf_steal(&b);
	if (!s)
		f->oom = true;
	return s;
}

static void rc_release(struct jf_eng_rc *rc)
{
	for (int i = 0; rc->rs && i < rc->f->nsteps; i++) {
		struct jf_eng_rstep *r = &rc->rs[i];

		for (int k = 0; k < r->nunits; k++)
			jf_eng_unit_release(&r->units[k]);
		free(r->units);
		free(r->message);
		cJSON_Delete(r->creates);
		cJSON_Delete(r->events);
	}
	free(rc->rs);
	cJSON_Delete(rc->envsteps);
	cJSON_Delete(rc->terminates);
	cJSON_Delete(rc->flow_events);
	cJSON_Delete(rc->retry_status);
	free(rc->gate_msg);
	jf_eng_jobs_release(rc);
}

static void gate_message(struct jf_eng_rc *rc)
{
	struct jf_buf b;
	const cJSON *x;
	int n = cJSON_GetArraySize(rc->f->missing);

	if (!n)
		return;
	rc->gated = true;
	jf_buf_init(&b, 8192);
	jf_buf_printf(&b, "waiting for JobTemplate%s ", n > 1 ? "s" : "");
	cJSON_ArrayForEach (x, rc->f->missing) {
		jf_buf_printf(&b, "%s'%s'",
			      x == rc->f->missing->child ? "" : ", ",
			      x->valuestring);
	}
	rc->gate_msg = jf_buf_steal(&b);
	if (!rc->gate_msg)
		rc->f->oom = true;
}

/* Loads every step's runtime state from the previous status and the
 * Jobs; attempts seen as Jobs (or rejected creates) count as started. */
static int load_state(struct jf_eng_rc *rc)
{
	struct jf_eng_flow *f = rc->f;
	const cJSON *prev = jf_json_at(rc->prev_status, "stepStatuses"), *x;
	const cJSON *rej =
		cJSON_IsObject(rc->in->rejected) ? rc->in->rejected : NULL;
	struct jf_eng_map pm = {0};
	const cJSON **entries;
	int i = 0;

	rc->rs = calloc((size_t)f->nsteps + 1, sizeof(*rc->rs));
	rc->envsteps = cJSON_CreateObject();
	entries =
		calloc((size_t)cJSON_GetArraySize(prev) + 1, sizeof(*entries));
	if (!rc->rs || !rc->envsteps || !entries || jf_eng_map_init(&pm, 16)) {
		free(entries);
		return -ENOMEM;
	}
	cJSON_ArrayForEach (x, jf_eng_arr(prev)) {
		const char *n = jf_json_str(x, "name", "");

		entries[i] = x;
		if (cJSON_IsObject(x) && *n &&
		    jf_eng_map_put(&pm, n, i) == -ENOMEM) {
			jf_eng_map_release(&pm);
			free(entries);
			return -ENOMEM;
		}
		i++;
	}
	for (int k = 0; k < f->nsteps; k++) {
		struct jf_eng_rstep *r = &rc->rs[k];
		int at = jf_eng_map_get(&pm, f->steps[k].name);

		r->prev = at >= 0 ? entries[at] : NULL;
		r->creates = cJSON_CreateArray();
		r->events = cJSON_CreateArray();
		if (!r->creates || !r->events)
			f->oom = true;
		jf_eng_units_load(rc, &f->steps[k], r);
	}
	jf_eng_map_release(&pm);
	free(entries);
	for (int k = 0; k < rc->njobs; k++) {
		const struct jf_eng_job *j = &rc->jobs[k];
		struct jf_eng_rstep *r;
		struct jf_eng_unit *u;

		if (!j->owned || j->step < 0)
			continue;
		r = &rc->rs[j->step];
		if (!r->nunits)
			continue;
		u = &r->units[j->iter < 0 ? 0 : j->iter];
		if (u->attempts < j->attempt + 1)
			u->attempts = j->attempt + 1;
	}
	cJSON_ArrayForEach (x, rej) {
		int s, it, a;
		struct jf_eng_rstep *r;

		if (!jf_eng_name_identity(f, x->string, &s, &it, &a))
			continue;
		r = &rc->rs[s];
		if (r->nunits && r->units[it < 0 ? 0 : it].attempts < a + 1)
			r->units[it < 0 ? 0 : it].attempts = a + 1;
	}
	for (int k = 0; k < f->nsteps; k++) {
		struct jf_eng_rstep *r = &rc->rs[k];

		for (int u = 0; u < r->nunits; u++) {
			int ph = r->units[u].phase;

			r->succeeded += ph == JF_PH_SUCCEEDED;
			r->failed += ph == JF_PH_FAILED;
			r->skipped += ph == JF_PH_SKIPPED;
			r->active += jf_eng_phase_active(ph);
		}
		jf_eng_env_step_update(rc, &f->steps[k]);
	}
	return f->oom ? -ENOMEM : 0;
}

static const char *derive_phase(struct jf_eng_rc *rc, const char *prev)
{
	bool settled = true, failed = false, started = false;

	for (int i = 0; i < rc->f->nsteps; i++) {
		const struct jf_eng_rstep *r = &rc->rs[i];

		if (!jf_eng_phase_terminal(r->phase) ||
		    (rc->f->steps[i].foreach && r->active))
			settled = false;
		failed |= r->phase == JF_PH_FAILED;
		started |= r->phase == JF_PH_RUNNING ||
			   r->phase == JF_PH_BACKOFF ||
			   r->phase == JF_PH_SUCCEEDED ||
			   r->phase == JF_PH_FAILED;
	}
	if (settled)
		return failed ? "Failed" : "Succeed";
	return started || strcmp(prev, "Running") == 0 ? "Running" : "Pending";
}

static void flow_event(struct jf_eng_rc *rc, cJSON *events, const char *phase,
		       const char *prev)
{
	struct jf_buf b;
	int n = 0;

	if (strcmp(phase, prev) == 0)
		return;
	if (strcmp(phase, "Succeed") == 0) {
		jf_eng_event(rc, events, "Normal", "Succeeded",
			     jf_eng_strf(rc->f, "jobflow '%s' succeeded",
					 rc->f->name));
		return;
	}
	if (strcmp(phase, "Failed") != 0)
		return;
	jf_buf_init(&b, 8192);
	for (int i = 0; i < rc->f->nsteps; i++) {
		if (rc->rs[i].phase != JF_PH_FAILED)
			continue;
		jf_buf_printf(&b, "%s'%s'", n++ ? ", " : "",
			      rc->f->steps[i].name);
	}
	jf_eng_event(rc, events, "Warning", "Failed",
		     jf_eng_strf(rc->f, "jobflow '%s' failed: step%s %s failed",
				 rc->f->name, n > 1 ? "s" : "",
				 b.data ? b.data : ""));
	jf_buf_release(&b);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void plan_deletes(struct jf_eng_rc *rc, cJSON *deletes)
{
	const char **names = calloc((size_t)rc->njobs + 1, sizeof(*names));
	int n = 0;

	if (!names) {
		rc->f->oom = true;
		return;
	}
	for (int i = 0; i < rc->njobs; i++) {
		if (rc->jobs[i].owned &&
		    jf_eng_job_get(rc, rc->jobs[i].name) == &rc->jobs[i])
			names[n++] = rc->jobs[i].name;
	}
	qsort(names, (size_t)n, sizeof(*names), cmp_name);
	for (int i = 0; i < n; i++) {
		cJSON *d = cJSON_CreateObject();

		if (!d || !cJSON_AddItemToArray(deletes, d)) {
			cJSON_Delete(d);
			rc->f->oom = true;
			break;
		}
		cJSON_AddStringToObject(d, "name", names[i]);
		cJSON_AddStringToObject(d, "reason", "jobRetainPolicy: delete");
	}
	free(names);
}

static void move_all(cJSON *dst, cJSON *src)
{
	cJSON *x;

	while ((x = cJSON_DetachItemFromArray(src, 0)) != NULL)
		cJSON_AddItemToArray(dst, x);
}

/* The run of a valid flow; fills status and the plan's lists. */
/* A flow already Succeed or Failed whose status has none of our fields was
 * finished by upstream Volcano (before a migration), or runs on
 * Volcano's own CRD, which prunes our fields. Without that memory, Jobs
 * deleted since (jobRetainPolicy: delete, TTL) would look like steps that
 * never ran: such a flow is final and nothing is created again. */
static bool legacy_terminal(const struct jf_eng_rc *rc, const char *prev_phase)
{
	/* a status jobflowd wrote always has stepConditions (an invalid
	 * flow has no stepStatuses, and fixing it must let it proceed) */
	return (strcmp(prev_phase, "Succeed") == 0 ||
		strcmp(prev_phase, "Failed") == 0) &&
	       !cJSON_IsArray(jf_json_at(rc->prev_status, "stepStatuses")) &&
	       !cJSON_IsArray(jf_json_at(rc->prev_status, "stepConditions"));
}

static const char *legacy_run(struct jf_eng_rc *rc, struct jf_plan *p,
			      const char *prev_phase)
{
	/* no stepStatuses or stepConditions: the flow stays legacy */
	if (rc->f->retain_delete && strcmp(prev_phase, "Succeed") == 0)
		plan_deletes(rc, p->deletes);
	return prev_phase;
}

static const char *run(struct jf_eng_rc *rc, cJSON *status, struct jf_plan *p,
		       const char *prev_phase)
{
	struct jf_eng_flow *f = rc->f;
	const char *phase;
	cJSON *list;

	gate_message(rc);
	if (load_state(rc))
		return NULL;
	if (legacy_terminal(rc, prev_phase))
		return legacy_run(rc, p, prev_phase);
	jf_eng_manual_retry(rc);
	for (int k = 0; k < f->nsteps && !f->oom; k++)
		jf_eng_step_eval(rc, &f->steps[f->order[k]]);
	phase = derive_phase(rc, prev_phase);
	/* delete only once Succeed has been written (and observed): the
	 * status write itself triggers the next reconcile */
	if (f->retain_delete && strcmp(phase, "Succeed") == 0 &&
	    strcmp(prev_phase, "Succeed") == 0)
		plan_deletes(rc, p->deletes);
	list = cJSON_AddArrayToObject(status, "stepStatuses");
	for (int i = 0; list && i < f->nsteps; i++) {
		if (!cJSON_AddItemToArray(list,
					  jf_eng_step_status(rc, &f->steps[i])))
			f->oom = true;
	}
	if (!list)
		f->oom = true;
	{
		bool running = strcmp(phase, "Running") == 0;
		bool pending = strcmp(phase, "Pending") == 0;
		const char *reason = rc->gated && (running || pending)
					     ? "WaitingForTemplates"
					     : phase;

		if (!cJSON_AddItemToObject(
			    status, "stepConditions",
			    jf_eng_conditions(rc, phase, NULL, reason,
					      rc->gated ? rc->gate_msg : "")))
			f->oom = true;
	}
	move_all(p->events, rc->flow_events);
	for (int i = 0; i < f->nsteps; i++) {
		move_all(p->creates, rc->rs[i].creates);
		move_all(p->events, rc->rs[i].events);
	}
	flow_event(rc, p->events, phase, prev_phase);
	move_all(p->terminates, rc->terminates);
	if (strcmp(phase, "Succeed") && strcmp(phase, "Failed"))
		move_all(p->missing_templates, f->missing);
	return phase;
}

static const char *invalid(struct jf_eng_rc *rc, cJSON *status,
			   struct jf_plan *p)
{
	char *msg = join_errors(rc->f, rc->f->errors);
	const cJSON *prev_steps = jf_json_at(rc->prev_status, "stepStatuses");
	const cJSON *c, *old = NULL;

	if (!msg)
		return NULL;
	if (cJSON_IsArray(prev_steps) &&
	    !cJSON_AddItemToObject(status, "stepStatuses",
				   jf_eng_dup_nonull(prev_steps)))
		rc->f->oom = true;
	if (!cJSON_AddItemToObject(
		    status, "stepConditions",
		    jf_eng_conditions(rc, "Failed", msg, NULL, msg)))
		rc->f->oom = true;
	cJSON_ArrayForEach (c, jf_json_at(rc->prev_status, "stepConditions")) {
		if (strcmp(jf_json_str(c, "type", ""), "InvalidSpec") == 0)
			old = c;
	}
	if (!old || strcmp(jf_json_str(old, "status", ""), "True") != 0 ||
	    strcmp(jf_json_str(old, "message", ""), msg) != 0)
		jf_eng_event(rc, p->events, "Warning", "InvalidSpec",
			     jf_eng_strf(rc->f, "%s", msg));
	free(msg);
	{
		const cJSON *r = jf_json_at(rc->prev_status, "retry");

		if (cJSON_IsObject(r))
			rc->retry_status = jf_eng_dup_nonull(r);
	}
	return "Failed";
}

static int plan_alloc(struct jf_plan *p)
{
	memset(p, 0, sizeof(*p));
	p->requeue_after_ms = -1;
	p->phase = "Pending";
	p->creates = cJSON_CreateArray();
	p->deletes = cJSON_CreateArray();
	p->terminates = cJSON_CreateArray();
	p->events = cJSON_CreateArray();
	p->missing_templates = cJSON_CreateArray();
	return p->creates && p->deletes && p->terminates && p->events &&
			       p->missing_templates
		       ? 0
		       : -ENOMEM;
}

int jf_engine_reconcile(const struct jf_engine_input *in, struct jf_plan *out,
			struct jf_errmsg *e)
{
	struct jf_eng_flow f;
	struct jf_eng_rc rc;
	const char *phase, *prev_phase;
	cJSON *status = NULL, *state;
	int err;

	if (plan_alloc(out)) {
		jf_plan_release(out);
		return jf_errf(e, -ENOMEM, "out of memory");
	}
	if (!in || !cJSON_IsObject(in->flow)) {
		jf_plan_release(out);
		return jf_errf(e, -JF_EPARSE, "expected a JobFlow object");
	}
	err = jf_eng_flow_load(&f, in->flow, in->templates, in->opts);
	memset(&rc, 0, sizeof(rc));
	rc.f = &f;
	rc.in = in;
	rc.now = in->now_ms;
	rc.now_s = jf_eng_floor_s(in->now_ms);
	rc.requeue = -1;
	rc.prev_status = cJSON_GetObjectItemCaseSensitive(in->flow, "status");
	if (!cJSON_IsObject(rc.prev_status))
		rc.prev_status = NULL;
	prev_phase = jf_json_str(rc.prev_status, "state.phase", "");
	rc.terminates = cJSON_CreateArray();
	rc.flow_events = cJSON_CreateArray();
	status = cJSON_CreateObject();
	if (err || !rc.terminates || !rc.flow_events || !status ||
	    jf_eng_jobs_index(&rc))
		goto oom;
	if (cJSON_GetArraySize(f.errors))
		phase = invalid(&rc, status, out);
	else
		phase = run(&rc, status, out, prev_phase);
	if (!phase || f.oom)
		goto oom;
	state = cJSON_AddObjectToObject(status, "state");
	if (!state || !cJSON_AddStringToObject(state, "phase", phase) ||
	    jf_eng_volcano_status(&rc, status) ||
	    !cJSON_AddNumberToObject(status, "observedGeneration",
				     (double)f.generation))
		goto oom;
	if (rc.retry_status) {
		if (!cJSON_AddItemToObject(status, "retry", rc.retry_status))
			goto oom;
		rc.retry_status = NULL;
	}
	out->phase = flow_phase_str(phase);
	out->requeue_after_ms = rc.requeue;
	if (jf_json_equal(rc.prev_status, status)) {
		cJSON_Delete(status);
	} else {
		cJSON *diff = jf_json_merge_diff(rc.prev_status, status);

		out->status = status;
		out->status_patch = cJSON_CreateObject();
		if (!diff || !out->status_patch ||
		    !cJSON_AddItemToObject(out->status_patch, "status", diff)) {
			cJSON_Delete(diff);
			status = NULL;
			goto oom;
		}
	}
	rc_release(&rc);
	jf_eng_flow_release(&f);
	return 0;
oom:
	if (status != out->status)
		cJSON_Delete(status);
	rc_release(&rc);
	jf_eng_flow_release(&f);
	jf_plan_release(out);
	return jf_errf(e, -ENOMEM, "out of memory");
}
