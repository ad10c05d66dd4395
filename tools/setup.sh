#!/usr/bin/env bash
# Set up everything cdx needs on a fresh Debian/Ubuntu machine with Python 3.11; idempotent (a second run does nothing
# it does not have to). Usage: bash tools/setup.sh [--chromium]   (--chromium: also the browser for the docs check)
set -euo pipefail
cd "$(dirname "$0")/.."
want_chromium=0; [ "${1:-}" = "--chromium" ] && want_chromium=1

sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_pkgs=()
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || apt_pkgs+=(dataset-fashion-mnist)
[ $want_chromium = 1 ] && ! command -v chromium >/dev/null && apt_pkgs+=(chromium)
if [ ${#apt_pkgs[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${apt_pkgs[*]}"
  sudo_ apt-get update -qq && sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_pkgs[@]}" >/dev/null
fi

PY=${PYTHON:-python3.11}; command -v "$PY" >/dev/null || PY=python3
[ -x .venv/bin/python ] || { echo "setup: creating .venv with $PY"; "$PY" -m venv .venv; }
# torch first, pinned: the CPU-only torch wheel has no working torchvision, and an unpinned torch pulls a newer CUDA build.
stamp=".venv/.cdx-setup-$(cat settings.ini setup.py tools/setup.sh | sha1sum | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  echo "setup: installing torch==2.14.1 torchvision==0.29.1 and cdx[dev] into .venv (a few minutes the first time)"
  .venv/bin/pip install -q --disable-pip-version-check torch==2.14.1 torchvision==0.29.1 2>&1 | grep -v '^WARNING: Location' || true
  .venv/bin/pip install -q --disable-pip-version-check -e ".[dev]" 2>&1 | grep -v '^WARNING: Location' || true
  .venv/bin/python -c "import torch, torchvision, cdx" || { echo "setup: the install failed (see above)"; exit 1; }
  rm -f .venv/.cdx-setup-*; touch "$stamp"
fi
echo "setup: ready ($(.venv/bin/python -c 'import torch; print("torch", torch.__version__)'))"
