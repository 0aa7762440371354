/* client.c - the REST client's lifecycle, request submission,
 * cancellation and per-verb/code counters. */
#include "k8s_client.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "jf_log.h"
#include "jf_time.h"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_global(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* Frees calls cancelled while curl was running (they could not leave the
 * multi handle from inside a curl callback). */
static void on_reap(evutil_socket_t fd, short what, void *arg)
{
	struct jf_k8s_client *c = arg;
	struct jf_k8s_call *call = c->calls, *next;

	for (; call; call = next) {
		next = call->next;
		if (call->cancelled && call->state != CALL_DONE)
			k8s_call_free(call);
	}
}

int jf_k8s_client_new(struct event_base *base, const struct jf_k8s_config *cfg,
		      struct jf_k8s_client **out, struct jf_errmsg *e)
{
	struct jf_k8s_client *c;
	int err;

	*out = NULL;
	if (!cfg || !cfg->server ||
	    (strncmp(cfg->server, "https://", 8) &&
	     strncmp(cfg->server, "http://", 7)))
		return jf_errf(e, -JF_ECONFIG, "server must be an http(s) URL");
	pthread_once(&curl_once, curl_global);
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	err = jf_k8s_config_copy(&c->cfg, cfg);
	if (err) {
		free(c);
		return err;
	}
	if (!c->cfg.user_agent)
		c->cfg.user_agent = "jobflowd/0.1";
	if (c->cfg.timeout_ms <= 0)
		c->cfg.timeout_ms = 30000;
	if (c->cfg.connect_timeout_ms <= 0)
		c->cfg.connect_timeout_ms = 10000;
	if (!c->cfg.max_body)
		c->cfg.max_body = 64u << 20;
	if (c->cfg.retry_base_ms <= 0)
		c->cfg.retry_base_ms = 200;
	if (c->cfg.retry_max_ms < c->cfg.retry_base_ms)
		c->cfg.retry_max_ms = c->cfg.retry_base_ms;
	if (base) {
		c->base = base;
	} else {
		c->base = event_base_new();
		c->own_base = true;
		if (!c->base) {
			err = -ENOMEM;
			goto out_free;
		}
	}
	c->share = curl_share_init();
	c->reap = event_new(c->base, -1, 0, on_reap, c);
	if (!c->share || !c->reap) {
		err = -ENOMEM;
		goto out_free;
	}
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(c->share, CURLSHOPT_SHARE,
			  CURL_LOCK_DATA_SSL_SESSION);
	err = k8s_loop_init(c);
	if (err)
		goto out_free;
	/* A token file that cannot be read now falls back to the static
	 * token; every request re-checks. */
	err = k8s_token_init(&c->tok, c->cfg.token, c->cfg.token_file,
			     c->cfg.token_reread_ms, jf_mono_ms(), e);
	if (err == -ENOMEM)
		goto out_free;
	if (err && !c->tok.token) {
		jf_errprefix(e, -JF_ECONFIG, "%s",
			     c->cfg.source ? c->cfg.source : "config");
		err = -JF_ECONFIG;
		goto out_free;
	}
	k8s_bucket_init(&c->bucket, c->cfg.qps, c->cfg.burst, jf_mono_ms());
	if (c->cfg.insecure)
		jf_logk(JF_LOG_WARN, JF_FIELDS({"server", c->cfg.server}),
			"TLS verification is off (insecure-skip-tls-verify)");
	if (c->cfg.tls_server_name && *c->cfg.tls_server_name)
		jf_logk(JF_LOG_WARN,
			JF_FIELDS({"tls-server-name", c->cfg.tls_server_name}),
			"tls-server-name is not supported and is ignored");
	*out = c;
	return 0;

out_free:
	jf_k8s_client_free(c);
	return err;
}

void jf_k8s_client_free(struct jf_k8s_client *c)
{
	if (!c)
		return;
	while (c->calls)
		k8s_call_free(c->calls);
	k8s_loop_release(c);
	if (c->share)
		curl_share_cleanup(c->share);
	if (c->reap)
		event_free(c->reap);
	k8s_token_release(&c->tok);
	jf_k8s_config_release(&c->cfg);
	if (c->own_base && c->base)
		event_base_free(c->base);
	free(c);
}

struct event_base *jf_k8s_client_base(const struct jf_k8s_client *c)
{
	return c->base;
}

const struct jf_k8s_config *jf_k8s_client_config(const struct jf_k8s_client *c)
{
	return &c->cfg;
}

static int submit(struct jf_k8s_client *c, const struct jf_k8s_req *req,
		  jf_k8s_event_fn on_event, jf_k8s_done_fn done, void *arg,
		  struct jf_k8s_call **out)
{
	struct jf_k8s_call *call;
	int err;

	if (out)
		*out = NULL;
	if (!c || !req || (!req->path && !req->res))
		return -EINVAL;
	err = k8s_call_new(c, req, &call);
	if (err)
		return err;
	call->done = done;
	call->on_event = on_event;
	call->arg = arg;
	/* Always start from the loop: callbacks never run inside submit,
	 * and curl is never entered from one of its own callbacks. */
	k8s_call_schedule(call, 0);
	if (out)
		*out = call;
	return 0;
}

int jf_k8s_submit(struct jf_k8s_client *c, const struct jf_k8s_req *req,
		  jf_k8s_done_fn done, void *arg, struct jf_k8s_call **out)
{
	if (req && req->verb == JF_K8S_WATCH)
		return -EINVAL;
	return submit(c, req, NULL, done, arg, out);
}

int jf_k8s_watch(struct jf_k8s_client *c, const struct jf_k8s_req *req,
		 jf_k8s_event_fn on_event, jf_k8s_done_fn done, void *arg,
		 struct jf_k8s_call **out)
{
	if (!req || req->verb != JF_K8S_WATCH || !on_event)
		return -EINVAL;
	return submit(c, req, on_event, done, arg, out);
}

void jf_k8s_cancel(struct jf_k8s_call *call)
{
	struct jf_k8s_client *c;

	if (!call || call->cancelled)
		return;
	c = call->c;
	call->cancelled = true;
	if (call->state == CALL_DONE)
		return; /* freed when its done callback returns */
	if (call->in_multi && c->in_curl) {
		/* Inside a curl callback: the write callback refuses more
		 * data for this call; the handle leaves the multi later. */
		event_active(c->reap, 0, 0);
		return;
	}
	k8s_call_free(call);
}

void k8s_count(struct jf_k8s_client *c, enum jf_k8s_verb verb, int code)
{
	int i;

	for (i = 0; i < c->ncounters; i++) {
		if (c->counters[i].verb == verb &&
		    c->counters[i].code == code) {
			c->counters[i].count++;
			return;
		}
	}
	if (c->ncounters == K8S_MAX_COUNTERS) {
		/* Full: fold into the last slot rather than lose counts. */
		c->counters[K8S_MAX_COUNTERS - 1].count++;
		return;
	}
	c->counters[i].verb = verb;
	c->counters[i].code = code;
	c->counters[i].count = 1;
	c->ncounters++;
}

void jf_k8s_client_counters(const struct jf_k8s_client *c, jf_k8s_counter_fn fn,
			    void *arg)
{
	for (int i = 0; i < c->ncounters; i++)
		fn(c->counters[i].verb, c->counters[i].code,
		   c->counters[i].count, arg);
}

uint64_t jf_k8s_client_count(const struct jf_k8s_client *c,
			     enum jf_k8s_verb verb, int code)
{
	uint64_t n = 0;

	for (int i = 0; i < c->ncounters; i++)
		if (c->counters[i].verb == verb &&
		    (code < 0 || c->counters[i].code == code))
			n += c->counters[i].count;
	return n;
}

int jf_k8s_client_inflight(const struct jf_k8s_client *c)
{
	return c->ncalls;
}
