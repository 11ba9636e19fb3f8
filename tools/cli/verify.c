// SPDX-License-Identifier: GPL-2.0
/*
 * storage-hotfix verify [KVER]: for each of our modules installed for
 * KVER, the pipeline's report must say the fix applies, the pristine
 * build reproduced the distro's modules, and only declared functions
 * changed; and the installed file must be the module the pipeline built
 * (elfcmp sections: a signature appended by DKMS does not matter).
 */
#define _GNU_SOURCE
#include <json-c/json.h>
#include <libkmod.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "elfcmp.h"
#include "shf.h"

static int bad(const char *id, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad(const char *id, const char *fmt, ...)
{
	va_list ap;

	printf("%s: FAILED: ", id);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return 1;
}

/*
 * The report's claims for the fix; 0 (*module_path set), or 1 after
 * saying what is wrong.  Every field is read with its type checked: a
 * wrongly typed field is a damaged report, never taken as absent.
 */
static int check_report(const struct shf_fix *f, const char *kver,
			const struct shf_report *rep, struct json_object *e,
			struct ec_names *changed, const char **module_path,
			const char **build_id)
{
	struct json_object *verdict, *reason, *result, *un, *v, *mp, *x, *bid;
	char *name = ec_asprintf("fixes[%s]", f->id), *err = NULL, *xname;
	size_t i, n;
	int rc = 0;

	if (shf_json_get(e, name, "verdict", json_type_string, &verdict,
			 &err) < 0 ||
	    shf_json_get(e, name, "reason", json_type_string, &reason,
			 &err) < 0 ||
	    shf_json_get(e, name, "proof.result", json_type_string, &result,
			 &err) < 0 ||
	    shf_json_get(e, name, "explain.unexpected", json_type_array, &un,
			 &err) < 0 ||
	    shf_json_get(e, name, "changed_functions", json_type_array, &v,
			 &err) < 0 ||
	    shf_json_get(e, name, "module_path", json_type_string, &mp,
			 &err) < 0 ||
	    shf_json_get(e, name, "module_build_id", json_type_string, &bid,
			 &err) < 0) {
		rc = bad(f->id, "%s: %s: a damaged report; run scripts/hotfix-build all %s", rep->path, err, kver);
		goto out;
	}
	*module_path = mp ? json_object_get_string(mp) : NULL;
	*build_id = bid ? json_object_get_string(bid) : NULL;
	if (!verdict || strcmp(json_object_get_string(verdict), "applies")) {
		rc = bad(f->id, "%s says the verdict is %s (%s), not applies: this module should not be installed; remove it (dkms remove) or rebuild with scripts/hotfix-build all %s", rep->path,
			 verdict ? json_object_get_string(verdict) : "missing",
			 reason ? json_object_get_string(reason) : "no reason",
			 kver);
		goto out;
	}
	if (!result || strcmp(json_object_get_string(result), "identical")) {
		rc = bad(f->id, "%s: the proof is %s, not identical: the source was not shown to be the distro's; run scripts/hotfix-build all %s", rep->path,
			 result ? json_object_get_string(result) : "missing",
			 kver);
		goto out;
	}
	/* the explanation is what says no undeclared function changed */
	if (!un) {
		rc = bad(f->id, "%s has no explain.unexpected: the patched module was not explained; run scripts/hotfix-build all %s", rep->path, kver);
		goto out;
	}
	if (json_object_array_length(un)) {
		rc = bad(f->id, "%s: functions outside FIX_FUNCTIONS changed: %s", rep->path, json_object_to_json_string(un));
		goto out;
	}
	n = v ? json_object_array_length(v) : 0;
	if (!n) {
		rc = bad(f->id, "%s lists no changed functions: run scripts/hotfix-build all %s", rep->path, kver);
		goto out;
	}
	for (i = 0; i < n; i++) {
		const char *fn;

		xname = ec_asprintf("%s.changed_functions[%zu]", name, i);
		if (shf_json_get(json_object_array_get_idx(v, i), xname, "",
				 json_type_string, &x, &err)) {
			rc = bad(f->id, "%s: %s: a damaged report; run scripts/hotfix-build all %s", rep->path,
				 err ?: "an element is null, not a string",
				 kver);
			free(xname);
			goto out;
		}
		free(xname);
		fn = json_object_get_string(x);
		if (!shf_fix_declares(f, fn)) {
			rc = bad(f->id, "%s: changed function %s is not in FIX_FUNCTIONS of %s/fix.conf", rep->path, fn,
				 f->dir);
			goto out;
		}
		ec_names_add(changed, fn);
	}
out:
	free(err);
	free(name);
	return rc;
}

/*
 * A prebuilt package's module: its report (the channel's) names the
 * build-id of the proven module it shipped, signed; 0, or 1 after saying
 * why.
 */
static int check_build_id(const struct shf_fix *f, const char *kver,
			  const char *inst, const struct shf_modinfo *mi,
			  const char *want)
{
	char have[2 * SHF_BUILD_ID_MAX + 1];

	shf_build_id_hex(&mi->build_id, have);
	if (!mi->build_id.n || strcmp(have, want))
		return bad(f->id, "%s has build-id %s, the channel's report %s: not the module the channel built; reinstall storage-hotfix-modules-%s", inst,
			   mi->build_id.n ? have : "(none)", want, kver);
	return 0;
}

/* Installed file vs the pipeline's build; 0, or 1 after saying why. */
static int check_file(const struct shf_fix *f, const char *kver,
		      const char *built, const char *inst, const char *stamp,
		      struct kmod_ctx *ctx, size_t *compared)
{
	struct ec_obj a, b;
	struct ec_sections r;
	struct shf_modinfo mi;
	char *err = NULL;
	size_t nd, i, k;
	int rc = 0;

	if (!built || !shf_is_file(built))
		return bad(f->id, "the module the pipeline built (%s) is gone: run scripts/hotfix-build all %s, then verify again",
			   built ? built : "no module_path in the report", kver);
	if (shf_modinfo_read(ctx, built, &mi, &err)) {
		rc = bad(f->id, "%s", err);
		free(err);
		return rc;
	}
	if (!mi.stamp || strcmp(mi.stamp, stamp))
		rc = bad(f->id, "%s is stamped \"%s\", the build \"%s\": not the module the pipeline built; reinstall (dkms install)", inst, stamp, mi.stamp ? mi.stamp : "");
	shf_modinfo_free(&mi);
	if (rc)
		return rc;
	if (shf_ko_load(&a, built, &err)) {
		rc = bad(f->id, "%s", err);
		free(err);
		return rc;
	}
	if (shf_ko_load(&b, inst, &err)) {
		rc = bad(f->id, "%s", err);
		free(err);
		ec_free(&a);
		return rc;
	}
	nd = ec_sections(&a, &b, &r);
	*compared = r.compared;
	if (nd) {
		rc = bad(f->id, "%s is not the module the pipeline built (%s): %zu of %zu sections differ; reinstall it (dkms install) and find out who changed it", inst, built,
			 nd, r.compared);
		for (i = 0; i < r.n && i < 10; i++) {
			printf("    %s", r.v[i].line);
			for (k = 0; k < r.v[i].fns.n; k++)
				printf("%s%s", k ? ", " : "; functions: ",
				       r.v[i].fns.v[k]);
			putchar('\n');
		}
	}
	ec_sections_free(&r);
	ec_free(&a);
	ec_free(&b);
	return rc;
}

static int verify_usage(FILE *f, int rc)
{
	fputs("usage: storage-hotfix verify [KVER] [--root DIR] [--work DIR] [--data DIR]\n"
	      "\n"
	      "For each of our modules installed for KVER (default: the\n"
	      "running kernel): the pipeline's report says the fix applies,\n"
	      "the proof is identical and only FIX_FUNCTIONS changed; the\n"
	      "installed file is the module the pipeline built (sections\n"
	      "compared; an appended signature does not matter).\n"
	      "Exit 0 if all hold, 1 if one does not (or none is installed),\n"
	      "2 on errors.\n", f);
	return rc;
}

int cmd_verify(int argc, char **argv)
{
	struct shf_opts o;
	struct shf_fix *fixes = NULL;
	struct shf_report rep;
	struct kmod_ctx *ctx;
	static const char * const nocfg[] = { NULL };
	const char *kver;
	char *err = NULL, *dir;
	size_t nfix, i, checked = 0;
	int rc, failed = 0;

	rc = shf_opts_parse(&o, argc, argv, SHF_OPT_ROOT);
	if (rc == SHF_OPTS_HELP) {
		shf_opts_free(&o);
		return verify_usage(stdout, 0);
	}
	if (rc || argc - optind > 1) {
		shf_opts_free(&o);
		return verify_usage(stderr, 2);
	}
	kver = optind < argc ? argv[optind] : o.running;
	if (shf_fixes_load(o.data, &fixes, &nfix, &err)) {
		fprintf(stderr, "storage-hotfix verify: error: %s\n", err);
		free(err);
		shf_opts_free(&o);
		return 2;
	}
	if (shf_report_load(o.work, o.prebuilt, kver, &rep, &err)) {
		fprintf(stderr, "storage-hotfix verify: error: %s\n", err);
		free(err);
		shf_fixes_free(fixes, nfix);
		shf_opts_free(&o);
		return 2;
	}
	ctx = kmod_new(NULL, nocfg);
	if (!ctx) {
		fprintf(stderr, "storage-hotfix verify: error: libkmod: cannot start\n");
		shf_report_free(&rep);
		shf_fixes_free(fixes, nfix);
		shf_opts_free(&o);
		return 2;
	}
	dir = ec_asprintf("%s/lib/modules/%s/updates", o.root, kver);
	for (i = 0; i < nfix; i++) {
		const struct shf_fix *f = &fixes[i];
		char *inst = shf_installed_module(o.root, kver, f->module);
		struct ec_names changed = { 0 };
		struct shf_modinfo mi;
		struct json_object *e;
		const char *module_path = NULL, *build_id = NULL;
		size_t compared = 0, k;
		size_t n = strlen(f->id);

		if (!inst)
			continue;
		if (shf_modinfo_read(ctx, inst, &mi, &err)) {
			failed |= bad(f->id, "%s", err);
			free(err);
			free(inst);
			checked++;
			continue;
		}
		if (!mi.stamp || strncmp(mi.stamp, f->id, n) ||
		    (mi.stamp[n] && mi.stamp[n] != ' ')) {
			printf("%s: %s is not ours (no \"hotfix=%s\" in its modinfo): not checked\n", f->id, inst, f->id);
			shf_modinfo_free(&mi);
			free(inst);
			continue;
		}
		checked++;
		e = shf_report_fix(&rep, f->id);
		if (strstr(mi.stamp, "TEST-ONLY"))
			rc = bad(f->id, "%s is a lab-only build (%s): the distro config leaves this module out; remove it (dkms remove)", inst, mi.stamp);
		else if (!rep.path)
			rc = bad(f->id, "no report in %s/%s: run scripts/hotfix-build all %s", o.work, kver,
				 kver);
		else if (!e)
			rc = bad(f->id, "%s has no entry for it: run scripts/hotfix-build all %s", rep.path, kver);
		else
			rc = check_report(f, kver, &rep, e, &changed,
					  &module_path, &build_id) ||
			     (build_id ?
			      check_build_id(f, kver, inst, &mi, build_id) :
			      check_file(f, kver, module_path, inst, mi.stamp,
					 ctx, &compared));
		if (!rc) {
			if (build_id)
				printf("%s: ok: %s is the channel's build of the proven module (build-id %s, %s)",
				       f->id, inst, build_id, mi.signer ? mi.signer : "unsigned");
			else
				printf("%s: ok: %s is the module the pipeline built (%zu sections compared%s)",
				       f->id, inst, compared, mi.is_signed ? ", signature ignored" : "");
			fputs("; verdict applies, proof identical; changed, all declared: ", stdout);
			for (k = 0; k < changed.n; k++)
				printf("%s%s", k ? ", " : "", changed.v[k]);
			putchar('\n');
		}
		failed |= rc;
		ec_names_free(&changed);
		shf_modinfo_free(&mi);
		free(inst);
	}
	if (!checked) {
		printf("no storage-hotfix module is installed for %s (in %s): nothing to verify; install with dkms install storage-hotfix/VERSION -k %s\n", kver, dir, kver);
		failed = 1;
	}
	free(dir);
	kmod_unref(ctx);
	shf_report_free(&rep);
	shf_fixes_free(fixes, nfix);
	shf_opts_free(&o);
	if (fflush(stdout) || ferror(stdout)) {
		perror("storage-hotfix verify: error: writing the output");
		return 2;
	}
	return failed ? 1 : 0;
}
