// SPDX-License-Identifier: GPL-2.0
/* The test builds' count of kernel calls: see step.h. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "step.h"

void test_step(const char *op, const char *arg)
{
	static int n;
	const char *kill_at = getenv("SHF_TEST_KILL_AT"), *stop_at = getenv("SHF_TEST_STOP_AT");

	n++;
	if (getenv("SHF_TEST_LOG"))
		fprintf(stderr, "kernel-call: %d %s %s\n", n, op, arg);
	if (kill_at && atoi(kill_at) == n) {
		fflush(stdout);
		raise(SIGKILL);
	}
	if (stop_at && atoi(stop_at) == n) {
		fflush(stdout);
		raise(SIGSTOP);
	}
}
