/* http.c - kubesim's HTTP front: evhttp (TLS or plain), bearer-token
 * authentication, body caps, fault injection (latency, outage, 5xx, 429),
 * routing of API paths, and Status-shaped replies. */
#include "ks.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/queue.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>

#include "jf_json.h"
#include "jf_log.h"
#include "jf_time.h"

/* --- query helpers ----------------------------------------------------------
 */

const char *ks_query(const struct ks_req *q, const char *key)
{
	return q->query ? evhttp_find_header(q->query, key) : NULL;
}

bool ks_query_true(const struct ks_req *q, const char *key)
{
	const char *v = ks_query(q, key);

	return v && (!strcmp(v, "true") || !strcmp(v, "1"));
}

/* --- replies -----------------------------------------------------------------
 */

static void count_request(struct ks_req *q, int code)
{
	char res[160];

	q->code = code;
	if (jf_log_threshold <= JF_LOG_DEBUG) {
		char ms[24], cs[8];

		snprintf(ms, sizeof(ms), "%lld",
			 (long long)(jf_now_ms() - q->recv_ms));
		snprintf(cs, sizeof(cs), "%d", code);
		jf_logk(JF_LOG_DEBUG,
			JF_FIELDS({"verb", q->verb}, {"code", cs}, {"ms", ms},
				  {"uri", evhttp_request_get_uri(q->req)}),
			"request");
	}
	if (q->verb && !strcmp(q->verb, "control"))
		return;
	if (!q->res) {
		ks_stats_request(q->verb ? q->verb : "get", "", code);
		return;
	}
	if (q->sub)
		snprintf(res, sizeof(res), "%s/%s", q->res->plural, q->sub);
	else
		snprintf(res, sizeof(res), "%s", q->res->plural);
	ks_stats_request(q->verb, res, code);
	if (q->method == KS_POST || q->method == KS_PUT ||
	    q->method == KS_PATCH || q->method == KS_DELETE)
		ks_stats_write(q->res);
	if (code == 409 && q->method != KS_POST)
		ks_stats_conflict();
}

void ks_reply_raw(struct ks_req *q, int code, const char *json, size_t len)
{
	struct evbuffer *b = evbuffer_new();
	struct evkeyvalq *h = evhttp_request_get_output_headers(q->req);

	count_request(q, code);
	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "Cache-Control", "no-cache, private");
	evbuffer_add(b, json, len);
	evhttp_send_reply(q->req, code, NULL, b);
	evbuffer_free(b);
	q->req = NULL;
}

void ks_reply_json(struct ks_req *q, int code, const cJSON *doc)
{
	char *s = jf_json_print(doc);

	if (!s)
		abort();
	ks_reply_raw(q, code, s, strlen(s));
	free(s);
}

/* Replies with the stored serialisation, adjusting apiVersion when the
 * request addressed a non-storage version. */
void ks_reply_obj(struct ks_req *q, int code, struct ks_obj *o)
{
	const struct ks_version *sv = ks_res_storage(o->res);

	if (q->version && sv && strcmp(q->version, sv->name)) {
		cJSON *d = cJSON_Duplicate(o->json, 1);
		char av[160];

		snprintf(av, sizeof(av), "%s%s%s", o->res->group,
			 *o->res->group ? "/" : "", q->version);
		jf_json_set_str(d, "apiVersion", av);
		ks_reply_json(q, code, d);
		cJSON_Delete(d);
		return;
	}
	ks_reply_raw(q, code, o->ver->raw, o->ver->len);
}

cJSON *ks_status_new(int code, const char *reason, const char *msg)
{
	cJSON *s = cJSON_CreateObject();

	cJSON_AddStringToObject(s, "kind", "Status");
	cJSON_AddStringToObject(s, "apiVersion", "v1");
	cJSON_AddItemToObject(s, "metadata", cJSON_CreateObject());
	cJSON_AddStringToObject(s, "status", "Failure");
	cJSON_AddStringToObject(s, "message", msg);
	cJSON_AddStringToObject(s, "reason", reason);
	cJSON_AddNumberToObject(s, "code", code);
	return s;
}

void ks_reply_status(struct ks_req *q, int code, const char *reason,
		     const char *name, const char *dkind, const cJSON *causes,
		     const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	cJSON *s, *d;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s = ks_status_new(code, reason, msg);
	if (name || dkind || causes) {
		d = cJSON_CreateObject();
		if (name)
			cJSON_AddStringToObject(d, "name", name);
		if (q->res && *q->res->group && dkind)
			cJSON_AddStringToObject(d, "group", q->res->group);
		if (dkind)
			cJSON_AddStringToObject(d, "kind", dkind);
		if (causes)
			cJSON_AddItemToObject(d, "causes",
					      cJSON_Duplicate(causes, 1));
		/* keep the member order of kube-apiserver: details before
		 * code */
		cJSON_DeleteItemFromObject(s, "code");
		cJSON_AddItemToObject(s, "details", d);
		cJSON_AddNumberToObject(s, "code", code);
	}
	ks_reply_json(q, code, s);
	cJSON_Delete(s);
}

void ks_reply_notfound(struct ks_req *q, struct ks_res *r, const char *name)
{
	char qn[256];

	ks_reply_status(q, 404, "NotFound", name, r->plural, NULL,
			"%s \"%s\" not found",
			ks_res_qualified(r, qn, sizeof(qn)), name);
}

void ks_reply_invalid(struct ks_req *q, struct ks_res *r, const char *name,
		      const cJSON *causes)
{
	struct jf_buf b;
	char qk[256];
	const cJSON *c;
	int n = cJSON_GetArraySize(causes), i = 0;

	jf_buf_init(&b, 16384);
	jf_buf_printf(&b, "%s \"%s\" is invalid: %s",
		      ks_res_qualified_kind(r, qk, sizeof(qk)), name,
		      n > 1 ? "[" : "");
	cJSON_ArrayForEach (c, causes) {
		const char *f = jf_json_str(c, "field", "");

		jf_buf_printf(&b, "%s%s%s%s", i++ ? ", " : "", f,
			      *f ? ": " : "", jf_json_str(c, "message", ""));
	}
	if (n > 1)
		jf_buf_puts(&b, "]");
	ks_reply_status(q, 422, "Invalid", name, r->kind, causes, "%s",
			b.data ? b.data : "");
	jf_buf_release(&b);
}

/* --- routing
 * ------------------------------------------------------------------ */

void ks_req_free(struct ks_req *q)
{
	if (q->query) {
		evhttp_clear_headers(q->query);
		free(q->query);
	}
	free(q->body);
	free(q->version);
	free(q->ns);
	free(q->name);
	free(q->sub);
	free(q);
}

static char *seg_dup(const char *s, size_t n)
{
	char *raw = strndup(s, n), *dec;

	if (!raw)
		abort();
	dec = evhttp_uridecode(raw, 0, NULL);
	free(raw);
	return dec;
}

/* Splits path into at most max decoded segments; returns the count or -1
 * for too many. */
static int split_path(const char *path, char **segs, int max)
{
	int n = 0;

	while (*path == '/')
		path++;
	while (*path) {
		const char *e = strchr(path, '/');
		size_t len = e ? (size_t)(e - path) : strlen(path);

		if (n == max) {
			while (n)
				free(segs[--n]);
			return -1;
		}
		segs[n++] = seg_dup(path, len);
		path += len;
		while (*path == '/')
			path++;
	}
	return n;
}

static const char *method_verb(struct ks_req *q)
{
	switch (q->method) {
	case KS_GET:
		if (q->name)
			return "get";
		return ks_query_true(q, "watch") ? "watch" : "list";
	case KS_POST:
		return "create";
	case KS_PUT:
		return "update";
	case KS_PATCH:
		return "patch";
	case KS_DELETE:
		return q->name ? "delete" : "deletecollection";
	default:
		return "other";
	}
}

/* Routes /api/v1/... and /apis/<g>/<v>/... to a resource. Returns true
 * when the path named a resource (q->res set) and false otherwise. */
static bool route_resource(struct ks_req *q, char **s, int n)
{
	const char *group, *version;
	int i;
	struct ks_res *r;

	if (n >= 2 && !strcmp(s[0], "api")) {
		group = "";
		version = s[1];
		i = 2;
	} else if (n >= 3 && !strcmp(s[0], "apis")) {
		group = s[1];
		version = s[2];
		i = 3;
	} else {
		return false;
	}
	if (n - i >= 3 && !strcmp(s[i], "namespaces")) {
		r = ks_res_find(group, s[i + 2]);
		if (r && r->namespaced) {
			q->ns = strdup(s[i + 1]);
			i += 2;
		}
	}
	if (n - i < 1 || n - i > 3)
		return false;
	r = ks_res_find(group, s[i]);
	if (!r || !r->served || !ks_res_version(r, version))
		return false;
	q->res = r;
	q->version = strdup(ks_res_version(r, version)->name);
	if (n - i >= 2)
		q->name = strdup(s[i + 1]);
	if (n - i == 3)
		q->sub = strdup(s[i + 2]);
	return true;
}

static bool inject_error(struct ks_req *q);

static void not_found(struct ks_req *q)
{
	ks_reply_status(q, 404, "NotFound", NULL, NULL, NULL,
			"the server could not find the requested resource");
}

static void dispatch(struct ks_req *q, const char *path)
{
	char *segs[12];
	int n = split_path(path, segs, 12);

	if (n < 0) {
		not_found(q);
		return;
	}
	if (route_resource(q, segs, n)) {
		q->verb = method_verb(q);
		if (inject_error(q)) {
			/* replied */
		} else if (q->sub && strcmp(q->sub, "status")) {
			char *sub = q->sub;

			q->sub = NULL;
			ks_reply_status(q, 404, "NotFound", NULL, NULL, NULL,
					"the server could not find the "
					"requested resource");
			free(sub);
		} else if (q->sub && !q->res->has_status) {
			not_found(q);
		} else {
			ks_rest_handle(q);
		}
	} else if (!ks_discovery_handle(q, path)) {
		not_found(q);
	}
	while (n)
		free(segs[--n]);
}

/* --- faults
 * ------------------------------------------------------------------- */

static void close_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ks_req *q = arg;
	struct evhttp_connection *c = evhttp_request_get_connection(q->req);

	if (c)
		evhttp_connection_free(c);
	else
		evhttp_send_reply_end(q->req);
	q->req = NULL;
	ks_req_free(q);
}

/* True when an error was injected (and replied). */
static bool inject_error(struct ks_req *q)
{
	double u;

	if (ks.faults.error_rate <= 0 && ks.faults.throttle_rate <= 0)
		return false;
	u = ks_rand_unit();
	if (u < ks.faults.throttle_rate) {
		char ra[16];

		snprintf(ra, sizeof(ra), "%d",
			 ks.faults.retry_after > 0 ? ks.faults.retry_after : 1);
		evhttp_add_header(evhttp_request_get_output_headers(q->req),
				  "Retry-After", ra);
		ks_reply_status(q, 429, "TooManyRequests", NULL, NULL, NULL,
				"Too many requests, please try again later.");
		return true;
	}
	u -= ks.faults.throttle_rate;
	if (u < ks.faults.error_rate) {
		if (ks_rand_unit() < 0.5)
			ks_reply_status(q, 500, "InternalError", NULL, NULL,
					NULL,
					"Internal error occurred: injected "
					"fault");
		else
			ks_reply_status(q, 503, "ServiceUnavailable", NULL,
					NULL, NULL,
					"the server is currently unable to "
					"handle the request");
		return true;
	}
	return false;
}

static void process(struct ks_req *q)
{
	const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(q->req);
	const char *path = evhttp_uri_get_path(u);

	ks.req_start_ms = q->recv_ms;
	dispatch(q, path ? path : "/");
	if (q->req == NULL)
		ks_req_free(q);
	/* else: a watch took over q */
}

static void delayed_cb(evutil_socket_t fd, short what, void *arg)
{
	process(arg);
}

/* --- entry
 * -------------------------------------------------------------------- */

static bool authorised(struct evhttp_request *req)
{
	const char *h;
	size_t n;

	if (ks.o.plain_http)
		return true;
	h = evhttp_find_header(evhttp_request_get_input_headers(req),
			       "Authorization");
	if (!h || strncasecmp(h, "Bearer ", 7))
		return false;
	h += 7;
	n = strlen(ks.token);
	return strlen(h) == n && !CRYPTO_memcmp(h, ks.token, n);
}

static enum ks_method method_of(struct evhttp_request *req)
{
	switch (evhttp_request_get_command(req)) {
	case EVHTTP_REQ_GET:
	case EVHTTP_REQ_HEAD:
		return KS_GET;
	case EVHTTP_REQ_POST:
		return KS_POST;
	case EVHTTP_REQ_PUT:
		return KS_PUT;
	case EVHTTP_REQ_PATCH:
		return KS_PATCH;
	case EVHTTP_REQ_DELETE:
		return KS_DELETE;
	default:
		return KS_OTHER;
	}
}

static void http_cb(struct evhttp_request *req, void *arg)
{
	struct ks_req *q = calloc(1, sizeof(*q));
	const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(req);
	const char *qs = evhttp_uri_get_query(u);
	const char *path = evhttp_uri_get_path(u);
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);

	if (!q)
		abort();
	q->req = req;
	q->recv_ms = jf_now_ms();
	q->method = method_of(req);
	q->ctype = evhttp_find_header(evhttp_request_get_input_headers(req),
				      "Content-Type");
	q->accept = evhttp_find_header(evhttp_request_get_input_headers(req),
				       "Accept");
	q->query = calloc(1, sizeof(*q->query));
	TAILQ_INIT(q->query);
	if (qs && evhttp_parse_query_str(qs, q->query) < 0) {
		ks_reply_status(q, 400, "BadRequest", NULL, NULL, NULL,
				"malformed query string");
		goto done;
	}
	if (!path)
		path = "/";
	if (!authorised(req)) {
		ks_reply_status(q, 401, "Unauthorized", NULL, NULL, NULL,
				"Unauthorized");
		goto done;
	}
	if (!strncmp(path, "/kubesim/", 9)) {
		if (len > KS_MAX_BODY)
			len = KS_MAX_BODY;
		q->body = malloc(len + 1);
		evbuffer_copyout(in, q->body, len);
		q->body[len] = '\0';
		q->body_len = len;
		ks_control_handle(q, path);
		goto done;
	}
	if (ks.outage_until_mono && jf_mono_ms() < ks.outage_until_mono) {
		struct timeval tv = {0, 0};

		event_base_once(ks.base, -1, EV_TIMEOUT, close_cb, q, &tv);
		return;
	}
	if (len > KS_MAX_BODY) {
		ks_reply_status(q, 413, "RequestEntityTooLarge", NULL, NULL,
				NULL, "Request entity too large: limit is %u",
				KS_MAX_BODY);
		goto done;
	}
	q->body = malloc(len + 1);
	if (!q->body)
		abort();
	evbuffer_copyout(in, q->body, len);
	q->body[len] = '\0';
	q->body_len = len;
	if (ks.faults.latency_ms > 0) {
		struct timeval tv = {ks.faults.latency_ms / 1000,
				     (ks.faults.latency_ms % 1000) * 1000};

		event_base_once(ks.base, -1, EV_TIMEOUT, delayed_cb, q, &tv);
		return;
	}
	process(q);
	return;
done:
	if (!q->req)
		ks_req_free(q);
}

int ks_http_start(char *msg, size_t cap)
{
	struct evhttp_bound_socket *bs;
	char host[64] = "127.0.0.1";
	const char *colon = strrchr(ks.o.listen, ':');
	int port = 0;
	struct sockaddr_storage ss;
	ev_socklen_t sl = sizeof(ss);

	if (colon) {
		size_t hl = (size_t)(colon - ks.o.listen);

		if (hl && hl < sizeof(host)) {
			memcpy(host, ks.o.listen, hl);
			host[hl] = '\0';
		}
		port = atoi(colon + 1);
	}
	ks.http = evhttp_new(ks.base);
	if (!ks.http)
		return -1;
	evhttp_set_allowed_methods(ks.http,
				   EVHTTP_REQ_GET | EVHTTP_REQ_POST |
					   EVHTTP_REQ_PUT | EVHTTP_REQ_PATCH |
					   EVHTTP_REQ_DELETE | EVHTTP_REQ_HEAD);
	evhttp_set_max_body_size(ks.http, KS_HARD_BODY);
	evhttp_set_max_headers_size(ks.http, KS_MAX_HEADERS);
	evhttp_set_timeout(ks.http, 3700);
	evhttp_set_gencb(ks.http, http_cb, NULL);
	if (!ks.o.plain_http)
		evhttp_set_bevcb(ks.http, ks_tls_bev, NULL);
	bs = evhttp_bind_socket_with_handle(ks.http, host, (ev_uint16_t)port);
	if (!bs) {
		snprintf(msg, cap, "cannot listen on '%s': %s", ks.o.listen,
			 strerror(errno));
		return -1;
	}
	{
		/* accepted sockets inherit it: no Nagle delay between TLS
		 * records of one response */
		int one = 1;

		setsockopt(evhttp_bound_socket_get_fd(bs), IPPROTO_TCP,
			   TCP_NODELAY, &one, sizeof(one));
	}
	if (getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&ss,
			&sl) == 0) {
		if (ss.ss_family == AF_INET)
			port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else
			port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	snprintf(ks.url, sizeof(ks.url), "%s://%s%s%s:%d",
		 ks.o.plain_http ? "http" : "https",
		 strchr(host, ':') ? "[" : "", host,
		 strchr(host, ':') ? "]" : "", port);
	return 0;
}
