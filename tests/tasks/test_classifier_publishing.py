"""From a finished run to a shipped-model folder: files, honest metrics, a model card."""

import json

import numpy as np
from PIL import Image

from kerasvision.tasks.classifier_publishing import publish_classifier, read_history
from kerasvision.tasks.classifier_training import (TrainConfig, load_training_data,
                                                   train_classifier)


def _folder(root):
    rng = np.random.default_rng(0)
    for label, base in (("dark", 50), ("light", 200)):
        (root / label).mkdir(parents=True)
        for i in range(12):
            pixels = np.clip(base + rng.normal(0, 20, (12, 12)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(root / label / f"{i}.png")
    return root


def test_publish_writes_the_folder_and_tells_the_truth(tmp_path):
    data = _folder(tmp_path / "data")
    config = TrainConfig(data=str(data), epochs=2, batch_size=4, workdir=str(tmp_path / "run"),
                         model_kwargs={"width": 1, "depth": 10})
    train_classifier(config, progress=0)
    _, _, x_test, y_test, names = load_training_data(str(data))
    out = tmp_path / "shipped"
    metrics = publish_classifier(config.workdir, out, "kerasvision train classifier ...",
                                 x_test, y_test)
    for name in ("model.keras", "MODEL_CARD.md", "metrics.json", "training_curve.png",
                 "confusion_matrix.png", "1/saved_model.pb", "1/assets/labels.txt"):
        assert (out / name).is_file(), name
    assert json.loads((out / "metrics.json").read_text())["test_accuracy"] == metrics["test_accuracy"]
    assert metrics["epochs"] == 2 and len(read_history(tmp_path / "run" / "history.csv")["loss"]) == 2
    # The run's records travel with the model (runs/ is not in git): the accuracy-per-minute
    # benchmark reads them from the shipped folder.
    for name in ("history.csv", "epoch_seconds.csv"):
        assert (out / name).read_text() == (tmp_path / "run" / name).read_text(), name
    assert len((out / "epoch_seconds.csv").read_text().splitlines()) == 2
    card = (out / "MODEL_CARD.md").read_text()
    assert f"{metrics['test_accuracy']:.4f}" in card and "kerasvision train classifier" in card
    # The card says what was trained, not what the shipped Fashion-MNIST model is.
    assert "Fashion-MNIST" not in card
    assert f"image folder `{data}`" in card and "12×12 grey" in card
    assert "| classes | dark, light |" in card
    assert "`wrn_16_2`" in card and "Zagoruyko & Komodakis" in card
    # The builder arguments change the network, so the card names them.
    assert "`wrn_16_2` with depth=10, width=1 (Zagoruyko & Komodakis" in card
    assert f"{metrics['params']:,}" in card and "2 epochs, batch 4" in card
    assert "the 4 held-out images" in card  # 20 % of 2 × 12
    assert (out / "1" / "assets" / "labels.txt").read_text().splitlines() == names == ["dark", "light"]


def test_publish_ships_translation_averaging_and_what_prepare_adds(tmp_path):
    from kerasvision.layers.translated_views import TranslatedViews
    from kerasvision.tasks.image_classifier import ImageClassifier
    data = _folder(tmp_path / "data")
    config = TrainConfig(data=str(data), epochs=1, batch_size=4, workdir=str(tmp_path / "run"),
                         model_kwargs={"width": 1, "depth": 10})
    train_classifier(config, progress=0)
    x_train, y_train, x_test, y_test, _ = load_training_data(str(data))

    out = tmp_path / "shipped"
    metrics = publish_classifier(config.workdir, out, "cmd", x_test, y_test, views="shifts",
                                 prepare=with_mahalanobis(x_train, y_train, x_test))
    assert metrics["views"] == "shifts" and metrics["in_distribution"]["method"]
    shipped = ImageClassifier.load(out / "model.keras")
    assert any(isinstance(layer, TranslatedViews) for layer in shipped.model.layers)
    assert shipped.in_distribution is not None
    card = (out / "MODEL_CARD.md").read_text()
    assert "four one-pixel translations" in card
    assert f"{metrics['test_accuracy_single_view']:.4f}" in card


def with_mahalanobis(x_train, y_train, x_calibration):
    """A publishing `prepare` step that adds a Mahalanobis in-distribution score, as the
    Fashion-MNIST release does (apps/fashion_mnist/photo_inputs_release.py)."""
    from kerasvision.tasks.in_distribution import fit_mahalanobis

    def prepare(classifier):
        classifier.in_distribution = fit_mahalanobis(classifier.model, x_train, y_train,
                                                     x_calibration, calibrated_on="the folder")
        return classifier

    return prepare
