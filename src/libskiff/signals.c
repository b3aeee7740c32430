/* Signal names as `kill` spells them: "TERM", "SIGTERM", "sigterm", "15",
 * "RTMIN+3", "RTMAX-1". Engines pass whatever their users typed (podman stop
 * --signal, docker kill -s), so parsing is deliberately lenient. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "skiff.h"
#include "util.h"

struct signame {
  const char *name; /* without "SIG" */
  int signo;
};

/* Every spelling skiff_signal_parse accepts, aliases included (IOT, CLD, POLL). */
static const struct signame signames[] = {
  { "HUP", SIGHUP },       { "INT", SIGINT },       { "QUIT", SIGQUIT },   { "ILL", SIGILL },
  { "TRAP", SIGTRAP },     { "ABRT", SIGABRT },     { "IOT", SIGIOT },     { "BUS", SIGBUS },
  { "FPE", SIGFPE },       { "KILL", SIGKILL },     { "USR1", SIGUSR1 },   { "SEGV", SIGSEGV },
  { "USR2", SIGUSR2 },     { "PIPE", SIGPIPE },     { "ALRM", SIGALRM },   { "TERM", SIGTERM },
#ifdef SIGSTKFLT
  { "STKFLT", SIGSTKFLT },
#endif
  { "CHLD", SIGCHLD },     { "CLD", SIGCHLD },      { "CONT", SIGCONT },   { "STOP", SIGSTOP },
  { "TSTP", SIGTSTP },     { "TTIN", SIGTTIN },     { "TTOU", SIGTTOU },   { "URG", SIGURG },
  { "XCPU", SIGXCPU },     { "XFSZ", SIGXFSZ },     { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
  { "WINCH", SIGWINCH },   { "IO", SIGIO },         { "POLL", SIGPOLL },   { "PWR", SIGPWR },
  { "SYS", SIGSYS },
};

#define N_SIGNAMES (sizeof (signames) / sizeof (signames[0]))

/* skiff_signal_name returns a static string, so real-time names are spelled
 * out here rather than formatted into a buffer. The kernel has 32 of them. */
static const char *const rtmin_names[] = {
  "SIGRTMIN",    "SIGRTMIN+1",  "SIGRTMIN+2",  "SIGRTMIN+3",  "SIGRTMIN+4",  "SIGRTMIN+5",
  "SIGRTMIN+6",  "SIGRTMIN+7",  "SIGRTMIN+8",  "SIGRTMIN+9",  "SIGRTMIN+10", "SIGRTMIN+11",
  "SIGRTMIN+12", "SIGRTMIN+13", "SIGRTMIN+14", "SIGRTMIN+15", "SIGRTMIN+16", "SIGRTMIN+17",
  "SIGRTMIN+18", "SIGRTMIN+19", "SIGRTMIN+20", "SIGRTMIN+21", "SIGRTMIN+22", "SIGRTMIN+23",
  "SIGRTMIN+24", "SIGRTMIN+25", "SIGRTMIN+26", "SIGRTMIN+27", "SIGRTMIN+28", "SIGRTMIN+29",
  "SIGRTMIN+30", "SIGRTMIN+31", "SIGRTMIN+32",
};

/* "RTMIN", "RTMIN+N", "RTMAX", "RTMAX-N" (prefix already stripped). */
static int
parse_realtime (const char *s)
{
  long off = 0;
  int base, sign;

  if (strncasecmp (s, "RTMIN", 5) == 0)
    base = SIGRTMIN, sign = 1;
  else if (strncasecmp (s, "RTMAX", 5) == 0)
    base = SIGRTMAX, sign = -1;
  else
    return -1;
  s += 5;
  if (*s != '\0')
    {
      /* strtol would also take "RTMIN+ 3" and "RTMIN++3": insist on a digit. */
      if (*s != (sign > 0 ? '+' : '-') || s[1] < '0' || s[1] > '9')
        return -1;
      if (parse_long (s + 1, 0, SIGRTMAX - SIGRTMIN, &off) < 0)
        return -1;
    }
  return base + sign * (int) off;
}

int
skiff_signal_parse (const char *s)
{
  long n;
  size_t i;

  if (s == NULL || *s == '\0')
    return -1;
  /* Numbers: only what the kernel accepts; 0 is a liveness probe, not a signal. */
  if (s[0] >= '0' && s[0] <= '9')
    return parse_long (s, 1, SIGRTMAX, &n) < 0 ? -1 : (int) n;
  if (strncasecmp (s, "SIG", 3) == 0)
    s += 3;
  for (i = 0; i < N_SIGNAMES; i++)
    if (strcasecmp (s, signames[i].name) == 0)
      return signames[i].signo;
  return parse_realtime (s);
}

const char *
skiff_signal_name (int signo)
{
  static const char *const canonical[] = {
#define S(x) [SIG##x] = "SIG" #x
    S (HUP),  S (INT),  S (QUIT), S (ILL),  S (TRAP), S (ABRT), S (BUS),    S (FPE),
    S (KILL), S (USR1), S (SEGV), S (USR2), S (PIPE), S (ALRM), S (TERM),
#ifdef SIGSTKFLT
    S (STKFLT),
#endif
    S (CHLD), S (CONT), S (STOP), S (TSTP), S (TTIN), S (TTOU), S (URG),    S (XCPU),
    S (XFSZ), S (VTALRM), S (PROF), S (WINCH), S (IO), S (PWR), S (SYS),
#undef S
  };

  if (signo > 0 && (size_t) signo < sizeof (canonical) / sizeof (canonical[0]) && canonical[signo])
    return canonical[signo];
  if (signo == SIGRTMAX)
    return "SIGRTMAX";
  if (signo >= SIGRTMIN && signo < SIGRTMAX
      && (size_t) (signo - SIGRTMIN) < sizeof (rtmin_names) / sizeof (rtmin_names[0]))
    return rtmin_names[signo - SIGRTMIN];
  return NULL;
}
