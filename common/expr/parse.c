/* parse.c - recursive-descent parser of the expression language into a
 * flat AST (jf_expr_compile), with the source, node and depth limits. */
#include "expr_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const fn_names[F__N] = {
	[F_SIZE] = "size",	   [F_INT] = "int",
	[F_DOUBLE] = "double",	   [F_STRING] = "string",
	[F_STARTS] = "startsWith", [F_ENDS] = "endsWith",
	[F_CONTAINS] = "contains", [F_MATCHES] = "matches",
};

/* Arguments of a global call (a method call has one fewer after the
 * receiver), and whether receiver.f() is allowed. */
static const struct {
	uint8_t nargs;
	bool method;
} fn_sig[F__N] = {
	[F_SIZE] = {1, true},	  [F_INT] = {1, false},
	[F_DOUBLE] = {1, false},  [F_STRING] = {1, false},
	[F_STARTS] = {2, true},	  [F_ENDS] = {2, true},
	[F_CONTAINS] = {2, true}, [F_MATCHES] = {2, true},
};

struct parser {
	struct lexer lx;
	struct token tok;
	struct jf_expr *x;
	struct jf_buf pool;
	uint32_t cap;
	int nest;
	struct xerr *er;
};

static int advance(struct parser *p)
{
	return lex_next(&p->lx, &p->tok, p->er);
}

static int new_node(struct parser *p, int kind, uint32_t off, int32_t *out)
{
	struct node *n;

	if (p->x->nnodes >= JF_EXPR_MAX_NODES)
		return xerr_set(p->er, -JF_EPARSE, off,
				"expression has more than %d nodes",
				JF_EXPR_MAX_NODES);
	if (p->x->nnodes == p->cap) {
		uint32_t cap = p->cap ? p->cap * 2 : 16;

		n = realloc(p->x->nodes, cap * sizeof(*n));
		if (!n)
			return xerr_set(p->er, -ENOMEM, off, "out of memory");
		p->x->nodes = n;
		p->cap = cap;
	}
	*out = (int32_t)p->x->nnodes++;
	n = &p->x->nodes[*out];
	memset(n, 0, sizeof(*n));
	n->kind = (uint8_t)kind;
	n->off = off;
	n->a = n->b = n->c = n->next = n->re = -1;
	return 0;
}

static int height(struct parser *p, int32_t i)
{
	return i < 0 ? 0 : p->x->nodes[i].depth;
}

/* Sets the height of node i from its children; enforces the depth cap. */
static int seal(struct parser *p, int32_t i)
{
	struct node *n = &p->x->nodes[i];
	int h = 0;

	if (n->kind == N_LIST || n->kind == N_CALL) {
		for (int32_t k = n->a; k >= 0; k = p->x->nodes[k].next) {
			if (height(p, k) > h)
				h = height(p, k);
		}
	} else {
		h = height(p, n->a);
		if (height(p, n->b) > h)
			h = height(p, n->b);
		if (height(p, n->c) > h)
			h = height(p, n->c);
	}
	if (h + 1 > JF_EXPR_MAX_DEPTH)
		return xerr_set(p->er, -JF_EPARSE, n->off,
				"expression is nested deeper than %d levels",
				JF_EXPR_MAX_DEPTH);
	n->depth = (uint8_t)(h + 1);
	return 0;
}

static const char *tok_desc(struct parser *p, char *buf, size_t cap)
{
	size_t n = p->tok.end - p->tok.off;

	if (p->tok.type == T_EOF)
		return "end of expression";
	if (n > 24)
		n = 24;
	snprintf(buf, cap, "'%.*s'", (int)n, p->lx.src + p->tok.off);
	return buf;
}

static int unexpected(struct parser *p)
{
	char buf[40];

	return xerr_set(p->er, -JF_EPARSE, p->tok.off, "unexpected %s",
			tok_desc(p, buf, sizeof(buf)));
}

static int expect(struct parser *p, int type, const char *what)
{
	if (p->tok.type != type)
		return xerr_set(p->er, -JF_EPARSE, p->tok.off, "expected '%s'",
				what);
	return advance(p);
}

static int parse_expr(struct parser *p, int32_t *out);

static int binary(struct parser *p, int kind, int op, uint32_t off, int32_t a,
		  int32_t b, int32_t *out)
{
	int err = new_node(p, kind, off, out);

	if (err)
		return err;
	p->x->nodes[*out].op = (uint8_t)op;
	p->x->nodes[*out].a = a;
	p->x->nodes[*out].b = b;
	return seal(p, *out);
}

/* Parses "(" args ")" after a function name; the receiver, if any, is
 * already the first argument. */
static int parse_args(struct parser *p, int32_t call)
{
	int32_t last = -1, arg;
	int err;

	for (int32_t k = p->x->nodes[call].a; k >= 0; k = p->x->nodes[k].next)
		last = k;
	err = advance(p); /* '(' */
	while (!err && p->tok.type != T_RPAREN) {
		err = parse_expr(p, &arg);
		if (err)
			return err;
		if (last < 0)
			p->x->nodes[call].a = arg;
		else
			p->x->nodes[last].next = arg;
		last = arg;
		p->x->nodes[call].nargs++;
		if (p->tok.type != T_COMMA)
			break;
		err = advance(p);
	}
	return err ? err : expect(p, T_RPAREN, ")");
}

static int find_fn(const char *name)
{
	for (int f = 0; f < F__N; f++) {
		if (!strcmp(fn_names[f], name))
			return f;
	}
	return -1;
}

static int compile_literal_regex(struct parser *p, int32_t call)
{
	struct node *pat = &p->x->nodes[p->x->nodes[p->x->nodes[call].a].next];
	struct re_prog *prog, **res;
	char msg[200];

	if (pat->kind != N_STRING)
		return 0;
	if (re_compile(p->pool.data + pat->v.s.off, pat->v.s.len, &prog, msg,
		       sizeof(msg)))
		return xerr_set(p->er, -JF_EPARSE, pat->off,
				"invalid regex: %s", msg);
	res = realloc(p->x->res, (p->x->nres + 1) * sizeof(*res));
	if (!res) {
		re_free(prog);
		return xerr_set(p->er, -ENOMEM, pat->off, "out of memory");
	}
	p->x->res = res;
	res[p->x->nres] = prog;
	p->x->nodes[call].re = (int32_t)p->x->nres++;
	return 0;
}

/* Checks a call's name and arity once its arguments are parsed. */
static int finish_call(struct parser *p, int32_t call, const char *name,
		       uint32_t name_off)
{
	struct node *n = &p->x->nodes[call];
	int f = find_fn(name), want;

	if (f < 0)
		return xerr_set(p->er, -JF_EPARSE, name_off,
				"unknown function '%s'", name);
	if (n->method && !fn_sig[f].method)
		return xerr_set(p->er, -JF_EPARSE, name_off,
				"'%s' cannot be called as a method, write "
				"%s(x)",
				name, name);
	want = fn_sig[f].nargs;
	if (n->nargs != (uint32_t)want) {
		int got = (int)n->nargs, w = want;

		if (n->method) {
			got--;
			w--;
		}
		return xerr_set(p->er, -JF_EPARSE, name_off,
				"%s '%s' takes %d argument%s, got %d",
				n->method ? "method" : "function", name, w,
				w == 1 ? "" : "s", got);
	}
	n->op = (uint8_t)f;
	if (f == F_MATCHES) {
		int err = compile_literal_regex(p, call);

		if (err)
			return err;
	}
	return seal(p, call);
}

/* has(a.b) / has(a['b']): the argument must select a member. */
static int finish_has(struct parser *p, int32_t call, uint32_t name_off)
{
	struct node *n = &p->x->nodes[call], *arg;

	if (n->method)
		return xerr_set(p->er, -JF_EPARSE, name_off,
				"'has' cannot be called as a method");
	arg = n->nargs == 1 ? &p->x->nodes[n->a] : NULL;
	if (arg && arg->kind == N_INDEX &&
	    p->x->nodes[arg->b].kind == N_STRING) {
		n->v.s = p->x->nodes[arg->b].v.s;
		n->a = arg->a;
	} else if (arg && arg->kind == N_MEMBER) {
		n->v.s = arg->v.s;
		n->a = arg->a;
	} else {
		return xerr_set(p->er, -JF_EPARSE, name_off,
				"has() needs a member selection such as "
				"has(params.x)");
	}
	n->kind = N_HAS;
	n->nargs = 0;
	return seal(p, call);
}

static int parse_list(struct parser *p, int32_t *out)
{
	int32_t last = -1, el;
	int err = new_node(p, N_LIST, p->tok.off, out);

	if (!err)
		err = advance(p);
	while (!err && p->tok.type != T_RBRACK) {
		err = parse_expr(p, &el);
		if (err)
			return err;
		if (last < 0)
			p->x->nodes[*out].a = el;
		else
			p->x->nodes[last].next = el;
		last = el;
		p->x->nodes[*out].nargs++;
		if (p->tok.type != T_COMMA)
			break;
		err = advance(p);
	}
	if (!err)
		err = expect(p, T_RBRACK, "]");
	return err ? err : seal(p, *out);
}

static int parse_primary(struct parser *p, int32_t *out)
{
	struct token t = p->tok;
	struct node *n;
	int err;

	switch (t.type) {
	case T_LPAREN:
		err = advance(p);
		if (!err)
			err = parse_expr(p, out);
		return err ? err : expect(p, T_RPAREN, ")");
	case T_LBRACK:
		return parse_list(p, out);
	case T_INT:
		if (t.u > (uint64_t)INT64_MAX)
			return xerr_set(p->er, -JF_EPARSE, t.off,
					"integer literal out of range");
		err = new_node(p, N_INT, t.off, out);
		if (!err)
			p->x->nodes[*out].v.i = (int64_t)t.u;
		break;
	case T_DOUBLE:
		err = new_node(p, N_DOUBLE, t.off, out);
		if (!err)
			p->x->nodes[*out].v.d = t.d;
		break;
	case T_STRING:
	case T_IDENT:
		err = new_node(p, t.type == T_STRING ? N_STRING : N_IDENT,
			       t.off, out);
		if (!err) {
			p->x->nodes[*out].v.s.off = t.soff;
			p->x->nodes[*out].v.s.len = t.slen;
		}
		break;
	case T_TRUE:
	case T_FALSE:
		err = new_node(p, N_BOOL, t.off, out);
		if (!err)
			p->x->nodes[*out].v.b = t.type == T_TRUE;
		break;
	case T_NULL:
		err = new_node(p, N_NULL, t.off, out);
		break;
	default:
		return unexpected(p);
	}
	if (!err)
		err = seal(p, *out);
	if (!err)
		err = advance(p);
	if (err || t.type != T_IDENT || p->tok.type != T_LPAREN)
		return err;
	/* a global call: name(args) */
	n = &p->x->nodes[*out];
	n->kind = N_CALL;
	err = parse_args(p, *out);
	if (err)
		return err;
	if (!strcmp(p->pool.data + t.soff, "has"))
		return finish_has(p, *out, t.off);
	return finish_call(p, *out, p->pool.data + t.soff, t.off);
}

static int parse_member(struct parser *p, int32_t *out)
{
	int err = parse_primary(p, out);
	int32_t sel, idx;
	struct token t;

	while (!err) {
		t = p->tok;
		if (t.type == T_DOT) {
			err = advance(p);
			if (err)
				return err;
			if (p->tok.type != T_IDENT)
				return xerr_set(p->er, -JF_EPARSE, p->tok.off,
						"expected a member name after "
						"'.'");
			err = new_node(p, N_MEMBER, t.off, &sel);
			if (err)
				return err;
			p->x->nodes[sel].a = *out;
			p->x->nodes[sel].v.s.off = p->tok.soff;
			p->x->nodes[sel].v.s.len = p->tok.slen;
			t = p->tok;
			err = advance(p);
			if (!err && p->tok.type == T_LPAREN) {
				struct node *n = &p->x->nodes[sel];

				/* receiver.name(args) */
				n->kind = N_CALL;
				n->method = 1;
				n->nargs = 1;
				n->off = t.off;
				err = parse_args(p, sel);
				if (!err &&
				    !strcmp(p->pool.data + t.soff, "has"))
					err = finish_has(p, sel, t.off);
				else if (!err)
					err = finish_call(p, sel,
							  p->pool.data + t.soff,
							  t.off);
			} else if (!err) {
				err = seal(p, sel);
			}
			*out = sel;
		} else if (t.type == T_LBRACK) {
			err = advance(p);
			if (!err)
				err = parse_expr(p, &idx);
			if (!err)
				err = expect(p, T_RBRACK, "]");
			if (!err)
				err = binary(p, N_INDEX, 0, t.off, *out, idx,
					     out);
		} else {
			break;
		}
	}
	return err;
}

static int enter(struct parser *p)
{
	if (++p->nest > JF_EXPR_MAX_DEPTH)
		return xerr_set(p->er, -JF_EPARSE, p->tok.off,
				"expression is nested deeper than %d levels",
				JF_EXPR_MAX_DEPTH);
	return 0;
}

static int parse_unary(struct parser *p, int32_t *out)
{
	struct token t = p->tok;
	int32_t a;
	int err;

	if (t.type != T_NOT && t.type != T_MINUS)
		return parse_member(p, out);
	err = enter(p);
	if (!err)
		err = advance(p);
	if (err)
		return err;
	/* -9223372036854775808 is the literal INT64_MIN */
	if (t.type == T_MINUS && p->tok.type == T_INT &&
	    p->tok.u == UINT64_C(1) << 63) {
		p->tok.u = 0;
		err = parse_member(p, out);
		if (!err && p->x->nodes[*out].kind == N_INT) {
			p->x->nodes[*out].v.i = INT64_MIN;
			p->x->nodes[*out].off = t.off;
		}
		if (!err && p->x->nodes[*out].kind != N_INT)
			err = xerr_set(p->er, -JF_EPARSE, t.off,
				       "integer literal out of range");
		p->nest--;
		return err;
	}
	err = parse_unary(p, &a);
	if (!err)
		err = binary(p, t.type == T_NOT ? N_NOT : N_NEG, t.type, t.off,
			     a, -1, out);
	p->nest--;
	return err;
}

static int parse_binary_level(struct parser *p, int level, int32_t *out);

/* Operator levels from loosest to tightest (|| and && build N_OR/N_AND). */
static bool level_has(int level, int type)
{
	switch (level) {
	case 0:
		return type == T_OR;
	case 1:
		return type == T_AND;
	case 2:
		return type == T_EQ || type == T_NE || type == T_LT ||
		       type == T_LE || type == T_GT || type == T_GE ||
		       type == T_IN;
	case 3:
		return type == T_PLUS || type == T_MINUS;
	default:
		return type == T_STAR || type == T_SLASH || type == T_PERCENT;
	}
}

static int parse_operand(struct parser *p, int level, int32_t *out)
{
	return level == 4 ? parse_unary(p, out)
			  : parse_binary_level(p, level + 1, out);
}

static int parse_binary_level(struct parser *p, int level, int32_t *out)
{
	int err = parse_operand(p, level, out);
	int32_t b;
	struct token t;
	int kind;

	while (!err && level_has(level, p->tok.type)) {
		t = p->tok;
		err = advance(p);
		if (!err)
			err = parse_operand(p, level, &b);
		if (err)
			break;
		kind = t.type == T_OR	 ? N_OR
		       : t.type == T_AND ? N_AND
					 : N_BINOP;
		err = binary(p, kind, t.type, t.off, *out, b, out);
	}
	return err;
}

static int parse_expr(struct parser *p, int32_t *out)
{
	int32_t a, b, c;
	uint32_t off;
	int err = enter(p);

	if (!err)
		err = parse_binary_level(p, 0, &a);
	if (!err && p->tok.type == T_QUEST) {
		off = p->tok.off;
		err = advance(p);
		if (!err)
			err = parse_binary_level(p, 0, &b);
		if (!err)
			err = expect(p, T_COLON, ":");
		if (!err)
			err = parse_expr(p, &c);
		if (!err)
			err = new_node(p, N_COND, off, out);
		if (!err) {
			p->x->nodes[*out].a = a;
			p->x->nodes[*out].b = b;
			p->x->nodes[*out].c = c;
			err = seal(p, *out);
		}
	} else if (!err) {
		*out = a;
	}
	p->nest--;
	return err;
}

void node_describe(const struct jf_expr *x, int32_t ni, const char *fallback,
		   char *buf, size_t cap)
{
	const struct node *n = &x->nodes[ni];
	const struct node *idx;
	size_t len;

	buf[0] = '\0';
	if (n->kind == N_IDENT) {
		snprintf(buf, cap, "%s", node_str(x, n));
	} else if (n->kind == N_MEMBER || n->kind == N_INDEX) {
		node_describe(x, n->a, NULL, buf, cap);
		len = strlen(buf);
		idx = n->kind == N_INDEX ? &x->nodes[n->b] : NULL;
		if (!buf[0] || len >= cap - 1)
			buf[0] = '\0';
		else if (!idx)
			snprintf(buf + len, cap - len, ".%s", node_str(x, n));
		else if (idx->kind == N_INT)
			snprintf(buf + len, cap - len, "[%lld]",
				 (long long)idx->v.i);
		else if (idx->kind == N_STRING)
			snprintf(buf + len, cap - len, "['%s']",
				 node_str(x, idx));
		else
			buf[0] = '\0';
	}
	if (strlen(buf) >= cap - 1)
		buf[0] = '\0'; /* may be truncated: say the type instead */
	if (!buf[0] && fallback)
		snprintf(buf, cap, "%s", fallback);
}

uint32_t node_start(const struct jf_expr *x, int32_t ni)
{
	const struct node *n = &x->nodes[ni];

	switch (n->kind) {
	case N_MEMBER:
	case N_INDEX:
	case N_BINOP:
	case N_AND:
	case N_OR:
	case N_COND:
		return node_start(x, n->a);
	case N_CALL:
		return n->method ? node_start(x, n->a) : n->off;
	default:
		return n->off;
	}
}

uint32_t expr_start_off(const struct jf_expr *x)
{
	return node_start(x, x->root);
}

void jf_expr_free(struct jf_expr *x)
{
	if (!x)
		return;
	for (uint32_t i = 0; i < x->nres; i++)
		re_free(x->res[i]);
	free(x->res);
	free(x->nodes);
	free(x->pool);
	free(x->src);
	free(x);
}

int expr_compile_n(const char *src, size_t len, struct jf_expr **out,
		   struct xerr *er)
{
	struct parser p;
	struct jf_expr *x;
	size_t bad;
	int err;

	*out = NULL;
	if (len > JF_EXPR_MAX_LEN)
		return xerr_set(er, -JF_EPARSE, 0,
				"expression is %zu bytes, the limit is %d", len,
				JF_EXPR_MAX_LEN);
	bad = utf8_invalid_at(src, len);
	if (bad < len)
		return xerr_set(er, -JF_EPARSE, (uint32_t)bad, "invalid UTF-8");
	if (memchr(src, '\0', len))
		return xerr_set(
			er, -JF_EPARSE,
			(uint32_t)((const char *)memchr(src, '\0', len) - src),
			"NUL character in expression");
	x = calloc(1, sizeof(*x));
	if (!x)
		return xerr_set(er, -ENOMEM, 0, "out of memory");
	x->src = malloc(len + 1);
	if (!x->src) {
		free(x);
		return xerr_set(er, -ENOMEM, 0, "out of memory");
	}
	memcpy(x->src, src, len);
	x->src[len] = '\0';
	x->srclen = len;
	memset(&p, 0, sizeof(p));
	p.x = x;
	p.er = er;
	jf_buf_init(&p.pool, 0);
	p.lx.src = x->src;
	p.lx.len = len;
	p.lx.pool = &p.pool;
	err = advance(&p);
	if (!err && p.tok.type == T_EOF)
		err = xerr_set(er, -JF_EPARSE, p.tok.off, "empty expression");
	if (!err)
		err = parse_expr(&p, &x->root);
	if (!err && p.tok.type != T_EOF)
		err = unexpected(&p);
	if (!err && !p.pool.data && jf_buf_putc(&p.pool, '\0'))
		err = xerr_set(er, -ENOMEM, 0, "out of memory");
	if (err) {
		jf_buf_release(&p.pool);
		jf_expr_free(x);
		return er->code;
	}
	x->poollen = p.pool.len;
	x->pool = jf_buf_steal(&p.pool);
	if (!x->pool) {
		jf_expr_free(x);
		return xerr_set(er, -ENOMEM, 0, "out of memory");
	}
	*out = x;
	return 0;
}

int jf_expr_compile(const char *src, struct jf_expr **out, struct jf_errmsg *e)
{
	struct xerr er = {0};
	size_t len;
	int err;

	*out = NULL;
	if (!src)
		return jf_errf(e, -JF_EPARSE, "col 1: empty expression");
	len = strlen(src);
	err = expr_compile_n(src, len, out, &er);
	return err ? xerr_report(e, &er, src, 0) : 0;
}

const char *jf_expr_source(const struct jf_expr *x)
{
	return x->src;
}
