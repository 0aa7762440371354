/* registry.c - kubesim's resource types: the built-ins the project uses
 * (stored generically, without schema) and the types served by posted
 * CustomResourceDefinitions. */
#include "ks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"

struct builtin {
	const char *group, *version, *plural, *singular, *kind;
	bool namespaced, status;
	const char *shorts; /* comma-separated */
	const char *cats;
};

static const struct builtin builtins[] = {
	{"", "v1", "namespaces", "namespace", "Namespace", false, true, "ns",
	 NULL},
	{"", "v1", "configmaps", "configmap", "ConfigMap", true, false, "cm",
	 NULL},
	{"", "v1", "secrets", "secret", "Secret", true, false, NULL, NULL},
	{"", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true,
	 false, "sa", NULL},
	{"", "v1", "services", "service", "Service", true, true, "svc", "all"},
	{"", "v1", "pods", "pod", "Pod", true, true, "po", "all"},
	{"", "v1", "events", "event", "Event", true, false, "ev", NULL},
	{"events.k8s.io", "v1", "events", "event", "Event", true, false, "ev",
	 NULL},
	{"coordination.k8s.io", "v1", "leases", "lease", "Lease", true, false,
	 NULL, NULL},
	{"apps", "v1", "deployments", "deployment", "Deployment", true, true,
	 "deploy", "all"},
	{"policy", "v1", "poddisruptionbudgets", "poddisruptionbudget",
	 "PodDisruptionBudget", true, true, "pdb", NULL},
	{"rbac.authorization.k8s.io", "v1", "clusterroles", "clusterrole",
	 "ClusterRole", false, false, NULL, NULL},
	{"rbac.authorization.k8s.io", "v1", "clusterrolebindings",
	 "clusterrolebinding", "ClusterRoleBinding", false, false, NULL, NULL},
	{"rbac.authorization.k8s.io", "v1", "roles", "role", "Role", true,
	 false, NULL, NULL},
	{"rbac.authorization.k8s.io", "v1", "rolebindings", "rolebinding",
	 "RoleBinding", true, false, NULL, NULL},
	{"apiextensions.k8s.io", "v1", "customresourcedefinitions",
	 "customresourcedefinition", "CustomResourceDefinition", false, true,
	 "crd,crds", NULL},
};

static cJSON *split_list(const char *s)
{
	cJSON *a;
	char buf[128], *save = NULL;

	if (!s)
		return NULL;
	a = cJSON_CreateArray();
	snprintf(buf, sizeof(buf), "%s", s);
	for (char *t = strtok_r(buf, ",", &save); t;
	     t = strtok_r(NULL, ",", &save))
		cJSON_AddItemToArray(a, cJSON_CreateString(t));
	return a;
}

static struct ks_res *res_new(const char *group, const char *plural)
{
	struct ks_res *r = calloc(1, sizeof(*r)), **pp;

	if (!r)
		abort();
	r->group = strdup(group);
	r->plural = strdup(plural);
	r->ring_cap = ks.o.watch_history;
	r->served = true;
	for (pp = &ks.res; *pp; pp = &(*pp)->next)
		;
	*pp = r;
	return r;
}

static void res_clear_meta(struct ks_res *r)
{
	free(r->singular);
	free(r->kind);
	free(r->list_kind);
	cJSON_Delete(r->short_names);
	cJSON_Delete(r->categories);
	for (int i = 0; i < r->nvers; i++) {
		free(r->vers[i].name);
		cJSON_Delete(r->vers[i].schema);
		cJSON_Delete(r->vers[i].columns);
	}
	free(r->vers);
	r->vers = NULL;
	r->nvers = 0;
	r->singular = r->kind = r->list_kind = NULL;
	r->short_names = r->categories = NULL;
}

void ks_registry_init(void)
{
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++) {
		const struct builtin *b = &builtins[i];
		struct ks_res *r = res_new(b->group, b->plural);
		char lk[96];

		r->builtin = true;
		r->singular = strdup(b->singular);
		r->kind = strdup(b->kind);
		snprintf(lk, sizeof(lk), "%sList", b->kind);
		r->list_kind = strdup(lk);
		r->namespaced = b->namespaced;
		r->has_status = b->status;
		r->short_names = split_list(b->shorts);
		r->categories = split_list(b->cats);
		r->vers = calloc(1, sizeof(*r->vers));
		r->vers[0].name = strdup(b->version);
		r->vers[0].served = r->vers[0].storage = true;
		r->nvers = 1;
	}
}

void ks_registry_free(void)
{
	struct ks_res *r, *next;

	for (r = ks.res; r; r = next) {
		next = r->next;
		ks_watch_close_res(r);
		ks_store_free_res(r);
		res_clear_meta(r);
		free(r->group);
		free(r->plural);
		free(r->crd_name);
		free(r);
	}
	ks.res = NULL;
}

void ks_registry_remove(struct ks_res *r)
{
	struct ks_res **pp;

	for (pp = &ks.res; *pp && *pp != r; pp = &(*pp)->next)
		;
	if (!*pp)
		return;
	*pp = r->next;
	ks_watch_close_res(r);
	ks_store_free_res(r);
	res_clear_meta(r);
	free(r->group);
	free(r->plural);
	free(r->crd_name);
	free(r);
}

struct ks_res *ks_res_find(const char *group, const char *plural)
{
	for (struct ks_res *r = ks.res; r; r = r->next) {
		if (!strcmp(r->group, group) && !strcmp(r->plural, plural))
			return r;
	}
	return NULL;
}

struct ks_res *ks_res_find_kind(const char *group, const char *kind)
{
	for (struct ks_res *r = ks.res; r; r = r->next) {
		if (!strcmp(r->group, group) && r->kind &&
		    !strcmp(r->kind, kind))
			return r;
	}
	return NULL;
}

const struct ks_version *ks_res_version(const struct ks_res *r, const char *v)
{
	for (int i = 0; i < r->nvers; i++) {
		if (r->vers[i].served && !strcmp(r->vers[i].name, v))
			return &r->vers[i];
	}
	return NULL;
}

const struct ks_version *ks_res_storage(const struct ks_res *r)
{
	for (int i = 0; i < r->nvers; i++) {
		if (r->vers[i].storage)
			return &r->vers[i];
	}
	return r->nvers ? &r->vers[0] : NULL;
}

const char *ks_res_qualified(const struct ks_res *r, char *buf, size_t cap)
{
	if (*r->group)
		snprintf(buf, cap, "%s.%s", r->plural, r->group);
	else
		snprintf(buf, cap, "%s", r->plural);
	return buf;
}

const char *ks_res_qualified_kind(const struct ks_res *r, char *buf, size_t cap)
{
	if (*r->group)
		snprintf(buf, cap, "%s.%s", r->kind, r->group);
	else
		snprintf(buf, cap, "%s", r->kind);
	return buf;
}

bool ks_is_status_res(const struct ks_res *r)
{
	return r->has_status;
}

static cJSON *dup_or_null(const cJSON *n)
{
	return n ? cJSON_Duplicate(n, 1) : NULL;
}

int ks_registry_apply_crd(const cJSON *crd, char *msg, size_t cap)
{
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(crd, "spec");
	const cJSON *names = cJSON_GetObjectItemCaseSensitive(spec, "names");
	const cJSON *vers = cJSON_GetObjectItemCaseSensitive(spec, "versions");
	const char *group = jf_json_str(spec, "group", NULL);
	const char *plural = jf_json_str(names, "plural", NULL);
	const char *kind = jf_json_str(names, "kind", NULL);
	const char *name = jf_json_str(crd, "metadata.name", "");
	struct ks_res *r;
	const cJSON *v;
	char lk[128];
	int i = 0;

	if (!group || !plural || !kind || cJSON_GetArraySize(vers) < 1) {
		snprintf(msg, cap,
			 "spec.group, spec.names.plural, "
			 "spec.names.kind and spec.versions are "
			 "required");
		return -1;
	}
	r = ks_res_find(group, plural);
	if (r && r->builtin) {
		snprintf(msg, cap, "%s.%s is a built-in resource", plural,
			 group);
		return -1;
	}
	if (!r)
		r = res_new(group, plural);
	else
		res_clear_meta(r);
	free(r->crd_name);
	r->crd_name = strdup(name);
	r->kind = strdup(kind);
	r->singular = strdup(jf_json_str(names, "singular", ""));
	if (!*r->singular) {
		free(r->singular);
		r->singular = strdup(kind);
		for (char *p = r->singular; *p; p++)
			*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	}
	snprintf(lk, sizeof(lk), "%sList", kind);
	r->list_kind = strdup(jf_json_str(names, "listKind", lk));
	r->short_names = dup_or_null(
		cJSON_GetObjectItemCaseSensitive(names, "shortNames"));
	r->categories = dup_or_null(
		cJSON_GetObjectItemCaseSensitive(names, "categories"));
	r->namespaced = strcmp(jf_json_str(spec, "scope", "Namespaced"),
			       "Cluster") != 0;
	r->has_status = false;
	r->nvers = cJSON_GetArraySize(vers);
	r->vers = calloc((size_t)r->nvers, sizeof(*r->vers));
	cJSON_ArrayForEach (v, vers) {
		struct ks_version *kv = &r->vers[i++];

		kv->name = strdup(jf_json_str(v, "name", ""));
		kv->served = jf_json_bool(v, "served", true);
		kv->storage = jf_json_bool(v, "storage", false);
		kv->schema =
			dup_or_null(jf_json_at(v, "schema.openAPIV3Schema"));
		kv->columns = dup_or_null(cJSON_GetObjectItemCaseSensitive(
			v, "additionalPrinterColumns"));
		if (jf_json_at(v, "subresources.status"))
			r->has_status = true;
	}
	r->served = true;
	return 0;
}

/* Field selectors kube-apiserver supports per resource (beyond
 * metadata.name and metadata.namespace, which every resource has). */
const char *const *ks_res_fields(const struct ks_res *r)
{
	static const char *const meta[] = {"metadata.name",
					   "metadata.namespace", NULL};
	static const char *const events[] = {"metadata.name",
					     "metadata.namespace",
					     "involvedObject.kind",
					     "involvedObject.namespace",
					     "involvedObject.name",
					     "involvedObject.uid",
					     "involvedObject.apiVersion",
					     "involvedObject.resourceVersion",
					     "involvedObject.fieldPath",
					     "reason",
					     "reportingComponent",
					     "source",
					     "type",
					     NULL};
	static const char *const pods[] = {"metadata.name",
					   "metadata.namespace",
					   "spec.nodeName",
					   "spec.restartPolicy",
					   "spec.schedulerName",
					   "spec.serviceAccountName",
					   "status.phase",
					   "status.podIP",
					   "status.nominatedNodeName",
					   NULL};
	static const char *const secrets[] = {
		"metadata.name", "metadata.namespace", "type", NULL};
	static const char *const namespaces[] = {
		"metadata.name", "metadata.namespace", "status.phase", NULL};

	if (!r->builtin)
		return meta;
	if (!strcmp(r->plural, "events"))
		return events;
	if (!strcmp(r->plural, "pods"))
		return pods;
	if (!strcmp(r->plural, "secrets"))
		return secrets;
	if (!strcmp(r->plural, "namespaces"))
		return namespaces;
	return meta;
}
