#include "container.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "hooks.h"
#include "util.h"


int
skiff_validate_id (const char *id, skiff_error **err)
{
  size_t n = id ? strlen (id) : 0;
  if (n == 0)
    return skiff_error_set (err, 0, "invalid container id: empty");
  if (n > 1024)
    return skiff_error_set (err, 0, "invalid container id: longer than 1024 bytes");
  for (size_t i = 0; i < n; i++)
    {
      char c = id[i];
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '_' || c == '+' || c == '-' || (c == '.' && i > 0);
      if (!ok)
        return skiff_error_set (err, 0, "invalid container id `%s`: must match [A-Za-z0-9_+-][A-Za-z0-9_+.-]*", id);
    }
  return 0;
}

const char *
skiff_state_root (const skiff_context *ctx)
{
  return ctx->state_root ? ctx->state_root : SKIFF_DEFAULT_STATE_ROOT;
}

int
skiff_container_open (const skiff_context *ctx, const char *id, bool exclusive, int *rootfd,
             skiff_record **rec, skiff_error **err)
{
  if (skiff_validate_id (id, err) < 0)
    return -1;
  if (skiff_state_root_open (skiff_state_root (ctx), false, rootfd, NULL) < 0)
    return skiff_error_set (err, 0, "container `%s` does not exist", id);
  if (skiff_record_open (*rootfd, id, exclusive, rec, err) < 0)
    {
      close (*rootfd);
      *rootfd = -1;
      return -1;
    }
  return 0;
}

/* Refresh the status field of a loaded record from the live process. */
static void
refresh_state (skiff_record *rec)
{
  const char *status = skiff_record_status (rec);
  if (rec->state == NULL)
    return;
  free (rec->state->status);
  rec->state->status = xstrdup (status);
  if (strcmp (status, "stopped") == 0)
    rec->state->pid.value = 0;
}

int
skiff_container_state (const skiff_context *ctx, const char *id, oci_state **out, skiff_error **err)
{
  cleanup_close int rootfd = -1;
  skiff_record *rec = NULL;
  if (skiff_container_open (ctx, id, false, &rootfd, &rec, err) < 0)
    return -1;
  if (rec->state == NULL)
    {
      skiff_record_free (rec);
      return skiff_error_set (err, 0, "container `%s` is being created, or its creation failed", id);
    }
  refresh_state (rec);
  *out = take_ptr (&rec->state);
  skiff_record_free (rec);
  return 0;
}

static void
warn_error (const skiff_context *ctx, skiff_error *e)
{
  if (e && ctx->warn)
    ctx->warn (e->msg);
  skiff_error_free (e);
}

/* poststart and poststop hooks: failures are warnings (runtime-spec), and
 * they run in the runtime's namespaces with the state as it is now. */
static void
run_post_hooks (const skiff_context *ctx, const oci_spec *spec, skiff_hook_kind kind, oci_state *state,
                const char *status)
{
  size_t n;
  if (spec == NULL || state == NULL || (skiff_hooks_of (spec, kind, &n), n == 0))
    return;
  free (state->status);
  state->status = xstrdup (status);
  if (strcmp (status, "stopped") == 0)
    state->pid.value = 0;
  cleanup_free char *json = oci_state_to_json (state, false);
  skiff_error *e = NULL;
  if (skiff_hooks_run (spec, kind, json, &e) < 0)
    warn_error (ctx, e);
}

int
skiff_container_start (const skiff_context *ctx, const char *id, skiff_error **err)
{
  cleanup_close int rootfd = -1;
  skiff_record *rec = NULL;
  if (skiff_container_open (ctx, id, true, &rootfd, &rec, err) < 0)
    return -1;
  /* The init holds the fifo open for reading while it waits, so opening it
   * is both the "created" check and the way in; O_NONBLOCK turns "nobody
   * reads it" into ENXIO instead of blocking forever. */
  int fd = rec->state ? openat (rec->dirfd, SKIFF_EXEC_FIFO, O_WRONLY | O_NONBLOCK | O_CLOEXEC) : -1;
  int r = -1;
  if (fd < 0)
    skiff_error_set (err, 0, "cannot start container `%s`: it is %s, not created", id,
                     skiff_record_status (rec));
  else if ((r = write_all (fd, "0", 1)) < 0)
    skiff_error_set (err, -r, "start container `%s`: write its exec fifo", id);
  if (fd >= 0)
    close (fd);
  if (r == 0)
    {
      unlinkat (rec->dirfd, SKIFF_EXEC_FIFO, 0);
      oci_spec *spec = NULL;
      skiff_error *e = NULL;
      if (skiff_record_load_spec (rec, &spec, &e) < 0)
        warn_error (ctx, e);
      /* runc reports "created" to poststart hooks too: match it. */
      run_post_hooks (ctx, spec, SKIFF_HOOK_POSTSTART, rec->state, "created");
      oci_spec_free (spec);
    }
  skiff_record_free (rec);
  return r;
}

static int
signal_init (const skiff_record *rec, int signo, skiff_error **err)
{
  /* A pidfd pins the process: after checking its start time through the
   * pidfd's pid, a recycled pid can no longer receive our signal. */
  /* "container not running" is runc's wording: containerd matches it to
   * tell a kill that raced with the exit from a real failure. */
  int pidfd = (int) syscall (SYS_pidfd_open, rec->init_pid, 0);
  if (pidfd < 0 && errno != ENOSYS)
    return skiff_error_set (err, 0, "cannot signal `%s`: container not running", rec->id);
  if (!skiff_record_init_alive (rec))
    {
      if (pidfd >= 0)
        close (pidfd);
      return skiff_error_set (err, 0, "cannot signal `%s`: container not running", rec->id);
    }
  int r = pidfd >= 0 ? (int) syscall (SYS_pidfd_send_signal, pidfd, signo, NULL, 0)
                     : kill (rec->init_pid, signo);
  int e = errno;
  if (pidfd >= 0)
    close (pidfd);
  if (r < 0)
    return skiff_error_set (err, e, "kill container `%s`", rec->id);
  return 0;
}

/* kill --all of a container without a cgroup: its pid namespace. */
static int
signal_pidns (const skiff_record *rec, int signo, skiff_error **err)
{
  cleanup_free pid_t *pids = NULL;
  size_t n = 0;
  if (skiff_record_pidns_pids (rec, &pids, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    if (kill (pids[i], signo) < 0 && errno != ESRCH)
      return skiff_error_set (err, errno, "kill %d in container `%s`", (int) pids[i], rec->id);
  return 0;
}

int
skiff_container_kill (const skiff_context *ctx, const char *id, int signo, bool all, skiff_error **err)
{
  cleanup_close int rootfd = -1;
  skiff_record *rec = NULL;
  if (skiff_container_open (ctx, id, false, &rootfd, &rec, err) < 0)
    return -1;
  int r;
  if (rec->state == NULL)
    r = skiff_error_set (err, 0, "cannot signal `%s`: container not running", id);
  else if (all && rec->cgroup_path)
    {
      /* As runc: everything left in the cgroup, even after the init exited
       * (processes of a shared pid namespace outlive it); none left is fine. */
      if (skiff_record_init_alive (rec))
        signal_init (rec, signo, NULL);
      r = skiff_cgroup_kill_all (rec->cgroup_path, signo, err);
    }
  else if (all)
    r = signal_pidns (rec, signo, err);
  else
    r = signal_init (rec, signo, err);
  skiff_record_free (rec);
  return r;
}

/* Wait (bounded) until the init is gone after SIGKILL. It is not our child,
 * so poll its start time instead of waitpid. */
static void
wait_init_gone (const skiff_record *rec)
{
  for (int i = 0; i < 2000 && skiff_record_init_alive (rec); i++)
    usleep (1000);
}

int
skiff_destroy_record (int rootfd, skiff_record *rec, skiff_error **err)
{
  /* The cgroup first: its kill also thaws a paused container, whose frozen
   * init would otherwise not die until thawed. */
  if (rec->cgroup_path)
    skiff_cgroup_kill_all (rec->cgroup_path, SIGKILL, NULL);
  if (rec->init_pid > 0 && skiff_record_init_alive (rec))
    {
      signal_init (rec, SIGKILL, NULL);
      wait_init_gone (rec);
    }
  if (rec->cgroup_path && skiff_cgroup_destroy (rec->cgroup_path, rec->cgroup_unit, err) < 0)
    return -1;
  return skiff_record_remove (rootfd, rec, err);
}

/* delete --force of a container whose state files are corrupt: kill what
 * the init file (or the config's cgroup) still names, then remove it all. */
static int
delete_damaged (const skiff_context *ctx, const char *id, skiff_error **err)
{
  cleanup_close int rootfd = -1;
  skiff_record *rec = NULL;
  if (skiff_state_root_open (skiff_state_root (ctx), false, &rootfd, err) < 0
      || skiff_record_open_damaged (rootfd, id, &rec, err) < 0)
    return -1;
  oci_spec *spec = NULL;
  if (rec->cgroup_path == NULL && skiff_record_load_spec (rec, &spec, NULL) == 0)
    skiff_cgroup_path_for (spec->linux_, id, ctx->systemd_cgroup, &rec->cgroup_path, &rec->cgroup_unit, NULL);
  oci_spec_free (spec);
  int r = skiff_destroy_record (rootfd, rec, err);
  skiff_record_free (rec);
  return r;
}

int
skiff_container_delete (const skiff_context *ctx, const char *id, bool force, skiff_error **err)
{
  cleanup_close int rootfd = -1;
  skiff_record *rec = NULL;
  skiff_error *open_err = NULL;
  if (skiff_container_open (ctx, id, true, &rootfd, &rec, &open_err) < 0)
    {
      int r = -1;
      /* runc: deleting a container that does not exist with --force succeeds. */
      if (force && skiff_validate_id (id, NULL) == 0 && strstr (open_err->msg, "does not exist"))
        r = 0;
      else if (force && strstr (open_err->msg, "corrupt"))
        {
          skiff_error_free (open_err);
          return delete_damaged (ctx, id, err);
        }
      if (r == 0 || err == NULL)
        skiff_error_free (open_err);
      else
        *err = open_err;
      return r;
    }
  const char *status = skiff_record_status (rec);
  bool may = force || strcmp (status, "stopped") == 0 || strcmp (status, "created") == 0;
  int r;
  if (!may)
    r = skiff_error_set (err, 0, "cannot delete container `%s` that is not stopped: %s", id, status);
  else if (strcmp (status, "creating") == 0 && !force)
    r = skiff_error_set (err, 0, "container `%s` is being created", id);
  else
    {
      /* Read before the state dir goes; a half-created container has none. */
      oci_spec *spec = NULL;
      if (rec->state)
        skiff_record_load_spec (rec, &spec, NULL);
      r = skiff_destroy_record (rootfd, rec, err);
      if (r == 0)
        run_post_hooks (ctx, spec, SKIFF_HOOK_POSTSTOP, rec->state, "stopped");
      oci_spec_free (spec);
    }
  skiff_record_free (rec);
  return r;
}

/* list shows the owner's name (runc: the uid owning the state directory). */
static void
fill_owner (skiff_record *rec)
{
  struct stat st;
  if ((rec->state->owner && *rec->state->owner) || fstat (rec->dirfd, &st) < 0)
    return;
  free (rec->state->owner);
  rec->state->owner = user_name (st.st_uid);
}

static int
compare_states (const void *a, const void *b)
{
  const oci_state *x = *(oci_state *const *) a, *y = *(oci_state *const *) b;
  return strcmp (x->id, y->id);
}

int
skiff_container_list (const skiff_context *ctx, oci_state ***out, size_t *n, skiff_error **err)
{
  *out = NULL;
  *n = 0;
  int rootfd;
  if (skiff_state_root_open (skiff_state_root (ctx), false, &rootfd, NULL) < 0)
    return 0; /* no state root yet: no containers */
  int dupfd = dup (rootfd);
  DIR *d = dupfd >= 0 ? fdopendir (dupfd) : NULL;
  if (d == NULL)
    {
      close (rootfd);
      return skiff_error_set (err, errno, "list `%s`", skiff_state_root (ctx));
    }
  size_t cap = 0;
  struct dirent *de;
  while ((de = readdir (d)) != NULL)
    {
      if (de->d_name[0] == '.' || skiff_validate_id (de->d_name, NULL) < 0)
        continue;
      skiff_record *rec = NULL;
      if (skiff_record_open (rootfd, de->d_name, false, &rec, NULL) < 0)
        continue; /* deleted meanwhile, or corrupt: list shows the rest */
      if (rec->state != NULL)
        {
          refresh_state (rec);
          fill_owner (rec);
          if (*n == cap)
            *out = xrealloc (*out, (cap = cap ? cap * 2 : 16) * sizeof **out);
          (*out)[(*n)++] = take_ptr (&rec->state);
        }
      skiff_record_free (rec);
    }
  closedir (d);
  close (rootfd);
  if (*n > 1)
    qsort (*out, *n, sizeof **out, compare_states);
  return 0;
}

void
skiff_state_list_free (oci_state **list, size_t n)
{
  for (size_t i = 0; i < n; i++)
    oci_state_free (list[i]);
  free (list);
}
