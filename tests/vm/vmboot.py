"""Boot a pure cgroup-v2 VM for skiff's tests (see docs TESTING.md, "A
cgroup-v2 VM on this host").

Pieces, all built at test time, none committed:
- the kernel: Debian's linux-image-amd64 (/boot/vmlinuz-KVER with modules in
  /lib/modules/KVER), decompressed to an ELF vmlinux (booted through its PVH
  entry: ~2 s faster than the bzImage under TCG);
- an initramfs: busybox-static, the modules for virtio/9p/overlay in
  modules.dep order, and init.sh as /init.
Both are cached in CACHE_DIR/<KVER>-<hash of the inputs>.

The share (9p, mount tag `share`) carries everything that changes per run:
the skiff binary and its shared libraries (sysroot/), a busybox rootfs, the
bundles' config.json files and cgroup-tests.sh; the VM writes results.txt
back into it.

Usable by hand:  python3 vmboot.py SHARE_DIR  (boots with an existing share).
"""

import fcntl
import glob
import hashlib
import lzma
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE_DIR = os.environ.get("SKIFF_VM_CACHE", "/var/cache/skiff-vm")
QEMU = "qemu-system-x86_64"
BUSYBOX = "/bin/busybox"
# Modules (by name) the init needs; their dependencies are added from modules.dep.
MODULES = ["virtio_pci", "9pnet_virtio", "9p", "overlay"]
KERNEL_CMDLINE = "console=ttyS0 cgroup_no_v1=all quiet panic=-1"
BOOT_TIMEOUT = int(os.environ.get("SKIFF_VM_TIMEOUT", "300"))
WALL = {}  # timings of the last boot, for the pytest summary line


class VMError(Exception):
    pass


def find_kernel():
    """(KVER, vmlinuz path) of the newest Debian kernel that has its modules.

    The running host kernel is a custom build without /lib/modules: only a
    packaged kernel (linux-image-amd64) qualifies."""
    found = []
    for vmlinuz in glob.glob("/boot/vmlinuz-*"):
        kver = vmlinuz[len("/boot/vmlinuz-"):]
        if os.path.exists("/lib/modules/%s/modules.dep" % kver):
            found.append((kver, vmlinuz))
    if not found:
        raise VMError("no /boot/vmlinuz-KVER with /lib/modules/KVER/modules.dep "
                      "(apt-get install linux-image-amd64)")

    def key(kv):
        return [int(x) if x.isdigit() else x for x in re.split(r"[.-]", kv[0])]
    return sorted(found, key=key)[-1]


def extract_vmlinux(vmlinuz, out):
    """Decompress the ELF vmlinux embedded in a bzImage (xz, gzip or zstd)."""
    with open(vmlinuz, "rb") as f:
        data = f.read()
    candidates = [
        (b"\xfd7zXZ\x00", lambda d: lzma.LZMADecompressor(lzma.FORMAT_XZ).decompress(d)),
        # zlib with gzip framing ignores the bzImage's trailing bytes
        (b"\x1f\x8b\x08", lambda d: zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(d)),
    ]
    for magic, decomp in candidates:
        pos = data.find(magic)
        while pos >= 0:
            try:
                elf = decomp(data[pos:])
            except Exception:  # pylint: disable=broad-except
                elf = b""
            if elf[:4] == b"\x7fELF":
                with open(out + ".tmp", "wb") as f:
                    f.write(elf)
                os.rename(out + ".tmp", out)
                return
            pos = data.find(magic, pos + 1)
    raise VMError("no xz/gzip ELF payload found in %s" % vmlinuz)


def module_closure(kver, modules=None):
    """Module paths (relative to /lib/modules/KVER), dependencies first."""
    base = "/lib/modules/%s" % kver
    deps = {}
    with open(os.path.join(base, "modules.dep")) as f:
        for line in f:
            mod, _, rest = line.partition(":")
            deps[mod] = rest.split()
    by_name = {}
    for mod in deps:
        name = os.path.basename(mod).split(".ko")[0]
        by_name[name] = mod
    order = []

    def visit(mod):
        if mod in order:
            return
        # modules.dep lists a module's dependencies in load order reversed
        # (the last one must be loaded first), as modprobe does.
        for d in reversed(deps.get(mod, [])):
            visit(d)
        order.append(mod)
    for name in modules or MODULES:
        if name not in by_name:
            with open(os.path.join(base, "modules.builtin")) as f:
                builtin = f.read()
            if "/%s.ko" % name in builtin:
                continue
            raise VMError("module %s not in %s/modules.dep" % (name, base))
        visit(by_name[name])
    return order


def build_initramfs(kver, out, init=None, modules=None):
    """A busybox initramfs with MODULES (and their dependencies, loaded in
    modules.order) and INIT (default init.sh) as /init."""
    base = "/lib/modules/%s" % kver
    with tempfile.TemporaryDirectory(prefix="skiff-vm-initrd.") as root:
        for d in ("bin", "sbin", "usr/bin", "usr/sbin", "lib/modules", "proc", "sys",
                  "dev", "share", "run", "tmp", "etc", "vm"):
            os.makedirs(os.path.join(root, d), exist_ok=True)
        shutil.copy(BUSYBOX, os.path.join(root, "bin", "busybox"))
        applets = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True,
                                 check=True).stdout.split()
        for a in applets:
            if a != "busybox":
                os.symlink("busybox", os.path.join(root, "bin", a))
        names = []
        for mod in module_closure(kver, modules):
            src = os.path.join(base, mod)
            name = os.path.basename(mod)
            if name.endswith((".xz", ".zst", ".gz")):
                raise VMError("compressed module %s: busybox insmod cannot load it" % src)
            shutil.copy(src, os.path.join(root, "lib", "modules", name))
            names.append(name)
        with open(os.path.join(root, "lib", "modules", "modules.order"), "w") as f:
            f.write("\n".join(names) + "\n")
        shutil.copy(init or os.path.join(HERE, "init.sh"), os.path.join(root, "init"))
        os.chmod(os.path.join(root, "init"), 0o755)
        with open(os.path.join(root, "etc", "passwd"), "w") as f:
            f.write("root:x:0:0:root:/root:/bin/sh\n")
        with open(os.path.join(root, "etc", "group"), "w") as f:
            f.write("root:x:0:\n")
        # busybox cpio writes the newc format the kernel unpacks.
        files = subprocess.run(["find", "."], cwd=root, capture_output=True, text=True,
                               check=True).stdout
        with open(out + ".tmp", "wb") as f:
            subprocess.run([BUSYBOX, "cpio", "-o", "-H", "newc"], cwd=root, input=files.encode(),
                           stdout=f, stderr=subprocess.DEVNULL, check=True)
        os.rename(out + ".tmp", out)


def _inputs_hash(kver):
    h = hashlib.sha256()
    for p in (os.path.join(HERE, "init.sh"), os.path.abspath(__file__), BUSYBOX,
              "/lib/modules/%s/modules.dep" % kver):
        with open(p, "rb") as f:
            h.update(f.read())
    return h.hexdigest()[:12]


def prepare():
    """(vmlinux, initramfs, kver), built once per kernel and inputs."""
    for tool in (QEMU, BUSYBOX):
        if shutil.which(tool) is None:
            raise VMError("%s not found (apt-get install qemu-system-x86 busybox-static)" % tool)
    kver, vmlinuz = find_kernel()
    d = os.path.join(CACHE_DIR, "%s-%s" % (kver, _inputs_hash(kver)))
    os.makedirs(d, exist_ok=True)
    # drop builds from older inputs or kernels (each holds a ~65 MB vmlinux);
    # only KVER-HASH dirs: the Debian lane keeps its images in CACHE_DIR/debian
    for old in glob.glob(os.path.join(CACHE_DIR, "[0-9]*-*")):
        if old != d and time.time() - os.path.getmtime(old) > 3600:
            shutil.rmtree(old, ignore_errors=True)
    vmlinux = os.path.join(d, "vmlinux")
    initrd = os.path.join(d, "initramfs.cpio")
    with open(os.path.join(d, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel test runs share the cache
        if not os.path.exists(vmlinux):
            extract_vmlinux(vmlinuz, vmlinux)
        if not os.path.exists(initrd):
            build_initramfs(kver, initrd)
    return vmlinux, initrd, kver


def install_sysroot(binary, sysroot):
    """Copy binary to sysroot/usr/bin/skiff plus the shared libraries ldd lists."""
    os.makedirs(os.path.join(sysroot, "usr", "bin"), exist_ok=True)
    shutil.copy(binary, os.path.join(sysroot, "usr", "bin", "skiff"))
    out = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        m = re.search(r"(/\S+)", line.split("=>")[-1])
        if not m:
            continue
        lib = m.group(1)
        dest = os.path.join(sysroot, lib.lstrip("/"))
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copy(lib, dest)  # follows the soname symlink: a real file
    return sysroot


def boot(share, console_log, timeout=BOOT_TIMEOUT):
    """Boot the VM over SHARE; returns (wall seconds, qemu returncode)."""
    vmlinux, initrd, _ = prepare()
    argv = ["timeout", "-k", "5", str(timeout), QEMU,
            "-accel", "tcg,thread=multi", "-cpu", "max", "-smp", "1", "-m", "1024",
            "-nographic", "-no-reboot", "-nodefaults", "-serial", "stdio",
            "-kernel", vmlinux, "-initrd", initrd, "-append", KERNEL_CMDLINE,
            "-virtfs", "local,path=%s,mount_tag=share,security_model=none" % share]
    t0 = time.monotonic()
    with open(console_log, "wb") as log:
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    return time.monotonic() - t0, r.returncode


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: vmboot.py SHARE_DIR")
    t = time.monotonic()
    print(prepare(), "prepared in %.1f s" % (time.monotonic() - t))
    wall, rc = boot(sys.argv[1], os.path.join(sys.argv[1], "console.log"))
    print("qemu rc %d after %.1f s" % (rc, wall))
