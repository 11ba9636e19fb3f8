// SPDX-License-Identifier: GPL-2.0
/*
 * TEMPORARY: swap and rollback are written on another branch (swap*.c).
 * This file only lets the cli branch link; the lead deletes it at merge.
 */
#include <stdio.h>

#include "cli.h"

int cmd_swap(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "swap: not in this build\n");
	return 2;
}

int cmd_rollback(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "swap: not in this build\n");
	return 2;
}
