/* cli: the command line of mount.confluencefs — options (-o, the
 * configuration file's section, fstab and mount(8) words), --help. */
#ifndef CFS_FS_CLI_H
#define CFS_FS_CLI_H

#include <fuse_opt.h>

#include "opts.h"

struct cli {
	struct cfs_opts o;
	int positional;
	const char *mountpoint; /* as given (argv) */
	int help, version, check;
	int publish;     /* --publish-drafts */
	int mount_rw;    /* "rw" from mount(8), which passes it to every mount: ignored */
	char error[512]; /* the one line of a usage error */
};

/* Parse the command line, with the options of the configuration file's
 * section for the site (-o site=, CONFLUENCE_SITE, or [default]) parsed
 * first so the command line wins; the file's token_file is kept apart (it
 * comes after CONFLUENCE_TOKEN).  Returns 0, or 2 after one line. */
int cfs_cli_parse(int argc, char *argv[], struct fuse_args *args, struct cli *c);
/* --help: the usage text and every option. */
void cfs_cli_usage(const char *prog);

#endif
