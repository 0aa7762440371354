/* jf_time.h - durations, RFC 3339 timestamps, clocks and jitter.
 *
 * Times are int64 milliseconds: wall clock since the Unix epoch (UTC) for
 * anything written to the API, monotonic for timers and lease expiry.
 */
#ifndef JF_TIME_H
#define JF_TIME_H

#include <stddef.h>
#include <stdint.h>

#include "jf_err.h"

/* Parses a Go-style duration: a sequence of <decimal><unit> with units
 * ms, s, m, h (also "0"); "10s", "1m30s", "2h", "500ms", "1.5s". Rejects
 * empty strings, negative values, unknown units, values past INT64_MAX/4
 * ms (about 73 million years)
 * and anything else with a message naming the offending column. */
int jf_duration_parse(const char *s, int64_t *out_ms, struct jf_errmsg *e);

/* Formats ms like Go's time.Duration.String() restricted to h/m/s/ms:
 * 0 -> "0s", 1500 -> "1.5s", 90000 -> "1m30s", 7200000 -> "2h0m0s".
 * Returns buf. cap >= 32 is always enough. */
char *jf_duration_format(int64_t ms, char *buf, size_t cap);

/* Parses RFC 3339 ("2026-08-22T10:01:02Z", fractions, +hh:mm offsets) into
 * ms since the epoch. Returns 0 or -JF_EPARSE. */
int jf_time_parse(const char *s, int64_t *out_ms);

/* Kubernetes metav1.Time: "2026-08-22T10:01:02Z" (seconds, UTC). cap>=32. */
char *jf_time_format(int64_t ms, char *buf, size_t cap);

/* Kubernetes metav1.MicroTime: "2026-08-22T10:01:02.345000Z". cap>=32. */
char *jf_time_format_micro(int64_t ms, char *buf, size_t cap);

/* Wall clock and monotonic clock, in ms. */
int64_t jf_now_ms(void);
int64_t jf_mono_ms(void);

/* Deterministic jitter: a hash of (uid, step, attempt) mapped to [0, 1).
 * Same inputs, same value, on every machine and across restarts. */
double jf_jitter_unit(const char *uid, const char *step, int attempt);

/* 64-bit FNV-1a over len bytes, continuing from h (start with
 * JF_FNV_OFFSET). Used for jitter and for stable hashing elsewhere. */
#define JF_FNV_OFFSET 0xcbf29ce484222325ULL
uint64_t jf_fnv1a(uint64_t h, const void *buf, size_t len);

/* Uniform random in [0, 1) from a per-process PRNG seeded at start (for
 * retry jitter of I/O, not for anything that must be reproducible). */
double jf_rand_unit(void);

#endif /* JF_TIME_H */
