#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what building and booting the test kernel needs, on Debian 12.
# Does nothing when everything is already there.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

pkgs=(linux-source-6.1 qemu-system-x86 qemu-system-data busybox-static
      build-essential flex bison bc libelf-dev libssl-dev cpio xz-utils
      kmod python3 rsync patch)

apt_install_missing "${pkgs[@]}"
