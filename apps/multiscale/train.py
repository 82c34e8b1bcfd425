"""Recipes for the networks across scales (docs/multiscale.md), sized for a 2-core CPU: small
fabrics and an MSDNet on Fashion-MNIST (28×28 grey), a small GridNet on 64×64 Fashion scenes.

Each run trains against a budget of machine minutes (kerasvision/tasks/time_budget.py: process
CPU time over the cores) with Adam under a cosine rate, checkpoints every epoch under
`runs/multiscale/RUN/` and resumes when re-run after a kill; a finished run (its `summary.json`
there) is not trained again. Validation is the last 5,000 training images (or generated
validation scenes); the test split is read once, by `report.py`.

    python apps/multiscale/train.py fabric --minutes 3.5                      # gates on, λ = 0
    python apps/multiscale/train.py fabric --minutes 1 --budget-penalty 0.1 \
        --init-from runs/multiscale/fabric_lambda0/final.keras      # cost-aware gates
    python apps/multiscale/train.py msdnet --minutes 2.5
    python apps/multiscale/train.py gridnet --minutes 4
    python apps/multiscale/train.py fabric_segmentation --minutes 2   # the fabric on scenes
    python apps/multiscale/report.py       # test figures, curves, results.json, PNGs

(`run_all.sh` runs them all in order.)
"""

import json
from pathlib import Path

import click

RUNS = Path("runs/multiscale")
VALIDATION = 5000
# Fashion-MNIST's pixel mean and standard deviation (the shipped classifier's normalisation).
MEAN, STD = 0.2860, 0.3530

FABRIC = {"input_shape": (28, 28, 1), "classes": 10, "num_layers": 6, "num_scales": 4,
          "channels": 16}
MSDNET = {"blocks": 4, "base": 2, "step": 2, "channels": 8, "growth_rate": 4,
          "classifier_channels": 32}
GRIDNET = {"input_shape": (64, 64, 3), "classes": 11, "stream_channels": (8, 16, 32, 64),
           "down_columns": 2, "up_columns": 2, "total_dropout": 0.2}
# The segmentation fabric on the same 64×64 scenes: the classification fabric's trellis,
# read out at the finest scale (docs/multiscale.md).
FABRIC_SEGMENTATION = {"input_shape": (64, 64, 3), "classes": 11, "num_layers": 6,
                       "num_scales": 4, "channels": 16}
SEGMENTATION = {"gridnet": GRIDNET, "fabric_segmentation": FABRIC_SEGMENTATION}
# Items of a 64×64 scene: the default 14–96 pixels of a 128×128 scene, halved.
SCENE_SIZE, SCENE_ITEM_SIZE = (64, 64), (7, 48)


def fashion_splits():
    """((x_train, y_train), (x_val, y_val)) uint8 (N, 28, 28, 1), the last 5,000 held out."""
    from kerasvision.data.fashion_mnist import load_fashion_mnist

    (x, y), _ = load_fashion_mnist()
    x = x[..., None]
    return (x[:-VALIDATION], y[:-VALIDATION]), (x[-VALIDATION:], y[-VALIDATION:])


def normalized(x):
    """uint8 Fashion-MNIST pixels as the fabric's input (the fabric has no normalisation layer,
    so that `prune` can rebuild it from the registry)."""
    return ((x.astype("float32") / 255.0) - MEAN) / STD


def image_batches(x, y, batch_size, outputs=1, seed=0):
    import tensorflow as tf

    data = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=seed).repeat()
    if outputs > 1:  # one label array per exit: Keras sums their losses unweighted
        data = data.map(lambda a, b: (a, (b,) * outputs))
    return data.batch(batch_size, drop_remainder=True).prefetch(2)


def train(model, data, workdir, minutes, learning_rate, steps_per_epoch):
    from kerasvision.tasks.time_budget import TimeBudget
    from kerasvision.tasks.training_loop import resumable_fit

    budget = TimeBudget(minutes, learning_rate, state_path=workdir / "budget.json")
    _, wall = resumable_fit(model, data, epochs=10_000, workdir=workdir, progress=2,
                            callbacks=[budget], steps_per_epoch=steps_per_epoch)
    return {"train_machine_minutes": round(budget.spent(), 2),
            "train_wall_minutes": round(wall, 2), "params": model.count_params()}


def run_fabric(workdir, minutes, budget_penalty, init_from=None, batch_size=128,
               learning_rate=3e-3):
    import keras

    from kerasvision.models import build

    (x, y), (xv, yv) = fashion_splits()
    model = build("fabric", **FABRIC, budget_penalty=budget_penalty)
    if init_from:  # same layer names: continue a trained fabric under the penalty
        model.set_weights(keras.saving.load_model(init_from).get_weights())
    model.compile(keras.optimizers.Adam(learning_rate), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    summary = train(model, image_batches(normalized(x), y, batch_size), workdir, minutes,
                    learning_rate, steps_per_epoch=100)
    summary["validation_accuracy"] = float(
        model.evaluate(normalized(xv), yv, batch_size=500, verbose=0)[1])
    model.save(workdir / "final.keras")
    return {**summary, "config": FABRIC, "budget_penalty": budget_penalty,
            "init_from": init_from}


def run_msdnet(workdir, minutes, batch_size=128, learning_rate=3e-3):
    import keras

    from kerasvision.data.fashion_mnist import CLASS_NAMES
    from kerasvision.tasks.image_classifier import ImageClassifier

    (x, y), (xv, yv) = fashion_splits()
    classifier = ImageClassifier.from_architecture("msdnet", (28, 28, 1), list(CLASS_NAMES),
                                                   mean=MEAN, std=STD, **MSDNET)
    model = classifier.model
    exits = len(model.outputs)
    model.compile(keras.optimizers.Adam(learning_rate),
                  ["sparse_categorical_crossentropy"] * exits,
                  metrics=[["accuracy"]] * exits)
    summary = train(model, image_batches(x.astype("float32"), y, batch_size, exits), workdir,
                    minutes, learning_rate, steps_per_epoch=100)
    scores = model.predict(xv.astype("float32"), batch_size=500, verbose=0)
    summary["validation_accuracy_per_exit"] = [float((s.argmax(-1) == yv).mean())
                                               for s in scores]
    classifier.save(workdir / "final.keras")
    return {**summary, "config": MSDNET}


def segmentation_model(class_count, recipe="gridnet"):
    """Pixels 0–255 -> (x/255 − 0.5)/0.25 -> gridnet (or the segmentation fabric) -> per-pixel
    softmax."""
    import keras

    from kerasvision.models import build

    config = SEGMENTATION[recipe]
    pixels = keras.Input(config["input_shape"], name="pixels")
    x = keras.layers.Rescaling(1.0 / (255.0 * 0.25), offset=-2.0, name="normalize")(pixels)
    scores = build(recipe, **{**config, "classes": class_count})(x)
    probabilities = keras.layers.Softmax(name="pixel_probabilities")(scores)
    return keras.Model(pixels, probabilities, name=f"{recipe}_segmenter")


def run_segmentation(workdir, minutes, recipe="gridnet", batch_size=16, learning_rate=2e-3,
                     validation_scenes=500):
    import keras
    import tensorflow as tf

    from kerasvision.data.fashion_scenes_dataset import scenes_dataset
    from kerasvision.io.image_preprocessor import ImagePreprocessor
    from kerasvision.models.segmentation.dice_cross_entropy_loss import DiceCrossEntropyLoss
    from kerasvision.models.segmentation.pixel_mean_iou import PixelMeanIoU
    from kerasvision.tasks.image_segmenter import ImageSegmenter
    from kerasvision.tasks.segmenter_training import class_names

    names = class_names()
    model = segmentation_model(len(names), recipe)
    model.compile(keras.optimizers.Adam(learning_rate), DiceCrossEntropyLoss(),
                  metrics=[PixelMeanIoU(len(names))])
    batch = (batch_size, *SCENE_SIZE)
    data = scenes_dataset("train", batch_size=batch_size, size=SCENE_SIZE, seed=0,
                          augment=True, drop_remainder=True, item_size=SCENE_ITEM_SIZE)
    data = data.map(lambda x, y: (tf.ensure_shape(x, (*batch, 3)),
                                  tf.ensure_shape(y["segmentation"], batch))).repeat()
    summary = train(model, data, workdir, minutes, learning_rate, steps_per_epoch=150)
    segmenter = ImageSegmenter(model, names, ImagePreprocessor(SCENE_SIZE, 3))
    segmenter.save(workdir / "final.keras")
    images, masks = validation_scenes_at(validation_scenes)
    report = segmenter.evaluate(images, masks)
    summary["validation_mean_iou"] = float(report["mean_iou"])
    summary["validation_pixel_accuracy"] = float(report["pixel_accuracy"])
    return {**summary, "config": {**SEGMENTATION[recipe], "scene_size": SCENE_SIZE,
                                  "item_size": SCENE_ITEM_SIZE}}


def validation_scenes_at(count, split="validation", seed=0):
    """Images and semantic masks of `count` generated 64×64 scenes with the halved items."""
    from kerasvision.data.fashion_scenes import FashionScenes

    scenes = FashionScenes(split, size=SCENE_SIZE, seed=seed, count=count,
                           item_size=SCENE_ITEM_SIZE)
    items = [scenes.scene(i) for i in range(count)]
    return [s.image for s in items], [s.semantic_mask for s in items]


@click.command()
@click.argument("recipe", type=click.Choice(["fabric", "msdnet", "gridnet",
                                            "fabric_segmentation"]))
@click.option("--minutes", default=3.5, show_default=True, help="Machine-minute budget.")
@click.option("--budget-penalty", default=0.0, show_default=True,
              help="fabric only: λ of the cost-aware gate penalty.")
@click.option("--init-from", default=None,
              help="fabric only: a trained fabric .keras file to continue from.")
@click.option("--run", default=None, help="Run name under runs/multiscale (default derived).")
def main(recipe, minutes, budget_penalty, init_from, run):
    import keras

    keras.utils.set_random_seed(0)
    name = run or (f"fabric_lambda{budget_penalty:g}" if recipe == "fabric" else recipe)
    workdir = RUNS / name
    workdir.mkdir(parents=True, exist_ok=True)
    if (workdir / "summary.json").is_file():
        print(f"{workdir}: done already")
        return
    if recipe == "fabric":
        summary = run_fabric(workdir, minutes, budget_penalty, init_from)
    elif recipe == "msdnet":
        summary = run_msdnet(workdir, minutes)
    else:
        summary = run_segmentation(workdir, minutes, recipe)
    (workdir / "summary.json").write_text(json.dumps(summary, indent=2, default=float))
    print(json.dumps(summary, indent=2, default=float))


if __name__ == "__main__":
    main()
