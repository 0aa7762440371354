/* sync.c - the synchronous wrapper: a request on a client with a private
 * event base, run until it completes, and the CRUD helpers over it. */
#include "k8s_client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"

struct sync_ctx {
	bool done;
	struct jf_k8s_response resp;
};

static void sync_done(struct jf_k8s_response *r, void *arg)
{
	struct sync_ctx *s = arg;

	s->resp = *r;
	r->body = NULL; /* moved; status strings still point into it */
	r->text = NULL;
	s->done = true;
}

int jf_k8s_do(struct jf_k8s_client *c, const struct jf_k8s_req *req,
	      struct jf_k8s_response *resp)
{
	struct sync_ctx s;
	struct jf_k8s_call *call;
	int err;

	memset(resp, 0, sizeof(*resp));
	memset(&s, 0, sizeof(s));
	if (!c || !c->own_base) {
		resp->err = -EINVAL;
		jf_errf(&resp->msg, -EINVAL,
			"synchronous request on a client without a private event base");
		return resp->err;
	}
	err = jf_k8s_submit(c, req, sync_done, &s, &call);
	if (err) {
		resp->err = err;
		jf_errf(&resp->msg, err, "invalid request");
		return err;
	}
	while (!s.done) {
		/* -1: re-entered from a callback on this base; 1: nothing
		 * left to wait for (cannot happen with a live call). */
		if (event_base_loop(c->base, EVLOOP_ONCE) != 0 && !s.done) {
			jf_k8s_cancel(call);
			resp->err = -EDEADLK;
			jf_errf(&resp->msg, -EDEADLK,
				"synchronous request inside the client's own loop");
			return resp->err;
		}
	}
	*resp = s.resp;
	return resp->err;
}

static int finish(struct jf_k8s_response *r, cJSON **out, struct jf_errmsg *e)
{
	int err = r->err;

	if (out) {
		*out = err ? NULL : r->body;
		if (!err)
			r->body = NULL;
	}
	if (err && e)
		*e = r->msg;
	jf_k8s_response_release(r);
	return err;
}

int jf_k8s_get(struct jf_k8s_client *c, const struct jf_k8s_resource *res,
	       const char *ns, const char *name, cJSON **out,
	       struct jf_errmsg *e)
{
	struct jf_k8s_req q = {.verb = JF_K8S_GET,
			       .res = res,
			       .ns = ns,
			       .name = name,
			       .max_retries = -1};
	struct jf_k8s_response r;

	jf_k8s_do(c, &q, &r);
	return finish(&r, out, e);
}

int jf_k8s_list(struct jf_k8s_client *c, const struct jf_k8s_resource *res,
		const char *ns, const struct jf_k8s_opts *opts, cJSON **out,
		struct jf_errmsg *e)
{
	struct jf_k8s_req q = {
		.verb = JF_K8S_LIST, .res = res, .ns = ns, .max_retries = -1};
	struct jf_k8s_response r;

	if (opts)
		q.opts = *opts;
	jf_k8s_do(c, &q, &r);
	return finish(&r, out, e);
}

static int send_obj(struct jf_k8s_client *c, struct jf_k8s_req *q,
		    const cJSON *obj, cJSON **out, struct jf_errmsg *e)
{
	struct jf_k8s_response r;
	char *body = jf_json_print(obj);

	if (out)
		*out = NULL;
	if (!body)
		return -ENOMEM;
	q->body = body;
	jf_k8s_do(c, q, &r);
	free(body);
	return finish(&r, out, e);
}

int jf_k8s_create(struct jf_k8s_client *c, const struct jf_k8s_resource *res,
		  const char *ns, const cJSON *obj, cJSON **out,
		  struct jf_errmsg *e)
{
	struct jf_k8s_req q = {
		.verb = JF_K8S_CREATE, .res = res, .ns = ns, .max_retries = -1};

	return send_obj(c, &q, obj, out, e);
}

int jf_k8s_update(struct jf_k8s_client *c, const struct jf_k8s_resource *res,
		  const char *ns, const cJSON *obj, const char *subresource,
		  cJSON **out, struct jf_errmsg *e)
{
	struct jf_k8s_req q = {.verb = JF_K8S_UPDATE,
			       .res = res,
			       .ns = ns,
			       .subresource = subresource,
			       .max_retries = -1};

	q.name = jf_json_str(obj, "metadata.name", NULL);
	if (!q.name) {
		if (out)
			*out = NULL;
		return jf_errf(e, -EINVAL,
			       "update: object has no metadata.name");
	}
	return send_obj(c, &q, obj, out, e);
}

int jf_k8s_patch(struct jf_k8s_client *c, const struct jf_k8s_resource *res,
		 const char *ns, const char *name, const char *subresource,
		 enum jf_k8s_patch_type type, const char *patch, cJSON **out,
		 struct jf_errmsg *e)
{
	struct jf_k8s_req q = {.verb = JF_K8S_PATCH,
			       .res = res,
			       .ns = ns,
			       .name = name,
			       .subresource = subresource,
			       .patch_type = type,
			       .body = patch,
			       .max_retries = -1};
	struct jf_k8s_response r;

	jf_k8s_do(c, &q, &r);
	return finish(&r, out, e);
}

int jf_k8s_delete(struct jf_k8s_client *c, const struct jf_k8s_resource *res,
		  const char *ns, const char *name, const char *policy,
		  struct jf_errmsg *e)
{
	struct jf_k8s_req q = {.verb = JF_K8S_DELETE,
			       .res = res,
			       .ns = ns,
			       .name = name,
			       .max_retries = -1};
	struct jf_k8s_response r;
	char body[96];

	if (policy && *policy) {
		if (strlen(policy) > 32)
			return jf_errf(e, -EINVAL, "bad propagation policy");
		snprintf(
			body, sizeof(body),
			"{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"propagationPolicy\":\"%s\"}",
			policy);
		q.body = body;
	}
	jf_k8s_do(c, &q, &r);
	return finish(&r, NULL, e);
}
