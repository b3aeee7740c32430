/* skiff checkpoint [options] ID: dump a running container with criu. */
#include <limits.h>
#include <stdio.h>

#include "cli.h"
#include "criu.h"
#include "util.h"

static const char usage[] =
    "Usage: skiff checkpoint [options] ID\n\n"
    "Checkpoint a running container with criu; it stops unless --leave-running.\n\n"
    "Options:\n"
    "  --image-path DIR            where to write the images (default: ./checkpoint)\n"
    "  --work-path DIR             where criu writes its log (default: the image path)\n"
    "  --parent-path DIR           images of a previous pre-dump (relative to the image path)\n"
    "  --leave-running             keep the container running after the checkpoint\n"
    "  --tcp-established           allow open TCP connections\n"
    "  --tcp-skip-in-flight        skip in-flight TCP connections\n"
    "  --link-remap                allow one to link unlinked files back when possible\n"
    "  --ext-unix-sk               allow external unix sockets\n"
    "  --shell-job                 allow shell jobs\n"
    "  --lazy-pages                use userfaultfd to lazily restore memory pages\n"
    "  --status-fd FD              criu writes \\0 to FD once the lazy-pages server is ready\n"
    "  --page-server ADDR:PORT     send the pages to a criu page server\n"
    "  --file-locks                handle file locks\n"
    "  --pre-dump                  dump memory only, leave the container running\n"
    "  --manage-cgroups-mode MODE  soft, full, strict or ignore\n"
    "  --empty-ns network          do not checkpoint the network namespace's contents\n"
    "  --auto-dedup                deduplicate against the parent images\n"
    "  -h, --help                  show this help\n";

enum
{
  OPT_PARENT_PATH = 0x380,
  OPT_LEAVE_RUNNING,
  OPT_TCP_SKIP_IN_FLIGHT,
  OPT_LINK_REMAP,
  OPT_STATUS_FD,
  OPT_PAGE_SERVER,
  OPT_PRE_DUMP,
};

int
cli_criu_option (int c, const char *arg, struct skiff_criu_opts *o)
{
  switch (c)
    {
    case OPT_CRIU_IMAGE_PATH:
      o->image_path = arg;
      return 1;
    case OPT_CRIU_WORK_PATH:
      o->work_path = arg;
      return 1;
    case OPT_CRIU_TCP_ESTABLISHED:
      o->tcp_established = true;
      return 1;
    case OPT_CRIU_EXT_UNIX_SK:
      o->ext_unix_sk = true;
      return 1;
    case OPT_CRIU_SHELL_JOB:
      o->shell_job = true;
      return 1;
    case OPT_CRIU_FILE_LOCKS:
      o->file_locks = true;
      return 1;
    case OPT_CRIU_MANAGE_CGROUPS_MODE:
      o->manage_cgroups_mode = arg;
      return 1;
    case OPT_CRIU_EMPTY_NS:
      o->empty_ns = arg;
      return 1;
    case OPT_CRIU_AUTO_DEDUP:
      o->auto_dedup = true;
      return 1;
    case OPT_CRIU_LAZY_PAGES:
      o->lazy_pages = true;
      return 1;
    default:
      return 0;
    }
}

/* 1 handled, 0 not a checkpoint option, -1 bad value (reported). */
static int
checkpoint_option (int c, const char *arg, skiff_criu_opts *o)
{
  long n;
  switch (c)
    {
    case OPT_PARENT_PATH:
      o->parent_path = arg;
      return 1;
    case OPT_LEAVE_RUNNING:
      o->leave_running = true;
      return 1;
    case OPT_TCP_SKIP_IN_FLIGHT:
      o->tcp_skip_in_flight = true;
      return 1;
    case OPT_LINK_REMAP:
      o->link_remap = true;
      return 1;
    case OPT_PAGE_SERVER:
      o->page_server = arg;
      return 1;
    case OPT_PRE_DUMP:
      o->pre_dump = true;
      return 1;
    case OPT_STATUS_FD:
      if (parse_long (arg, 0, INT_MAX, &n) < 0)
        {
          cli_fail ("invalid --status-fd value \"%s\"", arg);
          return -1;
        }
      o->status_fd = (int)n;
      return 1;
    default:
      return cli_criu_option (c, arg, o);
    }
}

int
cli_cmd_checkpoint (const skiff_context *ctx, int argc, char **argv)
{
  static const struct option long_options[] = {
    { "image-path", required_argument, NULL, OPT_CRIU_IMAGE_PATH },
    { "work-path", required_argument, NULL, OPT_CRIU_WORK_PATH },
    { "parent-path", required_argument, NULL, OPT_PARENT_PATH },
    { "leave-running", no_argument, NULL, OPT_LEAVE_RUNNING },
    { "tcp-established", no_argument, NULL, OPT_CRIU_TCP_ESTABLISHED },
    { "tcp-skip-in-flight", no_argument, NULL, OPT_TCP_SKIP_IN_FLIGHT },
    { "link-remap", no_argument, NULL, OPT_LINK_REMAP },
    { "ext-unix-sk", no_argument, NULL, OPT_CRIU_EXT_UNIX_SK },
    { "shell-job", no_argument, NULL, OPT_CRIU_SHELL_JOB },
    { "lazy-pages", no_argument, NULL, OPT_CRIU_LAZY_PAGES },
    { "status-fd", required_argument, NULL, OPT_STATUS_FD },
    { "page-server", required_argument, NULL, OPT_PAGE_SERVER },
    { "file-locks", no_argument, NULL, OPT_CRIU_FILE_LOCKS },
    { "pre-dump", no_argument, NULL, OPT_PRE_DUMP },
    { "manage-cgroups-mode", required_argument, NULL, OPT_CRIU_MANAGE_CGROUPS_MODE },
    { "empty-ns", required_argument, NULL, OPT_CRIU_EMPTY_NS },
    { "auto-dedup", no_argument, NULL, OPT_CRIU_AUTO_DEDUP },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  skiff_criu_opts o = SKIFF_CRIU_OPTS_INIT;
  skiff_error *err = NULL;
  int c, r;

  while ((c = getopt_long (argc, argv, ":h", long_options, NULL)) != -1)
    {
      if ((r = checkpoint_option (c, optarg, &o)) < 0)
        return 1;
      if (r == 0)
        return cli_usage ("checkpoint", usage, c, argv);
    }
  if (cli_check_args ("checkpoint", argc - optind, 1, 1) < 0 || cli_check_id (argv[optind]) < 0)
    return 1;
  if (o.image_path == NULL)
    o.image_path = "checkpoint"; /* runc's default, under the cwd */
  cli_debug ("checkpoint %s: images %s", argv[optind], o.image_path);
  if (skiff_container_checkpoint (ctx, argv[optind], &o, &err) < 0)
    return cli_fail_error (err);
  return 0;
}
