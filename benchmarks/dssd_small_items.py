"""DSSD against SSD on small items: the same base, default boxes and budget, with and without
DSSD's deconvolution and prediction modules (Fu et al. 2017 claim better small-object
accuracy from the top-down path).

Both detectors are `SingleShotDetector`s on ResNet-18 (width 0.5) levels C3–C5 plus one extra
map, from random weights; DSSD wraps the same feature extractor in `dssd_features` (narrowed to
128 channels for this CPU). Scenes hold 4–8 small items (10–28 px on a 128×128 canvas);
training runs for `--minutes` machine minutes each (process CPU time / cores, so a shared
machine does not skew the pair); both are scored on the same validation scenes with
pycocotools. Writes benchmarks/dssd_small_items.json.

    nice -n 19 python benchmarks/dssd_small_items.py --minutes 5
"""

import json
import time
from pathlib import Path

import click

SMALL = {"item_size": (10, 28), "max_items": 8}


def build(kind, num_classes=10):
    import keras

    from kerasvision.models.detection.backbone_ssd import backbone_ssd_features, geometric_sizes
    from kerasvision.models.detection.dssd_features import dssd_features
    from kerasvision.models.detection.single_shot_detector import SingleShotDetector

    features = backbone_ssd_features("resnet18", ("C3", "C4", "C5"), (128, 128, 3),
                                     extra_levels=1, width=0.5)
    if kind == "dssd":
        features = dssd_features(features, channels=128, bottleneck=64,
                                 prediction_channels=256)
    maps = len(features.outputs)
    mins, maxs = geometric_sizes(8.0, maps)  # small items: boxes from 8 px
    steps = [128 / int(out.shape[1]) for out in features.outputs]
    model = SingleShotDetector(features, num_classes, mins, maxs, [(2.0, 3.0)] * maps, steps,
                               name=kind)
    model.compile(optimizer=keras.optimizers.AdamW(1e-3, weight_decay=1e-4, clipnorm=10.0))
    return model


@click.command()
@click.option("--minutes", default=5.0, show_default=True, help="Machine minutes per model.")
@click.option("--scenes", default=300, show_default=True, help="Validation scenes scored.")
@click.option("--workdir", default="runs/dssd_small_items", show_default=True)
def main(minutes, scenes, workdir):
    import keras

    from kerasvision.data.fashion_mnist import CLASS_NAMES
    from kerasvision.data.fashion_scenes_dataset import scenes_dataset
    from kerasvision.tasks.detector_training import scene_arrays
    from kerasvision.tasks.object_detector import ObjectDetector
    from kerasvision.tasks.time_budget import TimeBudget

    images, boxes, classes = scene_arrays("validation", scenes, seed=0, **SMALL)
    results = {}
    for kind in ("ssd", "dssd"):
        keras.utils.set_random_seed(0)
        model = build(kind)
        train = scenes_dataset("train", batch_size=32, augment=True, drop_remainder=True,
                               seed=0, **SMALL).map(
            lambda x, y: (x, {"boxes": y["boxes"], "classes": y["classes"]})).repeat()
        budget = TimeBudget(minutes, 1e-3)
        start = time.time()
        history = model.fit(train, epochs=10_000, steps_per_epoch=60, callbacks=[budget],
                            verbose=2)
        detector = ObjectDetector(model, list(CLASS_NAMES))
        metrics = detector.evaluate(images, boxes, classes)
        results[kind] = {"params": model.count_params(), "epochs": len(history.history["loss"]),
                         "machine_minutes": round(budget.spent(), 2),
                         "wall_minutes": round((time.time() - start) / 60, 1),
                         **{k: metrics[k] for k in ("mAP", "mAP50", "mAP_small", "AR100")}}
        print(kind, json.dumps(results[kind]), flush=True)
    Path(workdir).mkdir(parents=True, exist_ok=True)
    out = Path(__file__).with_name("dssd_small_items.json")
    out.write_text(json.dumps({"setting": {**SMALL, "minutes": minutes, "scenes": scenes},
                               "results": results}, indent=2, default=float))
    print("| model | parameters | epochs | mAP@0.5 | mAP | mAP small | AR@100 |")
    print("|---|---|---|---|---|---|---|")
    for kind, r in results.items():
        print(f"| {kind} | {r['params']:,} | {r['epochs']} | {r['mAP50']:.3f} | {r['mAP']:.3f} | "
              f"{r['mAP_small']:.3f} | {r['AR100']:.3f} |")


if __name__ == "__main__":
    main()
