/* jf_testenv.h - test helpers: run a private kubesim, talk to it over
 * HTTPS with libcurl, read watch streams, make temporary directories.
 *
 *   struct jf_testenv env;
 *   ck_assert_int_eq(jf_testenv_start(&env, NULL), 0);   // --listen :0
 *   cJSON *obj = NULL;
 *   long code = jf_test_req(&env, "POST",
 *           "/api/v1/namespaces/default/configmaps", NULL,
 *           "{\"metadata\":{\"name\":\"a\"}}", &obj);
 *   ck_assert_int_eq(code, 201);
 *   cJSON_Delete(obj);
 *   jf_testenv_stop(&env);
 *
 * kubesim is $JF_BIN_DIR/kubesim (scripts/run-tests.sh sets it; default
 * build/bin). Its stderr goes to <env.dir>/kubesim.log. Everything is
 * blocking and single-threaded; each call has a timeout. Self-contained:
 * needs libcurl, cJSON and libc only.
 */
#ifndef JF_TESTENV_H
#define JF_TESTENV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

struct jf_testenv {
	pid_t pid;
	char dir[256];	      /* private temp dir, removed by stop */
	char kubeconfig[320]; /* <dir>/kubeconfig */
	char server[256];     /* https://127.0.0.1:PORT */
	char token[128];
	char *ca_pem; /* CA certificate (PEM), owned */
};

/* Starts kubesim with --listen 127.0.0.1:0 --kubeconfig-out <dir>/...
 * plus extra_args (NULL-terminated, may be NULL), waits (10 s max) for
 * the kubeconfig and reads server, token and CA from it. Returns 0 or
 * -errno (the log is kept in env->dir on failure). */
int jf_testenv_start(struct jf_testenv *env, const char *const *extra_args);

/* SIGTERM, wait up to 5 s, then SIGKILL; removes env->dir unless
 * JF_KEEP_TESTDIR is set. Returns kubesim's wait status (as waitpid). */
int jf_testenv_stop(struct jf_testenv *env);

/* A response: HTTP code, raw body (NUL-terminated), parsed JSON (NULL if
 * the body is not JSON), the Retry-After header (or ""). */
struct jf_testresp {
	long code;
	char *body;
	size_t len;
	cJSON *json;
	char retry_after[16];
	char content_type[128];
};

/* Sends method path (with query) to kubesim with the bearer token and CA;
 * ctype NULL means application/json when body is set. Timeout 10 s.
 * Returns 0 (any HTTP code) or -EIO on a transport error. Release with
 * jf_testresp_release(). */
int jf_test_request(const struct jf_testenv *env, const char *method,
		    const char *path, const char *ctype, const char *body,
		    struct jf_testresp *out);
void jf_testresp_release(struct jf_testresp *r);

/* Shorthand: returns the HTTP code (-1 on transport error); *json (may be
 * NULL to ignore) gets the parsed body, caller frees with cJSON_Delete. */
long jf_test_req(const struct jf_testenv *env, const char *method,
		 const char *path, const char *ctype, const char *body,
		 cJSON **json);

/* Same with a token of the caller's choice (NULL: no Authorization). */
long jf_test_req_token(const struct jf_testenv *env, const char *token,
		       const char *method, const char *path, const char *body,
		       cJSON **json);

/* A watch stream (GET path, usually with watch=true). */
struct jf_testwatch;

/* Opens the stream and waits (5 s max) until the server has answered its
 * headers, so that the watch is registered when this returns; returns 0
 * or -EIO. Close with jf_testwatch_close() in every case. */
int jf_testwatch_open(const struct jf_testenv *env, const char *path,
		      struct jf_testwatch **out);

/* Next event ({"type","object"}), waiting up to timeout_ms. Returns 0 and
 * a new *event (caller frees), -ETIMEDOUT, or -EPIPE when the server ended
 * the stream (cleanly or not) with no complete line left. */
int jf_testwatch_next(struct jf_testwatch *w, int timeout_ms, cJSON **event);

/* HTTP code of the stream (0 until headers arrived). */
long jf_testwatch_code(const struct jf_testwatch *w);

/* True once the transfer ended; *clean says whether it ended with the
 * terminating chunk (false: connection cut). */
bool jf_testwatch_ended(struct jf_testwatch *w, bool *clean);

void jf_testwatch_close(struct jf_testwatch *w);

/* mkdtemp under $TMPDIR (or /tmp) with prefix "jftest-"; 0 or -errno. */
int jf_test_mkdtemp(char *out, size_t cap);

/* rm -rf path (no shell). */
void jf_test_rmrf(const char *path);

/* Reads a whole file into a new NUL-terminated buffer (free()), or NULL. */
char *jf_test_slurp(const char *path, size_t *len);

#endif /* JF_TESTENV_H */
