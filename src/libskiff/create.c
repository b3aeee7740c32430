/* skiff create: everything the runtime does on the host side. */
#include "container.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "bundle.h"
#include "hooks.h"
#include "init.h"
#include "notify.h"
#include "linux/lsm.h"
#include "linux/idmap.h"
#include "linux/mounts.h"
#include "linux/namespaces.h"
#include "linux/sealed_exec.h"
#include "linux/terminal.h"
#include "payload.h"
#include "rootless.h"
#include "sync.h"
#include "util.h"


/* Everything create acquires, released in one place on every path. */
typedef struct create_job {
  skiff_bundle b; /* config, bundle dir, rootfs */
  int rootfd;
  skiff_record *rec;
  skiff_ns_plan ns;
  int fifo_fd;
  int console_fd;
  int sock[2];
  pid_t pid;
  int listen_fds;    /* socket-activation fds passed on (sd_listen_fds) */
  oci_state *state;  /* built once: the hooks' stdin, then state.json */
  char *state_json;
  skiff_notify notify;
  skiff_seccomp_prog seccomp; /* compiled here, installed by the init */
  skiff_cgroup_entry cgroup;  /* the init's way into its cgroup */
  skiff_lsm lsm;              /* labels, their libraries loaded here */
  int *idmap_fds;             /* detached idmapped bind sources, per mount */
  char *cg_path;              /* the cgroup (and systemd unit), named before anything exists */
  char *cg_unit;
} create_job;

static void
job_release (create_job *j)
{
  skiff_notify_release (&j->notify);
  skiff_seccomp_prog_free (&j->seccomp);
  skiff_cgroup_entry_close (&j->cgroup);
  skiff_idmap_mounts_close (j->idmap_fds, j->b.spec ? j->b.spec->n_mounts : 0);
  skiff_ns_plan_close (&j->ns);
  if (j->fifo_fd >= 0)
    close (j->fifo_fd);
  if (j->console_fd >= 0)
    close (j->console_fd);
  for (int i = 0; i < 2; i++)
    if (j->sock[i] >= 0)
      close (j->sock[i]);
  skiff_record_free (j->rec);
  if (j->rootfd >= 0)
    close (j->rootfd);
  skiff_bundle_release (&j->b);
  oci_state_free (j->state);
  free (j->state_json);
  free (j->cg_path);
  free (j->cg_unit);
}

/* Undo a failed create: no process, cgroup or state directory survives.
 * The init is our child: reap it, then delete does the rest (whatever is
 * left in the cgroup, the cgroup, the state dir) the one way it is done. */
static void
job_abort (create_job *j)
{
  if (j->pid > 0)
    {
      kill (j->pid, SIGKILL);
      while (waitpid (j->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    }
  /* The pid file is the last step of create: nothing of ours to remove. */
  skiff_destroy_record (j->rootfd, j->rec, NULL);
}
/* Parts of the runtime-spec this build does not act on yet: refuse them
 * instead of starting a container that silently lacks them. */
static int
check_unsupported (const oci_spec *s, skiff_error **err)
{
  const oci_linux *lx = s->linux_;
  const char *what = NULL;
  if (lx && lx->intel_rdt)
    what = "linux.intelRdt";
  else if (lx && lx->n_net_devices)
    what = "linux.netDevices";
  if (what)
    return skiff_error_set (err, 0, "%s: not supported by this version of skiff", what);
  return 0;
}

static int
load_spec (create_job *j, const skiff_create_opts *o, skiff_error **err)
{
  if (skiff_bundle_load (o->bundle, o->config_path, "create", &j->b, err) < 0)
    return -1;
  const oci_spec *s = j->b.spec;
  if (check_unsupported (s, err) < 0
      || (s->linux_ && s->linux_->seccomp && skiff_seccomp_check (s->linux_->seccomp, err) < 0)
      || skiff_lsm_prepare (&j->lsm, &skiff_lsm_system, s->process->selinux_label,
                            s->process->apparmor_profile, s->linux_ ? s->linux_->mount_label : NULL, err)
             < 0)
    return skiff_error_wrap (err, "config.json");
  if (j->b.spec->process->terminal.value && o->console_socket == NULL)
    return skiff_error_set (err, 0, "process.terminal needs --console-socket");
  return 0;
}

/* The namespace a sysctl key belongs to, 0 if it is not namespaced: writing
 * such a key would change the host. */
static int
sysctl_namespace (const char *key)
{
  static const char *const ipc_keys[] = { "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",
                                          "kernel.sem", "kernel.shmall", "kernel.shmmax",
                                          "kernel.shmmni", "kernel.shm_rmid_forced" };
  for (size_t i = 0; i < sizeof ipc_keys / sizeof ipc_keys[0]; i++)
    if (strcmp (key, ipc_keys[i]) == 0)
      return CLONE_NEWIPC;
  if (strncmp (key, "fs.mqueue.", 10) == 0)
    return CLONE_NEWIPC;
  if (strncmp (key, "net.", 4) == 0)
    return CLONE_NEWNET;
  if (strcmp (key, "kernel.hostname") == 0 || strcmp (key, "kernel.domainname") == 0)
    return CLONE_NEWUTS;
  return 0;
}

static int
check_sysctls (const create_job *j, skiff_error **err)
{
  const oci_linux *lx = j->b.spec->linux_;
  int have = j->ns.new_flags | j->ns.join_flags;
  for (size_t i = 0; lx && i < lx->sysctl.len; i++)
    {
      const char *key = lx->sysctl.keys[i];
      int ns = sysctl_namespace (key);
      if (ns == 0)
        return skiff_error_set (err, 0, "linux.sysctl: `%s` is not namespaced: it would change the host", key);
      if (!(have & ns))
        return skiff_error_set (err, 0, "linux.sysctl: `%s` needs a %s namespace", key,
                                skiff_ns_proc_name (ns));
    }
  return 0;
}

/* What the namespaces of the config must allow: checked before anything
 * exists on the host. */
static int
check_namespaces (const create_job *j, skiff_error **err)
{
  const oci_linux *lx = j->b.spec->linux_;
  if (!((j->ns.new_flags | j->ns.join_flags) & CLONE_NEWNS))
    return skiff_error_set (err, 0, "linux.namespaces: a mount namespace is required");
  if (lx && lx->n_time_offsets && !(j->ns.new_flags & CLONE_NEWTIME))
    return skiff_error_set (err, 0, "linux.timeOffsets: needs a new time namespace");
  return check_sysctls (j, err);
}

/* Namespaces that only affect children (pid, time) are set up in the runtime
 * right before clone; the rest by the clone flags or by the init itself. */
static int
plan_clone (create_job *j, int *clone_flags, int *unshare_flags, skiff_error **err)
{
  int want = j->ns.new_flags;
  if (want & CLONE_NEWTIME && skiff_ns_prepare_time (j->b.spec->linux_, err) < 0)
    return -1;
  if (skiff_ns_join (&j->ns, CLONE_NEWPID | CLONE_NEWTIME, err) < 0)
    return -1;
  want &= ~CLONE_NEWTIME;
  /* The cgroup namespace must be created after the init joined its cgroup. */
  *unshare_flags = want & CLONE_NEWCGROUP;
  want &= ~CLONE_NEWCGROUP;
  if (j->ns.join_flags & CLONE_NEWUSER)
    {
      /* Namespaces created after setns(user) are owned by that user namespace. */
      *unshare_flags |= want & ~CLONE_NEWPID;
      want &= CLONE_NEWPID;
    }
  *clone_flags = want;
  return 0;
}

/* Socket activation as sd_listen_fds(3): only fds meant for this process. */
static int
listen_fds (void)
{
  const char *lf = getenv ("LISTEN_FDS"), *lp = getenv ("LISTEN_PID");
  long v;
  if (lf && lp && parse_long (lp, 1, INT_MAX, &v) == 0 && v == getpid ()
      && parse_long (lf, 0, 1024, &v) == 0)
    return (int) v;
  return 0;
}

static int
spawn_init (create_job *j, const skiff_create_opts *o, skiff_error **err)
{
  int clone_flags = 0, unshare_flags = 0;
  if (plan_clone (j, &clone_flags, &unshare_flags, err) < 0)
    return -1;
  int listen = j->listen_fds;
  skiff_init_args a = {
    .id = o->id, .spec = j->b.spec, .opts = o, .bundle = j->b.dir, .rootfs = j->b.rootfs,
    .ns = &j->ns, .unshare_flags = unshare_flags, .sync_fd = j->sock[1], .fifo_fd = j->fifo_fd,
    .console_fd = j->console_fd, .n_extra_fds = listen + o->preserve_fds, .listen_fds = listen,
    .seccomp = &j->seccomp, .cgroup = &j->cgroup, .lsm = &j->lsm, .idmap_fds = j->idmap_fds,
    .dumpable_until_go = geteuid () != 0 && (j->ns.new_flags & CLONE_NEWUSER),
  };
  bool cloned_into;
  pid_t pid = skiff_cgroup_entry_clone (&j->cgroup, clone_flags, &cloned_into);
  if (pid < 0)
    return skiff_error_set (err, errno, "container `%s`: clone the init (flags 0x%x)", o->id,
                            (unsigned) clone_flags);
  if (pid == 0)
    {
      close (j->sock[0]);
      skiff_init_run (&a);
    }
  j->pid = pid;
  j->rec->init_pid = pid;
  j->rec->init_start = skiff_proc_starttime (pid, NULL);
  close (j->sock[1]);
  j->sock[1] = -1;
  if (skiff_record_save_init (j->rec, err) < 0)
    return -1;
  int r = skiff_cgroup_entry_finish (&j->cgroup, pid, cloned_into, err);
  skiff_cgroup_entry_close (&j->cgroup);
  return r;
}

/* The cgroup is made, limited and opened before the init exists, which then
 * joins it without the runtime writing cgroup.procs (see cgroup.h). With
 * rootless cgroups (runc's rules) a cgroup the caller may not create is done
 * without, silently, unless the config names its cgroupsPath or sets a limit
 * that needs one. */
static int
prepare_cgroup (create_job *j, const skiff_context *ctx, skiff_error **err)
{
  const oci_linux *lx = j->b.spec->linux_;
  const oci_resources *res = lx ? lx->resources : NULL;
  j->rec->cgroup_path = take_ptr (&j->cg_path);
  j->rec->cgroup_unit = take_ptr (&j->cg_unit);
  /* Record the cgroup before making it, so a runtime killed from here on
   * leaves enough behind for delete --force to clean up. */
  if (skiff_record_save_init (j->rec, err) < 0)
    return -1;
  /* systemd creates a scope with the init's pid in it: after the clone. */
  if (j->rec->cgroup_unit)
    return 0;
  skiff_error *e = NULL;
  if (skiff_cgroup_create (j->rec->cgroup_path, res, &e) == 0)
    return skiff_cgroup_entry_open (j->rec->cgroup_path, &j->cgroup, err);
  /* create undid what it made; a cgroup it did not make is not ours to remove. */
  free (j->rec->cgroup_path);
  j->rec->cgroup_path = NULL;
  bool denied = e->errnum == EACCES || e->errnum == EPERM || e->errnum == EROFS;
  bool named = lx && lx->cgroups_path && *lx->cgroups_path;
  bool skip = ctx->rootless_cgroups && denied && !named;
  const char *ctrl = skip ? skiff_resources_controller (res) : NULL;
  if (skip && ctrl == NULL)
    {
      skiff_error_free (e);
      return 0;
    }
  if (err && *err == NULL)
    *err = e;
  else
    skiff_error_free (e);
  if (ctrl)
    return skiff_error_wrap (err, "cannot set %s limit: container could not join or create cgroup", ctrl);
  return -1;
}

/* The systemd driver's scope, started with the init in it. */
static int
enter_systemd_unit (create_job *j, skiff_error **err)
{
  const oci_linux *lx = j->b.spec->linux_;
  if (j->rec->cgroup_unit == NULL)
    return 0;
  if (skiff_cgroup_enter (j->rec->cgroup_path, j->rec->cgroup_unit, j->pid, lx ? lx->resources : NULL, err) == 0)
    return 0;
  /* enter undid what it made; a cgroup it did not make is not ours to remove. */
  free (j->rec->cgroup_path);
  j->rec->cgroup_path = NULL;
  free (j->rec->cgroup_unit);
  j->rec->cgroup_unit = NULL;
  return -1;
}

/* When the init has reported a failure, that is why create failed, whatever
 * our own next step then tripped over (EPIPE sending GO, ESRCH writing its
 * id maps). Only a message already queued is taken. */
static void
prefer_init_error (create_job *j, skiff_error **err)
{
  struct pollfd p = { .fd = j->sock[0], .events = POLLIN };
  if (j->sock[0] < 0 || poll (&p, 1, 0) != 1)
    return;
  skiff_sync_msg msg = { 0 };
  if (skiff_sync_recv (j->sock[0], &msg, NULL) == 0 && msg.type == SKIFF_SYNC_ERROR)
    {
      skiff_error_clear (err);
      skiff_error_set (err, 0, "%s", msg.payload);
    }
  skiff_sync_msg_clear (&msg);
}

/* Host-side work between clone and GO: the id maps. */
static int
configure_init (create_job *j, const skiff_create_opts *o, skiff_error **err)
{
  const oci_linux *lx = j->b.spec->linux_;
  if (lx && (j->ns.new_flags & CLONE_NEWUSER) && skiff_idmap_write (j->pid, lx, err) < 0)
    return -1;
  if (enter_systemd_unit (j, err) < 0)
    return -1;
  j->state = skiff_bundle_state (&j->b, o->id, "creating", j->pid);
  j->state_json = oci_state_to_json (j->state, false);
  return skiff_sync_send (j->sock[0], SKIFF_SYNC_GO, 0, j->state_json, err);
}

/* The init loaded a filter with a listener: the agent at listenerPath gets
 * it with the state "creating" (as runc), then the init may go on. */
static int
forward_listener (create_job *j, const char *fd_text, skiff_error **err)
{
  if (skiff_seccomp_forward (j->b.spec->linux_->seccomp, j->pid, fd_text, j->state, err) < 0)
    return -1;
  return skiff_sync_send (j->sock[0], SKIFF_SYNC_GO, 0, NULL, err);
}

/* Wait for the init to finish its setup. On its way it stops once, before
 * pivot_root, for the prestart and createRuntime hooks to run here, in the
 * runtime's namespaces. */
static int
wait_ready (create_job *j, skiff_error **err)
{
  for (;;)
    {
      skiff_sync_msg msg = { 0 };
      if (skiff_sync_recv (j->sock[0], &msg, err) < 0)
        return -1;
      int type = (int) msg.type;
      if (type == SKIFF_SYNC_ERROR)
        skiff_error_set (err, 0, "%s", msg.payload);
      int r = type == SKIFF_SYNC_SECCOMP ? forward_listener (j, msg.payload, err) : 0;
      skiff_sync_msg_clear (&msg);
      if (type == SKIFF_SYNC_ERROR || r < 0)
        return -1;
      if (type == SKIFF_SYNC_READY)
        return 0;
      if (type == SKIFF_SYNC_SECCOMP)
        continue;
      if (type != SKIFF_SYNC_HOOKS)
        return skiff_error_set (err, EPROTO, "unexpected message %d from container init", type);
      if (skiff_hooks_run (j->b.spec, SKIFF_HOOK_PRESTART, j->state_json, err) < 0
          || skiff_hooks_run (j->b.spec, SKIFF_HOOK_CREATE_RUNTIME, j->state_json, err) < 0
          || skiff_sync_send (j->sock[0], SKIFF_SYNC_GO, 0, NULL, err) < 0)
        return -1;
    }
}


static int
record_created (create_job *j, const skiff_create_opts *o, skiff_error **err)
{
  free (j->state->status);
  j->state->status = xstrdup ("created");
  j->rec->state = take_ptr (&j->state);
  /* exec, delete and hooks need the config later; the bundle may be gone by then. */
  if (skiff_record_save_spec (j->rec, j->b.spec, err) < 0 || skiff_record_save_state (j->rec, err) < 0)
    return -1;
  if (skiff_notify_start_relay (&j->notify, j->pid, err) < 0)
    return -1;
  return o->pid_file ? skiff_pid_file_write (o->pid_file, j->pid, err) : 0;
}
static int
prepare_host_side (create_job *j, const skiff_context *ctx, const skiff_create_opts *o,
                   skiff_error **err)
{
  const char *root = skiff_state_root (ctx);
  if (skiff_state_root_open (root, true, &j->rootfd, err) < 0)
    return -1;
  if (skiff_record_create (j->rootfd, o->id, &j->rec, err) < 0)
    return -1;
  char abs_root[PATH_MAX];
  if (realpath (root, abs_root) == NULL)
    return skiff_error_set (err, errno, "state directory `%s`", root);
  cleanup_free char *dir = xasprintf ("%s/%s", abs_root, o->id);
  if (mkfifoat (j->rec->dirfd, SKIFF_EXEC_FIFO, 0600) < 0)
    return skiff_error_set (err, errno, "create exec fifo in `%s`", dir);
  /* O_RDWR never blocks on a fifo (Linux): the init keeps it and blocks in read(). */
  j->fifo_fd = openat (j->rec->dirfd, SKIFF_EXEC_FIFO, O_RDWR | O_CLOEXEC);
  if (j->fifo_fd < 0)
    return skiff_error_set (err, errno, "open exec fifo in `%s`", dir);
  if (j->b.spec->process->terminal.value
      && (j->console_fd = skiff_console_socket_connect (o->console_socket, err)) < 0)
    return -1;
  if (skiff_notify_prepare (&j->notify, dir, j->b.spec, err) < 0)
    return -1;
  cleanup_free char *cache = xasprintf ("%s/" SKIFF_SECCOMP_CACHE_DIR, abs_root);
  if (j->b.spec->linux_ && skiff_seccomp_prepare (j->b.spec->linux_->seccomp, cache, &j->seccomp, err) < 0)
    return -1;
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, j->sock) < 0)
    return skiff_error_set (err, errno, "container `%s`: socketpair for its init", o->id);
  return 0;
}
int
skiff_create_internal (const skiff_context *ctx, const skiff_create_opts *o, pid_t *init_pid,
                       skiff_error **err)
{
  create_job j = { .rootfd = -1, .fifo_fd = -1, .console_fd = -1, .sock = { -1, -1 },
                   .notify = { .fd = -1 }, .cgroup = SKIFF_CGROUP_ENTRY_INIT };
  if (skiff_validate_id (o->id, err) < 0)
    return -1;
  if (o->preserve_fds < 0)
    return skiff_error_set (err, 0, "--preserve-fds: must not be negative");
  /* Everything that only reads the config comes before anything exists on
   * the host; the sealed re-exec, if needed, starts this command over. */
  int r = load_spec (&j, o, err);
  if (r == 0)
    r = skiff_ns_plan_build (j.b.spec->linux_, &j.ns, err);
  if (r == 0)
    r = check_namespaces (&j, err);
  if (r == 0 && geteuid () != 0)
    r = skiff_rootless_check (j.b.spec, &j.ns, err);
  /* The cgroup driver is checked here too (--systemd-cgroup without a
   * running systemd fails before anything exists). */
  if (r == 0)
    r = skiff_cgroup_path_for (j.b.spec->linux_, o->id, ctx->systemd_cgroup, &j.cg_path, &j.cg_unit, err);
  if (r == 0 && skiff_sealed_exec_needed (j.b.spec))
    r = skiff_sealed_exec (err);
  if (r == 0)
    {
      j.listen_fds = listen_fds ();
      /* Host fds opened without O_CLOEXEC must never reach the container. */
      mark_cloexec_from (3 + j.listen_fds + o->preserve_fds);
      /* Before the state dir: a source that cannot be idmapped leaves nothing. */
      r = skiff_idmap_mounts_prepare (j.b.spec, j.b.dir, (j.ns.new_flags | j.ns.join_flags) & CLONE_NEWUSER,
                                      skiff_ns_plan_fd (&j.ns, CLONE_NEWUSER), &j.idmap_fds, err);
      if (r == 0)
        r = prepare_host_side (&j, ctx, o, err);
      if (r == 0)
        r = prepare_cgroup (&j, ctx, err);
      if (r == 0)
        r = spawn_init (&j, o, err);
      if (r == 0)
        r = configure_init (&j, o, err);
      if (r == 0)
        r = wait_ready (&j, err);
      if (r == 0)
        r = record_created (&j, o, err);
      if (r < 0 && j.pid > 0)
        prefer_init_error (&j, err);
      if (r < 0 && j.rec)
        job_abort (&j);
    }
  if (r == 0 && init_pid)
    *init_pid = j.pid;
  job_release (&j);
  return r;
}

int
skiff_container_create (const skiff_context *ctx, const skiff_create_opts *opts, skiff_error **err)
{
  return skiff_create_internal (ctx, opts, NULL, err);
}
