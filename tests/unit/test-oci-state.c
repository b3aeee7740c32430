/* The runtime state document: exact field order and shape, as engines see
 * it from `skiff state`. */
#include "oci.h"
#include "check.h"

static void
test_running (void)
{
  char *ann_keys[] = { "a", "b" }, *ann_values[] = { "1", "" };
  oci_state st = {
    .oci_version = "1.2.0",
    .id = "c1",
    .status = "running",
    .pid = { 4242, true },
    .bundle = "/b",
    .rootfs = "/b/rootfs",
    .created = "2024-01-02T03:04:05.123456789Z",
    .owner = "",
    .annotations = { 2, ann_keys, ann_values },
  };
  oci_state *back = NULL;
  char *err = NULL, *out = oci_state_to_json (&st, true), *again;

  CHECK_STR (out, "{\n"
                  "  \"ociVersion\": \"1.2.0\",\n"
                  "  \"id\": \"c1\",\n"
                  "  \"pid\": 4242,\n"
                  "  \"status\": \"running\",\n"
                  "  \"bundle\": \"/b\",\n"
                  "  \"rootfs\": \"/b/rootfs\",\n"
                  "  \"created\": \"2024-01-02T03:04:05.123456789Z\",\n"
                  "  \"annotations\": {\n"
                  "    \"a\": \"1\",\n"
                  "    \"b\": \"\"\n"
                  "  },\n"
                  "  \"owner\": \"\"\n"
                  "}");
  CHECK (oci_state_parse (out, strlen (out), &back, &err) == 0);
  CHECK (back && back->pid.value == 4242);
  CHECK_STR (back ? oci_map_get (&back->annotations, "a") : NULL, "1");
  again = oci_state_to_json (back, true);
  CHECK_STR (again, out);
  free (out), free (again), free (err);
  oci_state_free (back);
}

static void
test_stopped (void)
{
  /* Stopped: pid unset still prints 0; no annotations; absent owner "". */
  oci_state st = { .oci_version = "1.2.0", .id = "c2", .status = "stopped", .bundle = "/b",
                   .rootfs = "/b/rootfs", .created = "t" };
  char *out = oci_state_to_json (&st, false);

  CHECK_STR (out, "{\"ociVersion\":\"1.2.0\",\"id\":\"c2\",\"pid\":0,\"status\":\"stopped\","
                  "\"bundle\":\"/b\",\"rootfs\":\"/b/rootfs\",\"created\":\"t\",\"owner\":\"\"}");
  free (out);
}

static void
test_parse_errors (void)
{
  oci_state *s = NULL;
  char *err = NULL;
  const char *bad = "{\"id\":\"x\",\"pid\":\"12\"}";

  CHECK (oci_state_parse (bad, strlen (bad), &s, &err) < 0);
  CHECK_STR (err, "pid: expected an integer");
  CHECK (s == NULL);
  free (err);
}

static void
test_process_state (void)
{
  /* What a seccomp agent receives: the spec's field order, metadata and the
   * nested state with its annotations; metadata left out when unset. */
  char *keys[] = { "k" }, *vals[] = { "v" };
  char *fds[] = { "seccompFd" };
  oci_state st = { .oci_version = "1.2.0", .id = "c3", .status = "creating", .pid = { 42, true },
                   .bundle = "/b", .rootfs = "/b/rootfs", .created = "t", .owner = "root",
                   .annotations = { .keys = keys, .values = vals, .len = 1 } };
  oci_process_state ps = { .oci_version = "1.2.0", .fds = fds, .n_fds = 1, .pid = { 42, true },
                           .metadata = "MKNOD=/dev/null", .state = &st };
  char *out = oci_process_state_to_json (&ps, false), *err = NULL;
  oci_process_state *back = NULL;

  CHECK_STR (out, "{\"ociVersion\":\"1.2.0\",\"fds\":[\"seccompFd\"],\"pid\":42,"
                  "\"metadata\":\"MKNOD=/dev/null\",\"state\":{\"ociVersion\":\"1.2.0\",\"id\":\"c3\","
                  "\"pid\":42,\"status\":\"creating\",\"bundle\":\"/b\",\"rootfs\":\"/b/rootfs\","
                  "\"created\":\"t\",\"annotations\":{\"k\":\"v\"},\"owner\":\"root\"}}");
  CHECK (oci_process_state_parse (out, strlen (out), &back, &err) == 0);
  CHECK (back && back->n_fds == 1 && back->state && back->state->pid.value == 42);
  oci_process_state_free (back);
  free (out);
  ps.metadata = NULL;
  out = oci_process_state_to_json (&ps, false);
  CHECK (out && strstr (out, "metadata") == NULL);
  free (out);
}

int
main (void)
{
  test_running ();
  test_stopped ();
  test_parse_errors ();
  test_process_state ();
  return TEST_EXIT ();
}
