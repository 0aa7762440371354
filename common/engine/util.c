/* util.c - small helpers of the flow engine: a string map, step phases,
 * whole-second times and the retry delay formula. */
#include "eng.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_hmap.h"
#include "jf_json.h"
#include "jf_time.h"

/* --- string -> int map, over jf_hmap (values stored as index + 1) -------- */

int jf_eng_map_init(struct jf_eng_map *m, size_t hint)
{
	(void)hint;
	jf_hmap_init(&m->h);
	return 0;
}

void jf_eng_map_release(struct jf_eng_map *m)
{
	jf_hmap_release(&m->h);
}

int jf_eng_map_put(struct jf_eng_map *m, const char *key, int val)
{
	if (jf_hmap_get(&m->h, key))
		return -EEXIST;
	return jf_hmap_put(&m->h, key, (void *)((intptr_t)val + 1), NULL);
}

int jf_eng_map_get(const struct jf_eng_map *m, const char *key)
{
	void *v = key ? jf_hmap_get(&m->h, key) : NULL;

	return v ? (int)((intptr_t)v - 1) : -1;
}

/* --- phases ----------------------------------------------------------------
 */

static const char *const phase_names[] = {
	[JF_PH_WAITING] = "Waiting",	 [JF_PH_PENDING] = "Pending",
	[JF_PH_RUNNING] = "Running",	 [JF_PH_BACKOFF] = "Backoff",
	[JF_PH_SUCCEEDED] = "Succeeded", [JF_PH_FAILED] = "Failed",
	[JF_PH_SKIPPED] = "Skipped",	 [JF_PH_OMITTED] = "Omitted",
};

const char *jf_eng_phase_name(int ph)
{
	if (ph < 0 || ph > JF_PH_OMITTED)
		return "Waiting";
	return phase_names[ph];
}

int jf_eng_phase_parse(const char *s)
{
	if (!s)
		return -1;
	for (int i = 0; i <= JF_PH_OMITTED; i++) {
		if (strcmp(s, phase_names[i]) == 0)
			return i;
	}
	return -1;
}

bool jf_eng_phase_terminal(int ph)
{
	return ph == JF_PH_SUCCEEDED || ph == JF_PH_FAILED ||
	       ph == JF_PH_SKIPPED || ph == JF_PH_OMITTED;
}

bool jf_eng_phase_active(int ph)
{
	return ph == JF_PH_PENDING || ph == JF_PH_RUNNING ||
	       ph == JF_PH_BACKOFF;
}

/* --- strings and times ------------------------------------------------------
 */

char *jf_eng_strf(struct jf_eng_flow *f, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		f->oom = true;
		return NULL;
	}
	return s;
}

int64_t jf_eng_floor_s(int64_t ms)
{
	if (ms < 0)
		return ms;
	return ms - ms % 1000;
}

int64_t jf_eng_ceil_s(int64_t ms)
{
	if (ms < 0)
		return ms;
	return ms % 1000 ? ms - ms % 1000 + 1000 : ms;
}

int64_t jf_eng_time_at(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	int64_t ms;

	if (!cJSON_IsString(v) || jf_time_parse(v->valuestring, &ms) || ms < 0)
		return -1;
	return ms;
}

cJSON *jf_eng_time_json(int64_t ms)
{
	char buf[40];

	return cJSON_CreateString(jf_time_format(ms, buf, sizeof(buf)));
}

/* delay(k) = min(cap, duration * factor^(k-1)) * (1 + jitter * (2u - 1)),
 * u = jf_jitter_unit(uid, key, k) in [0, 1), so the jitter term is in
 * [-jitter, +jitter). Saturates at JF_ENG_DELAY_MAX_MS. */
int64_t jf_eng_retry_delay(const struct jf_eng_retry *r, const char *uid,
			   const char *key, int k)
{
	double d = (double)r->duration_ms;

	if (k < 1)
		k = 1;
	if (r->factor > 1.0)
		d *= pow(r->factor, (double)(k - 1));
	if (!(d < (double)JF_ENG_DELAY_MAX_MS))
		d = (double)JF_ENG_DELAY_MAX_MS;
	if (r->cap_ms >= 0 && d > (double)r->cap_ms)
		d = (double)r->cap_ms;
	if (r->jitter > 0) {
		double u = jf_jitter_unit(uid, key, k);

		d *= 1.0 + r->jitter * (2.0 * u - 1.0);
	}
	if (d < 0)
		d = 0;
	return (int64_t)floor(d);
}

cJSON *jf_eng_dup_nonull(const cJSON *n)
{
	bool obj = cJSON_IsObject(n);
	const cJSON *c;
	cJSON *d;

	if (!n || cJSON_IsNull(n))
		return NULL;
	if (!obj && !cJSON_IsArray(n))
		return jf_json_dup(n);
	d = obj ? cJSON_CreateObject() : cJSON_CreateArray();
	for (c = n->child; d && c; c = c->next) {
		cJSON *x;

		if (cJSON_IsNull(c))
			continue;
		x = jf_eng_dup_nonull(c);
		if (!x || !(obj ? cJSON_AddItemToObject(d, c->string, x)
				: cJSON_AddItemToArray(d, x))) {
			cJSON_Delete(x);
			cJSON_Delete(d);
			return NULL;
		}
	}
	return d;
}
