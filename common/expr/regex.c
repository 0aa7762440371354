/* regex.c - a linear-time regular expression matcher for matches(): an
 * RE2 syntax subset parsed into a small AST, compiled to a Thompson NFA
 * program and run as a set of threads over the subject's code points, so
 * matching costs O(len(subject) x len(program)) whatever the pattern. */
#include "expr_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	R_EMPTY,
	R_LIT,
	R_ANY,
	R_CLASS,
	R_BOL,
	R_EOL,
	R_WORDB,
	R_NWORDB,
	R_CAT, /* children a..., linked by next */
	R_ALT,
	R_REP, /* a{min,max}, max -1 = unbounded */
};

struct rnode {
	uint8_t op;
	int32_t a, next;
	uint32_t cp; /* R_LIT code point, R_CLASS class index */
	int min, max;
};

struct rclass {
	uint32_t first, n; /* ranges[first .. first+n) */
};

enum {
	I_CHAR,
	I_ANY, /* any code point but '\n' */
	I_CLASS,
	I_SPLIT,
	I_JMP,
	I_BOL,
	I_EOL,
	I_WORDB,
	I_NWORDB,
	I_MATCH,
};

struct rinst {
	uint8_t op;
	uint32_t x, y;
};

struct re_prog {
	uint32_t n;
	struct rinst *inst;
	uint32_t *ranges; /* pairs lo, hi */
	struct rclass *classes;
};

struct rparse {
	const char *s;
	size_t n, i;
	struct rnode *nodes;
	int nn, cap;
	uint32_t *rg; /* pairs */
	size_t nrg, rgcap;
	struct rclass *cls;
	uint32_t ncls, clscap;
	int depth;
	char *msg;
	size_t msgcap;
};

#define RE_MAX_NEST 64

static int fail(struct rparse *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct rparse *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->msg, p->msgcap, fmt, ap);
	va_end(ap);
	return -1;
}

static int rnew(struct rparse *p, int op, int32_t *out)
{
	if (p->nn == p->cap) {
		int cap = p->cap ? p->cap * 2 : 32;
		struct rnode *n = realloc(p->nodes, (size_t)cap * sizeof(*n));

		if (!n)
			return fail(p, "out of memory");
		p->nodes = n;
		p->cap = cap;
	}
	*out = p->nn++;
	memset(&p->nodes[*out], 0, sizeof(p->nodes[0]));
	p->nodes[*out].op = (uint8_t)op;
	p->nodes[*out].a = p->nodes[*out].next = -1;
	return 0;
}

static int add_range(struct rparse *p, uint32_t lo, uint32_t hi)
{
	if (p->nrg == p->rgcap) {
		size_t cap = p->rgcap ? p->rgcap * 2 : 32;
		uint32_t *r = realloc(p->rg, cap * 2 * sizeof(*r));

		if (!r)
			return fail(p, "out of memory");
		p->rg = r;
		p->rgcap = cap;
	}
	p->rg[2 * p->nrg] = lo;
	p->rg[2 * p->nrg + 1] = hi;
	p->nrg++;
	return 0;
}

static const uint32_t digit_rg[] = {'0', '9'};
static const uint32_t word_rg[] = {'0', '9', 'A', 'Z', '_', '_', 'a', 'z'};
static const uint32_t space_rg[] = {'\t', '\n', '\f', '\r', ' ', ' '};

/* Adds the ranges of a \d \w \s class (or their complement) from the
 * sorted table t of n pairs. */
static int add_perl(struct rparse *p, const uint32_t *t, size_t n, bool neg)
{
	uint32_t next = 0;
	int err = 0;

	for (size_t k = 0; k < n && !err; k++) {
		if (!neg)
			err = add_range(p, t[2 * k], t[2 * k + 1]);
		else if (t[2 * k] > next)
			err = add_range(p, next, t[2 * k] - 1);
		next = t[2 * k + 1] + 1;
	}
	if (!err && neg)
		err = add_range(p, next, 0x10FFFF);
	return err;
}

/* \d \D \w \W \s \S: adds to the current class; 1 if c was one of them. */
static int perl_class(struct rparse *p, char c, int *err)
{
	switch (c) {
	case 'd':
	case 'D':
		*err = add_perl(p, digit_rg, 1, c == 'D');
		return 1;
	case 'w':
	case 'W':
		*err = add_perl(p, word_rg, 4, c == 'W');
		return 1;
	case 's':
	case 'S':
		*err = add_perl(p, space_rg, 3, c == 'S');
		return 1;
	default:
		return 0;
	}
}

static int hexv(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A single-character escape after '\' at p->i (consumed): \n \t \r \f \v
 * \xHH and escaped punctuation. */
static int escape_char(struct rparse *p, uint32_t *cp)
{
	char c = p->s[p->i++];

	switch (c) {
	case 'n':
		*cp = '\n';
		return 0;
	case 't':
		*cp = '\t';
		return 0;
	case 'r':
		*cp = '\r';
		return 0;
	case 'f':
		*cp = '\f';
		return 0;
	case 'v':
		*cp = '\v';
		return 0;
	case 'x':
		if (p->i + 2 > p->n || hexv(p->s[p->i]) < 0 ||
		    hexv(p->s[p->i + 1]) < 0)
			return fail(p, "'\\x' needs two hex digits");
		*cp = (uint32_t)(hexv(p->s[p->i]) * 16 + hexv(p->s[p->i + 1]));
		p->i += 2;
		return 0;
	default:
		if ((unsigned char)c < 0x80 && c > 0x20 &&
		    !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z'))) {
			*cp = (unsigned char)c;
			return 0;
		}
		if ((unsigned char)c < 0x80 && c > 0x20)
			return fail(p, "unsupported escape '\\%c'", c);
		return fail(p, "unsupported escape");
	}
}

static int cmp_range(const void *x, const void *y)
{
	const uint32_t *a = x, *b = y;

	return (a[0] > b[0]) - (a[0] < b[0]);
}

/* Sorts and merges the ranges added since first; complements if neg. */
static int finish_class(struct rparse *p, size_t first, bool neg, int32_t *out)
{
	size_t n = p->nrg - first, m = 0;
	uint32_t *r = p->rg + 2 * first, next = 0;
	int err;

	qsort(r, n, 2 * sizeof(*r), cmp_range);
	for (size_t k = 0; k < n; k++) {
		if (m && r[2 * k] <= r[2 * (m - 1) + 1] + 1) {
			if (r[2 * k + 1] > r[2 * (m - 1) + 1])
				r[2 * (m - 1) + 1] = r[2 * k + 1];
			continue;
		}
		r[2 * m] = r[2 * k];
		r[2 * m + 1] = r[2 * k + 1];
		m++;
	}
	p->nrg = first + m;
	if (neg) {
		uint32_t *copy = malloc((m ? m : 1) * 2 * sizeof(*copy));

		if (!copy)
			return fail(p, "out of memory");
		memcpy(copy, p->rg + 2 * first, m * 2 * sizeof(*copy));
		p->nrg = first;
		err = 0;
		for (size_t k = 0; k < m && !err; k++) {
			if (copy[2 * k] > next)
				err = add_range(p, next, copy[2 * k] - 1);
			next = copy[2 * k + 1] + 1;
		}
		if (!err && next <= 0x10FFFF)
			err = add_range(p, next, 0x10FFFF);
		free(copy);
		if (err)
			return err;
	}
	if (p->ncls == p->clscap) {
		uint32_t cap = p->clscap ? p->clscap * 2 : 8;
		struct rclass *c = realloc(p->cls, cap * sizeof(*c));

		if (!c)
			return fail(p, "out of memory");
		p->cls = c;
		p->clscap = cap;
	}
	p->cls[p->ncls].first = (uint32_t)first;
	p->cls[p->ncls].n = (uint32_t)(p->nrg - first);
	err = rnew(p, R_CLASS, out);
	if (!err)
		p->nodes[*out].cp = p->ncls++;
	return err;
}

/* One class item: a code point (returns 0 with *cp) or a perl class
 * added directly (returns 1). */
static int class_item(struct rparse *p, uint32_t *cp)
{
	int err = 0;

	if (p->s[p->i] == '\\') {
		if (++p->i >= p->n)
			return fail(p, "trailing '\\'");
		if (perl_class(p, p->s[p->i], &err)) {
			p->i++;
			return err ? err : 1;
		}
		return escape_char(p, cp);
	}
	*cp = utf8_next(p->s, p->n, &p->i);
	return 0;
}

static int parse_class(struct rparse *p, int32_t *out)
{
	size_t first = p->nrg;
	bool neg = false, start = true;
	uint32_t lo, hi;
	int r;

	p->i++; /* '[' */
	if (p->i < p->n && p->s[p->i] == '^') {
		neg = true;
		p->i++;
	}
	for (;;) {
		if (p->i >= p->n)
			return fail(p, "missing ']'");
		if (p->s[p->i] == ']' && !start)
			break;
		if (p->s[p->i] == '[' && p->i + 1 < p->n &&
		    p->s[p->i + 1] == ':')
			return fail(p, "POSIX classes like '[:alpha:]' are "
				       "not supported");
		start = false;
		r = class_item(p, &lo);
		if (r < 0)
			return r;
		if (r == 1 && p->i + 1 < p->n && p->s[p->i] == '-' &&
		    p->s[p->i + 1] != ']')
			return fail(p, "invalid character class range");
		if (r == 1)
			continue;
		hi = lo;
		if (p->i + 1 < p->n && p->s[p->i] == '-' &&
		    p->s[p->i + 1] != ']') {
			p->i++;
			r = class_item(p, &hi);
			if (r < 0)
				return r;
			if (r == 1 || hi < lo)
				return fail(p, "invalid character class range");
		}
		if (add_range(p, lo, hi))
			return -1;
	}
	p->i++; /* ']' */
	return finish_class(p, first, neg, out);
}

static int parse_alt(struct rparse *p, int32_t *out);

/* Parses {n}, {n,} or {n,m} at p->i; 0 and moves on when it is one, 1 when
 * the text is not a repetition (a literal '{'), -1 on error. */
static int parse_braces(struct rparse *p, int *min, int *max)
{
	size_t i = p->i + 1;
	long v[2] = {0, -1};
	int k = 0;
	bool any;

	for (; k < 2; k++) {
		any = false;
		while (i < p->n && p->s[i] >= '0' && p->s[i] <= '9') {
			if (v[k] < 0)
				v[k] = 0;
			if (v[k] <= EXPR_RE_MAX_REPEAT)
				v[k] = v[k] * 10 + (p->s[i] - '0');
			any = true;
			i++;
		}
		if (k == 0 && !any)
			return 1;
		if (i >= p->n)
			return 1;
		if (p->s[i] == '}') {
			if (k == 0)
				v[1] = v[0];
			break;
		}
		if (k == 1 || p->s[i] != ',')
			return 1;
		i++;
	}
	if (v[0] > EXPR_RE_MAX_REPEAT || v[1] > EXPR_RE_MAX_REPEAT)
		return fail(p, "repetition count over %d", EXPR_RE_MAX_REPEAT);
	if (v[1] >= 0 && v[1] < v[0])
		return fail(p, "invalid repetition range {%ld,%ld}", v[0],
			    v[1]);
	*min = (int)v[0];
	*max = (int)v[1];
	p->i = i + 1;
	return 0;
}

static int parse_atom(struct rparse *p, int32_t *out)
{
	char c = p->s[p->i];
	uint32_t cp;
	int err = 0, mn, mx;
	size_t save;

	switch (c) {
	case '(':
		if (++p->depth > RE_MAX_NEST)
			return fail(p, "groups nested deeper than %d",
				    RE_MAX_NEST);
		p->i++;
		if (p->i < p->n && p->s[p->i] == '?') {
			if (p->i + 1 < p->n && p->s[p->i + 1] == ':')
				p->i += 2;
			else
				return fail(p, "unsupported group syntax "
					       "'(?'");
		}
		err = parse_alt(p, out);
		if (err)
			return err;
		if (p->i >= p->n || p->s[p->i] != ')')
			return fail(p, "missing ')'");
		p->i++;
		p->depth--;
		return 0;
	case ')':
		return fail(p, "unexpected ')'");
	case '[':
		return parse_class(p, out);
	case '.':
		p->i++;
		return rnew(p, R_ANY, out);
	case '^':
		p->i++;
		return rnew(p, R_BOL, out);
	case '$':
		p->i++;
		return rnew(p, R_EOL, out);
	case '*':
	case '+':
	case '?':
		return fail(p, "missing argument to repetition operator '%c'",
			    c);
	case '{':
		save = p->i;
		err = parse_braces(p, &mn, &mx);
		if (err < 0)
			return err;
		if (err == 0)
			return fail(p, "missing argument to repetition "
				       "operator '{'");
		p->i = save + 1;
		err = rnew(p, R_LIT, out);
		if (!err)
			p->nodes[*out].cp = '{';
		return err;
	case '\\':
		if (++p->i >= p->n)
			return fail(p, "trailing '\\'");
		c = p->s[p->i];
		if (c == 'b' || c == 'B' || c == 'A' || c == 'z') {
			p->i++;
			return rnew(p,
				    c == 'b'   ? R_WORDB
				    : c == 'B' ? R_NWORDB
				    : c == 'A' ? R_BOL
					       : R_EOL,
				    out);
		}
		save = p->nrg;
		if (perl_class(p, c, &err)) {
			p->i++;
			return err ? err : finish_class(p, save, false, out);
		}
		if (escape_char(p, &cp))
			return -1;
		break;
	default:
		cp = utf8_next(p->s, p->n, &p->i);
	}
	err = rnew(p, R_LIT, out);
	if (!err)
		p->nodes[*out].cp = cp;
	return err;
}

static int parse_repeat(struct rparse *p, int32_t *out)
{
	int32_t rep;
	int mn, mx, err = parse_atom(p, out);
	bool quantified = false;

	while (!err && p->i < p->n) {
		char c = p->s[p->i];

		if (c == '*' || c == '+' || c == '?') {
			mn = c == '+' ? 1 : 0;
			mx = c == '?' ? 1 : -1;
			p->i++;
		} else if (c == '{') {
			err = parse_braces(p, &mn, &mx);
			if (err < 0)
				return err;
			if (err == 1)
				return 0; /* a literal '{' follows */
		} else {
			break;
		}
		if (quantified)
			return fail(p, "bad repetition operator (two in a "
				       "row)");
		quantified = true;
		if (p->i < p->n && p->s[p->i] == '?')
			p->i++; /* non-greedy: the same for matches() */
		err = rnew(p, R_REP, &rep);
		if (err)
			return err;
		p->nodes[rep].a = *out;
		p->nodes[rep].min = mn;
		p->nodes[rep].max = mx;
		*out = rep;
	}
	return err;
}

static int parse_cat(struct rparse *p, int32_t *out)
{
	int32_t cat, last = -1, item;
	int err = rnew(p, R_CAT, &cat);

	while (!err && p->i < p->n && p->s[p->i] != '|' && p->s[p->i] != ')') {
		err = parse_repeat(p, &item);
		if (err)
			return err;
		if (last < 0)
			p->nodes[cat].a = item;
		else
			p->nodes[last].next = item;
		last = item;
	}
	*out = cat;
	return err;
}

static int parse_alt(struct rparse *p, int32_t *out)
{
	int32_t alt, last, item;
	int err = parse_cat(p, &item);

	if (err || p->i >= p->n || p->s[p->i] != '|') {
		*out = item;
		return err;
	}
	err = rnew(p, R_ALT, &alt);
	if (err)
		return err;
	p->nodes[alt].a = item;
	last = item;
	while (p->i < p->n && p->s[p->i] == '|') {
		p->i++;
		err = parse_cat(p, &item);
		if (err)
			return err;
		p->nodes[last].next = item;
		last = item;
	}
	*out = alt;
	return 0;
}

/* --- code generation ------------------------------------------------------*/

#define SIZE_INF (1u << 30)
#define NO_JUMP	 0xFFFFFFFFu

static uint32_t sat_add(uint32_t a, uint32_t b)
{
	return a + b > SIZE_INF ? SIZE_INF : a + b;
}

static uint32_t sat_mul(uint32_t a, uint32_t b)
{
	return b && a > SIZE_INF / b ? SIZE_INF : a * b;
}

static uint32_t prog_size(const struct rparse *p, int32_t ni)
{
	const struct rnode *n = &p->nodes[ni];
	uint32_t s = 0, k = 0, sub;

	switch (n->op) {
	case R_EMPTY:
		return 0;
	case R_CAT:
	case R_ALT:
		for (int32_t c = n->a; c >= 0; c = p->nodes[c].next, k++)
			s = sat_add(s, prog_size(p, c));
		return n->op == R_ALT && k ? sat_add(s, 2 * (k - 1)) : s;
	case R_REP:
		sub = prog_size(p, n->a);
		if (n->max < 0)
			return n->min == 0
				       ? sat_add(sub, 2)
				       : sat_add(sat_mul(sub, (uint32_t)n->min),
						 1);
		return sat_add(
			sat_mul(sub, (uint32_t)n->min),
			sat_mul(sat_add(sub, 1), (uint32_t)(n->max - n->min)));
	default:
		return 1;
	}
}

static uint32_t emit(struct re_prog *g, int op, uint32_t x, uint32_t y)
{
	g->inst[g->n].op = (uint8_t)op;
	g->inst[g->n].x = x;
	g->inst[g->n].y = y;
	return g->n++;
}

static void gen(const struct rparse *p, int32_t ni, struct re_prog *g)
{
	const struct rnode *n = &p->nodes[ni];
	uint32_t l, split;
	int32_t c;
	static const uint8_t simple[] = {
		[R_LIT] = I_CHAR,     [R_ANY] = I_ANY, [R_CLASS] = I_CLASS,
		[R_BOL] = I_BOL,      [R_EOL] = I_EOL, [R_WORDB] = I_WORDB,
		[R_NWORDB] = I_NWORDB};

	switch (n->op) {
	case R_EMPTY:
		return;
	case R_CAT:
		for (c = n->a; c >= 0; c = p->nodes[c].next)
			gen(p, c, g);
		return;
	case R_ALT:
		/* pending jumps to the end are chained through their x */
		l = NO_JUMP;
		for (c = n->a; c >= 0; c = p->nodes[c].next) {
			if (p->nodes[c].next < 0) {
				gen(p, c, g);
				break;
			}
			split = emit(g, I_SPLIT, g->n + 1, 0);
			gen(p, c, g);
			l = emit(g, I_JMP, l, 0);
			g->inst[split].y = g->n;
		}
		while (l != NO_JUMP) {
			uint32_t prev = g->inst[l].x;

			g->inst[l].x = g->n;
			l = prev;
		}
		return;
	case R_REP:
		for (int k = 0; k < n->min - (n->max < 0 ? 1 : 0); k++)
			gen(p, n->a, g);
		if (n->max < 0 && n->min == 0) {
			l = emit(g, I_SPLIT, 0, 0);
			g->inst[l].x = g->n;
			gen(p, n->a, g);
			emit(g, I_JMP, l, 0);
			g->inst[l].y = g->n;
		} else if (n->max < 0) {
			l = g->n;
			gen(p, n->a, g);
			emit(g, I_SPLIT, l, g->n + 1);
		} else {
			for (int k = n->min; k < n->max; k++) {
				split = emit(g, I_SPLIT, g->n + 1, 0);
				gen(p, n->a, g);
				g->inst[split].y = g->n;
			}
		}
		return;
	default:
		emit(g, simple[n->op], n->cp, 0);
	}
}

void re_free(struct re_prog *g)
{
	if (!g)
		return;
	free(g->inst);
	free(g->ranges);
	free(g->classes);
	free(g);
}

int re_compile(const char *pat, size_t len, struct re_prog **out, char *msg,
	       size_t msgcap)
{
	struct rparse p = {.s = pat, .n = len, .msg = msg, .msgcap = msgcap};
	struct re_prog *g = NULL;
	uint32_t size;
	int32_t root;
	int err;

	*out = NULL;
	if (len > EXPR_RE_MAX_PATTERN) {
		snprintf(msg, msgcap, "pattern is %zu bytes, the limit is %d",
			 len, EXPR_RE_MAX_PATTERN);
		return -1;
	}
	err = parse_alt(&p, &root);
	if (!err && p.i < p.n)
		err = fail(&p, "unexpected ')'");
	if (err)
		goto out_free;
	size = prog_size(&p, root) + 1;
	if (size > EXPR_RE_MAX_PROG) {
		err = fail(&p, "pattern too large (over %d instructions)",
			   EXPR_RE_MAX_PROG);
		goto out_free;
	}
	g = calloc(1, sizeof(*g));
	if (g)
		g->inst = malloc(size * sizeof(*g->inst));
	if (!g || !g->inst) {
		err = fail(&p, "out of memory");
		goto out_free;
	}
	gen(&p, root, g);
	emit(g, I_MATCH, 0, 0);
	g->ranges = p.rg;
	g->classes = p.cls;
	p.rg = NULL;
	p.cls = NULL;
	*out = g;
	g = NULL;
out_free:
	re_free(g);
	free(p.nodes);
	free(p.rg);
	free(p.cls);
	return err ? -1 : 0;
}

/* --- matching -------------------------------------------------------------*/

#define NO_CHAR 0xFFFFFFFFu

size_t re_scratch_size(const struct re_prog *g)
{
	return 4 * (size_t)g->n * sizeof(uint32_t);
}

static bool in_class(const struct re_prog *g, uint32_t ci, uint32_t cp)
{
	const uint32_t *r = g->ranges + 2 * g->classes[ci].first;
	size_t lo = 0, hi = g->classes[ci].n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (cp < r[2 * mid])
			hi = mid;
		else if (cp > r[2 * mid + 1])
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

static bool is_word(uint32_t cp)
{
	return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') ||
	       (cp >= 'A' && cp <= 'Z') || cp == '_';
}

struct rsim {
	const struct re_prog *g;
	uint32_t *mark, *stack, gen;
	uint64_t steps;
	bool matched;
};

/* Adds pc and everything reachable from it without consuming input to
 * list, at a position between prev and cur (NO_CHAR at either end). */
static void add(struct rsim *m, uint32_t *list, uint32_t *nl, uint32_t pc,
		uint32_t prev, uint32_t cur)
{
	uint32_t sp = 0;
	const struct rinst *in;
	bool ok;

	if (m->mark[pc] == m->gen)
		return;
	m->mark[pc] = m->gen;
	m->stack[sp++] = pc;
	while (sp) {
		pc = m->stack[--sp];
		in = &m->g->inst[pc];
		m->steps++;
		switch (in->op) {
		case I_JMP:
		case I_SPLIT:
		case I_BOL:
		case I_EOL:
		case I_WORDB:
		case I_NWORDB:
			ok = in->op == I_JMP || in->op == I_SPLIT ||
			     (in->op == I_BOL && prev == NO_CHAR) ||
			     (in->op == I_EOL && cur == NO_CHAR) ||
			     (in->op == I_WORDB &&
			      is_word(prev) != is_word(cur)) ||
			     (in->op == I_NWORDB &&
			      is_word(prev) == is_word(cur));
			if (!ok)
				break;
			if (in->op == I_SPLIT && m->mark[in->y] != m->gen) {
				m->mark[in->y] = m->gen;
				m->stack[sp++] = in->y;
			}
			{
				uint32_t nx =
					in->op == I_JMP || in->op == I_SPLIT
						? in->x
						: pc + 1;

				if (m->mark[nx] != m->gen) {
					m->mark[nx] = m->gen;
					m->stack[sp++] = nx;
				}
			}
			break;
		case I_MATCH:
			m->matched = true;
			break;
		default:
			list[(*nl)++] = pc;
		}
	}
}

static bool consumes(const struct re_prog *g, const struct rinst *in,
		     uint32_t cp)
{
	switch (in->op) {
	case I_CHAR:
		return in->x == cp;
	case I_ANY:
		return cp != '\n';
	default:
		return in_class(g, in->x, cp);
	}
}

int re_match(const struct re_prog *g, const char *s, size_t n, void *scratch,
	     uint64_t *budget)
{
	uint32_t *cl = scratch, *nl = cl + g->n, *tmp;
	uint32_t ncl = 0, nnl, prev = NO_CHAR, cur, next;
	struct rsim m = {.g = g, .mark = nl + g->n, .stack = nl + 2 * g->n};
	size_t pos = 0, after = 0, after2;
	bool anchored = g->inst[0].op == I_BOL;
	int r;

	memset(m.mark, 0, g->n * sizeof(uint32_t));
	m.gen = 1;
	cur = n ? utf8_next(s, n, &after) : NO_CHAR;
	for (;;) {
		if (!anchored || pos == 0)
			add(&m, cl, &ncl, 0, prev, cur);
		if (m.matched) {
			r = 1;
			break;
		}
		if (pos >= n || (ncl == 0 && anchored)) {
			r = 0;
			break;
		}
		if (m.steps > *budget) {
			r = -1;
			break;
		}
		/* consume cur */
		m.gen++;
		nnl = 0;
		after2 = after;
		next = after < n ? utf8_next(s, n, &after2) : NO_CHAR;
		for (uint32_t k = 0; k < ncl; k++) {
			const struct rinst *in = &g->inst[cl[k]];

			if (consumes(g, in, cur))
				add(&m, nl, &nnl, cl[k] + 1, cur, next);
		}
		tmp = cl;
		cl = nl;
		nl = tmp;
		ncl = nnl;
		prev = cur;
		cur = next;
		pos = after;
		after = after2;
	}
	*budget -= m.steps < *budget ? m.steps : *budget;
	return r;
}
