/* fuzz_jsonpatch.c - libFuzzer target for common/jsonpatch.c: the input is
 * a JSON document, a NUL byte, then a JSON Patch; checks that a failed
 * patch leaves the document unchanged. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"
#include "jf_jsonpatch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	const char *nul = memchr(buf, '\0', size);
	struct jf_errmsg e = {{0}};
	cJSON *doc = NULL, *ops = NULL, *before;
	const cJSON *op;
	size_t dlen;
	char *a, *b, *text;
	int err;

	if (!nul)
		return 0;
	dlen = (size_t)(nul - buf);
	/* NUL-terminated copies: jf_json_parse() quotes up to 12 bytes of
	 * the input in its messages and may read past len otherwise */
	a = strndup(buf, dlen);
	b = strndup(nul + 1, size - dlen - 1);
	if (!a || !b)
		goto out_str;
	if (jf_json_parse(a, dlen, 1 << 20, &doc, &e))
		goto out_str;
	if (jf_json_parse(b, strlen(b), 1 << 20, &ops, &e))
		goto out_doc;
	before = doc;
	text = jf_json_print(doc);
	err = jf_json_patch_apply(&doc, ops, &e);
	if (err) {
		char *after = jf_json_print(doc);

		/* printed in document order: duplicate keys count too */
		if (doc != before || !text || !after || strcmp(text, after) ||
		    e.msg[0] == '\0')
			abort();
		free(after);
	} else {
		char *s = jf_json_print(doc);

		if (!s)
			abort();
		free(s);
	}
	cJSON_ArrayForEach (op, ops) {
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(op, "path");

		if (cJSON_IsString(p))
			(void)jf_json_pointer(doc, p->valuestring);
	}
	free(text);
	cJSON_Delete(ops);
out_doc:
	cJSON_Delete(doc);
out_str:
	free(a);
	free(b);
	return 0;
}
