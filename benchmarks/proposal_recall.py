"""Recall of region proposals on generated Fashion scenes: selective search (fast, quality)
and Edge Boxes on gradient edges.

    python benchmarks/proposal_recall.py                     # 100 scenes of 128 x 128
    python benchmarks/proposal_recall.py --size 256 --scenes 50 --quality-scenes 20

For each method: the recall of the ground-truth boxes at IoU >= 0.5 by the top 100, 500 and
1,500 proposals (kerasvision.models.detection.proposal_recall), their average best overlap,
the mean number of proposals per image, images/s and proposals/s (one OpenCV thread, wall
clock of the proposal call only). Prints a Markdown table; numbers go to
benchmarks/RESULTS.md by hand, with the machine they came from.
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

TOP_K = (100, 500, 1500)


def measure(method, scenes, count):
    from kerasvision.models.detection.proposal_recall import proposal_recall

    proposals, truth, seconds = [], [], 0.0
    for index in range(count):
        scene = scenes.scene(index)
        start = time.perf_counter()
        boxes = method(scene.image)
        seconds += time.perf_counter() - start
        proposals.append(boxes)
        truth.append(scene.boxes)
    recall = proposal_recall(proposals, truth, top_k=TOP_K)
    total = sum(len(p) for p in proposals)
    return recall, count / seconds, total / seconds, total / count


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=int, default=100, help="scenes for fast / edge boxes")
    parser.add_argument("--quality-scenes", type=int, default=30,
                        help="scenes for selective search's slower quality mode")
    parser.add_argument("--size", type=int, default=128, help="scene side in pixels")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from kerasvision.data.fashion_scenes import FashionScenes
    from kerasvision.models.detection.edge_boxes import edge_boxes
    from kerasvision.models.detection.selective_search import selective_search

    scenes = FashionScenes("validation", size=(args.size, args.size), seed=args.seed)
    methods = [
        ("selective search, fast", lambda im: selective_search(im, "fast"), args.scenes),
        ("selective search, quality", lambda im: selective_search(im, "quality"),
         args.quality_scenes),
        ("Edge Boxes (Canny x gradient edges)", edge_boxes, args.scenes),
    ]
    print(f"Fashion scenes, validation split, seed {args.seed}, {args.size} x {args.size}\n")
    print("| method | scenes (boxes) | recall@100 | recall@500 | recall@1500 | ABO@1500 "
          "| proposals/image | images/s | proposals/s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, method, count in methods:
        recall, images_per_s, proposals_per_s, per_image = measure(method, scenes, count)
        cells = " | ".join(f"{100 * recall[k]['recall']:.1f} %" for k in TOP_K)
        print(f"| {name} | {count} ({recall['boxes']}) | {cells} | "
              f"{recall[TOP_K[-1]]['abo']:.3f} | {per_image:.0f} | {images_per_s:.1f} | "
              f"{proposals_per_s:,.0f} |")


if __name__ == "__main__":
    main()
