/* pool.c - worker processes: spawn (fork+exec), READY, tasks, deaths,
 * respawn backoff, resize, rolling replacement and stop (pool.h). */
#include "supervisor/pool.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jf_json.h"
#include "jf_log.h"
#include "jf_time.h"

#define POOL_TICK_MS	250
#define MAX_WORKER_ARGS 64

static void slot_spawn(struct jf_pool *p, struct jf_slot *s);
static void roll_step(struct jf_pool *p);

const char *jf_slot_state_name(enum jf_slot_state st)
{
	static const char *const names[] = {"empty", "starting", "idle", "busy",
					    "stopping"};

	return st <= JF_SLOT_STOPPING ? names[st] : "unknown";
}

static void slot_log(int level, const struct jf_slot *s, const char *msg,
		     const char *detail)
{
	char slot[16], pid[16];

	snprintf(slot, sizeof(slot), "%d", s->index);
	snprintf(pid, sizeof(pid), "%d", (int)s->pid);
	jf_logk(level,
		JF_FIELDS({"slot", slot}, {"worker_pid", pid},
			  {"detail", detail}),
		"%s", msg);
}

/* --- stopping a worker ---------------------------------------------------- */

/* Asks the worker to exit after its current task: SHUTDOWN on the socket
 * and EOF on its lifeline (whichever it notices first). */
static void slot_stop(struct jf_slot *s)
{
	if (s->state == JF_SLOT_EMPTY || s->state == JF_SLOT_STOPPING)
		return;
	jf_ipc_send(&s->sock, JF_IPC_SHUTDOWN, 0, "{}", 2, 0);
	if (s->lifeline >= 0) {
		close(s->lifeline);
		s->lifeline = -1;
	}
	s->state = JF_SLOT_STOPPING;
	s->stop_sent_ms = jf_mono_ms();
}

static void slot_kill(struct jf_slot *s, int sig, const char *why)
{
	if (s->pid <= 0)
		return;
	slot_log(JF_LOG_WARN, s, "killing worker", why);
	kill(s->pid, sig);
	s->pool->kills_total++;
	s->kill_stage = sig == SIGKILL ? 2 : 1;
}

/* --- receiving -------------------------------------------------------------
 */

static void slot_became_idle(struct jf_pool *p, struct jf_slot *s)
{
	bool retire = s->index >= p->target || p->stopping ||
		      (p->rolling && p->roll_current == s->index);

	if (retire) {
		slot_stop(s);
		return;
	}
	s->state = JF_SLOT_IDLE;
	if (p->cb.on_idle)
		p->cb.on_idle(p, s, p->cb.arg);
}

static void on_ready(struct jf_pool *p, struct jf_slot *s,
		     const struct jf_ipc_msg *m)
{
	if (s->state != JF_SLOT_STARTING) {
		slot_kill(s, SIGKILL, "READY out of turn");
		return;
	}
	slot_log(JF_LOG_INFO, s, "worker ready", NULL);
	if (p->rolling && p->roll_current == s->index) {
		p->roll_current = -1;
		s->replace = false;
	}
	slot_became_idle(p, s);
	if (p->rolling && p->roll_current < 0)
		roll_step(p);
}

static void on_result(struct jf_pool *p, struct jf_slot *s,
		      const struct jf_ipc_msg *m)
{
	char *key;

	if (s->state != JF_SLOT_BUSY || m->seq != s->task_seq) {
		slot_kill(s, SIGKILL, "RESULT without a matching TASK");
		return;
	}
	key = s->task_key;
	s->task_key = NULL;
	s->tasks_done++;
	s->consecutive_failures = 0;
	if (p->cb.on_result)
		p->cb.on_result(p, s, key, m->body, p->cb.arg);
	free(key);
	slot_became_idle(p, s);
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct jf_slot *s = arg;
	struct jf_pool *p = s->pool;

	for (int i = 0; i < 64 && s->sock.s >= 0; i++) {
		struct jf_errmsg e = {{0}};
		struct jf_ipc_msg m;
		int err = jf_ipc_recv(&s->sock, &m, &e);

		if (err == -EAGAIN || err == -EINTR)
			return;
		if (err) {
			/* never trust a worker that sent garbage */
			slot_kill(s, SIGKILL, jf_errmsg_or(&e, err));
			return;
		}
		switch (m.type) {
		case JF_IPC_READY:
			on_ready(p, s, &m);
			break;
		case JF_IPC_RESULT:
			on_result(p, s, &m);
			break;
		case JF_IPC_HEARTBEAT:
			s->life_ms = jf_mono_ms();
			break;
		default:
			slot_kill(s, SIGKILL, "unexpected message type");
		}
		cJSON_Delete(m.body);
	}
}

/* --- spawning ---------------------------------------------------------------
 */

static void slot_close_channel(struct jf_slot *s)
{
	if (s->rcv_ev) {
		event_free(s->rcv_ev);
		s->rcv_ev = NULL;
	}
	jf_ipc_close(&s->sock);
	if (s->lifeline >= 0) {
		close(s->lifeline);
		s->lifeline = -1;
	}
	if (strncmp(s->url, "ipc://", 6) == 0)
		unlink(s->url + 6);
}

static void respawn_cb(evutil_socket_t fd, short what, void *arg)
{
	struct jf_slot *s = arg;

	if (s->state == JF_SLOT_EMPTY && !s->pool->stopping &&
	    s->index < s->pool->target && !s->fatal)
		slot_spawn(s->pool, s);
}

static void child_exec(int lifeline_r, char *const argv[])
{
	sigset_t none;

	/* only async-signal-safe calls between fork and exec */
	if (lifeline_r == JF_IPC_LIFELINE_FD) {
		fcntl(lifeline_r, F_SETFD, 0);
	} else if (dup2(lifeline_r, JF_IPC_LIFELINE_FD) < 0) {
		_exit(127);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	execv(argv[0], argv);
	_exit(127);
}

static void slot_spawn(struct jf_pool *p, struct jf_slot *s)
{
	char *argv[MAX_WORKER_ARGS + 8];
	char slot_arg[16];
	int fds[2], argc = 0, err;
	pid_t pid;

	s->gen++;
	snprintf(s->url, sizeof(s->url), "ipc://%s/w%d-%u.ipc", p->opts.run_dir,
		 s->index, s->gen);
	err = jf_ipc_listen(&s->sock, s->url);
	if (err) {
		slot_log(JF_LOG_ERROR, s, "cannot bind worker socket",
			 jf_strerror(err));
		goto out_retry;
	}
	if (pipe2(fds, O_CLOEXEC) < 0) {
		slot_log(JF_LOG_ERROR, s, "pipe2() failed", strerror(errno));
		jf_ipc_close(&s->sock);
		goto out_retry;
	}
	snprintf(slot_arg, sizeof(slot_arg), "%d", s->index);
	argv[argc++] = (char *)p->opts.worker_path;
	argv[argc++] = (char *)"--ipc";
	argv[argc++] = s->url;
	argv[argc++] = (char *)"--slot";
	argv[argc++] = slot_arg;
	for (int i = 0; p->opts.worker_args && p->opts.worker_args[i] &&
			i < MAX_WORKER_ARGS;
	     i++)
		argv[argc++] = (char *)p->opts.worker_args[i];
	argv[argc] = NULL;

	pid = fork();
	if (pid == 0)
		child_exec(fds[0], argv);
	close(fds[0]);
	if (pid < 0) {
		slot_log(JF_LOG_ERROR, s, "fork() failed", strerror(errno));
		close(fds[1]);
		jf_ipc_close(&s->sock);
		goto out_retry;
	}
	s->pid = pid;
	s->lifeline = fds[1];
	s->state = JF_SLOT_STARTING;
	s->spawned_ms = jf_mono_ms();
	s->tasks_done = 0;
	s->kill_stage = 0;
	s->rcv_ev = event_new(p->base, s->sock.rcvfd, EV_READ | EV_PERSIST,
			      on_readable, s);
	event_add(s->rcv_ev, NULL);
	slot_log(JF_LOG_INFO, s, "worker started", NULL);
	return;

out_retry:
	s->state = JF_SLOT_EMPTY;
	event_add(s->timer, &(struct timeval){1, 0});
}

static struct jf_slot *slot_get(struct jf_pool *p, int i)
{
	struct jf_slot *s = p->slots[i];

	if (s)
		return s;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->pool = p;
	s->index = i;
	s->lifeline = -1;
	s->sock.s = -1;
	s->sock.rcvfd = -1;
	s->timer = evtimer_new(p->base, respawn_cb, s);
	if (!s->timer) {
		free(s);
		return NULL;
	}
	p->slots[i] = s;
	return s;
}

/* --- deaths ------------------------------------------------------------------
 */

/* Records a fast death; true when there were too many recently. */
static bool too_many_fast_deaths(struct jf_pool *p, int64_t now)
{
	int n = 0,
	    cap = (int)(sizeof(p->fast_deaths) / sizeof(p->fast_deaths[0]));

	p->fast_deaths[p->fast_head] = now;
	p->fast_head = (p->fast_head + 1) % cap;
	for (int i = 0; i < cap; i++) {
		if (p->fast_deaths[i] &&
		    now - p->fast_deaths[i] <= p->opts.fast_window_ms)
			n++;
	}
	return n > p->opts.max_fast_failures;
}

static int64_t backoff_ms(const struct jf_pool *p, int64_t first, int failures)
{
	double d = (double)first;

	for (int i = 1; i < failures && d < (double)p->opts.backoff_max_ms; i++)
		d *= 2;
	if (d > (double)p->opts.backoff_max_ms)
		d = (double)p->opts.backoff_max_ms;
	/* +-20 % jitter so that slots do not restart in lock-step */
	d *= 0.8 + 0.4 * jf_rand_unit();
	return (int64_t)d;
}

static void slot_died(struct jf_pool *p, struct jf_slot *s, int status)
{
	int64_t now = jf_mono_ms(), uptime = now - s->spawned_ms, delay = 0;
	bool intentional = s->state == JF_SLOT_STOPPING;
	bool early = s->tasks_done == 0;
	char why[64];
	int code;

	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	snprintf(why, sizeof(why), "worker exited with status %d", code);
	if (s->task_key) {
		char *key = s->task_key;

		s->task_key = NULL;
		if (p->cb.on_lost)
			p->cb.on_lost(p, key, why, p->cb.arg);
		free(key);
	}
	slot_close_channel(s);
	s->state = JF_SLOT_EMPTY;
	s->pid = 0;
	slot_log(intentional && code == 0 ? JF_LOG_INFO : JF_LOG_WARN, s,
		 "worker exited", why);
	if (p->rolling && p->roll_current == s->index && !intentional)
		p->roll_current = -1;
	if (p->stopping)
		return;
	if (code == 2 && !intentional) {
		s->fatal = true;
		slot_log(
			JF_LOG_ERROR, s,
			"worker exited with fatal code 2 and cannot be respawned",
			NULL);
		for (int i = 0; i < p->target; i++) {
			if (!p->slots[i] || !p->slots[i]->fatal)
				return;
		}
		if (p->cb.on_fatal)
			p->cb.on_fatal(p, 2, "every worker failed fatally",
				       p->cb.arg);
		return;
	}
	if (!intentional) {
		p->restarts_total++;
		s->restarts++;
		if (early)
			p->failed_starts_total++;
		if (early || uptime < p->opts.fast_ms) {
			s->consecutive_failures++;
			if (too_many_fast_deaths(p, now)) {
				if (p->cb.on_fatal)
					p->cb.on_fatal(
						p, 1, "workers keep dying fast",
						p->cb.arg);
				return;
			}
		} else {
			s->consecutive_failures = 0;
		}
		if (early)
			delay = backoff_ms(p, p->opts.throttle_ms,
					   s->consecutive_failures);
		else if (s->consecutive_failures > 1)
			delay = backoff_ms(p, p->opts.backoff_base_ms,
					   s->consecutive_failures - 1);
	}
	if (s->index >= p->target)
		return;
	if (delay > 0) {
		struct timeval tv = {delay / 1000, (delay % 1000) * 1000};

		slot_log(JF_LOG_INFO, s, "worker respawn delayed", NULL);
		event_add(s->timer, &tv);
	} else {
		slot_spawn(p, s);
	}
	if (p->rolling && p->roll_current < 0)
		roll_step(p);
}

void jf_pool_reap(struct jf_pool *p)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (int i = 0; i < JF_POOL_MAX_SLOTS; i++) {
			struct jf_slot *s = p->slots[i];

			if (s && s->pid == pid) {
				slot_died(p, s, status);
				break;
			}
		}
	}
}

/* --- housekeeping: deadlines and escalation ----------------------------------
 */

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct jf_pool *p = arg;
	int64_t now = jf_mono_ms();

	for (int i = 0; i < JF_POOL_MAX_SLOTS; i++) {
		struct jf_slot *s = p->slots[i];

		if (!s || s->pid <= 0)
			continue;
		if (s->state == JF_SLOT_STARTING && s->kill_stage == 0 &&
		    now - s->spawned_ms > p->opts.ready_timeout_ms)
			slot_kill(s, SIGKILL, "no READY in time");
		else if (s->state == JF_SLOT_BUSY && s->kill_stage == 0 &&
			 now - s->life_ms > p->opts.task_timeout_ms)
			slot_kill(s, SIGKILL, "task deadline passed");
		else if (s->state == JF_SLOT_STOPPING) {
			int64_t since = now - s->stop_sent_ms;

			if (s->kill_stage == 0 &&
			    (since > p->opts.stop_grace_ms ||
			     (p->stop_deadline_ms &&
			      now > p->stop_deadline_ms)))
				slot_kill(s, SIGTERM, "did not exit in time");
			else if (s->kill_stage == 1 &&
				 since > p->opts.stop_grace_ms + 1000)
				slot_kill(s, SIGKILL, "ignored SIGTERM");
		}
		if (p->stopping && p->stop_deadline_ms &&
		    now > p->stop_deadline_ms && s->state == JF_SLOT_BUSY &&
		    s->kill_stage == 0)
			slot_kill(s, SIGTERM, "grace period over");
	}
}

/* --- public ----------------------------------------------------------------
 */

int jf_pool_init(struct jf_pool *p, struct event_base *base,
		 const struct jf_pool_opts *opts,
		 const struct jf_pool_callbacks *cb)
{
	memset(p, 0, sizeof(*p));
	if (opts->min < 0 || opts->max < opts->min ||
	    opts->max > JF_POOL_MAX_SLOTS || opts->target < opts->min ||
	    opts->target > opts->max)
		return -EINVAL;
	p->base = base;
	p->opts = *opts;
	if (cb)
		p->cb = *cb;
	p->target = opts->target;
	p->roll_current = -1;
	p->tick = event_new(base, -1, EV_PERSIST, tick_cb, p);
	if (!p->tick)
		return -ENOMEM;
	event_add(p->tick, &(struct timeval){0, POOL_TICK_MS * 1000});
	return 0;
}

void jf_pool_start(struct jf_pool *p)
{
	for (int i = 0; i < p->target; i++) {
		struct jf_slot *s = slot_get(p, i);

		if (s && s->state == JF_SLOT_EMPTY && !s->fatal)
			slot_spawn(p, s);
	}
}

int jf_pool_set_target(struct jf_pool *p, int target)
{
	if (target < p->opts.min)
		target = p->opts.min;
	if (target > p->opts.max)
		target = p->opts.max;
	p->target = target;
	for (int i = 0; i < JF_POOL_MAX_SLOTS; i++) {
		struct jf_slot *s = p->slots[i];

		if (i < target) {
			if (p->stopping)
				continue;
			s = slot_get(p, i);
			if (s && s->state == JF_SLOT_EMPTY &&
			    !evtimer_pending(s->timer, NULL)) {
				s->fatal = false;
				slot_spawn(p, s);
			}
			continue;
		}
		if (!s)
			continue;
		evtimer_del(s->timer);
		if (s->state == JF_SLOT_IDLE || s->state == JF_SLOT_STARTING)
			slot_stop(s);
		/* busy slots stop after their result (slot_became_idle) */
	}
	return target;
}

static void roll_step(struct jf_pool *p)
{
	if (!p->rolling || p->roll_current >= 0 || p->stopping)
		return;
	for (int i = 0; i < p->target; i++) {
		struct jf_slot *s = p->slots[i];

		if (!s || !s->replace)
			continue;
		if (s->state != JF_SLOT_IDLE && s->state != JF_SLOT_BUSY) {
			s->replace =
				false; /* not live: it starts fresh anyway */
			continue;
		}
		p->roll_current = i;
		if (s->state == JF_SLOT_IDLE)
			slot_stop(s);
		/* a busy slot stops after its result */
		return;
	}
	p->rolling = false;
	jf_info("worker roll complete");
}

void jf_pool_roll(struct jf_pool *p)
{
	for (int i = 0; i < p->target; i++) {
		if (p->slots[i])
			p->slots[i]->replace = true;
	}
	p->rolling = true;
	p->roll_current = -1;
	roll_step(p);
}

int jf_pool_dispatch(struct jf_pool *p, struct jf_slot *s, const char *key,
		     const char *payload, size_t len)
{
	uint32_t seq = ++p->next_seq;
	int err;

	if (s->state != JF_SLOT_IDLE)
		return -EBUSY;
	err = jf_ipc_send(&s->sock, JF_IPC_TASK, seq, payload, len, 0);
	if (err)
		return err;
	s->task_key = strdup(key);
	if (!s->task_key) {
		slot_kill(s, SIGKILL, "out of memory");
		return -ENOMEM;
	}
	s->task_seq = seq;
	s->task_start_ms = s->life_ms = jf_mono_ms();
	s->state = JF_SLOT_BUSY;
	return 0;
}

struct jf_slot *jf_pool_idle(struct jf_pool *p)
{
	for (int i = 0; i < p->target && i < JF_POOL_MAX_SLOTS; i++) {
		struct jf_slot *s = p->slots[i];

		if (s && s->state == JF_SLOT_IDLE)
			return s;
	}
	return NULL;
}

void jf_pool_stop(struct jf_pool *p, int64_t grace_ms)
{
	p->stopping = true;
	p->rolling = false;
	p->stop_deadline_ms = jf_mono_ms() + grace_ms;
	for (int i = 0; i < JF_POOL_MAX_SLOTS; i++) {
		struct jf_slot *s = p->slots[i];

		if (!s)
			continue;
		evtimer_del(s->timer);
		if (s->state == JF_SLOT_IDLE || s->state == JF_SLOT_STARTING)
			slot_stop(s);
	}
}

void jf_pool_kill_all(struct jf_pool *p)
{
	p->stopping = true;
	for (int i = 0; i < JF_POOL_MAX_SLOTS; i++) {
		struct jf_slot *s = p->slots[i];

		if (s && s->pid > 0)
			kill(s->pid, SIGKILL);
	}
}

void jf_pool_release(struct jf_pool *p)
{
	for (int i = 0; i < JF_POOL_MAX_SLOTS; i++) {
		struct jf_slot *s = p->slots[i];

		if (!s)
			continue;
		slot_close_channel(s);
		event_free(s->timer);
		free(s->task_key);
		free(s);
		p->slots[i] = NULL;
	}
	if (p->tick)
		event_free(p->tick);
	p->tick = NULL;
}

int jf_pool_count(const struct jf_pool *p, enum jf_slot_state state)
{
	int n = 0;

	for (int i = 0; i < JF_POOL_MAX_SLOTS; i++) {
		if (p->slots[i] && p->slots[i]->state == state)
			n++;
	}
	return n;
}

int jf_pool_live(const struct jf_pool *p)
{
	return jf_pool_count(p, JF_SLOT_STARTING) +
	       jf_pool_count(p, JF_SLOT_IDLE) + jf_pool_count(p, JF_SLOT_BUSY) +
	       jf_pool_count(p, JF_SLOT_STOPPING);
}

cJSON *jf_pool_describe(const struct jf_pool *p)
{
	cJSON *o = cJSON_CreateObject(), *arr;
	int64_t now = jf_mono_ms();

	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "target", p->target);
	cJSON_AddNumberToObject(o, "min", p->opts.min);
	cJSON_AddNumberToObject(o, "max", p->opts.max);
	cJSON_AddNumberToObject(o, "live", jf_pool_live(p));
	cJSON_AddNumberToObject(o, "ready",
				jf_pool_count(p, JF_SLOT_IDLE) +
					jf_pool_count(p, JF_SLOT_BUSY));
	cJSON_AddBoolToObject(o, "rolling", p->rolling);
	cJSON_AddNumberToObject(o, "restarts", (double)p->restarts_total);
	arr = cJSON_AddArrayToObject(o, "slots");
	for (int i = 0; arr && i < JF_POOL_MAX_SLOTS; i++) {
		const struct jf_slot *s = p->slots[i];
		cJSON *w;

		if (!s || (s->state == JF_SLOT_EMPTY && i >= p->target))
			continue;
		w = cJSON_CreateObject();
		cJSON_AddNumberToObject(w, "slot", i);
		cJSON_AddStringToObject(w, "state",
					jf_slot_state_name(s->state));
		cJSON_AddNumberToObject(w, "pid", s->pid);
		cJSON_AddNumberToObject(w, "generation", s->gen);
		cJSON_AddNumberToObject(w, "tasks_done", (double)s->tasks_done);
		cJSON_AddNumberToObject(w, "restarts", (double)s->restarts);
		if (s->task_key) {
			cJSON_AddStringToObject(w, "task", s->task_key);
			cJSON_AddNumberToObject(
				w, "task_age_ms",
				(double)(now - s->task_start_ms));
		}
		cJSON_AddItemToArray(arr, w);
	}
	return o;
}
