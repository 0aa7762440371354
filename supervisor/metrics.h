/* metrics.h - Prometheus text exposition for the supervisor: labelled
 * counters and gauges in one registry, plus one latency histogram. */
#ifndef JF_SUPERVISOR_METRICS_H
#define JF_SUPERVISOR_METRICS_H

#include <stdint.h>

#include "jf_buf.h"
#include "jf_hmap.h"

#define JF_METRICS_BUCKETS 12

struct jf_metrics {
	struct jf_hmap series; /* "name{labels}" -> struct jf_series */
	/* reconcile latency (seconds) */
	uint64_t hist_counts[JF_METRICS_BUCKETS + 1];
	double hist_sum;
	uint64_t hist_n;
};

void jf_metrics_init(struct jf_metrics *m);
void jf_metrics_release(struct jf_metrics *m);

/* Adds v to the counter name{labels}; labels is "" or 'k="v",k2="v2"'
 * (values escaped by the caller with jf_metrics_label()). help and type
 * ("counter"/"gauge") are remembered from the first call. */
void jf_metrics_add(struct jf_metrics *m, const char *name, const char *labels,
		    double v, const char *type, const char *help);

/* Sets the value of name{labels}: a gauge, or a counter whose total is
 * kept elsewhere (type "counter"). */
void jf_metrics_set(struct jf_metrics *m, const char *name, const char *labels,
		    double v, const char *type, const char *help);

/* Returns the current value, 0 when absent. */
double jf_metrics_get(const struct jf_metrics *m, const char *name,
		      const char *labels);

/* Records one reconcile duration in seconds. */
void jf_metrics_observe_reconcile(struct jf_metrics *m, double seconds);

/* Writes 'k="escaped v"' into buf (cap bytes). */
void jf_metrics_label(char *buf, size_t cap, const char *k, const char *v);

/* Renders every series, sorted by name, in Prometheus text format 0.0.4. */
int jf_metrics_render(const struct jf_metrics *m, struct jf_buf *out);

#endif /* JF_SUPERVISOR_METRICS_H */
