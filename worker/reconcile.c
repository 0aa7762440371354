/* reconcile.c - a flow task: run the engine on the snapshot, execute its
 * plan against the API server, and describe the outcome in the RESULT.
 *
 * Idempotent by construction: Job names are deterministic and a Job that
 * already exists is success when this flow owns it; the status is a merge
 * patch guarded by the flow's resourceVersion, so a stale snapshot is
 * detected (409), re-read once and re-planned instead of overwriting.
 */
#include "worker/worker.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "jf_engine.h"
#include "jf_json.h"
#include "jf_k8s.h"
#include "jf_log.h"
#include "jf_time.h"

#define MAX_PASSES 4

static const struct jf_k8s_resource res_commands = {
	"bus.volcano.sh", "v1alpha1", "commands", true};

struct flow_run {
	struct jf_worker *w;
	const char *ns, *name, *uid;
	cJSON *flow;	  /* current view of the flow (owned) */
	cJSON *jobs;	  /* owned Jobs known so far (owned) */
	cJSON *foreign;	  /* name -> message */
	cJSON *rejected;  /* name -> message */
	cJSON *result;	  /* the RESULT body being built (borrowed) */
	cJSON *created;	  /* result.created (borrowed) */
	bool reread;	  /* the flow was re-read after a conflict */
	int64_t defer_ms; /* a progress-only status may wait this long */
	bool deferred;	  /* and it did */
};

static bool owned_by(const cJSON *obj, const char *uid)
{
	const cJSON *r;

	cJSON_ArrayForEach (r, jf_json_at(obj, "metadata.ownerReferences")) {
		if (jf_json_bool(r, "controller", false) &&
		    strcmp(jf_json_str(r, "uid", ""), uid) == 0)
			return true;
	}
	return false;
}

/* What the API server said to one planned Job's create. Returns 0 when
 * it exists now (created, or ours already), 1 when the plan must be redone
 * (foreign owner, rejected), or a negative error that fails the task (the
 * supervisor retries it). got (taken) is the created Job. */
static int create_result(struct flow_run *r, const cJSON *job, int err,
			 cJSON *got, const struct jf_errmsg *ce)
{
	const char *name = jf_json_str(job, "metadata.name", "");
	struct jf_errmsg e = {{0}};

	if (!err) {
		jf_logk(JF_LOG_INFO,
			JF_FIELDS({"flow", r->name}, {"job", name}),
			"job created");
		cJSON_AddItemToArray(r->jobs, jf_json_dup(got));
		cJSON_AddItemToArray(r->created, got);
		return 0;
	}
	cJSON_Delete(got);
	got = NULL;
	if (err == -JF_EEXIST) {
		/* ours (the cache lagged), or someone else's: never adopt */
		err = jf_k8s_get(r->w->client, &jf_k8s_res_jobs, r->ns, name,
				 &got, &e);
		if (err == -JF_ENOTFOUND)
			return 1; /* deleted meanwhile: plan again */
		if (err)
			return err;
		if (owned_by(got, r->uid)) {
			cJSON_AddItemToArray(r->jobs, got);
			return 0;
		}
		{
			char msg[512];

			snprintf(msg, sizeof(msg),
				 "job '%s' already exists and is not owned by "
				 "this JobFlow",
				 name);
			jf_json_set_str(r->foreign, name, msg);
		}
		cJSON_Delete(got);
		return 1;
	}
	if (err == -JF_EINVALID || err == -JF_EHTTP) {
		/* the server refuses this Job as it is: the step fails (or
		 * retries under policy Always), nothing to gain by retrying */
		jf_json_set_str(r->rejected, name, jf_errmsg_or(ce, err));
		return 1;
	}
	jf_logk(JF_LOG_WARN,
		JF_FIELDS({"flow", r->name}, {"job", name},
			  {"err", jf_errmsg_or(ce, err)}),
		"cannot create job");
	return err;
}

/* One create in flight. */
struct pending_create {
	const cJSON *job;
	bool done;
	int err;
	cJSON *got;
	struct jf_errmsg msg;
};

static void create_done(struct jf_k8s_response *resp, void *arg)
{
	struct pending_create *p = arg;

	p->done = true;
	p->err = resp->err;
	p->msg = resp->msg;
	if (!resp->err) {
		p->got = resp->body;
		resp->body = NULL;
	}
}

/* Creates the plan's Jobs concurrently (a forEach step plans many at once;
 * each create is independent and idempotent), then handles each answer in
 * the plan's order. Returns as create_result() does, for the worst one. */
static int create_jobs(struct flow_run *r, const cJSON *creates)
{
	int n = cJSON_GetArraySize(creates), i = 0, left = 0, again = 0;
	struct pending_create *p;
	const cJSON *it;
	int err = 0;

	if (!n)
		return 0;
	p = calloc((size_t)n, sizeof(*p));
	if (!p)
		return -ENOMEM;
	cJSON_ArrayForEach (it, creates) {
		struct jf_k8s_req q = {0};
		char *body = jf_json_print(it);

		p[i].job = it;
		q.verb = JF_K8S_CREATE;
		q.res = &jf_k8s_res_jobs;
		q.ns = r->ns;
		q.body = body;
		q.max_retries = -1;
		if (!body ||
		    jf_k8s_submit(r->w->client, &q, create_done, &p[i], NULL)) {
			p[i].done = true;
			p[i].err = body ? -EINVAL : -ENOMEM;
		} else {
			left++;
		}
		free(body);
		i++;
	}
	jf_worker_heartbeat(r->w, NULL);
	while (left > 0) {
		if (event_base_loop(jf_k8s_client_base(r->w->client),
				    EVLOOP_ONCE) < 0)
			break;
		left = 0;
		for (i = 0; i < n; i++)
			left += !p[i].done;
		jf_worker_heartbeat(r->w, NULL);
	}
	for (i = 0; i < n; i++) {
		int rc;

		if (!p[i].done) {
			err = err ? err : -EIO;
			continue;
		}
		rc = create_result(r, p[i].job, p[i].err, p[i].got, &p[i].msg);
		p[i].got = NULL;
		if (rc < 0 && !err)
			err = rc;
		again |= rc > 0;
	}
	free(p);
	return err ? err : again;
}

static int delete_job(struct flow_run *r, const cJSON *d)
{
	const char *name = jf_json_str(d, "name", "");
	struct jf_errmsg e = {{0}};
	int err;

	jf_worker_heartbeat(r->w, NULL);
	err = jf_k8s_delete(r->w->client, &jf_k8s_res_jobs, r->ns, name,
			    "Background", &e);
	if (err == -JF_ENOTFOUND)
		err = 0;
	if (err)
		jf_logk(JF_LOG_WARN,
			JF_FIELDS({"flow", r->name}, {"job", name},
				  {"err", jf_errmsg_or(&e, err)}),
			"cannot delete job");
	return err;
}

/* Terminates a Job the way vcctl does: a bus Command TerminateJob. */
static int terminate_job(struct flow_run *r, const cJSON *t)
{
	const char *name = jf_json_str(t, "name", "");
	const cJSON *job = NULL, *j;
	struct jf_errmsg e = {{0}};
	cJSON *cmd, *meta, *target;
	char cname[300];
	int err;

	cJSON_ArrayForEach (j, r->jobs) {
		if (strcmp(jf_json_str(j, "metadata.name", ""), name) == 0)
			job = j;
	}
	snprintf(cname, sizeof(cname), "%s-terminate", name);
	cmd = cJSON_CreateObject();
	cJSON_AddStringToObject(cmd, "apiVersion", "bus.volcano.sh/v1alpha1");
	cJSON_AddStringToObject(cmd, "kind", "Command");
	meta = cJSON_AddObjectToObject(cmd, "metadata");
	cJSON_AddStringToObject(meta, "name", cname);
	cJSON_AddStringToObject(meta, "namespace", r->ns);
	cJSON_AddStringToObject(cmd, "action", "TerminateJob");
	cJSON_AddStringToObject(cmd, "reason",
				jf_json_str(t, "reason", "Timeout"));
	cJSON_AddStringToObject(cmd, "message",
				"terminated by jobflowd: attempt timed out");
	target = cJSON_AddObjectToObject(cmd, "target");
	cJSON_AddStringToObject(target, "apiVersion", JF_JOB_API_VERSION);
	cJSON_AddStringToObject(target, "kind", "Job");
	cJSON_AddStringToObject(target, "name", name);
	cJSON_AddStringToObject(target, "uid",
				jf_json_str(job, "metadata.uid", ""));
	cJSON_AddBoolToObject(target, "controller", 1);
	jf_worker_heartbeat(r->w, NULL);
	err = jf_k8s_create(r->w->client, &res_commands, r->ns, cmd, NULL, &e);
	cJSON_Delete(cmd);
	if (err == -JF_EEXIST)
		err = 0;
	if (err)
		jf_logk(JF_LOG_WARN,
			JF_FIELDS({"flow", r->name}, {"job", name},
				  {"err", jf_errmsg_or(&e, err)}),
			"cannot terminate job");
	return err;
}

static void event_done(struct jf_k8s_response *resp, void *arg)
{
}

/* Events are best effort and deduplicated by a name derived from what
 * they say, so a re-planned reconcile does not repeat them. */
static void post_event(struct flow_run *r, const cJSON *ev)
{
	const char *reason = jf_json_str(ev, "reason", "");
	const char *message = jf_json_str(ev, "message", "");
	char name[320], ts[40], host[128] = "jobflowd";
	cJSON *o, *m, *io;
	uint64_t h = JF_FNV_OFFSET;

	h = jf_fnv1a(h, r->uid, strlen(r->uid));
	h = jf_fnv1a(h, reason, strlen(reason));
	h = jf_fnv1a(h, message, strlen(message));
	snprintf(name, sizeof(name), "%s.%016llx", r->name,
		 (unsigned long long)h);
	jf_time_format(jf_now_ms(), ts, sizeof(ts));
	gethostname(host, sizeof(host) - 1);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "apiVersion", "v1");
	cJSON_AddStringToObject(o, "kind", "Event");
	m = cJSON_AddObjectToObject(o, "metadata");
	cJSON_AddStringToObject(m, "name", name);
	cJSON_AddStringToObject(m, "namespace", r->ns);
	io = cJSON_AddObjectToObject(o, "involvedObject");
	cJSON_AddStringToObject(io, "apiVersion", JF_FLOW_API_VERSION);
	cJSON_AddStringToObject(io, "kind", "JobFlow");
	cJSON_AddStringToObject(io, "name", r->name);
	cJSON_AddStringToObject(io, "namespace", r->ns);
	cJSON_AddStringToObject(io, "uid", r->uid);
	cJSON_AddStringToObject(o, "reason", reason);
	cJSON_AddStringToObject(o, "message", message);
	cJSON_AddStringToObject(o, "type", jf_json_str(ev, "type", "Normal"));
	cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "source"),
				"component", "jobflowd");
	cJSON_AddStringToObject(o, "firstTimestamp", ts);
	cJSON_AddStringToObject(o, "lastTimestamp", ts);
	cJSON_AddNumberToObject(o, "count", 1);
	cJSON_AddStringToObject(o, "reportingComponent", "jobflowd");
	cJSON_AddStringToObject(o, "reportingInstance", host);
	{
		/* asynchronous and best effort: no retries; it completes
		 * while the worker waits for its next request or after the
		 * RESULT is sent (jf_worker_drain) */
		struct jf_k8s_req q = {0};
		char *body = jf_json_print(o);

		q.verb = JF_K8S_CREATE;
		q.res = &jf_k8s_res_events;
		q.ns = r->ns;
		q.body = body;
		q.max_retries = 0;
		q.timeout_ms = 5000;
		if (body)
			jf_k8s_submit(r->w->client, &q, event_done, NULL, NULL);
		free(body);
	}
	cJSON_Delete(o);
}

/* Writes the new status, guarded by the snapshot's resourceVersion.
 * Returns 0, 1 when the snapshot was stale and the plan must be redone
 * on a fresh read, or an error. */
static int write_status(struct flow_run *r, const struct jf_plan *plan)
{
	cJSON *patch = jf_json_dup(plan->status_patch), *got = NULL;
	struct jf_errmsg e = {{0}};
	char *text;
	int err;

	if (!patch)
		return -ENOMEM;
	jf_json_set_str(jf_json_obj(patch, "metadata"), "resourceVersion",
			jf_json_str(r->flow, "metadata.resourceVersion", ""));
	text = jf_json_print(patch);
	cJSON_Delete(patch);
	if (!text)
		return -ENOMEM;
	jf_worker_heartbeat(r->w, NULL);
	err = jf_k8s_patch(r->w->client, &jf_k8s_res_jobflows, r->ns, r->name,
			   "status", JF_K8S_PATCH_MERGE, text, &got, &e);
	free(text);
	if (!err) {
		static struct jf_ratelimit rl;

		/* Volcano's own CRD prunes our status fields: then finished
		 * steps would be forgotten. Say so loudly. */
		if (jf_json_at(plan->status, "stepStatuses") &&
		    !jf_json_at(got, "status.stepStatuses") &&
		    jf_log_ratelimit(&rl, 60000))
			jf_error(
				"the API server dropped status.stepStatuses of "
				"'%s/%s': the installed JobFlow CRD is not "
				"jobflowd's; apply deploy/crds",
				r->ns, r->name);
		jf_json_set(r->result, "flow", got);
		return 0;
	}
	if (err == -JF_ENOTFOUND)
		return 0; /* the flow is gone; its Jobs go with it */
	if (err == -JF_ECONFLICT && !r->reread) {
		r->reread = true;
		err = jf_k8s_get(r->w->client, &jf_k8s_res_jobflows, r->ns,
				 r->name, &got, &e);
		if (err == -JF_ENOTFOUND)
			return 0;
		if (err)
			return err;
		/* r->ns and r->name point into the old flow: log first */
		jf_info("status of '%s/%s' was stale, re-planned", r->ns,
			r->name);
		cJSON_Delete(r->flow);
		r->flow = got;
		r->ns = jf_json_str(r->flow, "metadata.namespace", "");
		r->name = jf_json_str(r->flow, "metadata.name", "");
		r->uid = jf_json_str(r->flow, "metadata.uid", "");
		return 1;
	}
	jf_logk(JF_LOG_WARN,
		JF_FIELDS({"flow", r->name}, {"err", jf_errmsg_or(&e, err)}),
		"cannot write status");
	return err;
}

static bool has_key(const cJSON *n, const char *key, int depth)
{
	const cJSON *c;

	if (depth > 64)
		return true; /* be safe: do not defer */
	cJSON_ArrayForEach (c, n) {
		if (c->string && strcmp(c->string, key) == 0)
			return true;
		if ((cJSON_IsObject(c) || cJSON_IsArray(c)) &&
		    has_key(c, key, depth + 1))
			return true;
	}
	return false;
}

/* Status coalescing (--status-interval): a status change may be left
 * unwritten for a while (the supervisor requeues the flow so it is written
 * by then) only when it records progress the Jobs themselves still show:
 * the flow phase stays Pending/Running (or goes Pending -> Running), no
 * step failed, backs off or was omitted, no retry bookkeeping, nothing to
 * delete or terminate, and no Job may vanish by TTL before the write
 * (no ttlSecondsAfterFinished in the flow or its templates). Phase
 * changes to Succeed/Failed and every failure are written at once. */
static bool may_defer(const struct flow_run *r, const struct jf_plan *p,
		      const char *old_phase, const cJSON *templates)
{
	const cJSON *x;

	if (r->defer_ms <= 0 || !p->status_patch || !p->phase)
		return false;
	if (strcmp(p->phase, "Pending") && strcmp(p->phase, "Running"))
		return false;
	if (strcmp(old_phase, p->phase) &&
	    !(strcmp(old_phase, "Pending") == 0 &&
	      strcmp(p->phase, "Running") == 0))
		return false;
	if (cJSON_GetArraySize(p->deletes) ||
	    cJSON_GetArraySize(p->terminates) ||
	    jf_json_at(p->status_patch, "status.retry") ||
	    jf_json_at(p->status, "failedJobs"))
		return false;
	cJSON_ArrayForEach (x, jf_json_at(p->status, "stepStatuses")) {
		const char *ph = jf_json_str(x, "phase", "");
		const cJSON *o = NULL, *y;

		if (!strcmp(ph, "Failed") || !strcmp(ph, "Backoff") ||
		    !strcmp(ph, "Omitted") || jf_json_at(x, "lastFailure"))
			return false;
		cJSON_ArrayForEach (
			y, jf_json_at(r->flow, "status.stepStatuses")) {
			if (!strcmp(jf_json_str(y, "name", ""),
				    jf_json_str(x, "name", "")))
				o = y;
		}
		/* decisions only the status remembers are written at once: a
		 * switch case, a skip, a manual retry's first attempt */
		if (jf_json_int(x, "selectedCase", -1) !=
			    jf_json_int(o, "selectedCase", -1) ||
		    (!strcmp(ph, "Skipped") &&
		     strcmp(jf_json_str(o, "phase", ""), "Skipped")) ||
		    jf_json_int(x, "iterations.skipped", 0) !=
			    jf_json_int(o, "iterations.skipped", 0) ||
		    jf_json_int(x, "firstAttempt", 0) !=
			    jf_json_int(o, "firstAttempt", 0))
			return false;
	}
	return !has_key(jf_json_at(r->flow, "spec"), "ttlSecondsAfterFinished",
			0) &&
	       !has_key(templates, "ttlSecondsAfterFinished", 0);
}

/* One pass: plan, then act. Returns 0 when done, 1 to plan again. */
static int run_pass(struct flow_run *r, const cJSON *templates)
{
	struct jf_engine_opts eo = {.max_iterations =
					    r->w->opts.max_iterations};
	struct jf_engine_input in = {
		.flow = r->flow,
		.templates = templates,
		.jobs = r->jobs,
		.foreign = r->foreign,
		.rejected = r->rejected,
		.now_ms = jf_now_ms(),
		.opts = &eo,
	};
	const char *old_phase = jf_json_str(r->flow, "status.state.phase", "");
	struct jf_errmsg e = {{0}};
	struct jf_plan plan;
	const cJSON *it;
	int err, again = 0;

	err = jf_engine_reconcile(&in, &plan, &e);
	if (err) {
		jf_json_set_str(r->result, "error", jf_errmsg_or(&e, err));
		return err;
	}
	err = create_jobs(r, plan.creates);
	if (err < 0)
		goto out;
	again = err;
	if (again) {
		err = 1;
		goto out;
	}
	cJSON_ArrayForEach (it, plan.deletes) {
		err = delete_job(r, it);
		if (err)
			goto out;
	}
	cJSON_ArrayForEach (it, plan.terminates) {
		err = terminate_job(r, it);
		if (err)
			goto out;
	}
	r->deferred = false;
	if (plan.status_patch && may_defer(r, &plan, old_phase, templates)) {
		r->deferred = true;
	} else if (plan.status_patch) {
		err = write_status(r, &plan);
		if (err)
			goto out;
		if (plan.phase && strcmp(old_phase, plan.phase) != 0)
			jf_json_set_str(r->result, "phase_changed", plan.phase);
	}
	cJSON_ArrayForEach (it, plan.events) {
		post_event(r, it);
	}
	if (r->deferred) {
		/* the supervisor requeues the flow in time to write it */
		jf_json_set_bool(r->result, "status_deferred", true);
		if (plan.requeue_after_ms < 0 ||
		    plan.requeue_after_ms > r->defer_ms)
			plan.requeue_after_ms = r->defer_ms;
	}
	jf_json_set_int(r->result, "requeue_after_ms", plan.requeue_after_ms);
	if (plan.phase)
		jf_json_set_str(r->result, "phase", plan.phase);
	if (cJSON_GetArraySize(plan.missing_templates))
		jf_json_set(r->result, "missing_templates",
			    jf_json_dup(plan.missing_templates));
	err = 0;
out:
	jf_plan_release(&plan);
	return err;
}

int jf_worker_reconcile_flow(struct jf_worker *w, cJSON *task, cJSON *result)
{
	struct flow_run r = {.w = w, .result = result};
	const cJSON *templates = jf_json_at(task, "templates");
	int err = 0;

	/* taken from the task, not copied (the task is freed after) */
	r.flow = cJSON_DetachItemFromObjectCaseSensitive(task, "flow");
	r.jobs = cJSON_DetachItemFromObjectCaseSensitive(task, "jobs");
	r.foreign = cJSON_CreateObject();
	r.rejected = cJSON_CreateObject();
	r.created = cJSON_AddArrayToObject(result, "created");
	r.defer_ms = jf_json_int(task, "status_defer_ms", 0);
	if (!r.flow || !cJSON_IsArray(r.jobs) || !r.foreign || !r.rejected ||
	    !r.created) {
		err = -JF_EPROTO;
		jf_json_set_str(result, "error", "task without flow or jobs");
		goto out;
	}
	r.ns = jf_json_str(r.flow, "metadata.namespace", "");
	r.name = jf_json_str(r.flow, "metadata.name", "");
	r.uid = jf_json_str(r.flow, "metadata.uid", "");
	for (int pass = 0; pass < MAX_PASSES; pass++) {
		err = run_pass(&r, templates);
		if (err <= 0)
			break;
		/* a re-read flow has new strings: refresh the borrowed ones */
		r.ns = jf_json_str(r.flow, "metadata.namespace", "");
		r.name = jf_json_str(r.flow, "metadata.name", "");
		r.uid = jf_json_str(r.flow, "metadata.uid", "");
	}
	if (err > 0) {
		err = -EAGAIN;
		jf_json_set_str(result, "error", "plan did not settle");
	} else if (err && !jf_json_at(result, "error")) {
		jf_json_set_str(result, "error", jf_strerror(err));
	}
out:
	cJSON_Delete(r.flow);
	cJSON_Delete(r.jobs);
	cJSON_Delete(r.foreign);
	cJSON_Delete(r.rejected);
	return err;
}

/* A JobTemplate's status: the Jobs created from it (Volcano's
 * jobDependsOnList), written only when it changed. The supervisor caches
 * the template's list as a digest (status.jobDependsOnListDigest), and
 * batches these tasks (one per template per second at most). */
int jf_worker_reconcile_template(struct jf_worker *w, const cJSON *task,
				 cJSON *result)
{
	const cJSON *tmpl = jf_json_at(task, "template");
	cJSON *st = jf_engine_template_status(tmpl, jf_json_at(task, "jobs"));
	const cJSON *want = jf_json_at(st, "jobDependsOnList");
	const char *have =
		jf_json_str(tmpl, "status." JF_TEMPLATE_DIGEST_KEY, NULL);
	struct jf_errmsg e = {{0}};
	cJSON *patch, *got = NULL;
	char digest[64];
	char *text;
	int err;

	if (!st)
		return -ENOMEM;
	jf_engine_list_digest(want, digest, sizeof(digest));
	if ((have && strcmp(have, digest) == 0) ||
	    (!have && cJSON_GetArraySize(want) == 0)) {
		cJSON_Delete(st);
		return 0;
	}
	/* an empty list is removed (upstream never clears a stale one) */
	if (cJSON_GetArraySize(want) == 0)
		jf_json_set(st, "jobDependsOnList", cJSON_CreateNull());
	patch = cJSON_CreateObject();
	cJSON_AddItemToObject(patch, "status", st);
	text = jf_json_print(patch);
	cJSON_Delete(patch);
	jf_worker_heartbeat(w, NULL);
	err = jf_k8s_patch(w->client, &jf_k8s_res_jobtemplates,
			   jf_json_str(tmpl, "metadata.namespace", ""),
			   jf_json_str(tmpl, "metadata.name", ""), "status",
			   JF_K8S_PATCH_MERGE, text ? text : "{}", &got, &e);
	free(text);
	if (err == -JF_ENOTFOUND)
		return 0;
	if (err) {
		jf_json_set_str(result, "error", jf_errmsg_or(&e, err));
		return err;
	}
	jf_json_set(result, "template", got);
	return 0;
}
