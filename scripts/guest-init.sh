#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# /init of the gomap test VM (busybox sh).  The kernel command line picks the
# mode with gomap.mode=check|demo|bench|shell; see scripts/run-vm.sh.
#
# check mode writes machine-readable results to the second serial port
# (/dev/ttyS1, a file on the host), framed by marker lines that
# scripts/verdict.py splits on:
#   ### gomap-insmod MODULE RC
#   ### gomap-kunit SUITE           then that suite's debugfs KTAP results
#   ### gomap-guest NAME            then the TAP output of scripts/guest/NAME
#   ### gomap-guest-exit NAME RC
#   ### gomap-stress MODULE         then gomap_stress.ko's TAP lines and summary
#   ### gomap-rmmod MODULE RC
#   ### gomap-end                   everything ran; its absence means a crash
# The console (ttyS0) carries the kernel log, which verdict.py scans for splats.

export PATH=/bin:/sbin:/usr/bin:/usr/sbin
export HOME=/root

mount -t devtmpfs devtmpfs /dev 2>/dev/null
# Without /dev/console in the archive the kernel gave us no stdio.
[ -t 1 ] || exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug
# A WARN is a failure: make it a visible, fatal one.
echo 1 >/proc/sys/kernel/panic_on_warn

say() { echo "gomap-init: $*"; }

mode=shell
read -r cmdline </proc/cmdline
for arg in $cmdline; do
	case "$arg" in
	gomap.mode=*) mode=${arg#gomap.mode=} ;;
	esac
done

# QEMU runs with -no-reboot, so a reboot ends it.  poweroff -f would need
# working ACPI, and with qboot the kernel cannot load the ACPI tables (it
# then halts instead of powering off and QEMU never exits).  User-Mode Linux
# (scripts/run-uml.sh) starts itself again on a reboot and exits on poweroff.
off() {
	say "powering off"
	grep -q 'User Mode Linux' /proc/cpuinfo && poweroff -f
	reboot -f
}

# load MODULE: insmod /gomap/MODULE.ko, return insmod's status.
load() {
	say "insmod $1.ko"
	insmod "/gomap/$1.ko"
}

KMEMLEAK=/sys/kernel/debug/kmemleak

# stress: insmod gomap_stress.ko (it runs its cases in module init) with the
# gomap_stress.PARAM=VALUE words of the kernel command line, then copy its
# lines from the kernel log to fd 3 as the section "### gomap-stress".
stress() {
	[ -f /gomap/gomap_stress.ko ] || return 0
	params=
	for arg in $cmdline; do
		case "$arg" in
		gomap_stress.*=*) params="$params ${arg#gomap_stress.}" ;;
		esac
	done
	say "insmod gomap_stress.ko$params"
	# shellcheck disable=SC2086  # one word per parameter
	insmod /gomap/gomap_stress.ko $params
	echo "### gomap-insmod gomap_stress.ko $?" >&3
	echo "### gomap-stress gomap_stress.ko" >&3
	dmesg | sed -n 's/^.*gomap_stress: //p' >&3
	rmmod gomap_stress
	echo "### gomap-rmmod gomap_stress.ko $?" >&3
}

# Two scans: the first records each object's checksum, the second reports
# objects that stayed unreferenced and unchanged and are older than 5 s.
kmemleak_scan() {
	[ -w $KMEMLEAK ] || return 0
	echo scan >$KMEMLEAK
	sleep 6
	echo scan >$KMEMLEAK
}

check() {
	res=/dev/ttyS1
	stty -F $res raw -echo 2>/dev/null
	exec 3>$res

	# Boot leaves a few objects unreferenced (ACPI caches, ...).  Leaks
	# the tests made were allocated after this jiffies value; verdict.py
	# ignores older ones.  (A scan plus "echo clear" here would cost two
	# more slow scans and still let objects that change later through.)
	j=$(sed -n 's/^jiffies: //p' /proc/timer_list 2>/dev/null | head -n 1)
	say "kmemleak baseline jiffies ${j:-0}"

	for m in gomap gomap_kunit; do
		[ -f "/gomap/$m.ko" ] || continue
		load $m
		echo "### gomap-insmod $m.ko $?" >&3
	done

	for d in /sys/kernel/debug/kunit/*/; do
		[ -f "$d/results" ] || continue
		suite=$(basename "$d")
		say "kunit suite $suite"
		echo "### gomap-kunit $suite" >&3
		cat "$d/results" >&3
	done

	stress

	for t in /gomap/guest/test-*.sh; do
		[ -f "$t" ] || continue
		name=$(basename "$t")
		say "guest test $name"
		echo "### gomap-guest $name" >&3
		# The exit marker rides in the pipe so it follows all output; tee
		# shows the TAP lines on the console too.
		{
			(cd /gomap/guest && sh "$t" 2>&1)
			echo "### gomap-guest-exit $name $?"
		} | tee -a $res
	done

	# Unloading runs the modules' exit paths under KASAN and kmemleak too.
	# kmemleak backtraces then show module code as bare addresses: the
	# load addresses printed here map them back.
	say "loaded modules:"
	cat /proc/modules
	for m in gomap_kunit gomap; do
		grep -q "^$m " /proc/modules || continue
		say "rmmod $m"
		rmmod $m
		echo "### gomap-rmmod $m.ko $?" >&3
	done

	echo "### gomap-end" >&3
	exec 3>&-

	if [ -r $KMEMLEAK ]; then
		say "kmemleak scan"
		kmemleak_scan
		cat $KMEMLEAK
		say "kmemleak report done"
	fi
	say "check done"
}

# run_script NAME: load gomap.ko and run /gomap/guest/NAME if it exists.
run_script() {
	load gomap
	if [ -f "/gomap/guest/$1" ]; then
		(cd /gomap/guest && sh "./$1")
		say "$1 exited with $?"
	else
		say "no /gomap/guest/$1"
	fi
}

say "mode $mode"
case "$mode" in
check) check ;;
# The demo's own output goes to the second serial port, which the host
# shows; the kernel's boot log stays on the console, in its log file.
demo) run_script demo.sh >/dev/ttyS1 2>&1 ;;
bench) run_script bench.sh ;;
shell)
	load gomap
	say "modules and guest scripts are in /gomap; exit the shell to power off"
	# cttyhack gives the shell a controlling tty, so Ctrl-C works.
	setsid cttyhack sh -l
	;;
*) say "unknown gomap.mode=$mode" ;;
esac
off
