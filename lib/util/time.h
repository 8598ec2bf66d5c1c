/* Internal: the one RFC 3339 date-time parser. */
#ifndef WP_TIME_H
#define WP_TIME_H

#include <stdint.h>

/* Also accept a space between date and time (RFC 3339 section 5.6 lets
 * applications choose it for readability; a command line is one). */
#define WP_TIME_ALLOW_SPACE 0x1

/* Parses "2024-05-01T12:00:00.5+02:00" (date-time of RFC 3339 section
 * 5.6: exactly two-digit fields, 'T' or 't', then 'Z', 'z' or a +hh:mm /
 * -hh:mm offset; fractions of any length are dropped) into seconds since
 * the epoch. Refuses impossible dates (2023-02-29, 2024-02-31), hours past
 * 23, minutes past 59, seconds past 60 (a leap second reads as the next
 * second's start) and trailing bytes, with WASMPACK_EINVALID and a message
 * that does not quote text. */
int wp_time_parse_rfc3339(int64_t *out, const char *text, unsigned flags);

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; m 1-12, d 1-31,
 * not checked). */
int64_t wp_time_days_from_civil(int64_t y, int m, int d);

#endif
