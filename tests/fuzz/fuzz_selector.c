/* fuzz_selector.c - libFuzzer target for tests/kubesim/selector.c: the
 * input (up to its first NUL) is parsed as a label selector and as a field
 * selector; parsed selectors are matched against fixed label sets and
 * objects. The fuzz build links only common/, so the module is included. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"
#include "tests/kubesim/selector.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const labels_json[] = {
	"{}",
	"{\"app\":\"web\",\"tier\":\"front\",\"n\":\"5\"}",
	"{\"volcano.sh/job-name\":\"j1\",\"app\":\"\",\"in\":\"notin\"}",
	"{\"x\":1,\"y\":null}",
};

static const char *const objects_json[] = {
	"{\"metadata\":{\"name\":\"a\",\"namespace\":\"ns\"}}",
	"{\"metadata\":{\"name\":\"x,y=z\"},\"status\":{\"phase\":\"Running\"}}",
	"[]",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const allowed[] = {
		"metadata.name", "metadata.namespace", "status.phase", NULL};
	struct ks_field_selector *fs = NULL;
	struct ks_selector *sel = NULL;
	char *s = strndup((const char *)data, size);
	char msg[256];
	cJSON *j;

	if (!s)
		return 0;
	if (ks_selector_parse(s, &sel, msg, sizeof(msg)) == 0) {
		if (!sel)
			abort();
		for (size_t i = 0;
		     i < sizeof(labels_json) / sizeof(*labels_json); i++) {
			j = cJSON_Parse(labels_json[i]);
			(void)ks_selector_match(sel, j);
			cJSON_Delete(j);
		}
		(void)ks_selector_match(sel, NULL);
		ks_selector_free(sel);
	} else if (sel || msg[0] == '\0') {
		abort();
	}
	for (int k = 0; k < 2; k++) {
		if (ks_field_selector_parse(s, k ? allowed : NULL, &fs, msg,
					    sizeof(msg)) != 0) {
			if (fs || msg[0] == '\0')
				abort();
			continue;
		}
		for (size_t i = 0;
		     i < sizeof(objects_json) / sizeof(*objects_json); i++) {
			j = cJSON_Parse(objects_json[i]);
			(void)ks_field_selector_match(fs, j);
			cJSON_Delete(j);
		}
		ks_field_selector_free(fs);
	}
	free(s);
	return 0;
}
