#!/usr/bin/python3
"""Benchmark skiff against crun and runc on the same bundle, in the same run.

Run as root through `make bench` (bench/run-bench.sh), which enters a private
mount namespace with /sys/fs/cgroup/unified unmounted so that crun, which
refuses this host's hybrid cgroup layout, can run: all three runtimes run in
that same namespace so the comparison is fair (see BENCH.md).

Output: a markdown table on stdout and bench/results/latest.{md,json}.
Nothing here asserts a time: it measures and reports.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOTFS_SCRIPT = os.path.join(HERE, "..", "tests", "rootfs", "make-busybox-rootfs.sh")


def sh(cmd, **kw):
    return subprocess.run(cmd, shell=isinstance(cmd, str), check=True, capture_output=True, text=True, **kw)


def make_bundle(workdir, skiff):
    bundle = os.path.join(workdir, "bundle")
    os.makedirs(bundle)
    sh([ROOTFS_SCRIPT, os.path.join(bundle, "rootfs")])
    # The same default config for every runtime: runc's `spec` (all namespaces
    # incl. network, default mounts), with /bin/true as payload.
    sh(["runc", "spec"], cwd=bundle)
    path = os.path.join(bundle, "config.json")
    with open(path) as f:
        cfg = json.load(f)
    cfg["process"]["terminal"] = False
    cfg["process"]["args"] = ["/bin/true"]
    cfg["root"]["readonly"] = True
    with open(path, "w") as f:
        json.dump(cfg, f, indent=2)
    return bundle


def sleeper_bundle(workdir, bundle):
    """A second bundle on the same rootfs whose payload stays up (for exec)."""
    path = os.path.join(workdir, "bundle-sleep")
    os.makedirs(path)
    with open(os.path.join(bundle, "config.json")) as f:
        cfg = json.load(f)
    cfg["root"]["path"] = os.path.join(bundle, "rootfs")
    cfg["process"]["args"] = ["sleep", "3600"]
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    return path


def seccomp_bundle(workdir, bundle):
    """The bench bundle plus an allow-list seccomp profile of every x86_64
    syscall (the size of an engine's default profile)."""
    import re
    path = os.path.join(workdir, "bundle-seccomp")
    os.makedirs(path)
    with open("/usr/include/x86_64-linux-gnu/asm/unistd_64.h") as f:
        names = re.findall(r"#define __NR_(\w+) ", f.read())
    with open(os.path.join(bundle, "config.json")) as f:
        cfg = json.load(f)
    cfg["root"]["path"] = os.path.join(bundle, "rootfs")
    cfg["linux"]["seccomp"] = {
        "defaultAction": "SCMP_ACT_ERRNO",
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        "syscalls": [{"names": [n for n in names if n not in ("ptrace", "kexec_load", "reboot")],
                      "action": "SCMP_ACT_ALLOW"}]}
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(cfg, f)
    return path


def bench_seccomp_cache(rt, sb, runs):
    """skiff only: `run` with the compiled-filter cache warm, and emptied
    before every run (the cost of compiling the profile each time)."""
    cache = os.path.join(rt.root, ".seccomp-cache")
    return {"hit": hyperfine("seccomp-hit", rt.line("run", "-b", sb, "sc"), runs),
            "miss": hyperfine("seccomp-miss", rt.line("run", "-b", sb, "sc"), runs,
                              prepare="rm -rf %s" % cache)}


def bench_exec(rt, sleeper, runs):
    # No pipes: the detached container would hold them open forever.
    r = subprocess.run(rt.cmd("run", "-d", "-b", sleeper, "ex"), stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if r.returncode != 0:
        return {"case": "exec", "error": ["run -d failed: %d" % r.returncode]}
    try:
        return hyperfine("exec", rt.line("exec", "ex", "/bin/true"), runs)
    finally:
        subprocess.run(rt.cmd("delete", "-f", "ex"), capture_output=True)


def hyperfine(name, cmd, runs, prepare=None, cleanup=None, warmup=5):
    out = os.path.join(tempfile.gettempdir(), "hf-%d.json" % os.getpid())
    args = ["hyperfine", "-N", "--style", "none", "--warmup", str(warmup), "--runs", str(runs),
            "--export-json", out]
    if prepare:
        args += ["--prepare", prepare]
    if cleanup:
        args += ["--cleanup", cleanup]
    args.append(cmd)
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        return {"case": name, "error": (r.stderr or r.stdout).strip().splitlines()[-1:]}
    with open(out) as f:
        res = json.load(f)["results"][0]
    os.unlink(out)
    return {"case": name, "mean_ms": res["mean"] * 1e3, "stddev_ms": res["stddev"] * 1e3,
            "median_ms": res["median"] * 1e3, "runs": len(res["times"])}


def max_rss_kib(cmd):
    r = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True, text=True)
    if r.returncode != 0:
        return None
    return int(r.stderr.strip().splitlines()[-1])


def with_memory_limit(bundle, limit):
    path = os.path.join(bundle, "config.json")
    with open(path) as f:
        cfg = json.load(f)
    res = cfg["linux"].setdefault("resources", {})
    if limit is None:
        res.pop("memory", None)
    else:
        res["memory"] = {"limit": limit}
    with open(path, "w") as f:
        json.dump(cfg, f, indent=2)


def min_memory_kib(rt, bundle):
    """Smallest memory.limit (KiB, bisected on 4 KiB steps) at which `run` succeeds."""
    lo, hi = 64, 64 * 1024  # KiB
    def ok(kib):
        with_memory_limit(bundle, kib * 1024)
        r = subprocess.run(rt.cmd("run", "-b", bundle, "minmem"), capture_output=True)
        subprocess.run(rt.cmd("delete", "-f", "minmem"), capture_output=True)
        return r.returncode == 0
    try:
        if not ok(hi):
            return None
        while hi - lo > 4:
            mid = (lo + hi) // 2
            if ok(mid):
                hi = mid
            else:
                lo = mid
        return hi
    finally:
        with_memory_limit(bundle, None)


class Runtime:
    def __init__(self, name, path, root):
        self.name, self.path, self.root = name, path, root

    def cmd(self, *args):
        return [self.path, "--root", self.root] + list(args)

    def line(self, *args):
        return " ".join(self.cmd(*args))


def binary_facts(path):
    tmp = tempfile.mktemp()
    shutil.copy(path, tmp)
    subprocess.run(["strip", tmp], capture_output=True)
    size = os.path.getsize(tmp) // 1024
    os.unlink(tmp)
    libs = [l for l in sh(["ldd", path]).stdout.splitlines() if "=>" in l or "ld-linux" in l]
    return size, len(libs)


def bench_runtime(rt, bundle, sleeper, runs):
    b = bundle
    res = {"runtime": rt.name}
    res["exec"] = bench_exec(rt, sleeper, runs)
    res["lifecycle"] = hyperfine("run", rt.line("run", "-b", b, "lc"), runs,
                                 cleanup=rt.line("delete", "-f", "lc"))
    # Back to back, a run finds the kernel's cgroup threadgroup lock still
    # in its writer mode from the previous one (the RCU grace period that
    # entering it costs is paid once for the burst); 50 ms apart, every run
    # pays it, as an engine starting containers now and then does.
    res["lifecycle_apart"] = hyperfine("run-apart", rt.line("run", "-b", b, "lca"), runs,
                                       prepare="sleep 0.05", cleanup=rt.line("delete", "-f", "lca"))
    # hyperfine runs --prepare before every timed run (and --cleanup once at
    # the end), so each case prepares exactly the state its command needs.
    reset = "sh -c '%s >/dev/null 2>&1; true'" % rt.line("delete", "-f", "sp")
    created = "sh -c '%s >/dev/null 2>&1; %s'" % (rt.line("delete", "-f", "sp"),
                                                   rt.line("create", "-b", b, "sp"))
    res["create"] = hyperfine("create", rt.line("create", "-b", b, "sp"), runs,
                              prepare=reset, cleanup=reset)
    res["start"] = hyperfine("start", rt.line("start", "sp"), runs, prepare=created, cleanup=reset)
    res["delete"] = hyperfine("delete", rt.line("delete", "-f", "sp"), runs, prepare=created,
                              cleanup=reset)
    res["parallel"] = parallel_rate(rt, b)
    res["max_rss_kib"] = max_rss_kib(rt.cmd("run", "-b", b, "rss"))
    subprocess.run(rt.cmd("delete", "-f", "rss"), capture_output=True)
    res["min_memory_kib"] = min_memory_kib(rt, b)
    res["size_kib"], res["libs"] = binary_facts(rt.path)
    return res


def callgrind_instructions(cmd, outdir, tag):
    """Instructions executed by the runtime for one command: callgrind's
    total over every process of the runtime (its forks included, the payload
    after execve not: --trace-children=no). Deterministic enough to see
    regressions on a noisy machine, where times are not."""
    pattern = os.path.join(outdir, "cg.%s.%%p" % tag)
    # No pipes: a created init keeps the runtime's stdio open until start.
    r = subprocess.run(["valgrind", "--tool=callgrind", "--trace-children=no",
                        "--callgrind-out-file=" + pattern] + cmd,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if r.returncode != 0:
        return None
    total = 0
    for name in os.listdir(outdir):
        if name.startswith("cg.%s." % tag):
            with open(os.path.join(outdir, name)) as f:
                for line in f:
                    if line.startswith("totals:") or line.startswith("summary:"):
                        total += int(line.split()[1])
                        break
    return total


def without_rlimits(work, bundle, name):
    """The bundle without process.rlimits: valgrind keeps file descriptors
    for itself and lowers RLIMIT_NOFILE's hard limit, so the runtime's
    setrlimit(1024) would fail under it."""
    path = os.path.join(work, name)
    os.makedirs(path)
    with open(os.path.join(bundle, "config.json")) as f:
        cfg = json.load(f)
    cfg["process"].pop("rlimits", None)
    root = cfg["root"]["path"]
    cfg["root"]["path"] = root if os.path.isabs(root) else os.path.join(bundle, root)
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    return path


def bench_instructions(rt, bundle, work):
    """callgrind counts for skiff's cases (see callgrind_instructions)."""
    if shutil.which("valgrind") is None:
        return {}
    bundle = without_rlimits(work, bundle, "bundle-ir")
    outdir = tempfile.mkdtemp(prefix="cg-", dir=work)
    res = {"run": callgrind_instructions(rt.cmd("run", "-b", bundle, "ir"), outdir, "run")}
    res["create"] = callgrind_instructions(rt.cmd("create", "-b", bundle, "ir"), outdir, "create")
    res["start"] = callgrind_instructions(rt.cmd("start", "ir"), outdir, "start")
    time.sleep(0.2)
    res["delete"] = callgrind_instructions(rt.cmd("delete", "-f", "ir"), outdir, "delete")
    # No exec: valgrind 3.19 (Debian 12) lacks pidfd_open, which exec needs.
    return res


def parallel_rate(rt, bundle, n=100, workers=2):
    script = "seq %d | xargs -P %d -I{} %s" % (n, workers, rt.line("run", "-b", bundle, "par{}"))
    t0 = time.monotonic()
    r = subprocess.run(script, shell=True, capture_output=True)
    dt = time.monotonic() - t0
    return {"containers_per_s": n / dt if r.returncode == 0 else None, "seconds": dt}


def fmt(x, unit=""):
    if x is None:
        return "fail"
    if isinstance(x, dict):
        if "error" in x:
            return "fail"
        return "%.2f ± %.2f (median %.2f)" % (x["mean_ms"], x["stddev_ms"], x["median_ms"])
    if isinstance(x, float):
        return "%.1f%s" % (x, unit)
    return "%s%s" % (x, unit)


def ratio(a, b):
    """Ratio of medians: robust on a noisy shared machine."""
    try:
        return "%.2f" % (a["median_ms"] / b["median_ms"])
    except (KeyError, TypeError, ZeroDivisionError):
        return "-"


def table(results, floor):
    by = {r["runtime"]: r for r in results}
    crun = by.get("crun")
    rows = ["| case | " + " | ".join(by) + " | skiff/crun |", "|---" * (len(by) + 2) + "|"]
    for case in ("lifecycle", "lifecycle_apart", "create", "start", "delete", "exec"):
        cells = [fmt(by[n][case]) for n in by]
        label = "lifecycle, 50 ms apart" if case == "lifecycle_apart" else case
        rows.append("| %s (ms) | %s | %s |" % (label, " | ".join(cells),
                                               ratio(by["skiff"][case], crun[case]) if crun else "-"))
    rows.append("| parallel (containers/s) | %s | - |" % " | ".join(
        fmt(by[n]["parallel"]["containers_per_s"]) for n in by))
    for key, label in (("max_rss_kib", "max RSS (KiB)"), ("min_memory_kib", "min memory limit (KiB)"),
                       ("size_kib", "stripped size (KiB)"), ("libs", "shared libs loaded")):
        rows.append("| %s | %s | - |" % (label, " | ".join(fmt(by[n][key]) for n in by)))
    rows.append("")
    rows.append("floor (`unshare -m -u -i -n -p -f chroot rootfs /bin/true`): %s ms; skiff run / floor = %s"
                % (fmt(floor), ratio(by["skiff"]["lifecycle"], floor)))
    return "\n".join(rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--skiff", required=True)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    ap.add_argument("--roots", default="/run", help="where the state roots go (a tmpfs)")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="skiff-bench-")
    # State roots on a tmpfs (run-bench.sh mounts one), like the runtimes'
    # defaults /run/skiff, /run/crun, /run/runc on a usual host: on a disk
    # filesystem every state file's inode allocation is measured too.
    roots = tempfile.mkdtemp(prefix="skiff-bench-", dir=a.roots)
    try:
        bundle = make_bundle(work, a.skiff)
        sleeper = sleeper_bundle(work, bundle)
        sbundle = seccomp_bundle(work, bundle)
        runtimes = [Runtime("skiff", os.path.abspath(a.skiff), os.path.join(roots, "skiff")),
                    Runtime("crun", shutil.which("crun"), os.path.join(roots, "crun")),
                    Runtime("runc", shutil.which("runc"), os.path.join(roots, "runc"))]
        results = []
        for rt in runtimes:
            if rt.path is None:
                continue
            print("benchmarking %s ..." % rt.name, file=sys.stderr)
            results.append(bench_runtime(rt, bundle, sleeper, a.runs))
        cache = bench_seccomp_cache(runtimes[0], sbundle, a.runs)
        results[0]["seccomp_cache"] = cache
        instr = bench_instructions(runtimes[0], bundle, work)
        results[0]["instructions"] = instr
        floor = hyperfine("floor", "unshare -m -u -i -n -p -f chroot %s/rootfs /bin/true" % bundle, a.runs)
        md = table(results, floor)
        md += "\nskiff seccomp cache (`run` with a %s): hit %s ms, miss %s ms\n" % (
            "an allow list of every x86_64 syscall", fmt(cache["hit"]), fmt(cache["miss"]))
        if instr:
            md += "skiff instructions (callgrind, runtime processes only): %s\n" % ", ".join(
                "%s %s" % (k, "%.2f M" % (v / 1e6) if v else "fail") for k, v in instr.items())
        os.makedirs(a.out, exist_ok=True)
        with open(os.path.join(a.out, "latest.json"), "w") as f:
            json.dump({"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                       "results": results, "floor": floor}, f, indent=2)
        with open(os.path.join(a.out, "latest.md"), "w") as f:
            f.write(md + "\n")
        print(md)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(roots, ignore_errors=True)


if __name__ == "__main__":
    main()
