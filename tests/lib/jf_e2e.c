/* jf_e2e.c - kubesim + jobflowd processes for end-to-end tests. */
#include "tests/lib/jf_e2e.h"

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

#include "jf_json.h"
#include "jf_yaml.h"

const char *jf_e2e_src(char *buf, size_t cap, const char *rel)
{
	const char *src = getenv("JF_SRC_DIR");

	snprintf(buf, cap, "%s/%s", src && *src ? src : ".", rel);
	return buf;
}

void jf_e2e_sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* --- apply ------------------------------------------------------------------
 */

static bool cluster_scoped(const char *kind)
{
	static const char *const kinds[] = {
		"Namespace", "CustomResourceDefinition", "ClusterRole",
		"ClusterRoleBinding", NULL};

	for (int i = 0; kinds[i]; i++) {
		if (strcmp(kind, kinds[i]) == 0)
			return true;
	}
	return false;
}

/* /api/v1/namespaces/ns/configmaps, /apis/g/v/namespaces/ns/jobflows... */
static void collection_path(const cJSON *obj, const char *ns, char *buf,
			    size_t cap)
{
	const char *av = jf_json_str(obj, "apiVersion", "v1");
	const char *kind = jf_json_str(obj, "kind", "");
	char plural[128];
	size_t n = 0;

	for (const char *p = kind; *p && n + 3 < sizeof(plural); p++)
		plural[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	if (n && plural[n - 1] == 's')
		plural[n++] = 'e';
	else if (n && plural[n - 1] == 'y')
		plural[n - 1] = 'i', plural[n++] = 'e';
	plural[n++] = 's';
	plural[n] = '\0';
	if (cluster_scoped(kind))
		snprintf(buf, cap, "/%s/%s/%s",
			 strchr(av, '/') ? "apis" : "api", av, plural);
	else
		snprintf(buf, cap, "/%s/%s/namespaces/%s/%s",
			 strchr(av, '/') ? "apis" : "api", av,
			 jf_json_str(obj, "metadata.namespace", ns), plural);
}

static int apply_doc(struct jf_e2e *x, cJSON *obj, const char *ns)
{
	char path[512], item[768];
	cJSON *got = NULL;
	char *body;
	long code;

	if (!cJSON_IsObject(obj) || !jf_json_str(obj, "kind", NULL))
		return 0;
	if (!cluster_scoped(jf_json_str(obj, "kind", "")) &&
	    !jf_json_at(obj, "metadata.namespace"))
		jf_json_set_str(jf_json_obj(obj, "metadata"), "namespace", ns);
	collection_path(obj, ns, path, sizeof(path));
	body = jf_json_print(obj);
	code = jf_test_req(&x->kube, "POST", path, NULL, body, &got);
	if (code == 409) {
		/* replace: PUT with the current resourceVersion */
		cJSON *cur = NULL;

		snprintf(item, sizeof(item), "%s/%s", path,
			 jf_json_str(obj, "metadata.name", ""));
		jf_test_req(&x->kube, "GET", item, NULL, NULL, &cur);
		jf_json_set_str(
			jf_json_obj(obj, "metadata"), "resourceVersion",
			jf_json_str(cur, "metadata.resourceVersion", ""));
		cJSON_Delete(cur);
		free(body);
		body = jf_json_print(obj);
		cJSON_Delete(got);
		got = NULL;
		code = jf_test_req(&x->kube, "PUT", item, NULL, body, &got);
	}
	if (code < 200 || code > 299) {
		char *g = jf_json_print(got);

		fprintf(stderr, "e2e: apply %s -> %ld: %s\n", path, code,
			g ? g : "");
		free(g);
	}
	free(body);
	cJSON_Delete(got);
	return code >= 200 && code <= 299 ? 0 : -EIO;
}

static int apply_stream(struct jf_e2e *x, struct jf_yaml_stream *st,
			const char *ns)
{
	int err = 0;

	for (size_t i = 0; i < st->ndocs && !err; i++) {
		cJSON *doc = st->docs[i].json;

		if (cJSON_IsObject(doc) &&
		    strcmp(jf_json_str(doc, "kind", ""), "List") == 0) {
			cJSON *it;

			cJSON_ArrayForEach (it, jf_json_at_mut(doc, "items")) {
				err = apply_doc(x, it, ns);
				if (err)
					break;
			}
			continue;
		}
		err = apply_doc(x, doc, ns);
	}
	return err;
}

int jf_e2e_apply_file(struct jf_e2e *x, const char *path, const char *ns)
{
	struct jf_yaml_stream st;
	struct jf_errmsg e = {{0}};
	char full[1024];
	int err;

	if (path[0] != '/')
		path = jf_e2e_src(full, sizeof(full), path);
	err = jf_yaml_load_file(path, &st, &e);
	if (err) {
		fprintf(stderr, "e2e: %s\n", e.msg);
		return err;
	}
	err = apply_stream(x, &st, ns);
	jf_yaml_stream_release(&st);
	return err;
}

int jf_e2e_apply_yaml(struct jf_e2e *x, const char *yaml, const char *ns)
{
	struct jf_yaml_stream st;
	struct jf_errmsg e = {{0}};
	int err;

	err = jf_yaml_load(yaml, strlen(yaml), "<test>", &st, &e);
	if (err) {
		fprintf(stderr, "e2e: %s\n", e.msg);
		return err;
	}
	err = apply_stream(x, &st, ns);
	jf_yaml_stream_release(&st);
	return err;
}

/* --- kubesim -----------------------------------------------------------------
 */

static int apply_dir_crds(struct jf_e2e *x, const char *dir)
{
	struct dirent *d;
	DIR *dh = opendir(dir);
	int n = 0;

	if (!dh)
		return 0;
	while ((d = readdir(dh))) {
		char path[1024];
		size_t l = strlen(d->d_name);

		if (l < 6 || strcmp(d->d_name + l - 5, ".yaml") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		/* only CRD files: the name says so by convention */
		if (!strstr(d->d_name, "volcano.sh_"))
			continue;
		if (jf_e2e_apply_file(x, path, "default") == 0)
			n++;
	}
	closedir(dh);
	return n;
}

int jf_e2e_start(struct jf_e2e *x, const char *const *kubesim_args)
{
	char dir[1024];
	int err;

	memset(x, 0, sizeof(*x));
	for (int i = 0; i < JF_E2E_MAX_SUP; i++)
		x->sup[i].exit_status = -1;
	err = jf_testenv_start(&x->kube, kubesim_args);
	if (err)
		return err;
	/* our CRDs when they exist (they are a superset of Volcano's) */
	if (apply_dir_crds(x, jf_e2e_src(dir, sizeof(dir), "deploy/crds")) <
	    2) {
		jf_e2e_apply_file(
			x, "tests/data/volcano/flow.volcano.sh_jobflows.yaml",
			"default");
		jf_e2e_apply_file(
			x,
			"tests/data/volcano/flow.volcano.sh_jobtemplates.yaml",
			"default");
	}
	err = jf_e2e_apply_file(
		x, "tests/data/volcano/batch.volcano.sh_jobs.yaml", "default");
	if (access(jf_e2e_src(dir, sizeof(dir),
			      "tests/data/bus.volcano.sh_commands.yaml"),
		   R_OK) == 0)
		jf_e2e_apply_file(x, dir, "default");
	return err;
}

/* --- jobflowd ----------------------------------------------------------------
 */

static bool has_arg(const char *const *args, const char *name)
{
	size_t n = strlen(name);

	for (int i = 0; args && args[i]; i++) {
		if (strncmp(args[i], name, n) == 0 &&
		    (args[i][n] == '\0' || args[i][n] == '='))
			return true;
	}
	return false;
}

/* jobflowd logs its port as "http_port":"N" in the start line. */
static int read_port(const char *log)
{
	char *text = jf_test_slurp(log, NULL), *p;
	int port = 0;

	if (text && (p = strstr(text, "\"http_port\":\"")))
		port = atoi(p + 13);
	free(text);
	return port;
}

int jf_e2e_jobflowd(struct jf_e2e *x, int i, const char *const *args)
{
	struct jf_e2e_sup *s = &x->sup[i];
	const char *bin = getenv("JF_BIN_DIR");
	char exe[1024], ident[64];
	char *argv[64];
	int argc = 0, fd;
	long end;

	snprintf(exe, sizeof(exe), "%s/jobflowd", bin ? bin : "build/bin");
	snprintf(s->run_dir, sizeof(s->run_dir), "%s/run%d", x->kube.dir, i);
	snprintf(s->log, sizeof(s->log), "%s/jobflowd%d.log", x->kube.dir, i);
	snprintf(ident, sizeof(ident), "e2e-replica-%d", i);
	argv[argc++] = exe;
	argv[argc++] = "--kubeconfig";
	argv[argc++] = x->kube.kubeconfig;
	argv[argc++] = "--run-dir";
	argv[argc++] = s->run_dir;
	argv[argc++] = "--http-listen";
	argv[argc++] = "127.0.0.1:0";
	argv[argc++] = "--identity";
	argv[argc++] = ident;
	if (!has_arg(args, "--leader-elect"))
		argv[argc++] = "--leader-elect=false";
	/* with a config file, leave the pool size to the file (flags would
	 * override it on every reload) */
	if (!has_arg(args, "--workers") && !has_arg(args, "--config"))
		argv[argc++] = "--workers=2";
	if (!has_arg(args, "--lease-duration")) {
		argv[argc++] = "--lease-duration=3s";
		argv[argc++] = "--renew-deadline=2s";
		argv[argc++] = "--retry-period=500ms";
	}
	if (!has_arg(args, "--log-level") && !has_arg(args, "--config"))
		argv[argc++] = "--log-level=debug";
	for (int k = 0; args && args[k] && argc < 62; k++)
		argv[argc++] = (char *)args[k];
	argv[argc] = NULL;
	s->exit_status = -1;
	s->http_port = 0;
	s->pid = fork();
	if (s->pid < 0)
		return -errno;
	if (s->pid == 0) {
		fd = open(s->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 2);
			dup2(fd, 1);
		}
		setenv("POD_NAMESPACE", "default", 1);
		execv(exe, argv);
		_exit(127);
	}
	for (end = now_ms() + 15000; now_ms() < end; jf_e2e_sleep_ms(50)) {
		int st;

		if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
			s->exit_status = st;
			s->pid = 0;
			fprintf(stderr,
				"e2e: jobflowd %d exited early, see %s\n", i,
				s->log);
			return -ECHILD;
		}
		if (!s->http_port)
			s->http_port = read_port(s->log);
		if (s->http_port && jf_e2e_http(x, i, "/readyz", NULL) == 200)
			return 0;
	}
	fprintf(stderr, "e2e: jobflowd %d not ready in 15 s, see %s\n", i,
		s->log);
	return -ETIMEDOUT;
}

int jf_e2e_jobflowd_stop(struct jf_e2e *x, int i, int sig, int timeout_ms)
{
	struct jf_e2e_sup *s = &x->sup[i];
	long end = now_ms() + timeout_ms;
	int st;

	if (s->pid <= 0)
		return s->exit_status >= 0 ? WEXITSTATUS(s->exit_status) : 0;
	kill(s->pid, sig);
	while (now_ms() < end) {
		if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
			s->pid = 0;
			s->exit_status = st;
			return WIFEXITED(st) ? WEXITSTATUS(st)
					     : 128 + WTERMSIG(st);
		}
		jf_e2e_sleep_ms(20);
	}
	return -ETIMEDOUT;
}

void jf_e2e_stop(struct jf_e2e *x)
{
	for (int i = 0; i < JF_E2E_MAX_SUP; i++) {
		if (x->sup[i].pid > 0 &&
		    jf_e2e_jobflowd_stop(x, i, SIGTERM, 10000) == -ETIMEDOUT)
			jf_e2e_jobflowd_stop(x, i, SIGKILL, 5000);
	}
	jf_testenv_stop(&x->kube);
}

/* --- reads
 * --------------------------------------------------------------------- */

cJSON *jf_e2e_flow(struct jf_e2e *x, const char *ns, const char *name)
{
	char path[512];
	cJSON *got = NULL;

	snprintf(path, sizeof(path),
		 "/apis/flow.volcano.sh/v1alpha1/namespaces/%s/jobflows/%s", ns,
		 name);
	if (jf_test_req(&x->kube, "GET", path, NULL, NULL, &got) != 200) {
		cJSON_Delete(got);
		return NULL;
	}
	return got;
}

int jf_e2e_wait_phase(struct jf_e2e *x, const char *ns, const char *name,
		      const char *phase, int timeout_ms)
{
	long end = now_ms() + timeout_ms;
	cJSON *f = NULL;

	while (now_ms() < end) {
		cJSON_Delete(f);
		f = jf_e2e_flow(x, ns, name);
		if (f && strcmp(jf_json_str(f, "status.state.phase", ""),
				phase) == 0) {
			cJSON_Delete(f);
			return 0;
		}
		jf_e2e_sleep_ms(100);
	}
	{
		char *s = jf_json_print(jf_json_at(f, "status"));

		fprintf(stderr,
			"e2e: flow %s/%s not %s after %d ms; status: %s\n", ns,
			name, phase, timeout_ms, s ? s : "(none)");
		free(s);
	}
	cJSON_Delete(f);
	return -ETIMEDOUT;
}

cJSON *jf_e2e_jobs(struct jf_e2e *x, const char *ns, const char *selector)
{
	char path[1024], sel[512] = "";
	cJSON *got = NULL, *items;

	if (selector) {
		size_t n = 0;

		/* percent-encode what a selector may contain */
		for (const char *p = selector; *p && n + 4 < sizeof(sel); p++) {
			if (*p == '=' || *p == ',' || *p == '!' || *p == '(' ||
			    *p == ')' || *p == ' ' || *p == '/')
				n += (size_t)snprintf(sel + n, sizeof(sel) - n,
						      "%%%02X",
						      (unsigned char)*p);
			else
				sel[n++] = *p;
		}
		sel[n] = '\0';
	}
	snprintf(path, sizeof(path),
		 "/apis/batch.volcano.sh/v1alpha1/namespaces/%s/jobs%s%s", ns,
		 selector ? "?labelSelector=" : "", sel);
	if (jf_test_req(&x->kube, "GET", path, NULL, NULL, &got) != 200) {
		cJSON_Delete(got);
		return cJSON_CreateArray();
	}
	items = cJSON_DetachItemFromObjectCaseSensitive(got, "items");
	cJSON_Delete(got);
	return items ? items : cJSON_CreateArray();
}

const cJSON *jf_e2e_find(const cJSON *items, const char *name)
{
	const cJSON *it;

	cJSON_ArrayForEach (it, items) {
		if (strcmp(jf_json_str(it, "metadata.name", ""), name) == 0)
			return it;
	}
	return NULL;
}

/* A plain HTTP GET over a socket: jobflowd's endpoints are HTTP. */
long jf_e2e_http(struct jf_e2e *x, int i, const char *path, char **body)
{
	char url[256];
	struct jf_testenv plain = x->kube;
	struct jf_testresp r;
	long code;

	if (body)
		*body = NULL;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", x->sup[i].http_port);
	snprintf(plain.server, sizeof(plain.server), "%s", url);
	if (jf_test_request(&plain, "GET", path, NULL, NULL, &r))
		return -1;
	code = r.code;
	if (body) {
		*body = r.body;
		r.body = NULL;
	}
	jf_testresp_release(&r);
	return code;
}

cJSON *jf_e2e_state(struct jf_e2e *x, int i)
{
	char *body = NULL;
	cJSON *j = NULL;

	if (jf_e2e_http(x, i, "/debug/state", &body) == 200 && body)
		jf_json_parse(body, strlen(body), 0, &j, NULL);
	free(body);
	return j;
}

cJSON *jf_e2e_kube_stats(struct jf_e2e *x)
{
	cJSON *got = NULL;

	if (jf_test_req(&x->kube, "GET", "/kubesim/stats", NULL, NULL, &got) !=
	    200) {
		cJSON_Delete(got);
		return NULL;
	}
	return got;
}

const char *jf_e2e_duplicate_job(struct jf_e2e *x, char *buf, size_t cap)
{
	cJSON *st = jf_e2e_kube_stats(x);
	const cJSON *d;
	const char *found = NULL;

	if (!st) {
		snprintf(buf, cap, "(no stats from kubesim)");
		return buf;
	}
	cJSON_ArrayForEach (d, jf_json_at(st, "duplicate_creates")) {
		if (strstr(jf_json_str(d, "resource", ""), "jobs")) {
			snprintf(buf, cap, "%s x%d", jf_json_str(d, "name", ""),
				 (int)jf_json_int(d, "count", 0));
			found = buf;
			break;
		}
	}
	cJSON_Delete(st);
	return found;
}
