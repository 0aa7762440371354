/* status.c - renders the engine's state as JobFlow status: stepStatuses,
 * the stepConditions list and Volcano's own fields (name lists,
 * jobStatusList merged with the previous one, the conditions map). */
#include "rt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"
#include "jf_time.h"

static void put_time(struct jf_eng_rc *rc, cJSON *o, const char *key,
		     int64_t ms)
{
	if (ms >= 0 && !cJSON_AddItemToObject(o, key, jf_eng_time_json(ms)))
		rc->f->oom = true;
}

static void put_str(struct jf_eng_rc *rc, cJSON *o, const char *key,
		    const char *s)
{
	if (s && *s && !cJSON_AddStringToObject(o, key, s))
		rc->f->oom = true;
}

static void put_int(struct jf_eng_rc *rc, cJSON *o, const char *key, int64_t v)
{
	if (!cJSON_AddNumberToObject(o, key, (double)v))
		rc->f->oom = true;
}

static void put_lf(struct jf_eng_rc *rc, cJSON *o, const struct jf_eng_lf *lf)
{
	cJSON *x;

	if (!lf->job)
		return;
	x = cJSON_AddObjectToObject(o, "lastFailure");
	if (!x) {
		rc->f->oom = true;
		return;
	}
	put_str(rc, x, "job", lf->job);
	put_str(rc, x, "phase", lf->phase);
	put_str(rc, x, "reason", lf->reason);
	put_str(rc, x, "message", lf->message);
	put_time(rc, x, "time", lf->time);
}

static cJSON *job_name_json(struct jf_eng_rc *rc, const struct jf_eng_step *s,
			    int iter, int attempt)
{
	char name[512];

	jf_engine_job_name(name, sizeof(name), rc->f->name, s->name, iter,
			   attempt);
	return cJSON_CreateString(name);
}

/* Fields of one unit (a plain step's own, or an iterationStatuses entry). */
static void unit_fields(struct jf_eng_rc *rc, const struct jf_eng_step *s,
			const struct jf_eng_unit *u, cJSON *o)
{
	if (u->attempts > 0 &&
	    !cJSON_AddItemToObject(
		    o, "currentJob",
		    job_name_json(rc, s, u->iter, u->attempts - 1)))
		rc->f->oom = true;
	put_time(rc, o, "startTime", u->start_ms);
	put_time(rc, o, "finishTime", u->finish_ms);
	if (u->phase == JF_PH_BACKOFF)
		put_time(rc, o, "nextRetryTime", u->next_ms);
	put_lf(rc, o, &u->lf);
	put_str(rc, o, "message", u->message);
	if (u->first > 0)
		put_int(rc, o, "firstAttempt", u->first);
	put_time(rc, o, "firstFailureTime", u->first_fail_ms);
}

static cJSON *iterations_json(struct jf_eng_rc *rc, const struct jf_eng_step *s,
			      const struct jf_eng_rstep *r)
{
	cJSON *list = cJSON_CreateArray();

	for (int i = 0; list && i < r->nunits; i++) {
		const struct jf_eng_unit *u = &r->units[i];
		cJSON *o;

		if (!u->touched && u->phase == JF_PH_WAITING && !u->attempts)
			continue;
		o = cJSON_CreateObject();
		if (!o || !cJSON_AddItemToArray(list, o)) {
			cJSON_Delete(o);
			rc->f->oom = true;
			break;
		}
		put_int(rc, o, "index", i);
		put_str(rc, o, "phase", jf_eng_phase_name(u->phase));
		put_int(rc, o, "attempts", u->attempts);
		unit_fields(rc, s, u, o);
	}
	if (!list)
		rc->f->oom = true;
	return list;
}

cJSON *jf_eng_step_status(struct jf_eng_rc *rc, struct jf_eng_step *s)
{
	struct jf_eng_rstep *r = &rc->rs[s->idx];
	cJSON *o = cJSON_CreateObject(), *x;

	if (!o) {
		rc->f->oom = true;
		return NULL;
	}
	put_str(rc, o, "name", s->name);
	put_str(rc, o, "phase", jf_eng_phase_name(r->phase));
	if (!r->tmpl_used && r->nunits && r->units[0].attempts > 0 &&
	    (!s->ncases || r->has_selected))
		r->tmpl_used = jf_eng_case_tmpl(
			s, r->has_selected ? &s->cases[r->selected] : NULL);
	put_str(rc, o, "jobTemplate", r->tmpl_used);
	if (!s->foreach) {
		const struct jf_eng_unit *u = &r->units[0];

		put_int(rc, o, "attempts", u->attempts);
		if (u->attempts > 0 &&
		    !cJSON_AddItemToObject(
			    o, "currentJob",
			    job_name_json(rc, s, -1, u->attempts - 1)))
			rc->f->oom = true;
		if (u->attempts > 0) {
			x = cJSON_AddArrayToObject(o, "jobs");
			for (int k = 0; x && k < u->attempts; k++) {
				if (!cJSON_AddItemToArray(
					    x, job_name_json(rc, s, -1, k)))
					rc->f->oom = true;
			}
		}
		if (r->has_selected)
			put_int(rc, o, "selectedCase", r->selected);
		put_time(rc, o, "startTime", u->start_ms);
		put_time(rc, o, "finishTime", u->finish_ms);
		if (u->phase == JF_PH_BACKOFF)
			put_time(rc, o, "nextRetryTime", u->next_ms);
		put_lf(rc, o, &u->lf);
		put_str(rc, o, "message", r->message ? r->message : u->message);
		if (u->first > 0)
			put_int(rc, o, "firstAttempt", u->first);
		put_time(rc, o, "firstFailureTime", u->first_fail_ms);
		return o;
	}
	{
		int attempts = 0, last = -1;
		int64_t next = -1;

		for (int i = 0; i < r->nunits; i++) {
			const struct jf_eng_unit *u = &r->units[i];

			attempts += u->attempts;
			if (u->phase == JF_PH_BACKOFF && u->next_ms >= 0 &&
			    (next < 0 || u->next_ms < next))
				next = u->next_ms;
			if (u->lf.job &&
			    (last < 0 || u->lf.time >= r->units[last].lf.time))
				last = i;
		}
		put_int(rc, o, "attempts", attempts);
		x = cJSON_AddObjectToObject(o, "iterations");
		if (!x) {
			rc->f->oom = true;
			return o;
		}
		put_int(rc, x, "total", r->nunits);
		put_int(rc, x, "succeeded", r->succeeded);
		put_int(rc, x, "failed", r->failed);
		put_int(rc, x, "active", r->active);
		put_int(rc, x, "skipped", r->skipped);
		put_time(rc, o, "startTime", r->start_ms);
		put_time(rc, o, "finishTime", r->finish_ms);
		put_time(rc, o, "nextRetryTime", next);
		if (last >= 0)
			put_lf(rc, o, &r->units[last].lf);
		put_str(rc, o, "message", r->message);
		x = iterations_json(rc, s, r);
		if (x && cJSON_GetArraySize(x) == 0)
			cJSON_Delete(x);
		else if (!x ||
			 !cJSON_AddItemToObject(o, "iterationStatuses", x))
			rc->f->oom = true;
	}
	return o;
}

/* --- stepConditions ------------------------------------------------------ */

static void add_cond(struct jf_eng_rc *rc, cJSON *list, const char *type,
		     const char *status, const char *reason, const char *msg)
{
	const cJSON *old = NULL, *c;
	cJSON *o = cJSON_CreateObject();
	int64_t t = rc->now_s;

	cJSON_ArrayForEach (c, jf_json_at(rc->prev_status, "stepConditions")) {
		if (strcmp(jf_json_str(c, "type", ""), type) == 0)
			old = c;
	}
	if (old && strcmp(jf_json_str(old, "status", ""), status) == 0 &&
	    jf_eng_time_at(old, "lastTransitionTime") >= 0)
		t = jf_eng_time_at(old, "lastTransitionTime");
	if (!o || !cJSON_AddItemToArray(list, o)) {
		cJSON_Delete(o);
		rc->f->oom = true;
		return;
	}
	put_str(rc, o, "type", type);
	put_str(rc, o, "status", status);
	put_int(rc, o, "observedGeneration", rc->f->generation);
	put_time(rc, o, "lastTransitionTime", t);
	put_str(rc, o, "reason", reason);
	if (!cJSON_AddStringToObject(o, "message", msg ? msg : ""))
		rc->f->oom = true;
}

cJSON *jf_eng_conditions(struct jf_eng_rc *rc, const char *phase,
			 const char *invalid_msg, const char *progress_reason,
			 const char *progress_msg)
{
	cJSON *list = cJSON_CreateArray();
	bool ok = strcmp(phase, "Succeed") == 0;
	bool failed = strcmp(phase, "Failed") == 0;

	if (!list) {
		rc->f->oom = true;
		return NULL;
	}
	if (ok)
		add_cond(rc, list, "Succeeded", "True", "Succeeded", "");
	else if (failed)
		add_cond(rc, list, "Succeeded", "False",
			 invalid_msg ? "InvalidSpec" : "Failed", progress_msg);
	else
		add_cond(rc, list, "Succeeded", "Unknown", phase, "");
	if (invalid_msg)
		add_cond(rc, list, "InvalidSpec", "True", "InvalidSpec",
			 invalid_msg);
	else
		add_cond(rc, list, "InvalidSpec", "False", "Valid", "");
	if (ok || failed)
		add_cond(rc, list, "Progressing", "False",
			 invalid_msg ? "InvalidSpec"
			 : ok	     ? "Succeeded"
				     : "Failed",
			 "");
	else
		add_cond(rc, list, "Progressing", "True", progress_reason,
			 progress_msg);
	return list;
}

/* --- Volcano's fields ---------------------------------------------------- */

static int cmp_job_name(const void *a, const void *b)
{
	const struct jf_eng_job *x = *(const struct jf_eng_job *const *)a;
	const struct jf_eng_job *y = *(const struct jf_eng_job *const *)b;

	return strcmp(x->name, y->name);
}

static bool job_finished(const char *phase)
{
	return jf_eng_job_done(phase) || jf_eng_job_failed(phase);
}

/* runningHistories: from the Job's own status.conditions when it has
 * them (Volcano records every phase change there), else the previous
 * histories extended with the current phase at its transition time. */
static cJSON *histories(struct jf_eng_rc *rc, const struct jf_eng_job *j,
			const cJSON *prev_entry)
{
	const cJSON *conds = jf_json_at(j->obj, "status.conditions"), *c;
	cJSON *h = cJSON_CreateArray(), *last;
	int n;

	if (!h)
		return NULL;
	if (cJSON_IsArray(conds) && cJSON_GetArraySize(conds) > 0) {
		cJSON_ArrayForEach (c, conds) {
			const char *st = jf_json_str(c, "status", "");
			int64_t t = jf_eng_time_at(c, "lastTransitionTime");
			cJSON *e;

			if (!*st)
				continue;
			last = cJSON_GetArrayItem(h, cJSON_GetArraySize(h) - 1);
			if (last && t >= 0)
				put_time(rc, last, "endTimestamp", t);
			e = cJSON_CreateObject();
			if (!e || !cJSON_AddItemToArray(h, e)) {
				cJSON_Delete(e);
				rc->f->oom = true;
				break;
			}
			put_time(rc, e, "startTimestamp", t);
			put_str(rc, e, "state", st);
		}
	} else {
		const cJSON *ph = jf_json_at(prev_entry, "runningHistories");

		cJSON_ArrayForEach (c, jf_eng_arr(ph)) {
			cJSON *x =
				cJSON_IsObject(c) ? jf_eng_dup_nonull(c) : NULL;

			if (!cJSON_IsObject(c))
				continue;
			if (!x || !cJSON_AddItemToArray(h, x)) {
				cJSON_Delete(x);
				rc->f->oom = true;
			}
		}
		last = cJSON_GetArrayItem(h, cJSON_GetArraySize(h) - 1);
		if (*j->phase &&
		    (!last ||
		     strcmp(jf_json_str(last, "state", ""), j->phase) != 0)) {
			int64_t t = j->transition_ms >= 0 ? j->transition_ms
							  : j->created_ms;
			cJSON *e = cJSON_CreateObject();

			if (last && t >= 0 &&
			    !cJSON_GetObjectItemCaseSensitive(last,
							      "endTimestamp"))
				put_time(rc, last, "endTimestamp", t);
			if (!e || !cJSON_AddItemToArray(h, e)) {
				cJSON_Delete(e);
				rc->f->oom = true;
			} else {
				put_time(rc, e, "startTimestamp", t);
				put_str(rc, e, "state", j->phase);
			}
		}
	}
	n = cJSON_GetArraySize(h);
	while (n-- > JF_ENG_HISTORY_MAX)
		cJSON_DeleteItemFromArray(h, 0);
	return h;
}

static cJSON *status_entry(struct jf_eng_rc *rc, const struct jf_eng_job *j,
			   const cJSON *prev_entry)
{
	cJSON *e = cJSON_CreateObject(), *h;
	const char *dur = jf_json_str(j->obj, "status.runningDuration", "");
	int64_t d;

	if (!e)
		return NULL;
	put_str(rc, e, "name", j->name);
	put_str(rc, e, "state", j->phase);
	put_time(rc, e, "startTimestamp", j->created_ms);
	/* Volcano: creation + runningDuration; never a null timestamp */
	if (*dur && j->created_ms >= 0 && jf_duration_parse(dur, &d, NULL) == 0)
		put_time(rc, e, "endTimestamp", j->created_ms + d);
	else if (job_finished(j->phase) && j->transition_ms >= 0)
		put_time(rc, e, "endTimestamp", j->transition_ms);
	put_int(rc, e, "restartCount",
		jf_json_int(j->obj, "status.retryCount", 0) < 0
			? 0
			: jf_json_int(j->obj, "status.retryCount", 0));
	h = histories(rc, j, prev_entry);
	if (h && cJSON_GetArraySize(h) == 0)
		cJSON_Delete(h);
	else if (!h || !cJSON_AddItemToObject(e, "runningHistories", h))
		rc->f->oom = true;
	return e;
}

static cJSON *condition_entry(struct jf_eng_rc *rc, const struct jf_eng_job *j)
{
	cJSON *c = cJSON_CreateObject();
	const cJSON *tsc = jf_json_at(j->obj, "status.taskStatusCount");

	if (!c)
		return NULL;
	put_str(rc, c, "phase", j->phase);
	put_time(rc, c, "createTime", j->created_ms);
	put_str(rc, c, "runningDuration",
		jf_json_str(j->obj, "status.runningDuration", ""));
	if (cJSON_IsObject(tsc) &&
	    !cJSON_AddItemToObject(c, "taskStatusCount",
				   jf_eng_dup_nonull(tsc)))
		rc->f->oom = true;
	return c;
}

static const char *bucket_of(const char *state)
{
	static const struct {
		const char *state, *list;
	} map[] = {
		{"Pending", "pendingJobs"},
		{"Running", "runningJobs"},
		{"Completing", "completedJobs"},
		{"Completed", "completedJobs"},
		{"Terminating", "terminatedJobs"},
		{"Terminated", "terminatedJobs"},
		{"Failed", "failedJobs"},
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (strcmp(state, map[i].state) == 0)
			return map[i].list;
	}
	return "unKnowJobs";
}

int jf_eng_volcano_status(struct jf_eng_rc *rc, cJSON *status)
{
	static const char *const lists[] = {"pendingJobs",    "runningJobs",
					    "failedJobs",     "completedJobs",
					    "terminatedJobs", "unKnowJobs"};
	const cJSON *prev = jf_json_at(rc->prev_status, "jobStatusList"), *x;
	const struct jf_eng_job **owned;
	cJSON *list = cJSON_CreateArray(), *conds = cJSON_CreateObject();
	cJSON *buckets[6] = {0};
	struct jf_eng_map idx = {0};
	cJSON **slot; /* slot[i]: the i-th entry of list */
	int n = 0, len = 0;

	owned = calloc((size_t)rc->njobs + 1, sizeof(*owned));
	slot = calloc((size_t)cJSON_GetArraySize(prev) + 1, sizeof(*slot));
	if (!list || !conds || !owned || !slot || jf_eng_map_init(&idx, 16))
		goto oom;
	cJSON_ArrayForEach (x, jf_eng_arr(prev)) {
		const char *name = jf_json_str(x, "name", "");

		if (!cJSON_IsObject(x) || !*name ||
		    jf_eng_map_get(&idx, name) >= 0)
			continue;
		slot[len] = jf_eng_dup_nonull(x);
		if (!cJSON_AddItemToArray(list, slot[len])) {
			cJSON_Delete(slot[len]);
			goto oom;
		}
		if (jf_eng_map_put(&idx, name, len++))
			goto oom;
	}
	for (int i = 0; i < rc->njobs; i++) {
		if (rc->jobs[i].owned &&
		    jf_eng_job_get(rc, rc->jobs[i].name) == &rc->jobs[i])
			owned[n++] = &rc->jobs[i];
	}
	qsort(owned, (size_t)n, sizeof(*owned), cmp_job_name);
	for (int i = 0; i < n; i++) {
		int at = jf_eng_map_get(&idx, owned[i]->name);
		cJSON *e =
			status_entry(rc, owned[i], at >= 0 ? slot[at] : NULL);
		cJSON *c = condition_entry(rc, owned[i]);

		if (!e || !c ||
		    !cJSON_AddItemToObject(conds, owned[i]->name, c)) {
			cJSON_Delete(e);
			cJSON_Delete(c);
			goto oom;
		}
		if (at >= 0) {
			if (!cJSON_ReplaceItemViaPointer(list, slot[at], e)) {
				cJSON_Delete(e);
				goto oom;
			}
			slot[at] = e;
		} else if (!cJSON_AddItemToArray(list, e)) {
			cJSON_Delete(e);
			goto oom;
		}
	}
	for (int i = 0; i < 6; i++) {
		buckets[i] = cJSON_CreateArray();
		if (!buckets[i])
			goto oom;
	}
	cJSON_ArrayForEach (x, list) {
		const char *b = bucket_of(jf_json_str(x, "state", ""));

		for (int i = 0; i < 6; i++) {
			if (strcmp(b, lists[i]) == 0 &&
			    !cJSON_AddItemToArray(
				    buckets[i], cJSON_CreateString(jf_json_str(
							x, "name", ""))))
				goto oom;
		}
	}
	for (int i = 0; i < 6; i++) {
		if (cJSON_GetArraySize(buckets[i]) == 0) {
			cJSON_Delete(buckets[i]);
		} else if (!cJSON_AddItemToObject(status, lists[i],
						  buckets[i])) {
			cJSON_Delete(buckets[i]);
			buckets[i] = NULL;
			goto oom;
		}
		buckets[i] = NULL;
	}
	if (cJSON_GetArraySize(list) == 0)
		cJSON_Delete(list);
	else if (!cJSON_AddItemToObject(status, "jobStatusList", list)) {
		list = NULL;
		goto oom;
	}
	list = NULL;
	if (cJSON_GetArraySize(conds) == 0)
		cJSON_Delete(conds);
	else if (!cJSON_AddItemToObject(status, "conditions", conds)) {
		conds = NULL;
		goto oom;
	}
	free(owned);
	free(slot);
	jf_eng_map_release(&idx);
	return 0;
oom:
	for (int i = 0; i < 6; i++)
		cJSON_Delete(buckets[i]);
	cJSON_Delete(list);
	cJSON_Delete(conds);
	free(owned);
	free(slot);
	jf_eng_map_release(&idx);
	rc->f->oom = true;
	return -1;
}
