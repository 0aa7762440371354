/* check_ks_schema.c - Check suite for kubesim's structural-schema code
 * (tests/kubesim/schema*.c): the real Volcano CRDs, then one small schema
 * per keyword, then ks_schema_check(). */
#include <check.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"
#include "jf_yaml.h"
#include "tests/kubesim/ks_schema.h"
#include "tests/kubesim/schema_priv.h"

static cJSON *parse(const char *s)
{
	cJSON *j = NULL;
	struct jf_errmsg e = {{0}};

	ck_assert_msg(jf_json_parse(s, strlen(s), 0, &j, &e) == 0, "%s: %s", s,
		      e.msg);
	return j;
}

/* The openAPIV3Schema of the first version of a CRD in tests/data. */
static cJSON *crd_schema(const char *file)
{
	struct jf_yaml_stream st = {0};
	struct jf_errmsg e = {{0}};
	const char *src = getenv("JF_SRC_DIR");
	char path[512];
	const cJSON *s;
	cJSON *out;

	snprintf(path, sizeof(path), "%s/tests/data/volcano/%s",
		 src ? src : ".", file);
	ck_assert_msg(jf_yaml_load_file(path, &st, &e) == 0, "%s: %s", path,
		      e.msg);
	ck_assert_int_ge((int)st.ndocs, 1);
	s = jf_json_at(st.docs[0].json,
		       "spec.versions[0].schema.openAPIV3Schema");
	ck_assert_ptr_nonnull(s);
	out = jf_json_dup(s);
	jf_yaml_stream_release(&st);
	return out;
}

static cJSON *jobflow_schema, *template_schema, *job_schema;

static void load_crds(void)
{
	jobflow_schema = crd_schema("flow.volcano.sh_jobflows.yaml");
	template_schema = crd_schema("flow.volcano.sh_jobtemplates.yaml");
	job_schema = crd_schema("batch.volcano.sh_jobs.yaml");
}

static void free_crds(void)
{
	cJSON_Delete(jobflow_schema);
	cJSON_Delete(template_schema);
	cJSON_Delete(job_schema);
}

/* Applies schema to the object in text; returns the object (caller frees)
 * and the causes in *causes (caller frees). */
static cJSON *apply(const cJSON *schema, const char *text, cJSON **causes,
		    int *n)
{
	cJSON *obj = parse(text);

	*causes = cJSON_CreateArray();
	*n = ks_schema_apply(schema, obj, *causes);
	ck_assert_int_eq(*n, cJSON_GetArraySize(*causes));
	return obj;
}

static void expect_cause(const cJSON *causes, int i, const char *reason,
			 const char *field, const char *message)
{
	const cJSON *c = cJSON_GetArrayItem(causes, i);
	char *all = jf_json_print(causes);

	ck_assert_msg(c != NULL, "no cause %d in %s", i, all);
	ck_assert_msg(!strcmp(jf_json_str(c, "reason", ""), reason) &&
			      !strcmp(jf_json_str(c, "field", ""), field) &&
			      !strcmp(jf_json_str(c, "message", ""), message),
		      "cause %d: got %s\nwant reason %s field %s message %s", i,
		      all, reason, field, message);
	free(all);
}

/* --- the Volcano CRDs ------------------------------------------------------
 */

#define TEMPLATE_HEAD                                                            \
	"{\"apiVersion\":\"flow.volcano.sh/v1alpha1\",\"kind\":\"JobTemplate\"," \
	"\"metadata\":{\"name\":\"t\",\"namespace\":\"default\"},"
#define ONE_TASK                                                               \
	"\"tasks\":[{\"name\":\"a\",\"replicas\":1,\"template\":{\"spec\":{"   \
	"\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}}]"

START_TEST(test_crds_are_servable)
{
	char msg[512];

	ck_assert_msg(ks_schema_check(jobflow_schema, msg, sizeof(msg)) == 0,
		      "%s", msg);
	ck_assert_msg(ks_schema_check(template_schema, msg, sizeof(msg)) == 0,
		      "%s", msg);
	ck_assert_msg(ks_schema_check(job_schema, msg, sizeof(msg)) == 0, "%s",
		      msg);
}
END_TEST

START_TEST(test_template_defaults_and_pruning)
{
	cJSON *causes, *o;
	int n;

	o = apply(template_schema,
		  TEMPLATE_HEAD "\"spec\":{" ONE_TASK ",\"unknownField\":1,"
				"\"minAvailable\":null},\"junk\":{\"a\":1}}",
		  &causes, &n);
	ck_assert_int_eq(n, 0);
	/* the CRD's defaults */
	ck_assert_int_eq(jf_json_int(o, "spec.maxRetry", -1), 3);
	ck_assert_str_eq(jf_json_str(o, "spec.queue", "?"), "default");
	/* unknown fields pruned, also at the root; a null without default
	 * in a non-nullable field dropped */
	ck_assert_ptr_null(jf_json_at(o, "spec.unknownField"));
	ck_assert_ptr_null(jf_json_at(o, "junk"));
	ck_assert_ptr_null(jf_json_at(o, "spec.minAvailable"));
	ck_assert_ptr_nonnull(jf_json_at(o, "spec.tasks[0].template"));
	/* metadata, apiVersion and kind stay */
	ck_assert_str_eq(jf_json_str(o, "metadata.name", "?"), "t");
	ck_assert_str_eq(jf_json_str(o, "kind", "?"), "JobTemplate");
	cJSON_Delete(o);
	cJSON_Delete(causes);

	/* an explicit value wins; a null in non-nullable maxRetry is dropped
	 * and then defaulted */
	o = apply(template_schema,
		  TEMPLATE_HEAD "\"spec\":{" ONE_TASK
				",\"maxRetry\":null,\"queue\":\"q1\"}}",
		  &causes, &n);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(jf_json_int(o, "spec.maxRetry", -1), 3);
	ck_assert_str_eq(jf_json_str(o, "spec.queue", "?"), "q1");
	cJSON_Delete(o);
	cJSON_Delete(causes);
}
END_TEST

START_TEST(test_template_nested_defaults_in_tasks)
{
	cJSON *causes, *o;
	int n;

	o = apply(template_schema,
		  TEMPLATE_HEAD
		  "\"spec\":{\"tasks\":[{\"name\":\"a\",\"template\":{"
		  "\"metadata\":{\"annotations\":{\"kubesim.volcano.sh/"
		  "duration\":\"2s\"},\"junk\":1},\"spec\":{\"containers\":[{"
		  "\"name\":\"c\",\"image\":\"b\",\"ports\":[{"
		  "\"containerPort\":80},{\"containerPort\":81,"
		  "\"protocol\":\"UDP\"}],\"env\":[{\"name\":\"E\","
		  "\"valueFrom\":{\"configMapKeyRef\":{\"key\":\"k\"}}}]}]}}},"
		  "{\"name\":\"b\",\"partitionPolicy\":{\"totalPartitions\":2,"
		  "\"partitionSize\":1}}]}}",
		  &causes, &n);
	ck_assert_int_eq(n, 0);
	ck_assert_str_eq(
		jf_json_str(
			o,
			"spec.tasks[0].template.spec.containers[0].ports[0]."
			"protocol",
			"?"),
		"TCP");
	ck_assert_str_eq(
		jf_json_str(
			o,
			"spec.tasks[0].template.spec.containers[0].ports[1]."
			"protocol",
			"?"),
		"UDP");
	ck_assert_str_eq(
		jf_json_str(o,
			    "spec.tasks[0].template.spec.containers[0]."
			    "env[0].valueFrom.configMapKeyRef.name",
			    "?"),
		"");
	ck_assert_int_eq(
		jf_json_int(o, "spec.tasks[1].partitionPolicy.minPartitions",
			    -1),
		0);
	/* the pod template's metadata is a typed object: annotations stay,
	 * unknown fields go */
	ck_assert_str_eq(jf_json_str(o,
				     "spec.tasks[0].template.metadata."
				     "annotations[\"kubesim.volcano.sh/"
				     "duration\"]",
				     "?"),
			 "2s");
	ck_assert_ptr_null(
		jf_json_at(o, "spec.tasks[0].template.metadata.junk"));
	cJSON_Delete(o);
	cJSON_Delete(causes);
}
END_TEST

START_TEST(test_template_rejections)
{
	cJSON *causes, *o;
	int n;

	o = apply(
		template_schema,
		TEMPLATE_HEAD
		"\"spec\":{\"tasks\":[],\"maxRetry\":-1,\"minAvailable\":1.5,"
		"\"queue\":\"Bad_Q\",\"schedulerName\":"
		"\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
		"\"ttlSecondsAfterFinished\":3000000000}}",
		&causes, &n);
	ck_assert_int_eq(n, 6);
	/* in document order */
	expect_cause(
		causes, 0, "FieldValueInvalid", "spec.tasks",
		"Invalid value: 0: spec.tasks in body should have at least "
		"1 items");
	expect_cause(causes, 1, "FieldValueInvalid", "spec.maxRetry",
		     "Invalid value: -1: spec.maxRetry in body should be "
		     "greater than or equal to 0");
	expect_cause(
		causes, 2, "FieldValueTypeInvalid", "spec.minAvailable",
		"Invalid value: \"number\": spec.minAvailable in body must "
		"be of type integer: \"number\"");
	expect_cause(
		causes, 3, "FieldValueInvalid", "spec.queue",
		"Invalid value: \"Bad_Q\": spec.queue in body should match "
		"'^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'");
	expect_cause(causes, 4, "FieldValueTooLong", "spec.schedulerName",
		     "Too long: may not be longer than 63");
	expect_cause(
		causes, 5, "FieldValueInvalid", "spec.ttlSecondsAfterFinished",
		"Invalid value: \"\": Checked value must be of type integer "
		"with format int32 in spec.ttlSecondsAfterFinished");
	cJSON_Delete(o);
	cJSON_Delete(causes);
}
END_TEST

START_TEST(test_template_list_map_and_quantities)
{
	cJSON *causes, *o;
	int n;

	/* ports is a list-type map keyed by containerPort+protocol; the
	 * second port is a duplicate once protocol is defaulted */
	o = apply(
		template_schema,
		TEMPLATE_HEAD
		"\"spec\":{\"tasks\":[{\"name\":\"a\",\"template\":{\"spec\":"
		"{\"containers\":[{\"name\":\"c\",\"image\":\"b\",\"ports\":"
		"[{\"containerPort\":80},{\"containerPort\":80,\"protocol\":"
		"\"TCP\"}],\"resources\":{\"limits\":{\"cpu\":2,\"memory\":"
		"\"1Gi\",\"x\":\"1.5e3\",\"bad\":\"lots\",\"flag\":true}}}]}}}]}}",
		&causes, &n);
	ck_assert_int_eq(n, 3);
	expect_cause(causes, 0, "FieldValueDuplicate",
		     "spec.tasks[0].template.spec.containers[0].ports[1]",
		     "Duplicate value: map[string]interface {}{"
		     "\"containerPort\":80, \"protocol\":\"TCP\"}");
	expect_cause(
		causes, 1, "FieldValueInvalid",
		"spec.tasks[0].template.spec.containers[0].resources.limits."
		"bad",
		"Invalid value: \"lots\": spec.tasks[0].template.spec."
		"containers[0].resources.limits.bad in body should match "
		"'^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|"
		"[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|"
		"(\\.[0-9]+))))?$'");
	expect_cause(
		causes, 2, "FieldValueTypeInvalid",
		"spec.tasks[0].template.spec.containers[0].resources.limits."
		"flag",
		"Invalid value: \"boolean\": spec.tasks[0].template.spec."
		"containers[0].resources.limits.flag in body must be of "
		"type integer,string: \"boolean\"");
	cJSON_Delete(o);
	cJSON_Delete(causes);
}
END_TEST

START_TEST(test_jobflow_rejections)
{
	cJSON *causes, *o;
	int n;

	o = apply(
		jobflow_schema,
		"{\"apiVersion\":\"flow.volcano.sh/v1alpha1\",\"kind\":"
		"\"JobFlow\",\"metadata\":{\"name\":\"f\"},\"spec\":{"
		"\"jobRetainPolicy\":\"keep\",\"flows\":[{\"name\":\"a\"},"
		"{\"dependsOn\":{\"targets\":[\"a\"]}},{\"name\":\"\"}]},"
		"\"status\":{\"conditions\":{\"a\":{\"createTime\":\"yesterday\","
		"\"phase\":\"Running\"}},\"state\":{\"phase\":\"Done\"}}}",
		&causes, &n);
	ck_assert_int_eq(n, 5);
	expect_cause(causes, 0, "FieldValueNotSupported",
		     "spec.jobRetainPolicy",
		     "Unsupported value: \"keep\": supported values: "
		     "\"retain\", \"delete\"");
	expect_cause(causes, 1, "FieldValueRequired", "spec.flows[1].name",
		     "Required value");
	expect_cause(
		causes, 2, "FieldValueInvalid", "spec.flows[2].name",
		"Invalid value: \"\": spec.flows[2].name in body should be "
		"at least 1 chars long");
	expect_cause(causes, 3, "FieldValueTypeInvalid",
		     "status.conditions.a.createTime",
		     "Invalid value: \"yesterday\": status.conditions.a."
		     "createTime in body must be of type date-time: "
		     "\"yesterday\"");
	ck_assert_str_eq(
		jf_json_str(cJSON_GetArrayItem(causes, 4), "reason", ""),
		"FieldValueNotSupported");
	ck_assert_str_eq(
		jf_json_str(cJSON_GetArrayItem(causes, 4), "field", ""),
		"status.state.phase");
	cJSON_Delete(o);
	cJSON_Delete(causes);

	/* a valid flow with a well-formed date-time passes */
	o = apply(
		jobflow_schema,
		"{\"apiVersion\":\"flow.volcano.sh/v1alpha1\",\"kind\":"
		"\"JobFlow\",\"metadata\":{\"name\":\"f\"},\"spec\":{"
		"\"jobRetainPolicy\":\"retain\",\"flows\":[{\"name\":\"a\"}]},"
		"\"status\":{\"conditions\":{\"a\":{\"createTime\":"
		"\"2026-08-22T10:01:02Z\"}}}}",
		&causes, &n);
	ck_assert_int_eq(n, 0);
	cJSON_Delete(o);
	cJSON_Delete(causes);
}
END_TEST

START_TEST(test_job_defaults)
{
	cJSON *causes, *o;
	int n;

	o = apply(
		job_schema,
		"{\"apiVersion\":\"batch.volcano.sh/v1alpha1\",\"kind\":\"Job\","
		"\"metadata\":{\"name\":\"j\"},\"spec\":{" ONE_TASK
		",\"networkTopology\":{}}}",
		&causes, &n);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(jf_json_int(o, "spec.maxRetry", -1), 3);
	ck_assert_str_eq(jf_json_str(o, "spec.networkTopology.mode", "?"),
			 "hard");
	cJSON_Delete(o);
	cJSON_Delete(causes);
}
END_TEST

/* --- one small schema per keyword ----------------------------------------- */

static const struct {
	const char *name, *schema, *in;
	const char *out;    /* NULL: unchanged */
	const char *causes; /* JSON array of {reason, field, message} */
} kw[] = {
	{"type string",
	 "{\"type\":\"object\",\"properties\":{\"s\":{\"type\":\"string\"}}}",
	 "{\"s\":5}", NULL,
	 "[{\"reason\":\"FieldValueTypeInvalid\",\"field\":\"s\",\"message\":\"Invalid value: \\\"integer\\\": s in body must be of type string: \\\"integer\\\"\"}]"},
	{"type integer vs number",
	 "{\"type\":\"object\",\"properties\":{\"i\":{\"type\":\"integer\"},\"n\":{\"type\":\"number\"}}}",
	 "{\"i\":1.5,\"n\":2}", NULL,
	 "[{\"reason\":\"FieldValueTypeInvalid\",\"field\":\"i\",\"message\":\"Invalid value: \\\"number\\\": i in body must be of type integer: \\\"number\\\"\"}]"},
	{"type integer accepts 2.0",
	 "{\"type\":\"object\",\"properties\":{\"i\":{\"type\":\"integer\"}}}",
	 "{\"i\":2.0}", NULL, "[]"},
	{"type boolean, array, object",
	 "{\"type\":\"object\",\"properties\":{\"b\":{\"type\":\"boolean\"},\"a\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},\"o\":{\"type\":\"object\"}}}",
	 "{\"b\":\"true\",\"a\":{},\"o\":[]}", NULL,
	 "[{\"reason\":\"FieldValueTypeInvalid\",\"field\":\"b\",\"message\":\"Invalid value: \\\"string\\\": b in body must be of type boolean: \\\"string\\\"\"},"
	 "{\"reason\":\"FieldValueTypeInvalid\",\"field\":\"a\",\"message\":\"Invalid value: \\\"object\\\": a in body must be of type array: \\\"object\\\"\"},"
	 "{\"reason\":\"FieldValueTypeInvalid\",\"field\":\"o\",\"message\":\"Invalid value: \\\"array\\\": o in body must be of type object: \\\"array\\\"\"}]"},
	{"properties prune unknown, recursively in items",
	 "{\"type\":\"object\",\"properties\":{\"l\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"k\":{\"type\":\"string\"}}}}}}",
	 "{\"l\":[{\"k\":\"v\",\"x\":1},{\"y\":{}}],\"zz\":2}",
	 "{\"l\":[{\"k\":\"v\"},{}]}", "[]"},
	{"required",
	 "{\"type\":\"object\",\"required\":[\"a\",\"b\"],\"properties\":{\"a\":{\"type\":\"string\"},\"b\":{\"type\":\"string\",\"nullable\":true}}}",
	 "{\"b\":null}", NULL,
	 "[{\"reason\":\"FieldValueRequired\",\"field\":\"a\",\"message\":\"Required value\"}]"},
	{"required null dropped then missing",
	 "{\"type\":\"object\",\"required\":[\"a\"],\"properties\":{\"a\":{\"type\":\"string\"}}}",
	 "{\"a\":null}", "{}",
	 "[{\"reason\":\"FieldValueRequired\",\"field\":\"a\",\"message\":\"Required value\"}]"},
	{"additionalProperties schema: map values validated and pruned",
	 "{\"type\":\"object\",\"properties\":{\"m\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\"}}}}}}",
	 "{\"m\":{\"a\":{\"n\":1,\"junk\":2},\"b\":{\"n\":\"x\"}}}",
	 "{\"m\":{\"a\":{\"n\":1},\"b\":{\"n\":\"x\"}}}",
	 "[{\"reason\":\"FieldValueTypeInvalid\",\"field\":\"m.b.n\",\"message\":\"Invalid value: \\\"string\\\": m.b.n in body must be of type integer: \\\"string\\\"\"}]"},
	{"additionalProperties key with dots is bracketed in paths",
	 "{\"type\":\"object\",\"properties\":{\"m\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"}}}}",
	 "{\"m\":{\"volcano.sh/x\":1}}", NULL,
	 "[{\"reason\":\"FieldValueTypeInvalid\",\"field\":\"m[\\\"volcano.sh/x\\\"]\",\"message\":\"Invalid value: \\\"integer\\\": m[\\\"volcano.sh/x\\\"] in body must be of type string: \\\"integer\\\"\"}]"},
	/* kube-apiserver prunes below additionalProperties: true as if no
	 * schema were given: nested objects are emptied */
	{"additionalProperties true",
	 "{\"type\":\"object\",\"properties\":{\"m\":{\"type\":\"object\",\"additionalProperties\":true}}}",
	 "{\"m\":{\"a\":{\"deep\":1},\"b\":2}}", "{\"m\":{\"a\":{},\"b\":2}}",
	 "[]"},
	{"additionalProperties false",
	 "{\"type\":\"object\",\"properties\":{\"m\":{\"type\":\"object\",\"additionalProperties\":false}}}",
	 "{\"m\":{\"a\":1}}", NULL,
	 "[{\"reason\":\"FieldValueInvalid\",\"field\":\"m\",\"message\":\"Invalid value: \\\"a\\\": m.a in body is a forbidden property\"}]"},
	{"enum strings and numbers",
	 "{\"type\":\"object\",\"properties\":{\"s\":{\"type\":\"string\",\"enum\":[\"x\",\"y\"]},\"n\":{\"type\":\"integer\",\"enum\":[1,2]},\"ok\":{\"type\":\"string\",\"enum\":[\"x\"]}}}",
	 "{\"s\":\"z\",\"n\":3,\"ok\":\"x\"}", NULL,
	 "[{\"reason\":\"FieldValueNotSupported\",\"field\":\"s\",\"message\":\"Unsupported value: \\\"z\\\": supported values: \\\"x\\\", \\\"y\\\"\"},"
	 "{\"reason\":\"FieldValueNotSupported\",\"field\":\"n\",\"message\":\"Unsupported value: 3: supported values: \\\"1\\\", \\\"2\\\"\"}]"},
	{"default when absent, not when present",
	 "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\",\"default\":1},\"b\":{\"type\":\"string\",\"default\":\"d\"}}}",
	 "{\"b\":\"set\"}", "{\"a\":1,\"b\":\"set\"}", "[]"},
	{"default for a non-nullable null; nullable null kept, not defaulted",
	 "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\",\"default\":1},\"b\":{\"type\":\"integer\",\"nullable\":true,\"default\":2},\"c\":{\"type\":\"string\"}}}",
	 "{\"a\":null,\"b\":null,\"c\":null}", "{\"a\":1,\"b\":null}", "[]"},
	{"defaults inside a defaulted object",
	 "{\"type\":\"object\",\"properties\":{\"o\":{\"type\":\"object\",\"default\":{},\"properties\":{\"x\":{\"type\":\"integer\",\"default\":7},\"p\":{\"type\":\"object\",\"default\":{\"q\":1},\"properties\":{\"q\":{\"type\":\"integer\"},\"r\":{\"type\":\"boolean\",\"default\":true}}}}}}}",
	 "{}", "{\"o\":{\"x\":7,\"p\":{\"q\":1,\"r\":true}}}", "[]"},
	{"defaults not applied below an absent parent",
	 "{\"type\":\"object\",\"properties\":{\"o\":{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"integer\",\"default\":7}}}}}",
	 "{}", "{}", "[]"},
	{"defaults in array items and null items",
	 "{\"type\":\"object\",\"properties\":{\"l\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"default\":{\"k\":\"dflt\"},\"properties\":{\"k\":{\"type\":\"string\"},\"n\":{\"type\":\"integer\",\"default\":0}}}}}}",
	 "{\"l\":[{\"k\":\"a\"},null]}",
	 "{\"l\":[{\"k\":\"a\",\"n\":0},{\"k\":\"dflt\",\"n\":0}]}", "[]"},
	{"null array item without default is a type error",
	 "{\"type\":\"object\",\"properties\":{\"l\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}}",
	 "{\"l\":[\"a\",null]}", NULL,
	 "[{\"reason\":\"FieldValueTypeInvalid\",\"field\":\"l[1]\",\"message\":\"Invalid value: \\\"null\\\": l[1] in body must be of type string: \\\"null\\\"\"}]"},
	{"defaults in additionalProperties values",
	 "{\"type\":\"object\",\"properties\":{\"m\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"object\",\"properties\":{\"p\":{\"type\":\"string\",\"default\":\"TCP\"}}}}}}",
	 "{\"m\":{\"a\":{},\"b\":{\"p\":\"UDP\"}}}",
	 "{\"m\":{\"a\":{\"p\":\"TCP\"},\"b\":{\"p\":\"UDP\"}}}", "[]"},
	{"maximum, exclusiveMaximum",
	 "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\",\"maximum\":10},\"b\":{\"type\":\"integer\",\"maximum\":10,\"exclusiveMaximum\":true},\"c\":{\"type\":\"number\",\"maximum\":0.25}}}",
	 "{\"a\":11,\"b\":10,\"c\":0.5}", NULL,
	 "[{\"reason\":\"FieldValueInvalid\",\"field\":\"a\",\"message\":\"Invalid value: 11: a in body should be less than or equal to 10\"},"
	 "{\"reason\":\"FieldValueInvalid\",\"field\":\"b\",\"message\":\"Invalid value: 10: b in body should be less than 10\"},"
	 "{\"reason\":\"FieldValueInvalid\",\"field\":\"c\",\"message\":\"Invalid value: 0.5: c in body should be less than or equal to 0.25\"}]"},
	{"minimum, exclusiveMinimum",
	 "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\",\"minimum\":1.5},\"b\":{\"type\":\"number\",\"minimum\":0,\"exclusiveMinimum\":true},\"c\":{\"type\":\"integer\",\"minimum\":0}}}",
	 "{\"a\":1,\"b\":0,\"c\":0}", NULL,
	 "[{\"reason\":\"FieldValueInvalid\",\"field\":\"a\",\"message\":\"Invalid value: 1: a in body should be greater than or equal to 1.5\"},"
	 "{\"reason\":\"FieldValueInvalid\",\"field\":\"b\",\"message\":\"Invalid value: 0: b in body should be greater than 0\"}]"},
	{"multipleOf",
	 "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\",\"multipleOf\":2},\"b\":{\"type\":\"number\",\"multipleOf\":0.5},\"c\":{\"type\":\"number\",\"multipleOf\":0.5}}}",
	 "{\"a\":7,\"b\":0.75,\"c\":1.5}", NULL,
	 "[{\"reason\":\"FieldValueInvalid\",\"field\":\"a\",\"message\":\"Invalid value: 7: a in body should be a multiple of 2\"},"
	 "{\"reason\":\"FieldValueInvalid\",\"field\":\"b\",\"message\":\"Invalid value: 0.75: b in body should be a multiple of 0.5\"}]"},
	{"minLength and maxLength count characters",
	 "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"maxLength\":5},\"b\":{\"type\":\"string\",\"maxLength\":5},\"c\":{\"type\":\"string\",\"minLength\":3}}}",
	 "{\"a\":\"h\\u00e9llo\",\"b\":\"h\\u00e9llo!\",\"c\":\"\\u00e9\\u00e9\"}",
	 NULL,
	 "[{\"reason\":\"FieldValueTooLong\",\"field\":\"b\",\"message\":\"Too long: may not be longer than 5\"},"
	 "{\"reason\":\"FieldValueInvalid\",\"field\":\"c\",\"message\":\"Invalid value: \\\"\\u00e9\\u00e9\\\": c in body should be at least 3 chars long\"}]"},
	{"maxLength checked before pattern",
	 "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"maxLength\":2,\"pattern\":\"^x$\"}}}",
	 "{\"a\":\"abc\"}", NULL,
	 "[{\"reason\":\"FieldValueTooLong\",\"field\":\"a\",\"message\":\"Too long: may not be longer than 2\"}]"},
	{"pattern with RE2 escapes",
	 "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"pattern\":\"^\\\\d{3}-[\\\\w.]+\\\\s?$\"},\"b\":{\"type\":\"string\",\"pattern\":\"^\\\\d{3}-[\\\\w.]+\\\\s?$\"},\"c\":{\"type\":\"string\",\"pattern\":\"^a.c$\"}}}",
	 "{\"a\":\"123-x_y.z \",\"b\":\"12-x\",\"c\":\"a\\nc\"}", NULL,
	 "[{\"reason\":\"FieldValueInvalid\",\"field\":\"b\",\"message\":\"Invalid value: \\\"12-x\\\": b in body should match '^\\\\d{3}-[\\\\w.]+\\\\s?$'\"},"
	 "{\"reason\":\"FieldValueInvalid\",\"field\":\"c\",\"message\":\"Invalid value: \\\"a\\\\nc\\\": c in body should match '^a.c$'\"}]"},
	{"format int32, int64, float",
	 "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\",\"format\":\"int32\"},\"b\":{\"type\":\"integer\",\"format\":\"int64\"},\"c\":{\"type\":\"integer\",\"format\":\"int32\"},\"d\":{\"type\":\"number\",\"format\":\"float\"}}}",
	 "{\"a\":2147483648,\"b\":4294967296,\"c\":-2147483648,\"d\":1e300}",
	 NULL,
	 "[{\"reason\":\"FieldValueInvalid\",\"field\":\"a\",\"message\":\"Invalid value: \\\"\\\": Checked value must be of type integer with format int32 in a\"},"
	 "{\"reason\":\"FieldValueInvalid\",\"field\":\"d\",\"message\":\"Invalid value: \\\"\\\": Checked value must be of type number with format float in d\"}]"},
	{"format date-time and date", "{\"type\":\"object\",\"properties\":{\"t\":{\"type\":\"array\",\"items\":{\"type\":\"string\",\"format\":\"date-time\"}},\"d\":{\"type\":\"array\",\"items\":{\"type\":\"string\",\"format\":\"date\"}},\"u\":{\"type\":\"string\",\"format\":\"uuid\"}}}",
	 "{\"t\":[\"2026-08-22T10:01:02Z\",\"2026-08-22t10:01:02.345+02:00\",\"2024-02-29T23:59:59z\",\"\",\"2026-08-22 10:01:02Z\",\"2023-02-29T00:00:00Z\",\"2026-08-22T24:00:00Z\",\"2026-08-22T10:01:02\"],"
	 "\"d\":[\"2026-08-22\",\"2026-8-22\"],\"u\":\"not-validated\"}",
	 NULL,
	 "[{\"reason\":\"FieldValueTypeInvalid\",\"field\":\"t[3]\",\"message\":\"Invalid value: \\\"\\\": t[3] in body must be of type date-time: \\\"\\\"\"},"
	 "{\"reason\":\"FieldValueTypeInvalid\",\"field\":\"t[4]\",\"message\":\"Invalid value: \\\"2026-08-22 10:01:02Z\\\": t[4] in body must be of type date-time: \\\"2026-08-22 10:01:02Z\\\"\"},"
	 "{\"reason\":\"FieldValueTypeInvalid\",\"field\":\"t[5]\",\"message\":\"Invalid value: \\\"2023-02-29T00:00:00Z\\\": t[5] in body must be of type date-time: \\\"2023-02-29T00:00:00Z\\\"\"},"
	 "{\"reason\":\"FieldValueTypeInvalid\",\"field\":\"t[6]\",\"message\":\"Invalid value: \\\"2026-08-22T24:00:00Z\\\": t[6] in body must be of type date-time: \\\"2026-08-22T24:00:00Z\\\"\"},"
	 "{\"reason\":\"FieldValueTypeInvalid\",\"field\":\"t[7]\",\"message\":\"Invalid value: \\\"2026-08-22T10:01:02\\\": t[7] in body must be of type date-time: \\\"2026-08-22T10:01:02\\\"\"},"
	 "{\"reason\":\"FieldValueTypeInvalid\",\"field\":\"d[1]\",\"message\":\"Invalid value: \\\"2026-8-22\\\": d[1] in body must be of type date: \\\"2026-8-22\\\"\"}]"},
	{"minItems, maxItems",
	 "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"array\",\"items\":{\"type\":\"integer\"},\"maxItems\":2},\"b\":{\"type\":\"array\",\"items\":{\"type\":\"integer\"},\"minItems\":1}}}",
	 "{\"a\":[1,2,3],\"b\":[]}", NULL,
	 "[{\"reason\":\"FieldValueTooMany\",\"field\":\"a\",\"message\":\"Too many: 3: must have at most 2 items\"},"
	 "{\"reason\":\"FieldValueInvalid\",\"field\":\"b\",\"message\":\"Invalid value: 0: b in body should have at least 1 items\"}]"},
	{"minProperties, maxProperties",
	 "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"integer\"},\"maxProperties\":1},\"b\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"integer\"},\"minProperties\":2}}}",
	 "{\"a\":{\"x\":1,\"y\":2},\"b\":{\"x\":1}}", NULL,
	 "[{\"reason\":\"FieldValueTooMany\",\"field\":\"a\",\"message\":\"Too many: 2: must have at most 1 items\"},"
	 "{\"reason\":\"FieldValueInvalid\",\"field\":\"b\",\"message\":\"Invalid value: 2: b in body should have at least 2 properties\"}]"},
	{"x-kubernetes-preserve-unknown-fields keeps unknown, prunes known",
	 "{\"type\":\"object\",\"properties\":{\"p\":{\"type\":\"object\",\"x-kubernetes-preserve-unknown-fields\":true,\"properties\":{\"known\":{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}}}}}}}",
	 "{\"p\":{\"extra\":{\"deep\":[1,{\"x\":null}]},\"known\":{\"a\":1,\"b\":2}}}",
	 "{\"p\":{\"extra\":{\"deep\":[1,{\"x\":null}]},\"known\":{\"a\":1}}}",
	 "[]"},
	{"preserve-unknown-fields at the root still keeps metadata",
	 "{\"type\":\"object\",\"x-kubernetes-preserve-unknown-fields\":true,\"properties\":{\"metadata\":{\"type\":\"object\"},\"spec\":{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}}}}}",
	 "{\"metadata\":{\"name\":\"n\"},\"spec\":{\"a\":1,\"b\":2},\"x\":1}",
	 "{\"metadata\":{\"name\":\"n\"},\"spec\":{\"a\":1},\"x\":1}", "[]"},
	{"x-kubernetes-int-or-string",
	 "{\"type\":\"object\",\"properties\":{\"v\":{\"type\":\"array\",\"items\":{\"x-kubernetes-int-or-string\":true,\"anyOf\":[{\"type\":\"integer\"},{\"type\":\"string\"}]}}}}",
	 "{\"v\":[5,\"50%\",true,1.5]}", NULL,
	 "[{\"reason\":\"FieldValueTypeInvalid\",\"field\":\"v[2]\",\"message\":\"Invalid value: \\\"boolean\\\": v[2] in body must be of type integer,string: \\\"boolean\\\"\"},"
	 "{\"reason\":\"FieldValueTypeInvalid\",\"field\":\"v[3]\",\"message\":\"Invalid value: \\\"number\\\": v[3] in body must be of type integer,string: \\\"number\\\"\"}]"},
	{"x-kubernetes-embedded-resource keeps apiVersion/kind/metadata, requires apiVersion and kind",
	 "{\"type\":\"object\",\"properties\":{\"e\":{\"type\":\"object\",\"x-kubernetes-embedded-resource\":true,\"properties\":{\"spec\":{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}}}}}}}",
	 "{\"e\":{\"kind\":\"Pod\",\"metadata\":{\"name\":\"x\"},\"spec\":{\"a\":1,\"b\":2},\"other\":1}}",
	 "{\"e\":{\"kind\":\"Pod\",\"metadata\":{\"name\":\"x\"},\"spec\":{\"a\":1}}}",
	 "[{\"reason\":\"FieldValueRequired\",\"field\":\"e.apiVersion\",\"message\":\"Required value\"}]"},
	{"x-kubernetes-list-type set",
	 "{\"type\":\"object\",\"properties\":{\"s\":{\"type\":\"array\",\"x-kubernetes-list-type\":\"set\",\"items\":{\"type\":\"string\"}}}}",
	 "{\"s\":[\"a\",\"b\",\"a\",\"a\",\"b\"]}", NULL,
	 "[{\"reason\":\"FieldValueDuplicate\",\"field\":\"s[2]\",\"message\":\"Duplicate value: \\\"a\\\"\"},"
	 "{\"reason\":\"FieldValueDuplicate\",\"field\":\"s[4]\",\"message\":\"Duplicate value: \\\"b\\\"\"}]"},
	{"x-kubernetes-list-type map",
	 "{\"type\":\"object\",\"properties\":{\"m\":{\"type\":\"array\",\"x-kubernetes-list-type\":\"map\",\"x-kubernetes-list-map-keys\":[\"name\"],\"items\":{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},\"v\":{\"type\":\"integer\"}}}}}}",
	 "{\"m\":[{\"name\":\"a\",\"v\":1},{\"name\":\"b\"},{\"name\":\"a\",\"v\":2},{\"v\":3},{\"v\":4}]}",
	 NULL,
	 "[{\"reason\":\"FieldValueDuplicate\",\"field\":\"m[2]\",\"message\":\"Duplicate value: map[string]interface {}{\\\"name\\\":\\\"a\\\"}\"},"
	 "{\"reason\":\"FieldValueDuplicate\",\"field\":\"m[4]\",\"message\":\"Duplicate value: map[string]interface {}{}\"}]"},
	{"allOf",
	 "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\",\"allOf\":[{\"minimum\":0},{\"maximum\":5}]}}}",
	 "{\"a\":9}", NULL,
	 "[{\"reason\":\"FieldValueInvalid\",\"field\":\"a\",\"message\":\"Invalid value: 9: a in body should be less than or equal to 5\"},"
	 "{\"reason\":\"FieldValueInvalid\",\"field\":\"a\",\"message\":\"Invalid value: \\\"\\\": \\\"a\\\" must validate all the schemas (allOf)\"}]"},
	{"anyOf, oneOf, not",
	 "{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"object\",\"properties\":{\"p\":{\"type\":\"string\"},\"q\":{\"type\":\"string\"}},\"anyOf\":[{\"required\":[\"p\"]},{\"required\":[\"q\"]}]},\"y\":{\"type\":\"integer\",\"oneOf\":[{\"minimum\":0},{\"maximum\":10}]},\"z\":{\"type\":\"string\",\"not\":{\"enum\":[\"bad\"]}}}}",
	 "{\"x\":{},\"y\":5,\"z\":\"bad\"}", NULL,
	 "[{\"reason\":\"FieldValueInvalid\",\"field\":\"x\",\"message\":\"Invalid value: \\\"\\\": \\\"x\\\" must validate at least one schema (anyOf)\"},"
	 "{\"reason\":\"FieldValueInvalid\",\"field\":\"y\",\"message\":\"Invalid value: \\\"\\\": \\\"y\\\" must validate one and only one schema (oneOf). Found 2 valid alternatives\"},"
	 "{\"reason\":\"FieldValueInvalid\",\"field\":\"z\",\"message\":\"Invalid value: \\\"\\\": \\\"z\\\" must not validate the schema (not)\"}]"},
	{"root apiVersion, kind, metadata never pruned; metadata not validated",
	 "{\"type\":\"object\",\"properties\":{\"metadata\":{\"type\":\"object\"},\"spec\":{\"type\":\"object\"}}}",
	 "{\"apiVersion\":\"a/v1\",\"kind\":\"K\",\"metadata\":{\"name\":\"n\",\"labels\":{\"a\":\"b\"},\"x\":[1]},\"spec\":{\"s\":1},\"junk\":1}",
	 "{\"apiVersion\":\"a/v1\",\"kind\":\"K\",\"metadata\":{\"name\":\"n\",\"labels\":{\"a\":\"b\"},\"x\":[1]},\"spec\":{}}",
	 "[]"},
	{"x-kubernetes-validations (CEL) are ignored",
	 "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\",\"x-kubernetes-validations\":[{\"rule\":\"self > 100\"}]}}}",
	 "{\"a\":1}", NULL, "[]"},
	{"uniqueItems (never served, still validated)",
	 "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"array\",\"uniqueItems\":true,\"items\":{\"type\":\"integer\"}}}}",
	 "{\"a\":[1,2,1]}", NULL,
	 "[{\"reason\":\"FieldValueInvalid\",\"field\":\"a\",\"message\":\"Invalid value: \\\"\\\": a in body shouldn't contain duplicates\"}]"},
	{"root type", "{\"type\":\"object\",\"properties\":{}}", "[1]", NULL,
	 "[{\"reason\":\"FieldValueTypeInvalid\",\"field\":\"\",\"message\":\"Invalid value: \\\"array\\\":  in body must be of type object: \\\"array\\\"\"}]"},
};

START_TEST(test_keyword_table)
{
	cJSON *schema = parse(kw[_i].schema), *causes, *o, *want;
	char *got_c, *got_o;
	int n;

	o = apply(schema, kw[_i].in, &causes, &n);
	want = parse(kw[_i].causes);
	got_c = jf_json_print(causes);
	ck_assert_msg(jf_json_equal(causes, want), "%s: causes %s\nwant %s",
		      kw[_i].name, got_c, kw[_i].causes);
	cJSON_Delete(want);
	want = parse(kw[_i].out ? kw[_i].out : kw[_i].in);
	got_o = jf_json_print(o);
	ck_assert_msg(jf_json_equal(o, want), "%s: object %s\nwant %s",
		      kw[_i].name, got_o, kw[_i].out ? kw[_i].out : kw[_i].in);
	free(got_c);
	free(got_o);
	cJSON_Delete(want);
	cJSON_Delete(o);
	cJSON_Delete(causes);
	cJSON_Delete(schema);
}
END_TEST

START_TEST(test_apply_counts_without_causes_and_caps)
{
	cJSON *schema = parse("{\"type\":\"object\",\"properties\":{\"l\":{"
			      "\"type\":\"array\",\"items\":{\"type\":"
			      "\"string\"}}}}");
	cJSON *o = cJSON_CreateObject(), *l = cJSON_AddArrayToObject(o, "l");
	cJSON *causes = cJSON_CreateArray();

	for (int i = 0; i < 1000; i++)
		cJSON_AddItemToArray(l, cJSON_CreateNumber(i));
	/* no causes array: the problems are counted */
	ck_assert_int_eq(ks_schema_apply(schema, o, NULL), 1000);
	/* with one, at most KS_SCHEMA_MAX_CAUSES are kept */
	ck_assert_int_eq(ks_schema_apply(schema, o, causes),
			 KS_SCHEMA_MAX_CAUSES);
	ck_assert_int_eq(cJSON_GetArraySize(causes), KS_SCHEMA_MAX_CAUSES);
	ck_assert_int_eq(ks_schema_apply(schema, NULL, causes), 0);
	cJSON_Delete(causes);
	cJSON_Delete(o);
	cJSON_Delete(schema);
}
END_TEST

START_TEST(test_apply_depth_is_bounded)
{
	/* a schema and an object nested 300 levels (built in memory: the
	 * JSON parser would refuse them) */
	cJSON *schema = cJSON_CreateObject(), *s = schema;
	cJSON *obj = cJSON_CreateObject(), *o = obj, *causes;
	int n;

	for (int i = 0; i < 300; i++) {
		cJSON *props, *child;

		cJSON_AddStringToObject(s, "type", "object");
		props = cJSON_AddObjectToObject(s, "properties");
		child = cJSON_AddObjectToObject(props, "a");
		s = child;
		o = cJSON_AddObjectToObject(o, "a");
	}
	cJSON_AddStringToObject(s, "type", "object");
	causes = cJSON_CreateArray();
	n = ks_schema_apply(schema, obj, causes);
	ck_assert_int_eq(n, 1);
	ck_assert_msg(
		strstr(jf_json_str(cJSON_GetArrayItem(causes, 0), "message",
				   ""),
		       "nesting deeper than 256 levels") != NULL,
		"%s",
		jf_json_str(cJSON_GetArrayItem(causes, 0), "message", ""));
	cJSON_Delete(causes);
	cJSON_Delete(obj);
	cJSON_Delete(schema);
}
END_TEST

START_TEST(test_comma_locale_messages)
{
	cJSON *schema, *causes, *o;
	int n;

	if (!setlocale(LC_NUMERIC, "de_DE.UTF-8"))
		return;
	schema = parse("{\"type\":\"object\",\"properties\":{\"c\":{\"type\":"
		       "\"number\",\"maximum\":0.25}}}");
	o = apply(schema, "{\"c\":1234567.5}", &causes, &n);
	expect_cause(causes, 0, "FieldValueInvalid", "c",
		     "Invalid value: 1.2345675e+06: c in body should be less "
		     "than or equal to 0.25");
	setlocale(LC_NUMERIC, "C");
	cJSON_Delete(o);
	cJSON_Delete(causes);
	cJSON_Delete(schema);
}
END_TEST

/* --- formatting and pattern helpers --------------------------------------- */

START_TEST(test_go_float_format)
{
	static const struct {
		double v;
		const char *want;
	} t[] = {{1.5, "1.5"},
		 {0.1, "0.1"},
		 {100000, "100000"},
		 {1e6, "1e+06"},
		 {1234567.5, "1.2345675e+06"},
		 {0.0001, "0.0001"},
		 {0.00001, "1e-05"},
		 {-2.25, "-2.25"},
		 {1e21, "1e+21"},
		 {123.456, "123.456"},
		 {0, "0"}};
	char buf[64];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ks_fmt_float(buf, sizeof(buf), t[i].v);
		ck_assert_str_eq(buf, t[i].want);
	}
	ks_fmt_quote(buf, sizeof(buf), "a\"b\\c\n\x01\xff\xc3\xa9");
	ck_assert_str_eq(buf, "\"a\\\"b\\\\c\\n\\x01\\xff\xc3\xa9\"");
}
END_TEST

static const struct {
	const char *pattern, *subject;
	int match; /* 1, 0, or -1: the pattern is refused */
} patterns[] = {
	{"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
	 "a.b-c", 1},
	{"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
	 "a..b", 0},
	{"^[^:]+$", "abc", 1},
	{"^[^:]+$", "a:c", 0},
	{"^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$",
	 "+1.5Gi", 1},
	{"^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$",
	 "1.5Gb", 0},
	{"\\d+", "ab12", 1},
	{"^\\D+$", "ab12", 0},
	{"^\\w+$", "a_B9", 1},
	{"^\\W$", "_", 0},
	{"^\\s\\S$", " x", 1},
	{"^[\\d\\-]+$", "12-3", 1},
	{"^[\\]a]+$", "]a]", 1},
	{"^[]a]+$", "a]", 1},
	{"^[^\\]]+$", "a]", 0},
	{"^[a\\-z]$", "-", 1},
	{"^[a\\-z]$", "b", 0},
	{"^[\\\\/]$", "\\", 1},
	{"^[[:alpha:]]+$", "abc", 1},
	{"^[[:^digit:]]+$", "ab1", 0},
	{"^\\x41\\x{42}$", "AB", 1},
	{"^a.c$", "a\nc", 0},
	{"^a.c$", "abc", 1},
	{"(?i)^abc$", "AbC", 1},
	{"^(?:ab)+$", "abab", 1},
	{"^a+?b*?$", "aab", 1},
	{"^a{2,3}$", "aaaa", 0},
	{"^a{2,}$", "aaaa", 1},
	{"^a{,2}$", "a{,2}", 1}, /* not a repeat in Go: literal */
	{"^\\{\\}\\$\\^\\.$", "{}$^.", 1},
	{"\\Aab\\z", "ab", 1},
	{"^\\/$", "/", 1},
	{"^a{1001}$", "a", -1},
	{"\\p{L}", "a", -1},
	{"(?P<n>a)", "a", -1},
	{"[a-", "a", -1},
	{"\\1", "a", -1},
	{"^[z-a]$", "a", -1},
	{"^\\Q.\\E$", ".", -1},
	/* refused like Go refuses them, before glibc's regcomp expands
	 * nested repeats (found by fuzzing: 2^30 tree copies) */
	{"(?i)\xc3\xa9+++++++++++++++++++++++++++++", "x", -1},
	{"a**", "a", -1},
	{"*a", "a", -1},
	{"(a{1000}){1000}", "a", -1},
	{"((a{100}){100}){100}", "a", -1},
	{"^(a+)+$", "aaa", 1},
	{"^(a|b{2})*c$", "abbac", 1},
	{"a)", "a", -1},
};

START_TEST(test_pattern_translation)
{
	char err[128];
	regex_t re;
	int rc = ks_re_compile(patterns[_i].pattern, &re, err, sizeof(err));

	if (patterns[_i].match < 0) {
		ck_assert_msg(rc == -1, "'%s' compiled", patterns[_i].pattern);
		ck_assert(err[0] != '\0');
		return;
	}
	ck_assert_msg(rc == 0, "'%s': %s", patterns[_i].pattern, err);
	ck_assert_msg((regexec(&re, patterns[_i].subject, 0, NULL, 0) == 0) ==
			      (patterns[_i].match == 1),
		      "'%s' on '%s'", patterns[_i].pattern,
		      patterns[_i].subject);
	regfree(&re);
}
END_TEST

/* --- ks_schema_check -------------------------------------------------------
 */

static const struct {
	const char *schema, *msg; /* msg NULL: servable */
} checks[] = {
	{"{\"type\":\"object\",\"properties\":{\"a\":{\"x-kubernetes-int-or-string\":true,\"anyOf\":[{\"type\":\"integer\"},{\"type\":\"string\"}]},"
	 "\"b\":{\"x-kubernetes-int-or-string\":true,\"allOf\":[{\"anyOf\":[{\"type\":\"integer\"},{\"type\":\"string\"}]},{\"pattern\":\"^x\"}]},"
	 "\"c\":{\"x-kubernetes-preserve-unknown-fields\":true},\"d\":{\"type\":\"array\",\"x-kubernetes-list-type\":\"map\",\"x-kubernetes-list-map-keys\":[\"k\"],"
	 "\"items\":{\"type\":\"object\",\"properties\":{\"k\":{\"type\":\"string\"}}}},\"e\":{\"type\":\"string\",\"default\":\"x\",\"enum\":[\"x\"]},"
	 "\"f\":{\"type\":\"object\",\"x-kubernetes-embedded-resource\":true,\"x-kubernetes-preserve-unknown-fields\":true}},"
	 "\"x-kubernetes-validations\":[{\"rule\":\"true\"}]}",
	 NULL},
	{"{\"type\":\"object\",\"properties\":{\"metadata\":{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\",\"maxLength\":10}}}}}",
	 NULL},
	{"{\"type\":\"string\"}",
	 "openAPIV3Schema.type: Invalid value: \"string\": must be object at the root"},
	{"{\"properties\":{}}",
	 "openAPIV3Schema.type: Required value: must not be empty at the root"},
	{"{\"type\":\"object\",\"properties\":{\"a\":{}}}",
	 "openAPIV3Schema.properties[a].type: Required value: must not be empty for specified object fields"},
	{"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"array\",\"items\":{}}}}",
	 "openAPIV3Schema.properties[a].items.type: Required value: must not be empty for specified array items"},
	{"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"array\"}}}",
	 "openAPIV3Schema.properties[a].items: Required value: must be specified"},
	{"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"array\",\"uniqueItems\":true,\"items\":{\"type\":\"string\"}}}}",
	 "openAPIV3Schema.properties[a].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic"},
	{"{\"type\":\"object\",\"properties\":{\"a\":{\"$ref\":\"#/x\"}}}",
	 "openAPIV3Schema.properties[a].$ref: Forbidden: $ref is not supported"},
	{"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"null\"}}}",
	 "openAPIV3Schema.properties[a].type: Forbidden: type cannot be set to null, use nullable as an alternative"},
	{"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"int\"}}}",
	 "openAPIV3Schema.properties[a].type: Unsupported value: \"int\": supported values: \"array\", \"boolean\", \"integer\", \"number\", \"object\", \"string\""},
	{"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"string\"}},\"additionalProperties\":{\"type\":\"string\"}}}}",
	 "openAPIV3Schema.properties[a].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive"},
	{"{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"}}",
	 "openAPIV3Schema.additionalProperties: Forbidden: must not be used at the root"},
	{"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"object\",\"x-kubernetes-preserve-unknown-fields\":false}}}",
	 "openAPIV3Schema.properties[a].x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined"},
	{"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"pattern\":\"[a-\"}}}",
	 "openAPIV3Schema.properties[a].pattern: Invalid value: \"[a-\": must be a valid regular expression, but isn't: missing closing ]"},
	{"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\",\"minimum\":0,\"default\":-1}}}",
	 "openAPIV3Schema.properties[a].default: Invalid value: -1: default in body should be greater than or equal to 0"},
	{"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"integer\"}},\"default\":{\"y\":1}}}}",
	 "openAPIV3Schema.properties[a].default: Invalid value: {\"y\":1}: must not have unknown fields"},
	{"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"string\",\"enum\":[\"p\"]}},\"default\":{\"x\":\"q\"}}}}",
	 "openAPIV3Schema.properties[a].default.x: Unsupported value: \"q\": supported values: \"p\""},
	{"{\"type\":\"object\",\"properties\":{\"metadata\":{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\",\"default\":\"n\"}}}}}",
	 "openAPIV3Schema.properties[metadata].properties[name].default: Forbidden: must not be set in top-level metadata"},
	{"{\"type\":\"object\",\"properties\":{\"metadata\":{\"type\":\"object\",\"properties\":{\"labels\":{\"type\":\"object\"}}}}}",
	 "openAPIV3Schema.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified"},
	{"{\"type\":\"object\",\"properties\":{\"kind\":{\"type\":\"integer\"}}}",
	 "openAPIV3Schema.properties[kind].type: Invalid value: \"integer\": must be string"},
	{"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"anyOf\":[{\"type\":\"string\"}]}}}",
	 "openAPIV3Schema.properties[a].anyOf[0].type: Forbidden: must be empty to be structural"},
	{"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"allOf\":[{\"default\":\"x\"}]}}}",
	 "openAPIV3Schema.properties[a].allOf[0].default: Forbidden: must be undefined to be structural"},
	{"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"object\",\"not\":{\"properties\":{\"metadata\":{}}}}}}",
	 "openAPIV3Schema.properties[a].not.properties[metadata]: Forbidden: must not be specified in a nested context"},
	{"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"array\",\"x-kubernetes-list-type\":\"map\",\"items\":{\"type\":\"object\"}}}}",
	 "openAPIV3Schema.properties[a].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map"},
	{"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"array\",\"x-kubernetes-list-type\":\"map\",\"x-kubernetes-list-map-keys\":[\"k\"],\"items\":{\"type\":\"object\",\"properties\":{\"j\":{\"type\":\"string\"}}}}}}",
	 "openAPIV3Schema.properties[a].x-kubernetes-list-map-keys: Invalid value: \"k\": entries must all be names of item properties"},
	{"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"array\",\"x-kubernetes-list-type\":\"bag\",\"items\":{\"type\":\"string\"}}}}",
	 "openAPIV3Schema.properties[a].x-kubernetes-list-type: Unsupported value: \"bag\": supported values: \"atomic\", \"set\", \"map\""},
	{"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"x-kubernetes-embedded-resource\":true}}}",
	 "openAPIV3Schema.properties[a].type: Invalid value: \"string\": must be object if x-kubernetes-embedded-resource is true"},
	{"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"object\",\"x-kubernetes-embedded-resource\":true}}}",
	 "openAPIV3Schema.properties[a].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields"},
	{"{\"type\":\"object\",\"properties\":{\"a\":{\"x-kubernetes-int-or-string\":true,\"x-kubernetes-preserve-unknown-fields\":true}}}",
	 "openAPIV3Schema.properties[a].x-kubernetes-preserve-unknown-fields: Invalid value: true: must be false if x-kubernetes-int-or-string is true"},
	{"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"maxLength\":-1}}}",
	 "openAPIV3Schema.properties[a].maxLength: Invalid value: number: must be a non-negative integer"},
	{"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"array\",\"items\":[{\"type\":\"string\"}]}}}",
	 "openAPIV3Schema.properties[a].items: Forbidden: items must be a schema object and not an array"},
	{"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"nullable\":\"yes\"}}}",
	 "openAPIV3Schema.properties[a].nullable: Invalid value: string: must be a boolean"},
	{"[]", "openAPIV3Schema: Invalid value: array: must be an object"},
};

START_TEST(test_schema_check_table)
{
	cJSON *s = parse(checks[_i].schema);
	char msg[1024];
	int rc = ks_schema_check(s, msg, sizeof(msg));

	if (!checks[_i].msg) {
		ck_assert_msg(rc == 0, "case %d: %s", _i, msg);
		ck_assert_str_eq(msg, "");
	} else {
		ck_assert_int_eq(rc, -1);
		ck_assert_str_eq(msg, checks[_i].msg);
	}
	cJSON_Delete(s);
}
END_TEST

START_TEST(test_schema_check_caps)
{
	cJSON *s = cJSON_CreateObject(), *n = s;
	char pat[KS_PATTERN_MAX + 2], msg[2048];

	for (int i = 0; i < 300; i++) {
		cJSON_AddStringToObject(n, "type", "object");
		n = cJSON_AddObjectToObject(
			cJSON_AddObjectToObject(n, "properties"), "a");
	}
	cJSON_AddStringToObject(n, "type", "string");
	ck_assert_int_eq(ks_schema_check(s, msg, sizeof(msg)), -1);
	ck_assert_msg(strstr(msg, "nested deeper than 256 levels"), "%s", msg);
	cJSON_Delete(s);

	memset(pat, 'a', sizeof(pat) - 1);
	pat[sizeof(pat) - 1] = '\0';
	s = cJSON_CreateObject();
	cJSON_AddStringToObject(s, "type", "object");
	n = cJSON_AddObjectToObject(cJSON_AddObjectToObject(s, "properties"),
				    "p");
	cJSON_AddStringToObject(n, "type", "string");
	cJSON_AddStringToObject(n, "pattern", pat);
	ck_assert_int_eq(ks_schema_check(s, msg, sizeof(msg)), -1);
	ck_assert_msg(strstr(msg, "pattern longer than 4096 bytes"), "%s", msg);
	ck_assert_int_eq(ks_schema_check(NULL, msg, sizeof(msg)), -1);
	ck_assert_int_eq(ks_schema_check(s, NULL, 0), -1);
	cJSON_Delete(s);
}
END_TEST

static Suite *schema_suite(void)
{
	Suite *s = suite_create("ks_schema");
	TCase *tc;

	tc = tcase_create("volcano_crds");
	tcase_add_checked_fixture(tc, load_crds, free_crds);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_crds_are_servable);
	tcase_add_test(tc, test_template_defaults_and_pruning);
	tcase_add_test(tc, test_template_nested_defaults_in_tasks);
	tcase_add_test(tc, test_template_rejections);
	tcase_add_test(tc, test_template_list_map_and_quantities);
	tcase_add_test(tc, test_jobflow_rejections);
	tcase_add_test(tc, test_job_defaults);
	suite_add_tcase(s, tc);

	tc = tcase_create("keywords");
	tcase_add_loop_test(tc, test_keyword_table, 0,
			    (int)(sizeof(kw) / sizeof(kw[0])));
	tcase_add_test(tc, test_apply_counts_without_causes_and_caps);
	tcase_add_test(tc, test_apply_depth_is_bounded);
	tcase_add_test(tc, test_comma_locale_messages);
	suite_add_tcase(s, tc);

	tc = tcase_create("helpers");
	tcase_add_test(tc, test_go_float_format);
	tcase_add_loop_test(tc, test_pattern_translation, 0,
			    (int)(sizeof(patterns) / sizeof(patterns[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("check");
	tcase_add_loop_test(tc, test_schema_check_table, 0,
			    (int)(sizeof(checks) / sizeof(checks[0])));
	tcase_add_test(tc, test_schema_check_caps);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(schema_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
