#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Profile of a User-Mode Linux run recorded by GOMAP_UML_PERF=1 scripts/run-uml.sh.

    uml-perf.py VMDIR [FUNCTION...]

perf resolves the UML kernel's own functions from its `linux` binary, but
the modules sit in UML's vmalloc area, which the host sees as pages of the
deleted memory file in TMPDIR: those samples are resolved here with the
modules' symbols that the guest left in VMDIR/root/gomap/kallsyms.  Prints
the share of samples per function (UML kernel, modules, and the host kernel
working for UML: page faults, signals, mmap), then for each FUNCTION named
the hottest instructions, disassembled from the module's .ko.
"""
import bisect
import collections
import os
import re
import subprocess
import sys

vmdir = sys.argv[1]
wanted = sys.argv[2:]
root = os.path.join(vmdir, 'root', 'gomap')

# Module symbols: address, name, module; text symbols only.
syms = []
for line in open(os.path.join(root, 'kallsyms')):
    addr, kind, name, mod = line.split()[:4]
    if kind in 'tT':
        syms.append((int(addr, 16), name, mod.strip('[]')))
syms.sort()
addrs = [a for a, _, _ in syms]


def module_sym(ip):
    i = bisect.bisect_right(addrs, ip) - 1
    if i < 0 or ip - addrs[i] > 0x10000:
        return None
    return syms[i]


out = subprocess.run(['perf', 'script', '-i', os.path.join(vmdir, 'perf.data'),
                      '-F', 'pid,ip,sym,dso'], capture_output=True, text=True, check=True).stdout
where = collections.Counter()
offsets = collections.defaultdict(collections.Counter)   # function -> offset -> samples
total = 0
line_re = re.compile(r'\s*(\d+)\s+([0-9a-f]+)\s+(.*?)\s+\((.*)\)\s*$')
for line in out.splitlines():
    m = line_re.match(line)
    if not m:
        continue
    ip, sym, dso = int(m.group(2), 16), m.group(3), m.group(4)
    total += 1
    if dso.endswith('(deleted)'):
        s = module_sym(ip)
        if s:
            name = f'{s[1]} [{s[2]}]'
            offsets[s[1]][ip - s[0]] += 1
        else:
            name = '[UML memory, no module symbol]'
    elif dso == '[kernel.kallsyms]':
        name = f'host: {sym}'
    elif dso.endswith('/linux'):
        name = re.sub(r'\+0x[0-9a-f]+$', '', sym)
    else:
        name = f'{sym} ({os.path.basename(dso)})'
    where[name] += 1

print(f'{total} samples (cpu-clock)')
host = sum(v for k, v in where.items() if k.startswith('host: '))
print(f'host kernel on behalf of UML: {100 * host / total:.1f}%')
for name, n in where.most_common(40):
    print(f'{100 * n / total:6.2f}%  {name}')


def disassemble(func):
    """objdump lines of @func in whichever .ko has it: offset -> text."""
    for ko in ('gomap.ko', 'gomap_bench.ko'):
        path = os.path.join(root, ko)
        dis = subprocess.run(['objdump', '-d', '--no-show-raw-insn', f'--disassemble={func}',
                              path], capture_output=True, text=True).stdout
        lines = {}
        base = None
        for line in dis.splitlines():
            m = re.match(r'^([0-9a-f]+) <' + re.escape(func) + '>:', line)
            if m:
                base = int(m.group(1), 16)
                continue
            m = re.match(r'^\s+([0-9a-f]+):\s+(.*)$', line)
            if m and base is not None:
                lines[int(m.group(1), 16) - base] = m.group(2)
        if lines:
            return lines
    return {}


for func in wanted:
    hits = offsets.get(func)
    if not hits:
        print(f'\n{func}: no samples')
        continue
    lines = disassemble(func)
    n = sum(hits.values())
    print(f'\n{func}: {n} samples; hottest instructions (a sample lands on the one after a stall)')
    for off, c in hits.most_common(15):
        print(f'{100 * c / n:6.2f}%  +0x{off:x}  {lines.get(off, "?")}')
