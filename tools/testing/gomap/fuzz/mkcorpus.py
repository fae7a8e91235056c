#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write the small seed corpus for fuzz_gomap (see the input layout there).

Header: key shape, value shape, hint, max_entries, key space, seed byte
(indices into the tables of fuzz_gomap.c).  Then 3-byte operations:
opcode (bit 7: run in hardirq context; low 5 bits: the operation), 16-bit
argument, little endian.
"""
import os
import sys

ASSIGN, UPDATE, DELETE, LOOKUP = 0, 8, 10, 14
ITER_START, ITER_STEP, ITER_STOP, CLEAR = 16, 17, 20, 21
FAIL, GROW_STEP, RUN_WORK, RCU_BARRIER, RECREATE, CHECK = 22, 23, 24, 25, 26, 27
IRQ = 0x80


def op(code, arg=0):
    return bytes([code, arg & 0xff, (arg >> 8) & 0xff])


def seed(name, header, ops):
    with open(os.path.join(out, name), "wb") as f:
        f.write(bytes(header) + b"".join(ops))


out = sys.argv[1] if len(sys.argv) > 1 else "corpus"
os.makedirs(out, exist_ok=True)
# u64 keys: fill past two growths, walk while writing, delete, check.
seed("u64-grow-walk", [0, 0, 0, 0, 2, 0],
     [op(ASSIGN, i * 2 + 1) for i in range(30)] + [op(ITER_START, 0)] +
     [op(ITER_STEP, 0x0e), op(ASSIGN, 0x101)] * 4 + [op(DELETE, 0x21)] +
     [op(ITER_STEP, 0x0e)] * 6 + [op(CHECK)])
# Strings: empty and long keys, small key buffers (-E2BIG), update.
seed("str-e2big", [2, 0, 0, 0, 1, 1],
     [op(ASSIGN, i) for i in range(20)] + [op(UPDATE, 3), op(UPDATE, 3)] +
     [op(ITER_START, 1), op(ITER_STEP, 0x0311), op(ITER_STEP, 0x4011)] +
     [op(DELETE, 5), op(LOOKUP, 5), op(CHECK)])
# Out-of-line keys and values with injected failures and grow steps.
seed("indirect-enomem", [9, 7, 4, 0, 1, 0],
     [op(FAIL, 0x0), op(ASSIGN, 1), op(ASSIGN, 2), op(FAIL, 0x2), op(ASSIGN, 3)] +
     [op(ASSIGN, i) for i in range(4, 60)] + [op(GROW_STEP, 1)] * 4 +
     [op(FAIL, 0x6), op(ASSIGN, 61), op(CHECK)])
# Hardirq context with GFP_ATOMIC/GFP_NOWAIT, then the worker.
seed("irq-atomic", [0, 0, 0, 0, 3, 0],
     [op(IRQ | ASSIGN, i * 16 + 1) for i in range(80)] + [op(RUN_WORK), op(RCU_BARRIER)] +
     [op(IRQ | DELETE, i * 16 + 1) for i in range(0, 80, 3)] + [op(CHECK)])
# Fixed seed, tiny key space: collisions, deletes, re-inserts (emptyOne/emptyRest).
seed("churn-fixed-seed", [1, 1, 5, 0, 0, 3],
     ([op(ASSIGN, i) for i in range(16)] + [op(DELETE, i) for i in range(1, 16)]) * 3 +
     [op(CHECK)])
# Clear under two iterators, then reuse.
seed("clear-iters", [2, 2, 0, 0, 2, 0],
     [op(ASSIGN, i) for i in range(40)] + [op(ITER_START, 0), op(ITER_START, 1)] +
     [op(ITER_STEP, 0x02), op(CLEAR, 0x08), op(ITER_STEP, 0x03), op(ITER_STEP, 0x02)] +
     [op(ASSIGN, 7), op(ITER_STOP, 0), op(ITER_STOP, 1), op(CHECK)])
# max_entries.
seed("max-entries", [0, 0, 0, 3, 1, 0],
     [op(ASSIGN, i) for i in range(10)] + [op(UPDATE, 2), op(DELETE, 1), op(ASSIGN, 30)])
