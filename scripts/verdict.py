#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""verdict.py [--fail WHAT]... [--also CONSOLE RESULTS]... CONSOLE_LOG RESULTS_FILE EXPECTED_SUITE...

Judge a check-mode VM run (scripts/run-vm.sh check).

RESULTS_FILE is what scripts/guest-init.sh wrote to the second serial port,
split by its "### gomap-..." marker lines: insmod/rmmod statuses, each KUnit
suite's debugfs results, each guest script's TAP output and exit status, and
the end marker.  Each suite goes, as one KTAP document, through the kernel's
own parser (tools/testing/kunit/kunit.py parse).  The document is the suite's
KTAP output cut from the console when it is there: on 6.1 the debugfs copy
drops all but the last parameter of parameterised cases and keeps at most
512 bytes of log per case.  The two must agree on the suite's ok / not ok.
The console log is also scanned for kernel splats and kmemleak reports.

The last line printed is "N passed, N failed" (", N skipped" if any); the
exit status is 1 if anything failed or is missing.  Each --fail WHAT (from
scripts/check.sh: a stage that failed before the VM ran) counts as one more
failure, so that last line covers the whole check.  Each --also CONSOLE
RESULTS judges one more VM run the same way (the boot of Debian's
PREEMPT_RT kernel: no KUnit suites expected there) into the same count.

A "### gomap-stress" section holds gomap_stress.ko's TAP lines and its own
"N passed, N failed" line, which must be there and agree with the lines.
"""

import os
import re
import subprocess
import sys
import tempfile

MARKER = re.compile(r'^### gomap-(\S+)(?: (\S+))?(?: (-?\d+))?\s*$')
ANSI = re.compile(r'\x1b\[[0-9;]*m')
# "Testing complete. Ran 5 tests: passed: 4, failed: 1" (6.1 kunit_parser.py
# prints only the non-zero counters).
SUMMARY = re.compile(r'Testing complete\. Ran (\d+) tests:(.*)$')
COUNTER = re.compile(r'(passed|failed|crashed|skipped|errors): (\d+)')
TAP = re.compile(r'^(not ok|ok)\b(.*)$')
TIMESTAMP = re.compile(r'^\[\s*\d+\.\d+\] ')

# Kernel splats.  Each is a failure, even when every test passed.
SPLATS = re.compile('|'.join([
    r'BUG:', r'WARNING:', r'KASAN:', r'UBSAN:', r'general protection fault',
    r'Oops', r'Kernel panic', r'Call Trace:',
    r'possible recursive locking', r'possible circular locking',
    r'inconsistent lock state', r'INFO: lockdep', r'suspicious RCU usage',
    r'DEBUG_LOCKS_WARN_ON', r'sleeping function called from invalid context',
    r'unreferenced object', r'kmemleak: .* new suspected memory leaks',
    r'RCU stall', r'rcu: INFO: .*detected stall', r'self-detected stall',
    r'hung_task', r'blocked for more than', r'soft lockup',
]))
KMEMLEAK_NEW = re.compile(r'kmemleak: .* new suspected memory leaks')
# Lines of context printed around the first line of each splat.
BEFORE, AFTER = 3, 30


def ksrc():
    here = os.path.dirname(os.path.abspath(__file__))
    out = subprocess.run([os.path.join(here, 'ksrc.sh')], check=True,
                         stdout=subprocess.PIPE, text=True)
    return out.stdout.strip()


def read_lines(path):
    try:
        with open(path, 'rb') as f:
            data = f.read().decode('utf-8', errors='replace')
    except FileNotFoundError:
        return None
    # The serial ports may add \r.
    return [ln.rstrip('\r') for ln in data.split('\n')]


def split_results(lines):
    """Split the results file into its sections."""
    res = {'insmod': [], 'rmmod': [], 'kunit': {}, 'guest': {},
           'guest_rc': {}, 'stress': {}, 'end': False}
    cur = None
    for ln in lines:
        m = MARKER.match(ln)
        if not m:
            if cur is not None:
                cur.append(ln)
            continue
        kind, name, rc = m.groups()
        cur = None
        if kind in ('insmod', 'rmmod'):
            res[kind].append((name, int(rc) if rc is not None else -1))
        elif kind == 'kunit':
            cur = res['kunit'].setdefault(name, [])
        elif kind == 'guest':
            cur = res['guest'].setdefault(name, [])
        elif kind == 'stress':
            cur = res['stress'].setdefault(name, [])
        elif kind == 'guest-exit':
            res['guest_rc'][name] = int(rc) if rc is not None else -1
        elif kind == 'end':
            res['end'] = True
    return res


def debugfs_doc(doc):
    """A suite's debugfs results, minus 6.1's broken parameter lines.

    6.1 resets a case's debugfs log before each parameter, so only the last
    parameter's result line survives, without its subtest header: not valid
    KTAP.  The case's own result line carries the combined status.
    """
    return [ln for ln in doc if not re.match(r'^        (ok|not ok) \d+ ', ln)]


def console_doc(console, suite):
    """The suite's KTAP output from the console, as a full KTAP document.

    Unlike debugfs it has every parameter's result and every diagnostic
    (debugfs keeps at most 512 bytes of log per case).  Module suites print
    no top-level header and number themselves with a global counter, so
    the header is added and the suite's number made 1, as in debugfs.
    """
    start = '    # Subtest: ' + suite
    end = re.compile(r'^(ok|not ok) \d+ (' + re.escape(suite) + r'\b.*)$')
    lines = [TIMESTAMP.sub('', ln) for ln in console]
    for i, ln in enumerate(lines):
        if ln != start:
            continue
        for j in range(i, len(lines)):
            m = end.match(lines[j])
            if m:
                return (['KTAP version 1', '1..1', '    KTAP version 1'] +
                        lines[i:j] + [f'{m.group(1)} 1 {m.group(2)}'])
        return None
    return None


def suite_status(doc):
    """'ok' or 'not ok' from a KTAP document's last top-level result line."""
    for ln in reversed(doc):
        m = re.match(r'^(ok|not ok) \d+ ', ln)
        if m:
            return m.group(1)
    return None


def parse_ktap(kunit_py, suite, doc):
    """Run kunit.py parse on one KTAP document; return (ok, counts)."""
    with tempfile.NamedTemporaryFile('w', suffix='.ktap', delete=False) as f:
        f.write('\n'.join(doc) + '\n')
        path = f.name
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE='1')
    try:
        p = subprocess.run([sys.executable, kunit_py, 'parse', path],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, env=env)
    finally:
        os.unlink(path)
    out = ANSI.sub('', p.stdout)
    sys.stdout.write(out)
    counts = {'passed': 0, 'failed': 0, 'crashed': 0, 'skipped': 0,
              'errors': 0}
    for ln in out.splitlines():
        m = SUMMARY.search(ln)
        if m:
            for k, v in COUNTER.findall(m.group(2)):
                counts[k] = int(v)
    return p.returncode == 0, counts


def leak_jiffies(console, i):
    """Allocation jiffies of the kmemleak report starting at line i."""
    m = re.search(r'\bjiffies (\d+)', ' '.join(console[i + 1:i + 3]))
    return int(m.group(1)) if m else None


def find_splats(console):
    """Print each splat with context; return how many were found."""
    # guest-init.sh notes the jiffies before loading anything: leaked
    # objects allocated earlier were leaked by boot, not by the tests.
    baseline, report_done = 0, -1
    for i, ln in enumerate(console):
        m = re.search(r'gomap-init: kmemleak baseline jiffies (\d+)', ln)
        if m:
            baseline = int(m.group(1))
        if 'gomap-init: kmemleak report done' in ln:
            report_done = i
    n = ignored = 0
    last_shown = -1
    for i, ln in enumerate(console):
        if not SPLATS.search(ln) or i <= last_shown:
            continue
        # The summary line is judged through the full report printed
        # after it, object by object.
        if KMEMLEAK_NEW.search(ln) and i < report_done:
            continue
        if 'unreferenced object' in ln:
            j = leak_jiffies(console, i)
            if j is not None and j < baseline:
                ignored += 1
                continue
        n += 1
        before = 0 if 'unreferenced object' in ln else BEFORE
        lo, hi = max(0, i - before), min(len(console), i + AFTER + 1)
        print(f'--- splat at console line {i + 1} ---')
        for k in range(max(lo, last_shown + 1), hi):
            print(('>> ' if SPLATS.search(console[k]) else '   ') + console[k])
        last_shown = hi - 1
    if ignored:
        print(f'(ignored {ignored} kmemleak report(s) of objects allocated '
              'during boot, before the modules were loaded)')
    return n


class Tally:
    """Test counts plus the reasons for every failure."""

    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.problems = []

    def fail(self, why, n=1):
        self.failed += n
        self.problems.append(why)


def judge_kunit(t, kunit_py, res, console, expected):
    for suite, dbg in sorted(res['kunit'].items()):
        doc = console_doc(console, suite)
        source = 'console'
        if doc is None:
            doc, source = debugfs_doc(dbg), 'debugfs (no console copy)'
        print(f'=== KUnit suite {suite}, from the {source}')
        ok, c = parse_ktap(kunit_py, suite, doc)
        t.passed += c['passed']
        t.skipped += c['skipped']
        bad = c['failed'] + c['crashed'] + c['errors']
        if bad or not ok:
            t.fail(f'KUnit suite {suite}: {bad} failed, crashed or unparsable',
                   max(bad, 1))
        if suite_status(dbg) != suite_status(doc):
            t.fail(f'KUnit suite {suite}: debugfs says "{suite_status(dbg)}", '
                   f'the console "{suite_status(doc)}"')
    for suite in expected:
        if suite not in res['kunit']:
            t.fail(f'KUnit suite {suite}: no results '
                   '(module not loaded, or suite not registered)')


def judge_guest(t, res):
    for name, out in sorted(res['guest'].items()):
        print(f'=== guest test {name}')
        bad = 0
        for ln in out:
            print('    ' + ln)
            m = TAP.match(ln)
            if not m:
                continue
            if re.search(r'#\s*skip', m.group(2), re.I):
                t.skipped += 1
            elif m.group(1) == 'ok':
                t.passed += 1
            else:
                bad += 1
        rc = res['guest_rc'].get(name)
        if bad:
            t.fail(f'guest test {name}: {bad} failed', bad)
        if rc is None:
            t.fail(f'guest test {name}: did not finish')
        elif rc != 0 and not bad:
            t.fail(f'guest test {name}: exit status {rc} without a "not ok"')


STRESS_SUMMARY = re.compile(r'^(\d+) passed, (\d+) failed$')


def judge_stress(t, res):
    for name, out in sorted(res['stress'].items()):
        print(f'=== stress module {name}')
        ok = bad = 0
        summary = None
        for ln in out:
            print('    ' + ln)
            m = TAP.match(ln)
            if m:
                ok += m.group(1) == 'ok'
                bad += m.group(1) == 'not ok'
            m = STRESS_SUMMARY.match(ln)
            if m:
                summary = (int(m.group(1)), int(m.group(2)))
        t.passed += ok
        if bad:
            t.fail(f'{name}: {bad} case(s) failed', bad)
        if summary is None:
            t.fail(f'{name}: no "N passed, N failed" line: it crashed or hung')
        elif summary != (ok, bad):
            t.fail(f'{name}: its summary {summary} disagrees with its {ok} ok '
                   f'and {bad} not ok lines')


def judge_run(t, kunit_py, console_path, results_path, expected):
    """One VM run: modules, KUnit, the stress module, guest tests, splats."""
    console = read_lines(console_path)
    if console is None:
        t.fail(f'no console log {console_path}')
    results = read_lines(results_path)
    if results is None:
        t.fail(f'no results file {results_path}')
    res = split_results(results or [])

    if not res['insmod']:
        t.fail(f'no module was loaded ({results_path})')
    for kind in ('insmod', 'rmmod'):
        for mod, rc in res[kind]:
            if rc != 0:
                t.fail(f'{kind} {mod} failed ({rc})')

    judge_kunit(t, kunit_py, res, console or [], expected)
    judge_stress(t, res)
    judge_guest(t, res)

    if not res['end']:
        t.fail('no "### gomap-end": the VM crashed or timed out '
               f'(see {console_path})')
    # The kmemleak report comes after the end marker, on the console.
    if res['end'] and not any('gomap-init: check done' in ln
                              for ln in console or []):
        t.fail('the VM stopped before the kmemleak report was complete')
    splats = find_splats(console or [])
    if splats:
        t.fail(f'{splats} kernel splat(s) in {console_path}', splats)


def main():
    t = Tally()
    args = sys.argv[1:]
    also = []
    while len(args) >= 2 and args[0] in ('--fail', '--also'):
        if args[0] == '--fail':
            t.fail(args[1])
            args = args[2:]
        elif len(args) >= 3:
            also.append((args[1], args[2]))
            args = args[3:]
        else:
            sys.exit(__doc__)
    if len(args) < 2:
        sys.exit(__doc__)
    console_path, results_path, expected = args[0], args[1], args[2:]
    kunit_py = os.path.join(ksrc(), 'tools/testing/kunit/kunit.py')

    judge_run(t, kunit_py, console_path, results_path, expected)
    for con, resf in also:
        print(f'===== the run of {con}')
        judge_run(t, kunit_py, con, resf, [])

    for p in t.problems:
        print('FAIL: ' + p)
    summary = f'{t.passed} passed, {t.failed} failed'
    if t.skipped:
        summary += f', {t.skipped} skipped'
    print(summary)
    sys.exit(1 if t.failed else 0)


if __name__ == '__main__':
    main()
