#!/usr/bin/env python
"""Make the runs of the claim study (`nbs/08d_claim.ipynb`, `cdx.claim.CELLS`) one at a time, each in a fresh process, in the
order the study needs them (cell by cell, seed by seed, both rows of a seed together so partial results stay paired).
Finished runs are skipped and an interrupted one resumes from its checkpoint, so rerunning this after a stop continues the queue.
Progress goes to runs/claim/queue.log.   Usage: python tools/claim_queue.py [--list]"""
import os, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NBS, OUT = ROOT/'nbs', ROOT/'runs'/'claim'

def main(argv):
    sys.path.insert(0, str(ROOT))
    from cdx.claim import CELLS, ROWS, run_name, finished, cell_budget
    seen, todo = set(), []
    for i, c in enumerate(CELLS):  # cells of one rung share their Base + CS runs: each run once
        for s in range(c['seeds']):
            for row in ROWS:
                n = run_name(c, row, s)
                if n not in seen and not finished(OUT/f'{n}.jsonl', cell_budget(c)['epochs']): todo.append((i, row, s))
                seen.add(n)
    if '--list' in argv:
        for i, row, s in todo: print(run_name(CELLS[i], row, s))
        print(f'{len(todo)} runs to make'); return 0
    OUT.mkdir(parents=True, exist_ok=True)
    log = open(OUT/'queue.log', 'a')
    say = lambda m: (print(m, flush=True), log.write(m + '\n'), log.flush())
    say(f'{time.strftime("%F %T")} queue: {len(todo)} runs to make')
    for i, row, s in todo:
        name, t = run_name(CELLS[i], row, s), time.time()
        code = (f"from cdx.claim import CELLS, claim_run; r = claim_run(CELLS[{i}], {row!r}, {s}, out={str(OUT)!r}); "
                f"print('test acc', r['acc'], 'minutes', r['minutes'])")
        env = {**os.environ, 'PYTHONPATH': str(ROOT)}  # this checkout's cdx, whatever is installed
        p = subprocess.run([sys.executable, '-c', code], cwd=NBS, capture_output=True, text=True, env=env)
        tail = (p.stdout.strip().splitlines() or [''])[-1] if p.returncode == 0 else p.stderr.strip().splitlines()[-1:]
        say(f'{time.strftime("%F %T")} {name}: rc {p.returncode}, {(time.time() - t)/60:.1f} min, {tail}')
        if p.returncode != 0: return p.returncode
    say(f'{time.strftime("%F %T")} queue: done')
    return 0

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
