/* step.c - one step per call, in topological order: dependencies
 * (AllSucceeded, AllDone, probes), `when`, `switch` and `forEach`
 * (SPEC §3.4-3.6); units do the attempts. */
#include "rt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"

enum {
	DEP_WAIT,
	DEP_OK,
	DEP_OMIT
};

void jf_eng_event(struct jf_eng_rc *rc, cJSON *list, const char *type,
		  const char *reason, char *msg)
{
	cJSON *o;

	if (!msg) {
		rc->f->oom = true;
		return;
	}
	o = cJSON_CreateObject();
	if (!o || !cJSON_AddItemToArray(list, o)) {
		cJSON_Delete(o);
		free(msg);
		rc->f->oom = true;
		return;
	}
	cJSON_AddStringToObject(o, "type", type);
	cJSON_AddStringToObject(o, "reason", reason);
	cJSON_AddStringToObject(o, "message", msg);
	if (cJSON_GetArraySize(o) != 3)
		rc->f->oom = true;
	free(msg);
}

cJSON *jf_eng_env(struct jf_eng_rc *rc, const struct jf_eng_step *s, int iter,
		  int attempt, const struct jf_eng_lf *lf)
{
	cJSON *env = cJSON_CreateObject();
	int want = 3;

	if (!env)
		return NULL;
	cJSON_AddItemReferenceToObject(env, "params", rc->f->params);
	cJSON_AddItemReferenceToObject(env, "steps", rc->envsteps);
	cJSON_AddNumberToObject(env, "attempt", attempt);
	if (s->foreach && iter >= 0 && iter < s->nitems) {
		cJSON_AddItemReferenceToObject(env, "item",
					       (cJSON *)s->item[iter]);
		cJSON_AddNumberToObject(env, "index", iter);
		want += 2;
	}
	if (lf) {
		cJSON *o = cJSON_AddObjectToObject(env, "lastFailure");

		cJSON_AddStringToObject(o, "reason",
					lf->reason ? lf->reason : "");
		cJSON_AddStringToObject(o, "message",
					lf->message ? lf->message : "");
		cJSON_AddStringToObject(o, "phase", lf->phase ? lf->phase : "");
		cJSON_AddStringToObject(o, "job", lf->job ? lf->job : "");
		want += cJSON_GetArraySize(o) == 4;
	}
	if (cJSON_GetArraySize(env) != want) {
		cJSON_Delete(env);
		return NULL;
	}
	return env;
}

void jf_eng_env_step_update(struct jf_eng_rc *rc, struct jf_eng_step *s)
{
	struct jf_eng_rstep *r = &rc->rs[s->idx];
	cJSON *o = r->env;
	int attempts = 0;

	for (int i = 0; i < r->nunits; i++)
		attempts += r->units[i].attempts;
	if (!o) {
		/* created once, then updated in place: O(1) per update */
		o = cJSON_CreateObject();
		if (!o || !cJSON_AddItemToObject(rc->envsteps, s->name, o)) {
			cJSON_Delete(o);
			rc->f->oom = true;
			return;
		}
		r->env = o;
		cJSON_AddStringToObject(o, "phase", "");
		cJSON_AddNumberToObject(o, "attempts", 0);
		cJSON_AddNumberToObject(o, "succeeded", 0);
		cJSON_AddNumberToObject(o, "failed", 0);
		cJSON_AddNumberToObject(o, "iterations", 0);
		if (cJSON_GetArraySize(o) != 5) {
			rc->f->oom = true;
			return;
		}
	}
	if (!cJSON_SetValuestring(o->child, jf_eng_phase_name(r->phase)))
		rc->f->oom = true;
	cJSON_SetNumberValue(o->child->next, attempts);
	cJSON_SetNumberValue(o->child->next->next,
			     s->foreach ? r->succeeded
					: r->phase == JF_PH_SUCCEEDED);
	cJSON_SetNumberValue(o->child->next->next->next,
			     s->foreach ? r->failed : r->phase == JF_PH_FAILED);
	cJSON_SetNumberValue(o->child->next->next->next->next,
			     s->foreach ? r->nunits : 0);
}

/* --- dependencies -------------------------------------------------------- */

/* A running target satisfies a probe when, for every probe entry naming
 * one of its tasks, status.taskStatusCount[task].phase[phase] reaches the
 * task's replicas (default 1); at least one entry must apply. */
static bool probe_ok(struct jf_eng_rc *rc, const struct jf_eng_step *s,
		     const struct jf_eng_step *t)
{
	const struct jf_eng_unit *u = &rc->rs[t->idx].units[0];
	const struct jf_eng_job *j;
	char name[512];
	int applicable = 0;

	if (t->foreach || !rc->rs[t->idx].nunits || u->attempts <= 0)
		return false;
	jf_engine_job_name(name, sizeof(name), rc->f->name, t->name, -1,
			   u->attempts - 1);
	j = jf_eng_job_get(rc, name);
	if (!j || !j->owned)
		return false;
	for (int p = 0; p < s->nprobes; p++) {
		const cJSON *task, *found = NULL, *counts;
		int64_t replicas, have;

		cJSON_ArrayForEach (task, jf_json_at(j->obj, "spec.tasks")) {
			if (strcmp(jf_json_str(task, "name", ""),
				   s->probes[p].task) == 0)
				found = task;
		}
		if (!found)
			continue;
		applicable++;
		replicas = jf_json_int(found, "replicas", 1);
		counts = cJSON_GetObjectItemCaseSensitive(
			jf_json_at(j->obj, "status.taskStatusCount"),
			s->probes[p].task);
		counts = jf_json_at(counts, "phase");
		have = cJSON_IsObject(counts)
			       ? jf_json_int(counts, s->probes[p].phase, 0)
			       : 0;
		if (have < (replicas > 0 ? replicas : 1))
			return false;
	}
	return applicable > 0;
}

static int deps_state(struct jf_eng_rc *rc, const struct jf_eng_step *s,
		      char **why)
{
	int state = DEP_OK;

	for (int k = 0; k < s->ndeps; k++) {
		const struct jf_eng_step *t;
		int ph;

		if (s->deps[k] < 0)
			continue;
		t = &rc->f->steps[s->deps[k]];
		ph = rc->rs[t->idx].phase;
		if (s->all_done) {
			if (jf_eng_phase_terminal(ph) ||
			    (s->nprobes && probe_ok(rc, s, t)))
				continue;
			state = DEP_WAIT;
			continue;
		}
		if (ph == JF_PH_SUCCEEDED || ph == JF_PH_SKIPPED)
			continue;
		if (ph == JF_PH_FAILED || ph == JF_PH_OMITTED) {
			*why = jf_eng_strf(rc->f, "omitted: target '%s' is %s",
					   t->name, jf_eng_phase_name(ph));
			return DEP_OMIT;
		}
		if (s->nprobes && probe_ok(rc, s, t))
			continue;
		state = DEP_WAIT;
	}
	return state;
}

static char *waiting_msg(struct jf_eng_rc *rc, const struct jf_eng_step *s)
{
	if (s->probe_unsupported)
		return jf_eng_strf(rc->f,
				   "dependsOn.probe httpGetList and "
				   "tcpSocketList are not supported yet and "
				   "are ignored");
	return NULL;
}

static void set_msg(char **slot, char *msg)
{
	free(*slot);
	*slot = msg;
}

/* Evaluates a boolean expression; -1 on error (message in *err). */
static int eval_bool(struct jf_eng_rc *rc, const struct jf_eng_step *s,
		     const struct jf_expr *x, int iter, int attempt,
		     const char *what, char **err)
{
	struct jf_errmsg e = {{0}};
	cJSON *env = jf_eng_env(rc, s, iter, attempt, NULL);
	bool v = false;
	int rv;

	if (!env) {
		rc->f->oom = true;
		return -1;
	}
	rv = jf_expr_eval_bool(x, env, &v, &e);
	cJSON_Delete(env);
	if (rv) {
		*err = jf_eng_strf(rc->f, "%s '%s': %s", what,
				   jf_expr_source(x), jf_errmsg_or(&e, rv));
		return -1;
	}
	return v;
}

static void step_failed_event(struct jf_eng_rc *rc, struct jf_eng_step *s,
			      const char *msg)
{
	struct jf_eng_rstep *r = &rc->rs[s->idx];

	if (r->phase != JF_PH_FAILED || r->prev_phase == JF_PH_FAILED)
		return;
	jf_eng_event(rc, r->events, "Warning", "StepFailed",
		     msg && *msg
			     ? jf_eng_strf(rc->f, "step '%s' failed: %s",
					   s->name, msg)
			     : jf_eng_strf(rc->f, "step '%s' failed", s->name));
}

/* --- plain steps --------------------------------------------------------- */

static void plain_eval(struct jf_eng_rc *rc, struct jf_eng_step *s,
		       struct jf_eng_rstep *r)
{
	struct jf_eng_unit *u = &r->units[0];
	char *why = NULL;
	int d, v;

	if (jf_eng_phase_terminal(u->phase))
		goto out;
	if (jf_eng_unit_begun(u)) {
		jf_eng_unit_progress(rc, s, u, false);
		goto out;
	}
	d = deps_state(rc, s, &why);
	if (d == DEP_OMIT) {
		u->phase = JF_PH_OMITTED;
		u->finish_ms = rc->now_s;
		set_msg(&u->message, why);
		goto out;
	}
	if (d == DEP_WAIT || rc->gated) {
		u->phase = JF_PH_WAITING;
		set_msg(&u->message,
			d == DEP_WAIT ? waiting_msg(rc, s)
				      : jf_eng_strf(rc->f, "%s", rc->gate_msg));
		goto out;
	}
	if (s->when) {
		v = eval_bool(rc, s, s->when, -1, u->first, "when", &why);
		if (v < 0) {
			jf_eng_unit_fail(rc, u, why);
			goto out;
		}
		if (!v) {
			u->phase = JF_PH_SKIPPED;
			u->finish_ms = rc->now_s;
			set_msg(&u->message,
				jf_eng_strf(rc->f, "when '%s' is false",
					    jf_expr_source(s->when)));
			goto out;
		}
	}
	for (int c = 0; !r->has_selected && c < s->ncases; c++) {
		char what[48];

		if (!s->cases[c].when) {
			r->selected = c;
			r->has_selected = true;
			break;
		}
		snprintf(what, sizeof(what), "switch[%d].when", c);
		v = eval_bool(rc, s, s->cases[c].when, -1, u->first, what,
			      &why);
		if (v < 0) {
			jf_eng_unit_fail(rc, u, why);
			goto out;
		}
		if (v) {
			r->selected = c;
			r->has_selected = true;
		}
	}
	if (s->ncases && !r->has_selected) {
		u->phase = JF_PH_SKIPPED;
		u->finish_ms = rc->now_s;
		set_msg(&u->message,
			jf_eng_strf(rc->f, "no switch case matched"));
		goto out;
	}
	jf_eng_unit_start(rc, s, u);
out:
	r->phase = u->phase;
	if (!u->message && s->probe_unsupported)
		u->message = waiting_msg(rc, s);
	step_failed_event(rc, s, u->message);
}

/* --- forEach ------------------------------------------------------------- */

static void recount(struct jf_eng_rstep *r)
{
	r->succeeded = r->failed = r->active = r->skipped = 0;
	for (int i = 0; i < r->nunits; i++) {
		int ph = r->units[i].phase;

		r->succeeded += ph == JF_PH_SUCCEEDED;
		r->failed += ph == JF_PH_FAILED;
		r->skipped += ph == JF_PH_SKIPPED;
		r->active += jf_eng_phase_active(ph);
	}
}

static bool unit_touched(const struct jf_eng_unit *u)
{
	return u->touched || u->phase != JF_PH_WAITING || u->attempts > 0;
}

/* Starts queued iterations in index order while slots are free. */
static void foreach_start(struct jf_eng_rc *rc, struct jf_eng_step *s,
			  struct jf_eng_rstep *r)
{
	for (int i = 0; i < r->nunits && r->failed <= s->max_failures; i++) {
		struct jf_eng_unit *u = &r->units[i];
		char *why = NULL;
		int v = 1;

		if (jf_eng_phase_terminal(u->phase) || jf_eng_unit_begun(u))
			continue;
		if (s->parallelism && r->active >= s->parallelism)
			break;
		if (s->when)
			v = eval_bool(rc, s, s->when, i, u->first, "when",
				      &why);
		u->touched = true;
		if (v < 0) {
			jf_eng_unit_fail(rc, u, why);
			r->failed++;
			continue;
		}
		if (!v) {
			u->phase = JF_PH_SKIPPED;
			u->finish_ms = rc->now_s;
			free(u->message);
			u->message = jf_eng_strf(rc->f, "when '%s' is false",
						 jf_expr_source(s->when));
			r->skipped++;
			continue;
		}
		jf_eng_unit_start(rc, s, u);
		if (u->phase == JF_PH_FAILED)
			r->failed++;
		else if (jf_eng_phase_active(u->phase))
			r->active++;
	}
}

static int foreach_phase(const struct jf_eng_rstep *r)
{
	bool running = false, pending = false, backoff = false, done = false;

	for (int i = 0; i < r->nunits; i++) {
		int ph = r->units[i].phase;

		running |= ph == JF_PH_RUNNING;
		pending |= ph == JF_PH_PENDING;
		backoff |= ph == JF_PH_BACKOFF;
		done |= ph == JF_PH_SUCCEEDED || ph == JF_PH_FAILED;
	}
	if (running || (done && (pending || backoff)))
		return JF_PH_RUNNING;
	if (pending)
		return JF_PH_PENDING;
	if (backoff)
		return JF_PH_BACKOFF;
	return JF_PH_WAITING;
}

static void foreach_times(struct jf_eng_rc *rc, struct jf_eng_rstep *r)
{
	int64_t fin = -1;

	for (int i = 0; i < r->nunits; i++) {
		const struct jf_eng_unit *u = &r->units[i];

		if (u->start_ms >= 0 &&
		    (r->start_ms < 0 || u->start_ms < r->start_ms))
			r->start_ms = u->start_ms;
		if (u->finish_ms > fin)
			fin = u->finish_ms;
	}
	if (jf_eng_phase_terminal(r->phase) && r->finish_ms < 0)
		r->finish_ms = fin >= 0 ? fin : rc->now_s;
}

static void foreach_eval(struct jf_eng_rc *rc, struct jf_eng_step *s,
			 struct jf_eng_rstep *r)
{
	bool failed_before = r->prev_phase == JF_PH_FAILED, begun = false;
	char *why = NULL;

	for (int i = 0; i < r->nunits; i++)
		begun |= unit_touched(&r->units[i]);
	if (jf_eng_phase_terminal(r->prev_phase) && !failed_before) {
		recount(r);
		return;
	}
	if (!failed_before && !begun) {
		int d = deps_state(rc, s, &why);

		if (d == DEP_OMIT) {
			r->phase = JF_PH_OMITTED;
			r->finish_ms = rc->now_s;
			set_msg(&r->message, why);
			goto out;
		}
		if (d == DEP_WAIT || rc->gated) {
			r->phase = JF_PH_WAITING;
			set_msg(&r->message,
				d == DEP_WAIT ? waiting_msg(rc, s)
					      : jf_eng_strf(rc->f, "%s",
							    rc->gate_msg));
			goto out;
		}
		if (!r->nunits) {
			r->phase = JF_PH_SKIPPED;
			r->finish_ms = rc->now_s;
			set_msg(&r->message,
				jf_eng_strf(rc->f, "forEach has no items"));
			goto out;
		}
	}
	if (!r->tmpl_used)
		r->tmpl_used = s->tmpl;
	for (int i = 0; i < r->nunits; i++) {
		struct jf_eng_unit *u = &r->units[i];

		if (!jf_eng_phase_terminal(u->phase) && jf_eng_unit_begun(u))
			jf_eng_unit_progress(rc, s, u, failed_before);
	}
	recount(r);
	if (!failed_before && !rc->gated)
		foreach_start(rc, s, r);
	if (failed_before || r->failed > s->max_failures) {
		for (int i = 0; !failed_before && i < r->nunits; i++) {
			struct jf_eng_unit *u = &r->units[i];

			if (u->phase != JF_PH_BACKOFF)
				continue;
			jf_eng_unit_abandon(rc, u);
		}
		recount(r);
		r->phase = JF_PH_FAILED;
		if (r->finish_ms < 0)
			r->finish_ms = rc->now_s;
		set_msg(&r->message,
			jf_eng_strf(rc->f,
				    "%d of %d iterations failed (maxFailures "
				    "%d)",
				    r->failed, r->nunits, s->max_failures));
	} else if (!r->active &&
		   r->succeeded + r->failed + r->skipped == r->nunits) {
		r->phase = r->skipped == r->nunits ? JF_PH_SKIPPED
						   : JF_PH_SUCCEEDED;
		set_msg(&r->message,
			r->phase == JF_PH_SKIPPED
				? jf_eng_strf(rc->f, "every iteration was "
						     "skipped")
			: r->failed ? jf_eng_strf(rc->f,
						  "%d of %d iterations failed "
						  "(maxFailures %d)",
						  r->failed, r->nunits,
						  s->max_failures)
				    : NULL);
	} else {
		r->phase = foreach_phase(r);
		set_msg(&r->message,
			r->phase == JF_PH_WAITING && rc->gated
				? jf_eng_strf(rc->f, "%s", rc->gate_msg)
				: NULL);
	}
	foreach_times(rc, r);
out:
	if (!r->message && s->probe_unsupported)
		r->message = waiting_msg(rc, s);
	step_failed_event(rc, s, r->message);
}

void jf_eng_step_eval(struct jf_eng_rc *rc, struct jf_eng_step *s)
{
	struct jf_eng_rstep *r = &rc->rs[s->idx];

	if (s->foreach)
		foreach_eval(rc, s, r);
	else if (r->nunits)
		plain_eval(rc, s, r);
	jf_eng_env_step_update(rc, s);
}
