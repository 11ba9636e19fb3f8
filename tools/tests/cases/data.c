/* data: V=1 adds a static array (and its user); counter moves in .bss. */
#ifndef V
#define V 0
#endif

static int counter;

#if V
static int extra[16];

__attribute__((noipa)) void touch(int i)
{
	extra[i & 15]++;
}
#endif

__attribute__((noipa)) int bump(void)
{
	return ++counter;
}
