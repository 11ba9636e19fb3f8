/*
 * exports: fake ksymtab entries, as EXPORT_SYMBOL leaves them in a .ko.
 *   V=0: struct kernel_symbol of pointers, placed by section attributes
 *   V=1: x86_64 layout, 12-byte entries of .long x - . (PREL32), with
 *        __kstrtab_/__kstrtabns_ strings in __ksymtab_strings
 *   V=2: as 1, but __ksymtab ends in padding: not whole entries
 */
int foo(void)
{
	return 1;
}

int bar;
int baz;

#if V == 0
struct kernel_symbol {
	const void *value;
	const char *name;
	const char *namespace;
};

const struct kernel_symbol __ksymtab_foo
	__attribute__((section("__ksymtab_gpl"), used)) =
	{ foo, "foo", "FOO_NS" };
const struct kernel_symbol __ksymtab_bar
	__attribute__((section("__ksymtab"), used)) = { &bar, "bar", 0 };
#else
#define KSYMTAB(sym, sec, ns)						\
	asm("	.section __ksymtab_strings,\"aMS\",@progbits,1\n"	\
	    "__kstrtab_" #sym ":\n"					\
	    "	.asciz \"" #sym "\"\n"					\
	    "__kstrtabns_" #sym ":\n"					\
	    "	.asciz \"" ns "\"\n"					\
	    "	.section " sec ",\"a\"\n"				\
	    "	.balign 4\n"						\
	    "__ksymtab_" #sym ":\n"					\
	    "	.long " #sym " - .\n"					\
	    "	.long __kstrtab_" #sym " - .\n"				\
	    "	.long __kstrtabns_" #sym " - .\n"			\
	    "	.previous\n")

KSYMTAB(foo, "__ksymtab_gpl", "FOO_NS");
KSYMTAB(bar, "__ksymtab", "");
KSYMTAB(baz, "__ksymtab", "BAZ_NS");
#if V == 2
asm("	.section __ksymtab,\"a\"\n	.long 0\n	.previous\n");
#endif
#endif
