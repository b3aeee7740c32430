/* Messages between the runtime (parent) and the container init (child) over a
 * SOCK_SEQPACKET socketpair: one datagram per message, so a short or
 * oversized read is a protocol error, never a partial message. */
#ifndef SKIFF_SYNC_H
#define SKIFF_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum skiff_sync_type {
  SKIFF_SYNC_GO = 1,    /* parent -> child: continue; the first GO carries the state JSON */
  SKIFF_SYNC_READY = 2, /* child -> parent: setup done, waiting for start */
  SKIFF_SYNC_ERROR = 3, /* child -> parent: setup failed; payload is the message */
  SKIFF_SYNC_HOOKS = 4, /* child -> parent: mounts done, run prestart/createRuntime, then GO */
  SKIFF_SYNC_SECCOMP = 5, /* child -> parent: payload = our seccomp listener fd number; GO when passed on */
};
#define SKIFF_SYNC_LAST SKIFF_SYNC_SECCOMP

/* Room for the state JSON (with annotations) that GO carries for hooks. */
#define SKIFF_SYNC_MAX_PAYLOAD 65536

typedef struct skiff_sync_msg {
  uint32_t type;
  int32_t errnum;
  char *payload; /* NUL-terminated, malloc'd; free with skiff_sync_msg_clear */
} skiff_sync_msg;

void skiff_sync_msg_clear (skiff_sync_msg *msg);

int skiff_sync_send (int fd, uint32_t type, int errnum, const char *payload, skiff_error **err);
/* The same message sent with write(2) alone: for the one message a process
 * sends right after loading a seccomp filter whose listener nobody holds yet
 * (seccomp_notify.c). No MSG_NOSIGNAL: a dead peer means SIGPIPE. */
int skiff_sync_write (int fd, uint32_t type, const char *payload, skiff_error **err);
/* Receive one message. EOF (peer gone) is an error "container init exited". */
int skiff_sync_recv (int fd, skiff_sync_msg *msg, skiff_error **err);
/* The same, but EOF (every copy of the other end closed) sets *eof and is
 * not an error; peer names the other side in errors. */
int skiff_sync_recv_or_eof (int fd, skiff_sync_msg *msg, bool *eof, const char *peer, skiff_error **err);
/* Decode a raw datagram (exposed for the unit test and fuzzer). */
int skiff_sync_decode (const void *buf, size_t len, skiff_sync_msg *msg, skiff_error **err);
/* Child side: report err to the parent (best effort) and _exit(1). */
__attribute__ ((noreturn)) void skiff_sync_fail (int fd, const skiff_error *err);
/* Child side: wait for GO; its payload (if any, and payload not NULL) is
 * handed over. Any other message is a protocol error. */
int skiff_sync_wait_go (int fd, char **payload, skiff_error **err);

#endif
