/* The criu command lines of checkpoint/restore (src/libskiff/criu.c): every
 * runc flag must reach criu as criu spells it, bind mounts must become
 * external mounts, and bad values must be refused before criu runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "criu.h"

/* argv joined by spaces, or "ERROR: <msg>". */
static char *
joined (int (*build) (const skiff_criu_opts *, const skiff_criu_target *, char ***, skiff_error **),
        const skiff_criu_opts *o, const skiff_criu_target *t)
{
  char **argv = NULL;
  skiff_error *err = NULL;
  char *out;
  if (build (o, t, &argv, &err) < 0)
    {
      size_t n = strlen (err && err->msg ? err->msg : "?") + 8;
      out = malloc (n);
      snprintf (out, n, "ERROR: %s", err && err->msg ? err->msg : "?");
      skiff_error_free (err);
      return out;
    }
  size_t len = 1;
  for (char **a = argv; *a; a++)
    len += strlen (*a) + 1;
  out = calloc (1, len);
  for (char **a = argv; *a; a++)
    {
      if (a != argv)
        strcat (out, " ");
      strcat (out, *a);
      free (*a);
    }
  free (argv);
  return out;
}

#define CHECK_ARGV(build, o, t, want)                                                                        \
  do                                                                                                         \
    {                                                                                                        \
      char *got_ = joined (build, (o), (t));                                                                 \
      CHECK_STR (got_, want);                                                                                \
      free (got_);                                                                                           \
    }                                                                                                        \
  while (0)

static char *bind_opts[] = { (char *)"rbind", (char *)"ro" };
static oci_mount mounts[] = {
  { .destination = (char *)"/proc", .source = (char *)"proc", .type = (char *)"proc" },
  { .destination = (char *)"/data", .source = (char *)"/srv/data", .type = (char *)"bind" },
  { .destination = (char *)"/etc/hosts", .source = (char *)"hosts", .options = bind_opts, .n_options = 2 },
};
static oci_spec spec = { .mounts = mounts, .n_mounts = 3 };
static char *masked[] = { (char *)"/proc/kcore", NULL };

static void
test_dump_minimal (void)
{
  skiff_criu_opts o = SKIFF_CRIU_OPTS_INIT;
  o.image_path = "/img";
  skiff_criu_target t = { .pid = 42 };
  CHECK_ARGV (skiff_criu_dump_argv, &o, &t,
              "criu dump --tree 42 --images-dir /img --work-dir /img --log-file dump.log -v4");
}

static void
test_dump_all_flags (void)
{
  skiff_criu_opts o = SKIFF_CRIU_OPTS_INIT;
  o.image_path = "/img";
  o.work_path = "/work";
  o.parent_path = "../parent";
  o.page_server = "10.0.0.1:1234";
  o.manage_cgroups_mode = "strict";
  o.empty_ns = "network";
  o.status_fd = 7;
  o.leave_running = o.tcp_established = o.tcp_skip_in_flight = o.link_remap = true;
  o.ext_unix_sk = o.shell_job = o.lazy_pages = o.file_locks = o.auto_dedup = true;
  skiff_criu_target t = {
    .pid = 7, .root = "/rootfs", .cgroup_path = "/skiff/c1", .spec = &spec, .masked_files = masked
  };
  CHECK_ARGV (skiff_criu_dump_argv, &o, &t,
              "criu dump --tree 7 --images-dir /img --work-dir /work --log-file dump.log -v4"
              " --root /rootfs --tcp-established --ext-unix-sk --shell-job --file-locks"
              " --lazy-pages --auto-dedup --manage-cgroups=strict --cgroup-root /skiff/c1"
              " --empty-ns net --leave-running --skip-in-flight --link-remap"
              " --prev-images-dir ../parent --status-fd=7"
              " --page-server --address 10.0.0.1 --port 1234"
              " --ext-mount-map /data:/data --ext-mount-map /etc/hosts:/etc/hosts"
              " --ext-mount-map /proc/kcore:/proc/kcore");
}

static void
test_pre_dump (void)
{
  skiff_criu_opts o = SKIFF_CRIU_OPTS_INIT;
  o.image_path = "/img";
  o.pre_dump = true;
  o.leave_running = true; /* meaningless for pre-dump: not passed */
  skiff_criu_target t = { .pid = 9 };
  CHECK_ARGV (skiff_criu_dump_argv, &o, &t,
              "criu pre-dump --tree 9 --images-dir /img --work-dir /img --log-file pre-dump.log -v4"
              " --track-mem");
  o.page_server = "[::1]:27";
  o.pre_dump = false;
  o.leave_running = false;
  CHECK_ARGV (skiff_criu_dump_argv, &o, &t,
              "criu dump --tree 9 --images-dir /img --work-dir /img --log-file dump.log -v4"
              " --page-server --address ::1 --port 27");
}

static void
test_dump_errors (void)
{
  skiff_criu_opts o = SKIFF_CRIU_OPTS_INIT;
  skiff_criu_target t = { .pid = 9 };
  CHECK_ARGV (skiff_criu_dump_argv, &o, &t, "ERROR: --image-path: must not be empty");
  o.image_path = "/img";
  o.manage_cgroups_mode = "bogus";
  CHECK_ARGV (skiff_criu_dump_argv, &o, &t,
              "ERROR: --manage-cgroups-mode `bogus`: must be soft, full, strict or ignore");
  o.manage_cgroups_mode = NULL;
  o.empty_ns = "pid";
  CHECK_ARGV (skiff_criu_dump_argv, &o, &t, "ERROR: --empty-ns `pid`: only `network` is supported");
  o.empty_ns = NULL;
  o.page_server = "host";
  CHECK_ARGV (skiff_criu_dump_argv, &o, &t, "ERROR: --page-server `host`: must be ADDRESS:PORT");
  o.page_server = "host:99999";
  CHECK_ARGV (skiff_criu_dump_argv, &o, &t, "ERROR: --page-server `host:99999`: must be ADDRESS:PORT");
  o.page_server = NULL;
  t.pid = 0;
  CHECK_ARGV (skiff_criu_dump_argv, &o, &t, "ERROR: criu dump: no process to dump");
}

static void
test_restore (void)
{
  skiff_criu_opts o = SKIFF_CRIU_OPTS_INIT;
  o.image_path = "/img";
  o.work_path = "/work";
  o.tcp_established = o.ext_unix_sk = o.shell_job = o.file_locks = true;
  o.manage_cgroups_mode = "soft";
  o.lsm_profile = "apparmor:p";
  o.lsm_mount_context = "ctx";
  o.leave_running = true; /* dump-only flags never reach restore */
  o.link_remap = true;
  o.tcp_skip_in_flight = true;
  o.status_fd = 3;
  o.parent_path = "../p";
  skiff_criu_target t = {
    .root = "/run/skiff/c1/criu-root",
    .bundle = "/bundle",
    .cgroup_path = "/skiff/c1",
    .spec = &spec,
    .masked_files = masked,
    .pidfile = "/work/restore.pid",
    .stdio = { "/dev/null", "pipe:[123]", "pipe:[456]" },
  };
  CHECK_ARGV (skiff_criu_restore_argv, &o, &t,
              "criu restore --restore-detached --restore-sibling --pidfile /work/restore.pid"
              " --images-dir /img --work-dir /work --log-file restore.log -v4"
              " --root /run/skiff/c1/criu-root --tcp-established --ext-unix-sk --shell-job"
              " --file-locks --manage-cgroups=soft --cgroup-root /skiff/c1"
              " --lsm-profile apparmor:p --lsm-mount-context ctx"
              " --inherit-fd fd[1]:pipe:[123] --inherit-fd fd[2]:pipe:[456]"
              " --ext-mount-map /data:/srv/data --ext-mount-map /etc/hosts:/bundle/hosts"
              " --ext-mount-map /proc/kcore:/dev/null");
  t.pidfile = NULL;
  CHECK_ARGV (skiff_criu_restore_argv, &o, &t, "ERROR: criu restore: no pid file");
}

static void
test_log_errors (void)
{
  const char *log = "(00.000100) Version: 3.17.1\n"
                    "(00.000200) Error (criu/mount.c:1): mnt: first\n"
                    "(00.000300) Warn  (criu/x.c:2): nothing\n"
                    "(00.000400) Error (criu/cr-dump.c:3): second\n"
                    "Error (criu/crtools.c:4): third\n"
                    "  (00.1)   Error (criu/y.c:5): fourth";
  char *s = skiff_criu_log_errors (log, 3);
  CHECK_STR (s, "Error (criu/cr-dump.c:3): second; Error (criu/crtools.c:4): third; "
                "Error (criu/y.c:5): fourth");
  free (s);
  s = skiff_criu_log_errors (log, 1);
  CHECK_STR (s, "Error (criu/y.c:5): fourth");
  free (s);
  s = skiff_criu_first_error (log);
  CHECK_STR (s, "Error (criu/mount.c:1): mnt: first");
  free (s);
  CHECK (skiff_criu_first_error ("Looks good.\n") == NULL);
  CHECK (skiff_criu_log_errors ("(00.1) Warn: x\nall good\n", 3) == NULL);
  CHECK (skiff_criu_log_errors ("", 3) == NULL);
}

int
main (void)
{
  test_dump_minimal ();
  test_dump_all_flags ();
  test_pre_dump ();
  test_dump_errors ();
  test_restore ();
  test_log_errors ();
  return TEST_EXIT ();
}
