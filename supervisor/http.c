/* http.c - /healthz, /readyz, /metrics and /debug/state over evhttp. */
#include "supervisor/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "jf_json.h"

struct jf_http {
	struct evhttp *http;
	struct jf_http_handlers h;
};

static void reply_text(struct evhttp_request *req, int code, const char *reason,
		       const char *ctype, const char *body, size_t len)
{
	struct evbuffer *out = evbuffer_new();

	evhttp_add_header(evhttp_request_get_output_headers(req),
			  "Content-Type", ctype);
	if (out)
		evbuffer_add(out, body, len);
	evhttp_send_reply(req, code, reason, out);
	if (out)
		evbuffer_free(out);
}

static void handle(struct evhttp_request *req, void *arg)
{
	struct jf_http *s = arg;
	const char *path =
		evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	const char *why = "";

	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET &&
	    evhttp_request_get_command(req) != EVHTTP_REQ_HEAD) {
		reply_text(req, 405, "Method Not Allowed", "text/plain",
			   "method not allowed\n", 19);
		return;
	}
	if (!path)
		path = "/";
	if (strcmp(path, "/healthz") == 0 || strcmp(path, "/livez") == 0) {
		if (!s->h.healthy || s->h.healthy(s->h.arg, &why))
			reply_text(req, 200, "OK", "text/plain", "ok\n", 3);
		else
			reply_text(req, 503, "Service Unavailable",
				   "text/plain", why, strlen(why));
	} else if (strcmp(path, "/readyz") == 0) {
		if (!s->h.ready || s->h.ready(s->h.arg, &why))
			reply_text(req, 200, "OK", "text/plain", "ok\n", 3);
		else
			reply_text(req, 503, "Service Unavailable",
				   "text/plain", why, strlen(why));
	} else if (strcmp(path, "/metrics") == 0 && s->h.metrics) {
		struct jf_buf b;

		jf_buf_init(&b, 0);
		s->h.metrics(s->h.arg, &b);
		reply_text(req, 200, "OK",
			   "text/plain; version=0.0.4; charset=utf-8",
			   b.data ? b.data : "", b.len);
		jf_buf_release(&b);
	} else if (strcmp(path, "/debug/state") == 0 && s->h.state) {
		cJSON *st = s->h.state(s->h.arg);
		char *text = st ? jf_json_print(st) : NULL;

		if (text)
			reply_text(req, 200, "OK", "application/json", text,
				   strlen(text));
		else
			reply_text(req, 500, "Internal Server Error",
				   "text/plain", "out of memory\n", 14);
		free(text);
		cJSON_Delete(st);
	} else {
		reply_text(req, 404, "Not Found", "text/plain", "not found\n",
			   10);
	}
}

int jf_http_start(struct event_base *base, const char *addr,
		  const struct jf_http_handlers *h, struct jf_http **out,
		  int *port_out, struct jf_errmsg *e)
{
	struct evhttp_bound_socket *bound;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[256];
	const char *colon = strrchr(addr, ':');
	struct jf_http *s;
	long port;

	if (!colon || colon[1] == '\0')
		return jf_errf(e, -JF_ECONFIG,
			       "--http-listen '%s' is not host:port", addr);
	port = strtol(colon + 1, NULL, 10);
	snprintf(host, sizeof(host), "%.*s", (int)(colon - addr), addr);
	if (!host[0])
		snprintf(host, sizeof(host), "0.0.0.0");
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->h = *h;
	s->http = evhttp_new(base);
	if (!s->http) {
		free(s);
		return -ENOMEM;
	}
	evhttp_set_max_headers_size(s->http, 16384);
	evhttp_set_max_body_size(s->http, 4096);
	evhttp_set_timeout(s->http, 30);
	evhttp_set_gencb(s->http, handle, s);
	bound = evhttp_bind_socket_with_handle(s->http, host,
					       (ev_uint16_t)port);
	if (!bound) {
		evhttp_free(s->http);
		free(s);
		return jf_errf(e, -JF_ECONFIG, "cannot listen on '%s': %s",
			       addr, strerror(errno));
	}
	*port_out = (int)port;
	if (getsockname(evhttp_bound_socket_get_fd(bound),
			(struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET)
			*port_out =
				ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			*port_out =
				ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	*out = s;
	return 0;
}

void jf_http_stop(struct jf_http *s)
{
	if (!s)
		return;
	evhttp_free(s->http);
	free(s);
}
