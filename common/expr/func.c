/* func.c - the built-in functions: size, int, double, string, startsWith,
 * endsWith, contains and matches. */
#include "expr_int.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int fn_result(int fn, int nargs, const int *k)
{
	switch (fn) {
	case F_SIZE:
		return k[0] == XK_STRING || k[0] == XK_LIST || k[0] == XK_OBJECT
			       ? XK_INT
			       : -1;
	case F_INT:
	case F_DOUBLE:
		if (k[0] != XK_INT && k[0] != XK_DOUBLE && k[0] != XK_STRING)
			return -1;
		return fn == F_INT ? XK_INT : XK_DOUBLE;
	case F_STRING:
		return XK_STRING;
	default:
		return nargs == 2 && k[0] == XK_STRING && k[1] == XK_STRING
			       ? XK_BOOL
			       : -1;
	}
}

static int set_string(struct ectx *c, const struct node *n, const char *p,
		      size_t len, struct xval *out)
{
	char *s = ectx_alloc(c, len + 1, n->off);

	if (!s)
		return c->er->code;
	memcpy(s, p, len);
	s[len] = '\0';
	out->k = XK_STRING;
	out->u.s.p = s;
	out->u.s.n = len;
	return 0;
}

static int fn_int(struct ectx *c, const struct node *n, const struct xval *a,
		  struct xval *out)
{
	char num[32];

	out->k = XK_INT;
	if (a->k == XK_INT) {
		out->u.i = a->u.i;
	} else if (a->k == XK_DOUBLE) {
		if (!(a->u.d >= -9223372036854775808.0 &&
		      a->u.d < 9223372036854775808.0)) {
			num_fmt_double(a->u.d, num);
			return xerr_set(c->er, -JF_EEVAL, n->off,
					"int() of %s is out of range", num);
		}
		out->u.i = (int64_t)trunc(a->u.d);
	} else if (!num_parse_int(a->u.s.p, a->u.s.n, &out->u.i)) {
		return xerr_set(c->er, -JF_EEVAL, n->off,
				"int() cannot convert '%.60s'", a->u.s.p);
	}
	return 0;
}

static int fn_double(struct ectx *c, const struct node *n, const struct xval *a,
		     struct xval *out)
{
	out->k = XK_DOUBLE;
	if (a->k == XK_INT)
		out->u.d = (double)a->u.i;
	else if (a->k == XK_DOUBLE)
		out->u.d = a->u.d;
	else if (!num_parse_double(a->u.s.p, a->u.s.n, &out->u.d))
		return xerr_set(c->er, -JF_EEVAL, n->off,
				"double() cannot convert '%.60s'", a->u.s.p);
	return 0;
}

static int fn_string(struct ectx *c, const struct node *n, const struct xval *a,
		     struct xval *out)
{
	struct jf_buf b;
	int err;

	if (a->k == XK_STRING) {
		*out = *a;
		return 0;
	}
	jf_buf_init(&b, JF_EXPR_MAX_VALUE);
	err = xv_render(c, &b, a, true, n->off);
	if (!err)
		err = set_string(c, n, b.data ? b.data : "", b.len, out);
	jf_buf_release(&b);
	return err;
}

static int fn_matches(struct ectx *c, const struct node *n,
		      const struct xval *args, struct xval *out)
{
	const struct re_prog *prog;
	struct re_prog *own = NULL;
	char msg[200];
	size_t need;
	int r;

	if (n->re >= 0) {
		prog = c->x->res[n->re];
	} else {
		int32_t pat = c->x->nodes[n->a].next;

		if (re_compile(args[1].u.s.p, args[1].u.s.n, &own, msg,
			       sizeof(msg)))
			return xerr_set(c->er, -JF_EEVAL, node_start(c->x, pat),
					"invalid regex: %s", msg);
		prog = own;
	}
	if (args[0].u.s.n > EXPR_RE_MAX_SUBJECT) {
		re_free(own);
		return xerr_set(c->er, -JF_EEVAL, n->off,
				"matches() subject is %zu bytes, the limit is "
				"%u",
				args[0].u.s.n, EXPR_RE_MAX_SUBJECT);
	}
	need = re_scratch_size(prog);
	if (need > c->re_scratch_size) {
		c->re_scratch = ectx_alloc(c, need, n->off);
		c->re_scratch_size = c->re_scratch ? need : 0;
		if (!c->re_scratch) {
			re_free(own);
			return c->er->code;
		}
	}
	r = re_match(prog, args[0].u.s.p, args[0].u.s.n, c->re_scratch,
		     &c->re_budget);
	re_free(own);
	if (r < 0)
		return xerr_set(c->er, -JF_EEVAL, n->off,
				"matches() gave up: the regex work limit of "
				"%u steps per evaluation is used up",
				EXPR_RE_BUDGET);
	out->k = XK_BOOL;
	out->u.b = r == 1;
	return 0;
}

int ev_call(struct ectx *c, const struct node *n, struct xval *args,
	    struct xval *out)
{
	const struct xval *a = &args[0], *b = &args[1];
	int kinds[2] = {args[0].k, n->nargs > 1 ? args[1].k : XK_NULL};

	memset(out, 0, sizeof(*out));
	if (fn_result(n->op, (int)n->nargs, kinds) < 0) {
		if (n->nargs == 1)
			return xerr_set(c->er, -JF_EEVAL, n->off,
					"%s() cannot be applied to %s",
					fn_names[n->op], xk_names[kinds[0]]);
		return xerr_set(c->er, -JF_EEVAL, n->off,
				"%s() cannot be applied to %s and %s",
				fn_names[n->op], xk_names[kinds[0]],
				xk_names[kinds[1]]);
	}
	out->k = XK_BOOL;
	switch (n->op) {
	case F_SIZE:
		out->k = XK_INT;
		if (a->k == XK_STRING)
			out->u.i = (int64_t)utf8_count(a->u.s.p, a->u.s.n);
		else if (a->k == XK_LIST)
			out->u.i = (int64_t)xv_list_len(a);
		else
			out->u.i = cJSON_GetArraySize(a->u.json);
		return 0;
	case F_INT:
		return fn_int(c, n, a, out);
	case F_DOUBLE:
		return fn_double(c, n, a, out);
	case F_STRING:
		return fn_string(c, n, a, out);
	case F_STARTS:
		out->u.b = a->u.s.n >= b->u.s.n &&
			   !memcmp(a->u.s.p, b->u.s.p, b->u.s.n);
		return 0;
	case F_ENDS:
		out->u.b = a->u.s.n >= b->u.s.n &&
			   !memcmp(a->u.s.p + a->u.s.n - b->u.s.n, b->u.s.p,
				   b->u.s.n);
		return 0;
	case F_CONTAINS:
		out->u.b = b->u.s.n == 0 ||
			   memmem(a->u.s.p, a->u.s.n, b->u.s.p, b->u.s.n);
		return 0;
	default:
		return fn_matches(c, n, args, out);
	}
}
