/* LSM labels through a fake backend: this kernel has neither SELinux nor
 * AppArmor, so the calls skiff makes into libselinux/libapparmor are
 * checked here (which call, with which string, in which order), together
 * with the mount data formatting, the disabled-LSM refusals runc makes,
 * and the dlopen path failing clearly for a missing library. */
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "linux/lsm.h"
#include "payload.h"

/* ---- the fake backend: every call appends one line to `calls` ---- */

static struct
{
  bool selinux_kernel, apparmor_kernel;
  int selinux_enabled, apparmor_enabled; /* what is_enabled returns */
  bool load_fails;
  const char *fail_call; /* this call returns -1 with EACCES */
  char calls[2048];
} fake;

static void
fake_reset (void)
{
  memset (&fake, 0, sizeof fake);
}

static int
record (const char *call, const char *a, const char *b)
{
  size_t n = strlen (fake.calls);
  snprintf (fake.calls + n, sizeof fake.calls - n, "%s%s%s%s%s uid=%d\n", call, a || b ? ":" : "",
            a ? a : (b ? "(null)" : ""), b ? ":" : "", b ? b : "", (int)geteuid ());
  if (fake.fail_call && strcmp (fake.fail_call, call) == 0)
    {
      errno = EACCES;
      return -1;
    }
  return 0;
}

static int
se_enabled (void)
{
  record ("is_selinux_enabled", NULL, NULL);
  return fake.selinux_enabled;
}

static int
se_exec (const char *l)
{
  return record ("setexeccon", l ? l : "(null)", NULL);
}

static int
se_key (const char *l)
{
  return record ("setkeycreatecon", l ? l : "(null)", NULL);
}

static int
se_file (const char *path, const char *l)
{
  return record ("setfilecon", path, l);
}

static int
aa_enabled (void)
{
  record ("aa_is_enabled", NULL, NULL);
  return fake.apparmor_enabled;
}

static int
aa_onexec (const char *p)
{
  return record ("aa_change_onexec", p, NULL);
}

static bool
k_selinux (void)
{
  record ("selinux_kernel", NULL, NULL);
  return fake.selinux_kernel;
}

static bool
k_apparmor (void)
{
  record ("apparmor_kernel", NULL, NULL);
  return fake.apparmor_kernel;
}

static int
load_selinux (skiff_lsm_selinux_ops *ops, skiff_error **err)
{
  record ("load_selinux", NULL, NULL);
  if (fake.load_fails)
    return skiff_error_set (err, 0, "load `libselinux.so.1`: not here");
  *ops = (skiff_lsm_selinux_ops){ se_enabled, se_exec, se_key, se_file };
  return 0;
}

static int
load_apparmor (skiff_lsm_apparmor_ops *ops, skiff_error **err)
{
  record ("load_apparmor", NULL, NULL);
  if (fake.load_fails)
    return skiff_error_set (err, 0, "load `libapparmor.so.1`: not here");
  *ops = (skiff_lsm_apparmor_ops){ aa_enabled, aa_onexec };
  return 0;
}

static const skiff_lsm_backend fake_backend = { k_selinux, k_apparmor, load_selinux, load_apparmor };

static void
both_enabled (void)
{
  fake_reset ();
  fake.selinux_kernel = fake.apparmor_kernel = true;
  fake.selinux_enabled = fake.apparmor_enabled = 1;
}

#define UID0 " uid=0\n"

/* The message of a failed call, "" on success. */
static char last_error[512];

static int
keep_error (int r, skiff_error **err)
{
  snprintf (last_error, sizeof last_error, "%s", r < 0 && *err ? (*err)->msg : "");
  skiff_error_clear (err);
  return r;
}

/* The comma operator orders the call before reading its error. */
static int kept_r;
#define KEEP(call, errp) (kept_r = (call), keep_error (kept_r, errp))

static int
prepare (skiff_lsm *lsm, const char *se, const char *aa, const char *mnt)
{
  skiff_error *err = NULL;
  return KEEP (skiff_lsm_prepare (lsm, &fake_backend, se, aa, mnt, &err), &err);
}

/* ---- prepare: what is loaded, what is refused ---- */

static void
test_no_labels_touch_nothing (void)
{
  skiff_lsm lsm;
  both_enabled ();
  CHECK (prepare (&lsm, NULL, NULL, NULL) == 0);
  CHECK (prepare (&lsm, "", "", "") == 0); /* empty strings are unset (runc) */
  CHECK_STR (fake.calls, "");
  skiff_error *err = NULL;
  CHECK (skiff_lsm_exec_labels (&lsm, &err) == 0 && skiff_lsm_keyring_label (&lsm, true, &err) == 0);
  CHECK (skiff_lsm_exec_labels (NULL, &err) == 0 && skiff_lsm_keyring_label (NULL, true, &err) == 0);
  CHECK (skiff_lsm_mqueue_label (&lsm, "/x", &err) == 0);
  CHECK_STR (fake.calls, "");
  skiff_error_free (err);
}

static void
test_selinux_disabled (void)
{
  skiff_lsm lsm;
  /* No selinuxfs: refused without loading anything (runc: "selinux label is
   * specified in config, but selinux is disabled or not supported"). */
  fake_reset ();
  CHECK (prepare (&lsm, "system_u:system_r:container_t:s0", NULL, NULL) == -1);
  CHECK_STR (last_error, "process.selinuxLabel `system_u:system_r:container_t:s0`: "
                         "SELinux is disabled or not supported on this host");
  CHECK_STR (fake.calls, "selinux_kernel" UID0);
  /* selinuxfs there but the library says disabled: the same. */
  fake_reset ();
  fake.selinux_kernel = true;
  CHECK (prepare (&lsm, "l", NULL, NULL) == -1);
  CHECK_PREFIX (last_error, "process.selinuxLabel `l`: SELinux is disabled");
  CHECK_STR (fake.calls, "selinux_kernel" UID0 "load_selinux" UID0 "is_selinux_enabled" UID0);
  /* The library cannot be loaded: that error, with the field named. */
  fake_reset ();
  fake.selinux_kernel = fake.load_fails = true;
  CHECK (prepare (&lsm, "l", NULL, NULL) == -1);
  CHECK_STR (last_error, "process.selinuxLabel: load `libselinux.so.1`: not here");
}

static void
test_apparmor_disabled (void)
{
  skiff_lsm lsm;
  fake_reset ();
  CHECK (prepare (&lsm, NULL, "docker-default", NULL) == -1);
  CHECK_STR (last_error, "process.apparmorProfile `docker-default`: "
                         "AppArmor is disabled or not supported on this host");
  CHECK_STR (fake.calls, "apparmor_kernel" UID0);
  fake_reset ();
  fake.apparmor_kernel = true; /* module loaded, aa_is_enabled says no */
  CHECK (prepare (&lsm, NULL, "p", NULL) == -1);
  CHECK_STR (fake.calls, "apparmor_kernel" UID0 "load_apparmor" UID0 "aa_is_enabled" UID0);
  fake_reset ();
  fake.apparmor_kernel = fake.load_fails = true;
  CHECK (prepare (&lsm, NULL, "p", NULL) == -1);
  CHECK_STR (last_error, "process.apparmorProfile: load `libapparmor.so.1`: not here");
}

/* runc does not check linux.mountLabel: it goes into the mount data and the
 * kernel decides. Without SELinux no library is loaded for it. */
static void
test_mount_label_without_selinux (void)
{
  skiff_lsm lsm;
  fake_reset ();
  CHECK (prepare (&lsm, NULL, NULL, "system_u:object_r:container_file_t:s0") == 0);
  CHECK (!lsm.selinux);
  CHECK_STR (lsm.mount_label, "system_u:object_r:container_file_t:s0");
  skiff_error *err = NULL;
  CHECK (skiff_lsm_mqueue_label (&lsm, "/proc/self/fd/5", &err) == 0);
  CHECK_STR (fake.calls, "selinux_kernel" UID0);
  /* The kernel's EINVAL for context= gets the reason in front. */
  skiff_error_set (&err, EINVAL, "mount `tmpfs` (tmpfs) on `/dev`");
  CHECK (skiff_lsm_mount_failed (&lsm, &err) == -1);
  CHECK_STR (err->msg, "linux.mountLabel `system_u:object_r:container_file_t:s0` (context= needs SELinux, "
                       "which is disabled): mount `tmpfs` (tmpfs) on `/dev`: Invalid argument");
  skiff_error_clear (&err);
  /* Other errors are left alone. */
  skiff_error_set (&err, ENOENT, "mount x");
  skiff_lsm_mount_failed (&lsm, &err);
  CHECK_STR (err->msg, "mount x: No such file or directory");
  skiff_error_free (err);
}

static void
test_mount_label_with_selinux (void)
{
  skiff_lsm lsm;
  both_enabled ();
  CHECK (prepare (&lsm, NULL, NULL, "m:l") == 0);
  CHECK (lsm.selinux && !lsm.apparmor);
  fake.calls[0] = '\0';
  skiff_error *err = NULL;
  CHECK (skiff_lsm_mqueue_label (&lsm, "/proc/self/fd/5", &err) == 0);
  CHECK_STR (fake.calls, "setfilecon:/proc/self/fd/5:m:l" UID0);
  fake.fail_call = "setfilecon";
  CHECK (KEEP (skiff_lsm_mqueue_label (&lsm, "/p", &err), &err) == -1);
  CHECK_STR (last_error, "set SELinux label `m:l` on the mqueue mount: Permission denied");
}

/* ---- the calls before execve ---- */

static void
test_exec_labels_order (void)
{
  skiff_lsm lsm;
  both_enabled ();
  CHECK (prepare (&lsm, "u:r:t:s0:c1,c2", "prof", NULL) == 0);
  CHECK (lsm.selinux && lsm.apparmor);
  fake.calls[0] = '\0';
  skiff_error *err = NULL;
  CHECK (KEEP (skiff_lsm_exec_labels (&lsm, &err), &err) == 0);
  CHECK_STR (fake.calls, "setexeccon:u:r:t:s0:c1,c2" UID0 "aa_change_onexec:prof" UID0);

  /* A failing setexeccon stops there, with a clear error. */
  fake.calls[0] = '\0';
  fake.fail_call = "setexeccon";
  err = NULL;
  CHECK (KEEP (skiff_lsm_exec_labels (&lsm, &err), &err) == -1);
  CHECK_STR (last_error, "set SELinux exec label `u:r:t:s0:c1,c2`: Permission denied");
  CHECK_STR (fake.calls, "setexeccon:u:r:t:s0:c1,c2" UID0);

  fake.calls[0] = '\0';
  fake.fail_call = "aa_change_onexec";
  err = NULL;
  CHECK (KEEP (skiff_lsm_exec_labels (&lsm, &err), &err) == -1);
  CHECK_STR (last_error, "set AppArmor profile `prof` for exec: Permission denied");

  /* A label whose library is not loaded is an error, never skipped. */
  skiff_lsm bare = { .exec_label = "x" };
  err = NULL;
  CHECK (KEEP (skiff_lsm_exec_labels (&bare, &err), &err) == -1);
  CHECK_PREFIX (last_error, "process label: the LSM library was not loaded");
}

static void
test_keyring_label (void)
{
  skiff_lsm lsm;
  both_enabled ();
  CHECK (prepare (&lsm, "u:r:t:s0", NULL, NULL) == 0);
  fake.calls[0] = '\0';
  skiff_error *err = NULL;
  CHECK (skiff_lsm_keyring_label (&lsm, true, &err) == 0 && skiff_lsm_keyring_label (&lsm, false, &err) == 0);
  CHECK_STR (fake.calls, "setkeycreatecon:u:r:t:s0" UID0 "setkeycreatecon:(null)" UID0);
  fake.fail_call = "setkeycreatecon";
  CHECK (KEEP (skiff_lsm_keyring_label (&lsm, true, &err), &err) == -1);
  CHECK_STR (last_error, "set SELinux keyring label `u:r:t:s0`: Permission denied");
  /* AppArmor alone labels no keyring. */
  both_enabled ();
  CHECK (prepare (&lsm, NULL, "prof", NULL) == 0);
  fake.calls[0] = '\0';
  err = NULL;
  CHECK (skiff_lsm_keyring_label (&lsm, true, &err) == 0);
  CHECK_STR (fake.calls, "");
  skiff_error_free (err);
}

/* The real sequence of the container init and exec (payload.c), in a child:
 * the keyring label around the keyring join while still root, the exec
 * labels last, after the credentials (uid 65534 here), so nothing but the
 * payload's execve follows them. */
static void
test_payload_order (void)
{
  if (geteuid () != 0)
    {
      fprintf (stderr, "test_payload_order: skipped, needs root\n");
      return;
    }
  static const char json[] = "{\"args\":[\"true\"],\"cwd\":\"/\",\"user\":{\"uid\":65534,\"gid\":65534}}";
  oci_process *p = NULL;
  char *msg = NULL;
  CHECK (oci_process_parse (json, sizeof json - 1, &p, &msg) == 0);
  skiff_lsm lsm;
  both_enabled ();
  CHECK (prepare (&lsm, "u:r:container_t:s0", "prof", NULL) == 0);
  fake.calls[0] = '\0';
  pid_t pid = fork ();
  if (pid == 0)
    {
      skiff_error *err = NULL;
      if (skiff_payload_prepare (p, NULL, &lsm, "skiff-unit-lsm", true, -1, &err) < 0)
        {
          fprintf (stderr, "payload_prepare: %s\n", err->msg);
          _exit (2);
        }
      CHECK_STR (fake.calls, "setkeycreatecon:u:r:container_t:s0" UID0 "setkeycreatecon:(null)" UID0
                             "setexeccon:u:r:container_t:s0 uid=65534\n"
                             "aa_change_onexec:prof uid=65534\n");
      _exit (test_failures ? 1 : 0);
    }
  int status = 0;
  CHECK (pid > 0 && waitpid (pid, &status, 0) == pid);
  CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  oci_process_free (p);
  free (msg);
}

/* An image without a /proc mount could offer plain files where the
 * libraries write the labels (CVE-2019-16884): no call is made then. */
static void
test_fake_proc_refused (void)
{
  if (geteuid () != 0)
    {
      fprintf (stderr, "test_fake_proc_refused: skipped, needs root (chroot)\n");
      return;
    }
  char dir[] = "/tmp/skiff-unit-lsm-XXXXXX";
  CHECK (mkdtemp (dir) != NULL);
  char path[128];
  const char *parts[] = { "/proc", "/proc/thread-self", "/proc/thread-self/attr" };
  for (size_t i = 0; i < 3; i++)
    {
      snprintf (path, sizeof path, "%s%s", dir, parts[i]);
      CHECK (mkdir (path, 0755) == 0);
    }
  skiff_lsm lsm;
  both_enabled ();
  CHECK (prepare (&lsm, "u:r:container_t:s0", "prof", NULL) == 0);
  fake.calls[0] = '\0';
  pid_t pid = fork ();
  if (pid == 0)
    {
      skiff_error *err = NULL;
      if (chroot (dir) < 0 || chdir ("/") < 0)
        _exit (2);
      CHECK (KEEP (skiff_lsm_exec_labels (&lsm, &err), &err) == -1);
      CHECK_STR (last_error, "process label: `/proc` is not procfs, the label would not be applied: "
                             "Invalid cross-device link");
      CHECK (KEEP (skiff_lsm_keyring_label (&lsm, true, &err), &err) == -1);
      CHECK_PREFIX (last_error, "SELinux keyring label: `/proc` is not procfs");
      CHECK_STR (fake.calls, "");
      _exit (test_failures ? 1 : 0);
    }
  int status = 0;
  CHECK (pid > 0 && waitpid (pid, &status, 0) == pid);
  CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  for (size_t i = 3; i-- > 0;)
    {
      snprintf (path, sizeof path, "%s%s", dir, parts[i]);
      rmdir (path);
    }
  rmdir (dir);
}

/* ---- linux.mountLabel in mount data ---- */

static const char *
data (const char *d, const char *label)
{
  static char buf[512];
  char *out = NULL;
  skiff_error *err = NULL;
  if (skiff_lsm_mount_data (d, label, &out, &err) < 0)
    snprintf (buf, sizeof buf, "ERROR %s", err->msg);
  else
    snprintf (buf, sizeof buf, "%s", out ? out : "(null)");
  free (out);
  skiff_error_free (err);
  return buf;
}

static void
test_mount_data (void)
{
  CHECK_STR (data (NULL, "s:o:t:s0"), "context=\"s:o:t:s0\"");
  CHECK_STR (data ("", "s:o:t:s0"), "context=\"s:o:t:s0\"");
  CHECK_STR (data ("mode=755,size=65536k", "s:o:t:s0"), "mode=755,size=65536k,context=\"s:o:t:s0\"");
  /* MCS categories have commas: the kernel keeps them together in quotes. */
  CHECK_STR (data ("mode=1777", "system_u:object_r:container_file_t:s0:c1,c2"),
             "mode=1777,context=\"system_u:object_r:container_file_t:s0:c1,c2\"");
  /* A context= the config already gives wins, wherever it is. */
  CHECK_STR (data ("context=\"a:b:c:s0\"", "x"), "context=\"a:b:c:s0\"");
  CHECK_STR (data ("mode=755,context=a:b:c:s0,size=1k", "x"), "mode=755,context=a:b:c:s0,size=1k");
  CHECK_STR (data ("mode=755,context=\"a:b:c:s0:c1,c2\"", "x"), "mode=755,context=\"a:b:c:s0:c1,c2\"");
  /* Other options that merely contain the word do not count. */
  CHECK_STR (data ("fscontext=a:b:c:s0", "x"), "fscontext=a:b:c:s0,context=\"x\"");
  CHECK_STR (data ("rootcontext=a,mode=1", "x"), "rootcontext=a,mode=1,context=\"x\"");
  CHECK_STR (data ("opt=\"v,context=y\"", "x"), "opt=\"v,context=y\",context=\"x\"");
  /* No label: data unchanged. */
  CHECK_STR (data ("mode=755", NULL), "mode=755");
  CHECK_STR (data ("mode=755", ""), "mode=755");
  CHECK_STR (data (NULL, NULL), "(null)");
  /* A quote cannot be escaped inside the kernel's quoting. */
  CHECK_STR (
      data ("mode=755", "a\"b"),
      "ERROR linux.mountLabel `a\"b`: a label containing '\"' cannot be a mount option: Invalid argument");
}

static void
test_mount_labelled (void)
{
  CHECK (skiff_lsm_mount_labelled ("tmpfs"));
  CHECK (skiff_lsm_mount_labelled ("devpts"));
  CHECK (skiff_lsm_mount_labelled ("ramfs"));
  const char *no[] = { "bind", "proc", "sysfs", "mqueue", "cgroup", "cgroup2", "", NULL };
  for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
    CHECK (!skiff_lsm_mount_labelled (no[i]));
}

/* ---- the real backend's dlopen ---- */

static void
test_dlopen_missing_library (void)
{
  skiff_lsm_selinux_ops se;
  skiff_lsm_apparmor_ops aa;
  skiff_error *err = NULL;
#if defined HAVE_SELINUX
  CHECK (skiff_lsm_dl_selinux ("libskiff-no-such-lsm.so.1", &se, &err) == -1);
  CHECK_PREFIX (err ? err->msg : NULL,
                "load `libskiff-no-such-lsm.so.1`: libskiff-no-such-lsm.so.1: cannot open");
  skiff_error_clear (&err);
  /* A library without the calls (libc has no setexeccon). */
  CHECK (skiff_lsm_dl_selinux ("libc.so.6", &se, &err) == -1);
  CHECK_STR (err ? err->msg : NULL, "`libc.so.6` has no `is_selinux_enabled`");
  skiff_error_clear (&err);
#else
  CHECK (skiff_lsm_dl_selinux ("libselinux.so.1", &se, &err) == -1);
  CHECK_STR (err ? err->msg : NULL, "this skiff was built without SELinux support: Operation not supported");
  skiff_error_clear (&err);
#endif
#if defined HAVE_APPARMOR
  CHECK (skiff_lsm_dl_apparmor ("libskiff-no-such-lsm.so.1", &aa, &err) == -1);
  CHECK_PREFIX (err ? err->msg : NULL,
                "load `libskiff-no-such-lsm.so.1`: libskiff-no-such-lsm.so.1: cannot open");
  skiff_error_clear (&err);
#else
  CHECK (skiff_lsm_dl_apparmor ("libapparmor.so.1", &aa, &err) == -1);
  CHECK_STR (err ? err->msg : NULL, "this skiff was built without AppArmor support: Operation not supported");
  skiff_error_clear (&err);
#endif
}

/* Where the real libraries are installed they load, and agree with the
 * cheap kernel check skiff makes before loading them. */
static void
test_dlopen_real_libraries (void)
{
#if defined HAVE_SELINUX
  skiff_lsm_selinux_ops se;
  skiff_error *err = NULL;
  if (skiff_lsm_dl_selinux ("libselinux.so.1", &se, &err) == 0)
    {
      CHECK ((se.is_enabled () == 1) == skiff_lsm_system.selinux_kernel ());
      /* The _raw calls: no label translation through a socket. */
      void *h = dlopen ("libselinux.so.1", RTLD_NOW | RTLD_NOLOAD);
      CHECK (h != NULL);
      CHECK (h && (void *)se.setexeccon == dlsym (h, "setexeccon_raw"));
      CHECK (h && (void *)se.setkeycreatecon == dlsym (h, "setkeycreatecon_raw"));
      CHECK (h && (void *)se.setfilecon == dlsym (h, "setfilecon_raw"));
    }
  else
    fprintf (stderr, "libselinux.so.1 not installed: %s\n", err->msg);
  skiff_error_free (err);
#endif
#if defined HAVE_APPARMOR
  skiff_lsm_apparmor_ops aa;
  skiff_error *aerr = NULL;
  if (skiff_lsm_dl_apparmor ("libapparmor.so.1", &aa, &aerr) == 0)
    CHECK ((aa.is_enabled () == 1) == skiff_lsm_system.apparmor_kernel ());
  else
    fprintf (stderr, "libapparmor.so.1 not installed: %s\n", aerr->msg);
  skiff_error_free (aerr);
#endif
}

int
main (void)
{
  test_no_labels_touch_nothing ();
  test_selinux_disabled ();
  test_apparmor_disabled ();
  test_mount_label_without_selinux ();
  test_mount_label_with_selinux ();
  test_exec_labels_order ();
  test_keyring_label ();
  test_payload_order ();
  test_fake_proc_refused ();
  test_mount_data ();
  test_mount_labelled ();
  test_dlopen_missing_library ();
  test_dlopen_real_libraries ();
  return TEST_EXIT ();
}
