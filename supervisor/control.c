/* control.c - run directory, pid file, control socket and the -s client. */
#include "supervisor/control.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "jf_json.h"
#include "jf_log.h"

#define CONTROL_MAX_LINE 256

struct jf_control {
	struct evconnlistener *listener;
	jf_control_status_fn *status;
	void *arg;
	char path[108];
};

int jf_control_run_dir(const char *dir, struct jf_errmsg *e)
{
	struct stat st;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return jf_errf(e, -JF_ECONFIG, "cannot create run dir '%s': %s",
			       dir, strerror(errno));
	if (stat(dir, &st) < 0)
		return jf_errf(e, -JF_ECONFIG, "cannot stat run dir '%s': %s",
			       dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return jf_errf(e, -JF_ECONFIG,
			       "run dir '%s' is not a directory", dir);
	if (st.st_uid != geteuid())
		return jf_errf(e, -JF_ECONFIG,
			       "run dir '%s' is owned by uid %d, not by us",
			       dir, (int)st.st_uid);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return jf_errf(
			e, -JF_ECONFIG,
			"run dir '%s' is writable by others (mode %03o); "
			"it must be private",
			dir, (unsigned)(st.st_mode & 0777));
	return 0;
}

static int read_pid(const char *dir, pid_t *pid)
{
	char path[512], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, JF_PID_FILE);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -ENOENT;
	buf[n] = '\0';
	*pid = (pid_t)atoi(buf);
	return *pid > 0 ? 0 : -ENOENT;
}

int jf_control_pidfile(const char *dir, struct jf_errmsg *e)
{
	char path[512], buf[32];
	pid_t other = 0;
	int fd, n;

	snprintf(path, sizeof(path), "%s/%s", dir, JF_PID_FILE);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return jf_errf(e, -JF_ECONFIG, "cannot open '%s': %s", path,
			       strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		read_pid(dir, &other);
		return jf_errf(
			e, -JF_ECONFIG,
			"jobflowd is already running as pid %d (run dir '%s')",
			(int)other, dir);
	}
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
		close(fd);
		return jf_errf(e, -JF_ECONFIG, "cannot write '%s': %s", path,
			       strerror(errno));
	}
	return fd;
}

/* --- server ------------------------------------------------------------------
 */

static void conn_event(struct bufferevent *bev, short what, void *arg)
{
	bufferevent_free(bev);
}

static void conn_written(struct bufferevent *bev, void *arg)
{
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		bufferevent_free(bev);
}

static void conn_read(struct bufferevent *bev, void *arg)
{
	struct jf_control *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t n;
	char *line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF);
	cJSON *reply = NULL;
	char *text;

	if (!line) {
		if (evbuffer_get_length(in) > CONTROL_MAX_LINE)
			bufferevent_free(bev);
		return;
	}
	if (strcmp(line, "status") == 0) {
		reply = c->status(c->arg);
	} else {
		reply = cJSON_CreateObject();
		cJSON_AddStringToObject(reply, "error", "unknown command");
	}
	free(line);
	text = jf_json_print(reply);
	cJSON_Delete(reply);
	bufferevent_disable(bev, EV_READ);
	bufferevent_setcb(bev, NULL, conn_written, conn_event, c);
	if (text) {
		bufferevent_write(bev, text, strlen(text));
		bufferevent_write(bev, "\n", 1);
		free(text);
	} else {
		bufferevent_free(bev);
	}
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd,
		      struct sockaddr *sa, int len, void *arg)
{
	struct jf_control *c = arg;
	struct bufferevent *bev = bufferevent_socket_new(
		evconnlistener_get_base(l), fd, BEV_OPT_CLOSE_ON_FREE);

	if (!bev) {
		close(fd);
		return;
	}
	bufferevent_setcb(bev, conn_read, NULL, conn_event, c);
	bufferevent_setwatermark(bev, EV_READ, 0, CONTROL_MAX_LINE * 2);
	bufferevent_enable(bev, EV_READ);
}

int jf_control_listen(struct event_base *base, const char *dir,
		      jf_control_status_fn *status, void *arg,
		      struct jf_control **out, struct jf_errmsg *e)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct jf_control *c = calloc(1, sizeof(*c));
	mode_t old;

	if (!c)
		return -ENOMEM;
	if ((size_t)snprintf(c->path, sizeof(c->path), "%s/%s", dir,
			     JF_CONTROL_SOCK) >= sizeof(c->path)) {
		free(c);
		return jf_errf(e, -JF_ECONFIG, "run dir path '%s' is too long",
			       dir);
	}
	memcpy(sun.sun_path, c->path, sizeof(c->path));
	unlink(c->path);
	c->status = status;
	c->arg = arg;
	old = umask(077);
	c->listener = evconnlistener_new_bind(
		base, on_accept, c,
		LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 16,
		(struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (!c->listener) {
		int err = errno;

		free(c);
		return jf_errf(e, -JF_ECONFIG, "cannot listen on '%s/%s': %s",
			       dir, JF_CONTROL_SOCK, strerror(err));
	}
	chmod(c->path, 0600);
	*out = c;
	return 0;
}

void jf_control_close(struct jf_control *c)
{
	if (!c)
		return;
	evconnlistener_free(c->listener);
	unlink(c->path);
	free(c);
}

/* --- client (jobflowd -s NAME)
 * ------------------------------------------------ */

static const struct {
	const char *name;
	int sig;
} commands[] = {
	{"stop", SIGTERM},   {"quit", SIGQUIT},	    {"reload", SIGHUP},
	{"reopen", SIGUSR1}, {"scale-up", SIGTTIN}, {"scale-down", SIGTTOU},
};

static int status_command(const char *dir, FILE *out, struct jf_errmsg *e)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	char buf[65536];
	size_t got = 0;
	ssize_t n;
	int fd;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s", dir,
		 JF_CONTROL_SOCK);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return jf_errf(e, -errno, "socket() failed: %s",
			       strerror(errno));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int err = errno;

		close(fd);
		return jf_errf(e, -err, "no jobflowd answering on '%s': %s",
			       sun.sun_path, strerror(err));
	}
	if (write(fd, "status\n", 7) != 7) {
		close(fd);
		return jf_errf(e, -EIO, "cannot send to '%s'", sun.sun_path);
	}
	while (got < sizeof(buf) - 1 &&
	       (n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = '\0';
	if (!got)
		return jf_errf(e, -EIO, "empty reply from '%s'", sun.sun_path);
	fputs(buf, out);
	return 0;
}

int jf_control_command(const char *dir, const char *name, FILE *out,
		       struct jf_errmsg *e)
{
	pid_t pid;

	if (strcmp(name, "status") == 0)
		return status_command(dir, out, e);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, name) != 0)
			continue;
		if (read_pid(dir, &pid))
			return jf_errf(
				e, -ESRCH,
				"no jobflowd running in '%s' (no pid file)",
				dir);
		if (kill(pid, commands[i].sig) < 0)
			return jf_errf(e, -errno,
				       "cannot signal jobflowd pid %d: %s",
				       (int)pid, strerror(errno));
		return 0;
	}
	return jf_errf(e, -EINVAL,
		       "unknown signal '%s': use stop, quit, reload, reopen, "
		       "scale-up, scale-down or status",
		       name);
}
