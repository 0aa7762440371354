/* discovery.c - kubesim's discovery and OpenAPI: /version, legacy
 * discovery (/api, /apis, /api/v1, /apis/<g>/<v>), an OpenAPI v3 index
 * and per-group-version documents that declare each resource's PATCH
 * operation (what kubectl's field validation looks for), health checks. */
#include "ks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "jf_json.h"
#include "jf_time.h"

static const char *const verbs[] = {"create", "delete", "deletecollection",
				    "get",    "list",	"patch",
				    "update", "watch",	NULL};

static cJSON *str_array(const char *const *v)
{
	cJSON *a = cJSON_CreateArray();

	for (; *v; v++)
		cJSON_AddItemToArray(a, cJSON_CreateString(*v));
	return a;
}

static void reply_text(struct ks_req *q, const char *text)
{
	struct evbuffer *b = evbuffer_new();

	evhttp_add_header(evhttp_request_get_output_headers(q->req),
			  "Content-Type", "text/plain; charset=utf-8");
	evbuffer_add(b, text, strlen(text));
	ks_stats_request("get", "", 200);
	evhttp_send_reply(q->req, 200, "OK", b);
	evbuffer_free(b);
	q->req = NULL;
}

static bool group_has_version(const char *group, const char *v)
{
	for (struct ks_res *r = ks.res; r; r = r->next) {
		if (r->served && !strcmp(r->group, group) &&
		    ks_res_version(r, v))
			return true;
	}
	return false;
}

/* Kubernetes version priority: GA > beta > alpha, higher numbers first. */
static int version_rank(const char *v, int *major, int *minor)
{
	int kind = 3;
	const char *p;

	*major = *minor = 0;
	if (v[0] != 'v' || !(v[1] >= '0' && v[1] <= '9'))
		return 0;
	*major = (int)strtol(v + 1, (char **)&p, 10);
	if (!strncmp(p, "beta", 4)) {
		kind = 2;
		*minor = atoi(p + 4);
	} else if (!strncmp(p, "alpha", 5)) {
		kind = 1;
		*minor = atoi(p + 5);
	} else if (*p) {
		return 0;
	}
	return kind;
}

static bool version_before(const char *a, const char *b)
{
	int ma, mia, mb, mib;
	int ka = version_rank(a, &ma, &mia), kb = version_rank(b, &mb, &mib);

	if (ka != kb)
		return ka > kb;
	if (ma != mb)
		return ma > mb;
	if (mia != mib)
		return mia > mib;
	return strcmp(a, b) < 0;
}

static cJSON *group_entry(const char *group)
{
	cJSON *g = cJSON_CreateObject(), *vs = cJSON_CreateArray(), *pv;
	const char *names[16];
	int n = 0;

	for (struct ks_res *r = ks.res; r; r = r->next) {
		if (!r->served || strcmp(r->group, group))
			continue;
		for (int i = 0; i < r->nvers && n < 16; i++) {
			bool seen = false;

			if (!r->vers[i].served)
				continue;
			for (int j = 0; j < n; j++)
				seen |= !strcmp(names[j], r->vers[i].name);
			if (!seen)
				names[n++] = r->vers[i].name;
		}
	}
	for (int i = 1; i < n; i++) {
		for (int j = i; j > 0 && version_before(names[j], names[j - 1]);
		     j--) {
			const char *t = names[j];

			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	}
	cJSON_AddStringToObject(g, "name", group);
	for (int i = 0; i < n; i++) {
		cJSON *e = cJSON_CreateObject();
		char gv[256];

		snprintf(gv, sizeof(gv), "%s/%s", group, names[i]);
		cJSON_AddStringToObject(e, "groupVersion", gv);
		cJSON_AddStringToObject(e, "version", names[i]);
		cJSON_AddItemToArray(vs, e);
	}
	cJSON_AddItemToObject(g, "versions", vs);
	pv = cJSON_Duplicate(cJSON_GetArrayItem(vs, 0), 1);
	cJSON_AddItemToObject(g, "preferredVersion",
			      pv ? pv : cJSON_CreateObject());
	return g;
}

static void serve_apis(struct ks_req *q)
{
	cJSON *d = cJSON_CreateObject(), *groups;

	cJSON_AddStringToObject(d, "kind", "APIGroupList");
	cJSON_AddStringToObject(d, "apiVersion", "v1");
	groups = cJSON_AddArrayToObject(d, "groups");
	for (struct ks_res *r = ks.res; r; r = r->next) {
		bool first = true;

		if (!r->served || !*r->group)
			continue;
		for (struct ks_res *p = ks.res; p != r; p = p->next) {
			if (p->served && !strcmp(p->group, r->group))
				first = false;
		}
		if (first)
			cJSON_AddItemToArray(groups, group_entry(r->group));
	}
	ks_reply_json(q, 200, d);
	cJSON_Delete(d);
}

static void serve_resources(struct ks_req *q, const char *group,
			    const char *version)
{
	cJSON *d = cJSON_CreateObject(), *list;
	char gv[256];

	snprintf(gv, sizeof(gv), "%s%s%s", group, *group ? "/" : "", version);
	cJSON_AddStringToObject(d, "kind", "APIResourceList");
	cJSON_AddStringToObject(d, "apiVersion", "v1");
	cJSON_AddStringToObject(d, "groupVersion", gv);
	list = cJSON_AddArrayToObject(d, "resources");
	for (struct ks_res *r = ks.res; r; r = r->next) {
		cJSON *e;

		if (!r->served || strcmp(r->group, group) ||
		    !ks_res_version(r, version))
			continue;
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "name", r->plural);
		cJSON_AddStringToObject(e, "singularName", r->singular);
		cJSON_AddBoolToObject(e, "namespaced", r->namespaced);
		cJSON_AddStringToObject(e, "kind", r->kind);
		cJSON_AddItemToObject(e, "verbs", str_array(verbs));
		if (r->short_names)
			cJSON_AddItemToObject(
				e, "shortNames",
				cJSON_Duplicate(r->short_names, 1));
		if (r->categories)
			cJSON_AddItemToObject(
				e, "categories",
				cJSON_Duplicate(r->categories, 1));
		cJSON_AddItemToArray(list, e);
		if (r->has_status) {
			static const char *const sv[] = {"get", "patch",
							 "update", NULL};

			e = cJSON_CreateObject();
			snprintf(gv, sizeof(gv), "%s/status", r->plural);
			cJSON_AddStringToObject(e, "name", gv);
			cJSON_AddStringToObject(e, "singularName", "");
			cJSON_AddBoolToObject(e, "namespaced", r->namespaced);
			cJSON_AddStringToObject(e, "kind", r->kind);
			cJSON_AddItemToObject(e, "verbs", str_array(sv));
			cJSON_AddItemToArray(list, e);
		}
	}
	if (!cJSON_GetArraySize(list)) {
		cJSON_Delete(d);
		ks_reply_status(q, 404, "NotFound", NULL, NULL, NULL,
				"the server could not find the requested "
				"resource");
		return;
	}
	ks_reply_json(q, 200, d);
	cJSON_Delete(d);
}

/* --- OpenAPI v3
 * ------------------------------------------------------------------ */

static cJSON *patch_op(const struct ks_res *r, const char *version)
{
	cJSON *op = cJSON_CreateObject(), *gvk, *params, *p, *rb, *ct;
	char id[256];

	snprintf(id, sizeof(id), "patch%s", r->kind);
	cJSON_AddStringToObject(op, "operationId", id);
	gvk = cJSON_AddObjectToObject(op, "x-kubernetes-group-version-kind");
	cJSON_AddStringToObject(gvk, "group", r->group);
	cJSON_AddStringToObject(gvk, "version", version);
	cJSON_AddStringToObject(gvk, "kind", r->kind);
	cJSON_AddStringToObject(op, "x-kubernetes-action", "patch");
	params = cJSON_AddArrayToObject(op, "parameters");
	static const char *const qp[] = {"dryRun", "fieldManager",
					 "fieldValidation", "force", NULL};
	for (int i = 0; qp[i]; i++) {
		p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "name", qp[i]);
		cJSON_AddStringToObject(p, "in", "query");
		cJSON_AddItemToObject(p, "schema", cJSON_CreateObject());
		cJSON_AddStringToObject(
			cJSON_GetObjectItem(p, "schema"), "type",
			strcmp(qp[i], "force") ? "string" : "boolean");
		cJSON_AddItemToArray(params, p);
	}
	rb = cJSON_AddObjectToObject(op, "requestBody");
	ct = cJSON_AddObjectToObject(rb, "content");
	/* strategic merge patch is accepted for built-ins but not declared:
	 * kubectl then builds it from its own scheme instead of looking for
	 * schemas this document does not carry */
	static const char *const types[] = {
		"application/json-patch+json", "application/merge-patch+json",
		"application/apply-patch+yaml", NULL};
	for (int i = 0; types[i]; i++) {
		cJSON *m = cJSON_AddObjectToObject(ct, types[i]);
		cJSON *s = cJSON_AddObjectToObject(m, "schema");

		cJSON_AddStringToObject(s, "type", "object");
	}
	p = cJSON_AddObjectToObject(op, "responses");
	p = cJSON_AddObjectToObject(p, "200");
	cJSON_AddStringToObject(p, "description", "OK");
	return op;
}

static char *openapi_doc(const char *group, const char *version)
{
	cJSON *d = cJSON_CreateObject(), *info, *paths, *comp;
	char *s;
	char path[512], title[256];

	cJSON_AddStringToObject(d, "openapi", "3.0.0");
	info = cJSON_AddObjectToObject(d, "info");
	snprintf(title, sizeof(title), "kubesim %s%s%s", group,
		 *group ? "/" : "", version);
	cJSON_AddStringToObject(info, "title", title);
	cJSON_AddStringToObject(info, "version", version);
	paths = cJSON_AddObjectToObject(d, "paths");
	for (struct ks_res *r = ks.res; r; r = r->next) {
		cJSON *item;

		if (!r->served || strcmp(r->group, group) ||
		    !ks_res_version(r, version))
			continue;
		snprintf(path, sizeof(path), "/%s%s%s/%s%s/{name}",
			 *group ? "apis/" : "api/", group, *group ? "/" : "",
			 version,
			 r->namespaced ? "/namespaces/{namespace}" : "");
		/* rebuild properly:
		 * /apis/<g>/<v>[/namespaces/{namespace}]/<plural>/{name} */
		snprintf(path, sizeof(path), "/%s%s%s%s%s/%s/{name}",
			 *group ? "apis/" : "api", group, *group ? "/" : "/",
			 version,
			 r->namespaced ? "/namespaces/{namespace}" : "",
			 r->plural);
		item = cJSON_AddObjectToObject(paths, path);
		cJSON_AddItemToObject(item, "patch", patch_op(r, version));
		if (r->has_status) {
			strncat(path, "/status",
				sizeof(path) - strlen(path) - 1);
			item = cJSON_AddObjectToObject(paths, path);
			cJSON_AddItemToObject(item, "patch",
					      patch_op(r, version));
		}
	}
	comp = cJSON_AddObjectToObject(d, "components");
	cJSON_AddItemToObject(comp, "schemas", cJSON_CreateObject());
	s = jf_json_print(d);
	cJSON_Delete(d);
	return s;
}

static void serve_openapi_index(struct ks_req *q)
{
	cJSON *d = cJSON_CreateObject(), *paths;
	char key[256], url[512];

	paths = cJSON_AddObjectToObject(d, "paths");
	for (struct ks_res *r = ks.res; r; r = r->next) {
		for (int i = 0; i < r->nvers; i++) {
			char *doc;
			uint64_t h;

			if (!r->served || !r->vers[i].served)
				continue;
			if (*r->group)
				snprintf(key, sizeof(key), "apis/%s/%s",
					 r->group, r->vers[i].name);
			else
				snprintf(key, sizeof(key), "api/%s",
					 r->vers[i].name);
			if (cJSON_GetObjectItemCaseSensitive(paths, key))
				continue;
			doc = openapi_doc(r->group, r->vers[i].name);
			h = jf_fnv1a(JF_FNV_OFFSET, doc, strlen(doc));
			free(doc);
			snprintf(url, sizeof(url),
				 "/openapi/v3/%s?hash=%016llX", key,
				 (unsigned long long)h);
			cJSON_AddItemToObject(paths, key, cJSON_CreateObject());
			cJSON_AddStringToObject(
				cJSON_GetObjectItemCaseSensitive(paths, key),
				"serverRelativeURL", url);
		}
	}
	ks_reply_json(q, 200, d);
	cJSON_Delete(d);
}

bool ks_discovery_handle(struct ks_req *q, const char *path)
{
	char g[256], v[64];

	if (q->method != KS_GET)
		return false;
	if (!strcmp(path, "/healthz") || !strcmp(path, "/readyz") ||
	    !strcmp(path, "/livez")) {
		reply_text(q, "ok");
		return true;
	}
	if (!strcmp(path, "/version") || !strcmp(path, "/version/")) {
		static const char ver[] =
			"{\"major\":\"1\",\"minor\":\"32\",\"gitVersion\":"
			"\"v1.32.0-kubesim\",\"gitCommit\":\"0000000000000000"
			"000000000000000000000000\",\"gitTreeState\":\"clean\","
			"\"buildDate\":\"2026-01-01T00:00:00Z\",\"goVersion\":"
			"\"go1.23.0\",\"compiler\":\"gc\",\"platform\":"
			"\"linux/amd64\"}";
		ks_reply_raw(q, 200, ver, sizeof(ver) - 1);
		return true;
	}
	if (!strcmp(path, "/api") || !strcmp(path, "/api/")) {
		char b[256];
		int n = snprintf(
			b, sizeof(b),
			"{\"kind\":\"APIVersions\",\"versions\":[\"v1\""
			"],\"serverAddressByClientCIDRs\":[{"
			"\"clientCIDR\":\"0.0.0.0/0\",\"serverAddress\""
			":\"%s\"}]}",
			strstr(ks.url, "://") + 3);
		ks_reply_raw(q, 200, b, (size_t)n);
		return true;
	}
	if (!strcmp(path, "/apis") || !strcmp(path, "/apis/")) {
		serve_apis(q);
		return true;
	}
	if (!strcmp(path, "/api/v1") || !strcmp(path, "/api/v1/")) {
		serve_resources(q, "", "v1");
		return true;
	}
	if (sscanf(path, "/apis/%255[^/]/%63[^/]", g, v) == 2 &&
	    strlen(path) <= strlen(g) + strlen(v) + 8) {
		if (!group_has_version(g, v))
			return false;
		serve_resources(q, g, v);
		return true;
	}
	if (sscanf(path, "/apis/%255[^/]", g) == 1 &&
	    strlen(path) <= strlen(g) + 7) {
		cJSON *e;

		if (!group_has_version(g, "") && !ks_res_find(g, "")) {
			bool any = false;

			for (struct ks_res *r = ks.res; r; r = r->next)
				any |= r->served && !strcmp(r->group, g);
			if (!any)
				return false;
		}
		e = group_entry(g);
		cJSON_AddStringToObject(e, "kind", "APIGroup");
		cJSON_AddStringToObject(e, "apiVersion", "v1");
		ks_reply_json(q, 200, e);
		cJSON_Delete(e);
		return true;
	}
	if (!strcmp(path, "/openapi/v3") || !strcmp(path, "/openapi/v3/")) {
		serve_openapi_index(q);
		return true;
	}
	if (!strcmp(path, "/openapi/v3/api/v1")) {
		char *doc = openapi_doc("", "v1");

		ks_reply_raw(q, 200, doc, strlen(doc));
		free(doc);
		return true;
	}
	if (sscanf(path, "/openapi/v3/apis/%255[^/]/%63[^/]", g, v) == 2) {
		char *doc;

		if (!group_has_version(g, v))
			return false;
		doc = openapi_doc(g, v);
		ks_reply_raw(q, 200, doc, strlen(doc));
		free(doc);
		return true;
	}
	return false;
}
