#!/usr/bin/env python
"""What bf16 autocast buys a run of the claim study on this CPU, measured side by side (issue 23 item 7). Two measurements,
interleaved and repeated, the fastest of each kept (the host is shared: the same work varies up to 2-3x within minutes):
  1. a KD step inside `distill` (by difference of a 10- and a 70-step epoch: setup and evaluation cancel), fp32 against bf16,
     for each pair's student (homogeneous: ResNet-8 x0.5; heterogeneous: MobileNet-v2 x0.5);
  2. a short study run (`run_row`, Fast + CS and Fast* with the testbed's guide, 4 epochs x 100 KD steps, validation as the
     study measures it), fp32 against bf16.
Prints each time and the ratios. Run it alone (nothing else on the CPU): python tools/amp_bench.py [--threads N] [--reps R]"""
import argparse, tempfile, time
import torch

def kd_step_ms(amp, reps, pair='homogeneous'):
    from cdx.lab.testbed import FMNIST
    from cdx.condensed import load_dc
    from cdx.run import distill
    from cdx.datasets import load_tensors
    t, cs = FMNIST.load_teacher(), load_dc(FMNIST.set_file(1))
    xt, yt = load_tensors('fashion_mnist', train=False); test = (xt[:256], yt[:256])
    def run(steps):
        torch.manual_seed(0); s = FMNIST.model(pair); t0 = time.time()
        distill(t, s, None, init=cs, epochs=1, kd_steps=steps, amp=amp, test=test); return time.time() - t0
    return min((run(70) - run(10))/60*1000 for _ in range(reps))

def short_run_s(amp, guided, reps):
    from cdx.lab.benchmark import run_row
    from cdx.lab.testbed import FMNIST
    best = float('inf')
    for _ in range(reps):
        with tempfile.TemporaryDirectory() as d:
            t0 = time.time()
            run_row('fast', 1, seed=0, out=d, budget=dict(epochs=4, kd_steps=100, eval_every=100, **({'amp': amp} if amp else {})),
                    guide=dict(FMNIST.guide) if guided else None, valid=True)
            best = min(best, time.time() - t0)
    return best

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--threads', type=int, default=1, help="torch threads (the study's queue runs single-threaded workers)")
    ap.add_argument('--reps', type=int, default=2)
    a = ap.parse_args(); torch.set_num_threads(a.threads)
    res = {}
    for rep in range(a.reps):  # interleaved: fp32 and bf16 see the same host load
        for amp in (None, 'bf16'):
            for pair in ('homogeneous', 'heterogeneous'): res.setdefault(('kd', amp, pair), []).append(kd_step_ms(amp, 1, pair))
            for g in (False, True): res.setdefault(('run', amp, g), []).append(short_run_s(amp, g, 1))
    for pair in ('homogeneous', 'heterogeneous'):
        kd32, kd16 = min(res[('kd', None, pair)]), min(res[('kd', 'bf16', pair)])
        print(f"KD step in distill, {pair} ({a.threads} thread(s)): fp32 {kd32:.0f} ms, bf16 {kd16:.0f} ms: bf16 {kd32/kd16:.2f}x faster")
    for g, label in ((False, 'Fast + CS'), (True, 'Fast* (testbed guide)')):
        r32, r16 = min(res[('run', None, g)]), min(res[('run', 'bf16', g)])
        print(f"short run, {label}: fp32 {r32:.1f} s, bf16 {r16:.1f} s: bf16 {r32/r16:.2f}x faster")
