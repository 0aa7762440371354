/* eval.c - the evaluator: walks the AST over borrowed JSON, checks every
 * operation (types, int64 overflow, division by zero, sizes) and returns
 * the result as JSON (jf_expr_eval, jf_expr_eval_bool). */
#include "expr_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static bool num_kind(int k)
{
	return k == XK_INT || k == XK_DOUBLE;
}

int op_result(int op, int ka, int kb)
{
	switch (op) {
	case T_PLUS:
		if (ka == XK_STRING && kb == XK_STRING)
			return XK_STRING;
		if (ka == XK_LIST && kb == XK_LIST)
			return XK_LIST;
		/* fall through */
	case T_MINUS:
	case T_STAR:
	case T_SLASH:
		if (!num_kind(ka) || !num_kind(kb))
			return -1;
		return ka == XK_INT && kb == XK_INT ? XK_INT : XK_DOUBLE;
	case T_PERCENT:
		return ka == XK_INT && kb == XK_INT ? XK_INT : -1;
	case T_LT:
	case T_LE:
	case T_GT:
	case T_GE:
		if ((num_kind(ka) && num_kind(kb)) ||
		    (ka == kb && (ka == XK_STRING || ka == XK_BOOL)))
			return XK_BOOL;
		return -1;
	case T_EQ:
	case T_NE:
		return XK_BOOL;
	case T_IN:
		if (kb == XK_LIST || (kb == XK_OBJECT && ka == XK_STRING))
			return XK_BOOL;
		return -1;
	case T_AND:
	case T_OR:
		return ka == XK_BOOL && kb == XK_BOOL ? XK_BOOL : -1;
	default:
		return -1;
	}
}

static int type_error2(struct ectx *c, const struct node *n, int ka, int kb)
{
	return xerr_set(c->er, -JF_EEVAL, n->off,
			"operator '%s' cannot be applied to %s and %s",
			tok_op_name(n->op), xk_names[ka], xk_names[kb]);
}

static int overflow(struct ectx *c, const struct node *n)
{
	return xerr_set(c->er, -JF_EEVAL, n->off, "integer overflow");
}

static double to_d(const struct xval *v)
{
	return v->k == XK_INT ? (double)v->u.i : v->u.d;
}

static int concat_strings(struct ectx *c, const struct node *n,
			  const struct xval *a, const struct xval *b,
			  struct xval *out)
{
	size_t len = a->u.s.n + b->u.s.n;
	char *p;

	if (len > JF_EXPR_MAX_VALUE)
		return xerr_set(c->er, -JF_EEVAL, n->off,
				"string of %zu bytes is over the %u-byte limit",
				len, JF_EXPR_MAX_VALUE);
	p = ectx_alloc(c, len + 1, n->off);
	if (!p)
		return c->er->code;
	memcpy(p, a->u.s.p, a->u.s.n);
	memcpy(p + a->u.s.n, b->u.s.p, b->u.s.n);
	p[len] = '\0';
	out->k = XK_STRING;
	out->u.s.p = p;
	out->u.s.n = len;
	return 0;
}

/* Builds a list of n values in the arena (items filled by the caller). */
static struct xlist *new_list(struct ectx *c, size_t n, uint32_t off)
{
	struct xlist *l;

	if (n > JF_EXPR_MAX_VALUE / sizeof(struct xval)) {
		xerr_set(c->er, -JF_EEVAL, off,
			 "list of %zu elements is over the size limit", n);
		return NULL;
	}
	l = ectx_alloc(c, sizeof(*l) + n * sizeof(struct xval), off);
	if (!l)
		return NULL;
	l->n = n;
	l->weight = 2;
	l->items = (struct xval *)(l + 1);
	return l;
}

/* Adds item i's weight to l; fails when the list passes the cap. */
static int list_account(struct ectx *c, struct xlist *l, size_t i, uint32_t off)
{
	l->weight += xv_weight(&l->items[i], JF_EXPR_MAX_VALUE) + 1;
	if (l->weight > JF_EXPR_MAX_VALUE)
		return xerr_set(c->er, -JF_EEVAL, off,
				"list is over the %u-byte size limit",
				JF_EXPR_MAX_VALUE);
	return 0;
}

static int concat_lists(struct ectx *c, const struct node *n,
			const struct xval *a, const struct xval *b,
			struct xval *out)
{
	size_t na = xv_list_len(a), nb = xv_list_len(b), i = 0;
	struct xlist *l = new_list(c, na + nb, n->off);
	struct xiter it;
	int err;

	if (!l)
		return c->er->code;
	for (int k = 0; k < 2; k++) {
		xiter_init(&it, k ? b : a);
		while (xiter_next(&it, &l->items[i])) {
			err = list_account(c, l, i++, n->off);
			if (err)
				return err;
		}
	}
	out->k = XK_LIST;
	out->built = true;
	out->u.list = l;
	return 0;
}

static int arith_int(struct ectx *c, const struct node *n, int64_t a, int64_t b,
		     int64_t *r)
{
	switch (n->op) {
	case T_PLUS:
		return __builtin_add_overflow(a, b, r) ? overflow(c, n) : 0;
	case T_MINUS:
		return __builtin_sub_overflow(a, b, r) ? overflow(c, n) : 0;
	case T_STAR:
		return __builtin_mul_overflow(a, b, r) ? overflow(c, n) : 0;
	case T_SLASH:
		if (b == 0)
			return xerr_set(c->er, -JF_EEVAL, n->off,
					"division by zero");
		if (a == INT64_MIN && b == -1)
			return overflow(c, n);
		*r = a / b;
		return 0;
	default: /* T_PERCENT */
		if (b == 0)
			return xerr_set(c->er, -JF_EEVAL, n->off,
					"modulo by zero");
		if (a == INT64_MIN && b == -1)
			return overflow(c, n);
		*r = a % b;
		return 0;
	}
}

static int arith_double(struct ectx *c, const struct node *n, double a,
			double b, double *r)
{
	switch (n->op) {
	case T_PLUS:
		*r = a + b;
		break;
	case T_MINUS:
		*r = a - b;
		break;
	case T_STAR:
		*r = a * b;
		break;
	default: /* T_SLASH */
		if (b == 0)
			return xerr_set(c->er, -JF_EEVAL, n->off,
					"division by zero");
		*r = a / b;
	}
	if (!isfinite(*r))
		return xerr_set(c->er, -JF_EEVAL, n->off,
				"double overflow (result is not finite)");
	return 0;
}

static int ev_in(struct ectx *c, const struct node *n, const struct xval *a,
		 const struct xval *b, struct xval *out)
{
	struct xiter it;
	struct xval el;
	bool eq = false;
	int err;

	out->k = XK_BOOL;
	out->u.b = false;
	if (b->k == XK_OBJECT) {
		out->u.b = cJSON_GetObjectItemCaseSensitive(b->u.json,
							    a->u.s.p) != NULL;
		return 0;
	}
	xiter_init(&it, b);
	while (xiter_next(&it, &el)) {
		err = xv_equal(c, a, &el, n->off, &eq);
		if (err)
			return err;
		if (eq) {
			out->u.b = true;
			break;
		}
	}
	return 0;
}

static int ev_binop(struct ectx *c, const struct node *n, struct xval *out)
{
	struct xval a, b;
	bool eq;
	int rk, err;

	err = ev_node(c, n->a, &a);
	if (!err)
		err = ev_node(c, n->b, &b);
	if (err)
		return err;
	rk = op_result(n->op, a.k, b.k);
	if (rk < 0)
		return type_error2(c, n, a.k, b.k);
	memset(out, 0, sizeof(*out));
	out->k = (uint8_t)rk;
	switch (n->op) {
	case T_EQ:
	case T_NE:
		err = xv_equal(c, &a, &b, n->off, &eq);
		out->u.b = n->op == T_EQ ? eq : !eq;
		return err;
	case T_LT:
		out->u.b = xv_order(&a, &b) < 0;
		return 0;
	case T_LE:
		out->u.b = xv_order(&a, &b) <= 0;
		return 0;
	case T_GT:
		out->u.b = xv_order(&a, &b) > 0;
		return 0;
	case T_GE:
		out->u.b = xv_order(&a, &b) >= 0;
		return 0;
	case T_IN:
		return ev_in(c, n, &a, &b, out);
	default:
		break;
	}
	if (rk == XK_STRING)
		return concat_strings(c, n, &a, &b, out);
	if (rk == XK_LIST)
		return concat_lists(c, n, &a, &b, out);
	if (rk == XK_INT)
		return arith_int(c, n, a.u.i, b.u.i, &out->u.i);
	return arith_double(c, n, to_d(&a), to_d(&b), &out->u.d);
}

static int ev_list(struct ectx *c, const struct node *n, struct xval *out)
{
	struct xlist *l = new_list(c, n->nargs, n->off);
	size_t i = 0;
	int err;

	if (!l)
		return c->er->code;
	for (int32_t k = n->a; k >= 0; k = c->x->nodes[k].next, i++) {
		err = ev_node(c, k, &l->items[i]);
		if (!err)
			err = list_account(c, l, i, n->off);
		if (err)
			return err;
	}
	memset(out, 0, sizeof(*out));
	out->k = XK_LIST;
	out->built = true;
	out->u.list = l;
	return 0;
}

static int lookup_member(struct ectx *c, const struct node *n, int32_t obj,
			 const struct xval *o, const char *name,
			 struct xval *out)
{
	const cJSON *m;
	char desc[120];

	if (o->k != XK_OBJECT)
		return xerr_set(c->er, -JF_EEVAL, n->off,
				"cannot select member '%s' of %s", name,
				xk_names[o->k]);
	m = cJSON_GetObjectItemCaseSensitive(o->u.json, name);
	if (!m) {
		node_describe(c->x, obj, xk_names[o->k], desc, sizeof(desc));
		return xerr_set(c->er, -JF_EEVAL, n->off,
				"no member '%s' in %s", name, desc);
	}
	xv_from_json(m, out);
	return 0;
}

static int ev_index(struct ectx *c, const struct node *n, struct xval *out)
{
	struct xval a, b;
	struct xiter it;
	size_t len;
	int err;

	err = ev_node(c, n->a, &a);
	if (!err)
		err = ev_node(c, n->b, &b);
	if (err)
		return err;
	if (a.k == XK_OBJECT) {
		if (b.k != XK_STRING)
			return xerr_set(c->er, -JF_EEVAL, n->off,
					"object key must be a string, got %s",
					xk_names[b.k]);
		return lookup_member(c, n, n->a, &a, b.u.s.p, out);
	}
	if (a.k != XK_LIST)
		return xerr_set(c->er, -JF_EEVAL, n->off, "cannot index %s",
				xk_names[a.k]);
	if (b.k != XK_INT)
		return xerr_set(c->er, -JF_EEVAL, n->off,
				"list index must be an int, got %s",
				xk_names[b.k]);
	len = xv_list_len(&a);
	if (b.u.i < 0 || (uint64_t)b.u.i >= len)
		return xerr_set(c->er, -JF_EEVAL, n->off,
				"index %lld out of range for a list of %zu "
				"element%s",
				(long long)b.u.i, len, len == 1 ? "" : "s");
	if (a.built) {
		*out = a.u.list->items[b.u.i];
		return 0;
	}
	xiter_init(&it, &a);
	for (int64_t i = 0; i <= b.u.i; i++)
		xiter_next(&it, out);
	return 0;
}

static int need_bool(struct ectx *c, const struct node *n, const struct xval *v)
{
	if (v->k == XK_BOOL)
		return 0;
	if (n->kind == N_COND)
		return xerr_set(c->er, -JF_EEVAL, n->off,
				"condition of '?:' must be a bool, got %s",
				xk_names[v->k]);
	return xerr_set(c->er, -JF_EEVAL, n->off,
			"operator '%s' needs bool operands, got %s",
			tok_op_name(n->op), xk_names[v->k]);
}

static int ev_logic(struct ectx *c, const struct node *n, struct xval *out)
{
	int err = ev_node(c, n->a, out);

	if (!err)
		err = need_bool(c, n, out);
	if (err)
		return err;
	if (n->kind == N_COND)
		return ev_node(c, out->u.b ? n->b : n->c, out);
	/* short circuit: false && x, true || x */
	if (out->u.b == (n->kind == N_OR))
		return 0;
	err = ev_node(c, n->b, out);
	return err ? err : need_bool(c, n, out);
}

static int ev_unary(struct ectx *c, const struct node *n, struct xval *out)
{
	int err = ev_node(c, n->a, out);

	if (err)
		return err;
	if (n->kind == N_NOT) {
		if (out->k != XK_BOOL)
			return xerr_set(c->er, -JF_EEVAL, n->off,
					"operator '!' cannot be applied to %s",
					xk_names[out->k]);
		out->u.b = !out->u.b;
		return 0;
	}
	if (out->k == XK_INT) {
		if (out->u.i == INT64_MIN)
			return overflow(c, n);
		out->u.i = -out->u.i;
		return 0;
	}
	if (out->k == XK_DOUBLE) {
		out->u.d = -out->u.d;
		return 0;
	}
	return xerr_set(c->er, -JF_EEVAL, n->off,
			"operator '-' cannot be applied to %s",
			xk_names[out->k]);
}

static int ev_calln(struct ectx *c, const struct node *n, struct xval *out)
{
	struct xval args[2];
	uint32_t i = 0;
	int err;

	for (int32_t k = n->a; k >= 0 && i < 2; k = c->x->nodes[k].next) {
		err = ev_node(c, k, &args[i++]);
		if (err)
			return err;
	}
	return ev_call(c, n, args, out);
}

int ev_node(struct ectx *c, int32_t ni, struct xval *out)
{
	const struct node *n = &c->x->nodes[ni];
	struct xval o;
	const cJSON *m;
	int err;

	memset(out, 0, sizeof(*out));
	switch (n->kind) {
	case N_NULL:
		out->k = XK_NULL;
		return 0;
	case N_BOOL:
		out->k = XK_BOOL;
		out->u.b = n->v.b;
		return 0;
	case N_INT:
		out->k = XK_INT;
		out->u.i = n->v.i;
		return 0;
	case N_DOUBLE:
		out->k = XK_DOUBLE;
		out->u.d = n->v.d;
		return 0;
	case N_STRING:
		out->k = XK_STRING;
		out->u.s.p = node_str(c->x, n);
		out->u.s.n = n->v.s.len;
		return 0;
	case N_LIST:
		return ev_list(c, n, out);
	case N_IDENT:
		m = cJSON_IsObject(c->env) ? cJSON_GetObjectItemCaseSensitive(
						     c->env, node_str(c->x, n))
					   : NULL;
		if (!m)
			return xerr_set(c->er, -JF_EEVAL, n->off,
					"unknown identifier '%s'",
					node_str(c->x, n));
		xv_from_json(m, out);
		return 0;
	case N_MEMBER:
		err = ev_node(c, n->a, &o);
		return err ? err
			   : lookup_member(c, n, n->a, &o, node_str(c->x, n),
					   out);
	case N_INDEX:
		return ev_index(c, n, out);
	case N_HAS:
		err = ev_node(c, n->a, &o);
		if (err)
			return err;
		if (o.k != XK_OBJECT)
			return xerr_set(c->er, -JF_EEVAL, n->off,
					"has() needs an object, got %s",
					xk_names[o.k]);
		out->k = XK_BOOL;
		out->u.b = cJSON_GetObjectItemCaseSensitive(
				   o.u.json, node_str(c->x, n)) != NULL;
		return 0;
	case N_NOT:
	case N_NEG:
		return ev_unary(c, n, out);
	case N_BINOP:
		return ev_binop(c, n, out);
	case N_AND:
	case N_OR:
	case N_COND:
		return ev_logic(c, n, out);
	default: /* N_CALL */
		return ev_calln(c, n, out);
	}
}

int expr_eval_val(const struct jf_expr *x, const cJSON *env, struct ectx *c,
		  struct xerr *er, struct xval *out)
{
	memset(c, 0, sizeof(*c));
	arena_init(&c->ar);
	c->x = x;
	c->env = env;
	c->er = er;
	c->re_budget = EXPR_RE_BUDGET;
	return ev_node(c, x->root, out);
}

int jf_expr_eval(const struct jf_expr *x, const cJSON *env, cJSON **out,
		 struct jf_errmsg *e)
{
	struct ectx c;
	struct xerr er = {0};
	struct xval v;
	int err;

	*out = NULL;
	err = expr_eval_val(x, env, &c, &er, &v);
	if (!err)
		err = xv_to_json(&c, &v, expr_start_off(x), out);
	arena_release(&c.ar);
	return err ? xerr_report(e, &er, x->src, 0) : 0;
}

int jf_expr_eval_bool(const struct jf_expr *x, const cJSON *env, bool *out,
		      struct jf_errmsg *e)
{
	struct ectx c;
	struct xerr er = {0};
	struct xval v;
	int err;

	*out = false;
	err = expr_eval_val(x, env, &c, &er, &v);
	if (!err && v.k != XK_BOOL)
		err = xerr_set(&er, -JF_ETYPE, expr_start_off(x),
			       "expression must be a bool, got %s",
			       xk_names[v.k]);
	if (!err)
		*out = v.u.b;
	arena_release(&c.ar);
	return err ? xerr_report(e, &er, x->src, 0) : 0;
}
