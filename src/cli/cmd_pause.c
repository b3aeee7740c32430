/* skiff pause ID: freeze every process of the container (cgroup freezer);
 * its status becomes "paused" until `skiff resume`. */
#include <stdio.h>

#include "cli.h"

static const char usage[] = "Usage: skiff pause ID\n\n"
                            "Suspend (freeze) every process of a running container.\n\n"
                            "Options:\n"
                            "  -h, --help  show this help\n";

int
cli_cmd_pause (const skiff_context *ctx, int argc, char **argv)
{
  static const struct option long_options[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
  skiff_error *err = NULL;
  int c;

  if ((c = getopt_long (argc, argv, ":h", long_options, NULL)) != -1)
    return cli_usage ("pause", usage, c, argv);
  if (cli_check_args ("pause", argc - optind, 1, 1) < 0 || cli_check_id (argv[optind]) < 0)
    return 1;
  if (skiff_container_pause (ctx, argv[optind], &err) < 0)
    return cli_fail_error (err);
  return 0;
}
