/* check_kubesim.c - kubesim's API semantics over HTTPS: auth, CRUD and
 * Status errors, optimistic concurrency, generation and status rules,
 * patches, lists, CRD serving and discovery, deletion and GC. */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "tests/integ/ks_testutil.h"

#define CM "/api/v1/namespaces/default/configmaps"
#define WG "/apis/example.com/v1/namespaces/default/widgets"

START_TEST(test_auth_and_kubeconfig)
{
	cJSON *o = NULL;
	struct stat st;
	char *kc;

	ck_assert_int_eq(
		jf_test_req_token(&env, NULL, "GET", "/version", NULL, &o),
		401);
	ck_assert_str_eq(jstr(o, "kind"), "Status");
	ck_assert_str_eq(jstr(o, "reason"), "Unauthorized");
	ck_assert_int_eq(jf_json_int(o, "code", 0), 401);
	cJSON_Delete(o);
	ck_assert_int_eq(
		jf_test_req_token(&env, "wrong", "GET", CM, NULL, NULL), 401);
	ck_assert_int_eq(req("GET", "/version", NULL, &o), 200);
	ck_assert_str_eq(jstr(o, "major"), "1");
	ck_assert_str_eq(jstr(o, "minor"), "32");
	cJSON_Delete(o);
	ck_assert_int_eq(stat(env.kubeconfig, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	kc = jf_test_slurp(env.kubeconfig, NULL);
	ck_assert_ptr_nonnull(strstr(kc, "current-context: kubesim"));
	ck_assert_ptr_nonnull(strstr(kc, "certificate-authority-data: "));
	ck_assert_ptr_nonnull(strstr(env.server, "https://127.0.0.1:"));
	ck_assert_uint_ge(strlen(env.token), 32);
	free(kc);
	ck_assert_int_eq(req("GET", "/api/v1/namespaces/kube-system", NULL, &o),
			 200);
	ck_assert_str_eq(jstr(o, "status.phase"), "Active");
	cJSON_Delete(o);
}
END_TEST

START_TEST(test_crud_and_errors)
{
	cJSON *o = NULL;
	char rv[32], body[512], uid[64];

	ck_assert_int_eq(req("POST", CM,
			     "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
			     "\"metadata\":{\"name\":\"a\"},\"data\":{\"k\":"
			     "\"v\"}}",
			     &o),
			 201);
	ck_assert_str_eq(jstr(o, "metadata.namespace"), "default");
	ck_assert_int_eq(strlen(jstr(o, "metadata.uid")), 36);
	ck_assert_int_eq(strlen(jstr(o, "metadata.creationTimestamp")), 20);
	snprintf(rv, sizeof(rv), "%s", jstr(o, "metadata.resourceVersion"));
	snprintf(uid, sizeof(uid), "%s", jstr(o, "metadata.uid"));
	ck_assert_int_gt(atol(rv), 2);
	cJSON_Delete(o);
	/* AlreadyExists */
	ck_assert_int_eq(req("POST", CM, "{\"metadata\":{\"name\":\"a\"}}", &o),
			 409);
	ck_assert_str_eq(jstr(o, "reason"), "AlreadyExists");
	ck_assert_str_eq(jstr(o, "message"), "configmaps \"a\" already exists");
	ck_assert_str_eq(jstr(o, "details.name"), "a");
	ck_assert_str_eq(jstr(o, "details.kind"), "configmaps");
	ck_assert_str_eq(jstr(o, "status"), "Failure");
	cJSON_Delete(o);
	/* NotFound */
	ck_assert_int_eq(req("GET", CM "/zz", NULL, &o), 404);
	ck_assert_str_eq(jstr(o, "reason"), "NotFound");
	ck_assert_str_eq(jstr(o, "message"), "configmaps \"zz\" not found");
	cJSON_Delete(o);
	/* PUT without resourceVersion */
	ck_assert_int_eq(req("PUT", CM "/a",
			     "{\"metadata\":{\"name\":\"a\"},\"data\":{}}", &o),
			 422);
	ck_assert_str_eq(jstr(o, "reason"), "Invalid");
	ck_assert_str_eq(
		jstr(o, "message"),
		"ConfigMap \"a\" is invalid: metadata.resourceVersion: "
		"Invalid value: 0x0: must be specified for an update");
	ck_assert_str_eq(jstr(o, "details.causes[0].field"),
			 "metadata.resourceVersion");
	cJSON_Delete(o);
	/* stale resourceVersion */
	ck_assert_int_eq(
		req("PUT", CM "/a",
		    "{\"metadata\":{\"name\":\"a\",\"resourceVersion\":"
		    "\"1\"},\"data\":{}}",
		    &o),
		409);
	ck_assert_str_eq(jstr(o, "reason"), "Conflict");
	ck_assert_str_eq(jstr(o, "message"),
			 "Operation cannot be fulfilled on configmaps \"a\": "
			 "the object has been modified; please apply your "
			 "changes to the latest version and try again");
	cJSON_Delete(o);
	/* good PUT */
	snprintf(body, sizeof(body),
		 "{\"metadata\":{\"name\":\"a\",\"resourceVersion\":\"%s\"},"
		 "\"data\":{\"k\":\"v2\"}}",
		 rv);
	ck_assert_int_eq(req("PUT", CM "/a", body, &o), 200);
	ck_assert_str_eq(jstr(o, "data.k"), "v2");
	ck_assert_int_gt(atol(jstr(o, "metadata.resourceVersion")), atol(rv));
	ck_assert_str_eq(jstr(o, "metadata.uid"), uid);
	cJSON_Delete(o);
	/* the same PUT again: a no-op keeps the resourceVersion? no: stale */
	ck_assert_int_eq(req("PUT", CM "/a", body, NULL), 409);
	/* DELETE returns a Status with the uid */
	ck_assert_int_eq(req("DELETE", CM "/a", NULL, &o), 200);
	ck_assert_str_eq(jstr(o, "status"), "Success");
	ck_assert_str_eq(jstr(o, "details.uid"), uid);
	cJSON_Delete(o);
	ck_assert_int_eq(req("GET", CM "/a", NULL, NULL), 404);
	ck_assert_int_eq(req("DELETE", CM "/a", NULL, NULL), 404);
}
END_TEST

START_TEST(test_bad_input)
{
	cJSON *o = NULL;
	char *big, *deep;
	size_t n = (3u << 20) + 10;

	ck_assert_int_eq(req("POST", CM, "{\"metadata\":", &o), 400);
	ck_assert_str_eq(jstr(o, "reason"), "BadRequest");
	cJSON_Delete(o);
	deep = malloc(2000);
	memset(deep, '[', 600);
	memset(deep + 600, ']', 600);
	deep[1200] = '\0';
	ck_assert_int_eq(req("POST", CM, deep, &o), 400);
	cJSON_Delete(o);
	free(deep);
	big = malloc(n + 1);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	big[n] = '\0';
	ck_assert_int_eq(req("POST", CM, big, &o), 413);
	ck_assert_str_eq(jstr(o, "reason"), "RequestEntityTooLarge");
	cJSON_Delete(o);
	free(big);
	ck_assert_int_eq(
		req("POST", CM, "{\"metadata\":{\"name\":\"Bad_N\"}}", &o),
		422);
	ck_assert_str_eq(jstr(o, "details.causes[0].field"), "metadata.name");
	cJSON_Delete(o);
	ck_assert_int_eq(req("POST", CM, "{\"metadata\":{}}", &o), 422);
	cJSON_Delete(o);
	/* ObjectMeta: label values over 63 characters, bad keys, owner
	 * references without uid */
	ck_assert_int_eq(req("POST", CM,
			     "{\"metadata\":{\"name\":\"l\",\"labels\":{"
			     "\"flow.volcano.sh/step\":\"a234567890123456789012"
			     "345678901234567890123456789012345678901234\"}}}",
			     &o),
			 422);
	ck_assert_str_eq(jstr(o, "details.causes[0].field"), "metadata.labels");
	ck_assert_ptr_nonnull(strstr(jstr(o, "message"),
				     "must be no more than 63 characters"));
	cJSON_Delete(o);
	ck_assert_int_eq(req("POST", CM,
			     "{\"metadata\":{\"name\":\"l\",\"labels\":{"
			     "\"bad key\":\"x\"}}}",
			     &o),
			 422);
	cJSON_Delete(o);
	ck_assert_int_eq(req("POST", CM,
			     "{\"metadata\":{\"name\":\"l\",\"labels\":{"
			     "\"volcano.sh/createdByJobFlow\":\"default.f\"},"
			     "\"ownerReferences\":[{\"apiVersion\":\"v1\","
			     "\"kind\":\"ConfigMap\",\"name\":\"x\"}]}}",
			     &o),
			 422);
	ck_assert_str_eq(jstr(o, "details.causes[0].field"),
			 "metadata.ownerReferences.uid");
	cJSON_Delete(o);
	REQ_EXPECT(201, "POST",
		   "/apis/rbac.authorization.k8s.io/v1/clusterroles",
		   "{\"metadata\":{\"name\":\"system:jobflowd\"}}");
	ck_assert_int_eq(req("POST", "/api/v1/namespaces/nope/configmaps",
			     "{\"metadata\":{\"name\":\"a\"}}", &o),
			 404);
	ck_assert_str_eq(jstr(o, "message"), "namespaces \"nope\" not found");
	cJSON_Delete(o);
	ck_assert_int_eq(req("POST", CM,
			     "{\"metadata\":{\"generateName\":\"gen-\"}}", &o),
			 201);
	ck_assert_int_eq(strlen(jstr(o, "metadata.name")), 9);
	ck_assert_int_eq(strncmp(jstr(o, "metadata.name"), "gen-", 4), 0);
	cJSON_Delete(o);
	ck_assert_int_eq(
		req("POST", CM,
		    "{\"kind\":\"Secret\",\"metadata\":{\"name\":\"s\"}}", &o),
		400);
	cJSON_Delete(o);
	ck_assert_int_eq(req("GET", "/apis/nope.io/v1/things", NULL, &o), 404);
	cJSON_Delete(o);
}
END_TEST

START_TEST(test_crd_discovery_openapi)
{
	cJSON *o = NULL, *e;
	bool found = false, found_status = false;
	char url[512];

	add_widget_crd();
	ck_assert_int_eq(req("GET",
			     "/apis/apiextensions.k8s.io/v1/"
			     "customresourcedefinitions/widgets.example.com",
			     NULL, &o),
			 200);
	ck_assert_str_eq(jstr(o, "status.conditions[1].type"), "Established");
	ck_assert_str_eq(jstr(o, "status.conditions[1].status"), "True");
	ck_assert_str_eq(jstr(o, "status.acceptedNames.kind"), "Widget");
	cJSON_Delete(o);
	ck_assert_int_eq(req("GET", "/apis/example.com/v1", NULL, &o), 200);
	ck_assert_str_eq(jstr(o, "kind"), "APIResourceList");
	cJSON_ArrayForEach (e, cJSON_GetObjectItem(o, "resources")) {
		if (!strcmp(jstr(e, "name"), "widgets")) {
			found = true;
			ck_assert_str_eq(jstr(e, "kind"), "Widget");
			ck_assert_str_eq(jstr(e, "singularName"), "widget");
			ck_assert_str_eq(jstr(e, "shortNames[0]"), "wg");
			ck_assert(jf_json_bool(e, "namespaced", false));
		}
		if (!strcmp(jstr(e, "name"), "widgets/status"))
			found_status = true;
	}
	ck_assert(found && found_status);
	cJSON_Delete(o);
	ck_assert_int_eq(req("GET", "/apis", NULL, &o), 200);
	found = false;
	cJSON_ArrayForEach (e, cJSON_GetObjectItem(o, "groups"))
		found |= !strcmp(jstr(e, "name"), "example.com") &&
			 !strcmp(jstr(e, "preferredVersion.version"), "v1");
	ck_assert(found);
	cJSON_Delete(o);
	ck_assert_int_eq(req("GET", "/openapi/v3", NULL, &o), 200);
	snprintf(url, sizeof(url), "%s",
		 jstr(o, "paths[\"apis/example.com/v1\"].serverRelativeURL"));
	ck_assert_int_eq(
		strncmp(url, "/openapi/v3/apis/example.com/v1?hash=", 37), 0);
	cJSON_Delete(o);
	ck_assert_int_eq(req("GET", url, NULL, &o), 200);
	e = jf_json_at_mut(o, "paths[\"/apis/example.com/v1/namespaces/"
			      "{namespace}/widgets/{name}\"].patch");
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(jstr(e, "x-kubernetes-group-version-kind.kind"),
			 "Widget");
	ck_assert_ptr_nonnull(jf_json_at(
		e, "requestBody.content[\"application/merge-patch+json\"]"));
	found = false;
	cJSON_ArrayForEach (e, jf_json_at_mut(e, "parameters"))
		found |= !strcmp(jstr(e, "name"), "fieldValidation");
	ck_assert(found);
	cJSON_Delete(o);
	ck_assert_int_eq(req("GET", "/openapi/v2", NULL, NULL), 404);
	ck_assert_int_eq(req("GET", "/healthz", NULL, NULL), 200);
}
END_TEST

START_TEST(test_crd_schema)
{
	cJSON *o = NULL;

	add_widget_crd();
	/* defaults applied, unknown fields pruned */
	ck_assert_int_eq(req("POST", WG,
			     "{\"metadata\":{\"name\":\"s\"},\"spec\":{"
			     "\"color\":\"red\",\"foo\":1},\"bar\":2}",
			     &o),
			 201);
	ck_assert_int_eq(jf_json_int(o, "spec.size", 0), 1);
	ck_assert_ptr_null(jf_json_at(o, "spec.foo"));
	ck_assert_ptr_null(jf_json_at(o, "bar"));
	cJSON_Delete(o);
	/* enum and minimum are enforced, with causes */
	ck_assert_int_eq(req("POST", WG,
			     "{\"metadata\":{\"name\":\"t\"},\"spec\":{"
			     "\"color\":\"green\",\"size\":-1}}",
			     &o),
			 422);
	ck_assert_str_eq(jstr(o, "reason"), "Invalid");
	ck_assert_str_eq(jstr(o, "details.kind"), "Widget");
	ck_assert_str_eq(jstr(o, "details.group"), "example.com");
	ck_assert_int_eq(cJSON_GetArraySize(jf_json_at(o, "details.causes")),
			 2);
	ck_assert_str_eq(jstr(o, "message"),
			 "Widget.example.com \"t\" is invalid: [spec.color: "
			 "Unsupported value: \"green\": supported values: "
			 "\"red\", \"blue\", spec.size: Invalid value: -1: "
			 "spec.size in body should be greater than or equal "
			 "to 0]");
	cJSON_Delete(o);
	/* the same rules on update */
	ck_assert_int_eq(req_ct("PATCH", WG "/s",
				"application/merge-patch+json",
				"{\"spec\":{\"color\":\"green\"}}", &o),
			 422);
	ck_assert_str_eq(jstr(o, "details.causes[0].field"), "spec.color");
	cJSON_Delete(o);
	ck_assert_int_eq(req("GET",
			     "/api/v1/namespaces/default/configmaps"
			     "?labelSelector=a%20in%20(x",
			     NULL, &o),
			 400);
	cJSON_Delete(o);
}
END_TEST

START_TEST(test_field_validation_dry_run_media)
{
	struct jf_testresp r;
	cJSON *o = NULL;

	add_widget_crd();
	/* kubectl's default: strict decoding rejects unknown fields */
	ck_assert_int_eq(req("POST", WG "?fieldValidation=Strict",
			     "{\"metadata\":{\"name\":\"s\"},\"spec\":{"
			     "\"bogus\":1,\"size\":2}}",
			     &o),
			 400);
	ck_assert_str_eq(jstr(o, "reason"), "BadRequest");
	ck_assert_str_eq(jstr(o, "message"),
			 "Widget in version \"v1\" cannot be handled as a "
			 "Widget: strict decoding error: unknown field "
			 "\"spec.bogus\"");
	cJSON_Delete(o);
	/* the API default (Warn): pruned, with a Warning header */
	ck_assert_int_eq(jf_test_request(&env, "POST", WG, NULL,
					 "{\"metadata\":{\"name\":\"s\"},"
					 "\"spec\":{\"bogus\":1}}",
					 &r),
			 0);
	ck_assert_int_eq(r.code, 201);
	ck_assert_ptr_null(jf_json_at(r.json, "spec.bogus"));
	jf_testresp_release(&r);
	/* dryRun: validated and answered, nothing stored */
	ck_assert_int_eq(req("POST", WG "?dryRun=All",
			     "{\"metadata\":{\"name\":\"dry\"},\"spec\":{}}",
			     &o),
			 201);
	ck_assert_int_eq(jf_json_int(o, "spec.size", 0), 1);
	cJSON_Delete(o);
	ck_assert_int_eq(req("GET", WG "/dry", NULL, NULL), 404);
	ck_assert_int_eq(req_ct("PATCH", WG "/s?dryRun=All",
				"application/merge-patch+json",
				"{\"spec\":{\"size\":7}}", &o),
			 200);
	ck_assert_int_eq(jf_json_int(o, "spec.size", 0), 7);
	cJSON_Delete(o);
	ck_assert_int_eq(req("GET", WG "/s", NULL, &o), 200);
	ck_assert_int_eq(jf_json_int(o, "spec.size", 0), 1);
	cJSON_Delete(o);
	REQ_EXPECT(200, "DELETE", WG "/s?dryRun=All", NULL);
	REQ_EXPECT(200, "GET", WG "/s", NULL);
	/* media types: YAML accepted, protobuf refused */
	ck_assert_int_eq(req_ct("POST", CM, "application/yaml",
				"metadata:\n  name: y\ndata:\n  k: v\n", &o),
			 201);
	ck_assert_str_eq(jstr(o, "data.k"), "v");
	cJSON_Delete(o);
	ck_assert_int_eq(req_ct("POST", CM,
				"application/vnd.kubernetes.protobuf",
				"k8s\x00", &o),
			 415);
	cJSON_Delete(o);
	/* resourceVersion must not be set on create */
	ck_assert_int_eq(req("POST", CM,
			     "{\"metadata\":{\"name\":\"rv\","
			     "\"resourceVersion\":\"5\"}}",
			     &o),
			 400);
	ck_assert_str_eq(jstr(o, "message"),
			 "resourceVersion should not be set on objects to be "
			 "created");
	cJSON_Delete(o);
}
END_TEST

START_TEST(test_generation_and_status)
{
	cJSON *o = NULL;
	char body[512], rv[32];

	add_widget_crd();
	ck_assert_int_eq(
		req("POST", WG,
		    "{\"apiVersion\":\"example.com/v1\",\"kind\":"
		    "\"Widget\",\"metadata\":{\"name\":\"w\"},\"spec\":"
		    "{\"size\":3},\"status\":{\"x\":1}}",
		    &o),
		201);
	ck_assert_int_eq(jf_json_int(o, "metadata.generation", 0), 1);
	ck_assert_ptr_null(jf_json_at(o, "status"));
	snprintf(rv, sizeof(rv), "%s", jstr(o, "metadata.resourceVersion"));
	cJSON_Delete(o);
	/* spec change bumps generation; status in the body is ignored */
	snprintf(body, sizeof(body),
		 "{\"metadata\":{\"name\":\"w\",\"resourceVersion\":\"%s\"},"
		 "\"spec\":{\"size\":4},\"status\":{\"x\":2}}",
		 rv);
	ck_assert_int_eq(req("PUT", WG "/w", body, &o), 200);
	ck_assert_int_eq(jf_json_int(o, "metadata.generation", 0), 2);
	ck_assert_ptr_null(jf_json_at(o, "status"));
	cJSON_Delete(o);
	/* metadata-only change keeps it */
	ck_assert_int_eq(
		req_ct("PATCH", WG "/w", "application/merge-patch+json",
		       "{\"metadata\":{\"labels\":{\"a\":\"b\"}}}", &o),
		200);
	ck_assert_int_eq(jf_json_int(o, "metadata.generation", 0), 2);
	ck_assert_str_eq(jstr(o, "metadata.labels.a"), "b");
	cJSON_Delete(o);
	/* /status changes only status, never generation */
	ck_assert_int_eq(
		req_ct("PATCH", WG "/w/status", "application/merge-patch+json",
		       "{\"spec\":{\"size\":9},\"status\":{\"x\":5}}", &o),
		200);
	ck_assert_int_eq(jf_json_int(o, "status.x", 0), 5);
	ck_assert_int_eq(jf_json_int(o, "spec.size", 0), 4);
	ck_assert_int_eq(jf_json_int(o, "metadata.generation", 0), 2);
	snprintf(rv, sizeof(rv), "%s", jstr(o, "metadata.resourceVersion"));
	cJSON_Delete(o);
	/* merge patch on the main resource ignores status */
	ck_assert_int_eq(req_ct("PATCH", WG "/w",
				"application/merge-patch+json",
				"{\"status\":{\"x\":7}}", &o),
			 200);
	ck_assert_int_eq(jf_json_int(o, "status.x", 0), 5);
	/* and, being a no-op, keeps the resourceVersion */
	ck_assert_str_eq(jstr(o, "metadata.resourceVersion"), rv);
	cJSON_Delete(o);
	/* PUT on /status with the current RV */
	snprintf(body, sizeof(body),
		 "{\"metadata\":{\"name\":\"w\",\"resourceVersion\":\"%s\"},"
		 "\"spec\":{\"size\":1},\"status\":{\"x\":6}}",
		 rv);
	ck_assert_int_eq(req("PUT", WG "/w/status", body, &o), 200);
	ck_assert_int_eq(jf_json_int(o, "status.x", 0), 6);
	ck_assert_int_eq(jf_json_int(o, "spec.size", 0), 4);
	cJSON_Delete(o);
	ck_assert_int_eq(req("PUT", WG "/w/status", body, &o), 409);
	cJSON_Delete(o);
}
END_TEST

START_TEST(test_patch_types)
{
	cJSON *o = NULL;
	char body[256];

	add_widget_crd();
	REQ_EXPECT(201, "POST", WG,
		   "{\"metadata\":{\"name\":\"w\"},\"spec\":{\"size\":3,"
		   "\"color\":\"red\"}}");
	/* strategic merge patch is not served for custom resources */
	ck_assert_int_eq(req_ct("PATCH", WG "/w",
				"application/strategic-merge-patch+json",
				"{\"spec\":{\"size\":6}}", &o),
			 415);
	ck_assert_str_eq(jstr(o, "reason"), "UnsupportedMediaType");
	ck_assert_str_eq(jstr(o, "message"),
			 "the body of the request was in an unknown format - "
			 "accepted media types include: "
			 "application/json-patch+json, "
			 "application/merge-patch+json, "
			 "application/apply-patch+yaml");
	cJSON_Delete(o);
	/* merge patch: null deletes */
	ck_assert_int_eq(req_ct("PATCH", WG "/w",
				"application/merge-patch+json",
				"{\"spec\":{\"color\":null,\"size\":5}}", &o),
			 200);
	ck_assert_int_eq(jf_json_int(o, "spec.size", 0), 5);
	ck_assert_ptr_null(jf_json_at(o, "spec.color"));
	cJSON_Delete(o);
	/* conditional merge patch */
	ck_assert_int_eq(req_ct("PATCH", WG "/w",
				"application/merge-patch+json",
				"{\"metadata\":{\"resourceVersion\":\"1\"},"
				"\"spec\":{\"size\":8}}",
				&o),
			 409);
	ck_assert_str_eq(jstr(o, "reason"), "Conflict");
	cJSON_Delete(o);
	/* server-side apply: fieldManager required, creates, then merges */
	ck_assert_int_eq(req_ct("PATCH", WG "/w2",
				"application/apply-patch+yaml",
				"{\"metadata\":{\"name\":\"w2\"}}", &o),
			 422);
	cJSON_Delete(o);
	ck_assert_int_eq(req_ct("PATCH", WG "/w2?fieldManager=t&force=true",
				"application/apply-patch+yaml",
				"apiVersion: example.com/v1\nkind: Widget\n"
				"metadata:\n  name: w2\nspec:\n  size: 2\n",
				&o),
			 201);
	ck_assert_int_eq(jf_json_int(o, "spec.size", 0), 2);
	cJSON_Delete(o);
	ck_assert_int_eq(req_ct("PATCH", WG "/w2?fieldManager=t",
				"application/apply-patch+yaml",
				"{\"apiVersion\":\"example.com/v1\",\"kind\":"
				"\"Widget\",\"metadata\":{\"name\":\"w2\"},"
				"\"spec\":{\"color\":\"blue\"}}",
				&o),
			 200);
	/* size is no longer applied by t: removed, then defaulted */
	ck_assert_int_eq(jf_json_int(o, "spec.size", 0), 1);
	ck_assert_str_eq(jstr(o, "spec.color"), "blue");
	cJSON_Delete(o);
	/* a field the manager applied before and not now is removed; other
	 * managers' fields stay */
	ck_assert_int_eq(req_ct("PATCH", WG "/w2?fieldManager=other",
				"application/merge-patch+json",
				"{\"metadata\":{\"labels\":{\"o\":\"1\"}}}",
				NULL),
			 200);
	ck_assert_int_eq(req_ct("PATCH", WG "/w2?fieldManager=t",
				"application/apply-patch+yaml",
				"{\"apiVersion\":\"example.com/v1\",\"kind\":"
				"\"Widget\",\"metadata\":{\"name\":\"w2\"},"
				"\"spec\":{\"size\":4}}",
				&o),
			 200);
	ck_assert_int_eq(jf_json_int(o, "spec.size", 0), 4);
	ck_assert_ptr_null(jf_json_at(o, "spec.color"));
	ck_assert_str_eq(jstr(o, "metadata.labels.o"), "1");
	cJSON_Delete(o);
	/* unknown patch type */
	ck_assert_int_eq(req_ct("PATCH", WG "/w", "text/plain", "x", NULL),
			 415);
	/* strategic merge patch on a built-in merges lists by key */
	REQ_EXPECT(201, "POST", "/apis/apps/v1/namespaces/default/deployments",
		   "{\"metadata\":{\"name\":\"d\"},\"spec\":{\"template\":{"
		   "\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\"},"
		   "{\"name\":\"b\",\"image\":\"y\"}]}}}}");
	snprintf(body, sizeof(body),
		 "{\"spec\":{\"template\":{\"spec\":{\"$setElementOrder/"
		 "containers\":[{\"name\":\"a\"},{\"name\":\"b\"}],"
		 "\"containers\":[{\"name\":\"b\",\"image\":\"z\"}]}}}}");
	ck_assert_int_eq(
		req_ct("PATCH",
		       "/apis/apps/v1/namespaces/default/deployments/d",
		       "application/strategic-merge-patch+json", body, &o),
		200);
	ck_assert_int_eq(cJSON_GetArraySize(jf_json_at(
				 o, "spec.template.spec.containers")),
			 2);
	ck_assert_ptr_null(jf_json_at(
		o, "spec.template.spec[\"$setElementOrder/containers\"]"));
	ck_assert_int_eq(jf_json_int(o, "metadata.generation", 0), 2);
	cJSON_Delete(o);
}
END_TEST

START_TEST(test_json_patch)
{
	cJSON *o = NULL;
	char body[512];

	REQ_EXPECT(201, "POST", CM,
		   "{\"metadata\":{\"name\":\"j\"},\"data\":{\"a\":\"1\"}}");
	ck_assert_int_eq(
		req_ct("PATCH", CM "/j", "application/json-patch+json",
		       "[{\"op\":\"add\",\"path\":\"/data/b\",\"value\":"
		       "\"2\"},{\"op\":\"remove\",\"path\":\"/data/a\"}]",
		       &o),
		200);
	ck_assert_str_eq(jstr(o, "data.b"), "2");
	ck_assert_ptr_null(jf_json_at(o, "data.a"));
	snprintf(body, sizeof(body),
		 "[{\"op\":\"test\",\"path\":\"/metadata/resourceVersion\","
		 "\"value\":\"%s\"},{\"op\":\"replace\",\"path\":\"/data/b\","
		 "\"value\":\"3\"}]",
		 jstr(o, "metadata.resourceVersion"));
	cJSON_Delete(o);
	ck_assert_int_eq(req_ct("PATCH", CM "/j", "application/json-patch+json",
				body, &o),
			 200);
	ck_assert_str_eq(jstr(o, "data.b"), "3");
	cJSON_Delete(o);
	/* the same guarded patch is now stale */
	ck_assert_int_eq(req_ct("PATCH", CM "/j", "application/json-patch+json",
				body, &o),
			 422);
	cJSON_Delete(o);
}
END_TEST

START_TEST(test_list_selectors_paging)
{
	cJSON *o = NULL, *e;
	char body[256], cont[512], path[1024], seen[1024] = "";
	int pages = 0, total = 0;

	for (int i = 0; i < 7; i++) {
		snprintf(body, sizeof(body),
			 "{\"metadata\":{\"name\":\"c%d\",\"labels\":{\"app\":"
			 "\"%s\",\"n\":\"%d\"}}}",
			 6 - i, i % 2 ? "x" : "y", i);
		REQ_EXPECT(201, "POST", CM, body);
	}
	REQ_EXPECT(
		201, "POST", "/api/v1/namespaces/kube-system/configmaps",
		"{\"metadata\":{\"name\":\"c0\",\"labels\":{\"app\":\"x\"}}}");
	ck_assert_int_eq(req("GET", CM "?labelSelector=app%3Dx", NULL, &o),
			 200);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(o, "items")),
			 3);
	ck_assert_str_eq(jstr(o, "kind"), "ConfigMapList");
	cJSON_Delete(o);
	ck_assert_int_eq(req("GET", "/api/v1/configmaps?labelSelector=app%3Dx",
			     NULL, &o),
			 200);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(o, "items")),
			 4);
	/* sorted by namespace then name */
	ck_assert_str_eq(jstr(o, "items[0].metadata.namespace"), "default");
	ck_assert_str_eq(jstr(o, "items[3].metadata.namespace"), "kube-system");
	cJSON_Delete(o);
	ck_assert_int_eq(
		req("GET", CM "?fieldSelector=metadata.name%3Dc3", NULL, &o),
		200);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(o, "items")),
			 1);
	ck_assert_str_eq(jstr(o, "items[0].metadata.name"), "c3");
	cJSON_Delete(o);
	cont[0] = '\0';
	do {
		snprintf(path, sizeof(path), CM "?limit=3%s%s",
			 cont[0] ? "&continue=" : "", cont);
		ck_assert_int_eq(req("GET", path, NULL, &o), 200);
		cJSON_ArrayForEach (e, cJSON_GetObjectItem(o, "items")) {
			ck_assert_ptr_null(
				strstr(seen, jstr(e, "metadata.name")));
			strcat(seen, jstr(e, "metadata.name"));
			strcat(seen, ",");
			total++;
		}
		snprintf(cont, sizeof(cont), "%s",
			 jstr(o, "metadata.continue"));
		ck_assert_int_gt(atol(jstr(o, "metadata.resourceVersion")), 7);
		cJSON_Delete(o);
		pages++;
	} while (cont[0] && pages < 10);
	ck_assert_int_eq(total, 7);
	ck_assert_int_eq(pages, 3);
	ck_assert_str_eq(seen, "c0,c1,c2,c3,c4,c5,c6,");
	ck_assert_int_eq(req("GET", CM "?continue=garbage", NULL, NULL), 400);
	/* per-resource field labels: events by involvedObject (kubectl
	 * describe), unsupported labels are 400 */
	REQ_EXPECT(201, "POST", "/api/v1/namespaces/default/events",
		   "{\"metadata\":{\"name\":\"e1\"},\"involvedObject\":{"
		   "\"kind\":\"JobFlow\",\"name\":\"f\"},\"reason\":\"X\"}");
	REQ_EXPECT(201, "POST", "/api/v1/namespaces/default/events",
		   "{\"metadata\":{\"name\":\"e2\"},\"involvedObject\":{"
		   "\"kind\":\"JobFlow\",\"name\":\"g\"},\"reason\":\"X\"}");
	ck_assert_int_eq(req("GET",
			     "/api/v1/namespaces/default/events?fieldSelector="
			     "involvedObject.name%3Df,involvedObject.kind%3D"
			     "JobFlow",
			     NULL, &o),
			 200);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(o, "items")),
			 1);
	ck_assert_str_eq(jstr(o, "items[0].metadata.name"), "e1");
	cJSON_Delete(o);
	ck_assert_int_eq(req("GET", CM "?fieldSelector=involvedObject.name%3Df",
			     NULL, &o),
			 400);
	ck_assert_str_eq(jstr(o, "reason"), "BadRequest");
	cJSON_Delete(o);
}
END_TEST

static bool has_deletion_ts(const cJSON *o)
{
	return jf_json_at(o, "metadata.deletionTimestamp") != NULL;
}

START_TEST(test_delete_with_finalizers)
{
	cJSON *o = NULL;

	REQ_EXPECT(201, "POST", CM,
		   "{\"metadata\":{\"name\":\"f\",\"finalizers\":[\"test/"
		   "hold\"]}}");
	ck_assert_int_eq(req("DELETE", CM "/f",
			     "{\"propagationPolicy\":"
			     "\"Background\"}",
			     &o),
			 200);
	ck_assert_str_eq(jstr(o, "kind"), "ConfigMap");
	ck_assert(has_deletion_ts(o));
	ck_assert_int_eq(
		jf_json_int(o, "metadata.deletionGracePeriodSeconds", -1), 0);
	cJSON_Delete(o);
	ck_assert_int_eq(req("GET", CM "/f", NULL, &o), 200);
	cJSON_Delete(o);
	/* adding a finalizer while deleting is refused */
	ck_assert_int_eq(req_ct("PATCH", CM "/f",
				"application/merge-patch+json",
				"{\"metadata\":{\"finalizers\":[\"test/hold\","
				"\"test/new\"]}}",
				&o),
			 422);
	cJSON_Delete(o);
	ck_assert_int_eq(req_ct("PATCH", CM "/f",
				"application/merge-patch+json",
				"{\"metadata\":{\"finalizers\":null}}", NULL),
			 200);
	ck_assert_int_eq(req("GET", CM "/f", NULL, NULL), 404);
}
END_TEST

static char owner_ref[512];

static void make_owner(const char *name, const char *block)
{
	cJSON *o = NULL;
	char body[256];

	snprintf(body, sizeof(body), "{\"metadata\":{\"name\":\"%s\"}}", name);
	ck_assert_int_eq(req("POST", CM, body, &o), 201);
	snprintf(
		owner_ref, sizeof(owner_ref),
		"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"name\":\"%s\","
		"\"uid\":\"%s\",\"blockOwnerDeletion\":%s}",
		name, jstr(o, "metadata.uid"), block);
	cJSON_Delete(o);
}

START_TEST(test_gc_background)
{
	char body[1024];

	make_owner("own", "false");
	snprintf(body, sizeof(body),
		 "{\"metadata\":{\"name\":\"dep\",\"ownerReferences\":[%s]}}",
		 owner_ref);
	REQ_EXPECT(201, "POST", CM, body);
	REQ_EXPECT(200, "DELETE", CM "/own", NULL);
	ck_assert(wait_gone(CM "/dep", 3000));
	/* a dependent whose owner never existed is collected too */
	REQ_EXPECT(
		201, "POST", CM,
		"{\"metadata\":{\"name\":\"orph\",\"ownerReferences\":[{"
		"\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"name\":\"x\","
		"\"uid\":\"00000000-0000-4000-8000-000000000000\"}]}}");
	ck_assert(wait_gone(CM "/orph", 3000));
}
END_TEST

START_TEST(test_gc_foreground)
{
	char body[1024];
	cJSON *o = NULL;

	make_owner("own", "true");
	snprintf(body, sizeof(body),
		 "{\"metadata\":{\"name\":\"dep\",\"finalizers\":[\"test/"
		 "hold\"],\"ownerReferences\":[%s]}}",
		 owner_ref);
	REQ_EXPECT(201, "POST", CM, body);
	ck_assert_int_eq(
		req("DELETE", CM "/own?propagationPolicy=Foreground", NULL, &o),
		200);
	ck_assert(has_deletion_ts(o));
	ck_assert_str_eq(jstr(o, "metadata.finalizers[0]"),
			 "foregroundDeletion");
	cJSON_Delete(o);
	o = wait_for(CM "/dep", has_deletion_ts, 3000);
	ck_assert(has_deletion_ts(o));
	cJSON_Delete(o);
	usleep(100000);
	/* the owner waits for its blocking dependent */
	ck_assert_int_eq(req("GET", CM "/own", NULL, NULL), 200);
	ck_assert_int_eq(req_ct("PATCH", CM "/dep",
				"application/merge-patch+json",
				"{\"metadata\":{\"finalizers\":[]}}", NULL),
			 200);
	ck_assert(wait_gone(CM "/dep", 3000));
	ck_assert(wait_gone(CM "/own", 3000));
}
END_TEST

START_TEST(test_gc_orphan)
{
	char body[1024];
	cJSON *o = NULL;

	make_owner("own", "true");
	snprintf(body, sizeof(body),
		 "{\"metadata\":{\"name\":\"dep\",\"ownerReferences\":[%s]}}",
		 owner_ref);
	REQ_EXPECT(201, "POST", CM, body);
	REQ_EXPECT(200, "DELETE", CM "/own",
		   "{\"propagationPolicy\":\"Orphan\"}");
	ck_assert(wait_gone(CM "/own", 3000));
	usleep(100000);
	ck_assert_int_eq(req("GET", CM "/dep", NULL, &o), 200);
	ck_assert_ptr_null(jf_json_at(o, "metadata.ownerReferences"));
	cJSON_Delete(o);
}
END_TEST

START_TEST(test_namespace_and_crd_deletion)
{
	cJSON *o = NULL;

	REQ_EXPECT(201, "POST", "/api/v1/namespaces",
		   "{\"metadata\":{\"name\":\"tmp\"}}");
	REQ_EXPECT(201, "POST", "/api/v1/namespaces/tmp/configmaps",
		   "{\"metadata\":{\"name\":\"x\"}}");
	ck_assert_int_eq(req("DELETE", "/api/v1/namespaces/tmp", NULL, &o),
			 200);
	ck_assert_str_eq(jstr(o, "status.phase"), "Terminating");
	cJSON_Delete(o);
	ck_assert(wait_gone("/api/v1/namespaces/tmp/configmaps/x", 3000));
	ck_assert(wait_gone("/api/v1/namespaces/tmp", 3000));
	/* deleting a CRD deletes its objects and stops serving it */
	add_widget_crd();
	REQ_EXPECT(201, "POST", WG, "{\"metadata\":{\"name\":\"w\"}}");
	REQ_EXPECT(200, "DELETE",
		   "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"
		   "widgets.example.com",
		   NULL);
	ck_assert(wait_gone("/apis/apiextensions.k8s.io/v1/"
			    "customresourcedefinitions/widgets.example.com",
			    3000));
	ck_assert_int_eq(req("GET", WG "/w", NULL, NULL), 404);
	ck_assert_int_eq(req("GET", "/apis/example.com/v1", NULL, NULL), 404);
	/* and it can be created again, empty */
	add_widget_crd();
	ck_assert_int_eq(req("GET", WG, NULL, &o), 200);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(o, "items")),
			 0);
	cJSON_Delete(o);
}
END_TEST

/* Flags: each case starts its own kubesim. */
START_TEST(test_flags)
{
	static const char *const plain[] = {"--plain-http", NULL};
	static const char *const tok[] = {"--token", "s3cret", "--faults",
					  "throttle-rate=1,retry-after=3",
					  NULL};
	struct jf_testenv e2;
	struct jf_testresp r;
	char *kc;
	int st;

	ck_assert_int_eq(jf_testenv_start(&e2, plain), 0);
	ck_assert_int_eq(strncmp(e2.server, "http://127.0.0.1:", 17), 0);
	ck_assert_ptr_null(e2.ca_pem);
	ck_assert_int_eq(jf_test_req_token(&e2, NULL, "GET",
					   "/api/v1/namespaces/default", NULL,
					   NULL),
			 200);
	st = jf_testenv_stop(&e2);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_int_eq(jf_testenv_start(&e2, tok), 0);
	ck_assert_str_eq(e2.token, "s3cret");
	kc = jf_test_slurp(e2.kubeconfig, NULL);
	ck_assert_ptr_nonnull(strstr(kc, "token: s3cret"));
	free(kc);
	ck_assert_int_eq(jf_test_request(&e2, "GET", CM, NULL, NULL, &r), 0);
	ck_assert_int_eq(r.code, 429);
	ck_assert_str_eq(r.retry_after, "3");
	jf_testresp_release(&r);
	st = jf_testenv_stop(&e2);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}
END_TEST

START_TEST(test_bad_flags_exit_2)
{
	static const char *const bad[][3] = {
		{"--faults", "error-rate=x", NULL},
		{"--faults", "nonsense=1", NULL},
		{"--sim-duration", "5 parsecs", NULL},
		{"--listen", "256.1.1.1:0", NULL},
	};
	const char *bindir = getenv("JF_BIN_DIR");
	char bin[512];

	snprintf(bin, sizeof(bin), "%s/kubesim",
		 bindir && *bindir ? bindir : "build/bin");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pid_t pid = fork();
		int st;

		if (pid == 0) {
			int fd = open("/dev/null", O_WRONLY);

			dup2(fd, 1);
			dup2(fd, 2);
			execl(bin, bin, bad[i][0], bad[i][1], (char *)NULL);
			_exit(127);
		}
		ck_assert_int_eq(waitpid(pid, &st, 0), pid);
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 2,
			      "%s %s: status %d", bad[i][0], bad[i][1], st);
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("kubesim");
	struct {
		const char *name;
		const TTest *t;
	} cases[] = {
		{"auth", test_auth_and_kubeconfig},
		{"crud", test_crud_and_errors},
		{"bad_input", test_bad_input},
		{"crd", test_crd_discovery_openapi},
		{"schema", test_crd_schema},
		{"field_validation", test_field_validation_dry_run_media},
		{"generation", test_generation_and_status},
		{"patch", test_patch_types},
		{"json_patch", test_json_patch},
		{"list", test_list_selectors_paging},
		{"finalizers", test_delete_with_finalizers},
		{"gc_background", test_gc_background},
		{"gc_foreground", test_gc_foreground},
		{"gc_orphan", test_gc_orphan},
		{"ns_crd_delete", test_namespace_and_crd_deletion},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TCase *tc = tcase_create(cases[i].name);

		tcase_add_checked_fixture(tc, env_up, env_down);
		tcase_set_timeout(tc, 30);
		tcase_add_test(tc, cases[i].t);
		suite_add_tcase(s, tc);
	}
	{
		TCase *tc = tcase_create("flags");

		tcase_set_timeout(tc, 30);
		tcase_add_test(tc, test_flags);
		tcase_add_test(tc, test_bad_flags_exit_2);
		suite_add_tcase(s, tc);
	}
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
