#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# run-uml.sh [KERNEL-ARG...]: build what is missing and boot the User-Mode
# Linux kernel (scripts/uml.config) in bench mode, where gomap_bench.ko runs
# natively: a UML kernel is an ordinary host process, its code the host CPU's
# own instructions, with the host's caches and TLBs.
#
# The root file system is a host directory mounted with hostfs,
# GOMAP_VM_DIR/root, laid out as the QEMU initramfs (scripts/mkinitramfs.sh
# --dir): its /init is scripts/guest-init.sh, which loads gomap.ko and runs
# scripts/guest/bench.sh, which loads gomap_bench.ko with the
# gomap_bench.PARAM=VALUE words of the kernel command line.  The modules are
# built from a copy of the sources in build/uml-src (ARCH=um), so the tree's
# own objects stay built for the QEMU kernels.
#
# Extra arguments are appended to the kernel command line.  Environment:
#   GOMAP_UML_MEM     UML's memory, mem= (default 6G).  UML keeps it in an
#                     unlinked file in GOMAP_UML_TMPDIR (default /dev/shm,
#                     a tmpfs); host memory is taken as the guest touches it.
#   GOMAP_VM_TIMEOUT  seconds before the run is killed (3600)
#   GOMAP_VM_DIR      where the root directory and the logs go (build/vm-bench-uml)
#   GOMAP_VM_QUIET=1  do not stream the console, only keep it in the log
#   GOMAP_UML_PERF=1  run UML under `perf record` (linux-perf, installed if
#                     missing) into GOMAP_VM_DIR/perf.data; the modules' load
#                     addresses are then in GOMAP_VM_DIR/root/gomap/kallsyms
#                     (scripts/uml-perf.py turns the samples into a profile)
# Outputs, in GOMAP_VM_DIR: console.log (the kernel's console) and uml.log
# (what UML itself prints on stderr).  Exits with UML's status (124 on timeout).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

vmdir=${GOMAP_VM_DIR:-$GOMAP_TOP/build/vm-bench-uml}
console=$vmdir/console.log
mkdir -p "$vmdir"
rm -f "$console" "$vmdir/uml.log"

kdir=$("$GOMAP_TOP/scripts/build-kernel.sh" uml)
modsrc=$(src_copy uml-src)
log "building modules in $modsrc against $kdir"
make -s -C "$modsrc" KDIR="$kdir" ARCH=um GOMAP_BENCH=1 >&2
mods=("$modsrc/gomap.ko" "$modsrc/gomap_bench.ko")
for ko in "${mods[@]}"; do
	[ -f "$ko" ] || die "$ko was not built"
done
root=$vmdir/root
"$GOMAP_TOP/scripts/mkinitramfs.sh" --dir "$root" "${mods[@]}"

# con0 is the console: no input, output on stdout.  The other consoles and
# serial lines are off (their default is an xterm each).  UML has no
# -no-reboot: guest-init.sh powers it off, and a panic ends it (UML's own
# panic notifier exits the process).
tmpdir=${GOMAP_UML_TMPDIR:-/dev/shm}
# shellcheck disable=SC2054  # the commas are inside arguments (con0=null,fd:1)
append=(mem="${GOMAP_UML_MEM:-6G}" root=/dev/root rootfstype=hostfs hostfs="$root" rw
	init=/init con=null con0=null,fd:1 ssl=null console=tty0 printk.time=1
	oops=panic gomap.mode=bench "$@")
cmd=("$kdir/linux" "${append[@]}")
if [ "${GOMAP_UML_PERF:-0}" = 1 ]; then
	apt_install_missing linux-perf
	# No hardware counters in this VM: perf samples on cpu-clock.
	cmd=(perf record -e cpu-clock -F 2000 -o "$vmdir/perf.data" -- "${cmd[@]}")
fi

tmo=${GOMAP_VM_TIMEOUT:-3600}
log "booting UML (timeout ${tmo}s, mem=${GOMAP_UML_MEM:-6G} in $tmpdir, host load average $(cut -d' ' -f1-3 /proc/loadavg)); console log: $console"
start=$(date +%s)
# UML makes itself a session leader (setsid()) and kills its whole process
# group when it panics; its userspace processes are host processes in that
# group.  So it runs in the background and a timeout kills that group.
TMPDIR=$tmpdir "${cmd[@]}" </dev/null >"$console" 2>"$vmdir/uml.log" &
upid=$!
if [ "${GOMAP_VM_QUIET:-0}" != 1 ]; then
	tail -n +1 -F --pid=$upid "$console" 2>/dev/null &
fi
# The host's view of the run: how long UML's main process (the kernel,
# where the benchmark runs) was on a CPU and how long it waited for one
# while runnable, from its schedstat; waiting time counts in the figures.
lead=$upid
sched=
rc=
while [ -z "$rc" ]; do
	if [ "$lead" = "$upid" ] && [ "${GOMAP_UML_PERF:-0}" = 1 ]; then
		lead=$(pgrep -o -P $upid || echo $upid)
	fi
	{ read -r s <"/proc/$lead/schedstat"; } 2>/dev/null && sched=$s
	if ! kill -0 $upid 2>/dev/null; then
		rc=0
		wait $upid || rc=$?
	elif [ $(( $(date +%s) - start )) -ge "$tmo" ]; then
		log "UML killed after ${tmo}s"
		# UML's process group: its own pid, or under perf its child's.
		for p in $upid $(pgrep -P $upid || true); do
			kill -KILL -- "-$p" 2>/dev/null || true
		done
		kill -KILL $upid 2>/dev/null || true
		wait $upid || true
		rc=124
	else
		sleep 1
	fi
done
wait || true
log "UML exited with status $rc after $(( $(date +%s) - start )) s"
if [ -n "$sched" ]; then
	read -r oncpu waited _ <<<"$sched"
	log "UML's kernel ran $(( oncpu / 1000000000 )) s on a host CPU and waited $(( waited / 1000000000 )) s for one ($(( 100 * waited / (oncpu + waited + 1) ))% of its runnable time); host load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
fi
log "console log: $console"
exit "$rc"
