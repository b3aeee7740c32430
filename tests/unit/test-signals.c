/* skiff_signal_parse / skiff_signal_name: the spellings engines pass to
 * `skiff kill` (podman stop --signal, docker kill -s) must all resolve. */
#include <signal.h>
#include <stdio.h>

#include "check.h"
#include <string.h>

#include "skiff.h"


static void
test_names (void)
{
  CHECK (skiff_signal_parse ("KILL") == SIGKILL);
  CHECK (skiff_signal_parse ("SIGKILL") == SIGKILL);
  CHECK (skiff_signal_parse ("sigkill") == SIGKILL);
  CHECK (skiff_signal_parse ("Term") == SIGTERM);
  CHECK (skiff_signal_parse ("SIGHUP") == SIGHUP);
  CHECK (skiff_signal_parse ("WINCH") == SIGWINCH);
  CHECK (skiff_signal_parse ("USR1") == SIGUSR1);
  CHECK (skiff_signal_parse ("SIGUSR2") == SIGUSR2);
  /* Aliases resolve to the same number. */
  CHECK (skiff_signal_parse ("IOT") == SIGABRT);
  CHECK (skiff_signal_parse ("CLD") == SIGCHLD);
  CHECK (skiff_signal_parse ("POLL") == SIGIO);
}

static void
test_numbers (void)
{
  CHECK (skiff_signal_parse ("9") == 9);
  CHECK (skiff_signal_parse ("15") == 15);
  CHECK (skiff_signal_parse ("1") == 1);
  CHECK (skiff_signal_parse ("0") == -1);
  CHECK (skiff_signal_parse ("65") == -1);
  CHECK (skiff_signal_parse ("9x") == -1);
  CHECK (skiff_signal_parse ("-9") == -1);
  CHECK (skiff_signal_parse ("99999999999999999999") == -1);
}

static void
test_realtime (void)
{
  CHECK (skiff_signal_parse ("RTMIN") == SIGRTMIN);
  CHECK (skiff_signal_parse ("SIGRTMIN") == SIGRTMIN);
  CHECK (skiff_signal_parse ("rtmin+3") == SIGRTMIN + 3);
  CHECK (skiff_signal_parse ("SIGRTMAX") == SIGRTMAX);
  CHECK (skiff_signal_parse ("RTMAX-2") == SIGRTMAX - 2);
  CHECK (skiff_signal_parse ("RTMIN-1") == -1);
  CHECK (skiff_signal_parse ("RTMAX+1") == -1);
  CHECK (skiff_signal_parse ("RTMIN+") == -1);
  CHECK (skiff_signal_parse ("RTMIN++1") == -1);
  CHECK (skiff_signal_parse ("RTMIN+ 1") == -1);
  CHECK (skiff_signal_parse ("RTMIN+99") == -1);
}

static void
test_invalid (void)
{
  CHECK (skiff_signal_parse (NULL) == -1);
  CHECK (skiff_signal_parse ("") == -1);
  CHECK (skiff_signal_parse ("SIG") == -1);
  CHECK (skiff_signal_parse ("FOO") == -1);
  CHECK (skiff_signal_parse ("SIGSIGKILL") == -1);
  CHECK (skiff_signal_parse ("KILL ") == -1);
}

static void
test_name (void)
{
  int s;

  CHECK (skiff_signal_name (SIGTERM) && strcmp (skiff_signal_name (SIGTERM), "SIGTERM") == 0);
  CHECK (skiff_signal_name (SIGKILL) && strcmp (skiff_signal_name (SIGKILL), "SIGKILL") == 0);
  CHECK (skiff_signal_name (SIGRTMIN) && strcmp (skiff_signal_name (SIGRTMIN), "SIGRTMIN") == 0);
  CHECK (skiff_signal_name (SIGRTMIN + 1) && strcmp (skiff_signal_name (SIGRTMIN + 1), "SIGRTMIN+1") == 0);
  CHECK (skiff_signal_name (SIGRTMAX) && strcmp (skiff_signal_name (SIGRTMAX), "SIGRTMAX") == 0);
  CHECK (skiff_signal_name (0) == NULL);
  CHECK (skiff_signal_name (-1) == NULL);
  CHECK (skiff_signal_name (SIGRTMAX + 1) == NULL);
  /* Every signal the kernel has gets a name, and the name parses back. */
  for (s = 1; s <= SIGRTMAX; s++)
    {
      const char *name = skiff_signal_name (s);
      if (s > SIGSYS && s < SIGRTMIN)
        continue; /* kernel RT signals the libc keeps for its threads */
      CHECK (name != NULL);
      if (name)
        CHECK (skiff_signal_parse (name) == s);
    }
}

int
main (void)
{
  test_names ();
  test_numbers ();
  test_realtime ();
  test_invalid ();
  test_name ();
  return TEST_EXIT ();
}
