#!/bin/sh
# Every recipe of apps/multiscale, one at a time (about 12 machine minutes of training),
# then the report. Re-run after a kill: finished runs are skipped, a cut-off one resumes.
set -e
cd "$(dirname "$0")/../.."
mkdir -p runs/multiscale
T="python apps/multiscale/train.py"
$T fabric --minutes 3.5
for lambda in 0.1 1 10; do
    $T fabric --minutes 1 --budget-penalty $lambda --init-from runs/multiscale/fabric_lambda0/final.keras
done
$T msdnet --minutes 2.5
# Run here as 1.5 minutes first, then resumed to 4 (README, "GridNet").
$T gridnet --minutes 4
$T fabric_segmentation --minutes 2
# The penalised runs' baseline: the same minute of continued training, without the penalty.
$T fabric --minutes 1 --budget-penalty 0 --init-from runs/multiscale/fabric_lambda0/final.keras \
    --run fabric_lambda0_continued
python apps/multiscale/report.py
