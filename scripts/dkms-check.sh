#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# dkms-check.sh: prove dkms.conf works by building gomap.ko with DKMS against
# Debian's own kernel headers (linux-headers-amd64), then removing it again.
#
# Installs dkms and linux-headers-amd64 if missing.  Build only: Debian's
# kernel has no KUnit, so Kbuild builds gomap.ko without gomap_kunit.ko, and
# installing into a kernel this machine does not run would prove nothing more.
# The source tree DKMS gets is what a release tarball holds: dkms.conf,
# Makefile, Kbuild and gomap/ (no objects, no build/).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$GOMAP_TOP"

apt_install_missing dkms linux-headers-amd64

# The release linux-headers-amd64 points at, e.g. 6.1.0-41-amd64.
hdrpkg=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 |
	 grep -o 'linux-headers-[^ ,]*-amd64' | head -n 1)
kver=${hdrpkg#linux-headers-}
[ -d "/lib/modules/$kver/build" ] || die "no /lib/modules/$kver/build from $hdrpkg"

name=$(sed -n 's/^PACKAGE_NAME="\(.*\)"$/\1/p' dkms.conf)
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf)
if [ -z "$name" ] || [ -z "$ver" ]; then
	die "dkms.conf lacks PACKAGE_NAME or PACKAGE_VERSION"
fi
src=/usr/src/$name-$ver
if [ -e "$src" ] || dkms status -m "$name" -v "$ver" 2>/dev/null | grep -q .; then
	die "$name/$ver is already known to DKMS or $src exists; remove it first (dkms remove $name/$ver --all)"
fi

cleanup() {
	dkms remove -m "$name" -v "$ver" --all >/dev/null 2>&1 || true
	rm -rf "$src" "/var/lib/dkms/$name/$ver"
	rmdir "/var/lib/dkms/$name" 2>/dev/null || true
}
trap cleanup EXIT

mkdir -p "$src/gomap"
cp dkms.conf Makefile Kbuild "$src/"
cp gomap/*.c gomap/*.h "$src/gomap/"

start=$(date +%s)
log "dkms add/build $name/$ver for $kver"
dkms add -m "$name" -v "$ver"
if ! dkms build -m "$name" -v "$ver" -k "$kver"; then
	cat "/var/lib/dkms/$name/$ver/build/make.log" >&2 || true
	die "dkms build failed"
fi

ko=$(find "/var/lib/dkms/$name/$ver/$kver" -name "$name.ko*" | head -n 1)
[ -n "$ko" ] || die "dkms build left no $name.ko"
vermagic=$(modinfo -F vermagic "$ko")
case "$vermagic" in
"$kver "*) ;;
*) die "$ko has vermagic '$vermagic', not $kver" ;;
esac
log "built $(basename "$ko") for $kver in $(( $(date +%s) - start )) s; removing it again"
