/* jf_buf.h - a growable byte buffer with a hard maximum size.
 *
 * The buffer is always NUL-terminated (len excludes the NUL). Appends that
 * would pass max fail with -JF_ETOOBIG and leave the buffer unchanged, so
 * every buffer fed from the network stays bounded.
 */
#ifndef JF_BUF_H
#define JF_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct jf_buf {
	char *data; /* NULL until the first append */
	size_t len;
	size_t cap;
	size_t max; /* 0 means JF_BUF_DEFAULT_MAX */
};

#define JF_BUF_DEFAULT_MAX (64u << 20)

/* Initialises an empty buffer that may grow to max bytes (0: default). */
void jf_buf_init(struct jf_buf *b, size_t max);

/* Frees the storage; the buffer is empty and reusable afterwards. */
void jf_buf_release(struct jf_buf *b);

/* Keeps the storage, drops the content. */
void jf_buf_reset(struct jf_buf *b);

/* Return 0, -ENOMEM or -JF_ETOOBIG. */
int jf_buf_append(struct jf_buf *b, const void *p, size_t n);
int jf_buf_puts(struct jf_buf *b, const char *s);
int jf_buf_putc(struct jf_buf *b, char c);
int jf_buf_printf(struct jf_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int jf_buf_vprintf(struct jf_buf *b, const char *fmt, va_list ap);

/* Removes the first n bytes (n <= len). */
void jf_buf_consume(struct jf_buf *b, size_t n);

/* Hands the storage to the caller (free() it); the buffer becomes empty.
 * Returns "" duplicated when nothing was appended; NULL only on ENOMEM. */
char *jf_buf_steal(struct jf_buf *b);

#endif /* JF_BUF_H */
