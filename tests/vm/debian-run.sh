#!/bin/sh
# Test runner of the Debian VM lane (`make check-vm-systemd`, debvm.py), run
# by skiff-vm-test.service once systemd has reached multi-user.target.  Read
# from the source share, so a change here needs no image rebuild.
#
#   /src    the source tree (9p, read-only): tests/integration/... as on the host
#   /share  the run's share (9p): skiff (the binary under test) and lanes, one
#           line of pytest arguments (shell-quoted) per pytest run; the
#           results go back here: vm-info.txt, lane-N.log, lane-N.rc,
#           boot-times.txt, journal.txt and, last, done.
#
# The environment is checked first (systemd is PID 1, /sys/fs/cgroup is pure
# cgroup v2, the system bus answers, the binary runs); if it is not what the
# lane promises, no lane runs and env-error says why.  Always exits 0: the
# unit's SuccessAction powers the VM off, the host reads the results.
S=/share
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PYTHONDONTWRITEBYTECODE=1 # /src is read-only

say() { echo "skiff-vm: $*"; }

# monotonic microseconds of a timestamp property of systemd (UNIT empty) or a unit
mono() { # mono PROPERTY [UNIT]
	if [ -n "${2:-}" ]; then
		systemctl show -P "$1" "$2" 2>/dev/null
	else
		systemctl show -P "$1" 2>/dev/null
	fi
}

secs() { # microseconds -> seconds with one decimal
	[ -n "$1" ] && echo "$1" | awk '{ printf "%.1f", $1 / 1000000 }' || echo "?"
}

boot_times() {
	up=$(cut -d' ' -f1 /proc/uptime)
	init=$(mono UserspaceTimestampMonotonic)
	mu=$(mono ActiveEnterTimestampMonotonic multi-user.target)
	dbus=$(mono ActiveEnterTimestampMonotonic dbus.service)
	echo "since kernel start: systemd $(secs "$init") s, dbus.service $(secs "$dbus") s," \
		"multi-user.target $(secs "$mu") s, tests ${up} s"
}

env_check() {
	fs=$(stat -f -c %T /sys/fs/cgroup)
	[ "$fs" = cgroup2fs ] || { echo "/sys/fs/cgroup is $fs, not cgroup2fs"; return 1; }
	if grep -q ' cgroup ' /proc/self/mounts; then
		echo "a cgroup v1 hierarchy is mounted: $(grep ' cgroup ' /proc/self/mounts | head -1)"
		return 1
	fi
	[ "$(cat /proc/1/comm)" = systemd ] || { echo "PID 1 is $(cat /proc/1/comm), not systemd"; return 1; }
	# what the systemd cgroup driver talks to: PID 1's manager over the system bus
	busctl --system get-property org.freedesktop.systemd1 /org/freedesktop/systemd1 \
		org.freedesktop.systemd1.Manager Version > /dev/null 2>&1 ||
		{ echo "systemd's manager does not answer on the system bus"; return 1; }
	ver=$($S/skiff --version 2>&1) || { echo "$S/skiff --version failed: $ver"; return 1; }
	return 0
}

say "tests start"
{
	echo "kernel: $(uname -r)"
	echo "systemd: $(systemctl --version | head -1)"
	echo "skiff: $($S/skiff --version 2>&1 | head -1)"
	echo "runc: $(runc --version 2>&1 | head -1)"
	echo "cgroup: $(stat -f -c %T /sys/fs/cgroup), controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
	echo "root subtree_control: $(cat /sys/fs/cgroup/cgroup.subtree_control)"
	echo "own cgroup: $(cat /proc/self/cgroup)"
	echo "boot: $(boot_times)"
	echo "failed units: $(systemctl --failed --no-legend --plain | cut -d' ' -f1 | tr '\n' ' ')"
} > $S/vm-info.txt 2>&1
sed 's/^/skiff-vm: /' $S/vm-info.txt

if why=$(env_check); then
	n=0
	while IFS= read -r args <&3; do
		n=$((n + 1))
		say "lane $n: pytest $args"
		{
			(cd /src && eval "exec python3 -m pytest -v -p no:cacheprovider --skiff=$S/skiff $args" < /dev/null)
			echo $? > $S/lane-$n.rc
		} 2>&1 | tee $S/lane-$n.log
		say "lane $n: rc $(cat $S/lane-$n.rc)"
	done 3< $S/lanes
else
	say "environment check failed: $why"
	echo "$why" > $S/env-error
fi

journalctl -b --no-pager -o short-monotonic > $S/journal.txt 2>&1
sync
echo ok > $S/done
exit 0
