/* k8s_internal.h - private pieces shared by the files of common/k8s/: the
 * token bucket, the backoff, the token source and the Status decoder. */
#ifndef JF_K8S_INTERNAL_H
#define JF_K8S_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jf_k8s.h"

/* --- token bucket (client-side QPS/burst, client-go's flowcontrol) ------ */

struct k8s_bucket {
	double qps;    /* <= 0: unlimited */
	double burst;  /* capacity */
	double tokens; /* may go negative: reservations */
	int64_t last_ms;
};

void k8s_bucket_init(struct k8s_bucket *b, double qps, int burst,
		     int64_t now_ms);

/* Reserves one token; returns how long (ms) the caller must wait before
 * using it (0: now). Reservations are served in order. */
int64_t k8s_bucket_reserve(struct k8s_bucket *b, int64_t now_ms);

/* --- exponential backoff with jitter and reset ------------------------- */

struct k8s_backoff {
	int64_t init_ms;
	int64_t max_ms;
	int64_t reset_ms; /* healthy for this long: start over (0: never) */
	double factor;
	double jitter;	 /* delay *= 1 + jitter * u, u in [0, 1) */
	int64_t cur_ms;	 /* 0: not started */
	int64_t last_ms; /* when the last delay was handed out */
};

void k8s_backoff_init(struct k8s_backoff *b, int64_t init_ms, int64_t max_ms,
		      int64_t reset_ms, double factor, double jitter);

/* Next delay at now_ms, u in [0, 1) the random draw. The jittered value
 * never exceeds max_ms. */
int64_t k8s_backoff_next(struct k8s_backoff *b, int64_t now_ms, double u);

/* Forget the history (a success). */
void k8s_backoff_reset(struct k8s_backoff *b);

/* --- bearer token source ----------------------------------------------- */

#define K8S_TOKEN_MAX (64u << 10)

struct k8s_token {
	char *token;	 /* current token (NULL: none) */
	char *file;	 /* NULL: static token */
	int64_t read_ms; /* monotonic time of the last read attempt */
	int64_t period_ms;
	unsigned reads; /* successful reads (tests) */
};

/* Copies token and file. Reads the file at once when given; 0, -ENOMEM,
 * or the read error (the token is then NULL until a read succeeds). */
int k8s_token_init(struct k8s_token *t, const char *token, const char *file,
		   int64_t period_ms, int64_t now_ms, struct jf_errmsg *e);
void k8s_token_release(struct k8s_token *t);

/* Returns the token to send (borrowed; NULL: none), re-reading the file
 * when the period has passed or force is set. A failed re-read keeps the
 * last good token. */
const char *k8s_token_get(struct k8s_token *t, int64_t now_ms, bool force);

/* Reads a small file whole (cap bytes at most) into a new NUL-terminated
 * buffer; caller frees. 0, -errno, or -JF_ETOOBIG. */
int k8s_read_file(const char *path, size_t cap, char **out, size_t *len);

/* Wipes and frees a secret string. */
void k8s_free_secret(char *s, size_t len);

/* --- responses ----------------------------------------------------------- */

/* Fills r->status from r->code and r->body (a Status when kind is
 * "Status"), sets r->err, and writes "<reason>: <message>" to r->msg. */
void k8s_status_decode(struct jf_k8s_response *r, int retry_after_s);

/* Parses a Retry-After value in seconds (only the delta form); -1 if none. */
int k8s_parse_retry_after(const char *v);

#endif /* JF_K8S_INTERNAL_H */
