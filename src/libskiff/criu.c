/* skiff checkpoint / restore: criu run as a child (its command line comes
 * from criu-argv.c), criu's own reason reported on failure, and the
 * container record destroyed after a dump / written after a restore. */
#include "criu.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bundle.h"
#include "cgroup/cgroup.h"
#include "container.h"
#include "payload.h"
#include "state.h"
#include "util.h"

/* Written next to the images at dump, read at restore: what the init's
 * stdio was and which masked paths are /dev/null bind mounts. */
#define DESCRIPTORS_FILE "skiff-descriptors"
#define CRIU_ROOT_DIR "criu-root"
#define RESTORE_PIDFILE "restore.pid"

/* ---- running criu ---- */

/* criu lives in sbin, often missing from a caller's PATH: look there too. */
static int
criu_find (const char *name, char **out, skiff_error **err)
{
  if (name && strchr (name, '/'))
    {
      if (access (name, X_OK) < 0)
        return skiff_error_set (err, errno, "criu: `%s`", name);
      *out = xstrdup (name);
      return 0;
    }
  const char *env = getenv ("PATH");
  cleanup_free char *path = xasprintf ("%s:/usr/local/sbin:/usr/sbin:/sbin", env ? env : "/usr/bin:/bin");
  char *save = NULL;
  for (char *dir = strtok_r (path, ":", &save); dir; dir = strtok_r (NULL, ":", &save))
    {
      cleanup_free char *cand = xasprintf ("%s/%s", dir, name ? name : "criu");
      if (access (cand, X_OK) == 0)
        {
          *out = take_ptr (&cand);
          return 0;
        }
    }
  return skiff_error_set (err, 0, "criu: not found (apt-get install criu)");
}

typedef struct criu_run
{
  const char *exe;
  char **argv;
  int keep_fd;        /* left open for criu (--status-fd); -1: none */
  int output_fd;      /* criu's stdout and stderr; -1: ours */
  const char *cgroup; /* criu joins it first, so the restored tree lands there */
  const char *cgroup_unit; /* systemd driver: the unit to make for it; NULL: cgroupfs */
  const oci_resources *resources;
  bool *cgroup_entered;
} criu_run;

static void __attribute__ ((noreturn)) criu_child (const criu_run *r, int gate)
{
  char c;
  sigset_t none;
  /* A foreground restore blocks the signals it forwards; criu must not inherit that. */
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  if (read (gate, &c, 1) != 1)
    _exit (127);
  if (r->output_fd >= 0 && (dup2 (r->output_fd, 1) < 0 || dup2 (r->output_fd, 2) < 0))
    _exit (127);
  if (r->keep_fd >= 0 && fcntl (r->keep_fd, F_SETFD, 0) < 0)
    _exit (127);
  execv (r->exe, r->argv);
  _exit (127);
}

/* Run criu and wait for it; *status is its wait status. The child waits on
 * a pipe until it has been moved into r->cgroup. */
static int
criu_exec (const criu_run *r, int *status, skiff_error **err)
{
  int gate[2];
  if (pipe2 (gate, O_CLOEXEC) < 0)
    return skiff_error_set (err, errno, "pipe");
  pid_t pid = fork ();
  if (pid < 0)
    {
      int e = errno;
      close (gate[0]);
      close (gate[1]);
      return skiff_error_set (err, e, "fork criu");
    }
  if (pid == 0)
    {
      close (gate[1]);
      criu_child (r, gate[0]);
    }
  close (gate[0]);
  int rc = 0;
  if (r->cgroup)
    {
      rc = skiff_cgroup_enter (r->cgroup, r->cgroup_unit, pid, r->resources, err);
      if (rc == 0 && r->cgroup_entered)
        *r->cgroup_entered = true;
    }
  /* On error the closed pipe (EOF) makes the child exit without exec. */
  if (rc == 0 && write (gate[1], "x", 1) != 1)
    rc = skiff_error_set (err, errno, "start criu");
  close (gate[1]);
  while (waitpid (pid, status, 0) < 0)
    if (errno != EINTR)
      return skiff_error_set (err, errno, "wait for criu");
  return rc;
}

static char *
describe_status (int status)
{
  if (WIFSIGNALED (status))
    return xasprintf ("killed by signal %d", WTERMSIG (status));
  return xasprintf ("exit status %d", WEXITSTATUS (status));
}

/* `criu check`, its output captured: the host may lack what criu needs. */
static int
criu_check (const char *exe, skiff_error **err)
{
  char *argv[] = { (char *)"criu", (char *)"check", NULL };
  cleanup_close int out = memfd_create ("criu-check", MFD_CLOEXEC);
  if (out < 0)
    return skiff_error_set (err, errno, "memfd_create");
  criu_run r = { .exe = exe, .argv = argv, .keep_fd = -1, .output_fd = out };
  int status = 0;
  if (criu_exec (&r, &status, err) < 0)
    return -1;
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return 0;
  cleanup_free char *text = NULL;
  if (lseek (out, 0, SEEK_SET) == 0)
    read_all_fd (out, &text, NULL);
  /* The first error is the cause; the later ones are its consequences. */
  cleanup_free char *why = text ? skiff_criu_first_error (text) : NULL;
  cleanup_free char *st = describe_status (status);
  return skiff_error_set (err, 0, "criu check failed on this host: %s", why ? why : st);
}

bool
skiff_criu_usable (void)
{
  cleanup_free char *exe = NULL;
  return criu_find (NULL, &exe, NULL) == 0 && criu_check (exe, NULL) == 0;
}

/* Run `criu <cmd>`; on failure report criu's own reason from its log. */
static int
criu_run_logged (criu_run *r, const char *work_dir, const char *log, skiff_error **err)
{
  int status = 0;
  if (criu_exec (r, &status, err) < 0)
    return -1;
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return 0;
  cleanup_free char *path = xasprintf ("%s/%s", work_dir, log);
  cleanup_free char *text = NULL;
  cleanup_free char *why = NULL;
  if (read_file_at (AT_FDCWD, path, &text, NULL, NULL) == 0)
    why = skiff_criu_log_errors (text, 3);
  cleanup_free char *st = describe_status (status);
  if (why)
    return skiff_error_set (err, 0, "criu %s failed: %s (log: %s)", r->argv[1], why, path);
  return skiff_error_set (err, 0, "criu %s failed: %s (log: %s)", r->argv[1], st, path);
}

/* ---- shared by checkpoint and restore ---- */

/* mkdir -p, 0700 as runc's image directories. */
static int
make_dirs (const char *path, skiff_error **err)
{
  if (*path == '\0')
    return skiff_error_set (err, 0, "empty directory path");
  if (mkdir_p (path, 0700) < 0)
    return skiff_error_set (err, errno, "create directory `%s`", path);
  return 0;
}

/* criu changes into its work dir: hand it absolute paths only. */
static int
absolute_dir (const char *path, bool create, char **out, skiff_error **err)
{
  char buf[PATH_MAX];
  if (create && make_dirs (path, err) < 0)
    return -1;
  if (realpath (path, buf) == NULL)
    return skiff_error_set (err, errno, "directory `%s`", path);
  *out = xstrdup (buf);
  return 0;
}

static int
find_and_check_criu (const skiff_criu_opts *o, char **exe, skiff_error **err)
{
  if (criu_find (o->criu_path, exe, err) < 0)
    return -1;
  return criu_check (*exe, err);
}

/* Saved at dump, needed at restore; the images alone do not say it. */
typedef struct descriptors
{
  char *stdio[3];
  char **masked; /* NULL-terminated */
  size_t n_masked;
} descriptors;

static void
descriptors_clear (descriptors *d)
{
  for (int i = 0; i < 3; i++)
    free (d->stdio[i]);
  strv_free (d->masked);
  memset (d, 0, sizeof *d);
}

/* Whether path inside the container is the /dev/null bind mount that masks
 * a file (a masked directory is a tmpfs, which criu dumps by itself). */
static bool
masked_by_devnull (int rootdir, const char *path)
{
  struct open_how how = { .flags = O_PATH | O_NOFOLLOW | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
  cleanup_close int fd = (int)syscall (SYS_openat2, rootdir, path, &how, sizeof how);
  struct stat st;
  return fd >= 0 && fstat (fd, &st) == 0 && S_ISCHR (st.st_mode) && st.st_rdev == makedev (1, 3);
}

static void
descriptors_collect (pid_t pid, const oci_spec *spec, descriptors *d)
{
  for (int i = 0; i < 3; i++)
    {
      char link[64], target[PATH_MAX];
      snprintf (link, sizeof link, "/proc/%d/fd/%d", (int)pid, i);
      ssize_t n = readlink (link, target, sizeof target - 1);
      if (n > 0 && memchr (target, '\n', (size_t)n) == NULL)
        d->stdio[i] = xstrndup (target, (size_t)n);
    }
  cleanup_free char *root = xasprintf ("/proc/%d/root", (int)pid);
  cleanup_close int rootdir = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  const oci_linux *lx = spec->linux_;
  for (size_t i = 0; rootdir >= 0 && lx && i < lx->n_masked_paths; i++)
    if (strchr (lx->masked_paths[i], '\n') == NULL && masked_by_devnull (rootdir, lx->masked_paths[i]))
      strv_push (&d->masked, &d->n_masked, lx->masked_paths[i]);
}

/* One "fd N TARGET" or "masked PATH" per line. */
static int
descriptors_save (const char *images, const descriptors *d, skiff_error **err)
{
  cleanup_free char *text = xstrdup ("");
  for (int i = 0; i < 3; i++)
    if (d->stdio[i])
      {
        char *next = xasprintf ("%sfd %d %s\n", text, i, d->stdio[i]);
        free (text);
        text = next;
      }
  for (size_t i = 0; i < d->n_masked; i++)
    {
      char *next = xasprintf ("%smasked %s\n", text, d->masked[i]);
      free (text);
      text = next;
    }
  cleanup_close int dirfd = open (images, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return skiff_error_set (err, errno, "open `%s`", images);
  return write_file_atomic (dirfd, DESCRIPTORS_FILE, text, strlen (text), 0600, err);
}

/* Missing file: a checkpoint not made by skiff; restore without the extras. */
static void
descriptors_load (const char *images, descriptors *d)
{
  cleanup_free char *path = xasprintf ("%s/%s", images, DESCRIPTORS_FILE);
  cleanup_free char *text = NULL;
  if (read_file_at (AT_FDCWD, path, &text, NULL, NULL) < 0)
    return;
  char *save = NULL;
  for (char *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      int fd;
      int off = 0;
      if (sscanf (line, "fd %d %n", &fd, &off) == 1 && off > 0 && fd >= 0 && fd < 3)
        {
          free (d->stdio[fd]);
          d->stdio[fd] = xstrdup (line + off);
        }
      else if (strncmp (line, "masked /", 8) == 0)
        strv_push (&d->masked, &d->n_masked, line + 7);
    }
}

/* ---- checkpoint ---- */

typedef struct dump_job
{
  int rootfd;
  skiff_record *rec;
  oci_spec *spec;
  char *exe;
  char *images;
  char *work;
  descriptors desc;
} dump_job;

static void
dump_job_release (dump_job *j)
{
  skiff_record_free (j->rec);
  if (j->rootfd >= 0)
    close (j->rootfd);
  oci_spec_free (j->spec);
  free (j->exe);
  free (j->images);
  free (j->work);
  descriptors_clear (&j->desc);
}

static int
open_running (dump_job *j, const skiff_context *ctx, const char *id, skiff_error **err)
{
  /* Exclusive: nothing may start, delete or pause it while criu works. */
  if (skiff_container_open (ctx, id, true, &j->rootfd, &j->rec, err) < 0)
    return -1;
  if (strcmp (skiff_record_status (j->rec), "running") != 0)
    return skiff_error_set (err, 0, "container `%s` is not running", id);
  return skiff_record_load_spec (j->rec, &j->spec, err);
}

static int
dump_prepare (dump_job *j, const skiff_context *ctx, const char *id, const skiff_criu_opts *o,
              skiff_error **err)
{
  if (open_running (j, ctx, id, err) < 0 || skiff_criu_check_opts (o, err) < 0)
    return -1;
  if (find_and_check_criu (o, &j->exe, err) < 0)
    return skiff_error_wrap (err, "checkpoint");
  if (absolute_dir (o->image_path, true, &j->images, err) < 0
      || absolute_dir (o->work_path ? o->work_path : o->image_path, true, &j->work, err) < 0)
    return -1;
  descriptors_collect (j->rec->init_pid, j->spec, &j->desc);
  return descriptors_save (j->images, &j->desc, err);
}

static int
dump_run (dump_job *j, const skiff_criu_opts *o, skiff_error **err)
{
  skiff_criu_opts abs = *o;
  abs.image_path = j->images;
  abs.work_path = j->work;
  skiff_criu_target t = {
    .pid = j->rec->init_pid,
    .root = j->rec->state->rootfs,
    .cgroup_path = j->rec->cgroup_path,
    .spec = j->spec,
    .masked_files = j->desc.masked,
  };
  cleanup_strv char **argv = NULL;
  if (skiff_criu_dump_argv (&abs, &t, &argv, err) < 0)
    return -1;
  criu_run r = { .exe = j->exe, .argv = argv, .keep_fd = o->status_fd, .output_fd = -1 };
  if (criu_run_logged (&r, j->work, o->pre_dump ? "pre-dump.log" : "dump.log", err) < 0)
    return skiff_error_wrap (err, "checkpoint");
  return 0;
}

int
skiff_container_checkpoint (const skiff_context *ctx, const char *id, const skiff_criu_opts *o,
                            skiff_error **err)
{
  dump_job j = { .rootfd = -1 };
  int r = dump_prepare (&j, ctx, id, o, err);
  if (r == 0)
    r = dump_run (&j, o, err);
  /* criu dump ends the tree unless told to leave it: the container is gone
   * and, as runc does, destroyed. */
  if (r == 0 && !o->leave_running && !o->pre_dump)
    r = skiff_destroy_record (j.rootfd, j.rec, err);
  dump_job_release (&j);
  return r;
}

/* ---- restore ---- */

/* Everything restore acquires, released in one place on every path. */
typedef struct restore_job
{
  skiff_bundle b; /* config, bundle dir, rootfs */
  char *exe;
  char *images;
  char *work;
  char *criu_root; /* the rootfs bind-mounted in the state dir: criu pivots into it */
  char *pidfile;
  descriptors desc;
  int rootfd;
  skiff_record *rec;
  bool mounted;
  bool cgroup_entered;
  pid_t pid;
} restore_job;

static void
restore_unmount (restore_job *j)
{
  if (j->mounted && umount2 (j->criu_root, MNT_DETACH) == 0)
    j->mounted = false;
  if (j->rec)
    unlinkat (j->rec->dirfd, CRIU_ROOT_DIR, AT_REMOVEDIR);
}

static void
restore_job_release (restore_job *j)
{
  restore_unmount (j);
  skiff_record_free (j->rec);
  if (j->rootfd >= 0)
    close (j->rootfd);
  skiff_bundle_release (&j->b);
  free (j->exe);
  free (j->images);
  free (j->work);
  free (j->criu_root);
  free (j->pidfile);
  descriptors_clear (&j->desc);
}

/* Undo a failed restore: no process, cgroup, mount or state dir survives. */
static void
restore_abort (restore_job *j)
{
  if (j->pid > 0)
    {
      kill (j->pid, SIGKILL);
      while (waitpid (j->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    }
  restore_unmount (j);
  if (j->rec == NULL)
    return;
  /* A cgroup we did not enter is not ours to remove. */
  if (!j->cgroup_entered)
    {
      free (j->rec->cgroup_path);
      j->rec->cgroup_path = NULL;
      free (j->rec->cgroup_unit);
      j->rec->cgroup_unit = NULL;
    }
  skiff_destroy_record (j->rootfd, j->rec, NULL);
}
static int
restore_load_spec (restore_job *j, const skiff_restore_opts *r, skiff_error **err)
{
  if (skiff_bundle_load (r->bundle, NULL, "restore", &j->b, err) < 0)
    return -1;
  /* runc hands criu a new pty through the console socket; not done yet. */
  if (j->b.spec->process->terminal.value || r->console_socket)
    return skiff_error_set (err, 0, "restore of a container with a terminal is not supported yet");
  return 0;
}

static int
restore_check_images (restore_job *j, const skiff_criu_opts *o, skiff_error **err)
{
  if (skiff_criu_check_opts (o, err) < 0 || absolute_dir (o->image_path, false, &j->images, err) < 0)
    return -1;
  cleanup_free char *inv = xasprintf ("%s/inventory.img", j->images);
  /* Every criu dump writes inventory.img: without it criu's own message
   * would only be in a log the user never sees. */
  if (access (inv, R_OK) < 0)
    return skiff_error_set (err, 0, "no checkpoint in `%s`: inventory.img is missing", j->images);
  if (absolute_dir (o->work_path ? o->work_path : o->image_path, true, &j->work, err) < 0)
    return -1;
  descriptors_load (j->images, &j->desc);
  if (find_and_check_criu (o, &j->exe, err) < 0)
    return skiff_error_wrap (err, "restore");
  return 0;
}

/* criu restores a mount namespace by pivoting into --root, which must be a
 * mount point: bind the rootfs onto a directory in the state dir (runc's way). */
static int
mount_criu_root (restore_job *j, const char *state_root, const char *id, skiff_error **err)
{
  char buf[PATH_MAX];
  if (realpath (state_root, buf) == NULL)
    return skiff_error_set (err, errno, "state directory `%s`", state_root);
  j->criu_root = xasprintf ("%s/%s/%s", buf, id, CRIU_ROOT_DIR);
  if (mkdirat (j->rec->dirfd, CRIU_ROOT_DIR, 0700) < 0)
    return skiff_error_set (err, errno, "create `%s`", j->criu_root);
  if (mount (j->b.rootfs, j->criu_root, NULL, MS_BIND | MS_REC, NULL) < 0)
    return skiff_error_set (err, errno, "bind mount `%s` on `%s`", j->b.rootfs, j->criu_root);
  j->mounted = true;
  /* Private: the temporary mount must not propagate to the host's peers. */
  if (mount (NULL, j->criu_root, NULL, MS_PRIVATE | MS_REC, NULL) < 0)
    return skiff_error_set (err, errno, "make `%s` private", j->criu_root);
  return 0;
}

static int
restore_prepare_host (restore_job *j, const skiff_context *ctx, const char *id, skiff_error **err)
{
  const char *root = skiff_state_root (ctx);
  if (skiff_state_root_open (root, true, &j->rootfd, err) < 0
      || skiff_record_create (j->rootfd, id, &j->rec, err) < 0)
    return -1;
  if (skiff_cgroup_path_for (j->b.spec->linux_, id, ctx->systemd_cgroup, &j->rec->cgroup_path,
                             &j->rec->cgroup_unit, err) < 0)
    return -1;
  j->pidfile = xasprintf ("%s/%s", j->work, RESTORE_PIDFILE);
  if (unlink (j->pidfile) < 0 && errno != ENOENT)
    return skiff_error_set (err, errno, "remove stale `%s`", j->pidfile);
  return mount_criu_root (j, root, id, err);
}

static int
restore_run (restore_job *j, const skiff_criu_opts *o, skiff_error **err)
{
  skiff_criu_opts abs = *o;
  abs.image_path = j->images;
  abs.work_path = j->work;
  skiff_criu_target t = {
    .root = j->criu_root,
    .bundle = j->b.dir,
    .cgroup_path = j->rec->cgroup_path,
    .spec = j->b.spec,
    .masked_files = j->desc.masked,
    .pidfile = j->pidfile,
    .stdio = { j->desc.stdio[0], j->desc.stdio[1], j->desc.stdio[2] },
  };
  cleanup_strv char **argv = NULL;
  if (skiff_criu_restore_argv (&abs, &t, &argv, err) < 0)
    return -1;
  const oci_linux *lx = j->b.spec->linux_;
  criu_run r = {
    .exe = j->exe,
    .argv = argv,
    .keep_fd = -1,
    .output_fd = -1,
    .cgroup = j->rec->cgroup_path,
    .cgroup_unit = j->rec->cgroup_unit,
    .resources = lx ? lx->resources : NULL,
    .cgroup_entered = &j->cgroup_entered,
  };
  if (criu_run_logged (&r, j->work, "restore.log", err) < 0)
    return skiff_error_wrap (err, "restore");
  cleanup_free char *text = NULL;
  long pid;
  if (read_file_at (AT_FDCWD, j->pidfile, &text, NULL, err) < 0)
    return skiff_error_wrap (err, "criu restore");
  text[strcspn (text, "\n")] = '\0';
  if (parse_long (text, 1, INT_MAX, &pid) < 0)
    return skiff_error_set (err, 0, "criu restore: bad pid `%s` in `%s`", text, j->pidfile);
  j->pid = (pid_t)pid;
  return 0;
}



/* The restored tree becomes an ordinary running container. */
static int
restore_record (restore_job *j, const skiff_restore_opts *r, skiff_error **err)
{
  j->rec->init_pid = j->pid;
  j->rec->init_start = skiff_proc_starttime (j->pid, NULL);
  j->rec->state = skiff_bundle_state (&j->b, r->id, "running", j->pid);
  if (skiff_record_save_spec (j->rec, j->b.spec, err) < 0 || skiff_record_save_init (j->rec, err) < 0 || skiff_record_save_state (j->rec, err) < 0)
    return -1;
  if (r->pid_file && skiff_pid_file_write (r->pid_file, j->pid, err) < 0)
    return -1;
  return 0;
}

/* Restore and return with the container running; *pid is its init. */
static int
restore_detached (const skiff_context *ctx, const skiff_restore_opts *r, const skiff_criu_opts *o, pid_t *pid,
                  skiff_error **err)
{
  restore_job j = { .rootfd = -1 };
  if (skiff_validate_id (r->id, err) < 0)
    return -1;
  int rc = restore_load_spec (&j, r, err);
  if (rc == 0)
    rc = restore_check_images (&j, o, err);
  if (rc == 0)
    rc = restore_prepare_host (&j, ctx, r->id, err);
  if (rc == 0)
    rc = restore_run (&j, o, err);
  if (rc == 0)
    rc = restore_record (&j, r, err);
  if (rc < 0)
    restore_abort (&j);
  *pid = j.pid;
  restore_job_release (&j);
  return rc;
}

int
skiff_container_restore (const skiff_context *ctx, const skiff_restore_opts *r, const skiff_criu_opts *o,
                         int *exit_status, skiff_error **err)
{
  *exit_status = 0;
  pid_t pid = 0;
  if (r->detach)
    return restore_detached (ctx, r, o, &pid, err);
  /* Blocked before criu runs so no signal meant for the container is lost. */
  sigset_t old;
  int sfd = skiff_forward_signals_begin (&old, err);
  if (sfd < 0)
    return -1;
  int rc = restore_detached (ctx, r, o, &pid, err);
  if (rc == 0)
    {
      rc = skiff_forward_signals_wait (sfd, pid, exit_status, err);
      if (skiff_container_delete (ctx, r->id, true, rc < 0 ? NULL : err) < 0)
        rc = -1;
    }
  close (sfd);
  sigprocmask (SIG_SETMASK, &old, NULL);
  return rc;
}
