#!/usr/bin/env python
"""Make the runs of the claim study (`nbs/08d_claim.ipynb`, `cdx.lab.claim.CELLS`) one at a time, each in a fresh process, in the
order the study needs them: cell by cell, seed by seed, both rows of a seed together so partial results stay paired; the
guidance variants of one rung seed-major (seed 0 of every variant, then seed 1, ...), so that wherever the queue stops every
variant has the same seeds and the choice on validation compares like with like.
Finished runs (a finished log in runs/claim, or a result in the committed record nbs/results/claim_study.json) are skipped
and an interrupted one resumes from its checkpoint, so rerunning this after a stop continues the queue.
A pair is exact only when both its rows were made on one kind of hardware (`08d_claim`, *Machines*): a row whose partner was
made on another kind, or on a kind not recorded, goes after every other run of its lane (`made_on`: a run's log names its
hardware, the record holds it per row), and a cell's first `seeds` pairs count only exact ones (`wants_more`): a seed past them that
completes them is owed and keeps its cell's place; seeds made for the standard error only go after every cell's first exact pairs,
and so does a seed below `seeds` left unmade once its cell has `seeds` exact pairs on later ones (a machine of another kind
could not pair that seed's Base + CS run and made later seeds instead). Pairs are added up to `max_seeds` *exact* ones, so where
seeds cannot pair here the cell goes past index `max_seeds` - 1, to `cdx.lab.claim.seed_cap`.
Several queues may run at once (`--workers`, or this script started again): each takes the next run no live queue holds
(a `NAME.taken` file with its pid; a dead queue's file is taken over). Each run is single-threaded unless OMP_NUM_THREADS says
otherwise; give a queue no more workers than cores. Progress goes to runs/claim/queue.log.
`--pair P` keeps a queue to one pair's cells (run one queue per pair to interleave them); a lane whose pair has nothing but extra
seeds left makes the other pair's owed runs and condensation jobs first, and one with only away runs left also the other
pair's extra runs that can pair here (`lane`). A variant stacked on another (`on`, the recipe
issue's (d)) has that variant's row made at each of its seeds, with it, so the two pair seed by seed. A bf16 cell is made only on a CPU with
native bf16 (`native_bf16`), and there before any other cell of its lane: machines with native bf16 are the rarer ones here.
The heterogeneous lane also makes the condensation jobs of the Table 2 issue (`cdx.lab.claim.SET_JOBS`), after study 2's cell (a)
(those in `LATE_SETS` after its last cell, CMI's (d), and after the recipe issue's confirmation cells; those in `LAST_SETS` after
every cell's first pairs; a job in `EXTENDS` starts from the checkpoint of the shorter job it continues); a cell that starts from a
made set waits for it, and one with `needs='condensed'` (the 50-per-class cells) also waits for 08g's report (`REPORT`) to count
its set as condensed, then goes after every other cell's first pairs. The recipe issue's confirmation cells
(`cdx.lab.claim.confirm_cells`) go after the study-2 cells of their pair.
The homogeneous lane also re-makes `08b`'s and `08c`'s tables at the testbed's own budget (issue 23 item 5, `BENCH_JOBS`: each
notebook executed whole, its `run_row` runs made into runs/bench and their logs added to its record nbs/results/bench), after
seed `BENCH_AFTER` (4) of the recipe study's selection cell. A notebook job is done when its record holds `<notebook stem>.done`; copy that
record into the main checkout and commit it (a new machine then reads those runs instead of making them), and execute the
notebooks there with nothing else running (they also time things).
`--record` writes the record (nbs/results/claim_study.json) from the finished runs here and the record, as 08d's Results cell does."""
import json, os, shutil, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NBS, OUT = ROOT/'nbs', ROOT/'runs'/'claim'

RECORD = NBS/'results'/'claim_study.json'  # the study's committed record, written by 08d from the runs it read back

_memo = {}
def _record(build):
    """`build(cells)` of the committed record's cells, kept while the file's bytes stay the same: planning asks for the record
    thousands of times (each parse ~4 ms, most of a 55-second plan), and a queue's record changes between runs (`--record`)."""
    raw = RECORD.read_bytes() if RECORD.exists() else b'[]'
    if _memo.get('raw') != raw: _memo.clear(); _memo['raw'] = raw
    if build not in _memo: _memo[build] = build(json.loads(raw))
    return _memo[build]

def _runs(cells):
    "((cell key, seed, row), seed entry, test accuracy) of every run the record's `cells` hold."
    from cdx.lab.claim import cell_key
    for c in cells:
        k = cell_key(c)
        for x in c['seeds']:
            yield from (((k, x['seed'], row), x, v) for row, v in x.items() if row not in ('seed', 'val', 'recorded', 'hw') and v is not None)

def _rec_acc(cells): return {k: v for k, _, v in _runs(cells)}
def _rec_hw(cells): return {k: (x.get('hw') or {}).get(k[2]) for k, x, _ in _runs(cells)}

def recorded()->dict:
    """{(cell key, seed, row): test accuracy} of every run the committed record holds: `runs/` is not in git, and on a new
    machine those runs are not made again (08d keeps their recorded figures) and their accuracies still decide a cell's extra
    pairs. A cell's key (`cdx.lab.claim.cell_key`) holds its pairing, base, set and precision: an exact-pair cell is never taken
    for a loose one, nor a CMI cell for a Fast one."""
    return _record(_rec_acc)

def rec_get(rec:dict, c:dict, s:int, row:str):
    """Run (`c`, `s`, `row`)'s entry in a {(cell key, seed, row): value} map of the record: under its own cell, or for Base + CS
    under a sibling cell (the cells of one rung, pair, set and precision share their Base + CS runs; a new cell's are recorded
    under the sibling that made them). None if neither holds it."""
    from cdx.lab.claim import cell_key
    k = cell_key(c)
    if (k, s, row) in rec: return rec[(k, s, row)]
    if row == 'plus_cs': return next((v for (k2, s2, r2), v in rec.items() if r2 == row and s2 == s and k2[:-1] == k[:-1]), None)
    return None

def here()->str:
    "The kind of hardware (`cdx.core.hardware`) this queue's runs are made on: this CPU and its vendor, one thread unless OMP_NUM_THREADS says otherwise."
    sys.path.insert(0, str(ROOT))
    import torch
    from cdx.core import cpu_vendor
    v = cpu_vendor()
    return f"cpu:{torch.backends.cpu.get_cpu_capability()}:{os.environ.get('OMP_NUM_THREADS', '1')}" + (f':{v}' if v else '')

def made_on(c:dict, row:str, s:int)->str|None:
    """The hardware a finished run was made on: its log's (a log here that names none was made here, by a cdx that did not
    record it: runs/ never leaves its machine), else the record's, None where neither knows."""
    from cdx.lab.claim import run_name, log_hardware
    log = OUT/f'{run_name(c, row, s)}.jsonl'
    if log.exists(): return log_hardware(log) or here()
    return rec_get(_record(_rec_hw), c, s, row)

def native_bf16()->bool:
    "Does this CPU compute bf16 natively (`cdx.core.native_bf16`; unknown counts as no)? Without it bf16 autocast is emulated, about 10x slower than fp32."
    sys.path.insert(0, str(ROOT))
    from cdx.core import native_bf16 as f
    return bool(f())

def test_acc(c:dict, row:str, s:int)->float|None:
    "A finished run's test accuracy: from its `.acc` file (the queue writes one after each run), else the committed record, else read back (`read_run`, which keeps it beside the checkpoint)."
    from cdx.lab.claim import run_name, read_run
    f = OUT/f'{run_name(c, row, s)}.acc'
    if f.exists(): return float(f.read_text())
    if (v := rec_get(recorded(), c, s, row)) is not None: return v
    r = read_run(c, row, s, OUT)
    return None if r is None else r['acc']

def wants_more(c:dict, upto:int)->bool:
    """Does cell `c` need seed `upto` beyond its first `c['seeds']`? While fewer than `c['seeds']` of its pairs over seeds
    0 .. upto - 1 (all finished) are exact (both rows made on one kind of hardware, `made_on`), or its paired standard error on
    test is above `c['target_se']` (not for a variant the rule did not pick, `cdx.lab.claim.unpicked`); up to `c['max_seeds']`
    exact pairs (issue 23 item 3), over seeds below `cdx.lab.claim.seed_cap`. A seed with one row made on another kind than this
    queue's (or an unrecorded one) and the other row missing cannot become an exact pair here: it counts as not exact instead of
    holding the decision back, so a machine of another kind adds the cell's next seed rather than wait for one of that kind, past
    index `max_seeds` - 1 if it must (cell (a): its seeds 6-9 wait for an AMD EPYC, so an Intel Xeon makes seeds 10 on)."""
    import statistics as st
    from cdx.lab.claim import unpicked, seed_cap
    if upto >= seed_cap(c) or exact_pairs(c, seed_cap(c)) >= c.get('max_seeds', c['seeds']): return False
    d = []
    for s in range(upto):
        a, b = test_acc(c, 'guided', s), test_acc(c, 'plus_cs', s)
        if (a is None) != (b is None) and made_on(c, 'plus_cs' if a is None else 'guided', s) != here(): continue  # never exact here
        if a is None or b is None: return False  # decide once the earlier pairs are in
        d.append(a - b)
    return exact_pairs(c, upto) < c['seeds'] or (not unpicked(c) and st.stdev(d)/len(d)**0.5 > c.get('target_se', 0.))

def exact_pairs(c:dict, upto:int)->int:
    "How many of cell `c`'s seeds 0 .. upto - 1 are exact pairs: both rows finished, on one kind of hardware (`made_on`)."
    def exact(s):
        if test_acc(c, 'guided', s) is None or test_acc(c, 'plus_cs', s) is None: return False
        hw = made_on(c, 'guided', s)
        return hw is not None and hw == made_on(c, 'plus_cs', s)
    return sum(exact(s) for s in range(upto))

BENCH_JOBS = ('08b_benchmark.ipynb', '08c_expansion.ipynb')  # issue 23 item 5: the notebooks whose tables are re-made at their own budget
BENCH_REC = NBS/'results'/'bench'  # their `run_row` record (`REC` in both notebooks), which also marks a finished notebook job
BENCH_AFTER = 4  # they run after this seed of the selection cell (issue 23: item 5 "whenever the queue has a gap"; ~9 CPU hours, so the cells' verdicts go first)

SETS = NBS/'results'/'sets'  # the condensation jobs' sets (`cdx.lab.claim.SET_JOBS`), committed as they land (runs/ is not in git)
REPORT = NBS/'results'/'sets_report.json'  # 08g's verdict on each set: a cell with `needs='condensed'` waits for its set to count as condensed there
LATE_SETS = ('dm50',)  # jobs no cell waits for (yet), added while study 2's CMI cell (d) was under way: made after its first pairs, before study 4, so no pair of cell (d) waits hours for its partner
LAST_SETS = ('dm50x20k',)  # jobs after every cell's first pairs (study 4 first), before the cells that wait for them and before extra pairs
EXTENDS = {'dm50x20k': 'dm50'}  # a job that continues a shorter job's checkpoint (DM is `extendable`: the same set as a fresh run, sooner)
CONFIRM_AT, LATE_AT = .5, .75  # after the last study-2 group of a pair: the recipe issue's confirmation cells (25), then the late sets (26), then study 4

FIRST = ('cutmix-init50', 'cutmix-pool50')  # within a seed, after Base + CS: the recipe issue's first variant and its control (issue 25)

def rank(c:dict, row:str)->int:
    "Order within one seed of a group: Base + CS, then the `FIRST` variants, then the rest."
    return 0 if row == 'plus_cs' else 1 if c.get('variant') in FIRST else 2

def plan(pair:str|None=None)->list:
    """The runs still to make, as (cell index, row, seed, name), in the study's order; a cell's extra seeds once its earlier
    pairs ask for them. With `pair`, only that pair's cells: one queue per pair is how the study's cells and the recipe issue's
    interleave (a heterogeneous run takes 2-3 times as long as a homogeneous one)."""
    return [t[1:] for t in ranked(pair)]

def ranked(pair:str|None=None)->list:
    """`plan` with each run's sort key first: (away, extra, group, seed, rank, cell, row). `extra`: a seed beyond the cell's
    first `seeds` once the cell has that many exact pairs (`exact_pairs`: it is made for the standard error only); a seed that
    completes a cell's first exact pairs (its earlier pairs mixed, or made elsewhere) is owed, and keeps the cell's place. A run
    that several cells need (a shared Base + CS) takes the earliest place any of them gives it."""
    sys.path.insert(0, str(ROOT))
    from cdx.lab.claim import CELLS, run_name, finished, cell_budget, cell_key, cell_rows, set_source, SET_JOBS, SELECTION, counts_as_condensed, stacked_on, seed_cap
    def group(i):  # a variant cell sorts with the first variant cell of its identity but the variant (study, base, precision, rung, pair, spc)
        c = CELLS[i]
        if c.get('needs'): return len(CELLS)  # a cell that waited for a set to count as condensed: after every other cell's first pairs
        if confirming(c): return last2(c['pair']) + CONFIRM_AT  # the recipe issue's confirmation: after its pair's study-2 cells
        if not c.get('variant'): return i
        return min(j for j, d in enumerate(CELLS) if d.get('variant') and cell_key(d)[:-1] == cell_key(c)[:-1])
    confirming = lambda c: c.get('study') == 3 and not all(c.get(k) == v for k, v in SELECTION.items())  # `cdx.lab.claim.confirm_cells`
    last2 = lambda pair: max(group(j) for j, d in enumerate(CELLS) if d.get('study') == 2 and d['pair'] == pair)
    best, todo, rec, bf16 = {}, [], recorded(), native_bf16()
    for i, c in enumerate(CELLS):  # cells of one rung share their Base + CS runs: each run once
        if pair and c['pair'] != pair: continue
        if c.get('amp') == 'bf16' and not bf16: continue  # a bf16 cell is made only where bf16 is native
        if set_source(c) not in (None, 'real') and not (SETS/f"{c['set']}.pt").exists(): continue  # its set is not made yet
        if c.get('needs') == 'condensed' and not counts_as_condensed(c['set'], REPORT): continue  # 08g has not found its set condensed (yet)
        seeds = list(range(c['seeds']))
        while len(seeds) < seed_cap(c) and 'guided' in cell_rows(c) and wants_more(c, len(seeds)): seeds.append(len(seeds))
        made = exact_pairs(c, seed_cap(c)) >= c['seeds']  # its first exact pairs made, maybe on later seeds
        extra = {s: exact_pairs(c, s) >= c['seeds'] if s >= c['seeds'] else made for s in seeds}  # extra seeds go after every cell's first exact pairs
        on = stacked_on(c, CELLS)
        rows = [(c, i, row) for row in cell_rows(c)] + ([(CELLS[on], on, 'guided')] if on is not None else [])  # a stacked variant's seeds also need the row it stacks on
        for s in seeds:
            for r, (cc, ii, row) in enumerate(rows):
                n = run_name(cc, row, s)
                done = finished(OUT/f'{n}.jsonl', cell_budget(cc)['epochs']) or rec_get(rec, cc, s, row) is not None
                g = -1 if c.get('amp') == 'bf16' else group(i)  # a bf16 cell first where bf16 is native: no other machine can make it
                if not done:  # a row whose partner was made on another kind of hardware (or one not recorded) goes last:
                    away = any(made_on(cc, o, s) != here() for o in cell_rows(cc) if o != row and  # its pair could not be exact
                               (finished(OUT/f'{run_name(cc, o, s)}.jsonl', cell_budget(cc)['epochs']) or rec_get(rec, cc, s, o) is not None))
                    k = (away, extra[s], g, s, rank(cc, row), ii, r)
                    if n not in best or k < best[n][0]: best[n] = (k, ii, row, s)
    todo = list(best.values())
    if pair in (None, 'heterogeneous'):  # the condensation jobs: after cell (a)'s first pairs, before the next cell; `LATE_SETS` after the last study-2 cell's
        het2 = [group(i) for i, c in enumerate(CELLS) if c.get('study') == 2 and c['pair'] == 'heterogeneous']
        for k, (name, job) in enumerate(SET_JOBS.items()):
            g = len(CELLS) - .5 if name in LAST_SETS else max(het2) + LATE_AT if name in LATE_SETS else min(het2)
            if not (SETS/f'{name}.pt').exists(): todo.append(((False, False, g, 10**6, k, -1, 0), None, job, name))
    if pair in (None, 'homogeneous'):  # 08b's and 08c's tables: between seeds BENCH_AFTER and BENCH_AFTER + 1 of the selection cell's group
        g = group(next(i for i, c in enumerate(CELLS) if all(c.get(k) == v for k, v in SELECTION.items())))
        for k, nb in enumerate(BENCH_JOBS):
            if not bench_done(nb): todo.append(((False, False, g, BENCH_AFTER + 0.5, k, -1, 0), None, ('bench', nb), Path(nb).stem))
    return [(k, i, row, s, run_name(CELLS[i], row, s) if i is not None else s) for k, i, row, s in sorted(todo, key=lambda t: t[0])]

def lane(pair:str|None=None)->list:
    """What a queue makes, in order: `plan(pair)`; but a lane whose own pair has only extra or away runs left first helps the
    other lane with what it owes (first exact pairs, condensation jobs), so neither core idles on standard errors while the
    other pair's cells lack their pairs; and a lane whose own runs are all away (their partners made on other hardware, so no
    pair of them can be exact here) also makes the other lane's extra runs that can pair here before its own."""
    own = ranked(pair)
    if pair is None or any(not (k[0] or k[1]) for k, *_ in own): return [t[1:] for t in own]
    mine, all_away = {t[-1] for t in own}, bool(own) and all(k[0] for k, *_ in own)
    other = [t for t in ranked(None) if not t[0][0] and t[-1] not in mine]
    return [t[1:] for t in other if not t[0][1]] + [t[1:] for t in other if t[0][1] and all_away] + [t[1:] for t in own]

def bench_done(nb:str)->bool: return (BENCH_REC/f'{Path(nb).stem}.done').exists()

def alive(pid:int)->bool:
    try: os.kill(pid, 0); return True
    except ProcessLookupError: return False
    except PermissionError: return True

def take(name:str)->bool:
    "Hold run `name` for this queue unless a live queue holds it."
    f = OUT/f'{name}.taken'
    for _ in range(2):
        try:
            fd = os.open(f, os.O_CREAT | os.O_EXCL | os.O_WRONLY); os.write(fd, str(os.getpid()).encode()); os.close(fd); return True
        except FileExistsError:
            try: pid = int(f.read_text() or 0)
            except (OSError, ValueError): pid = 0
            if pid and alive(pid): return False
            f.unlink(missing_ok=True)  # a dead queue's hold
    return False

def parse(argv):
    "The command line; `--help` prints the module's docstring, and an unknown or malformed flag stops here (exit 2) before any run starts."
    import argparse
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    do = ap.add_mutually_exclusive_group()
    do.add_argument('--record', action='store_true', help='write nbs/results/claim_study.json from the finished runs and the record')
    do.add_argument('--list', action='store_true', help='print the runs this queue would make, in order')
    ap.add_argument('--workers', type=int, help='start this many queues (no more than cores)')
    ap.add_argument('--pair', choices=('homogeneous', 'heterogeneous'), help="keep to one pair's cells")
    a = ap.parse_args(argv)
    if a.workers is not None and a.workers < 1: ap.error(f'--workers {a.workers}: give 1 or more')
    return a

def main(argv):
    a = parse(argv); pair = a.pair
    if a.record:  # what 08d's Results cell writes, without executing the notebook: commit it as each run lands
        sys.path.insert(0, str(ROOT))
        from cdx.lab.claim import claim_study, with_record
        study = claim_study(out=OUT, make=False)
        study = with_record(study, json.loads(RECORD.read_text())) if RECORD.exists() else study
        RECORD.write_text(json.dumps(study, indent=1))
        print(f"{RECORD.relative_to(ROOT)}: {sum(r is not None for c in study for s in c['seeds'] for r in (s['plus_cs'], s['guided']))} runs"); return 0
    if a.list:
        todo = lane(pair)
        for *_, n in todo: print(n)
        print(f'{len(todo)} runs to make'); return 0
    if a.workers:
        ps = [subprocess.Popen([sys.executable, __file__, *(['--pair', pair] if pair else [])]) for _ in range(a.workers)]
        return max(p.wait() for p in ps)
    OUT.mkdir(parents=True, exist_ok=True)
    log = open(OUT/'queue.log', 'a')
    say = lambda m: (print(m, flush=True), log.write(m + '\n'), log.flush())
    from cdx.lab.claim import CELLS, finished, cell_budget
    SETS.mkdir(parents=True, exist_ok=True)
    failed = set()  # notebook jobs that failed in this queue: not tried again until it is started again
    while True:  # plan again after each run: a cell's extra seeds are decided by the runs before
        todo, ran = lane(pair), 0
        say(f'{time.strftime("%F %T")} queue {os.getpid()}{" (" + pair + ")" if pair else ""}: {len(todo)} runs to make')
        for i, row, s, name in todo:
            if name in failed or not take(name): continue
            bench = i is None and row[0] == 'bench'
            if (finished(OUT/f'{name}.jsonl', cell_budget(CELLS[i])['epochs']) if i is not None else bench_done(row[1]) if bench else (SETS/f'{name}.pt').exists()):
                (OUT/f'{name}.taken').unlink(missing_ok=True); continue  # another queue finished it after this one planned
            t = time.time()
            if bench:  # a notebook job: executed whole (its runs resume from their checkpoints in runs/bench), its copy kept in runs/bench/executed
                code = (f"import subprocess, sys; from pathlib import Path; subprocess.run([sys.executable, '-m', 'nbconvert', '--to', 'notebook', '--execute', "
                        f"{row[1]!r}, '--output-dir', {str(OUT.parent/'bench'/'executed')!r}, '--ExecutePreprocessor.timeout=-1'], check=True); "
                        f"Path({str(BENCH_REC/(name + '.done'))!r}).write_text('executed whole at the testbed budget'); print('executed', {row[1]!r})")
            elif i is None:  # a condensation job: resumable from its checkpoint in runs/condense/<name>; the set is copied to SETS
                method, spc, over = row
                dst, src = OUT.parent/'condense'/name, OUT.parent/'condense'/EXTENDS.get(name, name)
                if src != dst and not dst.exists() and (ck := sorted(src.glob('*_ckpt.pt'))):  # start from the shorter job's checkpoint
                    dst.mkdir(parents=True); shutil.copy(ck[0], dst/ck[0].name)
                code = (f"import shutil; from cdx.condense import condense; cs, f = condense({method!r}, 'fashion_mnist', {spc}, 'cpu', "
                        f"out={str(OUT.parent/'condense'/name)!r}, progress=False, **{over!r}); shutil.copy(f, {str(SETS/(name + '.pt'))!r}); "
                        f"print('minutes', round(cs.meta['seconds']/60, 1), 'final loss', cs.meta['final_loss'])")
            else:
                code = (f"from cdx.lab.claim import CELLS, claim_run; r = claim_run(CELLS[{i}], {row!r}, {s}, out={str(OUT)!r}); "
                        f"open({str(OUT/(name + '.acc'))!r}, 'w').write(repr(r['acc'])); print('test acc', r['acc'], 'minutes', r['minutes'])")
            env = {'OMP_NUM_THREADS': '1', 'MKL_NUM_THREADS': '1', **os.environ, 'PYTHONPATH': str(ROOT)}  # this checkout's cdx
            try: p = subprocess.run([sys.executable, '-c', code], cwd=NBS, capture_output=True, text=True, env=env)
            finally: (OUT/f'{name}.taken').unlink(missing_ok=True)
            tail = (p.stdout.strip().splitlines() or [''])[-1] if p.returncode == 0 else p.stderr.strip().splitlines()[-1:]
            say(f'{time.strftime("%F %T")} {name}: rc {p.returncode}, {(time.time() - t)/60:.1f} min, {tail}')
            if p.returncode != 0 and not bench: return p.returncode
            if p.returncode != 0:  # a failed notebook job is skipped until the queue starts again; its traceback (the failing cell) is kept
                failed.add(name); err = OUT.parent/'bench'/f'{name}.err'; err.parent.mkdir(parents=True, exist_ok=True)
                err.write_text(p.stderr); say(f'  its traceback: {err}'); continue
            ran += 1
            break  # plan again after each run: a new plan (extra pairs, jobs added since) is read between runs
        if not ran: break  # nothing left that another queue is not making
    say(f'{time.strftime("%F %T")} queue {os.getpid()}: done')
    return 0

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
