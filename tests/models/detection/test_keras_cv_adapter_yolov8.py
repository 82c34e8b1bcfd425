"""keras-cv's YOLOV8Detector through the adapter: the baseline of
benchmarks/detector_vs_yolov8.py (size, targets, one training step, decoded detections)."""

import numpy as np
import pytest
import tensorflow as tf

from kerasvision.models.detection import keras_cv_adapter as adapter

TINY = {"input_shape": (64, 64, 3), "stackwise_channels": (8, 16, 32, 64),
        "stackwise_depth": (1, 1, 1, 1), "fpn_depth": 1}


def padded_batch(rows):
    """Two 64x64 images with 1 and 2 boxes, padded with -1 to `rows` rows (scenes_dataset's
    layout), plus a segmentation entry the detector must ignore."""
    boxes = np.full((2, rows, 4), -1, np.float32)
    classes = np.full((2, rows), -1, np.int32)
    boxes[0, 0], classes[0, 0] = [4, 4, 30, 40], 1
    boxes[1, :2], classes[1, :2] = [[10, 10, 50, 50], [0, 30, 20, 60]], [0, 2]
    images = np.random.default_rng(0).uniform(0, 255, (2, 64, 64, 3)).astype(np.float32)
    return images, {"boxes": boxes, "classes": classes,
                    "segmentation": np.zeros((2, 64, 64), np.int32)}


@pytest.mark.slow
def test_default_yolo_v8_matches_the_xs_preset_and_our_ssd_size():
    model = adapter.yolo_v8_detector(10)
    # keras-cv 0.9.0's yolo_v8_backbone_presets.py: "yolo_v8_xs_backbone", "params": 1277680.
    assert model.backbone.count_params() == 1_277_680
    assert model.count_params() == 3_434_318  # within 2.2 % of `ssd`'s 3,360,904


def test_targets_keep_boxes_and_classes_as_float():
    _, targets = padded_batch(8)
    converted = adapter.yolo_v8_targets(targets)
    assert sorted(converted) == ["boxes", "classes"]
    assert converted["classes"].dtype == tf.float32
    np.testing.assert_array_equal(converted["classes"].numpy(), targets["classes"])
    np.testing.assert_array_equal(converted["boxes"].numpy(), targets["boxes"])


@pytest.mark.slow  # tracing keras-cv's YOLOv8 train step takes ~20 CPU-seconds even tiny
def test_tiny_yolo_v8_fits_a_step_on_a_padded_batch_of_unknown_image_shape():
    import keras

    keras.utils.set_random_seed(0)
    model = adapter.yolo_v8_detector(3, **TINY)
    adapter.compile_yolo_v8(model, keras.optimizers.AdamW(1e-3, global_clipnorm=10.0))
    images, targets = padded_batch(8)
    # numpy_function forgets the static shape, as scenes_dataset's augmentation does.
    data = tf.data.Dataset.from_tensors((images, targets)).map(
        lambda x, y: (tf.numpy_function(lambda a: a, [x], tf.float32), y))
    data = data.map(lambda x, y: adapter.yolo_v8_batch(x, y, (64, 64)))
    assert data.element_spec[0].shape.as_list() == [None, 64, 64, 3]
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(data, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0]) and history.history["loss"][0] > 0
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))

    # Padding rows are not boxes: padding to 4 or to 8 rows gives the same loss.
    losses = []
    for rows in (4, 8):
        x, y = padded_batch(rows)
        x, y = adapter.yolo_v8_batch(tf.constant(x), y, (64, 64))
        losses.append(float(model.compute_loss(x, y, model(x, training=False))))
    assert losses[0] == pytest.approx(losses[1], rel=1e-6)


def test_detections_cut_at_the_count_and_clipped_to_the_image():
    decoded = {"boxes": np.full((2, 3, 4), -1, np.float32),
               "confidence": np.full((2, 3), -1, np.float32),
               "classes": np.full((2, 3), -1, np.int64),
               "num_detections": np.array([2, 0], np.int32)}
    decoded["boxes"][0, :2] = [[-5, 10, 20, 70], [1, 2, 3, 4]]
    decoded["confidence"][0, :2] = [0.9, 0.3]
    decoded["classes"][0, :2] = [2, 0]
    (boxes, scores, classes), (none, no_scores, no_classes) = adapter.yolo_v8_detections(
        decoded, image_shape=(64, 48))
    np.testing.assert_array_equal(boxes, [[0, 10, 20, 64], [1, 2, 3, 4]])
    np.testing.assert_array_equal(scores, np.float32([0.9, 0.3]))
    np.testing.assert_array_equal(classes, [2, 0])
    assert none.shape == (0, 4) and no_scores.shape == (0,) and no_classes.shape == (0,)
