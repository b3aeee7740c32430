/* Lazy libsystemd: see sdbus.h. */
#include "cgroup/sdbus.h"

#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

typedef struct {
  const char *symbol;
  size_t offset;
} sym;

#define SYM(field, name) { #name, offsetof (skiff_sdbus, field) }

static const sym symbols[] = {
  SYM (open_system, sd_bus_open_system),
  SYM (flush_close_unref, sd_bus_flush_close_unref),
  SYM (message_new_method_call, sd_bus_message_new_method_call),
  SYM (message_append, sd_bus_message_append),
  SYM (message_append_array, sd_bus_message_append_array),
  SYM (message_open_container, sd_bus_message_open_container),
  SYM (message_close_container, sd_bus_message_close_container),
  SYM (message_read, sd_bus_message_read),
  SYM (message_unref, sd_bus_message_unref),
  SYM (call, sd_bus_call),
  SYM (call_method, sd_bus_call_method),
  SYM (match_signal, sd_bus_match_signal),
  SYM (slot_unref, sd_bus_slot_unref),
  SYM (process, sd_bus_process),
  SYM (wait, sd_bus_wait),
  SYM (error_free, sd_bus_error_free),
  SYM (error_has_name, sd_bus_error_has_name),
};

int
skiff_sdbus_load (skiff_sdbus *api, skiff_error **err)
{
  memset (api, 0, sizeof *api);
  api->dl = dlopen (SKIFF_LIBSYSTEMD, RTLD_NOW | RTLD_LOCAL);
  if (api->dl == NULL)
    {
      const char *why = dlerror ();
      return skiff_error_set (err, 0, "systemd cgroup driver: cannot load %s: %s", SKIFF_LIBSYSTEMD,
                              why ? why : "unknown error");
    }
  for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++)
    {
      void *f = dlsym (api->dl, symbols[i].symbol);
      if (f == NULL)
        {
          skiff_sdbus_unload (api);
          return skiff_error_set (err, 0, "systemd cgroup driver: %s has no `%s` (libsystemd too old?)",
                                  SKIFF_LIBSYSTEMD, symbols[i].symbol);
        }
      /* A data pointer to a function pointer: POSIX guarantees dlsym's
       * result converts (dlsym(3)); memcpy keeps -Wpedantic quiet. */
      memcpy ((char *) api + symbols[i].offset, &f, sizeof f);
    }
  return 0;
}

void
skiff_sdbus_unload (skiff_sdbus *api)
{
  if (api->dl)
    dlclose (api->dl);
  memset (api, 0, sizeof *api);
}
