/* skiff restore [options] ID: a container created from a criu checkpoint.
 * In the foreground, exit with the restored container's status, as run. */
#include <stdio.h>

#include "cli.h"
#include "criu.h"
#include "util.h"

static const char usage[] =
    "Usage: skiff restore [options] ID\n\n"
    "Restore a container from a criu checkpoint of the same bundle.\n\n"
    "Options:\n"
    "  -b, --bundle DIR            bundle directory (default: current directory)\n"
    "  --image-path DIR            the checkpoint images (default: ./checkpoint)\n"
    "  --work-path DIR             where criu writes its log (default: the image path)\n"
    "  --console-socket PATH       unix socket for the pty master (not supported yet)\n"
    "  -d, --detach                return once the container runs\n"
    "  --pid-file PATH             write the restored init's pid here\n"
    "  --tcp-established           allow open TCP connections\n"
    "  --ext-unix-sk               allow external unix sockets\n"
    "  --shell-job                 allow shell jobs\n"
    "  --file-locks                handle file locks\n"
    "  --manage-cgroups-mode MODE  soft, full, strict or ignore\n"
    "  --empty-ns network          create the network namespace empty\n"
    "  --auto-dedup                deduplicate images as pages are restored\n"
    "  --lazy-pages                restore memory pages on demand\n"
    "  --lsm-profile TYPE:NAME     LSM profile of the restored processes\n"
    "  --lsm-mount-context CTX     LSM mount context of the restored mounts\n"
    "  --no-subreaper              accepted for compatibility\n"
    "  --no-pivot                  accepted for compatibility (criu sets up the root)\n"
    "  -h, --help                  show this help\n";

enum
{
  OPT_R_CONSOLE_SOCKET = 0x380,
  OPT_R_PID_FILE,
  OPT_R_NO_SUBREAPER,
  OPT_R_NO_PIVOT,
  OPT_R_LSM_PROFILE,
  OPT_R_LSM_MOUNT_CONTEXT,
};

/* 1 handled, 0 not a restore option. */
static int
restore_option (int c, const char *arg, skiff_restore_opts *r, skiff_criu_opts *o)
{
  switch (c)
    {
    case 'b':
      r->bundle = arg;
      return 1;
    case 'd':
      r->detach = true;
      return 1;
    case OPT_R_CONSOLE_SOCKET:
      r->console_socket = arg;
      return 1;
    case OPT_R_PID_FILE:
      r->pid_file = arg;
      return 1;
    case OPT_R_NO_SUBREAPER:
      r->no_subreaper = true;
      return 1;
    case OPT_R_NO_PIVOT:
      r->no_pivot = true;
      return 1;
    case OPT_R_LSM_PROFILE:
      o->lsm_profile = arg;
      return 1;
    case OPT_R_LSM_MOUNT_CONTEXT:
      o->lsm_mount_context = arg;
      return 1;
    default:
      return cli_criu_option (c, arg, o);
    }
}

int
cli_cmd_restore (const skiff_context *ctx, int argc, char **argv)
{
  static const struct option long_options[] = {
    { "bundle", required_argument, NULL, 'b' },
    { "detach", no_argument, NULL, 'd' },
    { "console-socket", required_argument, NULL, OPT_R_CONSOLE_SOCKET },
    { "pid-file", required_argument, NULL, OPT_R_PID_FILE },
    { "no-subreaper", no_argument, NULL, OPT_R_NO_SUBREAPER },
    { "no-pivot", no_argument, NULL, OPT_R_NO_PIVOT },
    { "lsm-profile", required_argument, NULL, OPT_R_LSM_PROFILE },
    { "lsm-mount-context", required_argument, NULL, OPT_R_LSM_MOUNT_CONTEXT },
    { "image-path", required_argument, NULL, OPT_CRIU_IMAGE_PATH },
    { "work-path", required_argument, NULL, OPT_CRIU_WORK_PATH },
    { "tcp-established", no_argument, NULL, OPT_CRIU_TCP_ESTABLISHED },
    { "ext-unix-sk", no_argument, NULL, OPT_CRIU_EXT_UNIX_SK },
    { "shell-job", no_argument, NULL, OPT_CRIU_SHELL_JOB },
    { "file-locks", no_argument, NULL, OPT_CRIU_FILE_LOCKS },
    { "manage-cgroups-mode", required_argument, NULL, OPT_CRIU_MANAGE_CGROUPS_MODE },
    { "empty-ns", required_argument, NULL, OPT_CRIU_EMPTY_NS },
    { "auto-dedup", no_argument, NULL, OPT_CRIU_AUTO_DEDUP },
    { "lazy-pages", no_argument, NULL, OPT_CRIU_LAZY_PAGES },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  skiff_restore_opts r = { 0 };
  skiff_criu_opts o = SKIFF_CRIU_OPTS_INIT;
  skiff_error *err = NULL;
  int c, status = 0;

  while ((c = getopt_long (argc, argv, ":b:dh", long_options, NULL)) != -1)
    if (restore_option (c, optarg, &r, &o) == 0)
      return cli_usage ("restore", usage, c, argv);
  if (cli_check_args ("restore", argc - optind, 1, 1) < 0 || cli_check_id (argv[optind]) < 0)
    return 1;
  r.id = argv[optind];
  if (o.image_path == NULL)
    o.image_path = "checkpoint"; /* runc's default, under the cwd */
  cli_debug ("restore %s: bundle %s, images %s", r.id, r.bundle ? r.bundle : ".", o.image_path);
  if (skiff_container_restore (ctx, &r, &o, &status, &err) < 0)
    return cli_fail_error (err);
  return r.detach ? 0 : status;
}
