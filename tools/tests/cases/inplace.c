/* inplace: V=1 edits one constant in f; nothing moves. */
#ifndef V
#define V 0
#endif

extern int ext(int);

__attribute__((noipa)) int f(int x)
{
	return ext(x) * (V ? 5 : 3);
}

__attribute__((noipa)) int g(int x)
{
	return ext(x) * 3;
}
