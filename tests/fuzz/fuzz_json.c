/* fuzz_json.c - libFuzzer target for the JSON helpers: capped parsing,
 * stable printing (must re-parse to an equal document), paths, and merge
 * patches (diff then apply must reproduce the target). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cJSON *parse(const uint8_t *p, size_t n)
{
	cJSON *j = NULL;

	if (jf_json_parse((const char *)p, n, 1u << 20, &j, NULL))
		return NULL;
	return j;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t la = nul ? (size_t)(nul - data) : size;
	cJSON *a = parse(data, la);
	cJSON *b = nul ? parse(nul + 1, size - la - 1) : NULL;

	if (a) {
		char *s = jf_json_print_stable(a);
		cJSON *again = s ? parse((const uint8_t *)s, strlen(s)) : NULL;

		/* a stable print re-parses to an equal document */
		if (s && !again)
			abort();
		if (again && !jf_json_equal(a, again))
			abort();
		cJSON_Delete(again);
		free(s);
		(void)jf_json_str(a, "spec.flows[0].name", NULL);
		(void)jf_json_at(a, "metadata.labels[\"a.b\"][3]");
	}
	if (a && b && cJSON_IsObject(a) && cJSON_IsObject(b)) {
		cJSON *d = jf_json_merge_diff(a, b);
		cJSON *t = jf_json_dup(a);

		if (d) {
			t = jf_json_merge_apply(t, d);
			/* RFC 7386 cannot express nulls inside b; skip those */
			char *sb = jf_json_print(b);

			if (sb && !strstr(sb, "null") && !jf_json_equal(t, b))
				abort();
			free(sb);
		}
		cJSON_Delete(t);
		cJSON_Delete(d);
	}
	cJSON_Delete(a);
	cJSON_Delete(b);
	return 0;
}
