/* table.c - server-side printing (meta.k8s.io Table) for custom
 * resources, with the CRD's additionalPrinterColumns (default: Age), for
 * `kubectl get`. Built-ins answer plain lists (kubectl prints NAME/AGE). */
#include "ks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"
#include "jf_time.h"

/* The Table version the client asked for ("v1", "v1beta1") or NULL. */
const char *ks_table_wanted(const struct ks_req *q)
{
	const char *a = q->accept;

	if (!a || q->res->builtin || !strstr(a, "as=Table") ||
	    !strstr(a, "g=meta.k8s.io"))
		return NULL;
	if (strstr(a, ";v=v1;") || strstr(a, ";v=v1,"))
		return "v1";
	return strstr(a, "v1beta1") ? "v1beta1" : NULL;
}

/* Evaluates a simple JSONPath (".a.b[0].c") on obj; NULL when absent. */
static const cJSON *eval_path(const cJSON *obj, const char *path)
{
	char buf[512], *p, *save = NULL;
	const cJSON *cur = obj;

	if (*path == '{')
		path++;
	snprintf(buf, sizeof(buf), "%s", path);
	p = strchr(buf, '}');
	if (p)
		*p = '\0';
	for (char *t = strtok_r(buf, ".", &save); t && cur;
	     t = strtok_r(NULL, ".", &save)) {
		char *br = strchr(t, '[');

		if (br)
			*br = '\0';
		if (*t)
			cur = cJSON_GetObjectItemCaseSensitive(cur, t);
		while (br && cur) {
			int idx = atoi(br + 1);

			cur = cJSON_GetArrayItem(cur, idx);
			br = strchr(br + 1, '[');
		}
	}
	return cur;
}

static const cJSON *columns_of(const struct ks_req *q)
{
	const struct ks_version *v = ks_res_version(q->res, q->version);

	return v ? v->columns : NULL;
}

static cJSON *column_defs(const cJSON *cols)
{
	cJSON *defs = cJSON_CreateArray(), *d;
	const cJSON *c;

	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "name", "Name");
	cJSON_AddStringToObject(d, "type", "string");
	cJSON_AddStringToObject(d, "format", "name");
	cJSON_AddStringToObject(d, "description",
				"Name must be unique within a namespace.");
	cJSON_AddNumberToObject(d, "priority", 0);
	cJSON_AddItemToArray(defs, d);
	if (!cJSON_GetArraySize(cols)) {
		d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "name", "Age");
		cJSON_AddStringToObject(d, "type", "date");
		cJSON_AddStringToObject(d, "format", "");
		cJSON_AddStringToObject(d, "description", "");
		cJSON_AddNumberToObject(d, "priority", 0);
		cJSON_AddItemToArray(defs, d);
		return defs;
	}
	cJSON_ArrayForEach (c, cols) {
		d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "name", jf_json_str(c, "name", ""));
		cJSON_AddStringToObject(d, "type",
					jf_json_str(c, "type", "string"));
		cJSON_AddStringToObject(d, "format",
					jf_json_str(c, "format", ""));
		cJSON_AddStringToObject(d, "description",
					jf_json_str(c, "description", ""));
		cJSON_AddNumberToObject(d, "priority",
					(double)jf_json_int(c, "priority", 0));
		cJSON_AddItemToArray(defs, d);
	}
	return defs;
}

/* Go's duration.HumanDuration, as kube-apiserver prints date columns. */
static void human(int64_t ms, char *b, size_t cap)
{
	int64_t s = ms / 1000, m = s / 60, h = s / 3600, d = h / 24;

	if (s < -1)
		snprintf(b, cap, "<invalid>");
	else if (s < 0)
		snprintf(b, cap, "0s");
	else if (s < 120)
		snprintf(b, cap, "%llds", (long long)s);
	else if (m < 10 && s % 60)
		snprintf(b, cap, "%lldm%llds", (long long)m,
			 (long long)(s % 60));
	else if (m < 180)
		snprintf(b, cap, "%lldm", (long long)m);
	else if (h < 8 && m % 60)
		snprintf(b, cap, "%lldh%lldm", (long long)h,
			 (long long)(m % 60));
	else if (h < 48)
		snprintf(b, cap, "%lldh", (long long)h);
	else if (h < 24 * 8 && h % 24)
		snprintf(b, cap, "%lldd%lldh", (long long)d,
			 (long long)(h % 24));
	else if (h < 24 * 365 * 2)
		snprintf(b, cap, "%lldd", (long long)d);
	else if (h < 24 * 365 * 8 && d % 365)
		snprintf(b, cap, "%lldy%lldd", (long long)(d / 365),
			 (long long)(d % 365));
	else
		snprintf(b, cap, "%lldy", (long long)(d / 365));
}

static cJSON *date_cell(const cJSON *v)
{
	int64_t t;
	char b[32];

	if (!cJSON_IsString(v) || jf_time_parse(v->valuestring, &t))
		return cJSON_CreateString("<unknown>");
	human(jf_now_ms() - t, b, sizeof(b));
	return cJSON_CreateString(b);
}

static cJSON *row(const cJSON *obj, const cJSON *cols)
{
	cJSON *r = cJSON_CreateObject(), *cells, *po;
	const cJSON *c, *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");

	cells = cJSON_AddArrayToObject(r, "cells");
	cJSON_AddItemToArray(cells,
			     cJSON_CreateString(jf_json_str(md, "name", "")));
	if (!cJSON_GetArraySize(cols)) {
		cJSON_AddItemToArray(
			cells, date_cell(jf_json_at(md, "creationTimestamp")));
	}
	cJSON_ArrayForEach (c, cols) {
		const cJSON *v = eval_path(obj, jf_json_str(c, "jsonPath", ""));

		if (v && !strcmp(jf_json_str(c, "type", ""), "date"))
			cJSON_AddItemToArray(cells, date_cell(v));
		else
			cJSON_AddItemToArray(cells, v ? cJSON_Duplicate(v, 1)
						      : cJSON_CreateNull());
	}
	po = cJSON_AddObjectToObject(r, "object");
	cJSON_AddStringToObject(po, "kind", "PartialObjectMetadata");
	cJSON_AddStringToObject(po, "apiVersion", "meta.k8s.io/v1");
	cJSON_AddItemToObject(po, "metadata", cJSON_Duplicate(md, 1));
	return r;
}

void ks_table_reply(struct ks_req *q, const char *tv, struct ks_obj **objs,
		    size_t n, const char *cont)
{
	const cJSON *cols = columns_of(q);
	cJSON *t = cJSON_CreateObject(), *md, *rows;
	char av[64], rv[24];

	snprintf(av, sizeof(av), "meta.k8s.io/%s", tv);
	snprintf(rv, sizeof(rv), "%llu", (unsigned long long)ks.rv);
	cJSON_AddStringToObject(t, "kind", "Table");
	cJSON_AddStringToObject(t, "apiVersion", av);
	md = cJSON_AddObjectToObject(t, "metadata");
	cJSON_AddStringToObject(md, "resourceVersion", rv);
	if (cont && *cont)
		cJSON_AddStringToObject(md, "continue", cont);
	cJSON_AddItemToObject(t, "columnDefinitions", column_defs(cols));
	rows = cJSON_AddArrayToObject(t, "rows");
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(rows, row(objs[i]->json, cols));
	ks_reply_json(q, 200, t);
	cJSON_Delete(t);
}
