/* rest.c - kubesim's generic REST verbs for every resource: get, list
 * (selectors, limit/continue), create, update (optimistic concurrency,
 * status subresource rules, generation), and the internal write paths
 * the controllers use. */
#include "ks.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <openssl/evp.h>

#include "jf_json.h"
#include "jf_log.h"
#include "jf_time.h"
#include "jf_yaml.h"
#include "ks_schema.h"
#include "ks_selector.h"

/* --- helpers -----------------------------------------------------------------
 */

char *ks_now_rfc3339(char *buf, size_t cap)
{
	return jf_time_format(jf_now_ms(), buf, cap);
}

static bool dns_label(const char *s, size_t n)
{
	if (!n || n > 63 || !isalnum((unsigned char)s[0]) ||
	    !isalnum((unsigned char)s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!(islower((unsigned char)s[i]) ||
		      isdigit((unsigned char)s[i]) || s[i] == '-'))
			return false;
	}
	return true;
}

bool ks_name_valid(const char *name, bool label, char *msg, size_t cap)
{
	size_t n = strlen(name);
	const char *p = name;

	if (label) {
		if (dns_label(name, n))
			return true;
		snprintf(msg, cap,
			 "Invalid value: \"%s\": a lowercase RFC 1123 label "
			 "must consist of lower case alphanumeric characters "
			 "or '-', and must start and end with an alphanumeric "
			 "character (e.g. 'my-name',  or '123-abc', regex used "
			 "for validation is "
			 "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
			 name);
		return false;
	}
	if (n && n <= 253) {
		bool ok = true;

		while (ok) {
			const char *d = strchr(p, '.');
			size_t l = d ? (size_t)(d - p) : strlen(p);

			ok = dns_label(p, l);
			if (!d)
				break;
			p = d + 1;
		}
		if (ok)
			return true;
	}
	snprintf(msg, cap,
		 "Invalid value: \"%s\": a lowercase RFC 1123 subdomain must "
		 "consist of lower case alphanumeric characters, '-' or '.', "
		 "and must start and end with an alphanumeric character (e.g. "
		 "'example.com', regex used for validation is "
		 "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9]"
		 ")?)*')",
		 name);
	return false;
}

static cJSON *cause(const char *reason, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static cJSON *cause(const char *reason, const char *field, const char *fmt, ...)
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
	return c;
}

static void reply_one_invalid(struct ks_req *q, const char *name, cJSON *c)
{
	cJSON *causes = cJSON_CreateArray();

	cJSON_AddItemToArray(causes, c);
	ks_reply_invalid(q, q->res, name, causes);
	cJSON_Delete(causes);
}

static const char *obj_rv(const cJSON *o)
{
	return jf_json_str(o, "metadata.resourceVersion", NULL);
}

static bool parse_body(struct ks_req *q, cJSON **out)
{
	struct jf_errmsg e = {{0}};
	int err;

	*out = NULL;
	if (q->ctype &&
	    (strstr(q->ctype, "protobuf") || strstr(q->ctype, "cbor"))) {
		ks_reply_status(q, 415, "UnsupportedMediaType", NULL, NULL,
				NULL,
				"the body of the request was in an unknown "
				"format - accepted media types include: "
				"application/json, application/yaml");
		return false;
	}
	if (q->ctype && strstr(q->ctype, "yaml"))
		err = jf_yaml_load_one(q->body, q->body_len, "body", out, &e);
	else
		err = jf_json_parse(q->body, q->body_len, KS_MAX_BODY, out, &e);

	if (err) {
		ks_reply_status(q, 400, "BadRequest", NULL, NULL, NULL,
				"the body of the request could not be "
				"decoded: %s",
				e.msg);
		return false;
	}
	if (!cJSON_IsObject(*out)) {
		cJSON_Delete(*out);
		*out = NULL;
		ks_reply_status(q, 400, "BadRequest", NULL, NULL, NULL,
				"the body of the request must be a JSON "
				"object");
		return false;
	}
	return true;
}

static void api_version(const struct ks_res *r, const char *v, char *buf,
			size_t cap)
{
	snprintf(buf, cap, "%s%s%s", r->group, *r->group ? "/" : "", v);
}

/* Checks kind/apiVersion of a body against the endpoint; fills them in
 * when absent. Replies and returns false on a mismatch. */
static bool check_gvk(struct ks_req *q, cJSON *obj)
{
	const char *kind = jf_json_str(obj, "kind", NULL);
	const char *av = jf_json_str(obj, "apiVersion", NULL);
	const struct ks_version *sv = ks_res_storage(q->res);
	char want[160];

	api_version(q->res, q->version, want, sizeof(want));
	if (kind && strcmp(kind, q->res->kind)) {
		ks_reply_status(q, 400, "BadRequest", NULL, NULL, NULL,
				"the kind in the body (%s) does not match the "
				"expected kind (%s)",
				kind, q->res->kind);
		return false;
	}
	if (av && strcmp(av, want)) {
		ks_reply_status(q, 400, "BadRequest", NULL, NULL, NULL,
				"the API version in the data (%s) does not "
				"match the expected API version (%s)",
				av, want);
		return false;
	}
	/* stored in the storage version (conversion None: apiVersion only) */
	api_version(q->res, sv ? sv->name : q->version, want, sizeof(want));
	jf_json_set_str(obj, "apiVersion", want);
	jf_json_set_str(obj, "kind", q->res->kind);
	return true;
}

/* Appends the paths of members of a that b lacks (fields the schema
 * pruned) to list. */
static void pruned_fields(const cJSON *a, const cJSON *b, const char *path,
			  struct jf_buf *list, int *n)
{
	const cJSON *x;
	char sub[512];

	if (cJSON_IsObject(a) && cJSON_IsObject(b)) {
		cJSON_ArrayForEach (x, a) {
			const cJSON *y =
				cJSON_GetObjectItemCaseSensitive(b, x->string);

			if (!*path && (!strcmp(x->string, "metadata") ||
				       !strcmp(x->string, "apiVersion") ||
				       !strcmp(x->string, "kind")))
				continue;
			snprintf(sub, sizeof(sub), "%s", path);
			if (*path)
				jf_json_path_key(sub, sizeof(sub), x->string);
			else
				snprintf(sub, sizeof(sub), "%s", x->string);
			if (!y && cJSON_IsNull(x))
				continue; /* dropped null, not unknown */
			if (!y) {
				if (*n < 20)
					jf_buf_printf(list,
						      "%sunknown field \"%s\"",
						      *n ? ", " : "", sub);
				(*n)++;
			} else {
				pruned_fields(x, y, sub, list, n);
			}
		}
	} else if (cJSON_IsArray(a) && cJSON_IsArray(b) &&
		   cJSON_GetArraySize(a) == cJSON_GetArraySize(b)) {
		int i = 0;
		const cJSON *y = b->child;

		cJSON_ArrayForEach (x, a) {
			snprintf(sub, sizeof(sub), "%s", path);
			jf_json_path_index(sub, sizeof(sub), i++);
			pruned_fields(x, y, sub, list, n);
			y = y->next;
		}
	}
}

/* Applies the CRD schema (prune, default, validate). Replies 422 and
 * returns false when invalid; with fieldValidation=Strict, an unknown
 * (pruned) field is a 400 like kube-apiserver's strict decoding; with
 * Warn (the default), a Warning header per field. */
static bool apply_schema(struct ks_req *q, struct ks_res *r, cJSON *obj,
			 const char *name)
{
	const struct ks_version *v = ks_res_version(r, q ? q->version : "");
	const char *fv = q ? ks_query(q, "fieldValidation") : NULL;
	cJSON *causes, *before = NULL;
	int n;

	if (!v)
		v = ks_res_storage(r);
	if (r->builtin || !v || !v->schema)
		return true;
	if (q && !(fv && !strcasecmp(fv, "Ignore")))
		before = cJSON_Duplicate(obj, 1);
	causes = cJSON_CreateArray();
	n = ks_schema_apply(v->schema, obj, causes);
	if (n > 0 && q)
		ks_reply_invalid(q, r, name, causes);
	cJSON_Delete(causes);
	if (n <= 0 && before) {
		struct jf_buf list;
		int k = 0;

		jf_buf_init(&list, 1u << 16);
		pruned_fields(before, obj, "", &list, &k);
		if (k && fv && !strcasecmp(fv, "Strict")) {
			ks_reply_status(
				q, 400, "BadRequest", NULL, NULL, NULL,
				"%s in version \"%s\" cannot be handled "
				"as a %s: strict decoding error: %s",
				r->kind, v->name, r->kind, list.data);
			n = 1;
		} else if (k) {
			struct jf_buf h;

			jf_buf_init(&h, 1u << 17);
			jf_buf_puts(&h, "299 - \"");
			for (const char *c = list.data; *c; c++)
				jf_buf_puts(&h, *c == '"' ? "\\\""
							  : (char[]){*c, 0});
			jf_buf_puts(&h, "\"");
			evhttp_add_header(
				evhttp_request_get_output_headers(q->req),
				"Warning", h.data);
			jf_buf_release(&h);
		}
		jf_buf_release(&list);
	}
	cJSON_Delete(before);
	return n <= 0;
}

/* ObjectMeta validation; replies 422 and returns false when invalid. */
static bool meta_ok(struct ks_req *q, struct ks_res *r, const cJSON *obj,
		    const char *name)
{
	cJSON *causes = cJSON_CreateArray();
	bool ok = ks_validate_meta(obj, causes) == 0;

	if (!ok)
		ks_reply_invalid(q, r, name, causes);
	cJSON_Delete(causes);
	return ok;
}

static bool uses_generation(const struct ks_res *r)
{
	return !r->builtin || r->has_status;
}

/* Equal outside metadata (and outside status when it is a subresource). */
static bool spec_equal(const struct ks_res *r, const cJSON *a, const cJSON *b)
{
	const cJSON *x;
	int na = 0, nb = 0;

	cJSON_ArrayForEach (x, a) {
		if (!strcmp(x->string, "metadata") ||
		    (r->has_status && !strcmp(x->string, "status")))
			continue;
		na++;
		if (!jf_json_equal(
			    x, cJSON_GetObjectItemCaseSensitive(b, x->string)))
			return false;
	}
	cJSON_ArrayForEach (x, b) {
		if (!strcmp(x->string, "metadata") ||
		    (r->has_status && !strcmp(x->string, "status")))
			continue;
		nb++;
	}
	return na == nb;
}

static void copy_member(cJSON *dst, const cJSON *src, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(src, key);

	if (v)
		jf_json_set(dst, key, cJSON_Duplicate(v, 1));
	else
		cJSON_DeleteItemFromObjectCaseSensitive(dst, key);
}

/* --- GET and LIST
 * ---------------------------------------------------------------- */

static void do_get(struct ks_req *q)
{
	struct ks_obj *o;

	if (q->res->namespaced && !q->ns) {
		ks_reply_notfound(q, q->res, q->name);
		return;
	}
	o = ks_store_get(q->res, q->ns, q->name);
	if (!o) {
		ks_reply_notfound(q, q->res, q->name);
		return;
	}
	if (ks_table_wanted(q) && !q->sub) {
		ks_table_reply(q, ks_table_wanted(q), &o, 1, NULL);
		return;
	}
	ks_reply_obj(q, 200, o);
}

static char *b64(const char *s)
{
	size_t n = strlen(s);
	char *out = malloc(4 * ((n + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
	return out;
}

static char *unb64(const char *s)
{
	size_t n = strlen(s);
	char *out = malloc(n + 1);
	int len;

	if (!out)
		abort();
	len = EVP_DecodeBlock((unsigned char *)out, (const unsigned char *)s,
			      (int)n);
	if (len < 0) {
		free(out);
		return NULL;
	}
	while (len > 0 && n > 0 && s[n - 1] == '=') {
		len--;
		n--;
	}
	out[len] = '\0';
	return out;
}

void ks_rest_list(struct ks_req *q)
{
	struct ks_res *r = q->res;
	const char *ls = ks_query(q, "labelSelector");
	const char *fs = ks_query(q, "fieldSelector");
	const char *lim = ks_query(q, "limit");
	const char *cont = ks_query(q, "continue");
	const char *rvm = ks_query(q, "resourceVersionMatch");
	const char *rvs = ks_query(q, "resourceVersion");
	struct ks_selector *lsel = NULL;
	struct ks_field_selector *fsel = NULL;
	char msg[512], av[160], rv[24], *after = NULL, *tok = NULL;
	const char *after_key = NULL;
	unsigned long long list_rv = ks.rv;
	struct ks_obj **pick;
	long limit = lim ? atol(lim) : 0;
	struct ks_obj **all;
	size_t n, i = 0, count = 0;
	struct jf_buf b;

	if (ls && ks_selector_parse(ls, &lsel, msg, sizeof(msg))) {
		ks_reply_status(q, 400, "BadRequest", NULL, NULL, NULL,
				"unable to parse requirement: %s", msg);
		return;
	}
	if (fs && ks_field_selector_parse(fs, ks_res_fields(r), &fsel, msg,
					  sizeof(msg))) {
		ks_selector_free(lsel);
		ks_reply_status(q, 400, "BadRequest", NULL, NULL, NULL, "%s",
				msg);
		return;
	}
	if (rvm && !strcmp(rvm, "Exact") && rvs &&
	    strtoull(rvs, NULL, 10) != ks.rv) {
		ks_selector_free(lsel);
		ks_field_selector_free(fsel);
		ks_reply_status(q, 410, "Expired", NULL, NULL, NULL,
				"too old resource version: %s (%llu)", rvs,
				(unsigned long long)ks.rv);
		return;
	}
	if (cont && *cont) {
		after = unb64(cont);
		if (after && !strncmp(after, "k8s:", 4)) {
			/* "k8s:<rv>@<key>": every page reports the first
			 * page's resourceVersion, as the apiserver's continue
			 * token pins it; a watch from it then replays every
			 * change made while the pages were read ("k8s:<key>"
			 * from older tokens still works) */
			char *at = strchr(after + 4, '@'), *end = NULL;
			unsigned long long v = strtoull(after + 4, &end, 10);

			after_key = after + 4;
			if (at && end == at && at > after + 4) {
				list_rv = v;
				after_key = at + 1;
			}
		}
		if (!after || strncmp(after, "k8s:", 4)) {
			free(after);
			ks_selector_free(lsel);
			ks_field_selector_free(fsel);
			ks_reply_status(q, 400, "BadRequest", NULL, NULL, NULL,
					"continue key is not valid: bad "
					"continue token");
			return;
		}
	}
	all = ks_store_sorted(r, &n);
	if (after) {
		size_t lo = 0, hi = n;

		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (strcmp(all[mid]->key, after_key) <= 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		i = lo;
	}
	pick = malloc((n + 1) * sizeof(*pick));
	if (!pick)
		abort();
	for (; i < n; i++) {
		struct ks_obj *o = all[i];
		struct ks_ver *v = o->ver;

		if (q->ns && strcmp(v->ns, q->ns))
			continue;
		if (lsel && !ks_selector_match(lsel, v->labels))
			continue;
		if (fsel && !ks_field_selector_match(fsel, o->json))
			continue;
		if (limit > 0 && (long)count == limit)
			break;
		pick[count++] = o;
	}
	if (limit > 0 && i < n) {
		/* more may match: continue after the last returned key */
		char *k;

		if (asprintf(&k, "k8s:%llu@%s", list_rv, all[i - 1]->key) < 0)
			abort();
		tok = b64(k);
		free(k);
	}
	free(after);
	ks_selector_free(lsel);
	ks_field_selector_free(fsel);
	if (ks_table_wanted(q)) {
		ks_table_reply(q, ks_table_wanted(q), pick, count, tok);
		free(pick);
		free(tok);
		return;
	}
	api_version(r, q->version, av, sizeof(av));
	snprintf(rv, sizeof(rv), "%llu", list_rv);
	jf_buf_init(&b, 0);
	jf_buf_printf(&b, "{\"apiVersion\":\"%s\",\"items\":[", av);
	for (size_t j = 0; j < count; j++) {
		if (j)
			jf_buf_putc(&b, ',');
		jf_buf_append(&b, pick[j]->ver->raw, pick[j]->ver->len);
	}
	jf_buf_printf(&b, "],\"kind\":\"%s\",\"metadata\":{", r->list_kind);
	if (tok)
		jf_buf_printf(&b, "\"continue\":\"%s\",", tok);
	jf_buf_printf(&b, "\"resourceVersion\":\"%s\"}}", rv);
	free(pick);
	free(tok);
	ks_reply_raw(q, 200, b.data, b.len);
	jf_buf_release(&b);
}

/* --- CREATE
 * -------------------------------------------------------------------- */

static void gen_name(const char *prefix, char *out, size_t cap)
{
	static const char al[] = "bcdfghjklmnpqrstvwxz2456789";
	char sfx[6];

	for (int i = 0; i < 5; i++)
		sfx[i] = al[ks_rand64() % (sizeof(al) - 1)];
	sfx[5] = '\0';
	snprintf(out, cap, "%.*s%s", 58, prefix, sfx);
}

/* Namespace checks for a namespaced write; replies and returns false
 * when the namespace is missing or terminating. */
static bool namespace_ok(struct ks_req *q, const char *name)
{
	struct ks_res *nsr = ks_res_find("", "namespaces");
	struct ks_obj *ns = ks_store_get(nsr, NULL, q->ns);
	char qn[256];

	if (!ns) {
		ks_reply_status(q, 404, "NotFound", q->ns, "namespaces", NULL,
				"namespaces \"%s\" not found", q->ns);
		return false;
	}
	if (ns->deleting) {
		ks_reply_status(q, 403, "Forbidden", name, q->res->plural, NULL,
				"%s \"%s\" is forbidden: unable to create new "
				"content in namespace %s because it is being "
				"terminated",
				ks_res_qualified(q->res, qn, sizeof(qn)), name,
				q->ns);
		return false;
	}
	return true;
}

void ks_rest_create_with(struct ks_req *q, cJSON *obj)
{
	struct ks_res *r = q->res;
	cJSON *md;
	const char *name, *bns;
	char gen[128], ts[40], uid[37], msg[1024], qn[256];
	struct ks_obj *o;

	if (!check_gvk(q, obj))
		goto out;
	md = jf_json_obj(obj, "metadata");
	name = jf_json_str(md, "name", "");
	if (!*name) {
		const char *gn = jf_json_str(md, "generateName", "");

		if (!*gn) {
			reply_one_invalid(q, "",
					  cause("FieldValueRequired",
						"metadata.name",
						"Required value: name or "
						"generateName is required"));
			goto out;
		}
		do {
			gen_name(gn, gen, sizeof(gen));
		} while (ks_store_get(r, q->ns, gen));
		jf_json_set_str(md, "name", gen);
		name = jf_json_str(md, "name", "");
	}
	bns = jf_json_str(md, "namespace", NULL);
	if (r->namespaced) {
		if (!q->ns) {
			ks_reply_status(q, 405, "MethodNotAllowed", NULL, NULL,
					NULL,
					"the server does not allow this method "
					"on the requested resource");
			goto out;
		}
		if (bns && *bns && strcmp(bns, q->ns)) {
			ks_reply_status(q, 400, "BadRequest", NULL, NULL, NULL,
					"the namespace of the provided object "
					"does not match the namespace sent on "
					"the request");
			goto out;
		}
		jf_json_set_str(md, "namespace", q->ns);
		if (!namespace_ok(q, name))
			goto out;
	} else {
		cJSON_DeleteItemFromObjectCaseSensitive(md, "namespace");
	}
	if (strcmp(r->group, "rbac.authorization.k8s.io") &&
	    !ks_name_valid(name, !strcmp(r->plural, "namespaces"), msg,
			   sizeof(msg))) {
		reply_one_invalid(
			q, name,
			cause("FieldValueInvalid", "metadata.name", "%s", msg));
		goto out;
	}
	if (ks_store_get(r, q->ns, name)) {
		ks_reply_status(q, 409, "AlreadyExists", name, r->plural, NULL,
				"%s \"%s\" already exists",
				ks_res_qualified(r, qn, sizeof(qn)), name);
		goto out;
	}
	if (!strcmp(r->group, "rbac.authorization.k8s.io") &&
	    (!strcmp(name, ".") || !strcmp(name, "..") || strchr(name, '/') ||
	     strchr(name, '%'))) {
		reply_one_invalid(
			q, name,
			cause("FieldValueInvalid", "metadata.name",
			      "Invalid value: \"%s\": may not contain "
			      "'/' or '%%' and may not be '.' or '..'",
			      name));
		goto out;
	}
	if (!meta_ok(q, r, obj, name))
		goto out;
	if (*jf_json_str(md, "resourceVersion", "") && q->method == KS_POST) {
		ks_reply_status(q, 400, "BadRequest", NULL, NULL, NULL,
				"resourceVersion should not be set on objects "
				"to be created");
		goto out;
	}
	if (r->has_status)
		cJSON_DeleteItemFromObjectCaseSensitive(obj, "status");
	if (!apply_schema(q, r, obj, name))
		goto out;
	if (ks_hook_create(r, obj, msg, sizeof(msg))) {
		reply_one_invalid(
			q, name, cause("FieldValueInvalid", "spec", "%s", msg));
		goto out;
	}
	md = jf_json_obj(obj, "metadata");
	ks_uuid(uid);
	jf_json_set_str(md, "uid", uid);
	jf_json_set_str(md, "creationTimestamp",
			jf_time_format(q->recv_ms, ts, sizeof(ts)));
	cJSON_DeleteItemFromObjectCaseSensitive(md, "resourceVersion");
	cJSON_DeleteItemFromObjectCaseSensitive(md, "deletionTimestamp");
	cJSON_DeleteItemFromObjectCaseSensitive(md,
						"deletionGracePeriodSeconds");
	cJSON_DeleteItemFromObjectCaseSensitive(md, "managedFields");
	cJSON_DeleteItemFromObjectCaseSensitive(md, "selfLink");
	if (uses_generation(r))
		jf_json_set_int(md, "generation", 1);
	else
		cJSON_DeleteItemFromObjectCaseSensitive(md, "generation");
	if (ks_query(q, "dryRun")) {
		/* validated and defaulted, not stored */
		ks_reply_json(q, 201, obj);
		goto out;
	}
	o = ks_store_insert(r, obj);
	obj = NULL;
	ks_stats_create(r, q->ns, o->ver->name);
	ks_timeline_created(r, o->json, q->recv_ms);
	ks_reply_obj(q, 201, o);
	ks_hook_created(o);
out:
	cJSON_Delete(obj);
}

static void do_create(struct ks_req *q)
{
	cJSON *obj;

	if (!parse_body(q, &obj))
		return;
	ks_rest_create_with(q, obj);
}

/* --- UPDATE
 * ------------------------------------------------------------------- */

/* Builds the object to store from old and a candidate (ownership of nw
 * taken; returns a new root, or NULL after replying). */
static cJSON *merge_update(struct ks_req *q, struct ks_obj *o, cJSON *nw)
{
	struct ks_res *r = o->res;
	cJSON *md, *omd = cJSON_GetObjectItemCaseSensitive(o->json, "metadata");
	const cJSON *fin, *f;

	if (q->sub) {
		/* /status: only status changes */
		cJSON *fin_obj = cJSON_Duplicate(o->json, 1);

		copy_member(fin_obj, nw, "status");
		cJSON_Delete(nw);
		return fin_obj;
	}
	if (r->has_status)
		copy_member(nw, o->json, "status");
	md = jf_json_obj(nw, "metadata");
	static const char *const keep[] = {"uid",
					   "creationTimestamp",
					   "deletionTimestamp",
					   "deletionGracePeriodSeconds",
					   "namespace",
					   "name",
					   "generation",
					   "resourceVersion",
					   NULL};
	for (int i = 0; keep[i]; i++)
		copy_member(md, omd, keep[i]);
	cJSON_DeleteItemFromObjectCaseSensitive(md, "managedFields");
	if (o->deleting) {
		/* finalizers may only be removed */
		fin = cJSON_GetObjectItemCaseSensitive(md, "finalizers");
		cJSON_ArrayForEach (f, fin) {
			const cJSON *of = cJSON_GetObjectItemCaseSensitive(
				omd, "finalizers");
			const cJSON *g;
			bool found = false;

			cJSON_ArrayForEach (g, of) {
				if (cJSON_IsString(g) && cJSON_IsString(f) &&
				    !strcmp(g->valuestring, f->valuestring))
					found = true;
			}
			if (!found) {
				reply_one_invalid(
					q, o->ver->name,
					cause("FieldValueForbidden",
					      "metadata.finalizers",
					      "Forbidden: no new finalizers "
					      "can be added if the object is "
					      "being deleted, found new "
					      "finalizers []string{\"%s\"}",
					      cJSON_IsString(f) ? f->valuestring
								: ""));
				cJSON_Delete(nw);
				return NULL;
			}
		}
	}
	if (uses_generation(r) && !spec_equal(r, nw, o->json))
		jf_json_set_int(md, "generation",
				jf_json_int(omd, "generation", 0) + 1);
	return nw;
}

static bool finalizers_empty(const cJSON *obj)
{
	return cJSON_GetArraySize(jf_json_at(obj, "metadata.finalizers")) == 0;
}

void ks_rest_update_with(struct ks_req *q, struct ks_obj *o, cJSON *nw,
			 bool require_rv)
{
	struct ks_res *r = o->res;
	const char *rv = obj_rv(nw);
	const char *name = o->ver->name;
	char qn[256], msg[1024];
	cJSON *old;

	if (!check_gvk(q, nw)) {
		cJSON_Delete(nw);
		return;
	}
	if (require_rv && (!rv || !*rv)) {
		reply_one_invalid(q, name,
				  cause("FieldValueInvalid",
					"metadata.resourceVersion",
					"Invalid value: 0x0: must be specified "
					"for an update"));
		cJSON_Delete(nw);
		return;
	}
	if (rv && *rv && strcmp(rv, obj_rv(o->json))) {
		ks_reply_status(q, 409, "Conflict", name, r->plural, NULL,
				"Operation cannot be fulfilled on %s \"%s\": "
				"the object has been modified; please apply "
				"your changes to the latest version and try "
				"again",
				ks_res_qualified(r, qn, sizeof(qn)), name);
		cJSON_Delete(nw);
		return;
	}
	nw = merge_update(q, o, nw);
	if (!nw)
		return;
	if (!q->sub && !meta_ok(q, r, nw, name)) {
		cJSON_Delete(nw);
		return;
	}
	if (!apply_schema(q, r, nw, name)) {
		cJSON_Delete(nw);
		return;
	}
	if (!strcmp(r->plural, "customresourcedefinitions") && !q->sub &&
	    ks_registry_apply_crd(nw, msg, sizeof(msg))) {
		reply_one_invalid(
			q, name, cause("FieldValueInvalid", "spec", "%s", msg));
		cJSON_Delete(nw);
		return;
	}
	jf_json_set_str(jf_json_obj(nw, "metadata"), "resourceVersion",
			obj_rv(o->json));
	if (ks_query(q, "dryRun")) {
		ks_reply_json(q, 200, nw);
		cJSON_Delete(nw);
		return;
	}
	if (jf_json_equal(nw, o->json)) {
		/* no-op: no write, no event, same resourceVersion */
		cJSON_Delete(nw);
		ks_reply_obj(q, 200, o);
		return;
	}
	old = ks_store_replace(o, nw);
	if (o->deleting && finalizers_empty(o->json)) {
		ks_reply_obj(q, 200, o);
		cJSON_Delete(old);
		ks_finalize_remove(o);
		return;
	}
	ks_timeline_status(r, old, o->json, q->recv_ms);
	ks_reply_obj(q, 200, o);
	ks_hook_updated(o, old);
	cJSON_Delete(old);
}

static void do_update(struct ks_req *q)
{
	cJSON *nw;
	struct ks_obj *o;
	const char *bn;

	if (!parse_body(q, &nw))
		return;
	bn = jf_json_str(nw, "metadata.name", NULL);
	if (bn && strcmp(bn, q->name)) {
		cJSON_Delete(nw);
		ks_reply_status(q, 400, "BadRequest", NULL, NULL, NULL,
				"the name of the object (%s) does not match "
				"the name on the URL (%s)",
				bn, q->name);
		return;
	}
	o = q->res->namespaced && !q->ns ? NULL
					 : ks_store_get(q->res, q->ns, q->name);
	if (!o) {
		cJSON_Delete(nw);
		ks_reply_notfound(q, q->res, q->name);
		return;
	}
	ks_rest_update_with(q, o, nw, true);
}

void ks_rest_handle(struct ks_req *q)
{
	switch (q->method) {
	case KS_GET:
		if (q->name)
			do_get(q);
		else if (ks_query_true(q, "watch"))
			ks_watch_start(q);
		else
			ks_rest_list(q);
		return;
	case KS_POST:
		if (!q->name && !q->sub) {
			do_create(q);
			return;
		}
		break;
	case KS_PUT:
		if (q->name) {
			do_update(q);
			return;
		}
		break;
	case KS_PATCH:
		if (q->name) {
			ks_rest_patch(q);
			return;
		}
		break;
	case KS_DELETE:
		ks_rest_delete(q);
		return;
	default:
		break;
	}
	ks_reply_status(q, 405, "MethodNotAllowed", NULL, NULL, NULL,
			"the server does not allow this method on the "
			"requested resource");
}

/* --- internal writes
 * ---------------------------------------------------------- */

int ks_internal_update(struct ks_obj *o, cJSON *obj)
{
	cJSON *old;

	jf_json_set_str(jf_json_obj(obj, "metadata"), "resourceVersion",
			obj_rv(o->json));
	if (jf_json_equal(obj, o->json)) {
		cJSON_Delete(obj);
		return 0;
	}
	old = ks_store_replace(o, obj);
	ks_stats_internal_write();
	if (o->deleting && finalizers_empty(o->json)) {
		cJSON_Delete(old);
		ks_finalize_remove(o);
		return 0;
	}
	ks_timeline_status(o->res, old, o->json, jf_now_ms());
	ks_hook_updated(o, old);
	cJSON_Delete(old);
	return 0;
}

int ks_internal_update_status(struct ks_obj *o, const cJSON *status)
{
	cJSON *nw = cJSON_Duplicate(o->json, 1);

	jf_json_set(nw, "status", cJSON_Duplicate(status, 1));
	return ks_internal_update(o, nw);
}
