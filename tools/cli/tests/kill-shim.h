/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The real kernel seam (tools/cli/kernel.c), reached through the linker's
 * --wrap: kill-shim.c counts each call before it passes it on.
 */
#ifndef SHF_KILL_SHIM_H
#define SHF_KILL_SHIM_H

int __real_kern_insert(const char *path, const char *params);
int __real_kern_probe(const char *name, const char *params);
int __real_kern_remove(const char *name);
int __real_cfs_mkdir(const char *path);
int __real_cfs_rmdir(const char *path);
int __real_cfs_write(const char *path, const char *value);

#endif
