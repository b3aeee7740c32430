"""skiff's cgroup code on a pure cgroup-v2 host: a Debian kernel booted under
qemu (vmboot.py), the cases run by cgroup-tests.sh inside the VM.

The VM boots once per session (fixture `vm`); each case the in-VM script
reports ("ok N - name" / "not ok N - name: reason" in results.txt) becomes one
pytest test here.  The same checks as tests/integration/test_cgroups.py and
test_ops.py make on the v1 host, read from the v2 files.  The bundles'
config.json files are written here from `skiff spec` plus modifications, so
the in-VM script only runs skiff and reads cgroup files.
"""

import copy
import json
import os
import re
import shutil
import subprocess
import tempfile
import time

import pytest

import vmboot

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.path.abspath(os.path.join(HERE, "..", ".."))
ROOTFS_SCRIPT = os.path.join(SRCDIR, "tests", "rootfs", "make-busybox-rootfs.sh")
MB = 1 << 20

# name -> what it proves (in the order cgroup-tests.sh runs them)
CASES = [
    "nopivot_run_initramfs",            # run --no-pivot on the initramfs root
    "pivot_on_initramfs_fails_cleanly",  # no hang, a pivot_root error, no cgroup left
    "run_pivot",
    "container_sees_cgroup2",            # /sys/fs/cgroup inside is cgroup2fs
    "default_cgroup_dir",                # id in the path, pid in cgroup.procs, removed on delete
    "memory_max_low_swap",               # memory.max / memory.low / memory.swap.max, cgroupsPath
    "oom_kill_exit_137",
    "oom_kill_memory_events",            # oom_kill >= 1 in memory.events (parent and leaf)
    "pids_max_fork_limit",               # pids.max, fork fails, pids.events max >= 1
    "cpu_weight_max_cpuset",             # cpu.weight from shares, cpu.max, cpuset.cpus/mems
    "pause_freeze_resume",               # cgroup.freeze, cgroup.events, state status
    "delete_force_paused",
    "update_memory_pids_cpu",
    "events_stats",
    "delete_force_running",
    "devices_unlisted_denied",           # eBPF device program: EPERM on c 1:11
    "devices_null_allowed",
    "devices_mknod_open_denied",
    "devices_listed_allowed",
    "nopivot_memory_max",                # run --no-pivot on the tmpfs root, limits applied
    "exec_joins_cgroup_ps",              # exec'd process in the container's cgroup; ps
    "events_oom",                        # `events` reports {"type": "oom"} and ends
]

LINE = re.compile(r"^(ok|not ok) (\d+) - ([A-Za-z0-9_]+)(?:: (.*))?$")


def base_spec(skiff, tmp):
    d = tempfile.mkdtemp(dir=tmp)
    subprocess.run([skiff, "spec", "--bundle", d], check=True, capture_output=True)
    with open(os.path.join(d, "config.json")) as f:
        spec = json.load(f)
    spec["process"]["terminal"] = False
    spec["root"] = {"path": "/vm/rootfs", "readonly": True}
    return spec


def bundles(spec):
    """{bundle name: config} for cgroup-tests.sh."""
    out = {}

    def make(name, args, resources=None, cgroups_path=None, edit=None):
        c = copy.deepcopy(spec)
        c["process"]["args"] = args
        if resources:
            c["linux"]["resources"].update(resources)
        if cgroups_path:
            c["linux"]["cgroupsPath"] = cgroups_path
        if edit:
            edit(c)
        out[name] = c

    sleep = ["sleep", "1000"]
    make("hello", ["sh", "-c", "echo HELLO; cat /proc/self/cgroup; "
                               "echo FSMAGIC=$(stat -f -c %t /sys/fs/cgroup)"])
    make("sleep", sleep)
    make("mem", sleep, {"memory": {"limit": 64 * MB, "reservation": 32 * MB, "swap": 128 * MB}},
         "/skiff-vm/mem")
    # memory + swap = limit: no swapping out of the OOM (there is no swap anyway)
    oom = {"memory": {"limit": 16 * MB, "swap": 16 * MB}}
    make("oom", ["sh", "-c", "exec tail /dev/zero"], oom, "/skiff-vm-oom/c")
    make("oom-d", ["sh", "-c", "sleep 1; exec tail /dev/zero"], oom, "/skiff-vm-oom/d")
    make("oom-e", ["sh", "-c", "sleep 1; tail /dev/zero; sleep 2"], oom, "/skiff-vm-oom/e")
    # busybox sh gives up on the first failed fork; the sleep 2 leaves time
    # to read pids.max while the container runs
    make("pids", ["sh", "-c", "sleep 2; for i in 1 2 3 4 5 6 7 8; do sleep 30 & done; "
                              "echo ALL-STARTED; sleep 1000"], {"pids": {"limit": 5}})
    make("cpu", sleep, {"cpu": {"shares": 512, "quota": 50000, "period": 100000,
                                "cpus": "0", "mems": "0"}})

    def kmsg(c):
        c["linux"]["devices"] = [{"path": "/dev/kmsg", "type": "c", "major": 1, "minor": 11,
                                  "fileMode": 0o666, "uid": 0, "gid": 0}]
        for k in ("bounding", "effective", "permitted"):
            c["process"]["capabilities"][k].append("CAP_MKNOD")
    # `: > DEV` only opens (O_WRONLY), in a subshell because a failed
    # redirection of a special builtin ends a POSIX shell; kmsg's write open needs no CAP_SYSLOG,
    # so EPERM can only come from the device cgroup.
    dev_args = ["sh", "-c", "(: > /dev/null) && echo NULL-OK; (: > /dev/kmsg) && echo KMSG-OPENED; "
                            "mknod /dev/k c 1 11 && echo MKNOD-OK; (: > /dev/k) && echo K-OPENED; true"]
    make("dev", dev_args, edit=kmsg)

    def kmsg_allowed(c):
        kmsg(c)
        c["linux"]["resources"]["devices"] = [
            {"allow": False, "access": "rwm"},
            {"allow": True, "type": "c", "major": 1, "minor": 11, "access": "w"}]
    make("devallow", dev_args, edit=kmsg_allowed)
    return out


def make_share(skiff, share):
    vmboot.install_sysroot(skiff, os.path.join(share, "sysroot"))
    subprocess.run(["sh", ROOTFS_SCRIPT, os.path.join(share, "rootfs")], check=True,
                   capture_output=True)
    spec = base_spec(skiff, share)
    for name, cfg in bundles(spec).items():
        d = os.path.join(share, "bundles", name)
        os.makedirs(d)
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(cfg, f, indent=1)
    shutil.copy(os.path.join(HERE, "cgroup-tests.sh"), share)


def parse(text):
    res = {}
    for line in text.splitlines():
        m = LINE.match(line.strip())
        if m:
            res[m.group(3)] = (m.group(1) == "ok", m.group(4) or "")
    return res


class VM:
    def __init__(self, results, console, wall, rc):
        self.results, self.console, self.wall, self.rc = results, console, wall, rc

    def console_tail(self, n=40):
        return "\n".join(self.console.splitlines()[-n:])


@pytest.fixture(scope="session")
def vm(request):
    skiff = os.path.abspath(request.config.getoption("--skiff"))
    if not os.access(skiff, os.X_OK):
        pytest.fail("no skiff binary at %s" % skiff)
    t0 = time.monotonic()
    try:
        vmboot.prepare()
    except vmboot.VMError as e:
        pytest.skip("LOUD SKIP: cannot build the cgroup-v2 VM: %s" % e)
    prep = time.monotonic() - t0
    share = tempfile.mkdtemp(prefix="skiff-vm-share.")
    try:
        make_share(skiff, share)
        log = os.path.join(share, "console.log")
        wall, rc = vmboot.boot(share, log)
        with open(log, errors="replace") as f:
            console = f.read()
        results_path = os.path.join(share, "results.txt")
        results = ""
        if os.path.exists(results_path):
            with open(results_path) as f:
                results = f.read()
        kver = vmboot.find_kernel()[0]
        vmboot.WALL.update(kver=kver, prepare=prep, boot=wall, rc=rc)
        keep = os.environ.get("SKIFF_VM_KEEP")
        if keep:
            shutil.copytree(share, keep, dirs_exist_ok=True, symlinks=True)
        yield VM(parse(results), console, wall, rc)
    finally:
        shutil.rmtree(share, ignore_errors=True)


def test_vm_boots_and_powers_off(vm):
    # timeout(1) returns 124 when the VM did not power off in time
    assert vm.rc == 0, "qemu rc %d after %.1f s; console:\n%s" % (vm.rc, vm.wall, vm.console_tail())
    assert "controllers: cpuset cpu io memory" in vm.console, vm.console_tail()


@pytest.mark.parametrize("name", CASES)
def test_case(vm, name):
    if name not in vm.results:
        pytest.fail("no result for %s (VM rc %d); console:\n%s" % (name, vm.rc, vm.console_tail()))
    ok, reason = vm.results[name]
    assert ok, reason


def test_no_unknown_results(vm):
    # a case added to cgroup-tests.sh must be listed in CASES too
    assert sorted(set(vm.results) - set(CASES)) == []
