/* apply.c - `jobflowctl apply -f FILE...`: create or update the objects
 * of YAML files (any kind the server serves, found through discovery), so
 * the demo and users without kubectl can load CRDs and examples. An
 * existing object gets a JSON merge patch of the document (status left
 * out); one the patch would not change is reported unchanged. */
#include "ctl/ctl.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"

/* Discovery results, per apiVersion. */
struct disco {
	char *api_version;
	cJSON *resources; /* APIResourceList.resources */
	struct disco *next;
};

struct apply_args {
	const char **files;
	int nfiles;
};

enum {
	OPT_FILE = 1
};

static const struct ctl_opt apply_opts[] = {
	{"filename", 'f', true, OPT_FILE},
	{NULL, 0, false, 0},
};

static int apply_opt(struct ctl *c, int id, const char *arg, void *ud)
{
	struct apply_args *a = ud;
	const char **v =
		realloc(a->files, (size_t)(a->nfiles + 1) * sizeof(*v));

	if (!v)
		return CTL_FAIL;
	a->files = v;
	v[a->nfiles++] = arg;
	return 0;
}

static void apply_help(struct ctl *c)
{
	fprintf(c->out,
		"Create or update the objects in YAML files (a small "
		"`kubectl apply`).\n\n"
		"Usage:\n  jobflowctl apply -f FILE [-f FILE]...\n\n"
		"Flags:\n"
		"  -f, --filename FILE   YAML file (- for stdin; "
		"repeatable)\n\n"
		"Any kind the server serves (found through discovery). A "
		"new object is created;\nan existing one gets the document "
		"as a JSON merge patch (status left out),\nso fields the "
		"file no longer sets are kept. Objects without a namespace "
		"go\nto -n (default: the context's).\n");
}

static const char *api_message(const struct jf_k8s_response *r, int err)
{
	if (r->code && r->status.message && *r->status.message)
		return r->status.message;
	return jf_errmsg_or(&r->msg, err);
}

/* The resource entry (name, namespaced) for apiVersion/kind, through
 * discovery (cached). NULL with *why set when unknown. */
static const cJSON *find_resource(struct ctl *c, struct disco **cache,
				  const char *api_version, const char *kind,
				  const char **why)
{
	struct disco *d;
	const cJSON *r;

	for (d = *cache; d; d = d->next) {
		if (!strcmp(d->api_version, api_version))
			break;
	}
	if (!d) {
		struct jf_k8s_req req = {.verb = JF_K8S_GET, .max_retries = -1};
		struct jf_k8s_response resp;
		char path[512];
		int err;

		snprintf(path, sizeof(path), "%s%s",
			 strchr(api_version, '/') ? "/apis/" : "/api/",
			 api_version);
		req.path = path;
		d = calloc(1, sizeof(*d));
		if (!d || !(d->api_version = strdup(api_version))) {
			free(d);
			*why = "out of memory";
			return NULL;
		}
		err = jf_k8s_do(c->client, &req, &resp);
		if (!err) {
			d->resources =
				jf_json_dup(jf_json_at(resp.body, "resources"));
		}
		jf_k8s_response_release(&resp);
		d->next = *cache;
		*cache = d;
	}
	cJSON_ArrayForEach (r, d->resources) {
		if (!strcmp(jf_json_str(r, "kind", ""), kind) &&
		    !strchr(jf_json_str(r, "name", "/"), '/'))
			return r;
	}
	*why = d->resources ? "the server has no such kind"
			    : "the server does not serve this apiVersion";
	return NULL;
}

static void lowercase(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* Applies one document; prints the outcome. Returns 0 or CTL_FAIL. */
static int apply_one(struct ctl *c, struct disco **cache, const cJSON *doc,
		     const char *where)
{
	const char *av = jf_json_str(doc, "apiVersion", "");
	const char *kind = jf_json_str(doc, "kind", "");
	const char *name = jf_json_str(doc, "metadata.name", "");
	struct jf_k8s_resource res = {0};
	struct jf_k8s_response resp;
	struct jf_k8s_req req = {.max_retries = -1};
	const cJSON *rd;
	cJSON *body = NULL, *merged = NULL;
	const char *why = NULL, *slash;
	char group[256] = "", version[64], label[600], lkind[128];
	char *text = NULL;
	int err, rc = CTL_FAIL;

	if (!*av || !*kind || !*name)
		return ctl_fail(c, "cannot apply", where,
				"apiVersion, kind and metadata.name are "
				"required");
	snprintf(lkind, sizeof(lkind), "%s", kind);
	lowercase(lkind);
	slash = strchr(av, '/');
	if (slash)
		snprintf(group, sizeof(group), "%.*s", (int)(slash - av), av);
	snprintf(version, sizeof(version), "%s", slash ? slash + 1 : av);
	snprintf(label, sizeof(label), "%s%s%s/%s", lkind, *group ? "." : "",
		 group, name);
	rd = find_resource(c, cache, av, kind, &why);
	if (!rd)
		return ctl_fail(c, "cannot apply", label, "%s", why);
	res.group = group;
	res.version = version;
	res.resource = jf_json_str(rd, "name", "");
	res.namespaced = jf_json_bool(rd, "namespaced", false);
	body = jf_json_dup(doc);
	if (!body)
		return ctl_fail(c, "cannot apply", label, "out of memory");
	cJSON_DeleteItemFromObjectCaseSensitive(body, "status");
	req.res = &res;
	req.ns = res.namespaced ? jf_json_str(doc, "metadata.namespace",
					      ctl_namespace(c))
				: NULL;
	if (res.namespaced && !*req.ns)
		req.ns = ctl_namespace(c);
	if (res.namespaced && c->ns && *c->ns && strcmp(c->ns, req.ns)) {
		cJSON_Delete(body);
		return ctl_fail(c, "cannot apply", label,
				"the namespace from the file ('%s') does not "
				"match the namespace given with -n ('%s')",
				req.ns, c->ns);
	}
	text = jf_json_print(body);
	if (!text)
		goto oom;
	req.verb = JF_K8S_CREATE;
	req.body = text;
	err = jf_k8s_do(c->client, &req, &resp);
	if (!err) {
		fprintf(c->out, "%s created\n", label);
		rc = CTL_OK;
		goto out_resp;
	}
	if (err != -JF_EEXIST) {
		ctl_fail(c, "cannot apply", label, "%s",
			 api_message(&resp, err));
		goto out_resp;
	}
	jf_k8s_response_release(&resp);
	/* it exists: merge the document into it */
	req.verb = JF_K8S_GET;
	req.name = name;
	req.body = NULL;
	err = jf_k8s_do(c->client, &req, &resp);
	if (err) {
		ctl_fail(c, "cannot apply", label, "%s",
			 api_message(&resp, err));
		goto out_resp;
	}
	merged = jf_json_merge_apply(jf_json_dup(resp.body), body);
	if (merged && jf_json_equal(merged, resp.body)) {
		fprintf(c->out, "%s unchanged\n", label);
		rc = CTL_OK;
		goto out_resp;
	}
	jf_k8s_response_release(&resp);
	req.verb = JF_K8S_PATCH;
	req.patch_type = JF_K8S_PATCH_MERGE;
	req.body = text;
	err = jf_k8s_do(c->client, &req, &resp);
	if (err) {
		ctl_fail(c, "cannot apply", label, "%s",
			 api_message(&resp, err));
		goto out_resp;
	}
	fprintf(c->out, "%s configured\n", label);
	rc = CTL_OK;
out_resp:
	jf_k8s_response_release(&resp);
	cJSON_Delete(merged);
	cJSON_Delete(body);
	free(text);
	return rc;
oom:
	cJSON_Delete(body);
	return ctl_fail(c, "cannot apply", label, "out of memory");
}

int ctl_cmd_apply(struct ctl *c, int argc, char **argv)
{
	struct apply_args a = {0};
	char **pos = calloc((size_t)argc + 1, sizeof(char *));
	struct disco *cache = NULL;
	bool help;
	int npos, rc;

	if (!pos)
		return CTL_FAIL;
	rc = ctl_args(c, argc, argv, apply_opts, apply_opt, &a, pos, &npos,
		      &help);
	if (!rc && help) {
		apply_help(c);
		goto out;
	}
	if (!rc && npos)
		rc = ctl_usage_error(c, NULL,
				     "unexpected argument '%s' (files go "
				     "after -f)",
				     pos[0]);
	if (!rc && !a.nfiles)
		rc = ctl_usage_error(c, NULL, "missing -f FILE");
	if (rc || (rc = ctl_connect(c)))
		goto out;
	for (int i = 0; i < a.nfiles; i++) {
		struct jf_yaml_stream s;
		struct jf_errmsg e = {{0}};
		int err = jf_yaml_load_file(a.files[i], &s, &e);

		if (err && err > -JF_ERR_BASE && err != -ENOMEM) {
			rc = ctl_fail(c, "cannot read", a.files[i], "%s",
				      strerror(-err));
			continue;
		}
		if (err) {
			fprintf(c->err, "%s\n", jf_errmsg_or(&e, err));
			rc = CTL_FAIL;
			continue;
		}
		for (size_t k = 0; k < s.ndocs; k++) {
			char where[600];

			if (!cJSON_IsObject(s.docs[k].json))
				continue;
			snprintf(where, sizeof(where), "%s:%d",
				 strcmp(a.files[i], "-") ? a.files[i]
							 : "<stdin>",
				 s.docs[k].line);
			if (apply_one(c, &cache, s.docs[k].json, where))
				rc = CTL_FAIL;
		}
		jf_yaml_stream_release(&s);
	}
out:
	while (cache) {
		struct disco *next = cache->next;

		free(cache->api_version);
		cJSON_Delete(cache->resources);
		free(cache);
		cache = next;
	}
	free(a.files);
	free(pos);
	return rc;
}
