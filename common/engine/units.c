/* units.c - the attempt state machine of one unit (a plain step, or one
 * forEach iteration): observing the current attempt's Job, timeouts,
 * rejected creates, foreign Jobs, and the retry decision (SPEC §3.3). */
#include "rt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"
#include "jf_time.h"

static char *dup_str(struct jf_eng_rc *rc, const char *s)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		rc->f->oom = true;
	return d;
}

void jf_eng_lf_clear(struct jf_eng_lf *lf)
{
	free(lf->job);
	free(lf->phase);
	free(lf->reason);
	free(lf->message);
	memset(lf, 0, sizeof(*lf));
	lf->time = -1;
}

void jf_eng_unit_release(struct jf_eng_unit *u)
{
	jf_eng_lf_clear(&u->lf);
	free(u->message);
	u->message = NULL;
}

static void set_msg(struct jf_eng_unit *u, char *msg)
{
	free(u->message);
	u->message = msg;
}

void jf_eng_requeue(struct jf_eng_rc *rc, int64_t at_ms)
{
	int64_t d = at_ms - rc->now;

	if (d < 0)
		d = 0;
	if (rc->requeue < 0 || d < rc->requeue)
		rc->requeue = d;
}

/* --- loading from the previous status --------------------------------------
 */

static void lf_load(struct jf_eng_rc *rc, struct jf_eng_lf *lf, const cJSON *o)
{
	const char *job = jf_json_str(o, "job", "");

	jf_eng_lf_clear(lf);
	if (!*job)
		return;
	lf->job = dup_str(rc, job);
	lf->phase = dup_str(rc, jf_json_str(o, "phase", ""));
	lf->reason = dup_str(rc, jf_json_str(o, "reason", ""));
	lf->message = dup_str(rc, jf_json_str(o, "message", ""));
	lf->time = jf_eng_time_at(o, "time");
}

static void unit_load(struct jf_eng_rc *rc, struct jf_eng_unit *u,
		      const cJSON *o)
{
	int ph = jf_eng_phase_parse(jf_json_str(o, "phase", ""));
	int64_t a = jf_json_int(o, "attempts", 0);
	int64_t first = jf_json_int(o, "firstAttempt", 0);

	u->phase = ph < 0 ? JF_PH_WAITING : ph;
	u->prev_phase = u->phase;
	u->attempts = a < 0 ? 0 : a > 1000000 ? 1000000 : (int)a;
	u->first = first < 0		 ? 0
		   : first > u->attempts ? u->attempts
					 : (int)first;
	u->start_ms = jf_eng_time_at(o, "startTime");
	u->finish_ms = jf_eng_time_at(o, "finishTime");
	u->first_fail_ms = jf_eng_time_at(o, "firstFailureTime");
	u->next_ms = -1;
	u->lf.time = -1;
	lf_load(rc, &u->lf, cJSON_GetObjectItemCaseSensitive(o, "lastFailure"));
	if (jf_eng_phase_terminal(u->phase))
		u->message = dup_str(rc, jf_json_str(o, "message", ""));
	u->touched = o != NULL;
}

void jf_eng_units_load(struct jf_eng_rc *rc, struct jf_eng_step *s,
		       struct jf_eng_rstep *r)
{
	const cJSON *o = r->prev, *it;
	int64_t sel = jf_json_int(o, "selectedCase", -1);
	int ph = jf_eng_phase_parse(jf_json_str(o, "phase", ""));

	r->phase = r->prev_phase = ph < 0 ? JF_PH_WAITING : ph;
	r->selected = -1;
	if (sel >= 0 && sel < s->ncases &&
	    cJSON_GetObjectItemCaseSensitive(o, "selectedCase")) {
		r->selected = (int)sel;
		r->has_selected = true;
	}
	{
		const char *t = jf_json_str(o, "jobTemplate", "");

		r->tmpl_used = *t ? t : NULL;
	}
	if (jf_eng_phase_terminal(r->phase) && s->foreach)
		r->message = dup_str(rc, jf_json_str(o, "message", ""));
	r->start_ms = jf_eng_time_at(o, "startTime");
	r->finish_ms = jf_eng_time_at(o, "finishTime");
	r->nunits = s->foreach ? s->nitems : 1;
	r->units = calloc((size_t)r->nunits + 1, sizeof(*r->units));
	if (!r->units) {
		rc->f->oom = true;
		r->nunits = 0;
		return;
	}
	for (int i = 0; i < r->nunits; i++) {
		r->units[i].iter = s->foreach ? i : -1;
		unit_load(rc, &r->units[i], NULL);
	}
	if (!s->foreach) {
		jf_eng_unit_release(&r->units[0]);
		unit_load(rc, &r->units[0], o);
		return;
	}
	cJSON_ArrayForEach (it, jf_json_at(o, "iterationStatuses")) {
		int64_t i = jf_json_int(it, "index", -1);

		if (i < 0 || i >= r->nunits || !cJSON_IsObject(it))
			continue;
		jf_eng_unit_release(&r->units[i]);
		unit_load(rc, &r->units[i], it);
	}
}

bool jf_eng_unit_begun(const struct jf_eng_unit *u)
{
	return u->attempts > u->first;
}

/* --- descriptions ------------------------------------------------------------
 */

static char *who(struct jf_eng_rc *rc, const struct jf_eng_step *s,
		 const struct jf_eng_unit *u)
{
	if (u->iter >= 0)
		return jf_eng_strf(rc->f, "step '%s' iteration %d", s->name,
				   u->iter);
	return jf_eng_strf(rc->f, "step '%s'", s->name);
}

static char *failure_text(struct jf_eng_rc *rc, const struct jf_eng_lf *lf)
{
	if (lf->message && *lf->message)
		return jf_eng_strf(rc->f, "job '%s' %s: %s", lf->job,
				   lf->reason, lf->message);
	return jf_eng_strf(rc->f, "job '%s' %s", lf->job, lf->reason);
}

void jf_eng_unit_fail(struct jf_eng_rc *rc, struct jf_eng_unit *u, char *msg)
{
	u->phase = JF_PH_FAILED;
	u->next_ms = -1;
	if (u->finish_ms < 0)
		u->finish_ms = rc->now_s;
	set_msg(u, msg);
}

static void record_failure(struct jf_eng_rc *rc, struct jf_eng_unit *u,
			   const char *job, const char *phase,
			   const char *reason, const char *message,
			   int64_t time)
{
	jf_eng_lf_clear(&u->lf);
	u->lf.job = dup_str(rc, job);
	u->lf.phase = dup_str(rc, phase);
	u->lf.reason = dup_str(rc, reason);
	u->lf.message = dup_str(rc, message);
	u->lf.time = time >= 0 ? time : rc->now_s;
}

/* --- creating an attempt ------------------------------------------------- */

/* Creates attempt k of u (event: a new attempt, not a re-create after a
 * cache lag). Fails the unit instead when the name is taken by a Job this
 * flow does not own, is too long, or the patch cannot be applied. */
/* The worker found a Job of that name that this flow does not own (its
 * create came back AlreadyExists with another owner). */
static bool reported_foreign(const struct jf_eng_rc *rc, const char *name)
{
	return cJSON_IsObject(rc->in->foreign) &&
	       cJSON_GetObjectItemCaseSensitive(rc->in->foreign, name);
}

static void fail_foreign(struct jf_eng_rc *rc, struct jf_eng_unit *u,
			 const char *name)
{
	jf_eng_unit_fail(rc, u,
			 jf_eng_strf(rc->f,
				     "job '%s' already exists and is not owned "
				     "by this JobFlow",
				     name));
}

static void create_attempt(struct jf_eng_rc *rc, struct jf_eng_step *s,
			   struct jf_eng_unit *u, int k, bool event)
{
	struct jf_eng_rstep *r = &rc->rs[s->idx];
	const struct jf_eng_job *j;
	char name[512], *err = NULL;
	cJSON *job;
	int n;

	n = jf_engine_job_name(name, sizeof(name), rc->f->name, s->name,
			       u->iter, k);
	if (n > JF_ENG_NAME_MAX) {
		jf_eng_unit_fail(rc, u,
				 jf_eng_strf(rc->f,
					     "job name '%s' is %d characters, "
					     "the limit is %d",
					     name, n, JF_ENG_NAME_MAX));
		return;
	}
	j = jf_eng_job_get(rc, name);
	if ((j && !j->owned) || reported_foreign(rc, name)) {
		fail_foreign(rc, u, name);
		return;
	}
	job = jf_eng_build_job(rc, s, u->iter, k, &err);
	if (!job) {
		jf_eng_unit_fail(rc, u, err);
		return;
	}
	if (!cJSON_AddItemToArray(r->creates, job)) {
		cJSON_Delete(job);
		rc->f->oom = true;
		return;
	}
	if (event)
		jf_eng_event(
			rc, r->events, "Normal", "Created",
			jf_eng_strf(rc->f, "create a job named %s!", name));
	if (u->attempts < k + 1)
		u->attempts = k + 1;
	u->phase = JF_PH_PENDING;
	u->next_ms = -1;
	u->touched = true;
	set_msg(u, NULL);
	if (u->start_ms < 0)
		u->start_ms = rc->now_s;
	r->tmpl_used = jf_eng_case_tmpl(
		s, r->has_selected ? &s->cases[r->selected] : NULL);
}

void jf_eng_unit_start(struct jf_eng_rc *rc, struct jf_eng_step *s,
		       struct jf_eng_unit *u)
{
	if (rc->gated) {
		u->phase = JF_PH_WAITING;
		return;
	}
	create_attempt(rc, s, u, u->first, true);
}

/* --- the retry decision -------------------------------------------------- */

/* Attempt c of u failed (u->lf). Decides, before any waiting, whether it
 * is retried; if so waits (Backoff) or creates the next attempt. */
static void decide(struct jf_eng_rc *rc, struct jf_eng_step *s,
		   struct jf_eng_unit *u, int c, bool is_new, bool no_retry)
{
	const struct jf_eng_retry *rp = s->retry;
	char *text = failure_text(rc, &u->lf), *why = NULL, *w, tbuf[40];
	int used = c - u->first;
	int64_t next = -1,
		ff = u->first_fail_ms >= 0 ? u->first_fail_ms : u->lf.time;

	if (no_retry)
		why = jf_eng_strf(rc->f, "not retried: the step failed");
	else if (!rp)
		why = NULL;
	else if (rp->policy == JF_RP_NEVER)
		why = jf_eng_strf(rc->f, "not retried: policy Never");
	else if (rp->policy == JF_RP_ONFAILURE &&
		 strcmp(u->lf.phase ? u->lf.phase : "", "Failed") != 0)
		why = jf_eng_strf(rc->f,
				  "not retried: policy OnFailure does not "
				  "retry %s",
				  jf_eng_job_failed(u->lf.phase)
					  ? u->lf.phase
					  : u->lf.reason);
	else if (used >= rp->limit)
		why = jf_eng_strf(rc->f, "no retries left (limit %d)",
				  rp->limit);
	else {
		char key[512];
		int64_t delay;

		if (rp->when) {
			struct jf_errmsg e = {{0}};
			cJSON *env = jf_eng_env(rc, s, u->iter, c, &u->lf);
			bool ok = false;
			int err =
				env ? jf_expr_eval_bool(rp->when, env, &ok, &e)
				    : -1;

			cJSON_Delete(env);
			if (!env) {
				rc->f->oom = true;
				free(text);
				return;
			}
			if (err) {
				u->finish_ms = u->lf.time;
				jf_eng_unit_fail(
					rc, u,
					jf_eng_strf(rc->f,
						    "%s; retryPolicy.when: %s",
						    text,
						    jf_errmsg_or(&e, err)));
				free(text);
				return;
			}
			if (!ok)
				why = jf_eng_strf(
					rc->f,
					"not retried: retryPolicy.when "
					"'%s' is false",
					jf_expr_source(rp->when));
		}
		if (u->iter >= 0)
			snprintf(key, sizeof(key), "%s/%d", s->name, u->iter);
		else
			snprintf(key, sizeof(key), "%s", s->name);
		delay = jf_eng_retry_delay(rp, rc->f->uid, key, used + 1);
		next = jf_eng_ceil_s(u->lf.time + delay);
		if (!why && rp->max_duration_ms >= 0 &&
		    next > ff + rp->max_duration_ms) {
			char d[32];

			why = jf_eng_strf(
				rc->f,
				"not retried: the next attempt would start "
				"after the maxDuration of %s",
				jf_duration_format(rp->max_duration_ms, d,
						   sizeof(d)));
		}
	}
	if (!rp || why) {
		u->finish_ms = u->lf.time;
		if (why) {
			w = jf_eng_strf(rc->f, "%s; %s", text, why);
			free(text);
		} else {
			w = text;
		}
		jf_eng_unit_fail(rc, u, w);
		free(why);
		return;
	}
	u->first_fail_ms = ff;
	u->next_ms = next;
	u->finish_ms = -1;
	jf_time_format(next, tbuf, sizeof(tbuf));
	if (is_new) {
		char *wh = who(rc, s, u);

		jf_eng_event(rc, rc->rs[s->idx].events, "Warning", "Retrying",
			     jf_eng_strf(rc->f,
					 "%s failed (%s); retry %d of %d at %s",
					 wh, text, used + 1, rp->limit, tbuf));
		free(wh);
	}
	if (rc->now >= next && !rc->gated) {
		create_attempt(rc, s, u, c + 1, true);
		free(text);
		return;
	}
	u->phase = JF_PH_BACKOFF;
	set_msg(u, jf_eng_strf(rc->f, "%s; retry %d of %d at %s", text,
			       used + 1, rp->limit, tbuf));
	if (!rc->gated)
		jf_eng_requeue(rc, next);
	free(text);
}

void jf_eng_unit_abandon(struct jf_eng_rc *rc, struct jf_eng_unit *u)
{
	char *text = u->lf.job ? failure_text(rc, &u->lf) : NULL;

	u->finish_ms = u->lf.time;
	jf_eng_unit_fail(rc, u,
			 jf_eng_strf(rc->f, "%s; not retried: the step failed",
				     text ? text : "attempt failed"));
	free(text);
}

/* --- progress ------------------------------------------------------------ */

static bool phase_is(const char *p, const char *want)
{
	return strcmp(p, want) == 0;
}

void jf_eng_unit_progress(struct jf_eng_rc *rc, struct jf_eng_step *s,
			  struct jf_eng_unit *u, bool no_retry)
{
	int c = u->attempts - 1;
	char name[512];
	const struct jf_eng_job *j;
	const cJSON *rej;

	jf_engine_job_name(name, sizeof(name), rc->f->name, s->name, u->iter,
			   c);
	if (u->lf.job && strcmp(u->lf.job, name) == 0) {
		decide(rc, s, u, c, false, no_retry);
		return;
	}
	j = jf_eng_job_get(rc, name);
	if (j && j->owned) {
		if (u->start_ms < 0 && j->created_ms >= 0)
			u->start_ms = j->created_ms;
		if (jf_eng_job_done(j->phase)) {
			u->phase = JF_PH_SUCCEEDED;
			u->next_ms = -1;
			u->finish_ms =
				j->finish_ms >= 0 ? j->finish_ms : rc->now_s;
			set_msg(u, NULL);
			return;
		}
		if (jf_eng_job_failed(j->phase)) {
			record_failure(rc, u, name, j->phase,
				       *j->reason ? j->reason : j->phase,
				       j->message, j->finish_ms);
			decide(rc, s, u, c, true, no_retry);
			return;
		}
		if (s->timeout_ms > 0 && j->created_ms >= 0 &&
		    !phase_is(j->phase, "Completing")) {
			int64_t deadline =
				jf_eng_ceil_s(j->created_ms + s->timeout_ms);

			if (rc->now >= deadline) {
				char d[32], *msg;
				cJSON *t;

				msg = jf_eng_strf(
					rc->f,
					"running longer than the timeout of %s",
					jf_duration_format(s->timeout_ms, d,
							   sizeof(d)));
				record_failure(rc, u, name, j->phase, "Timeout",
					       msg, deadline);
				free(msg);
				if (!phase_is(j->phase, "Terminating") &&
				    !phase_is(j->phase, "Aborting")) {
					t = cJSON_CreateObject();
					if (!t || !cJSON_AddItemToArray(
							  rc->terminates, t)) {
						cJSON_Delete(t);
						rc->f->oom = true;
					} else {
						cJSON_AddStringToObject(
							t, "name", name);
						cJSON_AddStringToObject(
							t, "reason", "Timeout");
					}
				}
				decide(rc, s, u, c, true, no_retry);
				return;
			}
			jf_eng_requeue(rc, deadline);
		}
		u->phase = (!*j->phase || phase_is(j->phase, "Pending"))
				   ? JF_PH_PENDING
				   : JF_PH_RUNNING;
		u->touched = true;
		set_msg(u, NULL);
		return;
	}
	if (j || reported_foreign(rc, name)) {
		fail_foreign(rc, u, name);
		return;
	}
	rej = cJSON_IsObject(rc->in->rejected)
		      ? cJSON_GetObjectItemCaseSensitive(rc->in->rejected, name)
		      : NULL;
	if (rej) {
		record_failure(rc, u, name, "", "Rejected",
			       cJSON_IsString(rej) ? rej->valuestring : "",
			       rc->now_s);
		decide(rc, s, u, c, true, no_retry);
		return;
	}
	/* decided earlier but not visible: the cache lags behind our create,
	 * or someone deleted it while it ran; the name makes it idempotent */
	if (rc->gated) {
		u->phase = JF_PH_PENDING;
		return;
	}
	create_attempt(rc, s, u, c, false);
}
