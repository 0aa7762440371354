/* http.h - the supervisor's HTTP endpoints: /healthz, /readyz, /metrics,
 * /debug/state, served by libevent's evhttp on --http-listen. */
#ifndef JF_SUPERVISOR_HTTP_H
#define JF_SUPERVISOR_HTTP_H

#include <stdbool.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "jf_buf.h"
#include "jf_err.h"

struct jf_http_handlers {
	/* healthz: false when the process should be restarted. */
	bool (*healthy)(void *arg, const char **why);
	/* readyz: caches synced (a standby is ready, but not leader). */
	bool (*ready)(void *arg, const char **why);
	/* /metrics body (Prometheus text). */
	void (*metrics)(void *arg, struct jf_buf *out);
	/* /debug/state: a new JSON object. */
	cJSON *(*state)(void *arg);
	void *arg;
};

struct jf_http;

/* Binds addr ("host:port"; port 0 picks one) and serves. *port_out gets
 * the bound port. Returns 0 or -JF_ECONFIG with a message. */
int jf_http_start(struct event_base *base, const char *addr,
		  const struct jf_http_handlers *h, struct jf_http **out,
		  int *port_out, struct jf_errmsg *e);
void jf_http_stop(struct jf_http *s);

#endif /* JF_SUPERVISOR_HTTP_H */
