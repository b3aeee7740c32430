"""The Debian 12 disk image of the systemd VM lane (`make check-vm-systemd`,
see debvm.py): systemd as PID 1, D-Bus, python3-pytest, runc and the
libraries skiff links, as an ext4 image the VM boots with `-snapshot` (its
writes go to a throw-away overlay, the cached file is never modified).

Built with `debootstrap --variant=minbase` from the host's Debian mirror
(the first entry for the host's codename in /etc/apt/sources.list*;
SKIFF_VM_MIRROR overrides it) and `mkfs.ext4 -d DIR`, so no loop mount is
needed.  Cached in CACHE_DIR/debian/<hash of the inputs>/rootfs.ext4; the
inputs are this file (package list, setup) and skiff-vm-test.service.  The
downloaded .debs stay in CACHE_DIR/debian/debs for the next build.

The image holds no kernel and no modules: the host's /lib/modules is shared
read-only over 9p (mounted by debian-init.sh before systemd starts), so one
image serves every kernel vmboot.find_kernel() picks.

Usable by hand:  python3 debimage.py   (prints the image path, builds if needed)
"""

import fcntl
import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
import uuid

import vmboot

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.path.join(vmboot.CACHE_DIR, "debian")
SUITE = "bookworm"
UNIT = "skiff-vm-test.service"
PACKAGES = [
    "systemd", "systemd-sysv", "dbus", "kmod",
    "python3", "python3-pytest",
    "runc", "busybox-static", "procps", "util-linux", "iproute2",
    # what the skiff binary links (checked with `skiff --version` in the VM)
    "libyajl2", "libseccomp2", "libcap2", "libsystemd0",
]
# Units a test VM has no use for; masked so that boot does not wait on them
# (there is no udev: a getty's tty device unit would never appear).  Under
# TCG every unit costs ~0.1-0.3 s; what stays is what a container host runs:
# journald, D-Bus, logind, tmpfiles, sysctl, the cgroup and mqueue mounts.
MASKED = [
    "getty.target", "serial-getty@ttyS0.service", "console-getty.service",
    "apt-daily.timer", "apt-daily-upgrade.timer", "dpkg-db-backup.timer",
    "e2scrub_all.timer", "e2scrub_reap.service", "fstrim.timer",
    "systemd-tmpfiles-clean.timer",
    # kmod loads modules on demand (the host's /lib/modules is shared)
    "modprobe@configfs.service", "modprobe@dm_mod.service", "modprobe@drm.service",
    "modprobe@efi_pstore.service", "modprobe@fuse.service", "modprobe@loop.service",
    "sys-kernel-config.mount", "sys-fs-fuse-connections.mount",
    "sys-kernel-debug.mount", "sys-kernel-tracing.mount",
    "systemd-binfmt.service", "proc-sys-fs-binfmt_misc.automount",
    "systemd-update-utmp.service", "systemd-update-utmp-runlevel.service",
    "systemd-journal-flush.service",
]
FSTAB = """\
# mounted by debian-init.sh: / (/dev/vda, ext4) and /lib/modules (9p, the host's)
share /share 9p trans=virtio,version=9p2000.L,msize=262144 0 0
src /src 9p trans=virtio,version=9p2000.L,msize=262144,ro 0 0
"""
FREE_MB = 1024  # room for the tests' bundles; sparse, costs nothing until used


class ImageError(Exception):
    pass


def _sources_entries():
    """(uri, [suites]) of every `deb` source of the host's apt."""
    out = []
    one_line = ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list"))
    for path in one_line:
        try:
            with open(path) as f:
                for line in f:
                    words = re.sub(r"\[[^]]*\]", "", line.split("#")[0]).split()
                    if len(words) >= 3 and words[0] == "deb":
                        out.append((words[1], [words[2]]))
        except OSError:
            continue
    for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        with open(path) as f:
            stanzas = f.read().split("\n\n")
        for st in stanzas:
            fields = {}
            for line in st.splitlines():
                if ":" in line and not line.startswith(("#", " ")):
                    k, v = line.split(":", 1)
                    fields[k.strip().lower()] = v.split()
            if "deb" in fields.get("types", []) and fields.get("enabled", ["yes"]) != ["no"]:
                for uri in fields.get("uris", []):
                    out.append((uri, fields.get("suites", [])))
    return out


def host_mirror():
    """The Debian mirror to debootstrap from: $SKIFF_VM_MIRROR, else the
    host's first source that carries SUITE itself, else deb.debian.org."""
    env = os.environ.get("SKIFF_VM_MIRROR")
    if env:
        return env
    for uri, suites in _sources_entries():
        if SUITE in suites:
            return uri
    return "http://deb.debian.org/debian"


def inputs_hash():
    h = hashlib.sha256()
    for p in (os.path.abspath(__file__), os.path.join(HERE, UNIT)):
        with open(p, "rb") as f:
            h.update(f.read())
    return h.hexdigest()[:12]


def _configure(root):
    """Turn the debootstrapped tree into the test VM's root."""
    def write(rel, text, mode=0o644):
        p = os.path.join(root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)
        os.chmod(p, mode)

    write("etc/hostname", "skiff-vm\n")
    write("etc/hosts", "127.0.0.1 localhost skiff-vm\n")
    write("etc/fstab", FSTAB)
    # the journal in memory: nothing to flush into the snapshot overlay at boot
    write("etc/systemd/journald.conf.d/volatile.conf", "[Journal]\nStorage=volatile\n")
    # A set machine-id: an empty one makes systemd treat every boot as the
    # first (ConditionFirstBoot units, preset-all).
    write("etc/machine-id", uuid.uuid4().hex + "\n", 0o444)
    for d in ("share", "src", "usr/lib/modules"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    sysd = os.path.join(root, "etc", "systemd", "system")
    shutil.copy(os.path.join(HERE, UNIT), os.path.join(sysd, UNIT))
    wants = os.path.join(sysd, "multi-user.target.wants")
    os.makedirs(wants, exist_ok=True)
    os.symlink("/etc/systemd/system/" + UNIT, os.path.join(wants, UNIT))
    default = os.path.join(sysd, "default.target")
    if os.path.lexists(default):
        os.unlink(default)
    os.symlink("/lib/systemd/system/multi-user.target", default)
    for unit in MASKED:
        p = os.path.join(sysd, unit)
        if os.path.lexists(p):
            os.unlink(p)
        os.symlink("/dev/null", p)
    # smaller image, faster mkfs: nothing here is read by the tests
    for d in ("usr/share/doc", "usr/share/man", "usr/share/info", "usr/share/locale",
              "var/cache/apt", "var/lib/apt/lists"):
        shutil.rmtree(os.path.join(root, d), ignore_errors=True)
        os.makedirs(os.path.join(root, d), exist_ok=True)


def _du_mb(root):
    out = subprocess.run(["du", "-sxm", root], capture_output=True, text=True, check=True).stdout
    return int(out.split()[0])


def build(dest, mirror, log):
    """debootstrap + setup + mkfs.ext4 into DEST (a new directory)."""
    for tool in ("debootstrap", "mkfs.ext4"):
        if shutil.which(tool) is None:
            raise ImageError("%s not found (apt-get install debootstrap e2fsprogs)" % tool)
    tmp = "%s.tmp-%d" % (dest, os.getpid())
    shutil.rmtree(tmp, ignore_errors=True)
    root = os.path.join(tmp, "root")
    debs = os.path.join(CACHE, "debs")
    os.makedirs(root)
    os.makedirs(debs, exist_ok=True)
    try:
        argv = ["debootstrap", "--variant=minbase", "--include=" + ",".join(PACKAGES),
                "--cache-dir=" + debs, SUITE, root, mirror]
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            raise ImageError("debootstrap %s from %s failed (rc %d), see %s"
                             % (SUITE, mirror, r.returncode, log.name))
        _configure(root)
        img = os.path.join(tmp, "rootfs.ext4")
        with open(img, "wb") as f:
            f.truncate((_du_mb(root) * 5 // 4 + FREE_MB) << 20)
        r = subprocess.run(["mkfs.ext4", "-q", "-F", "-L", "skiff-vm", "-d", root, img],
                           stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            raise ImageError("mkfs.ext4 -d failed (rc %d), see %s" % (r.returncode, log.name))
        # the image appears complete or not at all: image() tests its path
        os.makedirs(dest, exist_ok=True)
        os.rename(img, os.path.join(dest, "rootfs.ext4"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def image():
    """(path of the cached image, seconds spent building it: 0 when cached)."""
    dest = os.path.join(CACHE, inputs_hash())
    path = os.path.join(dest, "rootfs.ext4")
    os.makedirs(CACHE, exist_ok=True)
    with open(os.path.join(CACHE, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one build at a time, readers wait for it
        if os.path.exists(path):
            os.utime(dest)  # in use: see below
            return path, 0.0
        # images of older inputs (~250 MB each) unused for an hour (a run
        # that started before the inputs changed may still boot one), and
        # what a killed build left behind
        for old in glob.glob(os.path.join(CACHE, "[0-9a-f]" * 12) + "*"):
            if ".tmp-" in old or time.time() - os.path.getmtime(old) > 3600:
                shutil.rmtree(old, ignore_errors=True)
        mirror = host_mirror()
        print("debimage: building the Debian %s image from %s (debootstrap, ~2 min)"
              % (SUITE, mirror), flush=True)
        t0 = time.monotonic()
        with open(os.path.join(CACHE, "build.log"), "w") as log:
            build(dest, mirror, log)
        return path, time.monotonic() - t0


if __name__ == "__main__":
    try:
        p, secs = image()
    except ImageError as e:
        sys.exit("debimage: %s" % e)
    print("%s (%s)" % (p, "built in %.1f s" % secs if secs else "cached"))
