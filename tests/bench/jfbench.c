/* jfbench.c - the benchmark's client side (SPEC §10, docs/performance.md).
 *
 *   jfbench setup  --kubeconfig K --ns NS
 *       creates namespace NS and the JobTemplates a, b, c, x in it.
 *   jfbench run    --kubeconfig K --ns NS --shape chain3|foreach10 --n N
 *       creates N JobFlows (at most --conc requests in flight) and watches
 *       them until every one is Succeed or Failed (a running jobflowd does
 *       the work). Prints one JSON line with the wall-clock times.
 *   jfbench bare   --kubeconfig K --ns NS --shape S --n N
 *                  [--status-patches P] [--template-patches T] [--events E]
 *       the bare client: creates the same N JobFlows, then for each flow
 *       creates the same Jobs (same names, labels, owner reference, spec)
 *       in dependency order as soon as a watch shows the previous one
 *       Completed, and issues the same number of flow status patches (P in
 *       all, the last one of each flow writes phase Succeed), JobTemplate
 *       status patches (T, each with the template's jobDependsOnList so
 *       far) and Events (E) as the controller did. No engine, no queue,
 *       no IPC: the API calls alone. Prints one JSON line.
 *
 * Both modes use the project's asynchronous client (curl-multi on
 * libevent), one process, one thread. Times are wall-clock ms (the same
 * clock as kubesim's /kubesim/timeline).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "jf_buf.h"
#include "jf_json.h"
#include "jf_k8s.h"
#include "jf_log.h"
#include "jf_time.h"
#include "jf_yaml.h"

enum shape {
	CHAIN3,
	FOREACH10
};
enum op_kind {
	OP_FLOW,
	OP_JOB,
	OP_PATCH,
	OP_TMPL,
	OP_EVENT
};

struct op {
	struct op *next;
	enum op_kind kind;
	int flow, step, iter; /* step: template index (a b c x) */
	bool final;	      /* OP_PATCH: the Succeed one */
};

struct flowst {
	char uid[40];
	unsigned done_mask; /* Jobs seen Completed */
	int patches_left;   /* status patches still to issue (bare) */
	int patches_out;    /* status patches in flight (bare) */
	bool finished;
};

static const char *const tmpl_names[] = {"a", "b", "c", "x"};

struct bench {
	struct event_base *base;
	struct jf_k8s_client *c;
	const char *ns;
	enum shape shape;
	bool bare;
	int n, conc, inflight;
	int64_t timeout_ms;
	struct op *head, *tail;
	struct flowst *flows;
	int finished, failed, created, create_errors, job_errors;
	int patch_errors, jobs_created;
	int64_t t_first, t_created, t_end;
	int dur_min, dur_max; /* ms; > 0: each step runs that long (patch) */
	char rv[64];
	/* bare: budgets and the per-template name lists */
	long long status_patches, tmpl_patches, events;
	double tmpl_acc, event_acc, tmpl_rate, event_rate;
	struct jf_buf tmpl_list[4];
	int tmpl_count[4];
	long long issued_patches, issued_tmpl, issued_events;
	struct event *deadline;
	bool stop;
};

static const char *template_spec =
	"{\"minAvailable\":1,\"schedulerName\":\"volcano\",\"queue\":"
	"\"default\",\"tasks\":[{\"name\":\"main\",\"replicas\":1,"
	"\"template\":{\"metadata\":{\"annotations\":{\"bench\":\"1\"}},"
	"\"spec\":{\"restartPolicy\":\"Never\",\"containers\":[{\"name\":"
	"\"main\",\"image\":\"busybox:1.36\",\"command\":[\"true\"],"
	"\"resources\":{\"requests\":{\"cpu\":\"100m\"}}}]}}}]}";

static int nsteps(const struct bench *b)
{
	return b->shape == CHAIN3 ? 3 : 10;
}

static void flow_name(const struct bench *b, int i, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s-%06d", b->shape == CHAIN3 ? "bc" : "bf", i);
}

static int flow_index(const struct bench *b, const char *name)
{
	const char *p = strrchr(name, '-');

	if (!p || strncmp(name, b->shape == CHAIN3 ? "bc-" : "bf-", 3))
		return -1;
	return atoi(p + 1);
}

static char *flow_body(const struct bench *b, int i)
{
	char name[64];
	struct jf_buf x;

	flow_name(b, i, name, sizeof(name));
	jf_buf_init(&x, 0);
	jf_buf_printf(&x,
		      "{\"apiVersion\":\"flow.volcano.sh/v1alpha1\",\"kind\":"
		      "\"JobFlow\",\"metadata\":{\"name\":\"%s\",\"namespace\":"
		      "\"%s\"},\"spec\":{\"jobRetainPolicy\":\"retain\","
		      "\"flows\":",
		      name, b->ns);
	if (b->shape == CHAIN3 && b->dur_max > 0) {
		/* per (flow, step) durations spread uniformly, deterministic */
		for (int s = 0; s < 3; s++) {
			uint64_t h =
				jf_fnv1a(JF_FNV_OFFSET, name, strlen(name));
			int d;

			h = jf_fnv1a(h, tmpl_names[s], 1);
			d = b->dur_min +
			    (int)(h % (uint64_t)(b->dur_max - b->dur_min + 1));
			jf_buf_printf(&x,
				      "%s{\"name\":\"%s\"%s,\"patch\":{"
				      "\"jobSpec\":{\"tasks\":[{\"name\":"
				      "\"main\",\"template\":{\"metadata\":{"
				      "\"annotations\":{\"kubesim.volcano.sh/"
				      "duration\":\"%dms\"}}}}]}}}",
				      s ? "," : "[", tmpl_names[s],
				      s == 1   ? ",\"dependsOn\":{\"targets\":"
						 "[\"a\"]}"
				      : s == 2 ? ",\"dependsOn\":{\"targets\":"
						 "[\"b\"]}"
					       : "",
				      d);
		}
		jf_buf_puts(&x, "]}}");
	} else if (b->shape == CHAIN3)
		jf_buf_puts(&x,
			    "[{\"name\":\"a\"},{\"name\":\"b\",\"dependsOn\":"
			    "{\"targets\":[\"a\"]}},{\"name\":\"c\","
			    "\"dependsOn\":{\"targets\":[\"b\"]}}]}}");
	else
		jf_buf_puts(&x, "[{\"name\":\"x\",\"forEach\":{\"range\":"
				"{\"start\":0,\"end\":10}}}]}}");
	return jf_buf_steal(&x);
}

/* The Job the engine builds for (flow, step, iteration), attempt 0. */
static char *job_body(struct bench *b, int i, int step, int iter)
{
	char name[64], job[96];
	const char *t = tmpl_names[step];
	struct jf_buf x;

	flow_name(b, i, name, sizeof(name));
	if (iter >= 0)
		snprintf(job, sizeof(job), "%s-%s-%d", name, t, iter);
	else
		snprintf(job, sizeof(job), "%s-%s", name, t);
	jf_buf_init(&x, 0);
	jf_buf_printf(&x,
		      "{\"apiVersion\":\"batch.volcano.sh/v1alpha1\",\"kind\":"
		      "\"Job\",\"metadata\":{\"name\":\"%s\",\"namespace\":"
		      "\"%s\",\"labels\":{\"volcano.sh/createdByJobTemplate\":"
		      "\"%s.%s\",\"volcano.sh/createdByJobFlow\":\"%s.%s\","
		      "\"flow.volcano.sh/step\":\"%s\","
		      "\"flow.volcano.sh/attempt\":\"0\"",
		      job, b->ns, b->ns, t, b->ns, name, t);
	if (iter >= 0)
		jf_buf_printf(&x, ",\"flow.volcano.sh/iteration\":\"%d\"",
			      iter);
	jf_buf_printf(&x,
		      "},\"annotations\":{\"volcano.sh/createdByJobTemplate\":"
		      "\"%s.%s\",\"volcano.sh/createdByJobFlow\":\"%s.%s\"},"
		      "\"ownerReferences\":[{\"apiVersion\":"
		      "\"flow.volcano.sh/v1alpha1\",\"kind\":\"JobFlow\","
		      "\"name\":\"%s\",\"uid\":\"%s\",\"controller\":true,"
		      "\"blockOwnerDeletion\":true}]},\"spec\":%s}",
		      b->ns, t, b->ns, name, name, b->flows[i].uid,
		      template_spec);
	/* record the name for the template's jobDependsOnList */
	jf_buf_printf(&b->tmpl_list[step], "%s\"%s\"",
		      b->tmpl_count[step]++ ? "," : "", job);
	return jf_buf_steal(&x);
}

/* A status patch shaped like the controller's: phase and step list. */
static char *patch_body(const struct bench *b, int i, bool final)
{
	struct jf_buf x;
	char ts[40];

	jf_time_format(jf_now_ms(), ts, sizeof(ts));
	jf_buf_init(&x, 0);
	jf_buf_printf(&x,
		      "{\"status\":{\"state\":{\"phase\":\"%s\"},"
		      "\"observedGeneration\":1,\"stepStatuses\":[",
		      final ? "Succeed" : "Running");
	for (int s = 0; s < (b->shape == CHAIN3 ? 3 : 1); s++)
		jf_buf_printf(&x,
			      "%s{\"name\":\"%s\",\"phase\":\"%s\","
			      "\"startTime\":\"%s\"}",
			      s ? "," : "",
			      tmpl_names[b->shape == CHAIN3 ? s : 3],
			      final ? "Succeeded" : "Running", ts);
	jf_buf_puts(&x, "]}}");
	return jf_buf_steal(&x);
}

static char *tmpl_patch_body(const struct bench *b, int step)
{
	struct jf_buf x;

	jf_buf_init(&x, 0);
	jf_buf_puts(&x, "{\"status\":{\"jobDependsOnList\":[");
	jf_buf_append(&x,
		      b->tmpl_list[step].data ? b->tmpl_list[step].data : "",
		      b->tmpl_list[step].len);
	jf_buf_puts(&x, "]}}");
	return jf_buf_steal(&x);
}

static char *event_body(const struct bench *b, int i, long long seq)
{
	char name[64], ts[40];
	struct jf_buf x;

	flow_name(b, i, name, sizeof(name));
	jf_time_format(jf_now_ms(), ts, sizeof(ts));
	jf_buf_init(&x, 0);
	jf_buf_printf(&x,
		      "{\"apiVersion\":\"v1\",\"kind\":\"Event\",\"metadata\":"
		      "{\"name\":\"%s.%016llx\",\"namespace\":\"%s\"},"
		      "\"involvedObject\":{\"apiVersion\":"
		      "\"flow.volcano.sh/v1alpha1\",\"kind\":\"JobFlow\","
		      "\"name\":\"%s\",\"namespace\":\"%s\",\"uid\":\"%s\"},"
		      "\"reason\":\"Created\",\"message\":\"bench\",\"type\":"
		      "\"Normal\",\"source\":{\"component\":\"jobflowd\"},"
		      "\"firstTimestamp\":\"%s\",\"lastTimestamp\":\"%s\","
		      "\"count\":1}",
		      name, seq, b->ns, name, b->ns, b->flows[i].uid, ts, ts);
	return jf_buf_steal(&x);
}

/* --- the op queue: at most conc requests in flight -------------------- */

static void pump(struct bench *b);

static void push(struct bench *b, enum op_kind k, int flow, int step, int iter,
		 bool final)
{
	struct op *o = calloc(1, sizeof(*o));

	if (!o) {
		fprintf(stderr, "jfbench: out of memory\n");
		exit(1);
	}
	o->kind = k;
	o->flow = flow;
	o->step = step;
	o->iter = iter;
	o->final = final;
	if (b->tail)
		b->tail->next = o;
	else
		b->head = o;
	b->tail = o;
}

struct done_arg {
	struct bench *b;
	struct op op;
};

static void flow_finished(struct bench *b, int i, bool ok)
{
	if (b->flows[i].finished)
		return;
	b->flows[i].finished = true;
	b->finished++;
	b->failed += !ok;
	if (b->finished == b->n) {
		b->t_end = jf_now_ms();
		b->stop = true;
		event_base_loopbreak(b->base);
	}
}

static void maybe_bare_done(struct bench *b, int i)
{
	struct flowst *f = &b->flows[i];
	unsigned all = (1u << nsteps(b)) - 1;

	if (f->done_mask == all && f->patches_left == 0 && f->patches_out == 0)
		flow_finished(b, i, true);
}

/* The bare client's side effects of a created Job: Events and template
 * patches at the controller's rates. */
static void after_job_created(struct bench *b, int i, int step)
{
	b->event_acc += b->event_rate;
	while (b->event_acc >= 1.0 && b->issued_events < b->events) {
		b->event_acc -= 1.0;
		b->issued_events++;
		push(b, OP_EVENT, i, 0, (int)b->issued_events, false);
	}
	b->tmpl_acc += b->tmpl_rate;
	while (b->tmpl_acc >= 1.0 && b->issued_tmpl < b->tmpl_patches) {
		b->tmpl_acc -= 1.0;
		b->issued_tmpl++;
		push(b, OP_TMPL, i, step, 0, false);
	}
}

static void start_flow_jobs(struct bench *b, int i)
{
	if (b->shape == CHAIN3) {
		push(b, OP_JOB, i, 0, -1, false);
		return;
	}
	for (int k = 0; k < 10; k++)
		push(b, OP_JOB, i, 3, k, false);
}

static void op_done(struct jf_k8s_response *r, void *arg)
{
	struct done_arg *d = arg;
	struct bench *b = d->b;
	struct op *o = &d->op;
	struct flowst *f = &b->flows[o->flow];

	b->inflight--;
	switch (o->kind) {
	case OP_FLOW:
		if (r->err) {
			b->create_errors++;
			fprintf(stderr, "jfbench: create flow %d: %s\n",
				o->flow, r->msg.msg);
			flow_finished(b, o->flow, false);
			break;
		}
		b->created++;
		if (b->created == b->n)
			b->t_created = jf_now_ms();
		snprintf(f->uid, sizeof(f->uid), "%s",
			 jf_json_str(r->body, "metadata.uid", ""));
		if (b->bare)
			start_flow_jobs(b, o->flow);
		break;
	case OP_JOB:
		if (r->err && r->err != -JF_EEXIST) {
			b->job_errors++;
			fprintf(stderr, "jfbench: create job: %s\n",
				r->msg.msg);
			flow_finished(b, o->flow, false);
			break;
		}
		b->jobs_created++;
		after_job_created(b, o->flow, o->step);
		break;
	case OP_PATCH:
		f->patches_out--;
		if (r->err)
			b->patch_errors++;
		maybe_bare_done(b, o->flow);
		break;
	case OP_TMPL:
	case OP_EVENT:
		if (r->err)
			b->patch_errors++;
		break;
	}
	free(d);
	pump(b);
}

static void submit_op(struct bench *b, struct op *o)
{
	struct jf_k8s_req q = {0};
	struct done_arg *d = calloc(1, sizeof(*d));
	char name[64];
	char *body = NULL;
	int err;

	if (!d)
		exit(1);
	d->b = b;
	d->op = *o;
	q.ns = b->ns;
	q.max_retries = -1;
	switch (o->kind) {
	case OP_FLOW:
		q.verb = JF_K8S_CREATE;
		q.res = &jf_k8s_res_jobflows;
		body = flow_body(b, o->flow);
		if (!b->t_first)
			b->t_first = jf_now_ms();
		break;
	case OP_JOB:
		q.verb = JF_K8S_CREATE;
		q.res = &jf_k8s_res_jobs;
		body = job_body(b, o->flow, o->step, o->iter);
		break;
	case OP_PATCH:
		flow_name(b, o->flow, name, sizeof(name));
		q.verb = JF_K8S_PATCH;
		q.res = &jf_k8s_res_jobflows;
		q.name = name;
		q.subresource = "status";
		q.patch_type = JF_K8S_PATCH_MERGE;
		body = patch_body(b, o->flow, o->final);
		break;
	case OP_TMPL:
		q.verb = JF_K8S_PATCH;
		q.res = &jf_k8s_res_jobtemplates;
		q.name = tmpl_names[o->step];
		q.subresource = "status";
		q.patch_type = JF_K8S_PATCH_MERGE;
		body = tmpl_patch_body(b, o->step);
		break;
	case OP_EVENT:
		q.verb = JF_K8S_CREATE;
		q.res = &jf_k8s_res_events;
		body = event_body(b, o->flow, o->iter);
		break;
	}
	q.body = body;
	err = jf_k8s_submit(b->c, &q, op_done, d, NULL);
	free(body);
	if (err) {
		fprintf(stderr, "jfbench: submit: %s\n", jf_strerror(err));
		exit(1);
	}
	b->inflight++;
}

static void pump(struct bench *b)
{
	while (b->head && b->inflight < b->conc) {
		struct op *o = b->head;

		b->head = o->next;
		if (!b->head)
			b->tail = NULL;
		submit_op(b, o);
		free(o);
	}
}

/* --- watches -------------------------------------------------------------- */

static void start_watch(struct bench *b);

/* Controller mode: JobFlows reaching Succeed or Failed. */
static void on_flow_event(struct bench *b, const cJSON *obj)
{
	const char *ph = jf_json_str(obj, "status.state.phase", "");
	int i = flow_index(b, jf_json_str(obj, "metadata.name", ""));

	if (i < 0 || i >= b->n)
		return;
	if (!strcmp(ph, "Succeed"))
		flow_finished(b, i, true);
	else if (!strcmp(ph, "Failed"))
		flow_finished(b, i, false);
}

/* Bare mode: a Job Completed -> the next Job, and status patches. */
static void on_job_event(struct bench *b, const cJSON *obj)
{
	const char *ph = jf_json_str(obj, "status.state.phase", "");
	const cJSON *labels = jf_json_at(obj, "metadata.labels");
	const char *fl =
		jf_json_str(labels, "[\"volcano.sh/createdByJobFlow\"]", "");
	const char *dot = strchr(fl, '.');
	const char *step =
		jf_json_str(labels, "[\"flow.volcano.sh/step\"]", "");
	struct flowst *f;
	int i, bit;
	unsigned all = (1u << nsteps(b)) - 1;

	if (strcmp(ph, "Completed") || !dot)
		return;
	i = flow_index(b, dot + 1);
	if (i < 0 || i >= b->n)
		return;
	f = &b->flows[i];
	if (b->shape == CHAIN3)
		bit = step[0] - 'a';
	else
		bit = atoi(jf_json_str(
			labels, "[\"flow.volcano.sh/iteration\"]", "-1"));
	if (bit < 0 || bit >= nsteps(b) || (f->done_mask & (1u << bit)))
		return;
	f->done_mask |= 1u << bit;
	if (f->done_mask == all) {
		/* every remaining patch now; the last one says Succeed */
		while (f->patches_left > 0) {
			f->patches_left--;
			f->patches_out++;
			push(b, OP_PATCH, i, 0, 0, f->patches_left == 0);
		}
		maybe_bare_done(b, i);
	} else {
		if (b->shape == CHAIN3)
			push(b, OP_JOB, i, bit + 1, -1, false);
		if (f->patches_left > 1) {
			f->patches_left--;
			f->patches_out++;
			push(b, OP_PATCH, i, 0, 0, false);
		}
	}
	pump(b);
}

static int on_event(struct jf_k8s_event *ev, void *arg)
{
	struct bench *b = arg;

	if (ev->rv && *ev->rv)
		snprintf(b->rv, sizeof(b->rv), "%s", ev->rv);
	if (ev->type == JF_K8S_ERROR) {
		fprintf(stderr, "jfbench: watch error %d %s\n", ev->code,
			ev->message);
		return 0;
	}
	if (ev->type != JF_K8S_ADDED && ev->type != JF_K8S_MODIFIED)
		return 0;
	if (b->bare)
		on_job_event(b, ev->object);
	else
		on_flow_event(b, ev->object);
	return 0;
}

static void watch_done(struct jf_k8s_response *r, void *arg)
{
	struct bench *b = arg;

	if (b->stop)
		return;
	if (r->err)
		fprintf(stderr, "jfbench: watch ended: %s (re-watching)\n",
			r->msg.msg);
	start_watch(b);
}

static void start_watch(struct bench *b)
{
	struct jf_k8s_req q = {0};

	q.verb = JF_K8S_WATCH;
	q.res = b->bare ? &jf_k8s_res_jobs : &jf_k8s_res_jobflows;
	q.ns = b->ns;
	q.opts.resource_version = b->rv;
	q.opts.allow_bookmarks = true;
	q.opts.timeout_seconds = 3600;
	if (b->bare)
		q.opts.label_selector = "volcano.sh/createdByJobFlow";
	if (jf_k8s_watch(b->c, &q, on_event, watch_done, b, NULL)) {
		fprintf(stderr, "jfbench: cannot watch\n");
		exit(1);
	}
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct bench *b = arg;

	fprintf(stderr, "jfbench: timeout with %d/%d flows finished\n",
		b->finished, b->n);
	b->t_end = jf_now_ms();
	b->stop = true;
	event_base_loopbreak(b->base);
}

/* --- setup ---------------------------------------------------------------- */

static int create_raw(struct bench *b, const struct jf_k8s_resource *res,
		      const char *ns, const char *body)
{
	struct jf_k8s_req q = {0};
	struct jf_k8s_response r = {0};
	int err;

	q.verb = JF_K8S_CREATE;
	q.res = res;
	q.ns = ns;
	q.body = body;
	q.max_retries = -1;
	err = jf_k8s_do(b->c, &q, &r);
	if (err && err != -JF_EEXIST)
		fprintf(stderr, "jfbench: %s\n", r.msg.msg);
	jf_k8s_response_release(&r);
	return err == -JF_EEXIST ? 0 : err;
}

/* POSTs every CustomResourceDefinition document of a YAML file. */
static int apply_crds(struct bench *b, const char *path)
{
	struct jf_yaml_stream st;
	struct jf_errmsg e = {{0}};
	int err = jf_yaml_load_file(path, &st, &e);

	if (err) {
		fprintf(stderr, "jfbench: %s\n", e.msg);
		return err;
	}
	for (size_t i = 0; !err && i < st.ndocs; i++) {
		struct jf_k8s_req q = {0};
		struct jf_k8s_response r = {0};
		char *body = jf_json_print(st.docs[i].json);

		if (!body || strcmp(jf_json_str(st.docs[i].json, "kind", ""),
				    "CustomResourceDefinition")) {
			free(body);
			continue;
		}
		q.verb = JF_K8S_CREATE;
		q.path = "/apis/apiextensions.k8s.io/v1/"
			 "customresourcedefinitions";
		q.body = body;
		err = jf_k8s_do(b->c, &q, &r);
		if (err == -JF_EEXIST)
			err = 0;
		if (err)
			fprintf(stderr, "jfbench: %s: %s\n", path, r.msg.msg);
		jf_k8s_response_release(&r);
		free(body);
	}
	jf_yaml_stream_release(&st);
	return err;
}

static int do_setup(struct bench *b, char **crds, int ncrds)
{
	char body[2048];
	int err = 0;

	for (int i = 0; !err && i < ncrds; i++)
		err = apply_crds(b, crds[i]);
	if (ncrds && !err)
		usleep(300000); /* served once created; be safe */
	if (err)
		return err;

	snprintf(body, sizeof(body),
		 "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":"
		 "{\"name\":\"%s\"}}",
		 b->ns);
	if (!strcmp(b->ns, "-"))
		return 0;
	err = create_raw(b, &jf_k8s_res_namespaces, NULL, body);
	for (int t = 0; !err && t < 4; t++) {
		snprintf(
			body, sizeof(body),
			"{\"apiVersion\":\"flow.volcano.sh/v1alpha1\",\"kind\":"
			"\"JobTemplate\",\"metadata\":{\"name\":\"%s\","
			"\"namespace\":\"%s\"},\"spec\":%s}",
			tmpl_names[t], b->ns, template_spec);
		err = create_raw(b, &jf_k8s_res_jobtemplates, b->ns, body);
	}
	return err;
}

static int current_rv(struct bench *b)
{
	struct jf_k8s_opts o = {.limit = 1};
	struct jf_errmsg e = {{0}};
	cJSON *l = NULL;
	int err = jf_k8s_list(b->c,
			      b->bare ? &jf_k8s_res_jobs : &jf_k8s_res_jobflows,
			      b->ns, &o, &l, &e);

	if (err) {
		fprintf(stderr, "jfbench: list: %s\n", e.msg);
		return err;
	}
	snprintf(b->rv, sizeof(b->rv), "%s",
		 jf_json_str(l, "metadata.resourceVersion", ""));
	cJSON_Delete(l);
	return 0;
}

static void usage(void)
{
	fputs("usage: jfbench setup|run|bare --kubeconfig FILE --ns NS\n"
	      "       [--shape chain3|foreach10] [--n N] [--conc C]\n"
	      "       [--timeout SECONDS] [--status-patches P]\n"
	      "       [--template-patches T] [--events E]\n"
	      "       [--duration MIN_MS:MAX_MS] [--crd FILE]...\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"kubeconfig", required_argument, NULL, 'k'},
		{"ns", required_argument, NULL, 's'},
		{"shape", required_argument, NULL, 'h'},
		{"n", required_argument, NULL, 'n'},
		{"conc", required_argument, NULL, 'c'},
		{"timeout", required_argument, NULL, 't'},
		{"status-patches", required_argument, NULL, 'p'},
		{"template-patches", required_argument, NULL, 'T'},
		{"events", required_argument, NULL, 'e'},
		{"crd", required_argument, NULL, 'C'},
		{"duration", required_argument, NULL, 'd'},
		{NULL, 0, NULL, 0},
	};
	struct bench b = {.n = 1000, .conc = 16, .timeout_ms = 600000};
	struct jf_k8s_config kc;
	struct jf_errmsg e = {{0}};
	const char *kubeconfig = NULL, *mode;
	char *crds[16];
	int c, err, ncrds = 0;

	if (argc < 2)
		usage();
	mode = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'k':
			kubeconfig = optarg;
			break;
		case 's':
			b.ns = optarg;
			break;
		case 'h':
			if (!strcmp(optarg, "chain3"))
				b.shape = CHAIN3;
			else if (!strcmp(optarg, "foreach10"))
				b.shape = FOREACH10;
			else
				usage();
			break;
		case 'n':
			b.n = atoi(optarg);
			break;
		case 'c':
			b.conc = atoi(optarg);
			break;
		case 't':
			b.timeout_ms = atoll(optarg) * 1000;
			break;
		case 'p':
			b.status_patches = atoll(optarg);
			break;
		case 'T':
			b.tmpl_patches = atoll(optarg);
			break;
		case 'e':
			b.events = atoll(optarg);
			break;
		case 'd':
			if (sscanf(optarg, "%d:%d", &b.dur_min, &b.dur_max) !=
				    2 ||
			    b.dur_min < 0 || b.dur_max < b.dur_min)
				usage();
			break;
		case 'C':
			if (ncrds < 16)
				crds[ncrds++] = optarg;
			break;
		default:
			usage();
		}
	}
	if (!kubeconfig || !b.ns || b.n < 1 || b.conc < 1)
		usage();
	jf_log_init("jfbench", -1);
	jf_log_set_level_name("error");
	jf_k8s_config_init(&kc);
	err = jf_k8s_config_auto(kubeconfig, NULL, &kc, &e);
	if (err) {
		fprintf(stderr, "jfbench: %s\n", e.msg);
		return 1;
	}
	kc.timeout_ms = 60000;
	if (!strcmp(mode, "setup")) {
		err = jf_k8s_client_new(NULL, &kc, &b.c, &e);
		if (!err)
			err = do_setup(&b, crds, ncrds);
		jf_k8s_client_free(b.c);
		jf_k8s_config_release(&kc);
		return err ? 1 : 0;
	}
	if (strcmp(mode, "run") && strcmp(mode, "bare"))
		usage();
	b.bare = !strcmp(mode, "bare");
	/* a private base for the RV lookup, then the shared one */
	err = jf_k8s_client_new(NULL, &kc, &b.c, &e);
	if (!err)
		err = current_rv(&b);
	jf_k8s_client_free(b.c);
	b.c = NULL;
	b.base = event_base_new();
	if (!err)
		err = jf_k8s_client_new(b.base, &kc, &b.c, &e);
	jf_k8s_config_release(&kc);
	if (err) {
		fprintf(stderr, "jfbench: %s\n", e.msg);
		return 1;
	}
	b.flows = calloc((size_t)b.n, sizeof(*b.flows));
	for (int t = 0; t < 4; t++)
		jf_buf_init(&b.tmpl_list[t], 0);
	if (b.bare) {
		long long per = b.status_patches / b.n;
		long long extra = b.status_patches % b.n;
		double jobs = (double)b.n * nsteps(&b);

		for (int i = 0; i < b.n; i++) {
			b.flows[i].patches_left = (int)(per + (i < extra));
			if (b.flows[i].patches_left < 1)
				b.flows[i].patches_left = 1;
		}
		b.tmpl_rate = (double)b.tmpl_patches / jobs;
		b.event_rate = (double)b.events / jobs;
	}
	start_watch(&b);
	for (int i = 0; i < b.n; i++)
		push(&b, OP_FLOW, i, 0, 0, false);
	pump(&b);
	{
		struct timeval tv = {b.timeout_ms / 1000,
				     (b.timeout_ms % 1000) * 1000};

		b.deadline = evtimer_new(b.base, on_deadline, &b);
		evtimer_add(b.deadline, &tv);
	}
	event_base_dispatch(b.base);
	b.stop = true;
	{
		double secs = (double)(b.t_end - b.t_first) / 1000.0;
		int jobs = b.n * nsteps(&b);

		printf("{\"mode\":\"%s\",\"shape\":\"%s\",\"n\":%d,\"jobs\":%d,"
		       "\"t_first_apply_ms\":%lld,\"t_created_ms\":%lld,"
		       "\"t_end_ms\":%lld,\"elapsed_s\":%.3f,"
		       "\"create_s\":%.3f,\"flows_per_s\":%.1f,"
		       "\"jobs_per_s\":%.1f,\"finished\":%d,\"failed\":%d,"
		       "\"create_errors\":%d,\"job_errors\":%d,"
		       "\"patch_errors\":%d,\"jobs_created\":%d,"
		       "\"status_patches\":%lld,\"template_patches\":%lld,"
		       "\"events\":%lld}\n",
		       mode, b.shape == CHAIN3 ? "chain3" : "foreach10", b.n,
		       jobs, (long long)b.t_first, (long long)b.t_created,
		       (long long)b.t_end, secs,
		       (double)(b.t_created - b.t_first) / 1000.0,
		       secs > 0 ? b.n / secs : 0, secs > 0 ? jobs / secs : 0,
		       b.finished, b.failed, b.create_errors, b.job_errors,
		       b.patch_errors, b.jobs_created, b.status_patches,
		       b.issued_tmpl, b.issued_events);
	}
	jf_k8s_client_free(b.c);
	if (b.deadline)
		event_free(b.deadline);
	event_base_free(b.base);
	for (int t = 0; t < 4; t++)
		jf_buf_release(&b.tmpl_list[t]);
	while (b.head) {
		struct op *o = b.head;

		b.head = o->next;
		free(o);
	}
	free(b.flows);
	return b.finished == b.n && b.failed == 0 ? 0 : 1;
}
