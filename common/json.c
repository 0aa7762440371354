/* json.c - cJSON helpers: capped parsing, paths, typed getters, stable
 * printing, equality and RFC 7386 merge patches (jf_json.h). */
#include "jf_json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_buf.h"

#define JF_INT_LIMIT 9007199254740992.0 /* 2^53 */

/* Counts nesting outside strings; cJSON itself allows 1000 levels. */
static int json_depth_ok(const char *buf, size_t len)
{
	int depth = 0;
	bool in_str = false;

	for (size_t i = 0; i < len; i++) {
		char c = buf[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"')
			in_str = true;
		else if (c == '{' || c == '[') {
			if (++depth > JF_JSON_MAX_DEPTH)
				return 0;
		} else if (c == '}' || c == ']')
			depth--;
	}
	return 1;
}

static void json_line_col(const char *buf, size_t off, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off; i++) {
		if (buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Rejects what JSON text can carry but a document must not: numbers that
 * overflow to infinity (1e999 cannot be printed back) and duplicate keys
 * (which member wins is undefined; kube-apiserver's strict decoding
 * rejects them too). Returns 0 or -JF_EPARSE with the reason in e. */
static int validate_tree(const cJSON *n, struct jf_errmsg *e)
{
	const cJSON *c;
	int count = 0, err = 0;

	if (cJSON_IsNumber(n) && !isfinite(n->valuedouble))
		return jf_errf(e, -JF_EPARSE, "number out of range");
	for (c = n->child; c; c = c->next) {
		err = validate_tree(c, e);
		if (err)
			return err;
		count++;
	}
	if (cJSON_IsObject(n) && count > 1) {
		const char **names = malloc(sizeof(*names) * (size_t)count);
		int i = 0;

		if (!names)
			return -ENOMEM;
		for (c = n->child; c; c = c->next)
			names[i++] = c->string;
		qsort(names, (size_t)count, sizeof(*names), cmp_names);
		for (i = 1; i < count && !err; i++) {
			if (strcmp(names[i - 1], names[i]) == 0)
				err = jf_errf(e, -JF_EPARSE,
					      "duplicate key '%s'", names[i]);
		}
		free(names);
	}
	return err;
}

int jf_json_parse(const char *buf, size_t len, size_t max, cJSON **out,
		  struct jf_errmsg *e)
{
	const char *end = NULL;
	int line, col, err;
	cJSON *root;

	*out = NULL;
	if (!max)
		max = JF_JSON_MAX_BYTES;
	if (len > max)
		return jf_errf(e, -JF_ETOOBIG,
			       "document is %zu bytes, the limit is %zu", len,
			       max);
	if (!json_depth_ok(buf, len))
		return jf_errf(e, -JF_EDEPTH, "nesting deeper than %d levels",
			       JF_JSON_MAX_DEPTH);
	root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
	if (!root) {
		size_t off = end && end >= buf ? (size_t)(end - buf) : 0;

		if (off > len)
			off = len;
		char near[16];
		size_t n = len - off < 12 ? len - off : 12;

		json_line_col(buf, off, &line, &col);
		if (off >= len)
			return jf_errf(
				e, -JF_EPARSE,
				"line %d col %d: unexpected end of input", line,
				col);
		/* buf need not be NUL-terminated: copy the snippet */
		memcpy(near, buf + off, n);
		near[n] = '\0';
		return jf_errf(e, -JF_EPARSE,
			       "line %d col %d: invalid JSON near '%s'", line,
			       col, near);
	}
	err = validate_tree(root, e);
	if (err) {
		cJSON_Delete(root);
		return err;
	}
	for (size_t off = (size_t)(end - buf); off < len; off++) {
		char c = buf[off];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			continue;
		if (c == '\0' && off == len - 1)
			break;
		cJSON_Delete(root);
		json_line_col(buf, off, &line, &col);
		return jf_errf(
			e, -JF_EPARSE,
			"line %d col %d: unexpected data after the document",
			line, col);
	}
	*out = root;
	return 0;
}

/* --- paths ---------------------------------------------------------------- */

/* Reads the next path element at *p: a key (into key, cap bytes) or an
 * index. Returns 1 for a key, 2 for an index, 0 at the end, -1 on a
 * malformed path. */
static int path_next(const char **p, char *key, size_t cap, int *index)
{
	const char *s = *p;
	size_t n = 0;

	if (*s == '.')
		s++;
	if (*s == '\0')
		return 0;
	if (*s == '[') {
		s++;
		if (*s == '"') {
			for (s++; *s && *s != '"'; s++) {
				if (*s == '\\' && s[1])
					s++;
				if (n + 1 < cap)
					key[n++] = *s;
			}
			if (*s != '"' || s[1] != ']')
				return -1;
			key[n] = '\0';
			*p = s + 2;
			return 1;
		}
		char *end;
		long v = strtol(s, &end, 10);

		if (end == s || *end != ']' || v < 0 || v > 1000000000)
			return -1;
		*index = (int)v;
		*p = end + 1;
		return 2;
	}
	while (*s && *s != '.' && *s != '[') {
		if (n + 1 < cap)
			key[n++] = *s;
		s++;
	}
	key[n] = '\0';
	*p = s;
	return n ? 1 : -1;
}

cJSON *jf_json_at_mut(cJSON *root, const char *path)
{
	char key[256];
	const char *p = path;
	cJSON *n = root;
	int kind, index = 0;

	if (!path)
		return root;
	while (n && (kind = path_next(&p, key, sizeof(key), &index)) != 0) {
		if (kind < 0)
			return NULL;
		if (kind == 1)
			n = cJSON_IsObject(n)
				    ? cJSON_GetObjectItemCaseSensitive(n, key)
				    : NULL;
		else
			n = cJSON_IsArray(n) ? cJSON_GetArrayItem(n, index)
					     : NULL;
	}
	return n;
}

const cJSON *jf_json_at(const cJSON *root, const char *path)
{
	return jf_json_at_mut((cJSON *)root, path);
}

/* --- getters -------------------------------------------------------------- */

bool jf_json_is_int(const cJSON *n)
{
	double v;

	if (!cJSON_IsNumber(n))
		return false;
	v = n->valuedouble;
	return v == floor(v) && fabs(v) <= JF_INT_LIMIT;
}

const char *jf_json_type_name(const cJSON *n)
{
	if (!n)
		return "invalid";
	if (cJSON_IsNull(n))
		return "null";
	if (cJSON_IsBool(n))
		return "bool";
	if (cJSON_IsNumber(n))
		return "number";
	if (cJSON_IsString(n))
		return "string";
	if (cJSON_IsArray(n))
		return "array";
	if (cJSON_IsObject(n))
		return "object";
	return "invalid";
}

const char *jf_json_str(const cJSON *root, const char *path, const char *def)
{
	const cJSON *n = jf_json_at(root, path);

	return cJSON_IsString(n) ? n->valuestring : def;
}

int64_t jf_json_int(const cJSON *root, const char *path, int64_t def)
{
	const cJSON *n = jf_json_at(root, path);

	return jf_json_is_int(n) ? (int64_t)n->valuedouble : def;
}

double jf_json_num(const cJSON *root, const char *path, double def)
{
	const cJSON *n = jf_json_at(root, path);

	return cJSON_IsNumber(n) ? n->valuedouble : def;
}

bool jf_json_bool(const cJSON *root, const char *path, bool def)
{
	const cJSON *n = jf_json_at(root, path);

	return cJSON_IsBool(n) ? cJSON_IsTrue(n) : def;
}

static int get_node(const cJSON *root, const char *path, const cJSON **out,
		    struct jf_errmsg *e)
{
	const cJSON *n = jf_json_at(root, path);

	*out = n;
	if (!n || cJSON_IsNull(n))
		return jf_errf(e, -JF_ENOTFOUND, "'%s': not found", path);
	return 0;
}

int jf_json_get_str(const cJSON *root, const char *path, const char **out,
		    struct jf_errmsg *e)
{
	const cJSON *n;
	int err = get_node(root, path, &n, e);

	if (err)
		return err;
	if (!cJSON_IsString(n))
		return jf_errf(e, -JF_ETYPE, "'%s': expected string, got %s",
			       path, jf_json_type_name(n));
	*out = n->valuestring;
	return 0;
}

int jf_json_get_int(const cJSON *root, const char *path, int64_t *out,
		    struct jf_errmsg *e)
{
	const cJSON *n;
	int err = get_node(root, path, &n, e);

	if (err)
		return err;
	if (!jf_json_is_int(n))
		return jf_errf(e, -JF_ETYPE, "'%s': expected integer, got %s",
			       path, jf_json_type_name(n));
	*out = (int64_t)n->valuedouble;
	return 0;
}

int jf_json_get_bool(const cJSON *root, const char *path, bool *out,
		     struct jf_errmsg *e)
{
	const cJSON *n;
	int err = get_node(root, path, &n, e);

	if (err)
		return err;
	if (!cJSON_IsBool(n))
		return jf_errf(e, -JF_ETYPE, "'%s': expected bool, got %s",
			       path, jf_json_type_name(n));
	*out = cJSON_IsTrue(n);
	return 0;
}

/* --- copy, equality ------------------------------------------------------- */

cJSON *jf_json_dup(const cJSON *n)
{
	return n ? cJSON_Duplicate(n, 1) : NULL;
}

/* Member lookup for objects with many keys: cJSON's is a linear scan, so
 * comparing or diffing two objects of n members was O(n^2) (a flow's
 * status.conditions has one member per Job). A sorted index makes it
 * O(n log n); duplicate keys resolve to the first, as cJSON's lookup. */
#define KIDX_MIN 16

struct kent {
	const char *k;
	const cJSON *n;
	int pos;
};

struct kidx {
	const cJSON *obj; /* small objects: plain cJSON lookup */
	struct kent *v;
	int n;
};

static int kent_cmp(const void *a, const void *b)
{
	const struct kent *x = a, *y = b;
	int c = strcmp(x->k, y->k);

	return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

/* Returns 0, or -ENOMEM (then lookups fall back to the linear scan). */
static int kidx_init(struct kidx *x, const cJSON *obj)
{
	const cJSON *c;
	int n = cJSON_GetArraySize(obj), i = 0;

	x->obj = obj;
	x->v = NULL;
	x->n = 0;
	if (n < KIDX_MIN)
		return 0;
	x->v = malloc((size_t)n * sizeof(*x->v));
	if (!x->v)
		return -ENOMEM;
	cJSON_ArrayForEach (c, obj) {
		x->v[i].k = c->string ? c->string : "";
		x->v[i].n = c;
		x->v[i].pos = i;
		i++;
	}
	x->n = i;
	qsort(x->v, (size_t)x->n, sizeof(*x->v), kent_cmp);
	return 0;
}

static const cJSON *kidx_get(const struct kidx *x, const char *key)
{
	int lo = 0, hi = x->n;

	if (!x->v)
		return cJSON_GetObjectItemCaseSensitive(x->obj, key);
	if (!key)
		key = "";
	while (lo < hi) { /* first entry >= key */
		int mid = lo + (hi - lo) / 2;

		if (strcmp(x->v[mid].k, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < x->n && strcmp(x->v[lo].k, key) == 0 ? x->v[lo].n : NULL;
}

static void kidx_release(struct kidx *x)
{
	free(x->v);
	x->v = NULL;
}

bool jf_json_equal(const cJSON *a, const cJSON *b)
{
	const cJSON *x;
	struct kidx bi;
	bool eq = true;

	if (!a || !b)
		return a == b;
	if ((a->type & 0xFF) != (b->type & 0xFF))
		return false;
	switch (a->type & 0xFF) {
	case cJSON_False:
	case cJSON_True:
	case cJSON_NULL:
		return true;
	case cJSON_Number:
		return a->valuedouble == b->valuedouble;
	case cJSON_String:
		return strcmp(a->valuestring, b->valuestring) == 0;
	case cJSON_Array:
		for (a = a->child, b = b->child; a && b;
		     a = a->next, b = b->next) {
			if (!jf_json_equal(a, b))
				return false;
		}
		return a == b;
	case cJSON_Object:
		if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
			return false;
		kidx_init(&bi, b);
		cJSON_ArrayForEach (x, a) {
			const cJSON *y = kidx_get(&bi, x->string);

			if (!y || !jf_json_equal(x, y)) {
				eq = false;
				break;
			}
		}
		kidx_release(&bi);
		return eq;
	default:
		return false;
	}
}

/* --- printing ------------------------------------------------------------- */

static int put_string(struct jf_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	int err = jf_buf_putc(b, '"');

	for (; !err && *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '"':
			err = jf_buf_puts(b, "\\\"");
			break;
		case '\\':
			err = jf_buf_puts(b, "\\\\");
			break;
		case '\n':
			err = jf_buf_puts(b, "\\n");
			break;
		case '\r':
			err = jf_buf_puts(b, "\\r");
			break;
		case '\t':
			err = jf_buf_puts(b, "\\t");
			break;
		case '\b':
			err = jf_buf_puts(b, "\\b");
			break;
		case '\f':
			err = jf_buf_puts(b, "\\f");
			break;
		default:
			if (c < 0x20) {
				char u[7] = {'\\',	  'u',	       '0', '0',
					     hex[c >> 4], hex[c & 15], 0};
				err = jf_buf_puts(b, u);
			} else {
				err = jf_buf_putc(b, (char)c);
			}
		}
	}
	return err ? err : jf_buf_putc(b, '"');
}

/* Shortest text that reads back as v, with '.' whatever the locale. */
static int put_number(struct jf_buf *b, double v)
{
	char tmp[40];

	if (isnan(v) || isinf(v))
		return jf_buf_puts(b, "null");
	if (v == floor(v) && fabs(v) <= JF_INT_LIMIT) {
		snprintf(tmp, sizeof(tmp), "%lld", (long long)v);
	} else {
		snprintf(tmp, sizeof(tmp), "%.15g", v);
		if (strtod(tmp, NULL) != v)
			snprintf(tmp, sizeof(tmp), "%.17g", v);
		for (char *p = tmp; *p; p++) {
			if (*p == ',')
				*p = '.';
		}
	}
	return jf_buf_puts(b, tmp);
}

static int cmp_keys(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a;
	const cJSON *y = *(const cJSON *const *)b;

	return strcmp(x->string, y->string);
}

static int print_node(struct jf_buf *b, const cJSON *n, bool sorted, int depth)
{
	int err = 0;
	const cJSON *c;

	if (depth > JF_JSON_MAX_DEPTH * 5)
		return -JF_EDEPTH;
	switch (n->type & 0xFF) {
	case cJSON_False:
		return jf_buf_puts(b, "false");
	case cJSON_True:
		return jf_buf_puts(b, "true");
	case cJSON_NULL:
		return jf_buf_puts(b, "null");
	case cJSON_Number:
		return put_number(b, n->valuedouble);
	case cJSON_String:
		return put_string(b, n->valuestring ? n->valuestring : "");
	case cJSON_Raw:
		return jf_buf_puts(b, n->valuestring ? n->valuestring : "null");
	case cJSON_Array:
		err = jf_buf_putc(b, '[');
		for (c = n->child; !err && c; c = c->next) {
			if (c != n->child)
				err = jf_buf_putc(b, ',');
			if (!err)
				err = print_node(b, c, sorted, depth + 1);
		}
		return err ? err : jf_buf_putc(b, ']');
	case cJSON_Object: {
		int count = cJSON_GetArraySize(n), i = 0;
		const cJSON **kids;

		if (count == 0)
			return jf_buf_puts(b, "{}");
		kids = malloc(sizeof(*kids) * (size_t)count);
		if (!kids)
			return -ENOMEM;
		for (c = n->child; c; c = c->next)
			kids[i++] = c;
		if (sorted)
			qsort(kids, (size_t)count, sizeof(*kids), cmp_keys);
		err = jf_buf_putc(b, '{');
		for (i = 0; !err && i < count; i++) {
			if (i)
				err = jf_buf_putc(b, ',');
			if (!err)
				err = put_string(b, kids[i]->string);
			if (!err)
				err = jf_buf_putc(b, ':');
			if (!err)
				err = print_node(b, kids[i], sorted, depth + 1);
		}
		free(kids);
		return err ? err : jf_buf_putc(b, '}');
	}
	default:
		return jf_buf_puts(b, "null");
	}
}

static char *print_any(const cJSON *n, bool sorted)
{
	struct jf_buf b;

	jf_buf_init(&b, 0);
	if (!n || print_node(&b, n, sorted, 0)) {
		jf_buf_release(&b);
		return NULL;
	}
	return jf_buf_steal(&b);
}

char *jf_json_print_stable(const cJSON *n)
{
	return print_any(n, true);
}

char *jf_json_print(const cJSON *n)
{
	return print_any(n, false);
}

/* --- setters -------------------------------------------------------------- */

int jf_json_set(cJSON *obj, const char *key, cJSON *val)
{
	if (!val)
		return -ENOMEM;
	if (!cJSON_IsObject(obj)) {
		cJSON_Delete(val);
		return -EINVAL;
	}
	if (cJSON_GetObjectItemCaseSensitive(obj, key))
		return cJSON_ReplaceItemInObjectCaseSensitive(obj, key, val)
			       ? 0
			       : -ENOMEM;
	return cJSON_AddItemToObject(obj, key, val) ? 0 : -ENOMEM;
}

int jf_json_set_str(cJSON *obj, const char *key, const char *s)
{
	return jf_json_set(obj, key, cJSON_CreateString(s));
}

int jf_json_set_int(cJSON *obj, const char *key, int64_t v)
{
	return jf_json_set(obj, key, cJSON_CreateNumber((double)v));
}

int jf_json_set_bool(cJSON *obj, const char *key, bool v)
{
	return jf_json_set(obj, key, cJSON_CreateBool(v));
}

cJSON *jf_json_obj(cJSON *obj, const char *key)
{
	cJSON *n = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (cJSON_IsObject(n))
		return n;
	if (jf_json_set(obj, key, cJSON_CreateObject()))
		return NULL;
	return cJSON_GetObjectItemCaseSensitive(obj, key);
}

void jf_json_path_key(char *buf, size_t cap, const char *key)
{
	size_t len = strnlen(buf, cap);
	bool plain = *key != '\0';

	for (const char *p = key; *p; p++) {
		if (*p == '.' || *p == '[' || *p == ']' || *p == '"')
			plain = false;
	}
	if (len >= cap)
		return;
	if (plain)
		snprintf(buf + len, cap - len, "%s%s", len ? "." : "", key);
	else
		snprintf(buf + len, cap - len, "[\"%s\"]", key);
}

void jf_json_path_index(char *buf, size_t cap, int index)
{
	size_t len = strnlen(buf, cap);

	if (len < cap)
		snprintf(buf + len, cap - len, "[%d]", index);
}

/* --- RFC 7386 merge patch ------------------------------------------------- */

cJSON *jf_json_merge_diff(const cJSON *a, const cJSON *b)
{
	struct kidx ai, bi;
	cJSON *patch;
	const cJSON *x;

	if (jf_json_equal(a, b))
		return NULL;
	if (!cJSON_IsObject(a) || !cJSON_IsObject(b))
		return b ? jf_json_dup(b) : cJSON_CreateNull();
	patch = cJSON_CreateObject();
	if (!patch)
		return NULL;
	kidx_init(&ai, a);
	kidx_init(&bi, b);
	cJSON_ArrayForEach (x, a) {
		if (!kidx_get(&bi, x->string))
			cJSON_AddItemToObject(patch, x->string,
					      cJSON_CreateNull());
	}
	cJSON_ArrayForEach (x, b) {
		const cJSON *old = kidx_get(&ai, x->string);
		cJSON *d;

		if (!old) {
			cJSON_AddItemToObject(patch, x->string, jf_json_dup(x));
			continue;
		}
		d = jf_json_merge_diff(old, x);
		if (d)
			cJSON_AddItemToObject(patch, x->string, d);
	}
	kidx_release(&ai);
	kidx_release(&bi);
	return patch;
}

cJSON *jf_json_merge_apply(cJSON *target, const cJSON *patch)
{
	const cJSON *p;

	if (!cJSON_IsObject(patch)) {
		cJSON_Delete(target);
		return jf_json_dup(patch);
	}
	if (!cJSON_IsObject(target)) {
		cJSON_Delete(target);
		target = cJSON_CreateObject();
		if (!target)
			return NULL;
	}
	cJSON_ArrayForEach (p, patch) {
		cJSON *old;

		if (cJSON_IsNull(p)) {
			cJSON_DeleteItemFromObjectCaseSensitive(target,
								p->string);
			continue;
		}
		old = cJSON_DetachItemFromObjectCaseSensitive(target,
							      p->string);
		cJSON_AddItemToObject(target, p->string,
				      jf_json_merge_apply(old, p));
	}
	return target;
}
