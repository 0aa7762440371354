/* retry.c - `jobflowctl retry NAME [--step S]...`: asks the controller to
 * re-run the failed steps of a Failed flow through the manual-retry
 * annotation flow.volcano.sh/retry = {"id": unique, "steps": [...]}
 * (docs/jobflow-api.md). The controller acts once per id. */
#include "ctl/ctl.h"

#include <stdlib.h>
#include <string.h>

#include "jf_engine.h"
#include "jf_json.h"

enum {
	OPT_STEP = 1
};

static const struct ctl_opt retry_opts[] = {
	{"step", 's', true, OPT_STEP},
	{NULL, 0, false, 0},
};

struct retry_args {
	cJSON *steps; /* names given with --step */
};

static int retry_opt(struct ctl *c, int id, const char *arg, void *ud)
{
	struct retry_args *a = ud;

	if (!*arg)
		return ctl_usage_error(c, NULL, "flag '--step' needs a name");
	if (!a->steps)
		a->steps = cJSON_CreateArray();
	if (!a->steps ||
	    !cJSON_AddItemToArray(a->steps, cJSON_CreateString(arg)))
		return CTL_FAIL;
	return 0;
}

static void retry_help(struct ctl *c)
{
	fprintf(c->out,
		"Re-run the failed steps of a Failed JobFlow.\n\n"
		"Usage:\n  jobflowctl retry NAME [--step STEP]...\n\n"
		"Flags:\n"
		"  -s, --step STEP   retry only this failed step "
		"(repeatable; default: every\n"
		"                    failed step)\n\n"
		"Sets the annotation flow.volcano.sh/retry to "
		"{\"id\":\"<unique>\",\"steps\":[...]}.\n"
		"The controller puts those steps, and the steps omitted "
		"because of them, back\nto Waiting and records the id in "
		"status.retry.observedId, so a request is\nacted on once. "
		"A new attempt Job is created for each retried step.\n");
}

/* Checks the request against the flow; prints why not and returns
 * CTL_FAIL, or fills names with the steps that will be retried. */
static int check(struct ctl *c, const cJSON *flow, const char *subject,
		 const cJSON *want, struct jf_buf *names)
{
	const char *phase = jf_json_str(flow, "status.state.phase", "");
	const cJSON *flows = jf_json_at(flow, "spec.flows"), *s, *cond;

	cJSON_ArrayForEach (cond, jf_json_at(flow, "status.stepConditions")) {
		if (!strcmp(jf_json_str(cond, "type", ""), "InvalidSpec") &&
		    !strcmp(jf_json_str(cond, "status", ""), "True"))
			return ctl_fail(c, "cannot retry flow", subject,
					"the flow is invalid (%s); fix its "
					"spec instead",
					jf_json_str(cond, "message", ""));
	}
	if (strcmp(phase, "Failed") != 0)
		return ctl_fail(c, "cannot retry flow", subject,
				"the flow is %s; only a Failed flow can be "
				"retried",
				*phase ? phase : "not started yet");
	if (!want) {
		cJSON_ArrayForEach (s,
				    jf_json_at(flow, "status.stepStatuses")) {
			if (!strcmp(jf_json_str(s, "phase", ""), "Failed"))
				jf_buf_printf(names, "%s%s",
					      names->len ? ", " : "",
					      jf_json_str(s, "name", ""));
		}
		if (!names->len)
			return ctl_fail(c, "cannot retry flow", subject,
					"no step is Failed");
		return CTL_OK;
	}
	cJSON_ArrayForEach (s, want) {
		const char *n = s->valuestring;
		const cJSON *st = ctl_step_status(flow, n);
		const char *sp = jf_json_str(st, "phase", "Waiting");

		if (ctl_step_index(flows, n) < 0)
			return ctl_fail(c, "cannot retry step", n,
					"flow '%s' has no such step", subject);
		if (strcmp(sp, "Failed") != 0)
			return ctl_fail(c, "cannot retry step", n,
					"the step is %s; only Failed steps "
					"can be retried",
					sp);
		jf_buf_printf(names, "%s%s", names->len ? ", " : "", n);
	}
	return CTL_OK;
}

static int request(struct ctl *c, const cJSON *flow, const char *subject,
		   cJSON *steps, const char *id)
{
	struct jf_k8s_req req = {.verb = JF_K8S_PATCH,
				 .res = &jf_k8s_res_jobflows,
				 .ns = ctl_namespace(c),
				 .name = jf_json_str(flow, "metadata.name", ""),
				 .patch_type = JF_K8S_PATCH_MERGE,
				 .max_retries = -1};
	cJSON *value = cJSON_CreateObject(), *patch = cJSON_CreateObject();
	cJSON *meta = cJSON_AddObjectToObject(patch, "metadata");
	struct jf_k8s_response resp;
	char *vtext = NULL, *ptext = NULL;
	int rc = CTL_FAIL, err;

	if (!value || !meta || !cJSON_AddStringToObject(value, "id", id) ||
	    (steps && !cJSON_AddItemReferenceToObject(value, "steps", steps)))
		goto out;
	vtext = jf_json_print(value);
	/* the resourceVersion makes a concurrent change a conflict */
	if (!vtext ||
	    !cJSON_AddStringToObject(
		    meta, "resourceVersion",
		    jf_json_str(flow, "metadata.resourceVersion", "")) ||
	    !cJSON_AddStringToObject(
		    cJSON_AddObjectToObject(meta, "annotations"),
		    JF_ANNOTATION_RETRY, vtext))
		goto out;
	ptext = jf_json_print(patch);
	if (!ptext)
		goto out;
	req.body = ptext;
	err = jf_k8s_do(c->client, &req, &resp);
	if (err == -JF_ECONFLICT)
		rc = ctl_fail(c, "cannot retry flow", subject,
			      "the flow changed meanwhile; look at it again "
			      "and rerun the command");
	else if (err)
		rc = ctl_fail(c, "cannot retry flow", subject, "%s",
			      resp.code && resp.status.message &&
					      *resp.status.message
				      ? resp.status.message
				      : jf_errmsg_or(&resp.msg, err));
	else
		rc = CTL_OK;
	jf_k8s_response_release(&resp);
out:
	if (rc && !ptext)
		ctl_fail(c, "cannot retry flow", subject, "out of memory");
	free(vtext);
	free(ptext);
	cJSON_Delete(value);
	cJSON_Delete(patch);
	return rc;
}

int ctl_cmd_retry(struct ctl *c, int argc, char **argv)
{
	struct retry_args a = {0};
	char **pos = calloc((size_t)argc + 1, sizeof(char *));
	char subject[512], id[64];
	struct jf_buf names;
	cJSON *flow = NULL;
	bool help;
	int npos, rc;

	if (!pos)
		return CTL_FAIL;
	jf_buf_init(&names, 0);
	rc = ctl_args(c, argc, argv, retry_opts, retry_opt, &a, pos, &npos,
		      &help);
	if (!rc && help) {
		retry_help(c);
		goto out;
	}
	rc = ctl_one_arg(c, rc, npos, "flow name");
	if (rc || (rc = ctl_get_flow(c, pos[0], &flow)))
		goto out;
	snprintf(subject, sizeof(subject), "%s/%s", ctl_namespace(c), pos[0]);
	rc = check(c, flow, subject, a.steps, &names);
	if (rc)
		goto out;
	ctl_unique_id(id, sizeof(id));
	rc = request(c, flow, subject, a.steps, id);
	if (!rc)
		fprintf(c->out, "retry '%s' requested for flow '%s': %s\n", id,
			subject, names.data);
out:
	jf_buf_release(&names);
	cJSON_Delete(a.steps);
	cJSON_Delete(flow);
	free(pos);
	return rc;
}
