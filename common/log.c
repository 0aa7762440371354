/* log.c - JSON-lines logger: one object per line, level checked by the
 * caller's macro before any argument is evaluated. */
#include "jf_log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jf_time.h"

int jf_log_threshold = JF_LOG_INFO;

static const char *log_role = "jobflowd";
static int log_worker = -1;
static FILE *log_stream;
static char *log_path;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void jf_log_init(const char *role, int worker)
{
	log_role = role;
	log_worker = worker;
}

void jf_log_set_level(int level)
{
	jf_log_threshold = level;
}

int jf_log_set_level_name(const char *name)
{
	for (int i = 0; i < 4; i++) {
		if (strcmp(name, level_names[i]) == 0) {
			jf_log_threshold = i;
			return 0;
		}
	}
	if (strcmp(name, "warning") == 0) {
		jf_log_threshold = JF_LOG_WARN;
		return 0;
	}
	return -EINVAL;
}

void jf_log_set_stream(FILE *f)
{
	log_stream = f;
}

int jf_log_open(const char *path)
{
	FILE *f;

	if (!path) {
		if (log_stream && log_stream != stderr && log_path)
			fclose(log_stream);
		free(log_path);
		log_path = NULL;
		log_stream = NULL;
		return 0;
	}
	f = fopen(path, "ae");
	if (!f)
		return -errno;
	setvbuf(f, NULL, _IOLBF, 0);
	if (log_stream && log_path)
		fclose(log_stream);
	if (log_path != path) {
		free(log_path);
		log_path = strdup(path);
	}
	log_stream = f;
	return 0;
}

/* Appends s JSON-escaped to the line buffer. */
static size_t put_escaped(char *buf, size_t pos, size_t cap, const char *s)
{
	for (; *s && pos + 8 < cap; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			buf[pos++] = '\\';
			buf[pos++] = (char)c;
		} else if (c == '\n') {
			buf[pos++] = '\\';
			buf[pos++] = 'n';
		} else if (c < 0x20) {
			pos += (size_t)snprintf(buf + pos, cap - pos, "\\u%04x",
						c);
		} else {
			buf[pos++] = (char)c;
		}
	}
	return pos;
}

static size_t put_raw(char *buf, size_t pos, size_t cap, const char *s)
{
	size_t n = strlen(s);

	if (pos + n + 4 >= cap)
		n = cap > pos + 4 ? cap - pos - 4 : 0;
	memcpy(buf + pos, s, n);
	return pos + n;
}

static size_t put_field(char *buf, size_t pos, size_t cap, const char *k,
			const char *v)
{
	pos = put_raw(buf, pos, cap, ",\"");
	pos = put_escaped(buf, pos, cap, k);
	pos = put_raw(buf, pos, cap, "\":\"");
	pos = put_escaped(buf, pos, cap, v);
	return put_raw(buf, pos, cap, "\"");
}

void jf_log_write(int level, const struct jf_kv *fields, const char *fmt, ...)
{
	char line[8192], msg[4096], ts[40], num[32];
	int saved_errno = errno;
	size_t pos = 0;
	va_list ap;

	if (level < 0 || level > JF_LOG_ERROR)
		level = JF_LOG_ERROR;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	jf_time_format_micro(jf_now_ms(), ts, sizeof(ts));
	/* "2026-08-22T10:01:02.345000Z" -> milliseconds are enough */
	if (strlen(ts) == 27)
		memcpy(ts + 23, "Z", 2);
	pos = put_raw(line, pos, sizeof(line), "{\"ts\":\"");
	pos = put_raw(line, pos, sizeof(line), ts);
	pos = put_raw(line, pos, sizeof(line), "\",\"level\":\"");
	pos = put_raw(line, pos, sizeof(line), level_names[level]);
	pos = put_raw(line, pos, sizeof(line), "\",\"role\":\"");
	pos = put_escaped(line, pos, sizeof(line), log_role);
	pos = put_raw(line, pos, sizeof(line), "\"");
	if (log_worker >= 0) {
		snprintf(num, sizeof(num), ",\"worker\":%d", log_worker);
		pos = put_raw(line, pos, sizeof(line), num);
	}
	snprintf(num, sizeof(num), ",\"pid\":%d", (int)getpid());
	pos = put_raw(line, pos, sizeof(line), num);
	pos = put_field(line, pos, sizeof(line), "msg", msg);
	for (; fields && fields->key; fields++) {
		if (fields->val)
			pos = put_field(line, pos, sizeof(line), fields->key,
					fields->val);
	}
	pos = put_raw(line, pos, sizeof(line), "}\n");
	fwrite(line, 1, pos, log_stream ? log_stream : stderr);
	fflush(log_stream ? log_stream : stderr);
	errno = saved_errno;
}

bool jf_log_ratelimit(struct jf_ratelimit *rl, long long interval_ms)
{
	long long now = jf_mono_ms();

	if (rl->last_ms && now - rl->last_ms < interval_ms) {
		rl->suppressed++;
		return false;
	}
	rl->last_ms = now;
	rl->suppressed = 0;
	return true;
}
