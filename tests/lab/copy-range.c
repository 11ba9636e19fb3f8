// SPDX-License-Identifier: GPL-2.0
/*
 * copy-range SRC DST: copy SRC to DST (created or truncated) with
 * copy_file_range(2) only, no read/write fallback, so that an NFSv4.2
 * client has to use COPY (inter-server: COPY_NOTIFY to the source server
 * and COPY to the destination). Built statically by tests/lab/mkinitrd for
 * the lab guest.
 *
 * Prints one line: "copy-range: copied=N size=M errno=E (text) seconds=S"
 * and exits 0 when the whole file was copied, 1 otherwise (2: usage or
 * open/stat failure).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long long copied = 0;
	struct stat st;
	int in, out, err = 0;
	double t0;
	ssize_t n;

	if (argc != 3) {
		fprintf(stderr, "usage: copy-range SRC DST\n");
		return 2;
	}
	in = open(argv[1], O_RDONLY);
	if (in < 0 || fstat(in, &st) < 0) {
		fprintf(stderr, "copy-range: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0) {
		fprintf(stderr, "copy-range: %s: %s\n", argv[2], strerror(errno));
		return 2;
	}
	t0 = now();
	while (copied < st.st_size) {
		n = copy_file_range(in, NULL, out, NULL, st.st_size - copied, 0);
		if (n < 0) {
			err = errno;
			break;
		}
		if (n == 0)
			break;
		copied += n;
	}
	if (!err && fsync(out) < 0)
		err = errno;
	printf("copy-range: copied=%lld size=%lld errno=%d (%s) seconds=%.2f\n",
	       copied, (long long)st.st_size, err, err ? strerror(err) : "ok",
	       now() - t0);
	fflush(stdout);
	close(out);
	close(in);
	return (!err && copied == st.st_size) ? 0 : 1;
}
