/* check_ipc.c - Check suite for the supervisor <-> worker protocol. */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jf_ipc.h"
#include "jf_json.h"

static void *encode(int type, uint32_t seq, const char *payload, size_t *len)
{
	void *m = NULL;

	ck_assert_int_eq(
		jf_ipc_encode(type, seq, payload, strlen(payload), &m, len), 0);
	return m;
}

START_TEST(test_roundtrip_every_type)
{
	for (int t = JF_IPC_READY; t <= JF_IPC_SHUTDOWN; t++) {
		struct jf_ipc_msg msg;
		size_t len;
		void *m = encode(t, 0xdeadbeef, "{\"key\":\"ns/a\",\"n\":3}",
				 &len);

		ck_assert_uint_eq(len, JF_IPC_HDR_LEN + 20);
		ck_assert_int_eq(jf_ipc_decode(m, len, &msg, NULL), 0);
		ck_assert_int_eq(msg.type, t);
		ck_assert_uint_eq(msg.seq, 0xdeadbeef);
		ck_assert_str_eq(jf_json_str(msg.body, "key", ""), "ns/a");
		ck_assert_int_eq(jf_json_int(msg.body, "n", 0), 3);
		cJSON_Delete(msg.body);
		free(m);
	}
	ck_assert_str_eq(jf_ipc_type_name(JF_IPC_RESULT), "RESULT");
	ck_assert_str_eq(jf_ipc_type_name(99), "unknown");
}
END_TEST

START_TEST(test_encode_rejects_unknown_type)
{
	void *m;
	size_t len;

	ck_assert_int_eq(jf_ipc_encode(0, 1, "{}", 2, &m, &len), -EINVAL);
	ck_assert_int_eq(jf_ipc_encode(6, 1, "{}", 2, &m, &len), -EINVAL);
}
END_TEST

/* Each malformed message is rejected with a message saying why. */
static const struct {
	int offset; /* byte to overwrite, -1: none */
	unsigned char value;
	int trim; /* bytes cut from the end */
	const char *payload;
	const char *want;
} malformed[] = {
	{0, 'X', 0, "{}", "bad magic"},
	{5, 2, 0, "{}", "protocol version 2, expected 1"},
	{7, 9, 0, "{}", "unknown message type 9"},
	{15, 0, 0, "{\"a\":1}", "does not match message size"},
	{-1, 0, 3, "{\"a\":1}", "does not match message size"},
	{-1, 0, 0, "{\"a\":", "payload is not JSON"},
	{-1, 0, 0, "[1,2]", "payload is not a JSON object"},
	{-1, 0, 0, "", "payload is not JSON"},
	{-1, 0, 20, "{}", "shorter than the header"},
};

START_TEST(test_decode_rejects_malformed)
{
	struct jf_errmsg e = {{0}};
	struct jf_ipc_msg msg;
	size_t len;
	unsigned char *m = encode(JF_IPC_TASK, 1, malformed[_i].payload, &len);

	if (malformed[_i].offset >= 0)
		m[malformed[_i].offset] = malformed[_i].value;
	len = (size_t)malformed[_i].trim > len ? 0 : len - malformed[_i].trim;
	ck_assert_int_eq(jf_ipc_decode(m, len, &msg, &e), -JF_EPROTO);
	ck_assert_ptr_null(msg.body);
	ck_assert_msg(strstr(e.msg, malformed[_i].want), "case %d: '%s'", _i,
		      e.msg);
	free(m);
}
END_TEST

static char dir[64];
static char url[128];

static void sock_setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/jf-ipc-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(url, sizeof(url), "ipc://%s/w0-1.ipc", dir);
}

static void sock_teardown(void)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/w0-1.ipc", dir);
	unlink(path);
	rmdir(dir);
}

static int recv_wait(struct jf_ipc_sock *sk, struct jf_ipc_msg *msg,
		     struct jf_errmsg *e)
{
	struct pollfd p = {sk->rcvfd, POLLIN, 0};

	ck_assert_int_eq(poll(&p, 1, 5000), 1);
	return jf_ipc_recv(sk, msg, e);
}

START_TEST(test_sockets_carry_large_messages_both_ways)
{
	struct jf_ipc_sock sup, wrk;
	struct jf_ipc_msg msg;
	size_t big = 5u << 20;
	char *payload = malloc(big + 32);
	int err;

	ck_assert_int_eq(jf_ipc_listen(&sup, url), 0);
	/* nobody connected yet: a non-blocking send cannot be queued */
	ck_assert_int_eq(jf_ipc_send(&sup, JF_IPC_TASK, 1, "{}", 2, 0),
			 -EAGAIN);
	ck_assert_int_eq(jf_ipc_recv(&sup, &msg, NULL), -EAGAIN);
	ck_assert_int_eq(jf_ipc_dial(&wrk, url), 0);
	ck_assert_int_eq(jf_ipc_send(&wrk, JF_IPC_READY, 0,
				     "{\"pid\":1,\"slot\":0,\"protocol\":1}",
				     31, 2000),
			 0);
	ck_assert_int_eq(recv_wait(&sup, &msg, NULL), 0);
	ck_assert_int_eq(msg.type, JF_IPC_READY);
	cJSON_Delete(msg.body);

	/* a 5 MiB task, then its result */
	memset(payload, 'x', big + 32);
	memcpy(payload, "{\"key\":\"ns/a\",\"pad\":\"", 21);
	memcpy(payload + big - 2, "\"}", 2);
	err = jf_ipc_send(&sup, JF_IPC_TASK, 7, payload, big, 0);
	ck_assert_int_eq(err, 0);
	ck_assert_int_eq(recv_wait(&wrk, &msg, NULL), 0);
	ck_assert_int_eq(msg.type, JF_IPC_TASK);
	ck_assert_uint_eq(msg.seq, 7);
	ck_assert_uint_eq(strlen(jf_json_str(msg.body, "pad", "")), big - 23);
	cJSON_Delete(msg.body);
	ck_assert_int_eq(jf_ipc_send(&wrk, JF_IPC_RESULT, 7,
				     "{\"key\":\"ns/a\",\"ok\":true}", 24,
				     2000),
			 0);
	ck_assert_int_eq(recv_wait(&sup, &msg, NULL), 0);
	ck_assert_int_eq(msg.type, JF_IPC_RESULT);
	ck_assert(jf_json_bool(msg.body, "ok", false));
	cJSON_Delete(msg.body);

	/* garbage on the wire is reported, consumed, and not fatal */
	ck_assert_int_eq(jf_ipc_send(&wrk, JF_IPC_RESULT, 8, "nope", 4, 2000),
			 0);
	{
		struct jf_errmsg e = {{0}};

		ck_assert_int_eq(recv_wait(&sup, &msg, &e), -JF_EPROTO);
		ck_assert_msg(strstr(e.msg, "RESULT payload is not JSON"), "%s",
			      e.msg);
		ck_assert_int_eq(jf_ipc_recv(&sup, &msg, NULL), -EAGAIN);
	}
	jf_ipc_close(&wrk);
	jf_ipc_close(&sup);
	ck_assert_int_eq(sup.s, -1);
	free(payload);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ipc");
	TCase *tc = tcase_create("codec");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_roundtrip_every_type);
	tcase_add_test(tc, test_encode_rejects_unknown_type);
	tcase_add_loop_test(tc, test_decode_rejects_malformed, 0,
			    sizeof(malformed) / sizeof(malformed[0]));
	suite_add_tcase(s, tc);
	tc = tcase_create("sockets");
	tcase_add_checked_fixture(tc, sock_setup, sock_teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_sockets_carry_large_messages_both_ways);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
