/* dup1 + dup2, linked with ld -r: two static functions named helper. */
static __attribute__((noipa)) int helper(int x)
{
	return x + 1;
}

int one(int x)
{
	return helper(x) * 2;
}
