/* SPDX-License-Identifier: GPL-2.0 */
/*
 * storage-hotfix: the operator's command.  Each subcommand lives in its own
 * file and is reached through the table in main.c.
 */
#ifndef STORAGE_HOTFIX_CLI_H
#define STORAGE_HOTFIX_CLI_H

/* Subcommands: argv[0] is the subcommand's name; return the exit status. */
int cmd_status(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_swap(int argc, char **argv);
int cmd_rollback(int argc, char **argv);
int cmd_recover(int argc, char **argv);
/* kernel.c: refuses; the test build links tests/selftest.c */
int cmd_selftest(int argc, char **argv);

#endif
