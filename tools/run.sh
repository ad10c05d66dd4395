#!/usr/bin/env bash
# Set up (idempotent), then run cdx's main job: expand the shipped DM-condensed Fashion-MNIST set (1 image per class) by guided
# model inversion (Fast*), distil the shipped ResNet-8 teacher into a ResNet-8 x0.5 student, and print the accuracy table
# (Fast + CS, Fast + CS with the recipe, Fast*). About 13 minutes of runs on 2 CPU cores; resumable from runs/expand/.
# Usage: bash tools/run.sh [--method fast] [--spc 1] [--student homogeneous] [--seeds 1] ...   (--help lists the options)
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
exec .venv/bin/cdx_expand "$@"
