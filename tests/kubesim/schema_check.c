/* schema_check.c - vets a CRD version's openAPIV3Schema the way
 * apiextensions-apiserver does before serving it: structural, only
 * supported keywords, valid patterns, pruned and valid defaults. */
#include "ks_schema.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"
#include "schema_priv.h"

enum level {
	LVL_ROOT,
	LVL_ITEM,
	LVL_FIELD
};

/* Walk flags. */
#define IN_JUNCTOR  1u /* below allOf/anyOf/oneOf/not */
#define IN_TOP_META 2u /* the root's metadata, apiVersion or kind */

struct chk {
	char path[1024];
	char *msg;
	size_t cap;
};

static int chk_fail(struct chk *k, const char *child, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Reports "<path>[.child]: <body>" and returns -1. */
static int chk_fail(struct chk *k, const char *child, const char *fmt, ...)
{
	char body[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	if (k->msg && k->cap)
		snprintf(k->msg, k->cap, "%s%s%s: %s", k->path,
			 child ? "." : "", child ? child : "", body);
	return -1;
}

static size_t chk_push(struct chk *k, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static size_t chk_push(struct chk *k, const char *fmt, ...)
{
	size_t mark = strlen(k->path);
	va_list ap;

	va_start(ap, fmt);
	if (mark < sizeof(k->path))
		vsnprintf(k->path + mark, sizeof(k->path) - mark, fmt, ap);
	va_end(ap);
	return mark;
}

static void chk_pop(struct chk *k, size_t mark)
{
	k->path[mark] = '\0';
}

static const char *const chk_known_types[] = {"array",	"boolean", "integer",
					      "number", "object",  "string"};

static bool chk_is_type_schema(const cJSON *s, const char *type)
{
	const char *t = ks_sch_type(s);

	return cJSON_IsObject(s) && cJSON_GetArraySize(s) == 1 && t &&
	       !strcmp(t, type);
}

/* anyOf: [{type: integer}, {type: string}] exactly. */
static bool chk_is_ios_anyof(const cJSON *any)
{
	return cJSON_GetArraySize(any) == 2 &&
	       chk_is_type_schema(cJSON_GetArrayItem(any, 0), "integer") &&
	       chk_is_type_schema(cJSON_GetArrayItem(any, 1), "string");
}

static int chk_node(struct chk *k, const cJSON *s, enum level lvl,
		    unsigned flags, int depth);

/* Keyword value types (a CRD with a wrongly typed keyword does not even
 * decode in kube-apiserver). */
static int chk_keyword_types(struct chk *k, const cJSON *s)
{
	static const char *const bools[] = {
		"nullable",
		"exclusiveMaximum",
		"exclusiveMinimum",
		"uniqueItems",
		"x-kubernetes-preserve-unknown-fields",
		"x-kubernetes-int-or-string",
		"x-kubernetes-embedded-resource"};
	static const char *const strs[] = {"type",
					   "pattern",
					   "format",
					   "description",
					   "title",
					   "x-kubernetes-list-type",
					   "x-kubernetes-map-type"};
	static const char *const nums[] = {"maximum", "minimum", "multipleOf"};
	static const char *const counts[] = {"maxLength",     "minLength",
					     "maxItems",      "minItems",
					     "maxProperties", "minProperties"};
	static const char *const forbidden[] = {
		"$ref",		  "$schema",	  "id",
		"definitions",	  "dependencies", "patternProperties",
		"additionalItems"};
	const cJSON *v, *m;
	size_t i;

	for (i = 0; i < sizeof(forbidden) / sizeof(*forbidden); i++) {
		if (ks_sch_kw(s, forbidden[i]))
			return chk_fail(k, forbidden[i],
					"Forbidden: %s is not "
					"supported",
					forbidden[i]);
	}
	for (i = 0; i < sizeof(bools) / sizeof(*bools); i++) {
		v = ks_sch_kw(s, bools[i]);
		if (v && !cJSON_IsBool(v))
			return chk_fail(k, bools[i],
					"Invalid value: %s: must be a boolean",
					jf_json_type_name(v));
	}
	for (i = 0; i < sizeof(strs) / sizeof(*strs); i++) {
		v = ks_sch_kw(s, strs[i]);
		if (v && !cJSON_IsString(v))
			return chk_fail(k, strs[i],
					"Invalid value: %s: must be a string",
					jf_json_type_name(v));
	}
	for (i = 0; i < sizeof(nums) / sizeof(*nums); i++) {
		v = ks_sch_kw(s, nums[i]);
		if (v && !cJSON_IsNumber(v))
			return chk_fail(k, nums[i],
					"Invalid value: %s: must be a number",
					jf_json_type_name(v));
	}
	v = ks_sch_kw(s, "multipleOf");
	if (v && v->valuedouble <= 0)
		return chk_fail(k, "multipleOf",
				"Invalid value: %g: must be greater than zero",
				v->valuedouble);
	for (i = 0; i < sizeof(counts) / sizeof(*counts); i++) {
		v = ks_sch_kw(s, counts[i]);
		if (v && (!ks_is_int64(v) || v->valuedouble < 0))
			return chk_fail(
				k, counts[i],
				"Invalid value: %s: must be a non-negative "
				"integer",
				cJSON_IsNumber(v) ? "number"
						  : jf_json_type_name(v));
	}
	v = ks_sch_kw(s, "properties");
	if (v && !cJSON_IsObject(v))
		return chk_fail(k, "properties",
				"Invalid value: %s: must be an object",
				jf_json_type_name(v));
	v = ks_sch_kw(s, "items");
	if (cJSON_IsArray(v))
		return chk_fail(
			k, "items",
			"Forbidden: items must be a schema object and not "
			"an array");
	if (v && !cJSON_IsObject(v))
		return chk_fail(k, "items",
				"Invalid value: %s: must be an object",
				jf_json_type_name(v));
	v = ks_sch_kw(s, "additionalProperties");
	if (v && !cJSON_IsObject(v) && !cJSON_IsBool(v))
		return chk_fail(
			k, "additionalProperties",
			"Invalid value: %s: must be a boolean or an object",
			jf_json_type_name(v));
	v = ks_sch_kw(s, "not");
	if (v && !cJSON_IsObject(v))
		return chk_fail(k, "not",
				"Invalid value: %s: must be an object",
				jf_json_type_name(v));
	{
		static const char *const lists[] = {
			"required",
			"x-kubernetes-list-map-keys",
			"enum",
			"allOf",
			"anyOf",
			"oneOf",
			"x-kubernetes-validations"};

		for (i = 0; i < sizeof(lists) / sizeof(*lists); i++) {
			v = ks_sch_kw(s, lists[i]);
			if (v && !cJSON_IsArray(v))
				return chk_fail(k, lists[i],
						"Invalid value: %s: must be an "
						"array",
						jf_json_type_name(v));
			if (i >= 3 && i <= 5) {
				cJSON_ArrayForEach (m, v) {
					if (!cJSON_IsObject(m))
						return chk_fail(
							k, lists[i],
							"Invalid value: "
							"%s: must be an "
							"array of schemas",
							jf_json_type_name(m));
				}
			}
			if (i <= 1) {
				cJSON_ArrayForEach (m, v) {
					if (!cJSON_IsString(m))
						return chk_fail(
							k, lists[i],
							"Invalid value: "
							"%s: must be an "
							"array of strings",
							jf_json_type_name(m));
				}
			}
		}
	}
	return 0;
}

/* Keywords that have no place in allOf/anyOf/oneOf/not. */
static int chk_junctor_node(struct chk *k, const cJSON *s, bool ios_ok)
{
	static const struct {
		const char *kw, *msg;
	} banned[] = {
		{"additionalProperties", "must be undefined to be structural"},
		{"default", "must be undefined to be structural"},
		{"title", "must be empty to be structural"},
		{"description", "must be empty to be structural"},
		{"externalDocs", "must be undefined to be structural"},
		{"x-kubernetes-list-map-keys",
		 "must be empty to be structural"},
		{"x-kubernetes-list-type",
		 "must be undefined to be structural"},
		{"x-kubernetes-map-type", "must be undefined to be structural"},
		{"x-kubernetes-validations", "must be empty to be structural"},
	};
	static const char *const false_flags[] = {
		"nullable", "x-kubernetes-preserve-unknown-fields",
		"x-kubernetes-embedded-resource", "x-kubernetes-int-or-string"};

	if (ks_sch_type(s) && !ios_ok)
		return chk_fail(k, "type",
				"Forbidden: must be empty to be "
				"structural");
	for (size_t i = 0; i < sizeof(banned) / sizeof(*banned); i++) {
		if (ks_sch_kw(s, banned[i].kw))
			return chk_fail(k, banned[i].kw, "Forbidden: %s",
					banned[i].msg);
	}
	for (size_t i = 0; i < sizeof(false_flags) / sizeof(*false_flags);
	     i++) {
		if (ks_sch_flag(s, false_flags[i]))
			return chk_fail(
				k, false_flags[i],
				"Forbidden: must be false to be structural");
	}
	if (ks_sch_kw(ks_sch_kw(s, "properties"), "metadata")) {
		size_t mark = chk_push(k, ".properties[metadata]");

		chk_fail(k, NULL,
			 "Forbidden: must not be specified in a nested "
			 "context");
		chk_pop(k, mark);
		return -1;
	}
	return 0;
}

/* The root's metadata may only restrict name and generateName. */
static int chk_root_metadata(struct chk *k, const cJSON *md)
{
	const cJSON *props = ks_sch_kw(md, "properties"), *m;
	const char *t = ks_sch_type(md);
	size_t mark;
	int n = 0, known = 0;

	if (t && strcmp(t, "object"))
		return chk_fail(k, "properties[metadata].type",
				"Invalid value: \"%s\": must be object", t);
	cJSON_ArrayForEach (m, props) {
		n++;
		if (!strcmp(m->string, "name") ||
		    !strcmp(m->string, "generateName"))
			known++;
	}
	cJSON_ArrayForEach (m, md) {
		if (!strcmp(m->string, "type") ||
		    (!strcmp(m->string, "properties") && n == known))
			continue;
		mark = chk_push(k, ".properties[metadata]");
		chk_fail(k, NULL,
			 "Forbidden: must not specify anything other than "
			 "name and generateName, but metadata is implicitly "
			 "specified");
		chk_pop(k, mark);
		return -1;
	}
	return 0;
}

/* A default must be pruned already and valid against its schema. */
static int chk_default(struct chk *k, const cJSON *s, unsigned flags)
{
	const cJSON *d = ks_sch_kw(s, "default");
	cJSON *copy, *causes;
	char *js;
	int err = 0;

	if (!d || cJSON_IsNull(d))
		return 0;
	if (flags & IN_TOP_META)
		return chk_fail(k, "default",
				"Forbidden: must not be set in "
				"top-level metadata");
	copy = jf_json_dup(d);
	causes = cJSON_CreateArray();
	if (!copy || !causes) {
		err = chk_fail(k, "default", "Internal error: out of memory");
		goto out_free;
	}
	js = jf_json_print(d);
	ks_schema_prune_node(s, copy);
	if (!jf_json_equal(copy, d)) {
		err = chk_fail(
			k, "default",
			"Invalid value: %.256s: must not have unknown fields",
			js ? js : "?");
	} else if (ks_schema_apply_node(s, copy, causes, "default") > 0) {
		const cJSON *c0 = cJSON_GetArrayItem(causes, 0);

		err = chk_fail(k, jf_json_str(c0, "field", "default"), "%s",
			       jf_json_str(c0, "message", ""));
	}
	free(js);
out_free:
	cJSON_Delete(copy);
	cJSON_Delete(causes);
	return err;
}

static int chk_list_type(struct chk *k, const cJSON *s)
{
	const cJSON *lt = ks_sch_kw(s, "x-kubernetes-list-type");
	const cJSON *mk = ks_sch_kw(s, "x-kubernetes-list-map-keys");
	const cJSON *mt = ks_sch_kw(s, "x-kubernetes-map-type");
	const cJSON *items = ks_sch_kw(s, "items"), *m;
	const char *t = ks_sch_type(s);

	if (mt && (!t || strcmp(t, "object")))
		return chk_fail(
			k, "type",
			t ? "Invalid value: \"%s\": must be "
			    "object if x-kubernetes-map-type is specified"
			  : "Required value: must be object if "
			    "x-kubernetes-map-type is specified%s",
			t ? t : "");
	if (mt && strcmp(mt->valuestring, "atomic") &&
	    strcmp(mt->valuestring, "granular"))
		return chk_fail(k, "x-kubernetes-map-type",
				"Unsupported value: \"%s\": supported values: "
				"\"atomic\", \"granular\"",
				mt->valuestring);
	if (lt && (!t || strcmp(t, "array")))
		return chk_fail(
			k, "type",
			t ? "Invalid value: \"%s\": must be "
			    "array if x-kubernetes-list-type is specified"
			  : "Required value: must be array if "
			    "x-kubernetes-list-type is specified%s",
			t ? t : "");
	if (lt && strcmp(lt->valuestring, "atomic") &&
	    strcmp(lt->valuestring, "set") && strcmp(lt->valuestring, "map"))
		return chk_fail(k, "x-kubernetes-list-type",
				"Unsupported value: \"%s\": supported values: "
				"\"atomic\", \"set\", \"map\"",
				lt->valuestring);
	if (cJSON_GetArraySize(mk) > 0 && !lt)
		return chk_fail(k, "x-kubernetes-list-type",
				"Required value: must be map if "
				"x-kubernetes-list-map-keys is non-empty");
	if (cJSON_GetArraySize(mk) > 0 && strcmp(lt->valuestring, "map"))
		return chk_fail(k, "x-kubernetes-list-type",
				"Invalid value: \"%s\": must be map if "
				"x-kubernetes-list-map-keys is non-empty",
				lt->valuestring);
	if (!lt || strcmp(lt->valuestring, "map"))
		return 0;
	if (cJSON_GetArraySize(mk) == 0)
		return chk_fail(k, "x-kubernetes-list-map-keys",
				"Required value: must not be empty if "
				"x-kubernetes-list-type is map");
	if (!items)
		return chk_fail(k, "items",
				"Required value: must have a schema if "
				"x-kubernetes-list-type is map");
	if (!ks_sch_type(items) || strcmp(ks_sch_type(items), "object"))
		return chk_fail(
			k, "items.type",
			"Invalid value: \"%s\": must be object if parent "
			"array's x-kubernetes-list-type is map",
			ks_sch_type(items) ? ks_sch_type(items) : "");
	cJSON_ArrayForEach (m, mk) {
		const cJSON *p = ks_sch_kw(ks_sch_kw(items, "properties"),
					   m->valuestring);
		const char *pt = ks_sch_type(p);

		if (!p)
			return chk_fail(
				k, "x-kubernetes-list-map-keys",
				"Invalid value: \"%s\": entries must all be "
				"names of item properties",
				m->valuestring);
		if (pt && (!strcmp(pt, "array") || !strcmp(pt, "object")))
			return chk_fail(
				k, "items.properties",
				"Invalid value: \"%s\": must be a scalar "
				"type if parent array's "
				"x-kubernetes-list-type is map",
				m->valuestring);
		for (const cJSON *o = mk->child; o != m; o = o->next) {
			if (!strcmp(o->valuestring, m->valuestring))
				return chk_fail(
					k, "x-kubernetes-list-map-keys",
					"Invalid value: \"%s\": must not "
					"contain duplicate entries",
					m->valuestring);
		}
	}
	return 0;
}

static int chk_structural(struct chk *k, const cJSON *s, enum level lvl)
{
	static const char *const empty_msg[] = {
		"must not be empty at the root",
		"must not be empty for specified array items",
		"must not be empty for specified object fields"};
	const char *t = ks_sch_type(s);
	bool ios = ks_sch_flag(s, "x-kubernetes-int-or-string");
	bool puf = ks_sch_flag(s, "x-kubernetes-preserve-unknown-fields");
	bool emb = ks_sch_flag(s, "x-kubernetes-embedded-resource");
	const cJSON *ap = ks_sch_kw(s, "additionalProperties");
	const cJSON *props = ks_sch_kw(s, "properties");

	if (emb && (!t || strcmp(t, "object")))
		return chk_fail(
			k, "type",
			t ? "Invalid value: \"%s\": must be "
			    "object if x-kubernetes-embedded-resource is true"
			  : "Required value: must be object if "
			    "x-kubernetes-embedded-resource is "
			    "true%s",
			t ? t : "");
	if (!t && !ios && !puf)
		return chk_fail(k, "type", "Required value: %s",
				empty_msg[lvl]);
	if (lvl == LVL_ROOT && t && strcmp(t, "object"))
		return chk_fail(k, "type",
				"Invalid value: \"%s\": must be object "
				"at the root",
				t);
	if (t && !strcmp(t, "array") && !ks_sch_kw(s, "items"))
		return chk_fail(k, "items",
				"Required value: must be specified");
	if (ap && lvl == LVL_ROOT)
		return chk_fail(k, "additionalProperties",
				"Forbidden: must not be used at the root");
	if (ap && cJSON_GetArraySize(props) > 0 &&
	    (cJSON_IsFalse(ap) || cJSON_IsObject(ap)))
		return chk_fail(
			k, "additionalProperties",
			"Forbidden: additionalProperties and properties are "
			"mutual exclusive");
	if (emb && ap)
		return chk_fail(k, "additionalProperties",
				"Forbidden: must not be used if "
				"x-kubernetes-embedded-resource is set");
	if (emb && !puf && cJSON_GetArraySize(props) == 0)
		return chk_fail(
			k, "properties",
			"Required value: must not be empty if "
			"x-kubernetes-embedded-resource is true without "
			"x-kubernetes-preserve-unknown-fields");
	return 0;
}

static int chk_children(struct chk *k, const cJSON *s, enum level lvl,
			unsigned flags, int depth)
{
	static const char *const junctors[] = {"allOf", "anyOf", "oneOf"};
	const cJSON *props = ks_sch_kw(s, "properties"), *m;
	bool meta_level = lvl == LVL_ROOT ||
			  ks_sch_flag(s, "x-kubernetes-embedded-resource");
	bool ios = ks_sch_flag(s, "x-kubernetes-int-or-string");
	size_t mark;
	int i;

	cJSON_ArrayForEach (m, props) {
		unsigned f = flags;
		const char *pt = ks_sch_type(m);

		if (meta_level &&
		    (!strcmp(m->string, "kind") ||
		     !strcmp(m->string, "apiVersion")) &&
		    !(flags & IN_JUNCTOR) && (!pt || strcmp(pt, "string"))) {
			mark = chk_push(k, ".properties[%s]", m->string);
			chk_fail(k, "type",
				 "Invalid value: \"%s\": must be string",
				 pt ? pt : "");
			chk_pop(k, mark);
			return -1;
		}
		if (lvl == LVL_ROOT && !(flags & IN_JUNCTOR) &&
		    !strcmp(m->string, "metadata") && chk_root_metadata(k, m))
			return -1;
		if (lvl == LVL_ROOT && (!strcmp(m->string, "metadata") ||
					!strcmp(m->string, "kind") ||
					!strcmp(m->string, "apiVersion")))
			f |= IN_TOP_META;
		mark = chk_push(k, ".properties[%s]", m->string);
		if (chk_node(k, m, LVL_FIELD, f, depth + 1))
			return -1;
		chk_pop(k, mark);
	}
	m = ks_sch_kw(s, "items");
	if (cJSON_IsObject(m)) {
		mark = chk_push(k, ".items");
		if (chk_node(k, m, LVL_ITEM, flags & IN_JUNCTOR, depth + 1))
			return -1;
		chk_pop(k, mark);
	}
	m = ks_sch_kw(s, "additionalProperties");
	if (cJSON_IsObject(m)) {
		mark = chk_push(k, ".additionalProperties");
		if (chk_node(k, m, LVL_FIELD, flags, depth + 1))
			return -1;
		chk_pop(k, mark);
	}
	for (int j = 0; j < 3; j++) {
		const cJSON *list = ks_sch_kw(s, junctors[j]);

		i = 0;
		cJSON_ArrayForEach (m, list) {
			/* int-or-string: anyOf [integer, string], directly or
			 * as allOf[0].anyOf */
			bool ios_ok =
				ios && ((j == 1 && chk_is_ios_anyof(list)) ||
					(j == 0 && i == 0));

			mark = chk_push(k, ".%s[%d]", junctors[j], i++);
			if (!(ios_ok && j == 1) &&
			    chk_junctor_node(k, m, ios_ok && j == 1))
				return -1;
			if (!(ios_ok && j == 0 &&
			      chk_is_ios_anyof(ks_sch_kw(m, "anyOf"))) &&
			    chk_node(k, m, lvl, flags | IN_JUNCTOR, depth + 1))
				return -1;
			chk_pop(k, mark);
		}
	}
	m = ks_sch_kw(s, "not");
	if (cJSON_IsObject(m)) {
		mark = chk_push(k, ".not");
		if (chk_junctor_node(k, m, false) ||
		    chk_node(k, m, lvl, flags | IN_JUNCTOR, depth + 1))
			return -1;
		chk_pop(k, mark);
	}
	return 0;
}

static int chk_node(struct chk *k, const cJSON *s, enum level lvl,
		    unsigned flags, int depth)
{
	const cJSON *v;
	char err[256];
	regex_t re;

	if (depth > KS_SCHEMA_MAX_DEPTH)
		return chk_fail(k, NULL,
				"Forbidden: nested deeper than %d levels",
				KS_SCHEMA_MAX_DEPTH);
	if (!cJSON_IsObject(s))
		return chk_fail(k, NULL, "Invalid value: %s: must be an object",
				jf_json_type_name(s));
	if (chk_keyword_types(k, s))
		return -1;
	if (ks_sch_flag(s, "uniqueItems"))
		return chk_fail(
			k, "uniqueItems",
			"Forbidden: uniqueItems cannot be set to true since "
			"the runtime complexity becomes quadratic");
	v = ks_sch_kw(s, "type");
	if (v) {
		bool known = false;

		if (!strcmp(v->valuestring, "null"))
			return chk_fail(
				k, "type",
				"Forbidden: type cannot be set "
				"to null, use nullable as an alternative");
		for (size_t i = 0;
		     i < sizeof(chk_known_types) / sizeof(*chk_known_types);
		     i++)
			known = known ||
				!strcmp(v->valuestring, chk_known_types[i]);
		if (!known && v->valuestring[0])
			return chk_fail(
				k, "type",
				"Unsupported value: \"%.64s\": supported "
				"values: \"array\", \"boolean\", "
				"\"integer\", \"number\", \"object\", "
				"\"string\"",
				v->valuestring);
	}
	v = ks_sch_kw(s, "x-kubernetes-preserve-unknown-fields");
	if (cJSON_IsFalse(v))
		return chk_fail(
			k, "x-kubernetes-preserve-unknown-fields",
			"Invalid value: false: must be true or undefined");
	if (ks_sch_flag(s, "x-kubernetes-int-or-string") && cJSON_IsTrue(v))
		return chk_fail(k, "x-kubernetes-preserve-unknown-fields",
				"Invalid value: true: must be false if "
				"x-kubernetes-int-or-string is true");
	if (ks_sch_flag(s, "x-kubernetes-int-or-string") &&
	    ks_sch_flag(s, "x-kubernetes-embedded-resource"))
		return chk_fail(k, "x-kubernetes-embedded-resource",
				"Invalid value: true: must be false if "
				"x-kubernetes-int-or-string is true");
	v = ks_sch_kw(s, "pattern");
	if (cJSON_IsString(v)) {
		if (ks_re_compile(v->valuestring, &re, err, sizeof(err)))
			return chk_fail(
				k, "pattern",
				"Invalid value: \"%.256s\": must be a valid "
				"regular expression, but isn't: %s",
				v->valuestring, err);
		regfree(&re);
	}
	if (!(flags & IN_JUNCTOR)) {
		if (chk_structural(k, s, lvl) || chk_list_type(k, s) ||
		    chk_default(k, s, flags))
			return -1;
	}
	return chk_children(k, s, lvl, flags, depth);
}

int ks_schema_check(const cJSON *schema, char *msg, size_t cap)
{
	struct chk *k = calloc(1, sizeof(*k));
	int err;

	if (msg && cap)
		msg[0] = '\0';
	if (!k) {
		if (msg && cap)
			snprintf(msg, cap, "out of memory");
		return -1;
	}
	k->msg = msg;
	k->cap = cap;
	snprintf(k->path, sizeof(k->path), "openAPIV3Schema");
	err = schema ? chk_node(k, schema, LVL_ROOT, 0, 0)
		     : chk_fail(k, NULL,
				"Required value: a schema is required");
	free(k);
	return err ? -1 : 0;
}
