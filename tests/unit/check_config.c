/* check_config.c - Check suite for jobflowd's configuration loading. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "supervisor/config.h"

static char path[64];

static void write_config(const char *text)
{
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/jf-config-XXXXXX");
	ck_assert_int_ge(mkstemp(path), 0);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static void teardown(void)
{
	if (path[0])
		unlink(path);
	path[0] = '\0';
	unsetenv("JOBFLOWD_WORKERS");
	unsetenv("JOBFLOWD_NAMESPACE");
	unsetenv("JOBFLOWD_CONFIG");
}

static int load(struct jf_config *c, struct jf_errmsg *e, ...)
{
	char *argv[32] = {"jobflowd"};
	int argc = 1;
	va_list ap;

	va_start(ap, e);
	for (char *a; (a = va_arg(ap, char *));)
		argv[argc++] = a;
	va_end(ap);
	return jf_config_load(c, argc, argv, e);
}

START_TEST(test_defaults)
{
	struct jf_config c;
	struct jf_errmsg e = {{0}};

	ck_assert_int_eq(load(&c, &e, NULL), 0);
	ck_assert_int_eq(c.workers, 4);
	ck_assert_int_eq(c.min_workers, 1);
	ck_assert_int_eq(c.max_workers, 32);
	ck_assert(c.leader_elect);
	ck_assert_int_eq(c.lease_duration_ms, 15000);
	ck_assert_int_eq(c.renew_deadline_ms, 10000);
	ck_assert_int_eq(c.retry_period_ms, 2000);
	ck_assert_str_eq(c.http_listen, "127.0.0.1:8080");
	ck_assert_str_eq(c.lease_name, "jobflowd");
	ck_assert_int_eq(c.queue_base_delay_ms, 5);
	ck_assert_int_eq(c.queue_max_delay_ms, 1000000);
	ck_assert_int_eq(c.nnamespaces, 0);
	ck_assert_ptr_nonnull(strchr(c.identity, '_'));
	ck_assert_ptr_null(c.signal);
	jf_config_release(&c);
}
END_TEST

START_TEST(test_file_env_flags_precedence)
{
	struct jf_config c;
	struct jf_errmsg e = {{0}};

	write_config("workers: 6\n"
		     "maxWorkers: 10\n"
		     "namespaces: [team-a, team-b]\n"
		     "leaderElection:\n"
		     "  leaseDuration: 30s\n"
		     "  renewDeadline: 20s\n"
		     "  enabled: false\n"
		     "queue: {baseDelay: 10ms}\n"
		     "logLevel: debug\n");
	ck_assert_int_eq(load(&c, &e, "--config", path, NULL), 0);
	ck_assert_int_eq(c.workers, 6);
	ck_assert_int_eq(c.max_workers, 10);
	ck_assert_int_eq(c.nnamespaces, 2);
	ck_assert_str_eq(c.namespaces[1], "team-b");
	ck_assert_int_eq(c.lease_duration_ms, 30000);
	ck_assert(!c.leader_elect);
	ck_assert_int_eq(c.queue_base_delay_ms, 10);
	jf_config_release(&c);

	/* env beats the file, flags beat env; flags replace namespaces */
	setenv("JOBFLOWD_WORKERS", "7", 1);
	ck_assert_int_eq(load(&c, &e, "--config", path, NULL), 0);
	ck_assert_int_eq(c.workers, 7);
	jf_config_release(&c);
	ck_assert_int_eq(load(&c, &e, "--config", path, "--workers=3",
			      "--namespace", "x", "--namespace", "y",
			      "--leader-elect", NULL),
			 0);
	ck_assert_int_eq(c.workers, 3);
	ck_assert_int_eq(c.nnamespaces, 2);
	ck_assert_str_eq(c.namespaces[0], "x");
	ck_assert(c.leader_elect);
	jf_config_release(&c);
}
END_TEST

static const struct {
	const char *file; /* NULL: no file */
	const char *args[4];
	const char *want;
} bad[] = {
	{"workers: 6\nbogusKey: 1\n", {NULL}, ":2: 'bogusKey': unknown key"},
	{"leaderElection:\n  leaseDuration: 15\n",
	 {NULL},
	 ":2: 'leaderElection.leaseDuration': a duration needs a unit"},
	{"workers: [1]\n", {NULL}, "'workers': unexpected array"},
	{"workers: 4\n  bad: indent\n", {NULL}, "mapping values"},
	{NULL, {"--workers", "many"}, "--workers: 'many' is not an integer"},
	{NULL, {"--resync", "10"}, "--resync: "},
	{NULL, {"--workers", "40"}, "--workers 40 is outside"},
	{NULL,
	 {"--lease-duration", "5s"},
	 "--lease-duration must be greater than --renew-deadline"},
	{NULL, {"--log-level", "loud"}, "--log-level 'loud'"},
	{NULL, {"--frobnicate"}, "unknown option '--frobnicate'"},
	{NULL, {"--workers"}, "option '--workers' needs a value"},
	{NULL, {"--leader-elect=maybe"}, "'maybe' is not true or false"},
	{NULL, {"stray"}, "unexpected argument 'stray'"},
	{NULL, {"--http-listen", "8080"}, "is not host:port"},
};

START_TEST(test_errors_say_where)
{
	struct jf_errmsg e = {{0}};
	struct jf_config c;
	char *argv[8] = {"jobflowd"};
	int argc = 1;

	if (bad[_i].file) {
		write_config(bad[_i].file);
		argv[argc++] = "--config";
		argv[argc++] = path;
	}
	for (int i = 0; bad[_i].args[i]; i++)
		argv[argc++] = (char *)bad[_i].args[i];
	ck_assert_int_eq(jf_config_load(&c, argc, argv, &e), -JF_ECONFIG);
	ck_assert_msg(strstr(e.msg, bad[_i].want), "case %d: '%s'", _i, e.msg);
	jf_config_release(&c);
}
END_TEST

START_TEST(test_signal_skips_validation)
{
	struct jf_config c;
	struct jf_errmsg e = {{0}};

	ck_assert_int_eq(load(&c, &e, "-s", "reload", "--run-dir", "/tmp/x",
			      "--workers", "99", NULL),
			 0);
	ck_assert_str_eq(c.signal, "reload");
	ck_assert_str_eq(c.run_dir, "/tmp/x");
	jf_config_release(&c);
}
END_TEST

START_TEST(test_usage_lists_every_flag)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	jf_config_usage(f);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(out, "--lease-duration VALUE"));
	ck_assert_ptr_nonnull(strstr(out, "env JOBFLOWD_MAX_WORKERS"));
	ck_assert_ptr_nonnull(strstr(out, "--leader-elect[=true|false]"));
	free(out);
}
END_TEST

/* docs/operations.md carries the generated option table verbatim. */
START_TEST(test_docs_match_the_option_table)
{
	const char *src = getenv("JF_SRC_DIR");
	char docs[512], *md = NULL, *want = NULL;
	size_t len = 0, wlen = 0;
	FILE *f;

	snprintf(docs, sizeof(docs), "%s/docs/operations.md", src ? src : ".");
	f = fopen(docs, "r");
	ck_assert_msg(f != NULL, "cannot open %s", docs);
	md = calloc(1, 1 << 20);
	len = fread(md, 1, (1 << 20) - 1, f);
	fclose(f);
	ck_assert_uint_gt(len, 0);
	f = open_memstream(&want, &wlen);
	jf_config_markdown(f);
	fclose(f);
	ck_assert_msg(strstr(md, want) != NULL,
		      "docs/operations.md is out of date: regenerate the "
		      "config reference from jf_config_markdown()");
	free(md);
	free(want);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("load");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_file_env_flags_precedence);
	tcase_add_loop_test(tc, test_errors_say_where, 0,
			    sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_signal_skips_validation);
	tcase_add_test(tc, test_usage_lists_every_flag);
	tcase_add_test(tc, test_docs_match_the_option_table);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
