"""Fixtures and helpers for the containerd peer tests (test_containerd.py).

A private containerd is started by hand for the session: root, state, gRPC
socket, CNI config and the runtimes' state roots all live in one temp dir,
and ctr uses a namespace with a random token, so nothing else on the host is
touched (containerd still puts shim sockets under /run/containerd/s/, keyed
by a hash of our socket address).  Both runtimes are reached through a small
logging wrapper that appends each argv and exit code to
``<tmp>/runtime-<name>.log``; the log, the runtime's own ``log.json`` files
and containerd's log are printed when a test fails.

A busybox OCI image is built in Python from tests/rootfs/make-busybox-rootfs.sh
and imported with ``ctr images import``; the CRI sandbox ("pause") image is the
same layer with ``sleep`` as its entrypoint (no network to pull the real one).
CRI pods get a network namespace from a two-step CNI chain: the stock
``loopback`` plugin and a tiny local plugin that puts an ``eth0`` (a veth
pair whose both ends stay inside) with a private address in the pod's netns (containerd requires an eth0 address;
nothing is created on the host side).

At the end every task, container, shim, mount, cgroup and the temp dir are
removed, even on failure.
"""

import gzip
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import tarfile
import tempfile
import time
import uuid

import pytest

from conftest import umount_under

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.path.abspath(os.path.join(HERE, "..", ".."))
ROOTFS_SCRIPT = os.path.join(SRCDIR, "tests", "rootfs", "make-busybox-rootfs.sh")

TOKEN = "skc" + uuid.uuid4().hex[:8]
IMAGE = "localhost/skiff-bb:1"
PAUSE_IMAGE = "localhost/skiff-pause:1"
CRI_NS = "k8s.io"          # the CRI plugin always uses this namespace
CGROUP_PARENT = "/" + TOKEN  # CRI pods' cgroup parent (removed at the end)
TIMEOUT = 60
RUNTIMES = ("runc", "skiff")

PACKAGES = (("containerd", "/usr/bin/containerd"),
            ("containerd", "/usr/bin/ctr"),
            ("python3-grpcio", "/usr/lib/python3/dist-packages/grpc"),
            ("python3-protobuf", "/usr/lib/python3/dist-packages/google/protobuf"),
            ("containernetworking-plugins", "/usr/lib/cni/loopback"),
            ("busybox-static", "/bin/busybox"),
            ("runc", "/usr/sbin/runc"))

WRAPPER = """#!/bin/sh
# Log every runtime invocation (argv + exit code) for the test report.
echo "$$ argv: $*" >> '{log}'
# Keep each bundle's config.json: containerd removes the bundle on failure.
prev=
for a in "$@"; do
    [ "$prev" = --bundle ] && cp "$a/config.json" "{cfgdir}/$(basename "$a").json" 2>/dev/null
    prev=$a
done
'{real}' "$@"
rc=$?
echo "$$ rc=$rc" >> '{log}'
exit $rc
"""

# A CNI plugin that gives the pod netns an eth0 with a private address:
# containerd's CRI insists on an eth0 address.  Both ends of a veth pair
# stay inside the pod netns (no dummy module here): no host-side link,
# bridge or iptables rule.
FAKE_CNI = r"""#!/bin/sh
# skiff test CNI plugin: veth eth0/eth1 inside the pod netns, nothing on the host.
cat >/dev/null
case "$CNI_COMMAND" in
VERSION)
    echo '{"cniVersion":"0.4.0","supportedVersions":["0.3.0","0.3.1","0.4.0"]}'
    ;;
ADD)
    if command -v nsenter >/dev/null && command -v ip >/dev/null; then
        nsenter --net="$CNI_NETNS" sh -c \
            'ip link add eth0 type veth peer name eth1 && ip addr add 10.213.0.2/24 dev eth0 &&
             ip link set eth1 up && ip link set eth0 up' >/dev/null 2>&1
    fi
    cat <<EOF
{"cniVersion":"0.4.0","interfaces":[{"name":"eth0","sandbox":"$CNI_NETNS"}],
 "ips":[{"version":"4","address":"10.213.0.2/24","interface":0}],"dns":{}}
EOF
    ;;
*)  ;;
esac
exit 0
"""

CONFIG = """version = 2
root = "{base}/root"
state = "{base}/state"
disabled_plugins = [
  "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.zfs",
  "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing",
]

[grpc]
  address = "{base}/c.sock"

[ttrpc]
  address = "{base}/c.sock.ttrpc"

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "{base}/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "{pause}"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  disable_apparmor = true
  # CAP_SYS_RESOURCE is not in this host's bounding set (TESTING.md): the
  # sandbox's oom_score_adj -998 would fail in runc too.  Clamp it.
  restrict_oom_score_adj = true
  max_container_log_line_size = 16384
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
{runtimes}
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "{base}/cni/bin"
    conf_dir = "{base}/cni/conf"
    max_conf_num = 1
"""

RUNTIME_CONF = """    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.{name}]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.{name}.options]
        BinaryName = "{binary}"
        Root = "{root}"
        SystemdCgroup = false
"""


def apt_install(*pkgs):
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    r = subprocess.run(["apt-get", "install", "-y", "-q", *pkgs], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=600)
    return r.returncode == 0, r.stdout[-2000:]


def ensure_packages():
    missing = sorted({p for p, path in PACKAGES if not os.path.exists(path)})
    if missing:
        ok, out = apt_install(*missing)
        if not ok:
            pytest.skip("SKIPPED LOUDLY: cannot install %s:\n%s" % (missing, out))


def run(cmd, timeout=TIMEOUT, check=False, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout, **kw)
    if check and r.returncode != 0:
        raise AssertionError("%s: rc=%d\nstdout: %s\nstderr: %s"
                             % (" ".join(cmd), r.returncode, r.stdout, r.stderr))
    return r


# --- the busybox OCI image -------------------------------------------------

def _blob(blobs, data):
    digest = hashlib.sha256(data).hexdigest()
    blobs["blobs/sha256/" + digest] = data
    return {"digest": "sha256:" + digest, "size": len(data)}


def _layer(rootfs):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name in sorted(os.listdir(rootfs)):
            t.add(os.path.join(rootfs, name), arcname=name)
    uncompressed = raw.getvalue()
    return gzip.compress(uncompressed, mtime=0), hashlib.sha256(uncompressed).hexdigest()


def make_oci_archive(rootfs, path, images):
    """Write an OCI image-layout tarball holding one single-layer image per
    (name, config) in `images`, all sharing the layer made from `rootfs`."""
    blobs = {}
    layer, diff_id = _layer(rootfs)
    layer_desc = dict(_blob(blobs, layer),
                      mediaType="application/vnd.oci.image.layer.v1.tar+gzip")
    manifests = []
    for name, proc in images:
        config = {"architecture": "amd64", "os": "linux", "config": proc,
                  "rootfs": {"type": "layers", "diff_ids": ["sha256:" + diff_id]},
                  "history": [{"created_by": "skiff containerd peer tests"}]}
        cdesc = dict(_blob(blobs, json.dumps(config).encode()),
                     mediaType="application/vnd.oci.image.config.v1+json")
        manifest = {"schemaVersion": 2,
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "config": cdesc, "layers": [layer_desc]}
        mdesc = dict(_blob(blobs, json.dumps(manifest).encode()),
                     mediaType="application/vnd.oci.image.manifest.v1+json")
        mdesc["annotations"] = {"io.containerd.image.name": name,
                                "org.opencontainers.image.ref.name": name.rsplit(":", 1)[1]}
        mdesc["platform"] = {"architecture": "amd64", "os": "linux"}
        manifests.append(mdesc)
    blobs["index.json"] = json.dumps({"schemaVersion": 2, "manifests": manifests}).encode()
    blobs["oci-layout"] = b'{"imageLayoutVersion":"1.0.0"}'
    with tarfile.open(path, "w") as t:
        for name, data in blobs.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            t.addfile(info, io.BytesIO(data))


# --- cleanup helpers -------------------------------------------------------

def pids_with_cmdline(needle):
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if needle in cmd:
            found.append(int(pid))
    return found


def remove_cgroups(token):
    """rmdir every cgroup directory whose path contains token (deepest
    first); processes were killed before."""
    for ctrl in os.listdir("/sys/fs/cgroup"):
        top = os.path.join("/sys/fs/cgroup", ctrl)
        if not os.path.isdir(top) or os.path.islink(top):
            continue
        hits = []
        for dirpath, dirnames, _ in os.walk(top):
            if token in os.path.basename(dirpath):
                hits.append(dirpath)
                dirnames[:] = []
            elif dirpath.count("/") - top.count("/") >= 4:
                dirnames[:] = []
        for hit in hits:
            for dirpath, _, _ in sorted(os.walk(hit), key=lambda w: -len(w[0])):
                try:
                    os.rmdir(dirpath)
                except OSError:
                    pass


# --- the containerd instance -----------------------------------------------

class Containerd:
    """A private containerd, its ctr namespace and one wrapper per runtime."""

    def __init__(self, base, binaries):
        self.base = base
        self.sock = os.path.join(base, "c.sock")
        self.ns = TOKEN
        self.log = os.path.join(base, "containerd.log")
        self.fifo_dir = os.path.join(base, "fifo")
        self.proc = None
        self.netns_paths = set()   # CRI pods' netns bind mounts
        self.wrappers = {}
        self.runtime_logs = {}
        self.roots = {}
        os.makedirs(os.path.join(base, "wrap"))
        cfgdir = self.configs = os.path.join(base, "configs")
        os.makedirs(cfgdir)
        for name, real in binaries.items():
            log = os.path.join(base, "runtime-%s.log" % name)
            w = os.path.join(base, "wrap", name)
            with open(w, "w") as f:
                f.write(WRAPPER.format(log=log, real=real, cfgdir=cfgdir))
            os.chmod(w, 0o755)
            self.wrappers[name] = w
            self.runtime_logs[name] = log
            self.roots[name] = os.path.join(base, "rt-" + name)
        self._write_cni()
        self._write_config()

    def _write_cni(self):
        bindir = os.path.join(self.base, "cni", "bin")
        confdir = os.path.join(self.base, "cni", "conf")
        os.makedirs(bindir)
        os.makedirs(confdir)
        os.symlink("/usr/lib/cni/loopback", os.path.join(bindir, "loopback"))
        fake = os.path.join(bindir, "skiff-dummy")
        with open(fake, "w") as f:
            f.write(FAKE_CNI)
        os.chmod(fake, 0o755)
        conf = {"cniVersion": "0.4.0", "name": "skiff-test",
                "plugins": [{"type": "loopback"}, {"type": "skiff-dummy"}]}
        with open(os.path.join(confdir, "10-skiff.conflist"), "w") as f:
            json.dump(conf, f)

    def _write_config(self):
        runtimes = "".join(RUNTIME_CONF.format(name=n, binary=w, root=self.roots[n])
                           for n, w in self.wrappers.items())
        with open(os.path.join(self.base, "config.toml"), "w") as f:
            f.write(CONFIG.format(base=self.base, pause=PAUSE_IMAGE,
                                  runtimes=runtimes))

    def start(self):
        logf = open(self.log, "w")
        self.proc = subprocess.Popen(
            ["containerd", "--config", os.path.join(self.base, "config.toml"),
             "--log-level", "debug"],
            stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
        logf.close()
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("containerd exited rc=%s:\n%s"
                                   % (self.proc.returncode, self.tail_log()))
            if os.path.exists(self.sock) and \
                    self.ctr("version", ns=None).returncode == 0:
                return
            time.sleep(0.2)
        raise RuntimeError("containerd did not come up:\n" + self.tail_log())

    def ctr(self, *args, ns="default", timeout=TIMEOUT, **kw):
        cmd = ["ctr", "-a", self.sock]
        if ns is not None:
            cmd += ["-n", self.ns if ns == "default" else ns]
        return run(cmd + list(args), timeout=timeout, **kw)

    def import_images(self, archive):
        for ns in (self.ns, CRI_NS):
            self.ctr("images", "import", archive, ns=ns, check=True, timeout=120)

    def tail_log(self, n=60):
        try:
            with open(self.log) as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def report(self):
        """Everything useful when a case fails."""
        out = ["--- containerd log (tail) ---", self.tail_log()]
        for name, log in self.runtime_logs.items():
            if os.path.exists(log):
                with open(log) as f:
                    out += ["--- %s invocations (tail) ---" % name,
                            "".join(f.readlines()[-40:])]
        state = os.path.join(self.base, "state")
        for dirpath, _, files in os.walk(state):
            for fn in files:
                p = os.path.join(dirpath, fn)
                # "log" is the shim's FIFO: only read regular files.
                if fn in ("log.json", "shim.log") and os.path.isfile(p):
                    try:
                        with open(p) as f:
                            body = f.read()[-3000:]
                    except OSError:
                        continue
                    if body.strip():
                        out += ["--- %s ---" % p, body]
        return "\n".join(out)

    def _cleanup_namespace(self, ns):
        r = self.ctr("tasks", "ls", "-q", ns=ns, timeout=20)
        for task in r.stdout.split():
            self.ctr("tasks", "kill", "-a", "-s", "SIGKILL", task, ns=ns, timeout=20)
        for task in r.stdout.split():
            for _ in range(20):
                if self.ctr("tasks", "delete", "-f", task, ns=ns,
                            timeout=20).returncode == 0:
                    break
                time.sleep(0.2)
        r = self.ctr("containers", "ls", "-q", ns=ns, timeout=20)
        if r.stdout.split():
            self.ctr("containers", "delete", *r.stdout.split(), ns=ns, timeout=20)

    def _cleanup_cri(self, cri):
        try:
            for pod in cri.call("ListPodSandbox").get("items", []):
                cri.call("StopPodSandbox", {"pod_sandbox_id": pod["id"]}, timeout=20)
                cri.call("RemovePodSandbox", {"pod_sandbox_id": pod["id"]}, timeout=20)
        except Exception:
            pass

    def stop(self, cri=None):
        if self.proc is not None and self.proc.poll() is None:
            for step in (lambda: cri and self._cleanup_cri(cri),
                         lambda: self._cleanup_namespace(self.ns),
                         lambda: self._cleanup_namespace(CRI_NS)):
                try:
                    step()
                except Exception:
                    pass
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        # Shims outlive containerd by design: they carry our socket address
        # on their command line, so only ours are killed.  Then whatever
        # container process is left under our runtimes' roots or cgroups.
        for pid in pids_with_cmdline("-address " + self.sock):
            try:
                with open("/proc/%d/cmdline" % pid, "rb") as f:
                    argv = f.read().decode().split("\0")
                os.kill(pid, signal.SIGKILL)
            except (OSError, ProcessLookupError):
                continue
            # A killed shim leaves its socket, named like containerd's
            # shim.SocketAddress: sha256(<address>/<namespace>/<id>).
            opt = {argv[i]: argv[i + 1] for i in range(len(argv) - 1)}
            if "-namespace" in opt and "-id" in opt:
                key = os.path.join(self.sock, opt["-namespace"], opt["-id"])
                sock = "/run/containerd/s/" + hashlib.sha256(key.encode()).hexdigest()
                for _ in range(20):
                    if not pids_with_cmdline("-id %s -address %s" % (opt["-id"], self.sock)):
                        break
                    time.sleep(0.05)
                try:
                    os.unlink(sock)
                except OSError:
                    pass
        # The shim keeps one runtime root per namespace: <root>/<ns>/<id>.
        for name, root in self.roots.items():
            for nsroot in (os.path.join(root, d) for d in
                           (os.listdir(root) if os.path.isdir(root) else [])):
                for cid in os.listdir(nsroot):
                    subprocess.run([self.wrappers[name], "--root", nsroot,
                                    "delete", "-f", cid],
                                   stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, timeout=20)
        umount_under(self.base)
        # Pod network namespaces that a failed StopPodSandbox left behind.
        for path in self.netns_paths:
            if os.path.exists(path):
                subprocess.run(["umount", path], stderr=subprocess.DEVNULL)
                try:
                    os.unlink(path)
                except OSError:
                    pass
        # containerd creates these shared dirs; drop them only if empty.
        for path in ("/run/containerd/s", "/run/containerd/fifo",
                     "/run/containerd/runc", "/run/containerd"):
            try:
                os.rmdir(path)
            except OSError:
                pass
        remove_cgroups(TOKEN)


def runtime_binaries(config):
    skiff = os.path.abspath(config.getoption("--skiff"))
    runc = config.getoption("--runc")
    return {"runc": runc, "skiff": skiff}


@pytest.fixture(scope="session")
def containerd(request):
    ensure_packages()
    binaries = runtime_binaries(request.config)
    for name, path in binaries.items():
        if not os.access(path, os.X_OK):
            pytest.fail("%s binary %s is not executable" % (name, path))
    base = tempfile.mkdtemp(prefix="skiff-ctrd-")
    cd = Containerd(base, binaries)
    cri = None
    try:
        rootfs = os.path.join(base, "rootfs")
        subprocess.run(["sh", ROOTFS_SCRIPT, rootfs], check=True,
                       stdout=subprocess.DEVNULL, timeout=120)
        archive = os.path.join(base, "images.tar")
        env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
        make_oci_archive(rootfs, archive, [
            (IMAGE, {"Cmd": ["/bin/sh"], "Env": env, "WorkingDir": "/"}),
            (PAUSE_IMAGE, {"Entrypoint": ["/bin/sleep", "2147483647"],
                           "Env": env, "WorkingDir": "/"}),
        ])
        cd.start()
        cd.import_images(archive)
        yield cd
    finally:
        cri = getattr(cd, "cri", None)
        cd.stop(cri)
        if cri is not None:
            cri.close()
        if os.environ.get("SKIFF_CTRD_KEEP"):
            print("kept", base)
        else:
            shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def cri(containerd):
    from cri.client import CriClient
    client = CriClient(containerd.sock)
    containerd.cri = client
    # Wait for the CRI plugin to report ready (it loads the CNI config).
    deadline = time.time() + 30
    while True:
        try:
            st = client.call("Status", {"verbose": False})
            conds = {c["type"]: c["status"] for c in st["status"]["conditions"]}
            if all(conds.values()):
                break
        except Exception as e:  # grpc not up yet
            st = e
        if time.time() > deadline:
            raise AssertionError("CRI not ready: %s\n%s" % (st, containerd.tail_log()))
        time.sleep(0.3)
    return client


def expect(cd, cond, what):
    """assert with containerd's and the runtimes' logs in the message."""
    if not cond:
        raise AssertionError("%s\n%s" % (what, cd.report()))
