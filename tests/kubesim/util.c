/* util.c - kubesim's small utilities: random v4 UUIDs and a seeded
 * xorshift PRNG (faults draw from it so a seed reproduces a run). */
#include "ks.h"

#include <stdio.h>

#include <openssl/rand.h>

uint64_t ks_rand64(void)
{
	uint64_t x = ks.prng;

	if (!x) {
		if (RAND_bytes((unsigned char *)&x, sizeof(x)) != 1 || !x)
			x = 0x853c49e6748fea9bULL;
	}
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	ks.prng = x;
	return x * 0x2545F4914F6CDD1DULL;
}

double ks_rand_unit(void)
{
	return (double)(ks_rand64() >> 11) / 9007199254740992.0;
}

void ks_uuid(char out[37])
{
	unsigned char b[16];

	if (RAND_bytes(b, sizeof(b)) != 1) {
		for (int i = 0; i < 16; i++)
			b[i] = (unsigned char)(ks_rand64() >> 32);
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x"
		 "%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
		 b[10], b[11], b[12], b[13], b[14], b[15]);
}
