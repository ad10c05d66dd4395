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
    from cdx.core import resolve, set_seed, world_info
    from cdx.checkpoints import load_checkpoint
    from cdx.condense import shipped_set
    from cdx.datasets import load_tensors
    from cdx.learner import Callback
    from cdx.models import get_model
    from cdx.methods import Fast
    from cdx.distill import distill, process_group, DDPCB
    torch.set_num_threads(1)
    out = Path(out); out.mkdir(parents=True, exist_ok=True)
    with process_group('cpu') as (rank, world):
        (out/f'pid_r{rank}').write_text(str(os.getpid()))
        teacher = load_checkpoint(resolve('cdx:assets/teachers/fmnist_resnet8.pt')).model.eval()
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
        set_seed(0)
        if mode == 'kd':
            student = get_model('convnet', num_classes=10, in_chans=1, img_size=28, width=16, depth=2, norm='none')
            learn = distill(teacher, student, None, init=shipped_set(10), epochs=int(epochs or 3), kd_steps=6, bs=32, lr=0.01, aug=None, eval_every=100,
                            test=test, ckpt=out/'ckpt.pt', ckpt_every=1, log=out/'log.jsonl', device='cpu', cbs=[clock])
        elif mode == 'synth':
            student = get_model('resnet8', num_classes=10, in_chans=1, img_size=28, width=0.5)
            synth = Fast(teacher, g_steps=2, bs=32//world, nz=32, ngf=8, warmup=1, device='cpu')  # the same images per epoch, whatever N
            learn = distill(teacher, student, synth, init=shipped_set(1), epochs=int(epochs or 4), kd_steps=8, bs=32, eval_every=100,
                            test=test, ckpt=out/'ckpt.pt', ckpt_every=1, log=out/'log.jsonl', device='cpu', cbs=[PoolHash(), clock])
        else: raise SystemExit(f"unknown mode {mode!r}: kd or synth")
        if rank == 0:
            ddp = next((cb for cb in learn.cbs if isinstance(cb, DDPCB)), None)
            torch.save({'state': learn.model.state_dict(), 'pool': learn.pool.state_dict(), 'world': world,
                        'log': [{k: v for k, v in r.items() if k not in ('wall_s', 'synth_s')} for r in learn.runlog.rows],
                        'comm': ddp.comm if ddp else {}, 'epoch_s': clock.t}, out/'final.pt')

if __name__ == '__main__': main(*sys.argv[1:4])
