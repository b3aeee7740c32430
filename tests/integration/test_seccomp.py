"""linux.seccomp: the filter is enforced inside (errno, kill), the same way as
runc on the same profile; and the compiled-filter cache under the state root
is used again, and a damaged entry is only ever a recompile."""

import glob
import os
import struct

import pytest

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
