"""Helpers shared by the security tests (the fixtures come from conftest.py)."""

import hashlib
import os
import re
import shlex
import shutil
import stat
import subprocess
import tempfile

import skiff_it_conftest as it  # loaded by conftest.py

TOKEN = it.TOKEN
parse_status = it.parse_status
cap_mask = it.cap_mask
wait_until = it.wait_until
ConsoleSocket = it.ConsoleSocket

DEV_MOUNTS = ("/dev", "/dev/pts", "/dev/shm", "/dev/mqueue")


def refused(r, *needles):
    """A refusal: non-zero exit and a `skiff: ...` message naming the problem."""
    assert r.returncode != 0, "expected a refusal, got success:\n%s%s" % (r.stdout, r.stderr)
    assert r.returncode > 0, "runtime died from signal %d:\n%s" % (-r.returncode, r.stderr)
    assert "skiff:" in r.stderr, "no `skiff: ...` error message: %r" % r.stderr
    low = r.stderr.lower()
    for n in needles:
        assert n.lower() in low, "error does not mention %r: %r" % (n, r.stderr)


def ok(r, what="command"):
    assert r.returncode == 0, "%s failed (rc %d):\nstdout: %s\nstderr: %s" % (
        what, r.returncode, r.stdout, r.stderr)
    return r


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def wrapper_target(path):
    """For the `skiff-enosys` shell wrapper: (enosys, real skiff); else (None, path)."""
    with open(path, "rb") as f:
        head = f.read(4096)
    if not head.startswith(b"#!"):
        return None, path
    m = re.search(rb"^exec (.*) \"\$@\"$", head, re.M)
    assert m, "cannot parse wrapper %s" % path
    words = shlex.split(m.group(1).decode())
    return words[0], words[-1]


def copy_runtime(rt):
    """A private copy of the runtime binary (and of its wrapper, if any):
    attacks that try to overwrite the binary must never hit the build tree.
    Returns (path to run, path of the ELF copy)."""
    # In the session workdir: it must outlive the test's scratch dir (the
    # leftover check runs `list` with it after the other fixtures are gone).
    d = tempfile.mkdtemp(prefix="bin-", dir=os.path.dirname(rt.root))
    enosys, real = wrapper_target(rt.binary)
    elf = os.path.join(d, "skiff")
    shutil.copy2(real, elf)
    if enosys is None:
        return elf, elf
    wrap = os.path.join(d, "skiff-enosys")
    with open(wrap, "w") as f:
        f.write("#!/bin/sh\nexec %s %s \"$@\"\n" % (shlex.quote(enosys), shlex.quote(elf)))
    os.chmod(wrap, 0o755)
    return wrap, elf


def drop_dev_mounts(bundle):
    """No /dev tmpfs: the rootfs's own dev/ is what the runtime works on."""
    bundle.config["mounts"] = [m for m in bundle.config["mounts"]
                               if m["destination"] not in DEV_MOUNTS]


def snapshot(path):
    """Recursive listing (name, type, size, mtime) of a host dir: must not change."""
    out = []
    for root, dirs, files in os.walk(path):
        for n in sorted(dirs + files):
            p = os.path.join(root, n)
            try:
                st = os.lstat(p)
            except OSError:
                continue
            out.append((os.path.relpath(p, path), stat.S_IFMT(st.st_mode), st.st_size,
                        st.st_mtime_ns))
    return sorted(out)


def host_token_mounts():
    with open("/proc/self/mountinfo") as f:
        return [l for l in f.read().splitlines() if TOKEN in l]


def mounts_on(path):
    """Host mountinfo lines whose mount point is path or below."""
    path = os.path.realpath(path)
    with open("/proc/self/mountinfo") as f:
        return [l for l in f.read().splitlines()
                if l.split()[4] == path or l.split()[4].startswith(path + "/")]


def created(rt, bundle, args, *flags, tag="c", **kw):
    bundle.write(args=args)
    cid = rt.new_id(tag)
    ok(rt.create(cid, bundle.path, *flags, **kw), "create")
    return cid


def running(rt, bundle, args, *flags, tag="r", **kw):
    cid = created(rt, bundle, args, *flags, tag=tag, **kw)
    ok(rt.start(cid), "start")
    return cid


def init_pid(rt, cid):
    return rt.state_json(cid)["pid"]


def skiff_exec(rt, cid, *argv, flags=(), **kw):
    """`skiff exec`; an unimplemented exec is a failure, never a skip."""
    r = rt.cmd("exec", *flags, cid, *argv, **kw)
    assert "not implemented" not in r.stderr.lower(), \
        "skiff exec is not implemented yet: %s" % r.stderr.strip()
    return r


def status_of(text):
    return parse_status(text)


class Sleeper:
    """An unrelated host process (a PID-reuse stranger)."""

    def __init__(self):
        self.proc = subprocess.Popen(["sleep", "300"], stdin=subprocess.DEVNULL)
        self.pid = self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
