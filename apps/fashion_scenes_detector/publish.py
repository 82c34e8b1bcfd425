"""Stage 3 of the shipped detector's recipe: measure once on test scenes, then ship.

Reads the run's `final.keras`, measures COCO mAP (pycocotools) on generated test scenes — the
first time the test split is looked at — and on a second, shifted generator setting (another
canvas size, larger and smaller items, backgrounds of a kind never trained on), times
prediction, draws annotated test scenes, and writes the shipped folder:

    saved_models/fashion_scenes_detector/{model.keras, VERSION/, MODEL_CARD.md, ...}

    python apps/fashion_scenes_detector/publish.py --workdir runs/detector \
        --output saved_models/fashion_scenes_detector
"""

import json
from pathlib import Path

import click


def make_shifted_scenes(count, seed=1):
    """Images, boxes and classes of shifted test scenes (kerasvision.data.shifted_scenes)."""
    from kerasvision.data.shifted_scenes import shifted_scenes

    return shifted_scenes(count, seed)[:3]


def draw_examples(detector, images, path, threshold=0.5):
    """A 2×3 grid of annotated scenes."""
    from PIL import Image

    from kerasvision.inspect.detection_drawing import draw_detections

    answers = detector.predict(images, threshold=threshold)
    tiles = [draw_detections(image, found, scale=3) for image, found in zip(images, answers)]
    width, height = tiles[0].size
    grid = Image.new("RGB", (3 * width, 2 * height), "white")
    for k, tile in enumerate(tiles[:6]):
        grid.paste(tile, ((k % 3) * width, (k // 3) * height))
    grid.save(path)


def without_training_state(detector):
    """The same detector without its optimizer: a shipped file needs weights, not AdamW's
    moments (which would triple its size)."""
    from kerasvision.tasks.object_detector import ObjectDetector

    model = detector.model
    fresh = model.__class__.from_config(model.get_config())
    fresh.set_weights(model.get_weights())
    return ObjectDetector(fresh, detector.class_names, detector.preprocessor)


@click.command()
@click.option("--workdir", default="runs/detector", show_default=True)
@click.option("--output", default="saved_models/fashion_scenes_detector", show_default=True)
@click.option("--test-scenes", default=1000, show_default=True)
@click.option("--shifted-scenes", default=500, show_default=True)
@click.option("--command", "train_command", default=None,
              help="The exact training commands, for the model card.")
def main(workdir, output, test_scenes, shifted_scenes, train_command):
    from kerasvision.data.shifted_scenes import SHIFTED_SETTING
    from kerasvision.tasks.detector_training import scene_arrays
    from kerasvision.tasks.model_card import ModelCard, machine_description
    from kerasvision.tasks.prediction_speed import images_per_second
    from kerasvision.tasks.object_detector import ObjectDetector
    from kerasvision.tasks.publishing import publish, write_text_atomically

    workdir = Path(workdir)
    config = json.loads((workdir / "config.json").read_text())
    summary = json.loads((workdir / "summary.json").read_text())
    detector = without_training_state(ObjectDetector.load(workdir / "final.keras"))

    images, boxes, classes = scene_arrays("test", test_scenes, seed=0)
    test = detector.evaluate(images, boxes, classes)
    shifted = detector.evaluate(*make_shifted_scenes(shifted_scenes))
    one_at_a_time = images_per_second(detector, images[:100], 1)
    batched = images_per_second(detector, images[:256], 32)
    metrics = {"test_scenes": test_scenes, "test": test, "shifted_scenes": shifted_scenes,
               "shifted_setting": {**SHIFTED_SETTING,
                                   "backgrounds": "stripes or checkerboards"},
               "shifted": shifted, "validation": summary.get("validation"),
               "images_per_second_batch_1": round(one_at_a_time, 1),
               "images_per_second_batch_32": round(batched, 1),
               "train_machine_minutes": summary["train_machine_minutes"],
               "train_wall_minutes": summary["train_wall_minutes"],
               "params": config["params"], "default_boxes": config["default_boxes"]}

    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    draw_examples(detector, images[:6], output / "test_detections.png")
    draw_examples(detector, make_shifted_scenes(6, seed=2)[0], output / "shifted_detections.png")
    per_class = "\n".join(f"| {name} | {test['per_class_AP50'][name]:.3f} | "
                          f"{test['per_class_AP'][name]:.3f} |" for name in detector.class_names)
    init = (f"base initialised from the classifier `{config['init_from']}` "
            f"({config['layers_copied']} layers copied; the lecture's fine-tuning)"
            if config.get("init_from") else "random initialisation")
    card = ModelCard(
        title="Fashion scenes detector",
        headline=(f"SSD on a ResNet-18 (width {config['width']}) base: mAP@0.5 "
                  f"{test['mAP50']:.3f} and mAP@[.5:.95] {test['mAP']:.3f} on {test_scenes} "
                  f"generated test scenes; {shifted['mAP50']:.3f} / {shifted['mAP']:.3f} on "
                  f"{shifted_scenes} shifted scenes (192×256 canvases, items 20–150 px, unseen "
                  "backgrounds)."),
        architecture="`ssd` (Liu et al., SSD: Single Shot MultiBox Detector, ECCV 2016) on "
                     f"`resnet18` C3–C5 + one extra map, {config['default_boxes']} default boxes",
        parameters=f"{config['params']:,}",
        data="Fashion scenes (kerasvision.data.fashion_scenes): 1–8 Fashion-MNIST items on "
             "128×128 canvases with random backgrounds; fresh scenes every epoch, flips and "
             "scale jitter 0.5–1.5",
        training=(f"model.fit, AdamW {config['learning_rate']} with a cosine over a budget of "
                  f"{config['minutes']} machine minutes, batch {config['batch_size']}, SSD's "
                  f"multibox loss (3:1 hard negatives); {init}"),
        training_time=(f"{summary['train_machine_minutes']} machine minutes (process CPU time "
                       f"/ cores; {summary['train_wall_minutes']} min wall on a machine shared "
                       f"with other work), {machine_description()}"),
        inputs="RGB images of any size, letterboxed to 128×128 (0–255 pixels)",
        outputs="boxes [x0, y0, x1, y1] in the original image's pixels, class, score; the "
                "SavedModel returns the TF Object Detection API's outputs",
        class_names=detector.class_names,
        command=train_command or "see apps/fashion_scenes_detector/README.md",
        sections=[
            ("Test scenes (once)", f"| class | AP@0.5 | AP@[.5:.95] |\n|---|---|---|\n"
                                   f"{per_class}\n\nmAP@0.75 {test['mAP75']:.3f}, AR@100 "
                                   f"{test['AR100']:.3f}."),
            ("Speed", f"{one_at_a_time:.1f} images/s one at a time and {batched:.1f} images/s "
                      f"in batches of 32 through `ObjectDetector.predict` ({machine_description()}, "
                      "shared)."),
        ],
        pictures=[("Test scenes with detections (score ≥ 0.5)", "test_detections.png"),
                  ("Shifted scenes", "shifted_detections.png"),
                  ("Training curve", "training_curve.png")])
    metrics = publish(detector, output, workdir, metrics, card)
    write_text_atomically(output / "metrics.json", json.dumps(metrics, indent=2, default=float))
    print(json.dumps({k: metrics[k] for k in ("images_per_second_batch_1",
                                              "images_per_second_batch_32")}))
    print(json.dumps({"test_mAP50": test["mAP50"], "test_mAP": test["mAP"],
                      "shifted_mAP50": shifted["mAP50"], "shifted_mAP": shifted["mAP"]}))


if __name__ == "__main__":
    main()
