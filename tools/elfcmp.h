/* SPDX-License-Identifier: GPL-2.0 */
/*
 * elfcmp - compare relocatable ELF objects (Linux .ko modules, ET_REL .o),
 * the library behind kodiff and storage-hotfix.
 *
 *   ec_load()      read an object (trailing bytes, e.g. a module
 *                  signature, are not looked at); errors are returned
 *   ec_sections()  does B reproduce A, section by section?
 *   ec_funcs()     which functions changed, were added or removed
 *
 * Relocation targets are compared by meaning, not by raw symbol index and
 * addend: a reference to a string literal compares the string itself, a
 * reference to "section + offset" compares the symbol found there.  So a
 * function whose literal merely moved inside .rodata.str1.1 is unchanged.
 *
 * Only running out of memory ends the process (exit 2, "PROG: out of
 * memory"); every other error is a return value.
 */
#ifndef ELFCMP_H
#define ELFCMP_H

#include <gelf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct ec_rel {
	uint64_t off;
	uint32_t type;
	uint32_t sym;
	int64_t addend;
	char *tgt;		/* rendered target, filled on first use */
};

struct ec_sym {
	const char *name;
	uint64_t value, size;
	size_t shndx;		/* 0 if undefined, ABS, COMMON... */
	unsigned char type, bind;
};

struct ec_sec {
	const char *name;
	char *label;		/* name, or name#N for the Nth same-named one */
	GElf_Shdr sh;
	const unsigned char *buf;	/* file bytes; NULL if NOBITS or empty */
	uint64_t size;
	struct ec_rel *rels;	/* relocations applied to this section */
	size_t nrels;
	const struct ec_sym **syms;	/* FUNC/OBJECT defined here, by value */
	size_t nsyms;
	size_t occ;
};

struct ec_obj {
	const char *path;
	int fd;
	Elf *elf;
	GElf_Ehdr eh;
	struct ec_sec *secs;
	size_t nsecs;
	struct ec_sym *syms;
	size_t nsyms;
	char *err;		/* after a failed ec_load: "PATH: reason" */
};

/*
 * Load path into o (zeroed first).  0 on success; -1 with o->err set to
 * "PATH: reason" if the file cannot be read or is not a sound ET_REL ELF.
 * Call ec_free() in both cases.
 */
int ec_load(struct ec_obj *o, const char *path);
void ec_free(struct ec_obj *o);

/* Name lists, growing by doubling. */
struct ec_names {
	char **v;
	size_t n, cap;
};

void ec_names_add(struct ec_names *l, const char *s);
void ec_names_sort_uniq(struct ec_names *l);
void ec_names_free(struct ec_names *l);
bool ec_names_has(const struct ec_names *l, const char *s);

/* JSON string (quoted, escaped) and "key":[strings] */
void ec_json_str(FILE *f, const char *s);
void ec_json_list(FILE *f, const char *key, const struct ec_names *l);

/* One difference found by ec_sections(). */
struct ec_diff {
	char *line;		/* human text, without the functions */
	const char *sec;	/* section label (points into A or B) */
	const char *kind;	/* only_in_a only_in_b size bytes relocations */
	struct ec_names fns;	/* functions/objects involved, sorted */
};

struct ec_sections {
	struct ec_diff *v;
	size_t n;
	size_t ndiff;		/* differing sections */
	size_t compared;	/* sections compared */
};

/*
 * Compare the allocated sections (bytes; NOBITS: size) and __versions of
 * a and b, not .modinfo, build-id or .note.Linux, and their relocations.
 * Returns the number of differing sections.  Labels in r point into a
 * and b: print before ec_free().
 */
size_t ec_sections(struct ec_obj *a, struct ec_obj *b, struct ec_sections *r);
/* kodiff's "sections" output, text or JSON */
void ec_sections_print(FILE *f, const struct ec_sections *r, bool json);
void ec_sections_free(struct ec_sections *r);

struct ec_funcs {
	struct ec_names changed, added, removed;	/* by key, sorted */
	struct ec_names lines;	/* "changed: f", ... in key order */
	/*
	 * Code that differs where no FUNC symbol covers it (a stripped
	 * object): no function can be named, so the answer is unknown.
	 * One line per place, naming the section and the offsets.
	 */
	struct ec_names errors;
};

/*
 * Functions changed, added, removed from a to b; a function is keyed by
 * its name, or name@section[#k] when the name is not unique.  Returns the
 * number of changed + added + removed; if r->errors is not empty, that
 * number is not the whole answer and callers must fail.
 */
size_t ec_funcs(struct ec_obj *a, struct ec_obj *b, struct ec_funcs *r);
/* kodiff's "funcs" output, text or JSON */
void ec_funcs_print(FILE *f, const struct ec_funcs *r, bool json);
void ec_funcs_free(struct ec_funcs *r);

/* Lower-level helpers, for kodiff's listing commands. */
const struct ec_sym *ec_sym_cover(const struct ec_sec *t, uint64_t off);
const char *ec_target(const struct ec_obj *o, const struct ec_sec *rs,
		      struct ec_rel *r);
size_t ec_rel_lb(const struct ec_sec *s, uint64_t off);

__attribute__((noreturn)) void ec_oom(void);
void *ec_calloc(size_t n, size_t size);
void *ec_realloc(void *p, size_t n, size_t size);
char *__attribute__((format(printf, 1, 2))) ec_asprintf(const char *fmt, ...);

#endif
