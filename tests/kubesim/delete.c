/* delete.c - kubesim's DELETE: DeleteOptions (body or query),
 * preconditions, propagationPolicy (Background, Foreground, Orphan),
 * finalizers with deletionTimestamp, two-phase namespace deletion, and
 * delete-collection. Dependents are handled by the collector (gc.c). */
#include "ks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"
#include "jf_time.h"
#include "ks_selector.h"

static bool has_finalizer(const cJSON *obj, const char *f)
{
	const cJSON *e;

	cJSON_ArrayForEach (e, jf_json_at(obj, "metadata.finalizers")) {
		if (cJSON_IsString(e) && !strcmp(e->valuestring, f))
			return true;
	}
	return false;
}

static void add_finalizer(cJSON *obj, const char *f)
{
	cJSON *md = jf_json_obj(obj, "metadata");
	cJSON *fl = cJSON_GetObjectItemCaseSensitive(md, "finalizers");

	if (has_finalizer(obj, f))
		return;
	if (!cJSON_IsArray(fl)) {
		fl = cJSON_CreateArray();
		jf_json_set(md, "finalizers", fl);
	}
	cJSON_AddItemToArray(fl, cJSON_CreateString(f));
}

void ks_finalize_remove(struct ks_obj *o)
{
	ks_store_remove(o);
}

/* Marks o as being deleted (deletionTimestamp) or removes it. Returns
 * true when o is gone. */
static bool delete_obj(struct ks_obj *o, const char *policy)
{
	cJSON *nw;
	char ts[40];
	bool is_ns = !strcmp(o->res->plural, "namespaces") && o->res->builtin;

	if (o->deleting)
		return false;
	nw = cJSON_Duplicate(o->json, 1);
	if (policy && !strcmp(policy, "Orphan"))
		add_finalizer(nw, "orphan");
	else if (policy && !strcmp(policy, "Foreground"))
		add_finalizer(nw, "foregroundDeletion");
	if (!is_ns &&
	    cJSON_GetArraySize(jf_json_at(nw, "metadata.finalizers")) == 0) {
		cJSON_Delete(nw);
		ks_store_remove(o);
		return true;
	}
	jf_json_set_str(jf_json_obj(nw, "metadata"), "deletionTimestamp",
			ks_now_rfc3339(ts, sizeof(ts)));
	jf_json_set_int(jf_json_obj(nw, "metadata"),
			"deletionGracePeriodSeconds", 0);
	if (is_ns)
		jf_json_set_str(jf_json_obj(nw, "status"), "phase",
				"Terminating");
	cJSON_Delete(ks_store_replace(o, nw));
	return false;
}

void ks_internal_delete(struct ks_obj *o, const char *policy)
{
	delete_obj(o, policy ? policy : "Background");
}

static cJSON *delete_options(struct ks_req *q, char *msg, size_t cap)
{
	cJSON *opts = NULL;
	const char *pp = ks_query(q, "propagationPolicy");

	if (q->body_len) {
		opts = cJSON_ParseWithLength(q->body, q->body_len);
		if (!cJSON_IsObject(opts)) {
			cJSON_Delete(opts);
			snprintf(msg, cap,
				 "the body of the request could not "
				 "be decoded as DeleteOptions");
			return NULL;
		}
	} else {
		opts = cJSON_CreateObject();
	}
	if (pp)
		jf_json_set_str(opts, "propagationPolicy", pp);
	if (ks_query(q, "orphanDependents") &&
	    !jf_json_str(opts, "propagationPolicy", NULL))
		jf_json_set_str(opts, "propagationPolicy",
				ks_query_true(q, "orphanDependents")
					? "Orphan"
					: "Background");
	if (cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(
		    opts, "orphanDependents")) &&
	    !jf_json_str(opts, "propagationPolicy", NULL))
		jf_json_set_str(opts, "propagationPolicy",
				jf_json_bool(opts, "orphanDependents", false)
					? "Orphan"
					: "Background");
	return opts;
}

static void delete_collection(struct ks_req *q, const cJSON *opts)
{
	struct ks_res *r = q->res;
	const char *ls = ks_query(q, "labelSelector");
	struct ks_selector *sel = NULL;
	struct ks_obj **all, **pick;
	size_t n, k = 0;
	char msg[256], av[160];
	cJSON *list, *items;

	if (ls && ks_selector_parse(ls, &sel, msg, sizeof(msg))) {
		ks_reply_status(q, 400, "BadRequest", NULL, NULL, NULL,
				"unable to parse requirement: %s", msg);
		return;
	}
	all = ks_store_sorted(r, &n);
	pick = malloc((n + 1) * sizeof(*pick));
	for (size_t i = 0; i < n; i++) {
		if (q->ns && strcmp(all[i]->ver->ns, q->ns))
			continue;
		if (sel && !ks_selector_match(sel, all[i]->ver->labels))
			continue;
		pick[k++] = all[i];
	}
	ks_selector_free(sel);
	list = cJSON_CreateObject();
	snprintf(av, sizeof(av), "%s%s%s", r->group, *r->group ? "/" : "",
		 q->version);
	cJSON_AddStringToObject(list, "apiVersion", av);
	cJSON_AddStringToObject(list, "kind", r->list_kind);
	items = cJSON_AddArrayToObject(list, "items");
	for (size_t i = 0; i < k; i++) {
		cJSON_AddItemToArray(items, cJSON_Duplicate(pick[i]->json, 1));
		delete_obj(pick[i], jf_json_str(opts, "propagationPolicy",
						"Background"));
	}
	free(pick);
	cJSON_AddItemToObject(list, "metadata", cJSON_CreateObject());
	ks_reply_json(q, 200, list);
	cJSON_Delete(list);
}

void ks_rest_delete(struct ks_req *q)
{
	struct ks_res *r = q->res;
	struct ks_obj *o;
	char msg[256], qn[256];
	cJSON *opts = delete_options(q, msg, sizeof(msg));
	const char *pu, *prv, *policy;
	cJSON *st, *d;

	if (!opts) {
		ks_reply_status(q, 400, "BadRequest", NULL, NULL, NULL, "%s",
				msg);
		return;
	}
	if (!q->name) {
		delete_collection(q, opts);
		cJSON_Delete(opts);
		return;
	}
	o = r->namespaced && !q->ns ? NULL : ks_store_get(r, q->ns, q->name);
	if (!o) {
		cJSON_Delete(opts);
		ks_reply_notfound(q, r, q->name);
		return;
	}
	pu = jf_json_str(opts, "preconditions.uid", NULL);
	prv = jf_json_str(opts, "preconditions.resourceVersion", NULL);
	if ((pu && strcmp(pu, o->uid)) ||
	    (prv && strcmp(prv, jf_json_str(o->json, "metadata.resourceVersion",
					    "")))) {
		ks_reply_status(
			q, 409, "Conflict", q->name, r->plural, NULL,
			"Operation cannot be fulfilled on %s \"%s\": "
			"Precondition failed: %s in precondition: %s, %s in "
			"object meta: %s",
			ks_res_qualified(r, qn, sizeof(qn)), q->name,
			pu && strcmp(pu, o->uid) ? "UID" : "ResourceVersion",
			pu && strcmp(pu, o->uid) ? pu : prv,
			pu && strcmp(pu, o->uid) ? "UID" : "ResourceVersion",
			pu && strcmp(pu, o->uid)
				? o->uid
				: jf_json_str(o->json,
					      "metadata.resourceVersion", ""));
		cJSON_Delete(opts);
		return;
	}
	policy = jf_json_str(opts, "propagationPolicy", "Background");
	if (strcmp(policy, "Background") && strcmp(policy, "Foreground") &&
	    strcmp(policy, "Orphan")) {
		cJSON *causes = cJSON_CreateArray(), *c = cJSON_CreateObject();

		cJSON_AddStringToObject(c, "reason", "FieldValueNotSupported");
		cJSON_AddStringToObject(c, "field", "propagationPolicy");
		cJSON_AddStringToObject(c, "message",
					"Unsupported value: \"x\": supported "
					"values: \"Foreground\", "
					"\"Background\", \"Orphan\"");
		cJSON_AddItemToArray(causes, c);
		ks_reply_invalid(q, r, q->name, causes);
		cJSON_Delete(causes);
		cJSON_Delete(opts);
		return;
	}
	st = cJSON_CreateObject();
	cJSON_AddStringToObject(st, "kind", "Status");
	cJSON_AddStringToObject(st, "apiVersion", "v1");
	cJSON_AddItemToObject(st, "metadata", cJSON_CreateObject());
	cJSON_AddStringToObject(st, "status", "Success");
	d = cJSON_AddObjectToObject(st, "details");
	cJSON_AddStringToObject(d, "name", q->name);
	if (*r->group)
		cJSON_AddStringToObject(d, "group", r->group);
	cJSON_AddStringToObject(d, "kind", r->plural);
	cJSON_AddStringToObject(d, "uid", o->uid);
	if (ks_query(q, "dryRun")) {
		ks_reply_obj(q, 200, o);
	} else if (delete_obj(o, policy)) {
		ks_reply_json(q, 200, st);
	} else {
		o = ks_store_get(r, q->ns, q->name);
		if (o)
			ks_reply_obj(q, 200, o);
		else
			ks_reply_json(q, 200, st);
	}
	cJSON_Delete(st);
	cJSON_Delete(opts);
}
