/* names.c - the engine's small public helpers: Job names, the templates a
 * flow uses, JobTemplate status and the validation entry point. */
#include "eng.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"
#include "jf_time.h"

int jf_engine_job_name(char *buf, size_t cap, const char *flow,
		       const char *step, int iteration, int attempt)
{
	char it[16] = "", at[16] = "";
	int n;

	if (iteration >= 0)
		snprintf(it, sizeof(it), "-%d", iteration);
	if (attempt > 0)
		snprintf(at, sizeof(at), "-r%d", attempt);
	n = snprintf(buf, cap, "%s-%s%s%s", flow ? flow : "", step ? step : "",
		     it, at);
	return n < 0 ? 0 : n;
}

static int add_unique(cJSON *names, const char *name)
{
	const cJSON *x;

	if (!name || !*name)
		return 0;
	cJSON_ArrayForEach (x, names) {
		if (cJSON_IsString(x) && strcmp(x->valuestring, name) == 0)
			return 0;
	}
	return cJSON_AddItemToArray(names, cJSON_CreateString(name)) ? 0
								     : -ENOMEM;
}

int jf_engine_flow_templates(const cJSON *flow, cJSON *names)
{
	const cJSON *st, *c;

	if (!cJSON_IsArray(names))
		return -EINVAL;
	cJSON_ArrayForEach (st, jf_json_at(flow, "spec.flows")) {
		const char *name = jf_json_str(st, "name", "");
		const char *tmpl = jf_json_str(st, "jobTemplate", "");
		const cJSON *sw =
			cJSON_GetObjectItemCaseSensitive(st, "switch");
		bool own = !sw; /* an invalid switch uses no template */
		int err;

		cJSON_ArrayForEach (c, jf_eng_arr(sw)) {
			const char *ct = jf_json_str(c, "jobTemplate", "");

			if (!*ct) {
				own = true;
				continue;
			}
			err = add_unique(names, ct);
			if (err)
				return err;
		}
		if (own) {
			err = add_unique(names, *tmpl ? tmpl : name);
			if (err)
				return err;
		}
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

cJSON *jf_engine_template_status(const cJSON *template, const cJSON *jobs)
{
	const char *ns = jf_json_str(template, "metadata.namespace", "");
	const char *name = jf_json_str(template, "metadata.name", "");
	cJSON *out = cJSON_CreateObject(), *list;
	const char **found = NULL;
	const cJSON *j;
	char *want = NULL;
	size_t n = 0;

	if (!out)
		return NULL;
	list = cJSON_AddArrayToObject(out, "jobDependsOnList");
	if (!list || asprintf(&want, "%s.%s", *ns ? ns : "default", name) < 0)
		goto oom;
	found = calloc((size_t)cJSON_GetArraySize(jobs) + 1, sizeof(*found));
	if (!found)
		goto oom;
	cJSON_ArrayForEach (j, jf_eng_arr(jobs)) {
		const cJSON *meta =
			cJSON_GetObjectItemCaseSensitive(j, "metadata");
		const cJSON *labels =
			cJSON_GetObjectItemCaseSensitive(meta, "labels");
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(
			labels, JF_LABEL_CREATED_BY_TEMPLATE);
		const char *jn = jf_json_str(meta, "name", "");
		const char *jns = jf_json_str(meta, "namespace", "");

		if (!cJSON_IsString(v) || strcmp(v->valuestring, want) != 0 ||
		    !*jn)
			continue;
		if (*jns && strcmp(jns, *ns ? ns : "default") != 0)
			continue;
		found[n++] = jn;
	}
	qsort(found, n, sizeof(*found), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (i && strcmp(found[i], found[i - 1]) == 0)
			continue;
		if (!cJSON_AddItemToArray(list, cJSON_CreateString(found[i])))
			goto oom;
	}
	free(found);
	free(want);
	return out;
oom:
	free(found);
	free(want);
	cJSON_Delete(out);
	return NULL;
}

cJSON *jf_engine_validate(const cJSON *flow, const cJSON *templates,
			  const struct jf_engine_opts *opts)
{
	struct jf_eng_flow f;
	cJSON *out, *x;

	if (!cJSON_IsObject(flow)) {
		out = cJSON_CreateArray();
		x = cJSON_CreateObject();
		if (!out || !x || !cJSON_AddItemToArray(out, x)) {
			cJSON_Delete(out);
			cJSON_Delete(x);
			return NULL;
		}
		cJSON_AddNullToObject(x, "step");
		cJSON_AddStringToObject(x, "path", "");
		cJSON_AddStringToObject(x, "message",
					"expected a JobFlow object");
		return out;
	}
	if (jf_eng_flow_load(&f, flow, templates, opts)) {
		jf_eng_flow_release(&f);
		return NULL;
	}
	out = f.errors;
	f.errors = NULL;
	while ((x = cJSON_DetachItemFromArray(f.tmpl_errors, 0)) != NULL)
		cJSON_AddItemToArray(out, x);
	jf_eng_flow_release(&f);
	return out;
}

int jf_engine_list_digest(const cJSON *list, char *buf, size_t cap)
{
	uint64_t h = JF_FNV_OFFSET;
	const cJSON *x;
	int n = 0;

	cJSON_ArrayForEach (x, list) {
		const char *v = cJSON_IsString(x) ? x->valuestring : "";

		h = jf_fnv1a(h, v, strlen(v) + 1); /* the NUL separates */
		n++;
	}
	return snprintf(buf, cap, "%d:%016llx", n, (unsigned long long)h);
}
