/* worker.h - a worker process's state and its task handling. */
#ifndef JF_WORKER_WORKER_H
#define JF_WORKER_WORKER_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "jf_ipc.h"
#include "jf_k8s.h"

struct jf_worker_opts {
	const char *ipc_url;
	int slot;
	const char
		*kubeconfig; /* NULL: $KUBECONFIG, ~/.kube/config, in-cluster */
	const char *context;
	const char *log_file; /* NULL: stderr */
	double qps;	      /* <= 0: no client-side limit */
	int burst;
	int max_iterations; /* forEach cap; 0: default */
};

struct jf_worker {
	struct jf_worker_opts opts;
	struct jf_ipc_sock sock;
	struct jf_k8s_client *client; /* synchronous: private event base */
	cJSON *api_seen;	      /* "verb code" -> count reported so far */
	int64_t last_beat_ms;	      /* last HEARTBEAT sent (monotonic) */
	uint64_t tasks;
};

/* Prepares the worker (API client from opts). Returns 0, -JF_ECONFIG for
 * a configuration that can never work (exit 2), or another error. */
int jf_worker_init(struct jf_worker *w, const struct jf_worker_opts *opts);
void jf_worker_release(struct jf_worker *w);

/* Runs one TASK and sends its RESULT with the same seq. task stays the
 * caller's, but the handler may detach parts of it (the flow and its Jobs
 * are taken rather than copied). Returns 0, or an error when the
 * supervisor can no longer be told. */
int jf_worker_handle_task(struct jf_worker *w, uint32_t seq, cJSON *task);

/* Sends a HEARTBEAT when the last one is older than a second, so that a
 * long task is not mistaken for a stuck one. */
void jf_worker_heartbeat(struct jf_worker *w, const char *busy_key);

/* Runs the client until the requests a task left in flight (Events) end. */
void jf_worker_drain(struct jf_worker *w);

/* reconcile.c: the two task kinds. They fill result (borrowed) and
 * return 0 or an error (also described in result.error). */
int jf_worker_reconcile_flow(struct jf_worker *w, cJSON *task, cJSON *result);
int jf_worker_reconcile_template(struct jf_worker *w, const cJSON *task,
				 cJSON *result);

#endif /* JF_WORKER_WORKER_H */
