/* ipc.c - message framing and nanomsg PAIR sockets for supervisor <-> worker
 * traffic (jf_ipc.h). */
#include "jf_ipc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nanomsg/nn.h>
#include <nanomsg/pair.h>

#include "jf_json.h"

const char *jf_ipc_type_name(int type)
{
	switch (type) {
	case JF_IPC_READY:
		return "READY";
	case JF_IPC_TASK:
		return "TASK";
	case JF_IPC_RESULT:
		return "RESULT";
	case JF_IPC_HEARTBEAT:
		return "HEARTBEAT";
	case JF_IPC_SHUTDOWN:
		return "SHUTDOWN";
	default:
		return "unknown";
	}
}

static void put_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static bool type_known(int type)
{
	return type >= JF_IPC_READY && type <= JF_IPC_SHUTDOWN;
}

int jf_ipc_encode(int type, uint32_t seq, const char *payload, size_t len,
		  void **out, size_t *out_len)
{
	unsigned char *m;

	*out = NULL;
	if (!type_known(type))
		return -EINVAL;
	if (len > JF_IPC_MAX_MSG - JF_IPC_HDR_LEN)
		return -JF_ETOOBIG;
	m = malloc(JF_IPC_HDR_LEN + len);
	if (!m)
		return -ENOMEM;
	put_u32(m, JF_IPC_MAGIC);
	m[4] = 0;
	m[5] = JF_IPC_VERSION;
	m[6] = (unsigned char)(type >> 8);
	m[7] = (unsigned char)type;
	put_u32(m + 8, seq);
	put_u32(m + 12, (uint32_t)len);
	if (len)
		memcpy(m + JF_IPC_HDR_LEN, payload, len);
	*out = m;
	*out_len = JF_IPC_HDR_LEN + len;
	return 0;
}

int jf_ipc_decode(const void *msg, size_t len, struct jf_ipc_msg *out,
		  struct jf_errmsg *e)
{
	const unsigned char *m = msg;
	struct jf_errmsg pe;
	uint32_t magic, plen;
	int version, type, err;
	cJSON *body = NULL;

	memset(out, 0, sizeof(*out));
	if (len < JF_IPC_HDR_LEN)
		return jf_errf(
			e, -JF_EPROTO,
			"message of %zu bytes is shorter than the header", len);
	if (len > JF_IPC_MAX_MSG)
		return jf_errf(e, -JF_EPROTO,
			       "message of %zu bytes exceeds the limit", len);
	magic = get_u32(m);
	if (magic != JF_IPC_MAGIC)
		return jf_errf(e, -JF_EPROTO, "bad magic 0x%08x", magic);
	version = m[4] << 8 | m[5];
	if (version != JF_IPC_VERSION)
		return jf_errf(e, -JF_EPROTO,
			       "protocol version %d, expected %d", version,
			       JF_IPC_VERSION);
	type = m[6] << 8 | m[7];
	if (!type_known(type))
		return jf_errf(e, -JF_EPROTO, "unknown message type %d", type);
	plen = get_u32(m + 12);
	if ((size_t)plen != len - JF_IPC_HDR_LEN)
		return jf_errf(
			e, -JF_EPROTO,
			"payload length %u does not match message size %zu",
			plen, len);
	err = jf_json_parse((const char *)m + JF_IPC_HDR_LEN, plen,
			    JF_IPC_MAX_MSG, &body, &pe);
	if (err)
		return jf_errf(e, -JF_EPROTO, "%s payload is not JSON: %s",
			       jf_ipc_type_name(type), pe.msg);
	if (!cJSON_IsObject(body)) {
		cJSON_Delete(body);
		return jf_errf(e, -JF_EPROTO, "%s payload is not a JSON object",
			       jf_ipc_type_name(type));
	}
	out->type = type;
	out->seq = get_u32(m + 8);
	out->body = body;
	return 0;
}

/* --- sockets -------------------------------------------------------------- */

static int sock_open(struct jf_ipc_sock *sk)
{
	int unlimited = -1;
	size_t sz = sizeof(sk->rcvfd);

	sk->s = nn_socket(AF_SP, NN_PAIR);
	sk->rcvfd = -1;
	if (sk->s < 0)
		return -errno;
	if (nn_setsockopt(sk->s, NN_SOL_SOCKET, NN_RCVMAXSIZE, &unlimited,
			  sizeof(unlimited)) < 0 ||
	    nn_getsockopt(sk->s, NN_SOL_SOCKET, NN_RCVFD, &sk->rcvfd, &sz) <
		    0) {
		int err = -errno;

		nn_close(sk->s);
		sk->s = -1;
		return err;
	}
	return 0;
}

int jf_ipc_listen(struct jf_ipc_sock *sk, const char *url)
{
	int err = sock_open(sk);

	if (err)
		return err;
	if (strncmp(url, "ipc://", 6) == 0)
		unlink(url + 6);
	if (nn_bind(sk->s, url) < 0) {
		err = -errno;
		jf_ipc_close(sk);
	}
	return err;
}

int jf_ipc_dial(struct jf_ipc_sock *sk, const char *url)
{
	int err = sock_open(sk);

	if (err)
		return err;
	if (nn_connect(sk->s, url) < 0) {
		err = -errno;
		jf_ipc_close(sk);
	}
	return err;
}

int jf_ipc_send(struct jf_ipc_sock *sk, int type, uint32_t seq,
		const char *payload, size_t len, int timeout_ms)
{
	size_t mlen;
	void *m;
	int err, rc;

	err = jf_ipc_encode(type, seq, payload, len, &m, &mlen);
	if (err)
		return err;
	if (timeout_ms > 0)
		nn_setsockopt(sk->s, NN_SOL_SOCKET, NN_SNDTIMEO, &timeout_ms,
			      sizeof(timeout_ms));
	rc = nn_send(sk->s, m, mlen, timeout_ms > 0 ? 0 : NN_DONTWAIT);
	err = rc < 0 ? -errno : 0;
	free(m);
	return err;
}

int jf_ipc_send_json(struct jf_ipc_sock *sk, int type, uint32_t seq,
		     const cJSON *body, int timeout_ms)
{
	char *s = jf_json_print(body);
	int err;

	if (!s)
		return -ENOMEM;
	err = jf_ipc_send(sk, type, seq, s, strlen(s), timeout_ms);
	free(s);
	return err;
}

int jf_ipc_recv(struct jf_ipc_sock *sk, struct jf_ipc_msg *out,
		struct jf_errmsg *e)
{
	void *m = NULL;
	int n, err;

	memset(out, 0, sizeof(*out));
	n = nn_recv(sk->s, &m, NN_MSG, NN_DONTWAIT);
	if (n < 0)
		return -errno;
	err = jf_ipc_decode(m, (size_t)n, out, e);
	nn_freemsg(m);
	return err;
}

void jf_ipc_close(struct jf_ipc_sock *sk)
{
	if (sk->s >= 0)
		nn_close(sk->s);
	sk->s = -1;
	sk->rcvfd = -1;
}
