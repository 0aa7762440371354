/* time.c - durations, RFC 3339, clocks and deterministic jitter. */
#include "jf_time.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Largest duration we accept: int64 ms with headroom for arithmetic on
 * it (about 73 million years; anything real is far below). */
#define DURATION_MAX_MS (INT64_MAX / 4)

/* Integer arithmetic only: a double would silently round above 2^53. At
 * most 9 fractional digits count (sub-nanosecond precision is noise). */
int jf_duration_parse(const char *s, int64_t *out_ms, struct jf_errmsg *e)
{
	const char *p = s;
	int64_t total = 0;

	if (!s || !*s)
		return jf_errf(e, -JF_EPARSE, "empty duration");
	if (strcmp(s, "0") == 0) {
		*out_ms = 0;
		return 0;
	}
	while (*p) {
		const char *start = p;
		int64_t whole = 0, frac = 0, scale = 1, unit, part;
		bool digits = false;

		while (*p >= '0' && *p <= '9') {
			if (__builtin_mul_overflow(whole, 10, &whole) ||
			    __builtin_add_overflow(whole, *p - '0', &whole))
				return jf_errf(e, -JF_EPARSE,
					       "duration '%s' is too large", s);
			p++;
			digits = true;
		}
		if (*p == '.') {
			p++;
			while (*p >= '0' && *p <= '9') {
				if (scale < 1000000000) {
					frac = frac * 10 + (*p - '0');
					scale *= 10;
				}
				p++;
				digits = true;
			}
		}
		if (!digits)
			return jf_errf(
				e, -JF_EPARSE,
				"col %d: invalid duration '%s': expected a number",
				(int)(start - s) + 1, s);
		if (strncmp(p, "ms", 2) == 0) {
			unit = 1;
			p += 2;
		} else if (*p == 's') {
			unit = 1000;
			p++;
		} else if (*p == 'm') {
			unit = 60000;
			p++;
		} else if (*p == 'h') {
			unit = 3600000;
			p++;
		} else if (*p == '\0') {
			return jf_errf(
				e, -JF_EPARSE,
				"col %d: invalid duration '%s': missing unit (ms, s, m, h)",
				(int)(p - s) + 1, s);
		} else {
			return jf_errf(
				e, -JF_EPARSE,
				"col %d: invalid duration '%s': unknown unit",
				(int)(p - s) + 1, s);
		}
		/* frac < 1e9 and unit <= 3.6e6: no overflow below */
		if (__builtin_mul_overflow(whole, unit, &part) ||
		    __builtin_add_overflow(
			    part, (frac * unit + scale / 2) / scale, &part) ||
		    __builtin_add_overflow(total, part, &total) ||
		    total > DURATION_MAX_MS)
			return jf_errf(e, -JF_EPARSE,
				       "duration '%s' is too large", s);
	}
	*out_ms = total;
	return 0;
}

char *jf_duration_format(int64_t ms, char *buf, size_t cap)
{
	int64_t h, m, s, rest;
	size_t n = 0;

	if (ms < 0) {
		snprintf(buf, cap, "-");
		n = 1;
		ms = -ms;
	}
	if (ms == 0) {
		snprintf(buf + n, cap - n, "0s");
		return buf;
	}
	if (ms < 1000) {
		snprintf(buf + n, cap - n, "%lldms", (long long)ms);
		return buf;
	}
	h = ms / 3600000;
	m = ms / 60000 % 60;
	s = ms / 1000 % 60;
	rest = ms % 1000;
	if (h)
		n += (size_t)snprintf(buf + n, cap - n, "%lldh", (long long)h);
	if (h || m)
		n += (size_t)snprintf(buf + n, cap - n, "%lldm", (long long)m);
	if (n >= cap)
		return buf;
	if (rest) {
		char frac[8];
		int len;

		len = snprintf(frac, sizeof(frac), "%03lld", (long long)rest);
		while (len > 0 && frac[len - 1] == '0')
			frac[--len] = '\0';
		snprintf(buf + n, cap - n, "%lld.%ss", (long long)s, frac);
	} else {
		snprintf(buf + n, cap - n, "%llds", (long long)s);
	}
	return buf;
}

static int digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

int jf_time_parse(const char *s, int64_t *out_ms)
{
	int y, mo, d, h, mi, sec, ms = 0, off = 0;
	const char *p = s;
	struct tm tm;
	time_t t;

	if (!s || digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) ||
	    *p++ != '-' || digits(&p, 2, &d) || (*p != 'T' && *p != 't') ||
	    !*p++ || digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi) ||
	    *p++ != ':' || digits(&p, 2, &sec))
		return -JF_EPARSE;
	if (*p == '.') {
		int scale = 100;

		p++;
		if (*p < '0' || *p > '9')
			return -JF_EPARSE;
		while (*p >= '0' && *p <= '9') {
			ms += (*p - '0') * scale;
			scale /= 10;
			p++;
		}
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1, oh, om;

		p++;
		if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om))
			return -JF_EPARSE;
		off = sign * (oh * 60 + om);
	} else {
		return -JF_EPARSE;
	}
	if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return -JF_EPARSE;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	*out_ms = ((int64_t)t - (int64_t)off * 60) * 1000 + ms;
	return 0;
}

char *jf_time_format(int64_t ms, char *buf, size_t cap)
{
	time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

char *jf_time_format_micro(int64_t ms, char *buf, size_t cap)
{
	time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	int frac = (int)(ms - (int64_t)t * 1000);
	char base[32];
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, cap, "%s.%03d000Z", base, frac);
	return buf;
}

int64_t jf_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t jf_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t jf_fnv1a(uint64_t h, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* splitmix64 finaliser: spreads FNV's weak low bits over the word. */
static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

double jf_jitter_unit(const char *uid, const char *step, int attempt)
{
	uint64_t h = JF_FNV_OFFSET;
	char num[16];

	h = jf_fnv1a(h, uid ? uid : "", strlen(uid ? uid : ""));
	h = jf_fnv1a(h, "\0", 1);
	h = jf_fnv1a(h, step ? step : "", strlen(step ? step : ""));
	h = jf_fnv1a(h, "\0", 1);
	snprintf(num, sizeof(num), "%d", attempt);
	h = jf_fnv1a(h, num, strlen(num));
	/* 53 random bits -> [0, 1) exactly representable */
	return (double)(mix64(h) >> 11) / 9007199254740992.0;
}

static uint64_t rand_state;

double jf_rand_unit(void)
{
	if (!rand_state) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		rand_state = mix64((uint64_t)ts.tv_nsec ^
				   ((uint64_t)getpid() << 32) ^
				   (uint64_t)ts.tv_sec) |
			     1;
	}
	rand_state += 0x9e3779b97f4a7c15ULL;
	return (double)(mix64(rand_state) >> 11) / 9007199254740992.0;
}
