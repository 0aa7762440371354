/* zz_pending.c - TEMPORARY weak stand-ins for modules another helper is
 * writing in parallel (ks_schema.h, ks_selector.h, jf_jsonpatch.h,
 * jf_yaml.h), so that kubesim links before they land. Every real
 * definition overrides these (they are weak); this file is deleted as
 * soon as the real modules are on main. They log once when used. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"
#include "jf_jsonpatch.h"
#include "jf_log.h"
#include "jf_yaml.h"
#include "ks_schema.h"
#include "ks_selector.h"

#define WEAK __attribute__((weak))

static void pending(const char *what)
{
	static char warned[8][32];

	for (int i = 0; i < 8; i++) {
		if (!strcmp(warned[i], what))
			return;
		if (!warned[i][0]) {
			snprintf(warned[i], sizeof(warned[i]), "%s", what);
			break;
		}
	}
	jf_warn("'%s' is a temporary stand-in in this build", what);
}

WEAK int ks_schema_apply(const cJSON *schema, cJSON *obj, cJSON *causes)
{
	pending("ks_schema_apply");
	return 0;
}

WEAK int ks_schema_check(const cJSON *schema, char *msg, size_t cap)
{
	return 0;
}

struct ks_selector {
	int n;
	char k[16][64], v[16][64];
	int op[16]; /* 0 =, 1 !=, 2 exists, 3 !exists */
};

WEAK int ks_selector_parse(const char *s, struct ks_selector **out, char *msg,
			   size_t cap)
{
	struct ks_selector *sel = calloc(1, sizeof(*sel));
	char buf[1024], *save = NULL;

	pending("ks_selector_parse");
	snprintf(buf, sizeof(buf), "%s", s);
	for (char *t = strtok_r(buf, ",", &save); t && sel->n < 16;
	     t = strtok_r(NULL, ",", &save)) {
		char *ne = strstr(t, "!="), *eq = strchr(t, '=');
		int i = sel->n++;

		if (ne) {
			*ne = '\0';
			sel->op[i] = 1;
			snprintf(sel->v[i], 64, "%s", ne + 2);
		} else if (eq) {
			*eq = '\0';
			sel->op[i] = 0;
			snprintf(sel->v[i], 64, "%s",
				 eq[1] == '=' ? eq + 2 : eq + 1);
		} else if (*t == '!') {
			t++;
			sel->op[i] = 3;
		} else {
			sel->op[i] = 2;
		}
		snprintf(sel->k[i], 64, "%s", t);
	}
	*out = sel;
	return 0;
}

WEAK void ks_selector_free(struct ks_selector *sel)
{
	free(sel);
}

WEAK bool ks_selector_match(const struct ks_selector *sel, const cJSON *labels)
{
	for (int i = 0; i < sel->n; i++) {
		const cJSON *v =
			cJSON_GetObjectItemCaseSensitive(labels, sel->k[i]);
		bool eq =
			cJSON_IsString(v) && !strcmp(v->valuestring, sel->v[i]);

		if ((sel->op[i] == 0 && !eq) || (sel->op[i] == 1 && eq) ||
		    (sel->op[i] == 2 && !v) || (sel->op[i] == 3 && v))
			return false;
	}
	return true;
}

struct ks_field_selector {
	char name[256], ns[256];
};

WEAK int ks_field_selector_parse(const char *s, const char *const *allowed,
				 struct ks_field_selector **out, char *msg,
				 size_t cap)
{
	struct ks_field_selector *f = calloc(1, sizeof(*f));
	char buf[1024], *save = NULL;

	pending("ks_field_selector_parse");
	snprintf(buf, sizeof(buf), "%s", s);
	for (char *t = strtok_r(buf, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		if (!strncmp(t, "metadata.name=", 14))
			snprintf(f->name, sizeof(f->name), "%s", t + 14);
		else if (!strncmp(t, "metadata.namespace=", 19))
			snprintf(f->ns, sizeof(f->ns), "%s", t + 19);
		else {
			snprintf(msg, cap, "field label not supported: %s", t);
			free(f);
			return -1;
		}
	}
	*out = f;
	return 0;
}

WEAK void ks_field_selector_free(struct ks_field_selector *sel)
{
	free(sel);
}

WEAK bool ks_field_selector_match(const struct ks_field_selector *sel,
				  const cJSON *obj)
{
	if (sel->name[0] &&
	    strcmp(sel->name, jf_json_str(obj, "metadata.name", "")))
		return false;
	if (sel->ns[0] &&
	    strcmp(sel->ns, jf_json_str(obj, "metadata.namespace", "")))
		return false;
	return true;
}

WEAK int jf_json_patch_apply(cJSON **doc, const cJSON *ops, struct jf_errmsg *e)
{
	pending("jf_json_patch_apply");
	return jf_errf(e, -JF_EPARSE, "json patch is not available yet");
}

WEAK cJSON *jf_json_pointer(cJSON *root, const char *ptr)
{
	return NULL;
}

WEAK int jf_yaml_load_one(const char *buf, size_t len, const char *name,
			  cJSON **out, struct jf_errmsg *e)
{
	pending("jf_yaml_load_one");
	return jf_errf(e, -JF_EPARSE, "%s: yaml is not available yet", name);
}
