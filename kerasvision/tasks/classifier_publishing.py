"""Publishing a trained image classifier: its evaluation, metrics and model card, on the shared
publisher (tasks/publishing.py).

Every fact on the card comes from the run's own config.json and summary.json (architecture,
data source, image size, class names, recipe, time) or from measurement, so a classifier
trained on a folder of photos gets a card that says so.
"""

import json
from pathlib import Path

import numpy as np

from kerasvision.tasks.publishing import publish, read_history  # noqa: F401 - read_history: public

OPTIMIZERS = {"sgd": "SGD + Nesterov 0.9", "adamw": "AdamW"}


# Test-time views a published graph may average (issue 14 measured both on validation data).
VIEWS = {"flip": "its mirror image's", "shifts": "its four one-pixel translations'"}


def with_views(model, views):
    """`model`, or `model` wrapped to average its scores over test-time `views`."""
    if views is None:
        return model
    if views == "flip":
        from kerasvision.tasks.flip_averaging import with_flip_averaging

        return with_flip_averaging(model)
    if views == "shifts":
        from kerasvision.tasks.translation_averaging import with_translation_averaging

        return with_translation_averaging(model)
    raise ValueError(f"views must be None, 'flip' or 'shifts', got {views!r}")


def publish_classifier(workdir, output, command, x_test, y_test, note="", flip_averaging=False,
                       views=None, prepare=None):
    """Write the shipped-model folder from `workdir`'s final.keras and history.csv.

    With `views` ("flip", or "shifts"; `flip_averaging` is views="flip"), the shipped graph
    averages the scores of each image and its mirror image (tasks/flip_averaging.py) or its
    one-pixel translations (tasks/translation_averaging.py); the single-view accuracy is
    reported beside it. `prepare(classifier) -> classifier` runs on the classifier to ship
    before it is evaluated and exported (e.g. adding a photo conversion and an
    in-distribution score, apps/fashion_mnist/photo_inputs_release.py); what it adds is
    recorded in the metrics.
    """
    from kerasvision.tasks.image_classifier import ImageClassifier

    views = "flip" if flip_averaging else views
    workdir, output = Path(workdir), Path(output)
    output.mkdir(parents=True, exist_ok=True)
    config = json.loads((workdir / "config.json").read_text())
    summary = json.loads((workdir / "summary.json").read_text())
    single_view = ImageClassifier.load(workdir / "final.keras")
    single_accuracy = single_view.evaluate(x_test, y_test)["accuracy"]
    classifier = (ImageClassifier(with_views(single_view.model, views), single_view.class_names,
                                  single_view.preprocessor) if views else single_view)
    if prepare is not None:
        classifier = prepare(classifier)
    report = classifier.evaluate(x_test, y_test, confusion_png=output / "confusion_matrix.png")
    history = read_history(workdir / "history.csv")
    trainable = int(sum(np.prod(w.shape) for w in classifier.model.trainable_weights))
    metrics = {"test_accuracy": report["accuracy"], "test_top5_accuracy": report["top5_accuracy"],
               "test_accuracy_single_view": single_accuracy, "views": views,
               "flip_averaging": views == "flip",
               "test_images": int(len(y_test)),
               "per_class": report["per_class"], "params": int(classifier.model.count_params()),
               "trainable_params": trainable, "epochs": len(history.get("loss", [])),
               "train_minutes": summary.get("train_minutes_total",
                                            summary.get("train_minutes_this_run"))}
    for key in ("in_distribution", "single_view_in_distribution"):
        score = getattr(classifier, key)
        if score is not None:  # its Gaussians live in the model metadata
            metrics[key] = score.summary()
    if classifier.preprocessor.photo_conversion:
        metrics["photo_conversion"] = classifier.preprocessor.photo_conversion
    card = classifier_card(config, metrics, classifier, command, note)
    return publish(classifier, output, workdir, metrics, card)


def publish_run(workdir, output, command, note="", flip_averaging=False, views=None,
                prepare=None):
    """Publish the finished run in `workdir` without retraining: its held-out images are
    loaded again from the data its config.json names. The card shows the command that
    trained the run where config.json keeps it, else `command`. Returns the metrics."""
    from kerasvision.tasks.classifier_training import load_training_data

    workdir = Path(workdir)
    missing = [name for name in ("config.json", "summary.json", "final.keras")
               if not (workdir / name).is_file()]
    if missing:
        raise FileNotFoundError(f"{workdir} holds no finished run (no {', '.join(missing)}); "
                                "train it first")
    config = json.loads((workdir / "config.json").read_text())
    _, _, x_test, y_test, _ = load_training_data(config["data"])
    command = config.get("command") or command
    return publish_classifier(workdir, output, command, x_test, y_test, note=note,
                              flip_averaging=flip_averaging, views=views, prepare=prepare)


def classifier_card(config, metrics, classifier, command, note=""):
    from kerasvision.tasks.model_card import (ModelCard, architecture_description,
                                              machine_description)

    height, width, channels = config["image_shape"]
    kind = "grey" if channels == 1 else "RGB"
    held_out = ("the 10,000 Fashion-MNIST test images" if config["data"] == "fashion_mnist"
                else f"the {metrics['test_images']:,} held-out images of `{config['data']}`")
    shipped_views = metrics.get("views") or ("flip" if metrics.get("flip_averaging") else None)
    views = (f"The shipped graph averages each image's scores with {VIEWS[shipped_views]}; one "
             f"view alone scores {metrics['test_accuracy_single_view']:.4f}, and is what "
             "`kerasvision classify` runs unless `--tta`."
             if shipped_views else "Single view, no test-time augmentation.")
    classes, k = len(config["class_names"]), min(5, len(config["class_names"]))
    # The warm-up takes at most a tenth of the run (classifier_training.build_and_compile).
    warmup = min(config["warmup_epochs"], config["epochs"] / 10)
    per_class = "\n".join(f"| {name} | {v['precision']:.3f} | {v['recall']:.3f} |"
                          for name, v in metrics["per_class"].items())
    network = architecture_description(config["model"], config.get("model_kwargs"),
                                       config.get("columns", 1))
    return ModelCard(
        title=f"Image classifier ({config['model']}, {classes} classes)",
        headline=(f"**Held-out accuracy {metrics['test_accuracy']:.4f}** (top-{k} "
                  f"{metrics['test_top5_accuracy']:.4f}) on {held_out}, never used for "
                  f"training or model selection (the last epoch is shipped). {views}"),
        architecture=(f"{network}; normalisation (x/255 − {config['mean']:.4f})/"
                      f"{config['std']:.4f} inside the graph"),
        parameters=f"{metrics['params']:,} ({metrics['trainable_params']:,} trainable)",
        data=f"{config['data_description']}; augmentation: {config['augmentation']}",
        training=(f"{metrics['epochs']} epochs, batch {config['batch_size']}, "
                  f"{OPTIMIZERS[config.get('optimizer', 'sgd')]}, "
                  f"lr {config['learning_rate']} ({schedule_description(config, warmup)}), "
                  f"weight decay {config['weight_decay']} (kernels), label "
                  f"smoothing {config['label_smoothing']}, seed {config['seed']}"
                  + "".join(recipe_extras(config))
                  + (f"; BatchNorm statistics re-estimated on {config['precise_bn_images']:,} "
                     "training images after each epoch (precise BN)"
                     if config.get("precise_bn_images") else "")),
        training_time=f"{metrics['train_minutes']} min on {machine_description()}",
        inputs=(f"`serving_default`: `image_bytes` (JPEG/PNG/GIF/BMP, resized to "
                f"{height}×{width} {kind}); `serving_pixels`: float32 [N, {height}, {width}, "
                f"{channels}] in 0–255"),
        outputs=f"`scores` [N, {classes}], `classes` [N, {k}], `labels` [N, {k}]",
        class_names=config["class_names"],
        command=command,
        sections=[("Per-class precision and recall (held-out set)",
                   "| class | precision | recall |\n|---|---|---|\n" + per_class)],
        pictures=[("training curve", "training_curve.png"),
                  ("confusion matrix", "confusion_matrix.png")],
        note=note)


def schedule_description(config, warmup):
    if config.get("schedule", "cosine") == "one_cycle":
        return "one cycle: linear from a tenth of it to it over the first quarter, then to 0"
    return f"{warmup:g} warm-up epoch(s), cosine to 0"


def recipe_extras(config):
    """The card's words for the fast-training options a run used (issue 14)."""
    if config.get("precision", "float32") != "float32":
        yield f"; trained in {config['precision']} (shipped in float32)"
    if config.get("ema"):
        yield (f"; exponential moving average of the weights (momentum {config['ema']}) "
               "shipped, its BatchNorm statistics re-estimated")
    if config.get("bn_momentum"):
        yield f"; BatchNorm momentum {config['bn_momentum']}"
