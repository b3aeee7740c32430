/* skiff's own model of the OCI runtime-spec 1.2 documents: config.json, the
 * runtime state and the features document.
 *
 * Conventions (every struct follows them, the generic table-driven parser in
 * oci_json.c relies on it):
 *  - strings are `char *`, NULL when absent;
 *  - optional scalars are oci_int/oci_uint/oci_bool with a `set` flag;
 *  - arrays are a pointer plus a `n_<name>` count;
 *  - string maps are oci_map (parallel key/value arrays, insertion order);
 *  - nested objects are pointers, NULL when absent.
 * Unknown fields are ignored when parsing (never fatal). */
#ifndef OCI_TYPES_H
#define OCI_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct { int64_t value; bool set; } oci_int;
typedef struct { uint64_t value; bool set; } oci_uint;
typedef struct { bool value; bool set; } oci_bool;

typedef struct {
  size_t len;
  char **keys;
  char **values;
} oci_map;

/* ---- process ---- */
typedef struct { oci_uint height; oci_uint width; } oci_console_size;

typedef struct {
  oci_uint uid;
  oci_uint gid;
  oci_uint umask;
  uint32_t *additional_gids; size_t n_additional_gids;
  char *username;
} oci_user;

typedef struct {
  char **bounding; size_t n_bounding;
  char **effective; size_t n_effective;
  char **inheritable; size_t n_inheritable;
  char **permitted; size_t n_permitted;
  char **ambient; size_t n_ambient;
} oci_capabilities;

typedef struct { char *type; oci_uint hard; oci_uint soft; } oci_rlimit;

typedef struct {
  char *policy;
  oci_int nice;
  oci_int priority;
  char **flags; size_t n_flags;
  oci_uint runtime;
  oci_uint deadline;
  oci_uint period;
} oci_scheduler;

typedef struct { char *class_; oci_int priority; } oci_io_priority;  /* JSON "class" */
typedef struct { char *initial; char *final; } oci_cpu_affinity;

typedef struct {
  oci_bool terminal;
  oci_console_size *console_size;
  oci_user *user;             /* required on Linux by the spec; NULL when absent = uid 0, gid 0 */
  char **args; size_t n_args;
  char *command_line;         /* Windows only, kept for round trips */
  char **env; size_t n_env;
  char *cwd;
  oci_capabilities *capabilities;
  oci_rlimit *rlimits; size_t n_rlimits;
  oci_bool no_new_privileges;
  char *apparmor_profile;
  oci_int oom_score_adj;
  oci_scheduler *scheduler;
  char *selinux_label;
  oci_io_priority *io_priority;
  oci_cpu_affinity *exec_cpu_affinity;
} oci_process;

/* ---- root, mounts, hooks ---- */
typedef struct { char *path; oci_bool readonly; } oci_root;

typedef struct { oci_uint container_id; oci_uint host_id; oci_uint size; } oci_id_mapping;

typedef struct {
  char *destination;
  char *source;
  char **options; size_t n_options;
  char *type;
  oci_id_mapping *uid_mappings; size_t n_uid_mappings;
  oci_id_mapping *gid_mappings; size_t n_gid_mappings;
} oci_mount;

typedef struct {
  char *path;
  char **args; size_t n_args;
  char **env; size_t n_env;
  oci_int timeout;
} oci_hook;

typedef struct {
  oci_hook *prestart; size_t n_prestart;
  oci_hook *create_runtime; size_t n_create_runtime;
  oci_hook *create_container; size_t n_create_container;
  oci_hook *start_container; size_t n_start_container;
  oci_hook *poststart; size_t n_poststart;
  oci_hook *poststop; size_t n_poststop;
} oci_hooks;

/* ---- linux ---- */
typedef struct { char *type; char *path; } oci_namespace;

typedef struct { char *name; oci_int secs; oci_uint nanosecs; } oci_time_offset; /* name = "boottime"/"monotonic" (map key) */

typedef struct {
  char *type;      /* c, b, u, p */
  char *path;
  oci_int major;
  oci_int minor;
  oci_uint file_mode;
  oci_uint uid;
  oci_uint gid;
} oci_device;

typedef struct {
  oci_bool allow;
  char *type;
  oci_int major;
  oci_int minor;
  char *access;
} oci_device_cgroup;

typedef struct {
  oci_int limit;
  oci_int reservation;
  oci_int swap;
  oci_int kernel;
  oci_int kernel_tcp;
  oci_uint swappiness;
  oci_bool disable_oom_killer;
  oci_bool use_hierarchy;
  oci_bool check_before_update;
} oci_memory;

typedef struct {
  oci_uint shares;
  oci_int quota;
  oci_uint burst;
  oci_uint period;
  oci_int realtime_runtime;
  oci_uint realtime_period;
  char *cpus;
  char *mems;
  oci_int idle;
} oci_cpu;

typedef struct { oci_int limit; } oci_pids;

typedef struct { oci_int major; oci_int minor; oci_uint weight; oci_uint leaf_weight; } oci_weight_device;
typedef struct { oci_int major; oci_int minor; oci_uint rate; } oci_throttle_device;

typedef struct {
  oci_uint weight;
  oci_uint leaf_weight;
  oci_weight_device *weight_device; size_t n_weight_device;
  oci_throttle_device *throttle_read_bps_device; size_t n_throttle_read_bps_device;
  oci_throttle_device *throttle_write_bps_device; size_t n_throttle_write_bps_device;
  oci_throttle_device *throttle_read_iops_device; size_t n_throttle_read_iops_device;
  oci_throttle_device *throttle_write_iops_device; size_t n_throttle_write_iops_device;
} oci_block_io;

typedef struct { char *page_size; oci_uint limit; } oci_hugepage_limit;
typedef struct { char *name; oci_uint priority; } oci_interface_priority;
typedef struct {
  oci_uint class_id;
  oci_interface_priority *priorities; size_t n_priorities;
} oci_network;

typedef struct { char *name; oci_uint hca_handles; oci_uint hca_objects; } oci_rdma; /* name = map key */

typedef struct {
  oci_device_cgroup *devices; size_t n_devices;
  oci_memory *memory;
  oci_cpu *cpu;
  oci_pids *pids;
  oci_block_io *block_io;
  oci_hugepage_limit *hugepage_limits; size_t n_hugepage_limits;
  oci_network *network;
  oci_rdma *rdma; size_t n_rdma;     /* JSON object keyed by device name */
  oci_map unified;
} oci_resources;

typedef struct {
  oci_uint index;
  oci_uint value;
  oci_uint value_two;
  char *op;
} oci_seccomp_arg;

typedef struct {
  char **names; size_t n_names;
  char *action;
  oci_uint errno_ret;
  oci_seccomp_arg *args; size_t n_args;
} oci_syscall;

typedef struct {
  char *default_action;
  oci_uint default_errno_ret;
  char **architectures; size_t n_architectures;
  char **flags; size_t n_flags;
  char *listener_path;
  char *listener_metadata;
  oci_syscall *syscalls; size_t n_syscalls;
} oci_seccomp;

typedef struct { char *domain; char **flags; size_t n_flags; } oci_personality;

typedef struct {
  char *clos_id;
  char *l3_cache_schema;
  char *mem_bw_schema;
  oci_bool enable_cmt;
  oci_bool enable_mbm;
} oci_intel_rdt;

typedef struct { char *host_name; char *name; } oci_net_device; /* host_name = map key */

typedef struct {
  oci_namespace *namespaces; size_t n_namespaces;
  oci_id_mapping *uid_mappings; size_t n_uid_mappings;
  oci_id_mapping *gid_mappings; size_t n_gid_mappings;
  oci_time_offset *time_offsets; size_t n_time_offsets;  /* JSON object keyed by clock */
  oci_device *devices; size_t n_devices;
  char *cgroups_path;
  oci_resources *resources;
  char *rootfs_propagation;
  oci_seccomp *seccomp;
  oci_map sysctl;
  char **masked_paths; size_t n_masked_paths;
  char **readonly_paths; size_t n_readonly_paths;
  char *mount_label;
  oci_personality *personality;
  oci_intel_rdt *intel_rdt;
  oci_net_device *net_devices; size_t n_net_devices;     /* JSON object keyed by host name */
} oci_linux;

typedef struct {
  char *oci_version;
  oci_process *process;
  oci_root *root;
  char *hostname;
  char *domainname;
  oci_mount *mounts; size_t n_mounts;
  oci_hooks *hooks;
  oci_map annotations;
  oci_linux *linux_;  /* JSON "linux" (`linux` is a predefined macro in GNU C) */
} oci_spec;

/* ---- runtime state (runc's shape: the spec's fields + rootfs, created, owner) ---- */
typedef struct {
  char *oci_version;
  char *id;
  char *status;   /* creating, created, running, paused, stopped */
  oci_int pid;
  char *bundle;
  char *rootfs;
  char *created;  /* RFC 3339 with nanoseconds */
  char *owner;
  oci_map annotations;
} oci_state;

/* ---- the container process state sent to a seccomp agent (config-linux.md,
 * "The Container Process State"): names of the fds passed with SCM_RIGHTS, in
 * their order, the process they belong to and the container's state. ---- */
typedef struct {
  char *oci_version;
  char **fds; size_t n_fds;
  oci_int pid;
  char *metadata;
  oci_state *state;
} oci_process_state;

/* ---- features document ---- */
typedef struct { oci_bool v1; oci_bool v2; oci_bool systemd; oci_bool systemd_user; oci_bool rdma; } oci_features_cgroup;
typedef struct {
  oci_bool enabled;
  char **actions; size_t n_actions;
  char **operators; size_t n_operators;
  char **archs; size_t n_archs;
  char **known_flags; size_t n_known_flags;
  char **supported_flags; size_t n_supported_flags;
} oci_features_seccomp;
typedef struct { oci_bool enabled; } oci_features_enabled;
typedef struct { oci_features_enabled *idmap; } oci_features_mount_ext;
typedef struct {
  char **namespaces; size_t n_namespaces;
  char **capabilities; size_t n_capabilities;
  oci_features_cgroup *cgroup;
  oci_features_seccomp *seccomp;
  oci_features_enabled *apparmor;
  oci_features_enabled *selinux;
  oci_features_enabled *intel_rdt;
  oci_features_mount_ext *mount_extensions;
  oci_features_enabled *net_devices;  /* JSON "netDevices" (added after 1.2.0) */
} oci_features_linux;
typedef struct {
  char *oci_version_min;
  char *oci_version_max;
  char **hooks; size_t n_hooks;
  char **mount_options; size_t n_mount_options;
  oci_features_linux *linux_;
  oci_map annotations;
  char **potentially_unsafe_config_annotations; size_t n_potentially_unsafe_config_annotations;
} oci_features;

#endif
