// SPDX-License-Identifier: GPL-2.0
/*
 * The test build's kernel (storage-hotfix-fake links this instead of
 * cli/kernel.c). It runs in a private mount namespace whose /sys is a
 * tmpfs and whose /lib/modules is a test tree (tests/scripts/013), and
 * plays what the kernel would do there:
 *  - loading a module makes /sys/module/NAME (initstate, refcnt, notes with
 *    the file's build-id note, parameters, holders of its dependencies);
 *    modinfo fake_configfs=DIR also makes /sys/kernel/config/DIR with
 *    hosts, ports and subsystems (nvmet), fake_refuse=1 makes the load fail;
 *  - unloading refuses while the module has holders or configfs items
 *    (configfs pins the module per item), else removes all of that;
 *  - configfs mkdir makes the default groups, rmdir removes the attribute
 *    files and default groups, writing an attribute creates it.
 * Each call first goes through test_step() (step.c): SHF_TEST_KILL_AT,
 * SHF_TEST_STOP_AT, SHF_TEST_LOG.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <gelf.h>
#include <libelf.h>
#include <libkmod.h>

#include "swap.h"
#include "step.h"

static int put(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), e = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, buf, len) != (ssize_t)len)
		e = -EIO;
	close(fd);
	return e;
}

static int rm_visit(const char *p, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	(void)type;
	(void)f;
	return remove(p) && errno != ENOENT ? -1 : 0;
}

static void rm_rf(const char *p)
{
	nftw(p, rm_visit, 16, FTW_DEPTH | FTW_PHYS);
}

static void modinfo(const char *path, const char *key, char *out, size_t len)
{
	struct kmod_ctx *ctx = kmod_new(NULL, NULL);
	struct kmod_module *m = NULL;
	struct kmod_list *l = NULL, *it;

	out[0] = 0;
	if (ctx && kmod_module_new_from_path(ctx, path, &m) == 0 && kmod_module_get_info(m, &l) >= 0) {
		kmod_list_foreach(it, l) {
			if (!strcmp(kmod_module_info_get_key(it), key)) {
				snprintf(out, len, "%s", kmod_module_info_get_value(it));
				break;
			}
		}
		kmod_module_info_free_list(l);
	}
	if (m)
		kmod_module_unref(m);
	kmod_unref(ctx);
}

/* The raw .note.gnu.build-id of a plain ELF file, as sysfs shows it. */
static int copy_note(const char *path, const char *to)
{
	Elf *e;
	Elf_Scn *s = NULL;
	size_t shstr;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = -ENOENT;

	if (fd < 0 || elf_version(EV_CURRENT) == EV_NONE)
		return -errno;
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (e && elf_getshdrstrndx(e, &shstr) == 0) {
		while ((s = elf_nextscn(e, s))) {
			GElf_Shdr sh;
			Elf_Data *d;
			const char *n;

			n = gelf_getshdr(s, &sh) ? elf_strptr(e, shstr, sh.sh_name) : NULL;
			if (!n || strcmp(n, ".note.gnu.build-id"))
				continue;
			d = elf_getdata(s, NULL);
			if (d && d->d_buf)
				rc = put(to, d->d_buf, d->d_size);
			break;
		}
	}
	if (e)
		elf_end(e);
	close(fd);
	return rc;
}

static void sysname(const char *path, char *out, size_t len)
{
	const char *b = strrchr(path, '/');
	size_t i;

	b = b ? b + 1 : path;
	for (i = 0; b[i] && b[i] != '.' && i + 1 < len; i++)
		out[i] = b[i] == '-' ? '_' : b[i];
	out[i] = 0;
}

static int insert(const char *path, const char *params)
{
	char name[64], p[PATH_MAX], v[512], deps[512], *save = NULL, *d, *prm, *tk;

	sysname(path, name, sizeof(name));
	snprintf(p, sizeof(p), "/sys/module/%s", name);
	if (!access(p, F_OK))
		return -EEXIST;
	modinfo(path, "fake_refuse", v, sizeof(v));
	if (v[0])
		return -ENOEXEC;
	modinfo(path, "depends", deps, sizeof(deps));
	for (d = strtok_r(deps, ",", &save); d; d = strtok_r(NULL, ",", &save)) {
		snprintf(p, sizeof(p), "/sys/module/%s", d);
		if (access(p, F_OK))
			return -ENOENT;	/* unknown symbols */
	}
	snprintf(p, sizeof(p), "/sys/module/%s", name);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "/sys/module/%s/holders", name);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "/sys/module/%s/notes", name);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "/sys/module/%s/parameters", name);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "/sys/module/%s/initstate", name);
	put(p, "live\n", 5);
	snprintf(p, sizeof(p), "/sys/module/%s/refcnt", name);
	put(p, "0\n", 2);
	snprintf(p, sizeof(p), "/sys/module/%s/notes/.note.gnu.build-id", name);
	copy_note(path, p);
	prm = strdup(params ? params : "");
	for (tk = strtok_r(prm, " ", &save); prm && tk; tk = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(tk, '=');

		if (!eq)
			continue;
		*eq = 0;
		snprintf(p, sizeof(p), "/sys/module/%s/parameters/%s", name, tk);
		snprintf(v, sizeof(v), "%s\n", eq + 1);
		put(p, v, strlen(v));
	}
	free(prm);
	modinfo(path, "depends", deps, sizeof(deps));
	for (d = strtok_r(deps, ",", &save); d; d = strtok_r(NULL, ",", &save)) {
		snprintf(p, sizeof(p), "/sys/module/%s/holders/%s", d, name);
		snprintf(v, sizeof(v), "../../%s", name);
		symlink(v, p);
	}
	modinfo(path, "fake_configfs", v, sizeof(v));
	if (v[0]) {
		static const char *const sub[] = { "", "/hosts", "/ports", "/subsystems" };
		size_t i;

		mkdir("/sys/kernel", 0755);
		mkdir("/sys/kernel/config", 0755);
		for (i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
			snprintf(p, sizeof(p), "/sys/kernel/config/%s%s", v, sub[i]);
			mkdir(p, 0755);
		}
		snprintf(p, sizeof(p), "/sys/module/%s/fake_configfs", name);
		put(p, v, strlen(v));
	}
	return 0;
}

int kern_insert(const char *path, const char *params)
{
	test_step("insert", path);
	return insert(path, params);
}

/* depmod's order: updates/ before kernel/ */
static int find_ko(const char *name, char *out, size_t len)
{
	static const char *const subs[] = { "updates", "kernel" };
	struct utsname u;
	size_t i;

	uname(&u);
	for (i = 0; i < 2; i++) {
		char cmd[PATH_MAX + 128];
		FILE *f;

		snprintf(cmd, sizeof(cmd), "find /lib/modules/%s/%s -name '%s.ko*' 2>/dev/null | sort | head -n 1",
			 u.release, subs[i], name);
		f = popen(cmd, "r");
		if (!f)
			return -errno;
		out[0] = 0;
		if (!fgets(out, len, f))
			out[0] = 0;
		pclose(f);
		out[strcspn(out, "\n")] = 0;
		if (out[0])
			return 0;
	}
	return -ENOENT;
}

static int probe(const char *name, const char *params)
{
	char path[PATH_MAX], alt[64], deps[512], *save = NULL, *d, p[PATH_MAX];
	size_t i;
	int rc;

	for (i = 0; name[i] && i + 1 < sizeof(alt); i++)
		alt[i] = name[i] == '_' ? '-' : name[i];
	alt[i] = 0;
	if (find_ko(name, path, sizeof(path)) && find_ko(alt, path, sizeof(path)))
		return -ENOENT;
	modinfo(path, "depends", deps, sizeof(deps));
	for (d = strtok_r(deps, ",", &save); d; d = strtok_r(NULL, ",", &save)) {
		snprintf(p, sizeof(p), "/sys/module/%s", d);
		rc = access(p, F_OK) ? probe(d, NULL) : 0;
		if (rc)
			return rc;
	}
	return insert(path, params);
}

int kern_probe(const char *name, const char *params)
{
	test_step("probe", name);
	return probe(name, params);
}

static bool has_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool any = false;

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			any = true;
	if (d)
		closedir(d);
	return any;
}

int kern_remove(const char *name)
{
	char p[PATH_MAX], cfs[256] = "";
	static const char *const sub[] = { "hosts", "ports", "subsystems" };
	DIR *d;
	struct dirent *e;
	size_t i;
	int fd;
	ssize_t r;

	test_step("remove", name);
	snprintf(p, sizeof(p), "/sys/module/%s", name);
	if (access(p, F_OK))
		return -ENOENT;
	snprintf(p, sizeof(p), "/sys/module/%s/holders", name);
	if (has_entries(p))
		return -EWOULDBLOCK;
	snprintf(p, sizeof(p), "/sys/module/%s/fake_configfs", name);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		r = read(fd, cfs, sizeof(cfs) - 1);
		cfs[r > 0 ? r : 0] = 0;
		close(fd);
		for (i = 0; i < 3; i++) {
			snprintf(p, sizeof(p), "/sys/kernel/config/%s/%s", cfs, sub[i]);
			if (has_entries(p))
				return -EWOULDBLOCK;
		}
		snprintf(p, sizeof(p), "/sys/kernel/config/%s", cfs);
		rm_rf(p);
	}
	snprintf(p, sizeof(p), "/sys/module/%s", name);
	rm_rf(p);
	d = opendir("/sys/module");
	while (d && (e = readdir(d))) {
		snprintf(p, sizeof(p), "/sys/module/%s/holders/%s", e->d_name, name);
		unlink(p);
	}
	if (d)
		closedir(d);
	return 0;
}

int cfs_mkdir(const char *path)
{
	static const char *const port[] = { "subsystems", "referrals", "ana_groups", "ana_groups/1", NULL };
	static const char *const subsys[] = { "namespaces", "allowed_hosts", NULL };
	const char *const *groups = NULL;
	char parent[PATH_MAX], p[PATH_MAX], *b;
	size_t i;

	test_step("mkdir", path);
	if (mkdir(path, 0755))
		return errno == EEXIST ? 0 : -errno;
	snprintf(parent, sizeof(parent), "%s", path);
	b = strrchr(parent, '/');
	if (b)
		*b = 0;
	b = strrchr(parent, '/');
	b = b ? b + 1 : parent;
	if (!strcmp(b, "ports"))
		groups = port;
	else if (!strcmp(b, "subsystems"))
		groups = subsys;
	for (i = 0; groups && groups[i]; i++) {
		snprintf(p, sizeof(p), "%s/%s", path, groups[i]);
		mkdir(p, 0755);
	}
	return 0;
}

static int rm_node(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char p[PATH_MAX];
	struct stat st;

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
		if (lstat(p, &st))
			continue;
		if (S_ISDIR(st.st_mode))
			rm_node(p);	/* a default group */
		else if (S_ISREG(st.st_mode))
			unlink(p);
	}
	if (d)
		closedir(d);
	return rmdir(path) && errno != ENOENT ? -errno : 0;
}

int cfs_rmdir(const char *path)
{
	test_step("rmdir", path);
	return rm_node(path);
}

int cfs_write(const char *path, const char *value)
{
	test_step("write", path);
	return put(path, value, strlen(value));
}
