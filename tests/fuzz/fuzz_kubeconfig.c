/* fuzz_kubeconfig.c - libFuzzer target for kubeconfig parsing: arbitrary
 * bytes as a kubeconfig, with and without a context override. Relative
 * file references resolve under a directory that does not exist (absolute
 * ones are read like any kubeconfig's, within the 1 MiB cap). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jf_k8s.h"
#include "jf_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jf_k8s_config c;
	struct jf_errmsg e;
	int err;

	jf_log_set_level(JF_LOG_OFF);
	err = jf_k8s_kubeconfig_parse((const char *)data, size, "fuzz",
				      "/nonexistent-jf-fuzz", NULL, &c, &e);
	if (err == 0) {
		if (!c.server || !c.namespace || !c.context)
			abort();
		jf_k8s_config_release(&c);
	} else if (c.server) {
		abort(); /* a failed parse leaves nothing behind */
	}
	err = jf_k8s_kubeconfig_parse((const char *)data, size, "fuzz",
				      "/nonexistent-jf-fuzz", "prod", &c, &e);
	if (err == 0)
		jf_k8s_config_release(&c);
	return 0;
}
