/* The bus side of the systemd driver in a build without libsystemd-dev's
 * sd-bus headers: --systemd-cgroup fails saying so (see systemd.c). */
#include "cgroup/systemd.h"


#define BUILT_WITHOUT "systemd cgroup driver: this skiff was built without sd-bus (libsystemd-dev)"

int
skiff_sd_available (skiff_error **err)
{
  return skiff_error_set (err, 0, BUILT_WITHOUT);
}

int
skiff_sd_start_unit (const skiff_sd_start *s, skiff_error **err)
{
  return skiff_error_set (err, 0, BUILT_WITHOUT);
}

int
skiff_sd_set_properties (const char *unit, const skiff_sd_props *props, skiff_error **err)
{
  return skiff_error_set (err, 0, BUILT_WITHOUT);
}

int
skiff_sd_stop_unit (const char *unit, skiff_error **err)
{
  return skiff_error_set (err, 0, BUILT_WITHOUT);
}
