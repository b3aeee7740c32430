/* A cache of compiled seccomp filters, so that starting containers with the
 * same profile (an engine's default profile, every time) does not pay
 * libseccomp's translation again.
 *
 * Entry: <cache_dir>/<fnv1a64 of key>.bpf, where the key is the version of
 * skiff's translation, the libseccomp version and the profile serialized
 * canonically (flags included: they decide the seccomp(2) flags stored
 * beside the program). listenerPath and listenerMetadata are left out: they
 * change nothing in the program, and engines set them per container. The
 * file holds the full key and it is compared byte for byte on load, so a
 * hash collision (FNV is not collision resistant, and profiles come from
 * config authors) can only cost a recompile, never load another profile's
 * filter. A checksum over key, flags and program catches a damaged entry.
 * The directory is under the runtime's state root (root-only); entries are
 * written atomically. Any problem with the cache falls back to compiling. */
#include "seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define MAGIC "SKIFFBPF2\n"
/* Bump when the same profile compiles to something else (2: the listener
 * flags, 3: the ENOSYS prefix). */
#define TRANSLATION 3
#define MAGIC_LEN (sizeof MAGIC - 1)

struct entry_header
{
  uint64_t checksum; /* fnv1a64 over key, flags and instructions */
  uint32_t key_len;
  uint32_t flags;
  uint32_t insns; /* number of struct sock_filter */
  uint32_t reserved;
};

static char *
cache_key (const oci_seccomp *seccomp)
{
  /* Serialize just the seccomp object through the config serializer. */
  oci_seccomp copy = *seccomp;
  copy.listener_path = copy.listener_metadata = NULL;
  oci_linux lx = { .seccomp = &copy };
  oci_spec spec = { .linux_ = &lx };
  cleanup_free char *json = oci_spec_to_json (&spec, false);
  const struct scmp_version *v = seccomp_version ();
  return xasprintf ("skiff seccomp %d\nlibseccomp %u.%u.%u\n%s", TRANSLATION, v->major, v->minor, v->micro,
                    json ? json : "");
}

#define FNV_OFFSET 0xcbf29ce484222325ull

static uint64_t
fnv1a64 (uint64_t h, const void *data, size_t len)
{
  const unsigned char *p = data;
  for (size_t i = 0; i < len; i++)
    h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

static uint64_t
entry_checksum (const char *key, uint32_t flags, const struct sock_filter *insns, size_t n)
{
  uint64_t h = fnv1a64 (FNV_OFFSET, key, strlen (key));
  h = fnv1a64 (h, &flags, sizeof flags);
  return fnv1a64 (h, insns, n * sizeof *insns);
}

static bool
load_entry (int dirfd, const char *name, const char *key, skiff_seccomp_prog *out)
{
  cleanup_free char *buf = NULL;
  size_t len = 0;
  if (read_file_at (dirfd, name, &buf, &len, NULL) < 0)
    return false;
  struct entry_header h;
  size_t klen = strlen (key);
  if (len < MAGIC_LEN + sizeof h || memcmp (buf, MAGIC, MAGIC_LEN) != 0)
    return false;
  memcpy (&h, buf + MAGIC_LEN, sizeof h);
  size_t off = MAGIC_LEN + sizeof h;
  if (h.key_len != klen || h.insns == 0 || h.insns > BPF_MAXINSNS
      || len != off + klen + (size_t) h.insns * sizeof (struct sock_filter)
      || memcmp (buf + off, key, klen) != 0)
    return false;
  struct sock_filter *insns = xmalloc ((size_t) h.insns * sizeof *insns);
  memcpy (insns, buf + off + klen, (size_t) h.insns * sizeof *insns);
  if (entry_checksum (key, h.flags, insns, h.insns) != h.checksum)
    {
      free (insns);
      return false;
    }
  out->len = (unsigned short) h.insns;
  out->flags = h.flags;
  out->insns = insns;
  return true;
}

static void
store_entry (int dirfd, const char *name, const char *key, const skiff_seccomp_prog *prog)
{
  struct entry_header h = { .checksum = entry_checksum (key, prog->flags, prog->insns, prog->len),
                            .key_len = (uint32_t) strlen (key), .flags = prog->flags, .insns = prog->len };
  size_t ilen = (size_t) prog->len * sizeof (struct sock_filter);
  size_t len = MAGIC_LEN + sizeof h + h.key_len + ilen;
  cleanup_free char *buf = xmalloc (len);
  memcpy (buf, MAGIC, MAGIC_LEN);
  memcpy (buf + MAGIC_LEN, &h, sizeof h);
  memcpy (buf + MAGIC_LEN + sizeof h, key, h.key_len);
  memcpy (buf + MAGIC_LEN + sizeof h + h.key_len, prog->insns, ilen);
  skiff_error *ignored = NULL;
  write_file_atomic (dirfd, name, buf, len, 0600, &ignored); /* a cache: failure is fine */
  skiff_error_free (ignored);
}

int
skiff_seccomp_prepare (const oci_seccomp *seccomp, const char *cache_dir, skiff_seccomp_prog *out,
                       skiff_error **err)
{
  memset (out, 0, sizeof *out);
  if (seccomp == NULL)
    return 0;
  /* A cache hit skips the compiler, not the checks. */
  if (skiff_seccomp_check (seccomp, err) < 0)
    return -1;
  if (cache_dir == NULL)
    return skiff_seccomp_compile (seccomp, out, err);
  cleanup_free char *key = cache_key (seccomp);
  char name[32];
  snprintf (name, sizeof name, "%016llx.bpf", (unsigned long long) fnv1a64 (FNV_OFFSET, key, strlen (key)));
  if (mkdir (cache_dir, 0700) < 0 && errno != EEXIST)
    return skiff_seccomp_compile (seccomp, out, err);
  cleanup_close int dirfd = open (cache_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dirfd >= 0 && load_entry (dirfd, name, key, out))
    return 0;
  if (skiff_seccomp_compile (seccomp, out, err) < 0)
    return -1;
  if (dirfd >= 0)
    store_entry (dirfd, name, key, out);
  return 0;
}
