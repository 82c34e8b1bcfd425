#!/usr/bin/env bash
# Fine-tuning vs random initialisation for the Fashion-scenes detector, at one budget of
# machine minutes (process CPU time / cores), so a shared machine does not skew the pair.
# Each run scores 500 generated validation scenes at the end (summary.json -> validation).
set -euo pipefail
MINUTES=${MINUTES:-8}
OUT=${OUT:-runs/finetuning}
kerasvision train detector --minutes "$MINUTES" --validation-scenes 500 \
    --init-from runs/detector_backbone/final.keras --workdir "$OUT/pretrained"
kerasvision train detector --minutes "$MINUTES" --validation-scenes 500 \
    --workdir "$OUT/random"
