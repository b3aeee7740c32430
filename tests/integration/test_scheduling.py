"""process.scheduler, process.ioPriority and process.execCPUAffinity (runtime-spec
1.2; runc 1.1.5 predates them, so these are skiff contracts), checked from
inside the container with the kernel's own view of the process."""

import pytest

SKIFF_ONLY = pytest.mark.skiff_only("runtime-spec 1.2 process fields; runc 1.1.5 ignores them")


def stat_fields(text):
    # /proc/self/stat: comm may hold spaces; fields after ")" start at field 3.
    return text[text.rindex(")") + 2:].split()


@SKIFF_ONLY
def test_scheduler_batch_with_nice(rt, bundle):
    bundle.config["process"]["scheduler"] = {"policy": "SCHED_BATCH", "nice": 5}
    res = rt.run_payload(bundle, ["cat", "/proc/self/stat"])
    assert res.returncode == 0, res.stderr
    f = stat_fields(res.stdout)
    assert f[19 - 3] == "5", "nice"        # field 19
    assert f[41 - 3] == "3", "policy"      # field 41: SCHED_BATCH = 3


@SKIFF_ONLY
def test_scheduler_unknown_policy_refused(rt, bundle):
    bundle.config["process"]["scheduler"] = {"policy": "SCHED_MAGIC"}
    res = rt.run_payload(bundle, ["true"])
    assert res.returncode == 1
    assert "SCHED_MAGIC" in res.stderr


@SKIFF_ONLY
def test_io_priority(rt, bundle):
    bundle.config["process"]["ioPriority"] = {"class": "IOPRIO_CLASS_BE", "priority": 6}
    res = rt.run_payload(bundle, ["ionice"])
    assert res.returncode == 0, res.stderr
    assert "best-effort" in res.stdout and "6" in res.stdout, res.stdout


@SKIFF_ONLY
def test_exec_cpu_affinity_final(rt, bundle):
    bundle.config["process"]["execCPUAffinity"] = {"initial": "0", "final": "0"}
    res = rt.run_payload(bundle, ["grep", "Cpus_allowed_list", "/proc/self/status"])
    assert res.returncode == 0, res.stderr
    assert res.stdout.split()[-1] == "0"


@SKIFF_ONLY
def test_exec_cpu_affinity_bad_list(rt, bundle):
    bundle.config["process"]["execCPUAffinity"] = {"final": "0-x"}
    res = rt.run_payload(bundle, ["true"])
    assert res.returncode == 1
    assert "execCPUAffinity.final" in res.stderr
