#include "sync.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

/* Wire format: u32 type, i32 errno, then the payload bytes (no NUL). */
struct wire_header
{
  uint32_t type;
  int32_t errnum;
};

/* Header and payload in one buffer: one datagram. */
static char *
encode (uint32_t type, int errnum, const char *payload, size_t *len, skiff_error **err)
{
  size_t plen = payload ? strlen (payload) : 0;
  if (plen > SKIFF_SYNC_MAX_PAYLOAD)
    {
      /* Errors are only truncated; data must arrive whole or not at all. */
      if (type != SKIFF_SYNC_ERROR)
        {
          skiff_error_set (err, EMSGSIZE, "message to container init (%zu bytes)", plen);
          return NULL;
        }
      plen = SKIFF_SYNC_MAX_PAYLOAD;
    }
  char *buf = xmalloc (sizeof (struct wire_header) + plen);
  struct wire_header h = { type, errnum };
  memcpy (buf, &h, sizeof h);
  if (plen)
    memcpy (buf + sizeof h, payload, plen);
  *len = sizeof h + plen;
  return buf;
}

int
skiff_sync_send (int fd, uint32_t type, int errnum, const char *payload, skiff_error **err)
{
  size_t len;
  cleanup_free char *buf = encode (type, errnum, payload, &len, err);
  if (buf == NULL)
    return -1;
  ssize_t w;
  do
    w = send (fd, buf, len, MSG_NOSIGNAL);
  while (w < 0 && errno == EINTR);
  if (w < 0)
    return skiff_error_set (err, errno, "send to container init");
  return 0;
}

int
skiff_sync_write (int fd, uint32_t type, const char *payload, skiff_error **err)
{
  size_t len;
  cleanup_free char *buf = encode (type, 0, payload, &len, err);
  if (buf == NULL)
    return -1;
  ssize_t w;
  do
    w = write (fd, buf, len);
  while (w < 0 && errno == EINTR);
  if (w < 0)
    return skiff_error_set (err, errno, "write to the runtime");
  if ((size_t) w != len) /* SOCK_SEQPACKET: all or nothing; anything else is a bug */
    return skiff_error_set (err, EPROTO, "short write to the runtime");
  return 0;
}

int
skiff_sync_decode (const void *buf, size_t len, skiff_sync_msg *msg, skiff_error **err)
{
  struct wire_header h;
  if (len < sizeof h)
    return skiff_error_set (err, EPROTO, "short message from container init (%zu bytes)", len);
  if (len > sizeof h + SKIFF_SYNC_MAX_PAYLOAD)
    return skiff_error_set (err, EPROTO, "oversized message from container init");
  memcpy (&h, buf, sizeof h);
  if (h.type < SKIFF_SYNC_GO || h.type > SKIFF_SYNC_LAST)
    return skiff_error_set (err, EPROTO, "unknown message type %u from container init", h.type);
  msg->type = h.type;
  msg->errnum = h.errnum;
  msg->payload = xstrndup ((const char *) buf + sizeof h, len - sizeof h);
  return 0;
}

int
skiff_sync_recv_or_eof (int fd, skiff_sync_msg *msg, bool *eof, const char *peer, skiff_error **err)
{
  /* One byte more than the largest valid message so oversize is detectable. */
  size_t cap = sizeof (struct wire_header) + SKIFF_SYNC_MAX_PAYLOAD + 1;
  cleanup_free char *buf = xmalloc (cap);
  ssize_t r;
  *eof = false;
  do
    r = recv (fd, buf, cap, MSG_TRUNC);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return skiff_error_set (err, errno, "receive from %s", peer);
  *eof = r == 0;
  return r == 0 ? 0 : skiff_sync_decode (buf, (size_t) r, msg, err);
}

int
skiff_sync_recv (int fd, skiff_sync_msg *msg, skiff_error **err)
{
  bool eof;
  if (skiff_sync_recv_or_eof (fd, msg, &eof, "container init", err) < 0)
    return -1;
  if (eof)
    return skiff_error_set (err, 0, "container init exited during setup");
  return 0;
}

void
skiff_sync_msg_clear (skiff_sync_msg *msg)
{
  free (msg->payload);
  msg->payload = NULL;
}

void
skiff_sync_fail (int fd, const skiff_error *e)
{
  skiff_sync_send (fd, SKIFF_SYNC_ERROR, e ? e->errnum : 0, e ? e->msg : "unknown error", NULL);
  _exit (1);
}

int
skiff_sync_wait_go (int fd, char **payload, skiff_error **err)
{
  skiff_sync_msg msg = { 0 };
  if (skiff_sync_recv (fd, &msg, err) < 0)
    return -1;
  uint32_t type = msg.type;
  if (type == SKIFF_SYNC_GO && payload)
    *payload = take_ptr (&msg.payload);
  skiff_sync_msg_clear (&msg);
  if (type != SKIFF_SYNC_GO)
    return skiff_error_set (err, EPROTO, "unexpected message %u from the runtime", type);
  return 0;
}
