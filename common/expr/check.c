/* check.c - the static type checker (jf_expr_check and friends) and
 * jf_expr_types_of, which describes a JSON value as a type environment. */
#include "expr_int.h"

#include <errno.h>
#include <string.h>

#include "jf_json.h"

struct ctype {
	int k;		     /* XK_* or XK_ANY */
	const cJSON *closed; /* XK_OBJECT with exactly these members */
};

struct cctx {
	const struct jf_expr *x;
	const cJSON *types;
	struct xerr *er;
};

static int leaf_type(struct cctx *c, const cJSON *t, uint32_t off,
		     struct ctype *out)
{
	out->closed = NULL;
	if (cJSON_IsObject(t)) {
		out->k = XK_OBJECT;
		out->closed = t;
		return 0;
	}
	if (cJSON_IsString(t)) {
		for (int k = 0; k <= XK_ANY; k++) {
			if (!strcmp(t->valuestring, xk_names[k])) {
				out->k = k;
				return 0;
			}
		}
	}
	return xerr_set(c->er, -EINVAL, off,
			"invalid type environment: '%s' is not a type name",
			cJSON_IsString(t) ? t->valuestring
					  : jf_json_type_name(t));
}

static int ck(struct cctx *c, int32_t ni, struct ctype *out);

/* Result of applying f to two possibly-unknown kinds: -1 when no concrete
 * pair is allowed, the common result when every allowed pair agrees, else
 * XK_ANY. f is op_result (op) or fn_result (op = function). */
static int combine(bool is_fn, int op, int nargs, int ka, int kb)
{
	int res = -2;

	for (int a = 0; a < XK__N; a++) {
		if (ka != XK_ANY && a != ka)
			continue;
		for (int b = 0; b < XK__N; b++) {
			int kinds[2] = {a, b}, r;

			if (kb != XK_ANY && b != kb)
				continue;
			r = is_fn ? fn_result(op, nargs, kinds)
				  : op_result(op, a, b);
			if (r < 0)
				continue;
			res = res == -2 || res == r ? r : XK_ANY;
		}
	}
	return res == -2 ? -1 : res;
}

static int ck_member(struct cctx *c, const struct node *n, int32_t obj,
		     const struct ctype *o, const char *name, struct ctype *out)
{
	const cJSON *m;
	char desc[120];

	out->k = XK_ANY;
	out->closed = NULL;
	if (o->k == XK_ANY || (o->k == XK_OBJECT && !o->closed))
		return 0;
	if (o->k != XK_OBJECT)
		return xerr_set(c->er, -JF_ETYPE, n->off,
				"cannot select member '%s' of %s", name,
				xk_names[o->k]);
	m = cJSON_GetObjectItemCaseSensitive(o->closed, name);
	if (!m) {
		node_describe(c->x, obj, "object", desc, sizeof(desc));
		return xerr_set(c->er, -JF_ENOTFOUND, n->off,
				"no member '%s' in %s", name, desc);
	}
	return leaf_type(c, m, n->off, out);
}

static int ck_index(struct cctx *c, const struct node *n, struct ctype *out)
{
	const struct node *idx = &c->x->nodes[n->b];
	struct ctype a, b;
	int err;

	err = ck(c, n->a, &a);
	if (!err)
		err = ck(c, n->b, &b);
	if (err)
		return err;
	out->k = XK_ANY;
	out->closed = NULL;
	switch (a.k) {
	case XK_ANY:
		if (b.k != XK_ANY && b.k != XK_INT && b.k != XK_STRING)
			return xerr_set(c->er, -JF_ETYPE, n->off,
					"index must be an int or a string, "
					"got %s",
					xk_names[b.k]);
		return 0;
	case XK_OBJECT:
		if (b.k != XK_ANY && b.k != XK_STRING)
			return xerr_set(c->er, -JF_ETYPE, n->off,
					"object key must be a string, got %s",
					xk_names[b.k]);
		if (idx->kind == N_STRING)
			return ck_member(c, n, n->a, &a, node_str(c->x, idx),
					 out);
		return 0;
	case XK_LIST:
		if (b.k != XK_ANY && b.k != XK_INT)
			return xerr_set(c->er, -JF_ETYPE, n->off,
					"list index must be an int, got %s",
					xk_names[b.k]);
		return 0;
	default:
		return xerr_set(c->er, -JF_ETYPE, n->off, "cannot index %s",
				xk_names[a.k]);
	}
}

static int need_bool(struct cctx *c, const struct node *n,
		     const struct ctype *t)
{
	if (t->k == XK_BOOL || t->k == XK_ANY)
		return 0;
	if (n->kind == N_COND)
		return xerr_set(c->er, -JF_ETYPE, n->off,
				"condition of '?:' must be a bool, got %s",
				xk_names[t->k]);
	if (n->kind == N_NOT)
		return xerr_set(c->er, -JF_ETYPE, n->off,
				"operator '!' cannot be applied to %s",
				xk_names[t->k]);
	return xerr_set(c->er, -JF_ETYPE, n->off,
			"operator '%s' needs bool operands, got %s",
			tok_op_name(n->op), xk_names[t->k]);
}

static int ck_call(struct cctx *c, const struct node *n, struct ctype *out)
{
	struct ctype t[2] = {{XK_NULL, NULL}, {XK_NULL, NULL}};
	uint32_t i = 0;
	int err, r;

	for (int32_t k = n->a; k >= 0 && i < 2; k = c->x->nodes[k].next) {
		err = ck(c, k, &t[i++]);
		if (err)
			return err;
	}
	r = combine(true, n->op, (int)n->nargs, t[0].k, t[1].k);
	if (r >= 0) {
		out->k = r;
		return 0;
	}
	if (n->nargs == 1)
		return xerr_set(c->er, -JF_ETYPE, n->off,
				"%s() cannot be applied to %s", fn_names[n->op],
				xk_names[t[0].k]);
	return xerr_set(c->er, -JF_ETYPE, n->off,
			"%s() cannot be applied to %s and %s", fn_names[n->op],
			xk_names[t[0].k], xk_names[t[1].k]);
}

static int ck(struct cctx *c, int32_t ni, struct ctype *out)
{
	const struct node *n = &c->x->nodes[ni];
	struct ctype a, b;
	const cJSON *m;
	int err, r;

	out->k = XK_ANY;
	out->closed = NULL;
	switch (n->kind) {
	case N_NULL:
		out->k = XK_NULL;
		return 0;
	case N_BOOL:
		out->k = XK_BOOL;
		return 0;
	case N_INT:
		out->k = XK_INT;
		return 0;
	case N_DOUBLE:
		out->k = XK_DOUBLE;
		return 0;
	case N_STRING:
		out->k = XK_STRING;
		return 0;
	case N_LIST:
		for (int32_t k = n->a; k >= 0; k = c->x->nodes[k].next) {
			err = ck(c, k, &a);
			if (err)
				return err;
		}
		out->k = XK_LIST;
		return 0;
	case N_IDENT:
		m = cJSON_IsObject(c->types)
			    ? cJSON_GetObjectItemCaseSensitive(
				      c->types, node_str(c->x, n))
			    : NULL;
		if (!m)
			return xerr_set(c->er, -JF_ENOTFOUND, n->off,
					"unknown identifier '%s'",
					node_str(c->x, n));
		return leaf_type(c, m, n->off, out);
	case N_MEMBER:
		err = ck(c, n->a, &a);
		return err ? err
			   : ck_member(c, n, n->a, &a, node_str(c->x, n), out);
	case N_INDEX:
		return ck_index(c, n, out);
	case N_HAS:
		err = ck(c, n->a, &a);
		if (err)
			return err;
		if (a.k != XK_ANY && a.k != XK_OBJECT)
			return xerr_set(c->er, -JF_ETYPE, n->off,
					"has() needs an object, got %s",
					xk_names[a.k]);
		out->k = XK_BOOL;
		return 0;
	case N_NOT:
		err = ck(c, n->a, &a);
		if (!err)
			err = need_bool(c, n, &a);
		out->k = XK_BOOL;
		return err;
	case N_NEG:
		err = ck(c, n->a, &a);
		if (err)
			return err;
		if (a.k != XK_ANY && a.k != XK_INT && a.k != XK_DOUBLE)
			return xerr_set(c->er, -JF_ETYPE, n->off,
					"operator '-' cannot be applied to %s",
					xk_names[a.k]);
		out->k = a.k;
		return 0;
	case N_AND:
	case N_OR:
		err = ck(c, n->a, &a);
		if (!err)
			err = need_bool(c, n, &a);
		if (!err)
			err = ck(c, n->b, &b);
		if (!err)
			err = need_bool(c, n, &b);
		out->k = XK_BOOL;
		return err;
	case N_COND:
		err = ck(c, n->a, &a);
		if (!err)
			err = need_bool(c, n, &a);
		if (!err)
			err = ck(c, n->b, &a);
		if (!err)
			err = ck(c, n->c, &b);
		if (err)
			return err;
		if (a.k == b.k) {
			out->k = a.k;
			out->closed = a.closed == b.closed ? a.closed : NULL;
		}
		return 0;
	case N_BINOP:
		err = ck(c, n->a, &a);
		if (!err)
			err = ck(c, n->b, &b);
		if (err)
			return err;
		r = combine(false, n->op, 2, a.k, b.k);
		if (r < 0)
			return xerr_set(c->er, -JF_ETYPE, n->off,
					"operator '%s' cannot be applied to "
					"%s and %s",
					tok_op_name(n->op), xk_names[a.k],
					xk_names[b.k]);
		out->k = r;
		return 0;
	default: /* N_CALL */
		return ck_call(c, n, out);
	}
}

int expr_check_kind(const struct jf_expr *x, const cJSON *types, int *kind,
		    struct xerr *er)
{
	struct cctx c = {x, types, er};
	struct ctype t;
	int err = ck(&c, x->root, &t);

	*kind = err ? XK_ANY : t.k;
	return err;
}

int jf_expr_check_type(const struct jf_expr *x, const cJSON *types,
		       const char **type, struct jf_errmsg *e)
{
	struct xerr er = {0};
	int kind, err = expr_check_kind(x, types, &kind, &er);

	if (type)
		*type = xk_names[kind];
	return err ? xerr_report(e, &er, x->src, 0) : 0;
}

int jf_expr_check(const struct jf_expr *x, const cJSON *types,
		  struct jf_errmsg *e)
{
	return jf_expr_check_type(x, types, NULL, e);
}

int jf_expr_check_bool(const struct jf_expr *x, const cJSON *types,
		       struct jf_errmsg *e)
{
	struct xerr er = {0};
	int kind, err = expr_check_kind(x, types, &kind, &er);

	if (!err && kind != XK_BOOL && kind != XK_ANY)
		err = xerr_set(&er, -JF_ETYPE, expr_start_off(x),
			       "expression must be a bool, got %s",
			       xk_names[kind]);
	return err ? xerr_report(e, &er, x->src, 0) : 0;
}

static cJSON *types_rec(const cJSON *v, int depth)
{
	const char *name;
	cJSON *o, *t;
	const cJSON *m;

	if (cJSON_IsObject(v) && depth < JF_EXPR_MAX_DEPTH) {
		o = cJSON_CreateObject();
		if (!o)
			return NULL;
		cJSON_ArrayForEach (m, v) {
			if (!m->string)
				continue;
			t = types_rec(m, depth + 1);
			if (!t) {
				cJSON_Delete(o);
				return NULL;
			}
			cJSON_AddItemToObject(o, m->string, t);
		}
		return o;
	}
	if (cJSON_IsObject(v))
		name = "object"; /* deeper than any expression can reach */
	else if (cJSON_IsArray(v))
		name = "list";
	else if (cJSON_IsNumber(v))
		name = jf_json_is_int(v) ? "int" : "double";
	else if (cJSON_IsString(v))
		name = "string";
	else if (cJSON_IsBool(v))
		name = "bool";
	else
		name = "null";
	return cJSON_CreateString(name);
}

cJSON *jf_expr_types_of(const cJSON *value)
{
	return value ? types_rec(value, 0) : NULL;
}
