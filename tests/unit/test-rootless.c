/* Rootless config rules (rootless.c): which limits need a cgroup, and what
 * an unprivileged caller's config must have before anything is created. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rootless.h"

static oci_spec *
parse (const char *json)
{
  oci_spec *s = NULL;
  char *msg = NULL;
  if (oci_spec_parse (json, strlen (json), &s, &msg) < 0)
    {
      fprintf (stderr, "parse: %s\n", msg ? msg : "?");
      free (msg);
      return NULL;
    }
  return s;
}

static const char *
controller (const char *resources)
{
  static char name[32];
  char json[512];
  snprintf (json, sizeof json,
            "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"r\"},"
            "\"linux\":{\"resources\":%s}}",
            resources);
  oci_spec *s = parse (json);
  if (s == NULL)
    return "parse error";
  const char *c = skiff_resources_controller (s->linux_->resources);
  snprintf (name, sizeof name, "%s", c ? c : "none");
  oci_spec_free (s);
  return name;
}

static void
test_controller (void)
{
  CHECK_STR (controller ("{}"), "none");
  CHECK_STR (controller ("{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]}"), "none");
  CHECK_STR (controller ("{\"memory\":{\"limit\":1048576}}"), "memory");
  CHECK_STR (controller ("{\"memory\":{}}"), "none");
  CHECK_STR (controller ("{\"pids\":{\"limit\":10}}"), "pids");
  CHECK_STR (controller ("{\"cpu\":{\"shares\":512}}"), "cpu");
  CHECK_STR (controller ("{\"cpu\":{\"cpus\":\"0\"}}"), "cpuset");
  CHECK_STR (controller ("{\"blockIO\":{\"weight\":100}}"), "blkio");
  CHECK_STR (controller ("{\"unified\":{\"pids.max\":\"5\"}}"), "unified");
}

/* The message of skiff_rootless_check for a config, "ok" when it passes. */
static char *
check (const char *linux_json, const char *mounts_json)
{
  char json[1024];
  snprintf (json, sizeof json,
            "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"r\"},\"mounts\":%s,"
            "\"linux\":%s}",
            mounts_json, linux_json);
  oci_spec *s = parse (json);
  if (s == NULL)
    return strdup ("parse error");
  skiff_ns_plan plan;
  skiff_error *err = NULL;
  char *out;
  if (skiff_ns_plan_build (s->linux_, &plan, &err) < 0 || skiff_rootless_check (s, &plan, &err) < 0)
    out = strdup (err && err->msg ? err->msg : "error without a message");
  else
    out = strdup ("ok");
  skiff_ns_plan_close (&plan);
  skiff_error_free (err);
  oci_spec_free (s);
  return out;
}

#define MAPS                                                                                                 \
  "\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}],"                                        \
  "\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]"

static void
test_check (void)
{
  char *m;
  m = check ("{\"namespaces\":[{\"type\":\"mount\"}]}", "[]");
  CHECK (strstr (m, "needs a user namespace") != NULL);
  free (m);
  m = check ("{\"namespaces\":[{\"type\":\"user\"}]}", "[]");
  CHECK (strstr (m, "at least one uid mapping") != NULL);
  free (m);
  m = check ("{\"namespaces\":[{\"type\":\"user\"}]," MAPS "}", "[]");
  CHECK_STR (m, "ok");
  free (m);
  m = check ("{\"namespaces\":[{\"type\":\"user\"}]," MAPS "}",
             "[{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"options\":[\"gid=5\"]}]");
  CHECK (strstr (m, "gid=5") != NULL);
  free (m);
  m = check ("{\"namespaces\":[{\"type\":\"user\"}]," MAPS "}",
             "[{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"options\":[\"gid=0\",\"mode=0620\"]}]");
  CHECK_STR (m, "ok");
  free (m);
  m = check (
      "{\"namespaces\":[{\"type\":\"user\"}]," MAPS "}",
      "[{\"destination\":\"/d\",\"type\":\"bind\",\"source\":\"/x\",\"options\":[\"rbind\",\"ridmap\"]}]");
  CHECK (strstr (m, "idmapped mounts need CAP_SYS_ADMIN") != NULL);
  free (m);
}

int
main (void)
{
  test_controller ();
  test_check ();
  return TEST_EXIT ();
}
