/* render.c - `jobflowctl render -f FLOW [-t TEMPLATES]... [--param k=v]...`:
 * the Jobs a flow would create, as multi-document YAML. The engine is
 * driven offline: reconcile with no Jobs, feed every planned Job back as
 * Completed, reconcile again, until nothing new is planned. So patches,
 * forEach and {{ }} come out exactly as the controller would make them,
 * and conditions on runtime outcomes are judged as if every step
 * succeeded (the output says so). */
#include "ctl/ctl.h"

#include <stdlib.h>
#include <string.h>

#include "jf_engine.h"
#include "jf_json.h"
#include "jf_time.h"
#include "jf_yaml_emit.h"

#define RENDER_MAX_ROUNDS 100000 /* every round creates at least one Job */
#define RENDER_UID	  "<uid of the JobFlow>"

enum {
	OPT_FILE = 1,
	OPT_TEMPLATES,
	OPT_PARAM,
	OPT_FLOW
};

static const struct ctl_opt render_opts[] = {
	{"filename", 'f', true, OPT_FILE},
	{"templates", 't', true, OPT_TEMPLATES},
	{"param", 'p', true, OPT_PARAM},
	{"flow", 0, true, OPT_FLOW},
	{NULL, 0, false, 0},
};

struct render_args {
	const char *file;
	const char *flow;
	const char **tfiles;
	int ntfiles;
	cJSON *params; /* [{name, value}] from --param, in order */
};

static int render_opt(struct ctl *c, int id, const char *arg, void *ud)
{
	struct render_args *a = ud;
	const char **v;

	switch (id) {
	case OPT_FILE:
		if (a->file)
			return ctl_usage_error(c, NULL,
					       "flag '-f' given twice (use -t "
					       "for more files)");
		a->file = arg;
		return 0;
	case OPT_FLOW:
		a->flow = arg;
		return 0;
	case OPT_TEMPLATES:
		v = realloc(a->tfiles, (size_t)(a->ntfiles + 1) * sizeof(*v));
		if (!v)
			return CTL_FAIL;
		a->tfiles = v;
		v[a->ntfiles++] = arg;
		return 0;
	default: {
		const char *eq = strchr(arg, '=');
		struct jf_errmsg e = {{0}};
		cJSON *p, *val = NULL;
		char *name;

		if (!eq || eq == arg)
			return ctl_usage_error(
				c, NULL, "--param '%s': expected name=value",
				arg);
		/* YAML or JSON when it parses as such, else the text */
		if (jf_yaml_load_one(eq + 1, strlen(eq + 1), "--param", &val,
				     &e) ||
		    !val)
			val = cJSON_CreateString(eq + 1);
		name = strndup(arg, (size_t)(eq - arg));
		if (!a->params)
			a->params = cJSON_CreateArray();
		p = cJSON_CreateObject();
		if (!name || !val || !a->params || !p ||
		    !cJSON_AddStringToObject(p, "name", name) ||
		    !cJSON_AddItemToObject(p, "value", val) ||
		    !cJSON_AddItemToArray(a->params, p)) {
			free(name);
			return CTL_FAIL;
		}
		free(name);
		return 0;
	}
	}
}

static void render_help(struct ctl *c)
{
	fprintf(c->out,
		"Print the Jobs a JobFlow would create, as YAML, offline.\n\n"
		"Usage:\n  jobflowctl render -f FLOW_FILE [-t TEMPLATE_FILE]... "
		"[--param NAME=VALUE]...\n\n"
		"Flags:\n"
		"  -f, --filename FILE   the flow (templates in it are used "
		"too; - for stdin)\n"
		"  -t, --templates FILE  more JobTemplates (repeatable)\n"
		"  -p, --param N=V       override spec.params N; V is read as "
		"YAML/JSON, else\n"
		"                        as a string (repeatable)\n"
		"      --flow NAME       the flow to render when the file "
		"holds several\n\n"
		"Patches, forEach and {{ }} are applied as the controller "
		"would. Conditions\non runtime outcomes (steps.x.phase ...) "
		"are evaluated as if every step\nsucceeded; skipped steps "
		"are listed in a comment at the top.\n");
}

/* Replaces or appends spec.params entries by name. */
static int apply_params(cJSON *flow, const cJSON *params)
{
	cJSON *spec = jf_json_obj(flow, "spec"), *list, *p, *q;

	if (!spec)
		return -1;
	list = cJSON_GetObjectItemCaseSensitive(spec, "params");
	if (!cJSON_IsArray(list)) {
		list = cJSON_CreateArray();
		if (!list || jf_json_set(spec, "params", list))
			return -1;
	}
	cJSON_ArrayForEach (p, params) {
		const char *name = jf_json_str(p, "name", "");
		cJSON *val = jf_json_dup(cJSON_GetObjectItem(p, "value"));
		bool found = false;

		if (!val)
			return -1;
		cJSON_ArrayForEach (q, list) {
			if (!found &&
			    !strcmp(jf_json_str(q, "name", ""), name)) {
				found = true;
				if (jf_json_set(q, "value", val))
					return -1;
				val = NULL;
			}
		}
		if (val) {
			cJSON *o = cJSON_CreateObject();

			if (!o || !cJSON_AddStringToObject(o, "name", name) ||
			    !cJSON_AddItemToObject(o, "value", val) ||
			    !cJSON_AddItemToArray(list, o)) {
				cJSON_Delete(o);
				return -1;
			}
		}
	}
	return 0;
}

/* A planned Job as the simulator would show it once it Completed. */
static cJSON *completed(const cJSON *job, int64_t now)
{
	cJSON *j = jf_json_dup(job), *st, *state, *meta;
	char ts[40];

	if (!j)
		return NULL;
	jf_time_format(now, ts, sizeof(ts));
	meta = jf_json_obj(j, "metadata");
	st = cJSON_CreateObject();
	state = cJSON_AddObjectToObject(st, "state");
	if (!meta || !state || jf_json_set_str(meta, "creationTimestamp", ts) ||
	    jf_json_set_str(state, "phase", "Completed") ||
	    jf_json_set_str(state, "lastTransitionTime", ts) ||
	    jf_json_set_int(st, "retryCount", 0) ||
	    jf_json_set_str(st, "runningDuration", "0s") ||
	    jf_json_set(j, "status", st)) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

static bool mentions_steps(const cJSON *flow)
{
	const cJSON *s, *c;

	cJSON_ArrayForEach (s, jf_json_at(flow, "spec.flows")) {
		if (strstr(jf_json_str(s, "when", ""), "steps."))
			return true;
		cJSON_ArrayForEach (c, jf_json_at(s, "switch")) {
			if (strstr(jf_json_str(c, "when", ""), "steps."))
				return true;
		}
	}
	return false;
}

/* Runs the engine until nothing new is planned; fills jobs (the Jobs to
 * print) and returns the final status (caller frees) or NULL. */
static cJSON *simulate(struct ctl *c, cJSON *flow, const cJSON *tpl,
		       cJSON *jobs, const char *subject)
{
	struct jf_engine_input in = {.templates = tpl};
	cJSON *seen = cJSON_CreateArray(), *status = NULL, *j;
	int64_t now = c->now_ms;
	struct jf_errmsg e = {{0}};

	for (int round = 0; seen && round < RENDER_MAX_ROUNDS; round++) {
		struct jf_plan plan;
		int err, made = 0;

		in.flow = flow;
		in.jobs = seen;
		in.now_ms = now;
		err = jf_engine_reconcile(&in, &plan, &e);
		if (err) {
			ctl_fail(c, "cannot render flow", subject, "%s",
				 jf_errmsg_or(&e, err));
			goto fail;
		}
		if (plan.status) {
			cJSON_Delete(status);
			status = jf_json_dup(plan.status);
			if (!status || jf_json_set(flow, "status",
						   jf_json_dup(plan.status))) {
				jf_plan_release(&plan);
				goto oom;
			}
		}
		cJSON_ArrayForEach (j, plan.creates) {
			cJSON *done = completed(j, now);

			if (!done || !cJSON_AddItemToArray(seen, done) ||
			    !cJSON_AddItemToArray(jobs, jf_json_dup(j))) {
				cJSON_Delete(done);
				jf_plan_release(&plan);
				goto oom;
			}
			made++;
		}
		jf_plan_release(&plan);
		if (!made)
			break;
		now += 1000;
	}
	cJSON_Delete(seen);
	if (!status)
		status = cJSON_CreateObject();
	return status;
oom:
	ctl_fail(c, "cannot render flow", subject, "out of memory");
fail:
	cJSON_Delete(seen);
	cJSON_Delete(status);
	return NULL;
}

static int pick(struct ctl *c, const struct ctl_docs *d, const char *file,
		const char *want, const struct ctl_doc **out)
{
	for (int i = 0; i < d->nflows; i++) {
		const char *n =
			jf_json_str(d->flows[i].y->json, "metadata.name", "");

		if (!strcmp(d->flows[i].file, file) &&
		    (want ? !strcmp(n, want) : true)) {
			if (*out && !want)
				return ctl_fail(c, "cannot render", file,
						"it holds several flows: "
						"choose one with --flow");
			*out = &d->flows[i];
		}
	}
	if (!*out)
		return want ? ctl_fail(c, "cannot render", file,
				       "no JobFlow '%s' in it", want)
			    : ctl_fail(c, "cannot render", file,
				       "no JobFlow in it");
	return CTL_OK;
}

static void header(const cJSON *flow, const cJSON *status, struct jf_buf *b)
{
	const cJSON *s;

	jf_buf_printf(b,
		      "# Jobs that JobFlow '%s' would create, rendered "
		      "offline by jobflowctl.\n",
		      jf_json_str(flow, "metadata.name", ""));
	if (mentions_steps(flow))
		jf_buf_puts(b, "# Conditions on runtime outcomes (steps.*) "
			       "were evaluated as if every step\n"
			       "# succeeded.\n");
	cJSON_ArrayForEach (s, jf_json_at(status, "stepStatuses")) {
		const char *ph = jf_json_str(s, "phase", "");

		if (strcmp(ph, "Skipped") && strcmp(ph, "Omitted"))
			continue;
		jf_buf_printf(b, "# step '%s' is %s",
			      jf_json_str(s, "name", ""), ph);
		if (*jf_json_str(s, "message", ""))
			jf_buf_printf(b, ": %s", jf_json_str(s, "message", ""));
		jf_buf_putc(b, '\n');
	}
}

int ctl_cmd_render(struct ctl *c, int argc, char **argv)
{
	struct render_args a = {0};
	char **pos = calloc((size_t)argc + 1, sizeof(char *));
	struct ctl_docs d = {0};
	const struct ctl_doc *doc = NULL;
	cJSON *flow = NULL, *tpl = NULL, *errs = NULL, *jobs = NULL;
	cJSON *status = NULL;
	struct jf_errmsg e = {{0}};
	char subject[300];
	struct jf_buf b;
	bool help;
	int npos, rc, err;

	jf_buf_init(&b, 0);
	if (!pos)
		return CTL_FAIL;
	rc = ctl_args(c, argc, argv, render_opts, render_opt, &a, pos, &npos,
		      &help);
	if (!rc && help) {
		render_help(c);
		goto out;
	}
	if (!rc && npos)
		rc = ctl_usage_error(c, NULL,
				     "unexpected argument '%s' (the flow "
				     "file goes after -f)",
				     pos[0]);
	if (!rc && !a.file)
		rc = ctl_usage_error(c, NULL, "missing -f FLOW_FILE");
	if (rc || (rc = ctl_docs_load(c, &d, a.file)))
		goto out;
	for (int i = 0; i < a.ntfiles; i++) {
		if ((rc = ctl_docs_load(c, &d, a.tfiles[i])))
			goto out;
	}
	if ((rc = pick(c, &d, a.file, a.flow, &doc)))
		goto out;
	snprintf(subject, sizeof(subject), "%s",
		 jf_json_str(doc->y->json, "metadata.name", ""));
	tpl = ctl_docs_templates_for(c, &d, doc);
	flow = jf_json_dup(doc->y->json);
	jobs = cJSON_CreateArray();
	if (!tpl || !flow || !jobs ||
	    (a.params && apply_params(flow, a.params))) {
		rc = ctl_fail(c, "cannot render flow", subject,
			      "out of memory");
		goto out;
	}
	errs = jf_engine_validate(flow, tpl, NULL);
	if (!errs) {
		rc = ctl_fail(c, "cannot render flow", subject,
			      "out of memory");
		goto out;
	}
	if (cJSON_GetArraySize(errs)) {
		int n = ctl_print_flow_errors(c, doc, errs);

		rc = ctl_fail(c, "cannot render flow", subject,
			      "%d error%s (see above)", n, n == 1 ? "" : "s");
		goto out;
	}
	/* what the API server would fill in */
	if (!*jf_json_str(flow, "metadata.uid", ""))
		jf_json_set_str(jf_json_obj(flow, "metadata"), "uid",
				RENDER_UID);
	if (!*jf_json_str(flow, "metadata.namespace", ""))
		jf_json_set_str(jf_json_obj(flow, "metadata"), "namespace",
				ctl_namespace(c));
	cJSON_DeleteItemFromObjectCaseSensitive(flow, "status");
	status = simulate(c, flow, tpl, jobs, subject);
	if (!status) {
		rc = CTL_FAIL;
		goto out;
	}
	header(flow, status, &b);
	err = jf_yaml_emit_docs(jobs, &b, &e);
	if (err)
		rc = ctl_fail(c, "cannot render flow", subject, "%s",
			      jf_errmsg_or(&e, err));
	else
		rc = ctl_write(c, c->out, &b);
out:
	jf_buf_release(&b);
	ctl_docs_release(&d);
	cJSON_Delete(a.params);
	free(a.tfiles);
	cJSON_Delete(flow);
	cJSON_Delete(tpl);
	cJSON_Delete(errs);
	cJSON_Delete(jobs);
	cJSON_Delete(status);
	free(pos);
	return rc;
}
