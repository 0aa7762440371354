/* fuzz_schema.c - libFuzzer target for kubesim's structural-schema code:
 * the input is a schema (JSON), a NUL byte, then an object (JSON); runs
 * ks_schema_check() and ks_schema_apply(). The fuzz build links only
 * common/, so the kubesim files are included here. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"
#include "tests/kubesim/schema.c"
#include "tests/kubesim/schema_check.c"
#include "tests/kubesim/schema_util.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	const char *nul = memchr(buf, '\0', size);
	struct jf_errmsg e = {{0}};
	cJSON *schema = NULL, *obj = NULL, *causes;
	const cJSON *c;
	char msg[512], *a, *b;
	int n;

	if (!nul)
		return 0;
	a = strndup(buf, (size_t)(nul - buf));
	b = strndup(nul + 1, size - (size_t)(nul - buf) - 1);
	if (!a || !b)
		goto out_str;
	if (jf_json_parse(a, strlen(a), 1 << 20, &schema, &e) ||
	    jf_json_parse(b, strlen(b), 1 << 20, &obj, &e))
		goto out_json;
	if (ks_schema_check(schema, msg, sizeof(msg)) != 0 && !msg[0])
		abort();
	causes = cJSON_CreateArray();
	n = ks_schema_apply(schema, obj, causes);
	if (n != cJSON_GetArraySize(causes) || n > KS_SCHEMA_MAX_CAUSES)
		abort();
	cJSON_ArrayForEach (c, causes) {
		if (!cJSON_IsString(cJSON_GetObjectItem(c, "reason")) ||
		    !cJSON_IsString(cJSON_GetObjectItem(c, "message")) ||
		    !cJSON_IsString(cJSON_GetObjectItem(c, "field")))
			abort();
	}
	cJSON_Delete(causes);
out_json:
	cJSON_Delete(schema);
	cJSON_Delete(obj);
out_str:
	free(a);
	free(b);
	return 0;
}
