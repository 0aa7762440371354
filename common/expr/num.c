/* num.c - number text for the expression language, independent of the
 * process locale (a "C" locale object for strtod_l and snprintf). */
#include "expr_int.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static locale_t c_loc;
static pthread_once_t c_loc_once = PTHREAD_ONCE_INIT;

static void c_loc_init(void)
{
	c_loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	if (!c_loc) {
		/* Without it every number could be misread: give up loudly. */
		fputs("jobflowd: newlocale(\"C\") failed\n", stderr);
		abort();
	}
}

static locale_t c_locale(void)
{
	pthread_once(&c_loc_once, c_loc_init);
	return c_loc;
}

static bool digits(const char *s, size_t len, size_t *i)
{
	size_t start = *i;

	while (*i < len && s[*i] >= '0' && s[*i] <= '9')
		(*i)++;
	return *i > start;
}

bool num_parse_double(const char *s, size_t len, double *out)
{
	char tmp[512];
	size_t i = 0;
	bool lead, frac = false;
	char *end;
	double v;

	/* [+-] (digits [. digits*] | . digits) [(e|E) [+-] digits] */
	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	lead = digits(s, len, &i);
	if (i < len && s[i] == '.') {
		i++;
		frac = digits(s, len, &i);
	}
	if (!lead && !frac)
		return false;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (!digits(s, len, &i))
			return false;
	}
	if (i != len || len >= sizeof(tmp))
		return false;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	v = strtod_l(tmp, &end, c_locale());
	if (end != tmp + len || !isfinite(v))
		return false;
	*out = v;
	return true;
}

bool num_parse_int(const char *s, size_t len, int64_t *out)
{
	size_t i = 0;
	bool neg = false;
	uint64_t v = 0, lim;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	if (i == len)
		return false;
	lim = neg ? UINT64_C(1) << 63 : (UINT64_C(1) << 63) - 1;
	for (; i < len; i++) {
		unsigned d = (unsigned char)s[i] - '0';

		if (d > 9 || v > (lim - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}

size_t num_fmt_int(int64_t v, char *buf)
{
	char tmp[24];
	size_t n = 0, k = 0;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		buf[k++] = '-';
	while (n)
		buf[k++] = tmp[--n];
	buf[k] = '\0';
	return k;
}

/* Shortest decimal digits (no dot, no trailing zeros) and the exponent e
 * such that d = 0.DIGITS x 10^e. */
static size_t shortest(double d, char *dig, int *e10)
{
	locale_t old = uselocale(c_locale());
	char tmp[40], *p;
	size_t n = 0;

	for (int prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, d);
		if (strtod_l(tmp, NULL, c_locale()) == d)
			break;
	}
	uselocale(old);
	/* tmp is "D[.DDD]e[+-]XX" */
	for (p = tmp; *p && *p != 'e'; p++) {
		if (*p >= '0' && *p <= '9')
			dig[n++] = *p;
	}
	*e10 = atoi(p + 1) + 1;
	while (n > 1 && dig[n - 1] == '0')
		n--;
	dig[n] = '\0';
	return n;
}

size_t num_fmt_double(double d, char *buf)
{
	char dig[24];
	size_t k, o = 0;
	int n;

	if (d == 0) {
		strcpy(buf, "0");
		return 1;
	}
	if (d < 0) {
		buf[o++] = '-';
		d = -d;
	}
	k = shortest(d, dig, &n);
	if ((int)k <= n && n <= 21) {
		memcpy(buf + o, dig, k);
		o += k;
		for (int z = 0; z < n - (int)k; z++)
			buf[o++] = '0';
	} else if (0 < n && n <= 21) {
		memcpy(buf + o, dig, (size_t)n);
		o += (size_t)n;
		buf[o++] = '.';
		memcpy(buf + o, dig + n, k - (size_t)n);
		o += k - (size_t)n;
	} else if (-6 < n && n <= 0) {
		buf[o++] = '0';
		buf[o++] = '.';
		for (int z = 0; z < -n; z++)
			buf[o++] = '0';
		memcpy(buf + o, dig, k);
		o += k;
	} else {
		buf[o++] = dig[0];
		if (k > 1) {
			buf[o++] = '.';
			memcpy(buf + o, dig + 1, k - 1);
			o += k - 1;
		}
		o += (size_t)sprintf(buf + o, "e%c%d", n - 1 < 0 ? '-' : '+',
				     abs(n - 1));
	}
	buf[o] = '\0';
	return o;
}
