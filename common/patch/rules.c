/* rules.c - the merge rules of patch.jobSpec as data (SPEC §3.2,
 * docs/patch.md): which lists merge by which key, which values replace
 * whole, which strings render as text, and what a new entry must have.
 *
 *   JobSpec      tasks (by name, unnamed: by index), volumes (by mountPath),
 *                policies (replace), plugins (map merge)
 *   TaskSpec     template, policies (replace)
 *   PodSpec      containers, initContainers, ephemeralContainers,
 *                volumes, imagePullSecrets (by name); tolerations (by
 *                key; no key = the wildcard ""); hostAliases (by ip);
 *                affinity, securityContext, dnsConfig (replace)
 *   Container    env (by name), volumeMounts (by mountPath), ports (by
 *                containerPort); command, args (replace); probes,
 *                securityContext, lifecycle (replace); resources (merge)
 *
 * Everything not listed: objects merge, lists and scalars replace.
 */
#include "patch_int.h"

#include <string.h>

#define RULE(k)                                                                \
	{                                                                      \
		.kind = JF_PATCH_##k                                           \
	}

const struct jf_patch_rule jf_patch_rule_any = RULE(ANY);
const struct jf_patch_rule jf_patch_rule_str = RULE(STR);
#define r_any jf_patch_rule_any
#define r_str jf_patch_rule_str
static const struct jf_patch_rule r_replace = RULE(REPLACE);
static const struct jf_patch_rule r_strlist = RULE(STRLIST);
static const struct jf_patch_rule r_strmap = RULE(STRMAP);
static const struct jf_patch_rule r_map = {.kind = JF_PATCH_OBJ};

/* --- container level -------------------------------------------------- */

static const char *const needs_name[] = {"name", NULL};
static const char *const needs_name_image[] = {"name", "image", NULL};
static const char *const needs_mount[] = {"name", "mountPath", NULL};
static const char *const needs_port[] = {"containerPort", NULL};
static const char *const needs_mountpath[] = {"mountPath", NULL};
static const char *const needs_ip[] = {"ip", NULL};

static const struct jf_patch_member env_members[] = {
	{"name", &r_str},
	{"value", &r_str},
	{NULL, NULL},
};
static const struct jf_patch_rule r_env_entry = {
	.kind = JF_PATCH_OBJ,
	.members = env_members,
};
static const struct jf_patch_rule r_env = {
	.kind = JF_PATCH_KEYED,
	.key = "name",
	.what = "env entry",
	.needs = needs_name,
	.elem = &r_env_entry,
};

static const struct jf_patch_member mount_members[] = {
	{"name", &r_str},
	{"mountPath", &r_str},
	{"subPath", &r_str},
	{NULL, NULL},
};
static const struct jf_patch_rule r_mount_entry = {
	.kind = JF_PATCH_OBJ,
	.members = mount_members,
};
static const struct jf_patch_rule r_mounts = {
	.kind = JF_PATCH_KEYED,
	.key = "mountPath",
	.what = "volume mount",
	.needs = needs_mount,
	.elem = &r_mount_entry,
};

static const struct jf_patch_member port_members[] = {
	{"name", &r_str},
	{"protocol", &r_str},
	{NULL, NULL},
};
static const struct jf_patch_rule r_port_entry = {
	.kind = JF_PATCH_OBJ,
	.members = port_members,
};
static const struct jf_patch_rule r_ports = {
	.kind = JF_PATCH_KEYED,
	.key = "containerPort",
	.key_int = true,
	.what = "port",
	.needs = needs_port,
	.elem = &r_port_entry,
};

static const struct jf_patch_member container_members[] = {
	{"name", &r_str},
	{"image", &r_str},
	{"imagePullPolicy", &r_str},
	{"workingDir", &r_str},
	{"command", &r_strlist},
	{"args", &r_strlist},
	{"env", &r_env},
	{"volumeMounts", &r_mounts},
	{"ports", &r_ports},
	{"resources", &r_map},
	{"livenessProbe", &r_replace},
	{"readinessProbe", &r_replace},
	{"startupProbe", &r_replace},
	{"lifecycle", &r_replace},
	{"securityContext", &r_replace},
	{NULL, NULL},
};
static const struct jf_patch_rule r_container = {
	.kind = JF_PATCH_OBJ,
	.members = container_members,
};
static const struct jf_patch_rule r_containers = {
	.kind = JF_PATCH_KEYED,
	.key = "name",
	.what = "container",
	.needs = needs_name_image,
	.elem = &r_container,
};
static const struct jf_patch_rule r_init_containers = {
	.kind = JF_PATCH_KEYED,
	.key = "name",
	.what = "init container",
	.needs = needs_name_image,
	.elem = &r_container,
};
static const struct jf_patch_rule r_ephemeral_containers = {
	.kind = JF_PATCH_KEYED,
	.key = "name",
	.what = "ephemeral container",
	.needs = needs_name_image,
	.elem = &r_container,
};

/* --- pod level ---------------------------------------------------------- */

static const struct jf_patch_member named_members[] = {
	{"name", &r_str},
	{NULL, NULL},
};
static const struct jf_patch_rule r_named_entry = {
	.kind = JF_PATCH_OBJ,
	.members = named_members,
};
static const struct jf_patch_rule r_pod_volumes = {
	.kind = JF_PATCH_KEYED,
	.key = "name",
	.what = "volume",
	.needs = needs_name,
	.elem = &r_named_entry,
};
static const struct jf_patch_rule r_pull_secrets = {
	.kind = JF_PATCH_KEYED,
	.key = "name",
	.what = "image pull secret",
	.needs = needs_name,
	.elem = &r_named_entry,
};

static const struct jf_patch_member toleration_members[] = {
	{"key", &r_str},    {"operator", &r_str}, {"value", &r_str},
	{"effect", &r_str}, {NULL, NULL},
};
static const struct jf_patch_rule r_toleration = {
	.kind = JF_PATCH_OBJ,
	.members = toleration_members,
};
static const struct jf_patch_rule r_tolerations = {
	.kind = JF_PATCH_KEYED,
	.key = "key",
	.key_optional = true,
	.what = "toleration",
	.elem = &r_toleration,
};

static const struct jf_patch_member host_alias_members[] = {
	{"ip", &r_str},
	{"hostnames", &r_strlist},
	{NULL, NULL},
};
static const struct jf_patch_rule r_host_alias = {
	.kind = JF_PATCH_OBJ,
	.members = host_alias_members,
};
static const struct jf_patch_rule r_host_aliases = {
	.kind = JF_PATCH_KEYED,
	.key = "ip",
	.what = "host alias",
	.needs = needs_ip,
	.elem = &r_host_alias,
};

static const struct jf_patch_member pod_spec_members[] = {
	{"containers", &r_containers},
	{"initContainers", &r_init_containers},
	{"ephemeralContainers", &r_ephemeral_containers},
	{"volumes", &r_pod_volumes},
	{"imagePullSecrets", &r_pull_secrets},
	{"tolerations", &r_tolerations},
	{"hostAliases", &r_host_aliases},
	{"affinity", &r_replace},
	{"securityContext", &r_replace},
	{"dnsConfig", &r_replace},
	{"nodeSelector", &r_strmap},
	{"restartPolicy", &r_str},
	{"serviceAccountName", &r_str},
	{"schedulerName", &r_str},
	{"priorityClassName", &r_str},
	{"nodeName", &r_str},
	{NULL, NULL},
};
static const struct jf_patch_rule r_pod_spec = {
	.kind = JF_PATCH_OBJ,
	.members = pod_spec_members,
};

static const struct jf_patch_member metadata_members[] = {
	{"name", &r_str},
	{"labels", &r_strmap},
	{"annotations", &r_strmap},
	{NULL, NULL},
};
static const struct jf_patch_rule r_metadata = {
	.kind = JF_PATCH_OBJ,
	.members = metadata_members,
};

static const struct jf_patch_member pod_template_members[] = {
	{"metadata", &r_metadata},
	{"spec", &r_pod_spec},
	{NULL, NULL},
};
static const struct jf_patch_rule r_pod_template = {
	.kind = JF_PATCH_OBJ,
	.members = pod_template_members,
};

/* --- job level ---------------------------------------------------------- */

static const struct jf_patch_member task_members[] = {
	{"name", &r_str},
	{"template", &r_pod_template},
	{"policies", &r_replace},
	{NULL, NULL},
};
static const struct jf_patch_rule r_task = {
	.kind = JF_PATCH_OBJ,
	.members = task_members,
};
static const struct jf_patch_rule r_tasks = {
	.kind = JF_PATCH_KEYED,
	.key = "name",
	.positional = true,
	.what = "task",
	.needs = needs_name,
	.needs_containers = true,
	.elem = &r_task,
};

static const struct jf_patch_member job_volume_members[] = {
	{"mountPath", &r_str},
	{"volumeClaimName", &r_str},
	{NULL, NULL},
};
static const struct jf_patch_rule r_job_volume = {
	.kind = JF_PATCH_OBJ,
	.members = job_volume_members,
};
static const struct jf_patch_rule r_job_volumes = {
	.kind = JF_PATCH_KEYED,
	.key = "mountPath",
	.what = "job volume",
	.needs = needs_mountpath,
	.elem = &r_job_volume,
};

static const struct jf_patch_member job_members[] = {
	{"tasks", &r_tasks},
	{"volumes", &r_job_volumes},
	{"policies", &r_replace},
	{"plugins", &r_map},
	{"queue", &r_str},
	{"schedulerName", &r_str},
	{"priorityClassName", &r_str},
	{NULL, NULL},
};
const struct jf_patch_rule jf_patch_rule_jobspec = {
	.kind = JF_PATCH_OBJ,
	.members = job_members,
};

const struct jf_patch_rule *jf_patch_member_rule(const struct jf_patch_rule *r,
						 const char *name)
{
	if (r && r->members) {
		for (const struct jf_patch_member *m = r->members; m->name;
		     m++) {
			if (strcmp(m->name, name) == 0)
				return m->rule;
		}
	}
	return &r_any;
}
