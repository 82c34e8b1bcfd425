"""How well region proposals cover the objects: recall at an IoU threshold for the top k.

The measure of Hosang, Benenson & Schiele ("How good are detection proposals, really?",
BMVC 2014) and of Uijlings et al. (IJCV 2013, §5, with their average best overlap, ABO):
for each ground-truth box, its best IoU with the first k proposals of its image; recall is
the fraction of ground-truth boxes (over all images) whose best IoU reaches the threshold
(0.5, PASCAL's detection criterion).

Boxes are "xyxy" pixels; IoU is `box_matcher.pairwise_iou`, the package's one pairwise IoU.
"""

import numpy as np
from keras import ops

from kerasvision.models.detection.box_matcher import pairwise_iou

DEFAULT_TOP_K = (100, 500, 1500)


def best_overlaps(proposals, truth, top_k=None):
    """Each ground-truth box's highest IoU with the first `top_k` proposals (all when None):
    (M,) float32; 0 where there are no proposals."""
    truth = np.asarray(truth, np.float32).reshape(-1, 4)
    proposals = np.asarray(proposals, np.float32).reshape(-1, 4)
    if top_k is not None:
        proposals = proposals[:int(top_k)]
    if len(truth) == 0 or len(proposals) == 0:
        return np.zeros(len(truth), np.float32)
    iou = ops.convert_to_numpy(pairwise_iou(truth, proposals))
    return iou.max(axis=1).astype(np.float32)


def proposal_recall(proposals_per_image, truth_per_image, top_k=DEFAULT_TOP_K,
                    iou_threshold=0.5):
    """Recall of the ground truth by the top k proposals, for each k.

    Args:
        proposals_per_image: one (N_i, 4) array of proposals per image, best first.
        truth_per_image: one (M_i, 4) array of ground-truth boxes per image.
        top_k: the numbers of proposals to measure (each over every image).
        iou_threshold: a box is recalled when its best IoU is at least this.

    Returns:
        {k: {"recall": fraction of boxes recalled, "abo": their mean best IoU (Uijlings et
        al.'s average best overlap), "proposals": mean proposals per image actually used}}
        and the key "boxes": the number of ground-truth boxes.
    """
    proposals_per_image, truth_per_image = list(proposals_per_image), list(truth_per_image)
    if len(proposals_per_image) != len(truth_per_image):
        raise ValueError(f"{len(proposals_per_image)} proposal lists for "
                         f"{len(truth_per_image)} images")
    boxes = sum(len(np.asarray(t).reshape(-1, 4)) for t in truth_per_image)
    result = {"boxes": boxes}
    for k in top_k:
        best = [best_overlaps(p, t, k) for p, t in zip(proposals_per_image, truth_per_image)]
        best = np.concatenate(best) if best else np.zeros(0, np.float32)
        used = [min(len(np.asarray(p).reshape(-1, 4)), k) for p in proposals_per_image]
        result[k] = {
            "recall": float(np.mean(best >= iou_threshold)) if boxes else float("nan"),
            "abo": float(np.mean(best)) if boxes else float("nan"),
            "proposals": float(np.mean(used)) if used else 0.0,
        }
    return result


__all__ = ["DEFAULT_TOP_K", "best_overlaps", "proposal_recall"]
