"""The process section and per-process setup: uts, sysctl, env, cwd, user,
umask, rlimits, no_new_privs, oom_score_adj, capabilities, terminal,
preserved fds, LISTEN_FDS."""

import os
import subprocess

import pytest

from conftest import ConsoleSocket, FilePopen, cap_mask, parse_status


def both(rt, ref, bundle, args, *flags, expect_rc=0):
    """Run the same bundle under rt and ref; return {name: CompletedProcess}."""
    outs = {}
    for r in (rt, ref):
        res = r.run_payload(bundle, args, *flags)
        if expect_rc is not None:
            assert res.returncode == expect_rc, "%s: rc=%d %s" % (r.name, res.returncode, res.stderr)
        outs[r.name] = res
    return outs


class HostSysctl:
    """Remember host sysctls and put them back (a buggy runtime could write
    the host's value); the test then fails on the comparison."""

    def __init__(self, *names):
        self.paths = ["/proc/sys/" + n.replace(".", "/") for n in names]
        self.saved = [open(p).read() for p in self.paths]

    def changed(self):
        return [p for p, v in zip(self.paths, self.saved) if open(p).read() != v]

    def __enter__(self):
        return self

    def __exit__(self, *a):
        for p, v in zip(self.paths, self.saved):
            if open(p).read() != v:
                with open(p, "w") as f:
                    f.write(v)


def test_hostname(rt, ref, bundle):
    bundle.config["hostname"] = "box1"
    o = both(rt, ref, bundle, ["hostname"])
    assert o["rt"].stdout == "box1\n" == o["ref"].stdout


@pytest.mark.skiff_only("domainname is runtime-spec 1.1; runc 1.1.5 ignores it")
def test_domainname(rt, bundle):
    bundle.config["hostname"] = "box1"
    bundle.config["domainname"] = "example.org"
    r = rt.run_payload(bundle, ["sh", "-c", "hostname; cat /proc/sys/kernel/domainname"])
    assert r.returncode == 0, r.stderr
    assert r.stdout == "box1\nexample.org\n"


def test_hostname_without_uts_ns_refused(rt, ref, bundle):
    bundle.remove_ns("uts")
    bundle.config["hostname"] = "nope"
    with HostSysctl("kernel.hostname", "kernel.domainname") as host:
        for r in (rt, ref):
            res = r.run_payload(bundle, ["true"])
            assert host.changed() == [], "%s changed the host's hostname" % r.name
            assert res.returncode == 1, r.name
            assert r.ids() == []


def test_sysctl(rt, ref, bundle):
    bundle.config["linux"]["sysctl"] = {"net.ipv4.ip_forward": "1", "kernel.msgmax": "12345"}
    with HostSysctl("net.ipv4.ip_forward", "kernel.msgmax") as host:
        o = both(rt, ref, bundle, ["cat", "/proc/sys/net/ipv4/ip_forward", "/proc/sys/kernel/msgmax"])
        assert o["rt"].stdout.split() == ["1", "12345"]
        assert host.changed() == [], "the host's sysctls were written"


def test_sysctl_needs_namespace(rt, ref, bundle):
    bundle.remove_ns("ipc")
    bundle.config["linux"]["sysctl"] = {"kernel.msgmax": "12345"}
    with HostSysctl("kernel.msgmax") as host:
        for r in (rt, ref):
            res = r.run_payload(bundle, ["true"])
            assert host.changed() == [], "%s wrote the host's kernel.msgmax" % r.name
            assert res.returncode == 1, "%s: %s" % (r.name, res.stderr)


def test_env(rt, ref, bundle):
    bundle.config["process"]["env"] = ["PATH=/bin", "FOO=bar baz", "EMPTY="]
    o = both(rt, ref, bundle, ["env"])
    env = sorted(o["rt"].stdout.splitlines())
    assert "FOO=bar baz" in env and "EMPTY=" in env and "PATH=/bin" in env
    assert env == sorted(o["ref"].stdout.splitlines())  # runc adds HOME from /etc/passwd


def test_cwd(rt, ref, bundle):
    bundle.config["process"]["cwd"] = "/tmp"
    o = both(rt, ref, bundle, ["pwd"])
    assert o["rt"].stdout == "/tmp\n" == o["ref"].stdout


def test_cwd_missing_is_created(rt, ref, make_bundle):
    for r in (rt, ref):
        b = make_bundle()
        b.config["root"]["readonly"] = False
        b.config["process"]["cwd"] = "/new/work"
        res = r.run_payload(b, ["pwd"])
        assert res.returncode == 0, "%s: %s" % (r.name, res.stderr)
        assert res.stdout == "/new/work\n"


def test_user_ids(rt, ref, bundle):
    bundle.config["process"]["user"] = {"uid": 1000, "gid": 1000, "additionalGids": [5, 65534]}
    o = both(rt, ref, bundle, ["sh", "-c", "id; grep -E '^(Uid|Gid|Groups)' /proc/self/status"])
    assert o["rt"].stdout.splitlines()[0].startswith("uid=1000(tester) gid=1000(tester) groups=")
    st = parse_status(o["rt"].stdout)
    assert st["Uid"].split() == ["1000"] * 4
    assert st["Gid"].split() == ["1000"] * 4
    assert sorted(st["Groups"].split()) == ["5", "65534"]
    assert o["rt"].stdout == o["ref"].stdout


def test_user_uid_only_gets_no_extra_groups(rt, ref, bundle):
    bundle.config["process"]["user"] = {"uid": 65534, "gid": 65534}
    o = both(rt, ref, bundle, ["sh", "-c", "id; grep Groups /proc/self/status"])
    assert o["rt"].stdout.startswith("uid=65534(nobody) gid=65534(nobody)")
    assert o["rt"].stdout == o["ref"].stdout


@pytest.mark.parametrize("umask", [None, 0o077, 0o002])
def test_umask(rt, ref, bundle, umask):
    if umask is not None:
        bundle.config["process"]["user"]["umask"] = umask
    o = both(rt, ref, bundle, ["sh", "-c", "umask"])
    want = "%04o\n" % (0o022 if umask is None else umask)
    assert o["rt"].stdout == want
    assert o["ref"].stdout == want


def test_rlimits(rt, ref, bundle):
    bundle.config["process"]["rlimits"] = [
        {"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 4096},
        {"type": "RLIMIT_NPROC", "soft": 500, "hard": 600},
    ]
    o = both(rt, ref, bundle, ["grep", "-E", "Max (open files|processes)", "/proc/self/limits"])
    lines = {}
    for l in o["rt"].stdout.splitlines():
        name = "Max open files" if l.startswith("Max open files") else "Max processes"
        lines[name] = l[len(name):].split()[:2]
    assert lines["Max open files"] == ["1024", "4096"]
    assert lines["Max processes"] == ["500", "600"]
    assert o["rt"].stdout == o["ref"].stdout


def test_rlimit_above_hard_limit_fails(rt, ref, bundle):
    # RLIMIT_NOFILE hard is 20000 on these hosts and CAP_SYS_RESOURCE is not in the bounding set.
    hard = int(open("/proc/self/limits").read().split("Max open files")[1].split()[1])
    bundle.config["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": hard * 4, "hard": hard * 4}]
    for r in (rt, ref):
        res = r.run_payload(bundle, ["true"])
        if res.returncode == 0:
            pytest.skip("LOUD SKIP: this host allows raising RLIMIT_NOFILE above %d" % hard)
        assert res.returncode == 1, r.name
        assert r.ids() == []


@pytest.mark.parametrize("nnp", [True, False])
def test_no_new_privileges(rt, ref, bundle, nnp):
    bundle.config["process"]["noNewPrivileges"] = nnp
    o = both(rt, ref, bundle, ["grep", "NoNewPrivs", "/proc/self/status"])
    assert o["rt"].stdout.split() == ["NoNewPrivs:", "1" if nnp else "0"]
    assert o["rt"].stdout == o["ref"].stdout


def test_oom_score_adj(rt, ref, bundle):
    bundle.config["process"]["oomScoreAdj"] = 500
    o = both(rt, ref, bundle, ["cat", "/proc/self/oom_score_adj"])
    assert o["rt"].stdout == "500\n" == o["ref"].stdout


def cap_lines(text):
    st = parse_status(text)
    return {k: int(st[k], 16) for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")}


def test_capabilities_non_root_exact(rt, bundle):
    amb = ["CAP_KILL", "CAP_NET_BIND_SERVICE"]
    bnd = ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SYS_ADMIN"]
    bundle.config["process"]["user"] = {"uid": 1000, "gid": 1000}
    bundle.config["process"]["capabilities"] = {
        "bounding": bnd, "effective": amb, "permitted": amb, "inheritable": amb, "ambient": amb}
    r = rt.run_payload(bundle, ["cat", "/proc/self/status"])
    assert r.returncode == 0, r.stderr
    caps = cap_lines(r.stdout)
    # uid 1000 and no file caps: after execve Prm = Eff = Amb, Inh kept, Bnd kept
    assert caps == {"CapBnd": cap_mask(bnd), "CapInh": cap_mask(amb), "CapPrm": cap_mask(amb),
                    "CapEff": cap_mask(amb), "CapAmb": cap_mask(amb)}


def test_capabilities_root_match_runc(rt, ref, bundle):
    bundle.config["process"]["capabilities"] = {
        "bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_SETUID", "CAP_NET_RAW"],
        "effective": ["CAP_CHOWN", "CAP_KILL"],
        "permitted": ["CAP_CHOWN", "CAP_KILL"],
    }
    o = both(rt, ref, bundle, ["cat", "/proc/self/status"])
    a, b = cap_lines(o["rt"].stdout), cap_lines(o["ref"].stdout)
    assert a["CapBnd"] == cap_mask(["CAP_CHOWN", "CAP_KILL", "CAP_SETUID", "CAP_NET_RAW"])
    assert a["CapInh"] == 0 and a["CapAmb"] == 0
    assert a == b


def test_capabilities_default_spec_match_runc(rt, ref, bundle):
    o = both(rt, ref, bundle, ["cat", "/proc/self/status"])
    a, b = cap_lines(o["rt"].stdout), cap_lines(o["ref"].stdout)
    assert a["CapBnd"] == cap_mask(["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"])
    assert a["CapInh"] == 0
    assert a == b


@pytest.mark.skiff_only("SECURITY.md: unknown caps are an error; runc 1.1.5 warns and ignores them")
def test_unknown_capability_refused(rt, ref, bundle):
    bundle.config["process"]["capabilities"]["bounding"].append("CAP_NOT_A_CAP")
    res = rt.run_payload(bundle, ["true"])
    assert res.returncode == 1
    assert "CAP_NOT_A_CAP" in res.stderr
    assert rt.ids() == []


def test_terminal_console_socket(rt, bundle, scratch):
    bundle.config["process"]["terminal"] = True
    bundle.config["process"]["consoleSize"] = {"height": 30, "width": 100}
    bundle.write(args=["sh", "-c", "stty size; tty; test -t 0 && test -t 1 && echo isatty"])
    cs = ConsoleSocket(os.path.join(scratch, "console.sock"))
    cid = rt.new_id("tty")
    try:
        r = rt.create(cid, bundle.path, "--console-socket", cs.path)
        assert r.returncode == 0, r.stderr
        cs.wait()
        assert rt.start(cid).returncode == 0
        out = cs.read_all()
        lines = [l.strip() for l in out.splitlines()]
        assert lines[0] == "30 100", out
        assert lines[1].startswith("/dev/pts/"), out
        assert lines[2] == "isatty", out
        rt.wait_status(cid, "stopped")
    finally:
        rt.delete(cid, force=True)
        cs.close()


def test_terminal_without_console_socket_refused(rt, ref, bundle):
    bundle.config["process"]["terminal"] = True
    bundle.write(args=["true"])
    for r in (rt, ref):
        res = r.create(r.new_id(), bundle.path)
        assert res.returncode == 1, r.name
        assert r.ids() == []


def wrapped(r, args, shell_prefix, pass_fds):
    """Run `r args` through bash (dash has no fds > 9) so fds/env can be set up exactly as an engine would."""
    argv = ["bash", "-c", shell_prefix + 'exec "$@"', "sh"] + r.argv(*args)
    p = FilePopen(argv, env=r.env(), pass_fds=pass_fds, stdin=subprocess.DEVNULL)
    return p


def run_with_fd3(r, bundle, flags, shell_env=""):
    rd, wr = os.pipe()
    try:
        cid = r.new_id("fd")
        p = wrapped(r, ["run", "--bundle", bundle.path] + flags + [cid],
                    "%s exec 3>&%d %d>&-; " % (shell_env, wr, wr), (wr,))
        os.close(wr)
        wr = -1
        with os.fdopen(rd, "rb") as f:
            rd = -1
            data = f.read().decode()
        p.wait(timeout=30)
        return p.returncode, p.read_stdout(), p.read_stderr(), data
    finally:
        for fd in (rd, wr):
            if fd >= 0:
                os.close(fd)


def test_preserve_fds(rt, ref, bundle):
    bundle.write(args=["sh", "-c", "echo via-fd3 >&3; ls /proc/self/fd | sort -n | tr '\\n' ' '"])
    res = {}
    for r in (rt, ref):
        rc, out, err, data = run_with_fd3(r, bundle, ["--preserve-fds", "1"])
        assert rc == 0, "%s: %s" % (r.name, err)
        assert data == "via-fd3\n"
        res[r.name] = out
    assert res["rt"].split()[:4] == ["0", "1", "2", "3"]
    assert res["rt"] == res["ref"]


def test_no_preserve_fds_closes_extra(rt, ref, bundle):
    bundle.write(args=["sh", "-c", "echo via-fd3 >&3 && echo LEAKED"])
    for r in (rt, ref):
        rc, out, err, data = run_with_fd3(r, bundle, [])
        assert data == "", r.name
        assert "LEAKED" not in out


@pytest.mark.parametrize("listen", [True, False])
def test_listen_fds_like_runc(rt, ref, bundle, listen):
    # runc passes LISTEN_FDS (and the fds) only when its caller has
    # LISTEN_FDS set with LISTEN_PID equal to runc's own pid.
    bundle.write(args=["sh", "-c", "env | grep ^LISTEN_ | sort; echo via-fd3 >&3 && echo fd3ok"])
    env = "export LISTEN_FDS=1 LISTEN_PID=$$;" if listen else ""
    res = {}
    for r in (rt, ref):
        rc, out, err, data = run_with_fd3(r, bundle, [], shell_env=env)
        res[r.name] = (rc, out, data)
    assert res["rt"] == res["ref"]
    if listen:
        assert "LISTEN_FDS=1" in res["rt"][1] and "LISTEN_PID=1" in res["rt"][1]
        assert res["rt"][2] == "via-fd3\n"
    else:
        assert "LISTEN_" not in res["rt"][1]
