/* loop.c - curl's multi-socket interface driven by libevent (the hiperfifo
 * pattern): socket and timer callbacks, and the completion drain. */
#include "k8s_client.h"

#include <errno.h>
#include <stdlib.h>

#include "jf_log.h"

struct k8s_sock {
	struct event *ev;
	struct jf_k8s_client *c;
};

static void check_multi_info(struct jf_k8s_client *c)
{
	struct jf_k8s_call *call;
	CURLMsg *msg;
	int left;

	if (c->in_info)
		return;
	c->in_info = true;
	while ((msg = curl_multi_info_read(c->multi, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		CURL *easy = msg->easy_handle;
		CURLcode res = msg->data.result;

		call = NULL;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&call);
		curl_multi_remove_handle(c->multi, easy);
		if (call) {
			call->in_multi = false;
			k8s_call_finished(call, res);
		}
	}
	c->in_info = false;
}

static void drive(struct jf_k8s_client *c, curl_socket_t fd, int action)
{
	int running = 0;
	CURLMcode rc;

	c->in_curl++;
	rc = curl_multi_socket_action(c->multi, fd, action, &running);
	c->in_curl--;
	if (rc != CURLM_OK)
		jf_error("curl_multi_socket_action() failed: %s",
			 curl_multi_strerror(rc));
	check_multi_info(c);
}

static void on_socket(evutil_socket_t fd, short what, void *arg)
{
	int action = (what & EV_READ ? CURL_CSELECT_IN : 0) |
		     (what & EV_WRITE ? CURL_CSELECT_OUT : 0);

	drive(arg, fd, action);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	drive(arg, CURL_SOCKET_TIMEOUT, 0);
}

static int sock_cb(CURL *easy, curl_socket_t s, int what, void *userp,
		   void *socketp)
{
	struct jf_k8s_client *c = userp;
	struct k8s_sock *ks = socketp;
	short kind;

	if (what == CURL_POLL_REMOVE) {
		if (ks) {
			event_free(ks->ev);
			free(ks);
			curl_multi_assign(c->multi, s, NULL);
		}
		return 0;
	}
	kind = (short)((what & CURL_POLL_IN ? EV_READ : 0) |
		       (what & CURL_POLL_OUT ? EV_WRITE : 0) | EV_PERSIST);
	if (!ks) {
		ks = calloc(1, sizeof(*ks));
		if (!ks)
			return -1;
		ks->c = c;
		ks->ev = event_new(c->base, s, kind, on_socket, c);
		if (!ks->ev) {
			free(ks);
			return -1;
		}
		curl_multi_assign(c->multi, s, ks);
	} else {
		event_del(ks->ev);
		event_assign(ks->ev, c->base, s, kind, on_socket, c);
	}
	return event_add(ks->ev, NULL) ? -1 : 0;
}

/* Never calls curl from here: a 0 ms timeout arms a 0 ms libevent timer. */
static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct jf_k8s_client *c = userp;
	struct timeval tv;

	if (timeout_ms < 0) {
		evtimer_del(c->curl_timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	return evtimer_add(c->curl_timer, &tv) ? -1 : 0;
}

int k8s_loop_init(struct jf_k8s_client *c)
{
	c->multi = curl_multi_init();
	c->curl_timer = evtimer_new(c->base, on_timer, c);
	if (!c->multi || !c->curl_timer)
		return -ENOMEM;
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	/* keep idle connections for the next burst: curl's default cache is
	 * 4 x the transfers in progress, so after a burst of concurrent
	 * requests it would close them and the next burst would pay a TLS
	 * handshake per connection (on both sides) */
	curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, 16L);
	return 0;
}

void k8s_loop_release(struct jf_k8s_client *c)
{
	if (c->multi)
		curl_multi_cleanup(c->multi); /* may call sock_cb */
	c->multi = NULL;
	if (c->curl_timer)
		event_free(c->curl_timer);
	c->curl_timer = NULL;
}
