/* model_time: Confluence's ISO 8601 times -> seconds and nanoseconds (cfs_model_time).  Pure. */
#include "model.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

/* n decimal digits at s -> value; -1 when any is not a digit. */
static int digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int days_in_month(int year, int month)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	return month == 2 && leap ? 29 : days[month - 1];
}

int cfs_model_time(const char *s, struct cfs_time *t)
{
	int year, mon, day, hour, min, sec, off = 0;
	long nsec = 0;
	struct tm tm = {0};
	time_t base;

	if (!s || strlen(s) < 19)
		return -EINVAL;
	year = digits(s, 4);
	mon = digits(s + 5, 2);
	day = digits(s + 8, 2);
	hour = digits(s + 11, 2);
	min = digits(s + 14, 2);
	sec = digits(s + 17, 2);
	if (year < 0 || s[4] != '-' || mon < 1 || mon > 12 || s[7] != '-' || day < 1 ||
	    day > days_in_month(year, mon) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    hour < 0 || hour > 23 || s[13] != ':' || min < 0 || min > 59 || s[16] != ':' ||
	    sec < 0 || sec > 60)
		return -EINVAL;
	s += 19;
	if (*s == '.' || *s == ',') {
		int n = 0;
		for (s++; *s >= '0' && *s <= '9'; s++, n++) {
			if (n < 9)
				nsec = nsec * 10 + (*s - '0');
		}
		if (n == 0)
			return -EINVAL;
		for (; n < 9; n++)
			nsec *= 10;
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		/* +hh:mm, +hhmm or +hh; east of UTC is ahead, so subtract. */
		int sign = *s == '-' ? -1 : 1, oh = digits(s + 1, 2), om = 0;
		if (oh < 0 || oh > 23)
			return -EINVAL;
		s += 3;
		if (*s) {
			om = digits(s + (*s == ':'), 2);
			if (om < 0 || om > 59)
				return -EINVAL;
			s += 2 + (*s == ':');
		}
		off = sign * (oh * 3600 + om * 60);
	}
	/* No zone at all: the API always sends one; read it as UTC. */
	if (*s)
		return -EINVAL;
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	base = timegm(&tm);
	t->sec = (int64_t)base - off;
	t->nsec = nsec;
	return 0;
}
