/* log: leveled logging to stderr (foreground) or syslog (background).  Any thread. */
#ifndef CFS_LOG_H
#define CFS_LOG_H

enum cfs_log_level { CFS_LOG_ERROR, CFS_LOG_WARN, CFS_LOG_INFO, CFS_LOG_DEBUG };

/* Set the threshold and the sink (use_syslog != 0: syslog, else stderr).  Call before threads
 * start. */
void cfs_log_init(enum cfs_log_level level, int use_syslog);
/* "error", "warn", "info", "debug" -> level; -EINVAL for anything else. */
int cfs_log_parse_level(const char *s, enum cfs_log_level *level);
int cfs_log_enabled(enum cfs_log_level level);
void cfs_log(enum cfs_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define cfs_err(...)   cfs_log(CFS_LOG_ERROR, __VA_ARGS__)
#define cfs_warn(...)  cfs_log(CFS_LOG_WARN, __VA_ARGS__)
#define cfs_info(...)  cfs_log(CFS_LOG_INFO, __VA_ARGS__)
#define cfs_debug(...) cfs_log(CFS_LOG_DEBUG, __VA_ARGS__)

#endif
