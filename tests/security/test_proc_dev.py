"""SECURITY.md items 5-9, 20, 21: fake or symlinked /proc, /sys, /dev nodes,
masked and read-only paths."""

import os
import threading

import pytest

from seclib import (ConsoleSocket, drop_dev_mounts, mounts_on, ok, refused, snapshot)

CORE_PATTERN = "/proc/sys/kernel/core_pattern"


def _core_pattern():
    with open(CORE_PATTERN) as f:
        return f.read()


def _write_masked_script(bundle):
    """Payload: try to write the host's own core_pattern value (harmless if it
    lands) into every masked/read-only path; report what was writable."""
    paths = [p for p in bundle.config["linux"]["maskedPaths"] +
             bundle.config["linux"]["readonlyPaths"]] + [CORE_PATTERN]
    # A write that lands in the null device (1:3) is harmless; anything else is not.
    return ('v="$CP"; for f in %s; do [ -e "$f" ] || continue; [ -d "$f" ] && continue; '
            'if [ -c "$f" ] && [ "$(stat -c %%t:%%T "$f")" = 1:3 ]; then continue; fi; '
            '( echo "$v" > "$f" ) 2>/dev/null && echo "WRITABLE $f $(stat -c %%F "$f")"; '
            'done; echo checked' % " ".join(paths))


def _dev_null_symlink(bundle):
    drop_dev_mounts(bundle)
    dn = os.path.join(bundle.rootfs, "dev", "null")
    if os.path.lexists(dn):
        os.unlink(dn)
    os.symlink(CORE_PATTERN, dn)
    bundle.config["process"]["env"].append("CP=" + _core_pattern().strip())


# -- 5 ----------------------------------------------------------------------

def test_05_dev_null_symlink_masking(rt, bundle):
    """5: rootfs dev/null -> /proc/sys/kernel/core_pattern: masking never
    makes a masked path (or core_pattern) writable."""
    before = _core_pattern()
    _dev_null_symlink(bundle)
    r = rt.run_payload(bundle, ["sh", "-c", _write_masked_script(bundle)])
    if r.returncode != 0:
        refused(r)
    else:
        assert "checked" in r.stdout
        assert "WRITABLE" not in r.stdout, r.stdout
    assert _core_pattern() == before


# -- 6 ----------------------------------------------------------------------

def test_06_dev_null_swap_race(rt, bundle):
    """6: a host loop swaps rootfs dev/null between a file and a symlink to
    core_pattern while 100 containers are created: never a writable masked path."""
    before = _core_pattern()
    _dev_null_symlink(bundle)
    bundle.write(args=["sh", "-c", _write_masked_script(bundle)])
    dn = os.path.join(bundle.rootfs, "dev", "null")
    tmp_link = dn + ".l"
    tmp_file = dn + ".f"
    stop = threading.Event()

    def swapper():
        while not stop.is_set():
            try:
                os.symlink(CORE_PATTERN, tmp_link)
                os.rename(tmp_link, dn)
                open(tmp_file, "w").close()
                os.rename(tmp_file, dn)
            except OSError:
                pass

    t = threading.Thread(target=swapper, daemon=True)
    t.start()
    bad = []
    try:
        for i in range(100):
            r = rt.run(rt.new_id("sw"), bundle.path)
            if r.returncode == 0:
                if "WRITABLE" in r.stdout:
                    bad.append(r.stdout)
            elif r.returncode < 0 or "skiff:" not in r.stderr:
                bad.append("run %d: rc %d %r" % (i, r.returncode, r.stderr))
    finally:
        stop.set()
        t.join()
    assert not bad, bad[:5]
    assert _core_pattern() == before


# -- 7 ----------------------------------------------------------------------

@pytest.mark.parametrize("target", ["/proc/sysrq-trigger", CORE_PATTERN, "host-marker"])
def test_07_dev_console_symlink(rt, bundle, scratch, target):
    """7: terminal with rootfs dev/console -> symlink: the console is a pts
    (major 136); the symlink target (container or host path) is untouched."""
    marker = os.path.join(scratch, "marker")
    with open(marker, "w") as f:
        f.write("marker\n")
    if target == "host-marker":
        target = marker
    drop_dev_mounts(bundle)
    con = os.path.join(bundle.rootfs, "dev", "console")
    if os.path.lexists(con):
        os.unlink(con)
    os.symlink(target, con)
    bundle.config["process"]["terminal"] = True
    bundle.write(args=["sh", "-c", "stat -L -c 'MAJ=%t' /dev/console; "
                       "grep -c ' /dev/console ' /proc/self/mountinfo"])
    before = _core_pattern()
    cs = ConsoleSocket(os.path.join(scratch, "console.sock"))
    cid = rt.new_id("con")
    try:
        r = rt.create(cid, bundle.path, "--console-socket", cs.path)
        if r.returncode != 0:
            refused(r)
        else:
            cs.wait()
            ok(rt.start(cid))
            out = cs.read_all()
            assert "MAJ=88" in out, "console is not a pts (major 136=0x88): %r" % out
            rt.wait_status(cid, "stopped")
    finally:
        rt.delete(cid, force=True)
        cs.close()
    assert _core_pattern() == before
    with open(marker) as f:
        assert f.read() == "marker\n"
    assert not mounts_on(marker)


# -- 8 ----------------------------------------------------------------------

@pytest.mark.parametrize("mount", [
    {"destination": "/proc", "type": "tmpfs", "source": "tmpfs"},
    {"destination": "/proc", "type": "bind", "source": "/tmp", "options": ["rbind"]},
    {"destination": "/proc/self/attr", "type": "tmpfs", "source": "tmpfs"},
    {"destination": "/proc/self/attr/current", "type": "bind", "source": "/dev/null",
     "options": ["bind"]},
], ids=["tmpfs-proc", "bind-proc", "tmpfs-attr", "bind-attr"])
def test_08_fake_proc_mount_refused(rt, bundle, mount):
    """8: tmpfs/bind at /proc or onto /proc/self/attr -> refused."""
    if mount["destination"] == "/proc":
        bundle.config["mounts"] = [m for m in bundle.config["mounts"]
                                   if m["destination"] != "/proc"]
    bundle.config["mounts"].append(mount)
    r = rt.run_payload(bundle, ["true"])
    refused(r, "proc")


# -- 9 ----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["proc", "sys"])
@pytest.mark.parametrize("relative", [False, True], ids=["abs", "rel"])
def test_09_proc_sys_symlink_refused(rt, bundle, scratch, name, relative):
    """9: rootfs proc or sys is a symlink -> "must be mounted on an ordinary directory"."""
    outside = os.path.join(scratch, "outside")
    os.mkdir(outside)
    p = os.path.join(bundle.rootfs, name)
    os.rmdir(p)
    os.symlink("../outside-" + name if relative else outside, p)
    snap = snapshot(scratch)
    r = rt.run_payload(bundle, ["true"])
    refused(r, "ordinary directory")
    assert snapshot(scratch) == snap
    assert not mounts_on(outside)


# -- 20 ---------------------------------------------------------------------

def test_20_proc_writes_denied_masked_empty(rt, bundle):
    """20: writes to /proc/kcore, /proc/sysrq-trigger (where they exist) and
    /proc/sys fail with EPERM/EROFS; masked paths read empty."""
    cfg = bundle.config["linux"]
    bundle.config["process"]["env"].append("CP=" + _core_pattern().strip())
    ro = [p for p in ("/proc/sysrq-trigger", "/proc/kcore", CORE_PATTERN,
                      "/proc/sys/kernel/hostname", "/proc/sys/vm/overcommit_memory",
                      "/proc/irq/default_smp_affinity")]
    script = ['for f in %s; do [ -e "$f" ] || continue; v=$(cat $f 2>/dev/null); '
              '[ "$f" = %s ] && v="$CP"; '
              'if ( echo "$v" > "$f" ) 2>/dev/null; then echo "WRITABLE $f"; '
              'else echo "DENIED $f"; fi; done' % (" ".join(ro), CORE_PATTERN)]
    for m in cfg["maskedPaths"]:
        script.append('if [ -d %s ]; then [ -z "$(ls -A %s)" ] || echo "NONEMPTY %s"; '
                      'elif [ -e %s ]; then [ -z "$(head -c 64 %s)" ] || echo "NONEMPTY %s"; fi'
                      % ((m,) * 6))
    script.append("echo end")
    before = _core_pattern()
    r = ok(rt.run_payload(bundle, ["sh", "-c", "; ".join(script)]))
    assert "end" in r.stdout
    assert "WRITABLE" not in r.stdout and "NONEMPTY" not in r.stdout, r.stdout
    assert "DENIED %s" % CORE_PATTERN in r.stdout
    assert _core_pattern() == before


# -- 21 ---------------------------------------------------------------------

def test_21_cgroupfs_readonly_without_cgroupns(rt, bundle):
    """21: no cgroup namespace: /sys/fs/cgroup is read-only inside."""
    assert bundle.ns("cgroup") is None
    r = ok(rt.run_payload(bundle, ["sh", "-c",
        "for d in /sys/fs/cgroup /sys/fs/cgroup/*; do [ -L $d ] && continue; "
        "mkdir $d/skiff-sec-x 2>/dev/null && { echo WROTE $d; rmdir $d/skiff-sec-x; }; done; "
        "for f in /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max "
        "/sys/fs/cgroup/memory/cgroup.procs; do [ -e $f ] || continue; "
        "( echo max > $f ) 2>/dev/null && echo WROTE $f; done; "
        "awk '$5 ~ \"^/sys/fs/cgroup\" { split($6, o, \",\"); if (o[1] != \"ro\") print \"RW \" $5 }' "
        "/proc/self/mountinfo; echo end"]))
    assert "end" in r.stdout
    assert "WROTE" not in r.stdout and "RW " not in r.stdout, r.stdout
