/* libsystemd's sd-bus, loaded with dlopen("libsystemd.so.0") only when the
 * systemd cgroup driver is used: the runtime binary does not link it, so a
 * host without libsystemd runs every other command unchanged. The function
 * types come from libsystemd-dev's headers. */
#ifndef SKIFF_CGROUP_SDBUS_H
#define SKIFF_CGROUP_SDBUS_H

#include <systemd/sd-bus.h>

#include "error.h"

#define SKIFF_LIBSYSTEMD "libsystemd.so.0"

typedef struct {
  void *dl;
  __typeof__ (sd_bus_open_system) *open_system;
  __typeof__ (sd_bus_flush_close_unref) *flush_close_unref;
  __typeof__ (sd_bus_message_new_method_call) *message_new_method_call;
  __typeof__ (sd_bus_message_append) *message_append;
  __typeof__ (sd_bus_message_append_array) *message_append_array;
  __typeof__ (sd_bus_message_open_container) *message_open_container;
  __typeof__ (sd_bus_message_close_container) *message_close_container;
  __typeof__ (sd_bus_message_read) *message_read;
  __typeof__ (sd_bus_message_unref) *message_unref;
  __typeof__ (sd_bus_call) *call;
  __typeof__ (sd_bus_call_method) *call_method;
  __typeof__ (sd_bus_match_signal) *match_signal;
  __typeof__ (sd_bus_slot_unref) *slot_unref;
  __typeof__ (sd_bus_process) *process;
  __typeof__ (sd_bus_wait) *wait;
  __typeof__ (sd_bus_error_free) *error_free;
  __typeof__ (sd_bus_error_has_name) *error_has_name;
} skiff_sdbus;

/* dlopen libsystemd and resolve every function; on error nothing is left loaded. */
int skiff_sdbus_load (skiff_sdbus *api, skiff_error **err);
void skiff_sdbus_unload (skiff_sdbus *api);

#endif
