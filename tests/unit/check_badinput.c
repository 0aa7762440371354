/* check_badinput.c - the bad-input sweep (SPEC §6): every case in
 * tests/badinput/ must be refused with a message that contains each line
 * of its .expect file (what is wrong and where), and nothing may crash.
 *
 *   flow-*.yaml        templates + one JobFlow, through jf_engine_validate()
 *                      (a YAML syntax error: through jf_yaml_load_file())
 *   config-*.yaml      jobflowd --config FILE: exit 2 and the message
 *   args-*.txt         jobflowd with these arguments (one per line): exit 2
 *   kubeconfig-*.yaml  jf_k8s_kubeconfig_parse(): an error and the message
 *
 * BADINPUT_PRINT=1 prints each case's actual message (for writing a new
 * .expect; read it before you keep it: it must name what and where).
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "jf_buf.h"
#include "jf_engine.h"
#include "jf_json.h"
#include "jf_k8s.h"
#include "jf_yaml.h"

#define MAX_CASES 400

static char *cases[MAX_CASES];
static int ncases;

static const char *src_dir(void)
{
	const char *s = getenv("JF_SRC_DIR");

	return s && *s ? s : ".";
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void load_cases(void)
{
	char dir[1024];
	struct dirent *d;
	DIR *dh;

	snprintf(dir, sizeof(dir), "%s/tests/badinput", src_dir());
	dh = opendir(dir);
	if (!dh)
		return;
	while ((d = readdir(dh)) && ncases < MAX_CASES) {
		size_t l = strlen(d->d_name);

		if ((l > 5 && !strcmp(d->d_name + l - 5, ".yaml")) ||
		    (l > 4 && !strcmp(d->d_name + l - 4, ".txt")))
			cases[ncases++] = strdup(d->d_name);
	}
	closedir(dh);
	qsort(cases, (size_t)ncases, sizeof(*cases), cmp_str);
}

/* --- the three kinds of input -----------------------------------------------
 */

/* Templates + flow through the engine's validation; returns the joined
 * messages ("step 's': path: message; ...") or the YAML error. */
static char *flow_errors(const char *path)
{
	struct jf_yaml_stream st;
	struct jf_errmsg e = {{0}};
	struct jf_buf b;
	cJSON *templates = cJSON_CreateObject(), *errs = NULL;
	const cJSON *flow = NULL, *x;
	int err;

	jf_buf_init(&b, 0);
	err = jf_yaml_load_file(path, &st, &e);
	if (err) {
		jf_buf_puts(&b, e.msg);
		cJSON_Delete(templates);
		return jf_buf_steal(&b);
	}
	for (size_t i = 0; i < st.ndocs; i++) {
		const cJSON *doc = st.docs[i].json;
		const char *kind = jf_json_str(doc, "kind", "");

		if (!strcmp(kind, "JobTemplate"))
			cJSON_AddItemToObject(
				templates,
				jf_json_str(doc, "metadata.name", ""),
				jf_json_dup(doc));
		else if (!strcmp(kind, "JobFlow") || !flow)
			flow = doc;
	}
	errs = jf_engine_validate(flow, templates, NULL);
	cJSON_ArrayForEach (x, errs) {
		const char *step = jf_json_str(x, "step", NULL);

		if (b.len)
			jf_buf_puts(&b, "; ");
		if (step)
			jf_buf_printf(&b, "step '%s': ", step);
		jf_buf_printf(&b, "%s: %s", jf_json_str(x, "path", ""),
			      jf_json_str(x, "message", ""));
	}
	if (!b.len)
		jf_buf_puts(&b, "(valid)");
	cJSON_Delete(errs);
	cJSON_Delete(templates);
	jf_yaml_stream_release(&st);
	return jf_buf_steal(&b);
}

static char *kubeconfig_errors(const char *path, int *rc)
{
	struct jf_k8s_config c;
	struct jf_errmsg e = {{0}};
	char dir[1024], *buf;
	size_t len = 0;

	buf = slurp(path, &len);
	if (!buf)
		return strdup("(cannot read the case)");
	snprintf(dir, sizeof(dir), "%s/tests/badinput", src_dir());
	jf_k8s_config_init(&c);
	*rc = jf_k8s_kubeconfig_parse(buf, len, strrchr(path, '/') + 1, dir,
				      NULL, &c, &e);
	jf_k8s_config_release(&c);
	free(buf);
	return strdup(*rc ? e.msg : "(accepted)");
}

/* Runs jobflowd with argv; returns its stderr+stdout, *status the exit
 * code (or 128+signal, -1 on timeout). */
static char *run_jobflowd(char **argv, int *status)
{
	char out[] = "/tmp/jfbadinput-XXXXXX";
	int fd = mkstemp(out), st = 0;
	pid_t pid;
	char *text;
	struct timespec ts = {0, 20000000};

	if (fd < 0)
		return strdup("(mkstemp failed)");
	pid = fork();
	if (pid == 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	*status = -1;
	for (int i = 0; i < 500; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid) {
			*status = WIFEXITED(st) ? WEXITSTATUS(st)
						: 128 + WTERMSIG(st);
			break;
		}
		nanosleep(&ts, NULL);
	}
	if (*status == -1) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	close(fd);
	text = slurp(out, NULL);
	unlink(out);
	return text ? text : strdup("");
}

static char *jobflowd_errors(const char *name, const char *path, int *status)
{
	const char *bin = getenv("JF_BIN_DIR");
	char exe[1024], rundir[] = "/tmp/jfbadinput-run-XXXXXX";
	char *argv[64], *text, *args = NULL;
	int argc = 0;

	snprintf(exe, sizeof(exe), "%s/jobflowd", bin ? bin : "build/bin");
	if (!mkdtemp(rundir))
		return strdup("(mkdtemp failed)");
	argv[argc++] = exe;
	argv[argc++] = "--run-dir";
	argv[argc++] = rundir;
	argv[argc++] = "--http-listen";
	argv[argc++] = "127.0.0.1:0";
	if (!strncmp(name, "config-", 7)) {
		argv[argc++] = "--config";
		argv[argc++] = (char *)path;
	} else {
		char *line, *save = NULL;

		args = slurp(path, NULL);
		for (line = strtok_r(args ? args : (char *)"", "\n", &save);
		     line && argc < 62; line = strtok_r(NULL, "\n", &save)) {
			if (*line && *line != '#')
				argv[argc++] = line;
		}
	}
	argv[argc] = NULL;
	text = run_jobflowd(argv, status);
	free(args);
	{
		char pidf[1100];

		/* nothing may be left behind in a refused start */
		snprintf(pidf, sizeof(pidf), "%s/jobflowd.pid", rundir);
		unlink(pidf);
		rmdir(rundir);
	}
	return text;
}

/* --- the test ----------------------------------------------------------------
 */

START_TEST(test_case)
{
	const char *name = cases[_i];
	char path[1024], exp[1100], *dot;
	char *msg = NULL, *want, *line, *save = NULL;
	int rc = 0, status = 0;

	snprintf(path, sizeof(path), "%s/tests/badinput/%s", src_dir(), name);
	snprintf(exp, sizeof(exp), "%s", path);
	dot = strrchr(exp, '.');
	snprintf(dot, sizeof(exp) - (size_t)(dot - exp), ".expect");
	want = slurp(exp, NULL);
	ck_assert_msg(want != NULL, "%s: no .expect file", name);
	if (!strncmp(name, "flow-", 5)) {
		msg = flow_errors(path);
		ck_assert_msg(strcmp(msg, "(valid)") != 0,
			      "%s: accepted as valid", name);
	} else if (!strncmp(name, "kubeconfig-", 11)) {
		msg = kubeconfig_errors(path, &rc);
		ck_assert_msg(rc != 0, "%s: kubeconfig accepted", name);
	} else if (!strncmp(name, "config-", 7) || !strncmp(name, "args-", 5)) {
		msg = jobflowd_errors(name, path, &status);
		ck_assert_msg(status == 2,
			      "%s: jobflowd exited %d (want 2): %s", name,
			      status, msg);
	} else {
		ck_abort_msg("%s: unknown case kind (flow-, config-, args-, "
			     "kubeconfig-)",
			     name);
	}
	if (getenv("BADINPUT_PRINT"))
		printf("%s: %s\n", name, msg);
	for (line = strtok_r(want, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!*line || *line == '#')
			continue;
		ck_assert_msg(strstr(msg, line) != NULL,
			      "%s: message lacks '%s'; got: %s", name, line,
			      msg);
	}
	free(msg);
	free(want);
}
END_TEST

/* The sweep must not shrink unnoticed (SPEC §6 asks for a real corpus). */
START_TEST(test_corpus_size)
{
	ck_assert_int_ge(ncases, 50);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("badinput");
	TCase *tc = tcase_create("cases");
	SRunner *sr;
	int nf;

	load_cases();
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_corpus_size);
	tcase_add_loop_test(tc, test_case, 0, ncases);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	for (int i = 0; i < ncases; i++)
		free(cases[i]);
	return nf ? 1 : 0;
}
