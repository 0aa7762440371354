/* fuzz_patch.c - libFuzzer target for the patch engine: the input is two
 * JSON documents separated by the first NUL (a base JobSpec, a patch);
 * jf_patch_apply() with and without an environment and jf_patch_check()
 * must give a result or a message, deterministically, and never modify
 * their inputs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jf_expr.h"
#include "jf_json.h"
#include "jf_patch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char env_text[] =
	"{\"params\":{\"dataset\":\"imagenet\",\"gpus\":4,\"ratio\":0.5,"
	"\"on\":true,\"none\":null,\"shards\":[0,1,2],\"env\":[{\"name\":"
	"\"A\",\"value\":\"x\"}],\"obj\":{\"k\":\"v\"}},\"item\":{\"lang\":"
	"\"de\",\"n\":2},\"index\":3,\"attempt\":1}";

static void apply_checked(const cJSON *base, const cJSON *patch,
			  const cJSON *env)
{
	struct jf_errmsg e = {{0}};
	cJSON *a = NULL, *b = NULL;
	int ea, eb;

	ea = jf_patch_apply(base, patch, env, &a, &e);
	if (ea) {
		if (a || !e.msg[0])
			abort(); /* failure: no result, and a message */
	} else if (!cJSON_IsObject(a)) {
		abort();
	}
	eb = jf_patch_apply(base, patch, env, &b, NULL);
	if (ea != eb || !jf_json_equal(a, b))
		abort(); /* deterministic */
	cJSON_Delete(a);
	cJSON_Delete(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	const char *nul = memchr(buf, '\0', size);
	cJSON *base = NULL, *patch = NULL, *env = NULL, *types = NULL;
	char *b0, *p0, *e0;
	struct jf_errmsg e = {{0}};

	if (!nul)
		return 0;
	if (jf_json_parse(buf, (size_t)(nul - buf), 0, &base, NULL) ||
	    jf_json_parse(nul + 1, size - (size_t)(nul - buf) - 1, 0, &patch,
			  NULL))
		goto out;
	if (jf_json_parse(env_text, strlen(env_text), 0, &env, NULL))
		abort();
	types = jf_expr_types_of(env);
	b0 = jf_json_print_stable(base);
	p0 = jf_json_print_stable(patch);
	e0 = jf_json_print_stable(env);

	apply_checked(base, patch, NULL);
	apply_checked(base, patch, env);
	apply_checked(NULL, patch, env);
	if (jf_patch_check(base, patch, types, &e) && !e.msg[0])
		abort();
	if (jf_patch_check(NULL, patch, NULL, &e) && !e.msg[0])
		abort();

	/* the inputs are exactly as they were */
	char *b1 = jf_json_print_stable(base),
	     *p1 = jf_json_print_stable(patch);
	char *e1 = jf_json_print_stable(env);

	if (strcmp(b0, b1) || strcmp(p0, p1) || strcmp(e0, e1))
		abort();
	free(b0);
	free(p0);
	free(e0);
	free(b1);
	free(p1);
	free(e1);
out:
	cJSON_Delete(base);
	cJSON_Delete(patch);
	cJSON_Delete(env);
	cJSON_Delete(types);
	return 0;
}
