/* check_deploy.c - Check suite for deploy/: the RBAC rules grant exactly the
 * API calls of deploy/rbac-calls.txt, the Deployment agrees with the
 * ConfigMap, Service, PDB and ServiceAccount, and the kustomization lists
 * every manifest. */
#include <check.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"
#include "jf_time.h"
#include "jf_yaml.h"

#define NS "jobflowd-system"

static char *src_path(const char *rel)
{
	const char *root = getenv("JF_SRC_DIR");
	char *p;

	ck_assert_int_ge(asprintf(&p, "%s/%s", root ? root : ".", rel), 0);
	return p;
}

/* Loads a YAML file of deploy/ (relative to the repo root); caller releases. */
static void load(const char *rel, struct jf_yaml_stream *s)
{
	char *path = src_path(rel);
	struct jf_errmsg e = {{0}};
	int err = jf_yaml_load_file(path, s, &e);

	ck_assert_msg(err == 0, "%s: %s", path, e.msg);
	free(path);
}

/* The one document of kind/name in s (borrowed), or NULL. */
static const cJSON *find(const struct jf_yaml_stream *s, const char *kind,
			 const char *name)
{
	for (size_t i = 0; i < s->ndocs; i++) {
		const cJSON *d = s->docs[i].json;

		if (!strcmp(jf_json_str(d, "kind", ""), kind) &&
		    !strcmp(jf_json_str(d, "metadata.name", ""), name))
			return d;
	}
	return NULL;
}

static const cJSON *must_find(const struct jf_yaml_stream *s, const char *kind,
			      const char *name)
{
	const cJSON *d = find(s, kind, name);

	ck_assert_msg(d != NULL, "no %s '%s'", kind, name);
	return d;
}

/* --- RBAC against rbac-calls.txt --------------------------------------------
 */

#define MAX_GRANTS 128

/* One permission: "<scope> <group> <resource[/sub]> <verb>". */
struct grants {
	char *item[MAX_GRANTS];
	int n;
};

static void grant_add(struct grants *g, const char *scope, const char *group,
		      const char *res, const char *verb)
{
	char *s;

	ck_assert_int_lt(g->n, MAX_GRANTS);
	ck_assert_int_ge(asprintf(&s, "%s %s %s %s", scope,
				  *group ? group : "core", res, verb),
			 0);
	for (int i = 0; i < g->n; i++) {
		if (!strcmp(g->item[i], s)) {
			free(s); /* a permission granted twice counts once */
			return;
		}
	}
	g->item[g->n++] = s;
}

static bool grant_has(const struct grants *g, const char *s)
{
	for (int i = 0; i < g->n; i++) {
		if (!strcmp(g->item[i], s))
			return true;
	}
	return false;
}

static void grants_release(struct grants *g)
{
	for (int i = 0; i < g->n; i++)
		free(g->item[i]);
	g->n = 0;
}

/* Reads rbac-calls.txt: verb group resource subresource scope caller why. */
static void read_calls(struct grants *g)
{
	char *path = src_path("deploy/rbac-calls.txt"), line[512];
	FILE *f = fopen(path, "r");
	int lineno = 0;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	while (fgets(line, sizeof(line), f)) {
		char verb[32], group[64], res[64], sub[32], scope[32],
			caller[32], full[128];
		int n;

		lineno++;
		if (line[0] == '#' || line[strspn(line, " \t\n")] == '\0')
			continue;
		n = sscanf(line, "%31s %63s %63s %31s %31s %31s", verb, group,
			   res, sub, scope, caller);
		ck_assert_msg(n == 6, "rbac-calls.txt:%d: expected 6+ columns",
			      lineno);
		ck_assert_msg(!strcmp(scope, "cluster") ||
				      !strcmp(scope, "namespace"),
			      "rbac-calls.txt:%d: scope '%s'", lineno, scope);
		ck_assert_msg(!strcmp(caller, "supervisor") ||
				      !strcmp(caller, "worker") ||
				      !strcmp(caller, "authz"),
			      "rbac-calls.txt:%d: caller '%s'", lineno, caller);
		if (strcmp(sub, "-"))
			snprintf(full, sizeof(full), "%s/%s", res, sub);
		else
			snprintf(full, sizeof(full), "%s", res);
		grant_add(g, scope, strcmp(group, "core") ? group : "", full,
			  verb);
	}
	fclose(f);
	free(path);
}

/* Expands a Role/ClusterRole's rules into g; no wildcards allowed. */
static void read_rules(const cJSON *role, const char *scope, struct grants *g)
{
	const cJSON *rule, *grp, *res, *verb;

	cJSON_ArrayForEach (rule, jf_json_at(role, "rules")) {
		ck_assert_ptr_null(jf_json_at(rule, "nonResourceURLs"));
		cJSON_ArrayForEach (grp, jf_json_at(rule, "apiGroups"))
			cJSON_ArrayForEach (res, jf_json_at(rule, "resources"))
				cJSON_ArrayForEach (verb,
						    jf_json_at(rule, "verbs")) {
					ck_assert_str_ne(grp->valuestring, "*");
					ck_assert_str_ne(res->valuestring, "*");
					ck_assert_str_ne(verb->valuestring,
							 "*");
					grant_add(g, scope, grp->valuestring,
						  res->valuestring,
						  verb->valuestring);
				}
	}
}

/* Compares: writes "missing: ...; extra: ..." into out; true when equal. */
static bool compare(const struct grants *want, const struct grants *have,
		    char *out, size_t cap)
{
	size_t n = 0;
	bool same = true;

	out[0] = '\0';
	for (int i = 0; i < want->n; i++) {
		if (!grant_has(have, want->item[i])) {
			n += (size_t)snprintf(out + n, n < cap ? cap - n : 0,
					      "missing '%s'; ", want->item[i]);
			same = false;
		}
	}
	for (int i = 0; i < have->n; i++) {
		if (!grant_has(want, have->item[i])) {
			n += (size_t)snprintf(out + n, n < cap ? cap - n : 0,
					      "extra '%s'; ", have->item[i]);
			same = false;
		}
	}
	return same;
}

static void rbac_grants(const struct jf_yaml_stream *s, struct grants *g)
{
	read_rules(must_find(s, "ClusterRole", "jobflowd"), "cluster", g);
	read_rules(must_find(s, "Role", "jobflowd-leader"), "namespace", g);
}

START_TEST(rbac_matches_calls)
{
	struct jf_yaml_stream s;
	struct grants want = {0}, have = {0};
	char diff[4096];

	load("deploy/rbac.yaml", &s);
	read_calls(&want);
	rbac_grants(&s, &have);
	ck_assert_msg(compare(&want, &have, diff, sizeof(diff)), "%s", diff);
	/* the list is what SPEC §7 and the brief name, spot-checked */
	ck_assert_int_eq(want.n, 18);
	ck_assert(grant_has(
		&have, "cluster flow.volcano.sh jobflows/finalizers update"));
	ck_assert(grant_has(&have,
			    "cluster flow.volcano.sh jobflows/status patch"));
	ck_assert(grant_has(&have, "cluster bus.volcano.sh commands create"));
	ck_assert(grant_has(&have,
			    "namespace coordination.k8s.io leases update"));
	ck_assert(!grant_has(&have,
			     "cluster flow.volcano.sh jobflows/status update"));
	ck_assert(!grant_has(&have, "cluster coordination.k8s.io leases get"));
	grants_release(&want);
	grants_release(&have);
	jf_yaml_stream_release(&s);
}
END_TEST

/* The comparison itself catches a missing and an extra verb. */
START_TEST(rbac_compare_detects_drift)
{
	struct grants want = {0}, have = {0};
	char diff[1024];

	grant_add(&want, "cluster", "batch.volcano.sh", "jobs", "create");
	grant_add(&want, "cluster", "batch.volcano.sh", "jobs", "get");
	grant_add(&have, "cluster", "batch.volcano.sh", "jobs", "create");
	grant_add(&have, "cluster", "batch.volcano.sh", "jobs", "update");
	ck_assert(!compare(&want, &have, diff, sizeof(diff)));
	ck_assert_str_eq(diff,
			 "missing 'cluster batch.volcano.sh jobs get'; "
			 "extra 'cluster batch.volcano.sh jobs update'; ");
	grants_release(&have);
	grant_add(&have, "namespace", "batch.volcano.sh", "jobs", "create");
	grant_add(&have, "cluster", "batch.volcano.sh", "jobs", "get");
	ck_assert(!compare(&want, &have, diff, sizeof(diff)));
	ck_assert_str_eq(diff,
			 "missing 'cluster batch.volcano.sh jobs create'; "
			 "extra 'namespace batch.volcano.sh jobs create'; ");
	grants_release(&want);
	grants_release(&have);
}
END_TEST

static void assert_binding(const cJSON *b, const char *role_kind,
			   const char *role)
{
	const cJSON *subj = jf_json_at(b, "subjects");

	ck_assert_str_eq(jf_json_str(b, "roleRef.kind", ""), role_kind);
	ck_assert_str_eq(jf_json_str(b, "roleRef.name", ""), role);
	ck_assert_str_eq(jf_json_str(b, "roleRef.apiGroup", ""),
			 "rbac.authorization.k8s.io");
	ck_assert_int_eq(cJSON_GetArraySize(subj), 1);
	ck_assert_str_eq(jf_json_str(subj, "[0].kind", ""), "ServiceAccount");
	ck_assert_str_eq(jf_json_str(subj, "[0].name", ""), "jobflowd");
	ck_assert_str_eq(jf_json_str(subj, "[0].namespace", ""), NS);
}

START_TEST(rbac_bindings_and_lease_name)
{
	struct jf_yaml_stream s, cm;
	const cJSON *role, *rule, *cfg = NULL;
	cJSON *conf = NULL;
	struct jf_errmsg e = {{0}};
	const char *text;
	int named = 0;

	load("deploy/rbac.yaml", &s);
	load("deploy/configmap.yaml", &cm);
	assert_binding(must_find(&s, "ClusterRoleBinding", "jobflowd"),
		       "ClusterRole", "jobflowd");
	assert_binding(must_find(&s, "RoleBinding", "jobflowd-leader"), "Role",
		       "jobflowd-leader");
	ck_assert_str_eq(
		jf_json_str(must_find(&s, "RoleBinding", "jobflowd-leader"),
			    "metadata.namespace", ""),
		NS);
	role = must_find(&s, "Role", "jobflowd-leader");
	ck_assert_str_eq(jf_json_str(role, "metadata.namespace", ""), NS);
	/* get/update are limited to the Lease the config names */
	cfg = must_find(&cm, "ConfigMap", "jobflowd-config");
	text = jf_json_str(cfg, "data[\"config.yaml\"]", NULL);
	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(
		jf_yaml_load_one(text, strlen(text), "config.yaml", &conf, &e),
		0);
	cJSON_ArrayForEach (rule, jf_json_at(role, "rules")) {
		const cJSON *names = jf_json_at(rule, "resourceNames");

		if (!names)
			continue;
		named++;
		ck_assert_int_eq(cJSON_GetArraySize(names), 1);
		ck_assert_str_eq(
			jf_json_str(names, "[0]", ""),
			jf_json_str(conf, "leaderElection.leaseName", "?"));
		ck_assert_str_eq(jf_json_str(rule, "verbs[0]", ""), "get");
		ck_assert_str_eq(jf_json_str(rule, "verbs[1]", ""), "update");
	}
	ck_assert_int_eq(named, 1);
	cJSON_Delete(conf);
	jf_yaml_stream_release(&cm);
	jf_yaml_stream_release(&s);
}
END_TEST

/* --- Deployment and friends
 * ---------------------------------------------------- */

static const cJSON *env_var(const cJSON *ctr, const char *name)
{
	const cJSON *v;

	cJSON_ArrayForEach (v, jf_json_at(ctr, "env")) {
		if (!strcmp(jf_json_str(v, "name", ""), name))
			return v;
	}
	return NULL;
}

static const cJSON *by_name(const cJSON *list, const char *name)
{
	const cJSON *v;

	cJSON_ArrayForEach (v, list) {
		if (!strcmp(jf_json_str(v, "name", ""), name))
			return v;
	}
	return NULL;
}

/* Every key=value of sel is in labels. */
static bool selects(const cJSON *sel, const cJSON *labels)
{
	const cJSON *kv;
	int n = 0;

	cJSON_ArrayForEach (kv, sel) {
		const cJSON *l =
			cJSON_GetObjectItemCaseSensitive(labels, kv->string);

		if (!cJSON_IsString(l) ||
		    strcmp(l->valuestring, kv->valuestring))
			return false;
		n++;
	}
	return n > 0;
}

struct manifests {
	struct jf_yaml_stream dep, cm, svc, pdb, sa, ns;
	const cJSON *d, *pod, *ctr, *labels, *conf_doc;
	cJSON *conf;
};

static void manifests_load(struct manifests *m)
{
	struct jf_errmsg e = {{0}};
	const char *text;

	load("deploy/deployment.yaml", &m->dep);
	load("deploy/configmap.yaml", &m->cm);
	load("deploy/service.yaml", &m->svc);
	load("deploy/pdb.yaml", &m->pdb);
	load("deploy/serviceaccount.yaml", &m->sa);
	load("deploy/namespace.yaml", &m->ns);
	m->d = must_find(&m->dep, "Deployment", "jobflowd");
	m->pod = jf_json_at(m->d, "spec.template.spec");
	ck_assert_int_eq(cJSON_GetArraySize(jf_json_at(m->pod, "containers")),
			 1);
	m->ctr = jf_json_at(m->pod, "containers[0]");
	m->labels = jf_json_at(m->d, "spec.template.metadata.labels");
	m->conf_doc = must_find(&m->cm, "ConfigMap", "jobflowd-config");
	text = jf_json_str(m->conf_doc, "data[\"config.yaml\"]", "");
	ck_assert_int_eq(jf_yaml_load_one(text, strlen(text), "config.yaml",
					  &m->conf, &e),
			 0);
}

static void manifests_release(struct manifests *m)
{
	cJSON_Delete(m->conf);
	jf_yaml_stream_release(&m->dep);
	jf_yaml_stream_release(&m->cm);
	jf_yaml_stream_release(&m->svc);
	jf_yaml_stream_release(&m->pdb);
	jf_yaml_stream_release(&m->sa);
	jf_yaml_stream_release(&m->ns);
}

START_TEST(deployment_shape)
{
	struct manifests m;
	const cJSON *aff, *sc, *psc;

	manifests_load(&m);
	ck_assert_str_eq(jf_json_str(m.d, "metadata.namespace", ""), NS);
	must_find(&m.ns, "Namespace", NS);
	ck_assert_int_eq(jf_json_int(m.d, "spec.replicas", 0), 2);
	ck_assert(selects(jf_json_at(m.d, "spec.selector.matchLabels"),
			  m.labels));
	ck_assert_str_eq(jf_json_str(m.ctr, "image", ""), "jobflowd:latest");
	/* anti-affinity: preferred, by hostname, against our own pods */
	aff = jf_json_at(m.pod,
			 "affinity.podAntiAffinity."
			 "preferredDuringSchedulingIgnoredDuringExecution[0]");
	ck_assert_ptr_nonnull(aff);
	ck_assert_ptr_null(jf_json_at(
		m.pod, "affinity.podAntiAffinity."
		       "requiredDuringSchedulingIgnoredDuringExecution"));
	ck_assert_int_eq(jf_json_int(aff, "weight", 0), 100);
	ck_assert_str_eq(jf_json_str(aff, "podAffinityTerm.topologyKey", ""),
			 "kubernetes.io/hostname");
	ck_assert(selects(jf_json_at(aff, "podAffinityTerm.labelSelector."
					  "matchLabels"),
			  m.labels));
	/* restricted pod security */
	psc = jf_json_at(m.pod, "securityContext");
	ck_assert(jf_json_bool(psc, "runAsNonRoot", false));
	ck_assert_int_gt(jf_json_int(psc, "runAsUser", 0), 0);
	ck_assert_str_eq(jf_json_str(psc, "seccompProfile.type", ""),
			 "RuntimeDefault");
	sc = jf_json_at(m.ctr, "securityContext");
	ck_assert(jf_json_bool(sc, "runAsNonRoot", false));
	ck_assert(jf_json_bool(sc, "readOnlyRootFilesystem", false));
	ck_assert(!jf_json_bool(sc, "allowPrivilegeEscalation", true));
	ck_assert_int_eq(
		cJSON_GetArraySize(jf_json_at(sc, "capabilities.drop")), 1);
	ck_assert_str_eq(jf_json_str(sc, "capabilities.drop[0]", ""), "ALL");
	ck_assert_ptr_null(jf_json_at(sc, "capabilities.add"));
	ck_assert_str_eq(jf_json_str(sc, "seccompProfile.type", ""),
			 "RuntimeDefault");
	ck_assert_str_eq(jf_json_str(m.ctr, "resources.requests.cpu", ""),
			 "100m");
	ck_assert_str_eq(jf_json_str(m.ctr, "resources.requests.memory", ""),
			 "128Mi");
	ck_assert_str_eq(jf_json_str(m.ctr, "resources.limits.cpu", ""), "1");
	ck_assert_str_eq(jf_json_str(m.ctr, "resources.limits.memory", ""),
			 "256Mi");
	/* the ServiceAccount the RBAC binds */
	ck_assert_str_eq(jf_json_str(m.pod, "serviceAccountName", ""),
			 "jobflowd");
	ck_assert_str_eq(
		jf_json_str(must_find(&m.sa, "ServiceAccount", "jobflowd"),
			    "metadata.namespace", ""),
		NS);
	manifests_release(&m);
}
END_TEST

/* Probes, Service and HTTP address all name the same port. */
START_TEST(deployment_http_port)
{
	struct manifests m;
	const cJSON *port, *svc, *sp, *listen;

	manifests_load(&m);
	port = by_name(jf_json_at(m.ctr, "ports"), "http");
	ck_assert_ptr_nonnull(port);
	ck_assert_int_eq(jf_json_int(port, "containerPort", 0), 8080);
	listen = env_var(m.ctr, "JOBFLOWD_HTTP_LISTEN");
	ck_assert_str_eq(jf_json_str(listen, "value", ""), "0.0.0.0:8080");
	ck_assert_str_eq(jf_json_str(m.ctr, "livenessProbe.httpGet.path", ""),
			 "/healthz");
	ck_assert_str_eq(jf_json_str(m.ctr, "livenessProbe.httpGet.port", ""),
			 "http");
	ck_assert_str_eq(jf_json_str(m.ctr, "readinessProbe.httpGet.path", ""),
			 "/readyz");
	ck_assert_str_eq(jf_json_str(m.ctr, "readinessProbe.httpGet.port", ""),
			 "http");
	svc = must_find(&m.svc, "Service", "jobflowd-metrics");
	ck_assert_str_eq(jf_json_str(svc, "metadata.namespace", ""), NS);
	ck_assert(selects(jf_json_at(svc, "spec.selector"), m.labels));
	ck_assert_int_eq(cJSON_GetArraySize(jf_json_at(svc, "spec.ports")), 1);
	sp = jf_json_at(svc, "spec.ports[0]");
	ck_assert_str_eq(jf_json_str(sp, "name", ""), "metrics");
	ck_assert_int_eq(jf_json_int(sp, "port", 0), 8080);
	ck_assert_str_eq(jf_json_str(sp, "targetPort", ""), "http");
	manifests_release(&m);
}
END_TEST

/* Config file, run dir and lease namespace reach jobflowd as the ConfigMap,
 * the emptyDir and the downward API provide them; the drain fits in the
 * termination grace period. */
START_TEST(deployment_config_and_drain)
{
	struct manifests m;
	const cJSON *cfg, *run, *ns, *vol, *mnt;
	char dir[256];
	int64_t grace = 0;
	struct jf_errmsg e = {{0}};
	const char *slash;

	manifests_load(&m);
	/* --config: a file in a read-only mount of jobflowd-config */
	cfg = env_var(m.ctr, "JOBFLOWD_CONFIG");
	ck_assert_str_eq(jf_json_str(cfg, "value", ""),
			 "/etc/jobflowd/config.yaml");
	mnt = by_name(jf_json_at(m.ctr, "volumeMounts"), "config");
	ck_assert_str_eq(jf_json_str(mnt, "mountPath", ""), "/etc/jobflowd");
	ck_assert(jf_json_bool(mnt, "readOnly", false));
	vol = by_name(jf_json_at(m.pod, "volumes"), "config");
	ck_assert_str_eq(jf_json_str(vol, "configMap.name", ""),
			 "jobflowd-config");
	ck_assert_str_eq(jf_json_str(m.conf_doc, "metadata.namespace", ""), NS);
	/* --run-dir: created by jobflowd (0700) inside the emptyDir, never
	 * the emptyDir itself (root-owned, 0777: jobflowd refuses it) */
	run = env_var(m.ctr, "JOBFLOWD_RUN_DIR");
	ck_assert_str_eq(jf_json_str(run, "value", ""), "/run/jobflowd");
	slash = strrchr(jf_json_str(run, "value", ""), '/');
	snprintf(dir, sizeof(dir), "%.*s",
		 (int)(slash - jf_json_str(run, "value", "")),
		 jf_json_str(run, "value", ""));
	mnt = by_name(jf_json_at(m.ctr, "volumeMounts"), "run");
	ck_assert_str_eq(jf_json_str(mnt, "mountPath", ""), dir);
	vol = by_name(jf_json_at(m.pod, "volumes"), "run");
	ck_assert(cJSON_IsObject(jf_json_at(vol, "emptyDir")));
	/* lease namespace from the downward API */
	ns = env_var(m.ctr, "JOBFLOWD_LEASE_NAMESPACE");
	ck_assert_str_eq(jf_json_str(ns, "valueFrom.fieldRef.fieldPath", ""),
			 "metadata.namespace");
	ns = env_var(m.ctr, "POD_NAMESPACE");
	ck_assert_str_eq(jf_json_str(ns, "valueFrom.fieldRef.fieldPath", ""),
			 "metadata.namespace");
	/* drain: gracePeriod 25s, then 5 s to release the Lease and exit */
	ck_assert_int_eq(
		jf_duration_parse(jf_json_str(m.conf, "gracePeriod", "?"),
				  &grace, &e),
		0);
	ck_assert_int_eq(grace, 25000);
	ck_assert_int_eq(jf_json_int(m.pod, "terminationGracePeriodSeconds", 0),
			 30);
	ck_assert_int_ge(
		jf_json_int(m.pod, "terminationGracePeriodSeconds", 0) * 1000,
		grace + 5000);
	/* the config leaves the pod-bound settings to the Deployment */
	ck_assert_ptr_null(jf_json_at(m.conf, "runDir"));
	ck_assert_ptr_null(jf_json_at(m.conf, "httpListen"));
	ck_assert_ptr_null(jf_json_at(m.conf, "leaderElection.leaseNamespace"));
	ck_assert(jf_json_bool(m.conf, "leaderElection.enabled", false));
	manifests_release(&m);
}
END_TEST

START_TEST(pdb_keeps_one)
{
	struct manifests m;
	const cJSON *pdb;

	manifests_load(&m);
	pdb = must_find(&m.pdb, "PodDisruptionBudget", "jobflowd");
	ck_assert_str_eq(jf_json_str(pdb, "apiVersion", ""), "policy/v1");
	ck_assert_str_eq(jf_json_str(pdb, "metadata.namespace", ""), NS);
	ck_assert_int_eq(jf_json_int(pdb, "spec.minAvailable", 0), 1);
	ck_assert(selects(jf_json_at(pdb, "spec.selector.matchLabels"),
			  m.labels));
	/* with 2 replicas, one voluntary disruption at a time is allowed */
	ck_assert_int_lt(jf_json_int(pdb, "spec.minAvailable", 0),
			 jf_json_int(m.d, "spec.replicas", 0));
	manifests_release(&m);
}
END_TEST

/* --- kustomization -----------------------------------------------------------
 */

static bool listed(const cJSON *res, const char *rel)
{
	const cJSON *r;

	cJSON_ArrayForEach (r, res) {
		if (cJSON_IsString(r) && !strcmp(r->valuestring, rel))
			return true;
	}
	return false;
}

static int check_dir(const cJSON *res, const char *sub)
{
	char *path = src_path(sub[0] ? sub : "deploy");
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;

	ck_assert_msg(d != NULL, "cannot open %s", path);
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char rel[300];

		if (len < 5 || strcmp(de->d_name + len - 5, ".yaml") ||
		    !strcmp(de->d_name, "kustomization.yaml"))
			continue;
		snprintf(rel, sizeof(rel), "%s%s%s",
			 sub[0] ? sub + strlen("deploy/") : "",
			 sub[0] ? "/" : "", de->d_name);
		ck_assert_msg(listed(res, rel),
			      "%s is not in deploy/kustomization.yaml", rel);
		n++;
	}
	closedir(d);
	free(path);
	return n;
}

START_TEST(kustomization_lists_everything)
{
	struct jf_yaml_stream s, dep;
	const cJSON *res, *r;
	const char *img;
	char want[256];
	int n;

	load("deploy/kustomization.yaml", &s);
	res = jf_json_at(s.docs[0].json, "resources");
	n = check_dir(res, "") + check_dir(res, "deploy/crds");
	ck_assert_int_eq(n, cJSON_GetArraySize(res));
	ck_assert_int_eq(n, 9);
	cJSON_ArrayForEach (r, res) {
		char rel[300], *path;
		FILE *f;

		snprintf(rel, sizeof(rel), "deploy/%s", r->valuestring);
		path = src_path(rel);
		f = fopen(path, "r");
		ck_assert_msg(f != NULL, "listed but missing: %s", rel);
		fclose(f);
		free(path);
	}
	ck_assert(listed(res, "crds/flow.volcano.sh_jobflows.yaml"));
	ck_assert(listed(res, "crds/flow.volcano.sh_jobtemplates.yaml"));
	/* images: names the Deployment's image, and changes nothing as shipped
	 */
	load("deploy/deployment.yaml", &dep);
	img = jf_json_str(dep.docs[0].json,
			  "spec.template.spec.containers[0].image", "");
	snprintf(want, sizeof(want), "%s:%s",
		 jf_json_str(s.docs[0].json, "images[0].newName", "?"),
		 jf_json_str(s.docs[0].json, "images[0].newTag", "?"));
	ck_assert_int_eq(
		cJSON_GetArraySize(jf_json_at(s.docs[0].json, "images")), 1);
	ck_assert_str_eq(img, want);
	ck_assert_int_eq(
		strncmp(img, jf_json_str(s.docs[0].json, "images[0].name", "?"),
			strlen(jf_json_str(s.docs[0].json, "images[0].name",
					   "?"))),
		0);
	ck_assert_int_eq(
		img[strlen(jf_json_str(s.docs[0].json, "images[0].name", ""))],
		':');
	jf_yaml_stream_release(&dep);
	jf_yaml_stream_release(&s);
}
END_TEST

static Suite *deploy_suite(void)
{
	Suite *s = suite_create("deploy");
	TCase *tc;

	tc = tcase_create("rbac");
	tcase_add_test(tc, rbac_matches_calls);
	tcase_add_test(tc, rbac_compare_detects_drift);
	tcase_add_test(tc, rbac_bindings_and_lease_name);
	suite_add_tcase(s, tc);
	tc = tcase_create("deployment");
	tcase_add_test(tc, deployment_shape);
	tcase_add_test(tc, deployment_http_port);
	tcase_add_test(tc, deployment_config_and_drain);
	tcase_add_test(tc, pdb_keeps_one);
	suite_add_tcase(s, tc);
	tc = tcase_create("kustomization");
	tcase_add_test(tc, kustomization_lists_everything);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(deploy_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
