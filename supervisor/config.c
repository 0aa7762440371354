/* config.c - table-driven configuration: one row per option gives its
 * flag, YAML key, environment variable, type, default and help. */
#include "supervisor/config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jf_json.h"
#include "jf_log.h"
#include "jf_time.h"
#include "jf_yaml.h"

enum opt_type {
	OPT_STR,
	OPT_INT,
	OPT_DUR,
	OPT_BOOL,
	OPT_FLOAT,
	OPT_LIST, /* namespaces: repeatable flag, YAML list, comma env */
};

struct opt {
	const char *flag; /* --flag (also the env name JOBFLOWD_FLAG) */
	const char *key;  /* YAML key, dotted for nested blocks */
	enum opt_type type;
	size_t off;
	const char *def; /* default as text; NULL: none */
	const char *help;
};

#define F(field) offsetof(struct jf_config, field)

static const struct opt opts[] = {
	{"config", NULL, OPT_STR, F(config_file), NULL,
	 "YAML configuration file"},
	{"kubeconfig", "kubeconfig", OPT_STR, F(kubeconfig), NULL,
	 "kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)"},
	{"context", "context", OPT_STR, F(context), NULL,
	 "kubeconfig context (default: current-context)"},
	{"namespace", "namespaces", OPT_LIST, F(namespaces), NULL,
	 "namespace to watch; repeatable (default: all)"},
	{"workers", "workers", OPT_INT, F(workers), "4",
	 "worker processes at start"},
	{"min-workers", "minWorkers", OPT_INT, F(min_workers), "1",
	 "lower bound for scale-down (TTOU)"},
	{"max-workers", "maxWorkers", OPT_INT, F(max_workers), "32",
	 "upper bound for scale-up (TTIN)"},
	{"identity", "identity", OPT_STR, F(identity), NULL,
	 "leader-election identity (default: hostname_pid)"},
	{"leader-elect", "leaderElection.enabled", OPT_BOOL, F(leader_elect),
	 "true", "run leader election (false: act as leader at once)"},
	{"lease-name", "leaderElection.leaseName", OPT_STR, F(lease_name),
	 "jobflowd", "Lease object name"},
	{"lease-namespace", "leaderElection.leaseNamespace", OPT_STR,
	 F(lease_namespace), NULL,
	 "Lease namespace (default: the pod's namespace, else default)"},
	{"lease-duration", "leaderElection.leaseDuration", OPT_DUR,
	 F(lease_duration_ms), "15s",
	 "how long a standby waits before taking an unrenewed lease"},
	{"renew-deadline", "leaderElection.renewDeadline", OPT_DUR,
	 F(renew_deadline_ms), "10s",
	 "a leader that cannot renew for this long stops and exits"},
	{"retry-period", "leaderElection.retryPeriod", OPT_DUR,
	 F(retry_period_ms), "2s", "interval between lease attempts"},
	{"http-listen", "httpListen", OPT_STR, F(http_listen), "127.0.0.1:8080",
	 "address for /healthz /readyz /metrics /debug/state (:0 picks a port)"},
	{"run-dir", "runDir", OPT_STR, F(run_dir), NULL,
	 "private directory for the pid file, control socket and IPC sockets "
	 "(default: /run/jobflowd as root, else /tmp/jobflowd-<uid>)"},
	{"qps", "qps", OPT_FLOAT, F(qps), "0",
	 "client-side API request rate limit per process (0: off)"},
	{"burst", "burst", OPT_INT, F(burst), "0",
	 "client-side burst (with --qps)"},
	{"resync", "resync", OPT_DUR, F(resync_ms), "10m",
	 "periodic re-reconcile of every flow (0: off)"},
	{"log-level", "logLevel", OPT_STR, F(log_level), "info",
	 "debug, info, warn or error"},
	{"log-file", "logFile", OPT_STR, F(log_file), NULL,
	 "log to this file instead of stderr (reopened on USR1)"},
	{"grace-period", "gracePeriod", OPT_DUR, F(grace_period_ms), "25s",
	 "on TERM, time allowed for in-flight tasks to finish"},
	{"task-timeout", "taskTimeout", OPT_DUR, F(task_timeout_ms), "60s",
	 "a busy worker silent for this long is killed and its flow requeued"},
	{"max-iterations", "maxIterations", OPT_INT, F(max_iterations), "1000",
	 "forEach iteration cap per step"},
	{"status-interval", "statusInterval", OPT_DUR, F(status_interval_ms),
	 "1s",
	 "a flow's progress is written to its status at most this late "
	 "(phase changes and failures at once; 0: every change at once)"},
	{"cache-compression", "cacheCompression", OPT_BOOL,
	 F(cache_compression), "true",
	 "keep cached objects zstd-compressed: about an eighth of the "
	 "memory, no measurable CPU cost (read at start)"},
	{"worker-path", "workerPath", OPT_STR, F(worker_path), NULL,
	 "jobflow-worker executable (default: beside jobflowd)"},
	{"queue-base-delay", "queue.baseDelay", OPT_DUR, F(queue_base_delay_ms),
	 "5ms", "per-flow error backoff: first delay"},
	{"queue-max-delay", "queue.maxDelay", OPT_DUR, F(queue_max_delay_ms),
	 "1000s", "per-flow error backoff: cap"},
	{"queue-qps", "queue.qps", OPT_FLOAT, F(queue_qps), "10",
	 "overall rate of error requeues"},
	{"queue-burst", "queue.burst", OPT_INT, F(queue_burst), "100",
	 "burst of error requeues"},
	{"restart-throttle", "restart.throttle", OPT_DUR,
	 F(restart_throttle_ms), "1s",
	 "delay before restarting a worker that died before its first task"},
	{"restart-backoff-max", "restart.backoffMax", OPT_DUR,
	 F(restart_backoff_max_ms), "30s", "cap of the respawn backoff"},
	{"max-fast-failures", "restart.maxFastFailures", OPT_INT,
	 F(max_fast_failures), "10",
	 "fast worker deaths within the window before jobflowd exits 1"},
	{"fast-failure-window", "restart.fastFailureWindow", OPT_DUR,
	 F(fast_failure_window_ms), "60s", "window for --max-fast-failures"},
	{"signal", NULL, OPT_STR, F(signal), NULL,
	 "-s NAME: send stop|quit|reload|reopen|scale-up|scale-down to the "
	 "running jobflowd, or print its status"},
};

#define NOPTS (sizeof(opts) / sizeof(opts[0]))

static void *field(struct jf_config *c, const struct opt *o)
{
	return (char *)c + o->off;
}

static void env_name(const struct opt *o, char *buf, size_t cap)
{
	size_t n = (size_t)snprintf(buf, cap, "JOBFLOWD_");

	for (const char *p = o->flag; *p && n + 1 < cap; p++)
		buf[n++] = *p == '-' ? '_'
				     : (char)(*p >= 'a' && *p <= 'z' ? *p - 32
								     : *p);
	buf[n] = '\0';
}

/* Sets one option from text; where says where it came from. */
static int set_text(struct jf_config *c, const struct opt *o, const char *text,
		    const char *where, struct jf_errmsg *e)
{
	void *f = field(c, o);
	struct jf_errmsg de;
	char *end;

	switch (o->type) {
	case OPT_STR: {
		char **s = f, *dup = strdup(text);

		if (!dup)
			return -ENOMEM;
		free(*s);
		*s = dup;
		return 0;
	}
	case OPT_LIST: {
		/* a comma-separated value adds each part */
		char *copy = strdup(text), *save = NULL;

		if (!copy)
			return -ENOMEM;
		for (char *t = strtok_r(copy, ",", &save); t;
		     t = strtok_r(NULL, ",", &save)) {
			if (c->nnamespaces >= JF_CONFIG_MAX_NAMESPACES) {
				free(copy);
				return jf_errf(e, -JF_ECONFIG,
					       "%s: more than %d namespaces",
					       where, JF_CONFIG_MAX_NAMESPACES);
			}
			c->namespaces[c->nnamespaces++] = strdup(t);
		}
		free(copy);
		return 0;
	}
	case OPT_INT: {
		long v;

		errno = 0;
		v = strtol(text, &end, 10);
		if (errno || end == text || *end || v < INT_MIN || v > INT_MAX)
			return jf_errf(e, -JF_ECONFIG,
				       "%s: '%s' is not an integer", where,
				       text);
		*(int *)f = (int)v;
		return 0;
	}
	case OPT_FLOAT: {
		double v;

		errno = 0;
		v = strtod(text, &end);
		if (errno || end == text || *end)
			return jf_errf(e, -JF_ECONFIG,
				       "%s: '%s' is not a number", where, text);
		*(double *)f = v;
		return 0;
	}
	case OPT_DUR:
		if (jf_duration_parse(text, (int64_t *)f, &de))
			return jf_errf(e, -JF_ECONFIG, "%s: %s", where, de.msg);
		return 0;
	case OPT_BOOL:
		if (strcmp(text, "true") == 0 || strcmp(text, "1") == 0)
			*(bool *)f = true;
		else if (strcmp(text, "false") == 0 || strcmp(text, "0") == 0)
			*(bool *)f = false;
		else
			return jf_errf(e, -JF_ECONFIG,
				       "%s: '%s' is not true or false", where,
				       text);
		return 0;
	}
	return -EINVAL;
}

/* --- the config file ------------------------------------------------------ */

static const struct opt *opt_by_key(const char *key)
{
	for (size_t i = 0; i < NOPTS; i++) {
		if (opts[i].key && strcmp(opts[i].key, key) == 0)
			return &opts[i];
	}
	return NULL;
}

static bool key_is_block(const char *prefix)
{
	size_t n = strlen(prefix);

	for (size_t i = 0; i < NOPTS; i++) {
		if (opts[i].key && strncmp(opts[i].key, prefix, n) == 0 &&
		    opts[i].key[n] == '.')
			return true;
	}
	return false;
}

static int file_value(struct jf_config *c, const struct opt *o, const cJSON *v,
		      const char *where, struct jf_errmsg *e)
{
	char num[64];

	if (o->type == OPT_LIST) {
		const cJSON *it;

		if (cJSON_IsString(v))
			return set_text(c, o, v->valuestring, where, e);
		if (!cJSON_IsArray(v))
			return jf_errf(e, -JF_ECONFIG,
				       "%s: expected a list of strings", where);
		cJSON_ArrayForEach (it, v) {
			int err;

			if (!cJSON_IsString(it))
				return jf_errf(e, -JF_ECONFIG,
					       "%s: expected a list of strings",
					       where);
			err = set_text(c, o, it->valuestring, where, e);
			if (err)
				return err;
		}
		return 0;
	}
	if (cJSON_IsString(v))
		return set_text(c, o, v->valuestring, where, e);
	if (cJSON_IsBool(v))
		return set_text(c, o, cJSON_IsTrue(v) ? "true" : "false", where,
				e);
	if (cJSON_IsNumber(v) && o->type != OPT_STR && o->type != OPT_DUR) {
		if (jf_json_is_int(v))
			snprintf(num, sizeof(num), "%lld",
				 (long long)v->valuedouble);
		else
			snprintf(num, sizeof(num), "%.17g", v->valuedouble);
		return set_text(c, o, num, where, e);
	}
	if (cJSON_IsNumber(v) && o->type == OPT_DUR)
		return jf_errf(e, -JF_ECONFIG,
			       "%s: a duration needs a unit, e.g. \"%gs\"",
			       where, v->valuedouble);
	return jf_errf(e, -JF_ECONFIG, "%s: unexpected %s", where,
		       jf_json_type_name(v));
}

static int load_block(struct jf_config *c, const struct jf_yaml_doc *doc,
		      const cJSON *obj, const char *prefix, struct jf_errmsg *e)
{
	const cJSON *v;

	cJSON_ArrayForEach (v, obj) {
		char key[128], where[512];
		const struct opt *o;
		int line = 0, col = 0, err;

		snprintf(key, sizeof(key), "%s%s%s", prefix, *prefix ? "." : "",
			 v->string);
		jf_yaml_pos_lookup(doc, key, &line, &col);
		snprintf(where, sizeof(where), "%s:%d: '%s'", c->config_file,
			 line, key);
		if (cJSON_IsObject(v) && key_is_block(key)) {
			err = load_block(c, doc, v, key, e);
			if (err)
				return err;
			continue;
		}
		o = opt_by_key(key);
		if (!o)
			return jf_errf(e, -JF_ECONFIG, "%s: unknown key",
				       where);
		err = file_value(c, o, v, where, e);
		if (err)
			return err;
	}
	return 0;
}

static int load_file(struct jf_config *c, struct jf_errmsg *e)
{
	struct jf_yaml_stream st;
	struct jf_errmsg ye;
	int err;

	err = jf_yaml_load_file(c->config_file, &st, &ye);
	if (err)
		return jf_errf(e, -JF_ECONFIG, "%s", ye.msg);
	if (st.ndocs != 1 || !cJSON_IsObject(st.docs[0].json)) {
		jf_yaml_stream_release(&st);
		return jf_errf(e, -JF_ECONFIG,
			       "%s: expected one YAML mapping of options",
			       c->config_file);
	}
	err = load_block(c, &st.docs[0], st.docs[0].json, "", e);
	jf_yaml_stream_release(&st);
	return err;
}

/* --- flags and environment --------------------------------------------------
 */

static void config_defaults(struct jf_config *c)
{
	char host[256];

	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < NOPTS; i++) {
		if (opts[i].def)
			set_text(c, &opts[i], opts[i].def, opts[i].flag, NULL);
	}
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "jobflowd");
	host[sizeof(host) - 1] = '\0';
	if (asprintf(&c->identity, "%s_%d", host, (int)getpid()) < 0)
		c->identity = NULL;
	if (getuid() == 0) {
		c->run_dir = strdup("/run/jobflowd");
	} else if (asprintf(&c->run_dir, "/tmp/jobflowd-%d", (int)getuid()) <
		   0) {
		c->run_dir = NULL;
	}
}

static int load_env(struct jf_config *c, struct jf_errmsg *e)
{
	for (size_t i = 0; i < NOPTS; i++) {
		char name[96];
		const char *v;
		int err;

		env_name(&opts[i], name, sizeof(name));
		v = getenv(name);
		if (!v || !*v || strcmp(opts[i].flag, "config") == 0 ||
		    strcmp(opts[i].flag, "signal") == 0)
			continue;
		if (opts[i].type == OPT_LIST)
			c->nnamespaces = 0;
		err = set_text(c, &opts[i], v, name, e);
		if (err)
			return err;
	}
	return 0;
}

/* getopt_long table built from opts[]; index = position in opts[]. */
static void build_longopts(struct option *lo)
{
	for (size_t i = 0; i < NOPTS; i++) {
		lo[i].name = opts[i].flag;
		lo[i].has_arg = opts[i].type == OPT_BOOL ? optional_argument
							 : required_argument;
		lo[i].flag = NULL;
		lo[i].val = 1000 + (int)i;
	}
	lo[NOPTS].name = "help";
	lo[NOPTS].has_arg = no_argument;
	lo[NOPTS].flag = NULL;
	lo[NOPTS].val = 'h';
	memset(&lo[NOPTS + 1], 0, sizeof(lo[0]));
}

/* pass 0 only picks --config; pass 1 applies every other flag. */
static int load_flags(struct jf_config *c, int argc, char **argv, int pass,
		      struct jf_errmsg *e)
{
	struct option lo[NOPTS + 2];
	bool ns_from_flags = false;
	int ch;

	build_longopts(lo);
	optind = 0; /* glibc: reinitialise for a second scan */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":hs:", lo, NULL)) != -1) {
		const struct opt *o;
		char where[96];
		int err;

		if (ch == 'h') {
			if (pass == 1) {
				jf_config_usage(stdout);
				exit(0);
			}
			continue;
		}
		if (ch == 's') {
			o = &opts[NOPTS - 1];
		} else if (ch >= 1000 && ch < 1000 + (int)NOPTS) {
			o = &opts[ch - 1000];
		} else if (ch == ':') {
			return jf_errf(e, -JF_ECONFIG,
				       "option '%s' needs a value",
				       argv[optind - 1]);
		} else {
			return jf_errf(e, -JF_ECONFIG,
				       "unknown option '%s' (see --help)",
				       argv[optind - 1]);
		}
		if ((pass == 0) != (strcmp(o->flag, "config") == 0))
			continue;
		snprintf(where, sizeof(where), "--%s", o->flag);
		if (o->type == OPT_LIST && !ns_from_flags) {
			/* flags replace namespaces from the file or env */
			for (int i = 0; i < c->nnamespaces; i++)
				free(c->namespaces[i]);
			c->nnamespaces = 0;
			ns_from_flags = true;
		}
		err = set_text(c, o,
			       o->type == OPT_BOOL && !optarg ? "true" : optarg,
			       where, e);
		if (err)
			return err;
	}
	if (optind < argc)
		return jf_errf(e, -JF_ECONFIG, "unexpected argument '%s'",
			       argv[optind]);
	return 0;
}

int jf_config_validate(const struct jf_config *c, struct jf_errmsg *e)
{
	if (c->min_workers < 1)
		return jf_errf(e, -JF_ECONFIG, "--min-workers must be >= 1");
	if (c->max_workers < c->min_workers || c->max_workers > 256)
		return jf_errf(
			e, -JF_ECONFIG,
			"--max-workers must be between --min-workers (%d) and 256",
			c->min_workers);
	if (c->workers < c->min_workers || c->workers > c->max_workers)
		return jf_errf(
			e, -JF_ECONFIG,
			"--workers %d is outside [--min-workers %d, --max-workers %d]",
			c->workers, c->min_workers, c->max_workers);
	if (c->lease_duration_ms <= c->renew_deadline_ms)
		return jf_errf(
			e, -JF_ECONFIG,
			"--lease-duration must be greater than --renew-deadline");
	if (c->renew_deadline_ms <= c->retry_period_ms * 12 / 10)
		return jf_errf(
			e, -JF_ECONFIG,
			"--renew-deadline must be greater than 1.2 x --retry-period");
	if (c->retry_period_ms <= 0)
		return jf_errf(e, -JF_ECONFIG, "--retry-period must be > 0");
	if (c->task_timeout_ms < 1000)
		return jf_errf(e, -JF_ECONFIG, "--task-timeout must be >= 1s");
	if (c->status_interval_ms < 0 || c->status_interval_ms > 60000)
		return jf_errf(e, -JF_ECONFIG,
			       "--status-interval must be between 0 and 1m");
	if (c->max_iterations < 1)
		return jf_errf(e, -JF_ECONFIG, "--max-iterations must be >= 1");
	if (jf_log_set_level_name(c->log_level))
		return jf_errf(
			e, -JF_ECONFIG,
			"--log-level '%s' is not debug, info, warn or error",
			c->log_level);
	if (!c->run_dir || !*c->run_dir || c->run_dir[0] != '/')
		return jf_errf(e, -JF_ECONFIG,
			       "--run-dir must be an absolute path");
	if (!c->http_listen || !strchr(c->http_listen, ':'))
		return jf_errf(e, -JF_ECONFIG,
			       "--http-listen '%s' is not host:port",
			       c->http_listen ? c->http_listen : "");
	if (c->queue_base_delay_ms <= 0 ||
	    c->queue_max_delay_ms < c->queue_base_delay_ms)
		return jf_errf(
			e, -JF_ECONFIG,
			"--queue-base-delay must be > 0 and <= --queue-max-delay");
	return 0;
}

int jf_config_load(struct jf_config *c, int argc, char **argv,
		   struct jf_errmsg *e)
{
	const char *env_cfg = getenv("JOBFLOWD_CONFIG");
	int err;

	config_defaults(c);
	if (env_cfg && *env_cfg)
		c->config_file = strdup(env_cfg);
	err = load_flags(c, argc, argv, 0, e);
	if (!err && c->config_file)
		err = load_file(c, e);
	if (!err)
		err = load_env(c, e);
	if (!err)
		err = load_flags(c, argc, argv, 1, e);
	if (!err && !c->signal)
		err = jf_config_validate(c, e);
	return err;
}

void jf_config_release(struct jf_config *c)
{
	for (size_t i = 0; i < NOPTS; i++) {
		if (opts[i].type == OPT_STR)
			free(*(char **)field(c, &opts[i]));
	}
	for (int i = 0; i < c->nnamespaces; i++)
		free(c->namespaces[i]);
	memset(c, 0, sizeof(*c));
}

void jf_config_usage(FILE *f)
{
	fputs("usage: jobflowd [options]\n"
	      "       jobflowd -s stop|quit|reload|reopen|scale-up|scale-down|"
	      "status [--run-dir DIR]\n\n"
	      "Volcano JobFlow controller: a leader-elected supervisor that "
	      "dispatches\nreconcile tasks to a pool of worker processes.\n"
	      "Precedence: defaults < --config file < JOBFLOWD_* environment "
	      "< flags.\n\n",
	      f);
	for (size_t i = 0; i < NOPTS; i++) {
		const struct opt *o = &opts[i];
		char env[96];

		env_name(o, env, sizeof(env));
		fprintf(f, "  --%s%s\n      %s\n", o->flag,
			o->type == OPT_BOOL ? "[=true|false]" : " VALUE",
			o->help);
		if (strcmp(o->flag, "signal") == 0) {
			fputs("      (flag only; short form -s)\n", f);
			continue;
		}
		fprintf(f, "      (%s%s%senv %s%s%s)\n", o->key ? "key " : "",
			o->key ? o->key : "", o->key ? "; " : "", env,
			o->def ? "; default " : "", o->def ? o->def : "");
	}
}

void jf_config_markdown(FILE *f)
{
	fputs("| flag | config key | environment | default | meaning |\n"
	      "|---|---|---|---|---|\n",
	      f);
	for (size_t i = 0; i < NOPTS; i++) {
		char env[96];

		env_name(&opts[i], env, sizeof(env));
		fprintf(f, "| `--%s` | %s%s%s | `%s` | %s%s%s | %s |\n",
			opts[i].flag, opts[i].key ? "`" : "",
			opts[i].key ? opts[i].key : "—", opts[i].key ? "`" : "",
			env, opts[i].def ? "`" : "",
			opts[i].def ? opts[i].def : "—", opts[i].def ? "`" : "",
			opts[i].help);
	}
}
