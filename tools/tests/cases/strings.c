/*
 * strings: f's literal sits before g's in .rodata.str1.1.
 * V=1 edits f's literal (longer), V=2 makes f use one more literal:
 * either way g's literal moves, V=2 also renumbers its .LC label.
 */
#ifndef V
#define V 0
#endif

extern void log_msg(const char *s);

__attribute__((noipa)) void f(int x)
{
#if V == 1
	log_msg("f: an edited, longer message");
#else
	log_msg("f: message");
#endif
#if V == 2
	if (x)
		log_msg("f: one more message");
#endif
	(void)x;
}

__attribute__((noipa)) void g(void)
{
	log_msg("g: unchanged message");
}
