"""The sliding-window detection pipeline: windows, batched crops, the background/threshold rule,
per-class NMS, the detection dict, save/load (the registered name also runs the pipeline
contract in tests/test_contract.py)."""

import numpy as np
import pytest

import keras
import tensorflow as tf

from kerasvision.models.contracts.detection import check_detections
from kerasvision.models.detection.sliding_window import (SlidingWindowDetector, window_boxes,
                                                         window_shapes)
from kerasvision.registry import build_tiny, get_spec

WINDOW = 16
# Two objects, one per channel, overlapping (IoU 144/368 = 0.39 > the NMS threshold 0.3).
SQUARE_1 = (12, 8, 28, 24)  # xyxy, channel 0
SQUARE_2 = (16, 12, 32, 28)  # xyxy, channel 1


def brightness_classifier(activation="softmax"):
    """Logits (0, 20 m0 - 5, 20 m1 - 5) of the channel means m: background, then a class per
    channel; a fully covered square scores 15 for its class."""
    crops = keras.Input((WINDOW, WINDOW, 2))
    means = keras.layers.GlobalAveragePooling2D()(crops)
    dense = keras.layers.Dense(3, activation=activation)
    scores = dense(means)
    dense.set_weights([np.array([[0, 20, 0], [0, 0, 20]], "float32"),
                       np.array([0, -5, -5], "float32")])
    return keras.Model(crops, scores, name="brightness")


def two_squares():
    image = np.zeros((64, 64, 2), "float32")
    for channel, (x1, y1, x2, y2) in enumerate((SQUARE_1, SQUARE_2)):
        image[y1:y2, x1:x2, channel] = 1.0
    return image


def softmax(logits):
    e = np.exp(np.asarray(logits, "float64") - np.max(logits))
    return e / e.sum()


def test_window_shapes_keep_area_and_drop_repeats():
    assert window_shapes((32,), (1.0, 0.5, 2.0)) == [(32, 32), (45, 23), (23, 45)]
    assert window_shapes((8, 8), (1.0,)) == [(8, 8)]


def test_window_boxes_cover_the_image_on_the_stride_grid():
    boxes = window_boxes(20, 30, (10, 12), 5)
    # rows 0, 5, 10; columns 0, 5, 10, 15; all inside the image.
    assert boxes.shape == (12, 4)
    np.testing.assert_array_equal(boxes[0], [0, 0, 12, 10])
    np.testing.assert_array_equal(boxes[-1], [15, 10, 27, 20])
    assert window_boxes(8, 8, (10, 10), 4).shape == (0, 4)


def test_background_class_and_per_class_nms_find_both_overlapping_objects():
    # Windows that miss NMS's 0.3 overlap with a square cover at most 118 of its pixels and
    # score at most softmax(0, 20 * 118 / 256 - 5, .)[1] < 0.99.
    detector = SlidingWindowDetector(brightness_classifier(), stride=4, background_class=0,
                                     score_threshold=0.99, iou_threshold=0.3, max_detections=5)
    assert detector.num_classes == 2
    out = detector.predict(two_squares()[None])
    check_detections(out, 1, 2, "xyxy", image_shape=(64, 64, 2))
    # Each square is one detection, its own window; the other class's square does not
    # suppress it (NMS is per class), the shifted windows of each are suppressed.
    assert out["num_detections"][0] == 2
    np.testing.assert_array_equal(out["boxes"][0, :2], [SQUARE_1, SQUARE_2])
    np.testing.assert_array_equal(out["classes"][0, :2], [0, 1])
    # The other square covers 12 x 12 of 16 x 16: logits (0, 15, 20 * 144 / 256 - 5).
    want = softmax([0, 15, 20 * 144 / 256 - 5])[1]
    np.testing.assert_allclose(out["confidence"][0, :2], [want, want], rtol=1e-5)


def test_threshold_alone_keeps_every_class_index():
    # No background class: all three classifier classes are object classes; the empty
    # windows' class 0 scores 1 / (1 + 2 e^-5) = 0.987 and stays under the threshold.
    detector = SlidingWindowDetector(brightness_classifier(), stride=4, score_threshold=0.99,
                                     iou_threshold=0.3)
    assert detector.num_classes == 3
    out = detector.predict(two_squares()[None])
    n = out["num_detections"][0]
    assert sorted(out["classes"][0, :n]) == [1.0, 2.0]
    assert np.all(out["classes"][0, n:] == -1)


def test_scores_equal_the_classifier_on_each_resized_crop():
    # Batches of 7 crops, two sizes and two aspect ratios (three windows resized, one not).
    keras.utils.set_random_seed(0)
    classifier = build_tiny("lenet5", input_shape=(24, 24, 3), classes=3, modern=True)
    detector = SlidingWindowDetector(classifier, window_sizes=(24, 32), aspect_ratios=(1, 2),
                                     stride=8, batch_size=7)
    image = np.random.default_rng(0).uniform(0, 255, (48, 56, 3)).astype("float32")
    windows, scores = detector.window_scores(image)
    assert len(windows) == sum(len(window_boxes(48, 56, s, 8))
                               for s in window_shapes((24, 32), (1, 2)))
    for (x1, y1, x2, y2), got in zip(windows.astype(int), scores):
        crop = image[None, y1:y2, x1:x2]
        if crop.shape[1:3] != (24, 24):
            crop = tf.image.resize(crop, (24, 24), antialias=True)
        np.testing.assert_allclose(got, np.asarray(classifier(crop))[0], rtol=1e-5, atol=1e-6)


def test_best_first_and_capped():
    keras.utils.set_random_seed(0)
    classifier = build_tiny("lenet5", input_shape=(32, 32, 3), classes=3, modern=True)
    detector = SlidingWindowDetector(classifier, stride=4, score_threshold=0.0,
                                     iou_threshold=1.0, max_detections=6)
    images = np.random.default_rng(1).uniform(0, 1, (2, 48, 40, 3)).astype("float32")
    out = detector.predict(images)
    check_detections(out, 2, 3, "xyxy", image_shape=(48, 40, 3))
    # 5 x 3 windows and 3 classes: no NMS (IoU threshold 1), so the cap decides.
    np.testing.assert_array_equal(out["num_detections"], [6, 6])


def test_image_smaller_than_every_window_has_no_detections():
    detector = SlidingWindowDetector(brightness_classifier(), window_sizes=(20,))
    out = detector.predict(np.zeros((1, 16, 16, 2), "float32"))
    assert out["num_detections"][0] == 0 and np.all(out["boxes"] == -1)


def test_logits_are_turned_into_probabilities():
    with_softmax = SlidingWindowDetector(brightness_classifier(), stride=4, background_class=0)
    from_logits = SlidingWindowDetector(brightness_classifier(None), stride=4,
                                        background_class=0, from_logits=True)
    a, b = (d.predict(two_squares()[None]) for d in (with_softmax, from_logits))
    for key in a:
        np.testing.assert_allclose(b[key], a[key], rtol=1e-5)


def test_image_classifier_task_is_accepted_and_round_trips(tmp_path):
    from kerasvision.tasks.image_classifier import ImageClassifier

    keras.utils.set_random_seed(0)
    task = ImageClassifier.from_architecture("lenet5", (32, 32, 3), ["background", "a", "b"],
                                             modern=True)
    detector = SlidingWindowDetector(task, window_sizes=(32, 40), stride=8, background_class=0,
                                     score_threshold=0.0, max_detections=8)
    images = np.random.default_rng(2).uniform(0, 255, (2, 48, 48, 3)).astype("float32")
    want = detector.predict(images)
    assert want["num_detections"].sum() > 0
    detector.save(tmp_path / "detector")
    loaded = SlidingWindowDetector.load(tmp_path / "detector")
    assert loaded.settings() == detector.settings()
    got = loaded.predict(images)
    for key in want:
        np.testing.assert_array_equal(got[key], want[key])


def test_registered_builder_takes_a_name_or_a_model():
    spec = get_spec("sliding_window")
    assert (spec.task, spec.kind) == ("detection", "pipeline")
    keras.utils.set_random_seed(0)
    detector = spec.builder(**spec.tiny)
    assert detector.num_classes == 2 and detector.input_size == (32, 32)
    same = spec.builder(classifier=detector.classifier, window_sizes=(24,))
    assert same.classifier is detector.classifier and same.num_classes == 3


def test_background_class_must_be_a_class():
    with pytest.raises(ValueError, match="background_class 3"):
        SlidingWindowDetector(brightness_classifier(), background_class=3)
