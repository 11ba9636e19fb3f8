// SPDX-License-Identifier: GPL-2.0
/*
 * storage-hotfix swap nvmet: the NVMe target's configfs tree
 * (/sys/kernel/config/nvmet) saved in nvmetcli's JSON shape (nvmetcli
 * restore and nvmet.service read it), torn down in order, nvmet and its
 * transports reloaded, the tree restored and compared with the saved one.
 *
 * The shape follows nvmetcli's dump(): a node's writable attribute files
 * "GROUP_NAME" become {"GROUP": {"NAME": "value"}} for the node's groups
 * (subsystem: attr; namespace: device, ana, resv; port: addr, param; ANA
 * group: ana; referral: addr), "enable" an integer, plus nqn / nsid /
 * portid / grpid / name, allowed_hosts, port subsystems, ana_groups and
 * referrals. Beyond nvmetcli (which ignores unknown keys): hosts keep their
 * DH-HMAC-CHAP settings as {"dhchap": {"key", "ctrl_key", "hash",
 * "dhgroup"}} and the root its {"discovery": {"nqn"}}.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "swap.h"

static const char *const g_root[] = { "discovery", NULL };
static const char *const g_host[] = { "dhchap", NULL };
static const char *const g_subsys[] = { "attr", NULL };
static const char *const g_ns[] = { "device", "ana", "resv", NULL };
static const char *const g_port[] = { "addr", "param", NULL };
static const char *const g_ana[] = { "ana", NULL };
static const char *const g_ref[] = { "addr", NULL };

/* Attributes written first (the kernel checks some against others). */
static const char *const first_attrs[] = {
	"addr_trtype", "addr_adrfam", "addr_traddr", "addr_trsvcid", "addr_tsas",
	"dhchap_hash", "dhchap_dhgroup", "device_path", NULL
};

static int read_all(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;
	size_t n;

	if (fd < 0)
		return -errno;
	r = read(fd, buf, len - 1);
	close(fd);
	if (r < 0)
		return -errno;
	buf[r] = 0;
	n = r;
	while (n && buf[n - 1] == '\n')
		buf[--n] = 0;
	return 0;
}

static int cmp_names(const struct dirent **a, const struct dirent **b)
{
	return strverscmp((*a)->d_name, (*b)->d_name);
}

/* The entries of DIR (no dot files), sorted; *names freed by the caller. */
static int list_dir(const char *dir, char ***names, unsigned char type)
{
	struct dirent **ents;
	int i, cnt, n = 0;

	*names = NULL;
	cnt = scandir(dir, &ents, NULL, cmp_names);
	if (cnt < 0)
		return 0;
	*names = calloc(cnt + 1, sizeof(char *));
	for (i = 0; i < cnt; i++) {
		char p[PATH_MAX];
		struct stat st;
		bool ok;

		xsnprintf(p, sizeof(p), "%s/%s", dir, ents[i]->d_name);
		ok = ents[i]->d_name[0] != '.' && lstat(p, &st) == 0 &&
		     ((type == DT_DIR && S_ISDIR(st.st_mode)) || (type == DT_REG && S_ISREG(st.st_mode)) ||
		      (type == DT_LNK && S_ISLNK(st.st_mode)));
		if (ok && *names)
			(*names)[n++] = strdup(ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);
	return n;
}

static void free_list(char **l, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

/* nvmetcli's CFSNode.dump(): the writable attribute groups and "enable". */
static json_object *dump_node(const char *path, const char *const *groups)
{
	json_object *d = json_object_new_object();
	char **files, p[PATH_MAX], v[4096];
	int n, i, g;

	n = list_dir(path, &files, DT_REG);
	for (g = 0; groups[g]; g++) {
		json_object *a = json_object_new_object();
		size_t gl = strlen(groups[g]);

		for (i = 0; i < n; i++) {
			struct stat st;

			if (strncmp(files[i], groups[g], gl) || files[i][gl] != '_')
				continue;
			xsnprintf(p, sizeof(p), "%s/%s", path, files[i]);
			if (stat(p, &st) || !(st.st_mode & 0200))
				continue;
			if (read_all(p, v, sizeof(v)))
				continue;	/* write-only, e.g. revalidate_size */
			json_object_object_add(a, files[i] + gl + 1, json_object_new_string(v));
		}
		json_object_object_add(d, groups[g], a);
	}
	xsnprintf(p, sizeof(p), "%s/enable", path);
	if (read_all(p, v, sizeof(v)) == 0)
		json_object_object_add(d, "enable", json_object_new_int(atoi(v)));
	free_list(files, n);
	return d;
}

static json_object *names_array(const char *dir)
{
	json_object *a = json_object_new_array();
	char **l;
	int n, i;

	n = list_dir(dir, &l, DT_LNK);
	for (i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(l[i]));
	free_list(l, n);
	return a;
}

json_object *nvmet_dump(const struct cfs *t)
{
	json_object *root, *hosts, *ports, *subs;
	char dir[PATH_MAX], p[PATH_MAX], q[PATH_MAX], v[64];
	char **l, **l2;
	int n, n2, i, j;

	if (access(t->root, F_OK))
		return NULL;
	root = dump_node(t->root, g_root);

	hosts = json_object_new_array();
	xsnprintf(dir, sizeof(dir), "%s/hosts", t->root);
	n = list_dir(dir, &l, DT_DIR);
	for (i = 0; i < n; i++) {
		json_object *h;

		xsnprintf(p, sizeof(p), "%s/%s", dir, l[i]);
		h = dump_node(p, g_host);
		json_object_object_add(h, "nqn", json_object_new_string(l[i]));
		json_object_array_add(hosts, h);
	}
	free_list(l, n);

	subs = json_object_new_array();
	xsnprintf(dir, sizeof(dir), "%s/subsystems", t->root);
	n = list_dir(dir, &l, DT_DIR);
	for (i = 0; i < n; i++) {
		json_object *s, *nss = json_object_new_array();

		xsnprintf(p, sizeof(p), "%s/%s", dir, l[i]);
		s = dump_node(p, g_subsys);
		json_object_object_add(s, "nqn", json_object_new_string(l[i]));
		xsnprintf(q, sizeof(q), "%s/namespaces", p);
		n2 = list_dir(q, &l2, DT_DIR);
		for (j = 0; j < n2; j++) {
			char np[PATH_MAX];
			json_object *ns;

			xsnprintf(np, sizeof(np), "%s/%s", q, l2[j]);
			ns = dump_node(np, g_ns);
			json_object_object_add(ns, "nsid", json_object_new_int(atoi(l2[j])));
			xsnprintf(np, sizeof(np), "%s/%s/ana_grpid", q, l2[j]);
			json_object_object_add(ns, "ana_grpid",
					       json_object_new_int(read_all(np, v, sizeof(v)) ? 0 : atoi(v)));
			json_object_array_add(nss, ns);
		}
		free_list(l2, n2);
		json_object_object_add(s, "namespaces", nss);
		xsnprintf(q, sizeof(q), "%s/allowed_hosts", p);
		json_object_object_add(s, "allowed_hosts", names_array(q));
		json_object_array_add(subs, s);
	}
	free_list(l, n);

	ports = json_object_new_array();
	xsnprintf(dir, sizeof(dir), "%s/ports", t->root);
	n = list_dir(dir, &l, DT_DIR);
	for (i = 0; i < n; i++) {
		json_object *po, *anas = json_object_new_array(), *refs = json_object_new_array();

		xsnprintf(p, sizeof(p), "%s/%s", dir, l[i]);
		po = dump_node(p, g_port);
		json_object_object_add(po, "portid", json_object_new_int(atoi(l[i])));
		xsnprintf(q, sizeof(q), "%s/subsystems", p);
		json_object_object_add(po, "subsystems", names_array(q));
		xsnprintf(q, sizeof(q), "%s/ana_groups", p);
		n2 = list_dir(q, &l2, DT_DIR);
		for (j = 0; j < n2; j++) {
			char ap[PATH_MAX];
			json_object *a;

			xsnprintf(ap, sizeof(ap), "%s/%s", q, l2[j]);
			a = dump_node(ap, g_ana);
			json_object_object_add(a, "grpid", json_object_new_int(atoi(l2[j])));
			json_object_array_add(anas, a);
		}
		free_list(l2, n2);
		json_object_object_add(po, "ana_groups", anas);
		xsnprintf(q, sizeof(q), "%s/referrals", p);
		n2 = list_dir(q, &l2, DT_DIR);
		for (j = 0; j < n2; j++) {
			char rp[PATH_MAX];
			json_object *r;

			xsnprintf(rp, sizeof(rp), "%s/%s", q, l2[j]);
			r = dump_node(rp, g_ref);
			json_object_object_add(r, "name", json_object_new_string(l2[j]));
			json_object_array_add(refs, r);
		}
		free_list(l2, n2);
		json_object_object_add(po, "referrals", refs);
		json_object_array_add(ports, po);
	}
	free_list(l, n);

	json_object_object_add(root, "hosts", hosts);
	json_object_object_add(root, "ports", ports);
	json_object_object_add(root, "subsystems", subs);
	return root;
}

/* --- tear down ---------------------------------------------------------- */

static int rm_node(const char *path)
{
	int rc = cfs_rmdir(path);

	if (rc)
		swap_err("rmdir %s: %s", path, strerror(-rc));
	return rc;
}

static int unlink_all(const char *dir)
{
	char **l, p[PATH_MAX];
	int n, i, rc = 0;

	n = list_dir(dir, &l, DT_LNK);
	for (i = 0; i < n; i++) {
		xsnprintf(p, sizeof(p), "%s/%s", dir, l[i]);
		if (unlink(p)) {
			swap_err("unlink %s: %s", p, strerror(errno));
			rc = -errno;
		}
	}
	free_list(l, n);
	return rc;
}

/*
 * nvmet_clear: ports first (their subsystem links end the controllers),
 * then referrals and ANA groups with them, subsystems with their
 * namespaces (disabled first) and allowed hosts, and the hosts last.
 */
int nvmet_clear(const struct cfs *t)
{
	char dir[PATH_MAX], p[PATH_MAX], q[PATH_MAX];
	char **l, **l2;
	int n, n2, i, j, rc = 0;

	xsnprintf(dir, sizeof(dir), "%s/ports", t->root);
	n = list_dir(dir, &l, DT_DIR);
	for (i = 0; i < n; i++) {
		xsnprintf(p, sizeof(p), "%s/%s/subsystems", dir, l[i]);
		rc |= unlink_all(p);
		xsnprintf(p, sizeof(p), "%s/%s/referrals", dir, l[i]);
		n2 = list_dir(p, &l2, DT_DIR);
		for (j = 0; j < n2; j++) {
			xsnprintf(q, sizeof(q), "%s/%s", p, l2[j]);
			rc |= rm_node(q);
		}
		free_list(l2, n2);
		xsnprintf(p, sizeof(p), "%s/%s/ana_groups", dir, l[i]);
		n2 = list_dir(p, &l2, DT_DIR);
		for (j = 0; j < n2; j++) {
			if (!strcmp(l2[j], "1"))
				continue;	/* the kernel's own */
			xsnprintf(q, sizeof(q), "%s/%s", p, l2[j]);
			rc |= rm_node(q);
		}
		free_list(l2, n2);
		xsnprintf(p, sizeof(p), "%s/%s", dir, l[i]);
		rc |= rm_node(p);
	}
	free_list(l, n);

	xsnprintf(dir, sizeof(dir), "%s/subsystems", t->root);
	n = list_dir(dir, &l, DT_DIR);
	for (i = 0; i < n; i++) {
		xsnprintf(p, sizeof(p), "%s/%s/namespaces", dir, l[i]);
		n2 = list_dir(p, &l2, DT_DIR);
		for (j = 0; j < n2; j++) {
			xsnprintf(q, sizeof(q), "%s/%s/enable", p, l2[j]);
			cfs_write(q, "0");
			xsnprintf(q, sizeof(q), "%s/%s", p, l2[j]);
			rc |= rm_node(q);
		}
		free_list(l2, n2);
		xsnprintf(p, sizeof(p), "%s/%s/allowed_hosts", dir, l[i]);
		rc |= unlink_all(p);
		xsnprintf(p, sizeof(p), "%s/%s", dir, l[i]);
		rc |= rm_node(p);
	}
	free_list(l, n);

	xsnprintf(dir, sizeof(dir), "%s/hosts", t->root);
	n = list_dir(dir, &l, DT_DIR);
	for (i = 0; i < n; i++) {
		xsnprintf(p, sizeof(p), "%s/%s", dir, l[i]);
		rc |= rm_node(p);
	}
	free_list(l, n);
	return rc ? -EIO : 0;
}

/* --- restore ------------------------------------------------------------ */

static int mk_node(const char *path)
{
	int rc = cfs_mkdir(path);

	if (rc)
		swap_err("mkdir %s: %s", path, strerror(-rc));
	return rc;
}

/* Write FILE = VALUE unless it already reads VALUE. */
static int set_file(const char *path, const char *value)
{
	char cur[4096];
	int rc;

	if (read_all(path, cur, sizeof(cur)) == 0 && !strcmp(cur, value))
		return 0;
	rc = cfs_write(path, value);
	if (rc)
		swap_err("writing \"%s\" to %s: %s", value, path, strerror(-rc));
	return rc;
}

static bool is_first(const char *file)
{
	int i;

	for (i = 0; first_attrs[i]; i++)
		if (!strcmp(file, first_attrs[i]))
			return true;
	return false;
}

/* nvmetcli's _setup_attrs(): the groups' attributes, then "enable". */
static int setup_attrs(const char *path, json_object *d, const char *const *groups,
		       bool with_enable)
{
	char p[PATH_MAX];
	json_object *a, *e;
	int g, pass, rc = 0;

	for (pass = 0; pass < 2; pass++) {
		for (g = 0; groups[g]; g++) {
			if (!json_object_object_get_ex(d, groups[g], &a) || !json_object_is_type(a, json_type_object))
				continue;
			json_object_object_foreach(a, k, v) {
				char f[256];

				xsnprintf(f, sizeof(f), "%s_%s", groups[g], k);
				/* pass 0: the ordered ones (in first_attrs' order) */
				if (pass == 1 && is_first(f))
					continue;
				if (pass == 0)
					continue;
				xsnprintf(p, sizeof(p), "%s/%s", path, f);
				rc |= set_file(p, json_object_get_string(v));
			}
		}
		if (pass == 0) {
			int i;

			for (i = 0; first_attrs[i]; i++) {
				const char *f = first_attrs[i], *us = strchr(f, '_');
				char grp[64];
				json_object *v;

				xsnprintf(grp, sizeof(grp), "%.*s", (int)(us - f), f);
				for (g = 0; groups[g] && strcmp(groups[g], grp); g++)
					;
				if (!groups[g] || !json_object_object_get_ex(d, grp, &a) ||
				    !json_object_object_get_ex(a, us + 1, &v))
					continue;
				xsnprintf(p, sizeof(p), "%s/%s", path, f);
				rc |= set_file(p, json_object_get_string(v));
			}
		}
	}
	if (with_enable && json_object_object_get_ex(d, "enable", &e)) {
		xsnprintf(p, sizeof(p), "%s/enable", path);
		rc |= set_file(p, json_object_get_string(e));
	}
	return rc ? -EIO : 0;
}

static const char *str_of(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return json_object_get_string(v);
}

static int link_to(const char *target, const char *link)
{
	if (symlink(target, link) && errno != EEXIST) {
		swap_err("ln -s %s %s: %s", target, link, strerror(errno));
		return -errno;
	}
	return 0;
}

/*
 * nvmet_restore: hosts (subsystems name them), ports with their ANA groups
 * and referrals (namespaces name the ANA groups), subsystems with their
 * namespaces (enabled last) and allowed hosts, then the port links (which
 * enable the ports).
 */
int nvmet_restore(const struct cfs *t, json_object *cfg)
{
	char p[PATH_MAX], q[PATH_MAX], r[PATH_MAX];
	json_object *l, *l2, *o, *o2;
	size_t i, j;
	int rc = 0;

	if (!cfg)
		return -EINVAL;
	setup_attrs(t->root, cfg, g_root, false);
	l = jarr(cfg, "hosts");
	for (i = 0; l && i < json_object_array_length(l); i++) {
		o = json_object_array_get_idx(l, i);
		if (!str_of(o, "nqn"))
			continue;
		xsnprintf(p, sizeof(p), "%s/hosts/%s", t->root, str_of(o, "nqn"));
		rc |= mk_node(p);
		rc |= setup_attrs(p, o, g_host, false);
	}
	l = jarr(cfg, "ports");
	for (i = 0; l && i < json_object_array_length(l); i++) {
		o = json_object_array_get_idx(l, i);
		if (!str_of(o, "portid"))
			continue;
		xsnprintf(p, sizeof(p), "%s/ports/%s", t->root, str_of(o, "portid"));
		rc |= mk_node(p);
		rc |= setup_attrs(p, o, g_port, false);
		l2 = jarr(o, "ana_groups");
		for (j = 0; l2 && j < json_object_array_length(l2); j++) {
			o2 = json_object_array_get_idx(l2, j);
			xsnprintf(q, sizeof(q), "%s/ana_groups/%s", p, str_of(o2, "grpid") ?: "1");
			rc |= mk_node(q);
			rc |= setup_attrs(q, o2, g_ana, true);
		}
		l2 = jarr(o, "referrals");
		for (j = 0; l2 && j < json_object_array_length(l2); j++) {
			o2 = json_object_array_get_idx(l2, j);
			if (!str_of(o2, "name"))
				continue;
			xsnprintf(q, sizeof(q), "%s/referrals/%s", p, str_of(o2, "name"));
			rc |= mk_node(q);
			rc |= setup_attrs(q, o2, g_ref, true);
		}
	}
	l = jarr(cfg, "subsystems");
	for (i = 0; l && i < json_object_array_length(l); i++) {
		o = json_object_array_get_idx(l, i);
		if (!str_of(o, "nqn"))
			continue;
		xsnprintf(p, sizeof(p), "%s/subsystems/%s", t->root, str_of(o, "nqn"));
		rc |= mk_node(p);
		rc |= setup_attrs(p, o, g_subsys, false);
		l2 = jarr(o, "namespaces");
		for (j = 0; l2 && j < json_object_array_length(l2); j++) {
			o2 = json_object_array_get_idx(l2, j);
			if (!str_of(o2, "nsid"))
				continue;
			xsnprintf(q, sizeof(q), "%s/namespaces/%s", p, str_of(o2, "nsid"));
			rc |= mk_node(q);
			rc |= setup_attrs(q, o2, g_ns, true);
		}
		l2 = jarr(o, "allowed_hosts");
		for (j = 0; l2 && j < json_object_array_length(l2); j++) {
			const char *h = json_object_get_string(json_object_array_get_idx(l2, j));

			xsnprintf(q, sizeof(q), "%s/hosts/%s", t->root, h);
			xsnprintf(r, sizeof(r), "%s/allowed_hosts/%s", p, h);
			rc |= link_to(q, r);
		}
	}
	l = jarr(cfg, "ports");
	for (i = 0; l && i < json_object_array_length(l); i++) {
		o = json_object_array_get_idx(l, i);
		l2 = jarr(o, "subsystems");
		for (j = 0; l2 && j < json_object_array_length(l2); j++) {
			const char *s = json_object_get_string(json_object_array_get_idx(l2, j));

			xsnprintf(q, sizeof(q), "%s/subsystems/%s", t->root, s);
			xsnprintf(r, sizeof(r), "%s/ports/%s/subsystems/%s", t->root, str_of(o, "portid"), s);
			rc |= link_to(q, r);
		}
	}
	return rc ? -EIO : 0;
}

/* The first difference between A and B, as a path ("" when equal). */
int json_diff(json_object *a, json_object *b, const char *path, char *out, size_t len)
{
	char p[1024];

	if (json_object_get_type(a) != json_object_get_type(b)) {
		xsnprintf(out, len, "%s: %s vs %s", path, json_object_to_json_string(a), json_object_to_json_string(b));
		return 1;
	}
	if (json_object_is_type(a, json_type_object)) {
		json_object_object_foreach(a, k, v) {
			json_object *w;

			xsnprintf(p, sizeof(p), "%s.%s", path, k);
			if (!json_object_object_get_ex(b, k, &w)) {
				xsnprintf(out, len, "%s: missing after", p);
				return 1;
			}
			if (json_diff(v, w, p, out, len))
				return 1;
		}
		json_object_object_foreach(b, k2, v2) {
			(void)v2;
			if (!json_object_object_get_ex(a, k2, NULL)) {
				xsnprintf(out, len, "%s.%s: new", path, k2);
				return 1;
			}
		}
		return 0;
	}
	if (json_object_is_type(a, json_type_array)) {
		size_t i, n = json_object_array_length(a);

		if (n != json_object_array_length(b)) {
			xsnprintf(out, len, "%s: %zu entries vs %zu", path, n, json_object_array_length(b));
			return 1;
		}
		for (i = 0; i < n; i++) {
			xsnprintf(p, sizeof(p), "%s[%zu]", path, i);
			if (json_diff(json_object_array_get_idx(a, i), json_object_array_get_idx(b, i), p, out, len))
				return 1;
		}
		return 0;
	}
	if (strcmp(json_object_get_string(a) ?: "", json_object_get_string(b) ?: "")) {
		xsnprintf(out, len, "%s: \"%s\" vs \"%s\"", path, json_object_get_string(a), json_object_get_string(b));
		return 1;
	}
	return 0;
}

/* --- the nvmet swap ----------------------------------------------------- */

#define NVMET_CFS "/sys/kernel/config/nvmet"
#define MAX_CTRLS 64

static const char *const nvmet_deps[] = { "nvme_loop", "nvmet_tcp", "nvmet_rdma", "nvmet_fc", NULL };

static const struct cfs nvmet_root = { .root = NVMET_CFS };

struct nvmet_priv {
	json_object *saved;
	struct loop_ctrl ctrls[MAX_CTRLS];
	int nctrls;
};

static int count(json_object *o, const char *k)
{
	json_object *a = jarr(o, k);

	return a ? (int)json_object_array_length(a) : 0;
}

static int nt_precheck(struct swap_ctx *c, void *priv)
{
	struct nvmet_priv *p = priv;
	char h[512], path[PATH_MAX];
	json_object *subs;
	int i, bad = 0;
	size_t k;

	(void)c;
	if (access(NVMET_CFS, F_OK)) {
		swap_err("nvmet: %s is missing: mount configfs (mount -t configfs none /sys/kernel/config)",
			 NVMET_CFS);
		return -ENOENT;
	}
	for (i = 0; nvmet_deps[i]; i++) {
		char *save = NULL, *tk;
		int j;

		if (!mod_is_loaded(nvmet_deps[i]) || mod_holders(nvmet_deps[i], h, sizeof(h)) <= 0)
			continue;
		for (tk = strtok_r(h, " ", &save); tk; tk = strtok_r(NULL, " ", &save)) {
			for (j = 0; nvmet_deps[j] && strcmp(nvmet_deps[j], tk); j++)
				;
			if (nvmet_deps[j])
				continue;
			swap_err("nvmet: refused: %s holds %s", tk, nvmet_deps[i]);
			fprintf(stderr, "  unload %s first (modprobe -r %s)\n", tk, tk);
			bad++;
		}
	}
	p->saved = nvmet_dump(&nvmet_root);
	subs = jarr(p->saved, "subsystems");
	for (k = 0; subs && k < json_object_array_length(subs); k++) {
		xsnprintf(path, sizeof(path), "%s/subsystems/%s/passthru", NVMET_CFS,
			 str_of(json_object_array_get_idx(subs, k), "nqn"));
		if (!access(path, F_OK) && !access(strcat(path, "/enable"), F_OK)) {
			char v[8] = "";

			read_line(path, v, sizeof(v));
			if (!strcmp(v, "1")) {
				swap_err("nvmet: refused: passthru subsystems are not saved by this tool (%s)", path);
				fprintf(stderr, "  disable the passthru controller first\n");
				bad++;
			}
		}
	}
	p->nctrls = loop_ctrls_record("/sys/class/nvme", p->ctrls, MAX_CTRLS);
	if (p->nctrls < 0)
		return p->nctrls;
	if (loop_ctrls_precheck(p->ctrls, p->nctrls))
		bad++;
	return bad ? -EBUSY : 0;
}

static void nt_plan_save(struct swap_ctx *c, void *priv)
{
	struct nvmet_priv *p = priv;
	json_object *subs = jarr(p->saved, "subsystems");
	int nns = 0, i;
	size_t k;

	(void)c;

	for (k = 0; subs && k < json_object_array_length(subs); k++)
		nns += count(json_object_array_get_idx(subs, k), "namespaces");
	swap_say("  save %s: %d host(s), %d port(s), %d subsystem(s), %d namespace(s) into the journal (state.tree: nvmetcli JSON with the DH-HMAC-CHAP keys; mode 0600; removed after success)",
		 NVMET_CFS, count(p->saved, "hosts"), count(p->saved, "ports"), count(p->saved, "subsystems"),
		 nns);
	for (i = 0; i < p->nctrls; i++)
		swap_say("  disconnect loop controller %s: %s", p->ctrls[i].name, p->ctrls[i].opts);
	swap_say("  tear down: port links, referrals, ANA groups, ports; namespaces (disabled), allowed hosts, subsystems; hosts");
}

static void nt_plan_restore(struct swap_ctx *c, void *priv)
{
	struct nvmet_priv *p = priv;

	(void)c;
	swap_say("  restore: hosts, ports (ANA groups, referrals), subsystems (namespaces, allowed hosts), port links; compare with the saved tree");
	if (p->nctrls)
		swap_say("  connect the %d loop controller(s) again; check each is live", p->nctrls);
}

/* The journal's state: the tree (with the hosts' keys) and the loop controllers. */
static json_object *nt_save(struct swap_ctx *c, void *priv)
{
	struct nvmet_priv *p = priv;
	json_object *o;

	(void)c;
	if (!p->saved)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "tree", json_object_get(p->saved));
	json_object_object_add(o, "loop_controllers", loop_ctrls_json(p->ctrls, p->nctrls));
	return o;
}

static int nt_load(struct swap_ctx *c, void *priv, json_object *state)
{
	struct nvmet_priv *p = priv;
	json_object *tree = json_object_object_get(state, "tree");

	(void)c;
	if (!json_object_is_type(tree, json_type_object)) {
		swap_err("nvmet: the journal holds no configfs tree");
		return -EINVAL;
	}
	p->saved = json_object_get(tree);
	p->nctrls = loop_ctrls_from_json(jarr(state, "loop_controllers"), p->ctrls, MAX_CTRLS);
	return p->nctrls < 0 ? p->nctrls : 0;
}

static int nt_stop(struct swap_ctx *c, void *priv)
{
	struct nvmet_priv *p = priv;
	int rc = 0;

	(void)c;
	if (p->nctrls)
		rc = loop_ctrls_disconnect(p->ctrls, p->nctrls);
	if (!access(nvmet_root.root, F_OK))
		rc |= nvmet_clear(&nvmet_root);
	return rc ? -EIO : 0;
}

static int nt_restore(struct swap_ctx *c, void *priv)
{
	struct nvmet_priv *p = priv;
	int rc;

	(void)c;
	if (access(nvmet_root.root, F_OK)) {
		swap_err("nvmet: %s is missing after loading nvmet", nvmet_root.root);
		return -ENOENT;
	}
	nvmet_clear(&nvmet_root);
	rc = nvmet_restore(&nvmet_root, p->saved);
	if (rc)
		swap_err("nvmet: restoring the configfs tree failed");
	if (!rc && p->nctrls)
		rc = loop_ctrls_connect(p->ctrls, p->nctrls);
	return rc;
}

static int nt_check(struct swap_ctx *c, void *priv)
{
	struct nvmet_priv *p = priv;
	json_object *now = nvmet_dump(&nvmet_root);
	char d[1024] = "";
	int rc;

	(void)c;
	rc = json_diff(p->saved, now, "nvmet", d, sizeof(d));
	json_object_put(now);
	if (rc) {
		swap_err("nvmet: the restored tree differs from the saved one: %s", d);
		return -EIO;
	}
	swap_say("nvmet: restored configfs tree equals the saved one");
	return 0;
}

static void nt_release(void *priv)
{
	struct nvmet_priv *p = priv;

	json_object_put(p->saved);
}

const struct swap_driver swap_driver_nvmet = {
	.name = "nvmet",
	.module = "nvmet",
	.dependents = nvmet_deps,
	.priv_size = sizeof(struct nvmet_priv),
	.precheck = nt_precheck,
	.plan_save = nt_plan_save,
	.plan_restore = nt_plan_restore,
	.save = nt_save,
	.load = nt_load,
	.stop = nt_stop,
	.restore = nt_restore,
	.check = nt_check,
	.release = nt_release,
};
