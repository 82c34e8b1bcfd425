"""Faster R-CNN (Ren et al., NIPS 2015): the tiny variant's structure, end-to-end training in
one fit (approximate joint training, §3.2) on two synthetic images, a `.keras` round trip of
the trained model, and the VGG16 model's parameter count (slow)."""

import numpy as np
import pytest

import keras

from kerasvision.models import build, build_tiny
from kerasvision.models.detection.box_matcher import pairwise_iou
from kerasvision.models.detection.fast_rcnn import vgg16_conv5_features
from kerasvision.models.detection.region_proposal_network import rpn_anchors

SIDE = 96
# Two scenes of coloured rectangles on dark noise: (x1, y1, x2, y2, class).
LAYOUT = [[(8, 10, 40, 44, 0), (52, 48, 88, 80, 1)], [(30, 20, 70, 50, 1), (10, 60, 34, 90, 0)]]
COLOURS = [(230, 40, 40), (40, 230, 40)]
STEPS = 60


def _scenes():
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 40, (len(LAYOUT), SIDE, SIDE, 3)).astype("float32")
    boxes = np.full((len(LAYOUT), 3, 4), -1.0, "float32")
    classes = np.full((len(LAYOUT), 3), -1.0, "float32")
    for i, objects in enumerate(LAYOUT):
        for j, (x1, y1, x2, y2, c) in enumerate(objects):
            images[i, y1:y2, x1:x2] = COLOURS[c]
            boxes[i, j], classes[i, j] = (x1, y1, x2, y2), c
    return images, {"boxes": boxes, "classes": classes}


def test_a_600_by_1000_image_has_about_20000_anchors():
    # §3.3: "For a typical 1000 × 600 image, there will be roughly 20000 (≈ 60 × 40 × 9)
    # anchors in total." The backbone's poolings round up, as Caffe's do: 600 -> 38 and
    # 1000 -> 63 after four of them, hence 38 × 63 × 9.
    features = vgg16_conv5_features((600, 1000, 3))
    assert features.output_shape[1:] == (38, 63, 512)
    anchors = rpn_anchors((600, 1000), features.output_shape[1:3])
    assert len(anchors) == 38 * 63 * 9 == 21_546 and round(len(anchors), -4) == 20_000


@pytest.fixture(scope="module")
def trained():
    keras.utils.set_random_seed(0)
    model = build_tiny("faster_rcnn", num_classes=2, fc_units=64, seed=0)
    images, targets = _scenes()
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    history = model.fit(images, targets, epochs=STEPS, batch_size=2, verbose=0)
    return model, images, history.history["loss"]


def test_tiny_structure():
    model = build_tiny("faster_rcnn")
    # A 96 × 96 image gives a 6 × 6 conv5_3 map (stride 16), with k = 9 anchors per cell.
    assert model.feature_extractor.output_shape[1:3] == (6, 6)
    assert model.num_anchors == 6 * 6 * 9
    images = np.zeros((2, SIDE, SIDE, 3), "float32")
    raw = model(images, training=True)
    assert raw["rpn_objectness"].shape == (2, 324, 2) and raw["rpn_box_deltas"].shape == (2, 324, 4)
    assert raw["proposals"].shape == (2, 16, 4)  # training's post-NMS top-N
    assert model.raw_outputs(images)["proposals"].shape == (2, 8, 4)  # test's


def test_joint_training_overfits_two_images(trained):
    model, images, losses = trained
    # Measured (seed 0): 1.80 at the first step, 0.37 averaged over the last ten of 60 (the
    # RPN's and the head's random samples keep it noisy).
    assert np.all(np.isfinite(losses))
    assert np.mean(losses[-10:]) < 0.35 * losses[0]
    detections = model(images, training=False)
    for i, objects in enumerate(LAYOUT):
        count = len(objects)
        boxes = np.asarray(detections["boxes"][i, :count])
        classes = np.asarray(detections["classes"][i, :count])
        iou = np.asarray(pairwise_iou(boxes, np.array([o[:4] for o in objects], "float32")))
        # Each object is found among the best detections, with its class.
        for j, (*_, c) in enumerate(objects):
            assert np.any((iou[:, j] >= 0.5) & (classes == c)), f"image {i}, object {j}"


def test_trained_model_keras_round_trip(trained, tmp_path):
    model, images, _ = trained
    model.save(tmp_path / "faster_rcnn.keras")
    loaded = keras.saving.load_model(tmp_path / "faster_rcnn.keras")  # safe mode
    want, got = model(images, training=False), loaded(images, training=False)
    for key in want:
        np.testing.assert_array_equal(np.asarray(got[key]), np.asarray(want[key]))


@pytest.mark.slow
def test_vgg16_parameter_count():
    # For VOC (20 classes): VGG16's 13 convolutions 14,714,688 (keras.applications), the RPN
    # (3×3 conv 512 -> 512, then 1×1 to 2·9 and 4·9), and the Fast R-CNN head (fc6 from
    # 7·7·512, fc7, 21 class scores, 4·20 deltas). The count does not depend on the image
    # size (RoI pooling is 7×7 whatever the RoI), so a small image keeps it quick.
    model = build("faster_rcnn", num_classes=20, image_shape=(224, 224, 3))
    rpn = 3 * 3 * 512 * 512 + 512 + 512 * 18 + 18 + 512 * 36 + 36
    head = 7 * 7 * 512 * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * 21 + 21 + 4096 * 80 + 80
    assert model.rpn_head.count_params() == rpn
    assert model.count_params() == 14_714_688 + rpn + head == 137_061_851
