/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The facts storage-hotfix's status and verify read: the bundle's fix
 * folders (fix.conf), the pipeline's reports, installed module files
 * (libkmod modinfo, ELF build-id) and sysfs.  Nothing here prints.
 */
#ifndef STORAGE_HOTFIX_SHF_H
#define STORAGE_HOTFIX_SHF_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct kmod_ctx;

/* ---- small helpers ---- */

char *shf_strdup(const char *s);
/* First line of a file without the newline, or NULL (errno set). */
char *shf_read_line(const char *path);
bool shf_is_file(const char *path);
bool shf_is_dir(const char *path);
/* "nvme-loop" -> "nvme_loop" (the name in /sys/module), new string */
char *shf_module_sysname(const char *module);

/* ---- fix.conf ---- */

struct shf_kv {
	char *key, *value;
};

struct shf_conf {
	struct shf_kv *v;
	size_t n;
};

/*
 * Parse KEY=value lines the way the shell would for the simple forms a
 * fix.conf uses: unquoted (up to a blank), "double" (\" \\ \$ \` escapes,
 * may span lines) or 'single' quoted; comments and blank lines skipped.
 * Returns 0, or -1 with *err ("line N: ...") for a malformed line.
 */
int shf_conf_parse(const char *text, struct shf_conf *c, char **err);
const char *shf_conf_get(const struct shf_conf *c, const char *key);
void shf_conf_free(struct shf_conf *c);

struct shf_fix {
	char *dir;		/* the fix folder */
	char *id, *title, *module;
	char *swap;		/* FIX_SWAP: the swap driver, or NULL */
	char **functions;	/* FIX_FUNCTIONS, NULL-terminated */
	size_t nfunctions;
};

/*
 * The fix folders of a data dir: its subfolders holding a fix.conf, by
 * name.  0, or -1 with *err.  A data dir without any is an error.
 */
int shf_fixes_load(const char *datadir, struct shf_fix **v, size_t *n,
		   char **err);
void shf_fixes_free(struct shf_fix *v, size_t n);
/* Is fn (or __pfx_fn, fn.isra.0...) one of the fix's declared functions? */
bool shf_fix_declares(const struct shf_fix *f, const char *fn);

/*
 * Where the fix folders are: opt if given, else $SHF_TOP, else the tree
 * the binary runs from (tools/storage-hotfix), else the installed
 * /usr/src/storage-hotfix-VERSION.  New string, or NULL with *err.
 */
char *shf_data_dir(const char *opt, char **err);

/* ---- pipeline reports ---- */

/* where a storage-hotfix-modules-KVER package puts KVER/report-all.json */
#define SHF_SHARE "/usr/share/storage-hotfix"
#define SHF_PREBUILT SHF_SHARE "/prebuilt"
/* the report's schema (scripts/lib/report.sh REPORT_SCHEMA) */
#define SHF_REPORT_SCHEMA 1

struct shf_report {
	char *path;		/* NULL: no report */
	time_t mtime;
	struct json_object *root;
};

/*
 * The newest of WORK/KVER/report-{all,explain,plan}.json, else (prebuilt
 * not NULL) the packaged PREBUILT/KVER/report-all.json.  0 (r->path
 * NULL if none exists), or -1 with *err if the newest cannot be parsed
 * or is no report: an object whose fixes is an array of objects, each
 * with a string id.
 */
int shf_report_load(const char *work, const char *prebuilt, const char *kver,
		    struct shf_report *r, char **err);
void shf_report_free(struct shf_report *r);
/* The fixes[] entry with this id, or NULL. */
struct json_object *shf_report_fix(const struct shf_report *r,
				   const char *id);

/*
 * Every report field is read through this, so that a wrong type is said,
 * not taken for "absent" or coerced: the member at path (keys joined by
 * '.'; "" for o itself) of o, which must have type t.  name names o in
 * messages ("fixes[nvme-loop-shutdown]").  0 with *v set; 1 if absent or
 * null (*v NULL); -1 with *err "NAME.PATH is a string, not an array" when
 * it, or an object on the way, has another type.
 */
int shf_json_get(struct json_object *o, const char *name, const char *path,
		 json_type t, struct json_object **v, char **err);

/* ---- module files ---- */

/*
 * The most a compressed module may expand to.  Real modules are below
 * 10 MiB; a few KB of xz can claim gigabytes, so decompression stops here
 * (and so does the decoder's memory: no dictionary needs to be larger).
 */
#define SHF_KO_MAX (64ULL << 20)

/*
 * An fd reading the ELF of a module file: the file itself, or for .ko.xz
 * and .ko.zst
 * a memfd holding it decompressed (at most SHF_KO_MAX bytes).  -1 with
 * *err.
 */
int shf_ko_open(const char *path, char **err);

/*
 * ec_load() for a module file, .ko or .ko.xz (o->path is path; keep path
 * alive).  0, or -1 with *err; ec_free() after success only.
 */
struct ec_obj;
int shf_ko_load(struct ec_obj *o, const char *path, char **err);

/* build-id from a .note.gnu.build-id note (section or sysfs file) */
#define SHF_BUILD_ID_MAX 64
struct shf_build_id {
	unsigned char b[SHF_BUILD_ID_MAX];
	size_t n;		/* 0: none */
};

/* Parse one GNU build-id note; 0, or -1 if it is not one. */
int shf_note_build_id(const unsigned char *p, size_t len,
		      struct shf_build_id *id);
/* build-id of an ELF read from fd (rewound first); 0 or -1 */
int shf_elf_build_id(int fd, struct shf_build_id *id);
/* lowercase hex, into buf of at least 2 * SHF_BUILD_ID_MAX + 1 */
void shf_build_id_hex(const struct shf_build_id *id, char *buf);
bool shf_build_id_eq(const struct shf_build_id *a,
		     const struct shf_build_id *b);

struct shf_modinfo {
	char *stamp;		/* modinfo hotfix=, or NULL */
	bool is_signed;		/* a signature is appended */
	char *signer;		/* signer / key id, or NULL */
	struct shf_build_id build_id;
};

/*
 * Read a module file's modinfo (libkmod) and build-id; 0 or -1 with *err.
 * libkmod reads what shf_ko_open() made, never the compressed file: it
 * would decompress without a limit.
 */
/*
 * libkmod's view of a module file, read from the plain ELF shf_ko_open()
 * made (kept open in *fd: close it after kmod_module_unref()).  NULL with
 * *err.
 */
struct kmod_module;
struct kmod_module *shf_ko_kmod(struct kmod_ctx *ctx, const char *path,
			       int *fd, char **err);
/*
 * modinfo KEY of a module file: 0 with *value (new string, NULL when
 * absent), or -1 with *err
 */
int shf_ko_info(const char *path, const char *key, char **value, char **err);
int shf_modinfo_read(struct kmod_ctx *ctx, const char *path,
		     struct shf_modinfo *mi, char **err);
void shf_modinfo_free(struct shf_modinfo *mi);

/*
 * First file named MODULE.ko[.xz|.zst|.gz] below dir (DKMS puts ours in
 * updates/ or updates/dkms/), in name order; new string or NULL.
 */
char *shf_find_module(const char *dir, const char *module);
/*
 * Our installed MODULE for KVER under ROOT/lib/modules/KVER/updates: the
 * prebuilt package's (updates/storage-hotfix/, what its depmod.d override
 * makes modprobe load), else the first below updates/ (DKMS's).
 */
char *shf_installed_module(const char *root, const char *kver,
			   const char *module);

/* ---- sysfs ---- */

struct shf_loaded {
	bool loaded;		/* SYS/module/NAME/initstate exists */
	struct shf_build_id build_id;	/* 0 length if unreadable */
	char *taint;		/* SYS/module/NAME/taint, "" if none */
};

void shf_loaded_read(const char *sys, const char *module,
		     struct shf_loaded *l);
void shf_loaded_free(struct shf_loaded *l);

/* -1 unknown, 0 no, 1 yes */
struct shf_secure {
	int sig_enforce;	/* SYS/module/module/parameters/sig_enforce */
	char *lockdown;		/* none/integrity/confidentiality, or NULL */
	int secure_boot;	/* EFI SecureBoot variable */
};

void shf_secure_read(const char *sys, struct shf_secure *s);
void shf_secure_free(struct shf_secure *s);

/*
 * Whether the kernel holds an asymmetric key whose description is
 * "SIGNER: KEYID" (the subject the kernel gives an X.509 certificate: its
 * CN) in keys, a /proc/keys listing (root sees the system keyrings').  1
 * yes, 0 no, -1 unreadable.
 */
int shf_signer_trusted(const char *keys, const char *signer);

/* ---- command line ---- */

struct shf_opts {
	bool json;
	char *root;		/* "" for / (paths are root + "/lib/...") */
	char *sys;		/* sysfs, default /sys */
	char *work;		/* reports: --work, $SHF_WORK, default */
	char *data;		/* fix folders: see shf_data_dir() */
	char *prebuilt;		/* ROOT + SHF_PREBUILT: packaged reports */
	char *running;		/* --running, else uname -r */
};

#define SHF_OPT_JSON 1
#define SHF_OPT_ROOT 2		/* --root, --work, --data */
#define SHF_OPT_SYS 4		/* --sys */
#define SHF_OPT_RUNNING 8	/* --running */
#define SHF_OPTS_HELP 1

/*
 * getopt_long over argv (argv[0] is the subcommand) for the options in
 * mask; leaves optind at the first operand.  0; SHF_OPTS_HELP for
 * --help; -1 after printing the error.  shf_opts_free() in every case.
 */
int shf_opts_parse(struct shf_opts *o, int argc, char **argv, int mask);
void shf_opts_free(struct shf_opts *o);

/* ---- kernels ---- */

/*
 * Kernel releases under ROOT/lib/modules, in version order, plus the
 * running one if it is not there.  NULL-terminated, new strings.
 */
char **shf_kernels(const char *root, const char *running, size_t *n);
void shf_strv_free(char **v);

#endif
