"""MTT's image learning rate at CPU scale, chosen on the validation split (08g_sets shows and tests the result).

The first `mtt1` (the `cpu` profile with the official `lr_img` 1000, 300 iterations over 4 experts of 6 epochs) ended 20 points
below random real images, its pixels 4.6 times as rough as its real initialisation's. This probe re-runs the same job (same seed,
same expert buffer, same initial images) at image learning rates from 1000 down to 3 and scores every set, its initial images and
random real images on the validation split (the last 5,000 training images, `valid_split`; the experts trained on them, the test
split is untouched). Its pick (10) became the `cpu` profile's rate and the shipped `mtt1`.
Run from the repository root, alone or next to one queue lane (it uses one thread):

    OMP_NUM_THREADS=1 python tools/mtt_lr_probe.py  # writes nbs/results/mtt_lr_probe.json and nbs/results/sets/probe/; resumable

08g_sets reads the record and shows each rate's paired difference from random real images and from the initial images.
"""
import json, time
from pathlib import Path
import torch
from cdx.condense import condense, evaluate_set, random_real_baseline, steps_to_epochs
from cdx.condensed import few_shot
from cdx.datasets import valid_split, load_tensors

VARIANTS = {f'lr{lr:g}': dict(lr=lr) for lr in (1000., 300., 100., 30., 10., 3.)}  # the official lr_img (the first mtt1), then down by ~3x steps
SEEDS, STEPS = (0, 1, 2), 300  # evaluation seeds and SGD steps (08g's protocol)
OUT, RES = Path('runs/condense/mtt1-lr'), Path('nbs/results/mtt_lr_probe.json')

def main():
    torch.set_num_threads(1)
    val, data = valid_split('fashion_mnist'), load_tensors('fashion_mnist')
    epochs = steps_to_epochs(10, STEPS)
    res = json.loads(RES.read_text()) if RES.exists() else {}
    if 'real' not in res:
        res['real'] = [random_real_baseline('fashion_mnist', 1, val, data, seed=s, epochs=epochs) for s in SEEDS]
    if 'init' not in res:  # the images every variant starts from (`few_shot` seed 0), trained on as they are: what MTT must improve on
        res['init'] = [evaluate_set(few_shot('fashion_mnist', 1, 0, data=data), val, epochs=epochs, seed=s) for s in SEEDS]
    for k, over in VARIANTS.items():
        if k in res: continue
        t0 = time.time()
        cs, _ = condense('mtt', 'fashion_mnist', 1, 'cpu', OUT/k, data=data, progress=False, lr_lr=1e-7,
                         buffer='runs/condense/mtt_experts_cpu.pt', **over)
        acc = [evaluate_set(cs, val, epochs=epochs, seed=s) for s in SEEDS]
        rough = float((cs.images[..., 1:] - cs.images[..., :-1]).abs().mean())
        res[k] = dict(**over, val=acc, final_loss=cs.meta['final_loss'], syn_lr=cs.meta['syn_lr'], roughness=rough,
                      minutes=round((time.time() - t0)/60, 1))
        print(k, res[k], flush=True)
        RES.write_text(json.dumps(res, indent=1) + '\n')
    sets = Path('nbs/results/sets/probe'); sets.mkdir(parents=True, exist_ok=True)
    for k in VARIANTS:  # the probe's sets, kept next to the study's (08g shows them and checks the picked one is the shipped mtt1)
        (sets/f'mtt1-{k}.pt').write_bytes((OUT/k/'res_MTT_FashionMNIST_ConvNet_1ipc.pt').read_bytes())

if __name__ == '__main__': main()
