/* kubeconfig.c - kubeconfig files: clusters, users and contexts mapped to a
 * struct jf_k8s_config, with certificates and keys kept in memory. */
#include "k8s_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jf_json.h"
#include "jf_log.h"
#include "jf_yaml.h"

#define KUBECONFIG_MAX (4u << 20)
#define PEM_MAX	       (1u << 20)

struct kc {
	const char *name; /* file name for messages */
	const char *dir;  /* base for relative paths */
	struct jf_errmsg *e;
};

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* Standard base64 (whitespace ignored, padding optional). */
static int b64_decode(const char *s, struct jf_k8s_blob *out)
{
	size_t n = strlen(s), o = 0;
	unsigned acc = 0;
	int bits = 0, v, pad = 0;
	char *buf;

	out->data = NULL;
	out->len = 0;
	buf = malloc(n / 4 * 3 + 4);
	if (!buf)
		return -ENOMEM;
	for (; *s; s++) {
		if (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t')
			continue;
		if (*s == '=') {
			pad++;
			continue;
		}
		v = b64val((unsigned char)*s);
		if (v < 0 || pad) {
			k8s_free_secret(buf, n / 4 * 3 + 4);
			return -JF_EPARSE;
		}
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	if (pad > 2 || bits >= 6) {
		k8s_free_secret(buf, n / 4 * 3 + 4);
		return -JF_EPARSE;
	}
	buf[o] = '\0';
	out->data = buf;
	out->len = o;
	return 0;
}

static int kc_path(const struct kc *k, const char *file, char *buf, size_t cap)
{
	int n;

	if (file[0] == '/' || !k->dir || !*k->dir)
		n = snprintf(buf, cap, "%s", file);
	else
		n = snprintf(buf, cap, "%s/%s", k->dir, file);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

/* Loads PEM bytes from "<field>-data" (base64) or "<field>" (a file). */
static int kc_pem(const struct kc *k, const cJSON *obj, const char *where,
		  const char *field, struct jf_k8s_blob *out)
{
	char key[64], path[4096];
	const char *data, *file;
	size_t len;
	int err;

	snprintf(key, sizeof(key), "%s-data", field);
	data = jf_json_str(obj, key, NULL);
	file = jf_json_str(obj, field, NULL);
	if (data && *data && file && *file)
		return jf_errf(k->e, -JF_ECONFIG,
			       "%s: %s.%s and %s.%s are both set", k->name,
			       where, key, where, field);
	if (data && *data) {
		err = b64_decode(data, out);
		if (err == -JF_EPARSE)
			return jf_errf(k->e, -JF_ECONFIG,
				       "%s: %s.%s: invalid base64", k->name,
				       where, key);
		return err;
	}
	if (!file || !*file)
		return 0;
	err = kc_path(k, file, path, sizeof(path));
	if (!err)
		err = k8s_read_file(path, PEM_MAX, &out->data, &len);
	if (err)
		return jf_errf(k->e, -JF_ECONFIG,
			       "%s: %s.%s: cannot read '%s': %s", k->name,
			       where, field, path, jf_strerror(err));
	out->len = len;
	return 0;
}

/* Finds the entry named name in array key of doc ({name, <member>}). */
static const cJSON *kc_find(const cJSON *doc, const char *key,
			    const char *member, const char *name, int *index)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(doc, key), *it;
	int i = 0;

	cJSON_ArrayForEach (it, arr) {
		if (!strcmp(jf_json_str(it, "name", ""), name)) {
			*index = i;
			return cJSON_GetObjectItemCaseSensitive(it, member);
		}
		i++;
	}
	return NULL;
}

static int kc_dup(char **dst, const char *s)
{
	*dst = s ? strdup(s) : NULL;
	return !s || *dst ? 0 : -ENOMEM;
}

static int kc_user(const struct kc *k, const cJSON *user, const char *where,
		   struct jf_k8s_config *c)
{
	const char *token, *file;
	char path[4096];
	int err;

	if (cJSON_GetObjectItemCaseSensitive(user, "exec"))
		return jf_errf(
			k->e, -JF_ECONFIG,
			"%s: %s.exec: exec credential plugins are not supported (use a token, tokenFile or client certificate)",
			k->name, where);
	if (cJSON_GetObjectItemCaseSensitive(user, "auth-provider"))
		return jf_errf(
			k->e, -JF_ECONFIG,
			"%s: %s.auth-provider: auth providers are not supported",
			k->name, where);
	if (jf_json_str(user, "username", NULL) ||
	    jf_json_str(user, "password", NULL))
		return jf_errf(
			k->e, -JF_ECONFIG,
			"%s: %s.username: basic authentication is not supported",
			k->name, where);
	err = kc_pem(k, user, where, "client-certificate", &c->cert);
	if (!err)
		err = kc_pem(k, user, where, "client-key", &c->key);
	if (err)
		return err;
	if (!c->cert.data != !c->key.data)
		return jf_errf(
			k->e, -JF_ECONFIG,
			"%s: %s: client-certificate and client-key go together",
			k->name, where);
	token = jf_json_str(user, "token", NULL);
	file = jf_json_str(user, "tokenFile", NULL);
	if (token && *token && kc_dup(&c->token, token))
		return -ENOMEM;
	if (file && *file) {
		err = kc_path(k, file, path, sizeof(path));
		/* read at once like the other files (client-go fails the
		 * load too); the client re-reads it every minute */
		if (!err && access(path, R_OK) != 0)
			return jf_errf(k->e, -JF_ECONFIG,
				       "%s: %s.tokenFile: cannot read '%s': %s",
				       k->name, where, path, strerror(errno));
		if (!err)
			err = kc_dup(&c->token_file, path);
		if (err)
			return err;
	}
	return 0;
}

static int kc_map(const struct kc *k, const cJSON *doc, const char *context,
		  struct jf_k8s_config *c)
{
	const cJSON *ctx, *cluster, *user = NULL;
	const char *cname, *uname, *server, *ns;
	char where[320];
	int ci = 0, ki = 0, ui = 0, err;

	if (!cJSON_IsObject(doc))
		return jf_errf(k->e, -JF_ECONFIG,
			       "%s: not a kubeconfig (expected a mapping)",
			       k->name);
	if (!context || !*context)
		context = jf_json_str(doc, "current-context", NULL);
	if (!context || !*context)
		return jf_errf(
			k->e, -JF_ECONFIG,
			"%s: current-context is not set and no context was given",
			k->name);
	ctx = kc_find(doc, "contexts", "context", context, &ci);
	if (!cJSON_IsObject(ctx))
		return jf_errf(k->e, -JF_ECONFIG,
			       "%s: context '%s' not found in contexts",
			       k->name, context);
	cname = jf_json_str(ctx, "cluster", "");
	uname = jf_json_str(ctx, "user", "");
	if (!*cname)
		return jf_errf(k->e, -JF_ECONFIG,
			       "%s: contexts[%d].context.cluster is missing",
			       k->name, ci);
	cluster = kc_find(doc, "clusters", "cluster", cname, &ki);
	if (!cJSON_IsObject(cluster))
		return jf_errf(
			k->e, -JF_ECONFIG,
			"%s: cluster '%s' (context '%s') not found in clusters",
			k->name, cname, context);
	if (*uname) {
		user = kc_find(doc, "users", "user", uname, &ui);
		if (!cJSON_IsObject(user))
			return jf_errf(
				k->e, -JF_ECONFIG,
				"%s: user '%s' (context '%s') not found in users",
				k->name, uname, context);
	}
	server = jf_json_str(cluster, "server", "");
	if (!*server)
		return jf_errf(k->e, -JF_ECONFIG,
			       "%s: clusters[%d].cluster.server is missing",
			       k->name, ki);
	if (strncmp(server, "https://", 8) && strncmp(server, "http://", 7))
		return jf_errf(
			k->e, -JF_ECONFIG,
			"%s: clusters[%d].cluster.server '%s' is not an http(s) URL",
			k->name, ki, server);
	if (kc_dup(&c->server, server) || kc_dup(&c->context, context) ||
	    kc_dup(&c->source, k->name))
		return -ENOMEM;
	while (strlen(c->server) > 8 && c->server[strlen(c->server) - 1] == '/')
		c->server[strlen(c->server) - 1] = '\0';
	c->insecure = jf_json_bool(cluster, "insecure-skip-tls-verify", false);
	if (kc_dup(&c->tls_server_name,
		   jf_json_str(cluster, "tls-server-name", NULL)))
		return -ENOMEM;
	snprintf(where, sizeof(where), "clusters[%d].cluster", ki);
	err = kc_pem(k, cluster, where, "certificate-authority", &c->ca);
	if (err)
		return err;
	if (c->insecure && c->ca.data)
		return jf_errf(
			k->e, -JF_ECONFIG,
			"%s: %s: insecure-skip-tls-verify with a certificate authority",
			k->name, where);
	if (user) {
		snprintf(where, sizeof(where), "users[%d].user", ui);
		err = kc_user(k, user, where, c);
		if (err)
			return err;
	}
	ns = jf_json_str(ctx, "namespace", "");
	return kc_dup(&c->namespace, *ns ? ns : "default");
}

int jf_k8s_kubeconfig_parse(const char *buf, size_t len, const char *name,
			    const char *dir, const char *context,
			    struct jf_k8s_config *out, struct jf_errmsg *e)
{
	struct kc k = {name ? name : "kubeconfig", dir, e};
	cJSON *doc;
	int err;

	jf_k8s_config_init(out);
	if (len > KUBECONFIG_MAX)
		return jf_errf(e, -JF_ETOOBIG, "%s: larger than %u bytes",
			       k.name, KUBECONFIG_MAX);
	err = jf_yaml_load_one(buf, len, k.name, &doc, e);
	if (err)
		return err;
	err = kc_map(&k, doc, context, out);
	cJSON_Delete(doc);
	if (err) {
		jf_k8s_config_release(out);
		return err == -ENOMEM ? err : -JF_ECONFIG;
	}
	if (out->insecure)
		jf_logk(JF_LOG_WARN, JF_FIELDS({"kubeconfig", k.name}),
			"insecure-skip-tls-verify is set: the server certificate is not checked");
	return 0;
}

int jf_k8s_kubeconfig_load(const char *path, const char *context,
			   struct jf_k8s_config *out, struct jf_errmsg *e)
{
	char *buf, *dir, *slash;
	size_t len;
	int err;

	jf_k8s_config_init(out);
	err = k8s_read_file(path, KUBECONFIG_MAX, &buf, &len);
	if (err)
		return jf_errf(e, err == -JF_ETOOBIG ? err : -JF_ECONFIG,
			       "cannot read kubeconfig '%s': %s", path,
			       jf_strerror(err));
	dir = strdup(path);
	if (!dir) {
		k8s_free_secret(buf, len);
		return -ENOMEM;
	}
	slash = strrchr(dir, '/');
	if (slash)
		slash[slash == dir ? 1 : 0] = '\0';
	else
		strcpy(dir, ".");
	err = jf_k8s_kubeconfig_parse(buf, len, path, dir, context, out, e);
	free(dir);
	k8s_free_secret(buf, len);
	return err;
}
