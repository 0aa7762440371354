/* codec.c - zstd compression of cached JSON texts with a dictionary made
 * of the first objects seen (see k8s_codec.h). */
#include "k8s_codec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#define LEVEL	   1	      /* fastest: the cache is written per event */
#define SAMPLES	   16	      /* the dictionary is made of this many texts */
#define SAMPLE_MAX (8 * 1024) /* larger texts are not sampled */
#define DICT_AFTER 64	      /* puts before the dictionary is made */

struct scratch {
	char *p;
	size_t cap;
};

struct k8s_codec {
	ZSTD_CCtx *cctx;
	ZSTD_DCtx *dctx;
	ZSTD_CDict *cdict; /* dictionary 1, once made; never replaced, so
			    * every packed text stays readable */
	ZSTD_DDict *ddict;
	char *sample[SAMPLES]; /* ring of the latest texts, until made */
	size_t sample_len[SAMPLES];
	unsigned puts;
	char *zbuf; /* compression output, then copied to its exact size */
	size_t zcap;
	struct scratch scratch[K8S_CODEC_SCRATCH];
	int next;
};

struct k8s_codec *k8s_codec_new(void)
{
	struct k8s_codec *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->cctx = ZSTD_createCCtx();
	c->dctx = ZSTD_createDCtx();
	if (!c->cctx || !c->dctx) {
		k8s_codec_free(c);
		return NULL;
	}
	return c;
}

static void drop_samples(struct k8s_codec *c)
{
	for (int i = 0; i < SAMPLES; i++) {
		free(c->sample[i]);
		c->sample[i] = NULL;
		c->sample_len[i] = 0;
	}
}

void k8s_codec_free(struct k8s_codec *c)
{
	if (!c)
		return;
	ZSTD_freeCCtx(c->cctx);
	ZSTD_freeDCtx(c->dctx);
	ZSTD_freeCDict(c->cdict);
	ZSTD_freeDDict(c->ddict);
	drop_samples(c);
	free(c->zbuf);
	for (int i = 0; i < K8S_CODEC_SCRATCH; i++)
		free(c->scratch[i].p);
	free(c);
}

/* Keeps the latest texts; at DICT_AFTER puts makes the dictionary from
 * them (raw content: zstd matches against it as if it preceded each text).
 * A failure leaves the codec without a dictionary, which only costs
 * compression. */
static void learn(struct k8s_codec *c, const char *text, size_t len)
{
	size_t total = 0, off = 0;
	char *buf;
	int slot;

	if (c->cdict || c->puts > DICT_AFTER)
		return;
	if (len <= SAMPLE_MAX) {
		slot = (int)(c->puts % SAMPLES);
		free(c->sample[slot]);
		c->sample[slot] = malloc(len);
		c->sample_len[slot] = c->sample[slot] ? len : 0;
		if (c->sample[slot])
			memcpy(c->sample[slot], text, len);
	}
	if (c->puts < DICT_AFTER)
		return;
	for (int i = 0; i < SAMPLES; i++)
		total += c->sample_len[i];
	buf = total ? malloc(total) : NULL;
	for (int i = 0; buf && i < SAMPLES; i++) {
		if (c->sample_len[i])
			memcpy(buf + off, c->sample[i], c->sample_len[i]);
		off += c->sample_len[i];
	}
	if (buf) {
		c->cdict = ZSTD_createCDict(buf, total, LEVEL);
		c->ddict = ZSTD_createDDict(buf, total);
		if (!c->cdict || !c->ddict) {
			ZSTD_freeCDict(c->cdict);
			ZSTD_freeDDict(c->ddict);
			c->cdict = NULL;
			c->ddict = NULL;
		}
	}
	free(buf);
	drop_samples(c);
}

int k8s_codec_pack(struct k8s_codec *c, const char *text, size_t len,
		   char **out, size_t *outlen, unsigned char *dict)
{
	size_t bound = ZSTD_compressBound(len), n;

	*out = NULL;
	*outlen = 0;
	*dict = 0;
	c->puts++;
	learn(c, text, len);
	if (bound > c->zcap) {
		char *p = realloc(c->zbuf, bound);

		if (!p)
			return -ENOMEM;
		c->zbuf = p;
		c->zcap = bound;
	}
	n = c->cdict ? ZSTD_compress_usingCDict(c->cctx, c->zbuf, c->zcap, text,
						len, c->cdict)
		     : ZSTD_compressCCtx(c->cctx, c->zbuf, c->zcap, text, len,
					 LEVEL);
	if (ZSTD_isError(n) || n >= len)
		return 0; /* keep the text */
	*out = malloc(n);
	if (!*out)
		return -ENOMEM;
	memcpy(*out, c->zbuf, n);
	*outlen = n;
	*dict = c->cdict ? 1 : 0;
	return 0;
}

const char *k8s_codec_unpack(struct k8s_codec *c, const char *packed,
			     size_t packed_len, size_t len, unsigned char dict)
{
	struct scratch *s = &c->scratch[c->next];
	size_t n;

	if (dict && !c->ddict)
		return NULL;
	if (len + 1 > s->cap) {
		char *p = realloc(s->p, len + 1);

		if (!p)
			return NULL;
		s->p = p;
		s->cap = len + 1;
	}
	n = dict ? ZSTD_decompress_usingDDict(c->dctx, s->p, len, packed,
					      packed_len, c->ddict)
		 : ZSTD_decompressDCtx(c->dctx, s->p, len, packed, packed_len);
	if (ZSTD_isError(n) || n != len)
		return NULL;
	s->p[len] = '\0';
	c->next = (c->next + 1) % K8S_CODEC_SCRATCH;
	return s->p;
}
