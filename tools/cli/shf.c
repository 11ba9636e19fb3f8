// SPDX-License-Identifier: GPL-2.0
/*
 * The facts storage-hotfix reads; see shf.h.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <getopt.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <json-c/json.h>
#include <libkmod.h>
#include <limits.h>
#include <lzma.h>
#include <zstd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "elfcmp.h"
#include "shf.h"

#ifndef SHF_VERSION
#define SHF_VERSION "0"
#endif

/* ---- small helpers ---- */

char *shf_strdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		ec_oom();
	return p;
}

char *shf_read_line(const char *path)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!f)
		return NULL;
	n = getline(&line, &cap, f);
	if (n < 0) {
		bool eof = feof(f);

		fclose(f);
		free(line);
		return eof ? shf_strdup("") : NULL;
	}
	fclose(f);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = 0;
	return line;
}

bool shf_is_file(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode);
}

bool shf_is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

char *shf_module_sysname(const char *module)
{
	char *s = shf_strdup(module), *p;

	for (p = s; *p; p++)
		if (*p == '-')
			*p = '_';
	return s;
}

static char *read_file(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = ec_calloc(max + 1, 1);
	n = fread(buf, 1, max, f);
	if (ferror(f)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

/* ---- fix.conf ---- */

struct sbuf {
	char *s;
	size_t n, cap;
};

static void sb_add(struct sbuf *b, char c)
{
	if (b->n + 1 >= b->cap) {
		b->cap = b->cap ? 2 * b->cap : 64;
		b->s = ec_realloc(b->s, b->cap, 1);
	}
	b->s[b->n++] = c;
	b->s[b->n] = 0;
}

static bool key_char(char c, bool first)
{
	return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (!first && c >= '0' && c <= '9');
}

int shf_conf_parse(const char *text, struct shf_conf *c, char **err)
{
	const char *p = text;
	unsigned int line = 1, start;

	memset(c, 0, sizeof(*c));
	while (*p) {
		struct sbuf key = { 0 }, val = { 0 };
		char q = 0;

		start = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '#' || *p == '\n' || !*p) {
			while (*p && *p != '\n')
				p++;
			if (*p) {
				p++;
				line++;
			}
			continue;
		}
		if (!strncmp(p, "export ", 7))
			p += 7;
		while (key_char(*p, !key.n))
			sb_add(&key, *p++);
		if (!key.n || *p != '=') {
			free(key.s);
			*err = ec_asprintf("line %u: not KEY=value", start);
			shf_conf_free(c);
			return -1;
		}
		p++;
		sb_add(&val, 0);	/* an empty value is "" */
		val.n = 0;
		while (*p && (q || (*p != '\n' && *p != ' ' && *p != '\t'))) {
			if (q == '\'' && *p == '\'') {
				q = 0;
			} else if (q == '\'') {
				if (*p == '\n')
					line++;
				sb_add(&val, *p);
			} else if (q == '"' && *p == '"') {
				q = 0;
			} else if (*p == '\\' && p[1] &&
				   (!q || strchr("\"\\$`\n", p[1]))) {
				p++;
				if (*p == '\n')
					line++;	/* line continuation */
				else
					sb_add(&val, *p);
			} else if (!q && (*p == '"' || *p == '\'')) {
				q = *p;
			} else {
				if (*p == '\n')
					line++;
				sb_add(&val, *p);
			}
			p++;
		}
		if (q) {
			free(key.s);
			free(val.s);
			*err = ec_asprintf("line %u: unterminated %c quote",
					    start, q);
			shf_conf_free(c);
			return -1;
		}
		/* the rest of the line: blanks, or a comment */
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p && *p != '\n' && *p != '#') {
			*err = ec_asprintf("line %u: text after the value of %s (quote values with blanks)",
					    start, key.s);
			free(key.s);
			free(val.s);
			shf_conf_free(c);
			return -1;
		}
		c->v = ec_realloc(c->v, c->n + 1, sizeof(*c->v));
		c->v[c->n].key = key.s;
		c->v[c->n++].value = val.s;
	}
	return 0;
}

const char *shf_conf_get(const struct shf_conf *c, const char *key)
{
	size_t i;

	for (i = c->n; i-- > 0;)	/* the last assignment wins */
		if (!strcmp(c->v[i].key, key))
			return c->v[i].value;
	return NULL;
}

void shf_conf_free(struct shf_conf *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->v[i].key);
		free(c->v[i].value);
	}
	free(c->v);
	memset(c, 0, sizeof(*c));
}

static int cmp_strp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static int cmp_vers(const void *x, const void *y)
{
	return strverscmp(*(char *const *)x, *(char *const *)y);
}

/* Subfolder names of dir, sorted by cmp; NULL-terminated, or NULL. */
static char **list_dirs(const char *dir, int (*cmp)(const void *, const void *),
			size_t *np)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL, *p;
	size_t n = 0;

	*np = 0;
	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		p = ec_asprintf("%s/%s", dir, e->d_name);
		if (shf_is_dir(p)) {
			v = ec_realloc(v, n + 2, sizeof(*v));
			v[n++] = shf_strdup(e->d_name);
			v[n] = NULL;
		}
		free(p);
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp);
	*np = n;
	return v;
}

void shf_strv_free(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static char **split_words(const char *s, size_t *np)
{
	char **v = ec_calloc(1, sizeof(*v)), *copy = shf_strdup(s), *w, *save;
	size_t n = 0;

	for (w = strtok_r(copy, " \t\n", &save); w;
	     w = strtok_r(NULL, " \t\n", &save)) {
		v = ec_realloc(v, n + 2, sizeof(*v));
		v[n++] = shf_strdup(w);
		v[n] = NULL;
	}
	free(copy);
	*np = n;
	return v;
}

static int fix_load(const char *dir, struct shf_fix *f, char **err)
{
	char *path = ec_asprintf("%s/fix.conf", dir), *text, *perr = NULL;
	struct shf_conf c;
	const char *id, *module;

	memset(f, 0, sizeof(*f));
	text = read_file(path, 1 << 20, NULL);
	if (!text) {
		*err = ec_asprintf("%s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	if (shf_conf_parse(text, &c, &perr)) {
		*err = ec_asprintf("%s: %s", path, perr);
		free(perr);
		free(text);
		free(path);
		return -1;
	}
	free(text);
	id = shf_conf_get(&c, "FIX_ID");
	module = shf_conf_get(&c, "FIX_MODULE");
	if (!id || !*id || !module || !*module) {
		*err = ec_asprintf("%s: FIX_ID or FIX_MODULE is missing (every fix.conf sets both)", path);
		shf_conf_free(&c);
		free(path);
		return -1;
	}
	free(path);
	f->dir = shf_strdup(dir);
	f->id = shf_strdup(id);
	f->module = shf_strdup(module);
	f->title = shf_strdup(shf_conf_get(&c, "FIX_TITLE") ?: "");
	f->swap = shf_conf_get(&c, "FIX_SWAP") && *shf_conf_get(&c, "FIX_SWAP") ?
		  shf_strdup(shf_conf_get(&c, "FIX_SWAP")) : NULL;
	f->functions = split_words(shf_conf_get(&c, "FIX_FUNCTIONS") ?: "",
				   &f->nfunctions);
	shf_conf_free(&c);
	return 0;
}

static void fix_free(struct shf_fix *f)
{
	free(f->dir);
	free(f->id);
	free(f->title);
	free(f->module);
	free(f->swap);
	shf_strv_free(f->functions);
}

int shf_fixes_load(const char *datadir, struct shf_fix **vp, size_t *np,
		   char **err)
{
	size_t nd, i, n = 0;
	char **dirs = list_dirs(datadir, cmp_strp, &nd), *p;
	struct shf_fix *v = ec_calloc(nd + 1, sizeof(*v));

	for (i = 0; i < nd; i++) {
		char *conf = ec_asprintf("%s/%s/fix.conf", datadir, dirs[i]);
		bool has = shf_is_file(conf);

		free(conf);
		p = ec_asprintf("%s/%s", datadir, dirs[i]);
		if (has && fix_load(p, &v[n], err)) {
			free(p);
			shf_strv_free(dirs);
			shf_fixes_free(v, n);
			return -1;
		}
		n += has;
		free(p);
	}
	shf_strv_free(dirs);
	if (!n) {
		*err = ec_asprintf("%s: no fix folders (subfolders with a fix.conf) here; give the bundle's folder with --data DIR or SHF_TOP", datadir);
		free(v);
		return -1;
	}
	*vp = v;
	*np = n;
	return 0;
}

void shf_fixes_free(struct shf_fix *v, size_t n)
{
	while (n--)
		fix_free(&v[n]);
	free(v);
}

bool shf_fix_declares(const struct shf_fix *f, const char *fn)
{
	size_t i, len;

	if (!strncmp(fn, "__pfx_", 6))
		fn += 6;
	len = strcspn(fn, ".");
	for (i = 0; i < f->nfunctions; i++)
		if (strlen(f->functions[i]) == len &&
		    !strncmp(f->functions[i], fn, len))
			return true;
	return false;
}

static bool has_fixes(const char *dir)
{
	size_t n, i;
	char **v = list_dirs(dir, cmp_strp, &n), *p;
	bool found = false;

	for (i = 0; i < n && !found; i++) {
		p = ec_asprintf("%s/%s/fix.conf", dir, v[i]);
		found = shf_is_file(p);
		free(p);
	}
	shf_strv_free(v);
	return found;
}

char *shf_data_dir(const char *opt, char **err)
{
	char exe[PATH_MAX], *p;
	ssize_t n;
	int up;

	if (opt)
		return shf_strdup(opt);
	if (getenv("SHF_TOP") && *getenv("SHF_TOP"))
		return shf_strdup(getenv("SHF_TOP"));
	/* tools/storage-hotfix in the source tree: two levels up */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		for (up = 0; up < 2 && (p = strrchr(exe, '/')); up++)
			*p = 0;
		if (up == 2 && *exe && has_fixes(exe))
			return shf_strdup(exe);
	}
	/* the storage-hotfix package's copy, then the DKMS source's */
	if (has_fixes(SHF_SHARE))
		return shf_strdup(SHF_SHARE);
	p = shf_strdup("/usr/src/storage-hotfix-" SHF_VERSION);
	if (has_fixes(p))
		return p;
	*err = ec_asprintf("cannot find the fix folders (nvme_loop/ ...): not in $SHF_TOP, next to this binary, %s nor %s; give --data DIR", SHF_SHARE, p);
	free(p);
	return NULL;
}

/* ---- reports ---- */

int shf_report_load(const char *work, const char *prebuilt, const char *kver,
		    struct shf_report *r, char **err)
{
	static const char *const steps[] = { "all", "explain", "plan" };
	struct json_object *fixes, *e, *schema;
	char *p, *why = NULL;
	struct stat st;
	bool stable;
	size_t i, n;
	int rc;

	memset(r, 0, sizeof(*r));
	/* the stable report (README "The report"); then an older version's */
	p = ec_asprintf("%s/%s/report.json", work, kver);
	stable = !stat(p, &st) && S_ISREG(st.st_mode);
	if (stable) {
		r->path = p;
		r->mtime = st.st_mtime;
	} else {
		free(p);
	}
	for (i = 0; !stable && i < sizeof(steps) / sizeof(steps[0]); i++) {
		p = ec_asprintf("%s/%s/report-%s.json", work, kver, steps[i]);
		if (!stat(p, &st) && S_ISREG(st.st_mode) &&
		    (!r->path || st.st_mtime > r->mtime)) {
			free(r->path);
			r->path = p;
			r->mtime = st.st_mtime;
		} else {
			free(p);
		}
	}
	if (!r->path && prebuilt) {
		/* no pipeline ran here: the channel's package says what it is */
		p = ec_asprintf("%s/%s/report.json", prebuilt, kver);
		if (!stat(p, &st) && S_ISREG(st.st_mode)) {
			r->path = p;
			r->mtime = st.st_mtime;
		} else {
			free(p);
		}
	}
	if (!r->path)
		return 0;
	r->root = json_object_from_file(r->path);
	if (!r->root || !json_object_is_type(r->root, json_type_object)) {
		*err = ec_asprintf("%s: not a JSON report (%s); run scripts/hotfix-build plan %s again",
				    r->path, json_util_get_last_err() ?:
				    "not an object", kver);
		shf_report_free(r);
		return -1;
	}
	/* a schema this reader knows, where the file says one */
	rc = shf_json_get(r->root, "report", "schema", json_type_int, &schema,
			  &why);
	if (!rc && json_object_get_int(schema) != SHF_REPORT_SCHEMA) {
		why = ec_asprintf("schema %d, this storage-hotfix reads %d",
				  json_object_get_int(schema),
				  SHF_REPORT_SCHEMA);
		rc = -1;
	}
	/* the index every reader relies on: fixes[] of objects with an id */
	if (!why)
		rc = shf_json_get(r->root, "report", "fixes", json_type_array,
				  &fixes, &why);
	n = rc ? 0 : json_object_array_length(fixes);
	for (i = 0; !rc && i < n; i++) {
		p = ec_asprintf("fixes[%zu]", i);
		rc = shf_json_get(json_object_array_get_idx(fixes, i), p, "",
				  json_type_object, &e, &why);
		if (!rc)
			rc = shf_json_get(e, p, "id", json_type_string, &e,
					  &why);
		if (rc > 0)
			why = ec_asprintf("%s has no id", p);
		free(p);
	}
	if (rc) {
		*err = ec_asprintf("%s: not a report: %s; run scripts/hotfix-build plan %s again",
				    r->path, why ?: "it has no fixes", kver);
		free(why);
		shf_report_free(r);
		return -1;
	}
	return 0;
}

void shf_report_free(struct shf_report *r)
{
	free(r->path);
	if (r->root)
		json_object_put(r->root);
	memset(r, 0, sizeof(*r));
}

struct json_object *shf_report_fix(const struct shf_report *r, const char *id)
{
	struct json_object *fixes, *e, *v;
	size_t i, n;

	/* shf_report_load() checked the types */
	if (!r->root || !json_object_object_get_ex(r->root, "fixes", &fixes))
		return NULL;
	n = json_object_array_length(fixes);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(fixes, i);
		if (json_object_object_get_ex(e, "id", &v) &&
		    !strcmp(json_object_get_string(v), id))
			return e;
	}
	return NULL;
}

static const char *json_type_a(json_type t)
{
	switch (t) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "a boolean";
	case json_type_double:
	case json_type_int:
		return "a number";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_string:
		return "a string";
	}
	return "of an unknown type";
}

int shf_json_get(struct json_object *o, const char *name, const char *path,
		 json_type t, struct json_object **v, char **err)
{
	const char *key = path, *dot;
	char *k;
	bool found;

	*v = NULL;
	/* walk the objects on the way: a.b.c is c of b of a */
	while (o && *key) {
		if (!json_object_is_type(o, json_type_object)) {
			/* the keys walked so far name o */
			*err = key > path ?
				ec_asprintf("%s.%.*s is %s, not an object",
					    name, (int)(key - path - 1), path,
					    json_type_a(json_object_get_type(o))) :
				ec_asprintf("%s is %s, not an object", name,
					    json_type_a(json_object_get_type(o)));
			return -1;
		}
		dot = strchr(key, '.');
		k = dot ? ec_asprintf("%.*s", (int)(dot - key), key) :
			shf_strdup(key);
		found = json_object_object_get_ex(o, k, &o);
		free(k);
		if (!found)
			return 1;
		key = dot ? dot + 1 : key + strlen(key);
	}
	if (!o)		/* absent, or JSON null */
		return 1;
	if (!json_object_is_type(o, t)) {
		*err = ec_asprintf("%s%s%s is %s, not %s", name, *path ? "." : "",
				    path, json_type_a(json_object_get_type(o)),
				    json_type_a(t));
		return -1;
	}
	*v = o;
	return 0;
}

/* ---- module files ---- */

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

static int xz_to_memfd(int in, const char *path, char **err)
{
	lzma_stream z = LZMA_STREAM_INIT;
	unsigned char ibuf[65536], obuf[65536];
	lzma_action act = LZMA_RUN;
	uint64_t total = 0;
	lzma_ret ret;
	int out;
	ssize_t n;

	out = memfd_create("storage-hotfix-ko", MFD_CLOEXEC);
	if (out < 0) {
		*err = ec_asprintf("%s: memfd: %s", path, strerror(errno));
		return -1;
	}
	/* dictionary up to the output limit, plus the decoder's own state */
	if (lzma_stream_decoder(&z, SHF_KO_MAX + (1 << 20),
				LZMA_CONCATENATED) != LZMA_OK) {
		*err = ec_asprintf("%s: cannot start the xz decoder", path);
		close(out);
		return -1;
	}
	z.next_out = obuf;
	z.avail_out = sizeof(obuf);
	for (;;) {
		if (!z.avail_in && act == LZMA_RUN) {
			n = read(in, ibuf, sizeof(ibuf));
			if (n < 0)
				goto io;
			z.next_in = ibuf;
			z.avail_in = n;
			if (!n)
				act = LZMA_FINISH;
		}
		ret = lzma_code(&z, act);
		if (!z.avail_out || ret == LZMA_STREAM_END) {
			size_t have = sizeof(obuf) - z.avail_out;

			total += have;
			if (total > SHF_KO_MAX) {
				*err = ec_asprintf("%s: refused: decompresses to more than %llu MiB, larger than any kernel module",
						    path, SHF_KO_MAX >> 20);
				lzma_end(&z);
				close(out);
				return -1;
			}
			if (write(out, obuf, have) != (ssize_t)have)
				goto io;
			z.next_out = obuf;
			z.avail_out = sizeof(obuf);
		}
		if (ret == LZMA_STREAM_END)
			break;
		if (ret == LZMA_MEMLIMIT_ERROR) {
			*err = ec_asprintf("%s: refused: its xz dictionary is larger than %llu MiB, larger than any kernel module", path,
					    SHF_KO_MAX >> 20);
			lzma_end(&z);
			close(out);
			return -1;
		}
		if (ret != LZMA_OK) {
			*err = ec_asprintf("%s: corrupt xz data (lzma error %d)",
					    path, (int)ret);
			lzma_end(&z);
			close(out);
			return -1;
		}
	}
	lzma_end(&z);
	if (lseek(out, 0, SEEK_SET) < 0)
		goto io2;
	return out;
io:
	lzma_end(&z);
io2:
	*err = ec_asprintf("%s: %s", path, strerror(errno));
	close(out);
	return -1;
}

/* The same for zstd (Ubuntu's and Arch's .ko.zst), with the same cap. */
static int zstd_to_memfd(int in, const char *path, char **err)
{
	ZSTD_DStream *z = ZSTD_createDStream();
	unsigned char ibuf[65536], obuf[65536];
	ZSTD_inBuffer ib = { ibuf, 0, 0 };
	uint64_t total = 0;
	size_t ret = 1;
	int out;
	ssize_t n;

	out = memfd_create("storage-hotfix-ko", MFD_CLOEXEC);
	if (out < 0 || !z) {
		*err = ec_asprintf("%s: cannot start the zstd decoder: %s", path, strerror(errno));
		goto fail;
	}
	/* a window larger than the output limit cannot be a module */
	ZSTD_DCtx_setParameter(z, ZSTD_d_windowLogMax, 27);
	for (;;) {
		ZSTD_outBuffer ob = { obuf, sizeof(obuf), 0 };

		if (ib.pos == ib.size) {
			n = read(in, ibuf, sizeof(ibuf));
			if (n < 0) {
				*err = ec_asprintf("%s: %s", path, strerror(errno));
				goto fail;
			}
			if (!n)
				break;
			ib.size = n;
			ib.pos = 0;
		}
		ret = ZSTD_decompressStream(z, &ob, &ib);
		if (ZSTD_isError(ret)) {
			*err = ec_asprintf("%s: corrupt zstd data (%s)", path, ZSTD_getErrorName(ret));
			goto fail;
		}
		total += ob.pos;
		if (total > SHF_KO_MAX) {
			*err = ec_asprintf("%s: refused: decompresses to more than %llu MiB, larger than any kernel module", path, SHF_KO_MAX >> 20);
			goto fail;
		}
		if (write(out, obuf, ob.pos) != (ssize_t)ob.pos) {
			*err = ec_asprintf("%s: %s", path, strerror(errno));
			goto fail;
		}
	}
	if (ret) {
		*err = ec_asprintf("%s: truncated zstd data", path);
		goto fail;
	}
	ZSTD_freeDStream(z);
	if (lseek(out, 0, SEEK_SET) < 0) {
		*err = ec_asprintf("%s: %s", path, strerror(errno));
		close(out);
		return -1;
	}
	return out;
fail:
	ZSTD_freeDStream(z);
	if (out >= 0)
		close(out);
	return -1;
}

int shf_ko_open(const char *path, char **err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), out;

	if (fd < 0) {
		*err = ec_asprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	if (ends_with(path, ".gz")) {
		*err = ec_asprintf("%s: only .ko, .ko.xz and .ko.zst can be read; decompress it to compare", path);
		close(fd);
		return -1;
	}
	if (!ends_with(path, ".xz") && !ends_with(path, ".zst"))
		return fd;
	out = ends_with(path, ".xz") ? xz_to_memfd(fd, path, err) : zstd_to_memfd(fd, path, err);
	close(fd);
	return out;
}

int shf_ko_load(struct ec_obj *o, const char *path, char **err)
{
	char *fdpath, *rest;
	int fd;

	if (!ends_with(path, ".xz") && !ends_with(path, ".zst") &&
	    !ends_with(path, ".gz")) {
		if (!ec_load(o, path))
			return 0;
		*err = shf_strdup(o->err);
		ec_free(o);
		return -1;
	}
	memset(o, 0, sizeof(*o));
	o->fd = -1;
	fd = shf_ko_open(path, err);
	if (fd < 0)
		return -1;
	fdpath = ec_asprintf("/proc/self/fd/%d", fd);
	if (ec_load(o, fdpath)) {
		/* name the file, not the memfd */
		rest = strncmp(o->err, fdpath, strlen(fdpath)) ? o->err :
			o->err + strlen(fdpath);
		*err = ec_asprintf("%s%s", path, rest);
		ec_free(o);
		free(fdpath);
		close(fd);
		return -1;
	}
	free(fdpath);
	close(fd);	/* ec_load opened its own */
	o->path = path;
	return 0;
}

int shf_note_build_id(const unsigned char *p, size_t len,
		      struct shf_build_id *id)
{
	uint32_t namesz, descsz, type;
	size_t off;

	/* notes may hold more than one entry: walk to NT_GNU_BUILD_ID */
	id->n = 0;
	while (len >= 12) {
		memcpy(&namesz, p, 4);
		memcpy(&descsz, p + 4, 4);
		memcpy(&type, p + 8, 4);
		off = 12 + ((namesz + 3ULL) & ~3ULL);
		if (off > len || descsz > len - off)
			return -1;
		if (type == NT_GNU_BUILD_ID && namesz == 4 &&
		    !memcmp(p + 12, "GNU", 4) && descsz &&
		    descsz <= SHF_BUILD_ID_MAX) {
			memcpy(id->b, p + off, descsz);
			id->n = descsz;
			return 0;
		}
		off += (descsz + 3ULL) & ~3ULL;
		if (off > len)
			return -1;
		p += off;
		len -= off;
	}
	return -1;
}

int shf_elf_build_id(int fd, struct shf_build_id *id)
{
	Elf *elf;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	GElf_Shdr sh;
	Elf_Data *d;
	const char *name;
	int rc = -1;

	id->n = 0;
	if (elf_version(EV_CURRENT) == EV_NONE || lseek(fd, 0, SEEK_SET) < 0)
		return -1;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_getshdrstrndx(elf, &shstrndx)) {
		elf_end(elf);
		return -1;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!name || strcmp(name, ".note.gnu.build-id"))
			continue;
		d = elf_rawdata(scn, NULL);
		if (d && d->d_buf)
			rc = shf_note_build_id(d->d_buf, d->d_size, id);
		break;
	}
	elf_end(elf);
	return rc;
}

void shf_build_id_hex(const struct shf_build_id *id, char *buf)
{
	size_t i;

	for (i = 0; i < id->n; i++)
		sprintf(buf + 2 * i, "%02x", id->b[i]);
	buf[2 * id->n] = 0;
}

bool shf_build_id_eq(const struct shf_build_id *a,
		     const struct shf_build_id *b)
{
	return a->n && a->n == b->n && !memcmp(a->b, b->b, a->n);
}

struct kmod_module *shf_ko_kmod(struct kmod_ctx *ctx, const char *path,
			       int *fdp, char **err)
{
	struct kmod_module *mod = NULL;
	unsigned char magic[SELFMAG];
	char *fdpath;
	int r, fd;

	*fdp = -1;
	fd = shf_ko_open(path, err);
	if (fd < 0)
		return NULL;
	/*
	 * libkmod gets plain ELF only: it recognizes compressed data by its
	 * magic, whatever the name, and would expand it without a limit.
	 */
	if (pread(fd, magic, SELFMAG, 0) != SELFMAG ||
	    memcmp(magic, ELFMAG, SELFMAG)) {
		*err = ec_asprintf("%s: cannot read modinfo: not an ELF file",
				    path);
		close(fd);
		return NULL;
	}
	fdpath = ec_asprintf("/proc/self/fd/%d", fd);
	r = kmod_module_new_from_path(ctx, fdpath, &mod);
	free(fdpath);
	if (r < 0) {
		*err = ec_asprintf("%s: %s", path, strerror(-r));
		close(fd);
		return NULL;
	}
	*fdp = fd;
	return mod;
}

int shf_ko_info(const char *path, const char *key, char **value, char **err)
{
	struct kmod_ctx *ctx = kmod_new(NULL, NULL);
	struct kmod_list *list = NULL, *l;
	struct kmod_module *mod;
	int fd, r;

	*value = NULL;
	if (!ctx) {
		*err = ec_asprintf("%s: libkmod: cannot start", path);
		return -1;
	}
	mod = shf_ko_kmod(ctx, path, &fd, err);
	if (!mod) {
		kmod_unref(ctx);
		return -1;
	}
	r = kmod_module_get_info(mod, &list);
	if (r < 0)
		*err = ec_asprintf("%s: cannot read modinfo: %s", path, strerror(-r));
	kmod_list_foreach(l, r < 0 ? NULL : list) {
		const char *k = kmod_module_info_get_key(l);

		if (k && !strcmp(k, key)) {
			*value = shf_strdup(kmod_module_info_get_value(l) ?: "");
			break;
		}
	}
	kmod_module_info_free_list(list);
	kmod_module_unref(mod);
	kmod_unref(ctx);
	close(fd);
	return r < 0 ? -1 : 0;
}

int shf_modinfo_read(struct kmod_ctx *ctx, const char *path,
		     struct shf_modinfo *mi, char **err)
{
	struct kmod_module *mod;
	struct kmod_list *list = NULL, *l;
	int r, fd;

	memset(mi, 0, sizeof(*mi));
	mod = shf_ko_kmod(ctx, path, &fd, err);
	if (!mod)
		return -1;
	r = kmod_module_get_info(mod, &list);
	if (r < 0) {
		*err = ec_asprintf("%s: cannot read modinfo: %s", path,
				    strerror(-r));
		kmod_module_unref(mod);
		close(fd);
		return -1;
	}
	kmod_list_foreach(l, list) {
		const char *k = kmod_module_info_get_key(l);
		const char *v = kmod_module_info_get_value(l);

		if (!k)
			continue;
		if (!strcmp(k, "hotfix") && v && !mi->stamp)
			mi->stamp = shf_strdup(v);
		else if (!strcmp(k, "sig_id") || !strcmp(k, "signature"))
			mi->is_signed = true;
		else if ((!strcmp(k, "signer") || !strcmp(k, "sig_key")) &&
			 v && *v && !mi->signer)
			mi->signer = shf_strdup(v);
	}
	kmod_module_info_free_list(list);
	kmod_module_unref(mod);
	shf_elf_build_id(fd, &mi->build_id);	/* none is not an error */
	close(fd);
	return 0;
}

void shf_modinfo_free(struct shf_modinfo *mi)
{
	free(mi->stamp);
	free(mi->signer);
	memset(mi, 0, sizeof(*mi));
}

static char *find_module(const char *dir, const char *module, int depth)
{
	static const char *const ext[] = { ".ko", ".ko.xz", ".ko.zst", ".ko.gz" };
	size_t i, n;
	char **sub, *p, *found = NULL;

	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		p = ec_asprintf("%s/%s%s", dir, module, ext[i]);
		if (shf_is_file(p))
			return p;
		free(p);
	}
	if (depth >= 4)
		return NULL;
	sub = list_dirs(dir, cmp_strp, &n);
	for (i = 0; i < n && !found; i++) {
		p = ec_asprintf("%s/%s", dir, sub[i]);
		found = find_module(p, module, depth + 1);
		free(p);
	}
	shf_strv_free(sub);
	return found;
}

char *shf_installed_module(const char *root, const char *kver,
			   const char *module)
{
	char *dir = ec_asprintf("%s/lib/modules/%s/updates", root, kver);
	char *own = ec_asprintf("%s/storage-hotfix", dir);
	char *p = shf_find_module(own, module) ?: shf_find_module(dir, module);

	free(own);
	free(dir);
	return p;
}

char *shf_find_module(const char *dir, const char *module)
{
	return find_module(dir, module, 0);
}

/* ---- sysfs ---- */

void shf_loaded_read(const char *sys, const char *module,
		     struct shf_loaded *l)
{
	char *name = shf_module_sysname(module), *p, *buf;
	size_t len;

	memset(l, 0, sizeof(*l));
	/* built-in modules have a folder too, but no initstate */
	p = ec_asprintf("%s/module/%s/initstate", sys, name);
	l->loaded = shf_is_file(p);
	free(p);
	if (l->loaded) {
		p = ec_asprintf("%s/module/%s/notes/.note.gnu.build-id", sys,
				 name);
		buf = read_file(p, 4096, &len);
		if (buf)
			shf_note_build_id((unsigned char *)buf, len,
					  &l->build_id);
		free(buf);
		free(p);
		p = ec_asprintf("%s/module/%s/taint", sys, name);
		l->taint = shf_read_line(p);
		free(p);
	}
	if (!l->taint)
		l->taint = shf_strdup("");
	free(name);
}

void shf_loaded_free(struct shf_loaded *l)
{
	free(l->taint);
	memset(l, 0, sizeof(*l));
}

void shf_secure_read(const char *sys, struct shf_secure *s)
{
	char *p, *v, *a, *b;
	size_t len;

	memset(s, 0, sizeof(*s));
	p = ec_asprintf("%s/module/module/parameters/sig_enforce", sys);
	v = shf_read_line(p);
	s->sig_enforce = !v ? -1 : (*v == 'Y' || *v == 'y' || *v == '1');
	free(v);
	free(p);

	/* "none [integrity] confidentiality": the bracketed one is active */
	p = ec_asprintf("%s/kernel/security/lockdown", sys);
	v = shf_read_line(p);
	a = v ? strchr(v, '[') : NULL;
	b = a ? strchr(a, ']') : NULL;
	if (b) {
		*b = 0;
		s->lockdown = shf_strdup(a + 1);
	}
	free(v);
	free(p);

	/* EFI variable: 4 bytes of attributes, then 1 = enabled */
	p = ec_asprintf("%s/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-e0ec9cdb2d8c", sys);
	v = read_file(p, 64, &len);
	s->secure_boot = v && len >= 5 ? v[4] == 1 : -1;
	free(v);
	free(p);
}

int shf_signer_trusted(const char *keys, const char *signer)
{
	char *buf, *line, *save = NULL, *d;
	size_t n = strlen(signer), len;
	int found = 0;

	/* the system keyrings are a few dozen keys; 1 MiB is plenty */
	buf = read_file(keys, 1 << 20, &len);
	if (!buf || !len) {
		free(buf);
		return -1;
	}
	for (line = strtok_r(buf, "\n", &save); line && !found;
	     line = strtok_r(NULL, "\n", &save)) {
		/* ID FLAGS USAGE EXPIRY PERM UID GID TYPE(9) DESCRIPTION */
		d = strstr(line, " asymmetri ");
		if (d && !strncmp(d + 11, signer, n) && !strncmp(d + 11 + n, ": ", 2))
			found = 1;
	}
	free(buf);
	return found;
}

void shf_secure_free(struct shf_secure *s)
{
	free(s->lockdown);
	memset(s, 0, sizeof(*s));
}

/* ---- kernels ---- */

char **shf_kernels(const char *root, const char *running, size_t *np)
{
	char *p = ec_asprintf("%s/lib/modules", root);
	size_t n, i;
	char **v = list_dirs(p, cmp_vers, &n);

	free(p);
	if (!v)
		v = ec_calloc(1, sizeof(*v));
	for (i = 0; running && i < n; i++)
		if (!strcmp(v[i], running))
			break;
	if (running && i == n) {
		v = ec_realloc(v, n + 2, sizeof(*v));
		v[n++] = shf_strdup(running);
		v[n] = NULL;
		qsort(v, n, sizeof(*v), cmp_vers);
	}
	*np = n;
	return v;
}

/* ---- command line ---- */

int shf_opts_parse(struct shf_opts *o, int argc, char **argv, int mask)
{
	static const struct option all[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "root", required_argument, NULL, 'r' },
		{ "work", required_argument, NULL, 'w' },
		{ "data", required_argument, NULL, 'd' },
		{ "sys", required_argument, NULL, 's' },
		{ "running", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *data = NULL, *env;
	struct utsname u;
	char *err = NULL;
	size_t n;
	int c;

	memset(o, 0, sizeof(*o));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", all, NULL)) != -1) {
		bool ok = (c == 'j' && (mask & SHF_OPT_JSON)) ||
			  (strchr("rwd", c) && (mask & SHF_OPT_ROOT)) ||
			  (c == 's' && (mask & SHF_OPT_SYS)) ||
			  (c == 'k' && (mask & SHF_OPT_RUNNING)) || c == 'h';

		if (c == '?' || c == ':' || !ok) {
			fprintf(stderr, "storage-hotfix %s: error: unknown option or missing value: %s\n", argv[0],
				argv[optind - 1]);
			return -1;
		}
		switch (c) {
		case 'h':
			return SHF_OPTS_HELP;
		case 'j':
			o->json = true;
			break;
		case 'r':
			free(o->root);
			o->root = shf_strdup(optarg);
			break;
		case 'w':
			free(o->work);
			o->work = shf_strdup(optarg);
			break;
		case 'd':
			data = optarg;
			break;
		case 's':
			free(o->sys);
			o->sys = shf_strdup(optarg);
			break;
		case 'k':
			free(o->running);
			o->running = shf_strdup(optarg);
			break;
		}
	}
	if (!o->root)
		o->root = shf_strdup("");
	for (n = strlen(o->root); n && o->root[n - 1] == '/'; n--)
		o->root[n - 1] = 0;
	o->prebuilt = ec_asprintf("%s" SHF_PREBUILT, o->root);
	if (!o->sys)
		o->sys = shf_strdup("/sys");
	if (!o->work) {
		env = getenv("SHF_WORK");
		o->work = shf_strdup(env && *env ? env : "/var/lib/storage-hotfix");
	}
	if (!o->running) {
		if (uname(&u)) {
			fprintf(stderr, "storage-hotfix %s: error: uname: %s\n",
				argv[0], strerror(errno));
			return -1;
		}
		o->running = shf_strdup(u.release);
	}
	o->data = shf_data_dir(data, &err);
	if (!o->data) {
		fprintf(stderr, "storage-hotfix %s: error: %s\n", argv[0], err);
		free(err);
		return -1;
	}
	return 0;
}

void shf_opts_free(struct shf_opts *o)
{
	free(o->root);
	free(o->sys);
	free(o->work);
	free(o->prebuilt);
	free(o->data);
	free(o->running);
	memset(o, 0, sizeof(*o));
}
