/* args.c - command-line parsing shared by every command: kubectl-style
 * global flags anywhere, the command's own flags, positionals. */
#include "ctl/ctl.h"

#include <string.h>

/* Global flags taking a value; returns the field to set or NULL. */
static const char **global_slot(struct ctl *c, const char *name, char sname)
{
	if (sname == 'n' || (name && !strcmp(name, "namespace")))
		return &c->ns;
	if (name && !strcmp(name, "kubeconfig"))
		return &c->kubeconfig;
	if (name && !strcmp(name, "context"))
		return &c->context;
	return NULL;
}

static const struct ctl_opt *find_opt(const struct ctl_opt *opts,
				      const char *name, size_t len, char sname)
{
	for (const struct ctl_opt *o = opts; o && (o->name || o->short_name);
	     o++) {
		if (sname && o->short_name == sname)
			return o;
		if (!sname && o->name && strlen(o->name) == len &&
		    !strncmp(o->name, name, len))
			return o;
	}
	return NULL;
}

/* One option: name (long, len bytes) or sname (short), with an inline
 * value (after '=' or glued to a short flag) or the next argument. */
static int one_opt(struct ctl *c, const char *flag, const char *name,
		   size_t len, char sname, const char *inl, int argc,
		   char **argv, int *i, const struct ctl_opt *opts,
		   ctl_opt_fn fn, void *ud, bool *help)
{
	const struct ctl_opt *o = find_opt(opts, name, len, sname);
	char lname[64];
	const char **slot;
	const char *val = inl;

	snprintf(lname, sizeof(lname), "%.*s", (int)len, name ? name : "");
	if (!o) {
		if (sname == 'h' || (!sname && !strcmp(lname, "help"))) {
			*help = true;
			return 0;
		}
		if (!sname && !strcmp(lname, "no-color")) {
			if (inl)
				return ctl_usage_error(
					c, NULL,
					"flag '--no-color' takes no value");
			c->no_color = true;
			return 0;
		}
		slot = global_slot(c, sname ? NULL : lname, sname);
		if (!slot)
			return ctl_usage_error(c, NULL, "unknown flag '%s'",
					       flag);
	}
	if (o && !o->has_arg) {
		if (inl)
			return ctl_usage_error(
				c, NULL, "flag '%s' takes no value", flag);
		return fn(c, o->id, NULL, ud);
	}
	if (!val) {
		if (*i + 1 >= argc)
			return ctl_usage_error(c, NULL,
					       "flag '%s' needs a value", flag);
		val = argv[++*i];
	}
	if (!o) {
		*slot = val;
		return 0;
	}
	return fn(c, o->id, val, ud);
}

int ctl_args(struct ctl *c, int argc, char **argv, const struct ctl_opt *opts,
	     ctl_opt_fn fn, void *ud, char **pos, int *npos, bool *help)
{
	bool only_pos = false;
	int err;

	*npos = 0;
	*help = false;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (only_pos || a[0] != '-' || !a[1]) {
			pos[(*npos)++] = argv[i];
			continue;
		}
		if (!strcmp(a, "--")) {
			only_pos = true;
			continue;
		}
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);

			err = one_opt(c, a, a + 2, len, 0, eq ? eq + 1 : NULL,
				      argc, argv, &i, opts, fn, ud, help);
		} else {
			char flag[3] = {'-', a[1], '\0'};

			err = one_opt(c, flag, NULL, 0, a[1],
				      a[2] ? a + 2 : NULL, argc, argv, &i, opts,
				      fn, ud, help);
		}
		if (err)
			return err;
	}
	c->style.unicode = c->tty;
	c->style.color = c->tty && !c->no_color;
	return 0;
}
