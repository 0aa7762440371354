/* jf_testenv.c - test helpers: a private kubesim process, blocking HTTPS
 * requests and watch streams with libcurl, temporary directories
 * (jf_testenv.h). */
#include "tests/lib/jf_testenv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#define BODY_MAX (64u << 20)

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int jf_test_mkdtemp(char *out, size_t cap)
{
	const char *t = getenv("TMPDIR");

	snprintf(out, cap, "%s/jftest-XXXXXX", t && *t ? t : "/tmp");
	return mkdtemp(out) ? 0 : -errno;
}

void jf_test_rmrf(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char p[1024];

	if (!d) {
		unlink(path);
		return;
	}
	while ((e = readdir(d))) {
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
		if (!lstat(p, &st) && S_ISDIR(st.st_mode))
			jf_test_rmrf(p);
		else
			unlink(p);
	}
	closedir(d);
	rmdir(path);
}

char *jf_test_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0, r;

	if (!f)
		return NULL;
	do {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
	} while (r > 0);
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static char *b64_decode(const char *s)
{
	static const char tbl[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(s), k = 0;
	char *out = malloc(n + 1);
	unsigned acc = 0;
	int bits = 0;

	if (!out)
		abort();
	for (size_t i = 0; i < n; i++) {
		const char *p = strchr(tbl, s[i]);

		if (s[i] == '=' || !p || !s[i])
			continue;
		acc = (acc << 6) | (unsigned)(p - tbl);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[k++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[k] = '\0';
	return out;
}

static void field(const char *text, const char *key, char *out, size_t cap)
{
	const char *p = strstr(text, key);
	size_t n;

	out[0] = '\0';
	if (!p)
		return;
	p += strlen(key);
	n = strcspn(p, "\r\n");
	snprintf(out, cap, "%.*s", (int)n, p);
}

static int read_kubeconfig(struct jf_testenv *env)
{
	char *text = jf_test_slurp(env->kubeconfig, NULL);
	char ca[8192];

	if (!text)
		return -errno;
	field(text, "server: ", env->server, sizeof(env->server));
	field(text, "token: ", env->token, sizeof(env->token));
	field(text, "certificate-authority-data: ", ca, sizeof(ca));
	free(text);
	free(env->ca_pem);
	env->ca_pem = ca[0] ? b64_decode(ca) : NULL;
	return env->server[0] ? 0 : -EINVAL;
}

int jf_testenv_start(struct jf_testenv *env, const char *const *extra_args)
{
	const char *bindir = getenv("JF_BIN_DIR");
	char bin[512], log[320];
	const char *argv[64];
	int argc = 0, err, fd;
	long long deadline;

	memset(env, 0, sizeof(*env));
	curl_global_init(CURL_GLOBAL_DEFAULT);
	err = jf_test_mkdtemp(env->dir, sizeof(env->dir));
	if (err)
		return err;
	snprintf(env->kubeconfig, sizeof(env->kubeconfig), "%s/kubeconfig",
		 env->dir);
	snprintf(log, sizeof(log), "%s/kubesim.log", env->dir);
	snprintf(bin, sizeof(bin), "%s/kubesim",
		 bindir && *bindir ? bindir : "build/bin");
	argv[argc++] = bin;
	argv[argc++] = "--listen";
	argv[argc++] = "127.0.0.1:0";
	argv[argc++] = "--kubeconfig-out";
	argv[argc++] = env->kubeconfig;
	for (int i = 0; extra_args && extra_args[i] && argc < 62; i++)
		argv[argc++] = extra_args[i];
	argv[argc] = NULL;
	env->pid = fork();
	if (env->pid < 0)
		return -errno;
	if (env->pid == 0) {
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd >= 0) {
			dup2(fd, 2);
			dup2(fd, 1);
		}
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	deadline = now_ms() + 10000;
	while (access(env->kubeconfig, R_OK)) {
		int st;

		if (waitpid(env->pid, &st, WNOHANG) == env->pid) {
			env->pid = 0;
			return -ECHILD;
		}
		if (now_ms() > deadline) {
			jf_testenv_stop(env);
			return -ETIMEDOUT;
		}
		usleep(5000);
	}
	return read_kubeconfig(env);
}

int jf_testenv_stop(struct jf_testenv *env)
{
	int st = -1;
	long long deadline = now_ms() + 5000;

	if (env->pid > 0) {
		kill(env->pid, SIGTERM);
		while (waitpid(env->pid, &st, WNOHANG) == 0) {
			if (now_ms() > deadline) {
				kill(env->pid, SIGKILL);
				waitpid(env->pid, &st, 0);
				break;
			}
			usleep(5000);
		}
		env->pid = 0;
	}
	if (env->dir[0] && !getenv("JF_KEEP_TESTDIR"))
		jf_test_rmrf(env->dir);
	free(env->ca_pem);
	env->ca_pem = NULL;
	return st;
}

/* --- requests ---------------------------------------------------------------
 */

struct sink {
	char *buf;
	size_t len, cap;
	bool overflow;
};

static size_t sink_write(char *p, size_t sz, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t add = sz * n;

	if (s->len + add + 1 > BODY_MAX) {
		s->overflow = true;
		return 0;
	}
	if (s->len + add + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;

		while (cap < s->len + add + 1)
			cap *= 2;
		s->buf = realloc(s->buf, cap);
		if (!s->buf)
			abort();
		s->cap = cap;
	}
	memcpy(s->buf + s->len, p, add);
	s->len += add;
	s->buf[s->len] = '\0';
	return add;
}

struct hdrs {
	char retry_after[16];
	char content_type[128];
};

static size_t header_cb(char *p, size_t sz, size_t n, void *arg)
{
	struct hdrs *h = arg;
	size_t len = sz * n;

	if (len > 13 && !strncasecmp(p, "Retry-After:", 12))
		snprintf(h->retry_after, sizeof(h->retry_after), "%.*s",
			 (int)strcspn(p + 13, "\r\n"), p + 13);
	if (len > 14 && !strncasecmp(p, "Content-Type:", 13))
		snprintf(h->content_type, sizeof(h->content_type), "%.*s",
			 (int)strcspn(p + 14, "\r\n"), p + 14);
	return len;
}

static CURL *make_easy(const struct jf_testenv *env, const char *token,
		       const char *method, const char *path,
		       struct curl_slist **hl)
{
	CURL *c = curl_easy_init();
	char url[4096], auth[256];

	snprintf(url, sizeof(url), "%s%s", env->server, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (env->ca_pem) {
		struct curl_blob blob = {env->ca_pem, strlen(env->ca_pem),
					 CURL_BLOB_COPY};

		curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
	}
	if (token && *token) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
		*hl = curl_slist_append(*hl, auth);
	}
	*hl = curl_slist_append(*hl, "Accept: application/json");
	return c;
}

static int do_request(const struct jf_testenv *env, const char *token,
		      const char *method, const char *path, const char *ctype,
		      const char *body, struct jf_testresp *out)
{
	struct curl_slist *hl = NULL;
	CURL *c = make_easy(env, token, method, path, &hl);
	struct sink s = {0};
	struct hdrs h = {{0}, {0}};
	char ct[160];
	CURLcode rc;

	memset(out, 0, sizeof(*out));
	if (body) {
		snprintf(ct, sizeof(ct), "Content-Type: %s",
			 ctype ? ctype : "application/json");
		hl = curl_slist_append(hl, ct);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)strlen(body));
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->code);
	curl_easy_cleanup(c);
	curl_slist_free_all(hl);
	out->body = s.buf ? s.buf : strdup("");
	out->len = s.len;
	out->json = cJSON_ParseWithLength(out->body, out->len);
	memcpy(out->retry_after, h.retry_after, sizeof(h.retry_after));
	memcpy(out->content_type, h.content_type, sizeof(h.content_type));
	return rc == CURLE_OK ? 0 : -EIO;
}

int jf_test_request(const struct jf_testenv *env, const char *method,
		    const char *path, const char *ctype, const char *body,
		    struct jf_testresp *out)
{
	return do_request(env, env->token, method, path, ctype, body, out);
}

void jf_testresp_release(struct jf_testresp *r)
{
	free(r->body);
	cJSON_Delete(r->json);
	memset(r, 0, sizeof(*r));
}

long jf_test_req(const struct jf_testenv *env, const char *method,
		 const char *path, const char *ctype, const char *body,
		 cJSON **json)
{
	struct jf_testresp r;
	long code;

	if (json)
		*json = NULL;
	if (jf_test_request(env, method, path, ctype, body, &r)) {
		jf_testresp_release(&r);
		return -1;
	}
	code = r.code;
	if (json) {
		*json = r.json;
		r.json = NULL;
	}
	jf_testresp_release(&r);
	return code;
}

long jf_test_req_token(const struct jf_testenv *env, const char *token,
		       const char *method, const char *path, const char *body,
		       cJSON **json)
{
	struct jf_testresp r;
	long code;

	if (json)
		*json = NULL;
	if (do_request(env, token, method, path, NULL, body, &r)) {
		jf_testresp_release(&r);
		return -1;
	}
	code = r.code;
	if (json) {
		*json = r.json;
		r.json = NULL;
	}
	jf_testresp_release(&r);
	return code;
}

/* --- watches
 * -------------------------------------------------------------------- */

struct jf_testwatch {
	CURLM *m;
	CURL *c;
	struct curl_slist *hl;
	struct sink s;
	size_t off; /* start of the unread data in s.buf */
	bool done, clean;
};

static void pump(struct jf_testwatch *w, int wait_ms);

int jf_testwatch_open(const struct jf_testenv *env, const char *path,
		      struct jf_testwatch **out)
{
	struct jf_testwatch *w = calloc(1, sizeof(*w));

	if (!w)
		abort();
	w->c = make_easy(env, env->token, "GET", path, &w->hl);
	curl_easy_setopt(w->c, CURLOPT_HTTPHEADER, w->hl);
	curl_easy_setopt(w->c, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(w->c, CURLOPT_WRITEDATA, &w->s);
	w->m = curl_multi_init();
	curl_multi_add_handle(w->m, w->c);
	*out = w;
	/* return once the server has answered (the watch is registered) */
	for (long long end = now_ms() + 5000; now_ms() < end;) {
		pump(w, 20);
		if (w->done || jf_testwatch_code(w))
			return 0;
	}
	return -EIO;
}

static void pump(struct jf_testwatch *w, int wait_ms)
{
	int running = 0, left;
	CURLMsg *msg;

	curl_multi_perform(w->m, &running);
	while ((msg = curl_multi_info_read(w->m, &left))) {
		if (msg->msg == CURLMSG_DONE) {
			w->done = true;
			w->clean = msg->data.result == CURLE_OK;
		}
	}
	if (!w->done && wait_ms > 0)
		curl_multi_poll(w->m, NULL, 0, wait_ms, NULL);
}

int jf_testwatch_next(struct jf_testwatch *w, int timeout_ms, cJSON **event)
{
	long long deadline = now_ms() + timeout_ms;

	*event = NULL;
	for (;;) {
		char *start = w->s.buf ? w->s.buf + w->off : NULL;
		char *nl =
			start ? memchr(start, '\n', w->s.len - w->off) : NULL;

		if (nl) {
			size_t n = (size_t)(nl - start);

			*event = cJSON_ParseWithLength(start, n);
			w->off += n + 1;
			if (w->off == w->s.len)
				w->off = w->s.len = 0;
			if (*event)
				return 0;
			continue;
		}
		if (w->off) {
			/* compact before reading more */
			memmove(w->s.buf, w->s.buf + w->off, w->s.len - w->off);
			w->s.len -= w->off;
			w->s.buf[w->s.len] = '\0';
			w->off = 0;
		}
		if (w->done)
			return -EPIPE;
		if (now_ms() >= deadline)
			return -ETIMEDOUT;
		pump(w, (int)(deadline - now_ms() < 50 ? deadline - now_ms()
						       : 50));
	}
}

long jf_testwatch_code(const struct jf_testwatch *w)
{
	long code = 0;

	curl_easy_getinfo(w->c, CURLINFO_RESPONSE_CODE, &code);
	return code;
}

bool jf_testwatch_ended(struct jf_testwatch *w, bool *clean)
{
	pump(w, 0);
	if (clean)
		*clean = w->clean;
	return w->done;
}

void jf_testwatch_close(struct jf_testwatch *w)
{
	if (!w)
		return;
	curl_multi_remove_handle(w->m, w->c);
	curl_easy_cleanup(w->c);
	curl_multi_cleanup(w->m);
	curl_slist_free_all(w->hl);
	free(w->s.buf);
	free(w);
}
