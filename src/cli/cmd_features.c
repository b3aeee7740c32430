/* skiff features: the runtime-spec features document, indented like runc. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "util.h"

static const char usage[] = "Usage: skiff features\n\n"
                            "Show the enabled features (runtime-spec features document).\n";

int
cli_cmd_features (const skiff_context *ctx, int argc, char **argv)
{
  static const struct option long_options[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
  cleanup_free char *json = NULL;
  oci_features *features;
  int c;

  (void) ctx; /* the document describes the build, not a state root */
  if ((c = getopt_long (argc, argv, ":h", long_options, NULL)) != -1)
    return cli_usage ("features", usage, c, argv);
  if (cli_check_args ("features", argc - optind, 0, 0) < 0)
    return 1;
  features = skiff_features ();
  json = oci_features_to_json (features, true);
  oci_features_free (features);
  printf ("%s\n", json);
  return 0;
}
