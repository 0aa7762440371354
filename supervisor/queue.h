/* queue.h - the supervisor's rate-limited work queue, with client-go's
 * workqueue semantics.
 *
 * Fair: keys are handed out in the order they were added. Stingy: a key is
 * never handed out twice at once, and a key added several times before it
 * is handed out is handed out once. A key added while it is being
 * processed is queued again when jf_queue_done() is called for it.
 *
 * Delayed adds wait in a min-heap; for the same key the earliest deadline
 * wins. The rate limiter is the max of a per-key exponential backoff and
 * a global token bucket (client-go's DefaultControllerRateLimiter).
 *
 * Time is explicit (monotonic ms passed by the caller) so the queue has no
 * clock and no timer of its own: the supervisor asks for the next
 * deadline, arms a libevent timer, and calls jf_queue_tick().
 */
#ifndef JF_SUPERVISOR_QUEUE_H
#define JF_SUPERVISOR_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jf_hmap.h"

struct jf_queue_limits {
	int64_t base_delay_ms; /* per-key exponential: first delay, 5 ms */
	int64_t max_delay_ms;  /* per-key cap, 1000 s */
	double bucket_qps;     /* global bucket refill, 10/s; <= 0: off */
	int bucket_burst;      /* global bucket size, 100 */
};

/* client-go's defaults: 5 ms .. 1000 s, 10 qps, burst 100. */
#define JF_QUEUE_LIMITS_DEFAULT ((struct jf_queue_limits){5, 1000000, 10, 100})

struct jf_queue_item; /* private */

struct jf_queue {
	struct jf_hmap items;	    /* key -> struct jf_queue_item */
	struct jf_queue_item *head; /* FIFO of queued keys */
	struct jf_queue_item *tail;
	size_t queued;		     /* keys in the FIFO */
	size_t processing;	     /* keys handed out, not done */
	struct jf_queue_item **heap; /* delayed keys, by ready time */
	size_t heap_len, heap_cap;
	struct jf_queue_limits limits;
	double tokens;		/* global bucket */
	int64_t bucket_last_ms; /* time tokens were last accounted */
	bool shutting_down;
	uint64_t adds, requeues; /* counters for /metrics */
};

/* Initialises an empty queue with the given limits. */
void jf_queue_init(struct jf_queue *q, const struct jf_queue_limits *limits);

/* Frees every item; the queue must not be used afterwards. */
void jf_queue_release(struct jf_queue *q);

/* Marks key for processing. Ignored while shutting down. Returns 0 or
 * -ENOMEM. */
int jf_queue_add(struct jf_queue *q, const char *key);

/* Adds key after delay_ms (now_ms is the caller's monotonic time); a
 * non-positive delay adds at once. When key is already waiting, the
 * earlier deadline wins. Returns 0 or -ENOMEM. */
int jf_queue_add_after(struct jf_queue *q, const char *key, int64_t delay_ms,
		       int64_t now_ms);

/* Adds key after the rate limiter's delay for it and counts a requeue.
 * Returns the delay chosen (ms), or a negative error. */
int64_t jf_queue_add_rate_limited(struct jf_queue *q, const char *key,
				  int64_t now_ms);

/* Returns the per-key delay the limiter would give key now, without
 * adding it (advances neither counter). */
int64_t jf_queue_when_peek(const struct jf_queue *q, const char *key);

/* Clears key's failure count (the limiter forgets it). */
void jf_queue_forget(struct jf_queue *q, const char *key);

/* Number of rate-limited requeues of key since the last forget. */
int jf_queue_num_requeues(const struct jf_queue *q, const char *key);

/* Hands out the next key, or NULL when none is ready. The returned key is
 * borrowed and stays valid until jf_queue_done() for it. */
const char *jf_queue_get(struct jf_queue *q);

/* Marks key as processed; re-queues it if it was added meanwhile.
 * Unknown or not-processing keys are ignored. */
void jf_queue_done(struct jf_queue *q, const char *key);

/* Moves every delayed key whose time has come into the FIFO. */
void jf_queue_tick(struct jf_queue *q, int64_t now_ms);

/* Monotonic time of the earliest delayed key, or -1 when none waits. */
int64_t jf_queue_next_deadline(const struct jf_queue *q);

/* Stops accepting adds (delayed keys are dropped); keys being processed
 * may still be done. The supervisor drains by waiting for
 * jf_queue_processing_len() to reach 0. */
void jf_queue_shutdown(struct jf_queue *q);

size_t jf_queue_len(const struct jf_queue *q);		  /* ready keys */
size_t jf_queue_waiting_len(const struct jf_queue *q);	  /* delayed keys */
size_t jf_queue_processing_len(const struct jf_queue *q); /* handed out */

/* True when key is ready in the FIFO (added, not yet handed out). */
bool jf_queue_is_queued(const struct jf_queue *q, const char *key);

/* True when key is being processed / waiting for a delayed add. */
bool jf_queue_is_processing(const struct jf_queue *q, const char *key);
bool jf_queue_is_waiting(const struct jf_queue *q, const char *key);

/* Calls fn for each key being processed (for /debug/state). */
typedef void jf_queue_key_fn(const char *key, void *arg);
void jf_queue_foreach_processing(const struct jf_queue *q, jf_queue_key_fn *fn,
				 void *arg);

#endif /* JF_SUPERVISOR_QUEUE_H */
