/* oci_spec_validate: a table of invalid configs, each with the exact error
 * message it must produce, plus configs that must be accepted. */
#include "oci.h"
#include "check.h"

/* Smallest valid config; cases append members to it. */
#define BASE "\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"}"
#define PROC "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\","
#define CFG(...) "{" BASE "," __VA_ARGS__ "}"
#define LINUX(...) CFG ("\"linux\":{" __VA_ARGS__ "}")
#define USERNS "\"namespaces\":[{\"type\":\"user\"}]"

static const struct
{
  const char *json;
  const char *error;
} invalid[] = {
  { "{\"root\":{\"path\":\"r\"}}", "ociVersion: missing" },
  { "{\"ociVersion\":\"1.2.0\"}", "root.path: missing" },
  { "{\"ociVersion\":\"1.2.0\",\"root\":{\"readonly\":true}}", "root.path: missing" },
  { CFG ("\"process\":{\"cwd\":\"/\"}"), "process.args: must not be empty" },
  { CFG ("\"process\":{\"args\":[],\"cwd\":\"/\"}"), "process.args: must not be empty" },
  { CFG ("\"process\":{\"args\":[\"sh\"]}"), "process.cwd: missing" },
  { CFG ("\"process\":{\"args\":[\"sh\"],\"cwd\":\"tmp\"}"),
    "process.cwd: must be an absolute path, got \"tmp\"" },
  { CFG (PROC "\"capabilities\":{\"bounding\":[\"CAP_KILL\",\"CAP_FOO\"]}}"),
    "process.capabilities.bounding[1]: unknown capability \"CAP_FOO\"" },
  { CFG (PROC "\"capabilities\":{\"effective\":[\"kill\"]}}"),
    "process.capabilities.effective[0]: unknown capability \"kill\"" },
  { CFG (PROC "\"capabilities\":{\"inheritable\":[\"CAP_X\"]}}"),
    "process.capabilities.inheritable[0]: unknown capability \"CAP_X\"" },
  { CFG (PROC "\"capabilities\":{\"permitted\":[\"CAP_X\"]}}"),
    "process.capabilities.permitted[0]: unknown capability \"CAP_X\"" },
  { CFG (PROC "\"capabilities\":{\"ambient\":[\"CAP_BPF\",\"CAP_X\"]}}"),
    "process.capabilities.ambient[1]: unknown capability \"CAP_X\"" },
  { CFG (PROC "\"rlimits\":[{\"type\":\"RLIMIT_FOO\",\"hard\":1,\"soft\":1}]}"),
    "process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\"" },
  { CFG (PROC "\"rlimits\":[{\"hard\":1,\"soft\":1}]}"), "process.rlimits[0].type: missing" },
  { CFG (PROC "\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"hard\":0,\"soft\":0},"
              "{\"type\":\"RLIMIT_NOFILE\",\"hard\":5,\"soft\":10}]}"),
    "process.rlimits[1]: soft limit 10 exceeds hard limit 5" },
  { CFG (PROC "\"ioPriority\":{\"class\":\"RT\"}}"), "process.ioPriority.class: unknown class \"RT\"" },
  { CFG (PROC "\"scheduler\":{\"policy\":\"SCHED_X\"}}"),
    "process.scheduler.policy: unknown policy \"SCHED_X\"" },
  { CFG ("\"mounts\":[{\"destination\":\"/proc\"},{\"type\":\"tmpfs\"}]"),
    "mounts[1].destination: missing" },
  { CFG ("\"hooks\":{\"poststop\":[{\"path\":\"true\"}]}"),
    "hooks.poststop[0].path: must be an absolute path, got \"true\"" },
  { CFG ("\"hooks\":{\"createRuntime\":[{\"args\":[\"x\"]}]}"), "hooks.createRuntime[0].path: missing" },
  { LINUX ("\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"},{\"type\":\"foo\"}]"),
    "linux.namespaces[2].type: unknown namespace \"foo\"" },
  { LINUX ("\"namespaces\":[{\"type\":\"net\"}]"), "linux.namespaces[0].type: unknown namespace \"net\"" },
  { LINUX ("\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"ipc\"},{\"type\":\"pid\"}]"),
    "linux.namespaces[2].type: duplicate namespace \"pid\"" },
  { LINUX ("\"namespaces\":[{\"path\":\"/proc/1/ns/pid\"}]"), "linux.namespaces[0].type: missing" },
  { LINUX ("\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]"),
    "linux.uidMappings: requires a user namespace" },
  { LINUX ("\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]"),
    "linux.gidMappings: requires a user namespace" },
  { LINUX ("\"devices\":[{\"type\":\"x\",\"path\":\"/dev/x\"}]"),
    "linux.devices[0].type: unknown device type \"x\"" },
  { LINUX ("\"devices\":[{\"path\":\"/dev/x\"}]"), "linux.devices[0].type: unknown device type \"\"" },
  { LINUX ("\"devices\":[{\"type\":\"c\",\"path\":\"/dev/a\"},{\"type\":\"b\",\"path\":\"dev/sda\"}]"),
    "linux.devices[1].path: must be an absolute path, got \"dev/sda\"" },
  { LINUX ("\"resources\":{\"devices\":[{\"allow\":true,\"type\":\"u\"}]}"),
    "linux.resources.devices[0].type: unknown device type \"u\"" },
  { LINUX ("\"resources\":{\"devices\":[{\"allow\":true,\"access\":\"rwx\"}]}"),
    "linux.resources.devices[0].access: invalid access \"rwx\"" },
  { LINUX ("\"cgroupsPath\":\"/a/../../b\""),
    "linux.cgroupsPath: must not contain \"..\" components, got \"/a/../../b\"" },
  { LINUX ("\"cgroupsPath\":\"..\""), "linux.cgroupsPath: must not contain \"..\" components, got \"..\"" },
  { LINUX ("\"sysctl\":{\"net.ipv4.ip_forward\":\"1\",\"\":\"x\"}"), "linux.sysctl: empty key" },
  { LINUX ("\"seccomp\":{\"defaultAction\":\"SCMP_ACT_DENY\"}"),
    "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_DENY\"" },
  { LINUX ("\"seccomp\":{\"syscalls\":[]}"), "linux.seccomp.defaultAction: unknown action \"\"" },
  { LINUX ("\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
           "\"action\":\"SCMP_ACT_ERRNO\"},{\"names\":[\"x\"],\"action\":\"ALLOW\"}]}"),
    "linux.seccomp.syscalls[1].action: unknown action \"ALLOW\"" },
  { LINUX ("\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
           "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_EQ\"},"
           "{\"index\":1,\"value\":1,\"op\":\"EQ\"}]}]}"),
    "linux.seccomp.syscalls[0].args[1].op: unknown operator \"EQ\"" },
  { LINUX ("\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"action\":\"SCMP_ACT_LOG\"}]}"),
    "linux.seccomp.syscalls[0].names: must not be empty" },
  { LINUX ("\"seccomp\":{\"defaultAction\":\"SCMP_ACT_KILL\",\"architectures\":[\"SCMP_ARCH_Z80\"]}"),
    "linux.seccomp.architectures[0]: unknown architecture \"SCMP_ARCH_Z80\"" },
  { LINUX ("\"seccomp\":{\"defaultAction\":\"SCMP_ACT_KILL\",\"flags\":[\"SECCOMP_FILTER_FLAG_X\"]}"),
    "linux.seccomp.flags[0]: unknown flag \"SECCOMP_FILTER_FLAG_X\"" },
  { LINUX ("\"rootfsPropagation\":\"recursive\""),
    "linux.rootfsPropagation: unknown propagation \"recursive\"" },
  { LINUX ("\"timeOffsets\":{\"boottime\":{\"secs\":1}}"), "linux.timeOffsets: requires a time namespace" },
  { LINUX ("\"namespaces\":[{\"type\":\"time\"}],\"timeOffsets\":{\"realtime\":{\"secs\":1}}"),
    "linux.timeOffsets.realtime: unknown clock \"realtime\"" },
  { LINUX ("\"personality\":{\"domain\":\"LINUX64\"}"),
    "linux.personality.domain: unknown domain \"LINUX64\"" },
};

static const char *const valid[] = {
  CFG ("\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"}"),
  /* relative mount destinations are accepted (runtime-spec 1.2, runc) */
  CFG ("\"mounts\":[{\"destination\":\"data\",\"type\":\"bind\",\"source\":\"/srv\"}]"),
  LINUX (USERNS ",\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]"),
  LINUX ("\"cgroupsPath\":\"system.slice:skiff:abc\""),
  LINUX ("\"cgroupsPath\":\"/a/..b/c..\""),
  LINUX ("\"namespaces\":[{\"type\":\"time\"}],\"timeOffsets\":{\"boottime\":{\"secs\":1},"
         "\"monotonic\":{\"secs\":-1}}"),
  LINUX ("\"rootfsPropagation\":\"rprivate\",\"devices\":[{\"type\":\"p\",\"path\":\"/dev/fifo\"}]"),
  LINUX ("\"seccomp\":{\"defaultAction\":\"SCMP_ACT_NOTIFY\",\"listenerPath\":\"/x\"}"),
};

int
main (void)
{
  size_t i;

  for (i = 0; i < sizeof (invalid) / sizeof (invalid[0]); i++)
    {
      oci_spec *s = NULL;
      char *err = NULL;

      if (oci_spec_parse (invalid[i].json, strlen (invalid[i].json), &s, &err) < 0)
        {
          fprintf (stderr, "case %zu: parse failed: %s\n", i, err);
          test_failures++;
          free (err);
          continue;
        }
      CHECK (oci_spec_validate (s, &err) < 0);
      CHECK_STR (err, invalid[i].error);
      free (err);
      oci_spec_free (s);
    }
  for (i = 0; i < sizeof (valid) / sizeof (valid[0]); i++)
    {
      oci_spec *s = NULL;
      char *err = NULL;

      CHECK (oci_spec_parse (valid[i], strlen (valid[i]), &s, &err) == 0);
      CHECK (oci_spec_validate (s, &err) == 0);
      CHECK_STR (err, NULL);
      free (err);
      oci_spec_free (s);
    }
  return TEST_EXIT ();
}
