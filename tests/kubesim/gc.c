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

/* Work for the next run: uids to look at, or a full scan. */
static struct {
	char (*uids)[40];
	size_t n, cap;
	bool full;
	struct ks_map owners; /* uids ever named in an ownerReference */
} gc;

struct owner_node {
	struct ks_hnode n;
	char uid[40];
};

static void gc_cb(evutil_socket_t fd, short what, void *arg)
{
	ks.gc_pending = false;
	ks_gc_run();
}

static void schedule(void)
{
	struct timeval tv = {0, GC_DELAY_MS * 1000};

	if (ks.gc_pending || !ks.base || ks.shutting_down)
		return;
	if (!ks.ev_gc)
		ks.ev_gc = evtimer_new(ks.base, gc_cb, NULL);
	ks.gc_pending = true;
	evtimer_add(ks.ev_gc, &tv);
}

static void push_uid(const char *uid)
{
	if (gc.full || !*uid)
		return;
	if (gc.n == gc.cap) {
		gc.cap = gc.cap ? gc.cap * 2 : 64;
		gc.uids = realloc(gc.uids, gc.cap * sizeof(*gc.uids));
		if (!gc.uids)
			abort();
	}
	snprintf(gc.uids[gc.n++], 40, "%s", uid);
}

void ks_gc_kick(void)
{
	gc.full = true;
	gc.n = 0;
	schedule();
}

void ks_gc_note(const struct ks_obj *o)
{
	const cJSON *ref;

	if (!o->has_owners && !o->deleting)
		return;
	cJSON_ArrayForEach (ref,
			    jf_json_at(o->json, "metadata.ownerReferences")) {
		const char *uid = jf_json_str(ref, "uid", "");
		struct owner_node *on;

		if (!*uid || ks_map_get(&gc.owners, uid))
			continue;
		on = calloc(1, sizeof(*on));
		snprintf(on->uid, sizeof(on->uid), "%s", uid);
		on->n.key = on->uid;
		on->n.val = on;
		ks_map_put(&gc.owners, &on->n);
	}
	push_uid(o->uid);
	schedule();
}

void ks_gc_removed(const struct ks_res *r, const cJSON *obj)
{
	const char *uid = jf_json_str(obj, "metadata.uid", "");
	const char *ns = jf_json_str(obj, "metadata.namespace", NULL);
	const cJSON *ref;
	bool any = false;

	if (ks_map_get(&gc.owners, uid)) {
		ks_gc_kick(); /* its dependents need a look */
		return;
	}
	/* owners waiting for their dependents (Foreground) */
	cJSON_ArrayForEach (ref, jf_json_at(obj, "metadata.ownerReferences")) {
		push_uid(jf_json_str(ref, "uid", ""));
		any = true;
	}
	/* a terminating namespace or CRD waiting for its content */
	if (ns) {
		struct ks_obj *n =
			ks_store_get(ks_res_find("", "namespaces"), NULL, ns);

		if (n && n->deleting) {
			push_uid(n->uid);
			any = true;
		}
	}
	if (r->crd_name) {
		struct ks_obj *c =
			ks_store_get(ks_res_find("apiextensions.k8s.io",
						 "customresourcedefinitions"),
				     NULL, r->crd_name);

		if (c && c->deleting) {
			push_uid(c->uid);
			any = true;
		}
	}
	if (any)
		schedule();
}

void ks_gc_free(void)
{
	for (size_t b = 0; b < gc.owners.nb; b++) {
		struct ks_hnode *h = gc.owners.b[b], *next;

		for (; h; h = next) {
			next = h->next;
			free(h->val);
		}
	}
	ks_map_release(&gc.owners);
	free(gc.uids);
	memset(&gc, 0, sizeof(gc));
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
					char **bigger = realloc(
						out, 2 * cap * sizeof(*out));

					if (!bigger)
						abort();
					out = bigger;
					cap *= 2;
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
	char **u;

	if (gc.full) {
		gc.full = false;
		gc.n = 0;
		u = collect(is_candidate, NULL, &n);
	} else {
		n = gc.n;
		u = malloc((n + 1) * sizeof(*u));
		for (size_t i = 0; i < n; i++)
			u[i] = strdup(gc.uids[i]);
		gc.n = 0;
	}
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
}
