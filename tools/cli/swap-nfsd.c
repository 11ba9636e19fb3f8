// SPDX-License-Identifier: GPL-2.0
/*
 * storage-hotfix swap nfsd: stop the NFS server (nfs-server.service when
 * systemd runs and has it; else 0 threads, rpc.mountd stopped, the nfsd
 * filesystem unmounted), reload nfsd with the same parameters, start it
 * again the same way (versions, lease and grace times, rpc.mountd with its
 * command line, the same thread count) and report the grace period in
 * which the clients reclaim their NFSv4 state.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "swap.h"

#define NFSD_FS "/proc/fs/nfsd"
#define MAX_MOUNTD 4

struct nfsd_priv {
	bool systemd;
	bool active;			/* nfs-server.service was active */
	bool mounted;
	int threads;
	char versions[256];
	char lease[32];
	char grace[32];
	bool cld;			/* nfsdcld runs (client tracking) */
	int nmountd;
	char mountd[MAX_MOUNTD][1024];	/* NUL-separated argv, double NUL at end */
	size_t mountd_len[MAX_MOUNTD];
};

static int run(const char *const argv[])
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		swap_child_signals();
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

static bool fs_mounted(void)
{
	char line[512];
	bool m = false;
	FILE *f = fopen("/proc/self/mounts", "re");

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, " " NFSD_FS " nfsd "))
			m = true;
	if (f)
		fclose(f);
	return m;
}

static bool have_systemd_unit(void)
{
	static const char *const dirs[] = { "/etc/systemd/system", "/lib/systemd/system",
					    "/usr/lib/systemd/system", NULL };
	char p[PATH_MAX];
	int i;

	if (access("/run/systemd/system", F_OK))
		return false;
	for (i = 0; dirs[i]; i++) {
		xsnprintf(p, sizeof(p), "%s/nfs-server.service", dirs[i]);
		if (!access(p, F_OK))
			return true;
	}
	return false;
}

/* Up to max pids of the processes whose comm is name; how many. */
static int pids_named(const char *name, pid_t *pids, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)) && n < max) {
		char path[PATH_MAX], comm[64];

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		xsnprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		if (read_line(path, comm, sizeof(comm)) || strcmp(comm, name))
			continue;
		pids[n++] = atoi(e->d_name);
	}
	if (d)
		closedir(d);
	return n;
}

/* rpc.mountd processes and their command lines. */
static int find_mountd(struct nfsd_priv *p, pid_t *pids)
{
	int i, n = 0, found = pids_named("rpc.mountd", pids, MAX_MOUNTD);

	for (i = 0; i < found; i++) {
		char path[PATH_MAX];
		int fd;
		ssize_t r;

		xsnprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pids[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		r = read(fd, p->mountd[n], sizeof(p->mountd[n]) - 2);
		close(fd);
		if (r <= 0)
			continue;
		p->mountd[n][r] = 0;
		p->mountd[n][r + 1] = 0;
		p->mountd_len[n] = r;
		pids[n++] = pids[i];
	}
	return n;
}

static int nf_precheck(struct swap_ctx *c, void *priv)
{
	struct nfsd_priv *p = priv;
	char v[64];
	pid_t pids[MAX_MOUNTD];

	(void)c;
	p->systemd = have_systemd_unit();
	if (p->systemd) {
		const char *const argv[] = { "systemctl", "is-active", "--quiet", "nfs-server.service", NULL };

		p->active = run(argv) == 0;
	}
	p->mounted = fs_mounted();
	p->threads = 0;
	if (p->mounted && read_line(NFSD_FS "/threads", v, sizeof(v)) == 0)
		p->threads = atoi(v);
	if (p->mounted) {
		read_line(NFSD_FS "/versions", p->versions, sizeof(p->versions));
		read_line(NFSD_FS "/nfsv4leasetime", p->lease, sizeof(p->lease));
		read_line(NFSD_FS "/nfsv4gracetime", p->grace, sizeof(p->grace));
	}
	p->nmountd = find_mountd(p, pids);
	p->cld = pids_named("nfsdcld", pids, 1) > 0;
	return 0;
}

static void nf_plan_save(struct swap_ctx *c, void *priv)
{
	struct nfsd_priv *p = priv;
	int i;

	(void)c;
	/*
	 * With nfsdcld, nfsd knows which clients held state and ends the
	 * grace period once all of them have reclaimed it.
	 */
	if (!p->cld)
		swap_say("  note: nfsdcld is not running: after the restart the NFSv4 grace period lasts its full %s s (start nfsdcld.service to let nfsd end it when every client has reclaimed)",
			 p->grace[0] ? p->grace : "?");
	if (p->systemd && p->active) {
		swap_say("  systemctl stop nfs-server.service");
		return;
	}
	if (p->systemd)
		swap_say("  nfs-server.service is not active: it stays stopped");
	swap_say("  record: %d thread(s), versions \"%s\", lease %s s, grace %s s", p->threads, p->versions,
		 p->lease[0] ? p->lease : "?", p->grace[0] ? p->grace : "?");
	swap_say("  stop: write 0 to %s/threads (rpc.nfsd 0)", NFSD_FS);
	for (i = 0; i < p->nmountd; i++)
		swap_say("  stop rpc.mountd (restarted as: %s ...)", p->mountd[i]);
	if (p->mounted)
		swap_say("  umount %s", NFSD_FS);
}

static void nf_plan_restore(struct swap_ctx *c, void *priv)
{
	struct nfsd_priv *p = priv;

	(void)c;
	if (p->systemd && p->active)
		swap_say("  systemctl start nfs-server.service");
	else
		swap_say("  mount %s, versions/lease/grace as before, rpc.mountd again, rpc.nfsd %d (or write the threads)",
			 NFSD_FS, p->threads);
	swap_say("  report the grace period (clients reclaim their NFSv4 state in it)");
}

static int nf_stop(struct swap_ctx *c, void *priv)
{
	struct nfsd_priv *p = priv;
	pid_t pids[MAX_MOUNTD];
	struct nfsd_priv tmp;
	int n, i;
	double until;

	(void)c;
	if (p->systemd && p->active) {
		const char *const argv[] = { "systemctl", "stop", "nfs-server.service", NULL };

		return run(argv);
	}
	if (fs_mounted() && !access(NFSD_FS "/threads", W_OK) && write_str(NFSD_FS "/threads", "0")) {
		swap_err("nfsd: writing 0 to %s/threads failed: %s", NFSD_FS, strerror(errno));
		return -EIO;
	}
	memset(&tmp, 0, sizeof(tmp));
	n = find_mountd(&tmp, pids);
	for (i = 0; i < n; i++)
		kill(pids[i], SIGTERM);
	until = swap_now() + 10;
	while (n && swap_now() < until) {
		for (i = 0; i < n && kill(pids[i], 0); i++)
			;
		if (i == n)
			break;
		usleep(20000);
	}
	if (fs_mounted() && umount(NFSD_FS)) {
		swap_err("nfsd: umount %s failed: %s (who has it open? fuser -m %s)", NFSD_FS, strerror(errno),
			 NFSD_FS);
		return -EBUSY;
	}
	return 0;
}

static int nf_restore(struct swap_ctx *c, void *priv)
{
	struct nfsd_priv *p = priv;
	char buf[64], *save = NULL, *tk, vers[256], path[PATH_MAX];
	int i;

	(void)c;
	if (p->systemd && p->active) {
		const char *const argv[] = { "systemctl", "start", "nfs-server.service", NULL };

		return run(argv);
	}
	if (!p->mounted)
		return 0;
	if (!fs_mounted() && mount("nfsd", NFSD_FS, "nfsd", 0, NULL)) {
		swap_err("nfsd: mounting the nfsd file system on %s failed: %s", NFSD_FS, strerror(errno));
		return -errno;
	}
	/* one version per write: a kernel without v2 refuses "-2" */
	xsnprintf(vers, sizeof(vers), "%s", p->versions);
	for (tk = strtok_r(vers, " ", &save); tk; tk = strtok_r(NULL, " ", &save))
		write_str(NFSD_FS "/versions", tk);
	if (p->lease[0])
		write_str(NFSD_FS "/nfsv4leasetime", p->lease);
	if (p->grace[0])
		write_str(NFSD_FS "/nfsv4gracetime", p->grace);
	for (i = 0; i < p->nmountd; i++) {
		char *argv[32];
		size_t off = 0;
		int a = 0;
		pid_t pid;

		while (off < p->mountd_len[i] && a < 31) {
			argv[a++] = p->mountd[i] + off;
			off += strlen(p->mountd[i] + off) + 1;
		}
		argv[a] = NULL;
		pid = fork();
		if (pid == 0) {
			swap_child_signals();
			execvp(argv[0], argv);
			_exit(127);
		}
		/* rpc.mountd forks into the background unless -F */
		usleep(200000);
		waitpid(pid, NULL, WNOHANG);
	}
	xsnprintf(buf, sizeof(buf), "%d", p->threads);
	xsnprintf(path, sizeof(path), "%s/threads", NFSD_FS);
	if (p->threads && !access("/usr/sbin/rpc.nfsd", X_OK)) {
		/*
		 * rpc.nfsd opens the listeners and registers what needs
		 * rpcbind the way the service does; the versions it enables
		 * are the ones that ran ("-3 +4 +4.1" -> -N 3 -V 4 -V 4.1).
		 */
		const char *argv[48];
		char vv[256], *sv = NULL, *t2;
		int a = 0;

		argv[a++] = "/usr/sbin/rpc.nfsd";
		xsnprintf(vv, sizeof(vv), "%s", p->versions);
		for (t2 = strtok_r(vv, " ", &sv); t2 && a < 44; t2 = strtok_r(NULL, " ", &sv)) {
			if (t2[0] != '+' && t2[0] != '-')
				continue;
			argv[a++] = t2[0] == '+' ? "-V" : "-N";
			argv[a++] = t2 + 1;
		}
		argv[a++] = buf;
		argv[a] = NULL;
		if (run(argv)) {
			swap_err("nfsd: rpc.nfsd %s failed", buf);
			return -EIO;
		}
	} else if (p->threads && write_str(path, buf)) {
		swap_err("nfsd: starting %d threads failed: %s", p->threads, strerror(errno));
		return -EIO;
	}
	return 0;
}

static int nf_check(struct swap_ctx *c, void *priv)
{
	struct nfsd_priv *p = priv;
	char v[64] = "";

	(void)c;
	if ((p->systemd && p->active) || !p->mounted)
		return 0;
	read_line(NFSD_FS "/threads", v, sizeof(v));
	if (atoi(v) != p->threads) {
		swap_err("nfsd: %s threads running, %d expected", v, p->threads);
		return -EIO;
	}
	return 0;
}

static void nf_done(struct swap_ctx *c, void *priv, bool ok)
{
	char g[32] = "", l[32] = "";

	struct nfsd_priv *p = priv;

	(void)c;
	if (!ok)
		return;
	read_line(NFSD_FS "/nfsv4gracetime", g, sizeof(g));
	read_line(NFSD_FS "/nfsv4leasetime", l, sizeof(l));
	swap_say("nfsd: grace period: clients reclaim their state for grace_s=%s (lease_s=%s)%s",
		 g[0] ? g : "?", l[0] ? l : "?",
		 p->cld ? "; nfsdcld runs: nfsd ends it once every client it knew has reclaimed" :
			  "; no nfsdcld: it lasts that long");
}

/* The journal's state: how the server ran, to bring it back the same way. */
static json_object *nf_save(struct swap_ctx *c, void *priv)
{
	struct nfsd_priv *p = priv;
	json_object *o = json_object_new_object(), *md = json_object_new_array();
	int i;

	(void)c;
	json_object_object_add(o, "systemd", json_object_new_boolean(p->systemd));
	json_object_object_add(o, "service_active", json_object_new_boolean(p->active));
	json_object_object_add(o, "mounted", json_object_new_boolean(p->mounted));
	json_object_object_add(o, "threads", json_object_new_int(p->threads));
	json_object_object_add(o, "versions", json_object_new_string(p->versions));
	json_object_object_add(o, "lease", json_object_new_string(p->lease));
	json_object_object_add(o, "grace", json_object_new_string(p->grace));
	json_object_object_add(o, "nfsdcld", json_object_new_boolean(p->cld));
	for (i = 0; i < p->nmountd; i++) {
		json_object *argv = json_object_new_array();
		size_t off = 0;

		while (off < p->mountd_len[i]) {
			json_object_array_add(argv, json_object_new_string(p->mountd[i] + off));
			off += strlen(p->mountd[i] + off) + 1;
		}
		json_object_array_add(md, argv);
	}
	json_object_object_add(o, "mountd", md);
	return o;
}

static int nf_load(struct swap_ctx *c, void *priv, json_object *st)
{
	struct nfsd_priv *p = priv;
	json_object *md = jarr(st, "mountd"), *t = json_object_object_get(st, "threads");
	size_t i, j;

	(void)c;
	if (!json_object_is_type(t, json_type_int) || !jstring(st, "versions") || !md ||
	    json_object_array_length(md) > MAX_MOUNTD) {
		swap_err("nfsd: the journal's server state is not readable");
		return -EINVAL;
	}
	p->systemd = jbool(st, "systemd");
	p->active = jbool(st, "service_active");
	p->mounted = jbool(st, "mounted");
	p->cld = jbool(st, "nfsdcld");
	p->threads = json_object_get_int(t);
	xsnprintf(p->versions, sizeof(p->versions), "%s", jstring(st, "versions"));
	xsnprintf(p->lease, sizeof(p->lease), "%s", jstring(st, "lease") ?: "");
	xsnprintf(p->grace, sizeof(p->grace), "%s", jstring(st, "grace") ?: "");
	for (i = 0; i < json_object_array_length(md); i++) {
		json_object *argv = json_object_array_get_idx(md, i);
		size_t off = 0;

		for (j = 0; argv && json_object_is_type(argv, json_type_array) && j < json_object_array_length(argv);
		     j++) {
			const char *a = json_object_get_string(json_object_array_get_idx(argv, j));
			size_t l = strlen(a) + 1;

			if (off + l + 1 >= sizeof(p->mountd[0]))
				return -E2BIG;
			memcpy(p->mountd[i] + off, a, l);
			off += l;
		}
		p->mountd[i][off] = 0;
		p->mountd_len[i] = off;
	}
	p->nmountd = (int)json_object_array_length(md);
	return 0;
}

const struct swap_driver swap_driver_nfsd = {
	.name = "nfsd",
	.module = "nfsd",
	.priv_size = sizeof(struct nfsd_priv),
	.precheck = nf_precheck,
	.plan_save = nf_plan_save,
	.plan_restore = nf_plan_restore,
	.save = nf_save,
	.load = nf_load,
	.stop = nf_stop,
	.restore = nf_restore,
	.check = nf_check,
	.done = nf_done,
};
