/* watch.c - `jobflowctl watch NAME`: the `get` tree, redrawn live until
 * the flow's phase is terminal. A watch with a fieldSelector on the name
 * feeds it; when the stream ends or fails the flow is read again and the
 * watch restarted (once a second at most, which is polling when the API
 * refuses watches). On a terminal the screen is redrawn every second;
 * elsewhere a tree is printed only when the flow changed. Exit 0 when the
 * flow Succeed, 1 when it Failed or vanished. */
#include "ctl/ctl.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "jf_json.h"
#include "jf_time.h"

#define WATCH_TIMEOUT_S 300

struct watch {
	struct ctl *c;
	const char *name;
	char subject[512];
	cJSON *flow;	  /* latest object */
	cJSON *shown;	  /* spec+status+annotations last printed */
	char rv[64];	  /* resourceVersion to resume from */
	bool changed;	  /* flow replaced since the last draw */
	bool deleted;	  /* the flow was deleted */
	bool stream_done; /* the watch ended (any reason) */
	bool tick;	  /* a second passed */
	struct jf_k8s_call *call;
};

static void take(struct watch *w, cJSON *obj)
{
	cJSON_Delete(w->flow);
	w->flow = obj;
	w->changed = true;
	snprintf(w->rv, sizeof(w->rv), "%s",
		 jf_json_str(obj, "metadata.resourceVersion", ""));
}

static int on_event(struct jf_k8s_event *ev, void *arg)
{
	struct watch *w = arg;

	switch (ev->type) {
	case JF_K8S_ADDED:
	case JF_K8S_MODIFIED:
		if (strcmp(jf_json_str(ev->object, "metadata.name", ""),
			   w->name) != 0)
			return 0;
		take(w, ev->object);
		ev->object = NULL;
		return 0;
	case JF_K8S_DELETED:
		w->deleted = true;
		return 1;
	case JF_K8S_BOOKMARK:
		if (*ev->rv)
			snprintf(w->rv, sizeof(w->rv), "%s", ev->rv);
		return 0;
	default: /* ERROR: 410 and others, read the flow again */
		return 1;
	}
}

static void on_done(struct jf_k8s_response *resp, void *arg)
{
	struct watch *w = arg;

	w->call = NULL;
	w->stream_done = true;
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct watch *w = arg;

	w->tick = true;
}

static int start_watch(struct watch *w)
{
	char sel[600];
	struct jf_k8s_req req = {.verb = JF_K8S_WATCH,
				 .res = &jf_k8s_res_jobflows,
				 .ns = ctl_namespace(w->c)};

	snprintf(sel, sizeof(sel), "metadata.name=%s", w->name);
	req.opts.field_selector = sel;
	req.opts.resource_version = w->rv;
	req.opts.allow_bookmarks = true;
	req.opts.timeout_seconds = WATCH_TIMEOUT_S;
	w->stream_done = false;
	return jf_k8s_watch(w->c->client, &req, on_event, on_done, w, &w->call);
}

/* Reads the flow once. 0, 1 when it does not exist, -1 on other errors
 * (printed once per run of failures). */
static int refresh(struct watch *w, bool *warned)
{
	struct jf_k8s_req req = {.verb = JF_K8S_GET,
				 .res = &jf_k8s_res_jobflows,
				 .ns = ctl_namespace(w->c),
				 .name = w->name,
				 .max_retries = 0};
	struct jf_k8s_response resp;
	int err = jf_k8s_do(w->c->client, &req, &resp);

	if (!err) {
		take(w, resp.body);
		resp.body = NULL;
		*warned = false;
	} else if (err != -JF_ENOTFOUND && !*warned) {
		fprintf(w->c->err, "%s: cannot read flow '%s': %s (retrying)\n",
			w->c->prog, w->subject, jf_errmsg_or(&resp.msg, err));
		*warned = true;
	}
	jf_k8s_response_release(&resp);
	return err == -JF_ENOTFOUND ? 1 : err ? -1 : 0;
}

/* What a non-terminal reader sees change: spec, status, annotations. */
static cJSON *visible(const cJSON *flow)
{
	cJSON *v = cJSON_CreateObject();

	if (!v)
		return NULL;
	cJSON_AddItemToObject(v, "spec", jf_json_dup(jf_json_at(flow, "spec")));
	cJSON_AddItemToObject(v, "status",
			      jf_json_dup(jf_json_at(flow, "status")));
	cJSON_AddItemToObject(
		v, "annotations",
		jf_json_dup(jf_json_at(flow, "metadata.annotations")));
	return v;
}

static int draw(struct watch *w)
{
	struct ctl *c = w->c;
	int64_t now = c->fixed_now ? c->now_ms : jf_now_ms();
	struct jf_buf b;
	cJSON *v = NULL;
	int rc;

	if (!c->tty) {
		v = visible(w->flow);
		if (w->shown && jf_json_equal(w->shown, v)) {
			cJSON_Delete(v);
			return CTL_OK;
		}
	}
	jf_buf_init(&b, 0);
	if (c->tty)
		jf_buf_puts(&b, "\033[H\033[2J");
	else if (w->shown)
		jf_buf_putc(&b, '\n');
	rc = ctl_tree_render(w->flow, &c->style, now, &b);
	if (!rc)
		rc = ctl_write(c, c->out, &b);
	jf_buf_release(&b);
	if (v) {
		cJSON_Delete(w->shown);
		w->shown = v;
	}
	return rc ? CTL_FAIL : CTL_OK;
}

static void watch_help(struct ctl *c)
{
	fprintf(c->out,
		"Follow a JobFlow live until it finishes.\n\n"
		"Usage:\n  jobflowctl watch NAME\n\n"
		"Draws the `get` tree again whenever the flow changes (on a "
		"terminal, every\nsecond). Exit status: 0 when the flow "
		"Succeed, 1 when it Failed or was\ndeleted.\n");
}

static int loop(struct watch *w)
{
	struct event_base *base = jf_k8s_client_base(w->c->client);
	struct timeval one = {1, 0};
	struct event *tick = event_new(base, -1, EV_PERSIST, on_tick, w);
	bool warned = false, need_get = false;
	int rc = CTL_FAIL;

	if (!tick || event_add(tick, &one))
		goto out;
	for (;;) {
		const char *phase;

		if (w->changed || (w->tick && w->c->tty)) {
			w->changed = false;
			if (draw(w))
				goto out;
		}
		phase = jf_json_str(w->flow, "status.state.phase", "");
		if (ctl_flow_terminal(phase)) {
			rc = strcmp(phase, "Succeed") ? CTL_FAIL : CTL_OK;
			goto out;
		}
		if (w->deleted) {
			rc = ctl_fail(w->c, "cannot watch flow", w->subject,
				      "the flow was deleted");
			goto out;
		}
		if (!w->call && need_get && w->tick) {
			/* the stream ended: read the flow again (at most
			 * once a second), then watch from there */
			int r = refresh(w, &warned);

			w->deleted = r == 1;
			need_get = r != 0;
			w->tick = false;
			continue;
		}
		if (!w->call && !need_get && start_watch(w))
			need_get = true;
		w->tick = false;
		if (event_base_loop(base, EVLOOP_ONCE) < 0)
			goto out;
		if (w->stream_done) {
			w->stream_done = false;
			need_get = true;
		}
	}
out:
	if (w->call)
		jf_k8s_cancel(w->call);
	if (tick)
		event_free(tick);
	return rc;
}

int ctl_cmd_watch(struct ctl *c, int argc, char **argv)
{
	char **pos = calloc((size_t)argc + 1, sizeof(char *));
	struct watch w = {.c = c};
	bool help;
	int npos, rc;

	if (!pos)
		return CTL_FAIL;
	rc = ctl_args(c, argc, argv, NULL, NULL, NULL, pos, &npos, &help);
	if (!rc && help) {
		watch_help(c);
		free(pos);
		return CTL_OK;
	}
	rc = ctl_one_arg(c, rc, npos, "flow name");
	if (!rc)
		rc = ctl_get_flow(c, pos[0], &w.flow);
	if (!rc) {
		w.name = pos[0];
		snprintf(w.subject, sizeof(w.subject), "%s/%s",
			 ctl_namespace(c), pos[0]);
		snprintf(w.rv, sizeof(w.rv), "%s",
			 jf_json_str(w.flow, "metadata.resourceVersion", ""));
		w.changed = true;
		rc = loop(&w);
	}
	cJSON_Delete(w.flow);
	cJSON_Delete(w.shown);
	free(pos);
	return rc;
}
