/* main.c - jobflowctl, the user's command-line tool for JobFlows:
 * validate, render, graph, get, list, watch and retry.
 *
 *   jobflowctl [global flags] COMMAND [flags] [args]
 *
 * Exit status: 0 done, 1 findings or errors, 2 usage. See docs/cli.md.
 */
#include "ctl/ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jf_log.h"
#include "jf_time.h"

static const struct {
	const char *name;
	int (*fn)(struct ctl *c, int argc, char **argv);
	const char *summary;
} commands[] = {
	{"validate", ctl_cmd_validate,
	 "check JobFlows against JobTemplates in files (offline)"},
	{"render", ctl_cmd_render,
	 "print the Jobs a flow would create, as YAML (offline)"},
	{"graph", ctl_cmd_graph,
	 "draw a flow's DAG as Mermaid or DOT (file or live flow)"},
	{"get", ctl_cmd_get, "show a flow and its steps as a tree"},
	{"list", ctl_cmd_list, "list flows with status, steps done and age"},
	{"watch", ctl_cmd_watch, "follow a flow live until it finishes"},
	{"retry", ctl_cmd_retry, "re-run the failed steps of a Failed flow"},
	{"apply", ctl_cmd_apply,
	 "create or update the objects in YAML files (without kubectl)"},
};

static void usage(FILE *f)
{
	fprintf(f, "jobflowctl - inspect and check Volcano JobFlows\n\n"
		   "Usage:\n  jobflowctl [global flags] COMMAND [flags] "
		   "[args]\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(f,
		"\nGlobal flags:\n"
		"      --kubeconfig FILE   kubeconfig to use (default: "
		"$KUBECONFIG, in-cluster, ~/.kube/config)\n"
		"      --context NAME      kubeconfig context\n"
		"  -n, --namespace NS      namespace (default: the context's, "
		"else default)\n"
		"      --no-color          no colours (also NO_COLOR=1)\n"
		"  -h, --help              help (also 'jobflowctl COMMAND "
		"--help')\n"
		"\nExit status: 0 ok, 1 findings or errors, 2 usage "
		"errors.\n");
}

static void ctl_init(struct ctl *c)
{
	const char *now = getenv("JF_CTL_NOW");
	const char *nc = getenv("NO_COLOR");

	memset(c, 0, sizeof(*c));
	c->prog = "jobflowctl";
	c->out = stdout;
	c->err = stderr;
	c->tty = isatty(STDOUT_FILENO);
	c->no_color = nc && *nc;
	c->now_ms = jf_now_ms();
	/* testing aid: a fixed "now" makes ages and durations stable */
	if (now && *now && jf_time_parse(now, &c->now_ms) == 0)
		c->fixed_now = true;
	jf_k8s_config_init(&c->cfg);
}

int main(int argc, char **argv)
{
	char *help_argv[3] = {NULL, "--help", NULL};
	struct ctl c;
	int i, rc;

	ctl_init(&c);
	jf_log_init("jobflowctl", -1);
	jf_log_set_level(JF_LOG_ERROR);
	/* global flags may come before the command */
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return CTL_OK;
		}
		if (!strcmp(a, "--no-color")) {
			c.no_color = true;
			continue;
		}
		if (!strcmp(a, "--kubeconfig") || !strcmp(a, "--context") ||
		    !strcmp(a, "-n") || !strcmp(a, "--namespace")) {
			if (i + 1 >= argc)
				return ctl_usage_error(
					&c, NULL, "flag '%s' needs a value", a);
			if (!strcmp(a, "--kubeconfig"))
				c.kubeconfig = argv[++i];
			else if (!strcmp(a, "--context"))
				c.context = argv[++i];
			else
				c.ns = argv[++i];
			continue;
		}
		if (!strncmp(a, "--kubeconfig=", 13)) {
			c.kubeconfig = a + 13;
		} else if (!strncmp(a, "--context=", 10)) {
			c.context = a + 10;
		} else if (!strncmp(a, "--namespace=", 12)) {
			c.ns = a + 12;
		} else if (!strncmp(a, "-n", 2)) {
			c.ns = a + 2;
		} else {
			return ctl_usage_error(&c, NULL, "unknown flag '%s'",
					       a);
		}
	}
	if (i >= argc) {
		usage(stderr);
		return CTL_USAGE;
	}
	if (!strcmp(argv[i], "help")) {
		if (i + 1 < argc) {
			help_argv[0] = argv[i + 1];
			argv = help_argv;
			argc = 2;
			i = 0;
		} else {
			usage(stdout);
			return CTL_OK;
		}
	}
	for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++) {
		if (strcmp(argv[i], commands[k].name) != 0 &&
		    !(!strcmp(commands[k].name, "list") &&
		      !strcmp(argv[i], "ls")))
			continue;
		c.cmd = commands[k].name;
		rc = commands[k].fn(&c, argc - i - 1, argv + i + 1);
		if (fflush(stdout) != 0 && rc == CTL_OK)
			rc = CTL_FAIL;
		if (c.client)
			jf_k8s_client_free(c.client);
		jf_k8s_config_release(&c.cfg);
		return rc;
	}
	return ctl_usage_error(&c, NULL, "unknown command '%s'", argv[i]);
}
