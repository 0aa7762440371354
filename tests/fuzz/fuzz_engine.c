/* fuzz_engine.c - libFuzzer target for the flow engine: an arbitrary flow
 * (YAML or JSON) and, after a NUL byte, an optional arbitrary Job list;
 * without one, Jobs for the flow's steps are synthesised from the input's
 * hash (owned or foreign, every phase, with times). Runs validation and
 * three reconciles, feeding each plan's status and creates back, and
 * checks the plan's invariants: the merge patch reproduces the status, a
 * status is never written with a null, the phase is one of Volcano's. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_engine.h"
#include "jf_json.h"
#include "jf_time.h"
#include "jf_yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cJSON *templates;

static void add_template(const char *name, const char *spec)
{
	cJSON *t = cJSON_CreateObject(),
	      *m = cJSON_AddObjectToObject(t, "metadata");

	cJSON_AddStringToObject(m, "name", name);
	cJSON_AddStringToObject(m, "namespace", "default");
	cJSON_AddItemToObject(t, "spec", cJSON_Parse(spec));
	cJSON_AddItemToObject(templates, name, t);
}

static void init_templates(void)
{
	static const char spec[] =
		"{\"minAvailable\":1,\"queue\":\"default\",\"tasks\":[{\"name\":"
		"\"main\",\"replicas\":2,\"template\":{\"spec\":{\"containers\":"
		"[{\"name\":\"main\",\"image\":\"busybox\",\"env\":[{\"name\":"
		"\"A\",\"value\":\"1\"}]}]}}},{\"name\":\"ps\",\"replicas\":1,"
		"\"template\":{\"spec\":{\"containers\":[{\"name\":\"ps\","
		"\"image\":\"ps\"}]}}}]}";
	static const char *const names[] = {"a", "b",	"c",	 "d",	  "e",
					    "t", "big", "small", "shared"};

	templates = cJSON_CreateObject();
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		add_template(names[i], spec);
}

static uint64_t next(uint64_t *h)
{
	*h ^= *h << 13;
	*h ^= *h >> 7;
	*h ^= *h << 17;
	return *h;
}

static void add_job(cJSON *jobs, const char *name, uint64_t *h, int64_t now)
{
	static const char *const phases[] = {
		"",	      "Pending",   "Running",	  "Restarting",
		"Completing", "Completed", "Terminating", "Terminated",
		"Aborting",   "Aborted",   "Failed",	  "Bogus"};
	cJSON *j = cJSON_CreateObject(),
	      *m = cJSON_AddObjectToObject(j, "metadata");
	cJSON *refs = cJSON_AddArrayToObject(m, "ownerReferences");
	cJSON *r = cJSON_CreateObject(), *st, *state;
	char b[40];
	uint64_t v = next(h);

	cJSON_AddStringToObject(m, "name", name);
	cJSON_AddStringToObject(
		m, "creationTimestamp",
		jf_time_format(now - (int64_t)(v % 7200) * 1000, b, sizeof(b)));
	cJSON_AddStringToObject(r, "uid", v & 1 ? "uid-1" : "uid-x");
	cJSON_AddBoolToObject(r, "controller", (v & 6) != 0);
	cJSON_AddItemToArray(refs, r);
	st = cJSON_AddObjectToObject(j, "status");
	state = cJSON_AddObjectToObject(st, "state");
	cJSON_AddStringToObject(state, "phase", phases[(v >> 8) % 12]);
	if (v & 0x10000)
		cJSON_AddStringToObject(
			state, "lastTransitionTime",
			jf_time_format(now - (int64_t)(v % 600) * 1000, b,
				       sizeof(b)));
	if (v & 0x20000)
		cJSON_AddStringToObject(st, "runningDuration", "1m30s");
	if (v & 0x40000)
		cJSON_AddItemToObject(st, "taskStatusCount",
				      cJSON_Parse("{\"ps\":{\"phase\":{"
						  "\"Running\":1}}}"));
	cJSON_AddNumberToObject(st, "retryCount", (double)((v >> 20) % 4));
	cJSON_AddItemToArray(jobs, j);
}

static cJSON *synth_jobs(const cJSON *flow, uint64_t h, int64_t now)
{
	cJSON *jobs = cJSON_CreateArray();
	const cJSON *st;
	const char *fn = jf_json_str(flow, "metadata.name", "f");
	int n = 0;

	cJSON_ArrayForEach (st, jf_json_at(flow, "spec.flows")) {
		const char *name = jf_json_str(st, "name", "");
		char job[256];

		if (++n > 64 || !*name)
			break;
		for (int it = -1; it < 2; it++) {
			for (int k = 0; k < 3; k++) {
				if (next(&h) % 3 == 0)
					continue;
				jf_engine_job_name(job, sizeof(job), fn, name,
						   it, k);
				add_job(jobs, job, &h, now);
			}
		}
	}
	return jobs;
}

static int has_null(const cJSON *n)
{
	const cJSON *c;

	if (cJSON_IsNull(n))
		return 1;
	for (c = n ? n->child : NULL; c; c = c->next) {
		if (has_null(c))
			return 1;
	}
	return 0;
}

static void check_plan(const cJSON *prev, const struct jf_plan *p)
{
	cJSON *x;

	if ((p->status == NULL) != (p->status_patch == NULL))
		abort();
	if (strcmp(p->phase, "Pending") && strcmp(p->phase, "Running") &&
	    strcmp(p->phase, "Succeed") && strcmp(p->phase, "Failed"))
		abort();
	if (!p->status)
		return;
	x = jf_json_merge_apply(
		jf_json_dup(prev),
		cJSON_GetObjectItemCaseSensitive(p->status_patch, "status"));
	if (!jf_json_equal(x, p->status))
		abort();
	cJSON_Delete(x);
	if (has_null(p->status))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t fl = nul ? (size_t)(nul - data) : size;
	cJSON *flow = NULL, *jobs = NULL, *errs, *meta;
	struct jf_engine_opts opts = {.max_iterations = 50};
	int64_t now = 1787392862000LL;
	uint64_t h;

	if (!templates)
		init_templates();
	if (size > 1 << 16)
		return 0;
	if (jf_yaml_load_one((const char *)data, fl, "fuzz", &flow, NULL) ||
	    !cJSON_IsObject(flow)) {
		cJSON_Delete(flow);
		return 0;
	}
	errs = jf_engine_validate(flow, templates, &opts);
	cJSON_Delete(errs);
	errs = jf_engine_validate(flow, NULL, NULL);
	cJSON_Delete(errs);
	meta = cJSON_GetObjectItemCaseSensitive(flow, "metadata");
	if (cJSON_IsObject(meta) &&
	    !cJSON_GetObjectItemCaseSensitive(meta, "uid"))
		cJSON_AddStringToObject(meta, "uid", "uid-1");
	h = jf_fnv1a(JF_FNV_OFFSET, data, size) | 1;
	if (nul)
		jf_json_parse((const char *)nul + 1, size - fl - 1, 0, &jobs,
			      NULL);
	if (!jobs)
		jobs = synth_jobs(flow, h, now);
	for (int round = 0; round < 3; round++) {
		struct jf_engine_input in = {
			.flow = flow,
			.templates = templates,
			.jobs = jobs,
			.now_ms = now,
			.opts = &opts,
		};
		struct jf_plan p;
		const cJSON *c;

		if (jf_engine_reconcile(&in, &p, NULL))
			break;
		check_plan(cJSON_GetObjectItemCaseSensitive(flow, "status"),
			   &p);
		if (p.status)
			jf_json_set(flow, "status", jf_json_dup(p.status));
		if (!cJSON_IsArray(jobs))
			c = NULL;
		else
			c = p.creates ? p.creates->child : NULL;
		for (; c; c = c->next) {
			add_job(jobs, jf_json_str(c, "metadata.name", ""), &h,
				now);
		}
		now += (int64_t)(next(&h) % 120000);
		jf_plan_release(&p);
	}
	cJSON_Delete(jobs);
	cJSON_Delete(flow);
	return 0;
}
