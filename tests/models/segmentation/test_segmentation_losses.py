"""Per-pixel cross-entropy, soft Dice and their sum, against values computed by hand on a 2×3
class map with three classes (class 0 the background)."""

import math

import numpy as np
import pytest

import keras

from kerasvision.models.segmentation.dice_cross_entropy_loss import DiceCrossEntropyLoss
from kerasvision.models.segmentation.pixel_cross_entropy import PixelCrossEntropy
from kerasvision.models.segmentation.soft_dice_loss import SoftDiceLoss

LN2 = math.log(2.0)

# One image, 2×3 pixels. The probability of the true class is 1/2, 1/4, 1/2 on the top row and
# 1, 1/2, 1/4 on the bottom one.
TARGETS = np.array([[[0, 0, 1],
                     [1, 2, 2]]])
SCORES = np.array([[[[0.5, 0.25, 0.25], [0.25, 0.5, 0.25], [0.25, 0.5, 0.25]],
                    [[0.0, 1.0, 0.0], [0.25, 0.25, 0.5], [0.5, 0.25, 0.25]]]], "float32")

# Dice by hand, smooth 0. Class 1: targets at (0, 2) and (1, 0), G = 2; P = Σ p1 = 2.75;
# I = 0.5 + 1 = 1.5; Dice = 3 / 4.75 = 12/19. Class 2: G = 2, P = 1.5, I = 0.5 + 0.25;
# Dice = 1.5 / 3.5 = 3/7. Class 0: G = 2, P = 1.75, I = 0.5 + 0.25; Dice = 1.5 / 3.75 = 2/5.
DICE_LOSS = 1 - (12 / 19 + 3 / 7) / 2  # = 125/266


def _value(loss, targets=TARGETS, scores=SCORES, **kw):
    return float(loss(targets, scores, **kw))


def test_cross_entropy_is_the_mean_over_pixels():
    # (ln 2 + ln 4 + ln 2 + ln 1 + ln 2 + ln 4) / 6 = 7 ln 2 / 6
    assert _value(PixelCrossEntropy()) == pytest.approx(7 * LN2 / 6, rel=1e-5)


def test_class_weights_scale_each_pixel_by_its_true_class():
    # Weights 1, 2, 1/2: class 0 pixels ln 2 + ln 4, class 1 2·(ln 2 + 0), class 2 (ln 2 + ln 4)/2;
    # 6.5 ln 2 over 6 pixels.
    loss = PixelCrossEntropy(class_weights=[1.0, 2.0, 0.5])
    assert _value(loss) == pytest.approx(6.5 * LN2 / 6, rel=1e-5)


def test_cross_entropy_takes_logits_and_pixel_weights():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(2, 4, 5, 3)).astype("float32")
    targets = rng.integers(0, 3, size=(2, 4, 5))
    probabilities = np.asarray(keras.ops.softmax(logits))
    want = _value(PixelCrossEntropy(), targets, probabilities)
    assert _value(PixelCrossEntropy(from_logits=True), targets, logits) == pytest.approx(
        want, rel=1e-5)
    # A (B, H, W, 1) target and a per-pixel sample weight of zero on every other pixel.
    weights = np.zeros((2, 4, 5), "float32")
    weights[:, ::2] = 1.0
    got = _value(PixelCrossEntropy(), targets[..., None], probabilities, sample_weight=weights)
    per_pixel = -np.log(np.take_along_axis(probabilities, targets[..., None], -1))[..., 0]
    assert got == pytest.approx((per_pixel * weights).mean(), rel=1e-5)


def test_class_weights_must_match_the_classes():
    with pytest.raises(ValueError, match="2 class weights for 3 classes"):
        PixelCrossEntropy(class_weights=[1.0, 2.0])(TARGETS, SCORES)


def test_soft_dice_leaves_out_the_background():
    assert _value(SoftDiceLoss(smooth=0.0)) == pytest.approx(DICE_LOSS, rel=1e-5)
    with_background = 1 - (2 / 5 + 12 / 19 + 3 / 7) / 3
    assert _value(SoftDiceLoss(smooth=0.0, include_background=True)) == pytest.approx(
        with_background, rel=1e-5)


def test_soft_dice_smoothing():
    # Class 1: (3 + 1) / (4.75 + 1) = 16/23; class 2: (1.5 + 1) / (3.5 + 1) = 5/9.
    assert _value(SoftDiceLoss(smooth=1.0)) == pytest.approx(1 - (16 / 23 + 5 / 9) / 2,
                                                             rel=1e-5)
    # A class absent from targets and prediction counts as a perfect match: (0 + 1)/(0 + 1).
    background = np.zeros((1, 2, 3), "int32")
    sure = np.zeros((1, 2, 3, 3), "float32")
    sure[..., 0] = 1.0
    assert _value(SoftDiceLoss(smooth=1.0), background, sure) == pytest.approx(0.0, abs=1e-7)


def test_soft_dice_is_averaged_per_image():
    # The second image is predicted perfectly (one-hot scores): its loss is 0, so the batch's
    # loss is half the first image's, not the Dice of the pooled pixels.
    targets = np.concatenate([TARGETS, TARGETS[:, ::-1]])
    perfect = np.eye(3, dtype="float32")[TARGETS[:, ::-1]]
    scores = np.concatenate([SCORES, perfect])
    assert _value(SoftDiceLoss(smooth=0.0), targets, scores) == pytest.approx(DICE_LOSS / 2,
                                                                              rel=1e-5)


def test_soft_dice_from_logits():
    logits = np.log(np.clip(SCORES, 1e-12, 1.0))
    assert _value(SoftDiceLoss(smooth=0.0, from_logits=True), TARGETS, logits) == \
        pytest.approx(DICE_LOSS, rel=1e-5)


def test_sum_of_cross_entropy_and_dice():
    loss = DiceCrossEntropyLoss(smooth=0.0)
    assert _value(loss) == pytest.approx(7 * LN2 / 6 + DICE_LOSS, rel=1e-5)
    weighted = DiceCrossEntropyLoss(class_weights=[1.0, 2.0, 0.5], smooth=0.0)
    assert _value(weighted) == pytest.approx(6.5 * LN2 / 6 + DICE_LOSS, rel=1e-5)


@pytest.mark.parametrize("loss", [
    PixelCrossEntropy(class_weights=[1.0, 2.0, 0.5], from_logits=True),
    SoftDiceLoss(smooth=0.5, include_background=True),
    DiceCrossEntropyLoss(class_weights=[1.0, 2.0, 0.5], smooth=0.0)])
def test_losses_serialize(loss):
    config = keras.saving.serialize_keras_object(loss)
    assert config["registered_name"].startswith("kerasvision>")
    restored = keras.saving.deserialize_keras_object(config)
    assert type(restored) is type(loss)
    assert restored.get_config() == loss.get_config()
    assert _value(restored) == pytest.approx(_value(loss), rel=1e-6)


def test_a_model_compiled_with_the_sum_trains_and_reloads(tmp_path):
    from kerasvision.models.segmentation.pixel_mean_iou import PixelMeanIoU

    keras.utils.set_random_seed(0)
    images = keras.Input((8, 8, 3))
    scores = keras.layers.Conv2D(3, 3, padding="same", activation="softmax")(images)
    model = keras.Model(images, scores)
    model.compile(optimizer="sgd", loss=DiceCrossEntropyLoss(class_weights=[0.5, 1.0, 2.0]),
                  metrics=[PixelMeanIoU(3)])
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(4, 8, 8, 3)).astype("float32")
    y = rng.integers(0, 3, size=(4, 8, 8))
    history = model.fit(x, y, epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)  # safe mode: only registered classes
    assert loaded.loss.get_config() == model.loss.get_config()
    np.testing.assert_allclose(loaded.evaluate(x, y, verbose=0),
                               model.evaluate(x, y, verbose=0), rtol=1e-5)
