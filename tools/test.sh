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

echo "== pytest: notebooks and tests/"
python -m pytest tests -q -p no:cacheprovider -rs "$@"
echo "tests took $(( $(date +%s) - start )) s"
