/* schema.c - applies a CRD structural schema to a custom object the way
 * kube-apiserver (>= 1.20) does: prune unknown fields, drop non-nullable
 * nulls, apply defaults, then validate, reporting StatusCause objects. */
#include "ks_schema.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"
#include "schema_priv.h"

#define PATH_MAX_LEN 1024
#define RE_CACHE     16

struct re_slot {
	const char *pattern; /* borrowed from the schema */
	regex_t re;
	bool ok;
};

struct ctx {
	cJSON *causes; /* where causes go; NULL: only count */
	int appended;  /* causes added to causes */
	int failures;  /* problems found (counted even when not kept) */
	char path[PATH_MAX_LEN];
	struct re_slot re[RE_CACHE];
	int nre;
};

static bool is_meta_field(const char *k)
{
	return strcmp(k, "apiVersion") == 0 || strcmp(k, "kind") == 0 ||
	       strcmp(k, "metadata") == 0;
}

static bool nullable(const cJSON *s)
{
	return ks_sch_flag(s, "nullable");
}

/* The default of s, or NULL (a JSON null default is no default). */
static const cJSON *default_of(const cJSON *s)
{
	const cJSON *d = ks_sch_kw(s, "default");

	return d && !cJSON_IsNull(d) ? d : NULL;
}

static const cJSON *prop_schema(const cJSON *s, const char *key)
{
	const cJSON *props = ks_sch_kw(s, "properties");

	return cJSON_IsObject(props)
		       ? cJSON_GetObjectItemCaseSensitive(props, key)
		       : NULL;
}

/* additionalProperties: present at all (true, false or a schema)? and
 * its schema (NULL for the boolean forms). */
static bool has_ap(const cJSON *s)
{
	return ks_sch_kw(s, "additionalProperties") != NULL;
}

static const cJSON *ap_schema(const cJSON *s)
{
	const cJSON *ap = ks_sch_kw(s, "additionalProperties");

	return cJSON_IsObject(ap) ? ap : NULL;
}

static const cJSON *items_schema(const cJSON *s)
{
	const cJSON *it = ks_sch_kw(s, "items");

	return cJSON_IsObject(it) ? it : NULL;
}

/* --- pruning (apiserver/schema/pruning) ----------------------------------- */

static void prune(const cJSON *s, cJSON *x, bool embedded, int depth);

/* Below x-kubernetes-preserve-unknown-fields: unknown fields stay, known
 * ones are still pruned by their own schema. */
static void skip_prune(const cJSON *s, cJSON *x, bool embedded, int depth)
{
	cJSON *m;

	if (!s || depth > KS_SCHEMA_MAX_DEPTH)
		return;
	embedded = embedded || ks_sch_flag(s, "x-kubernetes-embedded-resource");
	if (cJSON_IsObject(x)) {
		cJSON_ArrayForEach (m, x) {
			const cJSON *p;

			if (embedded && is_meta_field(m->string))
				continue;
			p = prop_schema(s, m->string);
			if (p)
				prune(p, m, false, depth + 1);
			else if (has_ap(s))
				prune(ap_schema(s), m, false, depth + 1);
		}
	} else if (cJSON_IsArray(x)) {
		cJSON_ArrayForEach (m, x) {
			skip_prune(items_schema(s), m, false, depth + 1);
		}
	}
}

/* Removes the fields of x not specified by s (s NULL: nothing is). The
 * resource root and embedded resources keep apiVersion, kind, metadata. */
static void prune(const cJSON *s, cJSON *x, bool embedded, int depth)
{
	cJSON *m, *next;

	if (depth > KS_SCHEMA_MAX_DEPTH)
		return;
	if (s && ks_sch_flag(s, "x-kubernetes-preserve-unknown-fields")) {
		skip_prune(s, x, embedded, depth);
		return;
	}
	embedded = embedded || ks_sch_flag(s, "x-kubernetes-embedded-resource");
	if (cJSON_IsObject(x)) {
		for (m = x->child; m; m = next) {
			const cJSON *p;

			next = m->next;
			if (!s) {
				cJSON_Delete(cJSON_DetachItemViaPointer(x, m));
				continue;
			}
			if (embedded && is_meta_field(m->string))
				continue;
			p = prop_schema(s, m->string);
			if (p)
				prune(p, m, false, depth + 1);
			else if (has_ap(s))
				prune(ap_schema(s), m, false, depth + 1);
			else
				cJSON_Delete(cJSON_DetachItemViaPointer(x, m));
		}
	} else if (cJSON_IsArray(x)) {
		cJSON_ArrayForEach (m, x) {
			prune(items_schema(s), m, false, depth + 1);
		}
	}
}

/* --- nulls and defaults (apiserver/schema/defaulting) --------------------- */

/* Drops nulls in non-nullable fields that have no default; those with a
 * default are left for defaulting. Array items are kept. */
static void prune_nulls(const cJSON *s, cJSON *x, bool root, int depth)
{
	cJSON *m, *next;

	if (depth > KS_SCHEMA_MAX_DEPTH)
		return;
	if (cJSON_IsObject(x)) {
		for (m = x->child; m; m = next) {
			const cJSON *sub = prop_schema(s, m->string);

			next = m->next;
			if (root && is_meta_field(m->string))
				continue;
			if (!sub)
				sub = ap_schema(s);
			if (cJSON_IsNull(m) && sub && !nullable(sub) &&
			    !default_of(sub))
				cJSON_Delete(cJSON_DetachItemViaPointer(x, m));
			else
				prune_nulls(sub, m, false, depth + 1);
		}
	} else if (cJSON_IsArray(x)) {
		cJSON_ArrayForEach (m, x) {
			prune_nulls(items_schema(s), m, false, depth + 1);
		}
	}
}

/* Replaces item (a member of parent) by a copy of d; returns the new
 * node, or item when out of memory. */
static cJSON *replace_with(cJSON *parent, cJSON *item, const cJSON *d)
{
	cJSON *n = jf_json_dup(d);

	if (!n)
		return item;
	if (cJSON_IsObject(parent)) {
		char *key = strdup(item->string);
		bool ok = key && cJSON_ReplaceItemInObjectCaseSensitive(parent,
									key, n);

		free(key);
		if (!ok) {
			cJSON_Delete(n);
			return item;
		}
		return n;
	}
	if (!cJSON_ReplaceItemViaPointer(parent, item, n)) {
		cJSON_Delete(n);
		return item;
	}
	return n;
}

/* Sets absent fields (and non-nullable nulls) that have a default, then
 * descends, so defaults inside defaulted objects apply too. */
static void apply_defaults(const cJSON *s, cJSON *x, bool root, int depth)
{
	const cJSON *props = ks_sch_kw(s, "properties"), *p, *d, *ap;
	cJSON *m, *next;

	if (!s || depth > KS_SCHEMA_MAX_DEPTH)
		return;
	if (cJSON_IsObject(x)) {
		cJSON_ArrayForEach (p, props) {
			cJSON *cur;

			d = default_of(p);
			if (!d || (root && is_meta_field(p->string)))
				continue;
			cur = cJSON_GetObjectItemCaseSensitive(x, p->string);
			if (!cur)
				cJSON_AddItemToObject(x, p->string,
						      jf_json_dup(d));
			else if (cJSON_IsNull(cur) && !nullable(p))
				replace_with(x, cur, d);
		}
		ap = ap_schema(s);
		for (m = x->child; m; m = next) {
			next = m->next;
			if (root && is_meta_field(m->string))
				continue;
			p = prop_schema(s, m->string);
			if (p) {
				apply_defaults(p, m, false, depth + 1);
			} else if (ap) {
				if (cJSON_IsNull(m) && !nullable(ap) &&
				    default_of(ap))
					m = replace_with(x, m, default_of(ap));
				apply_defaults(ap, m, false, depth + 1);
			}
		}
	} else if (cJSON_IsArray(x)) {
		const cJSON *it = items_schema(s);

		for (m = x->child; m; m = next) {
			next = m->next;
			if (cJSON_IsNull(m) && it && !nullable(it) &&
			    default_of(it))
				m = replace_with(x, m, default_of(it));
			apply_defaults(it, m, false, depth + 1);
		}
	}
}

/* --- causes and paths ----------------------------------------------------- */

static void cause(struct ctx *c, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Adds a StatusCause for the current path. */
static void cause(struct ctx *c, const char *reason, const char *fmt, ...)
{
	char msg[1536];
	cJSON *o;
	va_list ap;

	c->failures++;
	if (!c->causes || c->appended >= KS_SCHEMA_MAX_CAUSES)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o = cJSON_CreateObject();
	if (!o)
		return;
	cJSON_AddStringToObject(o, "reason", reason);
	cJSON_AddStringToObject(o, "message", msg);
	cJSON_AddStringToObject(o, "field", c->path);
	cJSON_AddItemToArray(c->causes, o);
	c->appended++;
}

static size_t push_key(struct ctx *c, const char *key)
{
	size_t mark = strlen(c->path);

	jf_json_path_key(c->path, sizeof(c->path), key);
	return mark;
}

static size_t push_index(struct ctx *c, int i)
{
	size_t mark = strlen(c->path);

	jf_json_path_index(c->path, sizeof(c->path), i);
	return mark;
}

static void pop(struct ctx *c, size_t mark)
{
	c->path[mark] = '\0';
}

/* field.Invalid: "Invalid value: <v>: <path> in body <detail>". */
static void invalid_in_body(struct ctx *c, const cJSON *v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void invalid_in_body(struct ctx *c, const cJSON *v, const char *fmt, ...)
{
	char val[512], detail[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	ks_fmt_value(val, sizeof(val), v);
	cause(c, "FieldValueInvalid", "Invalid value: %s: %s in body %s", val,
	      c->path, detail);
}

static void type_invalid(struct ctx *c, const char *val_quoted,
			 const char *want, const char *got_quoted)
{
	cause(c, "FieldValueTypeInvalid",
	      "Invalid value: %s: %s in body must be of type %s: %s",
	      val_quoted, c->path, want, got_quoted);
}

/* A bound as kube-openapi prints it: int64 for integer data, else %v. */
static void fmt_bound(char *buf, size_t cap, double bound, bool int_data)
{
	if (int_data && bound == floor(bound) && fabs(bound) < 9.2e18)
		snprintf(buf, cap, "%lld", (long long)bound);
	else
		ks_fmt_float(buf, cap, bound);
}

/* --- regex cache ---------------------------------------------------------- */

/* Compiled pattern p, or NULL when it does not compile (ks_schema_check()
 * refuses such schemas, so served CRDs never get here). *tmp is set when
 * the regex is not cached and must be freed by the caller. */
static regex_t *regex_for(struct ctx *c, const char *p, regex_t *tmp,
			  bool *is_tmp)
{
	char err[128];

	*is_tmp = false;
	for (int i = 0; i < c->nre; i++) {
		if (strcmp(c->re[i].pattern, p) == 0)
			return c->re[i].ok ? &c->re[i].re : NULL;
	}
	if (c->nre < RE_CACHE) {
		struct re_slot *r = &c->re[c->nre++];

		r->pattern = p;
		r->ok = ks_re_compile(p, &r->re, err, sizeof(err)) == 0;
		return r->ok ? &r->re : NULL;
	}
	if (ks_re_compile(p, tmp, err, sizeof(err)))
		return NULL;
	*is_tmp = true;
	return tmp;
}

/* --- validation ----------------------------------------------------------- */

static void validate(struct ctx *c, const cJSON *s, const cJSON *v, bool root,
		     int depth);

/* Type (and int-or-string) check: true when v may be validated further. */
static bool check_type(struct ctx *c, const cJSON *s, const cJSON *v)
{
	const char *t = ks_sch_type(s), *kind = ks_json_kind(v);
	bool ios = ks_sch_flag(s, "x-kubernetes-int-or-string");
	char got[32];

	if (ios) {
		if (!strcmp(kind, "integer") || !strcmp(kind, "string"))
			return true;
		t = "integer,string";
	} else if (!t || !strcmp(t, kind) ||
		   (!strcmp(t, "number") && !strcmp(kind, "integer"))) {
		return true;
	}
	snprintf(got, sizeof(got), "\"%s\"", kind);
	type_invalid(c, got, t, got);
	return false;
}

static void check_format(struct ctx *c, const cJSON *s, const cJSON *v)
{
	const cJSON *f = ks_sch_kw(s, "format");
	const char *t = ks_sch_type(s);
	char q[512];

	if (!cJSON_IsString(f))
		return;
	if (cJSON_IsString(v) && (!t || !strcmp(t, "string"))) {
		bool ok = true;

		if (!strcmp(f->valuestring, "date-time") ||
		    !strcmp(f->valuestring, "datetime"))
			ok = ks_is_datetime(v->valuestring);
		else if (!strcmp(f->valuestring, "date"))
			ok = ks_is_date(v->valuestring);
		if (!ok) {
			ks_fmt_quote(q, sizeof(q), v->valuestring);
			type_invalid(c, q, f->valuestring, q);
		}
		return;
	}
	if (!cJSON_IsNumber(v) || !t)
		return;
	if (!strcmp(t, "integer") && !strcmp(f->valuestring, "int32") &&
	    (v->valuedouble < -2147483648.0 || v->valuedouble > 2147483647.0))
		cause(c, "FieldValueInvalid",
		      "Invalid value: \"\": Checked value must be of type "
		      "integer with format int32 in %s",
		      c->path);
	if (!strcmp(t, "number") && !strcmp(f->valuestring, "float") &&
	    fabs(v->valuedouble) > FLT_MAX)
		cause(c, "FieldValueInvalid",
		      "Invalid value: \"\": Checked value must be of type "
		      "number with format float in %s",
		      c->path);
}

static void check_number(struct ctx *c, const cJSON *s, const cJSON *v)
{
	const cJSON *mo = ks_sch_kw(s, "multipleOf");
	const cJSON *max = ks_sch_kw(s, "maximum");
	const cJSON *min = ks_sch_kw(s, "minimum");
	bool int_data = ks_is_int64(v);
	double x = v->valuedouble;
	char b[64];

	if (cJSON_IsNumber(mo) && mo->valuedouble > 0) {
		double q = x / mo->valuedouble;

		if (q != floor(q) || fabs(q) > 9007199254740992.0) {
			fmt_bound(b, sizeof(b), mo->valuedouble, int_data);
			invalid_in_body(c, v, "should be a multiple of %s", b);
		}
	}
	if (cJSON_IsNumber(max)) {
		bool excl = ks_sch_flag(s, "exclusiveMaximum");

		if (excl ? x >= max->valuedouble : x > max->valuedouble) {
			fmt_bound(b, sizeof(b), max->valuedouble, int_data);
			invalid_in_body(c, v, "should be less than %s%s",
					excl ? "" : "or equal to ", b);
		}
	}
	if (cJSON_IsNumber(min)) {
		bool excl = ks_sch_flag(s, "exclusiveMinimum");

		if (excl ? x <= min->valuedouble : x < min->valuedouble) {
			fmt_bound(b, sizeof(b), min->valuedouble, int_data);
			invalid_in_body(c, v, "should be greater than %s%s",
					excl ? "" : "or equal to ", b);
		}
	}
}

/* kube-openapi stops at the first failing string keyword. */
static void check_string(struct ctx *c, const cJSON *s, const cJSON *v)
{
	const cJSON *maxl = ks_sch_kw(s, "maxLength");
	const cJSON *minl = ks_sch_kw(s, "minLength");
	const cJSON *pat = ks_sch_kw(s, "pattern");
	size_t len = ks_utf8_len(v->valuestring);
	regex_t tmp, *re;
	bool is_tmp;

	if (cJSON_IsNumber(maxl) && (double)len > maxl->valuedouble) {
		cause(c, "FieldValueTooLong",
		      "Too long: may not be longer than %lld",
		      (long long)maxl->valuedouble);
		return;
	}
	if (cJSON_IsNumber(minl) && (double)len < minl->valuedouble) {
		invalid_in_body(c, v, "should be at least %lld chars long",
				(long long)minl->valuedouble);
		return;
	}
	if (!cJSON_IsString(pat) || !pat->valuestring[0])
		return;
	re = regex_for(c, pat->valuestring, &tmp, &is_tmp);
	if (!re)
		return;
	if (regexec(re, v->valuestring, 0, NULL, 0) != 0)
		invalid_in_body(c, v, "should match '%.512s'",
				pat->valuestring);
	if (is_tmp)
		regfree(&tmp);
}

struct keyed {
	int index;
	char *key;
};

static int cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int r = strcmp(x->key, y->key);

	return r ? r : x->index - y->index;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Indexes of the second appearance of each value seen more than once, in
 * index order (listtype.validateListSet); keys[i] is a stable print. */
static int find_dups(struct keyed *k, int n, int *out)
{
	int nout = 0;

	if (n > 1)
		qsort(k, (size_t)n, sizeof(*k), cmp_keyed);
	for (int i = 1; i < n; i++) {
		bool same = strcmp(k[i].key, k[i - 1].key) == 0;
		bool seen = i >= 2 && strcmp(k[i - 1].key, k[i - 2].key) == 0;

		if (same && !seen)
			out[nout++] = k[i].index;
	}
	if (nout > 1)
		qsort(out, (size_t)nout, sizeof(*out), cmp_int);
	return nout;
}

/* Go's %#v of a map[string]interface{} with sorted keys. */
static void fmt_go_map(char *buf, size_t cap, const cJSON *keyobj)
{
	size_t n = (size_t)snprintf(buf, cap, "map[string]interface {}{");
	char *sorted = jf_json_print_stable(keyobj);
	cJSON *copy = NULL;
	const cJSON *m;
	bool first = true;

	if (sorted)
		copy = cJSON_Parse(sorted);
	cJSON_ArrayForEach (m, copy) {
		char k[300], v[300];

		ks_fmt_quote(k, sizeof(k), m->string);
		ks_fmt_value(v, sizeof(v), m);
		if (n < cap)
			n += (size_t)snprintf(buf + n, cap - n, "%s%s:%s",
					      first ? "" : ", ", k, v);
		first = false;
	}
	if (n < cap)
		snprintf(buf + n, cap - n, "}");
	cJSON_Delete(copy);
	free(sorted);
}

/* x-kubernetes-list-type set and map: uniqueness of items / keys. */
static void check_list_type(struct ctx *c, const cJSON *s, const cJSON *v)
{
	const cJSON *lt = ks_sch_kw(s, "x-kubernetes-list-type");
	const cJSON *mk = ks_sch_kw(s, "x-kubernetes-list-map-keys");
	int n = cJSON_GetArraySize(v), i = 0, ndup;
	bool is_map;
	struct keyed *k;
	cJSON **keyobjs;
	int *dups;
	const cJSON *it;

	if (!cJSON_IsString(lt) || n < 1)
		return;
	is_map = !strcmp(lt->valuestring, "map");
	if (!is_map && strcmp(lt->valuestring, "set"))
		return;
	if (is_map) {
		cJSON_ArrayForEach (it, v) {
			if (!cJSON_IsObject(it) && !cJSON_IsNull(it)) {
				size_t mark = push_index(c, i);
				char val[512];

				ks_fmt_value(val, sizeof(val), it);
				cause(c, "FieldValueInvalid",
				      "Invalid value: %s: must be an object for "
				      "an array of list-type map",
				      val);
				pop(c, mark);
				return;
			}
			i++;
		}
	}
	if (n < 2)
		return;
	k = calloc((size_t)n, sizeof(*k));
	keyobjs = calloc((size_t)n, sizeof(*keyobjs));
	dups = calloc((size_t)n, sizeof(*dups));
	if (!k || !keyobjs || !dups)
		goto out_free;
	i = 0;
	cJSON_ArrayForEach (it, v) {
		k[i].index = i;
		if (is_map) {
			const cJSON *name;

			keyobjs[i] = cJSON_CreateObject();
			cJSON_ArrayForEach (name, mk) {
				const cJSON *f;

				if (!cJSON_IsString(name) ||
				    !cJSON_IsObject(it))
					continue;
				f = cJSON_GetObjectItemCaseSensitive(
					it, name->valuestring);
				if (f)
					cJSON_AddItemToObject(keyobjs[i],
							      name->valuestring,
							      jf_json_dup(f));
			}
			k[i].key = jf_json_print_stable(keyobjs[i]);
		} else {
			k[i].key = jf_json_print_stable(it);
		}
		if (!k[i].key)
			goto out_free;
		i++;
	}
	ndup = find_dups(k, n, dups);
	for (int d = 0; d < ndup; d++) {
		size_t mark = push_index(c, dups[d]);
		char val[600];

		if (is_map)
			fmt_go_map(val, sizeof(val), keyobjs[dups[d]]);
		else
			ks_fmt_value(val, sizeof(val),
				     cJSON_GetArrayItem(v, dups[d]));
		cause(c, "FieldValueDuplicate", "Duplicate value: %s", val);
		pop(c, mark);
	}
out_free:
	for (i = 0; k && keyobjs && i < n; i++) {
		free(k[i].key);
		cJSON_Delete(keyobjs[i]);
	}
	free(k);
	free(keyobjs);
	free(dups);
}

static void check_array(struct ctx *c, const cJSON *s, const cJSON *v,
			int depth)
{
	const cJSON *minn = ks_sch_kw(s, "minItems");
	const cJSON *maxn = ks_sch_kw(s, "maxItems");
	const cJSON *it = items_schema(s), *m;
	int n = cJSON_GetArraySize(v), i = 0;
	char num[32];

	if (it) {
		cJSON_ArrayForEach (m, v) {
			size_t mark = push_index(c, i++);

			validate(c, it, m, false, depth + 1);
			pop(c, mark);
		}
	}
	if (cJSON_IsNumber(minn) && n < minn->valuedouble) {
		snprintf(num, sizeof(num), "%d", n);
		cause(c, "FieldValueInvalid",
		      "Invalid value: %s: %s in body should have at least %lld "
		      "items",
		      num, c->path, (long long)minn->valuedouble);
	}
	if (cJSON_IsNumber(maxn) && n > maxn->valuedouble)
		cause(c, "FieldValueTooMany",
		      "Too many: %d: must have at most %lld items", n,
		      (long long)maxn->valuedouble);
	if (ks_sch_flag(s, "uniqueItems")) {
		for (const cJSON *a = v->child; a; a = a->next) {
			bool dup = false;

			for (const cJSON *b = a->next; b && !dup; b = b->next)
				dup = jf_json_equal(a, b);
			if (dup) {
				cause(c, "FieldValueInvalid",
				      "Invalid value: \"\": %s in body "
				      "shouldn't contain duplicates",
				      c->path);
				break;
			}
		}
	}
	check_list_type(c, s, v);
}

/* objectmeta.validateEmbeddedResource for apiVersion and kind. */
static void check_embedded(struct ctx *c, const cJSON *v)
{
	static const char *const keys[] = {"apiVersion", "kind"};

	for (int i = 0; i < 2; i++) {
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(v, keys[i]);
		size_t mark = push_key(c, keys[i]);
		char val[512];

		if (!f || (cJSON_IsString(f) && !f->valuestring[0])) {
			cause(c, "FieldValueRequired", "Required value");
		} else if (!cJSON_IsString(f)) {
			ks_fmt_value(val, sizeof(val), f);
			cause(c, "FieldValueInvalid",
			      "Invalid value: %s: must be a string", val);
		} else if (i == 0 && strchr(f->valuestring, '/') &&
			   strchr(strchr(f->valuestring, '/') + 1, '/')) {
			ks_fmt_value(val, sizeof(val), f);
			cause(c, "FieldValueInvalid",
			      "Invalid value: %s: unexpected GroupVersion "
			      "string: %.256s",
			      val, f->valuestring);
		}
		pop(c, mark);
	}
}

static void check_object(struct ctx *c, const cJSON *s, const cJSON *v,
			 bool root, int depth)
{
	const cJSON *maxp = ks_sch_kw(s, "maxProperties");
	const cJSON *minp = ks_sch_kw(s, "minProperties");
	const cJSON *req = ks_sch_kw(s, "required");
	const cJSON *ap = ks_sch_kw(s, "additionalProperties");
	int n = cJSON_GetArraySize(v);
	const cJSON *m;

	if (cJSON_IsNumber(maxp) && n > maxp->valuedouble)
		cause(c, "FieldValueTooMany",
		      "Too many: %d: must have at most %lld items", n,
		      (long long)maxp->valuedouble);
	/* kube-openapi reports the bound as the value here */
	if (cJSON_IsNumber(minp) && n < minp->valuedouble)
		cause(c, "FieldValueInvalid",
		      "Invalid value: %lld: %s in body should have at least "
		      "%lld properties",
		      (long long)minp->valuedouble, c->path,
		      (long long)minp->valuedouble);
	cJSON_ArrayForEach (m, req) {
		if (cJSON_IsString(m) &&
		    !cJSON_GetObjectItemCaseSensitive(v, m->valuestring)) {
			size_t mark = push_key(c, m->valuestring);

			cause(c, "FieldValueRequired", "Required value");
			pop(c, mark);
		}
	}
	if (!root && ks_sch_flag(s, "x-kubernetes-embedded-resource"))
		check_embedded(c, v);
	cJSON_ArrayForEach (m, v) {
		const cJSON *p = prop_schema(s, m->string);
		size_t mark;

		if (root && !strcmp(m->string, "metadata"))
			continue;
		if (!p && cJSON_IsObject(ap))
			p = ap;
		if (!p && cJSON_IsFalse(ap)) {
			char key[300];

			ks_fmt_quote(key, sizeof(key), m->string);
			cause(c, "FieldValueInvalid",
			      "Invalid value: %s: %s.%s in body is a forbidden "
			      "property",
			      key, c->path, m->string);
			continue;
		}
		if (!p)
			continue;
		mark = push_key(c, m->string);
		validate(c, p, m, false, depth + 1);
		pop(c, mark);
	}
}

static void check_enum(struct ctx *c, const cJSON *s, const cJSON *v)
{
	const cJSON *en = ks_sch_kw(s, "enum"), *e;
	char list[1024] = "", val[512], one[300];
	size_t n = 0;

	if (!cJSON_IsArray(en) || !en->child)
		return;
	cJSON_ArrayForEach (e, en) {
		if (jf_json_equal(e, v))
			return;
	}
	cJSON_ArrayForEach (e, en) {
		char *js = NULL;

		/* strings as they are, others as JSON; each Go-quoted */
		if (cJSON_IsString(e)) {
			ks_fmt_quote(one, sizeof(one), e->valuestring);
		} else {
			js = jf_json_print(e);
			ks_fmt_quote(one, sizeof(one), js ? js : "");
			free(js);
		}
		if (n < sizeof(list))
			n += (size_t)snprintf(list + n, sizeof(list) - n,
					      "%s%s", n ? ", " : "", one);
	}
	ks_fmt_value(val, sizeof(val), v);
	cause(c, "FieldValueNotSupported",
	      "Unsupported value: %s: supported values: %s", val, list);
}

/* Runs validate() for s without keeping causes; true when v passes. */
static bool passes(struct ctx *c, const cJSON *s, const cJSON *v, int depth)
{
	cJSON *saved = c->causes;
	int before = c->failures;
	bool ok;

	c->causes = NULL;
	validate(c, s, v, false, depth);
	ok = c->failures == before;
	c->failures = before;
	c->causes = saved;
	return ok;
}

/* allOf / anyOf / oneOf / not: validation only, as in kube-openapi. */
static void check_junctors(struct ctx *c, const cJSON *s, const cJSON *v,
			   int depth)
{
	const cJSON *all = ks_sch_kw(s, "allOf"), *any = ks_sch_kw(s, "anyOf");
	const cJSON *one = ks_sch_kw(s, "oneOf"), *not = ks_sch_kw(s, "not");
	const cJSON *sub;
	int ok;

	if (cJSON_IsArray(all) && all->child) {
		int total = 0;

		ok = 0;
		cJSON_ArrayForEach (sub, all) {
			int before = c->failures;

			total++;
			validate(c, sub, v, false, depth + 1);
			ok += c->failures == before;
		}
		if (ok != total)
			cause(c, "FieldValueInvalid",
			      "Invalid value: \"\": \"%s\" must validate all "
			      "the schemas (allOf)%s",
			      c->path, ok ? "" : ". None validated");
	}
	if (cJSON_IsArray(any) && any->child) {
		ok = 0;
		cJSON_ArrayForEach (sub, any) {
			if (passes(c, sub, v, depth + 1)) {
				ok = 1;
				break;
			}
		}
		if (!ok)
			cause(c, "FieldValueInvalid",
			      "Invalid value: \"\": \"%s\" must validate at "
			      "least one schema (anyOf)",
			      c->path);
	}
	if (cJSON_IsArray(one) && one->child) {
		ok = 0;
		cJSON_ArrayForEach (sub, one) {
			ok += passes(c, sub, v, depth + 1);
		}
		if (ok == 0)
			cause(c, "FieldValueInvalid",
			      "Invalid value: \"\": \"%s\" must validate one "
			      "and only one schema (oneOf). Found none valid",
			      c->path);
		else if (ok > 1)
			cause(c, "FieldValueInvalid",
			      "Invalid value: \"\": \"%s\" must validate one "
			      "and only one schema (oneOf). Found %d valid "
			      "alternatives",
			      c->path, ok);
	}
	if (cJSON_IsObject(not ) && passes(c, not, v, depth + 1))
		cause(c, "FieldValueInvalid",
		      "Invalid value: \"\": \"%s\" must not validate the "
		      "schema (not)",
		      c->path);
}

static void validate(struct ctx *c, const cJSON *s, const cJSON *v, bool root,
		     int depth)
{
	if (!cJSON_IsObject(s))
		return;
	if (depth > KS_SCHEMA_MAX_DEPTH) {
		cause(c, "FieldValueInvalid",
		      "Invalid value: \"\": nesting deeper than %d levels",
		      KS_SCHEMA_MAX_DEPTH);
		return;
	}
	if (cJSON_IsNull(v) && nullable(s))
		return;
	if (!check_type(c, s, v))
		return;
	check_format(c, s, v);
	if (cJSON_IsNumber(v))
		check_number(c, s, v);
	else if (cJSON_IsString(v))
		check_string(c, s, v);
	else if (cJSON_IsArray(v))
		check_array(c, s, v, depth);
	else if (cJSON_IsObject(v))
		check_object(c, s, v, root, depth);
	check_enum(c, s, v);
	check_junctors(c, s, v, depth);
}

static int run(const cJSON *schema, cJSON *obj, cJSON *causes, bool root,
	       const char *base)
{
	struct ctx *c;
	int n;

	if (!obj)
		return 0;
	c = calloc(1, sizeof(*c));
	if (!c)
		return 0;
	c->causes = cJSON_IsArray(causes) ? causes : NULL;
	snprintf(c->path, sizeof(c->path), "%s", base);
	if (cJSON_IsObject(schema)) {
		prune(schema, obj, root, 0);
		prune_nulls(schema, obj, root, 0);
		apply_defaults(schema, obj, root, 0);
		validate(c, schema, obj, root, 0);
	}
	for (int i = 0; i < c->nre; i++) {
		if (c->re[i].ok)
			regfree(&c->re[i].re);
	}
	n = c->causes ? c->appended : c->failures;
	free(c);
	return n;
}

int ks_schema_apply(const cJSON *schema, cJSON *obj, cJSON *causes)
{
	return run(schema, obj, causes, true, "");
}

int ks_schema_apply_node(const cJSON *schema, cJSON *v, cJSON *causes,
			 const char *base)
{
	return run(schema, v, causes, false, base ? base : "");
}

void ks_schema_prune_node(const cJSON *schema, cJSON *v)
{
	prune(schema, v, false, 0);
}
