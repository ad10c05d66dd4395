#!/usr/bin/env bash
# Set up (idempotent), then run cdx's main job: condense Fashion-MNIST by Distribution Matching and print the test accuracy a
# ConvNet reaches trained on the condensed set against trained on the same number of random real images.
# Usage: bash tools/run.sh [--spc 10] [--iters 300] ...   (bash tools/run.sh --help lists the options)
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
exec .venv/bin/cdx_condense "$@"
