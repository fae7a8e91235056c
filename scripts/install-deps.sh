#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what building and booting the test kernel needs, on Debian 12.
# Does nothing when everything is already there.
set -euo pipefail

pkgs=(linux-source-6.1 qemu-system-x86 qemu-system-data busybox-static
      build-essential flex bison bc libelf-dev libssl-dev cpio xz-utils
      kmod python3 rsync)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
