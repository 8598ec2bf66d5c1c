/* RFC 3339 by hand rather than strptime/timegm: those accept out-of-range
 * days (2024-02-31 becomes March 2nd), depend on the locale and TZ, and
 * sscanf's %2d takes signs and spaces. */
#include "util/time.h"

#include <string.h>

#include "util/error.h"

/* n ASCII digits at s into *out; -1 when any is not a digit. */
static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int64_t wp_time_days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return mdays[m - 1] + (m == 2 && leap);
}

/* "YYYY-MM-DD?hh:mm:ss" at the start of p (19 bytes, known present). */
static int parse_date_time(const char *p, unsigned flags, int *y, int *mo, int *d, int *h, int *mi,
			   int *s)
{
	int sep_ok = p[10] == 'T' || p[10] == 't' ||
		     ((flags & WP_TIME_ALLOW_SPACE) && p[10] == ' ');
	if (digits(p, 4, y) || p[4] != '-' || digits(p + 5, 2, mo) || p[7] != '-' ||
	    digits(p + 8, 2, d) || !sep_ok || digits(p + 11, 2, h) || p[13] != ':' ||
	    digits(p + 14, 2, mi) || p[16] != ':' || digits(p + 17, 2, s))
		return -1;
	if (*mo < 1 || *mo > 12 || *d < 1 || *d > days_in_month(*y, *mo) || *h > 23 || *mi > 59 ||
	    *s > 60)
		return -1;
	return 0;
}

/* The time-offset at *pp into *offset (seconds east of UTC); moves *pp. */
static int parse_offset(const char **pp, int64_t *offset)
{
	const char *p = *pp;
	int oh, om;
	if (*p == 'Z' || *p == 'z') {
		*offset = 0;
		*pp = p + 1;
		return 0;
	}
	if ((*p != '+' && *p != '-') || strnlen(p, 6) < 6 || digits(p + 1, 2, &oh) || p[3] != ':' ||
	    digits(p + 4, 2, &om) || oh > 23 || om > 59)
		return -1;
	*offset = (*p == '-' ? -1 : 1) * (oh * 3600 + om * 60);
	*pp = p + 6;
	return 0;
}

int wp_time_parse_rfc3339(int64_t *out, const char *text, unsigned flags)
{
	int y, mo, d, h, mi, s;
	int64_t offset;
	const char *p = text;
	if (!out || !text)
		return wp_error(WASMPACK_EINVALID, "invalid time: none given");
	if (strnlen(p, 19) < 19 || parse_date_time(p, flags, &y, &mo, &d, &h, &mi, &s) < 0)
		goto bad;
	p += 19;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			goto bad;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (parse_offset(&p, &offset) < 0 || *p)
		goto bad;
	*out = wp_time_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset;
	return 0;
bad:
	return wp_error(WASMPACK_EINVALID, "invalid time: expected RFC 3339");
}
