/* util.c - jobflowctl's small helpers: messages, colours, durations,
 * file reading, indented JSON and request ids. */
#include "ctl/ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jf_time.h"

int ctl_fail(struct ctl *c, const char *what, const char *subject,
	     const char *fmt, ...)
{
	va_list ap;

	fflush(c->out);
	fprintf(c->err, "%s: %s '%s': ", c->prog, what, subject);
	va_start(ap, fmt);
	vfprintf(c->err, fmt, ap);
	va_end(ap);
	fputc('\n', c->err);
	return CTL_FAIL;
}

int ctl_usage_error(struct ctl *c, const char *cmd, const char *fmt, ...)
{
	va_list ap;

	if (!cmd)
		cmd = c->cmd;
	fprintf(c->err, "%s: ", c->prog);
	va_start(ap, fmt);
	vfprintf(c->err, fmt, ap);
	va_end(ap);
	fprintf(c->err, "\nRun '%s%s%s --help' for usage.\n", c->prog,
		cmd ? " " : "", cmd ? cmd : "");
	return CTL_USAGE;
}

int ctl_one_arg(struct ctl *c, int rc, int npos, const char *what)
{
	if (rc || npos == 1)
		return rc;
	return npos ? ctl_usage_error(c, NULL, "too many arguments")
		    : ctl_usage_error(c, NULL, "missing %s", what);
}

void ctl_colored(const struct ctl_style *st, struct jf_buf *b, const char *code,
		 const char *s)
{
	if (st->color && code && *code)
		jf_buf_printf(b, "\033[%sm%s\033[0m", code, s);
	else
		jf_buf_puts(b, s);
}

char *ctl_fmt_dur(int64_t ms, char *buf, size_t cap)
{
	int64_t s = ms < 0 ? 0 : ms / 1000;
	int64_t d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60;

	s %= 60;
	if (d)
		snprintf(buf, cap, "%lldd%lldh", (long long)d, (long long)h);
	else if (h)
		snprintf(buf, cap, "%lldh%lldm", (long long)h, (long long)m);
	else if (m)
		snprintf(buf, cap, "%lldm%llds", (long long)m, (long long)s);
	else
		snprintf(buf, cap, "%llds", (long long)s);
	return buf;
}

int ctl_read_file(const char *path, size_t max, char **out, size_t *len)
{
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
	struct jf_buf b;
	char chunk[65536];
	ssize_t n;
	int err = 0;

	*out = NULL;
	if (fd < 0)
		return -errno;
	jf_buf_init(&b, max);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		err = jf_buf_append(&b, chunk, (size_t)n);
		if (err)
			break;
	}
	if (fd > 0)
		close(fd);
	if (err) {
		jf_buf_release(&b);
		return err;
	}
	*len = b.len;
	*out = jf_buf_steal(&b);
	return *out ? 0 : -ENOMEM;
}

static void pretty(const cJSON *n, struct jf_buf *b, int depth)
{
	const cJSON *c;
	char *s;

	if (cJSON_IsObject(n) || cJSON_IsArray(n)) {
		bool obj = cJSON_IsObject(n);

		if (!n->child) {
			jf_buf_puts(b, obj ? "{}" : "[]");
			return;
		}
		jf_buf_putc(b, obj ? '{' : '[');
		cJSON_ArrayForEach (c, n) {
			jf_buf_printf(b, "\n%*s", 4 * (depth + 1), "");
			if (obj) {
				cJSON key = {.type = cJSON_String,
					     .valuestring = c->string};

				s = cJSON_PrintUnformatted(&key);
				jf_buf_printf(b, "%s: ", s ? s : "\"\"");
				free(s);
			}
			pretty(c, b, depth + 1);
			if (c->next)
				jf_buf_putc(b, ',');
		}
		jf_buf_printf(b, "\n%*s%c", 4 * depth, "", obj ? '}' : ']');
		return;
	}
	s = cJSON_PrintUnformatted(n);
	jf_buf_puts(b, s ? s : "null");
	free(s);
}

int ctl_json_pretty(const cJSON *n, struct jf_buf *b)
{
	pretty(n, b, 0);
	return jf_buf_putc(b, '\n');
}

int ctl_write(struct ctl *c, FILE *f, const struct jf_buf *b)
{
	if (b->len && fwrite(b->data, 1, b->len, f) != b->len)
		return CTL_FAIL;
	return fflush(f) ? CTL_FAIL : CTL_OK;
}

void ctl_unique_id(char *buf, size_t cap)
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	unsigned char rnd[4] = {0};
	char t[16], *p = t + sizeof(t);
	uint64_t ms = (uint64_t)jf_now_ms();
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (read(fd, rnd, sizeof(rnd)) != (ssize_t)sizeof(rnd))
			memset(rnd, 0, sizeof(rnd));
		close(fd);
	}
	if (!rnd[0] && !rnd[1] && !rnd[2] && !rnd[3]) {
		uint32_t x = (uint32_t)(jf_rand_unit() * 4294967295.0) ^
			     (uint32_t)getpid();

		memcpy(rnd, &x, sizeof(rnd));
	}
	*--p = '\0';
	do {
		*--p = digits[ms % 36];
		ms /= 36;
	} while (ms);
	snprintf(buf, cap, "%s-%02x%02x%02x%02x", p, rnd[0], rnd[1], rnd[2],
		 rnd[3]);
}
