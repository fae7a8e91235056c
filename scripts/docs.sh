#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# docs.sh [deps|html|kernel-doc]: the documentation checks.
#
#   deps        install Debian's python3-sphinx if it is missing
#   html        (default) build Documentation/ into build/htmldocs with
#               sphinx-build -W: any warning, kernel-doc's included, fails
#   kernel-doc  the kernel's scripts/kernel-doc -none -v on gomap/*.[ch];
#               fails if it prints anything but its "info:" progress lines
#
# Both use the kernel source tree of scripts/ksrc.sh (Documentation/sphinx/
# for the kerneldoc extension, scripts/kernel-doc); Documentation/conf.py
# finds it the same way, or through $KSRC.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cmd=${1:-html}

need_sphinx() {
	command -v sphinx-build >/dev/null || apt_install_missing python3-sphinx
}

ksrc() {
	KSRC=${KSRC:-$("$GOMAP_TOP/scripts/ksrc.sh")}
	export KSRC
}

case "$cmd" in
deps)
	need_sphinx
	;;
html)
	need_sphinx
	ksrc
	out=$GOMAP_TOP/build/htmldocs
	rm -rf "$out" "$GOMAP_TOP/build/doctrees"
	# -W: warnings are errors; --keep-going: report them all first.  conf.py
	# makes the build nitpicky: a reference to a missing gomap symbol warns.
	sphinx-build -W --keep-going -q -b html -d "$GOMAP_TOP/build/doctrees" \
		"$GOMAP_TOP/Documentation" "$out"
	log "HTML in $out/index.html"
	;;
kernel-doc)
	ksrc
	cd "$GOMAP_TOP"
	out=$("$KSRC/scripts/kernel-doc" -none -v gomap/*.c gomap/*.h 2>&1 |
	      grep -v ': info: Scanning doc for ' || true)
	if [ -n "$out" ]; then
		printf '%s\n' "$out" >&2
		die "kernel-doc reported problems"
	fi
	;;
*)
	die "usage: $0 [deps|html|kernel-doc]"
	;;
esac
