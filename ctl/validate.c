/* validate.c - `jobflowctl validate FILE...`: offline check of every
 * JobFlow in the files against the JobTemplates found in them (SPEC
 * §3.7), printed as "file:line: step: message". */
#include "ctl/ctl.h"

#include <stdlib.h>
#include <string.h>

#include "jf_engine.h"
#include "jf_json.h"

static void validate_help(struct ctl *c)
{
	fprintf(c->out,
		"Check JobFlows against the JobTemplates in the same files, "
		"offline.\n\n"
		"Usage:\n  jobflowctl validate FILE... (- for stdin)\n\n"
		"Files hold YAML documents (JobFlows and JobTemplates, "
		"separated by ---).\nEach problem is printed as "
		"\"file:line: step: message\", YAML syntax errors as\n"
		"\"file:line:col: message\"; a summary line follows. "
		"Exit status 1 on any error.\n");
}

struct located {
	const cJSON *err;
	int line, idx;
};

static int by_line(const void *x, const void *y)
{
	const struct located *a = x, *b = y;

	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return a->idx - b->idx;
}

/* Prints one flow's errors in line order; returns how many. */
int ctl_print_flow_errors(struct ctl *c, const struct ctl_doc *doc,
			  const cJSON *errs)
{
	int n = cJSON_GetArraySize(errs), i = 0;
	struct located *v = calloc((size_t)n + 1, sizeof(*v));
	const cJSON *x;

	fflush(c->out);
	cJSON_ArrayForEach (x, errs) {
		int col;

		if (!v)
			break;
		v[i].err = x;
		v[i].idx = i;
		if (jf_yaml_pos_lookup(doc->y, jf_json_str(x, "path", ""),
				       &v[i].line, &col))
			v[i].line = doc->y->line;
		i++;
	}
	if (v)
		qsort(v, (size_t)n, sizeof(*v), by_line);
	for (i = 0; i < n; i++) {
		const cJSON *e = v ? v[i].err : cJSON_GetArrayItem(errs, i);
		const char *step = jf_json_str(e, "step", NULL);
		const char *file =
			strcmp(doc->file, "-") ? doc->file : "<stdin>";
		int line = v ? v[i].line : doc->y->line;

		if (step)
			fprintf(c->err, "%s:%d: %s: %s\n", file, line, step,
				jf_json_str(e, "message", ""));
		else
			fprintf(c->err, "%s:%d: %s\n", file, line,
				jf_json_str(e, "message", ""));
	}
	free(v);
	return n;
}

/* Adds to missing the templates flow uses that are not in templates. */
static void note_missing(const cJSON *flow, const cJSON *templates,
			 cJSON *missing)
{
	cJSON *names = cJSON_CreateArray();
	const cJSON *n, *m;

	if (!names || jf_engine_flow_templates(flow, names)) {
		cJSON_Delete(names);
		return;
	}
	cJSON_ArrayForEach (n, names) {
		bool seen = false;

		if (cJSON_GetObjectItemCaseSensitive(templates, n->valuestring))
			continue;
		cJSON_ArrayForEach (m, missing) {
			seen = seen || !strcmp(m->valuestring, n->valuestring);
		}
		if (!seen)
			cJSON_AddItemToArray(
				missing, cJSON_CreateString(n->valuestring));
	}
	cJSON_Delete(names);
}

int ctl_cmd_validate(struct ctl *c, int argc, char **argv)
{
	char **pos = calloc((size_t)argc + 1, sizeof(char *));
	struct ctl_docs d = {0};
	cJSON *missing = cJSON_CreateArray();
	int npos, rc, nerr = 0, bad_flows = 0, bad_files = 0;
	bool help;

	if (!pos || !missing) {
		free(pos);
		cJSON_Delete(missing);
		return CTL_FAIL;
	}
	rc = ctl_args(c, argc, argv, NULL, NULL, NULL, pos, &npos, &help);
	if (!rc && help) {
		validate_help(c);
		goto out;
	}
	if (!rc && !npos)
		rc = ctl_usage_error(c, NULL, "missing file (- for stdin)");
	if (rc)
		goto out;
	for (int i = 0; i < npos; i++) {
		if (ctl_docs_load(c, &d, pos[i]))
			bad_files++;
	}
	for (int i = 0; i < d.nflows; i++) {
		const cJSON *flow = d.flows[i].y->json;
		cJSON *tpl = ctl_docs_templates_for(c, &d, &d.flows[i]);
		cJSON *errs = tpl ? jf_engine_validate(flow, tpl, NULL) : NULL;
		int k;

		if (!errs) {
			cJSON_Delete(tpl);
			rc = ctl_fail(c, "cannot validate",
				      jf_json_str(flow, "metadata.name", ""),
				      "out of memory");
			goto out;
		}
		k = ctl_print_flow_errors(c, &d.flows[i], errs);
		nerr += k;
		bad_flows += k > 0;
		note_missing(flow, tpl, missing);
		cJSON_Delete(errs);
		cJSON_Delete(tpl);
	}
	fprintf(nerr || bad_files ? c->err : c->out,
		"%d flow%s, %d template%s: ", d.nflows,
		d.nflows == 1 ? "" : "s", d.ntemplates,
		d.ntemplates == 1 ? "" : "s");
	if (!nerr && !bad_files) {
		fprintf(c->out, d.nflows ? "ok\n" : "ok (no JobFlow found)\n");
	} else {
		const cJSON *m;

		if (nerr)
			fprintf(c->err, "%d error%s in %d flow%s", nerr,
				nerr == 1 ? "" : "s", bad_flows,
				bad_flows == 1 ? "" : "s");
		if (bad_files)
			fprintf(c->err, "%s%d file%s not loaded",
				nerr ? ", " : "", bad_files,
				bad_files == 1 ? "" : "s");
		if (cJSON_GetArraySize(missing)) {
			fprintf(c->err, "; missing templates:");
			cJSON_ArrayForEach (m, missing) {
				fprintf(c->err, "%s %s",
					m == missing->child ? "" : ",",
					m->valuestring);
			}
		}
		fputc('\n', c->err);
		rc = CTL_FAIL;
	}
out:
	ctl_docs_release(&d);
	cJSON_Delete(missing);
	free(pos);
	return rc;
}
