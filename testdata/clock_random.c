/* A WASI command reading the clock and random bytes (clocks + random
 * capabilities, no file system). */
#include <stdio.h>
#include <sys/random.h>
#include <time.h>

int main(void)
{
	struct timespec ts;
	unsigned char buf[8];
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 1;
	if (getentropy(buf, sizeof(buf)) != 0)
		return 1;
	printf("time ok: %d, random ok\n", ts.tv_sec > 0);
	return 0;
}
