/* lex.c - the tokenizer of the expression language, UTF-8 helpers and the
 * "col N: message" error plumbing of common/expr/. */
#include "expr_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* --- errors ---------------------------------------------------------------*/

int xerr_set(struct xerr *er, int code, uint32_t off, const char *fmt, ...)
{
	va_list ap;

	er->code = code;
	er->off = off;
	va_start(ap, fmt);
	vsnprintf(er->msg, sizeof(er->msg), fmt, ap);
	va_end(ap);
	return code;
}

unsigned expr_col(const char *src, size_t off)
{
	unsigned col = 1;

	for (size_t i = 0; i < off && src[i]; i++) {
		if (((unsigned char)src[i] & 0xC0) != 0x80)
			col++;
	}
	return col;
}

int xerr_report(struct jf_errmsg *e, const struct xerr *er, const char *src,
		size_t base)
{
	if (er->code == -ENOMEM)
		return jf_errf(e, er->code, "out of memory");
	return jf_errf(e, er->code, "col %u: %s", expr_col(src, base + er->off),
		       er->msg);
}

/* --- UTF-8 ----------------------------------------------------------------*/

/* Length of the valid sequence at s[i], or 0. */
static size_t utf8_seq(const unsigned char *s, size_t len, size_t i,
		       uint32_t *cp)
{
	unsigned char c = s[i];
	size_t n;
	uint32_t v, min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		v = c & 0x1F;
		min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		v = c & 0x0F;
		min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		v = c & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (len - i < n)
		return 0;
	for (size_t k = 1; k < n; k++) {
		if ((s[i + k] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i + k] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return n;
}

size_t utf8_invalid_at(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;
	uint32_t cp;

	while (i < len) {
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		n = utf8_seq(u, len, i, &cp);
		if (!n)
			return i;
		i += n;
	}
	return len;
}

uint32_t utf8_next(const char *s, size_t len, size_t *i)
{
	uint32_t cp;
	size_t n = utf8_seq((const unsigned char *)s, len, *i, &cp);

	if (!n) {
		(*i)++;
		return 0xFFFD;
	}
	*i += n;
	return cp;
}

size_t utf8_put(char *buf, uint32_t cp)
{
	if (cp < 0x80) {
		buf[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		buf[0] = (char)(0xC0 | (cp >> 6));
		buf[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		buf[0] = (char)(0xE0 | (cp >> 12));
		buf[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		buf[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	buf[0] = (char)(0xF0 | (cp >> 18));
	buf[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	buf[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	buf[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

size_t utf8_count(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			n++;
	}
	return n;
}

/* --- tokens ---------------------------------------------------------------*/

const char *tok_op_name(int type)
{
	switch (type) {
	case T_NOT:
		return "!";
	case T_MINUS:
		return "-";
	case T_PLUS:
		return "+";
	case T_STAR:
		return "*";
	case T_SLASH:
		return "/";
	case T_PERCENT:
		return "%";
	case T_EQ:
		return "==";
	case T_NE:
		return "!=";
	case T_LT:
		return "<";
	case T_LE:
		return "<=";
	case T_GT:
		return ">";
	case T_GE:
		return ">=";
	case T_AND:
		return "&&";
	case T_OR:
		return "||";
	case T_IN:
		return "in";
	case T_QUEST:
		return "?:";
	default:
		return "?";
	}
}

static bool is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_ident_char(char c)
{
	return is_ident_start(c) || is_digit(c);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int pool_add(struct lexer *lx, const char *p, size_t n, struct token *t,
		    struct xerr *er)
{
	size_t start = lx->pool->len;
	int err;

	err = jf_buf_append(lx->pool, p, n);
	if (!err)
		err = jf_buf_putc(lx->pool, '\0');
	if (err)
		return xerr_set(er, err == -ENOMEM ? -ENOMEM : -JF_EPARSE,
				t->off, "expression too large");
	t->soff = (uint32_t)start;
	t->slen = (uint32_t)n;
	return 0;
}

static int lex_ident(struct lexer *lx, struct token *t, struct xerr *er)
{
	static const struct {
		const char *w;
		int type;
	} kw[] = {{"true", T_TRUE},
		  {"false", T_FALSE},
		  {"null", T_NULL},
		  {"in", T_IN}};
	const char *s = lx->src;
	size_t i = lx->pos;

	while (i < lx->len && is_ident_char(s[i]))
		i++;
	t->end = (uint32_t)i;
	lx->pos = i;
	for (size_t k = 0; k < sizeof(kw) / sizeof(kw[0]); k++) {
		if (strlen(kw[k].w) == i - t->off &&
		    !memcmp(kw[k].w, s + t->off, i - t->off)) {
			t->type = kw[k].type;
			return 0;
		}
	}
	t->type = T_IDENT;
	return pool_add(lx, s + t->off, i - t->off, t, er);
}

static int lex_number(struct lexer *lx, struct token *t, struct xerr *er)
{
	const char *s = lx->src;
	size_t n = lx->len, i = lx->pos;
	bool is_double = false;
	uint64_t v = 0;
	int h;

	if (s[i] == '0' && i + 1 < n && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
		i += 2;
		if (i >= n || hexval(s[i]) < 0)
			return xerr_set(er, -JF_EPARSE, t->off,
					"invalid hex number");
		for (; i < n && (h = hexval(s[i])) >= 0; i++) {
			if (v > (UINT64_C(1) << 63) >> 4)
				return xerr_set(er, -JF_EPARSE, t->off,
						"integer literal out of range");
			v = v * 16 + (uint64_t)h;
		}
		if (v > UINT64_C(1) << 63)
			return xerr_set(er, -JF_EPARSE, t->off,
					"integer literal out of range");
		goto int_done;
	}
	while (i < n && is_digit(s[i]))
		i++;
	if (i + 1 < n && s[i] == '.' && is_digit(s[i + 1])) {
		is_double = true;
		for (i++; i < n && is_digit(s[i]);)
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t j = i + 1;

		if (j < n && (s[j] == '+' || s[j] == '-'))
			j++;
		if (j >= n || !is_digit(s[j]))
			return xerr_set(er, -JF_EPARSE, t->off,
					"invalid exponent in number");
		while (j < n && is_digit(s[j]))
			j++;
		i = j;
		is_double = true;
	}
	if (is_double) {
		if (i < n && (is_ident_char(s[i]) || s[i] == '.'))
			return xerr_set(er, -JF_EPARSE, t->off,
					"invalid number");
		if (!num_parse_double(s + t->off, i - t->off, &t->d))
			return xerr_set(er, -JF_EPARSE, t->off,
					"number out of range");
		t->type = T_DOUBLE;
		t->end = (uint32_t)i;
		lx->pos = i;
		return 0;
	}
	for (size_t k = t->off; k < i; k++) {
		if (v > ((UINT64_C(1) << 63) - (uint64_t)(s[k] - '0')) / 10)
			return xerr_set(er, -JF_EPARSE, t->off,
					"integer literal out of range");
		v = v * 10 + (uint64_t)(s[k] - '0');
	}
int_done:
	if (i < n && (s[i] == 'u' || s[i] == 'U'))
		return xerr_set(er, -JF_EPARSE, t->off,
				"unsigned integers are not supported");
	if (i < n && is_ident_char(s[i]))
		return xerr_set(er, -JF_EPARSE, t->off, "invalid number");
	t->type = T_INT;
	t->u = v;
	t->end = (uint32_t)i;
	lx->pos = i;
	return 0;
}

/* Reads n hex digits at s[i] into *cp. */
static bool hex_digits(const char *s, size_t len, size_t i, int n, uint32_t *cp)
{
	uint32_t v = 0;

	if (len - i < (size_t)n)
		return false;
	for (int k = 0; k < n; k++) {
		int h = hexval(s[i + (size_t)k]);

		if (h < 0)
			return false;
		v = v * 16 + (uint32_t)h;
	}
	*cp = v;
	return true;
}

static int lex_escape(struct lexer *lx, size_t *ip, struct xerr *er)
{
	const char *s = lx->src;
	size_t i = *ip, bs = i;
	char c, u8[4];
	uint32_t cp;
	int nhex = 0;

	if (i + 1 >= lx->len)
		return xerr_set(er, -JF_EPARSE, (uint32_t)bs,
				"unterminated string");
	c = s[i + 1];
	i += 2;
	switch (c) {
	case '\\':
	case '\'':
	case '"':
	case '`':
	case '?':
		cp = (unsigned char)c;
		break;
	case 'n':
		cp = '\n';
		break;
	case 'r':
		cp = '\r';
		break;
	case 't':
		cp = '\t';
		break;
	case 'a':
		cp = '\a';
		break;
	case 'b':
		cp = '\b';
		break;
	case 'f':
		cp = '\f';
		break;
	case 'v':
		cp = '\v';
		break;
	case 'x':
		nhex = 2;
		break;
	case 'u':
		nhex = 4;
		break;
	case 'U':
		nhex = 8;
		break;
	default:
		if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7F)
			return xerr_set(er, -JF_EPARSE, (uint32_t)bs,
					"invalid escape in string");
		return xerr_set(er, -JF_EPARSE, (uint32_t)bs,
				"invalid escape '\\%c' in string", c);
	}
	if (nhex) {
		if (!hex_digits(s, lx->len, i, nhex, &cp))
			return xerr_set(er, -JF_EPARSE, (uint32_t)bs,
					"escape '\\%c' needs %d hex digits", c,
					nhex);
		i += (size_t)nhex;
		if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return xerr_set(er, -JF_EPARSE, (uint32_t)bs,
					"invalid code point U+%04X in escape",
					cp);
		if (cp == 0)
			return xerr_set(er, -JF_EPARSE, (uint32_t)bs,
					"NUL character in string");
	}
	*ip = i;
	if (jf_buf_append(lx->pool, u8, utf8_put(u8, cp)))
		return xerr_set(er, -ENOMEM, (uint32_t)bs, "out of memory");
	return 0;
}

static int lex_string(struct lexer *lx, struct token *t, bool raw,
		      struct xerr *er)
{
	const char *s = lx->src;
	size_t i = lx->pos + (raw ? 1 : 0), start;
	char q = s[i++];
	int err;

	start = lx->pool->len;
	for (;;) {
		if (i >= lx->len || s[i] == '\n' || s[i] == '\r')
			return xerr_set(er, -JF_EPARSE, t->off,
					"unterminated string");
		if (s[i] == q)
			break;
		if (s[i] == '\\' && !raw) {
			err = lex_escape(lx, &i, er);
			if (err)
				return err;
			continue;
		}
		if (jf_buf_putc(lx->pool, s[i]))
			return xerr_set(er, -ENOMEM, t->off, "out of memory");
		i++;
	}
	if (jf_buf_putc(lx->pool, '\0'))
		return xerr_set(er, -ENOMEM, t->off, "out of memory");
	t->type = T_STRING;
	t->soff = (uint32_t)start;
	t->slen = (uint32_t)(lx->pool->len - start - 1);
	t->end = (uint32_t)(i + 1);
	lx->pos = i + 1;
	return 0;
}

static int lex_bad_char(struct lexer *lx, struct token *t, struct xerr *er)
{
	const char *s = lx->src;
	size_t i = lx->pos;
	unsigned char c = (unsigned char)s[i];

	if (c == '=')
		return xerr_set(er, -JF_EPARSE, t->off,
				"unexpected '=' (use '==' to compare)");
	if (c == '&' || c == '|')
		return xerr_set(er, -JF_EPARSE, t->off,
				"unexpected '%c' (use '%c%c')", c, c, c);
	if (c < 0x20 || c == 0x7F)
		return xerr_set(er, -JF_EPARSE, t->off,
				"unexpected control character 0x%02x", c);
	if (c < 0x80)
		return xerr_set(er, -JF_EPARSE, t->off,
				"unexpected character '%c'", c);
	utf8_next(s, lx->len, &i);
	return xerr_set(er, -JF_EPARSE, t->off, "unexpected character '%.*s'",
			(int)(i - lx->pos), s + lx->pos);
}

int lex_next(struct lexer *lx, struct token *t, struct xerr *er)
{
	static const char single[] = "()[].,?:+*/%";
	static const int single_type[] = {
		T_LPAREN, T_RPAREN, T_LBRACK, T_RBRACK, T_DOT,	 T_COMMA,
		T_QUEST,  T_COLON,  T_PLUS,   T_STAR,	T_SLASH, T_PERCENT};
	const char *s = lx->src, *p;
	size_t n = lx->len, i = lx->pos;
	char c, d;

	while (i < n &&
	       (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	lx->pos = i;
	memset(t, 0, sizeof(*t));
	t->off = (uint32_t)i;
	if (i >= n) {
		t->type = T_EOF;
		t->end = (uint32_t)i;
		return 0;
	}
	c = s[i];
	d = i + 1 < n ? s[i + 1] : '\0';
	if ((c == 'r' || c == 'R') && (d == '\'' || d == '"'))
		return lex_string(lx, t, true, er);
	if (is_ident_start(c))
		return lex_ident(lx, t, er);
	if (is_digit(c) || (c == '.' && is_digit(d)))
		return lex_number(lx, t, er);
	if (c == '\'' || c == '"')
		return lex_string(lx, t, false, er);
	t->end = (uint32_t)i + 1;
	if (c && (p = strchr(single, c)) != NULL) {
		t->type = single_type[p - single];
		lx->pos = i + 1;
		return 0;
	}
	switch (c) {
	case '-':
		t->type = T_MINUS;
		break;
	case '!':
		t->type = d == '=' ? T_NE : T_NOT;
		break;
	case '<':
		t->type = d == '=' ? T_LE : T_LT;
		break;
	case '>':
		t->type = d == '=' ? T_GE : T_GT;
		break;
	case '=':
		if (d != '=')
			return lex_bad_char(lx, t, er);
		t->type = T_EQ;
		break;
	case '&':
		if (d != '&')
			return lex_bad_char(lx, t, er);
		t->type = T_AND;
		break;
	case '|':
		if (d != '|')
			return lex_bad_char(lx, t, er);
		t->type = T_OR;
		break;
	default:
		return lex_bad_char(lx, t, er);
	}
	if (t->type == T_NE || t->type == T_LE || t->type == T_GE ||
	    t->type == T_EQ || t->type == T_AND || t->type == T_OR)
		t->end++;
	lx->pos = t->end;
	return 0;
}
