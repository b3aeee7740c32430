/* The real LSM backend: kernel checks, and libselinux / libapparmor loaded
 * with dlopen() only when a config asks for a label. Linking them would
 * make every start pay for loading them (and libselinux's constructor). */
#include "lsm.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#ifdef HAVE_SELINUX
#include <selinux/selinux.h>
#endif
#ifdef HAVE_APPARMOR
#include <sys/apparmor.h>
#endif

#ifndef SELINUX_MAGIC
#define SELINUX_MAGIC 0xf97cff8c
#endif

/* libselinux finds selinuxfs here; without it SELinux is off. */
static bool
selinux_kernel (void)
{
  struct statfs sfs;
  return statfs ("/sys/fs/selinux", &sfs) == 0 && (unsigned long)sfs.f_type == SELINUX_MAGIC;
}

/* The module parameter says "Y" when AppArmor is built in and enabled. */
static bool
apparmor_kernel (void)
{
  char c = 0;
  int fd = open ("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  ssize_t n = read (fd, &c, 1);
  close (fd);
  return n == 1 && c == 'Y';
}

#if defined HAVE_SELINUX || defined HAVE_APPARMOR
/* The library stays loaded for the life of the process: the container init
 * and exec's payload call into it until they execve. */
static void *
dl_open (const char *soname, skiff_error **err)
{
  void *h = dlopen (soname, RTLD_NOW | RTLD_LOCAL);
  if (h == NULL)
    {
      const char *why = dlerror ();
      skiff_error_set (err, 0, "load `%s`: %s", soname, why ? why : "dlopen failed");
    }
  return h;
}

static int
dl_sym (void *h, const char *soname, const char *name, void **out, skiff_error **err)
{
  dlerror ();
  *out = dlsym (h, name);
  if (*out == NULL)
    return skiff_error_set (err, 0, "`%s` has no `%s`", soname, name);
  return 0;
}
#endif

int
skiff_lsm_dl_selinux (const char *soname, skiff_lsm_selinux_ops *ops, skiff_error **err)
{
#ifdef HAVE_SELINUX
  /* The header's prototypes: a library that changed them fails to build.
   * The _raw forms: the others translate the label through mcstransd's
   * socket, which after pivot_root is a path in the container a process
   * there could serve (and OCI labels are raw contexts anyway). */
  __typeof__ (is_selinux_enabled) *is_enabled;
  __typeof__ (setexeccon_raw) *exec;
  __typeof__ (setkeycreatecon_raw) *key;
  __typeof__ (setfilecon_raw) *file;
  void *h = dl_open (soname, err);
  if (h == NULL)
    return -1;
  if (dl_sym (h, soname, "is_selinux_enabled", (void **)&is_enabled, err) < 0
      || dl_sym (h, soname, "setexeccon_raw", (void **)&exec, err) < 0
      || dl_sym (h, soname, "setkeycreatecon_raw", (void **)&key, err) < 0
      || dl_sym (h, soname, "setfilecon_raw", (void **)&file, err) < 0)
    {
      dlclose (h);
      return -1;
    }
  ops->is_enabled = is_enabled;
  ops->setexeccon = exec;
  ops->setkeycreatecon = key;
  ops->setfilecon = file;
  return 0;
#else
  (void)soname;
  (void)ops;
  return skiff_error_set (err, ENOTSUP, "this skiff was built without SELinux support");
#endif
}

int
skiff_lsm_dl_apparmor (const char *soname, skiff_lsm_apparmor_ops *ops, skiff_error **err)
{
#ifdef HAVE_APPARMOR
  __typeof__ (aa_is_enabled) *is_enabled;
  __typeof__ (aa_change_onexec) *onexec;
  void *h = dl_open (soname, err);
  if (h == NULL)
    return -1;
  if (dl_sym (h, soname, "aa_is_enabled", (void **)&is_enabled, err) < 0
      || dl_sym (h, soname, "aa_change_onexec", (void **)&onexec, err) < 0)
    {
      dlclose (h);
      return -1;
    }
  ops->is_enabled = is_enabled;
  ops->change_onexec = onexec;
  return 0;
#else
  (void)soname;
  (void)ops;
  return skiff_error_set (err, ENOTSUP, "this skiff was built without AppArmor support");
#endif
}

static int
load_selinux (skiff_lsm_selinux_ops *ops, skiff_error **err)
{
  return skiff_lsm_dl_selinux ("libselinux.so.1", ops, err);
}

static int
load_apparmor (skiff_lsm_apparmor_ops *ops, skiff_error **err)
{
  return skiff_lsm_dl_apparmor ("libapparmor.so.1", ops, err);
}

const skiff_lsm_backend skiff_lsm_system = {
  .selinux_kernel = selinux_kernel,
  .apparmor_kernel = apparmor_kernel,
  .selinux_load = load_selinux,
  .apparmor_load = load_apparmor,
};
