/* config_auto.c - the usual configuration search order: an explicit
 * kubeconfig, $KUBECONFIG, in-cluster, then ~/.kube/config. */
#include "k8s_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int jf_k8s_config_auto(const char *kubeconfig, const char *context,
		       struct jf_k8s_config *out, struct jf_errmsg *e)
{
	const char *env = getenv("KUBECONFIG"), *home;
	char path[4096];
	size_t n;
	int err;

	jf_k8s_config_init(out);
	if (kubeconfig && *kubeconfig)
		return jf_k8s_kubeconfig_load(kubeconfig, context, out, e);
	if (env && *env) {
		/* Only the first entry: merging several files is not done. */
		n = strcspn(env, ":");
		if (n >= sizeof(path))
			return jf_errf(e, -JF_ECONFIG, "KUBECONFIG too long");
		memcpy(path, env, n);
		path[n] = '\0';
		return jf_k8s_kubeconfig_load(path, context, out, e);
	}
	if (getenv("KUBERNETES_SERVICE_HOST")) {
		err = jf_k8s_incluster_load(NULL, out, e);
		if (err != -JF_ENOTFOUND)
			return err;
	}
	home = getenv("HOME");
	if (!home || !*home)
		return jf_errf(
			e, -JF_ECONFIG,
			"no kubeconfig: not in a cluster, KUBECONFIG and HOME unset");
	if ((size_t)snprintf(path, sizeof(path), "%s/.kube/config", home) >=
	    sizeof(path))
		return jf_errf(e, -JF_ECONFIG, "HOME too long");
	return jf_k8s_kubeconfig_load(path, context, out, e);
}
