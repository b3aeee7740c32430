/* Tiny assertion helpers shared by the unit tests. A failed
 * check prints where and why, and makes the program exit 1 at the end. */
#ifndef SKIFF_TEST_CHECK_H
#define SKIFF_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_failures;

#define CHECK(cond)                                                        \
  do                                                                       \
    {                                                                      \
      if (!(cond))                                                         \
        {                                                                  \
          fprintf (stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
          test_failures++;                                                 \
        }                                                                  \
    }                                                                      \
  while (0)

#define CHECK_STR(got, want)                                                         \
  do                                                                                 \
    {                                                                                \
      const char *g_ = (got), *w_ = (want);                                          \
      if (g_ == NULL || w_ == NULL ? g_ != w_ : strcmp (g_, w_) != 0)                \
        {                                                                            \
          fprintf (stderr, "%s:%d: %s\n  got:  %s\n  want: %s\n", __FILE__, __LINE__, \
                   #got, g_ ? g_ : "(null)", w_ ? w_ : "(null)");                    \
          test_failures++;                                                           \
        }                                                                            \
    }                                                                                \
  while (0)

#define CHECK_PREFIX(got, prefix)                                                     \
  do                                                                                  \
    {                                                                                 \
      const char *g_ = (got), *p_ = (prefix);                                         \
      if (g_ == NULL || strncmp (g_, p_, strlen (p_)) != 0)                           \
        {                                                                             \
          fprintf (stderr, "%s:%d: %s\n  got:    %s\n  prefix: %s\n", __FILE__, __LINE__, \
                   #got, g_ ? g_ : "(null)", p_);                                     \
          test_failures++;                                                            \
        }                                                                             \
    }                                                                                 \
  while (0)

#ifndef TEST_DATA_DIR
#define TEST_DATA_DIR "tests/unit/data"
#endif

#define TEST_EXIT() (test_failures ? (fprintf (stderr, "%d check(s) failed\n", test_failures), 1) : 0)

/* Data files live in tests/unit/data: automake exports srcdir (the top
 * source dir for our non-recursive build); TEST_DATA_DIR covers running the
 * binary by hand. */
static inline char *
test_read_data (const char *name)
{
  const char *srcdir = getenv ("srcdir");
  char path[4096];
  char *buf = NULL;
  size_t len = 0;
  FILE *f;

  if (srcdir)
    snprintf (path, sizeof (path), "%s/tests/unit/data/%s", srcdir, name);
  else
    snprintf (path, sizeof (path), "%s/%s", TEST_DATA_DIR, name);
  f = fopen (path, "re");
  if (f == NULL)
    {
      fprintf (stderr, "cannot open %s\n", path);
      exit (99); /* automake: hard error, not a test failure */
    }
  if (getdelim (&buf, &len, '\0', f) < 0)
    {
      fprintf (stderr, "cannot read %s\n", path);
      exit (99);
    }
  fclose (f);
  return buf;
}

#endif
