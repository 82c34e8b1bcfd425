"""Efficient subwindow search: bounds evaluated against the number of rectangles.

    python benchmarks/subwindow_search_bounds.py     # prints a Markdown table

Maps of 32 x 32 and 64 x 64 scores, five seeds each: "object" is a 10 x 12 block of +1 in a
background of -1, plus Gaussian noise (sigma 0.5) everywhere, the kind of map a classifier's
log-odds give; "noise" is pure N(0, 1), where many rectangles are nearly as good as the best
(the search's hard case). Lampert, Blaschko & Hofmann (CVPR 2008, §2.2) report the search
sub-linear in the number of rectangles on real images.
"""

import time

import numpy as np

from kerasvision.models.detection.subwindow_search import (efficient_subwindow_search,
                                                            rectangle_count)

SEEDS = range(5)


def score_map(kind, side, seed):
    rng = np.random.default_rng(seed)
    if kind == "noise":
        return rng.normal(0.0, 1.0, (side, side))
    values = -1.0 + rng.normal(0.0, 0.5, (side, side))
    top, left = rng.integers(0, side - 12, size=2)
    values[top:top + 10, left:left + 12] += 2.0
    return values


def main():
    print("| map | rectangles | bounds evaluated (5 seeds) | median share | median time |")
    print("|---|---|---|---|---|")
    for side in (32, 64):
        for kind in ("object", "noise"):
            counts, times = [], []
            for seed in SEEDS:
                values = score_map(kind, side, seed)
                start = time.perf_counter()
                counts.append(efficient_subwindow_search(values).bounds_evaluated)
                times.append(time.perf_counter() - start)
            total = rectangle_count(side, side)
            print(f"| {side}×{side} {kind} | {total:,} | {', '.join(f'{c:,}' for c in counts)} "
                  f"| {np.median(counts) / total:.2e} | {np.median(times) * 1000:.1f} ms |")


if __name__ == "__main__":
    main()
