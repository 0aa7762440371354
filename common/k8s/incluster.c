/* incluster.c - in-cluster configuration from the service account mount
 * and the KUBERNETES_SERVICE_HOST/PORT environment. */
#include "k8s_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SA_FILE_MAX (1u << 20)

int jf_k8s_incluster_load(const char *dir, struct jf_k8s_config *out,
			  struct jf_errmsg *e)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	const char *pod_ns = getenv("POD_NAMESPACE");
	char path[4096], url[512], *ns = NULL;
	size_t len;
	int err;

	jf_k8s_config_init(out);
	if (!dir)
		dir = getenv("JF_K8S_SA_DIR");
	if (!dir || !*dir)
		dir = JF_K8S_SA_DIR;
	if (!host || !*host || !port || !*port)
		return jf_errf(
			e, -JF_ENOTFOUND,
			"not in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set");
	if (strspn(port, "0123456789") != strlen(port) || strlen(port) > 5)
		return jf_errf(e, -JF_ECONFIG,
			       "KUBERNETES_SERVICE_PORT '%s' is not a port",
			       port);
	/* net.JoinHostPort: brackets around IPv6 literals. */
	if (snprintf(url, sizeof(url),
		     strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s",
		     host, port) >= (int)sizeof(url))
		return jf_errf(e, -JF_ECONFIG,
			       "KUBERNETES_SERVICE_HOST too long");
	snprintf(path, sizeof(path), "%s/token", dir);
	out->server = strdup(url);
	out->token_file = strdup(path);
	out->source = strdup("in-cluster");
	if (!out->server || !out->token_file || !out->source) {
		err = -ENOMEM;
		goto out_release;
	}
	/* The token must be readable now; later re-reads may fail. */
	err = k8s_read_file(path, 64u << 10, &out->token, &len);
	if (err) {
		jf_errf(e, -JF_ECONFIG,
			"cannot read service account token '%s': %s", path,
			jf_strerror(err));
		err = -JF_ECONFIG;
		goto out_release;
	}
	while (len &&
	       (out->token[len - 1] == '\n' || out->token[len - 1] == ' '))
		out->token[--len] = '\0';
	snprintf(path, sizeof(path), "%s/ca.crt", dir);
	err = k8s_read_file(path, SA_FILE_MAX, &out->ca.data, &out->ca.len);
	if (err) {
		jf_errf(e, -JF_ECONFIG,
			"cannot read service account CA '%s': %s", path,
			jf_strerror(err));
		err = -JF_ECONFIG;
		goto out_release;
	}
	if (pod_ns && *pod_ns) {
		ns = strdup(pod_ns);
	} else {
		snprintf(path, sizeof(path), "%s/namespace", dir);
		if (k8s_read_file(path, 4096, &ns, &len) == 0) {
			while (len &&
			       (ns[len - 1] == '\n' || ns[len - 1] == ' '))
				ns[--len] = '\0';
			if (!len) {
				free(ns);
				ns = NULL;
			}
		}
		if (!ns)
			ns = strdup("default");
	}
	if (!ns) {
		err = -ENOMEM;
		goto out_release;
	}
	out->namespace = ns;
	return 0;

out_release:
	jf_k8s_config_release(out);
	return err;
}
