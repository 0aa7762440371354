/* worker.c - worker state, heartbeats and task dispatch by kind. */
#include "worker/worker.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"
#include "jf_log.h"
#include "jf_time.h"

int jf_worker_init(struct jf_worker *w, const struct jf_worker_opts *opts)
{
	memset(w, 0, sizeof(*w));
	w->opts = *opts;
	w->sock.s = -1;
	w->sock.rcvfd = -1;
	return 0;
}

void jf_worker_release(struct jf_worker *w)
{
	jf_ipc_close(&w->sock);
}

void jf_worker_heartbeat(struct jf_worker *w, const char *busy_key)
{
	int64_t now = jf_mono_ms();
	cJSON *b;

	if (now - w->last_beat_ms < 1000)
		return;
	w->last_beat_ms = now;
	b = cJSON_CreateObject();
	if (!b)
		return;
	if (busy_key)
		cJSON_AddStringToObject(b, "busy", busy_key);
	else
		cJSON_AddNullToObject(b, "busy");
	jf_ipc_send_json(&w->sock, JF_IPC_HEARTBEAT, 0, b, 0);
	cJSON_Delete(b);
}

/* Work in progress: reconcile lands with the engine and the API client. */
int jf_worker_handle_task(struct jf_worker *w, uint32_t seq,
			  const cJSON *task)
{
	const char *key = jf_json_str(task, "key", "");
	cJSON *r = cJSON_CreateObject();
	int err;

	if (!r)
		return -ENOMEM;
	w->tasks++;
	cJSON_AddStringToObject(r, "key", key);
	cJSON_AddBoolToObject(r, "ok", 0);
	cJSON_AddStringToObject(r, "error", "reconcile is not built yet");
	cJSON_AddNumberToObject(r, "requeue_after_ms", -1);
	err = jf_ipc_send_json(&w->sock, JF_IPC_RESULT, seq, r, 30000);
	cJSON_Delete(r);
	return err;
}
