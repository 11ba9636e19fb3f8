// SPDX-License-Identifier: GPL-2.0
/*
 * storage-hotfix - status, verification and live swap of the bundle's
 * patched modules.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} cmds[] = {
	{ "status", cmd_status, "status [--json]         per kernel and fix: affected, built, installed, loaded" },
	{ "verify", cmd_verify, "verify [KVER]           proof and explanation of the installed modules" },
	{ "diff", cmd_diff, "diff [--json] A.ko B.ko function-level comparison of two modules" },
	{ "swap", cmd_swap, "swap FIX|all [--dry-run] replace the running module by ours, keeping state" },
	{ "rollback", cmd_rollback, "rollback [FIX|all]      go back to the module that ran before the last swap" },
	{ "recover", cmd_recover, "recover                 finish an interrupted swap: the module that ran before, its state back" },
};

static int usage(FILE *f, int rc)
{
	size_t i;

	fprintf(f, "usage: storage-hotfix COMMAND [ARGS]\n\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %s\n", cmds[i].help);
	return rc;
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2)
		return usage(stderr, 2);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help"))
		return usage(stdout, 0);
	/* the test build's entry points (tools/cli/tests/selftest.c) */
	if (!strcmp(argv[1], "selftest"))
		return cmd_selftest(argc - 1, argv + 1);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "storage-hotfix: error: unknown command \"%s\"\n", argv[1]);
	return usage(stderr, 2);
}
