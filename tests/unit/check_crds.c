/* check_crds.c - Check suite for deploy/crds/: our JobFlow and JobTemplate
 * CRDs, applied with kubesim's schema module (validation, defaulting and
 * pruning as kube-apiserver does them), accept every object Volcano's CRDs
 * accept, keep every new field intact, add nothing to patch.jobSpec and
 * reject bad values; a walk over Volcano's schema proves ours is nowhere
 * stricter. */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"
#include "jf_yaml.h"
#include "tests/kubesim/ks_schema.h"

#define OUR_JF	"deploy/crds/flow.volcano.sh_jobflows.yaml"
#define OUR_JT	"deploy/crds/flow.volcano.sh_jobtemplates.yaml"
#define VOLC_JF "tests/data/volcano/flow.volcano.sh_jobflows.yaml"
#define VOLC_JT "tests/data/volcano/flow.volcano.sh_jobtemplates.yaml"
#define SCHEMA	"spec.versions[0].schema.openAPIV3Schema"

static char *src_path(const char *rel)
{
	const char *root = getenv("JF_SRC_DIR");
	char *p;

	ck_assert_int_ge(asprintf(&p, "%s/%s", root ? root : ".", rel), 0);
	return p;
}

/* Every document of a YAML file, as a JSON array (caller frees). */
static cJSON *load_docs(const char *rel)
{
	char *path = src_path(rel);
	struct jf_yaml_stream s;
	struct jf_errmsg e = {{0}};
	cJSON *arr = cJSON_CreateArray();

	ck_assert_msg(jf_yaml_load_file(path, &s, &e) == 0, "%s: %s", path,
		      e.msg);
	for (size_t i = 0; i < s.ndocs; i++) {
		if (s.docs[i].json)
			cJSON_AddItemToArray(arr, jf_json_dup(s.docs[i].json));
	}
	jf_yaml_stream_release(&s);
	free(path);
	return arr;
}

/* The one document of a file (caller frees). */
static cJSON *load_one(const char *rel)
{
	cJSON *arr = load_docs(rel), *d;

	ck_assert_int_eq(cJSON_GetArraySize(arr), 1);
	d = cJSON_DetachItemFromArray(arr, 0);
	cJSON_Delete(arr);
	return d;
}

/* Applies a schema to a copy of obj; returns the copy (caller frees) and
 * the causes in *causes (caller frees). */
static cJSON *apply(const cJSON *crd, const cJSON *obj, cJSON **causes)
{
	cJSON *copy = jf_json_dup(obj);

	*causes = cJSON_CreateArray();
	ks_schema_apply(jf_json_at(crd, SCHEMA), copy, *causes);
	return copy;
}

static char *causes_text(const cJSON *causes)
{
	char *s = jf_json_print(causes);

	ck_assert_ptr_nonnull(s);
	return s;
}

/* obj is accepted unchanged: no cause, nothing pruned or defaulted. */
static void assert_accepted_intact(const cJSON *crd, const cJSON *obj,
				   const char *what)
{
	cJSON *causes, *out = apply(crd, obj, &causes);
	char *txt = causes_text(causes);

	ck_assert_msg(cJSON_GetArraySize(causes) == 0, "%s rejected: %s", what,
		      txt);
	if (!jf_json_equal(out, obj)) {
		char *a = jf_json_print_stable(obj),
		     *b = jf_json_print_stable(out);

		ck_abort_msg("%s changed by the schema:\n in: %s\nout: %s",
			     what, a, b);
	}
	free(txt);
	cJSON_Delete(causes);
	cJSON_Delete(out);
}

/* --- the CRD objects
 * ------------------------------------------------------------ */

START_TEST(crds_are_served_like_volcanos)
{
	static const char *const pairs[][2] = {{OUR_JF, VOLC_JF},
					       {OUR_JT, VOLC_JT}};
	static const char *const same[] = {
		"apiVersion",
		"kind",
		"metadata.name",
		"metadata.annotations[\"helm.sh/resource-policy\"]",
		"spec.group",
		"spec.names",
		"spec.scope",
		"spec.versions[0].name",
		"spec.versions[0].served",
		"spec.versions[0].storage",
		"spec.versions[0].subresources",
	};

	for (size_t i = 0; i < 2; i++) {
		cJSON *ours = load_one(pairs[i][0]),
		      *volc = load_one(pairs[i][1]);

		ck_assert_int_eq(
			cJSON_GetArraySize(jf_json_at(ours, "spec.versions")),
			1);
		for (size_t k = 0; k < sizeof(same) / sizeof(same[0]); k++) {
			ck_assert_ptr_nonnull(jf_json_at(volc, same[k]));
			ck_assert_msg(jf_json_equal(jf_json_at(ours, same[k]),
						    jf_json_at(volc, same[k])),
				      "%s: %s differs from Volcano's",
				      pairs[i][0], same[k]);
		}
		cJSON_Delete(ours);
		cJSON_Delete(volc);
	}
}
END_TEST

START_TEST(names_and_columns)
{
	cJSON *jf = load_one(OUR_JF), *jt = load_one(OUR_JT);
	const cJSON *cols =
		jf_json_at(jf, "spec.versions[0].additionalPrinterColumns");

	ck_assert_str_eq(jf_json_str(jf, "spec.names.shortNames[0]", ""), "jf");
	ck_assert_str_eq(jf_json_str(jt, "spec.names.shortNames[0]", ""), "jt");
	ck_assert_str_eq(jf_json_str(jf, "spec.scope", ""), "Namespaced");
	ck_assert(cJSON_IsObject(
		jf_json_at(jf, "spec.versions[0].subresources.status")));
	ck_assert(cJSON_IsObject(
		jf_json_at(jt, "spec.versions[0].subresources.status")));
	/* Volcano's Status and Age, plus Message in -o wide */
	ck_assert_int_eq(cJSON_GetArraySize(cols), 3);
	ck_assert_str_eq(jf_json_str(cols, "[0].name", ""), "Status");
	ck_assert_str_eq(jf_json_str(cols, "[0].jsonPath", ""),
			 ".status.state.phase");
	ck_assert_str_eq(jf_json_str(cols, "[1].name", ""), "Message");
	ck_assert_int_eq(jf_json_int(cols, "[1].priority", 0), 1);
	ck_assert_str_eq(
		jf_json_str(cols, "[1].jsonPath", ""),
		".status.stepConditions[?(@.type==\"Progressing\")].message");
	ck_assert_str_eq(jf_json_str(cols, "[2].name", ""), "Age");
	ck_assert_str_eq(jf_json_str(cols, "[2].type", ""), "date");
	ck_assert_str_eq(jf_json_str(cols, "[2].jsonPath", ""),
			 ".metadata.creationTimestamp");
	cJSON_Delete(jf);
	cJSON_Delete(jt);
}
END_TEST

START_TEST(schemas_are_structural)
{
	static const char *const files[] = {OUR_JF, OUR_JT, VOLC_JF, VOLC_JT};

	for (size_t i = 0; i < 4; i++) {
		cJSON *crd = load_one(files[i]);
		char msg[512] = "";

		ck_assert_msg(ks_schema_check(jf_json_at(crd, SCHEMA), msg,
					      sizeof(msg)) == 0,
			      "%s: %s", files[i], msg);
		cJSON_Delete(crd);
	}
}
END_TEST

/* JobTemplates: exactly Volcano's schema (defaults apply as upstream). */
START_TEST(jobtemplate_schema_is_volcanos)
{
	cJSON *ours = load_one(OUR_JT), *volc = load_one(VOLC_JT);
	cJSON *tpls = load_docs("tests/data/volcano/JobTemplate.yaml"), *t;

	ck_assert(jf_json_equal(jf_json_at(ours, SCHEMA),
				jf_json_at(volc, SCHEMA)));
	ck_assert_int_eq(cJSON_GetArraySize(tpls), 5);
	cJSON_ArrayForEach (t, tpls) {
		cJSON *causes, *out = apply(ours, t, &causes);

		ck_assert_int_eq(cJSON_GetArraySize(causes), 0);
		ck_assert_int_eq(jf_json_int(out, "spec.maxRetry", -1), 3);
		ck_assert_str_eq(jf_json_str(out, "spec.queue", ""), "default");
		ck_assert_str_eq(jf_json_str(out, "spec.tasks[0].name", ""),
				 "default-nginx");
		cJSON_Delete(causes);
		cJSON_Delete(out);
	}
	cJSON_Delete(tpls);
	cJSON_Delete(ours);
	cJSON_Delete(volc);
}
END_TEST

/* --- objects
 * -------------------------------------------------------------------- */

START_TEST(volcano_examples_accepted_by_both)
{
	cJSON *ours = load_one(OUR_JF), *volc = load_one(VOLC_JF);
	cJSON *flow = load_one("tests/data/volcano/JobFlow.yaml");
	cJSON *c1, *c2, *o1, *o2;

	/* Volcano's own CRD accepts its example (sanity) ... */
	o2 = apply(volc, flow, &c2);
	ck_assert_int_eq(cJSON_GetArraySize(c2), 0);
	/* ... and ours accepts it unchanged, with the same result */
	assert_accepted_intact(ours, flow, "JobFlow.yaml");
	o1 = apply(ours, flow, &c1);
	ck_assert(jf_json_equal(o1, o2));
	ck_assert_int_eq(cJSON_GetArraySize(jf_json_at(o1, "spec.flows")), 5);
	ck_assert_str_eq(
		jf_json_str(o1, "spec.flows[4].dependsOn.targets[1]", ""), "d");
	cJSON_Delete(c1);
	cJSON_Delete(c2);
	cJSON_Delete(o1);
	cJSON_Delete(o2);
	cJSON_Delete(flow);
	cJSON_Delete(ours);
	cJSON_Delete(volc);
}
END_TEST

/* Volcano-shaped objects using every upstream field, patch included: ours
 * accepts whatever Volcano's accepts (the patch kept as written). */
START_TEST(volcano_shaped_fields_accepted)
{
	static const char *const flow_json =
		"{\"apiVersion\":\"flow.volcano.sh/v1alpha1\",\"kind\":\"JobFlow\","
		"\"metadata\":{\"name\":\"v\",\"namespace\":\"default\"},"
		"\"spec\":{\"jobRetainPolicy\":\"retain\",\"flows\":["
		"{\"name\":\"a\",\"patch\":{\"jobSpec\":{\"maxRetry\":1,"
		"\"queue\":\"q\",\"minAvailable\":1,\"tasks\":[{\"name\":\"t\","
		"\"replicas\":1,\"template\":{\"spec\":{\"containers\":[{\"name\":"
		"\"c\",\"image\":\"i\"}]}}}]}}},"
		"{\"name\":\"b\",\"dependsOn\":{\"targets\":[\"a\"],\"probe\":{"
		"\"httpGetList\":[{\"taskName\":\"t\",\"path\":\"/\",\"port\":80,"
		"\"httpHeader\":{\"name\":\"h\",\"value\":\"v\"}}],"
		"\"tcpSocketList\":[{\"taskName\":\"t\",\"port\":22}],"
		"\"taskStatusList\":[{\"taskName\":\"t\",\"phase\":\"Running\"}]}}}]},"
		"\"status\":{\"state\":{\"phase\":\"Succeed\"},\"pendingJobs\":[],"
		"\"runningJobs\":[\"x\"],\"failedJobs\":[],\"completedJobs\":[\"v-a\"],"
		"\"terminatedJobs\":[],\"unKnowJobs\":[],"
		"\"jobStatusList\":[{\"name\":\"v-a\",\"state\":\"Completed\","
		"\"startTimestamp\":\"2026-01-01T00:00:00Z\",\"endTimestamp\":"
		"\"2026-01-01T00:01:00Z\",\"restartCount\":0,\"runningHistories\":"
		"[{\"startTimestamp\":\"2026-01-01T00:00:00Z\",\"state\":\"Running\"}]}],"
		"\"conditions\":{\"v-a\":{\"phase\":\"Completed\",\"createTime\":"
		"\"2026-01-01T00:00:00Z\",\"runningDuration\":\"1m0s\","
		"\"taskStatusCount\":{\"t\":{\"phase\":{\"Succeeded\":1}}}}}}}";
	cJSON *ours = load_one(OUR_JF), *volc = load_one(VOLC_JF), *flow;
	cJSON *c2, *o2;
	struct jf_errmsg e = {{0}};

	ck_assert_int_eq(
		jf_json_parse(flow_json, strlen(flow_json), 0, &flow, &e), 0);
	o2 = apply(volc, flow, &c2);
	ck_assert_msg(cJSON_GetArraySize(c2) == 0, "%s", causes_text(c2));
	/* Volcano's schema defaults inside the patch; ours keeps it as is */
	ck_assert_int_eq(
		jf_json_int(o2, "spec.flows[0].patch.jobSpec.maxRetry", 0), 1);
	assert_accepted_intact(ours, flow, "Volcano-shaped flow");
	/* the terminal phases Volcano spells its own way */
	ck_assert_str_eq(jf_json_str(o2, "status.state.phase", ""), "Succeed");
	cJSON_Delete(c2);
	cJSON_Delete(o2);
	cJSON_Delete(flow);
	cJSON_Delete(ours);
	cJSON_Delete(volc);
}
END_TEST

START_TEST(new_fields_intact)
{
	cJSON *ours = load_one(OUR_JF);
	cJSON *all = load_one("tests/data/deploy/jobflow-all-fields.yaml");
	cJSON *st = load_one("tests/data/deploy/jobflow-status.yaml");

	assert_accepted_intact(ours, all, "jobflow-all-fields.yaml");
	assert_accepted_intact(ours, st, "jobflow-status.yaml");
	/* the fixture really has the values the check relies on */
	ck_assert(cJSON_IsNull(jf_json_at(all, "spec.params[6].value")));
	ck_assert(cJSON_IsNull(
		jf_json_at(all, "spec.flows[0].patch.jobSpec.tasks[0]."
				"template.spec.nodeSelector.disktype")));
	ck_assert_str_eq(jf_json_str(all,
				     "spec.flows[0].patch.jobSpec.minAvailable",
				     ""),
			 "{{params.gpus}}");
	ck_assert_int_eq(cJSON_GetArraySize(jf_json_at(
				 all, "spec.flows[2].forEach.items")),
			 7);
	ck_assert_str_eq(
		jf_json_str(
			st,
			"status.stepStatuses[1].iterationStatuses[1].futureField",
			""),
		"kept");
	cJSON_Delete(all);
	cJSON_Delete(st);
	cJSON_Delete(ours);
}
END_TEST

/* volcano-sh/dashboard#313: a tolerations-only patch. */
START_TEST(partial_patch_gets_nothing_injected)
{
	cJSON *ours = load_one(OUR_JF), *volc = load_one(VOLC_JF);
	cJSON *flow =
		load_one("tests/data/deploy/jobflow-patch-tolerations.yaml");
	cJSON *causes, *out;
	const cJSON *c;
	bool containers = false;

	assert_accepted_intact(ours, flow, "tolerations-only patch");
	out = apply(ours, flow, &causes);
	ck_assert_ptr_null(
		jf_json_at(out, "spec.flows[0].patch.jobSpec.maxRetry"));
	ck_assert_ptr_null(
		jf_json_at(out, "spec.flows[0].patch.jobSpec.queue"));
	ck_assert_str_eq(
		jf_json_str(out,
			    "spec.flows[0].patch.jobSpec.tasks[0].template."
			    "spec.tolerations[0].key",
			    ""),
		"nvidia.com/gpu");
	cJSON_Delete(causes);
	cJSON_Delete(out);
	/* upstream's schema injects defaults and requires containers */
	out = apply(volc, flow, &causes);
	ck_assert_int_gt(cJSON_GetArraySize(causes), 0);
	cJSON_ArrayForEach (c, causes) {
		if (strstr(jf_json_str(c, "field", ""),
			   "spec.flows[0].patch.jobSpec.tasks[0].template.spec.containers"))
			containers = true;
	}
	ck_assert_msg(containers, "%s", causes_text(causes));
	ck_assert_int_eq(
		jf_json_int(out, "spec.flows[0].patch.jobSpec.maxRetry", 0), 3);
	ck_assert_str_eq(
		jf_json_str(out, "spec.flows[0].patch.jobSpec.queue", ""),
		"default");
	cJSON_Delete(causes);
	cJSON_Delete(out);
	cJSON_Delete(flow);
	cJSON_Delete(ours);
	cJSON_Delete(volc);
}
END_TEST

/* One bad value each: parent path, key, JSON value (NULL: remove the key),
 * the field the single cause must name. */
static const struct bad {
	const char *parent, *key, *value, *field;
} bads[] = {
	{"spec.retryPolicy", "policy", "\"Sometimes\"",
	 "spec.retryPolicy.policy"},
	{"spec.flows[0].retryPolicy", "limit", "-1",
	 "spec.flows[0].retryPolicy.limit"},
	{"spec.retryPolicy.backoff", "jitter", "2",
	 "spec.retryPolicy.backoff.jitter"},
	{"spec.retryPolicy.backoff", "jitter", "-0.1",
	 "spec.retryPolicy.backoff.jitter"},
	{"spec.retryPolicy.backoff", "factor", "0.5",
	 "spec.retryPolicy.backoff.factor"},
	{"spec.retryPolicy.backoff", "duration", "10",
	 "spec.retryPolicy.backoff.duration"},
	{"spec.flows[1].dependsOn", "policy", "\"Any\"",
	 "spec.flows[1].dependsOn.policy"},
	{"spec.flows[2].forEach", "parallelism", "0",
	 "spec.flows[2].forEach.parallelism"},
	{"spec.flows[3].forEach", "maxFailures", "-1",
	 "spec.flows[3].forEach.maxFailures"},
	{"spec.flows[3].forEach.range", "step", "1.5",
	 "spec.flows[3].forEach.range.step"},
	{"spec.flows[2].forEach", "items", "{\"a\":1}",
	 "spec.flows[2].forEach.items"},
	{"spec.flows[0]", "maxRetry", "-1", "spec.flows[0].maxRetry"},
	{"spec.flows[0]", "jobTemplate", "\"\"", "spec.flows[0].jobTemplate"},
	{"spec.flows[0]", "timeout", "7200", "spec.flows[0].timeout"},
	{"spec.flows[0]", "when", "true", "spec.flows[0].when"},
	{"spec.flows[1]", "switch", "{}", "spec.flows[1].switch"},
	{"spec.flows[0].patch", "jobSpec", "[]", "spec.flows[0].patch.jobSpec"},
	{"spec.flows[0]", "name", "\"\"", "spec.flows[0].name"},
	{"spec.flows[0]", "name", NULL, "spec.flows[0].name"},
	{"spec.params[0]", "name", NULL, "spec.params[0].name"},
	{"spec", "jobRetainPolicy", "\"keep\"", "spec.jobRetainPolicy"},
};

START_TEST(bad_values_rejected)
{
	const struct bad *b = &bads[_i];
	cJSON *ours = load_one(OUR_JF);
	cJSON *flow = load_one("tests/data/deploy/jobflow-all-fields.yaml");
	cJSON *parent = jf_json_at_mut(flow, b->parent), *causes, *out;
	struct jf_errmsg e = {{0}};

	ck_assert_msg(cJSON_IsObject(parent), "fixture lacks %s", b->parent);
	ck_assert_ptr_nonnull(cJSON_GetObjectItemCaseSensitive(parent, b->key));
	if (b->value) {
		cJSON *v;

		ck_assert_int_eq(
			jf_json_parse(b->value, strlen(b->value), 0, &v, &e),
			0);
		ck_assert_int_eq(jf_json_set(parent, b->key, v), 0);
	} else {
		cJSON_DeleteItemFromObjectCaseSensitive(parent, b->key);
	}
	out = apply(ours, flow, &causes);
	ck_assert_msg(cJSON_GetArraySize(causes) == 1, "%s.%s=%s: %s",
		      b->parent, b->key, b->value ? b->value : "(removed)",
		      causes_text(causes));
	ck_assert_str_eq(jf_json_str(causes, "[0].field", ""), b->field);
	cJSON_Delete(causes);
	cJSON_Delete(out);
	cJSON_Delete(flow);
	cJSON_Delete(ours);
}
END_TEST

/* Status values the schema pins down (Volcano's phase spelling, condition
 * status) are enforced on /status writes too. */
START_TEST(bad_status_rejected)
{
	static const struct bad sbads[] = {
		{"status.state", "phase", "\"Succeeded\"",
		 "status.state.phase"},
		{"status.stepConditions[0]", "status", "\"Maybe\"",
		 "status.stepConditions[0].status"},
		{"status.stepConditions[1]", "reason", "\"not valid\"",
		 "status.stepConditions[1].reason"},
		{"status.stepStatuses[0]", "startTime", "\"yesterday\"",
		 "status.stepStatuses[0].startTime"},
		{"status.stepStatuses[1]", "attempts", "-1",
		 "status.stepStatuses[1].attempts"},
		{"status", "observedGeneration", "\"3\"",
		 "status.observedGeneration"},
	};
	cJSON *ours = load_one(OUR_JF);

	for (size_t i = 0; i < sizeof(sbads) / sizeof(sbads[0]); i++) {
		cJSON *st = load_one("tests/data/deploy/jobflow-status.yaml");
		cJSON *parent = jf_json_at_mut(st, sbads[i].parent), *v,
		      *causes, *out;
		struct jf_errmsg e = {{0}};

		ck_assert_ptr_nonnull(parent);
		ck_assert_int_eq(jf_json_parse(sbads[i].value,
					       strlen(sbads[i].value), 0, &v,
					       &e),
				 0);
		ck_assert_int_eq(jf_json_set(parent, sbads[i].key, v), 0);
		out = apply(ours, st, &causes);
		ck_assert_msg(cJSON_GetArraySize(causes) == 1, "%s: %s",
			      sbads[i].field, causes_text(causes));
		ck_assert_str_eq(jf_json_str(causes, "[0].field", ""),
				 sbads[i].field);
		cJSON_Delete(causes);
		cJSON_Delete(out);
		cJSON_Delete(st);
	}
	cJSON_Delete(ours);
}
END_TEST

/* --- ours is nowhere stricter than Volcano's
 * -------------------------------------- */

static bool is_free_object(const cJSON *s)
{
	return cJSON_IsTrue(
		       jf_json_at(s, "x-kubernetes-preserve-unknown-fields")) &&
	       !jf_json_at(s, "properties") &&
	       !jf_json_at(s, "additionalProperties");
}

/* Appends to out one line per way ours (o) is stricter than Volcano's (v)
 * at path p. Constraint keywords present in ours must be present and equal
 * in Volcano's; enums may only grow; required may only shrink. */
static void walk(const cJSON *v, const cJSON *o, const char *p, char *out,
		 size_t cap)
{
	static const char *const limits[] = {
		"pattern",	    "maxLength",     "minLength",
		"minimum",	    "maximum",	     "minItems",
		"maxItems",	    "format",	     "exclusiveMinimum",
		"exclusiveMaximum", "minProperties", "maxProperties"};
	const cJSON *x;
	char sub[1024];

#define NOTE(...)                                                              \
	do {                                                                   \
		size_t l = strlen(out);                                        \
		snprintf(out + l, cap - l, __VA_ARGS__);                       \
	} while (0)

	if (!o) {
		NOTE("%s: missing\n", p);
		return;
	}
	if (is_free_object(o)) {
		if (strcmp(jf_json_str(o, "type", "object"),
			   jf_json_str(v, "type", "object")))
			NOTE("%s: type %s, Volcano's %s\n", p,
			     jf_json_str(o, "type", ""),
			     jf_json_str(v, "type", ""));
		return; /* anything goes below */
	}
	if (strcmp(jf_json_str(o, "type", ""), jf_json_str(v, "type", "")))
		NOTE("%s: type '%s', Volcano's '%s'\n", p,
		     jf_json_str(o, "type", ""), jf_json_str(v, "type", ""));
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		const cJSON *ol =
			cJSON_GetObjectItemCaseSensitive(o, limits[i]);

		if (ol && !jf_json_equal(ol, cJSON_GetObjectItemCaseSensitive(
						     v, limits[i])))
			NOTE("%s: %s differs from Volcano's\n", p, limits[i]);
	}
	cJSON_ArrayForEach (x, jf_json_at(o, "required")) {
		bool found = false;
		const cJSON *y;

		cJSON_ArrayForEach (y, jf_json_at(v, "required")) {
			if (jf_json_equal(x, y))
				found = true;
		}
		if (!found)
			NOTE("%s: requires '%s'\n", p, x->valuestring);
	}
	if (jf_json_at(o, "enum")) {
		cJSON_ArrayForEach (x, jf_json_at(v, "enum")) {
			bool found = false;
			const cJSON *y;

			cJSON_ArrayForEach (y, jf_json_at(o, "enum")) {
				if (jf_json_equal(x, y))
					found = true;
			}
			if (!jf_json_at(v, "enum") || !found)
				NOTE("%s: enum lacks a value of Volcano's\n",
				     p);
		}
		if (!jf_json_at(v, "enum"))
			NOTE("%s: enum where Volcano has none\n", p);
	}
	cJSON_ArrayForEach (x, jf_json_at(v, "properties")) {
		snprintf(sub, sizeof(sub), "%s.%s", p, x->string);
		walk(x,
		     cJSON_GetObjectItemCaseSensitive(
			     jf_json_at(o, "properties"), x->string),
		     sub, out, cap);
	}
	if (jf_json_at(v, "items")) {
		snprintf(sub, sizeof(sub), "%s[]", p);
		walk(jf_json_at(v, "items"), jf_json_at(o, "items"), sub, out,
		     cap);
	}
	if (cJSON_IsObject(jf_json_at(v, "additionalProperties"))) {
		snprintf(sub, sizeof(sub), "%s{}", p);
		walk(jf_json_at(v, "additionalProperties"),
		     jf_json_at(o, "additionalProperties"), sub, out, cap);
	}
#undef NOTE
}

START_TEST(not_stricter_than_volcano)
{
	cJSON *ours = load_one(OUR_JF), *volc = load_one(VOLC_JF);
	static char out[65536];

	out[0] = '\0';
	walk(jf_json_at(volc, SCHEMA), jf_json_at(ours, SCHEMA), "", out,
	     sizeof(out));
	ck_assert_msg(out[0] == '\0', "ours is stricter than Volcano's:\n%s",
		      out);
	cJSON_Delete(ours);
	cJSON_Delete(volc);
}
END_TEST

/* The walk itself notices a tightened, a removed and a retyped field. */
START_TEST(walk_detects_drift)
{
	cJSON *ours = load_one(OUR_JF), *volc = load_one(VOLC_JF);
	cJSON *flows = jf_json_at_mut(
		ours, SCHEMA ".properties.spec.properties.flows.items");
	static char out[65536];

	ck_assert_ptr_nonnull(flows);
	jf_json_set_int(jf_json_at_mut(flows, "properties.name"), "maxLength",
			10);
	cJSON_DeleteItemFromObjectCaseSensitive(
		jf_json_at_mut(flows, "properties.dependsOn.properties"),
		"targets");
	jf_json_set_str(
		jf_json_at_mut(ours, SCHEMA
			       ".properties.status.properties.failedJobs"),
		"type", "string");
	cJSON_AddItemToArray(jf_json_at_mut(ours, SCHEMA
					    ".properties.status.properties."
					    "state.properties.phase.enum"),
			     cJSON_CreateString("Extra"));
	cJSON_DeleteItemFromArray(jf_json_at_mut(ours, SCHEMA
						 ".properties.spec.properties."
						 "jobRetainPolicy.enum"),
				  1);
	out[0] = '\0';
	walk(jf_json_at(volc, SCHEMA), jf_json_at(ours, SCHEMA), "", out,
	     sizeof(out));
	ck_assert_msg(strstr(out, ".spec.flows[].name: maxLength differs") !=
			      NULL,
		      "%s", out);
	ck_assert_msg(strstr(out, ".spec.flows[].dependsOn.targets: missing") !=
			      NULL,
		      "%s", out);
	ck_assert_msg(
		strstr(out,
		       ".status.failedJobs: type 'string', Volcano's 'array'") !=
			NULL,
		"%s", out);
	ck_assert_msg(strstr(out, ".spec.jobRetainPolicy: enum lacks") != NULL,
		      "%s", out);
	ck_assert_msg(strstr(out, ".status.state.phase") == NULL, "%s",
		      out); /* a wider enum is fine */
	cJSON_Delete(ours);
	cJSON_Delete(volc);
}
END_TEST

/* Every new field, with its type; and patch.jobSpec is free-form. */
START_TEST(new_field_types)
{
	static const char *const fields[][2] = {
		{"spec.params", "array"},
		{"spec.retryPolicy.limit", "integer"},
		{"spec.retryPolicy.policy", "string"},
		{"spec.retryPolicy.backoff.duration", "string"},
		{"spec.retryPolicy.backoff.factor", "number"},
		{"spec.retryPolicy.backoff.cap", "string"},
		{"spec.retryPolicy.backoff.maxDuration", "string"},
		{"spec.retryPolicy.backoff.jitter", "number"},
		{"spec.retryPolicy.when", "string"},
		{"spec.flows[].jobTemplate", "string"},
		{"spec.flows[].dependsOn.policy", "string"},
		{"spec.flows[].maxRetry", "integer"},
		{"spec.flows[].retryPolicy.backoff.jitter", "number"},
		{"spec.flows[].when", "string"},
		{"spec.flows[].switch", "array"},
		{"spec.flows[].switch[].when", "string"},
		{"spec.flows[].switch[].jobTemplate", "string"},
		{"spec.flows[].switch[].patch.jobSpec", "object"},
		{"spec.flows[].forEach.items", "array"},
		{"spec.flows[].forEach.range.start", "integer"},
		{"spec.flows[].forEach.range.end", "integer"},
		{"spec.flows[].forEach.range.step", "integer"},
		{"spec.flows[].forEach.param", "string"},
		{"spec.flows[].forEach.parallelism", "integer"},
		{"spec.flows[].forEach.maxFailures", "integer"},
		{"spec.flows[].timeout", "string"},
		{"status.observedGeneration", "integer"},
		{"status.stepStatuses[].iterations.total", "integer"},
		{"status.stepStatuses[].lastFailure.time", "string"},
		{"status.stepStatuses[].nextRetryTime", "string"},
		{"status.stepConditions[].lastTransitionTime", "string"},
		{"status.retry.observedId", "string"},
	};
	cJSON *ours = load_one(OUR_JF);
	const cJSON *root = jf_json_at(ours, SCHEMA), *n, *js;

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		char path[256], *tok, *save = NULL;

		snprintf(path, sizeof(path), "%s", fields[i][0]);
		n = root;
		for (tok = strtok_r(path, ".", &save); tok && n;
		     tok = strtok_r(NULL, ".", &save)) {
			size_t l = strlen(tok);
			bool item = l > 2 && !strcmp(tok + l - 2, "[]");

			if (item)
				tok[l - 2] = '\0';
			n = cJSON_GetObjectItemCaseSensitive(
				jf_json_at(n, "properties"), tok);
			if (item)
				n = jf_json_at(n, "items");
		}
		ck_assert_msg(n != NULL, "no %s", fields[i][0]);
		ck_assert_msg(!strcmp(jf_json_str(n, "type", ""), fields[i][1]),
			      "%s: type '%s', want '%s'", fields[i][0],
			      jf_json_str(n, "type", ""), fields[i][1]);
		ck_assert_msg(!jf_json_at(n, "default"), "%s has a default",
			      fields[i][0]);
	}
	js = jf_json_at(
		root, "properties.spec.properties.flows.items.properties.patch."
		      "properties.jobSpec");
	ck_assert(is_free_object(js));
	ck_assert_ptr_null(jf_json_at(js, "required"));
	ck_assert_ptr_null(jf_json_at(js, "default"));
	cJSON_Delete(ours);
}
END_TEST

/* No default anywhere in our JobFlow schema: nothing changes Volcano's
 * behaviour or hides what the user wrote. */
static int count_defaults(const cJSON *n)
{
	const cJSON *c;
	int k = 0;

	if (!cJSON_IsObject(n) && !cJSON_IsArray(n))
		return 0;
	if (cJSON_GetObjectItemCaseSensitive(n, "default"))
		k++;
	cJSON_ArrayForEach (c, n)
		k += count_defaults(c);
	return k;
}

START_TEST(no_defaults_in_jobflow_schema)
{
	cJSON *ours = load_one(OUR_JF), *volc = load_one(VOLC_JF);

	ck_assert_int_eq(count_defaults(jf_json_at(ours, SCHEMA)), 0);
	ck_assert_int_gt(count_defaults(jf_json_at(volc, SCHEMA)),
			 50); /* all in patch.jobSpec */
	cJSON_Delete(ours);
	cJSON_Delete(volc);
}
END_TEST

static Suite *crds_suite(void)
{
	Suite *s = suite_create("crds");
	TCase *tc;

	tc = tcase_create("crd");
	tcase_add_test(tc, crds_are_served_like_volcanos);
	tcase_add_test(tc, names_and_columns);
	tcase_add_test(tc, schemas_are_structural);
	tcase_add_test(tc, jobtemplate_schema_is_volcanos);
	suite_add_tcase(s, tc);
	tc = tcase_create("objects");
	tcase_add_test(tc, volcano_examples_accepted_by_both);
	tcase_add_test(tc, volcano_shaped_fields_accepted);
	tcase_add_test(tc, new_fields_intact);
	tcase_add_test(tc, partial_patch_gets_nothing_injected);
	tcase_add_loop_test(tc, bad_values_rejected, 0,
			    sizeof(bads) / sizeof(bads[0]));
	tcase_add_test(tc, bad_status_rejected);
	suite_add_tcase(s, tc);
	tc = tcase_create("superset");
	tcase_add_test(tc, not_stricter_than_volcano);
	tcase_add_test(tc, walk_detects_drift);
	tcase_add_test(tc, new_field_types);
	tcase_add_test(tc, no_defaults_in_jobflow_schema);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(crds_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
