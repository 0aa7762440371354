/* get.c - `jobflowctl get NAME [-o json|yaml]` (one flow as a tree or as
 * the object) and `jobflowctl list [-A]` (a table of flows). */
#include "ctl/ctl.h"

#include <stdlib.h>
#include <string.h>

#include "jf_json.h"
#include "jf_time.h"
#include "jf_yaml_emit.h"

enum {
	OPT_OUTPUT = 1,
	OPT_ALL
};

static const struct ctl_opt get_opts[] = {
	{"output", 'o', true, OPT_OUTPUT},
	{NULL, 0, false, 0},
};

static const struct ctl_opt list_opts[] = {
	{"all-namespaces", 'A', false, OPT_ALL},
	{NULL, 0, false, 0},
};

struct get_args {
	const char *output;
	bool all;
};

static int get_opt(struct ctl *c, int id, const char *arg, void *ud)
{
	struct get_args *a = ud;

	if (id == OPT_ALL) {
		a->all = true;
		return 0;
	}
	if (strcmp(arg, "json") && strcmp(arg, "yaml"))
		return ctl_usage_error(
			c, NULL, "unknown output format '%s' (json, yaml)",
			arg);
	a->output = arg;
	return 0;
}

static void get_help(struct ctl *c)
{
	fprintf(c->out,
		"Show a JobFlow and its steps as a tree.\n\n"
		"Usage:\n  jobflowctl get NAME [-o json|yaml]\n\n"
		"Flags:\n"
		"  -o, --output FORMAT   print the object as json or yaml "
		"instead\n\n"
		"The tree lists every step in dependency order with its "
		"phase, template,\nattempts, duration and current Job; failed "
		"attempts and forEach iterations\nare its children. MESSAGE "
		"tells the next retry, iteration counts, the\nselected switch "
		"case, why a step was skipped or omitted and the last\n"
		"failure. JF_CTL_NOW=<RFC 3339> fixes \"now\" (a testing "
		"aid).\n");
}

int ctl_cmd_get(struct ctl *c, int argc, char **argv)
{
	struct get_args a = {0};
	char **pos = calloc((size_t)argc + 1, sizeof(char *));
	struct jf_errmsg e = {{0}};
	struct jf_buf b;
	cJSON *flow = NULL;
	bool help;
	int npos, rc;

	if (!pos)
		return CTL_FAIL;
	rc = ctl_args(c, argc, argv, get_opts, get_opt, &a, pos, &npos, &help);
	if (!rc && help) {
		get_help(c);
		free(pos);
		return CTL_OK;
	}
	rc = ctl_one_arg(c, rc, npos, "flow name");
	if (rc || (rc = ctl_get_flow(c, pos[0], &flow))) {
		free(pos);
		return rc;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(
		jf_json_at_mut(flow, "metadata"), "managedFields");
	jf_buf_init(&b, 0);
	if (!a.output)
		rc = ctl_tree_render(flow, &c->style, c->now_ms, &b);
	else if (!strcmp(a.output, "json"))
		rc = ctl_json_pretty(flow, &b);
	else
		rc = jf_yaml_emit(flow, &b, &e);
	if (rc)
		rc = ctl_fail(c, "cannot print flow", pos[0], "%s",
			      jf_errmsg_or(&e, rc));
	else
		rc = ctl_write(c, c->out, &b);
	jf_buf_release(&b);
	cJSON_Delete(flow);
	free(pos);
	return rc;
}

/* --- list -------------------------------------------------------------- */

static int by_ns_name(const void *x, const void *y)
{
	const cJSON *a = *(const cJSON *const *)x,
		    *b = *(const cJSON *const *)y;
	int d = strcmp(jf_json_str(a, "metadata.namespace", ""),
		       jf_json_str(b, "metadata.namespace", ""));

	return d ? d
		 : strcmp(jf_json_str(a, "metadata.name", ""),
			  jf_json_str(b, "metadata.name", ""));
}

static void list_help(struct ctl *c)
{
	fprintf(c->out,
		"List JobFlows: name, status, steps done/total and age.\n\n"
		"Usage:\n  jobflowctl list [-A]\n\n"
		"Flags:\n"
		"  -A, --all-namespaces   every namespace (adds a NAMESPACE "
		"column)\n\n"
		"STEPS counts steps Succeeded or Skipped.\n");
}

enum {
	L_NS,
	L_NAME,
	L_STATUS,
	L_STEPS,
	L_AGE,
	LCOLS
};

static int print_list(struct ctl *c, const cJSON *items, bool all)
{
	static const char *const heads[LCOLS] = {"NAMESPACE", "NAME", "STATUS",
						 "STEPS", "AGE"};
	int n = cJSON_GetArraySize(items), i = 0, w[LCOLS], rc;
	const cJSON **v = calloc((size_t)n + 1, sizeof(*v)), *it;
	char(*cells)[LCOLS][128] = calloc((size_t)n + 1, sizeof(*cells));
	struct jf_buf b;

	if (!v || !cells) {
		free(v);
		free(cells);
		return CTL_FAIL;
	}
	cJSON_ArrayForEach (it, items) {
		v[i++] = it;
	}
	qsort(v, (size_t)n, sizeof(*v), by_ns_name);
	for (int k = 0; k < LCOLS; k++)
		w[k] = (int)strlen(heads[k]);
	for (i = 0; i < n; i++) {
		int64_t created = -1;
		int done, total;

		ctl_flow_progress(v[i], &done, &total);
		snprintf(cells[i][L_NS], 128, "%s",
			 jf_json_str(v[i], "metadata.namespace", ""));
		snprintf(cells[i][L_NAME], 128, "%s",
			 jf_json_str(v[i], "metadata.name", ""));
		snprintf(cells[i][L_STATUS], 128, "%s",
			 jf_json_str(v[i], "status.state.phase", "<none>"));
		snprintf(cells[i][L_STEPS], 128, "%d/%d", done, total);
		if (jf_time_parse(
			    jf_json_str(v[i], "metadata.creationTimestamp", ""),
			    &created) == 0)
			ctl_fmt_dur(c->now_ms - created, cells[i][L_AGE], 128);
		else
			snprintf(cells[i][L_AGE], 128, "<unknown>");
		for (int k = 0; k < LCOLS; k++) {
			int l = (int)strlen(cells[i][k]);

			w[k] = l > w[k] ? l : w[k];
		}
	}
	jf_buf_init(&b, 0);
	for (int k = all ? 0 : 1; k < LCOLS; k++) {
		if (k == LCOLS - 1)
			jf_buf_printf(&b, "%s\n", heads[k]);
		else
			jf_buf_printf(&b, "%-*s   ", w[k], heads[k]);
	}
	for (i = 0; i < n; i++) {
		for (int k = all ? 0 : 1; k < LCOLS; k++) {
			const char *s = cells[i][k];

			if (k == L_STATUS)
				ctl_colored(&c->style, &b,
					    ctl_phase_color(ctl_phase_of(s)),
					    s);
			else
				jf_buf_puts(&b, s);
			if (k < LCOLS - 1)
				jf_buf_printf(&b, "%*s",
					      w[k] - (int)strlen(s) + 3, "");
		}
		jf_buf_putc(&b, '\n');
	}
	rc = ctl_write(c, c->out, &b);
	jf_buf_release(&b);
	free(cells);
	free(v);
	return rc;
}

int ctl_cmd_list(struct ctl *c, int argc, char **argv)
{
	struct get_args a = {0};
	char **pos = calloc((size_t)argc + 1, sizeof(char *));
	struct jf_k8s_req req = {.verb = JF_K8S_LIST,
				 .res = &jf_k8s_res_jobflows,
				 .max_retries = -1};
	struct jf_k8s_response resp;
	bool help;
	int npos, rc, err;

	if (!pos)
		return CTL_FAIL;
	rc = ctl_args(c, argc, argv, list_opts, get_opt, &a, pos, &npos, &help);
	free(pos);
	if (!rc && help) {
		list_help(c);
		return CTL_OK;
	}
	if (!rc && npos)
		rc = ctl_usage_error(c, NULL, "list takes no arguments");
	if (rc || (rc = ctl_connect(c)))
		return rc;
	req.ns = a.all ? NULL : ctl_namespace(c);
	err = jf_k8s_do(c->client, &req, &resp);
	if (err) {
		rc = ctl_fail(c, "cannot list flows in",
			      a.all ? "all namespaces" : req.ns, "%s",
			      resp.code && resp.status.message &&
					      *resp.status.message
				      ? resp.status.message
				      : jf_errmsg_or(&resp.msg, err));
		jf_k8s_response_release(&resp);
		return rc;
	}
	if (cJSON_GetArraySize(jf_json_at(resp.body, "items")) == 0) {
		if (a.all)
			fprintf(c->err, "No flows found.\n");
		else
			fprintf(c->err, "No flows found in %s namespace.\n",
				req.ns);
		rc = CTL_OK;
	} else {
		rc = print_list(c, jf_json_at(resp.body, "items"), a.all);
	}
	jf_k8s_response_release(&resp);
	return rc;
}
