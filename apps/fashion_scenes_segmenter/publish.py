"""The shipped segmenter's last stage: measure once on test scenes, then ship.

Reads the run's `final.keras`, drops its optimizer state, measures mean IoU over the 11
classes (background + the 10 Fashion-MNIST classes) on generated test scenes — the first look
at the test split — and on shifted scenes (kerasvision.data.shifted_scenes: another canvas
size, other item scales, unseen backgrounds), times prediction, draws overlays and writes

    saved_models/fashion_scenes_segmenter/{model.keras, VERSION/, MODEL_CARD.md, ...}

    python apps/fashion_scenes_segmenter/publish.py --workdir runs/segmenter \
        --output saved_models/fashion_scenes_segmenter
"""

import json
from pathlib import Path

import click
import numpy as np


def without_training_state(segmenter):
    """The same segmenter without its optimizer (a shipped file needs only the weights)."""
    import keras

    from kerasvision.tasks.image_segmenter import ImageSegmenter

    model = segmenter.model
    bare = keras.Model(model.inputs, model.outputs, name=model.name)
    return ImageSegmenter(bare, segmenter.class_names, segmenter.preprocessor)


def draw_overlays(segmenter, images, path):
    """Scenes (top row) over their predicted overlays (bottom row)."""
    from PIL import Image

    from kerasvision.inspect.segmentation_drawing import overlay

    maps = segmenter.predict(images)
    tiles = [(Image.fromarray(np.asarray(image, np.uint8)).convert("RGB"),
              Image.fromarray(np.asarray(overlay(image, class_map), np.uint8)).convert("RGB"))
             for image, class_map in zip(images, maps)]
    width, height = tiles[0][0].size
    grid = Image.new("RGB", (len(tiles) * width, 2 * height), "white")
    for k, (scene, drawn) in enumerate(tiles):
        grid.paste(scene, (k * width, 0))
        grid.paste(drawn.resize(scene.size), (k * width, height))
    grid = grid.resize((grid.width * 2, grid.height * 2), Image.Resampling.NEAREST)
    grid.save(path)


def comparison_sections(path):
    """Model-card sections from benchmarks/segmenter_comparison.py's JSON: the fine-tuning
    effect (same architecture, same budget, random against classifier initialisation) and the
    other architectures at that budget. None when the file is missing."""
    path = Path(path)
    if not path.is_file():
        return []
    result = json.loads(path.read_text())
    rows = result["rows"]
    header = ("| model | parameters | machine min | mIoU (validation) | images/s |\n"
              "|---|---|---|---|---|\n")
    table = header + "\n".join(
        f"| {r['label']} | {r['parameters']:,} | {r['machine_minutes']} | {r['mean_iou']:.3f} | "
        f"{r['images_per_second']} |" for r in rows)
    budget, scenes = result["minutes_per_model"], result["validation_scenes"]
    ours = {("fine" if "fine-tuned" in r["label"] else "random"): r for r in rows
            if r["label"].startswith("backbone_fcn")}
    sections = []
    if len(ours) == 2:
        fine, random = ours["fine"]["mean_iou"], ours["random"]["mean_iou"]
        sections.append((
            "Fine-tuning against random initialisation",
            f"At {budget} machine minutes each, same data and recipe "
            f"(benchmarks/segmenter_comparison.py, {scenes} validation scenes): the base "
            f"started from the Fashion-MNIST classifier reaches mIoU {fine:.3f}, from random "
            f"weights {random:.3f} ({fine - random:+.3f})."))
    sections.append(("Other architectures at the same budget",
                     f"{budget} machine minutes each, mIoU on {scenes} validation scenes "
                     f"(benchmarks/segmenter_comparison.py):\n\n{table}"))
    return sections


def model_card(metrics, config, summary, class_names, comparison, train_command):
    """The model card from the measured `metrics` (also re-rendered alone by --card-only)."""
    from kerasvision.tasks.model_card import ModelCard, machine_description

    test, shifted = metrics["test"], metrics["shifted"]
    test_scenes, shifted_scenes = metrics["test_scenes"], metrics["shifted_scenes"]
    one, batched = metrics["images_per_second_batch_1"], metrics["images_per_second_batch_32"]
    rows = "\n".join(f"| {name} | {'—' if iou is None else f'{iou:.3f}'} |"
                     for name, iou in test["per_class_iou"].items())
    init = (f"base initialised from the classifier `{config['init_from']}` (the lecture's "
            "fine-tuning)" if config.get("init_from") else "random initialisation")
    return ModelCard(
        title="Fashion scenes segmenter",
        headline=(f"An FPN-style decoder on ResNet-18 (width {config.get('width')}): mean IoU "
                  f"{test['mean_iou']:.3f} over the 11 classes and pixel accuracy "
                  f"{test['pixel_accuracy']:.3f} on {test_scenes} generated test scenes; "
                  f"{shifted['mean_iou']:.3f} on {shifted_scenes} shifted scenes."),
        architecture="`backbone_fcn` (FCN-style skip fusion, Long et al. 2015, on a "
                     "registered backbone's C2–C5) on `resnet18`",
        parameters=f"{config.get('params', 0):,}",
        data="Fashion scenes (kerasvision.data.fashion_scenes), 128×128, semantic masks "
             "(0 background, 1 + Fashion-MNIST class), flips and scale jitter",
        training=(f"model.fit, AdamW with a cosine over {config.get('minutes')} machine minutes, "
                  f"Dice + cross-entropy; {init}"),
        training_time=(f"{summary['train_machine_minutes']} machine minutes (process CPU time / "
                       f"cores), {machine_description()}, shared"),
        inputs="RGB images of any size, letterboxed to 128×128 (0–255 pixels)",
        outputs="a class map at the original image's size (and scores on request); the "
                "SavedModel returns `class_map` and `scores`",
        class_names=class_names,
        command=train_command or "see apps/fashion_scenes_segmenter/",
        sections=[("Test scenes (once)", f"| class | IoU |\n|---|---|\n{rows}"),
                  *comparison_sections(comparison),
                  ("Speed", f"{one:.1f} images/s one at a time, {batched:.1f} in batches of "
                            f"32 (`ImageSegmenter.predict`, {machine_description()}, shared).")],
        pictures=[("Test scenes and predicted overlays", "test_overlays.png"),
                  ("Shifted scenes", "shifted_overlays.png"),
                  ("Confusion matrix (test)", "confusion_matrix.png"),
                  ("Training curve", "training_curve.png")])


@click.command()
@click.option("--workdir", default="runs/segmenter", show_default=True)
@click.option("--output", default="saved_models/fashion_scenes_segmenter", show_default=True)
@click.option("--test-scenes", default=500, show_default=True)
@click.option("--shifted-scenes", default=300, show_default=True)
@click.option("--command", "train_command", default=None,
              help="The exact training commands, for the model card.")
@click.option("--comparison", default="benchmarks/segmenter_comparison.json", show_default=True,
              help="benchmarks/segmenter_comparison.py's results, for the card (if present).")
@click.option("--card-only", is_flag=True,
              help="Only re-render MODEL_CARD.md from the published metrics.json (no new "
                   "measurement, no new version), e.g. once the comparison has run.")
def main(workdir, output, test_scenes, shifted_scenes, train_command, comparison, card_only):
    from kerasvision.data.shifted_scenes import SHIFTED_SETTING
    from kerasvision.data.shifted_scenes import shifted_scenes as make_shifted
    from kerasvision.tasks.image_segmenter import ImageSegmenter
    from kerasvision.tasks.prediction_speed import images_per_second
    from kerasvision.tasks.publishing import publish, write_text_atomically
    from kerasvision.tasks.segmenter_training import scene_masks

    workdir = Path(workdir)
    config = json.loads((workdir / "config.json").read_text())
    summary = json.loads((workdir / "summary.json").read_text())
    if card_only:
        metrics = json.loads((Path(output) / "metrics.json").read_text())
        card = model_card(metrics, config, summary, config["class_names"], comparison,
                          train_command or metrics.get("command"))
        write_text_atomically(Path(output) / "MODEL_CARD.md", card.render())
        return
    segmenter = without_training_state(ImageSegmenter.load(workdir / "final.keras"))
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)

    images, masks = scene_masks("test", test_scenes, seed=0)
    test = segmenter.evaluate(images, masks, confusion_png=output / "confusion_matrix.png")
    shifted_images, _, _, shifted_masks = make_shifted(shifted_scenes)
    shifted = segmenter.evaluate(shifted_images, shifted_masks)
    one = images_per_second(segmenter, images[:50], 1)
    batched = images_per_second(segmenter, images[:128], 32)
    draw_overlays(segmenter, images[:6], output / "test_overlays.png")
    draw_overlays(segmenter, shifted_images[:4], output / "shifted_overlays.png")
    test.pop("confusion_matrix", None)
    shifted.pop("confusion_matrix", None)
    metrics = {"test_scenes": test_scenes, "test": test, "shifted_scenes": shifted_scenes,
               "shifted_setting": {**SHIFTED_SETTING, "backgrounds": "stripes or checkerboards"},
               "shifted": shifted, "validation": summary.get("validation"),
               "images_per_second_batch_1": round(one, 1),
               "images_per_second_batch_32": round(batched, 1),
               "train_machine_minutes": summary["train_machine_minutes"],
               "train_wall_minutes": summary.get("train_wall_minutes"),
               "params": config.get("params"), "command": train_command}
    for part in (metrics["validation"] or {},):
        part.pop("confusion_matrix", None)
    card = model_card(metrics, config, summary, segmenter.class_names, comparison, train_command)
    # The serving contract: `class_map` and `scores` (128x128x11 floats, 0.7 MB an image).
    metrics = publish(segmenter, output, workdir, metrics, card)
    write_text_atomically(output / "metrics.json", json.dumps(metrics, indent=2, default=float))
    print(json.dumps({"test_mean_iou": test["mean_iou"], "shifted_mean_iou": shifted["mean_iou"],
                      "images_per_second_batch_1": one}))


if __name__ == "__main__":
    main()
