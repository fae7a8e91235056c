# SPDX-License-Identifier: GPL-2.0
# Shared settings for the gomap test scripts. Sourced, not run.

GOMAP_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
GOMAP_CACHE=${GOMAP_CACHE:-/var/cache/gomap}
GOMAP_KSRC_TARBALL=/usr/src/linux-source-6.1.tar.xz
GOMAP_KSRC=$GOMAP_CACHE/src/linux-source-6.1

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# kernel_dir NAME: the cached build directory for scripts/NAME.config.
# Keyed by the fragment's content and the source package version, so an
# edit to the fragment or a new linux-source builds a fresh kernel.
kernel_dir() {
	local frag=$GOMAP_TOP/scripts/$1.config key
	key=$( { cat "$frag"; dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null; } |
	       sha256sum | cut -c1-16)
	echo "$GOMAP_CACHE/kernel-$1-$key"
}
