/* log: leveled logging to stderr (foreground) or syslog (background). */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

static enum cfs_log_level threshold = CFS_LOG_INFO;
static int to_syslog;

void cfs_log_init(enum cfs_log_level level, int use_syslog)
{
	threshold = level;
	to_syslog = use_syslog;
	if (use_syslog)
		openlog("confluencefs", LOG_PID, LOG_DAEMON);
}

int cfs_log_parse_level(const char *s, enum cfs_log_level *level)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};
	for (int i = 0; i < 4; i++) {
		if (strcmp(s, names[i]) == 0) {
			*level = (enum cfs_log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

int cfs_log_enabled(enum cfs_log_level level)
{
	return level <= threshold;
}

void cfs_log(enum cfs_log_level level, const char *fmt, ...)
{
	static const char *const tags[] = {"error", "warn", "info", "debug"};
	static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
	va_list ap;

	if (level > threshold)
		return;
	va_start(ap, fmt);
	if (to_syslog) {
		vsyslog(prio[level], fmt, ap);
	} else {
		char line[2048];
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		vsnprintf(line, sizeof(line), fmt, ap);
		/* One fprintf per line keeps lines from different threads whole. */
		fprintf(stderr, "%02d:%02d:%02d.%03ld confluencefs %s: %s\n", tm.tm_hour, tm.tm_min,
		        tm.tm_sec, ts.tv_nsec / 1000000, tags[level], line);
	}
	va_end(ap);
}
