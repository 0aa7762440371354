/* k8s_client.h - the REST client's private structures, shared by client.c
 * (lifecycle), call.c (one request), loop.c (curl-multi on libevent) and
 * sync.c (the synchronous wrapper). */
#ifndef JF_K8S_CLIENT_H
#define JF_K8S_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "jf_buf.h"
#include "jf_k8s.h"
#include "k8s_internal.h"

#define K8S_MAX_COUNTERS      128
#define K8S_WATCH_ERRBODY_MAX (1u << 20)

struct k8s_counter {
	enum jf_k8s_verb verb;
	int code;
	uint64_t count;
};

enum k8s_call_state {
	CALL_WAITING, /* timer armed: rate limit, retry delay or first start */
	CALL_RUNNING, /* easy handle in the multi */
	CALL_DONE,    /* inside the done callback */
};

struct jf_k8s_client {
	struct event_base *base;
	bool own_base;
	CURLM *multi;
	CURLSH *share;
	struct event *curl_timer; /* curl's single timeout */
	struct event *reap;	  /* frees calls cancelled inside curl */
	struct jf_k8s_config cfg;
	struct k8s_token tok;
	struct k8s_bucket bucket;
	int in_curl;		   /* depth inside curl_multi_socket_action() */
	bool in_info;		   /* draining curl_multi_info_read() */
	struct jf_k8s_call *calls; /* every live call, doubly linked */
	int ncalls;
	struct k8s_counter counters[K8S_MAX_COUNTERS];
	int ncounters;
};

struct jf_k8s_call {
	struct jf_k8s_client *c;
	struct jf_k8s_call *prev, *next;
	CURL *easy;
	struct curl_slist *headers;
	struct event *timer;
	enum k8s_call_state state;
	bool in_multi;
	bool cancelled;
	bool auth_retried;
	bool reserved; /* holds a bucket token, waiting for its time */

	enum jf_k8s_verb verb;
	enum jf_k8s_patch_type patch_type;
	char *url;
	char *path; /* for messages */
	char *body;
	size_t body_len;
	int64_t timeout_ms;
	int max_retries;
	int watch_timeout_s;

	jf_k8s_done_fn done;
	jf_k8s_event_fn on_event;
	void *arg;

	/* per attempt */
	struct jf_buf buf;
	struct jf_k8s_watch_dec dec;
	int attempts;
	int retry_after_s;
	int write_err;
	struct jf_errmsg write_msg;
	long code; /* HTTP code seen by the write callback */
	char errbuf[CURL_ERROR_SIZE];
};

/* loop.c */
int k8s_loop_init(struct jf_k8s_client *c);
void k8s_loop_release(struct jf_k8s_client *c);

/* call.c */
int k8s_call_new(struct jf_k8s_client *c, const struct jf_k8s_req *req,
		 struct jf_k8s_call **out);
void k8s_call_schedule(struct jf_k8s_call *call, int64_t delay_ms);
void k8s_call_finished(struct jf_k8s_call *call, CURLcode res);
void k8s_call_free(struct jf_k8s_call *call);

/* client.c */
void k8s_count(struct jf_k8s_client *c, enum jf_k8s_verb verb, int code);

#endif /* JF_K8S_CLIENT_H */
