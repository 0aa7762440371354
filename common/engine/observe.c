/* observe.c - indexes the Jobs of a reconcile: ownership (controller
 * ownerReference uid), phase and times from status.state, and the
 * (step, iteration, attempt) identity encoded in the Job name. */
#include "rt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"
#include "jf_time.h"

bool jf_eng_job_done(const char *phase)
{
	return phase && strcmp(phase, "Completed") == 0;
}

bool jf_eng_job_failed(const char *phase)
{
	return phase && (strcmp(phase, "Failed") == 0 ||
			 strcmp(phase, "Terminated") == 0 ||
			 strcmp(phase, "Aborted") == 0);
}

/* Canonical non-negative decimal ("0" or no leading zero), <= 9 digits.
 * Returns the value and sets *end, or -1. */
static int parse_num(const char *s, const char **end)
{
	int v = 0, n = 0;

	if (s[0] == '0') {
		*end = s + 1;
		return (s[1] >= '0' && s[1] <= '9') ? -1 : 0;
	}
	while (s[n] >= '0' && s[n] <= '9') {
		if (n == 9)
			return -1;
		v = v * 10 + (s[n++] - '0');
	}
	if (!n)
		return -1;
	*end = s + n;
	return v;
}

/* tail is "" | "-r<k>" (plain) or "-<i>" | "-<i>-r<k>" (forEach). */
static bool parse_tail(const struct jf_eng_step *s, const char *tail, int *iter,
		       int *attempt)
{
	const char *p = tail;

	*iter = -1;
	*attempt = 0;
	if (s->foreach) {
		if (p[0] != '-')
			return false;
		*iter = parse_num(p + 1, &p);
		if (*iter < 0 || *iter >= s->nitems)
			return false;
	}
	if (!*p)
		return true;
	if (p[0] != '-' || p[1] != 'r')
		return false;
	*attempt = parse_num(p + 2, &p);
	return *attempt >= 1 && !*p;
}

bool jf_eng_name_identity(const struct jf_eng_flow *f, const char *name,
			  int *step, int *iter, int *attempt)
{
	size_t fl = strlen(f->name), rl;
	const char *rest;
	char buf[256];

	if (!name || strncmp(name, f->name, fl) != 0 || name[fl] != '-')
		return false;
	rest = name + fl + 1;
	rl = strlen(rest);
	if (rl >= sizeof(buf))
		return false;
	for (size_t p = rl; p > 0; p--) {
		int idx;

		if (p != rl && rest[p] != '-')
			continue;
		memcpy(buf, rest, p);
		buf[p] = '\0';
		idx = jf_eng_map_get(&f->names, buf);
		if (idx < 0)
			continue;
		if (parse_tail(&f->steps[idx], rest + p, iter, attempt)) {
			*step = idx;
			return true;
		}
	}
	return false;
}

static bool controlled_by(const cJSON *job, const char *uid)
{
	const cJSON *refs = jf_json_at(job, "metadata.ownerReferences"), *r;

	if (!*uid)
		return false;
	cJSON_ArrayForEach (r, jf_eng_arr(refs)) {
		if (!jf_json_bool(r, "controller", false))
			continue;
		return strcmp(jf_json_str(r, "uid", ""), uid) == 0;
	}
	return false;
}

int jf_eng_jobs_index(struct jf_eng_rc *rc)
{
	const cJSON *list = rc->in->jobs, *j;
	int n = cJSON_IsArray(list) ? cJSON_GetArraySize(list) : 0;

	if (jf_eng_map_init(&rc->jobmap, (size_t)n))
		return -ENOMEM;
	rc->jobs = calloc((size_t)n + 1, sizeof(*rc->jobs));
	if (!rc->jobs)
		return -ENOMEM;
	cJSON_ArrayForEach (j, jf_eng_arr(list)) {
		struct jf_eng_job *x = &rc->jobs[rc->njobs];
		const cJSON *state = jf_json_at(j, "status.state");
		const char *dur = jf_json_str(j, "status.runningDuration", "");
		int64_t d;

		x->obj = j;
		x->name = jf_json_str(j, "metadata.name", "");
		if (!*x->name)
			continue;
		x->owned = controlled_by(j, rc->f->uid);
		x->phase = jf_json_str(state, "phase", "");
		x->reason = jf_json_str(state, "reason", "");
		x->message = jf_json_str(state, "message", "");
		x->created_ms = jf_eng_time_at(jf_json_at(j, "metadata"),
					       "creationTimestamp");
		x->transition_ms = jf_eng_time_at(state, "lastTransitionTime");
		x->finish_ms = x->transition_ms;
		if (x->finish_ms < 0 && x->created_ms >= 0 && *dur &&
		    jf_duration_parse(dur, &d, NULL) == 0)
			x->finish_ms = x->created_ms + d;
		if (!jf_eng_name_identity(rc->f, x->name, &x->step, &x->iter,
					  &x->attempt))
			x->step = -1;
		if (jf_eng_map_put(&rc->jobmap, x->name, rc->njobs) == -ENOMEM)
			return -ENOMEM;
		rc->njobs++;
	}
	return 0;
}

void jf_eng_jobs_release(struct jf_eng_rc *rc)
{
	free(rc->jobs);
	rc->jobs = NULL;
	rc->njobs = 0;
	jf_eng_map_release(&rc->jobmap);
}

const struct jf_eng_job *jf_eng_job_get(const struct jf_eng_rc *rc,
					const char *name)
{
	int i = jf_eng_map_get(&rc->jobmap, name);

	return i < 0 ? NULL : &rc->jobs[i];
}
