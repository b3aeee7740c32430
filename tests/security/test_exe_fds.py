"""SECURITY.md items 1-4 and 30: the runtime binary, leaked fds, /proc/self/fd
paths, ptrace of the setup process."""

import fcntl
import os
import shutil
import subprocess
import time

import pytest

import skiff_it_conftest as it
from seclib import (copy_runtime, created, ok, refused, running, sha256, skiff_exec,
                    init_pid, wait_until)

HERE = os.path.dirname(os.path.abspath(__file__))

PROBE_EXE = r'''
for d in /proc/[0-9]*; do
  [ "$d" = /proc/$$ ] && continue
  [ "$d/exe" -ef /bin/busybox ] && continue
  if ( echo pwn >> "$d/exe" ) 2>/dev/null; then echo "WROTE $d/exe"; fi
  if ( exec 3<"$d/exe" && echo pwn >> /proc/self/fd/3 ) 2>/dev/null; then echo "REOPENED $d/exe"; fi
done
echo probed
'''


# -- 1 ----------------------------------------------------------------------

def test_01_proc_init_exe_not_writable(rt, bundle, scratch):
    """1: created (init is runtime code) and running: no process in the
    container can open any /proc/PID/exe for write; the binary is unchanged."""
    path, elf = copy_runtime(rt)
    cp = it.Runtime(path, rt.root, name="cp")
    before = sha256(elf)
    cid = created(cp, bundle, ["sleep", "30"])
    try:
        r = skiff_exec(cp, cid, "sh", "-c", PROBE_EXE)
        ok(r, "exec in created container")
        assert "probed" in r.stdout
        assert "WROTE" not in r.stdout and "REOPENED" not in r.stdout, r.stdout
        ok(cp.start(cid))
        r = skiff_exec(cp, cid, "sh", "-c", PROBE_EXE)
        ok(r, "exec in running container")
        assert "WROTE" not in r.stdout and "REOPENED" not in r.stdout, r.stdout
    finally:
        cp.delete(cid, force=True)
    assert sha256(elf) == before, "the runtime binary was modified from the container"


def test_01_ptrace_capable_container_sees_only_a_sealed_copy(rt, bundle, scratch):
    """1, the strongest case: the container keeps CAP_SYS_PTRACE (and has no
    user namespace), so non-dumpable does not protect /proc/1/exe. The
    runtime processes it can see run from a sealed memfd copy instead."""
    path, elf = copy_runtime(rt)
    cp = it.Runtime(path, rt.root, name="cp")
    before = sha256(elf)
    caps = bundle.config["process"]["capabilities"]
    for k in ("bounding", "effective", "permitted"):
        caps[k] = sorted(set(caps[k]) | {"CAP_SYS_PTRACE"})
    cid = created(cp, bundle, ["sleep", "30"])
    try:
        if cp.is_skiff:
            assert os.readlink("/proc/%d/exe" % init_pid(cp, cid)).startswith("/memfd:skiff")
        r = skiff_exec(cp, cid, "sh", "-c", "readlink /proc/1/exe; " + PROBE_EXE)
        ok(r, "exec in created container")
        assert "probed" in r.stdout
        assert "WROTE" not in r.stdout and "REOPENED" not in r.stdout, r.stdout
    finally:
        cp.delete(cid, force=True)
    assert sha256(elf) == before, "the runtime binary was modified from the container"


ATTACKER = r'''#!/bin/sh
# CVE-2019-5736: hold every non-busybox /proc/PID/exe, write through it once it exits.
end=$(( $(date +%s) + 20 ))
while [ $(date +%s) -lt $end ]; do
  for d in /proc/[0-9]*; do
    [ -e "$d/exe" ] || continue
    [ "$d/exe" -ef /bin/busybox ] && continue
    [ -e "/dev/shm/held${d#/proc}" ] && continue
    ( exec 3<"$d/exe" || exit 1
      : > "/dev/shm/held${d#/proc}"
      echo "HELD $d" >> /dev/shm/log
      i=0
      while [ $i -lt 150 ]; do
        if echo pwn >> /proc/self/fd/3; then echo "WROTE $d" >> /dev/shm/log; exit 0; fi
        i=$((i+1)); sleep 0.1
      done ) 2>/dev/null &
  done
done
'''


def _full_pipe():
    r, w = os.pipe()
    fl = fcntl.fcntl(w, fcntl.F_GETFL)
    fcntl.fcntl(w, fcntl.F_SETFL, fl | os.O_NONBLOCK)
    try:
        while True:
            os.write(w, b"x" * 4096)
    except BlockingIOError:
        pass
    fcntl.fcntl(w, fcntl.F_SETFL, fl)
    return r, w


def test_01_cve_2019_5736_shebang_proc_self_exe(rt, bundle, scratch):
    """1: `exec` of a container binary whose interpreter is /proc/self/exe must
    not run the host runtime binary inside the container where the container
    can hold it open and write it after it exits."""
    path, elf = copy_runtime(rt)
    cp = it.Runtime(path, rt.root, name="cp")
    before = sha256(elf)
    with open(os.path.join(bundle.rootfs, "attack.sh"), "w") as f:
        f.write(ATTACKER)
    os.chmod(os.path.join(bundle.rootfs, "attack.sh"), 0o755)
    with open(os.path.join(bundle.rootfs, "bin", "evil"), "w") as f:
        f.write("#!/proc/self/exe --version\n")
    os.chmod(os.path.join(bundle.rootfs, "bin", "evil"), 0o755)
    cid = running(cp, bundle, ["/attack.sh"])
    rfd, wfd = _full_pipe()
    try:
        # The interpreter's output blocks on the full pipe: a long window.
        p = cp.popen("exec", cid, "/bin/evil", stdout=wfd, stderr=wfd)
        os.close(wfd)
        wfd = None
        held = wait_until(lambda: "HELD" in skiff_exec(cp, cid, "cat", "/dev/shm/log").stdout,
                          timeout=4, interval=0.2)
        # Drain: the blocked process finishes and exits; the attacker writes.
        drained = b""
        deadline = time.time() + 15
        while p.poll() is None and time.time() < deadline:
            drained += os.read(rfd, 65536)
        if p.poll() is None:
            p.kill()
        p.wait()
        time.sleep(1.5)
        log = skiff_exec(cp, cid, "cat", "/dev/shm/log").stdout
    finally:
        if wfd is not None:
            os.close(wfd)
        os.close(rfd)
        cp.kill(cid, "KILL")
        cp.delete(cid, force=True)
    # `skiff --version` output in the pipe = the host binary ran in the container.
    ran_host_binary = b"skiff version" in drained.replace(b"x", b"") or b"Usage" in drained
    assert sha256(elf) == before, (
        "CVE-2019-5736: the container overwrote the host runtime binary through "
        "/proc/PID/exe (attacker log: %r)" % log)
    assert "WROTE" not in log, log
    assert not (held and ran_host_binary), (
        "the host runtime binary ran inside the container (#!/proc/self/exe) and the "
        "container held it open: %r" % log)


# -- 2 ----------------------------------------------------------------------

def _fds_of(pid):
    return sorted(int(f) for f in os.listdir("/proc/%d/fd" % pid))


def _create_with_leaked_fds(rt, bundle, cid, marker, *flags):
    """create with fds 3 and 7 open without CLOEXEC (from a shell), plus an
    inheritable fd from this Python process."""
    pyfd = os.open(marker, os.O_RDONLY)
    os.set_inheritable(pyfd, True)
    try:
        argv = ["sh", "-c", 'exec 3<"$0" 7<"$0"; exec "$@"', marker] + \
            rt.argv("create", "--bundle", bundle.path, *flags, cid)
        p = it.FilePopen(argv, env=rt.env(), stdin=subprocess.DEVNULL, pass_fds=(pyfd,))
        rc = p.wait(timeout=30)
        return subprocess.CompletedProcess(argv, rc, p.read_stdout(), p.read_stderr()), pyfd
    finally:
        os.close(pyfd)


@pytest.mark.parametrize("preserve", [0, 1])
def test_02_host_fds_not_leaked(rt, bundle, scratch, preserve):
    """2: PID 1 of the container sees only 0-2 (+ the preserved fds)."""
    marker = os.path.join(scratch, "host-secret")
    with open(marker, "w") as f:
        f.write("secret\n")
    bundle.write(args=["sh", "-c", "ls /proc/$$/fd; exec sleep 30"])
    cid = rt.new_id("fd")
    flags = ("--preserve-fds", "1") if preserve else ()
    r, pyfd = _create_with_leaked_fds(rt, bundle, cid, marker, *flags)
    try:
        ok(r, "create")
        ok(rt.start(cid))
        pid = init_pid(rt, cid)
        want = [0, 1, 2] + ([3] if preserve else [])
        got = wait_until(lambda: _fds_of(pid) if "sleep" in it._cmdline(pid) else None, 5)
        assert got == want, "container init fds %s, expected %s (targets: %s)" % (
            got, want, {f: os.readlink("/proc/%d/fd/%d" % (pid, f)) for f in got})
        for f in got:
            tgt = os.readlink("/proc/%d/fd/%d" % (pid, f))
            if f > 2:
                assert tgt == marker
            else:
                assert "host-secret" not in tgt
    finally:
        rt.delete(cid, force=True)


# -- 3 ----------------------------------------------------------------------

@pytest.mark.parametrize("n", range(3, 10))
def test_03_config_cwd_proc_self_fd_refused(rt, bundle, n):
    """3: cwd=/proc/self/fd/N in config.json -> refused (CVE-2024-21626)."""
    bundle.config["process"]["cwd"] = "/proc/self/fd/%d" % n
    r = rt.run_payload(bundle, ["sh", "-c", "echo CWD=$(pwd); ls"])
    refused(r)
    assert "CWD=" not in r.stdout, r.stdout


def test_03_exec_cwd_proc_self_fd_refused(rt, bundle):
    """3: `exec --cwd /proc/self/fd/N` -> refused."""
    cid = running(rt, bundle, ["sleep", "30"])
    try:
        for n in range(3, 10):
            r = skiff_exec(rt, cid, "sh", "-c", "echo CWD=$(pwd); ls",
                           flags=("--cwd", "/proc/self/fd/%d" % n))
            refused(r)
            assert "CWD=" not in r.stdout, (n, r.stdout)
    finally:
        rt.delete(cid, force=True)


# -- 4 ----------------------------------------------------------------------

def test_04_args0_through_proc_self_fd(rt, bundle, scratch):
    """4: args[0]=/proc/self/fd/N/../../bin/sh -> ENOENT; nothing from the host runs."""
    ran = os.path.join(scratch, "RAN")
    evil = os.path.join(scratch, "evil.sh")
    with open(evil, "w") as f:
        f.write("#!/bin/sh\ntouch %s\n" % ran)
    os.chmod(evil, 0o755)
    for n in range(3, 10):
        for tail in ("../../bin/sh", "../../../../../../../.." + evil):
            bundle.config["process"]["args"] = ["/proc/self/fd/%d/%s" % (n, tail), "-c",
                                                "touch %s; echo HOSTSH" % ran]
            r = rt.run_payload(bundle, bundle.config["process"]["args"])
            refused(r)
            assert "no such file" in r.stderr.lower() or "ENOENT" in r.stderr, r.stderr
            assert "HOSTSH" not in r.stdout
    assert not os.path.exists(ran), "a host binary ran"


# -- 30 ---------------------------------------------------------------------

@pytest.fixture(scope="session")
def ptrace_helper(workdir):
    out = os.path.join(workdir, "ptrace_attach")
    r = subprocess.run(["gcc", "-static", "-O2", "-o", out,
                        os.path.join(HERE, "ptrace_attach.c")], capture_output=True, text=True)
    assert r.returncode == 0, "cannot build the static ptrace helper: %s" % r.stderr
    return out


def test_30_ptrace_setup_process_denied(rt, bundle, ptrace_helper):
    """30: from inside the container's pid namespace, the runtime's setup
    process (the init waiting on the exec fifo) cannot be ptraced, nor its
    environ/mem/root read."""
    shutil.copy(ptrace_helper, os.path.join(bundle.rootfs, "ptrace_attach"))
    cid = created(rt, bundle, ["sleep", "30"])
    try:
        r = skiff_exec(rt, cid, "/ptrace_attach", "1")
        assert "1 EPERM" in r.stdout, "ptrace of the setup process: %r %r" % (r.stdout, r.stderr)
        r = skiff_exec(rt, cid, "sh", "-c",
                       "for f in environ mem; do cat /proc/1/$f >/dev/null 2>&1 && echo READ-$f; done;"
                       "ls /proc/1/root/ >/dev/null 2>&1 && echo READ-root;"
                       "for l in /proc/1/fd/*; do readlink $l >/dev/null 2>&1 && echo READ-fd; done;"
                       "readlink /proc/1/exe >/dev/null 2>&1 && echo READ-exe; echo done")
        ok(r)
        assert "READ-" not in r.stdout, r.stdout
    finally:
        rt.delete(cid, force=True)
