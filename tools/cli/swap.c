// SPDX-License-Identifier: GPL-2.0
/*
 * storage-hotfix swap FIX|all [--dry-run] [--module PATH], and rollback.
 *
 * Replaces a running module by ours (the file modprobe would load from
 * lib/modules/KVER/updates/, carrying the "hotfix" modinfo stamp) without
 * a reboot: each fix's procedure (swap-*.c) saves the state the module
 * holds, stops its users, unloads it, loads ours with the same parameters,
 * restores the state and checks it. Any failure after the service went
 * down loads the module that was running again and restores the state.
 * Modules are handled through libkmod; build-ids through libelf.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/utsname.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <gelf.h>
#include <libelf.h>
#include <libkmod.h>

#include "cli.h"
#include "shf.h"
#include "swap.h"

int xsnprintf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n >= len && len) {
		fprintf(stderr, "storage-hotfix: warning: text cut to %zu bytes: %s\n", len - 1, buf);
	}
	return n;
}

double swap_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void swap_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("swap: ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	fflush(stdout);
	va_end(ap);
}

void swap_err(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	fputs("storage-hotfix: error: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* read_line: the first line of PATH without its newline; -errno. */
int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -errno;
	if (!fgets(buf, len, f))
		buf[0] = 0;
	fclose(f);
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return 0;
}

/* write_str: one write(2) of S to PATH (sysfs/configfs/procfs); -errno. */
int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t w;
	int e;

	if (fd < 0)
		return -errno;
	w = write(fd, s, strlen(s));
	e = errno;
	close(fd);
	if (w < 0)
		return -e;
	return 0;
}

static void norm_name(const char *in, char *out, size_t len)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < len; i++)
		out[i] = in[i] == '-' ? '_' : in[i];
	out[i] = 0;
}

bool mod_is_loaded(const char *name)
{
	char p[PATH_MAX], n[64], st[32];

	norm_name(name, n, sizeof(n));
	xsnprintf(p, sizeof(p), "/sys/module/%s/initstate", n);
	return read_line(p, st, sizeof(st)) == 0 && !strcmp(st, "live");
}

int mod_refcnt(const char *name)
{
	char p[PATH_MAX], n[64], v[32];

	norm_name(name, n, sizeof(n));
	xsnprintf(p, sizeof(p), "/sys/module/%s/refcnt", n);
	if (read_line(p, v, sizeof(v)))
		return -1;
	return atoi(v);
}

/* mod_holders: the modules holding NAME, space separated (libkmod). */
int mod_holders(const char *name, char *buf, size_t len)
{
	struct kmod_ctx *ctx = kmod_new(NULL, NULL);
	struct kmod_module *mod = NULL;
	struct kmod_list *l, *it;
	int n = 0;

	buf[0] = 0;
	if (!ctx)
		return -ENOMEM;
	if (kmod_module_new_from_name(ctx, name, &mod) == 0) {
		l = kmod_module_get_holders(mod);
		kmod_list_foreach(it, l) {
			struct kmod_module *h = kmod_module_get_module(it);
			size_t used = strlen(buf);

			xsnprintf(buf + used, len - used, "%s%s", n ? " " : "", kmod_module_get_name(h));
			kmod_module_unref(h);
			n++;
		}
		kmod_module_unref_list(l);
		kmod_module_unref(mod);
	}
	kmod_unref(ctx);
	return n;
}

/*
 * mod_params: NAME's parameters as insmod options, from
 * /sys/module/NAME/parameters (values with blanks quoted; unset strings
 * and unreadable ones left out, they keep their defaults).
 */
int mod_params(const char *name, char *buf, size_t len)
{
	char dir[PATH_MAX], p[PATH_MAX], n[64], v[1024];
	struct dirent **ents;
	int i, cnt;
	size_t used = 0;

	buf[0] = 0;
	norm_name(name, n, sizeof(n));
	xsnprintf(dir, sizeof(dir), "/sys/module/%s/parameters", n);
	cnt = scandir(dir, &ents, NULL, alphasort);
	if (cnt < 0)
		return 0;
	for (i = 0; i < cnt; i++) {
		const char *e = ents[i]->d_name;

		if (e[0] != '.') {
			xsnprintf(p, sizeof(p), "%s/%s", dir, e);
			if (read_line(p, v, sizeof(v)) == 0 && v[0] && strcmp(v, "(null)")) {
				const char *q = strpbrk(v, " \t") ? "\"" : "";

				used += xsnprintf(buf + used, used < len ? len - used : 0, "%s%s=%s%s%s",
						 used ? " " : "", e, q, v, q);
			}
		}
		free(ents[i]);
	}
	free(ents);
	if (used >= len) {
		swap_err("%s: parameters longer than %zu bytes", name, len);
		return -E2BIG;
	}
	return 0;
}

static void hex(const unsigned char *d, size_t n, char *out, size_t len)
{
	size_t i;

	out[0] = 0;
	for (i = 0; i < n && 2 * i + 2 < len; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

/* The build-id note of a running module, /sys/module/NAME/notes. */
int mod_running_buildid(const char *name, char *out, size_t len)
{
	unsigned char b[512];
	char p[PATH_MAX], n[64];
	struct shf_build_id id;
	ssize_t got;
	int fd;

	out[0] = 0;
	norm_name(name, n, sizeof(n));
	xsnprintf(p, sizeof(p), "/sys/module/%s/notes/.note.gnu.build-id", n);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	got = read(fd, b, sizeof(b));
	close(fd);
	if (got <= 0 || shf_note_build_id(b, got, &id))
		return -ENOENT;
	hex(id.b, id.n, out, len);
	return 0;
}

/*
 * open_plain: a descriptor on the module as plain ELF. Debian ships
 * .ko.xz (and .ko.zst/.ko.gz elsewhere): those are decompressed by xz,
 * zstd or gzip into an anonymous memory file.
 */
static int open_plain(const char *path)
{
	static const struct { const char *ext, *prog; } z[] = {
		{ ".xz", "xz" }, { ".zst", "zstd" }, { ".gz", "gzip" },
	};
	size_t i, l = strlen(path);
	int fd, st;
	pid_t pid;

	for (i = 0; i < sizeof(z) / sizeof(z[0]); i++) {
		size_t el = strlen(z[i].ext);

		if (l > el && !strcmp(path + l - el, z[i].ext))
			break;
	}
	if (i == sizeof(z) / sizeof(z[0]))
		return open(path, O_RDONLY | O_CLOEXEC);
	fd = memfd_create("module", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(fd, 1);
		execlp(z[i].prog, z[i].prog, "-dc", "--", path, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		close(fd);
		errno = ENOTSUP;
		return -1;
	}
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* The build-id of a module file (plain or compressed). */
int file_buildid(const char *path, char *out, size_t len)
{
	Elf *e;
	Elf_Scn *scn = NULL;
	int fd, rc = -ENOENT;

	out[0] = 0;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	fd = open_plain(path);
	if (fd < 0)
		return -errno;
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF) {
		rc = -ENOTSUP;
		goto out;
	}
	while (rc && (scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		struct shf_build_id id;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		d = elf_getdata(scn, NULL);
		if (d && d->d_buf && !shf_note_build_id(d->d_buf, d->d_size, &id)) {
			hex(id.b, id.n, out, len);
			rc = 0;
		}
	}
out:
	if (e)
		elf_end(e);
	close(fd);
	return rc;
}

/* The value of modinfo KEY in FILE ("" when absent). */
static int file_modinfo(const char *path, const char *key, char *out, size_t len)
{
	struct kmod_ctx *ctx = kmod_new(NULL, NULL);
	struct kmod_module *mod = NULL;
	struct kmod_list *l = NULL, *it;
	int rc;

	out[0] = 0;
	if (!ctx)
		return -ENOMEM;
	rc = kmod_module_new_from_path(ctx, path, &mod);
	if (rc == 0) {
		rc = kmod_module_get_info(mod, &l);
		if (rc >= 0) {
			rc = 0;
			kmod_list_foreach(it, l) {
				if (!strcmp(kmod_module_info_get_key(it), key)) {
					xsnprintf(out, len, "%s", kmod_module_info_get_value(it));
					break;
				}
			}
			kmod_module_info_free_list(l);
		}
		kmod_module_unref(mod);
	}
	kmod_unref(ctx);
	return rc;
}

/* The file modprobe would load for NAME (after depmod). */
static int lookup_path(const char *name, char *out, size_t len)
{
	struct kmod_ctx *ctx = kmod_new(NULL, NULL);
	struct kmod_list *l = NULL;
	int rc = -ENOENT;

	out[0] = 0;
	if (!ctx)
		return -ENOMEM;
	if (kmod_module_new_from_lookup(ctx, name, &l) == 0 && l) {
		struct kmod_module *m = kmod_module_get_module(l);
		const char *p = kmod_module_get_path(m);

		if (p) {
			xsnprintf(out, len, "%s", p);
			rc = 0;
		}
		kmod_module_unref(m);
		kmod_module_unref_list(l);
	}
	kmod_unref(ctx);
	return rc;
}

/* The distro's file for a module: lib/modules/KVER/kernel/.../NAME.ko* */
static char stock_want[64];
static char stock_found[PATH_MAX];

static int stock_visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	const char *b = path + ftw->base;
	char n[64];
	size_t l;

	(void)st;
	if (type != FTW_F)
		return 0;
	l = strcspn(b, ".");
	if (l >= sizeof(n) || strncmp(b + l, ".ko", 3))
		return 0;
	memcpy(n, b, l);
	n[l] = 0;
	norm_name(n, n, sizeof(n));
	if (strcmp(n, stock_want))
		return 0;
	xsnprintf(stock_found, sizeof(stock_found), "%s", path);
	return 1;
}

static int stock_path(const char *kver, const char *name, char *out, size_t len)
{
	char root[PATH_MAX];

	xsnprintf(root, sizeof(root), "/lib/modules/%s/kernel", kver);
	norm_name(name, stock_want, sizeof(stock_want));
	stock_found[0] = 0;
	if (nftw(root, stock_visit, 16, FTW_PHYS) != 1)
		return -ENOENT;
	xsnprintf(out, len, "%s", stock_found);
	return 0;
}

/*
 * mod_prepare: who is NAME now, and what replaces it. need_ours: the
 * replacement is ours (--module PATH or the stamped file in updates/);
 * else (rollback) c->module_override names it.
 */
int mod_prepare(struct swap_ctx *c, struct swap_mod *m, const char *name, bool need_ours)
{
	char ours[PATH_MAX] = "", stock[PATH_MAX] = "", id[129], stamp[512];

	memset(m, 0, sizeof(*m));
	norm_name(name, m->name, sizeof(m->name));
	m->loaded = mod_is_loaded(name);
	if (m->loaded) {
		if (mod_params(name, m->params, sizeof(m->params)))
			return -E2BIG;
		mod_running_buildid(name, m->running_id, sizeof(m->running_id));
	}
	if (c->module_override) {
		xsnprintf(ours, sizeof(ours), "%s", c->module_override);
	} else if (need_ours) {
		if (lookup_path(name, ours, sizeof(ours)) || !strstr(ours, "/updates/")) {
			swap_err("%s: modprobe would load %s, not a module from /lib/modules/%s/updates/",
				 name, ours[0] ? ours : "nothing", c->kver);
			fprintf(stderr, "  install the hotfix first (the DKMS package puts our modules in updates/),\n"
				"  run depmod -a, or give the file with --module PATH\n");
			return -ENOENT;
		}
	}
	if (access(ours, R_OK)) {
		swap_err("%s: cannot read %s: %s", name, ours, strerror(errno));
		return -ENOENT;
	}
	if (file_modinfo(ours, "hotfix", stamp, sizeof(stamp)) < 0) {
		swap_err("%s: %s is not a kernel module kmod can read", name, ours);
		return -EINVAL;
	}
	if (need_ours && !stamp[0]) {
		if (!c->module_override) {
			swap_err("%s: %s carries no storage-hotfix stamp (modinfo hotfix)", name, ours);
			fprintf(stderr, "  it is not ours: rebuild with scripts/hotfix-build or give the file with --module PATH\n");
			return -EINVAL;
		}
		swap_say("note: %s has no hotfix stamp (given with --module)", ours);
	}
	xsnprintf(m->new_path, sizeof(m->new_path), "%s", ours);
	file_buildid(ours, m->new_id, sizeof(m->new_id));

	/* The file of the running module, to come back to. */
	stock_path(c->kver, name, stock, sizeof(stock));
	if (m->loaded) {
		char up[PATH_MAX] = "";

		if (m->running_id[0] && !strcmp(m->running_id, m->new_id)) {
			xsnprintf(m->prev_path, sizeof(m->prev_path), "%s", ours);
		} else if (stock[0] && file_buildid(stock, id, sizeof(id)) == 0 && !strcmp(id, m->running_id)) {
			xsnprintf(m->prev_path, sizeof(m->prev_path), "%s", stock);
		} else if (lookup_path(name, up, sizeof(up)) == 0 &&
			   file_buildid(up, id, sizeof(id)) == 0 && !strcmp(id, m->running_id)) {
			xsnprintf(m->prev_path, sizeof(m->prev_path), "%s", up);
		} else if (stock[0] && file_buildid(stock, id, sizeof(id)) == -ENOTSUP) {
			/* compressed: trust the distro's file */
			xsnprintf(m->prev_path, sizeof(m->prev_path), "%s", stock);
		} else {
			swap_err("%s: the running module (build-id %s) is neither %s nor the distro's %s",
				 name, m->running_id[0] ? m->running_id : "unknown", ours, stock[0] ? stock : "(none)");
			fprintf(stderr, "  there would be nothing to roll back to: unload it yourself, or load a known module first\n");
			return -ESRCH;
		}
	}
	return 0;
}

int mod_unload(const char *name)
{
	struct kmod_ctx *ctx;
	struct kmod_module *mod = NULL;
	double until = swap_now() + 10;
	int rc;

	if (!mod_is_loaded(name))
		return 0;
	ctx = kmod_new(NULL, NULL);
	if (!ctx)
		return -ENOMEM;
	kmod_set_log_priority(ctx, LOG_CRIT);	/* the retries are expected */
	rc = kmod_module_new_from_name(ctx, name, &mod);
	while (rc == 0) {
		rc = kmod_module_remove_module(mod, 0);
		/* released asynchronously (controller deletion): retry */
		if ((rc == -EAGAIN || rc == -EBUSY || rc == -EWOULDBLOCK) && swap_now() < until) {
			usleep(50000);
			rc = 0;
			continue;
		}
		break;
	}
	if (mod)
		kmod_module_unref(mod);
	kmod_unref(ctx);
	if (rc) {
		char h[512];

		mod_holders(name, h, sizeof(h));
		swap_err("unloading %s failed: %s (refcnt %d, holders: %s)", name, strerror(-rc),
			 mod_refcnt(name), h[0] ? h : "none");
	}
	return rc;
}

/* Load the dependencies a module file names (modinfo depends), by name. */
static int load_deps(const char *path)
{
	char deps[1024], *save = NULL, *d;
	int rc;

	if (file_modinfo(path, "depends", deps, sizeof(deps)) < 0)
		return -EINVAL;
	for (d = strtok_r(deps, ",", &save); d; d = strtok_r(NULL, ",", &save)) {
		if (!*d || mod_is_loaded(d))
			continue;
		rc = mod_load_name(d, NULL);
		if (rc)
			return rc;
	}
	return 0;
}

int mod_load_file(const char *path, const char *params)
{
	struct kmod_ctx *ctx;
	struct kmod_module *mod = NULL;
	int rc;

	rc = load_deps(path);
	if (rc)
		return rc;
	ctx = kmod_new(NULL, NULL);
	if (!ctx)
		return -ENOMEM;
	rc = kmod_module_new_from_path(ctx, path, &mod);
	if (rc == 0)
		rc = kmod_module_insert_module(mod, 0, params && *params ? params : NULL);
	if (rc)
		swap_err("loading %s%s%s failed: %s (the kernel log says why: dmesg | tail)", path,
			 params && *params ? " " : "", params ? params : "", strerror(-rc));
	if (mod)
		kmod_module_unref(mod);
	kmod_unref(ctx);
	return rc;
}

int mod_load_name(const char *name, const char *params)
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
	if (rc)
		swap_err("loading %s failed: %s", name, strerror(rc < 0 ? -rc : rc));
	return rc < 0 ? rc : rc ? -EINVAL : 0;
}

/* The running NAME must be the file whose build-id is WANT. */
int mod_check_running(const struct swap_mod *m, const char *want)
{
	char id[129];

	if (mod_running_buildid(m->name, id, sizeof(id)) || !want[0]) {
		swap_err("%s: cannot read the build-id of the running module", m->name);
		return -EIO;
	}
	if (strcmp(id, want)) {
		swap_err("%s: running build-id %s, expected %s", m->name, id, want);
		return -EIO;
	}
	return 0;
}

static int mkdir_p(const char *dir, mode_t mode)
{
	char p[PATH_MAX], *s;

	xsnprintf(p, sizeof(p), "%s", dir);
	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0755) && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

/* The state dir: 0700, owned by us; refuse one others can read. */
int state_dir_make(const struct swap_ctx *c)
{
	struct stat st;
	int rc = mkdir_p(c->state_dir, 0700);

	if (rc) {
		swap_err("cannot create %s: %s", c->state_dir, strerror(-rc));
		return rc;
	}
	if (stat(c->state_dir, &st) || !S_ISDIR(st.st_mode)) {
		swap_err("%s is not a directory", c->state_dir);
		return -ENOTDIR;
	}
	if ((st.st_mode & 077) || st.st_uid != geteuid()) {
		if (chmod(c->state_dir, 0700) || st.st_uid != geteuid()) {
			swap_err("%s is open to other users (mode %o, uid %u): fix it with chmod 0700",
				 c->state_dir, (unsigned int)(st.st_mode & 0777), (unsigned int)st.st_uid);
			return -EPERM;
		}
	}
	return 0;
}

/* state_write: FILE in the state dir, mode 0600, temp + fsync + rename. */
int state_write(const struct swap_ctx *c, const char *file, json_object *o, bool secret)
{
	char p[PATH_MAX], tmp[PATH_MAX];
	const char *s;
	int fd, rc = 0;

	(void)secret;	/* every state file is 0600 in a 0700 dir */
	rc = state_dir_make(c);
	if (rc)
		return rc;
	xsnprintf(p, sizeof(p), "%s/%s", c->state_dir, file);
	xsnprintf(tmp, sizeof(tmp), "%s.tmp.%d", p, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		swap_err("cannot write %s: %s", tmp, strerror(errno));
		return rc;
	}
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
					   JSON_C_TO_STRING_NOSLASHESCAPE);
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s) || write(fd, "\n", 1) != 1 || fsync(fd))
		rc = -errno;
	close(fd);
	if (!rc && rename(tmp, p))
		rc = -errno;
	if (rc) {
		unlink(tmp);
		swap_err("cannot write %s: %s", p, strerror(-rc));
	}
	return rc;
}

json_object *state_read(const struct swap_ctx *c, const char *file)
{
	char p[PATH_MAX];

	xsnprintf(p, sizeof(p), "%s/%s", c->state_dir, file);
	return json_object_from_file(p);
}

void state_remove(const struct swap_ctx *c, const char *file)
{
	char p[PATH_MAX];

	xsnprintf(p, sizeof(p), "%s/%s", c->state_dir, file);
	if (unlink(p) && errno != ENOENT)
		swap_err("cannot remove %s: %s (remove it by hand: it may hold secrets)", p, strerror(errno));
}

void swap_down_begin(struct swap_ctx *c)
{
	c->t_down = swap_now();
}

void swap_down_end(struct swap_ctx *c)
{
	c->downtime = swap_now() - c->t_down;
}

static void swap_result(const struct swap_ctx *c, const char *fix, const struct swap_mod *m,
			const char *result, const char *loaded_id)
{
	printf("swap-result fix=%s module=%s result=%s downtime_s=%.3f from=%s to=%s\n", fix, m->name,
	       result, c->downtime, m->running_id[0] ? m->running_id : "-",
	       loaded_id && loaded_id[0] ? loaded_id : "-");
	fflush(stdout);
}

/* Unload the dependents (last first), then the module itself. */
static int unload_all(struct swap_mod *m, struct swap_mod *deps, int ndeps)
{
	int i, rc;

	for (i = ndeps - 1; i >= 0; i--) {
		if (!deps[i].loaded)
			continue;
		rc = mod_unload(deps[i].name);
		if (rc)
			return rc;
	}
	return mod_unload(m->name);
}

/* Load PATH as M, then the dependents that were loaded, by name. */
static int load_all(struct swap_mod *m, const char *path, struct swap_mod *deps, int ndeps)
{
	int i, rc;

	rc = mod_is_loaded(m->name) ? 0 : mod_load_file(path, m->params);
	for (i = 0; !rc && i < ndeps; i++)
		if (deps[i].loaded && !mod_is_loaded(deps[i].name))
			rc = mod_load_name(deps[i].name, deps[i].params);
	return rc;
}

static int record_swap(const struct swap_ctx *c, const char *fix, const struct swap_mod *m)
{
	json_object *o = json_object_new_object();
	char f[128];
	int rc;

	json_object_object_add(o, "fix", json_object_new_string(fix));
	json_object_object_add(o, "module", json_object_new_string(m->name));
	json_object_object_add(o, "kernel", json_object_new_string(c->kver));
	json_object_object_add(o, "previous_path", json_object_new_string(m->prev_path));
	json_object_object_add(o, "previous_build_id", json_object_new_string(m->running_id));
	json_object_object_add(o, "loaded_path", json_object_new_string(m->new_path));
	json_object_object_add(o, "loaded_build_id", json_object_new_string(m->new_id));
	json_object_object_add(o, "parameters", json_object_new_string(m->params));
	json_object_object_add(o, "downtime_s", json_object_new_double(c->downtime));
	json_object_object_add(o, "time", json_object_new_int64(time(NULL)));
	xsnprintf(f, sizeof(f), "last-%s.json", m->name);
	rc = state_write(c, f, o, false);
	json_object_put(o);
	return rc;
}

/*
 * bring_up: load path (and the dependents), restore the users' state,
 * check that the running module has build-id id and that the state is
 * back. The same steps for the swap and for its rollback.
 */
static int bring_up(struct swap_ctx *c, const struct swap_ops *ops, void *priv, struct swap_mod *m,
		    const char *path, const char *id, struct swap_mod *deps, int ndeps)
{
	int rc = load_all(m, path, deps, ndeps);

	if (!rc && ops->restore)
		rc = ops->restore(c, priv);
	if (!rc)
		rc = mod_check_running(m, id);
	if (!rc && ops->check)
		rc = ops->check(c, priv);
	return rc;
}

/*
 * swap_run: the common procedure. Pre-checks (ops->precheck), the plan,
 * save, stop the users (down time starts), unload the dependents and the
 * module, load the replacement with the same parameters, reload the
 * dependents, restore, check (down time ends). A failure after the stop
 * loads the module that was running again and restores the state.
 */
int swap_run(struct swap_ctx *c, const char *fix, const char *name, const char *const *dep_names,
	     const struct swap_ops *ops, void *priv)
{
	struct swap_mod m, deps[SWAP_MAX_MODS];
	int ndeps = 0, rc, rrc, i;
	char h[512];

	if (mod_prepare(c, &m, name, !c->to_stock))
		return swap_result(c, fix, &m, "refused", NULL), -EINVAL;
	if (!m.loaded) {
		swap_say("%s: %s is not loaded: nothing to swap (modprobe %s loads %s)", fix, name, name, m.new_path);
		return 0;
	}
	if (m.running_id[0] && !strcmp(m.running_id, m.new_id)) {
		swap_say("%s: the running %s is already %s (build-id %s)", fix, name, m.new_path, m.new_id);
		swap_result(c, fix, &m, "already", m.new_id);
		return 0;
	}
	for (i = 0; dep_names && dep_names[i] && ndeps < SWAP_MAX_MODS; i++) {
		memset(&deps[ndeps], 0, sizeof(deps[ndeps]));
		xsnprintf(deps[ndeps].name, sizeof(deps[ndeps].name), "%s", dep_names[i]);
		deps[ndeps].loaded = mod_is_loaded(dep_names[i]);
		if (deps[ndeps].loaded)
			mod_params(dep_names[i], deps[ndeps].params, sizeof(deps[ndeps].params));
		ndeps++;
	}
	/* every holder must be a dependent we reload */
	if (mod_holders(name, h, sizeof(h)) > 0) {
		char *save = NULL, *t;

		for (t = strtok_r(h, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
			for (i = 0; i < ndeps && strcmp(deps[i].name, t); i++)
				;
			if (i == ndeps) {
				swap_err("%s: refused: module %s holds %s (uses its symbols)", fix, t, name);
				fprintf(stderr, "  stop what uses %s and unload it (modprobe -r %s), then swap again\n", t, t);
				swap_result(c, fix, &m, "refused", NULL);
				return -EBUSY;
			}
		}
	}
	rc = ops->precheck ? ops->precheck(c, priv) : 0;
	if (rc) {
		swap_result(c, fix, &m, "refused", NULL);
		return rc;
	}
	swap_say("%s: plan (kernel %s):", fix, c->kver);
	if (ops->plan_save)
		ops->plan_save(c, priv);
	swap_say("  unload%s %s (running build-id %s, from %s)", ndeps ? "" : "", name,
		 m.running_id[0] ? m.running_id : "?", m.prev_path);
	for (i = 0; i < ndeps; i++)
		if (deps[i].loaded)
			swap_say("  unload %s first, reload it after (options: %s)", deps[i].name,
				 deps[i].params[0] ? deps[i].params : "none");
	swap_say("  load %s (build-id %s) with options: %s", m.new_path, m.new_id[0] ? m.new_id : "?",
		 m.params[0] ? m.params : "none");
	if (ops->plan_restore)
		ops->plan_restore(c, priv);
	swap_say("  on failure: load %s again and restore the same state", m.prev_path);
	if (c->dry_run) {
		swap_result(c, fix, &m, "dry-run", NULL);
		return 0;
	}

	rc = ops->save ? ops->save(c, priv) : 0;
	if (rc) {
		swap_err("%s: saving the state failed: nothing was changed", fix);
		swap_result(c, fix, &m, "failed", NULL);
		return rc;
	}
	swap_down_begin(c);
	rc = ops->stop ? ops->stop(c, priv) : 0;
	if (!rc)
		rc = unload_all(&m, deps, ndeps);
	if (!rc) {
		rc = bring_up(c, ops, priv, &m, m.new_path, m.new_id, deps, ndeps);
		if (!rc) {
			swap_down_end(c);
			swap_say("%s: %s swapped: build-id %s -> %s; state restored and checked", fix, name,
				 m.running_id, m.new_id);
			if (ops->done)
				ops->done(c, priv, true);
			record_swap(c, fix, &m);
			swap_say("%s: downtime_s=%.3f", fix, c->downtime);
			swap_result(c, fix, &m, "swapped", m.new_id);
			return 0;
		}
	}

	/* roll back to the module that was running */
	swap_err("%s: swap failed: rolling back to %s", fix, m.prev_path);
	if (ops->stop)
		ops->stop(c, priv);
	rrc = 0;
	if (mod_is_loaded(name) && mod_running_buildid(name, h, sizeof(h)) == 0 && !strcmp(h, m.running_id))
		swap_say("%s: the module that ran before is still loaded", fix);
	else
		rrc = unload_all(&m, deps, ndeps);
	if (!rrc)
		rrc = bring_up(c, ops, priv, &m, m.prev_path, m.running_id, deps, ndeps);
	swap_down_end(c);
	if (ops->done)
		ops->done(c, priv, !rrc);
	if (rrc) {
		swap_err("%s: ROLLBACK FAILED: %s is %s; the saved state stays in %s", fix, name,
			 mod_is_loaded(name) ? "loaded but not checked" : "not loaded", c->state_dir);
		swap_result(c, fix, &m, "failed", NULL);
		return rrc;
	}
	swap_say("%s: rolled back to %s (build-id %s); state restored and checked", fix, m.prev_path,
		 m.running_id);
	swap_say("%s: downtime_s=%.3f", fix, c->downtime);
	swap_result(c, fix, &m, "rolled-back", m.running_id);
	return rc;
}

static const struct {
	const char *names[4];
	const char *module;
	int (*fn)(struct swap_ctx *c);
} fixes[] = {
	/* nvmet first: its swap also reloads nvme-loop (ours when installed) */
	{ { "nvmet", "nvmet-auth-tls-key", "nvmet-auth" }, "nvmet", swap_nvmet },
	{ { "nvme-loop", "nvme-loop-shutdown", "nvme_loop" }, "nvme_loop", swap_nvme_loop },
	{ { "nfsd", "nfsd-ssc-expire", "nfsd-ssc" }, "nfsd", swap_nfsd },
};
#define NFIXES (sizeof(fixes) / sizeof(fixes[0]))

static int find_fix(const char *arg)
{
	size_t i, j;

	for (i = 0; i < NFIXES; i++)
		for (j = 0; j < 4 && fixes[i].names[j]; j++)
			if (!strcmp(arg, fixes[i].names[j]))
				return i;
	return -1;
}

static int swap_usage(FILE *f, int rc)
{
	fprintf(f, "usage: storage-hotfix swap FIX|all [--dry-run] [--module PATH] [--state-dir DIR]\n"
		"       storage-hotfix rollback [FIX|all] [--dry-run] [--state-dir DIR]\n"
		"FIX: nvme-loop (nvme-loop-shutdown), nvmet (nvmet-auth-tls-key), nfsd (nfsd-ssc-expire)\n"
		"Prints the plan, does it, and one machine-readable line per module:\n"
		"  swap-result fix=F module=M result=swapped|rolled-back|failed|dry-run downtime_s=S ...\n");
	return rc;
}

static int run_fix(struct swap_ctx *c, size_t i)
{
	int rc;

	static char prev[PATH_MAX];
	char f[128];
	json_object *o, *p;

	c->downtime = 0;
	c->t_down = 0;
	if (c->to_stock) {
		xsnprintf(f, sizeof(f), "last-%s.json", fixes[i].module);
		o = state_read(c, f);
		if (!o || !json_object_object_get_ex(o, "previous_path", &p)) {
			swap_say("%s: no swap recorded in %s/%s: nothing to roll back", fixes[i].names[0],
				 c->state_dir, f);
			json_object_put(o);
			return 0;
		}
		xsnprintf(prev, sizeof(prev), "%s", json_object_get_string(p));
		json_object_put(o);
		c->module_override = prev;
	}
	rc = fixes[i].fn(c);
	if (c->to_stock)
		c->module_override = NULL;
	return rc;
}

static int swap_main(int argc, char **argv, bool rollback)
{
	struct swap_ctx c = { .state_dir = SWAP_STATE_DIR };
	struct utsname u;
	const char *what = NULL;
	int i, rc = 0, f;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dry-run"))
			c.dry_run = true;
		else if (!strcmp(argv[i], "--module") && i + 1 < argc && !rollback)
			c.module_override = argv[++i];
		else if (!strcmp(argv[i], "--state-dir") && i + 1 < argc)
			c.state_dir = argv[++i];
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return swap_usage(stdout, 0);
		else if (argv[i][0] != '-' && !what)
			what = argv[i];
		else {
			swap_err("unknown argument %s", argv[i]);
			return swap_usage(stderr, 2);
		}
	}
	if (!what && rollback)
		what = "all";
	if (!what)
		return swap_usage(stderr, 2);
	uname(&u);
	xsnprintf(c.kver_buf, sizeof(c.kver_buf), "%s", u.release);
	c.kver = c.kver_buf;
	if (geteuid() != 0 && !c.dry_run) {
		swap_err("swapping modules needs root: run it with sudo (or try --dry-run)");
		return 1;
	}
	c.to_stock = rollback;
	if (!strcmp(what, "all")) {
		if (c.module_override) {
			swap_err("--module names one file: give one FIX with it");
			return 2;
		}
		for (i = 0; i < (int)NFIXES; i++) {
			if (!mod_is_loaded(fixes[i].module)) {
				swap_say("%s: not loaded, nothing to swap (the next load takes the installed module)",
					 fixes[i].names[0]);
				continue;
			}
			if (run_fix(&c, i))
				rc = 1;
		}
		return rc;
	}
	f = find_fix(what);
	if (f < 0) {
		swap_err("unknown fix \"%s\"", what);
		return swap_usage(stderr, 2);
	}
	return run_fix(&c, f) ? 1 : 0;
}

int cmd_swap(int argc, char **argv)
{
	if (argc > 1 && !strncmp(argv[1], "--selftest-", 11))
		return swap_selftest(argc - 1, argv + 1);
	return swap_main(argc, argv, false);
}

int cmd_rollback(int argc, char **argv)
{
	return swap_main(argc, argv, true);
}
