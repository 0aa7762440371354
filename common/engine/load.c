/* load.c - parses a JobFlow into the engine's model (eng.h), recording
 * every structural spec error with its step and JSON path. */
#include "eng.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"
#include "jf_time.h"

#define PATH_MAX_LEN	256
#define RETRY_LIMIT_MAX 10000

void jf_eng_error(struct jf_eng_flow *f, int step, const char *path,
		  const char *fmt, ...)
{
	cJSON *err = cJSON_CreateObject();
	char *msg = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (!err || n < 0)
		goto oom;
	if (step >= 0 && f->steps[step].name[0])
		cJSON_AddStringToObject(err, "step", f->steps[step].name);
	else
		cJSON_AddNullToObject(err, "step");
	cJSON_AddStringToObject(err, "path", path);
	cJSON_AddStringToObject(err, "message", msg);
	free(msg);
	if (cJSON_GetArraySize(err) != 3 ||
	    !cJSON_AddItemToArray(f->errors, err))
		goto oom;
	return;
oom:
	free(n < 0 ? NULL : msg);
	cJSON_Delete(err);
	f->oom = true;
}

/* --- typed field readers ------------------------------------------------- */

static void subpath(char *out, const char *base, const char *key)
{
	snprintf(out, PATH_MAX_LEN, "%s", base);
	jf_json_path_key(out, PATH_MAX_LEN, key);
}

/* Reads an optional integer in [min, max]; false when absent or bad. */
static bool read_int(struct jf_eng_flow *f, int step, const cJSON *obj,
		     const char *key, const char *base, int64_t min,
		     int64_t max, int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	char path[PATH_MAX_LEN];

	if (!v || cJSON_IsNull(v))
		return false;
	subpath(path, base, key);
	if (!jf_json_is_int(v)) {
		jf_eng_error(f, step, path, "expected an integer, got %s",
			     jf_json_type_name(v));
		return false;
	}
	if (v->valuedouble < (double)min || v->valuedouble > (double)max) {
		if (max == INT32_MAX)
			jf_eng_error(f, step, path, "must be >= %lld",
				     (long long)min);
		else
			jf_eng_error(f, step, path,
				     "must be between %lld and %lld",
				     (long long)min, (long long)max);
		return false;
	}
	*out = (int64_t)v->valuedouble;
	return true;
}

/* Reads an optional string; false when absent or not a string. */
static bool read_str(struct jf_eng_flow *f, int step, const cJSON *obj,
		     const char *key, const char *base, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	char path[PATH_MAX_LEN];

	if (!v || cJSON_IsNull(v))
		return false;
	if (!cJSON_IsString(v)) {
		subpath(path, base, key);
		jf_eng_error(f, step, path, "expected a string, got %s",
			     jf_json_type_name(v));
		return false;
	}
	*out = v->valuestring;
	return true;
}

/* Reads an optional duration string ("10s"); false when absent or bad. */
static bool read_duration(struct jf_eng_flow *f, int step, const cJSON *obj,
			  const char *key, const char *base, int64_t *out)
{
	const char *s;
	char path[PATH_MAX_LEN];
	struct jf_errmsg e = {{0}};

	if (!read_str(f, step, obj, key, base, &s))
		return false;
	if (jf_duration_parse(s, out, &e)) {
		subpath(path, base, key);
		jf_eng_error(f, step, path, "%s", e.msg);
		return false;
	}
	return true;
}

static const cJSON *read_obj(struct jf_eng_flow *f, int step, const cJSON *obj,
			     const char *key, const char *base)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	char path[PATH_MAX_LEN];

	if (!v || cJSON_IsNull(v))
		return NULL;
	if (!cJSON_IsObject(v)) {
		subpath(path, base, key);
		jf_eng_error(f, step, path, "expected an object, got %s",
			     jf_json_type_name(v));
		return NULL;
	}
	return v;
}

static const cJSON *read_arr(struct jf_eng_flow *f, int step, const cJSON *obj,
			     const char *key, const char *base)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	char path[PATH_MAX_LEN];

	if (!v || cJSON_IsNull(v))
		return NULL;
	if (!cJSON_IsArray(v)) {
		subpath(path, base, key);
		jf_eng_error(f, step, path, "expected a list, got %s",
			     jf_json_type_name(v));
		return NULL;
	}
	return v;
}

/* Compiles an optional expression field. */
static struct jf_expr *read_expr(struct jf_eng_flow *f, int step,
				 const cJSON *obj, const char *key,
				 const char *base)
{
	const char *src;
	struct jf_expr *x = NULL;
	struct jf_errmsg e = {{0}};
	char path[PATH_MAX_LEN];
	int err;

	if (!read_str(f, step, obj, key, base, &src))
		return NULL;
	err = jf_expr_compile(src, &x, &e);
	if (err == -ENOMEM) {
		f->oom = true;
		return NULL;
	}
	if (err) {
		subpath(path, base, key);
		jf_eng_error(f, step, path, "invalid expression '%s': %s", src,
			     jf_errmsg_or(&e, err));
		return NULL;
	}
	return x;
}

/* patch: {jobSpec: {...}}; returns jobSpec or NULL. */
static const cJSON *read_patch(struct jf_eng_flow *f, int step,
			       const cJSON *obj, const char *base)
{
	const cJSON *p = read_obj(f, step, obj, "patch", base);
	char path[PATH_MAX_LEN];

	if (!p)
		return NULL;
	subpath(path, base, "patch");
	if (cJSON_GetObjectItemCaseSensitive(p, "spec")) {
		char sp[PATH_MAX_LEN];

		subpath(sp, path, "spec");
		jf_eng_error(f, step, sp,
			     "unknown field 'spec' (the patch goes under "
			     "'jobSpec')");
	}
	return read_obj(f, step, p, "jobSpec", path);
}

/* --- retryPolicy ------------------------------------------------------------
 */

static void load_retry(struct jf_eng_flow *f, int step, const cJSON *rp,
		       const char *base, struct jf_eng_retry *r)
{
	const cJSON *bo;
	const char *pol;
	char path[PATH_MAX_LEN];
	int64_t v;

	r->set = true;
	r->limit = 3;
	r->policy = JF_RP_ONFAILURE;
	r->duration_ms = 10000;
	r->cap_ms = -1;
	r->max_duration_ms = -1;
	r->factor = 2;
	r->jitter = 0;
	if (read_int(f, step, rp, "limit", base, 0, RETRY_LIMIT_MAX, &v))
		r->limit = (int)v;
	if (read_str(f, step, rp, "policy", base, &pol)) {
		if (strcmp(pol, "OnFailure") == 0)
			r->policy = JF_RP_ONFAILURE;
		else if (strcmp(pol, "Always") == 0)
			r->policy = JF_RP_ALWAYS;
		else if (strcmp(pol, "Never") == 0)
			r->policy = JF_RP_NEVER;
		else {
			subpath(path, base, "policy");
			jf_eng_error(f, step, path,
				     "unknown policy '%s' (OnFailure, Always "
				     "or Never)",
				     pol);
		}
	}
	subpath(path, base, "backoff");
	bo = read_obj(f, step, rp, "backoff", base);
	if (bo) {
		const cJSON *n;
		char np[PATH_MAX_LEN];

		read_duration(f, step, bo, "duration", path, &r->duration_ms);
		read_duration(f, step, bo, "cap", path, &r->cap_ms);
		read_duration(f, step, bo, "maxDuration", path,
			      &r->max_duration_ms);
		n = cJSON_GetObjectItemCaseSensitive(bo, "factor");
		subpath(np, path, "factor");
		if (n && !cJSON_IsNull(n)) {
			if (!cJSON_IsNumber(n))
				jf_eng_error(f, step, np,
					     "expected a number, got %s",
					     jf_json_type_name(n));
			else if (!(n->valuedouble >= 1.0 &&
				   n->valuedouble <= 1000.0))
				jf_eng_error(f, step, np,
					     "factor must be between 1 and "
					     "1000");
			else
				r->factor = n->valuedouble;
		}
		n = cJSON_GetObjectItemCaseSensitive(bo, "jitter");
		subpath(np, path, "jitter");
		if (n && !cJSON_IsNull(n)) {
			if (!cJSON_IsNumber(n))
				jf_eng_error(f, step, np,
					     "expected a number, got %s",
					     jf_json_type_name(n));
			else if (!(n->valuedouble >= 0.0 &&
				   n->valuedouble <= 1.0))
				jf_eng_error(f, step, np,
					     "jitter must be between 0 and 1");
			else
				r->jitter = n->valuedouble;
		}
	}
	r->when = read_expr(f, step, rp, "when", base);
}

/* --- dependsOn ----------------------------------------------------------- */

static void load_deps(struct jf_eng_flow *f, struct jf_eng_step *s,
		      const cJSON *d, const char *base)
{
	const cJSON *targets, *probe, *list, *t;
	const char *pol;
	char path[PATH_MAX_LEN];
	int n = 0;

	if (read_str(f, s->idx, d, "policy", base, &pol)) {
		if (strcmp(pol, "AllDone") == 0)
			s->all_done = true;
		else if (strcmp(pol, "AllSucceeded") != 0) {
			subpath(path, base, "policy");
			jf_eng_error(f, s->idx, path,
				     "unknown policy '%s' (AllSucceeded or "
				     "AllDone)",
				     pol);
		}
	}
	targets = read_arr(f, s->idx, d, "targets", base);
	if (targets) {
		/* resolved by jf_eng_check_graph(); -1 marks a bad entry */
		s->deps = calloc((size_t)cJSON_GetArraySize(targets) + 1,
				 sizeof(*s->deps));
		if (!s->deps) {
			f->oom = true;
			return;
		}
		cJSON_ArrayForEach (t, targets) {
			s->deps[n++] = -1;
		}
		s->ndeps = n;
	}
	subpath(path, base, "probe");
	probe = read_obj(f, s->idx, d, "probe", base);
	if (!probe)
		return;
	if (cJSON_GetArraySize(
		    read_arr(f, s->idx, probe, "httpGetList", path)) > 0 ||
	    cJSON_GetArraySize(
		    read_arr(f, s->idx, probe, "tcpSocketList", path)) > 0)
		s->probe_unsupported = true;
	list = read_arr(f, s->idx, probe, "taskStatusList", path);
	if (!list || !cJSON_GetArraySize(list))
		return;
	s->probes =
		calloc((size_t)cJSON_GetArraySize(list), sizeof(*s->probes));
	if (!s->probes) {
		f->oom = true;
		return;
	}
	n = 0;
	cJSON_ArrayForEach (t, list) {
		char ep[PATH_MAX_LEN];
		const char *task = NULL, *phase = NULL;

		snprintf(ep, sizeof(ep), "%s.taskStatusList", path);
		jf_json_path_index(ep, sizeof(ep), n);
		if (!cJSON_IsObject(t)) {
			jf_eng_error(f, s->idx, ep,
				     "expected an object, got %s",
				     jf_json_type_name(t));
			n++;
			continue;
		}
		if (!read_str(f, s->idx, t, "taskName", ep, &task) || !*task) {
			char kp[PATH_MAX_LEN];

			subpath(kp, ep, "taskName");
			jf_eng_error(f, s->idx, kp, "taskName is required");
		}
		if (!read_str(f, s->idx, t, "phase", ep, &phase) || !*phase) {
			char kp[PATH_MAX_LEN];

			subpath(kp, ep, "phase");
			jf_eng_error(f, s->idx, kp, "phase is required");
		} else if (strcmp(phase, "Pending") &&
			   strcmp(phase, "Running") &&
			   strcmp(phase, "Succeeded") &&
			   strcmp(phase, "Failed") &&
			   strcmp(phase, "Unknown")) {
			char kp[PATH_MAX_LEN];

			subpath(kp, ep, "phase");
			jf_eng_error(
				f, s->idx, kp,
				"unknown pod phase '%s' (Pending, Running, "
				"Succeeded, Failed or Unknown)",
				phase);
		}
		s->probes[s->nprobes].task = task ? task : "";
		s->probes[s->nprobes].phase = phase ? phase : "";
		s->nprobes++;
		n++;
	}
}

/* --- switch -----------------------------------------------------------------
 */

static void load_switch(struct jf_eng_flow *f, struct jf_eng_step *s,
			const cJSON *sw, const char *base)
{
	const cJSON *c;
	int n = cJSON_GetArraySize(sw), i = 0, defaults = 0;

	if (n == 0) {
		jf_eng_error(f, s->idx, base, "switch needs at least one case");
		return;
	}
	s->cases = calloc((size_t)n, sizeof(*s->cases));
	if (!s->cases) {
		f->oom = true;
		return;
	}
	cJSON_ArrayForEach (c, sw) {
		struct jf_eng_case *k = &s->cases[i];
		char cp[PATH_MAX_LEN];
		const char *t;

		snprintf(cp, sizeof(cp), "%s", base);
		jf_json_path_index(cp, sizeof(cp), i);
		i++;
		s->ncases = i;
		if (!cJSON_IsObject(c)) {
			jf_eng_error(f, s->idx, cp,
				     "expected an object, got %s",
				     jf_json_type_name(c));
			continue;
		}
		if (read_str(f, s->idx, c, "jobTemplate", cp, &t)) {
			if (*t)
				k->tmpl = t;
			else {
				char tp[PATH_MAX_LEN];

				subpath(tp, cp, "jobTemplate");
				jf_eng_error(f, s->idx, tp,
					     "jobTemplate must not be empty");
			}
		}
		k->patch = read_patch(f, s->idx, c, cp);
		if (cJSON_GetObjectItemCaseSensitive(c, "when") &&
		    !cJSON_IsNull(
			    cJSON_GetObjectItemCaseSensitive(c, "when"))) {
			k->when = read_expr(f, s->idx, c, "when", cp);
			continue;
		}
		defaults++;
		if (defaults > 1)
			jf_eng_error(f, s->idx, cp,
				     "only one default case (without 'when') "
				     "is allowed");
		else if (i != n)
			jf_eng_error(f, s->idx, cp,
				     "the default case (without 'when') must "
				     "be the last");
	}
}

/* --- forEach ------------------------------------------------------------- */

static int64_t range_count(int64_t start, int64_t end, int64_t step)
{
	if (step > 0)
		return end > start ? (end - start + step - 1) / step : 0;
	return start > end ? (start - end + (-step) - 1) / (-step) : 0;
}

static void load_foreach(struct jf_eng_flow *f, struct jf_eng_step *s,
			 const cJSON *fe, const char *base)
{
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(fe, "items");
	const cJSON *range = cJSON_GetObjectItemCaseSensitive(fe, "range");
	const cJSON *param = cJSON_GetObjectItemCaseSensitive(fe, "param");
	char path[PATH_MAX_LEN];
	int64_t v, count = 0;
	int kinds = (items && !cJSON_IsNull(items)) +
		    (range && !cJSON_IsNull(range)) +
		    (param && !cJSON_IsNull(param));

	s->foreach = true;
	if (read_int(f, s->idx, fe, "parallelism", base, 1, INT32_MAX, &v))
		s->parallelism = (int)v;
	if (read_int(f, s->idx, fe, "maxFailures", base, 0, INT32_MAX, &v))
		s->max_failures = (int)v;
	if (kinds != 1) {
		jf_eng_error(f, s->idx, base,
			     "exactly one of items, range or param is "
			     "required");
		return;
	}
	if (items && !cJSON_IsNull(items)) {
		const cJSON *a = read_arr(f, s->idx, fe, "items", base);

		if (!a)
			return;
		count = cJSON_GetArraySize(a);
		subpath(path, base, "items");
		if (count <= f->max_iterations) {
			s->items = jf_json_dup(a);
			if (!s->items)
				f->oom = true;
		}
	} else if (range && !cJSON_IsNull(range)) {
		const cJSON *r = read_obj(f, s->idx, fe, "range", base);
		int64_t start = 0, end = 0, step = 1;
		const int64_t lim = (int64_t)1 << 40;

		if (!r)
			return;
		subpath(path, base, "range");
		read_int(f, s->idx, r, "start", path, -lim, lim, &start);
		if (!read_int(f, s->idx, r, "end", path, -lim, lim, &end) &&
		    !cJSON_GetObjectItemCaseSensitive(r, "end")) {
			char ep[PATH_MAX_LEN];

			subpath(ep, path, "end");
			jf_eng_error(f, s->idx, ep, "range.end is required");
			return;
		}
		if (read_int(f, s->idx, r, "step", path, -lim, lim, &step) &&
		    step == 0) {
			char ep[PATH_MAX_LEN];

			subpath(ep, path, "step");
			jf_eng_error(f, s->idx, ep, "range.step must not be 0");
			return;
		}
		if (step == 0)
			return;
		count = range_count(start, end, step);
		if (count <= f->max_iterations) {
			s->items = cJSON_CreateArray();
			for (int64_t i = 0; s->items && i < count; i++) {
				if (!cJSON_AddItemToArray(
					    s->items,
					    cJSON_CreateNumber((
						    double)(start + i * step))))
					f->oom = true;
			}
			if (!s->items)
				f->oom = true;
		}
	} else {
		const char *name;
		const cJSON *val;

		if (!read_str(f, s->idx, fe, "param", base, &name))
			return;
		subpath(path, base, "param");
		val = cJSON_GetObjectItemCaseSensitive(f->params, name);
		if (!val) {
			jf_eng_error(f, s->idx, path, "unknown param '%s'",
				     name);
			return;
		}
		if (!cJSON_IsArray(val)) {
			jf_eng_error(f, s->idx, path,
				     "param '%s' is not a list (got %s)", name,
				     jf_json_type_name(val));
			return;
		}
		count = cJSON_GetArraySize(val);
		if (count <= f->max_iterations) {
			s->items = jf_json_dup(val);
			if (!s->items)
				f->oom = true;
		}
	}
	if (count > f->max_iterations) {
		jf_eng_error(f, s->idx, path,
			     "forEach has %lld iterations, the limit is %d",
			     (long long)count, f->max_iterations);
		return;
	}
	s->nitems = (int)count;
	s->item = calloc((size_t)count + 1, sizeof(*s->item));
	if (!s->item || !s->items) {
		f->oom = true;
		s->nitems = 0;
		return;
	}
	{
		const cJSON *it;
		int k = 0;

		cJSON_ArrayForEach (it, s->items) {
			s->item[k++] = it;
		}
	}
}

/* --- steps --------------------------------------------------------------- */

static void load_step(struct jf_eng_flow *f, struct jf_eng_step *s,
		      const cJSON *st)
{
	char base[PATH_MAX_LEN], path[PATH_MAX_LEN];
	const cJSON *o, *sw, *fe;
	const char *str;
	int64_t v;

	snprintf(base, sizeof(base), "spec.flows[%d]", s->idx);
	s->name = "";
	s->tmpl = "";
	if (!cJSON_IsObject(st)) {
		jf_eng_error(f, s->idx, base, "expected an object, got %s",
			     jf_json_type_name(st));
		return;
	}
	subpath(path, base, "name");
	if (read_str(f, s->idx, st, "name", base, &str) && *str)
		s->name = str;
	else
		jf_eng_error(f, s->idx, path, "step name is required");
	s->tmpl = s->name;
	if (read_str(f, s->idx, st, "jobTemplate", base, &str)) {
		if (*str)
			s->tmpl = str;
		else {
			subpath(path, base, "jobTemplate");
			jf_eng_error(f, s->idx, path,
				     "jobTemplate must not be empty");
		}
	}
	subpath(path, base, "dependsOn");
	o = read_obj(f, s->idx, st, "dependsOn", base);
	if (o)
		load_deps(f, s, o, path);
	s->patch = read_patch(f, s->idx, st, base);
	if (read_int(f, s->idx, st, "maxRetry", base, 0, INT32_MAX, &v)) {
		s->has_max_retry = true;
		s->max_retry = v;
	}
	subpath(path, base, "retryPolicy");
	o = read_obj(f, s->idx, st, "retryPolicy", base);
	if (o) {
		load_retry(f, s->idx, o, path, &s->own_retry);
		s->retry = &s->own_retry;
	} else if (f->retry.set) {
		s->retry = &f->retry;
	}
	s->when = read_expr(f, s->idx, st, "when", base);
	subpath(path, base, "switch");
	sw = read_arr(f, s->idx, st, "switch", base);
	if (sw)
		load_switch(f, s, sw, path);
	subpath(path, base, "forEach");
	fe = read_obj(f, s->idx, st, "forEach", base);
	if (fe)
		load_foreach(f, s, fe, path);
	if (sw && fe)
		jf_eng_error(f, s->idx, path,
			     "switch and forEach cannot be combined in one "
			     "step");
	if (read_duration(f, s->idx, st, "timeout", base, &s->timeout_ms) &&
	    s->timeout_ms <= 0) {
		subpath(path, base, "timeout");
		jf_eng_error(f, s->idx, path, "timeout must be positive");
		s->timeout_ms = 0;
	}
}

static void load_params(struct jf_eng_flow *f, const cJSON *spec)
{
	const cJSON *list = read_arr(f, -1, spec, "params", "spec"), *p;
	int i = 0;

	cJSON_ArrayForEach (p, list) {
		char path[PATH_MAX_LEN];
		const char *name;
		const cJSON *val;

		snprintf(path, sizeof(path), "spec.params[%d]", i++);
		if (!cJSON_IsObject(p)) {
			jf_eng_error(f, -1, path, "expected an object, got %s",
				     jf_json_type_name(p));
			continue;
		}
		if (!read_str(f, -1, p, "name", path, &name) || !*name) {
			char np[PATH_MAX_LEN];

			subpath(np, path, "name");
			jf_eng_error(f, -1, np, "param name is required");
			continue;
		}
		if (cJSON_GetObjectItemCaseSensitive(f->params, name)) {
			char np[PATH_MAX_LEN];

			subpath(np, path, "name");
			jf_eng_error(f, -1, np, "duplicate param '%s'", name);
			continue;
		}
		val = cJSON_GetObjectItemCaseSensitive(p, "value");
		if (!cJSON_AddItemToObject(f->params, name,
					   val ? jf_json_dup(val)
					       : cJSON_CreateNull()))
			f->oom = true;
	}
}

const cJSON *jf_eng_template(const struct jf_eng_flow *f, const char *name)
{
	const cJSON *t;

	if (!f->templates || !name || !*name)
		return NULL;
	t = cJSON_GetObjectItemCaseSensitive(f->templates, name);
	return cJSON_IsObject(t) ? t : NULL;
}

const char *jf_eng_case_tmpl(const struct jf_eng_step *s,
			     const struct jf_eng_case *c)
{
	return c && c->tmpl ? c->tmpl : s->tmpl;
}

int jf_eng_flow_load(struct jf_eng_flow *f, const cJSON *flow,
		     const cJSON *templates, const struct jf_engine_opts *opts)
{
	const cJSON *meta, *spec, *flows, *st, *rp;
	const char *pol;
	int64_t total = 0;
	int i = 0;

	memset(f, 0, sizeof(*f));
	f->obj = flow;
	f->templates = cJSON_IsObject(templates) ? templates : NULL;
	f->max_iterations = opts && opts->max_iterations > 0
				    ? opts->max_iterations
				    : JF_ENGINE_MAX_ITERATIONS;
	f->errors = cJSON_CreateArray();
	f->tmpl_errors = cJSON_CreateArray();
	f->missing = cJSON_CreateArray();
	f->params = cJSON_CreateObject();
	if (!f->errors || !f->tmpl_errors || !f->missing || !f->params)
		return -ENOMEM;
	meta = cJSON_GetObjectItemCaseSensitive(flow, "metadata");
	f->name = jf_json_str(meta, "name", "");
	f->ns = jf_json_str(meta, "namespace", "");
	if (!*f->ns)
		f->ns = "default";
	f->uid = jf_json_str(meta, "uid", "");
	f->generation = jf_json_int(meta, "generation", 0);
	if (!*f->name)
		jf_eng_error(f, -1, "metadata.name",
			     "JobFlow name is required");
	spec = cJSON_GetObjectItemCaseSensitive(flow, "spec");
	if (spec && !cJSON_IsObject(spec)) {
		jf_eng_error(f, -1, "spec", "expected an object, got %s",
			     jf_json_type_name(spec));
		spec = NULL;
	}
	load_params(f, spec);
	if (read_str(f, -1, spec, "jobRetainPolicy", "spec", &pol)) {
		if (strcmp(pol, "delete") == 0)
			f->retain_delete = true;
		else if (*pol && strcmp(pol, "retain") != 0)
			jf_eng_error(f, -1, "spec.jobRetainPolicy",
				     "unknown jobRetainPolicy '%s' (retain or "
				     "delete)",
				     pol);
	}
	rp = read_obj(f, -1, spec, "retryPolicy", "spec");
	if (rp)
		load_retry(f, -1, rp, "spec.retryPolicy", &f->retry);
	flows = read_arr(f, -1, spec, "flows", "spec");
	f->nsteps = cJSON_GetArraySize(flows);
	if (jf_eng_map_init(&f->names, (size_t)f->nsteps))
		return -ENOMEM;
	if (f->nsteps) {
		f->steps = calloc((size_t)f->nsteps, sizeof(*f->steps));
		if (!f->steps)
			return -ENOMEM;
	}
	cJSON_ArrayForEach (st, flows) {
		struct jf_eng_step *s = &f->steps[i];

		s->idx = i++;
		s->obj = st;
		load_step(f, s, st);
		total += s->nitems;
		if (f->oom)
			return -ENOMEM;
	}
	if (total > (int64_t)f->max_iterations * JF_ENG_TOTAL_FACTOR)
		jf_eng_error(f, -1, "spec.flows",
			     "the flow has %lld forEach iterations in total, "
			     "the limit is %lld",
			     (long long)total,
			     (long long)f->max_iterations *
				     JF_ENG_TOTAL_FACTOR);
	jf_eng_check_graph(f);
	jf_eng_check_names(f);
	jf_eng_check_exprs(f);
	return f->oom ? -ENOMEM : 0;
}

static void expr_free(struct jf_expr *x)
{
	if (x)
		jf_expr_free(x);
}

static void retry_release(struct jf_eng_retry *r)
{
	expr_free(r->when);
	r->when = NULL;
}

void jf_eng_flow_release(struct jf_eng_flow *f)
{
	for (int i = 0; i < f->nsteps; i++) {
		struct jf_eng_step *s = &f->steps[i];

		free(s->deps);
		free(s->probes);
		retry_release(&s->own_retry);
		expr_free(s->when);
		for (int c = 0; c < s->ncases; c++)
			expr_free(s->cases[c].when);
		free(s->cases);
		cJSON_Delete(s->items);
		free(s->item);
	}
	free(f->steps);
	retry_release(&f->retry);
	cJSON_Delete(f->params);
	cJSON_Delete(f->errors);
	cJSON_Delete(f->tmpl_errors);
	cJSON_Delete(f->missing);
	cJSON_Delete(f->tparams);
	cJSON_Delete(f->tsteps);
	free(f->order);
	jf_eng_map_release(&f->names);
	memset(f, 0, sizeof(*f));
}
