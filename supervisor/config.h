/* config.h - jobflowd's configuration: defaults, then the YAML file
 * (--config), then environment variables (JOBFLOWD_<FLAG>), then flags.
 * One table (config.c) defines every option's flag, YAML key, env name,
 * type and help text, so --help and docs/operations.md cannot drift. */
#ifndef JF_SUPERVISOR_CONFIG_H
#define JF_SUPERVISOR_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "jf_err.h"

#define JF_CONFIG_MAX_NAMESPACES 64

struct jf_config {
	char *config_file;
	char *kubeconfig;
	char *context;
	char *namespaces[JF_CONFIG_MAX_NAMESPACES]; /* none: all */
	int nnamespaces;
	int workers, min_workers, max_workers;
	char *identity; /* default hostname_pid */
	bool leader_elect;
	char *lease_name, *lease_namespace;
	int64_t lease_duration_ms, renew_deadline_ms, retry_period_ms;
	char *http_listen;
	char *run_dir;
	double qps; /* <= 0: no client-side limit */
	int burst;
	int64_t resync_ms; /* 0: no periodic resync */
	char *log_level;
	char *log_file;		    /* NULL: stderr */
	int64_t grace_period_ms;    /* TERM: drain in-flight tasks this long */
	int64_t task_timeout_ms;    /* a worker silent this long is killed */
	int max_iterations;	    /* forEach cap */
	int64_t status_interval_ms; /* status write coalescing (0: off) */
	bool cache_compression;	    /* informer caches packed (zstd) */
	char *worker_path; /* default: jobflow-worker beside jobflowd */
	int64_t queue_base_delay_ms, queue_max_delay_ms;
	double queue_qps;
	int queue_burst;
	int64_t restart_throttle_ms, restart_backoff_max_ms;
	int max_fast_failures;
	int64_t fast_failure_window_ms;
	char *signal; /* -s NAME: act on a running jobflowd */
};

/* Fills c from defaults, the config file (if --config/JOBFLOWD_CONFIG
 * names one), the environment and argv, then validates. On error returns
 * -JF_ECONFIG with a message naming the flag, key or variable (and the
 * file:line for the config file). Release with jf_config_release(). */
int jf_config_load(struct jf_config *c, int argc, char **argv,
		   struct jf_errmsg *e);
void jf_config_release(struct jf_config *c);

/* Checks cross-field rules (min <= workers <= max, lease timings...). */
int jf_config_validate(const struct jf_config *c, struct jf_errmsg *e);

/* Prints the usage with every flag, its YAML key, env name and default. */
void jf_config_usage(FILE *f);

/* Writes the reference table of every option as Markdown (docs). */
void jf_config_markdown(FILE *f);

#endif /* JF_SUPERVISOR_CONFIG_H */
