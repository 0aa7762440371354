/* signals.c - operator signals, handled on the event loop (libevent's
 * evsignal sets a flag and writes to a self-pipe; nothing runs in the
 * handler itself):
 *
 *   TERM, INT  stop: graceful drain, release the Lease, exit 0
 *   QUIT       quit: fast stop
 *   HUP        reload: re-read the configuration, replace workers one by one
 *   USR1       reopen: reopen the log file (workers too)
 *   TTIN/TTOU  scale-up / scale-down: one worker more / less, within bounds
 *   CHLD       reap workers
 */
#include "supervisor/sup.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "jf_log.h"

static void on_chld(struct jf_sup *s)
{
	jf_pool_reap(&s->pool);
}

static bool str_differs(const char *a, const char *b)
{
	return (a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0);
}

static void warn_restart_only(const struct jf_config *o,
			      const struct jf_config *n)
{
	static const char *const fmt =
		"reload: '%s' changed; it takes effect after a restart";

	if (str_differs(o->kubeconfig, n->kubeconfig))
		jf_warn(fmt, "kubeconfig");
	if (str_differs(o->context, n->context))
		jf_warn(fmt, "context");
	if (str_differs(o->http_listen, n->http_listen))
		jf_warn(fmt, "httpListen");
	if (str_differs(o->run_dir, n->run_dir))
		jf_warn(fmt, "runDir");
	if (str_differs(o->lease_name, n->lease_name) ||
	    str_differs(o->lease_namespace, n->lease_namespace) ||
	    o->leader_elect != n->leader_elect ||
	    o->lease_duration_ms != n->lease_duration_ms ||
	    o->renew_deadline_ms != n->renew_deadline_ms ||
	    o->retry_period_ms != n->retry_period_ms)
		jf_warn(fmt, "leaderElection");
	if (o->nnamespaces != n->nnamespaces)
		jf_warn(fmt, "namespaces");
	if (o->resync_ms != n->resync_ms)
		jf_warn(fmt, "resync");
	if (o->cache_compression != n->cache_compression)
		jf_warn(fmt, "cacheCompression");
	if (str_differs(o->worker_path, n->worker_path))
		jf_warn(fmt, "workerPath");
}

static void swap_str(char **a, char **b)
{
	char *t = *a;

	*a = *b;
	*b = t;
}

/* Re-reads the configuration with the original command line; on any
 * error the running configuration stays. */
static void on_hup(struct jf_sup *s)
{
	struct jf_errmsg e = {{0}};
	struct jf_config n;
	struct jf_config *c = &s->cfg;

	jf_info("reload requested");
	if (jf_config_load(&n, s->argc, s->argv, &e)) {
		jf_error("reload failed, keeping the running configuration: %s",
			 e.msg);
		jf_config_release(&n);
		jf_log_set_level_name(c->log_level);
		return;
	}
	warn_restart_only(c, &n);
	swap_str(&c->log_level, &n.log_level);
	swap_str(&c->log_file, &n.log_file);
	c->qps = n.qps;
	c->burst = n.burst;
	c->max_iterations = n.max_iterations;
	c->status_interval_ms = n.status_interval_ms;
	c->grace_period_ms = n.grace_period_ms;
	c->task_timeout_ms = n.task_timeout_ms;
	c->min_workers = n.min_workers;
	c->max_workers = n.max_workers;
	c->workers = n.workers;
	c->queue_base_delay_ms = n.queue_base_delay_ms;
	c->queue_max_delay_ms = n.queue_max_delay_ms;
	c->queue_qps = n.queue_qps;
	c->queue_burst = n.queue_burst;
	c->restart_throttle_ms = n.restart_throttle_ms;
	c->restart_backoff_max_ms = n.restart_backoff_max_ms;
	c->max_fast_failures = n.max_fast_failures;
	c->fast_failure_window_ms = n.fast_failure_window_ms;
	jf_config_release(&n);

	jf_log_open(c->log_file);
	s->queue.limits = (struct jf_queue_limits){
		c->queue_base_delay_ms, c->queue_max_delay_ms, c->queue_qps,
		c->queue_burst};
	s->pool.opts.min = c->min_workers;
	s->pool.opts.max = c->max_workers;
	s->pool.opts.task_timeout_ms = c->task_timeout_ms;
	s->pool.opts.throttle_ms = c->restart_throttle_ms;
	s->pool.opts.backoff_max_ms = c->restart_backoff_max_ms;
	s->pool.opts.max_fast_failures = c->max_fast_failures;
	s->pool.opts.fast_window_ms = c->fast_failure_window_ms;
	jf_sup_worker_args(s);
	jf_pool_set_target(&s->pool, c->workers);
	jf_pool_roll(&s->pool);
	jf_info("reload done: %d workers (%d..%d), log level %s",
		s->pool.target, c->min_workers, c->max_workers, c->log_level);
}

static void on_usr1(struct jf_sup *s)
{
	int err = jf_log_open(s->cfg.log_file);

	if (err)
		jf_error("cannot reopen log file '%s': %s", s->cfg.log_file,
			 jf_strerror(err));
	for (int i = 0; i < JF_POOL_MAX_SLOTS; i++) {
		if (s->pool.slots[i] && s->pool.slots[i]->pid > 0)
			kill(s->pool.slots[i]->pid, SIGUSR1);
	}
	jf_info("log reopened");
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct jf_sup *s = arg;
	int t;

	switch (sig) {
	case SIGCHLD:
		on_chld(s);
		break;
	case SIGTERM:
	case SIGINT:
		jf_info("stop requested (signal %d): draining", (int)sig);
		jf_sup_begin_stop(s, false);
		break;
	case SIGQUIT:
		jf_info("quit requested: fast stop");
		jf_sup_begin_stop(s, true);
		break;
	case SIGHUP:
		if (!s->stopping)
			on_hup(s);
		break;
	case SIGUSR1:
		on_usr1(s);
		break;
	case SIGTTIN:
	case SIGTTOU:
		if (s->stopping)
			break;
		t = jf_pool_set_target(
			&s->pool, s->pool.target + (sig == SIGTTIN ? 1 : -1));
		s->cfg.workers = t;
		jf_info("workers scaled to %d (bounds %d..%d)", t,
			s->pool.opts.min, s->pool.opts.max);
		break;
	}
}

int jf_sup_signals_start(struct jf_sup *s)
{
	static const int sigs[] = {SIGCHLD, SIGTERM, SIGINT,  SIGQUIT,
				   SIGHUP,  SIGUSR1, SIGTTIN, SIGTTOU};

	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		s->signals[i] = evsignal_new(s->base, sigs[i], on_signal, s);
		if (!s->signals[i] || evsignal_add(s->signals[i], NULL))
			return -1;
	}
	return 0;
}

void jf_sup_signals_stop(struct jf_sup *s)
{
	for (size_t i = 0; i < sizeof(s->signals) / sizeof(s->signals[0]);
	     i++) {
		if (s->signals[i])
			event_free(s->signals[i]);
		s->signals[i] = NULL;
	}
}
