/* jf_log.h - JSON-lines logging on stderr (or a reopened log file).
 *
 *   {"ts":"2026-08-22T10:01:02.345Z","level":"warn","role":"worker",
 *    "worker":3,"pid":812,"msg":"cannot patch 'default/foo'","err":"..."}
 *
 * jf_log() checks the level before its arguments are evaluated. Extra
 * fields are string pairs given with JF_FIELDS(). Never log a token.
 * Signal handlers never log.
 */
#ifndef JF_LOG_H
#define JF_LOG_H

#include <stdbool.h>
#include <stdio.h>

enum jf_log_level {
	JF_LOG_DEBUG = 0,
	JF_LOG_INFO,
	JF_LOG_WARN,
	JF_LOG_ERROR,
	JF_LOG_OFF,
};

struct jf_kv {
	const char *key;
	const char *val; /* NULL values are skipped */
};

/* Current threshold; read by the macros, set with jf_log_set_level(). */
extern int jf_log_threshold;

#define JF_FIELDS(...) ((const struct jf_kv[]){__VA_ARGS__, {NULL, NULL}})

#define jf_log(lvl, ...)                                                       \
	do {                                                                   \
		if ((lvl) >= jf_log_threshold)                                 \
			jf_log_write((lvl), NULL, __VA_ARGS__);                \
	} while (0)

#define jf_logk(lvl, fields, ...)                                              \
	do {                                                                   \
		if ((lvl) >= jf_log_threshold)                                 \
			jf_log_write((lvl), (fields), __VA_ARGS__);            \
	} while (0)

#define jf_debug(...) jf_log(JF_LOG_DEBUG, __VA_ARGS__)
#define jf_info(...)  jf_log(JF_LOG_INFO, __VA_ARGS__)
#define jf_warn(...)  jf_log(JF_LOG_WARN, __VA_ARGS__)
#define jf_error(...) jf_log(JF_LOG_ERROR, __VA_ARGS__)

/* Sets the fields every line carries: role ("supervisor", "worker",
 * "kubesim", "jobflowctl") and worker slot (< 0: omitted). Borrows role. */
void jf_log_init(const char *role, int worker);

/* Returns 0, or -EINVAL for an unknown name ("debug|info|warn|error"). */
int jf_log_set_level_name(const char *name);
void jf_log_set_level(int level);

/* Logs to path (appending) instead of stderr; NULL means stderr again.
 * Called again with the same path, reopens it (SIGUSR1). */
int jf_log_open(const char *path);

/* Redirects output to f (tests); borrows f. */
void jf_log_set_stream(FILE *f);

/* Writes one line. Use the macros instead. */
void jf_log_write(int level, const struct jf_kv *fields, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Rate limit for repeated messages: returns true at most once per
 * interval_ms for the given static counter. */
struct jf_ratelimit {
	long long last_ms;
	unsigned suppressed;
};
bool jf_log_ratelimit(struct jf_ratelimit *rl, long long interval_ms);

#endif /* JF_LOG_H */
