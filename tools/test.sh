#!/usr/bin/env bash
# Set up (idempotent) and run every test: the nbdev gate, every notebook executed as a pytest test (cells flagged `slow`
# skipped), tests/ (README in sync, docs site built and checked in headless Chromium).  Usage: bash tools/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh --chromium
export PATH="$PWD/.venv/bin:$PATH"
start=$(date +%s)

echo "== nbdev gate: nbdev_clean and nbdev_export must leave the checkout unchanged"
before=$(git status --porcelain; git diff | sha1sum)
nbdev_clean >/dev/null 2>&1 || { echo "nbdev_clean failed"; exit 1; }
nbdev_export
after=$(git status --porcelain; git diff | sha1sum)
if [ "$before" != "$after" ]; then
  echo "nbdev gate FAILED: nbdev_clean/nbdev_export changed files. Run them, review and commit:"; git status --porcelain; exit 1
fi
echo "nbdev gate passed"

# torch starts a thread per CPU it sees; where a CPU quota (cgroup) grants fewer cores than that, the threads oversubscribe
# them and every test runs several times slower. Cap them at the cores granted (an OMP_NUM_THREADS already set wins).
if [ -z "${OMP_NUM_THREADS:-}" ]; then
  OMP_NUM_THREADS=$(python tools/cpus.py); export OMP_NUM_THREADS MKL_NUM_THREADS=$OMP_NUM_THREADS
fi
echo "== pytest: notebooks and tests/ ($OMP_NUM_THREADS threads per process; each test's name is printed before it runs,
   a test still running after 1200 s fails with its stack, and the slowest tests are listed at the end)"
python -m pytest tests -v -p no:cacheprovider -rs --timeout 1200 --durations 12 "$@"
echo "tests took $(( $(date +%s) - start )) s"
