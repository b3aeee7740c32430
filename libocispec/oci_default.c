/* The default config.json written by `skiff spec`: the content of runc 1.1's
 * `runc spec` (with our version and hostname), and the rootless variant
 * derived from it the way runc's --rootless does. The base is a literal run
 * through our own parser and serializer, so the output always round-trips. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oci.h"

static const char default_spec[] =
  "{"
  "\"ociVersion\": \"1.2.0\","
  "\"process\": {"
  "  \"terminal\": true,"
  "  \"user\": {\"uid\": 0, \"gid\": 0},"
  "  \"args\": [\"sh\"],"
  "  \"env\": [\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\","
  "            \"TERM=xterm\"],"
  "  \"cwd\": \"/\","
  "  \"capabilities\": {"
  "    \"bounding\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],"
  "    \"effective\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],"
  "    \"permitted\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],"
  "    \"ambient\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"]"
  "  },"
  "  \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 1024}],"
  "  \"noNewPrivileges\": true"
  "},"
  "\"root\": {\"path\": \"rootfs\", \"readonly\": true},"
  "\"hostname\": \"skiff\","
  "\"mounts\": ["
  "  {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
  "  {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\","
  "   \"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]},"
  "  {\"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\","
  "   \"options\": [\"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", \"mode=0620\","
  "                \"gid=5\"]},"
  "  {\"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\","
  "   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\"]},"
  "  {\"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\","
  "   \"options\": [\"nosuid\", \"noexec\", \"nodev\"]},"
  "  {\"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\","
  "   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"ro\"]},"
  "  {\"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\", \"source\": \"cgroup\","
  "   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"ro\"]}"
  "],"
  "\"linux\": {"
  "  \"resources\": {\"devices\": [{\"allow\": false, \"access\": \"rwm\"}]},"
  "  \"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\"}, {\"type\": \"ipc\"},"
  "                 {\"type\": \"uts\"}, {\"type\": \"mount\"}],"
  "  \"maskedPaths\": [\"/proc/acpi\", \"/proc/asound\", \"/proc/kcore\", \"/proc/keys\","
  "                  \"/proc/latency_stats\", \"/proc/timer_list\", \"/proc/timer_stats\","
  "                  \"/proc/sched_debug\", \"/sys/firmware\", \"/proc/scsi\"],"
  "  \"readonlyPaths\": [\"/proc/bus\", \"/proc/fs\", \"/proc/irq\", \"/proc/sys\","
  "                    \"/proc/sysrq-trigger\"]"
  "}"
  "}";

static void
cleanup_spec (oci_spec **s)
{
  oci_spec_free (*s);
}

/* Remove every element equal to `s` from a string vector. */
static void
strv_remove (char **v, size_t *n, const char *s)
{
  size_t i, j = 0;

  for (i = 0; i < *n; i++)
    {
      if (strcmp (v[i], s) == 0)
        free (v[i]);
      else
        v[j++] = v[i];
    }
  *n = j;
}

static oci_mount *
find_mount (oci_spec *s, const char *destination)
{
  size_t i;

  for (i = 0; i < s->n_mounts; i++)
    if (strcmp (s->mounts[i].destination, destination) == 0)
      return &s->mounts[i];
  return NULL;
}

/* A fresh sysfs cannot be mounted without owning the network namespace, so
 * rootless containers (which keep the host's) bind the host's /sys. */
static int
rootless_sys_mount (oci_mount *m)
{
  static const char *const opts[] = { "rbind", "nosuid", "noexec", "nodev", "ro" };
  size_t i;

  for (i = 0; i < m->n_options; i++)
    free (m->options[i]);
  free (m->options);
  free (m->type);
  free (m->source);
  m->n_options = 0;
  m->type = strdup ("none");
  m->source = strdup ("/sys");
  m->options = calloc (sizeof (opts) / sizeof (opts[0]), sizeof (char *));
  if (m->type == NULL || m->source == NULL || m->options == NULL)
    return -1;
  for (i = 0; i < sizeof (opts) / sizeof (opts[0]); i++)
    if ((m->options[m->n_options++] = strdup (opts[i])) == NULL)
      return -1;
  return 0;
}

/* Drop the network namespace (an unprivileged user cannot configure one
 * usefully) and add a user namespace. */
static int
rootless_namespaces (oci_linux *l)
{
  size_t i, j = 0;
  oci_namespace *ns;

  for (i = 0; i < l->n_namespaces; i++)
    {
      if (strcmp (l->namespaces[i].type, "network") == 0)
        {
          free (l->namespaces[i].type);
          free (l->namespaces[i].path);
        }
      else
        l->namespaces[j++] = l->namespaces[i];
    }
  l->n_namespaces = j;
  ns = realloc (l->namespaces, (j + 1) * sizeof (*ns));
  if (ns == NULL)
    return -1;
  l->namespaces = ns;
  ns[j] = (oci_namespace) { .type = strdup ("user") };
  l->n_namespaces++;
  return ns[j].type ? 0 : -1;
}

/* Map container root to the calling user, as runc does. */
static int
rootless_mappings (oci_linux *l)
{
  l->uid_mappings = calloc (1, sizeof (oci_id_mapping));
  l->gid_mappings = calloc (1, sizeof (oci_id_mapping));
  if (l->uid_mappings == NULL || l->gid_mappings == NULL)
    return -1;
  l->n_uid_mappings = l->n_gid_mappings = 1;
  l->uid_mappings[0] = (oci_id_mapping) { { 0, true }, { geteuid (), true }, { 1, true } };
  l->gid_mappings[0] = (oci_id_mapping) { { 0, true }, { getegid (), true }, { 1, true } };
  return 0;
}

static int
make_rootless (oci_spec *s)
{
  oci_mount *pts = find_mount (s, "/dev/pts");
  oci_mount *sys = find_mount (s, "/sys");

  /* Without a gid 5 mapped into the user namespace, devpts rejects gid=5. */
  if (pts)
    strv_remove (pts->options, &pts->n_options, "gid=5");
  if (sys && rootless_sys_mount (sys) < 0)
    return -1;
  /* Cgroup device rules cannot be applied without privileges. */
  oci_resources_free (s->linux_->resources);
  s->linux_->resources = NULL;
  if (rootless_namespaces (s->linux_) < 0)
    return -1;
  return rootless_mappings (s->linux_);
}

char *
oci_spec_default_json (bool rootless)
{
  __attribute__ ((cleanup (cleanup_spec))) oci_spec *spec = NULL;
  char *err = NULL;

  if (oci_spec_parse (default_spec, sizeof (default_spec) - 1, &spec, &err) < 0)
    {
      free (err);
      return NULL;
    }
  if (rootless && make_rootless (spec) < 0)
    return NULL;
  /* Tabs, like `runc spec`, so a diff against runc's file stays small. */
  return oci_spec_to_json_indent (spec, "\t");
}
