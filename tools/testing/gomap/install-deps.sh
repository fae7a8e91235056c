#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what the userspace harness needs, on Debian 12.
#   install-deps.sh          compilers, libFuzzer, xxHash (make check)
#   install-deps.sh bench    also Go 1.19, Abseil, gnuplot and valgrind (make bench,
#                            make bench-instr)
# Does nothing when everything is already there.
set -euo pipefail
. "$(dirname "$0")/../../../scripts/lib.sh"

pkgs=(build-essential clang libclang-rt-14-dev libxxhash-dev pkg-config)
if [ "${1:-}" = bench ]; then
	pkgs+=(golang-1.19-go libabsl-dev gnuplot-nox linux-perf g++ valgrind)
fi

apt_install_missing "${pkgs[@]}"
