/* Descriptor tables for the runtime-spec 1.2 config.json, and the
 * parse/serialize/free entry points built on the generic engine.
 * Table order = field order of runtime-spec's specs-go, so that our output
 * reads like runc's. */
#include <stdlib.h>

#include "oci.h"
#include "oci_json.h"

#define U32 OCI_FF_32BIT

/* ---- process ---- */
static const oci_field console_size_f[] = {
  OCI_UINT (oci_console_size, height, "height"),
  OCI_UINT (oci_console_size, width, "width"),
};
static const oci_struct_desc console_size_d = OCI_DESC (oci_console_size, console_size_f);

static const oci_field user_f[] = {
  OCI_UINT_F (oci_user, uid, "uid", U32),
  OCI_UINT_F (oci_user, gid, "gid", U32),
  OCI_UINT_F (oci_user, umask, "umask", U32),
  OCI_U32S (oci_user, additional_gids, "additionalGids"),
  OCI_STR (oci_user, username, "username"),
};
static const oci_struct_desc user_d = OCI_DESC (oci_user, user_f);

static const oci_field caps_f[] = {
  OCI_STRS (oci_capabilities, bounding, "bounding"),
  OCI_STRS (oci_capabilities, effective, "effective"),
  OCI_STRS (oci_capabilities, inheritable, "inheritable"),
  OCI_STRS (oci_capabilities, permitted, "permitted"),
  OCI_STRS (oci_capabilities, ambient, "ambient"),
};
static const oci_struct_desc caps_d = OCI_DESC (oci_capabilities, caps_f);

static const oci_field rlimit_f[] = {
  OCI_STR (oci_rlimit, type, "type"),
  OCI_UINT (oci_rlimit, hard, "hard"),
  OCI_UINT (oci_rlimit, soft, "soft"),
};
static const oci_struct_desc rlimit_d = OCI_DESC (oci_rlimit, rlimit_f);

static const oci_field scheduler_f[] = {
  OCI_STR (oci_scheduler, policy, "policy"),
  OCI_INT_F (oci_scheduler, nice, "nice", U32),
  OCI_INT_F (oci_scheduler, priority, "priority", U32),
  OCI_STRS (oci_scheduler, flags, "flags"),
  OCI_UINT (oci_scheduler, runtime, "runtime"),
  OCI_UINT (oci_scheduler, deadline, "deadline"),
  OCI_UINT (oci_scheduler, period, "period"),
};
static const oci_struct_desc scheduler_d = OCI_DESC (oci_scheduler, scheduler_f);

static const oci_field io_priority_f[] = {
  OCI_STR (oci_io_priority, class_, "class"),
  OCI_INT_F (oci_io_priority, priority, "priority", U32),
};
static const oci_struct_desc io_priority_d = OCI_DESC (oci_io_priority, io_priority_f);

static const oci_field cpu_affinity_f[] = {
  OCI_STR (oci_cpu_affinity, initial, "initial"),
  OCI_STR (oci_cpu_affinity, final, "final"),
};
static const oci_struct_desc cpu_affinity_d = OCI_DESC (oci_cpu_affinity, cpu_affinity_f);

static const oci_field process_f[] = {
  OCI_BOOL (oci_process, terminal, "terminal"),
  OCI_OBJ (oci_process, console_size, "consoleSize", oci_console_size, console_size_d),
  OCI_OBJ (oci_process, user, "user", oci_user, user_d),
  OCI_STRS (oci_process, args, "args"),
  OCI_STR (oci_process, command_line, "commandLine"),
  OCI_STRS (oci_process, env, "env"),
  OCI_STR (oci_process, cwd, "cwd"),
  OCI_OBJ (oci_process, capabilities, "capabilities", oci_capabilities, caps_d),
  OCI_OBJS (oci_process, rlimits, "rlimits", oci_rlimit, rlimit_d),
  OCI_BOOL (oci_process, no_new_privileges, "noNewPrivileges"),
  OCI_STR (oci_process, apparmor_profile, "apparmorProfile"),
  OCI_INT_F (oci_process, oom_score_adj, "oomScoreAdj", U32),
  OCI_OBJ (oci_process, scheduler, "scheduler", oci_scheduler, scheduler_d),
  OCI_STR (oci_process, selinux_label, "selinuxLabel"),
  OCI_OBJ (oci_process, io_priority, "ioPriority", oci_io_priority, io_priority_d),
  OCI_OBJ (oci_process, exec_cpu_affinity, "execCPUAffinity", oci_cpu_affinity, cpu_affinity_d),
};
static const oci_struct_desc process_d = OCI_DESC (oci_process, process_f);

/* ---- root, mounts, hooks ---- */
static const oci_field root_f[] = {
  OCI_STR (oci_root, path, "path"),
  OCI_BOOL (oci_root, readonly, "readonly"),
};
static const oci_struct_desc root_d = OCI_DESC (oci_root, root_f);

static const oci_field id_mapping_f[] = {
  OCI_UINT_F (oci_id_mapping, container_id, "containerID", U32),
  OCI_UINT_F (oci_id_mapping, host_id, "hostID", U32),
  OCI_UINT_F (oci_id_mapping, size, "size", U32),
};
static const oci_struct_desc id_mapping_d = OCI_DESC (oci_id_mapping, id_mapping_f);

static const oci_field mount_f[] = {
  OCI_STR (oci_mount, destination, "destination"),
  OCI_STR (oci_mount, type, "type"),
  OCI_STR (oci_mount, source, "source"),
  OCI_STRS (oci_mount, options, "options"),
  OCI_OBJS (oci_mount, uid_mappings, "uidMappings", oci_id_mapping, id_mapping_d),
  OCI_OBJS (oci_mount, gid_mappings, "gidMappings", oci_id_mapping, id_mapping_d),
};
static const oci_struct_desc mount_d = OCI_DESC (oci_mount, mount_f);

static const oci_field hook_f[] = {
  OCI_STR (oci_hook, path, "path"),
  OCI_STRS (oci_hook, args, "args"),
  OCI_STRS (oci_hook, env, "env"),
  OCI_INT (oci_hook, timeout, "timeout"),
};
static const oci_struct_desc hook_d = OCI_DESC (oci_hook, hook_f);

static const oci_field hooks_f[] = {
  OCI_OBJS (oci_hooks, prestart, "prestart", oci_hook, hook_d),
  OCI_OBJS (oci_hooks, create_runtime, "createRuntime", oci_hook, hook_d),
  OCI_OBJS (oci_hooks, create_container, "createContainer", oci_hook, hook_d),
  OCI_OBJS (oci_hooks, start_container, "startContainer", oci_hook, hook_d),
  OCI_OBJS (oci_hooks, poststart, "poststart", oci_hook, hook_d),
  OCI_OBJS (oci_hooks, poststop, "poststop", oci_hook, hook_d),
};
static const oci_struct_desc hooks_d = OCI_DESC (oci_hooks, hooks_f);

/* ---- linux: namespaces, devices, misc ---- */
static const oci_field namespace_f[] = {
  OCI_STR (oci_namespace, type, "type"),
  OCI_STR (oci_namespace, path, "path"),
};
static const oci_struct_desc namespace_d = OCI_DESC (oci_namespace, namespace_f);

static const oci_field time_offset_f[] = {
  OCI_INT (oci_time_offset, secs, "secs"),
  OCI_UINT_F (oci_time_offset, nanosecs, "nanosecs", U32),
};
static const oci_struct_desc time_offset_d = OCI_DESC (oci_time_offset, time_offset_f);

static const oci_field device_f[] = {
  OCI_STR (oci_device, path, "path"),
  OCI_STR (oci_device, type, "type"),
  OCI_INT (oci_device, major, "major"),
  OCI_INT (oci_device, minor, "minor"),
  OCI_UINT_F (oci_device, file_mode, "fileMode", U32),
  OCI_UINT_F (oci_device, uid, "uid", U32),
  OCI_UINT_F (oci_device, gid, "gid", U32),
};
static const oci_struct_desc device_d = OCI_DESC (oci_device, device_f);

static const oci_field personality_f[] = {
  OCI_STR (oci_personality, domain, "domain"),
  OCI_STRS (oci_personality, flags, "flags"),
};
static const oci_struct_desc personality_d = OCI_DESC (oci_personality, personality_f);

static const oci_field intel_rdt_f[] = {
  OCI_STR (oci_intel_rdt, clos_id, "closID"),
  OCI_STR (oci_intel_rdt, l3_cache_schema, "l3CacheSchema"),
  OCI_STR (oci_intel_rdt, mem_bw_schema, "memBwSchema"),
  OCI_BOOL (oci_intel_rdt, enable_cmt, "enableCMT"),
  OCI_BOOL (oci_intel_rdt, enable_mbm, "enableMBM"),
};
static const oci_struct_desc intel_rdt_d = OCI_DESC (oci_intel_rdt, intel_rdt_f);

/* host_name is the map key, not a JSON field of the value. */
static const oci_field net_device_f[] = {
  OCI_STR (oci_net_device, name, "name"),
};
static const oci_struct_desc net_device_d = OCI_DESC (oci_net_device, net_device_f);

/* ---- linux.seccomp ---- */
static const oci_field seccomp_arg_f[] = {
  OCI_UINT (oci_seccomp_arg, index, "index"),
  OCI_UINT (oci_seccomp_arg, value, "value"),
  OCI_UINT (oci_seccomp_arg, value_two, "valueTwo"),
  OCI_STR (oci_seccomp_arg, op, "op"),
};
static const oci_struct_desc seccomp_arg_d = OCI_DESC (oci_seccomp_arg, seccomp_arg_f);

static const oci_field syscall_f[] = {
  OCI_STRS (oci_syscall, names, "names"),
  OCI_STR (oci_syscall, action, "action"),
  OCI_UINT_F (oci_syscall, errno_ret, "errnoRet", U32),
  OCI_OBJS (oci_syscall, args, "args", oci_seccomp_arg, seccomp_arg_d),
};
static const oci_struct_desc syscall_d = OCI_DESC (oci_syscall, syscall_f);

static const oci_field seccomp_f[] = {
  OCI_STR (oci_seccomp, default_action, "defaultAction"),
  OCI_UINT_F (oci_seccomp, default_errno_ret, "defaultErrnoRet", U32),
  OCI_STRS (oci_seccomp, architectures, "architectures"),
  OCI_STRS (oci_seccomp, flags, "flags"),
  OCI_STR (oci_seccomp, listener_path, "listenerPath"),
  OCI_STR (oci_seccomp, listener_metadata, "listenerMetadata"),
  OCI_OBJS (oci_seccomp, syscalls, "syscalls", oci_syscall, syscall_d),
};
static const oci_struct_desc seccomp_d = OCI_DESC (oci_seccomp, seccomp_f);

/* ---- linux.resources ---- */
static const oci_field device_cgroup_f[] = {
  OCI_BOOL (oci_device_cgroup, allow, "allow"),
  OCI_STR (oci_device_cgroup, type, "type"),
  OCI_INT (oci_device_cgroup, major, "major"),
  OCI_INT (oci_device_cgroup, minor, "minor"),
  OCI_STR (oci_device_cgroup, access, "access"),
};
static const oci_struct_desc device_cgroup_d = OCI_DESC (oci_device_cgroup, device_cgroup_f);

static const oci_field memory_f[] = {
  OCI_INT (oci_memory, limit, "limit"),
  OCI_INT (oci_memory, reservation, "reservation"),
  OCI_INT (oci_memory, swap, "swap"),
  OCI_INT (oci_memory, kernel, "kernel"),
  OCI_INT (oci_memory, kernel_tcp, "kernelTCP"),
  OCI_UINT (oci_memory, swappiness, "swappiness"),
  OCI_BOOL (oci_memory, disable_oom_killer, "disableOOMKiller"),
  OCI_BOOL (oci_memory, use_hierarchy, "useHierarchy"),
  OCI_BOOL (oci_memory, check_before_update, "checkBeforeUpdate"),
};
static const oci_struct_desc memory_d = OCI_DESC (oci_memory, memory_f);

static const oci_field cpu_f[] = {
  OCI_UINT (oci_cpu, shares, "shares"),
  OCI_INT (oci_cpu, quota, "quota"),
  OCI_UINT (oci_cpu, burst, "burst"),
  OCI_UINT (oci_cpu, period, "period"),
  OCI_INT (oci_cpu, realtime_runtime, "realtimeRuntime"),
  OCI_UINT (oci_cpu, realtime_period, "realtimePeriod"),
  OCI_STR (oci_cpu, cpus, "cpus"),
  OCI_STR (oci_cpu, mems, "mems"),
  OCI_INT (oci_cpu, idle, "idle"),
};
static const oci_struct_desc cpu_d = OCI_DESC (oci_cpu, cpu_f);

static const oci_field pids_f[] = {
  OCI_INT (oci_pids, limit, "limit"),
};
static const oci_struct_desc pids_d = OCI_DESC (oci_pids, pids_f);

static const oci_field weight_device_f[] = {
  OCI_INT (oci_weight_device, major, "major"),
  OCI_INT (oci_weight_device, minor, "minor"),
  OCI_UINT (oci_weight_device, weight, "weight"),
  OCI_UINT (oci_weight_device, leaf_weight, "leafWeight"),
};
static const oci_struct_desc weight_device_d = OCI_DESC (oci_weight_device, weight_device_f);

static const oci_field throttle_f[] = {
  OCI_INT (oci_throttle_device, major, "major"),
  OCI_INT (oci_throttle_device, minor, "minor"),
  OCI_UINT (oci_throttle_device, rate, "rate"),
};
static const oci_struct_desc throttle_d = OCI_DESC (oci_throttle_device, throttle_f);

static const oci_field block_io_f[] = {
  OCI_UINT (oci_block_io, weight, "weight"),
  OCI_UINT (oci_block_io, leaf_weight, "leafWeight"),
  OCI_OBJS (oci_block_io, weight_device, "weightDevice", oci_weight_device, weight_device_d),
  OCI_OBJS (oci_block_io, throttle_read_bps_device, "throttleReadBpsDevice", oci_throttle_device,
            throttle_d),
  OCI_OBJS (oci_block_io, throttle_write_bps_device, "throttleWriteBpsDevice",
            oci_throttle_device, throttle_d),
  OCI_OBJS (oci_block_io, throttle_read_iops_device, "throttleReadIOPSDevice",
            oci_throttle_device, throttle_d),
  OCI_OBJS (oci_block_io, throttle_write_iops_device, "throttleWriteIOPSDevice",
            oci_throttle_device, throttle_d),
};
static const oci_struct_desc block_io_d = OCI_DESC (oci_block_io, block_io_f);

static const oci_field hugepage_f[] = {
  OCI_STR (oci_hugepage_limit, page_size, "pageSize"),
  OCI_UINT (oci_hugepage_limit, limit, "limit"),
};
static const oci_struct_desc hugepage_d = OCI_DESC (oci_hugepage_limit, hugepage_f);

static const oci_field if_priority_f[] = {
  OCI_STR (oci_interface_priority, name, "name"),
  OCI_UINT_F (oci_interface_priority, priority, "priority", U32),
};
static const oci_struct_desc if_priority_d = OCI_DESC (oci_interface_priority, if_priority_f);

static const oci_field network_f[] = {
  OCI_UINT_F (oci_network, class_id, "classID", U32),
  OCI_OBJS (oci_network, priorities, "priorities", oci_interface_priority, if_priority_d),
};
static const oci_struct_desc network_d = OCI_DESC (oci_network, network_f);

/* name is the map key (the RDMA device). */
static const oci_field rdma_f[] = {
  OCI_UINT_F (oci_rdma, hca_handles, "hcaHandles", U32),
  OCI_UINT_F (oci_rdma, hca_objects, "hcaObjects", U32),
};
static const oci_struct_desc rdma_d = OCI_DESC (oci_rdma, rdma_f);

static const oci_field resources_f[] = {
  OCI_OBJS (oci_resources, devices, "devices", oci_device_cgroup, device_cgroup_d),
  OCI_OBJ (oci_resources, memory, "memory", oci_memory, memory_d),
  OCI_OBJ (oci_resources, cpu, "cpu", oci_cpu, cpu_d),
  OCI_OBJ (oci_resources, pids, "pids", oci_pids, pids_d),
  OCI_OBJ (oci_resources, block_io, "blockIO", oci_block_io, block_io_d),
  OCI_OBJS (oci_resources, hugepage_limits, "hugepageLimits", oci_hugepage_limit, hugepage_d),
  OCI_OBJ (oci_resources, network, "network", oci_network, network_d),
  OCI_KEYED (oci_resources, rdma, "rdma", oci_rdma, name, rdma_d),
  OCI_MAP (oci_resources, unified, "unified"),
};
static const oci_struct_desc resources_d = OCI_DESC (oci_resources, resources_f);

/* ---- linux, spec ---- */
static const oci_field linux_f[] = {
  OCI_OBJS (oci_linux, uid_mappings, "uidMappings", oci_id_mapping, id_mapping_d),
  OCI_OBJS (oci_linux, gid_mappings, "gidMappings", oci_id_mapping, id_mapping_d),
  OCI_MAP (oci_linux, sysctl, "sysctl"),
  OCI_OBJ (oci_linux, resources, "resources", oci_resources, resources_d),
  OCI_STR (oci_linux, cgroups_path, "cgroupsPath"),
  OCI_OBJS (oci_linux, namespaces, "namespaces", oci_namespace, namespace_d),
  OCI_OBJS (oci_linux, devices, "devices", oci_device, device_d),
  OCI_OBJ (oci_linux, seccomp, "seccomp", oci_seccomp, seccomp_d),
  OCI_STR (oci_linux, rootfs_propagation, "rootfsPropagation"),
  OCI_STRS (oci_linux, masked_paths, "maskedPaths"),
  OCI_STRS (oci_linux, readonly_paths, "readonlyPaths"),
  OCI_STR (oci_linux, mount_label, "mountLabel"),
  OCI_OBJ (oci_linux, intel_rdt, "intelRdt", oci_intel_rdt, intel_rdt_d),
  OCI_OBJ (oci_linux, personality, "personality", oci_personality, personality_d),
  OCI_KEYED (oci_linux, time_offsets, "timeOffsets", oci_time_offset, name, time_offset_d),
  OCI_KEYED (oci_linux, net_devices, "netDevices", oci_net_device, host_name, net_device_d),
};
static const oci_struct_desc linux_d = OCI_DESC (oci_linux, linux_f);

static const oci_field spec_f[] = {
  OCI_STR (oci_spec, oci_version, "ociVersion"),
  OCI_OBJ (oci_spec, process, "process", oci_process, process_d),
  OCI_OBJ (oci_spec, root, "root", oci_root, root_d),
  OCI_STR (oci_spec, hostname, "hostname"),
  OCI_STR (oci_spec, domainname, "domainname"),
  OCI_OBJS (oci_spec, mounts, "mounts", oci_mount, mount_d),
  OCI_OBJ (oci_spec, hooks, "hooks", oci_hooks, hooks_d),
  OCI_MAP (oci_spec, annotations, "annotations"),
  OCI_OBJ (oci_spec, linux_, "linux", oci_linux, linux_d),
};
static const oci_struct_desc spec_d = OCI_DESC (oci_spec, spec_f);

int
oci_spec_parse (const char *json, size_t len, oci_spec **out, char **errmsg)
{
  return oci_json_parse_doc (&spec_d, json, len, (void **) out, errmsg);
}

char *
oci_spec_to_json (const oci_spec *spec, bool pretty)
{
  return oci_json_to_text (&spec_d, spec, pretty, NULL);
}

char *
oci_spec_to_json_indent (const oci_spec *spec, const char *indent)
{
  return oci_json_to_text (&spec_d, spec, true, indent);
}

void
oci_spec_free (oci_spec *spec)
{
  oci_json_free (&spec_d, spec);
}

void
oci_process_free (oci_process *process)
{
  oci_json_free (&process_d, process);
}

int
oci_process_parse (const char *json, size_t len, oci_process **out, char **errmsg)
{
  return oci_json_parse_doc (&process_d, json, len, (void **) out, errmsg);
}

char *
oci_process_to_json (const oci_process *process, bool pretty)
{
  return oci_json_to_text (&process_d, process, pretty, NULL);
}

/* `runc update --resources file` takes a bare linux.resources document. */
int
oci_resources_parse (const char *json, size_t len, oci_resources **out, char **errmsg)
{
  return oci_json_parse_doc (&resources_d, json, len, (void **) out, errmsg);
}

char *
oci_resources_to_json (const oci_resources *resources, bool pretty)
{
  return oci_json_to_text (&resources_d, resources, pretty, NULL);
}

void
oci_resources_free (oci_resources *resources)
{
  oci_json_free (&resources_d, resources);
}
