"""A multi-column classifier through training and publishing: two columns trained in mixed
bfloat16, each on its own loss; the shipped model is their average alone, in float32, and its
card says it is two columns (models/multi_column.py)."""

import json

import numpy as np
import pytest

from kerasvision.tasks.classifier_publishing import publish_classifier
from kerasvision.tasks.classifier_training import (TrainConfig, load_training_data,
                                                   train_classifier)
from kerasvision.tasks.precise_batch_norm import batch_norm_layers
from tests.tasks.test_classifier_publishing import with_mahalanobis
from tests.two_class_folder import write_two_class_folder


def test_two_columns_train_on_their_own_losses_and_ship_their_average(tmp_path):
    from kerasvision.models.multi_column import AVERAGE_NAME
    from kerasvision.tasks.image_classifier import ImageClassifier
    from kerasvision.tasks.in_distribution import calibrate_energy, penultimate_features

    data = write_two_class_folder(tmp_path / "data", per_class=24)
    config = TrainConfig(data=str(data), epochs=2, batch_size=8, workdir=str(tmp_path / "run"),
                         model_kwargs={"width": 1, "depth": 10}, columns=2,
                         precision="mixed_bfloat16", bn_momentum=0.9, flip=False)
    model, summary = train_classifier(config, progress=0)
    # The classifier is the average alone; both columns' BatchNorms took the recipe's momentum.
    assert model.output_names == [AVERAGE_NAME]
    assert all(layer.dtype_policy.name == "float32" for layer in model.layers)
    norms = batch_norm_layers(model)
    assert {n.name.split("_")[0] for n in norms} == {"column1", "column2"}
    assert all(n.momentum == 0.9 for n in norms)
    assert summary["test_accuracy"] >= 0.75  # dark against light: learnt in 2 epochs
    history = (tmp_path / "run" / "history.csv").read_text().splitlines()[0].split(",")
    assert {"column1_predictions_loss", "column2_predictions_loss",
            "column_average_accuracy"} <= set(history)
    assert json.loads((tmp_path / "run" / "config.json").read_text())["columns"] == 2

    x_train, y_train, x_test, y_test, _ = load_training_data(str(data))

    out = tmp_path / "shipped"
    metrics = publish_classifier(config.workdir, out, "cmd", x_test, y_test,
                                 prepare=with_mahalanobis(x_train, y_train, x_test))
    assert metrics["params"] == summary["params"] == model.count_params()
    shipped = ImageClassifier.load(out / "model.keras")
    assert shipped.model.output_names == [AVERAGE_NAME]
    assert shipped.in_distribution is not None
    np.testing.assert_allclose(shipped.scores(list(x_test[:4])), model.predict(x_test[:4], verbose=0),
                               atol=1e-5)
    # The score reads both columns' pooled features (64 channels each in a WRN-10-1).
    assert penultimate_features(shipped.model, x_test[:3]).shape == (3, 128)
    with pytest.raises(ValueError, match="Mahalanobis"):
        calibrate_energy(shipped.model, x_test)
    card = (out / "MODEL_CARD.md").read_text()
    assert ("2 columns of `wrn_16_2` with depth=10, width=1 (Zagoruyko & Komodakis" in card
            and "Ciresan, Meier & Schmidhuber" in card)
