"""Idmapped bind mounts: options idmap/ridmap and per-mount uidMappings /
gidMappings (runtime-spec config.md, Mounts).

The sources live in the session workdir, on the host's root filesystem
(ext4 here, which supports idmapped mounts); the recursive case adds a
tmpfs (idmappable since Linux 6.3) below the source. Files are owned by host
uid/gid 1000. Debian's runc 1.1.5 predates idmapped mounts: it passes
"idmap" to mount(2) as data, which a bind ignores, and drops the mappings;
where that shows, the comparison checks it is exactly that plain bind.
"""

import os
import subprocess

import pytest

NO_IDMAP_IN_RUNC = "runc 1.1.5 has no idmapped mounts"
USER_MAP = [{"containerID": 0, "hostID": 100000, "size": 65536}]
PROBE = ("stat -c '%u:%g' /data/f; touch /data/new; "
         "grep ' /data ' /proc/self/mountinfo")


def use_userns(bundle):
    """A user namespace 0 -> 100000; the rootfs stays host-root owned, so the
    mount point is made beforehand (the container's root may not mkdir)."""
    bundle.add_ns("user")
    bundle.config["linux"]["uidMappings"] = USER_MAP
    bundle.config["linux"]["gidMappings"] = USER_MAP
    bundle.config["mounts"] = [m for m in bundle.config["mounts"]
                               if m["destination"] != "/sys/fs/cgroup"]
    os.makedirs(os.path.join(bundle.rootfs, "data"), exist_ok=True)


def make_source(scratch, name="src"):
    src = os.path.join(scratch, name)
    os.makedirs(src)
    with open(os.path.join(src, "f"), "w") as f:
        f.write("hello\n")
    os.chown(os.path.join(src, "f"), 1000, 1000)
    os.chown(src, 1000, 1000)
    # the default spec's root has no CAP_DAC_OVERRIDE: let anyone write
    os.chmod(src, 0o777)
    return src


def owner(path):
    """uid:gid of path on the host, None when it was not created."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    return "%d:%d" % (st.st_uid, st.st_gid)


def probe(r, bundle, src):
    """Run PROBE; (stat inside, host owner of the file written inside or None,
    mountinfo line)."""
    new = os.path.join(src, "new")
    if os.path.exists(new):
        os.unlink(new)
    res = r.run_payload(bundle, ["sh", "-c", PROBE])
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    return lines[0], owner(new), lines[-1]


def compare_with_runc(a, b):
    """runc either idmaps as skiff does, or (1.1) made a plain bind."""
    if "idmapped" in b[2]:
        assert b[:2] == a[:2]
    else:
        # the host's 1000 is unmapped: the overflow id; root writes as 100000
        assert b[:2] == ("65534:65534", "100000:100000")


def test_idmap_uses_container_mapping(rt, ref, bundle, scratch):
    src = make_source(scratch)
    use_userns(bundle)
    bundle.add_mount("/data", "bind", src, ["bind", "idmap"])
    a = probe(rt, bundle, src)
    # the host's 1000 is the container's 1000; its root writes as the host's 0
    assert a[0] == "1000:1000"
    assert a[1] == "0:0"
    assert "idmapped" in a[2].split(" - ")[0]
    compare_with_runc(a, probe(ref, bundle, src))


def test_mount_mappings(rt, ref, bundle, scratch):
    """A mapping of the mount's own: host 1000 <-> the container's root."""
    src = make_source(scratch)
    use_userns(bundle)
    m = {"destination": "/data", "type": "bind", "source": src, "options": ["bind", "idmap"],
         "uidMappings": [{"containerID": 1000, "hostID": 100000, "size": 1}],
         "gidMappings": [{"containerID": 1000, "hostID": 100000, "size": 1}]}
    bundle.config["mounts"].append(m)
    a = probe(rt, bundle, src)
    assert a[0] == "0:0"
    assert a[1] == "1000:1000"
    compare_with_runc(a, probe(ref, bundle, src))


@pytest.fixture
def src_with_tmpfs(scratch):
    """A source with a tmpfs mounted below it (on the host), holding sub/g."""
    src = make_source(scratch)
    sub = os.path.join(src, "sub")
    os.makedirs(sub)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "skiff-idmap-test", sub], check=True)
    try:
        with open(os.path.join(sub, "g"), "w") as f:
            f.write("x\n")
        os.chown(os.path.join(sub, "g"), 1000, 1000)
        yield src
    finally:
        subprocess.run(["umount", sub], check=True)


@pytest.mark.skiff_only(NO_IDMAP_IN_RUNC)
@pytest.mark.parametrize("opt,want", [("ridmap", "1000:1000"), ("idmap", "65534:65534")])
def test_ridmap_reaches_submounts(rt, bundle, src_with_tmpfs, opt, want):
    """rbind + ridmap idmaps the tmpfs below too; rbind + idmap only the top."""
    use_userns(bundle)
    bundle.add_mount("/data", "bind", src_with_tmpfs, ["rbind", opt])
    r = rt.run_payload(bundle, ["stat", "-c", "%u:%g", "/data/f", "/data/sub/g"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["1000:1000", want]


def refused(r, needle):
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("skiff: "), r.stderr
    assert needle in lines[0], r.stderr


@pytest.mark.skiff_only(NO_IDMAP_IN_RUNC)
def test_unsupported_filesystem_is_an_error(rt, bundle):
    use_userns(bundle)
    bundle.add_mount("/data", "bind", "/sys/kernel", ["rbind", "idmap"])
    refused(rt.run_payload(bundle, ["true"]),
            "mount destination /data: source `/sys/kernel`: its filesystem does not support idmapped mounts")
    assert rt.ids() == []


@pytest.mark.skiff_only(NO_IDMAP_IN_RUNC)
def test_needs_user_namespace(rt, bundle, scratch):
    bundle.add_mount("/data", "bind", make_source(scratch), ["bind", "idmap"])
    refused(rt.run_payload(bundle, ["true"]), "idmapped mounts need a user namespace in the container")


@pytest.mark.skiff_only(NO_IDMAP_IN_RUNC)
def test_bind_only(rt, bundle):
    use_userns(bundle)
    bundle.add_mount("/data", "tmpfs", "tmpfs", ["idmap"])
    refused(rt.run_payload(bundle, ["true"]), "idmapped mounts are only supported for bind mounts")


@pytest.mark.skiff_only(NO_IDMAP_IN_RUNC)
def test_uid_and_gid_mappings_together(rt, bundle, scratch):
    use_userns(bundle)
    bundle.config["mounts"].append({"destination": "/data", "type": "bind", "source": make_source(scratch),
                                    "options": ["bind"], "uidMappings": USER_MAP})
    refused(rt.run_payload(bundle, ["true"]), "uidMappings and gidMappings must be given together")
