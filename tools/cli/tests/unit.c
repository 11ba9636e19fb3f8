// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of storage-hotfix's helpers (cli/shf.c): fix.conf parsing,
 * fix folders as data, reports, build-id notes, sysfs facts, kernels.
 * Each test prints "ok NAME" or "not ok NAME" with the failed check;
 * exit 1 if any failed.  Files are made in a temporary folder.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <libkmod.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfcmp.h"
#include "shf.h"

static int failed, passed;
static const char *cur;
static char tmp[64];		/* made by mkdtemp() in main() */

#define CHECK(c) do {							\
	if (!(c)) {							\
		printf("not ok %s\n# %s:%d: %s\n", cur, __FILE__,	\
		       __LINE__, #c);					\
		failed++;						\
		return;							\
	}								\
} while (0)

static void run(const char *name, void (*fn)(void))
{
	int before = failed;

	cur = name;
	fn();
	if (failed == before) {
		printf("ok %s\n", name);
		passed++;
	}
}

static void put(const char *rel, const void *data, size_t len)
{
	char *p = ec_asprintf("%s/%s", tmp, rel), *q;
	FILE *f;

	for (q = strchr(p + strlen(tmp) + 1, '/'); q; q = strchr(q + 1, '/')) {
		*q = 0;
		mkdir(p, 0755);
		*q = '/';
	}
	f = fopen(p, "w");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f)) {
		perror(p);
		exit(2);
	}
	free(p);
}

static void puts_file(const char *rel, const char *s)
{
	put(rel, s, strlen(s));
}

static char *path(const char *rel)
{
	return ec_asprintf("%s/%s", tmp, rel);
}

/* ---- fix.conf ---- */

static void t_conf_forms(void)
{
	struct shf_conf c;
	char *err = NULL;
	const char *text =
		"# shellcheck shell=bash disable=SC2034\n"
		"\n"
		"FIX_ID=nvme-loop-shutdown\n"
		"FIX_TITLE=\"nvme-loop: do \\\"not\\\" cancel\"\n"
		"  FIX_EMPTY=\n"
		"FIX_SQ='a \"b\" $c'\n"
		"FIX_MULTI=\"file:fn:^x\n"
		"second:line\"\n"
		"FIX_COMMENTED=value # a comment\n"
		"FIX_ID=last-wins\n";

	CHECK(!shf_conf_parse(text, &c, &err));
	CHECK(!strcmp(shf_conf_get(&c, "FIX_ID"), "last-wins"));
	CHECK(!strcmp(shf_conf_get(&c, "FIX_TITLE"),
		      "nvme-loop: do \"not\" cancel"));
	CHECK(!strcmp(shf_conf_get(&c, "FIX_EMPTY"), ""));
	CHECK(!strcmp(shf_conf_get(&c, "FIX_SQ"), "a \"b\" $c"));
	CHECK(!strcmp(shf_conf_get(&c, "FIX_MULTI"),
		      "file:fn:^x\nsecond:line"));
	CHECK(!strcmp(shf_conf_get(&c, "FIX_COMMENTED"), "value"));
	CHECK(!shf_conf_get(&c, "FIX_NONE"));
	shf_conf_free(&c);
}

static void t_conf_errors(void)
{
	struct shf_conf c;
	char *err = NULL;

	CHECK(shf_conf_parse("A=1\nB=\"open\n\nC=3\n", &c, &err) == -1);
	CHECK(err && !strcmp(err, "line 2: unterminated \" quote"));
	free(err);
	err = NULL;
	CHECK(shf_conf_parse("A=1\nnot an assignment\n", &c, &err) == -1);
	CHECK(err && !strcmp(err, "line 2: not KEY=value"));
	free(err);
	err = NULL;
	CHECK(shf_conf_parse("A=two words\n", &c, &err) == -1);
	CHECK(err && strstr(err, "line 1: text after the value of A"));
	free(err);
}

/* The real fix.conf files of the tree parse, with their ids. */
static void t_conf_real(void)
{
	struct shf_fix *v;
	size_t n, i;
	char *err = NULL;
	const char *top = getenv("SHF_TOP");

	if (!top)
		top = "..";
	CHECK(!shf_fixes_load(top, &v, &n, &err));
	CHECK(n >= 3);
	for (i = 0; i < n; i++)
		CHECK(*v[i].id && *v[i].module && v[i].nfunctions);
	shf_fixes_free(v, n);
}

/* A fourth fix is a fourth folder: found with nothing else to do. */
static void t_fixes_as_data(void)
{
	struct shf_fix *v;
	size_t n;
	char *err = NULL, *d = path("data");

	puts_file("data/aaa_fix/fix.conf", "FIX_ID=aaa\nFIX_MODULE=a-mod\n"
		  "FIX_FUNCTIONS=\"f1 f2\"\n");
	puts_file("data/zzz_fix/fix.conf", "FIX_ID=zzz\nFIX_MODULE=z\n");
	puts_file("data/not_a_fix/README", "x\n");
	puts_file("data/file", "x\n");
	CHECK(!shf_fixes_load(d, &v, &n, &err));
	CHECK(n == 2);
	CHECK(!strcmp(v[0].id, "aaa") && !strcmp(v[0].module, "a-mod"));
	CHECK(v[0].nfunctions == 2 && !strcmp(v[0].functions[1], "f2"));
	CHECK(!strcmp(v[1].id, "zzz") && v[1].nfunctions == 0);
	CHECK(shf_fix_declares(&v[0], "f1"));
	CHECK(shf_fix_declares(&v[0], "__pfx_f2"));
	CHECK(shf_fix_declares(&v[0], "f1.isra.0"));
	CHECK(!shf_fix_declares(&v[0], "f"));
	CHECK(!shf_fix_declares(&v[0], "f10"));
	shf_fixes_free(v, n);

	puts_file("data/bad_fix/fix.conf", "FIX_TITLE=\"no id\"\n");
	CHECK(shf_fixes_load(d, &v, &n, &err) == -1);
	CHECK(err && strstr(err, "bad_fix/fix.conf: FIX_ID or FIX_MODULE is missing"));
	free(err);
	err = NULL;
	free(d);
	d = path("data/aaa_fix");	/* no subfolder with a fix.conf */
	CHECK(shf_fixes_load(d, &v, &n, &err) == -1);
	CHECK(err && strstr(err, "no fix folders"));
	free(err);
	free(d);
}

static void t_data_dir(void)
{
	char *err = NULL, *d;

	d = shf_data_dir("/given", &err);
	CHECK(d && !strcmp(d, "/given"));
	free(d);
	setenv("SHF_TOP", "/from-env", 1);
	d = shf_data_dir(NULL, &err);
	CHECK(d && !strcmp(d, "/from-env"));
	free(d);
	unsetenv("SHF_TOP");
	/* this binary is tools/cli-unit: the tree two levels up has fixes */
	d = shf_data_dir(NULL, &err);
	CHECK(d);
	free(d);
}

/* ---- reports ---- */

static void t_report(void)
{
	struct json_object *v;
	struct shf_report r;
	struct timespec ts[2] = { { 1000, 0 }, { 1000, 0 } };
	char *err = NULL, *w = path("work"), *pre = path("prebuilt"), *p;

	CHECK(!shf_report_load(w, NULL, "6.1.0-1-amd64", &r, &err) && !r.path);
	/* no pipeline ran: the prebuilt package's report, only then */
	puts_file("prebuilt/K/report.json",
		  "{\"fixes\":[{\"id\":\"a\",\"verdict\":\"applies\"}]}");
	CHECK(!shf_report_load(w, pre, "K", &r, &err) && r.path &&
	      strstr(r.path, "prebuilt/K/report.json"));
	shf_report_free(&r);
	CHECK(!shf_report_load(w, NULL, "K", &r, &err) && !r.path);
	puts_file("work/K/report-all.json",
		  "{\"fixes\":[{\"id\":\"a\",\"verdict\":\"applies\"}]}");
	puts_file("work/K/report-plan.json",
		  "{\"fixes\":[{\"id\":\"a\",\"verdict\":\"out-of-range\"},{\"id\":\"b\",\"verdict\":7}]}");
	puts_file("work/K/report-source.json", "{\"fixes\":[]}");
	p = path("work/K/report-all.json");
	CHECK(!utimensat(AT_FDCWD, p, ts, 0));
	free(p);
	/* the newest of all/explain/plan wins: plan here; work before prebuilt */
	CHECK(!shf_report_load(w, pre, "K", &r, &err));
	CHECK(r.path && strstr(r.path, "work/K/report-plan.json"));
	free(pre);
	CHECK(!shf_json_get(shf_report_fix(&r, "a"), "fixes[a]", "verdict",
			    json_type_string, &v, &err));
	CHECK(!strcmp(json_object_get_string(v), "out-of-range"));
	/* b's verdict is a number: said, not taken for absent */
	CHECK(shf_json_get(shf_report_fix(&r, "b"), "fixes[b]", "verdict",
			   json_type_string, &v, &err) == -1 && !v);
	CHECK(err && !strcmp(err, "fixes[b].verdict is a number, not a string"));
	free(err);
	err = NULL;
	CHECK(!shf_report_fix(&r, "c"));
	shf_report_free(&r);

	puts_file("work/K/report-explain.json", "{\"fixes\": [ trunc");
	CHECK(shf_report_load(w, NULL, "K", &r, &err) == -1);
	CHECK(err && strstr(err, "report-explain.json: not a JSON report") &&
	      strstr(err, "scripts/hotfix-build plan K"));
	CHECK(!r.path && !r.root);
	free(err);
	err = NULL;

	/* the stable report.json wins over every step's report */
	puts_file("work/K/report.json",
		  "{\"schema\":1,\"fixes\":[{\"id\":\"a\",\"verdict\":\"applies\"}]}");
	CHECK(!shf_report_load(w, NULL, "K", &r, &err));
	CHECK(r.path && strstr(r.path, "work/K/report.json"));
	shf_report_free(&r);
	/* a schema this reader does not know is said, not guessed at */
	puts_file("work/K/report.json", "{\"schema\":2,\"fixes\":[]}");
	CHECK(shf_report_load(w, NULL, "K", &r, &err) == -1 && !r.root);
	CHECK(err && strstr(err, "schema 2, this storage-hotfix reads 1"));
	free(err);
	free(w);
}

/* A report whose index (fixes[] of objects with a string id) is not. */
static void t_report_types(void)
{
	static const char *const bad[][2] = {
		{ "{}", "not a report: it has no fixes" },
		{ "{\"fixes\":{}}", "report.fixes is an object, not an array" },
		{ "{\"fixes\":[3]}", "fixes[0] is a number, not an object" },
		{ "{\"fixes\":[{\"id\":\"a\"},{\"id\":5}]}",
		  "fixes[1].id is a number, not a string" },
		{ "{\"fixes\":[{}]}", "fixes[0] has no id" },
	};
	struct shf_report r;
	char *err = NULL, *w = path("work-types");
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		puts_file("work-types/K/report-all.json", bad[i][0]);
		CHECK(shf_report_load(w, NULL, "K", &r, &err) == -1 && !r.root);
		CHECK(err && strstr(err, bad[i][1]) &&
		      strstr(err, "report-all.json: not a report: "));
		free(err);
		err = NULL;
	}
	free(w);
}

static void t_json_get(void)
{
	struct json_object *o = json_tokener_parse(
		"{\"a\":{\"b\":[1],\"s\":\"x\",\"n\":null},\"t\":true}");
	struct json_object *str = json_object_new_string("s"), *v;
	char *err = NULL;

	CHECK(o);
	CHECK(!shf_json_get(o, "R", "a.s", json_type_string, &v, &err) &&
	      !strcmp(json_object_get_string(v), "x"));
	CHECK(!shf_json_get(o, "R", "a.b", json_type_array, &v, &err) && v);
	CHECK(!shf_json_get(o, "R", "", json_type_object, &v, &err) && v == o);
	/* absent and null are absent, without an error */
	CHECK(shf_json_get(o, "R", "a.n", json_type_string, &v, &err) == 1 &&
	      !v && !err);
	CHECK(shf_json_get(o, "R", "a.zz.q", json_type_string, &v, &err) == 1 &&
	      !v && !err);
	/* a wrong type, at the end or on the way, is named */
	CHECK(shf_json_get(o, "R", "a.b", json_type_object, &v, &err) == -1 &&
	      !v && err && !strcmp(err, "R.a.b is an array, not an object"));
	free(err);
	err = NULL;
	CHECK(shf_json_get(o, "R", "a.s.q", json_type_string, &v, &err) == -1 &&
	      err && !strcmp(err, "R.a.s is a string, not an object"));
	free(err);
	err = NULL;
	CHECK(shf_json_get(o, "R", "t.x", json_type_string, &v, &err) == -1 &&
	      err && !strcmp(err, "R.t is a boolean, not an object"));
	free(err);
	err = NULL;
	CHECK(shf_json_get(str, "S", "k", json_type_string, &v, &err) == -1 &&
	      err && !strcmp(err, "S is a string, not an object"));
	free(err);
	err = NULL;
	CHECK(shf_json_get(str, "S", "", json_type_array, &v, &err) == -1 &&
	      err && !strcmp(err, "S is a string, not an array"));
	free(err);
	json_object_put(str);
	json_object_put(o);
}

/* ---- build-id notes ---- */

static size_t note(unsigned char *p, uint32_t type, const char *name,
		   const unsigned char *desc, uint32_t dlen)
{
	uint32_t nlen = strlen(name) + 1;
	size_t off = 12 + ((nlen + 3) & ~3u);

	memset(p, 0, off + ((dlen + 3) & ~3u));
	memcpy(p, &nlen, 4);
	memcpy(p + 4, &dlen, 4);
	memcpy(p + 8, &type, 4);
	memcpy(p + 12, name, nlen);
	memcpy(p + off, desc, dlen);
	return off + ((dlen + 3) & ~3u);
}

static void t_build_id(void)
{
	unsigned char buf[256], id20[20];
	struct shf_build_id a, b;
	char hex[2 * SHF_BUILD_ID_MAX + 1];
	size_t n, i;

	for (i = 0; i < sizeof(id20); i++)
		id20[i] = 0xa0 + i;
	/* a Linux note first, then the GNU build-id */
	n = note(buf, 0x100, "Linux", (const unsigned char *)"xyz", 3);
	n += note(buf + n, 3 /* NT_GNU_BUILD_ID */, "GNU", id20, 20);
	CHECK(!shf_note_build_id(buf, n, &a));
	CHECK(a.n == 20 && a.b[0] == 0xa0 && a.b[19] == 0xb3);
	shf_build_id_hex(&a, hex);
	CHECK(!strcmp(hex, "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3"));
	b = a;
	CHECK(shf_build_id_eq(&a, &b));
	b.b[5] ^= 1;
	CHECK(!shf_build_id_eq(&a, &b));
	b.n = 0;
	a.n = 0;
	CHECK(!shf_build_id_eq(&a, &b));	/* unknown is never equal */
	/* truncated notes are refused, not overread */
	CHECK(shf_note_build_id(buf, n - 4, &a) == -1 || a.n == 0 ||
	      a.n == 20);
	CHECK(shf_note_build_id(buf, 10, &a) == -1 && a.n == 0);
	n = note(buf, 3, "GNU", id20, 20);
	buf[4] = 200;		/* descsz past the end */
	CHECK(shf_note_build_id(buf, n, &a) == -1 && a.n == 0);
}

/* ---- sysfs ---- */

static void t_sysfs(void)
{
	unsigned char buf[64], id[4] = { 1, 2, 3, 4 };
	unsigned char efi[5] = { 6, 0, 0, 0, 1 };
	struct shf_loaded l;
	struct shf_secure s;
	char *sys = path("sys");
	size_t n;

	shf_secure_read(sys, &s);	/* nothing there: all unknown */
	CHECK(s.sig_enforce == -1 && !s.lockdown && s.secure_boot == -1);
	shf_secure_free(&s);
	puts_file("sys/module/module/parameters/sig_enforce", "Y\n");
	puts_file("sys/kernel/security/lockdown",
		  "none integrity [confidentiality]\n");
	put("sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-e0ec9cdb2d8c", efi, 5);
	shf_secure_read(sys, &s);
	CHECK(s.sig_enforce == 1 && s.secure_boot == 1);
	CHECK(s.lockdown && !strcmp(s.lockdown, "confidentiality"));
	shf_secure_free(&s);

	/* built-in: a folder without initstate */
	puts_file("sys/module/nvme_core/parameters/x", "1\n");
	shf_loaded_read(sys, "nvme-core", &l);
	CHECK(!l.loaded && !strcmp(l.taint, ""));
	shf_loaded_free(&l);
	puts_file("sys/module/nvme_loop/initstate", "live\n");
	puts_file("sys/module/nvme_loop/taint", "OE\n");
	n = note(buf, 3, "GNU", id, 4);
	put("sys/module/nvme_loop/notes/.note.gnu.build-id", buf, n);
	shf_loaded_read(sys, "nvme-loop", &l);
	CHECK(l.loaded && !strcmp(l.taint, "OE"));
	CHECK(l.build_id.n == 4 && l.build_id.b[3] == 4);
	shf_loaded_free(&l);
	free(sys);
}

/* ---- kernels, module files ---- */

/* /proc/keys: an asymmetric key described "SIGNER: KEYID" */
static void t_signer_trusted(void)
{
	char *k = path("keys"), *none = path("no-keys");

	puts_file("keys",
		  "0d2b8e57 I------     1 perm 1f0b0000     0     0 keyring   .builtin_trusted_keys: 1\n"
		  "1c3ad8e5 I------     1 perm 1f010000     0     0 asymmetri Debian Secure Boot CA: 6ccece7e4c6c0d1f6149f3dd27dfcc5cbb419ea1: X509.rsa 4b2a... []\n"
		  "2e44aa01 I------     1 perm 1f010000     0     0 asymmetri storage-hotfix channel module signing key 2026-12-03: 0ac889d70d5c: X509.rsa 7c1f... []\n");
	CHECK(shf_signer_trusted(k, "Debian Secure Boot CA") == 1);
	CHECK(shf_signer_trusted(k, "storage-hotfix channel module signing key 2026-12-03") == 1);
	/* a prefix of a description is not the signer */
	CHECK(shf_signer_trusted(k, "Debian Secure Boot") == 0);
	CHECK(shf_signer_trusted(k, ".builtin_trusted_keys") == 0);
	CHECK(shf_signer_trusted(k, "someone else") == 0);
	CHECK(shf_signer_trusted(none, "Debian Secure Boot CA") == -1);
	free(k);
	free(none);
}

static void t_kernels(void)
{
	char *root = path("root"), **v, *m, *d;
	size_t n;

	puts_file("root/lib/modules/6.12.9-amd64/modules.dep", "");
	puts_file("root/lib/modules/6.12.10-amd64/modules.dep", "");
	puts_file("root/lib/modules/6.1.0-50-amd64/modules.dep", "");
	v = shf_kernels(root, "6.2.0-1-amd64", &n);
	CHECK(n == 4 && !v[4]);
	CHECK(!strcmp(v[0], "6.1.0-50-amd64") && !strcmp(v[1], "6.2.0-1-amd64") &&
	      !strcmp(v[2], "6.12.9-amd64") && !strcmp(v[3], "6.12.10-amd64"));
	shf_strv_free(v);
	v = shf_kernels(root, "6.12.9-amd64", &n);	/* not twice */
	CHECK(n == 3);
	shf_strv_free(v);

	puts_file("root/lib/modules/6.1.0-50-amd64/updates/dkms/nvme-loop.ko.xz",
		  "");
	puts_file("root/lib/modules/6.1.0-50-amd64/updates/dkms/nvme.ko", "");
	d = path("root/lib/modules/6.1.0-50-amd64/updates");
	m = shf_find_module(d, "nvme-loop");
	CHECK(m && strstr(m, "/updates/dkms/nvme-loop.ko.xz"));
	free(m);
	CHECK(!shf_find_module(d, "nvmet"));
	free(d);
	free(root);
	m = shf_module_sysname("nvme-fabrics");
	CHECK(!strcmp(m, "nvme_fabrics"));
	free(m);
}

/* a module file that is not ELF: errors name the file */
static void t_bad_module(void)
{
	struct ec_obj o;
	char *err = NULL, *p = path("bad.ko"), *q = path("bad.ko.xz");
	int fd;

	puts_file("bad.ko", "not ELF\n");
	puts_file("bad.ko.xz", "not xz\n");
	CHECK(shf_ko_load(&o, p, &err) == -1);
	CHECK(err && strstr(err, "bad.ko: not an ELF relocatable object"));
	free(err);
	err = NULL;
	fd = shf_ko_open(q, &err);
	CHECK(fd == -1 && err && strstr(err, "bad.ko.xz: corrupt xz data"));
	free(err);
	free(p);
	free(q);
}

/*
 * A small .ko.xz claiming a huge module: 16 xz streams of 8 MiB of zeros
 * back to back, 2 KB expanding to 128 MiB, twice SHF_KO_MAX.  Refused,
 * naming the limit, by every reader (libkmod's modinfo included); one
 * stream alone (8 MiB) is a size a module may have.
 */
static void t_xz_bomb(void)
{
	size_t zlen = 8 << 20, cap = 1 << 16, n = 0, i;
	unsigned char *zeros = ec_calloc(zlen, 1), *xz = ec_calloc(16 * cap, 1);
	char *err = NULL, *p = path("bomb.ko.xz"), *q = path("zeros.ko.xz");
	struct kmod_ctx *ctx;
	static const char * const nocfg[] = { NULL };
	struct shf_modinfo mi;
	struct ec_obj o;
	struct stat st;
	int fd;

	CHECK(lzma_easy_buffer_encode(0, LZMA_CHECK_CRC32, NULL, zeros, zlen,
				      xz, &n, cap) == LZMA_OK);
	free(zeros);
	put("zeros.ko.xz", xz, n);
	for (i = 1; i < 16; i++)
		memcpy(xz + i * n, xz, n);
	put("bomb.ko.xz", xz, 16 * n);
	free(xz);

	fd = shf_ko_open(q, &err);
	CHECK(fd >= 0 && !fstat(fd, &st) && st.st_size == 8 << 20);
	close(fd);
	fd = shf_ko_open(p, &err);
	CHECK(fd == -1 && err && strstr(err, "bomb.ko.xz: refused: decompresses to more than 64 MiB"));
	free(err);
	err = NULL;
	CHECK(shf_ko_load(&o, p, &err) == -1 && err &&
	      strstr(err, "more than 64 MiB"));
	free(err);
	err = NULL;
	ctx = kmod_new(NULL, nocfg);
	CHECK(ctx);
	CHECK(shf_modinfo_read(ctx, p, &mi, &err) == -1 && err &&
	      strstr(err, "more than 64 MiB"));
	free(err);
	err = NULL;
	/* compressed data under a .ko name: not handed to libkmod either */
	free(q);
	q = path("bomb.ko");
	CHECK(!rename(p, q));
	CHECK(shf_modinfo_read(ctx, q, &mi, &err) == -1 && err &&
	      strstr(err, "bomb.ko: cannot read modinfo: not an ELF file"));
	free(err);
	kmod_unref(ctx);
	free(p);
	free(q);
}

int main(void)
{
	char *cmd;

	snprintf(tmp, sizeof(tmp), "/tmp/shf-unit-XXXXXX");
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 2;
	}
	run("conf-forms", t_conf_forms);
	run("conf-errors", t_conf_errors);
	run("conf-real-fixes", t_conf_real);
	run("fixes-as-data", t_fixes_as_data);
	run("data-dir", t_data_dir);
	run("report", t_report);
	run("report-types", t_report_types);
	run("json-get", t_json_get);
	run("build-id", t_build_id);
	run("sysfs", t_sysfs);
	run("kernels", t_kernels);
	run("signer-trusted", t_signer_trusted);
	run("bad-module", t_bad_module);
	run("xz-bomb", t_xz_bomb);
	cmd = ec_asprintf("rm -rf '%s'", tmp);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", tmp);
	free(cmd);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
