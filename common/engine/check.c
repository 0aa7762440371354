/* check.c - the validation passes of a loaded flow (SPEC §3.7): the graph
 * (targets, duplicates, cycles in linear time), Job names and label values,
 * template existence, expressions and patches. */
#include "eng.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"
#include "jf_patch.h"

#define PATH_LEN 256

/* --- graph --------------------------------------------------------------- */

static void report_cycle(struct jf_eng_flow *f, const int *walk, int from,
			 int len)
{
	size_t cap = 64, n = 0;
	char *msg = malloc(cap), path[PATH_LEN];

	if (!msg) {
		f->oom = true;
		return;
	}
	msg[0] = '\0';
	for (int i = from; i <= len; i++) {
		const char *name = f->steps[walk[i == len ? from : i]].name;
		size_t need = n + strlen(name) + 8;

		if (need > cap) {
			char *m;

			while (cap < need)
				cap *= 2;
			m = realloc(msg, cap);
			if (!m) {
				free(msg);
				f->oom = true;
				return;
			}
			msg = m;
		}
		n += (size_t)sprintf(msg + n, "%s%s", i == from ? "" : " -> ",
				     name);
	}
	snprintf(path, sizeof(path), "spec.flows[%d].dependsOn.targets",
		 walk[from]);
	jf_eng_error(f, walk[from], path, "cycle: %s", msg);
	free(msg);
}

/* Kahn's algorithm; what is left over contains cycles, found by walking
 * "depends on" edges inside the leftover (every leftover node has a
 * leftover dependency). O(V + E). */
static void topo_sort(struct jf_eng_flow *f)
{
	int n = f->nsteps, head = 0, tail = 0, ne = 0;
	int *indeg = calloc((size_t)n + 1, sizeof(int));
	int *start = calloc((size_t)n + 2, sizeof(int));
	int *order = calloc((size_t)n + 1, sizeof(int));
	int *adj, *state, *walk;

	if (!indeg || !start || !order)
		goto oom;
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < f->steps[i].ndeps; j++) {
			int d = f->steps[i].deps[j];

			if (d >= 0) {
				indeg[i]++;
				start[d + 1]++;
				ne++;
			}
		}
	}
	for (int i = 0; i < n; i++)
		start[i + 1] += start[i];
	adj = calloc((size_t)ne + 1, sizeof(int));
	if (!adj)
		goto oom;
	{
		int *fill = calloc((size_t)n + 1, sizeof(int));

		if (!fill) {
			free(adj);
			goto oom;
		}
		for (int i = 0; i < n; i++) {
			for (int j = 0; j < f->steps[i].ndeps; j++) {
				int d = f->steps[i].deps[j];

				if (d >= 0)
					adj[start[d] + fill[d]++] = i;
			}
		}
		free(fill);
	}
	for (int i = 0; i < n; i++) {
		if (!indeg[i])
			order[tail++] = i;
	}
	while (head < tail) {
		int v = order[head++];

		for (int k = start[v]; k < start[v + 1]; k++) {
			if (--indeg[adj[k]] == 0)
				order[tail++] = adj[k];
		}
	}
	free(adj);
	if (tail == n) {
		f->order = order;
		free(indeg);
		free(start);
		return;
	}
	free(order);
	/* indeg[v] > 0 marks the leftover; state 0 new, 1 on walk, 2 done */
	state = calloc((size_t)n + 1, sizeof(int));
	walk = calloc((size_t)n + 1, sizeof(int));
	if (!state || !walk) {
		free(state);
		free(walk);
		free(indeg);
		free(start);
		f->oom = true;
		return;
	}
	for (int v = 0; v < n; v++) {
		int len = 0, u = v;

		if (!indeg[v] || state[v])
			continue;
		while (state[u] == 0) {
			int next = -1;

			state[u] = 1;
			walk[len++] = u;
			for (int j = 0; j < f->steps[u].ndeps; j++) {
				int d = f->steps[u].deps[j];

				if (d >= 0 && indeg[d]) {
					next = d;
					break;
				}
			}
			u = next;
		}
		if (state[u] == 1) {
			int from = 0;

			while (walk[from] != u)
				from++;
			report_cycle(f, walk, from, len);
		}
		for (int i = 0; i < len; i++)
			state[walk[i]] = 2;
	}
	free(state);
	free(walk);
	free(indeg);
	free(start);
	return;
oom:
	free(indeg);
	free(start);
	free(order);
	f->oom = true;
}

void jf_eng_check_graph(struct jf_eng_flow *f)
{
	for (int i = 0; i < f->nsteps; i++) {
		struct jf_eng_step *s = &f->steps[i];
		char path[PATH_LEN];
		int err;

		if (!s->name[0])
			continue;
		err = jf_eng_map_put(&f->names, s->name, i);
		if (err == -EEXIST) {
			snprintf(path, sizeof(path), "spec.flows[%d].name", i);
			jf_eng_error(f, i, path,
				     "duplicate step name '%s' (also "
				     "spec.flows[%d])",
				     s->name,
				     jf_eng_map_get(&f->names, s->name));
		} else if (err) {
			f->oom = true;
			return;
		}
	}
	for (int i = 0; i < f->nsteps; i++) {
		struct jf_eng_step *s = &f->steps[i];
		const cJSON *t, *targets;
		int j = 0;

		if (!s->ndeps)
			continue;
		targets = jf_json_at(s->obj, "dependsOn.targets");
		cJSON_ArrayForEach (t, targets) {
			char path[PATH_LEN];
			int d;

			snprintf(path, sizeof(path),
				 "spec.flows[%d].dependsOn.targets[%d]", i, j);
			if (!cJSON_IsString(t)) {
				jf_eng_error(f, i, path,
					     "expected a string, got %s",
					     jf_json_type_name(t));
				j++;
				continue;
			}
			d = jf_eng_map_get(&f->names, t->valuestring);
			if (d < 0)
				jf_eng_error(f, i, path, "unknown target '%s'",
					     t->valuestring);
			for (int k = 0; d >= 0 && k < j; k++) {
				if (s->deps[k] == d)
					d = -1; /* duplicate target */
			}
			s->deps[j++] = d;
		}
	}
	topo_sort(f);
}

/* --- names --------------------------------------------------------------- */

/* RFC 1123 subdomain syntax (length checked separately). */
static bool dns_subdomain(const char *s)
{
	size_t n = strlen(s);

	if (!n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (!alnum && c != '-' && c != '.')
			return false;
		if (c == '.' && (i == 0 || i + 1 == n || s[i - 1] == '.' ||
				 s[i - 1] == '-' || s[i + 1] == '-'))
			return false;
	}
	return s[0] != '-' && s[n - 1] != '-';
}

/* Canonical decimal (no sign, no leading zero) of at most 9 digits;
 * returns its value and the number of characters, or -1. */
static int canon_num(const char *s, int *len)
{
	int v = 0, n = 0;

	if (s[0] == '0') {
		*len = 1;
		return 0;
	}
	while (s[n] >= '0' && s[n] <= '9' && n < 9)
		v = v * 10 + (s[n++] - '0');
	if (!n || (s[n] >= '0' && s[n] <= '9'))
		return -1;
	*len = n;
	return v;
}

/* Does suffix r (of a plain step t = s + r) equal a Job name suffix that
 * step s generates? Writes what it collides with into what. */
static bool suffix_collides(const struct jf_eng_step *s, const char *r,
			    char *what, size_t cap)
{
	int len, i, k;

	if (r[0] != '-')
		return false;
	if (!s->foreach) {
		if (r[1] != 'r')
			return false;
		k = canon_num(r + 2, &len);
		if (k < 1 || r[2 + len])
			return false;
		snprintf(what, cap, "attempt %d of step '%s'", k, s->name);
		return true;
	}
	i = canon_num(r + 1, &len);
	if (i < 0 || i >= s->nitems)
		return false;
	r += 1 + len;
	if (!*r) {
		snprintf(what, cap, "iteration %d of step '%s'", i, s->name);
		return true;
	}
	if (r[0] != '-' || r[1] != 'r')
		return false;
	k = canon_num(r + 2, &len);
	if (k < 1 || r[2 + len])
		return false;
	snprintf(what, cap, "iteration %d attempt %d of step '%s'", i, k,
		 s->name);
	return true;
}

static void check_label(struct jf_eng_flow *f, int step, const char *path,
			const char *name, const char *label)
{
	size_t n = strlen(f->ns) + 1 + strlen(name);

	if (n <= JF_ENG_NAME_MAX)
		return;
	jf_eng_error(f, step, path,
		     "label value '%s.%s' (%s) is %zu characters, the limit "
		     "is %d",
		     f->ns, name, label, n, JF_ENG_NAME_MAX);
}

static void add_missing(struct jf_eng_flow *f, int step, const char *path,
			const char *tmpl)
{
	cJSON *err, *x;
	int pos = 0;

	cJSON_ArrayForEach (x, f->missing) {
		int c = strcmp(x->valuestring, tmpl);

		if (c == 0)
			goto report;
		if (c > 0)
			break;
		pos++;
	}
	x = cJSON_CreateString(tmpl);
	if (!x || !cJSON_InsertItemInArray(f->missing, pos, x)) {
		cJSON_Delete(x);
		f->oom = true;
		return;
	}
report:
	/* reuse jf_eng_error() and move the entry to tmpl_errors */
	jf_eng_error(f, step, path, "JobTemplate '%s' not found", tmpl);
	err = cJSON_DetachItemFromArray(f->errors,
					cJSON_GetArraySize(f->errors) - 1);
	if (err && !cJSON_AddItemToArray(f->tmpl_errors, err)) {
		cJSON_Delete(err);
		f->oom = true;
	}
}

static void check_step_templates(struct jf_eng_flow *f,
				 const struct jf_eng_step *s)
{
	const cJSON *st = s->obj;
	/* an invalid switch has no cases but is reported already: its
	 * step never uses a template named after itself */
	bool own = s->ncases == 0 &&
		   !cJSON_GetObjectItemCaseSensitive(st, "switch");
	char path[PATH_LEN];

	for (int c = 0; c < s->ncases; c++) {
		if (!s->cases[c].tmpl) {
			own = true;
			continue;
		}
		snprintf(path, sizeof(path),
			 "spec.flows[%d].switch[%d].jobTemplate", s->idx, c);
		check_label(f, s->idx, path, s->cases[c].tmpl,
			    JF_LABEL_CREATED_BY_TEMPLATE);
		if (f->templates && !jf_eng_template(f, s->cases[c].tmpl))
			add_missing(f, s->idx, path, s->cases[c].tmpl);
	}
	if (!own)
		return;
	snprintf(path, sizeof(path), "spec.flows[%d].%s", s->idx,
		 cJSON_GetObjectItemCaseSensitive(st, "jobTemplate")
			 ? "jobTemplate"
			 : "name");
	check_label(f, s->idx, path, s->tmpl, JF_LABEL_CREATED_BY_TEMPLATE);
	if (f->templates && !jf_eng_template(f, s->tmpl))
		add_missing(f, s->idx, path, s->tmpl);
}

void jf_eng_check_names(struct jf_eng_flow *f)
{
	char path[PATH_LEN], name[512], what[PATH_LEN];

	if (*f->name)
		check_label(f, -1, "metadata.name", f->name,
			    JF_LABEL_CREATED_BY_FLOW);
	for (int i = 0; i < f->nsteps; i++) {
		const struct jf_eng_step *s = &f->steps[i];
		int limit = s->retry && s->retry->policy != JF_RP_NEVER
				    ? s->retry->limit
				    : 0;
		int n;

		if (!s->name[0])
			continue;
		check_step_templates(f, s);
		if (!*f->name)
			continue;
		snprintf(path, sizeof(path), "spec.flows[%d].name", i);
		jf_engine_job_name(name, sizeof(name), f->name, s->name, -1, 0);
		if (!dns_subdomain(name)) {
			jf_eng_error(f, i, path,
				     "job name '%s' is not a valid DNS-1123 "
				     "subdomain (lowercase letters, digits, "
				     "'-' and '.')",
				     name);
			continue;
		}
		n = jf_engine_job_name(
			name, sizeof(name), f->name, s->name,
			s->foreach && s->nitems ? s->nitems - 1 : -1, limit);
		if (n > JF_ENG_NAME_MAX)
			jf_eng_error(f, i, path,
				     "job name '%s' is %d characters, the "
				     "limit is %d",
				     name, n, JF_ENG_NAME_MAX);
		if (s->foreach)
			continue;
		/* a plain step t collides with step s when t = s + suffix */
		for (const char *p = strchr(s->name, '-'); p;
		     p = strchr(p + 1, '-')) {
			char prefix[PATH_LEN];
			int o;

			if ((size_t)(p - s->name) >= sizeof(prefix))
				break;
			memcpy(prefix, s->name, (size_t)(p - s->name));
			prefix[p - s->name] = '\0';
			o = jf_eng_map_get(&f->names, prefix);
			if (o < 0 || o == i)
				continue;
			if (suffix_collides(&f->steps[o], p, what,
					    sizeof(what))) {
				jf_engine_job_name(name, sizeof(name), f->name,
						   s->name, -1, 0);
				jf_eng_error(f, i, path,
					     "job name '%s' collides with %s",
					     name, what);
			}
		}
	}
}

/* --- expressions and patches ------------------------------------------------
 */

static cJSON *step_type(void)
{
	cJSON *t = cJSON_CreateObject();

	cJSON_AddStringToObject(t, "phase", "string");
	cJSON_AddStringToObject(t, "attempts", "int");
	cJSON_AddStringToObject(t, "succeeded", "int");
	cJSON_AddStringToObject(t, "failed", "int");
	cJSON_AddStringToObject(t, "iterations", "int");
	return t;
}

static int build_base_types(struct jf_eng_flow *f)
{
	const cJSON *p;

	f->tparams = cJSON_CreateObject();
	f->tsteps = cJSON_CreateObject();
	if (!f->tparams || !f->tsteps)
		return -ENOMEM;
	cJSON_ArrayForEach (p, f->params) {
		cJSON *t = jf_expr_types_of(p);

		if (!t || !cJSON_AddItemToObject(f->tparams, p->string, t)) {
			cJSON_Delete(t);
			return -ENOMEM;
		}
	}
	for (int i = 0; i < f->nsteps; i++) {
		cJSON *t;

		/* duplicates are reported by the graph pass */
		if (!f->steps[i].name[0] ||
		    jf_eng_map_get(&f->names, f->steps[i].name) != i)
			continue;
		t = step_type();
		if (!t || cJSON_GetArraySize(t) != 5 ||
		    !cJSON_AddItemToObject(f->tsteps, f->steps[i].name, t)) {
			cJSON_Delete(t);
			return -ENOMEM;
		}
	}
	return 0;
}

cJSON *jf_eng_types(const struct jf_eng_flow *f, const struct jf_eng_step *s,
		    bool last_failure)
{
	cJSON *t = cJSON_CreateObject();

	if (!t)
		return NULL;
	cJSON_AddItemReferenceToObject(t, "params", f->tparams);
	cJSON_AddItemReferenceToObject(t, "steps", f->tsteps);
	cJSON_AddStringToObject(t, "attempt", "int");
	if (s && s->foreach) {
		cJSON_AddStringToObject(t, "item", "any");
		cJSON_AddStringToObject(t, "index", "int");
	}
	if (last_failure) {
		cJSON *lf = cJSON_AddObjectToObject(t, "lastFailure");

		cJSON_AddStringToObject(lf, "reason", "string");
		cJSON_AddStringToObject(lf, "message", "string");
		cJSON_AddStringToObject(lf, "phase", "string");
		cJSON_AddStringToObject(lf, "job", "string");
		if (cJSON_GetArraySize(lf) != 4) {
			cJSON_Delete(t);
			return NULL;
		}
	}
	if (cJSON_GetArraySize(t) !=
	    3 + (s && s->foreach ? 2 : 0) + (last_failure ? 1 : 0)) {
		cJSON_Delete(t);
		return NULL;
	}
	return t;
}

static void check_expr(struct jf_eng_flow *f, int step, const char *path,
		       const struct jf_expr *x, const cJSON *types)
{
	struct jf_errmsg e = {{0}};
	int err;

	if (!x)
		return;
	err = jf_expr_check_bool(x, types, &e);
	if (err == -ENOMEM)
		f->oom = true;
	else if (err)
		jf_eng_error(f, step, path, "invalid expression '%s': %s",
			     jf_expr_source(x), jf_errmsg_or(&e, err));
}

static void check_patch(struct jf_eng_flow *f, int step, const char *path,
			const cJSON *patch, const char *tmpl,
			const cJSON *types)
{
	const cJSON *t = jf_eng_template(f, tmpl);
	struct jf_errmsg e = {{0}};
	int err;

	if (!patch)
		return;
	err = jf_patch_check(t ? cJSON_GetObjectItemCaseSensitive(t, "spec")
			       : NULL,
			     patch, types, &e);
	if (err == -ENOMEM)
		f->oom = true;
	else if (err)
		jf_eng_error(f, step, path, "%s", jf_errmsg_or(&e, err));
}

/* Every probed task must exist in one of the targets' templates. */
static void check_probes(struct jf_eng_flow *f, const struct jf_eng_step *s)
{
	for (int p = 0; p < s->nprobes; p++) {
		bool found = false, known = false;
		char path[PATH_LEN];

		snprintf(path, sizeof(path),
			 "spec.flows[%d].dependsOn.probe.taskStatusList[%d]",
			 s->idx, p);
		for (int j = 0; j < s->ndeps; j++) {
			const struct jf_eng_step *t;
			const cJSON *tpl, *task;

			if (s->deps[j] < 0)
				continue;
			t = &f->steps[s->deps[j]];
			if (t->foreach) {
				jf_eng_error(f, s->idx, path,
					     "probe target '%s' is a forEach "
					     "step; probes need a single Job",
					     t->name);
				return;
			}
			tpl = jf_eng_template(f, t->tmpl);
			if (!tpl || t->ncases)
				continue;
			known = true;
			cJSON_ArrayForEach (task,
					    jf_json_at(tpl, "spec.tasks")) {
				if (strcmp(jf_json_str(task, "name", ""),
					   s->probes[p].task) == 0)
					found = true;
			}
		}
		if (known && !found && s->probes[p].task[0])
			jf_eng_error(f, s->idx, path,
				     "no target has a task named '%s'",
				     s->probes[p].task);
	}
}

void jf_eng_check_exprs(struct jf_eng_flow *f)
{
	cJSON *types = NULL, *rtypes = NULL;
	char path[PATH_LEN];

	if (build_base_types(f)) {
		f->oom = true;
		return;
	}
	if (f->retry.when) {
		rtypes = jf_eng_types(f, NULL, true);
		if (!rtypes) {
			f->oom = true;
			return;
		}
		check_expr(f, -1, "spec.retryPolicy.when", f->retry.when,
			   rtypes);
		cJSON_Delete(rtypes);
	}
	for (int i = 0; i < f->nsteps && !f->oom; i++) {
		const struct jf_eng_step *s = &f->steps[i];

		types = jf_eng_types(f, s, false);
		rtypes = jf_eng_types(f, s, true);
		if (!types || !rtypes) {
			f->oom = true;
			break;
		}
		snprintf(path, sizeof(path), "spec.flows[%d].when", i);
		check_expr(f, i, path, s->when, types);
		snprintf(path, sizeof(path), "spec.flows[%d].retryPolicy.when",
			 i);
		check_expr(f, i, path, s->own_retry.when, rtypes);
		snprintf(path, sizeof(path), "spec.flows[%d].patch.jobSpec", i);
		check_patch(f, i, path, s->patch, s->tmpl, types);
		for (int c = 0; c < s->ncases; c++) {
			snprintf(path, sizeof(path),
				 "spec.flows[%d].switch[%d].when", i, c);
			check_expr(f, i, path, s->cases[c].when, types);
			snprintf(path, sizeof(path),
				 "spec.flows[%d].switch[%d].patch.jobSpec", i,
				 c);
			check_patch(f, i, path, s->cases[c].patch,
				    jf_eng_case_tmpl(s, &s->cases[c]), types);
		}
		if (s->nprobes)
			check_probes(f, s);
		cJSON_Delete(types);
		cJSON_Delete(rtypes);
		types = rtypes = NULL;
	}
	cJSON_Delete(types);
	cJSON_Delete(rtypes);
}
