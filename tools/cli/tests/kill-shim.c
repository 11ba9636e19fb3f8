// SPDX-License-Identifier: GPL-2.0
/*
 * storage-hotfix-killable: the real command whose kernel calls (kernel.c)
 * are wrapped by the linker (-Wl,--wrap) to go through test_step() first,
 * so a guest test can SIGKILL a real swap at its Nth call into a real
 * kernel (tests/cases/swap/005).
 */
#include "cli.h"
#include "swap.h"
#include "kill-shim.h"
#include "step.h"

int __wrap_kern_insert(const char *path, const char *params)
{
	test_step("insert", path);
	return __real_kern_insert(path, params);
}

int __wrap_kern_probe(const char *name, const char *params)
{
	test_step("probe", name);
	return __real_kern_probe(name, params);
}

int __wrap_kern_remove(const char *name)
{
	test_step("remove", name);
	return __real_kern_remove(name);
}

int __wrap_cfs_mkdir(const char *path)
{
	test_step("mkdir", path);
	return __real_cfs_mkdir(path);
}

int __wrap_cfs_rmdir(const char *path)
{
	test_step("rmdir", path);
	return __real_cfs_rmdir(path);
}

int __wrap_cfs_write(const char *path, const char *value)
{
	test_step("write", path);
	return __real_cfs_write(path, value);
}
