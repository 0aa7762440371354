/* main.c - kubesim: a Kubernetes-API-compatible local server with a
 * Volcano Job simulator and fault injection, for tests, benchmarks and
 * the demo. See docs/kubesim.md.
 *
 *   kubesim [--listen ADDR] [--kubeconfig-out PATH] [--token T]
 *           [--plain-http] [--watch-history N] [--watch-max-pending B]
 *           [--bookmark-interval D]
 *           [--no-volcano-sim] [--sim-pending D] [--sim-duration D]
 *           [--faults SPEC] [--log-level L]
 *
 * Prints the bound URL on stdout; exits 0 after SIGTERM/SIGINT, 2 on a
 * bad flag or when it cannot listen. */
#include "ks.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/http.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "jf_json.h"
#include "jf_log.h"
#include "jf_time.h"

struct ks_server ks;

static void usage(FILE *f)
{
	fprintf(f, "usage: kubesim [--listen ADDR] [--kubeconfig-out PATH] "
		   "[--token T] [--plain-http]\n"
		   "               [--watch-history N] [--bookmark-interval D] "
		   "[--no-volcano-sim]\n"
		   "               [--sim-pending D] [--sim-duration D] "
		   "[--faults SPEC] [--log-level L]\n");
}

static int write_kubeconfig(const char *path)
{
	char tmp[4096], *ca64 = NULL;
	size_t n;
	FILE *f;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -errno;
	}
	if (ks.ca_pem) {
		n = strlen(ks.ca_pem);
		ca64 = malloc(4 * ((n + 2) / 3) + 1);
		EVP_EncodeBlock((unsigned char *)ca64,
				(const unsigned char *)ks.ca_pem, (int)n);
	}
	fprintf(f,
		"apiVersion: v1\nkind: Config\nclusters:\n- name: kubesim\n"
		"  cluster:\n    server: %s\n",
		ks.url);
	if (ca64)
		fprintf(f, "    certificate-authority-data: %s\n", ca64);
	fprintf(f, "users:\n- name: kubesim\n  user:\n");
	if (!ks.o.plain_http)
		fprintf(f, "    token: %s\n", ks.token);
	else
		fprintf(f, "    {}\n");
	fprintf(f, "contexts:\n- name: kubesim\n  context:\n"
		   "    cluster: kubesim\n    user: kubesim\n"
		   "    namespace: default\ncurrent-context: kubesim\n");
	free(ca64);
	if (fclose(f))
		return -errno;
	if (rename(tmp, path)) {
		int err = -errno;

		unlink(tmp);
		return err;
	}
	return 0;
}

static void create_namespace(const char *name)
{
	struct ks_res *r = ks_res_find("", "namespaces");
	cJSON *o = cJSON_CreateObject(), *md;
	char uid[37], ts[40], msg[128];

	cJSON_AddStringToObject(o, "apiVersion", "v1");
	cJSON_AddStringToObject(o, "kind", "Namespace");
	md = cJSON_AddObjectToObject(o, "metadata");
	cJSON_AddStringToObject(md, "name", name);
	ks_uuid(uid);
	cJSON_AddStringToObject(md, "uid", uid);
	cJSON_AddStringToObject(md, "creationTimestamp",
				ks_now_rfc3339(ts, sizeof(ts)));
	ks_hook_create(r, o, msg, sizeof(msg));
	ks_store_insert(r, o);
}

static void stop_cb(evutil_socket_t sig, short what, void *arg)
{
	jf_logk(JF_LOG_INFO, NULL, "stopping on signal %d", (int)sig);
	ks.shutting_down = true;
	event_base_loopbreak(ks.base);
}

static void bookmark_cb(evutil_socket_t fd, short what, void *arg)
{
	ks_watch_bookmark_tick();
}

static int parse_dur(const char *flag, const char *v, int64_t *out)
{
	struct jf_errmsg e = {{0}};

	if (jf_duration_parse(v, out, &e)) {
		fprintf(stderr, "kubesim: %s: %s\n", flag, e.msg);
		return -1;
	}
	return 0;
}

enum {
	OPT_LISTEN = 1,
	OPT_KUBECONFIG,
	OPT_TOKEN,
	OPT_PLAIN,
	OPT_HISTORY,
	OPT_MAXPENDING,
	OPT_BOOKMARK,
	OPT_NOSIM,
	OPT_PENDING,
	OPT_DURATION,
	OPT_FAULTS,
	OPT_LOGLEVEL,
	OPT_HELP,
};

static int parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{"listen", required_argument, NULL, OPT_LISTEN},
		{"kubeconfig-out", required_argument, NULL, OPT_KUBECONFIG},
		{"token", required_argument, NULL, OPT_TOKEN},
		{"plain-http", no_argument, NULL, OPT_PLAIN},
		{"watch-history", required_argument, NULL, OPT_HISTORY},
		{"watch-max-pending", required_argument, NULL, OPT_MAXPENDING},
		{"bookmark-interval", required_argument, NULL, OPT_BOOKMARK},
		{"no-volcano-sim", no_argument, NULL, OPT_NOSIM},
		{"sim-pending", required_argument, NULL, OPT_PENDING},
		{"sim-duration", required_argument, NULL, OPT_DURATION},
		{"faults", required_argument, NULL, OPT_FAULTS},
		{"log-level", required_argument, NULL, OPT_LOGLEVEL},
		{"help", no_argument, NULL, OPT_HELP},
		{NULL, 0, NULL, 0},
	};
	int c;

	ks.o.listen = "127.0.0.1:0";
	ks.o.watch_history = 100000;
	ks.o.watch_max_pending = 64u << 20;
	ks.o.bookmark_ms = 1000;
	ks.o.volcano_sim = true;
	ks.o.sim_pending_ms = 100;
	ks.o.sim_duration_ms = 1000;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_LISTEN:
			ks.o.listen = optarg;
			break;
		case OPT_KUBECONFIG:
			ks.o.kubeconfig_out = optarg;
			break;
		case OPT_TOKEN:
			ks.o.token = optarg;
			break;
		case OPT_PLAIN:
			ks.o.plain_http = true;
			break;
		case OPT_HISTORY:
			ks.o.watch_history = (size_t)atol(optarg);
			break;
		case OPT_MAXPENDING:
			ks.o.watch_max_pending = (size_t)atoll(optarg);
			break;
		case OPT_BOOKMARK:
			if (parse_dur("--bookmark-interval", optarg,
				      &ks.o.bookmark_ms))
				return -1;
			break;
		case OPT_NOSIM:
			ks.o.volcano_sim = false;
			break;
		case OPT_PENDING:
			if (parse_dur("--sim-pending", optarg,
				      &ks.o.sim_pending_ms))
				return -1;
			break;
		case OPT_DURATION:
			if (parse_dur("--sim-duration", optarg,
				      &ks.o.sim_duration_ms))
				return -1;
			break;
		case OPT_FAULTS:
			ks.o.faults = optarg;
			break;
		case OPT_LOGLEVEL:
			ks.o.log_level = optarg;
			break;
		case OPT_HELP:
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "kubesim: unexpected argument '%s'\n",
			argv[optind]);
		return -1;
	}
	return 0;
}

static void cleanup(void)
{
	ks_watch_drop_all("shutdown");
	ks_sim_free();
	ks.shutting_down = true;
	ks_registry_free();
	ks_gc_free();
	ks_map_release(&ks.uids);
	ks_stats_free();
	if (ks.ev_bookmark)
		event_free(ks.ev_bookmark);
	if (ks.ev_gc)
		event_free(ks.ev_gc);
	if (ks.ev_drop)
		event_free(ks.ev_drop);
	if (ks.ev_sigterm)
		event_free(ks.ev_sigterm);
	if (ks.ev_sigint)
		event_free(ks.ev_sigint);
	if (ks.http)
		evhttp_free(ks.http);
	if (ks.ssl)
		SSL_CTX_free(ks.ssl);
	free(ks.ca_pem);
	event_base_free(ks.base);
}

int main(int argc, char **argv)
{
	char msg[512];
	struct ks_faults f = {0};
	struct timeval tv;
	unsigned char rnd[24];

	jf_log_init("kubesim", -1);
	signal(SIGPIPE, SIG_IGN);
	if (parse_args(argc, argv))
		return 2;
	if (ks.o.log_level && jf_log_set_level_name(ks.o.log_level)) {
		fprintf(stderr, "kubesim: bad --log-level '%s'\n",
			ks.o.log_level);
		return 2;
	}
	if (ks.o.faults && ks_faults_parse(ks.o.faults, &f, msg, sizeof(msg))) {
		fprintf(stderr, "kubesim: --faults: %s\n", msg);
		return 2;
	}
	if (ks.o.token) {
		snprintf(ks.token, sizeof(ks.token), "%s", ks.o.token);
	} else {
		RAND_bytes(rnd, sizeof(rnd));
		for (size_t i = 0; i < sizeof(rnd); i++)
			snprintf(ks.token + 2 * i, 3, "%02x", rnd[i]);
	}
	ks.base = event_base_new();
	if (!ks.base)
		return 1;
	if (!ks.o.plain_http && ks_tls_init(msg, sizeof(msg))) {
		fprintf(stderr, "kubesim: %s\n", msg);
		return 1;
	}
	ks_registry_init();
	create_namespace("default");
	create_namespace("kube-system");
	ks_faults_apply(&f);
	if (ks_http_start(msg, sizeof(msg))) {
		fprintf(stderr, "kubesim: %s\n", msg);
		cleanup();
		return 2;
	}
	if (ks.o.kubeconfig_out) {
		int err = write_kubeconfig(ks.o.kubeconfig_out);

		if (err) {
			fprintf(stderr, "kubesim: cannot write '%s': %s\n",
				ks.o.kubeconfig_out, strerror(-err));
			cleanup();
			return 2;
		}
	}
	printf("%s\n", ks.url);
	fflush(stdout);
	jf_logk(JF_LOG_INFO,
		JF_FIELDS({"url", ks.url}, {"kubeconfig", ks.o.kubeconfig_out}),
		"listening");
	ks.ev_sigterm = evsignal_new(ks.base, SIGTERM, stop_cb, NULL);
	ks.ev_sigint = evsignal_new(ks.base, SIGINT, stop_cb, NULL);
	event_add(ks.ev_sigterm, NULL);
	event_add(ks.ev_sigint, NULL);
	if (ks.o.bookmark_ms > 0) {
		tv.tv_sec = ks.o.bookmark_ms / 1000;
		tv.tv_usec = (ks.o.bookmark_ms % 1000) * 1000;
		ks.ev_bookmark =
			event_new(ks.base, -1, EV_PERSIST, bookmark_cb, NULL);
		event_add(ks.ev_bookmark, &tv);
	}
	event_base_dispatch(ks.base);
	cleanup();
	jf_logk(JF_LOG_INFO, NULL, "stopped");
	return 0;
}
