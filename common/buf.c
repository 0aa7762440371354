/* buf.c - growable, capped byte buffer (jf_buf.h). */
#include "jf_buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_err.h"

void jf_buf_init(struct jf_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max ? max : JF_BUF_DEFAULT_MAX;
}

void jf_buf_release(struct jf_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void jf_buf_reset(struct jf_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

static int buf_reserve(struct jf_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (!b->max)
		b->max = JF_BUF_DEFAULT_MAX;
	if (extra > b->max || b->len > b->max - extra)
		return -JF_ETOOBIG;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	if (cap > b->max + 1)
		cap = b->max + 1;
	p = realloc(b->data, cap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int jf_buf_append(struct jf_buf *b, const void *p, size_t n)
{
	int err = buf_reserve(b, n);

	if (err)
		return err;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int jf_buf_puts(struct jf_buf *b, const char *s)
{
	return jf_buf_append(b, s, strlen(s));
}

int jf_buf_putc(struct jf_buf *b, char c)
{
	return jf_buf_append(b, &c, 1);
}

int jf_buf_vprintf(struct jf_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n, err;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return -EINVAL;
	err = buf_reserve(b, (size_t)n);
	if (err)
		return err;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int jf_buf_printf(struct jf_buf *b, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = jf_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return err;
}

void jf_buf_consume(struct jf_buf *b, size_t n)
{
	if (n >= b->len) {
		jf_buf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	b->data[b->len] = '\0';
}

char *jf_buf_steal(struct jf_buf *b)
{
	char *p = b->data;

	if (!p)
		return strdup("");
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}
