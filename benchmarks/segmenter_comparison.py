"""Segmenters side by side on Fashion scenes: same data, same CPU budget, one run.

    nice -n 10 python benchmarks/segmenter_comparison.py --minutes 4
    python benchmarks/segmenter_comparison.py --minutes 0.2 --validation-scenes 20   # a smoke run

Every contender trains from the same augmented 128×128 Fashion scenes (the shipped segmenter's
data: `segmenter_training.training_data`, batches of 16), with the same loss (cross-entropy +
soft Dice), AdamW at 1e-3 with weight decay 1e-4 and clipnorm 10, and the same budget of
MACHINE minutes with a cosine rate over it (TimeBudget: process CPU time / cores, so a machine
shared with other work slows the run without changing what each model gets). All are scored
by `ImageSegmenter.evaluate` on the same generated validation scenes (mIoU over background +
10 classes), and timed through `ImageSegmenter.predict` (images/s, batch 16, after warm-up).

Contenders (sized for this 2-core CPU; the paper sizes are far too slow here):
- `backbone_fcn` (the shipped segmenter's architecture, ResNet-18 × 0.5) from random weights
  and, the lecture's fine-tuning, from the Fashion-MNIST classifier of
  apps/fashion_scenes_detector/pretrain_backbone.py (`--init-from`, skipped if missing);
- `unet` ("same" padding, 16 base filters instead of 64);
- `fc_densenet56` as published (growth 12, 4 layers a block, 48 first filters);
- `fcn8s` at width 1/4 (VGG-16's convolutions and fc6/fc7 four times narrower);
- keras-cv's `DeepLabV3Plus` on its ResNet-18 V2 backbone, random weights (the adapter).
Our builders get the input normalisation of the data ((x/255 − mean)/std) as a first layer;
DeepLabV3Plus rescales by 1/255 itself.

Prints a Markdown table, writes benchmarks/segmenter_comparison.json and a PNG of three
validation scenes as each contender segments them.
"""

import json
import os
import platform
import time
from pathlib import Path

import click
import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

HERE = Path(__file__).resolve().parent
SIZE = 128
BATCH = 16
STEPS_PER_EPOCH = 50  # short epochs: the budget is checked at each epoch's end
LEARNING_RATE = 1e-3
# Fashion scenes' pixel statistics (runs/segmenter/config.json of the shipped segmenter).
MEAN, STD = 0.286, 0.353


def normalised(model, name):
    """`model` behind a first layer mapping 0–255 pixels to (x/255 − MEAN)/STD."""
    import keras

    inputs = keras.Input((SIZE, SIZE, 3))
    x = keras.layers.Rescaling(1.0 / (255.0 * STD), offset=-MEAN / STD, name="normalize")(inputs)
    return keras.Model(inputs, model(x), name=name)


def contenders(init_from):
    """(label, builder) pairs; each builder returns an uncompiled pixel model."""
    from kerasvision.models.detection.keras_cv_adapter import deeplab_v3_plus_segmenter
    from kerasvision.registry import build

    shape, classes = (SIZE, SIZE, 3), 11

    def ours(classifier_path):
        def make():
            from kerasvision.models.classifier_initialization import initialize_from_classifier
            from kerasvision.models.segmentation.backbone_fcn import backbone_fcn
            from kerasvision.tasks.task import load_keras_model

            model = backbone_fcn(input_shape=shape, classes=classes, backbone="resnet18",
                                 decoder_channels=64, backbone_kwargs={"width": 0.5},
                                 mean=MEAN, std=STD)
            if classifier_path:
                initialize_from_classifier(model, load_keras_model(classifier_path))
            return model
        return make

    rows = [("backbone_fcn (ResNet-18 × 0.5), random init", ours(None))]
    if init_from and Path(init_from).is_file():
        rows.append(("backbone_fcn (ResNet-18 × 0.5), fine-tuned from the classifier",
                     ours(init_from)))
    rows += [
        ("unet, 16 base filters", lambda: normalised(
            build("unet", input_shape=shape, classes=classes, base_filters=16), "unet")),
        ("fc_densenet56", lambda: normalised(
            build("fc_densenet56", input_shape=shape, classes=classes), "fc_densenet56")),
        ("fcn8s, width 1/4", lambda: normalised(
            build("fcn8s", input_shape=shape, classes=classes, width=0.25), "fcn8s")),
        ("keras-cv DeepLabV3Plus (ResNet-18 V2), random init",
         lambda: deeplab_v3_plus_segmenter(classes, input_shape=shape)),
    ]
    return rows


def train(model, minutes, seed):
    import keras

    from kerasvision.models.segmentation.dice_cross_entropy_loss import DiceCrossEntropyLoss
    from kerasvision.tasks.segmenter_training import SegmenterTrainConfig, training_data
    from kerasvision.tasks.time_budget import TimeBudget

    model.compile(optimizer=keras.optimizers.AdamW(LEARNING_RATE, weight_decay=1e-4,
                                                   clipnorm=10.0),
                  loss=DiceCrossEntropyLoss())
    data = training_data(SegmenterTrainConfig(image_size=SIZE, batch_size=BATCH, seed=seed))
    budget = TimeBudget(minutes, LEARNING_RATE)
    start = time.perf_counter()
    history = model.fit(data, epochs=10_000, steps_per_epoch=STEPS_PER_EPOCH,
                        callbacks=[budget], verbose=0)
    return {"machine_minutes": round(budget.spent(), 2),
            "wall_minutes": round((time.perf_counter() - start) / 60, 1),
            "steps": STEPS_PER_EPOCH * len(history.history["loss"]),
            "final_loss": float(history.history["loss"][-1])}


def draw(rows, images, masks, maps, path):
    """Three scenes: image, truth, then each contender's class map (colour masks)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from kerasvision.inspect.segmentation_drawing import colour_mask

    columns = 2 + len(rows)
    figure, axes = plt.subplots(len(images), columns, figsize=(1.9 * columns, 2.1 * len(images)))
    titles = ["image", "truth"] + [r["label"].split(" (")[0].split(",")[0] +
                                   (" fine-tuned" if "fine-tuned" in r["label"] else "")
                                   for r in rows]
    for i, (image, truth) in enumerate(zip(images, masks)):
        panels = [image.astype(np.uint8), colour_mask(truth)] + [colour_mask(m[i]) for m in maps]
        for j, panel in enumerate(panels):
            axes[i, j].imshow(panel)
            axes[i, j].axis("off")
            if i == 0:
                axes[i, j].set_title(titles[j], fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


@click.command()
@click.option("--minutes", default=4.0, show_default=True, help="Machine minutes per model.")
@click.option("--validation-scenes", default=300, show_default=True)
@click.option("--init-from", default="runs/detector_backbone/final.keras", show_default=True,
              help="Classifier for the fine-tuned row (skipped when the file is missing).")
@click.option("--only", default=None, help="Run only contenders whose label contains this.")
@click.option("--seed", default=0, show_default=True)
@click.option("--output", default=str(HERE / "segmenter_comparison.json"), show_default=True)
def main(minutes, validation_scenes, init_from, only, seed, output):
    import keras
    import tensorflow as tf

    from kerasvision.io.image_preprocessor import ImagePreprocessor
    from kerasvision.tasks.prediction_speed import images_per_second
    from kerasvision.tasks.image_segmenter import ImageSegmenter
    from kerasvision.tasks.segmenter_training import class_names, scene_masks

    names = class_names()
    images, masks = scene_masks("validation", validation_scenes, seed=seed, size=(SIZE, SIZE))
    preprocessor = ImagePreprocessor((SIZE, SIZE), 3, resize="letterbox")
    rows, maps = [], []
    for label, make in contenders(init_from):
        if only and only not in label:
            continue
        keras.utils.set_random_seed(seed)
        model = make()
        row = {"label": label, "parameters": int(model.count_params()),
               **train(model, minutes, seed)}
        segmenter = ImageSegmenter(model, names, preprocessor)
        scores = segmenter.evaluate(images, masks)
        row["mean_iou"] = round(float(scores["mean_iou"]), 4)
        row["pixel_accuracy"] = round(float(scores["pixel_accuracy"]), 4)
        row["images_per_second"] = round(images_per_second(segmenter, images[:64], BATCH), 1)
        maps.append(segmenter.predict(images[:3], batch_size=3))
        rows.append(row)
        print(json.dumps(row), flush=True)
        # Written after every contender, so a run cut short keeps what it measured.
        result = {"machine": {"cpu": platform.processor() or platform.machine(),
                              "cores": os.cpu_count(), "tensorflow": tf.__version__,
                              "keras": keras.__version__},
                  "minutes_per_model": minutes, "validation_scenes": validation_scenes,
                  "complete": False, "rows": rows}
        Path(output).write_text(json.dumps(result, indent=2))
        del model, segmenter
        keras.backend.clear_session()

    result["complete"] = True
    Path(output).write_text(json.dumps(result, indent=2))
    draw(rows, images[:3], masks[:3], maps, Path(output).with_suffix(".png"))
    print(f"\n{minutes} machine minutes each, mIoU on {validation_scenes} validation scenes.\n")
    print("| model | parameters | machine min | steps | mIoU | pixel acc. | images/s |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['label']} | {r['parameters']:,} | {r['machine_minutes']} | {r['steps']} | "
              f"{r['mean_iou']:.3f} | {r['pixel_accuracy']:.3f} | {r['images_per_second']} |")


if __name__ == "__main__":
    main()
