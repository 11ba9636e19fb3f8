/* addrm: V=1 removes old_fn and adds new_fn. */
#ifndef V
#define V 0
#endif

__attribute__((noipa)) int keep(int x)
{
	return x + 1;
}

#if V
__attribute__((noipa)) int new_fn(int x)
{
	return x * 2;
}
#else
__attribute__((noipa)) int old_fn(int x)
{
	return x * 3;
}
#endif
