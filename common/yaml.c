/* yaml.c - YAML to JSON loader (jf_yaml.h): libyaml events turned into
 * cJSON documents, with anchors, aliases, merge keys, duplicate-key errors,
 * hard caps and a position map.
 *
 * Aliases expand to deep copies; every expanded node counts against
 * JF_YAML_MAX_NODES and an alias may not push nesting past
 * JF_YAML_MAX_DEPTH, so a "billion laughs" document fails cleanly. Merge
 * keys ("<<: *base", "<<: [*a, *b]") follow the YAML merge-key spec: keys
 * written in the mapping win over merged ones wherever "<<" appears, and
 * among several merged mappings the earlier one wins. Scalars are typed by
 * jf_yaml_scalar() (yaml_scalar.c holds the table). Errors read
 * "name:line:col: message", libyaml's own included.
 */
#include "jf_yaml.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "jf_json.h"
#include "yaml_int.h"

struct anchor {
	char *name;   /* NULL: free slot */
	cJSON *node;  /* NULL while the anchored node is being built */
	size_t nodes; /* nodes an alias to it expands to */
	int height;   /* container levels inside it (a scalar: 0) */
};

struct keyrec {
	const char *key; /* borrowed: the member's ->string */
	uint32_t order;
	int line, col;
};

struct frame {
	cJSON *node; /* owned until the frame is popped */
	bool is_map;
	bool no_pos; /* inside a merge value: no positions recorded */
	uint32_t pos;
	uint32_t count; /* sequence: next index */
	size_t nodes_at_start;
	int height; /* tallest child */
	char *anchor;
	yaml_mark_t start;
	/* mappings only */
	char *key; /* pending key (owned), NULL between members */
	bool key_merge;
	yaml_mark_t key_mark;
	struct keyrec *keys;
	size_t nkeys, capkeys;
	const cJSON *merge_val; /* the "<<" value (lives in the graveyard) */
	yaml_mark_t merge_mark;
};

struct loader {
	const char *name;
	const char *buf;
	size_t len;
	struct jf_errmsg *e;
	struct frame frames[JF_YAML_MAX_DEPTH + 1];
	int nframes;
	size_t nodes;
	/* the document being built */
	bool in_doc;
	cJSON *root;
	bool root_set, doc_empty;
	struct jf_yaml_pos *pos;
	cJSON *graveyard; /* key anchors and merge values */
	struct anchor *anchors;
	size_t nanchors, capanchors;
	int doc_line;
	/* the result */
	struct jf_yaml_doc *docs;
	size_t ndocs, capdocs;
};

static int errat(struct loader *l, yaml_mark_t m, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int errat(struct loader *l, yaml_mark_t m, int err, const char *fmt, ...)
{
	char msg[JF_ERRMSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return jf_errf(l->e, err, "%s:%zu:%zu: %s", l->name, m.line + 1,
		       m.column + 1, msg);
}

static int nomem(struct loader *l)
{
	return jf_errf(l->e, -ENOMEM, "%s: out of memory", l->name);
}

/* --- anchors: an open-addressing hash table, reset per document --------- */

static size_t hash_name(const char *s)
{
	size_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct anchor *anchor_slot(struct anchor *tab, size_t cap,
				  const char *name)
{
	size_t i = hash_name(name) & (cap - 1);

	while (tab[i].name && strcmp(tab[i].name, name) != 0)
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

static void anchors_clear(struct loader *l)
{
	for (size_t i = 0; i < l->capanchors; i++)
		free(l->anchors[i].name);
	free(l->anchors);
	l->anchors = NULL;
	l->nanchors = l->capanchors = 0;
}

static struct anchor *anchor_find(struct loader *l, const char *name)
{
	struct anchor *a;

	if (!l->capanchors)
		return NULL;
	a = anchor_slot(l->anchors, l->capanchors, name);
	return a->name ? a : NULL;
}

/* Defines (or redefines) name; node NULL marks it as being built. */
static int anchor_set(struct loader *l, const char *name, cJSON *node,
		      size_t nodes, int height)
{
	struct anchor *a;

	if (2 * (l->nanchors + 1) > l->capanchors) {
		size_t ncap = l->capanchors ? 2 * l->capanchors : 16;
		struct anchor *nt = calloc(ncap, sizeof(*nt));

		if (!nt)
			return -ENOMEM;
		for (size_t i = 0; i < l->capanchors; i++) {
			if (l->anchors[i].name)
				*anchor_slot(nt, ncap, l->anchors[i].name) =
					l->anchors[i];
		}
		free(l->anchors);
		l->anchors = nt;
		l->capanchors = ncap;
	}
	a = anchor_slot(l->anchors, l->capanchors, name);
	if (!a->name) {
		a->name = strdup(name);
		if (!a->name)
			return -ENOMEM;
		l->nanchors++;
	}
	a->node = node;
	a->nodes = nodes;
	a->height = height;
	return 0;
}

/* --- nodes --------------------------------------------------------------- */

static struct frame *top(struct loader *l)
{
	return l->nframes ? &l->frames[l->nframes - 1] : NULL;
}

static int count_nodes(struct loader *l, size_t add, yaml_mark_t m)
{
	if (add > JF_YAML_MAX_NODES || l->nodes + add > JF_YAML_MAX_NODES)
		return errat(
			l, m, -JF_ETOOBIG,
			"document expands to more than %u nodes (aliases included)",
			JF_YAML_MAX_NODES);
	l->nodes += add;
	return 0;
}

static size_t subtree_size(const cJSON *n)
{
	size_t c = 1;

	for (const cJSON *k = n->child; k; k = k->next)
		c += subtree_size(k);
	return c;
}

/* Records the position of the value that starts now (at m), as member or
 * element of the innermost open collection. */
static int value_pos(struct loader *l, yaml_mark_t m, uint32_t *id)
{
	struct frame *f = top(l);
	int err;

	*id = JF_YAML_POS_NONE;
	if (!f) {
		err = jf_yaml_pos_add(l->pos, JF_YAML_POS_NONE, NULL, 0,
				      (int)m.line + 1, (int)m.column + 1, id);
	} else if (f->no_pos || f->pos == JF_YAML_POS_NONE ||
		   (f->is_map && f->key_merge)) {
		return 0;
	} else if (f->is_map) {
		err = jf_yaml_pos_add(l->pos, f->pos, f->key, 0,
				      (int)f->key_mark.line + 1,
				      (int)f->key_mark.column + 1, id);
	} else {
		err = jf_yaml_pos_add(l->pos, f->pos, NULL, f->count,
				      (int)m.line + 1, (int)m.column + 1, id);
	}
	return err ? nomem(l) : 0;
}

/* Keeps v alive until the document ends (anchors may point into it). */
static int bury(struct loader *l, cJSON *v)
{
	if (!cJSON_AddItemToArray(l->graveyard, v)) {
		cJSON_Delete(v);
		return nomem(l);
	}
	return 0;
}

static bool is_merge_source(const cJSON *v)
{
	const cJSON *c;

	if (cJSON_IsObject(v))
		return true;
	if (!cJSON_IsArray(v))
		return false;
	cJSON_ArrayForEach (c, v) {
		if (!cJSON_IsObject(c))
			return false;
	}
	return true;
}

/* Hands a finished value (taken over) to the innermost open collection, or
 * makes it the document root. */
static int attach(struct loader *l, cJSON *v, yaml_mark_t m, int height)
{
	struct frame *f = top(l);
	int err;

	if (!f) {
		l->root = v;
		l->root_set = true;
		return 0;
	}
	if (height > f->height)
		f->height = height;
	if (!f->is_map) {
		cJSON_AddItemToArray(f->node, v);
		f->count++;
		return 0;
	}
	if (f->key_merge) {
		err = bury(l, v);
		if (err)
			return err;
		if (!is_merge_source(v))
			return errat(
				l, m, -JF_EPARSE,
				"merge key '<<' needs a mapping or a list of mappings, got %s",
				jf_json_type_name(v));
		f->merge_val = v;
	} else {
		if (f->nkeys == f->capkeys) {
			size_t ncap = f->capkeys ? 2 * f->capkeys : 8;
			struct keyrec *nk =
				realloc(f->keys, ncap * sizeof(*nk));

			if (!nk) {
				cJSON_Delete(v);
				return nomem(l);
			}
			f->keys = nk;
			f->capkeys = ncap;
		}
		if (!cJSON_AddItemToObject(f->node, f->key, v)) {
			cJSON_Delete(v);
			return nomem(l);
		}
		f->keys[f->nkeys].key = v->string;
		f->keys[f->nkeys].order = (uint32_t)f->nkeys;
		f->keys[f->nkeys].line = (int)f->key_mark.line + 1;
		f->keys[f->nkeys].col = (int)f->key_mark.column + 1;
		f->nkeys++;
	}
	free(f->key);
	f->key = NULL;
	f->key_merge = false;
	return 0;
}

/* A scalar (or an alias to one) in key position becomes the pending key. */
static int set_key(struct loader *l, struct frame *f, const cJSON *v,
		   yaml_mark_t m)
{
	bool oom;

	f->key = jf_yaml_key_text(v, &oom);
	if (oom)
		return nomem(l);
	if (!f->key)
		return errat(
			l, m, -JF_EPARSE,
			"a mapping key must be a string, number or bool, got %s",
			jf_json_type_name(v));
	f->key_mark = m;
	return 0;
}

static int on_scalar(struct loader *l, const yaml_event_t *ev)
{
	const char *val = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	const char *tag = (const char *)ev->data.scalar.tag;
	const char *anchor = (const char *)ev->data.scalar.anchor;
	enum jf_yaml_style style =
		ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE
			? JF_YAML_PLAIN
			: JF_YAML_QUOTED;
	struct frame *f = top(l);
	char msg[JF_ERRMSG_MAX];
	uint32_t id;
	cJSON *v;
	int err;

	if (f && f->is_map && !f->key) {
		if (jf_yaml_is_merge_key(val, len, style, tag)) {
			if (f->merge_val)
				return errat(
					l, ev->start_mark, -JF_EPARSE,
					"mapping key \"<<\" already defined at line %zu",
					f->merge_mark.line + 1);
			f->key = strdup("<<");
			if (!f->key)
				return nomem(l);
			f->key_merge = true;
			f->key_mark = f->merge_mark = ev->start_mark;
			return 0;
		}
		err = jf_yaml_scalar(val, len, style, tag, &v, msg,
				     sizeof(msg));
		if (err)
			return errat(l, ev->start_mark, err, "%s", msg);
		err = set_key(l, f, v, ev->start_mark);
		if (err || !anchor) {
			cJSON_Delete(v);
			return err;
		}
		err = bury(l, v);
		if (!err && anchor_set(l, anchor, v, 1, 0))
			err = nomem(l);
		return err;
	}
	err = count_nodes(l, 1, ev->start_mark);
	if (!err)
		err = value_pos(l, ev->start_mark, &id);
	if (err)
		return err;
	err = jf_yaml_scalar(val, len, style, tag, &v, msg, sizeof(msg));
	if (err)
		return errat(l, ev->start_mark, err, "%s", msg);
	if (anchor && anchor_set(l, anchor, v, 1, 0)) {
		cJSON_Delete(v);
		return nomem(l);
	}
	if (!f && len == 0 && style == JF_YAML_PLAIN && !tag && !anchor)
		l->doc_empty = true;
	return attach(l, v, ev->start_mark, 0);
}

static int on_alias(struct loader *l, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	struct anchor *a = anchor_find(l, name);
	struct frame *f = top(l);
	uint32_t id;
	cJSON *copy;
	int err;

	if (!a)
		return errat(l, ev->start_mark, -JF_EPARSE,
			     "unknown anchor '%s'", name);
	if (!a->node)
		return errat(l, ev->start_mark, -JF_EPARSE,
			     "alias '*%s' refers to a node that contains it",
			     name);
	if (f && f->is_map && !f->key)
		return set_key(l, f, a->node, ev->start_mark);
	if (l->nframes + a->height > JF_YAML_MAX_DEPTH)
		return errat(l, ev->start_mark, -JF_EDEPTH,
			     "alias '*%s' nests deeper than %d levels", name,
			     JF_YAML_MAX_DEPTH);
	err = count_nodes(l, a->nodes, ev->start_mark);
	if (!err)
		err = value_pos(l, ev->start_mark, &id);
	if (err)
		return err;
	copy = cJSON_Duplicate(a->node, 1);
	if (!copy)
		return nomem(l);
	free(copy->string);
	copy->string = NULL;
	return attach(l, copy, ev->start_mark, a->height);
}

static int on_start(struct loader *l, const yaml_event_t *ev, bool is_map)
{
	const char *anchor =
		(const char *)(is_map ? ev->data.mapping_start.anchor
				      : ev->data.sequence_start.anchor);
	struct frame *f = top(l), *nf;
	uint32_t id;
	int err;

	if (f && f->is_map && !f->key)
		return errat(l, ev->start_mark, -JF_EPARSE,
			     "a mapping key must be a scalar, not a %s",
			     is_map ? "mapping" : "sequence");
	if (l->nframes >= JF_YAML_MAX_DEPTH)
		return errat(l, ev->start_mark, -JF_EDEPTH,
			     "nesting deeper than %d levels",
			     JF_YAML_MAX_DEPTH);
	err = count_nodes(l, 1, ev->start_mark);
	if (!err)
		err = value_pos(l, ev->start_mark, &id);
	if (err)
		return err;
	nf = &l->frames[l->nframes];
	memset(nf, 0, sizeof(*nf));
	nf->node = is_map ? cJSON_CreateObject() : cJSON_CreateArray();
	if (!nf->node)
		return nomem(l);
	l->nframes++;
	nf->is_map = is_map;
	nf->no_pos = f && (f->no_pos || (f->is_map && f->key_merge));
	nf->pos = id;
	nf->nodes_at_start = l->nodes - 1;
	nf->start = ev->start_mark;
	if (anchor) {
		nf->anchor = strdup(anchor);
		if (!nf->anchor || anchor_set(l, anchor, NULL, 0, 0))
			return nomem(l);
	}
	return 0;
}

static int cmp_keyrec(const void *a, const void *b)
{
	const struct keyrec *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	return x->order < y->order ? -1 : 1;
}

struct cand {
	const cJSON *item;
	uint32_t seq;
};

static int cmp_cand_key(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	int c = strcmp(x->item->string, y->item->string);

	if (c)
		return c;
	return x->seq < y->seq ? -1 : 1;
}

static int cmp_cand_seq(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

static bool explicit_key(const struct frame *f, const char *key)
{
	size_t lo = 0, hi = f->nkeys;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(key, f->keys[mid].key);

		if (c == 0)
			return true;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return false;
}

/* Copies merged members that the mapping does not define itself. Needs
 * f->keys sorted by key. */
static int apply_merge(struct loader *l, struct frame *f)
{
	const cJSON *src = f->merge_val, *s, *c;
	struct cand *cands;
	size_t n = 0, npick = 0;
	int err = 0;

	if (cJSON_IsObject(src)) {
		n = (size_t)cJSON_GetArraySize(src);
	} else {
		cJSON_ArrayForEach (s, src)
			n += (size_t)cJSON_GetArraySize(s);
	}
	if (!n)
		return 0;
	cands = malloc(n * sizeof(*cands));
	if (!cands)
		return nomem(l);
	n = 0;
	for (s = cJSON_IsObject(src) ? src : src->child; s;
	     s = cJSON_IsObject(src) ? NULL : s->next) {
		cJSON_ArrayForEach (c, s) {
			cands[n].item = c;
			cands[n].seq = (uint32_t)n;
			n++;
		}
	}
	qsort(cands, n, sizeof(*cands), cmp_cand_key);
	for (size_t i = 0; i < n; i++) {
		if (i && strcmp(cands[i].item->string,
				cands[i - 1].item->string) == 0)
			continue; /* an earlier mapping defines it */
		if (explicit_key(f, cands[i].item->string))
			continue;
		cands[npick++] = cands[i];
	}
	qsort(cands, npick, sizeof(*cands), cmp_cand_seq);
	for (size_t i = 0; !err && i < npick; i++) {
		cJSON *copy = cJSON_Duplicate(cands[i].item, 1);
		uint32_t id;

		if (!copy) {
			err = nomem(l);
			break;
		}
		err = count_nodes(l, subtree_size(copy), f->merge_mark);
		if (err) {
			cJSON_Delete(copy);
			break;
		}
		cJSON_AddItemToArray(f->node, copy); /* keeps copy->string */
		if (!f->no_pos && f->pos != JF_YAML_POS_NONE &&
		    jf_yaml_pos_add(l->pos, f->pos, copy->string, 0,
				    (int)f->merge_mark.line + 1,
				    (int)f->merge_mark.column + 1, &id))
			err = nomem(l);
	}
	free(cands);
	return err;
}

static int finish_map(struct loader *l, struct frame *f)
{
	const struct keyrec *dup = NULL;

	if (f->nkeys > 1)
		qsort(f->keys, f->nkeys, sizeof(*f->keys), cmp_keyrec);
	for (size_t i = 1; i < f->nkeys; i++) {
		if (strcmp(f->keys[i].key, f->keys[i - 1].key) == 0 &&
		    (!dup || f->keys[i].order < dup->order))
			dup = &f->keys[i];
	}
	if (dup) {
		/* the first definition is the group's first element */
		const struct keyrec *first = dup;

		while (first > f->keys && strcmp(first[-1].key, dup->key) == 0)
			first--;
		return jf_errf(
			l->e, -JF_EPARSE,
			"%s:%d:%d: mapping key \"%s\" already defined at line %d",
			l->name, dup->line, dup->col, dup->key, first->line);
	}
	return f->merge_val ? apply_merge(l, f) : 0;
}

static void frame_release(struct frame *f)
{
	cJSON_Delete(f->node);
	free(f->anchor);
	free(f->key);
	free(f->keys);
	memset(f, 0, sizeof(*f));
}

static int on_end(struct loader *l)
{
	struct frame *f = top(l);
	cJSON *node;
	yaml_mark_t start;
	int height, err;

	if (!f)
		return 0;
	if (f->is_map) {
		err = finish_map(l, f);
		if (err)
			return err;
	}
	height = f->height + 1;
	if (f->anchor && anchor_set(l, f->anchor, f->node,
				    l->nodes - f->nodes_at_start, height))
		return nomem(l);
	node = f->node;
	start = f->start;
	f->node = NULL;
	frame_release(f);
	l->nframes--;
	return attach(l, node, start, height);
}

/* --- documents ------------------------------------------------------------ */

static void doc_reset(struct loader *l)
{
	while (l->nframes)
		frame_release(&l->frames[--l->nframes]);
	cJSON_Delete(l->root);
	l->root = NULL;
	l->root_set = l->doc_empty = false;
	jf_yaml_pos_free(l->pos);
	l->pos = NULL;
	cJSON_Delete(l->graveyard);
	l->graveyard = NULL;
	anchors_clear(l);
	l->in_doc = false;
}

static int on_doc_start(struct loader *l, const yaml_event_t *ev)
{
	doc_reset(l);
	l->in_doc = true;
	l->doc_line = (int)ev->start_mark.line + 1;
	l->pos = jf_yaml_pos_new();
	l->graveyard = cJSON_CreateArray();
	return l->pos && l->graveyard ? 0 : nomem(l);
}

static int on_doc_end(struct loader *l)
{
	struct jf_yaml_doc *d;

	if (!l->root_set || l->doc_empty) {
		doc_reset(l);
		return 0;
	}
	if (l->ndocs == l->capdocs) {
		size_t ncap = l->capdocs ? 2 * l->capdocs : 4;
		struct jf_yaml_doc *nd = realloc(l->docs, ncap * sizeof(*nd));

		if (!nd)
			return nomem(l);
		l->docs = nd;
		l->capdocs = ncap;
	}
	if (jf_yaml_pos_finish(l->pos))
		return nomem(l);
	d = &l->docs[l->ndocs++];
	d->json = l->root;
	d->pos = l->pos;
	d->line = l->doc_line;
	l->root = NULL;
	l->pos = NULL;
	doc_reset(l);
	return 0;
}

/* --- libyaml errors ------------------------------------------------------- */

/* Byte offset of a libyaml mark (line, column in characters). */
static size_t mark_offset(const struct loader *l, size_t line, size_t col)
{
	size_t off = 0;

	for (size_t ln = 0; ln < line && off < l->len; off++) {
		if (l->buf[off] == '\n' ||
		    (l->buf[off] == '\r' &&
		     (off + 1 >= l->len || l->buf[off + 1] != '\n')))
			ln++;
	}
	for (size_t c = 0; c < col && off < l->len; c++) {
		off++;
		while (off < l->len &&
		       ((unsigned char)l->buf[off] & 0xC0) == 0x80)
			off++;
	}
	return off;
}

static int parser_error(struct loader *l, const yaml_parser_t *p)
{
	size_t line = 0, col = 0;
	const char *hint = "";

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return nomem(l);
	case YAML_READER_ERROR:
		/* only a byte offset: count lines and characters to it */
		for (size_t i = 0; i < p->problem_offset && i < l->len; i++) {
			if (l->buf[i] == '\n') {
				line++;
				col = 0;
			} else if (((unsigned char)l->buf[i] & 0xC0) != 0x80) {
				col++;
			}
		}
		return jf_errf(l->e, -JF_EPARSE, "%s:%zu:%zu: %s (byte 0x%02x)",
			       l->name, line + 1, col + 1,
			       p->problem ? p->problem : "cannot read input",
			       (unsigned)p->problem_value & 0xFF);
	default:
		break;
	}
	line = p->problem_mark.line;
	col = p->problem_mark.column;
	{
		size_t off = mark_offset(l, line, col);

		if (off < l->len && l->buf[off] == '\t')
			hint = " (a tab character: YAML indents with spaces only)";
	}
	if (p->context && (p->context_mark.line != p->problem_mark.line ||
			   p->context_mark.column != p->problem_mark.column))
		return jf_errf(l->e, -JF_EPARSE,
			       "%s:%zu:%zu: %s %s at line %zu col %zu%s",
			       l->name, line + 1, col + 1,
			       p->problem ? p->problem : "syntax error",
			       p->context, p->context_mark.line + 1,
			       p->context_mark.column + 1, hint);
	return jf_errf(
		l->e, -JF_EPARSE, "%s:%zu:%zu: %s%s%s%s", l->name, line + 1,
		col + 1, p->problem ? p->problem : "syntax error",
		p->context ? " " : "", p->context ? p->context : "", hint);
}

/* --- entry points ----------------------------------------------------------
 */

static int on_event(struct loader *l, const yaml_event_t *ev, bool *done)
{
	switch (ev->type) {
	case YAML_STREAM_END_EVENT:
		*done = true;
		return 0;
	case YAML_DOCUMENT_START_EVENT:
		return on_doc_start(l, ev);
	case YAML_DOCUMENT_END_EVENT:
		return on_doc_end(l);
	case YAML_SCALAR_EVENT:
		return on_scalar(l, ev);
	case YAML_ALIAS_EVENT:
		return on_alias(l, ev);
	case YAML_SEQUENCE_START_EVENT:
		return on_start(l, ev, false);
	case YAML_MAPPING_START_EVENT:
		return on_start(l, ev, true);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return on_end(l);
	default:
		return 0;
	}
}

void jf_yaml_stream_release(struct jf_yaml_stream *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->ndocs; i++) {
		cJSON_Delete(s->docs[i].json);
		jf_yaml_pos_free(s->docs[i].pos);
	}
	free(s->docs);
	s->docs = NULL;
	s->ndocs = 0;
}

int jf_yaml_load(const char *buf, size_t len, const char *name,
		 struct jf_yaml_stream *out, struct jf_errmsg *e)
{
	struct loader *l;
	yaml_parser_t parser;
	yaml_event_t ev;
	bool done = false;
	int err = 0;

	out->docs = NULL;
	out->ndocs = 0;
	if (!name)
		name = "<input>";
	if (len > JF_YAML_MAX_BYTES)
		return jf_errf(e, -JF_ETOOBIG,
			       "%s: input is %zu bytes, the limit is %u", name,
			       len, JF_YAML_MAX_BYTES);
	l = calloc(1, sizeof(*l));
	if (!l)
		return jf_errf(e, -ENOMEM, "%s: out of memory", name);
	l->name = name;
	l->buf = buf;
	l->len = len;
	l->e = e;
	if (!yaml_parser_initialize(&parser)) {
		free(l);
		return jf_errf(e, -ENOMEM, "%s: out of memory", name);
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (!err && !done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			err = parser_error(l, &parser);
			break;
		}
		err = on_event(l, &ev, &done);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	doc_reset(l);
	if (err) {
		for (size_t i = 0; i < l->ndocs; i++) {
			cJSON_Delete(l->docs[i].json);
			jf_yaml_pos_free(l->docs[i].pos);
		}
		free(l->docs);
	} else {
		out->docs = l->docs;
		out->ndocs = l->ndocs;
	}
	free(l);
	return err;
}

int jf_yaml_load_file(const char *path, struct jf_yaml_stream *out,
		      struct jf_errmsg *e)
{
	bool is_stdin = strcmp(path, "-") == 0;
	const char *name = is_stdin ? "<stdin>" : path;
	size_t len = 0, cap = 64 * 1024;
	char *buf;
	int fd, err;

	out->docs = NULL;
	out->ndocs = 0;
	fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return jf_errf(e, -errno, "%s: cannot open: %s", name,
			       strerror(errno));
	buf = malloc(cap);
	if (!buf) {
		err = jf_errf(e, -ENOMEM, "%s: out of memory", name);
		goto out_close;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb;

			if (cap > JF_YAML_MAX_BYTES) {
				err = jf_errf(
					e, -JF_ETOOBIG,
					"%s: input is larger than %u bytes",
					name, JF_YAML_MAX_BYTES);
				goto out_free;
			}
			cap *= 2;
			nb = realloc(buf, cap);
			if (!nb) {
				err = jf_errf(e, -ENOMEM, "%s: out of memory",
					      name);
				goto out_free;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = jf_errf(e, -errno, "%s: cannot read: %s", name,
				      strerror(errno));
			goto out_free;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > JF_YAML_MAX_BYTES) {
		err = jf_errf(e, -JF_ETOOBIG,
			      "%s: input is larger than %u bytes", name,
			      JF_YAML_MAX_BYTES);
		goto out_free;
	}
	err = jf_yaml_load(buf, len, name, out, e);
out_free:
	free(buf);
out_close:
	if (!is_stdin)
		close(fd);
	return err;
}

int jf_yaml_load_one(const char *buf, size_t len, const char *name, cJSON **out,
		     struct jf_errmsg *e)
{
	struct jf_yaml_stream s;
	int err;

	*out = NULL;
	err = jf_yaml_load(buf, len, name, &s, e);
	if (err)
		return err;
	if (s.ndocs != 1) {
		err = jf_errf(e, -JF_EPARSE,
			      "%s: expected one document, found %zu",
			      name ? name : "<input>", s.ndocs);
	} else {
		*out = s.docs[0].json;
		s.docs[0].json = NULL;
	}
	jf_yaml_stream_release(&s);
	return err;
}
