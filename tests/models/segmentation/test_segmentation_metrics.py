"""Confusion-matrix scores (numpy) and the compile-time mean IoU, against values computed by hand
on a 2×3 class map."""

import numpy as np
import pytest

import keras

from kerasvision.models.segmentation.confusion_scores import (confusion_matrix, mean_iou,
                                                              per_class_iou, pixel_accuracy)
from kerasvision.models.segmentation.pixel_mean_iou import PixelMeanIoU

TARGETS = np.array([[0, 0, 1],
                    [1, 2, 2]])
PREDICTED = np.array([[0, 1, 1],
                      [1, 2, 0]])
# Rows are true classes, columns predicted ones.
MATRIX = [[1, 1, 0],
          [0, 2, 0],
          [1, 0, 1]]
# IoU = TP / (row + column − TP): 1/(2 + 2 − 1), 2/(2 + 3 − 2), 1/(2 + 1 − 1).
IOUS = [1 / 3, 2 / 3, 1 / 2]


def _scores(classes, num_classes=3, sharpness=4.0):
    """Logit-like scores whose argmax is `classes`."""
    return sharpness * np.eye(num_classes, dtype="float32")[classes]


def test_confusion_matrix():
    np.testing.assert_array_equal(confusion_matrix(TARGETS, PREDICTED, 3), MATRIX)
    # Class scores are reduced to their argmax.
    np.testing.assert_array_equal(confusion_matrix(TARGETS, _scores(PREDICTED), 3), MATRIX)


def test_iou_and_pixel_accuracy():
    np.testing.assert_allclose(per_class_iou(MATRIX), IOUS)
    assert mean_iou(MATRIX) == pytest.approx(0.5)  # (1/3 + 2/3 + 1/2) / 3
    assert pixel_accuracy(MATRIX) == pytest.approx(4 / 6)


def test_a_class_never_seen_is_left_out_of_the_mean():
    matrix = confusion_matrix(TARGETS, PREDICTED, 4)
    ious = per_class_iou(matrix)
    assert np.isnan(ious[3])
    np.testing.assert_allclose(ious[:3], IOUS)
    assert mean_iou(matrix) == pytest.approx(0.5)


def test_void_pixels_are_not_counted():
    targets = np.array([[0, 0, 1, 255], [1, 2, 2, 255]])
    predicted = np.array([[0, 1, 1, 2], [1, 2, 0, 0]])
    np.testing.assert_array_equal(confusion_matrix(targets, predicted, 3, ignore_index=255),
                                  MATRIX)
    with pytest.raises(ValueError, match=r"target classes must lie in \[0, 3\)"):
        confusion_matrix(targets, predicted, 3)
    with pytest.raises(ValueError, match="prediction classes"):
        confusion_matrix(TARGETS, PREDICTED + 1, 3)


def test_scores_of_an_empty_matrix_are_nan():
    empty = np.zeros((3, 3), int)
    assert np.isnan(mean_iou(empty)) and np.isnan(pixel_accuracy(empty))


def test_pixel_mean_iou_takes_class_scores():
    metric = PixelMeanIoU(3)
    metric.update_state(TARGETS[None], _scores(PREDICTED)[None])
    assert float(metric.result()) == pytest.approx(0.5)
    # Accumulated over batches: the mean IoU of the summed confusion matrix.
    rng = np.random.default_rng(0)
    more_targets = rng.integers(0, 3, size=(2, 2, 3))
    more_predicted = rng.integers(0, 3, size=(2, 2, 3))
    metric.update_state(more_targets, _scores(more_predicted))
    total = np.asarray(MATRIX) + confusion_matrix(more_targets, more_predicted, 3)
    assert float(metric.result()) == pytest.approx(mean_iou(total), rel=1e-6)


def test_pixel_mean_iou_ignores_void_and_round_trips():
    metric = PixelMeanIoU(3, ignore_class=255, name="miou")
    targets = np.array([[[0, 0, 1, 255], [1, 2, 2, 255]]])
    predicted = np.array([[[0, 1, 1, 2], [1, 2, 0, 0]]])
    metric.update_state(targets, _scores(predicted))
    assert float(metric.result()) == pytest.approx(0.5)
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(metric))
    assert isinstance(restored, PixelMeanIoU)
    assert restored.get_config() == metric.get_config()


def test_pixel_mean_iou_in_compile():
    # A model that turns logits into a softmax: its prediction's argmax is PREDICTED.
    model = keras.Sequential([keras.Input((2, 3, 3)), keras.layers.Activation("softmax")])
    model.compile(loss="sparse_categorical_crossentropy", metrics=[PixelMeanIoU(3)])
    results = model.evaluate(_scores(PREDICTED)[None], TARGETS[None], verbose=0,
                             return_dict=True)
    assert results["mean_iou"] == pytest.approx(0.5)
