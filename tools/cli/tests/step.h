/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test builds' count of the swap's kernel calls (tests/step.c), used by
 * fake-kernel.c and by kill-shim.c (the real calls, wrapped).
 */
#ifndef STORAGE_HOTFIX_TEST_STEP_H
#define STORAGE_HOTFIX_TEST_STEP_H

/*
 * Count one kernel call. SHF_TEST_KILL_AT=N: the Nth call SIGKILLs the
 * process before it acts, so a test can stop a swap at every step in turn.
 * SHF_TEST_STOP_AT=N: the Nth call stops it (SIGSTOP) instead, holding what
 * it holds (the lock), until SIGCONT. SHF_TEST_LOG=1: each call is logged on
 * stderr as "kernel-call: N OP ARG".
 */
void test_step(const char *op, const char *arg);

#endif
