#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# check.sh: everything `make check` runs, on a fresh clone of a Debian 12 box.
#
#   1. install-deps.sh            packages (kernel source, QEMU, busybox, ...)
#   2. make checkpatch            must be clean
#   3. kernel-doc, htmldocs       documentation lint and build (-W)
#   4. sparse, example module     static checks against the debug kernel
#   5. dkms-check                 DKMS build against Debian's linux-headers-amd64
#   6. tools/testing/gomap        userspace harness, if present
#   7. run-vm.sh check            debug kernel + modules + KUnit + gomap_stress.ko in QEMU
#   8. run-vm.sh check, rt        Debian's stock PREEMPT_RT kernel: gomap_stress.ko and
#                                 the guest tests, no KUnit
#   9. verdict.py                 KTAP, stress and guest TAP, console splats, both runs
#
# Every stage runs even when an earlier one failed; the last line is the
# verdict's "N passed, N failed", which also counts the failed stages.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$GOMAP_TOP"

t0=$(date +%s)
n=0
stage() {
	n=$((n + 1))
	printf '\n===== [%d/9] %s (at %ds) =====\n' $n "$*" $(( $(date +%s) - t0 ))
}
failed=()

stage "dependencies"
scripts/install-deps.sh

stage "checkpatch"
if make -s checkpatch; then
	echo "checkpatch: clean"
else
	failed+=(--fail "make checkpatch")
fi

stage "kernel-doc and the documentation build"
make -s kernel-doc || failed+=(--fail "make kernel-doc")
make -s htmldocs || failed+=(--fail "make htmldocs")

stage "sparse (W=1 C=2) on the debug kernel, and the documented example module"
kdir=$(scripts/build-kernel.sh debug)
make -s sparse KDIR="$kdir" || failed+=(--fail "make sparse")
make -s -C Documentation/example KDIR="$kdir" || failed+=(--fail "Documentation/example does not build")
make -s -C Documentation/example KDIR="$kdir" clean >/dev/null 2>&1 || true

stage "DKMS build against Debian's linux-headers-amd64"
make -s dkms-check || failed+=(--fail "make dkms-check")

stage "userspace harness"
if [ -f tools/testing/gomap/Makefile ]; then
	make -C tools/testing/gomap check ||
		failed+=(--fail "make -C tools/testing/gomap check")
else
	echo "no tools/testing/gomap/Makefile; skipped"
fi

stage "QEMU: KUnit and guest tests on the debug kernel"
export GOMAP_VM_DIR=$GOMAP_TOP/build/vm-check
rc=0
# The stress module's smaller run: KASAN and lockdep under TCG are slow.
scripts/run-vm.sh check gomap_stress.entries=65536 gomap_stress.seconds=2 || rc=$?
[ $rc -eq 0 ] || failed+=(--fail "run-vm.sh check exited with status $rc")

stage "QEMU: gomap_stress.ko and guest tests on Debian's PREEMPT_RT kernel"
rtvm=$GOMAP_TOP/build/vm-check-rt
rc=0
GOMAP_KERNEL=rt GOMAP_MODSRC=$(rt_src) GOMAP_VM_DIR=$rtvm GOMAP_VM_TIMEOUT=900 \
	scripts/run-vm.sh check || rc=$?
[ $rc -eq 0 ] || failed+=(--fail "run-vm.sh check on the rt kernel exited with status $rc")

stage "verdict"
# The suites the VM must report: every .name of a struct kunit_suite.
suites=$(awk '/struct kunit_suite [A-Za-z0-9_]+ *= *\{/ { s = 1 }
	s && match($0, /\.name *= *"[^"]*"/) {
		v = substr($0, RSTART, RLENGTH); sub(/^[^"]*"/, "", v); sub(/"$/, "", v)
		print v
	}
	s && /^\};/ { s = 0 }' gomap/gomap_kunit*.c 2>/dev/null || true)
[ -n "$suites" ] || failed+=(--fail "no KUnit suites found in gomap/gomap_kunit*.c")
echo "expected KUnit suites: ${suites//$'\n'/ }"
# shellcheck disable=SC2086  # one argument per suite name
exec scripts/verdict.py "${failed[@]}" --also "$rtvm/console.log" "$rtvm/results.txt" \
	"$GOMAP_VM_DIR/console.log" "$GOMAP_VM_DIR/results.txt" $suites
