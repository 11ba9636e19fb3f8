// SPDX-License-Identifier: GPL-2.0
/*
 * elfcmp - compare relocatable ELF objects (Linux .ko modules, ET_REL .o);
 * see elfcmp.h.  Used by kodiff and storage-hotfix.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elfcmp.h"

void ec_oom(void)
{
	fprintf(stderr, "%s: out of memory\n", program_invocation_short_name);
	exit(2);
}

static int __attribute__((format(printf, 2, 3)))
load_err(struct ec_obj *o, const char *fmt, ...)
{
	va_list ap;

	if (o->err)
		return -1;
	va_start(ap, fmt);
	if (vasprintf(&o->err, fmt, ap) < 0)
		ec_oom();
	va_end(ap);
	return -1;
}

static int bad_elf(struct ec_obj *o)
{
	const char *msg = elf_errmsg(-1);

	return load_err(o, "%s: corrupt ELF file: %s", o->path,
			msg ? msg : "bad data");
}

void *ec_realloc(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		ec_oom();
	p = realloc(p, (n && size) ? n * size : 1);
	if (!p)
		ec_oom();
	return p;
}

void *ec_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		ec_oom();
	return p;
}

char *ec_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		ec_oom();
	return s;
}

void ec_names_add(struct ec_names *l, const char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 8;
		l->v = ec_realloc(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n++] = ec_asprintf("%s", s);
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

void ec_names_sort_uniq(struct ec_names *l)
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

void ec_names_free(struct ec_names *l)
{
	while (l->n)
		free(l->v[--l->n]);
	free(l->v);
	l->v = NULL;
	l->cap = 0;
}

bool ec_names_has(const struct ec_names *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return true;
	return false;
}

void ec_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void ec_json_list(FILE *f, const char *key, const struct ec_names *l)
{
	size_t i;

	fprintf(f, "\"%s\":[", key);
	for (i = 0; i < l->n; i++) {
		if (i)
			fputc(',', f);
		ec_json_str(f, l->v[i]);
	}
	fputc(']', f);
}

/* ---- loading ---- */

static int cmp_sym_value(const void *x, const void *y)
{
	const struct ec_sym *a = *(const struct ec_sym *const *)x;
	const struct ec_sym *b = *(const struct ec_sym *const *)y;

	if (a->value != b->value)
		return a->value < b->value ? -1 : 1;
	return strcmp(a->name, b->name);
}

static int cmp_rel(const void *x, const void *y)
{
	const struct ec_rel *a = x, *b = y;

	if (a->off != b->off)
		return a->off < b->off ? -1 : 1;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	return a->sym < b->sym ? -1 : a->sym > b->sym;
}

static int cmp_sec_name(const void *x, const void *y)
{
	const struct ec_sec *a = *(const struct ec_sec *const *)x;
	const struct ec_sec *b = *(const struct ec_sec *const *)y;
	int c = strcmp(a->name, b->name);

	if (c)
		return c;
	if (a->occ != b->occ)
		return a->occ < b->occ ? -1 : 1;
	return a < b ? -1 : a > b;
}

static bool is_x86(const struct ec_obj *o)
{
	return o->eh.e_machine == EM_X86_64 || o->eh.e_machine == EM_386;
}

/*
 * Bytes a relocation patches.  Only known for x86, where the field is a
 * whole data word; elsewhere the field is part of an instruction whose
 * other bits must still be compared, so nothing is masked (0).
 */
static unsigned int rel_size(const struct ec_obj *o, uint32_t type)
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

static bool x86_pcrel(const struct ec_obj *o, uint32_t type)
{
	if (o->eh.e_machine == EM_386)
		return type == R_386_PC32 || type == R_386_PLT32 ||
		       type == R_386_GOTPC;
	return type == R_X86_64_PC32 || type == R_X86_64_PLT32 ||
	       type == R_X86_64_GOTPCREL || type == R_X86_64_GOTPCRELX ||
	       type == R_X86_64_REX_GOTPCRELX || type == R_X86_64_GOTPC32;
}

/* SHT_REL keeps the addend in the patched field; x86 only (see rel_size). */
static int64_t implicit_addend(const struct ec_obj *o, const struct ec_sec *s,
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

static int load_syms(struct ec_obj *o, size_t symtab, size_t xndx)
{
	Elf_Data *d = elf_getdata(elf_getscn(o->elf, symtab), NULL);
	Elf_Data *xd = NULL;
	size_t i, ent = gelf_fsize(o->elf, ELF_T_SYM, 1, EV_CURRENT);
	size_t strndx = o->secs[symtab].sh.sh_link;

	if (!d || !ent)
		return bad_elf(o);
	if (xndx && o->secs[xndx].sh.sh_link == symtab)
		xd = elf_getdata(elf_getscn(o->elf, xndx), NULL);
	o->nsyms = d->d_size / ent;
	o->syms = ec_calloc(o->nsyms, sizeof(*o->syms));
	for (i = 0; i < o->nsyms; i++) {
		struct ec_sym *s = &o->syms[i];
		GElf_Sym gs;
		Elf32_Word xi = 0;

		if (!gelf_getsymshndx(d, xd, i, &gs, &xi))
			return bad_elf(o);
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
		struct ec_sym *s = &o->syms[i];

		if ((s->type == STT_FUNC || s->type == STT_OBJECT) && s->shndx)
			o->secs[s->shndx].nsyms++;
	}
	for (i = 0; i < o->nsecs; i++) {
		o->secs[i].syms = ec_calloc(o->secs[i].nsyms, sizeof(void *));
		o->secs[i].nsyms = 0;
	}
	for (i = 0; i < o->nsyms; i++) {
		struct ec_sym *s = &o->syms[i];
		struct ec_sec *sec = &o->secs[s->shndx];

		if ((s->type == STT_FUNC || s->type == STT_OBJECT) && s->shndx)
			sec->syms[sec->nsyms++] = s;
	}
	for (i = 0; i < o->nsecs; i++)
		if (o->secs[i].nsyms)
			qsort(o->secs[i].syms, o->secs[i].nsyms,
			      sizeof(void *), cmp_sym_value);
	return 0;
}

static int load_rels(struct ec_obj *o, size_t symtab)
{
	size_t i, j;

	for (i = 1; i < o->nsecs; i++) {
		const struct ec_sec *rs = &o->secs[i];
		bool rela = rs->sh.sh_type == SHT_RELA;
		Elf_Data *d;
		struct ec_sec *t;
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
			return bad_elf(o);
		n = d->d_size / ent;
		t->rels = ec_realloc(t->rels, t->nrels + n, sizeof(*t->rels));
		for (j = 0; j < n; j++) {
			struct ec_rel *r = &t->rels[t->nrels];
			GElf_Rela ra;
			GElf_Rel rl;

			if (rela) {
				if (!gelf_getrela(d, j, &ra))
					return bad_elf(o);
			} else {
				if (!gelf_getrel(d, j, &rl))
					return bad_elf(o);
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
			t->nrels++;
		}
	}
	for (i = 0; i < o->nsecs; i++)
		if (o->secs[i].nrels)
			qsort(o->secs[i].rels, o->secs[i].nrels,
			      sizeof(struct ec_rel), cmp_rel);
	return 0;
}

int ec_load(struct ec_obj *o, const char *path)
{
	size_t i, fsize, shstrndx, symtab = 0, xndx = 0;
	struct ec_sec **v;

	memset(o, 0, sizeof(*o));
	o->path = path;
	if (elf_version(EV_CURRENT) == EV_NONE) {
		o->fd = -1;
		return load_err(o, "libelf: %s", elf_errmsg(-1));
	}
	o->fd = open(path, O_RDONLY);
	if (o->fd < 0)
		return load_err(o, "%s: %s", path, strerror(errno));
	/* trailing bytes (module signature) are simply not looked at */
	o->elf = elf_begin(o->fd, ELF_C_READ_MMAP, NULL);
	if (!o->elf || elf_kind(o->elf) != ELF_K_ELF ||
	    !gelf_getehdr(o->elf, &o->eh) || o->eh.e_type != ET_REL)
		return load_err(o, "%s: not an ELF relocatable object", path);
	/* libelf quietly reports no sections when the table is cut off */
	if (!elf_rawfile(o->elf, &fsize) || !o->eh.e_shoff ||
	    o->eh.e_shoff > fsize || !o->eh.e_shentsize ||
	    elf_getshdrnum(o->elf, &o->nsecs) || !o->nsecs ||
	    o->nsecs > (fsize - o->eh.e_shoff) / o->eh.e_shentsize ||
	    elf_getshdrstrndx(o->elf, &shstrndx))
		return load_err(o, "%s: corrupt ELF file: bad section header table",
				path);
	o->secs = ec_calloc(o->nsecs, sizeof(*o->secs));
	for (i = 0; i < o->nsecs; i++) {
		struct ec_sec *s = &o->secs[i];
		Elf_Scn *scn = elf_getscn(o->elf, i);
		Elf_Data *d;

		s->name = "";
		if (!i)
			continue;
		if (!scn || !gelf_getshdr(scn, &s->sh))
			return bad_elf(o);
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
			return bad_elf(o);
		s->buf = d->d_buf;
	}

	/* name#N labels tell apart sections sharing a name, in file order */
	v = ec_calloc(o->nsecs, sizeof(*v));
	for (i = 0; i < o->nsecs; i++)
		v[i] = &o->secs[i];
	qsort(v, o->nsecs, sizeof(*v), cmp_sec_name);
	for (i = 0; i < o->nsecs; i++) {
		if (i && !strcmp(v[i - 1]->name, v[i]->name))
			v[i]->occ = v[i - 1]->occ + 1;
		v[i]->label = v[i]->occ ?
			ec_asprintf("%s#%zu", v[i]->name, v[i]->occ) :
			ec_asprintf("%s", v[i]->name);
	}
	free(v);

	if (symtab && load_syms(o, symtab, xndx))
		return -1;
	return load_rels(o, symtab);
}

void ec_free(struct ec_obj *o)
{
	size_t i, j;

	for (i = 0; i < o->nsecs; i++) {
		struct ec_sec *s = &o->secs[i];

		for (j = 0; j < s->nrels; j++)
			free(s->rels[j].tgt);
		free(s->rels);
		free(s->syms);
		free(s->label);
	}
	free(o->secs);
	free(o->syms);
	free(o->err);
	elf_end(o->elf);
	if (o->fd >= 0)
		close(o->fd);
	memset(o, 0, sizeof(*o));
	o->fd = -1;
}

/* ---- relocation targets ---- */

enum tkind { T_SYM, T_STR, T_CST };

static enum tkind tkind(const struct ec_sec *t)
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
static size_t sym_bound(const struct ec_sec *t, uint64_t off, bool past)
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

/*
 * Offsets into a section are unsigned: symbol values and addends come
 * from the file, so value + addend may be anything; it wraps (defined)
 * instead of overflowing, and whatever lands past the section's end is
 * simply not a place in it.
 */

/* FUNC/OBJECT symbol starting exactly at off (lowest name wins). */
static const struct ec_sym *sym_at(const struct ec_sec *t, uint64_t off)
{
	size_t lo = sym_bound(t, off, false);

	return lo < t->nsyms && t->syms[lo]->value == off ? t->syms[lo] : NULL;
}

/* Innermost FUNC/OBJECT symbol whose [value, value+size) holds off. */
static const struct ec_sym *sym_cover(const struct ec_sec *t, uint64_t off)
{
	size_t lo, steps = 0;
	const struct ec_sym *best = NULL;

	lo = sym_bound(t, off, true);
	/* walk back; symbols rarely nest, so a few steps are enough */
	while (lo-- > 0 && steps++ < 64) {
		const struct ec_sym *s = t->syms[lo];

		if (best && s->value != best->value)
			break;
		/* value <= off here; value + size may wrap, the distance not */
		if (off - s->value < s->size)
			best = s;
	}
	return best;
}

/* First FUNC/OBJECT symbol starting after off. */
static const struct ec_sym *sym_next(const struct ec_sec *t, uint64_t off)
{
	size_t lo = sym_bound(t, off, true);

	return lo < t->nsyms ? t->syms[lo] : NULL;
}

static bool is_start(const struct ec_sec *t, enum tkind k, uint64_t off)
{
	if (off >= t->size)
		return false;
	if (k == T_STR)
		return !off || !t->buf[off - 1];
	if (k == T_CST)
		return off % t->sh.sh_entsize == 0;
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
static uint64_t target_off(const struct ec_obj *o, const struct ec_sec *rs,
			   const struct ec_rel *r, const struct ec_sec *t,
			   enum tkind k, uint64_t a)
{
	unsigned int i;

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

static char *render_str(const struct ec_sec *t, uint64_t off)
{
	char *p;
	size_t n;
	FILE *f = open_memstream(&p, &n);

	if (!f)
		ec_oom();
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
		ec_oom();
	return p;
}

static char *render_cst(const struct ec_sec *t, uint64_t off)
{
	char *p = ec_calloc(5 + 2 * t->sh.sh_entsize, 1);
	size_t i;

	memcpy(p, "cst:", 4);
	for (i = 0; i < t->sh.sh_entsize; i++)
		sprintf(p + 4 + 2 * i, "%02x", t->buf[off + i]);
	return p;
}

static char *render(const struct ec_obj *o, const struct ec_sec *rs,
		    const struct ec_rel *r)
{
	const struct ec_sym *s, *c;
	const struct ec_sec *t;
	enum tkind k;
	uint64_t off;

	if (!r->sym)
		return ec_asprintf("*ABS*%+" PRId64, r->addend);
	if (r->sym >= o->nsyms)
		return ec_asprintf("?sym%" PRIu32, r->sym);
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
		return ec_asprintf("%s%+" PRId64, s->name, r->addend);
	if (!s->shndx)
		return ec_asprintf("%s%+" PRId64, *s->name ? s->name : "*UND*",
				 r->addend);
	off = target_off(o, rs, r, t, k, s->value + (uint64_t)r->addend);
	if (off < t->size) {
		if (k == T_STR)
			return render_str(t, off);
		if (k == T_CST && t->size - off >= t->sh.sh_entsize)
			return render_cst(t, off);
		c = sym_at(t, off);
		if (!c)
			c = sym_cover(t, off);
		if (!c && off > 0) {	/* end of a function (ORC marks it) */
			c = sym_cover(t, off - 1);
			if (c && off - c->value != c->size)
				c = NULL;
		}
		if (!c)		/* padding: belongs to what follows */
			c = sym_next(t, off);
		if (c)	/* before or in c: a small signed distance */
			return ec_asprintf("%s%+" PRId64, c->name,
					 (int64_t)(off - c->value));
	}
	/* nowhere in t: shown signed, so 2^64 - 4 reads -4 */
	return ec_asprintf("%s%+" PRId64, t->label, (int64_t)off);
}

static const char *target(const struct ec_obj *o, const struct ec_sec *rs,
			  struct ec_rel *r)
{
	if (!r->tgt)
		r->tgt = render(o, rs, r);
	return r->tgt;
}

/* ---- comparing ranges ---- */

#define D_BYTES 1
#define D_RELS 2

/* Index of the first relocation of s at or after off. */
static size_t rel_lb(const struct ec_sec *s, uint64_t off)
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
static bool same_place(const struct ec_sec *sa, uint64_t ta,
		       const struct ec_sec *sb, uint64_t tb)
{
	const struct ec_sym *p, *q;

	if (ta >= sa->size || tb >= sb->size)
		return false;
	p = sym_cover(sa, ta);
	q = sym_cover(sb, tb);
	return p && q && !strcmp(p->name, q->name) &&
	       ta - p->value == tb - q->value;
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
static uint64_t same_rel32(const struct ec_sec *sa, uint64_t xa,
			   const struct ec_sec *sb, uint64_t xb, uint64_t len,
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
		if (same_place(sa, xa + q + 5 + (uint64_t)le32(pa + q + 1),
			       sb, xb + q + 5 + (uint64_t)le32(pb + q + 1)))
			return q + 5;
	}
	return 0;
}

/*
 * Compare len bytes at xa in sa with those at xb in sb, by meaning: the
 * relocations inside must match (offset in the range, type, target), and
 * the bytes outside relocated fields must too (see same_rel32 for x86).
 */
static int cmp_range(const struct ec_obj *a, struct ec_sec *sa, uint64_t xa,
		     const struct ec_obj *b, struct ec_sec *sb, uint64_t xb,
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
		struct ec_rel *ra = &sa->rels[i], *rb = &sb->rels[j];

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
	mask = ec_calloc(len, 1);
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
	const struct ec_sym *s;
	struct ec_sec *sec;
	char *key;		/* name, or name@section[#k] if ambiguous */
	bool dup;
};

/* Defined symbols of the given type with a size (in section only, if set). */
static struct fn *collect(struct ec_obj *o, const struct ec_sec *only,
			  unsigned char type, size_t *np)
{
	struct fn *v = ec_calloc(o->nsyms, sizeof(*v));
	size_t i, n = 0;

	for (i = 0; i < o->nsyms; i++) {
		const struct ec_sym *s = &o->syms[i];
		struct ec_sec *sec = &o->secs[s->shndx];

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
			v[i].key = ec_asprintf("%s", v[i].s->name);
		else if (!k)
			v[i].key = ec_asprintf("%s@%s", v[i].s->name,
					     v[i].sec->label);
		else
			v[i].key = ec_asprintf("%s@%s#%zu", v[i].s->name,
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
static void sec_fns(struct ec_obj *a, struct ec_sec *sa, struct ec_obj *b,
		    struct ec_sec *sb, const struct run *runs, size_t nruns,
		    struct ec_names *bytes, struct ec_names *rels)
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
			ec_names_add(bytes, c < 0 ? fa[i++].key : fb[j++].key);
			continue;
		}
		if (fa[i].s->size != fb[j].s->size)
			d = D_BYTES;
		else
			d = cmp_range(a, sa, fa[i].s->value, b, sb,
				      fb[j].s->value, fa[i].s->size);
		if (d & D_BYTES)
			ec_names_add(bytes, fa[i].key);
		if (d & D_RELS)
			ec_names_add(rels, fa[i].key);
		i++;
		j++;
	}
	for (i = 0; nruns && i < na; i++)
		if (overlaps(&fa[i], runs, nruns))
			ec_names_add(bytes, fa[i].key);
	for (j = 0; nruns && j < nb; j++)
		if (overlaps(&fb[j], runs, nruns))
			ec_names_add(bytes, fb[j].key);
	fns_free(fa, na);
	fns_free(fb, nb);
}

static bool in_compare(const struct ec_sec *s)
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

static struct ec_sec **compared_secs(struct ec_obj *o, size_t *np)
{
	struct ec_sec **v = ec_calloc(o->nsecs, sizeof(*v));
	size_t i, n = 0;

	for (i = 1; i < o->nsecs; i++)
		if (in_compare(&o->secs[i]))
			v[n++] = &o->secs[i];
	if (n)
		qsort(v, n, sizeof(*v), cmp_sec_name);
	*np = n;
	return v;
}

static bool rels_differ(struct ec_obj *a, struct ec_sec *sa, struct ec_obj *b,
			struct ec_sec *sb)
{
	size_t i;

	if (sa->nrels != sb->nrels)
		return true;
	for (i = 0; i < sa->nrels; i++) {
		struct ec_rel *ra = &sa->rels[i], *rb = &sb->rels[i];

		if (ra->off != rb->off || ra->type != rb->type ||
		    strcmp(target(a, sa, ra), target(b, sb, rb)))
			return true;
	}
	return false;
}

static struct ec_diff *add_diff(struct ec_diff **v, size_t *n, const char *sec,
			     const char *kind, char *line)
{
	struct ec_diff *d;

	*v = ec_realloc(*v, *n + 1, sizeof(**v));
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
static size_t diff_sections(struct ec_obj *a, struct ec_obj *b,
			    struct ec_diff **dv, size_t *nd, size_t *cmp)
{
	size_t na, nb, i = 0, j = 0, ndiff = 0, nruns = 0, nbytes, k;
	struct ec_sec **va = compared_secs(a, &na), **vb = compared_secs(b, &nb);
	struct run *runs = NULL;

	*cmp = 0;
	while (i < na || j < nb) {
		struct ec_sec *sa = i < na ? va[i] : NULL;
		struct ec_sec *sb = j < nb ? vb[j] : NULL;
		int c = !sa ? 1 : !sb ? -1 : strcmp(sa->name, sb->name);
		struct ec_names bytes = { 0 }, rels = { 0 };
		size_t before = *nd;
		struct ec_diff *d;
		bool rdiff;

		if (sa && sb && !c)	/* same name: the Nth matches the Nth */
			c = (sa->occ > sb->occ) - (sa->occ < sb->occ);
		++*cmp;
		if (c < 0) {
			add_diff(dv, nd, sa->label, "only_in_a",
				 ec_asprintf("section %s: only in A", sa->label));
			i++;
			ndiff++;
			continue;
		}
		if (c > 0) {
			add_diff(dv, nd, sb->label, "only_in_b",
				 ec_asprintf("section %s: only in B", sb->label));
			j++;
			ndiff++;
			continue;
		}
		i++;
		j++;
		if (sa->size != sb->size || !sa->buf != !sb->buf) {
			d = add_diff(dv, nd, sa->label, "size",
				     sa->size != sb->size ?
				     ec_asprintf("section %s: size %" PRIu64
					       " vs %" PRIu64, sa->label,
					       sa->size, sb->size) :
				     ec_asprintf("section %s: NOBITS in one only",
					       sa->label));
			sec_fns(a, sa, b, sb, NULL, 0, &d->fns, &d->fns);
			ndiff++;
			continue;
		}
		nruns = nbytes = 0;
		if (sa->buf && memcmp(sa->buf, sb->buf, sa->size)) {
			runs = ec_realloc(runs, sa->size, sizeof(*runs));
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
			d = add_diff(dv, nd, sa->label, "bytes", ec_asprintf(
				"section %s: differs (%zu %s at %zu %s)",
				sa->label, nbytes, plural(nbytes, "byte", "bytes"),
				nruns, plural(nruns, "place", "places")));
			d->fns = bytes;
			bytes = (struct ec_names){ 0 };
		}
		if (rdiff) {
			d = add_diff(dv, nd, sa->label, "relocations",
				     ec_asprintf("relocations of %s: differ",
					       sa->label));
			d->fns = rels;
			rels = (struct ec_names){ 0 };
		}
		ec_names_free(&bytes);
		ec_names_free(&rels);
		if (*nd > before)
			ndiff++;
	}
	free(runs);
	free(va);
	free(vb);
	return ndiff;
}

size_t ec_sections(struct ec_obj *a, struct ec_obj *b, struct ec_sections *r)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	r->ndiff = diff_sections(a, b, &r->v, &r->n, &r->compared);
	for (i = 0; i < r->n; i++)
		ec_names_sort_uniq(&r->v[i].fns);
	return r->ndiff;
}

void ec_sections_print(FILE *f, const struct ec_sections *r, bool json)
{
	size_t i, k;

	if (json)
		fprintf(f, "{\"identical\":%s,\"compared\":%zu,\"differences\":[",
			r->ndiff ? "false" : "true", r->compared);
	for (i = 0; i < r->n; i++) {
		const struct ec_diff *d = &r->v[i];

		if (json) {
			fprintf(f, "%s{\"section\":", i ? "," : "");
			ec_json_str(f, d->sec);
			fprintf(f, ",\"kind\":\"%s\",", d->kind);
			ec_json_list(f, "functions", &d->fns);
			fputc('}', f);
		} else {
			fputs(d->line, f);
			for (k = 0; k < d->fns.n; k++)
				fprintf(f, "%s%s", k ? ", " : "; functions: ",
					d->fns.v[k]);
			fputc('\n', f);
		}
	}
	if (json)
		fputs("]}\n", f);
	else if (r->ndiff)
		fprintf(f, "different: %zu of %zu sections\n", r->ndiff,
			r->compared);
	else
		fprintf(f, "identical: %zu sections compared\n", r->compared);
}

void ec_sections_free(struct ec_sections *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		ec_names_free(&r->v[i].fns);
		free(r->v[i].line);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}

/* ---- funcs: code no function covers ---- */

/*
 * Sections of function code: .text, .text.*, .init.text... (not
 * .altinstr_replacement and the like: code without symbols by design,
 * whose changes belong to the tables that point at it).
 */
static bool func_code(const struct ec_sec *s)
{
	size_t n = strlen(s->name);

	return (s->sh.sh_flags & SHF_EXECINSTR) && s->buf &&
	       (!strcmp(s->name, ".text") || !strncmp(s->name, ".text.", 6) ||
		(n > 5 && !strcmp(s->name + n - 5, ".text")));
}

/*
 * Bytes the assembler pads code with: on x86 the NOP forms (90, 66 90,
 * 0f 1f 00 ... 66 2e 0f 1f 84 00 00 00 00 00) and int3, on i386 also the
 * lea/mov NOPs of older binutils (89 f6, 8d 76 00, 8d b4 26 00 00 00 00,
 * 8d bc 27 ...); zero elsewhere.  Judged byte by byte, to trim the ends
 * of a range: real code nearly always has other bytes, and a wrong guess
 * only narrows a range both files would still have to match.
 */
static bool pad_byte(const struct ec_obj *o, unsigned char c)
{
	static const unsigned char x86[] = {
		0x00, 0x0f, 0x1f, 0x2e, 0x40, 0x44, 0x66, 0x80, 0x84, 0x90,
		0xcc,
	};
	static const unsigned char i386[] = {
		0x26, 0x27, 0x74, 0x76, 0x89, 0x8d, 0xb4, 0xb6, 0xbc, 0xbf,
		0xf6,
	};

	if (!is_x86(o))
		return !c;
	return memchr(x86, c, sizeof(x86)) ||
	       (o->eh.e_machine == EM_386 && memchr(i386, c, sizeof(i386)));
}

struct gap {
	uint64_t s, e;		/* [s, e), padding trimmed off both ends */
};

/* Ranges of s that no FUNC symbol covers and that hold more than padding. */
static struct gap *code_gaps(const struct ec_obj *o, const struct ec_sec *s,
			     size_t *np)
{
	struct gap *v = NULL;
	uint64_t pos = 0, b, e;
	size_t i, n = 0;

	for (i = 0; i <= s->nsyms; i++) {
		const struct ec_sym *y = i < s->nsyms ? s->syms[i] : NULL;

		/* syms is sorted by value; a bad size covers nothing */
		if (y && (y->type != STT_FUNC || !y->size ||
			  y->value > s->size || s->size - y->value < y->size))
			continue;
		b = pos;
		e = y ? y->value : s->size;
		while (b < e && pad_byte(o, s->buf[b]))
			b++;
		while (e > b && pad_byte(o, s->buf[e - 1]))
			e--;
		if (b < e) {
			v = ec_realloc(v, n + 1, sizeof(*v));
			v[n++] = (struct gap){ b, e };
		}
		if (y && y->value + y->size > pos)
			pos = y->value + y->size;
	}
	*np = n;
	return v;
}

static char *gap_where(const struct gap *x, const struct gap *y)
{
	if (x->s == y->s && x->e == y->e)
		return ec_asprintf("0x%" PRIx64 "-0x%" PRIx64, x->s, x->e - 1);
	return ec_asprintf("0x%" PRIx64 "-0x%" PRIx64 " in A, 0x%" PRIx64
			   "-0x%" PRIx64 " in B", x->s, x->e - 1, y->s,
			   y->e - 1);
}

/* Compare the uncovered code of sa and sb (either may be NULL), in order. */
static void sec_gaps(struct ec_obj *a, struct ec_sec *sa, struct ec_obj *b,
		     struct ec_sec *sb, struct ec_names *errs)
{
	size_t na = 0, nb = 0, k, i;
	struct gap *ga = sa ? code_gaps(a, sa, &na) : NULL;
	struct gap *gb = sb ? code_gaps(b, sb, &nb) : NULL;
	const char *label = sa ? sa->label : sb->label;
	char *where, *line;

	for (k = 0; k < na || k < nb; k++) {
		struct gap x, y;
		uint64_t len;

		if (k >= na || k >= nb) {
			x = k < na ? ga[k] : gb[k];
			line = ec_asprintf("section %s: code at 0x%" PRIx64
					   "-0x%" PRIx64 " in %s has no counterpart in %s, and no function symbol covers it: cannot tell which function changed", label, x.s,
					   x.e - 1, k < na ? "A" : "B",
					   k < na ? "B" : "A");
			ec_names_add(errs, line);
			free(line);
			continue;
		}
		x = ga[k];
		y = gb[k];
		len = x.e - x.s;
		if (len == y.e - y.s &&
		    !cmp_range(a, sa, x.s, b, sb, y.s, len))
			continue;
		if (len == y.e - y.s) {
			/* narrow to the bytes that differ, if any do */
			for (i = 0; i < len && sa->buf[x.s + i] ==
					       sb->buf[y.s + i]; i++)
				;
			if (i < len) {
				while (sa->buf[x.e - 1] == sb->buf[y.e - 1]) {
					x.e--;
					y.e--;
				}
				x.s += i;
				y.s += i;
			}
		}
		where = gap_where(&x, &y);
		line = ec_asprintf("section %s: code at %s differs and no function symbol covers it: cannot tell which function changed", label, where);
		ec_names_add(errs, line);
		free(line);
		free(where);
	}
	free(ga);
	free(gb);
}

/* Every function-code section of a and b, matched by label. */
static void check_gaps(struct ec_obj *a, struct ec_obj *b,
		       struct ec_names *errs)
{
	size_t na, nb, i = 0, j = 0;
	struct ec_sec **va = compared_secs(a, &na), **vb = compared_secs(b, &nb);

	while (i < na || j < nb) {
		struct ec_sec *sa = i < na ? va[i] : NULL;
		struct ec_sec *sb = j < nb ? vb[j] : NULL;
		int c = !sa ? 1 : !sb ? -1 : strcmp(sa->name, sb->name);

		if (sa && sb && !c)
			c = (sa->occ > sb->occ) - (sa->occ < sb->occ);
		if (c <= 0)
			i++;
		if (c >= 0)
			j++;
		if (c < 0 || (sb && !func_code(sb)))
			sb = NULL;
		if (c > 0 || (sa && !func_code(sa)))
			sa = NULL;
		if (sa || sb)
			sec_gaps(a, sa, b, sb, errs);
	}
	free(va);
	free(vb);
}

/* ---- funcs ---- */

size_t ec_funcs(struct ec_obj *a, struct ec_obj *b, struct ec_funcs *r)
{
	size_t na, nb, i = 0, j = 0;
	struct fn *fa = collect(a, NULL, STT_FUNC, &na);
	struct fn *fb = collect(b, NULL, STT_FUNC, &nb);
	char *line;
	int c;

	memset(r, 0, sizeof(*r));
	make_keys(fa, na, fb, nb);
	while (i < na || j < nb) {
		const char *what = NULL, *key;

		c = next_pair(fa, na, i, fb, nb, j);
		if (c < 0) {
			key = fa[i++].key;
			ec_names_add(&r->removed, key);
			what = "removed";
		} else if (c > 0) {
			key = fb[j++].key;
			ec_names_add(&r->added, key);
			what = "added";
		} else {
			key = fa[i].key;
			if (fa[i].s->size != fb[j].s->size ||
			    cmp_range(a, fa[i].sec, fa[i].s->value,
				      b, fb[j].sec, fb[j].s->value,
				      fa[i].s->size)) {
				ec_names_add(&r->changed, key);
				what = "changed";
			}
			i++;
			j++;
		}
		if (what) {
			line = ec_asprintf("%s: %s", what, key);
			ec_names_add(&r->lines, line);
			free(line);
		}
	}
	fns_free(fa, na);
	fns_free(fb, nb);
	check_gaps(a, b, &r->errors);
	return r->changed.n + r->added.n + r->removed.n;
}

void ec_funcs_print(FILE *f, const struct ec_funcs *r, bool json)
{
	size_t i;

	if (json) {
		fputc('{', f);
		ec_json_list(f, "changed", &r->changed);
		fputc(',', f);
		ec_json_list(f, "added", &r->added);
		fputc(',', f);
		ec_json_list(f, "removed", &r->removed);
		fputs("}\n", f);
		return;
	}
	for (i = 0; i < r->lines.n; i++)
		fprintf(f, "%s\n", r->lines.v[i]);
	fprintf(f, "%zu changed, %zu added, %zu removed\n",
		r->changed.n, r->added.n, r->removed.n);
}

void ec_funcs_free(struct ec_funcs *r)
{
	ec_names_free(&r->changed);
	ec_names_free(&r->added);
	ec_names_free(&r->removed);
	ec_names_free(&r->lines);
	ec_names_free(&r->errors);
}

/* ---- helpers for listings ---- */

const struct ec_sym *ec_sym_cover(const struct ec_sec *t, uint64_t off)
{
	return sym_cover(t, off);
}

const char *ec_target(const struct ec_obj *o, const struct ec_sec *rs,
		      struct ec_rel *r)
{
	return target(o, rs, r);
}

size_t ec_rel_lb(const struct ec_sec *s, uint64_t off)
{
	return rel_lb(s, off);
}
