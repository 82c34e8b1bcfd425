"""The training options issue 14's ablation measures: one-cycle schedule, mixed bfloat16 with a
float32 shipped model, weight EMA, BatchNorm momentum, no-flip augmentation, and a held-out
validation split (tasks/classifier_training.py)."""

import json

import keras
import numpy as np
import pytest

from kerasvision.tasks.classifier_training import (TrainConfig, augmentation_summary, hold_out,
                                                   train_classifier)
from kerasvision.tasks.one_cycle_schedule import OneCycle
from kerasvision.tasks.precise_batch_norm import batch_norm_layers
from tests.two_class_folder import write_two_class_folder


def test_one_cycle_rises_to_its_peak_then_falls_to_zero():
    schedule = OneCycle(0.2, 100, rise=0.25)
    rates = [float(schedule(step)) for step in (0, 25, 50, 100)]
    np.testing.assert_allclose(rates, [0.02, 0.2, 0.2 * 50 / 75, 0.0], atol=1e-6)
    restored = OneCycle.from_config(schedule.get_config())
    assert float(restored(60)) == pytest.approx(float(schedule(60)))
    with pytest.raises(ValueError):
        OneCycle(0.1, 0)


def test_hold_out_is_a_seeded_disjoint_split():
    x, y = np.arange(100)[:, None], np.arange(100) % 10
    x_train, y_train, x_val, y_val = hold_out(x, y, 20, seed=0)
    assert len(x_val) == 20 and len(x_train) == 80
    assert not set(x_val[:, 0]) & set(x_train[:, 0])
    np.testing.assert_array_equal(hold_out(x, y, 20, seed=0)[2], x_val)
    with pytest.raises(ValueError, match="holdout"):
        hold_out(x, y, 100, seed=0)


def test_augmentation_summary_names_what_runs():
    assert augmentation_summary(TrainConfig(flip=False, erasing=0.25)) == \
        "pad-2 random crop, random erasing (p=0.25)"
    assert augmentation_summary(TrainConfig(augment=False)) == "none"


def test_bf16_ema_one_cycle_run_ships_a_float32_model(tmp_path):
    data = write_two_class_folder(tmp_path / "data", per_class=24)
    config = TrainConfig(data=str(data), epochs=2, batch_size=8, workdir=str(tmp_path / "run"),
                         model_kwargs={"width": 1, "depth": 10}, precision="mixed_bfloat16",
                         ema=0.9, schedule="one_cycle", bn_momentum=0.9, flip=False,
                         holdout=8)
    model, summary = train_classifier(config, progress=0)
    assert keras.mixed_precision.global_policy().name == "float32"  # restored after the run
    assert all(layer.dtype_policy.name == "float32" for layer in model.layers)
    assert all(layer.momentum == 0.9 for layer in batch_norm_layers(model))
    # Validated on the 8 images held out of the folder's training part; no test figure.
    assert "validation_accuracy" in summary and "test_accuracy" not in summary
    assert summary["validation_accuracy"] >= 0.75  # dark against light: learnt in 2 epochs
    stored = json.loads((tmp_path / "run" / "config.json").read_text())
    assert stored["precision"] == "mixed_bfloat16" and stored["ema"] == 0.9
    assert stored["augmentation"] == "pad-2 random crop, random erasing (p=0.5)"


def test_a_one_cycle_run_reloads_in_a_fresh_process(tmp_path):
    # The schedule rides in the saved optimizer: loading must know it without the training
    # code having been imported (the shipped model's publish step loads final.keras).
    import subprocess
    import sys

    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer=keras.optimizers.SGD(OneCycle(0.1, 10)), loss="mse")
    model.fit(np.zeros((4, 3)), np.zeros((4, 2)), verbose=0)
    model.save(tmp_path / "m.keras")
    code = ("from kerasvision.tasks.task import load_keras_model; "
            f"print(type(load_keras_model({str(tmp_path / 'm.keras')!r}).optimizer"
            ".learning_rate).__name__)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-500:]
