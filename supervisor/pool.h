/* pool.h - the supervisor's worker pool: forks and execs jobflow-worker
 * processes, one nanomsg PAIR socket and one lifeline pipe per slot, and
 * keeps the pool at its target size.
 *
 * Respawn policy is data, per slot (see docs/operations.md):
 *   - a worker is live only after READY;
 *   - a worker that dies before finishing its first task throttles its
 *     slot: the next start waits throttle_ms, doubling up to backoff_max_ms;
 *   - other deaths respawn with capped exponential backoff plus jitter,
 *     counted from the second consecutive fast death (uptime < fast_ms);
 *   - exit status 2 means "fatal, never respawn" (bad configuration);
 *   - more than max_fast_failures fast deaths within fast_window_ms make
 *     the pool report a fatal condition, and the supervisor exits non-zero.
 * A worker that dies mid-task hands its key back through on_lost at once.
 */
#ifndef JF_SUPERVISOR_POOL_H
#define JF_SUPERVISOR_POOL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "jf_ipc.h"

#define JF_POOL_MAX_SLOTS 256

enum jf_slot_state {
	JF_SLOT_EMPTY = 0, /* no process (not wanted, or waiting to respawn) */
	JF_SLOT_STARTING,  /* exec'd, READY not yet received */
	JF_SLOT_IDLE,	   /* live, no task */
	JF_SLOT_BUSY,	   /* live, one task in flight */
	JF_SLOT_STOPPING,  /* told to exit (SHUTDOWN, TERM or KILL sent) */
};

struct jf_pool;

struct jf_slot {
	struct jf_pool *pool;
	int index;
	enum jf_slot_state state;
	pid_t pid;
	unsigned gen; /* bumps at every spawn */
	struct jf_ipc_sock sock;
	struct event *rcv_ev; /* sock.rcvfd readable */
	struct event *timer;  /* respawn delay / task deadline / kill */
	int lifeline;	      /* write end; closing it tells EOF */
	char url[200];

	char *task_key; /* in flight, owned */
	uint32_t task_seq;
	int64_t task_start_ms; /* monotonic */
	int64_t life_ms;       /* last sign of life while busy */

	int64_t spawned_ms;
	int64_t stop_sent_ms;
	int kill_stage;		  /* 0 none, 1 TERM sent, 2 KILL sent */
	uint64_t tasks_done;	  /* by this process */
	int consecutive_failures; /* drives the backoff */
	bool fatal;		  /* exited 2: never respawn */
	bool replace;		  /* roll: exit after the task, respawn */
	uint64_t restarts;	  /* respawns of this slot */
};

struct jf_pool_opts {
	const char *worker_path;	/* jobflow-worker executable */
	const char *run_dir;		/* for ipc:// files */
	const char *const *worker_args; /* extra argv (NULL-terminated) */
	int target, min, max;
	int64_t task_timeout_ms;  /* no sign of life for this long: KILL */
	int64_t ready_timeout_ms; /* no READY after spawn: KILL */
	int64_t throttle_ms;	  /* first delay after a death before work */
	int64_t backoff_base_ms;
	int64_t backoff_max_ms;
	int64_t fast_ms; /* uptime under this is a fast death */
	int max_fast_failures;
	int64_t fast_window_ms;
	int64_t stop_grace_ms; /* SHUTDOWN -> TERM -> KILL escalation */
};

struct jf_pool_callbacks {
	/* A slot became idle (READY or RESULT handled): offer it work. */
	void (*on_idle)(struct jf_pool *p, struct jf_slot *s, void *arg);
	/* A RESULT for the slot's task; the pool then frees the key. The
	 * body is borrowed. */
	void (*on_result)(struct jf_pool *p, struct jf_slot *s, const char *key,
			  const cJSON *body, void *arg);
	/* A task's key came back without a result (worker died or was
	 * killed): requeue it at once. */
	void (*on_lost)(struct jf_pool *p, const char *key, const char *why,
			void *arg);
	/* The pool cannot go on (too many fast failures, all slots fatal):
	 * the supervisor exits with code. */
	void (*on_fatal)(struct jf_pool *p, int code, const char *why,
			 void *arg);
	void *arg;
};

struct jf_pool {
	struct event_base *base;
	struct jf_pool_opts opts;
	struct jf_pool_callbacks cb;
	struct jf_slot *slots[JF_POOL_MAX_SLOTS];
	int target;
	uint32_t next_seq;
	bool stopping;		  /* no respawns, escalate exits */
	bool rolling;		  /* HUP: replacing workers one at a time */
	int roll_current;	  /* slot being replaced, -1: none */
	int64_t stop_deadline_ms; /* monotonic; TERM after, KILL 1 s later */
	struct event *tick; /* 250 ms housekeeping: deadlines, escalation */
	int64_t fast_deaths[64]; /* ring of recent fast-death times */
	int fast_head;
	uint64_t restarts_total, failed_starts_total, kills_total;
};

/* Sets up an empty pool (no process yet). opts strings are borrowed and
 * must outlive the pool. Returns 0 or -EINVAL for inconsistent sizes. */
int jf_pool_init(struct jf_pool *p, struct event_base *base,
		 const struct jf_pool_opts *opts,
		 const struct jf_pool_callbacks *cb);

/* Spawns workers up to the target. */
void jf_pool_start(struct jf_pool *p);

/* Changes the target size (clamped to [min, max]); extra workers finish
 * their task and exit. Returns the new target. */
int jf_pool_set_target(struct jf_pool *p, int target);

/* Replaces every live worker one at a time (HUP), without losing a task:
 * a busy worker is replaced after its result. */
void jf_pool_roll(struct jf_pool *p);

/* Reaps exited children (call on SIGCHLD). */
void jf_pool_reap(struct jf_pool *p);

/* Sends a TASK to an idle slot. payload is a serialised JSON object.
 * Takes no ownership. Returns 0, or a negative error (the slot stays
 * idle and the caller keeps the key). */
int jf_pool_dispatch(struct jf_pool *p, struct jf_slot *s, const char *key,
		     const char *payload, size_t len);

/* Returns an idle slot, or NULL. */
struct jf_slot *jf_pool_idle(struct jf_pool *p);

/* Stops the pool: no more respawns; idle workers are told to exit now,
 * busy ones after their task; everything left after grace_ms gets TERM,
 * then KILL. */
void jf_pool_stop(struct jf_pool *p, int64_t grace_ms);

/* Kills every worker at once (SIGKILL) and reaps nothing (use on lost
 * leadership or fast exit). */
void jf_pool_kill_all(struct jf_pool *p);

/* Frees the pool's memory (processes must be gone). */
void jf_pool_release(struct jf_pool *p);

/* Counts by state, for /metrics and /debug/state. */
int jf_pool_count(const struct jf_pool *p, enum jf_slot_state state);
int jf_pool_live(const struct jf_pool *p); /* starting+idle+busy+stopping */
const char *jf_slot_state_name(enum jf_slot_state st);

/* Describes the pool as JSON (new object, caller frees). */
cJSON *jf_pool_describe(const struct jf_pool *p);

#endif /* JF_SUPERVISOR_POOL_H */
