/* token.c - the bearer token source: a static token, or a token file
 * re-read periodically and after a 401, keeping the last good token. */
#include "k8s_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jf_log.h"

void k8s_free_secret(char *s, size_t len)
{
	if (!s)
		return;
	explicit_bzero(s, len);
	free(s);
}

int k8s_read_file(const char *path, size_t cap, char **out, size_t *len)
{
	size_t n = 0, size = 256;
	char *buf, *p;
	ssize_t r;
	int fd, err = 0;

	*out = NULL;
	if (len)
		*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(size);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		if (n + 1 >= size) {
			if (size > cap) {
				err = -JF_ETOOBIG;
				break;
			}
			p = realloc(buf, size * 2);
			if (!p) {
				err = -ENOMEM;
				break;
			}
			buf = p;
			size *= 2;
		}
		r = read(fd, buf + n, size - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > cap) {
			err = -JF_ETOOBIG;
			break;
		}
	}
	close(fd);
	if (err) {
		k8s_free_secret(buf, size);
		return err;
	}
	buf[n] = '\0';
	*out = buf;
	if (len)
		*len = n;
	return 0;
}

static int token_read(struct k8s_token *t)
{
	char *s;
	size_t n;
	int err;

	err = k8s_read_file(t->file, K8S_TOKEN_MAX, &s, &n);
	if (err)
		return err;
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' ||
		     s[n - 1] == '\t'))
		s[--n] = '\0';
	if (!n || strpbrk(s, "\r\n")) {
		k8s_free_secret(s, n);
		return -JF_EPARSE;
	}
	if (t->token)
		k8s_free_secret(t->token, strlen(t->token));
	t->token = s;
	t->reads++;
	return 0;
}

int k8s_token_init(struct k8s_token *t, const char *token, const char *file,
		   int64_t period_ms, int64_t now_ms, struct jf_errmsg *e)
{
	int err;

	memset(t, 0, sizeof(*t));
	t->period_ms = period_ms > 0 ? period_ms : 60000;
	t->read_ms = now_ms;
	if (token && *token && !(t->token = strdup(token)))
		return -ENOMEM;
	if (!file || !*file)
		return 0;
	t->file = strdup(file);
	if (!t->file)
		return -ENOMEM;
	err = token_read(t);
	if (err)
		return jf_errf(e, err, "cannot read token file '%s': %s", file,
			       err == -JF_EPARSE ? "empty or malformed"
						 : jf_strerror(err));
	return 0;
}

void k8s_token_release(struct k8s_token *t)
{
	if (t->token)
		k8s_free_secret(t->token, strlen(t->token));
	free(t->file);
	memset(t, 0, sizeof(*t));
}

const char *k8s_token_get(struct k8s_token *t, int64_t now_ms, bool force)
{
	static struct jf_ratelimit rl;
	int err;

	if (t->file && (force || now_ms - t->read_ms >= t->period_ms)) {
		t->read_ms = now_ms;
		err = token_read(t);
		if (err && jf_log_ratelimit(&rl, 60000))
			jf_logk(JF_LOG_WARN,
				JF_FIELDS({"file", t->file},
					  {"err", jf_strerror(err)}),
				"cannot re-read token file, keeping the last good token");
	}
	return t->token;
}
