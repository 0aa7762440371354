/* main.c - jobflow-worker: started by jobflowd (fork+exec), never by hand.
 *
 * NAME
 *	jobflow-worker - executes reconcile tasks for the jobflowd supervisor
 *
 * SUMMARY
 *	jobflow-worker --ipc URL --slot N [--kubeconfig F] [--context C]
 *	               [--log-level L] [--qps Q] [--burst B]
 *	               [--max-iterations N]
 *
 *	Dials the supervisor's PAIR socket, sends READY, then handles one
 *	TASK at a time: runs the flow engine on the snapshot it was given,
 *	executes the plan against the API server and replies with a RESULT.
 *	Exits 0 on SHUTDOWN or when its lifeline (fd 3) reports EOF, after
 *	finishing the task in hand.
 *
 * DIAGNOSTICS
 *	JSON log lines on stderr. Exit status: 0 done, 1 transient failure
 *	(the supervisor respawns it), 2 fatal configuration (not respawned).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jf_ipc.h"
#include "jf_json.h"
#include "jf_log.h"
#include "jf_time.h"
#include "worker/worker.h"

static volatile sig_atomic_t got_term, got_usr1;

static void on_term(int sig)
{
	got_term = 1;
}

static void on_usr1(int sig)
{
	got_usr1 = 1;
}

static void usage(FILE *f)
{
	fputs("usage: jobflow-worker --ipc URL --slot N [--kubeconfig FILE]\n"
	      "       [--context NAME] [--log-level LEVEL] [--qps Q]\n"
	      "       [--burst B] [--max-iterations N]\n"
	      "jobflow-worker is started by jobflowd, not by hand.\n",
	      f);
}

static int parse_args(int argc, char **argv, struct jf_worker_opts *o)
{
	static const struct option longopts[] = {
		{"ipc", required_argument, NULL, 'i'},
		{"slot", required_argument, NULL, 's'},
		{"kubeconfig", required_argument, NULL, 'k'},
		{"context", required_argument, NULL, 'c'},
		{"log-level", required_argument, NULL, 'l'},
		{"log-file", required_argument, NULL, 'f'},
		{"qps", required_argument, NULL, 'q'},
		{"burst", required_argument, NULL, 'b'},
		{"max-iterations", required_argument, NULL, 'm'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			o->ipc_url = optarg;
			break;
		case 's':
			o->slot = atoi(optarg);
			break;
		case 'k':
			o->kubeconfig = optarg;
			break;
		case 'c':
			o->context = optarg;
			break;
		case 'l':
			if (jf_log_set_level_name(optarg)) {
				fprintf(stderr,
					"jobflow-worker: unknown log level '%s'\n",
					optarg);
				return -1;
			}
			break;
		case 'f':
			o->log_file = optarg;
			break;
		case 'q':
			o->qps = atof(optarg);
			break;
		case 'b':
			o->burst = atoi(optarg);
			break;
		case 'm':
			o->max_iterations = atoi(optarg);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (!o->ipc_url || optind != argc) {
		usage(stderr);
		return -1;
	}
	return 0;
}

/* The lifeline: readable with EOF when the supervisor is gone. */
static bool lifeline_gone(void)
{
	char b[16];
	ssize_t n = read(JF_IPC_LIFELINE_FD, b, sizeof(b));

	return n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR);
}

static int serve(struct jf_worker *w)
{
	struct pollfd pfd[2] = {
		{w->sock.rcvfd, POLLIN, 0},
		{JF_IPC_LIFELINE_FD, POLLIN, 0},
	};

	while (!got_term) {
		struct jf_errmsg e = {{0}};
		struct jf_ipc_msg m;
		int err;

		if (got_usr1) {
			got_usr1 = 0;
			jf_log_open(w->opts.log_file);
		}
		if (poll(pfd, 2, 1000) < 0 && errno != EINTR)
			return 1;
		if ((pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    lifeline_gone()) {
			jf_info("supervisor lifeline closed, exiting");
			return 0;
		}
		if (!(pfd[0].revents & POLLIN))
			continue;
		err = jf_ipc_recv(&w->sock, &m, &e);
		if (err == -EAGAIN || err == -EINTR)
			continue;
		if (err) {
			jf_error("cannot receive from the supervisor: %s",
				 jf_errmsg_or(&e, err));
			return 1;
		}
		switch (m.type) {
		case JF_IPC_TASK:
			err = jf_worker_handle_task(w, m.seq, m.body);
			break;
		case JF_IPC_SHUTDOWN:
			jf_info("shutdown requested, exiting");
			cJSON_Delete(m.body);
			return 0;
		default:
			jf_error("unexpected %s message from the supervisor",
				 jf_ipc_type_name(m.type));
			err = -JF_EPROTO;
		}
		cJSON_Delete(m.body);
		if (err)
			return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct jf_worker_opts opts = {.slot = -1};
	struct jf_worker w;
	char body[128];
	int rc, err;

	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	signal(SIGUSR1, on_usr1);
	if (parse_args(argc, argv, &opts))
		return 2;
	jf_log_init("worker", opts.slot);
	if (opts.log_file && jf_log_open(opts.log_file))
		return 2;
	if (fcntl(JF_IPC_LIFELINE_FD, F_GETFD) < 0) {
		jf_error("no lifeline on fd %d: jobflow-worker is started by "
			 "jobflowd, not by hand",
			 JF_IPC_LIFELINE_FD);
		return 2;
	}
	fcntl(JF_IPC_LIFELINE_FD, F_SETFL, O_NONBLOCK);
	err = jf_worker_init(&w, &opts);
	if (err)
		return err == -JF_ECONFIG ? 2 : 1;
	err = jf_ipc_dial(&w.sock, opts.ipc_url);
	if (err) {
		jf_error("cannot dial '%s': %s", opts.ipc_url,
			 jf_strerror(err));
		jf_worker_release(&w);
		return 1;
	}
	snprintf(body, sizeof(body), "{\"pid\":%d,\"slot\":%d,\"protocol\":%d}",
		 (int)getpid(), opts.slot, JF_IPC_VERSION);
	err = jf_ipc_send(&w.sock, JF_IPC_READY, 0, body, strlen(body), 10000);
	if (err) {
		jf_error("cannot send READY: %s", jf_strerror(err));
		jf_worker_release(&w);
		return 1;
	}
	rc = serve(&w);
	jf_worker_release(&w);
	return rc;
}
