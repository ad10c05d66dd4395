#!/usr/bin/env python
"""A small data-parallel `distill` for the tests of `nbs/05b_parallel.ipynb`; run it under torchrun (or alone: one process).

    torchrun --nproc_per_node 2 tools/ddp_worker.py MODE OUT [EPOCHS]

MODE kd: KD on the shipped 10-per-class DM set, no synthesis, no augmentation, a BatchNorm-free ConvNet student (one step of N
ranks at batch 32/N equals one step of one process at batch 32, up to float summation order).
MODE synth: Fast synthesis (small) and KD with a ResNet-8 x0.5 student; every rank writes a hash of its pool after each epoch.
Each rank writes OUT/pid_r<rank>; rank 0 writes OUT/final.pt (student weights, pool, log without wall-clock fields, the
communication counts of `DDPCB`, seconds per epoch)."""
import hashlib, os, sys, time
from pathlib import Path

def main(mode, out, epochs=None):
    import torch
    from cdx.datasets import load_tensors
    from cdx.learner import Callback
    from cdx.parallel import process_group, DDPCB
    from cdx.run import load_config, build_run
    torch.set_num_threads(1)
    out = Path(out); out.mkdir(parents=True, exist_ok=True)
    with process_group('cpu') as (rank, world):
        (out/f'pid_r{rank}').write_text(str(os.getpid()))
        test = tuple(t[:500] for t in load_tensors('fashion_mnist', train=False))
        class PoolHash(Callback):
            order = 50
            def after_epoch(self, learn):
                if not learn.training: return
                sd = learn.pool.state_dict(); h = hashlib.sha256()
                for k in ('xs', 'ys'):
                    if sd[k] is not None: h.update(sd[k].float().numpy().tobytes())
                with open(out/f'pool_r{rank}.txt', 'a') as f: f.write(f"{learn.epoch + 1} {len(learn.pool)} {h.hexdigest()[:16]}\n")
        class Clock(Callback):
            order = 60
            def before_fit(self, learn): self.t = []
            def before_epoch(self, learn):
                if learn.training: self.t0 = time.time()
            def after_epoch(self, learn):
                if learn.training: self.t.append(time.time() - self.t0)
        clock = Clock()
        base = dict(teacher={'file': 'cdx:assets/teachers/fmnist_resnet8.pt'}, run={'seed': 0, 'device': 'cpu', 'out': str(out)}, guide={'on': False})
        if mode == 'kd':
            cfg = load_config(**base, student={'arch': 'convnet', 'kw': dict(width=16, depth=2, norm='none')}, synth={'method': None},
                              data={'dataset': 'fashion_mnist', 'condensed': 'cdx:assets/condensed/res_DM_FashionMNIST_ConvNet_10ipc.pt'},
                              budget=dict(epochs=int(epochs or 3), kd_steps=6, bs=32, lr=0.01, aug=None, eval_every=100, ckpt_every=1))
            cbs = [clock]
        elif mode == 'synth':  # the same images per epoch, whatever N
            cfg = load_config(**base, student={'arch': 'resnet8', 'kw': {'width': 0.5}}, synth={'method': 'fast', 'kw': dict(g_steps=2, bs=32//world, nz=32, ngf=8, warmup=1)},
                              data={'dataset': 'fashion_mnist', 'condensed': 'cdx:assets/condensed/res_DM_FashionMNIST_ConvNet_1ipc.pt'},
                              budget=dict(epochs=int(epochs or 4), kd_steps=8, bs=32, eval_every=100, ckpt_every=1))
            cbs = [PoolHash(), clock]
        else: raise SystemExit(f"unknown mode {mode!r}: kd or synth")
        learn = build_run(cfg, test=test).fit(ckpt=out/'ckpt.pt', log=out/'log.jsonl', cbs=cbs)  # the one builder (cdx.run)
        if rank == 0:
            ddp = next((cb for cb in learn.cbs if isinstance(cb, DDPCB)), None)
            torch.save({'state': learn.model.state_dict(), 'pool': learn.pool.state_dict(), 'world': world,
                        'log': [{k: v for k, v in r.items() if k not in ('wall_s', 'synth_s')} for r in learn.runlog.rows],
                        'comm': ddp.comm if ddp else {}, 'epoch_s': clock.t}, out/'final.pt')

if __name__ == '__main__': main(*sys.argv[1:4])
