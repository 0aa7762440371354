/* store.c - kubesim's object store: per-resource hash maps keyed by
 * namespace/name, a uid index, the global resourceVersion counter, the
 * serialise-once object versions and the per-resource watch history. */
#include "ks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"
#include "jf_time.h"

const char *const ks_evtype_name[] = {"ADDED", "MODIFIED", "DELETED"};

/* --- hash map ------------------------------------------------------------ */

static uint64_t hash_str(const char *s)
{
	return jf_fnv1a(JF_FNV_OFFSET, s, strlen(s));
}

void *ks_map_get(const struct ks_map *m, const char *key)
{
	uint64_t h;

	if (!m->nb)
		return NULL;
	h = hash_str(key);
	for (struct ks_hnode *n = m->b[h & (m->nb - 1)]; n; n = n->next) {
		if (n->hash == h && !strcmp(n->key, key))
			return n->val;
	}
	return NULL;
}

static int map_grow(struct ks_map *m)
{
	size_t nb = m->nb ? m->nb * 2 : 64;
	struct ks_hnode **b = calloc(nb, sizeof(*b));

	if (!b)
		return -1;
	for (size_t i = 0; i < m->nb; i++) {
		struct ks_hnode *n = m->b[i], *next;

		for (; n; n = next) {
			next = n->next;
			n->next = b[n->hash & (nb - 1)];
			b[n->hash & (nb - 1)] = n;
		}
	}
	free(m->b);
	m->b = b;
	m->nb = nb;
	return 0;
}

int ks_map_put(struct ks_map *m, struct ks_hnode *n)
{
	if (m->count + 1 > m->nb && map_grow(m))
		return -1;
	n->hash = hash_str(n->key);
	n->next = m->b[n->hash & (m->nb - 1)];
	m->b[n->hash & (m->nb - 1)] = n;
	m->count++;
	return 0;
}

void *ks_map_del(struct ks_map *m, const char *key)
{
	uint64_t h;
	struct ks_hnode **pp;

	if (!m->nb)
		return NULL;
	h = hash_str(key);
	for (pp = &m->b[h & (m->nb - 1)]; *pp; pp = &(*pp)->next) {
		struct ks_hnode *n = *pp;

		if (n->hash == h && !strcmp(n->key, key)) {
			*pp = n->next;
			m->count--;
			return n->val;
		}
	}
	return NULL;
}

void ks_map_release(struct ks_map *m)
{
	free(m->b);
	memset(m, 0, sizeof(*m));
}

/* --- versions ------------------------------------------------------------ */

struct ks_ver *ks_ver_new(const cJSON *obj, uint64_t rv)
{
	struct ks_ver *v = calloc(1, sizeof(*v));
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	const cJSON *labels = cJSON_GetObjectItemCaseSensitive(md, "labels");

	if (!v)
		abort();
	v->refs = 1;
	v->rv = rv;
	v->raw = jf_json_print(obj);
	if (!v->raw)
		abort();
	v->len = strlen(v->raw);
	if (cJSON_IsObject(labels) && labels->child)
		v->labels = cJSON_Duplicate(labels, 1);
	v->ns = strdup(jf_json_str(md, "namespace", ""));
	v->name = strdup(jf_json_str(md, "name", ""));
	return v;
}

struct ks_ver *ks_ver_ref(struct ks_ver *v)
{
	if (v)
		v->refs++;
	return v;
}

void ks_ver_unref(struct ks_ver *v)
{
	if (!v || --v->refs > 0)
		return;
	free(v->raw);
	cJSON_Delete(v->labels);
	free(v->ns);
	free(v->name);
	free(v);
}

/* --- history -------------------------------------------------------------- */

static void history_push(struct ks_res *r, const struct ks_event *ev)
{
	struct ks_event *slot;

	if (!r->ring_cap)
		return;
	if (!r->ring) {
		r->ring = calloc(r->ring_cap, sizeof(*r->ring));
		if (!r->ring)
			abort();
	}
	if (r->ring_len == r->ring_cap) {
		slot = &r->ring[r->ring_head];
		r->base_rv = slot->ver->rv;
		ks_ver_unref(slot->ver);
		ks_ver_unref(slot->prev);
		r->ring_head = (r->ring_head + 1) % r->ring_cap;
		r->ring_len--;
	}
	slot = &r->ring[(r->ring_head + r->ring_len) % r->ring_cap];
	slot->type = ev->type;
	slot->ver = ks_ver_ref(ev->ver);
	slot->prev = ks_ver_ref(ev->prev);
	r->ring_len++;
}

static void history_clear(struct ks_res *r)
{
	for (size_t i = 0; i < r->ring_len; i++) {
		struct ks_event *e = &r->ring[(r->ring_head + i) % r->ring_cap];

		ks_ver_unref(e->ver);
		ks_ver_unref(e->prev);
	}
	r->ring_head = r->ring_len = 0;
}

void ks_store_expire_history(void)
{
	for (struct ks_res *r = ks.res; r; r = r->next) {
		history_clear(r);
		r->base_rv = ks.rv;
	}
}

static void emit(struct ks_res *r, enum ks_evtype type, struct ks_ver *ver,
		 struct ks_ver *prev)
{
	struct ks_event ev = {type, ver, prev};

	history_push(r, &ev);
	ks_watch_fanout(r, &ev);
}

/* --- objects -------------------------------------------------------------- */

uint64_t ks_next_rv(void)
{
	return ++ks.rv;
}

static char *make_key(const char *ns, const char *name)
{
	char *k;

	if (!ns || !*ns)
		return strdup(name);
	if (asprintf(&k, "%s/%s", ns, name) < 0)
		abort();
	return k;
}

struct ks_obj *ks_store_get(struct ks_res *r, const char *ns, const char *name)
{
	char buf[512];

	if (!r->namespaced || !ns)
		return ks_map_get(&r->objs, name);
	snprintf(buf, sizeof(buf), "%s/%s", ns, name);
	return ks_map_get(&r->objs, buf);
}

struct ks_obj *ks_store_by_uid(const char *uid)
{
	return ks_map_get(&ks.uids, uid);
}

static void set_rv(cJSON *obj, uint64_t rv)
{
	char b[24];

	snprintf(b, sizeof(b), "%llu", (unsigned long long)rv);
	jf_json_set_str(jf_json_obj(obj, "metadata"), "resourceVersion", b);
}

static void refresh_flags(struct ks_obj *o)
{
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(o->json, "metadata");
	const cJSON *refs =
		cJSON_GetObjectItemCaseSensitive(md, "ownerReferences");

	o->has_owners = cJSON_GetArraySize(refs) > 0;
	o->deleting = jf_json_str(md, "deletionTimestamp", NULL) != NULL;
	ks_gc_note(o);
}

struct ks_obj *ks_store_insert(struct ks_res *r, cJSON *obj)
{
	struct ks_obj *o = calloc(1, sizeof(*o));
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	uint64_t rv = ks_next_rv();

	if (!o)
		abort();
	o->res = r;
	o->key = make_key(r->namespaced ? jf_json_str(md, "namespace", "") : "",
			  jf_json_str(md, "name", ""));
	snprintf(o->uid, sizeof(o->uid), "%s", jf_json_str(md, "uid", ""));
	set_rv(obj, rv);
	o->json = obj;
	o->ver = ks_ver_new(obj, rv);
	o->kn.key = o->key;
	o->kn.val = o;
	o->un.key = o->uid;
	o->un.val = o;
	if (ks_map_put(&r->objs, &o->kn) || ks_map_put(&ks.uids, &o->un))
		abort();
	r->sorted_dirty = true;
	refresh_flags(o);
	emit(r, KS_ADDED, o->ver, NULL);
	return o;
}

cJSON *ks_store_replace(struct ks_obj *o, cJSON *obj)
{
	uint64_t rv = ks_next_rv();
	struct ks_ver *prev = o->ver;
	cJSON *old = o->json;

	set_rv(obj, rv);
	o->json = obj;
	o->ver = ks_ver_new(obj, rv);
	refresh_flags(o);
	emit(o->res, KS_MODIFIED, o->ver, prev);
	ks_ver_unref(prev);
	return old;
}

void ks_store_remove(struct ks_obj *o)
{
	struct ks_res *r = o->res;
	uint64_t rv = ks_next_rv();
	struct ks_ver *prev = o->ver;

	ks_map_del(&r->objs, o->key);
	ks_map_del(&ks.uids, o->uid);
	r->sorted_dirty = true;
	set_rv(o->json, rv);
	o->ver = ks_ver_new(o->json, rv);
	emit(r, KS_DELETED, o->ver, prev);
	ks_ver_unref(prev);
	ks_hook_removed(r, o->json);
	ks_gc_removed(r, o->json);
	ks_ver_unref(o->ver);
	cJSON_Delete(o->applied);
	cJSON_Delete(o->json);
	free(o->key);
	free(o);
}

static int cmp_obj(const void *a, const void *b)
{
	const struct ks_obj *x = *(struct ks_obj *const *)a;
	const struct ks_obj *y = *(struct ks_obj *const *)b;

	return strcmp(x->key, y->key);
}

struct ks_obj **ks_store_sorted(struct ks_res *r, size_t *n)
{
	if (r->sorted_dirty || !r->sorted) {
		size_t i = 0;

		free(r->sorted);
		r->sorted = malloc((r->objs.count + 1) * sizeof(*r->sorted));
		if (!r->sorted)
			abort();
		for (size_t b = 0; b < r->objs.nb; b++) {
			for (struct ks_hnode *h = r->objs.b[b]; h; h = h->next)
				r->sorted[i++] = h->val;
		}
		qsort(r->sorted, i, sizeof(*r->sorted), cmp_obj);
		r->nsorted = i;
		r->sorted_dirty = false;
	}
	*n = r->nsorted;
	return r->sorted;
}

/* Frees every object of r without events (shutdown, CRD removal after its
 * objects are gone). */
void ks_store_free_res(struct ks_res *r)
{
	for (size_t b = 0; b < r->objs.nb; b++) {
		struct ks_hnode *h = r->objs.b[b], *next;

		for (; h; h = next) {
			struct ks_obj *o = h->val;

			next = h->next;
			ks_map_del(&ks.uids, o->uid);
			ks_ver_unref(o->ver);
			cJSON_Delete(o->applied);
			cJSON_Delete(o->json);
			free(o->key);
			free(o);
		}
	}
	ks_map_release(&r->objs);
	history_clear(r);
	free(r->ring);
	r->ring = NULL;
	free(r->sorted);
	r->sorted = NULL;
}
