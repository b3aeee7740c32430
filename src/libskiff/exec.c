/* skiff exec: run an extra process in a container's namespaces and cgroup.
 *
 *   runtime (subreaper) ── fork ──► setns child ── fork ──► payload
 *
 * The setns child joins the init's namespaces through a pidfd. A pid (and
 * time) namespace only applies to children, so it forks the payload, tells
 * the runtime its pid and exits; the payload is re-parented to the runtime
 * (PR_SET_CHILD_SUBREAPER). The setns child joins the container's cgroup
 * before anything else, so the payload starts in it (with --cgroup the
 * runtime moves the payload into the sub-cgroup before releasing it). The payload then sets up like the
 * container init (credentials, seccomp, cwd, fds) and execs. Errors travel
 * back over a SOCK_SEQPACKET pair that is close-on-exec: EOF means execve
 * succeeded. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "cgroup/join.h"
#include "linux/lsm.h"
#include "linux/namespaces.h"
#include "linux/process.h"
#include "linux/sealed_exec.h"
#include "linux/scheduling.h"
#include "linux/seccomp.h"
#include "linux/terminal.h"
#include "container.h"
#include "skiff.h"
#include "state.h"
#include "payload.h"
#include "sync.h"
#include "util.h"

/* Everything exec holds, released in one place. */
typedef struct exec_job
{
  const char *id;
  const skiff_exec_opts *opts;
  skiff_record *rec;
  int rootfd;
  oci_spec *spec; /* the container's config; spec->process is the one we run */
  int pidfd;      /* the container init */
  pid_t init_pid;
  int ns_flags; /* CLONE_NEW* of the init that differ from ours */
  int sock[2];  /* [0] runtime, [1] setns child and payload */
  int console_fd;
  int sigfd;
  sigset_t old_mask;
  bool mask_saved;
  pid_t child;   /* the setns child, until reaped */
  pid_t payload; /* the process that execs */
  skiff_seccomp_prog seccomp; /* compiled before fork; installed by the payload */
  skiff_cgroup_entry cgroup;  /* without --cgroup: how the setns child joins */
  skiff_lsm lsm;              /* labels; their libraries loaded before fork */
} exec_job;

/* Namespaces in setns order for the per-namespace fallback: user first (the
 * others are owned by it), mount last (paths below are still the host's). */
static const int ns_order[] = {
  CLONE_NEWUSER, CLONE_NEWPID,    CLONE_NEWNET,  CLONE_NEWIPC,
  CLONE_NEWUTS,  CLONE_NEWCGROUP, CLONE_NEWTIME, CLONE_NEWNS,
};
#define N_NS (sizeof ns_order / sizeof ns_order[0])

/* ---- the process to run ------------------------------------------------ */

/* -e K=V replaces K of the config's env in place (runc lets the last value
 * of a key win), or is appended. */
static int
env_set (oci_process *p, const char *kv, skiff_error **err)
{
  const char *eq = strchr (kv, '=');
  if (eq == NULL || eq == kv)
    return skiff_error_set (err, 0, "invalid environment variable `%s`: want KEY=VALUE", kv);
  size_t klen = (size_t)(eq - kv) + 1; /* with the '=' */
  for (size_t i = 0; i < p->n_env; i++)
    if (p->env[i] && strncmp (p->env[i], kv, klen) == 0)
      {
        free (p->env[i]);
        p->env[i] = xstrdup (kv);
        return 0;
      }
  strv_push (&p->env, &p->n_env, kv);
  return 0;
}

static int
parse_id (const char *s, const char *what, uint64_t *out, skiff_error **err)
{
  long v;
  /* (uid_t) -1 means "unchanged" to the set*id calls: never a real id. */
  if (s == NULL || parse_long (s, 0, (long)UINT32_MAX - 1, &v) < 0)
    return skiff_error_set (err, 0, "invalid %s `%s`", what, s ? s : "");
  *out = (uint64_t)v;
  return 0;
}

/* -u UID[:GID]. A uid alone means gid 0, never "keep the config's gid"
 * (CVE-2026-30892: `-u 1000` must not leave the process in a group the
 * caller did not ask for). */
static int
set_user (oci_process *p, const char *spec, skiff_error **err)
{
  if (p->user == NULL)
    p->user = xzalloc (sizeof *p->user);
  cleanup_free char *uid = xstrdup (spec);
  char *gid = strchr (uid, ':');
  if (gid)
    *gid++ = '\0';
  if (parse_id (uid, "user id in --user", &p->user->uid.value, err) < 0)
    return -1;
  p->user->gid.value = 0;
  if (gid && parse_id (gid, "group id in --user", &p->user->gid.value, err) < 0)
    return -1;
  p->user->uid.set = p->user->gid.set = true;
  /* A name from the config no longer describes these ids. */
  free (p->user->username);
  p->user->username = NULL;
  return 0;
}

static int
add_gids (oci_process *p, char **gids, skiff_error **err)
{
  for (size_t i = 0; gids && gids[i]; i++)
    {
      uint64_t g = 0;
      if (parse_id (gids[i], "additional gid", &g, err) < 0)
        return -1;
      if (p->user == NULL)
        p->user = xzalloc (sizeof *p->user);
      oci_user *u = p->user;
      u->additional_gids = xrealloc (u->additional_gids, (u->n_additional_gids + 1) * sizeof (uint32_t));
      u->additional_gids[u->n_additional_gids++] = (uint32_t)g;
    }
  return 0;
}

static void
cap_add (char ***v, size_t *n, const char *cap)
{
  for (size_t i = 0; i < *n; i++)
    if (strcmp ((*v)[i], cap) == 0)
      return;
  strv_push (v, n, cap);
}

/* --cap goes to bounding, effective, permitted and ambient, never to
 * inheritable (CVE-2022-29162): an inheritable cap would survive into
 * programs the process execs later. */
static void
add_caps (oci_process *p, char **caps)
{
  if (caps == NULL || caps[0] == NULL)
    return;
  if (p->capabilities == NULL)
    p->capabilities = xzalloc (sizeof *p->capabilities);
  oci_capabilities *c = p->capabilities;
  for (size_t i = 0; caps[i]; i++)
    {
      cap_add (&c->bounding, &c->n_bounding, caps[i]);
      cap_add (&c->effective, &c->n_effective, caps[i]);
      cap_add (&c->permitted, &c->n_permitted, caps[i]);
      cap_add (&c->ambient, &c->n_ambient, caps[i]);
    }
}

/* Unknown names are refused here, in the runtime, so the error is clear and
 * nothing has been entered yet. */
static int
check_caps (const oci_capabilities *c, skiff_error **err)
{
  char *const *sets[] = { c->bounding, c->effective, c->permitted, c->inheritable, c->ambient };
  const size_t ns[] = { c->n_bounding, c->n_effective, c->n_permitted, c->n_inheritable, c->n_ambient };
  for (size_t s = 0; s < 5; s++)
    for (size_t i = 0; i < ns[s]; i++)
      if (oci_capability_from_name (sets[s][i]) < 0)
        return skiff_error_set (err, 0, "unknown capability `%s`", sets[s][i]);
  return 0;
}

static int
apply_flags (oci_process *p, const skiff_exec_opts *o, skiff_error **err)
{
  for (size_t i = 0; i < p->n_args; i++)
    free (p->args[i]);
  free (p->args);
  p->args = NULL;
  p->n_args = 0;
  for (size_t i = 0; o->args && o->args[i]; i++)
    strv_push (&p->args, &p->n_args, o->args[i]);
  if (o->cwd)
    {
      free (p->cwd);
      p->cwd = xstrdup (o->cwd);
    }
  for (size_t i = 0; o->env && o->env[i]; i++)
    if (env_set (p, o->env[i], err) < 0)
      return -1;
  if (o->user && set_user (p, o->user, err) < 0)
    return -1;
  if (add_gids (p, o->additional_gids, err) < 0)
    return -1;
  add_caps (p, o->caps);
  p->terminal.value = o->tty;
  p->terminal.set = true;
  if (o->no_new_privs)
    p->no_new_privileges.value = p->no_new_privileges.set = true;
  if (o->process_label)
    {
      free (p->selinux_label);
      p->selinux_label = xstrdup (o->process_label);
    }
  if (o->apparmor)
    {
      free (p->apparmor_profile);
      p->apparmor_profile = xstrdup (o->apparmor);
    }
  return 0;
}

static int
load_process_file (const char *path, oci_process **out, skiff_error **err)
{
  cleanup_free char *text = NULL, *msg = NULL;
  size_t len = 0;
  if (read_file_at (AT_FDCWD, path, &text, &len, err) < 0)
    return skiff_error_wrap (err, "--process");
  if (oci_process_parse (text, len, out, &msg) < 0)
    return skiff_error_set (err, 0, "%s: %s", path, msg ? msg : "invalid process");
  return 0;
}

static int
build_process (exec_job *j, skiff_error **err)
{
  const skiff_exec_opts *o = j->opts;
  if (o->process_path)
    {
      oci_process *p = NULL;
      if (load_process_file (o->process_path, &p, err) < 0)
        return -1;
      oci_process_free (j->spec->process);
      j->spec->process = p;
    }
  else if (o->args == NULL || o->args[0] == NULL)
    return skiff_error_set (err, 0, "exec: a command is required (or --process FILE)");
  else if (j->spec->process == NULL)
    return skiff_error_set (err, 0, "container `%s` has no process in its config", j->id);
  else if (apply_flags (j->spec->process, o, err) < 0)
    return -1;
  oci_process *p = j->spec->process;
  if (p->n_args == 0 || p->args[0] == NULL || *p->args[0] == '\0')
    return skiff_error_set (err, 0, "process.args must not be empty");
  if (p->cwd && *p->cwd && p->cwd[0] != '/')
    return skiff_error_set (err, 0, "cwd `%s` is not an absolute path", p->cwd);
  if (p->capabilities && check_caps (p->capabilities, err) < 0)
    return -1;
  if (p->terminal.value && o->console_socket == NULL)
    return skiff_error_set (err, 0,
                            "exec --tty needs --console-socket "
                            "(relaying a pty to our own stdio is not supported yet)");
  if (!p->terminal.value && o->console_socket)
    return skiff_error_set (err, 0, "cannot use --console-socket without a terminal (--tty)");
  return 0;
}

/* ---- the container ------------------------------------------------------ */

static int
open_container (exec_job *j, const skiff_context *ctx, skiff_error **err)
{
  /* Shared: kill/state/other execs go on, delete waits until we started. */
  if (skiff_container_open (ctx, j->id, false, &j->rootfd, &j->rec, err) < 0)
    return -1;
  const char *status = skiff_record_status (j->rec);
  if (strcmp (status, "paused") == 0 && !j->opts->ignore_paused)
    return skiff_error_set (err, 0, "container `%s` is paused (use --ignore-paused to override)", j->id);
  if (strcmp (status, "running") != 0 && strcmp (status, "created") != 0 && strcmp (status, "paused") != 0)
    return skiff_error_set (err, 0, "container `%s` is not running", j->id);
  /* Pin the init, then check it is still the process we recorded: from here
   * a recycled pid can no longer be entered by mistake. */
  j->init_pid = j->rec->init_pid;
  j->pidfd = (int)syscall (SYS_pidfd_open, j->init_pid, 0);
  if (j->pidfd < 0 || !skiff_record_init_alive (j->rec))
    return skiff_error_set (err, 0, "container `%s` is not running", j->id);
  return skiff_record_load_spec (j->rec, &j->spec, err);
}

/* Join only the namespaces that differ from ours: a container may share
 * some with the host, and setns into our own user namespace is EINVAL. */
static int
plan_namespaces (exec_job *j, skiff_error **err)
{
  j->ns_flags = 0;
  for (size_t i = 0; i < N_NS; i++)
    {
      const char *name = skiff_ns_proc_name (ns_order[i]);
      char theirs[64], ours[64];
      snprintf (theirs, sizeof theirs, "/proc/%d/ns/%s", (int)j->init_pid, name);
      snprintf (ours, sizeof ours, "/proc/self/ns/%s", name);
      struct stat a, b;
      if (stat (ours, &b) < 0)
        {
          if (errno == ENOENT)
            continue; /* the kernel lacks this namespace type */
          return skiff_error_set (err, errno, "stat `%s`", ours);
        }
      if (stat (theirs, &a) < 0)
        return skiff_error_set (err, errno, "container `%s`: stat `%s`", j->id, theirs);
      if (a.st_ino != b.st_ino || a.st_dev != b.st_dev)
        j->ns_flags |= ns_order[i];
    }
  return 0;
}

/* ---- setns child and payload (never return) ----------------------------- */

/* Kernels before 5.8 take only namespace fds in setns. Open them all first
 * (after a user namespace, /proc of the host may no longer be ours), then
 * check through the pidfd that the init still lives: its pid was not reused
 * while we opened its /proc files. */
static int
join_by_fds (const exec_job *j, skiff_error **err)
{
  int fds[N_NS];
  int r = 0;
  for (size_t i = 0; i < N_NS; i++)
    {
      fds[i] = -1;
      if (!(j->ns_flags & ns_order[i]) || r < 0)
        continue;
      char path[64];
      snprintf (path, sizeof path, "/proc/%d/ns/%s", (int)j->init_pid, skiff_ns_proc_name (ns_order[i]));
      if ((fds[i] = open (path, O_RDONLY | O_CLOEXEC)) < 0)
        r = skiff_error_set (err, errno, "open `%s`", path);
    }
  if (r == 0 && syscall (SYS_pidfd_send_signal, j->pidfd, 0, NULL, 0) < 0)
    r = skiff_error_set (err, 0, "container `%s` is not running", j->id);
  for (size_t i = 0; i < N_NS; i++)
    {
      if (fds[i] >= 0 && r == 0 && setns (fds[i], ns_order[i]) < 0)
        r = skiff_error_set (err, errno, "setns %s namespace of `%s`", skiff_ns_proc_name (ns_order[i]),
                             j->id);
      if (fds[i] >= 0)
        close (fds[i]);
    }
  return r;
}

static int
join_namespaces (const exec_job *j, skiff_error **err)
{
  if (j->ns_flags == 0)
    return 0;
  /* 5.8+: all at once through the pidfd, atomically, user namespace first. */
  if (setns (j->pidfd, j->ns_flags) == 0)
    return 0;
  if (errno != EINVAL)
    return skiff_error_set (err, errno, "setns into container `%s` (flags 0x%x)", j->id,
                            (unsigned)j->ns_flags);
  return join_by_fds (j, err);
}

/* A pty of the container's own devpts instance (the mount namespace is
 * already the container's, so /dev/pts/ptmx is its ptmx). The master goes
 * to the console socket, the slave becomes our stdio and controlling tty. */
static int
setup_tty (int console_fd, const oci_console_size *size, skiff_error **err)
{
  cleanup_close int master = open ("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
  if (master < 0)
    return skiff_error_set (err, errno, "open `/dev/pts/ptmx` in the container");
  struct stat st;
  if (fstat (master, &st) < 0 || !S_ISCHR (st.st_mode) || major (st.st_rdev) != 5)
    return skiff_error_set (err, EPERM, "`/dev/pts/ptmx` in the container is not a ptmx device");
  if (unlockpt (master) < 0)
    return skiff_error_set (err, errno, "unlockpt");
  /* TIOCGPTPEER (4.13) avoids a path lookup of the slave the container could swap. */
  cleanup_close int slave = ioctl (master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0)
    return skiff_error_set (err, errno, "open the pty slave (TIOCGPTPEER)");
  if (size && (size->height.set || size->width.set))
    {
      struct winsize ws = { .ws_row = (unsigned short)size->height.value,
                            .ws_col = (unsigned short)size->width.value };
      if (ioctl (master, TIOCSWINSZ, &ws) < 0)
        return skiff_error_set (err, errno, "set the terminal size (TIOCSWINSZ)");
    }
  char name[64];
  if (ptsname_r (master, name, sizeof name) != 0)
    snprintf (name, sizeof name, "pty");
  if (skiff_send_fd (console_fd, master, name, err) < 0)
    return skiff_error_wrap (err, "send the pty master to the console socket");
  return skiff_terminal_attach_stdio (slave, err);
}

/* The container init's sequence (init.c, SECURITY.md): seccomp before the
 * credentials drop CAP_SYS_ADMIN unless no_new_privs, then it goes last. */
static int
prepare_payload (const exec_job *j, bool nnp, char ***env, char **path, skiff_error **err)
{
  const oci_process *p = j->spec->process;
  /* Ours (socket, console) stay close-on-exec until execve. */
  const int own[] = { j->sock[1], j->console_fd };
  if (skiff_payload_pass_fds (j->opts->preserve_fds, own, 2, err) < 0)
    return -1;
  if (p->terminal.value && setup_tty (j->console_fd, p->console_size, err) < 0)
    return -1;
  *env = skiff_payload_env (p, 0);
  if (skiff_payload_prepare (p, &j->seccomp, &j->lsm, j->id, nnp, j->sock[1], err) < 0)
    return -1;
  if (skiff_exec_path_find (p, path, err) < 0)
    return -1;
  if (skiff_payload_lockdown (p, &j->seccomp, nnp, j->sock[1], err) < 0)
    return -1;
  return 0;
}

static __attribute__ ((noreturn)) void
run_payload (const exec_job *j)
{
  skiff_error *err = NULL;
  const oci_process *p = j->spec->process;
  bool nnp = p->no_new_privileges.set && p->no_new_privileges.value;
  char **env = NULL;
  char *path = NULL;
  const oci_cpu_affinity *aff = p->exec_cpu_affinity;
  /* GO: we are in the container's cgroup now. */
  if (skiff_sync_wait_go (j->sock[1], NULL, &err) < 0
      || (aff && skiff_cpu_affinity_apply (aff->final, "execCPUAffinity.final", &err) < 0)
      || prepare_payload (j, nnp, &env, &path, &err) < 0)
    skiff_sync_fail (j->sock[1], err);
  skiff_payload_reset_signals ();
  execve (path, skiff_payload_argv (p), env);
  skiff_error_set (&err, errno, "exec `%s`", path);
  skiff_sync_fail (j->sock[1], err);
}

static __attribute__ ((noreturn)) void
run_setns_child (exec_job *j)
{
  skiff_error *err = NULL;
  close (j->sock[0]);
  /* Die with the runtime; and stay out of reach of the container's
   * processes (ptrace, /proc/<pid>/exe) while we are the host binary. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  prctl (PR_SET_DUMPABLE, 0);
  const oci_cpu_affinity *aff = j->spec->process->exec_cpu_affinity;
  /* The cgroup before the namespaces: joining takes the host's paths and
   * cgroup namespace. The payload inherits it. */
  if ((aff && skiff_cpu_affinity_apply (aff->initial, "execCPUAffinity.initial", &err) < 0)
      || skiff_cgroup_entry_join_self (&j->cgroup, &err) < 0 || join_namespaces (j, &err) < 0)
    skiff_sync_fail (j->sock[1], err);
  pid_t pid = fork ();
  if (pid < 0)
    {
      skiff_error_set (&err, errno, "fork the exec process");
      skiff_sync_fail (j->sock[1], err);
    }
  if (pid == 0)
    run_payload (j);
  char buf[32];
  snprintf (buf, sizeof buf, "%d", (int)pid);
  /* The payload's pid as the runtime sees it: we are still in its pid namespace. */
  if (skiff_sync_send (j->sock[1], SKIFF_SYNC_READY, 0, buf, &err) < 0)
    {
      kill (pid, SIGKILL);
      _exit (1);
    }
  _exit (0);
}

/* ---- runtime side ------------------------------------------------------- */

/* One message, or *eof when every copy of the other end is closed (the
 * payload's copy closes on a successful execve). */
static int
recv_msg (int sock, skiff_sync_msg *msg, bool *eof, skiff_error **err)
{
  if (skiff_sync_recv_or_eof (sock, msg, eof, "the exec process", err) < 0)
    return -1;
  if (*eof)
    return 0;
  if (msg->type == SKIFF_SYNC_ERROR)
    {
      skiff_error_set (err, 0, "%s", msg->payload); /* strerror already in it */
      skiff_sync_msg_clear (msg);
      return -1;
    }
  return 0;
}

static int
reap (pid_t pid, int *status)
{
  pid_t w;
  do
    w = waitpid (pid, status, 0);
  while (w < 0 && errno == EINTR);
  return w == pid ? 0 : -1;
}

/* The setns child reports the payload's pid and exits; after the reap the
 * payload is our child (subreaper). */
static int
collect_payload (exec_job *j, skiff_error **err)
{
  skiff_sync_msg msg = { 0 };
  bool eof;
  int r = recv_msg (j->sock[0], &msg, &eof, err);
  int status;
  pid_t child = j->child;
  j->child = 0;
  reap (child, &status);
  if (r < 0)
    return -1;
  long v;
  bool ok = !eof && msg.type == SKIFF_SYNC_READY && parse_long (msg.payload, 1, INT_MAX, &v) == 0;
  skiff_sync_msg_clear (&msg);
  if (!ok)
    return skiff_error_set (err, EPROTO, "exec in container `%s`: the setns process failed", j->id);
  j->payload = (pid_t)v;
  return 0;
}

static bool
has_cgroup_opt (const exec_job *j)
{
  return j->opts->cgroup && *j->opts->cgroup;
}

/* --cgroup [controllers:]sub places the process below the container's
 * cgroup, never elsewhere: join_sub refuses "..". Without it the setns child
 * joined the container's cgroup itself (skiff_cgroup_entry). */
static int
join_cgroups (const exec_job *j, bool cloned_into, skiff_error **err)
{
  const char *arg = j->opts->cgroup;
  /* A rootless container without a writable cgroup has none to join. */
  if (j->rec->cgroup_path == NULL && has_cgroup_opt (j))
    return skiff_error_set (err, 0, "--cgroup `%s`: container `%s` has no cgroup", arg, j->id);
  if (!has_cgroup_opt (j))
    return skiff_cgroup_entry_finish (&j->cgroup, j->payload, cloned_into, err);
  const char *colon = strchr (arg, ':');
  cleanup_free char *ctrls = colon ? xstrndup (arg, (size_t)(colon - arg)) : NULL;
  const char *sub = colon ? colon + 1 : arg;
  if ((ctrls && *ctrls == '\0') || *sub == '\0')
    return skiff_error_set (err, 0, "invalid --cgroup `%s`: want [controller[,controller]:]path", arg);
  if (skiff_cgroup_join_sub (j->rec->cgroup_path, ctrls, sub, j->payload, err) < 0)
    return skiff_error_wrap (err, "--cgroup `%s`", arg);
  return 0;
}

/* The process loaded a filter with a listener: it goes to the agent with
 * the container's state as it is now (runc does the same for exec). */
static int
forward_listener (exec_job *j, const char *fd_text, skiff_error **err)
{
  /* open_container admitted only created/running/paused: state is set. */
  oci_state st = *j->rec->state;
  st.status = (char *)skiff_record_status (j->rec);
  if (skiff_seccomp_forward (j->spec->linux_->seccomp, j->payload, fd_text, &st, err) < 0)
    return -1;
  return skiff_sync_send (j->sock[0], SKIFF_SYNC_GO, 0, NULL, err);
}

/* Fork the setns child, place the payload, release it, wait for execve. */
static int
start_payload (exec_job *j, skiff_error **err)
{
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, j->sock) < 0)
    return skiff_error_set (err, errno, "exec in container `%s`: socketpair", j->id);
  if (prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
    return skiff_error_set (err, errno, "exec in container `%s`: become a child subreaper", j->id);
  if (!has_cgroup_opt (j) && j->rec->cgroup_path
      && skiff_cgroup_entry_open (j->rec->cgroup_path, &j->cgroup, err) < 0)
    return skiff_error_wrap (err, "exec in container `%s`", j->id);
  bool cloned_into;
  j->child = skiff_cgroup_entry_clone (&j->cgroup, 0, &cloned_into);
  if (j->child < 0)
    return skiff_error_set (err, errno, "exec in container `%s`: fork", j->id);
  if (j->child == 0)
    run_setns_child (j);
  close (j->sock[1]);
  j->sock[1] = -1;
  if (collect_payload (j, err) < 0)
    return -1;
  /* Into the cgroup before the payload runs anything of the container. */
  if (join_cgroups (j, cloned_into, err) < 0 || skiff_sync_send (j->sock[0], SKIFF_SYNC_GO, 0, NULL, err) < 0)
    return -1;
  for (;;)
    {
      skiff_sync_msg msg = { 0 };
      bool eof;
      if (recv_msg (j->sock[0], &msg, &eof, err) < 0)
        return -1;
      if (eof)
        return 0;
      int r = msg.type == SKIFF_SYNC_SECCOMP ? forward_listener (j, msg.payload, err)
                                             : skiff_error_set (err, EPROTO, "unexpected message %u from the exec process",
                                                                msg.type);
      skiff_sync_msg_clear (&msg);
      if (r < 0)
        return -1;
    }
}

/* Foreground: relay our signals to the payload until it exits. */
static int
wait_payload (exec_job *j, int *exit_status, skiff_error **err)
{
  int r = skiff_forward_signals_wait (j->sigfd, j->payload, exit_status, err);
  if (r == 0)
    j->payload = 0; /* reaped */
  return r;
}

/* Blocked before fork so no signal between execve and the wait loop is
 * lost; the payload unblocks everything right before execve. */
static int
block_signals (exec_job *j, skiff_error **err)
{
  j->sigfd = skiff_forward_signals_begin (&j->old_mask, err);
  if (j->sigfd < 0)
    return -1;
  j->mask_saved = true;
  return 0;
}

static void
job_release (exec_job *j)
{
  skiff_seccomp_prog_free (&j->seccomp);
  skiff_cgroup_entry_close (&j->cgroup);
  int status;
  if (j->child > 0)
    {
      kill (j->child, SIGKILL);
      reap (j->child, &status);
    }
  /* A payload that never started, or that we stopped waiting for on an
   * error, must not outlive a failed exec. */
  if (j->payload > 0)
    {
      kill (j->payload, SIGKILL);
      reap (j->payload, &status);
    }
  int fds[] = { j->sock[0], j->sock[1], j->console_fd, j->sigfd, j->pidfd, j->rootfd };
  for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
    if (fds[i] >= 0)
      close (fds[i]);
  if (j->mask_saved)
    sigprocmask (SIG_SETMASK, &j->old_mask, NULL);
  skiff_record_free (j->rec);
  oci_spec_free (j->spec);
}

static int
exec_prepare (exec_job *j, const skiff_context *ctx, skiff_error **err)
{
  if (j->opts->preserve_fds < 0)
    return skiff_error_set (err, 0, "--preserve-fds: must not be negative");
  /* Host fds opened without O_CLOEXEC must never reach the container. */
  mark_cloexec_from (3 + j->opts->preserve_fds);
  if (open_container (j, ctx, err) < 0 || build_process (j, err) < 0 || plan_namespaces (j, err) < 0)
    return -1;
  /* Here, on the host: a library must never come from the container. */
  const oci_process *p = j->spec->process;
  if (skiff_lsm_prepare (&j->lsm, &skiff_lsm_system, p->selinux_label, p->apparmor_profile, NULL, err) < 0)
    return -1;
  /* The exec helpers are visible in the container too (sealed_exec.h). */
  if (skiff_sealed_exec_needed (j->spec) && skiff_sealed_exec (err) < 0)
    return -1;
  cleanup_free char *cache = xasprintf ("%s/" SKIFF_SECCOMP_CACHE_DIR, skiff_state_root (ctx));
  if (j->spec->linux_ && skiff_seccomp_prepare (j->spec->linux_->seccomp, cache, &j->seccomp, err) < 0)
    return -1;
  if (j->opts->console_socket
      && (j->console_fd = skiff_console_socket_connect (j->opts->console_socket, err)) < 0)
    return -1;
  return block_signals (j, err);
}

int
skiff_container_exec (const skiff_context *ctx, const char *id, const skiff_exec_opts *opts, int *exit_status,
                      skiff_error **err)
{
  exec_job j = {
    .id = id, .opts = opts, .rootfd = -1, .pidfd = -1, .sock = { -1, -1 }, .console_fd = -1, .sigfd = -1,
    .cgroup = SKIFF_CGROUP_ENTRY_INIT,
  };
  *exit_status = 0;
  int r = exec_prepare (&j, ctx, err);
  if (r == 0)
    r = start_payload (&j, err);
  if (r == 0 && opts->pid_file)
    r = skiff_pid_file_write (opts->pid_file, j.payload, err);
  /* Started: let delete and friends proceed while the process runs. */
  skiff_record_free (j.rec);
  j.rec = NULL;
  if (r == 0 && opts->detach)
    j.payload = 0; /* it runs on without us */
  else if (r == 0)
    r = wait_payload (&j, exit_status, err);
  job_release (&j);
  return r;
}
