#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# rt-kernel.sh: install Debian's stock PREEMPT_RT kernel and its headers
# (linux-image-rt-amd64, linux-headers-rt-amd64) and print two lines: the
# kernel image and the headers' build directory (usable as KDIR).  The ABI
# number (6.1.0-N) moves with Debian's updates: it is read, never assumed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

apt_install_missing linux-image-rt-amd64 linux-headers-rt-amd64
# The release the meta packages point at: the newest installed -rt-amd64.
rel=$(dpkg-query -W -f='${Depends}\n' linux-image-rt-amd64 |
      grep -o 'linux-image-[0-9][^ ,]*-rt-amd64' | head -n 1)
rel=${rel#linux-image-}
[ -n "$rel" ] || die "cannot tell which release linux-image-rt-amd64 installs"
image=/boot/vmlinuz-$rel
kdir=/usr/src/linux-headers-$rel
[ -f "$image" ] || die "no $image"
[ -d "$kdir" ] || die "no $kdir (linux-headers-$rel)"
grep -qx 'CONFIG_PREEMPT_RT=y' "$kdir/.config" || die "$kdir is not a PREEMPT_RT kernel"
echo "$image"
echo "$kdir"
