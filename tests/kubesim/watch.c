/* watch.c - kubesim's watches: chunked JSON-lines streams with replay from
 * the per-resource history, 410 for expired resource versions, bookmarks,
 * timeouts, label/field selectors with the cacher's ADDED/DELETED
 * transitions, and zero-copy fan-out (each event's object JSON is
 * referenced, not copied, into every watcher's output). */
#include "ks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>

#include "jf_json.h"
#include "jf_log.h"
#include "jf_time.h"
#include "ks_selector.h"

struct ks_watch {
	struct ks_watch *next, *prev;
	struct ks_res *res;
	struct ks_req *q;
	char *ns;
	struct ks_selector *lsel;
	struct ks_field_selector *fsel;
	bool bookmarks;
	bool fsel_full; /* the field selector needs more than metadata */
	struct event *timer;
	uint64_t sent;
	size_t max_out; /* pending output allowed before the watch is cut */
	bool replaying;
};

static size_t n_watches;

size_t ks_watch_count(void)
{
	return n_watches;
}

static void unlink_watch(struct ks_watch *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		w->res->watches = w->next;
	if (w->next)
		w->next->prev = w->prev;
	n_watches--;
}

static void free_watch(struct ks_watch *w)
{
	unlink_watch(w);
	if (w->timer)
		event_free(w->timer);
	ks_selector_free(w->lsel);
	ks_field_selector_free(w->fsel);
	free(w->ns);
	w->q->req = NULL;
	ks_req_free(w->q);
	free(w);
}

/* The client went away (or the connection failed): libevent has detached
 * the request from the connection; we free both. */
static void closed_cb(struct evhttp_connection *c, void *arg)
{
	struct ks_watch *w = arg;
	struct evhttp_request *req = w->q->req;

	if (req && !evhttp_request_get_connection(req))
		evhttp_request_free(req);
	/* otherwise libevent frees the request with the connection */
	free_watch(w);
}

/* Ends the stream cleanly (terminating chunk; the connection stays). */
static void end_watch(struct ks_watch *w)
{
	struct evhttp_connection *c = evhttp_request_get_connection(w->q->req);

	if (c)
		evhttp_connection_set_closecb(c, NULL, NULL);
	evhttp_send_reply_end(w->q->req);
	free_watch(w);
}

/* Cuts the connection (as an API server restart would). */
static void drop_watch(struct ks_watch *w)
{
	struct evhttp_connection *c = evhttp_request_get_connection(w->q->req);

	if (c) {
		evhttp_connection_set_closecb(c, NULL, NULL);
		evhttp_connection_free(c);
	} else {
		evhttp_request_free(w->q->req);
	}
	free_watch(w);
}

static void unref_cb(const void *data, size_t len, void *arg)
{
	ks_ver_unref(arg);
}

static size_t pending_out(struct ks_watch *w)
{
	struct evhttp_connection *c = evhttp_request_get_connection(w->q->req);
	struct bufferevent *bev =
		c ? evhttp_connection_get_bufferevent(c) : NULL;

	return bev ? evbuffer_get_length(bufferevent_get_output(bev)) : 0;
}

/* Sends one event line; returns false when the watcher was closed. */
static bool send_line(struct ks_watch *w, const char *type, struct ks_ver *ver,
		      const char *raw, size_t len)
{
	static const char tail[] = "}\n";
	struct evbuffer *b = evbuffer_new();
	char head[48];
	int hn = snprintf(head, sizeof(head),
			  "{\"type\":\"%s\",\"object\":", type);

	evbuffer_add(b, head, (size_t)hn);
	if (ver)
		evbuffer_add_reference(b, ver->raw, ver->len, unref_cb,
				       ks_ver_ref(ver));
	else
		evbuffer_add(b, raw, len);
	evbuffer_add_reference(b, tail, 2, NULL, NULL);
	evhttp_send_reply_chunk(w->q->req, b);
	evbuffer_free(b);
	w->sent++;
	ks_stats_watch_events(1);
	if (!w->replaying && pending_out(w) > w->max_out) {
		jf_logk(JF_LOG_WARN, JF_FIELDS({"resource", w->res->plural}),
			"watcher too slow, closing its watch");
		drop_watch(w);
		return false;
	}
	return true;
}

static bool ver_matches(const struct ks_watch *w, const struct ks_ver *v)
{
	if (w->ns && strcmp(w->ns, v->ns))
		return false;
	if (w->lsel && !ks_selector_match(w->lsel, v->labels))
		return false;
	if (w->fsel) {
		cJSON *o, *md;
		bool ok;

		if (w->fsel_full) {
			o = cJSON_Parse(v->raw);
		} else {
			o = cJSON_CreateObject();
			md = cJSON_AddObjectToObject(o, "metadata");
			cJSON_AddStringToObject(md, "name", v->name);
			cJSON_AddStringToObject(md, "namespace", v->ns);
		}
		ok = ks_field_selector_match(w->fsel, o);
		cJSON_Delete(o);
		if (!ok)
			return false;
	}
	return true;
}

/* The previous object's content under the event's resource version, as
 * the apiserver's cacher sends when an object stops matching. */
static bool send_prev_as_deleted(struct ks_watch *w, const struct ks_event *e)
{
	cJSON *o = cJSON_Parse(e->prev->raw);
	char rv[24], *s;
	bool ok;

	if (!o)
		return true;
	snprintf(rv, sizeof(rv), "%llu", (unsigned long long)e->ver->rv);
	jf_json_set_str(jf_json_obj(o, "metadata"), "resourceVersion", rv);
	s = jf_json_print(o);
	cJSON_Delete(o);
	ok = send_line(w, "DELETED", NULL, s, strlen(s));
	free(s);
	return ok;
}

/* Sends e to w if it passes w's filters; false when w was closed. */
static bool deliver(struct ks_watch *w, const struct ks_event *e)
{
	bool cur = ver_matches(w, e->ver);
	bool old = e->prev && e->type == KS_MODIFIED ? ver_matches(w, e->prev)
						     : cur;

	if (e->type != KS_MODIFIED)
		return cur ? send_line(w, ks_evtype_name[e->type], e->ver, NULL,
				       0)
			   : true;
	if (cur && old)
		return send_line(w, "MODIFIED", e->ver, NULL, 0);
	if (cur)
		return send_line(w, "ADDED", e->ver, NULL, 0);
	if (old)
		return send_prev_as_deleted(w, e);
	return true;
}

void ks_watch_fanout(struct ks_res *r, const struct ks_event *ev)
{
	struct ks_watch *w = r->watches, *next;

	for (; w; w = next) {
		next = w->next;
		deliver(w, ev);
	}
}

static bool send_bookmark(struct ks_watch *w)
{
	char b[512];
	int n = snprintf(b, sizeof(b),
			 "{\"kind\":\"%s\",\"apiVersion\":\"%s%s%s\","
			 "\"metadata\":{\"resourceVersion\":\"%llu\","
			 "\"creationTimestamp\":null}}",
			 w->res->kind, w->res->group, *w->res->group ? "/" : "",
			 w->q->version, (unsigned long long)ks.rv);

	return send_line(w, "BOOKMARK", NULL, b, (size_t)n);
}

void ks_watch_bookmark_tick(void)
{
	for (struct ks_res *r = ks.res; r; r = r->next) {
		struct ks_watch *w = r->watches, *next;

		for (; w; w = next) {
			next = w->next;
			if (w->bookmarks)
				send_bookmark(w);
		}
	}
}

static void timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ks_watch *w = arg;

	if (w->bookmarks && !send_bookmark(w))
		return;
	end_watch(w);
}

void ks_watch_drop_all(const char *why)
{
	size_t n = n_watches;

	for (struct ks_res *r = ks.res; r; r = r->next) {
		while (r->watches)
			drop_watch(r->watches);
	}
	if (n)
		jf_logk(JF_LOG_INFO, JF_FIELDS({"reason", why}),
			"dropped %zu watches", n);
}

void ks_watch_close_res(struct ks_res *r)
{
	while (r->watches)
		end_watch(r->watches);
}

static void send_expired(struct ks_req *q, uint64_t rv, uint64_t oldest)
{
	char msg[128], *s;
	cJSON *ev = cJSON_CreateObject(), *st;
	struct evbuffer *b = evbuffer_new();

	snprintf(msg, sizeof(msg), "too old resource version: %llu (%llu)",
		 (unsigned long long)rv, (unsigned long long)oldest);
	st = ks_status_new(410, "Expired", msg);
	cJSON_AddStringToObject(ev, "type", "ERROR");
	cJSON_AddItemToObject(ev, "object", st);
	s = jf_json_print(ev);
	evbuffer_add(b, s, strlen(s));
	evbuffer_add(b, "\n", 1);
	evhttp_add_header(evhttp_request_get_output_headers(q->req),
			  "Content-Type", "application/json");
	ks_stats_request("watch", q->res->plural, 200);
	evhttp_send_reply(q->req, 200, "OK", b);
	evbuffer_free(b);
	free(s);
	cJSON_Delete(ev);
	q->req = NULL;
}

void ks_watch_start(struct ks_req *q)
{
	struct ks_res *r = q->res;
	struct ks_watch *w;
	const char *ls = ks_query(q, "labelSelector");
	const char *fs = ks_query(q, "fieldSelector");
	const char *rvs = ks_query(q, "resourceVersion");
	const char *ts = ks_query(q, "timeoutSeconds");
	struct ks_selector *lsel = NULL;
	struct ks_field_selector *fsel = NULL;
	char msg[512], *end;
	uint64_t from = 0;
	long long tmo;
	struct timeval tv;
	struct evhttp_connection *c;

	if (!evhttp_request_get_connection(q->req)) {
		/* the client left while the request was delayed */
		evhttp_request_free(q->req);
		q->req = NULL;
		return;
	}
	if (ks_query(q, "sendInitialEvents")) {
		cJSON *causes = cJSON_CreateArray(), *c1 = cJSON_CreateObject();

		cJSON_AddStringToObject(c1, "reason", "FieldValueForbidden");
		cJSON_AddStringToObject(c1, "message",
					"Forbidden: sendInitialEvents is "
					"forbidden for watch unless the "
					"WatchList feature gate is enabled");
		cJSON_AddStringToObject(c1, "field", "sendInitialEvents");
		cJSON_AddItemToArray(causes, c1);
		q->res = NULL;
		ks_reply_status(q, 422, "Invalid", "", "ListOptions", causes,
				"ListOptions.meta.k8s.io \"\" is invalid: "
				"sendInitialEvents: Forbidden: "
				"sendInitialEvents is forbidden for watch "
				"unless the WatchList feature gate is enabled");
		cJSON_Delete(causes);
		return;
	}
	if (ls && ks_selector_parse(ls, &lsel, msg, sizeof(msg))) {
		ks_reply_status(q, 400, "BadRequest", NULL, NULL, NULL,
				"unable to parse requirement: %s", msg);
		return;
	}
	if (fs && ks_field_selector_parse(fs, ks_res_fields(r), &fsel, msg,
					  sizeof(msg))) {
		ks_selector_free(lsel);
		ks_reply_status(q, 400, "BadRequest", NULL, NULL, NULL, "%s",
				msg);
		return;
	}
	if (rvs && *rvs) {
		from = strtoull(rvs, &end, 10);
		if (*end) {
			ks_selector_free(lsel);
			ks_field_selector_free(fsel);
			ks_reply_status(q, 400, "BadRequest", NULL, NULL, NULL,
					"invalid resource version: %s", rvs);
			return;
		}
	}
	if (from && from < r->base_rv) {
		ks_selector_free(lsel);
		ks_field_selector_free(fsel);
		send_expired(q, from, r->base_rv);
		return;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		abort();
	w->res = r;
	w->q = q;
	w->ns = q->ns ? strdup(q->ns) : NULL;
	w->lsel = lsel;
	w->fsel = fsel;
	w->bookmarks = ks_query_true(q, "allowWatchBookmarks");
	w->fsel_full =
		fs && (strstr(fs, "involvedObject.") || strstr(fs, "spec.") ||
		       strstr(fs, "status.") || strstr(fs, "type") ||
		       strstr(fs, "reason") || strstr(fs, "source") ||
		       strstr(fs, "reportingComponent"));
	w->next = r->watches;
	if (r->watches)
		r->watches->prev = w;
	r->watches = w;
	n_watches++;
	ks_stats_request("watch", r->plural, 200);
	evhttp_add_header(evhttp_request_get_output_headers(q->req),
			  "Content-Type", "application/json");
	evhttp_add_header(evhttp_request_get_output_headers(q->req),
			  "Cache-Control", "no-cache, private");
	evhttp_send_reply_start(q->req, 200, "OK");
	c = evhttp_request_get_connection(q->req);
	evhttp_connection_set_closecb(c, closed_cb, w);
	/* read EOF so that a client that goes away is noticed at once */
	bufferevent_enable(evhttp_connection_get_bufferevent(c), EV_READ);
	tmo = ts ? atoll(ts) : 0;
	if (tmo <= 0)
		tmo = 1800 + (long long)(ks_rand_unit() * 1800);
	tv.tv_sec = tmo;
	tv.tv_usec = 0;
	w->timer = evtimer_new(ks.base, timeout_cb, w);
	evtimer_add(w->timer, &tv);
	/* the backlog of the initial events or the replay does not count
	 * against the slow-watcher limit: only what piles up after it */
	w->replaying = true;
	if (!from) {
		size_t n;
		struct ks_obj **all = ks_store_sorted(r, &n);

		for (size_t i = 0; i < n; i++) {
			if (ver_matches(w, all[i]->ver))
				send_line(w, "ADDED", all[i]->ver, NULL, 0);
		}
		w->replaying = false;
		w->max_out = pending_out(w) + ks.o.watch_max_pending;
		return;
	}
	/* replay history after from (binary search in the ring) */
	{
		size_t lo = 0, hi = r->ring_len;

		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			const struct ks_event *e =
				&r->ring[(r->ring_head + mid) % r->ring_cap];

			if (e->ver->rv <= from)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t i = lo; i < r->ring_len; i++) {
			if (!deliver(
				    w,
				    &r->ring[(r->ring_head + i) % r->ring_cap]))
				return;
		}
	}
}
