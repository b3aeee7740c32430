/* skiff delete [-f] ID: remove a stopped container (any container with -f). */
#include <stdio.h>

#include "cli.h"

static const char usage[] = "Usage: skiff delete [options] ID\n\n"
                            "Delete a container and the resources it holds.\n\n"
                            "Options:\n"
                            "  -f, --force  kill the container first if it is still running\n"
                            "  -h, --help   show this help\n";

int
cli_cmd_delete (const skiff_context *ctx, int argc, char **argv)
{
  static const struct option long_options[] = {
    { "force", no_argument, NULL, 'f' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  skiff_error *err = NULL;
  bool force = false;
  int c;

  while ((c = getopt_long (argc, argv, ":fh", long_options, NULL)) != -1)
    {
      if (c != 'f')
        return cli_usage ("delete", usage, c, argv);
      force = true;
    }
  if (cli_check_args ("delete", argc - optind, 1, 1) < 0 || cli_check_id (argv[optind]) < 0)
    return 1;
  if (skiff_container_delete (ctx, argv[optind], force, &err) < 0)
    return cli_fail_error (err);
  return 0;
}
