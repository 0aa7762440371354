/* value.c - runtime values of the expression language: the evaluation
 * arena, conversion from and to JSON, deep equality, ordering, size
 * accounting and text rendering. */
#include "expr_int.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"

const char *const xk_names[XK__N + 1] = {
	[XK_NULL] = "null",	[XK_BOOL] = "bool",	[XK_INT] = "int",
	[XK_DOUBLE] = "double", [XK_STRING] = "string", [XK_LIST] = "list",
	[XK_OBJECT] = "object", [XK_ANY] = "any",
};

/* --- arena ----------------------------------------------------------------*/

struct arena_chunk {
	struct arena_chunk *next;
	size_t size; /* keeps data 16-byte aligned on 64-bit systems */
	char data[];
};

#define ARENA_CHUNK 4096

void arena_init(struct arena *a)
{
	memset(a, 0, sizeof(*a));
}

void arena_release(struct arena *a)
{
	struct arena_chunk *c = a->head, *next;

	for (; c; c = next) {
		next = c->next;
		free(c);
	}
	memset(a, 0, sizeof(*a));
}

void *arena_alloc(struct arena *a, size_t n)
{
	struct arena_chunk *c;
	size_t size;
	void *p;

	if (n > EXPR_ARENA_MAX)
		return NULL;
	n = n ? (n + 15) & ~(size_t)15 : 16;
	if (n <= a->left) {
		p = a->cur;
		a->cur += n;
		a->left -= n;
		return p;
	}
	size = n > ARENA_CHUNK ? n : ARENA_CHUNK;
	if (a->total + size > EXPR_ARENA_MAX)
		return NULL;
	c = malloc(sizeof(*c) + size);
	if (!c)
		return NULL;
	c->next = a->head;
	c->size = size;
	a->head = c;
	a->total += size;
	a->cur = c->data + n;
	a->left = size - n;
	return c->data;
}

void *ectx_alloc(struct ectx *c, size_t n, uint32_t off)
{
	void *p = arena_alloc(&c->ar, n);

	if (!p)
		xerr_set(c->er, -JF_EEVAL, off,
			 "evaluation needs more than %u bytes of memory",
			 EXPR_ARENA_MAX);
	return p;
}

/* --- JSON in, lists -------------------------------------------------------*/

void xv_from_json(const cJSON *n, struct xval *v)
{
	memset(v, 0, sizeof(*v));
	switch (n ? n->type & 0xFF : cJSON_NULL) {
	case cJSON_True:
	case cJSON_False:
		v->k = XK_BOOL;
		v->u.b = cJSON_IsTrue(n);
		break;
	case cJSON_Number:
		if (jf_json_is_int(n)) {
			v->k = XK_INT;
			v->u.i = (int64_t)n->valuedouble;
		} else {
			v->k = XK_DOUBLE;
			v->u.d = n->valuedouble;
		}
		break;
	case cJSON_String:
		v->k = XK_STRING;
		v->u.s.p = n->valuestring ? n->valuestring : "";
		v->u.s.n = strlen(v->u.s.p);
		break;
	case cJSON_Array:
		v->k = XK_LIST;
		v->u.json = n;
		break;
	case cJSON_Object:
		v->k = XK_OBJECT;
		v->u.json = n;
		break;
	default:
		v->k = XK_NULL;
	}
}

size_t xv_list_len(const struct xval *v)
{
	size_t n = 0;

	if (v->built)
		return v->u.list->n;
	for (const cJSON *c = v->u.json->child; c; c = c->next)
		n++;
	return n;
}

void xiter_init(struct xiter *it, const struct xval *list)
{
	it->list = list;
	it->i = 0;
	it->cur = list->built ? NULL : list->u.json->child;
}

bool xiter_next(struct xiter *it, struct xval *out)
{
	if (it->list->built) {
		if (it->i >= it->list->u.list->n)
			return false;
		*out = it->list->u.list->items[it->i++];
		return true;
	}
	if (!it->cur)
		return false;
	xv_from_json(it->cur, out);
	it->cur = it->cur->next;
	it->i++;
	return true;
}

/* --- weight ---------------------------------------------------------------*/

static size_t json_weight(const cJSON *n, size_t limit, int depth)
{
	size_t w = 8;

	if (depth > EXPR_JSON_DEPTH)
		return limit + 1;
	if (n->string)
		w += strlen(n->string) + 3;
	if (cJSON_IsString(n) && n->valuestring)
		w += strlen(n->valuestring) + 2;
	for (const cJSON *c = n->child; c && w <= limit; c = c->next)
		w += json_weight(c, limit - w + 1, depth + 1);
	return w;
}

size_t xv_weight(const struct xval *v, size_t limit)
{
	switch (v->k) {
	case XK_STRING:
		return v->u.s.n + 2;
	case XK_LIST:
		if (v->built)
			return v->u.list->weight;
		/* fall through */
	case XK_OBJECT:
		return json_weight(v->u.json, limit, 0);
	default:
		return 8;
	}
}

/* --- comparison -----------------------------------------------------------*/

static int cmp_int_double(int64_t i, double d)
{
	double t;
	int64_t ti;

	if (d >= 9223372036854775808.0)
		return -1;
	if (d < -9223372036854775808.0)
		return 1;
	t = trunc(d);
	ti = (int64_t)t;
	if (i != ti)
		return i < ti ? -1 : 1;
	if (d > t)
		return -1;
	return d < t ? 1 : 0;
}

static bool is_num(int k)
{
	return k == XK_INT || k == XK_DOUBLE;
}

static int cmp_num(const struct xval *a, const struct xval *b)
{
	if (a->k == XK_INT && b->k == XK_INT)
		return (a->u.i > b->u.i) - (a->u.i < b->u.i);
	if (a->k == XK_DOUBLE && b->k == XK_DOUBLE)
		return (a->u.d > b->u.d) - (a->u.d < b->u.d);
	if (a->k == XK_INT)
		return cmp_int_double(a->u.i, b->u.d);
	return -cmp_int_double(b->u.i, a->u.d);
}

int xv_order(const struct xval *a, const struct xval *b)
{
	size_t n;
	int r;

	if (is_num(a->k))
		return cmp_num(a, b);
	if (a->k == XK_BOOL)
		return (int)a->u.b - (int)b->u.b;
	n = a->u.s.n < b->u.s.n ? a->u.s.n : b->u.s.n;
	r = memcmp(a->u.s.p, b->u.s.p, n);
	if (r)
		return r < 0 ? -1 : 1;
	return (a->u.s.n > b->u.s.n) - (a->u.s.n < b->u.s.n);
}

static int cmp_key(const void *x, const void *y)
{
	const cJSON *a = *(const cJSON *const *)x;
	const cJSON *b = *(const cJSON *const *)y;

	return strcmp(a->string ? a->string : "", b->string ? b->string : "");
}

static int eq_rec(struct ectx *c, const struct xval *a, const struct xval *b,
		  uint32_t off, int depth, bool *out);

static int eq_json(struct ectx *c, const cJSON *x, const cJSON *y, uint32_t off,
		   int depth, bool *out)
{
	struct xval a, b;

	xv_from_json(x, &a);
	xv_from_json(y, &b);
	return eq_rec(c, &a, &b, off, depth, out);
}

/* Objects with up to this many members are compared pairwise. */
#define EQ_SMALL_OBJECT 16

static int eq_object(struct ectx *c, const cJSON *x, const cJSON *y,
		     uint32_t off, int depth, bool *out)
{
	size_t nx = 0, ny = 0, i = 0;
	const cJSON *m, **sx, **sy;
	int err;

	*out = false;
	cJSON_ArrayForEach (m, x)
		nx++;
	cJSON_ArrayForEach (m, y)
		ny++;
	if (nx != ny)
		return 0;
	if (nx <= EQ_SMALL_OBJECT) {
		cJSON_ArrayForEach (m, x) {
			const cJSON *o =
				cJSON_GetObjectItemCaseSensitive(y, m->string);

			if (!o)
				return 0;
			err = eq_json(c, m, o, off, depth + 1, out);
			if (err || !*out)
				return err;
		}
		*out = true;
		return 0;
	}
	sx = ectx_alloc(c, 2 * nx * sizeof(*sx), off);
	if (!sx)
		return c->er->code;
	sy = sx + nx;
	cJSON_ArrayForEach (m, x)
		sx[i++] = m;
	i = 0;
	cJSON_ArrayForEach (m, y)
		sy[i++] = m;
	qsort(sx, nx, sizeof(*sx), cmp_key);
	qsort(sy, nx, sizeof(*sy), cmp_key);
	for (i = 0; i < nx; i++) {
		if (cmp_key(&sx[i], &sy[i]))
			return 0;
		err = eq_json(c, sx[i], sy[i], off, depth + 1, out);
		if (err || !*out)
			return err;
	}
	*out = true;
	return 0;
}

static int eq_rec(struct ectx *c, const struct xval *a, const struct xval *b,
		  uint32_t off, int depth, bool *out)
{
	struct xiter ia, ib;
	struct xval ea, eb;
	int err;

	if (depth > EXPR_JSON_DEPTH)
		return xerr_set(c->er, -JF_EEVAL, off,
				"value is nested deeper than %d levels",
				EXPR_JSON_DEPTH);
	*out = false;
	if (is_num(a->k) && is_num(b->k)) {
		*out = cmp_num(a, b) == 0;
		return 0;
	}
	if (a->k != b->k)
		return 0;
	switch (a->k) {
	case XK_NULL:
		*out = true;
		return 0;
	case XK_BOOL:
		*out = a->u.b == b->u.b;
		return 0;
	case XK_STRING:
		*out = a->u.s.n == b->u.s.n &&
		       !memcmp(a->u.s.p, b->u.s.p, a->u.s.n);
		return 0;
	case XK_LIST:
		if (!a->built && !b->built && a->u.json == b->u.json) {
			*out = true;
			return 0;
		}
		if (xv_list_len(a) != xv_list_len(b))
			return 0;
		xiter_init(&ia, a);
		xiter_init(&ib, b);
		while (xiter_next(&ia, &ea) && xiter_next(&ib, &eb)) {
			err = eq_rec(c, &ea, &eb, off, depth + 1, out);
			if (err || !*out)
				return err;
		}
		*out = true;
		return 0;
	default: /* XK_OBJECT */
		if (a->u.json == b->u.json) {
			*out = true;
			return 0;
		}
		return eq_object(c, a->u.json, b->u.json, off, depth, out);
	}
}

int xv_equal(struct ectx *c, const struct xval *a, const struct xval *b,
	     uint32_t off, bool *out)
{
	return eq_rec(c, a, b, off, 0, out);
}

/* --- JSON out -------------------------------------------------------------*/

int xv_to_json(struct ectx *c, const struct xval *v, uint32_t off, cJSON **out)
{
	cJSON *arr, *el;
	int err;

	*out = NULL;
	switch (v->k) {
	case XK_NULL:
		*out = cJSON_CreateNull();
		break;
	case XK_BOOL:
		*out = cJSON_CreateBool(v->u.b);
		break;
	case XK_INT:
		if (v->u.i > EXPR_INT_JSON_LIMIT ||
		    v->u.i < -EXPR_INT_JSON_LIMIT)
			return xerr_set(c->er, -JF_EEVAL, off,
					"integer %lld is outside the range a "
					"JSON number holds exactly (+-2^53)",
					(long long)v->u.i);
		*out = cJSON_CreateNumber((double)v->u.i);
		break;
	case XK_DOUBLE:
		*out = cJSON_CreateNumber(v->u.d);
		break;
	case XK_STRING:
		*out = cJSON_CreateString(v->u.s.p);
		break;
	case XK_LIST:
		if (!v->built) {
			*out = jf_json_dup(v->u.json);
			break;
		}
		arr = cJSON_CreateArray();
		if (!arr)
			break;
		for (size_t i = 0; i < v->u.list->n; i++) {
			err = xv_to_json(c, &v->u.list->items[i], off, &el);
			if (err) {
				cJSON_Delete(arr);
				return err;
			}
			cJSON_AddItemToArray(arr, el);
		}
		*out = arr;
		break;
	default:
		*out = jf_json_dup(v->u.json);
	}
	if (!*out)
		return xerr_set(c->er, -ENOMEM, off, "out of memory");
	return 0;
}

/* --- text out -------------------------------------------------------------*/

static int put_json_string(struct jf_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	int err = jf_buf_putc(b, '"');
	size_t run = 0;

	for (size_t i = 0; !err && i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		char esc[7] = {'\\', 0, 0, 0, 0, 0, 0};

		if (ch >= 0x20 && ch != '"' && ch != '\\') {
			run++;
			continue;
		}
		err = jf_buf_append(b, s + i - run, run);
		run = 0;
		switch (ch) {
		case '"':
		case '\\':
			esc[1] = (char)ch;
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[ch >> 4];
			esc[5] = hex[ch & 15];
		}
		if (!err)
			err = jf_buf_puts(b, esc);
	}
	if (!err)
		err = jf_buf_append(b, s + n - run, run);
	return err ? err : jf_buf_putc(b, '"');
}

static int render_rec(struct ectx *c, struct jf_buf *b, const struct xval *v,
		      bool top, int depth)
{
	char num[32];
	struct xiter it;
	struct xval el;
	const cJSON *m;
	int err = 0;
	bool first = true;

	if (depth > EXPR_JSON_DEPTH)
		return -JF_EDEPTH;
	switch (v->k) {
	case XK_NULL:
		return jf_buf_puts(b, "null");
	case XK_BOOL:
		return jf_buf_puts(b, v->u.b ? "true" : "false");
	case XK_INT:
		return jf_buf_append(b, num, num_fmt_int(v->u.i, num));
	case XK_DOUBLE:
		return jf_buf_append(b, num, num_fmt_double(v->u.d, num));
	case XK_STRING:
		if (top)
			return jf_buf_append(b, v->u.s.p, v->u.s.n);
		return put_json_string(b, v->u.s.p, v->u.s.n);
	case XK_LIST:
		err = jf_buf_putc(b, '[');
		xiter_init(&it, v);
		while (!err && xiter_next(&it, &el)) {
			if (!first)
				err = jf_buf_putc(b, ',');
			first = false;
			if (!err)
				err = render_rec(c, b, &el, false, depth + 1);
		}
		return err ? err : jf_buf_putc(b, ']');
	default:
		err = jf_buf_putc(b, '{');
		for (m = v->u.json->child; !err && m; m = m->next) {
			const char *k = m->string ? m->string : "";

			if (!first)
				err = jf_buf_putc(b, ',');
			first = false;
			if (!err)
				err = put_json_string(b, k, strlen(k));
			if (!err)
				err = jf_buf_putc(b, ':');
			xv_from_json(m, &el);
			if (!err)
				err = render_rec(c, b, &el, false, depth + 1);
		}
		return err ? err : jf_buf_putc(b, '}');
	}
}

int xv_render(struct ectx *c, struct jf_buf *b, const struct xval *v, bool top,
	      uint32_t off)
{
	int err = render_rec(c, b, v, top, 0);

	if (err == -JF_ETOOBIG)
		return xerr_set(c->er, -JF_EEVAL, off,
				"rendered text is longer than %zu bytes",
				b->max);
	if (err == -JF_EDEPTH)
		return xerr_set(c->er, -JF_EEVAL, off,
				"value is nested deeper than %d levels",
				EXPR_JSON_DEPTH);
	if (err)
		return xerr_set(c->er, err, off, "out of memory");
	return 0;
}
