/* kube.c - jobflowctl's connection to the API server: configuration
 * search, namespace resolution, and reading one flow. */
#include "ctl/ctl.h"

#include <stdio.h>
#include <string.h>

#include "jf_json.h"

int ctl_connect(struct ctl *c)
{
	struct jf_errmsg e = {{0}};
	int err;

	if (c->client)
		return CTL_OK;
	err = jf_k8s_config_auto(c->kubeconfig, c->context, &c->cfg, &e);
	if (err)
		return ctl_fail(c, "cannot load configuration",
				c->kubeconfig ? c->kubeconfig : "kubeconfig",
				"%s", jf_errmsg_or(&e, err));
	/* a person is waiting: fewer retries than a controller */
	c->cfg.max_retries = 2;
	c->cfg.timeout_ms = 20000;
	c->cfg.connect_timeout_ms = 5000;
	c->cfg.user_agent = "jobflowctl/0.1";
	err = jf_k8s_client_new(NULL, &c->cfg, &c->client, &e);
	if (err)
		return ctl_fail(c, "cannot connect to",
				c->cfg.server ? c->cfg.server : "server", "%s",
				jf_errmsg_or(&e, err));
	return CTL_OK;
}

const char *ctl_namespace(const struct ctl *c)
{
	if (c->ns && *c->ns)
		return c->ns;
	if (c->cfg.namespace && *c->cfg.namespace)
		return c->cfg.namespace;
	return "default";
}

int ctl_get_flow(struct ctl *c, const char *name, cJSON **out)
{
	struct jf_k8s_req req = {.verb = JF_K8S_GET,
				 .res = &jf_k8s_res_jobflows,
				 .name = name,
				 .max_retries = -1};
	struct jf_k8s_response resp;
	char subject[512];
	int err;

	*out = NULL;
	if (ctl_connect(c))
		return CTL_FAIL;
	req.ns = ctl_namespace(c);
	snprintf(subject, sizeof(subject), "%s/%s", req.ns, name);
	err = jf_k8s_do(c->client, &req, &resp);
	if (err) {
		const char *why =
			resp.code && resp.status.message && *resp.status.message
				? resp.status.message
				: jf_errmsg_or(&resp.msg, err);

		if (err == -JF_ENOTFOUND)
			why = "not found";
		ctl_fail(c, "cannot get flow", subject, "%s", why);
		jf_k8s_response_release(&resp);
		return CTL_FAIL;
	}
	*out = resp.body;
	resp.body = NULL;
	jf_k8s_response_release(&resp);
	return CTL_OK;
}
