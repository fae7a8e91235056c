#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what the userspace harness needs, on Debian 12.
#   install-deps.sh          compilers, libFuzzer, xxHash (make check)
#   install-deps.sh bench    also Go 1.19, Abseil and gnuplot (make bench)
# Does nothing when everything is already there.
set -euo pipefail

pkgs=(build-essential clang libclang-rt-14-dev libxxhash-dev pkg-config)
if [ "${1:-}" = bench ]; then
	pkgs+=(golang-1.19-go libabsl-dev gnuplot-nox linux-perf g++)
fi

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
