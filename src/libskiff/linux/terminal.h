/* process.terminal: a pty created inside the container (its devpts), the
 * slave bind-mounted over /dev/console, the master sent over the
 * --console-socket with SCM_RIGHTS (the protocol runc/conmon use). */
#ifndef SKIFF_LINUX_TERMINAL_H
#define SKIFF_LINUX_TERMINAL_H

#include "error.h"
#include "oci.h"

/* Connect to the console socket path (in the runtime, before clone).
 * Returns a connected fd or -1 with *err. */
int skiff_console_socket_connect (const char *path, skiff_error **err);

/* In the container init after pivot_root: open /dev/ptmx, unlock, apply
 * consoleSize, bind the slave over /dev/console, send the master over
 * socket_fd and close it. Returns the slave fd (caller dup2s it to 0-2,
 * setsid + TIOCSCTTY) or -1 with *err. */
int skiff_terminal_setup (int socket_fd, const oci_console_size *size, skiff_error **err);

/* Make fd the controlling terminal and stdin/out/err (setsid, TIOCSCTTY, dup2). */
int skiff_terminal_attach_stdio (int slave_fd, skiff_error **err);

/* Send/receive an fd with SCM_RIGHTS (also used by tests and skiff-mon). */
int skiff_send_fd (int sock, int fd, const char *name, skiff_error **err);
int skiff_recv_fd (int sock, skiff_error **err);

#endif
