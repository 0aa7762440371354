/* validate.c - ObjectMeta validation every kube-apiserver resource gets:
 * label keys and values, annotation keys and total size, owner
 * references. Causes in kube-apiserver's words (StatusCause shape). */
#include "ks.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jf_json.h"

#define NAME_RE		  "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
#define TOTAL_ANNOTATIONS (256 * 1024)

static void add_cause(cJSON *causes, const char *reason, const char *field,
		      const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void add_cause(cJSON *causes, const char *reason, const char *field,
		      const char *fmt, ...)
{
	cJSON *c = cJSON_CreateObject();
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cJSON_AddStringToObject(c, "reason", reason);
	cJSON_AddStringToObject(c, "message", msg);
	cJSON_AddStringToObject(c, "field", field);
	cJSON_AddItemToArray(causes, c);
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9], non-empty */
static bool qualified_part(const char *s, size_t n)
{
	if (!n || !isalnum((unsigned char)s[0]) ||
	    !isalnum((unsigned char)s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '_' && s[i] != '.')
			return false;
	}
	return true;
}

static bool dns_subdomain(const char *s, size_t n)
{
	if (!n || n > 253 || !isalnum((unsigned char)s[0]) ||
	    !isalnum((unsigned char)s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!(islower((unsigned char)s[i]) ||
		      isdigit((unsigned char)s[i]) || s[i] == '-' ||
		      s[i] == '.'))
			return false;
	}
	return true;
}

/* A qualified name (label or annotation key). */
static void check_key(cJSON *causes, const char *field, const char *key)
{
	const char *slash = strchr(key, '/');
	const char *name = slash ? slash + 1 : key;
	size_t nl = strlen(name);

	if (slash && !dns_subdomain(key, (size_t)(slash - key)))
		add_cause(causes, "FieldValueInvalid", field,
			  "Invalid value: \"%s\": prefix part a lowercase RFC "
			  "1123 subdomain must consist of lower case "
			  "alphanumeric characters, '-' or '.', and must start "
			  "and end with an alphanumeric character (e.g. "
			  "'example.com', regex used for validation is "
			  "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]"
			  "*[a-z0-9])?)*')",
			  key);
	if (nl > 63)
		add_cause(causes, "FieldValueInvalid", field,
			  "Invalid value: \"%s\": name part must be no more "
			  "than 63 characters",
			  key);
	else if (!qualified_part(name, nl))
		add_cause(causes, "FieldValueInvalid", field,
			  "Invalid value: \"%s\": name part must consist of "
			  "alphanumeric characters, '-', '_' or '.', and must "
			  "start and end with an alphanumeric character (e.g. "
			  "'MyName',  or 'my.name',  or '123-abc', regex used "
			  "for validation is '" NAME_RE "')",
			  key);
}

static void check_labels(cJSON *causes, const cJSON *labels)
{
	const cJSON *l;

	if (!labels)
		return;
	if (!cJSON_IsObject(labels)) {
		add_cause(causes, "FieldValueTypeInvalid", "metadata.labels",
			  "Invalid value: \"%s\": must be an object of strings",
			  jf_json_type_name(labels));
		return;
	}
	cJSON_ArrayForEach (l, labels) {
		const char *v = cJSON_IsString(l) ? l->valuestring : "";
		size_t n = strlen(v);

		check_key(causes, "metadata.labels", l->string);
		if (!cJSON_IsString(l))
			add_cause(causes, "FieldValueTypeInvalid",
				  "metadata.labels",
				  "Invalid value: %s: label values must be "
				  "strings",
				  jf_json_type_name(l));
		else if (n > 63)
			add_cause(
				causes, "FieldValueInvalid", "metadata.labels",
				"Invalid value: \"%s\": must be no more than 63 "
				"characters",
				v);
		else if (n && !qualified_part(v, n))
			add_cause(
				causes, "FieldValueInvalid", "metadata.labels",
				"Invalid value: \"%s\": a valid label must be an "
				"empty string or consist of alphanumeric "
				"characters, '-', '_' or '.', and must start and "
				"end with an alphanumeric character (e.g. "
				"'MyValue',  or 'my_value',  or '12345', regex "
				"used for validation is '(" NAME_RE ")?')",
				v);
	}
}

static void check_annotations(cJSON *causes, const cJSON *ann)
{
	const cJSON *a;
	size_t total = 0;

	if (!ann)
		return;
	if (!cJSON_IsObject(ann)) {
		add_cause(causes, "FieldValueTypeInvalid",
			  "metadata.annotations",
			  "Invalid value: \"%s\": must be an object of strings",
			  jf_json_type_name(ann));
		return;
	}
	cJSON_ArrayForEach (a, ann) {
		check_key(causes, "metadata.annotations", a->string);
		total += strlen(a->string);
		if (cJSON_IsString(a))
			total += strlen(a->valuestring);
		else
			add_cause(
				causes, "FieldValueTypeInvalid",
				"metadata.annotations",
				"Invalid value: %s: annotation values must be "
				"strings",
				jf_json_type_name(a));
	}
	if (total > TOTAL_ANNOTATIONS)
		add_cause(causes, "FieldValueTooLong", "metadata.annotations",
			  "Too long: must have at most %d bytes",
			  TOTAL_ANNOTATIONS);
}

static void check_owners(cJSON *causes, const cJSON *refs)
{
	static const char *const req[] = {"apiVersion", "kind", "name", "uid",
					  NULL};
	const cJSON *r;
	int controllers = 0, i = 0;

	if (!refs)
		return;
	cJSON_ArrayForEach (r, refs) {
		char f[96];

		for (int k = 0; req[k]; k++) {
			if (*jf_json_str(r, req[k], ""))
				continue;
			snprintf(f, sizeof(f), "metadata.ownerReferences.%s",
				 req[k]);
			add_cause(causes, "FieldValueInvalid", f,
				  "Invalid value: \"\": %s must not be empty",
				  req[k]);
		}
		if (jf_json_bool(r, "controller", false))
			controllers++;
		i++;
	}
	if (controllers > 1)
		add_cause(causes, "FieldValueInvalid",
			  "metadata.ownerReferences",
			  "Invalid value: []v1.OwnerReference{...}: Only one "
			  "reference can have Controller set to true. Found "
			  "\"true\" in references for %d owners",
			  controllers);
}

int ks_validate_meta(const cJSON *obj, cJSON *causes)
{
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	int before = cJSON_GetArraySize(causes);

	check_labels(causes, cJSON_GetObjectItemCaseSensitive(md, "labels"));
	check_annotations(causes,
			  cJSON_GetObjectItemCaseSensitive(md, "annotations"));
	check_owners(causes,
		     cJSON_GetObjectItemCaseSensitive(md, "ownerReferences"));
	return cJSON_GetArraySize(causes) - before;
}
