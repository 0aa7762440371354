/* fuzz_yaml.c - libFuzzer target for the YAML loader: any bytes in, a clean
 * result or a positioned error out; position lookups on what loaded. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"
#include "jf_yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jf_errmsg e = {{0}};
	struct jf_yaml_stream s;
	int err, line, col;

	err = jf_yaml_load((const char *)data, size, "fuzz.yaml", &s, &e);
	if (err) {
		/* every error names the input, and a failed load is empty */
		if (strncmp(e.msg, "fuzz.yaml", 9) != 0 || s.docs || s.ndocs)
			abort();
		return 0;
	}
	for (size_t i = 0; i < s.ndocs; i++) {
		char *txt = jf_json_print_stable(s.docs[i].json);

		if (!txt)
			abort();
		free(txt);
		/* the root always has a position; any path finds a prefix */
		if (jf_yaml_pos_lookup(&s.docs[i], "", &line, &col) != 0 ||
		    line < s.docs[i].line || col < 1)
			abort();
		if (jf_yaml_pos_lookup(&s.docs[i], "a.b[0][\"c.d\"]", &line,
				       &col) != 0)
			abort();
		/* a lookup with the input itself as a path */
		char path[64];
		size_t n = size < sizeof(path) - 1 ? size : sizeof(path) - 1;

		memcpy(path, data, n);
		path[n] = '\0';
		if (jf_yaml_pos_lookup(&s.docs[i], path, &line, &col) != 0)
			abort();
	}
	jf_yaml_stream_release(&s);
	return 0;
}
