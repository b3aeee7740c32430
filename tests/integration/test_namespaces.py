"""Namespaces: each new namespace, joining by path, user and time namespaces."""

import os
import re
import subprocess

import pytest

from conftest import Holder, ns_link, wait_until

# OCI namespace type -> /proc/PID/ns entry
NS_FILE = {
    "pid": "pid", "network": "net", "ipc": "ipc", "uts": "uts", "mount": "mnt",
    "user": "user", "cgroup": "cgroup", "time": "time",
}

USER_MAP = [{"containerID": 0, "hostID": 100000, "size": 65536}]


def use_userns(bundle):
    """User namespace with a shifted mapping (the rootfs stays host-root
    owned and world-readable; /sys/fs/cgroup is dropped as rootless configs do)."""
    bundle.add_ns("user")
    bundle.config["linux"]["uidMappings"] = USER_MAP
    bundle.config["linux"]["gidMappings"] = USER_MAP
    bundle.config["mounts"] = [m for m in bundle.config["mounts"]
                               if m["destination"] != "/sys/fs/cgroup"]


def use_timens(bundle, secs=86400):
    bundle.add_ns("time")
    bundle.config["linux"]["timeOffsets"] = {
        "monotonic": {"secs": secs, "nanosecs": 0},
        "boottime": {"secs": secs, "nanosecs": 0},
    }


@pytest.mark.parametrize("ns", [
    n if n != "time" else pytest.param(n, marks=pytest.mark.skiff_only("runc 1.1.5 has no time namespace"))
    for n in sorted(NS_FILE)])
def test_new_namespace(rt, bundle, ns):
    if ns == "user":
        use_userns(bundle)
    elif ns == "time":
        use_timens(bundle)
    else:
        bundle.add_ns(ns)
    f = NS_FILE[ns]
    r = rt.run_payload(bundle, ["readlink", "/proc/self/ns/" + f])
    assert r.returncode == 0, r.stderr
    inside = r.stdout.strip()
    assert inside.startswith(f + ":[")
    assert inside != ns_link("self", f)


@pytest.mark.parametrize("ns", ["network", "ipc", "uts", "pid"])
def test_no_namespace_shares_host(rt, bundle, ns):
    bundle.remove_ns(ns)
    if ns == "uts":
        bundle.config.pop("hostname", None)
    if ns == "network":
        # sysfs cannot be mounted fresh without a netns owned by us: bind it instead
        for m in bundle.config["mounts"]:
            if m["destination"] == "/sys":
                m.update({"type": "bind", "source": "/sys", "options": ["rbind", "nosuid", "noexec", "nodev", "ro"]})
    f = NS_FILE[ns]
    r = rt.run_payload(bundle, ["readlink", "/proc/self/ns/" + f])
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ns_link("self", f)


def test_join_namespaces_by_path(rt, bundle):
    with Holder(["unshare", "--net", "--uts", "--ipc", "sleep", "1000"]) as h:
        assert wait_until(lambda: ns_link(h.pid, "net") != ns_link("self", "net")
                          and ns_link(h.pid, "ipc") != ns_link("self", "ipc"))
        for typ in ("network", "uts", "ipc"):
            bundle.add_ns(typ, "/proc/%d/ns/%s" % (h.pid, NS_FILE[typ]))
        bundle.config["hostname"] = "joined"
        r = rt.run_payload(bundle, ["sh", "-c",
                                    "for n in net uts ipc; do readlink /proc/self/ns/$n; done; hostname"])
        assert r.returncode == 0, r.stderr
        lines = r.stdout.split()
        assert lines[:3] == [ns_link(h.pid, "net"), ns_link(h.pid, "uts"), ns_link(h.pid, "ipc")]
        assert lines[3] == "joined"


def test_join_bad_ns_path_fails(rt, bundle, scratch):
    bogus = os.path.join(scratch, "notns")
    open(bogus, "w").close()
    bundle.add_ns("network", bogus)
    r = rt.run_payload(bundle, ["true"])
    assert r.returncode == 1
    assert r.stderr.strip()
    assert rt.ids() == []


def test_join_ns_wrong_type_fails(rt, bundle):
    bundle.add_ns("network", "/proc/self/ns/uts")
    r = rt.run_payload(bundle, ["true"])
    assert r.returncode == 1
    assert rt.ids() == []


def test_user_namespace_mappings(rt, ref, bundle):
    use_userns(bundle)
    outs = {}
    for r in (rt, ref):
        res = r.run_payload(bundle, ["sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; id -u; ls -ln /bin/busybox"])
        assert res.returncode == 0, "%s: %s" % (r.name, res.stderr)
        outs[r.name] = res.stdout
    lines = [l.split() for l in outs["rt"].splitlines()]
    assert lines[0] == ["0", "100000", "65536"]
    assert lines[1] == ["0", "100000", "65536"]
    assert lines[2] == ["0"]
    # host root is unmapped inside: files show the overflow uid
    assert lines[3][2] == "65534"
    assert outs["rt"] == outs["ref"]


def test_user_namespace_process_host_uid(rt, bundle):
    use_userns(bundle)
    bundle.write(args=["sleep", "1000"])
    cid = rt.new_id()
    try:
        assert rt.create(cid, bundle.path).returncode == 0
        pid = rt.state_json(cid)["pid"]
        status = open("/proc/%d/status" % pid).read()
        uid = re.search(r"^Uid:\s+(\d+)", status, re.M).group(1)
        assert uid == "100000"
        assert ns_link(pid, "user") != ns_link("self", "user")
    finally:
        rt.delete(cid, force=True)


@pytest.mark.skiff_only("time namespaces need runc >= 1.2; runc 1.1.5 rejects them")
def test_time_namespace_offsets(rt, bundle):
    use_timens(bundle, 86400)
    r = rt.run_payload(bundle, ["sh", "-c", "cat /proc/self/timens_offsets; cat /proc/uptime"])
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    offs = {l.split()[0]: l.split()[1:] for l in lines[:2]}
    assert offs["monotonic"] == ["86400", "0"]
    assert offs["boottime"] == ["86400", "0"]
    inside_uptime = float(lines[2].split()[0])
    host_uptime = float(open("/proc/uptime").read().split()[0])
    assert inside_uptime - host_uptime > 86400 - 60


def test_cgroup_namespace_root(rt, bundle):
    bundle.add_ns("cgroup")
    r = rt.run_payload(bundle, ["cat", "/proc/self/cgroup"])
    assert r.returncode == 0, r.stderr
    for line in r.stdout.splitlines():
        assert line.split(":", 2)[2] == "/", r.stdout


def test_pid_namespace_init_is_pid1(rt, bundle):
    r = rt.run_payload(bundle, ["sh", "-c", "echo $$; ps -o pid,comm | wc -l"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[0] == "1"


def test_network_namespace_has_only_loopback(rt, ref, bundle):
    outs = {}
    for r in (rt, ref):
        res = r.run_payload(bundle, ["sh", "-c", "ip -o link | cut -d: -f2"])
        assert res.returncode == 0, "%s: %s" % (r.name, res.stderr)
        outs[r.name] = res.stdout.split()
    assert outs["rt"] == ["lo"]
    assert outs["rt"] == outs["ref"]


def test_join_network_namespace_with_veth(rt, bundle):
    """A netns prepared with iproute2 (veth pair inside it) joined by path."""
    with Holder(["unshare", "--net", "sleep", "1000"]) as h:
        assert wait_until(lambda: ns_link(h.pid, "net") != ns_link("self", "net"))
        subprocess.run(["nsenter", "-t", str(h.pid), "-n", "ip", "link", "add", "v0", "type",
                        "veth", "peer", "name", "v1"], check=True)
        bundle.add_ns("network", "/proc/%d/ns/net" % h.pid)
        r = rt.run_payload(bundle, ["sh", "-c", "ip -o link | cut -d: -f2 | cut -d@ -f1 | sort"])
        assert r.returncode == 0, r.stderr
        assert r.stdout.split() == ["lo", "v0", "v1"]
