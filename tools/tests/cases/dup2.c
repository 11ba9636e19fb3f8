/* The second helper; V=1 edits it. */
#ifndef V
#define V 0
#endif

static __attribute__((noipa)) int helper(int x)
{
	return x * (V ? 5 : 3);
}

int two(int x)
{
	return helper(x) - 2;
}
