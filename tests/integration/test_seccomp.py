"""linux.seccomp: the filter is enforced inside (errno, kill), the same way as
runc on the same profile; the compiled-filter cache under the state root
is used again, and a damaged entry is only ever a recompile; SCMP_ACT_NOTIFY
hands the listener to an agent at listenerPath (create and exec); syscalls
above the highest one a denying profile names get ENOSYS."""

import errno
import fcntl
import glob
import json
import os
import select
import signal
import socket
import struct
import subprocess
import threading
import time

import pytest

from conftest import wait_until

DENY_MKDIR = {
    "defaultAction": "SCMP_ACT_ALLOW",
    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    "syscalls": [
        {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
        {"names": ["not_a_syscall_at_all"], "action": "SCMP_ACT_ERRNO"},
        {"names": ["personality"], "action": "SCMP_ACT_ERRNO",
         "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]},
    ],
}

PAYLOAD = ("grep Seccomp: /proc/self/status; mkdir /tmp/x 2>&1; "
           "ls -d /tmp/x 2>/dev/null || echo no-dir")


def run(r, bundle, profile, args=None):
    bundle.config["linux"]["seccomp"] = profile
    return r.run_payload(bundle, args or ["sh", "-c", PAYLOAD])


def test_errno_rule_like_runc(rt, ref, bundle):
    outs = {}
    for r in (rt, ref):
        res = run(r, bundle, DENY_MKDIR)
        assert res.returncode == 0, "%s: %s" % (r.name, res.stderr)
        outs[r.name] = res.stdout
    assert outs["rt"] == outs["ref"]
    assert "Seccomp:\t2" in outs["rt"] and "Permission denied" in outs["rt"] and "no-dir" in outs["rt"]


def test_kill_action(rt, ref, bundle):
    profile = dict(DENY_MKDIR, syscalls=[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_KILL"}])
    codes = {}
    for r in (rt, ref):
        res = run(r, bundle, profile, ["mkdir", "/tmp/y"])
        codes[r.name] = res.returncode
    assert codes["rt"] == codes["ref"] == 128 + 31  # SIGSYS


def test_exec_gets_the_filter(rt, bundle):
    bundle.config["linux"]["seccomp"] = DENY_MKDIR
    cid = rt.new_id("sx")
    assert rt.run(cid, bundle.write(args=["sleep", "30"]).path, "-d").returncode == 0
    try:
        res = rt.cmd("exec", cid, "sh", "-c", PAYLOAD)
        assert res.returncode == 0, res.stderr
        assert "Seccomp:\t2" in res.stdout and "Permission denied" in res.stdout
    finally:
        rt.delete(cid, force=True)


@pytest.mark.skiff_only("the compiled-filter cache is skiff's")
def test_cache_is_reused_and_survives_damage(rt, bundle):
    assert run(rt, bundle, DENY_MKDIR).returncode == 0
    entries = glob.glob(os.path.join(rt.root, ".seccomp-cache", "*.bpf"))
    assert len(entries) == 1, entries
    before = os.stat(entries[0]).st_mtime_ns
    res = run(rt, bundle, DENY_MKDIR)
    assert res.returncode == 0 and "Permission denied" in res.stdout
    assert os.stat(entries[0]).st_mtime_ns == before, "a cache hit must not rewrite the entry"
    # A damaged entry is never loaded: the profile is compiled again. Turn
    # every instruction into "return ALLOW" (BPF_RET|BPF_K, SECCOMP_RET_ALLOW).
    # Layout: "SKIFFBPF1\n", u64 checksum, u32 key_len, flags, insns, reserved.
    with open(entries[0], "r+b") as f:
        data = f.read()
        key_len, _flags, n_insns = struct.unpack_from("=III", data, 10 + 8)
        f.seek(10 + 24 + key_len)
        f.write(b"\x06\x00\x00\x00\x00\x00\xff\x7f" * n_insns)
    res = run(rt, bundle, DENY_MKDIR)
    assert res.returncode == 0, res.stderr
    assert "Permission denied" in res.stdout and "no-dir" in res.stdout
    # A different profile gets its own entry.
    other = dict(DENY_MKDIR, defaultAction="SCMP_ACT_LOG")
    assert run(rt, bundle, other).returncode == 0
    assert len(glob.glob(os.path.join(rt.root, ".seccomp-cache", "*.bpf"))) == 2


# --------------------------------------------------------------------------
# SCMP_ACT_NOTIFY: a seccomp agent at listenerPath gets the container process
# state and the listener fd, and answers what the filter notifies.

HERE = os.path.dirname(os.path.abspath(__file__))

# linux/seccomp.h: _IOWR('!', 0, struct seccomp_notif) and
# _IOWR('!', 1, struct seccomp_notif_resp) (80 and 24 bytes on every arch).
NOTIF_RECV = 0xC0502100
NOTIF_SEND = 0xC0182101
NOTIF_FMT = "=QII iIQ6Q"   # id, pid, flags, seccomp_data{nr, arch, ip, args[6]}
RESP_FMT = "=QqiI"         # id, val, error (-errno), flags
NR_MKDIR, NR_MKDIRAT = 83, 258  # x86_64
SECCOMP_USER_NOTIF_FLAG_CONTINUE = 1


class Agent:
    """A seccomp agent in a thread: accepts connections at `path`, keeps each
    container process state (JSON) and listener fd, and answers every
    notification after the state's metadata: MKDIR=EXDEV fails the call with
    EXDEV, MKDIR=FAKE reports success without running it, MKDIR=SIGNAL sends
    the caller SIGUSR1, waits, then fails it with EXDEV. Any other syscall
    goes on as if it were not filtered (SECCOMP_USER_NOTIF_FLAG_CONTINUE)."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(8)
        self.states, self.n_fds, self.notifs, self.sends, self.errors = [], [], [], [], []
        self.listeners = {}  # fd -> metadata
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _accept(self):
        # Until the JSON is complete, not until EOF: runc 1.1 leaves its end
        # open (the spec says the runtime closes it).
        conn, _ = self.sock.accept()
        with conn:
            conn.settimeout(10)
            data, fds, state = b"", [], None
            while state is None:
                msg, got, _, _ = socket.recv_fds(conn, 65536, 4)
                fds += got
                if not msg:
                    raise RuntimeError("connection closed before a whole state: %r" % data)
                data += msg
                try:
                    state = json.loads(data)
                except ValueError:
                    pass
        self.states.append(state)
        self.n_fds.append(len(fds))
        for fd in fds:
            self.listeners[fd] = state.get("metadata", "")

    def _answer(self, fd, mode):
        buf = bytearray(struct.calcsize(NOTIF_FMT))
        try:
            fcntl.ioctl(fd, NOTIF_RECV, buf, True)
        except OSError as e:
            # ENOENT: the notification was withdrawn before we took it, the
            # caller died or a signal interrupted its call (a shell's
            # SIGCHLD does): seccomp_unotify(2), not a failure of ours.
            if e.errno != errno.ENOENT:
                self.errors.append("recv: %s" % e)
            return
        nid, pid, _, nr = struct.unpack_from(NOTIF_FMT, buf)[:4]
        self.notifs.append((nr, pid))
        if nr not in (NR_MKDIR, NR_MKDIRAT):  # let it run as if not filtered
            resp = struct.pack(RESP_FMT, nid, 0, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE)
        elif mode == "MKDIR=SIGNAL":
            os.kill(pid, signal.SIGUSR1)
            time.sleep(0.3)
        if nr not in (NR_MKDIR, NR_MKDIRAT):
            pass
        elif mode == "MKDIR=FAKE":
            resp = struct.pack(RESP_FMT, nid, 0, 0, 0)
        else:
            resp = struct.pack(RESP_FMT, nid, 0, -errno.EXDEV, 0)
        try:
            fcntl.ioctl(fd, NOTIF_SEND, bytearray(resp), True)
            self.sends.append("ok")
        except OSError as e:
            self.sends.append(errno.errorcode.get(e.errno, str(e.errno)))

    def _loop(self):
        poller = select.poll()
        poller.register(self.sock, select.POLLIN)
        watched = set()
        while not self.done.is_set():
            for fd in set(self.listeners) - watched:
                poller.register(fd, select.POLLIN)
                watched.add(fd)
            for fd, ev in poller.poll(100):
                try:
                    if fd == self.sock.fileno():
                        self._accept()
                    elif ev & select.POLLIN:
                        self._answer(fd, self.listeners[fd])
                    elif ev & (select.POLLHUP | select.POLLERR):  # no process left
                        poller.unregister(fd)
                        os.close(fd)
                        del self.listeners[fd]
                except Exception as e:  # reported by the test
                    self.errors.append(repr(e))

    def close(self):
        self.done.set()
        self.thread.join(5)
        for fd in self.listeners:
            os.close(fd)
        self.sock.close()


def notify_profile(path, metadata, flags=None, also=()):
    p = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        "listenerPath": path,
        "listenerMetadata": metadata,
        "syscalls": [{"names": ["mkdir", "mkdirat"] + list(also), "action": "SCMP_ACT_NOTIFY"}],
    }
    if flags:
        p["flags"] = flags
    return p


@pytest.fixture
def agent(scratch):
    made = []

    def make(name="agent.sock"):
        a = Agent(os.path.join(scratch, name))
        made.append(a)
        return a

    yield make
    for a in made:
        a.close()


@pytest.fixture
def probe_bundle(bundle):
    helper = os.path.join(bundle.rootfs, "bin", "seccomp-probe")
    r = subprocess.run(["gcc", "-static", "-O2", "-o", helper,
                        os.path.join(HERE, "helpers", "seccomp-probe.c")], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.fail("cannot build the seccomp-probe helper: %s" % r.stderr)
    return bundle


# With the listener the container could answer its own notifications: it
# must never see it.
MKDIR_PAYLOAD = ("mkdir /tmp/x 2>&1 && echo made; ls -d /tmp/x 2>/dev/null || echo no-dir; "
                 "ls -l /proc/self/fd/ | grep -q seccomp && echo listener-leaked || echo no-listener")


def check_state(st, cid, bundle, metadata, status):
    assert st["ociVersion"] and st["fds"] == ["seccompFd"], st
    assert st["metadata"] == metadata, st
    assert isinstance(st["pid"], int) and st["pid"] > 0, st
    s = st["state"]
    assert s["id"] == cid and s["status"] == status and s["bundle"] == bundle.path, st


@pytest.mark.parametrize("nnp", [True, False], ids=["nnp", "no-nnp"])
def test_notify_agent_answers_like_runc(rt, ref, bundle, agent, nnp):
    """The agent fails mkdir with EXDEV; inside, mkdir reports just that.
    The filter is loaded at a different point with and without
    no_new_privs: both must hand the listener over."""
    outs, states = {}, {}
    bundle.config["process"]["noNewPrivileges"] = nnp
    for r in (rt, ref):
        a = agent("%s.sock" % r.name)
        bundle.config["linux"]["seccomp"] = notify_profile(a.path, "MKDIR=EXDEV")
        cid = r.new_id("nf")
        res = r.run(cid, bundle.write(args=["sh", "-c", MKDIR_PAYLOAD]).path)
        assert res.returncode == 0, "%s: %s" % (r.name, res.stderr)
        assert not a.errors, a.errors
        assert len(a.states) == 1 and a.n_fds == [1], (a.states, a.n_fds)
        check_state(a.states[0], cid, bundle, "MKDIR=EXDEV", "creating")
        assert a.states[0]["pid"] == a.states[0]["state"]["pid"]
        assert a.notifs and all(nr in (NR_MKDIR, NR_MKDIRAT) for nr, _ in a.notifs), a.notifs
        outs[r.name] = res.stdout
        states[r.name] = sorted(a.states[0]), sorted(a.states[0]["state"])
    assert "Invalid cross-device link" in outs["rt"] and "no-dir" in outs["rt"], outs["rt"]
    assert "no-listener" in outs["rt"], outs["rt"]
    assert outs["rt"] == outs["ref"]
    assert states["rt"][0] == states["ref"][0]


# What an agent like bypass4netns intercepts; the runtime's own hand-over
# and sync messages use some of these after the filter is loaded.
SOCKET_CALLS = ["sendmsg", "sendto", "recvmsg", "recvfrom", "close", "read", "fcntl", "connect"]


@pytest.mark.parametrize("nnp", [True, False], ids=["nnp", "no-nnp"])
def test_notify_socket_calls_do_not_deadlock(rt, ref, bundle, agent, nnp):
    """Socket calls and close notified too: everything the runtime's
    process does after the write(2) that hands the listener over reaches
    the agent, which lets it go on; nothing waits for an agent that has no
    fd yet."""
    outs = {}
    bundle.config["process"]["noNewPrivileges"] = nnp
    for r in (rt, ref):
        a = agent("%s.sock" % r.name)
        bundle.config["linux"]["seccomp"] = notify_profile(a.path, "MKDIR=EXDEV", also=SOCKET_CALLS)
        res = r.run(r.new_id("nd"), bundle.write(args=["sh", "-c", MKDIR_PAYLOAD]).path, timeout=20)
        assert res.returncode == 0, "%s: %s" % (r.name, res.stderr)
        assert not a.errors, a.errors
        assert any(nr not in (NR_MKDIR, NR_MKDIRAT) for nr, _ in a.notifs), a.notifs
        outs[r.name] = res.stdout
    assert "Invalid cross-device link" in outs["rt"] and "no-listener" in outs["rt"], outs["rt"]
    assert outs["rt"] == outs["ref"]


def test_notify_exec_gets_its_own_listener(rt, ref, bundle, agent):
    """exec loads the filter again: a second connection, for the exec'd
    process, with the container running; the agent fakes mkdir's success."""
    seen = {}
    for r in (rt, ref):
        a = agent("%s.sock" % r.name)
        bundle.config["linux"]["seccomp"] = notify_profile(a.path, "MKDIR=FAKE")
        cid = r.new_id("nx")
        assert r.run(cid, bundle.write(args=["sleep", "30"]).path, "-d").returncode == 0
        try:
            init_pid = r.state_json(cid)["pid"]
            res = r.cmd("exec", cid, "sh", "-c", MKDIR_PAYLOAD)
            assert res.returncode == 0, "%s: %s" % (r.name, res.stderr)
            assert "made" in res.stdout and "no-dir" in res.stdout and "no-listener" in res.stdout, res.stdout
            assert len(a.states) == 2, a.states
            check_state(a.states[0], cid, bundle, "MKDIR=FAKE", "creating")
            check_state(a.states[1], cid, bundle, "MKDIR=FAKE", "running")
            assert a.states[0]["pid"] == init_pid and a.states[1]["pid"] != init_pid
            assert a.states[1]["state"]["pid"] == init_pid
            seen[r.name] = res.stdout
        finally:
            r.delete(cid, force=True)
    assert seen["rt"] == seen["ref"]


def refused(r, bundle, profile):
    bundle.config["linux"]["seccomp"] = profile
    cid = r.new_id("ne")
    res = r.create(cid, bundle.write(args=["true"]).path)
    if res.returncode == 0:
        r.delete(cid, force=True)
    return res


NOTIFY_MKDIR = [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]
BAD_PROFILES = {
    "no-listener-path": ({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": NOTIFY_MKDIR},
                         "needs linux.seccomp.listenerPath"),
    "unconnectable": ({"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "@SCRATCH@/nobody.sock",
                       "syscalls": NOTIFY_MKDIR}, "connect to seccomp listenerPath"),
    "wait-killable-without-notify": ({"defaultAction": "SCMP_ACT_ALLOW",
                                      "flags": ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"],
                                      "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]},
                                     "needs a listener"),
    "notify-write": ({"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "@SCRATCH@/a.sock",
                      "syscalls": [{"names": ["write"], "action": "SCMP_ACT_NOTIFY"}]},
                     "cannot be used for `write`"),
    "notify-default": ({"defaultAction": "SCMP_ACT_NOTIFY", "listenerPath": "@SCRATCH@/a.sock"},
                       "cannot be the default action"),
}


@pytest.mark.parametrize("case", sorted(BAD_PROFILES))
def test_notify_errors_leave_nothing(rt, ref, bundle, scratch, case):
    """Refused, with a clear error, by skiff and runc alike; no_leftovers
    checks that no process, cgroup, mount or state entry survives."""
    profile, message = BAD_PROFILES[case]
    profile = json.loads(json.dumps(profile).replace("@SCRATCH@", scratch))
    res = refused(rt, bundle, profile)
    assert res.returncode != 0, res.stdout
    if rt.is_skiff:
        assert message in res.stderr, res.stderr
        assert len(res.stderr.strip().splitlines()) == 1 and res.stderr.startswith("skiff: "), res.stderr
    assert rt.ids() == []
    assert refused(ref, bundle, profile).returncode != 0


@pytest.mark.skiff_only("runc 1.1 knows no listenerMetadata rule")
def test_listener_metadata_needs_path(rt, bundle):
    res = refused(rt, bundle, {"defaultAction": "SCMP_ACT_ALLOW", "listenerMetadata": "x"})
    assert res.returncode != 0 and "listenerMetadata is set without listenerPath" in res.stderr


@pytest.mark.parametrize("killable", [True, False], ids=["wait-killable", "interruptible"])
def test_wait_killable_recv(rt, probe_bundle, agent, killable):
    """Once the agent has received the notification, WAIT_KILLABLE_RECV
    keeps a signal with a handler from interrupting the call: the agent's
    answer arrives. Without the flag the call is interrupted (EINTR) and the
    answer is refused (ENOENT). runc 1.1 does not know the flag."""
    if rt.is_runc and killable:
        pytest.skip("runc 1.1 does not know SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV")
    a = agent()
    flags = ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"] if killable else None
    probe_bundle.config["linux"]["seccomp"] = notify_profile(a.path, "MKDIR=SIGNAL", flags)
    res = rt.run_payload(probe_bundle, ["seccomp-probe", "mkdir", "/tmp/w"])
    assert res.returncode == 0, res.stderr
    # Interrupted, the probe may be gone before the agent has answered.
    assert wait_until(lambda: a.sends), "the agent never answered"
    assert not a.errors, a.errors
    if killable:
        assert "mkdir=Invalid cross-device link signals=1" in res.stdout, res.stdout
        assert a.sends == ["ok"], a.sends
    else:
        assert "mkdir=Interrupted system call signals=1" in res.stdout, res.stdout
        assert a.sends and a.sends[0] == "ENOENT", a.sends


# --------------------------------------------------------------------------
# ENOSYS above the highest syscall the profile names (runc's behaviour).

def x86_64_syscalls():
    names = {}
    with open("/usr/include/x86_64-linux-gnu/asm/unistd_64.h") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[0] == "#define" and parts[1].startswith("__NR_"):
                names[parts[1][5:]] = int(parts[2])
    return names


def enosys_profile(highest, leave_out, default="SCMP_ACT_ERRNO"):
    allowed = sorted(n for n, nr in x86_64_syscalls().items() if nr <= highest and n not in leave_out)
    return {
        "defaultAction": default,
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        "syscalls": [{"names": allowed, "action": "SCMP_ACT_ALLOW"}],
    }


RSEQ, GETCPU, CLONE3 = 334, 309, 435
X32 = 0x40000000  # x32 numbers on x86_64: the x86_64 table (and 512-547) with bit 30
I386_GETPID, I386_GETCPU = 20, 318


def host_has_int80(helper):
    """Whether this kernel runs i386 syscalls of a 64-bit process (ia32
    emulation), asked by the probe outside any container."""
    r = subprocess.run([helper, "int80", str(I386_GETPID)], capture_output=True, text=True)
    return r.returncode == 0 and r.stdout == "%d=ok\n" % I386_GETPID


def test_enosys_above_the_profile_like_runc(rt, ref, probe_bundle):
    """Default EPERM, every x86_64 syscall up to rseq (334) allowed but
    getcpu. Per ABI, above the highest syscall the profile names: ENOSYS;
    below it, unnamed: EPERM. x86_64: getcpu EPERM, clone3 (435) and 1000
    ENOSYS. x32 (bit 30; its highest named number is 546, preadv2): getcpu
    and clone3 EPERM, 1000 ENOSYS. i386 (int $0x80; highest 386, rseq):
    getcpu (318) EPERM, clone3 and 1000 ENOSYS. runc: the same."""
    probe_bundle.config["linux"]["seccomp"] = enosys_profile(RSEQ, {"getcpu"})
    x32 = ["%#x" % (X32 | n) for n in (GETCPU, CLONE3, 1000)]
    script = "seccomp-probe syscall 39 %d %d 1000 %s" % (GETCPU, CLONE3, " ".join(x32))
    want = ["39=ok", "%d=%d" % (GETCPU, errno.EPERM), "%d=%d" % (CLONE3, errno.ENOSYS), "1000=%d" % errno.ENOSYS,
            "%s=%d" % (x32[0], errno.EPERM), "%s=%d" % (x32[1], errno.EPERM), "%s=%d" % (x32[2], errno.ENOSYS)]
    if host_has_int80(os.path.join(probe_bundle.rootfs, "bin", "seccomp-probe")):
        script += "; seccomp-probe int80 %d %d %d 1000" % (I386_GETPID, I386_GETCPU, CLONE3)
        want += ["%d=ok" % I386_GETPID, "%d=%d" % (I386_GETCPU, errno.EPERM), "%d=%d" % (CLONE3, errno.ENOSYS),
                 "1000=%d" % errno.ENOSYS]
    outs = {}
    for r in (rt, ref):
        res = r.run_payload(probe_bundle, ["sh", "-c", script])
        assert res.returncode == 0, "%s: %s" % (r.name, res.stderr)
        outs[r.name] = res.stdout
    assert outs["rt"].splitlines() == want, outs["rt"]
    assert outs["ref"] == outs["rt"]


def test_no_enosys_prefix_without_architectures_or_when_allowing(rt, probe_bundle):
    """No architectures listed (runc: no prefix), or a killing default that
    the rule list does not reach: what the profile says, unchanged."""
    p = enosys_profile(RSEQ, {"getcpu"})
    del p["architectures"]
    probe_bundle.config["linux"]["seccomp"] = p
    res = rt.run_payload(probe_bundle, ["seccomp-probe", "syscall", str(CLONE3)])
    assert res.returncode == 0 and res.stdout == "%d=%d\n" % (CLONE3, errno.EPERM), res.stdout + res.stderr
    p = enosys_profile(RSEQ, {"getcpu"}, default="SCMP_ACT_KILL_PROCESS")
    probe_bundle.config["linux"]["seccomp"] = p
    res = rt.run_payload(probe_bundle, ["seccomp-probe", "syscall", str(CLONE3), str(GETCPU)])
    # clone3 is above the profile: ENOSYS instead of the kill; getcpu kills.
    assert res.stdout == "%d=%d\n" % (CLONE3, errno.ENOSYS) and res.returncode == 128 + 31, \
        (res.returncode, res.stdout, res.stderr)


@pytest.mark.skiff_only("the compiled-filter cache is skiff's")
def test_cache_key_covers_flags_not_listener(rt, bundle, agent):
    """Profiles that differ in flags get their own entries; listenerPath and
    listenerMetadata change nothing in the program: one entry for both."""
    a = agent()
    cache = os.path.join(rt.root, ".seccomp-cache")
    p = notify_profile(a.path, "MKDIR=EXDEV")
    assert run(rt, bundle, p, ["true"]).returncode == 0
    assert len(glob.glob(os.path.join(cache, "*.bpf"))) == 1
    b = agent("other.sock")
    assert run(rt, bundle, notify_profile(b.path, "MKDIR=FAKE"), ["true"]).returncode == 0
    assert len(glob.glob(os.path.join(cache, "*.bpf"))) == 1
    flagged = notify_profile(a.path, "MKDIR=EXDEV", ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"])
    assert run(rt, bundle, flagged, ["true"]).returncode == 0
    assert len(glob.glob(os.path.join(cache, "*.bpf"))) == 2


@pytest.mark.skiff_only("runc 1.1 lists neither")
def test_features_lists_notify_and_wait_killable_recv(rt):
    """What `features` promises is what create accepts: the action, and the
    flag where the kernel has it (5.19+; this host's kernel does)."""
    res = rt.cmd("features")
    assert res.returncode == 0, res.stderr
    sc = json.loads(res.stdout)["linux"]["seccomp"]
    assert "SCMP_ACT_NOTIFY" in sc["actions"]
    assert "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" in sc["supportedFlags"]
