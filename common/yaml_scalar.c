/* yaml_scalar.c - the typing table of the YAML loader: how one scalar
 * becomes a JSON value, as sigs.k8s.io/yaml (go-yaml v2) types it, with the
 * deviations recorded in docs/decisions.md.
 *
 * Untagged quoted, literal and folded scalars are strings. Untagged plain
 * scalars:
 *
 *   text                               JSON      note
 *   ""  ~  null  Null  NULL            null      empty value too
 *   true  True  TRUE                   true
 *   false  False  FALSE                false
 *   y Y yes Yes YES no on off ...      string    YAML 1.1 bools kept as text
 *   12  +12  -12  1_000                number    "_" between digits dropped
 *   0x1F  0X1f  -0x1F                  number    hex (31, -31)
 *   0o17  017  0644                    number    octal (15, 15, 420): a
 *                                                leading 0 is octal, as in
 *                                                kubectl (defaultMode: 0644)
 *   0b101                              number    binary (5)
 *   08  09                             number    not octal: decimal 8, 9
 *   1.5  1.  .5  -2.5e-3  1e3  +.5     number    locale-independent
 *   ints beyond +-2^53                 number    nearest double (cJSON
 *                                                holds doubles only)
 *   1e400 (overflows a double)         string    JSON has no infinity
 *   .inf -.inf +.inf .nan (any case    string    JSON has no inf/nan; the
 *   spelling YAML allows)                        text is kept
 *   2026-08-22, 1:20, 0x, 1.5.5, abc   string    timestamps stay strings
 *
 * Tags (the "!!x" short forms and "tag:yaml.org,2002:x"): !!str makes any
 * scalar a string (its text); !!int, !!float, !!bool, !!null require the
 * text to be of that type after the table above (!!float accepts ints;
 * !!bool also accepts the YAML 1.1 words yes/no/on/off/y/n; .inf/.nan under
 * !!float are an error because JSON cannot hold them) and apply to quoted
 * scalars too. "!" and every other tag (!!binary, !!timestamp, !Local)
 * leave the scalar a string.
 */
#include "yaml_int.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_err.h"

#define TAG_PREFIX "tag:yaml.org,2002:"

enum tag_kind {
	TAG_NONE,
	TAG_STR,
	TAG_INT,
	TAG_FLOAT,
	TAG_BOOL,
	TAG_NULL,
	TAG_OTHER,
};

static enum tag_kind tag_kind_of(const char *tag)
{
	static const struct {
		const char *name;
		enum tag_kind kind;
	} known[] = {
		{"str", TAG_STR},   {"int", TAG_INT},	{"float", TAG_FLOAT},
		{"bool", TAG_BOOL}, {"null", TAG_NULL},
	};

	if (!tag || !*tag)
		return TAG_NONE;
	if (strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX)) != 0)
		return TAG_OTHER; /* "!" (non-specific) and local tags */
	tag += strlen(TAG_PREFIX);
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (strcmp(tag, known[i].name) == 0)
			return known[i].kind;
	}
	return TAG_OTHER;
}

static bool is_one_of(const char *s, size_t len, const char *const *words)
{
	for (; *words; words++) {
		if (strlen(*words) == len && memcmp(s, *words, len) == 0)
			return true;
	}
	return false;
}

static const char *const null_words[] = {"", "~", "null", "Null", "NULL", NULL};
static const char *const true_words[] = {"true", "True", "TRUE", NULL};
static const char *const false_words[] = {"false", "False", "FALSE", NULL};
static const char *const true11_words[] = {"y",	 "Y",  "yes", "Yes", "YES",
					   "on", "On", "ON",  NULL};
static const char *const false11_words[] = {"n",   "N",	  "no",	 "No", "NO",
					    "off", "Off", "OFF", NULL};
static const char *const special_float_words[] = {
	".inf",	 ".Inf",  ".INF", "+.inf", "+.Inf", "+.INF", "-.inf",
	"-.Inf", "-.INF", ".nan", ".NaN",  ".NAN",  NULL};

/* strtod() in the "C" locale, whatever LC_NUMERIC the process uses. */
static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void)
{
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

static bool parse_double(const char *s, double *out)
{
	char *end;

	pthread_once(&c_locale_once, c_locale_init);
	if (!c_locale)
		return false;
	errno = 0;
	*out = strtod_l(s, &end, c_locale);
	if (*end != '\0' || isinf(*out) || isnan(*out))
		return false;
	return true;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

/* Go's strconv.ParseInt(s, 0, 64), widened to uint64 magnitudes (as
 * go-yaml falls back to ParseUint): optional sign, then 0x/0o/0b prefixes,
 * a leading 0 meaning octal, or decimal. */
static bool parse_go_int(const char *s, double *out)
{
	bool neg = false;
	unsigned base = 10;
	uint64_t v = 0;
	const char *p = s;

	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	} else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O')) {
		base = 8;
		p += 2;
	} else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B')) {
		base = 2;
		p += 2;
	} else if (p[0] == '0' && p[1] != '\0') {
		base = 8;
		p++;
	}
	if (*p == '\0')
		return false;
	for (; *p; p++) {
		unsigned d = (unsigned)digit_value(*p);

		if (d >= base)
			return false;
		if (v > (UINT64_MAX - d) / base)
			return false; /* overflow: go-yaml tries a float next */
		v = v * base + d;
	}
	if (neg && v > (uint64_t)INT64_MAX + 1)
		return false;
	*out = v == 0 ? 0.0 : (neg ? -(double)v : (double)v);
	return true;
}

/* go-yaml's yamlStyleFloat:
 * ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static bool is_yaml_float(const char *p)
{
	if (*p == '+' || *p == '-')
		p++;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	} else {
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
		if (*p == '.') {
			p++;
			while (*p >= '0' && *p <= '9')
				p++;
		}
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return *p == '\0';
}

enum num_kind {
	NUM_NONE,
	NUM_INT,
	NUM_FLOAT,
};

/* A plain number per the table: NUM_INT or NUM_FLOAT with the value in
 * *out, or NUM_NONE when the text is not a number. */
static enum num_kind plain_number(const char *s, size_t len, double *out)
{
	char buf[128];
	size_t n = 0;

	if (len == 0 || len >= sizeof(buf))
		return NUM_NONE; /* 128 bytes of digits is not a JSON number */
	if (s[0] == '.') {
		/* Go's ParseFloat on the text as is: no '_' allowed */
		memcpy(buf, s, len);
		buf[len] = '\0';
		if (is_yaml_float(buf) && parse_double(buf, out))
			return NUM_FLOAT;
		return NUM_NONE;
	}
	if (!(s[0] >= '0' && s[0] <= '9') && s[0] != '+' && s[0] != '-')
		return NUM_NONE;
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '_')
			buf[n++] = s[i];
	}
	buf[n] = '\0';
	if (parse_go_int(buf, out))
		return NUM_INT;
	if (is_yaml_float(buf) && parse_double(buf, out))
		return NUM_FLOAT;
	return NUM_NONE;
}

static int scalar_err(char *err, size_t cap, int code, const char *fmt,
		      const char *value, size_t len)
{
	snprintf(err, cap, fmt, (int)(len > 40 ? 40 : len), value);
	return code;
}

int jf_yaml_scalar(const char *value, size_t len, enum jf_yaml_style style,
		   const char *tag, cJSON **out, char *err, size_t errcap)
{
	enum tag_kind tk = tag_kind_of(tag);
	bool typed = style == JF_YAML_PLAIN || tk != TAG_NONE;
	enum num_kind nk;
	double d;
	char *s;

	*out = NULL;
	if (memchr(value, '\0', len))
		return scalar_err(err, errcap, -JF_EPARSE,
				  "string '%.*s' contains a NUL character",
				  value, len);
	if (tk == TAG_STR || tk == TAG_OTHER || !typed)
		goto string;
	if (tk == TAG_NONE || tk == TAG_NULL) {
		if (is_one_of(value, len, null_words)) {
			*out = cJSON_CreateNull();
			goto done;
		}
		if (tk == TAG_NULL)
			return scalar_err(err, errcap, -JF_ETYPE,
					  "'%.*s' is not a null (tag !!null)",
					  value, len);
	}
	if (tk == TAG_NONE || tk == TAG_BOOL) {
		if (is_one_of(value, len, true_words) ||
		    (tk == TAG_BOOL && is_one_of(value, len, true11_words))) {
			*out = cJSON_CreateTrue();
			goto done;
		}
		if (is_one_of(value, len, false_words) ||
		    (tk == TAG_BOOL && is_one_of(value, len, false11_words))) {
			*out = cJSON_CreateFalse();
			goto done;
		}
		if (tk == TAG_BOOL)
			return scalar_err(err, errcap, -JF_ETYPE,
					  "'%.*s' is not a bool (tag !!bool)",
					  value, len);
	}
	if (tk == TAG_FLOAT && is_one_of(value, len, special_float_words))
		return scalar_err(
			err, errcap, -JF_ETYPE,
			"'%.*s' (tag !!float) cannot be represented in JSON",
			value, len);
	nk = plain_number(value, len, &d);
	if (nk == NUM_INT || (nk == NUM_FLOAT && tk != TAG_INT)) {
		*out = cJSON_CreateNumber(d);
		goto done;
	}
	if (tk == TAG_INT)
		return scalar_err(err, errcap, -JF_ETYPE,
				  "'%.*s' is not an integer (tag !!int)", value,
				  len);
	if (tk == TAG_FLOAT)
		return scalar_err(err, errcap, -JF_ETYPE,
				  "'%.*s' is not a number (tag !!float)", value,
				  len);
string:
	s = malloc(len + 1);
	if (!s)
		return -ENOMEM;
	memcpy(s, value, len);
	s[len] = '\0';
	*out = cJSON_CreateString(s);
	free(s);
done:
	if (!*out) {
		snprintf(err, errcap, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

bool jf_yaml_is_merge_key(const char *value, size_t len,
			  enum jf_yaml_style style, const char *tag)
{
	return style == JF_YAML_PLAIN && tag_kind_of(tag) == TAG_NONE &&
	       len == 2 && value[0] == '<' && value[1] == '<';
}

char *jf_yaml_key_text(const cJSON *v, bool *nomem)
{
	char buf[64];
	char *s;

	*nomem = false;
	if (cJSON_IsString(v)) {
		s = strdup(v->valuestring);
	} else if (cJSON_IsBool(v)) {
		s = strdup(cJSON_IsTrue(v) ? "true" : "false");
	} else if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;

		if (d == floor(d) && fabs(d) <= 9007199254740992.0) {
			snprintf(buf, sizeof(buf), "%lld", (long long)d);
		} else {
			snprintf(buf, sizeof(buf), "%.15g", d);
			if (strtod(buf, NULL) != d)
				snprintf(buf, sizeof(buf), "%.17g", d);
			for (char *p = buf; *p; p++) {
				if (*p == ',')
					*p = '.';
			}
		}
		s = strdup(buf);
	} else {
		return NULL;
	}
	if (!s)
		*nomem = true;
	return s;
}
