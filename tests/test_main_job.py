"The README's main job (`cdx_condense`, run by tools/run.sh) end to end at a tiny budget: it exits 0 and prints the comparison."
import subprocess, sys, shutil
from pathlib import Path

def test_cdx_condense_runs(tmp_path):
    exe = Path(sys.executable).parent/'cdx_condense'
    assert exe.exists(), f"{exe} missing: the console script is not installed (pip install -e .)"
    r = subprocess.run([str(exe), '--spc', '1', '--iters', '3', '--width', '8', '--batch_real', '8', '--steps', '3',
                        '--out', str(tmp_path/'out')], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    assert '| per class | images | DM set | random real |' in r.stdout, r.stdout
    assert (tmp_path/'out'/'res_DM_FashionMNIST_ConvNet_1ipc.pt').exists()
    assert (tmp_path/'out'/'dm_fashion_mnist_1_ckpt.pt').exists()  # the resumable checkpoint
