/* call.c - one API request: the curl easy handle, its callbacks, the
 * response decoding and the retry policy (docs/client.md). */
#include "k8s_client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jf_json.h"
#include "jf_log.h"
#include "jf_time.h"

#define RETRY_AFTER_MAX_S 60

static void on_call_timer(evutil_socket_t fd, short what, void *arg);

static const char *method_of(enum jf_k8s_verb v)
{
	switch (v) {
	case JF_K8S_CREATE:
		return "POST";
	case JF_K8S_UPDATE:
		return "PUT";
	case JF_K8S_PATCH:
		return "PATCH";
	case JF_K8S_DELETE:
		return "DELETE";
	default:
		return "GET";
	}
}

int k8s_call_new(struct jf_k8s_client *c, const struct jf_k8s_req *req,
		 struct jf_k8s_call **out)
{
	struct jf_k8s_call *call;
	const struct jf_k8s_config *cfg = &c->cfg;
	char *path = NULL;
	size_t n;
	int err;

	*out = NULL;
	if ((unsigned)req->verb >= JF_K8S_VERB_MAX)
		return -EINVAL;
	if (req->path) {
		if (req->path[0] != '/' || strpbrk(req->path, " \r\n\t"))
			return -EINVAL;
		path = strdup(req->path);
		if (!path)
			return -ENOMEM;
	} else {
		bool named = req->verb != JF_K8S_LIST &&
			     req->verb != JF_K8S_WATCH &&
			     req->verb != JF_K8S_CREATE;

		if (named && (!req->name || !*req->name))
			return -EINVAL;
		if (req->res && req->res->namespaced && named &&
		    (!req->ns || !*req->ns))
			return -EINVAL;
		err = jf_k8s_path(req->res, req->ns, named ? req->name : NULL,
				  req->subresource, &req->opts,
				  req->verb == JF_K8S_WATCH, &path);
		if (err)
			return err;
	}
	call = calloc(1, sizeof(*call));
	if (!call) {
		free(path);
		return -ENOMEM;
	}
	call->c = c;
	call->verb = req->verb;
	call->patch_type = req->patch_type;
	call->path = path;
	call->timeout_ms =
		req->timeout_ms > 0 ? req->timeout_ms : cfg->timeout_ms;
	call->max_retries =
		req->max_retries >= 0 ? req->max_retries : cfg->max_retries;
	call->watch_timeout_s = req->opts.timeout_seconds;
	call->retry_after_s = -1;
	jf_buf_init(&call->buf, req->verb == JF_K8S_WATCH
					? K8S_WATCH_ERRBODY_MAX
					: cfg->max_body);
	n = strlen(cfg->server) + strlen(path) + 1;
	call->url = malloc(n);
	call->timer = evtimer_new(c->base, on_call_timer, call);
	call->easy = curl_easy_init();
	if (!call->url || !call->timer || !call->easy)
		goto out_nomem;
	snprintf(call->url, n, "%s%s", cfg->server, path);
	if (req->body) {
		call->body_len =
			req->body_len ? req->body_len : strlen(req->body);
		call->body = malloc(call->body_len + 1);
		if (!call->body)
			goto out_nomem;
		memcpy(call->body, req->body, call->body_len);
		call->body[call->body_len] = '\0';
	}
	/* link */
	call->next = c->calls;
	if (c->calls)
		c->calls->prev = call;
	c->calls = call;
	c->ncalls++;
	*out = call;
	return 0;

out_nomem:
	call->c = NULL;
	k8s_call_free(call);
	return -ENOMEM;
}

void k8s_call_free(struct jf_k8s_call *call)
{
	struct jf_k8s_client *c = call->c;

	if (c) {
		if (call->in_multi)
			curl_multi_remove_handle(c->multi, call->easy);
		if (call->prev)
			call->prev->next = call->next;
		else if (c->calls == call)
			c->calls = call->next;
		if (call->next)
			call->next->prev = call->prev;
		c->ncalls--;
	}
	if (call->timer)
		event_free(call->timer);
	if (call->easy)
		curl_easy_cleanup(call->easy);
	curl_slist_free_all(call->headers);
	jf_buf_release(&call->buf);
	jf_k8s_watch_dec_release(&call->dec);
	free(call->url);
	free(call->path);
	free(call->body);
	free(call);
}

/* --- curl callbacks ------------------------------------------------------ */

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct jf_k8s_call *call = arg;
	size_t len = size * n;
	char val[32];

	if (len >= 5 && !strncmp(p, "HTTP/", 5)) {
		call->retry_after_s = -1; /* a new response (after 100) */
	} else if (len > 12 && !strncasecmp(p, "Retry-After:", 12)) {
		size_t m =
			len - 12 < sizeof(val) - 1 ? len - 12 : sizeof(val) - 1;

		memcpy(val, p + 12, m);
		val[m] = '\0';
		call->retry_after_s = k8s_parse_retry_after(val);
	}
	return len;
}

static size_t on_write(char *p, size_t size, size_t n, void *arg)
{
	struct jf_k8s_call *call = arg;
	size_t len = size * n;
	int err;

	if (call->cancelled || call->write_err)
		return 0;
	if (call->verb == JF_K8S_WATCH) {
		if (!call->code)
			curl_easy_getinfo(call->easy, CURLINFO_RESPONSE_CODE,
					  &call->code);
		if (call->code == 200) {
			err = jf_k8s_watch_dec_feed(&call->dec, p, len,
						    &call->write_msg);
			if (err) {
				call->write_err = err;
				return 0;
			}
			return call->cancelled ? 0 : len;
		}
	}
	err = jf_buf_append(&call->buf, p, len);
	if (err) {
		call->write_err = err;
		if (err == -JF_ETOOBIG)
			jf_errf(&call->write_msg, err,
				"response body larger than %zu bytes",
				call->buf.max);
		return 0;
	}
	return len;
}

/* --- one attempt ------------------------------------------------------- */

static int add_header(struct curl_slist **h, const char *s)
{
	struct curl_slist *n = curl_slist_append(*h, s);

	if (!n)
		return -ENOMEM;
	*h = n;
	return 0;
}

static int build_headers(struct jf_k8s_call *call)
{
	struct jf_k8s_client *c = call->c;
	struct curl_slist *h = NULL;
	const char *tok;
	char *auth;
	int err;

	err = add_header(&h, "Accept: application/json");
	if (!err && call->body) {
		const char *ct = "Content-Type: application/json";

		if (call->verb == JF_K8S_PATCH)
			ct = call->patch_type == JF_K8S_PATCH_JSON
				     ? "Content-Type: application/json-patch+json"
				     : "Content-Type: application/merge-patch+json";
		err = add_header(&h, ct);
	}
	if (!err)
		err = add_header(&h, "Expect:");
	/* Never send a bearer token over plain http (like kubectl). */
	tok = k8s_token_get(&c->tok, jf_mono_ms(), false);
	if (!err && tok && !strncmp(c->cfg.server, "https://", 8)) {
		if (asprintf(&auth, "Authorization: Bearer %s", tok) < 0) {
			err = -ENOMEM;
		} else {
			err = add_header(&h, auth);
			k8s_free_secret(auth, strlen(auth));
		}
	}
	if (err) {
		curl_slist_free_all(h);
		return err;
	}
	curl_slist_free_all(call->headers);
	call->headers = h;
	return 0;
}

static void setup_easy(struct jf_k8s_call *call)
{
	struct jf_k8s_client *c = call->c;
	const struct jf_k8s_config *cfg = &c->cfg;
	CURL *e = call->easy;
	struct curl_blob blob;

	curl_easy_reset(e);
	curl_easy_setopt(e, CURLOPT_URL, call->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, call);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_SHARE, c->share);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_USERAGENT, cfg->user_agent);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, call->headers);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, call);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, call);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, call->errbuf);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPIDLE, 30L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPINTVL, 15L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)cfg->connect_timeout_ms);
	if (cfg->http2) {
		curl_easy_setopt(e, CURLOPT_HTTP_VERSION,
				 (long)CURL_HTTP_VERSION_2TLS);
		curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	}
	if (cfg->ca.data) {
		blob.data = cfg->ca.data;
		blob.len = cfg->ca.len;
		blob.flags = CURL_BLOB_NOCOPY;
		curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &blob);
	}
	if (cfg->cert.data && cfg->key.data) {
		blob.data = cfg->cert.data;
		blob.len = cfg->cert.len;
		blob.flags = CURL_BLOB_NOCOPY;
		curl_easy_setopt(e, CURLOPT_SSLCERT_BLOB, &blob);
		curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
		blob.data = cfg->key.data;
		blob.len = cfg->key.len;
		curl_easy_setopt(e, CURLOPT_SSLKEY_BLOB, &blob);
		curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
	}
	if (cfg->insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (call->verb == JF_K8S_WATCH) {
		/* No overall timeout: the server ends the watch after
		 * timeoutSeconds; a silent dead peer is caught here. */
		long idle = call->watch_timeout_s > 0
				    ? call->watch_timeout_s + 30
				    : 1800;

		curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, idle);
	} else {
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)call->timeout_ms);
	}
	if (call->verb != JF_K8S_GET && call->verb != JF_K8S_LIST &&
	    call->verb != JF_K8S_WATCH)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST,
				 method_of(call->verb));
	if (call->body) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, call->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)call->body_len);
	}
}

static void launch(struct jf_k8s_call *call)
{
	struct jf_k8s_client *c = call->c;
	struct jf_k8s_response resp;
	CURLMcode rc;
	int err;

	jf_buf_reset(&call->buf);
	jf_k8s_watch_dec_release(&call->dec);
	if (call->verb == JF_K8S_WATCH)
		jf_k8s_watch_dec_init(&call->dec, c->cfg.max_line,
				      call->on_event, call->arg);
	call->write_err = 0;
	call->write_msg.msg[0] = '\0';
	call->errbuf[0] = '\0';
	call->code = 0;
	call->retry_after_s = -1;
	err = build_headers(call);
	if (!err) {
		setup_easy(call);
		rc = curl_multi_add_handle(c->multi, call->easy);
		err = rc == CURLM_OK ? 0 : -ENOMEM;
	}
	if (err) {
		/* Report through the done callback, as for any failure. */
		memset(&resp, 0, sizeof(resp));
		resp.err = err;
		resp.attempts = call->attempts;
		jf_errf(&resp.msg, err, "cannot start %s '%s'",
			method_of(call->verb), call->path);
		call->state = CALL_DONE;
		if (call->done)
			call->done(&resp, call->arg);
		jf_k8s_response_release(&resp);
		k8s_call_free(call);
		return;
	}
	call->attempts++;
	call->in_multi = true;
	call->state = CALL_RUNNING;
}

static void on_call_timer(evutil_socket_t fd, short what, void *arg)
{
	struct jf_k8s_call *call = arg;
	int64_t wait;

	if (call->cancelled) {
		k8s_call_free(call);
		return;
	}
	/* Every attempt takes one token from the client-side bucket; a
	 * reservation that must wait comes back here holding it. */
	if (!call->reserved) {
		wait = k8s_bucket_reserve(&call->c->bucket, jf_mono_ms());
		if (wait > 0) {
			call->reserved = true;
			k8s_call_schedule(call, wait);
			return;
		}
	}
	call->reserved = false;
	launch(call);
}

void k8s_call_schedule(struct jf_k8s_call *call, int64_t delay_ms)
{
	struct timeval tv;

	if (delay_ms < 0)
		delay_ms = 0;
	tv.tv_sec = delay_ms / 1000;
	tv.tv_usec = (delay_ms % 1000) * 1000;
	call->state = CALL_WAITING;
	evtimer_add(call->timer, &tv);
}

/* --- completion -------------------------------------------------------- */

static bool idempotent(const struct jf_k8s_call *call)
{
	switch (call->verb) {
	case JF_K8S_GET:
	case JF_K8S_LIST:
	case JF_K8S_UPDATE:
	case JF_K8S_DELETE:
		return true;
	case JF_K8S_PATCH:
		return call->patch_type == JF_K8S_PATCH_MERGE;
	default:
		return false;
	}
}

/* Returns the delay before the next attempt, or -1: do not retry. */
static int64_t retry_delay(struct jf_k8s_call *call,
			   const struct jf_k8s_response *r, CURLcode res)
{
	const struct jf_k8s_config *cfg = &call->c->cfg;
	int ra = call->retry_after_s;
	int64_t d;

	if (call->verb == JF_K8S_WATCH || call->attempts > call->max_retries)
		return -1;
	if (r->code == 429 || (r->code >= 500 && ra >= 0)) {
		/* The server did not process the request. A POST is
		 * repeated only on 429 with Retry-After. */
		if (call->verb == JF_K8S_CREATE && (r->code != 429 || ra < 0))
			return -1;
		if (ra >= 0)
			return (int64_t)(ra > RETRY_AFTER_MAX_S
						 ? RETRY_AFTER_MAX_S
						 : ra) *
			       1000;
	} else if (r->code >= 500 || r->code == 0) {
		/* A refused connection never reached the server. */
		if (!idempotent(call) &&
		    !(r->code == 0 && res == CURLE_COULDNT_CONNECT))
			return -1;
		if (r->code == 0 && call->write_err)
			return -1; /* our own limit, not the network */
	} else {
		return -1;
	}
	d = cfg->retry_base_ms
	    << (call->attempts - 1 < 20 ? call->attempts - 1 : 20);
	if (d > cfg->retry_max_ms || d <= 0)
		d = cfg->retry_max_ms;
	return d / 2 + (int64_t)(jf_rand_unit() * (double)(d / 2));
}

static void decode(struct jf_k8s_call *call, CURLcode res,
		   struct jf_k8s_response *r)
{
	long code = 0;
	int err;

	curl_easy_getinfo(call->easy, CURLINFO_RESPONSE_CODE, &code);
	r->code = (int)code;
	r->attempts = call->attempts;
	if (res != CURLE_OK || call->write_err) {
		if (call->write_err) {
			r->err = call->write_err;
			r->msg = call->write_msg;
			if (!r->msg.msg[0])
				jf_errf(&r->msg, r->err, "%s",
					jf_strerror(r->err));
		} else {
			r->err = -JF_ETRANSPORT;
			jf_errf(&r->msg, r->err, "%s",
				call->errbuf[0] ? call->errbuf
						: curl_easy_strerror(res));
		}
		if (call->verb != JF_K8S_WATCH || code != 200)
			r->code = 0;
		r->status.code = r->code;
		r->status.reason = r->status.message = "";
		r->status.name = r->status.group = r->status.kind = "";
		r->status.retry_after_s = -1;
		return;
	}
	if (call->verb == JF_K8S_WATCH && code == 200) {
		r->err = jf_k8s_watch_dec_finish(&call->dec, &r->msg);
		return;
	}
	if (call->buf.len) {
		err = jf_json_parse(call->buf.data, call->buf.len,
				    call->buf.max, &r->body, NULL);
		if (err) {
			r->body = NULL;
			r->text = jf_buf_steal(&call->buf);
		}
	}
	k8s_status_decode(r, call->retry_after_s);
	if (!r->err && code >= 200 && code < 300 && call->buf.len == 0 &&
	    r->text == NULL && call->verb != JF_K8S_DELETE)
		r->body = NULL; /* empty success body: allowed */
	if (!r->err && !r->body && r->text && call->verb != JF_K8S_DELETE) {
		r->err = -JF_EPARSE;
		jf_errf(&r->msg, r->err, "response is not JSON");
	}
}

void k8s_call_finished(struct jf_k8s_call *call, CURLcode res)
{
	struct jf_k8s_client *c = call->c;
	struct jf_k8s_response r;
	int64_t delay;

	memset(&r, 0, sizeof(r));
	decode(call, res, &r);
	k8s_count(c, call->verb, r.code);
	if (call->cancelled) {
		jf_k8s_response_release(&r);
		k8s_call_free(call);
		return;
	}
	/* 401: re-read the token file now and try once more. */
	if (r.code == 401 && c->tok.file && !call->auth_retried) {
		call->auth_retried = true;
		k8s_token_get(&c->tok, jf_mono_ms(), true);
		jf_k8s_response_release(&r);
		k8s_call_schedule(call, 0);
		return;
	}
	delay = retry_delay(call, &r, res);
	if (delay >= 0) {
		jf_logk(JF_LOG_DEBUG,
			JF_FIELDS({"verb", jf_k8s_verb_name(call->verb)},
				  {"path", call->path}, {"err", r.msg.msg}),
			"retrying API request in %lld ms", (long long)delay);
		jf_k8s_response_release(&r);
		k8s_call_schedule(call, delay);
		return;
	}
	if (r.err)
		jf_errprefix(&r.msg, r.err, "%s '%s'", method_of(call->verb),
			     call->path);
	call->state = CALL_DONE;
	if (call->done)
		call->done(&r, call->arg);
	jf_k8s_response_release(&r);
	k8s_call_free(call);
}
