/* check_k8s_kubeconfig.c - Check suite for kubeconfig and in-cluster
 * configuration (common/k8s/kubeconfig.c, incluster.c, config_auto.c). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jf_k8s.h"

/* base64 of "CA-PEM\n", "CERT-PEM\n", "KEY-PEM\n" */
#define CA_B64	 "Q0EtUEVNCg=="
#define CERT_B64 "Q0VSVC1QRU0K"
#define KEY_B64	 "S0VZLVBFTQo="

static const char kc_data[] =
	"apiVersion: v1\n"
	"kind: Config\n"
	"current-context: dev\n"
	"clusters:\n"
	"- name: c1\n"
	"  cluster:\n"
	"    server: https://127.0.0.1:6443/\n"
	"    certificate-authority-data: " CA_B64 "\n"
	"- name: c2\n"
	"  cluster:\n"
	"    server: https://10.0.0.2:443\n"
	"    insecure-skip-tls-verify: true\n"
	"users:\n"
	"- name: u1\n"
	"  user:\n"
	"    client-certificate-data: " CERT_B64 "\n"
	"    client-key-data: " KEY_B64 "\n"
	"- name: u2\n"
	"  user:\n"
	"    token: s3cr3t\n"
	"contexts:\n"
	"- name: dev\n"
	"  context: {cluster: c1, user: u1, namespace: team-a}\n"
	"- name: prod\n"
	"  context: {cluster: c2, user: u2}\n";

static char dir[64];

static void write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void setup(void)
{
	strcpy(dir, "/tmp/jf_kcXXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_data_variant)
{
	struct jf_k8s_config c;
	struct jf_errmsg e = {{0}};

	ck_assert_int_eq(jf_k8s_kubeconfig_parse(kc_data, strlen(kc_data), "kc",
						 NULL, NULL, &c, &e),
			 0);
	ck_assert_str_eq(c.server, "https://127.0.0.1:6443");
	ck_assert_str_eq(c.context, "dev");
	ck_assert_str_eq(c.namespace, "team-a");
	ck_assert_uint_eq(c.ca.len, 7);
	ck_assert(!memcmp(c.ca.data, "CA-PEM\n", 7));
	ck_assert(!memcmp(c.cert.data, "CERT-PEM\n", 9));
	ck_assert(!memcmp(c.key.data, "KEY-PEM\n", 8));
	ck_assert_ptr_null(c.token);
	ck_assert(!c.insecure);
	/* defaults are in place */
	ck_assert_int_eq(c.timeout_ms, 30000);
	ck_assert_uint_eq(c.max_body, 64u << 20);
	jf_k8s_config_release(&c);
}
END_TEST

START_TEST(test_context_override)
{
	struct jf_k8s_config c;

	ck_assert_int_eq(jf_k8s_kubeconfig_parse(kc_data, strlen(kc_data), "kc",
						 NULL, "prod", &c, NULL),
			 0);
	ck_assert_str_eq(c.server, "https://10.0.0.2:443");
	ck_assert_str_eq(c.token, "s3cr3t");
	ck_assert_str_eq(c.namespace, "default");
	ck_assert(c.insecure);
	ck_assert_ptr_null(c.ca.data);
	ck_assert_ptr_null(c.cert.data);
	jf_k8s_config_release(&c);
}
END_TEST

START_TEST(test_files_variant)
{
	static const char kc[] =
		"current-context: x\n"
		"clusters: [{name: c, cluster: {server: 'https://h:1', certificate-authority: ca.crt}}]\n"
		"users: [{name: u, user: {client-certificate: sub/tls.crt, client-key: sub/tls.key, tokenFile: tok}}]\n"
		"contexts: [{name: x, context: {cluster: c, user: u}}]\n";
	struct jf_k8s_config c, d;
	char path[256];
	struct jf_errmsg e = {{0}};

	write_file("ca.crt", "CA FILE");
	snprintf(path, sizeof(path), "%s/sub", dir);
	mkdir(path, 0700);
	write_file("sub/tls.crt", "CRT FILE");
	write_file("sub/tls.key", "KEY FILE");
	write_file("tok", "file-token\n");
	write_file("config", kc);
	snprintf(path, sizeof(path), "%s/config", dir);
	ck_assert_int_eq(jf_k8s_kubeconfig_load(path, NULL, &c, &e), 0);
	ck_assert_str_eq(c.ca.data, "CA FILE");
	ck_assert_str_eq(c.cert.data, "CRT FILE");
	ck_assert_str_eq(c.key.data, "KEY FILE");
	snprintf(path, sizeof(path), "%s/tok", dir);
	ck_assert_str_eq(c.token_file, path);
	ck_assert_ptr_null(c.token);
	/* a copy is deep */
	ck_assert_int_eq(jf_k8s_config_copy(&d, &c), 0);
	jf_k8s_config_release(&c);
	ck_assert_str_eq(d.ca.data, "CA FILE");
	ck_assert_str_eq(d.token_file, path);
	jf_k8s_config_release(&d);
	/* the file must exist */
	snprintf(path, sizeof(path), "%s/ca.crt", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/config", dir);
	ck_assert_int_eq(jf_k8s_kubeconfig_load(path, NULL, &c, &e),
			 -JF_ECONFIG);
	ck_assert_msg(
		strstr(e.msg,
		       "clusters[0].cluster.certificate-authority: cannot read"),
		"%s", e.msg);
}
END_TEST

START_TEST(test_bad_yaml_position)
{
	static const char kc[] = "clusters:\n  - name: a\n    cluster: [\n";
	struct jf_k8s_config c;
	struct jf_errmsg e = {{0}};

	ck_assert_int_eq(jf_k8s_kubeconfig_parse(kc, strlen(kc),
						 "my.kubeconfig", NULL, NULL,
						 &c, &e),
			 -JF_EPARSE);
	ck_assert_msg(!strncmp(e.msg, "my.kubeconfig:", 14), "%s", e.msg);
	/* file:line:col */
	ck_assert_msg(strstr(e.msg, "my.kubeconfig:4:") ||
			      strstr(e.msg, "my.kubeconfig:3:"),
		      "%s", e.msg);
}
END_TEST

static const struct {
	const char *yaml;
	const char *context;
	const char *msg;
} bad[] = {
	{"clusters: []\n", NULL, "current-context is not set"},
	{"current-context: a\ncontexts: []\n", NULL, "context 'a' not found"},
	{"current-context: a\ncontexts: [{name: a, context: {user: u}}]\n",
	 NULL, "contexts[0].context.cluster is missing"},
	{"current-context: a\ncontexts: [{name: a, context: {cluster: c}}]\n",
	 NULL, "cluster 'c' (context 'a') not found"},
	{"current-context: a\ncontexts: [{name: a, context: {cluster: c}}]\n"
	 "clusters: [{name: c, cluster: {}}]\n",
	 NULL, "clusters[0].cluster.server is missing"},
	{"current-context: a\ncontexts: [{name: a, context: {cluster: c}}]\n"
	 "clusters: [{name: c, cluster: {server: 'ftp://x'}}]\n",
	 NULL, "is not an http(s) URL"},
	{"current-context: a\ncontexts: [{name: a, context: {cluster: c, user: u}}]\n"
	 "clusters: [{name: c, cluster: {server: 'https://x'}}]\n",
	 NULL, "user 'u' (context 'a') not found"},
	{"current-context: a\ncontexts: [{name: a, context: {cluster: c}}]\n"
	 "clusters: [{name: c, cluster: {server: 'https://x', certificate-authority-data: '!!'}}]\n",
	 NULL, "certificate-authority-data: invalid base64"},
	{"current-context: a\ncontexts: [{name: a, context: {cluster: c}}]\n"
	 "clusters: [{name: c, cluster: {server: 'https://x', certificate-authority-data: " CA_B64
	 ", certificate-authority: /x}}]\n",
	 NULL, "are both set"},
	{"current-context: a\ncontexts: [{name: a, context: {cluster: c, user: u}}]\n"
	 "clusters: [{name: c, cluster: {server: 'https://x'}}]\n"
	 "users: [{name: u, user: {exec: {command: aws}}}]\n",
	 NULL, "users[0].user.exec: exec credential plugins are not supported"},
	{"current-context: a\ncontexts: [{name: a, context: {cluster: c, user: u}}]\n"
	 "clusters: [{name: c, cluster: {server: 'https://x'}}]\n"
	 "users: [{name: u, user: {client-certificate-data: " CERT_B64 "}}]\n",
	 NULL, "client-certificate and client-key go together"},
	{"- a\n- b\n", NULL, "not a kubeconfig"},
	{kc_data, "nope", "context 'nope' not found"},
};

START_TEST(test_missing_fields)
{
	struct jf_k8s_config c;
	struct jf_errmsg e = {{0}};

	ck_assert_int_eq(jf_k8s_kubeconfig_parse(bad[_i].yaml,
						 strlen(bad[_i].yaml), "kc",
						 NULL, bad[_i].context, &c, &e),
			 -JF_ECONFIG);
	ck_assert_msg(strstr(e.msg, bad[_i].msg), "case %d: got '%s'", _i,
		      e.msg);
	ck_assert_msg(!strncmp(e.msg, "kc: ", 4), "%s", e.msg);
	ck_assert_ptr_null(c.server);
}
END_TEST

START_TEST(test_incluster)
{
	struct jf_k8s_config c;
	struct jf_errmsg e = {{0}};

	unsetenv("POD_NAMESPACE");
	unsetenv("KUBERNETES_SERVICE_HOST");
	ck_assert_int_eq(jf_k8s_incluster_load(dir, &c, &e), -JF_ENOTFOUND);
	setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	ck_assert_int_eq(jf_k8s_incluster_load(dir, &c, &e), -JF_ECONFIG);
	ck_assert_ptr_nonnull(
		strstr(e.msg, "cannot read service account token"));
	write_file("token", "sa-token\n");
	write_file("ca.crt", "SA CA");
	write_file("namespace", "jobflow-system\n");
	ck_assert_int_eq(jf_k8s_incluster_load(dir, &c, &e), 0);
	ck_assert_str_eq(c.server, "https://[fd00::1]:443");
	ck_assert_str_eq(c.token, "sa-token");
	ck_assert_ptr_nonnull(strstr(c.token_file, "/token"));
	ck_assert_str_eq(c.ca.data, "SA CA");
	ck_assert_str_eq(c.namespace, "jobflow-system");
	jf_k8s_config_release(&c);
	setenv("POD_NAMESPACE", "from-env", 1);
	setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	ck_assert_int_eq(jf_k8s_incluster_load(dir, &c, &e), 0);
	ck_assert_str_eq(c.server, "https://10.96.0.1:443");
	ck_assert_str_eq(c.namespace, "from-env");
	jf_k8s_config_release(&c);
	setenv("KUBERNETES_SERVICE_PORT", "http", 1);
	ck_assert_int_eq(jf_k8s_incluster_load(dir, &c, &e), -JF_ECONFIG);
	unsetenv("KUBERNETES_SERVICE_HOST");
	unsetenv("KUBERNETES_SERVICE_PORT");
	unsetenv("POD_NAMESPACE");
}
END_TEST

START_TEST(test_auto_kubeconfig_env)
{
	struct jf_k8s_config c;
	char env[512];

	write_file("config", kc_data);
	snprintf(env, sizeof(env), "%s/config:/nonexistent/other", dir);
	setenv("KUBECONFIG", env, 1);
	ck_assert_int_eq(jf_k8s_config_auto(NULL, "prod", &c, NULL), 0);
	ck_assert_str_eq(c.server, "https://10.0.0.2:443");
	jf_k8s_config_release(&c);
	/* an explicit path wins over the environment */
	setenv("KUBECONFIG", "/nonexistent", 1);
	snprintf(env, sizeof(env), "%s/config", dir);
	ck_assert_int_eq(jf_k8s_config_auto(env, NULL, &c, NULL), 0);
	ck_assert_str_eq(c.context, "dev");
	jf_k8s_config_release(&c);
	ck_assert_int_eq(jf_k8s_config_auto(NULL, NULL, &c, NULL), -JF_ECONFIG);
	unsetenv("KUBECONFIG");
}
END_TEST

static Suite *kc_suite(void)
{
	Suite *s = suite_create("k8s_kubeconfig");
	TCase *tc = tcase_create("kubeconfig");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_data_variant);
	tcase_add_test(tc, test_context_override);
	tcase_add_test(tc, test_files_variant);
	tcase_add_test(tc, test_bad_yaml_position);
	tcase_add_loop_test(tc, test_missing_fields, 0,
			    sizeof(bad) / sizeof(bad[0]));
	suite_add_tcase(s, tc);
	tc = tcase_create("incluster");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_incluster);
	tcase_add_test(tc, test_auto_kubeconfig_env);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(kc_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
