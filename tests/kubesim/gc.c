/* gc.c - kubesim's controllers for deletion: the garbage collector
 * (ownerReferences, Foreground/Orphan finalizers), the namespace
 * finalizer (deletes a terminating namespace's content) and the CRD
 * cleanup finalizer (deletes a CRD's objects, then the type). Runs on a
 * short timer after any change that may concern it, like
 * kube-controller-manager. */
#include "ks.h"

#include <stdlib.h>
#include <string.h>

#include "jf_json.h"
#include "jf_log.h"

#define GC_DELAY_MS   20
#define CRD_FINALIZER "customresourcecleanup.apiextensions.k8s.io"

static void gc_cb(evutil_socket_t fd, short what, void *arg)
{
	ks.gc_pending = false;
	ks_gc_run();
}

void ks_gc_kick(void)
{
	struct timeval tv = {0, GC_DELAY_MS * 1000};

	if (ks.gc_pending || !ks.base || ks.shutting_down)
		return;
	if (!ks.ev_gc)
		ks.ev_gc = evtimer_new(ks.base, gc_cb, NULL);
	ks.gc_pending = true;
	evtimer_add(ks.ev_gc, &tv);
}

static bool has_finalizer(const cJSON *obj, const char *f)
{
	const cJSON *e;

	cJSON_ArrayForEach (e, jf_json_at(obj, "metadata.finalizers")) {
		if (cJSON_IsString(e) && !strcmp(e->valuestring, f))
			return true;
	}
	return false;
}

static void remove_finalizer(struct ks_obj *o, const char *f)
{
	cJSON *nw = cJSON_Duplicate(o->json, 1);
	cJSON *fl = jf_json_at_mut(nw, "metadata.finalizers");
	cJSON *e, *next;

	for (e = fl ? fl->child : NULL; e; e = next) {
		next = e->next;
		if (cJSON_IsString(e) && !strcmp(e->valuestring, f))
			cJSON_Delete(cJSON_DetachItemViaPointer(fl, e));
	}
	ks_internal_update(o, nw);
}

static const char *obj_ns(const struct ks_obj *o)
{
	return o->ver->ns;
}

/* Is ref's owner present for dependent d? (A namespaced owner must be in
 * d's namespace.) */
static bool owner_present(const struct ks_obj *d, const cJSON *ref)
{
	const char *uid = jf_json_str(ref, "uid", "");
	struct ks_obj *o = ks_store_by_uid(uid);

	if (!o)
		return false;
	return !o->res->namespaced || !strcmp(obj_ns(o), obj_ns(d));
}

static bool refs_uid(const struct ks_obj *d, const char *uid, bool *block)
{
	const cJSON *ref;

	cJSON_ArrayForEach (ref,
			    jf_json_at(d->json, "metadata.ownerReferences")) {
		if (!strcmp(jf_json_str(ref, "uid", ""), uid)) {
			if (block)
				*block = jf_json_bool(ref, "blockOwnerDeletion",
						      false);
			return true;
		}
	}
	return false;
}

/* Collects the uids of every object matching pred. */
static char **collect(bool (*pred)(const struct ks_obj *, const void *),
		      const void *arg, size_t *n)
{
	size_t cap = 16, k = 0;
	char **out = malloc(cap * sizeof(*out));

	for (struct ks_res *r = ks.res; r; r = r->next) {
		for (size_t b = 0; b < r->objs.nb; b++) {
			for (struct ks_hnode *h = r->objs.b[b]; h;
			     h = h->next) {
				struct ks_obj *o = h->val;

				if (!pred(o, arg))
					continue;
				if (k == cap) {
					cap *= 2;
					out = realloc(out, cap * sizeof(*out));
				}
				out[k++] = strdup(o->uid);
			}
		}
	}
	*n = k;
	return out;
}

static void free_uids(char **u, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(u[i]);
	free(u);
}

static bool is_candidate(const struct ks_obj *o, const void *arg)
{
	return o->deleting || o->has_owners;
}

static bool is_dependent(const struct ks_obj *o, const void *uid)
{
	return o->has_owners && refs_uid(o, uid, NULL);
}

static bool in_namespace(const struct ks_obj *o, const void *ns)
{
	return o->res->namespaced && !strcmp(obj_ns(o), ns);
}

static bool of_res(const struct ks_obj *o, const void *r)
{
	return o->res == r;
}

/* Returns the number of objects still blocking. */
static size_t delete_all(char **uids, size_t n, const char *policy,
			 const char *owner_uid)
{
	size_t left = 0;

	for (size_t i = 0; i < n; i++) {
		struct ks_obj *d = ks_store_by_uid(uids[i]);
		bool block = true;

		if (!d)
			continue;
		if (!d->deleting)
			ks_internal_delete(d, policy);
		d = ks_store_by_uid(uids[i]);
		if (d && owner_uid) {
			block = false;
			refs_uid(d, owner_uid, &block);
		}
		if (d && block)
			left++;
	}
	return left;
}

static void orphan_dependents(const char *uid)
{
	size_t n;
	char **deps = collect(is_dependent, uid, &n);

	for (size_t i = 0; i < n; i++) {
		struct ks_obj *d = ks_store_by_uid(deps[i]);
		cJSON *nw, *refs, *e, *next;

		if (!d)
			continue;
		nw = cJSON_Duplicate(d->json, 1);
		refs = jf_json_at_mut(nw, "metadata.ownerReferences");
		for (e = refs ? refs->child : NULL; e; e = next) {
			next = e->next;
			if (!strcmp(jf_json_str(e, "uid", ""), uid))
				cJSON_Delete(
					cJSON_DetachItemViaPointer(refs, e));
		}
		if (!cJSON_GetArraySize(refs))
			cJSON_DeleteItemFromObjectCaseSensitive(
				jf_json_obj(nw, "metadata"), "ownerReferences");
		ks_internal_update(d, nw);
	}
	free_uids(deps, n);
}

static void process_deleting(struct ks_obj *o)
{
	char uid[40];
	size_t n, left;
	char **u;

	memcpy(uid, o->uid, sizeof(uid));
	if (has_finalizer(o->json, "orphan")) {
		orphan_dependents(uid);
		o = ks_store_by_uid(uid);
		if (o)
			remove_finalizer(o, "orphan");
		return;
	}
	if (has_finalizer(o->json, "foregroundDeletion")) {
		u = collect(is_dependent, uid, &n);
		left = delete_all(u, n, "Foreground", uid);
		free_uids(u, n);
		o = ks_store_by_uid(uid);
		if (o && !left)
			remove_finalizer(o, "foregroundDeletion");
		return;
	}
	if (o->res->builtin && !strcmp(o->res->plural, "namespaces")) {
		char *ns = strdup(o->ver->name);

		u = collect(in_namespace, ns, &n);
		left = delete_all(u, n, "Background", NULL);
		free_uids(u, n);
		free(ns);
		o = ks_store_by_uid(uid);
		if (o && !left &&
		    !cJSON_GetArraySize(
			    jf_json_at(o->json, "metadata.finalizers")))
			ks_finalize_remove(o);
		return;
	}
	if (o->res->builtin &&
	    !strcmp(o->res->plural, "customresourcedefinitions") &&
	    has_finalizer(o->json, CRD_FINALIZER)) {
		struct ks_res *r = NULL;

		for (struct ks_res *x = ks.res; x; x = x->next) {
			if (x->crd_name && !strcmp(x->crd_name, o->ver->name))
				r = x;
		}
		left = 0;
		if (r) {
			u = collect(of_res, r, &n);
			left = delete_all(u, n, "Background", NULL);
			free_uids(u, n);
		}
		o = ks_store_by_uid(uid);
		if (o && !left)
			remove_finalizer(o, CRD_FINALIZER);
		return;
	}
	if (!cJSON_GetArraySize(jf_json_at(o->json, "metadata.finalizers")))
		ks_finalize_remove(o);
}

static void process_owned(struct ks_obj *o)
{
	const cJSON *refs = jf_json_at(o->json, "metadata.ownerReferences");
	const cJSON *ref;
	int present = 0, total = 0;
	cJSON *nw, *nrefs, *e, *next;

	cJSON_ArrayForEach (ref, refs) {
		total++;
		if (owner_present(o, ref))
			present++;
	}
	if (present == total)
		return;
	if (!present) {
		ks_internal_delete(o, "Background");
		return;
	}
	nw = cJSON_Duplicate(o->json, 1);
	nrefs = jf_json_at_mut(nw, "metadata.ownerReferences");
	for (e = nrefs ? nrefs->child : NULL; e; e = next) {
		next = e->next;
		if (!owner_present(o, e))
			cJSON_Delete(cJSON_DetachItemViaPointer(nrefs, e));
	}
	ks_internal_update(o, nw);
}

void ks_gc_run(void)
{
	size_t n;
	char **u = collect(is_candidate, NULL, &n);
	uint64_t rv0 = ks.rv;

	for (size_t i = 0; i < n; i++) {
		struct ks_obj *o = ks_store_by_uid(u[i]);

		if (!o)
			continue;
		if (o->deleting)
			process_deleting(o);
		else if (o->has_owners)
			process_owned(o);
	}
	free_uids(u, n);
	if (ks.rv != rv0)
		ks_gc_kick();
}
