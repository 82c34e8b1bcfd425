"""Fashion scenes as a tf.data pipeline of detection and segmentation batches.

    dataset = scenes_dataset("train", batch_size=32, augment=True)
    images, targets = next(iter(dataset))
    images                  # (32, 128, 128, 3) float32, 0..255
    targets["boxes"]        # (32, 8, 4) float32 [x_min, y_min, x_max, y_max], -1 padding
    targets["classes"]      # (32, 8) int32 Fashion-MNIST class ids, -1 padding
    targets["segmentation"] # (32, 128, 128) int32, 0 background, 1 + class id

Scenes are composed on the fly (no files), in parallel, in a fixed order: scene i of a split
and seed is always the same (fashion_scenes.FashionScenes). Padding rows come after the
items. With `augment`, each scene is flipped and scale-jittered (box_mask_augmentation.py)
with a fresh draw on every pass over the dataset, and its boxes are recomputed as the tight
boxes of its transformed instance masks, the dataset's own definition of a box.
"""

import numpy as np
import tensorflow as tf

from kerasvision.data.box_mask_augmentation import boxes_from_masks, random_flip_and_scale
from kerasvision.data.fashion_scenes import (DEFAULT_ITEM_SIZE, DEFAULT_MAX_ITEMS,
                                             DEFAULT_SIZE, FashionScenes)
from kerasvision.data.pipeline_options import without_autotuning

DEFAULT_SCALE_RANGE = (0.5, 1.5)


def scenes_dataset(split="train", batch_size=32, size=DEFAULT_SIZE, seed=0,
                   max_boxes=DEFAULT_MAX_ITEMS, augment=False, count=None,
                   item_size=DEFAULT_ITEM_SIZE, max_items=DEFAULT_MAX_ITEMS,
                   scale_range=DEFAULT_SCALE_RANGE, drop_remainder=False, source=None):
    """Batches (images, {"boxes", "classes", "segmentation"}) of FashionScenes(split, ...).

    Args:
        split: "train", "validation" or "test".
        batch_size: scenes per batch.
        size: (height, width) of the scenes, and of the augmented images.
        seed: the scenes' seed (and the augmentation's).
        max_boxes: rows of the padded box and class targets; at least `max_items`.
        augment: random horizontal flips and scale jitter within `scale_range`.
        count: scenes per pass; default one per Fashion-MNIST item of the split.
        item_size, max_items, source: as for FashionScenes.
        scale_range: (smallest, largest) scale factor of the jitter.
        drop_remainder: drop a last, smaller batch (for a static batch dimension).

    Returns:
        A tf.data.Dataset; repeat it for several epochs.
    """
    if max_boxes < max_items:
        raise ValueError(f"max_boxes ({max_boxes}) must be >= max_items ({max_items}): "
                         "scenes would lose items")
    scenes = FashionScenes(split, size=size, seed=seed, item_size=item_size,
                           max_items=max_items, count=count, source=source)
    height, width = scenes.size

    def compose(index):
        scene = scenes.scene(int(index))
        count_here = len(scene.classes)
        boxes = np.full((max_boxes, 4), -1, np.float32)
        boxes[:count_here] = scene.boxes
        classes = np.full((max_boxes,), -1, np.int32)
        classes[:count_here] = scene.classes
        instances = np.zeros((height, width, max_boxes), np.uint8)
        instances[..., :count_here] = np.moveaxis(scene.instance_masks, 0, -1)
        return scene.image, boxes, classes, scene.semantic_mask, instances

    def load(index, augment_seed):
        image, boxes, classes, semantic, instances = tf.numpy_function(
            compose, [index], [tf.uint8, tf.float32, tf.int32, tf.uint8, tf.uint8],
            stateful=False)
        image.set_shape((height, width, 3))
        boxes.set_shape((max_boxes, 4))
        classes.set_shape((max_boxes,))
        semantic.set_shape((height, width))
        instances.set_shape((height, width, max_boxes))
        if augment:
            masks = tf.concat([semantic[..., None], instances], axis=-1)
            image, _, classes, masks = random_flip_and_scale(
                image, boxes, classes, masks, augment_seed, output_size=(height, width),
                scale_range=scale_range)
            semantic, instances = masks[..., 0], masks[..., 1:]
            boxes, classes = _tight_boxes(instances, classes)
        return (tf.cast(image, tf.float32),
                {"boxes": boxes, "classes": classes,
                 "segmentation": tf.cast(semantic, tf.int32)})

    indices = tf.data.Dataset.range(len(scenes))
    # A new augmentation on every pass, yet the same sequence of passes for one seed.
    augment_seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)
    dataset = tf.data.Dataset.zip((indices, augment_seeds))
    dataset = dataset.map(load, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return without_autotuning(dataset.batch(batch_size, drop_remainder=drop_remainder)
                              .prefetch(tf.data.AUTOTUNE))


def _tight_boxes(instances, classes):
    """Boxes of the transformed instance masks; items that left the canvas move to the end."""
    boxes = boxes_from_masks(instances)
    present = (boxes[:, 0] >= 0) & (classes >= 0)
    classes = tf.where(present, classes, -1)
    boxes = tf.where(present[:, None], boxes, -1.0)
    order = tf.argsort(tf.cast(~present, tf.int32), stable=True)
    return tf.gather(boxes, order), tf.gather(classes, order)
