#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# build-kernel.sh NAME: build (or reuse) the kernel for scripts/NAME.config:
# x86_64, or the architecture a line "# arch: ARCH" of the fragment names
# (um for User-Mode Linux, scripts/uml.config, whose kernel is KDIR/linux).
#
# The build lives outside the tree in $GOMAP_CACHE (default /var/cache/gomap),
# keyed by the fragment's hash; a finished build is reused as is.  Prints the
# build directory (usable as KDIR) on stdout; progress goes to stderr.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

name=${1:-debug}
frag=$GOMAP_TOP/scripts/$name.config
[ -f "$frag" ] || die "no fragment $frag"

"$GOMAP_TOP/scripts/install-deps.sh"
kdir=$(kernel_dir "$name")
if [ -f "$kdir/.gomap-built" ]; then
	log "kernel $name: cached in $kdir"
	echo "$kdir"
	exit 0
fi

mkdir -p "$GOMAP_CACHE"
exec 9>"$GOMAP_CACHE/.lock-$name"
flock 9
# Whoever held the lock may have just finished this very build.
if [ -f "$kdir/.gomap-built" ]; then
	echo "$kdir"
	exit 0
fi

"$GOMAP_TOP/scripts/ksrc.sh" >/dev/null

arch=$(sed -n 's/^# arch: *//p' "$frag")
arch=${arch:-x86_64}
mkdir -p "$kdir"
kmake() { make -C "$GOMAP_KSRC" O="$kdir" ARCH="$arch" "$@"; }

cp "$frag" "$kdir/.config"
kmake olddefconfig >/dev/null
# olddefconfig silently drops options whose dependencies are missing.
lost=0
while read -r line; do
	case "$line" in ''|'#'*) continue ;; esac
	if ! grep -qxF "$line" "$kdir/.config"; then
		log "config lost: $line"
		lost=1
	fi
done <"$frag"
[ $lost -eq 0 ] || die "scripts/$name.config does not hold in the generated .config"

jobs=$(nproc)
mins="8 minutes on an idle 2-core machine, 25 when it is busy"
[ "$arch" = um ] && mins="5 minutes on an idle 2-core machine, 15 when it is busy"
log "building kernel $name (ARCH=$arch) in $kdir with -j$jobs ($mins)"
start=$(date +%s)
kmake -j"$jobs" all >"$kdir/build.log" 2>&1 &
pid=$!
while kill -0 $pid 2>/dev/null; do
	sleep 30
	log "kernel $name: $(( ($(date +%s) - start) / 60 )) min, $(grep -c ' CC ' "$kdir/build.log" || true) files compiled"
done
if ! wait $pid; then
	tail -n 30 "$kdir/build.log" >&2
	die "kernel build failed; full log in $kdir/build.log"
fi
log "kernel $name built in $(( $(date +%s) - start )) s"
touch "$kdir/.gomap-built"
echo "$kdir"
