/* libocispec parsing and serialization: real configs round-trip, every field
 * of the model is read, structural errors name the JSON path. */
#include <stdint.h>
#include <sys/resource.h>
#include <unistd.h>

#include "oci.h"
#include "check.h"

/* parse -> serialize -> parse -> serialize must be a fixed point, in both
 * output styles, and the config must validate. Returns the parsed spec. */
static oci_spec *
check_round_trip (const char *name, const char *json)
{
  oci_spec *a = NULL, *b = NULL;
  char *err = NULL, *ja, *jb, *ca, *cb;

  if (oci_spec_parse (json, strlen (json), &a, &err) < 0)
    {
      fprintf (stderr, "%s: parse failed: %s\n", name, err);
      test_failures++;
      free (err);
      return NULL;
    }
  CHECK (oci_spec_validate (a, &err) == 0);
  if (err)
    fprintf (stderr, "%s: validate: %s\n", name, err), free (err), err = NULL;
  ja = oci_spec_to_json (a, true);
  CHECK (ja != NULL && oci_spec_parse (ja, strlen (ja), &b, &err) == 0);
  jb = oci_spec_to_json (b, true);
  CHECK_STR (jb, ja);
  ca = oci_spec_to_json (a, false);
  cb = oci_spec_to_json (b, false);
  CHECK_STR (cb, ca);
  CHECK (ca && strchr (ca, '\n') == NULL);
  free (err);
  free (ja), free (jb), free (ca), free (cb);
  oci_spec_free (b);
  return a;
}

static void
test_data_files (void)
{
  static const char *const files[] = { "runc-spec.json", "runc-spec-rootless.json", "full.json" };
  size_t i;

  for (i = 0; i < sizeof (files) / sizeof (files[0]); i++)
    {
      char *json = test_read_data (files[i]);

      oci_spec_free (check_round_trip (files[i], json));
      free (json);
    }
}

static void
test_full_fields (void)
{
  char *json = test_read_data ("full.json");
  oci_spec *s = check_round_trip ("full.json", json);
  oci_linux *l;

  free (json);
  CHECK (s != NULL);
  if (s == NULL)
    return;
  l = s->linux_;
  CHECK (s->process->user->n_additional_gids == 2
         && s->process->user->additional_gids[1] == UINT32_MAX);
  CHECK (s->process->rlimits[0].hard.value == UINT64_MAX && s->process->rlimits[0].soft.set);
  CHECK (s->process->oom_score_adj.set && s->process->oom_score_adj.value == -1000);
  CHECK (s->process->terminal.set && !s->process->terminal.value);
  CHECK_STR (s->process->io_priority->class_, "IOPRIO_CLASS_BE");
  CHECK_STR (s->process->exec_cpu_affinity->final, "0-3");
  CHECK (s->process->console_size->width.value == 80);
  CHECK_STR (s->mounts[1].destination, "data");
  CHECK (s->mounts[1].n_uid_mappings == 1 && s->mounts[1].uid_mappings[0].host_id.value == 100000);
  CHECK (s->hooks->n_poststop == 1 && s->hooks->poststop[0].timeout.set);
  CHECK_STR (oci_map_get (&s->annotations, "empty"), "");
  CHECK_STR (oci_map_get (&l->sysctl, "kernel.msgmax"), "8192");
  CHECK (l->n_time_offsets == 2);
  CHECK_STR (l->time_offsets[0].name, "monotonic");
  CHECK (l->time_offsets[0].secs.value == -3600);
  CHECK (l->time_offsets[1].nanosecs.value == 999999999);
  CHECK (l->n_net_devices == 2);
  CHECK_STR (l->net_devices[0].host_name, "eth1");
  CHECK_STR (l->net_devices[0].name, "net1");
  CHECK_STR (l->net_devices[1].host_name, "ens4");
  CHECK (l->net_devices[1].name == NULL);
  CHECK (l->resources->n_rdma == 2);
  CHECK_STR (l->resources->rdma[0].name, "mlx5_1");
  CHECK (l->resources->rdma[0].hca_objects.value == 10000);
  CHECK (!l->resources->rdma[1].hca_objects.set);
  CHECK_STR (oci_map_get (&l->resources->unified, "io.weight"), "default 100");
  CHECK (l->resources->devices[1].minor.value == -1);
  CHECK (l->resources->memory->check_before_update.value);
  CHECK (l->resources->cpu->idle.value == 1 && l->resources->cpu->burst.value == 5000);
  CHECK (l->resources->block_io->n_throttle_write_iops_device == 1
         && l->resources->block_io->throttle_write_iops_device[0].rate.value == 200);
  CHECK_STR (l->resources->hugepage_limits[0].page_size, "2MB");
  CHECK (l->resources->network->class_id.value == 1048577);
  CHECK (l->seccomp->syscalls[1].args[0].value.value == UINT64_MAX);
  CHECK (l->seccomp->syscalls[1].errno_ret.value == 38);
  CHECK_STR (l->seccomp->listener_metadata, "meta");
  CHECK (l->devices[0].file_mode.value == 0666);
  CHECK_STR (l->intel_rdt->clos_id, "clos1");
  CHECK (l->intel_rdt->enable_cmt.value && l->intel_rdt->enable_mbm.set);
  CHECK (l->personality->n_flags == 0);
  oci_spec_free (s);
}

/* skiff spec's default equals runc 1.1's `runc spec` modulo our version
 * and hostname (tests/integration/test_lifecycle.py checks the same live). */
static void
check_default_matches_runc (const char *runc_file, bool rootless)
{
  char *runc_json = test_read_data (runc_file), *ours = oci_spec_default_json (rootless);
  oci_spec *s = NULL;
  char *err = NULL, *theirs;

  CHECK (ours != NULL);
  CHECK (oci_spec_parse (runc_json, strlen (runc_json), &s, &err) == 0);
  if (s == NULL || ours == NULL)
    return;
  free (s->oci_version), s->oci_version = strdup ("1.2.0");
  free (s->hostname), s->hostname = strdup ("skiff");
  /* runc's file was generated as root: host ids 0. */
  if (rootless)
    {
      s->linux_->uid_mappings[0].host_id.value = geteuid ();
      s->linux_->gid_mappings[0].host_id.value = getegid ();
    }
  theirs = oci_spec_to_json_indent (s, "\t");
  CHECK_STR (ours, theirs);
  oci_spec_free (check_round_trip (rootless ? "default-rootless" : "default", ours));
  free (theirs), free (ours), free (runc_json), free (err);
  oci_spec_free (s);
}

static void
test_unknown_and_null (void)
{
  const char *json = "{\"ociVersion\":\"1.2.0\",\"future\":{\"x\":[1,2.5,null]},"
                     "\"hostname\":null,\"root\":{\"path\":\"r\",\"extra\":1},"
                     "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"weird\":true},"
                     "\"domainname\":\"a\",\"domainname\":\"b\"}";
  oci_spec *s = NULL;
  char *err = NULL, *out;

  CHECK (oci_spec_parse (json, strlen (json), &s, &err) == 0);
  CHECK_STR (err, NULL);
  if (s == NULL)
    return;
  CHECK (s->hostname == NULL);
  CHECK (s->process->user == NULL); /* absent user stays NULL: uid 0 gid 0 */
  CHECK_STR (s->domainname, "b");   /* last duplicate wins, like Go */
  out = oci_spec_to_json (s, false);
  CHECK_STR (out, "{\"ociVersion\":\"1.2.0\",\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"},"
                  "\"root\":{\"path\":\"r\"},\"domainname\":\"b\"}");
  free (out);
  oci_spec_free (s);
}

static void
test_empty_objects (void)
{
  const char *json = "{\"linux\":{\"resources\":{}}}";
  oci_spec *s = NULL;
  char *err = NULL, *out;

  CHECK (oci_spec_parse (json, strlen (json), &s, &err) == 0);
  out = oci_spec_to_json (s, true);
  CHECK_STR (out, "{\n  \"linux\": {\n    \"resources\": {}\n  }\n}");
  free (out);
  out = oci_spec_to_json (s, false);
  CHECK_STR (out, json);
  free (out);
  oci_spec_free (s);
}

static const struct
{
  const char *json;
  const char *error; /* exact */
} parse_errors[] = {
  { "{\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"net\"},{\"type\":5}]}}",
    "linux.namespaces[2].type: expected a string" },
  { "{\"process\":{\"user\":{\"uid\":1.5}}}", "process.user.uid: expected an integer, got 1.5" },
  { "{\"process\":{\"user\":{\"uid\":4294967296}}}",
    "process.user.uid: integer out of range: 4294967296" },
  { "{\"process\":{\"user\":{\"gid\":-1}}}",
    "process.user.gid: expected a non-negative integer, got -1" },
  { "{\"process\":{\"user\":{\"additionalGids\":[1,\"x\"]}}}",
    "process.user.additionalGids[1]: expected an integer" },
  { "{\"process\":{\"user\":{\"additionalGids\":[4294967296]}}}",
    "process.user.additionalGids[0]: integer out of range: 4294967296" },
  { "{\"process\":{\"terminal\":\"yes\"}}", "process.terminal: expected a boolean" },
  { "{\"process\":{\"oomScoreAdj\":2147483648}}",
    "process.oomScoreAdj: integer out of range: 2147483648" },
  { "{\"process\":{\"args\":\"sh\"}}", "process.args: expected an array" },
  { "{\"linux\":{\"timeOffsets\":{\"boottime\":{\"secs\":\"x\"}}}}",
    "linux.timeOffsets.boottime.secs: expected an integer" },
  { "{\"linux\":{\"resources\":{\"rdma\":{\"mlx\":[]}}}}",
    "linux.resources.rdma.mlx: expected an object" },
  { "{\"linux\":{\"resources\":{\"memory\":{\"limit\":1e3}}}}",
    "linux.resources.memory.limit: expected an integer, got 1e3" },
  { "{\"linux\":{\"resources\":{\"memory\":{\"limit\":9223372036854775808}}}}",
    "linux.resources.memory.limit: integer out of range: 9223372036854775808" },
  { "{\"linux\":{\"seccomp\":{\"syscalls\":[{\"args\":[{\"value\":18446744073709551616}]}]}}}",
    "linux.seccomp.syscalls[0].args[0].value: integer out of range: 18446744073709551616" },
  { "{\"linux\":{\"netDevices\":{\"eth0\":{\"name\":false}}}}",
    "linux.netDevices.eth0.name: expected a string" },
  { "{\"annotations\":{\"a\":1}}", "annotations.a: expected a string" },
  { "{\"mounts\":{}}", "mounts: expected an array" },
  { "{\"root\":\"rootfs\"}", "root: expected an object" },
  { "[1]", "expected an object" },
  { "{\"ociVersion\":", "invalid JSON: " },
  { "", "invalid JSON: " },
};

static void
test_parse_errors (void)
{
  size_t i;

  for (i = 0; i < sizeof (parse_errors) / sizeof (parse_errors[0]); i++)
    {
      oci_spec *s = (oci_spec *) 1;
      char *err = NULL;
      const char *want = parse_errors[i].error;
      size_t wl = strlen (want);

      CHECK (oci_spec_parse (parse_errors[i].json, strlen (parse_errors[i].json), &s, &err) < 0);
      CHECK (s == NULL);
      if (wl && want[wl - 1] == ' ')
        CHECK_PREFIX (err, want);
      else
        CHECK_STR (err, want);
      free (err);
    }
}

static void
test_names (void)
{
  CHECK (oci_capability_from_name ("CAP_CHOWN") == 0);
  CHECK (oci_capability_from_name ("CAP_SYS_ADMIN") == 21);
  CHECK (oci_capability_from_name ("CAP_CHECKPOINT_RESTORE") == 40);
  CHECK (oci_capability_from_name ("CAP_NOPE") == -1);
  CHECK (oci_capability_from_name ("chown") == -1);
  CHECK (oci_capability_last () == 40);
  CHECK_STR (oci_capability_name (39), "CAP_BPF");
  CHECK (oci_capability_name (41) == NULL && oci_capability_name (-1) == NULL);
  CHECK (oci_rlimit_from_name ("RLIMIT_NOFILE") == RLIMIT_NOFILE);
  CHECK (oci_rlimit_from_name ("RLIMIT_RTTIME") == RLIMIT_RTTIME);
  CHECK (oci_rlimit_from_name ("NOFILE") == -1);
  CHECK (oci_namespace_type_known ("time") && !oci_namespace_type_known ("net"));
  CHECK (oci_map_get (NULL, "x") == NULL);
}

static void
test_features (void)
{
  const char *json = "{\"ociVersionMin\":\"1.0.0\",\"ociVersionMax\":\"1.2.0\","
                     "\"hooks\":[\"prestart\"],\"mountOptions\":[\"ro\"],"
                     "\"linux\":{\"namespaces\":[\"pid\"],\"capabilities\":[\"CAP_KILL\"],"
                     "\"cgroup\":{\"v1\":true,\"v2\":true,\"systemd\":true,\"systemdUser\":false,"
                     "\"rdma\":false},\"seccomp\":{\"enabled\":true,\"actions\":[\"SCMP_ACT_LOG\"],"
                     "\"operators\":[\"SCMP_CMP_EQ\"],\"archs\":[\"SCMP_ARCH_X86_64\"],"
                     "\"knownFlags\":[\"SECCOMP_FILTER_FLAG_LOG\"],\"supportedFlags\":[]},"
                     "\"apparmor\":{\"enabled\":false},\"selinux\":{\"enabled\":false},"
                     "\"intelRdt\":{\"enabled\":true},\"mountExtensions\":{\"idmap\":{\"enabled\":"
                     "true}}},\"annotations\":{\"org.opencontainers.runc.version\":\"x\"},"
                     "\"potentiallyUnsafeConfigAnnotations\":[\"bundle\"]}";
  /* Empty supportedFlags is dropped on output (omitempty). */
  const char *expect_start = "{\"ociVersionMin\":\"1.0.0\"";
  oci_features *f = NULL;
  char *err = NULL, *out;

  CHECK (oci_features_parse (json, strlen (json), &f, &err) == 0);
  if (f == NULL)
    return;
  CHECK (f->linux_->mount_extensions->idmap->enabled.value);
  CHECK (f->n_potentially_unsafe_config_annotations == 1);
  CHECK (f->linux_->cgroup->systemd.value && !f->linux_->cgroup->systemd_user.value);
  out = oci_features_to_json (f, false);
  CHECK_PREFIX (out, expect_start);
  CHECK (out && strstr (out, "\"mountExtensions\":{\"idmap\":{\"enabled\":true}}") != NULL);
  CHECK (out && strstr (out, "supportedFlags") == NULL);
  free (out);
  oci_features_free (f);
}

static void
test_process_and_resources (void)
{
  const char *pj = "{\"user\":{\"uid\":5,\"gid\":6},\"args\":[\"ls\"],\"cwd\":\"/\"}";
  const char *rj = "{\"pids\":{\"limit\":10},\"memory\":{\"limit\":-1}}";
  oci_process *p = NULL;
  oci_resources *r = NULL;
  char *err = NULL, *out;

  CHECK (oci_process_parse (pj, strlen (pj), &p, &err) == 0);
  CHECK (p && p->user->uid.value == 5);
  out = oci_process_to_json (p, false);
  CHECK_STR (out, pj);
  free (out);
  oci_process_free (p);
  CHECK (oci_resources_parse (rj, strlen (rj), &r, &err) == 0);
  out = oci_resources_to_json (r, false);
  CHECK_STR (out, "{\"memory\":{\"limit\":-1},\"pids\":{\"limit\":10}}");
  free (out);
  oci_resources_free (r);
}

int
main (void)
{
  test_data_files ();
  test_full_fields ();
  check_default_matches_runc ("runc-spec.json", false);
  check_default_matches_runc ("runc-spec-rootless.json", true);
  test_unknown_and_null ();
  test_empty_objects ();
  test_parse_errors ();
  test_names ();
  test_features ();
  test_process_and_resources ();
  return TEST_EXIT ();
}
