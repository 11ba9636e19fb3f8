// SPDX-License-Identifier: GPL-2.0
/*
 * storage-hotfix status [--json]: per installed kernel (and the running
 * one) and per fix: the pipeline's verdict, whether our module is built,
 * installed, and for the running kernel loaded (ours or stock), with the
 * Secure Boot facts that decide whether it can load.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdarg.h>
#include <json-c/json.h>
#include <libkmod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cli.h"
#include "elfcmp.h"
#include "shf.h"
#include "swap.h"

struct row {
	const char *kver;
	bool running, kinstalled;
	const struct shf_fix *fix;
	const char *report;		/* path, or NULL */
	const char *verdict, *reason;
	char *own_reason;
	const char *module_path;	/* from the report */
	bool built;
	char *inst_path;		/* MODULE.ko* under updates/ */
	struct shf_modinfo mi;
	bool installed;			/* inst_path carries our stamp */
	bool unreadable;		/* inst_path: no modinfo */
	bool loaded_known;		/* the running kernel: sysfs read */
	struct shf_loaded ld;
	const char *which;		/* ours stock other, if loaded */
	int trusted;			/* signer in the running kernel's keys */
	struct ec_names notes;
};

static void note(struct row *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note(struct row *r, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		ec_oom();
	va_end(ap);
	ec_names_add(&r->notes, s);
	free(s);
}

static bool stamp_is(const char *stamp, const char *id)
{
	size_t n = strlen(id);

	return stamp && !strncmp(stamp, id, n) &&
	       (!stamp[n] || stamp[n] == ' ');
}

/*
 * A string field of the fix's report entry: 0 (*s NULL if absent), or -1
 * after making the row a bad-report that names the field and its type.
 */
static int field(struct row *r, const struct shf_report *rep,
		 struct json_object *e, const char *key, const char **s)
{
	char *name = ec_asprintf("fixes[%s]", r->fix->id), *err = NULL;
	struct json_object *v;
	int rc = shf_json_get(e, name, key, json_type_string, &v, &err);

	free(name);
	*s = rc ? NULL : json_object_get_string(v);
	if (rc >= 0)
		return 0;
	r->verdict = "bad-report";
	r->reason = r->own_reason = ec_asprintf(
		"%s: %s; run scripts/hotfix-build plan %s", rep->path, err,
		r->kver);
	free(err);
	return -1;
}

static void fill_row(struct row *r, const struct shf_opts *o,
		     struct kmod_ctx *ctx, const struct shf_report *rep,
		     const char *rep_err, const struct shf_secure *sec)
{
	struct json_object *e = NULL;
	struct shf_build_id built_id = { .n = 0 };
	char *err = NULL;
	int fd;

	r->report = rep->path;
	e = rep->path && !rep_err ? shf_report_fix(rep, r->fix->id) : NULL;
	if (rep_err) {
		r->verdict = "bad-report";
		r->reason = rep_err;
	} else if (!rep->path) {
		r->verdict = "no-report";
		r->reason = r->own_reason = ec_asprintf(
			"no report in %s/%s: run scripts/hotfix-build plan %s",
			o->work, r->kver, r->kver);
	} else if (!e) {
		r->verdict = "not-in-report";
		r->reason = r->own_reason = ec_asprintf(
			"%s has no entry for %s: run scripts/hotfix-build plan %s",
			rep->path, r->fix->id, r->kver);
	} else if (!field(r, rep, e, "verdict", &r->verdict) &&
		   !field(r, rep, e, "reason", &r->reason) &&
		   !field(r, rep, e, "module_path", &r->module_path)) {
		r->verdict = r->verdict ?: "unknown";
		r->reason = r->reason ?: "";
	}
	if (r->module_path) {
		r->built = shf_is_file(r->module_path);
		if (!r->built)
			note(r, "built module gone: %s (scripts/hotfix-build all %s builds it again)", r->module_path, r->kver);
	}

	r->inst_path = shf_installed_module(o->root, r->kver, r->fix->module);
	if (r->inst_path) {
		if (shf_modinfo_read(ctx, r->inst_path, &r->mi, &err)) {
			note(r, "cannot read the installed module: %s", err);
			r->unreadable = true;
			free(err);
		} else if (!stamp_is(r->mi.stamp, r->fix->id)) {
			note(r, "%s is not ours (no \"hotfix=%s\" in its modinfo)",
			     r->inst_path, r->fix->id);
		} else {
			r->installed = true;
			if (strstr(r->mi.stamp, "TEST-ONLY"))
				note(r, "a lab-only build (--test-override: the distro config leaves it out): remove it from production hosts");
		}
	}

	r->trusted = -1;
	if (!r->running || !o->sys)
		return;
	if (r->installed && r->mi.signer) {
		char *keys = ec_asprintf("%s/proc/keys", o->root);

		r->trusted = shf_signer_trusted(keys, r->mi.signer);
		if (!r->trusted)
			note(r, "the running kernel holds no key of %s: where it enforces signatures this module will not load (enrol the channel's certificate: mokutil --import " SHF_SHARE "/module-signing.der)",
			     r->mi.signer);
		free(keys);
	}
	if (r->installed && !r->mi.is_signed && sec->sig_enforce == 1)
		note(r, "unsigned, and %s enforces module signatures: it will not load (sign it with the key DKMS enrolled as MOK)",
		     r->kver);
	r->loaded_known = true;
	shf_loaded_read(o->sys, r->fix->module, &r->ld);
	if (!r->ld.loaded)
		return;
	if (r->built) {
		fd = shf_ko_open(r->module_path, &err);
		if (fd >= 0) {
			shf_elf_build_id(fd, &built_id);
			close(fd);
		} else {
			free(err);
			err = NULL;
		}
	}
	if ((r->installed && shf_build_id_eq(&r->ld.build_id,
					     &r->mi.build_id)) ||
	    shf_build_id_eq(&r->ld.build_id, &built_id))
		r->which = "ours";
	else if (strchr(r->ld.taint, 'O'))
		r->which = "other";	/* out of tree, but not our build */
	else
		r->which = "stock";
	if (r->installed && strcmp(r->which, "ours"))
		note(r, "ours is installed but the %s module is loaded: storage-hotfix swap %s, or reboot", r->which, r->fix->id);
	if (!r->ld.build_id.n)
		note(r, "no build-id in %s/module/%s/notes: told apart by taint only", o->sys, r->fix->module);
}

static void free_row(struct row *r)
{
	free(r->own_reason);
	free(r->inst_path);
	shf_modinfo_free(&r->mi);
	shf_loaded_free(&r->ld);
	ec_names_free(&r->notes);
}

static struct json_object *jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static struct json_object *jtri(int v)
{
	return v < 0 ? NULL : json_object_new_boolean(v);
}

static struct json_object *row_json(const struct row *r)
{
	struct json_object *j = json_object_new_object(), *n;
	char hex[2 * SHF_BUILD_ID_MAX + 1];
	size_t i;

	json_object_object_add(j, "id", jstr(r->fix->id));
	json_object_object_add(j, "module", jstr(r->fix->module));
	json_object_object_add(j, "verdict", jstr(r->verdict));
	json_object_object_add(j, "reason", jstr(r->reason));
	json_object_object_add(j, "report", jstr(r->report));
	json_object_object_add(j, "built", json_object_new_boolean(r->built));
	json_object_object_add(j, "module_path", jstr(r->module_path));
	json_object_object_add(j, "installed",
			       json_object_new_boolean(r->installed));
	json_object_object_add(j, "installed_path", jstr(r->inst_path));
	json_object_object_add(j, "stamp", jstr(r->mi.stamp));
	json_object_object_add(j, "signed", r->inst_path ?
			       json_object_new_boolean(r->mi.is_signed) : NULL);
	json_object_object_add(j, "signer", jstr(r->mi.signer));
	json_object_object_add(j, "signer_trusted", jtri(r->trusted));
	json_object_object_add(j, "loaded", r->loaded_known ?
			       json_object_new_boolean(r->ld.loaded) : NULL);
	json_object_object_add(j, "loaded_module", jstr(r->which));
	hex[0] = 0;
	shf_build_id_hex(&r->ld.build_id, hex);
	json_object_object_add(j, "loaded_build_id",
			       r->ld.loaded && *hex ? jstr(hex) : NULL);
	json_object_object_add(j, "taint", r->ld.loaded ? jstr(r->ld.taint) :
			       NULL);
	n = json_object_new_array();
	for (i = 0; i < r->notes.n; i++)
		json_object_array_add(n, jstr(r->notes.v[i]));
	json_object_object_add(j, "notes", n);
	return j;
}

static const char *yes_no(int v)
{
	return v < 0 ? "unknown" : v ? "yes" : "no";
}

static void row_text(const struct row *r, int kw, int fw)
{
	char kern[256], inst[64], load[64];
	size_t i;

	snprintf(kern, sizeof(kern), "%s%s", r->kver, r->running ? "*" : "");
	if (r->installed)
		snprintf(inst, sizeof(inst), "%s",
			 r->mi.is_signed ? "yes,signed" : "yes");
	else
		snprintf(inst, sizeof(inst), "%s",
			 r->unreadable ? "unreadable" :
			 r->inst_path ? "not-ours" : "no");
	if (!r->loaded_known)
		snprintf(load, sizeof(load), "-");
	else if (!r->ld.loaded)
		snprintf(load, sizeof(load), "no");
	else
		snprintf(load, sizeof(load), "%s%s%s%s", r->which,
			 *r->ld.taint ? " (taint " : "", r->ld.taint,
			 *r->ld.taint ? ")" : "");
	printf("%-*s  %-*s  %-15s  %-5s  %-10s  %s\n", kw, kern, fw,
	       r->fix->id, r->verdict, r->built ? "yes" : "no", inst, load);
	if (r->reason && *r->reason)
		printf("    %s\n", r->reason);
	if (r->installed)
		printf("    installed: %s%s%s%s\n", r->inst_path,
		       r->mi.signer ? ", signed by " : "",
		       r->mi.signer ? r->mi.signer : "",
		       r->trusted == 1 ? " (a key the running kernel holds)" :
		       "");
	for (i = 0; i < r->notes.n; i++)
		printf("    %s\n", r->notes.v[i]);
}

static int status_usage(FILE *f, int rc)
{
	fputs("usage: storage-hotfix status [--json] [--root DIR] [--sys DIR]\n"
	      "                             [--work DIR] [--data DIR] [--running KVER]\n"
	      "\n"
	      "Per kernel (ROOT/lib/modules/*, and the running one) and fix:\n"
	      "the pipeline's verdict and why, whether our module is built,\n"
	      "installed (ROOT/lib/modules/KVER/updates, modinfo hotfix=), and\n"
	      "for the running kernel loaded: ours (build-id of the installed\n"
	      "or built module), stock, or other (out-of-tree 'O' taint).\n"
	      "  --json          machine-readable (schema 1, see README.md)\n"
	      "  --root DIR      where kernels are installed (default /)\n"
	      "  --sys DIR       sysfs of the running kernel (default /sys)\n"
	      "  --work DIR      the pipeline's reports ($SHF_WORK, default\n"
	      "                  /var/lib/storage-hotfix)\n"
	      "  --data DIR      the bundle's fix folders ($SHF_TOP, the tree\n"
	      "                  of this binary, /usr/src/storage-hotfix-VERSION)\n"
	      "  --running KVER  the running kernel (default: uname -r)\n"
	      "Exit 0, or 2 on errors.\n", f);
	return rc;
}

/* An interrupted swap's journal (ROOT/var/lib/storage-hotfix/swap), or NULL. */
static struct json_object *swap_journal(const char *root, char **path)
{
	struct json_object *j;

	*path = ec_asprintf("%s%s/%s", root, SWAP_STATE_DIR, SWAP_JOURNAL);
	if (!shf_is_file(*path))
		return NULL;
	j = json_object_from_file(*path);
	return j ? j : json_object_new_object();	/* unreadable: still there */
}

int cmd_status(int argc, char **argv)
{
	struct shf_opts o;
	struct shf_fix *fixes = NULL;
	struct shf_secure sec;
	struct kmod_ctx *ctx;
	struct json_object *out = NULL, *jk = NULL, *jf = NULL, *js, *journal;
	char *jpath;
	static const char * const nocfg[] = { NULL };
	size_t nfix, nk, i, k;
	char **kernels, *err = NULL;
	int kw = 6, fw = 3, rc;

	rc = shf_opts_parse(&o, argc, argv, SHF_OPT_JSON | SHF_OPT_ROOT |
			    SHF_OPT_SYS | SHF_OPT_RUNNING);
	if (rc == SHF_OPTS_HELP) {
		shf_opts_free(&o);
		return status_usage(stdout, 0);
	}
	if (rc || optind != argc) {
		if (!rc)
			fprintf(stderr, "storage-hotfix status: error: unexpected argument \"%s\"\n", argv[optind]);
		shf_opts_free(&o);
		return status_usage(stderr, 2);
	}
	if (shf_fixes_load(o.data, &fixes, &nfix, &err)) {
		fprintf(stderr, "storage-hotfix status: error: %s\n", err);
		free(err);
		shf_opts_free(&o);
		return 2;
	}
	ctx = kmod_new(NULL, nocfg);
	if (!ctx) {
		fprintf(stderr, "storage-hotfix status: error: libkmod: cannot start\n");
		shf_fixes_free(fixes, nfix);
		shf_opts_free(&o);
		return 2;
	}
	kernels = shf_kernels(o.root, o.running, &nk);
	shf_secure_read(o.sys, &sec);
	journal = swap_journal(o.root, &jpath);

	if (o.json) {
		out = json_object_new_object();
		json_object_object_add(out, "schema", json_object_new_int(1));
		json_object_object_add(out, "root", jstr(*o.root ? o.root : "/"));
		json_object_object_add(out, "sys", jstr(o.sys));
		json_object_object_add(out, "work", jstr(o.work));
		json_object_object_add(out, "data", jstr(o.data));
		json_object_object_add(out, "running_kernel", jstr(o.running));
		js = json_object_new_object();
		json_object_object_add(js, "sig_enforce", jtri(sec.sig_enforce));
		json_object_object_add(js, "lockdown", jstr(sec.lockdown));
		json_object_object_add(js, "secure_boot",
				       jtri(sec.secure_boot));
		json_object_object_add(out, "secure", js);
		js = NULL;
		if (journal) {
			js = json_object_new_object();
			json_object_object_add(js, "path", jstr(jpath));
			json_object_object_add(js, "fix", jstr(jstring(journal, "fix")));
			json_object_object_add(js, "direction", jstr(jstring(journal, "direction")));
			json_object_object_add(js, "phase", jstr(jstring(journal, "phase")));
		}
		json_object_object_add(out, "swap_journal", js);
		jk = json_object_new_array();
		json_object_object_add(out, "kernels", jk);
	} else {
		for (i = 0; i < nk; i++)
			if ((int)strlen(kernels[i]) + 1 > kw)
				kw = strlen(kernels[i]) + 1;
		for (i = 0; i < nfix; i++)
			if ((int)strlen(fixes[i].id) > fw)
				fw = strlen(fixes[i].id);
		printf("%-*s  %-*s  %-15s  %-5s  %-10s  %s\n", kw, "KERNEL", fw,
		       "FIX", "VERDICT", "BUILT", "INSTALLED", "LOADED");
	}

	for (k = 0; k < nk; k++) {
		struct shf_report rep;
		char *rep_err = NULL, *mdir;
		bool kinst;

		mdir = ec_asprintf("%s/lib/modules/%s", o.root, kernels[k]);
		kinst = shf_is_dir(mdir);
		free(mdir);
		shf_report_load(o.work, o.prebuilt, kernels[k], &rep, &rep_err);
		if (o.json) {
			struct json_object *kobj = json_object_new_object();

			json_object_object_add(kobj, "kernel", jstr(kernels[k]));
			json_object_object_add(kobj, "running",
				json_object_new_boolean(!strcmp(kernels[k],
								o.running)));
			json_object_object_add(kobj, "installed",
					       json_object_new_boolean(kinst));
			jf = json_object_new_array();
			json_object_object_add(kobj, "fixes", jf);
			json_object_array_add(jk, kobj);
		}
		for (i = 0; i < nfix; i++) {
			struct row r;

			memset(&r, 0, sizeof(r));
			r.kver = kernels[k];
			r.running = !strcmp(kernels[k], o.running);
			r.kinstalled = kinst;
			r.fix = &fixes[i];
			fill_row(&r, &o, ctx, &rep, rep_err, &sec);
			if (o.json)
				json_object_array_add(jf, row_json(&r));
			else
				row_text(&r, kw, fw);
			free_row(&r);
		}
		free(rep_err);
		shf_report_free(&rep);
	}

	if (o.json) {
		puts(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PRETTY |
				JSON_C_TO_STRING_SPACED |
				JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(out);
	} else {
		printf("\n* running kernel %s: module signatures enforced: %s; lockdown: %s; Secure Boot: %s\n", o.running,
		       yes_no(sec.sig_enforce),
		       sec.lockdown ? sec.lockdown : "unknown",
		       yes_no(sec.secure_boot));
		if (journal)
			printf("* an interrupted swap of %s (%s, phase %s) is in %s: run `storage-hotfix recover` (it brings back the module that ran before and its state)\n",
			       jstring(journal, "fix") ?: "?", jstring(journal, "direction") ?: "?",
			       jstring(journal, "phase") ?: "?", jpath);
	}
	json_object_put(journal);
	free(jpath);
	shf_secure_free(&sec);
	shf_strv_free(kernels);
	kmod_unref(ctx);
	shf_fixes_free(fixes, nfix);
	shf_opts_free(&o);
	if (fflush(stdout) || ferror(stdout)) {
		perror("storage-hotfix status: error: writing the output");
		return 2;
	}
	return 0;
}
