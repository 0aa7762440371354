/* main.c - jobflowd: the supervisor process.
 *
 * NAME
 *	jobflowd - Volcano JobFlow controller (supervisor)
 *
 * SUMMARY
 *	jobflowd [options]            run in the foreground
 *	jobflowd -s NAME [--run-dir]  stop|quit|reload|reopen|scale-up|
 *	                              scale-down a running jobflowd, or status
 *
 *	Lists and watches JobFlows, JobTemplates and the Jobs flows own; when
 *	it holds the Lease, dispatches reconcile tasks to a pool of
 *	jobflow-worker processes (fork+exec) over nanomsg and turns their
 *	results into requeues. See docs/operations.md.
 *
 * DIAGNOSTICS
 *	JSON log lines on stderr (or --log-file). Exit status: 0 after a
 *	graceful stop, 1 on a lost Lease or repeated worker failures, 2 on a
 *	configuration error.
 */
#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jf_json.h"
#include "jf_log.h"
#include "jf_time.h"
#include "supervisor/sup.h"

static struct jf_sup sup;

static int fail(int code, const char *msg)
{
	fprintf(stderr, "jobflowd: %s\n", msg);
	jf_error("%s", msg);
	return code;
}

static int resolve_worker_path(struct jf_sup *s, struct jf_errmsg *e)
{
	char self[4096];
	ssize_t n;

	if (s->cfg.worker_path) {
		snprintf(s->worker_path, sizeof(s->worker_path), "%s",
			 s->cfg.worker_path);
	} else {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n < 0)
			return jf_errf(e, -JF_ECONFIG,
				       "cannot find my own path: %s",
				       strerror(errno));
		self[n] = '\0';
		snprintf(s->worker_path, sizeof(s->worker_path),
			 "%s/jobflow-worker", dirname(self));
	}
	if (access(s->worker_path, X_OK) != 0)
		return jf_errf(
			e, -JF_ECONFIG,
			"worker '%s' is not executable: %s (see --worker-path)",
			s->worker_path, strerror(errno));
	return 0;
}

void jf_sup_worker_args(struct jf_sup *s)
{
	const struct jf_config *c = &s->cfg;
	char num[64];
	int n = 0;

	for (int i = 0; i < JF_SUP_MAX_WORKER_ARGS; i++) {
		free(s->worker_args[i]);
		s->worker_args[i] = NULL;
	}
#define ARG(v) (s->worker_args[n++] = strdup(v))
	if (c->kubeconfig) {
		ARG("--kubeconfig");
		ARG(c->kubeconfig);
	}
	if (c->context) {
		ARG("--context");
		ARG(c->context);
	}
	ARG("--log-level");
	ARG(c->log_level);
	if (c->log_file) {
		ARG("--log-file");
		ARG(c->log_file);
	}
	if (c->qps > 0) {
		snprintf(num, sizeof(num), "%g", c->qps);
		ARG("--qps");
		ARG(num);
		snprintf(num, sizeof(num), "%d", c->burst);
		ARG("--burst");
		ARG(num);
	}
	snprintf(num, sizeof(num), "%d", c->max_iterations);
	ARG("--max-iterations");
	ARG(num);
#undef ARG
}

/* --- stopping ------------------------------------------------------------- */

static void finish(struct jf_sup *s, int code)
{
	s->exit_code = code;
	event_base_loopbreak(s->base);
}

static void release_and_finish(struct jf_sup *s)
{
	if (s->lease && s->leading) {
		jf_sup_leader_release(s); /* calls on_released when done */
		return;
	}
	finish(s, s->exit_code);
}

static void stop_poll(evutil_socket_t fd, short what, void *arg)
{
	struct jf_sup *s = arg;
	int64_t now = jf_mono_ms();

	if (jf_pool_live(&s->pool) == 0) {
		event_del(s->stop_timer);
		jf_info("workers drained");
		release_and_finish(s);
		return;
	}
	if (now > s->stop_deadline_ms + 3000) {
		jf_warn("grace period over, killing %d workers",
			jf_pool_live(&s->pool));
		jf_pool_kill_all(&s->pool);
		event_del(s->stop_timer);
		release_and_finish(s);
	}
}

void jf_sup_begin_stop(struct jf_sup *s, bool fast)
{
	if (s->stopping) {
		if (fast && !s->fast_stop) {
			s->fast_stop = true;
			jf_pool_kill_all(&s->pool);
		}
		return;
	}
	s->stopping = true;
	s->fast_stop = fast;
	s->exit_code = 0;
	jf_queue_shutdown(&s->queue);
	if (fast) {
		jf_pool_kill_all(&s->pool);
		release_and_finish(s);
		return;
	}
	s->stop_deadline_ms = jf_mono_ms() + s->cfg.grace_period_ms;
	jf_pool_stop(&s->pool, s->cfg.grace_period_ms);
	s->stop_timer = event_new(s->base, -1, EV_PERSIST, stop_poll, s);
	event_add(s->stop_timer, &(struct timeval){0, 50000});
}

/* Lost leadership or a fatal pool: stop all work at once and exit. */
void jf_sup_exit_now(struct jf_sup *s, int code)
{
	jf_pool_kill_all(&s->pool);
	jf_error("exiting with status %d", code);
	exit(code);
}

static void on_pool_fatal(struct jf_pool *p, int code, const char *why,
			  void *arg)
{
	jf_error("worker pool cannot continue: %s", why);
	jf_sup_exit_now(arg, code);
}

/* --- start ---------------------------------------------------------------- */

static int start(struct jf_sup *s, struct jf_errmsg *e)
{
	struct jf_k8s_config kc;
	struct jf_pool_opts po;
	struct jf_pool_callbacks cb = {jf_sup_on_idle, jf_sup_on_result,
				       jf_sup_on_lost, on_pool_fatal, s};
	struct jf_http_handlers hh = {jf_sup_healthy, jf_sup_ready,
				      jf_sup_metrics, jf_sup_state, s};
	struct jf_queue_limits ql = {s->cfg.queue_base_delay_ms,
				     s->cfg.queue_max_delay_ms,
				     s->cfg.queue_qps, s->cfg.queue_burst};
	int err;

	err = jf_control_run_dir(s->cfg.run_dir, e);
	if (err)
		return err;
	s->pidfd = jf_control_pidfile(s->cfg.run_dir, e);
	if (s->pidfd < 0)
		return s->pidfd;
	err = resolve_worker_path(s, e);
	if (err)
		return err;
	err = jf_k8s_config_auto(s->cfg.kubeconfig, s->cfg.context, &kc, e);
	if (err)
		return -JF_ECONFIG;
	kc.qps = s->cfg.qps;
	if (s->cfg.burst > 0)
		kc.burst = s->cfg.burst;
	s->base = event_base_new();
	if (!s->base)
		return -ENOMEM;
	err = jf_k8s_client_new(s->base, &kc, &s->client, e);
	jf_k8s_config_release(&kc);
	if (err)
		return err;

	jf_metrics_init(&s->metrics);
	jf_queue_init(&s->queue, &ql);
	jf_sup_worker_args(s);
	po = (struct jf_pool_opts){
		.worker_path = s->worker_path,
		.run_dir = s->cfg.run_dir,
		.worker_args = (const char *const *)s->worker_args,
		.target = s->cfg.workers,
		.min = s->cfg.min_workers,
		.max = s->cfg.max_workers,
		.task_timeout_ms = s->cfg.task_timeout_ms,
		.ready_timeout_ms = 30000,
		.throttle_ms = s->cfg.restart_throttle_ms,
		.backoff_base_ms = 500,
		.backoff_max_ms = s->cfg.restart_backoff_max_ms,
		.fast_ms = 10000,
		.max_fast_failures = s->cfg.max_fast_failures,
		.fast_window_ms = s->cfg.fast_failure_window_ms,
		.stop_grace_ms = s->cfg.grace_period_ms,
	};
	err = jf_pool_init(&s->pool, s->base, &po, &cb);
	if (err)
		return jf_errf(e, -JF_ECONFIG, "bad worker pool bounds");
	if (jf_sup_signals_start(s))
		return jf_errf(e, -EIO, "cannot install signal handlers");
	err = jf_http_start(s->base, s->cfg.http_listen, &hh, &s->http,
			    &s->http_port, e);
	if (err)
		return err;
	err = jf_control_listen(s->base, s->cfg.run_dir, jf_sup_state, s,
				&s->control, e);
	if (err)
		return err;
	err = jf_sup_controller_start(s, e);
	if (err)
		return err;
	if (s->cfg.leader_elect) {
		err = jf_sup_leader_start(s, e);
		if (err)
			return err;
	} else {
		s->leading = true;
		jf_info("leader election disabled: acting as leader");
	}
	jf_pool_start(&s->pool);
	{
		char port[16];

		snprintf(port, sizeof(port), "%d", s->http_port);
		jf_logk(JF_LOG_INFO,
			JF_FIELDS({"identity", s->cfg.identity},
				  {"http_port", port},
				  {"run_dir", s->cfg.run_dir},
				  {"server",
				   jf_k8s_client_config(s->client)->server}),
			"jobflowd started with %d workers", s->cfg.workers);
	}
	return 0;
}

static void cleanup(struct jf_sup *s)
{
	jf_sup_controller_stop(s);
	if (s->lease)
		jf_lease_free(s->lease);
	jf_http_stop(s->http);
	jf_control_close(s->control);
	jf_sup_signals_stop(s);
	if (s->stop_timer)
		event_free(s->stop_timer);
	if (s->queue_timer)
		event_free(s->queue_timer);
	jf_pool_reap(&s->pool);
	jf_pool_release(&s->pool);
	jf_queue_release(&s->queue);
	jf_metrics_release(&s->metrics);
	if (s->client)
		jf_k8s_client_free(s->client);
	if (s->base)
		event_base_free(s->base);
	for (int i = 0; i < JF_SUP_MAX_WORKER_ARGS; i++)
		free(s->worker_args[i]);
	if (s->pidfd >= 0) {
		char path[512];

		snprintf(path, sizeof(path), "%s/%s", s->cfg.run_dir,
			 JF_PID_FILE);
		unlink(path);
		close(s->pidfd);
	}
	jf_config_release(&s->cfg);
}

int main(int argc, char **argv)
{
	struct jf_sup *s = &sup;
	struct jf_errmsg e = {{0}};
	int err;

	signal(SIGPIPE, SIG_IGN);
	jf_log_init("supervisor", -1);
	s->pidfd = -1;
	s->argc = argc;
	s->argv = argv;
	s->started_ms = jf_mono_ms();
	err = jf_config_load(&s->cfg, argc, argv, &e);
	if (err) {
		jf_config_release(&s->cfg);
		return fail(2, e.msg);
	}
	if (s->cfg.signal) {
		err = jf_control_command(s->cfg.run_dir, s->cfg.signal, stdout,
					 &e);
		if (err)
			fprintf(stderr, "jobflowd: %s\n", e.msg);
		jf_config_release(&s->cfg);
		/* an unknown signal name is a usage error, like a bad flag */
		return err == -EINVAL ? 2 : err ? 1 : 0;
	}
	if (s->cfg.log_file && jf_log_open(s->cfg.log_file)) {
		fprintf(stderr, "jobflowd: cannot open log file '%s'\n",
			s->cfg.log_file);
		jf_config_release(&s->cfg);
		return 2;
	}
	err = start(s, &e);
	if (err) {
		int code = err == -JF_ECONFIG ? 2 : 1;

		fail(code, jf_errmsg_or(&e, err));
		jf_pool_kill_all(&s->pool);
		cleanup(s);
		return code;
	}
	event_base_dispatch(s->base);
	jf_info("jobflowd exiting with status %d", s->exit_code);
	err = s->exit_code;
	cleanup(s);
	return err;
}
