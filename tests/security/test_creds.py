"""SECURITY.md items 15-19: capabilities, no_new_privs, seccomp, keyrings."""

import os
import shutil

import pytest

from seclib import cap_mask, created, ok, parse_status, refused, running, skiff_exec

STATUS = ["cat", "/proc/self/status"]


def _caps(bundle, bounding, effective=None, permitted=None, inheritable=None, ambient=None):
    c = {"bounding": bounding,
         "effective": effective if effective is not None else bounding,
         "permitted": permitted if permitted is not None else bounding}
    if inheritable is not None:
        c["inheritable"] = inheritable
    if ambient is not None:
        c["ambient"] = ambient
    bundle.config["process"]["capabilities"] = c


def _hex(names):
    return "%016x" % cap_mask(names)


# -- 15 ---------------------------------------------------------------------

def test_15_run_no_inheritable_no_ambient(rt, bundle):
    """15: `run` with CAP_KILL and no inheritable/ambient asked -> CapInh = CapAmb = 0."""
    _caps(bundle, ["CAP_KILL", "CAP_AUDIT_WRITE"])
    st = parse_status(ok(rt.run_payload(bundle, STATUS)).stdout)
    assert st["CapInh"] == "0" * 16 and st["CapAmb"] == "0" * 16, st
    assert st["CapEff"] == _hex(["CAP_KILL", "CAP_AUDIT_WRITE"])


def test_15_run_ambient_when_asked(rt, bundle):
    """15: ambient caps appear only when asked (and need inheritable)."""
    _caps(bundle, ["CAP_KILL"], inheritable=["CAP_KILL"], ambient=["CAP_KILL"])
    bundle.config["process"]["user"] = {"uid": 1000, "gid": 1000}
    st = parse_status(ok(rt.run_payload(bundle, STATUS)).stdout)
    assert st["CapAmb"] == _hex(["CAP_KILL"]), st
    assert st["CapInh"] == _hex(["CAP_KILL"]), st


def test_15_exec_cap_not_inheritable(rt, bundle):
    """15: `exec --cap CAP_KILL` -> CapInh = 0, CapAmb = 0 (CVE-2022-29162)."""
    _caps(bundle, ["CAP_KILL", "CAP_AUDIT_WRITE", "CAP_NET_BIND_SERVICE"],
          effective=["CAP_AUDIT_WRITE"], permitted=["CAP_AUDIT_WRITE"])
    cid = running(rt, bundle, ["sleep", "30"])
    try:
        r = skiff_exec(rt, cid, *STATUS, flags=("--cap", "CAP_KILL"))
        ok(r, "exec --cap")
        st = parse_status(r.stdout)
        assert st["CapInh"] == "0" * 16, st
        assert st["CapAmb"] == "0" * 16, st
        assert cap_mask(["CAP_KILL"]) & int(st["CapEff"], 16), st
        r = skiff_exec(rt, cid, *STATUS, flags=("--cap", "CAP_NOT_A_CAP"))
        refused(r, "CAP_NOT_A_CAP")
    finally:
        rt.delete(cid, force=True)


# -- 16 ---------------------------------------------------------------------

def test_16_uid1000_limited_bounding_exact(rt, bundle):
    """16: uid 1000, limited bounding set: Cap* match the config exactly."""
    bnd = ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
    # For a non-root execve the kernel gives P' = ambient: permitted and
    # effective must equal the ambient set to be kept exactly.
    _caps(bundle, bnd, effective=["CAP_KILL"], permitted=["CAP_KILL"],
          inheritable=["CAP_KILL"], ambient=["CAP_KILL"])
    bundle.config["process"]["user"] = {"uid": 1000, "gid": 1000}
    st = parse_status(ok(rt.run_payload(bundle, STATUS)).stdout)
    assert st["Uid"].split() == ["1000"] * 4, st
    assert st["CapBnd"] == _hex(bnd)
    assert st["CapPrm"] == _hex(["CAP_KILL"])
    assert st["CapEff"] == _hex(["CAP_KILL"])
    assert st["CapInh"] == _hex(["CAP_KILL"])
    assert st["CapAmb"] == _hex(["CAP_KILL"])


@pytest.mark.parametrize("field", ["bounding", "effective", "permitted", "inheritable", "ambient"])
def test_16_unknown_cap_refused(rt, bundle, field):
    """16: an unknown capability in any set -> a clear error naming it."""
    _caps(bundle, ["CAP_KILL"], inheritable=[], ambient=[])
    bundle.config["process"]["capabilities"][field].append("CAP_BOGUS")
    r = rt.run_payload(bundle, ["true"])
    refused(r, "CAP_BOGUS")


# -- 17 ---------------------------------------------------------------------

def _suid_busybox(bundle):
    d = os.path.join(bundle.rootfs, "suid")
    os.mkdir(d)
    bb = os.path.join(d, "busybox")
    shutil.copy(os.path.join(bundle.rootfs, "bin", "busybox"), bb)
    os.chown(bb, 0, 0)
    os.chmod(bb, 0o4755)
    bundle.config["process"]["user"] = {"uid": 1000, "gid": 1000}
    bundle.config["root"]["readonly"] = False  # nosuid is not what we test


def test_17_nnp_setuid_no_escalation(rt, bundle):
    """17: noNewPrivileges + a setuid-root binary -> NoNewPrivs 1, euid stays 1000."""
    _suid_busybox(bundle)
    bundle.config["process"]["noNewPrivileges"] = True
    st = parse_status(ok(rt.run_payload(bundle, ["/suid/busybox", "cat", "/proc/self/status"])).stdout)
    assert st["NoNewPrivs"] == "1", st
    assert st["Uid"].split() == ["1000"] * 4, "setuid escalated under NNP: %s" % st["Uid"]


def test_17_control_setuid_escalates_without_nnp(rt, bundle):
    """17 (control): without NNP the same binary does escalate, so the test
    above is meaningful."""
    _suid_busybox(bundle)
    bundle.config["process"]["noNewPrivileges"] = False
    st = parse_status(ok(rt.run_payload(bundle, ["/suid/busybox", "cat", "/proc/self/status"])).stdout)
    assert st["NoNewPrivs"] == "0", st
    # busybox drops the euid again for applets that need no privilege, but
    # the saved uid shows the setuid exec happened.
    assert "0" in st["Uid"].split(), "control: setuid did not work at all: %s" % st["Uid"]


# -- 18 ---------------------------------------------------------------------

def test_18_seccomp_nonroot_without_nnp(rt, bundle):
    """18: seccomp with uid 1000 and no NNP -> Seccomp 2; denied syscall
    returns the configured errno (EXDEV)."""
    bundle.config["process"]["user"] = {"uid": 1000, "gid": 1000}
    bundle.config["process"]["noNewPrivileges"] = False
    bundle.config["linux"]["seccomp"] = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_AARCH64"],
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO",
                      "errnoRet": 18}],
    }
    r = ok(rt.run_payload(bundle, ["sh", "-c", "grep -E '^(Seccomp|NoNewPrivs|Uid):' "
                                   "/proc/self/status; mkdir /dev/shm/x 2>&1; echo end"]))
    st = parse_status(r.stdout)
    assert st["Seccomp"] == "2", r.stdout
    assert st["NoNewPrivs"] == "0", r.stdout
    assert st["Uid"].split()[0] == "1000"
    assert "cross-device" in r.stdout.lower(), r.stdout


# -- 19 ---------------------------------------------------------------------

def _session_keyrings(cid):
    with open("/proc/keys") as f:
        return [l for l in f.read().splitlines() if "_ses." + cid in l]


def test_19_own_session_keyring(rt, bundle, make_bundle):
    """19: each container gets its own session keyring `_ses.<id>`;
    --no-new-keyring keeps the caller's."""
    b2 = make_bundle()
    b3 = make_bundle()
    ids = []
    try:
        a = created(rt, bundle, ["sleep", "30"])
        ids.append(a)
        b = created(rt, b2, ["sleep", "30"])
        ids.append(b)
        c = created(rt, b3, ["sleep", "30"], "--no-new-keyring")
        ids.append(c)
        ka, kb = _session_keyrings(a), _session_keyrings(b)
        assert len(ka) == 1 and len(kb) == 1, (ka, kb)
        assert ka[0].split()[0] != kb[0].split()[0]
        assert _session_keyrings(c) == []
        for cid in (a, b, c):
            ok(rt.start(cid))
        pids = [rt.state_json(x)["pid"] for x in (a, b)]
        ks = [os.readlink("/proc/%d/ns/mnt" % p) for p in pids]  # still alive
        assert len(ks) == 2
    finally:
        for cid in ids:
            rt.delete(cid, force=True)
