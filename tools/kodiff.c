/*
 * kodiff - compare relocatable ELF objects (Linux .ko modules, ET_REL .o)
 *
 *   kodiff sections [--json] A B   does B reproduce A, section by section?
 *   kodiff funcs [--json] A B      which functions changed, were added/removed
 *   kodiff symbols A               list FUNC symbols
 *   kodiff relocs A                list relocations with resolved targets
 *   kodiff exports A               list exported symbols (EXPORT_SYMBOL*)
 *
 * Relocation targets are compared by meaning, not by raw symbol index and
 * addend: a reference to a string literal compares the string itself, a
 * reference to "section + offset" compares the symbol found there.  So a
 * function whose literal merely moved inside .rodata.str1.1 is unchanged.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct rel {
	uint64_t off;
	uint32_t type;
	uint32_t sym;
	int64_t addend;
	char *tgt;		/* rendered target, filled on first use */
};

struct sym {
	const char *name;
	uint64_t value, size;
	size_t shndx;		/* 0 if undefined, ABS, COMMON... */
	unsigned char type, bind;
};

struct sec {
	const char *name;
	char *label;		/* name, or name#N for the Nth same-named one */
	GElf_Shdr sh;
	const unsigned char *buf;	/* file bytes; NULL if NOBITS or empty */
	uint64_t size;
	struct rel *rels;	/* relocations applied to this section */
	size_t nrels;
	const struct sym **syms;	/* FUNC/OBJECT defined here, by value */
	size_t nsyms;
	size_t occ;
};

struct obj {
	const char *path;
	int fd;
	Elf *elf;
	GElf_Ehdr eh;
	struct sec *secs;
	size_t nsecs;
	struct sym *syms;
	size_t nsyms;
};

/* Global so that whatever fail() leaves behind is still reachable. */
static struct obj objs[2];

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

static void __attribute__((noreturn)) bad_elf(const struct obj *o)
{
	const char *msg = elf_errmsg(-1);

	fail("%s: corrupt ELF file: %s", o->path, msg ? msg : "bad data");
}

static void *xrealloc(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		fail("out of memory");
	p = realloc(p, (n && size) ? n * size : 1);
	if (!p)
		fail("out of memory");
	return p;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		fail("out of memory");
	return p;
}

static char *__attribute__((format(printf, 1, 2)))
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		fail("out of memory");
	return s;
}

/* Name lists for the output, growing by doubling. */
struct names {
	char **v;
	size_t n, cap;
};

static void names_add(struct names *l, const char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 8;
		l->v = xrealloc(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n++] = xasprintf("%s", s);
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static void names_sort_uniq(struct names *l)
{
	size_t i, n = 0;

	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), cmp_str);
	for (i = 0; i < l->n; i++) {
		if (n && !strcmp(l->v[n - 1], l->v[i]))
			free(l->v[i]);
		else
			l->v[n++] = l->v[i];
	}
	l->n = n;
}

static void names_free(struct names *l)
{
	while (l->n)
		free(l->v[--l->n]);
	free(l->v);
	l->v = NULL;
	l->cap = 0;
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void json_list(const char *key, const struct names *l)
{
	size_t i;

	printf("\"%s\":[", key);
	for (i = 0; i < l->n; i++) {
		if (i)
			putchar(',');
		json_str(l->v[i]);
	}
	putchar(']');
}

/* ---- loading ---- */

static int cmp_sym_value(const void *x, const void *y)
{
	const struct sym *a = *(const struct sym *const *)x;
	const struct sym *b = *(const struct sym *const *)y;

	if (a->value != b->value)
		return a->value < b->value ? -1 : 1;
	return strcmp(a->name, b->name);
}

static int cmp_rel(const void *x, const void *y)
{
	const struct rel *a = x, *b = y;

	if (a->off != b->off)
		return a->off < b->off ? -1 : 1;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	return a->sym < b->sym ? -1 : a->sym > b->sym;
}

static int cmp_sec_name(const void *x, const void *y)
{
	const struct sec *a = *(const struct sec *const *)x;
	const struct sec *b = *(const struct sec *const *)y;
	int c = strcmp(a->name, b->name);

	if (c)
		return c;
	if (a->occ != b->occ)
		return a->occ < b->occ ? -1 : 1;
	return a < b ? -1 : a > b;
}

static bool is_x86(const struct obj *o)
{
	return o->eh.e_machine == EM_X86_64 || o->eh.e_machine == EM_386;
}

/*
 * Bytes a relocation patches.  Only known for x86, where the field is a
 * whole data word; elsewhere the field is part of an instruction whose
 * other bits must still be compared, so nothing is masked (0).
 */
static unsigned int rel_size(const struct obj *o, uint32_t type)
{
	if (o->eh.e_machine == EM_X86_64) {
		switch (type) {
		case R_X86_64_NONE:
			return 0;
		case R_X86_64_64: case R_X86_64_PC64: case R_X86_64_GOTOFF64:
		case R_X86_64_GOTPC64: case R_X86_64_GOT64:
		case R_X86_64_GOTPCREL64: case R_X86_64_GOTPLT64:
		case R_X86_64_SIZE64: case R_X86_64_DTPMOD64:
		case R_X86_64_DTPOFF64: case R_X86_64_TPOFF64:
			return 8;
		case R_X86_64_16: case R_X86_64_PC16:
			return 2;
		case R_X86_64_8: case R_X86_64_PC8:
			return 1;
		default:
			return 4;
		}
	}
	if (o->eh.e_machine == EM_386) {
		switch (type) {
		case R_386_NONE:
			return 0;
		case R_386_16: case R_386_PC16:
			return 2;
		case R_386_8: case R_386_PC8:
			return 1;
		default:
			return 4;
		}
	}
	return 0;
}

static bool x86_pcrel(const struct obj *o, uint32_t type)
{
	if (o->eh.e_machine == EM_386)
		return type == R_386_PC32 || type == R_386_PLT32 ||
		       type == R_386_GOTPC;
	return type == R_X86_64_PC32 || type == R_X86_64_PLT32 ||
	       type == R_X86_64_GOTPCREL || type == R_X86_64_GOTPCRELX ||
	       type == R_X86_64_REX_GOTPCRELX || type == R_X86_64_GOTPC32;
}

/* SHT_REL keeps the addend in the patched field; x86 only (see rel_size). */
static int64_t implicit_addend(const struct obj *o, const struct sec *s,
			       uint64_t off, uint32_t type)
{
	unsigned int i, n = rel_size(o, type);
	uint64_t v = 0;
	bool msb = o->eh.e_ident[EI_DATA] == ELFDATA2MSB;

	if (!n || !s->buf || off > s->size || s->size - off < n)
		return 0;
	for (i = 0; i < n; i++)
		v |= (uint64_t)s->buf[off + (msb ? n - 1 - i : i)] << (8 * i);
	if (n < 8 && (v >> (8 * n - 1)) & 1)
		v |= ~0ULL << (8 * n);	/* sign-extend */
	return (int64_t)v;
}

static void load_syms(struct obj *o, size_t symtab, size_t xndx)
{
	Elf_Data *d = elf_getdata(elf_getscn(o->elf, symtab), NULL);
	Elf_Data *xd = NULL;
	size_t i, ent = gelf_fsize(o->elf, ELF_T_SYM, 1, EV_CURRENT);
	size_t strndx = o->secs[symtab].sh.sh_link;

	if (!d || !ent)
		bad_elf(o);
	if (xndx && o->secs[xndx].sh.sh_link == symtab)
		xd = elf_getdata(elf_getscn(o->elf, xndx), NULL);
	o->nsyms = d->d_size / ent;
	o->syms = xcalloc(o->nsyms, sizeof(*o->syms));
	for (i = 0; i < o->nsyms; i++) {
		struct sym *s = &o->syms[i];
		GElf_Sym gs;
		Elf32_Word xi = 0;

		if (!gelf_getsymshndx(d, xd, i, &gs, &xi))
			bad_elf(o);
		s->name = elf_strptr(o->elf, strndx, gs.st_name);
		if (!s->name)
			s->name = "";
		s->value = gs.st_value;
		s->size = gs.st_size;
		s->type = GELF_ST_TYPE(gs.st_info);
		s->bind = GELF_ST_BIND(gs.st_info);
		if (gs.st_shndx == SHN_XINDEX)
			s->shndx = xi;
		else if (gs.st_shndx < SHN_LORESERVE)
			s->shndx = gs.st_shndx;
		if (s->shndx >= o->nsecs)
			s->shndx = 0;
	}

	/* per-section FUNC/OBJECT lists, to find what covers an offset */
	for (i = 0; i < o->nsyms; i++) {
		struct sym *s = &o->syms[i];

		if ((s->type == STT_FUNC || s->type == STT_OBJECT) && s->shndx)
			o->secs[s->shndx].nsyms++;
	}
	for (i = 0; i < o->nsecs; i++) {
		o->secs[i].syms = xcalloc(o->secs[i].nsyms, sizeof(void *));
		o->secs[i].nsyms = 0;
	}
	for (i = 0; i < o->nsyms; i++) {
		struct sym *s = &o->syms[i];
		struct sec *sec = &o->secs[s->shndx];

		if ((s->type == STT_FUNC || s->type == STT_OBJECT) && s->shndx)
			sec->syms[sec->nsyms++] = s;
	}
	for (i = 0; i < o->nsecs; i++)
		if (o->secs[i].nsyms)
			qsort(o->secs[i].syms, o->secs[i].nsyms,
			      sizeof(void *), cmp_sym_value);
}

static void load_rels(struct obj *o, size_t symtab)
{
	size_t i, j;

	for (i = 1; i < o->nsecs; i++) {
		const struct sec *rs = &o->secs[i];
		bool rela = rs->sh.sh_type == SHT_RELA;
		Elf_Data *d;
		struct sec *t;
		size_t n, ent;

		if ((!rela && rs->sh.sh_type != SHT_REL) ||
		    rs->sh.sh_link != symtab || !symtab ||
		    !rs->sh.sh_info || rs->sh.sh_info >= o->nsecs)
			continue;
		t = &o->secs[rs->sh.sh_info];
		d = elf_getdata(elf_getscn(o->elf, i), NULL);
		ent = gelf_fsize(o->elf, rela ? ELF_T_RELA : ELF_T_REL, 1,
				 EV_CURRENT);
		if (!d || !ent)
			bad_elf(o);
		n = d->d_size / ent;
		t->rels = xrealloc(t->rels, t->nrels + n, sizeof(*t->rels));
		for (j = 0; j < n; j++) {
			struct rel *r = &t->rels[t->nrels++];
			GElf_Rela ra;
			GElf_Rel rl;

			if (rela) {
				if (!gelf_getrela(d, j, &ra))
					bad_elf(o);
			} else {
				if (!gelf_getrel(d, j, &rl))
					bad_elf(o);
				ra.r_offset = rl.r_offset;
				ra.r_info = rl.r_info;
				ra.r_addend = implicit_addend(o, t, rl.r_offset,
						GELF_R_TYPE(rl.r_info));
			}
			r->off = ra.r_offset;
			r->type = GELF_R_TYPE(ra.r_info);
			r->sym = GELF_R_SYM(ra.r_info);
			r->addend = ra.r_addend;
			r->tgt = NULL;
		}
	}
	for (i = 0; i < o->nsecs; i++)
		if (o->secs[i].nrels)
			qsort(o->secs[i].rels, o->secs[i].nrels,
			      sizeof(struct rel), cmp_rel);
}

static void obj_load(struct obj *o, const char *path)
{
	size_t i, fsize, shstrndx, symtab = 0, xndx = 0;
	struct sec **v;

	o->path = path;
	o->fd = open(path, O_RDONLY);
	if (o->fd < 0)
		fail("%s: %s", path, strerror(errno));
	/* trailing bytes (module signature) are simply not looked at */
	o->elf = elf_begin(o->fd, ELF_C_READ_MMAP, NULL);
	if (!o->elf || elf_kind(o->elf) != ELF_K_ELF ||
	    !gelf_getehdr(o->elf, &o->eh) || o->eh.e_type != ET_REL)
		fail("%s: not an ELF relocatable object", path);
	/* libelf quietly reports no sections when the table is cut off */
	if (!elf_rawfile(o->elf, &fsize) || !o->eh.e_shoff ||
	    o->eh.e_shoff > fsize || !o->eh.e_shentsize ||
	    elf_getshdrnum(o->elf, &o->nsecs) || !o->nsecs ||
	    o->nsecs > (fsize - o->eh.e_shoff) / o->eh.e_shentsize ||
	    elf_getshdrstrndx(o->elf, &shstrndx))
		fail("%s: corrupt ELF file: bad section header table", path);
	o->secs = xcalloc(o->nsecs, sizeof(*o->secs));
	for (i = 0; i < o->nsecs; i++) {
		struct sec *s = &o->secs[i];
		Elf_Scn *scn = elf_getscn(o->elf, i);
		Elf_Data *d;

		s->name = "";
		if (!i)
			continue;
		if (!scn || !gelf_getshdr(scn, &s->sh))
			bad_elf(o);
		s->name = elf_strptr(o->elf, shstrndx, s->sh.sh_name);
		if (!s->name)
			s->name = "";
		s->size = s->sh.sh_size;
		if (s->sh.sh_type == SHT_SYMTAB && !symtab)
			symtab = i;
		if (s->sh.sh_type == SHT_SYMTAB_SHNDX)
			xndx = i;
		if (s->sh.sh_type == SHT_NOBITS || !s->size)
			continue;
		d = elf_rawdata(scn, NULL);
		if (!d || d->d_size != s->size || !d->d_buf)
			bad_elf(o);
		s->buf = d->d_buf;
	}

	/* name#N labels tell apart sections sharing a name, in file order */
	v = xcalloc(o->nsecs, sizeof(*v));
	for (i = 0; i < o->nsecs; i++)
		v[i] = &o->secs[i];
	qsort(v, o->nsecs, sizeof(*v), cmp_sec_name);
	for (i = 0; i < o->nsecs; i++) {
		if (i && !strcmp(v[i - 1]->name, v[i]->name))
			v[i]->occ = v[i - 1]->occ + 1;
		v[i]->label = v[i]->occ ?
			xasprintf("%s#%zu", v[i]->name, v[i]->occ) :
			xasprintf("%s", v[i]->name);
	}
	free(v);

	if (symtab)
		load_syms(o, symtab, xndx);
	load_rels(o, symtab);
}

static void obj_free(struct obj *o)
{
	size_t i, j;

	for (i = 0; i < o->nsecs; i++) {
		struct sec *s = &o->secs[i];

		for (j = 0; j < s->nrels; j++)
			free(s->rels[j].tgt);
		free(s->rels);
		free(s->syms);
		free(s->label);
	}
	free(o->secs);
	free(o->syms);
	elf_end(o->elf);
	close(o->fd);
	memset(o, 0, sizeof(*o));
}

/* ---- relocation targets ---- */

enum tkind { T_SYM, T_STR, T_CST };

static enum tkind tkind(const struct sec *t)
{
	if (!t->buf)
		return T_SYM;
	if ((t->sh.sh_flags & SHF_STRINGS) ||
	    !strncmp(t->name, ".rodata.str", 11))
		return T_STR;
	if ((t->sh.sh_flags & SHF_MERGE) && t->sh.sh_entsize &&
	    t->sh.sh_entsize <= 64)
		return T_CST;
	return T_SYM;
}

/*
 * Index of the first symbol (t->syms is sorted by value) whose value is
 * >= off, or > off when past is set.
 */
static size_t sym_bound(const struct sec *t, uint64_t off, bool past)
{
	size_t lo = 0, hi = t->nsyms, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (t->syms[mid]->value < off ||
		    (past && t->syms[mid]->value == off))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* FUNC/OBJECT symbol starting exactly at off (lowest name wins). */
static const struct sym *sym_at(const struct sec *t, int64_t off)
{
	size_t lo;

	if (off < 0)
		return NULL;
	lo = sym_bound(t, off, false);
	return lo < t->nsyms && t->syms[lo]->value == (uint64_t)off ?
		t->syms[lo] : NULL;
}

/* Innermost FUNC/OBJECT symbol whose [value, value+size) holds off. */
static const struct sym *sym_cover(const struct sec *t, int64_t off)
{
	size_t lo, steps = 0;
	const struct sym *best = NULL;

	if (off < 0)
		return NULL;
	lo = sym_bound(t, off, true);
	/* walk back; symbols rarely nest, so a few steps are enough */
	while (lo-- > 0 && steps++ < 64) {
		const struct sym *s = t->syms[lo];

		if (best && s->value != best->value)
			break;
		if (s->value + s->size > (uint64_t)off)
			best = s;
	}
	return best;
}

/* First FUNC/OBJECT symbol starting after off. */
static const struct sym *sym_next(const struct sec *t, int64_t off)
{
	size_t lo;

	if (off < 0)
		return NULL;
	lo = sym_bound(t, off, true);
	return lo < t->nsyms ? t->syms[lo] : NULL;
}

static bool is_start(const struct sec *t, enum tkind k, int64_t off)
{
	if (off < 0 || (uint64_t)off >= t->size)
		return false;
	if (k == T_STR)
		return !off || !t->buf[off - 1];
	if (k == T_CST)
		return (uint64_t)off % t->sh.sh_entsize == 0;
	return sym_at(t, off);
}

/*
 * Offset that a section-relative relocation designates in its target t,
 * given a = symbol value + addend.
 * - x86 PC-relative types in code: the field ends the instruction, 4 bytes
 *   before the next one, so lea .LC0(%rip) carries .LC0-4: use a+4.  An
 *   immediate after the field (addl $1, x(%rip) carries x-5) lowers the
 *   addend further, so snap forward up to 4 more bytes to the first start
 *   of a string / constant / symbol.
 * - other x86 types, and PC-relative data (.long x - .): a as is.
 * - other machines: a, or a+4 when a is mid-entity but a+4 is a start.
 */
static int64_t target_off(const struct obj *o, const struct sec *rs,
			  const struct rel *r, const struct sec *t,
			  enum tkind k, int64_t a)
{
	int i;

	if (is_x86(o) && (rs->sh.sh_flags & SHF_EXECINSTR) &&
	    x86_pcrel(o, r->type)) {
		for (i = 4; i <= 8; i++)
			if (is_start(t, k, a + i))
				return a + i;
		return a + 4;
	}
	if (is_x86(o) || is_start(t, k, a) || !is_start(t, k, a + 4))
		return a;
	return a + 4;
}

static char *render_str(const struct sec *t, uint64_t off)
{
	char *p;
	size_t n;
	FILE *f = open_memstream(&p, &n);

	if (!f)
		fail("out of memory");
	fputs("str:\"", f);
	for (; off < t->size && t->buf[off]; off++) {
		unsigned char c = t->buf[off];

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
	if (fclose(f))
		fail("out of memory");
	return p;
}

static char *render_cst(const struct sec *t, uint64_t off)
{
	char *p = xcalloc(5 + 2 * t->sh.sh_entsize, 1);
	size_t i;

	memcpy(p, "cst:", 4);
	for (i = 0; i < t->sh.sh_entsize; i++)
		sprintf(p + 4 + 2 * i, "%02x", t->buf[off + i]);
	return p;
}

static char *render(const struct obj *o, const struct sec *rs,
		    const struct rel *r)
{
	const struct sym *s, *c;
	const struct sec *t;
	enum tkind k;
	int64_t off;

	if (!r->sym)
		return xasprintf("*ABS*%+" PRId64, r->addend);
	if (r->sym >= o->nsyms)
		return xasprintf("?sym%" PRIu32, r->sym);
	s = &o->syms[r->sym];
	t = &o->secs[s->shndx];
	k = tkind(t);
	/*
	 * Keep the name of real symbols, but resolve by content what the
	 * assembler names only by position: section symbols, .L* labels,
	 * and anything (.LC0...) in string or constant pools, whose
	 * numbering shifts when another function gains a literal.
	 */
	if (s->type != STT_SECTION && *s->name && k == T_SYM &&
	    !(s->bind == STB_LOCAL && !strncmp(s->name, ".L", 2)))
		return xasprintf("%s%+" PRId64, s->name, r->addend);
	if (!s->shndx)
		return xasprintf("%s%+" PRId64, *s->name ? s->name : "*UND*",
				 r->addend);
	off = target_off(o, rs, r, t, k, (int64_t)s->value + r->addend);
	if (off >= 0 && (uint64_t)off < t->size) {
		if (k == T_STR)
			return render_str(t, off);
		if (k == T_CST && t->size - off >= t->sh.sh_entsize)
			return render_cst(t, off);
		c = sym_at(t, off);
		if (!c)
			c = sym_cover(t, off);
		if (!c && off > 0) {	/* end of a function (ORC marks it) */
			c = sym_cover(t, off - 1);
			if (c && c->value + c->size != (uint64_t)off)
				c = NULL;
		}
		if (!c)		/* padding: belongs to what follows */
			c = sym_next(t, off);
		if (c)
			return xasprintf("%s%+" PRId64, c->name,
					 off - (int64_t)c->value);
	}
	return xasprintf("%s%+" PRId64, t->label, off);
}

static const char *target(const struct obj *o, const struct sec *rs,
			  struct rel *r)
{
	if (!r->tgt)
		r->tgt = render(o, rs, r);
	return r->tgt;
}

/* ---- comparing ranges ---- */

#define D_BYTES 1
#define D_RELS 2

/* Index of the first relocation of s at or after off. */
static size_t rel_lb(const struct sec *s, uint64_t off)
{
	size_t lo = 0, hi = s->nrels, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->rels[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Same symbol and offset at ta in sa and at tb in sb? */
static bool same_place(const struct sec *sa, int64_t ta, const struct sec *sb,
		       int64_t tb)
{
	const struct sym *p = sym_cover(sa, ta), *q = sym_cover(sb, tb);

	return p && q && !strcmp(p->name, q->name) &&
	       (uint64_t)ta - p->value == (uint64_t)tb - q->value;
}

static int64_t le32(const unsigned char *p)
{
	return (int32_t)(p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24);
}

/*
 * x86: gas resolves references from code to code in the same section
 * (call static_fn, lea static_fn(%rip)) and leaves no relocation, so such
 * a rel32 changes whenever code in between grows.  Accept a difference at
 * k if it lies in the rel32 after a call/jmp/jcc opcode or a RIP-relative
 * ModRM byte, and both rel32 lead to the same symbol+offset (computed as
 * if the instruction ended after the rel32, in both files alike).
 * Returns the end of that rel32, or 0.
 */
static uint64_t same_rel32(const struct sec *sa, uint64_t xa,
			   const struct sec *sb, uint64_t xb, uint64_t len,
			   uint64_t k)
{
	const unsigned char *pa = sa->buf + xa, *pb = sb->buf + xb;
	uint64_t q;

	for (q = k > 4 ? k - 4 : 0; q < k && q + 5 <= len; q++) {
		unsigned char c = pa[q];

		if (c != pb[q] || !(c == 0xe8 || c == 0xe9 ||
				     (c & 0xc7) == 0x05 ||
				     (q && (c & 0xf0) == 0x80 &&
				      pa[q - 1] == 0x0f && pb[q - 1] == 0x0f)))
			continue;
		if (same_place(sa, xa + q + 5 + le32(pa + q + 1),
			       sb, xb + q + 5 + le32(pb + q + 1)))
			return q + 5;
	}
	return 0;
}

/*
 * Compare len bytes at xa in sa with those at xb in sb, by meaning: the
 * relocations inside must match (offset in the range, type, target), and
 * the bytes outside relocated fields must too (see same_rel32 for x86).
 */
static int cmp_range(const struct obj *a, struct sec *sa, uint64_t xa,
		     const struct obj *b, struct sec *sb, uint64_t xb,
		     uint64_t len)
{
	size_t i = rel_lb(sa, xa), ie = rel_lb(sa, xa + len);
	size_t j = rel_lb(sb, xb), je = rel_lb(sb, xb + len);
	const unsigned char *pa, *pb;
	unsigned char *mask;
	uint64_t k, n;
	int d = 0;

	if (ie - i != je - j)
		return D_RELS;
	for (; i < ie; i++, j++) {
		struct rel *ra = &sa->rels[i], *rb = &sb->rels[j];

		if (ra->off - xa != rb->off - xb || ra->type != rb->type ||
		    strcmp(target(a, sa, ra), target(b, sb, rb)))
			return D_RELS;
	}
	if (!sa->buf || !sb->buf)	/* NOBITS: no bytes to compare */
		return !sa->buf != !sb->buf ? D_BYTES : 0;
	pa = sa->buf + xa;
	pb = sb->buf + xb;
	if (!memcmp(pa, pb, len))
		return 0;
	mask = xcalloc(len, 1);
	for (i = rel_lb(sa, xa); i < ie; i++)
		for (k = sa->rels[i].off - xa, n = rel_size(a, sa->rels[i].type);
		     n-- && k < len; k++)
			mask[k] = 1;
	for (k = 0; k < len && !d; k++) {
		if (pa[k] == pb[k] || mask[k])
			continue;
		n = is_x86(a) ? same_rel32(sa, xa, sb, xb, len, k) : 0;
		if (n)
			k = n - 1;
		else
			d = D_BYTES;
	}
	free(mask);
	return d;
}

/* ---- matching symbols by name across files ---- */

struct fn {
	const struct sym *s;
	struct sec *sec;
	char *key;		/* name, or name@section[#k] if ambiguous */
	bool dup;
};

/* Defined symbols of the given type with a size (in section only, if set). */
static struct fn *collect(struct obj *o, const struct sec *only,
			  unsigned char type, size_t *np)
{
	struct fn *v = xcalloc(o->nsyms, sizeof(*v));
	size_t i, n = 0;

	for (i = 0; i < o->nsyms; i++) {
		const struct sym *s = &o->syms[i];
		struct sec *sec = &o->secs[s->shndx];

		if (s->type != type || !s->size || !s->shndx ||
		    (only && sec != only) || (!only && !sec->buf) ||
		    s->value > sec->size || sec->size - s->value < s->size)
			continue;
		v[n].s = s;
		v[n++].sec = sec;
	}
	*np = n;
	return v;
}

static void fns_free(struct fn *v, size_t n)
{
	while (n--)
		free(v[n].key);
	free(v);
}

static int cmp_fn_name(const void *x, const void *y)
{
	const struct fn *a = x, *b = y;
	int c = strcmp(a->s->name, b->s->name);

	if (!c)
		c = strcmp(a->sec->label, b->sec->label);
	if (!c && a->s->value != b->s->value)
		c = a->s->value < b->s->value ? -1 : 1;
	return c;
}

static int cmp_fn_key(const void *x, const void *y)
{
	return strcmp(((const struct fn *)x)->key, ((const struct fn *)y)->key);
}

static size_t run_end(const struct fn *v, size_t n, size_t i)
{
	size_t j = i + 1;

	while (j < n && !strcmp(v[j].s->name, v[i].s->name))
		j++;
	return j;
}

static void set_keys(struct fn *v, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		const struct fn *p = i ? &v[i - 1] : NULL;

		if (p && p->sec == v[i].sec && !strcmp(p->s->name, v[i].s->name))
			k++;
		else
			k = 0;
		if (!v[i].dup)
			v[i].key = xasprintf("%s", v[i].s->name);
		else if (!k)
			v[i].key = xasprintf("%s@%s", v[i].s->name,
					     v[i].sec->label);
		else
			v[i].key = xasprintf("%s@%s#%zu", v[i].s->name,
					     v[i].sec->label, k);
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_fn_key);
}

/*
 * Give each symbol its matching key: its name, unless that name is used
 * more than once in either file; then name@section, name@section#1, ...
 * in address order.  Both arrays end up sorted by key.
 */
static void make_keys(struct fn *a, size_t na, struct fn *b, size_t nb)
{
	size_t i, j, e, f;

	if (na)
		qsort(a, na, sizeof(*a), cmp_fn_name);
	if (nb)
		qsort(b, nb, sizeof(*b), cmp_fn_name);
	for (i = 0; i < na; i = e)
		for (e = run_end(a, na, i), j = i; e - i > 1 && j < e; j++)
			a[j].dup = true;
	for (i = 0; i < nb; i = e)
		for (e = run_end(b, nb, i), j = i; e - i > 1 && j < e; j++)
			b[j].dup = true;
	for (i = j = 0; i < na && j < nb;) {
		int c = strcmp(a[i].s->name, b[j].s->name);
		bool dup;

		if (c < 0) {
			i = run_end(a, na, i);
			continue;
		}
		if (c > 0) {
			j = run_end(b, nb, j);
			continue;
		}
		e = run_end(a, na, i);
		f = run_end(b, nb, j);
		dup = a[i].dup || b[j].dup;
		for (; i < e; i++)
			a[i].dup = dup;
		for (; j < f; j++)
			b[j].dup = dup;
	}
	set_keys(a, na);
	set_keys(b, nb);
}

/* Walk two key-sorted arrays: c < 0 only in a, c > 0 only in b. */
static int next_pair(const struct fn *a, size_t na, size_t i,
		     const struct fn *b, size_t nb, size_t j)
{
	if (i >= na)
		return 1;
	if (j >= nb)
		return -1;
	return strcmp(a[i].key, b[j].key);
}

/* ---- sections ---- */

struct run {
	uint64_t s, e;
};

struct diff {
	char *line;
	const char *sec;
	const char *kind;
	struct names fns;
};

static bool overlaps(const struct fn *f, const struct run *runs, size_t n)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {	/* first run ending after the symbol start */
		mid = lo + (hi - lo) / 2;
		if (runs[mid].e <= f->s->value)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && runs[lo].s < f->s->value + f->s->size;
}

/*
 * Name the symbols of a differing section: FUNC in code, OBJECT in data.
 * Matched by name, a symbol differs if it does by meaning, as in funcs
 * (so code that merely moved is not named); in a section of unchanged
 * size, symbols overlapping a differing byte are named too.
 */
static void sec_fns(struct obj *a, struct sec *sa, struct obj *b,
		    struct sec *sb, const struct run *runs, size_t nruns,
		    struct names *bytes, struct names *rels)
{
	unsigned char type = sa->sh.sh_flags & SHF_EXECINSTR ?
		STT_FUNC : STT_OBJECT;
	size_t na, nb, i = 0, j = 0;
	struct fn *fa = collect(a, sa, type, &na);
	struct fn *fb = collect(b, sb, type, &nb);
	int c, d;

	make_keys(fa, na, fb, nb);
	while (i < na || j < nb) {
		c = next_pair(fa, na, i, fb, nb, j);
		if (c) {
			names_add(bytes, c < 0 ? fa[i++].key : fb[j++].key);
			continue;
		}
		if (fa[i].s->size != fb[j].s->size)
			d = D_BYTES;
		else
			d = cmp_range(a, sa, fa[i].s->value, b, sb,
				      fb[j].s->value, fa[i].s->size);
		if (d & D_BYTES)
			names_add(bytes, fa[i].key);
		if (d & D_RELS)
			names_add(rels, fa[i].key);
		i++;
		j++;
	}
	for (i = 0; nruns && i < na; i++)
		if (overlaps(&fa[i], runs, nruns))
			names_add(bytes, fa[i].key);
	for (j = 0; nruns && j < nb; j++)
		if (overlaps(&fb[j], runs, nruns))
			names_add(bytes, fb[j].key);
	fns_free(fa, na);
	fns_free(fb, nb);
}

static bool in_compare(const struct sec *s)
{
	if (!strcmp(s->name, "__versions"))
		return true;
	if (!(s->sh.sh_flags & SHF_ALLOC) || !strncmp(s->name, ".rel", 4) ||
	    s->sh.sh_type == SHT_REL || s->sh.sh_type == SHT_RELA)
		return false;
	return strcmp(s->name, ".modinfo") &&
	       strcmp(s->name, ".note.gnu.build-id") &&
	       strcmp(s->name, ".note.Linux");
}

static struct sec **compared_secs(struct obj *o, size_t *np)
{
	struct sec **v = xcalloc(o->nsecs, sizeof(*v));
	size_t i, n = 0;

	for (i = 1; i < o->nsecs; i++)
		if (in_compare(&o->secs[i]))
			v[n++] = &o->secs[i];
	if (n)
		qsort(v, n, sizeof(*v), cmp_sec_name);
	*np = n;
	return v;
}

static bool rels_differ(struct obj *a, struct sec *sa, struct obj *b,
			struct sec *sb)
{
	size_t i;

	if (sa->nrels != sb->nrels)
		return true;
	for (i = 0; i < sa->nrels; i++) {
		struct rel *ra = &sa->rels[i], *rb = &sb->rels[i];

		if (ra->off != rb->off || ra->type != rb->type ||
		    strcmp(target(a, sa, ra), target(b, sb, rb)))
			return true;
	}
	return false;
}

static struct diff *add_diff(struct diff **v, size_t *n, const char *sec,
			     const char *kind, char *line)
{
	struct diff *d;

	*v = xrealloc(*v, *n + 1, sizeof(**v));
	d = &(*v)[(*n)++];
	memset(d, 0, sizeof(*d));
	d->sec = sec;
	d->kind = kind;
	d->line = line;
	return d;
}

static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* Returns the number of differing sections; *cmp gets the number compared. */
static size_t diff_sections(struct obj *a, struct obj *b, struct diff **dv,
			    size_t *nd, size_t *cmp)
{
	size_t na, nb, i = 0, j = 0, ndiff = 0, nruns = 0, nbytes, k;
	struct sec **va = compared_secs(a, &na), **vb = compared_secs(b, &nb);
	struct run *runs = NULL;

	*cmp = 0;
	while (i < na || j < nb) {
		struct sec *sa = i < na ? va[i] : NULL;
		struct sec *sb = j < nb ? vb[j] : NULL;
		int c = !sa ? 1 : !sb ? -1 : strcmp(sa->name, sb->name);
		struct names bytes = { 0 }, rels = { 0 };
		size_t before = *nd;
		struct diff *d;
		bool rdiff;

		if (sa && sb && !c)	/* same name: the Nth matches the Nth */
			c = (sa->occ > sb->occ) - (sa->occ < sb->occ);
		++*cmp;
		if (c < 0) {
			add_diff(dv, nd, sa->label, "only_in_a",
				 xasprintf("section %s: only in A", sa->label));
			i++;
			ndiff++;
			continue;
		}
		if (c > 0) {
			add_diff(dv, nd, sb->label, "only_in_b",
				 xasprintf("section %s: only in B", sb->label));
			j++;
			ndiff++;
			continue;
		}
		i++;
		j++;
		if (sa->size != sb->size || !sa->buf != !sb->buf) {
			d = add_diff(dv, nd, sa->label, "size",
				     sa->size != sb->size ?
				     xasprintf("section %s: size %" PRIu64
					       " vs %" PRIu64, sa->label,
					       sa->size, sb->size) :
				     xasprintf("section %s: NOBITS in one only",
					       sa->label));
			sec_fns(a, sa, b, sb, NULL, 0, &d->fns, &d->fns);
			ndiff++;
			continue;
		}
		nruns = nbytes = 0;
		if (sa->buf && memcmp(sa->buf, sb->buf, sa->size)) {
			runs = xrealloc(runs, sa->size, sizeof(*runs));
			for (k = 0; k < sa->size; k++) {
				if (sa->buf[k] == sb->buf[k])
					continue;
				nbytes++;
				if (nruns && runs[nruns - 1].e == k)
					runs[nruns - 1].e++;
				else
					runs[nruns++] = (struct run){ k, k + 1 };
			}
		}
		rdiff = rels_differ(a, sa, b, sb);
		if (nruns || rdiff)
			sec_fns(a, sa, b, sb, runs, nruns, &bytes, &rels);
		if (nruns) {
			d = add_diff(dv, nd, sa->label, "bytes", xasprintf(
				"section %s: differs (%zu %s at %zu %s)",
				sa->label, nbytes, plural(nbytes, "byte", "bytes"),
				nruns, plural(nruns, "place", "places")));
			d->fns = bytes;
			bytes = (struct names){ 0 };
		}
		if (rdiff) {
			d = add_diff(dv, nd, sa->label, "relocations",
				     xasprintf("relocations of %s: differ",
					       sa->label));
			d->fns = rels;
			rels = (struct names){ 0 };
		}
		names_free(&bytes);
		names_free(&rels);
		if (*nd > before)
			ndiff++;
	}
	free(runs);
	free(va);
	free(vb);
	return ndiff;
}

static int cmd_sections(struct obj *a, struct obj *b, bool json)
{
	struct diff *dv = NULL;
	size_t nd = 0, cmp, ndiff, i, k;

	ndiff = diff_sections(a, b, &dv, &nd, &cmp);
	if (json)
		printf("{\"identical\":%s,\"compared\":%zu,\"differences\":[",
		       ndiff ? "false" : "true", cmp);
	for (i = 0; i < nd; i++) {
		struct diff *d = &dv[i];

		names_sort_uniq(&d->fns);
		if (json) {
			printf("%s{\"section\":", i ? "," : "");
			json_str(d->sec);
			printf(",\"kind\":\"%s\",", d->kind);
			json_list("functions", &d->fns);
			putchar('}');
		} else {
			fputs(d->line, stdout);
			for (k = 0; k < d->fns.n; k++)
				printf("%s%s", k ? ", " : "; functions: ",
				       d->fns.v[k]);
			putchar('\n');
		}
		names_free(&d->fns);
		free(d->line);
	}
	free(dv);
	if (json)
		puts("]}");
	else if (ndiff)
		printf("different: %zu of %zu sections\n", ndiff, cmp);
	else
		printf("identical: %zu sections compared\n", cmp);
	return ndiff ? 1 : 0;
}

/* ---- funcs, symbols, relocs ---- */

static int cmd_funcs(struct obj *a, struct obj *b, bool json)
{
	size_t na, nb, i = 0, j = 0;
	struct fn *fa = collect(a, NULL, STT_FUNC, &na);
	struct fn *fb = collect(b, NULL, STT_FUNC, &nb);
	struct names ch = { 0 }, ad = { 0 }, rm = { 0 };
	int c, rc;

	make_keys(fa, na, fb, nb);
	while (i < na || j < nb) {
		const char *what = NULL, *key;

		c = next_pair(fa, na, i, fb, nb, j);
		if (c < 0) {
			key = fa[i++].key;
			names_add(&rm, key);
			what = "removed";
		} else if (c > 0) {
			key = fb[j++].key;
			names_add(&ad, key);
			what = "added";
		} else {
			key = fa[i].key;
			if (fa[i].s->size != fb[j].s->size ||
			    cmp_range(a, fa[i].sec, fa[i].s->value,
				      b, fb[j].sec, fb[j].s->value,
				      fa[i].s->size)) {
				names_add(&ch, key);
				what = "changed";
			}
			i++;
			j++;
		}
		if (what && !json)
			printf("%s: %s\n", what, key);
	}
	if (json) {
		putchar('{');
		json_list("changed", &ch);
		putchar(',');
		json_list("added", &ad);
		putchar(',');
		json_list("removed", &rm);
		puts("}");
	} else {
		printf("%zu changed, %zu added, %zu removed\n",
		       ch.n, ad.n, rm.n);
	}
	rc = ch.n || ad.n || rm.n;
	names_free(&ch);
	names_free(&ad);
	names_free(&rm);
	fns_free(fa, na);
	fns_free(fb, nb);
	return rc;
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

static int cmd_symbols(struct obj *o)
{
	size_t i;

	for (i = 0; i < o->nsyms; i++) {
		const struct sym *s = &o->syms[i];

		if (s->type != STT_FUNC)
			continue;
		printf("%s 0x%" PRIx64 " %" PRIu64 " %s %s\n",
		       s->shndx ? o->secs[s->shndx].label : "*UND*",
		       s->value, s->size, bind_name(s->bind), s->name);
	}
	return 0;
}

static int cmd_relocs(struct obj *o)
{
	size_t i, j;

	for (i = 1; i < o->nsecs; i++) {
		struct sec *s = &o->secs[i];

		for (j = 0; j < s->nrels; j++) {
			const struct sym *f = sym_cover(s, s->rels[j].off);

			printf("%s+0x%" PRIx64 " %s%s0x%" PRIx64 " type %" PRIu32
			       " %s\n", s->label, s->rels[j].off,
			       f ? f->name : "", f ? "+" : "",
			       s->rels[j].off - (f ? f->value : 0),
			       s->rels[j].type, target(o, s, &s->rels[j]));
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

static const char *ksymtab_type(const struct sec *s)
{
	size_t i;

	for (i = 0; i < sizeof(ksymtabs) / sizeof(ksymtabs[0]); i++)
		if (!strcmp(s->name, ksymtabs[i].sec))
			return ksymtabs[i].type;
	return NULL;
}

/* The __ksymtab_NAME label of an export, or NULL. */
static const char *export_name(const struct obj *o, const struct sym *s)
{
	if (s->type == STT_SECTION || !s->shndx ||
	    strncmp(s->name, KSYMTAB, strlen(KSYMTAB)) ||
	    !s->name[strlen(KSYMTAB)] || !ksymtab_type(&o->secs[s->shndx]))
		return NULL;
	return s->name + strlen(KSYMTAB);
}

/* NUL-terminated string at off in t, or NULL. */
static const char *sec_str(const struct sec *t, int64_t off)
{
	if (!t->buf || off < 0 || (uint64_t)off >= t->size ||
	    !memchr(t->buf + off, 0, t->size - off))
		return NULL;
	return (const char *)t->buf + off;
}

static int cmp_sym_name(const void *x, const void *y)
{
	return strcmp((*(const struct sym *const *)x)->name,
		      (*(const struct sym *const *)y)->name);
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
static const char *export_ns(const struct obj *o, const struct sym *s,
			     uint64_t entsize, struct sym **nsv, size_t nns)
{
	const struct sec *t = &o->secs[s->shndx];
	struct sym key, *kp = &key, **found;
	const struct sym *rs;
	const struct rel *r;
	const char *str;
	uint64_t off;
	char *name;
	size_t i;

	if (entsize == 8 || entsize == 16)	/* { value, name } */
		return "";
	if (entsize == 12 || entsize == 24) {
		off = s->value + entsize / 3 * 2;
		i = rel_lb(t, off);
		if (i >= t->nrels || t->rels[i].off != off)
			return "";
		r = &t->rels[i];
		rs = r->sym && r->sym < o->nsyms ? &o->syms[r->sym] : NULL;
		str = rs && rs->shndx ? sec_str(&o->secs[rs->shndx],
				(int64_t)rs->value + r->addend) : NULL;
		if (!str)
			fail("%s: corrupt ELF file: namespace of %s points "
			     "nowhere", o->path, s->name);
		return str;
	}
	if (!nns)
		return "";
	key.name = name = xasprintf(KSTRTABNS "%s", s->name + strlen(KSYMTAB));
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

static int cmd_exports(struct obj *o)
{
	struct export *ev = xcalloc(o->nsyms, sizeof(*ev));
	struct sym **nsv = xcalloc(o->nsyms, sizeof(*nsv));
	uint64_t *entsize = xcalloc(o->nsecs, sizeof(*entsize));
	size_t i, n = 0, nns = 0;

	/*
	 * Size of one kernel_symbol: a ksymtab section holds nothing else,
	 * so its size over the number of labels in it (0: unknown).
	 */
	for (i = 0; i < o->nsyms; i++) {
		struct sym *s = &o->syms[i];

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
		const struct sym *s = &o->syms[i];
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
	v = xcalloc(nsecs, sizeof(*v));
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
	      "            contents, symbol+offset); exit 0 if none, 1 if any\n"
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
		obj_load(&objs[i], files[i]);

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
		obj_free(&objs[i]);
	if (fflush(stdout) || ferror(stdout))
		fail("write error: %s", strerror(errno));
	return rc;
}
