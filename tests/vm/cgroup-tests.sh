#!/bin/sh
# skiff's cgroup cases, run inside the cgroup-v2 VM (init.sh) by busybox sh.
# Usage: cgroup-tests.sh stage1|stage2
#
# Each case prints a TAP-like line to the console and appends it to
# /share/results.txt:  "ok N - name"  or  "not ok N - name: reason".
# The bundles (config.json only) were written by the host (test_vm.py) into
# /share/bundles/NAME; their root.path is /vm/rootfs, a copy of the share's
# busybox rootfs on the VM's own (tmpfs) root.  Every skiff call runs under
# `timeout` so that a hang becomes a failed case, not a stuck VM.
SHARE=/share
RESULTS=$SHARE/results.txt
B=$SHARE/bundles
CG=/sys/fs/cgroup
OUT=/tmp/skiff-vm.out
ERR=/tmp/skiff-vm.err
T=60

N=$(grep -c '^\(not \)\{0,1\}ok ' "$RESULTS" 2>/dev/null)
N=${N:-0}

report() { # report NAME STATUS(0=ok) REASON
	N=$((N + 1))
	if [ "$2" = 0 ]; then
		line="ok $N - $1"
	else
		line="not ok $N - $1: $(echo "$3" | tr '\n' ' ' | cut -c1-400)"
	fi
	echo "$line" >> "$RESULTS"
	echo "skiff-vm: $line"
}

# case NAME FUNC: FUNC returns 0 or sets WHY and returns 1.
case_() {
	WHY=
	if "$2"; then report "$1" 0; else report "$1" 1 "${WHY:-failed}"; fi
}
fail() { WHY="$*"; return 1; }
eq() { # eq LABEL ACTUAL EXPECTED
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}

sk() { timeout -s KILL $T skiff "$@" > "$OUT" 2> "$ERR"; }
# RC: skiff's exit code; TIMEDOUT=1 when `timeout` had to kill it (rc 137 too)
sk_rc() {
	t0=$(date +%s)
	sk "$@"
	RC=$?
	TIMEDOUT=0
	[ $(($(date +%s) - t0)) -lt $T ] || TIMEDOUT=1
}
errtxt() { tr '\n' ' ' < "$ERR" | cut -c1-300; }

run_d() { # run_d ID BUNDLE [run options]: detached container, sets PID and DIR
	id=$1 b=$2
	shift 2
	sk_rc run -d "$@" --bundle "$B/$b" "$id"
	[ "$RC" = 0 ] || fail "run -d $b: rc $RC: $(errtxt)" || return 1
	PID=$(state_field "$id" pid)
	[ -n "$PID" ] || fail "no pid in state of $id" || return 1
	DIR=$CG$(sed -n 's/^0:://p' "/proc/$PID/cgroup")
}

state_field() { # state_field ID pid|status
	timeout $T skiff state "$1" 2>/dev/null | tr -d ' \n' |
		sed -n "s/.*\"$2\":\"\{0,1\}\([a-z0-9]*\).*/\1/p"
}

cgread() { cat "$1" 2>&1; }

gone() { # gone ID DIR: delete --force, then no state and no cgroup dir
	sk_rc delete --force "$1"
	[ "$RC" = 0 ] || fail "delete --force $1: rc $RC: $(errtxt)" || return 1
	[ ! -d "$2" ] || fail "cgroup dir $2 left after delete --force" || return 1
	timeout $T skiff state "$1" > /dev/null 2>&1 && fail "state of $1 left after delete" && return 1
	return 0
}

wait_stopped() {
	i=0
	while [ $i -lt 60 ]; do
		[ "$(state_field "$1" status)" = stopped ] && return 0
		sleep 0.5
		i=$((i + 1))
	done
	fail "$1 not stopped after 30 s"
}

cleanup() { timeout $T skiff delete --force "$1" > /dev/null 2>&1; }

# ---------------------------------------------------------------- stage 1

t_nopivot_initramfs() {
	sk_rc run --no-pivot --bundle "$B/hello" vm-np1
	[ "$RC" = 0 ] || fail "run --no-pivot: rc $RC: $(errtxt)" || return 1
	grep -q HELLO "$OUT" || fail "no HELLO in output: $(cat "$OUT")" || return 1
	grep -q '^0::/.*vm-np1' "$OUT" || fail "/proc/self/cgroup lacks the container id: $(cat "$OUT")"
}

t_pivot_initramfs_error() {
	# pivot_root(2) cannot work here; skiff must fail cleanly (or fall back),
	# not hang, and leave no cgroup behind.
	sk_rc run --bundle "$B/hello" vm-p1
	[ "$TIMEDOUT" = 0 ] || fail "skiff run hung (killed after $T s)" || return 1
	if [ "$RC" != 0 ]; then
		grep -qi pivot "$ERR" || fail "rc $RC without a pivot_root error: $(errtxt)" || return 1
	fi
	cleanup vm-p1
	ls -d $CG/*vm-p1* $CG/*/*vm-p1* > /dev/null 2>&1 && fail "cgroup of vm-p1 left: $(ls -d $CG/*vm-p1* $CG/*/*vm-p1* 2>/dev/null)"
	return 0
}

stage1() {
	cp -a $SHARE/sysroot/. / || echo "skiff-vm: cannot install the sysroot"
	mkdir -p /vm && cp -a $SHARE/rootfs /vm/rootfs || echo "skiff-vm: cannot copy the rootfs"
	skiff --version | head -1
	case_ nopivot_run_initramfs t_nopivot_initramfs
	case_ pivot_on_initramfs_fails_cleanly t_pivot_initramfs_error
}

# ---------------------------------------------------------------- stage 2

t_run_pivot() {
	sk_rc run --bundle "$B/hello" vm-hello
	[ "$RC" = 0 ] || fail "run: rc $RC: $(errtxt)" || return 1
	grep -q HELLO "$OUT" || fail "no HELLO in output: $(cat "$OUT")"
}

t_container_cgroupfs() {
	# the statfs magic of /sys/fs/cgroup inside is CGROUP2_SUPER_MAGIC (busybox
	# stat names it UNKNOWN)
	grep -q '^FSMAGIC=63677270$' "$OUT" || fail "/sys/fs/cgroup inside: $(grep FSMAGIC "$OUT") (want 63677270, cgroup2)"
}

t_default_cgroup() {
	run_d vm-def sleep || return 1
	case "$DIR" in *vm-def*) ;; *) cleanup vm-def; fail "cgroup $DIR lacks the id"; return 1 ;; esac
	grep -qx "$PID" "$DIR/cgroup.procs" || { cleanup vm-def; fail "pid $PID not in $DIR/cgroup.procs"; return 1; }
	[ -f "$DIR/memory.max" ] && [ -f "$DIR/pids.max" ] && [ -f "$DIR/cpu.max" ] ||
		{ cleanup vm-def; fail "controllers missing in $DIR: $(cat "$DIR/cgroup.controllers")"; return 1; }
	gone vm-def "$DIR"
}

t_memory() {
	run_d vm-mem mem || return 1
	eq memory.max "$(cgread "$DIR/memory.max")" 67108864 &&
		eq memory.low "$(cgread "$DIR/memory.low")" 33554432 &&
		eq memory.swap.max "$(cgread "$DIR/memory.swap.max")" 67108864 &&
		eq cgroupsPath "$DIR" "$CG/skiff-vm/mem"
	r=$?
	cleanup vm-mem
	return $r
}

t_oom_137() {
	sk_rc run --bundle "$B/oom" vm-oom
	[ "$TIMEDOUT" = 0 ] || fail "skiff run hung (killed after $T s)" || return 1
	eq "exit code (stderr: $(errtxt))" "$RC" 137 || return 1
	[ ! -d $CG/skiff-vm-oom/c ] || fail "leaf $CG/skiff-vm-oom/c left after run"
}

t_oom_events() {
	# memory.events is hierarchical (no memory_localevents): the parent counts the leaf's kill
	k=$(sed -n 's/^oom_kill //p' $CG/skiff-vm-oom/memory.events 2>&1)
	rmdir $CG/skiff-vm-oom 2>/dev/null
	[ "${k:-0}" -ge 1 ] 2>/dev/null || fail "parent memory.events oom_kill: '$k'" || return 1
	# and the leaf's own file, read before delete
	run_d vm-oom2 oom-d || return 1
	wait_stopped vm-oom2 || { cleanup vm-oom2; return 1; }
	k=$(sed -n 's/^oom_kill //p' "$DIR/memory.events" 2>&1)
	gone vm-oom2 "$DIR" || return 1
	rmdir $CG/skiff-vm-oom 2>/dev/null
	[ "${k:-0}" -ge 1 ] 2>/dev/null || fail "leaf memory.events oom_kill: '$k'"
}

t_pids() {
	# own output files: the container writes to them after run -d returned
	timeout -s KILL $T skiff run -d --bundle "$B/pids" vm-pids > "$OUT.pids" 2> "$ERR.pids"
	RC=$?
	[ "$RC" = 0 ] || fail "run -d pids: rc $RC: $(cat "$ERR.pids")" || return 1
	PID=$(state_field vm-pids pid)
	DIR=$CG$(sed -n 's/^0:://p' "/proc/$PID/cgroup")
	eq pids.max "$(cgread "$DIR/pids.max")" 5 || { cleanup vm-pids; return 1; }
	wait_stopped vm-pids || { cleanup vm-pids; return 1; }
	ev=$(sed -n 's/^max //p' "$DIR/pids.events" 2>&1)
	gone vm-pids "$DIR" || return 1
	! grep -q ALL-STARTED "$OUT.pids" || fail "all 8 forks succeeded under pids.max 5" || return 1
	grep -q fork "$ERR.pids" || fail "no fork error: $(cat "$ERR.pids")" || return 1
	[ "${ev:-0}" -ge 1 ] 2>/dev/null || fail "pids.events max: '$ev'"
}

t_cpu() {
	run_d vm-cpu cpu || return 1
	# cpu.weight = 1 + ((shares - 2) * 9999) / 262142 (runc, crun, kernel docs)
	eq cpu.weight "$(cgread "$DIR/cpu.weight")" $((1 + ((512 - 2) * 9999) / 262142)) &&
		eq cpu.max "$(cgread "$DIR/cpu.max")" "50000 100000" &&
		eq cpuset.cpus "$(cgread "$DIR/cpuset.cpus")" 0 &&
		eq cpuset.mems "$(cgread "$DIR/cpuset.mems")" 0
	r=$?
	cleanup vm-cpu
	return $r
}

t_pause_resume() {
	run_d vm-pause sleep || return 1
	r=1
	while :; do
		sk_rc pause vm-pause
		[ "$RC" = 0 ] || { fail "pause: rc $RC: $(errtxt)"; break; }
		eq cgroup.freeze "$(cgread "$DIR/cgroup.freeze")" 1 || break
		grep -qx 'frozen 1' "$DIR/cgroup.events" || { fail "cgroup.events: $(cat "$DIR/cgroup.events")"; break; }
		eq "status after pause" "$(state_field vm-pause status)" paused || break
		sk_rc pause vm-pause
		[ "$RC" != 0 ] || { fail "second pause succeeded"; break; }
		sk_rc resume vm-pause
		[ "$RC" = 0 ] || { fail "resume: rc $RC: $(errtxt)"; break; }
		eq "cgroup.freeze after resume" "$(cgread "$DIR/cgroup.freeze")" 0 || break
		grep -qx 'frozen 0' "$DIR/cgroup.events" || { fail "cgroup.events after resume: $(cat "$DIR/cgroup.events")"; break; }
		eq "status after resume" "$(state_field vm-pause status)" running || break
		r=0
		break
	done
	cleanup vm-pause
	return $r
}

t_delete_force_paused() {
	run_d vm-delp sleep || return 1
	sk_rc pause vm-delp
	[ "$RC" = 0 ] || { cleanup vm-delp; fail "pause: rc $RC: $(errtxt)"; return 1; }
	gone vm-delp "$DIR"
}

t_update() {
	run_d vm-upd mem || return 1
	UPD_DIR=$DIR
	sk_rc update --memory 48m --pids-limit 33 --cpu-period 100000 --cpu-quota 20000 --cpu-share 1024 vm-upd
	[ "$RC" = 0 ] || fail "update: rc $RC: $(errtxt)" || return 1
	eq memory.max "$(cgread "$DIR/memory.max")" $((48 << 20)) &&
		eq pids.max "$(cgread "$DIR/pids.max")" 33 &&
		eq cpu.max "$(cgread "$DIR/cpu.max")" "20000 100000" &&
		eq cpu.weight "$(cgread "$DIR/cpu.weight")" $((1 + ((1024 - 2) * 9999) / 262142))
}

t_events_stats() {
	# runs on vm-upd (after t_update)
	sk_rc events --stats vm-upd
	[ "$RC" = 0 ] || fail "events --stats: rc $RC: $(errtxt)" || return 1
	j=$(tr -d ' \n' < "$OUT")
	case "$j" in *'"type":"stats"'*) ;; *) fail "no type stats: $j"; return 1 ;; esac
	pids=$(echo "$j" | sed -n 's/.*"pids":{\([^}]*\)}.*/\1/p')
	case ",$pids," in *',"current":1,'*) ;; *) fail "pids: {$pids}"; return 1 ;; esac
	case ",$pids," in *',"limit":33,'*) ;; *) fail "pids: {$pids}"; return 1 ;; esac
	case "$j" in *'"memory":{'*'"limit":'$((48 << 20))*) ;; *) fail "memory limit $((48 << 20)) missing: $j"; return 1 ;; esac
	mu=$(echo "$j" | sed -n 's/.*"memory":{"usage":{\([^}]*\)}.*/\1/p')
	usage=$(echo ",$mu," | sed -n 's/.*,"usage":\([0-9]*\),.*/\1/p')
	[ "${usage:-0}" -gt 0 ] 2>/dev/null || fail "memory.usage {$mu}: no usage > 0"
}

t_delete_force_running() {
	gone vm-upd "$UPD_DIR"
}

t_devices_deny() {
	sk_rc run --bundle "$B/dev" vm-dev
	[ "$RC" = 0 ] || fail "run: rc $RC: $(errtxt)" || return 1
	cp "$OUT" "$OUT.dev"
	cp "$ERR" "$ERR.dev"
	grep -q KMSG-OPENED "$OUT" && fail "/dev/kmsg (c 1:11, not in resources.devices) opened for writing" && return 1
	grep -q "kmsg.*Operation not permitted" "$ERR" || fail "no EPERM for /dev/kmsg: $(errtxt)"
}

t_devices_null() {
	grep -q NULL-OK "$OUT.dev" || fail "/dev/null not usable: $(tr '\n' ' ' < "$ERR.dev")"
}

t_devices_mknod() {
	# default rule `c *:* m` (as runc) allows mknod; the eBPF program must still deny the open
	grep -q MKNOD-OK "$OUT.dev" || fail "mknod c 1 11 refused: $(tr '\n' ' ' < "$ERR.dev")" || return 1
	! grep -q K-OPENED "$OUT.dev" || fail "mknod'ed c 1:11 opened for writing"
}

t_devices_allow() {
	sk_rc run --bundle "$B/devallow" vm-deva
	[ "$RC" = 0 ] || fail "run: rc $RC: $(errtxt)" || return 1
	grep -q KMSG-OPENED "$OUT" || fail "/dev/kmsg allowed (c 1:11 w) but not opened: $(errtxt)"
}

t_exec_ps() {
	# exec joins the container's cgroup (join.c); ps lists from cgroup.procs
	run_d vm-exec sleep || return 1
	r=1
	while :; do
		sk_rc exec vm-exec cat /proc/self/cgroup
		[ "$RC" = 0 ] || { fail "exec: rc $RC: $(errtxt)"; break; }
		eq "exec'd /proc/self/cgroup" "$CG$(sed -n 's/^0:://p' "$OUT")" "$DIR" || break
		sk_rc ps vm-exec
		[ "$RC" = 0 ] || { fail "ps: rc $RC: $(errtxt)"; break; }
		grep -qw "$PID" "$OUT" || { fail "ps lacks pid $PID: $(tr '\n' ' ' < "$OUT")"; break; }
		r=0
		break
	done
	cleanup vm-exec
	return $r
}

t_events_oom() {
	# `events` streams until the container stops and reports the OOM kill it
	# saw in memory.events
	run_d vm-oome oom-e || return 1
	sk_rc events --interval 10s vm-oome
	cp "$OUT" "$OUT.ev"
	[ "$TIMEDOUT" = 0 ] || { cleanup vm-oome; fail "events did not end when the container stopped"; return 1; }
	[ "$RC" = 0 ] || { cleanup vm-oome; fail "events: rc $RC: $(errtxt)"; return 1; }
	gone vm-oome "$DIR" || return 1
	rmdir $CG/skiff-vm-oom 2>/dev/null
	tr -d ' ' < "$OUT.ev" | grep -q '"type":"oom"' || fail "no oom event in: $(tr '\n' ' ' < "$OUT.ev" | cut -c1-200)"
}

t_nopivot_tmpfs() {
	run_d vm-np2 mem --no-pivot || return 1
	eq memory.max "$(cgread "$DIR/memory.max")" 67108864 || { cleanup vm-np2; return 1; }
	gone vm-np2 "$DIR"
}

stage2() {
	case_ run_pivot t_run_pivot
	case_ container_sees_cgroup2 t_container_cgroupfs
	case_ default_cgroup_dir t_default_cgroup
	case_ memory_max_low_swap t_memory
	case_ oom_kill_exit_137 t_oom_137
	case_ oom_kill_memory_events t_oom_events
	case_ pids_max_fork_limit t_pids
	case_ cpu_weight_max_cpuset t_cpu
	case_ pause_freeze_resume t_pause_resume
	case_ delete_force_paused t_delete_force_paused
	case_ update_memory_pids_cpu t_update
	case_ events_stats t_events_stats
	case_ delete_force_running t_delete_force_running
	case_ devices_unlisted_denied t_devices_deny
	case_ devices_null_allowed t_devices_null
	case_ devices_mknod_open_denied t_devices_mknod
	case_ devices_listed_allowed t_devices_allow
	case_ nopivot_memory_max t_nopivot_tmpfs
	case_ exec_joins_cgroup_ps t_exec_ps
	case_ events_oom t_events_oom
	cleanup vm-upd
}

case "$1" in
stage1) stage1 ;;
stage2) stage2 ;;
*) echo "usage: $0 stage1|stage2" >&2; exit 2 ;;
esac
