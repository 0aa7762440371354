/* k8s_codec.h - compression of the informer cache's JSON texts.
 *
 * Cached objects of one kind are alike (the same keys, labels, owner
 * references and status shape; only names, uids and times differ), so
 * each text is compressed with zstd against a dictionary made of the
 * first objects the cache saw: a Job's 1.2 KB shrink about fivefold. Texts
 * are decompressed into a small ring of scratch buffers when read. */
#ifndef JF_K8S_CODEC_H
#define JF_K8S_CODEC_H

#include <stdbool.h>
#include <stddef.h>

struct k8s_codec;

/* NULL on ENOMEM. */
struct k8s_codec *k8s_codec_new(void);
void k8s_codec_free(struct k8s_codec *c);

/* Encodes text (len bytes). On success *out is a new allocation of *outlen
 * bytes and *dict tells which dictionary it needs (0: none), or *out is
 * NULL when compression does not pay (store the text as it is). 0 or
 * -ENOMEM. */
int k8s_codec_pack(struct k8s_codec *c, const char *text, size_t len,
		   char **out, size_t *outlen, unsigned char *dict);

/* Decodes what k8s_codec_pack() produced into a scratch buffer: a
 * NUL-terminated text of exactly len bytes, valid until K8S_CODEC_SCRATCH
 * more calls. NULL on ENOMEM or corrupt input. */
#define K8S_CODEC_SCRATCH 4
const char *k8s_codec_unpack(struct k8s_codec *c, const char *packed,
			     size_t packed_len, size_t len, unsigned char dict);

#endif /* JF_K8S_CODEC_H */
