/* check_patch.c - Check suite for the patch engine (common/patch/): merge
 * rules of SPEC §3.2, null deletion, appends and their completeness,
 * unnamed tasks, placeholders, jf_patch_check(), and Volcano's two
 * parameter-overriding design examples. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jf_json.h"
#include "jf_patch.h"
#include "jf_yaml.h"

/* JSON written with ' for " (no test string needs a real apostrophe). */
static cJSON *J(const char *s)
{
	struct jf_errmsg e = {{0}};
	char *t = strdup(s);
	cJSON *j = NULL;

	for (char *p = t; *p; p++) {
		if (*p == '\'')
			*p = '"';
	}
	ck_assert_msg(jf_json_parse(t, strlen(t), 0, &j, &e) == 0,
		      "bad test JSON %s: %s", s, e.msg);
	free(t);
	return j;
}

static char *stable(const cJSON *j)
{
	char *s = jf_json_print_stable(j);

	ck_assert_ptr_nonnull(s);
	return s;
}

/* A JobSpec with every keyed list of SPEC §3.2 in it. */
static const char *const base_spec =
	"{'minAvailable':1,'schedulerName':'volcano','queue':'default',"
	"'maxRetry':3,'plugins':{'svc':[],'env':[]},"
	"'policies':[{'event':'PodEvicted','action':'RestartJob'}],"
	"'volumes':[{'mountPath':'/data','volumeClaimName':'pvc-a'}],"
	"'tasks':["
	"{'name':'ps','replicas':1,'template':{'metadata':{'labels':"
	"{'role':'ps'}},'spec':{'restartPolicy':'OnFailure',"
	"'containers':[{'name':'main','image':'img:1',"
	"'command':['sh','-c','run'],'args':['--a'],"
	"'env':[{'name':'A','value':'1'},{'name':'B','value':'2'}],"
	"'volumeMounts':[{'name':'v','mountPath':'/v'}],"
	"'ports':[{'containerPort':8080,'name':'http'}],"
	"'resources':{'requests':{'cpu':'1','memory':'1Gi'}}}],"
	"'volumes':[{'name':'v','emptyDir':{}}],"
	"'tolerations':[{'key':'gpu','operator':'Exists'}],"
	"'hostAliases':[{'ip':'10.0.0.1','hostnames':['a']}],"
	"'nodeSelector':{'zone':'a'},"
	"'affinity':{'nodeAffinity':{'x':1}}}}},"
	"{'name':'worker','replicas':2,'template':{'spec':{'containers':"
	"[{'name':'main','image':'img:1'}]}}}]}";

/* Paths into base_spec for patches that only touch one place. */
#define PS_SPEC(x) "{'tasks':[{'name':'ps','template':{'spec':" x "}}]}"
#define PS_MAIN(x) PS_SPEC("{'containers':[{'name':'main'," x "}]}")

struct pcase {
	const char *name;
	const char *patch;
	const char *env;    /* NULL: no rendering */
	int err;	    /* 0: expect success */
	const char *expect; /* success: the changes, as {path: value};
			     * failure: the exact message */
};

/* "expect" lists the paths whose values differ from base_spec (null: gone);
 * the test applies them to a copy of the base and compares everything. */
static const struct pcase cases[] = {
	{"scalars replace, null deletes",
	 "{'queue':'q2','maxRetry':5,'minAvailable':null,'ttlSecondsAfterFinished':60}",
	 NULL, 0,
	 "{'queue':'q2','maxRetry':5,'minAvailable':null,'ttlSecondsAfterFinished':60}"},
	{"plugins merge by key, lists inside replace",
	 "{'plugins':{'ssh':[],'svc':['--publish-not-ready-addresses'],'env':null}}",
	 NULL, 0,
	 "{'plugins':{'ssh':[],'svc':['--publish-not-ready-addresses']}}"},
	{"policies replace",
	 "{'policies':[{'event':'PodFailed','action':'AbortJob'}]}", NULL, 0,
	 "{'policies':[{'event':'PodFailed','action':'AbortJob'}]}"},
	{"job volumes merge by mountPath",
	 "{'volumes':[{'mountPath':'/new','volumeClaimName':'b'},"
	 "{'mountPath':'/data','volumeClaimName':'pvc-z'}]}",
	 NULL, 0,
	 "{'volumes':[{'mountPath':'/data','volumeClaimName':'pvc-z'},"
	 "{'mountPath':'/new','volumeClaimName':'b'}]}"},
	{"tasks merge by name, order kept",
	 "{'tasks':[{'name':'worker','replicas':4},{'name':'ps','replicas':null}]}",
	 NULL, 0, "{'tasks[1].replicas':4,'tasks[0].replicas':null}"},
	{"env merges by name inside containers inside tasks",
	 PS_MAIN("'image':'img:2','env':[{'name':'B','value':'20'},"
		 "{'name':'C','value':'3'}]"),
	 NULL, 0,
	 "{'tasks[0].template.spec.containers[0].image':'img:2',"
	 "'tasks[0].template.spec.containers[0].env':[{'name':'A','value':'1'},"
	 "{'name':'B','value':'20'},{'name':'C','value':'3'}]}"},
	{"volumeMounts merge by mountPath",
	 PS_MAIN("'volumeMounts':[{'name':'w','mountPath':'/w'},"
		 "{'mountPath':'/v','readOnly':true}]"),
	 NULL, 0,
	 "{'tasks[0].template.spec.containers[0].volumeMounts':"
	 "[{'name':'v','mountPath':'/v','readOnly':true},"
	 "{'name':'w','mountPath':'/w'}]}"},
	{"ports merge by containerPort",
	 PS_MAIN("'ports':[{'containerPort':9090},{'containerPort':8080,'name':'web'}]"),
	 NULL, 0,
	 "{'tasks[0].template.spec.containers[0].ports':"
	 "[{'containerPort':8080,'name':'web'},{'containerPort':9090}]}"},
	{"pod volumes merge by name",
	 PS_SPEC("{'volumes':[{'name':'cfg','configMap':{'name':'c'}},"
		 "{'name':'v','emptyDir':{'medium':'Memory'}}]}"),
	 NULL, 0,
	 "{'tasks[0].template.spec.volumes':[{'name':'v','emptyDir':"
	 "{'medium':'Memory'}},{'name':'cfg','configMap':{'name':'c'}}]}"},
	{"tolerations merge by key, no key is the wildcard",
	 PS_SPEC("{'tolerations':[{'key':'gpu','effect':'NoSchedule'},"
		 "{'operator':'Exists'},{'key':'spot','operator':'Exists'},"
		 "{'operator':'Exists','effect':'NoExecute'}]}"),
	 NULL, 0,
	 "{'tasks[0].template.spec.tolerations':[{'key':'gpu','operator':"
	 "'Exists','effect':'NoSchedule'},{'operator':'Exists','effect':"
	 "'NoExecute'},{'key':'spot','operator':'Exists'}]}"},
	{"hostAliases merge by ip",
	 PS_SPEC("{'hostAliases':[{'ip':'10.0.0.1','hostnames':['b','c']},"
		 "{'ip':'10.0.0.2','hostnames':['d']}]}"),
	 NULL, 0,
	 "{'tasks[0].template.spec.hostAliases':[{'ip':'10.0.0.1','hostnames':"
	 "['b','c']},{'ip':'10.0.0.2','hostnames':['d']}]}"},
	{"initContainers merge by name, appended when complete",
	 PS_SPEC("{'initContainers':[{'name':'init','image':'busybox',"
		 "'command':['true']}]}"),
	 NULL, 0,
	 "{'tasks[0].template.spec.initContainers':[{'name':'init','image':"
	 "'busybox','command':['true']}]}"},
	{"imagePullSecrets merge by name",
	 PS_SPEC("{'imagePullSecrets':[{'name':'reg'}]}"), NULL, 0,
	 "{'tasks[0].template.spec.imagePullSecrets':[{'name':'reg'}]}"},
	{"command and args replace", PS_MAIN("'command':['python'],'args':[]"),
	 NULL, 0,
	 "{'tasks[0].template.spec.containers[0].command':['python'],"
	 "'tasks[0].template.spec.containers[0].args':[]}"},
	{"affinity replaces whole",
	 PS_SPEC("{'affinity':{'podAffinity':{'y':2}}}"), NULL, 0,
	 "{'tasks[0].template.spec.affinity':{'podAffinity':{'y':2}}}"},
	{"nodeSelector and labels merge by key",
	 "{'tasks':[{'name':'ps','template':{'metadata':{'labels':{'tier':'x'}},"
	 "'spec':{'nodeSelector':{'zone':null,'disk':'ssd'}}}}]}",
	 NULL, 0,
	 "{'tasks[0].template.metadata.labels':{'role':'ps','tier':'x'},"
	 "'tasks[0].template.spec.nodeSelector':{'disk':'ssd'}}"},
	{"resources merge",
	 PS_MAIN("'resources':{'limits':{'cpu':'2'},'requests':{'memory':null}}"),
	 NULL, 0,
	 "{'tasks[0].template.spec.containers[0].resources':"
	 "{'requests':{'cpu':'1'},'limits':{'cpu':'2'}}}"},
	{"null deletes at several depths",
	 "{'minAvailable':null,'tasks':[{'name':'ps','replicas':null,"
	 "'template':{'metadata':{'labels':{'role':null}},'spec':"
	 "{'affinity':null,'containers':[{'name':'main','args':null,"
	 "'resources':{'requests':{'cpu':null}}}]}}}]}",
	 NULL, 0,
	 "{'minAvailable':null,'tasks[0].replicas':null,"
	 "'tasks[0].template.metadata.labels':{},"
	 "'tasks[0].template.spec.affinity':null,"
	 "'tasks[0].template.spec.containers[0].args':null,"
	 "'tasks[0].template.spec.containers[0].resources':"
	 "{'requests':{'memory':'1Gi'}}}"},
	{"null inside a replaced list is kept, inside new objects dropped",
	 PS_MAIN("'args':['a',null],'livenessProbe':{'exec':{'command':"
		 "['x']},'timeoutSeconds':null}"),
	 NULL, 0,
	 "{'tasks[0].template.spec.containers[0].args':['a',null],"
	 "'tasks[0].template.spec.containers[0].livenessProbe':"
	 "{'exec':{'command':['x']}}}"},
	{"unnamed tasks match the template task at the same index",
	 "{'tasks':[{'replicas':7},{'template':{'spec':{'containers':"
	 "[{'name':'main','image':'x'}]}}}]}",
	 NULL, 0,
	 "{'tasks[0].replicas':7,"
	 "'tasks[1].template.spec.containers[0].image':'x'}"},
	{"a complete new task is appended",
	 "{'tasks':[{'name':'eval','replicas':1,'template':{'spec':"
	 "{'containers':[{'name':'e','image':'e:1','args':null}]}}}]}",
	 NULL, 0,
	 "{'tasks[2]':{'name':'eval','replicas':1,'template':{'spec':"
	 "{'containers':[{'name':'e','image':'e:1'}]}}}}"},
	{"$patch: delete removes matched entries",
	 "{'tasks':[{'name':'worker','$patch':'delete'},{'name':'ps',"
	 "'template':{'spec':{'containers':[{'name':'main','env':"
	 "[{'name':'A','$patch':'delete'},{'name':'Z','$patch':'delete'}]}]}}}]}",
	 NULL, 0,
	 "{'tasks[1]':null,'tasks[0].template.spec.containers[0].env':"
	 "[{'name':'B','value':'2'}]}"},
	{"entries with the same key apply in order",
	 PS_MAIN("'env':[{'name':'N','value':'x'},{'name':'N','value':'y'},"
		 "{'name':'A','value':'a'}]"),
	 NULL, 0,
	 "{'tasks[0].template.spec.containers[0].env':[{'name':'A','value':"
	 "'a'},{'name':'B','value':'2'},{'name':'N','value':'y'}]}"},
	{"containers merge by name, a complete new one is appended",
	 PS_SPEC("{'containers':[{'name':'side','image':'s:1'},{'name':'main',"
		 "'imagePullPolicy':'Always'}]}"),
	 NULL, 0,
	 "{'tasks[0].template.spec.containers[0].imagePullPolicy':'Always',"
	 "'tasks[0].template.spec.containers[1]':{'name':'side','image':'s:1'}}"},
	{"an empty patch changes nothing", "{}", NULL, 0, "{}"},

	/* incomplete appends */
	{"unnamed task past the template's tasks",
	 "{'tasks':[{},{},{'replicas':1}]}", NULL, -JF_ESPEC,
	 "tasks[2]: new task has no 'name' (the template has no task at index 2)"},
	{"new task without containers",
	 "{'tasks':[{'name':'evl','replicas':1}]}", NULL, -JF_ESPEC,
	 "tasks[0]: new task 'evl' has no 'template.spec.containers' (no task of the template is named 'evl')"},
	{"new task with an empty container list",
	 "{'tasks':[{'name':'x','template':{'spec':{'containers':[]}}}]}", NULL,
	 -JF_ESPEC,
	 "tasks[0]: new task 'x' has no 'template.spec.containers' (no task of the template is named 'x')"},
	{"new container without image",
	 PS_SPEC("{'containers':[{'name':'main'},{'name':'side'}]}"), NULL,
	 -JF_ESPEC,
	 "tasks[0].template.spec.containers[1]: new container 'side' has no 'image'"},
	{"a container of a new task without image",
	 "{'tasks':[{'name':'n','template':{'spec':{'containers':"
	 "[{'name':'x'}]}}}]}",
	 NULL, -JF_ESPEC,
	 "tasks[0].template.spec.containers[0]: new container 'x' has no 'image'"},
	{"init container without name",
	 PS_SPEC("{'initContainers':[{'image':'busybox'}]}"), NULL, -JF_ESPEC,

	 "tasks[0].template.spec.initContainers[0]: init container has no 'name' to match it by"},
	{"env entry without name", PS_MAIN("'env':[{'value':'1'}]"), NULL,
	 -JF_ESPEC,
	 "tasks[0].template.spec.containers[0].env[0]: env entry has no 'name' to match it by"},
	{"new volume mount without name",
	 PS_MAIN("'volumeMounts':[{'mountPath':'/x'}]"), NULL, -JF_ESPEC,
	 "tasks[0].template.spec.containers[0].volumeMounts[0]: new volume mount has no 'name'"},
	{"volume mount without mountPath",
	 PS_MAIN("'volumeMounts':[{'name':'v'}]"), NULL, -JF_ESPEC,
	 "tasks[0].template.spec.containers[0].volumeMounts[0]: volume mount has no 'mountPath' to match it by"},
	{"pod volume without name", PS_SPEC("{'volumes':[{'emptyDir':{}}]}"),
	 NULL, -JF_ESPEC,
	 "tasks[0].template.spec.volumes[0]: volume has no 'name' to match it by"},
	{"port without containerPort", PS_MAIN("'ports':[{'name':'x'}]"), NULL,
	 -JF_ESPEC,
	 "tasks[0].template.spec.containers[0].ports[0]: port has no 'containerPort' to match it by"},
	{"job volume without mountPath",
	 "{'volumes':[{'volumeClaimName':'x'}]}", NULL, -JF_ESPEC,
	 "volumes[0]: job volume has no 'mountPath' to match it by"},
	{"host alias without ip",
	 PS_SPEC("{'hostAliases':[{'hostnames':['x']}]}"), NULL, -JF_ESPEC,
	 "tasks[0].template.spec.hostAliases[0]: host alias has no 'ip' to match it by"},
	{"empty name counts as none",
	 PS_SPEC("{'containers':[{'name':'c2','image':''}]}"), NULL, -JF_ESPEC,

	 "tasks[0].template.spec.containers[0]: new container 'c2' has no 'image'"},

	/* shapes and types */
	{"tasks must be a list", "{'tasks':{'name':'ps'}}", NULL, -JF_ETYPE,
	 "tasks: expected a list, got object"},
	{"tasks entries must be objects", "{'tasks':['ps']}", NULL, -JF_ETYPE,
	 "tasks[0]: expected an object, got string"},
	{"template must be an object",
	 "{'tasks':[{'name':'ps','template':[]}]}", NULL, -JF_ETYPE,
	 "tasks[0].template: expected an object, got array"},
	{"env entries must be objects", PS_MAIN("'env':[5]"), NULL, -JF_ETYPE,

	 "tasks[0].template.spec.containers[0].env[0]: expected an object, got number"},
	{"a null entry in a keyed list", PS_SPEC("{'containers':[null]}"), NULL,
	 -JF_ETYPE,
	 "tasks[0].template.spec.containers[0]: expected an object, got null"},
	{"names are strings", PS_SPEC("{'containers':[{'name':5}]}"), NULL,
	 -JF_ETYPE,
	 "tasks[0].template.spec.containers[0].name: expected a string, got number"},
	{"containerPort is an integer",
	 PS_MAIN("'ports':[{'containerPort':'8080'}]"), NULL, -JF_ETYPE,
	 "tasks[0].template.spec.containers[0].ports[0].containerPort: expected an integer, got string"},
	{"command is a list", PS_MAIN("'command':'sh -c x'"), NULL, -JF_ETYPE,

	 "tasks[0].template.spec.containers[0].command: expected a list, got string"},
	{"plugins is an object", "{'plugins':['svc']}", NULL, -JF_ETYPE,
	 "plugins: expected an object, got array"},
	{"the patch is an object", "[1]", NULL, -JF_ETYPE,
	 "expected an object, got array"},
	{"unknown $patch", "{'tasks':[{'name':'ps','$patch':'replace'}]}", NULL,
	 -JF_ESPEC, "tasks[0]: unsupported '$patch' (only \"delete\" is)"},
	{"$patch outside keyed lists",
	 PS_MAIN("'resources':{'$patch':'replace','limits':{}}"), NULL,
	 -JF_ESPEC,
	 "tasks[0].template.spec.containers[0].resources: '$patch' is only supported in entries of keyed lists"},

	/* placeholders */
	{"a lone placeholder keeps its type; text fields render as text",
	 "{'minAvailable':'{{params.gpus}}','queue':'q-{{params.dataset}}',"
	 "'tasks':[{'name':'ps','replicas':'{{index}}','template':{'metadata':"
	 "{'labels':{'lang':'{{item.lang}}','n':'{{params.gpus}}'}},'spec':"
	 "{'containers':[{'name':'main','env':[{'name':'GPUS','value':"
	 "'{{params.gpus}}'}],'args':'{{params.args}}','command':"
	 "['{{item.lang}}','{{index}}']}]}}}]}",
	 "{'params':{'dataset':'imagenet','gpus':4,'args':['--x','--y']},"
	 "'item':{'lang':'de'},'index':2}",
	 0,
	 "{'minAvailable':4,'queue':'q-imagenet','tasks[0].replicas':2,"
	 "'tasks[0].template.metadata.labels':{'role':'ps','lang':'de','n':'4'},"
	 "'tasks[0].template.spec.containers[0].env':[{'name':'A','value':'1'},"
	 "{'name':'B','value':'2'},{'name':'GPUS','value':'4'}],"
	 "'tasks[0].template.spec.containers[0].args':['--x','--y'],"
	 "'tasks[0].template.spec.containers[0].command':['de','2']}"},
	{"item, index and attempt as scalars",
	 "{'tasks':[{'name':'ps','replicas':'{{index}}','template':{'spec':"
	 "{'containers':[{'name':'main','image':'img:{{item}}','args':"
	 "['--lang={{item}}','{{attempt}}','{{index + 1}}']}]}}}]}",
	 "{'item':'fr','index':0,'attempt':2}", 0,
	 "{'tasks[0].replicas':0,"
	 "'tasks[0].template.spec.containers[0].image':'img:fr',"
	 "'tasks[0].template.spec.containers[0].args':['--lang=fr','2','1']}"},
	{"keys are not rendered; a null value deletes",
	 "{'plugins':{'{{params.dataset}}':[]},'minAvailable':'{{params.none}}'}",
	 "{'params':{'dataset':'imagenet','none':null}}", 0,
	 "{'plugins':{'svc':[],'env':[],'{{params.dataset}}':[]},"
	 "'minAvailable':null}"},
	{"entry keys render before matching",
	 "{'tasks':[{'name':'{{params.t}}','replicas':9},{'name':'w-{{index}}',"
	 "'template':{'spec':{'containers':[{'name':'c','image':'i:{{index}}'}]}}}]}",
	 "{'params':{'t':'worker'},'index':3}", 0,
	 "{'tasks[1].replicas':9,'tasks[2]':{'name':'w-3','template':{'spec':"
	 "{'containers':[{'name':'c','image':'i:3'}]}}}}"},
	{"a rendered list merges by its keys",
	 PS_MAIN("'env':'{{params.env}}'"),
	 "{'params':{'env':[{'name':'B','value':'b'},{'name':'D','value':'d'}]}}",
	 0,
	 "{'tasks[0].template.spec.containers[0].env':[{'name':'A','value':'1'},"
	 "{'name':'B','value':'b'},{'name':'D','value':'d'}]}"},
	{"a rendered value of the wrong shape", "{'tasks':'{{params.n}}'}",
	 "{'params':{'n':3}}", -JF_ETYPE, "tasks: expected a list, got number"},
	{"a rendered key of the wrong type",
	 PS_MAIN("'ports':[{'containerPort':'{{params.p}}'}]"),
	 "{'params':{'p':'http'}}", -JF_ETYPE,
	 "tasks[0].template.spec.containers[0].ports[0].containerPort: expected an integer, got string"},
	{"a rendered port merges as a number",
	 PS_MAIN("'ports':[{'containerPort':'{{params.p}}','name':'p'}]"),
	 "{'params':{'p':8080}}", 0,
	 "{'tasks[0].template.spec.containers[0].ports':[{'containerPort':8080,"
	 "'name':'p'}]}"},
};

/* Sets each "path": value of changes in doc (null removes it). */
static void apply_changes(cJSON *doc, const cJSON *changes)
{
	const cJSON *c;

	cJSON_ArrayForEach (c, changes) {
		char parent[512];
		char *dot, *br, *cut;
		cJSON *p = doc;

		snprintf(parent, sizeof(parent), "%s", c->string);
		dot = strrchr(parent, '.');
		br = strrchr(parent, '[');
		cut = dot && (!br || dot > br) ? dot : br;
		if (cut) {
			char saved = *cut;

			*cut = '\0';
			p = jf_json_at_mut(doc, parent);
			*cut = saved;
		}
		ck_assert_msg(p != NULL, "bad change path %s", c->string);
		if (cut && *cut == '[') {
			int i = atoi(cut + 1);

			ck_assert(cJSON_IsArray(p));
			if (cJSON_IsNull(c))
				cJSON_DeleteItemFromArray(p, i);
			else if (i < cJSON_GetArraySize(p))
				cJSON_ReplaceItemInArray(p, i,
							 cJSON_Duplicate(c, 1));
			else
				cJSON_AddItemToArray(p, cJSON_Duplicate(c, 1));
			continue;
		}
		const char *key = cut ? cut + 1 : parent;

		cJSON_DeleteItemFromObjectCaseSensitive(p, key);
		if (!cJSON_IsNull(c))
			cJSON_AddItemToObject(p, key, cJSON_Duplicate(c, 1));
	}
}

START_TEST(test_patch_table)
{
	const struct pcase *tc = &cases[_i];
	cJSON *base = J(base_spec), *patch = J(tc->patch);
	cJSON *env = tc->env ? J(tc->env) : NULL, *out = NULL;
	char *b0 = stable(base), *p0 = stable(patch);
	char *e0 = env ? stable(env) : NULL, *s;
	struct jf_errmsg e = {{0}};
	int err;

	err = jf_patch_apply(base, patch, env, &out, &e);
	ck_assert_msg(err == tc->err, "%s: got %d (%s), want %d", tc->name, err,
		      e.msg, tc->err);
	if (tc->err) {
		ck_assert_ptr_null(out);
		ck_assert_msg(strcmp(e.msg, tc->expect) == 0,
			      "%s:\n  got  %s\n  want %s", tc->name, e.msg,
			      tc->expect);
	} else {
		cJSON *want = J(base_spec), *changes = J(tc->expect);
		char *ws, *gs;

		apply_changes(want, changes);
		ws = stable(want);
		gs = stable(out);
		ck_assert_msg(strcmp(gs, ws) == 0, "%s:\n  got  %s\n  want %s",
			      tc->name, gs, ws);
		free(ws);
		free(gs);
		cJSON_Delete(want);
		cJSON_Delete(changes);
	}
	/* inputs are never modified */
	s = stable(base);
	ck_assert_str_eq(s, b0);
	free(s);
	s = stable(patch);
	ck_assert_str_eq(s, p0);
	free(s);
	if (env) {
		s = stable(env);
		ck_assert_str_eq(s, e0);
		free(s);
	}
	free(b0);
	free(p0);
	free(e0);
	cJSON_Delete(out);
	cJSON_Delete(base);
	cJSON_Delete(patch);
	cJSON_Delete(env);
}
END_TEST

/* The table again through jf_patch_check() with the base: errors that do
 * not depend on rendered values are found statically. */
START_TEST(test_check_finds_static_errors)
{
	const struct pcase *tc = &cases[_i];
	cJSON *base = J(base_spec), *patch = J(tc->patch);
	char *b0 = stable(base), *p0 = stable(patch), *s;
	struct jf_errmsg e = {{0}};
	int err = jf_patch_check(base, patch, NULL, &e);

	if (!tc->env) {
		ck_assert_msg(err == tc->err, "%s: got %d (%s), want %d",
			      tc->name, err, e.msg, tc->err);
		if (err)
			ck_assert_str_eq(e.msg, tc->expect);
	} else {
		/* placeholders decide at run time: no static error */
		ck_assert_msg(err == 0, "%s: %s", tc->name, e.msg);
	}
	s = stable(base);
	ck_assert_str_eq(s, b0);
	free(s);
	s = stable(patch);
	ck_assert_str_eq(s, p0);
	free(s);
	free(b0);
	free(p0);
	cJSON_Delete(base);
	cJSON_Delete(patch);
}
END_TEST

START_TEST(test_no_patch_and_no_base)
{
	cJSON *base = J(base_spec), *out = NULL, *nul = cJSON_CreateNull();
	cJSON *patch;
	struct jf_errmsg e = {{0}};
	char *a, *b;

	/* no patch (NULL or null): a copy of the base */
	ck_assert_int_eq(jf_patch_apply(base, NULL, NULL, &out, &e), 0);
	ck_assert_ptr_ne(out, base);
	ck_assert(jf_json_equal(out, base));
	cJSON_Delete(out);
	ck_assert_int_eq(jf_patch_apply(base, nul, NULL, &out, &e), 0);
	ck_assert(jf_json_equal(out, base));
	cJSON_Delete(out);

	/* no base: everything is new, so everything must be complete */
	patch = J("{'queue':'q','tasks':[{'name':'t','template':{'spec':"
		  "{'containers':[{'name':'c','image':'i','env':[{'name':'X',"
		  "'value':null}]}]}}}]}");
	ck_assert_int_eq(jf_patch_apply(NULL, patch, NULL, &out, &e), 0);
	a = stable(out);
	ck_assert_str_eq(a, "{\"queue\":\"q\",\"tasks\":[{\"name\":\"t\","
			    "\"template\":{\"spec\":{\"containers\":[{\"env\":"
			    "[{\"name\":\"X\"}],\"image\":\"i\",\"name\":"
			    "\"c\"}]}}}]}");
	free(a);
	cJSON_Delete(out);
	cJSON_Delete(patch);
	patch = J("{'tasks':[{'replicas':2}]}");
	ck_assert_int_eq(jf_patch_apply(NULL, patch, NULL, &out, &e),
			 -JF_ESPEC);
	ck_assert_str_eq(
		e.msg,
		"tasks[0]: new task has no 'name' (the template has no task at index 0)");
	/* but jf_patch_check() without a base checks shapes only */
	ck_assert_int_eq(jf_patch_check(NULL, patch, NULL, &e), 0);
	cJSON_Delete(patch);

	/* a base that is not an object */
	patch = J("{}");
	ck_assert_int_eq(jf_patch_apply(nul, patch, NULL, &out, &e), -JF_ETYPE);
	ck_assert_str_eq(e.msg,
			 "the template's spec is not an object (got null)");
	ck_assert_ptr_null(out);
	cJSON_Delete(patch);

	/* the same result twice: the engine is deterministic */
	patch = J(PS_MAIN("'env':[{'name':'Q','value':'q'}]"));
	ck_assert_int_eq(jf_patch_apply(base, patch, NULL, &out, &e), 0);
	a = stable(out);
	cJSON_Delete(out);
	ck_assert_int_eq(jf_patch_apply(base, patch, NULL, &out, &e), 0);
	b = stable(out);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	cJSON_Delete(out);
	cJSON_Delete(patch);
	cJSON_Delete(base);
	cJSON_Delete(nul);
}
END_TEST

START_TEST(test_check_placeholders)
{
	cJSON *base = J(base_spec);
	cJSON *types = J("{'params':{'dataset':'string','gpus':'int'},"
			 "'item':'any','index':'int'}");
	struct jf_errmsg e = {{0}};
	cJSON *patch;

	/* well-formed and known */
	patch = J("{'queue':'{{params.dataset}}','tasks':[{'name':'ps',"
		  "'replicas':'{{params.gpus}}'}]}");
	ck_assert_int_eq(jf_patch_check(base, patch, types, &e), 0);
	ck_assert_int_eq(jf_patch_check(NULL, patch, types, &e), 0);
	cJSON_Delete(patch);

	/* an unknown parameter, with the path in the patch */
	patch = J("{'tasks':[{'name':'ps','replicas':'{{params.gpu}}'}]}");
	ck_assert_int_ne(jf_patch_check(base, patch, types, &e), 0);
	ck_assert_msg(strncmp(e.msg, "tasks[0].replicas: col ", 23) == 0, "%s",
		      e.msg);
	ck_assert_msg(strstr(e.msg, "gpu") != NULL, "%s", e.msg);
	/* without types only the syntax is checked */
	ck_assert_int_eq(jf_patch_check(base, patch, NULL, &e), 0);
	cJSON_Delete(patch);

	/* a syntax error, in a text field and in an entry key */
	patch = J(PS_MAIN("'image':'img:{{params.dataset'"));
	ck_assert_int_eq(jf_patch_check(base, patch, NULL, &e), -JF_EPARSE);
	ck_assert_msg(strncmp(e.msg,
			      "tasks[0].template.spec.containers[0].image: ",
			      44) == 0,
		      "%s", e.msg);
	cJSON_Delete(patch);
	patch = J("{'tasks':[{'name':'{{ 1 + }}'}]}");
	ck_assert_int_eq(jf_patch_check(NULL, patch, NULL, &e), -JF_EPARSE);
	ck_assert_msg(strncmp(e.msg, "tasks[0].name: col ", 19) == 0, "%s",
		      e.msg);
	cJSON_Delete(patch);

	/* a templated key: whether the entry is new is known at run time */
	patch = J("{'tasks':[{'name':'w-{{index}}','replicas':1}]}");
	ck_assert_int_eq(jf_patch_check(base, patch, types, &e), 0);
	cJSON *env = J("{'index':0}"), *out = NULL;

	ck_assert_int_eq(jf_patch_apply(base, patch, env, &out, &e), -JF_ESPEC);
	ck_assert_str_eq(
		e.msg,
		"tasks[0]: new task 'w-0' has no 'template.spec.containers' (no task of the template is named 'w-0')");
	cJSON_Delete(env);
	cJSON_Delete(patch);

	/* a render error names the path */
	patch = J("{'queue':'{{params.missing}}'}");
	env = J("{'params':{}}");
	ck_assert_int_ne(jf_patch_apply(base, patch, env, &out, &e), 0);
	ck_assert_ptr_null(out);
	ck_assert_msg(strncmp(e.msg, "queue: col ", 11) == 0, "%s", e.msg);
	cJSON_Delete(env);
	cJSON_Delete(patch);

	/* template strings are never rendered */
	cJSON *tpl = J("{'queue':'{{params.x}}','tasks':[]}");

	patch = J("{'maxRetry':2}");
	env = J("{'params':{'x':'nope'}}");
	ck_assert_int_eq(jf_patch_apply(tpl, patch, env, &out, &e), 0);
	ck_assert_str_eq(jf_json_str(out, "queue", "?"), "{{params.x}}");
	cJSON_Delete(out);
	cJSON_Delete(tpl);
	cJSON_Delete(env);
	cJSON_Delete(patch);
	cJSON_Delete(types);
	cJSON_Delete(base);
}
END_TEST

START_TEST(test_caps)
{
	struct jf_errmsg e = {{0}};
	cJSON *patch = cJSON_CreateObject(), *cur = patch, *out = NULL;
	cJSON *env, *list;

	/* a patch nested deeper than the walker allows */
	for (int i = 0; i < 600; i++)
		cur = cJSON_AddObjectToObject(cur, "a");
	ck_assert_int_eq(jf_patch_apply(NULL, patch, NULL, &out, &e),
			 -JF_EDEPTH);
	ck_assert_msg(strstr(e.msg, "nesting deeper than 400 levels"), "%s",
		      e.msg);
	cJSON_Delete(patch);

	/* placeholders may not multiply a value past the output cap */
	env = cJSON_CreateObject();
	cJSON *params = cJSON_AddObjectToObject(env, "params");
	char *big = malloc(1u << 20);

	memset(big, 'x', (1u << 20) - 1);
	big[(1u << 20) - 1] = '\0';
	cJSON_AddStringToObject(params, "big", big);
	free(big);
	patch = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(patch, "args");
	for (int i = 0; i < 40; i++)
		cJSON_AddItemToArray(list,
				     cJSON_CreateString("{{params.big}}"));
	ck_assert_int_eq(jf_patch_apply(NULL, patch, env, &out, &e),
			 -JF_ETOOBIG);
	ck_assert_str_eq(
		e.msg,
		"args[15]: placeholders produce more than 16777216 bytes");
	ck_assert_ptr_null(out);
	cJSON_Delete(patch);
	cJSON_Delete(env);
}
END_TEST

/* --- Volcano's parameter-overriding design examples ------------------------
 */

/* Loads a design example: the JobTemplate's spec, and the flow's
 * patch.spec moved to where the served API has it (patch.jobSpec). */
static void load_example(const char *file, cJSON **tpl_spec, cJSON **jobspec)
{
	const char *root = getenv("JF_SRC_DIR");
	struct jf_errmsg e = {{0}};
	struct jf_yaml_stream s;
	cJSON *patch;
	char path[512];

	snprintf(path, sizeof(path), "%s/tests/data/volcano/%s",
		 root ? root : ".", file);
	ck_assert_msg(jf_yaml_load_file(path, &s, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(s.ndocs, 2);
	*tpl_spec = cJSON_DetachItemFromObject(s.docs[0].json, "spec");
	patch = jf_json_at_mut(s.docs[1].json, "spec.flows[0].patch");
	ck_assert_ptr_nonnull(cJSON_GetObjectItem(patch, "spec"));
	*jobspec = cJSON_DetachItemFromObject(patch, "spec");
	cJSON_AddItemToObject(patch, "jobSpec", *jobspec);
	*jobspec = cJSON_Duplicate(*jobspec, 1);
	jf_yaml_stream_release(&s);
}

static const char *const example_template_spec =
	"{'minAvailable':1,'schedulerName':'volcano','queue':'default',"
	"'tasks':[{'replicas':1,'name':'ml-task','template':{'metadata':"
	"{'name':'train-job'},'spec':{'containers':[{'name':'cnn-mnist-torch',"
	"'image':'%s','command':['python','train.py','--epoch','3'],"
	"'imagePullPolicy':'IfNotPresent','resources':{'requests':"
	"{'cpu':'1'}}%s}]%s,'restartPolicy':'OnFailure'}}}]}";

START_TEST(test_design_example_2_adds_a_volume)
{
	cJSON *tpl, *patch, *out = NULL, *want;
	struct jf_errmsg e = {{0}};
	char buf[2048];
	char *a, *b;

	load_example("design-param-override-example2.yaml", &tpl, &patch);
	snprintf(buf, sizeof(buf), example_template_spec,
		 "cnn-mnist-torch:latest", "", "");
	want = J(buf);
	ck_assert(jf_json_equal(tpl, want)); /* the template as loaded */
	cJSON_Delete(want);
	ck_assert_int_eq(jf_patch_apply(tpl, patch, NULL, &out, &e), 0);
	snprintf(
		buf, sizeof(buf), example_template_spec,
		"cnn-mnist-torch:latest",
		",'volumeMounts':[{'name':'data-volume','mountPath':'/app/data'}]",
		",'volumes':[{'name':'data-volume','emptyDir':{}}]");
	want = J(buf);
	a = stable(out);
	b = stable(want);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	cJSON_Delete(want);
	cJSON_Delete(out);
	cJSON_Delete(tpl);
	cJSON_Delete(patch);
}
END_TEST

START_TEST(test_design_example_1_as_written_and_corrected)
{
	cJSON *tpl, *patch, *out = NULL, *want, *cs;
	struct jf_errmsg e = {{0}};
	char buf[2048];
	char *a, *b;

	load_example("design-param-override-example1.yaml", &tpl, &patch);
	/* as written: "- name:" and "- image:" are two list items */
	ck_assert_int_eq(jf_patch_apply(tpl, patch, NULL, &out, &e), -JF_ESPEC);
	ck_assert_str_eq(
		e.msg,
		"tasks[0].template.spec.containers[1]: container has no 'name' to match it by");
	ck_assert_ptr_null(out);
	ck_assert_int_eq(jf_patch_check(tpl, patch, NULL, &e), -JF_ESPEC);
	ck_assert_str_eq(
		e.msg,
		"tasks[0].template.spec.containers[1]: container has no 'name' to match it by");

	/* corrected: one item with both fields */
	cs = jf_json_at_mut(patch, "tasks[0].template.spec.containers");
	cJSON_AddItemToObject(
		cJSON_GetArrayItem(cs, 0), "image",
		cJSON_DetachItemFromObject(cJSON_GetArrayItem(cs, 1), "image"));
	cJSON_DeleteItemFromArray(cs, 1);
	ck_assert_int_eq(jf_patch_apply(tpl, patch, NULL, &out, &e), 0);
	snprintf(buf, sizeof(buf), example_template_spec,
		 "myregistry/cnn-mnist-torch-cuda:v1", "", "");
	want = J(buf);
	a = stable(out);
	b = stable(want);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	cJSON_Delete(want);
	cJSON_Delete(out);
	cJSON_Delete(tpl);
	cJSON_Delete(patch);
}
END_TEST

static Suite *patch_suite(void)
{
	Suite *s = suite_create("patch");
	TCase *tc;
	int n = (int)(sizeof(cases) / sizeof(cases[0]));

	tc = tcase_create("rules");
	tcase_add_loop_test(tc, test_patch_table, 0, n);
	tcase_add_test(tc, test_no_patch_and_no_base);
	suite_add_tcase(s, tc);

	tc = tcase_create("check");
	tcase_add_loop_test(tc, test_check_finds_static_errors, 0, n);
	tcase_add_test(tc, test_check_placeholders);
	suite_add_tcase(s, tc);

	tc = tcase_create("caps");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_caps);
	suite_add_tcase(s, tc);

	tc = tcase_create("design examples");
	tcase_add_test(tc, test_design_example_2_adds_a_volume);
	tcase_add_test(tc, test_design_example_1_as_written_and_corrected);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(patch_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
