"""SECURITY.md items 10-14: mount targets that try to escape the rootfs."""

import os
import threading

import pytest

from seclib import drop_dev_mounts, host_token_mounts, mounts_on, ok, refused, snapshot


def _outside(scratch, name="hostdir"):
    d = os.path.join(scratch, name)
    os.mkdir(d)
    with open(os.path.join(d, "marker"), "w") as f:
        f.write("host\n")
    return d


def _ran_or_refused(r):
    if r.returncode != 0:
        refused(r)


# -- 10 ---------------------------------------------------------------------

def test_10_mnt_symlink_to_host_dir(rt, bundle, scratch):
    """10: rootfs mnt -> host dir (absolute symlink, standing in for /etc),
    tmpfs at /mnt/x: resolved inside the rootfs; the host dir is untouched."""
    host = _outside(scratch)
    mnt = os.path.join(bundle.rootfs, "mnt")
    os.rmdir(mnt)
    os.symlink(host, mnt)
    bundle.add_mount("/mnt/x", "tmpfs", "tmpfs")
    snap = snapshot(host)
    r = rt.run_payload(bundle, ["sh", "-c", "grep -q ' /mnt/x \\| %s/x ' /proc/self/mountinfo "
                                "&& echo MOUNTED; ls /mnt/ 2>&1; echo end" % host])
    _ran_or_refused(r)
    assert snapshot(host) == snap
    assert not os.path.exists("/etc/x") or os.path.isdir("/etc/x") is False
    assert not mounts_on(host)


# -- 11 ---------------------------------------------------------------------

def test_11_mount_target_swap_race(rt, bundle, scratch):
    """11: a host loop swaps a mount target's parent between a directory and
    a symlink to a host dir while 200 containers are created: host mountinfo
    never grows, nothing is created in the host dir."""
    host = _outside(scratch)
    parent = os.path.join(bundle.rootfs, "mnt", "t")
    os.mkdir(parent)
    os.mkdir(os.path.join(parent, "sub"))
    bundle.add_mount("/mnt/t/sub", "tmpfs", "tmpfs")
    bundle.write(args=["true"])
    snap = snapshot(host)
    before = host_token_mounts()
    stop = threading.Event()
    d_alt = parent + ".d"
    l_alt = parent + ".l"
    os.mkdir(d_alt)
    os.mkdir(os.path.join(d_alt, "sub"))
    os.symlink(host, l_alt)

    def swapper():
        while not stop.is_set():
            try:
                os.rename(parent, parent + ".tmp")
                os.rename(l_alt, parent)          # now a symlink
                os.rename(parent, l_alt)
                os.rename(parent + ".tmp", parent)  # a directory again
            except OSError:
                pass

    t = threading.Thread(target=swapper, daemon=True)
    t.start()
    bad = []
    try:
        for i in range(200):
            r = rt.run(rt.new_id("race"), bundle.path)
            if r.returncode != 0 and (r.returncode < 0 or "skiff:" not in r.stderr):
                bad.append("run %d: rc %d %r" % (i, r.returncode, r.stderr))
            if i % 20 == 0 and len(host_token_mounts()) > len(before):
                bad.append("host mountinfo grew at iteration %d" % i)
                break
    finally:
        stop.set()
        t.join()
    assert not bad, bad[:5]
    assert len(host_token_mounts()) == len(before)
    assert snapshot(host) == snap
    assert not mounts_on(host)


# -- 12 ---------------------------------------------------------------------

@pytest.mark.parametrize("typ", ["tmpfs", "bind"])
def test_12_mount_parent_symlink_to_host(rt, bundle, scratch, typ):
    """12: destination /data/sub/x with rootfs data -> host dir: nothing is
    created or mounted outside the rootfs."""
    host = _outside(scratch)
    src = _outside(scratch, "bindsrc")
    os.symlink(host, os.path.join(bundle.rootfs, "data"))
    if typ == "tmpfs":
        bundle.add_mount("/data/sub/x", "tmpfs", "tmpfs")
    else:
        bundle.add_mount("/data/sub/x", "bind", src, ["rbind"])
    snap = snapshot(host)
    r = rt.run_payload(bundle, ["true"])
    _ran_or_refused(r)
    assert snapshot(host) == snap, "created outside the rootfs: %s" % os.listdir(host)
    assert not mounts_on(host)


# -- 13 ---------------------------------------------------------------------

@pytest.mark.parametrize("keep_dev_tmpfs", [True, False], ids=["dev-tmpfs", "no-dev-tmpfs"])
def test_13_dev_symlink_to_outside(rt, bundle, scratch, keep_dev_tmpfs):
    """13: rootfs dev -> symlink to a host dir: that dir is unchanged."""
    host = _outside(scratch)
    if not keep_dev_tmpfs:
        drop_dev_mounts(bundle)
    dev = os.path.join(bundle.rootfs, "dev")
    os.rmdir(dev)
    os.symlink(host, dev)
    bundle.config["process"]["terminal"] = False
    snap = snapshot(host)
    r = rt.run_payload(bundle, ["sh", "-c", "ls -l /dev/ >/dev/null; echo ran"])
    _ran_or_refused(r)
    assert snapshot(host) == snap, "host dir changed: %s" % os.listdir(host)
    assert not mounts_on(host)


# -- 14 ---------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/dev/../etc/evil", "/etc/evil", "/dev/../../../evil",
                                  "dev/null2", "/dev/./../tmp/x"])
def test_14_device_path_escaping_dev_refused(rt, bundle, scratch, path):
    """14: linux.devices path outside /dev -> refused."""
    bundle.config["linux"]["devices"] = [{"path": path, "type": "c", "major": 1, "minor": 3,
                                          "fileMode": 0o666, "uid": 0, "gid": 0}]
    snap = snapshot(bundle.rootfs)
    r = rt.run_payload(bundle, ["true"])
    refused(r, "dev")
    assert snapshot(bundle.rootfs) == snap


# -- idmapped mounts without the new mount API -------------------------------

def test_idmap_never_falls_back_to_plain_bind(rt, bundle, scratch):
    """An idmapped bind needs open_tree(2) + mount_setattr(2): with them
    forced to ENOSYS (check-security-enosys) create must fail and say so,
    never mount the source without its mapping; otherwise the mapping shows."""
    from seclib import wrapper_target
    src = _outside(scratch, "idsrc")
    os.chown(os.path.join(src, "marker"), 1000, 1000)
    m = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    bundle.add_ns("user")
    bundle.config["linux"]["uidMappings"] = m
    bundle.config["linux"]["gidMappings"] = m
    bundle.config["mounts"] = [x for x in bundle.config["mounts"] if x["destination"] != "/sys/fs/cgroup"]
    os.makedirs(os.path.join(bundle.rootfs, "data"))
    bundle.add_mount("/data", "bind", src, ["bind", "idmap"])
    r = rt.run_payload(bundle, ["stat", "-c", "%u", "/data/marker"])
    if wrapper_target(rt.binary)[0] is not None:
        refused(r, "idmapped mounts need open_tree(2) and mount_setattr(2)")
        assert r.stdout == ""
    else:
        ok(r, "idmapped run")
        assert r.stdout.strip() == "1000"
    assert rt.ids() == []
    assert not mounts_on(src)
