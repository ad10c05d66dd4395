#!/usr/bin/env python
"""Print how many cores this process may use: the CPUs it may run on (affinity), capped by a cgroup CPU quota (v2 `cpu.max`
or v1 `cpu.cfs_quota_us`) where one is set. `os.cpu_count()` and torch's default thread count see neither limit.
Usage: OMP_NUM_THREADS=$(python tools/cpus.py)"""
import math, os

def quota(path:str):
    "Cores granted by the cgroup quota in `path` (None if unset or unreadable)."
    try:
        parts = open(path).read().split()
        if path.endswith('cpu.max'): q, p = parts[0], parts[1] if len(parts) > 1 else '100000'
        else: q, p = parts[0], open(os.path.join(os.path.dirname(path), 'cpu.cfs_period_us')).read().split()[0]
        return None if q in ('max', '-1') else max(1, math.ceil(int(q) / int(p)))
    except (OSError, ValueError, IndexError): return None

def cpus()->int:
    n = len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else (os.cpu_count() or 1)
    qs = [q for q in (quota('/sys/fs/cgroup/cpu.max'), quota('/sys/fs/cgroup/cpu/cpu.cfs_quota_us')) if q]
    return max(1, min([n, *qs]))

if __name__ == '__main__': print(cpus())
