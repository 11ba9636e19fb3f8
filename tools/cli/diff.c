// SPDX-License-Identifier: GPL-2.0
/*
 * storage-hotfix diff [--json] A.ko B.ko: which functions changed, were
 * added or removed from A to B (elfcmp's comparison, as kodiff funcs).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "elfcmp.h"
#include "shf.h"

static int diff_usage(FILE *f, int rc)
{
	fputs("usage: storage-hotfix diff [--json] A.ko B.ko\n"
	      "\n"
	      "Functions changed, added and removed from A to B (.ko or .ko.xz):\n"
	      "code compared by meaning, relocations resolved to symbols and\n"
	      "strings, so code that merely moved is not reported.  A module\n"
	      "signature appended to a file is ignored.\n"
	      "  --json   {\"changed\":[...],\"added\":[...],\"removed\":[...]}\n"
	      "Exit 0 if none, 1 if any, 2 on errors (code that differs where no\n"
	      "function symbol covers it, as in stripped modules, is one).\n", f);
	return rc;
}

int cmd_diff(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ec_obj a, b;
	struct ec_funcs r;
	bool json = false;
	char *err = NULL;
	size_t n, i;
	bool failed;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'j')
			json = true;
		else if (c == 'h')
			return diff_usage(stdout, 0);
		else
			return diff_usage(stderr, 2);
	}
	if (argc - optind != 2) {
		fprintf(stderr, "storage-hotfix diff: error: needs two module files\n");
		return diff_usage(stderr, 2);
	}
	if (shf_ko_load(&a, argv[optind], &err)) {
		fprintf(stderr, "storage-hotfix diff: error: %s\n", err);
		free(err);
		return 2;
	}
	if (shf_ko_load(&b, argv[optind + 1], &err)) {
		fprintf(stderr, "storage-hotfix diff: error: %s\n", err);
		free(err);
		ec_free(&a);
		return 2;
	}
	n = ec_funcs(&a, &b, &r);
	/* code no symbol covers differs: "0 changed" would be a lie */
	for (i = 0; i < r.errors.n; i++)
		fprintf(stderr, "storage-hotfix diff: error: %s\n",
			r.errors.v[i]);
	if (!r.errors.n)
		ec_funcs_print(stdout, &r, json);
	failed = r.errors.n > 0;
	ec_funcs_free(&r);
	ec_free(&a);
	ec_free(&b);
	if (failed)
		return 2;
	if (fflush(stdout) || ferror(stdout)) {
		perror("storage-hotfix diff: error: writing the output");
		return 2;
	}
	return n ? 1 : 0;
}
