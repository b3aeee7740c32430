/* SELinux and AppArmor labels: process.selinuxLabel (exec and keyring
 * label), linux.mountLabel (context= on the mounts runc labels) and
 * process.apparmorProfile.
 *
 * Every LSM operation goes through a small backend table. The real one
 * (lsm_dl.c) checks the kernel cheaply and only then dlopen()s libselinux
 * or libapparmor: the binary has no DT_NEEDED on them, and a config without
 * labels never touches either. The libraries are loaded by the runtime,
 * before the container's filesystem is entered, so a library is never
 * taken from the image; the container init and exec's payload inherit the
 * resolved functions.
 *
 * On a host without the LSM skiff does what runc does there:
 *   - process.selinuxLabel: refused ("SELinux is disabled or not supported").
 *   - process.apparmorProfile: refused (runc fails writing attr/exec).
 *   - linux.mountLabel: not checked; it goes into the mount data as
 *     context="..." and the kernel refuses that option without SELinux, so a
 *     config with a labelled mount (tmpfs, devpts, a masked directory, the
 *     cgroup v1 tmpfs) fails and one without runs unlabelled. */
#ifndef SKIFF_LINUX_LSM_H
#define SKIFF_LINUX_LSM_H

#include <stdbool.h>

#include "error.h"

/* The libselinux calls skiff makes (the _raw forms: no label translation);
 * each returns 0, or -1 with errno. */
typedef struct skiff_lsm_selinux_ops
{
  int (*is_enabled) (void); /* is_selinux_enabled: 1 when enabled */
  int (*setexeccon) (const char *label);
  int (*setkeycreatecon) (const char *label); /* NULL: back to the default */
  int (*setfilecon) (const char *path, const char *label);
} skiff_lsm_selinux_ops;

/* The libapparmor calls. */
typedef struct skiff_lsm_apparmor_ops
{
  int (*is_enabled) (void); /* aa_is_enabled: 1 when enabled */
  int (*change_onexec) (const char *profile);
} skiff_lsm_apparmor_ops;

typedef struct skiff_lsm_backend
{
  /* Cheap checks without any library: is the LSM active in this kernel? */
  bool (*selinux_kernel) (void);
  bool (*apparmor_kernel) (void);
  /* Load the library and resolve its calls; -1 with a clear *err if not. */
  int (*selinux_load) (skiff_lsm_selinux_ops *ops, skiff_error **err);
  int (*apparmor_load) (skiff_lsm_apparmor_ops *ops, skiff_error **err);
} skiff_lsm_backend;

/* The kernel and the shared libraries (lsm_dl.c). */
extern const skiff_lsm_backend skiff_lsm_system;

/* dlopen soname and resolve the calls: what skiff_lsm_system's loaders do
 * with "libselinux.so.1" / "libapparmor.so.1". */
int skiff_lsm_dl_selinux (const char *soname, skiff_lsm_selinux_ops *ops, skiff_error **err);
int skiff_lsm_dl_apparmor (const char *soname, skiff_lsm_apparmor_ops *ops, skiff_error **err);

/* The labels of one process (the container init, or an exec) and the
 * library calls resolved for them. Strings are borrowed from the config. */
typedef struct skiff_lsm
{
  const char *exec_label;       /* process.selinuxLabel; also the keyring's */
  const char *apparmor_profile; /* process.apparmorProfile */
  const char *mount_label;      /* linux.mountLabel */
  bool selinux;                 /* libselinux loaded and SELinux enabled: se is usable */
  bool apparmor;                /* libapparmor loaded and AppArmor enabled: aa is usable */
  skiff_lsm_selinux_ops se;
  skiff_lsm_apparmor_ops aa;
} skiff_lsm;

/* In the runtime, before anything exists: record the labels (empty strings
 * count as unset), refuse those this host cannot apply (see above) and load
 * what the others need. Nothing is loaded when no label is asked for. */
int skiff_lsm_prepare (skiff_lsm *lsm, const skiff_lsm_backend *b, const char *selinux_label,
                       const char *apparmor_profile, const char *mount_label, skiff_error **err);

/* Around joining the session keyring: label the keyring runc's way (the
 * process label), then back to the default (label NULL). No-op without an
 * exec label. */
int skiff_lsm_keyring_label (const skiff_lsm *lsm, bool set, skiff_error **err);

/* The last step before execve: the SELinux exec label, then the AppArmor
 * profile, both taking effect at the execve. */
int skiff_lsm_exec_labels (const skiff_lsm *lsm, skiff_error **err);

/* Does a mount of this type get the mount label in its data? runc labels
 * tmpfs, devpts and other filesystems, never bind mounts, proc, sysfs,
 * mqueue (labelled as a file instead) or cgroup hierarchies. */
bool skiff_lsm_mount_labelled (const char *type);

/* data plus context="<label>" (quoted: MCS labels contain commas), unless
 * label is unset or data already has a context= option. *out is malloc'd,
 * NULL when the result is empty. */
int skiff_lsm_mount_data (const char *data, const char *label, char **out, skiff_error **err);

/* A mount that carried the mount label failed: without SELinux the kernel
 * knows no context= option (EINVAL), which is how runc fails there too;
 * say where the option came from. Returns -1. */
int skiff_lsm_mount_failed (const skiff_lsm *lsm, skiff_error **err);

/* An mqueue mount at path gets the mount label as its file label, when
 * SELinux is enabled (runc: without SELinux nothing to do). */
int skiff_lsm_mqueue_label (const skiff_lsm *lsm, const char *path, skiff_error **err);

#endif
