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

/* Connect each recorded controller that is not connected; wait live. */
int loop_ctrls_connect(struct loop_ctrl *c, int n)
{
	struct loop_ctrl now[MAX_CTRLS];
	int i, j, m, rc = 0;

	m = loop_ctrls_record("/sys/class/nvme", now, MAX_CTRLS);
	for (i = 0; i < n; i++) {
		char reply[256] = "";
		int fd, inst, cntlid;
		ssize_t r;
		double until;

		for (j = 0; j < m && strcmp(c[i].subsysnqn, now[j].subsysnqn); j++)
			;
		if (j < m) {
			xsnprintf(c[i].name, sizeof(c[i].name), "%s", now[j].name);
			continue;
		}
		fd = open("/dev/nvme-fabrics", O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			swap_err("cannot open /dev/nvme-fabrics: %s (is nvme-fabrics loaded?)", strerror(errno));
			return -errno;
		}
		if (write(fd, c[i].opts, strlen(c[i].opts)) < 0) {
			swap_err("connecting %s failed: %s (options %s)", c[i].subsysnqn, strerror(errno), c[i].opts);
			close(fd);
			rc = -EIO;
			continue;
		}
		r = read(fd, reply, sizeof(reply) - 1);
		close(fd);
		if (r > 0)
			reply[r] = 0;
		if (fabrics_parse_reply(reply, &inst, &cntlid)) {
			swap_err("connecting %s: unexpected reply \"%s\"", c[i].subsysnqn, reply);
			rc = -EIO;
			continue;
		}
		xsnprintf(c[i].name, sizeof(c[i].name), "nvme%d", inst);
		until = swap_now() + 30;
		while (!is_live(c[i].name) && swap_now() < until)
			usleep(20000);
		if (!is_live(c[i].name)) {
			swap_err("%s (%s) is not live 30 s after connecting", c[i].name, c[i].subsysnqn);
			rc = -ETIMEDOUT;
			continue;
		}
		swap_say("  connected %s (%s), cntlid %d, live", c[i].name, c[i].subsysnqn, cntlid);
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

struct loop_priv {
	struct loop_ctrl ctrls[MAX_CTRLS];
	int n;
	struct loop_port ports[MAX_LOOP_PORTS];
	int nports;
};

static int lp_precheck(struct swap_ctx *c, void *priv)
{
	struct loop_priv *p = priv;

	(void)c;
	p->nports = loop_ports_record(NVMET_PORTS, p->ports, MAX_LOOP_PORTS);
	p->n = loop_ctrls_record("/sys/class/nvme", p->ctrls, MAX_CTRLS);
	if (p->n < 0) {
		swap_err("nvme-loop: cannot record the loop controllers");
		return p->n;
	}
	return loop_ctrls_precheck(p->ctrls, p->n);
}

static void lp_plan_save(struct swap_ctx *c, void *priv)
{
	struct loop_priv *p = priv;
	int i;

	(void)c;
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
}

static json_object *lp_save(struct swap_ctx *c, void *priv)
{
	struct loop_priv *p = priv;
	json_object *o = json_object_new_object();

	(void)c;
	json_object_object_add(o, "loop_controllers", loop_ctrls_json(p->ctrls, p->n));
	json_object_object_add(o, "loop_ports", loop_ports_json(p->ports, p->nports));
	return o;
}

static int lp_load(struct swap_ctx *c, void *priv, json_object *state)
{
	struct loop_priv *p = priv;

	(void)c;
	p->n = loop_ctrls_from_json(jarr(state, "loop_controllers"), p->ctrls, MAX_CTRLS);
	p->nports = loop_ports_from_json(jarr(state, "loop_ports"), p->ports, MAX_LOOP_PORTS);
	if (p->n < 0 || p->nports < 0) {
		swap_err("nvme-loop: the journal's controllers or ports are not readable");
		return -EINVAL;
	}
	return 0;
}

static int lp_stop(struct swap_ctx *c, void *priv)
{
	struct loop_priv *p = priv;
	int rc;

	(void)c;
	rc = loop_ctrls_disconnect(p->ctrls, p->n);
	return loop_ports_unlink(p->ports, p->nports) ? -EIO : rc;
}

static int lp_restore(struct swap_ctx *c, void *priv)
{
	struct loop_priv *p = priv;

	(void)c;
	if (loop_ports_link(p->ports, p->nports))
		return -EIO;
	return loop_ctrls_connect(p->ctrls, p->n);
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
