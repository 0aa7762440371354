/* control.h - the private run directory: pid file, control socket, and
 * the `jobflowd -s NAME` operator commands that use them. */
#ifndef JF_SUPERVISOR_CONTROL_H
#define JF_SUPERVISOR_CONTROL_H

#include <stdio.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "jf_err.h"

#define JF_PID_FILE	"jobflowd.pid"
#define JF_CONTROL_SOCK "jobflowd.sock"

/* Creates dir (0700) if absent; an existing dir must be a directory owned
 * by us and not writable by group or others. Returns 0 or -JF_ECONFIG. */
int jf_control_run_dir(const char *dir, struct jf_errmsg *e);

/* Writes <dir>/jobflowd.pid (0644) holding our pid, locked with flock()
 * so that a second jobflowd on the same run dir fails ("already
 * running as pid N"). Returns the locked fd (keep it open) or an error. */
int jf_control_pidfile(const char *dir, struct jf_errmsg *e);

/* Produces the reply to "status" (a new JSON object). */
typedef cJSON *jf_control_status_fn(void *arg);

struct jf_control;

/* Listens on <dir>/jobflowd.sock (0600); each connection sends one
 * command line ("status") and gets one JSON line back. */
int jf_control_listen(struct event_base *base, const char *dir,
		      jf_control_status_fn *status, void *arg,
		      struct jf_control **out, struct jf_errmsg *e);
void jf_control_close(struct jf_control *c);

/* Operator side of `jobflowd -s NAME`: stop|quit|reload|reopen|scale-up|
 * scale-down send a signal to the pid in the pid file; status asks the
 * control socket and prints the reply to out. Returns 0 or an error with
 * a message ("no jobflowd running in /run/jobflowd"). */
int jf_control_command(const char *dir, const char *name, FILE *out,
		       struct jf_errmsg *e);

#endif /* JF_SUPERVISOR_CONTROL_H */
