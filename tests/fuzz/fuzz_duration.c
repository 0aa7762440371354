/* fuzz_duration.c - libFuzzer target for Go-style durations: the input as
 * text must parse cleanly or fail with a message, and every value in the
 * documented range (0 to ~292 years) survives format-then-parse
 * (parse(format(x)) == x), from text and from raw 64-bit values.
 *
 * Known and reported, not asserted here: jf_duration_parse() accepts values
 * up to INT64_MAX/4 ms, beyond the ~292 years its header promises to
 * reject, and above 2^53 ms it sums in double and returns a rounded value
 * ("2501999792h59m0.993s" parses to 9007199254740992, not ...993). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jf_time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The documented range: "overflow past ~292 years" is rejected. */
#define YEARS_292_MS (292LL * 365 * 24 * 3600 * 1000)

static void round_trip(int64_t x)
{
	struct jf_errmsg e = {{0}};
	char buf[64];
	int64_t back = -1;

	if (x < 0 || x > YEARS_292_MS)
		return;
	jf_duration_format(x, buf, sizeof(buf));
	if (jf_duration_parse(buf, &back, &e) != 0 || back != x)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jf_errmsg e = {{0}};
	char text[128];
	int64_t ms, x = 0;
	size_t n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;

	/* the bytes as a duration string */
	memcpy(text, data, n);
	text[n] = '\0';
	if (jf_duration_parse(text, &ms, &e) == 0) {
		if (ms < 0)
			abort();
		round_trip(ms);
	} else if (!e.msg[0]) {
		abort();
	}
	/* the first 8 bytes as a value in the documented range */
	memcpy(&x, data, size < sizeof(x) ? size : sizeof(x));
	if (x < 0)
		x = -(x + 1);
	round_trip(x % (YEARS_292_MS + 1));
	round_trip(x % 1000000000);
	return 0;
}
