/* resource.c - resource descriptors, verb names and request paths. */
#include "jf_k8s.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_buf.h"

const struct jf_k8s_resource jf_k8s_res_jobflows = {
	"flow.volcano.sh", "v1alpha1", "jobflows", true};
const struct jf_k8s_resource jf_k8s_res_jobtemplates = {
	"flow.volcano.sh", "v1alpha1", "jobtemplates", true};
const struct jf_k8s_resource jf_k8s_res_jobs = {"batch.volcano.sh", "v1alpha1",
						"jobs", true};
const struct jf_k8s_resource jf_k8s_res_leases = {"coordination.k8s.io", "v1",
						  "leases", true};
const struct jf_k8s_resource jf_k8s_res_events = {"", "v1", "events", true};
const struct jf_k8s_resource jf_k8s_res_namespaces = {"", "v1", "namespaces",
						      false};
const struct jf_k8s_resource jf_k8s_res_configmaps = {"", "v1", "configmaps",
						      true};

static const char *const verb_names[JF_K8S_VERB_MAX] = {
	[JF_K8S_GET] = "get",	    [JF_K8S_LIST] = "list",
	[JF_K8S_WATCH] = "watch",   [JF_K8S_CREATE] = "create",
	[JF_K8S_UPDATE] = "update", [JF_K8S_PATCH] = "patch",
	[JF_K8S_DELETE] = "delete",
};

const char *jf_k8s_verb_name(enum jf_k8s_verb v)
{
	if ((unsigned)v >= JF_K8S_VERB_MAX)
		return "unknown";
	return verb_names[v];
}

/* A path segment: non-empty, no '/', no control characters, not "." or
 * "..". Kubernetes names are much stricter; the server judges those. */
static bool segment_ok(const char *s)
{
	if (!s || !*s || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || (unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static bool unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	       c == '~';
}

static int put_escaped(struct jf_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int err = 0;

	for (; *s && !err; s++) {
		unsigned char c = (unsigned char)*s;

		if (unreserved(c)) {
			err = jf_buf_putc(b, (char)c);
		} else {
			char esc[3] = {'%', hex[c >> 4], hex[c & 15]};

			err = jf_buf_append(b, esc, 3);
		}
	}
	return err;
}

static int put_seg(struct jf_buf *b, const char *s)
{
	int err = jf_buf_putc(b, '/');

	return err ? err : put_escaped(b, s);
}

static int put_query(struct jf_buf *b, bool *first, const char *key,
		     const char *val)
{
	int err = jf_buf_putc(b, *first ? '?' : '&');

	*first = false;
	if (!err)
		err = jf_buf_puts(b, key);
	if (!err)
		err = jf_buf_putc(b, '=');
	if (!err)
		err = put_escaped(b, val);
	return err;
}

static int put_opts(struct jf_buf *b, const struct jf_k8s_opts *o, bool watch)
{
	bool first = true;
	char num[32];
	int err = 0;

	/* Keys in the order kubectl sends them (alphabetical). */
	if (o && o->allow_bookmarks && watch)
		err = put_query(b, &first, "allowWatchBookmarks", "true");
	if (!err && o && o->cont && *o->cont)
		err = put_query(b, &first, "continue", o->cont);
	if (!err && o && o->dry_run)
		err = put_query(b, &first, "dryRun", "All");
	if (!err && o && o->field_manager && *o->field_manager)
		err = put_query(b, &first, "fieldManager", o->field_manager);
	if (!err && o && o->field_selector && *o->field_selector)
		err = put_query(b, &first, "fieldSelector", o->field_selector);
	if (!err && o && o->label_selector && *o->label_selector)
		err = put_query(b, &first, "labelSelector", o->label_selector);
	if (!err && o && o->limit > 0) {
		snprintf(num, sizeof(num), "%ld", o->limit);
		err = put_query(b, &first, "limit", num);
	}
	if (!err && o && o->propagation_policy && *o->propagation_policy)
		err = put_query(b, &first, "propagationPolicy",
				o->propagation_policy);
	if (!err && o && o->resource_version)
		err = put_query(b, &first, "resourceVersion",
				o->resource_version);
	if (!err && o && o->timeout_seconds > 0) {
		snprintf(num, sizeof(num), "%d", o->timeout_seconds);
		err = put_query(b, &first, "timeoutSeconds", num);
	}
	if (!err && watch)
		err = put_query(b, &first, "watch", "true");
	return err;
}

int jf_k8s_path(const struct jf_k8s_resource *res, const char *ns,
		const char *name, const char *subresource,
		const struct jf_k8s_opts *opts, bool watch, char **out)
{
	struct jf_buf b;
	int err;

	*out = NULL;
	if (!res || !segment_ok(res->version) || !segment_ok(res->resource))
		return -EINVAL;
	if (res->group && *res->group && !segment_ok(res->group))
		return -EINVAL;
	if (name && *name && !segment_ok(name))
		return -EINVAL;
	if (subresource && (!name || !*name || !segment_ok(subresource)))
		return -EINVAL;
	if (res->namespaced && ns && *ns && !segment_ok(ns))
		return -EINVAL;
	jf_buf_init(&b, 64 << 10);
	if (res->group && *res->group) {
		err = jf_buf_puts(&b, "/apis");
		if (!err)
			err = put_seg(&b, res->group);
	} else {
		err = jf_buf_puts(&b, "/api");
	}
	if (!err)
		err = put_seg(&b, res->version);
	if (!err && res->namespaced && ns && *ns) {
		err = jf_buf_puts(&b, "/namespaces");
		if (!err)
			err = put_seg(&b, ns);
	}
	if (!err)
		err = put_seg(&b, res->resource);
	if (!err && name && *name)
		err = put_seg(&b, name);
	if (!err && subresource)
		err = put_seg(&b, subresource);
	if (!err)
		err = put_opts(&b, opts, watch);
	if (err) {
		jf_buf_release(&b);
		return err == -JF_ETOOBIG ? -EINVAL : err;
	}
	*out = jf_buf_steal(&b);
	return *out ? 0 : -ENOMEM;
}
