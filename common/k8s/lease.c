/* lease.c - leader election on a coordination.k8s.io/v1 Lease: client-go's
 * tryAcquireOrRenew as an asynchronous state machine on the client's loop,
 * with a renew-deadline timer and a bounded graceful release. */
#include "jf_lease.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "jf_json.h"
#include "jf_log.h"
#include "jf_time.h"

enum phase {
	PH_IDLE,
	PH_RENEW, /* fast path: PUT while leading */
	PH_GET,
	PH_CREATE,
	PH_UPDATE,
	PH_REL_GET, /* release: re-read after a conflict */
	PH_REL_PUT,
};

struct jf_lease {
	struct jf_k8s_client *c;
	char *ns, *name, *identity;
	int64_t dur_ms, deadline_ms, retry_ms, http_ms;
	struct jf_lease_callbacks cb;

	struct event *tick;	/* next attempt */
	struct event *deadline; /* renew deadline while leading */
	struct event *later;	/* deferred release completion */
	struct jf_k8s_call *call;
	enum phase phase;

	cJSON *observed;     /* last Lease object seen (carries the RV) */
	char *observed_spec; /* its spec, stably printed */
	int64_t observed_ms; /* monotonic: when the spec last changed */
	char *holder;	     /* holder in the observed record */

	bool started, stopped, leading;
	int64_t last_renew_ms;

	bool releasing;
	int64_t release_until_ms;
	jf_lease_done_fn release_done;
	void *release_arg;
	int release_err;

	struct jf_lease_stats st;
};

static void schedule_tick(struct jf_lease *l, int64_t ms);
static void attempt(struct jf_lease *l);

/* --- records ------------------------------------------------------------- */

static void set_holder(struct jf_lease *l, const char *h)
{
	char *n;

	if (!h)
		h = "";
	if (l->holder && !strcmp(l->holder, h))
		return;
	n = strdup(h);
	if (!n)
		return;
	free(l->holder);
	l->holder = n;
	if (l->cb.new_leader)
		l->cb.new_leader(h, l->cb.arg);
}

/* Keeps obj (taken) as the observed record; restarts the expiry clock when
 * the spec changed (client-go compares the raw record). */
static void observe(struct jf_lease *l, cJSON *obj)
{
	char *spec = jf_json_print_stable(jf_json_at(obj, "spec"));

	if (!spec) {
		cJSON_Delete(obj);
		return;
	}
	if (!l->observed_spec || strcmp(spec, l->observed_spec)) {
		free(l->observed_spec);
		l->observed_spec = spec;
		l->observed_ms = jf_mono_ms();
	} else {
		free(spec);
	}
	cJSON_Delete(l->observed);
	l->observed = obj;
	set_holder(l, jf_json_str(obj, "spec.holderIdentity", ""));
}

static bool observed_valid(const struct jf_lease *l)
{
	int64_t secs = jf_json_int(l->observed, "spec.leaseDurationSeconds", 0);

	return l->observed && l->observed_ms + secs * 1000 > jf_mono_ms();
}

/* The spec we write: holder, duration, times, transitions. */
static int fill_spec(cJSON *spec, const char *holder, int64_t dur_s,
		     const char *acquire, const char *renew, int64_t trans)
{
	int err = 0;

	err |= jf_json_set_str(spec, "holderIdentity", holder);
	err |= jf_json_set_int(spec, "leaseDurationSeconds", dur_s);
	err |= jf_json_set_str(spec, "acquireTime", acquire);
	err |= jf_json_set_str(spec, "renewTime", renew);
	err |= jf_json_set_int(spec, "leaseTransitions", trans);
	return err ? -ENOMEM : 0;
}

/* --- requests --------------------------------------------------------------
 */

static void on_response(struct jf_k8s_response *r, void *arg);

static int lease_send(struct jf_lease *l, enum phase ph, enum jf_k8s_verb verb,
		      const cJSON *body)
{
	struct jf_k8s_req q = {
		.verb = verb,
		.res = &jf_k8s_res_leases,
		.ns = l->ns,
		.name = verb == JF_K8S_CREATE ? NULL : l->name,
		.timeout_ms = l->http_ms,
		.max_retries = 0, /* the election loop is the retry */
	};
	char *text = NULL;
	int err;

	if (body) {
		text = jf_json_print(body);
		if (!text)
			return -ENOMEM;
		q.body = text;
	}
	l->phase = ph;
	err = jf_k8s_submit(l->c, &q, on_response, l, &l->call);
	free(text);
	if (err)
		l->phase = PH_IDLE;
	return err;
}

/* PUTs the observed object with a new spec. */
static int put_record(struct jf_lease *l, enum phase ph, const char *holder,
		      int64_t dur_s, bool takeover)
{
	char now[40];
	const char *acq;
	int64_t trans;
	cJSON *obj, *spec;
	int err;

	if (!l->observed)
		return -EINVAL; /* "lease not initialized" */
	jf_time_format_micro(jf_now_ms(), now, sizeof(now));
	obj = cJSON_Duplicate(l->observed, 1);
	if (!obj)
		return -ENOMEM;
	spec = jf_json_obj(obj, "spec");
	trans = jf_json_int(obj, "spec.leaseTransitions", 0);
	acq = jf_json_str(obj, "spec.acquireTime", now);
	if (takeover) {
		trans++;
		acq = now;
	}
	err = spec ? fill_spec(spec, holder, dur_s, acq, now, trans) : -ENOMEM;
	if (!err)
		err = lease_send(l, ph, JF_K8S_UPDATE, obj);
	cJSON_Delete(obj);
	return err;
}

static int create_record(struct jf_lease *l)
{
	char now[40];
	cJSON *obj = cJSON_CreateObject(), *md, *spec;
	int err = -ENOMEM;

	jf_time_format_micro(jf_now_ms(), now, sizeof(now));
	md = obj ? jf_json_obj(obj, "metadata") : NULL;
	spec = obj ? jf_json_obj(obj, "spec") : NULL;
	if (md && spec &&
	    !jf_json_set_str(obj, "apiVersion", "coordination.k8s.io/v1") &&
	    !jf_json_set_str(obj, "kind", "Lease") &&
	    !jf_json_set_str(md, "name", l->name) &&
	    !jf_json_set_str(md, "namespace", l->ns) &&
	    !fill_spec(spec, l->identity, l->dur_ms / 1000, now, now, 0))
		err = lease_send(l, PH_CREATE, JF_K8S_CREATE, obj);
	cJSON_Delete(obj);
	return err;
}

/* --- leadership ----------------------------------------------------------- */

static void arm_deadline(struct jf_lease *l)
{
	struct timeval tv = {l->deadline_ms / 1000,
			     (l->deadline_ms % 1000) * 1000};

	evtimer_add(l->deadline, &tv);
}

static void stop_leading(struct jf_lease *l, enum jf_lease_stop_reason why)
{
	if (!l->leading)
		return;
	l->leading = false;
	evtimer_del(l->deadline);
	if (why != JF_LEASE_RELEASED) {
		/* As client-go's Run: the elector is done after a loss. */
		l->stopped = true;
		evtimer_del(l->tick);
		if (l->call)
			jf_k8s_cancel(l->call);
		l->call = NULL;
		l->phase = PH_IDLE;
	}
	jf_logk(why == JF_LEASE_RELEASED ? JF_LOG_INFO : JF_LOG_ERROR,
		JF_FIELDS({"lease", l->name}, {"identity", l->identity}),
		why == JF_LEASE_RELEASED ? "leader lease released"
		: why == JF_LEASE_LOST
			? "leader lease lost: not renewed within the renew deadline"
			: "leader lease taken by another holder");
	if (l->cb.stopped_leading)
		l->cb.stopped_leading(why, l->cb.arg);
}

static void renewed(struct jf_lease *l)
{
	bool was = l->leading;

	l->last_renew_ms = jf_mono_ms();
	arm_deadline(l);
	if (was) {
		l->st.renewals++;
		return;
	}
	l->leading = true;
	l->st.transitions++;
	jf_logk(JF_LOG_INFO,
		JF_FIELDS({"lease", l->name}, {"identity", l->identity}),
		"acquired leader lease");
	if (l->cb.started_leading)
		l->cb.started_leading(l->cb.arg);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	stop_leading(arg, JF_LEASE_LOST);
}

/* End of one tryAcquireOrRenew round. */
static void round_done(struct jf_lease *l, bool ok)
{
	l->phase = PH_IDLE;
	if (l->stopped || l->releasing)
		return;
	if (ok) {
		renewed(l);
		if (l->stopped)
			return;
		schedule_tick(l, l->retry_ms);
		return;
	}
	/* Leading: poll again every RetryPeriod until the deadline. Not
	 * leading: JitterUntil(RetryPeriod, 1.2). */
	schedule_tick(l, l->leading ? l->retry_ms
				    : l->retry_ms +
					      (int64_t)(jf_rand_unit() * 1.2 *
							(double)l->retry_ms));
}

/* The record was read: decide (steps 3-6 of tryAcquireOrRenew). */
static void decide(struct jf_lease *l)
{
	const char *holder =
		jf_json_str(l->observed, "spec.holderIdentity", "");
	bool mine = !strcmp(holder, l->identity);
	int err;

	if (*holder && !mine && observed_valid(l)) {
		if (l->leading)
			stop_leading(l, JF_LEASE_TAKEN);
		round_done(l, false);
		return;
	}
	err = put_record(l, PH_UPDATE, l->identity, l->dur_ms / 1000, !mine);
	if (err)
		round_done(l, false);
}

static void release_finish(struct jf_lease *l, int err)
{
	l->phase = PH_IDLE;
	l->releasing = false;
	l->stopped = true;
	l->release_err = err;
	stop_leading(l, JF_LEASE_RELEASED);
	if (l->release_done)
		l->release_done(err, l->release_arg);
	l->release_done = NULL;
}

static void release_step(struct jf_lease *l, int prev_err)
{
	const char *holder;
	int err;

	if (jf_mono_ms() >= l->release_until_ms) {
		release_finish(l, prev_err ? prev_err : -ETIMEDOUT);
		return;
	}
	holder = jf_json_str(l->observed, "spec.holderIdentity", "");
	if (strcmp(holder, l->identity)) {
		release_finish(l, 0); /* not ours any more */
		return;
	}
	err = put_record(l, PH_REL_PUT, "", 1, false);
	if (err)
		release_finish(l, err);
}

static void on_response(struct jf_k8s_response *r, void *arg)
{
	struct jf_lease *l = arg;
	enum phase ph = l->phase;
	cJSON *body = r->body;
	int err = r->err;

	l->call = NULL;
	if (err == -JF_ECONFLICT)
		l->st.conflicts++;
	else if (err && !(ph == PH_GET && err == -JF_ENOTFOUND))
		l->st.errors++;
	if (err && err != -JF_ENOTFOUND)
		jf_logk(JF_LOG_DEBUG,
			JF_FIELDS({"lease", l->name}, {"err", r->msg.msg}),
			"lease request failed");
	if (!err && body) {
		r->body = NULL;
		observe(l, body);
	}
	switch (ph) {
	case PH_RENEW:
		if (!err) {
			round_done(l, true);
		} else if (!l->stopped) {
			/* Slow path: read the record again. */
			if (lease_send(l, PH_GET, JF_K8S_GET, NULL))
				round_done(l, false);
		}
		break;
	case PH_GET:
		if (err == -JF_ENOTFOUND) {
			if (create_record(l))
				round_done(l, false);
		} else if (err) {
			round_done(l, false);
		} else {
			decide(l);
		}
		break;
	case PH_CREATE:
	case PH_UPDATE:
		round_done(l, err == 0);
		break;
	case PH_REL_PUT:
		if (!err)
			release_finish(l, 0);
		else if (err != -JF_ECONFLICT ||
			 lease_send(l, PH_REL_GET, JF_K8S_GET, NULL))
			release_step(l, err); /* retry (bounded) or give up */
		break;
	case PH_REL_GET:
		if (err)
			release_step(l, err);
		else
			release_step(l, 0);
		break;
	case PH_IDLE:
		break;
	}
}

/* One round: the fast path when leading, else GET. */
static void attempt(struct jf_lease *l)
{
	int err;

	if (l->stopped || l->releasing || l->call)
		return;
	l->st.attempts++;
	if (l->leading && l->observed && observed_valid(l) &&
	    !strcmp(jf_json_str(l->observed, "spec.holderIdentity", ""),
		    l->identity))
		err = put_record(l, PH_RENEW, l->identity, l->dur_ms / 1000,
				 false);
	else
		err = lease_send(l, PH_GET, JF_K8S_GET, NULL);
	if (err)
		round_done(l, false);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	attempt(arg);
}

static void schedule_tick(struct jf_lease *l, int64_t ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	evtimer_add(l->tick, &tv);
}

static void on_later(evutil_socket_t fd, short what, void *arg)
{
	struct jf_lease *l = arg;

	release_finish(l, 0);
}

/* --- API -------------------------------------------------------------------
 */

int jf_lease_new(struct jf_k8s_client *c, const struct jf_lease_config *cfg,
		 const struct jf_lease_callbacks *cb, struct jf_lease **out,
		 struct jf_errmsg *e)
{
	struct event_base *base;
	struct jf_lease *l;

	*out = NULL;
	if (!c || !cfg || !cfg->ns || !*cfg->ns || !cfg->name || !*cfg->name ||
	    !cfg->identity || !*cfg->identity)
		return jf_errf(
			e, -JF_ECONFIG,
			"lease: namespace, name and identity are required");
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->c = c;
	l->dur_ms = cfg->lease_duration_ms > 0 ? cfg->lease_duration_ms : 15000;
	l->deadline_ms =
		cfg->renew_deadline_ms > 0 ? cfg->renew_deadline_ms : 10000;
	l->retry_ms = cfg->retry_period_ms > 0 ? cfg->retry_period_ms : 2000;
	l->http_ms = cfg->http_timeout_ms > 0 ? cfg->http_timeout_ms
					      : l->deadline_ms / 2;
	if (l->http_ms < 1000 && cfg->http_timeout_ms <= 0)
		l->http_ms = 1000;
	if (l->dur_ms <= l->deadline_ms ||
	    (double)l->deadline_ms <= 1.2 * (double)l->retry_ms ||
	    l->dur_ms < 1000) {
		free(l);
		return jf_errf(
			e, -JF_ECONFIG,
			"lease: need leaseDuration > renewDeadline > 1.2 x retryPeriod and leaseDuration >= 1s");
	}
	if (cb)
		l->cb = *cb;
	base = jf_k8s_client_base(c);
	l->ns = strdup(cfg->ns);
	l->name = strdup(cfg->name);
	l->identity = strdup(cfg->identity);
	l->tick = evtimer_new(base, on_tick, l);
	l->deadline = evtimer_new(base, on_deadline, l);
	l->later = evtimer_new(base, on_later, l);
	if (!l->ns || !l->name || !l->identity || !l->tick || !l->deadline ||
	    !l->later) {
		jf_lease_free(l);
		return -ENOMEM;
	}
	*out = l;
	return 0;
}

int jf_lease_start(struct jf_lease *l)
{
	if (l->started)
		return -EBUSY;
	l->started = true;
	schedule_tick(l, 0);
	return 0;
}

int jf_lease_release(struct jf_lease *l, jf_lease_done_fn done, void *arg)
{
	struct timeval zero = {0, 0};

	if (l->releasing)
		return -EALREADY;
	l->releasing = true;
	l->release_done = done;
	l->release_arg = arg;
	evtimer_del(l->tick);
	if (l->call)
		jf_k8s_cancel(l->call);
	l->call = NULL;
	l->phase = PH_IDLE;
	if (!l->leading || l->stopped) {
		evtimer_add(l->later, &zero);
		return 0;
	}
	/* Stop acting as leader now, then tell the world. */
	evtimer_del(l->deadline);
	l->release_until_ms = jf_mono_ms() + l->deadline_ms;
	release_step(l, 0);
	return 0;
}

void jf_lease_free(struct jf_lease *l)
{
	if (!l)
		return;
	if (l->call)
		jf_k8s_cancel(l->call);
	if (l->tick)
		event_free(l->tick);
	if (l->deadline)
		event_free(l->deadline);
	if (l->later)
		event_free(l->later);
	cJSON_Delete(l->observed);
	free(l->observed_spec);
	free(l->holder);
	free(l->ns);
	free(l->name);
	free(l->identity);
	free(l);
}

bool jf_lease_is_leader(const struct jf_lease *l)
{
	return l->leading && !l->releasing;
}

const char *jf_lease_holder(const struct jf_lease *l)
{
	return l->holder ? l->holder : "";
}

int64_t jf_lease_last_renew_ms(const struct jf_lease *l)
{
	return l->last_renew_ms;
}

bool jf_lease_healthy(const struct jf_lease *l, int64_t tolerance_ms)
{
	if (!l->leading)
		return true;
	return jf_mono_ms() - l->last_renew_ms <= l->dur_ms + tolerance_ms;
}

void jf_lease_get_stats(const struct jf_lease *l, struct jf_lease_stats *out)
{
	*out = l->st;
}
