"""The systemd VM lane (`make check-vm-systemd`): skiff's pytest files run
unchanged inside a Debian 12 VM whose PID 1 is systemd 252 on a pure cgroup
v2 kernel, so that the same test file runs on the hybrid host, on v2, and on
v2 with the systemd cgroup driver.

- kernel: the same Debian kernel and qemu setup as `make check-vm`
  (vmboot.py: TCG, one vCPU, the vmlinux), command line with
  `cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1`;
- initramfs: busybox + virtio/ext4/9p modules, debian-init.sh as /init,
  which mounts the image and switch_roots into systemd;
- disk: the Debian image of debimage.py (cached), booted with -snapshot;
- 9p shares: `src` the source tree (read-only), `modules` the host's
  /lib/modules (read-only), `share` a temp dir with the binary under test,
  the lanes and the results.

skiff-vm-test.service in the image runs /src/tests/vm/debian-run.sh after
multi-user.target: one pytest run per lane, output to the console (streamed
here) and to the share, then it powers the VM off.  The report is the
in-VM pytest output itself; the exit code is 0 only when every lane's
pytest exited 0.

usage: debvm.py --skiff BIN [--keep DIR] [--timeout S] [LANE ...]
A LANE is one pytest command line relative to the source tree, e.g.
'tests/integration/test_cgroups.py -k pids'.  Without LANE arguments the
lanes come from $VM_PYTEST_ARGS, separated by ';', and without that from
default_lanes(): tests/integration/test_cgroups.py, and the same file with
--systemd-cgroup once tests/integration/conftest.py has that option.

Measured on the 2-core development host (TCG, README.md "Tests" has the
table): image build ~70 s (debimage.py), qemu start to the first test
9-13 s after masking boot units that cost ~0.1-0.3 s each (17-30 s before),
both lanes of test_cgroups.py ~90 s; the whole target 2 min 43 s with the
image build, 1 min 44 s with the image cached.
"""

import argparse
import fcntl
import glob
import hashlib
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import debimage
import vmboot

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.path.abspath(os.path.join(HERE, "..", ".."))
INIT = os.path.join(HERE, "debian-init.sh")
MODULES = ["virtio_pci", "virtio_blk", "crc32c_generic", "ext4", "9pnet_virtio", "9p"]
KERNEL_CMDLINE = ("console=ttyS0 cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1 "
                  "quiet panic=-1")
CGROUP_FILE = "tests/integration/test_cgroups.py"
SYSTEMD_OPTION = "--systemd-cgroup"
MEMORY_MB = 2048  # python + systemd + containers; untouched pages cost nothing under TCG
DEFAULT_TIMEOUT = int(os.environ.get("SKIFF_VM_TIMEOUT", "1200"))
TESTS_START = "skiff-vm: tests start"
# SeaBIOS clears the screen and resets the terminal: not for a CI log
ESCAPES = re.compile(r"\x1b(?:\[[0-9;?]*[A-Za-z]|c)")


def say(msg):
    print("check-vm-systemd: " + msg, flush=True)


def initramfs(kver):
    """The lane's initramfs, cached next to the image per kernel and inputs."""
    h = hashlib.sha256(" ".join(MODULES).encode())
    for p in (INIT, vmboot.__file__, vmboot.BUSYBOX, "/lib/modules/%s/modules.dep" % kver):
        with open(p, "rb") as f:
            h.update(f.read())
    out = os.path.join(debimage.CACHE, "initramfs-%s-%s.cpio" % (kver, h.hexdigest()[:12]))
    os.makedirs(debimage.CACHE, exist_ok=True)
    with open(os.path.join(debimage.CACHE, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel runs share the cache
        if not os.path.exists(out):
            for old in glob.glob(os.path.join(debimage.CACHE, "initramfs-*.cpio")):
                os.unlink(old)
            vmboot.build_initramfs(kver, out, init=INIT, modules=MODULES)
    return out


def default_lanes():
    lanes = [CGROUP_FILE]
    with open(os.path.join(SRCDIR, "tests", "integration", "conftest.py")) as f:
        has_option = '"%s"' % SYSTEMD_OPTION in f.read()
    if has_option:
        lanes.append("%s %s" % (CGROUP_FILE, SYSTEMD_OPTION))
    else:
        say("LOUD SKIP: tests/integration/conftest.py has no %s option: the systemd cgroup "
            "driver lane does not run" % SYSTEMD_OPTION)
    return lanes


def qemu_argv(vmlinux, initrd, image, share, timeout):
    def virtfs(path, tag, ro):
        return ["-virtfs", "local,path=%s,mount_tag=%s,security_model=none%s"
                % (path, tag, ",readonly=on" if ro else "")]
    return (["timeout", "-k", "5", str(timeout), vmboot.QEMU,
             "-accel", "tcg,thread=multi", "-cpu", "max", "-smp", "1", "-m", str(MEMORY_MB),
             "-nographic", "-no-reboot", "-nodefaults", "-serial", "stdio",
             "-kernel", vmlinux, "-initrd", initrd, "-append", KERNEL_CMDLINE,
             # -snapshot: the guest writes to a temp overlay, the cached image stays as built
             "-drive", "file=%s,format=raw,if=virtio,snapshot=on" % image]
            + virtfs(SRCDIR, "src", True) + virtfs("/lib/modules", "modules", True)
            + virtfs(share, "share", False))


def boot(argv, console_log):
    """Run qemu, echoing the console; (rc, seconds to the tests' start or None)."""
    t0 = time.monotonic()
    started = None
    with open(console_log, "wb") as log, \
            subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT) as p:
        try:
            for raw in p.stdout:
                log.write(raw)
                line = ESCAPES.sub("", raw.decode(errors="replace")).rstrip("\r\n")
                # SeaBIOS ends without a newline: the marker can follow its text
                if started is None and TESTS_START in line:
                    started = time.monotonic() - t0
                print(line, flush=True)
        except BaseException:
            # timeout(1) runs qemu in its own process group, out of reach of
            # the terminal's ^C: pass the end on (timeout forwards SIGTERM)
            p.terminate()
            p.wait(30)
            raise
        rc = p.wait()
    return rc, started


def read(path, default=None):
    try:
        with open(path, errors="replace") as f:
            return f.read().strip()
    except FileNotFoundError:
        return default


def pytest_summary(log_text):
    for line in reversed((log_text or "").splitlines()):
        if line.startswith("=") and " in " in line:
            return line.strip()
    return "no pytest summary"


def report(share, lanes, rc):
    """One line per lane; returns the process exit code."""
    ok = True
    if rc != 0:
        say("qemu rc %d%s" % (rc, " (timed out)" if rc == 124 else ""))
        ok = False
    if read(os.path.join(share, "done")) is None:
        say("the VM did not finish the test run (no done marker): see the console "
            "above; SKIFF_VM_KEEP=DIR keeps console.log and the results")
        ok = False
    env_error = read(os.path.join(share, "env-error"))
    if env_error is not None:
        say("VM environment check failed: %s" % env_error)
        ok = False
    for i, lane in enumerate(lanes, 1):
        lane_rc = read(os.path.join(share, "lane-%d.rc" % i))
        summary = pytest_summary(read(os.path.join(share, "lane-%d.log" % i)))
        say("lane %d `pytest %s`: rc %s, %s" % (i, lane, lane_rc or "missing", summary))
        ok = ok and lane_rc == "0"
    return 0 if ok else 1


def _terminated(signum, _frame):
    raise SystemExit("check-vm-systemd: signal %d" % signum)


def main():
    signal.signal(signal.SIGTERM, _terminated)  # so that boot() stops qemu and the share goes
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--skiff", required=True, help="the runtime binary under test")
    ap.add_argument("--keep", default=os.environ.get("SKIFF_VM_KEEP"),
                    help="copy the share (results, console.log, journal.txt) here")
    ap.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT,
                    help="seconds before qemu is killed (default %(default)s)")
    ap.add_argument("lanes", nargs="*", help="pytest arguments, one pytest run each")
    args = ap.parse_args()
    lanes = args.lanes or os.environ.get("VM_PYTEST_ARGS", "").split(";")
    lanes = [l.strip() for l in lanes if l.strip()] or default_lanes()

    skiff = os.path.abspath(args.skiff)
    if not os.access(skiff, os.X_OK):
        say("no runtime binary at %s" % skiff)
        return 1
    t0 = time.monotonic()
    try:
        vmlinux, _, kver = vmboot.prepare()
        initrd = initramfs(kver)
        t_kernel = time.monotonic() - t0
        image, t_image = debimage.image()
    except (vmboot.VMError, debimage.ImageError) as e:
        say("cannot prepare the VM: %s" % e)
        return 1
    say("kernel %s + initramfs %.1f s, image %s (%s)" % (
        kver, t_kernel, image, "built in %.1f s" % t_image if t_image else "cached"))

    share = tempfile.mkdtemp(prefix="skiff-vm-deb.")
    try:
        shutil.copy(skiff, os.path.join(share, "skiff"))
        with open(os.path.join(share, "lanes"), "w") as f:
            for lane in lanes:
                f.write(shlex.join(shlex.split(lane)) + "\n")
        t_boot = time.monotonic()
        rc, started = boot(qemu_argv(vmlinux, initrd, image, share, args.timeout),
                           os.path.join(share, "console.log"))
        t_end = time.monotonic()
        status = report(share, lanes, rc)
        info = read(os.path.join(share, "vm-info.txt"), "")
        for line in info.splitlines():
            if line.startswith("boot: "):
                say("in the VM: " + line[len("boot: "):])
        say("image %s, qemu start to tests %s, tests %s, total %.1f s" % (
            "%.1f s (built)" % t_image if t_image else "cached",
            "%.1f s" % started if started is not None else "never",
            "%.1f s" % (t_end - t_boot - started) if started is not None else "-",
            t_end - t0))
        if args.keep:
            shutil.copytree(share, args.keep, dirs_exist_ok=True)
            say("share kept in %s" % args.keep)
        return status
    finally:
        shutil.rmtree(share, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
