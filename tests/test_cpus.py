"""tools/cpus.py: the cores test.sh gives torch's threads, read from cgroup quota files (v2 and v1) as a container writes them."""
import importlib.util, os
from pathlib import Path

spec = importlib.util.spec_from_file_location('cpus', Path(__file__).resolve().parent.parent/'tools'/'cpus.py')
cpus = importlib.util.module_from_spec(spec); spec.loader.exec_module(cpus)

def test_quota(tmp_path):
    (tmp_path/'cpu.max').write_text('150000 100000\n')           # v2: 1.5 cores granted -> 2 threads
    assert cpus.quota(str(tmp_path/'cpu.max')) == 2
    (tmp_path/'cpu.max').write_text('max 100000\n')              # v2: no quota
    assert cpus.quota(str(tmp_path/'cpu.max')) is None
    v1 = tmp_path/'cpu'; v1.mkdir()
    (v1/'cpu.cfs_quota_us').write_text('400000\n'); (v1/'cpu.cfs_period_us').write_text('100000\n')  # v1: 4 cores
    assert cpus.quota(str(v1/'cpu.cfs_quota_us')) == 4
    (v1/'cpu.cfs_quota_us').write_text('-1\n')                   # v1: no quota
    assert cpus.quota(str(v1/'cpu.cfs_quota_us')) is None
    assert cpus.quota(str(tmp_path/'absent'/'cpu.max')) is None

def test_cpus_within_affinity():
    n = cpus.cpus()
    assert 1 <= n <= len(os.sched_getaffinity(0))
