/* skiff start ID: let a created container's init exec the user process. */
#include <stdio.h>

#include "cli.h"

static const char usage[] = "Usage: skiff start ID\n\n"
                            "Start the user process of a created container.\n";

int
cli_cmd_start (const skiff_context *ctx, int argc, char **argv)
{
  static const struct option long_options[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
  skiff_error *err = NULL;
  int c;

  if ((c = getopt_long (argc, argv, ":h", long_options, NULL)) != -1)
    return cli_usage ("start", usage, c, argv);
  if (cli_check_args ("start", argc - optind, 1, 1) < 0 || cli_check_id (argv[optind]) < 0)
    return 1;
  if (skiff_container_start (ctx, argv[optind], &err) < 0)
    return cli_fail_error (err);
  return 0;
}
