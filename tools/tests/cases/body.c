/* body: V=1 edits one line of f; f grows, so g moves. */
#ifndef V
#define V 0
#endif

extern int ext(int);

__attribute__((noipa)) int f(int x)
{
	return ext(x) * 3 + (V ? ext(x + 7) : 1);
}

static __attribute__((noipa)) int g(int x)
{
	return ext(x + 1) - 1;
}

__attribute__((noipa)) int h(int x)
{
	return g(x) + f(x);
}
