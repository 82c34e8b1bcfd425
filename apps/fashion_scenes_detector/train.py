"""Stage 2 of the shipped detector's recipe: train SSD on Fashion scenes with model.fit.

Why this detector: a single-stage SSD (kerasvision's `ssd`: SSD heads on ResNet-18 at width 0.5,
maps of stride 8, 16, 32 and 64, 2,040 default boxes) does one convolutional pass per image with
no proposal stage, which is what a 2-core CPU can afford; at 128×128 it trains at about 30
scenes/s here, several times what a two-stage Faster R-CNN on a comparable base would.

The budget is wall-clock minutes (kerasvision.tasks.time_budget): cosine learning rate over the
budget, stop at the last epoch that fits. Every epoch draws fresh generated training scenes,
with flips and scale jitter. `--init-from` starts the base from a classifier (stage 1,
pretrain_backbone.py): the lecture's fine-tuning. Resumable: re-run the same command after a
kill. The model is chosen by nothing but its final epoch; validation scenes give the figure
reported during development, the test scenes only once, in publish.py.

    python apps/fashion_scenes_detector/train.py --minutes 40 \
        --init-from runs/detector_backbone/final.keras --workdir runs/detector
"""

import json
import time
from pathlib import Path

import click


def scene_arrays(split, count, seed=0, **generator):
    """Images, boxes and classes of `count` generated scenes (lists, for evaluation)."""
    from kerasvision.data.fashion_scenes import FashionScenes

    scenes = FashionScenes(split, seed=seed, count=count, **generator)
    items = [scenes.scene(i) for i in range(count)]
    return ([s.image for s in items], [s.boxes for s in items], [s.classes for s in items])


def normalisation_of(classifier):
    """(mean, std) of a package classifier's `normalize` Rescaling layer."""
    layer = classifier.get_layer("normalize")
    std = 1.0 / (255.0 * float(layer.scale))
    return -float(layer.offset) * std, std


@click.command()
@click.option("--minutes", default=40.0, show_default=True, help="Training budget.")
@click.option("--init-from", default=None, help="A classifier .keras file to start the base from.")
@click.option("--width", default=0.5, show_default=True)
@click.option("--batch-size", default=32, show_default=True)
@click.option("--steps-per-epoch", default=125, show_default=True)
@click.option("--learning-rate", default=1e-3, show_default=True)
@click.option("--seed", default=0, show_default=True)
@click.option("--validation-scenes", default=500, show_default=True)
@click.option("--workdir", default="runs/detector", show_default=True)
def main(minutes, init_from, width, batch_size, steps_per_epoch, learning_rate, seed,
         validation_scenes, workdir):
    import keras

    from kerasvision.data.fashion_mnist import CLASS_NAMES
    from kerasvision.data.fashion_scenes_dataset import scenes_dataset
    from kerasvision.models.detection.backbone_ssd import initialize_from_classifier, ssd
    from kerasvision.tasks.object_detector import ObjectDetector
    from kerasvision.tasks.task import load_keras_model
    from kerasvision.tasks.time_budget import TimeBudget
    from kerasvision.tasks.training_loop import resumable_fit

    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(seed)
    mean, std, copied = 0.5, 0.25, []
    classifier = load_keras_model(init_from) if init_from else None
    if classifier is not None:
        mean, std = normalisation_of(classifier)
    model = ssd(input_shape=(128, 128, 3), num_classes=len(CLASS_NAMES),
                backbone_kwargs={"width": width}, mean=mean, std=std)
    if classifier is not None:
        copied = initialize_from_classifier(model, classifier)
    model.compile(optimizer=keras.optimizers.AdamW(learning_rate, weight_decay=1e-4,
                                                   clipnorm=10.0))
    config = {"minutes": minutes, "init_from": init_from, "layers_copied": len(copied),
              "width": width, "batch_size": batch_size, "steps_per_epoch": steps_per_epoch,
              "learning_rate": learning_rate, "seed": seed, "params": model.count_params(),
              "default_boxes": model.num_anchors, "mean": mean, "std": std}
    (workdir / "config.json").write_text(json.dumps(config, indent=2))
    print(json.dumps(config), flush=True)

    train = scenes_dataset("train", batch_size=batch_size, seed=seed, augment=True,
                           drop_remainder=True).map(
        lambda x, y: (x, {"boxes": y["boxes"], "classes": y["classes"]})).repeat()
    previous = _minutes_so_far(workdir)
    budget = TimeBudget(minutes, learning_rate, previous_minutes=previous)
    start = time.time()
    resumable_fit(model, train, epochs=1000, workdir=workdir, progress=2,
                  callbacks=[budget], steps_per_epoch=steps_per_epoch)
    trained = previous + (time.time() - start) / 60

    detector = ObjectDetector(model, list(CLASS_NAMES))
    detector.save(workdir / "final.keras")
    images, boxes, classes = scene_arrays("validation", validation_scenes, seed=seed)
    metrics = detector.evaluate(images, boxes, classes)
    summary = {"train_minutes": round(trained, 1), "validation_scenes": validation_scenes,
               "validation": metrics, **config}
    (workdir / "summary.json").write_text(json.dumps(summary, indent=2, default=float))
    print(json.dumps({k: summary["validation"][k] for k in ("mAP", "mAP50")}), flush=True)


def _minutes_so_far(workdir):
    from kerasvision.tasks.training_loop import EpochTimer

    return EpochTimer(Path(workdir) / "epoch_seconds.csv").total_minutes()


if __name__ == "__main__":
    main()
