# SPDX-License-Identifier: GPL-2.0
# Shared settings for the gomap test scripts. Sourced, not run.

GOMAP_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
GOMAP_CACHE=${GOMAP_CACHE:-/var/cache/gomap}
GOMAP_KSRC_TARBALL=/usr/src/linux-source-6.1.tar.xz
GOMAP_KSRC=$GOMAP_CACHE/src/linux-source-6.1

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ksrc_patches_hash: a hash of the patches scripts/ksrc.sh applies to the source.
ksrc_patches_hash() {
	cat /dev/null "$GOMAP_TOP"/scripts/kernel-patches/*.patch 2>/dev/null |
		sha256sum | cut -c1-16
}

# kernel_dir NAME: the cached build directory for scripts/NAME.config.
# Keyed by the fragment's content, the source patches and the source
# package version, so an edit to either or a new linux-source builds a
# fresh kernel.
kernel_dir() {
	local frag=$GOMAP_TOP/scripts/$1.config key
	key=$( { cat "$frag"; ksrc_patches_hash
		 dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null; } |
	       sha256sum | cut -c1-16)
	echo "$GOMAP_CACHE/kernel-$1-$key"
}

# rt_src: copy the module sources (Kbuild, Makefile, gomap/, bench/; no
# build products) to build/rt-src and print that path: modules built there
# against the PREEMPT_RT headers leave the tree's own objects, built for the
# debug kernel, as they are.  src_copy NAME does the same into build/NAME.
rt_src() {
	src_copy rt-src
}

src_copy() {
	local dst=$GOMAP_TOP/build/$1

	mkdir -p "$dst"
	rsync -a --delete --exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
		--exclude='*.mod.c' --exclude='.*.cmd' --include='/Kbuild' --include='/Makefile' \
		--include='/gomap/***' --include='/bench/***' --exclude='*' \
		"$GOMAP_TOP/" "$dst/" >&2 || die "cannot copy the sources to $dst"
	echo "$dst"
}

# apt_install_missing PACKAGE...: install the Debian packages that are not
# installed yet; does nothing (and touches no network) when all are there.
apt_install_missing() {
	local p missing=()

	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "install-deps: installing ${missing[*]}" >&2
	# Wait for another apt-get (a second make target, unattended upgrades)
	# instead of failing on its lock.
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
		--no-install-recommends \
		"${missing[@]}" >/dev/null
}
