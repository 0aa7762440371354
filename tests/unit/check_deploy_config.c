/* check_deploy_config.c - the configuration jobflowd really gets in the
 * Deployment: deploy/configmap.yaml's config.yaml plus the container's
 * environment, loaded with the supervisor's own loader (jf_config_load),
 * with no command-line arguments (the image's ENTRYPOINT only). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jf_json.h"
#include "jf_yaml.h"
#include "supervisor/config.h"

#define NS "jobflowd-system"

static char *src_path(const char *rel)
{
	const char *root = getenv("JF_SRC_DIR");
	char *p;

	ck_assert_int_ge(asprintf(&p, "%s/%s", root ? root : ".", rel), 0);
	return p;
}

static cJSON *load_one(const char *rel)
{
	char *path = src_path(rel);
	struct jf_yaml_stream s;
	struct jf_errmsg e = {{0}};
	cJSON *d;

	ck_assert_msg(jf_yaml_load_file(path, &s, &e) == 0, "%s: %s", path,
		      e.msg);
	ck_assert_int_eq(s.ndocs, 1);
	d = jf_json_dup(s.docs[0].json);
	jf_yaml_stream_release(&s);
	free(path);
	return d;
}

/* Writes the ConfigMap's config.yaml to a temporary file; returns its
 * path (caller unlinks and frees). */
static char *config_file(void)
{
	cJSON *cm = load_one("deploy/configmap.yaml");
	const char *text = jf_json_str(cm, "data[\"config.yaml\"]", NULL);
	char *path = strdup("/tmp/jf_deploy_config_XXXXXX");
	int fd;

	ck_assert_ptr_nonnull(text);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	cJSON_Delete(cm);
	return path;
}

/* Sets the container's environment as the kubelet would, with the config
 * path pointing at cfg_path and fieldRef metadata.namespace resolved. */
static void set_container_env(const cJSON *ctr, const char *cfg_path)
{
	const cJSON *v;

	cJSON_ArrayForEach (v, jf_json_at(ctr, "env")) {
		const char *name = jf_json_str(v, "name", "");
		const char *val = jf_json_str(v, "value", NULL);

		if (!val) {
			ck_assert_str_eq(jf_json_str(v,
						     "valueFrom.fieldRef."
						     "fieldPath",
						     ""),
					 "metadata.namespace");
			val = NS;
		}
		if (!strcmp(name, "JOBFLOWD_CONFIG"))
			val = cfg_path;
		ck_assert_int_eq(setenv(name, val, 1), 0);
	}
}

START_TEST(configmap_and_env_load)
{
	cJSON *dep = load_one("deploy/deployment.yaml");
	const cJSON *ctr = jf_json_at(dep, "spec.template.spec.containers[0]");
	char *cfg = config_file();
	char *argv[] = {"jobflowd", NULL};
	struct jf_config c;
	struct jf_errmsg e = {{0}};
	int err;

	/* no flags: everything comes from the file and the environment */
	ck_assert_ptr_null(jf_json_at(ctr, "args"));
	ck_assert_ptr_null(jf_json_at(ctr, "command"));
	set_container_env(ctr, cfg);
	err = jf_config_load(&c, 1, argv, &e);
	ck_assert_msg(err == 0, "config rejected: %s", e.msg);
	ck_assert_str_eq(c.config_file, cfg);
	ck_assert_str_eq(c.run_dir, "/run/jobflowd");
	ck_assert_str_eq(c.http_listen, "0.0.0.0:8080");
	ck_assert_str_eq(c.lease_namespace, NS);
	ck_assert_str_eq(c.lease_name, "jobflowd");
	ck_assert(c.leader_elect);
	ck_assert_int_eq(c.workers, 4);
	ck_assert_int_eq(c.min_workers, 1);
	ck_assert_int_eq(c.max_workers, 16);
	ck_assert_int_eq(c.lease_duration_ms, 15000);
	ck_assert_int_eq(c.renew_deadline_ms, 10000);
	ck_assert_int_eq(c.retry_period_ms, 2000);
	ck_assert_int_eq(c.grace_period_ms, 25000);
	ck_assert_int_eq(c.task_timeout_ms, 60000);
	ck_assert_int_eq(c.resync_ms, 600000);
	ck_assert_int_eq(c.max_iterations, 1000);
	ck_assert_int_eq(c.queue_base_delay_ms, 5);
	ck_assert_int_eq(c.queue_max_delay_ms, 1000000);
	ck_assert_int_eq(c.restart_throttle_ms, 1000);
	ck_assert_int_eq(c.max_fast_failures, 10);
	ck_assert_str_eq(c.log_level, "info");
	ck_assert_int_eq(c.nnamespaces, 0); /* all namespaces */
	/* the pod's grace period covers the drain plus 5 s */
	ck_assert_int_ge(jf_json_int(dep,
				     "spec.template.spec."
				     "terminationGracePeriodSeconds",
				     0) *
				 1000,
			 c.grace_period_ms + 5000);
	jf_config_release(&c);
	unlink(cfg);
	free(cfg);
	cJSON_Delete(dep);
}
END_TEST

/* The loader really checks the file: an unknown key in the ConfigMap's
 * text would stop jobflowd from starting. */
START_TEST(configmap_typo_is_fatal)
{
	cJSON *dep = load_one("deploy/deployment.yaml");
	char *cfg = config_file(), *argv[] = {"jobflowd", NULL};
	struct jf_config c;
	struct jf_errmsg e = {{0}};
	FILE *f;

	f = fopen(cfg, "a");
	ck_assert_ptr_nonnull(f);
	fputs("wrokers: 8\n", f);
	fclose(f);
	set_container_env(jf_json_at(dep, "spec.template.spec.containers[0]"),
			  cfg);
	ck_assert_int_ne(jf_config_load(&c, 1, argv, &e), 0);
	ck_assert_msg(strstr(e.msg, "'wrokers': unknown key") != NULL, "%s",
		      e.msg);
	jf_config_release(&c);
	unlink(cfg);
	free(cfg);
	cJSON_Delete(dep);
}
END_TEST

static Suite *deploy_config_suite(void)
{
	Suite *s = suite_create("deploy_config");
	TCase *tc = tcase_create("config");

	tcase_add_test(tc, configmap_and_env_load);
	tcase_add_test(tc, configmap_typo_is_fatal);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(deploy_config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
