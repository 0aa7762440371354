/* jf_lease.h - leader election on a coordination.k8s.io/v1 Lease, with
 * client-go's semantics (tools/leaderelection, docs/client.md).
 *
 * Candidates GET the Lease, create it when absent, and take it over only
 * when it has not changed for leaseDurationSeconds as measured by the
 * local monotonic clock since the record was last seen to change (the
 * remote renewTime is never compared with the local clock). Every write is
 * a PUT of the last observed object with its resourceVersion (optimistic
 * concurrency). A leader renews every RetryPeriod; if no renewal succeeds
 * within RenewDeadline of the last one, stopped_leading is called at once
 * (the supervisor stops all work and exits non-zero). Attempts are retried
 * every RetryPeriod x [1, 2.2). Everything runs on the client's loop.
 *
 * As in client-go there is no fencing: the guarantee is that a leader cut
 * off from the API server stops leading (RenewDeadline) before another
 * candidate may take over (LeaseDuration after it last saw a change).
 */
#ifndef JF_LEASE_H
#define JF_LEASE_H

#include <stdbool.h>
#include <stdint.h>

#include "jf_k8s.h"

struct jf_lease; /* opaque */

struct jf_lease_config {
	const char *ns;		   /* Lease namespace (required) */
	const char *name;	   /* Lease name (required) */
	const char *identity;	   /* this candidate (required, unique) */
	int64_t lease_duration_ms; /* 0: 15000 */
	int64_t renew_deadline_ms; /* 0: 10000 */
	int64_t retry_period_ms;   /* 0: 2000 */
	int64_t http_timeout_ms;   /* 0: max(1000, renew_deadline / 2) */
};

/* Why leadership ended. */
enum jf_lease_stop_reason {
	JF_LEASE_RELEASED = 0, /* jf_lease_release() gave it up */
	JF_LEASE_LOST,	       /* no renewal within RenewDeadline */
	JF_LEASE_TAKEN,	       /* another holder appeared in the record */
};

struct jf_lease_callbacks {
	void (*started_leading)(void *arg);
	/* Called once per term, from the event loop, the moment leadership
	 * ends. */
	void (*stopped_leading)(enum jf_lease_stop_reason why, void *arg);
	/* The observed holder changed (identity "" when released or
	 * absent). Also called when this candidate becomes the holder. */
	void (*new_leader)(const char *identity, void *arg);
	void *arg;
};

/* Returns a new elector in *out (not started). c is borrowed and must
 * outlive it; cfg strings and cb are copied. Caller frees with
 * jf_lease_free(). Returns 0, -JF_ECONFIG (durations: lease > renew >
 * 1.2 x retry > 0; identity, ns and name set; message in e) or -ENOMEM. */
int jf_lease_new(struct jf_k8s_client *c, const struct jf_lease_config *cfg,
		 const struct jf_lease_callbacks *cb, struct jf_lease **out,
		 struct jf_errmsg *e);

/* Starts campaigning. 0 or -EBUSY. */
int jf_lease_start(struct jf_lease *l);

/* Called when a release ends: err 0 (released, or nothing to release) or
 * the last error (the lease then simply expires). */
typedef void (*jf_lease_done_fn)(int err, void *arg);

/* Stops campaigning. When leading, writes holderIdentity "" with
 * leaseDurationSeconds 1 (retried on conflict, bounded by RenewDeadline),
 * then calls stopped_leading(JF_LEASE_RELEASED) and done. done (may be
 * NULL) is always called once, from the event loop. -EALREADY if a
 * release is in progress. */
int jf_lease_release(struct jf_lease *l, jf_lease_done_fn done, void *arg);

/* Stops at once without releasing (the lease expires on its own) and
 * frees. No callback is called. Not from one of its callbacks. */
void jf_lease_free(struct jf_lease *l);

/* True while this candidate leads. */
bool jf_lease_is_leader(const struct jf_lease *l);

/* The holder in the last observed record ("" if none; borrowed). */
const char *jf_lease_holder(const struct jf_lease *l);

/* Monotonic ms of the last successful renewal (0: never led). */
int64_t jf_lease_last_renew_ms(const struct jf_lease *l);

/* Health check (client-go's HealthzAdaptor): false when this candidate
 * believes it leads but has not renewed for LeaseDuration + tolerance. */
bool jf_lease_healthy(const struct jf_lease *l, int64_t tolerance_ms);

/* Counters for tests and /metrics. */
struct jf_lease_stats {
	uint64_t attempts;    /* tryAcquireOrRenew rounds */
	uint64_t renewals;    /* successful writes while leading */
	uint64_t conflicts;   /* 409s */
	uint64_t errors;      /* other failed requests */
	uint64_t transitions; /* times this candidate became leader */
};
void jf_lease_get_stats(const struct jf_lease *l, struct jf_lease_stats *out);

#endif /* JF_LEASE_H */
