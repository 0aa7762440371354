/* hooks.c - type-specific admission and controller hooks on the generic
 * write path: CustomResourceDefinitions (validation, registration,
 * status, cleanup finalizer), Namespaces (phase, finalizer) and the
 * Volcano simulator's Jobs and Commands. */
#include "ks.h"

#include <stdio.h>
#include <string.h>

#include "jf_json.h"
#include "ks_schema.h"

#define CRD_FINALIZER "customresourcecleanup.apiextensions.k8s.io"

static bool is(const struct ks_res *r, const char *group, const char *plural)
{
	return !strcmp(r->group, group) && !strcmp(r->plural, plural);
}

static cJSON *condition(const char *type, const char *reason, const char *msg,
			const char *ts)
{
	cJSON *c = cJSON_CreateObject();

	cJSON_AddStringToObject(c, "type", type);
	cJSON_AddStringToObject(c, "status", "True");
	cJSON_AddStringToObject(c, "lastTransitionTime", ts);
	cJSON_AddStringToObject(c, "reason", reason);
	cJSON_AddStringToObject(c, "message", msg);
	return c;
}

static int crd_create(cJSON *obj, char *msg, size_t cap)
{
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
	const cJSON *v;
	char want[320], ts[40];
	cJSON *st, *conds, *an;
	const char *storage = NULL;

	snprintf(want, sizeof(want), "%s.%s",
		 jf_json_str(spec, "names.plural", ""),
		 jf_json_str(spec, "group", ""));
	if (strcmp(want, jf_json_str(obj, "metadata.name", ""))) {
		snprintf(msg, cap,
			 "metadata.name: Invalid value: \"%s\": must be "
			 "spec.names.plural+\".\"+spec.group",
			 jf_json_str(obj, "metadata.name", ""));
		return -1;
	}
	cJSON_ArrayForEach (v, jf_json_at(spec, "versions")) {
		const cJSON *sch = jf_json_at(v, "schema.openAPIV3Schema");

		if (sch && ks_schema_check(sch, msg, cap))
			return -1;
		if (jf_json_bool(v, "storage", false))
			storage = jf_json_str(v, "name", NULL);
	}
	if (ks_registry_apply_crd(obj, msg, cap))
		return -1;
	ks_now_rfc3339(ts, sizeof(ts));
	{
		/* finalizer that deletes the CRD's objects first */
		cJSON *md = jf_json_obj(obj, "metadata");
		cJSON *fl = cJSON_GetObjectItemCaseSensitive(md, "finalizers");

		if (!cJSON_IsArray(fl)) {
			fl = cJSON_CreateArray();
			jf_json_set(md, "finalizers", fl);
		}
		cJSON_AddItemToArray(fl, cJSON_CreateString(CRD_FINALIZER));
	}
	st = cJSON_CreateObject();
	an = cJSON_Duplicate(jf_json_at(spec, "names"), 1);
	if (!jf_json_str(an, "singular", NULL)) {
		struct ks_res *r = ks_res_find(jf_json_str(spec, "group", ""),
					       jf_json_str(an, "plural", ""));

		if (r)
			jf_json_set_str(an, "singular", r->singular);
	}
	if (!jf_json_str(an, "listKind", NULL)) {
		char lk[160];

		snprintf(lk, sizeof(lk), "%sList", jf_json_str(an, "kind", ""));
		jf_json_set_str(an, "listKind", lk);
	}
	cJSON_AddItemToObject(st, "acceptedNames", an);
	conds = cJSON_AddArrayToObject(st, "conditions");
	cJSON_AddItemToArray(conds, condition("NamesAccepted", "NoConflicts",
					      "no conflicts found", ts));
	cJSON_AddItemToArray(
		conds, condition("Established", "InitialNamesAccepted",
				 "the initial names have been accepted", ts));
	v = cJSON_AddArrayToObject(st, "storedVersions");
	cJSON_AddItemToArray((cJSON *)v,
			     cJSON_CreateString(storage ? storage : ""));
	jf_json_set(obj, "status", st);
	return 0;
}

int ks_hook_create(struct ks_res *r, cJSON *obj, char *msg, size_t cap)
{
	if (r->builtin &&
	    is(r, "apiextensions.k8s.io", "customresourcedefinitions"))
		return crd_create(obj, msg, cap);
	if (r->builtin && is(r, "", "namespaces")) {
		cJSON *spec = jf_json_obj(obj, "spec");
		cJSON *f = cJSON_CreateArray();

		cJSON_AddItemToArray(f, cJSON_CreateString("kubernetes"));
		jf_json_set(spec, "finalizers", f);
		jf_json_set_str(jf_json_obj(obj, "status"), "phase", "Active");
		return 0;
	}
	if (ks.o.volcano_sim && is(r, "batch.volcano.sh", "jobs"))
		ks_sim_job_defaults(obj);
	return 0;
}

void ks_hook_created(struct ks_obj *o)
{
	if (!ks.o.volcano_sim)
		return;
	if (is(o->res, "batch.volcano.sh", "jobs"))
		ks_sim_job_created(o);
	else if (is(o->res, "bus.volcano.sh", "commands"))
		ks_sim_command_created(o);
}

void ks_hook_updated(struct ks_obj *o, const cJSON *old)
{
	(void)o;
	(void)old;
}

void ks_hook_removed(struct ks_res *r, const cJSON *obj)
{
	if (r->builtin &&
	    is(r, "apiextensions.k8s.io", "customresourcedefinitions")) {
		const char *name = jf_json_str(obj, "metadata.name", "");

		for (struct ks_res *x = ks.res; x; x = x->next) {
			if (x->crd_name && !strcmp(x->crd_name, name)) {
				ks_registry_remove(x);
				break;
			}
		}
		return;
	}
	if (is(r, "batch.volcano.sh", "jobs"))
		ks_sim_job_removed(obj);
}
