"The README's main job (`cdx_expand`, run by tools/run.sh) and the condensation job end to end at tiny budgets: they exit 0 and print their tables."
import subprocess, sys
from pathlib import Path

def _exe(name):
    exe = Path(sys.executable).parent/name
    assert exe.exists(), f"{exe} missing: the console script is not installed (pip install -e .)"
    return str(exe)

def test_cdx_expand_runs(tmp_path):
    args = [_exe('cdx_expand'), '--epochs', '2', '--kd_steps', '3', '--out', str(tmp_path/'out')]
    r = subprocess.run(args, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout + r.stderr
    for row in ('| fast + CS |', '| fast + CS + cutmix-init50 |', '| fast* (ours) |'): assert row in r.stdout, r.stdout
    assert 'epoch 2/2, pool' in r.stdout, r.stdout  # progress is shown
    for row in ('fast* (ours)', 'fast + CS + cutmix-init50'): assert f'{row} minus fast + CS, seed by seed (points):' in r.stdout, r.stdout  # the paired differences
    names = sorted(p.name for p in (tmp_path/'out').iterdir())
    runs = (('fast', ''), ('fast', '_mixcutmix_mix_share0.5_mix_withinit'), ('fast-guided', '_lam0.1_objectivewgan-gp'))
    assert names == sorted(f'{n}_cs1_homogeneous_s0_e2k3{g}.{e}' for n, g in runs for e in ('pt', 'jsonl', 'yaml')), names  # another budget, the recipe and the chosen guide: their own files
    again = subprocess.run(args, capture_output=True, text=True, timeout=300)  # finished runs are read back, not re-run
    assert again.returncode == 0 and 'epoch 1/2' not in again.stdout, again.stdout + again.stderr

def test_cdx_condense_runs(tmp_path):
    r = subprocess.run([_exe('cdx_condense'), '--spc', '1', '--iters', '3', '--width', '8', '--batch_real', '8', '--steps', '3',
                        '--out', str(tmp_path/'out')], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    assert '| per class | images | DM set | random real |' in r.stdout, r.stdout
    assert (tmp_path/'out'/'res_DM_FashionMNIST_ConvNet_1ipc.pt').exists()
    assert (tmp_path/'out'/'dm_fashion_mnist_1ipc_ckpt.pt').exists()  # the resumable checkpoint, named as `cdx condense` names it
    # `cdx condense` is the same code: with the same settings it resumes the finished run (nothing left to do) and saves the same set
    import torch
    images = lambda: torch.load(tmp_path/'out'/'res_DM_FashionMNIST_ConvNet_1ipc.pt', weights_only=True)['data'][0][0]
    before = images()
    r2 = subprocess.run([_exe('cdx'), 'condense', '--dataset', 'fashion_mnist', '--spc', '1', '--profile', 'cpu', '--iters', '3', '--width', '8',
                         '--batch-real', '8', '--out', str(tmp_path/'out')], capture_output=True, text=True, timeout=600)
    assert r2.returncode == 0 and 'saved' in r2.stdout, r2.stdout + r2.stderr
    assert torch.equal(images(), before)
    bad = subprocess.run([_exe('cdx_condense'), '--spc', '0', '--out', str(tmp_path/'x')], capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and '--spc must be an integer >= 1, got 0' in bad.stderr and 'Traceback' not in bad.stderr, bad.stderr
