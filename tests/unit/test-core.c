/* Core helpers with hostile input: container id validation (ids become
 * directory names under the state root) and the parent/child message
 * decoder (the container init is on the other end of that socket). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "skiff.h"
#include "sync.h"

static int
id_ok (const char *id)
{
  skiff_error *err = NULL;
  int r = skiff_validate_id (id, &err);
  if (r < 0 && (err == NULL || err->msg == NULL || strstr (err->msg, "invalid container id") == NULL))
    return 99; /* an error without a clear message is a failure too */
  skiff_error_free (err);
  return r;
}

static void
test_ids (void)
{
  CHECK (id_ok ("a") == 0);
  CHECK (id_ok ("my-container_1.2+x") == 0);
  CHECK (id_ok ("-leading-dash") == 0);
  CHECK (id_ok ("") < 0 && id_ok ("") != 99);
  CHECK (id_ok (NULL) == -1);
  CHECK (id_ok ("../x") == -1);
  CHECK (id_ok ("a/b") == -1);
  CHECK (id_ok (".hidden") == -1);
  CHECK (id_ok ("..") == -1);
  CHECK (id_ok ("a b") == -1);
  CHECK (id_ok ("a\nb") == -1);
  char big[1100];
  memset (big, 'a', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  CHECK (id_ok (big) == -1);
  big[1024] = '\0';
  CHECK (id_ok (big) == 0);
}

static int
decode (const void *buf, size_t len, skiff_sync_msg *msg)
{
  skiff_error *err = NULL;
  int r = skiff_sync_decode (buf, len, msg, &err);
  skiff_error_free (err);
  return r;
}

static void
test_sync_decode (void)
{
  static char buf[8 + SKIFF_SYNC_MAX_PAYLOAD + 16];
  skiff_sync_msg msg = { 0 };
  uint32_t type = SKIFF_SYNC_ERROR;
  int32_t errnum = EPERM;
  memcpy (buf, &type, 4);
  memcpy (buf + 4, &errnum, 4);
  memcpy (buf + 8, "mount failed", 12);
  CHECK (decode (buf, 20, &msg) == 0);
  CHECK (msg.type == SKIFF_SYNC_ERROR && msg.errnum == EPERM);
  CHECK_STR (msg.payload, "mount failed");
  skiff_sync_msg_clear (&msg);
  /* Too short, oversized, unknown types: refused, never read past the end. */
  CHECK (decode (buf, 0, &msg) == -1);
  CHECK (decode (buf, 7, &msg) == -1);
  CHECK (decode (buf, 8 + SKIFF_SYNC_MAX_PAYLOAD, &msg) == 0);
  skiff_sync_msg_clear (&msg);
  CHECK (decode (buf, 8 + SKIFF_SYNC_MAX_PAYLOAD + 1, &msg) == -1);
  type = 0;
  memcpy (buf, &type, 4);
  CHECK (decode (buf, 8, &msg) == -1);
  type = 77;
  memcpy (buf, &type, 4);
  CHECK (decode (buf, 8, &msg) == -1);
}

int
main (void)
{
  test_ids ();
  test_sync_decode ();
  return TEST_EXIT ();
}
