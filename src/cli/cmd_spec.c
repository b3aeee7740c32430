/* skiff spec: write a starter config.json (runc's default: sh in a minimal,
 * locked-down container) into the bundle directory. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"

static const char usage[] = "Usage: skiff spec [options]\n\n"
                            "Create a new specification file (config.json) in the bundle.\n\n"
                            "Options:\n"
                            "  -b, --bundle DIR  bundle directory (default: current directory)\n"
                            "      --rootless    generate a configuration for a rootless container\n"
                            "  -h, --help        show this help\n";

/* O_EXCL: never overwrite the user's work, and no check-then-create race. */
static int
write_spec (const char *bundle, const char *json)
{
  cleanup_close int dirfd = open (bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
  cleanup_close int fd = -1;
  int r;

  if (dirfd < 0)
    return cli_fail ("spec: open bundle %s: %s", bundle, strerror (errno));
  fd = openat (dirfd, "config.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0 && errno == EEXIST)
    return cli_fail ("File config.json exists. Remove it first.");
  if (fd < 0)
    return cli_fail ("spec: create %s/config.json: %s", bundle, strerror (errno));
  if ((r = write_all (fd, json, strlen (json))) < 0)
    return cli_fail ("spec: write %s/config.json: %s", bundle, strerror (-r));
  return 0;
}

int
cli_cmd_spec (const skiff_context *ctx, int argc, char **argv)
{
  static const struct option long_options[] = {
    { "bundle", required_argument, NULL, 'b' },
    { "rootless", no_argument, NULL, OPT_ROOTLESS },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  cleanup_free char *json = NULL;
  const char *bundle = ".";
  bool rootless = false;
  int c;

  (void) ctx; /* spec touches only the bundle, never the state root */
  while ((c = getopt_long (argc, argv, ":b:h", long_options, NULL)) != -1)
    {
      if (c == 'b')
        bundle = optarg;
      else if (c == OPT_ROOTLESS)
        rootless = true;
      else
        return cli_usage ("spec", usage, c, argv);
    }
  if (cli_check_args ("spec", argc - optind, 0, 0) < 0)
    return 1;
  json = oci_spec_default_json (rootless);
  if (json == NULL)
    return cli_fail ("spec: cannot generate the default configuration");
  return write_spec (bundle, json);
}
