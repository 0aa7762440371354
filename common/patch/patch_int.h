/* patch_int.h - private to the patch engine: the rule tree that says, for
 * each place in a batch JobSpec, how a patch value merges there. */
#ifndef JF_PATCH_INT_H
#define JF_PATCH_INT_H

#include <stdbool.h>

#include <cjson/cJSON.h>

enum jf_patch_kind {
	JF_PATCH_ANY,	  /* objects merge, anything else replaces */
	JF_PATCH_OBJ,	  /* an object with known members (and others ANY) */
	JF_PATCH_KEYED,	  /* a list of objects merged by a key */
	JF_PATCH_REPLACE, /* replaced whole, even an object */
	JF_PATCH_STR,	  /* a string: placeholders render as text */
	JF_PATCH_STRLIST, /* a list of strings (replaces), rendered as text */
	JF_PATCH_STRMAP,  /* an object of strings (merges), rendered as text */
};

struct jf_patch_rule;

struct jf_patch_member {
	const char *name;
	const struct jf_patch_rule *rule;
};

struct jf_patch_rule {
	enum jf_patch_kind kind;
	/* JF_PATCH_OBJ (and elements of JF_PATCH_KEYED): known members,
	 * terminated by a NULL name */
	const struct jf_patch_member *members;
	/* JF_PATCH_KEYED */
	const char *key;   /* member the entries are matched by */
	bool key_int;	   /* the key is an integer (ports) */
	bool key_optional; /* absent key is a value ("" in tolerations) */
	bool positional;   /* no key: match the base entry at that index */
	const char *what;  /* "container", "env entry", ... */
	const char *const *needs; /* members a new entry must have */
	bool needs_containers; /* a new task needs template.spec.containers */
	const struct jf_patch_rule *elem; /* rule of each entry (an OBJ) */
};

/* The rule of a batch JobSpec (the root of patch.jobSpec); the generic
 * rule (objects merge, the rest replaces); a string rendered as text. */
extern const struct jf_patch_rule jf_patch_rule_jobspec;
extern const struct jf_patch_rule jf_patch_rule_any;
extern const struct jf_patch_rule jf_patch_rule_str;

/* The rule of member name of an OBJ/keyed-entry rule r; ANY when r does
 * not know it. */
const struct jf_patch_rule *jf_patch_member_rule(const struct jf_patch_rule *r,
						 const char *name);

#endif /* JF_PATCH_INT_H */
