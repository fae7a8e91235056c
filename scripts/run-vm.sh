#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# run-vm.sh MODE [KERNEL-ARG...]: build what is missing and boot the test VM.
#
#   check   insmod gomap.ko + gomap_kunit.ko, dump the KUnit results, run
#           gomap_stress.ko and scripts/guest/test-*.sh, kmemleak scan, power
#           off (under timeout); on the rt kernel, without KUnit
#   demo    insmod gomap.ko, run scripts/guest/demo.sh, power off; shows the
#           demo's output, the boot log only goes to the console log file
#   bench   insmod gomap.ko, run scripts/guest/bench.sh (loads gomap_bench.ko), power off
#   shell   insmod gomap.ko, interactive shell on this terminal (Ctrl-A X quits)
#
# Extra arguments are appended to the kernel command line.  Environment:
#   GOMAP_KERNEL      scripts/NAME.config to boot (default debug), or rt:
#                     Debian's stock PREEMPT_RT kernel (scripts/rt-kernel.sh)
#   GOMAP_VM_TIMEOUT  seconds before a non-interactive run is killed (1800)
#   GOMAP_VM_SMP, GOMAP_VM_MEM   vCPUs (4) and memory (2G; each kmemleak scan
#                     takes time in proportion to it)
#   GOMAP_VM_DIR      where the initramfs and logs go (build/vm-MODE)
#   GOMAP_VM_QEMU_ARGS  more QEMU options, split on blanks (e.g.
#                     "-icount shift=0,sleep=off")
#   GOMAP_VM_QUIET=1  do not stream the console, only keep it in the log
#   GOMAP_MODSRC      directory whose Makefile builds gomap.ko and
#                     gomap_kunit.ko (default: this repository)
# Outputs, in GOMAP_VM_DIR: console.log (ttyS0) and results.txt (ttyS1).
# Exits with QEMU's status (124 on timeout); the verdict is scripts/verdict.py.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

mode=${1:-}
case "$mode" in
check|demo|bench|shell) shift ;;
*) die "usage: $0 check|demo|bench|shell [KERNEL-ARG...]" ;;
esac

vmdir=${GOMAP_VM_DIR:-$GOMAP_TOP/build/vm-$mode}
console=$vmdir/console.log
results=$vmdir/results.txt
# Stale logs must not be judged if this run fails before the boot.
mkdir -p "$vmdir"
rm -f "$console" "$results" "$vmdir/qemu.log"

"$GOMAP_TOP/scripts/install-deps.sh"
kernel=${GOMAP_KERNEL:-debug}
if [ "$kernel" = rt ]; then
	{ read -r image; read -r kdir; } < <("$GOMAP_TOP/scripts/rt-kernel.sh")
else
	kdir=$("$GOMAP_TOP/scripts/build-kernel.sh" "$kernel")
	image=$kdir/arch/x86/boot/bzImage
fi
modsrc=${GOMAP_MODSRC:-$GOMAP_TOP}

# bench also builds the benchmark module (Kbuild: GOMAP_BENCH), check the
# stress module (GOMAP_STRESS).
[ "$mode" = bench ] && export GOMAP_BENCH=1
[ "$mode" = check ] && export GOMAP_STRESS=1
log "building modules in $modsrc against $kdir"
make -s -C "$modsrc" KDIR="$kdir" >&2
mods=("$modsrc/gomap.ko")
# Debian's RT kernel has no KUnit.
[ "$mode" = check ] && [ "$kernel" != rt ] && mods+=("$modsrc/gomap_kunit.ko")
[ "$mode" = check ] && mods+=("$modsrc/gomap_stress.ko")
[ "$mode" = bench ] && mods+=("$modsrc/gomap_bench.ko")
for ko in "${mods[@]}"; do
	[ -f "$ko" ] || die "$ko was not built"
done

"$GOMAP_TOP/scripts/mkinitramfs.sh" "$vmdir/initramfs.cpio.gz" "${mods[@]}"

# panic=-1 and -no-reboot turn any panic (oops=panic, panic_on_warn) into a
# QEMU exit.  quiet is left off: the console log is what verdict.py scans.
append="console=ttyS0 printk.time=1 panic=-1 oops=panic gomap.mode=$mode $*"
qemu=(qemu-system-x86_64 -machine pc -smp "${GOMAP_VM_SMP:-4}"
      -m "${GOMAP_VM_MEM:-2G}" -no-reboot -nographic
      -kernel "$image" -initrd "$vmdir/initramfs.cpio.gz"
      -append "$append")
# qboot skips SeaBIOS's slow device probing: boot starts in well under a second.
qboot=/usr/share/qemu/qboot.rom
[ -f "$qboot" ] && qemu+=(-bios "$qboot")
read -ra extra <<<"${GOMAP_VM_QEMU_ARGS:-}"
qemu+=("${extra[@]}")

if [ "$mode" = shell ]; then
	log "booting; Ctrl-A X quits QEMU"
	exec "${qemu[@]}" -serial mon:stdio -serial "file:$results"
fi

tmo=${GOMAP_VM_TIMEOUT:-1800}
log "booting (mode $mode, timeout ${tmo}s${extra[*]:+, ${extra[*]}}); console log: $console"
start=$(date +%s)
rc=0
# No monitor, stdin from /dev/null: nothing here is interactive, and a QEMU
# reading the terminal from behind timeout(1) would be stopped by SIGTTIN.
timeout --kill-after=30 "$tmo" "${qemu[@]}" -monitor none \
	-chardev "file,id=con,path=$console" -serial chardev:con \
	-serial "file:$results" </dev/null >/dev/null 2>"$vmdir/qemu.log" &
qpid=$!
# The demo shows its own output (the results port); the rest the console.
follow=$console
if [ "$mode" = demo ]; then
	follow=$results
	log "the guest's boot log goes to $console; the demo follows"
fi
if [ "${GOMAP_VM_QUIET:-0}" != 1 ]; then
	tail -n +1 -F --pid=$qpid "$follow" 2>/dev/null &
fi
wait $qpid || rc=$?
wait || true
[ $rc -eq 124 ] && log "QEMU killed after ${tmo}s"
if [ -s "$vmdir/qemu.log" ]; then
	cat "$vmdir/qemu.log" >&2
	# QEMU exits with 0 when something else sends it SIGTERM.
	if [ $rc -eq 0 ] && grep -q 'terminating on signal' "$vmdir/qemu.log"; then
		rc=1
	fi
fi
log "VM exited with status $rc after $(( $(date +%s) - start )) s"
log "console log: $console"
log "results:     $results"
exit $rc
