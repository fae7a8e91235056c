#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# mkinitramfs.sh OUT.cpio.gz MODULE.ko...: pack the test VM's initramfs.
# mkinitramfs.sh --dir OUTDIR MODULE.ko...: the same tree as a directory (the
# hostfs root of the User-Mode Linux boot, scripts/run-uml.sh).
#
#   /bin/busybox + applet symlinks   (busybox-static)
#   /init                            scripts/guest-init.sh
#   /gomap/*.ko                      the given modules
#   /gomap/guest/                    scripts/guest/ (if present), or
#                                    $GOMAP_GUEST_DIR if set
#
# The archive is reproducible: sorted names, fixed mtimes and owners, gzip -n.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dir=
if [ "${1:-}" = --dir ]; then
	dir=${2:?}
	shift 2
fi
[ -n "$dir" ] || [ $# -ge 1 ] || die "usage: $0 OUT.cpio.gz|--dir OUTDIR [MODULE.ko...]"
[ -n "$dir" ] || { out=$1; shift; }

# busybox-static's binary (install-deps.sh); the dynamic one would need libc.
busybox=/bin/busybox

if [ -n "$dir" ]; then
	rm -rf "$dir"
	mkdir -p "$dir"
	stage=$dir
else
	stage=$(mktemp -d)
	trap 'rm -rf "$stage"' EXIT
fi

mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,root,gomap/guest}
cp "$busybox" "$stage/bin/busybox"
# Applet links at pack time, so /init and the shell find every applet at once.
for applet in $("$busybox" --list-full); do
	[ -e "$stage/$applet" ] || ln -s /bin/busybox "$stage/$applet"
done
install -m 755 "$GOMAP_TOP/scripts/guest-init.sh" "$stage/init"

for ko in "$@"; do
	[ -f "$ko" ] || die "no module $ko"
	cp "$ko" "$stage/gomap/"
done
guest=${GOMAP_GUEST_DIR:-$GOMAP_TOP/scripts/guest}
if [ -d "$guest" ]; then
	cp -r "$guest/." "$stage/gomap/guest/"
	chmod -R a+rX "$stage/gomap/guest"
fi

# The kernel opens /dev/console before running /init; without the node init
# starts with no stdio (guest-init.sh copes, but the node avoids the warning).
mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null || true
[ -z "$dir" ] || exit 0

find "$stage" -exec touch -h -d @0 {} +
mkdir -p "$(dirname "$out")"
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
	cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -9 -n >"$out.tmp"
mv "$out.tmp" "$out"
