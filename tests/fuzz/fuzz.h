/* Helpers shared by the libFuzzer targets in tests/fuzz. */
#ifndef SKIFF_FUZZ_H
#define SKIFF_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* The input as a NUL-terminated string (it may hold earlier NULs). */
static inline char *
fuzz_strndup (const uint8_t *data, size_t size)
{
  char *s = malloc (size + 1);
  if (s == NULL)
    abort ();
  memcpy (s, data, size);
  s[size] = '\0';
  return s;
}

/* An invariant broke: say which, and crash so libFuzzer keeps the input. */
#define FUZZ_CHECK(cond, ...)                                                                                \
  do                                                                                                         \
    {                                                                                                        \
      if (!(cond))                                                                                           \
        {                                                                                                    \
          fprintf (stderr, "fuzz invariant `%s` failed at %s:%d: ", #cond, __FILE__, __LINE__);              \
          fprintf (stderr, __VA_ARGS__);                                                                     \
          fputc ('\n', stderr);                                                                              \
          abort ();                                                                                          \
        }                                                                                                    \
    }                                                                                                        \
  while (0)

#endif
