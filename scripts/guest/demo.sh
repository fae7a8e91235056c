#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh: the scripted session of `make demo`, run in the VM after
# insmod gomap.ko.  It drives gomap through its debugfs files
# (Documentation/debugfs.rst) and prints every command before running it.

G=/sys/kernel/debug/gomap
M=$G/demo

say() { echo; echo "=== $*"; }
# run CMD: print a shell command the way you would type it, then run it.
run() {
	echo "# $*"
	eval "$@" || echo "(exit status $?: the write was refused)"
}
# growth: the stats fields that show a growth, on one line.
growth() {
	echo "    after $1 keys: $(grep -E '^(count|B|buckets|growing|nevacuate|grows|overflow_buckets|load_factor):' \
		$M/stats | tr '\n' ' ')"
}
# assign_range A B [MAP]: assign keys A..B (value = key * 10) to MAP's
# directory (default $M) in one write.
assign_range() {
	batch=$(awk -v a="$1" -v b="$2" 'BEGIN { for (k = a; k <= b; k++) printf "%d %d\n", k, k * 10 }')
	echo "$batch" >"${3:-$M}/assign"
}

say "gomap demo: Go's runtime hash map in the kernel, driven from a shell"
echo "gomap.ko is loaded. Its operator interface lives in $G/:"
echo "a control file to create and destroy named maps, and per map the files"
echo "assign, lookup, delete, clear, dump and stats. Everything is plain text."

say "Create a map with u64 keys and u64 values"
echo "shards=1 makes it exactly one Go map; more shards (the default is one"
echo "per CPU) let writers on different CPUs run in parallel."
run "echo 'create demo key=u64 value=u64 shards=1' > $G/control"
run "cat $G/control"
run "ls $M"
echo "A fresh map has B=0: one bucket of 8 slots, not even allocated yet."
run "cat $M/stats"

say "Grow it: assign keys in batches, watching the stats between batches"
echo "Go doubles the bucket array when count would exceed 6.5 * 2^B (the load"
echo "factor). The new array is filled lazily: each later write evacuates at"
echo "most two old buckets, so 'growing' stays 1 and 'nevacuate' (old buckets"
echo "done) climbs over several writes until the old array is gone."
echo "Each batch below is one write of 'KEY VALUE' lines (value = key * 10)."
echo
prev=0
for upto in 8 9 100 106 110 200 212 220 400 420 440 1000 2000 5000; do
	assign_range $((prev + 1)) $upto
	growth $upto
	prev=$upto
done
echo
echo "B went from 0 to $(sed -n 's/^B: //p' $M/stats): the map doubled $(sed -n 's/^grows: //p' $M/stats) times."
echo "Lines with growing: 1 were taken in the middle of an evacuation."

say "Look keys up"
echo "A lookup is a write of the key followed by a read on the same open file"
echo "(each open file keeps its own result):"
run "exec 3<>$M/lookup; echo 4242 >&3; cat <&3; exec 3>&-"
echo "A missing key fails the write with ENOENT:"
run "echo 99999 > $M/lookup"

say "Overwrite and delete"
run "echo '4242 7' > $M/assign"
run "exec 3<>$M/lookup; echo 4242 >&3; cat <&3; exec 3>&-"
run "printf '1\n2\n3\n' > $M/delete"
run "grep -E '^(count|B|deletes):' $M/stats"
echo "A few deletes change nothing else; Go's maps never shrink, but gomap halves"
echo "a map's array once deletes leave it under 1.625 entries a bucket."

say "Dump: every entry once, in Go's random iteration order"
run "head -n 5 $M/dump"
run "wc -l < $M/dump"

say "Bad input is refused and changes nothing"
run "echo 'create demo key=u64 value=u64 shards=1' > $G/control"
run "echo '12 not-a-number' > $M/assign"
run "printf '5000 1\n5001 x\n' > $M/assign"
echo "Line 1 of that write was fine, but a write with a malformed line applies"
echo "none of its lines, so 5000 keeps its value:"
run "exec 3<>$M/lookup; echo 5000 >&3; cat <&3; exec 3>&-"

say "Other kinds: string keys and string values"
run "echo 'create names key=str value=str:16' > $G/control"
run "printf 'alice engineer\nbob operator\ncarol maintainer\n' > $G/names/assign"
run "sort $G/names/dump"
run "cat $G/control"

say "Full stats of the demo map"
run "cat $M/stats"

say "Shards: the same keys in a map of 4 Go maps"
echo "Each shard has its own lock and arrays; a key's shard comes from its hash."
run "echo 'create wide key=u64 value=u64 shards=4' > $G/control"
echo "# (assign keys 1..5000 to wide, as above)"
assign_range 1 5000 $G/wide
run "grep -E '^(count|shards|max_shard_count|B|buckets|load_factor):' $G/wide/stats"

say "Destroy the maps"
run "printf 'destroy demo\ndestroy names\ndestroy wide\n' > $G/control"
run "cat $G/control"
run "ls $G"
echo
echo "Done. 'make qemu' gives you this VM with a shell to try it yourself;"
echo "Documentation/debugfs.rst describes every file and error."
