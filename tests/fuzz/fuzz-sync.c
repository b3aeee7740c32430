/* Parent/child messages. The decoder takes any datagram (short, oversized,
 * unknown type); the send/recv pair over a real SOCK_SEQPACKET socketpair
 * must deliver what was sent, payload truncated to SKIFF_SYNC_MAX_PAYLOAD. */
#include "fuzz.h"

#include <sys/socket.h>
#include <unistd.h>

#include "error.h"
#include "sync.h"

static int sv[2] = { -1, -1 };

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  (void)argc, (void)argv;
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    abort ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  skiff_error *err = NULL;
  static skiff_sync_msg msg;

  /* Exactly the datagram, in its own allocation so ASan sees overreads. */
  uint8_t *copy = malloc (size ? size : 1);
  memcpy (copy, data, size);
  memset (&msg, 0xa5, sizeof msg);
  if (skiff_sync_decode (copy, size, &msg, &err) == 0)
    {
      FUZZ_CHECK (msg.type >= SKIFF_SYNC_GO && msg.type <= SKIFF_SYNC_LAST, "type %u", msg.type);
      /* A string: the bytes up to the first NUL of the datagram's payload. */
      size_t plen = size >= 8 ? strnlen ((const char *)copy + 8, size - 8) : 0;
      FUZZ_CHECK (size >= 8 && strlen (msg.payload) == plen && memcmp (msg.payload, copy + 8, plen) == 0,
                  "payload differs");
      skiff_sync_msg_clear (&msg);
    }
  else
    FUZZ_CHECK (err != NULL, "failure without error");
  skiff_error_clear (&err);
  free (copy);

  /* Round trip: type and errno from the first 8 bytes, payload the rest. */
  if (size >= 8)
    {
      uint32_t type;
      int32_t errnum;
      memcpy (&type, data, 4);
      memcpy (&errnum, data + 4, 4);
      type = SKIFF_SYNC_GO + type % SKIFF_SYNC_LAST;
      char *payload = fuzz_strndup (data + 8, size - 8);
      FUZZ_CHECK (skiff_sync_send (sv[0], type, errnum, payload, &err) == 0, "send: %s", err->msg);
      FUZZ_CHECK (skiff_sync_recv (sv[1], &msg, &err) == 0, "recv: %s", err->msg);
      size_t plen = strlen (payload);
      if (plen > SKIFF_SYNC_MAX_PAYLOAD)
        plen = SKIFF_SYNC_MAX_PAYLOAD;
      FUZZ_CHECK (msg.type == type && msg.errnum == errnum, "header changed");
      FUZZ_CHECK (strlen (msg.payload) == plen && memcmp (msg.payload, payload, plen) == 0,
                  "payload changed");
      skiff_sync_msg_clear (&msg);
      free (payload);
    }
  return 0;
}
