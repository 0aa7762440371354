/* expr_int.h - private declarations shared by the files of common/expr/:
 * tokens, the AST, runtime values, the evaluation arena, the regex engine
 * and locale-independent number text.
 *
 * Errors inside the module carry a byte offset into the source (struct
 * xerr); the public entry points turn it into "col N: message" against the
 * text the user wrote (the expression, or the whole template string).
 */
#ifndef JF_EXPR_INT_H
#define JF_EXPR_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "jf_buf.h"
#include "jf_err.h"
#include "jf_expr.h"

#define EXPR_ARENA_MAX	    (16u << 20)	       /* memory of one evaluation */
#define EXPR_JSON_DEPTH	    1000	       /* nesting of values we walk */
#define EXPR_INT_JSON_LIMIT 9007199254740992LL /* 2^53 */

#define EXPR_RE_MAX_PATTERN 1024	 /* bytes of a regex */
#define EXPR_RE_MAX_PROG    2000	 /* instructions after expansion */
#define EXPR_RE_MAX_REPEAT  1000	 /* n and m in {n,m} */
#define EXPR_RE_MAX_SUBJECT (256u << 10) /* bytes matches() will scan */
#define EXPR_RE_BUDGET	    (1u << 25)	 /* NFA steps per evaluation */

/* --- errors ---------------------------------------------------------------*/

struct xerr {
	int code;     /* -JF_E... or -errno */
	uint32_t off; /* byte offset into the source */
	char msg[400];
};

/* Records code, off and a message in er; returns code. */
int xerr_set(struct xerr *er, int code, uint32_t off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* 1-based column (in code points) of byte offset off of src. */
unsigned expr_col(const char *src, size_t off);

/* Writes "col N: msg" into e, N counted in src at byte base + er->off;
 * returns er->code. */
int xerr_report(struct jf_errmsg *e, const struct xerr *er, const char *src,
		size_t base);

/* --- UTF-8 ----------------------------------------------------------------*/

/* Offset of the first byte that is not part of valid UTF-8, or len. */
size_t utf8_invalid_at(const char *s, size_t len);
/* Decodes one code point at s[*i] (invalid bytes give U+FFFD, 1 byte). */
uint32_t utf8_next(const char *s, size_t len, size_t *i);
/* Appends cp as UTF-8 to buf (4 bytes max); returns the length. */
size_t utf8_put(char *buf, uint32_t cp);
/* Number of code points in s[0..len) (continuation bytes do not count). */
size_t utf8_count(const char *s, size_t len);

/* --- numbers (C locale whatever the process locale) -----------------------*/

/* Parses s[0..len) as a decimal double; false on bad syntax or overflow. */
bool num_parse_double(const char *s, size_t len, double *out);
/* Parses [+-]digits; false on bad syntax or int64 overflow. */
bool num_parse_int(const char *s, size_t len, int64_t *out);
/* Shortest round-trip text of a finite d, ECMAScript Number::toString
 * style ("2", "0.5", "1e+21"). buf needs 32 bytes; returns the length. */
size_t num_fmt_double(double d, char *buf);
size_t num_fmt_int(int64_t v, char *buf);

/* --- tokens ---------------------------------------------------------------*/

enum tok_type {
	T_EOF,
	T_INT,
	T_DOUBLE,
	T_STRING,
	T_IDENT,
	T_TRUE,
	T_FALSE,
	T_NULL,
	T_IN,
	T_LPAREN,
	T_RPAREN,
	T_LBRACK,
	T_RBRACK,
	T_DOT,
	T_COMMA,
	T_QUEST,
	T_COLON,
	T_NOT,
	T_MINUS,
	T_PLUS,
	T_STAR,
	T_SLASH,
	T_PERCENT,
	T_EQ,
	T_NE,
	T_LT,
	T_LE,
	T_GT,
	T_GE,
	T_AND,
	T_OR,
};

struct token {
	int type;
	uint32_t off, end; /* source bytes [off, end) */
	uint64_t u;	   /* T_INT: value (up to 2^63, see parse.c) */
	double d;	   /* T_DOUBLE */
	uint32_t soff;	   /* T_STRING, T_IDENT: text in the pool (NUL-ended) */
	uint32_t slen;
};

struct lexer {
	const char *src;
	size_t len;
	size_t pos;
	struct jf_buf *pool; /* decoded strings and names go here */
};

/* Reads the next token into t. Returns 0 or -JF_EPARSE (er filled). */
int lex_next(struct lexer *lx, struct token *t, struct xerr *er);

/* Spelling of an operator token ("+", "&&", "in"). */
const char *tok_op_name(int type);

/* --- AST ------------------------------------------------------------------*/

enum node_kind {
	N_NULL,
	N_BOOL,
	N_INT,
	N_DOUBLE,
	N_STRING,
	N_LIST,	  /* a: first element, linked by next; nargs */
	N_IDENT,  /* name in s */
	N_MEMBER, /* a.s */
	N_INDEX,  /* a[b] */
	N_CALL, /* op: enum fn; a: first argument (the receiver for a method) */
	N_HAS,	/* has(a.s) */
	N_NOT,	/* !a */
	N_NEG,	/* -a */
	N_BINOP, /* a op b (op: token type) */
	N_AND,	 /* a && b */
	N_OR,	 /* a || b */
	N_COND,	 /* a ? b : c */
};

enum fn {
	F_SIZE,
	F_INT,
	F_DOUBLE,
	F_STRING,
	F_STARTS,
	F_ENDS,
	F_CONTAINS,
	F_MATCHES,
	F__N
};

struct node {
	uint8_t kind;
	uint8_t op;	/* N_BINOP: token type; N_CALL: enum fn */
	uint8_t method; /* N_CALL written receiver.f(...) */
	uint8_t depth;	/* height of the subtree */
	uint32_t off;	/* byte offset reported in errors */
	int32_t a, b, c;
	int32_t next; /* next sibling in a list or argument list */
	int32_t re;   /* N_CALL matches() with a literal pattern: regex index */
	uint32_t nargs;
	union {
		bool b;
		int64_t i;
		double d;
		struct {
			uint32_t off, len;
		} s; /* into the pool */
	} v;
};

struct re_prog;

struct jf_expr {
	char *src;
	size_t srclen;
	struct node *nodes;
	uint32_t nnodes;
	int32_t root;
	char *pool;
	size_t poollen;
	struct re_prog **res;
	uint32_t nres;
};

/* Compiles src[0..len) (offsets in errors are relative to src). */
int expr_compile_n(const char *src, size_t len, struct jf_expr **out,
		   struct xerr *er);

static inline const char *node_str(const struct jf_expr *x,
				   const struct node *n)
{
	return x->pool + n->v.s.off;
}

extern const char *const fn_names[F__N];

/* Byte offset where the text of node ni's subtree starts; for the
 * whole expression, where its first token starts. */
uint32_t node_start(const struct jf_expr *x, int32_t ni);
uint32_t expr_start_off(const struct jf_expr *x);

/* How node ni reads in messages: "params.x", "item[0]", "steps['a-b']";
 * fallback (may be NULL) when it is not a simple path. */
void node_describe(const struct jf_expr *x, int32_t ni, const char *fallback,
		   char *buf, size_t cap);

/* --- values ---------------------------------------------------------------*/

enum xkind {
	XK_NULL,
	XK_BOOL,
	XK_INT,
	XK_DOUBLE,
	XK_STRING,
	XK_LIST,
	XK_OBJECT,
	XK__N,
	XK_ANY = XK__N /* static type only */
};

extern const char *const xk_names[XK__N + 1];

struct xval;

struct xlist {
	size_t n;
	size_t weight;
	struct xval *items;
};

/* A runtime value. Strings are NUL-terminated and never contain NUL; they
 * point into the pool, the environment or the arena. Lists are either
 * borrowed JSON arrays (json) or built in the arena (list). Objects are
 * always borrowed JSON objects. */
struct xval {
	uint8_t k;
	bool built; /* XK_LIST: list is set, not json */
	union {
		bool b;
		int64_t i;
		double d;
		struct {
			const char *p;
			size_t n;
		} s;
		const cJSON *json;
		const struct xlist *list;
	} u;
};

struct arena_chunk;

struct arena {
	struct arena_chunk *head;
	char *cur;
	size_t left;
	size_t total;
};

/* Evaluation context. */
struct ectx {
	const struct jf_expr *x;
	const cJSON *env;
	struct arena ar;
	uint64_t re_budget;
	void *re_scratch; /* in the arena, reused by every matches() */
	size_t re_scratch_size;
	struct xerr *er;
};

void arena_init(struct arena *a);
void arena_release(struct arena *a);
/* Returns n bytes (aligned) or NULL when EXPR_ARENA_MAX would be passed or
 * malloc fails. */
void *arena_alloc(struct arena *a, size_t n);
/* arena_alloc() that records an error at off on failure. */
void *ectx_alloc(struct ectx *c, size_t n, uint32_t off);

void xv_from_json(const cJSON *n, struct xval *v);
size_t xv_list_len(const struct xval *v);

/* Iterates the elements of a list value. */
struct xiter {
	const struct xval *list;
	size_t i;
	const cJSON *cur;
};
void xiter_init(struct xiter *it, const struct xval *list);
bool xiter_next(struct xiter *it, struct xval *out);

/* Approximate serialised size of v, computed up to limit (returns a value
 * greater than limit once it is passed). */
size_t xv_weight(const struct xval *v, size_t limit);

/* Deep equality (ints and doubles compare numerically). 0 or error. */
int xv_equal(struct ectx *c, const struct xval *a, const struct xval *b,
	     uint32_t off, bool *out);
/* Ordering of two numbers, strings or bools of compatible kinds: <0,0,>0. */
int xv_order(const struct xval *a, const struct xval *b);

/* Converts v into a new JSON value. Ints beyond 2^53 are an error. */
int xv_to_json(struct ectx *c, const struct xval *v, uint32_t off, cJSON **out);

/* Appends the text of v: strings as they are (top level only), other
 * values as compact JSON. Returns 0 or an error recorded at off. */
int xv_render(struct ectx *c, struct jf_buf *b, const struct xval *v, bool top,
	      uint32_t off);

/* --- typing shared by the checker and the evaluator -----------------------*/

/* Result kind of a op b for concrete kinds, or -1 when not allowed. */
int op_result(int op, int ka, int kb);
/* Result kind of fn applied to argument kinds (nargs 1 or 2), or -1. */
int fn_result(int fn, int nargs, const int *kinds);

/* Evaluation of one node (eval.c) and of a call (func.c). */
int ev_node(struct ectx *c, int32_t ni, struct xval *out);
int ev_call(struct ectx *c, const struct node *n, struct xval *args,
	    struct xval *out);

/* Evaluates x in env into an internal value; the caller owns the arena in
 * c (initialised here) and releases it. */
int expr_eval_val(const struct jf_expr *x, const cJSON *env, struct ectx *c,
		  struct xerr *er, struct xval *out);

/* Type-checks x; *kind is the static result kind (XK_ANY when unknown). */
int expr_check_kind(const struct jf_expr *x, const cJSON *types, int *kind,
		    struct xerr *er);

/* --- regex (a linear-time RE2 subset) -------------------------------------*/

/* Compiles pat[0..len). On error returns -1 with a message in msg. *out
 * is new, free with re_free(). */
int re_compile(const char *pat, size_t len, struct re_prog **out, char *msg,
	       size_t msgcap);
void re_free(struct re_prog *p);
/* Bytes of scratch memory re_match() needs for p. */
size_t re_scratch_size(const struct re_prog *p);
/* Searches s[0..n) for a match anywhere. Spends at most *budget steps
 * (decremented). Returns 1 match, 0 no match, -1 budget exhausted. */
int re_match(const struct re_prog *p, const char *s, size_t n, void *scratch,
	     uint64_t *budget);

#endif /* JF_EXPR_INT_H */
