/* merge.c - the patch engine (jf_patch.h): merges patch.jobSpec into a copy
 * of a JobTemplate's spec following the rule tree of rules.c, renders
 * {{ }} placeholders of the patch, and checks patches statically.
 *
 * One walker does both jobs: jf_patch_apply() builds the merged spec,
 * jf_patch_check() runs the same walk with placeholders type-checked
 * instead of rendered and throws the result away. Inputs are only read.
 * Object members and keyed-list entries are found through hash indexes
 * once a container is large, so the work stays linear in the input.
 */
#include "jf_patch.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_expr.h"
#include "jf_hmap.h"
#include "jf_json.h"
#include "patch_int.h"

#define PATH_MAX_LEN   1024
#define MAX_DEPTH      (2 * JF_JSON_MAX_DEPTH)
#define INDEX_AT_SIZE  16  /* containers this big get a hash index */
#define SHOWN_PATH_MAX 200 /* path bytes kept in a message */

struct walk {
	const cJSON *env;   /* apply: render with it (NULL: copy strings) */
	const cJSON *types; /* check: type environment of placeholders */
	bool check;	    /* jf_patch_check(): check, do not render */
	bool complete;	    /* check that new entries are complete */
	struct jf_errmsg *e;
	size_t rendered; /* bytes produced by placeholders so far */
	int depth;
	char path[PATH_MAX_LEN];
	char shown[SHOWN_PATH_MAX + 4];
};

static int merge(struct walk *w, const cJSON *base, const cJSON *pv,
		 const struct jf_patch_rule *r, bool data, cJSON **out);

/* --- errors and paths ------------------------------------------------------
 */

/* The path as messages show it: a very long one loses its beginning
 * ("..." instead), so that the message itself still fits. */
static const char *shown_path(struct walk *w)
{
	size_t len = strlen(w->path);

	if (len <= SHOWN_PATH_MAX)
		return w->path;
	snprintf(w->shown, sizeof(w->shown), "...%s",
		 w->path + len - SHOWN_PATH_MAX);
	return w->shown;
}

static int werr(struct walk *w, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int werr(struct walk *w, int err, const char *fmt, ...)
{
	char msg[JF_ERRMSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (w->path[0])
		return jf_errf(w->e, err, "%s: %s", shown_path(w), msg);
	return jf_errf(w->e, err, "%s", msg);
}

static int wprefix(struct walk *w, int err)
{
	return w->path[0] ? jf_errprefix(w->e, err, "%s", shown_path(w)) : err;
}

static int nomem(struct walk *w)
{
	return werr(w, -ENOMEM, "out of memory");
}

static size_t push_key(struct walk *w, const char *key)
{
	size_t len = strlen(w->path);

	jf_json_path_key(w->path, sizeof(w->path), key);
	return len;
}

static size_t push_index(struct walk *w, int index)
{
	size_t len = strlen(w->path);

	jf_json_path_index(w->path, sizeof(w->path), index);
	return len;
}

static void pop(struct walk *w, size_t len)
{
	w->path[len] = '\0';
}

/* --- rendering -------------------------------------------------------------
 */

/* A rough size of what a placeholder produced, for the output cap. */
static size_t value_size(const cJSON *v)
{
	size_t n = 8;

	if (cJSON_IsString(v))
		n += strlen(v->valuestring);
	if (v->string)
		n += strlen(v->string);
	for (const cJSON *c = v->child; c; c = c->next)
		n += value_size(c);
	return n;
}

static int account(struct walk *w, const cJSON *v)
{
	w->rendered += value_size(v);
	if (w->rendered > JF_PATCH_MAX_RENDERED)
		return werr(w, -JF_ETOOBIG,
			    "placeholders produce more than %u bytes",
			    JF_PATCH_MAX_RENDERED);
	return 0;
}

static int check_tmpl(struct walk *w, const char *s)
{
	int err;

	if (!strstr(s, "{{"))
		return 0;
	err = jf_tmpl_check(s, w->types, w->e);
	return err ? wprefix(w, err) : 0;
}

/* A string where the rules want text: placeholders render as text. */
static int render_text(struct walk *w, const char *s, cJSON **out)
{
	char *txt = NULL;
	int err;

	*out = NULL;
	if (w->check) {
		err = check_tmpl(w, s);
		if (err)
			return err;
	} else if (w->env && strstr(s, "{{")) {
		err = jf_tmpl_render(s, w->env, &txt, w->e);
		if (err)
			return wprefix(w, err);
		*out = cJSON_CreateString(txt);
		free(txt);
		if (!*out)
			return nomem(w);
		return account(w, *out);
	}
	*out = cJSON_CreateString(s);
	return *out ? 0 : nomem(w);
}

/* A string anywhere else: a lone placeholder keeps its value's type. */
static int render_typed(struct walk *w, const char *s, cJSON **out)
{
	int err;

	err = jf_tmpl_render_value(s, w->env, out, w->e);
	if (err)
		return wprefix(w, err);
	return account(w, *out);
}

/* --- object member indexes --------------------------------------------------
 */

/* Finds members of one object by key: linear when small, hashed when
 * large; the first member with a key wins. */
struct objidx {
	const cJSON *obj;
	bool hashed;
	struct jf_hmap map;
};

static int objidx_init(struct objidx *x, const cJSON *obj)
{
	const cJSON *c;
	int n = 0;

	x->obj = obj;
	x->hashed = false;
	jf_hmap_init(&x->map);
	if (!obj)
		return 0;
	for (c = obj->child; c && n <= INDEX_AT_SIZE; c = c->next)
		n++;
	if (n <= INDEX_AT_SIZE)
		return 0;
	x->hashed = true;
	cJSON_ArrayForEach (c, obj) {
		if (c->string && !jf_hmap_get(&x->map, c->string) &&
		    jf_hmap_put(&x->map, c->string, (void *)c, NULL))
			return -ENOMEM;
	}
	return 0;
}

static const cJSON *objidx_get(const struct objidx *x, const char *key)
{
	if (!x->obj)
		return NULL;
	if (x->hashed)
		return jf_hmap_get(&x->map, key);
	for (const cJSON *c = x->obj->child; c; c = c->next) {
		if (c->string && strcmp(c->string, key) == 0)
			return c;
	}
	return NULL;
}

static void objidx_release(struct objidx *x)
{
	jf_hmap_release(&x->map);
}

/* --- objects -----------------------------------------------------------------
 */

static const struct jf_patch_rule *member_rule(const struct jf_patch_rule *r,
					       const char *name)
{
	if (r->kind == JF_PATCH_STRMAP)
		return &jf_patch_rule_str;
	return jf_patch_member_rule(r, name);
}

static int add_member(struct walk *w, cJSON *obj, const char *key, cJSON *v)
{
	if (cJSON_IsNull(v)) { /* a (rendered) null removes the member */
		cJSON_Delete(v);
		return 0;
	}
	if (!cJSON_AddItemToObject(obj, key, v)) {
		cJSON_Delete(v);
		return nomem(w);
	}
	return 0;
}

/* Merges object pv into object base (either may be absent from the base:
 * NULL). Members keep the base's order; new ones follow in patch order.
 * entry: pv is an entry of a keyed list, where "$patch" is a directive. */
static int merge_object(struct walk *w, const cJSON *base, const cJSON *pv,
			const struct jf_patch_rule *r, bool data, bool entry,
			cJSON **out)
{
	struct objidx bi, pi;
	const cJSON *c, *pm;
	cJSON *res, *nv;
	size_t len;
	int err;

	*out = NULL;
	if (base && !cJSON_IsObject(base))
		base = NULL;
	res = cJSON_CreateObject();
	if (!res)
		return nomem(w);
	err = objidx_init(&bi, base);
	if (!err)
		err = objidx_init(&pi, pv);
	if (err) {
		objidx_release(&bi);
		cJSON_Delete(res);
		return nomem(w);
	}
	/* the base's members, merged where the patch names them */
	for (c = base ? base->child : NULL; !err && c; c = c->next) {
		pm = c->string && objidx_get(&bi, c->string) == c
			     ? objidx_get(&pi, c->string)
			     : NULL;
		if (!pm) {
			nv = cJSON_Duplicate(c, 1);
			if (!nv)
				err = nomem(w);
			else if (!cJSON_AddItemToArray(res, nv))
				err = nomem(w); /* keeps nv->string */
			continue;
		}
		if (cJSON_IsNull(pm))
			continue;
		len = push_key(w, c->string);
		err = merge(w, c, pm, member_rule(r, c->string), data, &nv);
		if (!err)
			err = add_member(w, res, c->string, nv);
		pop(w, len);
	}
	/* members only the patch has */
	for (c = pv->child; !err && c; c = c->next) {
		if (!c->string || objidx_get(&pi, c->string) != c ||
		    objidx_get(&bi, c->string) || cJSON_IsNull(c))
			continue;
		if (!data && strcmp(c->string, "$patch") == 0) {
			if (!entry)
				err = werr(
					w, -JF_ESPEC,
					"'$patch' is only supported in entries of keyed lists");
			continue;
		}
		len = push_key(w, c->string);
		err = merge(w, NULL, c, member_rule(r, c->string), data, &nv);
		if (!err)
			err = add_member(w, res, c->string, nv);
		pop(w, len);
	}
	objidx_release(&bi);
	objidx_release(&pi);
	if (err) {
		cJSON_Delete(res);
		return err;
	}
	*out = res;
	return 0;
}

/* --- lists -------------------------------------------------------------------
 */

/* A list that replaces: every element materialised with rule elem. */
static int copy_list(struct walk *w, const cJSON *pv,
		     const struct jf_patch_rule *elem, bool data, cJSON **out)
{
	cJSON *res = cJSON_CreateArray(), *nv;
	const cJSON *c;
	int i = 0, err = 0;

	if (!res)
		return nomem(w);
	for (c = pv->child; !err && c; c = c->next, i++) {
		size_t len = push_index(w, i);

		if (cJSON_IsNull(c)) /* list elements are values, not keys */
			nv = cJSON_CreateNull();
		else
			err = merge(w, NULL, c, elem, data, &nv);
		if (!err && !cJSON_AddItemToArray(res, nv)) {
			cJSON_Delete(nv);
			err = nomem(w);
		}
		pop(w, len);
	}
	if (err) {
		cJSON_Delete(res);
		return err;
	}
	*out = res;
	return 0;
}

struct kitem {
	const cJSON *src; /* the base's entry, or NULL */
	cJSON *own;	  /* the merged or new entry, when there is one */
	int tidx;	  /* index in the base list, -1 for appended */
	bool dead;
};

struct klist {
	struct kitem *items;
	size_t n, cap;
	struct jf_hmap idx; /* key text -> item index + 1 */
};

static void klist_release(struct klist *l)
{
	for (size_t i = 0; i < l->n; i++)
		cJSON_Delete(l->items[i].own);
	free(l->items);
	jf_hmap_release(&l->idx);
}

static int klist_push(struct klist *l, const cJSON *src, cJSON *own, int tidx)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? 2 * l->cap : 8;
		struct kitem *ni = realloc(l->items, ncap * sizeof(*ni));

		if (!ni)
			return -ENOMEM;
		l->items = ni;
		l->cap = ncap;
	}
	l->items[l->n++] = (struct kitem){src, own, tidx, false};
	return 0;
}

static const cJSON *kitem_cur(const struct kitem *it)
{
	return it->own ? it->own : it->src;
}

/* The text an entry's key is matched by: strings as they are, integers in
 * decimal, an absent key as "" when the list allows it. NULL: no usable
 * key. */
static const char *key_text(const struct jf_patch_rule *r, const cJSON *entry,
			    char *buf, size_t cap)
{
	const cJSON *k =
		cJSON_IsObject(entry)
			? cJSON_GetObjectItemCaseSensitive(entry, r->key)
			: NULL;

	if (!k || cJSON_IsNull(k))
		return r->key_optional && cJSON_IsObject(entry) ? "" : NULL;
	if (r->key_int) {
		if (!jf_json_is_int(k))
			return NULL;
		snprintf(buf, cap, "%lld", (long long)k->valuedouble);
		return buf;
	}
	return cJSON_IsString(k) ? k->valuestring : NULL;
}

static int check_new(struct walk *w, const struct jf_patch_rule *r,
		     const cJSON *nv)
{
	const char *name = jf_json_str(nv, "name", NULL);
	const cJSON *cs;
	char label[160];

	if (name && *name)
		snprintf(label, sizeof(label), "new %s '%s'", r->what, name);
	else
		snprintf(label, sizeof(label), "new %s", r->what);
	for (const char *const *f = r->needs; f && *f; f++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(nv, *f);

		if (!v || cJSON_IsNull(v) ||
		    (cJSON_IsString(v) && !v->valuestring[0]))
			return werr(w, -JF_ESPEC, "%s has no '%s'", label, *f);
	}
	if (r->needs_containers) {
		cs = jf_json_at(nv, "template.spec.containers");
		if (!cJSON_IsArray(cs) || !cs->child)
			return werr(
				w, -JF_ESPEC,
				"%s has no 'template.spec.containers' (no %s of the template is named '%s')",
				label, r->what, name ? name : "");
	}
	return 0;
}

/* Where entry pe (index i of the patch list) goes: *match is an item
 * index or -1 for a new entry; *keyed tells whether it could be decided
 * (false: a placeholder key in jf_patch_check()). */
static int find_entry(struct walk *w, const struct jf_patch_rule *r,
		      struct klist *l, size_t nbase, const cJSON *pe, int i,
		      long *match, bool *keyed, char **keyout)
{
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(pe, r->key);
	char buf[32];
	const char *kt;
	cJSON *rk = NULL;
	size_t len;
	int err = 0;

	*match = -1;
	*keyed = true;
	*keyout = NULL;
	if ((!k || cJSON_IsNull(k)) && r->positional) {
		if (w->check && !w->complete) {
			*keyed = false; /* no base to count entries of */
			return 0;
		}
		if ((size_t)i < nbase && !l->items[i].dead) {
			*match = i;
			return 0;
		}
		return werr(
			w, -JF_ESPEC,
			"new %s has no '%s' (the template has no %s at index %d)",
			r->what, r->key, r->what, i);
	}
	if ((!k || cJSON_IsNull(k)) && !r->key_optional)
		return werr(w, -JF_ESPEC, "%s has no '%s' to match it by",
			    r->what, r->key);
	len = push_key(w, r->key);
	if (k && cJSON_IsString(k) && strstr(k->valuestring, "{{")) {
		if (w->check) {
			*keyed = false;
			goto out;
		}
		if (w->env) {
			err = r->key_int ? render_typed(w, k->valuestring, &rk)
					 : render_text(w, k->valuestring, &rk);
			if (err)
				goto out;
			k = rk;
		}
	}
	if (k && !cJSON_IsNull(k) && r->key_int && !jf_json_is_int(k)) {
		err = werr(w, -JF_ETYPE, "expected an integer, got %s",
			   jf_json_type_name(k));
		goto out;
	}
	if (k && !cJSON_IsNull(k) && !r->key_int && !cJSON_IsString(k)) {
		err = werr(w, -JF_ETYPE, "expected a string, got %s",
			   jf_json_type_name(k));
		goto out;
	}
	if (!k || cJSON_IsNull(k))
		kt = "";
	else if (!r->key_int)
		kt = k->valuestring;
	else {
		snprintf(buf, sizeof(buf), "%lld", (long long)k->valuedouble);
		kt = buf;
	}
	*match = (long)(intptr_t)jf_hmap_get(&l->idx, kt) - 1;
	*keyout = strdup(kt);
	if (!*keyout)
		err = nomem(w);
out:
	cJSON_Delete(rk);
	pop(w, len);
	return err;
}

/* One entry of a keyed list: deleted, merged into its match or appended. */
static int merge_entry(struct walk *w, const struct jf_patch_rule *r,
		       struct klist *l, size_t nbase, const cJSON *pe, int i,
		       bool data)
{
	const cJSON *dir =
		data ? NULL : cJSON_GetObjectItemCaseSensitive(pe, "$patch");
	bool del = false, keyed, saved = w->complete;
	char *kt = NULL;
	long m;
	cJSON *nv;
	int err;

	if (dir) {
		if (!cJSON_IsString(dir) || strcmp(dir->valuestring, "delete"))
			return werr(
				w, -JF_ESPEC,
				"unsupported '$patch' (only \"delete\" is)");
		del = true;
	}
	err = find_entry(w, r, l, nbase, pe, i, &m, &keyed, &kt);
	if (err)
		return err;
	if (del) {
		if (m >= 0) {
			l->items[m].dead = true;
			if (kt)
				jf_hmap_del(&l->idx, kt);
		}
		free(kt);
		return 0;
	}
	if (!keyed)
		w->complete = false; /* cannot tell what is new under it */
	err = merge_object(w, m >= 0 ? kitem_cur(&l->items[m]) : NULL, pe,
			   r->elem, data, true, &nv);
	w->complete = saved;
	if (!err && m < 0 && keyed && w->complete)
		err = check_new(w, r, nv);
	if (err) {
		cJSON_Delete(nv);
		free(kt);
		return err;
	}
	if (m >= 0) {
		cJSON_Delete(l->items[m].own);
		l->items[m].own = nv;
	} else {
		if (klist_push(l, NULL, nv, -1)) {
			cJSON_Delete(nv);
			free(kt);
			return nomem(w);
		}
		if (kt && !jf_hmap_get(&l->idx, kt) &&
		    jf_hmap_put(&l->idx, kt, (void *)(intptr_t)l->n, NULL))
			err = nomem(w);
	}
	free(kt);
	return err;
}

static int merge_keyed(struct walk *w, const cJSON *base, const cJSON *pv,
		       const struct jf_patch_rule *r, bool data, cJSON **out)
{
	struct klist l = {0};
	const cJSON *c;
	size_t nbase = 0;
	cJSON *res = NULL, *rv;
	char buf[32];
	int i = 0, err = 0;

	jf_hmap_init(&l.idx);
	for (c = cJSON_IsArray(base) ? base->child : NULL; c; c = c->next) {
		const char *kt = key_text(r, c, buf, sizeof(buf));

		if (klist_push(&l, c, NULL, (int)nbase) ||
		    (kt && !jf_hmap_get(&l.idx, kt) &&
		     jf_hmap_put(&l.idx, kt, (void *)(intptr_t)l.n, NULL))) {
			err = nomem(w);
			goto out;
		}
		nbase++;
	}
	for (c = pv->child; !err && c; c = c->next, i++) {
		size_t len = push_index(w, i);
		const cJSON *pe = c;

		rv = NULL;
		if (cJSON_IsString(c) && !data &&
		    strstr(c->valuestring, "{{")) {
			if (w->check) { /* a whole entry from a placeholder */
				err = check_tmpl(w, c->valuestring);
				pop(w, len);
				continue;
			}
			if (w->env) {
				err = render_typed(w, c->valuestring, &rv);
				pe = rv;
			}
		}
		if (!err && !cJSON_IsObject(pe))
			err = werr(w, -JF_ETYPE, "expected an object, got %s",
				   jf_json_type_name(pe));
		if (!err)
			err = merge_entry(w, r, &l, nbase, pe, i,
					  data || rv != NULL);
		cJSON_Delete(rv);
		pop(w, len);
	}
	if (err)
		goto out;
	res = cJSON_CreateArray();
	if (!res) {
		err = nomem(w);
		goto out;
	}
	for (size_t k = 0; k < l.n; k++) {
		cJSON *nv;

		if (l.items[k].dead)
			continue;
		nv = l.items[k].own;
		l.items[k].own = NULL;
		if (!nv)
			nv = cJSON_Duplicate(l.items[k].src, 1);
		if (!nv || !cJSON_AddItemToArray(res, nv)) {
			cJSON_Delete(nv);
			err = nomem(w);
			goto out;
		}
	}
	*out = res;
	res = NULL;
out:
	cJSON_Delete(res);
	klist_release(&l);
	return err;
}

/* --- the walker ---------------------------------------------------------- */

static int want(struct walk *w, const cJSON *pv, bool ok, const char *what)
{
	if (ok)
		return 0;
	return werr(w, -JF_ETYPE, "expected %s, got %s", what,
		    jf_json_type_name(pv));
}

/* Merges patch value pv into base value base (NULL: absent) under rule r
 * into a new value *out. data: pv was produced by a placeholder, so its
 * strings are not rendered again and "$patch" is an ordinary key. */
static int merge(struct walk *w, const cJSON *base, const cJSON *pv,
		 const struct jf_patch_rule *r, bool data, cJSON **out)
{
	cJSON *rv = NULL;
	int err;

	*out = NULL;
	if (++w->depth > MAX_DEPTH) {
		w->depth--;
		return werr(w, -JF_EDEPTH, "nesting deeper than %d levels",
			    MAX_DEPTH);
	}
	if (cJSON_IsString(pv) && !data) {
		if (r->kind == JF_PATCH_STR) {
			err = render_text(w, pv->valuestring, out);
			goto done;
		}
		if (strstr(pv->valuestring, "{{")) {
			if (w->check) { /* its shape is known only at run time
					 */
				err = check_tmpl(w, pv->valuestring);
				if (!err)
					*out = cJSON_CreateString(
						pv->valuestring);
				if (!err && !*out)
					err = nomem(w);
				goto done;
			}
			if (w->env) {
				err = render_typed(w, pv->valuestring, &rv);
				if (err)
					goto done;
				pv = rv;
				data = true;
				if (cJSON_IsNull(pv)) {
					*out = rv;
					rv = NULL;
					goto done;
				}
			}
		}
	}
	switch (r->kind) {
	case JF_PATCH_OBJ:
	case JF_PATCH_STRMAP:
		err = want(w, pv, cJSON_IsObject(pv), "an object");
		if (!err)
			err = merge_object(w, base, pv, r, data, false, out);
		break;
	case JF_PATCH_KEYED:
		err = want(w, pv, cJSON_IsArray(pv), "a list");
		if (!err)
			err = merge_keyed(w, base, pv, r, data, out);
		break;
	case JF_PATCH_STRLIST:
		err = want(w, pv, cJSON_IsArray(pv), "a list");
		if (!err)
			err = copy_list(w, pv, &jf_patch_rule_str, data, out);
		break;
	case JF_PATCH_REPLACE:
		err = merge(w, NULL, pv, &jf_patch_rule_any, data, out);
		break;
	case JF_PATCH_ANY:
	case JF_PATCH_STR:
	default:
		if (cJSON_IsObject(pv))
			err = merge_object(w, base, pv, r, data, false, out);
		else if (cJSON_IsArray(pv))
			err = copy_list(w, pv, &jf_patch_rule_any, data, out);
		else if (!(*out = cJSON_Duplicate(pv, 0)))
			err = nomem(w);
		else
			err = 0;
		if (*out && (*out)->string) {
			free((*out)->string);
			(*out)->string = NULL;
		}
		break;
	}
done:
	cJSON_Delete(rv);
	w->depth--;
	return err;
}

/* --- entry points ------------------------------------------------------------
 */

static int run(struct walk *w, const cJSON *base, const cJSON *patch,
	       cJSON **out)
{
	cJSON *res = NULL;
	int err;

	if (base && !cJSON_IsObject(base))
		return jf_errf(w->e, -JF_ETYPE,
			       "the template's spec is not an object (got %s)",
			       jf_json_type_name(base));
	if (!patch || cJSON_IsNull(patch)) {
		res = base ? cJSON_Duplicate(base, 1) : cJSON_CreateObject();
		if (!res)
			return nomem(w);
		*out = res;
		return 0;
	}
	err = merge(w, base, patch, &jf_patch_rule_jobspec, false, &res);
	if (err)
		return err;
	if (cJSON_IsNull(res)) { /* a patch that rendered to null */
		cJSON_Delete(res);
		res = base ? cJSON_Duplicate(base, 1) : cJSON_CreateObject();
		if (!res)
			return nomem(w);
	}
	*out = res;
	return 0;
}

int jf_patch_apply(const cJSON *base, const cJSON *patch, const cJSON *env,
		   cJSON **out, struct jf_errmsg *e)
{
	struct walk w = {.env = env, .complete = true, .e = e};

	*out = NULL;
	return run(&w, base, patch, out);
}

int jf_patch_check(const cJSON *base, const cJSON *patch, const cJSON *types,
		   struct jf_errmsg *e)
{
	struct walk w = {.types = types,
			 .check = true,
			 .complete = base != NULL,
			 .e = e};
	cJSON *res = NULL;
	int err = run(&w, base, patch, &res);

	cJSON_Delete(res);
	return err;
}
