/* skiff create ID: set up the container and leave its init waiting for start. */
#include <limits.h>
#include <stdio.h>

#include "cli.h"
#include "util.h"

static const char usage[] = "Usage: skiff create [options] ID\n\n"
                            "Create a container from the bundle; 'skiff start ID' runs its process.\n\n"
                            "Options:\n" CLI_CREATE_USAGE "  -h, --help                show this help\n";

int
cli_create_option (int c, const char *arg, skiff_create_opts *opts)
{
  long n;

  switch (c)
    {
    case 'b': opts->bundle = arg; return 1;
    case 'f': opts->config_path = arg; return 1;
    case OPT_CONSOLE_SOCKET: opts->console_socket = arg; return 1;
    case OPT_PID_FILE: opts->pid_file = arg; return 1;
    case OPT_NO_PIVOT: opts->no_pivot = true; return 1;
    case OPT_NO_NEW_KEYRING: opts->no_new_keyring = true; return 1;
    /* We never re-parent orphans, so there is nothing to turn off. */
    case OPT_NO_SUBREAPER: return 1;
    case OPT_PIDFD_SOCKET: cli_fail ("--pidfd-socket: not supported yet"); return -1;
    case OPT_PRESERVE_FDS:
      /* Bounded so 3 + N cannot overflow an fd number. */
      if (parse_long (arg, 0, INT_MAX - 3, &n) < 0)
        {
          cli_fail ("invalid --preserve-fds value \"%s\"", arg);
          return -1;
        }
      opts->preserve_fds = (int) n;
      return 1;
    default: return 0;
    }
}

int
cli_cmd_create (const skiff_context *ctx, int argc, char **argv)
{
  static const struct option long_options[] = { CLI_CREATE_LONG_OPTIONS, { NULL, 0, NULL, 0 } };
  skiff_create_opts opts = { 0 };
  skiff_error *err = NULL;
  int c, r;

  while ((c = getopt_long (argc, argv, CLI_CREATE_SHORT_OPTIONS, long_options, NULL)) != -1)
    {
      r = cli_create_option (c, optarg, &opts);
      if (r < 0)
        return 1;
      if (r == 0)
        return cli_usage ("create", usage, c, argv);
    }
  if (cli_check_args ("create", argc - optind, 1, 1) < 0 || cli_check_id (argv[optind]) < 0)
    return 1;
  opts.id = argv[optind];
  cli_debug ("create %s: bundle %s", opts.id, opts.bundle ? opts.bundle : ".");
  if (skiff_container_create (ctx, &opts, &err) < 0)
    return cli_fail_error (err);
  return 0;
}
