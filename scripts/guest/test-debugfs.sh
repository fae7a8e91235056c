#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# test-debugfs.sh: the debugfs interface of gomap.ko, as documented in
# Documentation/debugfs.rst.  Runs in the test VM (busybox sh) after
# insmod gomap.ko, prints TAP and exits non-zero if any test failed.
#
# Every file, every errno, multi-line semantics, concurrent writers and
# readers, destroy under open files, then a random fuzz of every file
# followed by a check that the reference maps did not change.
#
#   GOMAP_FUZZ_WRITES  fuzz writes (default 12000, at least 10000 for a full run)
#   GOMAP_FUZZ_SEED    replay a fuzz run (default: 4 bytes of /dev/urandom)

G=/sys/kernel/debug/gomap
C=$G/control
T=$(mktemp -d /tmp/gmd.XXXXXX)
FUZZ_WRITES=${GOMAP_FUZZ_WRITES:-12000}
FUZZ_SEED=${GOMAP_FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}

EINVAL="Invalid argument"
E2BIG="Argument list too long"
ENOENT="No such file or directory"
ENOSPC="No space left on device"
ENOMEM="Cannot allocate memory"
EEXIST="File exists"
ENODEV="No such device"

n=0
nfail=0
pass() { n=$((n + 1)); echo "ok $n - $*"; }
fail() { n=$((n + 1)); nfail=$((nfail + 1)); echo "not ok $n - $*"; }
# t DESC CMD...: passes if CMD succeeds.
t() { _d=$1; shift; if "$@"; then pass "$_d"; else fail "$_d"; fi; }
# note TEXT: a TAP comment, stamped with the guest's uptime in seconds.
note() { read -r _up _ </proc/uptime; echo "# [${_up%.*}s] $*"; }

# w FILE TEXT: one write(2) of TEXT (the echo builtin writes it in one
# call); sets rc and err, the strerror text of a failure.
w() {
	echo -n "$2" 2>"$T/err" >"$1"
	rc=$?
	err=
	read -r err <"$T/err"
	err=${err##*: }
}

# ok DESC FILE TEXT: the write succeeds.
ok() {
	w "$2" "$3"
	if [ $rc -eq 0 ]; then pass "$1"; else fail "$1 (failed: $err)"; fi
}

# bad DESC ERRTEXT FILE TEXT: the write fails with that errno.
bad() {
	w "$3" "$4"
	if [ $rc -ne 0 ] && [ "$err" = "$2" ]; then
		pass "$1"
	else
		fail "$1 (rc=$rc err='$err', want '$2')"
	fi
}

# lk MAP KEY: look KEY up on a fresh open file; sets rc, err and val.
lk() {
	exec 9<>"$G/$1/lookup"
	echo -n "$2" 2>"$T/err" >&9
	rc=$?
	err=
	read -r err <"$T/err"
	err=${err##*: }
	val=
	IFS= read -r val <&9
	exec 9>&-
}

# has MAP KEY VALUE: KEY is present with VALUE.
has() { lk "$1" "$2"; [ $rc -eq 0 ] && [ "$val" = "$3" ]; }
# hasnt MAP KEY: KEY is absent (lookup fails with ENOENT).
hasnt() { lk "$1" "$2"; [ $rc -ne 0 ] && [ "$err" = "$ENOENT" ]; }
# stat1 MAP FIELD: one field of MAP's stats.
stat1() { sed -n "s/^$2: //p" "$G/$1/stats"; }
count() { stat1 "$1" count; }
# put FILE SRC: the contents of SRC (under 64 KiB) in one write(2); cat
# might split a line across two writes.
put() { _v=$(cat "$2"); echo "$_v" >"$1"; }
mk() { echo "create $*" >$C; }
rm_map() { echo "destroy $1" >$C; }
# lines M A B: "KEY VALUE" lines for keys A..B, VALUE = KEY * M.
lines() {
	awk -v m="$1" -v a="$2" -v b="$3" 'BEGIN { for (k = a; k <= b; k++) printf "%d %d\n", k, k * m }'
}
# sorted_dump MAP FILE
sorted_dump() { sort "$G/$1/dump" >"$2"; }
# dups FILE: print duplicated lines.
dups() { sort "$1" | uniq -d; }

# What scripts/verdict.py calls a kernel splat.
SPLAT='BUG:|WARNING:|KASAN:|UBSAN:|general protection fault|Oops|Kernel panic|Call Trace:'
SPLAT="$SPLAT|possible recursive locking|possible circular locking|inconsistent lock state"
SPLAT="$SPLAT|INFO: lockdep|suspicious RCU usage|DEBUG_LOCKS_WARN_ON|sleeping function called"
SPLAT="$SPLAT|RCU stall|detected stall|hung_task|blocked for more than|soft lockup"
dmesg0=$(dmesg | wc -l)

echo "TAP version 13"
note "test-debugfs.sh: gomap debugfs interface; fuzz seed $FUZZ_SEED"

# ---------------------------------------------------------------------------
note "control: create, list, destroy"

t "$G/control exists" [ -f $C ]
t "control is mode 0600" [ "$(stat -c %a $C)" = 600 ]
base=$(cat $C)

ok "create m key=u64 value=u64" $C "create m key=u64 value=u64"
t "m/ has the six files" [ "$(ls $G/m | sort | tr '\n' ' ')" = "assign clear delete dump lookup stats " ]
modes=$(stat -c %a $G/m/* | sort -u | tr '\n' ' ')
t "every map file is mode 0600 ($modes)" [ "$modes" = "600 " ]
t "control lists m with kinds and count" \
	grep -qxE "m key=u64 value=u64 count=0 prealloc=0 shards=[0-9]+" $C
ok "create maps of 1, 2 and 64 shards" $C "create s1 key=u64 value=u64 shards=1
create s2 key=str value=u64 shards=2
create s64 key=u32 value=none shards=64"
t "control shows their shards" [ "$(grep -c -e '^s1 .* shards=1$' -e '^s2 .* shards=2$' \
	-e '^s64 .* shards=64$' $C)" = 3 ]
t "stats shows their shards" eval '[ "$(stat1 s1 shards) $(stat1 s2 shards) $(stat1 s64 shards)" = "1 2 64" ]'
bad "shards=3, not a power of two: EINVAL" "$EINVAL" $C "create sb key=u64 value=u64 shards=3"
bad "shards=512, over the most: EINVAL" "$EINVAL" $C "create sb key=u64 value=u64 shards=512"
bad "shards given twice: EINVAL" "$EINVAL" $C "create sb key=u64 value=u64 shards=2 shards=2"
bad "prealloc with shards=2: EINVAL" "$EINVAL" $C "create sb key=u64 value=u64 max=10 prealloc shards=2"
t "no map sb was made" [ ! -e $G/sb ]
ok "destroy them" $C "destroy s1
destroy s2
destroy s64"
ok "create a preallocated map" $C "create pa key=u64 value=hex:200 max=1000 prealloc"
t "control shows it preallocated" grep -q "^pa key=u64 value=hex:200 count=0 prealloc=1" $C
t "its reserve holds a copy for each value" [ "$(sed -n 's/^reserve_bytes: //p' $G/pa/stats)" -ge 200000 ]
bad "prealloc without max: EINVAL" "$EINVAL" $C "create pb key=u64 value=u64 prealloc"
bad "prealloc with string keys: EINVAL" "$EINVAL" $C "create pb key=str value=u64 max=10 prealloc"
bad "prealloc given twice: EINVAL" "$EINVAL" $C "create pb key=u64 value=u64 max=10 prealloc prealloc"
t "no map pb was made" [ ! -e $G/pb ]
ok "destroy pa" $C "destroy pa"
bad "create of an existing name: EEXIST" "$EEXIST" $C "create m key=u32 value=none"
bad "create named control: EEXIST" "$EEXIST" $C "create control key=u32 value=none"
ok "every kind, hint and max" $C "create k1 key=u32 value=none hint=100 max=5
create k2 key=str value=str:4096
create k3 key=hex:512 value=hex:512 hint=0x10
create k4 key=hex:1 value=str:1 max=0"
t "control shows all four with their kinds" \
	[ "$(grep -c -e '^k1 key=u32 value=none count=0' -e '^k2 key=str value=str:4096 count=0' \
	     -e '^k3 key=hex:512 value=hex:512 count=0' -e '^k4 key=hex:1 value=str:1 count=0' $C)" = 4 ]
ok "a 32-character name of every allowed character" $C \
	"create aZ09_.-aaaaaaaaaaaaaaaaaaaaaaaaa key=u64 value=u64"
t "its directory exists" [ -d "$G/aZ09_.-aaaaaaaaaaaaaaaaaaaaaaaaa" ]
ok "destroy it and k1..k4 in one write" $C "destroy aZ09_.-aaaaaaaaaaaaaaaaaaaaaaaaa
destroy k1
destroy k2

destroy k3
destroy k4
"
t "their directories are gone" eval '[ ! -e $G/k1 ] && [ ! -e $G/k4 ]'
bad "destroy of a missing map: ENOENT" "$ENOENT" $C "destroy nosuch"

while IFS='|' read -r what line; do
	bad "control EINVAL: $what" "$EINVAL" $C "$line"
done <<'EOF'
unknown command|frob x
upper-case command|CREATE x key=u64 value=u64
no arguments|create
no value=|create x key=u64
no key=|create x value=u64
unknown key kind|create x key=u16 value=u64
value kind as key|create x key=none value=u64
key kind as value|create x key=u64 value=str
str:N as key|create x key=str:8 value=u64
u32 as value|create x key=u64 value=u32
hex:0|create x key=hex:0 value=u64
hex:513|create x key=hex:513 value=u64
hex without N|create x key=hex: value=u64
hex:N not a number|create x key=hex:z value=u64
str:0|create x key=u64 value=str:0
str:4097|create x key=u64 value=str:4097
duplicate key=|create x key=u64 key=u64 value=u64
unknown option|create x key=u64 value=u64 size=3
hint not a number|create x key=u64 value=u64 hint=abc
hint out of range|create x key=u64 value=u64 hint=4294967296
max negative|create x key=u64 value=u64 max=-1
max empty|create x key=u64 value=u64 max=
name of 33 characters|create abcdefghijklmnopqrstuvwxyz0123456 key=u64 value=u64
name with a slash|create a/b key=u64 value=u64
name with a colon|create a:b key=u64 value=u64
name .|create . key=u64 value=u64
name ..|create .. key=u64 value=u64
double space|create  x key=u64 value=u64
trailing space|create x key=u64 value=u64 
leading space| create x key=u64 value=u64
destroy without a name|destroy
destroy with two names|destroy m m
destroy of a bad name|destroy a/b
EOF
bad "control EINVAL: name with a Latin-1 letter" "$EINVAL" $C "create caf$(printf '\351') key=u64 value=u64"
t "none of the malformed creates made a map" [ ! -e $G/x ]
t "m survived the malformed destroys" [ -d $G/m ]

bad "multi-line create with one malformed line: EINVAL" "$EINVAL" $C "create a1 key=u32 value=u64
create a2 key=bogus value=u64
create a3 key=u32 value=u64"
t "... and none of its lines applied" eval '[ ! -e $G/a1 ] && [ ! -e $G/a3 ]'
bad "create, create existing, create: EEXIST at line 2" "$EEXIST" $C "create b1 key=u32 value=u64
create m key=u32 value=u64
create b2 key=u32 value=u64"
t "... line 1 stays applied, line 3 not" eval '[ -d $G/b1 ] && [ ! -e $G/b2 ]'
bad "destroy, destroy missing, destroy: ENOENT at line 2" "$ENOENT" $C "destroy b1
destroy nosuch
destroy m"
t "... line 1 applied, line 3 not" eval '[ ! -e $G/b1 ] && [ -d $G/m ]'

pad=$(head -c 65540 /dev/zero | tr '\0' '\n'; echo -n "create big1 key=u32 value=u64")
bad "control write of more than 64 KiB: E2BIG" "$E2BIG" $C "$pad"
t "... changed nothing" [ ! -e $G/big1 ]
pad=$(head -c $((65536 - 29)) /dev/zero | tr '\0' '\n'; echo -n "create big1 key=u32 value=u64")
t "a 64 KiB write is ${#pad} bytes" [ ${#pad} -eq 65536 ]
ok "a control write of exactly 64 KiB, mostly blank lines" $C "$pad"
t "... applied its one command" [ -d $G/big1 ]
rm_map big1
bad "create with a hint too big to allocate: ENOMEM" "$ENOMEM" $C \
	"create huge key=u64 value=u64 hint=4294967295"
t "... and made no map" [ ! -e $G/huge ]

# ---------------------------------------------------------------------------
note "assign, lookup, delete, clear on u64 -> u64"

ok "assign 1 100" $G/m/assign "1 100"
t "lookup 1 reads 100" has m 1 100
ok "overwrite 1 200" $G/m/assign "1 200"
t "lookup 1 reads 200" has m 1 200
t "count stays 1" [ "$(count m)" = 1 ]
ok "0x-hex key and value" $G/m/assign "0x10 0xff"
t "lookup 16 reads 255 in decimal" has m 16 255
t "lookup 0X10 finds it too" has m 0X10 255
ok "a leading zero is decimal, not octal" $G/m/assign "010 7"
t "lookup 10 reads 7" has m 10 7
ok "U64_MAX key and value" $G/m/assign "18446744073709551615 18446744073709551615"
t "lookup U64_MAX" has m 0xffffffffffffffff 18446744073709551615
ok "tab separator" $G/m/assign "$(printf '2\t20')"
t "lookup 2 reads 20" has m 2 20
ok "multi-line write with blank lines and no final newline" $G/m/assign "3 30

4 40
  
5 50"
t "lines 1-3 all applied" eval 'has m 3 30 && has m 4 40 && has m 5 50'

while IFS='|' read -r what line; do
	bad "assign EINVAL: $what" "$EINVAL" $G/m/assign "$line"
done <<'EOF'
key only|7
three tokens|7 8 9
key not a number|x 1
value not a number|7 y
negative value|7 -1
plus sign|+7 1
key out of range|18446744073709551616 1
value out of range|7 18446744073709551616
bare 0x|0x 1
bad hex digit|0x1g 1
double space|7  8
trailing space|7 8 
leading space| 7 8
EOF
bad "assign EINVAL: carriage return" "$EINVAL" $G/m/assign "7 8$(printf '\r')"
t "none of them assigned key 7" hasnt m 7
bad "multi-line assign with a malformed line: EINVAL" "$EINVAL" $G/m/assign "6 60
7 x
8 80"
t "... applied none of its lines" eval 'hasnt m 6 && hasnt m 8'

bad "lookup of a missing key: ENOENT" "$ENOENT" $G/m/lookup "999"
lk m 999
t "a failed lookup leaves nothing to read" [ -z "$val" ]
bad "lookup of a blank line: EINVAL" "$EINVAL" $G/m/lookup "
"
bad "lookup of two keys: EINVAL" "$EINVAL" $G/m/lookup "1
2"
bad "lookup of a bad key: EINVAL" "$EINVAL" $G/m/lookup "1x"
bad "lookup with a value: EINVAL" "$EINVAL" $G/m/lookup "1 200"

exec 7<>$G/m/lookup
exec 8<>$G/m/lookup
echo 3 >&7
echo 4 >&8
IFS= read -r v7 <&7
IFS= read -r v8 <&8
t "two open lookup files keep their own results (30, 40)" eval '[ "$v7" = 30 ] && [ "$v8" = 40 ]'
echo 5 >&7
IFS= read -r v7 <&7
t "a second write on one file replaces its result (50)" [ "$v7" = 50 ]
t "the result is read once, then EOF" [ -z "$(cat <&7)" ]
echo 5 >&7
t "a new write rewinds the result" [ "$(cat <&7)" = 50 ]
exec 7>&- 8>&-

t "lookup of a key with a leading zero" has m 0003 30
ok "delete 1" $G/m/delete "1"
t "1 is gone" hasnt m 1
bad "delete of a missing key: ENOENT" "$ENOENT" $G/m/delete "1"
bad "delete of a bad key: EINVAL" "$EINVAL" $G/m/delete "zz"
bad "delete with two tokens: EINVAL" "$EINVAL" $G/m/delete "2 20"
bad "multi-line delete with a malformed line: EINVAL" "$EINVAL" $G/m/delete "2
zz"
t "... deleted nothing" has m 2 20
bad "delete 2, 3, missing 999, 4: ENOENT at line 3" "$ENOENT" $G/m/delete "2
3
999
4"
t "... 2 and 3 deleted, 4 kept" eval 'hasnt m 2 && hasnt m 3 && has m 4 40'
ok "delete several in one write" $G/m/delete "4
5"
t "4 and 5 gone" eval 'hasnt m 4 && hasnt m 5'

pad=$(head -c 65540 /dev/zero | tr '\0' '\n'; echo -n "77 77")
bad "assign write of more than 64 KiB: E2BIG" "$E2BIG" $G/m/assign "$pad"
t "... assigned nothing" hasnt m 77
bad "delete write of more than 64 KiB: E2BIG" "$E2BIG" $G/m/delete "$pad"
bad "lookup write of more than 64 KiB: E2BIG" "$E2BIG" $G/m/lookup "$pad"
c0=$(count m)
bad "clear write of more than 64 KiB: E2BIG" "$E2BIG" $G/m/clear "$pad"
t "... cleared nothing (count $c0)" eval '[ "$(count m)" = "$c0" ] && [ "$c0" -gt 0 ]'
ok "clear (any text)" $G/m/clear "whatever"
t "count is 0 after clear" [ "$(count m)" = 0 ]
t "dump is empty after clear" [ -z "$(cat $G/m/dump)" ]
ok "the map works after clear" $G/m/assign "5 55"
t "lookup 5 reads 55" has m 5 55
bad "writing dump: EINVAL" "$EINVAL" $G/m/dump "1 1"
bad "writing stats: EINVAL" "$EINVAL" $G/m/stats "1 1"
t "reading assign fails" sh -c "! cat $G/m/assign 2>/dev/null"

# ---------------------------------------------------------------------------
note "ENOSPC: max=3"

mk "s key=u32 value=u64 max=3"
bad "assign 5 keys to a max=3 map: ENOSPC at line 4" "$ENOSPC" $G/s/assign "1 1
2 2
3 3
4 4
5 5"
t "... lines 1-3 applied, 4-5 not" eval '[ "$(count s)" = 3 ] && has s 3 3 && hasnt s 4 && hasnt s 5'
ok "overwrite at max still works" $G/s/assign "2 22"
t "lookup 2 reads 22" has s 2 22
ok "clear s" $G/s/clear 1
ok "u32 key 4294967295" $G/s/assign "4294967295 1"
bad "u32 key 4294967296: EINVAL" "$EINVAL" $G/s/assign "4294967296 1"
rm_map s

# ---------------------------------------------------------------------------
note "str keys, str:N values"

mk "st key=str value=str:8"
ok "assign hello world" $G/st/assign "hello world"
t "lookup hello reads world" has st hello world
ok "a value of exactly 8 bytes" $G/st/assign "k8 12345678"
t "lookup k8" has st k8 12345678
bad "a value of 9 bytes: E2BIG" "$E2BIG" $G/st/assign "k9 123456789"
t "... not assigned" hasnt st k9
k4096=$(head -c 4096 /dev/zero | tr '\0' K)
ok "a key of 4096 bytes" $G/st/assign "$k4096 long"
t "lookup of the 4096-byte key" has st "$k4096" long
bad "a key of 4097 bytes: E2BIG" "$E2BIG" $G/st/assign "${k4096}K v"
bad "lookup of a 4097-byte key: E2BIG" "$E2BIG" $G/st/lookup "${k4096}K"
bad "delete of a 4097-byte key: E2BIG" "$E2BIG" $G/st/delete "${k4096}K"
bad "E2BIG at line 2 applies nothing" "$E2BIG" $G/st/assign "a1 v
a2 123456789"
t "... a1 not assigned" hasnt st a1
cr=$(printf '\r')
bad "a key with a carriage return: EINVAL" "$EINVAL" $G/st/assign "a${cr}b v"
bad "a value with a vertical tab: EINVAL" "$EINVAL" $G/st/assign "ab $(printf 'v\vw')"
bin=$(printf 'k\001\177\200\377')
ok "a key of control and high bytes" $G/st/assign "$bin bin"
t "lookup of it" has st "$bin" bin
ok "a value with punctuation" $G/st/assign "p a=b:c%d"
t "lookup reads it back exactly" has st p "a=b:c%d"
printf 'hello world\nk8 12345678\n%s long\n%s bin\np a=b:c%%d\n' "$k4096" "$bin" | sort >$T/exp
sorted_dump st $T/got
t "dump prints every string exactly" cmp -s $T/exp $T/got
ok "delete hello" $G/st/delete hello
t "hello gone" hasnt st hello
rm_map st

# ---------------------------------------------------------------------------
note "hex:N keys and values, value=none"

mk "hx key=hex:4 value=hex:3"
ok "assign deadbeef 0a0b0c" $G/hx/assign "deadbeef 0a0b0c"
t "lookup DEADBEEF reads lower-case 0a0b0c" has hx DEADBEEF 0a0b0c
t "dump prints lower-case hex" [ "$(cat $G/hx/dump)" = "deadbeef 0a0b0c" ]
bad "7 hex digits for hex:4: EINVAL" "$EINVAL" $G/hx/assign "deadbee 0a0b0c"
bad "10 hex digits for hex:4: EINVAL" "$EINVAL" $G/hx/assign "deadbeef00 0a0b0c"
bad "a non-hex digit: EINVAL" "$EINVAL" $G/hx/assign "deadbeeg 0a0b0c"
bad "a 0x prefix: EINVAL" "$EINVAL" $G/hx/assign "0xdeadbe 0a0b0c"
bad "a 2-byte value for hex:3: EINVAL" "$EINVAL" $G/hx/assign "deadbeef 0a0b"
rm_map hx

mk "big key=hex:512 value=hex:512"
h512=$(head -c 1024 /dev/zero | tr '\0' a)
ok "hex:512 key and value" $G/big/assign "$h512 $h512"
t "lookup it" has big "$h512" "$h512"
rm_map big

mk "set key=u64 value=none"
ok "assign 5 to a set" $G/set/assign "5"
bad "a value on a set: EINVAL" "$EINVAL" $G/set/assign "5 6"
lk set 5
t "lookup of 5 on a set reads an empty line" eval '[ $rc -eq 0 ] && [ -z "$val" ]'
t "lookup of 5 returns exactly one newline" [ "$(exec 9<>$G/set/lookup; echo 5 >&9; od -An -c <&9 | tr -d ' ')" = '\n' ]
ok "assign 6 7 8" $G/set/assign "6
7
8"
t "dump prints keys only" [ "$(sort $G/set/dump | tr '\n' ' ')" = "5 6 7 8 " ]
rm_map set

# ---------------------------------------------------------------------------
note "stats and dump"

mk "d key=u64 value=u64 shards=1"
lines 3 0 999 >$T/d1
t "assign 1000 keys in one write" put $G/d/assign $T/d1
sort $T/d1 >$T/exp
sorted_dump d $T/got
t "dump gives all 1000 entries once" cmp -s $T/exp $T/got
dd if=$G/d/dump bs=7 2>/dev/null | sort >$T/got
t "dump read 7 bytes at a time gives them all once" cmp -s $T/exp $T/got
missing=
for f in count shards max_shard_count B buckets noverflow overflow_buckets growing same_size_grow nevacuate grows \
	 same_size_grows load_factor bytes max_evacuated_per_op assigns lookups deletes hits misses; do
	grep -q "^$f: " $G/d/stats || missing="$missing $f"
done
t "stats has every field the issue lists${missing:+ (missing:$missing)}" [ -z "$missing" ]
t "every stats line is 'name: decimal'" sh -c "! grep -vE '^[a-z_A-Z]+: [0-9]+(\.[0-9][0-9])?$' $G/d/stats"
t "stats count is 1000" [ "$(count d)" = 1000 ]
B=$(stat1 d B)
t "B grew (B=$B) and buckets = 2^B" eval '[ "$B" -ge 7 ] && [ "$(stat1 d buckets)" = $((1 << B)) ]'
want=$(awk -v c=1000 -v b=$((1 << B)) 'BEGIN { x = int(c * 100 / b + 0.5); printf "%d.%02d", x / 100, x % 100 }')
t "load_factor = count / 2^B = $want" [ "$(stat1 d load_factor)" = "$want" ]
t "grows >= $B" [ "$(stat1 d grows)" -ge "$B" ]
mk "d4 key=u64 value=u64 shards=4"
t "the same keys into 4 shards" put $G/d4/assign $T/d1
t "its stats: 4 shards, count 1000" eval '[ "$(stat1 d4 shards) $(count d4)" = "4 1000" ]'
t "the most loaded shard holds between 250 and 1000" \
	eval '[ "$(stat1 d4 max_shard_count)" -ge 250 ] && [ "$(stat1 d4 max_shard_count)" -lt 1000 ]'
b4=$(stat1 d4 buckets)
want=$(awk -v c=1000 -v b="$b4" 'BEGIN { x = int(c * 100 / b + 0.5); printf "%d.%02d", x / 100, x % 100 }')
t "load_factor = count / buckets of all shards = $want" [ "$(stat1 d4 load_factor)" = "$want" ]
sorted_dump d4 $T/got
t "its dump gives all 1000 entries once" cmp -s $T/exp $T/got
rm_map d4

# Deletes shrink a map; noshrink keeps its arrays.
mk "sh key=u64 value=u64 shards=1"
mk "ns key=u64 value=u64 shards=1 noshrink"
lines 1 0 4999 >$T/sh1
t "5000 keys into sh and ns" eval 'put $G/sh/assign $T/sh1 && put $G/ns/assign $T/sh1'
Bsh=$(stat1 sh B)
awk 'BEGIN { for (k = 10; k < 5000; k++) print k }' >$T/sh2
t "delete all but 10 from both" eval 'put $G/sh/delete $T/sh2 && put $G/ns/delete $T/sh2'
# Each shrink needs the map's worker (an irq_work, then a workqueue) and a
# later delete: deletes of absent keys, a pause between them.
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	echo 4999 >$G/sh/delete 2>/dev/null
	echo 4999 >$G/ns/delete 2>/dev/null
	sleep 0.05
done
for i in $(seq 1 200); do echo 4999 >$G/sh/delete 2>/dev/null; done
t "sh shrank (B $Bsh -> $(stat1 sh B), shrinks $(stat1 sh shrinks))" \
	eval '[ "$(stat1 sh shrinks)" -ge 2 ] && [ "$(stat1 sh B)" -lt "$Bsh" ]'
t "ns kept B $(stat1 ns B) and never shrank" \
	eval '[ "$(stat1 ns B)" = "$Bsh" ] && [ "$(stat1 ns shrinks)" = 0 ]'
t "sh still holds its 10 keys" eval 'has sh 0 0 && has sh 9 9 && [ "$(count sh)" = 10 ]'
t "noshrink given twice: EINVAL" eval '! echo "create nb key=u64 value=u64 noshrink noshrink" >$C 2>/dev/null'
rm_map sh
rm_map ns
t "assigns counted" [ "$(stat1 d assigns)" -ge 1000 ]
h0=$(stat1 d hits)
m0=$(stat1 d misses)
lk d 5
lk d 5000
t "a hit and a miss are counted" eval '[ "$(stat1 d hits)" = $((h0 + 1)) ] && [ "$(stat1 d misses)" = $((m0 + 1)) ]'
t "control and stats print no kernel pointer" sh -c "! cat $C $G/d/stats | grep -qiE 'ffff[0-9a-f]{8}|0x'"

mk "bv key=u32 value=str:4096"
v4096=$(head -c 4096 /dev/zero | tr '\0' v)
for k in 1 2 3 4 5; do echo -n "$k $v4096" >$G/bv/assign; done
for k in 1 2 3 4 5; do echo "$k $v4096"; done >$T/exp
sorted_dump bv $T/got
t "dump of 5 records larger than a page" cmp -s $T/exp $T/got
dd if=$G/bv/dump bs=1000 2>/dev/null | sort >$T/got
t "... also read 1000 bytes at a time" cmp -s $T/exp $T/got
rm_map bv

# ---------------------------------------------------------------------------
note "concurrent writers and readers"

# Batches made up front, so the writers below only write.
awk -v T=$T 'BEGIN {
	for (j = 0; j < 4; j++)
		for (b = 0; b < 4; b++) {
			f = T "/cc." j "." b
			for (k = j * 1000 + b * 250; k < j * 1000 + b * 250 + 250; k++)
				printf "%d %d\n", k, k * 7 >f
			close(f)
		}
	for (k = 0; k < 400; k++) {
		printf "%d %d\n", k, k >(T "/ca")
		if (k % 2 == 0)
			print k >(T "/cd")
	}
	for (b = 0; b < 12; b++) {
		f = T "/gr." b
		for (k = b * 500; k < b * 500 + 500; k++)
			printf "%d %d\n", k, k >f
		close(f)
	}
}'

mk "cc key=u64 value=u64"
for j in 0 1 2 3; do
	(
		for b in 0 1 2 3; do
			put $G/cc/assign $T/cc.$j.$b || echo "# writer $j failed"
		done
	) &
done
(
	i=0
	while [ $i -lt 3 ]; do
		cat $G/cc/dump >$T/ccd
		[ -z "$(dups $T/ccd)" ] || echo "# reader: duplicate in dump"
		cat $G/cc/stats $C >/dev/null
		exec 9<>$G/cc/lookup
		echo 5 >&9 2>/dev/null && read -r x <&9
		exec 9>&-
		i=$((i + 1))
	done
) >$T/reader &
wait
t "4 writers x 1000 keys: count 4000" [ "$(count cc)" = 4000 ]
cat $T/cc.* | sort >$T/exp
sorted_dump cc $T/got
t "every value is right" cmp -s $T/exp $T/got
t "readers saw no duplicate and no error" [ ! -s $T/reader ]

# Deleters and assigners on the same keys: whatever wins, dump and count agree.
for j in 0 1; do
	(
		for i in 1 2 3; do
			put $G/cc/assign $T/ca
			put $G/cc/delete $T/cd 2>/dev/null
		done
	) &
done
wait
t "after racing deletes, dump lines = count" [ "$(wc -l <$G/cc/dump)" -eq "$(count cc)" ]

# The Go iterator under growth: entries present for the whole dump come out
# exactly once while another process keeps adding keys.
mk "gr key=u64 value=u64"
put $G/gr/assign $T/gr.0
(
	for b in 1 2 3 4 5 6 7 8 9 10 11; do
		put $G/gr/assign $T/gr.$b
	done
) &
gw=$!
okg=1
r=0
while [ $r -lt 3 ]; do
	dd if=$G/gr/dump bs=64 2>/dev/null >$T/grd
	[ -z "$(dups $T/grd)" ] || { okg=0; note "dump $r has duplicates"; }
	[ "$(grep -cE '^([0-9]|[0-9][0-9]|[1-4][0-9][0-9]) ' $T/grd)" = 500 ] ||
		{ okg=0; note "dump $r lost an old key"; }
	note "dump $r during growth: $(wc -l <$T/grd) entries"
	r=$((r + 1))
done
t "3 dumps during growth: old keys once each, no duplicate" [ $okg = 1 ]
wait $gw
t "the growing map reached 6000" [ "$(count gr)" = 6000 ]
rm_map gr

# ---------------------------------------------------------------------------
note "destroy while files are open"

mk "x key=u64 value=u64"
echo "1 1
2 2
3 3" >$G/x/assign
exec 3<$G/x/stats
exec 4<$G/x/dump
dd bs=2 count=1 <&4 2>/dev/null >/dev/null	# seq_file keeps the rest of the line
exec 5<>$G/x/lookup
echo 1 >&5
exec 6>$G/x/assign
t "destroy x while 4 of its files are open" rm_map x
t "its directory is gone" [ ! -e $G/x ]
cat <&3 >/dev/null 2>$T/err
rc=$?
read -r err <$T/err
t "reading the open stats file: ENODEV ($err)" eval '[ $rc -ne 0 ] && [ "${err##*: }" = "$ENODEV" ]'
dd bs=2 count=1 <&4 >/dev/null 2>$T/err
rc=$?
t "reading the open, half-read dump file fails" eval '[ $rc -ne 0 ] && grep -q "$ENODEV" $T/err'
cat <&5 >/dev/null 2>$T/err
t "reading the open lookup file: ENODEV" grep -q "$ENODEV" $T/err
echo 1 >&5 2>$T/err
t "writing the open lookup file: ENODEV" grep -q "$ENODEV" $T/err
echo "4 4" >&6 2>$T/err
t "writing the open assign file: ENODEV" grep -q "$ENODEV" $T/err
exec 3<&- 4<&- 5>&- 6>&-
ok "create x again" $C "create x key=u32 value=none"
t "the new x is empty" [ "$(count x)" = 0 ]
rm_map x

# ---------------------------------------------------------------------------
note "ENOMEM at line k (fault injection)"

# /proc/self/fail-nth fails the Nth fault-injection check of one task: here
# the map's own hook (fail_gomap) and failslab for its atomic allocations.
# Every string key is copied into the map, so each line allocates.
fs=/sys/kernel/debug/failslab
if [ -w /proc/self/fail-nth ] && [ -d /sys/kernel/debug/fail_gomap ]; then
	verb=$(cat $fs/verbose 2>/dev/null)
	echo 0 >$fs/verbose 2>/dev/null		# no stack dump per failure
	mk "fm key=str value=u64"
	okp=1
	partial=0
	nth=1
	while [ $nth -le 12 ]; do
		echo 1 >$G/fm/clear
		(
			exec 4>$G/fm/assign
			echo $nth >/proc/self/fail-nth
			echo -n "ka 1
kb 2
kc 3
kd 4" >&4
			r=$?
			echo 0 >/proc/self/fail-nth
			exit $r
		) 2>$T/err
		wrc=$?
		werr=
		read -r werr <$T/err
		werr=${werr##*: }
		got=
		for k in ka kb kc kd; do
			lk fm $k
			[ $rc -eq 0 ] && got="$got$k "
		done
		note "fail-nth $nth: ${werr:-ok}, applied: ${got:-nothing}"
		case "$got" in
		"" | "ka " | "ka kb " | "ka kb kc " | "ka kb kc kd ") ;;
		*) okp=0 ;;
		esac
		if [ $wrc -eq 0 ]; then
			[ "$got" = "ka kb kc kd " ] || okp=0
		elif [ "$werr" = "$ENOMEM" ]; then
			[ "$got" != "ka kb kc kd " ] || okp=0
			[ -n "$got" ] && partial=$((partial + 1))
		else
			okp=0
		fi
		nth=$((nth + 1))
	done
	[ -n "$verb" ] && echo "$verb" >$fs/verbose
	t "an injected failure anywhere: ENOMEM with a prefix of the lines applied" [ $okp = 1 ]
	t "ENOMEM at line k > 1 keeps lines before k ($partial cases)" [ $partial -gt 0 ]
	t "the map is consistent after the failures" [ "$(wc -l <$G/fm/dump)" -eq "$(count fm)" ]
	rm_map fm
else
	pass "# SKIP no /proc/self/fail-nth or fail_gomap"
	pass "# SKIP no /proc/self/fail-nth or fail_gomap"
	pass "# SKIP no /proc/self/fail-nth or fail_gomap"
fi
for m in m cc d; do rm_map $m; done

# ---------------------------------------------------------------------------
note "fuzz: $FUZZ_WRITES random writes to every file (seed $FUZZ_SEED)"

# Reference maps the fuzz never names: they must come out unchanged.
mk "ref key=u64 value=u64"
mk "ref2 key=str value=str:8"
lines 11 1 300 >$T/ref
put $G/ref/assign $T/ref
awk 'BEGIN { for (k = 0; k < 50; k++) printf "r%d v%d\n", k, k * k }' >$T/ref2
put $G/ref2/assign $T/ref2
sort $T/ref >$T/ref.exp
sort $T/ref2 >$T/ref2.exp
sort $C >$T/pre.ctl
mk "fzu key=u32 value=u64"
mk "fzs key=str value=str:16"
mk "fzh key=hex:3 value=hex:2"
mk "fzn key=u64 value=none max=64"

# One line per write, PATH|DATA, where DATA is a printf format: raw bytes,
# with NUL, newline, backslash and percent as \xHH.  A fifth of the writes
# are random bytes; the rest are 1-3 lines of the file's grammar with random
# keys, values and separators, some of them then mutated.
awk -v seed="$FUZZ_SEED" -v count="$FUZZ_WRITES" -v G="$G" '
function r(n) { return int(rand() * n) }
function pick(s,   a, k) { k = split(s, a, " "); return a[1 + r(k)] }
function sep() { return r(20) ? " " : (r(2) ? "\t" : "  ") }
function num() { return r(10) ? r(300) : pick("0 1 255 4294967295 4294967296 18446744073709551615 18446744073709551616 0x0 0x1f 0XFF 0x 010 -1 +1 1e3 00000000000000000000000001") }
function hexs(n,   s) { s = ""; while (n-- > 0) s = s hx[r(4)]; return s }
function strs(n) { return substr(pool, 1 + r(200), n) }
function key(m) {
	if (m == "fzu" || m == "fzn") return num()
	if (m == "fzs") return r(50) ? strs(1 + r(3)) : substr(long, 1, 4090 + r(12))
	return r(10) ? hexs(3) : hexs(r(5))
}
function val(m) {
	if (m == "fzu") return num()
	if (m == "fzs") return strs(1 + r(18))
	return r(10) ? hexs(2) : hexs(r(4))
}
function ctl(   s) {
	if (r(3) == 0) return pick("destroy destroy destroy DESTROY frob") " " pick("fc0 fc1 fc2 fc3 nosuch . .. a/b")
	s = pick("create create create create Create") " " pick("fc0 fc1 fc2 fc3 control . a:b abcdefghijklmnopqrstuvwxyz0123456")
	s = s " key=" pick("u32 u64 str hex:1 hex:3 hex:512 hex:513 hex:0 str:8 none u16")
	s = s " value=" pick("u64 none str:1 str:16 str:4096 str:4097 str:0 hex:2 hex:512 hex:513 str u32")
	if (r(2)) s = s " hint=" pick("0 1 8 100 0x40 4294967296 99999999999 abc")
	if (r(2)) s = s " max=" pick("0 1 5 100 -1 x")
	return s
}
function line(m, f) {
	if (m == "control") return ctl()
	if (f == "assign" && m != "fzn") return key(m) sep() val(m)
	return key(m)
}
BEGIN {
	srand(seed)
	for (i = 0; i < 256; i++)
		esc[i] = (i == 0 || i == 10 || i == 37 || i == 92) ? sprintf("\\x%02x", i) : sprintf("%c", i)
	for (i = 0; i < 4; i++)
		hx[i] = sprintf("%02x", i)
	# Mostly assigns, rarely a clear.
	files = "assign assign assign assign assign assign assign assign assign assign assign assign"
	files = files " lookup lookup lookup lookup delete delete delete delete clear dump stats"
	# Key and value bytes: no whitespace, no backslash, no percent.
	pool = ""
	for (i = 0; i < 400; i++) {
		do k = 33 + r(r(4) ? 10 : 94); while (k == 37 || k == 92)
		pool = pool sprintf("%c", k)
	}
	long = pool
	while (length(long) < 4200)
		long = long pool
	for (w = 0; w < count; w++) {
		f = ""
		if (r(100) < 15) {
			m = "control"
			path = G "/control"
		} else {
			m = pick("fzu fzs fzh fzn")
			f = pick(files)
			path = G "/" m "/" f
		}
		k = r(100)
		out = ""
		if (k < 20) {
			for (n = 1 + r(r(10) ? 64 : 1000); n > 0; n--)
				out = out esc[r(256)]
		} else {
			nl = f == "lookup" ? 1 : 1 + r(3)
			for (l = 0; l < nl; l++) {
				out = out line(m, f)
				if (l < nl - 1 || r(2))
					out = out "\\n"
			}
			if (k >= 85)	# overwrite, insert or drop a few bytes
				for (j = 1 + r(3); j > 0; j--) {
					p = r(length(out) + 1)
					op = r(3)
					if (op == 0)
						out = substr(out, 1, p) esc[r(256)] substr(out, p + 2)
					else if (op == 1)
						out = substr(out, 1, p) esc[r(256)] substr(out, p + 1)
					else
						out = substr(out, 1, p) substr(out, p + 2)
				}
		}
		print path "|" out
	}
}' >$T/fuzz
t "fuzz corpus has $FUZZ_WRITES writes" [ "$(wc -l <$T/fuzz)" -eq "$FUZZ_WRITES" ]

nw=0
nok=0
set -f
ifs=$IFS
IFS='
'
for item in $(cat $T/fuzz); do
	printf -- "${item#*|}" 2>/dev/null >"${item%%|*}" && nok=$((nok + 1))
	nw=$((nw + 1))
	if [ $((nw % 2000)) -eq 0 ]; then
		for m in fzu fzs fzh fzn; do
			cat $G/$m/dump $G/$m/stats >/dev/null 2>&1
		done
		cat $C >/dev/null
	fi
done
IFS=$ifs
set +f
note "fuzz: $nw writes, $nok accepted, $((nw - nok)) refused"
t "fuzz made at least 10000 writes ($nw)" eval '[ $nw -ge 10000 ] || [ "$FUZZ_WRITES" -lt 10000 ]'
t "fuzz had both accepted and refused writes" eval '[ $nok -gt 0 ] && [ $nok -lt $nw ]'
for m in fzu fzs fzh fzn; do
	t "fuzzed map $m: dump lines = count ($(count $m))" \
		[ "$(wc -l <$G/$m/dump)" -eq "$(count $m)" ]
done
sorted_dump ref $T/got
t "reference map ref unchanged after the fuzz" cmp -s $T/ref.exp $T/got
sorted_dump ref2 $T/got
t "reference map ref2 unchanged after the fuzz" cmp -s $T/ref2.exp $T/got
made=0
for m in $(cut -d' ' -f1 $C); do
	grep -q "^$m " $T/pre.ctl && continue
	rm_map "$m"
	case $m in fz?) ;; *) made=$((made + 1)) ;; esac
done
note "fuzz: the control fuzz left $made maps of its own"
sort $C >$T/post.ctl
t "no map other than the fuzzed ones changed (names, kinds, counts)" cmp -s $T/pre.ctl $T/post.ctl

# ---------------------------------------------------------------------------
note "cleanup"

for m in ref ref2; do rm_map $m; done
t "control lists what it listed before the test" [ "$(cat $C)" = "$base" ]
dmesg | tail -n +$((dmesg0 + 1)) | grep -E "$SPLAT" >$T/splat
t "no kernel splat in dmesg since the test started" [ ! -s $T/splat ]
[ -s $T/splat ] && sed 's/^/# /' $T/splat | head -40

rm -rf "$T"
echo "1..$n"
note "$nfail of $n failed"
[ $nfail -eq 0 ]
