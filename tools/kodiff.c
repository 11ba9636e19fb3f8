// SPDX-License-Identifier: GPL-2.0
/*
 * kodiff - compare relocatable ELF objects (Linux .ko modules, ET_REL .o)
 *
 *   kodiff sections [--json] A B   does B reproduce A, section by section?
 *   kodiff funcs [--json] A B      which functions changed, were added/removed
 *   kodiff symbols A               list FUNC symbols
 *   kodiff relocs A                list relocations with resolved targets
 *   kodiff exports A               list exported symbols (EXPORT_SYMBOL*)
 *
 * The comparisons live in elfcmp.c (shared with storage-hotfix); this file
 * is the command line and the listings.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elfcmp.h"

/* Global so that whatever fail() leaves behind is still reachable. */
static struct ec_obj objs[2];

static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;

	fputs("kodiff: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static int cmd_sections(struct ec_obj *a, struct ec_obj *b, bool json)
{
	struct ec_sections r;
	size_t ndiff = ec_sections(a, b, &r);

	ec_sections_print(stdout, &r, json);
	ec_sections_free(&r);
	return ndiff ? 1 : 0;
}

/* ---- funcs, symbols, relocs ---- */

static int cmd_funcs(struct ec_obj *a, struct ec_obj *b, bool json)
{
	struct ec_funcs r;
	size_t n = ec_funcs(a, b, &r), i;

	/* code no symbol covers differs: "0 changed" would be a lie */
	if (r.errors.n) {
		for (i = 0; i < r.errors.n; i++)
			fprintf(stderr, "kodiff: %s\n", r.errors.v[i]);
		ec_funcs_free(&r);
		return 2;
	}
	ec_funcs_print(stdout, &r, json);
	ec_funcs_free(&r);
	return n ? 1 : 0;
}

static const char *bind_name(unsigned char bind)
{
	switch (bind) {
	case STB_LOCAL:
		return "LOCAL";
	case STB_GLOBAL:
		return "GLOBAL";
	case STB_WEAK:
		return "WEAK";
	default:
		return "OTHER";
	}
}

static int cmd_symbols(struct ec_obj *o)
{
	size_t i;

	for (i = 0; i < o->nsyms; i++) {
		const struct ec_sym *s = &o->syms[i];

		if (s->type != STT_FUNC)
			continue;
		printf("%s 0x%" PRIx64 " %" PRIu64 " %s %s\n",
		       s->shndx ? o->secs[s->shndx].label : "*UND*",
		       s->value, s->size, bind_name(s->bind), s->name);
	}
	return 0;
}

static int cmd_relocs(struct ec_obj *o)
{
	size_t i, j;

	for (i = 1; i < o->nsecs; i++) {
		struct ec_sec *s = &o->secs[i];

		for (j = 0; j < s->nrels; j++) {
			const struct ec_sym *f = ec_sym_cover(s, s->rels[j].off);

			printf("%s+0x%" PRIx64 " %s%s0x%" PRIx64 " type %" PRIu32
			       " %s\n", s->label, s->rels[j].off,
			       f ? f->name : "", f ? "+" : "",
			       s->rels[j].off - (f ? f->value : 0),
			       s->rels[j].type, ec_target(o, s, &s->rels[j]));
		}
	}
	return 0;
}

/* ---- exports ---- */

/*
 * A .ko lists its exports in __ksymtab (EXPORT_SYMBOL) and __ksymtab_gpl
 * (EXPORT_SYMBOL_GPL), one struct kernel_symbol per export, labelled
 * __ksymtab_NAME; kernels before 5.13 also had the last three.  Before
 * 6.5 the entries come from EXPORT_SYMBOL itself, since then modpost makes
 * them from .export_symbol; the final .ko looks the same, and a .o before
 * modpost (only .export_symbol) simply has no exports here.
 */
static const struct {
	const char *sec, *type;
} ksymtabs[] = {
	{ "__ksymtab", "EXPORT_SYMBOL" },
	{ "__ksymtab_gpl", "EXPORT_SYMBOL_GPL" },
	{ "__ksymtab_gpl_future", "EXPORT_SYMBOL_GPL_FUTURE" },
	{ "__ksymtab_unused", "EXPORT_UNUSED_SYMBOL" },
	{ "__ksymtab_unused_gpl", "EXPORT_UNUSED_SYMBOL_GPL" },
};

#define KSYMTAB "__ksymtab_"
#define KSTRTABNS "__kstrtabns_"

struct export {
	const char *name, *type, *ns;
};

static const char *ksymtab_type(const struct ec_sec *s)
{
	size_t i;

	for (i = 0; i < sizeof(ksymtabs) / sizeof(ksymtabs[0]); i++)
		if (!strcmp(s->name, ksymtabs[i].sec))
			return ksymtabs[i].type;
	return NULL;
}

/* The __ksymtab_NAME label of an export, or NULL. */
static const char *export_name(const struct ec_obj *o, const struct ec_sym *s)
{
	if (s->type == STT_SECTION || !s->shndx ||
	    strncmp(s->name, KSYMTAB, strlen(KSYMTAB)) ||
	    !s->name[strlen(KSYMTAB)] || !ksymtab_type(&o->secs[s->shndx]))
		return NULL;
	return s->name + strlen(KSYMTAB);
}

/* NUL-terminated string at off in t, or NULL. */
static const char *sec_str(const struct ec_sec *t, uint64_t off)
{
	if (!t->buf || off >= t->size ||
	    !memchr(t->buf + off, 0, t->size - off))
		return NULL;
	return (const char *)t->buf + off;
}

static int cmp_sym_name(const void *x, const void *y)
{
	return strcmp((*(const struct ec_sym *const *)x)->name,
		      (*(const struct ec_sym *const *)y)->name);
}

static int cmp_export(const void *x, const void *y)
{
	const struct export *a = x, *b = y;
	int c = strcmp(a->name, b->name);

	return c ? c : strcmp(a->type, b->type);
}

/*
 * The namespace of the export labelled s.  struct kernel_symbol is
 * { value, name, namespace }: three ints relative to themselves with
 * CONFIG_HAVE_ARCH_PREL32_RELOCATIONS (12 bytes, R_X86_64_PC32 each),
 * else three pointers; before 5.4 there is no namespace field.  In a
 * .ko the namespace field carries a relocation to the string (in
 * __ksymtab_strings), or none if it is NULL.  If the section is not
 * made of entries of a known size, go by the __kstrtabns_NAME label.
 */
static const char *export_ns(const struct ec_obj *o, const struct ec_sym *s,
			     uint64_t entsize, struct ec_sym **nsv, size_t nns)
{
	const struct ec_sec *t = &o->secs[s->shndx];
	struct ec_sym key, *kp = &key, **found;
	const struct ec_sym *rs;
	const struct ec_rel *r;
	const char *str;
	uint64_t off;
	char *name;
	size_t i;

	if (entsize == 8 || entsize == 16)	/* { value, name } */
		return "";
	if (entsize == 12 || entsize == 24) {
		off = s->value + entsize / 3 * 2;
		i = ec_rel_lb(t, off);
		if (i >= t->nrels || t->rels[i].off != off)
			return "";
		r = &t->rels[i];
		rs = r->sym && r->sym < o->nsyms ? &o->syms[r->sym] : NULL;
		str = rs && rs->shndx ? sec_str(&o->secs[rs->shndx],
				rs->value + (uint64_t)r->addend) : NULL;
		if (!str)
			fail("%s: corrupt ELF file: namespace of %s points nowhere", o->path, s->name);
		return str;
	}
	if (!nns)
		return "";
	key.name = name = ec_asprintf(KSTRTABNS "%s", s->name + strlen(KSYMTAB));
	found = bsearch(&kp, nsv, nns, sizeof(*nsv), cmp_sym_name);
	free(name);
	if (!found)
		return "";
	str = sec_str(&o->secs[(*found)->shndx], (*found)->value);
	if (!str)
		fail("%s: corrupt ELF file: %s points nowhere", o->path,
		     (*found)->name);
	return str;
}

static int cmd_exports(struct ec_obj *o)
{
	struct export *ev = ec_calloc(o->nsyms, sizeof(*ev));
	struct ec_sym **nsv = ec_calloc(o->nsyms, sizeof(*nsv));
	uint64_t *entsize = ec_calloc(o->nsecs, sizeof(*entsize));
	size_t i, n = 0, nns = 0;

	/*
	 * Size of one kernel_symbol: a ksymtab section holds nothing else,
	 * so its size over the number of labels in it (0: unknown).
	 */
	for (i = 0; i < o->nsyms; i++) {
		struct ec_sym *s = &o->syms[i];

		if (export_name(o, s))
			entsize[s->shndx]++;
		else if (s->shndx && s->type != STT_SECTION &&
			 !strncmp(s->name, KSTRTABNS, strlen(KSTRTABNS)))
			nsv[nns++] = s;
	}
	for (i = 0; i < o->nsecs; i++)
		if (entsize[i])
			entsize[i] = o->secs[i].size % entsize[i] ? 0 :
				o->secs[i].size / entsize[i];
	if (nns)
		qsort(nsv, nns, sizeof(*nsv), cmp_sym_name);
	for (i = 0; i < o->nsyms; i++) {
		const struct ec_sym *s = &o->syms[i];
		const char *name = export_name(o, s);

		if (!name)
			continue;
		ev[n].name = name;
		ev[n].type = ksymtab_type(&o->secs[s->shndx]);
		ev[n++].ns = export_ns(o, s, entsize[s->shndx], nsv, nns);
	}
	if (n)
		qsort(ev, n, sizeof(*ev), cmp_export);
	for (i = 0; i < n; i++)
		printf("%s\t%s\t%s\n", ev[i].name, ev[i].type, ev[i].ns);
	free(entsize);
	free(nsv);
	free(ev);
	return 0;
}

/*
 * vmlinux (ET_EXEC, as decompressed from a distro's vmlinuz: stripped, so
 * no symbols) keeps its exports as resolved struct kernel_symbol entries:
 * with PREL32 (x86_64) each field is an int relative to its own address.
 * Distros often ship a dummy System.map, so this is the way to vmlinux's
 * export list for a synthesized Module.symvers.
 */
struct vsec {
	uint64_t addr, size;
	const unsigned char *buf;
};

static const char *vaddr_str(const struct vsec *v, size_t n, uint64_t addr)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].buf && addr >= v[i].addr && addr < v[i].addr + v[i].size &&
		    memchr(v[i].buf + (addr - v[i].addr), 0,
			   v[i].size - (addr - v[i].addr)))
			return (const char *)v[i].buf + (addr - v[i].addr);
	return NULL;
}

static int cmd_vmlinux_exports(const char *path)
{
	struct export *ev = NULL;
	struct vsec *v;
	size_t i, j, nsecs, shstrndx, n = 0, cap = 0;
	GElf_Ehdr eh;
	Elf *elf;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		fail("%s: %s", path, strerror(errno));
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh) ||
	    eh.e_type != ET_EXEC || eh.e_machine != EM_X86_64 ||
	    elf_getshdrnum(elf, &nsecs) || elf_getshdrstrndx(elf, &shstrndx))
		fail("%s: not an x86_64 vmlinux (ELF executable)", path);
	v = ec_calloc(nsecs, sizeof(*v));
	for (i = 1; i < nsecs; i++) {
		Elf_Scn *scn = elf_getscn(elf, i);
		GElf_Shdr sh;
		Elf_Data *d;

		if (!scn || !gelf_getshdr(scn, &sh))
			fail("%s: corrupt section header %zu", path, i);
		if (!(sh.sh_flags & SHF_ALLOC) || sh.sh_type == SHT_NOBITS ||
		    !sh.sh_size)
			continue;
		d = elf_rawdata(scn, NULL);
		if (!d || d->d_size != sh.sh_size)
			fail("%s: cannot read section %zu", path, i);
		v[i].addr = sh.sh_addr;
		v[i].size = sh.sh_size;
		v[i].buf = d->d_buf;
	}
	for (i = 1; i < nsecs; i++) {
		GElf_Shdr sh;
		const char *sname, *type = NULL;
		size_t k;

		gelf_getshdr(elf_getscn(elf, i), &sh);
		sname = elf_strptr(elf, shstrndx, sh.sh_name);
		for (k = 0; sname && k < sizeof(ksymtabs) / sizeof(ksymtabs[0]); k++)
			if (!strcmp(sname, ksymtabs[k].sec))
				type = ksymtabs[k].type;
		if (!type || !v[i].buf)
			continue;
		if (v[i].size % 12)
			fail("%s: %s is not made of 12-byte entries", path, sname);
		for (j = 0; j < v[i].size; j += 12) {
			int32_t f[3];
			uint64_t at = v[i].addr + j;

			memcpy(f, v[i].buf + j, sizeof(f));
			if (n == cap) {
				cap = cap ? 2 * cap : 4096;
				ev = realloc(ev, cap * sizeof(*ev));
				if (!ev)
					fail("out of memory");
			}
			ev[n].type = type;
			ev[n].name = vaddr_str(v, nsecs, at + 4 + (int64_t)f[1]);
			ev[n].ns = f[2] ? vaddr_str(v, nsecs, at + 8 + (int64_t)f[2]) : "";
			if (!ev[n].name || !ev[n].ns)
				fail("%s: %s entry %zu points nowhere", path, sname, j / 12);
			n++;
		}
	}
	if (n)
		qsort(ev, n, sizeof(*ev), cmp_export);
	for (i = 0; i < n; i++)
		printf("%s\t%s\t%s\n", ev[i].name, ev[i].type, ev[i].ns);
	free(ev);
	free(v);
	elf_end(elf);
	close(fd);
	return 0;
}

static void usage(FILE *f, int rc)
{
	fputs("usage: kodiff sections [--json] A.ko B.ko\n"
	      "       kodiff funcs [--json] A.ko B.ko\n"
	      "       kodiff symbols A.ko\n"
	      "       kodiff relocs A.ko\n"
	      "       kodiff exports A.ko\n"
	      "       kodiff vmlinux-exports VMLINUX\n"
	      "\n"
	      "Compare relocatable ELF objects (.ko modules, .o files).\n"
	      "  sections  does B reproduce A? compares the bytes of allocated\n"
	      "            sections (NOBITS: the size) and __versions, not\n"
	      "            .modinfo, build-id, .note.Linux; and their\n"
	      "            relocations; exit 0 if identical, 1 if not\n"
	      "  funcs     functions changed/added/removed from A to B; code\n"
	      "            plus relocation targets resolved by meaning (string\n"
	      "            contents, symbol+offset); exit 0 if none, 1 if any;\n"
	      "            code that differs where no function symbol covers\n"
	      "            it (stripped objects) is an error\n"
	      "  symbols   list FUNC symbols: section offset size bind name\n"
	      "  relocs    list relocations: place, type, resolved target\n"
	      "  exports   list exported symbols, sorted by name:\n"
	      "            NAME<TAB>EXPORT_SYMBOL[_GPL]<TAB>NAMESPACE (may be\n"
	      "            empty); from __ksymtab*, so final .ko files only\n"
	      "  vmlinux-exports  the same for an x86_64 vmlinux (stripped is\n"
	      "            fine: read from its resolved __ksymtab* entries)\n"
	      "Errors exit 2.\n", f);
	exit(rc);
}

int main(int argc, char **argv)
{
	const char *cmd, *files[2];
	bool json = false, opts = true;
	int i, nf = 0, want, rc;

	if (argc < 2)
		usage(stderr, 2);
	cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help"))
		usage(stdout, 0);
	for (i = 2; i < argc; i++) {
		if (opts && !strcmp(argv[i], "--"))
			opts = false;
		else if (opts && !strcmp(argv[i], "--json"))
			json = true;
		else if (opts && (!strcmp(argv[i], "--help") ||
				  !strcmp(argv[i], "-h")))
			usage(stdout, 0);
		else if (opts && argv[i][0] == '-' && argv[i][1])
			fail("unknown option '%s' (see kodiff --help)", argv[i]);
		else if (nf < 2)
			files[nf++] = argv[i];
		else
			fail("too many arguments (see kodiff --help)");
	}
	if (!strcmp(cmd, "vmlinux-exports")) {
		if (nf != 1 || json)
			fail("vmlinux-exports needs one file (see kodiff --help)");
		if (elf_version(EV_CURRENT) == EV_NONE)
			fail("libelf: %s", elf_errmsg(-1));
		return cmd_vmlinux_exports(files[0]);
	}
	if (!strcmp(cmd, "sections") || !strcmp(cmd, "funcs"))
		want = 2;
	else if (!strcmp(cmd, "symbols") || !strcmp(cmd, "relocs") ||
		 !strcmp(cmd, "exports"))
		want = 1;
	else
		fail("unknown command '%s' (see kodiff --help)", cmd);
	if (nf != want)
		fail("%s needs %d file%s (see kodiff --help)", cmd, want,
		     want > 1 ? "s" : "");
	if (json && want == 1)
		fail("%s: --json is not supported", cmd);
	if (elf_version(EV_CURRENT) == EV_NONE)
		fail("libelf: %s", elf_errmsg(-1));
	for (i = 0; i < nf; i++)
		if (ec_load(&objs[i], files[i]))
			fail("%s", objs[i].err);

	if (!strcmp(cmd, "sections"))
		rc = cmd_sections(&objs[0], &objs[1], json);
	else if (!strcmp(cmd, "funcs"))
		rc = cmd_funcs(&objs[0], &objs[1], json);
	else if (!strcmp(cmd, "symbols"))
		rc = cmd_symbols(&objs[0]);
	else if (!strcmp(cmd, "exports"))
		rc = cmd_exports(&objs[0]);
	else
		rc = cmd_relocs(&objs[0]);

	for (i = 0; i < nf; i++)
		ec_free(&objs[i]);
	if (fflush(stdout) || ferror(stdout))
		fail("write error: %s", strerror(errno));
	return rc;
}

