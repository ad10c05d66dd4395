#!/usr/bin/env python
"""Name the hardware of the study runs the committed record (nbs/results/claim_study.json) holds from before run logs named it
(6f6a145, `cdx.core.hardware`), from the git history of the record and the machines the project's stops ran on.

A run is made whole on one machine: `runs/` is not in git, so a machine change loses every partial run (it restarts on the next
machine) and a run enters the record in a commit of the session that made it. So the first commit whose record holds a run dates
it, and the machine of that session names its kind. The sessions' machines, from the commit messages and closing notes:
- until 2026-12-02 10:00 (study 2's first runs, to 35f9fe2): an AVX512-BF16 Xeon (08d *Precision*: measured at d83a2e3 "on this
  CPU (AVX512-BF16)"; the next stop's note: "an AMD EPYC with AVX2 only ... not the AVX512-BF16 machine of earlier sessions");
- 2026-12-02 10:00 to 21:00 (2838be2 .. b058897): an AMD EPYC with AVX2 only (07aaf47, cd9ac4a, b6066bc, 5f6f469);
- from 2026-12-02 21:00 (489109a ..): AVX512-BF16 Xeons (2168a5a, b6066bc, 5f6f469, 98f17f7, ff429f3; stops 31-34 "same machine").
Study 1's runs (before study 2) are left unnamed. A Base + CS run shared by a rung's variants is dated by its first appearance
under any of them. Runs that name their hardware already are left as they are.

Then the vendor (named by `cdx.core.hardware` since `cdx.core.cpu_vendor` was added, because one run made twice with the same code and seed gave 83.46 % on
an AVX512 Xeon and 83.57 % on an AVX512 AMD EPYC, so the instruction set alone does not make a kind). A kind without a vendor
gets it by the same dating (`VENDORS`): every AVX2 machine of the project was an AMD EPYC; every AVX512 machine was an Intel
Xeon until 2026-12-04 21:44, when the queue moved to an AVX512 AMD EPYC. Usage: python tools/backfill_hw.py (rewrites the record)."""
import json, subprocess, sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECORD = 'nbs/results/claim_study.json'
PERIODS = [('2026-12-02 10:00', 'cpu:AVX512:1'), ('2026-12-02 21:00', 'cpu:AVX2:1'), ('9999-12-31 00:00', 'cpu:AVX512:1')]  # (until, kind)

def kind(t:str)->str: return next(k for until, k in PERIODS if t < until)

VENDORS = [('2026-12-04 21:44', {'AVX512': 'GenuineIntel', 'AVX2': 'AuthenticAMD'}),  # (until, {instruction set: vendor})
           ('9999-12-31 00:00', {'AVX512': 'AuthenticAMD', 'AVX2': 'AuthenticAMD'})]

def vendor(hw:str, t:str)->str:
    "`hw` (kinds joined by '+') with the vendor of the machines of its time `t` added to each CPU kind that names none (`with_vendor`)."
    from cdx.lab.claim import with_vendor
    vs = next(v for until, v in VENDORS if t < until)
    return '+'.join(with_vendor(k, vs[k.split(':')[1]]) if k.startswith('cpu:') else k for k in hw.split('+'))

def run_id(key:tuple, seed:int, row:str)->tuple:
    "A run's identity across cells: Base + CS is shared by a rung's variants (the cell key without its variant)."
    return (key[:-1], seed, row) if row == 'plus_cs' else (key, seed, row)

def first_seen()->dict:
    sys.path.insert(0, str(ROOT))
    from cdx.lab.claim import cell_key
    log = subprocess.run(['git', 'log', '--reverse', '--format=%h %ad', '--date=format:%Y-%m-%d %H:%M', '--', RECORD],
                         capture_output=True, text=True, cwd=ROOT, check=True).stdout.splitlines()
    seen = {}
    for line in log:
        h, t = line.split(' ', 1)
        p = subprocess.run(['git', 'show', f'{h}:{RECORD}'], capture_output=True, text=True, cwd=ROOT)
        if p.returncode: continue
        for c in json.loads(p.stdout):
            if c.get('study', 1) < 2: continue
            for s in c['seeds']:
                for row in ('plus_cs', 'guided'):
                    if s.get(row) is not None: seen.setdefault(run_id(cell_key(c), s['seed'], row), (t, h))
    return seen

def main():
    from cdx.lab.claim import cell_key, machines
    seen, path = first_seen(), ROOT/RECORD
    rec, n = json.loads(path.read_text()), 0
    for c in rec:
        if c.get('study', 1) < 2: continue
        for s in c['seeds']:
            hw = s.setdefault('hw', {'plus_cs': None, 'guided': None})
            for row in ('plus_cs', 'guided'):
                if s.get(row) is None or hw.get(row): continue
                t, h = seen[run_id(cell_key(c), s['seed'], row)]
                hw[row] = kind(t); n += 1
            for row in ('plus_cs', 'guided'):
                if hw.get(row) and (named := vendor(hw[row], seen[run_id(cell_key(c), s['seed'], row)][0])) != hw[row]: hw[row] = named; n += 1
        c['machines'] = machines(c['seeds'])
    path.write_text(json.dumps(rec, indent=1))
    print(f'{RECORD}: named the hardware (or its vendor) of {n} rows')
    for c in rec:
        if c.get('study', 1) >= 2: print(' ', cell_key(c)[1], cell_key(c)[3], c['pair'], c['spc'], cell_key(c)[-1], c['machines'])

if __name__ == '__main__': main()
