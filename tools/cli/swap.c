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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/file.h>
#include <sys/utsname.h>
#include <signal.h>
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
	if (n >= 0 && (size_t)n >= len && len)
		fprintf(stderr, "storage-hotfix: warning: text cut to %zu bytes: %s\n", len - 1, buf);
	return n;
}

double swap_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * swap_redact: DH-HMAC-CHAP secrets ("DHHC-1:...") and TLS PSKs in
 * interchange format ("NVMeTLSkey-1:...") keep their prefix; the key
 * material becomes <redacted>.
 */
void swap_redact(const char *s, char *out, size_t len)
{
	static const char *const pfx[] = { "DHHC-1:", "NVMeTLSkey-1:" };
	size_t o = 0, i;

	if (!len)
		return;
	while (*s && o + 1 < len) {
		for (i = 0; i < sizeof(pfx) / sizeof(pfx[0]); i++)
			if (!strncmp(s, pfx[i], strlen(pfx[i])))
				break;
		if (i == sizeof(pfx) / sizeof(pfx[0])) {
			out[o++] = *s++;
			continue;
		}
		o += snprintf(out + o, len - o, "%s<redacted>", pfx[i]);
		if (o >= len)
			o = len - 1;
		s += strlen(pfx[i]);
		while (*s && !strchr(" \t\n\"',;}]", *s))
			s++;
	}
	out[o] = 0;
}

static void say_to(FILE *f, const char *prefix, const char *fmt, va_list ap)
{
	char *msg = NULL, *red;
	size_t n;

	if (vasprintf(&msg, fmt, ap) < 0)
		return;
	n = strlen(msg) * 2 + 64;
	red = malloc(n);
	if (red) {
		swap_redact(msg, red, n);
		fprintf(f, "%s%s\n", prefix, red);
	}
	fflush(f);
	free(red);
	free(msg);
}

void swap_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say_to(stdout, "swap: ", fmt, ap);
	va_end(ap);
}

void swap_err(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	say_to(stderr, "storage-hotfix: error: ", fmt, ap);
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

/* The build-id of a module file (plain, .xz or .zst; decompression capped). */
int file_buildid(const char *path, char *out, size_t len)
{
	struct shf_build_id id;
	char *err = NULL, hexid[2 * SHF_BUILD_ID_MAX + 1];
	int fd, rc = 0;

	out[0] = 0;
	fd = shf_ko_open(path, &err);
	if (fd < 0) {
		free(err);
		return access(path, R_OK) ? -ENOENT : -ENOTSUP;
	}
	if (shf_elf_build_id(fd, &id) || !id.n)
		rc = -ENOTSUP;
	close(fd);
	if (!rc) {
		shf_build_id_hex(&id, hexid);
		xsnprintf(out, len, "%s", hexid);
	}
	return rc;
}

/* The value of modinfo KEY in FILE ("" when absent); -EINVAL: not a module. */
static int file_modinfo(const char *path, const char *key, char *out, size_t len)
{
	char *v = NULL, *err = NULL;

	out[0] = 0;
	if (shf_ko_info(path, key, &v, &err)) {
		free(err);
		return -EINVAL;
	}
	xsnprintf(out, len, "%s", v ? v : "");
	free(v);
	return 0;
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

/*
 * The first NAME.ko* below /lib/modules/KVER/SUB ("kernel": the distro's),
 * NAME spelt with '_' or '-' (files use both; the kernel says '_').
 */
static int find_module_file(const char *kver, const char *sub, const char *name, char *out, size_t len)
{
	char dir[PATH_MAX], alt[64], *f;
	size_t i;

	xsnprintf(dir, sizeof(dir), "/lib/modules/%s/%s", kver, sub);
	for (i = 0; name[i] && i + 1 < sizeof(alt); i++)
		alt[i] = name[i] == '_' ? '-' : name[i] == '-' ? '_' : name[i];
	alt[i] = 0;
	f = shf_find_module(dir, name);
	if (!f)
		f = shf_find_module(dir, alt);
	if (!f)
		return -ENOENT;
	xsnprintf(out, len, "%s", f);
	free(f);
	return 0;
}

/*
 * mod_prepare: who is NAME now, and what replaces it. need_ours: the
 * replacement is ours (--module PATH or the stamped file in updates/);
 * else (rollback) c->module_override names it.
 */
static int mod_prepare(struct swap_ctx *c, struct swap_mod *m, const char *name, bool need_ours)
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
	find_module_file(c->kver, "kernel", name, stock, sizeof(stock));
	if (m->loaded) {
		char up[PATH_MAX] = "";

		if (m->running_id[0] && !strcmp(m->running_id, m->new_id)) {
			xsnprintf(m->prev_path, sizeof(m->prev_path), "%s", ours);
		} else if (c->running_hint && file_buildid(c->running_hint, id, sizeof(id)) == 0 &&
			   !strcmp(id, m->running_id)) {
			xsnprintf(m->prev_path, sizeof(m->prev_path), "%s", c->running_hint);
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
	double until = swap_now() + 10;
	int rc;

	if (!mod_is_loaded(name))
		return 0;
	for (;;) {
		rc = kern_remove(name);
		/* released asynchronously (controller deletion): retry */
		if ((rc == -EAGAIN || rc == -EBUSY || rc == -EWOULDBLOCK) && swap_now() < until) {
			usleep(50000);
			continue;
		}
		break;
	}
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
	int rc = load_deps(path);

	if (rc)
		return rc;
	rc = kern_insert(path, params);
	if (rc)
		swap_err("loading %s%s%s failed: %s (the kernel log says why: dmesg | tail)", path,
			 params && *params ? " " : "", params ? params : "", strerror(-rc));
	return rc;
}

int mod_load_name(const char *name, const char *params)
{
	int rc = kern_probe(name, params);

	if (rc)
		swap_err("loading %s failed: %s", name, strerror(-rc));
	return rc;
}

/* The running NAME must be the file whose build-id is WANT. */
static int mod_check_running(const struct swap_mod *m, const char *want)
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
	if (lstat(c->state_dir, &st) || !S_ISDIR(st.st_mode)) {
		swap_err("%s is not a directory", c->state_dir);
		return -ENOTDIR;
	}
	if ((st.st_mode & 077) || st.st_uid != geteuid()) {
		if (st.st_uid != geteuid() || chmod(c->state_dir, 0700)) {
			swap_err("%s is open to other users (mode %o, uid %u): fix it with chmod 0700",
				 c->state_dir, (unsigned int)(st.st_mode & 0777), (unsigned int)st.st_uid);
			return -EPERM;
		}
	}
	return 0;
}

static void fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/*
 * state_write: FILE in the state dir, mode 0600, written to a temporary
 * file, fsync'd, then put in place: renamed over the old one, or with
 * excl linked, which fails when FILE exists (a saved state is never
 * replaced by a later save).
 */
int state_write(const struct swap_ctx *c, const char *file, json_object *o, bool excl)
{
	char p[PATH_MAX], tmp[PATH_MAX];
	const char *s;
	int fd, rc;

	rc = state_dir_make(c);
	if (rc)
		return rc;
	xsnprintf(p, sizeof(p), "%s/%s", c->state_dir, file);
	xsnprintf(tmp, sizeof(tmp), "%s.tmp.%d", p, (int)getpid());
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
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
	if (!rc && (excl ? link(tmp, p) : rename(tmp, p)))
		rc = -errno;
	unlink(tmp);
	if (rc) {
		swap_err("cannot write %s: %s", p, strerror(-rc));
		return rc;
	}
	fsync_dir(c->state_dir);
	return 0;
}

json_object *state_read(const struct swap_ctx *c, const char *file)
{
	char p[PATH_MAX];

	xsnprintf(p, sizeof(p), "%s/%s", c->state_dir, file);
	if (access(p, F_OK))
		return NULL;
	return json_object_from_file(p);
}

void state_remove(const struct swap_ctx *c, const char *file)
{
	char p[PATH_MAX];

	xsnprintf(p, sizeof(p), "%s/%s", c->state_dir, file);
	if (unlink(p) && errno != ENOENT)
		swap_err("cannot remove %s: %s (remove it by hand: it may hold secrets)", p, strerror(errno));
	else
		fsync_dir(c->state_dir);
}

const char *jstring(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

json_object *jarr(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_array))
		return NULL;
	return v;
}

bool jbool(json_object *o, const char *key)
{
	json_object *v;

	return o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_boolean) &&
	       json_object_get_boolean(v);
}

/* --- the lock ------------------------------------------------------------ */

/*
 * One lock for swap, rollback and recover: an flock on STATE/lock, held
 * until the process ends (the kernel drops it even on SIGKILL). The file
 * says who holds it.
 */
static int swap_lock(const struct swap_ctx *c, const char *what)
{
	char p[PATH_MAX], who[256] = "", when[64];
	time_t now = time(NULL);
	ssize_t r;
	int fd;

	if (state_dir_make(c))
		return -EPERM;
	xsnprintf(p, sizeof(p), "%s/%s", c->state_dir, SWAP_LOCK);
	fd = open(p, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		swap_err("cannot open the lock %s: %s", p, strerror(errno));
		return -errno;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		r = pread(fd, who, sizeof(who) - 1, 0);
		who[r > 0 ? r : 0] = 0;
		who[strcspn(who, "\n")] = 0;
		swap_err("another swap, rollback or recover is running (%s): nothing was done",
			 who[0] ? who : "holder unknown");
		fprintf(stderr, "  wait for it to end, then run the command again (lock: %s)\n", p);
		close(fd);
		return -EBUSY;
	}
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	if (ftruncate(fd, 0) == 0)
		dprintf(fd, "pid %d: storage-hotfix %s since %s\n", (int)getpid(), what, when);
	return 0;	/* fd stays open: the lock lives as long as we do */
}

/* --- the journal --------------------------------------------------------- */

/*
 * The journal (STATE/journal.json, 0600) holds one transaction: which
 * module was running before (file, build-id, parameters), what replaces
 * it, the dependents, the driver's saved state (with its secrets) and the
 * phase. It is created (never replacing one) before anything is torn
 * down and written again, fsync'd, before every destructive step; it is
 * removed only once the module that should run runs with its state back.
 * Phases: saved (nothing changed yet), stopping, unloading, loading
 * (load, restore, check), rolling-back, committed.
 */
static int journal_phase(struct swap_ctx *c, const char *phase)
{
	json_object_object_add(c->journal, "phase", json_object_new_string(phase));
	return state_write(c, SWAP_JOURNAL, c->journal, false);
}

static sigset_t saved_sigmask;

/* INT, TERM, HUP and QUIT wait until the transaction has ended. */
static void defer_signals(bool on)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGINT);
	sigaddset(&s, SIGTERM);
	sigaddset(&s, SIGHUP);
	sigaddset(&s, SIGQUIT);
	if (on)
		sigprocmask(SIG_BLOCK, &s, &saved_sigmask);
	else
		sigprocmask(SIG_SETMASK, &saved_sigmask, NULL);
}

/*
 * In a child the swap starts (rpc.mountd, rpc.nfsd, systemctl): the
 * blocked signals are inherited across exec, and an rpc.mountd started
 * with SIGTERM blocked outlives the next swap's stop and pins nfsd.
 */
void swap_child_signals(void)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static void swap_down_begin(struct swap_ctx *c)
{
	c->t_down = swap_now();
}

static void swap_down_end(struct swap_ctx *c)
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
		if (!mod_is_loaded(deps[i].name))
			continue;
		rc = mod_unload(deps[i].name);
		if (rc)
			return rc;
	}
	return mod_unload(m->name);
}

/* Load PATH as M, then the dependents that were loaded, by name. */
/*
 * Load PATH as M, then the dependents that were loaded: forward by name
 * (modprobe's choice, ours when installed), back (undo) from the file each
 * one ran from, so that recover leaves what ran before.
 */
static int load_all(struct swap_mod *m, const char *path, struct swap_mod *deps, int ndeps, bool back)
{
	int i, rc;

	rc = mod_is_loaded(m->name) ? 0 : mod_load_file(path, m->params);
	for (i = 0; !rc && i < ndeps; i++) {
		if (!deps[i].loaded || mod_is_loaded(deps[i].name))
			continue;
		rc = back && deps[i].prev_path[0] ? mod_load_file(deps[i].prev_path, deps[i].params) :
						    mod_load_name(deps[i].name, deps[i].params);
	}
	return rc;
}

/* The file NAME runs from: the distro's, ours in updates/, or modprobe's, by build-id. */
static void running_file(const struct swap_ctx *c, const char *name, const char *id, char *out, size_t len)
{
	char f[PATH_MAX], fid[129];
	int i;

	out[0] = 0;
	for (i = 0; i < 3 && id[0]; i++) {
		if ((i == 0 && find_module_file(c->kver, "kernel", name, f, sizeof(f))) ||
		    (i == 1 && find_module_file(c->kver, "updates", name, f, sizeof(f))) ||
		    (i == 2 && lookup_path(name, f, sizeof(f))))
			continue;
		if (file_buildid(f, fid, sizeof(fid)) == 0 && !strcmp(fid, id)) {
			xsnprintf(out, len, "%s", f);
			return;
		}
	}
}

/*
 * last-MODULE.json: the module that ran before the swap ("previous"), the
 * one loaded, and whether a rollback went back to the previous one. A
 * rollback keeps "previous": rolling back twice stays on it.
 */
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
	json_object_object_add(o, "rolled_back", json_object_new_boolean(false));
	xsnprintf(f, sizeof(f), "last-%s.json", m->name);
	rc = state_write(c, f, o, false);
	json_object_put(o);
	return rc;
}

static void record_rolled_back(const struct swap_ctx *c, const char *module)
{
	char f[128];
	json_object *o;

	xsnprintf(f, sizeof(f), "last-%s.json", module);
	o = state_read(c, f);
	if (!o)
		return;
	json_object_object_add(o, "rolled_back", json_object_new_boolean(true));
	json_object_object_add(o, "time", json_object_new_int64(time(NULL)));
	state_write(c, f, o, false);
	json_object_put(o);
}

/*
 * bring_up: load path (and the dependents), restore the users' state,
 * check that the running module has build-id id and that the state is
 * back. The same steps for the swap and for its undo.
 */
static int bring_up(struct swap_ctx *c, const struct swap_driver *d, void *priv, struct swap_mod *m,
		    const char *path, const char *id, struct swap_mod *deps, int ndeps, bool back)
{
	int rc = load_all(m, path, deps, ndeps, back);

	if (!rc && d->restore)
		rc = d->restore(c, priv);
	if (!rc)
		rc = mod_check_running(m, id);
	if (!rc && d->check)
		rc = d->check(c, priv);
	return rc;
}

/*
 * undo: back to the module that ran before (m->prev_path, m->running_id)
 * with the saved state: stop whatever half-state there is, unload what
 * is not the module that ran before, bring that one up. The failed swap
 * and `recover` both end here.
 */
static int undo(struct swap_ctx *c, const struct swap_driver *d, void *priv, struct swap_mod *m,
		struct swap_mod *deps, int ndeps)
{
	char h[129];
	int rc = 0;

	if (journal_phase(c, "rolling-back"))
		swap_err("%s: the journal could not be updated; going on with the rollback", m->name);
	if (d->stop)
		d->stop(c, priv);
	if (mod_is_loaded(m->name) && mod_running_buildid(m->name, h, sizeof(h)) == 0 &&
	    !strcmp(h, m->running_id))
		swap_say("%s: the module that ran before is still loaded", m->name);
	else
		rc = unload_all(m, deps, ndeps);
	if (!rc)
		rc = bring_up(c, d, priv, m, m->prev_path, m->running_id, deps, ndeps, true);
	return rc;
}

/* The value of modinfo KEY in FILE, first word only when word. */
static void modinfo_word(const char *path, const char *key, char *out, size_t len, bool word)
{
	if (file_modinfo(path, key, out, len) < 0)
		out[0] = 0;
	if (word)
		out[strcspn(out, " ")] = 0;
}

/* modversions: every symbol both files import must carry the same CRC. */
static int versions_differ(const char *ours, const char *theirs, char *sym, size_t len)
{
	/* one context each: libkmod keeps one module per name in a context */
	struct kmod_ctx *ca = kmod_new(NULL, NULL), *cb = kmod_new(NULL, NULL);
	struct kmod_module *a = NULL, *b = NULL;
	struct kmod_list *la = NULL, *lb = NULL, *i, *j;
	char *err = NULL;
	int bad = 0, fa = -1, fb = -1;

	sym[0] = 0;
	a = ca && cb ? shf_ko_kmod(ca, ours, &fa, &err) : NULL;
	b = a ? shf_ko_kmod(cb, theirs, &fb, &err) : NULL;
	if (b && kmod_module_get_versions(a, &la) >= 0 && kmod_module_get_versions(b, &lb) >= 0) {
		kmod_list_foreach(i, la) {
			const char *s = kmod_module_version_get_symbol(i);

			kmod_list_foreach(j, lb) {
				if (strcmp(s, kmod_module_version_get_symbol(j)))
					continue;
				if (kmod_module_version_get_crc(i) != kmod_module_version_get_crc(j) && !bad++)
					xsnprintf(sym, len, "%s", s);
				break;
			}
		}
	}
	free(err);
	kmod_module_versions_free_list(la);
	kmod_module_versions_free_list(lb);
	if (a)
		kmod_module_unref(a);
	if (b)
		kmod_module_unref(b);
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	kmod_unref(ca);
	kmod_unref(cb);
	return bad;
}

/*
 * preflight: what the kernel would check when loading, checked before
 * anything is torn down, so that the common failures refuse with no
 * downtime: vermagic, symbol CRCs against the module that runs (same
 * kernel, so its CRCs are the kernel's), a signature where the kernel
 * enforces them, and the dependencies on disk.
 */
static int preflight(const struct swap_ctx *c, const struct swap_mod *m)
{
	char v[512], sig[256], sym[128], path[PATH_MAX];
	char deps[1024], *save = NULL, *dp;
	const char *enforced = NULL;
	struct shf_secure sec;
	int bad = 0, n;

	modinfo_word(m->new_path, "vermagic", v, sizeof(v), false);
	if (m->prev_path[0])
		modinfo_word(m->prev_path, "vermagic", sig, sizeof(sig), false);
	else
		sig[0] = 0;
	if (strncmp(v, c->kver, strlen(c->kver)) || (v[strlen(c->kver)] && v[strlen(c->kver)] != ' ')) {
		swap_err("%s: refused: %s was built for kernel %.*s, this is %s", m->name, m->new_path,
			 v[0] ? (int)strcspn(v, " ") : 14, v[0] ? v : "(no vermagic)", c->kver);
		fprintf(stderr, "  install the build for %s (its storage-hotfix-modules package or DKMS)\n", c->kver);
		bad++;
	} else if (sig[0] && strcmp(v, sig)) {
		/* the kernel compares the rest too: SMP, preempt model, modversions */
		swap_err("%s: refused: vermagic \"%s\" differs from the running kernel's \"%s\"", m->name, v, sig);
		fprintf(stderr, "  %s was built with another configuration: rebuild it for %s\n", m->new_path, c->kver);
		bad++;
	}
	n = m->prev_path[0] ? versions_differ(m->new_path, m->prev_path, sym, sizeof(sym)) : 0;
	if (n) {
		swap_err("%s: refused: %d symbol version(s) differ from the running kernel's (first: %s)", m->name,
			 n, sym);
		fprintf(stderr, "  %s was built against other kernel headers: rebuild it for %s\n", m->new_path,
			c->kver);
		bad++;
	}
	/* what makes this kernel load only signed modules, if anything */
	shf_secure_read("/sys", &sec);
	if (sec.sig_enforce == 1)
		enforced = "module.sig_enforce";
	else if (sec.lockdown && (!strcmp(sec.lockdown, "integrity") || !strcmp(sec.lockdown, "confidentiality")))
		enforced = "lockdown";
	shf_secure_free(&sec);
	modinfo_word(m->new_path, "sig_id", sig, sizeof(sig), false);
	if (enforced && !sig[0]) {
		swap_err("%s: refused: %s is not signed and this kernel loads only signed modules (%s)", m->name,
			 m->new_path, enforced);
		fprintf(stderr, "  install the channel's signed package, or sign it with a key the kernel trusts\n");
		bad++;
	} else if (enforced) {
		/* signed, but by a key the kernel lacks: it would refuse the load */
		modinfo_word(m->new_path, "signer", sig, sizeof(sig), false);
		if (sig[0] && shf_signer_trusted("/proc/keys", sig) == 0) {
			swap_err("%s: refused: %s is signed by \"%s\", a key this kernel does not hold, and it loads only signed modules (%s)", m->name, m->new_path, sig,
				 enforced);
			fprintf(stderr, "  enrol the signer's certificate as a Machine Owner Key and reboot: mokutil --import " SHF_SHARE "/module-signing.der (package storage-hotfix-signing-cert)\n");
			bad++;
		}
	}
	modinfo_word(m->new_path, "depends", deps, sizeof(deps), false);
	for (dp = strtok_r(deps, ",", &save); dp; dp = strtok_r(NULL, ",", &save)) {
		if (!*dp || mod_is_loaded(dp) || find_module_file(c->kver, "", dp, path, sizeof(path)) == 0)
			continue;
		swap_err("%s: refused: it needs module %s, which is neither loaded nor in /lib/modules/%s",
			 m->name, dp, c->kver);
		bad++;
	}
	return bad ? -EINVAL : 0;
}

static json_object *mod_json(const char *name, const char *path, const char *id, const char *params)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "module", json_object_new_string(name));
	json_object_object_add(o, "path", json_object_new_string(path));
	json_object_object_add(o, "build_id", json_object_new_string(id));
	json_object_object_add(o, "parameters", json_object_new_string(params));
	return o;
}

static json_object *journal_new(const struct swap_ctx *c, const char *fix, const struct swap_driver *d,
				const struct swap_mod *m, const struct swap_mod *deps, int ndeps,
				json_object *state)
{
	json_object *j = json_object_new_object(), *a = json_object_new_array();
	int i;

	json_object_object_add(j, "schema", json_object_new_int(1));
	json_object_object_add(j, "fix", json_object_new_string(fix));
	json_object_object_add(j, "driver", json_object_new_string(d->name));
	json_object_object_add(j, "kernel", json_object_new_string(c->kver));
	json_object_object_add(j, "direction", json_object_new_string(c->to_stock ? "rollback" : "swap"));
	json_object_object_add(j, "phase", json_object_new_string("saved"));
	json_object_object_add(j, "pid", json_object_new_int(getpid()));
	json_object_object_add(j, "started", json_object_new_int64(time(NULL)));
	json_object_object_add(j, "before", mod_json(m->name, m->prev_path, m->running_id, m->params));
	json_object_object_add(j, "after", mod_json(m->name, m->new_path, m->new_id, m->params));
	for (i = 0; i < ndeps; i++) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "module", json_object_new_string(deps[i].name));
		json_object_object_add(o, "loaded", json_object_new_boolean(deps[i].loaded));
		json_object_object_add(o, "parameters", json_object_new_string(deps[i].params));
		json_object_object_add(o, "path", json_object_new_string(deps[i].prev_path));
		json_object_array_add(a, o);
	}
	json_object_object_add(j, "dependents", a);
	json_object_object_add(j, "state", state);
	return j;
}

static void journal_say_refusal(const struct swap_ctx *c, json_object *j)
{
	swap_err("an interrupted swap of %s (%s, phase %s, pid %d) is in %s/%s", jstring(j, "fix") ?: "?",
		 jstring(j, "direction") ?: "?", jstring(j, "phase") ?: "?",
		 json_object_get_int(json_object_object_get(j, "pid")), c->state_dir, SWAP_JOURNAL);
	fprintf(stderr, "  run `storage-hotfix recover` first: it brings back the module that ran before and its state\n");
}

/*
 * swap_run: pre-checks and pre-flight (refuse: nothing changes), the plan,
 * the journal with the saved state, stop the users (down time starts),
 * unload the dependents and the module, load the replacement with the
 * same parameters, reload the dependents, restore, check (down time
 * ends). A failure after the stop undoes it all (undo()).
 */
static int swap_run(struct swap_ctx *c, const char *fix, const struct swap_driver *d)
{
	struct swap_mod m, deps[SWAP_MAX_MODS];
	int ndeps = 0, rc, rrc, i;
	const char *name = d->module;
	json_object *state;
	void *priv;
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
	for (i = 0; d->dependents && d->dependents[i] && ndeps < SWAP_MAX_MODS; i++) {
		memset(&deps[ndeps], 0, sizeof(deps[ndeps]));
		xsnprintf(deps[ndeps].name, sizeof(deps[ndeps].name), "%s", d->dependents[i]);
		deps[ndeps].loaded = mod_is_loaded(d->dependents[i]);
		if (deps[ndeps].loaded) {
			mod_params(d->dependents[i], deps[ndeps].params, sizeof(deps[ndeps].params));
			mod_running_buildid(d->dependents[i], deps[ndeps].running_id, sizeof(deps[ndeps].running_id));
			running_file(c, d->dependents[i], deps[ndeps].running_id, deps[ndeps].prev_path,
				     sizeof(deps[ndeps].prev_path));
		}
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
	if (preflight(c, &m)) {
		swap_result(c, fix, &m, "refused", NULL);
		return -EINVAL;
	}
	priv = calloc(1, d->priv_size);
	if (!priv)
		return -ENOMEM;
	rc = d->precheck ? d->precheck(c, priv) : 0;
	if (rc) {
		swap_result(c, fix, &m, "refused", NULL);
		goto out;
	}
	swap_say("%s: plan (kernel %s):", fix, c->kver);
	if (d->plan_save)
		d->plan_save(c, priv);
	swap_say("  journal the saved state in %s/%s (mode 0600) before anything is stopped", c->state_dir,
		 SWAP_JOURNAL);
	swap_say("  unload %s (running build-id %s, from %s)", name, m.running_id[0] ? m.running_id : "?",
		 m.prev_path);
	for (i = 0; i < ndeps; i++)
		if (deps[i].loaded)
			swap_say("  unload %s first, reload it after (options: %s)", deps[i].name,
				 deps[i].params[0] ? deps[i].params : "none");
	swap_say("  load %s (build-id %s) with options: %s", m.new_path, m.new_id[0] ? m.new_id : "?",
		 m.params[0] ? m.params : "none");
	if (d->plan_restore)
		d->plan_restore(c, priv);
	swap_say("  on failure: load %s again and restore the same state; if this is killed, `storage-hotfix recover` does that", m.prev_path);
	if (c->dry_run) {
		swap_result(c, fix, &m, "dry-run", NULL);
		goto out;
	}

	state = d->save ? d->save(c, priv) : json_object_new_object();
	if (!state) {
		swap_err("%s: saving the state failed: nothing was changed", fix);
		swap_result(c, fix, &m, "failed", NULL);
		rc = -EIO;
		goto out;
	}
	c->journal = journal_new(c, fix, d, &m, deps, ndeps, state);
	rc = state_write(c, SWAP_JOURNAL, c->journal, true);
	if (rc) {
		swap_err("%s: the journal could not be written: nothing was changed", fix);
		swap_result(c, fix, &m, "failed", NULL);
		goto out;
	}
	swap_say("%s: state saved in %s/%s", fix, c->state_dir, SWAP_JOURNAL);
	defer_signals(true);
	swap_down_begin(c);
	rc = journal_phase(c, "stopping");
	if (!rc && d->stop)
		rc = d->stop(c, priv);
	if (!rc)
		rc = journal_phase(c, "unloading");
	if (!rc)
		rc = unload_all(&m, deps, ndeps);
	if (!rc)
		rc = journal_phase(c, "loading");
	if (!rc)
		rc = bring_up(c, d, priv, &m, m.new_path, m.new_id, deps, ndeps, false);
	if (!rc) {
		swap_down_end(c);
		journal_phase(c, "committed");
		swap_say("%s: %s swapped: build-id %s -> %s; state restored and checked", fix, name,
			 m.running_id, m.new_id);
		if (d->done)
			d->done(c, priv, true);
		if (c->to_stock)
			record_rolled_back(c, m.name);
		else
			record_swap(c, fix, &m);
		state_remove(c, SWAP_JOURNAL);
		swap_say("%s: downtime_s=%.3f", fix, c->downtime);
		swap_result(c, fix, &m, c->to_stock ? "rolled-back" : "swapped", m.new_id);
		goto unblock;
	}

	swap_err("%s: swap failed: rolling back to %s", fix, m.prev_path);
	rrc = undo(c, d, priv, &m, deps, ndeps);
	swap_down_end(c);
	if (d->done)
		d->done(c, priv, !rrc);
	if (rrc) {
		swap_err("%s: ROLLBACK FAILED: %s is %s; the journal stays in %s/%s", fix, name,
			 mod_is_loaded(name) ? "loaded but not checked" : "not loaded", c->state_dir, SWAP_JOURNAL);
		fprintf(stderr, "  fix what the errors above name, then run `storage-hotfix recover`\n");
		swap_result(c, fix, &m, "failed", NULL);
		rc = rrc;
		goto unblock;
	}
	state_remove(c, SWAP_JOURNAL);
	swap_say("%s: rolled back to %s (build-id %s); state restored and checked", fix, m.prev_path,
		 m.running_id);
	swap_say("%s: downtime_s=%.3f", fix, c->downtime);
	swap_result(c, fix, &m, "rolled-back", m.running_id);
unblock:
	defer_signals(false);
out:
	if (d->release)
		d->release(priv);
	free(priv);
	json_object_put(c->journal);
	c->journal = NULL;
	return rc;
}

/* --- fixes and drivers ---------------------------------------------------- */

static const struct swap_driver *const drivers[] = {
	/* the order of `all`: nvmet first, its swap also reloads nvme-loop */
	&swap_driver_nvmet, &swap_driver_nvme_loop, &swap_driver_nfsd,
};
#define NDRIVERS (sizeof(drivers) / sizeof(drivers[0]))

static const struct swap_driver *driver_named(const char *name)
{
	size_t i;

	for (i = 0; name && i < NDRIVERS; i++)
		if (!strcmp(drivers[i]->name, name))
			return drivers[i];
	return NULL;
}

static bool same_module_name(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (*a != *b && !((*a == '-' || *a == '_') && (*b == '-' || *b == '_')))
			return false;
	return !*a && !*b;
}

/* The fix (from fix.conf) ARG names: its id, folder, module or driver. */
static const struct shf_fix *fix_for(const struct shf_fix *v, size_t n, const char *arg)
{
	size_t i;
	const char *base;

	for (i = 0; i < n; i++) {
		if (!v[i].swap || !driver_named(v[i].swap))
			continue;
		base = strrchr(v[i].dir, '/');
		base = base ? base + 1 : v[i].dir;
		if (!strcmp(arg, v[i].id) || same_module_name(arg, base) || same_module_name(arg, v[i].module) ||
		    !strcmp(arg, v[i].swap))
			return &v[i];
	}
	return NULL;
}

static const struct shf_fix *fix_of_driver(const struct shf_fix *v, size_t n, const struct swap_driver *d)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].swap && !strcmp(v[i].swap, d->name))
			return &v[i];
	return NULL;
}

static int swap_usage(FILE *f, int rc)
{
	fprintf(f, "usage: storage-hotfix swap FIX|all [--dry-run] [--module PATH] [--no-second-path] [--state-dir DIR] [--data DIR]\n"
		"       storage-hotfix rollback [FIX|all] [--dry-run] [--no-second-path] [--state-dir DIR] [--data DIR]\n"
		"       storage-hotfix recover [--state-dir DIR] [--data DIR]\n"
		"FIX: a fix id, its folder or its module (fix.conf FIX_SWAP names the driver)\n"
		"--no-second-path: nvme-loop readers see I/O errors during the swap instead of a temporary\n"
		"  nvme-tcp path on 127.0.0.1 (native multipath keeps the namespace through it)\n"
		"Prints the plan, does it, and one machine-readable line per module:\n"
		"  swap-result fix=F module=M result=swapped|rolled-back|recovered|refused|failed|dry-run|already ...\n");
	return rc;
}

/* rollback: to the "previous" module of last-MODULE.json, if not there yet. */
static int rollback_one(struct swap_ctx *c, const char *fix, const struct swap_driver *d)
{
	char f[128], prev[PATH_MAX], hint[PATH_MAX], id[129] = "";
	const char *pp, *pid;
	json_object *o;
	int rc;

	xsnprintf(f, sizeof(f), "last-%s.json", d->module);
	o = state_read(c, f);
	pp = jstring(o, "previous_path");
	pid = jstring(o, "previous_build_id");
	if (!pp || !pid) {
		swap_say("%s: no swap recorded in %s/%s: nothing to roll back", fix, c->state_dir, f);
		json_object_put(o);
		return 0;
	}
	xsnprintf(prev, sizeof(prev), "%s", pp);
	if (mod_running_buildid(d->module, id, sizeof(id)) == 0 && !strcmp(id, pid)) {
		swap_say("%s: %s already runs the module from before the swap (%s, build-id %s)", fix, d->module,
			 prev, pid);
		printf("swap-result fix=%s module=%s result=already downtime_s=0.000 from=%s to=%s\n", fix,
		       d->module, id, id);
		json_object_put(o);
		return 0;
	}
	/* the file loaded by the swap, to come back to if this fails */
	xsnprintf(hint, sizeof(hint), "%s", jstring(o, "loaded_path") ?: "");
	json_object_put(o);
	c->module_override = prev;
	c->running_hint = hint;
	rc = swap_run(c, fix, d);
	c->module_override = NULL;
	c->running_hint = NULL;
	return rc;
}

static int run_one(struct swap_ctx *c, const char *fix, const struct swap_driver *d)
{
	c->downtime = 0;
	c->t_down = 0;
	return c->to_stock ? rollback_one(c, fix, d) : swap_run(c, fix, d);
}

/*
 * recover: the journal of an interrupted transaction. Phase "saved":
 * nothing was changed, drop it. "committed": the swap ended, record it.
 * Any other: undo(), i.e. the module that ran before with its state.
 */
static int recover(struct swap_ctx *c)
{
	json_object *j = state_read(c, SWAP_JOURNAL), *b, *deplist, *st;
	const struct swap_driver *d;
	struct swap_mod m, deps[SWAP_MAX_MODS];
	const char *phase, *fix;
	int ndeps = 0, rc;
	size_t i;
	void *priv;

	memset(&m, 0, sizeof(m));
	if (!j) {
		char p[PATH_MAX];

		xsnprintf(p, sizeof(p), "%s/%s", c->state_dir, SWAP_JOURNAL);
		if (!access(p, F_OK)) {
			swap_err("%s is not readable JSON: restore by hand (it holds the saved state)", p);
			return -EINVAL;
		}
		swap_say("recover: no interrupted swap (no %s)", p);
		return 0;
	}
	phase = jstring(j, "phase");
	fix = jstring(j, "fix");
	d = driver_named(jstring(j, "driver"));
	b = json_object_object_get(j, "before");
	st = json_object_object_get(j, "state");
	deplist = jarr(j, "dependents");
	if (!phase || !fix || !d || !jstring(b, "path") || !jstring(b, "build_id") || !jstring(b, "parameters") ||
	    !json_object_is_type(st, json_type_object) || !deplist) {
		swap_err("the journal %s/%s lacks a field recover needs (phase, fix, driver, before, state, dependents): restore by hand", c->state_dir, SWAP_JOURNAL);
		json_object_put(j);
		return -EINVAL;
	}
	xsnprintf(m.name, sizeof(m.name), "%s", d->module);
	xsnprintf(m.prev_path, sizeof(m.prev_path), "%s", jstring(b, "path"));
	xsnprintf(m.running_id, sizeof(m.running_id), "%s", jstring(b, "build_id"));
	xsnprintf(m.params, sizeof(m.params), "%s", jstring(b, "parameters"));
	for (i = 0; i < json_object_array_length(deplist) && ndeps < SWAP_MAX_MODS; i++) {
		json_object *o = json_object_array_get_idx(deplist, i);

		memset(&deps[ndeps], 0, sizeof(deps[ndeps]));
		xsnprintf(deps[ndeps].name, sizeof(deps[ndeps].name), "%s", jstring(o, "module") ?: "");
		deps[ndeps].loaded = jbool(o, "loaded");
		xsnprintf(deps[ndeps].params, sizeof(deps[ndeps].params), "%s", jstring(o, "parameters") ?: "");
		xsnprintf(deps[ndeps].prev_path, sizeof(deps[ndeps].prev_path), "%s", jstring(o, "path") ?: "");
		if (deps[ndeps].name[0])
			ndeps++;
	}
	swap_say("recover: %s of %s (%s) was interrupted in phase %s", jstring(j, "direction") ?: "swap", fix,
		 d->module, phase);
	if (!strcmp(phase, "saved")) {
		swap_say("recover: nothing had been changed yet");
		state_remove(c, SWAP_JOURNAL);
		swap_result(c, fix, &m, "recovered", m.running_id);
		json_object_put(j);
		return 0;
	}
	if (!strcmp(phase, "committed")) {
		json_object *a = json_object_object_get(j, "after");

		xsnprintf(m.new_path, sizeof(m.new_path), "%s", jstring(a, "path") ?: "");
		xsnprintf(m.new_id, sizeof(m.new_id), "%s", jstring(a, "build_id") ?: "");
		swap_say("recover: the swap had ended; recording it");
		if (!strcmp(jstring(j, "direction") ?: "", "rollback"))
			record_rolled_back(c, m.name);
		else
			record_swap(c, fix, &m);
		state_remove(c, SWAP_JOURNAL);
		swap_result(c, fix, &m, "recovered", m.new_id);
		json_object_put(j);
		return 0;
	}
	priv = calloc(1, d->priv_size);
	if (!priv) {
		json_object_put(j);
		return -ENOMEM;
	}
	rc = d->load ? d->load(c, priv, st) : 0;
	if (rc) {
		swap_err("recover: the saved state in the journal is not usable: restore by hand");
		goto out;
	}
	swap_say("recover: bring back %s (build-id %s) with the saved state", m.prev_path, m.running_id);
	c->journal = j;
	defer_signals(true);
	swap_down_begin(c);
	rc = undo(c, d, priv, &m, deps, ndeps);
	swap_down_end(c);
	if (d->done)
		d->done(c, priv, !rc);
	if (rc) {
		swap_err("recover: %s could not be brought back; the journal stays in %s/%s", d->module,
			 c->state_dir, SWAP_JOURNAL);
		fprintf(stderr, "  fix what the errors above name, then run `storage-hotfix recover` again\n");
		swap_result(c, fix, &m, "failed", NULL);
	} else {
		state_remove(c, SWAP_JOURNAL);
		swap_say("recover: %s runs %s again with its state restored and checked", d->module, m.running_id);
		swap_result(c, fix, &m, "recovered", m.running_id);
	}
	defer_signals(false);
	c->journal = NULL;
out:
	if (d->release)
		d->release(priv);
	free(priv);
	json_object_put(j);
	return rc;
}

enum swap_cmd { SWAP, ROLLBACK, RECOVER };

static int swap_main(int argc, char **argv, enum swap_cmd cmd)
{
	static const char *const names[] = { "swap", "rollback", "recover" };
	struct swap_ctx c = { .state_dir = SWAP_STATE_DIR };
	struct shf_fix *fixes = NULL;
	const struct shf_fix *f;
	const char *what = NULL, *data = NULL;
	char *dir = NULL, *err = NULL;
	struct utsname u;
	json_object *j;
	size_t nfixes = 0, i;
	int rc = 0;

	for (int a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--dry-run") && cmd != RECOVER)
			c.dry_run = true;
		else if (!strcmp(argv[a], "--no-second-path") && cmd != RECOVER)
			c.no_second_path = true;
		else if (!strcmp(argv[a], "--module") && a + 1 < argc && cmd == SWAP)
			c.module_override = argv[++a];
		else if (!strcmp(argv[a], "--state-dir") && a + 1 < argc)
			c.state_dir = argv[++a];
		else if (!strcmp(argv[a], "--data") && a + 1 < argc)
			data = argv[++a];
		else if (!strcmp(argv[a], "-h") || !strcmp(argv[a], "--help"))
			return swap_usage(stdout, 0);
		else if (argv[a][0] != '-' && !what && cmd != RECOVER)
			what = argv[a];
		else {
			swap_err("unknown argument %s", argv[a]);
			return swap_usage(stderr, 2);
		}
	}
	if (!what && cmd == ROLLBACK)
		what = "all";
	if (!what && cmd == SWAP)
		return swap_usage(stderr, 2);
	uname(&u);
	xsnprintf(c.kver_buf, sizeof(c.kver_buf), "%s", u.release);
	c.kver = c.kver_buf;
	if (geteuid() != 0 && !c.dry_run) {
		swap_err("%s needs root: run it with sudo%s", names[cmd], cmd == RECOVER ? "" : " (or try --dry-run)");
		return 1;
	}
	c.to_stock = cmd == ROLLBACK;
	if (!c.dry_run && swap_lock(&c, names[cmd]))
		return 1;
	if (cmd == RECOVER)
		return recover(&c) ? 1 : 0;
	j = state_read(&c, SWAP_JOURNAL);
	if (j) {
		journal_say_refusal(&c, j);
		json_object_put(j);
		return 1;
	}
	dir = shf_data_dir(data, &err);
	if (!dir || shf_fixes_load(dir, &fixes, &nfixes, &err)) {
		swap_err("%s", err);
		free(err);
		free(dir);
		return 1;
	}
	if (!strcmp(what, "all")) {
		if (c.module_override) {
			swap_err("--module names one file: give one FIX with it");
			rc = 2;
			goto out;
		}
		for (i = 0; i < NDRIVERS; i++) {
			f = fix_of_driver(fixes, nfixes, drivers[i]);
			if (!f)
				continue;
			if (!mod_is_loaded(drivers[i]->module)) {
				swap_say("%s: %s is not loaded, nothing to swap (the next load takes the installed module)",
					 f->id, drivers[i]->module);
				continue;
			}
			/* results name the driver, as they always did: fix=nvmet */
			if (run_one(&c, drivers[i]->name, drivers[i]))
				rc = 1;
		}
		goto out;
	}
	f = fix_for(fixes, nfixes, what);
	if (!f) {
		swap_err("no swappable fix is named \"%s\" (fix.conf in %s: FIX_ID, folder, FIX_MODULE or FIX_SWAP)",
			 what, dir);
		rc = 2;
		goto out;
	}
	rc = run_one(&c, f->swap, driver_named(f->swap)) ? 1 : 0;
out:
	shf_fixes_free(fixes, nfixes);
	free(dir);
	return rc;
}

int cmd_swap(int argc, char **argv)
{
	return swap_main(argc, argv, SWAP);
}

int cmd_rollback(int argc, char **argv)
{
	return swap_main(argc, argv, ROLLBACK);
}

int cmd_recover(int argc, char **argv)
{
	return swap_main(argc, argv, RECOVER);
}
