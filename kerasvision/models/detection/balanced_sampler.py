"""Mini-batch sampling of positives and negatives, in the graph (Girshick, Fast R-CNN, ICCV 2015,
§2.3 "Mini-batch sampling"; Ren, He, Girshick & Sun, Faster R-CNN, NIPS 2015, §3.1.3).

Both stages of Faster R-CNN train on a fixed-size random sample of their candidates with a
capped share of positives: the RPN on 256 anchors per image "where the sampled positive and
negative anchors have a ratio of up to 1:1" (padding with negatives when an image has fewer
than 128 positives), Fast R-CNN on 64 (or 128) RoIs per image, 25% of them foreground where
there are enough. torchvision's BalancedPositiveNegativeSampler draws the same way.

A random sample without replacement is a random permutation's first items: each candidate
draws a uniform key, and the `n` masked candidates with the smallest keys are taken (the rank
of a key among its class comes from an argsort of an argsort). Shapes stay fixed and nothing
branches on tensor values, so it traces into a `train_step`.
"""

import keras
from keras import ops


def random_rank(keys, mask):
    """Rank (0 = first drawn) of every masked item in a random order given by `keys`
    (B, N) floats in [0, 1); unmasked items rank after all masked ones."""
    order = ops.argsort(ops.where(mask, keys, 2.0), axis=-1)
    return ops.argsort(order, axis=-1)


def sample_balanced(positive, negative, num_samples, positive_fraction, seed=None):
    """Random balanced sample of `num_samples` candidates per row.

    Args:
        positive, negative: (B, N) boolean masks (disjoint) of the candidates of each image.
        num_samples: the sample size per image (256 anchors; 64 or 128 RoIs).
        positive_fraction: the largest share of positives (0.5 for the RPN, 0.25 for RoIs);
            the rest, or more where positives are scarce, are negatives.
        seed: a `keras.random.SeedGenerator` (or int / None) for the random keys.

    Returns:
        `(sampled_positive, sampled_negative, keys)`: (B, N) boolean masks with at most
        `floor(num_samples * positive_fraction)` positives and at most `num_samples` in all
        per row (fewer where the image has fewer candidates), and the (B, N) random keys
        drawn (`sample_indices` orders a fixed-size sample with them).
    """
    positive = ops.cast(positive, "bool")
    negative = ops.cast(negative, "bool")
    keys = keras.random.uniform(ops.shape(positive), seed=seed)
    max_positives = int(num_samples * positive_fraction)
    num_positive = ops.minimum(ops.sum(ops.cast(positive, "int32"), axis=-1), max_positives)
    num_negative = ops.minimum(ops.sum(ops.cast(negative, "int32"), axis=-1),
                               num_samples - num_positive)
    sampled_positive = ops.logical_and(
        positive, random_rank(keys, positive) < ops.cast(num_positive, "int32")[:, None])
    sampled_negative = ops.logical_and(
        negative, random_rank(keys, negative) < ops.cast(num_negative, "int32")[:, None])
    return sampled_positive, sampled_negative, keys


def sample_indices(sampled_positive, sampled_negative, keys, num_samples):
    """Indices (B, num_samples) of a sample's rows, positives first, and a (B, num_samples)
    validity mask (False past the sample's end, where an image had too few candidates).

    N (the masks' second dimension) must be at least `num_samples`.
    """
    # Positives score in (2, 3], negatives in (1, 2], the rest 0: top_k lists the sample.
    score = ops.where(sampled_positive, 3.0 - keys, ops.where(sampled_negative, 2.0 - keys, 0.0))
    top, indices = ops.top_k(score, k=int(num_samples))
    return indices, top > 0.5
