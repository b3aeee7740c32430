/* sd_notify for containers: when NOTIFY_SOCKET is set for `create`, the
 * container gets its own datagram socket, bind-mounted at the same path
 * inside, and a small relay process forwards what the container sends
 * (READY=1, STATUS=...) to the host's socket, adding MAINPID. `start` does
 * not wait for READY=1 (crun's behaviour); the relay exits after READY=1 or
 * when the container's init dies. */
#ifndef SKIFF_NOTIFY_H
#define SKIFF_NOTIFY_H

#include <sys/types.h>

#include "error.h"
#include "oci.h"

typedef struct skiff_notify {
  char *host_path;      /* NOTIFY_SOCKET of the caller */
  char *container_path; /* our socket in the state dir */
  int fd;               /* bound to container_path, -1 when unused */
} skiff_notify;

/* If NOTIFY_SOCKET is set: bind a socket at <state_dir>/notify.sock and add
 * its bind mount and NOTIFY_SOCKET to spec. No-op otherwise (fd = -1). */
int skiff_notify_prepare (skiff_notify *n, const char *state_dir, oci_spec *spec, skiff_error **err);
/* Fork the relay for the container whose init is init_pid, then close our
 * copy of the socket. */
int skiff_notify_start_relay (skiff_notify *n, pid_t init_pid, skiff_error **err);
void skiff_notify_release (skiff_notify *n);

#endif
