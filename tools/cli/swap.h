/* SPDX-License-Identifier: GPL-2.0 */
/*
 * storage-hotfix swap: shared pieces of the live module swap (swap.c) and
 * its per-fix procedures (swap-nvme-loop.c, swap-nvmet.c, swap-nfsd.c).
 */
#ifndef STORAGE_HOTFIX_SWAP_H
#define STORAGE_HOTFIX_SWAP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "shf.h"

#define SWAP_STATE_DIR "/var/lib/storage-hotfix/swap"
#define SWAP_JOURNAL "journal.json"
#define SWAP_LOCK "lock"
#define SWAP_MAX_MODS 8

/* One module taking part in a swap. */
struct swap_mod {
	char name[64];			/* kernel's name (underscores) */
	bool loaded;
	char params[4096];		/* "k=v k2=v2" from /sys/module/NAME/parameters */
	char running_id[129];		/* build-id of the running module (hex) */
	char prev_path[PATH_MAX];	/* file of the running module */
	char new_path[PATH_MAX];	/* file to load */
	char new_id[129];		/* build-id of new_path */
};

struct swap_ctx {
	bool dry_run;
	bool to_stock;			/* rollback: load the module recorded as "before" */
	bool no_second_path;		/* nvme-loop: no temporary nvme-tcp path */
	const char *module_override;	/* --module PATH */
	const char *running_hint;	/* a file that may be the running module's */
	const char *state_dir;
	const char *kver;
	char kver_buf[128];
	double t_down;			/* service stopped at (monotonic s) */
	double downtime;
	json_object *journal;		/* the open transaction, NULL outside one */
};

/*
 * A swap driver knows one module's users: how to read their state, stop
 * them, and bring them back from the state alone (so that `recover` can,
 * from the journal, after the process that saved it was killed). fix.conf
 * names the driver (FIX_SWAP). Each hook may be NULL.
 */
struct swap_driver {
	const char *name;			/* FIX_SWAP */
	const char *module;			/* the kernel's name */
	const char *const *dependents;		/* unloaded first, reloaded after */
	size_t priv_size;
	int (*precheck)(struct swap_ctx *c, void *priv);	/* read the state; refuse: say why */
	void (*plan_save)(struct swap_ctx *c, void *priv);
	void (*plan_restore)(struct swap_ctx *c, void *priv);
	json_object *(*save)(struct swap_ctx *c, void *priv);	/* the state, for the journal */
	int (*load)(struct swap_ctx *c, void *priv, json_object *state);	/* the journal's state */
	int (*stop)(struct swap_ctx *c, void *priv);		/* idempotent */
	int (*restore)(struct swap_ctx *c, void *priv);	/* module loaded: state back */
	int (*check)(struct swap_ctx *c, void *priv);
	void (*done)(struct swap_ctx *c, void *priv, bool ok);
	void (*release)(void *priv);			/* free what priv holds */
};

extern const struct swap_driver swap_driver_nvmet, swap_driver_nvme_loop, swap_driver_nfsd;

/* kernel.c: the calls that change the kernel (tests link a fake) */
int kern_insert(const char *path, const char *params);
int kern_probe(const char *name, const char *params);
int kern_remove(const char *name);
int cfs_mkdir(const char *path);
int cfs_rmdir(const char *path);
int cfs_write(const char *path, const char *value);

/* swap.c: helpers shared by the drivers */
/* snprintf that reports truncation (paths, NQNs) instead of hiding it */
int xsnprintf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
double swap_now(void);
/* both print through swap_redact(): no message shows a secret */
void swap_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void swap_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* S with every DH-HMAC-CHAP or TLS PSK secret replaced by its prefix and <redacted> */
void swap_redact(const char *s, char *out, size_t len);
/* call first in every child the swap forks: no signal blocked */
void swap_child_signals(void);
int read_line(const char *path, char *buf, size_t len);
int write_str(const char *path, const char *s);
bool mod_is_loaded(const char *name);
int mod_refcnt(const char *name);
int mod_holders(const char *name, char *buf, size_t len);
int mod_params(const char *name, char *buf, size_t len);
int mod_running_buildid(const char *name, char *hex, size_t len);
int file_buildid(const char *path, char *hex, size_t len);
int mod_unload(const char *name);
int mod_load_file(const char *path, const char *params);
int mod_load_name(const char *name, const char *params);
int state_dir_make(const struct swap_ctx *c);
int state_write(const struct swap_ctx *c, const char *file, json_object *o, bool excl);
json_object *state_read(const struct swap_ctx *c, const char *file);
void state_remove(const struct swap_ctx *c, const char *file);
/* The journal's members: NULL (false) when absent or of another type. */
const char *jstring(json_object *o, const char *key);
json_object *jarr(json_object *o, const char *key);
bool jbool(json_object *o, const char *key);

/* swap-nvme-loop.c: host controllers on the loop transport */
struct loop_ctrl {
	char name[32];			/* nvmeN */
	char subsysnqn[256];
	char opts[1024];		/* what nvme-cli would write to /dev/nvme-fabrics */
};
#define MAX_LOOP_PORTS 16
#define MAX_LOOP_LINKS 16
struct loop_port {
	char dir[PATH_MAX];		/* .../nvmet/ports/N with addr_trtype loop */
	int nlinks;
	char links[MAX_LOOP_LINKS][256];	/* subsystem NQNs linked to it */
};
int loop_ports_record(const char *ports_dir, struct loop_port *out, int max);
int loop_ports_unlink(const struct loop_port *p, int n);
int loop_ports_link(const struct loop_port *p, int n);
int loop_ctrls_record(const char *sysfs_class, struct loop_ctrl *out, int max);
int loop_ctrl_opts(const char *ctrl_dir, char *opts, size_t len);
int loop_ctrls_precheck(const struct loop_ctrl *c, int n);
int loop_ctrls_disconnect(const struct loop_ctrl *c, int n);
int loop_ctrls_connect(struct loop_ctrl *c, int n);
int fabrics_parse_reply(const char *reply, int *instance, int *cntlid);
json_object *loop_ctrls_json(const struct loop_ctrl *c, int n);

/* swap-nvmet.c: the target's configfs tree in nvmetcli's JSON shape */
struct cfs {
	const char *root;		/* /sys/kernel/config/nvmet */
};
json_object *nvmet_dump(const struct cfs *t);
int nvmet_clear(const struct cfs *t);
int nvmet_restore(const struct cfs *t, json_object *cfg);
int json_diff(json_object *a, json_object *b, const char *path, char *out, size_t len);

/* nvme-loop controllers and ports in and out of the journal */
int loop_ctrls_from_json(json_object *a, struct loop_ctrl *out, int max);
json_object *loop_ports_json(const struct loop_port *p, int n);
int loop_ports_from_json(json_object *a, struct loop_port *out, int max);

#endif
