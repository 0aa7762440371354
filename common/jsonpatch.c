/* jsonpatch.c - RFC 6902 JSON Patch over cJSON with RFC 6901 pointers,
 * applied to a copy so that a failed patch leaves the document untouched. */
#include "jf_jsonpatch.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"

enum op_kind {
	OP_ADD,
	OP_REMOVE,
	OP_REPLACE,
	OP_MOVE,
	OP_COPY,
	OP_TEST
};

static const char *const op_names[] = {"add",  "remove", "replace",
				       "move", "copy",	 "test"};

/* A decoded pointer: ntok tokens, each NUL-terminated inside one buffer. */
struct ptr {
	char **tok;
	int ntok;
	char *buf;
};

/* Running totals that keep a patch bounded (see JF_JSONPATCH_MAX_*). */
struct budget {
	size_t size; /* estimated size of the document */
	size_t work; /* bytes duplicated so far by copy ops */
};

static void ptr_release(struct ptr *p)
{
	free(p->tok);
	free(p->buf);
	p->tok = NULL;
	p->buf = NULL;
	p->ntok = 0;
}

/* Splits an RFC 6901 pointer into unescaped tokens. "" has no tokens.
 * Returns 0, -JF_EPARSE (syntax) or -ENOMEM. */
static int ptr_parse(const char *s, struct ptr *p)
{
	size_t len = strlen(s);
	int n = 0;
	char *w;

	p->tok = NULL;
	p->buf = NULL;
	p->ntok = 0;
	if (len == 0)
		return 0;
	if (s[0] != '/')
		return -JF_EPARSE;
	for (const char *c = s; *c; c++) {
		if (*c == '/')
			n++;
		if (*c == '~' && c[1] != '0' && c[1] != '1')
			return -JF_EPARSE;
	}
	p->buf = malloc(len + 1);
	p->tok = calloc((size_t)n, sizeof(*p->tok));
	if (!p->buf || !p->tok) {
		ptr_release(p);
		return -ENOMEM;
	}
	w = p->buf;
	for (const char *c = s; *c; c++) {
		if (*c == '/') {
			if (p->ntok)
				*w++ = '\0';
			p->tok[p->ntok++] = w;
		} else if (*c == '~') {
			*w++ = c[1] == '0' ? '~' : '/';
			c++;
		} else {
			*w++ = *c;
		}
	}
	*w = '\0';
	return 0;
}

/* Parses an array index token: "0" or [1-9][0-9]*. "-" gives size (the
 * position after the last element) when end_ok. Returns 0, -JF_EPARSE for
 * a malformed index, -JF_ENOTFOUND when out of range. */
static int parse_index(const char *tok, int size, bool end_ok, int *out)
{
	long v = 0;

	if (strcmp(tok, "-") == 0) {
		if (!end_ok)
			return -JF_ENOTFOUND;
		*out = size;
		return 0;
	}
	if (*tok == '\0')
		return -JF_EPARSE;
	for (const char *c = tok; *c; c++) {
		if (*c < '0' || *c > '9')
			return -JF_EPARSE;
		if (v > INT_MAX / 10)
			return -JF_ENOTFOUND;
		v = v * 10 + (*c - '0');
	}
	if (tok[0] == '0' && tok[1] != '\0')
		return -JF_EPARSE;
	if (v > size || (v == size && !end_ok))
		return -JF_ENOTFOUND;
	*out = (int)v;
	return 0;
}

/* Returns the child of n named by tok, or NULL. */
static cJSON *child_of(cJSON *n, const char *tok)
{
	int i;

	if (cJSON_IsObject(n))
		return cJSON_GetObjectItemCaseSensitive(n, tok);
	if (cJSON_IsArray(n) &&
	    parse_index(tok, cJSON_GetArraySize(n), false, &i) == 0)
		return cJSON_GetArrayItem(n, i);
	return NULL;
}

/* Walks the first upto tokens of p from root. */
static cJSON *walk(cJSON *root, const struct ptr *p, int upto)
{
	cJSON *n = root;

	for (int i = 0; n && i < upto; i++)
		n = child_of(n, p->tok[i]);
	return n;
}

cJSON *jf_json_pointer(cJSON *root, const char *ptr)
{
	struct ptr p;
	cJSON *n;

	if (!root || !ptr || ptr_parse(ptr, &p))
		return NULL;
	n = walk(root, &p, p.ntok);
	ptr_release(&p);
	return n;
}

/* Estimated size in bytes of n (node overhead, keys, strings); stops
 * counting at limit. depth is the nesting of n in its document; a value
 * deeper than JF_JSON_MAX_DEPTH sets *too_deep. */
static size_t measure(const cJSON *n, int depth, size_t limit, bool *too_deep)
{
	size_t sz = 16;
	const cJSON *c;

	if (depth > JF_JSON_MAX_DEPTH) {
		*too_deep = true;
		return sz;
	}
	if (n->string)
		sz += strlen(n->string);
	if (cJSON_IsString(n) && n->valuestring)
		sz += strlen(n->valuestring);
	for (c = n->child; c && sz <= limit && !*too_deep; c = c->next)
		sz += measure(c, depth + 1, limit - sz, too_deep);
	return sz;
}

/* Accounts for a value about to be placed at depth `depth` (the number of
 * tokens of its path). Returns 0, -JF_ETOOBIG or -JF_EDEPTH. */
static int budget_add(struct budget *b, const cJSON *v, int depth,
		      struct jf_errmsg *e, const char *ctx)
{
	bool too_deep = false;
	size_t sz = measure(v, depth, JF_JSONPATCH_MAX_BYTES + 1, &too_deep);

	if (too_deep)
		return jf_errf(e, -JF_EDEPTH,
			       "%s: result nested deeper than %d", ctx,
			       JF_JSON_MAX_DEPTH);
	b->size += sz;
	if (b->size > JF_JSONPATCH_MAX_BYTES)
		return jf_errf(e, -JF_ETOOBIG,
			       "%s: result larger than %u bytes", ctx,
			       JF_JSONPATCH_MAX_BYTES);
	return 0;
}

static void budget_sub(struct budget *b, const cJSON *v)
{
	bool too_deep = false;
	size_t sz = measure(v, 0, (size_t)-1 / 2, &too_deep);

	b->size = sz < b->size ? b->size - sz : 0;
}

/* Detaches the node at p (which must have at least one token). */
static cJSON *detach(cJSON *root, const struct ptr *p)
{
	cJSON *parent = walk(root, p, p->ntok - 1);
	cJSON *n;

	if (!parent)
		return NULL;
	n = child_of(parent, p->tok[p->ntok - 1]);
	return n ? cJSON_DetachItemViaPointer(parent, n) : NULL;
}

/* Drops the member name a node carries from an object it was detached
 * from, before it goes into an array or becomes the root. */
static void clear_key(cJSON *v)
{
	if (v->string && !(v->type & cJSON_StringIsConst))
		cJSON_free(v->string);
	v->string = NULL;
	v->type &= ~cJSON_StringIsConst;
}

/* Inserts v before the element at idx (appends when idx is the size).
 * Done by hand: the Debian build of cJSON 1.7.15 (1.7.15-1+deb12u4)
 * refuses cJSON_InsertItemInArray() anywhere but at 0 or the end. */
static void array_insert(cJSON *arr, int idx, cJSON *v)
{
	cJSON *after = cJSON_GetArrayItem(arr, idx);

	if (!after) {
		cJSON_AddItemToArray(arr, v);
		return;
	}
	v->next = after;
	v->prev = after->prev;
	if (after == arr->child)
		arr->child = v;
	else
		after->prev->next = v;
	after->prev = v;
}

/* Puts v (taken over, even on failure) at p: RFC 6902 "add" rules, or
 * "replace" rules (the target must exist and is overwritten) when replace
 * is set. *root changes when p is "". */
static int put_at(cJSON **root, const struct ptr *p, cJSON *v, bool replace,
		  struct budget *b, struct jf_errmsg *e, const char *ctx)
{
	cJSON *parent, *old;
	const char *last;
	int err, idx;

	if (p->ntok == 0) {
		b->size = 0;
		err = budget_add(b, v, 0, e, ctx);
		if (err)
			goto out_free;
		clear_key(v);
		cJSON_Delete(*root);
		*root = v;
		return 0;
	}
	err = budget_add(b, v, p->ntok, e, ctx);
	if (err)
		goto out_free;
	parent = walk(*root, p, p->ntok - 1);
	last = p->tok[p->ntok - 1];
	if (cJSON_IsObject(parent)) {
		old = cJSON_GetObjectItemCaseSensitive(parent, last);
		if (!old && replace)
			goto out_notfound;
		if (!old) {
			cJSON_AddItemToObject(parent, last, v);
			return v->string ? 0 : -ENOMEM;
		}
		budget_sub(b, old);
		if (!cJSON_ReplaceItemInObjectCaseSensitive(parent, last, v)) {
			err = -ENOMEM;
			goto out_free;
		}
		return 0;
	}
	if (cJSON_IsArray(parent)) {
		err = parse_index(last, cJSON_GetArraySize(parent), !replace,
				  &idx);
		if (err == -JF_ENOTFOUND && replace)
			goto out_notfound;
		if (err) {
			jf_errf(e, err, "%s: %s array index '%.64s'", ctx,
				err == -JF_EPARSE ? "invalid" : "out of range",
				last);
			goto out_free;
		}
		clear_key(v);
		if (replace) {
			budget_sub(b, cJSON_GetArrayItem(parent, idx));
			if (!cJSON_ReplaceItemInArray(parent, idx, v)) {
				err = -ENOMEM;
				goto out_free;
			}
			return 0;
		}
		array_insert(parent, idx, v);
		return 0;
	}
out_notfound:
	err = jf_errf(e, -JF_ENOTFOUND, "%s: path not found", ctx);
out_free:
	cJSON_Delete(v);
	return err;
}

static const char *op_str(const cJSON *op, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(op, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* True when pointer a is a proper prefix of pointer b ("/a" of "/a/b"). */
static bool is_proper_prefix(const char *a, const char *b)
{
	size_t n = strlen(a);

	return strncmp(a, b, n) == 0 && b[n] == '/';
}

/* Applies one operation to *root. ctx is "op N (name path)". */
static int apply_op(cJSON **root, const cJSON *op, enum op_kind kind,
		    const char *path, struct budget *b, struct jf_errmsg *e,
		    const char *ctx)
{
	const cJSON *value = cJSON_GetObjectItemCaseSensitive(op, "value");
	const char *from = op_str(op, "from");
	struct ptr p, f = {0};
	cJSON *n, *v;
	int err;

	if (ptr_parse(path, &p))
		return jf_errf(e, -JF_EPARSE, "%s: invalid pointer", ctx);
	if ((kind == OP_ADD || kind == OP_REPLACE || kind == OP_TEST) &&
	    !value) {
		err = jf_errf(e, -JF_EPARSE, "%s: missing 'value'", ctx);
		goto out;
	}
	if (kind == OP_MOVE || kind == OP_COPY) {
		if (!from) {
			err = jf_errf(e, -JF_EPARSE, "%s: missing 'from'", ctx);
			goto out;
		}
		if (ptr_parse(from, &f)) {
			err = jf_errf(e, -JF_EPARSE,
				      "%s: invalid 'from' pointer '%.128s'",
				      ctx, from);
			goto out;
		}
	}
	switch (kind) {
	case OP_ADD:
		v = jf_json_dup(value);
		err = v ? put_at(root, &p, v, false, b, e, ctx) : -ENOMEM;
		break;
	case OP_REMOVE:
		if (p.ntok == 0) {
			err = jf_errf(e, -JF_EPARSE,
				      "%s: cannot remove the whole document",
				      ctx);
			break;
		}
		n = detach(*root, &p);
		if (!n) {
			err = jf_errf(e, -JF_ENOTFOUND, "%s: path not found",
				      ctx);
			break;
		}
		budget_sub(b, n);
		cJSON_Delete(n);
		err = 0;
		break;
	case OP_REPLACE:
		v = jf_json_dup(value);
		err = v ? put_at(root, &p, v, true, b, e, ctx) : -ENOMEM;
		break;
	case OP_MOVE:
		if (strcmp(from, path) == 0) {
			err = walk(*root, &f, f.ntok) ? 0 : -JF_ENOTFOUND;
			if (err)
				jf_errf(e, err, "%s: from path not found", ctx);
			break;
		}
		if (f.ntok == 0 || is_proper_prefix(from, path)) {
			err = jf_errf(e, -JF_EPARSE,
				      "%s: cannot move a value into itself",
				      ctx);
			break;
		}
		n = detach(*root, &f);
		if (!n) {
			err = jf_errf(e, -JF_ENOTFOUND,
				      "%s: from path not found", ctx);
			break;
		}
		budget_sub(b, n);
		err = put_at(root, &p, n, false, b, e, ctx);
		break;
	case OP_COPY:
		n = walk(*root, &f, f.ntok);
		if (!n) {
			err = jf_errf(e, -JF_ENOTFOUND,
				      "%s: from path not found", ctx);
			break;
		}
		v = jf_json_dup(n);
		if (!v) {
			err = -ENOMEM;
			break;
		}
		{
			bool deep = false;

			b->work += measure(v, 0, JF_JSONPATCH_MAX_BYTES + 1,
					   &deep);
		}
		if (b->work > JF_JSONPATCH_MAX_WORK) {
			cJSON_Delete(v);
			err = jf_errf(e, -JF_ETOOBIG,
				      "%s: copies exceed %u bytes in total",
				      ctx, JF_JSONPATCH_MAX_WORK);
			break;
		}
		err = put_at(root, &p, v, false, b, e, ctx);
		break;
	case OP_TEST:
		n = walk(*root, &p, p.ntok);
		if (!n)
			err = jf_errf(e, -JF_ENOTFOUND, "%s: path not found",
				      ctx);
		else if (!jf_json_equal(n, value))
			err = jf_errf(e, -JF_ECONFLICT, "%s: test failed", ctx);
		else
			err = 0;
		break;
	default:
		err = -JF_EPARSE;
	}
out:
	ptr_release(&f);
	ptr_release(&p);
	return err;
}

/* RFC 6902 A.13: an operation naming "op", "path", "from" or "value"
 * twice is ambiguous; it is rejected rather than read either way. */
static const char *dup_member(const cJSON *op)
{
	static const char *const keys[] = {"op", "path", "from", "value"};
	const cJSON *m;

	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		int n = 0;

		cJSON_ArrayForEach (m, op) {
			if (m->string && strcmp(m->string, keys[k]) == 0)
				n++;
		}
		if (n > 1)
			return keys[k];
	}
	return NULL;
}

static int op_kind_of(const char *name)
{
	for (size_t i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++) {
		if (strcmp(name, op_names[i]) == 0)
			return (int)i;
	}
	return -1;
}

int jf_json_patch_apply(cJSON **doc, const cJSON *ops, struct jf_errmsg *e)
{
	struct budget b = {0, 0};
	bool too_deep = false;
	const cJSON *op;
	cJSON *work;
	char ctx[224];
	int i = 0, err;

	if (!doc || !*doc)
		return jf_errf(e, -EINVAL, "json patch: no document");
	if (!cJSON_IsArray(ops))
		return jf_errf(e, -JF_EPARSE,
			       "json patch: expected an array of operations, "
			       "got %s",
			       jf_json_type_name(ops));
	if (cJSON_GetArraySize(ops) > JF_JSONPATCH_MAX_OPS)
		return jf_errf(e, -JF_ETOOBIG,
			       "json patch: more than %d operations",
			       JF_JSONPATCH_MAX_OPS);
	b.size = measure(*doc, 0, JF_JSONPATCH_MAX_BYTES + 1, &too_deep);
	if (too_deep)
		return jf_errf(e, -JF_EDEPTH,
			       "json patch: document nested deeper than %d",
			       JF_JSON_MAX_DEPTH);
	work = jf_json_dup(*doc);
	if (!work)
		return -ENOMEM;
	cJSON_ArrayForEach (op, ops) {
		const char *name = op_str(op, "op");
		const char *path = op_str(op, "path");
		int kind;

		if (!cJSON_IsObject(op)) {
			err = jf_errf(e, -JF_EPARSE,
				      "op %d: expected an object, got %s", i,
				      jf_json_type_name(op));
			goto out_free;
		}
		if (dup_member(op)) {
			err = jf_errf(e, -JF_EPARSE, "op %d: duplicate '%s'", i,
				      dup_member(op));
			goto out_free;
		}
		if (!name) {
			err = jf_errf(e, -JF_EPARSE, "op %d: missing 'op'", i);
			goto out_free;
		}
		kind = op_kind_of(name);
		if (kind < 0) {
			err = jf_errf(e, -JF_EPARSE,
				      "op %d: unknown op '%.32s'", i, name);
			goto out_free;
		}
		if (!path) {
			err = jf_errf(e, -JF_EPARSE,
				      "op %d (%s): missing 'path'", i, name);
			goto out_free;
		}
		if (kind == OP_MOVE || kind == OP_COPY)
			snprintf(ctx, sizeof(ctx), "op %d (%s %.80s -> %.80s)",
				 i, name,
				 op_str(op, "from") ? op_str(op, "from") : "?",
				 path);
		else
			snprintf(ctx, sizeof(ctx), "op %d (%s %.160s)", i, name,
				 path);
		err = apply_op(&work, op, (enum op_kind)kind, path, &b, e, ctx);
		if (err)
			goto out_free;
		i++;
	}
	cJSON_Delete(*doc);
	*doc = work;
	return 0;
out_free:
	cJSON_Delete(work);
	return err;
}
