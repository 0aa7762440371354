/* sim.c - kubesim's Volcano simulator: the batch.volcano.sh Job mutating
 * webhook defaults, a job controller that moves Jobs through Pending ->
 * Running -> Completed/Failed/Terminated/Aborted (with pod failures,
 * Restarting and retryCount/maxRetry as Volcano does) by writing /status
 * through the generic store, and bus.volcano.sh Commands (TerminateJob,
 * AbortJob). Timing and outcome come from kubesim.volcano.sh/... annotations
 * on the Job's task pod templates. Libevent timers only; never blocks. */
#include "ks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"
#include "jf_log.h"
#include "jf_time.h"

#define ANN	     "kubesim.volcano.sh/"
#define CMD_DELAY_MS 20

enum sim_state {
	S_PENDING,
	S_RUNNING,
	S_RESTARTING,
	S_ENDING,
	S_DONE
};

struct sim_job {
	struct ks_hnode n;
	char uid[40];
	struct event *ev;
	enum sim_state state;
	int64_t pending_ms, duration_ms;
	char result[16];  /* final phase */
	char ending[16];  /* Terminating/Aborting while S_ENDING */
	int pod_failures; /* failures still to happen */
	int max_retry, retry_count, replicas;
};

static struct ks_map jobs;     /* uid -> sim_job */
static struct ks_map attempts; /* flow/step/iteration -> count */

struct attempt {
	struct ks_hnode n;
	char *key;
	int count;
};

/* --- webhook defaults
 * -------------------------------------------------------------- */

void ks_sim_job_defaults(cJSON *job)
{
	cJSON *spec = jf_json_obj(job, "spec");
	cJSON *tasks = cJSON_GetObjectItemCaseSensitive(spec, "tasks");
	cJSON *t;
	int i = 0;
	int64_t sum = 0;

	if (!*jf_json_str(spec, "queue", ""))
		jf_json_set_str(spec, "queue", "default");
	if (!*jf_json_str(spec, "schedulerName", ""))
		jf_json_set_str(spec, "schedulerName", "volcano");
	if (jf_json_int(spec, "maxRetry", 0) == 0)
		jf_json_set_int(spec, "maxRetry", 3);
	cJSON_ArrayForEach (t, tasks) {
		char nm[32];
		int64_t rep = jf_json_int(t, "replicas", 1);

		if (!cJSON_IsObject(t))
			continue;
		if (!*jf_json_str(t, "name", "")) {
			snprintf(nm, sizeof(nm), "default%d", i);
			jf_json_set_str(t, "name", nm);
		}
		if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(
			    t, "minAvailable")))
			jf_json_set_int(t, "minAvailable", rep);
		if (jf_json_int(t, "maxRetry", 0) == 0)
			jf_json_set_int(t, "maxRetry", 3);
		sum += jf_json_int(t, "minAvailable", rep);
		i++;
	}
	if (jf_json_int(spec, "minAvailable", 0) == 0)
		jf_json_set_int(spec, "minAvailable", sum);
}

/* --- status writing
 * ------------------------------------------------------------------ */

static const char *pod_phase(const char *job_phase)
{
	if (!strcmp(job_phase, "Pending"))
		return "Pending";
	if (!strcmp(job_phase, "Completed"))
		return "Succeeded";
	if (!strcmp(job_phase, "Failed"))
		return "Failed";
	if (!strcmp(job_phase, "Running") || !strcmp(job_phase, "Restarting"))
		return "Running";
	return NULL;
}

static void write_status(struct sim_job *j, const char *phase,
			 const char *reason, const char *message)
{
	struct ks_obj *o = ks_store_by_uid(j->uid);
	cJSON *st, *state, *tsc, *conds, *c;
	const cJSON *t, *old;
	const char *pp = pod_phase(phase);
	char ts[40], dur[40];
	int64_t now = jf_now_ms(), created;

	if (!o)
		return;
	st = cJSON_CreateObject();
	state = cJSON_AddObjectToObject(st, "state");
	cJSON_AddStringToObject(state, "phase", phase);
	if (reason)
		cJSON_AddStringToObject(state, "reason", reason);
	if (message)
		cJSON_AddStringToObject(state, "message", message);
	cJSON_AddStringToObject(state, "lastTransitionTime",
				jf_time_format(now, ts, sizeof(ts)));
	cJSON_AddNumberToObject(
		st, "minAvailable",
		(double)jf_json_int(o->json, "spec.minAvailable", 0));
	tsc = cJSON_AddObjectToObject(st, "taskStatusCount");
	cJSON_ArrayForEach (t, jf_json_at(o->json, "spec.tasks")) {
		cJSON *ph;
		int64_t n = jf_json_int(t, "replicas", 1);

		if (!pp || !n)
			continue;
		ph = cJSON_AddObjectToObject(
			cJSON_AddObjectToObject(
				tsc, jf_json_str(t, "name", "default0")),
			"phase");
		cJSON_AddNumberToObject(ph, pp, (double)n);
	}
	cJSON_AddNumberToObject(st, "pending",
				!strcmp(phase, "Pending") ? j->replicas : 0);
	cJSON_AddNumberToObject(st, "running",
				pp && !strcmp(pp, "Running") ? j->replicas : 0);
	cJSON_AddNumberToObject(st, "succeeded",
				!strcmp(phase, "Completed") ? j->replicas : 0);
	cJSON_AddNumberToObject(st, "failed",
				!strcmp(phase, "Failed") ? j->replicas : 0);
	cJSON_AddNumberToObject(st, "terminating",
				!strcmp(phase, "Terminating") ||
						!strcmp(phase, "Aborting")
					? j->replicas
					: 0);
	cJSON_AddNumberToObject(st, "retryCount", j->retry_count);
	if (j->state == S_DONE &&
	    !jf_time_parse(
		    jf_json_str(o->json, "metadata.creationTimestamp", ""),
		    &created))
		cJSON_AddStringToObject(
			st, "runningDuration",
			jf_duration_format(now - created > 0 ? now - created
							     : 0,
					   dur, sizeof(dur)));
	conds = cJSON_AddArrayToObject(st, "conditions");
	cJSON_ArrayForEach (t, jf_json_at(o->json, "status.conditions")) {
		cJSON_AddItemToArray(conds, cJSON_Duplicate(t, 1));
	}
	old = jf_json_at(o->json, "status.state.phase");
	if (!cJSON_IsString(old) || strcmp(old->valuestring, phase)) {
		c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "status", phase);
		cJSON_AddStringToObject(c, "lastTransitionTime", ts);
		cJSON_AddItemToArray(conds, c);
	}
	ks_internal_update_status(o, st);
	cJSON_Delete(st);
}

/* --- the job state machine
 * -------------------------------------------------------------- */

static void arm(struct sim_job *j, int64_t ms);

static void finish(struct sim_job *j, const char *phase, const char *reason)
{
	j->state = S_DONE;
	write_status(j, phase, reason, NULL);
}

static void step_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sim_job *j = arg;

	switch (j->state) {
	case S_PENDING:
	case S_RESTARTING:
		j->state = S_RUNNING;
		write_status(j, "Running", NULL, NULL);
		arm(j, j->duration_ms);
		return;
	case S_RUNNING:
		if (j->pod_failures > 0) {
			j->pod_failures--;
			j->retry_count++;
			if (j->retry_count >= j->max_retry) {
				finish(j, "Failed", "PodFailed");
				return;
			}
			j->state = S_RESTARTING;
			write_status(j, "Restarting", "PodFailed",
				     "a pod failed, restarting the job");
			arm(j, j->pending_ms);
			return;
		}
		if (!strcmp(j->result, "Terminated")) {
			j->state = S_ENDING;
			snprintf(j->ending, sizeof(j->ending), "Terminated");
			write_status(j, "Terminating", NULL, NULL);
			arm(j, 0);
			return;
		}
		if (!strcmp(j->result, "Aborted")) {
			j->state = S_ENDING;
			snprintf(j->ending, sizeof(j->ending), "Aborted");
			write_status(j, "Aborting", NULL, NULL);
			arm(j, 0);
			return;
		}
		finish(j, j->result, NULL);
		return;
	case S_ENDING:
		finish(j, j->ending, NULL);
		return;
	case S_DONE:
		return;
	}
}

static void arm(struct sim_job *j, int64_t ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	if (!j->ev)
		j->ev = evtimer_new(ks.base, step_cb, j);
	evtimer_add(j->ev, &tv);
}

/* The first task template that sets annotation key wins. */
static const char *task_ann(const cJSON *job, const char *key)
{
	const cJSON *t;

	cJSON_ArrayForEach (t, jf_json_at(job, "spec.tasks")) {
		const cJSON *a = jf_json_at(t, "template.metadata.annotations");
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(a, key);

		if (cJSON_IsString(v))
			return v->valuestring;
	}
	return NULL;
}

static int64_t ann_ms(const cJSON *job, const char *key, int64_t def)
{
	const char *v = task_ann(job, key);
	int64_t ms;

	if (!v)
		return def;
	if (jf_duration_parse(v, &ms, NULL)) {
		jf_logk(JF_LOG_WARN, JF_FIELDS({"annotation", key}),
			"bad duration '%s', using the default", v);
		return def;
	}
	return ms;
}

/* Counts this Job as an attempt of its step; returns its index from 0. */
static int attempt_index(const cJSON *job)
{
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(job, "metadata");
	const char *flow =
		jf_json_str(cJSON_GetObjectItemCaseSensitive(md, "labels"),
			    "[\"volcano.sh/createdByJobFlow\"]", NULL);
	char key[1024];
	struct attempt *a;

	if (!flow)
		flow = jf_json_str(
			cJSON_GetObjectItemCaseSensitive(md, "annotations"),
			"[\"volcano.sh/createdByJobFlow\"]", "");
	snprintf(key, sizeof(key), "%s\t%s\t%s\t%s",
		 jf_json_str(md, "namespace", ""), flow,
		 jf_json_str(md, "labels[\"flow.volcano.sh/step\"]",
			     jf_json_str(md, "name", "")),
		 jf_json_str(md, "labels[\"flow.volcano.sh/iteration\"]", ""));
	a = ks_map_get(&attempts, key);
	if (!a) {
		a = calloc(1, sizeof(*a));
		a->key = strdup(key);
		a->n.key = a->key;
		a->n.val = a;
		ks_map_put(&attempts, &a->n);
	}
	return a->count++;
}

void ks_sim_job_created(struct ks_obj *o)
{
	struct sim_job *j = calloc(1, sizeof(*j));
	const cJSON *job = o->json;
	const char *res = task_ann(job, ANN "result");
	const char *fa = task_ann(job, ANN "fail-attempts");
	const char *pf = task_ann(job, ANN "pod-failures");
	const cJSON *t;
	int idx = attempt_index(job);

	memcpy(j->uid, o->uid, sizeof(j->uid));
	j->n.key = j->uid;
	j->n.val = j;
	j->pending_ms = ann_ms(job, ANN "pending", ks.o.sim_pending_ms);
	j->duration_ms = ann_ms(job, ANN "duration", ks.o.sim_duration_ms);
	snprintf(j->result, sizeof(j->result), "Completed");
	if (res && (!strcmp(res, "Completed") || !strcmp(res, "Failed") ||
		    !strcmp(res, "Terminated") || !strcmp(res, "Aborted")))
		snprintf(j->result, sizeof(j->result), "%s", res);
	if (fa && idx < atoi(fa))
		snprintf(j->result, sizeof(j->result), "Failed");
	j->pod_failures = pf ? atoi(pf) : 0;
	j->max_retry = (int)jf_json_int(job, "spec.maxRetry", 3);
	cJSON_ArrayForEach (t, jf_json_at(job, "spec.tasks")) {
		j->replicas += (int)jf_json_int(t, "replicas", 1);
	}
	ks_map_put(&jobs, &j->n);
	j->state = S_PENDING;
	write_status(j, "Pending", NULL, NULL);
	arm(j, j->pending_ms);
}

static void free_job(struct sim_job *j)
{
	if (j->ev)
		event_free(j->ev);
	free(j);
}

void ks_sim_job_removed(const cJSON *job)
{
	struct sim_job *j =
		ks_map_del(&jobs, jf_json_str(job, "metadata.uid", ""));

	if (j)
		free_job(j);
}

void ks_sim_command_created(struct ks_obj *o)
{
	const char *action = jf_json_str(o->json, "action", "");
	const char *target = jf_json_str(o->json, "target.name", NULL);
	struct ks_res *jr = ks_res_find("batch.volcano.sh", "jobs");
	struct ks_obj *job;
	struct sim_job *j = NULL;

	if (!target) {
		const cJSON *ref = cJSON_GetArrayItem(
			jf_json_at(o->json, "metadata.ownerReferences"), 0);

		target = jf_json_str(ref, "name", NULL);
	}
	job = jr && target ? ks_store_get(jr, o->ver->ns, target) : NULL;
	if (job)
		j = ks_map_get(&jobs, job->uid);
	if (j && j->state != S_DONE && j->state != S_ENDING) {
		bool abort_job = !strcmp(action, "AbortJob");

		if (abort_job || !strcmp(action, "TerminateJob")) {
			if (j->ev)
				evtimer_del(j->ev);
			j->state = S_ENDING;
			snprintf(j->ending, sizeof(j->ending), "%s",
				 abort_job ? "Aborted" : "Terminated");
			write_status(j, abort_job ? "Aborting" : "Terminating",
				     jf_json_str(o->json, "reason", NULL),
				     jf_json_str(o->json, "message", NULL));
			arm(j, CMD_DELAY_MS);
		}
	}
	/* Volcano deletes a Command once it has been handled */
	ks_internal_delete(o, "Background");
}

void ks_sim_free(void)
{
	for (size_t b = 0; b < jobs.nb; b++) {
		struct ks_hnode *h = jobs.b[b], *next;

		for (; h; h = next) {
			next = h->next;
			free_job(h->val);
		}
	}
	ks_map_release(&jobs);
	for (size_t b = 0; b < attempts.nb; b++) {
		struct ks_hnode *h = attempts.b[b], *next;

		for (; h; h = next) {
			struct attempt *a = h->val;

			next = h->next;
			free(a->key);
			free(a);
		}
	}
	ks_map_release(&attempts);
}
