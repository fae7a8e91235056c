#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Make sure the unpacked kernel source tree exists in the cache; print its path.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if [ ! -f "$GOMAP_KSRC/.gomap-unpacked" ]; then
	"$GOMAP_TOP/scripts/install-deps.sh"
	mkdir -p "$GOMAP_CACHE/src"
	exec 9>"$GOMAP_CACHE/.lock-src"
	flock 9
	if [ ! -f "$GOMAP_KSRC/.gomap-unpacked" ]; then
		log "unpacking $GOMAP_KSRC_TARBALL"
		rm -rf "$GOMAP_KSRC"
		tar -C "$GOMAP_CACHE/src" -xf "$GOMAP_KSRC_TARBALL"
		touch "$GOMAP_KSRC/.gomap-unpacked"
	fi
fi
echo "$GOMAP_KSRC"
