/* hmap.c - string-keyed open-addressing hash map (jf_hmap.h). */
#include "jf_hmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jf_time.h"

static char tombstone_mark;
#define JF_HMAP_TOMBSTONE (&tombstone_mark)

static unsigned hash_key(const char *key)
{
	return (unsigned)jf_fnv1a(JF_FNV_OFFSET, key, strlen(key));
}

void jf_hmap_init(struct jf_hmap *m)
{
	memset(m, 0, sizeof(*m));
}

void jf_hmap_release(struct jf_hmap *m)
{
	for (size_t i = 0; i < m->cap; i++) {
		if (m->slots[i].key && m->slots[i].key != JF_HMAP_TOMBSTONE)
			free(m->slots[i].key);
	}
	free(m->slots);
	jf_hmap_init(m);
}

static bool slot_live(const struct jf_hmap_slot *s)
{
	return s->key && s->key != JF_HMAP_TOMBSTONE;
}

/* Index of key's slot, or of the slot where it would be inserted (the
 * first tombstone seen, else the empty slot ending the probe). */
static size_t find_slot(const struct jf_hmap *m, const char *key, unsigned h,
			bool *found)
{
	size_t mask = m->cap - 1, i = h & mask, insert = (size_t)-1;

	*found = false;
	for (;;) {
		const struct jf_hmap_slot *s = &m->slots[i];

		if (!s->key)
			return insert != (size_t)-1 ? insert : i;
		if (s->key == JF_HMAP_TOMBSTONE) {
			if (insert == (size_t)-1)
				insert = i;
		} else if (s->hash == h && strcmp(s->key, key) == 0) {
			*found = true;
			return i;
		}
		i = (i + 1) & mask;
	}
}

static int grow(struct jf_hmap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 16;
	struct jf_hmap_slot *old = m->slots;
	size_t ocap = m->cap;

	/* Mostly tombstones: rehash at the same size. */
	if (m->cap && m->len * 4 < m->cap)
		ncap = m->cap;
	m->slots = calloc(ncap, sizeof(*m->slots));
	if (!m->slots) {
		m->slots = old;
		return -ENOMEM;
	}
	m->cap = ncap;
	m->used = m->len;
	for (size_t i = 0; i < ocap; i++) {
		bool found;
		size_t j;

		if (!slot_live(&old[i]))
			continue;
		j = find_slot(m, old[i].key, old[i].hash, &found);
		m->slots[j] = old[i];
	}
	free(old);
	return 0;
}

void *jf_hmap_get(const struct jf_hmap *m, const char *key)
{
	bool found;
	size_t i;

	if (!m->len)
		return NULL;
	i = find_slot(m, key, hash_key(key), &found);
	return found ? m->slots[i].val : NULL;
}

int jf_hmap_put(struct jf_hmap *m, const char *key, void *val, void **old)
{
	unsigned h = hash_key(key);
	bool found;
	size_t i;
	char *copy;

	if (old)
		*old = NULL;
	if ((m->used + 1) * 4 > m->cap * 3) {
		int err = grow(m);

		if (err)
			return err;
	}
	i = find_slot(m, key, h, &found);
	if (found) {
		if (old)
			*old = m->slots[i].val;
		m->slots[i].val = val;
		return 0;
	}
	copy = strdup(key);
	if (!copy)
		return -ENOMEM;
	if (!m->slots[i].key)
		m->used++;
	m->slots[i].key = copy;
	m->slots[i].val = val;
	m->slots[i].hash = h;
	m->len++;
	return 0;
}

void *jf_hmap_del(struct jf_hmap *m, const char *key)
{
	bool found;
	size_t i;
	void *val;

	if (!m->len)
		return NULL;
	i = find_slot(m, key, hash_key(key), &found);
	if (!found)
		return NULL;
	val = m->slots[i].val;
	free(m->slots[i].key);
	m->slots[i].key = JF_HMAP_TOMBSTONE;
	m->slots[i].val = NULL;
	m->len--;
	return val;
}

int jf_hmap_foreach(const struct jf_hmap *m, jf_hmap_iter_fn *fn, void *arg)
{
	for (size_t i = 0; i < m->cap; i++) {
		int r;

		if (!slot_live(&m->slots[i]))
			continue;
		r = fn(m->slots[i].key, m->slots[i].val, arg);
		if (r)
			return r;
	}
	return 0;
}

bool jf_hmap_next(const struct jf_hmap *m, size_t *pos, const char **key,
		  void **val)
{
	for (; *pos < m->cap; (*pos)++) {
		if (slot_live(&m->slots[*pos])) {
			*key = m->slots[*pos].key;
			*val = m->slots[*pos].val;
			(*pos)++;
			return true;
		}
	}
	return false;
}
