/* jf_hmap.h - a string-keyed hash map (open addressing, linear probing,
 * tombstones) for caches and indexes that must stay O(1).
 *
 * The map copies keys; values are opaque pointers the caller owns.
 * Iteration order is unspecified. Not thread-safe (one event loop).
 */
#ifndef JF_HMAP_H
#define JF_HMAP_H

#include <stdbool.h>
#include <stddef.h>

struct jf_hmap_slot {
	char *key; /* NULL: empty; JF_HMAP_TOMBSTONE: deleted */
	void *val;
	unsigned hash;
};

struct jf_hmap {
	struct jf_hmap_slot *slots;
	size_t cap;  /* power of two, 0 before the first insert */
	size_t len;  /* live entries */
	size_t used; /* live + tombstones */
};

void jf_hmap_init(struct jf_hmap *m);

/* Frees the map's own storage (copied keys, slots). Values are the
 * caller's: free them first, e.g. with jf_hmap_foreach(). */
void jf_hmap_release(struct jf_hmap *m);

/* Returns the value for key, or NULL. */
void *jf_hmap_get(const struct jf_hmap *m, const char *key);

/* Inserts or replaces. When old is not NULL it receives the replaced
 * value (NULL if the key was new). Returns 0 or -ENOMEM. */
int jf_hmap_put(struct jf_hmap *m, const char *key, void *val, void **old);

/* Removes key; returns its value, or NULL when absent. */
void *jf_hmap_del(struct jf_hmap *m, const char *key);

static inline size_t jf_hmap_len(const struct jf_hmap *m)
{
	return m->len;
}

/* Calls fn for each entry; fn must not modify the map. Stops early and
 * returns fn's value when it returns non-zero. */
typedef int jf_hmap_iter_fn(const char *key, void *val, void *arg);
int jf_hmap_foreach(const struct jf_hmap *m, jf_hmap_iter_fn *fn, void *arg);

/* Cursor iteration: start with *pos = 0; returns false at the end. The
 * map must not be modified while iterating. */
bool jf_hmap_next(const struct jf_hmap *m, size_t *pos, const char **key,
		  void **val);

#endif /* JF_HMAP_H */
