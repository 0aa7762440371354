/* build.c - builds the Job of one attempt: a copy of the JobTemplate's
 * spec, the step's patch.jobSpec then the switch case's (placeholders
 * rendered), then the step's maxRetry; Volcano's labels, annotations and
 * controller ownerReference plus the step/attempt/iteration labels. */
#include "rt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"
#include "jf_patch.h"

static int apply(struct jf_eng_rc *rc, cJSON **spec, const cJSON *patch,
		 const cJSON *env, const char *path, char **err)
{
	struct jf_errmsg e = {{0}};
	cJSON *out = NULL;
	int rv;

	if (!patch)
		return 0;
	rv = jf_patch_apply(*spec, patch, env, &out, &e);
	if (rv == -ENOMEM) {
		rc->f->oom = true;
		return rv;
	}
	if (rv) {
		*err = jf_eng_strf(rc->f, "%s: %s", path, jf_errmsg_or(&e, rv));
		return rv;
	}
	cJSON_Delete(*spec);
	*spec = out;
	return 0;
}

static cJSON *meta_maps(struct jf_eng_rc *rc, const char *tmpl_value,
			const char *flow_value)
{
	cJSON *m = cJSON_CreateObject();

	if (!m)
		return NULL;
	cJSON_AddStringToObject(m, JF_LABEL_CREATED_BY_TEMPLATE, tmpl_value);
	cJSON_AddStringToObject(m, JF_LABEL_CREATED_BY_FLOW, flow_value);
	if (cJSON_GetArraySize(m) != 2) {
		cJSON_Delete(m);
		return NULL;
	}
	return m;
}

cJSON *jf_eng_build_job(struct jf_eng_rc *rc, const struct jf_eng_step *s,
			int iter, int attempt, char **err)
{
	struct jf_eng_flow *f = rc->f;
	const struct jf_eng_rstep *r = &rc->rs[s->idx];
	const struct jf_eng_case *c =
		r->has_selected ? &s->cases[r->selected] : NULL;
	const char *tmpl = jf_eng_case_tmpl(s, c);
	const cJSON *tpl = jf_eng_template(f, tmpl), *base;
	cJSON *spec, *env = NULL, *job = NULL, *meta, *labels, *ann, *refs,
		     *ref;
	char path[128], name[512], num[16], *tv = NULL, *fv = NULL;

	*err = NULL;
	if (!tpl) {
		*err = jf_eng_strf(f, "JobTemplate '%s' not found", tmpl);
		return NULL;
	}
	base = cJSON_GetObjectItemCaseSensitive(tpl, "spec");
	spec = cJSON_IsObject(base) ? jf_json_dup(base) : cJSON_CreateObject();
	env = jf_eng_env(rc, s, iter, attempt, NULL);
	if (!spec || !env)
		goto oom;
	snprintf(path, sizeof(path), "spec.flows[%d].patch.jobSpec", s->idx);
	if (apply(rc, &spec, s->patch, env, path, err))
		goto fail;
	if (c) {
		snprintf(path, sizeof(path),
			 "spec.flows[%d].switch[%d].patch.jobSpec", s->idx,
			 r->selected);
		if (apply(rc, &spec, c->patch, env, path, err))
			goto fail;
	}
	if (s->has_max_retry && jf_json_set_int(spec, "maxRetry", s->max_retry))
		goto oom;
	cJSON_Delete(env);
	env = NULL;

	jf_engine_job_name(name, sizeof(name), f->name, s->name, iter, attempt);
	tv = jf_eng_strf(f, "%s.%s", f->ns, tmpl);
	fv = jf_eng_strf(f, "%s.%s", f->ns, f->name);
	job = cJSON_CreateObject();
	if (!tv || !fv || !job)
		goto oom;
	cJSON_AddStringToObject(job, "apiVersion", JF_JOB_API_VERSION);
	cJSON_AddStringToObject(job, "kind", "Job");
	meta = cJSON_AddObjectToObject(job, "metadata");
	if (!meta)
		goto oom;
	cJSON_AddStringToObject(meta, "name", name);
	cJSON_AddStringToObject(meta, "namespace", f->ns);
	labels = meta_maps(rc, tv, fv);
	ann = meta_maps(rc, tv, fv);
	if (!cJSON_AddItemToObject(meta, "labels", labels)) {
		cJSON_Delete(labels);
		cJSON_Delete(ann);
		goto oom;
	}
	if (!cJSON_AddItemToObject(meta, "annotations", ann)) {
		cJSON_Delete(ann);
		goto oom;
	}
	cJSON_AddStringToObject(labels, JF_LABEL_STEP, s->name);
	snprintf(num, sizeof(num), "%d", attempt);
	cJSON_AddStringToObject(labels, JF_LABEL_ATTEMPT, num);
	if (iter >= 0) {
		snprintf(num, sizeof(num), "%d", iter);
		cJSON_AddStringToObject(labels, JF_LABEL_ITERATION, num);
	}
	refs = cJSON_AddArrayToObject(meta, "ownerReferences");
	ref = cJSON_CreateObject();
	if (!refs || !ref || !cJSON_AddItemToArray(refs, ref)) {
		cJSON_Delete(ref);
		goto oom;
	}
	cJSON_AddStringToObject(ref, "apiVersion", JF_FLOW_API_VERSION);
	cJSON_AddStringToObject(ref, "kind", "JobFlow");
	cJSON_AddStringToObject(ref, "name", f->name);
	cJSON_AddStringToObject(ref, "uid", f->uid);
	cJSON_AddBoolToObject(ref, "controller", true);
	cJSON_AddBoolToObject(ref, "blockOwnerDeletion", true);
	if (cJSON_GetArraySize(ref) != 6 ||
	    cJSON_GetArraySize(labels) != 4 + (iter >= 0) ||
	    cJSON_GetArraySize(meta) != 5)
		goto oom;
	if (!cJSON_AddItemToObject(job, "spec", spec))
		goto oom;
	free(tv);
	free(fv);
	return job;
oom:
	f->oom = true;
fail:
	cJSON_Delete(spec);
	cJSON_Delete(env);
	cJSON_Delete(job);
	free(tv);
	free(fv);
	return NULL;
}
