// SPDX-License-Identifier: GPL-2.0
/*
 * storage-hotfix swap nvme-loop: record the host's controllers on the loop
 * transport (/sys/class/nvme/N/transport == loop), disconnect them, reload
 * nvme-loop, connect them again the way nvme-cli does (the options string
 * written to /dev/nvme-fabrics) and check that each one is live.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "swap.h"

#define MAX_CTRLS 64

static int attr(const char *dir, const char *name, char *buf, size_t len)
{
	char p[PATH_MAX];

	xsnprintf(p, sizeof(p), "%s/%s", dir, name);
	return read_line(p, buf, len);
}

/*
 * loop_ctrl_opts: the connect options of the controller in CTRL_DIR, as
 * nvme-cli builds them: nqn, transport, hostnqn, hostid, nr_io_queues
 * (queue_count less the admin queue). The loop transport allows only
 * traddr beyond the common options (nvme_loop_transport.allowed_opts):
 * ctrl_loss_tmo and reconnect_delay are refused ("invalid parameter").
 */
int loop_ctrl_opts(const char *dir, char *opts, size_t len)
{
	char nqn[256], hostnqn[256], hostid[64] = "", v[64];
	size_t n;

	if (attr(dir, "subsysnqn", nqn, sizeof(nqn)) || attr(dir, "hostnqn", hostnqn, sizeof(hostnqn)))
		return -ENOENT;
	if (!nqn[0] || !hostnqn[0] || strchr(nqn, ',') || strchr(hostnqn, ','))
		return -EINVAL;
	attr(dir, "hostid", hostid, sizeof(hostid));
	n = xsnprintf(opts, len, "nqn=%s,transport=loop,hostnqn=%s", nqn, hostnqn);
	if (hostid[0])
		n += xsnprintf(opts + n, n < len ? len - n : 0, ",hostid=%s", hostid);
	if (attr(dir, "queue_count", v, sizeof(v)) == 0 && atoi(v) > 1)
		n += xsnprintf(opts + n, n < len ? len - n : 0, ",nr_io_queues=%d", atoi(v) - 1);
	return n < len ? 0 : -E2BIG;
}

int loop_ctrls_record(const char *cls, struct loop_ctrl *out, int max)
{
	struct dirent **ents;
	char dir[PATH_MAX], t[32];
	int i, cnt, n = 0, rc = 0;

	cnt = scandir(cls, &ents, NULL, versionsort);
	if (cnt < 0)
		return 0;	/* no nvme class: no controllers */
	for (i = 0; i < cnt; i++) {
		const char *e = ents[i]->d_name;

		xsnprintf(dir, sizeof(dir), "%s/%s", cls, e);
		if (e[0] != '.' && attr(dir, "transport", t, sizeof(t)) == 0 && !strcmp(t, "loop")) {
			if (n == max) {
				rc = -E2BIG;
			} else if (loop_ctrl_opts(dir, out[n].opts, sizeof(out[n].opts)) == 0) {
				xsnprintf(out[n].name, sizeof(out[n].name), "%s", e);
				attr(dir, "subsysnqn", out[n].subsysnqn, sizeof(out[n].subsysnqn));
				n++;
			} else {
				swap_err("%s: cannot read its connect options", dir);
				rc = -EINVAL;
			}
		}
		free(ents[i]);
	}
	free(ents);
	return rc ? rc : n;
}

/* A namespace of these controllers mounted or held (dm, md): refuse. */
int loop_ctrls_precheck(const struct loop_ctrl *c, int n)
{
	struct dirent **ents;
	char p[PATH_MAX], nqn[256], line[1024];
	int i, j, cnt, bad = 0;

	cnt = scandir("/sys/block", &ents, NULL, versionsort);
	for (i = 0; i < cnt; i++) {
		const char *b = ents[i]->d_name;
		struct dirent **hs = NULL;
		int nh = 0;
		FILE *f;

		if (strncmp(b, "nvme", 4))
			goto next;
		xsnprintf(p, sizeof(p), "/sys/block/%s/device/subsysnqn", b);
		if (read_line(p, nqn, sizeof(nqn)))
			goto next;
		for (j = 0; j < n && strcmp(c[j].subsysnqn, nqn); j++)
			;
		if (j == n)
			goto next;
		xsnprintf(p, sizeof(p), "/sys/block/%s/holders", b);
		nh = scandir(p, &hs, NULL, alphasort);
		for (j = 0; j < nh; j++) {
			if (hs[j]->d_name[0] != '.') {
				swap_err("refused: /dev/%s (on %s) is held by %s", b, nqn, hs[j]->d_name);
				fprintf(stderr, "  stop that device (dmsetup remove / mdadm --stop) first\n");
				bad++;
			}
			free(hs[j]);
		}
		free(hs);
		f = fopen("/proc/self/mounts", "re");
		xsnprintf(p, sizeof(p), "/dev/%s ", b);
		while (f && fgets(line, sizeof(line), f)) {
			if (!strncmp(line, p, strlen(p))) {
				swap_err("refused: /dev/%s (on %s) is mounted: %s", b, nqn, line);
				fprintf(stderr, "  unmount it first: the swap disconnects the controller\n");
				bad++;
			}
		}
		if (f)
			fclose(f);
next:
		free(ents[i]);
	}
	if (cnt > 0)
		free(ents);
	return bad ? -EBUSY : 0;
}

static bool gone(const char *name)
{
	char p[PATH_MAX];

	xsnprintf(p, sizeof(p), "/sys/class/nvme/%s", name);
	return access(p, F_OK) != 0;
}

/* Disconnect the loop controllers of the recorded subsystems (now). */
int loop_ctrls_disconnect(const struct loop_ctrl *c, int n)
{
	struct loop_ctrl now[MAX_CTRLS];
	int i, j, m, rc = 0;

	m = loop_ctrls_record("/sys/class/nvme", now, MAX_CTRLS);
	for (i = 0; i < m; i++) {
		char p[PATH_MAX];
		double until;

		for (j = 0; j < n && strcmp(c[j].subsysnqn, now[i].subsysnqn); j++)
			;
		if (j == n)
			continue;
		xsnprintf(p, sizeof(p), "/sys/class/nvme/%s/delete_controller", now[i].name);
		if (write_str(p, "1") && !gone(now[i].name)) {
			swap_err("disconnecting %s failed: %s", now[i].name, strerror(errno));
			rc = -EIO;
			continue;
		}
		until = swap_now() + 30;
		while (!gone(now[i].name) && swap_now() < until)
			usleep(20000);
		if (!gone(now[i].name)) {
			swap_err("%s still exists 30 s after delete_controller", now[i].name);
			rc = -ETIMEDOUT;
		} else {
			swap_say("  disconnected %s (%s)", now[i].name, now[i].subsysnqn);
		}
	}
	return rc;
}

/* "instance=N,cntlid=M" from /dev/nvme-fabrics */
int fabrics_parse_reply(const char *reply, int *instance, int *cntlid)
{
	const char *p;

	*instance = -1;
	*cntlid = -1;
	p = strstr(reply, "instance=");
	if (!p || sscanf(p, "instance=%d", instance) != 1 || *instance < 0)
		return -EINVAL;
	p = strstr(reply, "cntlid=");
	if (p)
		sscanf(p, "cntlid=%d", cntlid);
	return 0;
}

static bool is_live(const char *name)
{
	char p[PATH_MAX], st[32];

	xsnprintf(p, sizeof(p), "/sys/class/nvme/%s/state", name);
	return read_line(p, st, sizeof(st)) == 0 && !strcmp(st, "live");
}

/*
 * fabrics_connect: write OPTS to /dev/nvme-fabrics as nvme-cli does, wait
 * until the new controller is live; its name (nvmeN) in NAME.
 */
static int fabrics_connect(const char *opts, const char *what, char *name, size_t len)
{
	char reply[256] = "";
	int fd, inst, cntlid, tries, e;
	ssize_t r;
	double until;

	/*
	 * EINVAL can pass: a subsystem made again starts its controller IDs
	 * at cntlid_min, and while another controller of this kernel to the
	 * same subsystem (a host over tcp still reconnecting) holds that ID
	 * the host refuses the new one ("Duplicate cntlid"). Retry a while.
	 */
	for (tries = 0;; tries++) {
		fd = open("/dev/nvme-fabrics", O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			swap_err("cannot open /dev/nvme-fabrics: %s (is nvme-fabrics loaded?)", strerror(errno));
			return -errno;
		}
		if (write(fd, opts, strlen(opts)) >= 0)
			break;
		e = errno;
		close(fd);
		if (e != EINVAL || tries == 20) {
			swap_err("connecting %s failed: %s (options %s)", what, strerror(e), opts);
			return -EIO;
		}
		usleep(500000);
	}
	r = read(fd, reply, sizeof(reply) - 1);
	close(fd);
	if (r > 0)
		reply[r] = 0;
	if (fabrics_parse_reply(reply, &inst, &cntlid)) {
		swap_err("connecting %s: unexpected reply \"%s\"", what, reply);
		return -EIO;
	}
	xsnprintf(name, len, "nvme%d", inst);
	until = swap_now() + 30;
	while (!is_live(name) && swap_now() < until)
		usleep(20000);
	if (!is_live(name)) {
		swap_err("%s (%s) is not live 30 s after connecting", name, what);
		return -ETIMEDOUT;
	}
	swap_say("  connected %s (%s), cntlid %d, live", name, what, cntlid);
	return 0;
}

/* Connect each recorded controller that is not connected; wait live. */
int loop_ctrls_connect(struct loop_ctrl *c, int n)
{
	struct loop_ctrl now[MAX_CTRLS];
	int i, j, m, rc = 0, e;

	m = loop_ctrls_record("/sys/class/nvme", now, MAX_CTRLS);
	for (i = 0; i < n; i++) {
		for (j = 0; j < m && strcmp(c[i].subsysnqn, now[j].subsysnqn); j++)
			;
		if (j < m) {
			xsnprintf(c[i].name, sizeof(c[i].name), "%s", now[j].name);
			continue;
		}
		e = fabrics_connect(c[i].opts, c[i].subsysnqn, c[i].name, sizeof(c[i].name));
		if (e == -ENOENT || e == -EACCES)
			return e;
		if (e)
			rc = e;
	}
	return rc;
}

json_object *loop_ctrls_json(const struct loop_ctrl *c, int n)
{
	json_object *a = json_object_new_array();
	int i;

	for (i = 0; i < n; i++) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "controller", json_object_new_string(c[i].name));
		json_object_object_add(o, "subsysnqn", json_object_new_string(c[i].subsysnqn));
		json_object_object_add(o, "options", json_object_new_string(c[i].opts));
		json_object_array_add(a, o);
	}
	return a;
}

/* The controllers of loop_ctrls_json(); -EINVAL on a malformed entry. */
int loop_ctrls_from_json(json_object *a, struct loop_ctrl *out, int max)
{
	size_t i, n = a ? json_object_array_length(a) : 0;

	if (n > (size_t)max)
		return -E2BIG;
	for (i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(a, i);
		const char *name = jstring(o, "controller"), *nqn = jstring(o, "subsysnqn"), *opts = jstring(o, "options");

		if (!name || !nqn || !opts)
			return -EINVAL;
		xsnprintf(out[i].name, sizeof(out[i].name), "%s", name);
		xsnprintf(out[i].subsysnqn, sizeof(out[i].subsysnqn), "%s", nqn);
		xsnprintf(out[i].opts, sizeof(out[i].opts), "%s", opts);
	}
	return (int)n;
}

json_object *loop_ports_json(const struct loop_port *p, int n)
{
	json_object *a = json_object_new_array();
	int i, j;

	for (i = 0; i < n; i++) {
		json_object *o = json_object_new_object(), *l = json_object_new_array();

		json_object_object_add(o, "port", json_object_new_string(p[i].dir));
		for (j = 0; j < p[i].nlinks; j++)
			json_object_array_add(l, json_object_new_string(p[i].links[j]));
		json_object_object_add(o, "subsystems", l);
		json_object_array_add(a, o);
	}
	return a;
}

int loop_ports_from_json(json_object *a, struct loop_port *out, int max)
{
	size_t i, j, n = a ? json_object_array_length(a) : 0;

	if (n > (size_t)max)
		return -E2BIG;
	for (i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(a, i), *l = jarr(o, "subsystems");

		if (!jstring(o, "port") || !l || json_object_array_length(l) > MAX_LOOP_LINKS)
			return -EINVAL;
		xsnprintf(out[i].dir, sizeof(out[i].dir), "%s", jstring(o, "port"));
		out[i].nlinks = 0;
		for (j = 0; j < json_object_array_length(l); j++) {
			json_object *v = json_object_array_get_idx(l, j);

			if (!json_object_is_type(v, json_type_string))
				return -EINVAL;
			xsnprintf(out[i].links[out[i].nlinks++], sizeof(out[i].links[0]), "%s",
				  json_object_get_string(v));
		}
	}
	return (int)n;
}

/* --- the target's loop ports -------------------------------------------- */

#define NVMET_PORTS "/sys/kernel/config/nvmet/ports"

/*
 * An enabled nvmet port holds a reference on its transport's module: the
 * loop ports' subsystem links are removed before nvme-loop is unloaded and
 * made again after it is loaded.
 */
int loop_ports_record(const char *ports_dir, struct loop_port *out, int max)
{
	struct dirent **ents;
	char dir[PATH_MAX], t[32];
	int i, cnt, n = 0;

	cnt = scandir(ports_dir, &ents, NULL, versionsort);
	if (cnt < 0)
		return 0;
	for (i = 0; i < cnt; i++) {
		struct dirent **ls;
		int j, nl;

		xsnprintf(dir, sizeof(dir), "%s/%s", ports_dir, ents[i]->d_name);
		if (ents[i]->d_name[0] == '.' || attr(dir, "addr_trtype", t, sizeof(t)) || strcmp(t, "loop") ||
		    n == max)
			goto next;
		xsnprintf(out[n].dir, sizeof(out[n].dir), "%s", dir);
		out[n].nlinks = 0;
		xsnprintf(dir, sizeof(dir), "%s/%s/subsystems", ports_dir, ents[i]->d_name);
		nl = scandir(dir, &ls, NULL, alphasort);
		for (j = 0; j < nl; j++) {
			if (ls[j]->d_name[0] != '.' && out[n].nlinks < MAX_LOOP_LINKS)
				xsnprintf(out[n].links[out[n].nlinks++], sizeof(out[n].links[0]), "%s", ls[j]->d_name);
			free(ls[j]);
		}
		if (nl > 0)
			free(ls);
		if (out[n].nlinks)
			n++;
next:
		free(ents[i]);
	}
	free(ents);
	return n;
}

int loop_ports_unlink(const struct loop_port *p, int n)
{
	char l[PATH_MAX];
	int i, j, rc = 0;

	for (i = 0; i < n; i++)
		for (j = 0; j < p[i].nlinks; j++) {
			xsnprintf(l, sizeof(l), "%s/subsystems/%s", p[i].dir, p[i].links[j]);
			if (unlink(l) && errno != ENOENT) {
				swap_err("unlink %s: %s", l, strerror(errno));
				rc = -EIO;
			}
		}
	return rc;
}

int loop_ports_link(const struct loop_port *p, int n)
{
	char l[PATH_MAX], t[PATH_MAX];
	int i, j, rc = 0;

	for (i = 0; i < n; i++)
		for (j = 0; j < p[i].nlinks; j++) {
			xsnprintf(l, sizeof(l), "%s/subsystems/%s", p[i].dir, p[i].links[j]);
			xsnprintf(t, sizeof(t), "%s/../../subsystems/%s", p[i].dir, p[i].links[j]);
			if (symlink(t, l) && errno != EEXIST) {
				swap_err("ln -s %s %s: %s", t, l, strerror(errno));
				rc = -EIO;
			}
		}
	return rc;
}

/* --- the nvme-loop swap ------------------------------------------------ */

/*
 * A second path while nvme-loop is away: with native NVMe multipath a
 * namespace lives as long as one path does, so a temporary nvme-tcp
 * controller to the same subsystem (a target port on 127.0.0.1 made for
 * the swap, same host NQN and ID, so allowed_hosts applies) carries the
 * I/O while the loop controller is disconnected; it is removed once the
 * loop controller is back.
 */
struct loop_bridge {
	char nqn[256];
	char port[PATH_MAX];		/* NVMET_PORTS/ID, made for the swap */
	char trsvcid[8];
	char opts[1100];		/* nvme-tcp connect options */
};

struct loop_priv {
	struct loop_ctrl ctrls[MAX_CTRLS];
	int n;
	struct loop_port ports[MAX_LOOP_PORTS];
	int nports;
	struct loop_bridge br[MAX_CTRLS];
	int nbr;
	char no_bridge[256];		/* why there is no second path */
};

/* A TCP port something listens on (IPv4 or v6), from /proc/net/tcp*. */
static bool tcp_listening(int port)
{
	static const char *const files[] = { "/proc/net/tcp", "/proc/net/tcp6" };
	char line[512];
	unsigned int lp, st;
	size_t i;
	bool busy = false;

	for (i = 0; i < 2 && !busy; i++) {
		FILE *f = fopen(files[i], "re");

		while (f && fgets(line, sizeof(line), f))
			if (sscanf(line, " %*d: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x", &lp, &st) == 2 &&
			    (int)lp == port && st == 0x0A)
				busy = true;
		if (f)
			fclose(f);
	}
	return busy;
}

/* the tcp controllers to NQN through 127.0.0.1:TRSVCID */
static int bridge_ctrls(const char *nqn, const char *trsvcid, char names[][32], int max)
{
	struct dirent **ents;
	char dir[PATH_MAX], t[32], v[512], want[32];
	int i, cnt, n = 0;

	xsnprintf(want, sizeof(want), "trsvcid=%s", trsvcid);
	cnt = scandir("/sys/class/nvme", &ents, NULL, versionsort);
	for (i = 0; i < cnt; i++) {
		xsnprintf(dir, sizeof(dir), "/sys/class/nvme/%s", ents[i]->d_name);
		if (ents[i]->d_name[0] != '.' && !attr(dir, "transport", t, sizeof(t)) && !strcmp(t, "tcp") &&
		    !attr(dir, "subsysnqn", v, sizeof(v)) && !strcmp(v, nqn) && !attr(dir, "address", v, sizeof(v)) &&
		    strstr(v, "traddr=127.0.0.1,") && strstr(v, want) && n < max)
			xsnprintf(names[n++], 32, "%s", ents[i]->d_name);
		free(ents[i]);
	}
	if (cnt > 0)
		free(ents);
	return n;
}

/* Choose the ports and options of the second paths, or say why there are none. */
static void bridge_plan(const struct swap_ctx *c, struct loop_priv *p)
{
	char v[64], dir[PATH_MAX];
	int i, id = 65000, port = 4430;

	p->nbr = 0;
	p->no_bridge[0] = 0;
	if (!p->n)
		return;
	if (c->no_second_path) {
		xsnprintf(p->no_bridge, sizeof(p->no_bridge), "turned off (--no-second-path)");
		return;
	}
	if (read_line("/sys/module/nvme_core/parameters/multipath", v, sizeof(v)) || strcmp(v, "Y")) {
		xsnprintf(p->no_bridge, sizeof(p->no_bridge), "native NVMe multipath is off (nvme_core.multipath)");
		return;
	}
	for (i = 0; i < p->n; i++) {
		xsnprintf(dir, sizeof(dir), "/sys/class/nvme/%s", p->ctrls[i].name);
		if (attr(dir, "dhchap_secret", v, sizeof(v)) == 0 && strcmp(v, "none")) {
			xsnprintf(p->no_bridge, sizeof(p->no_bridge),
				  "%s authenticates with DH-HMAC-CHAP (its secret is not reused)", p->ctrls[i].name);
			p->nbr = 0;
			return;
		}
	}
	for (i = 0; i < p->n; i++) {
		struct loop_bridge *b = &p->br[p->nbr];
		const char *t = strstr(p->ctrls[i].opts, ",transport=loop");

		do
			xsnprintf(b->port, sizeof(b->port), "%s/%d", NVMET_PORTS, id++);
		while (!access(b->port, F_OK));
		while (tcp_listening(port))
			port++;
		xsnprintf(b->trsvcid, sizeof(b->trsvcid), "%d", port++);
		xsnprintf(b->nqn, sizeof(b->nqn), "%s", p->ctrls[i].subsysnqn);
		if (!t)
			continue;
		xsnprintf(b->opts, sizeof(b->opts), "%.*s,transport=tcp,traddr=127.0.0.1,trsvcid=%s%s",
			  (int)(t - p->ctrls[i].opts), p->ctrls[i].opts, b->trsvcid, t + strlen(",transport=loop"));
		p->nbr++;
	}
}

static int cfs_set(const char *dir, const char *file, const char *v)
{
	char p[PATH_MAX];

	xsnprintf(p, sizeof(p), "%s/%s", dir, file);
	return cfs_write(p, v);
}

/* Bring the second paths up (idempotent). A failure costs only the path. */
static void bridge_up(struct loop_priv *p)
{
	char l[PATH_MAX], t[PATH_MAX], names[4][32], name[32];
	int i, e;

	if (!p->nbr)
		return;
	if ((!mod_is_loaded("nvmet_tcp") && mod_load_name("nvmet_tcp", NULL)) ||
	    (!mod_is_loaded("nvme_tcp") && mod_load_name("nvme_tcp", NULL))) {
		swap_say("  no second path (nvme-tcp is not available): readers see I/O errors during the swap");
		return;
	}
	for (i = 0; i < p->nbr; i++) {
		struct loop_bridge *b = &p->br[i];

		xsnprintf(l, sizeof(l), "%s/subsystems/%s", b->port, b->nqn);
		xsnprintf(t, sizeof(t), "%s/../../subsystems/%s", b->port, b->nqn);
		e = access(b->port, F_OK) ? cfs_mkdir(b->port) : 0;
		if (!e && access(l, F_OK))
			e = cfs_set(b->port, "addr_trtype", "tcp") ?: cfs_set(b->port, "addr_adrfam", "ipv4") ?:
			    cfs_set(b->port, "addr_traddr", "127.0.0.1") ?: cfs_set(b->port, "addr_trsvcid", b->trsvcid) ?:
			    (symlink(t, l) ? -errno : 0);
		if (!e && !bridge_ctrls(b->nqn, b->trsvcid, names, 4))
			e = fabrics_connect(b->opts, b->nqn, name, sizeof(name));
		if (e)
			swap_say("  no second path to %s (%s): readers see I/O errors during the swap", b->nqn,
				 strerror(-e));
		else
			swap_say("  second path to %s over nvme-tcp 127.0.0.1:%s is up", b->nqn, b->trsvcid);
	}
}

/* Remove the second paths and their ports (idempotent). */
static int bridge_down(struct loop_priv *p)
{
	char l[PATH_MAX], d[PATH_MAX], names[4][32];
	int i, j, k, rc = 0;

	for (i = 0; i < p->nbr; i++) {
		struct loop_bridge *b = &p->br[i];

		k = bridge_ctrls(b->nqn, b->trsvcid, names, 4);
		for (j = 0; j < k; j++) {
			double until = swap_now() + 30;

			xsnprintf(d, sizeof(d), "/sys/class/nvme/%s/delete_controller", names[j]);
			write_str(d, "1");
			while (!gone(names[j]) && swap_now() < until)
				usleep(20000);
			if (!gone(names[j])) {
				swap_err("the second path %s still exists 30 s after delete_controller", names[j]);
				rc = -ETIMEDOUT;
			}
		}
		xsnprintf(l, sizeof(l), "%s/subsystems/%s", b->port, b->nqn);
		if (unlink(l) && errno != ENOENT)
			rc = -errno;
		if (!access(b->port, F_OK) && cfs_rmdir(b->port))
			rc = -EIO;
		if (k)
			swap_say("  second path to %s removed", b->nqn);
	}
	return rc;
}

static json_object *bridge_json(const struct loop_priv *p)
{
	json_object *a = json_object_new_array();
	int i;

	for (i = 0; i < p->nbr; i++) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "subsysnqn", json_object_new_string(p->br[i].nqn));
		json_object_object_add(o, "port", json_object_new_string(p->br[i].port));
		json_object_object_add(o, "trsvcid", json_object_new_string(p->br[i].trsvcid));
		json_object_object_add(o, "options", json_object_new_string(p->br[i].opts));
		json_object_array_add(a, o);
	}
	return a;
}

static int bridge_from_json(json_object *a, struct loop_priv *p)
{
	size_t i, n = a ? json_object_array_length(a) : 0;

	if (n > MAX_CTRLS)
		return -E2BIG;
	for (i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(a, i);
		const char *q = jstring(o, "subsysnqn"), *port = jstring(o, "port"),
			   *t = jstring(o, "trsvcid"), *opts = jstring(o, "options");

		if (!q || !port || !t || !opts)
			return -EINVAL;
		xsnprintf(p->br[i].nqn, sizeof(p->br[i].nqn), "%s", q);
		xsnprintf(p->br[i].port, sizeof(p->br[i].port), "%s", port);
		xsnprintf(p->br[i].trsvcid, sizeof(p->br[i].trsvcid), "%s", t);
		xsnprintf(p->br[i].opts, sizeof(p->br[i].opts), "%s", opts);
	}
	p->nbr = (int)n;
	return 0;
}

static int lp_precheck(struct swap_ctx *c, void *priv)
{
	struct loop_priv *p = priv;

	p->nports = loop_ports_record(NVMET_PORTS, p->ports, MAX_LOOP_PORTS);
	p->n = loop_ctrls_record("/sys/class/nvme", p->ctrls, MAX_CTRLS);
	if (p->n < 0) {
		swap_err("nvme-loop: cannot record the loop controllers");
		return p->n;
	}
	bridge_plan(c, p);
	return loop_ctrls_precheck(p->ctrls, p->n);
}

static void lp_plan_save(struct swap_ctx *c, void *priv)
{
	struct loop_priv *p = priv;
	int i;

	(void)c;
	for (i = 0; i < p->nbr; i++)
		swap_say("  keep %s reachable: a temporary nvme-tcp path on 127.0.0.1:%s (target port %s), removed after", p->br[i].nqn, p->br[i].trsvcid, p->br[i].port);
	if (p->no_bridge[0])
		swap_say("  no second path: %s; readers of the loop namespaces see I/O errors during the swap",
			 p->no_bridge);
	swap_say("  record %d loop controller(s) and disconnect them:", p->n);
	for (i = 0; i < p->n; i++)
		swap_say("    %s: %s", p->ctrls[i].name, p->ctrls[i].opts);
	for (i = 0; i < p->nports; i++)
		swap_say("  unlink the %d subsystem(s) of target loop port %s (an enabled port holds nvme-loop)",
			 p->ports[i].nlinks, p->ports[i].dir);
}

static void lp_plan_restore(struct swap_ctx *c, void *priv)
{
	struct loop_priv *p = priv;

	(void)c;
	if (p->nports)
		swap_say("  link the loop ports' subsystems again");
	swap_say("  connect the %d controller(s) again through /dev/nvme-fabrics; check each is live", p->n);
	if (p->nbr)
		swap_say("  remove the temporary nvme-tcp paths and their target ports");
}

static json_object *lp_save(struct swap_ctx *c, void *priv)
{
	struct loop_priv *p = priv;
	json_object *o = json_object_new_object();

	(void)c;
	json_object_object_add(o, "loop_controllers", loop_ctrls_json(p->ctrls, p->n));
	json_object_object_add(o, "loop_ports", loop_ports_json(p->ports, p->nports));
	json_object_object_add(o, "second_paths", bridge_json(p));
	return o;
}

static int lp_load(struct swap_ctx *c, void *priv, json_object *state)
{
	struct loop_priv *p = priv;

	(void)c;
	p->n = loop_ctrls_from_json(jarr(state, "loop_controllers"), p->ctrls, MAX_CTRLS);
	p->nports = loop_ports_from_json(jarr(state, "loop_ports"), p->ports, MAX_LOOP_PORTS);
	if (p->n < 0 || p->nports < 0 || bridge_from_json(jarr(state, "second_paths"), p)) {
		swap_err("nvme-loop: the journal's controllers, ports or second paths are not readable");
		return -EINVAL;
	}
	return 0;
}

static int lp_stop(struct swap_ctx *c, void *priv)
{
	struct loop_priv *p = priv;
	int rc;

	(void)c;
	bridge_up(p);
	rc = loop_ctrls_disconnect(p->ctrls, p->n);
	return loop_ports_unlink(p->ports, p->nports) ? -EIO : rc;
}

static int lp_restore(struct swap_ctx *c, void *priv)
{
	struct loop_priv *p = priv;
	int rc;

	(void)c;
	if (loop_ports_link(p->ports, p->nports))
		return -EIO;
	rc = loop_ctrls_connect(p->ctrls, p->n);
	/* only once the loop paths are back: the namespace must never be pathless */
	return rc ? rc : bridge_down(p);
}

const struct swap_driver swap_driver_nvme_loop = {
	.name = "nvme-loop",
	.module = "nvme_loop",
	.priv_size = sizeof(struct loop_priv),
	.precheck = lp_precheck,
	.plan_save = lp_plan_save,
	.plan_restore = lp_plan_restore,
	.save = lp_save,
	.load = lp_load,
	.stop = lp_stop,
	.restore = lp_restore,
};
