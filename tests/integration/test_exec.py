"""skiff exec: namespaces, cgroup, exit status, signals, env/cwd/user, caps,
--process, --detach/--pid-file, --tty, --preserve-fds, --cgroup, errors.
runc (the reference) runs the same checks where its behaviour is the contract."""

import json
import os
import signal
import socket
import subprocess
import time

import pytest

from conftest import cap_mask, parse_status, wait_until
from test_process import ConsoleSocket

NS = ["mnt", "pid", "net", "ipc", "uts", "user", "cgroup"]


class Running:
    """A detached container running `sleep`; force-deleted on exit."""

    def __init__(self, r, bundle, args=("sleep", "1000")):
        self.r = r
        bundle.write(args=list(args))
        self.cid = r.new_id("x")
        res = r.run(self.cid, bundle.path, "--detach")
        assert res.returncode == 0, "%s run: %s" % (r.name, res.stderr)
        self.pid = r.state_json(self.cid)["pid"]

    def exec(self, *args, **kw):
        return self.r.cmd("exec", *args, **kw)

    def close(self):
        self.r.delete(self.cid, force=True)

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


@pytest.fixture(params=["rt", "ref"])
def runtime(request):
    return request.getfixturevalue(request.param)


def status_of(out):
    return parse_status(out)


def test_exec_same_namespaces(runtime, bundle):
    with Running(runtime, bundle) as c:
        script = "; ".join("readlink /proc/self/ns/%s" % n for n in NS)
        res = c.exec(c.cid, "sh", "-c", script)
        assert res.returncode == 0, res.stderr
        want = [os.readlink("/proc/%d/ns/%s" % (c.pid, n)) for n in NS]
        assert res.stdout.split() == want


def test_exec_pid_namespace_view(runtime, bundle):
    """Inside the container's pid namespace the init is pid 1."""
    with Running(runtime, bundle) as c:
        res = c.exec(c.cid, "cat", "/proc/1/cmdline")
        assert res.returncode == 0, res.stderr
        assert res.stdout.split("\0")[0] == "sleep"


def test_exec_exit_status(runtime, bundle):
    with Running(runtime, bundle) as c:
        assert c.exec(c.cid, "sh", "-c", "exit 3").returncode == 3
        assert c.exec(c.cid, "true").returncode == 0


def test_exec_killed_by_signal(runtime, bundle):
    with Running(runtime, bundle) as c:
        assert c.exec(c.cid, "sh", "-c", "kill -9 $$").returncode == 128 + 9
        assert c.exec(c.cid, "sh", "-c", "kill -USR1 $$").returncode == 128 + signal.SIGUSR1


def test_exec_forwards_signals(rt, bundle, scratch):
    with Running(rt, bundle) as c:
        p = rt.popen("exec", c.cid, "sh", "-c", "trap 'exit 42' TERM; touch /dev/shm/ready; "
                     "while :; do sleep 0.05; done")
        assert wait_until(lambda: os.path.exists("/proc/%d/root/dev/shm/ready" % c.pid), 10), \
            p.read_stderr()
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=10) == 42, p.read_stderr()


def test_exec_stdout_stderr_pass_through(runtime, bundle):
    with Running(runtime, bundle) as c:
        res = c.exec(c.cid, "sh", "-c", "echo to-out; echo to-err >&2; cat", input="to-in\n")
        assert res.returncode == 0, res.stderr
        assert res.stdout == "to-out\nto-in\n"
        assert "to-err\n" in res.stderr


def test_exec_env_and_cwd(runtime, bundle):
    with Running(runtime, bundle) as c:
        res = c.exec("-e", "TERM=dumb", "-e", "NEW=1", "--cwd", "/etc", c.cid,
                     "sh", "-c", "pwd; env")
        assert res.returncode == 0, res.stderr
        lines = res.stdout.splitlines()
        assert lines[0] == "/etc"
        env = [l for l in lines[1:]]
        assert "TERM=dumb" in env and "TERM=xterm" not in env
        assert "NEW=1" in env
        assert "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" in env
        assert "HOME=/root" in env


def test_exec_user(runtime, bundle):
    with Running(runtime, bundle) as c:
        res = c.exec("-u", "1000", c.cid, "sh", "-c", "id -u; id -g")
        assert res.returncode == 0, res.stderr
        assert res.stdout.split() == ["1000", "0"]
        res = c.exec("-u", "1000:1000", "-g", "10", "-g", "20", c.cid,
                     "sh", "-c", "id -u; id -g; grep Groups /proc/self/status")
        assert res.returncode == 0, res.stderr
        out = res.stdout.split()
        assert out[:2] == ["1000", "1000"]
        assert sorted(out[3:]) == ["10", "20"]


@pytest.mark.skiff_only("CVE-2026-30892: runc 1.1.5 keeps the config's gid with -u UID")
def test_exec_uid_only_means_gid_0(rt, bundle):
    bundle.config["process"]["user"] = {"uid": 0, "gid": 1000}
    with Running(rt, bundle) as c:
        res = c.exec("-u", "1000", c.cid, "sh", "-c", "id -u; id -g; grep Gid /proc/self/status")
        assert res.returncode == 0, res.stderr
        out = res.stdout.split()
        assert out[:2] == ["1000", "0"]
        assert out[3:] == ["0", "0", "0", "0"]


def test_exec_bad_user_refused(rt, bundle):
    with Running(rt, bundle) as c:
        for bad in ("abc", "1000:x", "-1", "1:2:3"):
            res = c.exec("-u", bad, c.cid, "true")
            assert res.returncode == 1, bad
            assert res.stderr.startswith("skiff: "), res.stderr


def test_exec_cap_adds_never_inheritable(runtime, bundle):
    caps = bundle.config["process"]["capabilities"]
    for k in caps:
        caps[k] = [x for x in caps[k] if x != "CAP_KILL"]
    with Running(runtime, bundle) as c:
        base = status_of(c.exec(c.cid, "cat", "/proc/self/status").stdout)
        res = c.exec("--cap", "CAP_KILL", c.cid, "cat", "/proc/self/status")
        assert res.returncode == 0, res.stderr
        st = status_of(res.stdout)
        kill = cap_mask(["CAP_KILL"])
        assert int(base["CapEff"], 16) & kill == 0
        for k in ("CapEff", "CapPrm", "CapBnd"):
            assert int(st[k], 16) & kill, (k, st[k])
        assert int(st["CapInh"], 16) == 0
        # ambient needs the inheritable bit (capabilities(7)), never added
        assert int(st["CapAmb"], 16) & kill == 0


def test_exec_unknown_cap_refused(rt, bundle):
    with Running(rt, bundle) as c:
        res = c.exec("--cap", "CAP_NOT_A_CAP", c.cid, "true")
        assert res.returncode == 1
        assert "CAP_NOT_A_CAP" in res.stderr


def test_exec_no_new_privs(runtime, bundle):
    bundle.config["process"]["noNewPrivileges"] = False
    with Running(runtime, bundle) as c:
        off = status_of(c.exec(c.cid, "cat", "/proc/self/status").stdout)
        on = status_of(c.exec("--no-new-privs", c.cid, "cat", "/proc/self/status").stdout)
        assert off["NoNewPrivs"] == "0"
        assert on["NoNewPrivs"] == "1"


def test_exec_process_file(runtime, bundle, scratch):
    proc = {
        "args": ["sh", "-c", "echo $FOO; pwd; id -u; id -g"],
        "env": ["PATH=/bin:/usr/bin", "FOO=from-file"],
        "cwd": "/tmp",
        "user": {"uid": 2, "gid": 3},
    }
    path = os.path.join(scratch, "process.json")
    with open(path, "w") as f:
        json.dump(proc, f)
    with Running(runtime, bundle) as c:
        res = c.exec("-p", path, c.cid)
        assert res.returncode == 0, res.stderr
        assert res.stdout.split() == ["from-file", "/tmp", "2", "3"]


def test_exec_detach_pid_file(runtime, bundle, scratch):
    pid_file = os.path.join(scratch, "exec.pid")
    with Running(runtime, bundle) as c:
        t0 = time.time()
        res = c.exec("-d", "--pid-file", pid_file, c.cid, "sleep", "1000")
        assert res.returncode == 0, res.stderr
        assert time.time() - t0 < 10
        assert res.stdout == ""
        pid = int(open(pid_file).read())
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            assert f.read().split(b"\0")[0] == b"sleep"
        assert os.readlink("/proc/%d/ns/pid" % pid) == os.readlink("/proc/%d/ns/pid" % c.pid)
        with open("/proc/%d/cgroup" % pid) as f, open("/proc/%d/cgroup" % c.pid) as g:
            assert f.read() == g.read()
        os.kill(pid, signal.SIGKILL)


def test_exec_in_container_cgroup(runtime, bundle):
    with Running(runtime, bundle) as c:
        res = c.exec(c.cid, "cat", "/proc/self/cgroup")
        assert res.returncode == 0, res.stderr
        with open("/proc/%d/cgroup" % c.pid) as f:
            assert res.stdout == f.read()


def _container_cgroup_dirs(pid):
    """(mount dir, relative path) of every hierarchy pid is in."""
    dirs = []
    with open("/proc/%d/cgroup" % pid) as f:
        for line in f:
            _, ctrls, path = line.rstrip("\n").split(":", 2)
            if ctrls == "":
                mount = "/sys/fs/cgroup/unified"
                if not os.path.isdir(mount + "/" + path):
                    mount = "/sys/fs/cgroup"
            elif ctrls.startswith("name="):
                mount = "/sys/fs/cgroup/" + ctrls[5:]
            else:
                mount = "/sys/fs/cgroup/" + ctrls
            dirs.append(mount + path)
    return dirs


def test_exec_sub_cgroup(rt, bundle):
    with Running(rt, bundle) as c:
        dirs = _container_cgroup_dirs(c.pid)
        res = c.exec("--cgroup", "sub", c.cid, "true")
        assert res.returncode == 1 and "does not exist" in res.stderr, res.stderr
        for d in dirs:
            os.mkdir(d + "/sub")
            if "/cpuset" in d:  # a new cpuset cgroup starts empty and refuses tasks
                for f in ("cpuset.cpus", "cpuset.mems"):
                    with open(d + "/" + f) as src, open(d + "/sub/" + f, "w") as dst:
                        dst.write(src.read())
        res = c.exec("--cgroup", "sub", c.cid, "cat", "/proc/self/cgroup")
        assert res.returncode == 0, res.stderr
        for line in res.stdout.splitlines():
            assert line.endswith("/sub"), res.stdout
        res = c.exec("--cgroup", "../../escape", c.cid, "true")
        assert res.returncode == 1 and ".." in res.stderr
        # controller form (cgroup v1): only that hierarchy uses the sub-cgroup
        pids_dir = [d for d in dirs if d.startswith("/sys/fs/cgroup/pids/")]
        if pids_dir and os.path.isdir("/sys/fs/cgroup/cpu"):
            os.mkdir(pids_dir[0] + "/only")
            res = c.exec("--cgroup", "pids:only", c.cid, "cat", "/proc/self/cgroup")
            assert res.returncode == 0, res.stderr
            for line in res.stdout.splitlines():
                assert line.endswith("/only") == (":pids:" in line), res.stdout


def test_exec_preserve_fds(runtime, bundle, scratch):
    path = os.path.join(scratch, "data")
    with open(path, "w") as f:
        f.write("preserved\n")
    with Running(runtime, bundle) as c:
        # bash puts the file at fd 3 and an extra unpreserved fd at 4, without
        # touching this process's fds (pytest's capture owns some of them).
        argv = ["bash", "-c", 'exec 3<"$1" 4<"$1"; shift; exec "$@"', "sh", path] + \
            runtime.argv("exec", "--preserve-fds", "1", c.cid, "sh", "-c",
                         "cat <&3; ls /proc/self/fd")
        res = subprocess.run(argv, capture_output=True, text=True, timeout=30,
                             env=runtime.env(), stdin=subprocess.DEVNULL)
        assert res.returncode == 0, res.stderr
        out = res.stdout.split()
        assert out[0] == "preserved"
        fds = sorted(int(x) for x in out[1:])
        # 0-2, 3, and the one ls opens on /proc/self/fd; never 4
        assert fds[:4] == [0, 1, 2, 3] and len(fds) == 5, fds


def test_exec_tty_console_socket(rt, bundle, scratch):
    cs = ConsoleSocket(os.path.join(scratch, "console.sock"))
    try:
        with Running(rt, bundle) as c:
            res = c.exec("-t", "-d", "--console-socket", cs.path, c.cid, "sh", "-c",
                         "tty; test -t 0 && test -t 1 && echo isatty; readlink /proc/self/fd/0")
            assert res.returncode == 0, res.stderr
            cs.wait()
            lines = [l.strip() for l in cs.read_all().splitlines()]
            assert lines[0].startswith("/dev/pts/"), lines
            assert lines[1] == "isatty", lines
    finally:
        cs.close()


def test_exec_tty_without_console_socket_refused(rt, bundle):
    with Running(rt, bundle) as c:
        res = c.exec("-t", c.cid, "true")
        assert res.returncode == 1
        assert "console-socket" in res.stderr


def test_exec_stopped_container(runtime, bundle):
    bundle.write(args=["true"])
    cid = runtime.new_id("stopped")
    try:
        assert runtime.run(cid, bundle.path, "--detach").returncode == 0
        runtime.wait_status(cid, "stopped")
        res = runtime.cmd("exec", cid, "true")
        assert res.returncode != 0
        if runtime.is_skiff:
            assert res.returncode == 1
            assert res.stderr.strip() == "skiff: container `%s` is not running" % cid
    finally:
        runtime.delete(cid, force=True)


def test_exec_missing_container(runtime):
    res = runtime.cmd("exec", runtime.new_id("none"), "true")
    assert res.returncode != 0
    if runtime.is_skiff:
        assert res.returncode == 1 and "does not exist" in res.stderr


def test_exec_missing_binary_leaves_nothing(runtime, bundle):
    with Running(runtime, bundle) as c:
        res = c.exec(c.cid, "no-such-binary")
        assert res.returncode != 0
        assert "no-such-binary" in res.stderr
        if runtime.is_skiff:
            assert res.returncode == 1
            assert len(res.stderr.strip().splitlines()) == 1, res.stderr
        # only the init remains in the container's cgroup
        with open("/proc/%d/cgroup" % c.pid) as f:
            pids_line = [l for l in f if ":pids:" in l or l.startswith("0::")][0]
        rel = pids_line.rstrip("\n").split(":", 2)[2]
        procs = "/sys/fs/cgroup/pids" + rel + "/cgroup.procs"
        if os.path.exists(procs):
            assert wait_until(lambda: open(procs).read().split() == [str(c.pid)], 5)


def test_exec_bad_cwd_refused(runtime, bundle):
    with Running(runtime, bundle) as c:
        res = c.exec("--cwd", "/does/not/exist", c.cid, "true")
        assert res.returncode != 0
        if runtime.is_skiff:
            assert res.returncode == 1 and "/does/not/exist" in res.stderr


def test_exec_cwd_through_proc_fd_refused(rt, bundle):
    """SECURITY.md 3: a leaked fd as cwd (CVE-2024-21626)."""
    with Running(rt, bundle) as c:
        for n in range(3, 8):
            res = c.exec("--cwd", "/proc/self/fd/%d" % n, c.cid, "true")
            assert res.returncode == 1


def test_exec_no_command(rt, bundle):
    res = rt.cmd("exec", rt.new_id())
    assert res.returncode == 1
    assert res.stderr.startswith("skiff: ")
