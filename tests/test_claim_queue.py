"The claim study's queue (tools/claim_queue.py): the order it makes runs in, and the hold that lets several queues share the list."
import importlib.util, json, re, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def _queue(out):
    spec = importlib.util.spec_from_file_location('claim_queue', ROOT/'tools'/'claim_queue.py')
    q = importlib.util.module_from_spec(spec); spec.loader.exec_module(q)
    q.OUT = Path(out)
    return q

def _plan(tmp_path, record=None, pair=None, bf16=True, picked=None):
    """The queue's plan (of `pair`'s cells, if given) for the runs folder `tmp_path` with `record` (study cells) as the committed record
    and, with `picked`, the confirmation cells of `picked` in CELLS in place of those of `PICKED`; CELLS; every run name."""
    rec = tmp_path/'record.json'
    if record is not None: rec.write_text(json.dumps(record))
    # in a fresh process: importing cdx here would make the notebooks run later in this process (test_notebooks) register
    # their own class definitions over the library's, and a notebook that compares classes with the registry would fail
    code = f"""import json, sys, importlib.util
spec = importlib.util.spec_from_file_location('claim_queue', {str(ROOT/'tools'/'claim_queue.py')!r})
q = importlib.util.module_from_spec(spec); spec.loader.exec_module(q); q.OUT = __import__('pathlib').Path({str(tmp_path)!r})
q.RECORD = q.OUT/'record.json'; q.native_bf16 = lambda: {bf16!r}; q.SETS = q.OUT/'sets'; q.BENCH_REC = q.OUT/'bench'; q.REPORT = q.OUT/'sets_report.json'
from cdx.lab.claim import CELLS, run_name, cell_rows, confirm_cells, PICKED
if {picked!r} is not None: CELLS[:] = [c for c in CELLS if c not in confirm_cells(PICKED)] + confirm_cells({picked!r})
print(json.dumps(dict(todo=q.plan({pair!r}), cells=CELLS, names=sorted({{run_name(c, r, s) for c in CELLS for s in range(c['seeds']) for r in cell_rows(c) if c.get('set', 'dm') in ('dm', 'real')}}))))"""
    p = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout.strip().splitlines()[-1])

def test_order(tmp_path):
    got = _plan(tmp_path)
    todo, CELLS = got['todo'], got['cells']  # nothing finished in an empty folder: every run, each once
    jobs = [n for i, *_, n in todo if i is None]  # the condensation jobs (issue 26)
    names = [n for i, *_, n in todo if i is not None]
    assert sorted(names) == got['names'] and len(jobs) == len(set(jobs)) > 0
    todo = [t for t in todo if t[0] is not None]
    key = lambda c: (c.get('study', 1), c.get('base', 'fast'), c.get('amp'), c['rung'], c['pair'], c['spc'])  # a cell's identity but the variant
    vk = key(next(c for c in CELLS if c.get('variant')))  # the variants of the rung that decides
    var = [(i, s) for i, row, s, _ in todo if CELLS[i].get('variant') and key(CELLS[i]) == vk]
    assert len({i for i, _ in var}) > 1 and [s for _, s in var] == sorted(s for _, s in var)  # variants seed-major
    assert sorted(var[:len({i for i, _ in var})]) == [(i, 0) for i in sorted({i for i, _ in var})]    # seed 0 of each variant first
    hom = [(CELLS[i].get('variant'), row) for i, row, s, _ in todo if s == 0 and key(CELLS[i])[0] >= 2 and key(CELLS[i])[2:] == (None, 'ratio', 'homogeneous', 1)]
    test = [v for v, row in hom[:3]]
    assert hom[0][1] == 'plus_cs' and test[1:] == ['cutmix-init50', 'cutmix-pool50']  # the recipe issue's variant and its control right after Base + CS
    first = {}
    for k, (i, *_) in enumerate(todo): first.setdefault(i, k)
    plain = [i for i in first if not CELLS[i].get('variant') and CELLS[i].get('amp') != 'bf16']
    assert plain == sorted(plain)  # the cells' order (a bf16 cell aside: it goes first, see test_bf16_cells)

def test_hold(tmp_path):
    q = _queue(tmp_path)
    assert q.take('a') and not q.take('a')  # held by this (live) process
    dead = subprocess.Popen([sys.executable, '-c', 'pass']); dead.wait()
    (tmp_path/'b.taken').write_text(str(dead.pid))
    assert q.take('b') and (tmp_path/'b.taken').read_text() == str(__import__('os').getpid())  # a dead queue's hold is taken over

def test_record(tmp_path):
    # a run whose result the committed record holds is not made again (a new machine has no runs/); its unrecorded partner still is
    got = _plan(tmp_path)
    c = next(c for c in reversed(got['cells']) if c.get('rows') == ['plus_cs'])  # a cell whose Base + CS runs are its own (not shared with another cell)
    cell = dict(c, variant=c.get('variant') or 'defaults', seeds=[dict(seed=0, plus_cs=0.8, guided=None, val=dict(plus_cs=0.8, guided=None))])
    left = [n for *_, n in _plan(tmp_path, [cell])['todo']]
    gone = set(n for *_, n in got['todo']) - set(left)
    assert len(gone) == 1 and 'cs' + str(c['spc']) in next(iter(gone)) and '_s0_' in next(iter(gone)) and 'guided' not in next(iter(gone))
    assert len(left) == len(got['todo']) - 1
    # the same record under another identity (loose pairs instead of exact, or another base) takes no exact-pair run off the plan
    # (a loose record of the same setting is study 1's own cell, whose run it does take)
    for other in (dict(cell, study=1, pairing='loose'), dict(cell, base='cmi')):
        left2 = [n for *_, n in _plan(tmp_path, [other])['todo']]
        assert not any('claim2' in n for n in set(n for *_, n in got['todo']) - set(left2))
        assert all(n in left2 for n in gone)

def test_extra_pairs(tmp_path):
    # a study-2 cell gets pairs beyond its first 5 (up to max_seeds) only while its paired standard error is above target_se
    got = _plan(tmp_path)
    cells = got['cells']
    i = next(k for k, c in enumerate(cells) if c.get('study') == 2 and c.get('variant') == 'wgan' and c['pair'] == 'heterogeneous' and c.get('base', 'fast') == 'fast')
    c = cells[i]
    assert c['max_seeds'] == 10 and c['target_se'] == 0.003
    names = {(r, s): n for _, r, s, n in got['todo'] if _ == i}
    def write(diffs):  # finished runs of seeds 0-4 (a last log row at the last epoch) and their test accuracies
        for s, d in enumerate(diffs):
            for row, acc in (('plus_cs', 0.8), ('guided', 0.8 + d)):
                (tmp_path/f'{names[(row, s)]}.jsonl').write_text('{"epoch": 25, "test_acc": 0.8, "wall_s": 1.0}\n')
                (tmp_path/f'{names[(row, s)]}.acc').write_text(repr(acc))
    seed5 = lambda todo: [n for ii, r, s, n in todo if ii == i and s == 5]
    write([0.00, 0.001, -0.001, 0.002, 0.0])  # s.e. 0.05 points: enough pairs
    assert seed5(_plan(tmp_path)['todo']) == []
    write([0.05, -0.04, 0.03, -0.05, 0.06])  # s.e. 2.3 points: a 6th pair, both rows
    assert len(seed5(_plan(tmp_path)['todo'])) == 2

def test_extra_pairs_from_record(tmp_path):
    # on a new machine (no .acc files, no runs) the committed record's accuracies decide a cell's extra pairs
    got = _plan(tmp_path)
    c = next(c for c in got['cells'] if c.get('study') == 2 and c.get('variant') == 'wgan' and c['pair'] == 'heterogeneous' and c.get('base', 'fast') == 'fast')
    i = got['cells'].index(c)
    seed5 = lambda todo: [n for ii, r, s, n in todo if ii == i and s == 5]
    assert seed5(got['todo']) == []  # no pairs yet: no extra seed
    def record(diffs):
        return [dict(c, seeds=[dict(seed=s, plus_cs=0.8, guided=0.8 + d, val=dict(plus_cs=0.8, guided=0.8)) for s, d in enumerate(diffs)])]
    assert len(seed5(_plan(tmp_path, record([0.05, -0.04, 0.03, -0.05, 0.06]))['todo'])) == 2  # s.e. 2.3 points: a 6th pair
    # s.e. 0.05 points is enough when the pairs are exact: a pair whose rows were made on two kinds of hardware, or on kinds the
    # record does not name, does not count towards the first 5
    assert len(seed5(_plan(tmp_path, record([0.0, 0.001, -0.001, 0.002, 0.0]))['todo'])) == 2  # kinds not named
    def kinds(rec, mixed):
        for x in rec[0]['seeds']: x['hw'] = {'plus_cs': 'cpu:AVX2:1', 'guided': 'cpu:AVX512:1' if x['seed'] in mixed else 'cpu:AVX2:1'}
        return rec
    assert seed5(_plan(tmp_path, kinds(record([0.0, 0.001, -0.001, 0.002, 0.0]), ()))['todo']) == []
    assert len(seed5(_plan(tmp_path, kinds(record([0.0, 0.001, -0.001, 0.002, 0.0]), (3,)))['todo'])) == 2  # 4 exact pairs: a 6th
    # a seed with one row missing and the other made on another kind than this queue's cannot be exact here: it does not hold
    # the decision back (a cell whose seed 2 waits for an AVX512 machine gets its 6th seed on an AVX2 one); made on this kind, it does
    here = _queue(tmp_path).here()
    def gap(hw):
        rec = record([0.0, 0.001, -0.001, 0.002, 0.0])
        for x in rec[0]['seeds']: x['hw'] = {'plus_cs': here, 'guided': here}
        rec[0]['seeds'][2].update(guided=None, hw={'plus_cs': hw, 'guided': None})
        return [n for ii, r, s, n in _plan(tmp_path, rec)['todo'] if ii == i and s in (2, 5)]
    away = gap('cpu:SOME-OTHER-ISA:1')
    assert len(away) == 3 and sum('_s5_' in n for n in away) == 2  # seed 2's missing row (last in its lane) and seed 5's pair
    assert [n for n in gap(here) if '_s5_' in n] == [] and len(gap(here)) == 1  # seed 2's row only: its pair can still be exact

def test_exact_cap(tmp_path):
    # `max_seeds` counts exact pairs (issue 23 item 3: up to 10 pairs): a seed that paired on two kinds of hardware, or whose
    # Base + CS was made on another kind with its other row missing (it cannot pair here), is not one of them, so the queue goes
    # past seed 9 (up to `seed_cap`) while the cell's s.e. is above its target; with 10 exact pairs it adds none
    got = _plan(tmp_path)
    c = next(c for c in got['cells'] if c.get('study') == 2 and c.get('variant') == 'wgan' and c['pair'] == 'heterogeneous' and c.get('base', 'fast') == 'fast')
    i, here = got['cells'].index(c), _queue(tmp_path).here()
    wide = [.03, -.02, .01, -.03, .02]*2  # s.e. 0.6 points: above the 0.3 target
    def record(lost=(), mixed=()):
        return [dict(c, seeds=[dict(seed=s, plus_cs=.8, guided=None if s in lost else .8 + d, val=dict(plus_cs=.8, guided=.8),
                                    hw={'plus_cs': 'cpu:OTHER:1' if s in lost + mixed else here, 'guided': None if s in lost else here})
                               for s, d in enumerate(wide)])]
    def seeds(rec):
        todo = _plan(tmp_path, rec)['todo']
        base = re.compile(r'fast_cs10_heterogeneous_s\d+_claim2-ratio-fp32')  # the cell's Base + CS runs (its variants share them)
        return [s for ii, r, s, n in todo if (ii == i and r == 'guided') or base.fullmatch(n)]
    assert seeds(record()) == []  # 10 exact pairs: no more, whatever the s.e.
    assert sorted(seeds(record(mixed=(2,)))) == [10, 10]  # 9 exact of 10 pairs: an 11th seed, both rows
    away = seeds(record(lost=(6, 7, 8, 9)))
    assert away == [10, 10, 6, 7, 8, 9]  # 6 exact: seed 10's pair first; seeds 6-9's missing rows go last (they pair only elsewhere)
    # with seed 10's pair made here, seed 11 follows while the s.e. stays above the target
    rec = record(lost=(6, 7, 8, 9)); rec[0]['seeds'].append(dict(seed=10, plus_cs=.8, guided=.83, val=dict(plus_cs=.8, guided=.8), hw={'plus_cs': here, 'guided': here}))
    assert sorted(seeds(rec)) == [6, 7, 8, 9, 11, 11]

def test_pair_lane(tmp_path):
    # --pair keeps a queue to one pair's cells; the two lanes together are the whole plan
    got = _plan(tmp_path)
    lanes = {p: _plan(tmp_path, pair=p)['todo'] for p in ('homogeneous', 'heterogeneous')}
    assert all(got['cells'][i]['pair'] == p for p, todo in lanes.items() for i, *_ in todo if i is not None) and all(lanes.values())
    assert sorted(n for t in lanes.values() for *_, n in t) == sorted(n for *_, n in got['todo'])
    # the command line, on a copy of the tool in an empty tree: its ROOT is tmp_path, so a queue it started would write tmp_path/runs
    tool = tmp_path/'cli'/'tools'/'claim_queue.py'; tool.parent.mkdir(parents=True); tool.write_text((ROOT/'tools'/'claim_queue.py').read_text())
    cli = lambda *a: subprocess.run([sys.executable, str(tool), *a], capture_output=True, text=True, cwd=tool.parent.parent, timeout=120)
    # a flag it does not know stops it before any run (it once started a whole queue when asked for --help)
    for bad, says in ((('--list', '--pair', 'hetero'), "invalid choice: 'hetero'"), (('--bogus',), 'unrecognized arguments: --bogus'),
                      (('--workers', '0'), '--workers 0: give 1 or more'), (('--list', '--record'), 'not allowed with')):
        p = cli(*bad)
        assert p.returncode == 2 and says in p.stderr, (bad, p.stderr)
    p = cli('--help')  # prints the docstring and starts nothing
    assert p.returncode == 0 and 'usage:' in p.stdout and 'one at a time' in p.stdout
    assert not (tool.parent.parent/'runs').exists()  # no queue made its runs folder or log

def test_bf16_cells(tmp_path):
    # a bf16 cell's runs are planned only on a CPU with native bf16 (elsewhere bf16 is ~10x slower than fp32); no other run is dropped
    got, off = _plan(tmp_path), _plan(tmp_path, bf16=False)
    gone = set(n for *_, n in got['todo']) - set(n for *_, n in off['todo'])
    assert gone and all('-bf16' in n for n in gone) and not any('-bf16' in n for *_, n in off['todo'])
    # where bf16 is native, its cell's runs go first in their lane: the rarer machines are the only ones that can make them
    hom = _plan(tmp_path, pair='homogeneous')['todo']
    assert [n for *_, n in hom[:len(gone)]] == sorted(gone, key=lambda n: int(n.split('_s')[1].split('_')[0]))

def test_condense_jobs(tmp_path):
    # the condensation jobs go in the heterogeneous lane, after study 2's cell (a) and before the next cell; a job whose set is in SETS is done
    todo, cells = (got := _plan(tmp_path, pair='heterogeneous'))['todo'], got['cells']
    late, last = _queue(tmp_path).LATE_SETS, _queue(tmp_path).LAST_SETS
    assert late and last and all(n in [m for i, *_, m in todo if i is None] for n in late + last)
    kinds = [('last' if n in last else 'job' if i is None and n not in late else 'late' if i is None else (cells[i].get('study', 1), cells[i].get('base', 'fast')))
             for i, *_, n in todo]
    first_job, last_job = kinds.index('job'), len(kinds) - 1 - kinds[::-1].index('job')
    assert all(k == [2, 'fast'] or k == (2, 'fast') for k in kinds[:first_job] if k not in ('job', 'late') and k[0] == 2)
    assert all(k == 'job' for k in kinds[first_job:last_job + 1]) and any(k not in ('job', 'late') and k[1] == 'cmi' for k in kinds[last_job + 1:])
    # a late job (no cell waits for its set) goes after cell (d)'s (CMI's) first pairs and before study 4
    firsts = [(k, cells[i]) for k, (i, row, s, n) in enumerate(todo) if i is not None and s < cells[i]['seeds']]
    at = kinds.index('late')
    assert all(k < at for k, c in firsts if c.get('base') == 'cmi') and all(k > at for k, c in firsts if c.get('study') == 4)
    assert any(c.get('base') == 'cmi' for k, c in firsts) and any(c.get('study') == 4 for k, c in firsts)
    # a last job (DM's published 20,000 iterations at 50 per class) goes after every cell's first pairs, and before any extra pair:
    # here cell (a)'s 6th, which a committed record with a wide standard error asks for
    assert max(k for k, c in firsts) < kinds.index('last')
    a = next(c for c in cells if c.get('study') == 2 and c.get('variant') == 'wgan' and c['pair'] == 'heterogeneous' and c.get('base', 'fast') == 'fast')
    (tmp_path/'wide').mkdir()
    here = _queue(tmp_path).here()  # exact pairs made here: the 6th is for the standard error only (an owed one keeps its cell's place: test_owed_pairs)
    rec = [dict(a, seeds=[dict(seed=s, plus_cs=0.8, guided=0.8 + d, val=dict(plus_cs=0.8, guided=0.8), hw=dict(plus_cs=here, guided=here))
                          for s, d in enumerate([0.05, -0.04, 0.03, -0.05, 0.06])])]
    wide = _plan(tmp_path/'wide', rec, pair='heterogeneous')['todo']
    extra = [k for k, (i, row, s, n) in enumerate(wide) if i is not None and s >= cells[i]['seeds']]
    assert extra and [n for *_, n in wide].index(last[0]) < min(extra)
    name = next(n for i, *_, n in todo if i is None and n == 'dsa10')
    assert not any(i is not None and cells[i].get('set') == 'dsa10' for i, *_ in todo)  # the cell that starts from a set waits for it
    (tmp_path/'sets').mkdir(); (tmp_path/'sets'/f'{name}.pt').write_bytes(b'')
    after = _plan(tmp_path, pair='heterogeneous')['todo']
    assert name not in [n for *_, n in after]  # a made set is not made again; the cells that start from it are planned
    test = [n for i, *_, n in after if i is not None and cells[i].get('set') == 'dsa10']
    assert len(test) == 10 and all('-dsa10' in n for n in test)
    assert not any(i is None and row[0] != 'bench' for i, row, *_ in _plan(tmp_path, pair='homogeneous')['todo'])

def test_needs_condensed(tmp_path):
    # the 50-per-class cells wait for their set (dm50x20k) to be made AND counted as condensed by 08g's report; then they come after
    # every other cell's first pairs, seed by seed, Base + CS first (made once for both rows)
    (tmp_path/'sets').mkdir(); (tmp_path/'sets'/'dm50x20k.pt').write_bytes(b'')
    is50 = lambda cells, i: i is not None and cells[i].get('needs') == 'condensed'
    got = _plan(tmp_path, pair='homogeneous')
    assert not any(is50(got['cells'], i) for i, *_ in got['todo'])  # made, but not measured: not planned
    row = lambda ok: [{'set': 'dm50x20k (made here)', 'condensed': ok}]
    (tmp_path/'sets_report.json').write_text(json.dumps(row(False)))
    assert not any(is50(got['cells'], i) for i, *_ in _plan(tmp_path, pair='homogeneous')['todo'])  # measured, not condensed: never
    (tmp_path/'sets_report.json').write_text(json.dumps(row(True)))
    got = _plan(tmp_path, pair='homogeneous'); todo, cells = got['todo'], got['cells']
    k50 = [k for k, (i, *_) in enumerate(todo) if is50(cells, i)]
    assert [todo[k][3] for k in k50[:3]] == ['fast_cs50_homogeneous_s0_claim2-ratio-fp32-dm50x20k',
        'fast_cs50_homogeneous_s0_claim2-ratio-fp32-dm50x20k-cutmix-init50', 'fast-guided_cs50_homogeneous_s0_claim2-ratio-fp32-dm50x20k-wgan']
    assert len(k50) == 15 and len({todo[k][3] for k in k50}) == 15  # 5 seeds x (Base + CS, recipe, guided)
    firsts = [k for k, (i, row, s, n) in enumerate(todo) if i is not None and not is50(cells, i) and s < cells[i]['seeds']]
    assert max(firsts) < min(k50)

def test_confirm_cells(tmp_path):
    # the recipe issue's confirmation cells: after the study-2 cells of their pair (all their first pairs), and on the heterogeneous
    # lane before the late set job and study 4; each run once, the Base + CS runs a study-2 cell shares made by that cell
    for pair in ('heterogeneous', 'homogeneous'):
        got = _plan(tmp_path, pair=pair, picked=('cutmix-init50',))
        todo, cells = got['todo'], got['cells']
        conf = [k for k, (i, row, s, n) in enumerate(todo) if i is not None and cells[i].get('study') == 3 and (cells[i]['pair'], cells[i]['spc']) != ('homogeneous', 1)]
        assert conf and all(k < min(conf) for k, (i, row, s, n) in enumerate(todo) if i is not None and cells[i].get('study') == 2)
        rows = sorted((cells[todo[k][0]]['spc'], todo[k][1]) for k in conf)
        if pair == 'heterogeneous':  # 1 spc: both rows (no study-2 cell there); 10 spc: the variant row only (cell (a) makes Base + CS)
            assert rows == sorted([(1, 'guided')]*5 + [(1, 'plus_cs')]*5 + [(10, 'guided')]*5)
            late = [k for k, (i, *_, n) in enumerate(todo) if i is None and n in _queue(tmp_path).LATE_SETS]
            assert late and max(conf) < min(late) < min(k for k, (i, *_) in enumerate(todo) if i is not None and cells[i].get('study') == 4)
        else:  # 10 spc: the variant row only, after cell (c), which makes the shared Base + CS runs
            assert rows == [(10, 'guided')]*5
        assert all(todo[k][3].endswith('-cutmix-init50') for k in conf if todo[k][1] == 'guided')
    assert not any(i is not None and cells[i].get('study') == 3 and cells[i]['spc'] == 10 for i, *_ in _plan(tmp_path, pair='homogeneous', picked=())['todo'])  # nothing picked: no cell
    # a confirmation row whose Base + CS a study-2 cell recorded on another kind of hardware goes last: the queue reads a shared
    # Base + CS run from the record of the sibling cell that made it (`rec_get`), as it reads its own
    got = _plan(tmp_path, pair='heterogeneous', picked=('cutmix-init50',)); cells = got['cells']
    a = next(c for c in cells if c.get('study') == 2 and c['pair'] == 'heterogeneous' and c.get('variant') == 'wgan' and c.get('base', 'fast') == 'fast')
    rec = [dict(a, seeds=[dict(seed=0, plus_cs=0.8, guided=0.8, val=dict(plus_cs=0.8, guided=0.8), hw={'plus_cs': 'cpu:OTHER:1', 'guided': 'cpu:OTHER:1'})])]
    todo = _plan(tmp_path, rec, pair='heterogeneous', picked=('cutmix-init50',))['todo']
    names = [n for *_, n in todo]
    assert 'fast_cs10_heterogeneous_s0_claim2-ratio-fp32' not in names  # recorded under cell (a): not made again
    k = names.index('fast_cs10_heterogeneous_s0_claim2-ratio-fp32-cutmix-init50')
    assert k > max(j for j, (i, *_) in enumerate(todo) if i is not None and cells[i].get('study') == 4)  # its pair could not be exact here

def test_bench_jobs(tmp_path):
    # issue 23 item 5: 08b's and 08c's tables, re-made by executing the notebooks, in the homogeneous lane between seed
    # BENCH_AFTER and the next seed of the selection cell's runs; a notebook whose record holds its `.done` marker is not executed again
    got, last = _plan(tmp_path, pair='homogeneous', bf16=False), _queue(tmp_path).BENCH_AFTER
    todo, cells = got['todo'], got['cells']
    at = [k for k, (i, *_) in enumerate(todo) if i is None]
    assert [todo[k][1] for k in at] == [['bench', '08b_benchmark.ipynb'], ['bench', '08c_expansion.ipynb']] and at[1] == at[0] + 1
    sel = lambda i: cells[i]['spc'] == 1 and cells[i]['rung'] == 'ratio' and cells[i].get('study', 1) >= 2 and cells[i].get('amp') != 'bf16'
    before, after = todo[:at[0]], todo[at[1] + 1:]
    assert before and all(s <= last for i, row, s, n in before if sel(i))  # every earlier run of the selection cell is of seeds 0 .. BENCH_AFTER
    assert any(s == last for i, row, s, n in before if sel(i)) and not any(s <= last for i, row, s, n in after if sel(i))
    assert not any(i is None and row[0] == 'bench' for i, row, *_ in _plan(tmp_path, pair='heterogeneous')['todo'])
    rec = tmp_path/'bench'; rec.mkdir(); (rec/'08b_benchmark.done').write_text('')
    code = f"""import json, importlib.util
spec = importlib.util.spec_from_file_location('claim_queue', {str(ROOT/'tools'/'claim_queue.py')!r})
q = importlib.util.module_from_spec(spec); spec.loader.exec_module(q); q.OUT = q.SETS = __import__('pathlib').Path({str(tmp_path)!r}); q.BENCH_REC = q.OUT/'bench'
print(json.dumps([n for i, row, s, n in q.plan('homogeneous') if i is None]))"""
    p = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout.strip().splitlines()[-1]) == ['08c_expansion']  # 08b is done: only 08c is left

def test_pairs_on_one_kind(tmp_path):
    # a row whose partner was made on another kind of hardware (or one the record does not name) goes after every other run:
    # its pair could not be exact (runs on AVX2 and AVX512 differ from the first step); a partner made here, or on this kind, keeps its place
    q = _queue(tmp_path); here = q.here()
    got = _plan(tmp_path, pair='heterogeneous', picked=())
    c = next(c for c in got['cells'] if c.get('study') == 2 and c.get('variant') == 'wgan' and c['pair'] == 'heterogeneous' and c.get('base', 'fast') == 'fast')
    i = got['cells'].index(c)
    def where(hw):
        rec = [dict(c, seeds=[dict(seed=0, plus_cs=0.8, guided=None, val=dict(plus_cs=0.8, guided=None), **({'hw': {'plus_cs': hw, 'guided': None}} if hw != 'none' else {}))])]
        todo = _plan(tmp_path, rec, pair='heterogeneous', picked=())['todo']  # no confirmation cells: they share this Base + CS (test_confirm_cells)
        first2 = min(k for k, (ii, *_) in enumerate(todo) if ii is not None and got['cells'][ii].get('study') == 2)
        k = [k for k, (ii, row, s, n) in enumerate(todo) if ii == i and row == 'guided' and s == 0][0]
        # the variant rows of seed 0 that share this Base + CS run (cell (a)'s guides): they pair with it
        sib = [k for k, (ii, row, s, n) in enumerate(todo) if ii is not None and row == 'guided' and s == 0 and got['cells'][ii].get('study') == 2
               and got['cells'][ii]['pair'] == c['pair'] and got['cells'][ii]['spc'] == c['spc'] and got['cells'][ii].get('base', 'fast') == 'fast']
        return k - first2, k, len(todo), sib
    k, _, n, sib = where(here)
    assert k == 0 and len(sib) > 1  # its Base + CS made on this kind: the pair is study 2's next run
    same_isa = ':'.join(here.split(':')[:3] + ['SomeOtherVendor'])  # the same instruction set on another vendor's CPU: other kernels
    for other in ('cpu:SOME-OTHER-ISA:1', same_isa, 'none'):
        _, k, n, sib = where(other)
        assert k in sib and sib == list(range(n - len(sib), n)), (other, k, n, sib)  # the only runs whose partner was made elsewhere: the last
    # a finished log in this runs folder that names no hardware was made here (runs/ stays on its machine)
    code = f"""import json, importlib.util
spec = importlib.util.spec_from_file_location('claim_queue', {str(ROOT/'tools'/'claim_queue.py')!r})
q = importlib.util.module_from_spec(spec); spec.loader.exec_module(q); q.OUT = __import__('pathlib').Path({str(tmp_path)!r}); q.RECORD = q.OUT/'none.json'
from cdx.lab.claim import CELLS, run_name
c = CELLS[{i}]; log = q.OUT/(run_name(c, 'plus_cs', 0) + '.jsonl')
log.write_text(''.join(json.dumps({{'epoch': e + 1, 'test_acc': None}}) + '\\n' for e in range(25)))
a = q.made_on(c, 'plus_cs', 0)
log.write_text(''.join(json.dumps({{'epoch': e + 1, 'test_acc': None, 'hw': 'cpu:X:1' if e < 10 else 'cpu:Y:1'}}) + '\\n' for e in range(25)))
from cdx.core import cpu_vendor
print(json.dumps([a, q.made_on(c, 'plus_cs', 0), q.made_on(c, 'guided', 0), cpu_vendor()]))"""
    p = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    a, both, none, v = json.loads(p.stdout.strip().splitlines()[-1])
    v = f':{v}' if v else ''  # a CPU whose vendor cannot be read (no vendor_id in /proc/cpuinfo) names none
    assert [a, both, none] == [here, f'cpu:X:1{v}+cpu:Y:1{v}', None]  # a run resumed on another kind names both (a log without the vendor: this machine's)

def test_owed_pairs(tmp_path):
    # a seed beyond a cell's first 5 that completes its first 5 exact pairs (one of them mixed) is owed: it keeps the cell's place,
    # before the later cells' first pairs; once the cell has 5 exact pairs a seed for the standard error goes after them; a Base + CS
    # run that two cells share goes with the more urgent one
    here = _queue(tmp_path).here()
    got = _plan(tmp_path, pair='heterogeneous', picked=())
    cells = got['cells']
    a = lambda v: next(k for k, c in enumerate(cells) if c.get('study') == 2 and c.get('variant') == v and c['pair'] == 'heterogeneous' and c.get('base', 'fast') == 'fast')
    w, u = a('wgan'), a('uncond')  # cell (a)'s two guides (in this order in CELLS): they share their Base + CS runs
    def order(cells_diffs_mixed):
        rec = [dict(cells[i], seeds=[dict(seed=s, plus_cs=0.8, guided=0.8 + d, val=dict(plus_cs=0.8, guided=0.8),
                                          hw={'plus_cs': here, 'guided': 'cpu:SOME-OTHER-ISA:1' if s in mixed else here}) for s, d in enumerate(diffs)])
               for i, diffs, mixed in cells_diffs_mixed]
        todo = _plan(tmp_path, rec, pair='heterogeneous', picked=())['todo']
        real = min(k for k, (ii, *_) in enumerate(todo) if ii is not None and cells[ii].get('set') == 'real')  # study 4's first run (its sets not made here)
        return real, [(k, ii, row) for k, (ii, row, s, n) in enumerate(todo) if s == 5 and ii is not None]
    tight, wide = [0.0, 0.001, -0.001, 0.002, 0.0], [0.05, -0.04, 0.03, -0.05, 0.06]  # s.e. 0.05 and 2.3 points
    real, s5 = order([(w, tight, (3,))])  # 4 exact pairs: seed 5 is owed
    assert [(ii, row) for _, ii, row in s5] == [(w, 'plus_cs'), (w, 'guided')] and all(k < real for k, *_ in s5), (real, s5)
    real, s5 = order([(w, wide, ())])  # 5 exact pairs: seed 5 for the s.e. only
    assert len(s5) == 2 and all(k > real for k, *_ in s5), (real, s5)
    real, s5 = order([(w, wide, ()), (u, tight, (3,))])  # the first cell's seed 5 is extra, the second's owed: their Base + CS goes with the owed row
    assert [(ii, row) for k, ii, row in s5 if k < real] == [(u, 'plus_cs'), (u, 'guided')] and [(ii, row) for k, ii, row in s5 if k > real] == [(w, 'guided')], (real, s5)

def test_lane_helps(tmp_path):
    # a lane whose pair has only extra (or away) runs left first makes the other pair's owed runs; otherwise it keeps to its pair
    q = _queue(tmp_path)
    key = lambda away, extra, g: (away, extra, g, 0, 0, 0, 0)
    hom = [(key(False, True, 0), 0, 'guided', 5, 'hom-extra'), (key(True, False, 0), 0, 'guided', 1, 'hom-away')]
    het = [(key(False, False, 1), 1, 'plus_cs', 0, 'het-first'), (key(False, True, 1), 1, 'guided', 6, 'het-extra')]
    q.ranked = lambda pair: {'homogeneous': hom, 'heterogeneous': het, None: sorted(hom + het)}[pair]
    names = lambda todo: [t[-1] for t in todo]
    assert names(q.lane('homogeneous')) == ['het-first', 'hom-extra', 'hom-away']
    assert names(q.lane('heterogeneous')) == ['het-first', 'het-extra']  # it owes a run itself: its own plan only
    assert names(q.lane(None)) == names(sorted(hom + het))
    hom.clear()  # nothing of its own left: it helps, and stops when the other lane owes nothing
    assert names(q.lane('homogeneous')) == ['het-first']
    hom.append((key(True, False, 0), 0, 'guided', 1, 'hom-away'))  # only away runs of its own: the other lane's extras that pair here first
    het.append((key(True, True, 1), 1, 'guided', 7, 'het-extra-away'))
    assert names(q.lane('homogeneous')) == ['het-first', 'het-extra', 'hom-away']
    het.remove(het[0])  # the other lane owes nothing: still its extras that can pair here, never its away runs
    assert names(q.lane('homogeneous')) == ['het-extra', 'hom-away']
    hom.insert(0, (key(False, True, 0), 0, 'guided', 5, 'hom-extra'))  # an extra run of its own that pairs here: its own plan
    assert names(q.lane('homogeneous')) == ['hom-extra', 'hom-away']

def test_stacked(tmp_path):
    # a variant stacked on another (`on`: the recipe issue's (d), a guide on top of the picked mixing) gets the row it stacks on made
    # at each of its seeds, with it: Base + CS, the mixing, the guide on top, in that order, so the two pair seed by seed
    here = _queue(tmp_path).here(); away = 'cpu:SOME-OTHER-ISA:1'
    got = _plan(tmp_path, pair='homogeneous')
    cells = got['cells']
    d = next(i for i, c in enumerate(cells) if c.get('on'))
    b = next(i for i, c in enumerate(cells) if c.get('variant') == cells[d]['on'] and c['pair'] == cells[d]['pair'] and c['spc'] == cells[d]['spc'] and c.get('study') == 3)
    hw = lambda s: here if s >= 5 else away  # the mixing's seeds 0-4 made elsewhere, 5-6 here
    mix = dict(cells[b], seeds=[dict(seed=s, plus_cs=0.8, guided=0.83 + 0.0001*s, val=dict(plus_cs=0.8, guided=0.83), hw=dict(plus_cs=hw(s), guided=hw(s))) for s in range(7)])
    top = dict(cells[d], seeds=[dict(seed=s, plus_cs=0.8, guided=None if s < 5 else 0.84, val=dict(plus_cs=0.8, guided=None if s < 5 else 0.84),
                                     hw=dict(plus_cs=hw(s), guided=None if s < 5 else here)) for s in range(7)])
    todo = _plan(tmp_path, [mix, top], pair='homogeneous')['todo']
    s7 = [(k, i, row) for k, (i, row, s, n) in enumerate(todo) if s == 7 and i in (b, d)]
    assert [(i, row) for _, i, row in s7] == [(d, 'plus_cs'), (b, 'guided'), (d, 'guided')], s7  # the mixing's own s.e. (7 exact pairs, 0.01 points) asks for no 8th seed
    assert [k for k, *_ in s7] == list(range(s7[0][0], s7[0][0] + 3))  # together
    s04 = [k for k, (i, row, s, n) in enumerate(todo) if i == d and s < 5]
    assert len(s04) == 5 and min(s04) > max(k for k, *_ in s7)  # its seeds 0-4 pair with rows made elsewhere: last

def test_unpicked(tmp_path):
    # once the rule has picked, a variant of the selection cell it did not pick gets its first 5 exact pairs but no pairs for its
    # standard error; the pick (and its runner-up) still gets them, as every cell a verdict rests on does
    here = _queue(tmp_path).here()
    got = _plan(tmp_path, pair='homogeneous')
    cells = got['cells']
    v = lambda name: next(i for i, c in enumerate(cells) if c.get('study') == 3 and c.get('variant') == name and not c.get('on')
                          and (c['pair'], c['spc']) == ('homogeneous', 1))
    pick, other = v('cutmix-init50'), v('cutmix-init25')
    wide = [0.05, -0.04, 0.03, -0.05, 0.06]  # s.e. 2.3 points: above the target
    rec = lambda i, n: dict(cells[i], seeds=[dict(seed=s, plus_cs=0.8, guided=0.8 + wide[s], val=dict(plus_cs=0.8, guided=0.8),
                                                  hw=dict(plus_cs=here, guided=here)) for s in range(n)])
    s5 = lambda todo, i: [row for ii, row, s, n in todo if ii == i and s == 5]
    todo = _plan(tmp_path, [rec(pick, 5), rec(other, 5)], pair='homogeneous')['todo']
    assert 'guided' in s5(todo, pick) and s5(todo, other) == []
    mixed = rec(other, 5); mixed['seeds'][3]['hw'] = dict(plus_cs=here, guided='cpu:SOME-OTHER-ISA:1')  # 4 exact pairs: seed 5 is owed
    todo = _plan(tmp_path, [rec(pick, 5), mixed], pair='homogeneous')['todo']
    assert 'guided' in s5(todo, other)

def test_first_pairs_made_later(tmp_path):
    # a cell whose first exact pairs were made on later seeds (a machine of another kind could not pair seeds 0-4's Base + CS runs
    # and made seeds 5-9) has them: its seeds 0-4, pairable again on this kind, go with the extra seeds, after every cell's first pairs
    here = _queue(tmp_path).here()
    cells = _plan(tmp_path, pair='heterogeneous', picked=())['cells']
    w = next(k for k, c in enumerate(cells) if c.get('study') == 2 and c.get('variant') == 'wgan' and c['pair'] == 'heterogeneous' and c.get('base', 'fast') == 'fast')
    run = lambda s, g: dict(seed=s, plus_cs=0.8, guided=g, val=dict(plus_cs=0.8, guided=g), hw={'plus_cs': here, 'guided': None if g is None else here})
    def where(later):
        rec = [dict(cells[w], seeds=[run(s, None) for s in range(5)] + [run(s, 0.8 + d) for s, d in zip(range(5, 10), later)])]
        todo = _plan(tmp_path, rec, pair='heterogeneous', picked=())['todo']
        real = min(k for k, (ii, *_) in enumerate(todo) if ii is not None and cells[ii].get('set') == 'real')  # study 4's first run
        return real, [k for k, (ii, row, s, n) in enumerate(todo) if ii == w and row == 'guided' and s < 5]
    real, ks = where([])  # no pair yet: seeds 0-4 are its first pairs, in its place
    assert len(ks) == 5 and max(ks) < real, (real, ks)
    real, ks = where([0.05, -0.04, 0.03, -0.05])  # four exact pairs on later seeds: seeds 0-4 still owe the fifth
    assert len(ks) == 5 and max(ks) < real, (real, ks)
    real, ks = where([0.05, -0.04, 0.03, -0.05, 0.06])  # five: seeds 0-4 only add pairs for the standard error
    assert len(ks) == 5 and min(ks) > real, (real, ks)

def test_record_reread(tmp_path):
    # the queue keeps the parsed record while its bytes stay the same (`_record`), and reads it again once `--record` rewrites it,
    # even at the same size: a queue plans with the accuracies and hardware the record holds now
    code = f"""import json, importlib.util
spec = importlib.util.spec_from_file_location('claim_queue', {str(ROOT/'tools'/'claim_queue.py')!r})
q = importlib.util.module_from_spec(spec); spec.loader.exec_module(q); q.OUT = __import__('pathlib').Path({str(tmp_path)!r}); q.RECORD = q.OUT/'record.json'
from cdx.lab.claim import CELLS
c = next(c for c in CELLS if c.get('study') == 2)
got = []
for acc, hw in ((0.81, 'cpu:A:1'), (0.92, 'cpu:B:1')):
    q.RECORD.write_text(json.dumps([dict(c, seeds=[dict(seed=0, plus_cs=acc, guided=None, hw=dict(plus_cs=hw))])]))
    got.append((q.rec_get(q.recorded(), c, 0, 'plus_cs'), q.made_on(c, 'plus_cs', 0), q.made_on(c, 'guided', 0)))
print(json.dumps(got))"""
    p = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout.strip().splitlines()[-1]) == [[0.81, 'cpu:A:1', None], [0.92, 'cpu:B:1', None]]
