#!/usr/bin/env python
"""One job of the kill -9 campaign (`nbs/09_campaign.ipynb`): a small resumable run that reports its phases, so the campaign can
kill it at a chosen moment and compare the resumed result with an uninterrupted run of the same seed.

    python tools/campaign_worker.py JOB OUT      JOB: distill | teacher | condense

The job runs in OUT (checkpoint, log, lock) and appends one line per event to OUT/phases: `synth`, `kd`, `step` (a training or
DM iteration) and `save` (inside a checkpoint write, between the temporary file and the rename). At the end it writes
OUT/final.pt: the trained weights (or the condensed images), the pool (distill) and the log without wall-clock fields.
Same job, same seed, same result: that is what the campaign checks after killing and resuming."""
import os, sys, time
from pathlib import Path

def main(job, out):
    import torch
    from cdx.core import atomic_save, resolve, set_seed
    import cdx.core
    out = Path(out); out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)  # the campaign runs one job at a time beside the notebook; one thread keeps timings steady
    ph = open(out/'phases', 'a', buffering=1)
    mark = lambda what: ph.write(f'{what}\n')
    save = torch.save
    def marked_save(obj, f, *a, **k):  # the checkpoint write: the temporary file exists, the rename has not happened
        save(obj, f, *a, **k)
        if str(f).endswith('.tmp'): mark('save'); time.sleep(0.2)
    torch.save = marked_save
    from cdx.learner import Callback
    class Phases(Callback):
        order = 100
        def before_batch(self, learn):
            if learn.training: mark('kd' if job == 'distill' else 'step')
    if job == 'distill':
        from cdx.datasets import load_tensors
        from cdx.run import load_config, build_run
        test = tuple(t[:500] for t in load_tensors('fashion_mnist', train=False))
        cfg = load_config(teacher={'file': 'cdx:assets/teachers/fmnist_resnet8.pt'}, student={'arch': 'resnet8', 'kw': {'width': 0.5}},
                          data={'dataset': 'fashion_mnist', 'condensed': 'cdx:assets/condensed/res_DM_FashionMNIST_ConvNet_1ipc.pt'},
                          synth={'method': 'fast', 'kw': dict(g_steps=2, bs=16, nz=32, ngf=8, warmup=1)}, guide={'on': False},
                          budget=dict(epochs=6, kd_steps=8, bs=32, eval_every=2, ckpt_every=1), run={'seed': 0, 'device': 'cpu', 'out': str(out)})
        R = build_run(cfg, test=test)  # the one builder (cdx.run), as `cdx distill` uses it
        orig = R.synth.synthesize
        def synthesize(*a, **k): mark('synth'); return orig(*a, **k)
        R.synth.synthesize = synthesize
        learn = R.fit(ckpt=out/'ckpt.pt', log=out/'log.jsonl', cbs=[Phases()])
        state, pool = learn.model.state_dict(), learn.pool.state_dict()
        log = [{k: v for k, v in r.items() if k not in ('wall_s', 'synth_s')} for r in learn.runlog.rows]
    elif job == 'teacher':
        from cdx.checkpoints import CheckpointCB
        from cdx.datasets import get_spec, load_tensors
        from cdx.learner import fit_classifier
        from cdx.models import get_model
        spec = get_spec('fashion_mnist')
        (x, y), (xt, yt) = load_tensors('fashion_mnist'), load_tensors('fashion_mnist', train=False)
        set_seed(0)
        model = get_model('resnet8', num_classes=10, in_chans=1, img_size=28, width=0.5)
        learn = fit_classifier(model, spec.normalize(x[:1024]), y[:1024], xt[:500], yt[:500], epochs=4, lr=0.1, bs=64, seed=0, reseed=False,
                               vtfm=spec.normalize, device='cpu', cbs=[CheckpointCB(out/'ckpt.pt', config={'job': 'teacher'}, resume=True), Phases()])
        state, pool = learn.model.state_dict(), None
        log = [dict(r) for r in learn.log]
    elif job == 'condense':
        import cdx.condense as cd
        from cdx.datasets import load_tensors
        x, y = load_tensors('fashion_mnist')
        dm = cd.dm_loss
        def dm_loss(*a, **k): mark('step'); return dm(*a, **k)
        cd.dm_loss = dm_loss
        cs = cd.distribution_matching('fashion_mnist', spc=1, iters=40, batch_real=32, width=16, seed=0, data=(x[:5000], y[:5000]),
                                      ckpt=out/'dm_ckpt.pt', save_every=5, device='cpu', progress=False)
        state, pool, log = {'images': cs.images}, None, [round(l, 6) for l in cs.losses]
    else: raise SystemExit(f"unknown job {job!r}: distill, teacher or condense")
    torch.save = save
    atomic_save({'state': state, 'pool': pool, 'log': log}, out/'final.pt')
    mark('done')

if __name__ == '__main__': main(*sys.argv[1:3])
