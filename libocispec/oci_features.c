/* The features document (`runc features`, runtime-spec features.md and
 * features-linux.md). */
#include "oci.h"
#include "oci_json.h"

static const oci_field enabled_f[] = {
  OCI_BOOL (oci_features_enabled, enabled, "enabled"),
};
static const oci_struct_desc enabled_d = OCI_DESC (oci_features_enabled, enabled_f);

static const oci_field mount_ext_f[] = {
  OCI_OBJ (oci_features_mount_ext, idmap, "idmap", oci_features_enabled, enabled_d),
};
static const oci_struct_desc mount_ext_d = OCI_DESC (oci_features_mount_ext, mount_ext_f);

static const oci_field cgroup_f[] = {
  OCI_BOOL (oci_features_cgroup, v1, "v1"),
  OCI_BOOL (oci_features_cgroup, v2, "v2"),
  OCI_BOOL (oci_features_cgroup, systemd, "systemd"),
  OCI_BOOL (oci_features_cgroup, systemd_user, "systemdUser"),
  OCI_BOOL (oci_features_cgroup, rdma, "rdma"),
};
static const oci_struct_desc cgroup_d = OCI_DESC (oci_features_cgroup, cgroup_f);

static const oci_field seccomp_f[] = {
  OCI_BOOL (oci_features_seccomp, enabled, "enabled"),
  OCI_STRS (oci_features_seccomp, actions, "actions"),
  OCI_STRS (oci_features_seccomp, operators, "operators"),
  OCI_STRS (oci_features_seccomp, archs, "archs"),
  OCI_STRS (oci_features_seccomp, known_flags, "knownFlags"),
  OCI_STRS (oci_features_seccomp, supported_flags, "supportedFlags"),
};
static const oci_struct_desc seccomp_d = OCI_DESC (oci_features_seccomp, seccomp_f);

static const oci_field linux_f[] = {
  OCI_STRS (oci_features_linux, namespaces, "namespaces"),
  OCI_STRS (oci_features_linux, capabilities, "capabilities"),
  OCI_OBJ (oci_features_linux, cgroup, "cgroup", oci_features_cgroup, cgroup_d),
  OCI_OBJ (oci_features_linux, seccomp, "seccomp", oci_features_seccomp, seccomp_d),
  OCI_OBJ (oci_features_linux, apparmor, "apparmor", oci_features_enabled, enabled_d),
  OCI_OBJ (oci_features_linux, selinux, "selinux", oci_features_enabled, enabled_d),
  OCI_OBJ (oci_features_linux, intel_rdt, "intelRdt", oci_features_enabled, enabled_d),
  OCI_OBJ (oci_features_linux, mount_extensions, "mountExtensions", oci_features_mount_ext,
           mount_ext_d),
  OCI_OBJ (oci_features_linux, net_devices, "netDevices", oci_features_enabled, enabled_d),
};
static const oci_struct_desc linux_d = OCI_DESC (oci_features_linux, linux_f);

static const oci_field features_f[] = {
  OCI_STR (oci_features, oci_version_min, "ociVersionMin"),
  OCI_STR (oci_features, oci_version_max, "ociVersionMax"),
  OCI_STRS (oci_features, hooks, "hooks"),
  OCI_STRS (oci_features, mount_options, "mountOptions"),
  OCI_OBJ (oci_features, linux_, "linux", oci_features_linux, linux_d),
  OCI_MAP (oci_features, annotations, "annotations"),
  OCI_STRS (oci_features, potentially_unsafe_config_annotations,
            "potentiallyUnsafeConfigAnnotations"),
};
static const oci_struct_desc features_d = OCI_DESC (oci_features, features_f);

int
oci_features_parse (const char *json, size_t len, oci_features **out, char **errmsg)
{
  return oci_json_parse_doc (&features_d, json, len, (void **) out, errmsg);
}

char *
oci_features_to_json (const oci_features *features, bool pretty)
{
  return oci_json_to_text (&features_d, features, pretty, NULL);
}

void
oci_features_free (oci_features *features)
{
  oci_json_free (&features_d, features);
}
