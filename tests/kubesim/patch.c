/* patch.c - kubesim's PATCH: JSON merge patch (RFC 7386), JSON patch
 * (RFC 6902), server-side apply (create or merge, as far as kubectl needs)
 * and, for built-in types only, strategic merge patch with the list merge
 * keys of the core types (custom resources get 415 like kube-apiserver). */
#include "ks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"
#include "jf_jsonpatch.h"
#include "jf_yaml.h"

static const char *const cr_types =
	"application/json-patch+json, application/merge-patch+json, "
	"application/apply-patch+yaml";

/* --- strategic merge patch (built-ins)
 * ------------------------------------------ */

static const char *merge_key(const char *field, const cJSON *sample)
{
	static const struct {
		const char *field, *key;
	} keys[] = {
		{"containers", "name"},
		{"initContainers", "name"},
		{"ephemeralContainers", "name"},
		{"env", "name"},
		{"volumes", "name"},
		{"imagePullSecrets", "name"},
		{"volumeMounts", "mountPath"},
		{"volumeDevices", "devicePath"},
		{"hostAliases", "ip"},
		{"conditions", "type"},
		{"ownerReferences", "uid"},
		{"topologySpreadConstraints", "topologyKey"},
		{"subjects", "name"},
	};

	if (!strcmp(field, "ports"))
		return cJSON_GetObjectItemCaseSensitive(sample, "containerPort")
			       ? "containerPort"
			       : "port";
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!strcmp(field, keys[i].field))
			return keys[i].key;
	}
	return NULL;
}

static cJSON *smp_apply(cJSON *target, const cJSON *patch);

static cJSON *find_by_key(cJSON *list, const char *key, const cJSON *val)
{
	cJSON *e;

	cJSON_ArrayForEach (e, list) {
		if (jf_json_equal(cJSON_GetObjectItemCaseSensitive(e, key),
				  val))
			return e;
	}
	return NULL;
}

static cJSON *smp_list(cJSON *target, const cJSON *patch, const char *field)
{
	const cJSON *first = cJSON_GetArrayItem(patch, 0);
	const char *key =
		cJSON_IsObject(first) ? merge_key(field, first) : NULL;
	const cJSON *p;

	if (!strcmp(field, "finalizers") && cJSON_IsArray(target)) {
		/* merge strategy on a primitive list: union */
		cJSON_ArrayForEach (p, patch) {
			bool have = false;
			const cJSON *t;

			cJSON_ArrayForEach (t, target) {
				if (jf_json_equal(t, p))
					have = true;
			}
			if (!have)
				cJSON_AddItemToArray(target,
						     cJSON_Duplicate(p, 1));
		}
		return target;
	}
	if (!key || !cJSON_IsArray(target)) {
		cJSON_Delete(target);
		return cJSON_Duplicate(patch, 1);
	}
	cJSON_ArrayForEach (p, patch) {
		const cJSON *kv = cJSON_GetObjectItemCaseSensitive(p, key);
		cJSON *t = kv ? find_by_key(target, key, kv) : NULL;
		const char *dir = jf_json_str(p, "$patch", NULL);

		if (dir && !strcmp(dir, "delete")) {
			if (t)
				cJSON_Delete(
					cJSON_DetachItemViaPointer(target, t));
			continue;
		}
		if (t) {
			cJSON *m = smp_apply(
				cJSON_DetachItemViaPointer(target, t), p);
			/* keep the position: re-insert at the end is fine for
			 * a merge-keyed list; order is not significant */
			cJSON_AddItemToArray(target, m);
		} else {
			cJSON_AddItemToArray(target, smp_apply(NULL, p));
		}
	}
	return target;
}

static cJSON *smp_apply(cJSON *target, const cJSON *patch)
{
	const cJSON *p;

	if (!cJSON_IsObject(patch)) {
		cJSON_Delete(target);
		return cJSON_Duplicate(patch, 1);
	}
	if (!cJSON_IsObject(target)) {
		cJSON_Delete(target);
		target = cJSON_CreateObject();
	}
	if (!strcmp(jf_json_str(patch, "$patch", ""), "replace")) {
		cJSON_Delete(target);
		target = cJSON_CreateObject();
	}
	cJSON_ArrayForEach (p, patch) {
		const char *k = p->string;
		cJSON *t;

		if (!strcmp(k, "$patch") || !strcmp(k, "$retainKeys") ||
		    !strncmp(k, "$setElementOrder/", 17))
			continue;
		if (!strncmp(k, "$deleteFromPrimitiveList/", 25)) {
			cJSON *list = cJSON_GetObjectItemCaseSensitive(target,
								       k + 25);
			const cJSON *d;

			cJSON_ArrayForEach (d, p) {
				cJSON *e, *next;

				for (e = list ? list->child : NULL; e;
				     e = next) {
					next = e->next;
					if (jf_json_equal(e, d))
						cJSON_Delete(
							cJSON_DetachItemViaPointer(
								list, e));
				}
			}
			continue;
		}
		if (cJSON_IsNull(p)) {
			cJSON_DeleteItemFromObjectCaseSensitive(target, k);
			continue;
		}
		t = cJSON_DetachItemFromObjectCaseSensitive(target, k);
		if (cJSON_IsArray(p))
			t = smp_list(t, p, k);
		else
			t = smp_apply(t, p);
		if (t)
			cJSON_AddItemToObject(target, k, t);
	}
	return target;
}

/* --- PATCH
 * -------------------------------------------------------------------------- */

static bool ctype_is(const char *ct, const char *want)
{
	size_t n = strlen(want);

	return ct && !strncasecmp(ct, want, n) &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static int parse_patch_body(struct ks_req *q, bool yaml_ok, cJSON **out)
{
	struct jf_errmsg e = {{0}};
	int err = jf_json_parse(q->body, q->body_len, KS_MAX_BODY, out, &e);

	if (err && yaml_ok) {
		struct jf_errmsg ye = {{0}};

		err = jf_yaml_load_one(q->body, q->body_len, "body", out, &ye);
		if (err)
			e = ye;
	}
	if (err) {
		ks_reply_status(q, 400, "BadRequest", NULL, NULL, NULL,
				"error decoding patch: %s", e.msg);
		return err;
	}
	return 0;
}

/* Server-side apply owns what a manager applied: a field it applied
 * before and not now is removed (other managers' fields are not tracked:
 * simplified). */
static void remove_unowned(cJSON *target, const cJSON *prev, const cJSON *cur,
			   int depth)
{
	const cJSON *p;

	cJSON_ArrayForEach (p, prev) {
		const cJSON *c =
			cJSON_GetObjectItemCaseSensitive(cur, p->string);
		cJSON *t = cJSON_GetObjectItemCaseSensitive(target, p->string);

		if (!t || (!depth && (!strcmp(p->string, "apiVersion") ||
				      !strcmp(p->string, "kind") ||
				      !strcmp(p->string, "status"))))
			continue;
		if (!c) {
			if (depth == 1 && (!strcmp(p->string, "name") ||
					   !strcmp(p->string, "namespace")))
				continue;
			cJSON_DeleteItemFromObjectCaseSensitive(target,
								p->string);
		} else if (cJSON_IsObject(p) && cJSON_IsObject(c) &&
			   cJSON_IsObject(t)) {
			remove_unowned(t, p, c, depth + 1);
		}
	}
}

static void record_applied(struct ks_req *q, const char *fm,
			   const cJSON *applied)
{
	struct ks_obj *o;

	if (q->code != 200 && q->code != 201)
		return;
	o = ks_store_get(q->res, q->ns, q->name);
	if (!o)
		return;
	if (!o->applied)
		o->applied = cJSON_CreateObject();
	jf_json_set(o->applied, fm, cJSON_Duplicate(applied, 1));
}

static void do_apply(struct ks_req *q, struct ks_obj *o)
{
	const char *fm = ks_query(q, "fieldManager");
	cJSON *body, *nw, *applied;
	const cJSON *prev;
	const char *bn;

	if (!fm || !*fm) {
		cJSON *causes = cJSON_CreateArray(), *c = cJSON_CreateObject();

		cJSON_AddStringToObject(c, "reason", "FieldValueRequired");
		cJSON_AddStringToObject(c, "message",
					"Required value: is required for apply "
					"patch");
		cJSON_AddStringToObject(c, "field", "fieldManager");
		cJSON_AddItemToArray(causes, c);
		ks_reply_status(q, 422, "Invalid", "", "PatchOptions", causes,
				"PatchOptions.meta.k8s.io \"\" is invalid: "
				"fieldManager: Required value: is required for "
				"apply patch");
		cJSON_Delete(causes);
		return;
	}
	if (parse_patch_body(q, true, &body))
		return;
	if (!cJSON_IsObject(body)) {
		cJSON_Delete(body);
		ks_reply_status(q, 400, "BadRequest", NULL, NULL, NULL,
				"error decoding patch: expected an object");
		return;
	}
	bn = jf_json_str(body, "metadata.name", NULL);
	if (bn && strcmp(bn, q->name)) {
		cJSON_Delete(body);
		ks_reply_status(q, 400, "BadRequest", NULL, NULL, NULL,
				"the name of the object (%s) does not match "
				"the name on the URL (%s)",
				bn, q->name);
		return;
	}
	if (!o) {
		jf_json_set_str(jf_json_obj(body, "metadata"), "name", q->name);
		if (q->sub) {
			cJSON_Delete(body);
			ks_reply_notfound(q, q->res, q->name);
			return;
		}
		applied = cJSON_Duplicate(body, 1);
		ks_rest_create_with(q, body);
		record_applied(q, fm, applied);
		cJSON_Delete(applied);
		return;
	}
	applied = cJSON_Duplicate(body, 1);
	nw = jf_json_merge_apply(cJSON_Duplicate(o->json, 1), body);
	cJSON_Delete(body);
	prev = cJSON_GetObjectItemCaseSensitive(o->applied, fm);
	if (prev)
		remove_unowned(nw, prev, applied, 0);
	ks_rest_update_with(q, o, nw, false);
	record_applied(q, fm, applied);
	cJSON_Delete(applied);
}

void ks_rest_patch(struct ks_req *q)
{
	const char *ct = q->ctype;
	struct ks_obj *o = q->res->namespaced && !q->ns
				   ? NULL
				   : ks_store_get(q->res, q->ns, q->name);
	cJSON *patch, *nw;
	struct jf_errmsg e = {{0}};
	int err;

	if (ctype_is(ct, "application/apply-patch+yaml")) {
		do_apply(q, o);
		return;
	}
	if (ctype_is(ct, "application/strategic-merge-patch+json") &&
	    !q->res->builtin) {
		ks_reply_status(q, 415, "UnsupportedMediaType", NULL, NULL,
				NULL,
				"the body of the request was in an unknown "
				"format - accepted media types include: %s",
				cr_types);
		return;
	}
	if (!ctype_is(ct, "application/merge-patch+json") &&
	    !ctype_is(ct, "application/json-patch+json") &&
	    !ctype_is(ct, "application/strategic-merge-patch+json")) {
		ks_reply_status(
			q, 415, "UnsupportedMediaType", NULL, NULL, NULL,
			"the body of the request was in an unknown "
			"format - accepted media types include: %s%s",
			cr_types,
			q->res->builtin ? ", application/strategic-merge-"
					  "patch+json"
					: "");
		return;
	}
	if (!o) {
		ks_reply_notfound(q, q->res, q->name);
		return;
	}
	if (parse_patch_body(q, false, &patch))
		return;
	nw = cJSON_Duplicate(o->json, 1);
	if (ctype_is(ct, "application/json-patch+json")) {
		if (!cJSON_IsArray(patch)) {
			cJSON_Delete(patch);
			cJSON_Delete(nw);
			ks_reply_status(q, 400, "BadRequest", NULL, NULL, NULL,
					"json: cannot unmarshal object into Go "
					"value of type jsonpatch.Patch");
			return;
		}
		err = jf_json_patch_apply(&nw, patch, &e);
		if (err) {
			cJSON_Delete(patch);
			cJSON_Delete(nw);
			if (err == -JF_EPARSE)
				ks_reply_status(q, 400, "BadRequest", NULL,
						NULL, NULL, "%s", e.msg);
			else
				ks_reply_status(q, 422, "Invalid", NULL, NULL,
						NULL, "%s", e.msg);
			return;
		}
	} else if (!cJSON_IsObject(patch)) {
		cJSON_Delete(patch);
		cJSON_Delete(nw);
		ks_reply_status(q, 400, "BadRequest", NULL, NULL, NULL,
				"error decoding patch: expected an object");
		return;
	} else if (ctype_is(ct, "application/strategic-merge-patch+json")) {
		nw = smp_apply(nw, patch);
	} else {
		nw = jf_json_merge_apply(nw, patch);
	}
	cJSON_Delete(patch);
	if (!cJSON_IsObject(nw)) {
		cJSON_Delete(nw);
		ks_reply_status(q, 422, "Invalid", NULL, NULL, NULL,
				"the patch does not produce an object");
		return;
	}
	ks_rest_update_with(q, o, nw, false);
}
