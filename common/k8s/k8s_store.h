/* k8s_store.h - the informer's cache: objects as compact JSON keyed by
 * "namespace/name", with value indexes (namespace built in). */
#ifndef JF_K8S_STORE_H
#define JF_K8S_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "jf_hmap.h"
#include "jf_informer.h"

#define K8S_STORE_MAX_INDEXES 9 /* the namespace index + 8 */

struct k8s_set; /* the entries sharing one index value */
struct k8s_codec;

struct k8s_ref {
	struct k8s_set *set;
	size_t pos; /* position in set->v */
};

struct k8s_entry {
	char *key;     /* "ns/name", or "name" when cluster-scoped */
	size_t ns_len; /* key[0..ns_len) is the namespace */
	char *rv;
	char *uid;
	char *json;	    /* compact JSON of the (stripped) object, packed
			     * when zlen > 0: read it with k8s_entry_text() */
	size_t json_len;    /* length of the text */
	size_t zlen;	    /* length of the packed form; 0: json is text */
	unsigned char dict; /* the codec dictionary it was packed with */
	struct k8s_ref *refs;
	int nrefs;
	unsigned gen;  /* relist generation that last saw it */
	bool observed; /* written by jf_informer_observe(), not yet seen
			* back from the watch */
};

struct k8s_index {
	char *name;
	jf_informer_index_fn fn;
	void *arg;
	struct jf_hmap sets; /* value -> struct k8s_set */
};

struct k8s_store {
	struct jf_hmap map; /* key -> struct k8s_entry */
	struct k8s_index idx[K8S_STORE_MAX_INDEXES];
	int nidx;
	size_t bytes;		 /* JSON text of every entry */
	size_t held;		 /* what the entries hold (packed or not) */
	struct k8s_codec *codec; /* NULL: texts are kept as they are */
};

/* Initialises s with the built-in "namespace" index; texts are packed
 * (k8s_codec.h) when pack is true. 0 or -ENOMEM. */
int k8s_store_init(struct k8s_store *s, bool pack);
void k8s_store_release(struct k8s_store *s);
int k8s_store_add_index(struct k8s_store *s, const char *name,
			jf_informer_index_fn fn, void *arg);

/* Writes obj's key into buf; -EINVAL without metadata.name, -ENAMETOOLONG. */
int k8s_store_key(const cJSON *obj, char *buf, size_t cap);

struct k8s_entry *k8s_store_get(const struct k8s_store *s, const char *key);

/* Inserts or replaces the entry for obj (borrowed). *out (may be NULL)
 * gets the new entry. 0, -EINVAL or -ENOMEM (the old entry is kept). */
int k8s_store_put(struct k8s_store *s, const cJSON *obj, bool observed,
		  unsigned gen, struct k8s_entry **out);

/* The entry's JSON text, NUL-terminated (borrowed: valid until the store
 * changes or K8S_CODEC_SCRATCH more reads); len (may be NULL) gets its
 * length. NULL on ENOMEM. */
const char *k8s_entry_text(const struct k8s_store *s, const struct k8s_entry *e,
			   size_t *len);
/* The entry parsed: a new tree, or NULL on ENOMEM. */
cJSON *k8s_entry_parse(const struct k8s_store *s, const struct k8s_entry *e);

/* Removes and frees the entry for key (no-op when absent). */
void k8s_store_del(struct k8s_store *s, const char *key);

/* The entries with index value (borrowed array), or NULL/0. -JF_ENOTFOUND
 * for an unknown index. */
int k8s_store_lookup(const struct k8s_store *s, const char *index,
		     const char *value, struct k8s_entry *const **v, size_t *n);

/* Removes metadata.managedFields and the last-applied annotation. */
void k8s_strip(cJSON *obj);

#endif /* JF_K8S_STORE_H */
