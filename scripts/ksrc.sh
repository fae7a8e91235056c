#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Make sure the unpacked kernel source tree exists in the cache; print its path.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# The patches of scripts/kernel-patches/ are part of the tree: a new or
# changed one unpacks the source afresh.
want=$(ksrc_patches_hash)
unpacked() { [ "$(cat "$GOMAP_KSRC/.gomap-unpacked" 2>/dev/null)" = "$want" ]; }
if ! unpacked; then
	"$GOMAP_TOP/scripts/install-deps.sh"
	mkdir -p "$GOMAP_CACHE/src"
	exec 9>"$GOMAP_CACHE/.lock-src"
	flock 9
	if ! unpacked; then
		log "unpacking $GOMAP_KSRC_TARBALL"
		rm -rf "$GOMAP_KSRC"
		tar -C "$GOMAP_CACHE/src" -xf "$GOMAP_KSRC_TARBALL"
		for p in "$GOMAP_TOP"/scripts/kernel-patches/*.patch; do
			[ -f "$p" ] || continue
			log "applying $(basename "$p")"
			patch -d "$GOMAP_KSRC" -p1 --forward --quiet <"$p" || die "$p does not apply"
		done
		echo "$want" >"$GOMAP_KSRC/.gomap-unpacked"
	fi
fi
echo "$GOMAP_KSRC"
