/* calls: V=1 makes f call b() instead of a(), f2 call sb() not sa(). */
#ifndef V
#define V 0
#endif

extern int a(int);
extern int b(int);

static __attribute__((noipa)) int sa(int x)
{
	return x + 1;
}

static __attribute__((noipa)) int sb(int x)
{
	return x + 2;
}

__attribute__((noipa)) int f(int x)
{
#if V
	return b(x) + 1;
#else
	return a(x) + 1;
#endif
}

__attribute__((noipa)) int f2(int x)
{
#if V
	return sb(x) * 2;
#else
	return sa(x) * 2;
#endif
}

__attribute__((noipa)) int g(int x)
{
	return sa(x) + sb(x) + a(x) + b(x);
}
