/* selector.c - Kubernetes label and field selectors for kubesim: the
 * apimachinery grammar, validation messages and matching rules. */
#include "ks_selector.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"

/* Longest selector accepted (query strings are capped anyway). */
#define KS_SELECTOR_MAX_LEN 65536

enum tok {
	T_END,
	T_CLOSE, /* ) */
	T_COMMA, /* , */
	T_NOT,	 /* ! */
	T_DEQ,	 /* == */
	T_EQ,	 /* = */
	T_GT,	 /* > */
	T_IDENT, /* keys and values */
	T_IN,	 /* in */
	T_LT,	 /* < */
	T_NEQ,	 /* != */
	T_NOTIN, /* notin */
	T_OPEN,	 /* ( */
};

enum op {
	OP_IN,
	OP_NOTIN,
	OP_EQ,
	OP_DEQ,
	OP_NEQ,
	OP_GT,
	OP_LT,
	OP_EXISTS,
	OP_NOTEXISTS
};

struct item {
	enum tok tok;
	char *lit;
};

struct req {
	char *key;
	enum op op;
	char **vals; /* sorted, unique */
	int nvals;
};

struct ks_selector {
	struct req *reqs;
	int n;
};

struct parser {
	struct item *items;
	int nitems, pos;
	char *msg;
	size_t cap;
};

static void msgf(char *msg, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void msgf(char *msg, size_t cap, const char *fmt, ...)
{
	va_list ap;

	if (!msg || !cap)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, cap, fmt, ap);
	va_end(ap);
}

/* --- lexer ---------------------------------------------------------------- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_special(char c)
{
	return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' ||
	       c == '>' || c == '<';
}

static const struct {
	const char *s;
	enum tok t;
} keywords[] = {
	{")", T_CLOSE}, {",", T_COMMA},	    {"!", T_NOT},  {"==", T_DEQ},
	{"=", T_EQ},	{">", T_GT},	    {"in", T_IN},  {"<", T_LT},
	{"!=", T_NEQ},	{"notin", T_NOTIN}, {"(", T_OPEN},
};

static int keyword(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++) {
		if (strlen(keywords[i].s) == n &&
		    memcmp(keywords[i].s, s, n) == 0)
			return (int)keywords[i].t;
	}
	return -1;
}

/* Scans s into items (apimachinery's Lexer: the longest run of special
 * symbols that still forms an operator, or a run of other characters). */
static int scan(const char *s, struct parser *p)
{
	size_t len = strlen(s), i = 0, cap = 8;

	p->items = malloc(cap * sizeof(*p->items));
	if (!p->items)
		return -ENOMEM;
	for (;;) {
		size_t start, n;
		int t = T_END;

		while (i < len && is_space(s[i]))
			i++;
		start = i;
		if (i >= len) {
			n = 0;
		} else if (is_special(s[i])) {
			size_t best = 0;

			for (n = 1;
			     start + n <= len && is_special(s[start + n - 1]);
			     n++) {
				int k = keyword(s + start, n);

				if (k >= 0) {
					t = k;
					best = n;
				} else if (best) {
					break;
				}
			}
			n = best; /* every single special symbol is a token */
			i = start + n;
		} else {
			while (i < len && !is_special(s[i]) && !is_space(s[i]))
				i++;
			n = i - start;
			t = keyword(s + start, n);
			if (t < 0)
				t = T_IDENT;
		}
		if (p->nitems == (int)cap) {
			struct item *x;

			cap *= 2;
			x = realloc(p->items, cap * sizeof(*x));
			if (!x)
				return -ENOMEM;
			p->items = x;
		}
		p->items[p->nitems].tok = (enum tok)t;
		p->items[p->nitems].lit = strndup(s + start, n);
		if (!p->items[p->nitems].lit)
			return -ENOMEM;
		p->nitems++;
		if (n == 0)
			return 0;
	}
}

/* The token at the current position; "in" and "notin" read as
 * identifiers where values are expected (apimachinery's Values context). */
static enum tok peek(const struct parser *p, bool values)
{
	enum tok t = p->items[p->pos].tok;

	if (values && (t == T_IN || t == T_NOTIN))
		return T_IDENT;
	return t;
}

static const char *peek_lit(const struct parser *p)
{
	return p->items[p->pos].lit;
}

static enum tok next(struct parser *p, bool values, const char **lit)
{
	enum tok t = peek(p, values);

	*lit = p->items[p->pos].lit;
	if (t != T_END)
		p->pos++;
	return t;
}

/* --- validation (apimachinery util/validation) ---------------------------- */

/* Go's %q for messages: printable ASCII as is, the rest escaped. */
static void quote(char *out, size_t cap, const char *s)
{
	size_t n = 0;

	if (cap < 3)
		return;
	out[n++] = '"';
	for (; *s && n + 6 < cap; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			out[n++] = '\\';
			out[n++] = (char)c;
		} else if (c == '\n') {
			n += (size_t)snprintf(out + n, cap - n, "\\n");
		} else if (c == '\t') {
			n += (size_t)snprintf(out + n, cap - n, "\\t");
		} else if (c < 0x20 || c == 0x7f) {
			n += (size_t)snprintf(out + n, cap - n, "\\x%02x", c);
		} else {
			out[n++] = (char)c;
		}
	}
	out[n++] = '"';
	out[n] = '\0';
}

static bool alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9] */
static bool qualified_name_ok(const char *s, size_t n)
{
	if (n == 0 || !alnum(s[0]) || !alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return false;
	}
	return true;
}

/* [a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)* */
static bool dns1123_subdomain_ok(const char *s, size_t n)
{
	size_t start = 0;

	if (n == 0)
		return false;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.') {
			char c = s[i];

			if (!((c >= 'a' && c <= 'z') ||
			      (c >= '0' && c <= '9') || c == '-'))
				return false;
			continue;
		}
		if (i == start || s[start] == '-' || s[i - 1] == '-')
			return false;
		start = i + 1;
	}
	return true;
}

#define QNAME_MSG                                                              \
	"must consist of alphanumeric characters, '-', '_' or '.', and must "  \
	"start and end with an alphanumeric character (e.g. 'MyName',  or "    \
	"'my.name',  or '123-abc', regex used for validation is "              \
	"'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
#define DNS1123_MSG                                                            \
	"a lowercase RFC 1123 subdomain must consist of lower case "           \
	"alphanumeric characters, '-' or '.', and must start and end with an " \
	"alphanumeric character (e.g. 'example.com', regex used for "          \
	"validation is "                                                       \
	"'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
#define LABEL_VALUE_MSG                                                        \
	"a valid label must be an empty string or consist of alphanumeric "    \
	"characters, '-', '_' or '.', and must start and end with an "         \
	"alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "         \
	"'12345', regex used for validation is "                               \
	"'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"

/* Appends sep + s to buf (s alone when buf is empty). */
static void add_sep(char *buf, size_t cap, const char *sep, const char *s)
{
	size_t n = strlen(buf);

	if (n < cap)
		snprintf(buf + n, cap - n, "%s%s", n ? sep : "", s);
}

/* Appends a validation problem: Go joins them with "; ". */
static void add_err(char *buf, size_t cap, const char *s)
{
	add_sep(buf, cap, "; ", s);
}

/* IsQualifiedName: the problems with key k joined by "; " into errs
 * (empty when valid). */
static void check_key(const char *k, char *errs, size_t cap)
{
	const char *slash = strchr(k, '/');
	const char *name = k;

	errs[0] = '\0';
	if (slash && strchr(slash + 1, '/')) {
		add_err(errs, cap,
			"a qualified name " QNAME_MSG
			" with an optional DNS subdomain prefix and '/' (e.g. "
			"'example.com/MyName')");
		return;
	}
	if (slash) {
		size_t plen = (size_t)(slash - k);

		name = slash + 1;
		if (plen == 0)
			add_err(errs, cap, "prefix part must be non-empty");
		if (plen > 253)
			add_err(errs, cap,
				"prefix part must be no more than 253 "
				"characters");
		if (plen && !dns1123_subdomain_ok(k, plen))
			add_err(errs, cap, "prefix part " DNS1123_MSG);
	}
	if (*name == '\0')
		add_err(errs, cap, "name part must be non-empty");
	else if (strlen(name) > 63)
		add_err(errs, cap,
			"name part must be no more than 63 characters");
	if (!qualified_name_ok(name, strlen(name)))
		add_err(errs, cap, "name part " QNAME_MSG);
}

/* IsValidLabelValue. */
static void check_value(const char *v, char *errs, size_t cap)
{
	size_t n = strlen(v);

	errs[0] = '\0';
	if (n > 63)
		add_err(errs, cap, "must be no more than 63 characters");
	if (n && !qualified_name_ok(v, n))
		add_err(errs, cap, LABEL_VALUE_MSG);
}

/* --- parser --------------------------------------------------------------- */

static void req_release(struct req *r)
{
	free(r->key);
	for (int i = 0; i < r->nvals; i++)
		free(r->vals[i]);
	free(r->vals);
}

void ks_selector_free(struct ks_selector *sel)
{
	if (!sel)
		return;
	for (int i = 0; i < sel->n; i++)
		req_release(&sel->reqs[i]);
	free(sel->reqs);
	free(sel);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds v to r's value set (kept sorted and unique at the end). */
static int add_value(struct req *r, const char *v)
{
	char **x = realloc(r->vals, (size_t)(r->nvals + 1) * sizeof(*x));

	if (!x)
		return -ENOMEM;
	r->vals = x;
	r->vals[r->nvals] = strdup(v);
	if (!r->vals[r->nvals])
		return -ENOMEM;
	r->nvals++;
	return 0;
}

static void sort_unique(struct req *r)
{
	int w = 0;

	if (r->nvals > 1)
		qsort(r->vals, (size_t)r->nvals, sizeof(*r->vals), cmp_str);
	for (int i = 0; i < r->nvals; i++) {
		if (w && strcmp(r->vals[w - 1], r->vals[i]) == 0) {
			free(r->vals[i]);
			continue;
		}
		r->vals[w++] = r->vals[i];
	}
	r->nvals = w;
}

static bool parse_int64(const char *s, long long *out)
{
	char *end;

	if (!*s || isspace((unsigned char)*s))
		return false;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0';
}

/* NewRequirement's checks of the values: the field.ErrorList aggregated
 * as Go prints it ("a" alone, "[a, b]" for more). */
static int check_requirement(struct parser *p, const struct req *r)
{
	char list[2048] = "", one[1024], errs[1024], q[300];
	int count = 0;

	for (int i = 0; i < r->nvals; i++) {
		long long v;

		if ((r->op == OP_GT || r->op == OP_LT) &&
		    !parse_int64(r->vals[i], &v)) {
			quote(q, sizeof(q), r->vals[i]);
			snprintf(one, sizeof(one),
				 "values[%d]: Invalid value: %s: for 'Gt', "
				 "'Lt' operators, the value must be an integer",
				 i, q);
			add_sep(list, sizeof(list), ", ", one);
			count++;
		}
	}
	for (int i = 0; i < r->nvals; i++) {
		check_value(r->vals[i], errs, sizeof(errs));
		if (!errs[0])
			continue;
		quote(q, sizeof(q), r->vals[i]);
		snprintf(one, sizeof(one),
			 "values[%d][%.200s]: Invalid value: %s: %s", i, r->key,
			 q, errs);
		add_sep(list, sizeof(list), ", ", one);
		count++;
	}
	if (!count)
		return 0;
	/* a Go aggregate: one error alone, more in brackets */
	if (count == 1)
		msgf(p->msg, p->cap, "unable to parse requirement: %s", list);
	else
		msgf(p->msg, p->cap, "unable to parse requirement: [%s]", list);
	return -1;
}

/* <requirement> ::= [!] KEY [ <set-based> | <exact-match> ] */
static int parse_requirement(struct parser *p, struct req *r)
{
	char errs[2048], q[300];
	const char *lit;
	enum tok t;
	bool not_exists = false;

	t = next(p, true, &lit);
	if (t == T_NOT) {
		not_exists = true;
		t = next(p, true, &lit);
	}
	if (t != T_IDENT) {
		msgf(p->msg, p->cap,
		     "unable to parse requirement: found '%s', expected: "
		     "identifier",
		     lit);
		return -1;
	}
	check_key(lit, errs, sizeof(errs));
	if (errs[0]) {
		quote(q, sizeof(q), lit);
		msgf(p->msg, p->cap,
		     "unable to parse requirement: <nil>: Invalid value: %s: %s",
		     q, errs);
		return -1;
	}
	r->key = strdup(lit);
	if (!r->key)
		return -ENOMEM;
	t = peek(p, true);
	if (not_exists || t == T_END || t == T_COMMA) {
		r->op = not_exists ? OP_NOTEXISTS : OP_EXISTS;
		return 0;
	}
	t = next(p, false, &lit);
	switch (t) {
	case T_IN:
		r->op = OP_IN;
		break;
	case T_NOTIN:
		r->op = OP_NOTIN;
		break;
	case T_EQ:
		r->op = OP_EQ;
		break;
	case T_DEQ:
		r->op = OP_DEQ;
		break;
	case T_NEQ:
		r->op = OP_NEQ;
		break;
	case T_GT:
		r->op = OP_GT;
		break;
	case T_LT:
		r->op = OP_LT;
		break;
	default:
		msgf(p->msg, p->cap,
		     "unable to parse requirement: found '%s', expected: in, "
		     "notin, =, ==, !=, gt, lt",
		     lit);
		return -1;
	}
	if (r->op == OP_IN || r->op == OP_NOTIN) {
		/* <value-set> ::= "(" <values> ")" */
		t = next(p, true, &lit);
		if (t != T_OPEN) {
			msgf(p->msg, p->cap,
			     "unable to parse requirement: found '%s' "
			     "expected: '('",
			     lit);
			return -1;
		}
		t = peek(p, true);
		lit = peek_lit(p);
		if (t == T_CLOSE) {
			p->pos++;
			if (add_value(r, ""))
				return -ENOMEM;
		} else if (t == T_IDENT || t == T_COMMA) {
			const char *open_lit = lit;

			for (;;) {
				t = next(p, true, &lit);
				if (t == T_IDENT) {
					if (add_value(r, lit))
						return -ENOMEM;
					t = peek(p, true);
					if (t == T_COMMA)
						continue;
					if (t == T_CLOSE)
						break;
					msgf(p->msg, p->cap,
					     "unable to parse requirement: "
					     "found '%s', expected: ',' or ')'",
					     peek_lit(p));
					return -1;
				}
				if (t != T_COMMA) {
					msgf(p->msg, p->cap,
					     "unable to parse requirement: "
					     "found '%s', expected: ',', or "
					     "identifier",
					     lit);
					return -1;
				}
				/* "(,", ",," and ",)" each stand for "" */
				if (r->nvals == 0 && add_value(r, ""))
					return -ENOMEM;
				t = peek(p, true);
				if (t == T_CLOSE || t == T_COMMA) {
					if (add_value(r, ""))
						return -ENOMEM;
					if (t == T_CLOSE)
						break;
				}
			}
			t = next(p, true, &lit);
			if (t != T_CLOSE) {
				msgf(p->msg, p->cap,
				     "unable to parse requirement: found '%s', "
				     "expected: ')'",
				     open_lit);
				return -1;
			}
		} else {
			msgf(p->msg, p->cap,
			     "unable to parse requirement: found '%s', "
			     "expected: ',', ')' or identifier",
			     lit);
			return -1;
		}
	} else {
		/* <exact-match-restriction> VALUE, possibly empty */
		t = peek(p, true);
		if (t == T_END || t == T_COMMA) {
			if (add_value(r, ""))
				return -ENOMEM;
		} else {
			t = next(p, true, &lit);
			if (t != T_IDENT) {
				msgf(p->msg, p->cap,
				     "unable to parse requirement: found "
				     "'%s', expected: identifier",
				     lit);
				return -1;
			}
			if (add_value(r, lit))
				return -ENOMEM;
		}
	}
	sort_unique(r);
	return check_requirement(p, r);
}

static int cmp_req(const void *a, const void *b)
{
	return strcmp(((const struct req *)a)->key,
		      ((const struct req *)b)->key);
}

static int parse_all(struct parser *p, struct ks_selector *sel)
{
	for (;;) {
		const char *lit = peek_lit(p);
		enum tok t = peek(p, true);
		struct req *x;
		int err;

		if (t == T_END)
			return 0;
		if (t != T_IDENT && t != T_NOT) {
			msgf(p->msg, p->cap,
			     "found '%s', expected: !, identifier, or 'end of "
			     "string'",
			     lit);
			return -1;
		}
		x = realloc(sel->reqs, (size_t)(sel->n + 1) * sizeof(*x));
		if (!x)
			return -ENOMEM;
		sel->reqs = x;
		memset(&sel->reqs[sel->n], 0, sizeof(*x));
		sel->n++;
		err = parse_requirement(p, &sel->reqs[sel->n - 1]);
		if (err)
			return err;
		t = next(p, true, &lit);
		if (t == T_END)
			return 0;
		if (t != T_COMMA) {
			msgf(p->msg, p->cap,
			     "found '%s', expected: ',' or 'end of string'",
			     lit);
			return -1;
		}
		t = peek(p, true);
		if (t != T_IDENT && t != T_NOT) {
			msgf(p->msg, p->cap,
			     "found '%s', expected: identifier after ','",
			     peek_lit(p));
			return -1;
		}
	}
}

int ks_selector_parse(const char *s, struct ks_selector **out, char *msg,
		      size_t cap)
{
	struct parser p = {NULL, 0, 0, msg, cap};
	struct ks_selector *sel;
	int err;

	*out = NULL;
	if (msg && cap)
		msg[0] = '\0';
	if (!s)
		s = "";
	if (strlen(s) > KS_SELECTOR_MAX_LEN) {
		msgf(msg, cap, "label selector longer than %d bytes",
		     KS_SELECTOR_MAX_LEN);
		return -1;
	}
	sel = calloc(1, sizeof(*sel));
	if (!sel)
		goto out_nomem;
	err = scan(s, &p);
	if (!err)
		err = parse_all(&p, sel);
	for (int i = 0; i < p.nitems; i++)
		free(p.items[i].lit);
	free(p.items);
	if (err == -ENOMEM)
		goto out_nomem;
	if (err) {
		ks_selector_free(sel);
		return -1;
	}
	if (sel->n > 1)
		qsort(sel->reqs, (size_t)sel->n, sizeof(*sel->reqs), cmp_req);
	*out = sel;
	return 0;
out_nomem:
	ks_selector_free(sel);
	msgf(msg, cap, "out of memory");
	return -1;
}

/* --- matching ------------------------------------------------------------- */

static bool has_value(const struct req *r, const char *v)
{
	return r->nvals > 0 && bsearch(&v, r->vals, (size_t)r->nvals,
				       sizeof(*r->vals), cmp_str) != NULL;
}

static bool req_match(const struct req *r, const cJSON *labels)
{
	const cJSON *l =
		cJSON_IsObject(labels)
			? cJSON_GetObjectItemCaseSensitive(labels, r->key)
			: NULL;
	const char *v = cJSON_IsString(l) ? l->valuestring : NULL;
	long long lv, rv;

	switch (r->op) {
	case OP_IN:
	case OP_EQ:
	case OP_DEQ:
		return v && has_value(r, v);
	case OP_NOTIN:
	case OP_NEQ:
		return !v || !has_value(r, v);
	case OP_EXISTS:
		return l != NULL;
	case OP_NOTEXISTS:
		return l == NULL;
	case OP_GT:
	case OP_LT:
		if (!v || r->nvals != 1 || !parse_int64(v, &lv) ||
		    !parse_int64(r->vals[0], &rv))
			return false;
		return r->op == OP_GT ? lv > rv : lv < rv;
	}
	return false;
}

bool ks_selector_match(const struct ks_selector *sel, const cJSON *labels)
{
	if (!sel)
		return true;
	for (int i = 0; i < sel->n; i++) {
		if (!req_match(&sel->reqs[i], labels))
			return false;
	}
	return true;
}

/* --- field selectors ------------------------------------------------------ */

struct term {
	char *field, *value;
	bool neg;
};

struct ks_field_selector {
	struct term *terms;
	int n;
};

static const char *const default_fields[] = {"metadata.name",
					     "metadata.namespace", NULL};

void ks_field_selector_free(struct ks_field_selector *sel)
{
	if (!sel)
		return;
	for (int i = 0; i < sel->n; i++) {
		free(sel->terms[i].field);
		free(sel->terms[i].value);
	}
	free(sel->terms);
	free(sel);
}

/* UnescapeValue: "\\", "\," and "\=" are the escapes; a bare ',' or '='
 * is an error. Returns a new string or NULL with msg set. */
static char *unescape(const char *s, size_t n, char *msg, size_t cap)
{
	char *out = malloc(n + 1), *w = out;
	bool slash = false;

	if (!out) {
		msgf(msg, cap, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (slash) {
			if (c != '\\' && c != ',' && c != '=') {
				msgf(msg, cap,
				     "invalid field selector: invalid escape "
				     "sequence: \\%c",
				     c);
				free(out);
				return NULL;
			}
			*w++ = c;
			slash = false;
		} else if (c == '\\') {
			slash = true;
		} else if (c == ',' || c == '=') {
			msgf(msg, cap,
			     "invalid field selector: unescaped character in "
			     "value: %c",
			     c);
			free(out);
			return NULL;
		} else {
			*w++ = c;
		}
	}
	if (slash) {
		msgf(msg, cap,
		     "invalid field selector: invalid escape sequence: \\");
		free(out);
		return NULL;
	}
	*w = '\0';
	return out;
}

static bool field_allowed(const char *f, const char *const *allowed)
{
	for (; *allowed; allowed++) {
		if (strcmp(f, *allowed) == 0)
			return true;
	}
	return false;
}

/* Parses one term of length n (no unescaped ','). */
static int parse_term(const char *sel, const char *t, size_t n,
		      const char *const *allowed, struct term *out, char *msg,
		      size_t cap)
{
	size_t i, oplen = 0;

	for (i = 0; i < n; i++) {
		if (i + 1 < n && t[i] == '!' && t[i + 1] == '=') {
			oplen = 2;
			out->neg = true;
		} else if (i + 1 < n && t[i] == '=' && t[i + 1] == '=') {
			oplen = 2;
		} else if (t[i] == '=') {
			oplen = 1;
		}
		if (oplen)
			break;
	}
	if (!oplen) {
		msgf(msg, cap,
		     "invalid selector: '%.1024s'; can't understand '%.*s'",
		     sel, (int)(n > 1024 ? 1024 : n), t);
		return -1;
	}
	out->field = strndup(t, i);
	if (!out->field) {
		msgf(msg, cap, "out of memory");
		return -1;
	}
	out->value = unescape(t + i + oplen, n - i - oplen, msg, cap);
	if (!out->value)
		return -1;
	if (!field_allowed(out->field, allowed)) {
		msgf(msg, cap, "field label not supported: %.1024s",
		     out->field);
		return -1;
	}
	return 0;
}

int ks_field_selector_parse(const char *s, const char *const *allowed,
			    struct ks_field_selector **out, char *msg,
			    size_t cap)
{
	struct ks_field_selector *sel;
	size_t len, start = 0;
	bool slash = false;

	*out = NULL;
	if (msg && cap)
		msg[0] = '\0';
	if (!s)
		s = "";
	if (!allowed)
		allowed = default_fields;
	len = strlen(s);
	if (len > KS_SELECTOR_MAX_LEN) {
		msgf(msg, cap, "field selector longer than %d bytes",
		     KS_SELECTOR_MAX_LEN);
		return -1;
	}
	sel = calloc(1, sizeof(*sel));
	if (!sel)
		goto out_nomem;
	for (size_t i = 0; i <= len; i++) {
		struct term *x;

		if (i < len && slash) {
			slash = false;
			continue;
		}
		if (i < len && s[i] == '\\') {
			slash = true;
			continue;
		}
		if (i < len && s[i] != ',')
			continue;
		if (i > start) {
			x = realloc(sel->terms,
				    (size_t)(sel->n + 1) * sizeof(*x));
			if (!x)
				goto out_nomem;
			sel->terms = x;
			memset(&x[sel->n], 0, sizeof(*x));
			sel->n++;
			if (parse_term(s, s + start, i - start, allowed,
				       &x[sel->n - 1], msg, cap)) {
				ks_field_selector_free(sel);
				return -1;
			}
		}
		start = i + 1;
	}
	*out = sel;
	return 0;
out_nomem:
	ks_field_selector_free(sel);
	msgf(msg, cap, "out of memory");
	return -1;
}

/* The value of a dotted field path of obj as a field selector sees it:
 * strings as they are, numbers and bools printed, anything else "". */
static const char *field_value(const cJSON *obj, const char *path, char *buf,
			       size_t cap)
{
	const cJSON *n = obj;
	const char *p = path;

	for (;;) {
		const char *dot = strchr(p, '.');
		size_t klen = dot ? (size_t)(dot - p) : strlen(p);
		const cJSON *c, *found = NULL;

		if (!cJSON_IsObject(n))
			return "";
		cJSON_ArrayForEach (c, n) {
			if (c->string && strlen(c->string) == klen &&
			    memcmp(c->string, p, klen) == 0) {
				found = c;
				break;
			}
		}
		n = found;
		if (!dot)
			break;
		p = dot + 1;
	}
	if (cJSON_IsString(n))
		return n->valuestring;
	if (cJSON_IsBool(n))
		return cJSON_IsTrue(n) ? "true" : "false";
	if (cJSON_IsNumber(n)) {
		if (jf_json_is_int(n))
			snprintf(buf, cap, "%lld", (long long)n->valuedouble);
		else
			snprintf(buf, cap, "%.17g", n->valuedouble);
		return buf;
	}
	return "";
}

bool ks_field_selector_match(const struct ks_field_selector *sel,
			     const cJSON *obj)
{
	char buf[64];

	if (!sel)
		return true;
	for (int i = 0; i < sel->n; i++) {
		const struct term *t = &sel->terms[i];
		const char *v = field_value(obj, t->field, buf, sizeof(buf));
		bool eq = strcmp(v, t->value) == 0;

		if (eq == t->neg)
			return false;
	}
	return true;
}
