"""Per-architecture training defaults: every registered classification architecture trains
through `kerasvision train classifier` (its tiny variant: the loss falls), other registered
names are refused, and the shipped classifier's recipe is unchanged.

The sweep over every architecture takes minutes on a CPU (GoogLeNet's alone 90 s on the
shared 2-core machine), so it is marked slow; the quick run keeps the CIFAR ResNet (resnet20
diverged under the wide ResNet's defaults) and checks how multi-output models are compiled
without training them. LeNet-5 is trained by tests/cli/test_train_classifier_command.py.
"""

import csv
import json

import numpy as np
import pytest

from kerasvision.registry import get_spec, list_models
from kerasvision.tasks.classifier_training import TrainConfig, config_for
from kerasvision.tasks.training_recipes import NotTrainableHere, recipe_for
from two_class_folder import write_two_class_folder

FAST_SAMPLE = ("resnet20",)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Two classes (dark, light) of 16 noisy 28×28 grey PNGs each."""
    return write_two_class_folder(tmp_path_factory.mktemp("images"), 16, bases=(70, 180),
                                  spread=40)


def model_args(name):
    """The registry's tiny variant as --model-arg options (the data sets shape and classes)."""
    tiny = {k: v for k, v in get_spec(name).tiny.items() if k not in ("input_shape", "classes")}
    return [arg for key, value in tiny.items()
            for arg in ("--model-arg", f"{key}={json.dumps(value)}")]


# Tiny variants for which the defaults' rate, scaled down to batch 4 (AdamW 1.8e-4), barely
# moves the weights in 18 steps (measured 2026-12-01: fabric 0.703 -> 0.704, msdnet's last exit
# 0.758 -> 0.777, resnet18 1.457 -> 2.646): they get the unscaled rate the recipe gives at its
# reference batch. The defaults themselves are checked by the other architectures.
TINY_RATE = {"fabric": "1e-3", "msdnet": "1e-3", "resnet18": "1e-3"}


def train_tiny(name, folder, workdir):
    """Train `name`'s tiny variant through the CLI: 3 epochs of 6 steps (batch 4), without
    label smoothing, so that the objective is the cross-entropy the check measures."""
    from kerasvision.cli.main import main

    rate = ["--learning-rate", TINY_RATE[name]] if name in TINY_RATE else []
    args = ["train", "classifier", "--data", str(folder), "--model", name, *model_args(name),
            *rate,
            "--epochs", "3", "--batch-size", "4", "--no-augment", "--label-smoothing", "0",
            "--quiet",
            "--workdir", str(workdir)]
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == 0, name


def cross_entropy(model, images, labels):
    """Mean cross-entropy of `model`'s (main) class probabilities on the images."""
    scores = model.predict(images.astype("float32"), verbose=0)
    scores = scores[0] if isinstance(scores, list) else scores
    return float(-np.mean(np.log(np.clip(scores[np.arange(len(labels)), labels], 1e-7, 1))))


def check_loss_falls(name, folder, workdir):
    """The training images' loss: the trained model's below the untrained one's (the same
    recipe's model, built from the same seed) — the whole-set loss, not batch means."""
    import keras

    from kerasvision.tasks.precise_batch_norm import recalibrate_batch_norm

    from kerasvision.tasks.classifier_training import (build_and_compile, classifier_model,
                                                       load_training_data)
    from kerasvision.tasks.image_classifier import ImageClassifier

    train_tiny(name, folder, workdir)
    x_train, y_train, _, _, names = load_training_data(str(folder))
    stored = json.loads((workdir / "config.json").read_text())
    keras.utils.set_random_seed(stored["seed"])
    config = config_for(name, 4, model_kwargs=stored["model_kwargs"], epochs=3,
                        label_smoothing=0.0)
    untrained = classifier_model(build_and_compile(config, x_train.shape[1:], len(names),
                                                   stored["mean"], stored["std"], 6))
    # Both with BN statistics of these images, as the trained one has (precise BN): the
    # initial moving averages (mean 0, variance 1) would make a different network.
    recalibrate_batch_norm(untrained, x_train)
    trained = ImageClassifier.load(workdir / "final.keras").model
    before, after = (cross_entropy(m, x_train, y_train) for m in (untrained, trained))
    assert np.isfinite(after) and after < before, (name, before, after)
    with open(workdir / "history.csv", newline="") as file:
        losses = [float(row["loss"]) for row in csv.DictReader(file)]
    assert len(losses) == 3 and np.all(np.isfinite(losses)), (name, losses)


@pytest.mark.parametrize("name", FAST_SAMPLE)
def test_tiny_variant_trains_through_the_cli(name, folder, tmp_path):
    check_loss_falls(name, folder, tmp_path / name)
    # Held out, the model is better than chance (ln 2 for two classes): its BN statistics
    # are the trained network's (tasks/precise_batch_norm.py), not Keras's moving averages
    # after 15 steps, with which validation losses of 9.7 (and 16,549) were seen.
    summary = json.loads((tmp_path / name / "summary.json").read_text())
    assert summary["test_loss"] < np.log(2), summary




@pytest.mark.slow
@pytest.mark.parametrize("name", [
    n for n in list_models("classification") if n not in FAST_SAMPLE and n != "lenet5"])
def test_every_classification_architecture_trains_through_the_cli(name, folder, tmp_path):
    check_loss_falls(name, folder, tmp_path / name)


def test_every_classification_architecture_has_a_recipe():
    for name in list_models("classification"):
        recipe = recipe_for(name)
        assert recipe.optimizer in ("sgd", "adamw") and recipe.learning_rate > 0, name
        assert recipe.source, name


def test_the_wide_resnet_recipe_is_the_shipped_classifiers():
    # The recipe apps/fashion_mnist/train.py trains the shipped classifier with: the paper's
    # optimizer and decay, plus the choices of issue 14's ablation (benchmarks/RESULTS.md).
    chosen = config_for("wrn_16_2")
    assert (chosen.optimizer, chosen.weight_decay, chosen.label_smoothing) == ("sgd", 5e-4, 0.1)
    assert (chosen.schedule, chosen.learning_rate) == ("one_cycle", 0.2)
    assert (chosen.precision, chosen.bn_momentum, chosen.ema) == ("mixed_bfloat16", 0.9, 0.0)
    assert chosen.batch_size == TrainConfig().batch_size == 128 and chosen.min_side == 0
    # Flips are a property of the data (Fashion-MNIST's shoes all face one way), not of the
    # architecture: the recipe keeps them, the Fashion-MNIST app turns them off.
    assert chosen.flip is True


def test_defaults_differ_where_the_shipped_recipe_failed():
    # LeNet-5 at chance (10.3 %) after an epoch under SGD 0.1 (issue 15): AdamW 1e-3 now.
    lenet = config_for("lenet5")
    assert (lenet.optimizer, lenet.learning_rate) == ("adamw", 1e-3)
    # The CIFAR ResNet: He et al. 2016 §4.2's weight decay 1e-4, not the WRN's 5e-4.
    assert config_for("resnet20").weight_decay == 1e-4
    assert config_for("alexnet").min_side == 67  # its strides need 67-pixel inputs


def test_learning_rate_scales_with_the_batch_size():
    assert config_for("resnet20", batch_size=32).learning_rate == pytest.approx(0.025)  # linear
    assert config_for("lenet5", batch_size=32).learning_rate == pytest.approx(5e-4)  # sqrt
    given = config_for("resnet20", batch_size=32, learning_rate=0.3, weight_decay=0.0)
    assert (given.learning_rate, given.weight_decay) == (0.3, 0.0)  # given values win


def test_names_that_are_not_image_classifiers_are_refused():
    refused = [n for n in list_models() if get_spec(n).task != "classification"
               or get_spec(n).kind != "model"]
    assert "perceptron" in refused
    for name in refused:
        with pytest.raises(NotTrainableHere, match=f"^{name} is a"):
            recipe_for(name)


def test_small_images_are_resized_up_for_alexnet():
    from kerasvision.tasks.pixel_model import pixel_classifier

    model = pixel_classifier("alexnet", (28, 28, 1), 3, 0.5, 0.25, min_side=67, width=0.0625)
    assert model.input_shape == (None, 28, 28, 1) and model.output_shape == (None, 3)
    assert model.get_layer("resize_up").output.shape[1:3] == (67, 67)


def test_multi_output_models_train_every_output_and_ship_the_main_one():
    from kerasvision.tasks.classifier_training import (build_and_compile, classifier_model,
                                                       output_weights)

    config = config_for("googlenet", batch_size=4, epochs=2,
                        model_kwargs={"width": 0.0625, "aux_logits": True})
    model = build_and_compile(config, (28, 28, 1), 3, 0.5, 0.25, steps_per_epoch=5)
    assert list(model.output_names) == ["predictions", "aux1_predictions", "aux2_predictions"]
    # Szegedy et al. 2015, §5: the auxiliary losses are added with weight 0.3.
    assert output_weights(model) == [1.0, 0.3, 0.3]
    shipped = classifier_model(model)
    assert shipped.output_names == ["predictions"] and shipped.output_shape == (None, 3)
    assert {w.path for w in shipped.weights} <= {w.path for w in model.weights}  # shared

    msdnet = build_and_compile(config_for("msdnet", batch_size=4, epochs=2, model_kwargs={
        k: v for k, v in get_spec("msdnet").tiny.items() if k not in ("input_shape", "classes")}),
        (28, 28, 1), 3, 0.5, 0.25, steps_per_epoch=5)
    # Huang et al. 2018: every exit's loss counts equally; the last exit is the classifier.
    assert output_weights(msdnet) == [1.0] * len(msdnet.outputs) and len(msdnet.outputs) > 1
    assert classifier_model(msdnet).output_names == [msdnet.output_names[-1]]
