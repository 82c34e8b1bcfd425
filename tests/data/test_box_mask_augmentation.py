"""Boxes and masks move with the pixels: boxes of the augmented masks = augmented boxes."""

import numpy as np
import pytest
import tensorflow as tf

from kerasvision.data.box_mask_augmentation import (boxes_from_masks, flip_left_right,
                                                    random_flip_and_scale, scale_and_place)
from kerasvision.data.fashion_scenes import FashionScenes

DRAWS = 60


@pytest.fixture(scope="module")
def scenes():
    """Real scenes' instance masks: items with thin straps, holes and occluded parts."""
    scenes = FashionScenes("validation", size=(64, 80), seed=9)
    return [scenes.scene(i) for i in range(DRAWS)]


def channels_last(masks):
    return np.moveaxis(masks, 0, -1)


def padded(scene, rows=8):
    """Boxes, classes and (H, W, rows) masks padded to fixed shapes (one graph trace)."""
    count = len(scene.classes)
    boxes = np.full((rows, 4), -1, np.float32)
    boxes[:count] = scene.boxes
    classes = np.full((rows,), -1, np.int32)
    classes[:count] = scene.classes
    masks = np.zeros((*scene.semantic_mask.shape, rows), np.uint8)
    masks[..., :count] = channels_last(scene.instance_masks)
    return boxes, classes, masks


@tf.function
def augmented(image, boxes, classes, masks, seed, output_size, scale_range):
    return random_flip_and_scale(image, boxes, classes, masks, seed, output_size,
                                 scale_range=(scale_range[0], scale_range[1]))


def random_rectangles(rng, size, count):
    """Instance masks (H, W, count) of random rectangles at least 4 pixels a side."""
    height, width = size
    masks = np.zeros((height, width, count), np.uint8)
    for k in range(count):
        h, w = rng.integers(4, height // 2), rng.integers(4, width // 2)
        top, left = rng.integers(0, height - h), rng.integers(0, width - w)
        masks[top:top + h, left:left + w, k] = 1
    return masks


def test_flip_moves_boxes_exactly_with_the_masks(scenes):
    for scene in scenes[:20]:
        masks = channels_last(scene.instance_masks)
        image, boxes, flipped = flip_left_right(scene.image, scene.boxes, masks)
        np.testing.assert_array_equal(boxes_from_masks(flipped), boxes)
        np.testing.assert_array_equal(image, scene.image[:, ::-1].astype(np.float32))
        _, back, _ = flip_left_right(image, boxes, flipped)
        np.testing.assert_array_equal(back, scene.boxes)


def test_upscaled_and_placed_masks_match_their_boxes_within_one_pixel(scenes):
    """Nearest-neighbour enlarging keeps every mask pixel: tight within a pixel."""
    for index, scene in enumerate(scenes):
        boxes, classes, masks = padded(scene)
        output_size = (56 + index % 3 * 16, 72 + index % 2 * 24)
        _, boxes, classes, moved = augmented(scene.image, boxes, classes, masks,
                                             tf.constant([index, 0]), tf.constant(output_size),
                                             tf.constant([1.0, 1.8]))
        mask_boxes = boxes_from_masks(moved).numpy()
        boxes = boxes.numpy()
        for box, mask_box, label in zip(boxes, mask_boxes, classes.numpy()):
            if mask_box[0] < 0:  # padding, or an item that left the canvas (a sliver may stay)
                assert label == -1 or min(box[2] - box[0], box[3] - box[1]) < 1
                continue
            assert label >= 0
            clipped = (box[0] == 0 or box[1] == 0 or box[2] == output_size[1]
                       or box[3] == output_size[0])
            if clipped:
                # A crop cuts the box, not the shape: the shape's box lies inside it.
                assert (mask_box[:2] >= box[:2] - 1).all() and (mask_box[2:] <= box[2:] + 1).all()
            else:
                np.testing.assert_allclose(mask_box, box, atol=1.0)


def test_any_scale_crop_or_pad_moves_rectangles_with_their_boxes(scenes):
    """Shrinking may drop a one-pixel strap, never a 4-pixel rectangle: every draw holds."""
    rng = np.random.default_rng(0)
    image = np.zeros((48, 64, 3), np.uint8)
    for index in range(DRAWS):
        masks = random_rectangles(rng, (48, 64), 6)
        boxes = boxes_from_masks(masks)
        classes = tf.range(6)
        output_size = (40 + index % 4 * 8, 56)
        _, moved_boxes, moved_classes, moved = augmented(
            image, boxes, classes, masks, tf.constant([index, 1]), tf.constant(output_size),
            tf.constant([0.5, 1.5]))
        mask_boxes = boxes_from_masks(moved).numpy()
        for box, mask_box, label in zip(moved_boxes.numpy(), mask_boxes, moved_classes):
            if mask_box[0] < 0:
                assert label == -1 or min(box[2] - box[0], box[3] - box[1]) < 1
            else:
                np.testing.assert_allclose(mask_box, box, atol=1.0)


def test_boxes_that_leave_the_canvas_are_dropped_and_padding_stays_padding():
    masks = np.zeros((40, 40, 3), np.uint8)
    masks[2:10, 2:10, 0] = 1  # leaves the canvas when moved left by 12
    masks[20:35, 5:38, 1] = 1  # partly stays
    boxes = np.concatenate([boxes_from_masks(masks)[:2], [[-1, -1, -1, -1]]], axis=0)
    image, moved_boxes, moved = scale_and_place(np.ones((40, 40, 3)), boxes, masks, 1.0,
                                                (5, -12), (40, 40))
    assert moved_boxes.numpy().tolist() == [[-1, -1, -1, -1], [0, 25, 26, 40],
                                            [-1, -1, -1, -1]]
    np.testing.assert_array_equal(boxes_from_masks(moved)[:2], moved_boxes[:2])
    assert image.shape == (40, 40, 3)
    image = image.numpy()
    assert image[:5].max() == 0 and image[:, 28:].max() == 0  # padded with 0
    assert image[5:, :28].min() == 1
    classes = tf.constant([4, 7, -1])
    _, kept_boxes, kept, _ = random_flip_and_scale(np.zeros((40, 40, 3)), boxes, classes,
                                                   masks, seed=[3, 3], scale_range=(1.0, 1.0))
    assert kept.numpy().tolist() == [4, 7, -1]  # scale 1, same size: nothing moves out
    assert kept_boxes[2].numpy().tolist() == [-1, -1, -1, -1]


def test_semantic_labels_are_never_blended_and_results_repeat_per_seed(scenes):
    scene = scenes[0]
    semantic = scene.semantic_mask[..., None]
    first = random_flip_and_scale(scene.image, scene.boxes, scene.classes, semantic,
                                  seed=[5, 2], output_size=(50, 70), scale_range=(0.6, 1.4))
    again = random_flip_and_scale(scene.image, scene.boxes, scene.classes, semantic,
                                  seed=[5, 2], output_size=(50, 70), scale_range=(0.6, 1.4))
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    image, _, _, labels = first
    assert image.shape == (50, 70, 3) and image.dtype == tf.float32
    assert labels.shape == (50, 70, 1) and labels.dtype == tf.uint8
    assert set(np.unique(labels).tolist()) <= set(np.unique(semantic).tolist())


def test_runs_inside_a_tf_data_pipeline(scenes):
    scene = scenes[1]
    dataset = tf.data.Dataset.from_tensors(
        (scene.image, scene.boxes, scene.classes, channels_last(scene.instance_masks)))
    dataset = dataset.map(lambda image, boxes, classes, masks: random_flip_and_scale(
        image, boxes, classes, masks, seed=[1, 2], scale_range=(0.8, 1.2)))
    image, boxes, classes, masks = next(iter(dataset))
    assert image.shape == (64, 80, 3) and masks.shape == (64, 80, len(scene.classes))
    assert masks.dtype == tf.bool and boxes.shape == (len(scene.classes), 4)
