/* metrics.c - a small Prometheus registry (metrics.h). */
#include "supervisor/metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct jf_series {
	char *name;
	char *labels;
	char *type;
	char *help;
	double value;
};

static const double bucket_le[JF_METRICS_BUCKETS] = {
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10,
};

void jf_metrics_init(struct jf_metrics *m)
{
	memset(m, 0, sizeof(*m));
	jf_hmap_init(&m->series);
}

static int free_series(const char *key, void *val, void *arg)
{
	struct jf_series *s = val;

	free(s->name);
	free(s->labels);
	free(s->type);
	free(s->help);
	free(s);
	return 0;
}

void jf_metrics_release(struct jf_metrics *m)
{
	jf_hmap_foreach(&m->series, free_series, NULL);
	jf_hmap_release(&m->series);
}

static struct jf_series *series(struct jf_metrics *m, const char *name,
				const char *labels, const char *type,
				const char *help)
{
	char key[512];
	struct jf_series *s;

	snprintf(key, sizeof(key), "%s{%s}", name, labels ? labels : "");
	s = jf_hmap_get(&m->series, key);
	if (s)
		return s;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->name = strdup(name);
	s->labels = strdup(labels ? labels : "");
	s->type = strdup(type);
	s->help = strdup(help ? help : "");
	if (!s->name || !s->labels || !s->type || !s->help ||
	    jf_hmap_put(&m->series, key, s, NULL)) {
		free_series(NULL, s, NULL);
		return NULL;
	}
	return s;
}

void jf_metrics_add(struct jf_metrics *m, const char *name, const char *labels,
		    double v, const char *type, const char *help)
{
	struct jf_series *s = series(m, name, labels, type, help);

	if (s)
		s->value += v;
}

void jf_metrics_set(struct jf_metrics *m, const char *name, const char *labels,
		    double v, const char *type, const char *help)
{
	struct jf_series *s = series(m, name, labels, type, help);

	if (s)
		s->value = v;
}

double jf_metrics_get(const struct jf_metrics *m, const char *name,
		      const char *labels)
{
	char key[512];
	const struct jf_series *s;

	snprintf(key, sizeof(key), "%s{%s}", name, labels ? labels : "");
	s = jf_hmap_get(&m->series, key);
	return s ? s->value : 0;
}

void jf_metrics_observe_reconcile(struct jf_metrics *m, double seconds)
{
	int i = 0;

	while (i < JF_METRICS_BUCKETS && seconds > bucket_le[i])
		i++;
	m->hist_counts[i]++;
	m->hist_sum += seconds;
	m->hist_n++;
}

void jf_metrics_label(char *buf, size_t cap, const char *k, const char *v)
{
	size_t n = (size_t)snprintf(buf, cap, "%s=\"", k);

	for (; v && *v && n + 3 < cap; v++) {
		if (*v == '"' || *v == '\\' || *v == '\n') {
			buf[n++] = '\\';
			buf[n++] = *v == '\n' ? 'n' : *v;
		} else {
			buf[n++] = *v;
		}
	}
	if (n + 1 < cap)
		buf[n++] = '"';
	buf[n < cap ? n : cap - 1] = '\0';
}

static int cmp_series(const void *a, const void *b)
{
	const struct jf_series *x = *(struct jf_series *const *)a;
	const struct jf_series *y = *(struct jf_series *const *)b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->labels, y->labels);
}

static void put_value(struct jf_buf *out, double v)
{
	char num[64];

	if (v == (double)(long long)v)
		snprintf(num, sizeof(num), "%lld", (long long)v);
	else
		snprintf(num, sizeof(num), "%.9g", v);
	for (char *p = num; *p; p++) {
		if (*p == ',')
			*p = '.';
	}
	jf_buf_puts(out, num);
}

int jf_metrics_render(const struct jf_metrics *m, struct jf_buf *out)
{
	size_t n = jf_hmap_len(&m->series), i = 0, pos = 0;
	struct jf_series **all = calloc(n ? n : 1, sizeof(*all));
	const char *prev = NULL, *key;
	uint64_t cum = 0;
	void *val;

	if (!all)
		return -1;
	while (jf_hmap_next(&m->series, &pos, &key, &val))
		all[i++] = val;
	qsort(all, n, sizeof(*all), cmp_series);
	for (i = 0; i < n; i++) {
		struct jf_series *s = all[i];

		if (!prev || strcmp(prev, s->name) != 0) {
			jf_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n",
				      s->name, s->help, s->name, s->type);
			prev = s->name;
		}
		jf_buf_puts(out, s->name);
		if (*s->labels)
			jf_buf_printf(out, "{%s}", s->labels);
		jf_buf_putc(out, ' ');
		put_value(out, s->value);
		jf_buf_putc(out, '\n');
	}
	free(all);
	jf_buf_puts(out, "# HELP jobflowd_reconcile_duration_seconds time to "
			 "reconcile one flow, dispatch to result\n"
			 "# TYPE jobflowd_reconcile_duration_seconds "
			 "histogram\n");
	for (i = 0; i <= JF_METRICS_BUCKETS; i++) {
		cum += m->hist_counts[i];
		if (i < JF_METRICS_BUCKETS) {
			jf_buf_puts(out, "jobflowd_reconcile_duration_seconds_"
					 "bucket{le=\"");
			put_value(out, bucket_le[i]);
			jf_buf_printf(out, "\"} %llu\n",
				      (unsigned long long)cum);
		} else {
			jf_buf_printf(out,
				      "jobflowd_reconcile_duration_seconds_"
				      "bucket{le=\"+Inf\"} %llu\n",
				      (unsigned long long)cum);
		}
	}
	jf_buf_puts(out, "jobflowd_reconcile_duration_seconds_sum ");
	put_value(out, m->hist_sum);
	jf_buf_printf(out, "\njobflowd_reconcile_duration_seconds_count %llu\n",
		      (unsigned long long)m->hist_n);
	return 0;
}
