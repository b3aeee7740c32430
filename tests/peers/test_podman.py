"""podman drives skiff as a drop-in for runc.

Every case runs with ``pm`` = podman --runtime runc and = podman --runtime
skiff (see conftest.py) and asserts the same observable outcome: exit codes,
output, podman's view of the state, cgroup limits seen from inside.  A case
that fails with runc on this host is xfail for both, with the reason.
"""

import json
import os
import pty
import select
import subprocess
import time

import pytest

from conftest import IMAGE, ULIMITS


# ---------------------------------------------------------------- run --rm

@pytest.mark.parametrize("cmd,code", [
    ("exit 0", 0),
    ("exit 3", 3),
    ("exit 255", 255),
])
def test_run_rm_exit_code(pm, cmd, code):
    r = pm.run(IMAGE, "sh", "-c", "echo out; echo err >&2; " + cmd)
    assert r.returncode == code
    assert "out" in r.stdout
    assert "err" in r.stderr


@pytest.mark.parametrize("argv,code", [
    (["/nonexistent"], 127),   # podman maps the runtime's ENOENT error to 127
    (["/etc/passwd"], 126),    # ... and EACCES to 126
])
def test_run_bad_command(pm, argv, code):
    r = pm.run(IMAGE, *argv)
    assert r.returncode == code, r.stderr


def test_run_stdin(pm):
    r = pm.run("-i", IMAGE, "sh", "-c", "read x; echo got:$x; exit 4",
               input="hello\n")
    assert r.returncode == 4
    assert "got:hello" in r.stdout


def test_json_log_errors(pm, tmp_path):
    """With the runtime listed in runtime_supports_json podman passes
    `--log-format=json --log FILE` and reads the error from that file."""
    conf = tmp_path / "containers.conf"
    conf.write_text('[engine]\nruntime_supports_json = ["crun", "runc", '
                    '"kata", "runsc", "youki", "krun", "skiff"]\n')
    pm.env = {"CONTAINERS_CONF": str(conf)}
    r = pm.run(IMAGE, "/nonexistent")
    assert r.returncode == 127, r.stderr
    assert "/nonexistent" in r.stderr
    r = pm.run(IMAGE, "/etc/passwd")
    assert r.returncode == 126, r.stderr
    r = pm.run(IMAGE, "sh", "-c", "exit 3")
    assert r.returncode == 3, r.stderr
    assert "--log-format=json" in pm.runtime_log()


# ---------------------------------------------------------- run -d / logs

def test_detached_logs_stop_rm(pm):
    name = pm.run_d(cmd=["sh", "-c",
                         "trap 'echo bye; exit 0' TERM; echo hello; "
                         "while :; do sleep 0.1; done"])
    pm.wait_status(name, "running")
    deadline = time.time() + 10
    while "hello" not in pm("logs", name).stdout and time.time() < deadline:
        time.sleep(0.1)
    assert "hello" in pm("logs", name, check=True).stdout
    r = pm("stop", "-t", "10", name, check=True)
    assert r.returncode == 0
    info = pm.inspect(name)
    assert info["State"]["Status"] == "exited"
    assert info["State"]["ExitCode"] == 0   # the trap ran: SIGTERM was delivered
    assert "bye" in pm("logs", name, check=True).stdout
    pm("rm", name, check=True)
    assert pm("container", "exists", name).returncode == 1


def test_stop_timeout_kills(pm):
    # TERM is ignored by PID 1 without a handler: podman escalates to KILL.
    name = pm.run_d(cmd=["sleep", "600"])
    t0 = time.time()
    pm("stop", "-t", "1", name, check=True)
    assert time.time() - t0 < 15
    info = pm.inspect(name)
    assert info["State"]["Status"] == "exited"
    assert info["State"]["ExitCode"] == 137


def test_wait_exit_code(pm):
    name = pm.run_d(cmd=["sh", "-c", "sleep 0.5; exit 9"])
    r = pm("wait", name, check=True)
    assert r.stdout.strip() == "9"


def test_create_start_attach(pm):
    name = pm.new_name("cs")
    pm("create", "--name", name, *ULIMITS, "--network", "none", IMAGE,
       "sh", "-c", "echo started; exit 6", check=True)
    assert pm.status(name) == "created"
    r = pm("start", "-a", name)
    assert r.returncode == 6
    assert "started" in r.stdout
    assert pm.inspect(name)["State"]["ExitCode"] == 6


# ------------------------------------------------------------ terminal

def _pty_run(argv, send=None, timeout=30):
    """Run argv on a new pty (stdin/stdout/stderr); return (rc, output)."""
    master, slave = pty.openpty()
    p = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave,
                         start_new_session=True, close_fds=True)
    os.close(slave)
    out = b""
    sent = False
    deadline = time.time() + timeout
    try:
        while time.time() < deadline:
            r, _, _ = select.select([master], [], [], 0.2)
            if r:
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    chunk = b""
                if not chunk:
                    break
                out += chunk
            if send and not sent and b"READY" in out:
                os.write(master, send)
                sent = True
            if p.poll() is not None and not r:
                break
        rc = p.wait(timeout=max(1, deadline - time.time()))
    except subprocess.TimeoutExpired:
        p.kill()
        rc = p.wait()
        raise AssertionError("pty command timed out; output: %r" % out)
    finally:
        os.close(master)
    return rc, out.decode(errors="replace")


def test_run_it_terminal(pm):
    argv = pm.global_args() + [
        "run", "-it", "--rm", *ULIMITS, "--network", "none", IMAGE, "sh", "-c",
        "test -t 0 && test -t 1 && echo IS-A-TTY; tty; echo READY; "
        "read x; echo got:$x; exit 5"]
    rc, out = _pty_run(argv, send=b"ping\r")
    print(out)
    assert rc == 5, out
    assert "IS-A-TTY" in out
    assert "/dev/pts/0" in out
    assert "got:ping" in out


def test_run_t_no_stdin(pm):
    # -t without -i: conmon owns the pty master, stdin is not forwarded
    r = pm.run("-t", IMAGE, "sh", "-c",
               "test -t 1 && echo OUT-TTY; readlink /proc/self/fd/1; exit 2")
    assert r.returncode == 2, r.stderr
    assert "OUT-TTY" in r.stdout and "/dev/pts/0" in r.stdout


# --------------------------------------------------------------- exec

def test_exec(pm):
    name = pm.run_d()
    r = pm("exec", name, "sh", "-c", "echo in-exec; exit 7")
    assert r.returncode == 7
    assert "in-exec" in r.stdout
    r = pm("exec", "-u", "65534:65534", "-w", "/tmp", "-e", "FOO=bar", name,
           "sh", "-c", "echo $(id -u):$(id -g):$(pwd):$FOO")
    assert r.stdout.strip() == "65534:65534:/tmp:bar", r.stderr
    r = pm("exec", "-i", name, "sh", "-c", "read x; echo got:$x", input="abc\n")
    assert "got:abc" in r.stdout
    r = pm("exec", name, "/nonexistent")
    assert r.returncode == 127, r.stderr
    r = pm("exec", "-d", name, "sh", "-c", "echo detached > /tmp/d")
    assert r.returncode == 0, r.stderr
    deadline = time.time() + 5
    while time.time() < deadline:
        if pm("exec", name, "cat", "/tmp/d").stdout.strip() == "detached":
            break
        time.sleep(0.1)
    assert pm("exec", name, "cat", "/tmp/d").stdout.strip() == "detached"


def test_exec_tty(pm):
    name = pm.run_d()
    r = pm("exec", "-t", name, "sh", "-c", "tty; test -t 1 && echo IS-A-TTY")
    assert r.returncode == 0, r.stderr
    assert "/dev/pts/" in r.stdout
    assert "IS-A-TTY" in r.stdout
    argv = pm.global_args() + ["exec", "-it", name, "sh", "-c",
                               "echo READY; read x; echo got:$x; exit 8"]
    rc, out = _pty_run(argv, send=b"pong\r")
    assert rc == 8, out
    assert "got:pong" in out


# ------------------------------------------------- kill / pause / restart

def test_kill(pm):
    name = pm.run_d(cmd=["sh", "-c",
                         "trap 'echo usr1; exit 42' USR1; echo up; "
                         "while :; do sleep 0.1; done"])
    deadline = time.time() + 10
    while "up" not in pm("logs", name).stdout and time.time() < deadline:
        time.sleep(0.1)
    pm("kill", "-s", "USR1", name, check=True)
    assert pm("wait", name, check=True).stdout.strip() == "42"
    name = pm.run_d()
    pm("kill", name, check=True)   # default SIGKILL
    assert pm("wait", name, check=True).stdout.strip() == "137"


def test_pause_unpause(pm):
    name = pm.run_d(cmd=["sh", "-c", "while :; do date +%s%N > /tmp/t; "
                         "sleep 0.05; done"])
    pm("pause", name, check=True)
    assert pm.status(name) == "paused"
    t1 = pm("mount", name, check=True).stdout.strip()
    before = open(os.path.join(t1, "tmp/t")).read() if t1 else None
    time.sleep(0.4)
    after = open(os.path.join(t1, "tmp/t")).read() if t1 else None
    assert before == after, "paused container kept running"
    pm("unpause", name, check=True)
    assert pm.status(name) == "running"
    r = pm("exec", name, "true")
    assert r.returncode == 0, r.stderr


def test_restart(pm):
    name = pm.run_d()
    pid1 = pm.inspect(name)["State"]["Pid"]
    pm("restart", "-t", "1", name, check=True)
    info = pm.inspect(name)
    assert info["State"]["Status"] == "running"
    assert info["State"]["Pid"] not in (0, pid1)
    assert pm("exec", name, "true").returncode == 0


def test_inspect_state(pm):
    name = pm.run_d()
    st = pm.inspect(name)["State"]
    assert st["Status"] == "running" and st["Running"]
    assert st["Pid"] > 0 and os.path.exists("/proc/%d" % st["Pid"])
    with open("/proc/%d/cmdline" % st["Pid"], "rb") as f:
        assert f.read().split(b"\0")[0] == b"sleep"
    assert pm("ps", "-a", "--filter", "name=" + name, "--format",
              "{{.Status}}").stdout.startswith("Up")
    pm("kill", name, check=True)
    pm("wait", name, check=True)
    st = pm.inspect(name)["State"]
    assert st["Status"] == "exited" and not st["Running"] and st["Pid"] == 0
    # podman asks the runtime `state` in many places; it must still work
    assert pm("start", name).returncode == 0
    assert pm.status(name) == "running"


# ------------------------------------------------------ top / stats / update

def test_top(pm):
    name = pm.run_d()
    r = pm("top", name, check=True)
    assert "sleep 600" in r.stdout
    r = pm("top", name, "pid", "args", check=True)
    assert "sleep 600" in r.stdout


def test_stats(pm):
    name = pm.run_d(cmd=["sh", "-c", "x=$(head -c 4000000 /dev/zero | tr '\\0' a); sleep 600"])
    r = pm("stats", "--no-stream", "--format", "json", name, check=True)
    s = json.loads(r.stdout)
    assert len(s) == 1
    assert s[0]["name"] == name
    assert int(s[0]["pids"]) >= 1


def _host_cgroup_file(pm, name, ctrl, fname):
    """Read a cgroup v1 file of the container from the host side."""
    pid = pm.inspect(name)["State"]["Pid"]
    with open("/proc/%d/cgroup" % pid) as f:
        for line in f:
            _, ctrls, path = line.rstrip("\n").split(":", 2)
            if ctrl in ctrls.split(","):
                with open("/sys/fs/cgroup/%s%s/%s" % (ctrl, path, fname)) as g:
                    return g.read().strip()
    raise AssertionError("no %s cgroup for pid %d" % (ctrl, pid))


def test_update_memory(pm):
    # Checked from the host: the view from inside is test_config's business.
    r = pm("update", "--help")
    if r.returncode != 0:
        pytest.skip("SKIPPED LOUDLY: this podman has no `update` command")
    name = pm.run_d("--memory", "128m")
    mem = "memory.limit_in_bytes"
    assert _host_cgroup_file(pm, name, "memory", mem) == str(128 << 20)
    r = pm("update", "--memory", "64m", name)
    assert r.returncode == 0, r.stderr
    assert _host_cgroup_file(pm, name, "memory", mem) == str(64 << 20)
    r = pm("update", "--cpu-shares", "333", name)
    assert r.returncode == 0, r.stderr
    assert _host_cgroup_file(pm, name, "cpu", "cpu.shares") == "333"


# ------------------------------------------------------- configuration

CONFIG_CASES = [
    ("env", ["-e", "FOO=bar baz"], "echo \"$FOO\"", "bar baz"),
    ("user", ["-u", "65534:65534"], "id -u; id -g", "65534\n65534"),
    ("workdir", ["-w", "/tmp"], "pwd", "/tmp"),
    ("hostname", ["--hostname", "skiffhost"], "hostname", "skiffhost"),
    ("read-only", ["--read-only"],
     "touch /x 2>/dev/null && echo writable || echo ro; "
     "touch /tmp/x && echo tmp-ok", "ro\ntmp-ok"),
    ("read-only-no-tmpfs", ["--read-only", "--read-only-tmpfs=false"],
     "touch /x 2>/dev/null && echo writable || echo ro", "ro"),
    ("cap-drop", ["--cap-drop", "all"],
     "grep CapEff /proc/self/status | tr -d '\\t'", "CapEff:0000000000000000"),
    ("cap-drop-one", ["--cap-drop", "chown"],
     "chown 1 /tmp && echo chowned || echo denied", "denied"),
    ("cap-add", ["--cap-add", "sys_admin"],
     "grep CapEff /proc/self/status | cut -f2", "00000000802405fb"),
    ("no-new-privileges", ["--security-opt", "no-new-privileges"],
     "grep NoNewPrivs /proc/self/status | tr -d '\\t'", "NoNewPrivs:1"),
    ("pids-limit", ["--pids-limit", "123"],
     "cat /sys/fs/cgroup/pids/pids.max", "123"),
    ("memory", ["--memory", "100m"],
     "cat /sys/fs/cgroup/memory/memory.limit_in_bytes", str(100 << 20)),
    ("memory-cgroupns", ["--memory", "100m", "--cgroupns", "private"],
     "cat /sys/fs/cgroup/memory/memory.limit_in_bytes", str(100 << 20)),
    ("cpu", ["--cpu-shares", "512"],
     "cat /sys/fs/cgroup/cpu/cpu.shares", "512"),
    ("ulimit", [], "ulimit -n; ulimit -Hn", "20000\n20000"),
    ("privileged", ["--privileged"],
     "grep CapEff /proc/self/status | cut -f2; ls /dev/kmsg",
     # all caps but CAP_SYS_RESOURCE (not in this host's bounding set)
     "000001fffeffffff\n/dev/kmsg"),
    ("tmpfs", ["--tmpfs", "/scratch:size=1m"],
     "grep ' /scratch ' /proc/mounts | cut -d' ' -f3", "tmpfs"),
    ("init", ["--init"], "cat /proc/1/cmdline | tr '\\0' ' '",
     "/run/podman-init -- sh -c"),
]


@pytest.mark.parametrize("args,cmd,want",
                         [c[1:] for c in CONFIG_CASES],
                         ids=[c[0] for c in CONFIG_CASES])
def test_config(pm, args, cmd, want):
    r = pm.run(*args, IMAGE, "sh", "-c", cmd)
    assert r.returncode == 0, r.stderr
    if want.endswith(" -c"):
        assert r.stdout.strip().startswith(want)
    else:
        assert r.stdout.strip() == want


def test_volume_bind(pm, tmp_path):
    host = tmp_path / "vol"
    host.mkdir()
    (host / "in").write_text("from-host\n")
    r = pm.run("-v", "%s:/data" % host, IMAGE, "sh", "-c",
               "cat /data/in; echo from-ctr > /data/out")
    assert r.returncode == 0, r.stderr
    assert "from-host" in r.stdout
    assert (host / "out").read_text() == "from-ctr\n"
    r = pm.run("-v", "%s:/data:ro" % host, IMAGE, "sh", "-c",
               "echo x > /data/out2 || echo denied")
    assert "denied" in r.stdout
    assert not (host / "out2").exists()


def test_named_volume(pm):
    vol = pm.new_name("vol")
    try:
        r = pm.run("-v", vol + ":/v", IMAGE, "sh", "-c", "echo keep > /v/f")
        assert r.returncode == 0, r.stderr
        r = pm.run("-v", vol + ":/v", IMAGE, "cat", "/v/f")
        assert r.stdout.strip() == "keep"
    finally:
        pm("volume", "rm", "-f", vol)


# ----------------------------------------------------------- network

def test_network_none(pm):
    r = pm.run("--network", "none", IMAGE, "sh", "-c", "ls /sys/class/net")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["lo"]


def test_network_bridge(pm):
    # podman's default caps lack NET_RAW, which busybox ping needs
    r = pm.run("--network", "bridge", "--cap-add", "net_raw", IMAGE, "sh", "-c",
               "ls /sys/class/net; ip -4 addr show eth0; "
               "ping -c1 -W2 $(ip route | awk '/default/ {print $3}')")
    if r.returncode != 0 and pm.name == "runc":
        pytest.xfail("default bridge fails with runc too on this host: "
                     + r.stderr[-500:])
    assert r.returncode == 0, r.stderr
    assert "eth0" in r.stdout.split()
    assert "inet 10.88." in r.stdout
    assert "1 packets received" in r.stdout


def test_port_publish(pm):
    name = pm.run_d("-p", "127.0.0.1::8080",
                    cmd=["sh", "-c", "while :; do echo hi-from-ctr | "
                         "nc -l -p 8080; done"], network="bridge")
    port = pm("port", name, "8080", check=True).stdout.strip().rsplit(":", 1)[1]
    deadline = time.time() + 10
    got = ""
    while time.time() < deadline and "hi-from-ctr" not in got:
        got = subprocess.run(["busybox", "nc", "-w", "2", "127.0.0.1", port],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             text=True).stdout
        time.sleep(0.2)
    assert "hi-from-ctr" in got


# ------------------------------------------------- same view as runc

VIEW = r"""
grep -E '^(Cap|NoNewPrivs|Seccomp|Groups|Umask)' /proc/self/status
id; pwd; umask; ulimit -a
env | grep -v '^HOSTNAME=' | sort
ls -la /dev | awk 'NR > 1 {print $1, $3, $4, $NF}' | sort
awk '{o=$6; for (i = 7; $i != "-"; i++) ; print $5, $(i+1), o}' \
    /proc/self/mountinfo | sort
cg=$(awk -F: '$2 == "memory" {print $3}' /proc/self/cgroup)
awk -v cg="$cg" '$9 ~ /^cgroup/ && $5 !~ /systemd/ {print $5, ($4 == cg ? "own-cgroup" : "root=" $4)}' \
    /proc/self/mountinfo | sort
ls /proc/sys/net >/dev/null && echo netns-sysctl
cat /proc/1/oom_score_adj
"""

# Masked paths: runc binds the container's /dev/null (tmpfs) and mounts the
# read-only tmpfs without nosuid/nodev/noexec; skiff binds the host's
# /dev/null (devtmpfs) and adds the flags.  Same effect: compare ro/rw only.
MASKED = ("/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
          "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
          "/proc/scsi", "/sys/firmware", "/sys/dev/block", "/sys/fs/selinux")


# skiff keeps the /sys/fs/cgroup tmpfs read-only where runc leaves it rw
# (stricter, same effect: the hierarchies below carry their own flags), and
# may also show the hybrid host's cgroup2 `unified` hierarchy, which runc
# omits; whether each hierarchy is the container's own cgroup is compared
# separately (the "own-cgroup" lines).
def _tolerate(text):
    lines = []
    for line in text.splitlines():
        f = line.split()
        if len(f) == 3 and f[0] in MASKED:
            line = "%s masked %s" % (f[0], f[2].split(",")[0])
        if len(f) == 3 and f[0] == "/sys/fs/cgroup" and f[1] == "tmpfs":
            line = "/sys/fs/cgroup tmpfs"
        if f[:2] == ["/sys/fs/cgroup/unified", "cgroup2"] or \
                f == ["/sys/fs/cgroup/unified", "own-cgroup"]:
            continue
        lines.append(line)
    return "\n".join(lines)


@pytest.mark.parametrize("args", [[], ["--read-only"], ["--privileged"],
                                  ["-u", "65534", "--cap-add", "net_admin"],
                                  ["--cgroupns", "private"]],
                         ids=["default", "read-only", "privileged", "user",
                              "cgroupns"])
def test_same_view_as_runc(peer_base, args):
    """The payload's view (caps, ids, env, /dev, mounts, rlimits) is the
    same under skiff as under runc."""
    _, pms = peer_base
    out = {}
    try:
        for name, p in pms.items():
            r = p.run(*args, IMAGE, "sh", "-c", VIEW)
            out[name] = (r.returncode, _tolerate(r.stdout), r.stderr)
    finally:
        for p in pms.values():
            p.rm_all()
    assert out["runc"][0] == 0, out["runc"][2]
    if out["skiff"] != out["runc"]:
        import difflib
        diff = "\n".join(difflib.unified_diff(
            out["runc"][1].splitlines(), out["skiff"][1].splitlines(),
            "runc", "skiff", lineterm=""))
        raise AssertionError("skiff differs from runc:\n%s\nskiff stderr: %s"
                             % (diff, out["skiff"][2]))
