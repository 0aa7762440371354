/* tmpl.c - "{{ expr }}" placeholders in strings: finding them (the lexer
 * decides where an expression ends, so "}}" inside a string literal does
 * not close it), checking, rendering to text and to a typed JSON value. */
#include "expr_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

bool jf_tmpl_has(const char *s)
{
	return s && strstr(s, "{{") != NULL;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Offset of the first "}}" at or after i, or len. (Not strstr(): its
 * sanitizer interceptor reads the whole rest of the string each time.) */
static size_t next_close(const char *s, size_t len, size_t i)
{
	for (; i + 1 < len; i++) {
		if (s[i] == '}' && s[i + 1] == '}')
			return i;
	}
	return len;
}

/* Finds the "}}" closing the placeholder opened at s[open]; *end is its
 * offset. Errors are relative to s. */
static int find_close(const char *s, size_t len, size_t open, size_t *end,
		      struct xerr *er)
{
	struct jf_buf pool;
	struct lexer lx;
	struct token t;
	size_t next = next_close(s, len, open + 2), i;
	int err = 0;

	jf_buf_init(&pool, 0);
	lx.src = s;
	lx.len = len;
	lx.pos = open + 2;
	lx.pool = &pool;
	for (;;) {
		for (i = lx.pos; i < len && is_space(s[i]); i++)
			;
		if (i + 1 < len && s[i] == '}' && s[i + 1] == '}') {
			*end = i;
			break;
		}
		/* the next "}}" at or after i, searched forward only once */
		if (next < i)
			next = next_close(s, len, i);
		if (i >= len || next >= len) {
			err = xerr_set(er, -JF_EPARSE, (uint32_t)open,
				       "unclosed '{{'");
			break;
		}
		if (i - open - 2 > JF_EXPR_MAX_LEN) {
			err = xerr_set(er, -JF_EPARSE, (uint32_t)open,
				       "placeholder is longer than %d bytes",
				       JF_EXPR_MAX_LEN);
			break;
		}
		err = lex_next(&lx, &t, er);
		if (err)
			break;
		jf_buf_reset(&pool);
	}
	jf_buf_release(&pool);
	return err;
}

enum tmode {
	TM_CHECK,
	TM_TEXT
};

/* Walks s: literal text (with "\{{" unescaped) goes to out (TM_TEXT);
 * each placeholder is compiled and checked against types (TM_CHECK) or
 * evaluated in env and rendered (TM_TEXT). */
static int walk(const char *s, int mode, const cJSON *types, const cJSON *env,
		struct jf_buf *out, struct xerr *er, size_t *base)
{
	size_t len = strlen(s), i = 0, run = 0, end;
	struct jf_expr *x;
	struct ectx c;
	struct xval v;
	int err = 0, kind;

	*base = 0;
	while (!err && i < len) {
		if (s[i] == '\\' && s[i + 1] == '{' && s[i + 2] == '{') {
			if (mode == TM_TEXT)
				err = jf_buf_append(out, s + i - run, run) ||
				      jf_buf_puts(out, "{{");
			run = 0;
			i += 3;
			continue;
		}
		if (s[i] != '{' || s[i + 1] != '{') {
			run++;
			i++;
			continue;
		}
		if (mode == TM_TEXT && jf_buf_append(out, s + i - run, run)) {
			err = 1;
			break;
		}
		run = 0;
		err = find_close(s, len, i, &end, er);
		if (err)
			return err;
		*base = i + 2;
		err = expr_compile_n(s + i + 2, end - i - 2, &x, er);
		if (err)
			return err;
		if (mode == TM_CHECK) {
			if (types)
				err = expr_check_kind(x, types, &kind, er);
		} else {
			err = expr_eval_val(x, env, &c, er, &v);
			if (!err)
				err = xv_render(&c, out, &v, true,
						expr_start_off(x));
			arena_release(&c.ar);
		}
		jf_expr_free(x);
		if (err)
			return err;
		i = end + 2;
	}
	*base = 0;
	if (!err && mode == TM_TEXT)
		err = jf_buf_append(out, s + i - run, run);
	if (err)
		return xerr_set(er, -JF_EEVAL, 0,
				"rendered text is longer than %u bytes",
				JF_EXPR_MAX_VALUE);
	return 0;
}

int jf_tmpl_check(const char *s, const cJSON *types, struct jf_errmsg *e)
{
	struct xerr er = {0};
	size_t base;
	int err;

	if (!s)
		return 0;
	err = walk(s, TM_CHECK, types, NULL, NULL, &er, &base);

	return err ? xerr_report(e, &er, s, base) : 0;
}

int jf_tmpl_render(const char *s, const cJSON *env, char **out,
		   struct jf_errmsg *e)
{
	struct jf_buf b;
	struct xerr er = {0};
	size_t base;
	int err;

	*out = NULL;
	if (!jf_tmpl_has(s)) {
		*out = strdup(s ? s : "");
		return *out ? 0 : jf_errf(e, -ENOMEM, "out of memory");
	}
	jf_buf_init(&b, JF_EXPR_MAX_VALUE);
	err = walk(s, TM_TEXT, NULL, env, &b, &er, &base);
	if (err) {
		jf_buf_release(&b);
		return xerr_report(e, &er, s, base);
	}
	*out = jf_buf_steal(&b);
	return *out ? 0 : jf_errf(e, -ENOMEM, "out of memory");
}

/* When s is one placeholder between optional blanks, returns the offsets
 * of its expression in *start and *end. */
static bool whole_placeholder(const char *s, size_t *start, size_t *end)
{
	size_t len = strlen(s), a = 0, z = len, close;
	struct xerr er = {0};

	while (a < len && is_space(s[a]))
		a++;
	while (z > a && is_space(s[z - 1]))
		z--;
	if (z - a < 4 || s[a] != '{' || s[a + 1] != '{')
		return false;
	if (find_close(s, len, a, &close, &er) || close + 2 != z)
		return false;
	*start = a + 2;
	*end = close;
	return true;
}

int jf_tmpl_render_value(const char *s, const cJSON *env, cJSON **out,
			 struct jf_errmsg *e)
{
	struct jf_expr *x;
	size_t start, end;
	struct xerr er = {0};
	struct ectx c;
	struct xval v;
	char *text;
	int err;

	*out = NULL;
	if (!s || !whole_placeholder(s, &start, &end)) {
		err = jf_tmpl_render(s, env, &text, e);
		if (err)
			return err;
		*out = cJSON_CreateString(text);
		free(text);
		return *out ? 0 : jf_errf(e, -ENOMEM, "out of memory");
	}
	err = expr_compile_n(s + start, end - start, &x, &er);
	if (err)
		return xerr_report(e, &er, s, start);
	err = expr_eval_val(x, env, &c, &er, &v);
	if (!err)
		err = xv_to_json(&c, &v, expr_start_off(x), out);
	arena_release(&c.ar);
	jf_expr_free(x);
	return err ? xerr_report(e, &er, s, start) : 0;
}
