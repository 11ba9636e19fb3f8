// SPDX-License-Identifier: GPL-2.0
/*
 * The swap's only calls that change the kernel: load and unload a module
 * (libkmod) and create, remove or write a configfs node. Everything else
 * the swap does reads files. The tests link tests/fake-kernel.c instead of
 * this file, which plays the kernel on a tmpfs /sys in a mount namespace;
 * no test branch lives in the swap code itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <libkmod.h>

#include "swap.h"

int kern_insert(const char *path, const char *params)
{
	struct kmod_ctx *ctx = kmod_new(NULL, NULL);
	struct kmod_module *mod = NULL;
	int rc;

	if (!ctx)
		return -ENOMEM;
	rc = kmod_module_new_from_path(ctx, path, &mod);
	if (rc == 0)
		rc = kmod_module_insert_module(mod, 0, params && *params ? params : NULL);
	if (mod)
		kmod_module_unref(mod);
	kmod_unref(ctx);
	return rc;
}

int kern_probe(const char *name, const char *params)
{
	struct kmod_ctx *ctx = kmod_new(NULL, NULL);
	struct kmod_list *l = NULL;
	int rc = -ENOENT;

	if (!ctx)
		return -ENOMEM;
	if (kmod_module_new_from_lookup(ctx, name, &l) == 0 && l) {
		struct kmod_module *m = kmod_module_get_module(l);

		rc = kmod_module_probe_insert_module(m, 0, params && *params ? params : NULL,
						     NULL, NULL, NULL);
		kmod_module_unref(m);
		kmod_module_unref_list(l);
	}
	kmod_unref(ctx);
	return rc < 0 ? rc : rc ? -EINVAL : 0;
}

int kern_remove(const char *name)
{
	struct kmod_ctx *ctx = kmod_new(NULL, NULL);
	struct kmod_module *mod = NULL;
	int rc;

	if (!ctx)
		return -ENOMEM;
	kmod_set_log_priority(ctx, LOG_CRIT);	/* the caller retries EAGAIN */
	rc = kmod_module_new_from_name(ctx, name, &mod);
	if (rc == 0)
		rc = kmod_module_remove_module(mod, 0);
	if (mod)
		kmod_module_unref(mod);
	kmod_unref(ctx);
	return rc;
}

/* configfs makes a node's default groups and attribute files itself. */
int cfs_mkdir(const char *path)
{
	return mkdir(path, 0755) && errno != EEXIST ? -errno : 0;
}

int cfs_rmdir(const char *path)
{
	return rmdir(path) && errno != ENOENT ? -errno : 0;
}

int cfs_write(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), e;

	if (fd < 0)
		return -errno;
	e = write(fd, value, strlen(value)) < 0 ? -errno : 0;
	close(fd);
	return e;
}

int cmd_selftest(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "storage-hotfix: error: the self-tests are in the test build (make -C tools storage-hotfix-fake)\n");
	return 2;
}
