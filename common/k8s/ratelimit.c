/* ratelimit.c - the client-side token bucket and the jittered exponential
 * backoff used by retries, informers and leader election. */
#include "k8s_internal.h"

#include <math.h>

void k8s_bucket_init(struct k8s_bucket *b, double qps, int burst,
		     int64_t now_ms)
{
	b->qps = qps;
	b->burst = burst > 0 ? burst : 1;
	b->tokens = b->burst;
	b->last_ms = now_ms;
}

int64_t k8s_bucket_reserve(struct k8s_bucket *b, int64_t now_ms)
{
	if (b->qps <= 0)
		return 0;
	if (now_ms > b->last_ms) {
		b->tokens += (double)(now_ms - b->last_ms) * b->qps / 1000.0;
		if (b->tokens > b->burst)
			b->tokens = b->burst;
		b->last_ms = now_ms;
	}
	b->tokens -= 1.0;
	if (b->tokens >= 0)
		return 0;
	return (int64_t)ceil(-b->tokens * 1000.0 / b->qps);
}

void k8s_backoff_init(struct k8s_backoff *b, int64_t init_ms, int64_t max_ms,
		      int64_t reset_ms, double factor, double jitter)
{
	b->init_ms = init_ms > 0 ? init_ms : 1;
	b->max_ms = max_ms >= b->init_ms ? max_ms : b->init_ms;
	b->reset_ms = reset_ms;
	b->factor = factor >= 1.0 ? factor : 1.0;
	b->jitter = jitter > 0 ? jitter : 0;
	b->cur_ms = 0;
	b->last_ms = 0;
}

int64_t k8s_backoff_next(struct k8s_backoff *b, int64_t now_ms, double u)
{
	double d;

	if (b->cur_ms == 0 ||
	    (b->reset_ms > 0 && now_ms - b->last_ms >= b->reset_ms)) {
		b->cur_ms = b->init_ms;
	} else {
		d = (double)b->cur_ms * b->factor;
		b->cur_ms = d >= (double)b->max_ms ? b->max_ms : (int64_t)d;
	}
	b->last_ms = now_ms;
	if (u < 0)
		u = 0;
	if (u >= 1)
		u = 0.999999;
	d = (double)b->cur_ms * (1.0 + b->jitter * u);
	if (d > (double)b->max_ms)
		d = (double)b->max_ms;
	return (int64_t)d;
}

void k8s_backoff_reset(struct k8s_backoff *b)
{
	b->cur_ms = 0;
}
