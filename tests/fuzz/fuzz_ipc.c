/* fuzz_ipc.c - libFuzzer target for the IPC message decoder: arbitrary
 * bytes, and arbitrary payloads behind a valid header. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jf_ipc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jf_ipc_msg msg;
	size_t len;
	void *m;

	if (jf_ipc_decode(data, size, &msg, NULL) == 0)
		cJSON_Delete(msg.body);
	if (size > 0 &&
	    jf_ipc_encode(1 + data[0] % 5, 1, (const char *)data + 1, size - 1,
			  &m, &len) == 0) {
		if (jf_ipc_decode(m, len, &msg, NULL) == 0)
			cJSON_Delete(msg.body);
		free(m);
	}
	return 0;
}
