/* fuzz_expr.c - libFuzzer target for the expression language: the input
 * is compiled, type-checked and evaluated against a fixed environment,
 * then used as a {{ }} template. Besides memory and UB errors it traps
 * when the checker promises a result type that evaluation contradicts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jf_expr.h"
#include "jf_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char env_json[] =
	"{\"params\":{\"dataset\":\"imagenet\",\"gpus\":4,\"ratio\":0.5,"
	"\"shards\":[0,1,2,3],\"langs\":[\"en\",\"de\",\"fr\"],"
	"\"cfg\":{\"lr\":0.01,\"opt\":\"adam\",\"tags\":[\"a\",\"b\"],"
	"\"nested\":{\"deep\":true,\"list\":[{\"k\":1},{\"k\":2}]}},"
	"\"name\":\"h\\u00e9llo \\ud83d\\udc4d\",\"empty\":\"\",\"nothing\":null,"
	"\"flag\":true,\"neg\":-3,\"big\":9007199254740992,\"huge\":1e300,"
	"\"dash-name\":\"x\",\"numstr\":\"42\",\"dstr\":\"2.5\","
	"\"text\":\"The node was low on resource: memory. Container train "
	"was using 31Gi, which exceeds its request of 16Gi.\","
	"\"mixed\":[1,\"a\",2.5,null,true,[1,[2]],{\"x\":1}]},"
	"\"steps\":{\"prep\":{\"phase\":\"Succeeded\",\"attempts\":1,"
	"\"succeeded\":1,\"failed\":0,\"iterations\":0},"
	"\"train\":{\"phase\":\"Failed\",\"attempts\":3,\"succeeded\":0,"
	"\"failed\":3,\"iterations\":4}},"
	"\"item\":{\"lang\":\"en\",\"shard\":2,\"tags\":[\"x\",\"y\"]},"
	"\"index\":2,\"attempt\":1,"
	"\"lastFailure\":{\"reason\":\"Evicted\",\"message\":\"pod evicted\","
	"\"phase\":\"Failed\",\"job\":\"jf-train-r1\"}}";

static cJSON *env, *types;

static void init(void)
{
	env = cJSON_Parse(env_json);
	types = jf_expr_types_of(env);
	if (!env || !types)
		abort();
}

/* The checker's static type must describe what evaluation produced. */
static void check_sound(const char *type, const cJSON *v)
{
	bool ok;

	if (!strcmp(type, "any"))
		return;
	if (!strcmp(type, "int"))
		ok = jf_json_is_int(v);
	else if (!strcmp(type, "double"))
		ok = cJSON_IsNumber(v);
	else if (!strcmp(type, "string"))
		ok = cJSON_IsString(v);
	else if (!strcmp(type, "bool"))
		ok = cJSON_IsBool(v);
	else if (!strcmp(type, "null"))
		ok = cJSON_IsNull(v);
	else if (!strcmp(type, "list"))
		ok = cJSON_IsArray(v);
	else
		ok = cJSON_IsObject(v);
	if (!ok)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jf_errmsg e;
	struct jf_expr *x = NULL;
	const char *type = NULL;
	cJSON *out = NULL;
	char *s, *text = NULL;
	bool b, checked;
	int err;

	if (size > 2 * JF_EXPR_MAX_LEN)
		return 0;
	if (!env)
		init();
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	err = jf_expr_compile(s, &x, &e);
	if (!err) {
		if (strcmp(jf_expr_source(x), s))
			__builtin_trap();
		checked = jf_expr_check_type(x, types, &type, &e) == 0;
		(void)jf_expr_check_bool(x, types, &e);
		err = jf_expr_eval(x, env, &out, &e);
		if (!err && checked)
			check_sound(type, out);
		cJSON_Delete(out);
		(void)jf_expr_eval_bool(x, env, &b, &e);
		(void)jf_expr_eval(x, NULL, &out, NULL);
		cJSON_Delete(out);
		jf_expr_free(x);
	}

	if (jf_tmpl_has(s) || size < 64) {
		(void)jf_tmpl_check(s, types, &e);
		if (!jf_tmpl_render(s, env, &text, &e)) {
			if (!jf_tmpl_has(s) && strcmp(text, s))
				__builtin_trap(); /* no "{{": renders as itself
						   */
			free(text);
		}
		if (!jf_tmpl_render_value(s, env, &out, &e))
			cJSON_Delete(out);
	}
	free(s);
	return 0;
}
