/* queue.c - rate-limited, delaying, deduplicating work queue (queue.h). */
#include "supervisor/queue.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct jf_queue_item {
	struct jf_queue_item *next; /* FIFO link */
	bool dirty;		    /* added since last handed out */
	bool processing;	    /* handed out, not done */
	bool in_fifo;
	long heap_index;  /* -1: not waiting */
	int64_t ready_ms; /* when waiting */
	int failures;	  /* rate limiter's per-key count */
	char key[];
};

void jf_queue_init(struct jf_queue *q, const struct jf_queue_limits *limits)
{
	memset(q, 0, sizeof(*q));
	jf_hmap_init(&q->items);
	q->limits = limits ? *limits : JF_QUEUE_LIMITS_DEFAULT;
	q->tokens = q->limits.bucket_burst;
	q->bucket_last_ms = -1;
}

static int free_item(const char *key, void *val, void *arg)
{
	free(val);
	return 0;
}

void jf_queue_release(struct jf_queue *q)
{
	jf_hmap_foreach(&q->items, free_item, NULL);
	jf_hmap_release(&q->items);
	free(q->heap);
	memset(q, 0, sizeof(*q));
}

static struct jf_queue_item *item_get(struct jf_queue *q, const char *key,
				      bool create)
{
	struct jf_queue_item *it = jf_hmap_get(&q->items, key);
	size_t len;

	if (it || !create)
		return it;
	len = strlen(key);
	it = calloc(1, sizeof(*it) + len + 1);
	if (!it)
		return NULL;
	memcpy(it->key, key, len + 1);
	it->heap_index = -1;
	if (jf_hmap_put(&q->items, key, it, NULL)) {
		free(it);
		return NULL;
	}
	return it;
}

/* An item with no state left is forgotten entirely. */
static void item_maybe_free(struct jf_queue *q, struct jf_queue_item *it)
{
	if (it->dirty || it->processing || it->in_fifo || it->heap_index >= 0 ||
	    it->failures)
		return;
	jf_hmap_del(&q->items, it->key);
	free(it);
}

static void fifo_push(struct jf_queue *q, struct jf_queue_item *it)
{
	it->next = NULL;
	it->in_fifo = true;
	if (q->tail)
		q->tail->next = it;
	else
		q->head = it;
	q->tail = it;
	q->queued++;
}

/* --- delayed keys: a binary min-heap on ready_ms ------------------------- */

static void heap_swap(struct jf_queue *q, size_t a, size_t b)
{
	struct jf_queue_item *t = q->heap[a];

	q->heap[a] = q->heap[b];
	q->heap[b] = t;
	q->heap[a]->heap_index = (long)a;
	q->heap[b]->heap_index = (long)b;
}

static void heap_up(struct jf_queue *q, size_t i)
{
	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (q->heap[parent]->ready_ms <= q->heap[i]->ready_ms)
			break;
		heap_swap(q, parent, i);
		i = parent;
	}
}

static void heap_down(struct jf_queue *q, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, min = i;

		if (l < q->heap_len &&
		    q->heap[l]->ready_ms < q->heap[min]->ready_ms)
			min = l;
		if (r < q->heap_len &&
		    q->heap[r]->ready_ms < q->heap[min]->ready_ms)
			min = r;
		if (min == i)
			return;
		heap_swap(q, i, min);
		i = min;
	}
}

static int heap_push(struct jf_queue *q, struct jf_queue_item *it)
{
	if (q->heap_len == q->heap_cap) {
		size_t cap = q->heap_cap ? q->heap_cap * 2 : 64;
		struct jf_queue_item **h = realloc(q->heap, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		q->heap = h;
		q->heap_cap = cap;
	}
	q->heap[q->heap_len] = it;
	it->heap_index = (long)q->heap_len++;
	heap_up(q, (size_t)it->heap_index);
	return 0;
}

static struct jf_queue_item *heap_pop(struct jf_queue *q)
{
	struct jf_queue_item *top = q->heap[0];

	heap_swap(q, 0, --q->heap_len);
	if (q->heap_len)
		heap_down(q, 0);
	top->heap_index = -1;
	return top;
}

/* --- the queue ------------------------------------------------------------ */

static void item_add(struct jf_queue *q, struct jf_queue_item *it)
{
	if (it->dirty)
		return;
	it->dirty = true;
	q->adds++;
	if (!it->processing)
		fifo_push(q, it);
}

int jf_queue_add(struct jf_queue *q, const char *key)
{
	struct jf_queue_item *it;

	if (q->shutting_down)
		return 0;
	it = item_get(q, key, true);
	if (!it)
		return -ENOMEM;
	item_add(q, it);
	return 0;
}

int jf_queue_add_after(struct jf_queue *q, const char *key, int64_t delay_ms,
		       int64_t now_ms)
{
	struct jf_queue_item *it;
	int64_t ready;

	if (q->shutting_down)
		return 0;
	if (delay_ms <= 0)
		return jf_queue_add(q, key);
	it = item_get(q, key, true);
	if (!it)
		return -ENOMEM;
	ready = now_ms + delay_ms;
	if (it->heap_index >= 0) {
		if (ready < it->ready_ms) {
			it->ready_ms = ready;
			heap_up(q, (size_t)it->heap_index);
		}
		return 0;
	}
	it->ready_ms = ready;
	if (heap_push(q, it)) {
		item_maybe_free(q, it);
		return -ENOMEM;
	}
	return 0;
}

static int64_t exp_delay(const struct jf_queue_limits *l, int failures)
{
	double d = (double)l->base_delay_ms * pow(2.0, failures);

	if (d > (double)l->max_delay_ms || isinf(d))
		return l->max_delay_ms;
	return (int64_t)d;
}

/* Reserves one token from the global bucket; returns the wait in ms. */
static int64_t bucket_reserve(struct jf_queue *q, int64_t now_ms)
{
	const struct jf_queue_limits *l = &q->limits;

	if (l->bucket_qps <= 0)
		return 0;
	if (q->bucket_last_ms >= 0 && now_ms > q->bucket_last_ms) {
		q->tokens += (double)(now_ms - q->bucket_last_ms) *
			     l->bucket_qps / 1000.0;
		if (q->tokens > l->bucket_burst)
			q->tokens = l->bucket_burst;
	}
	q->bucket_last_ms = now_ms;
	q->tokens -= 1;
	if (q->tokens >= 0)
		return 0;
	return (int64_t)ceil(-q->tokens * 1000.0 / l->bucket_qps);
}

int64_t jf_queue_add_rate_limited(struct jf_queue *q, const char *key,
				  int64_t now_ms)
{
	struct jf_queue_item *it;
	int64_t per_key, global;
	int err;

	if (q->shutting_down)
		return 0;
	it = item_get(q, key, true);
	if (!it)
		return -ENOMEM;
	per_key = exp_delay(&q->limits, it->failures);
	if (it->failures < 64)
		it->failures++;
	global = bucket_reserve(q, now_ms);
	q->requeues++;
	if (global > per_key)
		per_key = global;
	err = jf_queue_add_after(q, key, per_key, now_ms);
	return err ? err : per_key;
}

int64_t jf_queue_when_peek(const struct jf_queue *q, const char *key)
{
	const struct jf_queue_item *it = jf_hmap_get(&q->items, key);

	return exp_delay(&q->limits, it ? it->failures : 0);
}

void jf_queue_forget(struct jf_queue *q, const char *key)
{
	struct jf_queue_item *it = jf_hmap_get(&q->items, key);

	if (!it)
		return;
	it->failures = 0;
	item_maybe_free(q, it);
}

int jf_queue_num_requeues(const struct jf_queue *q, const char *key)
{
	const struct jf_queue_item *it = jf_hmap_get(&q->items, key);

	return it ? it->failures : 0;
}

const char *jf_queue_get(struct jf_queue *q)
{
	struct jf_queue_item *it = q->head;

	if (!it)
		return NULL;
	q->head = it->next;
	if (!q->head)
		q->tail = NULL;
	q->queued--;
	it->next = NULL;
	it->in_fifo = false;
	it->dirty = false;
	it->processing = true;
	q->processing++;
	return it->key;
}

void jf_queue_done(struct jf_queue *q, const char *key)
{
	struct jf_queue_item *it = jf_hmap_get(&q->items, key);

	if (!it || !it->processing)
		return;
	it->processing = false;
	q->processing--;
	if (it->dirty)
		fifo_push(q, it);
	else
		item_maybe_free(q, it);
}

void jf_queue_tick(struct jf_queue *q, int64_t now_ms)
{
	while (q->heap_len && q->heap[0]->ready_ms <= now_ms) {
		struct jf_queue_item *it = heap_pop(q);

		item_add(q, it);
		item_maybe_free(q, it);
	}
}

int64_t jf_queue_next_deadline(const struct jf_queue *q)
{
	return q->heap_len ? q->heap[0]->ready_ms : -1;
}

void jf_queue_shutdown(struct jf_queue *q)
{
	q->shutting_down = true;
	while (q->heap_len) {
		struct jf_queue_item *it = heap_pop(q);

		item_maybe_free(q, it);
	}
}

size_t jf_queue_len(const struct jf_queue *q)
{
	return q->queued;
}

size_t jf_queue_waiting_len(const struct jf_queue *q)
{
	return q->heap_len;
}

size_t jf_queue_processing_len(const struct jf_queue *q)
{
	return q->processing;
}

bool jf_queue_is_processing(const struct jf_queue *q, const char *key)
{
	const struct jf_queue_item *it = jf_hmap_get(&q->items, key);

	return it && it->processing;
}

bool jf_queue_is_queued(const struct jf_queue *q, const char *key)
{
	const struct jf_queue_item *it = jf_hmap_get(&q->items, key);

	return it && it->in_fifo;
}

bool jf_queue_is_waiting(const struct jf_queue *q, const char *key)
{
	const struct jf_queue_item *it = jf_hmap_get(&q->items, key);

	return it && it->heap_index >= 0;
}

void jf_queue_foreach_processing(const struct jf_queue *q, jf_queue_key_fn *fn,
				 void *arg)
{
	size_t pos = 0;
	const char *key;
	void *val;

	while (jf_hmap_next(&q->items, &pos, &key, &val)) {
		const struct jf_queue_item *it = val;

		if (it->processing)
			fn(it->key, arg);
	}
}
