/* store.c - the informer's indexed cache of compact JSON objects. */
#include "k8s_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"
#include "k8s_codec.h"

struct k8s_set {
	struct k8s_entry **v;
	size_t n, cap;
};

#define LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"

void k8s_strip(cJSON *obj)
{
	cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	cJSON *ann;

	if (!cJSON_IsObject(md))
		return;
	cJSON_DeleteItemFromObjectCaseSensitive(md, "managedFields");
	ann = cJSON_GetObjectItemCaseSensitive(md, "annotations");
	if (cJSON_IsObject(ann)) {
		cJSON_DeleteItemFromObjectCaseSensitive(ann, LAST_APPLIED);
		if (!ann->child)
			cJSON_DeleteItemFromObjectCaseSensitive(md,
								"annotations");
	}
}

static int ns_index(const cJSON *obj, const char **vals, int max, void *arg)
{
	vals[0] = jf_json_str(obj, "metadata.namespace", "");
	return 1;
}

int k8s_store_init(struct k8s_store *s, bool pack)
{
	memset(s, 0, sizeof(*s));
	jf_hmap_init(&s->map);
	if (pack && !(s->codec = k8s_codec_new()))
		return -ENOMEM;
	return k8s_store_add_index(s, "namespace", ns_index, NULL);
}

static int free_set(const char *key, void *val, void *arg)
{
	struct k8s_set *set = val;

	free(set->v);
	free(set);
	return 0;
}

/* key, rv and uid live in the entry's own allocation. */
static void entry_free(struct k8s_entry *e)
{
	free(e->json);
	free(e->refs);
	free(e);
}

static int free_entry(const char *key, void *val, void *arg)
{
	entry_free(val);
	return 0;
}

void k8s_store_release(struct k8s_store *s)
{
	jf_hmap_foreach(&s->map, free_entry, NULL);
	jf_hmap_release(&s->map);
	for (int i = 0; i < s->nidx; i++) {
		jf_hmap_foreach(&s->idx[i].sets, free_set, NULL);
		jf_hmap_release(&s->idx[i].sets);
		free(s->idx[i].name);
	}
	k8s_codec_free(s->codec);
	memset(s, 0, sizeof(*s));
}

int k8s_store_add_index(struct k8s_store *s, const char *name,
			jf_informer_index_fn fn, void *arg)
{
	struct k8s_index *ix;

	for (int i = 0; i < s->nidx; i++)
		if (!strcmp(s->idx[i].name, name))
			return -EEXIST;
	if (s->nidx == K8S_STORE_MAX_INDEXES)
		return -ENOSPC;
	if (jf_hmap_len(&s->map))
		return -EBUSY;
	ix = &s->idx[s->nidx];
	ix->name = strdup(name);
	if (!ix->name)
		return -ENOMEM;
	ix->fn = fn;
	ix->arg = arg;
	jf_hmap_init(&ix->sets);
	s->nidx++;
	return 0;
}

int k8s_store_key(const cJSON *obj, char *buf, size_t cap)
{
	const char *ns = jf_json_str(obj, "metadata.namespace", "");
	const char *name = jf_json_str(obj, "metadata.name", "");
	int n;

	if (!*name)
		return -EINVAL;
	n = *ns ? snprintf(buf, cap, "%s/%s", ns, name)
		: snprintf(buf, cap, "%s", name);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

struct k8s_entry *k8s_store_get(const struct k8s_store *s, const char *key)
{
	return jf_hmap_get(&s->map, key);
}

static void set_remove(struct k8s_entry *e, struct k8s_ref *r)
{
	struct k8s_set *set = r->set;
	struct k8s_entry *last = set->v[--set->n];

	if (r->pos != set->n) {
		set->v[r->pos] = last;
		for (int i = 0; i < last->nrefs; i++)
			if (last->refs[i].set == set &&
			    last->refs[i].pos == set->n)
				last->refs[i].pos = r->pos;
	}
}

/* Removes e from every index (empty sets stay for reuse). */
static void unindex(struct k8s_entry *e)
{
	for (int i = 0; i < e->nrefs; i++)
		set_remove(e, &e->refs[i]);
	e->nrefs = 0;
}

static int set_add(struct k8s_index *ix, const char *value, struct k8s_entry *e,
		   struct k8s_ref *r)
{
	struct k8s_set *set = jf_hmap_get(&ix->sets, value);
	struct k8s_entry **v;
	size_t cap;

	if (!set) {
		set = calloc(1, sizeof(*set));
		if (!set || jf_hmap_put(&ix->sets, value, set, NULL)) {
			free(set);
			return -ENOMEM;
		}
	}
	if (set->n == set->cap) {
		cap = set->cap ? set->cap * 2 : 4;
		v = realloc(set->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		set->v = v;
		set->cap = cap;
	}
	r->set = set;
	r->pos = set->n;
	set->v[set->n++] = e;
	return 0;
}

static int index_entry(struct k8s_store *s, struct k8s_entry *e,
		       const cJSON *obj)
{
	const char *vals[JF_INFORMER_MAX_VALUES];
	struct k8s_ref refs[K8S_STORE_MAX_INDEXES * JF_INFORMER_MAX_VALUES];
	int nrefs = 0, n, err = 0;

	for (int i = 0; i < s->nidx && !err; i++) {
		n = s->idx[i].fn(obj, vals, JF_INFORMER_MAX_VALUES,
				 s->idx[i].arg);
		if (n > JF_INFORMER_MAX_VALUES)
			n = JF_INFORMER_MAX_VALUES;
		for (int j = 0; j < n && !err; j++) {
			bool dup = false;

			if (!vals[j])
				continue;
			for (int k = 0; k < j; k++)
				dup |= vals[k] && !strcmp(vals[k], vals[j]);
			if (dup)
				continue;
			err = set_add(&s->idx[i], vals[j], e, &refs[nrefs]);
			if (!err)
				nrefs++;
		}
	}
	if (!err && nrefs) {
		e->refs = malloc((size_t)nrefs * sizeof(*e->refs));
		if (!e->refs)
			err = -ENOMEM;
	}
	if (err) {
		e->refs = refs;
		e->nrefs = nrefs;
		unindex(e);
		e->refs = NULL;
		return err;
	}
	memcpy(e->refs, refs, (size_t)nrefs * sizeof(*e->refs));
	e->nrefs = nrefs;
	return 0;
}

static size_t held(const struct k8s_entry *e)
{
	return e->zlen ? e->zlen : e->json_len;
}

/* Replaces e's text by its packed form when that is smaller. */
static int pack(struct k8s_store *s, struct k8s_entry *e)
{
	char *z;
	int err;

	if (!s->codec)
		return 0;
	err = k8s_codec_pack(s->codec, e->json, e->json_len, &z, &e->zlen,
			     &e->dict);
	if (err || !z)
		return err;
	free(e->json);
	e->json = z;
	return 0;
}

const char *k8s_entry_text(const struct k8s_store *s, const struct k8s_entry *e,
			   size_t *len)
{
	const char *t = e->json;

	if (e->zlen)
		t = k8s_codec_unpack(s->codec, e->json, e->zlen, e->json_len,
				     e->dict);
	if (len)
		*len = t ? e->json_len : 0;
	return t;
}

cJSON *k8s_entry_parse(const struct k8s_store *s, const struct k8s_entry *e)
{
	size_t len;
	const char *t = k8s_entry_text(s, e, &len);

	return t ? cJSON_ParseWithLength(t, len) : NULL;
}

int k8s_store_put(struct k8s_store *s, const cJSON *obj, bool observed,
		  unsigned gen, struct k8s_entry **out)
{
	struct k8s_entry *e, *old = NULL;
	const char *rv, *uid;
	size_t klen, rvlen;
	char key[512];
	int err;

	if (out)
		*out = NULL;
	err = k8s_store_key(obj, key, sizeof(key));
	if (err)
		return err;
	rv = jf_json_str(obj, "metadata.resourceVersion", "");
	uid = jf_json_str(obj, "metadata.uid", "");
	klen = strlen(key) + 1;
	rvlen = strlen(rv) + 1;
	e = calloc(1, sizeof(*e) + klen + rvlen + strlen(uid) + 1);
	if (!e)
		return -ENOMEM;
	e->key = (char *)(e + 1);
	e->rv = e->key + klen;
	e->uid = e->rv + rvlen;
	memcpy(e->key, key, klen);
	memcpy(e->rv, rv, rvlen);
	strcpy(e->uid, uid);
	e->json = cJSON_PrintUnformatted(obj);
	if (!e->json) {
		entry_free(e);
		return -ENOMEM;
	}
	e->ns_len = strchr(key, '/') ? (size_t)(strchr(key, '/') - key) : 0;
	e->json_len = strlen(e->json);
	err = pack(s, e);
	if (err) {
		entry_free(e);
		return err;
	}
	e->gen = gen;
	e->observed = observed;
	/* Index the new entry before touching the old one, so a failure
	 * leaves the store as it was. */
	err = index_entry(s, e, obj);
	if (err) {
		entry_free(e);
		return err;
	}
	err = jf_hmap_put(&s->map, key, e, (void **)&old);
	if (err) {
		unindex(e);
		entry_free(e);
		return err;
	}
	if (old) {
		unindex(old);
		s->bytes -= old->json_len;
		s->held -= held(old);
		entry_free(old);
	}
	s->bytes += e->json_len;
	s->held += held(e);
	if (out)
		*out = e;
	return 0;
}

void k8s_store_del(struct k8s_store *s, const char *key)
{
	struct k8s_entry *e = jf_hmap_del(&s->map, key);

	if (!e)
		return;
	unindex(e);
	s->bytes -= e->json_len;
	s->held -= held(e);
	entry_free(e);
}

int k8s_store_lookup(const struct k8s_store *s, const char *index,
		     const char *value, struct k8s_entry *const **v, size_t *n)
{
	struct k8s_set *set;

	*v = NULL;
	*n = 0;
	for (int i = 0; i < s->nidx; i++) {
		if (strcmp(s->idx[i].name, index))
			continue;
		set = jf_hmap_get(&s->idx[i].sets, value);
		if (set) {
			*v = set->v;
			*n = set->n;
		}
		return 0;
	}
	return -JF_ENOTFOUND;
}
