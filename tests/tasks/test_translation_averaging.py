"""Translation averaging: the views are zero-filled shifts, the score is their mean, and the
wrapper saves, reloads and is looked through by inspection (tasks/translation_averaging.py)."""

import numpy as np

from kerasvision.layers.translated_views import TranslatedViews, ViewAverage
from kerasvision.tasks.image_classifier import ImageClassifier
from kerasvision.tasks.translation_averaging import PLUS_SHIFTS, with_translation_averaging


def shifted(x, dy, dx):
    """numpy reference: content moved down by dy and right by dx, zeros shifted in."""
    out = np.zeros_like(x)
    h, w = x.shape[1:3]
    out[:, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        x[:, max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]
    return out


def test_views_are_zero_filled_shifts_stacked_view_by_view():
    x = np.arange(2 * 4 * 5 * 1, dtype="float32").reshape(2, 4, 5, 1) + 1
    shifts = [(0, 0), (1, 0), (0, -2), (-1, 1)]
    views = np.asarray(TranslatedViews(shifts)(x))
    assert views.shape == (8, 4, 5, 1)
    for v, (dy, dx) in enumerate(shifts):
        np.testing.assert_array_equal(views[2 * v:2 * v + 2], shifted(x, dy, dx))


def test_view_average_folds_views_back_onto_their_images():
    scores = np.arange(3 * 2 * 4, dtype="float32").reshape(3 * 2, 4)  # 3 views of 2 images
    expected = scores.reshape(3, 2, 4).mean(0)
    np.testing.assert_allclose(np.asarray(ViewAverage(3)(scores)), expected)


def test_wrapper_is_the_mean_over_shifts_and_keeps_names(tiny_classifier, ramp_images, tmp_path):
    tta = with_translation_averaging(tiny_classifier.model)
    x = ramp_images.astype("float32")
    expected = np.mean([np.asarray(tiny_classifier.model(shifted(x, dy, dx)))
                        for dy, dx in PLUS_SHIFTS], axis=0)
    np.testing.assert_allclose(np.asarray(tta(x)), expected, atol=1e-5)
    clf = ImageClassifier(tta, tiny_classifier.class_names)
    clf.save(tmp_path / "tta.keras")
    reloaded = ImageClassifier.load(tmp_path / "tta.keras")
    assert reloaded.class_names == clf.class_names
    np.testing.assert_allclose(np.asarray(reloaded.model(x)), expected, atol=1e-5)

    from kerasvision.inspect.model_source import load_model

    inner = load_model(str(tmp_path / "tta.keras"))
    assert [l.name for l in inner.layers] == [l.name for l in tiny_classifier.model.layers]


def test_in_distribution_score_reads_view_averaged_features(tiny_classifier, ramp_images):
    from kerasvision.tasks.in_distribution import (EnergyScore, feature_taps, logits_head,
                                                   penultimate_features)

    tta = with_translation_averaging(tiny_classifier.model)
    x = ramp_images.astype("float32")
    assert logits_head(tta)[0] is logits_head(tiny_classifier.model)[0]
    single = penultimate_features(tiny_classifier.model, x)
    expected = np.mean([penultimate_features(tiny_classifier.model, shifted(x, dy, dx))
                        for dy, dx in PLUS_SHIFTS], axis=0)
    np.testing.assert_allclose(penultimate_features(tta, x), expected, atol=1e-5)
    assert not np.allclose(penultimate_features(tta, x), single)
    probabilities, _ = feature_taps(tta)(x)
    np.testing.assert_allclose(np.asarray(probabilities), np.asarray(tta(x)), atol=1e-6)
    scores = EnergyScore(0.0).scores(tta, x)
    assert scores.shape == (len(x),) and np.all(np.isfinite(scores))


def test_single_view_runs_the_inner_network_with_its_own_calibration(tiny_classifier,
                                                                     ramp_images, tmp_path):
    from kerasvision.tasks.in_distribution import EnergyScore

    x = ramp_images.astype("float32")
    averaged, one_view = EnergyScore(1.5, noun="garment"), EnergyScore(-2.0, noun="garment")
    clf = ImageClassifier(with_translation_averaging(tiny_classifier.model),
                          tiny_classifier.class_names, in_distribution=averaged,
                          single_view_in_distribution=one_view)
    assert clf.has_views and not tiny_classifier.has_views
    assert tiny_classifier.single_view() is tiny_classifier
    clf.save(tmp_path / "tta.keras")
    reloaded = ImageClassifier.load(tmp_path / "tta.keras")
    assert reloaded.in_distribution.threshold == 1.5
    single = reloaded.single_view()
    assert not single.has_views and single.class_names == clf.class_names
    # One view's scores, and the score calibrated on one view's features.
    np.testing.assert_allclose(single.forward(x).probabilities,
                               np.asarray(tiny_classifier.model(x)), atol=1e-5)
    assert single.in_distribution.threshold == -2.0
    assert single.single_view_in_distribution is None


def test_single_view_of_a_file_without_one_view_calibration_has_no_score(tiny_classifier):
    from kerasvision.tasks.in_distribution import EnergyScore

    clf = ImageClassifier(with_translation_averaging(tiny_classifier.model),
                          tiny_classifier.class_names, in_distribution=EnergyScore(0.0))
    assert clf.single_view().in_distribution is None
