/* leader.c - leader election glue: dispatch only while leading; a lost
 * lease stops all work at once and exits 1 (the pod restarts, as
 * kube-controller-manager does); a graceful stop releases the Lease. */
#include "supervisor/sup.h"

#include <stdlib.h>
#include <string.h>

#include "jf_log.h"

static void started_leading(void *arg)
{
	struct jf_sup *s = arg;

	s->leading = true;
	jf_info("leading: dispatching work");
	jf_sup_dispatch(s);
}

static void stopped_leading(enum jf_lease_stop_reason why, void *arg)
{
	struct jf_sup *s = arg;

	s->leading = false;
	if (why == JF_LEASE_RELEASED)
		return;
	jf_error("leader election lost (%s): stopping all work",
		 why == JF_LEASE_LOST ? "lease not renewed in time"
				      : "another holder took the lease");
	jf_sup_exit_now(s, 1);
}

static void new_leader(const char *identity, void *arg)
{
	struct jf_sup *s = arg;

	if (identity && *identity && strcmp(identity, s->cfg.identity) != 0)
		jf_logk(JF_LOG_INFO, JF_FIELDS({"leader", identity}),
			"standing by: another replica leads");
}

int jf_sup_leader_start(struct jf_sup *s, struct jf_errmsg *e)
{
	const char *ns = s->cfg.lease_namespace;
	struct jf_lease_config lc;
	struct jf_lease_callbacks cb = {started_leading, stopped_leading,
					new_leader, s};
	int err;

	if (!ns || !*ns)
		ns = getenv("POD_NAMESPACE");
	if (!ns || !*ns)
		ns = jf_k8s_client_config(s->client)->namespace;
	if (!ns || !*ns)
		ns = "default";
	lc = (struct jf_lease_config){
		.ns = ns,
		.name = s->cfg.lease_name,
		.identity = s->cfg.identity,
		.lease_duration_ms = s->cfg.lease_duration_ms,
		.renew_deadline_ms = s->cfg.renew_deadline_ms,
		.retry_period_ms = s->cfg.retry_period_ms,
	};
	err = jf_lease_new(s->client, &lc, &cb, &s->lease, e);
	if (err)
		return err;
	jf_logk(JF_LOG_INFO,
		JF_FIELDS({"lease_namespace", ns},
			  {"lease", s->cfg.lease_name}),
		"campaigning for leadership");
	return jf_lease_start(s->lease);
}

static void released(int err, void *arg)
{
	struct jf_sup *s = arg;

	if (err)
		jf_warn("lease release failed (%s): it will expire on its own",
			jf_strerror(err));
	else
		jf_info("lease released");
	event_base_loopbreak(s->base);
}

void jf_sup_leader_release(struct jf_sup *s)
{
	if (jf_lease_release(s->lease, released, s))
		event_base_loopbreak(s->base);
}
