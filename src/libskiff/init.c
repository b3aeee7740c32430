#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hooks.h"
#include "linux/process.h"
#include "linux/scheduling.h"
#include "payload.h"
#include "linux/rootfs.h"
#include "linux/seccomp.h"
#include "linux/terminal.h"
#include "sync.h"
#include "util.h"

static bool
has_ns (const skiff_init_args *a, int flag)
{
  return ((a->ns->new_flags | a->ns->join_flags) & flag) != 0;
}

/* execCPUAffinity.initial holds until we are in the container's cgroup,
 * .final from then on. We join the v1 hierarchies ourselves; the cgroup2 one
 * (all of it on a v2 host) we were cloned into. */
static int
enter_cgroup (const skiff_init_args *a, skiff_error **err)
{
  const oci_cpu_affinity *aff = a->spec->process->exec_cpu_affinity;
  if (aff && skiff_cpu_affinity_apply (aff->initial, "execCPUAffinity.initial", err) < 0)
    return -1;
  if (skiff_cgroup_entry_join_self (a->cgroup, err) < 0)
    return -1;
  if (aff && skiff_cpu_affinity_apply (aff->final, "execCPUAffinity.final", err) < 0)
    return -1;
  return 0;
}

/* The runtime writes our id maps, then says GO with the state JSON the
 * hooks get on stdin. */
static int
enter_namespaces (const skiff_init_args *a, char **state_json, skiff_error **err)
{
  if (skiff_sync_wait_go (a->sync_fd, state_json, err) < 0)
    return -1;
  if (a->dumpable_until_go)
    prctl (PR_SET_DUMPABLE, 0);
  if (skiff_ns_join (a->ns, CLONE_NEWUSER, err) < 0)
    return -1;
  if (has_ns (a, CLONE_NEWUSER))
    {
      /* Become root of the user namespace: the creds we were cloned with may
       * be unmapped there. */
      if (setresgid (0, 0, 0) < 0)
        return skiff_error_set (err, errno, "setresgid 0 in the user namespace");
      if (setresuid (0, 0, 0) < 0)
        return skiff_error_set (err, errno, "setresuid 0 in the user namespace");
    }
  if (skiff_ns_join (a->ns, ~(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWTIME), err) < 0)
    return -1;
  /* cgroup: unshared only now, so the namespace root is the container's cgroup. */
  if (a->unshare_flags && unshare (a->unshare_flags) < 0)
    return skiff_error_set (err, errno, "unshare namespaces 0x%x", (unsigned) a->unshare_flags);
  return 0;
}

static int
set_names (const skiff_init_args *a, skiff_error **err)
{
  const oci_spec *s = a->spec;
  if ((s->hostname && *s->hostname) || (s->domainname && *s->domainname))
    if (!has_ns (a, CLONE_NEWUTS))
      return skiff_error_set (err, 0, "setting the hostname or domainname needs a uts namespace");
  if (s->hostname && *s->hostname && sethostname (s->hostname, strlen (s->hostname)) < 0)
    return skiff_error_set (err, errno, "sethostname `%s`", s->hostname);
  if (s->domainname && *s->domainname && setdomainname (s->domainname, strlen (s->domainname)) < 0)
    return skiff_error_set (err, errno, "setdomainname `%s`", s->domainname);
  return 0;
}

/* runc creates a missing process.cwd (as root, before root.readonly). "/" is
 * the container root by now, so the walk cannot leave it. */
static int
create_cwd (const oci_process *p, skiff_error **err)
{
  if (p->cwd == NULL || p->cwd[0] != '/')
    return 0;
  if (mkdir_p (p->cwd, 0755) < 0)
    return skiff_error_set (err, errno, "create cwd `%s`", p->cwd);
  return 0;
}

typedef struct hook_ctx {
  const skiff_init_args *a;
  const char *state_json;
} hook_ctx;

/* Mounts are done and pivot_root is next: the runtime runs the prestart and
 * createRuntime hooks in its namespaces while we wait, then the
 * createContainer hooks run here, in the container's namespaces (the
 * runtime-spec's lifecycle, steps 5-6). */
static int
run_create_hooks (void *data, skiff_error **err)
{
  const hook_ctx *h = data;
  size_t n_pre, n_rt;
  skiff_hooks_of (h->a->spec, SKIFF_HOOK_PRESTART, &n_pre);
  skiff_hooks_of (h->a->spec, SKIFF_HOOK_CREATE_RUNTIME, &n_rt);
  if (n_pre + n_rt > 0)
    {
      if (skiff_sync_send (h->a->sync_fd, SKIFF_SYNC_HOOKS, 0, NULL, err) < 0)
        return -1;
      if (skiff_sync_wait_go (h->a->sync_fd, NULL, err) < 0)
        return -1;
    }
  return skiff_hooks_run (h->a->spec, SKIFF_HOOK_CREATE_CONTAINER, h->state_json, err);
}

static int
build_rootfs (const skiff_init_args *a, const char *state_json, skiff_error **err)
{
  hook_ctx hooks = { a, state_json };
  skiff_rootfs_opts ro = {
    .before_pivot = run_create_hooks,
    .before_pivot_data = &hooks,
    .rootfs = a->rootfs,
    .bundle = a->bundle,
    .no_pivot = a->opts->no_pivot,
    .userns = has_ns (a, CLONE_NEWUSER),
    .new_cgroupns = (a->ns->new_flags & CLONE_NEWCGROUP) != 0,
    .lsm = a->lsm,
    .idmap_fds = a->idmap_fds,
  };
  int r = skiff_rootfs_setup (a->spec, &ro, err);
  /* Attached or not, the detached idmapped trees are of no further use. */
  for (size_t i = 0; a->idmap_fds && i < a->spec->n_mounts; i++)
    if (a->idmap_fds[i] >= 0)
      close (a->idmap_fds[i]);
  if (r < 0 || create_cwd (a->spec->process, err) < 0)
    return -1;
  if (a->console_fd >= 0)
    {
      const oci_process *p = a->spec->process;
      int slave = skiff_terminal_setup (a->console_fd, p->console_size, err);
      if (slave < 0)
        return -1;
      r = skiff_terminal_attach_stdio (slave, err);
      close (slave);
      if (r < 0)
        return -1;
    }
  else
    setsid ();
  if (a->spec->linux_ && skiff_sysctl_apply (&a->spec->linux_->sysctl, err) < 0)
    return -1;
  return skiff_rootfs_finalize (a->spec, &ro, err);
}

/* Everything that must happen while we are still privileged. */
static int
prepare_process (const skiff_init_args *a, bool nnp, skiff_error **err)
{
  const oci_process *p = a->spec->process;
  const oci_linux *lx = a->spec->linux_;
  if (skiff_oom_score_adj_apply (p, err) < 0)
    return -1;
  if (lx && skiff_personality_apply (lx->personality, err) < 0)
    return -1;
  return skiff_payload_prepare (p, a->seccomp, a->lsm, a->opts->no_new_keyring ? NULL : a->id, nnp,
                                a->sync_fd, err);
}

static void
wait_for_start (const skiff_init_args *a)
{
  char c;
  ssize_t r;
  do
    r = read (a->fifo_fd, &c, 1);
  while (r < 0 && errno == EINTR);
  if (r != 1)
    _exit (1);
  close (a->fifo_fd);
}

void
skiff_init_run (const skiff_init_args *a)
{
  skiff_error *err = NULL;
  const oci_process *p = a->spec->process;
  bool nnp = p->no_new_privileges.set && p->no_new_privileges.value;

  skiff_payload_reset_signals ();
  /* Die with the runtime while setting up; nobody would clean up after us. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  /* Not dumpable: processes of the container cannot ptrace us or open our
   * /proc files while we still hold host resources. (A rootless runtime
   * needs our map files first; nothing of the container runs before GO.) */
  if (!a->dumpable_until_go)
    prctl (PR_SET_DUMPABLE, 0);

  cleanup_free char *state_json = NULL;
  if (enter_cgroup (a, &err) < 0 || enter_namespaces (a, &state_json, &err) < 0 || set_names (a, &err) < 0
      || build_rootfs (a, state_json, &err) < 0)
    skiff_sync_fail (a->sync_fd, err);
  char **env = skiff_payload_env (p, a->listen_fds);
  cleanup_free char *path = NULL;
  /* A listener must reach the runtime before READY (create returns then),
   * so with no_new_privs the filter cannot wait for start: it is loaded
   * here, as runc does, and the startContainer hooks run under it. */
  bool late = !skiff_seccomp_prog_has_listener (a->seccomp);
  /* The console socket has done its work (build_rootfs); sync and fifo are
   * still needed, close-on-exec. */
  if (a->console_fd >= 0)
    close (a->console_fd);
  const int own[] = { a->sync_fd, a->fifo_fd };
  if (prepare_process (a, nnp, &err) < 0 || skiff_exec_path_find (p, &path, &err) < 0
      || skiff_payload_pass_fds (a->n_extra_fds, own, 2, &err) < 0
      || (!late && skiff_payload_lockdown (p, a->seccomp, nnp, a->sync_fd, &err) < 0))
    skiff_sync_fail (a->sync_fd, err);

  prctl (PR_SET_PDEATHSIG, 0);
  if (skiff_sync_send (a->sync_fd, SKIFF_SYNC_READY, 0, NULL, &err) < 0)
    _exit (1);
  close (a->sync_fd);

  wait_for_start (a);
  /* startContainer hooks: in the container, after start, before the payload;
   * runc shows them the status "created". */
  cleanup_free char *started = skiff_state_json_with_status (state_json, "created");
  if (skiff_hooks_run (a->spec, SKIFF_HOOK_START_CONTAINER, started ? started : state_json, &err) < 0
      || (late && skiff_payload_lockdown (p, a->seccomp, nnp, -1, &err) < 0))
    {
      fprintf (stderr, "skiff: %s\n", err->msg);
      _exit (1);
    }
  execve (path, skiff_payload_argv (p), env);
  fprintf (stderr, "skiff: exec `%s`: %s\n", path, strerror (errno));
  _exit (127);
}
