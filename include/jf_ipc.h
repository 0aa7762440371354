/* jf_ipc.h - the supervisor <-> worker protocol over nanomsg PAIR sockets.
 *
 * One PAIR socket per worker slot, bound by the supervisor at
 * ipc://<run-dir>/w<slot>-<generation>.ipc and dialled by the worker after
 * exec. Every message is a 16-byte header followed by a JSON payload:
 *
 *   offset 0  u32  magic "JFIP" (0x4a464950)      all integers big-endian
 *          4  u16  protocol version (JF_IPC_VERSION)
 *          6  u16  type (enum jf_ipc_type)
 *          8  u32  sequence number (a TASK's RESULT carries the TASK's)
 *         12  u32  payload length; must equal the message size minus 16
 *
 * A message that fails any check is malformed: the receiver logs it and
 * never trusts the peer again (the supervisor replaces the worker).
 *
 * Payloads (JSON objects):
 *   READY      w->s  {"pid": n, "slot": n, "protocol": 1}
 *   TASK       s->w  {"kind": "flow"|"template", "key": "ns/name",
 *                     "now_ms": n, "flow": {...}, "templates": {name: {...}},
 *                     "jobs": [...], "template": {...}}
 *   RESULT     w->s  {"key": k, "ok": bool, "error": "...",
 *                     "requeue_after_ms": n (-1: none),
 *                     "created": [job objects as returned by the API],
 *                     "flow": {the JobFlow after the status write, if any},
 *                     "phase": "...", "missing_templates": [...],
 *                     "api": {"requests": n, "conflicts": n}}
 *   HEARTBEAT  w->s  {"busy": "ns/name" | null}
 *   SHUTDOWN   s->w  {} finish the current task, then exit 0
 *
 * Liveness: besides the socket, each worker inherits the read end of a
 * pipe (its "lifeline", fd JF_IPC_LIFELINE_FD); EOF on it means the
 * supervisor is gone or wants the worker gone, and the worker exits.
 * nanomsg hides peer disconnects, so the pipe is the EOF signal.
 */
#ifndef JF_IPC_H
#define JF_IPC_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "jf_err.h"

#define JF_IPC_MAGIC	   0x4a464950u
#define JF_IPC_VERSION	   1
#define JF_IPC_HDR_LEN	   16
#define JF_IPC_MAX_MSG	   (256u << 20)
#define JF_IPC_LIFELINE_FD 3

enum jf_ipc_type {
	JF_IPC_READY = 1,
	JF_IPC_TASK = 2,
	JF_IPC_RESULT = 3,
	JF_IPC_HEARTBEAT = 4,
	JF_IPC_SHUTDOWN = 5,
};

/* Returns "READY", "TASK", ... or "unknown". */
const char *jf_ipc_type_name(int type);

struct jf_ipc_msg {
	int type;
	uint32_t seq;
	cJSON *body; /* the payload object; caller frees with cJSON_Delete() */
};

/* Builds a message into a new buffer (caller frees with free()): header
 * plus len bytes of payload (a serialised JSON object). Returns 0,
 * -EINVAL (unknown type) or -JF_ETOOBIG. */
int jf_ipc_encode(int type, uint32_t seq, const char *payload, size_t len,
		  void **out, size_t *out_len);

/* Checks and parses a received message of len bytes. Returns 0 and fills
 * *out, or -JF_EPROTO with the reason in e ("bad magic 0x...", "payload
 * length 10 does not match message size 30", "payload is not a JSON
 * object: ..."). */
int jf_ipc_decode(const void *msg, size_t len, struct jf_ipc_msg *out,
		  struct jf_errmsg *e);

/* --- sockets ---------------------------------------------------------------
 * Thin wrappers that translate nanomsg's -1/errno to -errno. */

struct jf_ipc_sock {
	int s;	   /* nanomsg socket, -1 when closed */
	int rcvfd; /* readable when a message can be received (poll only) */
};

/* Binds (supervisor) or dials (worker) a PAIR socket at url. The receive
 * size limit is lifted (our own JF_IPC_MAX_MSG applies) and stale ipc
 * files are removed before binding. Returns 0 or -errno. */
int jf_ipc_listen(struct jf_ipc_sock *sk, const char *url);
int jf_ipc_dial(struct jf_ipc_sock *sk, const char *url);

/* Sends one message. With timeout_ms 0 never blocks (-EAGAIN when the
 * peer is not connected or has not taken the previous message); with
 * timeout_ms > 0 waits up to that long (-ETIMEDOUT). */
int jf_ipc_send(struct jf_ipc_sock *sk, int type, uint32_t seq,
		const char *payload, size_t len, int timeout_ms);

/* Convenience: serialises body (borrowed) compactly and sends it. */
int jf_ipc_send_json(struct jf_ipc_sock *sk, int type, uint32_t seq,
		     const cJSON *body, int timeout_ms);

/* Receives one message without blocking: 0 and *out, -EAGAIN when none
 * is waiting, -JF_EPROTO for a malformed one (the message is consumed),
 * other -errno on socket errors. */
int jf_ipc_recv(struct jf_ipc_sock *sk, struct jf_ipc_msg *out,
		struct jf_errmsg *e);

void jf_ipc_close(struct jf_ipc_sock *sk);

#endif /* JF_IPC_H */
