/* yaml_pos.c - the position map of a loaded YAML document: which line and
 * column every JSON path came from, stored compactly as a tree.
 *
 * Each node is one entry (parent entry, member key or element index,
 * line, col); keys live in one string arena. Memory is linear in the
 * document size whatever the nesting (a flat list of full paths would be
 * quadratic in the depth). Lookups walk the path one element at a time,
 * binary-searching an index sorted by (parent, key/index), and stop at the
 * longest existing prefix.
 */
#include "yaml_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jf_err.h"
#include "jf_yaml.h"

#define KEY_NONE UINT32_MAX

struct pos_ent {
	uint32_t parent; /* entry index, or JF_YAML_POS_NONE for the root */
	uint32_t key;	 /* offset into arena, or KEY_NONE for an index */
	uint32_t index;
	uint32_t line, col;
};

struct jf_yaml_pos {
	struct pos_ent *ents;
	size_t n, cap;
	char *arena;
	size_t alen, acap;
	uint32_t *order; /* entry indices sorted by (parent, key, index) */
};

struct jf_yaml_pos *jf_yaml_pos_new(void)
{
	return calloc(1, sizeof(struct jf_yaml_pos));
}

void jf_yaml_pos_free(struct jf_yaml_pos *p)
{
	if (!p)
		return;
	free(p->ents);
	free(p->arena);
	free(p->order);
	free(p);
}

static int grow(void **buf, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 64;
	void *nb;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	if (ncap > UINT32_MAX / 2)
		return -JF_ETOOBIG;
	nb = realloc(*buf, ncap * elem);
	if (!nb)
		return -ENOMEM;
	*buf = nb;
	*cap = ncap;
	return 0;
}

int jf_yaml_pos_add(struct jf_yaml_pos *p, uint32_t parent, const char *key,
		    uint32_t index, int line, int col, uint32_t *id)
{
	struct pos_ent *ent;
	int err;

	err = grow((void **)&p->ents, &p->cap, p->n + 1, sizeof(*p->ents));
	if (err)
		return err;
	ent = &p->ents[p->n];
	ent->parent = parent;
	ent->key = KEY_NONE;
	ent->index = index;
	ent->line = line > 0 ? (uint32_t)line : 1;
	ent->col = col > 0 ? (uint32_t)col : 1;
	if (key) {
		size_t kl = strlen(key) + 1;

		err = grow((void **)&p->arena, &p->acap, p->alen + kl, 1);
		if (err)
			return err;
		memcpy(p->arena + p->alen, key, kl);
		ent->key = (uint32_t)p->alen;
		p->alen += kl;
	}
	*id = (uint32_t)p->n++;
	return 0;
}

/* Orders entries by parent, then keyed entries (by key) before indexed
 * ones (by index). qsort_r's context is the map. */
static int cmp_probe(const struct jf_yaml_pos *p, uint32_t parent,
		     const char *key, uint32_t index, const struct pos_ent *b)
{
	if (parent != b->parent)
		return parent < b->parent ? -1 : 1;
	if (key && b->key == KEY_NONE)
		return -1;
	if (!key && b->key != KEY_NONE)
		return 1;
	if (key)
		return strcmp(key, p->arena + b->key);
	if (index != b->index)
		return index < b->index ? -1 : 1;
	return 0;
}

static int cmp_order(const void *a, const void *b, void *ctx)
{
	const struct jf_yaml_pos *p = ctx;
	const struct pos_ent *x = &p->ents[*(const uint32_t *)a];
	const struct pos_ent *y = &p->ents[*(const uint32_t *)b];
	int c = cmp_probe(p, x->parent,
			  x->key == KEY_NONE ? NULL : p->arena + x->key,
			  x->index, y);

	if (c)
		return c;
	/* equal paths (should not happen): keep insertion order */
	return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : 1;
}

int jf_yaml_pos_finish(struct jf_yaml_pos *p)
{
	free(p->order);
	p->order = NULL;
	if (!p->n)
		return 0;
	p->order = malloc(p->n * sizeof(*p->order));
	if (!p->order)
		return -ENOMEM;
	for (size_t i = 0; i < p->n; i++)
		p->order[i] = (uint32_t)i;
	qsort_r(p->order, p->n, sizeof(*p->order), cmp_order, p);
	return 0;
}

static uint32_t find_child(const struct jf_yaml_pos *p, uint32_t parent,
			   const char *key, uint32_t index)
{
	size_t lo = 0, hi = p->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_probe(p, parent, key, index,
				  &p->ents[p->order[mid]]);

		if (c == 0)
			return p->order[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return JF_YAML_POS_NONE;
}

/* Reads one path element (jf_json.h syntax) into key (cap bytes) or
 * *index. Returns 1 for a key, 2 for an index, 0 at the end, -1 when the
 * rest of the path is malformed. */
static int next_elem(const char **pp, char *key, size_t cap, uint32_t *index)
{
	const char *s = *pp;
	size_t n = 0;

	if (*s == '.')
		s++;
	if (*s == '\0')
		return 0;
	if (*s == '[' && s[1] == '"') {
		for (s += 2; *s && *s != '"'; s++) {
			if (*s == '\\' && s[1])
				s++;
			if (n + 1 >= cap)
				return -1;
			key[n++] = *s;
		}
		if (s[0] != '"' || s[1] != ']')
			return -1;
		key[n] = '\0';
		*pp = s + 2;
		return 1;
	}
	if (*s == '[') {
		unsigned long v = 0;

		for (s++; *s >= '0' && *s <= '9'; s++) {
			v = v * 10 + (unsigned long)(*s - '0');
			if (v >= UINT32_MAX)
				return -1;
		}
		if (*s != ']' || s[-1] == '[')
			return -1;
		*index = (uint32_t)v;
		*pp = s + 1;
		return 2;
	}
	while (*s && *s != '.' && *s != '[') {
		if (n + 1 >= cap)
			return -1;
		key[n++] = *s++;
	}
	if (!n)
		return -1;
	key[n] = '\0';
	*pp = s;
	return 1;
}

int jf_yaml_pos_lookup(const struct jf_yaml_doc *doc, const char *path,
		       int *line, int *col)
{
	const struct jf_yaml_pos *p = doc ? doc->pos : NULL;
	char key[1024];
	uint32_t cur, index = 0;
	int kind;

	if (!p || !p->n || !p->order)
		return -JF_ENOTFOUND;
	cur = 0; /* the root is always the first entry */
	while (path &&
	       (kind = next_elem(&path, key, sizeof(key), &index)) > 0) {
		uint32_t next =
			find_child(p, cur, kind == 1 ? key : NULL, index);

		if (next == JF_YAML_POS_NONE)
			break;
		cur = next;
	}
	*line = (int)p->ents[cur].line;
	*col = (int)p->ents[cur].col;
	return 0;
}
