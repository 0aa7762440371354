/* schema_util.c - value formatting, RE2-to-POSIX pattern translation and
 * date checks for kubesim's structural-schema code. */
#include "schema_priv.h"

#include <ctype.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"

const cJSON *ks_sch_kw(const cJSON *s, const char *key)
{
	return cJSON_IsObject(s) ? cJSON_GetObjectItemCaseSensitive(s, key)
				 : NULL;
}

bool ks_sch_flag(const cJSON *s, const char *key)
{
	return cJSON_IsTrue(ks_sch_kw(s, key));
}

const char *ks_sch_type(const cJSON *s)
{
	const cJSON *t = ks_sch_kw(s, "type");

	return cJSON_IsString(t) && t->valuestring[0] ? t->valuestring : NULL;
}

bool ks_is_int64(const cJSON *n)
{
	double v;

	if (!cJSON_IsNumber(n))
		return false;
	v = n->valuedouble;
	return v == floor(v) && v >= -9223372036854775808.0 &&
	       v < 9223372036854775808.0;
}

const char *ks_json_kind(const cJSON *v)
{
	if (cJSON_IsObject(v))
		return "object";
	if (cJSON_IsArray(v))
		return "array";
	if (cJSON_IsString(v))
		return "string";
	if (cJSON_IsNumber(v))
		return ks_is_int64(v) ? "integer" : "number";
	if (cJSON_IsBool(v))
		return "boolean";
	return "null";
}

/* --- Go-style formatting -------------------------------------------------- */

void ks_fmt_float(char *buf, size_t cap, double v)
{
	char tmp[48], digits[24];
	int prec, exp = 0, nd = 0;
	const char *p;
	size_t n = 0;
	bool neg;

	if (isnan(v)) {
		snprintf(buf, cap, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, cap, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (v == 0) {
		snprintf(buf, cap, signbit(v) ? "-0" : "0");
		return;
	}
	/* shortest mantissa that reads back (snprintf and strtod agree on
	 * the decimal separator whatever the locale) */
	for (prec = 0; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	p = tmp;
	neg = *p == '-';
	if (neg)
		p++;
	for (; *p && *p != 'e'; p++) {
		if (isdigit((unsigned char)*p) && nd < (int)sizeof(digits) - 1)
			digits[nd++] = *p;
	}
	if (*p == 'e')
		exp = atoi(p + 1);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = '\0';
	if (cap == 0)
		return;
#define PUT(c)                                                                 \
	do {                                                                   \
		if (n + 1 < cap)                                               \
			buf[n++] = (c);                                        \
	} while (0)
	if (neg)
		PUT('-');
	if (exp < -4 || exp >= 6) {
		/* Go's %v switches to %e from exponent 6 for float64 */
		PUT(digits[0]);
		if (nd > 1) {
			PUT('.');
			for (int i = 1; i < nd; i++)
				PUT(digits[i]);
		}
		buf[n] = '\0';
		snprintf(buf + n, cap - n, "e%c%02d", exp < 0 ? '-' : '+',
			 exp < 0 ? -exp : exp);
		return;
	}
	if (exp < 0) {
		PUT('0');
		PUT('.');
		for (int i = 0; i < -exp - 1; i++)
			PUT('0');
		for (int i = 0; i < nd; i++)
			PUT(digits[i]);
	} else {
		for (int i = 0; i <= exp; i++)
			PUT(i < nd ? digits[i] : '0');
		if (nd > exp + 1) {
			PUT('.');
			for (int i = exp + 1; i < nd; i++)
				PUT(digits[i]);
		}
	}
#undef PUT
	buf[n] = '\0';
}

/* Length of the valid UTF-8 sequence at s, or 0. */
static int utf8_seq(const unsigned char *s)
{
	int n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	}
	return n;
}

void ks_fmt_quote(char *buf, size_t cap, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	if (cap < 3) {
		if (cap)
			buf[0] = '\0';
		return;
	}
	buf[n++] = '"';
	while (*p && n + 8 < cap) {
		int len = utf8_seq(p);
		const char *esc = NULL;

		switch (*p) {
		case '"':
			esc = "\\\"";
			break;
		case '\\':
			esc = "\\\\";
			break;
		case '\a':
			esc = "\\a";
			break;
		case '\b':
			esc = "\\b";
			break;
		case '\f':
			esc = "\\f";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = "\\r";
			break;
		case '\t':
			esc = "\\t";
			break;
		case '\v':
			esc = "\\v";
			break;
		}
		if (esc) {
			n += (size_t)snprintf(buf + n, cap - n, "%s", esc);
			p++;
		} else if (len == 0 || *p < 0x20 || *p == 0x7f) {
			n += (size_t)snprintf(buf + n, cap - n, "\\x%02x", *p);
			p++;
		} else {
			memcpy(buf + n, p, (size_t)len);
			n += (size_t)len;
			p += len;
		}
	}
	buf[n++] = '"';
	buf[n] = '\0';
}

void ks_fmt_value(char *buf, size_t cap, const cJSON *v)
{
	char *s;

	if (cJSON_IsString(v)) {
		ks_fmt_quote(buf, cap, v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		if (ks_is_int64(v))
			snprintf(buf, cap, "%lld", (long long)v->valuedouble);
		else
			ks_fmt_float(buf, cap, v->valuedouble);
	} else if (cJSON_IsBool(v)) {
		snprintf(buf, cap, "%s", cJSON_IsTrue(v) ? "true" : "false");
	} else if (!v || cJSON_IsNull(v)) {
		snprintf(buf, cap, "\"null\"");
	} else {
		s = jf_json_print(v);
		snprintf(buf, cap, "%s", s ? s : "?");
		free(s);
	}
}

size_t ks_utf8_len(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	while (*p) {
		int len = utf8_seq(p);

		p += len ? len : 1;
		n++;
	}
	return n;
}

/* --- dates ---------------------------------------------------------------- */

static bool digits_at(const char *s, int n)
{
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

static int num_at(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* "2006-01-02" as Go's time.Parse reads it: a real calendar day. */
static bool date_ok(const char *s, size_t len)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};
	int y, m, d, max;

	if (len != 10 || !digits_at(s, 4) || s[4] != '-' ||
	    !digits_at(s + 5, 2) || s[7] != '-' || !digits_at(s + 8, 2))
		return false;
	y = num_at(s, 4);
	m = num_at(s + 5, 2);
	d = num_at(s + 8, 2);
	if (m < 1 || m > 12 || d < 1)
		return false;
	max = mdays[m - 1];
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		max = 29;
	return d <= max;
}

bool ks_is_date(const char *s)
{
	return date_ok(s, strlen(s));
}

/* strfmt's IsDateTime: split the lower-cased string at 't'; the first
 * part is a date, the second matches
 * ^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$
 * with hour <= 23, minute and second <= 59. */
bool ks_is_datetime(const char *s)
{
	const char *t, *u, *p;
	size_t len;

	if (strlen(s) < 4)
		return false;
	t = strpbrk(s, "tT");
	if (!t || !date_ok(s, (size_t)(t - s)))
		return false;
	p = t + 1;
	u = strpbrk(p, "tT");
	len = u ? (size_t)(u - p) : strlen(p);
	if (len < 9 || !digits_at(p, 2) || p[2] != ':' ||
	    !digits_at(p + 3, 2) || p[5] != ':' || !digits_at(p + 6, 2))
		return false;
	if (num_at(p, 2) > 23 || num_at(p + 3, 2) > 59 || num_at(p + 6, 2) > 59)
		return false;
	p += 8;
	len -= 8;
	if (len >= 2 && isdigit((unsigned char)p[1])) {
		/* (.[0-9]+): any one character, then digits */
		size_t i = 1;

		while (i < len && isdigit((unsigned char)p[i]))
			i++;
		p += i;
		len -= i;
	}
	if (len == 1)
		return *p == 'z' || *p == 'Z';
	return len == 6 && (*p == '+' || *p == '-') && digits_at(p + 1, 2) &&
	       p[3] == ':' && digits_at(p + 4, 2);
}

/* --- RE2 -> POSIX ERE ----------------------------------------------------- */

struct rbuf {
	char *p;
	size_t n, cap;
	bool oom;
};

static void rb_put(struct rbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		char *x;

		while (cap < b->n + n + 1)
			cap *= 2;
		x = realloc(b->p, cap);
		if (!x) {
			b->oom = true;
			return;
		}
		b->p = x;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void rb_puts(struct rbuf *b, const char *s)
{
	rb_put(b, s, strlen(s));
}

/* A literal byte outside brackets. */
static void rb_literal(struct rbuf *b, unsigned char c)
{
	char tmp[4];

	if (c == '^' || c == '\\') {
		tmp[0] = '\\';
		tmp[1] = (char)c;
		rb_put(b, tmp, 2);
	} else if (isalnum(c) || c >= 0x80 || c < 0x20 || c == ']' ||
		   c == ' ' || c == '"' || c == '\'' || c == '/' || c == ':' ||
		   c == ';' || c == '<' || c == '>' || c == '=' || c == '!' ||
		   c == '@' || c == '#' || c == '%' || c == '&' || c == ',' ||
		   c == '_' || c == '~' || c == '`' || c == '-') {
		tmp[0] = (char)c;
		rb_put(b, tmp, 1);
	} else {
		/* . [ ( ) * + ? { } | $ inside a bracket are plain */
		tmp[0] = '[';
		tmp[1] = (char)c;
		tmp[2] = ']';
		rb_put(b, tmp, 3);
	}
}

typedef uint8_t byteset[32];

static void bs_add(byteset s, unsigned c)
{
	s[c >> 3] |= (uint8_t)(1u << (c & 7));
}

static bool bs_has(const byteset s, unsigned c)
{
	return s[c >> 3] & (1u << (c & 7));
}

static void bs_add_class(byteset s, char cls, bool negate)
{
	for (unsigned c = 1; c < 256; c++) {
		bool in;

		switch (cls) {
		case 'd':
			in = c >= '0' && c <= '9';
			break;
		case 'w':
			in = (c < 0x80 && isalnum((int)c)) || c == '_';
			break;
		default: /* 's': Go's \s is [\t\n\f\r ] */
			in = c == '\t' || c == '\n' || c == '\f' || c == '\r' ||
			     c == ' ';
			break;
		}
		if (in != negate)
			bs_add(s, c);
	}
}

/* POSIX class names inside brackets, ASCII only, as Go defines them. */
static int bs_add_named(byteset s, const char *name, size_t len, bool negate)
{
	static const char *const names[] = {
		"alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph",
		"lower", "print", "punct", "space", "upper", "word",  "xdigit"};
	int which = -1;

	for (int i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++) {
		if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
			which = i;
	}
	if (which < 0)
		return -1;
	for (unsigned c = 1; c < 256; c++) {
		bool in = false;

		if (c < 0x80) {
			switch (which) {
			case 0:
				in = isalnum((int)c);
				break;
			case 1:
				in = isalpha((int)c);
				break;
			case 2:
				in = true;
				break;
			case 3:
				in = c == ' ' || c == '\t';
				break;
			case 4:
				in = iscntrl((int)c);
				break;
			case 5:
				in = isdigit((int)c);
				break;
			case 6:
				in = isgraph((int)c);
				break;
			case 7:
				in = islower((int)c);
				break;
			case 8:
				in = isprint((int)c);
				break;
			case 9:
				in = ispunct((int)c);
				break;
			case 10:
				in = isspace((int)c);
				break;
			case 11:
				in = isupper((int)c);
				break;
			case 12:
				in = isalnum((int)c) || c == '_';
				break;
			default:
				in = isxdigit((int)c);
				break;
			}
		}
		if (in != negate)
			bs_add(s, c);
	}
	return 0;
}

/* Reads an escape at p (after the backslash) that stands for one byte:
 * \t \n \r \f \v \a, \xHH, \x{H..}, escaped punctuation. Returns the
 * number of bytes read after the backslash, or 0. */
static int escape_byte(const char *p, unsigned char *out)
{
	static const char from[] = "tnrfva", to[] = "\t\n\r\f\v\a";
	const char *c = strchr(from, *p);

	if (*p && c) {
		*out = (unsigned char)to[c - from];
		return 1;
	}
	if (*p == 'x') {
		unsigned long v;
		char *end;

		if (p[1] == '{') {
			v = strtoul(p + 2, &end, 16);
			if (end == p + 2 || *end != '}' || v == 0 || v > 0x7f)
				return 0;
			*out = (unsigned char)v;
			return (int)(end - p) + 1;
		}
		if (!isxdigit((unsigned char)p[1]) ||
		    !isxdigit((unsigned char)p[2]))
			return 0;
		v = strtoul((char[]){p[1], p[2], 0}, NULL, 16);
		if (v == 0 || v > 0x7f)
			return 0;
		*out = (unsigned char)v;
		return 3;
	}
	if (*p && (unsigned char)*p < 0x80 && ispunct((unsigned char)*p)) {
		*out = (unsigned char)*p;
		return 1;
	}
	return 0;
}

/* Emits a byte set as a POSIX bracket expression (or one literal). */
static void rb_set(struct rbuf *b, const byteset s)
{
	static const char specials[] = "]^-[";
	char one[2] = {0, 0};
	int count = 0;
	unsigned last = 0;

	for (unsigned c = 1; c < 256; c++) {
		if (bs_has(s, c)) {
			count++;
			last = c;
		}
	}
	if (count == 0) {
		/* matches nothing: no string holds a NUL byte */
		rb_puts(b, "[^]");
		for (unsigned c = 1; c < 256; c++) {
			one[0] = (char)c;
			if (!strchr(specials, (int)c))
				rb_puts(b, one);
		}
		rb_puts(b, "[^-]");
		return;
	}
	if (count == 1) {
		rb_literal(b, (unsigned char)last);
		return;
	}
	rb_puts(b, "[");
	if (bs_has(s, ']'))
		rb_puts(b, "]");
	else if (bs_has(s, '-'))
		rb_puts(b, "-");
	for (unsigned c = 1; c < 256; c++) {
		one[0] = (char)c;
		if (bs_has(s, c) && !strchr(specials, (int)c))
			rb_puts(b, one);
	}
	if (bs_has(s, '['))
		rb_puts(b, "[");
	if (bs_has(s, '^'))
		rb_puts(b, "^");
	if (bs_has(s, '-') && bs_has(s, ']'))
		rb_puts(b, "-");
	rb_puts(b, "]");
}

/* Parses a bracket expression at *pp (just after '['). */
static int tr_class(const char **pp, struct rbuf *b, char *err, size_t cap)
{
	const char *p = *pp;
	bool negate = false, first = true;
	byteset s;

	memset(s, 0, sizeof(s));
	if (*p == '^') {
		negate = true;
		p++;
	}
	for (;;) {
		unsigned char lo, hi;
		int n;

		if (*p == '\0') {
			snprintf(err, cap, "missing closing ]");
			return -1;
		}
		if (*p == ']' && !first)
			break;
		first = false;
		if (p[0] == '[' && p[1] == ':') {
			const char *end = strstr(p + 2, ":]");
			bool neg = p[2] == '^';
			const char *name = p + 2 + (neg ? 1 : 0);

			if (!end ||
			    bs_add_named(s, name, (size_t)(end - name), neg)) {
				snprintf(err, cap, "invalid character class");
				return -1;
			}
			p = end + 2;
			continue;
		}
		if (*p == '\\') {
			char c = p[1];

			if (c == 'd' || c == 'w' || c == 's' || c == 'D' ||
			    c == 'W' || c == 'S') {
				bs_add_class(s, (char)tolower(c), isupper(c));
				p += 2;
				continue;
			}
			n = escape_byte(p + 1, &lo);
			if (!n) {
				snprintf(err, cap,
					 "invalid escape sequence in class: "
					 "\\%c",
					 c ? c : ' ');
				return -1;
			}
			p += 1 + n;
		} else {
			lo = (unsigned char)*p++;
		}
		hi = lo;
		if (p[0] == '-' && p[1] != ']' && p[1] != '\0') {
			p++;
			if (*p == '\\') {
				n = escape_byte(p + 1, &hi);
				if (!n) {
					snprintf(err, cap,
						 "invalid character class "
						 "range");
					return -1;
				}
				p += 1 + n;
			} else {
				hi = (unsigned char)*p++;
			}
			if (hi < lo) {
				snprintf(err, cap,
					 "invalid character class range");
				return -1;
			}
		}
		for (unsigned c = lo; c <= hi; c++)
			bs_add(s, c);
	}
	*pp = p + 1;
	if (negate) {
		for (unsigned i = 0; i < sizeof(s); i++)
			s[i] = (uint8_t)~s[i];
		s[0] &= (uint8_t)~1u; /* NUL never occurs */
	}
	rb_set(b, s);
	return 0;
}

/* Reads a {n}, {n,} or {n,m} repeat at p ('{'); returns its length or 0
 * when it is not one (Go then reads '{' literally). */
static int repeat_len(const char *p, int *lo, int *hi)
{
	const char *q = p + 1;
	long a, c = -1;
	char *end;

	if (!isdigit((unsigned char)*q))
		return 0;
	a = strtol(q, &end, 10);
	q = end;
	if (*q == ',') {
		q++;
		if (isdigit((unsigned char)*q)) {
			c = strtol(q, &end, 10);
			q = end;
		} else {
			c = -2; /* open */
		}
	} else {
		c = a;
	}
	if (*q != '}')
		return 0;
	*lo = a > INT32_MAX ? INT32_MAX : (int)a;
	*hi = c > INT32_MAX ? INT32_MAX : (int)c;
	return (int)(q - p) + 1;
}

/* Size of the expanded expression: glibc's regcomp copies the operand of
 * x+ once and of x{n,m} m times, so nested repeats multiply. Like Go's
 * parser, nested repetition operators and oversized expressions are
 * refused before they reach regcomp(). */
#define RE_MAX_NODES 20000
#define RE_MAX_NEST  100

struct re_size {
	long total[RE_MAX_NEST + 1], last[RE_MAX_NEST + 1];
	int level;
	bool after_repeat;
};

static void sz_atom(struct re_size *z)
{
	z->total[z->level] += 1;
	z->last[z->level] = 1;
	z->after_repeat = false;
}

/* Applies a repeat with multiplier mult to the last item. */
static int sz_repeat(struct re_size *z, long mult, char *err, size_t cap)
{
	long last = z->last[z->level];

	if (z->after_repeat) {
		snprintf(err, cap, "invalid nested repetition operator");
		return -1;
	}
	if (last == 0) {
		snprintf(err, cap, "missing argument to repetition operator");
		return -1;
	}
	if (mult > 1) {
		if (last > RE_MAX_NODES / mult) {
			snprintf(err, cap, "expression too large");
			return -1;
		}
		z->total[z->level] += last * (mult - 1);
		z->last[z->level] = last * mult;
	}
	z->after_repeat = true;
	if (z->total[z->level] > RE_MAX_NODES) {
		snprintf(err, cap, "expression too large");
		return -1;
	}
	return 0;
}

static int translate(const char *p, struct rbuf *b, int *flags, char *err,
		     size_t cap)
{
	struct re_size *z = calloc(1, sizeof(*z));
	int rc = -1;

	if (!z) {
		snprintf(err, cap, "out of memory");
		return -1;
	}
	if (strncmp(p, "(?i)", 4) == 0) {
		*flags |= REG_ICASE;
		p += 4;
	}
	while (*p) {
		unsigned char c = (unsigned char)*p, lit;
		int lo, hi, n;

		switch (c) {
		case '\\':
			sz_atom(z);
			switch (p[1]) {
			case 'd':
				rb_puts(b, "[0-9]");
				break;
			case 'D':
				rb_puts(b, "[^0-9]");
				break;
			case 'w':
				rb_puts(b, "[0-9A-Za-z_]");
				break;
			case 'W':
				rb_puts(b, "[^0-9A-Za-z_]");
				break;
			case 's':
				rb_puts(b, "[\t\n\f\r ]");
				break;
			case 'S':
				rb_puts(b, "[^\t\n\f\r ]");
				break;
			case 'A':
				rb_puts(b, "^");
				z->last[z->level] = 0;
				break;
			case 'z':
				rb_puts(b, "$");
				z->last[z->level] = 0;
				break;
			case 'b':
				rb_puts(b, "\\b");
				z->last[z->level] = 0;
				break;
			case 'B':
				rb_puts(b, "\\B");
				z->last[z->level] = 0;
				break;
			default:
				n = escape_byte(p + 1, &lit);
				if (!n) {
					snprintf(err, cap,
						 "invalid or unsupported "
						 "escape sequence: \\%c",
						 p[1] ? p[1] : ' ');
					goto out;
				}
				rb_literal(b, lit);
				p += 1 + n;
				continue;
			}
			p += 2;
			continue;
		case '[':
			p++;
			sz_atom(z);
			if (tr_class(&p, b, err, cap))
				goto out;
			continue;
		case '.':
			sz_atom(z);
			rb_puts(b, "[^\n]");
			break;
		case '(':
			if (z->level == RE_MAX_NEST) {
				snprintf(err, cap,
					 "expression nests too deeply");
				goto out;
			}
			z->level++;
			z->total[z->level] = 0;
			z->last[z->level] = 0;
			z->after_repeat = false;
			if (p[1] == '?') {
				if (p[2] != ':') {
					snprintf(err, cap,
						 "unsupported group flags");
					goto out;
				}
				rb_puts(b, "(");
				p += 3;
				continue;
			}
			rb_puts(b, "(");
			break;
		case ')':
			if (z->level == 0) {
				snprintf(err, cap, "unexpected )");
				goto out;
			}
			z->level--;
			z->last[z->level] = z->total[z->level + 1] + 1;
			z->total[z->level] += z->last[z->level];
			z->after_repeat = false;
			rb_puts(b, ")");
			break;
		case '|':
		case '^':
		case '$':
			z->last[z->level] = 0;
			z->after_repeat = false;
			rb_put(b, p, 1);
			break;
		case '*':
		case '+':
		case '?':
			if (sz_repeat(z, c == '+' ? 2 : 1, err, cap))
				goto out;
			rb_put(b, p, 1);
			if (p[1] == '?') /* lazy: the same matches */
				p++;
			break;
		case '{':
			n = repeat_len(p, &lo, &hi);
			if (!n) {
				sz_atom(z);
				rb_puts(b, "[{]");
				break;
			}
			if (lo > KS_REPEAT_MAX || hi > KS_REPEAT_MAX ||
			    (hi >= 0 && hi < lo)) {
				snprintf(err, cap, "invalid repeat count");
				goto out;
			}
			if (sz_repeat(z, hi >= 0 ? hi : lo + 1, err, cap))
				goto out;
			rb_put(b, p, (size_t)n);
			p += n;
			if (*p == '?')
				p++;
			continue;
		case '}':
			sz_atom(z);
			rb_puts(b, "[}]");
			break;
		default:
			sz_atom(z);
			rb_put(b, p, 1);
			break;
		}
		p++;
	}
	rc = 0;
out:
	free(z);
	return rc;
}

static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static locale_t c_locale;

static void c_locale_init(void)
{
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

int ks_re_compile(const char *pattern, regex_t *re, char *err, size_t cap)
{
	struct rbuf b = {NULL, 0, 0, false};
	int flags = REG_EXTENDED | REG_NOSUB, rc;
	locale_t old = (locale_t)0;

	if (strlen(pattern) > KS_PATTERN_MAX) {
		snprintf(err, cap, "pattern longer than %d bytes",
			 KS_PATTERN_MAX);
		return -1;
	}
	if (translate(pattern, &b, &flags, err, cap))
		goto out_free;
	rb_puts(&b, "");
	if (b.oom) {
		snprintf(err, cap, "out of memory");
		goto out_free;
	}
	/* compile in the C locale: bytes, not the process's multibyte set */
	pthread_once(&c_locale_once, c_locale_init);
	if (c_locale)
		old = uselocale(c_locale);
	rc = regcomp(re, b.p, flags);
	if (c_locale)
		uselocale(old);
	if (rc) {
		regerror(rc, re, err, cap);
		goto out_free;
	}
	free(b.p);
	return 0;
out_free:
	free(b.p);
	return -1;
}
